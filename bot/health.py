"""`citebot check`: settings, index integrity and (with a token) the Bot API, in one line."""

from __future__ import annotations

import sqlite3

from telegram import Bot
from telegram.error import TelegramError

from citebot.bot.config import Settings
from citebot.bot.logs import redact
from citebot.index.search import Searcher
from citebot.index.store import StoreError


def index_integrity(settings: Settings) -> str | None:
    """None when the index file passes SQLite's quick check, else what is wrong."""
    try:
        conn = sqlite3.connect(f"file:{settings.index_path}?mode=ro", uri=True)
        try:
            result = conn.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error as error:
        return f"cannot check {settings.index_path}: {error}"
    return None if result == "ok" else f"index {settings.index_path} is damaged ({result}); rebuild it with `citebot index --rebuild`"


async def check(settings: Settings) -> tuple[bool, str]:
    """(healthy, one-line reason)."""
    try:
        searcher = await Searcher.open(settings.index_path, preload_bytes=0)  # its info only: nothing held
    except StoreError as problem:
        return False, f"index: {problem}"
    try:
        info = await searcher.info()
    finally:
        await searcher.close()
    problem = index_integrity(settings)
    if problem:
        return False, problem
    summary = f"ok: {info.articles} articles, {info.passages} passages in {settings.index_path}"
    if settings.redis_url is not None:
        summary += "; " + await redis_state(settings)
    if settings.telegram_bot_token is None:
        return True, summary + "; no TELEGRAM_BOT_TOKEN, Bot API not checked"
    try:
        async with Bot(settings.telegram_bot_token.get_secret_value(), base_url=settings.telegram_api_base_url) as bot:
            me = await bot.get_me()
    except TelegramError as error:  # InvalidToken's message quotes the token: redacted
        return False, f"Bot API: {redact(error.message, settings)} (TELEGRAM_API_BASE_URL={settings.telegram_api_base_url})"
    except Exception as error:  # network errors come in many types; the reason is what matters here
        return False, f"Bot API unreachable: {type(error).__name__} (TELEGRAM_API_BASE_URL={settings.telegram_api_base_url})"
    return True, summary + f"; Bot API answers as @{me.username}"


async def redis_state(settings: Settings) -> str:
    """Whether REDIS_URL answers. Not a failure when it does not: replicas answer on their own state meanwhile."""
    import redis.asyncio as aioredis
    from redis.exceptions import RedisError

    assert settings.redis_url is not None
    client = aioredis.Redis.from_url(settings.redis_url.get_secret_value(), socket_timeout=2, socket_connect_timeout=2)
    try:
        await client.ping()
        return f"Redis at {settings.redis_location()} answers"
    except (RedisError, OSError) as error:
        return f"Redis at {settings.redis_location()} unreachable ({type(error).__name__}; answering with per-process state)"
    finally:
        await client.aclose()
