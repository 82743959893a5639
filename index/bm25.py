"""BM25 scoring over the postings of the query terms only: the loops over postings compiled
(_kernels.c), the rest in vectorised NumPy.

Two idf variants: "lucene" (log(1 + (N - n + 0.5) / (n + 0.5)), always
positive) is the default; "okapi" reproduces rank_bm25.BM25Okapi exactly,
including its epsilon floor for negative idf.

The top k are found exhaustively or by exact dynamic pruning (MaxScore, term
at a time, see top_k), which give the same passages, scores and order, and are
tested against each other. Compiled, the exhaustive path adds every posting a
cache-sized stripe of passages at a time and selects as it goes, which was
faster than pruning at every size measured; in NumPy, where a posting costs
several times more, pruning pays once a query has many postings: the terms
that can lift a passage most are added up in full, and the rest only for the
few passages that can still enter the top k. Both paths also run with their
loops in NumPy (compiled=False), the reference the compiled loops are tested
against bit for bit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, NamedTuple, Sequence

import numpy as np

from citebot.index import _kernels

Variant = Literal["lucene", "okapi"]
_ONE_CALL_POSTINGS = 50_000
# Bounds are computed in float64 from the stored staircase while scores are float32 sums, which
# differ from exact arithmetic by about 1e-7 relative for a query's few dozen terms: pruning keeps
# this much relative margin on both sides of every comparison, so it never drops a passage that
# could enter the top k.
_SLACK = 1e-5
# With the loops in NumPy, below this many postings in a query, or this share of the passages, adding
# them all up costs less than pruning's bookkeeping (a few NumPy calls a term). Compiled, adding a
# stripe of slots at a time (_kernels.score_best) costs so little a posting that the exhaustive path
# was the faster at every share measured, on SciFact and at 1M and 5M passages (README, Scoring).
_PRUNE_POSTINGS = 100_000
_PRUNE_SHARE = 0.7
# Candidates are looked up term by term only while there are more than this many times k of
# them; fewer go straight to being scored exactly, which looks every term up for them anyway.
_FEW = 4
# Terms are added in full until those left could lift a passage by at most this share of the bar.
_REACH = 0.5
_SEEDS = 2  # lists whose best passages set the bar (each costs a gather a term added)


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


def compact_norm(lengths: np.ndarray, stats: CollectionStats, params: BM25Params) -> tuple[np.ndarray, np.ndarray] | None:
    """The length norms as the compiled loops read them best: each passage's length as uint16 and
    the norm of every uint16 length (the same float32 values as length_norm's, a pure function of
    the length); None if a passage is longer than that.

    Adding a term's postings reads a norm at scattered slots, and at 5M passages the float32 norms
    and the accumulator (40 MB) no longer fit the CPU's cache: half the bytes a slot made the
    loops a fifth faster there.
    """
    if len(lengths) and int(lengths.max()) > np.iinfo(np.uint16).max:
        return None
    return lengths.astype(np.uint16), length_norm(np.arange(np.iinfo(np.uint16).max + 1), stats, params)


def impacts(tfs: np.ndarray, norm: np.ndarray, k1: float, idf: float | np.ndarray = 1.0) -> np.ndarray:
    """A term's BM25 score in each passage it occurs in, idf·tf·(k1+1)/(tf+norm), as float32 (idf
    one value, or one a posting: the same float32 factor either way).

    float32 halves the memory traffic of scoring, which is what query time is
    made of; sums of a few terms stay within about 1e-7 of float64. The same
    values come out for a whole list and for any part of it (elementwise IEEE
    arithmetic), which is what lets pruning score a part and stay exact.
    """
    tf = tfs.astype(np.float32)
    # In place, on its own two temporaries: the same IEEE operations as tf·c / (tf + norm), with
    # half the memory traffic (impacts are much of a first question's scoring at 1M passages).
    denominator = tf + norm
    tf *= np.float32(idf * (k1 + 1.0))
    tf /= denominator
    return tf


def staircase(tfs: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The (tf, length) pairs no other posting of a term beats on both counts, as int32 pairs.

    A term's impact grows with tf and falls with the passage's length, whatever
    k1, b and the average length are, so its largest impact is at one of these
    pairs: stored with the postings, they give every term's exact maximum for
    any parameters without reading its postings (see max_impact). For each tf
    level, the shortest passage with at least that tf; usually one to five pairs.
    """
    if not len(tfs):
        return np.empty(0, np.int32)
    top = int(tfs.max())
    if top <= 1:  # most terms: every tf is 1
        return np.array([1, int(lengths.min())], np.int32)
    shortest = np.full(top + 2, np.iinfo(np.int32).max, np.int64)
    shortest[1] = lengths.min()
    # Each higher tf's shortest passage is the first of its (tf, length) pairs sorted as int64 (SIMD):
    # five times faster than np.minimum.at posting by posting. Only the postings with tf above 1 are
    # sorted (7% of them at 1M passages): a third of the time the whole list took, at the end of a build.
    above = tfs > 1
    pairs = tfs[above].astype(np.int64) << 32 | lengths[above]
    pairs.sort()
    pair_tfs = pairs >> 32
    firsts = np.flatnonzero(np.r_[True, pair_tfs[1:] != pair_tfs[:-1]])
    shortest[pair_tfs[firsts]] = pairs[firsts] & 0xFFFFFFFF
    shortest = np.minimum.accumulate(shortest[::-1])[::-1]  # shortest passage with tf ≥ each level
    levels = np.flatnonzero(shortest[1:-1] < shortest[2:]) + 1  # where a lower tf reaches a shorter passage
    return np.column_stack((levels, shortest[levels])).astype(np.int32).ravel()


