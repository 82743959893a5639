"""Answers to the example questions: the expected words stand in the cited excerpts."""

from pathlib import Path

import pytest

from bot.answer import compose
from bot.config import Settings
from bot.questions import BadQuestion
from bot.service import Citebot
from index.search import Searcher


@pytest.fixture
async def citebot(bundled_index: Path):
    bot = await Citebot.open(Settings(index_path=bundled_index, _env_file=None))
    yield bot
    await bot.close()


async def test_seed_questions(citebot: Citebot, seed_questions: list[dict]) -> None:
    first = any_of_three = 0
    answerable = [q for q in seed_questions if q["answers"]]
    for question in answerable:
        answer = await citebot.ask(question["question"])
        excerpts = [c.excerpt.text for c in answer.citations]
        first += bool(excerpts) and any(a in excerpts[0] for a in question["answers"])
        any_of_three += any(a in e for e in excerpts[:3] for a in question["answers"])
        # Each excerpt is copied from its passage, never made up.
        for citation in answer.citations:
            assert citation.excerpt.text in citation.hit.text
    assert first >= len(answerable) - 2
    assert any_of_three >= len(answerable) - 2


async def test_out_of_corpus_questions_get_no_excerpt(citebot: Citebot, seed_questions: list[dict]) -> None:
    unanswerable = [q["question"] for q in seed_questions if not q["answers"]]
    unanswerable += ["What is the boiling point of mercury?", "Recommend a good pizza place in Naples"]
    for question in unanswerable:
        answer = await citebot.ask(question)
        assert not answer.answered, question


@pytest.mark.parametrize("typed, found", [
    ("Who is Stremusov?", "Stremousov"),
    ("What did Fedrof say about unemployment?", "Fedrov"),
    ("Which bank opened in Zaporizhja?", "Zaporizhzhia"),
    ("Makarow pistol", "Makarov"),
])
async def test_misspelt_names_are_found_and_said(citebot: Citebot, typed: str, found: str) -> None:
    answer = await citebot.ask(typed)
    assert answer.answered
    assert any(found in c.excerpt.text for c in answer.citations)
    assert found in answer.searched_instead.values()


async def test_other_spellings_in_the_articles_are_found_too(citebot: Citebot) -> None:
    answer = await citebot.ask("Kirill Stremousov deputy head")
    texts = " ".join(c.excerpt.text for c in answer.citations)
    assert "Stremousov" in texts and "Strimosov" in texts


async def test_query_words_are_marked(citebot: Citebot) -> None:
    answer = await citebot.ask("Where was Saldo flown for toxicology tests?")
    excerpt = answer.citations[0].excerpt
    marked = {excerpt.text[a:b] for a, b in excerpt.marks}
    assert {"Saldo", "flown", "toxicology", "tests"} <= marked


@pytest.mark.parametrize("question", ["", "   ", "the of and", "?!...", "x" * 5000])
async def test_unsearchable_questions_are_refused_politely(citebot: Citebot, question: str) -> None:
    with pytest.raises(BadQuestion) as refusal:
        await citebot.ask(question)
    assert str(refusal.value)


async def test_search_pages_one_hit_per_article(citebot: Citebot) -> None:
    first = await citebot.search("Kherson", limit=2)
    second = await citebot.search("Kherson", offset=2, limit=2)
    ids = [h.article_id for h, _ in first.hits + second.hits]
    assert len(ids) == 4 == len(set(ids))
    assert first.more


async def test_compose_threshold_is_respected(bundled_index: Path) -> None:
    searcher = await Searcher.open(bundled_index)
    try:
        result = await searcher.search("Saldo Sklifosovsky pizza sourdough bread")
        assert compose(result, threshold=0.9).citations == []
    finally:
        await searcher.close()
