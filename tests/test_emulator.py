"""Tests for the Bot API emulator, driven by the real python-telegram-bot.

They pin down both halves of the emulator's contract: (1) PTB works against it exactly as against
api.telegram.org (long polling, offsets, replies, error mapping), and (2) it rejects what the
real server rejects (bad HTML, over-long text, oversized callback data, too many results...).
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
import time

import httpx
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    LinkPreviewOptions,
    ReplyParameters,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, RetryAfter
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from tests.emulator import (
    BotApiEmulator,
    EmulatorThread,
    ParseError,
    client_entities,
    parse_html,
    utf16_len,
)

TOKEN = "123456:TEST-TOKEN"


@pytest.fixture
async def emu():
    async with BotApiEmulator(token=TOKEN, bot_username="citebot_test_bot") as emulator:
        yield emulator


@pytest.fixture
async def bot(emu):
    async with Bot(TOKEN, base_url=emu.base_url, base_file_url=emu.base_file_url) as b:
        yield b


def keyboard(*datas: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(f"b{i}", callback_data=d)]
                                 for i, d in enumerate(datas)])


def article(i: int | str, text: str = "x", parse_mode: str | None = None):
    return InlineQueryResultArticle(
        id=str(i),
        title=f"t{i}",
        input_message_content=InputTextMessageContent(text, parse_mode=parse_mode),
    )


async def expect_bad_request(coro, fragment: str) -> BadRequest:
    """PTB re-capitalises descriptions, hence the case-insensitive comparison."""
    with pytest.raises(BadRequest) as info:
        await coro
    assert fragment.lower() in str(info.value).lower(), str(info.value)
    return info.value


# ------------------------------------------------------------------------------------------------
# parse_html (pure)
# ------------------------------------------------------------------------------------------------

E = dict  # brevity in the tables below

VALID_HTML = [
    ("plain text", "plain text", []),
    ("<b>x</b>", "x", [E(type="bold", offset=0, length=1)]),
    ("<strong>x</strong>", "x", [E(type="bold", offset=0, length=1)]),
    ("<i>x</i>", "x", [E(type="italic", offset=0, length=1)]),
    ("<em>x</em>", "x", [E(type="italic", offset=0, length=1)]),
    ("<u>x</u>", "x", [E(type="underline", offset=0, length=1)]),
    ("<ins>x</ins>", "x", [E(type="underline", offset=0, length=1)]),
    ("<s>x</s>", "x", [E(type="strikethrough", offset=0, length=1)]),
    ("<strike>x</strike>", "x", [E(type="strikethrough", offset=0, length=1)]),
    ("<del>x</del>", "x", [E(type="strikethrough", offset=0, length=1)]),
    ("<tg-spoiler>x</tg-spoiler>", "x", [E(type="spoiler", offset=0, length=1)]),
    ('<span class="tg-spoiler">x</span>', "x", [E(type="spoiler", offset=0, length=1)]),
    ("<B>x</B>", "x", [E(type="bold", offset=0, length=1)]),
    ("<b >x</b >", "x", [E(type="bold", offset=0, length=1)]),
    ("<b>x</>", "x", [E(type="bold", offset=0, length=1)]),
    ('<b class="ignored">x</b>', "x", [E(type="bold", offset=0, length=1)]),
    (
        '<a href="https://example.com/?a=1&amp;b=2">link</a>',
        "link",
        [E(type="text_link", offset=0, length=4, url="https://example.com/?a=1&b=2")],
    ),
    ("<a href='http://x.org'>x</a>", "x", [E(type="text_link", offset=0, length=1,
                                            url="http://x.org")]),
    ("<a href=example.com>x</a>", "x", [E(type="text_link", offset=0, length=1,
                                          url="http://example.com")]),
    ('<a href="tg://user?id=1">x</a>', "x", [E(type="text_link", offset=0, length=1,
                                               url="tg://user?id=1")]),
    ("<code>x</code>", "x", [E(type="code", offset=0, length=1)]),
    ("<pre>x</pre>", "x", [E(type="pre", offset=0, length=1)]),
    ("<pre><code>x</code></pre>", "x", [E(type="pre", offset=0, length=1)]),
    (
        '<pre><code class="language-python">print(1)</code></pre>',
        "print(1)",
        [E(type="pre", offset=0, length=8, language="python")],
    ),
    ("<blockquote>q</blockquote>", "q", [E(type="blockquote", offset=0, length=1)]),
    ("<blockquote expandable>q</blockquote>", "q",
     [E(type="expandable_blockquote", offset=0, length=1)]),
    (
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>',
        "👍",
        [E(type="custom_emoji", offset=0, length=2, custom_emoji_id="5368324170671202286")],
    ),
    (
        "<b>bold <i>both</i></b> <u>u</u>",
        "bold both u",
        [E(type="bold", offset=0, length=9), E(type="italic", offset=5, length=4),
         E(type="underline", offset=10, length=1)],
    ),
    ("&lt;&gt;&amp;&quot;", '<>&"', []),
    ("&#65;&#x42;&#X43;&#128512;", "ABC😀", []),
    ("a > b", "a > b", []),
    ("😀<b>x</b>", "😀x", [E(type="bold", offset=2, length=1)]),
    ("<b></b>x", "x", []),
    ("line1\n<i>line2</i>", "line1\nline2", [E(type="italic", offset=6, length=5)]),
]


@pytest.mark.parametrize(("html", "plain", "entities"), VALID_HTML)
def test_parse_html_valid(html, plain, entities):
    got_plain, got_entities = parse_html(html)
    assert got_plain == plain
    assert got_entities == entities


INVALID_HTML = [
    ("<foo>x</foo>", 'Unsupported start tag "foo" at byte offset 0'),
    ("<br>", 'Unsupported start tag "br"'),
    ("<b/>", 'Unsupported start tag "b/"'),
    ("a < b", 'Unsupported start tag "" at byte offset 2'),
    ("é<foo>", "byte offset 2"),  # offsets are UTF-8 byte offsets
    ("x <", "Unclosed start tag at byte offset 2"),
    ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
    ("<b><i>x</i>", 'Can\'t find end tag corresponding to start tag "b"'),
    ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
    ("<b><i>x</b></i>", "Unmatched end tag at byte offset 7"),
    ("x</b>", "Unexpected end tag at byte offset 1"),
    ("<b>x</b", "Unclosed end tag at byte offset 4"),
    ("AT&T", 'Character "&" at byte offset 2 must be escaped'),
    ("a &amp b", 'Character "&"'),
    ("&nbsp;", 'Unsupported HTML entity "&nbsp;"'),
    ("&#xD800;", "Invalid character reference"),
    ("&#0;", "Invalid character reference"),
    ('<a href="x?a=1&b=2">x</a>', 'Character "&"'),
    ("<span>x</span>", 'Tag "span" must have class "tg-spoiler"'),
    ('<span class="other">x</span>', 'Tag "span" must have class "tg-spoiler"'),
    ("<a>x</a>", 'Tag "a" must have non-empty attribute "href"'),
    ('<a href="">x</a>', 'Tag "a" must have non-empty attribute "href"'),
    ("<tg-emoji>x</tg-emoji>", "Invalid custom emoji identifier"),
    ("<b class>x</b>", 'Expected equal sign in declaration of an attribute of the tag "b"'),
    ("<b =x>y</b>", 'Empty attribute name in the tag "b"'),
    ('<a href="x>y</a>', 'Unclosed start tag "a"'),
    ("<a href=http://x>y</a>", "Unexpected end of name token"),
    ("<b", "Unclosed start tag"),
]


@pytest.mark.parametrize(("html", "message"), INVALID_HTML)
def test_parse_html_invalid(html, message):
    with pytest.raises(ParseError) as info:
        parse_html(html)
    assert message in str(info.value)


def test_utf16_len_and_client_entities():
    assert utf16_len("a😀é") == 4
    assert client_entities("/start@citebot_test_bot hi @someone") == [
        {"type": "bot_command", "offset": 0, "length": 23},
        {"type": "mention", "offset": 27, "length": 8},
    ]
    assert client_entities("😀 @someone") == [{"type": "mention", "offset": 3, "length": 8}]
    assert client_entities("a/b and mail@example.org") == []


# ------------------------------------------------------------------------------------------------
# Single requests through telegram.Bot
# ------------------------------------------------------------------------------------------------


async def test_get_me_and_unknown_token(emu, bot):
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.first_name, me.username) == (123456, True, "Citebot",
                                                               "citebot_test_bot")
    assert me.can_join_groups and me.supports_inline_queries
    assert me.can_read_all_group_messages is False
    with pytest.raises(InvalidToken):
        async with Bot("999:WRONG", base_url=emu.base_url) as other:
            await other.get_me()
    assert emu.errors[-1].error_code == 401


async def test_raw_http_shapes_and_body_encodings(emu):
    url = f"{emu.base_url}{TOKEN}"
    async with httpx.AsyncClient() as client:  # one keep-alive connection for all requests
        r = await client.post(f"{url}/sendPhoto", data={"chat_id": "1"})
        assert r.status_code == 404
        assert r.json() == {"ok": False, "error_code": 404,
                            "description": "Not Found: method not found"}

        r = await client.get(f"{url}/getMe")  # GET + method names are case-insensitive
        assert r.json()["result"]["username"] == "citebot_test_bot"
        r = await client.get(f"{url}/getme")
        assert r.json()["ok"] is True

        # form-encoded: string-typed params are not JSON-decoded ("123" stays a string)
        r = await client.post(f"{url}/sendMessage", data={"chat_id": "5", "text": "123"})
        assert r.json()["result"]["text"] == "123"
        assert emu.calls[-1].params == {"chat_id": 5, "text": "123"}

        # multipart with a file part
        r = await client.post(
            f"{url}/sendMessage",
            data={"chat_id": "5", "text": "multi", "reply_markup": json.dumps(
                {"inline_keyboard": [[{"text": "k", "callback_data": "d"}]]})},
            files={"document": ("a.txt", b"abc", "text/plain")},
        )
        assert r.json()["result"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "d"
        assert emu.calls[-1].files["document"]["size"] == 3

        # JSON body (JSON-typed params may themselves be JSON strings), sent chunked
        async def chunks():
            yield json.dumps({"chat_id": 5, "text": "json", "entities": json.dumps(
                [{"type": "bold", "offset": 0, "length": 4}])}).encode()

        r = await client.post(f"{url}/sendMessage", content=chunks(),
                              headers={"Content-Type": "application/json"})
        assert r.json()["result"]["entities"] == [{"type": "bold", "offset": 0, "length": 4}]

        r = await client.post(f"{url}/sendMessage", data={"chat_id": "5", "text": "x"},
                              headers={"Connection": "close"})
        assert r.json()["ok"] is True


async def test_send_message_html_reply_markup_and_lazy_chats(emu, bot):
    user = emu.user(id=111, first_name="Ann", username="ann")
    chat = emu.private_chat(user)
    m = await bot.send_message(chat.id, "  <b>Hi</b> &amp; <i>bye</i>  ", parse_mode=ParseMode.HTML,
                               reply_markup=keyboard("d1"))
    assert m.text == "Hi & bye"  # tags removed, entities decoded, trimmed
    assert [(e.type, e.offset, e.length) for e in m.entities] == [("bold", 0, 2),
                                                                  ("italic", 5, 3)]
    assert m.reply_markup.inline_keyboard[0][0].callback_data == "d1"
    assert m.from_user.username == "citebot_test_bot" and m.chat.username == "ann"
    m2 = await bot.send_message(chat.id, "second")
    assert m2.message_id == m.message_id + 1

    assert (await bot.send_message(-1001234, "x")).chat.type == "supergroup"
    assert (await bot.send_message(-555, "x")).chat.type == "group"
    assert (await bot.send_message(777, "x")).chat.type == "private"
    group = emu.group_chat(title="G", username="gchan")
    assert (await bot.send_message("@gchan", "x")).chat.title == "G"
    await expect_bad_request(bot.send_message("@nobody", "x"), "chat not found")

    await bot.send_message(chat.id, "https://example.com",
                           link_preview_options=LinkPreviewOptions(is_disabled=True))
    assert emu.calls[-1].params["link_preview_options"] == {"is_disabled": True}
    assert [s["text"] for s in emu.sent_messages(chat)] == ["Hi & bye", "second",
                                                           "https://example.com"]
    assert emu.sent_messages(group)[0]["chat"]["type"] == "supergroup"
    assert [c.error for c in emu.errors] == ["Bad Request: chat not found"]


async def test_replies(emu, bot):
    user = emu.user(first_name="Bob")
    chat = emu.private_chat(user)
    upd = emu.send_text(chat, user, "question?")
    mid = upd["message"]["message_id"]
    m = await bot.send_message(chat.id, "answer", reply_parameters=ReplyParameters(mid))
    assert m.reply_to_message.text == "question?"
    assert m.reply_to_message.from_user.id == user.id
    m = await bot.send_message(chat.id, "old style", reply_to_message_id=mid)
    assert m.reply_to_message.message_id == mid
    await expect_bad_request(
        bot.send_message(chat.id, "x", reply_parameters=ReplyParameters(9999)),
        "message to be replied not found",
    )
    m = await bot.send_message(chat.id, "x", reply_parameters=ReplyParameters(
        9999, allow_sending_without_reply=True))
    assert m.reply_to_message is None


async def test_text_validation_and_utf16_limit(emu, bot):
    chat_id = 42
    await bot.send_message(chat_id, "a" * 4096)
    await expect_bad_request(bot.send_message(chat_id, "a" * 4097), "message is too long")
    # 2048 emoji = 4096 UTF-16 code units: OK; one more is too long although len() is 2049
    await bot.send_message(chat_id, "😀" * 2048)
    await expect_bad_request(bot.send_message(chat_id, "😀" * 2049), "message is too long")
    # the limit applies to the visible text after entity parsing
    await bot.send_message(chat_id, "<b>" + "a" * 4096 + "</b>", parse_mode="HTML")
    await bot.send_message(chat_id, "&amp;" * 4096, parse_mode="HTML")
    await expect_bad_request(bot.send_message(chat_id, "&amp;" * 4097, parse_mode="HTML"),
                             "message is too long")
    await expect_bad_request(bot.send_message(chat_id, " \n "), "message text is empty")
    await expect_bad_request(bot.send_message(chat_id, "<b></b>", parse_mode="HTML"),
                             "message text is empty")
    await expect_bad_request(bot.send_message(chat_id, "1 < 2", parse_mode="HTML"),
                             "can't parse entities: unsupported start tag")
    await expect_bad_request(bot.send_message(chat_id, "<b>x", parse_mode="HTML"),
                             "can't find end tag corresponding to start tag")
    await expect_bad_request(bot.send_message(chat_id, "x", parse_mode="Foo"),
                             "unsupported parse_mode")
    assert len(emu.errors) == 8
    assert all(c.error.startswith("Bad Request: ") for c in emu.errors)


async def test_keyboard_validation(emu, bot):
    await bot.send_message(1, "ok", reply_markup=keyboard("x" * 64))
    err = await expect_bad_request(bot.send_message(1, "x", reply_markup=keyboard("x" * 65)),
                                   "BUTTON_DATA_INVALID")
    assert emu.errors[-1].error == "Bad Request: BUTTON_DATA_INVALID"
    assert err is not None
    # the limit is in UTF-8 bytes: 33 "é" are 66 bytes
    await expect_bad_request(bot.send_message(1, "x", reply_markup=keyboard("é" * 33)),
                             "BUTTON_DATA_INVALID")
    empty_text = InlineKeyboardMarkup([[InlineKeyboardButton("", callback_data="a")]])
    await expect_bad_request(bot.send_message(1, "x", reply_markup=empty_text), "non-empty")
    bad_url = InlineKeyboardMarkup([[InlineKeyboardButton("u", url="ftp://example.com")]])
    await expect_bad_request(bot.send_message(1, "x", reply_markup=bad_url), "is invalid")
    good_url = InlineKeyboardMarkup([[InlineKeyboardButton("u", url="https://example.com")]])
    await bot.send_message(1, "x", reply_markup=good_url)


async def test_edit_and_delete(emu, bot):
    user = emu.user()
    chat = emu.private_chat(user)
    m = await bot.send_message(chat.id, "<b>v1</b>", parse_mode="HTML", reply_markup=keyboard("a"))
    await expect_bad_request(
        bot.edit_message_text("<b>v1</b>", chat.id, m.message_id, parse_mode="HTML",
                              reply_markup=keyboard("a")),
        "message is not modified",
    )
    # same text but different markup (here: keyboard removed) is a modification
    edited = await bot.edit_message_text("<b>v1</b>", chat.id, m.message_id, parse_mode="HTML")
    assert edited.reply_markup is None and edited.edit_date is not None
    edited = await bot.edit_message_text("v2", chat.id, m.message_id, reply_markup=keyboard("b"))
    assert emu.sent_messages(chat)[0]["text"] == "v2"
    assert "entities" not in emu.sent_messages(chat)[0]
    edited = await bot.edit_message_reply_markup(chat.id, m.message_id,
                                                 reply_markup=keyboard("c"))
    assert edited.reply_markup.inline_keyboard[0][0].callback_data == "c"
    await expect_bad_request(bot.edit_message_text("x", chat.id, 999), "message to edit not found")
    user_msg = emu.send_text(chat, user, "mine")["message"]
    await expect_bad_request(bot.edit_message_text("x", chat.id, user_msg["message_id"]),
                             "message can't be edited")

    assert await bot.delete_message(chat.id, m.message_id) is True
    assert emu.sent_messages(chat) == []
    await expect_bad_request(bot.delete_message(chat.id, m.message_id),
                             "message to delete not found")


async def test_chat_action_commands_webhook_close(emu, bot):
    assert await bot.send_chat_action(5, "typing") is True
    await expect_bad_request(bot.send_chat_action(5, "dancing"), "wrong parameter action")

    commands = [BotCommand("start", "Start the bot"), BotCommand("ask_2", "Ask a question")]
    assert await bot.set_my_commands(commands) is True
    assert await bot.get_my_commands() == tuple(commands)
    scope = BotCommandScopeChat(5)
    await bot.set_my_commands([BotCommand("help", "h")], scope=scope, language_code="de")
    assert await bot.get_my_commands(scope=scope, language_code="de") == (BotCommand("help", "h"),)
    assert await bot.get_my_commands(scope=scope) == ()
    await expect_bad_request(bot.set_my_commands([BotCommand("Start", "x")]),
                             "BOT_COMMAND_INVALID")
    await expect_bad_request(bot.set_my_commands([BotCommand("a" * 33, "x")]),
                             "BOT_COMMAND_INVALID")
    await expect_bad_request(bot.set_my_commands([BotCommand("ok", "")]),
                             "BOT_COMMAND_DESCRIPTION_INVALID")
    await expect_bad_request(bot.set_my_commands([BotCommand("ok", "d" * 257)]),
                             "BOT_COMMAND_DESCRIPTION_INVALID")

    await expect_bad_request(bot.set_webhook("http://insecure.example"), "HTTPS URL")
    assert await bot.set_webhook("https://example.com/hook", secret_token="s3cret")
    info = await bot.get_webhook_info()
    assert info.url == "https://example.com/hook"
    assert emu.webhook["secret_token"] == "s3cret"
    with pytest.raises(Conflict):
        await bot.get_updates()
    assert await bot.delete_webhook()
    assert (await bot.get_webhook_info()).url == ""
    assert await bot.get_updates() == ()
    assert await bot.close() is True
    assert await bot.log_out() is True


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_fail_next_429_and_other_errors(emu, bot):
    emu.fail_next("sendMessage", retry_after=7, count=2)
    for _ in range(2):
        with pytest.raises(RetryAfter) as info:
            await bot.send_message(1, "x")
        retry_after = info.value.retry_after  # int or timedelta depending on PTB_TIMEDELTA
        if isinstance(retry_after, dtm.timedelta):
            retry_after = retry_after.total_seconds()
        assert retry_after == 7
    await bot.send_message(1, "x")  # the third call goes through
    assert emu.errors[0].response == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 7",
        "parameters": {"retry_after": 7},
    }
    emu.assert_no_errors(allow_429=True)
    with pytest.raises(AssertionError, match="429"):
        emu.assert_no_errors(allow_429=False)

    emu.fail_next("sendMessage", error_code=403, description="Forbidden: bot was blocked by the user")
    with pytest.raises(Forbidden):
        await bot.send_message(1, "x")


async def test_inline_query_answers(emu, bot):
    user = emu.user()
    qid = emu.inline_query(user, "q")
    await expect_bad_request(bot.answer_inline_query(qid, [article(i) for i in range(51)]),
                             "RESULTS_TOO_MUCH")
    await expect_bad_request(bot.answer_inline_query(qid, [article(1), article(1)]),
                             "RESULT_ID_DUPLICATE")
    await expect_bad_request(bot.answer_inline_query(qid, [article("x" * 65)]),
                             "RESULT_ID_INVALID")
    await expect_bad_request(bot.answer_inline_query(qid, [article(1, "<b>x", "HTML")]),
                             "can't parse entities")
    await expect_bad_request(bot.answer_inline_query(qid, [article(1, "😀" * 2049)]),
                             "message is too long")
    await expect_bad_request(bot.answer_inline_query("nope", [article(1)]), "query is too old")
    assert await bot.answer_inline_query(qid, [article(i, "<b>ok</b>", "HTML")
                                               for i in range(50)], cache_time=0)
    assert len(emu.inline_queries[qid]["answer"]["results"]) == 50
    # a query can be answered only once
    await expect_bad_request(bot.answer_inline_query(qid, [article(1)]), "query is too old")


async def test_callback_query_answers(emu, bot):
    user = emu.user()
    chat = emu.private_chat(user)
    m = await bot.send_message(chat.id, "pick", reply_markup=keyboard("yes", "no"))
    with pytest.raises(ValueError):
        emu.press_button(chat, user, m.to_dict(), "maybe")
    update = Update.de_json(emu.press_button(chat, user, m.to_dict(), "no"), bot)
    assert update.callback_query.data == "no"
    assert update.callback_query.message.message_id == m.message_id
    assert await bot.answer_callback_query(update.callback_query.id, text="noted")
    await expect_bad_request(bot.answer_callback_query(update.callback_query.id),
                             "query is too old")


# ------------------------------------------------------------------------------------------------
# getUpdates long polling
# ------------------------------------------------------------------------------------------------


async def test_get_updates_offsets_limit_allowed_updates(emu, bot):
    user = emu.user()
    chat = emu.private_chat(user)
    for i in range(3):
        emu.send_text(chat, user, f"m{i}")
    ups = await bot.get_updates(limit=2)
    assert [u.message.text for u in ups] == ["m0", "m1"]
    ups = await bot.get_updates(offset=ups[-1].update_id + 1)
    assert [u.message.text for u in ups] == ["m2"]
    assert emu.pending_updates == 1  # not confirmed until a later offset
    ups = await bot.get_updates(offset=ups[-1].update_id + 1)
    assert ups == () and emu.pending_updates == 0

    for i in range(3):
        emu.send_text(chat, user, f"n{i}")
    ups = await bot.get_updates(offset=-1)  # negative offset: only the last ones remain
    assert [u.message.text for u in ups] == ["n2"] and emu.pending_updates == 1
    await bot.get_updates(offset=ups[-1].update_id + 1)

    m = await bot.send_message(chat.id, "k", reply_markup=keyboard("d"))
    emu.press_button(chat, user, m.to_dict(), "d")
    emu.send_text(chat, user, "text")
    ups = await bot.get_updates(allowed_updates=["message"])
    assert [u.message.text for u in ups] == ["text"]
    ups = await bot.get_updates(allowed_updates=[])  # [] = back to the default set
    assert ups[0].callback_query.data == "d"


async def test_long_poll_wakes_up_on_new_update(emu, bot):
    user = emu.user()
    chat = emu.private_chat(user)
    start = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await emu.wait_until_polling()
    emu.send_text(chat, user, "wake up")
    ups = await poll
    assert [u.message.text for u in ups] == ["wake up"]
    assert time.monotonic() - start < 2


async def test_long_poll_times_out_empty(emu, bot):
    start = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert 0.9 <= time.monotonic() - start < 3


async def test_application_polling_end_to_end(emu):
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.message.reply_html("<b>Welcome</b>, ask me anything",
                                        reply_markup=keyboard("more"))

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.message.reply_text(f"echo: {update.message.text}", do_quote=True)

    async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.callback_query.answer("ok")
        await update.callback_query.edit_message_text(f"pressed {update.callback_query.data}")

    async def inline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.inline_query.answer([article(1, f"<i>{update.inline_query.query}</i>",
                                                  "HTML")])

    app = (
        Application.builder()
        .token(TOKEN)
        .base_url(emu.base_url)
        .base_file_url(emu.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(CallbackQueryHandler(button))
    app.add_handler(InlineQueryHandler(inline))

    user = emu.user(first_name="Ann", username="ann")
    chat = emu.private_chat(user)
    group = emu.group_chat(title="Readers")
    in_chat = lambda c: c.params["chat_id"] == chat.id  # noqa: E731

    async with app:
        await app.updater.start_polling(timeout=5)
        await app.start()

        emu.send_text(chat, user, "/start")
        welcome = await emu.wait_for("sendMessage", in_chat)
        assert welcome.result["text"] == "Welcome, ask me anything"
        assert welcome.result["entities"] == [{"type": "bold", "offset": 0, "length": 7}]

        sent = emu.send_text(chat, user, "hello there")
        echo_call = await emu.wait_for("sendMessage", in_chat)
        assert echo_call.result["text"] == "echo: hello there"
        assert echo_call.result["reply_to_message"]["message_id"] == sent["message"]["message_id"]

        # several users at once; each reply ends up in its own chat, in order
        emu.send_text(group, user, "in group")
        for i in range(5):
            emu.send_text(chat, user, f"n{i}")
        calls = await emu.wait_for_count("sendMessage", 5, in_chat)
        assert [c.params["text"] for c in calls] == [f"echo: n{i}" for i in range(5)]
        group_call = await emu.wait_for("sendMessage", lambda c: c.params["chat_id"] == group.id)
        assert group_call.result["chat"]["type"] == "supergroup"

        emu.press_button(chat, user, welcome.result, "more")
        answer = await emu.wait_for("answerCallbackQuery")
        assert answer.params["text"] == "ok"
        await emu.wait_for("editMessageText")
        assert emu.sent_messages(chat)[0]["text"] == "pressed more"
        assert "reply_markup" not in emu.sent_messages(chat)[0]
        assert welcome.result["text"] == "Welcome, ask me anything"  # a snapshot, not live

        qid = emu.inline_query(user, "cats")
        inline_call = await emu.wait_for("answerInlineQuery",
                                         lambda c: c.params["inline_query_id"] == qid)
        content = inline_call.params["results"][0]["input_message_content"]
        assert content["message_text"] == "<i>cats</i>"

        await app.updater.stop()
        await app.stop()

    # PTB's last getUpdates on shutdown confirmed every delivered update
    assert emu.pending_updates == 0
    emu.assert_no_errors()


# ------------------------------------------------------------------------------------------------
# wait_for semantics and the thread runner
# ------------------------------------------------------------------------------------------------


async def test_wait_for_consumes_in_order_with_predicates(emu, bot):
    waiter = asyncio.create_task(emu.wait_for("sendMessage", lambda c: c.params["text"] == "b"))
    for text in ("a", "b", "c"):
        await bot.send_message(1, text)
    assert (await waiter).params["text"] == "b"
    assert (await emu.wait_for("sendMessage")).params["text"] == "a"
    assert (await emu.wait_for("sendMessage")).params["text"] == "c"
    with pytest.raises(TimeoutError, match="no matching sendMessage call"):
        await emu.wait_for("sendMessage", timeout=0.05)

    await expect_bad_request(bot.send_message(1, ""), "message text is empty")
    failed = await emu.wait_for("sendMessage", ok=False, timeout=1)
    assert failed.error == "Bad Request: message text is empty"
    # a predicate that raises (missing key) simply does not match
    with pytest.raises(TimeoutError, match="predicate raised"):
        await emu.wait_for("getMe", lambda c: c.params["nope"], timeout=0.05, ok=None)
    with pytest.raises(TimeoutError, match="got only 0 of 2"):
        await emu.wait_for_count("sendMessage", 2, timeout=0.05)


def test_emulator_thread_from_sync_code():
    with EmulatorThread(token=TOKEN) as et:
        user = et.user(first_name="Sync")
        chat = et.private_chat(user)
        et.send_text(chat, user, "/start")

        async def client() -> None:
            async with Bot(TOKEN, base_url=et.base_url) as b:
                ups = await b.get_updates(timeout=2)
                assert ups[0].message.text == "/start"
                await b.send_message(chat.id, "<b>hi</b>", parse_mode="HTML")
                await b.get_updates(offset=ups[-1].update_id + 1)

        asyncio.run(client())
        call = et.wait_for("sendMessage", lambda c: c.params["chat_id"] == chat.id, timeout=5)
        assert call.result["text"] == "hi"
        assert [m["text"] for m in et.sent_messages(chat)] == ["hi"]
        assert et.pending_updates == 0
        et.assert_no_errors()
        assert len(et.calls) >= 4
