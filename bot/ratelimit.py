"""Telegram's flood limits kept by all replicas together: a python-telegram-bot `BaseRateLimiter`.

Telegram allows a bot about 30 messages a second overall and 20 a minute in one group. PTB's
AIORateLimiter counts in one process, so N replicas would send N times as much. Here every request to
a chat first reserves a slot in windows kept in Redis by one atomic script on Redis's clock: overall,
one request every 1/30 s (5% slower, for jitter); per group, no more than 20 in any minute. A
request whose replica was too busy to send it on time takes a new slot rather than bunch up with
later ones. A `retry_after` from Telegram pauses every replica. While Redis is away each replica keeps
the same windows in memory for its share (the windows as many times longer as replicas were last seen
alive), starting after the last shared slot it had; when Redis returns, all of them go back to the
shared windows at one moment agreed in Redis, so together they stay within the limits throughout.
"""
from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
import warnings
from collections import deque
from typing import Any, Callable, Coroutine

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from citebot.bot.shared import PREFIX, SharedRedis

log = logging.getLogger(__name__)

# Telegram's limit for one bot, 30 a second, taken evenly spaced (one every 1/30 s): a burst of 30 at once
# would reach Telegram bunched with the next second's, and bursts gain nothing when the queue is long.
OVERALL = (1, 1 / 30)  # requests, seconds
GROUP = (20, 60.0)  # in one group or channel: 20 a minute, bursts allowed
MARGIN = 0.05  # each window 5% longer: a request may reach Telegram a little later than its slot, never earlier
# A request sent more than this after its slot (its replica was busy) could reach Telegram bunched with
# later ones, beyond what the 5% slack covers: it takes a new slot instead (at most LATE_RETRIES times).
LATE = 0.04
LATE_RETRIES = 3

# KEYS[1]: the overall slots (epoch seconds) of the last max requests, oldest first; KEYS[2]: pause-until;
# KEYS[3] (a group's request only): that group's slots. A slot is reserved in both windows at once, so a
# group's window counts real send times. If the group's window is full until later than the overall slot,
# nothing is reserved (a far slot would hold up every chat behind it) and the caller asks again then.
# ARGV[5]: seconds from now before which this replica may not send (slots it took alone while Redis was away).
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
local max, period = tonumber(ARGV[1]), tonumber(ARGV[2])
local slot = math.max(now + tonumber(ARGV[5]), tonumber(redis.call('GET', KEYS[2]) or '0'))
local last = redis.call('LINDEX', KEYS[1], -1)
if last then slot = math.max(slot, tonumber(last)) end
if redis.call('LLEN', KEYS[1]) >= max then
  slot = math.max(slot, tonumber(redis.call('LINDEX', KEYS[1], -max)) + period)
end
if KEYS[3] then
  local gmax, gperiod = tonumber(ARGV[3]), tonumber(ARGV[4])
  if redis.call('LLEN', KEYS[3]) >= gmax then
    local free = tonumber(redis.call('LINDEX', KEYS[3], -gmax)) + gperiod
    if free > slot then return {0, string.format('%.6f', free - now)} end
  end
  redis.call('RPUSH', KEYS[3], string.format('%.6f', slot))
  redis.call('LTRIM', KEYS[3], -gmax, -1)
  redis.call('PEXPIRE', KEYS[3], math.ceil((slot - now + gperiod) * 1000) + 1000)
end
redis.call('RPUSH', KEYS[1], string.format('%.6f', slot))
redis.call('LTRIM', KEYS[1], -max, -1)
redis.call('PEXPIRE', KEYS[1], math.ceil((slot - now + period) * 1000) + 1000)
return {1, string.format('%.6f', slot - now)}
"""
# KEYS[1]: pause-until; ARGV[1]: seconds from now. Only ever moved later.
_PAUSE = """
local t = redis.call('TIME')
local until_ = tonumber(t[1]) + tonumber(t[2]) / 1e6 + tonumber(ARGV[1])
if until_ > tonumber(redis.call('GET', KEYS[1]) or '0') then
  redis.call('SET', KEYS[1], string.format('%.6f', until_), 'PX', math.ceil(tonumber(ARGV[1]) * 1000) + 1000)
