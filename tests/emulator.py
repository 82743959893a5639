"""An in-process emulator of the Telegram Bot API, for driving the *real* python-telegram-bot.

Why: end-to-end tests should exercise PTB exactly as production does (HTTP requests, JSON
parsing, error mapping to ``BadRequest``/``RetryAfter``...), and should catch requests that the
real Telegram server would reject (bad HTML, over-long texts, oversized callback data...).

The emulator is an HTTP/1.1 server (stdlib ``asyncio.start_server``, keep-alive, Content-Length
and chunked bodies) answering ``POST /bot<TOKEN>/<method>`` like ``api.telegram.org``. Tests play
users by enqueueing updates (``send_text``, ``press_button``, ``inline_query``) which the bot
receives through ``getUpdates`` long polling, then await the bot's reactions with ``wait_for``.
After ``setWebhook`` the updates are delivered as Telegram does instead: each one POSTed to the
webhook URL with the ``X-Telegram-Bot-Api-Secret-Token`` header, up to ``max_connections`` at a
time, and retried after an error, a non-2xx answer or a timeout (``webhook_verify`` names the CA file
to trust for an https URL; ``webhook_deliveries`` records every attempt).

Usage::

    async with BotApiEmulator(token="123:ABC") as emu:
        app = Application.builder().token("123:ABC").base_url(emu.base_url).build()
        ...
        user = emu.user(first_name="Ann")
        chat = emu.private_chat(user)
        emu.send_text(chat, user, "/start")
        call = await emu.wait_for("sendMessage", lambda c: c.params["chat_id"] == chat.id)

``EmulatorThread`` runs the same emulator in a background thread (own event loop) for sync
tests or tests that drive a bot subprocess.

Deliberate strictness (stricter than the real server, which is lenient in a few places where the
docs are not): in HTML parse mode every ``&`` must start one of ``&lt; &gt; &amp; &quot;`` or a
numeric reference (also inside attribute values), and ``<a>`` requires a non-empty ``href``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import http
import itertools
import json
import re
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

__all__ = [
    "ApiError",
    "BotApiEmulator",
    "Call",
    "EmulatorThread",
    "FakeChat",
    "FakeUser",
    "ParseError",
    "parse_html",
    "utf16_len",
]

JSONDict = dict[str, Any]
Predicate = Callable[["Call"], bool]

MAX_MESSAGE_LENGTH = 4096  # UTF-16 code units, after entity parsing
MAX_CALLBACK_DATA_BYTES = 64
MAX_INLINE_RESULTS = 50
MAX_INLINE_RESULT_ID_BYTES = 64
MAX_KEYBOARD_BUTTONS = 100

# The payload of each kind of non-text message send_media can play, built from a file id.
MEDIA_KINDS: dict[str, Callable[[str], Any]] = {
    "photo": lambda f: [
        {"file_id": f + "-s", "file_unique_id": f + "-s", "width": 90, "height": 60},
        {"file_id": f, "file_unique_id": f, "width": 1280, "height": 853, "file_size": 120_000},
    ],
    "video": lambda f: {"file_id": f, "file_unique_id": f, "width": 640, "height": 360,
                        "duration": 12},
    "animation": lambda f: {"file_id": f, "file_unique_id": f, "width": 320, "height": 240,
                            "duration": 3},
    "document": lambda f: {"file_id": f, "file_unique_id": f, "file_name": "report.pdf",
                           "mime_type": "application/pdf"},
    "audio": lambda f: {"file_id": f, "file_unique_id": f, "duration": 200},
    "sticker": lambda f: {"file_id": f, "file_unique_id": f, "type": "regular", "width": 512,
                          "height": 512, "is_animated": False, "is_video": False, "emoji": "👍"},
    "voice": lambda f: {"file_id": f, "file_unique_id": f, "duration": 4,
                        "mime_type": "audio/ogg"},
    "video_note": lambda f: {"file_id": f, "file_unique_id": f, "length": 240, "duration": 5},
    "location": lambda f: {"latitude": 46.84, "longitude": 35.37},
    "contact": lambda f: {"phone_number": "+380000000000", "first_name": "Contact"},
}

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = (
    "Bad Request: query is too old and response timeout expired or query ID is invalid"
)
CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice",
        "upload_voice", "upload_document", "choose_sticker", "find_location",
        "record_video_note", "upload_video_note",
    }
)
# Update types delivered when the bot never specified allowed_updates (Telegram's default).
DEFAULT_ALLOWED_UPDATES = frozenset(
    {
        "message", "edited_message", "channel_post", "edited_channel_post",
        "business_connection", "business_message", "edited_business_message",
        "deleted_business_messages", "inline_query", "chosen_inline_result", "callback_query",
        "shipping_query", "pre_checkout_query", "purchased_paid_media", "poll", "poll_answer",
        "my_chat_member", "chat_join_request", "chat_boost", "removed_chat_boost",
    }
)

# Form/multipart values arrive as strings; PTB JSON-encodes every non-string value. These
# parameters are genuinely string-typed and must NOT be JSON-decoded (a text "123" stays "123").
STRING_PARAMS = frozenset(
    {
        "text", "caption", "parse_mode", "callback_query_id", "inline_query_id",
        "inline_message_id", "url", "action", "next_offset", "switch_pm_text",
        "switch_pm_parameter", "secret_token", "ip_address", "language_code",
        "business_connection_id", "message_effect_id", "title", "description",
        "short_description", "query", "name", "emoji", "custom_title", "sticker", "photo",
        "document", "audio", "video", "voice", "animation", "file_id",
    }
)
# Parameters that are JSON objects/arrays; with a JSON request body they may still arrive as
# JSON-encoded strings, so they are decoded in both cases.
JSON_PARAMS = frozenset(
    {
        "reply_markup", "entities", "caption_entities", "results", "commands", "scope",
        "allowed_updates", "reply_parameters", "link_preview_options", "media", "button",
        "menu_button", "reaction", "options", "prices",
    }
)


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (how Telegram measures lengths and offsets)."""
    return len(text.encode("utf-16-le")) // 2


# --------------------------------------------------------------------------------------------
# Telegram-flavoured HTML parsing
# --------------------------------------------------------------------------------------------


class ParseError(ValueError):
    """Raised by :func:`parse_html`; ``str(err)`` is the message Telegram puts after
    ``"Bad Request: can't parse entities: "``."""


_HTML_TAGS = frozenset(
    {
        "a", "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
        "tg-emoji", "code", "pre", "blockquote",
    }
)
_SIMPLE_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
}
_SPACES = " \t\r\n\v\f"
_SPECIAL_RE = re.compile(r"[<&]")
_NAMED_ENTITY_RE = re.compile(r"&(lt|gt|amp|quot);")
_NUMERIC_ENTITY_RE = re.compile(r"&#(?:([0-9]{1,8})|[xX]([0-9a-fA-F]{1,8}));")
_ANY_NAMED_RE = re.compile(r"&[A-Za-z][A-Za-z0-9]*;")
_NAMED_VALUES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_NAME_TOKEN_RE = re.compile(r"[A-Za-z0-9.\-]*")


def _byte_offset(text: str, pos: int) -> int:
    return len(text[:pos].encode("utf-8"))


def _decode_entity(text: str, pos: int) -> tuple[str, int]:
    """Decode the HTML entity starting at ``text[pos] == "&"``; return (char, end position)."""
    m = _NAMED_ENTITY_RE.match(text, pos)
    if m:
        return _NAMED_VALUES[m.group(1)], m.end()
    m = _NUMERIC_ENTITY_RE.match(text, pos)
    if m:
        code = int(m.group(1), 10) if m.group(1) is not None else int(m.group(2), 16)
        if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
            return chr(code), m.end()
        raise ParseError(
            f'Invalid character reference "{m.group(0)}" at byte offset {_byte_offset(text, pos)}'
        )
    m = _ANY_NAMED_RE.match(text, pos)
    if m:
        raise ParseError(
            f'Unsupported HTML entity "{m.group(0)}" at byte offset {_byte_offset(text, pos)}'
        )
    raise ParseError(
        f'Character "&" at byte offset {_byte_offset(text, pos)} must be escaped as "&amp;"'
    )


@dataclass
class _OpenTag:
    name: str
    attrs: dict[str, str]
    utf16_offset: int
    pos: int  # position in the source, for error messages


