"""Exact dynamic pruning (MaxScore) gives what exhaustive scoring gives: the same passages, scores
and order, ties included, with and without one hit per article, whether its loops run in NumPy or
compiled (_kernels.c); and the stored staircases bound every term's impacts for any BM25
parameters, also after incremental updates."""

from __future__ import annotations

import functools
import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest

import citebot.index.search as search_module
from citebot.index import _kernels
from citebot.index import bm25
from citebot.index.bm25 import (BM25Params, CollectionStats, LazyImpacts, PackedPostings, TermPostings, accumulate,
                                compact_norm, idf, impacts, length_norm, max_impact, staircase, top_k)
from citebot.index.indexer import index_paths
from citebot.index.search import Searcher
from citebot.index.store import SLOT_DTYPE, STAIRCASE_DTYPE, TF_DTYPE

from tests.conftest import DATA

SCIFACT_SAMPLE = DATA / "scifact_corpus_sample.jsonl"
PARAMS = [BM25Params(), BM25Params("okapi", k1=1.5, b=0.75), BM25Params(k1=0.9, b=0.4), BM25Params(k1=2.0, b=1.0)]


def random_postings(rng: np.random.Generator, size: int) -> list[TermPostings]:
    """One to eight terms of very different lengths; few distinct impacts, so scores tie often."""
    norm = rng.choice([0.6, 1.0, 1.5], size).astype(np.float32)
    postings = []
    for _ in range(rng.integers(1, 9)):
        count = min(size, int(rng.choice([1, 3, 40, 800, 9000])))
        ids = np.sort(rng.choice(size, count, replace=False)).astype(np.int32)
        values = impacts(rng.integers(1, 4, count).astype(np.uint16), norm[ids], 1.2, float(rng.choice([0.5, 3.0, 7.0])))
        postings.append(TermPostings(ids, values, float(rng.choice([1.0, 2.0, 0.6]))))
    return postings


