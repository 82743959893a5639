"""Running the bot for real: live re-indexing, admin commands, per-user limits, structured logs."""

from __future__ import annotations

import asyncio
import logging
import shutil
from pathlib import Path

import pytest

from citebot.bot.config import BUNDLED_ARTICLES
from citebot.index.indexer import index_paths
from tests.conftest import cli
from tests.emulator import BotApiEmulator
from tests.harness import running, say, to_chat, visible

ADMIN, USER = 1001, 1002
NEW_ARTICLE = ("Ferry sunk at Hola Prystan\n\nPartisans sank a Russian supply ferry at Hola Prystan on Tuesday, "
               "the regional military administration said. The ferry carried fuel for the garrison.\n")


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    shutil.copytree(BUNDLED_ARTICLES, folder)
    return folder


@pytest.fixture
def emu_index(tmp_path: Path, corpus: Path) -> Path:
    index = tmp_path / "index.sqlite"
    index_paths(index, [corpus], progress=False)
    return index


async def ask(emu: BotApiEmulator, user_id: int, text: str) -> str:
    return visible(await say(emu, emu.user(id=user_id), text))


async def test_index_run_beside_the_bot_is_seen_without_restart(corpus: Path, emu_index: Path) -> None:
    async with BotApiEmulator() as emu, running(emu, emu_index, articles_dir=corpus):
        assert "could not find" in await ask(emu, USER, "What did partisans sink at Hola Prystan?")
        (corpus / "ferry.txt").write_text(NEW_ARTICLE, encoding="utf-8")
        indexer = asyncio.create_task(asyncio.to_thread(cli, "index", str(corpus), index=emu_index))
        # Questions keep being answered while the indexer writes.
        during = [await ask(emu, USER, "Which state-owned bank opened branches in Kherson?") for _ in range(5)]
        run = await indexer
        assert run.returncode == 0 and "1 added" in run.stdout
        assert all("Promsvyazbank" in reply for reply in during)
        assert "supply ferry" in await ask(emu, USER, "What did partisans sink at Hola Prystan?")
        emu.assert_no_errors()


async def test_reindex_and_stats_are_for_admins_only(corpus: Path, emu_index: Path) -> None:
    async with BotApiEmulator() as emu, running(emu, emu_index, articles_dir=corpus,
                                                  admin_user_ids=frozenset({ADMIN})):
        (corpus / "ferry.txt").write_text(NEW_ARTICLE, encoding="utf-8")
        assert "not allowed" in await ask(emu, USER, "/reindex")
        assert "not allowed" in await ask(emu, USER, "/stats")
        assert "could not find" in await ask(emu, USER, "What did partisans sink at Hola Prystan?")
        assert "Re-indexing" in await ask(emu, ADMIN, "/reindex")
        done = visible(await emu.wait_for("sendMessage", to_chat(ADMIN), timeout=30))
        assert "1 added" in done and "5 unchanged" in done
        assert "supply ferry" in await ask(emu, USER, "What did partisans sink at Hola Prystan?")
        stats = await ask(emu, ADMIN, "/stats")
        assert "6 articles" in stats and "2 questions" in stats and "50% answered" in stats and "p99" in stats


async def test_flooding_user_is_told_once_and_others_are_unaffected(emu_index: Path) -> None:
    async with BotApiEmulator() as emu, running(emu, emu_index, questions_per_minute=3):
        flooder, other = emu.user(id=USER), emu.user(id=USER + 1)
        for _ in range(8):
            emu.send_text(emu.private_chat(flooder), flooder, "Where was Saldo flown for toxicology tests?")
        emu.send_text(emu.private_chat(other), other, "Where was Saldo flown for toxicology tests?")
        assert "Sklifosovsky" in visible(await emu.wait_for("sendMessage", to_chat(other.id)))
        replies = [visible(c) for c in await emu.wait_for_count("sendMessage", 4, to_chat(flooder.id))]
        assert sum("Sklifosovsky" in r for r in replies) == 3
        assert sum("faster than I can keep up" in r for r in replies) == 1
        # Nothing more arrives for the flooder: the next question from the other user is the next reply.
        emu.send_text(emu.private_chat(other), other, "/help")
        await emu.wait_for("sendMessage", to_chat(other.id))
        assert len([c for c in emu.calls_of("sendMessage") if int(c.params["chat_id"]) == flooder.id]) == 4


async def test_one_log_line_per_question_without_its_text(emu_index: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="citebot.bot.handlers")
    async with BotApiEmulator() as emu, running(emu, emu_index):
        await ask(emu, USER, "Where was Saldo flown for toxicology tests?")
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("answered")]
    assert len(lines) == 1
    assert "chat_type=private" in lines[0] and "answered=True" in lines[0] and "latency_ms=" in lines[0]
    assert "Saldo" not in caplog.text
