"""Answers and articles → text: Telegram HTML and plain terminal text.

Every piece of article or user text goes through escape(); messages are
measured in UTF-16 code units, as Telegram counts them, and split at
paragraph or sentence boundaries before escaping so a cut never lands
inside a tag or an entity.
"""

from __future__ import annotations

import html
import re
from typing import Callable, Iterable

from citebot.bot.answer import Answer, Citation, Excerpt
from citebot.bot.i18n import N_, Translator, translator
from citebot.bot.snippets import SNIPPET_CHARS
from citebot.index.search import Hit, StoredArticle

MESSAGE_LIMIT = 4096
# Room left for the header and footer that go around a part of an article.
PART_BUDGET = 3500
MAX_TITLE_CHARS = 200
MAX_URL_CHARS = 1000

NO_ANSWER = N_("I could not find that in the articles, so I will not guess.")
SEARCH_TIP = N_("Try /search with a few key words (names, places) to browse what the articles hold.")
CLI_SEARCH_TIP = N_("Try `citebot search` with a few key words (names, places) to browse what the articles hold.")
# Said to a question asked in Ukrainian or Russian (Answer.language), in that language.
IN_ENGLISH = N_("The articles are in English; here is what they say:")
NO_ANSWER_FOREIGN = N_("I read English-language articles and found nothing on that. Ask about people or places "
                       "by name, e.g. “Who is Saldo?” or “Who is the mayor of Melitopol?”")
CARRIED = N_("(about {names}, from your last question)")
CONTINUED = N_("(what follows in the same article, from your last question)")
ARTICLE_ENDS = N_("That is where the article ends; ask another question.")
SEARCHED_INSTEAD = N_("(No “{typed}” in the articles; searched for “{used}” instead.)")


def tg_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def escape(text: str) -> str:
    """Text made safe for Telegram's HTML parse mode."""
    return html.escape(text, quote=False)


def _short(text: str | None, limit: int = MAX_TITLE_CHARS) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def marked(excerpt: Excerpt, wrap: Callable[[str], str], plain: Callable[[str], str]) -> str:
    """The excerpt with matched words passed through wrap and the rest through plain."""
    out, at = [], 0
    for start, end in excerpt.marks:
        out.append(plain(excerpt.text[at:start]))
        out.append(wrap(plain(excerpt.text[start:end])))
        at = end
    out.append(plain(excerpt.text[at:]))
    return "".join(out)


def _source_line(item: Hit | StoredArticle) -> list[str]:
    """Title, then source, author and date where known (plain, unescaped)."""
    details = [d for d in (_short(item.source, 80), _short(item.author, 80), _short(item.date, 40)) if d]
    return [_short(item.title)] + details


def _safe_url(url: str | None) -> str | None:
    if url and len(url) <= MAX_URL_CHARS and re.match(r"https?://\S+$", url):
        return url
    return None


def citation_html(citation: Citation) -> str:
    """One numbered excerpt with its citation, in Telegram HTML."""
    hit = citation.hit
    quote = marked(citation.excerpt, lambda s: f"<b>{s}</b>", escape)
    title, *details = _source_line(hit)
    url = _safe_url(hit.url)
    title_html = f'<a href="{html.escape(url, quote=True)}">{escape(title)}</a>' if url else escape(title)
    meta = ", ".join(escape(d) for d in details)
    return (f"[{citation.n}] «{quote}»\n"
            f"— {title_html}{', ' + meta if meta else ''} · <code>{escape(hit.passage_id)}</code>")


_OPENS, _CLOSES = "“\"", "”\""
# A straight quote after a space, a bracket or a dash opens; elsewhere it closes.
_STRAIGHT = re.compile(r'(?:^|(?<=[\s(\[{—–-]))"|(")')
_NESTED = str.maketrans("“”", "‘’")