@pytest.mark.parametrize("seed", range(60))
def test_pruned_equals_exhaustive_on_a_synthetic_corpus_with_ties(seed: int) -> None:
    rng = np.random.default_rng(seed)
    size = int(rng.choice([50, 2000, 20000]))
    groups = np.sort(rng.integers(0, max(1, size // int(rng.choice([1, 3, 50]))), size)).astype(np.int32)
    postings = random_postings(rng, size)
    scratch = np.zeros(size, np.float32)
    for k in (1, 3, 10, 50):
        for by in (None, groups):
            exhaustive = top_k(postings, size, k, by, exhaustive=True, compiled=False)
            for pruning, compiled in ((True, False), (True, True), (False, True)):
                found = top_k(postings, size, k, by, exhaustive=not pruning, compiled=compiled, scratch=scratch)
                np.testing.assert_array_equal(found[0], exhaustive[0])
                np.testing.assert_array_equal(found[1].view(np.int32), exhaustive[1].view(np.int32))  # bit for bit
                assert not scratch.any()  # the accumulator is left zeroed for the next query


@pytest.mark.parametrize("seed", range(30))
def test_packed_postings_score_as_their_terms_do(seed: int) -> None:
    # A small index's postings packed term after term by id are scored in one call from the terms' ids
    # (score_packed): the same slots and scores, bit for bit, as top_k of the same terms' TermPostings,
    # with terms in no passage, terms asked twice and weights other than one.
    rng = np.random.default_rng(seed)
    size = int(rng.choice([50, 2000, 40000]))  # 40,000 slots: more than one stripe
    norm = rng.choice([0.6, 1.0, 1.5], size).astype(np.float32)
    lazy = []
    for term_id in range(int(rng.integers(1, 40))):
        count = int(rng.choice([0, 1, 3, 40, min(size, 800)]))
        if count:
            slots = np.sort(rng.choice(size, count, replace=False)).astype(np.int32)
            tfs = rng.integers(1, 4, count).astype(np.uint16)
            lazy.append((term_id, LazyImpacts(tfs, slots, norm, 1.2, float(rng.choice([0.5, 3.0, 7.0])))))
    packed = PackedPostings.pack(list(reversed(lazy)), 40)  # in any order: packed by term id
    assert packed.sizes == np.diff(packed.starts).tolist() and len(packed.sizes) == 40
    by_id = dict(lazy)
    scratch = np.zeros(size, np.float32)
    for _ in range(5):
        weighted = [(int(term_id), float(rng.choice([1.0, 2.0, 0.6])))
                    for term_id in rng.integers(0, 40, int(rng.integers(1, 9)))]
        postings = [TermPostings(by_id[term_id].slots, by_id[term_id].made, weight)
                    for term_id, weight in weighted if term_id in by_id]
        assert packed.count(weighted) == sum(len(term.ids) for term in postings)
        for k in (1, 10, 50):
            expected = top_k(postings, size, k, exhaustive=True, compiled=False)
            found = packed.top_k(weighted, k, scratch)
            np.testing.assert_array_equal(found[0], expected[0])
            np.testing.assert_array_equal(found[1].view(np.int32), expected[1].view(np.int32))
            assert not scratch.any()
    for term_id, term in lazy:  # each term's impacts are made and are views of the packed arrays
        alone = LazyImpacts(term.tfs, term.slots, norm, 1.2, term.idf)
        np.testing.assert_array_equal(term.made.view(np.int32), alone.whole().view(np.int32))
        assert np.shares_memory(term.made, packed.impacts) and np.shares_memory(term.slots, packed.slots)


def test_packed_scoring_refuses_what_does_not_fit_its_arrays() -> None:
    packed = PackedPostings.pack([(1, LazyImpacts(np.ones(2, np.uint16), np.array([3, 20_000], np.int32),
                                                  np.ones(40_000, np.float32), 1.2, 1.0))], 3)
    acc, slots, scores = np.zeros(40_000, np.float32), np.empty(5, np.int64), np.empty(5, np.float32)
    arrays = (packed.slots, packed.impacts, packed.starts, 0, 1)  # a term's id and weight: (term id, weight)
    for weighted in ([(3, 1.0)], [(-1, 1.0)]):  # a term id past starts
        with pytest.raises(IndexError):
            _kernels.score_packed(acc, weighted, slots, scores, *arrays)
    for weighted in ([(1,)], [1], [(1, "heavy")]):
        with pytest.raises(TypeError):
            _kernels.score_packed(acc, weighted, slots, scores, *arrays)
    with pytest.raises(IndexError):  # starts pointing past the postings
        _kernels.score_packed(acc, [(1, 1.0)], slots, scores, packed.slots, packed.impacts, np.array([0, 0, 9, 9]), 0, 1)
    with pytest.raises(IndexError):  # a slot past the accumulator
        _kernels.score_packed(np.zeros(10, np.float32), [(1, 1.0)], slots, scores, *arrays)
    with pytest.raises(TypeError):
        _kernels.score_packed(acc, [(1, 1.0)], slots, scores, packed.slots.astype(np.int64), packed.impacts,
                              packed.starts, 0, 1)
    with pytest.raises(ValueError):
        _kernels.score_packed(acc, [(1, 1.0)], slots, scores, *arrays[:3], -1, 1)
    with pytest.raises(TypeError):  # a tuple too short for the weight's position
        _kernels.score_packed(acc, [(1, 1.0)], slots, scores, *arrays[:3], 0, 2)
    # The ids and weights at other positions of the terms' tuples (as a search passes its QueryTerms).
    assert _kernels.score_packed(acc, [(1, 2.0), (2, 1.0)], slots, scores, *arrays) == 2
    paired = slots.tolist(), scores.tolist()
    assert _kernels.score_packed(acc, [("x", 2.0, 1), ("y", 1.0, 2)], slots, scores, *arrays[:3], 2, 1) == 2
    assert (slots.tolist(), scores.tolist()) == paired and not acc.any()
    assert not acc.any()
    assert _kernels.score_packed(acc, [(0, 1.0), (1, 2.0), (2, 1.0)], slots, scores, *arrays) == 2
    assert slots[:2].tolist() == [3, 20_000] and not acc.any()


@pytest.mark.parametrize("seed", range(6))
def test_compiled_scores_are_numpys_bit_for_bit(seed: int) -> None:
    # Impacts made posting by posting (_kernels.c) or array by array (impacts, np.add.at), weighted
    # or not, made ahead or not, norms read as float32 or as a uint16 length and a table: every
    # float32 sum must round the same way.
    rng = np.random.default_rng(seed)
    size = 30_000
    lengths = rng.integers(1, 400, size)
    stats = CollectionStats(size, int(lengths.sum()), 0.0, 1)
    params = PARAMS[seed % len(PARAMS)]
    norm = length_norm(lengths, stats, params)
    compact = compact_norm(lengths, stats, params)
    assert compact is not None and compact[0].dtype == np.uint16
    postings = []
    for count in (5, 700, 12_000, 29_000):
        slots = np.sort(rng.choice(size, count, replace=False)).astype(np.int32)
        lazy = LazyImpacts(rng.integers(1, 40, count).astype(np.uint16), slots, norm, params.k1, float(rng.random() * 9),
                           compact if rng.random() < 0.5 else None)
        if rng.random() < 0.3:
            lazy.whole()
        postings.append(TermPostings(slots, lazy, float(rng.choice([1.0, 0.35, 3.0]))))
    numpy_scores = accumulate(postings, size, compiled=False)
    compiled_scores = accumulate(postings, size, compiled=True)
    assert numpy_scores.any()
    np.testing.assert_array_equal(compiled_scores.view(np.int32), numpy_scores.view(np.int32))
    # The same sums added a stripe of slots at a time, and selected on the way (score_best).
    scratch = np.zeros(size, np.float32)
    for k in (1, 10, 500):
        expected = top_k(postings, size, k, exhaustive=True, compiled=False)
        found = top_k(postings, size, k, exhaustive=True, compiled=True, scratch=scratch)
        np.testing.assert_array_equal(found[0], expected[0])
        np.testing.assert_array_equal(found[1].view(np.int32), expected[1].view(np.int32))
        assert not scratch.any()
    candidates = np.sort(rng.choice(size, 3000, replace=False))
    found_any = 0
    for term in postings:
        looked_up = [np.zeros(len(candidates), np.float32) for _ in range(2)]
        for found, compiled in zip(looked_up, (False, True)):
            bm25._look_up(found, candidates, term, compiled)
        np.testing.assert_array_equal(looked_up[1].view(np.int32), looked_up[0].view(np.int32))
        found_any += int(np.count_nonzero(looked_up[0]))
    assert found_any > 1000  # the long lists hold most candidates: the look-ups compared real values
    # A passage longer than a uint16 counts: no compact norms, the float32 ones serve.
    assert compact_norm(np.array([3, 70_000]), stats, params) is None


def test_ties_are_broken_by_slot_on_both_paths() -> None:
    # Forty passages score exactly the same; the best ten are the ten lowest slots.
    ids = np.arange(0, 400, 10, dtype=np.int32)
    postings = [TermPostings(ids, np.full(len(ids), 2.5, np.float32)),
                TermPostings(np.arange(400, dtype=np.int32), np.full(400, 0.5, np.float32))]
    for exhaustive in (False, True, None):
        for compiled in (False, True):
            slots, scores = top_k(postings, 400, 10, exhaustive=exhaustive, compiled=compiled)
            assert slots.tolist() == list(range(0, 100, 10)) and scores.tolist() == [3.0] * 10


@pytest.mark.parametrize("size", [7, 64, 1000, 5003])
def test_negative_and_zero_scores_are_never_hits_and_the_accumulator_is_left_zero(size: int) -> None:
    # A negative Okapi idf makes negative impacts; a passage whose terms cancel out scores 0. Neither is
    # a hit on either path, and the compiled selection zeroes every slot it was given, over the lists
    # (few postings) or over the whole accumulator (many).
    rng = np.random.default_rng(size)
    scratch = np.zeros(size, np.float32)
    for count in (1, size // 10 + 1, size):
        ids = np.sort(rng.choice(size, count, replace=False)).astype(np.int32)
        values = rng.choice([-1.5, -0.25, 0.25, 1.5, 3.0], count).astype(np.float32)
        postings = [TermPostings(ids, values), TermPostings(ids[::2].copy(), -values[::2])]
        for k in (1, 10, size):
            expected = top_k(postings, size, k, exhaustive=True, compiled=False)
            found = top_k(postings, size, k, exhaustive=True, compiled=True, scratch=scratch)
            assert (expected[1] > 0).all()
            np.testing.assert_array_equal(found[0], expected[0])
            np.testing.assert_array_equal(found[1], expected[1])
            assert not scratch.any()


def test_the_compiled_loops_refuse_what_would_write_past_their_arrays() -> None:
    # A slot past the accumulator (a damaged index) is an IndexError, never a write out of bounds;
    # an array of the wrong kind is a TypeError.
    acc, norm = np.zeros(8, np.float32), np.ones(8, np.float32)
    tfs = np.ones(2, np.uint16)
    with pytest.raises(IndexError):
        _kernels.add(acc, np.array([1, 8], np.int32), tfs, norm, 2.2, 1.0)
    with pytest.raises(IndexError):
        _kernels.add(acc, np.array([-1, 3], np.int64), np.ones(2, np.float32), 1.0)
    with pytest.raises(IndexError):
        _kernels.zero(acc, np.array([9], np.int32))
    with pytest.raises(IndexError):
        _kernels.kth_largest(acc, np.array([0, 1, 99], np.int32), 2)
    with pytest.raises(IndexError):
        _kernels.look_up(np.zeros(1, np.float32), np.array([20]), np.array([20], np.int32), np.ones(1, np.uint16), norm, 2.2, 1.0)
    with pytest.raises(TypeError):
        _kernels.add(acc, np.array([1.0, 2.0]), tfs, norm, 2.2, 1.0)
    with pytest.raises(TypeError):
        _kernels.add(acc, np.array([1, 2], np.int32), tfs, norm.astype(np.float64), 2.2, 1.0)
    with pytest.raises(ValueError):
        _kernels.add(acc, np.array([1, 2, 3], np.int32), tfs, norm, 2.2, 1.0)
    with pytest.raises(TypeError):
        _kernels.zero(acc)
    with pytest.raises(ValueError):
        _kernels.kth_largest(acc, np.arange(2), -1)
    with pytest.raises(ValueError):  # a norm table must cover every uint16 length
        _kernels.add(acc, np.array([1, 2], np.int32), tfs, np.full(8, 60_000, np.uint16), norm, 2.2, 1.0)
    with pytest.raises(IndexError):
        _kernels.add(acc, np.array([1, 9], np.int32), tfs, np.ones(8, np.uint16), np.ones(65536, np.float32), 2.2, 1.0)
    with pytest.raises(IndexError):
        _kernels.best(acc, [np.array([2, 8], np.int32)], np.empty(3, np.int64), np.empty(3, np.float32))
    with pytest.raises(TypeError):  # the slots it writes are int64
        _kernels.best(acc, [np.array([2], np.int32)], np.empty(3, np.int32), np.empty(3, np.float32))
    with pytest.raises(TypeError):
        _kernels.best(acc, [np.array([2.0])], np.empty(3, np.int64), np.empty(3, np.float32))
    _kernels.look_up(np.zeros(0, np.float32), np.zeros(0, np.int64), np.zeros(0, np.int32), np.zeros(0, np.uint16), norm, 2.2, 1.0)
    assert _kernels.kth_largest(np.arange(8, dtype=np.float32), np.arange(8), 3) == 5.0
    assert _kernels.kth_largest(acc, np.arange(2), 3) == 0.0  # fewer than k


def test_scoring_stripe_by_stripe_refuses_damaged_lists_and_leaves_the_accumulator_zero() -> None:
    # score_best adds a stripe of slots at a time, so a list must ascend: a slot behind its stripe,
    # negative or past the accumulator is an IndexError, and whatever was added is zeroed again.
    size = 40_000  # more than one stripe
    acc, slots, scores = np.zeros(size, np.float32), np.empty(5, np.int64), np.empty(5, np.float32)
    ones = np.ones(3, np.float32)
    good = (np.array([3, 20_000, 39_999], np.int32), ones, 1.0)
    for damaged in (np.array([3, 30_000, 5], np.int32), np.array([-1, 3, 9], np.int64),
                    np.array([3, 9, size], np.int32), np.array([39_999, 20_000, 3], np.int32)):
        with pytest.raises(IndexError):
            _kernels.score_best(acc, [good, (damaged, ones, 1.0)], slots, scores)
        assert not acc.any()
    for wrong in ([good[:2]], [np.arange(3)], good):  # a term is a tuple as add() takes it
        with pytest.raises(TypeError):
            _kernels.score_best(acc, wrong, slots, scores)
    with pytest.raises(TypeError):
        _kernels.score_best(acc, [good], slots.astype(np.int32), scores)
    assert _kernels.score_best(acc, [good, good], slots, scores) == 3
    assert slots[:3].tolist() == [3, 20_000, 39_999] and scores[:3].tolist() == [2.0] * 3 and not acc.any()


@pytest.mark.parametrize("seed", range(8))
def test_the_staircase_gives_each_terms_largest_impact_for_any_parameters(seed: int) -> None:
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, 300, 5000).astype(np.int32)
    stats = CollectionStats(len(lengths), int(lengths.sum()), 0.0, 1)
    for count in (1, 7, 400, 5000):
        slots = np.sort(rng.choice(len(lengths), count, replace=False))
        tfs = np.minimum(rng.geometric(float(rng.choice([0.3, 0.9])), count), 60).astype(np.uint16)
        pairs = staircase(tfs, lengths[slots])
        for params in PARAMS:
            term_idf = idf(count, CollectionStats(len(lengths), 0, 5000.0, 1000), params)
            largest = float(impacts(tfs, length_norm(lengths, stats, params)[slots], params.k1, term_idf).max())
            assert largest <= max_impact(pairs, stats, params, term_idf) <= largest * (1 + 1e-4)


async def same_hits(index: Path, queries: list[str], preload_bytes: int, monkeypatch: pytest.MonkeyPatch) -> int:
    """Search every query pruned and exhaustively in one Searcher; the hits must be identical.
    Returns how many hits were compared."""
    compared = 0
    searcher = await Searcher.open(index, preload_bytes=preload_bytes)
    try:
        for query in queries:
            for limit, distinct in ((10, False), (3, False), (10, True), (50, True)):
                # As searched (a small index's postings packed), then through top_k in every way.
                found = [[(h.passage_id, h.score) for h in (await searcher.search(query, limit, distinct)).hits]]
                for exhaustive, compiled in ((True, False), (False, False), (False, True), (True, True)):
                    with monkeypatch.context() as patch:
                        patch.setattr(search_module, "top_k",
                                      functools.partial(top_k, exhaustive=exhaustive, compiled=compiled))
                        patch.setattr(searcher, "packed", None)
                        result = await searcher.search(query, limit, distinct)
                    found.append([(h.passage_id, h.score) for h in result.hits])
                assert all(hits == found[0] for hits in found[1:])
                compared += len(found[0])
    finally:
        await searcher.close()
    return compared


@pytest.mark.parametrize("preload_bytes", [0, 32 * 1024 * 1024])  # read from the database, or held in memory
async def test_pruned_equals_exhaustive_on_the_seeds(bundled_index: Path, seed_questions: list[dict],
                                                     preload_bytes: int, monkeypatch: pytest.MonkeyPatch) -> None:
    queries = [q["question"] for q in seed_questions] + ["Kherson Kherson Russian", "Melitopol mayor Fedorov", "Stremusov"]
    assert await same_hits(bundled_index, queries, preload_bytes, monkeypatch) > 100
    if preload_bytes:  # small enough to be held whole: its postings were packed, and searched so
        async with await Searcher.open(bundled_index, preload_bytes=preload_bytes) as searcher:
            assert searcher.packed is not None


async def test_an_index_held_whole_has_each_terms_impacts_made_at_load_bit_for_bit(bundled_index: Path) -> None:
    # Made for all terms in one vectorised pass when the index is loaded; each must be what the term
    # computes alone, or the hits would depend on how the index was read.
    searcher = await Searcher.open(bundled_index)
    try:
        held = [item.impacts for item in searcher.held.values()]
        assert len(held) > 500
        for lazy in held:
            assert lazy.made is not None
            alone = LazyImpacts(lazy.tfs, lazy.slots, lazy.norm, lazy.k1, lazy.idf)
            np.testing.assert_array_equal(lazy.whole().view(np.int32), alone.whole().view(np.int32))
            assert lazy.indices().dtype == np.intp
    finally:
        await searcher.close()


async def test_pruned_equals_exhaustive_on_the_scifact_sample_and_after_an_update(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    records = [json.loads(line) for line in SCIFACT_SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()]
    queries = [record["title"] for record in records]
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records[:20]), encoding="utf-8")
    (folder / "b.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records[20:]), encoding="utf-8")
    index = tmp_path / "scifact.sqlite"
    index_paths(index, [folder], progress=False)
    assert await same_hits(index, queries, 0, monkeypatch) > 300
    # An update rewrites only the touched terms' postings and changes the average length: every
    # staircase must still bound its term's impacts.
    (folder / "b.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records[20:25]), encoding="utf-8")
    (folder / "c.jsonl").write_text(json.dumps({**records[3], "_id": "copy"}) + "\n", encoding="utf-8")
    index_paths(index, [folder], progress=False)
    assert await same_hits(index, queries, 0, monkeypatch) > 300
    assert_staircases_bound(index)


def assert_staircases_bound(index: Path) -> None:
    conn = sqlite3.connect(index)
    try:
        lengths = np.frombuffer(conn.execute("SELECT value FROM meta WHERE key='lengths'").fetchone()[0], SLOT_DTYPE)
        rows = conn.execute("SELECT staircase, slots, tfs FROM postings").fetchall()
    finally:
        conn.close()
    stats = CollectionStats(int((lengths > 0).sum()), int(lengths.sum()), 0.0, 1)
    for params in PARAMS:
        norm = length_norm(lengths, stats, params)
        for pairs, slots, tfs in rows:
            slots = np.frombuffer(slots, SLOT_DTYPE)
            largest = float(impacts(np.frombuffer(tfs, TF_DTYPE), norm[slots], params.k1).max())
            assert largest <= max_impact(np.frombuffer(pairs, STAIRCASE_DTYPE), stats, params, 1.0) <= largest * (1 + 1e-4)
