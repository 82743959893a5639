"""The `citebot` command: index, ask, search, source, chat, run, check."""

from __future__ import annotations

import argparse
import asyncio
import difflib
import json
import logging
import os
import signal
import sys
from importlib import metadata
from pathlib import Path
from typing import Any, Awaitable, Callable, NoReturn

from pydantic import ValidationError

from citebot.bot.answer import Answer
from citebot.bot.config import Settings
from citebot.bot.conversation import MemoryConversations
from citebot.bot.logs import redact, setup_logging
from citebot.bot.questions import BadQuestion
from citebot.bot.render import answer_text, marked
from citebot.bot.service import Citebot, SearchPage, build
from citebot.index.articles import ArticleError
from citebot.index.store import StoreError

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


async def _with_bot(settings: Settings, work: Callable[[Citebot], Awaitable[int]], *, build_if_missing: bool = False,
                    hold_postings: bool = True) -> int:
    bot = await Citebot.open(settings, build_if_missing=build_if_missing, hold_postings=hold_postings)
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
    print(await source_text(bot, args.id))
    return EXIT_OK


async def source_text(bot: Citebot, key: str) -> str:
    """A passage, or a whole article, by id; CliError when there is neither."""
    key = key.strip()
    passage = await bot.passage(key)
    if passage is not None:
        return f"{passage.title} [{passage.passage_id}]\n{_details(passage)}\n{passage.text}"
    article = await bot.article(key)
    if article is None:
        raise CliError(f"no passage or article with id “{key}” (ids look like 001_cf312ec7e8225a0a:3)")
    return f"{article.title} [{article.id}, {article.passages} passages]\n{_details(article)}\n{article.text}"


def _details(item: Any) -> str:
    return " · ".join(d for d in (item.source, item.author, item.date, item.url) if d)


CHAT_HELP = """Ask anything about the articles; answers are quoted from them with citations.
  /search WORDS   list matching articles      /source ID   show a cited passage
  /help           this text                   /quit        leave (or Ctrl-D, Ctrl-C)"""
CHAT_COMMANDS = ("/search", "/source", "/help", "/quit")
CHAT_PROMPT = "you› "
HISTORY_LINES = 1000


CHAT_KEY = (0, 0, None)  # the terminal has one chat and one user


class Chat:
    """One conversation in the terminal: reply() turns each line typed into the text to print.

    Whatever a conversation remembers between lines belongs on this object; the loop around it
    (_chat) only reads lines, prints replies and leaves.
    """

    def __init__(self, bot: Citebot) -> None:
        self.bot = bot
        # The last answered question, for follow-ups ("and where was he taken?"); forgotten after ten minutes.
        self.conversation = MemoryConversations(max_items=1)

    async def reply(self, line: str) -> str | None:
        """What to print for one line ("" for nothing); None to leave."""
        line = line.strip()
        if not line:
            return ""
        try:
            if line.startswith("/"):
                return await self.command(*line.partition(" ")[::2])
            answer, turn = await self.bot.converse(line, await self.conversation.get(CHAT_KEY))
            if turn is not None:
                await self.conversation.put(CHAT_KEY, turn)
            return answer_text(answer, _bold(), tip="Try /search with a few key words.")
        except (BadQuestion, CliError) as problem:
            return str(problem)

    async def command(self, name: str, rest: str) -> str | None:
        name, rest = name.lower(), rest.strip()
        if name in ("/quit", "/exit"):
            return None
        if name == "/help":
            return CHAT_HELP
        if name == "/search":
            return search_text(await self.bot.search(rest)) if rest else "Usage: /search WORDS"
        if name == "/source":
            return await source_text(self.bot, rest) if rest else "Usage: /source ID"
        return unknown_command(name)


def unknown_command(name: str) -> str:
    """“did you mean /search?” for a near miss, else the list of commands."""
    close = difflib.get_close_matches(name, CHAT_COMMANDS, n=1, cutoff=0.6)
    if close:
        return f"Unknown command {name}: did you mean {close[0]}?"
    return f"Unknown command {name}. The commands are {', '.join(CHAT_COMMANDS)}; anything else is a question."


def history_path() -> Path | None:
    """Where chat history is kept: CITEBOT_HISTORY (empty: nowhere), else under XDG_DATA_HOME."""
    if "CITEBOT_HISTORY" in os.environ:
        chosen = os.environ["CITEBOT_HISTORY"].strip()
        return Path(chosen).expanduser() if chosen else None
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data_home) / "citebot" / "chat_history"


class LineEditing:
    """Arrow keys, line editing and history for input(), where the standard library has readline.

    Only at a terminal: piped lines are read as they are, and nothing is remembered. History
    starts from history_path(); save() writes it back (owner-only, the last HISTORY_LINES lines).
    """

    def __init__(self) -> None:
        self.readline: Any = None
        self.path = history_path()
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            return
        try:
            import readline
        except ImportError:  # e.g. Windows: plain input() still works
            return
        self.readline = readline
        readline.set_auto_history(False)  # remember() chooses what to keep
        commands = [f"{c} " for c in CHAT_COMMANDS]
        readline.set_completer(lambda text, n: ([c for c in commands if c.startswith(text)] + [None])[n])
        readline.set_completer_delims(" \t\n")
        libedit = "libedit" in (readline.__doc__ or "")
        readline.parse_and_bind("bind ^I rl_complete" if libedit else "tab: complete")
        if self.path is not None:
            try:
                readline.read_history_file(self.path)
            except OSError:
                pass  # none yet, or unreadable: start afresh

    def remember(self, line: str) -> None:
        """Keep a line for the Up arrow: not blank, not the one just before, not /quit."""
        line = line.strip()
        rl = self.readline
        if rl is None or not line or line.split()[0].lower() in ("/quit", "/exit"):
            return
        if rl.get_current_history_length() and rl.get_history_item(rl.get_current_history_length()) == line:
            return
        rl.add_history(line)

    def save(self) -> None:
        if self.readline is None or self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
            self.readline.set_history_length(HISTORY_LINES)
            self.readline.write_history_file(self.path)
        except OSError as error:
            logging.getLogger(__name__).warning("chat history not saved to %s: %s", self.path, error.strerror)


