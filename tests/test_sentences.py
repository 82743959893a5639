"""Sentences stored at index time, and the contexts the answer composer gets from them.

Each article's sentence units are stored with their spans, their distinct
analysed terms (as term ids) and a boilerplate flag; Searcher.contexts hands
out a hit's passage with its neighbouring sentences without tokenising anything.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from citebot.index import search as search_module
from citebot.bot.config import BUNDLED_ARTICLES, Settings
from citebot.bot.service import Citebot
from citebot.index.analysis import analyze
from citebot.index.indexer import index_paths
from citebot.index.passages import chunk, is_boilerplate, sentence_units
from citebot.index.search import Context, Hit, Searcher
from citebot.index.store import SCHEMA_VERSION, SENTENCE_BOILERPLATE, SPAN_DTYPE, TERM_DTYPE

# ---------------------------------------------------------------------------- boilerplate

BOILERPLATE = [
    "By John Smith",
    "By John Smith and Jane Doe, CNN",
    "By JOHN SMITH and JANE DOE",
    "By Daily Mail Reporter",
    "By Mia de Graaf, Health Editor For Dailymail.com",
    "By Daniel Miller for MailOnline",
    "By Associated Press",
    "By John Smith | Published: 12:30 GMT, 1 June 2020 | Updated: 13:45 GMT, 1 June 2020",
    "By: Jane Doe, Senior Political Correspondent",
    "By .",
    "Daniel Miller .",
    "Written by Jane Doe",
    "CNN's Jane Doe contributed to this report.",
    "The Associated Press contributed to this report.",
    "Jane Doe and John Roe contributed reporting.",
    "Jane Doe contributed reporting from Kyiv.",
    "Anastasia Kuznetsova Contribute to the preparation of reports.",
    "The opinions in this commentary are solely those of the author.",
    "The views expressed in this article are the author's own.",
    "The opinions expressed in this commentary are solely hers.",
    "Editor’s note: Frida Ghitis is a former CNN producer and correspondent.",
    "Reporting by John Smith in Kyiv; Editing by Jane Doe",
    "Reporting by Pavel Polityuk and Max Hunder; Writing by Tom Balmforth; Editing by Alex Richardson",
    "Additional reporting by Olena Harmash in Kyiv",
    "Photo: Reuters",
    "Photograph: Sergei Supinsky/AFP/Getty Images",
    "(Photo by John Smith/Getty Images)",
    "(AP Photo/Efrem Lukatsky)",
    "Photo by Sergei Supinsky/AFP via Getty Images",
    "Image copyright Getty Images",
    "Credit: Getty Images",
    "Photo credit: Jane Doe",
    "Getty Images",
    "Andrey Borodulin/AFP – Getty Images",
    "attributed to him…Andrey Borodulin/AFP – Getty Images",
    "Read more: Ukraine war latest",
    "READ MORE: Putin's allies in occupied Kherson",
    "Read more about the war here.",
    "Sign up for our newsletter",
    "Sign up to the Morning Briefing",
    "Follow us on Twitter.",
    "Follow Jane Doe on Twitter",
    "Click here to read the full story.",
    "Download the CNN app",
    "All rights reserved.",
    "Copyright 2022 The Associated Press. All rights reserved.",
    "© 2022 Reuters",
    "This material may not be published, broadcast, rewritten or redistributed.",
    "This article was originally published on The Conversation.",
    "This story has been updated with additional information.",
    "A version of this story appeared in CNN's newsletter.",
    "Originally published on The Conversation.",
    "Updated 12:30 GMT",
    "Updated: 10:43 EST, 4 March 2014",
    "Last updated at 5:46 PM on 12th January 2012",
    "Published 3 hours ago",
    "PUBLISHED: .",
    "11:53 EST, 4 November 2013 .",
    "| .",
    "(CNN) —",
    "(CNN) --",
    "KYIV, Ukraine (Reuters) -",
    "More on the Russia-Ukraine war",
    "Advertisement",
    "Scroll down for video",
    "Share this article",
    "Watch: Russian tanks roll into Kherson",
    # A news site's own furniture (CNN's pages of the late 2000s)
    "E-mail to a friend",
    "Watch the video of the attack »",
    "See photos of the damage »",
    "All About Barack Obama • Iraq",
    "Watch CNN's report on the crash",
    "iReport: Share your photos of the storm",
]

NOT_BOILERPLATE = [
    "Watch out for the police, he said.",
    "All about the money, the prosecutor told the jury.",
    "Email was how the suspects talked, police said.",
    "Save the Children said 40 children died.",
    "Print media reported the attack.",
    "He said the town was «a fortress»",
    "The report by the UN found that 80 per cent of people were out of work.",
    "The photo shows the mayor shaking hands with Russian officials.",
    "Photographs taken by residents show the damage to the bridge.",
    "Photos from the scene show the damage.",
    "Video from the scene showed soldiers firing at the crowd.",
    "By Tuesday, the fighting had spread to the city.",
    "By 2030 the country aims to cut emissions by half.",
    "By Christmas, most troops had returned home.",
    "By contrast, Russia said its forces had not been attacked.",
    "By Stalin's order, thousands were deported.",
    "The agency said the photo was taken by a drone.",
    "He contributed to the report on climate change.",
    "He contributed to the report.",
    "Reporting by the BBC revealed the scale of the fraud.",
    "Reporting by Reuters showed that the company had lied.",
    "Follow the money, investigators said.",
    "Copyright law was changed in 2019.",
    "Updated figures show 45,000 people have fled.",
    "Published in 2019, the study found no link.",
    "First published in 1932, the novel is still read widely.",
    "The report was published on Tuesday by the UN.",
    "Views of this kind are the exception, he said.",
    "Opinions are divided on the matter.",
    "Thousands rushed to sign up for the draft.",
    "Credit Suisse said it would close the branch.",
    "Watch the video, he urged supporters.",
    "Related charges were filed against his brother.",
    "More than 100 people died in the attack.",
    "(CNN) — The mayor of Melitopol was abducted on Friday.",
    "(CNN)Ukraine says its forces have retaken the city.",
    "Here, however, we are talking about a Ukrainian drone attack. © Alexander Polegenko/imago-images.de",
    "Videos posted on social media showed a column of smoke.",
    "The Associated Press reported that 12 people were killed.",
    "Getty Images photographer John Moore was at the scene.",
    "He said the story was published by Reuters on Monday.",
    "Share prices fell by 3% on Monday.",
    "The video, filmed by a resident, shows the explosion.",
    "Mr Fedrov said that up to 80 per cent of the public in Melitopol is unemployed.",
    "Vitaly Gur died on his way to hospital in Crimea, according to Russian media.",
]


@pytest.mark.parametrize("text", BOILERPLATE)
def test_boilerplate_is_recognised(text: str) -> None:
    assert is_boilerplate(text)


@pytest.mark.parametrize("text", NOT_BOILERPLATE)
def test_ordinary_sentences_are_not_boilerplate(text: str) -> None:
    assert not is_boilerplate(text)


def test_a_daily_mail_heading_cut_into_sentences_is_boilerplate_but_the_story_is_not() -> None:
    text = ("By . Daniel Miller . PUBLISHED: . 11:53 EST, 4 November 2013 . | . UPDATED: . 13:45 EST, "
            "4 November 2013 . A British tourist was killed in Kyiv on Monday. Scroll down for video.")
    flags = [(text[s.start:s.end], is_boilerplate(text[s.start:s.end])) for s in sentence_units(text)]
    assert [piece for piece, flag in flags if not flag] == ["A British tourist was killed in Kyiv on Monday."]


def test_bundled_articles_have_little_boilerplate() -> None:
    flagged = [text[s.start:s.end] for path in sorted(BUNDLED_ARTICLES.glob("*.txt"))
               for text in [path.read_text(encoding="utf-8")] for s in sentence_units(text)
               if is_boilerplate(text[s.start:s.end])]
    assert flagged == ["attributed to him…Andrey Borodulin/AFP – Getty Images",
                       "Anastasia Kuznetsova Contribute to the preparation of reports."]


# ---------------------------------------------------------------------------- stored sentences

STORY = """Mayor abducted in Melitopol

