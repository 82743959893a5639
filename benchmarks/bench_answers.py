"""Answer speed: `citebot ask --json` and `citebot search --json` in batch, against retrieval alone and bm25s.

On SciFact (corpus.jsonl indexed as it is; all 1,109 queries, one a line),
in one run:

- citebot's Searcher alone (search(limit=20), in process, first pass);
- `citebot ask --json` reading the queries from stdin (the real CLI in a
  subprocess: analysis of the question, search, stored sentences, excerpts,
  the answerability model, JSON);
- `citebot search --json` the same way (its default ten hits, one per article, snippets);
- bm25s (numpy backend, same analyze() tokens, k=5) in process.

A CLI's throughput is the questions over its time less the time of the same
command given no question (start-up: imports, opening the index), each the
median of --rounds runs taken in turn.

On a shared machine, --cpu counts CPU time (user + system: the CLI's as a
child process, the in-process parts' with time.process_time) instead of wall
time, which other work stretches; --against PYTHON also runs the CLI of
another interpreter (say a venv with an older checkout installed) by turns
with this one's in every round, its rows marked "against", so a change is
measured side by side; that CLI answers from an index its own `citebot index`
built, since another checkout may write another schema. The ratios are those
of the medians.

    python benchmarks/bench_answers.py [--data DIR] [--rounds 3] [--cpu] [--against PYTHON]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (DEFAULT_DATA, BM25sEngine, header, index_citebot, load_beir, markdown_table,  # noqa: E402
                    read_jsonl, workdir)

from citebot.index.analysis import forget_words  # noqa: E402
from citebot.index.search import Searcher  # noqa: E402


def children_cpu() -> float:
    """CPU seconds (user + system) of the child processes waited for so far."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def cli_index(python: str, store: Path, corpus: Path) -> None:
    """Index corpus into store with python's `citebot index` (its own schema)."""
    done = subprocess.run([python, "-m", "citebot.bot.cli", "index", str(corpus)], capture_output=True, text=True,
                          env={**os.environ, "INDEX_PATH": str(store)}, check=False)
    if done.returncode != 0:
        raise SystemExit(f"citebot index failed: {done.stderr.strip()}")


def cli_seconds(command: str, store: Path, lines: str, python: str = sys.executable, cpu: bool = False) -> float:
    """Wall time (with cpu, CPU time) of python's `citebot COMMAND --json` reading lines from stdin."""
    env = {**os.environ, "INDEX_PATH": str(store)}
    clock = children_cpu if cpu else time.perf_counter
    start = clock()
    done = subprocess.run([python, "-m", "citebot.bot.cli", command, "--json"], input=lines, text=True,
                          capture_output=True, env=env, check=False)
    seconds = clock() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"citebot {command} failed: {done.stderr.strip()}")
    return seconds


async def searcher_qps(store: Path, queries: list[str], cpu: bool = False) -> float:
    clock = time.process_time if cpu else time.perf_counter
    forget_words()
    async with await Searcher.open(store) as searcher:
        start = clock()
        for query in queries:
            await searcher.search(query, limit=20)
        return len(queries) / (clock() - start)


def bm25s_qps(data: Path, queries: list[str], cpu: bool = False) -> float:
    clock = time.process_time if cpu else time.perf_counter
    beir = load_beir(data / "scifact")
    engine = BM25sEngine(beir.doc_tokens(), k1=1.2)
    forget_words()
    start = clock()
    for query in queries:
        engine.search(query, 5)
    return len(queries) / (clock() - start)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="benchmarks folder holding scifact/")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cpu", action="store_true", help="count CPU time, not wall time (a shared machine)")
    parser.add_argument("--against", metavar="PYTHON",
                        help="another interpreter whose CLI runs by turns with this one's")
    args = parser.parse_args(argv)
    corpus = args.data / "scifact" / "corpus.jsonl"
    if not corpus.exists():
        print(f"No SciFact data at {corpus.parent} (see ../shared/benchmarks/SOURCES.md); nothing to measure.")
        return 1
    queries = [" ".join(r["text"].split()) for r in read_jsonl(args.data / "scifact" / "queries.jsonl")]
    lines = "".join(q + "\n" for q in queries)
    print(header("Answer speed: ask/search --json in batch vs retrieval alone and bm25s (SciFact, all queries)",
                 ["bench_answers.py", *(argv or sys.argv[1:])]))
    with workdir(None, "citebot-answers-") as folder:
        store = folder / "scifact.sqlite"
        build_s, summary = index_citebot(store, [corpus])
        print(f"- {summary.passages} passages built in {build_s:.1f} s; {len(queries)} queries\n")
        pythons = {"": sys.executable, **({" against": args.against} if args.against else {})}
        stores = {"": store}
        if args.against:
            stores[" against"] = folder / "against.sqlite"
            cli_index(args.against, stores[" against"], corpus)
        rounds: dict[str, list[float]] = {"searcher": [], "bm25s": []}
        for n in range(args.rounds):
            rounds["searcher"].append(asyncio.run(searcher_qps(store, queries, args.cpu)))
            for command in ("ask", "search"):
                # Turns alternate which interpreter goes first, so neither always runs after the other.
                for mark, python in (list(pythons.items()) if n % 2 == 0 else list(pythons.items())[::-1]):
                    idle = cli_seconds(command, stores[mark], "", python, args.cpu)
                    busy = cli_seconds(command, stores[mark], lines, python, args.cpu)
                    rounds.setdefault(command + mark, []).append(len(queries) / max(1e-9, busy - idle))
            rounds["bm25s"].append(bm25s_qps(args.data, queries, args.cpu))
    qps = {name: statistics.median(values) for name, values in rounds.items()}
    rows = [["citebot Searcher.search (retrieval only, in process)", qps["searcher"], 1.0, "-"]]
    for mark in pythons:
        rows += [[f"citebot ask --json (CLI, batch){mark}", qps["ask" + mark], qps["ask" + mark] / qps["searcher"],
                  "≥ 1/3 of retrieval"],
                 [f"citebot search --json (CLI, batch){mark}", qps["search" + mark],
                  qps["search" + mark] / qps["searcher"], "-"]]
    rows.append(["bm25s (numpy, in process, k=5)", qps["bm25s"], qps["bm25s"] / qps["searcher"], "-"])
    unit = "CPU time" if args.cpu else "wall time"
    print(markdown_table(["what", f"QPS (median of rounds, {unit})", "× retrieval", "target"], rows,
                         digits=[0, 1, 3, 0]))
    for mark in pythons:
        print(f"\nask --json{mark} / retrieval: {qps['ask' + mark] / qps['searcher']:.3f} (target ≥ 0.333); "
              f"search --json{mark} / bm25s: {qps['search' + mark] / qps['bm25s']:.3f} (target ≥ 0.7)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
