"""Files → articles → sentences and passages → postings, written to the store in one transaction.

Incremental: a file whose content hash is unchanged is skipped, a changed
one replaced, and one that vanished from a folder being indexed is removed.
Postings of the touched terms are rewritten whole (read, filter, append),
which keeps queries to one blob read per term.

Each sentence unit of an article is analysed once: a passage's terms are its
units' terms (only white space lies between units), and each unit's distinct
terms are stored, as term ids, with its span and a boilerplate flag, so
answering never tokenises a passage again. That analysis depends only on an
article's text and title, so for a big file it runs in worker processes, one
per core, a batch of articles ahead of the writing (in order: the same index
either way), while this process assigns term ids and writes to SQLite. A term stays in the terms table,
under the same id, as long as a passage uses it, and every sentence term is a
term of its article's passages: stored sentence term ids stay valid across runs.
"""

from __future__ import annotations

import glob
import hashlib
import logging
import multiprocessing
import os
import sqlite3
import sys
import uuid
from array import array
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import partial
from itertools import islice
from multiprocessing.pool import AsyncResult, Pool
from pathlib import Path
from typing import Callable, Iterable, Iterator, TypeVar

import numpy as np
from tqdm import tqdm

from citebot.index import _kernels
from citebot.index.analysis import skeleton
from citebot.index.articles import (Article, ArticleError, UniqueIds, discover_files, is_utf16, iter_articles,
                                    jsonl_chunks)
from citebot.index.bm25 import okapi_idf_sum, staircase
from citebot.index.store import (SCHEMA_VERSION, SLOT_DTYPE, STAIRCASE_DTYPE, TERM_DTYPE, TF_DTYPE, SchemaMismatch,
                                 connect, describe, reset)
from citebot.index.worker import Analysed, TermNumbers, analyse, analyse_chunks, start_worker

log = logging.getLogger(__name__)
T = TypeVar("T")
R = TypeVar("R")

_BATCH = 5000  # terms merged per round trip
# A file at least this big has its articles analysed in worker processes: starting them takes
# about a second, which a file of a few thousand articles would not win back.
PARALLEL_BYTES = 16 * 1024 * 1024
_ARTICLES_AHEAD = 4000  # articles a batch sent to the workers; the next is analysed while one is written
_RUN = 400  # articles analysed, sent back and written together (one task of a worker)
# A big JSON Lines file goes to the workers as chunks of whole lines of about this many bytes, each read by
# its worker (lines.py), this many chunks a batch. What a run costs the indexing process besides its
# articles counts: 4 MB runs took a 1M build 50.4 → 47.2 s and that process's CPU 36.1 → 32.5 s against
# 512 KB ones (a 200k build 10.3-10.6 → 9.2-9.5 s; 1, 2 and 8 MB between or alike), for 75 MB more at peak.
_CHUNK_BYTES = 4 * 1024 * 1024
_CHUNKS_AHEAD = 2
# Postings are sorted by term this many at a time: sorting them all at once took three times their
# memory again (~10 GB at 5M passages), and once sorted they keep only slots and counts (6 bytes each).
_SEGMENT = 1 << 25


