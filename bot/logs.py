"""Logging set-up: the bot token never reaches a log line or a message printed to the user."""

from __future__ import annotations

import logging

from bot.config import Settings


class RedactToken(logging.Filter):
    """Removes the bot token from every log record (httpx logs request URLs, which contain it)."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg, record.args = message.replace(self.token, "[TOKEN]"), None
        if record.exc_info and record.exc_info[1] is not None and self.token in str(record.exc_info[1]):
            record.exc_info, record.exc_text = None, None  # a traceback quoting the token is dropped whole
        return True


def protect_logs(token: str) -> None:
    """Redact the token in all handlers' output, and keep httpx's per-request lines out of INFO."""
    redact = RedactToken(token)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)
    logging.getLogger("httpx").setLevel(logging.WARNING)


def setup_logging(settings: Settings, fmt: str) -> None:
    """Configure the root logger at LOG_LEVEL with fmt, token redacted."""
    logging.basicConfig(level=settings.log_level.upper(), format=fmt, force=True)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if settings.telegram_bot_token is not None:
        protect_logs(settings.telegram_bot_token.get_secret_value())


def redact(text: str, settings: Settings) -> str:
    """text with the bot token replaced, for messages that may quote a library's error."""
    token = settings.telegram_bot_token
    return text.replace(token.get_secret_value(), "[TOKEN]") if token is not None else text
