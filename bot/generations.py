"""The index across replicas: one reindex at a time, and every replica on the newest generation within seconds.

`/reindex` on one replica, or `citebot index` run elsewhere, takes a lock in Redis (one reindex at a
time across all of them), indexes, and publishes what it wrote (generation and time) on a pub/sub
channel. Every replica listens: one whose open index is not the announced one reopens its file (a
read-only copy swapped under it, which an immutable connection would never notice), and one serving
its own writable copy re-indexes ARTICLES_DIR into it. A question is answered by one Searcher from
start to end (bot/service.py), so no answer mixes two generations.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import AsyncIterator, Callable, TypeVar

from redis.asyncio.lock import Lock

from citebot.bot.config import Settings
from citebot.bot.service import Citebot
from citebot.bot.shared import FAILURES, PREFIX, SharedRedis

log = logging.getLogger(__name__)

CHANNEL = f"{PREFIX}index"
LOCK = f"{PREFIX}reindex"
LOCK_SECONDS = 3600  # a reindex that died holding the lock frees it after this
T = TypeVar("T")


class Busy(Exception):
    """Another replica (or `citebot index`) is re-indexing now."""


@contextlib.asynccontextmanager
async def one_reindex(shared: SharedRedis | None) -> AsyncIterator[None]:
    """Hold the reindex lock in Redis for the block; Busy if someone else holds it (no lock without Redis)."""
    lock: Lock | None = None
    if shared is not None and shared.up:
        candidate = shared.client.lock(LOCK, timeout=LOCK_SECONDS, blocking=False)
        try:
            if not await candidate.acquire():
                raise Busy
            lock = candidate
        except FAILURES as error:  # Redis went away: this replica's own lock (in Citebot) still holds
            shared.lost(error)
    try:
        yield
    finally:
        if lock is not None:
            with contextlib.suppress(*FAILURES):
                await lock.release()


async def announce(shared: SharedRedis | None, citebot: Citebot) -> None:
    """Tell every replica which generation the index is at now."""
    if shared is None:
        return
    message = json.dumps({"generation": citebot.searcher.generation, "index": await _identity(citebot),
                          "origin": shared.replica})

    async def publish() -> None:
        await shared.client.publish(CHANNEL, message)

    async def skip() -> None:
        log.warning("Redis is unavailable: other replicas pick up the new index at their next restart or reindex")

    await shared.run(publish, skip)


async def follow(shared: SharedRedis, citebot: Citebot, stop: asyncio.Event,
                 switched: asyncio.Event | None = None) -> None:
    """Listen for new generations until stop; resubscribe after Redis comes back. switched is set after each
    announcement handled (for tests)."""
    while not stop.is_set():
        if not shared.up:
            await shared.came_back.wait()
        try:
            async with shared.client.pubsub(ignore_subscribe_messages=True) as pubsub:
                await pubsub.subscribe(CHANNEL)
                while not stop.is_set():
                    message = await pubsub.get_message(timeout=1.0)
                    if message is not None:
                        await _switch(shared, citebot, json.loads(message["data"]))
                        if switched is not None:
                            switched.set()
        except FAILURES as error:
            shared.lost(error)
        except (ValueError, KeyError, TypeError):  # not an announcement of ours: ignored
            continue


async def _identity(citebot: Citebot) -> list[object]:
    """What tells one index version from another: when it was written, and its size."""
    info = await citebot.info()
    return [info.indexed_at, info.articles, info.passages]


async def _switch(shared: SharedRedis, citebot: Citebot, announced: dict[str, object]) -> None:
    """Get onto the announced generation: reopen the file, or bring this replica's own copy up to date."""
    if announced.get("origin") == shared.replica:
        return
    if await _identity(citebot) == announced.get("index"):
        return  # the same file, already read (a writable index is seen at the next question anyway)
    await citebot.reopen()
    if await _identity(citebot) == announced.get("index"):
        log.info("Switched to index generation %s", announced.get("generation"))
        return
    if citebot.writable():
        log.info("A new index was published elsewhere: re-indexing this replica's own copy")
        await citebot.reindex()
    else:
        log.info("A new index was published; this replica's read-only copy is older until it is replaced")


async def index_for_replicas(settings: Settings, work: Callable[[], T]) -> T:
    """`citebot index` with REDIS_URL: index under the reindex lock, then announce the new generation."""
    shared = SharedRedis(settings)
    try:
        await shared.connect()  # unreachable: one warning, and the index is written all the same
        async with one_reindex(shared):
            result = await asyncio.to_thread(work)
        if shared.up:
            citebot = await Citebot.open(settings)
            try:
                await announce(shared, citebot)
            finally:
                await citebot.close()
        return result
    finally:
        await shared.close()
