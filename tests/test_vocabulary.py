"""Close spellings from the in-memory vocabulary: typos of unknown words, other spellings of names."""

import random

from citebot.index.analysis import skeleton
from citebot.index.vocabulary import Vocabulary


def _vocabulary(words: list[str]) -> Vocabulary:
    return Vocabulary((word, n, 1, skeleton(word)) for n, word in enumerate(words))


def test_typo_candidates_are_exactly_the_words_of_the_same_initial_and_near_length() -> None:
    rng = random.Random(5)
    words = sorted({"".join(rng.choice("abk") + rng.choice("aeiouxyz") * rng.randint(0, 12)) for _ in range(400)})
    vocabulary = _vocabulary(words)
    for term in ["a", "ab", "axxxxxxx", "kzzzzzzzzzzzzzzzzzzzz", "q", "bee"]:
        for edits in (1, 2):
            expected = {w for w in words if w[0] == term[0] and abs(len(w) - len(term)) <= edits}
            assert set(vocabulary._near_length(term, edits)) == expected, (term, edits)


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
