"""What indexing a run of articles needs from their texts and titles alone, in flat arrays: the
work of the indexer's worker processes (or of the indexer itself, for a small file).

A text is analysed token by token (str.split()): each distinct token's terms are found once in a
process and kept as term ids, so most words cost two dictionary look-ups made in C, not a pass of
the word pattern and a Python call each. Counting a passage's terms, a sentence's distinct terms
and the run's new terms is done for the whole run at once with numpy, not term by term.
"""

from __future__ import annotations

import uuid
from array import array
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

import numpy as np

from citebot.index.analysis import token_terms
from citebot.index.articles import Article, ArticleError, article_of_line, title_opens_text
from citebot.index.passages import is_boilerplate, layout
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


class TermNumbers(dict[str, bytes]):
    """token → the numbers of its terms (token_terms) as int32 bytes, each term numbered on first
    use in this numbering (name: unique to it, whichever process it is in), found on first use:
    bytes, so that a run's tokens are joined into one array in C."""

    def __init__(self) -> None:
        super().__init__()
        self.name = uuid.uuid4().hex
        self.ids: dict[str, int] = {}
        self.terms: list[str] = []  # by number

    def __missing__(self, token: str) -> bytes:
        if len(self) >= _TOKENS_KEPT:
            self.clear()
        found = self[token] = array("i", map(self._id, token_terms(token))).tobytes()
        return found

    def _id(self, term: str) -> int:
        term_id = self.ids.get(term)
        if term_id is None:
            term_id = self.ids[term] = len(self.terms)
            self.terms.append(term)
        return term_id


# A worker process's numbering (the indexer keeps its own for what it analyses itself).
_worker_numbering = TermNumbers()


def analyse_records(path: Path, records: list[tuple[int, int, str]], target: int, maximum: int
                    ) -> tuple[list[Article], Analysed] | ArticleError:
    """The articles of a run of a JSON Lines file's records (articles.jsonl_records) with their
    analysis, or the error of the first line that holds no article: handed back, not raised, so
    that the indexer raises the file's first error whichever process met it."""
    try:
        found = [article_of_line(path, *record) for record in records]
    except ArticleError as error:
        return error
    articles = [article for article in found if article is not None]
    return articles, analyse(articles, target, maximum)


