"""Close spellings from the in-memory vocabulary: typos of unknown words, other spellings of names."""

import random

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


def test_typo_candidates_are_the_words_of_the_same_initial_near_length_and_alike_letters() -> None:
    rng = random.Random(5)
    words = sorted({"".join(rng.choice("abk") + rng.choice("aeiouxyz") * rng.randint(0, 12)) for _ in range(400)}
                   | {"axyz", "azzy", "aeiu", "kabc"})
    vocabulary = _vocabulary(words)

    def letters(word: str) -> set[int]:
        return {ord(c) % 32 for c in word}

    for term in ["a", "ab", "axxxxxxx", "kzzzzzzzzzzzzzzzzzzzz", "q", "bee", "axyy", "kaxz"]:
        for edits in (1, 2):
            expected = {w for w in words if w[0] == term[0] and abs(len(w) - len(term)) <= edits
                        and len(letters(w) ^ letters(term)) <= 2 * edits}
            assert set(vocabulary._near_length(term, edits)) == expected, (term, edits)


def test_no_word_within_the_edits_is_ruled_out_by_its_letters() -> None:
    """The letter sets only rule out words that cannot be close: every word within the edits of a
    typo stays a candidate, accented and Cyrillic letters included."""
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
            close = {w for w in words if w[0] == typo[0] and _edit_distance(typo, w) <= edits}
            assert close <= set(vocabulary._near_length(typo, edits)), (typo, edits)


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
