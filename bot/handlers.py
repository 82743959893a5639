"""Telegram handlers: each a small `async def x(update, context) -> None`.

The wiring (which handler for which update) is in bot/telegram.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import difflib
import hashlib
import logging
import re
import time
from dataclasses import dataclass
from typing import AsyncIterator

from telegram import (CallbackQuery, ChatMember, InlineKeyboardButton, InlineKeyboardMarkup, InlineQueryResultArticle,
                      InlineQueryResultsButton, InputTextMessageContent, LinkPreviewOptions, Message, MessageEntity,
                      Update)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from citebot.bot.answer import Answer, Citation
from citebot.bot.conversation import ConversationStore, MemoryConversations
from citebot.bot.generations import Busy, announce, one_reindex
from citebot.bot.i18n import N_, Translator, plural, translator
from citebot.bot.logs import describe_exception
from citebot.bot.questions import BadQuestion
from citebot.bot.render import (MESSAGE_LIMIT, answer_html, article_html_parts, citation_html, escape, hit_snippet,
                        passage_html, tg_len)
from citebot.bot.service import Citebot, SearchPage
from citebot.bot.smalltalk import small_talk
from citebot.bot.state import InFlight, KeyStore, Limiter, ReplyStore, StatsStore
from citebot.index.store import split_passage_id

log = logging.getLogger(__name__)

PAGE_SIZE = 5
CALLBACK_LIMIT = 64  # bytes, Telegram's limit on callback data
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)

HELP = N_("""<b>I answer questions by quoting the articles I know</b> — every answer is one to three sentences \
copied from an article, with a numbered citation. No guessing: if the articles don't say, I say so.

I know {articles} ({passages}), last indexed {indexed}.

<b>How to ask</b>
• Just send a question in this chat.
• /search <i>words</i> — a ranked list of matching articles.
• /source <i>id</i> — the full passage behind a citation (or reply /source to one of my answers).
• In groups, mention me (@{username}) or reply to my message.
• In any chat, type @{username} and a question to share an excerpt.
• Follow-ups work: after “Who is Saldo?”, ask “and where was he taken?” or “what happened next?”.
• You may ask in Ukrainian or Russian; the articles and their quotes are in English.

