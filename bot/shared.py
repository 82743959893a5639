"""State shared by several replicas, kept in Redis when REDIS_URL is set (redis-py's asyncio client).

Each concern (button keys, per-user limits, /stats, follow-up turns, the replies to each message) has a Redis
backend beside its in-memory one in bot/state.py and bot/conversation.py, behind the same small
protocol. `Fallback` puts the two together: Redis while it answers, the process's own memory while it
does not. `SharedRedis` notices a lost Redis once (one warning), probes it in the background and
switches back when it answers again; nothing here ever raises a Redis error into a handler.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
from typing import Awaitable, Callable, Generic, TypeVar

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from citebot.bot.config import Settings
from citebot.bot.conversation import MemoryConversations, Turn
from citebot.bot.logs import scrub
from citebot.bot.state import ExpiringStore, RateLimit, Replies, Stats, Summary, percentile

log = logging.getLogger(__name__)

T = TypeVar("T")
B = TypeVar("B")

PREFIX = "citebot:"
KEY_TTL = 3600  # seconds a button's key lives, as in memory
SEEN_TTL = 86_400  # Telegram gives up redelivering an update well within a day
LATENCY_SAMPLES = 10_000  # the last latencies of all replicas together, for /stats percentiles
FAILURES = (RedisError, OSError, asyncio.TimeoutError)  # what a lost or slow Redis raises


class SharedRedis:
    """The Redis client and whether Redis answers now: a lost Redis is one warning and a background probe."""

    def __init__(self, settings: Settings, probe_every: float = 0.5) -> None:
        assert settings.redis_url is not None
        self.location = settings.redis_location()
        self.secrets = settings.redis_secrets()  # the URL and its password, scrubbed from messages
        # Short timeouts: a question must not wait long on a Redis that went away; retries off, the probe retries.
        self.client = aioredis.Redis.from_url(settings.redis_url.get_secret_value(), decode_responses=True,
                                              socket_timeout=1.0, socket_connect_timeout=1.0, retry_on_timeout=False)
        self.probe_every = probe_every
        self.up = False
        self.came_back = asyncio.Event()  # set each time Redis answers again after being away
        self._probe: asyncio.Task[None] | None = None
        self._beat: asyncio.Task[None] | None = None
        self._closed = False
        self.replica = secrets.token_hex(4)  # this process, among the replicas
        self.replicas = 1  # how many replicas were alive when Redis last said (for limits while it is away)

    async def connect(self) -> bool:
        """Reach Redis once; if it does not answer, start without it (one warning) and keep probing."""
        try:
            await self.client.ping()
        except FAILURES as error:
            self.lost(error)
            return False
        self.up = True
        log.info("Shared state in Redis at %s", self.location)
        return True

    def start_heartbeat(self, every: float = 1.0) -> None:
        """Count the live replicas every second (and notice a lost Redis even when no one asks)."""
        if self._beat is None:
            self._beat = asyncio.get_running_loop().create_task(self._heartbeat(every))

    async def _heartbeat(self, every: float) -> None:
        key = f"{PREFIX}replicas"
        while not self._closed:
            async def beat() -> int:
                now = time.time()
                async with self.client.pipeline(transaction=False) as pipe:
                    pipe.zadd(key, {self.replica: now})
                    pipe.zremrangebyscore(key, "-inf", now - 3 * every)
                    pipe.zcard(key)
                    return int((await pipe.execute())[-1])

            async def keep() -> int:
                return self.replicas

            self.replicas = max(1, await self.run(beat, keep))
            await asyncio.sleep(every)  # a heartbeat's pace

    def lost(self, error: BaseException) -> None:
        """Redis failed a call: warn once per outage and probe until it answers again."""
        if self._closed:
            return
        if self.up or self._probe is None:
            log.warning("Redis at %s is unavailable (%s); using this process's own state until it returns",
                        self.location, self.describe(error))
        self.up = False
        if self._probe is None or self._probe.done():
            self._probe = asyncio.get_running_loop().create_task(self._wait_for_redis())

    def describe(self, error: BaseException) -> str:
        """An error's type and message without the URL (it may hold a password)."""
        return scrub(f"{type(error).__name__}: {error}", self.secrets)

    async def _wait_for_redis(self) -> None:
        delay = self.probe_every
        while not self._closed:
            await asyncio.sleep(delay)  # a probe's pace, not a wait for an event: Redis cannot tell us it is back
            try:
                # Connections opened before the loss are dead (a restarted Redis closed them): start afresh.
                await self.client.connection_pool.disconnect()
                await self.client.ping()
            except FAILURES:
                delay = min(delay * 2, 1.0)
                continue
            self.up = True
            log.info("Redis at %s is back; state is shared again", self.location)
            self.came_back.set()
            self.came_back = asyncio.Event()
            return

    async def run(self, remote: Callable[[], Awaitable[T]], local: Callable[[], Awaitable[T]]) -> T:
        """remote() while Redis is up, else (or when it fails now) local()."""
        if self.up:
            try:
                return await remote()
            except FAILURES as error:
                self.lost(error)
        return await local()

    async def close(self) -> None:
        self._closed = True
        for task in (self._probe, self._beat):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self.up:
            with contextlib.suppress(*FAILURES):
                await self.client.zrem(f"{PREFIX}replicas", self.replica)
        with contextlib.suppress(*FAILURES):
            await self.client.aclose()


