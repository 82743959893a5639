"""Follow-up questions (issue 10, section 2): the conversation store, when a question leans on the
last one, the service's carry-over and "what happened next", and multi-turn dialogues through the
real PTB against the Bot API emulator (private chat, a group reply thread) and `citebot chat` in a
subprocess. Also the filler end to end: "hey bot, …", "whats the story with …", HTML around a question."""

from __future__ import annotations

from pathlib import Path

import pytest
from telegram.ext import Application

from citebot.bot.conversation import MemoryConversations, Turn, carried_question, lean_on
from citebot.bot.intent import analyse
from citebot.bot.render import answer_html, answer_text
from citebot.bot.service import Citebot
from tests.conftest import cli
from tests.emulator import BotApiEmulator
from tests.harness import USERNAME, say, to_chat, visible

SALDO_TURN = Turn("Saldo?", ("Saldo",), (), "001_cf312ec7e8225a0a", 1265, 1)


# ---------------------------------------------------------------------------------------------
# The store: expiring, bounded, serialisable (what a Redis backend would hold)

class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_turns_expire_after_ten_minutes() -> None:
    clock = Clock()
    store = MemoryConversations(clock=clock)
    await store.put((1, 2, None), SALDO_TURN)
    clock.now += 599
    assert await store.get((1, 2, None)) == SALDO_TURN
    assert await store.get((1, 3, None)) is None and await store.get((1, 2, 7)) is None  # per user, per thread
    clock.now += 2
    assert await store.get((1, 2, None)) is None
    assert len(store) == 0


async def test_store_is_bounded_and_drops_the_oldest() -> None:
    clock = Clock()
    store = MemoryConversations(max_items=100, clock=clock)
    for user in range(1000):
        clock.now += 0.01
        await store.put((1, user, None), SALDO_TURN)
    assert len(store) == 100
    assert await store.get((1, 0, None)) is None and await store.get((1, 999, None)) == SALDO_TURN
    clock.now += 601
    await store.put((2, 1, None), SALDO_TURN)  # a put sweeps out what has expired
    assert len(store) == 1


def test_turn_round_trips_as_json() -> None:
    assert Turn.from_json(SALDO_TURN.to_json()) == SALDO_TURN
    turn = Turn("Хто?", ("Nova Kakhovka",), ("shot",), None, None, None, "Vitaly Gur")
    assert Turn.from_json(turn.to_json()) == turn


# ---------------------------------------------------------------------------------------------
# When a question leans on the last one

@pytest.mark.parametrize("question", [
    "and where was he taken?", "Where was he taken?", "what did she say?", "And the hospital?",
    "Why?", "why?", "Who else?", "when?", "How so?", "what about his deputy?", "What about the hospital?",
    "how many people live there?", "what happened?", "what happened to him"])
def test_a_question_without_names_that_leans_takes_the_last_names(question: str) -> None:
    carry = lean_on(question, analyse(question), SALDO_TURN)
    assert carry is not None and carry.names == ("Saldo",) and not carry.next
    assert "Saldo" in carried_question(question, carry)


@pytest.mark.parametrize("question", ["what happened next?", "And what happened next?", "What happened after that",
                                      "then what?", "tell me more", "what next?"])
def test_what_happened_next_continues(question: str) -> None:
    carry = lean_on(question, analyse(question), SALDO_TURN)
    assert carry is not None and carry.next


@pytest.mark.parametrize("question", [
    "and where was Fedorov taken?", "What about Melitopol?", "Who is the mayor of Melitopol?",  # names of its own
    "Were there any explosions in July?",  # "there" that points nowhere
    "and the toxicology tests?",  # a rare word of its own
    "and where was saldo taken?",  # the last topic already in it
    "How many partisans were killed in the attack on the bridge?"])
def test_a_question_that_stands_on_its_own_starts_fresh(question: str) -> None:
    assert lean_on(question, analyse(question), SALDO_TURN) is None


def test_he_or_she_after_who_is_the_person_the_answer_named() -> None:
    last = Turn("Who is the mayor of Melitopol?", ("Melitopol",), (), "a", 1, 0, person="Ivan Fedorov")
    for question, carried in [("where is he now?", ("Ivan Fedorov",)), ("what did she say?", ("Ivan Fedorov",)),
                              ("how many people live there?", ("Melitopol",)), ("and its mayor?", ("Melitopol",))]:
        carry = lean_on(question, analyse(question), last)
        assert carry is not None and carry.names == carried, question


