"""Indexing's run-at-once paths agree with the text-at-a-time reference they replace.

passages.layouts (compiled, index/_layout.c) must lay out every text as passages.layout does, and
worker.analyse, which looks a run's words up in one pass, must give each unit the terms of its own
words and its boilerplate flag, and each title its own terms; passages.boilerplate_units, which asks
is_boilerplate only about the units the compiled test cannot clear, must flag the units it flags.
Checked on the bundled articles,
the SciFact sample and fuzzed texts full of what the sentence splitter decides on: odd white space,
stops, quotes, brackets, abbreviations, initials, Cyrillic capitals and very long sentences.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from citebot.bot.config import BUNDLED_ARTICLES
from citebot.index import _layout
from citebot.index.analysis import analyze
from citebot.index.articles import Article, discover_files, read_articles, title_opens_text
from citebot.index.passages import (_ABBREVIATIONS, _KEYWORDS, _SECOND_WORDS, _STAMP_WORDS, _is_abbreviation,
                                   boilerplate_units, is_boilerplate, layout, layouts)
from citebot.index.store import SENTENCE_BOILERPLATE
from citebot.index.worker import TermNumbers, analyse

from tests.conftest import DATA
from tests.test_sentences import BOILERPLATE, NOT_BOILERPLATE

# Pieces texts are fuzzed from: each matters to where a sentence ends or how words are told apart.
_PIECES = [
    "word", "Smith", "Army", "said", "the", "A", "b", "7", "2022", "Москва", "Ёлка", "Ґанок", "Їжак", "Є", "І",
    ".", "!", "?", "…", "..", "?!", "\"", "'", "“", "”", "‘", "’", "(", ")", "[", "]", ",", "-", "/", "©", "»", "«",
    " ", " ", " ", "  ", "\n", "\n\n", " \n \n ", "\t", "\r\n", "\x0b", "\x0c", "\u00a0", "\u2009", "\u3000",
    "\u2028", "\x1c", "\x1d", "\x1e", "\x1f", "\x85",
    "Dr.", "dr.", "U.S.", "u.k.", "e.g.", "approx.", "(Dr.", "\"Mr.", "“Gen.", "É.", "é.", "Ж.", "İ.", "\u212a.",
    "Sept.", "No.", "J.", "x.",
    "By John Smith", "contributed to this report", "Reporting by Jane Doe; Editing by John Roe", "AFP/Getty Images",
    "All rights reserved", "Photo: AP", "Read more:", "helped", "provided",
]
_TEXTS = st.lists(st.sampled_from(_PIECES), max_size=120).map("".join)
# (target, maximum) passage sizes: the product's, and small ones that cut sentences and overlap often.
_SIZES = [(100, 130), (5, 8), (3, 3), (1, 1), (8, 5)]

ODD_TEXTS = [
    "", " ", "   \n\n  ", "\u3000\u00a0\x85", "word", ".", "A. B. C.", "Dr. Smith met U.S. Army officers. He left.",
    "He said “Go.” Then he went. (She stayed.) [Done.] ‘Yes.’ Ok…  Next", "Hi.. x. Y?! “Z” no",
    "First paragraph.\n\nSecond one\n \n\nThird", "\n\n\nLeading breaks. And\ttabs.\x0bVertical. \x1cEnd.",
    "Привет. Мир! Ёлка? Ґанок. Їжак. Єва. Іра.", "é. É. İ. \u212a. Ж. ж. x. X.",
    " ".join(["long"] * 400) + ". Short one.", ("word " * 131).strip(), ("word " * 130).strip() + ".",
    "By John Smith . Daniel Miller . PUBLISHED: . 12:30 EST, 1 June 2020 . Story here.",
]


def corpus_texts() -> list[str]:
    """The bundled articles and the SciFact sample's texts, as indexing reads them and raw."""
    sample = DATA / "scifact_corpus_sample.jsonl"
    texts = [article.text for path in discover_files([BUNDLED_ARTICLES, sample]) for article in read_articles(path)]
    with sample.open(encoding="utf-8") as lines:
        texts += [json.loads(line)["text"] for line in lines if line.strip()]
    return texts


def assert_same_layouts(texts: list[str], target: int, maximum: int) -> None:
    compiled, reference = layouts(texts, target, maximum), layouts(texts, target, maximum, compiled=False)
    for field in reference.__slots__:
        assert np.array_equal(getattr(compiled, field), getattr(reference, field)), field


@pytest.mark.parametrize("target, maximum", _SIZES)
def test_compiled_layouts_agree_with_the_reference_on_articles_and_odd_texts(target: int, maximum: int) -> None:
    texts = corpus_texts() + ODD_TEXTS
    assert_same_layouts(texts, target, maximum)
    # A run's units and passages are its texts' in a row.
    assert sum(len(layout(text, target, maximum)[0]) for text in texts) == len(layouts(texts, target, maximum).words)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(_TEXTS, min_size=1, max_size=4), size=st.sampled_from(_SIZES))
def test_compiled_layouts_agree_with_the_reference_on_fuzzed_texts(texts: list[str], size: tuple[int, int]) -> None:
    assert_same_layouts(texts, *size)


def test_the_compiled_layout_refuses_what_the_reference_cannot_lay_out() -> None:
    with pytest.raises(TypeError):
        layouts(["a text", b"bytes"])  # type: ignore[list-item]
    with pytest.raises(ValueError):
        layouts(["A text. Another."], 0, 130)
    with pytest.raises(TypeError):
        _layout.layout(["A text."], 100, 130, list(_ABBREVIATIONS), _is_abbreviation)
    with pytest.raises(TypeError):
        _layout.layout(["A text."], 100, 130, _ABBREVIATIONS)