class Fallback(Generic[B]):
    """A backend in Redis and one in memory with the same methods: each call goes to Redis while it is up."""

    def __init__(self, shared: SharedRedis, remote: B, local: B) -> None:
        self.shared = shared
        self.remote = remote
        self.local = local

    def __getattr__(self, name: str) -> Callable[..., Awaitable[object]]:
        remote, local = getattr(self.remote, name), getattr(self.local, name)

        async def call(*args: object, **kwargs: object) -> object:
            return await self.shared.run(lambda: remote(*args, **kwargs), lambda: local(*args, **kwargs))

        call.__name__ = name
        return call


class FallbackKeys(Fallback[ExpiringStore]):
    """Button keys: a key made while Redis was away lives in this process, so get looks there too."""

    async def get(self, key: str) -> str | None:
        found = await self.shared.run(lambda: self.remote.get(key), lambda: self.local.get(key))
        return found if found is not None else await self.local.get(key)


class RedisKeys:
    """Values behind short random keys (callback data is at most 64 bytes), expiring after ttl seconds."""

    def __init__(self, client: aioredis.Redis, ttl: int = KEY_TTL) -> None:
        self.client = client
        self.ttl = ttl

    async def put(self, value: str) -> str:
        key = secrets.token_urlsafe(6)  # 48 random bits, as in memory: a key cannot be guessed
        await self.client.set(f"{PREFIX}key:{key}", value, ex=self.ttl)
        return key

    async def get(self, key: str) -> str | None:
        return await self.client.get(f"{PREFIX}key:{key}")


# A sliding window per user, atomic in Redis (its own clock, so replicas' clocks need not agree):
# KEYS[1] the user's request times, KEYS[2] "told" (the first refusal of a burst was answered).
_LIMIT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
local window, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000))
  redis.call('DEL', KEYS[2])
  return {1, 0}
