"""Query time: question → terms (with spelling fallbacks) → BM25 top passages → hits.

The store is read through aiosqlite, off the bot's event loop, but for a
search's own hits: a search is scored and its ten or so rows read by key in one
go, in the loop when that takes a few milliseconds, else in a worker thread
(Searcher._best). On a 2-core virtual machine a hand-off between threads costs
0.1-0.5 ms, a 1M-passage search a third of its time when it made two; the rows
come from SQLite's page cache in 0.1 ms once the index is warm. The vocabulary,
passage lengths and recently used postings are held in memory for the current
index generation; a search that finds an indexer has committed since reloads
them and is redone, so no answer mixes two versions.

For composing answers, contexts() gives each hit's sentences and their
neighbours with their analysed terms, decoded from the numbers stored at index
time: nothing is tokenised per hit.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time
from bisect import bisect_left, bisect_right
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, Iterable, NamedTuple, TypeVar

import aiosqlite
import numpy as np

from citebot.index.analysis import analyze, analyze_query
from citebot.index.bm25 import (BM25Params, CollectionStats, LazyImpacts, PackedPostings, TermPostings, accumulate,
                                compact_norm, idf, length_norm, max_impact, top_k)
from citebot.index.common_words import common_terms
from citebot.index.passages import is_boilerplate, sentence_units
from citebot.index.store import (SENTENCE_BOILERPLATE, SLOT_DTYPE, SPAN_DTYPE, STAIRCASE_DTYPE, TERM_DTYPE, TF_DTYPE, describe,
                                passage_id, read_uri, split_passage_id, verify)
from citebot.index.synonyms import synonyms
from citebot.index.vocabulary import Vocabulary

# A search with more postings than this (a posting takes about 2.2 ns to score at 1M passages) is
# scored, and its hits read, in a worker thread, so that the bot's event loop never stalls for more
# than a few milliseconds; a smaller one runs in the loop. Handing work to a thread and back costs
# 0.1-0.5 ms on a 2-core virtual machine (measured: to_thread of a no-op, 117-214 µs median), and a
# 1M-passage search handed off twice, to score and to read its hits through aiosqlite, took 2.9 ms
# where the same search run in the loop took 2.0 (README: Reading, and the twelfth session).
_THREAD_THRESHOLD = 1_000_000
_CACHE_BYTES = 256 * 1024 * 1024  # decoded postings kept between questions
VARIANT_WEIGHT = 0.6  # another spelling of a word the index knows counts for less than the word
SYNONYM_WEIGHT = 0.6  # a synonym searched for a word the index does not know (index/synonyms.py)
_PLAN_MEMO_SIZE = 100_000  # query words whose planned terms are kept
# A vocabulary of at most this many words, of an index whose postings are held (a searcher for many
# questions: not `citebot check`'s, nor a one-question CLI's over a large index), has every word's plan
# made when it is loaded, in a worker thread (about 3 µs a word: 0.12 s for SciFact's 38,000 words),
# so that a question's words are looked up, not planned: planning a word first met, cold in the CPU's
# caches, was a fifth of a first-pass question at SciFact's size (README, the fourteenth session).
# Otherwise a word is planned when a question asks for it.
EAGER_PLANS = 100_000
# An index with less postings than this (6 bytes each) and fewer words has its postings held in memory
# whole (read when it is opened: reading a question's postings was a quarter of a first-pass search at
# 1M passages, whose postings take 428 MB); decoding postings row by row is what costs past that many words.
PRELOAD_BYTES = 768 * 1024 * 1024
PRELOAD_TERMS = 200_000
# Below this many bytes of postings, its passages and sentences too: it answers without the database,
# and looks at the file for a commit at most this often (seconds).
WHOLE_BYTES = 32 * 1024 * 1024
_LOOK_EVERY = 0.001
_new_tuple = tuple.__new__
_GENERATION = "(SELECT value FROM meta WHERE key = 'generation')"  # read in the statement whose rows it dates
_HIT_COLUMNS = ("SELECT p.slot, p.ordinal, p.start, p.end, a.id, a.title, a.url, a.date, a.source, a.author, "
                "substr(a.text, p.start + 1, p.end - p.start)")
_SENTENCE_COLUMNS = "SELECT a.id, {text}, a.title_terms, s.spans, s.bounds, s.terms, s.flags"
_CONTEXT_CACHE_BYTES = 64 * 1024 * 1024  # decoded sentences of recently cited articles (large index)
_WHOLE_TEXT_CHARS = 100_000  # a longer article's text is read a context at a time, not whole
SPREAD = 2  # sentences a context holds on either side of its passage


class QueryTerm(NamedTuple):
    """A term searched for: typed by the user, or a close vocabulary word standing in for one."""

    term: str
    weight: float
    idf: float
    typed: str  # the analysed query word it came from
    substitute: bool = False  # a close word standing in for typed: another spelling or a typo fix
    # Its id in the vocabulary it was planned with (-1: none): scoring takes a question's terms as
    # they are (PackedPostings.top_k), so a word's plan is its QueryTerms alone, nothing beside them.
    term_id: int = -1


_ID_AT, _WEIGHT_AT = QueryTerm._fields.index("term_id"), QueryTerm._fields.index("weight")


class Passage(NamedTuple):
    """A passage's stored fields, as a citation needs them: read once, shared by the hits that score it."""

    passage_id: str
    article_id: str
    title: str
    text: str
    ordinal: int
    start: int
    end: int
    url: str | None
    date: str | None
    source: str | None
    author: str | None


