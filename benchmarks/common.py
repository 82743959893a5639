"""Shared helpers for the evaluation and benchmark scripts.

Data locations, the report header (date, machine, versions), Markdown
tables, questions through `citebot ask --json` and how they fared, BEIR
loading and metrics, latency statistics, and thin wrappers that give citebot,
rank-bm25 and bm25s one search interface over the same tokens.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import gc
import json
import math
import os
import platform
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # scripts run as `python benchmarks/x.py` from anywhere
    sys.path.insert(0, str(REPO_ROOT))

from citebot.index.analysis import analyze  # noqa: E402

DEFAULT_DATA = REPO_ROOT.parent / "shared" / "benchmarks"
DEFAULT_SEEDS = REPO_ROOT.parent / "shared" / "eval" / "seed_questions.jsonl"
BUNDLED_ARTICLES = REPO_ROOT / "index" / "bundled"


# --------------------------------------------------------------------------- report header


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo (or platform's guess)."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "-"


def git_revision() -> str:
    """Short commit of the working tree, naming the files (outside benchmarks/) that differ from it."""
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT,
                             capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO_ROOT,
                               capture_output=True, text=True, check=True).stdout
        changed = sorted({line[3:] for line in dirty.splitlines() if not line[3:].startswith("benchmarks/")})
        return rev + (f"+uncommitted changes in {', '.join(changed)}" if changed else "+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def header(title: str, argv: Sequence[str] | None = None) -> str:
    """Markdown preamble: what ran, when, on what machine, with which versions."""
    argv = sys.argv if argv is None else argv
    versions = ", ".join(f"{name} {_version(name)}" for name in
                         ("citebot", "rank-bm25", "bm25s", "PyStemmer", "numpy", "scipy", "aiosqlite"))
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return "\n".join([
        f"## {title}",
        "",
        f"- date: {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- machine: {os.cpu_count()} cores, {cpu_model()}, {memory:.0f} GB RAM, {platform.system()} {platform.release()}; "
        f"load average at start {os.getloadavg()[0]:.2f} (other processes share these cores: compare ratios)",
        f"- versions: python {platform.python_version()}, sqlite {sqlite3.sqlite_version}, {versions}",
        f"- citebot commit: {git_revision()}",
        f"- command: `python {' '.join(argv)}`",
        "",
    ])


# --------------------------------------------------------------------------- tables


def fmt(value: Any, digits: int = 4) -> str:
    """A table cell: floats to a fixed number of digits, None as '-'."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        return f"{value:.{digits}f}"
    return str(value)


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[Any]],
                   digits: int | Sequence[int] = 4) -> str:
    """A GitHub Markdown table; numbers right-aligned. digits: one for all columns or one per column."""
    per_column = [digits] * len(headers) if isinstance(digits, int) else list(digits)
    cells = [[fmt(v, per_column[i]) for i, v in enumerate(row)] for row in rows]
    numeric = [all(_is_number(r[i]) for r in cells) and bool(cells) for i in range(len(headers))]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        return "| " + " | ".join(v.rjust(w) if numeric[i] else v.ljust(w)
                                 for i, (v, w) in enumerate(zip(values, widths))) + " |"

    rule = "|" + "|".join("-" * (w + 1) + ":" if numeric[i] else "-" * (w + 2) for i, w in enumerate(widths)) + "|"
    return "\n".join([line(headers), rule, *(line(r) for r in cells)])


def _is_number(text: str) -> bool:
    if text == "-":
        return True
    try:
        float(text.rstrip("%x×").replace(",", ""))
        return True
    except ValueError:
        return False


# --------------------------------------------------------------------------- files and processes


