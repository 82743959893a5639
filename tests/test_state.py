"""Bounded, expiring state: memory stays flat however long the bot runs."""

import pytest

import asyncio

from citebot.bot import state
from citebot.bot.ratelimit import SharedRateLimiter, Windows
from citebot.bot.smalltalk import small_talk
from citebot.bot.state import ExpiringStore, RateLimit


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(state.time, "monotonic", fake)
    return fake


def test_store_keys_are_short_and_values_expire(clock: Clock) -> None:
    store: ExpiringStore[str] = ExpiringStore(ttl=60)
    key = store.put_now("a long search query " * 10)
    assert len(f"s:{key}:100".encode()) <= 64
    assert store.get_now(key).startswith("a long")
    clock.now += 61
    assert store.get_now(key) is None
    store.put_now("next")
    assert len(store) == 1  # the expired entry is gone, not just hidden


def test_store_is_bounded(clock: Clock) -> None:
    store: ExpiringStore[int] = ExpiringStore(ttl=3600, max_items=100)
    keys = [store.put_now(i) for i in range(1000)]
    assert len(store) == 100 and store.get_now(keys[-1]) == 999 and store.get_now(keys[0]) is None


def test_rate_limit_tells_once_per_burst_and_recovers(clock: Clock) -> None:
    limit = RateLimit(limit=2, window=60)
    assert [limit.check_now(7) for _ in range(5)] == [(True, False), (True, False), (False, True), (False, False),
                                                  (False, False)]
    assert limit.check_now(8) == (True, False)  # others are unaffected
    clock.now += 61
    assert limit.check_now(7) == (True, False)


def test_rate_limit_forgets_idle_users(clock: Clock) -> None:
    limit = RateLimit(limit=5, max_users=50)
    for user in range(500):
        limit.check_now(user)
    assert len(limit.users) == 50


def test_flood_windows_in_memory() -> None:
    """The flood limiter's windows without Redis: evenly spaced overall, a full group's window says when to ask again."""
    now = [100.0]
    windows = Windows(clock=lambda: now[0])
    reserve = lambda group=None: asyncio.run(windows.reserve((1, 0.1), group, (2, 1.0)))  # noqa: E731
    assert [reserve()[1] for _ in range(3)] == pytest.approx([0.0, 0.1, 0.2])
    now[0] += 1.0  # the queue has drained
    assert reserve("group:-5") == (True, 0.0)
    assert reserve("group:-5") == (True, pytest.approx(0.1))
    assert reserve("group:-5") == (False, pytest.approx(1.0))  # the group's two in a second are taken
    asyncio.run(windows.pause(5.0))  # a retry_after
    assert reserve()[1] == pytest.approx(5.0)


def test_flood_limiter_without_redis_keeps_its_own_windows() -> None:
    limiter = SharedRateLimiter(None, overall=(1, 0.01), margin=0.0)
    calls: list[int] = []

    async def send(n: int) -> bool:
        calls.append(n)
        return True

    async def run() -> None:
        await asyncio.gather(*(limiter.process_request(send, (n,), {}, "sendMessage", {"chat_id": n}, None)
                               for n in range(5)))

    asyncio.run(run())
    assert sorted(calls) == list(range(5))


@pytest.mark.parametrize("text, kind", [
    ("hi", "Hello"), ("Hello there!", "Hello"), ("thanks a lot", "welcome"), ("Who are you?", "quoting"),
    ("hello, who is Saldo?", None), ("What do you know about Saldo?", None), ("Thanks for the Makarov answer, who is Gur?", None),
])
def test_small_talk(text: str, kind: str | None) -> None:
    reply = small_talk(text, "Who is Saldo?")
    assert (reply is None) if kind is None else (kind in reply)
