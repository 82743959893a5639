"""Tests for index.articles: every supported format, text cleaning and file discovery."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from citebot.index.articles import (
    SUPPORTED_SUFFIXES,
    Article,
    ArticleError,
    clean_text,
    discover_files,
    read_articles,
)
from tests.conftest import DATA

BUNDLED = Path(__file__).resolve().parent.parent / "index" / "bundled"
SCIFACT_CORPUS = DATA / "scifact_corpus_sample.jsonl"  # the first 30 lines of BEIR SciFact's corpus.jsonl


def write(directory: Path, name: str, content: str | bytes) -> Path:
    """Write a small input file and return its path."""
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def read_one(path: Path) -> Article:
    """Read a file that must hold exactly one article."""
    articles = read_articles(path)
    assert len(articles) == 1
    return articles[0]


# --------------------------------------------------------------------------- clean_text


def test_clean_text_applies_nfkc() -> None:
    assert clean_text("ﬁnal ﬂow １２３ ｄｅｆ") == "final flow 123 def"


def test_clean_text_folds_whitespace_and_makes_each_line_a_paragraph() -> None:
    raw = "  one\t two\u00a0\u00a0three  \r\nsecond line\n\n\n\nthird\u2028fourth"
    assert clean_text(raw) == "one two three\n\nsecond line\n\nthird\n\nfourth"


def test_clean_text_drops_number_and_punctuation_lines() -> None:
    raw = "Headline\n0\n731\n—\n***\n...\n12:30\nBody 2022 text."
    assert clean_text(raw) == "Headline\n\nBody 2022 text."


def test_clean_text_removes_invisible_and_control_characters() -> None:
    raw = "zero\u200bwidth\ufeff soft\u00adhyphen bell\x07 esc\x1b[0m end"
    assert clean_text(raw) == "zerowidth softhyphen bell esc[0m end"


def test_clean_text_of_blank_input_is_empty() -> None:
    assert clean_text(" \n\t\n\u200b") == ""


# --------------------------------------------------------------------------- plain text


def test_bundled_000_has_headline_title() -> None:
    article = read_one(BUNDLED / "000_a8e23c0a12b2f7ca.txt")
    assert article.id == "000_a8e23c0a12b2f7ca"
    assert article.title == "Live updates: Ukraine withdraws from Sievierodonetsk"
    assert not article.text.startswith("Live updates")


def test_bundled_001_derives_title_and_keeps_first_sentence() -> None:
    article = read_one(BUNDLED / "001_cf312ec7e8225a0a.txt")
    assert article.text.startswith("Ukrainian partisans appear to have launched")
    assert article.title.startswith("Ukrainian partisans")
    assert article.title.endswith("…")
    assert len(article.title) <= 81
    # Cut at a word boundary: the word before "…" is whole.
    assert article.title[:-1].split()[-1] in article.text.split()


def test_bundled_002_drops_stray_number_lines() -> None:
    article = read_one(BUNDLED / "002_674b5b2320a11907.txt")
    assert article.title == "Ukrainians In Russian Occupied Territory Rise Up & Kill Putin Soldiers"
    paragraphs = article.text.split("\n\n")
    assert "0" not in paragraphs and "731" not in paragraphs
    assert paragraphs[0].startswith("There have been apparently significant")


def test_every_bundled_file_reads_cleanly() -> None:
    for path in sorted(BUNDLED.glob("*.txt")):
        article = read_one(path)
        assert article.title and article.text
        assert "\n\n\n" not in article.text and "\r" not in article.text


def test_txt_short_first_sentence_becomes_title_without_period(tmp_path: Path) -> None:
    path = write(tmp_path, "note.txt", "Kherson was quiet today. Shops opened.\nMore text here.")
    article = read_one(path)
    assert article.title == "Kherson was quiet today"
    assert article.text == "Kherson was quiet today. Shops opened.\n\nMore text here."


def test_txt_title_sentence_skips_abbreviations(tmp_path: Path) -> None:
    path = write(tmp_path, "a.txt", "Mr. Saldo left for the U.S. on Monday. Then more.")
    assert read_one(path).title == "Mr. Saldo left for the U.S. on Monday"


def test_txt_question_headline_is_title(tmp_path: Path) -> None:
    path = write(tmp_path, "q.txt", "Who runs Kherson now?\n\nNobody is sure.")
    article = read_one(path)
    assert (article.title, article.text) == ("Who runs Kherson now?", "Nobody is sure.")


def test_txt_single_headline_line_stays_as_text(tmp_path: Path) -> None:
    article = read_one(write(tmp_path, "one.txt", "Just a headline"))
    assert (article.title, article.text) == ("Just a headline", "Just a headline")


def test_txt_empty_file_has_no_articles(tmp_path: Path) -> None:
    assert read_articles(write(tmp_path, "empty.txt", "\n \n")) == []


def test_txt_accepts_bom_and_crlf(tmp_path: Path) -> None:
    path = write(tmp_path, "bom.txt", "\ufeffTitle here\r\n\r\nBody line.\r\n".encode())
    article = read_one(path)
    assert (article.title, article.text) == ("Title here", "Body line.")


def test_txt_accepts_utf16_with_bom(tmp_path: Path) -> None:
    path = write(tmp_path, "wide.txt", "Title here\n\nBody line.".encode("utf-16"))
    assert read_one(path).text == "Body line."


# --------------------------------------------------------------------------- decoding errors


def test_undecodable_bytes_raise_article_error_naming_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "latin.txt", "caf\xe9 au lait".encode("latin-1"))
    with pytest.raises(ArticleError) as caught:
        read_articles(path)
    assert "latin.txt" in str(caught.value)
    assert "UTF-8" in str(caught.value)
    assert caught.value.path == path


def test_nul_bytes_mean_binary(tmp_path: Path) -> None:
    path = write(tmp_path, "blob.md", b"PK\x03\x04\x00\x00binary")
    with pytest.raises(ArticleError, match=r"blob\.md: binary"):
        read_articles(path)


def test_unsupported_suffix_is_an_article_error(tmp_path: Path) -> None:
    with pytest.raises(ArticleError, match="unsupported"):
        read_articles(write(tmp_path, "doc.pdf", "x"))


def test_missing_file_is_an_article_error(tmp_path: Path) -> None:
    with pytest.raises(ArticleError, match="gone.txt: cannot read"):
        read_articles(tmp_path / "gone.txt")


# --------------------------------------------------------------------------- Markdown

MARKDOWN = """\
---
title: "Partisans strike again"
url: https://example.com/a
date: 2022-06-24
source: Example News
author: Jane Doe
tags: [war, kherson]
---
# Partisans strike again