T = TypeVar("T")


class _Stored(Generic[T]):
    """A hit's stored field, read through from its passage (hit.title is hit.passage.title)."""

    def __init__(self, name: str) -> None:
        self.index = Passage._fields.index(name)

    def __get__(self, hit: "Hit", owner: type | None = None) -> T:
        return hit[0][self.index]


class Hit(NamedTuple):
    """One scored passage with what a citation needs about its article.

    It holds its passage's stored fields as one shared tuple, not copied: a question makes ten hits
    or more, and copying eleven fields touched eleven objects' memory each (their reference counts),
    cache misses that took a fifth of a small index's first-pass search.
    """

    passage: Passage
    score: float = 0.0

    passage_id = _Stored[str]("passage_id")
    article_id = _Stored[str]("article_id")
    title = _Stored[str]("title")
    text = _Stored[str]("text")
    ordinal = _Stored[int]("ordinal")
    start = _Stored[int]("start")
    end = _Stored[int]("end")
    url = _Stored["str | None"]("url")
    date = _Stored["str | None"]("date")
    source = _Stored["str | None"]("source")
    author = _Stored["str | None"]("author")


@dataclass(frozen=True)
class SearchResult:
    """Hits best first, plus how the question was understood."""

    query: str
    terms: list[QueryTerm]
    unmatched: list[str]  # analysed query words with no match, not even a close one
    hits: list[Hit] = field(default_factory=list)
    # The vocabulary the terms were found in (its words are every word the articles use).
    vocabulary: Vocabulary | None = field(default=None, repr=False, compare=False)

    @property
    def substitutions(self) -> dict[str, list[str]]:
        """Typed word the index does not know → close vocabulary words searched for instead."""
        known = {term.typed for term in self.terms if not term.substitute}
        out: dict[str, list[str]] = {}
        for term in self.terms:
            if term.substitute and term.typed not in known:
                out.setdefault(term.typed, []).append(term.term)
        return out


class Sentence(NamedTuple):
    """One sentence of a Context: where it stands in Context.text, its ordinal in its article
    (0 is the lead), its distinct analysed terms, and whether it is boilerplate (a byline, a
    credit, "Read more: ..."), which never answers anything.

    A named tuple, not a frozen dataclass: a search makes dozens, and a frozen dataclass's
    __init__ costs several times a tuple's."""

    start: int
    end: int
    number: int
    terms: frozenset[str]
    boilerplate: bool


@dataclass(frozen=True, slots=True)
class Context:
    """A hit's passage with up to `spread` sentences of its article on either side.

    text is the article's text from the first sentence's start to the last one's end, and
    starts at offset in the article; sentences[first..last] are the passage's own. title_terms
    are the distinct analysed terms of the article's title (a story's title goes with its lead);
    vocabulary is that of the index generation its sentences were read from, every term of theirs
    being its word (None for a context made from a hit's own text).
    """

    article_id: str
    text: str
    offset: int
    sentences: tuple[Sentence, ...]
    first: int
    last: int
    title_terms: frozenset[str]
    vocabulary: Vocabulary | None = field(repr=False, compare=False)


@dataclass(frozen=True)
class StoredArticle:
    """A stored article, for /source and the full-text view."""

    id: str
    title: str
    text: str
    url: str | None
    date: str | None
    source: str | None
    author: str | None
    passages: int


@dataclass(frozen=True)
class IndexInfo:
    """Counts for /help, /stats and `citebot check`."""

    articles: int
    passages: int
    vocabulary: int
    indexed_at: str | None


class _Decoded(NamedTuple):
    """A term's postings as read: passage slots and impacts (computed where scoring asks for them),
    and the largest impact (for this generation's lengths)."""

    impacts: LazyImpacts
    bound: float

    @property
    def ids(self) -> np.ndarray:
        """The passage slots, ascending."""
        return self.impacts.slots

    @property
    def nbytes(self) -> int:
        """Bytes held: the slots and counts as read (the compiled loops keep nothing more)."""
        return self.ids.nbytes + self.impacts.tfs.nbytes


class _PostingsCache:
    """Decoded postings of recent terms, bounded in bytes, emptied on a new generation."""

    def __init__(self, limit: int = _CACHE_BYTES) -> None:
        self.limit = limit
        self.size = 0
        self.items: OrderedDict[int, _Decoded] = OrderedDict()

    def get(self, term_id: int) -> _Decoded | None:
        item = self.items.get(term_id)
        if item is not None:
            self.items.move_to_end(term_id)
        return item

    def put(self, term_id: int, item: _Decoded) -> None:
        self.items[term_id] = item
        self.size += item.nbytes
        while self.size > self.limit and self.items:
            _, old = self.items.popitem(last=False)
            self.size -= old.nbytes

    def clear(self) -> None:
        self.items.clear()
        self.size = 0


