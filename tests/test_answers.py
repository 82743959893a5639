"""Answers to the example questions: the expected words stand in the cited excerpts."""

from pathlib import Path

import pytest

from bot.answer import compose
from bot.config import Settings
from bot.questions import BadQuestion
from bot.service import Citebot
from index.indexer import index_paths
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
    # The targets of the evaluation (benchmarks/eval_seeds.py): 11 of 12 first, all within three.
    assert first >= len(answerable) - 1
    assert any_of_three == len(answerable)


async def test_a_hyphenated_word_the_articles_only_write_apart_is_not_missing(citebot: Citebot) -> None:
    apart = await citebot.ask("Who attacked the Kremlin appointed official in Nova Kakhovka?")
    joined = await citebot.ask("Who attacked the Kremlin-appointed official in Nova Kakhovka?")
    assert apart.citations and not joined.unmatched
    assert [c.hit.passage_id for c in joined.citations] == [c.hit.passage_id for c in apart.citations]


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


def _filler(n: int) -> str:
    return " ".join(f"Weather report {i} mentioned rain over the valley farms today." for i in range(n))


async def test_a_second_place_in_one_article_is_cited_when_no_other_article_answers(tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "harbour.txt").write_text(
        "Harbour notes\n\nThe lighthouse keeper finds a brass compass in the harbour cellar. " + _filler(30)
        + " Years later the lighthouse keeper finds a brass compass again in the harbour cellar.")
    (articles / "farms.txt").write_text("Farm notes\n\n" + _filler(12))
    index_paths(tmp_path / "index.sqlite", [articles], progress=False)
    async with await Searcher.open(tmp_path / "index.sqlite") as searcher:
        result = await searcher.search("Where did the lighthouse keeper find the brass compass?", limit=20)
    answer = compose(result)
    assert [c.hit.article_id for c in answer.citations] == ["harbour", "harbour"]
    first, second = (c.excerpt.text for c in answer.citations)
    assert "compass" in first and "compass" in second and first != second
    # Another article that answers takes the slot before a second place in the same article.
    (articles / "museum.txt").write_text("Museum notes\n\nIn the museum the lighthouse keeper finds a brass compass "
                                         "from the harbour cellar. " + _filler(3))
    index_paths(tmp_path / "index.sqlite", [articles], progress=False)
    async with await Searcher.open(tmp_path / "index.sqlite") as searcher:
        result = await searcher.search("Where did the lighthouse keeper find the brass compass?", limit=20)
    assert sorted(c.hit.article_id for c in compose(result, max_articles=2).citations) == ["harbour", "museum"]