def parse_html(text: str) -> tuple[str, list[JSONDict]]:
    """Parse Telegram-flavoured HTML into ``(plain_text, entities)``.

    Mirrors the Bot API's ``parse_mode="HTML"`` rules (modelled on tdlib's parser): supported
    tags only, properly nested, only ``&lt; &gt; &amp; &quot;`` and numeric character references.
    Entities are Bot API dicts with UTF-16 ``offset``/``length``, sorted by offset; empty
    entities are dropped. Raises :class:`ParseError` with Telegram-like messages.
    """
    out: list[str] = []
    entities: list[JSONDict] = []
    stack: list[_OpenTag] = []
    utf16 = 0
    n = len(text)
    i = 0

    def emit(chunk: str) -> None:
        nonlocal utf16
        if chunk:
            out.append(chunk)
            utf16 += utf16_len(chunk)

    while i < n:
        m = _SPECIAL_RE.search(text, i)
        if m is None:
            emit(text[i:])
            break
        emit(text[i : m.start()])
        i = m.start()
        if text[i] == "&":
            char, i = _decode_entity(text, i)
            emit(char)
            continue

        begin = i
        i += 1
        if i < n and text[i] == "/":
            # ---- end tag
            i += 1
            if not stack:
                raise ParseError(f"Unexpected end tag at byte offset {_byte_offset(text, begin)}")
            name_start = i
            while i < n and text[i] not in _SPACES and text[i] != ">":
                i += 1
            end_name = text[name_start:i].lower()
            while i < n and text[i] in _SPACES:
                i += 1
            if i >= n or text[i] != ">":
                raise ParseError(f"Unclosed end tag at byte offset {_byte_offset(text, begin)}")
            i += 1
            top = stack.pop()
            if end_name and end_name != top.name:
                raise ParseError(
                    f"Unmatched end tag at byte offset {_byte_offset(text, begin)}, "
                    f'expected "</{top.name}>", found "</{end_name}>"'
                )
            if utf16 > top.utf16_offset:
                _close_entity(top, utf16, entities)
            continue

        # ---- start tag
        name_start = i
        while i < n and text[i] not in _SPACES and text[i] != ">":
            i += 1
        if i >= n:
            raise ParseError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
        tag = text[name_start:i].lower()
        if tag not in _HTML_TAGS:
            raise ParseError(
                f'Unsupported start tag "{tag}" at byte offset {_byte_offset(text, begin)}'
            )
        attrs, i = _parse_attributes(text, i, tag, begin)
        _check_start_tag(text, tag, attrs, begin)
        stack.append(_OpenTag(tag, attrs, utf16, begin))

    if stack:
        raise ParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _parse_attributes(text: str, i: int, tag: str, begin: int) -> tuple[dict[str, str], int]:
    """Parse ``name="value"`` / ``name=token`` / bare attributes up to and including ``>``."""
    n = len(text)
    attrs: dict[str, str] = {}

    def unclosed() -> ParseError:
        return ParseError(f'Unclosed start tag "{tag}" at byte offset {_byte_offset(text, begin)}')

    while True:
        while i < n and text[i] in _SPACES:
            i += 1
        if i >= n:
            raise unclosed()
        if text[i] == ">":
            return attrs, i + 1
        name_start = i
        while i < n and text[i] not in _SPACES and text[i] not in "=>":
            i += 1
        attr = text[name_start:i].lower()
        if not attr:
            raise ParseError(
                f'Empty attribute name in the tag "{tag}" at byte offset {_byte_offset(text, begin)}'
            )
        while i < n and text[i] in _SPACES:
            i += 1
        if i >= n:
            raise unclosed()
        if text[i] != "=":
            if tag == "blockquote" and attr == "expandable":
                attrs[attr] = ""
                continue
            raise ParseError(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                f"at byte offset {_byte_offset(text, begin)}"
            )
        i += 1
        while i < n and text[i] in _SPACES:
            i += 1
        if i >= n:
            raise unclosed()
        if text[i] in "\"'":
            quote = text[i]
            i += 1
            value: list[str] = []
            while i < n and text[i] != quote:
                if text[i] == "&":
                    char, i = _decode_entity(text, i)
                    value.append(char)
                else:
                    value.append(text[i])
                    i += 1
            if i >= n:
                raise unclosed()
            i += 1
            attrs[attr] = "".join(value)
        else:
            m = _NAME_TOKEN_RE.match(text, i)
            assert m is not None
            i = m.end()
            if i >= n:
                raise unclosed()
            if text[i] not in _SPACES and text[i] != ">":
                raise ParseError(
                    f"Unexpected end of name token at byte offset {_byte_offset(text, m.start())}"
                )
            attrs[attr] = m.group(0).lower()


def _check_start_tag(text: str, tag: str, attrs: dict[str, str], begin: int) -> None:
    """Tag-specific attribute requirements."""
    where = f"at byte offset {_byte_offset(text, begin)}"
    if tag == "span" and attrs.get("class") != "tg-spoiler":
        raise ParseError(f'Tag "span" must have class "tg-spoiler" {where}')
    if tag == "a" and not attrs.get("href"):
        raise ParseError(f'Tag "a" must have non-empty attribute "href" {where}')
    if tag == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
        raise ParseError("Invalid custom emoji identifier specified")


def _close_entity(top: _OpenTag, end: int, entities: list[JSONDict]) -> None:
    """Append the entity for a closed non-empty tag (merging <pre><code class=...>)."""
    offset, length = top.utf16_offset, end - top.utf16_offset
    entity: JSONDict = {"offset": offset, "length": length}
    tag = top.name
    if tag in _SIMPLE_ENTITY_TYPES:
        entity["type"] = _SIMPLE_ENTITY_TYPES[tag]
    elif tag == "a":
        url = top.attrs["href"]
        if ":" not in url.split("/", 1)[0]:
            url = "http://" + url
        entity.update(type="text_link", url=url)
    elif tag == "code":
        entity["type"] = "code"
        language = top.attrs.get("class", "")
        if language.startswith("language-") and len(language) > len("language-"):
            entity["language"] = language[len("language-") :]
    elif tag == "pre":
        entity["type"] = "pre"
        last = entities[-1] if entities else None
        if (
            last is not None
            and last["type"] == "code"
            and last["offset"] == offset
            and last["length"] == length
        ):
            entities.pop()
            if "language" in last:
                entity["language"] = last["language"]
    elif tag == "blockquote":
        entity["type"] = "expandable_blockquote" if "expandable" in top.attrs else "blockquote"
    elif tag == "tg-emoji":
        entity.update(type="custom_emoji", custom_emoji_id=top.attrs["emoji-id"])
    else:  # pragma: no cover - every tag in _HTML_TAGS is handled above
        raise ParseError(f'Unsupported start tag "{tag}"')
    entities.append(entity)


def _strip_text(text: str, entities: list[JSONDict]) -> tuple[str, list[JSONDict]]:
    """Trim surrounding whitespace like Telegram does, shifting/clipping entities."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    total = utf16_len(stripped)
    fixed: list[JSONDict] = []
    for e in entities:
        start = max(e["offset"] - lead, 0)
        end = min(e["offset"] + e["length"] - lead, total)
        if end > start:
            fixed.append({**e, "offset": start, "length": end - start})
    return stripped, fixed


# --------------------------------------------------------------------------------------------
# Users, chats, recorded calls
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FakeUser:
    """A (human) Telegram user that tests play."""

    id: int
    first_name: str
    username: str | None = None
    last_name: str | None = None
    language_code: str | None = "en"
    is_bot: bool = False

    def to_api(self) -> JSONDict:
        d: JSONDict = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key) is not None:
                d[key] = getattr(self, key)
        return d


@dataclass(frozen=True)
class FakeChat:
    """A chat: ``type`` is "private", "group", "supergroup" or "channel"."""

    id: int
    type: str
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None

    def to_api(self) -> JSONDict:
        d: JSONDict = {"id": self.id, "type": self.type}
        for key in ("title", "username", "first_name", "last_name"):
            if getattr(self, key) is not None:
                d[key] = getattr(self, key)
        return d


@dataclass
class Call:
    """One request the bot made: decoded params and the exact response sent back."""

    method: str
    params: JSONDict
    response: JSONDict
    time: float
    http_status: int = 200
    files: dict[str, JSONDict] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return bool(self.response.get("ok"))

    @property
    def result(self) -> Any:
        return self.response.get("result")

    @property
    def error(self) -> str | None:
        """Telegram's error description, or None for successful calls."""
        return None if self.ok else self.response.get("description")

    @property
    def error_code(self) -> int | None:
        return None if self.ok else self.response.get("error_code")

    def __repr__(self) -> str:
        status = "ok" if self.ok else f"{self.error_code} {self.error!r}"
        params = {k: v for k, v in self.params.items() if k != "results"}
        text = repr(params)
        if len(text) > 300:
            text = text[:300] + "...}"
        return f"<Call {self.method} {text} -> {status}>"


@dataclass(frozen=True)
class Delivery:
    """One attempt to deliver an update to the webhook: its HTTP status (None: no answer) and when."""

    update_id: int
    status: int | None
    time: float


class ApiError(Exception):
    """An error answer: raised by method handlers, turned into Telegram's error JSON."""

    def __init__(self, error_code: int, description: str, retry_after: int | None = None):
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def to_response(self) -> JSONDict:
        d: JSONDict = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.retry_after is not None:
            d["parameters"] = {"retry_after": self.retry_after}
        return d


