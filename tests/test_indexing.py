"""Incremental indexing into a real SQLite file: add, change, delete, skip bad files; stored sentences stay right."""

import asyncio
import os
import sqlite3
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

import citebot.bot.service as service_module
import citebot.index.indexer as indexer_module
import citebot.index.search as search_module
from citebot.bot.config import Settings
from citebot.bot.service import Citebot
from citebot.index.indexer import index_paths
from citebot.index.search import Searcher
from tests.test_sentences import article_texts, check_contexts, check_stored

ARTICLE = "Partisans in {town} blew up a railway bridge on Monday.\n\nThe mayor of {town} said the attack was planned for weeks."


def write(folder: Path, name: str, town: str) -> Path:
    path = folder / name
    path.write_text(f"Attack in {town}\n\n" + ARTICLE.format(town=town), encoding="utf-8")
    return path


def _rows(index: Path) -> list[list[tuple]]:
    """Every row of the index's tables, in order: two indexes are the same when these are."""
    conn = sqlite3.connect(index)
    try:
        return [conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
                for table in ("articles", "passages", "terms", "postings", "sentences")]
    finally:
        conn.close()


async def titles(index: Path, query: str) -> list[str]:
    async with await Searcher.open(index) as searcher:
        return [hit.title for hit in (await searcher.search(query, distinct_articles=True)).hits]


async def test_add_change_delete(tmp_path: Path) -> None:
    corpus, index = tmp_path / "articles", tmp_path / "index.sqlite"
    corpus.mkdir()
    write(corpus, "a.txt", "Melitopol")
    write(corpus, "b.txt", "Berdyansk")
    summary = index_paths(index, [corpus], progress=False)
    assert (summary.added, summary.updated, summary.removed, summary.unchanged) == (2, 0, 0, 0)
    assert await titles(index, "Berdyansk") == ["Attack in Berdyansk"]

    summary = index_paths(index, [corpus], progress=False)
    assert (summary.added, summary.updated, summary.removed, summary.unchanged) == (0, 0, 0, 2)

    write(corpus, "b.txt", "Enerhodar")
    write(corpus, "c.txt", "Tokmak")
    (corpus / "a.txt").unlink()
    summary = index_paths(index, [corpus], progress=False)
    assert (summary.added, summary.updated, summary.removed, summary.unchanged) == (1, 1, 1, 0)
    assert await titles(index, "Berdyansk") == []
    assert await titles(index, "Melitopol") == []
    assert await titles(index, "Enerhodar") == ["Attack in Enerhodar"]
    assert (await titles(index, "Tokmak railway"))[0] == "Attack in Tokmak"

    conn = sqlite3.connect(index)
    # Document frequencies and postings agree after the updates: nothing stale is left.
    assert conn.execute("SELECT count(*) FROM terms WHERE term='berdyansk'").fetchone()[0] == 0
    assert conn.execute("SELECT df FROM terms WHERE term='mayor'").fetchone()[0] == 2
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # Every article has its sentences, and nothing else does.
    assert conn.execute("SELECT count(*) FROM sentences").fetchone()[0] == 2
    assert conn.execute("SELECT count(*) FROM sentences s LEFT JOIN articles a ON a.slot = s.article "
                        "WHERE a.slot IS NULL").fetchone()[0] == 0
    conn.close()
    check_stored(index)


async def test_bad_file_is_reported_and_the_rest_indexed(tmp_path: Path) -> None:
    corpus, index = tmp_path / "articles", tmp_path / "index.sqlite"
    corpus.mkdir()
    write(corpus, "good.txt", "Kherson")
    (corpus / "broken.json").write_text("{not json", encoding="utf-8")
    (corpus / "binary.txt").write_bytes(b"caf\xe9 \x81\x00 garbage")
    summary = index_paths(index, [corpus], progress=False)
    assert summary.added == 1
    assert len(summary.errors) == 2
    assert any("broken.json" in e for e in summary.errors) and any("binary.txt" in e for e in summary.errors)
    assert await titles(index, "Kherson") == ["Attack in Kherson"]


