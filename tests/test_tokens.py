"""The compiled token table (index/_tokens.c) against str.split() and a dict of each token's numbers."""

from __future__ import annotations

from array import array

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from citebot.index._tokens import Table
from citebot.index.analysis import token_terms
from citebot.index.worker import TermNumbers

# Letters of every string kind CPython has (Latin-1, the BMP, beyond it), and white space of each kind
# str.split() splits at (the ASCII ones, NEL, no-break space, the em space, the line separator, the
# ideographic space), so that one token stands in strings of different kinds.
_CHARACTERS = st.sampled_from(list("ab-.,'é") + ["Ā", "Ж", "і", "\u00a0", "\u0085", "\u2003", "\u2028", "\u3000",
                                                 " ", "\t", "\n", "\x1c", "𝔸", "😀"])
_PIECES = st.lists(st.text(_CHARACTERS, max_size=40), max_size=12)


class Reference:
    """What the table replaced: a dict of each token's numbers, found by missing() on first use."""

    def __init__(self) -> None:
        self.numbers: dict[str, bytes] = {}
        self.asked: list[str] = []

    def missing(self, token: str) -> bytes:
        self.asked.append(token)
        return array("i", [-1, *(ord(c) for c in token[: len(token) % 4])]).tobytes()  # 1 to 4 numbers

    def of(self, pieces: list[str]) -> bytes:
        for token in (token for piece in pieces for token in piece.split()):
            if token not in self.numbers:
                self.numbers[token] = self.missing(token)
        return b"".join(self.numbers[token] for piece in pieces for token in piece.split())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(runs=st.lists(_PIECES, min_size=1, max_size=4), limit=st.sampled_from([1, 3, 1 << 19]))
def test_numbers_are_the_tokens_numbers_in_order(runs: list[list[str]], limit: int) -> None:
    table, reference, asked = Table(limit), Reference(), Reference()
    for pieces in runs:
        assert table.numbers(pieces, asked.missing) == reference.of(pieces)
        assert len(table) <= limit
    if limit > 1000:  # nothing forgotten: each token asked for once, in order of first use
        assert asked.asked == reference.asked == list(dict.fromkeys(
            token for pieces in runs for piece in pieces for token in piece.split()))


def test_a_table_grows_and_starts_again_past_its_limit() -> None:
    tokens = [f"w{n}" for n in range(5000)]
    reference = Reference()
    table = Table(3000)
    first = table.numbers([" ".join(tokens)], reference.missing)
    assert first == b"".join(reference.missing(token) for token in tokens)
    assert len(table) == 5000 - 3000  # started again at the 3001st token
    again = Reference()
    assert table.numbers([" ".join(tokens[-10:])], again.missing) == b"".join(map(Reference().missing, tokens[-10:]))
    assert again.asked == []  # the last ten were held
    table.clear()
    assert len(table) == 0


def test_term_numbers_number_terms_on_first_use() -> None:
    numbering = TermNumbers()
    numbers = numbering.numbers(["U.S.-backed forces said", "said Kherson"]).tolist()
    expected = []
    for token in ["U.S.-backed", "forces", "said", "said", "Kherson"]:
        expected += [-1] + [numbering.terms.index(term) for term in token_terms(token)]
    assert numbers == expected
    assert numbering.terms == list(dict.fromkeys(t for w in ["U.S.-backed", "forces", "said", "Kherson"]
                                                 for t in token_terms(w)))
    assert isinstance(numbering.numbers([]), np.ndarray) and len(numbering.numbers(["", "  "])) == 0


def test_bad_arguments_are_refused() -> None:
    table = Table(10)
    with pytest.raises(ValueError):
        Table(0)
    with pytest.raises(TypeError):
        table.numbers(["a", 1], Reference().missing)
    with pytest.raises(TypeError):
        table.numbers(["b"], "not callable")
    with pytest.raises(TypeError):
        table.numbers(["c"], lambda token: "not bytes")
    with pytest.raises(TypeError):
        table.numbers(["d"], lambda token: b"abc")  # not whole int32s
    with pytest.raises(KeyError):
        table.numbers(["e"], lambda token: {}[token])
    with pytest.raises(RuntimeError):  # missing() may not use the table it numbers for
        table.numbers(["f"], lambda token: table.numbers(["g"], Reference().missing))
    assert len(table) == 1  # "a", numbered before the piece that was no str; nothing of the failed tokens
    assert table.numbers(["a c c"], Reference().missing) == array("i", [-1, 97, -1, 99, -1, 99]).tobytes()
