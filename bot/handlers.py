"""Telegram handlers: each a small `async def x(update, context) -> None`.

The wiring (which handler for which update) is in bot/telegram.py.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass

from telegram import (CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, InlineQueryResultArticle,
                      InputTextMessageContent, LinkPreviewOptions, Message, MessageEntity, Update)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.answer import Answer, Citation
from bot.logs import describe_exception
from bot.questions import BadQuestion
from bot.render import (MESSAGE_LIMIT, answer_html, article_html_parts, citation_html, escape, hit_snippet,
                        passage_html, tg_len)
from bot.service import Citebot, SearchPage
from bot.smalltalk import small_talk
from bot.state import ExpiringStore, Stats

log = logging.getLogger(__name__)

PAGE_SIZE = 5
CALLBACK_LIMIT = 64  # bytes, Telegram's limit on callback data
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)

HELP = """<b>I answer questions by quoting the articles I know</b> — every answer is one to three sentences \
copied from an article, with a numbered citation. No guessing: if the articles don't say, I say so.

I know {articles} articles ({passages} passages), last indexed {indexed}.

<b>How to ask</b>
• Just send a question in this chat.
• /search <i>words</i> — a ranked list of matching articles.
• /source <i>id</i> — the full passage behind a citation (or reply /source to one of my answers).
• In groups, mention me (@{username}) or reply to my message.
• In any chat, type @{username} and a question to share an excerpt.

<b>Try</b>
{examples}"""


def _citebot(context: ContextTypes.DEFAULT_TYPE) -> Citebot:
    return context.bot_data["citebot"]


def _store(context: ContextTypes.DEFAULT_TYPE) -> ExpiringStore:
    return context.bot_data["keys"]


def _callback(context: ContextTypes.DEFAULT_TYPE, kind: str, value: str) -> str:
    """Callback data for a button that opens a passage (p) or an article (a)."""
    return open_data(kind, value, _store(context))


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


def open_data(kind: str, value: str, store: ExpiringStore) -> str:
    """Callback data to open value: the value itself if it fits in Telegram's 64 bytes, else a short key."""
    data = f"{kind}:{value}"
    if len(data.encode()) <= CALLBACK_LIMIT:
        return data
    return f"k{kind}:{store.put(value)}"


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


def source_buttons(context: ContextTypes.DEFAULT_TYPE, citations: list[Citation]) -> InlineKeyboardMarkup | None:
    """One button per citation that opens its passage."""
    if not citations:
        return None
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(f"📄 [{c.n}] source", callback_data=_callback(context, "p", c.passage_id))
        for c in citations]])


async def _examples(context: ContextTypes.DEFAULT_TYPE) -> list[str]:
    if "examples" not in context.bot_data:
        context.bot_data["examples"] = await _citebot(context).example_questions()
    return context.bot_data["examples"]


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start and /help: what the bot knows and how to ask."""
    info = await _citebot(context).info()
    examples = "\n".join(f"• {escape(q)}" for q in await _examples(context))
    text = HELP.format(articles=info.articles, passages=info.passages, indexed=escape(info.indexed_at or "never"),
                       username=escape(context.bot.username or "bot"), examples=examples)
    await update.effective_message.reply_html(text, link_preview_options=NO_PREVIEW)


async def answer_question(message: Message, question: str, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Search, then reply with cited excerpts (or a polite no-answer)."""
    reply = small_talk(question, (await _examples(context))[0])
    if reply is not None:
        await message.reply_text(reply, do_quote=_in_group(message))
        return
    if not _within_rate(message, context):
        return
    await message.chat.send_action(ChatAction.TYPING)
    try:
        answer = await _citebot(context).ask(question)
    except BadQuestion as problem:
        await message.reply_text(str(problem), do_quote=_in_group(message))
        return
    started = time.perf_counter()
    text, buttons = answer_html(answer), source_buttons(context, answer.citations)
    # The bot's own work: searching and composing (timed by the service) plus rendering.
    # Not counted: waiting for Telegram, whose flood limits may hold the reply back.
    _log_answer(message, question, answer, answer.elapsed_ms + (time.perf_counter() - started) * 1000, context)
    await message.reply_html(text, reply_markup=buttons, link_preview_options=NO_PREVIEW, do_quote=_in_group(message))


def _in_group(message: Message) -> bool:
    return message.chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)


