"""The same question on the same index gives byte-identical output in every process (issue 9, item 5).

`citebot ask --json` and `citebot search --json` answer one batch of about 40
varied questions (the seed questions, a slice of each probe set, a few
misspelt names that take the spelling-fallback path) in separate processes
under different PYTHONHASHSEED values, against one index; their standard
output must be the same bytes. No order may come from sets or hash seeds.

The seeds are fixed, so a failure reproduces: run the CLI by hand with
PYTHONHASHSEED=1 and PYTHONHASHSEED=10 and diff the outputs.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import cli

ROOT = Path(__file__).resolve().parents[1]
PROBES = ROOT / "benchmarks" / "probes"
SEED_QUESTIONS = ROOT / "tests" / "data" / "seed_questions.jsonl"
# Two processes per command keep the test quick. 1 and 10 because at 707d347 they disagree for
# both commands (1 and 2 happen to agree for `ask` on this batch); any two must agree.
HASH_SEEDS = ("1", "10")
# Names spelt otherwise than the articles spell them, and common words near names
# the articles use: these go through the vocabulary's close-spelling lookups.
MISSPELT = [
    "What did Stremusov say about the staff?",
    "Who is Fedrov?",
    "Which region does Balitski lead?",
    "Tell me about the code",
]

def _questions(path: Path) -> list[str]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line)["question"] for line in lines if line.strip()]


def batch() -> list[str]:
    """About 40 questions: seed questions, every 9th answerable and every 10th off-topic probe, misspellings."""
    questions = (_questions(SEED_QUESTIONS) + _questions(PROBES / "answerable.jsonl")[::9]
                 + _questions(PROBES / "offtopic.jsonl")[::10] + MISSPELT)
    return [" ".join(q.split()) for q in dict.fromkeys(questions)]


def outputs(command: str, index: Path) -> dict[str, str]:
    """stdout of `citebot COMMAND --json` on the batch, per hash seed (processes run side by side)."""
    stdin = "".join(q + "\n" for q in batch())

    def run(seed: str) -> str:
        done = cli(command, "--json", index=index, stdin=stdin, env={"PYTHONHASHSEED": seed})
        assert done.returncode == 0, done.stderr
        return done.stdout

    with ThreadPoolExecutor(len(HASH_SEEDS)) as pool:
        return dict(zip(HASH_SEEDS, pool.map(run, HASH_SEEDS)))


def assert_identical(runs: dict[str, str]) -> None:
    first_seed, first = next(iter(runs.items()))
    assert len(first.splitlines()) == len(batch())
    for seed, out in runs.items():
        if out != first:
            differing = [json.loads(a)["query"] for a, b in zip(first.splitlines(), out.splitlines()) if a != b]
            pytest.fail(f"PYTHONHASHSEED={seed} differs from PYTHONHASHSEED={first_seed} on: {differing}")


def test_batch_is_varied() -> None:
    questions = batch()
    assert 30 <= len(questions) <= 60


def test_ask_json_is_the_same_under_every_hash_seed(bundled_index: Path) -> None:
    assert_identical(outputs("ask", bundled_index))


def test_search_json_is_the_same_under_every_hash_seed(bundled_index: Path) -> None:
    assert_identical(outputs("search", bundled_index))
