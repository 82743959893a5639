"""Crash safety and damaged, foreign, old, read-only or full index files: clear errors, nothing lost."""

from __future__ import annotations

import asyncio
import random
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

from citebot.bot.config import BUNDLED_ARTICLES
from citebot.index.indexer import index_paths
from citebot.index.search import Searcher
from tests.conftest import ROOT, cli

QUESTION = "Which state-owned bank opened branches in Kherson?"


def answers(index: Path) -> bool:
    run = cli("ask", QUESTION, index=index)
    return run.returncode == 0 and "Promsvyazbank" in run.stdout


def searches(index: Path) -> bool:
    """Whether a Searcher opened on index finds the answer's passage first: answers() without the
    second or so a fresh process takes to start, for a check made again and again."""
    async def first_hit() -> str:
        async with await Searcher.open(index) as searcher:
            hits = (await searcher.search(QUESTION)).hits
            return hits[0].text if hits else ""
    return "Promsvyazbank" in asyncio.run(first_hit())


def integrity(index: Path) -> str:
    conn = sqlite3.connect(index)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def big_corpus(folder: Path, articles: int) -> Path:
    """Deterministic synthetic news, enough to keep an indexer busy for a while."""
    rng = random.Random(13)
    words = ("partisans bridge railway mayor explosion region occupied officials resistance drone village "
             "convoy depot night river ferry checkpoint leaflet sabotage report witness").split()
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for i in range(articles):
        text = " ".join(" ".join(rng.choices(words, k=12)).capitalize() + "." for _ in range(25))
        lines.append(f'{{"id": "syn{i}", "title": "Synthetic report {i}", "text": "{text}"}}')
    (folder / "synthetic.jsonl").write_text("\n".join(lines), encoding="utf-8")
    return folder


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A tiny file system of our own (1 MB), to fill up or make read-only; skipped where mount is not allowed."""
    mountpoint = tmp_path / "mnt"
    mountpoint.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mountpoint)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", "-l", str(mountpoint)], capture_output=True)


def killed_at(corpus: Path, index: Path, moment: float) -> bool:
    """Run `citebot index corpus` into index and SIGKILL it moment seconds in; whether it was still running."""
    indexer = subprocess.Popen([sys.executable, "-m", "citebot.bot.cli", "index", str(corpus)], cwd=ROOT,
                               env={"INDEX_PATH": str(index), "PATH": "/usr/bin:/bin"},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        indexer.wait(timeout=moment)
        return False
    except subprocess.TimeoutExpired:
        indexer.kill()
        indexer.wait()
        return True


def test_sigkill_during_indexing_never_loses_the_index(tmp_path: Path) -> None:
    index = tmp_path / "index.sqlite"
    assert cli("index", index=index).returncode == 0
    articles = 6000  # seconds of indexing even on a fast machine, so that each run is killed before it ends
    corpus = big_corpus(tmp_path / "big", articles)
    rng = random.Random(7)
    killed = 0
    for _ in range(3):
        killed += killed_at(corpus, index, rng.uniform(0.3, 1.5))  # a random moment of the run
        assert integrity(index) == "ok"
        assert searches(index)
    assert killed >= 2, "the indexer finished before it could be killed: make the corpus bigger"
    finished = cli("index", str(corpus), index=index, timeout=120)
    assert finished.returncode == 0, finished.stderr
    assert f"{articles} added" in finished.stdout or f"{articles} unchanged" in finished.stdout
    search = cli("search", "--json", "Synthetic report 1499", index=index)
    assert '"syn1499"' in search.stdout
    assert answers(index)


def test_sigkill_during_a_first_build_leaves_no_half_built_index(tmp_path: Path) -> None:
    # A store that does not exist yet is built in a file of its own and put in place when committed:
    # killed before, there is no store at the path, and the next build removes what the killed one left.
    index = tmp_path / "index.sqlite"
    corpus = big_corpus(tmp_path / "big", 12000)  # about 2.5 s of building on a fast machine
    rng = random.Random(11)
    left_behind = []
    for _ in range(3):
        if not killed_at(corpus, index, rng.uniform(0.6, 1.4)):  # a random moment of the run
            index.unlink()  # it finished first: try again
            continue
        assert not index.exists()
        assert "no index yet" in cli("search", "Synthetic report", index=index).stderr
        left_behind += [path.name for path in tmp_path.iterdir() if path.name.startswith(".index.sqlite.building-")]
    assert left_behind, "no run was killed while it built: make the corpus bigger"
    finished = cli("index", str(corpus), index=index, timeout=120)
    assert finished.returncode == 0, finished.stderr
    assert "12000 added" in finished.stdout
    assert [path.name for path in tmp_path.iterdir() if path.name.startswith(".index")] == []
    assert integrity(index) == "ok"
    assert '"syn1499"' in cli("search", "--json", "Synthetic report 1499", index=index).stdout
    assert sqlite3.connect(index).execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_foreign_sqlite_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    index = tmp_path / "other.sqlite"
    conn = sqlite3.connect(index)
    conn.execute("CREATE TABLE customers (name TEXT)")
    conn.execute("INSERT INTO customers VALUES ('Ann')")
    conn.commit()
    conn.close()
    for args in (["ask", "Kherson"], ["index"]):
        run = cli(*args, index=index)
        assert run.returncode == 1 and "not a citebot index" in run.stderr and str(index) in run.stderr
    conn = sqlite3.connect(index)
    assert conn.execute("SELECT name FROM customers").fetchall() == [("Ann",)]
    assert [n for (n,) in conn.execute("SELECT name FROM sqlite_master")] == ["customers"]
    conn.close()


def test_truncated_index_is_reported(tmp_path: Path) -> None:
    index = tmp_path / "index.sqlite"
    index_paths(index, [BUNDLED_ARTICLES], progress=False)
    data = index.read_bytes()
    index.write_bytes(data[: len(data) // 3])
    run = cli("ask", QUESTION, index=index)
    assert run.returncode == 1 and str(index) in run.stderr and "Traceback" not in run.stderr
    assert "rebuild" in run.stderr or "citebot index" in run.stderr
    check = cli("check", index=index)
    assert check.returncode == 1 and check.stdout.count("\n") == 1


def test_old_schema_is_rebuilt_automatically(tmp_path: Path) -> None:
    index = tmp_path / "index.sqlite"
    index_paths(index, [BUNDLED_ARTICLES], progress=False)
    conn = sqlite3.connect(index)
    conn.execute("UPDATE meta SET value = 0 WHERE key = 'schema_version'")
    conn.execute("DROP TABLE postings")
    conn.commit()
    conn.close()
    run = cli("ask", QUESTION, index=index)
    assert run.returncode == 0 and "Promsvyazbank" in run.stdout
    assert "schema version 0" in run.stderr and "rebuilding" in run.stderr


def test_full_disk_keeps_the_previous_index(tmp_path: Path, tmpfs: Path) -> None:
    index = tmpfs / "index.sqlite"
    assert cli("index", index=index).returncode == 0
    corpus = big_corpus(tmp_path / "big", 1500)
    run = cli("index", str(corpus), index=index)
    assert run.returncode == 1
    assert "disk full" in run.stderr and str(index) in run.stderr and "Traceback" not in run.stderr
    assert integrity(index) == "ok"
    assert answers(index)


def test_read_only_folder_serves_and_refuses_to_write(tmp_path: Path, tmpfs: Path) -> None:
    index = tmpfs / "index.sqlite"
    assert cli("index", index=index).returncode == 0
    subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], check=True)
    assert answers(index)
    run = cli("index", str(BUNDLED_ARTICLES), index=index)
    assert run.returncode == 1 and "read-only" in run.stderr and str(index) in run.stderr