async def test_a_file_that_breaks_later_keeps_its_indexed_version(tmp_path: Path) -> None:
    corpus, index = tmp_path / "articles", tmp_path / "index.sqlite"
    corpus.mkdir()
    path = corpus / "a.json"
    path.write_text('{"id": "x1", "title": "Tokmak bridge", "text": "A bridge in Tokmak was hit."}', encoding="utf-8")
    index_paths(index, [corpus], progress=False)
    path.write_text("{broken", encoding="utf-8")
    summary = index_paths(index, [corpus], progress=False)
    assert summary.errors and summary.removed == 0
    assert await titles(index, "Tokmak") == ["Tokmak bridge"]


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        index_paths(tmp_path / "index.sqlite", [tmp_path / "nowhere"], progress=False)


async def test_a_long_article_does_not_crowd_others_out_of_distinct_article_hits(tmp_path: Path) -> None:
    corpus, index = tmp_path / "articles", tmp_path / "index.sqlite"
    corpus.mkdir()
    sentence = "The harbour of Berdyansk was shelled again and the harbour master counted the damage."
    (corpus / "long.txt").write_text("Harbour diary\n\n" + " ".join([sentence] * 400), encoding="utf-8")
    for town in ("Melitopol", "Skadovsk", "Tokmak"):
        (corpus / f"{town}.txt").write_text(f"News from {town}\n\nThe harbour in {town} stayed quiet, a long "
                                           "walk from the front, where farmers sold grain and fish.", encoding="utf-8")
    index_paths(index, [corpus], progress=False)
    async with await Searcher.open(index) as searcher:
        crowd = (await searcher.search("harbour", limit=50)).hits  # the long article's passages outrank the rest
        assert {hit.title for hit in crowd} == {"Harbour diary"}
        hits = (await searcher.search("harbour", limit=4, distinct_articles=True)).hits
    assert [hit.title for hit in hits][0] == "Harbour diary"
    assert sorted(hit.title for hit in hits[1:]) == ["News from Melitopol", "News from Skadovsk", "News from Tokmak"]


async def test_a_large_index_answers_from_passages_added_while_it_was_open(tmp_path: Path) -> None:
    corpus, index = tmp_path / "articles", tmp_path / "index.sqlite"
    corpus.mkdir()
    write(corpus, "a.txt", "Melitopol")
    index_paths(index, [corpus], progress=False)
    # preload_bytes=0: postings are read from the file per question, as for a large archive.
    async with await Searcher.open(index, preload_bytes=0) as searcher:
        assert [hit.title for hit in (await searcher.search("Melitopol")).hits] == ["Attack in Melitopol"]
        for town in ("Berdyansk", "Enerhodar", "Tokmak"):
            write(corpus, f"{town}.txt", town)
        index_paths(index, [corpus], progress=False)
        # The railway's postings now name passage slots the open searcher has never seen.
        hits = (await searcher.search("railway bridge", distinct_articles=True)).hits
    assert sorted(hit.title for hit in hits) == ["Attack in Berdyansk", "Attack in Enerhodar", "Attack in Melitopol",
                                                  "Attack in Tokmak"]


def test_an_id_taken_mid_run_is_made_unique_and_the_run_written_once(tmp_path: Path) -> None:
    """A run is inserted under its own ids first: one taken by another file's article, after others
    of the run were written, undoes the run's rows and writes them again with that id made unique."""
    (tmp_path / "a.jsonl").write_text('{"id": "story", "text": "Melitopol."}\n{"id": "story-2", "text": "Tokmak."}\n')
    (tmp_path / "b.jsonl").write_text('{"id": "x", "text": "Kherson."}\n{"id": "y", "text": "Enerhodar."}\n'
                                      '{"id": "story", "text": "Skadovsk."}\n{"id": "z", "text": "Berdyansk."}\n')
    index = tmp_path / "index.sqlite"
    assert index_paths(index, [tmp_path], progress=False).added == 6
    conn = sqlite3.connect(index)
    rows = conn.execute("SELECT a.id, a.text, count(p.slot) FROM articles a JOIN passages p ON p.article = a.slot "
                        "GROUP BY a.slot ORDER BY a.slot").fetchall()
    conn.close()
    assert rows == [("story", "Melitopol.", 1), ("story-2", "Tokmak.", 1), ("x", "Kherson.", 1),
                    ("y", "Enerhodar.", 1), ("story-3", "Skadovsk.", 1), ("z", "Berdyansk.", 1)]