class _Sentences:
    """One article's stored sentences for one index generation; terms decoded as they are asked for."""

    __slots__ = ("text", "title_terms", "starts", "ends", "bounds", "ids", "boilerplate", "terms", "contexts", "size")

    def __init__(self, text: str | None, title_terms: str, spans: bytes, bounds: bytes, ids: bytes,
                 flags: bytes) -> None:
        self.text = text  # the article's text, or None for a long one (its contexts' text is read as needed)
        self.title_terms = frozenset(title_terms.split())
        pairs = np.frombuffer(spans, dtype=SPAN_DTYPE)
        self.starts: list[int] = pairs[0::2].tolist()
        self.ends: list[int] = pairs[1::2].tolist()
        self.bounds: list[int] = np.frombuffer(bounds, dtype=TERM_DTYPE).tolist()
        self.ids = np.frombuffer(ids, dtype=TERM_DTYPE)
        self.boilerplate = [bool(flag & SENTENCE_BOILERPLATE) for flag in flags]
        self.terms: list[frozenset[str] | None] = [None] * len(self.starts)
        self.contexts: dict[tuple[int, int, int], Context] = {}  # by passage start, end and spread
        self.size = 2 * len(text or "") + 24 * len(self.starts) + 80 * len(self.ids)  # rough bytes held

    def terms_of(self, number: int, names: list[str]) -> frozenset[str]:
        terms = self.terms[number]
        if terms is None:
            ids = self.ids[self.bounds[number] : self.bounds[number + 1]].tolist()
            terms = self.terms[number] = frozenset(map(names.__getitem__, ids))
        return terms

    def held(self, number: int, wanted: dict[int, str]) -> frozenset[str]:
        """The terms of wanted (by id) that sentence number holds: only they are decoded, since
        looking up every term's name costs several times comparing ids."""
        terms = self.terms[number]
        if terms is not None:
            return terms.intersection(wanted.values())
        ids = self.ids[self.bounds[number] : self.bounds[number + 1]].tolist()
        return frozenset(wanted[term_id] for term_id in wanted.keys() & ids)

    def locate(self, hit: Hit, spread: int) -> tuple[int, int, int, int] | None:
        """The hit's first and last sentence and the context's, or None if the hit is not this article's
        (it was found in another index generation, before its article changed)."""
        first = bisect_left(self.starts, hit.start)
        last = bisect_right(self.ends, hit.end) - 1
        if first >= len(self.starts) or last < first or self.starts[first] != hit.start or self.ends[last] != hit.end:
            return None
        return first, last, max(0, first - spread), min(len(self.starts) - 1, last + spread)

    def context(self, hit: Hit, spread: int, names: list[str], vocabulary: Vocabulary, text: str | None = None,
                wanted: dict[int, str] | None = None) -> Context | None:
        """The hit's context, or None if it is not this article's; names are the terms by id of
        vocabulary's generation; text is the context's text for a long article (None asks for it to
        be read); with wanted (term id → term), its sentences' terms are only those of wanted they
        hold, and the context is not kept."""
        key = (hit.start, hit.end, spread)
        context = self.contexts.get(key) if wanted is None else None
        if context is None:
            located = self.locate(hit, spread)
            if located is None:
                return None
            first, last, lo, hi = located
            offset = self.starts[lo]
            if text is None:
                if self.text is None:
                    return None
                text = self.text[offset : self.ends[hi]]
            starts, ends, boilerplate = self.starts, self.ends, self.boilerplate
            sentences = tuple(_new_tuple(Sentence, (starts[k] - offset, ends[k] - offset, k,
                                                    self.terms_of(k, names) if wanted is None else self.held(k, wanted),
                                                    boilerplate[k]))
                              for k in range(lo, hi + 1))
            context = Context(hit.article_id, text, offset, sentences, first - lo, last - lo, self.title_terms,
                              vocabulary)
            if wanted is None:
                self.contexts[key] = context
                self.size += 2 * len(text) + 100 * len(sentences)
        if len(hit.text) != hit.end - hit.start or not context.text.startswith(hit.text, hit.start - context.offset):
            return None
        return context

    def window(self, hit: Hit, spread: int) -> tuple[int, int] | None:
        """Start and end in the article of the hit's context, for reading its text."""
        located = self.locate(hit, spread)
        return None if located is None else (self.starts[located[2]], self.ends[located[3]])


class _SentenceCache:
    """Decoded sentences of recent articles by article id, bounded in bytes, emptied on a new generation."""

    def __init__(self, limit: int = _CONTEXT_CACHE_BYTES) -> None:
        self.limit = limit
        self.size = 0
        self.items: OrderedDict[str, _Sentences] = OrderedDict()

    def get(self, article_id: str) -> _Sentences | None:
        item = self.items.get(article_id)
        if item is not None:
            self.items.move_to_end(article_id)
        return item

    def put(self, article_id: str, item: _Sentences) -> None:
        old = self.items.pop(article_id, None)
        self.size += item.size - (old.size if old is not None else 0)
        self.items[article_id] = item

    def grew(self, amount: int) -> None:
        """An article held grew by amount bytes (contexts made from it are kept with it)."""
        self.size += amount

    def trim(self) -> None:
        """Evict the least recently used articles until the rest fit; the last one used stays."""
        while self.size > self.limit and len(self.items) > 1:
            _, item = self.items.popitem(last=False)
            self.size -= item.size

    def clear(self) -> None:
        self.items.clear()
        self.size = 0


