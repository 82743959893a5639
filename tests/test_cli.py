"""The real `citebot` command in a subprocess: answers, JSON, batch and bad input."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import cli


def test_ask_json(bundled_index: Path) -> None:
    run = cli("ask", "--json", "Where was Saldo flown for toxicology tests?", index=bundled_index)
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout)
    assert answer["answered"] is True
    first = answer["citations"][0]
    assert set(first) >= {"n", "article", "title", "passage", "excerpt", "score"}
    assert "Sklifosovsky" in first["excerpt"] and first["n"] == 1
    assert first["passage"].startswith(first["article"] + ":")


def test_ask_batch_reads_stdin(bundled_index: Path) -> None:
    run = cli("ask", "--json", index=bundled_index,
              stdin="Which state-owned bank opened branches in Kherson?\n\nWho won the 2018 FIFA World Cup?\nthe of\n")
    assert run.returncode == 0, run.stderr
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    assert [line["answered"] for line in lines] == [True, False, False]
    assert "error" in lines[2]


def test_search_json_one_hit_per_article(bundled_index: Path) -> None:
    run = cli("search", "--json", "--limit", "3", "Kherson", index=bundled_index)
    assert run.returncode == 0, run.stderr
    hits = json.loads(run.stdout)["hits"]
    assert len(hits) == 3 == len({h["article"] for h in hits})
    assert hits[0]["score"] >= hits[1]["score"] >= hits[2]["score"]


def test_plain_answer_marks_words_and_cites(bundled_index: Path) -> None:
    run = cli("ask", "How", "many", "people", "live", "in", "Nova", "Kakhovka?", index=bundled_index)
    assert run.returncode == 0, run.stderr
    assert "45,000 *people*" in run.stdout and "[001_cf312ec7e8225a0a:" in run.stdout


def test_source_shows_passage_and_article(bundled_index: Path) -> None:
    passage = cli("source", "001_cf312ec7e8225a0a:2", index=bundled_index)
    assert passage.returncode == 0 and "Sklifosovsky" in passage.stdout
    article = cli("source", "002_674b5b2320a11907", index=bundled_index)
    assert article.returncode == 0 and article.stdout.startswith("Ukrainians In Russian Occupied Territory")


@pytest.mark.parametrize("args", [
    ["ask", ""], ["ask", "   "], ["ask", "the of and"], ["ask", "?!"], ["ask", "x" * 100_000],
    ["ask", "who\x07 is\x1b here"], ["search", "  "], ["source", "no-such-id"], ["source", "nope:99"],
])
def test_bad_input_is_one_line_and_non_zero(bundled_index: Path, args: list[str]) -> None:
    run = cli(*args, index=bundled_index)
    assert run.returncode != 0
    assert run.stderr.count("\n") == 1 and run.stderr.startswith("citebot: ")
    assert "Traceback" not in run.stderr + run.stdout


def test_missing_and_corrupt_index(tmp_path: Path) -> None:
    missing = cli("ask", "Kherson", index=tmp_path / "nothing.sqlite")
    assert missing.returncode == 1 and "citebot index" in missing.stderr
    corrupt = tmp_path / "corrupt.sqlite"
    corrupt.write_bytes(b"this is not a database" * 100)
    run = cli("ask", "Kherson", index=corrupt)
    assert run.returncode == 1 and "corrupt" in run.stderr and str(corrupt) in run.stderr
    assert "Traceback" not in run.stderr


def test_index_then_chat(tmp_path: Path) -> None:
    corpus = tmp_path / "articles"
    corpus.mkdir()
    (corpus / "n.md").write_text("---\ntitle: Bridge in Tokmak\nurl: https://example.org/t\n---\n"
                                 "Partisans blew up the Tokmak rail bridge at night.\n", encoding="utf-8")
    index = tmp_path / "index.sqlite"
    run = cli("index", str(corpus), index=index)
    assert run.returncode == 0 and "1 added" in run.stdout
    chat = cli("chat", index=index, stdin="What happened in Tokmak?\n/source n:0\n/quit\n")
    assert chat.returncode == 0, chat.stderr
    assert "Bridge in Tokmak" in chat.stdout and "https://example.org/t" in chat.stdout


def test_chat_indexes_bundled_articles_on_first_use(tmp_path: Path) -> None:
    index = tmp_path / "fresh" / "index.sqlite"
    chat = cli("chat", index=index, stdin="Which state-owned bank opened branches in Kherson?\n")
    assert chat.returncode == 0, chat.stderr
    assert "Promsvyazbank" in chat.stdout and index.exists()


def test_ask_builds_the_default_index_on_first_use(tmp_path: Path) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "INDEX_", "ARTICLES_"))}
    environment.update(XDG_DATA_HOME=str(tmp_path / "data"), PYTHONIOENCODING="utf-8")
    run = subprocess.run([sys.executable, "-m", "citebot.bot.cli", "ask", "--json", "Where did Vitaly Gur die?"],
                         capture_output=True, text=True, env=environment, cwd=tmp_path, timeout=60)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["answered"]
    assert (tmp_path / "data" / "citebot" / "index.sqlite").exists()


def test_run_without_token_points_to_chat(tmp_path: Path) -> None:
    run = cli("run", index=tmp_path / "i.sqlite", env={"TELEGRAM_BOT_TOKEN": ""})
    assert run.returncode != 0 and "TELEGRAM_BOT_TOKEN" in run.stderr and "citebot chat" in run.stderr


def test_version_is_the_installed_package_version(bundled_index: Path) -> None:
    from importlib import metadata

    done = cli("--version", index=bundled_index)
    assert done.returncode == 0 and done.stdout.strip() == f"citebot {metadata.version('citebot')}"