def _chat(settings: Settings) -> int:
    """Read a line, print Chat.reply's answer, until /quit, Ctrl-D or Ctrl-C (all exit 0).

    input() runs on the main thread, where readline works and Ctrl-C reaches it; each answer
    runs on an event loop kept for the whole chat, where Ctrl-C cancels it.
    """
    editing = LineEditing()
    bot: Citebot | None = None
    with asyncio.Runner() as runner:
        try:
            bot = runner.run(Citebot.open(settings, build_if_missing=True))
            info = runner.run(bot.info())
            print(f"citebot — {info.articles} articles, {info.passages} passages. {CHAT_HELP}\n", flush=True)
            chat = Chat(bot)
            while True:
                try:
                    line = input(CHAT_PROMPT)
                except EOFError:
                    print()
                    break
                editing.remember(line)
                reply = runner.run(chat.reply(line))
                if reply is None:
                    break
                if reply:
                    print(reply, end="\n\n", flush=True)
        except KeyboardInterrupt:
            print(flush=True)
        finally:
            # Leaving has begun: another Ctrl-C must not cut the closing short (nor raise), and the
            # process ends right after, so SIGINT stays ignored.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            if bot is not None:
                runner.run(bot.close())
            editing.save()
    return EXIT_OK


def _index(settings: Settings, args: argparse.Namespace) -> int:
    paths = [Path(p) for p in args.paths] or [settings.articles_dir]
    try:
        if settings.redis_url is None:
            summary = build(settings, paths, rebuild=args.rebuild)
        else:  # replicas share Redis: one reindex at a time, and each of them switches to the new index
            from citebot.bot.generations import Busy, index_for_replicas

            try:
                summary = asyncio.run(index_for_replicas(settings, lambda: build(settings, paths, rebuild=args.rebuild)))
            except Busy:
                raise CliError("another reindex is running (its lock is in Redis); try again when it is done") from None
    except FileNotFoundError as error:
        raise CliError(str(error)) from error
    for problem in summary.errors:
        print(f"citebot: skipped {problem}", file=sys.stderr)
    print(f"Indexed into {settings.index_path}: {summary}")
    return EXIT_OK


def _run(settings: Settings, args: argparse.Namespace) -> int:
    from citebot.bot.telegram import run_bot

    return run_bot(settings)


def _check(settings: Settings, args: argparse.Namespace) -> int:
    from citebot.bot.health import check

    ok, reason = asyncio.run(check(settings))
    print(reason)
    return EXIT_OK if ok else EXIT_ERROR


def _version() -> str:
    """The installed package's version (the one pyproject.toml gives)."""
    try:
        return metadata.version("citebot")
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"


class _Parser(argparse.ArgumentParser):
    """Usage errors on one line, like every other error (exit 2), pointing to --help."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {' '.join(message.split())} (see {self.prog} --help)\n")


SEARCH_LIMIT = (1, 100)


def parser() -> argparse.ArgumentParser:
    top = _Parser(prog="citebot", description="Answers questions with cited excerpts from news articles.")
    top.add_argument("--version", action="version", version=f"citebot {_version()}")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    index = commands.add_parser("index", help="index files and folders (default: the bundled articles or ARTICLES_DIR)")
    index.add_argument("paths", nargs="*", metavar="PATH")
    index.add_argument("--rebuild", action="store_true", help="start from an empty index")
    ask = commands.add_parser("ask", help="answer a question with cited excerpts (no QUESTION: one a line from stdin)")
    ask.add_argument("question", nargs="*")
    ask.add_argument("--json", action="store_true", help="print JSON (one object a line in batch mode)")
    search = commands.add_parser("search", help="ranked articles for a query, one passage each")
    search.add_argument("query", nargs="*")
    search.add_argument("--limit", type=int, default=10, metavar="N",
                        help=f"how many articles ({SEARCH_LIMIT[0]}-{SEARCH_LIMIT[1]}, default 10)")
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
    if args.command == "chat":
        return _chat(settings)
    work = {"ask": _ask, "search": _search, "source": _source}[args.command]
    # Anyone can try `citebot ask` in one command: the default index is built on first use. An
    # INDEX_PATH set on purpose that is not there is more likely a mistake, and is said so.
    build = "index_path" not in settings.model_fields_set
    # One question (or a /source) reads its own postings: reading a large index's all would take longer.
    one = args.command == "source" or bool(args.question if args.command == "ask" else args.query)
    return asyncio.run(_with_bot(settings, lambda bot: work(bot, args), build_if_missing=build, hold_postings=not one))


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """The arguments, or one line on stderr and exit 2."""
    args = parser().parse_args(argv)
    low, high = SEARCH_LIMIT
    if args.command == "search" and not low <= args.limit <= high:
        print(f"citebot search: --limit must be between {low} and {high}", file=sys.stderr)
        sys.exit(EXIT_USAGE)
    return args


def main(argv: list[str] | None = None) -> int:
    """Entry point: every failure becomes one line on stderr and a non-zero exit."""
    args = parse(argv)
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
        if args.command == "chat":  # Ctrl-C pressed twice at once: the chat was leaving anyway
            return EXIT_OK
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
