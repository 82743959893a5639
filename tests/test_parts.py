"""Several questions in one message (bot/parts.py), split and answered each in turn."""

from __future__ import annotations

import pytest

from citebot.bot.parts import MAX_PARTS, question_parts
from citebot.bot.render import answer_text
from citebot.bot.service import Citebot


@pytest.mark.parametrize("message, parts", [
    ("Who is Saldo and what happened to him?", ["Who is Saldo?", "what happened to him?"]),
    ("Who is Saldo? And where was he taken?", ["Who is Saldo?", "where was he taken?"]),
    ("Who was killed, and where?", ["Who was killed?", "where?"]),
    ("Кто такой Сальдо и что с ним случилось?", ["Кто такой Сальдо?", "что с ним случилось?"]),
    ("Хто такий Сальдо? Де він зараз?", ["Хто такий Сальдо?", "Де він зараз?"]),
])
def test_a_message_asking_several_things_is_split(message: str, parts: list[str]) -> None:
    assert question_parts(message) == parts


@pytest.mark.parametrize("message", [
    "Who is Saldo?",
    "What did Lavrov say about talks and the front?",  # "and" between nouns
    "How many people live in Kherson and Melitopol?",
    "Why did Russia and Ukraine fight?",
    "When and where was Gur shot?",  # one question about two things
    " ".join(f"Who is {name}?" for name in ["Saldo", "Gur", "Fedorov", "Balitsky"][: MAX_PARTS + 1]),  # too many
])
def test_one_question_stays_whole(message: str) -> None:
    assert question_parts(message) == [message]


async def test_each_part_is_answered_the_later_leaning_on_the_earlier(citebot: Citebot) -> None:
    # Searched as one, "mayor Melitopol say unemployment" met in no sentence: it was declined.
    answer, turn = await citebot.converse("Who is the mayor of Melitopol and what did he say about unemployment?")
    excerpts = [c.excerpt.text for c in answer.citations]
    assert "Ivan Fedorov" in excerpts[0] and any("80 per cent" in e for e in excerpts[1:])
    assert [c.n for c in answer.citations] == list(range(1, len(excerpts) + 1)) and len(excerpts) <= 4
    assert answer.carried == () and "from your last question" not in answer_text(answer)
    assert turn is not None and turn.topic == ("Ivan Fedorov",)  # the last part's, for a follow-up
    russian = await citebot.ask("Кто такой Сальдо и что с ним случилось?")
    assert russian.language == "ru" and all("Saldo" in c.excerpt.text for c in russian.citations)


async def test_a_part_with_nothing_found_leaves_the_others(citebot: Citebot) -> None:
    answer = await citebot.ask("Who is Saldo and what is the price of bitcoin?")
    assert answer.answered and all("Saldo" in c.excerpt.text for c in answer.citations)
    assert not (await citebot.ask("What is the price of bitcoin and who won Eurovision?")).answered
