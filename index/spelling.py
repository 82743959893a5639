"""Close vocabulary words for a query word the index has never seen.

Names in this domain come in many spellings (Stremousov/Strimosov,
Zaporizhzhia/Zaporizhia, Fedorov/Fedrov). Two sources of candidates, both
index lookups rather than a scan of the vocabulary: words sharing the
transliteration skeleton, and words within a small edit distance that share
the first letter and nearly the length.
"""

from __future__ import annotations

import aiosqlite
from rapidfuzz import process
from rapidfuzz.distance import Indel, Levenshtein

from index.analysis import skeleton

# Below this similarity (0..1, by insertions and deletions) a word is
# a different word, not another spelling of the same one.
MIN_SIMILARITY = 0.7
KNOWN_MIN_SIMILARITY = 0.75
KNOWN_MIN_LENGTH = 6
MAX_SUGGESTIONS = 3
_MAX_CANDIDATES = 20_000


def _max_edits(term: str) -> int:
    return 0 if len(term) < 4 else 1 if len(term) < 7 else 2


async def suggest(conn: aiosqlite.Connection, term: str, known: bool) -> list[tuple[str, int, int, float]]:
    """Up to three (word, term id, df, similarity) close to term, best first.

    For a word the index knows, only other spellings of the same name
    (same skeleton, very similar) are offered: the articles themselves spell
    names inconsistently. For an unknown word, typos within an edit distance too.
    """
    edits = _max_edits(term)
    if not edits or not term.isalpha() or (known and len(term) < KNOWN_MIN_LENGTH):
        # Short common words have look-alikes (mayor/major, live/love); names rarely do.
        return []
    cursor = await conn.execute("SELECT term, id, df FROM terms WHERE skeleton = ? AND term != ? LIMIT ?",
                                (skeleton(term), term, _MAX_CANDIDATES))
    candidates = {row[0]: row for row in await cursor.fetchall()}
    if known:
        return _best(term, candidates, KNOWN_MIN_SIMILARITY)
    cursor = await conn.execute(
        "SELECT term, id, df FROM terms WHERE term >= ? AND term < ? AND length(term) BETWEEN ? AND ?",
        (term[0], chr(ord(term[0]) + 1), len(term) - edits, len(term) + edits))
    rows = await cursor.fetchall()
    # rapidfuzz compares in C: tens of thousands of candidates take a few milliseconds.
    for _, _, index in process.extract(term, [row[0] for row in rows], scorer=Levenshtein.distance,
                                       score_cutoff=edits, limit=MAX_SUGGESTIONS * 10):
        candidates[rows[index][0]] = rows[index]
    return _best(term, candidates, MIN_SIMILARITY)


def _best(term: str, candidates: dict[str, tuple[str, int, int]], threshold: float) -> list[tuple[str, int, int, float]]:
    scored = []
    for word, term_id, df in candidates.values():
        similarity = Indel.normalized_similarity(term, word)
        if similarity >= threshold:
            scored.append((word, term_id, df, similarity))
    scored.sort(key=lambda s: (-s[3], -s[2], s[0]))
    return scored[:MAX_SUGGESTIONS]