def quoted(excerpt: Excerpt, wrap: Callable[[str], str]) -> str:
    """The excerpt in quotation marks for the terminal, never doubled (““…””).

    An excerpt that opens with a quotation mark and closes with one is shown as it is: its own
    marks already enclose it. Any other excerpt goes in “ ”, and its own double quotes become
    single ones, as a quotation inside a quotation is written (“‘Our supporters…,’ he said.”).
    The characters change one for one, so the marked words' spans still hold.
    """
    text = excerpt.text
    if len(text) > 1 and text[0] in _OPENS and text[-1] in _CLOSES:
        return marked(excerpt, wrap, lambda s: s)
    if '"' in text:
        text = _STRAIGHT.sub(lambda m: "’" if m.group(1) else "‘", text)
    nested = Excerpt(text.translate(_NESTED), excerpt.marks)
    return f"“{marked(nested, wrap, lambda s: s)}”"


def citation_text(citation: Citation, bold: tuple[str, str] = ("*", "*")) -> str:
    """One numbered excerpt with its citation, as plain text with marked words."""
    hit = citation.hit
    quote = quoted(citation.excerpt, lambda s: f"{bold[0]}{s}{bold[1]}")
    line = ", ".join(_source_line(hit))
    url = _safe_url(hit.url)
    return f"[{citation.n}] {quote}\n    — {line}{' ' + url if url else ''} [{hit.passage_id}]"


def _instead_note(answer: Answer, _: Translator | None = None) -> list[str]:
    """Notes above the excerpts: what was carried over from the last question, that the articles are
    English (to a question in Ukrainian or Russian), words searched for in place of unknown ones."""
    _ = _ or translator(answer.language)
    notes = []
    if answer.continued:
        notes.append(_(CONTINUED))
    elif answer.carried:
        notes.append(_(CARRIED).format(names=", ".join(answer.carried)))
    if answer.language and answer.answered:
        notes.append(_(IN_ENGLISH))
    return notes + [_(SEARCHED_INSTEAD).format(typed=typed, used=used) for typed, used in answer.searched_instead.items()]


def _no_answer(answer: Answer, tip: str, _: Translator) -> str:
    """Why nothing is quoted, and what to try."""
    if answer.continued:
        return _(ARTICLE_ENDS)
    if answer.language:
        return _(NO_ANSWER_FOREIGN)
    return f"{_(NO_ANSWER)}\n{_(tip)}"


def answer_html(answer: Answer, _: Translator | None = None) -> str:
    """The whole reply to a question, in one message within Telegram's limit; _ translates the fixed
    texts (by default into the language the question was asked in, else English)."""
    _ = _ or translator(answer.language)
    if not answer.answered:
        return "\n".join([f"<i>{escape(note)}</i>" for note in _instead_note(answer, _)]
                         + [escape(_no_answer(answer, SEARCH_TIP, _))])
    notes = [f"<i>{escape(note)}</i>" for note in _instead_note(answer, _)]
    blocks = [citation_html(c) for c in answer.citations]
    # Excerpts are short, but a huge title or sentence must not break the limit.
    while len(blocks) > 1 and tg_len("\n\n".join(notes + blocks)) > MESSAGE_LIMIT:
        blocks.pop()
    text = "\n\n".join(notes + blocks)
    if tg_len(text) > MESSAGE_LIMIT:
        citation = answer.citations[0]
        short = Excerpt(_short(citation.excerpt.text, 3000))
        text = citation_html(Citation(citation.n, citation.hit, short))
    return text


def answer_text(answer: Answer, bold: tuple[str, str] = ("*", "*"), tip: str = CLI_SEARCH_TIP,
                _: Translator | None = None) -> str:
    """The whole reply to a question as plain text (terminal)."""
    _ = _ or translator(answer.language)
    if not answer.answered:
        return "\n".join(_instead_note(answer, _) + [_no_answer(answer, tip, _)])
    return "\n\n".join(_instead_note(answer, _) + [citation_text(c, bold) for c in answer.citations])