class Searcher:
    """Read side of one index file."""

    def __init__(self, path: Path, conn: aiosqlite.Connection, reader: sqlite3.Connection, params: BM25Params,
                 preload_bytes: int = PRELOAD_BYTES) -> None:
        self.path = path
        self.preload_bytes = preload_bytes
        self.conn = conn
        # The hits' rows are read on a plain connection of their own, where the search is scored (see
        # _best): ten rows by key cost 0.1 ms, a round trip through aiosqlite's thread several times that.
        self.reader = reader
        self.params = params
        self.generation = -1
        self.stats = CollectionStats(0, 0, 0.0, 0)
        self.norm = np.empty(0)
        self.compact_norm: tuple[np.ndarray, np.ndarray] | None = None  # bm25.compact_norm
        self.scratch = np.empty(0, np.float32)  # pruning's accumulator, one per passage slot, kept zeroed
        self.article_of = np.empty(0, np.int32)  # article slot by passage slot
        self.cache = _PostingsCache()
        self.vocabulary = Vocabulary([])
        self.term_plans: dict[str, tuple[QueryTerm, ...]] = {}  # query words planned since loaded
        self.word_plans: dict[str, tuple[QueryTerm, ...]] = {}  # every word's, made when loaded (EAGER_PLANS)
        self.held: dict[int, _Decoded] | None = None  # every term's postings, when they are held in memory whole
        self.packed: PackedPostings | None = None  # and packed, when the index is small
        self.rows: list[Passage | None] | None = None  # passages by slot, when the index is small
        self.term_names: list[str] = []  # term by id, for decoding stored sentences
        # Stored sentence rows (text, spans, bounds, terms, flags) by article id, when the index is small.
        self.sentence_rows: dict[str, tuple] | None = None
        self.sentences = _SentenceCache()
        self.disk_state: tuple[tuple[int, int], ...] = ()
        self.looked = float("-inf")  # when the file was last looked at for a commit (time.monotonic)
        self.watched = (str(path), str(path) + "-wal")
        self.lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path | str, params: BM25Params = BM25Params(),
                   preload_bytes: int = PRELOAD_BYTES) -> "Searcher":
        """Open an existing index for reading; StoreError says what is wrong with the file.

        An index whose postings take less than preload_bytes has them held in memory whole; a small
        one (WHOLE_BYTES) its passages and sentences too.
        """
        path = Path(path)
        await asyncio.to_thread(verify, path)
        try:
            reader = await asyncio.to_thread(sqlite3.connect, read_uri(path), uri=True, isolation_level=None,
                                             check_same_thread=False)
        except sqlite3.Error as error:
            raise describe(error, path) from error
        try:
            conn = await aiosqlite.connect(read_uri(path), uri=True, isolation_level=None)
        except sqlite3.Error as error:
            reader.close()
            raise describe(error, path) from error
        searcher = cls(path, conn, reader, params, preload_bytes)
        try:
            await searcher._refresh()
        except sqlite3.Error as error:
            await searcher.close()
            raise describe(error, path) from error
        except BaseException:
            await searcher.close()
            raise
        return searcher

    async def close(self) -> None:
        async with self.lock:  # a search still scoring in a worker thread is done with the reader first
            self.reader.close()
        await self.conn.close()

    async def __aenter__(self) -> "Searcher":
        return self

    async def __aexit__(self, *exc: object) -> None:
        # aiosqlite's worker thread is not a daemon: an unclosed Searcher keeps the process alive.
        await self.close()

    async def _meta(self, *keys: str) -> dict[str, object]:
        marks = ",".join("?" * len(keys))
        return dict(await self.conn.execute_fetchall(f"SELECT key, value FROM meta WHERE key IN ({marks})", keys))

    async def _generation(self) -> int:
        return int((await self._meta("generation")).get("generation", 0))

    def _committed(self) -> bool:
        """Whether the file shows a commit since the index was loaded, looked at most every
        _LOOK_EVERY seconds: a search in the same millisecond as the last one is answered from the
        same generation, as if it had come a moment earlier. Two stat calls cost 3-4 µs on a first
        pass, a twentieth of a small index's question (README, the fourteenth session)."""
        now = time.monotonic()
        if now - self.looked < _LOOK_EVERY:
            return False
        self.looked = now
        return self._on_disk() != self.disk_state

    def _on_disk(self) -> tuple[tuple[int, int], ...]:
        """Modification time and size of the index and its WAL: they change with every commit."""
        state = []
        for path in self.watched:
            try:
                info = os.stat(path)
                state.append((info.st_mtime_ns, info.st_size))
            except OSError:
                state.append((0, 0))
        return tuple(state)

    async def _refresh(self) -> bool:
        """Reload statistics, lengths and vocabulary if an indexer committed since; True if it did."""
        self.disk_state = self._on_disk()  # taken first: a commit after it shows up next time
        await self.conn.execute("BEGIN")  # one snapshot for everything loaded together
        try:
            generation = await self._generation()
            if generation == self.generation:
                return False
            meta = await self._meta("lengths", "articles", "passages", "total_length", "okapi_idf_sum", "vocabulary")
            term_rows = await self.conn.execute_fetchall("SELECT term, id, df, skeleton FROM terms")
            postings_bytes = int(meta.get("total_length", 0)) * 6  # type: ignore[call-overload]
            held = postings_bytes <= self.preload_bytes and len(term_rows) <= PRELOAD_TERMS
            small = held and postings_bytes <= WHOLE_BYTES
            if held:
                # Read whole in the snapshot of the vocabulary whose term ids they use.
                postings = await self.conn.execute_fetchall("SELECT term, staircase, slots, tfs FROM postings")
            if small:
                # A small index's questions then cost no database round trip.
                hit_rows = await self.conn.execute_fetchall(
                    _HIT_COLUMNS + " FROM passages p JOIN articles a ON a.slot = p.article")
                sentence_rows = await self.conn.execute_fetchall(
                    _SENTENCE_COLUMNS.format(text="a.text") + " FROM articles a JOIN sentences s ON s.article = a.slot")
        finally:
            await self.conn.execute("COMMIT")
        # Built off the event loop: a million-word vocabulary takes seconds.
        vocabulary, names = await asyncio.to_thread(_load_vocabulary, term_rows)
        lengths = _slot_table(meta, "lengths")
        self.article_of = _slot_table(meta, "articles")
        self.stats = CollectionStats(int(meta.get("passages", 0)), int(meta.get("total_length", 0)),
                                     float(meta.get("okapi_idf_sum", 0.0)), int(meta.get("vocabulary", 0)))
        self.norm = length_norm(lengths, self.stats, self.params)
        self.compact_norm = compact_norm(lengths, self.stats, self.params)
        self.scratch = np.zeros(len(self.norm), np.float32)
        self.vocabulary = vocabulary
        self.term_names = names
        self.term_plans.clear()
        self.cache.clear()
        self.sentences.clear()
        self.generation = generation
        self.rows = self.sentence_rows = self.held = self.packed = None
        if held:
            self.held = self._decode(postings)
        if small:
            self.packed = PackedPostings.pack([(term_id, item.impacts) for term_id, item in self.held.items()],
                                              len(names))
            # A list by slot, not a dict: a hit's passage is then one pointer away, where a dict's key
            # compare and entry were three cache misses more a hit (half the hits' time on a first pass).
            self.rows = [None] * (max((row[0] for row in hit_rows), default=-1) + 1)
            for row in hit_rows:
                self.rows[row[0]] = _stored_passage(row)
            self.sentence_rows = {row[0]: row[1:] for row in sentence_rows}
        self.word_plans = {}
        if held and len(vocabulary) <= EAGER_PLANS:  # held: a searcher for many questions, not one or none
            self.word_plans = await asyncio.to_thread(self._plan_words)
        return True

    async def _postings(self, term_ids: list[int]) -> dict[int, _Decoded] | None:
        """Passage slots, impacts and bounds (valid for this generation's lengths) of terms, cached;
        the ones not cached are read in one statement. None if that statement found a newer
        generation: its slots may lie past this one's lengths, so the caller reloads first. A term
        missing from it is gone: an indexer committed since the vocabulary was read."""
        found = {term_id: cached for term_id in term_ids if (cached := self.cache.get(term_id)) is not None}
        missing = [term_id for term_id in dict.fromkeys(term_ids) if term_id not in found]
        if missing:
            rows = await self.conn.execute_fetchall(
                f"SELECT term, staircase, slots, tfs, {_GENERATION} FROM postings "
                f"WHERE term IN ({','.join('?' * len(missing))})", missing)
            if rows and int(rows[0][-1]) != self.generation:
                return None
            decoded = self._decode([row[:-1] for row in rows])
            for term_id, item in decoded.items():
                self.cache.put(term_id, item)
            found.update(decoded)
        return found

    async def _term_postings(self, weighted: list[tuple[int, float]]) -> list[TermPostings] | None:
        """The postings of terms (term id, weight), weighted (a term in no passage left out); None if
        they were read from a newer index generation (see _postings)."""
        read = self.held  # held whole: nothing to read, nothing evicted (a commit shows in the hits' rows)
        if read is None:
            read = await self._postings([term_id for term_id, _ in weighted])
            if read is None:
                return None
        # tuple.__new__ skips the namedtuple's Python-level __new__, a third of the cost, a dozen times a question.
        return [_new_tuple(TermPostings, (found.ids, found.impacts, weight, found.bound))
                for term_id, weight in weighted if (found := read.get(term_id)) is not None and len(found.ids)]

    def _decode(self, rows: list[tuple[int, bytes, bytes, bytes]]) -> dict[int, _Decoded]:
        """Stored postings rows → _Decoded.

        Impacts are computed only where scoring asks for them: most of a common term's never are.
        """
        decoded = {}
        for term_id, blob_staircase, blob_slots, blob_tfs in rows:
            # Read in place: most of a common term's slots are only ever searched (see LazyImpacts).
            slots = np.frombuffer(blob_slots, dtype=SLOT_DTYPE)
            term_idf = self._idf(len(slots))  # a term's postings are the passages it occurs in: their number is its df
            decoded[term_id] = _Decoded(
                LazyImpacts(np.frombuffer(blob_tfs, dtype=TF_DTYPE), slots, self.norm, self.params.k1, term_idf,
                                   self.compact_norm),
                max_impact(np.frombuffer(blob_staircase, dtype=STAIRCASE_DTYPE), self.stats, self.params, term_idf))
        return decoded

    def _plan(self, query: str) -> tuple[list[QueryTerm], list[str]]:
        """Query terms with their ids, unknown words replaced by close vocabulary words (all in
        memory), and the words with no match at all."""
        terms: list[QueryTerm] = []
        unmatched: list[str] = []
        analysed, joined = analyze_query(query)
        for term, count in Counter(analysed).items():
            if term in joined and term not in self.vocabulary.terms:
                continue  # a hyphenated word the articles only write apart: its parts are searched
            plan = self.word_plans.get(term) or self.term_plans.get(term)  # a known word's plan is never empty
            if plan is None:
                plan = self._plan_term(term)
                if len(self.term_plans) >= _PLAN_MEMO_SIZE:
                    self.term_plans.clear()
                self.term_plans[term] = plan
            if not plan:
                unmatched.append(term)
            elif count == 1:  # most words: the plan as it is, nothing made
                terms += plan
            else:
                terms += [_new_tuple(QueryTerm, (found.term, found.weight * count, found.idf, found.typed,
                                                 found.substitute, found.term_id)) for found in plan]
        return terms, unmatched

    def _plan_term(self, term: str) -> tuple[QueryTerm, ...]:
        """The vocabulary terms searched for one analysed query word, weighted for one occurrence.

        Kept until the next index generation (_plan, _plan_words): questions repeat their words,
        and looking for other spellings is the dearest part of planning.
        """
        entries = []
        found = self.vocabulary.get(term)
        if found is not None:
            entries.append(QueryTerm(term, 1.0, self._idf(found[1]), term, term_id=found[0]))
        # Other spellings of a known word count for less than the word itself.
        scale = VARIANT_WEIGHT if found is not None else 1.0
        for word, similarity in self.vocabulary.suggest(term):
            term_id, df, _ = self.vocabulary.terms[word]
            entries.append(QueryTerm(word, similarity * scale, self._idf(df), term, True, term_id))
        if not entries:  # a word the articles never use, nor anything like it: its synonyms they do
            for word in sorted(synonyms().get(term, ())):
                other = self.vocabulary.get(word)
                if other is not None:
                    entries.append(QueryTerm(word, SYNONYM_WEIGHT, self._idf(other[1]), term, True, other[0]))
        return tuple(entries)

    def _plan_words(self) -> dict[str, tuple[QueryTerm, ...]]:
        """Every vocabulary word's plan, as _plan_term makes it: one by one for a word that may have
        other spellings (Vocabulary.spelt_alike), in bulk for the rest, which are searched as they are."""
        vocabulary = self.vocabulary
        idfs: dict[int, float] = {}  # by df: most words share a handful of dfs
        plans = {}
        for term, (term_id, df, _) in vocabulary.terms.items():
            if vocabulary.spelt_alike(term):
                plans[term] = self._plan_term(term)
                continue
            term_idf = idfs.get(df)
            if term_idf is None:
                term_idf = idfs[df] = self._idf(df)
            plans[term] = (_new_tuple(QueryTerm, (term, 1.0, term_idf, term, False, term_id)),)
        return plans

    def _idf(self, df: int) -> float:
        return idf(df, self.stats, self.params)

    async def search(self, query: str, limit: int = 10, distinct_articles: bool = False) -> SearchResult:
        """Best passages for query; with distinct_articles, each article's best passage only.

        Planning and scoring use the vocabulary and postings in memory; the
        statements that read postings and hits also read the index generation,
        and if an indexer committed meanwhile the search is redone on the new one.
        """
        async with self.lock:
            if self.rows is not None and self._committed():
                await self._refresh()
            hits: list[Hit] = []  # stays empty only if indexers committed during each of three tries
            for _ in range(3):
                vocabulary = self.vocabulary
                terms, unmatched = self._plan(query)
                groups = self.article_of if distinct_articles else None
                postings = None
                if self.packed is not None and groups is None:
                    count = self.packed.count(terms, _ID_AT)
                else:
                    postings = await self._term_postings([(term.term_id, term.weight) for term in terms])
                    if postings is None:
                        await self._refresh()
                        continue
                    count = sum(len(p.ids) for p in postings)
                # The lock keeps the scratch accumulator and the reader to one search at a time.
                if count > _THREAD_THRESHOLD:
                    hits, generation = await asyncio.to_thread(self._best, terms, postings, limit, groups)
                else:
                    hits, generation = self._best(terms, postings, limit, groups)
                if generation == self.generation or not await self._refresh():
                    break
        return SearchResult(query, terms, unmatched, hits, vocabulary)

    async def scores(self, terms: list[str]) -> np.ndarray:
        """Score of every passage slot for already-analysed terms, as search computes them
        (tests compare them with rank-bm25)."""
        async with self.lock:
            postings = None
            while postings is None:
                await self._refresh()
                postings = await self._term_postings([(found[0], count) for term, count in Counter(terms).items()
                                                      if (found := self.vocabulary.get(term)) is not None])
            return accumulate(postings, len(self.norm))

    def _best(self, terms: list[QueryTerm], postings: list[TermPostings] | None, limit: int,
              groups: np.ndarray | None) -> tuple[list[Hit], int]:
        """The top hits for the terms with their postings (None: scored from the packed postings,
        without groups), and the index generation their rows were read from: scored and read in one
        go, in whichever thread the search runs in."""
        if postings is None:
            slots, scores = self.packed.top_k(terms, limit, self.scratch, _ID_AT, _WEIGHT_AT)  # type: ignore[union-attr]
        else:
            slots, scores = top_k(postings, len(self.norm), limit, groups, scratch=self.scratch)
        return self._hits(slots, scores)

    def _hits(self, slots: np.ndarray, scores: np.ndarray) -> tuple[list[Hit], int]:
        """The hits for scored slots, and the index generation they were read from."""
        if self.rows is not None:  # a small index held in memory, checked against the file before the search
            rows, generation = self.rows, self.generation
            passages = [rows[slot] for slot in slots.tolist()]  # its scored slots all hold passages
        else:
            fetched = self.reader.execute(
                _HIT_COLUMNS + f", {_GENERATION} FROM passages p JOIN articles a ON a.slot = p.article "
                f"WHERE p.slot IN ({','.join('?' * len(slots))})", slots.tolist()).fetchall() if len(slots) else []
            if fetched:
                generation = int(fetched[0][-1])
            else:  # no slots, or their passages gone: an indexer may have committed
                generation = int(self.reader.execute(f"SELECT coalesce({_GENERATION}, 0)").fetchone()[0])
            by_slot = {row[0]: _stored_passage(row[:-1]) for row in fetched}
            passages = [by_slot.get(slot) for slot in slots.tolist()]
        # tuple.__new__ skips the namedtuple's Python-level __new__: half the cost, a hundred hits a query.
        hits = [_new_tuple(Hit, (passage, score)) for passage, score in zip(passages, scores.tolist())
                if passage is not None]
        return hits, generation

    async def contexts(self, hits: list[Hit], spread: int = SPREAD,
                       terms: Iterable[str] | None = None) -> list[Context]:
        """For each hit (in order), its passage's sentences and up to spread more on either side
        within its article, with their analysed terms, decoded from what was stored at index time;
        given terms (a search snippet looks for the query's only), a sentence's terms are those of
        them it holds, and only those are decoded (a hit whose article changed since keeps all its
        own, below).

        A small index holds everything in memory; a large one reads the sentences of the hits'
        articles not cached yet in one statement that also reads the index generation (a newer
        one is loaded first, so term ids are decoded with their own vocabulary). A hit from an
        earlier generation whose article has changed since gets a context made from its own text.
        """
        spread = max(0, spread)
        async with self.lock:
            found: list[Context | None] = [None] * len(hits)
            for _ in range(3):
                found = [None] * len(hits)
                entries = await self._sentence_entries(hits)
                if entries is None:  # an indexer committed: load its generation, then read again
                    await self._refresh()
                    continue
                if await self._fill(found, hits, entries, spread, terms):
                    break
                await self._refresh()
        return [context if context is not None else _own_context(hit) for hit, context in zip(hits, found)]

    async def _sentence_entries(self, hits: list[Hit]) -> dict[str, _Sentences] | None:
        """The stored sentences of the hits' articles (an article gone is missing), or None if
        they were read from a newer index generation than the one loaded."""
        entries: dict[str, _Sentences] = {}
        missing: list[str] = []
        for article_id in dict.fromkeys(hit.article_id for hit in hits):
            entry = self.sentences.get(article_id)
            if entry is not None:
                entries[article_id] = entry
            elif self.sentence_rows is not None:  # a small index: its rows are in memory
                row = self.sentence_rows.get(article_id)
                if row is not None:
                    entries[article_id] = entry = _Sentences(*row)
                    self.sentences.put(article_id, entry)
            else:
                missing.append(article_id)
        if missing:
            text = f"CASE WHEN s.chars <= {_WHOLE_TEXT_CHARS} THEN a.text END"
            rows = await self.conn.execute_fetchall(
                _SENTENCE_COLUMNS.format(text=text) + f", {_GENERATION} FROM "
                f"articles a JOIN sentences s ON s.article = a.slot WHERE a.id IN ({','.join('?' * len(missing))})",
                missing)
            if rows and int(rows[0][-1]) != self.generation:
                return None
            for article_id, *row, _ in rows:
                entries[article_id] = entry = _Sentences(*row)
                self.sentences.put(article_id, entry)
        self.sentences.trim()
        return entries

    async def _fill(self, found: list[Context | None], hits: list[Hit], entries: dict[str, _Sentences],
                    spread: int, terms: Iterable[str] | None) -> bool:
        """Make the contexts of hits from their articles' sentences (with only terms, if given);
        False if reading the text of a long article's context found a newer index generation."""
        names = self.term_names
        wanted = None
        if terms is not None:  # by id in the vocabulary whose ids the sentences were decoded with
            wanted = {known[0]: term for term in terms if (known := self.vocabulary.get(term)) is not None}
        windows: list[tuple[int, str, int, int]] = []  # hit, article, start and length of text to read
        for n, hit in enumerate(hits):
            entry = entries.get(hit.article_id)
            if entry is None:
                continue
            size = entry.size
            found[n] = entry.context(hit, spread, names, self.vocabulary, wanted=wanted)
            self.sentences.grew(entry.size - size)
            if found[n] is None and entry.text is None and (window := entry.window(hit, spread)) is not None:
                windows.append((n, hit.article_id, window[0] + 1, window[1] - window[0]))
        if windows:
            rows = await self.conn.execute_fetchall(
                "WITH w(n, id, start, length) AS (VALUES " + ",".join(["(?,?,?,?)"] * len(windows)) + ") "
                f"SELECT w.n, substr(a.text, w.start, w.length), {_GENERATION} "
                "FROM w JOIN articles a ON a.id = w.id", [value for window in windows for value in window])
            if rows and int(rows[0][-1]) != self.generation:
                return False
            for n, text, _ in rows:
                entry = entries[hits[n].article_id]
                size = entry.size
                found[n] = entry.context(hits[n], spread, names, self.vocabulary, text, wanted)
                self.sentences.grew(entry.size - size)
        self.sentences.trim()
        return True

    async def passage(self, pid: str) -> Hit | None:
        """The passage with citation id pid, or None."""
        parts = split_passage_id(pid.strip())
        if parts is None:
            return None
        cursor = await self.conn.execute(
            _HIT_COLUMNS + " FROM passages p JOIN articles a ON a.slot = p.article WHERE a.id = ? AND p.ordinal = ?",
            parts)
        row = await cursor.fetchone()
        return Hit(_stored_passage(row)) if row else None

    async def article(self, article_id: str) -> StoredArticle | None:
        """The whole article with id article_id, or None."""
        cursor = await self.conn.execute(
            "SELECT a.id, a.title, a.text, a.url, a.date, a.source, a.author, "
            "(SELECT count(*) FROM passages p WHERE p.article = a.slot) FROM articles a WHERE a.id = ?",
            (article_id.strip(),))
        row = await cursor.fetchone()
        return StoredArticle(*row) if row else None

    async def info(self) -> IndexInfo:
        """Article, passage and vocabulary counts, and when the index was last written."""
        articles = (await (await self.conn.execute("SELECT count(*) FROM articles")).fetchone())[0]
        meta = await self._meta("passages", "vocabulary", "indexed_at")
        return IndexInfo(articles, int(meta.get("passages", 0)), int(meta.get("vocabulary", 0)),
                         meta.get("indexed_at"))  # type: ignore[arg-type]

    async def sample_texts(self, n: int = 3, chars: int = 5000) -> list[str]:
        """The openings of a few articles, for example questions in /help."""
        rows = await self.conn.execute_fetchall("SELECT substr(text, 1, ?) FROM articles ORDER BY slot LIMIT ?", (chars, n))
        return [text for (text,) in rows]