def _bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


@dataclass
class _Waiter:
    predicate: Predicate | None
    ok: bool | None
    future: asyncio.Future[Call]
    last_exception: BaseException | None = None

    def matches(self, call: Call) -> bool:
        if self.ok is not None and call.ok != self.ok:
            return False
        if self.predicate is None:
            return True
        try:
            return bool(self.predicate(call))
        except Exception as exc:  # a predicate indexing a missing param is simply "no match"
            self.last_exception = exc
            return False


class _Disconnected(Exception):
    """The HTTP client went away while a long poll was parked."""


# --------------------------------------------------------------------------------------------
# The emulator
# --------------------------------------------------------------------------------------------


class BotApiEmulator:
    """Fake ``api.telegram.org`` for one bot token; use as ``async with BotApiEmulator() as emu``.

    All state lives in the event loop the emulator was started in; the test-facing methods are
    synchronous (except the ``wait_*`` ones) and must be called from that loop's thread (use
    :class:`EmulatorThread` for cross-thread use).
    """

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        bot_username: str = "citebot_test_bot",
        *,
        bot_first_name: str = "Citebot",
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.token = token
        head = token.split(":", 1)[0]
        self.bot_id = int(head) if head.isdigit() else 123456
        self.bot_username = bot_username
        self.bot_user: JSONDict = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.host = host
        self._requested_port = port
        self.port: int | None = None

        self.calls: list[Call] = []
        self.errors: list[Call] = []
        self._by_method: dict[str, list[Call]] = {}
        self._unconsumed: dict[str, list[Call]] = {}
        self._waiters: dict[str, list[_Waiter]] = {}

        self._updates: deque[JSONDict] = deque()
        self._update_ids = itertools.count(1_000)
        self._updates_event: asyncio.Event | None = None
        self._allowed_updates: frozenset[str] = DEFAULT_ALLOWED_UPDATES
        self._parked_pollers = 0
        self._poller_parked: asyncio.Event | None = None

        self._chats: dict[int, FakeChat] = {}
        self._chat_usernames: dict[str, int] = {}
        self._users: dict[int, FakeUser] = {}
        self._messages: dict[tuple[int, int], JSONDict] = {}
        self._bot_messages: dict[int, list[int]] = {}
        self._next_message_id: dict[int, int] = {}
        self._user_ids = itertools.count(100_001)
        self._group_ids = itertools.count(1)
        self._query_ids = itertools.count(1)

        self.callback_queries: dict[str, JSONDict] = {}  # id -> {"update":..., "answer":...}
        self.inline_queries: dict[str, JSONDict] = {}  # id -> {"update":..., "answer":...}
        self.commands: dict[tuple[str, str], list[JSONDict]] = {}  # (scope json, lang) -> cmds
        self.webhook: JSONDict | None = None
        self.webhook_verify: str | bool = True  # CA file (or False) for https webhook URLs
        self.webhook_timeout = 10.0  # seconds a delivery may take before it counts as failed and is retried
        self.webhook_deliveries: list[Delivery] = []
        self._webhook_wake: asyncio.Event | None = None
        self._webhook_workers: list[asyncio.Task[None]] = []
        self._failures: dict[str, deque[ApiError]] = {}

        self._server: asyncio.Server | None = None
        self._conn_tasks: set[asyncio.Task[Any]] = set()
        self._handlers: dict[str, tuple[str, Callable[..., Any]]] = {}
        for name in (
            "getMe",
            "getUpdates",
            "setWebhook",
            "deleteWebhook",
            "getWebhookInfo",
            "setMyCommands",
            "getMyCommands",
            "deleteMyCommands",
            "sendMessage",
            "editMessageText",
            "editMessageReplyMarkup",
            "sendChatAction",
            "answerCallbackQuery",
            "answerInlineQuery",
            "deleteMessage",
            "close",
            "logOut",
        ):
            handler = getattr(self, "_api_" + re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower())
            self._handlers[name.lower()] = (name, handler)

    # ---------------------------------------------------------------- lifecycle

    @property
    def base_url(self) -> str:
        """Value for PTB's ``base_url`` (PTB appends the token)."""
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """Value for PTB's ``base_file_url`` (file downloads are not emulated: 404)."""
        return f"http://{self.host}:{self.port}/file/bot"

    async def start(self) -> None:
        self._webhook_wake = asyncio.Event()
        self._updates_event = asyncio.Event()
        self._poller_parked = asyncio.Event()
        self._server = await asyncio.start_server(
            self._handle_connection, self.host, self._requested_port
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        await self._stop_webhook()
        if self._server is not None:
            self._server.close()
        for task in list(self._conn_tasks):
            task.cancel()
        if self._conn_tasks:
            await asyncio.gather(*self._conn_tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None
        for waiters in self._waiters.values():
            for w in waiters:
                if not w.future.done():
                    w.future.cancel()

    async def __aenter__(self) -> BotApiEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ---------------------------------------------------------------- playing users

    def user(
        self,
        id: int | None = None,  # noqa: A002 - mirrors Telegram's field name
        first_name: str = "User",
        username: str | None = None,
        *,
        last_name: str | None = None,
        language_code: str | None = "en",
    ) -> FakeUser:
        """Create (or replace) a user; ``id`` defaults to a fresh positive id."""
        user = FakeUser(
            id=id if id is not None else next(self._user_ids),
            first_name=first_name,
            username=username,
            last_name=last_name,
            language_code=language_code,
        )
        self._users[user.id] = user
        return user

    def private_chat(self, user: FakeUser) -> FakeChat:
        """The private chat between ``user`` and the bot (chat id == user id)."""
        chat = FakeChat(
            id=user.id,
            type="private",
            username=user.username,
            first_name=user.first_name,
            last_name=user.last_name,
        )
        self._register_chat(chat)
        return chat

    def group_chat(
        self,
        id: int | None = None,  # noqa: A002
        title: str = "Group",
        type: str = "supergroup",  # noqa: A002
        username: str | None = None,
    ) -> FakeChat:
        """A group/supergroup/channel chat (negative id; supergroups/channels use -100...)."""
        if type not in ("group", "supergroup", "channel"):
            raise ValueError(f"not a group chat type: {type!r}")
        if id is None:
            k = next(self._group_ids)
            id = -(1_000_000_000_000 + k) if type != "group" else -(4_000_000 + k)  # noqa: A001
        chat = FakeChat(id=id, type=type, title=title, username=username)
        self._register_chat(chat)
        return chat

    def send_text(
        self,
        chat: FakeChat | int,
        user: FakeUser,
        text: str,
        reply_to: JSONDict | None = None,
        *,
        entities: list[JSONDict] | None = None,
    ) -> JSONDict:
        """Enqueue a text Message update from ``user`` in ``chat``; returns the update dict.

        Like official clients, adds ``bot_command`` entities for ``/command`` or
        ``/command@bot`` tokens and ``mention`` entities for ``@username`` (unless ``entities``
        is given). ``reply_to`` is a message dict (e.g. one the bot sent).
        """
        content: JSONDict = {"text": text}
        ents = entities if entities is not None else client_entities(text)
        if ents:
            content["entities"] = ents
        return self._user_message(self._chat_of(chat), user, content, reply_to)

    def press_button(
        self,
        chat: FakeChat | int,
        user: FakeUser,
        message: JSONDict,
        callback_data: str,
        *,
        check: bool = True,
    ) -> JSONDict:
        """Enqueue a callback_query for a button under a bot message; returns the update dict.

        With ``check`` (default) the message's *current* inline keyboard must contain a button
        with that ``callback_data`` (catches tests pressing buttons that don't exist).
        """
        chat_obj = self._chat_of(chat)
        current = self._messages.get((chat_obj.id, message["message_id"]), message)
        if check:
            datas = [
                b.get("callback_data")
                for row in (current.get("reply_markup") or {}).get("inline_keyboard", [])
                for b in row
            ]
            if callback_data not in datas:
                raise ValueError(f"no button with callback_data {callback_data!r}: {datas!r}")
        query_id = str(next(self._query_ids) * 7919 + 10**12)
        cq = {
            "id": query_id,
            "from": user.to_api(),
            "message": dict(current),  # snapshot: later edits must not alter queued updates
            "chat_instance": str(abs(chat_obj.id) * 31 + 17),
            "data": callback_data,
        }
        update = self.enqueue_update("callback_query", cq)
        self.callback_queries[query_id] = {"update": update, "answer": None}
        return update

    def inline_query(
        self, user: FakeUser, query: str, *, offset: str = "", chat_type: str | None = "sender"
    ) -> str:
        """Enqueue an inline_query update; returns its id (answered via answerInlineQuery)."""
        query_id = str(next(self._query_ids) * 7919 + 2 * 10**12)
        iq: JSONDict = {"id": query_id, "from": user.to_api(), "query": query, "offset": offset}
        if chat_type is not None:
            iq["chat_type"] = chat_type
        update = self.enqueue_update("inline_query", iq)
        self.inline_queries[query_id] = {"update": update, "answer": None}
        return query_id

    def chosen_inline_result(
        self,
        user: FakeUser,
        result_id: str,
        query: str = "",
        *,
        inline_message_id: str | None = None,
    ) -> JSONDict:
        """Enqueue a chosen_inline_result update; returns the update dict."""
        cir: JSONDict = {"result_id": result_id, "from": user.to_api(), "query": query}
        if inline_message_id is not None:
            cir["inline_message_id"] = inline_message_id
        return self.enqueue_update("chosen_inline_result", cir)

    def send_media(
        self,
        chat: FakeChat | int,
        user: FakeUser,
        kind: str,
        caption: str | None = None,
        reply_to: JSONDict | None = None,
    ) -> JSONDict:
        """Enqueue a Message update carrying media instead of text; returns the update dict.

        ``kind`` is one of :data:`MEDIA_KINDS` (photo, video, document, sticker, voice,
        video_note, location, contact, audio, animation). A ``caption`` gets the client's
        ``caption_entities`` (mentions, commands) like :meth:`send_text`'s text does.
        """
        if kind not in MEDIA_KINDS:
            raise ValueError(f"unknown media kind {kind!r}; one of {sorted(MEDIA_KINDS)}")
        chat_obj = self._chat_of(chat)
        content: JSONDict = {kind: MEDIA_KINDS[kind](f"{kind}-{chat_obj.id}-{len(self._messages)}")}
        if caption is not None:
            content["caption"] = caption
            ents = client_entities(caption)
            if ents:
                content["caption_entities"] = ents
        return self._user_message(chat_obj, user, content, reply_to)

    def _user_message(
        self, chat_obj: FakeChat, user: FakeUser, content: JSONDict, reply_to: JSONDict | None
    ) -> JSONDict:
        """A new Message from ``user`` in ``chat_obj`` carrying ``content`` (text or media, with
        their entities), replying to ``reply_to``: stored and enqueued; returns the update dict."""
        msg: JSONDict = {
            "message_id": self._new_message_id(chat_obj.id),
            "from": user.to_api(),
            "chat": chat_obj.to_api(),
            "date": int(time.time()),
            **content,
        }
        if reply_to is not None:
            stored = self._messages.get((chat_obj.id, reply_to["message_id"]), reply_to)
            msg["reply_to_message"] = _without_reply(stored)
        self._messages[(chat_obj.id, msg["message_id"])] = msg
        return self.enqueue_update("message", msg)

    def edit_text(
        self, chat: FakeChat | int, user: FakeUser, message: JSONDict, text: str
    ) -> JSONDict:
        """The user edits their earlier text message (``message`` as returned in
        ``send_text(...)["message"]``): enqueue an ``edited_message`` update with the new text
        and entities, the same message_id and an ``edit_date``; returns the update dict."""
        chat_obj = self._chat_of(chat)
        current = self._messages.get((chat_obj.id, message["message_id"]), message)
        if current.get("from", {}).get("id") != user.id:
            raise ValueError("a user can only edit their own messages")
        edited: JSONDict = {k: v for k, v in current.items() if k not in ("text", "entities")}
        edited["text"] = text
        ents = client_entities(text)
        if ents:
            edited["entities"] = ents
        edited["edit_date"] = max(int(time.time()), int(current.get("date", 0)) + 1)
        self._messages[(chat_obj.id, message["message_id"])] = edited
        return self.enqueue_update("edited_message", dict(edited))

    def set_bot_status(
        self,
        chat: FakeChat | int,
        by: FakeUser,
        status: str = "member",
        old_status: str = "left",
    ) -> JSONDict:
        """``by`` changes the bot's membership in ``chat`` (default: adds it to the group):
        enqueue the ``my_chat_member`` update Telegram sends; returns the update dict."""
        statuses = {"creator", "administrator", "member", "restricted", "left", "kicked"}
        if status not in statuses or old_status not in statuses:
            raise ValueError(f"status must be one of {sorted(statuses)}")
        chat_obj = self._chat_of(chat)

        def member(state: str) -> JSONDict:
            d: JSONDict = {"status": state, "user": dict(self.bot_user)}
            if state == "administrator":
                d.update(
                    can_be_edited=False, is_anonymous=False, can_manage_chat=True,
                    can_delete_messages=False, can_manage_video_chats=False,
                    can_restrict_members=False, can_promote_members=False,
                    can_change_info=False, can_invite_users=True, can_post_stories=False,
                    can_edit_stories=False, can_delete_stories=False,
                )
            elif state == "restricted":
                d.update(
                    is_member=True, can_send_messages=True, can_send_audios=True,
                    can_send_documents=True, can_send_photos=True, can_send_videos=True,
                    can_send_video_notes=True, can_send_voice_notes=True, can_send_polls=True,
                    can_send_other_messages=True, can_add_web_page_previews=True,
                    can_change_info=False, can_invite_users=False, can_pin_messages=False,
                    can_manage_topics=False, until_date=0,
                )
            elif state == "kicked":
                d["until_date"] = 0
            return d

        payload: JSONDict = {
            "chat": chat_obj.to_api(),
            "from": by.to_api(),
            "date": int(time.time()),
            "old_chat_member": member(old_status),
            "new_chat_member": member(status),
        }
        return self.enqueue_update("my_chat_member", payload)

    def enqueue_update(self, kind: str, payload: JSONDict) -> JSONDict:
        """Enqueue a raw update ``{"update_id": ..., kind: payload}`` and wake long polls."""
        update = {"update_id": next(self._update_ids), kind: payload}
        self._updates.append(update)
        if self._updates_event is not None:
            self._updates_event.set()
        if self._webhook_wake is not None:
            self._webhook_wake.set()
        return update

    @property
    def pending_updates(self) -> int:
        """Updates not yet confirmed by a getUpdates offset."""
        return len(self._updates)

    # ---------------------------------------------------------------- inspecting the bot

    def fail_next(
        self,
        method: str,
        retry_after: int | None = 1,
        count: int = 1,
        *,
        error_code: int | None = None,
        description: str | None = None,
    ) -> None:
        """Make the next ``count`` calls of ``method`` fail (before any validation).

        Default: 429 "Too Many Requests: retry after N" with ``parameters.retry_after``. Pass
        ``error_code``/``description`` for other errors, e.g. ``error_code=403,
        description="Forbidden: bot was blocked by the user"``.
        """
        if error_code is None or error_code == 429:
            ra = 1 if retry_after is None else retry_after
            err = ApiError(429, description or f"Too Many Requests: retry after {ra}", ra)
        else:
            err = ApiError(error_code, description or http.HTTPStatus(error_code).phrase)
        queue = self._failures.setdefault(method.lower(), deque())
        queue.extend(err for _ in range(count))

    def calls_of(self, method: str) -> list[Call]:
        """All recorded calls of one method, in order (successful and failed)."""
        return list(self._by_method.get(self._canonical(method), ()))

    def _canonical(self, method: str) -> str:
        """Telegram method names are case-insensitive; calls are recorded as "sendMessage"."""
        entry = self._handlers.get(method.lower())
        return entry[0] if entry else method

    def sent_messages(self, chat: FakeChat | int) -> list[JSONDict]:
        """Messages the bot sent in ``chat`` and has not deleted, in their current (edited)
        state, oldest first. Do not mutate the returned dicts."""
        chat_id = chat.id if isinstance(chat, FakeChat) else chat
        return [
            self._messages[(chat_id, mid)]
            for mid in self._bot_messages.get(chat_id, ())
            if (chat_id, mid) in self._messages
        ]

    def message(self, chat: FakeChat | int, message_id: int) -> JSONDict | None:
        """Current state of any stored message (user's or bot's)."""
        chat_id = chat.id if isinstance(chat, FakeChat) else chat
        return self._messages.get((chat_id, message_id))

    def assert_no_errors(self, allow_429: bool = True) -> None:
        """Fail if any request was answered with ok=false (optionally ignoring 429s)."""
        bad = [c for c in self.errors if not (allow_429 and c.error_code == 429)]
        if bad:
            listing = "\n".join(f"  {c!r}" for c in bad[:20])
            raise AssertionError(f"{len(bad)} Bot API request(s) failed:\n{listing}")

    async def wait_for(
        self,
        method: str,
        predicate: Predicate | None = None,
        timeout: float = 10.0,
        *,
        ok: bool | None = True,
    ) -> Call:
        """Return the oldest not-yet-consumed call of ``method`` matching ``predicate``,
        waiting up to ``timeout`` seconds for it; the call is then consumed (a later
        ``wait_for`` will not return it again).

        ``ok=True`` (default) only matches successful calls, ``ok=False`` only failed ones,
        ``ok=None`` both. Raises ``TimeoutError`` listing the calls that did arrive.
        """
        method = self._canonical(method)
        waiter = _Waiter(predicate, ok, asyncio.get_running_loop().create_future())
        pending = self._unconsumed.get(method)
        if pending:
            for idx, call in enumerate(pending):
                if waiter.matches(call):
                    del pending[idx]
                    return call
        self._waiters.setdefault(method, []).append(waiter)
        try:
            return await asyncio.wait_for(waiter.future, timeout)
        except TimeoutError:
            raise TimeoutError(self._timeout_report(method, timeout, waiter)) from None
        finally:
            with contextlib.suppress(ValueError):
                self._waiters[method].remove(waiter)

    async def wait_for_count(
        self,
        method: str,
        n: int,
        predicate: Predicate | None = None,
        timeout: float = 10.0,
        *,
        ok: bool | None = True,
    ) -> list[Call]:
        """Wait for ``n`` matching calls (see :meth:`wait_for`) within ``timeout`` in total."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        got: list[Call] = []
        for _ in range(n):
            try:
                got.append(
                    await self.wait_for(
                        method, predicate, max(deadline - loop.time(), 0.0), ok=ok
                    )
                )
            except TimeoutError as exc:
                raise TimeoutError(f"got only {len(got)} of {n} calls. {exc}") from None
        return got

    async def wait_until_polling(self, timeout: float = 10.0) -> None:
        """Wait until a getUpdates long poll is parked on the server (the bot is idle and
        listening). Useful to prove a long poll is woken by a new update."""
        assert self._poller_parked is not None
        while self._parked_pollers == 0:
            self._poller_parked.clear()
            await asyncio.wait_for(self._poller_parked.wait(), timeout)

    def _timeout_report(self, method: str, timeout: float, waiter: _Waiter) -> str:
        seen = self._by_method.get(method, [])
        lines = [
            f"no matching {method} call within {timeout:.1f}s "
            f"({len(seen)} {method} calls recorded in total; last ones:"
        ]
        lines += [f"  {c!r}" for c in seen[-10:]]
        lines.append(")")
        if waiter.last_exception is not None:
            lines.append(f"predicate raised: {waiter.last_exception!r}")
        others = [c for c in self.errors[-5:] if c.method != method]
        if others:
            lines.append("recent errors of other methods:")
            lines += [f"  {c!r}" for c in others]
        return "\n".join(lines)

    def _record(self, call: Call) -> None:
        self.calls.append(call)
        if not call.ok:
            self.errors.append(call)
        self._by_method.setdefault(call.method, []).append(call)
        for waiter in self._waiters.get(call.method, ()):
            if not waiter.future.done() and waiter.matches(call):
                waiter.future.set_result(call)
                return
        self._unconsumed.setdefault(call.method, []).append(call)

    # ---------------------------------------------------------------- chats & messages

    def _register_chat(self, chat: FakeChat) -> None:
        self._chats[chat.id] = chat
        if chat.username:
            self._chat_usernames[chat.username.lower()] = chat.id

    def _chat_of(self, chat: FakeChat | int) -> FakeChat:
        if isinstance(chat, FakeChat):
            if chat.id not in self._chats:
                self._register_chat(chat)
            return chat
        return self._lazy_chat(chat)

    def _lazy_chat(self, chat_id: int) -> FakeChat:
        """Unknown chats are fine: positive ids are private chats, negative ones groups."""
        chat = self._chats.get(chat_id)
        if chat is None:
            if chat_id > 0:
                user = self._users.get(chat_id) or FakeUser(chat_id, f"User{chat_id}")
                chat = FakeChat(chat_id, "private", first_name=user.first_name,
                                username=user.username)
            elif str(chat_id).startswith("-100"):
                chat = FakeChat(chat_id, "supergroup", title=f"Chat {chat_id}")
            else:
                chat = FakeChat(chat_id, "group", title=f"Chat {chat_id}")
            self._register_chat(chat)
        return chat

    def _new_message_id(self, chat_id: int) -> int:
        mid = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = mid + 1
        return mid

    def _resolve_chat(self, params: JSONDict) -> FakeChat:
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise _bad("chat_id is empty")
        if isinstance(raw, bool):
            raise _bad("chat not found")
        if isinstance(raw, int):
            return self._lazy_chat(raw)
        text = str(raw).strip()
        if text.startswith("@"):
            chat_id = self._chat_usernames.get(text[1:].lower())
            if chat_id is None:
                raise _bad("chat not found")
            return self._chats[chat_id]
        try:
            return self._lazy_chat(int(text))
        except ValueError:
            raise _bad("chat not found") from None

    def _int_param(self, params: JSONDict, name: str, *, required: bool = True) -> int | None:
        raw = params.get(name)
        if raw is None or raw == "":
            if required:
                raise _bad(f"{name} is empty")
            return None
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise _bad(f"invalid {name} specified") from None

    def _format_text(
        self, text: Any, parse_mode: Any, entities: Any
    ) -> tuple[str, list[JSONDict]]:
        """Validate a message text like Telegram: parse entities, trim, check length."""
        if text is None:
            raise _bad("message text is empty")
        text = str(text)
        if entities is not None:
            if not isinstance(entities, list) or not all(isinstance(e, dict) for e in entities):
                raise _bad("can't parse entities JSON object")
            ents = [dict(e) for e in entities]
        elif parse_mode:
            mode = str(parse_mode).lower()
            if mode == "html":
                try:
                    text, ents = parse_html(text)
                except ParseError as exc:
                    raise _bad(f"can't parse entities: {exc}") from None
            elif mode in ("markdown", "markdownv2"):
                ents = []  # not emulated: text is taken verbatim (length check is conservative)
            else:
                raise _bad(f"unsupported parse_mode {parse_mode}")
        else:
            ents = []
        text, ents = _strip_text(text, ents)
        if not text:
            raise _bad("message text is empty")
        if utf16_len(text) > MAX_MESSAGE_LENGTH:
            raise _bad("message is too long")
        return text, ents

    def _validate_markup(self, markup: Any) -> JSONDict | None:
        """Validate reply_markup; returns the inline keyboard to echo (Telegram only echoes
        inline keyboards in the returned Message), else None."""
        if markup is None or markup == "":
            return None
        if isinstance(markup, str) or not isinstance(markup, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            if not any(k in markup for k in ("keyboard", "remove_keyboard", "force_reply")):
                raise _bad("can't parse reply keyboard markup JSON object")
            return None
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise _bad("can't parse inline keyboard button: InlineKeyboardButton array expected")
        if sum(len(r) for r in rows) > MAX_KEYBOARD_BUTTONS:
            raise _bad("reply markup is too long")
        for row in rows:
            for button in row:
                self._validate_button(button)
        return {"inline_keyboard": rows}

    @staticmethod
    def _validate_button(button: Any) -> None:
        if not isinstance(button, dict):
            raise _bad("can't parse inline keyboard button: Object expected")
        text = button.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _bad("can't parse inline keyboard button: Text must be non-empty")
        if "callback_data" in button:
            data = button["callback_data"]
            size = len(data.encode("utf-8")) if isinstance(data, str) else 0
            if not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
                raise _bad("BUTTON_DATA_INVALID")
        elif "url" in button:
            url = button["url"]
            if not isinstance(url, str) or not re.match(r"(?i)(https?://[^\s/]+|tg://\S+)", url):
                raise _bad(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")
        elif not any(
            k in button
            for k in (
                "switch_inline_query",
                "switch_inline_query_current_chat",
                "switch_inline_query_chosen_chat",
                "copy_text",
                "login_url",
                "web_app",
                "callback_game",
                "pay",
            )
        ):
            raise _bad(
                "can't parse inline keyboard button: Text buttons are unallowed in the inline "
                "keyboard"
            )

    def _resolve_reply(self, chat: FakeChat, params: JSONDict) -> JSONDict | None:
        rp = params.get("reply_parameters")
        if rp is not None:
            if not isinstance(rp, dict) or "message_id" not in rp:
                raise _bad("can't parse reply parameters JSON object")
            target_chat = rp.get("chat_id", chat.id)
            mid, allow = rp["message_id"], bool(rp.get("allow_sending_without_reply"))
        elif params.get("reply_to_message_id") not in (None, ""):
            target_chat = chat.id
            mid = params["reply_to_message_id"]
            allow = bool(params.get("allow_sending_without_reply"))
        else:
            return None
        try:
            key = (int(target_chat), int(mid))
        except (TypeError, ValueError):
            raise _bad("message to be replied not found") from None
        msg = self._messages.get(key)
        if msg is None:
            if allow:
                return None
            raise _bad("message to be replied not found")
        return _without_reply(msg)

    def _stored_bot_message(self, params: JSONDict, missing: str) -> JSONDict:
        chat = self._resolve_chat(params)
        mid = self._int_param(params, "message_id")
        msg = self._messages.get((chat.id, mid))  # type: ignore[arg-type]
        if msg is None:
            raise _bad(missing)
        if msg.get("from", {}).get("id") != self.bot_id:
            raise _bad("message can't be edited")
        return msg

    # ---------------------------------------------------------------- API methods

    def _api_get_me(self, p: JSONDict) -> JSONDict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _api_get_updates(
        self, p: JSONDict, watcher: asyncio.Future[bytes] | None = None
    ) -> list[JSONDict]:
        """Long polling: answer at once if updates are queued, else park until one is
        enqueued, ``timeout`` expires, or the client disconnects (``watcher`` resolves)."""
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        offset = self._int_param(p, "offset", required=False) or 0
        limit = self._int_param(p, "limit", required=False) or 100
        limit = min(max(limit, 1), 100)
        try:
            timeout = max(float(p.get("timeout") or 0), 0.0)
        except (TypeError, ValueError):
            raise _bad("invalid timeout specified") from None
        allowed = p.get("allowed_updates")
        if allowed is not None:
            if not isinstance(allowed, list):
                raise _bad("can't parse allowed_updates JSON array")
            self._allowed_updates = frozenset(allowed) or DEFAULT_ALLOWED_UPDATES

        # Confirm (forget) updates below offset; a negative offset keeps the last -offset ones.
        if offset > 0:
            while self._updates and self._updates[0]["update_id"] < offset:
                self._updates.popleft()
        elif offset < 0:
            while len(self._updates) > -offset:
                self._updates.popleft()

        assert self._updates_event is not None and self._poller_parked is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            ready = self._deliverable(limit)
            remaining = deadline - loop.time()
            if ready or remaining <= 0:
                return ready
            self._updates_event.clear()
            self._parked_pollers += 1
            self._poller_parked.set()
            wake = asyncio.ensure_future(self._updates_event.wait())
            waits: set[asyncio.Future[Any]] = {wake}
            if watcher is not None and not watcher.done():
                waits.add(watcher)
            try:
                await asyncio.wait(waits, timeout=remaining, return_when=asyncio.FIRST_COMPLETED)
            finally:
                self._parked_pollers -= 1
                wake.cancel()
            if watcher is not None and watcher.done() and (
                watcher.cancelled() or watcher.exception() or not watcher.result()
            ):
                raise _Disconnected

    def _deliverable(self, limit: int) -> list[JSONDict]:
        allowed = self._allowed_updates
        out: list[JSONDict] = []
        for update in self._updates:
            if len(out) >= limit:
                break
            kind = next(k for k in update if k != "update_id")
            if kind in allowed:
                out.append(update)
        return out

    def _api_set_webhook(self, p: JSONDict) -> bool:
        url = p.get("url") or ""
        if not url:
            self.webhook = None
            return True
        if not str(url).lower().startswith("https://"):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        secret = p.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise _bad("bad webhook: secret token contains unallowed characters")
        self.webhook = {k: v for k, v in p.items()}
        if p.get("drop_pending_updates"):
            self._updates.clear()
        self._start_webhook()
        return True

    def _start_webhook(self) -> None:
        """Start delivering (once): max_connections workers, each POSTing one update at a time."""
        self._webhook_workers = [t for t in self._webhook_workers if not t.done()]
        if self._webhook_workers:
            return
        assert self.webhook is not None
        count = int(self.webhook.get("max_connections") or 40)
        self._webhook_workers = [asyncio.get_running_loop().create_task(self._deliver()) for _ in range(count)]

    async def _stop_webhook(self) -> None:
        for task in self._webhook_workers:
            task.cancel()
        await asyncio.gather(*self._webhook_workers, return_exceptions=True)
        self._webhook_workers = []

    async def _deliver(self) -> None:
        """One webhook connection: take the next update, POST it, put it back on failure and retry."""
        import httpx  # PTB's own HTTP client, so always installed with it

        assert self._webhook_wake is not None
        verify = ssl.create_default_context(cafile=self.webhook_verify) if isinstance(self.webhook_verify, str) \
            else self.webhook_verify
        async with httpx.AsyncClient(verify=verify, timeout=self.webhook_timeout) as client:
            failures = 0
            while self.webhook is not None:
                if not self._updates:
                    self._webhook_wake.clear()
                    await self._webhook_wake.wait()
                    continue
                update = self._updates.popleft()
                url, secret = self.webhook["url"], self.webhook.get("secret_token")
                headers = {"Content-Type": "application/json"}
                if secret:
                    headers["X-Telegram-Bot-Api-Secret-Token"] = str(secret)
                status: int | None = None
                try:
                    response = await client.post(url, content=json.dumps(update), headers=headers)
                    status = response.status_code
                except httpx.HTTPError:
                    pass
                self.webhook_deliveries.append(Delivery(update["update_id"], status, time.time()))
                if status is not None and 200 <= status < 300:
                    failures = 0
                    continue
                self._updates.appendleft(update)  # Telegram keeps it and tries again
                self._webhook_wake.set()
                failures += 1
                await asyncio.sleep(min(0.05 * 2 ** failures, 1.0))  # Telegram's back-off between attempts

    def _api_delete_webhook(self, p: JSONDict) -> bool:
        self.webhook = None
        if p.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _api_get_webhook_info(self, p: JSONDict) -> JSONDict:
        info: JSONDict = {
            "url": (self.webhook or {}).get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook is not None:
            info["max_connections"] = int(self.webhook.get("max_connections") or 40)
            if self.webhook.get("allowed_updates") is not None:
                info["allowed_updates"] = self.webhook["allowed_updates"]
        return info

    @staticmethod
    def _commands_key(p: JSONDict) -> tuple[str, str]:
        scope = p.get("scope") or {"type": "default"}
        if not isinstance(scope, dict) or "type" not in scope:
            raise _bad("can't parse BotCommandScope JSON object")
        return json.dumps(scope, sort_keys=True), str(p.get("language_code") or "")

    def _api_set_my_commands(self, p: JSONDict) -> bool:
        commands = p.get("commands")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        if len(commands) > 100:
            raise _bad("BOT_COMMANDS_TOO_MUCH")
        clean = []
        for cmd in commands:
            if not isinstance(cmd, dict):
                raise _bad("can't parse BotCommand JSON object")
            name, desc = cmd.get("command"), cmd.get("description")
            if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise _bad("BOT_COMMAND_INVALID")
            if not isinstance(desc, str) or not 1 <= len(desc.strip()) <= 256 or len(desc) > 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
            clean.append({"command": name, "description": desc})
        self.commands[self._commands_key(p)] = clean
        return True

    def _api_get_my_commands(self, p: JSONDict) -> list[JSONDict]:
        return list(self.commands.get(self._commands_key(p), []))

    def _api_delete_my_commands(self, p: JSONDict) -> bool:
        self.commands.pop(self._commands_key(p), None)
        return True

    def _api_send_message(self, p: JSONDict) -> JSONDict:
        chat = self._resolve_chat(p)
        text, entities = self._format_text(p.get("text"), p.get("parse_mode"), p.get("entities"))
        markup = self._validate_markup(p.get("reply_markup"))
        reply_to = self._resolve_reply(chat, p)
        msg: JSONDict = {
            "message_id": self._new_message_id(chat.id),
            "from": self.bot_user,
            "chat": chat.to_api(),
            "date": int(time.time()),
        }
        if p.get("message_thread_id") not in (None, ""):
            msg["message_thread_id"] = p["message_thread_id"]
        if reply_to is not None:
            msg["reply_to_message"] = reply_to
        msg["text"] = text
        if entities:
            msg["entities"] = entities
        if isinstance(p.get("link_preview_options"), dict):
            msg["link_preview_options"] = p["link_preview_options"]
        if markup is not None:
            msg["reply_markup"] = markup
        self._messages[(chat.id, msg["message_id"])] = msg
        self._bot_messages.setdefault(chat.id, []).append(msg["message_id"])
        return dict(msg)  # a snapshot, so recorded responses don't change with later edits

    def _api_edit_message_text(self, p: JSONDict) -> JSONDict | bool:
        if p.get("inline_message_id"):
            self._format_text(p.get("text"), p.get("parse_mode"), p.get("entities"))
            self._validate_markup(p.get("reply_markup"))
            return True
        msg = self._stored_bot_message(p, "message to edit not found")
        text, entities = self._format_text(p.get("text"), p.get("parse_mode"), p.get("entities"))
        markup = self._validate_markup(p.get("reply_markup"))
        if (
            text == msg.get("text")
            and entities == msg.get("entities", [])
            and markup == msg.get("reply_markup")
        ):
            raise ApiError(400, NOT_MODIFIED)
        msg["text"] = text
        _set_or_drop(msg, "entities", entities or None)
        _set_or_drop(msg, "reply_markup", markup)
        if isinstance(p.get("link_preview_options"), dict):
            msg["link_preview_options"] = p["link_preview_options"]
        msg["edit_date"] = int(time.time())
        return dict(msg)

    def _api_edit_message_reply_markup(self, p: JSONDict) -> JSONDict | bool:
        if p.get("inline_message_id"):
            self._validate_markup(p.get("reply_markup"))
            return True
        msg = self._stored_bot_message(p, "message to edit not found")
        markup = self._validate_markup(p.get("reply_markup"))
        if markup == msg.get("reply_markup"):
            raise ApiError(400, NOT_MODIFIED)
        _set_or_drop(msg, "reply_markup", markup)
        msg["edit_date"] = int(time.time())
        return dict(msg)

    def _api_delete_message(self, p: JSONDict) -> bool:
        chat = self._resolve_chat(p)
        mid = self._int_param(p, "message_id")
        if self._messages.pop((chat.id, mid), None) is None:  # type: ignore[arg-type]
            raise _bad("message to delete not found")
        return True

    def _api_send_chat_action(self, p: JSONDict) -> bool:
        self._resolve_chat(p)
        if p.get("action") not in CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        return True

    def _api_answer_callback_query(self, p: JSONDict) -> bool:
        entry = self.callback_queries.get(str(p.get("callback_query_id") or ""))
        if entry is None or entry["answer"] is not None:
            raise _bad(QUERY_TOO_OLD)
        if len(str(p.get("text") or "")) > 200:
            raise _bad("MESSAGE_TOO_LONG")
        entry["answer"] = p
        return True

    def _api_answer_inline_query(self, p: JSONDict) -> bool:
        entry = self.inline_queries.get(str(p.get("inline_query_id") or ""))
        if entry is None or entry["answer"] is not None:
            raise _bad(QUERY_TOO_OLD)
        results = p.get("results")
        if not isinstance(results, list):
            raise _bad("can't parse JSON-encoded inline query results")
        if len(results) > MAX_INLINE_RESULTS:
            raise _bad("RESULTS_TOO_MUCH")
        seen: set[str] = set()
        for result in results:
            if not isinstance(result, dict) or not isinstance(result.get("type"), str):
                raise _bad("can't parse inline query result: Object expected")
            rid = result.get("id")
            size = len(rid.encode("utf-8")) if isinstance(rid, str) else 0
            if not 1 <= size <= MAX_INLINE_RESULT_ID_BYTES:
                raise _bad("RESULT_ID_INVALID")
            if rid in seen:
                raise _bad("RESULT_ID_DUPLICATE")
            seen.add(rid)
            content = result.get("input_message_content")
            if result["type"] == "article":
                if not str(result.get("title") or "").strip():
                    raise _bad("RESULT_TITLE_EMPTY")
                if not isinstance(content, dict):
                    raise _bad("can't parse inline query result: input_message_content expected")
            if isinstance(content, dict) and "message_text" in content:
                self._format_text(
                    content.get("message_text"), content.get("parse_mode"), content.get("entities")
                )
            self._validate_markup(result.get("reply_markup"))
        next_offset = p.get("next_offset")
        if next_offset is not None and len(str(next_offset).encode("utf-8")) > 64:
            raise _bad("NEXT_OFFSET_INVALID")
        entry["answer"] = p
        return True

    def _api_close(self, p: JSONDict) -> bool:
        return True

    def _api_log_out(self, p: JSONDict) -> bool:
        return True

    # ---------------------------------------------------------------- dispatch

    async def _dispatch(
        self, path: str, params: JSONDict, watcher: asyncio.Future[bytes] | None = None
    ) -> tuple[str, int, JSONDict]:
        """Route ``/bot<token>/<method>``; returns (method name, HTTP status, JSON answer)."""
        if not path.startswith("/bot"):
            return path, 404, _error_json(404, "Not Found")
        token, _, method = path[len("/bot") :].partition("/")
        handler_entry = self._handlers.get(method.lower())
        name = handler_entry[0] if handler_entry else method
        if token != self.token:
            return name, 401, _error_json(401, "Unauthorized")
        if handler_entry is None:
            return name, 404, _error_json(404, "Not Found: method not found")
        try:
            failures = self._failures.get(method.lower())
            if failures:
                raise failures.popleft()
            handler = handler_entry[1]
            if name == "getUpdates":
                result = await handler(params, watcher)
            else:
                result = handler(params)
        except ApiError as exc:
            return name, exc.error_code, exc.to_response()
        return name, 200, {"ok": True, "result": result}

    async def _handle_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        """Serve HTTP/1.1 requests on one keep-alive connection."""
        task = asyncio.current_task()
        assert task is not None
        self._conn_tasks.add(task)
        buf = bytearray()
        try:
            while True:
                request = await _read_request(reader, buf)
                if request is None:
                    break
                _verb, target, headers, body = request
                path, _, query = target.partition("?")
                try:
                    params, files = _decode_params(query, headers, body)
                except ValueError as exc:
                    params, files = {}, {}
                    name, status, answer = path, 400, _error_json(400, f"Bad Request: {exc}")
                else:
                    name, status, answer = await self._answer(path, params, reader, buf)
                payload = json.dumps(answer, ensure_ascii=False).encode("utf-8")
                method = name.rsplit("/", 1)[-1]
                self._record(Call(method, params, answer, time.time(), status, files))
                keep_alive = headers.get("connection", "").lower() != "close"
                head = (
                    f"HTTP/1.1 {status} {http.HTTPStatus(status).phrase}\r\n"
                    "Content-Type: application/json\r\n"
                    f"Content-Length: {len(payload)}\r\n"
                    f"Connection: {'keep-alive' if keep_alive else 'close'}\r\n\r\n"
                )
                writer.write(head.encode("ascii") + payload)
                await writer.drain()
                if not keep_alive:
                    break
        except (ConnectionError, asyncio.IncompleteReadError, _Disconnected):
            pass  # client went away
        except asyncio.CancelledError:
            pass  # emulator shutting down
        finally:
            self._conn_tasks.discard(task)
            writer.close()

    async def _answer(
        self, path: str, params: JSONDict, reader: asyncio.StreamReader, buf: bytearray
    ) -> tuple[str, int, JSONDict]:
        """Dispatch one request. Long polls also watch the socket, so a client that gave up
        (PTB cancels its pending getUpdates on shutdown) frees the poll instead of lingering;
        an emulator bug becomes a recorded 500 instead of a dropped connection."""
        watcher: asyncio.Future[bytes] | None = None
        if path.lower().endswith("/getupdates"):
            watcher = asyncio.ensure_future(reader.read(65536))
        try:
            return await self._dispatch(path, params, watcher)
        except _Disconnected:
            raise
        except Exception as exc:  # noqa: BLE001 - report, don't hang the client
            return path, 500, _error_json(500, f"Internal Server Error: emulator bug: {exc!r}")
        finally:
            if watcher is not None:
                if not watcher.done():
                    watcher.cancel()
                    # the read must be fully unwound before the connection reads again
                    with contextlib.suppress(asyncio.CancelledError):
                        await watcher
                elif not watcher.cancelled() and watcher.exception() is None:
                    buf.extend(watcher.result())  # pipelined bytes (or b"" at EOF)


# --------------------------------------------------------------------------------------------
# Helpers: HTTP parsing, parameter decoding, client-side entities
# --------------------------------------------------------------------------------------------

_MAX_HEADER_BYTES = 64 * 1024


async def _read_more(reader: asyncio.StreamReader, buf: bytearray) -> bool:
    data = await reader.read(65536)
    if not data:
        return False
    buf.extend(data)
    return True


async def _read_request(
    reader: asyncio.StreamReader, buf: bytearray
) -> tuple[str, str, dict[str, str], bytes] | None:
    """Read one HTTP/1.1 request from ``buf``+``reader``; None on a cleanly closed connection."""
    while True:
        end = buf.find(b"\r\n\r\n")
        if end >= 0:
            break
        if len(buf) > _MAX_HEADER_BYTES or not await _read_more(reader, buf):
            return None
    head = bytes(buf[:end]).decode("latin-1")
    del buf[: end + 4]
    lines = head.split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3:
        return None
    verb, target, _version = parts
    headers: dict[str, str] = {}
    for line in lines[1:]:
        key, _, value = line.partition(":")
        headers[key.strip().lower()] = value.strip()

    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = bytearray()
        while True:
            while (eol := buf.find(b"\r\n")) < 0:
                if not await _read_more(reader, buf):
                    return None
            size = int(bytes(buf[:eol]).split(b";")[0].strip() or b"0", 16)
            del buf[: eol + 2]
            while len(buf) < size + 2:
                if not await _read_more(reader, buf):
                    return None
            body += buf[:size]
            del buf[: size + 2]
            if size == 0:  # (trailers are not supported; none are sent by httpx)
                break
        return verb, target, headers, bytes(body)

    length = int(headers.get("content-length") or 0)
    while len(buf) < length:
        if not await _read_more(reader, buf):
            return None
    body = bytes(buf[:length])
    del buf[:length]
    return verb, target, headers, body


def _decode_value(name: str, value: str) -> Any:
    """Form/multipart values are strings; JSON-decode all but genuinely string-typed ones."""
    if name in STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _decode_params(
    query: str, headers: dict[str, str], body: bytes
) -> tuple[JSONDict, dict[str, JSONDict]]:
    """Decode query string + body (urlencoded, multipart/form-data or JSON) into params;
    uploaded files are returned separately as {name: {filename, content_type, size}}."""
    params: JSONDict = {}
    files: dict[str, JSONDict] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        params[key] = _decode_value(key, value)
    ctype = headers.get("content-type", "")
    mime = ctype.split(";")[0].strip().lower()
    if not body:
        return params, files
    if mime == "application/json":
        data = json.loads(body)
        if not isinstance(data, dict):
            raise ValueError("JSON object expected")
        for key, value in data.items():
            if key in JSON_PARAMS and isinstance(value, str):
                with contextlib.suppress(ValueError):
                    value = json.loads(value)
            params[key] = value
    elif mime == "multipart/form-data":
        m = re.search(r'boundary="?([^";]+)"?', ctype)
        if not m:
            raise ValueError("multipart boundary missing")
        for name, filename, part_type, content in _split_multipart(body, m.group(1).encode()):
            if filename is not None:
                files[name] = {
                    "filename": filename,
                    "content_type": part_type,
                    "size": len(content),
                    "content": content,
                }
            else:
                params[name] = _decode_value(name, content.decode("utf-8"))
    else:  # application/x-www-form-urlencoded (httpx's default for `data=`)
        for key, value in parse_qsl(body.decode("utf-8"), keep_blank_values=True):
            params[key] = _decode_value(key, value)
    return params, files


def _split_multipart(
    body: bytes, boundary: bytes
) -> Iterable[tuple[str, str | None, str | None, bytes]]:
    """Yield (name, filename, content type, content) for each multipart/form-data part."""
    delimiter = b"--" + boundary
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        chunk = chunk[2:] if chunk.startswith(b"\r\n") else chunk
        head, _, content = chunk.partition(b"\r\n\r\n")
        if content.endswith(b"\r\n"):
            content = content[:-2]
        name = filename = part_type = None
        for line in head.decode("utf-8").split("\r\n"):
            key, _, value = line.partition(":")
            key = key.strip().lower()
            if key == "content-disposition":
                if nm := re.search(r'\bname="([^"]*)"', value):
                    name = nm.group(1)
                if fm := re.search(r'\bfilename="([^"]*)"', value):
                    filename = fm.group(1)
            elif key == "content-type":
                part_type = value.strip()
        if name is not None:
            yield name, filename, part_type, content


_COMMAND_RE = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/@])")
_MENTION_RE = re.compile(r"(?<![\w@/])@[A-Za-z0-9_]{5,32}(?!\w)")


def client_entities(text: str) -> list[JSONDict]:
    """Entities an official client attaches to a typed text: bot_command and mention."""
    spans: list[tuple[int, int, str]] = []
    for m in _COMMAND_RE.finditer(text):
        spans.append((m.start(), m.end(), "bot_command"))
    for m in _MENTION_RE.finditer(text):
        if not any(s <= m.start() < e for s, e, _ in spans):
            spans.append((m.start(), m.end(), "mention"))
    spans.sort()
    return [
        {"type": kind, "offset": utf16_len(text[:s]), "length": utf16_len(text[s:e])}
        for s, e, kind in spans
    ]


def _error_json(code: int, description: str) -> JSONDict:
    return {"ok": False, "error_code": code, "description": description}


def _without_reply(message: JSONDict) -> JSONDict:
    """Telegram does not nest reply_to_message inside a reply_to_message."""
    return {k: v for k, v in message.items() if k != "reply_to_message"}


def _set_or_drop(d: JSONDict, key: str, value: Any) -> None:
    if value is None:
        d.pop(key, None)
    else:
        d[key] = value


# --------------------------------------------------------------------------------------------
# Background-thread runner
# --------------------------------------------------------------------------------------------


class EmulatorThread:
    """Run a :class:`BotApiEmulator` in a daemon thread with its own event loop.

    For sync tests and for tests driving the bot as a subprocess (``citebot run`` with
    ``TELEGRAM_API_BASE_URL=thread.base_url``). Every method here is thread-safe: it runs the
    emulator's method inside the emulator's loop and blocks for the result.
    """

    def __init__(self, **emulator_kwargs: Any) -> None:
        self._kwargs = emulator_kwargs
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self.emulator: BotApiEmulator | None = None

    def __enter__(self) -> EmulatorThread:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="bot-api-emulator", daemon=True)
        self._thread.start()
        self._ready.wait(10)
        if self._error is not None:
            raise RuntimeError("emulator failed to start") from self._error
        if self.emulator is None:
            raise RuntimeError("emulator did not start within 10s")

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
            self._thread.join(10)

    def _run(self) -> None:
        async def main() -> None:
            self._stop = asyncio.Event()
            self._loop = asyncio.get_running_loop()
            async with BotApiEmulator(**self._kwargs) as emu:
                self.emulator = emu
                self._ready.set()
                await self._stop.wait()

        try:
            asyncio.run(main())
        except BaseException as exc:  # surfaced by start()
            self._error = exc
            self._ready.set()

    # ------------------------------------------------------------ cross-thread plumbing

    def _call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        assert self._loop is not None

        async def run() -> Any:
            return fn(*args, **kwargs)

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(30)

    def _await(self, coro: Any, timeout: float) -> Any:
        assert self._loop is not None
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result(timeout + 5)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise TimeoutError(f"emulator did not answer within {timeout + 5:.0f}s") from None

    @property
    def emu(self) -> BotApiEmulator:
        assert self.emulator is not None, "EmulatorThread not started"
        return self.emulator

    @property
    def base_url(self) -> str:
        return self.emu.base_url

    @property
    def base_file_url(self) -> str:
        return self.emu.base_file_url

    @property
    def token(self) -> str:
        return self.emu.token

    @property
    def calls(self) -> list[Call]:
        return self._call(lambda: list(self.emu.calls))

    @property
    def errors(self) -> list[Call]:
        return self._call(lambda: list(self.emu.errors))

    @property
    def pending_updates(self) -> int:
        return self._call(lambda: self.emu.pending_updates)

    def user(self, *args: Any, **kwargs: Any) -> FakeUser:
        return self._call(self.emu.user, *args, **kwargs)

    def private_chat(self, user: FakeUser) -> FakeChat:
        return self._call(self.emu.private_chat, user)

    def group_chat(self, *args: Any, **kwargs: Any) -> FakeChat:
        return self._call(self.emu.group_chat, *args, **kwargs)

    def send_text(self, *args: Any, **kwargs: Any) -> JSONDict:
        return self._call(self.emu.send_text, *args, **kwargs)

    def press_button(self, *args: Any, **kwargs: Any) -> JSONDict:
        return self._call(self.emu.press_button, *args, **kwargs)

    def inline_query(self, *args: Any, **kwargs: Any) -> str:
        return self._call(self.emu.inline_query, *args, **kwargs)

    def chosen_inline_result(self, *args: Any, **kwargs: Any) -> JSONDict:
        return self._call(self.emu.chosen_inline_result, *args, **kwargs)

    def enqueue_update(self, kind: str, payload: JSONDict) -> JSONDict:
        return self._call(self.emu.enqueue_update, kind, payload)

    def fail_next(self, *args: Any, **kwargs: Any) -> None:
        self._call(self.emu.fail_next, *args, **kwargs)

    def calls_of(self, method: str) -> list[Call]:
        return self._call(self.emu.calls_of, method)

    def sent_messages(self, chat: FakeChat | int) -> list[JSONDict]:
        return self._call(lambda: [dict(m) for m in self.emu.sent_messages(chat)])

    def assert_no_errors(self, allow_429: bool = True) -> None:
        self._call(self.emu.assert_no_errors, allow_429)

    def wait_for(
        self,
        method: str,
        predicate: Predicate | None = None,
        timeout: float = 10.0,
        *,
        ok: bool | None = True,
    ) -> Call:
        """Blocking :meth:`BotApiEmulator.wait_for` (the predicate runs in the emulator's
        thread)."""
        return self._await(self.emu.wait_for(method, predicate, timeout, ok=ok), timeout)

    def wait_for_count(
        self,
        method: str,
        n: int,
        predicate: Predicate | None = None,
        timeout: float = 10.0,
        *,
        ok: bool | None = True,
    ) -> list[Call]:
        """Blocking :meth:`BotApiEmulator.wait_for_count`."""
        return self._await(
            self.emu.wait_for_count(method, n, predicate, timeout, ok=ok), timeout
        )

    def wait_until_polling(self, timeout: float = 10.0) -> None:
        self._await(self.emu.wait_until_polling(timeout), timeout)
