"""Follow-up questions: what each user last asked in a chat, and how a new question leans on it.

"Saldo?" then "and where was he taken?" means "where was Saldo taken?". The front ends keep one
`Turn` per (chat, user[, thread]) in a `ConversationStore` for about ten minutes; the service
(`Citebot.converse`) reads it, decides with `lean_on` whether the new question carries over the
last one's topic, and hands back the turn to keep.

The store is an async get/put by key so that another process-wide backend (Redis: `SET key
turn.to_json() EX ttl`, `GET key`) can stand in for `MemoryConversations` without touching callers.
Everything else here is pure: no I/O, no index.
"""

from __future__ import annotations

import json
import re
import time
from collections import OrderedDict
from dataclasses import asdict, dataclass
from typing import Callable, Protocol

from citebot.bot.intent import Intent
from citebot.index.analysis import analyze
from citebot.index.common_words import is_common

TTL_SECONDS = 600.0  # a follow-up comes within minutes; after ten, a pronoun is more likely about something else
MAX_CONVERSATIONS = 100_000  # least recently used dropped beyond this (each turn is a few hundred bytes)

# (chat id, user id, thread): thread is None for a private chat or a group message outside a
# thread, else the id of the bot's message replied to (or of the forum topic).
Key = tuple[int, int, int | None]


@dataclass(frozen=True)
class Turn:
    """What a follow-up may lean on: the last answered question's topic and where its answer ended."""

    question: str  # the question as searched (English, with anything carried over)
    topic: tuple[str, ...]  # its names as written ("Saldo", "Nova Kakhovka"), or its rarest words
    verbs: tuple[str, ...] = ()  # its content verbs, for a bare "why?" or "when?"
    article_id: str | None = None  # the article of the last citation
    end: int | None = None  # where the last citation's excerpt ends in that article (characters)
    ordinal: int | None = None  # the passage the last citation came from
    person: str | None = None  # whom the answer named, asked "who…?" ("Ivan Fedorov" for the mayor of Melitopol)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "Turn":
        data = json.loads(text)
        return cls(**{**data, "topic": tuple(data.get("topic", ())), "verbs": tuple(data.get("verbs", ()))})


class ConversationStore(Protocol):
    """Where turns are kept: a dict with expiry in one process, Redis across replicas."""

    async def get(self, key: Key) -> Turn | None: ...

    async def put(self, key: Key, turn: Turn) -> None: ...


class MemoryConversations:
    """Turns in memory: each expires ttl seconds after it was put; at most max_items kept (LRU)."""

    def __init__(self, ttl: float = TTL_SECONDS, max_items: int = MAX_CONVERSATIONS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.max_items = max_items
        self.clock = clock
        self.items: OrderedDict[Key, tuple[float, Turn]] = OrderedDict()

    async def get(self, key: Key) -> Turn | None:
        item = self.items.get(key)
        if item is None:
            return None
        if item[0] <= self.clock():
            del self.items[key]
            return None
        return item[1]

    async def put(self, key: Key, turn: Turn) -> None:
        now = self.clock()
        self.items.pop(key, None)
        self.items[key] = (now + self.ttl, turn)
        # Every turn lives ttl, so the oldest put expires first: drop expired ones from the front.
        while self.items:
            oldest = next(iter(self.items))
            if self.items[oldest][0] > now and len(self.items) <= self.max_items:
                break
            del self.items[oldest]

    def __len__(self) -> int:
        return len(self.items)


@dataclass(frozen=True)
class Carry:
    """How a question leans on the last turn."""

    names: tuple[str, ...]  # the last question's topic, carried into this one
    extra: tuple[str, ...] = ()  # further words carried (the last question's verbs, for a bare "why?")
    next: bool = False  # "what happened next": continue the last excerpt's article


_PRONOUNS = frozenset("he she it they him her them his hers its their theirs there himself herself themselves".split())
_PERSONAL = frozenset("he she him her his hers himself herself".split())  # a person, not a place or a thing
_LEADS = frozenset("and but also then plus".split())
_DUMMY_THERE = frozenset("is are was were be been being".split())  # "are there…", "was there…"
_NEXT = re.compile(
    r"(?:(?:and|so|ok|okay|then)\s+)*(?:what\s+(?:happened|happens|came|comes|followed)\s+(?:next|then|after(?:wards?)?"
    r"(?:\s+that)?|later)|what\s+next|then\s+what|and\s+then|what\s+did\s+(?:he|she|they|it)\s+do\s+(?:next|then)|"
    r"go\s+on|continue|more|tell\s+me\s+more|what\s+else\s+happened)", re.I)
_BARE = re.compile(r"(?:(?:and|but|so)\s+)?(?:(?:who|what|when|where|why|how|which)(?:\s+(?:else|so|not|exactly))?|what\s+happened)", re.I)
_WHAT_ABOUT = re.compile(r"(?:(?:and|but|so)\s+)?(?:what|how)\s+about\b", re.I)
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_TRAILING = re.compile(r"[\s?!.…,;:]+$")


def lean_on(question: str, intent: Intent, last: Turn | None, own_words: bool = False) -> Carry | None:
    """How question carries over last's topic, or None when it stands on its own.

    A question with names of its own starts fresh. He or she after a "who…?" question means the
    person its answer named. One without leans on the last when it uses a
    pronoun (he, she, it, they, his, her, there…), opens with "and…", asks "what about …", asks
    only "why?", "who else?" and the like, or asks what happened next (which continues the last
    excerpt's article). A question that opens with "and" or asks "what about" but holds a rare
    word of its own is about that word, not the last topic; so is a bare "who?" or "and…" that
    had words of its own the caller could not search for (own_words: a Ukrainian or Russian
    question's words with no English equivalent, "Хто виграв чемпіонат?" being no "who?").
    """
    if last is None or not last.topic or intent.names:
        return None
    text = _TRAILING.sub("", " ".join(intent.text.split()))  # without filler ("hey bot, …")
    asked = _TRAILING.sub("", " ".join(question.split()))  # as typed: "what about" is filler to analyse()
    if _NEXT.fullmatch(text) and last.article_id is not None:
        return Carry(last.topic, next=True)
    words = [w.lower().replace("’", "'") for w in _WORD.findall(text)]
    if not words:
        return None
    # The carried topic is already in the question ("and where was saldo taken?"): nothing to add.
    topic_terms = {t for name in last.topic for t in analyze(name)}
    if topic_terms and topic_terms <= set(analyze(text)):
        return None
    if _BARE.fullmatch(text) and not own_words:
        return Carry(last.topic, last.verbs)
    pronoun = any(w in _PRONOUNS and not (w == "there" and i and words[i - 1] in _DUMMY_THERE)
                  for i, w in enumerate(words))
    if pronoun:
        # "Who is the mayor of Melitopol?" then "where is he now?": he is the mayor the answer named.
        if last.person and any(w in _PERSONAL for w in words):
            return Carry((last.person,))
        return Carry(last.topic)
    cue = words[0] in _LEADS or _WHAT_ABOUT.match(asked) is not None or "else" in words
    if cue and not own_words and not _rare_words(text):
        return Carry(last.topic)
    return None


def _rare_words(text: str) -> list[str]:
    """Analysed words of text that are not common English: names typed in lower case, or rare terms."""
    return [term for term in analyze(text) if not is_common(term)]


def carried_question(question: str, carry: Carry) -> str:
    """The question to search: the question with the carried words after it ("…taken? (Saldo)")."""
    words = list(dict.fromkeys(carry.names + carry.extra))
    return f"{question.rstrip()} ({', '.join(words)})" if words else question
