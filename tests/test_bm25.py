"""Scores equal rank_bm25.BM25Okapi on the same tokens, on the seeds and on SciFact."""

import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from citebot.index.analysis import analyze
from citebot.index.articles import title_opens_text
from citebot.index.bm25 import BM25Params, TermPostings, accumulate, impacts, top_k
from citebot.index.indexer import index_paths
from citebot.index.search import Searcher

from tests.conftest import DATA

SCIFACT_SAMPLE = DATA / "scifact_corpus_sample.jsonl"  # the first 30 lines of BEIR SciFact's corpus.jsonl

OKAPI = BM25Params("okapi", k1=1.5, b=0.75, epsilon=0.25)


def passage_tokens(path: Path) -> tuple[list[int], list[list[str]]]:
    """Slots and tokens of every passage, read back from the store (title counts in passage 0)."""
    conn = sqlite3.connect(path)
    rows = conn.execute("SELECT p.slot, p.ordinal, p.start, p.end, a.title, a.text FROM passages p "
                        "JOIN articles a ON a.slot = p.article ORDER BY p.slot").fetchall()
    conn.close()
    slots = [r[0] for r in rows]
    return slots, [analyze(text[start:end]) + (analyze(title) if ordinal == 0 and not title_opens_text(title, text) else [])
                   for _, ordinal, start, end, title, text in rows]


async def assert_same_scores(path: Path, queries: list[str]) -> None:
    slots, corpus = passage_tokens(path)
    reference = BM25Okapi(corpus, k1=1.5, b=0.75, epsilon=0.25)
    searcher = await Searcher.open(path, OKAPI)
    try:
        for query in queries:
            terms = analyze(query)
            ours = (await searcher.scores(terms))[slots]
            # Impacts are float32 (half the memory traffic); sums agree to about 1e-7.
            np.testing.assert_allclose(ours, reference.get_scores(terms), rtol=1e-6, atol=1e-6)
    finally:
        await searcher.close()


async def test_equal_to_rank_bm25_on_seeds(bundled_index: Path, seed_questions: list[dict]) -> None:
    # "Kherson" is in more than half the passages: rank-bm25's negative idf floor is exercised.
    queries = [q["question"] for q in seed_questions] + ["Kherson Kherson Russian", "Melitopol mayor Fedorov"]
    await assert_same_scores(bundled_index, queries)


async def test_equal_to_rank_bm25_on_scifact(tmp_path: Path) -> None:
    """Scientific abstracts (the SciFact sample in tests/data), asked their own titles and a few
    shorter questions: long queries of rare and common words, repeated terms."""
    index = tmp_path / "scifact.sqlite"
    index_paths(index, [SCIFACT_SAMPLE], progress=False)
    with SCIFACT_SAMPLE.open(encoding="utf-8") as lines:
        titles = [json.loads(line)["title"] for line in lines]
    queries = titles + ["white matter diffusion", "cells cells cells", "the role of protein in cancer", "brain"]
    await assert_same_scores(index, queries)


@pytest.mark.parametrize("seed", range(12))
def test_top_k_equals_a_full_sort_for_rare_and_common_terms(seed: int) -> None:
    rng = np.random.default_rng(seed)
    size = 20_000
    norm = rng.uniform(0.5, 2.0, size).astype(np.float32)
    postings = []
    for _ in range(rng.integers(1, 7)):
        count = int(rng.choice([3, 40, 800, 9000, 15000]))
        ids = np.sort(rng.choice(size, count, replace=False)).astype(np.int32)
        weight = float(np.log1p(size / count) * rng.uniform(0.5, 2))
        postings.append(TermPostings(ids, impacts(rng.integers(1, 6, count).astype(np.uint16), norm[ids], 1.2), weight))
    dense = accumulate(postings, size).astype(np.float64)
    for k in (1, 5, 10, 50):
        slots, scores = top_k(postings, size, k)
        expected = np.sort(dense[dense > 0])[::-1][:k]
        np.testing.assert_allclose(scores, expected, rtol=1e-5)
        np.testing.assert_allclose(dense[slots], scores, rtol=1e-5)


@pytest.mark.parametrize("seed", range(6))
def test_top_k_per_group_equals_each_groups_best_by_full_sort(seed: int) -> None:
    rng = np.random.default_rng(seed)
    size = 5000
    groups = np.sort(rng.integers(0, int(rng.choice([3, 40, 600])), size)).astype(np.int32)  # a few long articles or many
    norm = rng.uniform(0.5, 2.0, size).astype(np.float32)
    postings = []
    for count in rng.choice([5, 300, 4000], rng.integers(1, 4)):
        ids = np.sort(rng.choice(size, int(count), replace=False))
        postings.append(TermPostings(ids, impacts(rng.integers(1, 6, int(count)).astype(np.uint16), norm[ids], 1.2)))
    dense = accumulate(postings, size)
    best: dict[int, float] = {}
    for slot in np.flatnonzero(dense > 0):
        best[int(groups[slot])] = max(best.get(int(groups[slot]), 0.0), float(dense[slot]))
    for k in (1, 10, 50):
        slots, scores = top_k(postings, size, k, groups)
        np.testing.assert_allclose(scores, sorted(best.values(), reverse=True)[:k], rtol=1e-6)
        assert len(set(groups[slots].tolist())) == len(slots) == min(k, len(best))
        np.testing.assert_allclose(dense[slots], scores)


def test_top_k_equals_a_full_sort() -> None:
    rng = np.random.default_rng(7)
    norm = rng.uniform(0.5, 2.0, 5000)
    postings = []
    for size, weight in [(3000, 0.3), (400, 2.0), (50, 4.0)]:
        ids = np.sort(rng.choice(5000, size, replace=False)).astype(np.int32)
        postings.append(TermPostings(ids, impacts(rng.integers(1, 5, size).astype(np.uint16), norm[ids], 1.2), weight))
    dense = accumulate(postings, 5000)
    for k in (1, 10, 100):
        slots, scores = top_k(postings, 5000, k)
        np.testing.assert_allclose(scores, np.sort(dense)[::-1][:k], rtol=1e-5)
        np.testing.assert_allclose(dense[slots], scores, rtol=1e-5)
        assert len(set(slots.tolist())) == k


async def test_lucene_idf_stays_positive_for_common_words(bundled_index: Path) -> None:
    searcher = await Searcher.open(bundled_index)
    try:
        result = await searcher.search("Kherson")
        assert result.hits and all(hit.score > 0 for hit in result.hits)
    finally:
        await searcher.close()
