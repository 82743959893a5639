"""Hits → answer: the best one to three articles, each with the sentences that answer.

Nothing is generated: an excerpt is a run of one to three whole sentences
copied from an article. Candidates are read from the sentences stored at
index time (their analysed terms too), so composing tokenises nothing but
the few excerpts it finally quotes. Whether to answer at all is decided by a
small logistic model (bot/answerability.py) over the best candidate; no
answer is better than a wrong one.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from weakref import WeakKeyDictionary

from citebot.bot.answerability import Features, model
from citebot.bot.intent import LIGHT_VERBS, TIME_NOUNS, Intent
from citebot.bot.kinds import expansions
from citebot.index.analysis import KEPT_APART, analyze, matched_words, tokens
from citebot.index.common_words import is_common
from citebot.index.search import Context, Hit, SearchResult
from citebot.index.synonyms import synonyms
from citebot.index.vocabulary import Vocabulary

MAX_ARTICLES = 3
MAX_SENTENCES = 3
MAX_EXCERPT_CHARS = 700
RERANK_DEPTH = 10
# A passage scoring below this share of the best cannot be re-ranked to the top.
REACHABLE_SHARE = 0.4
# A further article is cited only if its candidate ranks at least this share of the best.
SECONDARY_SHARE = 0.5
SECONDARY_COVERAGE = 0.5
# A second excerpt of an already cited article must cover this much of the question.
SAME_ARTICLE_COVERAGE = 0.9
# What holding the asked kind of thing (a name for "who", a number for "how many") that
# the question does not already contain is worth, in coverage points and in rank.
KIND_BONUS = 0.3
KIND_RANK_FACTOR = 0.35
# What a common English word that the articles never use is worth, as a share of the rarest word's.
UNKNOWN_COMMON_SHARE = 0.5
# Kinds of answer that a sentence either names or does not: one without is no answer.
CONCRETE_KINDS = frozenset({"person", "organisation", "place", "number", "date", "expansion"})
# Kinds a sentence cannot hold without them showing (figures, date words, an acronym's long form):
# a question asking for one is declined when the excerpt has none.
FIGURES = frozenset({"number", "date", "expansion"})
SCORE_POWER = 0.5
# A thing of the asked kind counts this share when it does not stand beside the noun the question
# asked about ("which PARTY": "the ruling party United Russia" beats "FSB officers").
AWAY_FROM_HEAD = 0.5
# Not "means": what its finder finds is already the thing asked for, and the noun ("what gun")
# is often put another way beside it ("a Makarov pistol").
HEAD_KINDS = frozenset({"person", "organisation", "place"})
HEAD_REACH = 6  # words either side of a found thing among which its noun may stand
_WORDS_AROUND = re.compile(r"\S+")
_OPENING_MARKS = "“\"‘'( "
# "Who is the mayor of X?": a role's holder is a name; a sentence about the role that names
# nobody does not answer it.
_ASKS_WHO_HOLDS = re.compile(r"who (?:is|was|are|were|'s) (?:the |its |their )?(?:[\w'’-]+ ){0,2}?"
                             r"(?:mayor|governor|president|minister|head|leader|chief|director|secretary|"
                             r"commander|chairman|ceo|owner|founder|spokesman|spokeswoman|ambassador)"
                             r"(?: (?:of|at|in|for)\b|\W*$)",
                             re.I)
# Questions about these events are answered only by a sentence that speaks of one ("When was X
# born?" is not answered by a sentence that names X and a date): the words that ask about each
# event, and the words that tell of it.
_EVENTS = tuple((frozenset(analyze(asks)), frozenset(analyze(asks + " " + tells))) for asks, tells in (
    ("born", "birth birthplace native"), ("die died", "death dead killed murdered assassinated slain executed perished fatally blown"),
    ("founded established formed", "founder opened created"), ("opened", "opening inaugurated launched founded built"),
    ("married", "marriage wife husband"),
    ("owns", "owner ownership"), ("designed invented", "designer inventor introduced developed"),
    ("studied graduated", "educated degree doctorate"), ("elected", "election vote voted won"),
    ("arrested detained", "arrest detention custody jailed charged"), ("buried", "burial funeral grave cemetery"),
    ("reopened", "reopening opened"), ("resigned", "resignation quit"),
    ("closed", "closure shut shutdown"),
    ("destroyed", "destruction demolished razed flattened wrecked collapsed blown blew bombed burned burnt levelled "
                  "leveled gutted")))
# "Zhu Shijie (1249–1314)": a life's years speak of its birth and death.
_LIFE_YEARS = re.compile(r"\((?:born |b\. |c\. )?\d{3,4}(?:\s*[–-]\s*(?:c\. )?\d{3,4})?\)")
_LIFE_EVENTS = frozenset(analyze("born died"))
# "What HAPPENED to the mayor?": a verb that only asks for an event is worth little of the question,
# however rare it is in a small archive ("The incident happened late last month" is no answer).
_LIGHT_VERBS = frozenset(term for verb in LIGHT_VERBS for term in analyze(verb))
LIGHT_VERB_SHARE = 0.25
# A question's word counts this share in a sentence that holds another word of its family, which
# Snowball stems apart: occupied/occupation, Russia/Russian, president/presidential,
# explosion/exploded. That share of the word is a bit of its own, kept under the term with RELATED
# before it (covered() counts a word once, at its best).
RELATED_SHARE = 0.75
RELATED_PREFIX = 5
RELATED = "~"
# A question's word counts this share in a sentence that holds a synonym of it (index/synonyms.py).
SYNONYM_SHARE = 0.75
SYNONYM = "="
_APART = frozenset(KEPT_APART.values())  # analysis keeps these from their look-alikes (officer, office)
# A story's first sentences say what it is about.
LEAD_RANK_FACTOR = 0.1
LEAD_SENTENCES = 3  # a dek or a dateline often comes before the sentence that tells the news
_OPENING_QUOTES = "\"“‘'«„"
# A sentence that opens with a pronoun or "It came…" leans on the one before it; "This week, …" or
# "That night …" only says when, and stands on its own.
_TIME_NOUNS = "(?:" + "|".join(sorted(TIME_NOUNS | {"summer", "spring", "autumn", "fall", "winter"})) + ")s?"
_LEANS = re.compile(r"(?:[\"“‘(]\s*)?(?:he|she|it|they|his|her|its|their|him|them|"
                    rf"(?:this|that|these|those|such)(?!\s+(?:past\s+|coming\s+|same\s+)?{_TIME_NOUNS}\b)|"
                    r"the (?:latter|former|move|attack|incident|blast|man|woman|official)|both)\b", re.I)


class Excerpt:
    """Quoted text and the spans in it of words that match the question.

    The spans are found when first asked for (from the question's terms): a reply in JSON
    never needs them, and finding them means reading every word of the excerpt again.
    """

    __slots__ = ("text", "_marks", "_terms")

    def __init__(self, text: str, marks: tuple[tuple[int, int], ...] | None = None,
                 terms: frozenset[str] = frozenset()) -> None:
        self.text = text
        self._marks = marks
        self._terms = terms

    @property
    def marks(self) -> tuple[tuple[int, int], ...]:
        if self._marks is None:
            marks: list[tuple[int, int]] = []
            for start, end in matched_words(self.text, self._terms):
                if marks and start <= marks[-1][1]:
                    marks[-1] = (marks[-1][0], max(marks[-1][1], end))  # touching marks merged
                else:
                    marks.append((start, end))
            self._marks = tuple(marks)
        return self._marks

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Excerpt) and (self.text, self.marks) == (other.text, other.marks)

    def __hash__(self) -> int:
        return hash(self.text)

    def __repr__(self) -> str:
        return f"Excerpt({self.text!r}, {self.marks!r})"


@dataclass(frozen=True)
class Citation:
    """One numbered source of an answer."""

    n: int
    hit: Hit
    excerpt: Excerpt
    span: tuple[int, int] | None = None  # where the excerpt stands in its article (characters), when known

    @property
    def passage_id(self) -> str:
        return self.hit.passage_id


@dataclass(frozen=True)
class Answer:
    """What the bot says to a question: citations, or none and why."""

    query: str
    citations: list[Citation] = field(default_factory=list)
    searched_instead: dict[str, str] = field(default_factory=dict)  # typed word → word searched for
    unmatched: list[str] = field(default_factory=list)
    elapsed_ms: float = 0.0  # time spent searching and composing it
    confidence: float = 0.0  # the answerability model's probability for the best candidate
    carried: tuple[str, ...] = ()  # names carried over from the asker's last question (bot/conversation.py)
    continued: bool = False  # "what happened next": the sentences after the last answer's excerpt
    language: str | None = None  # "uk" or "ru" for a question asked in that language (bot/translit.py)

    @property
    def answered(self) -> bool:
        return bool(self.citations)


class _Question:
    """What a question is worth, term by term, and what it asks for; computed once per answer."""

    def __init__(self, result: SearchResult, intent: Intent) -> None:
        self.intent = intent
        # term → (the typed word it stands for, its worth: idf, scaled down for other spellings)
        self.worth: dict[str, tuple[str, float]] = {}
        best: dict[str, float] = {}
        for term in result.terms:
            light = LIGHT_VERB_SHARE if term.typed in _LIGHT_VERBS else 1.0
            worth = term.idf * light * (term.weight if term.substitute else 1.0)
            if worth > self.worth.get(term.term, ("", -1.0))[1]:
                self.worth[term.term] = (term.typed, worth)
            best[term.typed] = max(best.get(term.typed, 0.0), term.idf * light)
        self.typed_worth = best
        unknown = unknown_worths(result)
        self.unknown_worths = unknown
        self.unknown_mass = math.fsum(unknown.values())
        self.mass = math.fsum(best.values()) + self.unknown_mass
        self.terms = frozenset(self.worth)
        self.asked = frozenset(analyze(result.query))
        self.head = frozenset(analyze(intent.head)) if intent.head and intent.kind in HEAD_KINDS else frozenset()
        if intent.kind == "place" and not self.head and not intent.verbs and intent.names:
            # "Where is Nova Kakhovka?": a place beside the name says where it is ("the town of Nova
            # Kakhovka near Kherson"); one in the sentence after, where something else happened, does not.
            self.head = frozenset(t for name in intent.names for t in analyze(name))
        self.asks_holder = _ASKS_WHO_HOLDS.match(intent.text) is not None
        # "Who is the mayor of X?": a name away from "mayor" is not the mayor's.
        self.away = 0.0 if self.asks_holder else AWAY_FROM_HEAD
        # Only the words the search planned: a hyphenated name's joined form the articles only
        # write apart ("Disney-ABC") is not a missing name.
        self.names = frozenset(t for name in intent.names for t in analyze(name)) & (best.keys() | set(result.unmatched))
        self.verbs = frozenset(t for verb in intent.verbs for t in analyze(verb))
        self.describes_name = intent.kind == "definition" and bool(self.names)  # "Who is Vitaly Gur?"
        # The events asked about: the question's words asking of each, and the words that tell of it.
        self.event_verbs = tuple((asks & self.verbs, tells) for asks, tells in _EVENTS if asks & self.verbs)
        self.events = tuple(tells for _, tells in self.event_verbs)
        self.typed = len(best) + len(result.unmatched)
        self.unmatched = tuple(result.unmatched)
        # The question's most specific word: an unknown one, else the rarest in the articles.
        self.rarest_typed = result.unmatched[0] if result.unmatched else \
            min(best, key=lambda t: (-best[t], t), default="")
        # Sets of the question's terms are held as bit masks: a run's terms are an OR of its
        # sentences', and its coverage a lookup (this loop runs for every run of every hit).
        self.stems: dict[str, list[str]] = {}  # the question's terms by their first letters, for families
        self.stands_for: dict[str, list[str]] = {}  # a synonym → the question's terms it may stand for
        # A word the articles never use may have family or synonyms in them too ("occupation":
        # "occupied"; "inhabitants": "population").
        for term, (typed, worth) in sorted([*self.worth.items(), *((w, (w, v)) for w, v in unknown.items())]):
            if len(term) >= RELATED_PREFIX and term.isalpha():
                self.stems.setdefault(term[:RELATED_PREFIX], []).append(term)
                self.worth[RELATED + term] = (typed, worth * RELATED_SHARE)
            # Not for another spelling of a word: a synonym of a guess is too far ("Higgs", read as
            # "high", is no "height").
            others = synonyms().get(term) if term == typed else None
            if others:
                for other in sorted(others):
                    self.stands_for.setdefault(other, []).append(term)
                self.worth[SYNONYM + term] = (typed, worth * SYNONYM_SHARE)
        # The words of the vocabulary the question was searched in that are of its words' families,
        # and its words' synonyms: any other word of that vocabulary adds nothing, and need not be
        # looked at sentence after sentence.
        vocabulary = self.vocabulary = result.vocabulary
        self.known = vocabulary.terms if vocabulary is not None else None
        self.watched = frozenset([*(word for owns in self.stems.values() for own in owns
                                    for word in _family(own, vocabulary)), *self.stands_for]) - self.terms \
            if vocabulary is not None else None
        self.order = sorted(self.worth)
        self.bits = {term: 1 << i for i, term in enumerate(self.order)}
        # Each typed word's bits, its worthiest first: a mask covers the word at the worth of the
        # first of them it holds, so covered() looks at a few words, not at every bit of a mask.
        ways_of: dict[str, list[tuple[float, int]]] = {}  # typed word → (worth, bit) of each of its terms
        for term, bit in self.bits.items():
            typed, worth = self.worth[term]
            ways_of.setdefault(typed, []).append((worth, bit))
        self.by_typed: list[tuple[int, list[tuple[float, int]]]] = []  # (all its bits, its ways worthiest first)
        for ways in ways_of.values():
            ways.sort(reverse=True)
            self.by_typed.append((sum(bit for _, bit in ways), ways))  # distinct bits: the sum is their OR
        self.names_mask = self.mask(self.names)
        self.shares: dict[int, float] = {}  # covered(mask), memoised

    def mask(self, terms: frozenset[str], all_known: bool = False) -> int:
        """The question's terms in terms, and its terms' family words and synonyms there, as a mask;
        all_known says every one of terms is a word of the vocabulary the question was searched in (a
        stored sentence's, read in the same index generation), so none is looked for among the rest."""
        bits, mask = self.bits, 0
        for term in terms & self.terms:
            mask |= bits[term]
        stems, stands_for = self.stems, self.stands_for
        if stems or stands_for:  # a word of the family, or a synonym, of a question's word the sentence lacks
            # Of the words the question was searched among, only those watched; a word not among
            # them (a title's, a changed article's) is looked at.
            if self.watched is None:
                others = terms - self.terms
            else:
                others = terms & self.watched
                if not all_known and not self.known.keys() >= terms:  # checked without building a set
                    others |= terms.difference(self.known)
            for term in others:
                owns = stems.get(term[:RELATED_PREFIX])
                if owns is not None:
                    for own in owns:
                        if not mask & bits.get(own, 0) and _related(own, term):
                            mask |= bits[RELATED + own]
                for own in stands_for.get(term, ()):
                    if not mask & bits.get(own, 0):
                        mask |= bits[SYNONYM + own]
        return mask

    def members(self, mask: int) -> list[str]:
        """The terms in mask, in order: its set bits only, lowest first (a long question has dozens)."""
        found = []
        while mask:
            low = mask & -mask
            found.append(self.order[low.bit_length() - 1])
            mask ^= low
        return found

    def covered(self, mask: int) -> float:
        """Share of the question's worth whose terms are in mask (0..1); memoised."""
        share = self.shares.get(mask)
        if share is None:
            best = []
            for bits, ways in self.by_typed:
                if mask & bits:
                    for worth, bit in ways:
                        if mask & bit:
                            best.append(max(0.0, worth))
                            break
            share = min(1.0, math.fsum(best) / self.mass) if self.mass else 0.0
            self.shares[mask] = share
        return share

    def typed_in(self, mask: int) -> set[str]:
        return {self.worth[term][0] for term in self.members(mask)}

    def new_kind(self, text: str) -> float:
        """How well text holds something of the asked kind that the question does not already say:
        1 beside the question's noun (or when it has none), AWAY_FROM_HEAD elsewhere, 0 for nothing."""
        strength = 0.0
        for span in self.intent.found(text):
            words = analyze(span)
            if words and not self.asked.issuperset(words):
                if not self.head or self._beside_head(text, span):
                    return 1.0
                strength = self.away
        return strength

    def opens_with_kind(self, text: str) -> bool:
        """Whether text opens with a new thing of the asked kind ("Vitaly Gur died…")."""
        spans = self.intent.found(text)
        return bool(spans) and text.lstrip(_OPENING_MARKS).startswith(spans[0]) and \
            not self.asked.issuperset(analyze(spans[0]))

    def _beside_head(self, text: str, span: str) -> bool:
        at = text.find(span)
        before = _WORDS_AROUND.findall(text, 0, at)[-HEAD_REACH:]
        after = _WORDS_AROUND.findall(text, at + len(span))[:HEAD_REACH]
        return not self.head.isdisjoint(analyze(" ".join(before + [span] + after)))


@dataclass(frozen=True)
class _Candidate:
    hit: Hit
    context: Context
    first: int  # sentence indexes in the context, inclusive
    last: int
    present: int  # mask of the question terms in the run (with the title's, for a lead)
    coverage: float
    kind: float  # how much of the question the sentence holding something new of the asked kind covers
    rank: float

    @property
    def span(self) -> tuple[int, int]:
        """Where the excerpt stands in the article."""
        sentences = self.context.sentences
        return (self.context.offset + sentences[self.first].start, self.context.offset + sentences[self.last].end)

    @property
    def terms(self) -> frozenset[str]:
        """Every analysed term of the run's sentences."""
        return frozenset().union(*(s.terms for s in self.context.sentences[self.first : self.last + 1]))

    @property
    def text(self) -> str:
        sentences = self.context.sentences
        return self.context.text[sentences[self.first].start : sentences[self.last].end]

    def overlaps(self, other: "_Candidate") -> bool:
        mine, theirs = self.span, other.span
        return self.hit.article_id == other.hit.article_id and mine[0] < theirs[1] and theirs[0] < mine[1]


class _Sentences:
    """Per-sentence facts for one question, computed once even when passages share a sentence."""

    def __init__(self, question: _Question) -> None:
        self.question = question
        self.kinds: dict[tuple[str, int], float] = {}
        self.masks: dict[frozenset[str], int] = {}  # by the sentence's terms: its mask depends on nothing else
        self.leaning: dict[tuple[str, int], bool] = {}
        self.titles: dict[str, int] = {}
        self.by_context: dict[int, list[int]] = {}  # contexts live as long as the question

    def title(self, context: Context) -> int:
        """The question's terms in the title of the context's article."""
        mask = self.titles.get(context.article_id)
        if mask is None:
            mask = self.titles[context.article_id] = self.question.mask(context.title_terms)
        return mask

    def reach(self, context: Context) -> float:
        """The most of the question any run around a hit could cover: all its context's sentences and title."""
        mask = self.title(context) if context.sentences and context.sentences[0].number == 0 else 0
        for sentence_mask in self.masks_of(context):
            mask |= sentence_mask
        return self.question.covered(mask)

    def leans(self, context: Context, i: int) -> bool:
        """Whether sentence i of context opens leaning on the one before ("He…", "It came…").

        A quotation opening a paragraph does not: its "he" is the speaker's, told of before the
        speaker is named, not whoever ended the paragraph above ('“He has died,” Leontiev said').
        """
        sentence = context.sentences[i]
        key = (context.article_id, sentence.number)
        leans = self.leaning.get(key)
        if leans is None:
            text = context.text
            leans = bool(_LEANS.match(text, sentence.start, sentence.start + 24)) and not (
                text[sentence.start] in _OPENING_QUOTES and "\n" in text[context.sentences[i - 1].end : sentence.start])
            self.leaning[key] = leans
        return leans

    def masks_of(self, context: Context) -> list[int]:
        """The question's terms in each sentence of context, as masks (a sentence shared by
        neighbouring passages is looked at once)."""
        out = self.by_context.get(id(context))  # the same context is asked for by reach and _candidates
        if out is not None:
            return out
        out = self.by_context[id(context)] = []
        masks = self.masks
        all_known = context.vocabulary is not None and context.vocabulary is self.question.vocabulary
        for sentence in context.sentences:
            # A sentence's terms are one object wherever it comes up (Searcher.contexts keeps them), and
            # a frozenset keeps its hash: no key to build.
            mask = masks.get(sentence.terms)
            if mask is None:
                mask = masks[sentence.terms] = self.question.mask(sentence.terms, all_known)
            out.append(mask)
        return out

    def kind(self, context: Context, i: int) -> float:
        sentence = context.sentences[i]
        key = (context.article_id, sentence.number)
        found = self.kinds.get(key)
        if found is None:
            found = self.kinds[key] = self.question.new_kind(context.text[sentence.start : sentence.end])
        return found

    def named_next(self, context: Context, i: int) -> bool:
        """Whether sentence i names, first thing, whom the sentence before describes without a name
        ("Yesterday, the deputy head of the town was shot as he stepped out. Vitaly Gur died on his
        way to hospital."): news stories describe someone before they name them."""
        if not self.question.head or not i or self.kind(context, i - 1):
            return False
        sentence = context.sentences[i]
        return self.question.opens_with_kind(context.text[sentence.start : sentence.end])


def _candidates(question: _Question, facts: _Sentences, hit: Hit, context: Context,
                max_sentences: int) -> _Candidate | None:
    """The run of sentences around the hit's passage that best answers the question, or None."""
    sentences = context.sentences
    present = facts.masks_of(context)
    # A story's title is part of its lead: its words count for a run that starts the story.
    title = facts.title(context) if sentences and sentences[0].number == 0 else 0
    asks_kind = question.intent.kind is not None
    shares, covered_share = question.shares, question.covered  # this loop runs for every run of every hit
    best: tuple[int, int, int, float, float] | None = None  # start, last, terms, coverage, kind
    best_key = (float("-inf"), 0)
    for first in range(min(len(sentences), context.last + 1)):
        if sentences[first].boilerplate or not present[first] and not title:
            continue  # a run starting later does as well with fewer words
        # A sentence that leans on the one before ("He…", "It came a day after…") brings it along,
        # beyond the run's own sentences: the reader needs to know who "he" is.
        start = first - 1 if first > 0 and facts.leans(context, first) else first
        if start < first and sentences[start].boilerplate:
            continue
        kind = 0.0
        if start == first and question.describes_name and first > 0 and \
                present[first - 1] & question.names_mask != question.names_mask and \
                not sentences[first - 1].boilerplate and not facts.kind(context, first) and \
                facts.kind(context, first - 1):
            # "Yesterday, the deputy head of the town was shot. Vitaly Gur died…": a story describes
            # someone (or something) before it names them; asked who they are, the description
            # comes along.
            start = first - 1
            kind = facts.kind(context, start) * covered_share(present[first])
        covered = title if sentences[start].number == 0 else 0
        if start < first:
            covered |= present[start]
        for last in range(first, min(first + max_sentences, len(sentences))):
            if sentences[last].boilerplate:
                break
            length = sentences[last].end - sentences[first].start
            if last > first and length > MAX_EXCERPT_CHARS:
                break
            # The thing asked for counts by how much of the question its own sentence and the one
            # before it hold: a name beside the question's words answers, one far off rarely does.
            near = present[last] | (present[last - 1] if last > start else covered)
            strength = facts.kind(context, last) if asks_kind and near else 0.0
            if strength < 1.0 and asks_kind and last > first and not present[last] and \
                    facts.named_next(context, last):
                strength = 1.0
            if strength:
                kind = max(kind, strength * covered_share(near))
            elif last > first and not present[last]:
                continue  # adds length, no words: the run without it does better
            covered |= present[last]
            if last < context.first:
                continue  # a run must take in some of the hit's own passage
            cover = shares.get(covered)
            if cover is None:
                cover = covered_share(covered)
            # A sentence beyond the first is worth its words or the thing asked for; between runs
            # that do as well, the shorter is quoted.
            key = (cover + KIND_BONUS * kind, -length)
            if key > best_key:
                best_key = key
                best = (start, last, covered, cover, kind)
    if best is None:
        return None
    start, last, covered, cover, kind = best
    rank = _rank(hit.score, cover, kind, lead=sentences[start].number <= LEAD_SENTENCES - 1)
    return _Candidate(hit, context, start, last, covered, cover, kind, rank)


# Each word's family among a vocabulary's words (one index generation's), kept while that
# vocabulary is in use: questions repeat their words, and a family is found by comparing prefixes.
_FAMILIES: WeakKeyDictionary[Vocabulary, dict[str, tuple[str, ...]]] = WeakKeyDictionary()
_FAMILIES_KEPT = 100_000  # words per vocabulary


def _family(term: str, vocabulary: Vocabulary) -> tuple[str, ...]:
    """The vocabulary's words of term's family (_related), term itself among them if the articles use it."""
    families = _FAMILIES.get(vocabulary)
    if families is None:
        families = _FAMILIES[vocabulary] = {}
    family = families.get(term)
    if family is None:
        if len(families) >= _FAMILIES_KEPT:
            families.clear()
        family = families[term] = tuple(word for word in vocabulary.starting(term[:RELATED_PREFIX])
                                        if _related(term, word))
    return family


def _related(a: str, b: str) -> bool:
    """Whether two terms are of one word family: their first RELATED_PREFIX letters and three
    quarters of the shorter one in common (occup/occupi, russia/russian, explos/explod)."""
    shorter = min(len(a), len(b))
    common = max(RELATED_PREFIX, math.ceil(0.75 * shorter))  # the letters they must have in common
    return common <= shorter and a[:common] == b[:common] and a not in _APART and b not in _APART


def _rank(score: float, coverage: float, kind: float, lead: bool) -> float:
    """A candidate's rank: its passage's BM25 score, damped (an answer is a sentence or two where
    the question's words meet, not a passage that has them all somewhere), by its coverage, the
    asked kind and the story's lead."""
    return score ** SCORE_POWER * (0.5 + 0.5 * coverage) * (1 + KIND_RANK_FACTOR * kind) * (1 + LEAD_RANK_FACTOR * lead)


def _excerpt(candidate: _Candidate, question: _Question) -> Excerpt:
    """The candidate's text, its words that match the question to be marked."""
    return Excerpt(candidate.text, terms=question.terms)


def _features(question: _Question, best: _Candidate, masks: list[int], runner_up: float, top_score: float,
              ideal: float) -> Features:
    """What the answerability model sees of the best candidate (masks: its context's sentences')."""
    typed = question.typed_in(best.present)
    # "How did X die?" is answered by "X was blown up": a word telling of the asked event holds its verb.
    terms = best.terms if question.event_verbs else frozenset()
    typed |= {verb for asked, tells in question.event_verbs if not tells.isdisjoint(terms) for verb in asked}
    names = _names(question)
    # A verb the articles never use ("born") is one the excerpt does not hold.
    verbs = question.verbs & (question.typed_worth.keys() | set(question.unmatched))
    # What the question asks about its names ("how OLD is Saldo"): its other words, known or not.
    predicate = (question.typed_worth.keys() | set(question.unmatched)) - question.names
    passage = 0
    for mask in masks[best.context.first : best.context.last + 1]:
        passage |= mask
    # The question's two rarest words, which an answer holds (none held when a word is unknown).
    telling = sorted(question.typed_worth, key=lambda t: (-question.typed_worth[t], t))[:2]
    telling_held = sum(t in typed for t in telling) / max(2, len(telling)) if question.unknown_mass == 0 else 0.0
    return Features(
        coverage=best.coverage,
        names=len(names & typed) / len(names) if names else 1.0,
        missing_names=float(bool(_missing_names(question, best))),
        verbs=len(verbs & typed) / len(verbs) if verbs else 1.0,
        kind_asked=float(question.intent.kind is not None),
        kind_new=best.kind,
        # Capped where candidates stop being ranked (rank_candidates): beyond it, all leads are alike.
        margin=min(1.0 - SECONDARY_SHARE, (best.rank - runner_up) / best.rank) if best.rank > 0 else 0.0,
        # An unknown word the excerpt holds a synonym or family word of is no longer unknown.
        unknown=math.fsum(w for word, w in question.unknown_worths.items() if word not in typed) / question.mass
        if question.mass else 1.0,
        bm25_ratio=min(1.0, top_score / ideal) if ideal > 0 else 0.0,
        words_matched=len(typed) / question.typed if question.typed else 0.0,
        lone_word=float(len(typed) == 1 and question.typed > 1 and question.rarest_typed not in typed),
        kind_missing=float(question.intent.kind in CONCRETE_KINDS and not best.kind),
        asked_missing=float((question.intent.kind in FIGURES or question.asks_holder)
                             and not best.kind),
        predicate=len(predicate & typed) / len(predicate) if predicate else 1.0,
        passage_coverage=question.covered(passage | best.present),
        telling=telling_held,
        coverage_squared=best.coverage ** 2,
        names_only=float(bool(names & typed) and bool(predicate) and not predicate & typed),
        event_missing=float(any(family.isdisjoint(best.terms) for family in question.events)
                            and not (_LIFE_EVENTS & question.verbs and _LIFE_YEARS.search(best.text))),
    )


def unknown_worth(result: SearchResult) -> float:
    """What the question's words that the articles never use are worth together.

    Each counts as the rarest word the articles have, so a question mostly about
    unknown things is not answered by the words it shares with them; a common
    English word counts half, since a small archive lacks many ordinary words
    that a reader may use to put the question in their own way.
    """
    return math.fsum(unknown_worths(result).values())


def unknown_worths(result: SearchResult) -> dict[str, float]:
    """Each unknown word's share of unknown_worth()."""
    rarest = max([t.idf for t in result.terms], default=1.0)
    return {word: rarest * (UNKNOWN_COMMON_SHARE if is_common(word) else 1.0) for word in result.unmatched}


def ideal_score(result: SearchResult) -> float:
    """What a passage holding every query word once would score, about: each term's idf
    (BM25's tf part is 1 for one occurrence in a passage of average length), plus the
    unknown words' worth."""
    best: dict[str, float] = {}
    for term in result.terms:
        if not term.substitute:
            best[term.typed] = max(best.get(term.typed, 0.0), term.idf * term.weight)
    return math.fsum(best.values()) + unknown_worth(result)


def reachable(hits: list[Hit]) -> list[Hit]:
    """The hits that re-ranking could put first (best first, so a prefix): only their contexts are read."""
    floor = REACHABLE_SHARE * hits[0].score if hits else 0.0
    return [hit for hit in hits[:RERANK_DEPTH] if hit.score >= floor]


def rank_candidates(result: SearchResult, contexts: list[Context], intent: Intent,
                    max_sentences: int = MAX_SENTENCES) -> tuple[_Question, list[_Candidate], Features | None]:
    """Every reachable hit's best run, best first, and the model's view of the best one."""
    question = _Question(result, intent)
    facts = _Sentences(question)
    top_score = result.hits[0].score if result.hits else 0.0
    candidates: list[_Candidate] = []
    leader = 0.0
    # The most a run can gain from the asked kind: nothing when the question asks for none.
    kind = 1.0 if intent.kind is not None else 0.0
    for hit, context in zip(reachable(result.hits), contexts):
        # Hits come best first: stop where not even a run covering the whole question with the
        # asked kind in a story's lead could rank among the citations. Such a run could not
        # change the margin over the runner-up either: that is capped at SECONDARY_SHARE.
        if _rank(hit.score, 1.0, kind, True) < SECONDARY_SHARE * leader:
            break
        lead = bool(context.sentences) and context.sentences[0].number <= LEAD_SENTENCES - 1
        if leader and _rank(hit.score, facts.reach(context), kind, lead) < SECONDARY_SHARE * leader:
            continue  # even all its sentences together cover too little of the question
        found = _candidates(question, facts, hit, context, max_sentences)
        if found is not None:
            candidates.append(found)
            leader = max(leader, found.rank)
    # Ties broken by place, never by the order of a set: the same answer in every process.
    candidates.sort(key=lambda c: (-c.rank, c.hit.article_id, c.span))
    if not candidates:
        return question, [], None
    best = candidates[0]
    runner_up = next((c.rank for c in candidates if c.hit.article_id != best.hit.article_id), 0.0)
    return question, candidates, _features(question, best, facts.masks_of(best.context), runner_up, top_score,
                                           ideal_score(result))


def compose(result: SearchResult, contexts: list[Context], intent: Intent, threshold: float = 0.5,
            max_articles: int = MAX_ARTICLES, max_sentences: int = MAX_SENTENCES) -> Answer:
    """Cite the best articles when the model judges the best candidate answers the question.

    Candidates are re-ranked by how much of the question their best run of
    sentences covers and whether it holds the kind of thing asked for: BM25
    rewards a passage for its words anywhere, but an answer is a sentence or
    two where the question's words meet. Each citation is another article; a
    slot no other article earns may go to a second place in an already cited
    article that answers the whole question too (one article often tells two
    events in the same words).
    """
    question, candidates, features = rank_candidates(result, contexts, intent, max_sentences)
    confidence = model().probability(features) if features is not None else 0.0
    chosen: list[_Candidate] = []
    if confidence > 0 and confidence >= threshold:
        best = candidates[0]
        chosen.append(best)
        others = [c for c in candidates[1:] if c.rank >= SECONDARY_SHARE * best.rank]
        # A further article must cover much of the question, name whom the first one names and,
        # asked for a number or a date the first gives, give one too ("How many people live in X?"
        # is not answered again by another story that only names X).
        names = question.typed_in(best.present) & _names(question)
        if question.intent.kind in FIGURES and best.kind:
            others = [c for c in others if c.kind]
        for candidate in others:
            if len(chosen) < max_articles and candidate.coverage >= SECONDARY_COVERAGE and \
                    names <= question.typed_in(candidate.present) and \
                    all(candidate.hit.article_id != c.hit.article_id for c in chosen):
                chosen.append(candidate)
        for candidate in others:
            if len(chosen) < max_articles and candidate.coverage >= SAME_ARTICLE_COVERAGE and \
                    not any(candidate.overlaps(c) for c in chosen):
                chosen.append(candidate)
        chosen.sort(key=lambda c: (-c.rank, c.hit.article_id, c.span))
    citations = [Citation(n, c.hit, _excerpt(c, question), c.span) for n, c in enumerate(chosen, 1)]
    texts = [c.excerpt.text for c in citations]
    instead = {}
    for typed, words in result.substitutions.items():
        used = [w for w in words if any(w in analyze(text) for text in texts)]
        if used:
            instead[_surface(typed, [result.query])] = _surface(used[0], texts)
    return Answer(result.query, citations, instead, [_surface(u, [result.query]) for u in result.unmatched],
                  confidence=confidence)


def _missing_names(question: _Question, best: _Candidate) -> set[str]:
    """The question's name terms the articles never use, but for an acronym whose long form the
    excerpt's context spells ("IAEA" where the article only writes "International Atomic Energy
    Agency")."""
    missing = question.names - question.typed_worth.keys()
    if missing:
        text = best.context.text
        missing -= {term for name in question.intent.names if name.isupper() and expansions(name, text)
                    for term in analyze(name)}
    return missing


def _names(question: _Question) -> set[str]:
    """The typed words of the question's names."""
    return set(question.names & question.typed_worth.keys())


def _surface(term: str, texts: list[str]) -> str:
    """How an analysed term is actually written in one of texts."""
    for text in texts:
        for token in tokens(text):
            if token.term == term:
                return text[token.start : token.end]
    return term
