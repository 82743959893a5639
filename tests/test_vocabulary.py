"""Close spellings from the in-memory vocabulary: typos of unknown words, other spellings of names."""

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citebot.index import _spelling
from citebot.index.analysis import skeleton
from citebot.index.vocabulary import Vocabulary


def _vocabulary(words: list[str]) -> Vocabulary:
    return Vocabulary((word, n, 1, skeleton(word)) for n, word in enumerate(words))


def _edit_distance(a: str, b: str) -> int:
    """Levenshtein distance, the textbook way (the test's own, not rapidfuzz's)."""
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (x != y))
    return row[-1]


def test_typo_candidates_are_the_words_of_the_same_initial_within_the_edits() -> None:
    rng = random.Random(5)
    words = sorted({"".join(rng.choice("abk") + rng.choice("aeiouxyz") * rng.randint(0, 12)) for _ in range(400)}
                   | {"axyz", "azzy", "aeiu", "kabc"})
    vocabulary = _vocabulary(words)
    for term in ["a", "ab", "axxxxxxx", "kzzzzzzzzzzzzzzzzzzzz", "q", "bee", "axyy", "kaxz"]:
        for edits in (1, 2):
            expected = {w for w in words if w[0] == term[0] and _edit_distance(term, w) <= edits}
            assert set(vocabulary._near_length(term, edits)) == expected, (term, edits)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="abcé\U0001F600зї", max_size=9), max_size=40), st.text(alphabet="abcé\U0001F600зї", max_size=9),
       st.integers(0, 3))
def test_the_compiled_comparison_is_the_edit_distance(words: list[str], term: str, edits: int) -> None:
    # Any code points (accents, Cyrillic, beyond the BMP), empty words and terms, any number of edits.
    codes = np.frombuffer("".join(words).encode("utf-32-le"), np.uint32)
    ends = np.cumsum([len(word) for word in words], dtype=np.int64)
    letters = np.array([sum(1 << b for b in {ord(c) % 32 for c in word}) for word in words], np.uint32)
    found = _spelling.within(term, codes, ends, letters, 0, len(words), edits)
    assert found == [i for i, word in enumerate(words) if _edit_distance(term, word) <= edits]
    assert _spelling.within(term, codes, ends, letters, len(words), len(words), edits) == []


def test_the_compiled_comparison_refuses_arrays_it_cannot_read() -> None:
    codes, ends, letters = np.zeros(4, np.uint32), np.array([2, 4], np.int64), np.zeros(2, np.uint32)
    with pytest.raises(TypeError):
        _spelling.within("ab", codes.astype(np.int32), ends, letters, 0, 2, 1)
    with pytest.raises(TypeError):
        _spelling.within("ab", codes, ends.astype(np.int32), letters, 0, 2, 1)
    with pytest.raises(TypeError):
        _spelling.within(b"ab", codes, ends, letters, 0, 2, 1)
    with pytest.raises(IndexError):
        _spelling.within("ab", codes, ends, letters, 0, 3, 1)
    with pytest.raises(IndexError):  # ends past the code points
        _spelling.within("ab", codes, np.array([2, 9], np.int64), letters, 0, 2, 1)
    assert _spelling.within("ab", codes, ends, letters, 0, 2, 2) == [0, 1]  # two NULs each, two edits away
    assert _spelling.within("a" * 300, codes, ends, letters, 0, 2, 2) == []  # longer than any typo


def test_the_candidates_of_a_typo_are_exactly_the_words_within_the_edits() -> None:
    """The letter sets only rule out words that cannot be close: every word within the edits of a
    typo is a candidate, and no other, accented and Cyrillic letters included."""
    rng = random.Random(11)
    alphabet = "abcdefghijklmnopqrstuvwxyzéïöабвгдежзиклмнопрстуфхцчшщьюяії"
    words = sorted({rng.choice("abз") + "".join(rng.choice(alphabet) for _ in range(rng.randint(2, 10)))
                    for _ in range(3000)})
    vocabulary = _vocabulary(words)
    for _ in range(300):
        term = list(rng.choice(words))
        for _ in range(rng.randint(1, 2)):  # a typo: letters changed, dropped or added, the first kept
            at = rng.randint(1, len(term))
            change = rng.choice(("sub", "del", "ins"))
            if change == "ins" or at == len(term):
                term.insert(at, rng.choice(alphabet))
            elif change == "sub":
                term[at] = rng.choice(alphabet)
            elif len(term) > 2:
                del term[at]
        typo = "".join(term)
        for edits in (1, 2):
            close = {w for w in words if w[0] == typo[0] and abs(len(w) - len(typo)) <= edits  # else farther
                     and _edit_distance(typo, w) <= edits}
            assert close == set(vocabulary._near_length(typo, edits)), (typo, edits)


def test_unknown_word_gets_close_words_known_word_only_other_spellings() -> None:
    vocabulary = _vocabulary(["stremousov", "strimosov", "partisan", "particular", "melitopol"])
    assert [w for w, _ in vocabulary.suggest("stremusov")][:1] == ["stremousov"]
    assert "partisan" in [w for w, _ in vocabulary.suggest("partisen")]
    # A known name also brings its other spelling; a known common word brings nothing unlike it.
    assert [w for w, _ in vocabulary.suggest("stremousov")] == ["strimosov"]
    assert vocabulary.suggest("melitopol") == []
    assert vocabulary.suggest("zzzzzzzz") == []


def test_a_day_is_found_written_the_other_way() -> None:
    """"May 18" asked of an article that writes "May 18th", and the other way round."""
    vocabulary = Vocabulary([("18th", 1, 3, ""), ("29", 2, 1, ""), ("melitopol", 3, 5, "mltpl")])
    assert vocabulary.suggest("18") == [("18th", 1.0)]
    assert vocabulary.suggest("29th") == [("29", 1.0)]
    assert vocabulary.suggest("30") == [] and vocabulary.suggest("18th") == []  # none such; known as written
