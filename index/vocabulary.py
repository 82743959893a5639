"""The index's vocabulary in memory: term ids and document frequencies, and close spellings.

Held in memory (reloaded when an indexer commits) so that planning a query
costs no database round trip. Names in this domain come in many spellings
(Stremousov/Strimosov, Zaporizhzhia/Zaporizhia, Fedorov/Fedrov): words
sharing a transliteration skeleton are found through a dict, and typos of an
unknown word by edit distance among words with the same first letter.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from rapidfuzz import process
from rapidfuzz.distance import Indel, Levenshtein

# Below this similarity (0..1, by insertions and deletions) a word is a
# different word, not another spelling of the same one.
MIN_SIMILARITY = 0.7
KNOWN_MIN_SIMILARITY = 0.75
# Short common words have look-alikes (mayor/major, live/love); names rarely do.
KNOWN_MIN_LENGTH = 6
MAX_SUGGESTIONS = 3
_MEMO_SIZE = 100_000


def _max_edits(term: str) -> int:
    return 0 if len(term) < 4 else 1 if len(term) < 7 else 2


class Vocabulary:
    """term → (id, df), plus the lookups for other spellings."""

    def __init__(self, rows: Iterable[tuple[str, int, int, str]]) -> None:
        self.terms: dict[str, tuple[int, int]] = {}
        self.skeletons: dict[str, list[str]] = defaultdict(list)
        for term, term_id, df, key in rows:
            self.terms[term] = (term_id, df)
            self.skeletons[key].append(term)
        self._by_initial: dict[str, list[str]] | None = None
        self._suggested: dict[str, list[tuple[str, float]]] = {}  # questions repeat their words

    def __len__(self) -> int:
        return len(self.terms)

    def get(self, term: str) -> tuple[int, int] | None:
        return self.terms.get(term)

    def suggest(self, term: str, skeleton: str) -> list[tuple[str, float]]:
        """Up to three (word, similarity) spelt close to term, best first.

        For a word the index knows, only other spellings of the same name
        (same skeleton, very similar) are offered: the articles themselves
        spell names inconsistently. For an unknown word, typos within a small
        edit distance too.
        """
        if term not in self._suggested:
            if len(self._suggested) >= _MEMO_SIZE:
                self._suggested.clear()
            self._suggested[term] = self._suggest(term, skeleton)
        return self._suggested[term]

    def _suggest(self, term: str, skeleton: str) -> list[tuple[str, float]]:
        known = term in self.terms
        edits = _max_edits(term)
        if not edits or not term.isalpha() or (known and len(term) < KNOWN_MIN_LENGTH):
            return []
        candidates = {word for word in self.skeletons.get(skeleton, ()) if word != term}
        if not known:
            bucket = self._initials().get(term[0], [])
            # rapidfuzz compares in C: tens of thousands of candidates take a few milliseconds.
            candidates.update(match for match, _, _ in process.extract(
                term, bucket, scorer=Levenshtein.distance, score_cutoff=edits, limit=MAX_SUGGESTIONS * 10))
        threshold = KNOWN_MIN_SIMILARITY if known else MIN_SIMILARITY
        scored = [(word, Indel.normalized_similarity(term, word)) for word in candidates]
        scored = [(word, similarity) for word, similarity in scored if similarity >= threshold]
        scored.sort(key=lambda s: (-s[1], -self.terms[s[0]][1], s[0]))
        return scored[:MAX_SUGGESTIONS]

    def _initials(self) -> dict[str, list[str]]:
        """Words by first letter, built on the first unknown word (most questions have none)."""
        if self._by_initial is None:
            self._by_initial = defaultdict(list)
            for word in self.terms:
                self._by_initial[word[0]].append(word)
        return self._by_initial