@contextlib.contextmanager
def workdir(path: Path | None, prefix: str = "citebot-bench-") -> Iterator[Path]:
    """The given folder (created, kept), or a temporary one removed afterwards."""
    if path is not None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        yield path
        return
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        yield Path(tmp)


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    """Resident set size of this process now, in MB."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def store_size_mb(path: Path) -> float:
    """Size of an SQLite store with its WAL and shared-memory files, in MB."""
    total = 0
    for suffix in ("", "-wal", "-shm"):
        candidate = Path(str(path) + suffix)
        if candidate.exists():
            total += candidate.stat().st_size
    return total / 2**20


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


# --------------------------------------------------------------------------- questions through the command line


def run_cli(args: list[str], env: dict[str, str], cwd: Path, stdin: str | None = None,
            command: list[str] | None = None) -> str:
    """`citebot ARGS` (command: how to start it; default `python -m citebot.bot.cli`) and its standard output;
    a non-zero exit is fatal (the evaluation cannot go on)."""
    done = subprocess.run([*(command or [sys.executable, "-m", "citebot.bot.cli"]), *args], input=stdin,
                          capture_output=True, text=True, env=env, cwd=cwd)
    if done.returncode != 0:
        raise SystemExit(f"`citebot {' '.join(args)}` exited {done.returncode}: {done.stderr.strip()}")
    return done.stdout


def ask_batch(questions: list[str], env: dict[str, str], cwd: Path,
              command: list[str] | None = None) -> list[dict[str, Any]]:
    """One `ask --json` process for all questions; one reply per question, in order."""
    stdout = run_cli(["ask", "--json"], env, cwd, stdin="".join(" ".join(q.split()) + "\n" for q in questions),
                     command=command)
    replies = [json.loads(line) for line in stdout.splitlines() if line.strip()]
    if len(replies) != len(questions):
        raise SystemExit(f"expected {len(questions)} answers from `citebot ask --json`, got {len(replies)}")
    return replies


@dataclass
class Outcome:
    """How one question fared through `citebot ask --json`."""

    question: str
    answers: list[str]  # expected answer strings; none for a question that should be declined
    article: str | None  # the article that holds the answer
    answered: bool
    first: bool  # an expected answer stands in the first citation's excerpt
    first_three: bool  # … in any of the first three
    cited: list[str]  # article ids cited, in order
    excerpt: str  # the first excerpt ("" when declined)
    error: str | None = None  # the CLI refused the line (batch error object)

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


def evaluate(questions: list[dict[str, Any]], replies: list[dict[str, Any]],
             normalise: Callable[[str], str]) -> list[Outcome]:
    """Each question ("question", expected "answers", "article") against its `ask --json` reply: an
    expected answer counts when, normalised, it stands in a normalised excerpt."""
    def holds(text: str, answers: list[str]) -> bool:
        body = normalise(text)
        return any(normalise(answer) in body for answer in answers)

    outcomes = []
    for question, reply in zip(questions, replies, strict=True):
        citations = reply.get("citations") or []
        excerpts = [c["excerpt"] for c in citations]
        expected = question.get("answers") or []
        outcomes.append(Outcome(
            question=question["question"],
            answers=expected,
            article=question.get("article"),
            answered=bool(reply.get("answered")) or bool(citations),
            first=bool(expected) and bool(excerpts) and holds(excerpts[0], expected),
            first_three=bool(expected) and any(holds(e, expected) for e in excerpts[:3]),
            cited=[c["article"] for c in citations],
            excerpt=excerpts[0] if excerpts else "",
            error=reply.get("error"),
        ))
    return outcomes


def short(text: str, limit: int = 70) -> str:
    """text on one line, safe in a Markdown table cell, cut to limit characters."""
    text = " ".join(text.split()).replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------- BEIR


@dataclass
class Beir:
    """A BEIR data set: corpus in file order, the split's queries and binary qrels."""

    doc_ids: list[str]
    titles: list[str]
    texts: list[str]
    queries: dict[str, str]  # query id → text, only queries that have qrels, in qrels order
    qrels: dict[str, set[str]]  # query id → relevant doc ids (score > 0)

    def doc_tokens(self) -> list[list[str]]:
        """analyze(title) + analyze(text) per document: what the baselines index."""
        return [analyze(title) + analyze(text) for title, text in zip(self.titles, self.texts)]