def _load_vocabulary(rows: list[tuple[str, int, int, str]]) -> tuple[Vocabulary, list[str]]:
    """The vocabulary, and every term by its id (for decoding stored sentences).

    The common English words and the synonym table are made here too, once a process (about 0.05 s
    of stemming): nearly every question's planning asks whether a word is common, and the first
    question should not pay for them.
    """
    common_terms()
    synonyms()
    names = [""] * (max((row[1] for row in rows), default=0) + 1)
    for term, term_id, _, _ in rows:
        names[term_id] = term
    return Vocabulary(rows), names


def _own_context(hit: Hit) -> Context:
    """A context made from the hit's own text: for a hit whose article changed after it was found.

    Numbers count from the passage's ordinal: exact for the opening passage, a lower bound otherwise.
    """
    text = hit.text
    title_terms = frozenset(analyze(hit.title))
    sentences = tuple(Sentence(span.start, span.end, hit.ordinal + n, frozenset(analyze(text[span.start : span.end])),
                               is_boilerplate(text[span.start : span.end]))
                      for n, span in enumerate(sentence_units(text)))
    if not sentences:
        return Context(hit.article_id, text, hit.start, (), 0, -1, title_terms, None)
    offset = sentences[0].start
    sentences = tuple(Sentence(s.start - offset, s.end - offset, s.number, s.terms, s.boilerplate) for s in sentences)
    return Context(hit.article_id, text[offset : offset + sentences[-1].end], hit.start + offset, sentences,
                   0, len(sentences) - 1, title_terms, None)


def _slot_table(meta: dict[str, object], key: str) -> np.ndarray:
    """A per-passage-slot table stored as one blob in meta (empty for an empty index)."""
    blob = meta.get(key)
    return np.frombuffer(blob, dtype=SLOT_DTYPE) if blob else np.empty(0, np.int32)  # type: ignore[arg-type]


def _stored_passage(row: tuple) -> Passage:
    """A row of _HIT_COLUMNS → its Passage."""
    _, ordinal, start, end, article_id, title, url, date, source, author, text = row
    return Passage(passage_id(article_id, ordinal), article_id, title, text, ordinal, start, end, url, date, source,
                   author)
