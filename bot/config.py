"""Settings from the environment and `.env` (every one documented in .env.example)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_core import PydanticUseDefault
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

BUNDLED_ARTICLES = Path(__file__).resolve().parent.parent / "index" / "bundled"
TELEGRAM_API = "https://api.telegram.org/bot"
BOT_TOKEN = re.compile(r"[0-9]+:[A-Za-z0-9_-]+")  # what @BotFather hands out
WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what setWebhook accepts as secret_token


def _default_index_path() -> Path:
    data_home = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return data_home / "citebot" / "index.sqlite"


class Settings(BaseSettings):
    """Everything citebot reads from its environment."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = TELEGRAM_API
    allowed_chat_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    admin_user_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    index_path: Path = Field(default_factory=_default_index_path)
    articles_dir: Path = BUNDLED_ARTICLES

    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_secret_token: SecretStr | None = None
    startup_retry_seconds: float = Field(default=60.0, ge=0, le=86400)

    bm25_variant: Literal["lucene", "okapi"] = "lucene"
    bm25_k1: float = Field(default=1.2, ge=0)
    bm25_b: float = Field(default=0.75, ge=0, le=1)
    passage_words: int = Field(default=100, ge=10, le=1000)
    answer_threshold: float = Field(default=0.5, ge=0, le=1)

    questions_per_minute: int = Field(default=20, ge=1)
    redis_url: SecretStr | None = None  # may hold a password: a secret, shown only through redis_location()
    redis_claim_seconds: float = Field(default=10.0, gt=0, le=3600)
    log_questions: bool = False
    log_level: str = "INFO"

    @field_validator("allowed_chat_ids", "admin_user_ids", mode="before")
    @classmethod
    def _id_list(cls, value: object) -> object:
        """Accept "1, -1002", a JSON list, or a real collection."""
        if isinstance(value, str):
            return frozenset(int(part) for part in value.replace("[", "").replace("]", "").split(",") if part.strip())
        return value

    @field_validator("telegram_api_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("telegram_bot_token")
    @classmethod
    def _bot_token(cls, value: SecretStr | None) -> SecretStr | None:
        """A malformed token is a configuration error found before any request (the message never quotes it)."""
        if value is not None and not BOT_TOKEN.fullmatch(value.get_secret_value().strip()):
            raise ValueError("does not look like a bot token (digits, a colon, then letters, digits, _ or -)")
        return SecretStr(value.get_secret_value().strip()) if value is not None else None

    @field_validator("webhook_url")
    @classmethod
    def _https_url(cls, value: str | None) -> str | None:
        """Telegram only delivers webhooks over HTTPS: anything else would fail at setWebhook."""
        if value is not None and not (urlsplit(value).scheme == "https" and urlsplit(value).hostname):
            raise ValueError("must be an https:// URL with a host (Telegram calls webhooks over HTTPS only)")
        return value

    @field_validator("webhook_secret_token")
    @classmethod
    def _secret_chars(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not WEBHOOK_SECRET.fullmatch(value.get_secret_value()):
            raise ValueError("must be 1-256 characters, each a letter, digit, _ or - (Telegram's rule)")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: SecretStr | None) -> SecretStr | None:
        """Only what redis-py's from_url reads; the message never quotes the URL (it may hold a password)."""
        if value is not None and urlsplit(value.get_secret_value()).scheme not in ("redis", "rediss", "unix"):
            raise ValueError("must be a redis://, rediss:// or unix:// URL")
        return value

    def redis_secrets(self) -> list[str]:
        """REDIS_URL and its password: to be scrubbed from anything printed or logged."""
        if self.redis_url is None:
            return []
        url = self.redis_url.get_secret_value()
        return [s for s in (url, urlsplit(url).password) if s]

    def redis_location(self) -> str:
        """REDIS_URL without its user and password, fit for logs and messages."""
        if self.redis_url is None:
            return "(none)"
        url = urlsplit(self.redis_url.get_secret_value())
        if url.scheme == "unix":
            return f"unix://{url.path}"
        return f"{url.scheme}://{url.hostname or 'localhost'}:{url.port or 6379}{url.path}"

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_default(cls, value: object) -> object:
        """An empty line in .env (`INDEX_PATH=`) means "use the default", as .env.example shows."""
        if isinstance(value, str) and not value.strip():
            raise PydanticUseDefault()
        return value