<b>Try</b>
{examples}""")
NEVER = N_("never")
SOURCE_BUTTON = N_("📄 [{n}] source")
# The language of the user whose update is being handled (set first, in restrict): fixed texts are in it.
LANGUAGE: contextvars.ContextVar[str | None] = contextvars.ContextVar("language", default=None)


def _t() -> Translator:
    """gettext into the language of the user whose update this is (Telegram's language_code)."""
    return translator(LANGUAGE.get())

MEDIA_HINT = N_("I read text: send your question as a message, or put it in a photo's caption.")
UNKNOWN_COMMAND = N_("I don't know {command}. My commands: /search <i>words</i> — a ranked list of matching articles; "
                     "/source <i>id</i> — the passage behind a citation; /help — what I know and how to ask.")
DID_YOU_MEAN = N_("I don't know {command} — did you mean /{suggestion}?")
DID_YOU_MEAN_ARGS = N_("I don't know {command} — did you mean /{suggestion}? <code>/{suggestion} {args}</code>")
GREETING = N_("Hello, everyone! I answer questions about the news articles I know by quoting them, with a citation "
              "for every excerpt.\n\nIn this group I answer only when addressed: mention @{username} in your "
              "question, reply to one of my messages, or send /search@{username} <i>words</i>.")
NO_SUCH_PASSAGE = N_("There is no passage {ordinal} in “{title}”: it has {count} passages, <code>{first}</code> "
                     "to <code>{last}</code>.")
NO_SUCH_PASSAGE_ONE = N_("There is no passage {ordinal} in “{title}”: it has one passage, <code>{first}</code>.")
ARTICLE_GONE = N_("That article is no longer in the index.")
NO_CITATIONS = N_("That message has no citations. Reply /source to one of my answers.")
SOURCES_OF_ANSWER = N_("Sources of that answer")
READ_ARTICLE = N_("📖 Read the whole article")
RATE_LIMITED = N_("You're asking faster than I can keep up with — please wait a minute and ask again.")
RATE_LIMITED_SHORT = N_("Too many questions — please wait a minute")
PRIVATE_BOT = N_("Sorry, this bot is private and not available in this chat.")
ASK_AFTER_MENTION = N_("Yes? Ask me a question after the mention, e.g. @{username} {example}")
SEARCH_USAGE = N_("Usage: <code>/search words</code> — for example <code>/search Melitopol mayor</code>. "
                  "I list matching articles, best first, five per page.")
SOURCE_USAGE = N_("Usage: <code>/source ID</code> with an id from a citation, e.g. "
                  "<code>001_cf312ec7e8225a0a:2</code>, or reply /source to one of my answers.")
NO_MATCH = N_("No article matches “{query}”. Try other or fewer words.")
RESULTS = N_("🔎 <b>{query}</b> — results {first}–{last}")
UNKNOWN_ID = N_("I have no passage or article with the id <code>{id}</code>. "
                "Ids look like <code>001_cf312ec7e8225a0a:2</code>; they are shown under each excerpt.")

TYPING_DELAY = 0.5  # seconds: "typing…" only for an answer slower than this (each one costs a request)
COMMAND_NAMES = ("search", "source", "help", "start")
ADMIN_COMMANDS = ("reindex", "stats")


def _citebot(context: ContextTypes.DEFAULT_TYPE) -> Citebot:
    return context.bot_data["citebot"]


def _store(context: ContextTypes.DEFAULT_TYPE) -> KeyStore:
    return context.bot_data["keys"]


def _rate(context: ContextTypes.DEFAULT_TYPE) -> Limiter:
    return context.bot_data["rate"]


async def _callback(context: ContextTypes.DEFAULT_TYPE, kind: str, value: str) -> str:
    """Callback data for a button that opens a passage (p) or an article (a)."""
    return await open_data(kind, value, _store(context))


@dataclass(frozen=True)
class OpenButton:
    """A button that opens a passage (kind p) or a whole article (kind a): by id, or by a short key (keyed)."""

    kind: str
    value: str
    keyed: bool


@dataclass(frozen=True)
class PageButton:
    """A ◀ ▶ button: the search behind key, from result offset."""

    key: str
    offset: int


MAX_OFFSET = 1000  # pages beyond the first thousand results are not offered (each page searches offset+6 hits)
_STORE_KEY = re.compile(r"[A-Za-z0-9_-]{1,43}")  # ExpiringStore keys are secrets.token_urlsafe
_OFFSET = re.compile(r"[0-9]{1,4}")  # ASCII only: str.isdigit() also accepts "²", which int() refuses


async def open_data(kind: str, value: str, store: KeyStore) -> str:
    """Callback data to open value: the value itself if it fits in Telegram's 64 bytes, else a short key."""
    data = f"{kind}:{value}"
    if len(data.encode()) <= CALLBACK_LIMIT:
        return data
    return f"k{kind}:{await store.put(value)}"


def page_data(key: str, offset: int) -> str:
    """Callback data for the search page at offset of the query stored under key."""
    return f"s:{key}:{offset}"


def parse_callback(data: str | None) -> OpenButton | PageButton | None:
    """What a button's callback data asks for; None for anything this bot did not make (forged or malformed)."""
    kind, sep, rest = (data or "").partition(":")
    if not sep or not rest:
        return None
    if kind == "s":
        key, sep, offset = rest.partition(":")
        if not (sep and _STORE_KEY.fullmatch(key) and _OFFSET.fullmatch(offset)):
            return None
        start = int(offset)
        return PageButton(key, start) if start <= MAX_OFFSET and start % PAGE_SIZE == 0 else None
    if kind in ("p", "a"):
        return OpenButton(kind, rest, keyed=False)
    if kind in ("kp", "ka") and _STORE_KEY.fullmatch(rest):
        return OpenButton(kind[1], rest, keyed=True)
    return None


def command_argument(args: list[str] | None) -> str:
    """The text after a command, as one string (context.args split it at whitespace)."""
    return " ".join(args or []).strip()


async def source_buttons(context: ContextTypes.DEFAULT_TYPE, citations: list[Citation]) -> InlineKeyboardMarkup | None:
    """One button per citation that opens its passage."""
    if not citations:
        return None
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(_t()(SOURCE_BUTTON).format(n=c.n), callback_data=await _callback(context, "p", c.passage_id))
        for c in citations]])