def analyse(articles: list[Article], target: int, maximum: int, numbering: TermNumbers | None = None) -> Analysed:
    """Units, passages, terms and flags of a run of articles (in a worker process on a big file),
    terms numbered in numbering (by default the worker process's)."""
    numbering = _worker_numbering if numbering is None else numbering
    first_new = len(numbering.terms)
    terms_of = numbering.__getitem__
    tokens: list[bytes] = []  # every token's term ids, articles in a row
    titles: list[bytes] = []  # the ids of the titles' tokens, of titles that count (the opening passage's)
    unit_words, spans, title_sizes = array("i"), array("i"), array("i")
    units_of, passages, firsts, lasts = array("i"), array("i"), array("i"), array("i")
    flags, title_terms = [], []
    for article in articles:
        text = article.text
        units, words, groups = layout(text, target, maximum)
        tokens.extend(map(terms_of, chain.from_iterable(words)))
        first_unit = len(unit_words)
        unit_words.extend(map(len, words))
        spans.extend(chain.from_iterable(units))
        firsts.extend(first_unit + first for first, _ in groups)
        lasts.extend(first_unit + last for _, last in groups)
        units_of.append(len(units))
        passages.append(len(groups))
        # The title belongs to the article's opening passage, unless the text opens with it; its terms are
        # stored all the same, for an answer to count them with the lead.
        title = b"".join(map(terms_of, article.title.split()))
        title_terms.append(" ".join(dict.fromkeys(map(numbering.terms.__getitem__, array("i", title)))))
        if not groups or title_opens_text(article.title, text):
            title = b""
        titles.append(title)
        title_sizes.append(len(title) // 4)
        flags.append(bytes(SENTENCE_BOILERPLATE if is_boilerplate(text[start:end]) else 0 for start, end in units))
    token_sizes = np.fromiter(map(len, tokens), np.int32, len(tokens)) // 4
    return _count(numbering, first_new, np.frombuffer(b"".join(tokens), np.int32), token_sizes,
                  np.frombuffer(unit_words, np.int32), np.frombuffer(units_of, np.int32),
                  np.frombuffer(passages, np.int32), np.frombuffer(firsts, np.int32), np.frombuffer(lasts, np.int32),
                  np.frombuffer(b"".join(titles), np.int32), np.frombuffer(title_sizes, np.int32),
                  np.frombuffer(spans, np.int32), flags, title_terms)


def _count(numbering: TermNumbers, first_new: int, tokens: np.ndarray, token_sizes: np.ndarray, unit_words: np.ndarray,
           units_of: np.ndarray, passages: np.ndarray, firsts: np.ndarray, lasts: np.ndarray,
           titles: np.ndarray, title_sizes: np.ndarray, spans: np.ndarray, flags: list[bytes],
           title_terms: list[str]) -> Analysed:
    """The run's analysis from its term numbers (first_new of them numbered before it): tokens, every unit's
    terms in a row (token_sizes of them a token, unit_words tokens a unit, units_of units an
    article); each passage's first and last unit; titles, the terms of each article's opening
    passage's title (title_sizes of them an article); spans, every unit's start and end; title_terms, as Analysed's."""
    # Where each unit's terms start and end in tokens.
    token_ends = np.concatenate(([0], np.cumsum(token_sizes)))
    unit_token_ends = np.cumsum(unit_words)
    unit_ends = token_ends[unit_token_ends]
    unit_starts = token_ends[unit_token_ends - unit_words]
    # A passage's terms: its units' in a row, then (the opening passage) its article's title's.
    opening = np.concatenate(([0], np.cumsum(passages)[:-1]))[passages > 0]
    title_starts = np.concatenate(([0], np.cumsum(title_sizes)[:-1])) + len(tokens)
    starts = np.zeros((len(firsts), 2), np.int64)
    lengths = np.zeros((len(firsts), 2), np.int64)
    starts[:, 0], lengths[:, 0] = unit_starts[firsts], unit_ends[lasts] - unit_starts[firsts]
    starts[opening, 1], lengths[opening, 1] = title_starts[passages > 0], title_sizes[passages > 0]
    occurrences = np.concatenate((tokens, titles))[_ranges(starts.ravel(), lengths.ravel())]
    passage_lengths = lengths.sum(axis=1)
    # The run's terms in order of first use, and every occurrence's index among them.
    ids, first_use, which = np.unique(occurrences, return_index=True, return_inverse=True)
    order = np.argsort(first_use, kind="stable")
    rank = np.empty(len(ids), np.int64)
    rank[order] = np.arange(len(ids))
    width = max(len(ids), 1)
    postings, tfs, distinct = _distinct(np.repeat(np.arange(len(firsts)), passage_lengths), rank[which.ravel()], width,
                                        len(firsts))
    # Each unit's distinct terms (every unit is in a passage, so all its terms are run terms).
    unit_terms = rank[np.searchsorted(ids, tokens)]
    sentence_terms, _, per_unit = _distinct(np.repeat(np.arange(len(unit_words)), unit_ends - unit_starts),
                                            unit_terms, width, len(unit_words))
    unit_bounds = np.concatenate(([0], np.cumsum(per_unit)))
    article_units = np.concatenate(([0], np.cumsum(units_of)))
    # Per article, its units' bounds from 0: units + 1 values each.
    values = _ranges(article_units[:-1], units_of + 1)
    bounds = (unit_bounds[values] - np.repeat(unit_bounds[article_units[:-1]], units_of + 1)).astype(TERM_DTYPE)
    layout_ = np.stack((spans[2 * firsts], spans[2 * lasts + 1], passage_lengths), axis=1).astype(np.int32)
    return Analysed(numbering.name, first_new, numbering.terms[first_new:], ids[order].astype(np.int32), passages, layout_, postings.astype(np.int32),
                    np.minimum(tfs, MAX_TF).astype(np.uint16), distinct.astype(np.int32),
                    _pieces(spans.astype(SPAN_DTYPE).tobytes(), 8 * article_units),
                    _pieces(bounds.tobytes(), 4 * (article_units + np.arange(len(article_units)))),
                    sentence_terms.astype(np.int32), np.diff(unit_bounds[article_units]).astype(np.int32), flags,
                    title_terms)


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The indices of the ranges [start, start + length) in a row."""
    offsets = np.cumsum(lengths) - lengths
    return np.repeat(starts - offsets, lengths) + np.arange(int(lengths.sum()))


def _distinct(groups: np.ndarray, terms: np.ndarray, width: int, count: int
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per group (groups: each term's, ascending, count of them), its distinct terms in order of
    first use, their counts, and how many it has."""
    keys, first_use, counts = np.unique(groups * width + terms, return_index=True, return_counts=True)
    order = np.argsort(first_use, kind="stable")
    keys = keys[order]
    return keys % width, counts[order], np.bincount(keys // width, minlength=count)


def _pieces(blob: bytes, offsets: np.ndarray) -> list[bytes]:
    """blob cut at offsets (the first 0, the last its end)."""
    cuts = offsets.tolist()
    return [blob[start:end] for start, end in zip(cuts, cuts[1:])]