By Jane Doe and John Roe, CNN

(CNN) — The mayor of Melitopol, Ivan Fedorov, was abducted on Friday by Russian soldiers. {filler}

He was released six days later in a prisoner exchange. {filler2}

The Associated Press contributed to this report."""


def story(filler_words: int = 120, town: str = "Melitopol") -> str:
    days = range(filler_words // 10)
    filler = " ".join(f"Residents of {town} queued for bread on day {i} of the occupation." for i in days)
    filler2 = " ".join(f"Partisans in {town} blew up bridge number {i} near the railway." for i in days)
    return STORY.format(filler=filler, filler2=filler2).replace("Melitopol", town)


def stored_sentences(index: Path) -> dict[str, tuple[str, np.ndarray, list[list[int]], bytes]]:
    """Article id → (text, spans, term ids per sentence, flags) as stored."""
    conn = sqlite3.connect(index)
    try:
        out = {}
        for article_id, text, spans, bounds, terms, flags in conn.execute(
                "SELECT a.id, a.text, s.spans, s.bounds, s.terms, s.flags FROM articles a "
                "JOIN sentences s ON s.article = a.slot"):
            b = np.frombuffer(bounds, dtype=TERM_DTYPE)
            ids = np.frombuffer(terms, dtype=TERM_DTYPE)
            out[article_id] = (text, np.frombuffer(spans, dtype=SPAN_DTYPE).reshape(-1, 2),
                               [ids[b[i]:b[i + 1]].tolist() for i in range(len(b) - 1)], flags)
        return out
    finally:
        conn.close()


def term_names(index: Path) -> dict[int, str]:
    conn = sqlite3.connect(index)
    try:
        return dict(conn.execute("SELECT id, term FROM terms"))
    finally:
        conn.close()


def check_stored(index: Path) -> None:
    """Every stored sentence is a sentence unit of its article with analyze()'s terms and the boilerplate flag;
    every article's title's terms are analyze()'s."""
    conn = sqlite3.connect(index)
    try:
        for title, title_terms in conn.execute("SELECT title, title_terms FROM articles"):
            assert title_terms.split() == list(dict.fromkeys(analyze(title)))
    finally:
        conn.close()
    names = term_names(index)
    for text, spans, ids, flags in stored_sentences(index).values():
        assert [tuple(pair) for pair in spans.tolist()] == [(s.start, s.end) for s in sentence_units(text)]
        for (start, end), sentence_ids, flag in zip(spans.tolist(), ids, flags):
            piece = text[start:end]
            assert [names[i] for i in sentence_ids] == list(dict.fromkeys(analyze(piece)))
            assert bool(flag & SENTENCE_BOILERPLATE) == is_boilerplate(piece)


