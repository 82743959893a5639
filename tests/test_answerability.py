"""The answerability model: the shipped weights load, the rules decline, and more evidence never lowers the odds."""

from __future__ import annotations

from dataclasses import replace

from citebot.bot.answerability import NAMES, WEIGHTS, Features, Model, model, ruled_out

STRONG = Features(coverage=1.0, names=1.0, missing_names=0.0, verbs=1.0, kind_asked=1.0, kind_new=1.0,
                  margin=0.5, unknown=0.0, bm25_ratio=1.0, words_matched=1.0, lone_word=0.0, kind_missing=0.0,
                  asked_missing=0.0, predicate=1.0, passage_coverage=1.0, telling=1.0, coverage_squared=1.0,
                  names_only=0.0, event_missing=0.0)


def test_the_shipped_weights_name_every_feature_and_round_trip() -> None:
    text = WEIGHTS.read_text(encoding="utf-8")
    named = {line.split()[0] for line in text.splitlines() if line.strip() and not line.startswith("#")}
    assert named == {"bias", *NAMES}
    shipped = model()
    assert Model.loads(shipped.dumps("header")) == shipped


def test_a_question_fully_covered_is_answered_and_one_about_unknown_things_is_not() -> None:
    assert model().probability(STRONG) > 0.9
    unknown = replace(STRONG, coverage=0.3, coverage_squared=0.09, passage_coverage=0.3, unknown=0.7,
                      words_matched=0.3, bm25_ratio=0.3, margin=0.0, telling=0.0)
    assert model().probability(unknown) < 0.1


def test_the_rules_decline_whatever_the_weights() -> None:
    for rule in ("missing_names", "lone_word", "asked_missing", "event_missing"):
        declined = replace(STRONG, **{rule: 1.0})
        assert ruled_out(declined) and model().probability(declined) == 0.0
    assert not ruled_out(STRONG)


def test_unknown_words_lower_the_odds() -> None:
    odds = [model().probability(replace(STRONG, unknown=u)) for u in (0.0, 0.2, 0.4)]
    assert odds == sorted(odds, reverse=True) and odds[0] > odds[-1]