async def test_same_id_from_two_files_is_kept_apart(tmp_path: Path) -> None:
    for sub in ("one", "two"):
        (tmp_path / sub).mkdir()
        write(tmp_path / sub, "story.txt", "Melitopol" if sub == "one" else "Skadovsk")
    index = tmp_path / "index.sqlite"
    summary = index_paths(index, [tmp_path / "one", tmp_path / "two"], progress=False)
    assert summary.added == 2
    searcher = await Searcher.open(index)
    try:
        ids = {hit.article_id for hit in (await searcher.search("attack mayor", distinct_articles=True)).hits}
        assert ids == {"story", "story-2"}
    finally:
        await searcher.close()


async def test_broken_line_deep_in_a_jsonl_undoes_only_that_file(tmp_path: Path) -> None:
    corpus, index = tmp_path / "articles", tmp_path / "index.sqlite"
    corpus.mkdir()
    write(corpus, "good.txt", "Kherson")
    lines = [f'{{"id": "r{i}", "title": "Report {i}", "text": "Drone strike number {i} near Skadovsk."}}'
             for i in range(50)]
    archive = corpus / "archive.jsonl"
    archive.write_text("\n".join(lines[:30] + ["{broken"] + lines[30:]), encoding="utf-8")
    summary = index_paths(index, [corpus], progress=False)
    assert summary.added == 1 and "line 31" in summary.errors[0]
    assert await titles(index, "Skadovsk") == []
    archive.write_text("\n".join(lines), encoding="utf-8")
    summary = index_paths(index, [corpus], progress=False)
    assert (summary.added, summary.unchanged) == (50, 1)
    assert len(await titles(index, "Skadovsk drone")) == 10


@pytest.mark.parametrize("in_thread", [False, True], ids=["scored-in-the-loop", "scored-in-a-thread"])
@pytest.mark.parametrize("preload_bytes, whole_bytes", [(0, 0), (1 << 20, 0), (1 << 20, 1 << 20)],
                         ids=["read-from-disk", "postings-held", "held-in-memory"])
