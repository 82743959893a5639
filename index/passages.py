"""Articles → passages: sentence-aware chunks with one sentence of overlap.

A sentence splitter is written here rather than taken from NLTK or spaCy:
those pull in models or large dependencies, and news text needs only the
common cases (abbreviations, initials, quotes closing after the stop).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

# A sentence ends at . ! ? or … (optionally followed by closing quotes or
# brackets), then white space, then something that can start a sentence.
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9А-ЯЁІЇЄҐ])|\n\s*\n")
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st jr sr gen col lt sgt capt maj rep sen gov pres rev "
    "no vol fig inc ltd co corp dept est approx vs etc jan feb mar apr jun jul "
    "aug sep sept oct nov dec u.s u.k e.g i.e a.m p.m".split()
)
_WORDS = re.compile(r"\S+")


@dataclass(frozen=True, slots=True)
class Span:
    """A stretch of an article's text by character offsets."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Passage:
    """One chunk of an article: its ordinal and where it stands in the text."""

    ordinal: int
    start: int
    end: int


def _is_abbreviation(text: str, stop: int) -> bool:
    """True when the period at text[stop-1] closes an abbreviation or an initial."""
    if text[stop - 1] != ".":
        return False
    word_start = max(text.rfind(" ", 0, stop - 1), text.rfind("\n", 0, stop - 1)) + 1
    word = text[word_start : stop - 1].lstrip("(\"'“‘").lower()
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def sentences(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Sentence spans of text[start:end], stripped of surrounding white space."""
    end = len(text) if end is None else end
    spans: list[Span] = []
    begin = start
    for match in _BOUNDARY.finditer(text, start, end):
        stop = match.end() if match.group().strip() else match.start()
        if match.group().startswith(".") and _is_abbreviation(text, match.start() + 1):
            continue
        _append_stripped(text, begin, stop, spans)
        begin = match.end()
    _append_stripped(text, begin, end, spans)
    return spans


def _append_stripped(text: str, start: int, end: int, spans: list[Span]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append(Span(start, end))


def _word_count(text: str, span: Span) -> int:
    return len(text[span.start : span.end].split())


def _split_long(text: str, span: Span, max_words: int) -> Iterator[Span]:
    """Cut a sentence longer than a whole chunk at word boundaries."""
    words = list(_WORDS.finditer(text, span.start, span.end))
    for i in range(0, len(words), max_words):
        piece = words[i : i + max_words]
        yield Span(piece[0].start(), piece[-1].end())


def chunk(text: str, target_words: int = 100, max_words: int = 130) -> list[Passage]:
    """Group whole sentences into passages of about target_words, overlapping by one sentence.

    A passage closes once it reaches target_words, or before a sentence that
    would push it past max_words. Its last sentence opens the next passage, so
    an answer that straddles the seam is whole in one of the two.
    """
    units: list[tuple[Span, int]] = []
    for span in sentences(text):
        count = _word_count(text, span)
        if count > max_words:
            units.extend((s, _word_count(text, s)) for s in _split_long(text, span, max_words))
        else:
            units.append((span, count))
    passages: list[Passage] = []
    i = 0
    while i < len(units):
        j, words = i, 0
        while j < len(units) and (words < target_words) and (j == i or words + units[j][1] <= max_words):
            words += units[j][1]
            j += 1
        passages.append(Passage(len(passages), units[i][0].start, units[j - 1][0].end))
        if j >= len(units):
            break
        # Overlap one sentence, unless that would make no progress.
        i = j - 1 if j - 1 > i else j
    return passages
