"""The Telegram application: built and wired in one place, then run by polling or webhook."""

from __future__ import annotations

import logging
import sys

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import (AIORateLimiter, Application, CallbackQueryHandler, CommandHandler, Defaults,
                          InlineQueryHandler, MessageHandler, TypeHandler, filters)

from bot import handlers
from bot.config import Settings
from bot.logs import setup_logging
from bot.service import Citebot
from bot.state import ExpiringStore, RateLimit, Stats

log = logging.getLogger(__name__)

COMMANDS = [
    BotCommand("search", "Ranked list of matching articles"),
    BotCommand("source", "Full passage behind a citation id"),
    BotCommand("help", "What I know and how to ask"),
]


def build_application(settings: Settings) -> Application:
    """The PTB Application with every handler; the index is opened in post_init."""
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")

    async def post_init(app: Application) -> None:
        citebot = await Citebot.open(settings, build_if_missing=True)
        app.bot_data.update(citebot=citebot, keys=ExpiringStore(), rate=RateLimit(settings.questions_per_minute),
                            stats=Stats())
        await app.bot.set_my_commands(COMMANDS)
        info = await citebot.info()
        log.info("Serving %d articles (%d passages) as @%s", info.articles, info.passages, app.bot.username)

    async def post_shutdown(app: Application) -> None:
        citebot = app.bot_data.get("citebot")
        if citebot is not None:
            await citebot.close()

    app = (Application.builder()
           .token(settings.telegram_bot_token.get_secret_value())
           .base_url(settings.telegram_api_base_url)
           .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)))
           .rate_limiter(AIORateLimiter(max_retries=5))
           .concurrent_updates(True)
           .post_init(post_init)
           .post_shutdown(post_shutdown)
           .build())
    group = filters.ChatType.GROUPS
    app.add_handler(TypeHandler(Update, handlers.restrict), group=-1)
    app.add_handler(CommandHandler(["start", "help"], handlers.help_command))
    app.add_handler(CommandHandler("search", handlers.search_command))
    app.add_handler(CommandHandler("source", handlers.source_command))
    app.add_handler(CommandHandler("reindex", handlers.reindex_command))
    app.add_handler(CommandHandler("stats", handlers.stats_command))
    app.add_handler(MessageHandler(filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND
                                   & filters.UpdateType.MESSAGE, handlers.private_message))
    app.add_handler(MessageHandler(group & filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE,
                                   handlers.group_message))
    app.add_handler(CallbackQueryHandler(handlers.button))
    app.add_handler(InlineQueryHandler(handlers.inline_query))
    app.add_error_handler(handlers.error_handler)
    return app


def run_bot(settings: Settings) -> int:
    """`citebot run`: serve until SIGINT or SIGTERM, then exit 0."""
    if settings.telegram_bot_token is None:
        print("citebot: TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather and put it in .env "
              "(see .env.example), or try `citebot chat` to use the bot in the terminal", file=sys.stderr)
        return 1
    setup_logging(settings, "%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = build_application(settings)
    if settings.webhook_url:
        secret = settings.webhook_secret_token.get_secret_value() if settings.webhook_secret_token else None
        app.run_webhook(listen=settings.webhook_listen, port=settings.webhook_port,
                        url_path=_url_path(settings.webhook_url), webhook_url=settings.webhook_url,
                        secret_token=secret, allowed_updates=Update.ALL_TYPES)
    else:
        app.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0


def _url_path(url: str) -> str:
    """The path part of WEBHOOK_URL, which the local web server must listen on."""
    after_host = url.split("://", 1)[-1]
    return after_host.split("/", 1)[1] if "/" in after_host else ""
