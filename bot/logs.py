"""Logging set-up: secrets (the bot token, the webhook secret) never reach a log line or a message printed
to the user."""

from __future__ import annotations

import logging
import traceback

from citebot.bot.config import Settings

REDACTED = "[TOKEN]"  # both secrets are tokens: the bot token and the webhook secret token


def scrub(text: str, secrets: list[str] | tuple[str, ...]) -> str:
    """text with every secret in secrets replaced."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text


def describe_exception(error: BaseException, secrets: list[str] | tuple[str, ...]) -> str:
    """A traceback (with its causes) as text, secrets removed: what a log line may hold of a crash."""
    return scrub("".join(traceback.format_exception(error)).rstrip(), secrets)


class RedactToken(logging.Filter):
    """Removes secrets from every log record (httpx and PTB log request URLs and parameters, which hold
    the token and, for setWebhook, the webhook secret). A traceback is kept, with the secrets removed."""

    def __init__(self, *secrets: str) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = scrub(message, self.secrets)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[1] is not None:
            # Formatted once here, so every handler prints the same redacted text (Formatter uses exc_text).
            text = record.exc_text or logging.Formatter().formatException(record.exc_info)
            record.exc_info, record.exc_text = None, scrub(text, self.secrets)
        elif record.exc_text:
            record.exc_text = scrub(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info, self.secrets)
        return True


def protect_logs(*secrets: str) -> None:
    """Redact secrets in all handlers' output, and keep httpx's per-request lines out of INFO."""
    redact = RedactToken(*secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)
    logging.getLogger("httpx").setLevel(logging.WARNING)


def setup_logging(settings: Settings, fmt: str, *secrets: str) -> None:
    """Configure the root logger at LOG_LEVEL with fmt, the token and any other secrets redacted."""
    logging.basicConfig(level=settings.log_level.upper(), format=fmt, force=True)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    token = settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token is not None else ""
    if token or any(secrets):
        protect_logs(token, *secrets)


def redact(text: str, settings: Settings) -> str:
    """text with the bot token, webhook secret and Redis password replaced, for messages that may quote a
    library's error."""
    return scrub(text, [s.get_secret_value() for s in (settings.telegram_bot_token, settings.webhook_secret_token)
                        if s is not None] + settings.redis_secrets())
