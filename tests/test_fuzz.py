"""Arbitrary Unicode through the analyzer, the answer composer and the HTML renderer: never a crash,
always text Telegram accepts (valid HTML, within 4096 UTF-16 units)."""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, given, settings, strategies as st

from citebot.bot.answer import Answer, Citation, Excerpt
from citebot.bot.questions import BadQuestion
from citebot.bot.render import answer_html, escape, article_html_parts, passage_html, split_text, tg_len
from citebot.bot.service import Citebot
from citebot.index.analysis import analyze, tokens
from citebot.index.search import Hit, Passage, StoredArticle
from tests.emulator import parse_html
from tests.harness import telegram_accepts

TRICKY = ["<", ">", "&", "&amp;", "</a>", "<b>", "@", "@citebot_test_bot", "\u200b", "\u200d", "\u200f", "\u202e",
          "\ufeff", "\x00", "\x07", "\x1b", "\ud7ff", "\ue000", "\U0001f1fa\U0001f1e6", "\U0001f600", "é", "ß",
          "İ", "ﬁ", "\u0301", "\n\n", "Kherson", "Saldo", " ", ".", "45,000", "Russian-backed", "Gur's"]
texts = st.lists(st.one_of(st.text(max_size=40), st.sampled_from(TRICKY)), max_size=60).map("".join)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(texts)
def test_analyzer_never_raises_and_spans_point_into_the_text(text: str) -> None:
    assert all(term for term in analyze(text))
    for token in tokens(text):
        assert 0 <= token.start < token.end <= len(text)


@FUZZ
@given(texts)
def test_questions_get_valid_telegram_html(loop: asyncio.AbstractEventLoop, looped_citebot: Citebot, text: str) -> None:
    try:
        answer = loop.run_until_complete(looped_citebot.ask(text))
    except BadQuestion as refusal:
        assert str(refusal)
        return
    telegram_accepts(answer_html(answer))


passages = st.builds(Passage, passage_id=texts.map(lambda t: t[:30] + ":1"), article_id=texts, title=texts,
                     text=texts.filter(str.strip), ordinal=st.integers(0, 5), start=st.just(0), end=st.just(0),
                     url=st.one_of(st.none(), texts, st.just("https://e.org/a?b=1&c=<2>")),
                     date=st.one_of(st.none(), texts), source=st.one_of(st.none(), texts), author=st.none())
hits = st.builds(Hit, passage=passages, score=st.floats(0, 100))


@FUZZ
@given(st.lists(hits, min_size=1, max_size=3), texts)
def test_rendered_answers_are_valid(hits: list[Hit], query: str) -> None:
    answer = Answer(query, [Citation(i + 1, h, Excerpt(h.text, ((0, min(3, len(h.text))),)))
                            for i, h in enumerate(hits)])
    telegram_accepts(answer_html(answer))
    for hit in hits:
        telegram_accepts(passage_html(hit))


@FUZZ
@given(texts.filter(str.strip), texts, st.integers(1, 30))
def test_articles_split_into_valid_parts(text: str, title: str, repeat: int) -> None:
    article = StoredArticle("a", title, (text + "\n\n") * repeat, None, None, None, None, 1)
    for part in article_html_parts(article):
        parse_html(part)
        assert tg_len(part) <= 4096


@FUZZ
@given(texts, st.integers(20, 500))
def test_split_text_keeps_every_word_within_budget(text: str, budget: int) -> None:
    parts = split_text(text, budget)
    assert all(tg_len(escape(part)) <= budget for part in parts)
    assert "".join("".join(p.split()) for p in parts) == "".join("".join(x.split()) for x in text.split("\n\n"))
