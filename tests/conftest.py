"""Tiny shared fixtures: a built index of the bundled articles, the real bot against the Bot API emulator,
and the real CLI in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import AsyncIterator

import pytest
from telegram.ext import Application

from benchmarks.common import DEFAULT_DATA
from bot.config import BUNDLED_ARTICLES
from index.indexer import index_paths
from tests.emulator import BotApiEmulator
from tests.harness import USERNAME, running

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"  # everything the tests read lives in the repo, so a bare clone passes
SEED_QUESTIONS = DATA / "seed_questions.jsonl"
# The benchmarks' large data sets (optional): a test that uses them skips when they are absent.
SHARED = DEFAULT_DATA.parent


@pytest.fixture(scope="session")
def bundled_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real SQLite index of the bundled articles, built once for the session."""
    path = tmp_path_factory.mktemp("bundled") / "index.sqlite"
    index_paths(path, [BUNDLED_ARTICLES], progress=False)
    return path


@pytest.fixture(scope="session")
def seed_questions() -> list[dict]:
    with SEED_QUESTIONS.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    """A Bot API emulator on 127.0.0.1 playing the bot @USERNAME."""
    async with BotApiEmulator(bot_username=USERNAME) as emulator:
        yield emulator


@pytest.fixture
async def bot(emu: BotApiEmulator, bundled_index: Path) -> AsyncIterator[Application]:
    """The bot's real Application polling emu, answering from the bundled articles."""
    async with running(emu, bundled_index) as app:
        yield app


def cli(*args: str, index: Path, stdin: str | None = None, env: dict[str, str] | None = None,
        timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run the real `citebot` command in a subprocess against the index file at index."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "INDEX_", "ARTICLES_"))}
    environment.update({"INDEX_PATH": str(index), "PYTHONIOENCODING": "utf-8"}, **(env or {}))
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], input=stdin, capture_output=True,
                          text=True, env=environment, cwd=ROOT, timeout=timeout)