def test_nothing_to_lean_on() -> None:
    assert lean_on("and where was he taken?", analyse("and where was he taken?"), None) is None
    assert lean_on("why?", analyse("why?"), Turn("x", ())) is None


def test_bare_wh_question_carries_the_last_verbs_too() -> None:
    last = Turn("Where was Saldo taken?", ("Saldo",), ("taken",), "a", 1, 0)
    carry = lean_on("Why?", analyse("Why?"), last)
    assert carry is not None and carried_question("Why?", carry) == "Why? (Saldo, taken)"


# ---------------------------------------------------------------------------------------------
# The service: one door for both front ends

async def test_follow_up_carries_the_names_and_says_so(citebot: Citebot) -> None:
    alone, _ = await citebot.converse("and where was he taken?")
    assert "Sklifosovsky" not in " ".join(c.excerpt.text for c in alone.citations)  # the bug: unrelated quotes
    first, turn = await citebot.converse("Saldo?")
    assert first.answered and turn is not None and turn.topic == ("Saldo",)
    follow, turn2 = await citebot.converse("and where was he taken?", turn)
    assert follow.carried == ("Saldo",)
    assert "Sklifosovsky" in follow.citations[0].excerpt.text
    assert "(about Saldo, from your last question)" in answer_text(follow)
    assert "<i>(about Saldo, from your last question)</i>" in answer_html(follow)
    assert turn2 is not None and turn2.topic == ("Saldo",)
    fresh, turn3 = await citebot.converse("Who is the mayor of Melitopol?", turn2)
    assert fresh.carried == () and "Fedorov" in fresh.citations[0].excerpt.text
    assert turn3 is not None and turn3.topic == ("Melitopol",) and turn3.person == "Ivan Fedorov"
    about_him, _ = await citebot.converse("what did he say about unemployment?", turn3)
    assert about_him.carried == ("Ivan Fedorov",) and "80 per cent" in about_him.citations[0].excerpt.text
    _, named = await citebot.converse("Who is Saldo?", turn3)  # not asked who holds something: nobody new
    assert named is not None and named.person is None


async def test_lower_case_question_carries_its_rarest_word_as_written(citebot: Citebot) -> None:
    _, turn = await citebot.converse("saldo?")
    assert turn is not None and turn.topic == ("Saldo",)
    follow, _ = await citebot.converse("where was he taken?", turn)
    assert follow.carried == ("Saldo",) and "Crimea" in follow.citations[0].excerpt.text


async def test_what_happened_next_quotes_the_following_sentences(citebot: Citebot) -> None:
    _, turn = await citebot.converse("Where was Saldo flown for toxicology tests?")
    assert turn is not None and turn.end is not None
    article = await citebot.article(turn.article_id)
    assert article is not None
    seen = [article.text[: turn.end]]
    for _ in range(3):
        answer, turn = await citebot.converse("what happened next?", turn)
        assert answer.continued and answer.answered and turn is not None
        citation = answer.citations[0]
        text = citation.excerpt.text
        assert citation.hit.article_id == article.id and citation.span is not None
        # Right after where the last excerpt ended, with only white space between.
        assert article.text[len("".join(seen)):citation.span[0]].strip() == ""
        assert article.text[citation.span[0]:citation.span[1]] == text
        hit = citation.hit
        assert hit.start <= citation.span[0] < hit.end  # cited by the passage it starts in
        seen.append(article.text[len("".join(seen)):citation.span[1]])
        assert turn.end == citation.span[1]
    assert "(what follows in the same article, from your last question)" in answer_text(answer)


async def test_what_happened_next_at_the_end_of_the_article(citebot: Citebot) -> None:
    _, turn = await citebot.converse("Saldo?")
    assert turn is not None
    article = await citebot.article(turn.article_id)
    end = Turn(turn.question, turn.topic, (), turn.article_id, len(article.text), turn.ordinal)
    answer, kept = await citebot.converse("what happened next?", end)
    assert not answer.answered and answer.continued and kept is None
    assert "where the article ends" in answer_text(answer)


async def test_unanswered_question_keeps_the_last_turn(citebot: Citebot) -> None:
    answer, turn = await citebot.converse("Who won the 2018 FIFA World Cup?", SALDO_TURN)
    assert not answer.answered and turn is None  # the caller keeps the last answered question


# ---------------------------------------------------------------------------------------------
# Through Telegram (the real PTB against the emulator)

