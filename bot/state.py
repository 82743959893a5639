"""Small in-memory state of a running bot: short keys for buttons, per-user limits, counters.

All of it is bounded and expires, so memory stays flat however long the bot runs. The methods the
handlers call are async, behind small protocols (KeyStore, Limiter, StatsStore, ReplyStore), so that
bot/shared.py can keep the same state in Redis for several replicas.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

import numpy as np

T = TypeVar("T")


class KeyStore(Protocol):
    """Values behind short keys, for callback data (at most 64 bytes)."""

    async def put(self, value: str) -> str: ...

    async def get(self, key: str) -> str | None: ...


class Limiter(Protocol):
    """A per-user limit: (allowed, tell), tell only for the first refusal in a burst."""

    async def check(self, user_id: int) -> tuple[bool, bool]: ...


@dataclass(frozen=True)
class Summary:
    """What /stats shows of the questions served."""

    questions: int
    answered: int
    p50_ms: float
    p99_ms: float
    since: float  # epoch seconds of the first question counted (or of the start)


class ReplyStore(Protocol):
    """Which bot messages answered which user message (so an edited question edits its answer)."""

    async def add(self, chat_id: int, message_id: int, reply_id: int, digest: str = "") -> None: ...

    async def replace(self, chat_id: int, message_id: int, reply_id: int, digest: str) -> None: ...

    async def get(self, chat_id: int, message_id: int) -> tuple[list[int], str]: ...


class StatsStore(Protocol):
    """Questions served, for /stats: counters and recent latencies."""

    async def record(self, answered: bool, latency_ms: float) -> None: ...

    async def summary(self) -> Summary: ...


class ExpiringStore(Generic[T]):
    """Values behind short random keys (callback data is at most 64 bytes), dropped after ttl seconds."""

    def __init__(self, ttl: float = 3600.0, max_items: int = 20_000) -> None:
        self.ttl = ttl
        self.max_items = max_items
        self.items: OrderedDict[str, tuple[float, T]] = OrderedDict()

    async def put(self, value: T) -> str:
        return self.put_now(value)

    async def get(self, key: str) -> T | None:
        return self.get_now(key)

    def put_now(self, value: T) -> str:
        """put, for callers without an event loop."""
        self._expire()
        key = secrets.token_urlsafe(6)
        self.items[key] = (time.monotonic() + self.ttl, value)
        while len(self.items) > self.max_items:
            self.items.popitem(last=False)
        return key

    def get_now(self, key: str) -> T | None:
        """get, for callers without an event loop."""
        item = self.items.get(key)
        if item is None or item[0] < time.monotonic():
            return None
        return item[1]

    def _expire(self) -> None:
        now = time.monotonic()
        while self.items:
            key, (deadline, _) = next(iter(self.items.items()))
            if deadline >= now:
                break
            del self.items[key]

    def __len__(self) -> int:
        return len(self.items)


class RateLimit:
    """At most `limit` questions per user per `window` seconds; says so once per overflow."""

    def __init__(self, limit: int, window: float = 60.0, max_users: int = 100_000) -> None:
        self.limit = limit
        self.window = window
        self.max_users = max_users
        self.users: OrderedDict[int, tuple[deque[float], list[bool]]] = OrderedDict()

    async def check(self, user_id: int) -> tuple[bool, bool]:
        """(allowed, tell): tell is True only for the first refused question in a burst."""
        return self.check_now(user_id)

    def check_now(self, user_id: int) -> tuple[bool, bool]:
        """check, for callers without an event loop."""
        now = time.monotonic()
        times, told = self.users.pop(user_id, None) or (deque(), [False])
        self.users[user_id] = (times, told)  # most recent last, so idle users are dropped first
        while len(self.users) > self.max_users:
            self.users.popitem(last=False)
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(times) < self.limit:
            times.append(now)
            told[0] = False
            return True, False
        tell = not told[0]
        told[0] = True
        return False, tell


@dataclass
class Stats:
    """Questions served since start, for /stats and the logs."""

    started: float = field(default_factory=time.time)
    questions: int = 0
    answered: int = 0
    latencies_ms: deque[float] = field(default_factory=lambda: deque(maxlen=10_000))

    async def record(self, answered: bool, latency_ms: float) -> None:
        self.questions += 1
        self.answered += answered
        self.latencies_ms.append(latency_ms)

    async def summary(self) -> Summary:
        return Summary(self.questions, self.answered, percentile(self.latencies_ms, 50),
                       percentile(self.latencies_ms, 99), self.started)

    def percentile(self, q: float) -> float:
        return percentile(self.latencies_ms, q)


def percentile(values: "deque[float] | list[float]", q: float) -> float:
    """The q-th percentile of values, 0 when there are none."""
    return float(np.percentile(np.fromiter(values, float), q)) if values else 0.0


class SeenIds:
    """Update ids taken in lately (bounded): a retried delivery of one is dropped."""

    def __init__(self, max_items: int = 100_000) -> None:
        self.max_items = max_items
        self.ids: OrderedDict[int, None] = OrderedDict()

    async def first(self, update_id: int) -> bool:
        if update_id in self.ids:
            return False
        self.ids[update_id] = None
        while len(self.ids) > self.max_items:
            self.ids.popitem(last=False)
        return True


class Replies:
    """Which bot message answered which user message, so an edited question edits its answer.

    (chat id, user message id) → (the bot's message ids, a digest of what the reply showed); bounded,
    and dropped after ttl seconds like the other state.
    """

    def __init__(self, ttl: float = 3600.0, max_items: int = 20_000) -> None:
        self.ttl = ttl
        self.max_items = max_items
        self.items: OrderedDict[tuple[int, int], tuple[float, list[int], str]] = OrderedDict()

    async def add(self, chat_id: int, message_id: int, reply_id: int, digest: str = "") -> None:
        self.add_now(chat_id, message_id, reply_id, digest)

    async def replace(self, chat_id: int, message_id: int, reply_id: int, digest: str) -> None:
        self.replace_now(chat_id, message_id, reply_id, digest)

    async def get(self, chat_id: int, message_id: int) -> tuple[list[int], str]:
        return self.get_now(chat_id, message_id)

    def add_now(self, chat_id: int, message_id: int, reply_id: int, digest: str = "") -> None:
        """Record one more reply to (chat_id, message_id); a new one after an edit replaces the old ones."""
        now = time.monotonic()
        while self.items:  # drop expired entries, oldest first
            key, (deadline, _, _) = next(iter(self.items.items()))
            if deadline >= now:
                break
            del self.items[key]
        item = self.items.pop((chat_id, message_id), None)
        ids = item[1] + [reply_id] if item is not None and item[0] >= now else [reply_id]
        self.items[(chat_id, message_id)] = (now + self.ttl, ids, digest)
        while len(self.items) > self.max_items:
            self.items.popitem(last=False)

    def replace_now(self, chat_id: int, message_id: int, reply_id: int, digest: str) -> None:
        """The one reply to (chat_id, message_id) is now reply_id, showing digest."""
        self.items.pop((chat_id, message_id), None)
        self.add_now(chat_id, message_id, reply_id, digest)

    def get_now(self, chat_id: int, message_id: int) -> tuple[list[int], str]:
        """The bot's replies to that message ([] when none is known) and the digest of the last one."""
        item = self.items.get((chat_id, message_id))
        if item is None or item[0] < time.monotonic():
            return [], ""
        return list(item[1]), item[2]

    def __len__(self) -> int:
        return len(self.items)


class InFlight:
    """Updates being handled right now, per user, in the order they started.

    Updates are handled concurrently; this lets one wait for a user's earlier ones to finish first (the
    rate-limit note goes after the answers before it, an edited question finds the reply to the original).
    """

    def __init__(self) -> None:
        self.users: dict[int, dict[object, asyncio.Event]] = {}

    def begin(self, user_id: int, key: object) -> None:
        self.users.setdefault(user_id, {})[key] = asyncio.Event()

    def end(self, user_id: int, key: object) -> None:
        running = self.users.get(user_id, {})
        done = running.pop(key, None)
        if done is not None:
            done.set()
        if not running:
            self.users.pop(user_id, None)

    def before(self, user_id: int, key: object) -> list[asyncio.Event]:
        """Events set when each of the user's updates that started before key is done (all, if key is not here)."""
        earlier = []
        for other, done in self.users.get(user_id, {}).items():
            if other is key:
                break
            earlier.append(done)
        return earlier

    async def settle(self, user_id: int, key: object, timeout: float = 30.0) -> None:
        """Wait (at most timeout seconds) until the user's updates that started before key have finished."""
        await self.wait(self.before(user_id, key), timeout)

    @staticmethod
    async def wait(events: list[asyncio.Event], timeout: float = 30.0) -> None:
        """Wait (at most timeout seconds) until every one of events is set."""
        if events:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.gather(*(e.wait() for e in events)), timeout)

    def __len__(self) -> int:
        return sum(len(running) for running in self.users.values())