end
return 1
"""


Limit = tuple[int, float]  # at most this many requests in any window of this many seconds


# KEYS[1] resume-at, KEYS[2] the overall slots. After an outage the first replica to see Redis again names
# a moment (GRACE from now) when all replicas go back to the shared windows together; until then each
# keeps its share. The shared windows open a little after it, once the slots taken alone have gone.
_RESUME = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
local at = now + tonumber(ARGV[1])
if redis.call('SET', KEYS[1], string.format('%.6f', at), 'NX', 'PX', 60000) then
  redis.call('RPUSH', KEYS[2], string.format('%.6f', at + tonumber(ARGV[2])))
  redis.call('LTRIM', KEYS[2], -tonumber(ARGV[3]), -1)
else
  at = tonumber(redis.call('GET', KEYS[1]))
end
return string.format('%.6f', at - now)
"""
GRACE = 2.0  # seconds: every replica's probe sees Redis back within this (bot/shared.py probes at least every second)


class Windows:
    """The same sliding windows in this process's memory: for one replica, or while Redis is away."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.slots: dict[str, deque[float]] = {}
        self.paused_until = 0.0
        self.horizon = 0.0  # the last slot taken in Redis: slots taken here while it is away come after it

    async def reserve(self, overall: Limit, group: str | None, group_limit: Limit) -> tuple[bool, float]:
        """(reserved, seconds): wait that long and send; or, not reserved, wait that long and ask again."""
        now = self.clock()
        slots = self.slots.setdefault("overall", deque())
        slot = max(now, self.paused_until, self.horizon, slots[-1] if slots else now)
        if len(slots) >= overall[0]:
            slot = max(slot, slots[-overall[0]] + overall[1])
        if group is not None:
            mine = self.slots.setdefault(group, deque())
            if len(mine) >= group_limit[0] and mine[-group_limit[0]] + group_limit[1] > slot:
                return False, mine[-group_limit[0]] + group_limit[1] - now
            _push(mine, slot, group_limit[0])
        _push(slots, slot, overall[0])
        self._forget(now)
        return True, slot - now

    async def pause(self, seconds: float) -> bool:
        self.paused_until = max(self.paused_until, self.clock() + seconds)
        return True

    def _forget(self, now: float) -> None:
        """Drop the windows of groups not written to for a while (memory stays bounded)."""
        if len(self.slots) > 10_000:
            for name in [n for n, s in self.slots.items() if s and s[-1] < now - GROUP[1] - 1]:
                del self.slots[name]


def _push(slots: deque[float], slot: float, keep: int) -> None:
    slots.append(slot)
    while len(slots) > keep:
        slots.popleft()


class RedisWindows:
    """The windows in Redis, reserved atomically by a script on Redis's own clock."""

    def __init__(self, shared: SharedRedis) -> None:
        self.reserve_script = shared.client.register_script(_RESERVE)
        self.pause_script = shared.client.register_script(_PAUSE)
        self.resume_script = shared.client.register_script(_RESUME)

    async def reserve(self, overall: Limit, group: str | None, group_limit: Limit,
                      not_before: float = 0.0) -> tuple[bool, float]:
        keys = [f"{PREFIX}flood:overall", f"{PREFIX}flood:pause"] + ([f"{PREFIX}flood:{group}"] if group else [])
        reserved, seconds = await self.reserve_script(keys=keys, args=[*overall, *group_limit, max(0.0, not_before)])
        return bool(reserved), float(seconds)

    async def pause(self, seconds: float) -> bool:
        return bool(await self.pause_script(keys=[f"{PREFIX}flood:pause"], args=[seconds]))

    async def resume(self, overall: Limit) -> float:
        """Seconds until every replica goes back to the shared windows after an outage."""
        return float(await self.resume_script(keys=[f"{PREFIX}flood:resume", f"{PREFIX}flood:overall"],
                                              args=[GRACE, overall[1] * 3, overall[0]]))


async def _zero() -> float:
    return 0.0


