"""BEIR SciFact (test split) retrieval quality: citebot vs rank-bm25 vs bm25s.

citebot indexes corpus.jsonl as is (passages of ~100 words) and is judged at
the article level: an article scores its best passage (distinct_articles,
limit=100). The baselines index whole documents, analyze(title) +
analyze(text), with the project's own analyzer, so only the engines differ.
Metrics: nDCG@10 (binary gains, log2 discount, ideal DCG from the qrels) and
Recall@100. Speed columns time the evaluation queries themselves (depth 100).

    python benchmarks/eval_beir.py [--data DIR] [--limit N] [--grid]
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (DEFAULT_DATA, Beir, BM25sEngine, CitebotEngine, Latency, RankBM25Engine,  # noqa: E402
                    header, index_citebot, load_beir, markdown_table, ndcg_at_k, recall_at_k, time_queries,
                    workdir)

from citebot.index.bm25 import BM25Params  # noqa: E402

DEPTH = 100
TARGET_NDCG = 0.68
ANCHORS = "published SciFact nDCG@10 anchors: 0.665 (BEIR paper, BM25/Elasticsearch), 0.679 (Pyserini BM25 flat)"


@dataclass
class Row:
    """One engine's (or configuration's) line in a table."""

    engine: str
    ndcg: float
    recall: float
    build_s: float | None
    latency: Latency

    def cells(self) -> list[object]:
        return [self.engine, self.ndcg, self.recall, self.build_s, self.latency.qps,
                self.latency.p50_ms, self.latency.p95_ms]


def per_query(runs: Sequence[list[str]], beir: Beir, query_ids: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """nDCG@10 and Recall@100 of each query (ranked doc-id lists in query order)."""
    ndcg = np.array([ndcg_at_k(run, beir.qrels[q], 10) for run, q in zip(runs, query_ids)])
    recall = np.array([recall_at_k(run, beir.qrels[q], DEPTH) for run, q in zip(runs, query_ids)])
    return ndcg, recall


def score_runs(runs: Sequence[list[str]], beir: Beir, query_ids: Sequence[str]) -> tuple[float, float]:
    """Mean nDCG@10 and Recall@100 over the queries."""
    ndcg, recall = per_query(runs, beir, query_ids)
    return float(ndcg.mean()), float(recall.mean())


def run_citebot(store: Path, params: BM25Params, beir: Beir, query_ids: Sequence[str],
                warmup: int) -> tuple[list[list[str]], Latency]:
    """Ranked article ids per query (best passage per article) and the query latencies."""
    engine = CitebotEngine(store, params)
    try:
        latency, results = engine.time_search([beir.queries[q] for q in query_ids], DEPTH,
                                               distinct_articles=True, warmup=warmup)
    finally:
        engine.close()
    return [[hit.article_id for hit in result.hits] for result in results], latency


def evaluate_citebot(store: Path, params: BM25Params, beir: Beir, query_ids: Sequence[str],
                     warmup: int) -> tuple[float, float, Latency]:
    runs, latency = run_citebot(store, params, beir, query_ids, warmup)
    return (*score_runs(runs, beir, query_ids), latency)


def evaluate_baseline(make: Callable[[], RankBM25Engine | BM25sEngine], beir: Beir, query_ids: Sequence[str],
                      warmup: int, tokenise_s: float) -> Row:
    """Build (tokenise_s, the shared analyze() pass, is added to build_s) and evaluate one baseline."""
    start = time.perf_counter()
    engine = make()
    build_s = time.perf_counter() - start + tokenise_s

    def ranked(query: str) -> list[str]:
        return [beir.doc_ids[i] for i in engine.search(query, DEPTH)[0]]

    latency, runs = time_queries(ranked, [beir.queries[q] for q in query_ids], warmup)
    return Row(engine.name, *score_runs(runs, beir, query_ids), build_s, latency)


def parse_chunks(text: str) -> list[tuple[int, int]]:
    """'100:130,2000:2000' → [(100, 130), (2000, 2000)]."""
    sizes = []
    for part in text.split(","):
        target, _, maximum = part.partition(":")
        sizes.append((int(target), int(maximum or target)))
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="benchmarks folder holding scifact/")
    parser.add_argument("--workdir", type=Path, help="keep index files here instead of a temporary folder")
    parser.add_argument("--limit", type=int, help="evaluate only the first N test queries (quick run)")
    parser.add_argument("--warmup", type=int, default=10, help="untimed queries before timing each engine")
    parser.add_argument("--no-baselines", action="store_true", help="citebot only")
    parser.add_argument("--grid", action="store_true", help="also sweep citebot's variant, k1, b and passage size")
    parser.add_argument("--grid-chunks", default="100:130,400:600,2000:2000",
                        help="passage sizes for --grid as target:maximum words, comma-separated")
    parser.add_argument("--grid-k1", default="0.9,1.2,1.5")
    parser.add_argument("--grid-b", default="0.4,0.75")
    args = parser.parse_args(argv)
    if not (args.data / "scifact").is_dir():
        print(f"eval_beir: no SciFact data at {args.data / 'scifact'} (give --data); nothing measured")
        return 0

    beir = load_beir(args.data / "scifact", "test")
    query_ids = list(beir.queries)[: args.limit]
    corpus = args.data / "scifact" / "corpus.jsonl"

    print(header("BEIR SciFact test: citebot vs rank-bm25 vs bm25s", argv and ["eval_beir.py", *argv]))
    print(f"- {len(beir.doc_ids)} documents, {len(query_ids)} queries, "
          f"{sum(len(beir.qrels[q]) for q in query_ids)} relevance judgments")
    print("- citebot: article level (best passage per article, distinct_articles, limit=100); baselines: whole documents, "
          "the same analyze() tokens of title + text")
    print(f"- QPS/p50/p95: the evaluation queries at depth {DEPTH}, one at a time, tokenisation included, "
          f"after {args.warmup} warm-up queries")
    print("- build_s: citebot = corpus.jsonl → SQLite store (parsing, chunking, analysis, writing); "
          "baselines = analyze() of every document + building the in-memory model")
    print("- bm25s: method 'lucene' (its default), numpy backend, queried through BM25.retrieve() one query at a time")
    print(f"- {ANCHORS}; target nDCG@10 ≥ {TARGET_NDCG}\n")

    with workdir(args.workdir, "citebot-beir-") as folder:
        store = folder / "scifact-100.sqlite"
        build_s, summary = index_citebot(store, [corpus])
        default = BM25Params()
        ndcg, recall, latency = evaluate_citebot(store, default, beir, query_ids, args.warmup)
        rows = [Row(f"citebot ({default.variant}, k1={default.k1:g}, b={default.b:g}, 100-word passages)",
                    ndcg, recall, build_s, latency)]
        if not args.no_baselines:
            start = time.perf_counter()
            tokens = beir.doc_tokens()
            tokenise_s = time.perf_counter() - start
            for make in (lambda: RankBM25Engine(tokens), lambda: BM25sEngine(tokens, k1=1.5),
                         lambda: BM25sEngine(tokens, k1=1.2)):
                rows.append(evaluate_baseline(make, beir, query_ids, args.warmup, tokenise_s))
        print(f"citebot store: {summary.passages} passages\n")
        print(markdown_table(["engine", "nDCG@10", "R@100", "build_s", "QPS", "p50_ms", "p95_ms"],
                             [r.cells() for r in rows], digits=[0, 4, 4, 2, 1, 2, 2]))
        best = max(rows, key=lambda r: r.ndcg)
        print(f"\ncitebot nDCG@10 {rows[0].ndcg:.4f}: target ≥ {TARGET_NDCG} "
              f"{'met' if rows[0].ndcg >= TARGET_NDCG else 'NOT met'}; best engine here: {best.engine} ({best.ndcg:.4f})")
        if len(rows) > 1:
            print("QPS ratio citebot / engine: " + ", ".join(
                f"{r.engine} {rows[0].latency.qps / r.latency.qps:.3g}×" for r in rows[1:]))

        if args.grid:
            grid(folder, corpus, beir, query_ids, args)
    return 0


def grid(folder: Path, corpus: Path, beir: Beir, query_ids: Sequence[str], args: argparse.Namespace) -> None:
    """citebot over variant × k1 × b × passage size, sorted by nDCG@10."""
    k1s = [float(x) for x in args.grid_k1.split(",")]
    bs = [float(x) for x in args.grid_b.split(",")]
    results = []
    builds = []
    for target, maximum in parse_chunks(args.grid_chunks):
        store = folder / f"scifact-{target}-{maximum}.sqlite"
        build_s, summary = index_citebot(store, [corpus], target, maximum)
        builds.append([f"{target}/{maximum}", summary.passages, build_s])
        for variant in ("lucene", "okapi"):
            for k1 in k1s:
                for b in bs:
                    runs, latency = run_citebot(store, BM25Params(variant, k1, b), beir, query_ids, warmup=3)
                    results.append((f"{target}/{maximum}", variant, k1, b, *per_query(runs, beir, query_ids), latency))
    # The shipped default is the reference; others are compared query by query with it.
    defaults = BM25Params()
    reference = next((r for r in results if r[:4] == ("100/130", defaults.variant, defaults.k1, defaults.b)),
                     results[0])
    rows = []
    for chunks, variant, k1, b, ndcg, recall, latency in results:
        diff = ndcg - reference[4]
        se = float(diff.std(ddof=1) / np.sqrt(len(diff))) if len(diff) > 1 else float("nan")
        rows.append([chunks, variant, k1, b, float(ndcg.mean()), float(diff.mean()), se, float(recall.mean()),
                     latency.qps, latency.p50_ms])
    rows.sort(key=lambda r: -r[4])
    print("\n### Grid: citebot configurations (article level, best passage per article)\n")
    print(markdown_table(["passage words (target/max)", "passages", "build_s"], builds, digits=[0, 0, 2]))
    print()
    print(markdown_table(["passage words", "variant", "k1", "b", "nDCG@10", "Δ vs ref", "SE(Δ)", "R@100", "QPS",
                          "p50_ms"], rows, digits=[0, 0, 2, 2, 4, 4, 4, 4, 1, 2]))
    ref_row = next(r for r in rows if (r[0], r[1], r[2], r[3]) == reference[:4])
    print(f"\nReference = {reference[0]} {reference[1]} k1={reference[2]:g} b={reference[3]:g} "
          f"(nDCG@10 {ref_row[4]:.4f}, rank {rows.index(ref_row) + 1} of {len(rows)}); "
          f"Δ = mean per-query nDCG@10 difference from it, SE(Δ) its standard error over the "
          f"{len(query_ids)} queries (|Δ| < 2·SE: not a real difference). Best: {rows[0][0]} {rows[0][1]} "
          f"k1={rows[0][2]:g} b={rows[0][3]:g} nDCG@10 {rows[0][4]:.4f}")


if __name__ == "__main__":
    sys.exit(main())
