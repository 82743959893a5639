"""What indexing a run of articles needs from their texts and titles alone, in flat arrays: the
work of the indexer's worker processes (or of the indexer itself, for a small file).

A text is analysed token by token (str.split()): each distinct token's terms are found once in a
process and kept as term numbers in a compiled table (_tokens.c), so most words cost one look-up
made in C, not a pass of the word pattern and a Python call each. A run's sentences and passages
are laid out in C (passages.layouts) and its words looked up in one pass, not sentence by sentence.
Counting a passage's terms, a sentence's distinct terms and the run's new terms is done for the
whole run at once, with numpy and one compiled pass (_kernels.distinct), not term by term.
"""

from __future__ import annotations

import os
import uuid
from array import array
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from citebot.index import _kernels, _tokens
from citebot.index.analysis import token_terms
from citebot.index.articles import Article, ArticleError, article_of_line, chunk_records, title_opens_text
from citebot.index.lines import Chunk
from citebot.index.passages import boilerplate_units, layouts
from citebot.index.store import SENTENCE_BOILERPLATE, SPAN_DTYPE, TERM_DTYPE

# Term frequencies are stored as uint16; a passage repeating a word more
# often than this is clipped (it changes no ranking in practice).
MAX_TF = 65535
# Distinct tokens whose terms a process keeps (about 100 MB of them); past that it starts again, so
# that a huge archive's stray tokens (numbers, links, typos) cannot grow a worker without bound.
_TOKENS_KEPT = 1 << 19


@dataclass(frozen=True, slots=True)
class Analysed:
    """The analysis of a run of articles, in flat arrays that cost little to send back from a worker
    process. Terms are indices into `terms`, the run's distinct terms in order of first use (each
    passage's terms in order, passage after passage), which is the order new terms get their ids in.
    `terms` holds the analysing process's own term numbers (TermNumbers), not the terms: only the
    terms it numbered for this run are sent as strings, so the indexer looks up each term string
    once per process, not once per run."""

    numbering: str  # TermNumbers.name of the numbering that `terms` uses
    first_new: int  # how many terms it had numbered before this run
    new_terms: list[str]  # the terms it numbered for this run, from first_new on
    terms: np.ndarray  # the run's distinct terms, as its numbers, in order of first use
    passages: np.ndarray  # per article, how many passages it has
    layout: np.ndarray  # per passage: its first character, its end and its length in terms (n × 3)
    postings: np.ndarray  # per passage, its distinct terms in order of first use
    tfs: np.ndarray  # and their counts, clipped to MAX_TF
    distinct: np.ndarray  # per passage, how many postings are its
    spans: list[bytes]  # per article, its sentence units' character spans (passages.layout), SPAN_DTYPE
    bounds: list[bytes]  # per article, where each unit's terms start in its share of sentence_terms
    sentence_terms: np.ndarray  # each unit's distinct terms in order of first use, all articles in a row
    sentence_counts: np.ndarray  # per article, how many of sentence_terms are its
    flags: list[bytes]  # per article, a boilerplate flag a unit
    title_terms: list[str]  # per article, its title's distinct terms in order of first use, a space between two


# What opens each token's term numbers (terms are numbered from 0), telling the tokens apart in a run's
# joined numbers without a count made token by token.
_TOKEN = -1


class TermNumbers:
    """Each term numbered on first use in this numbering (name: unique to it, whichever process it is
    in), and each token's numbers (token_terms) found on first use and kept in a compiled table
    (_tokens.Table, for at most _TOKENS_KEPT tokens at a time): a run's tokens are split, looked up and
    joined into one array in C."""

    def __init__(self) -> None:
        self.name = uuid.uuid4().hex
        self.ids: dict[str, int] = {}
        self.terms: list[str] = []  # by number
        self.tokens = _tokens.Table(_TOKENS_KEPT)

    def numbers(self, pieces: list[str]) -> np.ndarray:
        """The numbers of the pieces' tokens (str.split()) in a row, each token's opened by _TOKEN."""
        return np.frombuffer(self.tokens.numbers(pieces, self._token_numbers), np.int32)

    def _token_numbers(self, token: str) -> bytes:
        return array("i", [_TOKEN, *map(self._id, token_terms(token))]).tobytes()

    def _id(self, term: str) -> int:
        term_id = self.ids.get(term)
        if term_id is None:
            term_id = self.ids[term] = len(self.terms)
            self.terms.append(term)
        return term_id


# A worker process's numbering (the indexer keeps its own for what it analyses itself).
_worker_numbering = TermNumbers()


# How much lower a worker process's scheduling priority is than the indexer's (os.nice): see start_worker.
_NICER = 10


