"""The Telegram application: built and wired in one place, then run by polling or webhook."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import secrets
import signal
import sys
import warnings
from typing import Awaitable, Callable, Iterator

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import (Application, CallbackQueryHandler, ChatMemberHandler, CommandHandler,
                          Defaults, InlineQueryHandler, MessageHandler, SimpleUpdateProcessor, TypeHandler, filters)

from citebot.bot import handlers
from citebot.bot.config import Settings
from citebot.bot.conversation import MemoryConversations
from citebot.bot.generations import follow
from citebot.bot.ratelimit import SharedRateLimiter
from citebot.bot.shared import SharedRedis, shared_state
from citebot.bot.updates import DurableWebhook, Inbox
from citebot.bot.i18n import N_, translator
from citebot.bot.logs import redact, scrub, setup_logging
from citebot.bot.service import Citebot
from citebot.bot.state import ExpiringStore, InFlight, RateLimit, Replies, Stats

log = logging.getLogger(__name__)

COMMANDS = [
    BotCommand("search", N_("Ranked list of matching articles")),
    BotCommand("source", N_("Full passage behind a citation id")),
    BotCommand("help", N_("What I know and how to ask")),
]
MENU_LANGUAGES = ("uk", "ru")  # the command menu in these too, for users whose Telegram is in that language


class TrackedUpdates(SimpleUpdateProcessor):
    """Updates handled concurrently, as with concurrent_updates(True), each user's tracked in InFlight meanwhile."""

    def __init__(self, inflight: InFlight, max_concurrent_updates: int = 256) -> None:
        super().__init__(max_concurrent_updates)
        self.inflight = inflight

    async def do_process_update(self, update: object, coroutine: Awaitable[object]) -> None:
        user = update.effective_user if isinstance(update, Update) else None
        if user is None:
            await coroutine
            return
        key = asyncio.current_task()  # the handlers of this update run in this task
        self.inflight.begin(user.id, key)
        try:
            await coroutine
        finally:
            self.inflight.end(user.id, key)


class StartupError(Exception):
    """`citebot run` cannot start; the message is the one line to print (it never quotes a secret)."""