async def test_private_dialogue(emu: BotApiEmulator, bot: Application) -> None:
    user = emu.user(id=3001)
    first = visible(await say(emu, user, "Saldo?"))
    assert "Saldo" in first and "from your last question" not in first
    follow = visible(await say(emu, user, "and where was he taken?"))
    assert follow.startswith("(about Saldo, from your last question)") and "Sklifosovsky" in follow
    after = visible(await say(emu, user, "what happened next?"))
    assert after.startswith("(what follows in the same article, from your last question)")
    assert "suffered a stroke" in after and "Sklifosovsky" not in after
    fresh = visible(await say(emu, user, "Who is the mayor of Melitopol?"))
    assert "from your last question" not in fresh and "Fedorov" in fresh
    other = emu.user(id=3002)  # another user's chat has nothing to lean on
    assert "from your last question" not in visible(await say(emu, other, "and where was he taken?"))
    emu.assert_no_errors()


async def test_group_reply_thread_dialogue(emu: BotApiEmulator, bot: Application) -> None:
    alice, bob = emu.user(id=3101, first_name="Alice"), emu.user(id=3102, first_name="Bob")
    group = emu.group_chat(id=-1003100, title="Readers")
    emu.send_text(group, alice, f"@{USERNAME} Saldo?")
    answer = await emu.wait_for("sendMessage", to_chat(group.id))
    asked = emu.send_text(group, alice, "and where was he taken?", reply_to=answer.result)
    follow = await emu.wait_for("sendMessage", to_chat(group.id))
    assert follow.result["reply_to_message"]["message_id"] == asked["message"]["message_id"]
    assert visible(follow).startswith("(about Saldo, from your last question)") and "Sklifosovsky" in visible(follow)
    emu.send_text(group, alice, "what happened next?", reply_to=follow.result)
    after = await emu.wait_for("sendMessage", to_chat(group.id))
    assert "what follows in the same article" in visible(after) and "suffered a stroke" in visible(after)
    # Bob's own question in the thread: each user's last question is their own.
    emu.send_text(group, bob, "and where was he taken?", reply_to=follow.result)
    bobs = await emu.wait_for("sendMessage", to_chat(group.id))
    assert "from your last question" not in visible(bobs)
    emu.assert_no_errors()


async def test_follow_up_after_ten_minutes_starts_fresh(emu: BotApiEmulator, bot: Application) -> None:
    clock = Clock()
    bot.bot_data["conversations"] = MemoryConversations(clock=clock)  # the store another backend could replace
    user = emu.user(id=3201)
    await say(emu, user, "Saldo?")
    clock.now += 601
    assert "from your last question" not in visible(await say(emu, user, "and where was he taken?"))


FILLER = [
    ("hey bot, who is Saldo?", "who is Saldo?"),
    ("<b>Who is Saldo?</b>", "Who is Saldo?"),
    ("<p>Where was <i>Saldo</i> flown for toxicology tests?</p>", "Where was Saldo flown for toxicology tests?"),
    ("whats the story with saldo", "saldo"),
    ("Hello there! Could you please tell me how many people live in Nova Kakhovka?",
     "How many people live in Nova Kakhovka?"),
]


async def test_filler_is_answered_like_the_bare_question(emu: BotApiEmulator, bot: Application) -> None:
    for n, (wrapped, bare) in enumerate(FILLER):
        # Each in a fresh chat: the bare question must not lean on the wrapped one.
        got = await say(emu, emu.user(id=3300 + 2 * n), wrapped)
        want = await say(emu, emu.user(id=3301 + 2 * n), bare)
        assert "«" in visible(want), bare
        assert visible(got) == visible(want), wrapped
        assert got.params["text"] == want.params["text"]
    emu.assert_no_errors()


# ---------------------------------------------------------------------------------------------
# In the terminal: `citebot chat` in a subprocess

def test_chat_dialogue_in_the_terminal(bundled_index: Path) -> None:
    run = cli("chat", index=bundled_index,
              stdin="Saldo?\nand where was he taken?\nwhat happened next?\nWho is the mayor of Melitopol?\nwhy?\n")
    assert run.returncode == 0, run.stderr
    replies = run.stdout.split("you› ")[1:]
    assert len(replies) >= 5
    assert "from your last question" not in replies[0]
    assert replies[1].startswith("(about Saldo, from your last question)") and "Sklifosovsky" in replies[1]
    assert replies[2].startswith("(what follows in the same article, from your last question)")
    assert "suffered a stroke" in replies[2]
    assert "from your last question" not in replies[3] and "Fedorov" in replies[3]
    assert replies[4].startswith("(about Melitopol, from your last question)")
