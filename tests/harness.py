"""Runs the bot's real Application against a Bot API emulator, for tests and the load benchmark."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import AsyncIterator, Callable

from telegram.ext import Application

from citebot.bot.config import Settings
from citebot.bot.telegram import build_application
from tests.emulator import BotApiEmulator, Call, FakeUser, parse_html, utf16_len

USERNAME = "citebot_test_bot"  # the @username of the bot the emulator plays


@contextlib.asynccontextmanager
async def running(emu: BotApiEmulator, index: Path, **overrides: object) -> AsyncIterator[Application]:
    """The bot's Application polling the emulator, as `citebot run` would, until the block ends."""
    settings = Settings(_env_file=None, telegram_bot_token=emu.token, telegram_api_base_url=emu.base_url,
                        index_path=index, **overrides)
    app = build_application(settings)
    await app.initialize()
    await app.post_init(app)
    await app.updater.start_polling(timeout=1)
    await app.start()
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.post_shutdown(app)
        await app.shutdown()


def to_chat(chat_id: int) -> Callable[[Call], bool]:
    return lambda call: int(call.params["chat_id"]) == chat_id


def visible(call: Call) -> str:
    """The text a user sees (HTML parsed the way Telegram parses it)."""
    return parse_html(call.params["text"])[0]


def telegram_accepts(html: str) -> None:
    """Assert that Telegram would send html: it parses, and its text is not blank and within 4096 UTF-16 units."""
    plain, _ = parse_html(html)  # raises on anything Telegram's parser would refuse
    assert plain.strip() and utf16_len(plain) <= 4096


async def say(emu: BotApiEmulator, user: FakeUser, text: str, timeout: float = 20) -> Call:
    """Send text in the user's private chat with the bot and return the bot's reply."""
    chat = emu.private_chat(user)
    emu.send_text(chat, user, text)
    return await emu.wait_for("sendMessage", to_chat(chat.id), timeout=timeout)


class Hold:
    """An async method made to wait until release(): a test decides how long an answer takes, without sleeping.

    Hold(app) holds the searcher's search, which every question, /search and inline query goes through.
    """

    def __init__(self, app: Application, target: object | None = None, method: str = "search") -> None:
        self.citebot = target if target is not None else app.bot_data["citebot"].searcher
        self.method = method
        self.original = getattr(self.citebot, method)
        self._patched_before = method in vars(self.citebot)
        self.released = asyncio.Event()
        self.entered = 0
        self._changed = asyncio.Event()

    async def _held(self, *args: object, **kwargs: object) -> object:
        self.entered += 1
        self._changed.set()
        await self.released.wait()
        return await self.original(*args, **kwargs)

    def __enter__(self) -> Hold:
        setattr(self.citebot, self.method, self._held)
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
        if self._patched_before:
            setattr(self.citebot, self.method, self.original)
        else:
            delattr(self.citebot, self.method)

    def release(self) -> None:
        self.released.set()

    async def reached(self, n: int, timeout: float = 10) -> None:
        """Wait until n calls are being held."""
        async def count() -> None:
            while self.entered < n:
                self._changed.clear()
                await self._changed.wait()
        await asyncio.wait_for(count(), timeout)