@dataclass
class IndexSummary:
    """What an indexing run did, for the one-line report."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    passages: int = 0
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        text = (f"{self.added} added, {self.updated} updated, {self.removed} removed, "
                f"{self.unchanged} unchanged articles; {self.passages} passages in the index")
        if self.errors:
            text += f"; {len(self.errors)} file(s) skipped"
        return text


@dataclass(frozen=True)
class ChunkSize:
    """Passage size in words: close a passage at target, never exceed maximum."""

    target: int = 100
    maximum: int = 130


def _in_order(items: Iterator[T], work: Callable[[list[T]], R], pool: Pool | None, per_run: int | None = None,
              ahead: int | None = None) -> Iterator[tuple[list[T], R]]:
    """Runs of items (articles, or a .jsonl file's chunks), per_run of them (_RUN), with work(run), in
    order; with a pool, a batch of runs (`ahead` items, _ARTICLES_AHEAD) is worked on while the results
    of the one before it are used. An error reading the items comes out after the runs of the items read
    before it (the first error in the file)."""
    per_run, ahead = per_run or _RUN, ahead or _ARTICLES_AHEAD
    pending: tuple[list[list[T]], AsyncResult] | None = None
    while True:
        batch: list[T] = []
        error = None
        try:
            for item in islice(items, ahead):
                batch.append(item)
        except ArticleError as exc:
            error = exc
        runs = [batch[i : i + per_run] for i in range(0, len(batch), per_run)]
        if pool is None:
            yield from ((run, work(run)) for run in runs)
        else:
            future = (runs, pool.map_async(work, runs, chunksize=1)) if runs else None
            if pending is not None:
                yield from zip(pending[0], pending[1].get())
            pending = future
            if error is not None and pending is not None:
                yield from zip(pending[0], pending[1].get())
        if error is not None:
            raise error
        if not batch:
            return


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def file_hash(path: Path) -> str:
    """Content hash, read in blocks: a multi-gigabyte archive is never loaded whole for it."""
    with path.open("rb") as data:
        return hashlib.file_digest(data, lambda: hashlib.blake2b(digest_size=16)).hexdigest()


@dataclass
class _Numbering:
    """What the indexer knows of an analysing process's term numbering (worker.TermNumbers): its
    terms by number, and their ids here (-1: not looked up yet, or rolled back)."""

    terms: list[str] = field(default_factory=list)
    ids: np.ndarray = field(default_factory=lambda: np.empty(0, np.int32))  # grown by doubling

    def extend(self, first_new: int, terms: list[str]) -> None:
        """Add the terms a run was the first to number, from number first_new on."""
        if first_new != len(self.terms):  # a run of this numbering was never received: its terms are unknown
            raise RuntimeError(f"term numbering out of step: {first_new} terms numbered, {len(self.terms)} received")
        self.terms += terms
        if len(self.terms) > len(self.ids):
            grown = np.full(max(2 * len(self.ids), len(self.terms)), -1, np.int32)
            grown[: len(self.ids)] = self.ids
            self.ids = grown


class _PostingsBuilder:
    """Collects (term, slot, tf) triples compactly; Python dicts would not fit 1M passages."""

    def __init__(self, vocabulary: dict[str, int], next_term: int) -> None:
        self.vocabulary = vocabulary
        self.first_new_term = self.next_term = next_term
        self.new_terms: list[tuple[int, str]] = []
        self.numberings: dict[str, _Numbering] = {}  # by TermNumbers.name
        self.own_numbering = TermNumbers()  # that of the runs this process analyses itself
        self.segments: list[_Grouped] = []  # the postings added first, each _SEGMENT of them sorted by term
        self.terms = array("i")
        self.slots = array("i")
        self.tfs = array("H")
        self.passages = array("i")  # slot of every passage added, its length in terms and its article's slot
        self.lengths = array("i")
        self.articles = array("i")

    def run_term_ids(self, analysed: Analysed) -> np.ndarray:
        """The ids of a run's terms (analysed.terms), new ones numbered in that order. Known from the
        numbers its process gave them: a term string is looked up once per process, not every run."""
        numbering = self.received(analysed)
        ids = numbering.ids[analysed.terms]
        unknown = np.flatnonzero(ids < 0)
        if len(unknown):
            numbers = analysed.terms[unknown]
            ids[unknown] = numbering.ids[numbers] = self.term_ids([numbering.terms[n] for n in numbers.tolist()])
        return ids

    def received(self, analysed: Analysed) -> _Numbering:
        """The numbering of a run's terms, with the terms the run was the first to number: every run
        a numbering analysed is received, in order, even one that is analysed again here instead."""
        numbering = self.numberings.setdefault(analysed.numbering, _Numbering())
        numbering.extend(analysed.first_new, analysed.new_terms)
        return numbering

    def term_ids(self, terms: list[str]) -> np.ndarray:
        """The ids of terms, new ones numbered in the order given."""
        ids = list(map(self.vocabulary.get, terms))  # in C; only a new word takes the slow way
        if None in ids:
            ids = [self._new_term(term) if term_id is None else term_id for term_id, term in zip(ids, terms)]
        return np.array(ids, dtype=np.int32)

    def _new_term(self, term: str) -> int:
        term_id = self.vocabulary[term] = self.next_term
        self.new_terms.append((term_id, term))
        self.next_term += 1
        return term_id

    def mark(self) -> tuple[int, int, int, int, int]:
        """A point to roll back to if the file being read turns out to be broken."""
        return len(self.segments), len(self.terms), len(self.passages), len(self.new_terms), self.next_term

    def rollback(self, mark: tuple[int, int, int, int, int]) -> None:
        segments, postings, passages, new_terms, self.next_term = mark
        if len(self.segments) > segments:
            # The first segment sealed since the mark also holds the postings added before it.
            added = np.frombuffer(self.passages[passages:], dtype=np.int32)
            self.segments[segments:] = [self.segments[segments].without(added)]
            self.terms, self.slots, self.tfs = array("i"), array("i"), array("H")
        else:
            for array_ in (self.terms, self.slots, self.tfs):
                del array_[postings:]
        del self.passages[passages:], self.lengths[passages:], self.articles[passages:]
        for _, term in self.new_terms[new_terms:]:
            del self.vocabulary[term]
        del self.new_terms[new_terms:]
        for numbering in self.numberings.values():
            numbering.ids[numbering.ids >= self.next_term] = -1

    def add(self, slots: np.ndarray, articles: np.ndarray, lengths: np.ndarray, terms: np.ndarray,
            tfs: np.ndarray, distinct: np.ndarray) -> None:
        """Add passages: their slots, articles' slots and lengths, and their postings (term ids and
        counts, distinct[i] of them passage i's)."""
        for array_, values in ((self.passages, slots), (self.articles, articles), (self.lengths, lengths),
                               (self.terms, terms), (self.slots, np.repeat(slots, distinct))):
            array_.frombytes(values.astype(np.int32).tobytes())
        self.tfs.frombytes(tfs.astype(np.uint16).tobytes())
        if len(self.terms) >= _SEGMENT:
            self._seal()

    def _seal(self) -> None:
        if len(self.terms):
            self.segments.append(_Grouped.sort(np.frombuffer(self.terms, dtype=np.int32),
                                               np.frombuffer(self.slots, dtype=np.int32),
                                               np.frombuffer(self.tfs, dtype=np.uint16)))
        self.terms, self.slots, self.tfs = array("i"), array("i"), array("H")

    def grouped(self) -> "_Additions":
        """All postings added, by term (slots stay ascending within a term)."""
        self._seal()
        return _Additions(self.segments)


@dataclass(frozen=True)
class _Grouped:
    """Postings by term as flat arrays: term i's are slots[bounds[i]:bounds[i + 1]] (no per-term objects)."""

    term_ids: np.ndarray
    bounds: np.ndarray
    slots: np.ndarray
    tfs: np.ndarray

    @staticmethod
    def sort(terms: np.ndarray, slots: np.ndarray, tfs: np.ndarray) -> "_Grouped":
        """Postings in the order added (terms and slots int32, tfs uint16), grouped by term (each
        term's stay in order).

        A counting sort: term ids are dense, so each term's place follows from how many postings the
        terms before it have, and one compiled pass puts every posting there (_kernels.group). Sorting
        (term, position) pairs instead took 0.75 s of the 14M postings of 200k passages (this, 0.17 s),
        with the workers waiting on it each time a segment was sealed.
        """
        counts = np.bincount(terms)
        firsts = np.zeros(len(counts), np.int64)  # each term's first position
        np.cumsum(counts[:-1], out=firsts[1:])
        present = np.flatnonzero(counts)
        bounds = np.append(firsts[present], len(terms))  # taken first: group moves firsts on
        grouped_slots, grouped_tfs = np.empty(len(terms), np.int32), np.empty(len(terms), np.uint16)
        _kernels.group(terms, slots, tfs, firsts, grouped_slots, grouped_tfs)
        return _Grouped(present.astype(np.int32), bounds, grouped_slots, grouped_tfs)

    def without(self, gone: np.ndarray) -> "_Grouped":
        """These postings but those of the passages in slots gone."""
        keep = ~np.isin(self.slots, gone)
        left = np.bincount(np.repeat(np.arange(len(self.term_ids)), np.diff(self.bounds))[keep],
                           minlength=len(self.term_ids))
        return _Grouped(self.term_ids[left > 0], np.append(0, np.cumsum(left[left > 0])), self.slots[keep],
                        self.tfs[keep])

    def of(self, term_id: int) -> tuple[np.ndarray, np.ndarray] | None:
        i = int(np.searchsorted(self.term_ids, np.int32(term_id)))  # an int32 key: no copy of the array
        if i == len(self.term_ids) or self.term_ids[i] != term_id:
            return None
        start, end = self.bounds[i], self.bounds[i + 1]
        return self.slots[start:end], self.tfs[start:end]


class _Additions:
    """The postings of a run, segment after segment: a term's are its postings of each in turn."""

    def __init__(self, segments: list[_Grouped]) -> None:
        self.segments = segments
        self.term_ids = np.unique(np.concatenate([s.term_ids for s in segments])) if segments \
            else np.empty(0, np.int32)

    def of(self, term_id: int) -> tuple[np.ndarray, np.ndarray] | None:
        pieces = [piece for piece in (s.of(term_id) for s in self.segments) if piece is not None]
        if len(pieces) < 2:
            return pieces[0] if pieces else None
        return np.concatenate([p[0] for p in pieces]), np.concatenate([p[1] for p in pieces])


class Indexer:
    """One indexing run against one store file."""

    def __init__(self, path: Path, chunk_size: ChunkSize = ChunkSize(), progress: bool | None = None,
                 workers: int | None = None) -> None:
        self.path = Path(path)
        self.chunk_size = chunk_size
        self.progress = sys.stderr.isatty() if progress is None else progress
        self.workers = _cores() if workers is None else workers  # analysing processes for a big file; < 2: none
        self.pool: Pool | None = None

    def run(self, paths: Iterable[Path], *, rebuild: bool = False) -> IndexSummary:
        """Index files and folders; the store changes all at once or not at all. A store that does not
        exist yet is built beside its path and put there whole (_build_fresh)."""
        roots = [Path(p).resolve() for p in paths]
        for root in roots:
            if not root.exists():
                raise FileNotFoundError(f"no such file or folder: {root}")
        if not self.path.exists():
            summary = self._build_fresh(roots)
            if summary is not None:
                return summary
        return self._run(self.path, roots, rebuild, fresh=False)

    def _build_fresh(self, roots: list[Path]) -> IndexSummary | None:
        """A store where there was none, built in a file of its own beside the path and put there once
        committed; None if it cannot be built there, or another indexer put a store there meanwhile
        (this run then indexes into that one as usual).

        Nobody reads it while it is built, so it is written through SQLite's rollback journal, which
        writes a new file's pages once, not through the WAL, which writes each page there and again
        into the file at the checkpoint: at 1M passages the commit, with its checkpoint, took 9.6 s of
        a 69 s build (this way, the whole build 59 s). A killed build leaves no store at the path, only
        its own file, which the next fresh build removes.
        """
        folder = self.path.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            return None  # the usual way says what is wrong
        if not os.access(folder, os.W_OK):
            return None
        _remove_abandoned_builds(self.path)
        building = folder / f".{self.path.name}{_BUILDING}{os.getpid()}-{uuid.uuid4().hex[:8]}"
        try:
            summary = self._run(building, roots, rebuild=False, fresh=True)
            return summary if _put_in_place(building, self.path) else None
        finally:
            for suffix in ("", "-journal", "-wal", "-shm"):
                Path(f"{building}{suffix}").unlink(missing_ok=True)

    def _run(self, target: Path, roots: list[Path], rebuild: bool, fresh: bool) -> IndexSummary:
        """Index roots into the store file target (fresh: a new one, see _build_fresh) in one transaction."""
        try:
            conn = connect(target, create=True, fresh=fresh)
        except SchemaMismatch as old:
            log.warning("%s was written by an older citebot (index schema version %d, this one reads %d): "
                        "rebuilding it", self.path, old.version, SCHEMA_VERSION)
            reset(target)
            roots += [Path(f) for f in old.files if Path(f).exists() and not any(_is_under(Path(f), r) for r in roots)]
            rebuild = True
            conn = connect(target, create=True)
        try:
            conn.execute("BEGIN IMMEDIATE")
            summary = self._update(conn, roots, rebuild)
            self._stop_workers(wait=True)
            conn.execute("COMMIT")
            if fresh:
                conn.execute("PRAGMA journal_mode=WAL")  # how every store is read and written once it is in place
            # Fold the WAL into the main file so a read-only copy of it is complete.
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            return summary
        except sqlite3.Error as error:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise describe(error, self.path) from error
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        finally:
            self._stop_workers(wait=False)
            conn.close()

    def _analysed(self, path: Path, builder: _PostingsBuilder) -> Iterator[tuple[list[Article], Analysed]]:
        """A file's articles run by run with their analysis. A big .jsonl file's lines are read and
        parsed in the worker processes too, a chunk of whole lines each (lines.py; reading JSON and
        cleaning text cost this process half its time, then reading the lines a tenth). The first
        article of each id is kept as when reading it here, a run that held a later one analysed
        again here without it (rare). What this process analyses, it numbers the terms of in the
        builder's own numbering (a worker, in its own)."""
        target, maximum = self.chunk_size.target, self.chunk_size.maximum
        pool = self._workers_for(path)
        if pool is None:
            yield from _in_order(iter_articles(path),
                                 partial(analyse, target=target, maximum=maximum, numbering=builder.own_numbering), None)
            return
        if path.suffix.lower() != ".jsonl" or is_utf16(path):
            yield from _in_order(iter_articles(path), partial(analyse, target=target, maximum=maximum), pool)
            return
        ids = UniqueIds(path)
        work = partial(analyse_chunks, path, target=target, maximum=maximum)
        chunks = (chunk for chunk, _ in jsonl_chunks(path, _CHUNK_BYTES))
        for _, found in _in_order(chunks, work, pool, per_run=1, ahead=_CHUNKS_AHEAD):
            if isinstance(found, ArticleError):
                raise found
            articles, analysed = found
            kept = [article for article in articles if ids.keep(article)]
            if len(kept) < len(articles):
                builder.received(analysed)
                articles, analysed = kept, analyse(kept, target, maximum, builder.own_numbering)
            yield articles, analysed
        ids.report()

    def _workers_for(self, path: Path) -> Pool | None:
        """The worker processes that analyse a big file's articles (started for the first one),
        or None for a small file. Spawned, not forked: the bot indexes from a threaded process."""
        if self.workers < 2 or path.stat().st_size < PARALLEL_BYTES:
            return None
        if self.pool is None:
            self.pool = multiprocessing.get_context("spawn").Pool(self.workers, initializer=start_worker)
        return self.pool

    def _stop_workers(self, wait: bool) -> None:
        if self.pool is not None:
            if wait:
                self.pool.close()
            else:
                self.pool.terminate()
            self.pool.join()
            self.pool = None

    def _update(self, conn: sqlite3.Connection, roots: list[Path], rebuild: bool) -> IndexSummary:
        summary = IndexSummary()
        known = dict(conn.execute("SELECT path, hash FROM files"))
        if rebuild:
            known = {}
            for table in ("files", "articles", "passages", "terms", "postings", "sentences"):
                conn.execute(f"DELETE FROM {table}")
        seen: set[str] = set()
        vocabulary = dict(conn.execute("SELECT term, id FROM terms"))
        next_term = (conn.execute("SELECT max(id) FROM terms").fetchone()[0] or 0) + 1
        builder = _PostingsBuilder(vocabulary, next_term)
        removed_slots: list[int] = []
        removed_terms: set[int] = set()  # ids of the terms of removed articles

        files = list(discover_files(roots))
        # Counts articles, not files: one big .jsonl can hold a million of them.
        bar = tqdm(unit=" articles", disable=not self.progress, desc="indexing", leave=False, dynamic_ncols=True)
        for number, path in enumerate(files, 1):
            bar.set_postfix_str(f"file {number}/{len(files)}", refresh=False)
            key = str(path)
            seen.add(key)
            try:
                digest = file_hash(path)
            except OSError as error:
                summary.errors.append(f"{path}: cannot read ({error.strerror})")
                continue
            if known.get(key) == digest:
                summary.unchanged += conn.execute("SELECT count(*) FROM articles WHERE path=?", (key,)).fetchone()[0]
                continue
            # A file is indexed whole or not at all: a parse error half-way through a
            # big .jsonl undoes that file's changes and keeps what an earlier run indexed.
            conn.execute("SAVEPOINT file")
            mark = builder.mark()
            file_slots: list[int] = []
            file_terms: set[int] = set()
            try:
                # A file not indexed before has no articles stored.
                old_ids = self._remove_file(conn, key, builder, file_slots, file_terms) if key in known else set()
                ids: set[str] = set()
                for run, analysed in self._analysed(path, builder):
                    ids.update(article.id for article in run)
                    self._add_articles(conn, key, run, analysed, builder)
                    bar.update(len(run))
            except ArticleError as error:
                conn.execute("ROLLBACK TO file")
                conn.execute("RELEASE file")
                builder.rollback(mark)
                # Runs the workers analysed past the error were never received, nor the terms they
                # numbered: the next big file starts new workers, with new numberings.
                self._stop_workers(wait=False)
                summary.errors.append(str(error))
                continue
            conn.execute("RELEASE file")
            summary.updated += len(ids & old_ids)
            summary.added += len(ids - old_ids)
            summary.removed += len(old_ids - ids)
            removed_slots += file_slots
            removed_terms |= file_terms
            conn.execute("INSERT OR REPLACE INTO files VALUES (?, ?)", (key, digest))
        bar.close()

        for key in known.keys() - seen:
            if any(_is_under(Path(key), root) for root in roots):
                summary.removed += len(self._remove_file(conn, key, builder, removed_slots, removed_terms))
                conn.execute("DELETE FROM files WHERE path=?", (key,))

        slots = np.frombuffer(builder.passages, dtype=np.int32)
        lengths = _slot_table(conn, "lengths", slots, builder.lengths, removed_slots)
        self._write_postings(conn, builder, removed_slots, removed_terms, lengths)
        self._write_stats(conn, builder, removed_slots, lengths)
        summary.passages = conn.execute("SELECT count(*) FROM passages").fetchone()[0]
        return summary

    def _add_articles(self, conn: sqlite3.Connection, key: str, articles: list[Article], analysed: Analysed,
                      builder: _PostingsBuilder) -> None:
        """Write a run of articles, their passages and sentences (a statement a table for the run),
        and keep their postings. Slots are numbered as SQLite numbers rowids: one past the largest."""
        term_ids = builder.run_term_ids(analysed)
        article_slots = np.arange(len(articles)) + _next_slot(conn, "articles")
        _insert_articles(conn, key, article_slots.tolist(), articles, analysed.title_terms)
        count = len(analysed.layout)
        slots = np.arange(count) + _next_slot(conn, "passages")
        owners = np.repeat(article_slots, analysed.passages)
        ordinals = np.arange(count) - np.repeat(np.cumsum(analysed.passages) - analysed.passages, analysed.passages)
        conn.executemany("INSERT INTO passages (slot, article, ordinal, start, end, length) VALUES (?,?,?,?,?,?)",
                         zip(slots.tolist(), owners.tolist(), ordinals.tolist(), *analysed.layout.T.tolist()))
        builder.add(slots, owners, analysed.layout[:, 2], term_ids[analysed.postings], analysed.tfs, analysed.distinct)
        terms = term_ids[analysed.sentence_terms].astype(TERM_DTYPE).tobytes()
        ends = np.cumsum(analysed.sentence_counts * 4).tolist()
        conn.executemany("INSERT INTO sentences (article, chars, spans, bounds, terms, flags) VALUES (?,?,?,?,?,?)",
                         zip(article_slots.tolist(), (len(a.text) for a in articles), analysed.spans, analysed.bounds,
                             (terms[start:end] for start, end in zip([0, *ends], ends)), analysed.flags))

    @staticmethod
    def _remove_file(conn: sqlite3.Connection, key: str, builder: _PostingsBuilder,
                     removed_slots: list[int], removed_terms: set[int]) -> set[str]:
        """Delete a file's articles, passages and sentences; remember what postings to fix.

        An article's terms are its stored sentences' terms and its title's: nothing is analysed again.
        """
        ids: set[str] = set()
        for slot, article_id, title_terms, terms in conn.execute(
            "SELECT a.slot, a.id, a.title_terms, s.terms FROM articles a LEFT JOIN sentences s ON s.article = a.slot "
            "WHERE a.path=?", (key,)
        ).fetchall():
            ids.add(article_id)
            removed_terms.update(np.frombuffer(terms or b"", dtype=TERM_DTYPE).tolist())
            removed_terms.update(builder.vocabulary[t] for t in title_terms.split() if t in builder.vocabulary)
            removed_slots.extend(s for (s,) in conn.execute("SELECT slot FROM passages WHERE article=?", (slot,)))
            conn.execute("DELETE FROM passages WHERE article=?", (slot,))
            conn.execute("DELETE FROM sentences WHERE article=?", (slot,))
            conn.execute("DELETE FROM articles WHERE slot=?", (slot,))
        return ids

    @staticmethod
    def _write_postings(conn: sqlite3.Connection, builder: _PostingsBuilder,
                        removed_slots: list[int], removed_terms: set[int], lengths: np.ndarray) -> None:
        """Merge the new postings into the stored ones, dropping removed passages, in batches; each
        term's staircase (from lengths, every slot's passage length) is written with them."""
        conn.executemany("INSERT INTO terms (id, term, skeleton, df) VALUES (?, ?, ?, 0)",
                         ((i, t, skeleton(t)) for i, t in builder.new_terms))
        gone = np.asarray(sorted(removed_slots), dtype=np.int32)
        additions = builder.grouped()
        touched = np.union1d(additions.term_ids, np.fromiter(removed_terms, dtype=np.int32)).tolist()
        for batch in (touched[i : i + _BATCH] for i in range(0, len(touched), _BATCH)):
            # Only terms that existed before this run have stored postings to read.
            old = [t for t in batch if t < builder.first_new_term]
            stored = {term: (slots, tfs) for term, slots, tfs in conn.execute(
                f"SELECT term, slots, tfs FROM postings WHERE term IN ({','.join('?' * len(old))})", old)} if old else {}
            writes, emptied = [], []
            for term_id in batch:
                slots, tfs = _merge(stored.get(term_id), additions.of(term_id), gone)
                if len(slots):
                    # copy=False: tobytes() copies already, and the arrays are mostly of the stored types.
                    steps = staircase(tfs, lengths[slots])
                    writes.append((term_id, steps.astype(STAIRCASE_DTYPE, copy=False).tobytes(),
                                   slots.astype(SLOT_DTYPE, copy=False).tobytes(),
                                   tfs.astype(TF_DTYPE, copy=False).tobytes()))
                else:
                    emptied.append((term_id,))
            conn.executemany("INSERT OR REPLACE INTO postings VALUES (?, ?, ?, ?)", writes)
            conn.executemany("UPDATE terms SET df=? WHERE id=?", ((len(w[2]) // 4, w[0]) for w in writes))
            conn.executemany("DELETE FROM postings WHERE term=?", emptied)
            conn.executemany("DELETE FROM terms WHERE id=?", emptied)

    @staticmethod
    def _write_stats(conn: sqlite3.Connection, builder: _PostingsBuilder, removed_slots: list[int],
                     lengths: np.ndarray) -> None:
        """Per passage slot its length (lengths) and its article's slot, each one blob loaded whole
        by readers (0 for a free slot), and collection statistics."""
        slots = np.frombuffer(builder.passages, dtype=np.int32)
        articles = _slot_table(conn, "articles", slots, builder.articles, removed_slots)
        passages, total = conn.execute("SELECT count(*), coalesce(sum(length), 0) FROM passages").fetchone()
        dfs = np.fromiter((df for (df,) in conn.execute("SELECT df FROM terms")), dtype=np.int64)
        generation = (conn.execute("SELECT value FROM meta WHERE key='generation'").fetchone() or (0,))[0] + 1
        conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", [
            ("lengths", lengths.tobytes()),
            ("articles", articles.tobytes()),
            ("passages", passages),
            ("total_length", total),
            ("vocabulary", len(dfs)),
            ("okapi_idf_sum", okapi_idf_sum(dfs, passages) if passages else 0.0),
            ("generation", generation),
            ("indexed_at", _now()),
        ])


def _insert_articles(conn: sqlite3.Connection, key: str, slots: list[int], articles: list[Article],
                     title_terms: list[str]) -> None:
    """Write a run's articles under their own ids, each made unique (_free_ids) where another article has it.

    Inserted as they are first, the table's unique index saying whether an id is taken: looking the
    run's ids up beforehand cost 1.5 s of a 1M-article build, where no id ever is.
    """
    def rows(ids: list[str]) -> Iterator[tuple]:
        return ((slot, article_id, key, a.title, terms, a.url, a.date, a.source, a.author, a.text)
                for slot, article_id, a, terms in zip(slots, ids, articles, title_terms))

    insert = ("INSERT INTO articles (slot, id, path, title, title_terms, url, date, source, author, text) "
              "VALUES (?,?,?,?,?,?,?,?,?,?)")
    wanted = [article.id for article in articles]
    if len(set(wanted)) == len(wanted):
        conn.execute("SAVEPOINT run")
        try:
            conn.executemany(insert, rows(wanted))
        except sqlite3.IntegrityError:
            conn.execute("ROLLBACK TO run")
        else:
            conn.execute("RELEASE run")
            return
        conn.execute("RELEASE run")  # not on another error: a full disk rolls the whole transaction back
    conn.executemany(insert, rows(_free_ids(conn, wanted)))


def _free_ids(conn: sqlite3.Connection, wanted: list[str]) -> list[str]:
    """The articles' own ids, each made unique (id-2, id-3…) when an article already stored or
    one before it in the run uses it; a look-up a _BATCH of the run, unless an id is taken."""
    stored = {found for i in range(0, len(wanted), _BATCH) for (found,) in conn.execute(
        f"SELECT id FROM articles WHERE id IN ({','.join('?' * len(wanted[i : i + _BATCH]))})", wanted[i : i + _BATCH])}
    used: set[str] = set()
    free = []
    for want in wanted:
        candidate, n = want, 1
        while candidate in used or candidate in stored or candidate != want and conn.execute(
                "SELECT 1 FROM articles WHERE id=?", (candidate,)).fetchone():
            n += 1
            candidate = f"{want}-{n}"
        used.add(candidate)
        free.append(candidate)
    return free


def _slot_table(conn: sqlite3.Connection, key: str, slots: np.ndarray, added: array,
                removed_slots: list[int]) -> np.ndarray:
    """The stored per-slot table under meta key, with the added passages' values and removed slots zeroed."""
    row = conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
    old = np.frombuffer(row[0], dtype=SLOT_DTYPE) if row else np.empty(0, SLOT_DTYPE)
    table = np.zeros(max(len(old), int(slots.max(initial=-1)) + 1), dtype=SLOT_DTYPE)
    table[: len(old)] = old
    if removed_slots:
        table[np.asarray(removed_slots)] = 0
    table[slots] = np.frombuffer(added, dtype=np.int32)
    return table


def _next_slot(conn: sqlite3.Connection, table: str) -> int:
    return conn.execute(f"SELECT coalesce(max(slot), 0) + 1 FROM {table}").fetchone()[0]


def _merge(stored: tuple[bytes, bytes] | None, added: tuple[np.ndarray, np.ndarray] | None,
           gone: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A term's postings: the stored ones without removed passages, then the new ones (slots stay ascending)."""
    slots = np.frombuffer(stored[0], dtype=SLOT_DTYPE) if stored else np.empty(0, np.int32)
    tfs = np.frombuffer(stored[1], dtype=TF_DTYPE) if stored else np.empty(0, np.uint16)
    if len(gone) and len(slots):
        keep = ~np.isin(slots, gone, assume_unique=True)
        slots, tfs = slots[keep], tfs[keep]
    if added is not None:
        slots, tfs = np.concatenate((slots, added[0])), np.concatenate((tfs, added[1]))
    return slots, tfs


_BUILDING = ".building-"  # a fresh store's own file is .<name>.building-<pid>-<random> beside its path


def _remove_abandoned_builds(path: Path) -> None:
    """Remove the files of fresh builds of path whose indexer is gone (killed before it put its store in place)."""
    for found in path.parent.glob(f".{glob.escape(path.name)}{_BUILDING}*"):
        pid = found.name[len(path.name) + 1 + len(_BUILDING):].split("-")[0]
        if pid.isdigit() and not _alive(int(pid)):
            found.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's
        return True
    return True


def _put_in_place(built: Path, path: Path) -> bool:
    """Give the committed store built the name path, unless a store appeared there meanwhile (False).
    A hard link, which fails rather than replace what is there; then the folder is synced, so that
    the name survives a crash."""
    try:
        os.link(built, path)
    except FileExistsError:
        return False
    except OSError:  # a file system without hard links
        if path.exists():
            return False
        os.replace(built, path)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
    return True


def _is_under(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def index_paths(store: Path, paths: Iterable[Path | str], *, rebuild: bool = False, chunk_size: ChunkSize = ChunkSize(),
                progress: bool | None = None, workers: int | None = None) -> IndexSummary:
    """Index files and folders into the store at path (created when missing); workers: processes
    that analyse a big file's articles (default one per core; 1 analyses in this process)."""
    return Indexer(Path(store), chunk_size, progress, workers).run([Path(p) for p in paths], rebuild=rebuild)

