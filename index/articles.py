"""Turn article files (plain text, Markdown, HTML, JSON, JSON Lines) into clean `Article`s.

Everything the index stores passes through `clean_text`, so search and citations
see the same normalised text whatever format an article came from.
"""

from __future__ import annotations

import codecs
import json
import logging
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml

from citebot.index import lines

__all__ = [
    "SUPPORTED_SUFFIXES",
    "Article",
    "ArticleError",
    "clean_text",
    "discover_files",
    "read_articles",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Article:
    """One article: its metadata and cleaned body text (paragraphs separated by a blank line)."""

    id: str
    title: str
    text: str
    url: str | None = None
    date: str | None = None
    source: str | None = None
    author: str | None = None


class ArticleError(Exception):
    """A file that cannot be read, decoded or parsed; `str()` is "<file name>: <reason>" on one line."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        # Parser messages (YAML especially) span lines; callers print this as one log line.
        self.reason = " ".join(reason.split())
        super().__init__(f"{path.name}: {self.reason}")

    def __reduce__(self) -> tuple[type, tuple[Path, str]]:
        # Pickled as its arguments, so that a worker process can hand one back.
        return ArticleError, (self.path, self.reason)


SUPPORTED_SUFFIXES: frozenset[str] = frozenset(
    {".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl"}
)


# --------------------------------------------------------------------------- cleaning

# Control characters (tab and newline are handled as whitespace), soft hyphens,
# zero-width characters, bidi marks and the BOM: invisible, but they split words for BM25.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\u00ad\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
# The ASCII ones, which an ASCII text (NFKC leaves it as it is) loses by bytes.translate, several
# times faster than the pattern's scan.
_ASCII_INVISIBLE = bytes(code for code in range(128) if _INVISIBLE.match(chr(code)))
# Lines with no letters at all: share counters ("0", "731"), rules ("***"), stray dashes.
_JUNK_LINE = re.compile(r"[\W\d_]+")


def _normalize(text: str) -> str:
    """NFKC without invisible characters."""
    if text.isascii():
        return text.encode("ascii").translate(None, _ASCII_INVISIBLE).decode("ascii")
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))


def _fold_spaces(line: str) -> str:
    """line with its white space runs folded to one space and none at its ends."""
    # A printable line has no white space but the space (every other kind is unprintable), so one
    # without a double space or one at an end is folded already: most lines, kept without splitting
    # them into words and joining these again (two thirds of cleaning a text).
    if line.isprintable() and "  " not in line and line[:1] != " " and line[-1:] != " ":
        return line
    return " ".join(line.split())


def clean_text(text: str) -> str:
    """Normalise text and put each non-empty line in its own paragraph, joined by a blank line.

    Whitespace runs inside a line fold to one space and lines that are only
    numbers or punctuation are dropped, since they are page furniture, not prose.
    """
    paragraphs = []
    # splitlines() knows every line break (\r\n, \v, \f, U+2028...); split() every space.
    # Both run in C, several times faster than the equivalent regex substitutions.
    for line in _normalize(text).splitlines():
        line = _fold_spaces(line)
        if line and not _JUNK_LINE.fullmatch(line):
            paragraphs.append(line)
    return "\n\n".join(paragraphs)


def _clean_line(text: str) -> str:
    """Normalise a title or metadata value to a single line."""
    return _fold_spaces(_normalize(text))


# --------------------------------------------------------------------------- titles

_HEADLINE_MAX_CHARS = 150
_HEADLINE_MAX_WORDS = 20
_DERIVED_TITLE_MAX_CHARS = 80
_SENTENCE_END = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s|$)")
_WORD_BEFORE = re.compile(r"[\w.]+$")
# Words whose trailing period does not end a sentence ("Mr. Saldo", "Gen. Smith").
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st gen col lt sgt capt gov sen rep jr sr vs no".split()
)


def _looks_like_headline(line: str) -> bool:
    """A short line not ending like a sentence or clause (".", ",", ";", ":") is a headline."""
    if len(line) > _HEADLINE_MAX_CHARS or len(line.split()) > _HEADLINE_MAX_WORDS:
        return False
    return not line.rstrip("\"'”’)]").endswith((".", ",", ";", ":"))


def _is_abbreviation(text_before: str) -> bool:
    """Whether the word ending `text_before` is an initial, a dotted acronym or a short title."""
    match = _WORD_BEFORE.search(text_before)
    word = match.group().lower() if match else ""
    return len(word) == 1 or "." in word or word in _ABBREVIATIONS


def _first_sentence(paragraph: str) -> str:
    """The paragraph up to and including its first sentence-ending punctuation."""
    for match in _SENTENCE_END.finditer(paragraph):
        if match.group().startswith(".") and _is_abbreviation(paragraph[: match.start()]):
            continue
        return paragraph[: match.end()]
    return paragraph


def _derive_title(text: str) -> str:
    """A title made from the first sentence of cleaned text, cut at a word boundary if long."""
    # Only the start matters: a sentence running past the limit is cut anyway.
    start = text.split("\n\n", 1)[0][: 2 * _DERIVED_TITLE_MAX_CHARS]
    sentence = _first_sentence(start)
    if sentence.endswith(".") and not sentence.endswith(".."):
        sentence = sentence[:-1]
    if len(sentence) <= _DERIVED_TITLE_MAX_CHARS:
        return sentence
    cut = sentence[:_DERIVED_TITLE_MAX_CHARS]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:-–—(\"'“‘") + "…"


def _title_and_body(text: str, title: str | None, *, sniff_headline: bool) -> tuple[str, str]:
    """Choose the article title and drop a leading paragraph that merely repeats it.

    `title` is a title the file states explicitly; without one, a headline-like first
    paragraph is used when `sniff_headline` is set, else the first sentence.
    A derived title is only a label, so the body keeps the sentence it came from.
    """
    first, _, rest = text.partition("\n\n")
    if not title:
        if not (sniff_headline and first and _looks_like_headline(first)):
            return _derive_title(text), text
        title = first
    if rest and first.casefold() == title.casefold():
        text = rest
    return title, text


# --------------------------------------------------------------------------- decoding

_CRLF = re.compile(r"\r\n?")


def _read_text(path: Path) -> str:
    """Read and decode a file, with "\n" line ends."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ArticleError(path, f"cannot read file ({exc.strerror or exc})") from exc
    # Parsers (front matter, fences) match "\n" only, so Windows line ends are unified here.
    return _CRLF.sub("\n", _decode(path, data))


def _decode(path: Path, data: bytes) -> str:
    """UTF-8 (BOM allowed) or UTF-16 with a BOM; NUL bytes otherwise mean a binary file."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Windows editors save "Unicode" text as UTF-16; its NUL bytes are not binary data.
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ArticleError(path, "not valid UTF-16 text") from exc
    if b"\x00" in data:
        raise ArticleError(path, "binary file (contains NUL bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ArticleError(path, f"not valid UTF-8 text (byte offset {exc.start})") from exc


# --------------------------------------------------------------------------- plain text


def _parse_txt(path: Path, raw: str) -> list[Article]:
    """A plain-text file is one article; a headline-like first line is its title."""
    title, text = _title_and_body(clean_text(raw), None, sniff_headline=True)
    return [Article(id=path.stem, title=title, text=text)] if title else []


# --------------------------------------------------------------------------- Markdown

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)^(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S | re.M)
_FRONT_MATTER_KEYS = ("title", "url", "date", "source", "author")
# A comment may not contain "<!--": the scan from each unclosed opener then stops at
# the next opener instead of the end of the file, which keeps the pattern linear.
_HTML_COMMENT = re.compile(r"<!--(?:(?!<!--).)*?-->", re.S)
_FENCE = re.compile(r"\s*(?:```|~~~)")
_HEADING = re.compile(r"\s{0,3}(#{1,6})(?:\s+(.*))?$")
_CLOSING_HASHES = re.compile(r"(?:^|\s)#+$")
_RULE_OR_UNDERLINE = re.compile(r"\s*(?:=+|-(?:\s*-)*|\*(?:\s*\*){2,}|_(?:\s*_){2,})\s*$")
_REFERENCE_DEFINITION = re.compile(r"\s{0,3}\[[^\]]+\]:\s+\S")
_LIST_ITEM = re.compile(r"\s*(?:>\s*)*(?:[-*+]|\d{1,9}[.)])\s+")
# Quote markers and bullets go; ordered-list numbers stay because they carry meaning.
_BLOCK_PREFIX = re.compile(r"^\s*(?:>\s?)*\s*(?:[-*+]\s+)?")
# Marked-up spans may not contain their own delimiters: besides being the usual case,
# that keeps every pattern linear on long lines full of unmatched "*", "[" or "`".
_INLINE_MARKUP: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"!\[[^\[\]\n]*\]\((?:[^()\n]|\([^()\n]*\))*\)"), ""),  # images
    (re.compile(r"\[([^\[\]\n]+)\]\((?:[^()\n]|\([^()\n]*\))*\)"), r"\1"),  # [text](url)
    (re.compile(r"\[([^\[\]\n]+)\]\[[^\[\]\n]*\]"), r"\1"),  # [text][ref]
    (re.compile(r"<((?:https?|mailto):[^<>\s]+)>"), r"\1"),  # <autolinks>
    (re.compile(r"(`{1,3})([^`\n]+)\1"), r"\2"),  # inline code
    (re.compile(r"(\*{1,3})(?=[^\s*])([^*\n]+)(?<=[^\s*])\1"), r"\2"),  # *em*, **strong**
    (re.compile(r"~~(?=[^\s~])([^~\n]+)(?<=[^\s~])~~"), r"\1"),  # ~~strikethrough~~
    # Underscores only count at word edges, so snake_case names survive.
    (re.compile(r"(?<!\w)(_{1,3})(?=[^\s_])([^_\n]+)(?<=[^\s_])\1(?!\w)"), r"\2"),
)


def _split_front_matter(path: Path, raw: str) -> tuple[dict[str, str], str]:
    """Separate YAML front matter (title, url, date, source, author) from the Markdown body."""
    match = _FRONT_MATTER.match(raw)
    if not match:
        return {}, raw
    try:
        # BaseLoader keeps every scalar as the string written, so dates stay "as given".
        data = yaml.load(match.group(1), Loader=yaml.BaseLoader)
    except yaml.YAMLError as exc:
        raise ArticleError(path, f"invalid YAML front matter: {exc}") from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ArticleError(path, "YAML front matter is not a mapping")
    fields = {key: data[key] for key in _FRONT_MATTER_KEYS if isinstance(data.get(key), str)}
    return fields, raw[match.end() :]


def _strip_inline(text: str) -> str:
    """Remove inline Markdown markup (links, images, code, emphasis), keeping the words."""
    for pattern, replacement in _INLINE_MARKUP:
        text = pattern.sub(replacement, text)
    return text


def _markdown_lines(body: str) -> tuple[list[str], str | None]:
    """Block-level Markdown to one line per paragraph, plus the first level-1 heading.

    Soft-wrapped lines of a paragraph or list item are joined, because `clean_text`
    makes every line its own paragraph.
    """
    out: list[str] = []
    heading: str | None = None
    in_fence = joinable = False
    for line in _HTML_COMMENT.sub("", body).split("\n"):
        if _FENCE.match(line):
            in_fence, joinable = not in_fence, False
            out.append("")
        elif in_fence:
            out.append(line)
        elif match := _HEADING.match(line):
            text = _CLOSING_HASHES.sub("", (match.group(2) or "").strip())
            out.append(text)
            if heading is None and len(match.group(1)) == 1:
                heading = text
            joinable = False
        elif _RULE_OR_UNDERLINE.match(line) or _REFERENCE_DEFINITION.match(line):
            if heading is None and line.strip().startswith("=") and joinable:
                heading = out[-1]  # setext "Title\n=====" heading
            out.append("")
            joinable = False
        else:
            content = _BLOCK_PREFIX.sub("", line)
            if joinable and content.strip() and not _LIST_ITEM.match(line):
                out[-1] += " " + content
            else:
                out.append(content)
                # Table rows are separate lines, never a wrapped paragraph.
                joinable = bool(content.strip()) and not line.lstrip().startswith("|")
    return out, heading


def _parse_markdown(path: Path, raw: str) -> list[Article]:
    """A Markdown file is one article; title from front matter, else `# heading`, else as txt."""
    meta, body = _split_front_matter(path, raw)
    lines, heading = _markdown_lines(body)
    text = clean_text(_strip_inline("\n".join(lines)))
    given = _clean_line(meta.get("title") or _strip_inline(heading or ""))
    title, text = _title_and_body(text, given, sniff_headline=True)
    if not title:
        return []
    return [
        Article(
            id=path.stem,
            title=title,
            text=text,
            url=_optional_line(meta.get("url")),
            date=_optional_line(meta.get("date")),
            source=_optional_line(meta.get("source")),
            author=_optional_line(meta.get("author")),
        )
    ]


def _optional_line(value: str | None) -> str | None:
    """A cleaned metadata value, or None when it is missing or blank."""
    # Most records lack most of these fields: nothing to normalise then.
    return (_clean_line(value) or None) if value else None


# --------------------------------------------------------------------------- HTML

# Page chrome and non-content; their text never reaches the article body.
_HTML_SKIP = frozenset(
    "script style noscript template nav header footer aside form svg iframe button".split()
)
# Elements that end a paragraph; skipped chrome is listed too so that the text
# around a <nav> or <aside> does not run together.
_HTML_BLOCK = frozenset(
    "address article aside blockquote body br caption dd details dialog div dl dt "
    "fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol "
    "p pre section summary table tbody tfoot thead tr ul".split()
)
_HTML_CELL = frozenset({"td", "th"})
_HTML_WHITESPACE = re.compile(r"\s+")
_HTML_VOID = frozenset(
    "area base br col embed hr img input link meta param source track wbr".split()
)


class _ArticleHTMLParser(HTMLParser):
    """Collects body text (all, in <main>, in <article>), the title and metadata of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._stack: list[tuple[str, bool]] = []  # open elements: (tag, starts a skipped region)
        self._open: Counter[str] = Counter()
        self._skip_depth = 0
        self._h1_done = False
        self.body: list[str] = []
        self.main: list[str] = []
        self.article: list[str] = []
        self.title: list[str] = []
        self.h1: list[str] = []
        self.meta: dict[str, str] = {}
        self.canonical: str | None = None
        self.time: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        self._note_metadata(tag, attributes)
        if tag in _HTML_BLOCK:
            self._emit("\n")
        elif tag in _HTML_CELL:
            self._emit(" ")
        if tag in _HTML_VOID:
            return
        hidden = "hidden" in attributes or attributes.get("aria-hidden", "").lower() == "true"
        skips = tag in _HTML_SKIP or hidden
        self._stack.append((tag, skips))
        self._open[tag] += 1
        self._skip_depth += skips

    def handle_endtag(self, tag: str) -> None:
        # Pop up to the matching element, closing any left open inside it (<p>, <li>...).
        if self._open[tag]:
            while self._stack:
                open_tag, skips = self._stack.pop()
                self._open[open_tag] -= 1
                self._skip_depth -= skips
                if open_tag == tag:
                    break
        if tag == "h1" and self.h1:
            self._h1_done = True
        if tag in _HTML_BLOCK:
            self._emit("\n")

    def handle_data(self, data: str) -> None:
        if self._open["title"] and not self._open["svg"]:
            self.title.append(data)
            return
        # The first <h1> is a title candidate even inside a skipped <header>, where
        # article pages often put it.
        if self._open["h1"] and not self._h1_done:
            self.h1.append(data)
        if self._skip_depth:
            return
        # HTML collapses source whitespace, newlines included, except inside <pre>.
        self._emit(data if self._open["pre"] else _HTML_WHITESPACE.sub(" ", data))

    def _emit(self, text: str) -> None:
        if self._skip_depth:
            return
        self.body.append(text)
        if self._open["main"]:
            self.main.append(text)
        if self._open["article"]:
            self.article.append(text)

    def _note_metadata(self, tag: str, attributes: dict[str, str]) -> None:
        if tag == "meta":
            key = (attributes.get("property") or attributes.get("name") or "").lower()
            if key and attributes.get("content"):
                self.meta.setdefault(key, attributes["content"])
        elif tag == "link" and "canonical" in attributes.get("rel", "").lower().split():
            self.canonical = self.canonical or attributes.get("href") or None
        elif tag == "time" and attributes.get("datetime"):
            self.time = self.time or attributes["datetime"]


def _parse_html(path: Path, raw: str) -> list[Article]:
    """An HTML page is one article: the text of <article>, else <main>, else the whole body."""
    parser = _ArticleHTMLParser()
    parser.feed(raw)
    parser.close()
    text = ""
    for parts in (parser.article, parser.main, parser.body):
        text = clean_text("".join(parts))
        if text:
            break
    meta = parser.meta
    given = _clean_line(
        meta.get("og:title") or "".join(parser.title) or "".join(parser.h1)
    )
    title, text = _title_and_body(text, given, sniff_headline=False)
    if not title:
        return []
    return [
        Article(
            id=path.stem,
            title=title,
            text=text,
            url=_optional_line(parser.canonical or meta.get("og:url")),
            date=_optional_line(
                meta.get("article:published_time") or parser.time or meta.get("date")
            ),
            source=_optional_line(meta.get("og:site_name")),
            author=_optional_line(meta.get("author")),
        )
    ]


# --------------------------------------------------------------------------- JSON


def _field(record: dict[str, Any], keys: tuple[str, ...], where: str) -> str | None:
    """The first present, non-empty field among `keys` as a string (numbers allowed)."""
    for key in keys:
        value = record.get(key)
        if value is None or value == "":
            continue
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise ValueError(f"{where}: field {key!r} must be a string, not {type(value).__name__}")
        return str(value)
    return None


def _article_from_record(record: object, default_id: str, where: str) -> Article | None:
    """One JSON object to an Article; None when it has neither title nor text."""
    if not isinstance(record, dict):
        raise ValueError(f"{where}: expected a JSON object, got {type(record).__name__}")
    text = clean_text(_field(record, ("text", "body"), where) or "")
    given = _clean_line(_field(record, ("title",), where) or "")
    if not text and not given:
        return None
    title, text = _title_and_body(text, given, sniff_headline=False)
    optional = {
        "url": _field(record, ("url",), where),
        "date": _field(record, ("date", "published"), where),
        "source": _field(record, ("source",), where),
        "author": _field(record, ("author",), where),
    }
    return Article(
        id=_field(record, ("id", "_id"), where) or default_id,
        title=title,
        text=text,
        **{key: _optional_line(value) for key, value in optional.items()},
    )


class UniqueIds:
    """The first article of each id in a file is kept, the others skipped (counted, and reported once
    the file is read)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.seen: set[str] = set()
        self.duplicates = 0

    def keep(self, article: Article) -> bool:
        """Whether article is the first of its id."""
        if article.id in self.seen:
            self.duplicates += 1
            return False
        self.seen.add(article.id)
        return True

    def report(self) -> None:
        if self.duplicates:
            log.warning("%s: skipped %d record(s) with a duplicate id", self.path.name, self.duplicates)


def _articles_from_records(path: Path, records: Iterable[tuple[object, str]]) -> Iterator[Article]:
    """Build articles from (record, location) pairs, keeping the first of any duplicate id."""
    ids = UniqueIds(path)
    for position, (record, where) in enumerate(records, start=1):
        try:
            article = _article_from_record(record, f"{path.stem}-{position}", where)
        except ValueError as exc:
            raise ArticleError(path, str(exc)) from exc
        if article is not None and ids.keep(article):
            yield article
    ids.report()


def article_of_line(path: Path, number: int, position: int, line: str) -> Article | None:
    """The article of a JSON Lines file's line number, its position-th record (non-empty line);
    None when the record has neither title nor text. Raises ArticleError for a line that is not a
    JSON object of an article."""
    if "\x00" in line:
        raise ArticleError(path, "binary file (contains NUL bytes)")
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ArticleError(path, f"line {number}: invalid JSON ({exc.msg})") from exc
    try:
        return _article_from_record(record, f"{path.stem}-{position}", f"line {number}")
    except ValueError as exc:
        raise ArticleError(path, str(exc)) from exc


def _numbered(lines: Iterable[str]) -> Iterator[tuple[int, int, str]]:
    """(line number, record number, line) of each non-empty line: a JSON Lines file's records."""
    position = 0
    for number, line in enumerate(lines, start=1):
        if line and not line.isspace():
            position += 1
            yield number, position, line


def _articles_of_lines(path: Path, records: Iterable[tuple[int, int, str]]) -> Iterator[Article]:
    ids = UniqueIds(path)
    for number, position, line in records:
        article = article_of_line(path, number, position, line)
        if article is not None and ids.keep(article):
            yield article
    ids.report()


def is_utf16(path: Path) -> bool:
    """Whether a file opens with a UTF-16 byte order mark."""
    with path.open("rb") as probe:
        return probe.read(2) in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def jsonl_records(path: Path) -> Iterator[tuple[int, int, str]]:
    """A JSON Lines file's records, (line number, record number, line), read a chunk at a time: an
    archive of a million articles never sits in memory whole. Raises ArticleError where the file
    cannot be read or decoded, after the records before that point."""
    if is_utf16(path):
        yield from _numbered(_read_text(path).split("\n"))
        return
    for chunk, data in jsonl_chunks(path):
        yield from chunk_records(path, chunk, data)


def jsonl_chunks(path: Path, size: int = 1 << 20) -> Iterator[tuple[lines.Chunk, bytes]]:
    """A UTF-8 JSON Lines file's chunks of whole lines (lines.cut), about size bytes each, with their
    bytes (a byte order mark skipped). Raises ArticleError if the file cannot be read."""
    try:
        with path.open("rb") as file:
            yield from lines.cut(file, size, len(codecs.BOM_UTF8) if file.read(3) == codecs.BOM_UTF8 else 0)
    except OSError as exc:
        raise ArticleError(path, f"cannot read file ({exc.strerror or exc})") from exc


def chunk_records(path: Path, chunk: lines.Chunk, data: bytes | None = None) -> Iterator[tuple[int, int, str]]:
    """The records of a chunk of a JSON Lines file (jsonl_chunks), numbered from the file's start; its
    bytes are read from the file unless given. Bytes that are not UTF-8 raise ArticleError after the
    records of the whole lines before them, so that a broken line before them is the file's first error."""
    if data is None:
        try:
            with path.open("rb") as file:
                data = os.pread(file.fileno(), chunk.end - chunk.start, chunk.start)
        except OSError as exc:
            raise ArticleError(path, f"cannot read file ({exc.strerror or exc})") from exc
        if len(data) != chunk.end - chunk.start:
            raise ArticleError(path, "the file changed while it was indexed")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        whole = data[: exc.start]
        whole = whole[: max(whole.rfind(b"\n"), whole.rfind(b"\r")) + 1]
        yield from lines.numbered(whole.decode("utf-8"), chunk)
        raise ArticleError(path, f"not valid UTF-8 text (byte offset {chunk.start + exc.start})") from exc
    yield from lines.numbered(text, chunk)


def _parse_jsonl(path: Path, raw: str) -> list[Article]:
    """A JSON Lines file (e.g. a BEIR corpus.jsonl) holds one article per line."""
    return list(_articles_of_lines(path, _numbered(raw.split("\n"))))


def _parse_json(path: Path, raw: str) -> list[Article]:
    """A JSON file holds one article object or a list of them."""
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data":
            # Several top-level values: JSON Lines saved with a .json suffix.
            return _parse_jsonl(path, raw)
        raise ArticleError(
            path, f"invalid JSON at line {exc.lineno}, column {exc.colno} ({exc.msg})"
        ) from exc
    if isinstance(data, list):
        records = [(item, f"item {n}") for n, item in enumerate(data, start=1)]
    else:
        records = [(data, "top level")]
    return list(_articles_from_records(path, records))


# --------------------------------------------------------------------------- entry points

_PARSERS: dict[str, Callable[[Path, str], list[Article]]] = {
    ".txt": _parse_txt,
    ".md": _parse_markdown,
    ".markdown": _parse_markdown,
    ".html": _parse_html,
    ".htm": _parse_html,
    ".json": _parse_json,
    ".jsonl": _parse_jsonl,
}


def read_articles(path: Path) -> list[Article]:
    """Parse one file into its articles; raise ArticleError if it cannot be decoded/parsed.

    Text, Markdown and HTML files hold one article whose id is the file stem; an empty
    file yields no articles. JSON records with neither title nor text are skipped.
    """
    parser = _PARSERS.get(path.suffix.lower())
    if parser is None:
        raise ArticleError(path, f"unsupported file type {path.suffix or '(no suffix)'!r}")
    return parser(path, _read_text(path))


def title_opens_text(title: str, text: str) -> bool:
    """True when the title was derived from the text's first sentence (so it adds no words of its own)."""
    stem = title.removesuffix("…").rstrip()
    return bool(stem) and text.startswith(stem)


def iter_articles(path: Path) -> Iterator[Article]:
    """Like read_articles, but a .jsonl file is streamed; an ArticleError may come mid-way."""
    if path.suffix.lower() == ".jsonl":
        return _articles_of_lines(path, jsonl_records(path))
    return iter(read_articles(path))


def _is_hidden(name: str) -> bool:
    """Dot files and folders (.git, .DS_Store) are never articles."""
    return name.startswith(".")


def _is_supported(path: Path) -> bool:
    """Whether `read_articles` knows the file's format (suffix case ignored)."""
    return path.suffix.lower() in SUPPORTED_SUFFIXES


def discover_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Files and folders (recursive, sorted, hidden files/dirs skipped, only SUPPORTED_SUFFIXES).

    A file named explicitly is yielded even if hidden; each file is yielded once.
    Raises FileNotFoundError for a path that does not exist, so typos are not silent.
    """
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            candidates: Iterable[Path] = _walk_sorted(path)
        elif path.is_file():
            candidates = [path]
        else:
            raise FileNotFoundError(f"no such file or directory: {path}")
        for candidate in candidates:
            if not _is_supported(candidate):
                continue
            # The same file may be reached twice, e.g. via a folder and by name.
            key = candidate.resolve()
            if key not in seen:
                seen.add(key)
                yield candidate


def _walk_sorted(root: Path) -> Iterator[Path]:
    """Non-hidden files under `root`, depth first, each folder's files before its subfolders."""
    for folder, dirnames, filenames in os.walk(root):
        # Pruning in place stops os.walk from descending into hidden folders like .git.
        dirnames[:] = sorted(name for name in dirnames if not _is_hidden(name))
        for name in sorted(filenames):
            if not _is_hidden(name):
                yield Path(folder, name)
