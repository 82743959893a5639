"""Private real servers for the replica tests and the load test: redis-server, nginx, `citebot run` replicas.

Each runs as a subprocess on a free loopback port with its files in a temp folder, and is stopped
at the end. Readiness is awaited on what the server itself says (its log line) or on its port
accepting connections, never by sleeping. Where redis-server or nginx is missing, `missing()` says
which, for pytest.skip.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.emulator import BotApiEmulator

ROOT = Path(__file__).resolve().parents[1]
SBIN = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin", "/sbin"])


def which(name: str) -> str | None:
    """A server binary, also where Debian puts daemons (/usr/sbin, often not on a user's PATH)."""
    return shutil.which(name, path=SBIN)


def missing(*names: str) -> str | None:
    """One line naming what is not installed (for pytest.skip), or None."""
    absent = [n for n in names if which(n) is None]
    if "nginx" in names and which("openssl") is None:
        absent.append("openssl")
    return f"needs {', '.join(absent)} (apt-get install {' '.join(absent)}; .ci/run does)" if absent else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Process:
    """A subprocess whose output lines are collected, so a test can await the line it waits for."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> None:
        self.name = name
        self.argv = argv
        self.env = env
        self.proc: asyncio.subprocess.Process | None = None
        self.lines: list[str] = []
        self._changed = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            *self.argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, env=self.env, cwd=ROOT)
        self._reader = asyncio.get_running_loop().create_task(self._read(self.proc))

    async def _read(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stdout is not None
        async for raw in proc.stdout:
            self.lines.append(raw.decode("utf-8", "replace").rstrip())
            self._changed.set()
        self._changed.set()

    def count(self, pattern: str) -> int:
        return sum(1 for line in self.lines if re.search(pattern, line))

    async def wait_for_line(self, pattern: str, n: int = 1, timeout: float = 20.0) -> None:
        """Wait until n output lines match pattern; fail with the output if the process ends first."""
        async def seen() -> None:
            while self.count(pattern) < n:
                if self.proc is not None and self.proc.returncode is not None:
                    raise RuntimeError(f"{self.name} exited ({self.proc.returncode}):\n" + "\n".join(self.lines[-30:]))
                self._changed.clear()
                await self._changed.wait()
        try:
            await asyncio.wait_for(seen(), timeout)
        except TimeoutError:
            raise TimeoutError(f"{self.name}: no line matching {pattern!r} within {timeout} s:\n"
                               + "\n".join(self.lines[-30:])) from None

    async def stop(self, signum: int = signal.SIGTERM, timeout: float = 10.0) -> int | None:
        """Signal it and wait for it to exit (killed if it will not); its return code."""
        if self.proc is None:
            return None
        if self.proc.returncode is None:
            self.proc.send_signal(signum)
            try:
                await asyncio.wait_for(self.proc.wait(), timeout)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        return self.proc.returncode


async def wait_for_port(port: int, timeout: float = 10.0) -> None:
    """Wait until something accepts connections on 127.0.0.1:port."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            if loop.time() > deadline:
                raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout} s") from None
            await asyncio.sleep(0.02)  # a connection refused now says nothing of the next attempt


class RedisServer(Process):
    """redis-server on a free loopback port, with a password and an append-only file in folder."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.password = secrets.token_urlsafe(16)
        folder.mkdir(parents=True, exist_ok=True)
        super().__init__("redis-server", [
            which("redis-server") or "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
            "--dir", str(folder), "--appendonly", "yes", "--save", "", "--requirepass", self.password,
            "--daemonize", "no", "--logfile", ""])

    @property
    def url(self) -> str:
        return f"redis://:{self.password}@127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        self.lines.clear()
        await super().start()
        await self.wait_for_line("Ready to accept connections")


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate and key for 127.0.0.1, made with openssl, valid for a day."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run([which("openssl") or "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


NGINX_CONF = """\
daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log stderr warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    upstream citebot {{
{servers}
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        location /telegram/ {{
            proxy_pass http://citebot;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            # A replica that is down or dies mid-request: try the next one. Safe for a POST because
            # replicas drop an update id they already took in.
            proxy_next_upstream error timeout http_502 http_503 non_idempotent;
            proxy_connect_timeout 1s;
            proxy_read_timeout 10s;
        }}
    }}
}}
"""


class Nginx(Process):
    """nginx terminating TLS on a free loopback port and balancing over the replicas' ports (round robin)."""

    def __init__(self, folder: Path, upstreams: list[int]) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.cert, key = self_signed(folder)
        servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=1s;" for p in upstreams)
        conf = folder / "nginx.conf"
        conf.write_text(NGINX_CONF.format(folder=folder, servers=servers, port=self.port, cert=self.cert, key=key))
        super().__init__("nginx", [which("nginx") or "nginx", "-e", "stderr", "-p", str(folder), "-c", str(conf)])

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}/telegram/hook"

    async def start(self) -> None:
        await super().start()
        await wait_for_port(self.port)