def build_application(settings: Settings) -> Application:
    """The PTB Application with every handler; the index is opened in post_init."""
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")

    async def post_init(app: Application) -> None:
        await open_index(app, settings)
        await app.bot.set_my_commands(COMMANDS)
        for code in MENU_LANGUAGES:
            _ = translator(code)
            await app.bot.set_my_commands([BotCommand(c.command, _(c.description)) for c in COMMANDS], language_code=code)

    async def post_shutdown(app: Application) -> None:
        citebot = app.bot_data.get("citebot")
        if citebot is not None:
            await citebot.close()

    inflight = InFlight()
    # With REDIS_URL, state and Telegram's flood limits are shared by all replicas (bot/shared.py).
    shared = SharedRedis(settings) if settings.redis_url is not None else None
    app = (Application.builder()
           .token(settings.telegram_bot_token.get_secret_value())
           .base_url(settings.telegram_api_base_url)
           .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)))
           # One process too: AIORateLimiter's bucket lets a burst of 30 through on top of the steady 30 a
           # second (72 requests in one second under the load test); these windows space them evenly.
           .rate_limiter(SharedRateLimiter(shared))
           .concurrent_updates(TrackedUpdates(inflight))
           .post_init(post_init)
           .post_shutdown(post_shutdown)
           .build())
    group = filters.ChatType.GROUPS
    app.bot_data["inflight"] = inflight
    app.bot_data["shared"] = shared
    # Edited messages go to the same handlers (filters.UpdateType.MESSAGES); their replies edit the earlier ones.
    question = (filters.TEXT | filters.CAPTION) & ~filters.COMMAND & filters.UpdateType.MESSAGES
    app.add_handler(TypeHandler(Update, handlers.restrict), group=-2)
    app.add_handler(TypeHandler(Update, handlers.limit), group=-1)
    app.add_handler(CommandHandler(["start", "help"], handlers.help_command))
    app.add_handler(CommandHandler("search", handlers.search_command))
    app.add_handler(CommandHandler("source", handlers.source_command))
    app.add_handler(CommandHandler("reindex", handlers.reindex_command, filters.UpdateType.MESSAGE))
    app.add_handler(CommandHandler("stats", handlers.stats_command))
    app.add_handler(MessageHandler(filters.ChatType.PRIVATE & question, handlers.private_message))
    app.add_handler(MessageHandler(group & question, handlers.group_message))
    app.add_handler(MessageHandler(filters.COMMAND & filters.UpdateType.MESSAGES, handlers.unknown_command))
    app.add_handler(MessageHandler(~filters.TEXT & ~filters.CAPTION & ~filters.StatusUpdate.ALL
                                   & filters.UpdateType.MESSAGE, handlers.media_hint))
    app.add_handler(ChatMemberHandler(handlers.added_to_group, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(CallbackQueryHandler(handlers.button))
    app.add_handler(InlineQueryHandler(handlers.inline_query))
    app.add_error_handler(handlers.error_handler)
    return app


async def open_index(app: Application, settings: Settings) -> None:
    """Open the index (building it from ARTICLES_DIR if there is none) and the bot's state, once."""
    if "citebot" not in app.bot_data:  # post_init may be retried after a network error
        citebot = await Citebot.open(settings, build_if_missing=True)
        app.bot_data.update(citebot=citebot, keys=ExpiringStore(), replies=Replies(),
                            rate=RateLimit(settings.questions_per_minute), stats=Stats(),
                            conversations=MemoryConversations())
        shared: SharedRedis | None = app.bot_data.get("shared")
        if shared is not None:  # Redis unreachable now is one warning: the bot starts on its own state
            await shared.connect()
            shared.start_heartbeat()
            app.bot_data.update(shared_state(shared, settings))


def run_bot(settings: Settings) -> int:
    """`citebot run`: serve until SIGINT or SIGTERM, then exit 0; a start-up failure is one line and exit 1."""
    if settings.telegram_bot_token is None:
        print("citebot: TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather and put it in .env "
              "(see .env.example), or try `citebot chat` to use the bot in the terminal", file=sys.stderr)
        return 1
    secret = webhook_secret(settings) if settings.webhook_url else None
    setup_logging(settings, "%(asctime)s %(levelname)s %(name)s: %(message)s", *([secret] if secret else []),
                  *settings.redis_secrets())
    app = build_application(settings)
    try:
        asyncio.run(_serve(app, settings, secret))
    except StartupError as problem:
        print(f"citebot: {scrub(str(problem), _secrets(settings, secret))}", file=sys.stderr)
        return 1
    return 0


def webhook_secret(settings: Settings) -> str:
    """WEBHOOK_SECRET_TOKEN, or a new random one: a webhook without a secret would accept forged updates."""
    if settings.webhook_secret_token is not None:
        return settings.webhook_secret_token.get_secret_value()
    return secrets.token_urlsafe(32)  # 256 bits, in the characters setWebhook allows


def _secrets(settings: Settings, secret: str | None) -> list[str]:
    token = settings.telegram_bot_token
    return [s for s in (token.get_secret_value() if token else None, secret) if s] + settings.redis_secrets()


async def _serve(app: Application, settings: Settings, secret: str | None) -> None:
    """Start (retrying network errors), serve until SIGINT/SIGTERM, then shut down in order."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        with _quiet_bootstrap():
            started = await _start(app, settings, secret, stop)
        if started:
            await stop.wait()
    finally:
        await _shut_down(app)


async def _start(app: Application, settings: Settings, secret: str | None, stop: asyncio.Event) -> bool:
    """Open the index, reach the Bot API and start receiving updates; False when stopped meanwhile.

    Configuration errors (a corrupt index, a rejected token, a webhook Telegram refuses) end it at once;
    network errors are retried with backoff for STARTUP_RETRY_SECONDS.
    """
    await open_index(app, settings)  # first: a broken index is no reason to wait for the network
    deadline = asyncio.get_running_loop().time() + settings.startup_retry_seconds
    steps: list[tuple[str, Callable[[], Awaitable[object]]]] = [
        ("connecting to the Bot API", app.initialize),
        ("registering the command menu", lambda: app.post_init(app)),
    ]
    shared: SharedRedis | None = app.bot_data.get("shared")
    if settings.webhook_url and shared is not None:
        # The webhook answers Telegram only once an update is stored in Redis (bot/updates.py).
        webhook = DurableWebhook(app, Inbox(app, shared, settings.redis_claim_seconds), settings.webhook_listen,
                                 settings.webhook_port, _url_path(settings.webhook_url), secret)
        app.bot_data["webhook"] = webhook
        steps.append(("setting the webhook", lambda: app.bot.set_webhook(
            settings.webhook_url, secret_token=secret, allowed_updates=Update.ALL_TYPES)))
        steps.append(("starting the webhook server", webhook.start))
    elif settings.webhook_url:
        steps.append(("setting the webhook", lambda: app.updater.start_webhook(
            listen=settings.webhook_listen, port=settings.webhook_port, url_path=_url_path(settings.webhook_url),
            webhook_url=settings.webhook_url, secret_token=secret, allowed_updates=Update.ALL_TYPES)))
    else:
        steps.append(("starting to poll", lambda: app.updater.start_polling(allowed_updates=Update.ALL_TYPES)))
    for what, step in steps:
        if not await _retrying(what, step, settings, deadline, stop):
            return False
    await app.start()
    if shared is not None:  # new index generations published by other replicas or `citebot index`
        app.bot_data["following"] = asyncio.get_running_loop().create_task(
            follow(shared, app.bot_data["citebot"], stop))
    info = await app.bot_data["citebot"].info()
    where = f"by webhook on {settings.webhook_listen}:{settings.webhook_port}" if settings.webhook_url else "by polling"
    log.info("Serving %d articles (%d passages) as @%s, receiving updates %s", info.articles, info.passages,
             app.bot.username, where)
    return True


async def _retrying(what: str, step: Callable[[], Awaitable[object]], settings: Settings, deadline: float,
                    stop: asyncio.Event) -> bool:
    """Run step, retrying network errors with backoff until deadline; False when stopped meanwhile."""
    loop, delay = asyncio.get_running_loop(), 0.25
    while True:
        try:
            await step()
            return True
        except InvalidToken:  # its message quotes the token, so it is not repeated
            raise StartupError("the Bot API rejected TELEGRAM_BOT_TOKEN: get a valid one from @BotFather "
                               f"(TELEGRAM_API_BASE_URL={settings.telegram_api_base_url})") from None
        except RetryAfter as error:
            wait, problem = _seconds(error), error.message
        except BadRequest as error:  # a NetworkError in PTB's classes, but the request itself is wrong
            raise StartupError(f"{what}: the Bot API refused: {redact(error.message, settings)}") from None
        except NetworkError as error:  # unreachable, reset, timed out: worth another try
            wait, problem, delay = delay, f"{type(error).__name__}: {error.message}", min(delay * 2, 10.0)
        except TelegramError as error:  # Forbidden, Conflict, …: retrying would not help
            raise StartupError(f"{what}: the Bot API refused: {redact(error.message, settings)}") from None
        except OSError as error:  # the webhook server could not listen (port taken, address not local)
            raise StartupError(f"{what}: cannot listen on {settings.webhook_listen}:{settings.webhook_port}: "
                               f"{error.strerror or error}") from None
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise StartupError(f"{what}: gave up after STARTUP_RETRY_SECONDS={settings.startup_retry_seconds:g}: "
                               f"{redact(problem, settings)} (TELEGRAM_API_BASE_URL={settings.telegram_api_base_url})")
        # DEBUG, not WARNING: a start-up that finally fails must print one line, not one per attempt.
        log.debug("%s failed (%s); retrying in %.2f s", what, problem, min(wait, remaining))
        try:
            await asyncio.wait_for(stop.wait(), min(wait, remaining))
            return False
        except TimeoutError:
            continue


def _seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB warns that retry_after will become a timedelta; either is fine
        warnings.simplefilter("ignore")
        wait = error.retry_after
    return wait.total_seconds() if isinstance(wait, dt.timedelta) else float(wait)


async def _shut_down(app: Application) -> None:
    """Stop receiving, finish the updates in hand, close the Bot API client, the index and Redis."""
    if app.updater is not None and app.updater.running:
        await app.updater.stop()
    webhook: DurableWebhook | None = app.bot_data.get("webhook")
    if webhook is not None:
        await webhook.stop()
    following: asyncio.Task[None] | None = app.bot_data.get("following")
    if following is not None:
        following.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await following
    if app.running:
        await app.stop()
    await app.shutdown()
    await app.post_shutdown(app)
    shared: SharedRedis | None = app.bot_data.get("shared")
    if shared is not None:
        await shared.close()


@contextlib.contextmanager
def _quiet_bootstrap() -> Iterator[None]:
    """While starting, PTB logs each failed bootstrap request with a traceback; _retrying reports it on one line."""
    def not_bootstrap(record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Network Retry Loop")

    logger = logging.getLogger("telegram.ext")  # the logger of PTB's network retry loop
    logger.addFilter(not_bootstrap)
    try:
        yield
    finally:
        logger.removeFilter(not_bootstrap)


def _url_path(url: str) -> str:
    """The path part of WEBHOOK_URL, which the local web server must listen on."""
    after_host = url.split("://", 1)[-1]
    return after_host.split("/", 1)[1] if "/" in after_host else ""
