"""BM25 scoring in vectorised NumPy over the postings of the query terms only.

Two idf variants: "lucene" (log(1 + (N - n + 0.5) / (n + 0.5)), always
positive) is the default; "okapi" reproduces rank_bm25.BM25Okapi exactly,
including its epsilon floor for negative idf.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, NamedTuple, Sequence

import numpy as np

Variant = Literal["lucene", "okapi"]
_ONE_CALL_POSTINGS = 50_000


@dataclass(frozen=True)
class BM25Params:
    """Scoring parameters; defaults chosen by measurement (see README)."""

    variant: Variant = "lucene"
    k1: float = 1.2
    b: float = 0.75
    epsilon: float = 0.25


@dataclass(frozen=True)
class CollectionStats:
    """What idf and length normalisation need to know about the whole store."""

    passages: int
    total_length: int
    okapi_idf_sum: float  # sum of Okapi idf over the vocabulary (rank-bm25's epsilon floor)
    vocabulary: int

    @property
    def average_length(self) -> float:
        return self.total_length / self.passages if self.passages else 0.0


def okapi_idf_sum(dfs: np.ndarray, passages: int) -> float:
    """Sum of Okapi idf over all terms, as rank-bm25 computes it."""
    dfs = dfs.astype(np.float64)
    return float(np.sum(np.log(passages - dfs + 0.5) - np.log(dfs + 0.5)))


def idf(df: int, stats: CollectionStats, params: BM25Params) -> float:
    """Inverse document frequency of a term seen in df passages."""
    n = stats.passages
    if params.variant == "lucene":
        return math.log1p((n - df + 0.5) / (df + 0.5))
    raw = math.log(n - df + 0.5) - math.log(df + 0.5)
    average = stats.okapi_idf_sum / stats.vocabulary if stats.vocabulary else 0.0
    return params.epsilon * average if raw < 0 else raw


def length_norm(lengths: np.ndarray, stats: CollectionStats, params: BM25Params) -> np.ndarray:
    """k1 * (1 - b + b * dl / avgdl) per passage slot, computed once per index generation."""
    average = stats.average_length or 1.0
    return (params.k1 * (1.0 - params.b + params.b * lengths.astype(np.float64) / average)).astype(np.float32)


def impacts(tfs: np.ndarray, norm: np.ndarray, k1: float, idf: float = 1.0) -> np.ndarray:
    """A term's BM25 score in each passage it occurs in, idf·tf·(k1+1)/(tf+norm), as float32.

    Computed once per term and index generation, so a query only adds them up.
    float32 halves the memory traffic of scoring, which is what query time is
    made of; sums of a few terms stay within about 1e-7 of float64.
    """
    tf = tfs.astype(np.float32)
    return tf * np.float32(idf * (k1 + 1.0)) / (tf + norm)


class TermPostings(NamedTuple):
    """The passages a term occurs in, its score in each, and its weight in the query."""

    ids: np.ndarray  # passage slots (np.intp, int32 works too), ascending
    impacts: np.ndarray  # float32, see impacts()
    weight: float = 1.0  # how often the query says it; less for another spelling of a query word


def accumulate(postings: Sequence[TermPostings], size: int) -> np.ndarray:
    """Dense float32 scores over all passage slots; only the postings' slots are touched.

    np.add.at adds in place without the gather, temporary and scatter of
    ``scores[ids] += ...``: two to four times faster on long postings lists.
    Short lists go in one call, since there the cost per call is what counts.
    """
    scores = np.zeros(size, dtype=np.float32)
    if sum(len(term.ids) for term in postings) <= _ONE_CALL_POSTINGS:
        if postings:
            np.add.at(scores, np.concatenate([term.ids for term in postings]),
                      np.concatenate([_weighted(term) for term in postings]))
    else:
        for term in postings:
            np.add.at(scores, term.ids, _weighted(term))
    return scores


def _weighted(term: TermPostings) -> np.ndarray:
    return term.impacts if term.weight == 1.0 else term.impacts * np.float32(term.weight)


def top_k(postings: Sequence[TermPostings], size: int, k: int,
          groups: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Best k passage slots and their scores, best first; with groups (a group number per
    slot, the article), only each group's best slot counts, so k distinct groups.

    The best 4k slots are taken first, and more only when they hold fewer than
    k groups: those are exactly the first k groups' best slots, since a group
    with no slot among them scores less than all of them.
    """
    if not postings or k <= 0:
        return np.empty(0, np.int64), np.empty(0, np.float32)
    scores = accumulate(postings, size)
    if groups is None:
        return _best(scores, postings, k)
    wanted = 4 * k
    while True:
        slots, slot_scores = _best(scores, postings, wanted)
        _, first = np.unique(groups[slots], return_index=True)  # each group's best slot
        if len(first) >= k or len(slots) < wanted:
            first = np.sort(first)[:k]
            return slots[first], slot_scores[first]
        wanted *= 4


def _best(scores: np.ndarray, postings: Sequence[TermPostings], k: int) -> tuple[np.ndarray, np.ndarray]:
    """Best k slots of a score array, best first (ties by slot), without sorting the candidates.

    A bar is set first: the k-th best score among the passages of the rarest
    term that has k of them. The true top k all score at least that, so one
    vectorised comparison over the score array leaves a handful of passages
    to rank instead of every one that matched a word.
    """
    seeds = [p for p in postings if len(p.ids) >= k]
    if seeds:
        seed = min(seeds, key=lambda p: len(p.ids)).ids
        seed_scores = scores[seed]
        bar = np.partition(seed_scores, len(seed) - k)[len(seed) - k]
        slots = np.flatnonzero(scores >= bar) if bar > 0 else np.flatnonzero(scores > 0)
    else:  # every term is rarer than k passages: few candidates in all
        slots = np.unique(np.concatenate([p.ids for p in postings]))
        slots = slots[scores[slots] > 0]
    slot_scores = scores[slots]
    if len(slots) > 4 * k:  # sorting a few dozen candidates outright is cheaper than selecting first
        keep = np.argpartition(-slot_scores, k - 1)[:k]
        slots, slot_scores = slots[keep], slot_scores[keep]
    order = np.lexsort((slots, -slot_scores))[:k]
    return slots[order].astype(np.int64, copy=False), slot_scores[order]