async def _examples(context: ContextTypes.DEFAULT_TYPE) -> list[str]:
    if "examples" not in context.bot_data:
        context.bot_data["examples"] = await _citebot(context).example_questions()
    return context.bot_data["examples"]


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start and /help: what the bot knows and how to ask."""
    info = await _citebot(context).info()
    examples = "\n".join(f"• {escape(q)}" for q in await _examples(context))
    _, ngettext = _t(), plural(LANGUAGE.get())
    text = _(HELP).format(articles=ngettext("{n} article", "{n} articles", info.articles).format(n=info.articles),
                          passages=ngettext("{n} passage", "{n} passages", info.passages).format(n=info.passages),
                          indexed=escape(info.indexed_at or _(NEVER)), username=escape(context.bot.username or "bot"),
                          examples=examples)
    await respond(update.effective_message, context, text)


async def answer_question(message: Message, question: str, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Search, then reply with cited excerpts (or a polite no-answer)."""
    reply = small_talk(question, (await _examples(context))[0], _t())
    if reply is not None:
        await respond(message, context, reply)
        return
    try:
        async with typing_after(message):
            answer = await _converse(message, question, context)
    except BadQuestion as problem:
        await respond(message, context, escape(problem.translated(_t())))
        return
    started = time.perf_counter()
    # A question asked in Ukrainian or Russian is answered in that language, else in the user's.
    text = answer_html(answer, translator(answer.language or LANGUAGE.get()))
    buttons = await source_buttons(context, answer.citations)
    # The bot's own work: searching and composing (timed by the service) plus rendering.
    # Not counted: waiting for Telegram, whose flood limits may hold the reply back.
    await _log_answer(message, question, answer, answer.elapsed_ms + (time.perf_counter() - started) * 1000, context)
    await respond(message, context, text, buttons)


async def _converse(message: Message, question: str, context: ContextTypes.DEFAULT_TYPE) -> Answer:
    """The answer to question in the light of the asker's last answered one in this chat (bot/conversation.py):
    keyed by chat, user and forum topic, so a reply thread in a group follows on as a private chat does."""
    store: ConversationStore = context.bot_data.setdefault("conversations", MemoryConversations())
    user = message.from_user
    key = (message.chat.id, user.id if user else 0, message.message_thread_id if message.is_topic_message else None)
    answer, turn = await _citebot(context).converse(question, await store.get(key), language=LANGUAGE.get())
    if turn is not None:
        await store.put(key, turn)
    return answer


def _in_group(message: Message) -> bool:
    return message.chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)