def load_beir(folder: Path, split: str = "test") -> Beir:
    """Read corpus.jsonl, queries.jsonl and qrels/<split>.tsv (header row, CRLF tolerated)."""
    doc_ids, titles, texts = [], [], []
    for record in read_jsonl(folder / "corpus.jsonl"):
        doc_ids.append(str(record["_id"]))
        titles.append(record.get("title") or "")
        texts.append(record.get("text") or "")
    qrels: dict[str, set[str]] = {}
    with open(folder / "qrels" / f"{split}.tsv", encoding="utf-8", newline="") as handle:
        rows = csv.reader((line.rstrip("\r\n") for line in handle), delimiter="\t")
        for row in rows:
            if not row or row[0] == "query-id":
                continue
            query_id, doc_id, score = row[0], row[1], row[2]
            if int(score) > 0:
                qrels.setdefault(query_id, set()).add(doc_id)
    all_queries = {str(r["_id"]): r["text"] for r in read_jsonl(folder / "queries.jsonl")}
    missing = [q for q in qrels if q not in all_queries]
    if missing:
        raise SystemExit(f"{len(missing)} qrels queries missing from queries.jsonl, e.g. {missing[:3]}")
    return Beir(doc_ids, titles, texts, {q: all_queries[q] for q in qrels}, qrels)


def ndcg_at_k(ranked: Sequence[str], relevant: set[str], k: int = 10) -> float:
    """nDCG@k with binary gains: sum 1/log2(rank+1) over hits, over the ideal for len(relevant)."""
    dcg = sum(1.0 / math.log2(i + 2) for i, doc in enumerate(ranked[:k]) if doc in relevant)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(relevant), k)))
    return dcg / ideal if ideal else 0.0


def recall_at_k(ranked: Sequence[str], relevant: set[str], k: int = 100) -> float:
    return len(set(ranked[:k]) & relevant) / len(relevant) if relevant else 0.0


# --------------------------------------------------------------------------- latency


@dataclass
class Latency:
    """Per-query wall times in seconds, summarised."""

    seconds: list[float] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.seconds)

    @property
    def qps(self) -> float:
        total = sum(self.seconds)
        return self.n / total if total else float("nan")

    def percentile_ms(self, q: float) -> float:
        return float(np.percentile(self.seconds, q) * 1000) if self.seconds else float("nan")

    @property
    def p50_ms(self) -> float:
        return self.percentile_ms(50)

    @property
    def p95_ms(self) -> float:
        return self.percentile_ms(95)


def time_queries(search: Callable[[str], Any], queries: Sequence[str], warmup: int = 10) -> tuple[Latency, list[Any]]:
    """Run search on each query one at a time (after a few untimed warm-up queries)."""
    for query in queries[:warmup]:
        search(query)
    latency, results = Latency(), []
    for query in queries:
        start = time.perf_counter()
        results.append(search(query))
        latency.seconds.append(time.perf_counter() - start)
    return latency, results


# --------------------------------------------------------------------------- engines
# Every engine answers search(query_text, k) → (doc indices, scores), best first,
# tokenising the query with the project's analyze() inside the timed call.