def test_a_non_ascii_word_before_a_period_is_judged_by_the_reference() -> None:
    # É. is an initial (one letter), which the capital after it cannot end a sentence at; İ. lower-cases
    # to two characters, so it is none.
    assert [tuple(pair) for pair in layouts(["Met É. Smith. İ. Then X."]).spans.reshape(-1, 2).tolist()] \
        == [(0, 16), (17, 24)] == [tuple(span) for span in layout("Met É. Smith. İ. Then X.")[0]]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(_TEXTS, min_size=1, max_size=5), titles=st.lists(_TEXTS, min_size=5, max_size=5))
def test_analysed_units_and_titles_hold_their_own_words_terms(texts: list[str], titles: list[str]) -> None:
    articles = [Article(f"a{i}", title, text) for i, (text, title) in enumerate(zip(texts, titles))]
    numbering = TermNumbers()
    analysed = analyse(articles, 5, 8, numbering)
    run_terms = [numbering.terms[number] for number in analysed.terms.tolist()]
    sentence_terms = analysed.sentence_terms.tolist()
    passage = 0
    for article, spans, bounds, flags, title_terms in zip(articles, analysed.spans, analysed.bounds, analysed.flags,
                                                          analysed.title_terms):
        assert title_terms.split() == list(dict.fromkeys(analyze(article.title)))
        units, _, groups = layout(article.text, 5, 8)
        assert np.frombuffer(spans, np.int32).reshape(-1, 2).tolist() == [list(unit) for unit in units]
        starts = np.frombuffer(bounds, np.int32).tolist()
        own = sentence_terms[:starts[-1]]
        del sentence_terms[:starts[-1]]
        for (start, end), first, last in zip(units, starts, starts[1:]):
            assert [run_terms[i] for i in own[first:last]] == list(dict.fromkeys(analyze(article.text[start:end])))
        assert list(flags) == [SENTENCE_BOILERPLATE if is_boilerplate(article.text[start:end]) else 0
                               for start, end in units]
        for ordinal, (first, last) in enumerate(groups):
            words = analyze(" ".join(article.text[start:end] for start, end in units[first:last + 1]))
            if ordinal == 0 and not title_opens_text(article.title, article.text):
                words += analyze(article.title)
            assert analysed.layout[passage].tolist() == [units[first][0], units[last][1], len(words)]
            passage += 1
    assert not sentence_terms and passage == len(analysed.layout)


# Pieces of page furniture and of prose that opens or ends like it, and the characters whose case
# mapping or word class is Unicode's: what the compiled boilerplate test must leave to is_boilerplate.
_FURNITURE = BOILERPLATE + NOT_BOILERPLATE + [
    "We", "we’re", "The opinions", "THIS ARTICLE", "This", "a version", "For the", "All about", "Updated", "JANUARY",
    "12:30 GMT", "By", "Editor’s", "editors'", "Photo", "CONTRIBUTED", "Rights Reserved", "helped", "Provided",
    "assisted", "contributing", "/", "AFP", "Getty Images", "»", "«", " .", ":", "—", "–", "-", ")", "(CNN)",
    "İ", "\u212a", "\u0130nc", "é", "Ж", "’", "'", "\u00a0", " ", " ", ". ", "\n\n", "7", "_", "x" * 70, "word " * 30,
]
_FURNITURE_TEXTS = st.lists(st.sampled_from(_FURNITURE), max_size=40).map("".join)


def assert_same_boilerplate(texts: list[str]) -> np.ndarray:
    """The compiled path flags what the reference flags; returns the compiled test's candidates."""
    laid = layouts(texts)
    assert np.array_equal(boilerplate_units(texts, laid), boilerplate_units(texts, laid, compiled=False))
    return np.frombuffer(_layout.boilerplate_candidates(texts, laid.spans, laid.units, _KEYWORDS, _SECOND_WORDS,
                                                        _STAMP_WORDS), np.uint8)


def test_boilerplate_is_flagged_alike_on_articles_and_known_lines() -> None:
    candidates = assert_same_boilerplate(corpus_texts() + ODD_TEXTS)
    assert 0 < candidates.sum() < len(candidates) / 2  # most prose is cleared without asking
    lines = assert_same_boilerplate(BOILERPLATE)
    assert lines.all()  # every known line of furniture is asked about
    assert_same_boilerplate(NOT_BOILERPLATE + ["\n\n".join(BOILERPLATE + NOT_BOILERPLATE)])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(_FURNITURE_TEXTS, min_size=1, max_size=4))
def test_boilerplate_is_flagged_alike_on_fuzzed_texts(texts: list[str]) -> None:
    assert_same_boilerplate(texts)


def test_the_compiled_boilerplate_test_refuses_bad_arguments() -> None:
    laid = layouts(["A text. Another."])
    for args in ((["A text. Another."], laid.spans, laid.units, list(_KEYWORDS), _SECOND_WORDS, _STAMP_WORDS),
                 (["A text.", "More."], laid.spans, laid.units, _KEYWORDS, _SECOND_WORDS, _STAMP_WORDS),
                 (["A text"], laid.spans, laid.units, _KEYWORDS, _SECOND_WORDS, _STAMP_WORDS),
                 (["A text. Another."], laid.spans.astype(np.int64), laid.units, _KEYWORDS, _SECOND_WORDS,
                  _STAMP_WORDS),
                 ([b"bytes"], laid.spans, laid.units, _KEYWORDS, _SECOND_WORDS, _STAMP_WORDS)):
        with pytest.raises((TypeError, ValueError)):
            _layout.boilerplate_candidates(*args)
