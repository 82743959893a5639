"""The answering service shared by the terminal and Telegram: one open index, questions in, answers out."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import re
import time
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from citebot.bot.answer import MAX_EXCERPT_CHARS, MAX_SENTENCES, RERANK_DEPTH, Answer, Citation, Excerpt, compose, reachable
from citebot.bot.config import Settings
from citebot.bot.conversation import Turn, carried_question, lean_on
from citebot.bot.i18n import N_
from citebot.bot.intent import Intent, analyse
from citebot.bot.parts import question_parts
from citebot.bot.questions import BadQuestion, clean_question, fix_question_words
from citebot.bot.snippets import snippets
from citebot.bot.translit import is_cyrillic, to_english
from citebot.index.analysis import analyze, matched_words
from citebot.index.common_words import is_common
from citebot.index.passages import is_boilerplate, sentence_units
from citebot.index.bm25 import BM25Params
from citebot.index.indexer import ChunkSize, IndexSummary, index_paths
from citebot.index.search import PRELOAD_BYTES, WHOLE_BYTES, Hit, IndexInfo, Searcher, SearchResult, StoredArticle
from citebot.index.store import SchemaMismatch, passage_id, split_passage_id

log = logging.getLogger(__name__)

# Two or three capitalised words in a row: a person or a place worth asking about.
_NAME = re.compile(r"\b[A-Z][a-z]+(?: [A-Z][a-z]+){1,2}\b")
_NOT_NAMES = frozenset("The A An In On At But And It He She They This That When While After Before".split())

ONLY_COMMON_WORDS = N_("That has only very common words, so there is nothing to look up. "
                        "Ask about a person, place or event, e.g. “Who is the mayor of Melitopol?”")


@dataclass(frozen=True)
class SearchPage:
    """One page of /search: hits (one per article) with their snippets."""

    query: str
    hits: list[tuple[Hit, Excerpt]]
    offset: int
    more: bool


class Citebot:
    """An open index and the settings that shape answers."""

    def __init__(self, settings: Settings, searcher: Searcher) -> None:
        self.settings = settings
        self.searcher = searcher
        self.retired: Searcher | None = None  # the searcher before a reopen, closed at the next one
        self.reindex_lock = asyncio.Lock()
        # One question is worked on at a time: the work is CPU-bound under one GIL, so
        # running questions side by side only stretches each one's time.
        self.slot = asyncio.Lock()

    @classmethod
    async def open(cls, settings: Settings, *, build_if_missing: bool = False, hold_postings: bool = True) -> "Citebot":
        """Open the index; with build_if_missing, first index ARTICLES_DIR if there is no index. Without
        hold_postings (one question to answer), a large index's postings are not all read first."""
        if build_if_missing and not Path(settings.index_path).exists():
            log.warning("No index at %s yet: indexing %s", settings.index_path, settings.articles_dir)
            await asyncio.to_thread(build, settings, [settings.articles_dir])
        params = BM25Params(settings.bm25_variant, settings.bm25_k1, settings.bm25_b)
        preload = PRELOAD_BYTES if hold_postings else WHOLE_BYTES
        try:
            searcher = await Searcher.open(settings.index_path, params, preload)
        except SchemaMismatch as old:
            # An index from an older citebot: rebuild it from the files it held (or ARTICLES_DIR). The
            # indexer says so, once.
            paths = [Path(f) for f in old.files if Path(f).exists()] or [settings.articles_dir]
            await asyncio.to_thread(build, settings, paths)
            searcher = await Searcher.open(settings.index_path, params, preload)
        # What is loaded by now (modules, the index's vocabulary and, for a small index, its rows)
        # lives as long as the process: the cycle collector need not walk it again. Its full
        # collections did, ~0.2 ms a question on SciFact's 38,000 words, and more on a bigger index.
        gc.freeze()
        return cls(settings, searcher)

    async def close(self) -> None:
        await self.searcher.close()
        if self.retired is not None:
            await self.retired.close()

    async def reopen(self) -> None:
        """Open INDEX_PATH again (a file swapped under a read-only replica) and answer from it from now on.

        Swapped between questions (under the question slot); the old searcher stays open until the next
        reopen, for a /search or /source that was already using it."""
        params = BM25Params(self.settings.bm25_variant, self.settings.bm25_k1, self.settings.bm25_b)
        fresh = await Searcher.open(self.settings.index_path, params, self.searcher.preload_bytes)
        async with self.slot:
            old, self.searcher = self.searcher, fresh
        if self.retired is not None:
            await self.retired.close()
        self.retired = old

    def writable(self) -> bool:
        """Whether this process may write its index (its own copy), rather than read a shared read-only one."""
        path = Path(self.settings.index_path)
        return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)

    @staticmethod
    def question(text: str, *, strict: bool = False) -> str:
        """A question fit to search, or BadQuestion saying politely why not."""
        text = clean_question(text, strict=strict)
        if not analyze(text):
            raise BadQuestion(ONLY_COMMON_WORDS)
        return text

    async def ask(self, text: str, *, strict: bool = False, language: str | None = None) -> Answer:
        """Cited excerpts answering text, or an Answer with no citations."""
        return (await self.converse(text, None, strict=strict, language=language))[0]

    async def converse(self, text: str, last: Turn | None = None, *, strict: bool = False,
                       language: str | None = None) -> tuple[Answer, Turn | None]:
        """The answer to text said after last (the asker's last answered question, or None), and
        the turn to remember for the next question (None: keep last).

        Several questions in one message ("Who is Saldo and what happened to him?") are answered
        one after the other, each later one leaning on the one before (bot/parts.py), and their
        citations given together.
        """
        parts = question_parts(clean_question(text, strict=strict))
        if len(parts) == 1:
            return await self._converse(parts[0], last, language)
        answers: list[Answer] = []
        turn = last
        for part in parts:
            try:
                answer, new_turn = await self._converse(part, turn, language)
            except BadQuestion:
                continue  # a part with nothing to search for ("and?"): the others still count
            answers.append(answer)
            turn = new_turn or turn
        if not answers:
            raise BadQuestion(ONLY_COMMON_WORDS)
        return _together(text, answers), (turn if any(a.answered for a in answers) else None)

    async def _converse(self, question: str, last: Turn | None, language: str | None) -> tuple[Answer, Turn | None]:
        """converse() for one question, already cleaned.

        A Ukrainian or Russian question is searched as the English one it asks (bot/translit.py;
        language, a Telegram language_code, breaks a tie between the two) and its answer says in
        which language it was asked. A follow-up with no names of its own takes the last
        question's (bot/conversation.py); "what happened next" quotes the sentences after the
        last answer's excerpt in its article.
        """
        asked_in, dropped = None, ()
        if is_cyrillic(question):
            translated = to_english(question, hint=language, known=self._knows)
            question, asked_in, dropped = translated.text, translated.language, translated.dropped
        question = fix_question_words(question, self._knows)
        # Only a question after an answered one can lean on it (and analysing it costs).
        carry = lean_on(question, analyse(question), last, own_words=bool(dropped)) if last else None
        if carry is not None and carry.next and last is not None:
            async with self.slot:
                started = time.perf_counter()
                answer, turn = await self._continue(last)
            return replace(answer, carried=carry.names, continued=True, language=asked_in,
                           elapsed_ms=(time.perf_counter() - started) * 1000), turn
        if carry is not None:
            question = carried_question(question, carry)
        if not analyze(question):
            if asked_in is not None:  # nothing the English articles could hold: say so in their language
                return Answer(question, language=asked_in), None
            raise BadQuestion(ONLY_COMMON_WORDS)
        async with self.slot:
            started = time.perf_counter()
            answer, result, intent = await _answer(self.searcher, question, self.settings.answer_threshold, dropped)
            elapsed = (time.perf_counter() - started) * 1000
        answer = replace(answer, elapsed_ms=elapsed, carried=carry.names if carry else (), language=asked_in)
        return answer, (_turn(answer, result, intent) if answer.answered else None)

    def _knows(self, word: str) -> bool:
        """Whether the articles use every term of word (a transliterated name, in memory)."""
        terms = analyze(word)
        return bool(terms) and all(self.searcher.vocabulary.get(term) is not None for term in terms)

    async def _continue(self, last: Turn) -> tuple[Answer, Turn | None]:
        """"What happened next": the sentences after the last excerpt in its article, cited by the
        passage they start in; no citation when the article ends there."""
        article = await self.searcher.article(last.article_id) if last.article_id else None
        if article is None or last.end is None:
            return Answer(last.question), None
        window = 8 * MAX_EXCERPT_CHARS
        rest = article.text[last.end : last.end + window]
        whole = last.end + window >= len(article.text)
        picked: list[tuple[int, int]] = []
        for span in sentence_units(rest):
            if span.end == len(rest) and not whole:
                break  # maybe cut by the window
            start, end = last.end + span.start, last.end + span.end
            if is_boilerplate(article.text[start:end]):
                if picked:
                    break
                continue
            if picked and (end - picked[0][0] > MAX_EXCERPT_CHARS or len(picked) == MAX_SENTENCES):
                break
            picked.append((start, end))
        if not picked:
            return Answer(last.question), None
        start, end = picked[0][0], picked[-1][1]
        hit = None
        for ordinal in range(last.ordinal or 0, (last.ordinal or 0) + 1000):
            found = await self.searcher.passage(passage_id(article.id, ordinal))
            if found is None or found.start > start:
                break
            if found.end > start:
                hit = found
        if hit is None:
            return Answer(last.question), None
        text = article.text[start:end]
        terms = {term for name in last.topic for term in analyze(name)}
        excerpt = Excerpt(text, terms=frozenset(terms))
        answer = Answer(last.question, [Citation(1, hit, excerpt, (start, end))], confidence=1.0)
        return answer, replace(last, article_id=article.id, end=end, ordinal=hit.ordinal)

    async def search(self, text: str, *, offset: int = 0, limit: int = 5, strict: bool = False) -> SearchPage:
        """Ranked hits, one per article, from offset, each with the sentence or two of its passage
        that cover the query best (bot/snippets.py); a Ukrainian or Russian query is searched in
        English, as a question is."""
        query = self.question(text, strict=strict)
        if is_cyrillic(query):
            query = to_english(query, known=self._knows).text
            if not analyze(query):
                raise BadQuestion(ONLY_COMMON_WORDS)
        intent = analyse(query)
        searcher = self.searcher  # one searcher for the whole page, even if a reopen swaps it meanwhile
        result = await searcher.search(intent.text, limit=offset + limit + 1, distinct_articles=True)
        hits = result.hits[offset : offset + limit]
        # Only the passage's own sentences (a snippet shows why that passage matched), and only
        # the query's terms of each.
        contexts = await searcher.contexts(hits, spread=0, terms=[term.term for term in result.terms])
        shown = snippets(result.terms, hits, contexts)
        return SearchPage(query, list(zip(hits, shown)), offset, len(result.hits) > offset + limit)

    async def passage(self, pid: str) -> Hit | None:
        return await self.searcher.passage(pid)

    async def article(self, article_or_passage_id: str) -> StoredArticle | None:
        """The article with that id, or the article of the passage with that id."""
        key = article_or_passage_id.strip()
        article = await self.searcher.article(key)
        if article is None and (parts := split_passage_id(key)):
            article = await self.searcher.article(parts[0])
        return article

    async def info(self) -> IndexInfo:
        return await self.searcher.info()

    async def example_questions(self, n: int = 3) -> list[str]:
        """Questions the articles can answer: about the most named person or place in a few of them."""
        examples: list[str] = []
        for text in await self.searcher.sample_texts(n * 3):
            names = Counter(m.group() for m in _NAME.finditer(text) if m.group().split()[0] not in _NOT_NAMES)
            # A name said at least twice is what the article is about, not a photo credit.
            name = next((name for name, count in names.most_common()
                         if count > 1 and f" {name}?" not in " ".join(examples)), None)
            if name:
                examples.append(f"What do the articles say about {name}?")
            if len(examples) == n:
                break
        return examples or ["What happened in Kherson?"]

    async def reindex(self) -> IndexSummary:
        """Re-index ARTICLES_DIR beside the running service; readers see it on their next question."""
        async with self.reindex_lock:
            return await asyncio.to_thread(build, self.settings, [self.settings.articles_dir])