class Replica(Process):
    """`citebot run` in webhook mode on its own port, sharing Redis and the index with the others."""

    def __init__(self, n: int, port: int, env: dict[str, str]) -> None:
        self.port = port
        environment = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_", "REDIS_"))}
        environment.update(env, WEBHOOK_LISTEN="127.0.0.1", WEBHOOK_PORT=str(port), PYTHONUNBUFFERED="1")
        super().__init__(f"replica {n}", [sys.executable, "-m", "citebot.bot.cli", "run"], environment)
        self.starts = 0

    async def start(self) -> None:
        self.starts += 1
        await super().start()

    async def ready(self, timeout: float = 30.0) -> None:
        """Wait until this start of it serves (its "Serving … by webhook" line)."""
        await self.wait_for_line(r"Serving \d+ articles", n=self.starts, timeout=timeout)


class Cluster:
    """redis-server, nginx and n `citebot run` replicas in webhook mode, delivered to by the emulator `emu`.

    Use as `async with Cluster(emu, index, folder, n) as cluster:`; everything is stopped at the end.
    """

    def __init__(self, emu: "BotApiEmulator", index: Path, folder: Path, replicas: int = 3, **env: str) -> None:
        self.emu = emu
        self.redis = RedisServer(folder / "redis")
        ports = [free_port() for _ in range(replicas)]
        self.nginx = Nginx(folder / "nginx", ports)
        self.secret = secrets.token_urlsafe(24)
        environment = {"TELEGRAM_BOT_TOKEN": emu.token, "TELEGRAM_API_BASE_URL": emu.base_url,
                       "INDEX_PATH": str(index), "WEBHOOK_URL": self.nginx.url, "WEBHOOK_SECRET_TOKEN": self.secret,
                       "REDIS_URL": self.redis.url, "REDIS_CLAIM_SECONDS": "2", "STARTUP_RETRY_SECONDS": "10",
                       "LOG_LEVEL": "INFO", **{k.upper(): v for k, v in env.items()}}
        self.replicas = [Replica(n, port, environment) for n, port in enumerate(ports)]

    async def __aenter__(self) -> "Cluster":
        await self.redis.start()
        await self.nginx.start()
        self.emu.webhook_verify = str(self.nginx.cert)  # the emulator trusts nginx's self-signed certificate
        await asyncio.gather(*(r.start() for r in self.replicas))
        await asyncio.gather(*(r.ready() for r in self.replicas))
        return self

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.gather(*(r.stop() for r in self.replicas))
        await self.nginx.stop(signal.SIGQUIT)  # nginx's graceful stop
        await self.redis.stop()

    async def restart(self, replica: "Replica", signum: int = signal.SIGKILL) -> None:
        """Kill a replica (SIGKILL: no chance to finish anything) and start it again."""
        await replica.stop(signum)
        await replica.start()
        await replica.ready()

    async def bounce_redis(self) -> None:
        """Stop Redis and start it again on the same port (its append-only file keeps what was stored)."""
        await self.redis.stop()
        await self.redis.start()

    def output(self) -> str:
        """Everything the servers printed (for a failing test's message)."""
        return "\n".join(f"[{p.name}] {line}" for p in [self.redis, self.nginx, *self.replicas] for line in p.lines)


def max_rate(times: list[float], window: float) -> int:
    """The most of times (sorted or not) that fall in any half-open window of that many seconds."""
    ordered = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(ordered):
        while ordered[start] <= t - window:
            start += 1
        best = max(best, end - start + 1)
    return best
