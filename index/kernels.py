"""Scoring's inner loops compiled with numba: adding a term's impacts into the accumulator, looking
its impacts up for candidate passages, and zeroing what was touched.

Written here rather than taken from a library because they are the product's core (bm25.py's
pruning calls them term by term); numba is the well-kept compiler bm25s uses for the same loops.
Each loop does posting by posting what bm25.impacts and np.add.at do array by array, in the same
float32 operations and the same order (no fastmath: no reassociation, no fused multiply-add), so a
score is bit for bit what the NumPy path gives (tests/test_pruning.py). Compared with NumPy, a
posting's impact is never stored: it is made, weighted and added in one pass over the list (about
2.5 ns a posting against np.add.at's 8 at 1M passages), and a candidate is found by galloping from
the last one found rather than by a binary search over the whole list.

Importing numba costs about 0.3 s, and a small index's questions are cheap in NumPy, so bm25.py
imports this module only for a question with many postings (see bm25._kernels). cache=True keeps
the machine code beside this file (or in numba's cache folder), so a process compiles nothing.
"""

from __future__ import annotations

import numba
import numpy as np

_JIT = dict(nopython=True, nogil=True, cache=True, boundscheck=False)


@numba.jit(**_JIT)
def add_impacts(acc: np.ndarray, slots: np.ndarray, tfs: np.ndarray, norm: np.ndarray, factor: np.float32,
                weight: np.float32) -> None:
    """acc[slot] += factor·tf/(tf + norm[slot]) · weight for each posting (bm25.impacts' operations)."""
    for i in range(slots.shape[0]):
        slot = slots[i]
        tf = np.float32(tfs[i])
        acc[slot] += (tf * factor) / (tf + norm[slot]) * weight


@numba.jit(**_JIT)
def add_values(acc: np.ndarray, slots: np.ndarray, values: np.ndarray, weight: np.float32) -> None:
    """acc[slot] += value · weight for each posting whose impact is already made."""
    for i in range(slots.shape[0]):
        acc[slots[i]] += values[i] * weight


@numba.jit(**_JIT)
def _position(slots: np.ndarray, start: int, wanted: int) -> int:
    """Where wanted stands in slots[start:] (ascending): galloping, then a binary search."""
    n = slots.shape[0]
    step = 1
    low = start
    high = start
    while high < n and slots[high] < wanted:
        low = high + 1
        high = start + step
        step *= 2
    if high > n:
        high = n
    while low < high:
        middle = (low + high) // 2
        if slots[middle] < wanted:
            low = middle + 1
        else:
            high = middle
    return low


@numba.jit(**_JIT)
def lookup_impacts(partial: np.ndarray, candidates: np.ndarray, slots: np.ndarray, tfs: np.ndarray,
                   norm: np.ndarray, factor: np.float32, weight: np.float32) -> None:
    """partial[i] += the term's weighted impact in candidates[i] (ascending), where it occurs."""
    at = 0
    n = slots.shape[0]
    for i in range(candidates.shape[0]):
        slot = candidates[i]
        at = _position(slots, at, slot)
        if at == n:
            break
        if slots[at] == slot:
            tf = np.float32(tfs[at])
            partial[i] += (tf * factor) / (tf + norm[slot]) * weight


@numba.jit(**_JIT)
def lookup_values(partial: np.ndarray, candidates: np.ndarray, slots: np.ndarray, values: np.ndarray,
                  weight: np.float32) -> None:
    """partial[i] += the term's weighted value in candidates[i] (ascending), where it occurs."""
    at = 0
    n = slots.shape[0]
    for i in range(candidates.shape[0]):
        slot = candidates[i]
        at = _position(slots, at, slot)
        if at == n:
            break
        if slots[at] == slot:
            partial[i] += values[at] * weight


@numba.jit(**_JIT)
def zero(acc: np.ndarray, slots: np.ndarray) -> None:
    """acc[slot] = 0 for each slot of a list (cheaper than filling acc when the lists are short)."""
    for i in range(slots.shape[0]):
        acc[slots[i]] = 0.0


@numba.jit(**_JIT)
def kth_largest(acc: np.ndarray, slots: np.ndarray, k: int) -> float:
    """The k-th largest of acc at slots (distinct), 0 if there are fewer than k: a bound pruning
    raises after every list it adds, kept in a k-heap instead of gathering and partitioning."""
    if slots.shape[0] < k or k <= 0:
        return 0.0
    heap = np.empty(k, np.float32)
    for i in range(k):
        heap[i] = acc[slots[i]]
    heap.sort()  # ascending: a valid min-heap
    for i in range(k, slots.shape[0]):
        value = acc[slots[i]]
        if value > heap[0]:
            heap[0] = value  # sift the new smallest down
            at = 0
            while True:
                child = 2 * at + 1
                if child >= k:
                    break
                if child + 1 < k and heap[child + 1] < heap[child]:
                    child += 1
                if heap[child] >= heap[at]:
                    break
                heap[at], heap[child] = heap[child], heap[at]
                at = child
    return float(heap[0])