def max_impact(pairs: np.ndarray, stats: CollectionStats, params: BM25Params, idf: float) -> float:
    """A term's largest impact (see impacts) from its staircase, a hair above (never below) it.

    In plain Python: a staircase has a few pairs, where NumPy's cost per call would dominate.
    """
    values = pairs.tolist()
    k1, b, average = params.k1, params.b, stats.average_length or 1.0
    largest = max((tf / (tf + k1 * (1.0 - b + b * length / average))
                   for tf, length in zip(values[0::2], values[1::2])), default=0.0)
    return largest * idf * (k1 + 1.0) * (1.0 + _SLACK)


class LazyImpacts:
    """A term's postings as the compiled loops take them (slots, tfs, norms, factor), and for
    NumPy its impacts computed only where asked (at), or whole once (whole), and its slots
    as np.intp once it is added up in full (indices).

    Pruning needs a common term's impacts for a few candidate passages only:
    computing them for its whole list would be most of a query's work. Its slots
    stay the int32 read from the store (no copy). The compiled loops make each
    impact as they add it; a small index (held whole with its rows) has them all
    made when it is loaded (PackedPostings.pack), which saves the loops a division a posting. In
    NumPy, np.add.at takes a third less time with np.intp indices than with int32,
    more than converting them costs, so there the lists added up in full get a
    converted copy, kept for the next question.
    """

    __slots__ = ("tfs", "slots", "norm", "k1", "idf", "compact", "factor", "_whole", "_indices")

    def __init__(self, tfs: np.ndarray, slots: np.ndarray, norm: np.ndarray, k1: float, idf: float,
                 compact: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        self.tfs, self.slots, self.norm, self.k1, self.idf = tfs, slots, norm, k1, idf
        self.compact = compact  # the same norms as compact_norm gives them, for the compiled loops
        self.factor = np.float32(idf * (k1 + 1.0))  # impacts' idf·(k1+1), as they round it
        self._whole: np.ndarray | None = None
        self._indices: np.ndarray | None = None

    @property
    def norms(self) -> tuple[np.ndarray, ...]:
        """The norms as the compiled loops take them: (lengths, norm table), or (norm,)."""
        return self.compact if self.compact is not None else (self.norm,)

    @property
    def made(self) -> np.ndarray | None:
        """The whole list's impacts if they were made, else None (the compiled loops make them as they go)."""
        return self._whole

    def at(self, positions: np.ndarray) -> np.ndarray:
        if self._whole is not None:
            return self._whole[positions]
        return impacts(self.tfs[positions], self.norm.take(self.slots[positions]), self.k1, self.idf)

    def whole(self) -> np.ndarray:
        if self._whole is None:
            self._whole = impacts(self.tfs, self.norm.take(self.slots), self.k1, self.idf)
        return self._whole

    def indices(self) -> np.ndarray:
        if self._indices is None:
            self._indices = self.slots.astype(np.intp)
        return self._indices


class PackedPostings(NamedTuple):
    """Every term's postings with their impacts made, one term after another in order of term id:
    term t's slots and impacts at starts[t]:starts[t + 1] (empty for a term in no passage).

    A small index held whole keeps its postings so (see pack), and a question's terms are then
    scored in one compiled call that takes their ids (top_k): no array, tuple or object of a term's
    is touched. At SciFact's size, taking each term's arrays and objects, most of them cache misses
    on a first pass, cost a fifth of a search (README, the fourteenth session).
    """

    slots: np.ndarray  # int32, ascending within a term
    impacts: np.ndarray  # float32, see impacts()
    starts: np.ndarray  # int64, one more than the term ids
    sizes: list[int]  # postings a term id

    @classmethod
    def pack(cls, terms: Sequence[tuple[int, LazyImpacts]], ids: int) -> PackedPostings:
        """The terms' postings (term id, its LazyImpacts; ids below `ids`) packed, their impacts made
        in one vectorised pass; each term's LazyImpacts is left a view of the packed arrays, its
        impacts made (LazyImpacts.made).

        The same values as each term's whole() (elementwise IEEE operations on the same operands);
        the terms share one norm and k1.
        """
        terms = sorted(terms, key=lambda pair: pair[0])
        counts = np.zeros(ids, np.int64)
        starts = np.zeros(ids + 1, np.int64)
        if not terms:
            return cls(np.empty(0, np.int32), np.empty(0, np.float32), starts, counts.tolist())
        lazy = [impacts for _, impacts in terms]
        sizes = [len(term.slots) for term in lazy]
        counts[[term_id for term_id, _ in terms]] = sizes
        np.cumsum(counts, out=starts[1:])
        slots = np.concatenate([term.slots for term in lazy]).astype(np.int32, copy=False)
        idfs = np.repeat(np.array([term.idf for term in lazy]), sizes)
        values = impacts(np.concatenate([term.tfs for term in lazy]), lazy[0].norm.take(slots), lazy[0].k1, idfs)
        for (term_id, term), size in zip(terms, sizes):
            start = int(starts[term_id])
            term.slots, term._whole = slots[start : start + size], values[start : start + size]
        return cls(slots, values, starts, counts.tolist())

    def count(self, terms: Sequence[tuple], id_at: int = 0) -> int:
        """How many postings the terms have (tuples with a term id at id_at)."""
        sizes = self.sizes
        return sum(sizes[term[id_at]] for term in terms)

    def top_k(self, terms: Sequence[tuple], k: int, scratch: np.ndarray, id_at: int = 0,
              weight_at: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """top_k of the terms, tuples with a term id at id_at and a weight at weight_at ((term id, weight)
        pairs by default), in that order, over the passage slots of scratch (zeros, float32; left
        zeros): the same slots and scores as top_k of their TermPostings."""
        if k <= 0 or not terms:
            return np.empty(0, np.int64), np.empty(0, np.float32)
        slots, scores = np.empty(k, np.int64), np.empty(k, np.float32)
        count = _kernels.score_packed(scratch, terms, slots, scores, self.slots, self.impacts, self.starts, id_at,
                                      weight_at)
        return slots[:count], scores[:count]


class TermPostings(NamedTuple):
    """The passages a term occurs in, its score in each, its weight in the query and an upper
    bound on its score (its largest impact; None: taken from the impacts)."""

    ids: np.ndarray  # passage slots, ascending (int32 or np.intp)
    impacts: np.ndarray | LazyImpacts  # float32, see impacts()
    weight: float = 1.0  # how often the query says it; less for another spelling of a query word
    bound: float | None = None


def _whole(term: TermPostings) -> np.ndarray:
    """The term's weighted impacts over its whole list."""
    values = term.impacts.whole() if isinstance(term.impacts, LazyImpacts) else term.impacts
    return values if term.weight == 1.0 else values * np.float32(term.weight)


def _indices(term: TermPostings) -> np.ndarray:
    """The term's slots as np.intp, the index type np.add.at is fastest with."""
    return term.impacts.indices() if isinstance(term.impacts, LazyImpacts) else term.ids.astype(np.intp, copy=False)


def _at(term: TermPostings, positions: np.ndarray) -> np.ndarray:
    """The term's weighted impacts at positions of its list: the same float32 values as _whole's."""
    values = term.impacts.at(positions) if isinstance(term.impacts, LazyImpacts) else term.impacts[positions]
    return values if term.weight == 1.0 else values * np.float32(term.weight)


def _compiled_term(term: TermPostings) -> tuple:
    """The term as _kernels.add and _kernels.look_up take it: its slots, then its impacts made or
    what makes them (tfs, norms, factor), then its weight."""
    impacts = term.impacts
    if isinstance(impacts, LazyImpacts):
        if impacts.made is None:
            return (term.ids, impacts.tfs, *impacts.norms, impacts.factor, term.weight)
        impacts = impacts.made
    return term.ids, impacts, term.weight


def _add(acc: np.ndarray, term: TermPostings, compiled: bool) -> None:
    """Add the term's weighted impacts into acc at its slots."""
    if compiled:
        _kernels.add(acc, *_compiled_term(term))
    else:
        np.add.at(acc, _indices(term), _whole(term))


def _look_up(partial: np.ndarray, slots: np.ndarray, term: TermPostings, compiled: bool) -> None:
    """partial[i] += the term's weighted impact in slots[i] (ascending), where it occurs."""
    if compiled:
        _kernels.look_up(partial, slots, *_compiled_term(term))
    else:
        positions, found = _find(term.ids, slots)
        partial[found] += _at(term, positions)


def accumulate(postings: Sequence[TermPostings], size: int, compiled: bool = True,
               into: np.ndarray | None = None) -> np.ndarray:
    """Dense float32 scores over all passage slots (into, zeros of size float32, if given);
    only the postings' slots are touched.

    Compiled, a term's impacts are made and added in one pass (_kernels.c). In
    NumPy, np.add.at adds in place without the gather, temporary and scatter of
    ``scores[ids] += ...`` (two to four times faster on long postings lists), and
    short lists go in one call, since there the cost per call is what counts.
    Either way each slot's score is its terms' impacts added in the order of
    postings, which pruning's final scores repeat (_exact).
    """
    scores = np.zeros(size, dtype=np.float32) if into is None else into
    if not compiled and sum(len(term.ids) for term in postings) <= _ONE_CALL_POSTINGS:
        if postings:
            np.add.at(scores, np.concatenate([_indices(term) for term in postings]),
                      np.concatenate([_whole(term) for term in postings]))
    else:
        for term in postings:
            _add(scores, term, compiled)
    return scores


def top_k(postings: Sequence[TermPostings], size: int, k: int, groups: np.ndarray | None = None, *,
          exhaustive: bool | None = None, compiled: bool = True,
          scratch: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Best k passage slots and their scores, best first, ties by slot; with groups (a group
    number per slot, the article), only each group's best slot counts, so k distinct groups.

    By exact dynamic pruning or exhaustively, which give the same slots and scores: exhaustive
    True or False chooses, None takes the cheaper (compiled, exhaustive; in NumPy, pruning once
    the query has many postings for the index's size).
    Either way the loops over postings run compiled (_kernels.c), or in NumPy with compiled
    False, with the same result.
    Pruning needs positive impacts, so a negative Okapi idf is always scored exhaustively.
    scratch, zeros of size float32, is a reusable accumulator (left as zeros).
    """
    if not postings or k <= 0:
        return np.empty(0, np.int64), np.empty(0, np.float32)
    if exhaustive is None:
        exhaustive = compiled or sum(len(term.ids) for term in postings) <= max(_PRUNE_POSTINGS, _PRUNE_SHARE * size)
    if exhaustive or any(_bound(term) <= 0 for term in postings):
        return _exhaustive(postings, size, k, groups, compiled, scratch)
    return _pruned(postings, size, k, groups, scratch, compiled)


def _bound(term: TermPostings) -> float:
    """Upper bound of the term's weighted score in any passage."""
    if term.bound is not None:
        return term.bound * term.weight * (1.0 + _SLACK)
    values = _whole(term)
    return float(values.max(initial=0.0)) * (1.0 + _SLACK)


def _pruned(postings: Sequence[TermPostings], size: int, k: int, groups: np.ndarray | None,
            scratch: np.ndarray | None, compiled: bool) -> tuple[np.ndarray, np.ndarray]:
    """MaxScore, term at a time.

    Terms are added in full into a dense accumulator, shortest list first (the
    rare terms, which carry most of a score in few postings). A bar is kept: the
    k-th best partial score among the passages of the first few terms added
    (scores only grow, so the true k-th best is at least that). Once the terms
    left could lift a passage by at most half the bar, a passage none of the
    added terms touched cannot reach it, and the candidates are the touched ones
    that still can: the remaining terms (the common ones, with most of the
    postings and least of the score) are only looked up for them (galloping
    compiled, by binary search in NumPy), and after each, candidates that can no
    longer reach the bar are dropped. Stopping at half the bar rather than at the
    bar itself keeps the candidates few: adding a list costs a few nanoseconds a
    posting, looking a candidate up many times that. Once a few times k are left, the survivors are
    scored again exactly as the exhaustive path scores them, so the two agree
    bit for bit.
    """
    bounds = np.array([_bound(term) for term in postings])
    order = np.lexsort((np.arange(len(postings)), [len(term.ids) for term in postings]))  # shortest first
    rest = np.append(np.cumsum(bounds[order][::-1])[::-1], 0.0)  # rest[j]: bound of terms order[j:] together
    acc = np.zeros(size, np.float32) if scratch is None else scratch
    added: list[np.ndarray] = []
    seeds: list[np.ndarray] = []  # the first lists of at least k passages: their best set the bar
    bar = 0.0
    try:
        while len(added) < len(order) and rest[len(added)] > bar * _REACH:
            term = postings[order[len(added)]]
            _add(acc, term, compiled)
            indices = term.ids if compiled else _indices(term)
            added.append(indices)
            if len(indices) >= k and len(seeds) < _SEEDS:
                seeds.append(indices)
            bar = max([bar] + [_seed_bar(acc, ids, k, groups, compiled) for ids in seeds])
        reach = bar * (1.0 - _SLACK) - rest[len(added)]  # a touched passage below this cannot reach the bar
        touched = sum(len(ids) for ids in added)
        if reach > 0 and touched > size // 8:  # one pass over the accumulator is cheaper than over the lists
            candidates = np.flatnonzero(acc >= reach)
        else:
            candidates = np.unique(np.concatenate([ids[acc[ids] >= reach] for ids in added]))
        partial = acc[candidates]
    finally:
        if sum(len(ids) for ids in added) > size // 8:
            acc.fill(0)
        else:
            for ids in added:
                if compiled:
                    _kernels.zero(acc, ids)
                else:
                    acc[ids] = 0
    n = len(added)
    candidates, partial, bar = _prune(candidates, partial, bar, rest[n], k, groups)
    while n < len(order) and len(candidates) > _FEW * k:
        _look_up(partial, candidates, postings[order[n]], compiled)
        n += 1
        candidates, partial, bar = _prune(candidates, partial, bar, rest[n], k, groups)
    return _rank(candidates, _exact(postings, candidates, compiled), k, groups)


def _seed_bar(acc: np.ndarray, slots: np.ndarray, k: int, groups: np.ndarray | None, compiled: bool) -> float:
    """_kth of a seed list's passages by their partial scores in acc (compiled: without gathering them)."""
    if compiled and groups is None:
        return _kernels.kth_largest(acc, slots, k)
    return _kth(slots, acc[slots], k, groups)


def _kth(slots: np.ndarray, values: np.ndarray, k: int, groups: np.ndarray | None) -> float:
    """A lower bound on the k-th best score: the k-th largest value of distinct slots, or with
    groups, of distinct groups' best slots; 0 when there are not k of them."""
    if groups is None:
        return float(np.partition(values, len(values) - k)[len(values) - k]) if len(values) >= k else 0.0
    if len(values) > 4 * k:  # the bar only has to be a lower bound: the best 4k are enough to look at
        keep = np.argpartition(-values, 4 * k - 1)[: 4 * k]
        slots, values = slots[keep], values[keep]
    order = np.argsort(-values, kind="stable")
    _, first = np.unique(groups[slots[order]], return_index=True)
    return float(values[order][np.sort(first)[k - 1]]) if len(first) >= k else 0.0


def _prune(candidates: np.ndarray, partial: np.ndarray, bar: float, rest: float, k: int,
           groups: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, float]:
    """Raise the bar from the candidates' partial scores, then drop those that cannot reach it
    with every term still to add (rest: their bounds together)."""
    bar = max(bar, _kth(candidates, partial, k, groups))
    keep = partial >= bar * (1.0 - _SLACK) - rest
    return candidates[keep], partial[keep], bar


def _find(ids: np.ndarray, slots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each of slots (ascending) stands in ids (ascending): positions of those found, and
    a mask of which were."""
    positions = np.searchsorted(ids, slots.astype(ids.dtype, copy=False))  # else NumPy converts all of ids
    np.minimum(positions, len(ids) - 1, out=positions)
    found = ids[positions] == slots if len(ids) else np.zeros(len(slots), bool)
    return positions[found], found


def _exact(postings: Sequence[TermPostings], slots: np.ndarray, compiled: bool) -> np.ndarray:
    """Scores of slots (ascending) as accumulate computes them: each term's float32 impact added
    in the order of postings, so every sum rounds the same way."""
    scores = np.zeros(len(slots), np.float32)
    for term in postings:
        _look_up(scores, slots, term, compiled)
    return scores


def _rank(slots: np.ndarray, scores: np.ndarray, k: int,
          groups: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """The best k of slots by score, ties by slot; with groups, each group's best only."""
    order = np.lexsort((slots, -scores))
    if groups is not None:  # a group's first slot in that order is its best
        _, first = np.unique(groups[slots[order]], return_index=True)
        order = order[np.sort(first)]
    order = order[:k]
    return slots[order].astype(np.int64, copy=False), scores[order]


def _exhaustive(postings: Sequence[TermPostings], size: int, k: int, groups: np.ndarray | None, compiled: bool,
                scratch: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Every posting added up (into scratch, if given: zeroing it again costs less than a new
    array's page faults), then the best selected.

    Compiled and without groups, the selection zeroes the accumulator as it goes: in one call that
    adds and selects a cache-sized stripe of slots at a time when the postings are many
    (_kernels.score_best), else over the lists' slots (_kernels.best). With groups, the best 4k
    slots are taken first, and more only when they hold fewer than k groups: those are exactly the
    first k groups' best slots, since a group with no slot among them scores less than all of them.
    """
    cleared = False
    scores = np.zeros(size, np.float32) if scratch is None else scratch
    try:
        if groups is None and compiled:
            slots, slot_scores = np.empty(k, np.int64), np.empty(k, np.float32)
            if sum(len(term.ids) for term in postings) > size // 8:
                count = _kernels.score_best(scores, [_compiled_term(term) for term in postings], slots, slot_scores)
            else:
                accumulate(postings, size, compiled, scores)
                count = _kernels.best(scores, [term.ids for term in postings], slots, slot_scores)
            cleared = True
            return slots[:count], slot_scores[:count]
        accumulate(postings, size, compiled, scores)
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
    finally:
        if scratch is not None and not cleared:
            scratch.fill(0)


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
        # Every slot tied with the k-th best stays, so ties are broken by slot below, not by the partition.
        kth = np.partition(slot_scores, len(slots) - k)[len(slots) - k]
        keep = slot_scores >= kth
        slots, slot_scores = slots[keep], slot_scores[keep]
    order = np.lexsort((slots, -slot_scores))[:k]
    return slots[order].astype(np.int64, copy=False), slot_scores[order]
