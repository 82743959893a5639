"""End to end: `citebot run` as a subprocess against the emulator, stopped with SIGTERM."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import httpx

from citebot.bot.config import Settings
from citebot.bot.logs import protect_logs
from tests.conftest import ROOT, cli
from tests.emulator import EmulatorThread, parse_html

TOKEN = "987654321:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


@contextlib.contextmanager
def citebot_run(emu: EmulatorThread, **settings: str) -> Iterator[subprocess.Popen[str]]:
    """`citebot run` in a subprocess talking to the emulator; killed if the test leaves it running."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "INDEX_", "ARTICLES_", "WEBHOOK_"))}
    env.update(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=emu.base_url, **settings)
    bot = subprocess.Popen([sys.executable, "-m", "citebot.bot.cli", "run"], cwd=ROOT, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        yield bot
    finally:
        if bot.poll() is None:
            bot.kill()
            bot.communicate()


def test_citebot_run_answers_and_stops_on_sigterm(tmp_path: Path, seed_questions: list[dict]) -> None:
    question = next(q for q in seed_questions if "Saldo" in q["question"])
    with EmulatorThread(token=TOKEN, bot_username="citebot_e2e_bot") as emu, \
            citebot_run(emu, INDEX_PATH=str(tmp_path / "index.sqlite"), LOG_LEVEL="DEBUG") as bot:
        emu.wait_for("setMyCommands", timeout=30)
        user = emu.user(id=4242, first_name="Eve")
        chat = emu.private_chat(user)
        emu.send_text(chat, user, question["question"])
        reply = emu.wait_for("sendMessage", lambda c: int(c.params["chat_id"]) == chat.id, timeout=30)
        assert any(a in parse_html(reply.params["text"])[0] for a in question["answers"])
        bot.send_signal(signal.SIGTERM)
        out, err = bot.communicate(timeout=15)
        assert bot.returncode == 0, err
        assert TOKEN not in out + err and "Traceback" not in err
        assert (tmp_path / "index.sqlite").exists()  # built from the bundled articles on start


def test_token_is_redacted_from_logs(caplog) -> None:
    settings = Settings(_env_file=None, telegram_bot_token=TOKEN)
    assert TOKEN not in repr(settings) and TOKEN not in str(settings)
    handler = logging.StreamHandler()
    logging.getLogger().addHandler(handler)
    try:
        protect_logs(TOKEN)
        caplog.handler.addFilter(handler.filters[0])
        logging.getLogger("httpx").warning("POST https://api.telegram.org/bot%s/getMe failed", TOKEN)
    finally:
        logging.getLogger().removeHandler(handler)
    assert "getMe failed" in caplog.text and TOKEN not in caplog.text and "[TOKEN]" in caplog.text


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_webhook_mode_checks_the_secret_and_answers(tmp_path: Path) -> None:
    port, secret = _free_port(), "s3cret-token_1"
    with EmulatorThread(token=TOKEN) as emu, citebot_run(
            emu, INDEX_PATH=str(tmp_path / "i.sqlite"), WEBHOOK_URL="https://bot.example.org/citebot/hook",
            WEBHOOK_LISTEN="127.0.0.1", WEBHOOK_PORT=str(port), WEBHOOK_SECRET_TOKEN=secret) as bot:
        registered = emu.wait_for("setWebhook", timeout=30)
        assert registered.params["url"] == "https://bot.example.org/citebot/hook"
        assert registered.params["secret_token"] == secret
        user = emu.user(id=5151)
        update = {"update_id": 1, "message": {"message_id": 1, "date": 0, "text": "Where was Saldo flown?",
                                              "chat": {"id": user.id, "type": "private"}, "from": user.to_api()}}
        url = f"http://127.0.0.1:{port}/citebot/hook"
        forged = httpx.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"})
        assert forged.status_code == 403
        accepted = httpx.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret})
        assert accepted.status_code == 200
        reply = emu.wait_for("sendMessage", lambda c: int(c.params["chat_id"]) == user.id, timeout=30)
        assert "Sklifosovsky" in parse_html(reply.params["text"])[0]
        bot.send_signal(signal.SIGTERM)
        _, err = bot.communicate(timeout=15)
        assert bot.returncode == 0, err
        assert len([c for c in emu.calls_of("sendMessage") if int(c.params["chat_id"]) == user.id]) == 1


def test_check_reports_index_and_bot_api(tmp_path: Path) -> None:
    index = tmp_path / "i.sqlite"
    assert cli("index", index=index).returncode == 0
    with EmulatorThread(token=TOKEN, bot_username="citebot_check_bot") as emu:
        healthy = cli("check", index=index, env={"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": emu.base_url})
        assert healthy.returncode == 0 and "5 articles" in healthy.stdout and "@citebot_check_bot" in healthy.stdout
        emu.fail_next("getMe", error_code=401, description="Unauthorized")
        refused = cli("check", index=index, env={"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": emu.base_url})
    assert refused.returncode == 1 and refused.stdout.count("\n") == 1 and "Bot API" in refused.stdout
    assert TOKEN not in healthy.stdout + healthy.stderr + refused.stdout + refused.stderr