def check_contexts(hits: list[Hit], contexts: list[Context], articles: dict[str, str], spread: int = 2) -> None:
    """Contexts agree with their hits and with the articles' text."""
    assert [c.article_id for c in contexts] == [h.article_id for h in hits]
    for hit, context in zip(hits, contexts):
        text = articles[hit.article_id]
        units = sentence_units(text)
        first, last = context.sentences[context.first], context.sentences[context.last]
        assert context.offset + first.start == hit.start and context.offset + last.end == hit.end
        assert context.text[first.start:last.end] == hit.text
        assert context.text == text[context.offset:context.offset + len(context.text)]
        assert context.first <= spread and len(context.sentences) - 1 - context.last <= spread
        assert context.title_terms == frozenset(analyze(hit.title))
        # What composing takes for granted of a context read from the index (answer._Question.mask).
        assert context.vocabulary is not None and all(
            term in context.vocabulary.terms for sentence in context.sentences for term in sentence.terms)
        for sentence in context.sentences:
            unit = units[sentence.number]
            assert (context.offset + sentence.start, context.offset + sentence.end) == (unit.start, unit.end)
            piece = context.text[sentence.start:sentence.end]
            assert sentence.terms == frozenset(analyze(piece))
            assert sentence.boilerplate == is_boilerplate(piece)
        numbers = [s.number for s in context.sentences]
        assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))
        assert numbers[0] == max(0, numbers[context.first] - spread)
        assert numbers[-1] == min(len(units) - 1, numbers[context.last] + spread)


