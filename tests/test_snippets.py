"""Search snippets (bot/snippets.py): the sentence or two of each hit's passage that cover the query
best, chosen from the stored sentence terms, through Citebot.search, the CLI and /search's HTML."""

import json
from pathlib import Path

import pytest

from citebot.bot.config import Settings
from citebot.bot.render import hit_snippet
from citebot.bot.service import Citebot
from citebot.bot.snippets import SNIPPET_CHARS
from citebot.index.indexer import index_paths
from tests.conftest import cli

# Each article is one short passage; "harbour" is in every article, so it is worth little.
ARTICLES = {
    "keeper": ("Keeper notes",
               "The harbour opened in spring after the storm. The lighthouse keeper found a brass compass. "
               "Later the lighthouse keeper found a brass compass again."),
    "rare": ("Rare notes",
             "The harbour lighthouse stood on the rocks. A storm came at night. "
             "The pilot kept a sextant in the cellar."),
    "pair": ("Pair notes",
             "The harbour ferry left at dawn. A gull landed on the ferry. The sextant was found on its deck."),
    "credit": ("Credit notes",
               "Photo: Reuters/John Smith. The harbour crane lifted a sextant onto the quay."),
    "filler": ("Filler notes", "The harbour was calm. The harbour was quiet. The harbour slept."),
    "trailer": ("Trailer notes", "Photo: Reuters/John Smith. Reporting by Tom Balmforth; Editing by Kevin Liffey."),
}


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("snippets")
    articles = folder / "articles"
    articles.mkdir()
    for name, (title, text) in ARTICLES.items():
        (articles / f"{name}.txt").write_text(f"{title}\n\n{text}\n", encoding="utf-8")
    index_paths(folder / "index.sqlite", [articles], progress=False)
    return folder / "index.sqlite"


async def _snippets(index: Path, query: str) -> dict[str, str]:
    bot = await Citebot.open(Settings(index_path=index))
    try:
        page = await bot.search(query, limit=10)
    finally:
        await bot.close()
    return {hit.article_id: excerpt.text for hit, excerpt in page.hits}


async def test_the_sentence_covering_the_query_is_shown_the_earliest_of_equals(index: Path) -> None:
    shown = await _snippets(index, "lighthouse keeper compass")
    assert shown["keeper"] == "The lighthouse keeper found a brass compass."


async def test_a_rare_word_outweighs_a_common_one(index: Path) -> None:
    # "harbour" is in every article; "sextant" in three: the sextant's sentence is the snippet.
    shown = await _snippets(index, "harbour sextant")
    assert shown["rare"] == "The pilot kept a sextant in the cellar."


async def test_a_next_sentence_is_added_only_for_query_words_the_first_lacks(index: Path) -> None:
    shown = await _snippets(index, "gull sextant")
    assert shown["pair"] == "A gull landed on the ferry. The sextant was found on its deck."
    assert (await _snippets(index, "ferry"))["pair"] == "The harbour ferry left at dawn."
    # A run that covers as much as one of its sentences alone is that sentence.
    assert (await _snippets(index, "ferry gull"))["pair"] == "A gull landed on the ferry."


async def test_boilerplate_is_never_the_snippet(index: Path) -> None:
    shown = await _snippets(index, "Reuters crane")
    assert shown["credit"] == "The harbour crane lifted a sextant onto the quay."


async def test_a_passage_of_boilerplate_alone_shows_its_opening(index: Path) -> None:
    shown = await _snippets(index, "Balmforth")
    assert shown["trailer"] == "Photo: Reuters/John Smith. Reporting by Tom Balmforth; Editing by Kevin Liffey."


async def test_a_snippet_is_a_run_of_the_hits_own_passage(index: Path) -> None:
    bot = await Citebot.open(Settings(index_path=index))
    try:
        page = await bot.search("harbour lighthouse sextant compass gull", limit=10)
    finally:
        await bot.close()
    assert {hit.article_id for hit, _ in page.hits} == set(ARTICLES) - {"trailer"}
    for hit, excerpt in page.hits:
        assert excerpt.text and excerpt.text in hit.text


def test_the_cli_prints_snippets_in_json_and_marks_them_in_text(index: Path) -> None:
    run = cli("search", "--json", "lighthouse keeper compass", index=index)
    assert run.returncode == 0, run.stderr
    hits = {hit["article"]: hit["excerpt"] for hit in json.loads(run.stdout)["hits"]}
    assert hits["keeper"] == "The lighthouse keeper found a brass compass."
    text = cli("search", "lighthouse keeper compass", index=index)
    assert text.returncode == 0, text.stderr
    assert "The *lighthouse* *keeper* found a brass *compass*." in text.stdout


async def test_telegram_shows_the_snippet_marked_and_cut_to_its_length(tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    articles.mkdir()
    long = "The lighthouse keeper " + "walked along the long grey pier and " * 12 + "found a brass compass."
    (articles / "long.txt").write_text(f"Long notes\n\n{long} The tide came in.\n", encoding="utf-8")
    index_paths(tmp_path / "index.sqlite", [articles], progress=False)
    bot = await Citebot.open(Settings(index_path=tmp_path / "index.sqlite"))
    try:
        [(hit, excerpt)] = (await bot.search("lighthouse keeper")).hits
    finally:
        await bot.close()
    assert excerpt.text == long
    html = hit_snippet(hit, excerpt)
    assert html.startswith("The <b>lighthouse</b> <b>keeper</b> walked") and html.endswith("…")
    assert len(html.replace("<b>", "").replace("</b>", "")) <= SNIPPET_CHARS + 1
    # A query word only past the cut: the snippet opens a few words before it.
    bot = await Citebot.open(Settings(index_path=tmp_path / "index.sqlite"))
    try:
        [(hit, excerpt)] = (await bot.search("compass")).hits
    finally:
        await bot.close()
    html = hit_snippet(hit, excerpt)
    assert html.startswith("…") and html.endswith("found a brass <b>compass</b>.")
    assert len(html.replace("<b>", "").replace("</b>", "")) <= SNIPPET_CHARS + 1
