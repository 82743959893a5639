"""Secrets and hostile input: the token and the webhook secret never printed or logged, forged webhook
updates refused, crafted ids and callback data answered politely, start-up failures one line each.

Through the real parts: `citebot run` in a subprocess against the Bot API emulator on 127.0.0.1, the
real Application in process for handler paths, and hypothesis for the parsers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Iterator

import httpx
import pytest
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from citebot.bot.config import Settings
from citebot.bot.handlers import (MAX_OFFSET, PAGE_SIZE, OpenButton, PageButton, command_argument, open_data, page_data,
                          parse_callback, search_page, unknown_id_html)
from citebot.bot.logs import RedactToken
from citebot.bot.questions import BadQuestion
from citebot.bot.service import Citebot
from citebot.bot.state import ExpiringStore
from citebot.bot.telegram import webhook_secret
from citebot.index.indexer import index_paths
from tests.conftest import ROOT
from tests.emulator import BotApiEmulator, EmulatorThread, parse_html
from tests.harness import running, say, telegram_accepts, to_chat, visible

TOKEN = "987654321:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
TOKEN_SECRET_PART = TOKEN.split(":", 1)[1]  # the half that matters, in case a leak mangles the rest
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
OUR_VARIABLES = ("TELEGRAM_", "INDEX_", "ARTICLES_", "WEBHOOK_", "STARTUP_", "ADMIN_", "ALLOWED_", "LOG_")


# --------------------------------------------------------------------------- `citebot run` in a subprocess


def run_env(index: Path, **settings: str) -> dict[str, str]:
    """The environment of a `citebot run` subprocess: this checkout's code, only the given settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(OUR_VARIABLES)}
    env.update(PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8", TELEGRAM_BOT_TOKEN=TOKEN, INDEX_PATH=str(index))
    env.update(settings)
    return env


def start_citebot_run(env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    """`citebot run` that is expected to end by itself (cwd: a folder without a .env)."""
    return subprocess.Popen([sys.executable, "-m", "citebot.bot.cli", "run"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=cwd)


class RunningBot:
    """`citebot run` serving in a subprocess; its stderr is read in a thread so a test can wait for a line."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "citebot.bot.cli", "run"], env=env, cwd=cwd, text=True,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.lines: list[str] = []
        self.ended = False
        self.changed = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            with self.changed:
                self.lines.append(line)
                self.changed.notify_all()
        with self.changed:
            self.ended = True
            self.changed.notify_all()

    def wait_for_line(self, text: str, timeout: float = 30) -> None:
        with self.changed:
            self.changed.wait_for(lambda: self.ended or any(text in line for line in self.lines), timeout)
            if not any(text in line for line in self.lines):
                raise AssertionError(f"no line with {text!r} on stderr:\n{''.join(self.lines)}")

    def stop(self) -> tuple[int, str, str]:
        """SIGTERM, then (exit code, stdout, stderr)."""
        self.process.send_signal(signal.SIGTERM)
        out, _ = self.process.communicate(timeout=20)
        self.reader.join(10)
        return self.process.returncode, out, "".join(self.lines)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.communicate()


@contextlib.contextmanager
def running_bot(env: dict[str, str], cwd: Path) -> Iterator[RunningBot]:
    bot = RunningBot(env, cwd)
    try:
        yield bot
    finally:
        bot.kill()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def refusing_port() -> Iterator[int]:
    """A loopback port bound but not listening: every connection to it is refused, and no one else takes it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@contextlib.contextmanager
def taken_port() -> Iterator[int]:
    """A loopback port some other server listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


@contextlib.contextmanager
def failing_start(case: str, index: Path, tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment of a `citebot run` that must fail to start, for each way it can."""
    webhook = {"WEBHOOK_URL": "https://bot.example.org/citebot/hook", "WEBHOOK_LISTEN": "127.0.0.1"}
    if case == "rejected token":
        with EmulatorThread(token="111:AnotherBotsToken") as emu:  # answers 401 to our token, as Telegram would
            yield run_env(index, TELEGRAM_API_BASE_URL=emu.base_url)
    elif case == "unreachable API":
        with refusing_port() as port:
            yield run_env(index, TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{port}/bot", STARTUP_RETRY_SECONDS="1")
    elif case == "webhook URL not HTTPS":
        yield run_env(index, TELEGRAM_API_BASE_URL="http://127.0.0.1:9/bot",
                      **{**webhook, "WEBHOOK_URL": "http://bot.example.org/citebot/hook"})
    elif case == "webhook refused by Telegram":
        with EmulatorThread(token=TOKEN) as emu:
            emu.fail_next("setWebhook", error_code=400, description="Bad Request: bad webhook: Failed to resolve host")
            yield run_env(index, TELEGRAM_API_BASE_URL=emu.base_url, WEBHOOK_PORT=str(free_port()), **webhook)
    elif case == "webhook port taken":
        with EmulatorThread(token=TOKEN) as emu, taken_port() as port:
            yield run_env(index, TELEGRAM_API_BASE_URL=emu.base_url, WEBHOOK_PORT=str(port), **webhook)
    elif case == "corrupt index":
        corrupt = tmp_path / "corrupt.sqlite"
        corrupt.write_bytes(b"not an index, and not SQLite either " * 200)
        with EmulatorThread(token=TOKEN) as emu:
            yield run_env(corrupt, TELEGRAM_API_BASE_URL=emu.base_url)
    elif case == "malformed token":
        yield {**run_env(index, TELEGRAM_API_BASE_URL="http://127.0.0.1:9/bot"), "TELEGRAM_BOT_TOKEN": TOKEN + "/x y"}
    else:
        raise ValueError(case)


FAILURES = {  # case: what the one line must say
    "rejected token": "rejected TELEGRAM_BOT_TOKEN",
    "unreachable API": "STARTUP_RETRY_SECONDS=1",
    "webhook URL not HTTPS": "WEBHOOK_URL",
    "webhook refused by Telegram": "Bad webhook",
    "webhook port taken": "cannot listen",
    "corrupt index": "corrupt",
    "malformed token": "TELEGRAM_BOT_TOKEN",
}


# Each case runs at the default level (where the failure must be exactly one line) and the cases whose
# requests reach the Bot API also at DEBUG, where PTB and httpx log URLs and parameters (no secret either).
RUNS = [(case, "INFO") for case in FAILURES] + [(case, "DEBUG") for case in ("rejected token", "webhook refused by Telegram")]


def test_a_failed_start_is_one_line_without_the_token(bundled_index: Path, tmp_path: Path) -> None:
    with contextlib.ExitStack() as stack:  # all at once: each run spends most of its time importing
        started = time.monotonic()
        runs = {}
        for n, (case, level) in enumerate(RUNS):
            folder = tmp_path / str(n)
            folder.mkdir()
            env = stack.enter_context(failing_start(case, bundled_index, folder))
            runs[case, level] = start_citebot_run({**env, "LOG_LEVEL": level}, cwd=folder)
        results = {run: process.communicate(timeout=60) for run, process in runs.items()}
        elapsed = time.monotonic() - started
    for (case, level), (out, err) in results.items():
        assert runs[case, level].returncode == 1, (case, level, out + err)
        assert TOKEN_SECRET_PART not in out + err, (case, level)
        if level == "INFO":
            assert out == "" and err.count("\n") == 1 and err.startswith("citebot: "), (case, err)
            assert FAILURES[case] in err, (case, err)
    assert elapsed >= 1.0  # the unreachable API was retried for STARTUP_RETRY_SECONDS before giving up


def test_network_errors_at_start_are_retried(bundled_index: Path, tmp_path: Path) -> None:
    with EmulatorThread(token=TOKEN) as emu:
        emu.fail_next("getMe", error_code=502, count=2)  # "Bad Gateway": a NetworkError in PTB
        emu.fail_next("setMyCommands", error_code=504, count=1)
        with running_bot(run_env(bundled_index, TELEGRAM_API_BASE_URL=emu.base_url), tmp_path) as bot:
            bot.wait_for_line("receiving updates by polling")
            user = emu.user(id=4343)
            emu.send_text(emu.private_chat(user), user, "Where was Saldo flown for toxicology tests?")
            reply = emu.wait_for("sendMessage", lambda c: int(c.params["chat_id"]) == user.id, timeout=30)
            assert "Sklifosovsky" in parse_html(reply.params["text"])[0]
            code, out, err = bot.stop()
        assert len(emu.calls_of("getMe")) >= 3
    assert code == 0, err
    assert "Traceback" not in err and TOKEN_SECRET_PART not in out + err


def stats_update(update_id: int, user_id: int) -> dict:
    """A webhook POST body claiming that user_id sent /stats."""
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": int(time.time()), "text": "/stats",
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        "chat": {"id": user_id, "type": "private", "first_name": "Admin"},
        "from": {"id": user_id, "is_bot": False, "first_name": "Admin"}}}


def test_webhook_without_a_secret_setting_generates_one_and_refuses_forged_updates(bundled_index: Path,
                                                                                   tmp_path: Path) -> None:
    port, admin = free_port(), 7777
    with EmulatorThread(token=TOKEN) as emu:
        emu.private_chat(emu.user(id=admin))
        env = run_env(bundled_index, TELEGRAM_API_BASE_URL=emu.base_url, WEBHOOK_URL="https://bot.example.org/citebot/hook",
                      WEBHOOK_LISTEN="127.0.0.1", WEBHOOK_PORT=str(port), ADMIN_USER_IDS=str(admin), LOG_LEVEL="DEBUG")
        with running_bot(env, tmp_path) as bot:
            bot.wait_for_line("receiving updates by webhook")
            secret = emu.wait_for("setWebhook").params["secret_token"]
            assert re.fullmatch(r"[A-Za-z0-9_-]{43,256}", secret)  # at least 256 random bits
            url = f"http://127.0.0.1:{port}/citebot/hook"
            for n, headers in enumerate([{}, {SECRET_HEADER: ""}, {SECRET_HEADER: "wrong"},
                                         {SECRET_HEADER: secret[:-1]}, {SECRET_HEADER: secret + "x"}], 1):
                assert httpx.post(url, json=stats_update(n, admin), headers=headers).status_code == 403, headers
            accepted = httpx.post(url, json=stats_update(100, admin), headers={SECRET_HEADER: secret})
            assert accepted.status_code == 200
            reply = emu.wait_for("sendMessage", lambda c: int(c.params["chat_id"]) == admin, timeout=30)
            assert "Since start" in parse_html(reply.params["text"])[0]
            code, out, err = bot.stop()  # finishes every update it accepted before it exits
        answered = [c for c in emu.calls_of("sendMessage") if int(c.params["chat_id"]) == admin]
    assert code == 0, err
    assert len(answered) == 1  # the forged ones were never processed
    assert "setWebhook" in err  # PTB logged the call at DEBUG, parameters and all: redacted
    for leaked in (TOKEN_SECRET_PART, secret):
        assert leaked not in out + err


def test_secrets_stay_out_of_reprs_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    configured = Settings(_env_file=None, telegram_bot_token=TOKEN, webhook_url="https://e.org/hook",
                          webhook_secret_token="configured_secret-1")
    for text in (repr(configured), str(configured), repr(configured.model_dump())):
        assert TOKEN not in text and "configured_secret-1" not in text
    assert webhook_secret(configured) == "configured_secret-1"
    generated = Settings(_env_file=None, telegram_bot_token=TOKEN, webhook_url="https://e.org/hook")
    first, second = webhook_secret(generated), webhook_secret(generated)
    assert first != second and len(first) >= 43
    caplog.handler.addFilter(RedactToken(TOKEN, first))
    try:
        raise ValueError(f"request to /bot{TOKEN}/setWebhook with secret_token={first} failed")
    except ValueError:
        logging.getLogger("telegram.Bot").exception("Calling %s with %s", "setWebhook", {"secret_token": first})
    assert "setWebhook" in caplog.text and "Traceback" in caplog.text  # the traceback is kept, redacted
    assert TOKEN not in caplog.text and first not in caplog.text


# --------------------------------------------------------------------------- handlers, in process


@pytest.fixture
async def emu() -> Iterator[BotApiEmulator]:
    async with BotApiEmulator(token=TOKEN) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def paged_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Twelve articles that all match one query: three pages of results."""
    corpus = tmp_path_factory.mktemp("paged")
    for i in range(12):
        (corpus / f"n{i:02}.txt").write_text(f"Bridge report {i}\n\nPartisans damaged bridge number {i} near Tokmak.\n",
                                             encoding="utf-8")
    index = corpus / "index.sqlite"
    index_paths(index, [corpus], progress=False)
    return index


HUGE_ID = "001_cf312ec7e8225a0a:99999999999999999999999"


async def test_source_with_a_huge_ordinal_is_no_such_passage(emu: BotApiEmulator, bundled_index: Path) -> None:
    async with running(emu, bundled_index):
        user = emu.user(id=611)
        for key in (HUGE_ID, "001_cf312ec7e8225a0a:²", "x:" + "9" * 400):
            reply = await say(emu, user, f"/source {key}")
            assert "no passage or article" in visible(reply)
    emu.assert_no_errors()


def test_cli_source_with_a_huge_ordinal_is_no_such_passage(bundled_index: Path, tmp_path: Path) -> None:
    env = run_env(bundled_index)
    result = subprocess.run([sys.executable, "-m", "citebot.bot.cli", "source", HUGE_ID], capture_output=True, text=True,
                            env=env, cwd=tmp_path, timeout=60)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "no passage or article" in result.stderr


FORGED = ["", ":", "s:", "s:abc", "s::", "s:abc:", "s:abc:x", "s:abc:-5", "s:abc:²", "s:abc:5", "s:abc:7",
          "s:abc:99999999999999999999", "s:a b:5", "p:", "a:", "kp:", "ka:", "kp:unknownkey", "kp:no good",
          "x:y", "k:", "kx:abc", "garbage", "s:" + "A" * 60]


async def test_every_callback_query_is_answered(emu: BotApiEmulator, bundled_index: Path) -> None:
    async with running(emu, bundled_index):
        user = emu.user(id=612)
        chat = emu.private_chat(user)
        emu.send_text(chat, user, "/search Kherson")
        results = await emu.wait_for("sendMessage", to_chat(chat.id))
        for data in FORGED:
            query_id = emu.press_button(chat, user, results.result, data, check=False)["callback_query"]["id"]
            answer = await emu.wait_for("answerCallbackQuery", lambda c: c.params["callback_query_id"] == query_id)
            assert answer.params.get("show_alert") and "expired" in answer.params["text"], data
        # Well-formed, but a passage that does not exist (this id raised OverflowError): answered, then said so.
        query_id = emu.press_button(chat, user, results.result, f"p:{HUGE_ID[-40:]}", check=False)["callback_query"]["id"]
        await emu.wait_for("answerCallbackQuery", lambda c: c.params["callback_query_id"] == query_id)
        assert "no passage or article" in visible(await emu.wait_for("sendMessage", to_chat(chat.id)))
    assert not emu.calls_of("editMessageText")
    emu.assert_no_errors()


async def test_a_forged_page_offset_keeps_the_results(emu: BotApiEmulator, paged_index: Path) -> None:
    async with running(emu, paged_index):
        user = emu.user(id=613)
        chat = emu.private_chat(user)
        emu.send_text(chat, user, "/search bridge Tokmak")
        results = await emu.wait_for("sendMessage", to_chat(chat.id))
        forward = [b for b in results.result["reply_markup"]["inline_keyboard"][-1] if b["text"] == "▶"][0]
        key = parse_callback(forward["callback_data"]).key
        for offset in (15, 500, MAX_OFFSET):  # all past the twelve results; 500 and 1000 are valid page starts
            query_id = emu.press_button(chat, user, results.result, page_data(key, offset), check=False)["callback_query"]["id"]
            answer = await emu.wait_for("answerCallbackQuery", lambda c: c.params["callback_query_id"] == query_id)
            assert answer.params.get("show_alert"), offset
        assert not emu.calls_of("editMessageText")
        assert emu.message(chat, results.result["message_id"])["text"] == results.result["text"]
        emu.press_button(chat, user, results.result, forward["callback_data"])  # the real button still works
        assert "results 6–10" in visible(await emu.wait_for("editMessageText", to_chat(chat.id)))
    emu.assert_no_errors()


async def test_a_crash_in_a_handler_is_logged_without_the_token(
        emu: BotApiEmulator, paged_index: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    async def leaky(*args: object, **kwargs: object) -> None:
        # HTTP libraries quote the URL they failed on, and a Bot API URL holds the token.
        try:
            raise ConnectionError(f"POST {emu.base_url}{TOKEN}/sendMessage: connection reset")
        except ConnectionError as cause:
            raise RuntimeError(f"upstream failed for https://api.telegram.org/bot{TOKEN}/getMe") from cause

    async with running(emu, paged_index) as app:
        user = emu.user(id=614)
        chat = emu.private_chat(user)
        emu.send_text(chat, user, "/search bridge Tokmak")
        results = await emu.wait_for("sendMessage", to_chat(chat.id))
        forward = [b for b in results.result["reply_markup"]["inline_keyboard"][-1] if b["text"] == "▶"][0]
        monkeypatch.setattr(app.bot_data["citebot"], "converse", leaky)  # what the handlers ask through
        monkeypatch.setattr(app.bot_data["citebot"], "search", leaky)
        reply = await say(emu, user, "Where is the bridge near Tokmak?")
        assert "something went wrong" in visible(reply)
        query_id = emu.press_button(chat, user, results.result, forward["callback_data"])["callback_query"]["id"]
        answer = await emu.wait_for("answerCallbackQuery", lambda c: c.params["callback_query_id"] == query_id)
        assert answer.params.get("show_alert") and "something went wrong" in answer.params["text"]
    assert caplog.text.count("Update failed") == 2 and "connection reset" in caplog.text
    assert TOKEN_SECRET_PART not in caplog.text
    assert all(TOKEN_SECRET_PART not in str(call.params) for call in emu.calls_of("sendMessage"))
    emu.assert_no_errors()


# --------------------------------------------------------------------------- the parsers, fuzzed

FUZZ = hypothesis_settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
callback_data = st.one_of(
    st.text(max_size=70),
    st.from_regex(r"(s|p|a|kp|ka|k|x|)(:[A-Za-z0-9_²٣ -]{0,12}){0,3}", fullmatch=True),
    st.builds(lambda key, n: f"s:{key}:{n}", st.from_regex(r"[A-Za-z0-9_-]{1,10}", fullmatch=True),
              st.integers(-10**25, 10**25)))


@FUZZ
@given(callback_data)
def test_callback_data_parser_never_raises(data: str) -> None:
    request = parse_callback(data)
    if isinstance(request, PageButton):
        assert 0 <= request.offset <= MAX_OFFSET and request.offset % PAGE_SIZE == 0
        assert parse_callback(page_data(request.key, request.offset)) == request
    elif isinstance(request, OpenButton):
        assert request.kind in ("p", "a") and request.value
    else:
        assert request is None


@FUZZ
@given(st.sampled_from(["p", "a"]), st.text(min_size=1, max_size=120), st.integers(0, MAX_OFFSET // PAGE_SIZE))
def test_buttons_the_bot_makes_parse_back(loop: asyncio.AbstractEventLoop, kind: str, value: str, page: int) -> None:
    store: ExpiringStore = ExpiringStore()
    data = loop.run_until_complete(open_data(kind, value, store))
    request = parse_callback(data)
    assert len(data.encode()) <= 64 and isinstance(request, OpenButton) and request.kind == kind
    assert (store.get_now(request.value) if request.keyed else request.value) == value
    key = store.put_now("a query")
    assert parse_callback(page_data(key, page * PAGE_SIZE)) == PageButton(key, page * PAGE_SIZE)


words = st.one_of(st.text(max_size=30), st.sampled_from(["Kherson", "Saldo", "<b>", "&", "\x00", "²", "٣", "bridge"]))
ids = st.one_of(words, st.from_regex(r"[0-9a-f_]{0,24}:[0-9²٣]{0,40}", fullmatch=True),
                st.builds(lambda n: f"001_cf312ec7e8225a0a:{n}", st.integers(-10**30, 10**30)))


@FUZZ
@given(st.lists(ids, max_size=3))
def test_source_arguments_never_raise(loop: asyncio.AbstractEventLoop, looped_citebot: Citebot, args: list[str]) -> None:
    key = command_argument(args)
    loop.run_until_complete(looped_citebot.passage(key))
    loop.run_until_complete(looped_citebot.article(key))
    telegram_accepts(unknown_id_html(key))


@FUZZ
@given(st.lists(words, max_size=4), st.integers(0, MAX_OFFSET // PAGE_SIZE))
def test_search_arguments_give_valid_pages(loop: asyncio.AbstractEventLoop, looped_citebot: Citebot, args: list[str],
                                           page: int) -> None:
    try:
        found = loop.run_until_complete(looped_citebot.search(command_argument(args), offset=page * PAGE_SIZE,
                                                              limit=PAGE_SIZE))
    except BadQuestion as refusal:
        assert str(refusal)
        return
    text, markup = loop.run_until_complete(search_page(found, ExpiringStore()))
    telegram_accepts(text)
    for row in markup.inline_keyboard if markup else ():
        for button in row:
            assert len(button.callback_data.encode()) <= 64 and parse_callback(button.callback_data) is not None
