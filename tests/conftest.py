"""Tiny shared fixtures: a built index of the bundled articles, the real bot against the Bot API emulator,
the service (also on an event loop of its own, for hypothesis), and the real CLI in a subprocess."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import AsyncIterator, Iterator

import pytest
from telegram.ext import Application

from citebot.bot.config import BUNDLED_ARTICLES, Settings
from citebot.bot.service import Citebot
from citebot.index.indexer import index_paths
from tests.emulator import BotApiEmulator
from tests.harness import USERNAME, running

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"  # everything the tests read lives in the repo, so a bare clone passes
SEED_QUESTIONS = DATA / "seed_questions.jsonl"


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


@pytest.fixture
async def citebot(bundled_index: Path) -> AsyncIterator[Citebot]:
    """The service (what Telegram and `citebot chat` ask through) over the bundled articles."""
    bot = await Citebot.open(Settings(_env_file=None, index_path=bundled_index))
    yield bot
    await bot.close()


@pytest.fixture(scope="module")
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    """An event loop for tests that cannot be coroutines (hypothesis's @given), one a module."""
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture(scope="module")
def looped_citebot(loop: asyncio.AbstractEventLoop, bundled_index: Path) -> Iterator[Citebot]:
    """citebot, opened on loop for the whole module: call it with loop.run_until_complete."""
    bot = loop.run_until_complete(Citebot.open(Settings(_env_file=None, index_path=bundled_index)))
    yield bot
    loop.run_until_complete(bot.close())


def cli(*args: str, index: Path, stdin: str | None = None, env: dict[str, str] | None = None,
        timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run the real `citebot` command in a subprocess against the index file at index."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "INDEX_", "ARTICLES_"))}
    environment.update({"INDEX_PATH": str(index), "PYTHONIOENCODING": "utf-8"}, **(env or {}))
    return subprocess.run([sys.executable, "-m", "citebot.bot.cli", *args], input=stdin, capture_output=True,
                          text=True, env=environment, cwd=ROOT, timeout=timeout)