async def _within_rate(message: Message, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Per-user limit; the first refusal in a burst gets one polite line, after the answers already under way."""
    user = message.from_user
    if user is None:
        return True
    allowed, tell = await _rate(context).check(user.id)
    if tell:
        inflight: InFlight | None = context.bot_data.get("inflight")
        earlier = inflight.before(user.id, asyncio.current_task()) if inflight is not None else []
        context.application.create_task(_limit_note(message, context, earlier))
    return allowed


async def _limit_note(message: Message, context: ContextTypes.DEFAULT_TYPE, earlier: list[asyncio.Event]) -> None:
    """The rate-limit note, sent once the user's updates handled before it (earlier) are done: never between answers."""
    await InFlight.wait(earlier)
    await message.reply_text(_t()(RATE_LIMITED), do_quote=_in_group(message))


async def limit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Per-user limit on all the bot answers (messages for it, commands, buttons, inline queries)."""
    user = update.effective_user
    if user is None or update.my_chat_member is not None:
        return
    if update.inline_query is not None:
        if not update.inline_query.query.strip():
            return
        if not (await _rate(context).check(user.id))[0]:
            await update.inline_query.answer([], cache_time=0, button=InlineQueryResultsButton(
                _t()(RATE_LIMITED_SHORT), start_parameter="limit"))
            raise ApplicationHandlerStop
        return
    if update.callback_query is not None:  # forged or malformed data costs no work: button() says "expired"
        if parse_callback(update.callback_query.data) is not None and not (await _rate(context).check(user.id))[0]:
            await update.callback_query.answer(_t()(RATE_LIMITED), show_alert=True)
            raise ApplicationHandlerStop
        return
    message = update.message or update.edited_message
    if message is not None and addressed(message, context) and not await _within_rate(message, context):
        raise ApplicationHandlerStop


@contextlib.asynccontextmanager
async def typing_after(message: Message) -> AsyncIterator[None]:
    """Show "typing…" in the message's chat only if the block takes longer than TYPING_DELAY seconds."""
    started = asyncio.Event()

    async def later() -> None:
        await asyncio.sleep(TYPING_DELAY)  # a timer, cancelled when the answer is ready sooner
        started.set()
        with contextlib.suppress(TelegramError):
            await message.chat.send_action(ChatAction.TYPING)

    timer = asyncio.create_task(later())
    _TIMERS.add(timer)  # asyncio keeps only weak references to tasks
    timer.add_done_callback(_TIMERS.discard)
    try:
        yield
    finally:
        if not started.is_set():
            timer.cancel()


_TIMERS: set[asyncio.Task[None]] = set()


def _from_user(message: Message, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """A message a person sent (not one of the bot's own, as under a pressed button)."""
    return message.from_user is not None and message.from_user.id != context.bot.id


def _digest(text: str, markup: InlineKeyboardMarkup | None) -> str:
    return hashlib.blake2b((text + (markup.to_json() if markup else "")).encode(), digest_size=12).hexdigest()


async def respond(message: Message, context: ContextTypes.DEFAULT_TYPE, text: str,
                  markup: InlineKeyboardMarkup | None = None) -> None:
    """Reply (HTML) to message; to an edited message, by editing the bot's one earlier reply to it where it can."""
    replies: ReplyStore = context.bot_data["replies"]
    edited = message.edit_date is not None and _from_user(message, context)
    digest = _digest(text, markup)
    if edited:
        inflight: InFlight | None = context.bot_data.get("inflight")
        if inflight is not None and message.from_user is not None:  # the reply to the original may be under way
            await inflight.settle(message.from_user.id, asyncio.current_task())
        ids, shown = await replies.get(message.chat.id, message.message_id)
        if len(ids) == 1 and shown == digest:
            return
        if len(ids) == 1:
            try:
                await context.bot.edit_message_text(text, chat_id=message.chat.id, message_id=ids[0],
                                                    parse_mode=ParseMode.HTML, reply_markup=markup,
                                                    link_preview_options=NO_PREVIEW)
                await replies.replace(message.chat.id, message.message_id, ids[0], digest)
                return
            except BadRequest as problem:  # deleted, too old to edit, …: a new reply instead
                if "not modified" in problem.message.lower():
                    return
    sent = await message.reply_html(text, reply_markup=markup, link_preview_options=NO_PREVIEW,
                                    do_quote=_in_group(message) or edited)
    if edited:
        await replies.replace(message.chat.id, message.message_id, sent.message_id, digest)
    elif _from_user(message, context):
        await replies.add(message.chat.id, message.message_id, sent.message_id, digest)


async def _log_answer(message: Message, question: str, answer: Answer, latency: float,
                      context: ContextTypes.DEFAULT_TYPE) -> None:
    """One structured line per answered question; the text itself only with LOG_QUESTIONS."""
    stats: StatsStore = context.bot_data["stats"]
    await stats.record(answer.answered, latency)
    extra = {"question": question} if _citebot(context).settings.log_questions else {}
    log.info("answered chat_type=%s latency_ms=%.1f hits=%d answered=%s%s", message.chat.type, latency,
             len(answer.citations), answer.answered, f" question={question!r}" if extra else "")


async def private_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Private chat: any text is a question."""
    await answer_question(update.effective_message, message_text(update.effective_message), context)


def message_text(message: Message) -> str:
    """A message's text, or the caption of a photo, video or document."""
    return message.text if message.text is not None else (message.caption or "")


def addressed_question(message: Message, username: str, bot_id: int) -> str | None:
    """The question in a group message addressed to the bot (a mention entity or a reply to it), else None.

    Only Telegram's mention entities count, so an e-mail address like x@botname.com is not a mention.
    """
    text = message_text(message)
    entities = message.entities if message.text is not None else message.caption_entities
    ours = [e for e in entities or () if
            (e.type == MessageEntity.MENTION and _utf16(text, e.offset, e.length).lower() == f"@{username}".lower())
            or (e.type == MessageEntity.TEXT_MENTION and e.user is not None and e.user.id == bot_id)]
    replied = (message.reply_to_message is not None and message.reply_to_message.from_user is not None
               and message.reply_to_message.from_user.id == bot_id)
    if not (ours or replied):
        return None
    units = text.encode("utf-16-le")
    for e in sorted(ours, key=lambda e: e.offset, reverse=True):
        units = units[:e.offset * 2] + " ".encode("utf-16-le") + units[(e.offset + e.length) * 2:]
    return units.decode("utf-16-le").strip()


def _utf16(text: str, offset: int, length: int) -> str:
    """The part of text that an entity's offset and length (in UTF-16 units) cover."""
    return text.encode("utf-16-le")[offset * 2:(offset + length) * 2].decode("utf-16-le", errors="replace")


def _command(message: Message) -> tuple[str, str] | None:
    """The command a message starts with, as (name, the bot it names or ""), else None."""
    entity = next((e for e in message.entities if e.type == MessageEntity.BOT_COMMAND and e.offset == 0), None)
    if entity is None or message.text is None:
        return None
    name, _, target = message.parse_entity(entity)[1:].partition("@")
    return name.lower(), target


def addressed(message: Message, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Whether a message is for the bot: anything in a private chat; in a group, a mention of it, a reply to
    one of its messages, or a command for it (/search@botname, or a bare command it knows)."""
    if not _in_group(message):
        return True
    username = context.bot.username or ""
    if addressed_question(message, username, context.bot.id) is not None:
        return True
    command = _command(message)
    if command is None:
        return False
    name, target = command
    return target.lower() == username.lower() if target else name in COMMAND_NAMES + ADMIN_COMMANDS


async def group_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Groups: answer only when mentioned or replied to; ignore everything else."""
    message = update.effective_message
    question = addressed_question(message, context.bot.username, context.bot.id)
    if question is None:
        return
    if not re.search(r"\w", question):
        await respond(message, context, escape(_t()(ASK_AFTER_MENTION).format(
            username=context.bot.username, example=(await _examples(context))[0])))
        return
    await answer_question(message, question, context)


async def search_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/search QUERY: ranked articles, five per page, with paging buttons."""
    message = update.effective_message
    query = command_argument(context.args)
    if not query:
        await respond(message, context, _t()(SEARCH_USAGE))
        return
    try:
        async with typing_after(message):
            page = await _citebot(context).search(query, limit=PAGE_SIZE)
    except BadQuestion as problem:
        await respond(message, context, escape(problem.translated(_t())))
        return
    text, markup = await search_page(page, _store(context))
    await respond(message, context, text, markup)


async def search_page(page: SearchPage, store: KeyStore) -> tuple[str, InlineKeyboardMarkup | None]:
    """One page of results and its buttons (open a source; ◀ ▶ to page)."""
    if not page.hits:
        return _t()(NO_MATCH).format(query=escape(page.query)), None
    lines = [_t()(RESULTS).format(query=escape(page.query), first=page.offset + 1, last=page.offset + len(page.hits))]
    for i, (hit, excerpt) in enumerate(page.hits, page.offset + 1):
        lines.append(f"\n{i}. <b>{escape(hit.title[:200])}</b>\n{hit_snippet(hit, excerpt)}\n"
                     f"<code>{escape(hit.passage_id)}</code>")
    query_key = await store.put(page.query)
    opens = [InlineKeyboardButton(str(i), callback_data=await open_data("p", hit.passage_id, store))
             for i, (hit, _) in enumerate(page.hits, page.offset + 1)]
    paging = []
    if page.offset > 0:
        paging.append(InlineKeyboardButton("◀", callback_data=page_data(query_key, max(0, page.offset - PAGE_SIZE))))
    if page.more and page.offset + PAGE_SIZE <= MAX_OFFSET:
        paging.append(InlineKeyboardButton("▶", callback_data=page_data(query_key, page.offset + PAGE_SIZE)))
    return "\n".join(lines), InlineKeyboardMarkup([opens] + ([paging] if paging else []))


async def source_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/source ID: the cited passage in full; as a reply to an answer, that answer's sources."""
    message = update.effective_message
    key = command_argument(context.args)
    if not key and message.reply_to_message is not None:
        await _list_sources(message, context)
        return
    if not key:
        await respond(message, context, _t()(SOURCE_USAGE))
        return
    await _send_source(message, key, context)


async def _send_source(message: Message, key: str, context: ContextTypes.DEFAULT_TYPE) -> None:
    citebot = _citebot(context)
    hit = await citebot.passage(key)
    if hit is not None:
        button = InlineKeyboardMarkup([[InlineKeyboardButton(
            _t()(READ_ARTICLE), callback_data=await _callback(context, "a", hit.article_id))]])
        await respond(message, context, passage_html(hit), button)
        return
    article = await citebot.article(key)
    if article is None:
        await respond(message, context, unknown_id_html(key))
        return
    parts = split_passage_id(key.strip())
    if parts is not None and article.id != key.strip():  # ARTICLE:999, a passage the article does not have
        button = InlineKeyboardMarkup([[InlineKeyboardButton(
            _t()(READ_ARTICLE), callback_data=await _callback(context, "a", article.id))]])
        await respond(message, context, no_such_passage_html(article.id, article.title, parts[1], article.passages),
                      button)
        return
    await _send_article(message, article.id, context)


def no_such_passage_html(article_id: str, title: str, ordinal: int, count: int) -> str:
    """The reply to /source ARTICLE:N for a passage number the article does not have."""
    first, last = escape(f"{article_id}:0"), escape(f"{article_id}:{max(count - 1, 0)}")
    template = _t()(NO_SUCH_PASSAGE_ONE if count == 1 else NO_SUCH_PASSAGE)
    return template.format(ordinal=ordinal, title=escape(title[:200]), count=count, first=first, last=last)


def unknown_id_html(key: str) -> str:
    """The reply to /source with an id the index does not have (the id shown, cut and escaped)."""
    return _t()(UNKNOWN_ID).format(id=escape(key[:200]) or "…")


async def _send_article(message: Message, article_id: str, context: ContextTypes.DEFAULT_TYPE) -> None:
    article = await _citebot(context).article(article_id)
    if article is None:
        await message.reply_text(_t()(ARTICLE_GONE))
        return
    edited = message.edit_date is not None and _from_user(message, context)
    replies: ReplyStore = context.bot_data["replies"]
    for n, part in enumerate(article_html_parts(article)):
        if edited and n == 0:  # an edited /source: the article again, as a new reply threaded to the edit
            sent = await message.reply_html(part, link_preview_options=NO_PREVIEW, do_quote=True)
            await replies.replace(message.chat.id, message.message_id, sent.message_id, "")
            continue
        sent = await message.chat.send_message(part, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW)
        if _from_user(message, context):
            await replies.add(message.chat.id, message.message_id, sent.message_id)


_PASSAGE_ID = re.compile(r"\S+:[0-9]+")


async def _list_sources(message: Message, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The sources of the answer this /source replies to, read from its code-formatted ids."""
    replied = message.reply_to_message
    ids = [replied.parse_entity(e) for e in replied.entities if e.type == MessageEntity.CODE]
    ids = [i for i in ids if _PASSAGE_ID.fullmatch(i)]
    if not ids:
        await respond(message, context, _t()(NO_CITATIONS))
        return
    citebot = _citebot(context)
    lines = [f"<b>{escape(_t()(SOURCES_OF_ANSWER))}</b>"]
    for n, pid in enumerate(dict.fromkeys(ids), 1):
        hit = await citebot.passage(pid)
        if hit is not None:
            details = ", ".join(d for d in (hit.source, hit.date, hit.url) if d)
            lines.append(f"[{n}] {escape(hit.title[:200])}{' — ' + escape(details[:300]) if details else ''} "
                         f"<code>{escape(hit.passage_id)}</code>")
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(str(n), callback_data=await _callback(context, "p", pid))
                                    for n, pid in enumerate(dict.fromkeys(ids), 1)]])
    await respond(message, context, "\n".join(lines)[:MESSAGE_LIMIT], markup)


FAILED = N_("Sorry, something went wrong on my side while answering. Please try again in a moment.")
EXPIRED = N_("This button has expired — please ask again.")
SEARCH_EXPIRED = N_("This search has expired — please send /search again.")


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Inline buttons: open a passage (p), a whole article (a), or another search page (s)."""
    query = update.callback_query
    request = parse_callback(query.data)
    if isinstance(request, PageButton):
        await _turn_page(query, request, context)
        return
    value = None
    if request is not None:
        value = await _store(context).get(request.value) if request.keyed else request.value
    if request is None or value is None or query.message is None:  # forged, from an old version, or expired
        await query.answer(_t()(EXPIRED), show_alert=True)
        return
    await query.answer()
    if request.kind == "p":
        await _send_source(query.message, value, context)
    else:
        await _send_article(query.message, value, context)


async def _turn_page(query: CallbackQuery, request: PageButton, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Replace a results message with another page; an expired search or a page past the end is an alert."""
    text = await _store(context).get(request.key)
    page = None
    if text is not None and query.message is not None:
        try:
            page = await _citebot(context).search(text, offset=request.offset, limit=PAGE_SIZE)
        except BadQuestion:  # the settings changed since the query was stored: treat it as expired
            page = None
    if page is None or not page.hits:  # an empty page only comes from a forged offset: keep the results
        await query.answer(_t()(SEARCH_EXPIRED), show_alert=True)
        return
    await query.answer()
    body, markup = await search_page(page, _store(context))
    await query.edit_message_text(body, parse_mode=ParseMode.HTML, reply_markup=markup,
                                  link_preview_options=NO_PREVIEW)


async def inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """@bot QUERY in any chat: up to ten excerpts to post, each with its citation."""
    query = update.inline_query
    text = query.query.strip()
    if not text:
        await query.answer([], cache_time=5)
        return
    try:
        page = await _citebot(context).search(text, limit=10)
    except BadQuestion:
        await query.answer([], cache_time=5)
        return
    results = []
    for n, (hit, excerpt) in enumerate(page.hits, 1):
        body = citation_html(Citation(1, hit, excerpt))
        if tg_len(body) > MESSAGE_LIMIT:
            continue
        results.append(InlineQueryResultArticle(
            id=str(n), title=hit.title[:200] or hit.passage_id, description=excerpt.text[:200],
            input_message_content=InputTextMessageContent(body, parse_mode=ParseMode.HTML,
                                                          link_preview_options=NO_PREVIEW)))
    await query.answer(results, cache_time=60)


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/foo: the commands it has; a near miss like /serch gets "did you mean /search?" (in groups only /foo@bot)."""
    message = update.effective_message
    command = _command(message)
    if command is None:
        return
    name, target = command
    mine = target.lower() == (context.bot.username or "").lower()
    if (target and not mine) or (_in_group(message) and not mine):  # another bot's, or a bare one in a group
        return
    names = list(COMMAND_NAMES) + (list(ADMIN_COMMANDS) if _is_admin(update, context) else [])
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    shown = escape("/" + name[:64])
    if not close:
        await respond(message, context, _t()(UNKNOWN_COMMAND).format(command=shown))
        return
    args = message.text.split(maxsplit=1)[1].strip() if len(message.text.split(maxsplit=1)) > 1 else ""
    template = _t()(DID_YOU_MEAN_ARGS if args else DID_YOU_MEAN)
    await respond(message, context, template.format(command=shown, suggestion=close[0], args=escape(args[:300])))


async def media_hint(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A sticker, voice message or other message without text: a one-line hint (in groups only as a reply to it)."""
    message = update.effective_message
    if _in_group(message) and addressed_question(message, context.bot.username or "", context.bot.id) is None:
        return
    await respond(message, context, escape(_t()(MEDIA_HINT)))


def _is_member(member: ChatMember) -> bool:
    return member.status in (ChatMember.OWNER, ChatMember.ADMINISTRATOR, ChatMember.MEMBER) or (
        member.status == ChatMember.RESTRICTED and bool(getattr(member, "is_member", False)))


async def added_to_group(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Added to a group (my_chat_member): greet once, saying how to address the bot there."""
    change = update.my_chat_member
    if change.chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
        return
    if _is_member(change.old_chat_member) or not _is_member(change.new_chat_member):  # e.g. promoted: no news
        return
    await context.bot.send_message(change.chat.id, _t()(GREETING).format(username=escape(context.bot.username or "")),
                                   parse_mode=ParseMode.HTML)


async def restrict(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Allowlist: chats not in ALLOWED_CHAT_IDS get one polite refusal, then silence.

    Runs first for every update, so it also notes the user's language for the fixed texts (LANGUAGE)."""
    LANGUAGE.set(update.effective_user.language_code if update.effective_user is not None else None)
    allowed = _citebot(context).settings.allowed_chat_ids
    chat = update.effective_chat
    if not allowed or (chat is not None and chat.id in allowed):
        return
    if update.inline_query is not None:
        user = update.inline_query.from_user
        if user.id not in allowed:
            await update.inline_query.answer([], cache_time=300)
            raise ApplicationHandlerStop
        return
    refused: set[int] = context.bot_data.setdefault("refused", set())
    # In a group, only a message addressed to the bot is refused: other chatter there is none of its business.
    if (chat is not None and chat.id not in refused and update.effective_message is not None
            and update.callback_query is None and addressed(update.effective_message, context)):
        refused.add(chat.id)
        await update.effective_message.reply_text(_t()(PRIVATE_BOT))
    if update.callback_query is not None:
        await update.callback_query.answer()
    raise ApplicationHandlerStop


async def reindex_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/reindex (admins): re-index ARTICLES_DIR while the bot keeps answering."""
    message = update.effective_message
    if not _is_admin(update, context):
        await message.reply_text("Sorry, you are not allowed to do that.")
        return
    try:
        async with one_reindex(context.bot_data.get("shared")):
            await message.reply_text("Re-indexing the articles; I keep answering meanwhile…")
            summary = await _citebot(context).reindex()
            await announce(context.bot_data.get("shared"), _citebot(context))
    except Busy:
        await message.reply_text("Another replica is re-indexing right now; try again when it is done.")
        return
    context.bot_data.pop("examples", None)
    problems = f"\nSkipped: {escape('; '.join(summary.errors)[:1000])}" if summary.errors else ""
    await message.reply_html(f"Done: {escape(str(summary))}.{problems}")


async def stats_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/stats (admins): index size and questions served since start."""
    message = update.effective_message
    if not _is_admin(update, context):
        await message.reply_text("Sorry, you are not allowed to do that.")
        return
    citebot = _citebot(context)
    info = await citebot.info()
    stats = await context.bot_data["stats"].summary()
    size = citebot.settings.index_path.stat().st_size / 1e6 if citebot.settings.index_path.exists() else 0.0
    rate = stats.answered / stats.questions if stats.questions else 0.0
    shared = " (all replicas)" if context.bot_data.get("shared") is not None and context.bot_data["shared"].up else ""
    await respond(
        message, context,
        f"<b>Index</b>: {info.articles} articles, {info.passages} passages, {info.vocabulary} terms, "
        f"{size:.1f} MB, indexed {escape(info.indexed_at or 'never')}\n"
        f"<b>Since start</b>{shared}: {stats.questions} questions, {rate:.0%} answered, "
        f"latency p50 {stats.p50_ms:.1f} ms, p99 {stats.p99_ms:.1f} ms")


def _is_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    user = update.effective_user
    return user is not None and user.id in _citebot(context).settings.admin_user_ids


async def error_handler(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure without secrets, tell the user without details, and never leave a button spinning."""
    # Formatted here rather than passed as exc_info: an exception may quote a request URL, which holds the
    # token, and this line must be clean whatever handlers the root logger has.
    log.error("Update failed: %s", describe_exception(context.error, [context.bot.token]))
    if not isinstance(update, Update):
        return
    if update.callback_query is not None:
        try:
            await update.callback_query.answer(_t()(FAILED), show_alert=True)
            return
        except TelegramError:  # answered already, before the failure: say it in the chat instead
            pass
    if update.effective_message is not None:
        try:
            await update.effective_message.reply_text(_t()(FAILED))
        except Exception:  # the chat may be gone or Telegram down: logging it above is all we can do
            log.warning("Could not tell the user about the failure")
