"""The `citebot` command: index, ask, search, source, chat, run, check."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from pathlib import Path
from typing import Any, Awaitable, Callable

from pydantic import ValidationError

from bot.answer import Answer
from bot.config import Settings
from bot.logs import redact, setup_logging
from bot.questions import BadQuestion
from bot.render import answer_text, marked
from bot.service import Citebot, SearchPage, build
from index.articles import ArticleError
from index.store import StoreError

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


class CliError(Exception):
    """A problem to report on one line and exit non-zero."""


def _bold() -> tuple[str, str]:
    return ("\033[1m", "\033[0m") if sys.stdout.isatty() else ("*", "*")


def answer_json(answer: Answer) -> dict[str, Any]:
    return {
        "query": answer.query,
        "answered": answer.answered,
        "citations": [
            {"n": c.n, "article": c.hit.article_id, "title": c.hit.title, "passage": c.passage_id,
             "excerpt": c.excerpt.text, "score": round(c.hit.score, 6),
             "url": c.hit.url, "date": c.hit.date, "source": c.hit.source}
            for c in answer.citations
        ],
        "searched_instead": answer.searched_instead,
    }


def search_json(page: SearchPage) -> dict[str, Any]:
    return {
        "query": page.query,
        "hits": [{"article": hit.article_id, "title": hit.title, "passage": hit.passage_id,
                  "excerpt": excerpt.text, "score": round(hit.score, 6)} for hit, excerpt in page.hits],
    }


def search_text(page: SearchPage) -> str:
    if not page.hits:
        return "No article matches that."
    bold = _bold()
    return "\n\n".join(
        f"{page.offset + i}. {hit.title} [{hit.passage_id}]\n   "
        + marked(excerpt, lambda s: f"{bold[0]}{s}{bold[1]}", lambda s: s)
        for i, (hit, excerpt) in enumerate(page.hits, 1))


async def _with_bot(settings: Settings, work: Callable[[Citebot], Awaitable[int]], *, build_if_missing: bool = False) -> int:
    bot = await Citebot.open(settings, build_if_missing=build_if_missing)
    try:
        return await work(bot)
    finally:
        await bot.close()


async def _each_line(words: list[str], json_out: bool, respond: Callable[[str], Awaitable[Any]],
                     as_json: Callable[[Any], dict[str, Any]], as_text: Callable[[Any], str],
                     empty: dict[str, Any]) -> int:
    """Answer the question in the arguments, or one question a line from stdin (batch: index loaded once).

    In batch mode a bad line gets an error object (or line) and the rest go on;
    a single bad question is a one-line error and a non-zero exit.
    """
    if words:
        batch, lines = False, iter([" ".join(words)])
    elif sys.stdin.isatty():
        raise CliError("give a question, or pipe one question a line on standard input")
    else:
        batch, lines = True, (line.rstrip("\n") for line in sys.stdin)
    for line in lines:
        if batch and not line.strip():
            continue
        try:
            result = await respond(line)
        except BadQuestion as problem:
            if not batch:
                raise CliError(str(problem)) from problem
            print(json.dumps({"query": line, **empty, "error": str(problem)}) if json_out else f"citebot: {problem}",
                  flush=True)
            continue
        print(json.dumps(as_json(result), ensure_ascii=False) if json_out else as_text(result), flush=True)
    return EXIT_OK


async def _ask(bot: Citebot, args: argparse.Namespace) -> int:
    return await _each_line(args.question, args.json, lambda q: bot.ask(q, strict=True), answer_json,
                            lambda answer: answer_text(answer, _bold()), {"answered": False, "citations": []})


async def _search(bot: Citebot, args: argparse.Namespace) -> int:
    return await _each_line(args.query, args.json, lambda q: bot.search(q, limit=args.limit, strict=True),
                            search_json, search_text, {"hits": []})


async def _source(bot: Citebot, args: argparse.Namespace) -> int:
    key = args.id.strip()
    passage = await bot.passage(key)
    if passage is not None:
        print(f"{passage.title} [{passage.passage_id}]\n{_details(passage)}\n{passage.text}")
        return EXIT_OK
    article = await bot.article(key)
    if article is None:
        raise CliError(f"no passage or article with id “{key}” (ids look like 001_cf312ec7e8225a0a:3)")
    print(f"{article.title} [{article.id}, {article.passages} passages]\n{_details(article)}\n{article.text}")
    return EXIT_OK


def _details(item: Any) -> str:
    return " · ".join(d for d in (item.source, item.author, item.date, item.url) if d)


CHAT_HELP = """Ask anything about the articles; answers are quoted from them with citations.
  /search WORDS   list matching articles      /source ID   show a cited passage
  /help           this text                   /quit        leave (or Ctrl-D)"""


async def _chat(bot: Citebot, args: argparse.Namespace) -> int:
    info = await bot.info()
    print(f"citebot — {info.articles} articles, {info.passages} passages. {CHAT_HELP}\n")
    while True:
        try:
            line = (await asyncio.to_thread(input, "you› ")).strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return EXIT_OK
        if not line:
            continue
        command, _, rest = line.partition(" ")
        try:
            if command in ("/quit", "/exit"):
                return EXIT_OK
            if command == "/help":
                print(CHAT_HELP)
            elif command == "/search":
                print(search_text(await bot.search(rest)) if rest.strip() else "Usage: /search WORDS")
            elif command == "/source":
                await _source(bot, argparse.Namespace(id=rest)) if rest.strip() else print("Usage: /source ID")
            else:
                print(answer_text(await bot.ask(line), _bold(), tip="Try /search with a few key words."))
        except (BadQuestion, CliError) as problem:
            print(problem)
        print()


def _index(settings: Settings, args: argparse.Namespace) -> int:
    paths = [Path(p) for p in args.paths] or [settings.articles_dir]
    try:
        summary = build(settings, paths, rebuild=args.rebuild)
    except FileNotFoundError as error:
        raise CliError(str(error)) from error
    for problem in summary.errors:
        print(f"citebot: skipped {problem}", file=sys.stderr)
    print(f"Indexed into {settings.index_path}: {summary}")
    return EXIT_OK


def _run(settings: Settings, args: argparse.Namespace) -> int:
    from bot.telegram import run_bot

    return run_bot(settings)


def _check(settings: Settings, args: argparse.Namespace) -> int:
    from bot.health import check

    ok, reason = asyncio.run(check(settings))
    print(reason)
    return EXIT_OK if ok else EXIT_ERROR


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="citebot", description="Answers questions with cited excerpts from news articles.")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    index = commands.add_parser("index", help="index files and folders (default: the bundled articles or ARTICLES_DIR)")
    index.add_argument("paths", nargs="*", metavar="PATH")
    index.add_argument("--rebuild", action="store_true", help="start from an empty index")
    ask = commands.add_parser("ask", help="answer a question with cited excerpts (no QUESTION: one a line from stdin)")
    ask.add_argument("question", nargs="*")
    ask.add_argument("--json", action="store_true", help="print JSON (one object a line in batch mode)")
    search = commands.add_parser("search", help="ranked articles for a query, one passage each")
    search.add_argument("query", nargs="*")
    search.add_argument("--limit", type=int, default=10, choices=range(1, 101), metavar="N")
    search.add_argument("--json", action="store_true")
    source = commands.add_parser("source", help="show a passage or an article by id")
    source.add_argument("id")
    commands.add_parser("chat", help="chat in the terminal (indexes the bundled articles on first use)")
    commands.add_parser("run", help="run the Telegram bot (needs TELEGRAM_BOT_TOKEN)")
    commands.add_parser("check", help="check settings, the index and (with a token) the Bot API")
    return top


def dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "index":
        return _index(settings, args)
    if args.command in ("run", "check"):
        return {"run": _run, "check": _check}[args.command](settings, args)
    work = {"ask": _ask, "search": _search, "source": _source, "chat": _chat}[args.command]
    # Anyone can try `citebot ask` in one command: the default index is built on first use. An
    # INDEX_PATH set on purpose that is not there is more likely a mistake, and is said so.
    build = args.command == "chat" or "index_path" not in settings.model_fields_set
    return asyncio.run(_with_bot(settings, lambda bot: work(bot, args), build_if_missing=build))


def main(argv: list[str] | None = None) -> int:
    """Entry point: every failure becomes one line on stderr and a non-zero exit."""
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="citebot: %(message)s")
    settings: Settings | None = None
    try:
        settings = Settings()
        setup_logging(settings, "citebot: %(message)s")
        return dispatch(args, settings)
    except ValidationError as error:  # e["msg"] only: e["input"] may be a secret
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in error.errors())
        _fail(f"invalid settings: {problems}", settings)
    except (CliError, StoreError, BadQuestion, ArticleError) as problem:
        _fail(str(problem), settings)
    except KeyboardInterrupt:
        _fail("interrupted", settings)
    except BrokenPipeError:
        return EXIT_OK
    except Exception as error:  # never a traceback to the user; the type names the bug for a report
        _fail(f"unexpected error ({type(error).__name__}): {error}", settings)
    return EXIT_ERROR


def _fail(message: str, settings: Settings | None) -> None:
    """One line on stderr; a library's message may quote the token, so it is redacted."""
    text = redact(message, settings) if settings is not None else message
    print(f"citebot: {' '.join(text.split())}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