<!-- editor note: check facts -->
Partisans **claimed** an _attack_ on the [office](https://example.com/o_(x)) of
the `United Russia` party. ![photo](img.png)

- first point
- second point
  continues here
1. numbered stays

> quoted words

```python
x = snake_case_name * 2
```
"""


def test_markdown_front_matter_and_stripping(tmp_path: Path) -> None:
    article = read_one(write(tmp_path, "story.md", MARKDOWN))
    assert article == Article(
        id="story",
        title="Partisans strike again",
        text=(
            "Partisans claimed an attack on the office of the United Russia party.\n\n"
            "first point\n\n"
            "second point continues here\n\n"
            "1. numbered stays\n\n"
            "quoted words\n\n"
            "x = snake_case_name * 2"
        ),
        url="https://example.com/a",
        date="2022-06-24",
        source="Example News",
        author="Jane Doe",
    )


def test_markdown_heading_is_title_without_front_matter(tmp_path: Path) -> None:
    path = write(tmp_path, "h.markdown", "# The *real* title\n\n## Section\n\nBody text.\n")
    article = read_one(path)
    assert article.title == "The real title"
    assert article.text == "Section\n\nBody text."


def test_markdown_without_title_falls_back_to_text_rules(tmp_path: Path) -> None:
    path = write(tmp_path, "plain.md", "A plain first sentence. And more.\n")
    assert read_one(path).title == "A plain first sentence"


def test_markdown_setext_heading_is_title(tmp_path: Path) -> None:
    path = write(tmp_path, "setext.md", "Underlined title\n================\n\nBody text.\n")
    article = read_one(path)
    assert (article.title, article.text) == ("Underlined title", "Body text.")


def test_markdown_pathological_lines_parse_in_linear_time(tmp_path: Path) -> None:
    # Each of these took seconds with naive lazy patterns (quadratic backtracking).
    hostile = "\n".join(["*a " * 20000, "[a" * 20000, "<!--" * 20000, "# a" + " " * 20000 + "b"])
    started = time.perf_counter()
    read_articles(write(tmp_path, "hostile.md", hostile))
    assert time.perf_counter() - started < 1.0


def test_markdown_invalid_yaml_front_matter(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.md", "---\ntitle: [unclosed\n---\nBody\n")
    with pytest.raises(ArticleError, match=r"bad\.md: invalid YAML front matter") as caught:
        read_articles(path)
    assert "\n" not in str(caught.value)


# --------------------------------------------------------------------------- HTML

HTML_PAGE = """\
<!DOCTYPE html>
<html><head>
<title>Fallback title | Site</title>
<meta property="og:title" content="Partisans &amp; saboteurs">
<meta property="og:site_name" content="Example News">
<meta property="article:published_time" content="2022-06-24T10:00:00Z">
<meta name="author" content="Jane Doe">
<link rel="canonical" href="https://example.com/partisans">
<style>p { color: red }</style>
<script>var ads = "SCRIPT TEXT";</script>
</head>
<body>
<header><nav><a href="/">Home</a> NAV TEXT</nav></header>
<p>Outside the article.</p>
<article>
  <h1>Partisans &amp; saboteurs</h1>
  <p>First   paragraph with <b>bold</b>
     and a line break.</p>
  <script>console.log("SCRIPT TEXT")</script>
  <div hidden>HIDDEN TEXT</div>
  <span aria-hidden="true">ARIA TEXT</span>
  <ul><li>Item one<li>Item two</ul>
  <p>Caf&eacute; &mdash; second<br>third</p>
  <aside>ASIDE TEXT</aside>
</article>
<footer>FOOTER TEXT</footer>
</body></html>
"""


def test_html_picks_article_and_skips_chrome(tmp_path: Path) -> None:
    article = read_one(write(tmp_path, "page.html", HTML_PAGE))
    assert article == Article(
        id="page",
        title="Partisans & saboteurs",
        text=(
            "First paragraph with bold and a line break.\n\n"
            "Item one\n\nItem two\n\n"
            "Café — second\n\nthird"
        ),
        url="https://example.com/partisans",
        date="2022-06-24T10:00:00Z",
        source="Example News",
        author="Jane Doe",
    )


def test_html_falls_back_to_main_then_body(tmp_path: Path) -> None:
    main_page = "<body><p>Menu</p><main><p>Main text.</p></main></body>"
    body_page = "<body><nav>Menu</nav><div>Body text.</div><time datetime='2022-01-02'>x</time>"
    assert read_one(write(tmp_path, "m.htm", main_page)).text == "Main text."
    body_article = read_one(write(tmp_path, "b.html", body_page))
    assert body_article.text == "Body text.\n\nx"
    assert body_article.date == "2022-01-02"


def test_html_title_falls_back_to_title_then_h1(tmp_path: Path) -> None:
    titled = "<html><head><title>Page &amp; title</title></head><body><p>Text.</p></body>"
    h1_only = "<body><header><h1>Heading title</h1></header><p>Text.</p></body>"
    assert read_one(write(tmp_path, "t.html", titled)).title == "Page & title"
    assert read_one(write(tmp_path, "h.html", h1_only)).title == "Heading title"


# --------------------------------------------------------------------------- JSON


def test_json_single_object(tmp_path: Path) -> None:
    record = {"id": 7, "title": "T", "body": "Body.", "published": "2022-06-24", "url": "u"}
    article = read_one(write(tmp_path, "one.json", json.dumps(record)))
    assert article == Article(id="7", title="T", text="Body.", url="u", date="2022-06-24")


def test_json_list_generates_ids_skips_empty_and_duplicates(tmp_path: Path) -> None:
    records = [
        {"title": "First", "text": "One."},
        {"title": "", "text": "  "},
        {"_id": "x", "title": "Second", "text": "Two."},
        {"_id": "x", "title": "Duplicate", "text": "Dropped."},
        {"text": "Only text here. No title given."},
    ]
    articles = read_articles(write(tmp_path, "batch.json", json.dumps(records)))
    assert [(a.id, a.title) for a in articles] == [
        ("batch-1", "First"),
        ("x", "Second"),
        ("batch-5", "Only text here"),
    ]


def test_json_invalid_reports_line(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.json", '[\n{"title": "a"},\n{oops}\n]')
    with pytest.raises(ArticleError, match=r"broken\.json: invalid JSON at line 3"):
        read_articles(path)


def test_json_wrong_field_type_is_an_article_error(tmp_path: Path) -> None:
    path = write(tmp_path, "typed.json", json.dumps([{"title": ["not", "a", "string"]}]))
    with pytest.raises(ArticleError, match=r"item 1: field 'title' must be a string"):
        read_articles(path)


def test_json_file_holding_json_lines_is_read_as_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "lines.json", '{"id": "a", "text": "A."}\n{"id": "b", "text": "B."}\n')
    assert [a.id for a in read_articles(path)] == ["a", "b"]


def test_jsonl_records_and_blank_lines(tmp_path: Path) -> None:
    content = '{"id": "a", "title": "A", "text": "Alpha."}\n\n{"title": "B", "text": "Beta."}\n'
    articles = read_articles(write(tmp_path, "feed.jsonl", content))
    assert [(a.id, a.title, a.text) for a in articles] == [
        ("a", "A", "Alpha."),
        ("feed-2", "B", "Beta."),
    ]


def test_jsonl_invalid_line_names_file_and_line_number(tmp_path: Path) -> None:
    content = '{"id": "a", "text": "ok"}\n\n{"id": "b", "text": \n'
    with pytest.raises(ArticleError, match=r"feed\.jsonl: line 3: invalid JSON"):
        read_articles(write(tmp_path, "feed.jsonl", content))


def test_jsonl_line_that_is_not_an_object(tmp_path: Path) -> None:
    with pytest.raises(ArticleError, match=r"line 1: expected a JSON object"):
        read_articles(write(tmp_path, "list.jsonl", "[1, 2]\n"))


def test_beir_corpus_keeps_ids(tmp_path: Path) -> None:
    lines = SCIFACT_CORPUS.read_text(encoding="utf-8").splitlines(keepends=True)
    assert len(lines) == 30
    path = write(tmp_path, "corpus.jsonl", "".join(lines))
    articles = read_articles(path)
    expected = [json.loads(line) for line in lines]
    assert [a.id for a in articles] == [record["_id"] for record in expected]
    assert articles[0].id == "4983"
    for article, record in zip(articles, expected):
        assert article.title == clean_text(record["title"])
        assert article.text == clean_text(record["text"])


# --------------------------------------------------------------------------- discovery


def test_discover_files_recurses_sorted_and_skips_hidden(tmp_path: Path) -> None:
    for name in [
        "b.txt",
        "a.md",
        "notes.pdf",
        ".hidden.txt",
        "sub/z.JSONL",
        "sub/deeper/c.html",
        ".git/config.json",
        "sub/.cache/x.txt",
    ]:
        write(tmp_path, name, "x")
    found = [p.relative_to(tmp_path).as_posix() for p in discover_files([tmp_path])]
    assert found == ["a.md", "b.txt", "sub/z.JSONL", "sub/deeper/c.html"]


def test_discover_files_takes_files_and_yields_each_once(tmp_path: Path) -> None:
    article = write(tmp_path, "docs/one.txt", "x")
    found = list(discover_files([article, tmp_path / "docs", tmp_path]))
    assert found == [article]


def test_discover_files_missing_path_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        list(discover_files([tmp_path / "nope"]))


def test_supported_suffixes() -> None:
    assert SUPPORTED_SUFFIXES == {".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl"}
