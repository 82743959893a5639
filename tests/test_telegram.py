"""The real python-telegram-bot Application against the Bot API emulator on 127.0.0.1."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from telegram.ext import Application

from tests.emulator import BotApiEmulator, parse_html, utf16_len
from tests.harness import USERNAME, running, say, to_chat, visible


async def test_registers_commands(emu: BotApiEmulator, bot: Application) -> None:
    call = await emu.wait_for("setMyCommands")
    assert {c["command"] for c in call.params["commands"]} >= {"search", "source", "help"}


async def test_private_question_gets_cited_excerpt(emu: BotApiEmulator, bot: Application) -> None:
    user = emu.user(id=101, first_name="Ann")
    chat = emu.private_chat(user)
    emu.send_text(chat, user, "How many people live in Nova Kakhovka?")
    reply = await emu.wait_for("sendMessage", to_chat(chat.id))
    text = visible(reply)
    assert "45,000" in text and "001_cf312ec7e8225a0a:" in text
    assert "<b>people</b>" in reply.params["text"]
    assert reply.params["parse_mode"] == "HTML"
    buttons = reply.result["reply_markup"]["inline_keyboard"][0]
    assert buttons and all(len(b["callback_data"].encode()) <= 64 for b in buttons)
    emu.press_button(chat, user, reply.result, buttons[0]["callback_data"])
    source = await emu.wait_for("sendMessage", to_chat(chat.id))
    assert "Nova Kakhovka is a town of around 45,000 people" in visible(source)
    emu.assert_no_errors()


async def test_out_of_corpus_question_gets_polite_no_answer(emu: BotApiEmulator, bot: Application) -> None:
    user = emu.user(id=102)
    reply = await say(emu, user, "What is the capital of Australia?")
    assert "could not find" in visible(reply) and "/search" in visible(reply)
    assert "«" not in visible(reply)


async def test_small_talk_is_not_searched(emu: BotApiEmulator, bot: Application) -> None:
    user = emu.user(id=103)
    reply = await say(emu, user, "Hello!")
    assert visible(reply).startswith("Hello!") and "?" in visible(reply)


async def test_help_shows_counts_and_examples(emu: BotApiEmulator, bot: Application) -> None:
    user = emu.user(id=104)
    reply = await say(emu, user, "/start")
    text = visible(reply)
    assert "5 articles" in text and "36 passages" in text.replace("(", "").replace(")", "") or "passages" in text
    assert text.count("What do the articles say about") == 3


async def test_group_answers_only_when_addressed(emu: BotApiEmulator, bot: Application) -> None:
    user = emu.user(id=201)
    group = emu.group_chat(id=-100201, title="Readers")
    ignored = emu.send_text(group, user, "Who is the Russian-backed leader of the Zaporizhzhia region?")
    asked = emu.send_text(group, user, f"@{USERNAME} Who is the Russian-backed leader of the Zaporizhzhia region?")
    reply = await emu.wait_for("sendMessage", to_chat(group.id))
    assert "Balitsky" in visible(reply)
    assert reply.result["reply_to_message"]["message_id"] == asked["message"]["message_id"]
    # Reply to the bot without a mention: answered, threaded to the question.
    follow_up = emu.send_text(group, user, "Which state-owned bank opened branches in Kherson?", reply_to=reply.result)
    second = await emu.wait_for("sendMessage", to_chat(group.id))
    assert "Promsvyazbank" in visible(second)
    assert second.result["reply_to_message"]["message_id"] == follow_up["message"]["message_id"]
    replied_to = {c.result.get("reply_to_message", {}).get("message_id") for c in emu.calls_of("sendMessage")}
    assert ignored["message"]["message_id"] not in replied_to
    # A bare mention gets a hint, not a search.
    emu.send_text(group, user, f"@{USERNAME}")
    hint = await emu.wait_for("sendMessage", to_chat(group.id))
    assert "Ask me a question" in visible(hint)
    emu.assert_no_errors()


async def test_search_lists_one_hit_per_article(emu: BotApiEmulator, bot: Application) -> None:
    user = emu.user(id=301)
    chat = emu.private_chat(user)
    emu.send_text(chat, user, "/search Kherson")
    first = await emu.wait_for("sendMessage", to_chat(chat.id))
    assert "results 1–5" in visible(first)
    assert len({line for line in visible(first).splitlines() if line[:3] in {"1. ", "2. ", "3. ", "4. ", "5. "}}) == 5
    rows = first.result["reply_markup"]["inline_keyboard"]
    assert [b["text"] for b in rows[0]] == ["1", "2", "3", "4", "5"] and len(rows) == 1  # five articles: no paging
    emu.send_text(chat, user, "/search")
    usage = await emu.wait_for("sendMessage", to_chat(chat.id))
    assert "Usage" in visible(usage)
    emu.assert_no_errors()


async def test_search_with_more_than_five_articles(emu: BotApiEmulator, tmp_path: Path) -> None:
    corpus = tmp_path / "a"
    corpus.mkdir()
    for i in range(12):
        (corpus / f"n{i:02}.txt").write_text(f"Bridge report {i}\n\nPartisans damaged bridge number {i} near Tokmak.\n",
                                             encoding="utf-8")
    from citebot.index.indexer import index_paths
    index = tmp_path / "i.sqlite"
    index_paths(index, [corpus], progress=False)
    async with running(emu, index):
        user = emu.user(id=302)
        chat = emu.private_chat(user)
        emu.send_text(chat, user, "/search bridge Tokmak")
        page = await emu.wait_for("sendMessage", to_chat(chat.id))
        seen = set(re.findall(r"Bridge report \d+", visible(page)))
        for _ in range(2):
            forward = [b for b in page.result["reply_markup"]["inline_keyboard"][-1] if b["text"] == "▶"][0]
            emu.press_button(chat, user, page.result, forward["callback_data"])
            page = await emu.wait_for("editMessageText", to_chat(chat.id))
            seen |= set(re.findall(r"Bridge report \d+", visible(page)))
        assert len(seen) == 12
        assert all(b["text"] != "▶" for b in page.result["reply_markup"]["inline_keyboard"][-1])
        back = [b for b in page.result["reply_markup"]["inline_keyboard"][-1] if b["text"] == "◀"][0]
        emu.press_button(chat, user, page.result, back["callback_data"])
        previous = await emu.wait_for("editMessageText", to_chat(chat.id))
        assert "results 6–10" in visible(previous)
        await emu.wait_for_count("answerCallbackQuery", 3)
    emu.assert_no_errors()


async def test_source_by_id_by_reply_and_unknown(emu: BotApiEmulator, bot: Application) -> None:
    user = emu.user(id=401)
    chat = emu.private_chat(user)
    emu.send_text(chat, user, "/source 001_cf312ec7e8225a0a:2")
    passage = await emu.wait_for("sendMessage", to_chat(chat.id))
    assert "Sklifosovsky" in visible(passage)
    emu.send_text(chat, user, "/source no_such_thing:9")
    unknown = await emu.wait_for("sendMessage", to_chat(chat.id))
    assert "no passage or article" in visible(unknown)
    emu.send_text(chat, user, "Who is Stremusov?")
    answer = await emu.wait_for("sendMessage", to_chat(chat.id))
    emu.send_text(chat, user, "/source", reply_to=answer.result)
    listing = await emu.wait_for("sendMessage", to_chat(chat.id))
    assert "Sources of that answer" in visible(listing) and "004_96b9e111ca13f763:" in visible(listing)
    emu.assert_no_errors()


async def test_long_article_is_sent_whole_in_valid_parts(emu: BotApiEmulator, tmp_path: Path) -> None:
    corpus = tmp_path / "a"
    corpus.mkdir()
    paragraphs = [f"Paragraph {i}: partisans & <saboteurs> near Tokmak reported {'explosions ' * 40}done."
                  for i in range(40)]
    (corpus / "long.txt").write_text("A very long report\n\n" + "\n\n".join(paragraphs), encoding="utf-8")
    from citebot.index.indexer import index_paths
    index = tmp_path / "i.sqlite"
    index_paths(index, [corpus], progress=False)
    async with running(emu, index):
        user = emu.user(id=501)
        chat = emu.private_chat(user)
        emu.send_text(chat, user, "/source long:0")
        passage = await emu.wait_for("sendMessage", to_chat(chat.id))
        button = passage.result["reply_markup"]["inline_keyboard"][0][0]
        emu.press_button(chat, user, passage.result, button["callback_data"])
        first = await emu.wait_for("sendMessage", to_chat(chat.id))
        total = int(visible(first).rsplit("/", 1)[1].rstrip(")"))
        parts = [first] + await emu.wait_for_count("sendMessage", total - 1, to_chat(chat.id))
        texts = [visible(p) for p in parts]
        assert total > 1 and all(utf16_len(t) <= 4096 for t in texts)
        joined = "\n".join(texts)
        for i in range(40):
            assert f"Paragraph {i}: partisans & <saboteurs>" in joined
    emu.assert_no_errors()


async def test_inline_mode(emu: BotApiEmulator, bot: Application) -> None:
    user = emu.user(id=601)
    query_id = emu.inline_query(user, "Makarov pistol")
    answer = await emu.wait_for("answerInlineQuery")
    assert answer.params["inline_query_id"] == query_id
    results = answer.params["results"]
    assert 1 <= len(results) <= 10
    content = results[0]["input_message_content"]
    assert "Makarov" in parse_html(content["message_text"])[0] and content["parse_mode"] == "HTML"
    emu.assert_no_errors()


async def test_429_is_waited_out_and_reply_arrives(emu: BotApiEmulator, bot: Application) -> None:
    user = emu.user(id=701)
    chat = emu.private_chat(user)
    emu.fail_next("sendMessage", retry_after=1)
    emu.send_text(chat, user, "Where was Saldo flown for toxicology tests?")
    reply = await emu.wait_for("sendMessage", to_chat(chat.id), timeout=15)
    assert "Sklifosovsky" in visible(reply)
    assert [c.error_code for c in emu.errors] == [429]


@pytest.mark.parametrize("question", [
    "<b>Saldo</b> &amp; </a> toxicology?", "Saldo 🇺🇦🔥 toxicology tests?", "סלדו toxicology Saldo مرحبا",
    "Saldo toxicology " + "word " * 790, "the of and is", "<script>alert(1)</script> &", "@" * 50,
])
async def test_hostile_questions_get_valid_replies(emu: BotApiEmulator, bot: Application, question: str) -> None:
    user = emu.user(id=801)
    reply = await say(emu, user, question)
    assert visible(reply).strip()
    emu.assert_no_errors()


async def test_allowlist(emu: BotApiEmulator, bundled_index: Path) -> None:
    async with running(emu, bundled_index, allowed_chat_ids=frozenset({901})):
        friend, stranger = emu.user(id=901), emu.user(id=902)
        emu.send_text(emu.private_chat(stranger), stranger, "Who is Saldo?")
        emu.send_text(emu.private_chat(stranger), stranger, "And Balitsky?")
        emu.send_text(emu.private_chat(friend), friend, "Where was Saldo flown for toxicology tests?")
        answer = await emu.wait_for("sendMessage", to_chat(901))
        assert "Sklifosovsky" in visible(answer)
        refusal = await emu.wait_for("sendMessage", to_chat(902))
        assert "not available" in visible(refusal)
        assert len([c for c in emu.calls_of("sendMessage") if int(c.params["chat_id"]) == 902]) == 1


async def test_mention_of_another_bot_is_not_for_us(emu: BotApiEmulator, bot: Application) -> None:
    user = emu.user(id=202)
    group = emu.group_chat(id=-100202, title="Others")
    other = emu.send_text(group, user, f"@{USERNAME}2 Where was Saldo flown for toxicology tests?")
    ours = emu.send_text(group, user, f"Where was Saldo flown, @{USERNAME.upper()}?")
    reply = await emu.wait_for("sendMessage", to_chat(group.id))
    assert reply.result["reply_to_message"]["message_id"] == ours["message"]["message_id"]
    assert "Sklifosovsky" in visible(reply)
    assert other["message"]["message_id"] not in {
        c.result.get("reply_to_message", {}).get("message_id") for c in emu.calls_of("sendMessage")}


async def test_a_failure_is_logged_and_the_user_told_without_details(
        emu: BotApiEmulator, bot: Application, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire at /secret/path")

    monkeypatch.setattr(bot.bot_data["citebot"], "converse", broken)  # what the handlers ask through
    user = emu.user(id=901)
    reply = await say(emu, user, "Where was Saldo flown?")
    assert "something went wrong" in visible(reply)
    assert "secret" not in visible(reply) and "Traceback" not in visible(reply)
    assert "disk on fire" in caplog.text and emu.token not in caplog.text
