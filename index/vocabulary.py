"""The index's vocabulary in memory: term ids and document frequencies, and close spellings.

Held in memory (reloaded when an indexer commits) so that planning a query
costs no database round trip. Names in this domain come in many spellings
(Stremousov/Strimosov, Zaporizhzhia/Zaporizhia, Fedorov/Fedrov): words
sharing a transliteration skeleton are found through a dict, and typos of an
unknown word by edit distance among words with the same first letter and
about the same length.

Only where a user likely misspelt: a common English word (index.common_words)
is meant as typed, so it is never replaced by a close word when the index does
not know it ("family" is not "Famille", "code" is not "come"), and never widened
to look-alikes when it does. Names and rare words keep the forgiving matching,
and so do typos of common words ("mayr" → mayor), which are not words themselves.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from typing import Callable, Iterable

import numpy as np
from rapidfuzz.distance import Indel

from citebot.index import _spelling
from citebot.index.analysis import folded, skeleton
from citebot.index.common_words import is_common

_ORDINAL = re.compile(r"(\d+)(?:st|nd|rd|th)")

# Below this similarity (0..1, by insertions and deletions) a word is a
# different word, not another spelling of the same one.
MIN_SIMILARITY = 0.7
KNOWN_MIN_SIMILARITY = 0.75
# Short common words have look-alikes (mayor/major, live/love); names rarely do.
KNOWN_MIN_LENGTH = 6
MAX_SUGGESTIONS = 3
FOLDED_MIN = 0.8  # folded spellings this alike are one name spelt two ways (Kyrylo/Kirillo 1.0, Dmytro/Dmitry 0.83)
# A vocabulary up to this size has every letter's typo lookup made when it is
# loaded (about 0.1 s for 200,000 words); a larger one makes a letter's when an
# unknown word first needs it, so that opening a million-word index stays fast.
EAGER_TERMS = 200_000


def _similarity(term: str, word: str, term_folded: str) -> float:
    """How alike two spellings are (0..1, by insertions and deletions): as typed, or folded when
    folded they are all but the same (a name transliterated two ways is one name). Folding shortens
    words, which makes any two more alike: below FOLDED_MIN it says nothing (temujin/tamin, 0.73).
    term_folded is folded(term), made once for all the words term is compared with."""
    typed = Indel.normalized_similarity(term, word)
    plain = Indel.normalized_similarity(term_folded, folded(word))
    return max(typed, plain) if plain >= FOLDED_MIN else typed


def _max_edits(term: str) -> int:
    return 0 if len(term) < 4 else 1 if len(term) < 7 else 2


class Vocabulary:
    """term → (id, df, words sharing its skeleton), plus the lookups for other spellings.

    Built in a worker thread when the index is opened (see Searcher).
    """

    def __init__(self, rows: Iterable[tuple[str, int, int, str]],
                 common: Callable[[str], bool] = is_common) -> None:
        self.common = common  # whether an analysed term is a common English word's
        self.terms: dict[str, tuple[int, int, list[str]]] = {}
        self.skeletons: dict[str, list[str]] = defaultdict(list)
        self.initials: dict[str, list[str]] = defaultdict(list)
        for term, term_id, df, key in rows:
            spellings = self.skeletons[key]
            spellings.append(term)
            self.terms[term] = (term_id, df, spellings)
            self.initials[term[0]].append(term)
        # Per first letter, its words in order of length, where each length starts, and their letter sets.
        self.by_length: dict[str, tuple[list[str], list[int], np.ndarray]] = {}
        self.in_order: dict[str, list[str]] = {}  # per first letter, its words sorted (made when first asked)
        if len(self.terms) <= EAGER_TERMS:
            for letter in self.initials:
                self._by_length(letter)

    def __len__(self) -> int:
        return len(self.terms)

    def get(self, term: str) -> tuple[int, int, list[str]] | None:
        return self.terms.get(term)

    def suggest(self, term: str) -> list[tuple[str, float]]:
        """Up to three (word, similarity) spelt close to term, best first.

        For a word the index knows, only other spellings of the same name
        (same skeleton, very similar) are offered: the articles themselves
        spell names inconsistently. For an unknown word, typos within a small
        edit distance too. For a common English word, known or not, nothing.
        The order is total (similarity, then df, then the word), never that of
        a set or of the stored rows.
        """
        found = self.terms.get(term)
        if found is None and term[:1].isdigit():
            return self._ordinal_forms(term)
        edits = _max_edits(term)
        if not edits or not term.isalpha():
            return []
        if found is not None and not self.spelt_alike(term):
            return []  # a short known word, or one no other word shares a skeleton with
        if self.common(term):
            return []  # checked after the cheap tests: the common words are loaded on first need
        spellings = found[2] if found is not None else self.skeletons.get(skeleton(term), ())
        candidates = {word for word in spellings if word != term}
        if found is None:
            # All words within the edits, not the first few: which few would depend on the order the
            # words were stored in.
            candidates.update(self._near_length(term, edits))
        threshold = KNOWN_MIN_SIMILARITY if found is not None else MIN_SIMILARITY
        term_folded = folded(term)
        scored = [(word, _similarity(term, word, term_folded)) for word in candidates]
        scored = [(word, similarity) for word, similarity in scored if similarity >= threshold]
        scored.sort(key=lambda s: (-s[1], -self.terms[s[0]][1], s[0]))
        return scored[:MAX_SUGGESTIONS]

    def spelt_alike(self, term: str) -> bool:
        """Whether suggest may offer other spellings of term, a word the index knows: one long enough
        that shares its skeleton with another word (suggest still refuses a common English word)."""
        return len(term) >= KNOWN_MIN_LENGTH and len(self.terms[term][2]) > 1 and term.isalpha()

    def _ordinal_forms(self, term: str) -> list[tuple[str, float]]:
        """A day written the other way: "18" for "18th" and "18th" for "18" ("May 18" asked of an
        article that writes "May 18th"), when the articles use that form."""
        if term.isdigit():
            forms = [term + ending for ending in ("th", "st", "nd", "rd")]
        else:
            match = _ORDINAL.fullmatch(term)
            forms = [match.group(1)] if match else []
        return [(form, 1.0) for form in forms if form in self.terms][:1]

    def starting(self, prefix: str) -> list[str]:
        """The words that begin with prefix (not empty), in order: a bisection in its first letter's
        words sorted, made when that letter is first asked for."""
        words = self.in_order.get(prefix[0])
        if words is None:
            words = self.in_order[prefix[0]] = sorted(self.initials.get(prefix[0], ()))
        # Cut to the prefix's length, the sorted words stay in order: both ends by bisection.
        start = bisect_left(words, prefix)
        return words[start : bisect_right(words, prefix, start, key=lambda word: word[: len(prefix)])]

    def _near_length(self, term: str, edits: int) -> list[str]:
        """Words with term's first letter within `edits` edits of it (Levenshtein), compiled
        (_spelling.within): only the words within `edits` letters of its length, a slice of that
        letter's words in order of length, and of those only the ones whose letters differ from its
        in at most two bits an edit (an edit adds, removes or changes one letter, so it changes at most
        two bits of the set, see _by_length) are compared at all. Of SciFact's ~590 near-length
        words a typo is compared with, ~40 pass the letters."""
        words, starts, letters, codes, ends = self.by_length.get(term[0]) or self._by_length(term[0])
        last = len(starts) - 1
        low, high = starts[min(max(len(term) - edits, 0), last)], starts[min(len(term) + edits + 1, last)]
        return [words[i] for i in _spelling.within(term, codes, ends, letters, low, high, edits)]

    def _by_length(self, letter: str) -> tuple[list[str], list[int], np.ndarray, np.ndarray, np.ndarray]:
        """The words starting with letter in order of length, where each length starts, each word's
        letter set, and their code points one word after another with where each word ends (see
        _near_length). A letter set is 32 bits, a letter's its code point's last five: letters may
        share one, which only makes two words look more alike, so the sets never rule out a close word."""
        words = self.initials.get(letter, [])
        words.sort(key=len)
        starts = [0] * (len(words[-1]) + 2 if words else 1)
        for word in words:
            starts[len(word) + 1] += 1
        for length in range(1, len(starts)):
            starts[length] += starts[length - 1]  # starts[n] = how many words are shorter than n
        codes = np.frombuffer("".join(words).encode("utf-32-le"), np.uint32)
        ends = np.cumsum([len(word) for word in words], dtype=np.int64)
        letters = np.zeros(len(words), np.uint32)
        for length in range(1, len(starts) - 1):  # the words of one length at a time: a rectangle of code points
            if starts[length + 1] > starts[length]:
                rectangle = codes[ends[starts[length]] - length : ends[starts[length + 1] - 1]].reshape(-1, length)
                letters[starts[length]:starts[length + 1]] = np.bitwise_or.reduce(
                    np.left_shift(np.uint32(1), rectangle & np.uint32(31)), axis=1)
        self.by_length[letter] = words, starts, letters, codes, ends
        return words, starts, letters, codes, ends