class SharedRateLimiter(BaseRateLimiter[int]):
    """Telegram's overall and per-group limits across all replicas, and a retry_after honoured by every one."""

    def __init__(self, shared: SharedRedis | None, overall: tuple[int, float] = OVERALL,
                 group: tuple[int, float] = GROUP, max_retries: int = 5, margin: float = MARGIN) -> None:
        self.shared = shared
        self.overall = overall
        self.group = group
        self.max_retries = max_retries
        self.margin = margin
        self.local = Windows()
        self.remote = RedisWindows(shared) if shared is not None else None
        self.went_local = False  # this replica took slots alone (Redis away) since it last used Redis's
        self.local_until = 0.0  # after an outage: keep to this replica's share until then (all switch back together)

    async def initialize(self) -> None:
        """Nothing to open: the Redis client belongs to SharedRedis."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def _reserve(self, group: str | None) -> tuple[bool, float]:
        overall = (self.overall[0], self.overall[1] * (1 + self.margin))
        group_limit = (self.group[0], self.group[1] * (1 + self.margin))
        if self.shared is None or self.remote is None:
            return await self.local.reserve(overall, group, group_limit)
        # While Redis is away, this replica takes only its share of each limit (its windows that much longer).
        replicas = self.shared.replicas
        share = (overall[0], overall[1] * replicas)
        group_share = (group_limit[0], group_limit[1] * replicas)
        remote, local = self.remote, self.local

        async def alone() -> tuple[bool, float]:
            self.went_local = True
            return await local.reserve(share, group, group_share)

        if self.shared.up and self.went_local:  # Redis is back: agree with the others when to share again
            self.went_local = False
            until = await self.shared.run(lambda: remote.resume(overall), _zero)
            self.local_until = local.clock() + until
        if local.clock() < self.local_until:
            return await local.reserve(share, group, group_share)

        async def shared_window() -> tuple[bool, float]:
            # Slots taken here alone while Redis was away are still to come: Redis's start after them.
            backlog = local.slots["overall"][-1] - local.clock() if local.slots.get("overall") else 0.0
            reserved, wait = await remote.reserve(overall, group, group_limit, backlog)
            local.horizon = max(local.horizon, local.clock() + wait)
            return reserved, wait

        return await self.shared.run(shared_window, alone)

    async def _pause(self, seconds: float) -> None:
        await self.local.pause(seconds)
        if self.shared is not None and self.remote is not None:
            remote = self.remote
            await self.shared.run(lambda: remote.pause(seconds), lambda: self.local.pause(seconds))

    async def _wait_for_slot(self, chat_id: object) -> None:
        """Wait for a slot in the overall window and, for a group, in the group's."""
        if chat_id is None:  # not a message to a chat (answering a button, an inline query): only a pause holds it
            wait = self.local.paused_until - self.local.clock()
            if wait > 0:
                await asyncio.sleep(wait)
            return
        with contextlib.suppress(ValueError, TypeError):
            chat_id = int(chat_id)  # type: ignore[call-overload]
        group = f"group:{chat_id}" if isinstance(chat_id, str) or (isinstance(chat_id, int) and chat_id < 0) else None
        late = 0
        while True:
            reserved, wait = await self._reserve(group)
            due = self.local.clock() + wait
            if wait > 0:
                await asyncio.sleep(wait)  # until the slot reserved, or until the group's window has room
            if reserved and (self.local.clock() - due <= LATE or late == LATE_RETRIES):
                return
            late += reserved

    async def process_request(self, callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
                              args: Any, kwargs: dict[str, Any], endpoint: str, data: dict[str, Any],
                              rate_limit_args: int | None) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Send once a slot is free; on a retry_after, pause every replica that long and try again."""
        max_retries = rate_limit_args or self.max_retries
        for attempt in range(max_retries + 1):
            await self._wait_for_slot(data.get("chat_id"))
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                if attempt == max_retries:
                    raise
                with warnings.catch_warnings():  # PTB warns that retry_after will become a timedelta; either is fine
                    warnings.simplefilter("ignore")
                    wait = error.retry_after
                seconds = wait.total_seconds() if isinstance(wait, dt.timedelta) else float(wait)
                log.info("Telegram asked to wait %.1f s (%s); every replica pauses", seconds, endpoint)
                await self._pause(seconds + 0.1)
        raise AssertionError("unreachable")  # the loop returns or raises
