"""Query time: question → terms (with spelling fallbacks) → BM25 top passages → hits.

The store is read through aiosqlite so the bot's event loop never waits on
disk. The vocabulary, passage lengths and recently used postings are held in
memory for the current index generation; a search that finds an indexer has
committed since reloads them and is redone, so no answer mixes two versions.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import aiosqlite
import numpy as np

from index.analysis import analyze_query
from index.bm25 import BM25Params, CollectionStats, TermPostings, accumulate, idf, impacts, length_norm, top_k
from index.store import SLOT_DTYPE, TF_DTYPE, describe, passage_id, read_uri, split_passage_id, verify
from index.vocabulary import Vocabulary

# Scoring a few hundred thousand postings takes milliseconds; above this many
# it moves to a worker thread so the bot's event loop stays responsive.
_THREAD_THRESHOLD = 50_000
_CACHE_BYTES = 256 * 1024 * 1024  # decoded postings kept between questions
VARIANT_WEIGHT = 0.6  # another spelling of a word the index knows counts for less than the word
_PLAN_MEMO_SIZE = 100_000  # query words whose planned terms are kept
PRELOAD_BYTES = 32 * 1024 * 1024  # an index with less postings than this is held in memory whole,
PRELOAD_TERMS = 200_000  # and fewer words: decoding postings row by row is what costs
_new_tuple = tuple.__new__
_NO_POSTINGS = (np.empty(0, np.intp), np.empty(0, np.float32))
_HIT_COLUMNS = ("SELECT p.slot, p.ordinal, p.start, p.end, a.id, a.title, a.url, a.date, a.source, a.author, "
                "substr(a.text, p.start + 1, p.end - p.start)")


class QueryTerm(NamedTuple):
    """A term searched for: typed by the user, or a close vocabulary word standing in for one."""

    term: str
    weight: float
    idf: float
    typed: str  # the analysed query word it came from
    substitute: bool = False  # a close word standing in for typed: another spelling or a typo fix


class Hit(NamedTuple):
    """One scored passage with what a citation needs about its article."""

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
    score: float = 0.0  # last: a hit is its passage's stored fields plus a score


@dataclass(frozen=True)
class SearchResult:
    """Hits best first, plus how the question was understood."""

    query: str
    terms: list[QueryTerm]
    unmatched: list[str]  # analysed query words with no match, not even a close one
    hits: list[Hit] = field(default_factory=list)

    @property
    def substitutions(self) -> dict[str, list[str]]:
        """Typed word the index does not know → close vocabulary words searched for instead."""
        known = {term.typed for term in self.terms if not term.substitute}
        out: dict[str, list[str]] = {}
        for term in self.terms:
            if term.substitute and term.typed not in known:
                out.setdefault(term.typed, []).append(term.term)
        return out


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


class _PostingsCache:
    """Decoded postings of recent terms, bounded in bytes, emptied on a new generation."""

    def __init__(self, limit: int = _CACHE_BYTES) -> None:
        self.limit = limit
        self.size = 0
        self.items: OrderedDict[int, tuple[np.ndarray, np.ndarray]] = OrderedDict()

    def get(self, term_id: int) -> tuple[np.ndarray, np.ndarray] | None:
        item = self.items.get(term_id)
        if item is not None:
            self.items.move_to_end(term_id)
        return item

    def put(self, term_id: int, item: tuple[np.ndarray, np.ndarray]) -> None:
        self.items[term_id] = item
        self.size += item[0].nbytes + item[1].nbytes
        while self.size > self.limit and self.items:
            _, (slots, tfs) = self.items.popitem(last=False)
            self.size -= slots.nbytes + tfs.nbytes

    def clear(self) -> None:
        self.items.clear()
        self.size = 0


class Searcher:
    """Read side of one index file."""

    def __init__(self, path: Path, conn: aiosqlite.Connection, params: BM25Params,
                 preload_bytes: int = PRELOAD_BYTES) -> None:
        self.path = path
        self.preload_bytes = preload_bytes
        self.conn = conn
        self.params = params
        self.generation = -1
        self.stats = CollectionStats(0, 0, 0.0, 0)
        self.norm = np.empty(0)
        self.article_of = np.empty(0, np.int32)  # article slot by passage slot
        self.cache = _PostingsCache()
        self.vocabulary = Vocabulary([])
        self.term_plans: dict[str, tuple[tuple[int, QueryTerm], ...]] = {}
        self.rows: dict[int, tuple] | None = None  # Hit fields but the score by slot, when the index is small
        self.disk_state: tuple[tuple[int, int], ...] = ()
        self.watched = (str(path), str(path) + "-wal")
        self.lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path | str, params: BM25Params = BM25Params(),
                   preload_bytes: int = PRELOAD_BYTES) -> "Searcher":
        """Open an existing index for reading; StoreError says what is wrong with the file.

        An index whose postings take less than preload_bytes is held in memory whole.
        """
        path = Path(path)
        await asyncio.to_thread(verify, path)
        try:
            conn = await aiosqlite.connect(read_uri(path), uri=True, isolation_level=None)
        except sqlite3.Error as error:
            raise describe(error, path) from error
        searcher = cls(path, conn, params, preload_bytes)
        try:
            await searcher._refresh()
        except sqlite3.Error as error:
            await conn.close()
            raise describe(error, path) from error
        except BaseException:
            await conn.close()
            raise
        return searcher

    async def close(self) -> None:
        await self.conn.close()

    async def __aenter__(self) -> "Searcher":
        return self

    async def __aexit__(self, *exc: object) -> None:
        # aiosqlite's worker thread is not a daemon: an unclosed Searcher keeps the process alive.
        await self.close()

    async def _meta(self, *keys: str) -> dict[str, object]:
        marks = ",".join("?" * len(keys))
        cursor = await self.conn.execute(f"SELECT key, value FROM meta WHERE key IN ({marks})", keys)
        return dict(await cursor.fetchall())

    async def _generation(self) -> int:
        return int((await self._meta("generation")).get("generation", 0))

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
            cursor = await self.conn.execute("SELECT term, id, df, skeleton FROM terms")
            # Built off the event loop: a million-word vocabulary takes seconds.
            vocabulary = await asyncio.to_thread(Vocabulary, await cursor.fetchall())
        finally:
            await self.conn.execute("COMMIT")
        lengths = _slot_table(meta, "lengths")
        self.article_of = _slot_table(meta, "articles")
        self.stats = CollectionStats(int(meta.get("passages", 0)), int(meta.get("total_length", 0)),
                                     float(meta.get("okapi_idf_sum", 0.0)), int(meta.get("vocabulary", 0)))
        self.norm = length_norm(lengths, self.stats, self.params)
        self.vocabulary = vocabulary
        self.term_plans.clear()
        self.cache.clear()
        self.generation = generation
        self.rows = None
        if self.stats.total_length * 6 <= self.preload_bytes and len(vocabulary) <= PRELOAD_TERMS:
            # A small index is read whole: its questions then cost no database round trip.
            self._decode(await (await self.conn.execute("SELECT term, slots, tfs FROM postings")).fetchall())
            cursor = await self.conn.execute(_HIT_COLUMNS + " FROM passages p JOIN articles a ON a.slot = p.article")
            self.rows = {row[0]: _hit_fields(row) for row in await cursor.fetchall()}
        return True

    async def _postings(self, term_ids: list[int]) -> dict[int, tuple[np.ndarray, np.ndarray]] | None:
        """Passage slots and impacts (valid for this generation's lengths) of terms, cached;
        the ones not cached are read in one statement. None if that statement found a newer
        generation: its slots may lie past this one's lengths, so the caller reloads first."""
        if self.rows is not None:  # a small index is held whole: nothing to read, nothing evicted
            held = self.cache.items
            return {term_id: held.get(term_id, _NO_POSTINGS) for term_id in term_ids}
        found = {term_id: cached for term_id in term_ids if (cached := self.cache.get(term_id)) is not None}
        missing = [term_id for term_id in dict.fromkeys(term_ids) if term_id not in found]
        if missing:
            cursor = await self.conn.execute(
                "SELECT term, slots, tfs, (SELECT value FROM meta WHERE key = 'generation') FROM postings "
                f"WHERE term IN ({','.join('?' * len(missing))})", missing)
            rows = await cursor.fetchall()
            if rows and int(rows[0][-1]) != self.generation:
                return None
            found.update(self._decode([row[:-1] for row in rows]))
        # A term missing here is gone: an indexer committed since the vocabulary was read.
        return {term_id: found.get(term_id, _NO_POSTINGS) for term_id in term_ids}

    def _decode(self, rows: list[tuple[int, bytes, bytes]]) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """Stored postings rows → (slots, impacts), put in the cache."""
        decoded = {}
        for term_id, blob_slots, blob_tfs in rows:
            # Stored as int32; held as the platform's index type, which np.add.at takes a fifth faster.
            slots = np.frombuffer(blob_slots, dtype=SLOT_DTYPE).astype(np.intp)
            # A term's postings are the passages it occurs in: their number is its df.
            decoded[term_id] = (slots, impacts(np.frombuffer(blob_tfs, dtype=TF_DTYPE), self.norm[slots],
                                               self.params.k1, self._idf(len(slots))))
            self.cache.put(term_id, decoded[term_id])
        return decoded

    def _plan(self, query: str) -> tuple[list[QueryTerm], list[tuple[int, QueryTerm]], list[str]]:
        """Query terms with ids; unknown words replaced by close vocabulary words (all in memory)."""
        planned: list[tuple[int, QueryTerm]] = []
        unmatched: list[str] = []
        terms, joined = analyze_query(query)
        for term, count in Counter(terms).items():
            if term in joined and term not in self.vocabulary.terms:
                continue  # a hyphenated word the articles only write apart: its parts are searched
            entries = self.term_plans.get(term)
            if entries is None:
                entries = self._plan_term(term)
            if not entries:
                unmatched.append(term)
            elif count == 1:
                planned.extend(entries)
            else:
                planned.extend((term_id, QueryTerm(found.term, found.weight * count, found.idf, found.typed, found.substitute))
                               for term_id, found in entries)
        return [t for _, t in planned], planned, unmatched

    def _plan_term(self, term: str) -> tuple[tuple[int, QueryTerm], ...]:
        """The vocabulary terms searched for one analysed query word, weighted for one occurrence.

        Kept until the next index generation: questions repeat their words, and
        looking for other spellings is the dearest part of planning.
        """
        entries = []
        found = self.vocabulary.get(term)
        if found is not None:
            entries.append((found[0], QueryTerm(term, 1.0, self._idf(found[1]), term)))
        # Other spellings of a known word count for less than the word itself.
        scale = VARIANT_WEIGHT if found is not None else 1.0
        for word, similarity in self.vocabulary.suggest(term):
            term_id, df, _ = self.vocabulary.terms[word]
            entries.append((term_id, QueryTerm(word, similarity * scale, self._idf(df), term, substitute=True)))
        if len(self.term_plans) >= _PLAN_MEMO_SIZE:
            self.term_plans.clear()
        self.term_plans[term] = planned = tuple(entries)
        return planned

    def _idf(self, df: int) -> float:
        return idf(df, self.stats, self.params)

    async def search(self, query: str, limit: int = 10, distinct_articles: bool = False) -> SearchResult:
        """Best passages for query; with distinct_articles, each article's best passage only.

        Planning and scoring use the vocabulary and postings in memory; the
        statements that read postings and hits also read the index generation,
        and if an indexer committed meanwhile the search is redone on the new one.
        """
        async with self.lock:
            if self.rows is not None and self._on_disk() != self.disk_state:
                await self._refresh()
            hits: list[Hit] = []  # stays empty only if indexers committed during each of three tries
            for _ in range(3):
                terms, planned, unmatched = self._plan(query)
                read = await self._postings([term_id for term_id, _ in planned])
                if read is None:
                    await self._refresh()
                    continue
                postings = [TermPostings(*read[term_id], term.weight) for term_id, term in planned]
                groups = self.article_of if distinct_articles else None
                if sum(len(p.ids) for p in postings) > _THREAD_THRESHOLD:
                    slots, scores = await asyncio.to_thread(top_k, postings, len(self.norm), limit, groups)
                else:
                    slots, scores = top_k(postings, len(self.norm), limit, groups)
                hits, generation = await self._hits(slots, scores)
                if generation == self.generation or not await self._refresh():
                    break
        return SearchResult(query, terms, unmatched, hits)

    async def scores(self, terms: list[str]) -> np.ndarray:
        """Score of every passage slot for already-analysed terms, as search computes them
        (tests compare them with rank-bm25)."""
        async with self.lock:
            read = None
            while read is None:
                await self._refresh()
                known = [(self.vocabulary.get(term), count) for term, count in Counter(terms).items()]
                known = [(found, count) for found, count in known if found is not None]
                read = await self._postings([term_id for (term_id, _, _), _ in known])
            postings = [TermPostings(*read[term_id], count) for (term_id, _, _), count in known]
            return accumulate(postings, len(self.norm))

    async def _hits(self, slots: np.ndarray, scores: np.ndarray) -> tuple[list[Hit], int]:
        """The hits for scored slots, and the index generation they were read from."""
        if self.rows is not None:  # a small index held in memory, checked against the file before the search
            rows, generation = self.rows, self.generation
        elif not len(slots):
            return [], await self._generation()
        else:
            cursor = await self.conn.execute(
                _HIT_COLUMNS + ", (SELECT value FROM meta WHERE key = 'generation') FROM passages p JOIN articles a "
                f"ON a.slot = p.article WHERE p.slot IN ({','.join('?' * len(slots))})", [int(s) for s in slots])
            fetched = await cursor.fetchall()
            generation = int(fetched[0][-1]) if fetched else await self._generation()
            rows = {row[0]: _hit_fields(row[:-1]) for row in fetched}
        # tuple.__new__ skips the namedtuple's Python-level __new__: half the cost, a hundred hits a query.
        hits = [_new_tuple(Hit, (*rows[slot], score)) for slot, score in zip(slots.tolist(), scores.tolist())
                if slot in rows]
        return hits, generation

    async def passage(self, pid: str) -> Hit | None:
        """The passage with citation id pid, or None."""
        parts = split_passage_id(pid.strip())
        if parts is None:
            return None
        cursor = await self.conn.execute(
            _HIT_COLUMNS + " FROM passages p JOIN articles a ON a.slot = p.article WHERE a.id = ? AND p.ordinal = ?",
            parts)
        row = await cursor.fetchone()
        return Hit(*_hit_fields(row)) if row else None

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
        cursor = await self.conn.execute("SELECT substr(text, 1, ?) FROM articles ORDER BY slot LIMIT ?", (chars, n))
        return [text for (text,) in await cursor.fetchall()]


def _slot_table(meta: dict[str, object], key: str) -> np.ndarray:
    """A per-passage-slot table stored as one blob in meta (empty for an empty index)."""
    blob = meta.get(key)
    return np.frombuffer(blob, dtype=SLOT_DTYPE) if blob else np.empty(0, np.int32)  # type: ignore[arg-type]


def _hit_fields(row: tuple) -> tuple:
    """A row of _HIT_COLUMNS → a Hit's fields but the score."""
    _, ordinal, start, end, article_id, title, url, date, source, author, text = row
    return passage_id(article_id, ordinal), article_id, title, text, ordinal, start, end, url, date, source, author