def _within_rate(message: Message, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Per-user question limit; the first refused question in a burst gets one polite line."""
    user = message.from_user
    if user is None:
        return True
    allowed, tell = context.bot_data["rate"].check(user.id)
    if tell:
        context.application.create_task(message.reply_text(
            "You're asking faster than I can keep up with — please wait a minute and ask again.",
            do_quote=_in_group(message)))
    return allowed


def _log_answer(message: Message, question: str, answer: Answer, latency: float,
                context: ContextTypes.DEFAULT_TYPE) -> None:
    """One structured line per answered question; the text itself only with LOG_QUESTIONS."""
    stats: Stats = context.bot_data["stats"]
    stats.record(answer.answered, latency)
    extra = {"question": question} if _citebot(context).settings.log_questions else {}
    log.info("answered chat_type=%s latency_ms=%.1f hits=%d answered=%s%s", message.chat.type, latency,
             len(answer.citations), answer.answered, f" question={question!r}" if extra else "")


async def private_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Private chat: any text is a question."""
    await answer_question(update.effective_message, update.effective_message.text, context)


def addressed_question(message: Message, username: str, bot_id: int) -> str | None:
    """The question in a group message addressed to the bot (mention or reply), else None."""
    text = message.text or ""
    mention = re.compile(rf"@{re.escape(username)}(?!\w)", re.I)  # not @{username}2, another bot
    replied = (message.reply_to_message is not None and message.reply_to_message.from_user is not None
               and message.reply_to_message.from_user.id == bot_id)
    if not (mention.search(text) or replied):
        return None
    return mention.sub(" ", text).strip()


async def group_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Groups: answer only when mentioned or replied to; ignore everything else."""
    message = update.effective_message
    question = addressed_question(message, context.bot.username, context.bot.id)
    if question is None:
        return
    if not re.search(r"\w", question):
        await message.reply_text(
            f"Yes? Ask me a question after the mention, e.g. @{context.bot.username} "
            f"{(await _examples(context))[0]}", do_quote=True)
        return
    await answer_question(message, question, context)


async def search_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/search QUERY: ranked articles, five per page, with paging buttons."""
    message = update.effective_message
    query = command_argument(context.args)
    if not query:
        await message.reply_html("Usage: <code>/search words</code> — for example <code>/search Melitopol mayor</code>. "
                                 "I list matching articles, best first, five per page.", do_quote=_in_group(message))
        return
    if not _within_rate(message, context):
        return
    await message.chat.send_action(ChatAction.TYPING)
    try:
        page = await _citebot(context).search(query, limit=PAGE_SIZE)
    except BadQuestion as problem:
        await message.reply_text(str(problem), do_quote=_in_group(message))
        return
    text, markup = search_page(page, _store(context))
    await message.reply_html(text, reply_markup=markup, link_preview_options=NO_PREVIEW, do_quote=_in_group(message))


def search_page(page: SearchPage, store: ExpiringStore) -> tuple[str, InlineKeyboardMarkup | None]:
    """One page of results and its buttons (open a source; ◀ ▶ to page)."""
    if not page.hits:
        return f"No article matches “{escape(page.query)}”. Try other or fewer words.", None
    lines = [f"🔎 <b>{escape(page.query)}</b> — results {page.offset + 1}–{page.offset + len(page.hits)}"]
    for i, (hit, excerpt) in enumerate(page.hits, page.offset + 1):
        lines.append(f"\n{i}. <b>{escape(hit.title[:200])}</b>\n{hit_snippet(hit, excerpt)}\n"
                     f"<code>{escape(hit.passage_id)}</code>")
    query_key = store.put(page.query)
    opens = [InlineKeyboardButton(str(i), callback_data=open_data("p", hit.passage_id, store))
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
        await message.reply_html("Usage: <code>/source ID</code> with an id from a citation, e.g. "
                                 "<code>001_cf312ec7e8225a0a:2</code>, or reply /source to one of my answers.",
                                 do_quote=_in_group(message))
        return
    await _send_source(message, key, context)


async def _send_source(message: Message, key: str, context: ContextTypes.DEFAULT_TYPE) -> None:
    citebot = _citebot(context)
    hit = await citebot.passage(key)
    if hit is not None:
        button = InlineKeyboardMarkup([[InlineKeyboardButton(
            "📖 Read the whole article", callback_data=_callback(context, "a", hit.article_id))]])
        await message.reply_html(passage_html(hit), reply_markup=button, link_preview_options=NO_PREVIEW,
                                 do_quote=_in_group(message))
        return
    article = await citebot.article(key)
    if article is None:
        await message.reply_html(unknown_id_html(key), do_quote=_in_group(message))
        return
    await _send_article(message, article.id, context)


def unknown_id_html(key: str) -> str:
    """The reply to /source with an id the index does not have (the id shown, cut and escaped)."""
    return (f"I have no passage or article with the id <code>{escape(key[:200]) or '…'}</code>. "
            "Ids look like <code>001_cf312ec7e8225a0a:2</code>; they are shown under each excerpt.")


async def _send_article(message: Message, article_id: str, context: ContextTypes.DEFAULT_TYPE) -> None:
    article = await _citebot(context).article(article_id)
    if article is None:
        await message.reply_text("That article is no longer in the index.")
        return
    for part in article_html_parts(article):
        await message.chat.send_message(part, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW)


_PASSAGE_ID = re.compile(r"\S+:[0-9]+")


async def _list_sources(message: Message, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The sources of the answer this /source replies to, read from its code-formatted ids."""
    replied = message.reply_to_message
    ids = [replied.parse_entity(e) for e in replied.entities if e.type == MessageEntity.CODE]
    ids = [i for i in ids if _PASSAGE_ID.fullmatch(i)]
    if not ids:
        await message.reply_text("That message has no citations. Reply /source to one of my answers.",
                                 do_quote=_in_group(message))
        return
    citebot = _citebot(context)
    lines = ["<b>Sources of that answer</b>"]
    for n, pid in enumerate(dict.fromkeys(ids), 1):
        hit = await citebot.passage(pid)
        if hit is not None:
            details = ", ".join(d for d in (hit.source, hit.date, hit.url) if d)
            lines.append(f"[{n}] {escape(hit.title[:200])}{' — ' + escape(details[:300]) if details else ''} "
                         f"<code>{escape(hit.passage_id)}</code>")
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(str(n), callback_data=_callback(context, "p", pid))
                                    for n, pid in enumerate(dict.fromkeys(ids), 1)]])
    await message.reply_html("\n".join(lines)[:MESSAGE_LIMIT], reply_markup=markup,
                             link_preview_options=NO_PREVIEW, do_quote=_in_group(message))


FAILED = "Sorry, something went wrong on my side while answering. Please try again in a moment."
EXPIRED = "This button has expired — please ask again."
SEARCH_EXPIRED = "This search has expired — please send /search again."


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Inline buttons: open a passage (p), a whole article (a), or another search page (s)."""
    query = update.callback_query
    request = parse_callback(query.data)
    if isinstance(request, PageButton):
        await _turn_page(query, request, context)
        return
    value = None
    if request is not None:
        value = _store(context).get(request.value) if request.keyed else request.value
    if request is None or value is None or query.message is None:  # forged, from an old version, or expired
        await query.answer(EXPIRED, show_alert=True)
        return
    await query.answer()
    if request.kind == "p":
        await _send_source(query.message, value, context)
    else:
        await _send_article(query.message, value, context)


async def _turn_page(query: CallbackQuery, request: PageButton, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Replace a results message with another page; an expired search or a page past the end is an alert."""
    text = _store(context).get(request.key)
    page = None
    if text is not None and query.message is not None:
        try:
            page = await _citebot(context).search(text, offset=request.offset, limit=PAGE_SIZE)
        except BadQuestion:  # the settings changed since the query was stored: treat it as expired
            page = None
    if page is None or not page.hits:  # an empty page only comes from a forged offset: keep the results
        await query.answer(SEARCH_EXPIRED, show_alert=True)
        return
    await query.answer()
    body, markup = search_page(page, _store(context))
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


async def restrict(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Allowlist: chats not in ALLOWED_CHAT_IDS get one polite refusal, then silence."""
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
    if chat is not None and chat.id not in refused and update.effective_message is not None:
        refused.add(chat.id)
        await update.effective_message.reply_text("Sorry, this bot is private and not available in this chat.")
    if update.callback_query is not None:
        await update.callback_query.answer()
    raise ApplicationHandlerStop


async def reindex_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/reindex (admins): re-index ARTICLES_DIR while the bot keeps answering."""
    message = update.effective_message
    if not _is_admin(update, context):
        await message.reply_text("Sorry, you are not allowed to do that.")
        return
    await message.reply_text("Re-indexing the articles; I keep answering meanwhile…")
    summary = await _citebot(context).reindex()
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
    stats: Stats = context.bot_data["stats"]
    size = citebot.settings.index_path.stat().st_size / 1e6 if citebot.settings.index_path.exists() else 0.0
    rate = stats.answered / stats.questions if stats.questions else 0.0
    await message.reply_html(
        f"<b>Index</b>: {info.articles} articles, {info.passages} passages, {info.vocabulary} terms, "
        f"{size:.1f} MB, indexed {escape(info.indexed_at or 'never')}\n"
        f"<b>Since start</b>: {stats.questions} questions, {rate:.0%} answered, "
        f"latency p50 {stats.percentile(50):.1f} ms, p99 {stats.percentile(99):.1f} ms")


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
            await update.callback_query.answer(FAILED, show_alert=True)
            return
        except TelegramError:  # answered already, before the failure: say it in the chat instead
            pass
    if update.effective_message is not None:
        try:
            await update.effective_message.reply_text(FAILED)
        except Exception:  # the chat may be gone or Telegram down: logging it above is all we can do
            log.warning("Could not tell the user about the failure")