def check_true_to_hits(hits: list[Hit], contexts: list[Context]) -> None:
    """Contexts hold their hits' text where the hits say, with that text's terms."""
    assert len(hits) == len(contexts)
    for hit, context in zip(hits, contexts):
        first, last = context.sentences[context.first], context.sentences[context.last]
        assert context.article_id == hit.article_id
        assert context.offset + first.start == hit.start and context.text[first.start:last.end] == hit.text
        assert all(s.terms == frozenset(analyze(context.text[s.start:s.end])) for s in context.sentences)
        assert hit.ordinal > 0 or first.number == 0


async def all_contexts(index: Path, queries: list[str], preload_bytes: int) -> list[tuple[list[Hit], list[Context]]]:
    async with await Searcher.open(index, preload_bytes=preload_bytes) as searcher:
        assert (searcher.rows is None) == (preload_bytes == 0)
        out = []
        for query in queries:
            hits = (await searcher.search(query, limit=20)).hits
            out.append((hits, await searcher.contexts(hits)))
        return out


QUESTIONS = ["Who is the mayor of Melitopol?", "Which bank opened branches in Kherson?",
             "What gun was used to shoot Gur?", "partisans railway bridge", "Russian passports pensions",
             "How many people live in Nova Kakhovka?"]


def article_texts(index: Path) -> dict[str, str]:
    conn = sqlite3.connect(index)
    try:
        return dict(conn.execute("SELECT id, text FROM articles"))
    finally:
        conn.close()


def test_stored_sentences_match_the_articles(bundled_index: Path) -> None:
    check_stored(bundled_index)
    conn = sqlite3.connect(bundled_index)
    # A passage's length is its units' terms (and the title's, for an opening passage that lacks it).
    for text, start, end, length, ordinal in conn.execute(
            "SELECT a.text, p.start, p.end, p.length, p.ordinal FROM passages p JOIN articles a ON a.slot = p.article"):
        assert length >= len(analyze(text[start:end])) and (ordinal == 0 or length == len(analyze(text[start:end])))
    conn.close()


@pytest.mark.parametrize("preload_bytes", [0, 1 << 25], ids=["read-from-disk", "held-in-memory"])
async def test_contexts_agree_with_hits_and_articles(bundled_index: Path, preload_bytes: int) -> None:
    articles = article_texts(bundled_index)
    results = await all_contexts(bundled_index, QUESTIONS, preload_bytes)
    assert sum(len(hits) for hits, _ in results) > 40
    for hits, contexts in results:
        check_contexts(hits, contexts, articles)


