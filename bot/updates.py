"""Webhook updates that survive a replica's death: stored in Redis before Telegram is told "200 OK".

PTB's own webhook server answers 200 once an update is in the process's queue, so a replica killed
just after loses it (Telegram never sends it again). Here the webhook POST is answered only once the
update is in a Redis stream; one atomic script also drops an update id already taken in (Telegram
retries a delivery that timed out). Every replica reads the stream as one consumer group, so each
update goes to one of them; an entry is acknowledged after it was handled. Entries a dead replica left
pending are claimed by another (XAUTOCLAIM) once idle for REDIS_CLAIM_SECONDS; live replicas keep
theirs fresh meanwhile, and an update marked answered is never handled twice. While Redis is away, an
update goes straight to this process's queue, as without Redis.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from redis.exceptions import ResponseError
from telegram import Update
from telegram.ext import Application
from telegram.ext._utils.webhookhandler import WebhookAppClass, WebhookServer

from citebot.bot.shared import FAILURES, PREFIX, SEEN_TTL, SharedRedis
from citebot.bot.state import SeenIds

log = logging.getLogger(__name__)

STREAM = f"{PREFIX}updates"
GROUP = "replicas"
MAX_ACTIVE = 128  # entries handled at once by one replica (the update processor allows 256)
STREAM_LENGTH = 100_000  # entries kept at most (acknowledged ones are deleted anyway)

# KEYS[1] seen:<update id>, KEYS[2] the stream. Taken in once: a retried delivery adds nothing.
_TAKE_IN = """
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', tonumber(ARGV[1])) then return 0 end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', tonumber(ARGV[2]), '*', 'id', ARGV[3], 'update', ARGV[4])
return 1
"""


class Inbox:
    """Where the webhook puts updates (it calls `put`, as on PTB's update queue) and where they are handled."""

    def __init__(self, app: Application, shared: SharedRedis, claim_after: float = 10.0) -> None:
        self.app = app
        self.shared = shared
        self.claim_after = claim_after
        self.local_seen = SeenIds()
        self.take_in = shared.client.register_script(_TAKE_IN)
        self.active: dict[str, asyncio.Task[None]] = {}  # stream entry id → its handling
        self.unacked: list[tuple[str, int]] = []  # (entry id, update id) handled while Redis was away
        self.slots = asyncio.Semaphore(MAX_ACTIVE)
        self.stopping = asyncio.Event()
        self._loop: asyncio.Task[None] | None = None

    async def put(self, update: Update) -> None:
        """Store update durably (once per update id) before the webhook answers 200."""
        payload = update.to_json()

        async def durably() -> None:
            await self.take_in(keys=[f"{PREFIX}seen:{update.update_id}", STREAM],
                               args=[SEEN_TTL, STREAM_LENGTH, update.update_id, payload])

        async def here() -> None:
            if await self.local_seen.first(update.update_id):
                await self.app.update_queue.put(update)

        await self.shared.run(durably, here)

    def start(self) -> None:
        self._loop = asyncio.get_running_loop().create_task(self._consume())

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop reading; let the updates in hand finish and be acknowledged (the rest are claimed by others)."""
        self.stopping.set()
        if self._loop is not None:
            self._loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop
        if self.active:
            await asyncio.wait(list(self.active.values()), timeout=timeout)

    async def _ensure_group(self) -> None:
        with contextlib.suppress(ResponseError):  # BUSYGROUP: another replica made it
            await self.shared.client.xgroup_create(STREAM, GROUP, id="0", mkstream=True)

    async def _consume(self) -> None:
        """Read new entries, claim abandoned ones, keep this replica's own fresh; until stopped."""
        me = self.shared.replica
        loop = asyncio.get_running_loop()
        next_claim = touched_at = 0.0
        group_ready = False
        while not self.stopping.is_set():
            if not self.shared.up:
                await self.shared.came_back.wait()
                group_ready = False
                # Entries handled here while Redis was away are acknowledged first (below); meanwhile the
                # others wait before claiming, or they would take them for a dead replica's and answer again.
                next_claim = loop.time() + max(self.claim_after, 2.0)
                touched_at = 0.0
                continue
            try:
                if not group_ready:
                    await self._ensure_group()
                    group_ready = True
                await self._flush_acks()
                now = loop.time()
                if now - touched_at >= self.claim_after / 3 and self.active:
                    # Reset the idle time of entries still being handled here, so no one claims them.
                    await self.shared.client.xclaim(STREAM, GROUP, me, 0, list(self.active), justid=True)
                    touched_at = now
                if now >= next_claim:
                    next_claim = now + min(1.0, self.claim_after / 3)
                    _, entries, _ = await self.shared.client.xautoclaim(
                        STREAM, GROUP, me, int(self.claim_after * 1000), "0-0", count=MAX_ACTIVE)
                    for entry_id, fields in entries:
                        if entry_id not in self.active and fields:
                            await self._start(entry_id, fields, claimed=True)
                await self.slots.acquire()  # room for one more before reading
                self.slots.release()
                free = max(1, MAX_ACTIVE - len(self.active))
                read = await self.shared.client.xreadgroup(GROUP, me, {STREAM: ">"}, count=free, block=500)
                for _, entries in read or ():
                    for entry_id, fields in entries:
                        await self._start(entry_id, fields, claimed=False)
            except ResponseError as error:
                if "NOGROUP" in str(error):  # Redis came back empty: the stream and group are made again
                    group_ready = False
                    continue
                self.shared.lost(error)
            except FAILURES as error:
                self.shared.lost(error)

    async def _start(self, entry_id: str, fields: dict[str, Any], claimed: bool) -> None:
        await self.slots.acquire()
        task = asyncio.get_running_loop().create_task(self._handle(entry_id, fields, claimed))
        self.active[entry_id] = task

    async def _handle(self, entry_id: str, fields: dict[str, Any], claimed: bool) -> None:
        """Handle one stored update (unless it was answered already), then mark it answered and acknowledge."""
        update_id = int(fields.get("id", 0))
        try:
            if claimed and await self._answered(update_id):
                log.info("Update %d was answered by a replica that died before acknowledging it", update_id)
            else:
                if claimed:
                    log.info("Handling update %d left by a replica that stopped", update_id)
                update = Update.de_json(json.loads(fields["update"]), self.app.bot)
                await self.app.update_processor.process_update(update, self.app.process_update(update))
        except Exception as error:  # a malformed entry: logged and acknowledged, never retried forever
            log.error("Stored update %s could not be handled: %s", entry_id, type(error).__name__)
        finally:
            await self._acknowledge(entry_id, update_id)
            self.active.pop(entry_id, None)
            self.slots.release()

    async def _answered(self, update_id: int) -> bool:
        async def ask() -> bool:
            return bool(await self.shared.client.exists(f"{PREFIX}done:{update_id}"))

        async def unknown() -> bool:
            return False

        return await self.shared.run(ask, unknown)

    async def _acknowledge(self, entry_id: str, update_id: int) -> None:
        async def later() -> None:
            self.unacked.append((entry_id, update_id))

        await self.shared.run(lambda: self._ack(entry_id, update_id), later)

    async def _ack(self, entry_id: str, update_id: int) -> None:
        """Mark the update answered (for whoever claims a copy) and drop its entry, in one transaction."""
        async with self.shared.client.pipeline(transaction=True) as pipe:
            pipe.set(f"{PREFIX}done:{update_id}", 1, ex=SEEN_TTL)
            pipe.xack(STREAM, GROUP, entry_id)
            pipe.xdel(STREAM, entry_id)
            await pipe.execute()

    async def _flush_acks(self) -> None:
        """Acknowledge the entries handled while Redis was away."""
        while self.unacked:
            await self._ack(*self.unacked[0])
            self.unacked.pop(0)


class DurableWebhook:
    """PTB's own webhook server (tornado, secret token checked) writing into an Inbox instead of a queue."""

    def __init__(self, app: Application, inbox: Inbox, listen: str, port: int, path: str, secret: str | None) -> None:
        path = "/" + path.lstrip("/") if path else ""
        self.server = WebhookServer(listen, port, WebhookAppClass(path, app.bot, inbox, secret),  # type: ignore[arg-type]
                                    ssl_ctx=None)
        self.inbox = inbox

    async def start(self) -> None:
        await self.server.serve_forever()
        self.inbox.start()

    async def stop(self) -> None:
        await self.server.shutdown()
        await self.inbox.stop()