async def answer_question(searcher: Searcher, question: str, threshold: float) -> Answer:
    """The answer to a cleaned question: what it asks, the passages that may hold it, the sentences that do."""
    return (await _answer(searcher, question, threshold))[0]


async def _answer(searcher: Searcher, question: str, threshold: float,
                  untranslated: tuple[str, ...] = ()) -> tuple[Answer, SearchResult, Intent]:
    """The answer to an English question. untranslated: words of the question as asked (in Ukrainian
    or Russian) that could not be put in English; they count as words the articles never use, so
    "Скільки коштує цукор у Мелітополі?" is not answered as "How many cost Melitopol?"."""
    intent = analyse(question)
    result = await searcher.search(intent.text, limit=RERANK_DEPTH)
    if untranslated:
        missing = [word for word in dict.fromkeys(analyze(" ".join(untranslated))) if word not in result.unmatched]
        result = replace(result, unmatched=[*result.unmatched, *missing])
    return compose(result, await searcher.contexts(reachable(result.hits)), intent, threshold=threshold), result, intent


PART_CITATIONS = 2


def _together(question: str, answers: list[Answer]) -> Answer:
    """The answers to a message's several questions as one: their citations in order, numbered
    again, an excerpt already quoted not twice, at most PART_CITATIONS a question (its answer and
    one more: several questions' worth of excerpts is a lot to read). Nothing was carried from an
    earlier message."""
    citations: list[Citation] = []
    quoted: set[tuple[str, tuple[int, int] | None]] = set()
    searched_instead: dict[str, str] = {}
    for answer in answers:
        searched_instead.update(answer.searched_instead)
        for citation in answer.citations[:PART_CITATIONS]:
            if (citation.passage_id, citation.span) not in quoted:
                quoted.add((citation.passage_id, citation.span))
                citations.append(replace(citation, n=len(citations) + 1))
    return Answer(question, citations, searched_instead,
                  list(dict.fromkeys(word for answer in answers for word in answer.unmatched)),
                  sum(answer.elapsed_ms for answer in answers), max(answer.confidence for answer in answers),
                  language=answers[0].language)