async def test_reading_from_disk_gives_the_contexts_held_in_memory(bundled_index: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    held = await all_contexts(bundled_index, QUESTIONS, 1 << 25)
    assert await all_contexts(bundled_index, QUESTIONS, 0) == held
    # A long article's context text is read a window at a time instead of the whole article.
    monkeypatch.setattr(search_module, "_WHOLE_TEXT_CHARS", 0)
    assert await all_contexts(bundled_index, QUESTIONS, 0) == held


@pytest.mark.parametrize("preload_bytes", [0, 1 << 25], ids=["read-from-disk", "held-in-memory"])
async def test_contexts_for_some_terms_give_each_sentence_just_those_it_holds(bundled_index: Path,
                                                                             preload_bytes: int) -> None:
    async with await Searcher.open(bundled_index, preload_bytes=preload_bytes) as searcher:
        for query in QUESTIONS:
            hits = (await searcher.search(query, limit=20)).hits
            wanted = {"kherson", "mayor", "bridg", "no-such-term"} | set(analyze(query))
            # First before any sentence's terms are decoded, then again after.
            narrow = await searcher.contexts(hits, spread=1, terms=wanted)
            full = await searcher.contexts(hits, spread=1)
            assert narrow == await searcher.contexts(hits, spread=1, terms=wanted)
            assert len(narrow) == len(full) == len(hits)
            for some, every in zip(narrow, full):
                assert (some.article_id, some.text, some.offset, some.first, some.last) == \
                       (every.article_id, every.text, every.offset, every.first, every.last)
                assert [s._replace(terms=s.terms & wanted) for s in every.sentences] == list(some.sentences)
            assert any(s.terms for c in narrow for s in c.sentences)


async def test_spread_and_the_lead(bundled_index: Path) -> None:
    async with await Searcher.open(bundled_index) as searcher:
        hits = (await searcher.search("Promsvyazbank Kherson Zaporizhzhia branches", limit=20)).hits
        articles = article_texts(bundled_index)
        for spread in (0, 1, 3):
            check_contexts(hits, await searcher.contexts(hits, spread=spread), articles, spread)
        narrow = await searcher.contexts(hits, spread=0)
        assert all(c.first == 0 and c.last == len(c.sentences) - 1 for c in narrow)
        lead = [c for h, c in zip(hits, await searcher.contexts(hits)) if h.ordinal == 0]
        assert lead and all(c.first == 0 and c.sentences[0].number == 0 and c.offset == 0 for c in lead)
        assert await searcher.contexts([]) == []
        # In the order of the hits, repeats included.
        twice = await searcher.contexts([hits[1], hits[0], hits[1]])
        assert twice == [*(await searcher.contexts([hits[1], hits[0]])), twice[0]]


async def test_a_context_crosses_into_the_neighbouring_passages(tmp_path: Path) -> None:
    corpus, index = tmp_path / "articles", tmp_path / "index.sqlite"
    corpus.mkdir()
    (corpus / "melitopol.txt").write_text(story(200), encoding="utf-8")
    index_paths(index, [corpus], progress=False)
    text = article_texts(index)["melitopol"]
    passages = chunk(text)
    assert len(passages) >= 4
    async with await Searcher.open(index) as searcher:
        hits = (await searcher.search("Melitopol partisans bridge railway", limit=50)).hits
        contexts = await searcher.contexts(hits)
    check_contexts(hits, contexts, {"melitopol": text})
    middle = [(h, c) for h, c in zip(hits, contexts) if 0 < h.ordinal < len(passages) - 1]
    assert middle
    for hit, context in middle:
        before, after = passages[hit.ordinal - 1], passages[hit.ordinal + 1]
        assert context.first == 2 and context.last < len(context.sentences) - 1
        # The sentences around the passage are the neighbouring passages' own.
        assert before.start <= context.offset < hit.start
        assert hit.end < context.offset + len(context.text) <= after.end


async def test_boilerplate_sentences_are_flagged(tmp_path: Path) -> None:
    corpus, index = tmp_path / "articles", tmp_path / "index.sqlite"
    corpus.mkdir()
    (corpus / "melitopol.txt").write_text(story(20), encoding="utf-8")
    index_paths(index, [corpus], progress=False)
    async with await Searcher.open(index) as searcher:
        hits = (await searcher.search("Who abducted the mayor of Melitopol?")).hits
        contexts = await searcher.contexts(hits, spread=50)
    flagged = {contexts[0].text[s.start:s.end] for c in contexts[:1] for s in c.sentences if s.boilerplate}
    assert flagged == {"By Jane Doe and John Roe, CNN", "The Associated Press contributed to this report."}
    lead = contexts[0].sentences[0]
    assert lead.number == 0 and lead.boilerplate  # the byline opens the text (the title is not a sentence)
    assert "abduct" in contexts[0].sentences[1].terms and not contexts[0].sentences[1].boilerplate


async def test_contexts_stay_right_across_incremental_indexing(tmp_path: Path) -> None:
    corpus, index = tmp_path / "articles", tmp_path / "index.sqlite"
    corpus.mkdir()
    for town in ("Melitopol", "Berdyansk", "Tokmak"):
        (corpus / f"{town}.txt").write_text(story(60, town), encoding="utf-8")
    index_paths(index, [corpus], progress=False)
    async with await Searcher.open(index, preload_bytes=0) as searcher, \
            await Searcher.open(index, preload_bytes=0) as other:
        stale = (await searcher.search("Berdyansk partisans bridge", limit=20)).hits
        assert {h.article_id for h in stale} >= {"Berdyansk", "Tokmak"}
        await searcher.contexts(stale)  # cached for this generation
        assert (await other.search("Berdyansk partisans bridge", limit=20)).hits == stale  # not cached
        # One file changes (its words and sentences), one goes, one comes: new terms get new ids.
        (corpus / "Berdyansk.txt").write_text(story(90, "Berdyansk").replace("bread", "water and fuel"),
                                              encoding="utf-8")
        (corpus / "Tokmak.txt").unlink()
        (corpus / "Enerhodar.txt").write_text(story(40, "Enerhodar") + " Zaporizhzhia plant inspectors arrived.",
                                              encoding="utf-8")
        index_paths(index, [corpus], progress=False)
        check_stored(index)
        # Read after the indexer committed: the new generation is loaded, and the hits whose
        # article changed or went get contexts true to their own text.
        check_true_to_hits(stale, await other.contexts(stale))
        assert other.generation == searcher.generation + 1
        # The first searcher has not seen the commit yet: its contexts are those of the hits' generation.
        check_true_to_hits(stale, await searcher.contexts(stale))
        articles = article_texts(index)
        assert set(articles) == {"Melitopol", "Berdyansk", "Enerhodar"}
        for query in ("Berdyansk water fuel", "Enerhodar Zaporizhzhia inspectors", "Melitopol bread"):
            hits = (await searcher.search(query, limit=20)).hits
            check_contexts(hits, await searcher.contexts(hits), articles)
        # Hits found before the change still get contexts true to their own text.
        check_true_to_hits(stale, await searcher.contexts(stale))
    async with await Searcher.open(index) as searcher:
        hits = (await searcher.search("Berdyansk water fuel", limit=20)).hits
        check_contexts(hits, await searcher.contexts(hits), article_texts(index))


async def test_an_old_schema_index_rebuilds_itself_when_opened(tmp_path: Path) -> None:
    corpus, index = tmp_path / "articles", tmp_path / "index.sqlite"
    shutil.copytree(BUNDLED_ARTICLES, corpus)
    index_paths(index, [corpus], progress=False)
    conn = sqlite3.connect(index)
    conn.execute("DROP TABLE sentences")  # what a schema 3 index lacks
    conn.execute("UPDATE meta SET value = 3 WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    bot = await Citebot.open(Settings(_env_file=None, index_path=index, articles_dir=tmp_path / "nowhere"))
    try:
        hits = (await bot.searcher.search("Promsvyazbank Kherson", limit=5)).hits
        assert hits
        check_contexts(hits, await bot.searcher.contexts(hits), article_texts(index))
    finally:
        await bot.close()
    conn = sqlite3.connect(index)
    assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("SELECT count(*) FROM sentences").fetchone()[0] == 5
    conn.close()
    check_stored(index)