async def test_open_searcher_sees_each_commit(tmp_path: Path, preload_bytes: int, whole_bytes: int, in_thread: bool,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # Postings held in memory (a large index's) are of the generation they were read in: a commit
    # shows in the hits' rows, and the search is done again on the new one. A search is scored and
    # its hits read where it runs: in the loop, or past _THREAD_THRESHOLD postings in a worker thread.
    monkeypatch.setattr(search_module, "WHOLE_BYTES", whole_bytes)
    if in_thread:
        monkeypatch.setattr(search_module, "_THREAD_THRESHOLD", -1)  # every search, with postings or none
    scored_in: set[int] = set()
    best = search_module.Searcher._best  # scores and reads the hits, held packed or not
    monkeypatch.setattr(search_module.Searcher, "_best", lambda self, *args: scored_in.add(threading.get_ident())
                        or best(self, *args))
    corpus, index = tmp_path / "articles", tmp_path / "index.sqlite"
    corpus.mkdir()
    write(corpus, "a.txt", "Melitopol")
    index_paths(index, [corpus], progress=False)
    searcher = await Searcher.open(index, preload_bytes=preload_bytes)
    try:
        assert (searcher.held is None) == (preload_bytes == 0)
        assert (searcher.rows is None) == (searcher.packed is None) == (whole_bytes == 0)
        assert [h.title for h in (await searcher.search("Melitopol")).hits] == ["Attack in Melitopol"]
        write(corpus, "b.txt", "Berdyansk")
        (corpus / "a.txt").unlink()
        index_paths(index, [corpus], progress=False)
        assert [h.title for h in (await searcher.search("Berdyansk")).hits] == ["Attack in Berdyansk"]
        assert (await searcher.search("Melitopol")).hits == []
        hit = (await searcher.search("Berdyansk railway bridge")).hits[0]
        assert "Berdyansk" in hit.text and hit.passage_id.startswith("b:")
        assert scored_in and (threading.get_ident() in scored_in) != in_thread
    finally:
        await searcher.close()


async def test_a_small_index_looks_for_commits_at_most_every_millisecond(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A small index held whole answers without the database, so it looks at the file for a commit
    # before a search; searches in a row within _LOOK_EVERY look once, and a commit shows in the first
    # search after it.
    corpus, index = tmp_path / "articles", tmp_path / "index.sqlite"
    corpus.mkdir()
    write(corpus, "a.txt", "Melitopol")
    index_paths(index, [corpus], progress=False)
    async with await Searcher.open(index) as searcher:
        looked = []
        on_disk = searcher._on_disk
        monkeypatch.setattr(searcher, "_on_disk", lambda: looked.append(1) or on_disk())
        monkeypatch.setattr(search_module, "_LOOK_EVERY", 3600.0)
        for _ in range(3):
            assert (await searcher.search("Melitopol")).hits
        assert len(looked) == 1
        monkeypatch.setattr(search_module, "_LOOK_EVERY", 0.0)
        write(corpus, "b.txt", "Berdyansk")
        index_paths(index, [corpus], progress=False)
        assert [h.title for h in (await searcher.search("Berdyansk")).hits] == ["Attack in Berdyansk"]
        assert len(looked) == 3  # looked at, and taken again as the new generation was loaded


async def test_closing_waits_for_a_search_scoring_in_a_worker_thread(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # The search reads its hits on the Searcher's own connection in the thread it scores in: close()
    # must not close that connection under it.
    corpus, index = tmp_path / "articles", tmp_path / "index.sqlite"
    corpus.mkdir()
    write(corpus, "a.txt", "Melitopol")
    index_paths(index, [corpus], progress=False)
    monkeypatch.setattr(search_module, "_THREAD_THRESHOLD", -1)
    scoring, go_on = threading.Event(), threading.Event()
    top_k = search_module.top_k

    def held_top_k(*args, **kwargs):
        scoring.set()
        assert go_on.wait(10)
        return top_k(*args, **kwargs)

    monkeypatch.setattr(search_module, "top_k", held_top_k)
    searcher = await Searcher.open(index, preload_bytes=0)
    search = asyncio.create_task(searcher.search("Melitopol"))
    assert await asyncio.to_thread(scoring.wait, 10)
    closing = asyncio.create_task(searcher.close())
    for _ in range(20):  # let close() run as far as it can: it waits for the search
        await asyncio.sleep(0)
    assert not closing.done()
    go_on.set()
    assert [hit.title for hit in (await search).hits] == ["Attack in Melitopol"]
    await asyncio.wait_for(closing, 10)
    with pytest.raises(sqlite3.ProgrammingError):
        searcher.reader.execute("SELECT 1")


def test_a_first_build_that_finds_a_store_put_there_meanwhile_indexes_into_it(tmp_path: Path,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    corpus, other, index = tmp_path / "articles", tmp_path / "other", tmp_path / "index.sqlite"
    corpus.mkdir(), other.mkdir()
    write(corpus, "a.txt", "Melitopol")
    write(other, "b.txt", "Berdyansk")
    put_in_place = indexer_module._put_in_place

    def racing(built: Path, path: Path) -> bool:
        monkeypatch.setattr(indexer_module, "_put_in_place", put_in_place)
        assert not path.exists()
        index_paths(path, [other], progress=False)  # another indexer's first build, in place first
        return put_in_place(built, path)

    monkeypatch.setattr(indexer_module, "_put_in_place", racing)
    summary = index_paths(index, [corpus], progress=False)
    assert (summary.added, summary.passages) == (1, 2), str(summary)
    titles = {title for (title,) in sqlite3.connect(index).execute("SELECT title FROM articles")}
    assert titles == {"Attack in Melitopol", "Attack in Berdyansk"}
    assert [path.name for path in tmp_path.iterdir() if path.name.startswith(".")] == []  # no build left behind


def test_a_first_build_removes_what_killed_ones_left_but_not_a_running_ones(tmp_path: Path) -> None:
    corpus, index = tmp_path / "articles", tmp_path / "index.sqlite"
    corpus.mkdir()
    write(corpus, "a.txt", "Melitopol")
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    abandoned = [tmp_path / f".index.sqlite.building-{int(gone.stdout)}{suffix}" for suffix in ("", "-journal")]
    running = tmp_path / f".index.sqlite.building-{os.getppid()}"
    for path in (*abandoned, running):
        path.write_bytes(b"half a store")
    index_paths(index, [corpus], progress=False)
    assert not any(path.exists() for path in abandoned) and running.read_bytes() == b"half a store"
    assert sqlite3.connect(index).execute("PRAGMA journal_mode").fetchone() == ("wal",)


async def test_stored_sentence_term_ids_stay_valid_when_ids_are_reused(tmp_path: Path) -> None:
    corpus, index = tmp_path / "articles", tmp_path / "index.sqlite"
    corpus.mkdir()
    write(corpus, "a.txt", "Melitopol")
    index_paths(index, [corpus], progress=False)
    async with await Searcher.open(index, preload_bytes=0) as searcher:
        (corpus / "b.txt").write_text("Attack in Melitopol\n\nPartisans blew up a quokka bridge.", encoding="utf-8")
        index_paths(index, [corpus], progress=False)
        conn = sqlite3.connect(index)
        quokka = conn.execute("SELECT id FROM terms WHERE term='quokka'").fetchone()[0]
        assert quokka == conn.execute("SELECT max(id) FROM terms").fetchone()[0]
        hits = (await searcher.search("quokka Melitopol")).hits
        await searcher.contexts(hits)
        (corpus / "b.txt").unlink()
        index_paths(index, [corpus], progress=False)
        (corpus / "c.txt").write_text("Attack in Melitopol\n\nPartisans blew up a wombat bridge.", encoding="utf-8")
        index_paths(index, [corpus], progress=False)
        # The freed id now names another word, in the terms table and in the stored sentences.
        assert conn.execute("SELECT term FROM terms WHERE id=?", (quokka,)).fetchone()[0] == "wombat"
        conn.close()
        check_stored(index)
        hits = (await searcher.search("wombat Melitopol")).hits
        contexts = await searcher.contexts(hits)
        assert hits[0].article_id == "c" and "wombat" in contexts[0].sentences[contexts[0].first].terms
        check_contexts(hits, contexts, article_texts(index))


def test_analysing_in_worker_processes_writes_the_same_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import citebot.index.indexer as indexer
    from tests.conftest import DATA

    source = tmp_path / "sample.jsonl"
    lines = (DATA / "scifact_corpus_sample.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    source.write_text("".join(lines), encoding="utf-8")
    monkeypatch.setattr(indexer, "PARALLEL_BYTES", 0)  # the sample counts as a big file
    monkeypatch.setattr(indexer, "_CHUNK_BYTES", 4000)  # a few articles a chunk
    monkeypatch.setattr(indexer, "_CHUNKS_AHEAD", 3)  # several batches, one analysed while another is written
    tables = []
    for workers in (1, 2):
        index = tmp_path / f"index-{workers}.sqlite"
        index_paths(index, [source], progress=False, workers=workers)
        tables.append(_rows(index))
    assert tables[0] == tables[1] and len(tables[0][1]) > 30


def test_a_utf16_jsonl_file_is_read_here_and_analysed_in_the_workers(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The workers read UTF-8 chunks for themselves; a UTF-16 file's lines are read here, as before."""
    from tests.conftest import DATA

    source = tmp_path / "sample.jsonl"
    source.write_text((DATA / "scifact_corpus_sample.jsonl").read_text(encoding="utf-8"), encoding="utf-16")
    monkeypatch.setattr(indexer_module, "PARALLEL_BYTES", 0)
    tables = []
    for workers in (1, 2):
        index = tmp_path / f"index-{workers}.sqlite"
        assert index_paths(index, [source], progress=False, workers=workers).added == 30
        tables.append(_rows(index))
    assert tables[0] == tables[1]


def test_worker_processes_yield_the_cpu_to_the_indexing_process(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from citebot.index.worker import _NICER

    monkeypatch.setattr(indexer_module, "PARALLEL_BYTES", 0)
    source = write(tmp_path, "a.txt", "Melitopol")
    running = indexer_module.Indexer(tmp_path / "index.sqlite", workers=2)
    pool = running._workers_for(source)
    assert pool is not None
    try:
        assert pool.apply(os.nice, (0,)) == min(os.nice(0) + _NICER, 19)  # os.nice(0): a process's niceness
    finally:
        running._stop_workers(wait=False)


def test_worker_processes_read_a_jsonl_file_as_this_process_does(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Lines parsed in the workers: duplicate ids (in one run and across runs) skipped, and a file's
    first error reported (a broken line before undecodable bytes), the same as parsed here."""
    import citebot.index.indexer as indexer
    from tests.conftest import DATA

    lines = (DATA / "scifact_corpus_sample.jsonl").read_text(encoding="utf-8").splitlines()
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.jsonl").write_text("\n".join(lines[:12] + lines[3:5] + ["", lines[13], lines[0]] + lines[14:30]),
                                    encoding="utf-8")
    (corpus / "b.jsonl").write_bytes("\n".join(lines[15:25] + ["{broken"] + lines[25:30]).encode() + b"\n\xff\xfe\n")
    (corpus / "c.jsonl").write_bytes("\n".join(lines[:5]).encode() + b"\n\xff\xfe\n")
    monkeypatch.setattr(indexer, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(indexer, "_CHUNK_BYTES", 3000)
    monkeypatch.setattr(indexer, "_CHUNKS_AHEAD", 2)
    results = []
    for workers in (1, 2):
        index = tmp_path / f"index-{workers}.sqlite"
        summary = index_paths(index, [corpus], progress=False, workers=workers)
        results.append((str(summary), summary.errors, _rows(index)))
    assert results[0] == results[1]
    assert results[0][0].startswith("29 added") and len(results[0][1]) == 2
    assert "invalid JSON" in results[0][1][0] and "UTF-8" in results[0][1][1]


def test_workers_after_a_broken_file_number_terms_afresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs the workers analysed past a broken line are never received, nor the terms they numbered:
    the next file is analysed by new workers, and indexes as in one process."""
    import citebot.index.indexer as indexer
    from tests.conftest import DATA

    lines = (DATA / "scifact_corpus_sample.jsonl").read_text(encoding="utf-8").splitlines()
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.jsonl").write_text("\n".join(lines[:2] + ["{broken"] + lines[2:20]), encoding="utf-8")
    (corpus / "b.jsonl").write_text("\n".join(lines[20:30]), encoding="utf-8")
    monkeypatch.setattr(indexer, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(indexer, "_CHUNK_BYTES", 1)  # a line a chunk
    monkeypatch.setattr(indexer, "_CHUNKS_AHEAD", 3)  # a batch after the broken line's is analysed, not received
    tables = []
    for workers in (1, 2):
        index = tmp_path / f"index-{workers}.sqlite"
        summary = index_paths(index, [corpus], progress=False, workers=workers)
        assert summary.added == 10 and "a.jsonl" in summary.errors[0]
        tables.append(_rows(index))
    assert tables[0] == tables[1]


def test_postings_sorted_in_segments_write_the_same_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Postings sorted by term a few at a time, and a broken file undone after some were sorted."""
    import citebot.index.indexer as indexer
    from tests.conftest import DATA

    lines = (DATA / "scifact_corpus_sample.jsonl").read_text(encoding="utf-8").splitlines()
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.jsonl").write_text("\n".join(lines[:10]), encoding="utf-8")
    (corpus / "b.jsonl").write_text("\n".join(lines[10:18] + ["{broken"] + lines[18:20]), encoding="utf-8")
    (corpus / "c.jsonl").write_text("\n".join(lines[20:30]), encoding="utf-8")
    monkeypatch.setattr(indexer, "_ARTICLES_AHEAD", 3)  # the broken line comes after several runs were added
    tables = []
    for segment in (1 << 25, 200):
        monkeypatch.setattr(indexer, "_SEGMENT", segment)
        index = tmp_path / f"index-{segment}.sqlite"
        summary = index_paths(index, [corpus], progress=False, workers=1)
        assert summary.added == 20 and "b.jsonl" in summary.errors[0]
        tables.append(_rows(index))
    assert tables[0] == tables[1]


async def test_one_question_does_not_read_a_large_index_postings_first(bundled_index: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # `citebot ask "…"` answers one question: holding a large index's postings would read them all
    # first. The bot and `citebot chat` hold them, and keep holding them across a reopen; the
    # answers are the same either way. (WHOLE_BYTES 0: the bundled index counts as a large one.)
    monkeypatch.setattr(search_module, "WHOLE_BYTES", 0)
    monkeypatch.setattr(service_module, "WHOLE_BYTES", 0)
    settings = Settings(_env_file=None, index_path=bundled_index)
    held, one = await Citebot.open(settings), await Citebot.open(settings, hold_postings=False)
    try:
        assert held.searcher.held is not None and held.searcher.rows is None
        assert one.searcher.held is None
        for question in ("Who is the mayor of Melitopol?", "What happened in Kherson?"):
            assert (await held.ask(question)).citations == (await one.ask(question)).citations
        await held.reopen()
        assert held.searcher.held is not None
    finally:
        await held.close()
        await one.close()


def test_postings_are_grouped_by_term_as_a_stable_sort_groups_them() -> None:
    """The counting sort (_kernels.group's scatter) against NumPy's stable argsort, empty and skewed
    inputs included; a term id or an array it cannot take is an error, never a write out of bounds."""
    from citebot.index import _kernels
    from citebot.index.indexer import _Grouped

    rng = np.random.default_rng(3)
    for size, vocabulary in ((0, 1), (1, 1), (50, 3), (10_000, 40), (100_000, 5_000)):
        terms = (rng.zipf(1.5, size) % vocabulary).astype(np.int32)
        slots = np.sort(rng.integers(0, 2**31 - 1, size)).astype(np.int32)
        tfs = rng.integers(1, 2**16, size).astype(np.uint16)
        grouped = _Grouped.sort(terms, slots, tfs)
        order = np.argsort(terms, kind="stable")
        assert np.array_equal(grouped.slots, slots[order]) and np.array_equal(grouped.tfs, tfs[order])
        assert np.array_equal(grouped.term_ids, np.unique(terms))
        assert np.array_equal(np.diff(grouped.bounds), [np.count_nonzero(terms == t) for t in grouped.term_ids])
        assert grouped.slots.dtype == np.int32 and grouped.tfs.dtype == np.uint16 and grouped.term_ids.dtype == np.int32
    terms, slots, tfs = np.array([0, 2, 1], np.int32), np.arange(3, dtype=np.int32), np.ones(3, np.uint16)
    out_slots, out_tfs = np.empty(3, np.int32), np.empty(3, np.uint16)
    with pytest.raises(IndexError):  # term 2 has no first position
        _kernels.group(terms, slots, tfs, np.array([0, 1], np.int64), out_slots, out_tfs)
    with pytest.raises(IndexError):  # positions past the outputs
        _kernels.group(terms, slots, tfs, np.array([0, 2, 3], np.int64), out_slots, out_tfs)
    with pytest.raises(IndexError):
        _kernels.group(np.array([-1, 0, 0], np.int32), slots, tfs, np.zeros(3, np.int64), out_slots, out_tfs)
    with pytest.raises(TypeError):  # next must be int64
        _kernels.group(terms, slots, tfs, np.array([0, 1, 2], np.int32), out_slots, out_tfs)
    with pytest.raises(TypeError):  # outputs as long as the postings
        _kernels.group(terms, slots, tfs, np.array([0, 1, 2], np.int64), out_slots[:2], out_tfs)
    with pytest.raises(TypeError):
        _kernels.group(terms, slots, tfs.astype(np.float32), np.array([0, 1, 2], np.int64), out_slots, out_tfs)


def test_each_groups_distinct_terms_come_in_order_of_first_use_with_their_counts() -> None:
    """The compiled count of each passage's or sentence's distinct terms (worker._distinct) against
    a dict kept group by group, empty groups and skewed terms included; bad input is an error."""
    from citebot.index import _kernels
    from citebot.index.worker import _distinct

    rng = np.random.default_rng(5)
    for groups, width in ((0, 1), (1, 1), (40, 3), (2_000, 50), (5_000, 20_000)):
        sizes = rng.integers(0, 30, groups)
        terms = rng.zipf(1.3, int(sizes.sum())) % width
        firsts, counts, per_group = _distinct(sizes, terms, width)
        expected: list[tuple[int, int]] = []
        at = 0
        for size in sizes.tolist():
            counted = Counter(terms[at : at + size].tolist())  # a dict: keys in order of first use
            expected += counted.items()
            at += size
        assert list(zip(firsts.tolist(), counts.tolist())) == expected
        assert per_group.tolist() == [len(set(terms[end - size : end].tolist()))
                                      for size, end in zip(sizes.tolist(), np.cumsum(sizes).tolist())]
    out = [np.empty(3, np.int64) for _ in range(2)] + [np.empty(2, np.int64)]
    with pytest.raises(IndexError):  # a term outside [0, width)
        _kernels.distinct(np.array([2, 1]), np.array([0, 3, 1]), 3, *out)
    with pytest.raises(ValueError):  # sizes that do not add up to the terms
        _kernels.distinct(np.array([2, 2]), np.array([0, 1, 1]), 3, *out)
    with pytest.raises(ValueError):
        _kernels.distinct(np.array([2, -1]), np.array([0, 1, 1]), 3, *out)
    with pytest.raises(ValueError):  # int64 only
        _kernels.distinct(np.array([2, 1], np.int32), np.array([0, 1, 1]), 3, *out)
    with pytest.raises(ValueError):  # outputs too short
        _kernels.distinct(np.array([2, 1]), np.array([0, 1, 1]), 3, out[0][:2], out[1], out[2])
