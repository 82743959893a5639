"""The Redis backends of bot/shared.py, bot/ratelimit.py, bot/updates.py and bot/generations.py against a
real, private redis-server: two "replicas" (two clients) see one state; a lost Redis is one warning and
per-process state, and sharing resumes when it returns; the password never shows."""

from __future__ import annotations

import asyncio
import logging
import shutil
import time
from pathlib import Path
from typing import AsyncIterator

import pytest
from telegram import Update
from telegram.error import RetryAfter
from telegram.ext import Application, TypeHandler

from citebot.bot.config import BUNDLED_ARTICLES, Settings
from citebot.bot.conversation import Turn
from citebot.bot.generations import Busy, announce, follow, one_reindex
from citebot.bot.ratelimit import SharedRateLimiter
from citebot.bot.service import Citebot, build
from citebot.bot.shared import SharedRedis, shared_state
from citebot.bot.updates import GROUP, STREAM, Inbox
from tests.conftest import cli
from tests.emulator import BotApiEmulator
from tests.servers import RedisServer, free_port, missing

pytestmark = pytest.mark.skipif(missing("redis-server") is not None, reason=missing("redis-server") or "")


@pytest.fixture
async def redis_server(tmp_path: Path) -> AsyncIterator[RedisServer]:
    server = RedisServer(tmp_path / "redis")
    await server.start()
    yield server
    await server.stop()


def settings_for(url: str, **overrides: object) -> Settings:
    return Settings(_env_file=None, redis_url=url, questions_per_minute=5, **overrides)


@pytest.fixture
async def replicas(redis_server: RedisServer) -> AsyncIterator[list[SharedRedis]]:
    """Two replicas' connections to the one Redis."""
    pair = [SharedRedis(settings_for(redis_server.url), probe_every=0.05) for _ in range(2)]
    for shared in pair:
        assert await shared.connect()
    yield pair
    for shared in pair:
        await shared.close()


async def test_state_is_shared_between_replicas(replicas: list[SharedRedis]) -> None:
    a, b = (shared_state(s, settings_for("redis://x")) for s in replicas)
    key = await a["keys"].put("a long search query " * 10)
    assert len(f"s:{key}:100".encode()) <= 64 and (await b["keys"].get(key)).startswith("a long")
    assert await b["keys"].get("nosuchkey") is None
    turn = Turn("Who is Saldo?", ("Saldo",), ("is",), "001_x", 120, 2)
    await a["conversations"].put((1, 2, None), turn)
    assert await b["conversations"].get((1, 2, None)) == turn and await b["conversations"].get((1, 2, 5)) is None
    await a["replies"].add(5, 10, 100, "d1")
    await b["replies"].add(5, 10, 101, "d2")
    assert await a["replies"].get(5, 10) == ([100, 101], "d2")
    await b["replies"].replace(5, 10, 102, "d3")
    assert await a["replies"].get(5, 10) == ([102], "d3") and await a["replies"].get(5, 11) == ([], "")
    await a["stats"].record(True, 10.0)
    await b["stats"].record(False, 30.0)
    summary = await a["stats"].summary()
    assert (summary.questions, summary.answered) == (2, 1) and 10.0 <= summary.p50_ms <= 30.0


async def test_per_user_limit_holds_across_replicas(replicas: list[SharedRedis]) -> None:
    a, b = (shared_state(s, settings_for("redis://x")) for s in replicas)
    results = await asyncio.gather(*(state["rate"].check(7) for state in (a, b) * 10))
    assert sum(allowed for allowed, _ in results) == 5  # QUESTIONS_PER_MINUTE=5, whichever replica asked
    assert sum(tell for _, tell in results) == 1  # one polite note per burst
    assert await a["rate"].check(8) == (True, False)  # others are unaffected


async def test_redis_lost_and_back(redis_server: RedisServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="citebot")
    shared = SharedRedis(settings_for(redis_server.url), probe_every=0.05)
    state = shared_state(shared, settings_for("redis://x"))
    assert await shared.connect()
    shared_key = await state["keys"].put("before")
    await redis_server.stop()
    back = shared.came_back
    for n in range(5):  # each answered from memory; the loss is one warning, not five
        assert (await state["rate"].check(1))[0]
        local_key = await state["keys"].put(f"during {n}")
        assert await state["keys"].get(local_key) == f"during {n}"
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "unavailable" in warnings[0].getMessage()
    await redis_server.start()
    await asyncio.wait_for(back.wait(), 10)
    assert shared.up and await state["keys"].get(shared_key) == "before"  # the append-only file kept it
    assert await state["keys"].get(local_key) == "during 4"  # a button made meanwhile still works here
    text = caplog.text + repr(shared.client) + repr(settings_for(redis_server.url)) + str(shared.client)
    assert redis_server.password not in text
    await shared.close()


async def test_redis_unreachable_at_start(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="citebot")
    url = f"redis://:s3cret-pass@127.0.0.1:{free_port()}/0"
    shared = SharedRedis(settings_for(url), probe_every=0.05)
    assert not await shared.connect()
    state = shared_state(shared, settings_for("redis://x"))
    assert (await state["rate"].check(3))[0] and await state["keys"].get(await state["keys"].put("v")) == "v"
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1
    assert "s3cret-pass" not in caplog.text and "127.0.0.1" in caplog.text
    await shared.close()