def hit_snippet(hit: Hit, excerpt: Excerpt, limit: int = SNIPPET_CHARS) -> str:
    """A short highlighted snippet of a hit, in HTML, cut at word boundaries: its opening, or when
    its first marked word lies beyond that (one long sentence), from a few words before it."""
    text, marks = excerpt.text, excerpt.marks
    start = 0
    if len(text) > limit and marks and marks[0][1] > limit - 1:
        start = min(marks[0][0], text.find(" ", max(0, marks[0][0] - limit // 4)) + 1)
    end = len(text)
    if end - start > limit:
        cut = text.rfind(" ", start, start + limit)
        end = cut if cut > start + limit // 2 else start + limit
    if start or end < len(text):
        shift = 1 if start else 0  # the "…" before
        excerpt = Excerpt(("…" if start else "") + text[start:end] + ("…" if end < len(text) else ""),
                          tuple((a - start + shift, b - start + shift) for a, b in marks if a >= start and b <= end))
    return marked(excerpt, lambda s: f"<b>{s}</b>", escape)


def passage_html(hit: Hit) -> str:
    """A cited passage in full with its article's details."""
    title, *details = _source_line(hit)
    url = _safe_url(hit.url)
    lines = [f"<b>{escape(title)}</b>"]
    if details:
        lines.append(escape(", ".join(details)))
    if url:
        lines.append(f'<a href="{html.escape(url, quote=True)}">{escape(url)}</a>')
    lines.append(f"Passage <code>{escape(hit.passage_id)}</code>\n")
    body = _short(hit.text, PART_BUDGET)
    return "\n".join(lines) + "\n" + escape(body)


def split_text(text: str, budget: int = PART_BUDGET) -> list[str]:
    """Cut plain text into parts of at most budget UTF-16 units once escaped.

    Cuts fall between paragraphs, else between sentences, else between
    words; escaping happens after cutting, so no tag or entity is split.
    """
    parts: list[str] = []
    current = ""
    for piece in _pieces(text, budget):
        joined = f"{current}\n\n{piece}" if current else piece
        if current and tg_len(escape(joined)) > budget:
            parts.append(current)
            current = piece
        else:
            current = joined
    if current:
        parts.append(current)
    return parts


def _pieces(text: str, budget: int) -> Iterable[str]:
    """Paragraphs, with any paragraph too long for one part broken into smaller runs."""
    for paragraph in text.split("\n\n"):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        if tg_len(escape(paragraph)) <= budget:
            yield paragraph
            continue
        yield from _pack(re.split(r"(?<=[.!?…])\s+", paragraph), budget)


def _pack(units: list[str], budget: int) -> Iterable[str]:
    """Join sentences (or words, for a sentence that alone is too long) up to budget."""
    current = ""
    for unit in units:
        if tg_len(escape(unit)) > budget:
            if current:
                yield current
                current = ""
            words = unit.split(" ")
            if len(words) > 1:
                yield from _pack(words, budget)
            else:  # one enormous "word": cut it by characters
                step = budget // 6  # an escaped character is at most 5 units (&amp;), with room to spare
                yield from (unit[i : i + step] for i in range(0, len(unit), step))
            continue
        joined = f"{current} {unit}" if current else unit
        if current and tg_len(escape(joined)) > budget:
            yield current
            current = unit
        else:
            current = joined
    if current:
        yield current


def article_html_parts(article: StoredArticle) -> list[str]:
    """A whole article as one or more messages, each under Telegram's limit."""
    title, *details = _source_line(article)
    head = f"<b>{escape(title)}</b>" + (f"\n{escape(', '.join(details))}" if details else "")
    url = _safe_url(article.url)
    if url:
        head += f'\n<a href="{html.escape(url, quote=True)}">{escape(url)}</a>'
    parts = split_text(article.text, MESSAGE_LIMIT - 100 - tg_len(head))
    total = len(parts)
    messages = []
    for i, part in enumerate(parts, 1):
        prefix = head + "\n\n" if i == 1 else ""
        suffix = f"\n\n<i>({i}/{total})</i>" if total > 1 else ""
        messages.append(f"{prefix}{escape(part)}{suffix}")
    return messages or [head]