def start_worker() -> None:
    """Run at a lower priority than the indexing process, which every batch waits on to write the one
    before it: with one process more than cores, sharing a core with a worker had it preempted, and
    its cache emptied, a third of the time. Yielding to it took a 1M-article build from 55.6 to
    50.4 s, the indexing process's CPU time from 41 to 35 s (README: the thirteenth session)."""
    if hasattr(os, "nice"):
        os.nice(_NICER)


def analyse_chunks(path: Path, chunks: list[Chunk], target: int, maximum: int
                   ) -> tuple[list[Article], Analysed] | ArticleError:
    """The articles of chunks of a JSON Lines file (articles.jsonl_chunks), read here from the file,
    with their analysis; or their first error: handed back, not raised, so that the indexer raises
    the file's first error whichever process met it."""
    try:
        found = [article_of_line(path, *record) for chunk in chunks for record in chunk_records(path, chunk)]
    except ArticleError as error:
        return error
    articles = [article for article in found if article is not None]
    return articles, analyse(articles, target, maximum)


def analyse(articles: list[Article], target: int, maximum: int, numbering: TermNumbers | None = None) -> Analysed:
    """Units, passages, terms and flags of a run of articles (in a worker process on a big file),
    terms numbered in numbering (by default the worker process's)."""
    numbering = _worker_numbering if numbering is None else numbering
    first_new = len(numbering.terms)
    texts = [article.text for article in articles]
    titles = [article.title for article in articles]
    laid = layouts(texts, target, maximum)
    # The units' words in a row are their text's words (passages.layout), so the run's tokens are looked
    # up in one pass: a text's, then its title's, the order that numbers new terms.
    numbers = numbering.numbers([piece for pair in zip(texts, titles) for piece in pair])
    tokens = np.flatnonzero(numbers == _TOKEN)
    terms = numbers[numbers != _TOKEN]
    terms_before = np.append(tokens - np.arange(len(tokens)), len(terms))  # per token, and at the end
    unit_words = np.concatenate(([0], np.cumsum(laid.words)))
    text_units = np.cumsum(laid.units)  # where each text's units end
    text_words = unit_words[text_units] - unit_words[text_units - laid.units]
    title_words = np.fromiter((len(title.split()) for title in titles), np.int64, len(titles))
    piece_ends = np.cumsum(np.stack((text_words, title_words), axis=1).ravel())
    piece_sizes = np.diff(terms_before[piece_ends], prepend=0)
    in_titles = np.repeat(np.tile([False, True], len(articles)), piece_sizes)
    # A unit's tokens follow the titles of the texts before its own.
    unit_ends = unit_words[1:] + np.repeat(np.cumsum(title_words) - title_words, laid.units)
    unit_sizes = terms_before[unit_ends] - terms_before[unit_ends - laid.words]
    title_sizes = piece_sizes[1::2]
    # The title belongs to the article's opening passage, unless the text opens with it; its terms are
    # stored all the same, for an answer to count them with the lead.
    counted = np.array([bool(passages) and not title_opens_text(title, text)
                        for title, text, passages in zip(titles, texts, laid.passages.tolist())], bool)
    in_counted = np.repeat(np.stack((np.zeros(len(articles), bool), counted), axis=1).ravel(), piece_sizes)
    title_terms = _joined_terms(numbering, terms[in_titles].tolist(), np.cumsum(title_sizes).tolist())
    flags = _pieces((boilerplate_units(texts, laid) * np.uint8(SENTENCE_BOILERPLATE)).tobytes(),
                    np.concatenate(([0], text_units)))
    return _count(numbering, first_new, terms[~in_titles], unit_sizes, laid.units, laid.passages,
                  laid.groups[0::2], laid.groups[1::2],
                  terms[in_counted], (title_sizes * counted).astype(np.int32), laid.spans, flags, title_terms)


def _joined_terms(numbering: TermNumbers, numbers: list[int], ends: list[int]) -> list[str]:
    """Per piece of numbers (ending at ends), its distinct terms in order of first use, a space between two."""
    terms = list(map(numbering.terms.__getitem__, numbers))
    return [" ".join(dict.fromkeys(terms[start:end])) for start, end in zip([0, *ends], ends)]