def _turn(answer: Answer, result: SearchResult, intent: Intent) -> Turn:
    """What a follow-up to this answered question may lean on: its names (else its one or two rarest
    words the articles use, as the excerpts write them), and where its last excerpt ended."""
    topic = tuple(dict.fromkeys(intent.names))
    if not topic:
        worth: dict[str, float] = {}
        for term in result.terms:
            if not term.substitute:
                worth[term.typed] = max(worth.get(term.typed, 0.0), term.idf)
        rarest = sorted(worth, key=lambda t: (-worth[t], t))
        chosen = [t for t in rarest if not is_common(t)][:2] or rarest[:1]
        texts = [c.excerpt.text for c in answer.citations] + [result.query]
        topic = tuple(_written(term, texts) for term in chosen)
    last = answer.citations[-1]
    # Asked who: the first excerpt's new name of the asked kind is whom "he" or "she" means next.
    person = None
    if intent.kind == "person":
        asked = set(analyze(result.query))
        person = next((name for name in intent.found(answer.citations[0].excerpt.text)
                       if not asked.issuperset(analyze(name))), None)
    return Turn(result.query, topic, tuple(dict.fromkeys(intent.verbs)), last.hit.article_id,
                last.span[1] if last.span else last.hit.end, last.hit.ordinal, person)


def _written(term: str, texts: list[str]) -> str:
    """How an analysed term is written in texts, a capitalised spelling first ("saldo" → "Saldo")."""
    spellings = [text[start:end] for text in texts for start, end in matched_words(text, {term})]
    return next((w for w in spellings if w[:1].isupper()), spellings[0] if spellings else term)


def build(settings: Settings, paths: list[Path], *, rebuild: bool = False, progress: bool | None = None) -> IndexSummary:
    """Index paths into INDEX_PATH with the configured passage size."""
    size = ChunkSize(settings.passage_words, max(settings.passage_words + 10, settings.passage_words * 13 // 10))
    return index_paths(settings.index_path, paths, rebuild=rebuild, chunk_size=size, progress=progress)