end
local first = redis.call('SET', KEYS[2], '1', 'NX', 'PX', math.ceil(window * 1000))
return {0, first and 1 or 0}
"""


class RedisRateLimit:
    """At most `limit` questions per user per `window` seconds across all replicas; tells once per overflow."""

    def __init__(self, client: aioredis.Redis, limit: int, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window
        self.script = client.register_script(_LIMIT)

    async def check(self, user_id: int) -> tuple[bool, bool]:
        keys = [f"{PREFIX}rate:{user_id}", f"{PREFIX}told:{user_id}"]
        allowed, tell = await self.script(keys=keys, args=[self.window, self.limit, secrets.token_hex(8)])
        return bool(allowed), bool(tell)


class RedisStats:
    """Questions served by all replicas: two counters and the last LATENCY_SAMPLES latencies."""

    def __init__(self, client: aioredis.Redis) -> None:
        self.client = client

    async def record(self, answered: bool, latency_ms: float) -> None:
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.set(f"{PREFIX}stats:since", time.time(), nx=True)
            pipe.incr(f"{PREFIX}stats:questions")
            pipe.incrby(f"{PREFIX}stats:answered", int(answered))
            pipe.lpush(f"{PREFIX}stats:latency", f"{latency_ms:.3f}")
            pipe.ltrim(f"{PREFIX}stats:latency", 0, LATENCY_SAMPLES - 1)
            await pipe.execute()

    async def summary(self) -> Summary:
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.get(f"{PREFIX}stats:questions")
            pipe.get(f"{PREFIX}stats:answered")
            pipe.get(f"{PREFIX}stats:since")
            pipe.lrange(f"{PREFIX}stats:latency", 0, -1)
            questions, answered, since, latencies = await pipe.execute()
        samples = [float(x) for x in latencies]
        return Summary(int(questions or 0), int(answered or 0), percentile(samples, 50), percentile(samples, 99),
                       float(since or time.time()))

    async def latencies(self) -> list[float]:
        """The recorded latencies, newest first (for the load test)."""
        return [float(x) for x in await self.client.lrange(f"{PREFIX}stats:latency", 0, -1)]


class RedisConversations:
    """Follow-up turns as JSON under their key, expiring like the in-memory ones."""

    def __init__(self, client: aioredis.Redis, ttl: float) -> None:
        self.client = client
        self.ttl = ttl

    @staticmethod
    def _key(key: tuple[int, int, int | None]) -> str:
        chat, user, thread = key
        return f"{PREFIX}turn:{chat}:{user}:{'' if thread is None else thread}"

    async def get(self, key: tuple[int, int, int | None]) -> Turn | None:
        text = await self.client.get(self._key(key))
        return Turn.from_json(text) if text else None

    async def put(self, key: tuple[int, int, int | None], turn: Turn) -> None:
        await self.client.set(self._key(key), turn.to_json(), px=int(self.ttl * 1000))


# KEYS[1] the user message's replies: {"ids": [...], "digest": "..."}; ARGV: reply id, digest, ttl, replace?
_ADD_REPLY = """
local item = {ids = {}, digest = ''}
if ARGV[4] == '0' then
  local old = redis.call('GET', KEYS[1])
  if old then item = cjson.decode(old) end
end
table.insert(item.ids, tonumber(ARGV[1]))
item.digest = ARGV[2]
redis.call('SET', KEYS[1], cjson.encode(item), 'EX', tonumber(ARGV[3]))
return 1
"""


class RedisReplies:
    """Which bot messages answered which user message, for all replicas: an edit lands on any of them."""

    def __init__(self, client: aioredis.Redis, ttl: int = KEY_TTL) -> None:
        self.client = client
        self.ttl = ttl
        self.script = client.register_script(_ADD_REPLY)

    @staticmethod
    def _key(chat_id: int, message_id: int) -> str:
        return f"{PREFIX}reply:{chat_id}:{message_id}"

    async def add(self, chat_id: int, message_id: int, reply_id: int, digest: str = "") -> None:
        await self.script(keys=[self._key(chat_id, message_id)], args=[reply_id, digest, self.ttl, 0])

    async def replace(self, chat_id: int, message_id: int, reply_id: int, digest: str) -> None:
        await self.script(keys=[self._key(chat_id, message_id)], args=[reply_id, digest, self.ttl, 1])

    async def get(self, chat_id: int, message_id: int) -> tuple[list[int], str]:
        text = await self.client.get(self._key(chat_id, message_id))
        if not text:
            return [], ""
        item = json.loads(text)
        return [int(i) for i in item.get("ids") or []], str(item.get("digest", ""))


def shared_state(shared: SharedRedis, settings: Settings) -> dict[str, object]:
    """The bot's state objects (bot_data entries), each in Redis with its in-memory fallback."""
    local_turns = MemoryConversations()
    client = shared.client
    return {
        "keys": FallbackKeys(shared, RedisKeys(client), ExpiringStore()),
        "rate": Fallback(shared, RedisRateLimit(client, settings.questions_per_minute),
                         RateLimit(settings.questions_per_minute)),
        "stats": Fallback(shared, RedisStats(client), Stats()),
        "conversations": Fallback(shared, RedisConversations(client, local_turns.ttl), local_turns),
        "replies": Fallback(shared, RedisReplies(client), Replies()),
    }