async def test_flood_limits_hold_across_replicas(replicas: list[SharedRedis]) -> None:
    """Two limiters share Telegram's windows: no second holds more than the limit, and a retry_after pauses both."""
    limiters = [SharedRateLimiter(s, overall=(10, 0.5), group=(3, 0.5), margin=0.0) for s in replicas]
    sent: list[tuple[float, object]] = []

    async def send(chat_id: object) -> bool:
        sent.append((time.monotonic(), chat_id))
        return True

    async def through(limiter: SharedRateLimiter, chat_id: object) -> None:
        await limiter.process_request(send, (chat_id,), {}, "sendMessage", {"chat_id": chat_id}, None)

    await asyncio.gather(*(through(limiters[i % 2], i % 7 + 1) for i in range(30)),
                         *(through(limiters[i % 2], -100) for i in range(6)))
    # Counted in windows a little shorter than the limiter's (0.5 s): a request is timed when it is
    # sent, which a loaded machine may delay by tens of milliseconds after the limiter let it go.
    times = sorted(t for t, _ in sent)
    assert max(sum(1 for u in times if t <= u < t + 0.4) for t in times) <= 10
    group = sorted(t for t, chat in sent if chat == -100)
    assert max(sum(1 for u in group if t <= u < t + 0.4) for t in group) <= 3

    failed = [True]

    async def refused() -> bool:
        if failed:
            failed.pop()
            raise RetryAfter(1)
        return True

    sent.clear()
    started = time.monotonic()
    await limiters[0].process_request(refused, (), {}, "sendMessage", {"chat_id": 5}, None)
    await through(limiters[1], 6)  # the other replica honours the pause too
    assert sent[0][0] - started >= 0.9


@pytest.fixture
async def app(emu: BotApiEmulator) -> AsyncIterator[Application]:
    """A PTB Application (initialised against the emulator) that records the updates it handles."""
    application = Application.builder().token(emu.token).base_url(emu.base_url).build()
    application.bot_data["handled"] = []
    handled_one = asyncio.Event()

    async def record(update: Update, context: object) -> None:
        application.bot_data["handled"].append(update.update_id)
        handled_one.set()

    application.add_handler(TypeHandler(Update, record))
    application.bot_data["event"] = handled_one
    await application.initialize()
    yield application
    await application.shutdown()


def _update(update_id: int, text: str = "hi") -> Update:
    return Update.de_json({"update_id": update_id, "message": {
        "message_id": 1, "date": 0, "text": text, "chat": {"id": 5, "type": "private"},
        "from": {"id": 5, "is_bot": False, "first_name": "A"}}}, None)


async def test_inbox_dedups_and_claims_a_dead_replicas_updates(replicas: list[SharedRedis],
                                                               app: Application) -> None:
    dead, alive = replicas
    inbox = Inbox(app, dead, claim_after=0.3)
    for update_id in (1, 1, 2, 3):  # Telegram retried update 1
        await inbox.put(_update(update_id))
    assert await dead.client.xlen(STREAM) == 3
    # The "dead" replica reads all three and dies before handling any; 3 was answered already.
    await inbox._ensure_group()
    await dead.client.xreadgroup(GROUP, dead.replica, {STREAM: ">"}, count=10)
    await dead.client.set("citebot:done:3", 1)
    survivor = Inbox(app, alive, claim_after=0.3)
    survivor.start()
    try:
        while sorted(app.bot_data["handled"]) != [1, 2]:
            app.bot_data["event"].clear()
            await asyncio.wait_for(app.bot_data["event"].wait(), 10)
    finally:
        await survivor.stop()  # waits for the updates in hand to be acknowledged
    assert sorted(app.bot_data["handled"]) == [1, 2]
    assert (await alive.client.xpending(STREAM, GROUP))["pending"] == 0 and await alive.client.xlen(STREAM) == 0


async def test_a_new_generation_reaches_every_replica(replicas: list[SharedRedis], tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    shutil.copytree(BUNDLED_ARTICLES, articles)
    settings = [settings_for("redis://x", index_path=tmp_path / name / "index.sqlite", articles_dir=articles)
                for name in ("a", "b")]
    for s in settings:  # each replica keeps its own copy
        s.index_path.parent.mkdir()
        build(s, [articles])
    a, b = [await Citebot.open(s) for s in settings]
    stop, switched = asyncio.Event(), asyncio.Event()
    following = asyncio.create_task(follow(replicas[1], b, stop, switched))
    try:
        (articles / "new.txt").write_text("Zyxwvut harbour reopened\n\nThe Zyxwvut harbour reopened on Monday.\n")
        async with one_reindex(replicas[0]):
            with pytest.raises(Busy):  # one reindex at a time, across replicas
                async with one_reindex(replicas[1]):
                    pass
            await a.reindex()
            # The follower subscribes in the background: announce until it has heard one.
            while not switched.is_set():
                await announce(replicas[0], a)
                try:
                    await asyncio.wait_for(switched.wait(), 0.2)
                except TimeoutError:
                    continue
        assert (await b.search("Zyxwvut harbour")).hits  # b re-indexed its own copy
    finally:
        stop.set()
        await following
        await a.close()
        await b.close()


async def test_citebot_index_waits_its_turn(replicas: list[SharedRedis], redis_server: RedisServer,
                                            tmp_path: Path) -> None:
    """`citebot index` takes the same lock as /reindex: while a replica re-indexes, it refuses on one line."""
    async with one_reindex(replicas[0]):
        done = await asyncio.to_thread(cli, "index", index=tmp_path / "index.sqlite", env={"REDIS_URL": redis_server.url})
    assert done.returncode == 1 and "another reindex is running" in done.stderr
    assert redis_server.password not in done.stderr + done.stdout and not (tmp_path / "index.sqlite").exists()


async def test_citebot_check_reports_redis(redis_server: RedisServer, bundled_index: Path) -> None:
    done = await asyncio.to_thread(cli, "check", index=bundled_index, env={"REDIS_URL": redis_server.url})
    assert done.returncode == 0 and f"Redis at redis://127.0.0.1:{redis_server.port}/0 answers" in done.stdout
    assert redis_server.password not in done.stdout + done.stderr
