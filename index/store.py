"""The SQLite store: schema, version checks and clear errors about the file.

One file holds articles, passages, the vocabulary with document frequencies,
postings (one row per term: packed passage slots and term frequencies, and the
pairs that bound the term's impact), each
article's sentences (spans, analysed terms as term ids, boilerplate flags) and its title's analysed terms,
collection statistics and the schema version. WAL mode lets the bot read
while an indexer writes; every update is one transaction.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

# 2: irregular verb forms analysed to their base form; 3: the article of every passage slot;
# 4: every article's sentences, with their terms and boilerplate flags; 5: officer, university and
# organ analysed apart from office, universe and organisation; 6: each term's postings carry their staircase
# (the pairs that bound its impact, for exact dynamic pruning), and meta is a rowid table; 7: British
# spellings analysed as American ones (defence → defense); 8: dotted abbreviations as one word ("U.N." → un),
# "US" and "U.S." as usa, Cyrillic look-alike letters inside a Latin word as Latin ones; 9: every article's
# title's analysed terms stored with it
SCHEMA_VERSION = 9

SCHEMA = """
-- A rowid table, so looking a key up reads only its small index: in a WITHOUT ROWID table a lookup
-- reads whole any row it passes whose value overflows (the per-slot blobs: 4 MB each at 1M passages),
-- and every search reads the generation.
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,
    hash TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS articles (
    slot INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    path TEXT NOT NULL,
    title TEXT NOT NULL,
    title_terms TEXT NOT NULL,
    url TEXT, date TEXT, source TEXT, author TEXT,
    text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_path ON articles(path);
CREATE TABLE IF NOT EXISTS passages (
    slot INTEGER PRIMARY KEY,
    article INTEGER NOT NULL REFERENCES articles(slot),
    ordinal INTEGER NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    length INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS passages_article ON passages(article, ordinal);
CREATE TABLE IF NOT EXISTS terms (
    id INTEGER PRIMARY KEY,
    term TEXT NOT NULL UNIQUE,
    skeleton TEXT NOT NULL,
    df INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS terms_skeleton ON terms(skeleton);
CREATE TABLE IF NOT EXISTS postings (
    term INTEGER PRIMARY KEY REFERENCES terms(id),
    staircase BLOB NOT NULL,
    slots BLOB NOT NULL,
    tfs BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS sentences (
    article INTEGER PRIMARY KEY REFERENCES articles(slot),
    chars INTEGER NOT NULL,
    spans BLOB NOT NULL,
    bounds BLOB NOT NULL,
    terms BLOB NOT NULL,
    flags BLOB NOT NULL
);
"""

# Postings are stored as little-endian int32 slots and uint16 counts, with the term's staircase: int32
# (tf, passage length) pairs that no posting beats on both counts (bm25.staircase), which give its
# largest impact for any BM25 parameters without reading the postings. It comes first in the row, so
# it is read without the row's overflow pages.
SLOT_DTYPE = "<i4"
TF_DTYPE = "<u2"
STAIRCASE_DTYPE = "<i4"
# An article's sentences, one row: its length in characters; spans, int32 (start, end) pairs of
# character offsets into its text, one per sentence unit of passages.layout (the units its passages
# are made of), in order; terms, the int32 ids (terms.id) of each sentence's distinct analysed terms
# in order of first use, sentence i's being terms[bounds[i]:bounds[i + 1]] (bounds: int32, one more
# than the sentences); flags, a uint8 per sentence (SENTENCE_BOILERPLATE). An article's title_terms are its
# title's distinct analysed terms in order of first use, a space between two (no term holds white space, as
# no word spans it): an answer counts a story's title's words with its lead without analysing the title.
SPAN_DTYPE = "<i4"
TERM_DTYPE = "<i4"
FLAG_DTYPE = "u1"
SENTENCE_BOILERPLATE = 1


class StoreError(Exception):
    """The index file is missing, unreadable or not ours; the message says what to do."""

    def __init__(self, path: Path | str, problem: str, remedy: str = "") -> None:
        self.path = Path(path)
        self.problem = problem
        self.remedy = remedy
        super().__init__(f"{problem}: {self.path}" + (f". {remedy}" if remedy else ""))


def passage_id(article_id: str, ordinal: int) -> str:
    """The citation id of a passage: its article's id and its ordinal."""
    return f"{article_id}:{ordinal}"


def split_passage_id(text: str) -> tuple[str, int] | None:
    """Article id and ordinal of a passage id, or None when text is not one."""
    article, sep, ordinal = text.rpartition(":")
    # ASCII digits only (isdigit() also takes "²", which int() refuses), and few enough that the ordinal
    # fits SQLite's integers (a longer one raised OverflowError); no article has a billion passages.
    if not sep or not article or not (ordinal.isascii() and ordinal.isdigit()) or len(ordinal) > 9:
        return None
    return article, int(ordinal)


class SchemaMismatch(StoreError):
    """The file is a citebot index written by another schema version; it must be rebuilt."""

    def __init__(self, path: Path | str, version: int, files: list[str]) -> None:
        super().__init__(path, f"index schema version {version} is not {SCHEMA_VERSION}",
                         "Rebuild it with `citebot index --rebuild`")
        self.version = version
        self.files = files  # what it had indexed, so a rebuild can index the same again


def connect(path: Path, *, create: bool, fresh: bool = False) -> sqlite3.Connection:
    """Open (and with create, initialise) the index for writing. fresh: a new file that one indexer
    builds alone before anyone reads it (Indexer.run), written through SQLite's rollback journal, not
    its WAL, with a sync at the commit; the indexer switches it to WAL when it is done."""
    path = Path(path)
    if create:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(path, f"cannot create the index folder ({error.strerror})",
                             "Set INDEX_PATH to a writable place") from error
    elif not path.exists():
        raise StoreError(path, "no index yet", "Run `citebot index` first")
    if not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise StoreError(path, "the index is read-only here, so it cannot be updated",
                         "Index into a writable INDEX_PATH (a read-only copy can still answer questions)")
    try:
        conn = sqlite3.connect(path, isolation_level=None, timeout=30)
        conn.execute(f"PRAGMA journal_mode={'DELETE' if fresh else 'WAL'}")
        conn.execute(f"PRAGMA synchronous={'FULL' if fresh else 'NORMAL'}")
        conn.execute("PRAGMA foreign_keys=OFF")
        check_version(conn, path, create=create)
    except sqlite3.DatabaseError as error:
        raise describe(error, path) from error
    return conn


def read_uri(path: Path) -> str:
    """URI to open the index for reading; immutable when its folder is read-only.

    SQLite in WAL mode needs to create a -shm file beside the index even to
    read; a replica serving a read-only copy cannot, and the copy never
    changes under it, so it is opened as immutable.
    """
    path = Path(path).resolve()
    writable = os.access(path.parent, os.W_OK) and os.access(path, os.W_OK)
    return f"file:{path}?{'mode=ro' if writable else 'immutable=1'}"


def verify(path: Path) -> None:
    """Raise StoreError (or SchemaMismatch) unless path is a current citebot index."""
    path = Path(path)
    if not path.is_file():
        raise StoreError(path, "no index yet", "Run `citebot index` first")
    try:
        conn = sqlite3.connect(read_uri(path), uri=True)
        try:
            check_version(conn, path, create=False)
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        raise describe(error, path) from error


def check_version(conn: sqlite3.Connection, path: Path, *, create: bool) -> None:
    """Create the schema in an empty file, or refuse a file of another version."""
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if not tables and create:
        conn.executescript(SCHEMA)
        conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
        return
    if "meta" not in tables:
        raise StoreError(path, "this file is not a citebot index",
                         "Point INDEX_PATH at another file or remove this one")
    row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    version = int(row[0]) if row else 0
    if version != SCHEMA_VERSION:
        files = [p for (p,) in conn.execute("SELECT path FROM files")] if "files" in tables else []
        raise SchemaMismatch(path, version, files)


def reset(path: Path) -> None:
    """Drop every table of an index of another schema version and create the current schema.

    Done in one transaction: if it fails, the old index is still there.
    """
    conn = sqlite3.connect(path, isolation_level=None, timeout=30)
    try:
        conn.execute("BEGIN IMMEDIATE")
        names = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
        for name in names:
            conn.execute(f'DROP TABLE "{name}"')
        for statement in SCHEMA.split(";"):
            if statement.strip():
                conn.execute(statement)
        conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
        conn.execute("COMMIT")
    except sqlite3.Error as error:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise describe(error, path) from error
    finally:
        conn.close()


def describe(error: sqlite3.Error, path: Path) -> StoreError:
    """Turn an SQLite error about the file into a message a person can act on."""
    text = str(error).lower()
    if "not a database" in text or "malformed" in text or "file is encrypted" in text:
        return StoreError(path, "the index file is corrupt or not an SQLite database",
                          "Remove it and run `citebot index` to rebuild")
    if "readonly" in text or "read-only" in text:
        return StoreError(path, "the index file is read-only", "Make it writable or set INDEX_PATH elsewhere")
    if "disk is full" in text or "disk i/o error" in text or "too large" in text:
        return StoreError(path, "could not write the index (disk full or I/O error); nothing was changed",
                          "Free some space and index again")
    if "unable to open" in text:
        return StoreError(path, "cannot open the index file", "Check that the file and its folder exist and are "
                          "readable, and that the folder is writable (SQLite keeps its journal beside the file)")
    return StoreError(path, f"index error ({error})")
