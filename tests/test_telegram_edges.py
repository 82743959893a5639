"""Telegram's rough edges, through the real python-telegram-bot and the Bot API emulator: media, unknown
commands, being added to a group, edited messages, a passage an article lacks, the per-user limit on everything,
chats outside the allowlist, and "typing…" only for slow answers."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from telegram.ext import Application

from citebot.bot import handlers
from tests.emulator import BotApiEmulator, Call
from tests.harness import USERNAME, Hold, running, say, to_chat, visible

SALDO = "Where was Saldo flown for toxicology tests?"
BALITSKY = "Who is the Russian-backed leader of the Zaporizhzhia region?"


def replying_to(chat_id: int, message_id: int):
    return lambda c: int(c.params["chat_id"]) == chat_id and \
        c.result.get("reply_to_message", {}).get("message_id") == message_id


def sent_to(emu: BotApiEmulator, chat_id: int) -> list[Call]:
    return [c for c in emu.calls_of("sendMessage") if c.ok and int(c.params["chat_id"]) == chat_id]


async def test_captions_are_questions_and_other_media_get_a_hint(emu: BotApiEmulator, bot: Application) -> None:
    user = emu.user(id=1101)
    chat = emu.private_chat(user)
    for kind in ("photo", "video", "document"):
        emu.send_media(chat, user, kind, caption=SALDO)
        assert "Sklifosovsky" in visible(await emu.wait_for("sendMessage", to_chat(chat.id))), kind
    for kind in ("sticker", "voice", "video_note", "location", "contact", "photo"):
        emu.send_media(chat, user, kind)
        hint = visible(await emu.wait_for("sendMessage", to_chat(chat.id)))
        assert hint == handlers.MEDIA_HINT and "\n" not in hint, kind
    # Groups: a caption is a question when it mentions the bot; media addressed by a reply get the hint.
    group = emu.group_chat(id=-1001101, title="Media")
    ignored = [emu.send_media(group, user, "photo", caption=SALDO)["message"],
               emu.send_media(group, user, "sticker")["message"]]
    asked = emu.send_media(group, user, "photo", caption=f"@{USERNAME} {SALDO}")["message"]
    reply = await emu.wait_for("sendMessage", replying_to(group.id, asked["message_id"]))
    assert "Sklifosovsky" in visible(reply)
    sticker = emu.send_media(group, user, "sticker", reply_to=reply.result)["message"]
    hint = await emu.wait_for("sendMessage", replying_to(group.id, sticker["message_id"]))
    assert visible(hint) == handlers.MEDIA_HINT
    assert len(sent_to(emu, group.id)) == 2
    assert not {m["message_id"] for m in ignored} & {
        c.result.get("reply_to_message", {}).get("message_id") for c in sent_to(emu, group.id)}
    emu.assert_no_errors()


async def test_unknown_commands_get_a_hint_or_a_suggestion(emu: BotApiEmulator, bot: Application) -> None:
    user = emu.user(id=1201)
    hint = visible(await say(emu, user, "/foo"))
    assert "/foo" in hint and all(c in hint for c in ("/search", "/source", "/help"))
    assert "did you mean /search?" in visible(await say(emu, user, "/serch"))
    with_words = visible(await say(emu, user, "/serch Melitopol <mayor>"))
    assert "did you mean /search?" in with_words and "/search Melitopol <mayor>" in with_words
    assert "did you mean /source?" in visible(await say(emu, user, "/sorce"))
    # In a group only a command addressed to this bot is answered.
    group = emu.group_chat(id=-1001201, title="Commands")
    quiet = [emu.send_text(group, user, "/foo")["message"], emu.send_text(group, user, "/serch")["message"],
             emu.send_text(group, user, f"/serch@{USERNAME}2")["message"]]
    mine = emu.send_text(group, user, f"/serch@{USERNAME}")["message"]
    reply = await emu.wait_for("sendMessage", replying_to(group.id, mine["message_id"]))
    assert "did you mean /search?" in visible(reply)
    unknown = emu.send_text(group, user, f"/foo@{USERNAME}")["message"]
    assert "/search" in visible(await emu.wait_for("sendMessage", replying_to(group.id, unknown["message_id"])))
    assert len(sent_to(emu, group.id)) == 2
    assert not {m["message_id"] for m in quiet} & {
        c.result.get("reply_to_message", {}).get("message_id") for c in sent_to(emu, group.id)}
    emu.assert_no_errors()


async def test_added_to_a_group_it_greets_once(emu: BotApiEmulator, bot: Application) -> None:
    admin = emu.user(id=1301)
    group = emu.group_chat(id=-1001301, title="Readers")
    emu.set_bot_status(group, admin)
    greeting = visible(await emu.wait_for("sendMessage", to_chat(group.id)))
    assert f"@{USERNAME}" in greeting and f"/search@{USERNAME}" in greeting and "reply" in greeting
    emu.set_bot_status(group, admin, "administrator", old_status="member")  # promoted: no second greeting
    emu.set_bot_status(emu.private_chat(admin), admin, "member", old_status="kicked")  # unblocked in private
    other = emu.group_chat(id=-1301, title="Small", type="group")
    emu.set_bot_status(other, admin, "administrator")
    assert f"@{USERNAME}" in visible(await emu.wait_for("sendMessage", to_chat(other.id)))
    emu.set_bot_status(group, admin, "left", old_status="administrator")
    emu.set_bot_status(group, admin, "member", old_status="left")  # removed and added again: greeted again
    await emu.wait_for("sendMessage", to_chat(group.id))
    assert len(sent_to(emu, group.id)) == 2 and not sent_to(emu, admin.id)
    emu.assert_no_errors()


async def test_an_edited_question_or_command_edits_the_reply(emu: BotApiEmulator, bot: Application) -> None:
    user = emu.user(id=1401)
    chat = emu.private_chat(user)
    asked = emu.send_text(chat, user, "Who is Stremousov?")["message"]
    first = await emu.wait_for("sendMessage", to_chat(chat.id))
    emu.edit_text(chat, user, asked, SALDO)
    edit = await emu.wait_for("editMessageText", to_chat(chat.id))
    assert int(edit.params["message_id"]) == first.result["message_id"] and "Sklifosovsky" in visible(edit)
    assert edit.result["reply_markup"]["inline_keyboard"]  # the new answer's source buttons
    command = emu.send_text(chat, user, "/search Kherson")["message"]
    results = await emu.wait_for("sendMessage", to_chat(chat.id))
    emu.edit_text(chat, user, command, "/serch Kherson")
    edit = await emu.wait_for("editMessageText", to_chat(chat.id))
    assert int(edit.params["message_id"]) == results.result["message_id"] and "did you mean" in visible(edit)
    assert "reply_markup" not in edit.result  # the old result buttons are gone
    # A reply that cannot be edited any more: a new reply, threaded to the edited message.
    emu.fail_next("editMessageText", error_code=400, description="Bad Request: message can't be edited")
    emu.edit_text(chat, user, asked, BALITSKY)
    fresh = await emu.wait_for("sendMessage", to_chat(chat.id))
    assert "Balitsky" in visible(fresh) and fresh.result["reply_to_message"]["message_id"] == asked["message_id"]
    # That new reply is the one the next edit changes.
    emu.edit_text(chat, user, asked, SALDO)
    edit = await emu.wait_for("editMessageText", to_chat(chat.id))
    assert int(edit.params["message_id"]) == fresh.result["message_id"]
    assert len(sent_to(emu, chat.id)) == 3
    # In a group: the reply to an edited mention is edited too.
    group = emu.group_chat(id=-1001401, title="Edits")
    mention = emu.send_text(group, user, f"@{USERNAME} {BALITSKY}")["message"]
    reply = await emu.wait_for("sendMessage", replying_to(group.id, mention["message_id"]))
    emu.edit_text(group, user, mention, f"@{USERNAME} {SALDO}")
    edit = await emu.wait_for("editMessageText", to_chat(group.id))
    assert int(edit.params["message_id"]) == reply.result["message_id"] and "Sklifosovsky" in visible(edit)
    assert len(sent_to(emu, group.id)) == 1
    assert [c.error_code for c in emu.errors] == [400]  # only the injected one


async def test_an_edit_that_changes_nothing_costs_no_request(emu: BotApiEmulator, bot: Application) -> None:
    user = emu.user(id=1402)
    chat = emu.private_chat(user)
    asked = emu.send_text(chat, user, "/help")["message"]
    await emu.wait_for("sendMessage", to_chat(chat.id))
    emu.edit_text(chat, user, asked, "/help ")
    emu.edit_text(chat, user, emu.send_text(chat, user, "/sorce")["message"], "/source 001_cf312ec7e8225a0a:2")
    await emu.wait_for("sendMessage", to_chat(chat.id))
    assert "Sklifosovsky" in visible(await emu.wait_for("editMessageText", to_chat(chat.id)))
    assert len(emu.calls_of("editMessageText")) == 1 and len(sent_to(emu, chat.id)) == 2
    emu.assert_no_errors()


async def test_source_of_a_missing_passage_says_so_and_offers_the_article(emu: BotApiEmulator,
                                                                         bot: Application) -> None:
    article = await bot.bot_data["citebot"].article("001_cf312ec7e8225a0a")
    user = emu.user(id=1501)
    chat = emu.private_chat(user)
    reply = await say(emu, user, "/source 001_cf312ec7e8225a0a:999")
    text = visible(reply)
    assert "no passage 999" in text and f"{article.passages} passages" in text
    assert f"001_cf312ec7e8225a0a:{article.passages - 1}" in text
    [[button]] = reply.result["reply_markup"]["inline_keyboard"]
    emu.press_button(chat, user, reply.result, button["callback_data"])
    whole = await emu.wait_for("sendMessage", to_chat(chat.id))
    assert article.title[:40] in visible(whole)
    await emu.wait_for("answerCallbackQuery")
    emu.assert_no_errors()


async def test_the_limit_covers_commands_buttons_and_inline_queries(emu: BotApiEmulator,
                                                                   bundled_index: Path) -> None:
    async with running(emu, bundled_index, questions_per_minute=3):
        user, other = emu.user(id=1601), emu.user(id=1602)
        chat = emu.private_chat(user)
        results = await say(emu, user, "/search Kherson")
        assert "Sklifosovsky" in visible(await say(emu, user, "/source 001_cf312ec7e8225a0a:2"))
        query = emu.inline_query(user, "Makarov pistol")
        answered = await emu.wait_for("answerInlineQuery", lambda c: c.params["inline_query_id"] == query)
        assert answered.params["results"]
        # The fourth thing asked within the minute: one note, then every kind is refused.
        assert visible(await say(emu, user, "/search Melitopol")) == handlers.RATE_LIMITED
        data = results.result["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        press = emu.press_button(chat, user, results.result, data)["callback_query"]["id"]
        alert = await emu.wait_for("answerCallbackQuery", lambda c: c.params["callback_query_id"] == press)
        assert alert.params["show_alert"] and alert.params["text"] == handlers.RATE_LIMITED
        query = emu.inline_query(user, "Saldo")
        refused = await emu.wait_for("answerInlineQuery", lambda c: c.params["inline_query_id"] == query)
        assert refused.params["results"] == [] and refused.params["button"]["text"] == handlers.RATE_LIMITED_SHORT
        for text in (SALDO, "/source 001_cf312ec7e8225a0a:1", "/search Saldo"):
            emu.send_text(chat, user, text)
        assert "Sklifosovsky" in visible(await say(emu, other, SALDO))  # others are unaffected
        await say(emu, other, "/help")
        assert len(sent_to(emu, chat.id)) == 3
    emu.assert_no_errors()


async def test_the_limit_note_comes_after_the_answers_before_it(emu: BotApiEmulator, bundled_index: Path) -> None:
    async with running(emu, bundled_index, questions_per_minute=3) as app:
        rate = app.bot_data["rate"]
        told = asyncio.Event()
        check = rate.check

        async def watched(user_id: int) -> tuple[bool, bool]:
            allowed, tell = await check(user_id)
            if tell:
                told.set()
            return allowed, tell

        rate.check = watched
        flooder, other = emu.user(id=1701), emu.user(id=1702)
        chat = emu.private_chat(flooder)
        with Hold(app) as slow:
            for _ in range(3):
                emu.send_text(chat, flooder, SALDO)
            await slow.reached(1)  # the first is searching; the other two wait for their turn
            emu.send_text(chat, flooder, "Who is Balitsky?")
            await asyncio.wait_for(told.wait(), 10)  # the fourth is refused while the three answers are held
            slow.release()
            replies = [visible(c) for c in await emu.wait_for_count("sendMessage", 4, to_chat(chat.id))]
        assert replies[-1] == handlers.RATE_LIMITED and all("Sklifosovsky" in r for r in replies[:3])
        emu.send_text(chat, flooder, SALDO)
        await say(emu, other, "/help")
        assert len(sent_to(emu, chat.id)) == 4
    emu.assert_no_errors()


async def test_outside_the_allowlist_a_group_hears_nothing_unless_it_asks(emu: BotApiEmulator,
                                                                        bundled_index: Path) -> None:
    async with running(emu, bundled_index, allowed_chat_ids=frozenset({1801})):
        friend, stranger = emu.user(id=1801), emu.user(id=1802)
        group = emu.group_chat(id=-1001802, title="Elsewhere")
        emu.set_bot_status(group, stranger)
        for text in ("Hello everyone", f"mail me at x@{USERNAME}.com about Saldo", f"foo@{USERNAME} Saldo?", "/foo"):
            emu.send_text(group, stranger, text)
        emu.send_media(group, stranger, "sticker")
        await say(emu, friend, SALDO)  # the allowed chat is served meanwhile
        assert sent_to(emu, group.id) == []
        emu.send_text(group, stranger, f"@{USERNAME} {SALDO}")
        assert "not available" in visible(await emu.wait_for("sendMessage", to_chat(group.id)))
        emu.send_text(group, stranger, f"@{USERNAME} {BALITSKY}")
        await say(emu, friend, BALITSKY)
        assert len(sent_to(emu, group.id)) == 1
    emu.assert_no_errors()


async def test_an_email_address_is_not_a_mention(emu: BotApiEmulator, bot: Application) -> None:
    user = emu.user(id=1901)
    group = emu.group_chat(id=-1001901, title="Mail")
    quiet = [emu.send_text(group, user, f"mail me at x@{USERNAME}.com: {SALDO}")["message"],
             emu.send_text(group, user, f"foo@{USERNAME.upper()} {SALDO}")["message"]]
    asked = emu.send_text(group, user, f"{SALDO} @{USERNAME}")["message"]
    reply = await emu.wait_for("sendMessage", to_chat(group.id))
    assert reply.result["reply_to_message"]["message_id"] == asked["message_id"] and "Sklifosovsky" in visible(reply)
    await say(emu, user, "/help")
    assert not {m["message_id"] for m in quiet} & {
        c.result.get("reply_to_message", {}).get("message_id") for c in sent_to(emu, group.id)}
    assert len(sent_to(emu, group.id)) == 1


async def test_typing_only_for_a_slow_answer(emu: BotApiEmulator, bot: Application) -> None:
    user = emu.user(id=2001)
    chat = emu.private_chat(user)
    assert "Sklifosovsky" in visible(await say(emu, user, SALDO))
    assert "results" in visible(await say(emu, user, "/search Kherson"))
    assert emu.calls_of("sendChatAction") == []  # quick answers: one request each
    with Hold(bot) as slow:
        emu.send_text(chat, user, BALITSKY)
        typing = await emu.wait_for("sendChatAction", to_chat(chat.id))
        assert typing.params["action"] == "typing" and slow.entered == 1 and not sent_to(emu, chat.id)[2:]
        slow.release()
        assert "Balitsky" in visible(await emu.wait_for("sendMessage", to_chat(chat.id)))
    assert len(emu.calls_of("sendChatAction")) == 1
    emu.assert_no_errors()


@pytest.mark.parametrize("text", ["x@citebot_test_bot.com", "foo@citebot_test_bot", "@citebot_test_bot2 hi"])
def test_mention_entities_only(text: str) -> None:
    from telegram import Chat, Message, MessageEntity, User
    from tests.emulator import client_entities
    message = Message(1, None, Chat(-1, "supergroup"), from_user=User(5, "A", False),  # type: ignore[arg-type]
                      text=text, entities=[MessageEntity(**e) for e in client_entities(text)])
    assert handlers.addressed_question(message, USERNAME, 123456) is None
    assert re.search(USERNAME, text)


def test_reply_map_is_bounded_and_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    from citebot.bot import state
    replies = state.Replies(ttl=60, max_items=3)
    for mid in range(5):
        replies.add_now(-1, mid, 100 + mid, "d")
    assert len(replies) == 3 and replies.get_now(-1, 0) == ([], "") and replies.get_now(-1, 4) == ([104], "d")
    replies.add_now(-1, 4, 105)
    assert replies.get_now(-1, 4)[0] == [104, 105]
    replies.replace_now(-1, 4, 106, "e")
    assert replies.get_now(-1, 4) == ([106], "e")
    now = state.time.monotonic()
    monkeypatch.setattr(state.time, "monotonic", lambda: now + 61)
    assert replies.get_now(-1, 4) == ([], "")
    replies.add_now(-1, 9, 109)
    assert len(replies) == 1


async def test_in_flight_waits_only_for_earlier_updates() -> None:
    from citebot.bot.state import InFlight
    inflight = InFlight()
    first, second, third = object(), object(), object()
    for key in (first, second, third):
        inflight.begin(7, key)
    assert len(inflight.before(7, first)) == 0 and len(inflight.before(7, third)) == 2
    earlier = inflight.before(7, third)
    waiting = asyncio.ensure_future(inflight.settle(7, third, timeout=10))
    inflight.end(7, third)
    inflight.end(7, first)
    assert [e.is_set() for e in earlier] == [True, False]
    inflight.end(7, second)
    await asyncio.wait_for(waiting, 10)
    assert all(e.is_set() for e in earlier) and len(inflight) == 0 and inflight.users == {}
    assert len(inflight.before(7, object())) == 0