def _count(numbering: TermNumbers, first_new: int, tokens: np.ndarray, unit_sizes: np.ndarray, units_of: np.ndarray,
           passages: np.ndarray, firsts: np.ndarray, lasts: np.ndarray, titles: np.ndarray, title_sizes: np.ndarray,
           spans: np.ndarray, flags: list[bytes], title_terms: list[str]) -> Analysed:
    """The run's analysis from its term numbers (first_new of them numbered before it): tokens, every unit's
    terms in a row (unit_sizes of them a unit, units_of units an article); each passage's first and last
    unit; titles, the terms of each article's opening passage's title (title_sizes of them an article);
    spans, every unit's start and end; title_terms, as Analysed's."""
    # Where each unit's terms start and end in tokens.
    unit_ends = np.cumsum(unit_sizes)
    unit_starts = unit_ends - unit_sizes
    # A passage's terms: its units' in a row, then (the opening passage) its article's title's.
    opening = np.concatenate(([0], np.cumsum(passages)[:-1]))[passages > 0]
    title_starts = np.concatenate(([0], np.cumsum(title_sizes)[:-1])) + len(tokens)
    starts = np.zeros((len(firsts), 2), np.int64)
    lengths = np.zeros((len(firsts), 2), np.int64)
    starts[:, 0], lengths[:, 0] = unit_starts[firsts], unit_ends[lasts] - unit_starts[firsts]
    starts[opening, 1], lengths[opening, 1] = title_starts[passages > 0], title_sizes[passages > 0]
    occurrences = np.concatenate((tokens, titles))[_ranges(starts.ravel(), lengths.ravel())]
    passage_lengths = lengths.sum(axis=1)
    # The run's terms in order of first use, and each term number's index among them (every unit is in
    # a passage, so all the units' terms are run terms).
    run_terms = _in_order_of_first_use(occurrences)
    rank = np.zeros(len(numbering.terms), np.int64)
    rank[run_terms] = np.arange(len(run_terms))
    width = max(len(run_terms), 1)
    postings, tfs, distinct = _distinct(passage_lengths, rank[occurrences], width)
    unit_terms = rank[tokens]
    sentence_terms, _, per_unit = _distinct(unit_ends - unit_starts, unit_terms, width)
    unit_bounds = np.concatenate(([0], np.cumsum(per_unit)))
    article_units = np.concatenate(([0], np.cumsum(units_of)))
    # Per article, its units' bounds from 0: units + 1 values each.
    values = _ranges(article_units[:-1], units_of + 1)
    bounds = (unit_bounds[values] - np.repeat(unit_bounds[article_units[:-1]], units_of + 1)).astype(TERM_DTYPE)
    layout_ = np.stack((spans[2 * firsts], spans[2 * lasts + 1], passage_lengths), axis=1).astype(np.int32)
    return Analysed(numbering.name, first_new, numbering.terms[first_new:], run_terms.astype(np.int32), passages, layout_, postings.astype(np.int32),
                    np.minimum(tfs, MAX_TF).astype(np.uint16), distinct.astype(np.int32),
                    _pieces(spans.astype(SPAN_DTYPE).tobytes(), 8 * article_units),
                    _pieces(bounds.tobytes(), 4 * (article_units + np.arange(len(article_units)))),
                    sentence_terms.astype(np.int32), np.diff(unit_bounds[article_units]).astype(np.int32), flags,
                    title_terms)


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The indices of the ranges [start, start + length) in a row."""
    offsets = np.cumsum(lengths) - lengths
    return np.repeat(starts - offsets, lengths) + np.arange(int(lengths.sum()))


def _distinct(sizes: np.ndarray, terms: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per group of terms (the groups in a row, sizes[g] terms the g-th, each in [0, width)), its
    distinct terms in order of first use, their counts, and how many it has: one compiled pass
    (_kernels.distinct), where a stable sort of (group, term) keys took a sixth of a worker's analysis."""
    distinct, counts = np.empty(len(terms), np.int64), np.empty(len(terms), np.int64)
    per_group = np.empty(len(sizes), np.int64)
    found = _kernels.distinct(sizes.astype(np.int64, copy=False), terms.astype(np.int64, copy=False), width, distinct,
                              counts, per_group)
    return distinct[:found], counts[:found], per_group


def _in_order_of_first_use(values: np.ndarray) -> np.ndarray:
    """The distinct values (int32) in order of first use: one SIMD sort of (value, position) pairs
    packed in int64, where np.unique would sort them stably (a merge sort), then sort the first uses."""
    count = len(values)
    packed = np.sort(values.astype(np.int64) * count + np.arange(count))
    ordered, positions = np.divmod(packed, max(count, 1))
    new = np.ones(count, bool)
    new[1:] = ordered[1:] != ordered[:-1]
    return values[np.sort(positions[new])]


def _pieces(blob: bytes, offsets: np.ndarray) -> list[bytes]:
    """blob cut at offsets (the first 0, the last its end)."""
    cuts = offsets.tolist()
    return [blob[start:end] for start, end in zip(cuts, cuts[1:])]