def top_k_indices(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k best scores, best first (ties by index)."""
    k = min(k, len(scores))
    if k <= 0:
        return np.empty(0, np.int64)
    part = np.argpartition(-scores, k - 1)[:k]
    return part[np.lexsort((part, -scores[part]))]


class RankBM25Engine:
    """rank_bm25.BM25Okapi over pre-analysed documents (its default k1=1.5, b=0.75, epsilon=0.25)."""

    name = "rank-bm25 (Okapi)"

    def __init__(self, docs: list[list[str]], k1: float = 1.5, b: float = 0.75) -> None:
        from rank_bm25 import BM25Okapi

        self.model = BM25Okapi(docs, k1=k1, b=b)

    def search(self, query: str, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
        terms = analyze(query)
        if not terms:
            return np.empty(0, np.int64), np.empty(0)
        scores = self.model.get_scores(terms)
        best = top_k_indices(scores, k)
        return best, scores[best]


class BM25sEngine:
    """bm25s.BM25 (default method 'lucene'; numpy backend, or numba's compiled one) over pre-analysed documents."""

    def __init__(self, docs: list[list[str]], k1: float = 1.5, b: float = 0.75, backend: str = "numpy") -> None:
        import bm25s

        self.name = f"bm25s (k1={k1:g})" if backend == "numpy" else f"bm25s ({backend}, k1={k1:g})"
        self.model = bm25s.BM25(k1=k1, b=b, backend=backend)
        self.model.index(docs, show_progress=False)
        self.vocab = self.model.vocab_dict
        self.num_docs = int(self.model.scores["num_docs"])

    def search(self, query: str, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
        terms = [t for t in analyze(query) if t in self.vocab]
        if not terms:  # bm25s raises on a query with no known term
            return np.empty(0, np.int64), np.empty(0)
        # The documented per-query call a user would make (about 2x slower than
        # get_scores_from_ids + argpartition, which skips its input checks).
        docs, scores = self.model.retrieve([terms], k=min(k, self.num_docs), show_progress=False)
        return docs[0], scores[0]


class CitebotEngine:
    """citebot's Searcher driven from one private event loop, one query at a time."""

    name = "citebot"

    def __init__(self, store: Path, params: Any = None) -> None:
        from citebot.index.bm25 import BM25Params
        from citebot.index.search import Searcher

        self.loop = asyncio.new_event_loop()
        self.searcher = self.loop.run_until_complete(Searcher.open(store, params or BM25Params()))
        # As Citebot.open does for the bot and the CLI: what opening loaded lives as long as the process,
        # and the cycle collector's full collections need not walk it again at each question.
        gc.freeze()

    def search_result(self, query: str, k: int = 10, distinct_articles: bool = False) -> Any:
        """The full SearchResult (hits with article ids and texts)."""
        return self.loop.run_until_complete(self.searcher.search(query, limit=k, distinct_articles=distinct_articles))

    def ask(self, question: str, threshold: float = 0.5) -> Any:
        """The bot's Answer to question (what to search, hits, sentences, the answerability cut)."""
        from citebot.bot.service import answer_question

        return self.loop.run_until_complete(answer_question(self.searcher, question, threshold))

    def time_search(self, queries: Sequence[str], k: int = 10, distinct_articles: bool = False,
                    warmup: int = 10) -> tuple[Latency, list[Any]]:
        """Search each query in turn inside one running event loop, as the bot awaits its searches
        (starting a loop per query would time asyncio, not the search); warm-up queries untimed."""
        async def run() -> tuple[Latency, list[Any]]:
            for query in queries[:warmup]:
                await self.searcher.search(query, limit=k, distinct_articles=distinct_articles)
            latency, results = Latency(), []
            for query in queries:
                start = time.perf_counter()
                results.append(await self.searcher.search(query, limit=k, distinct_articles=distinct_articles))
                latency.seconds.append(time.perf_counter() - start)
            return latency, results

        return self.loop.run_until_complete(run())

    def close(self) -> None:
        self.loop.run_until_complete(self.searcher.close())
        self.loop.close()


def index_citebot(store: Path, paths: Sequence[Path], target: int = 100, maximum: int = 130) -> tuple[float, Any]:
    """Build a fresh citebot store; returns (seconds, IndexSummary)."""
    from citebot.index.indexer import ChunkSize, index_paths

    for suffix in ("", "-wal", "-shm"):
        Path(str(store) + suffix).unlink(missing_ok=True)
    start = time.perf_counter()
    summary = index_paths(store, list(paths), rebuild=True, chunk_size=ChunkSize(target, maximum), progress=False)
    return time.perf_counter() - start, summary


def store_passages(store: Path) -> list[tuple[str, str, str]]:
    """(passage id, article id, passage text) of every passage in a citebot store, by slot."""
    from citebot.index.store import passage_id

    conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT a.id, p.ordinal, substr(a.text, p.start + 1, p.end - p.start) "
            "FROM passages p JOIN articles a ON a.slot = p.article ORDER BY p.slot").fetchall()
    finally:
        conn.close()
    return [(passage_id(article, ordinal), article, text) for article, ordinal, text in rows]


def store_titles(store: Path) -> dict[str, str]:
    """Article id → title in a citebot store."""
    conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    try:
        return dict(conn.execute("SELECT id, title FROM articles"))
    finally:
        conn.close()
