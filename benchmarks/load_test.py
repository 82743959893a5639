"""Load test: many users and groups asking at once through the Bot API emulator.

Every question must get exactly one reply, no request may break Telegram's
validation, and 429s injected now and then must be waited out. Reports
answers per second, question→reply latency, and the bot's own processing
time per question (search + compose + render, without the rate limiter's
deliberate waits or the round trips to the API).

    python benchmarks/load_test.py                      # 200 users, 20 groups, 2,000 questions, bundled articles
    python benchmarks/load_test.py --index big.sqlite   # on an existing (e.g. 1M-passage) index
    python benchmarks/load_test.py --replicas 3         # `citebot run` x3 in webhook mode behind nginx, with Redis

With --replicas N (1 or more) the bot runs as N real `citebot run` processes in webhook mode behind a
private nginx (TLS) sharing a private redis-server (tests/servers.py; both must be installed), and the
emulator delivers updates to the webhook as Telegram does. Without it, the bot's Application runs in
this process and polls, as before.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import platform
import random
import resource
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import AsyncIterator

import numpy as np
import redis.asyncio as aioredis

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from citebot.bot.config import BUNDLED_ARTICLES  # noqa: E402
from citebot.index.indexer import index_paths  # noqa: E402
from tests.emulator import BotApiEmulator, FakeChat, FakeUser  # noqa: E402
from tests.harness import running  # noqa: E402
from tests.servers import Cluster, max_rate, missing  # noqa: E402

SEED_QUESTIONS = ROOT.parent / "shared" / "eval" / "seed_questions.jsonl"
FALLBACK_QUESTIONS = ["Where was Saldo flown for toxicology tests?", "Who is the mayor of Melitopol?",
                      "What happened in Nova Kakhovka?", "What is the capital of Australia?"]


@dataclass
class LoadReport:
    """What one load run measured."""

    questions: int = 0
    replies: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    processing_ms: list[float] = field(default_factory=list)
    injected_429: int = 0
    typing_actions: int = 0  # "typing…" requests: sent only for answers slower than half a second
    failed_requests: list[str] = field(default_factory=list)
    wrong_counts: dict[int, tuple[int, int]] = field(default_factory=dict)  # chat -> (asked, replied)
    rss_mb: list[float] = field(default_factory=list)  # peak RSS at each quarter of the run
    replicas: int = 0  # 0: the Application in this process, polling; else `citebot run` processes behind nginx
    duplicates: int = 0  # replies beyond one a question
    lost: int = 0  # questions never answered
    max_per_second: int = 0  # the most requests to chats in any one second (Telegram allows about 30)
    max_per_5s: int = 0

    def percentile(self, values: list[float], q: float) -> float:
        return float(np.percentile(values, q)) if values else 0.0


def _questions(path: Path) -> list[str]:
    if path.exists():
        return [json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return FALLBACK_QUESTIONS


def _rss_mb(cluster: Cluster | None = None) -> float:
    """Peak RSS of this process, or the largest of the replicas' (each one's VmHWM)."""
    if cluster is None:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peaks = []
    for replica in cluster.replicas:
        with contextlib.suppress(OSError, AttributeError):
            status = Path(f"/proc/{replica.proc.pid}/status").read_text()
            peaks.append(int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM"))) / 1024)
    return max(peaks, default=0.0)


@contextlib.asynccontextmanager
async def _bot(emu: BotApiEmulator, index: Path, replicas: int, work: Path) -> AsyncIterator[object]:
    """The bot under test: its Application here (polling), or `replicas` processes behind nginx with Redis."""
    if not replicas:
        async with running(emu, index) as app:
            yield app
        return
    async with Cluster(emu, index, work, replicas) as cluster:
        yield cluster


async def _processing_ms(bot: object) -> list[float]:
    """The bot's own time per question: from its Stats here, or from the replicas' shared stats in Redis."""
    if not isinstance(bot, Cluster):
        return list(bot.bot_data["stats"].latencies_ms)  # type: ignore[attr-defined]
    client = aioredis.Redis.from_url(bot.redis.url, decode_responses=True)
    try:
        return [float(x) for x in await client.lrange("citebot:stats:latency", 0, -1)]
    finally:
        await client.aclose()


async def run_load(index: Path, *, users: int = 200, groups: int = 20, questions: int = 2000,
                   group_share: float = 0.1, inject_every: int = 250, seed: int = 1,
                   pool: list[str] | None = None, timeout: float = 120.0, replicas: int = 0) -> LoadReport:
    """Play `questions` questions from `users` people (some in `groups`) against the real bot."""
    rng = random.Random(seed)
    pool = pool or _questions(SEED_QUESTIONS)
    report = LoadReport(questions=questions, replicas=replicas)
    with tempfile.TemporaryDirectory() as work:
        async with BotApiEmulator() as emu, _bot(emu, index, replicas, Path(work)) as bot:
            await _play(emu, bot, report, rng, pool, users, groups, questions, group_share, inject_every, timeout)
    return report


async def _play(emu: BotApiEmulator, bot: object, report: LoadReport, rng: random.Random, pool: list[str],
                users: int, groups: int, questions: int, group_share: float, inject_every: int,
                timeout: float) -> None:
    """Ask, wait for every reply, and fill in report."""
    cluster = bot if isinstance(bot, Cluster) else None
    people = [emu.user(id=10_000 + i, first_name=f"U{i}") for i in range(users)]
    rooms = [emu.group_chat(id=-1_000_000 - i, title=f"G{i}") for i in range(groups)]
    jobs: dict[int, list[tuple[FakeChat, FakeUser, str]]] = defaultdict(list)
    for _ in range(questions):
        person, question = rng.choice(people), rng.choice(pool)
        if rooms and rng.random() < group_share:
            room = rng.choice(rooms)
            jobs[room.id].append((room, person, f"@{emu.bot_username} {question}"))
        else:
            jobs[person.id].append((emu.private_chat(person), person, question))
    done = sent = 0
    quarter = max(1, questions // 4)

    async def converse(turns: list[tuple[FakeChat, FakeUser, str]]) -> None:
        """One chat asks its questions one after another, each as soon as the last was answered."""
        nonlocal done, sent
        for chat, person, text in turns:
            sent += 1
            if inject_every and sent % inject_every == 0:
                emu.fail_next("sendMessage", retry_after=1)
                report.injected_429 += 1
            message = emu.send_text(chat, person, text)["message"]
            asked = time.time()
            if chat.type == "private":
                reply = await emu.wait_for("sendMessage", lambda c, i=chat.id: int(c.params["chat_id"]) == i,
                                           timeout=timeout)
            else:
                reply = await emu.wait_for(
                    "sendMessage", lambda c, m=message["message_id"], i=chat.id: int(c.params["chat_id"]) == i
                    and c.result.get("reply_to_message", {}).get("message_id") == m, timeout=timeout)
            report.latencies_ms.append((reply.time - asked) * 1000)
            done += 1
            if done % quarter == 0:
                report.rss_mb.append(_rss_mb(cluster))

    started = time.perf_counter()
    await asyncio.gather(*(converse(turns) for turns in jobs.values()))
    report.seconds = time.perf_counter() - started
    report.processing_ms = await _processing_ms(bot)
    replies: dict[int, int] = defaultdict(int)
    for call in emu.calls_of("sendMessage"):
        if call.ok:
            replies[int(call.params["chat_id"])] += 1
    report.replies = sum(replies.values())
    report.wrong_counts = {chat: (len(turns), replies[chat]) for chat, turns in jobs.items()
                           if replies[chat] != len(turns)}
    report.duplicates = sum(max(0, replies[chat] - len(turns)) for chat, turns in jobs.items())
    report.lost = sum(max(0, len(turns) - replies[chat]) for chat, turns in jobs.items())
    report.failed_requests = [repr(c) for c in emu.errors if c.error_code != 429]
    report.typing_actions = len(emu.calls_of("sendChatAction"))
    to_chats = [c.time for c in emu.calls if "chat_id" in c.params]
    report.max_per_second, report.max_per_5s = max_rate(to_chats, 1.0), max_rate(to_chats, 5.0)


def table(report: LoadReport, corpus: str) -> str:
    p = report.percentile
    rows = [
        ("bot", f"{report.replicas} × `citebot run` behind nginx, Redis" if report.replicas else "one process, polling"),
        ("corpus", corpus),
        ("questions / replies", f"{report.questions} / {report.replies}"),
        ("chats with a missing or extra reply", str(len(report.wrong_counts))),
        ("requests Telegram would refuse", str(len(report.failed_requests))),
        ("429s injected (waited out)", str(report.injected_429)),
        ("answers per second", f"{report.replies / report.seconds:.1f}"),
        ("answered twice / never", f"{report.duplicates} / {report.lost}"),
        ("most requests in 1 s / in 5 s", f"{report.max_per_second} / {report.max_per_5s}"),
        ("“typing…” requests", str(report.typing_actions)),
        ("question→reply p50 / p99 ms", f"{p(report.latencies_ms, 50):.1f} / {p(report.latencies_ms, 99):.1f}"),
        ("bot's own processing p50 / p99 ms", f"{p(report.processing_ms, 50):.2f} / {p(report.processing_ms, 99):.2f}"),
        ("peak RSS MB at 25/50/75/100%", " / ".join(f"{m:.0f}" for m in report.rss_mb)),
    ]
    width = max(len(k) for k, _ in rows)
    return "\n".join([f"| {'measure':<{width}} | value |", f"|{'-' * (width + 2)}|-------|"]
                     + [f"| {k:<{width}} | {v} |" for k, v in rows])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, help="an existing index (default: the bundled articles, built in a temp dir)")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--groups", type=int, default=20)
    parser.add_argument("--questions", type=int, default=2000)
    parser.add_argument("--inject-every", type=int, default=250, help="inject a 429 every N questions (0: never)")
    parser.add_argument("--replicas", type=int, default=0,
                        help="run N `citebot run` replicas behind nginx with Redis (default 0: in this process)")
    args = parser.parse_args()
    if args.replicas and missing("redis-server", "nginx"):
        sys.exit(f"load_test: --replicas {missing('redis-server', 'nginx')}")
    with tempfile.TemporaryDirectory() as work:
        index = args.index
        if index is None:
            index = Path(work) / "index.sqlite"
            index_paths(index, [BUNDLED_ARTICLES], progress=False)
        report = asyncio.run(run_load(index, users=args.users, groups=args.groups, questions=args.questions,
                                      inject_every=args.inject_every, timeout=600, replicas=args.replicas))
    print(f"Load test, {date.today()}, {platform.machine()}, {__import__('os').cpu_count()} cores, "
          f"Python {platform.python_version()}")
    print(table(report, "bundled articles" if args.index is None else str(args.index)))
    if report.wrong_counts or report.failed_requests:
        sys.exit(1)


if __name__ == "__main__":
    main()
