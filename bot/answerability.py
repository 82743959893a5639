"""Whether the best candidate answers the question: a logistic model over a few features.

The weights are learned from public data (SQuAD v1.1 dev, split by article:
questions about articles withheld from the index are the ones that must go
unanswered) by `python benchmarks/train_answerability.py`, and kept beside
this module in answerability.txt so that a change of them shows in review.
Written here rather than taken from scikit-learn: applying it is a dot
product, and the library would be the heaviest import of a command that
answers in milliseconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path

WEIGHTS = Path(__file__).with_name("answerability.txt")


@dataclass(frozen=True)
class Features:
    """What the model sees of a question and its best candidate excerpt (each about 0..1)."""

    coverage: float  # idf-weighted share of the question the excerpt holds
    names: float  # share of the question's names (that the index knows) in the excerpt
    missing_names: float  # 1 when a name in the question is nowhere in the articles
    verbs: float  # share of the question's content verbs in the excerpt
    kind_asked: float  # 1 when the question asks for a kind of thing (a person, a number...)
    kind_new: float  # 1 when the excerpt holds one the question does not already name
    margin: float  # the excerpt's lead over the best other article's, as a share of its rank
    unknown: float  # share of the question's worth in words the index has never seen
    bm25_ratio: float  # top passage's BM25 score over what a passage holding every query word would get
    words_matched: float  # share of the question's words in the excerpt
    lone_word: float  # 1 when the excerpt matches a single word of a question that has several
    kind_missing: float  # 1 when the question asks for a person, place, number or date and the excerpt has none new
    asked_missing: float  # 1 when the question asks for a number, a date or who holds a role and the excerpt has none new
    predicate: float  # share of the question's words other than its names in the excerpt
    passage_coverage: float  # share of the question the excerpt's whole passage holds
    telling: float  # share of the question's two most telling (rarest) words in the excerpt
    coverage_squared: float  # coverage matters more as it nears the whole question
    names_only: float  # 1 when the excerpt holds the question's names and none of its other words
    event_missing: float  # 1 when the question asks about a birth, death, founding… the excerpt never speaks of

    def vector(self) -> tuple[float, ...]:
        return tuple(getattr(self, name) for name in NAMES)


NAMES = tuple(f.name for f in fields(Features))


def ruled_out(features: Features) -> bool:
    """Declined whatever the model would say: a name that is nowhere in the articles; a single
    matched word of a question that has several (one known word among unknown ones is a
    coincidence); an excerpt without the number or date asked for ("How old is X?" answered
    by a sentence about X that gives no age), or not telling of the event asked about ("Where
    was X born?" answered by a sentence about X that never speaks of a birth). Names and places are not held to this: the
    answer to "who" is as often "the mayor" or "his deputy" as a name."""
    return bool(features.missing_names or features.lone_word or features.asked_missing or features.event_missing)


@dataclass(frozen=True)
class Model:
    """Logistic regression: P(answers) = sigmoid(bias + weights · features)."""

    bias: float
    weights: tuple[float, ...]

    def probability(self, features: Features) -> float:
        """The chance that the excerpt answers; 0 where a rule says it cannot."""
        if ruled_out(features):
            return 0.0
        z = self.bias + math.fsum(w * x for w, x in zip(self.weights, features.vector()))
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))

    def dumps(self, header: str = "") -> str:
        lines = [f"# {line}" for line in header.splitlines()]
        lines += [f"bias {self.bias:.6f}"] + [f"{name} {w:.6f}" for name, w in zip(NAMES, self.weights)]
        return "\n".join(lines) + "\n"

    @classmethod
    def loads(cls, text: str) -> "Model":
        values = {}
        for line in text.splitlines():
            if line.strip() and not line.startswith("#"):
                name, value = line.split()
                values[name] = float(value)
        return cls(values.pop("bias"), tuple(values[name] for name in NAMES))


@cache
def model() -> Model:
    """The shipped model, read once."""
    return Model.loads(WEIGHTS.read_text(encoding="utf-8"))
