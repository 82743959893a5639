"""BM25 scoring in vectorised NumPy over the postings of the query terms only.

Two idf variants: "lucene" (log(1 + (N - n + 0.5) / (n + 0.5)), always
positive) is the default; "okapi" reproduces rank_bm25.BM25Okapi exactly,
including its epsilon floor for negative idf.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Sequence

import numpy as np

Variant = Literal["lucene", "okapi"]


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


def idf(df: np.ndarray | float, stats: CollectionStats, params: BM25Params) -> np.ndarray:
    """Inverse document frequency of terms seen in df passages."""
    df = np.asarray(df, dtype=np.float64)
    n = stats.passages
    if params.variant == "lucene":
        return np.log1p((n - df + 0.5) / (df + 0.5))
    raw = np.log(n - df + 0.5) - np.log(df + 0.5)
    average = stats.okapi_idf_sum / stats.vocabulary if stats.vocabulary else 0.0
    return np.where(raw < 0, params.epsilon * average, raw)


def length_norm(lengths: np.ndarray, stats: CollectionStats, params: BM25Params) -> np.ndarray:
    """k1 * (1 - b + b * dl / avgdl) per passage slot, computed once per index generation."""
    average = stats.average_length or 1.0
    return params.k1 * (1.0 - params.b + params.b * lengths.astype(np.float64) / average)


@dataclass(frozen=True)
class TermPostings:
    """The passages a term occurs in, its counts there, and its query weight × idf."""

    ids: np.ndarray  # int32 passage slots, ascending
    tfs: np.ndarray  # term frequency in each
    weight: float


def accumulate(postings: Sequence[TermPostings], norm: np.ndarray, k1: float) -> np.ndarray:
    """Dense scores over all passage slots; only the postings' slots are touched."""
    scores = np.zeros(len(norm), dtype=np.float64)
    for term in postings:
        tf = term.tfs.astype(np.float64)
        scores[term.ids] += term.weight * tf * (k1 + 1.0) / (tf + norm[term.ids])
    return scores


def top_k(postings: Sequence[TermPostings], norm: np.ndarray, k1: float, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Best k passage slots and their scores, best first, without sorting every candidate."""
    if not postings or k <= 0:
        return np.empty(0, np.int64), np.empty(0, np.float64)
    scores = accumulate(postings, norm, k1)
    candidates = postings[0].ids if len(postings) == 1 else np.concatenate([p.ids for p in postings])
    # A slot appears at most once per term, so the best k × terms candidate
    # entries hold at least k distinct slots.
    wanted = min(len(candidates), k * len(postings))
    candidate_scores = scores[candidates]
    if wanted < len(candidates):
        keep = np.argpartition(-candidate_scores, wanted - 1)[:wanted]
        candidates, candidate_scores = candidates[keep], candidate_scores[keep]
    slots, first = np.unique(candidates, return_index=True)
    slot_scores = candidate_scores[first]
    order = np.lexsort((slots, -slot_scores))[:k]
    return slots[order].astype(np.int64), slot_scores[order]
