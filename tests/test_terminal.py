"""The terminal (issue 10, section 4): `citebot chat` in a real pseudo-terminal (line editing,
history, Ctrl-C, Ctrl-D), mistyped commands, quotation marks around excerpts, and one-line
argument errors, all through the real CLI in a subprocess."""

from __future__ import annotations

import os
import re
import select
import signal
import struct
import subprocess
import sys
from pathlib import Path
from typing import Callable, Iterator

import pytest

from citebot.bot.answer import Excerpt
from citebot.bot.cli import LineEditing, history_path, main
from citebot.bot.render import quoted
from tests.conftest import ROOT, cli

pty = pytest.importorskip("pty")
fcntl = pytest.importorskip("fcntl")
termios = pytest.importorskip("termios")

PROMPT = "you› ".encode()
UP, ENTER, CTRL_C, CTRL_D = b"\x1b[A", b"\r", b"\x03", b"\x04"
SALDO = "Where was Saldo flown for toxicology tests?"


def _environment(index: Path, data_home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "INDEX_", "ARTICLES_", "CITEBOT_"))}
    # The history file goes under XDG_DATA_HOME, here a temporary folder, never the user's home;
    # INPUTRC=/dev/null: the user's own readline settings (vi mode…) play no part.
    env.update({"INDEX_PATH": str(index), "XDG_DATA_HOME": str(data_home), "TERM": "xterm",
                "INPUTRC": os.devnull, "PYTHONIOENCODING": "utf-8", "LC_ALL": "C.UTF-8"})
    return env


class Terminal:
    """`python -m bot.cli ARGS` on a pseudo-terminal of its own, as a person at a keyboard runs it."""

    def __init__(self, *args: str, env: dict[str, str]) -> None:
        pid, fd = pty.fork()
        if pid == 0:  # the child: the pty is its controlling terminal, so Ctrl-C there is SIGINT
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 200, 0, 0))
                os.chdir(ROOT)
                os.execve(sys.executable, [sys.executable, "-m", "citebot.bot.cli", *args], env)
            finally:
                os._exit(127)
        self.pid, self.fd, self.output, self.seen = pid, fd, b"", 0

    def _read(self, timeout: float) -> bool:
        """Wait up to timeout for output; False at end of output (the child closed the terminal)."""
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            raise AssertionError(f"no output for {timeout} s; so far:\n{self.output.decode(errors='replace')}")
        try:
            chunk = os.read(self.fd, 65536)
        except OSError:  # EIO: the other side is closed
            return False
        self.output += chunk
        return bool(chunk)

    def expect(self, text: bytes, timeout: float = 30) -> str:
        """Everything printed from the last expectation up to and including text."""
        while (at := self.output.find(text, self.seen)) < 0:
            if not self._read(timeout):
                raise AssertionError(f"ended without {text!r}:\n{self.output.decode(errors='replace')}")
        part, self.seen = self.output[self.seen:at + len(text)], at + len(text)
        return part.decode(errors="replace")

    def answers_within(self, timeout: float) -> bool:
        """Whether anything is printed (or the terminal closed) within timeout."""
        return bool(select.select([self.fd], [], [], timeout)[0])

    def send(self, data: bytes) -> None:
        os.write(self.fd, data)

    def exit_code(self, timeout: float = 30) -> int:
        """Read to the end of output, then the exit code (waited for without sleeping)."""
        while self._read(timeout):
            pass
        pidfd = os.pidfd_open(self.pid)
        try:
            if not select.select([pidfd], [], [], timeout)[0]:
                os.kill(self.pid, signal.SIGKILL)
                raise AssertionError("the chat did not exit")
        finally:
            os.close(pidfd)
        status = os.waitpid(self.pid, 0)[1]
        os.close(self.fd)
        self.pid = 0
        return os.waitstatus_to_exitcode(status)

    def kill(self) -> None:
        """Stop a chat a failed test left running."""
        if self.pid:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
            os.close(self.fd)
            self.pid = 0

    def rest(self) -> str:
        return self.output[self.seen:].decode(errors="replace")


def _plain(text: str) -> str:
    """Terminal output without its escape sequences (bold) and carriage returns."""
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text).replace("\r", "")


def _answer(part: str) -> str:
    """The answer in what was printed after a question: from its first citation to the prompt."""
    assert "[1] " in part, part
    return part[part.index("[1] "):part.rindex("you› ")].strip()


@pytest.fixture
def terminal(bundled_index: Path, tmp_path: Path) -> Iterator[Callable[[], Terminal]]:
    """Start `citebot chat` on a pseudo-terminal (any left running are stopped afterwards)."""
    started: list[Terminal] = []

    def start() -> Terminal:
        started.append(Terminal("chat", env=_environment(bundled_index, tmp_path)))
        return started[-1]
    yield start
    for term in started:
        term.kill()


def test_chat_line_editing_history_quotes_and_command_hints(terminal: Callable[[], Terminal], tmp_path: Path) -> None:
    term = terminal()
    term.expect(PROMPT)
    term.send(SALDO.encode() + ENTER)
    first = _answer(term.expect(PROMPT))
    assert "Sklifosovsky" in first
    # Up recalls the question; Left, Left, Right, Backspace, "s" edit it back to itself.
    term.send(UP + b"\x1b[D\x1b[D\x1b[C\x7fs" + ENTER)
    second = term.expect(PROMPT)
    assert "^[[" not in second and "control character" not in second
    assert _answer(second) == first
    # An excerpt that opens with a quotation of its own: no “““, the inner quote made single.
    term.send(b"What did Khelan say about the supporters?" + ENTER)
    khelan = _plain(_answer(term.expect(PROMPT)))
    assert khelan.startswith("[1] “‘Our supporters have achieved another victory,’ Serhiy Khelan"), khelan
    assert "““" not in khelan and "””" not in khelan
    # A mistyped command gets a suggestion, an unknown one the list; neither is asked as a question.
    term.send(b"/serch Saldo" + ENTER)
    assert "Unknown command /serch: did you mean /search?" in term.expect(PROMPT)
    term.send(b"/sourse 001_cf312ec7e8225a0a:2" + ENTER)
    assert "Unknown command /sourse: did you mean /source?" in term.expect(PROMPT)
    term.send(b"/foo" + ENTER)
    unknown = term.expect(PROMPT)
    assert all(command in unknown for command in ("/search", "/source", "/help", "/quit"))
    assert "Sklifosovsky" not in unknown
    term.send(CTRL_D)  # Ctrl-D at an empty prompt leaves
    assert term.exit_code() == 0 and "Traceback" not in term.rest()
    # History is kept in a file under XDG_DATA_HOME, only readable by its owner; the question
    # asked twice in a row is kept once.
    history = tmp_path / "citebot" / "chat_history"
    kept = history.read_text(encoding="utf-8")
    assert kept.count("toxicology") == 1 and "/serch" in kept
    assert history.stat().st_mode & 0o077 == 0

    # The next chat remembers: Up five times (past Khelan and three commands), Enter asks it again.
    again = terminal()
    again.expect(PROMPT)
    again.send(UP * 5 + ENTER)
    assert _answer(again.expect(PROMPT)) == first
    # Ctrl-C with a line half typed leaves at once, exit code 0, no traceback.
    again.send(b"half a question")
    again.expect(b"half a question")  # echoed by readline: it is reading keys now
    # CPython's readline loses a SIGINT that lands between drawing the line and waiting for the
    # next key (this test's Ctrl-C comes right on the echo; a person would just press it again,
    # and so does the test).
    for _ in range(20):
        again.send(CTRL_C)
        if again.answers_within(0.5):
            break
    assert again.exit_code() == 0, again.rest()
    assert "Traceback" not in again.rest() and "interrupted" not in again.rest()
    kept = history.read_text(encoding="utf-8")  # saved on Ctrl-C too; the half line is not kept
    assert kept.count("toxicology") == 2 and "half a question" not in kept


def test_history_keeps_questions_not_quit(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    readline = pytest.importorskip("readline")

    class Tty:  # all LineEditing asks of stdin and stdout
        @staticmethod
        def isatty() -> bool:
            return True

    monkeypatch.setattr(sys, "stdin", Tty())
    monkeypatch.setattr(sys, "stdout", Tty())
    monkeypatch.setenv("CITEBOT_HISTORY", str(tmp_path / "h"))
    readline.clear_history()
    try:
        editing = LineEditing()
        for line in ["Who is Saldo?", " Who is Saldo? ", "", "/quit", "/EXIT now", "/search Saldo"]:
            editing.remember(line)
        editing.save()
        assert [readline.get_history_item(i + 1) for i in range(readline.get_current_history_length())] == \
            ["Who is Saldo?", "/search Saldo"]
    finally:
        readline.clear_history()
        readline.set_auto_history(True)
    monkeypatch.setenv("CITEBOT_HISTORY", "")
    LineEditing().save()  # keeps no history: writes nothing
    assert [p.name for p in tmp_path.iterdir()] == ["h"]


def test_history_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("CITEBOT_HISTORY", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert history_path() == tmp_path / "citebot" / "chat_history"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert history_path() == Path.home() / ".local" / "share" / "citebot" / "chat_history"
    monkeypatch.setenv("CITEBOT_HISTORY", "~/h")
    assert history_path() == Path.home() / "h"
    monkeypatch.setenv("CITEBOT_HISTORY", "")
    assert history_path() is None


# The real `citebot chat`, with only the answer made slow so that SIGINT surely comes while it is
# being worked out (a real answer takes milliseconds).
SLOW_ANSWER = """
import asyncio, sys
from citebot.bot import cli
from citebot.bot.service import Citebot

async def slow(self, *args, **kwargs):
    print("[working on it]", flush=True)
    await asyncio.sleep(60)

for name in ("ask", "converse"):
    if hasattr(Citebot, name):
        setattr(Citebot, name, slow)
sys.exit(cli.main(["chat"]))
"""


def test_sigint_while_answering_leaves_cleanly(bundled_index: Path, tmp_path: Path) -> None:
    with subprocess.Popen([sys.executable, "-c", SLOW_ANSWER], cwd=ROOT, stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env=_environment(bundled_index, tmp_path)) as chat:
        assert chat.stdin is not None and chat.stdout is not None and chat.stderr is not None
        try:
            chat.stdin.write(f"{SALDO}\n".encode())
            chat.stdin.close()
            out = b""
            while b"[working on it]" not in out:
                assert select.select([chat.stdout], [], [], 30)[0], out
                chunk = os.read(chat.stdout.fileno(), 65536)
                assert chunk, out
                out += chunk
            chat.send_signal(signal.SIGINT)
            assert chat.wait(timeout=30) == 0, chat.stderr.read()
            out += chat.stdout.read()
            err = chat.stderr.read()
        finally:
            if chat.poll() is None:
                chat.kill()
    assert err == b"" and b"[1]" not in out


@pytest.mark.parametrize(("text", "expected"), [
    ("Plain words.", "“Plain words.”"),
    ("“All of it a quote.”", "“All of it a quote.”"),
    ("“A,” he said. “B.”", "“A,” he said. “B.”"),
    ("“A,” he said.", "“‘A,’ he said.”"),
    ("He called it a “despicable act.”", "“He called it a ‘despicable act.’”"),
    ('"Straight," he said, "quotes."', '"Straight," he said, "quotes."'),
    ('"Straight," he said.', "“‘Straight,’ he said.”"),
    ("It was ‘new’, he said.", "“It was ‘new’, he said.”"),
])
def test_quoted_never_doubles_quotation_marks(text: str, expected: str) -> None:
    assert quoted(Excerpt(text, ()), lambda s: s) == expected


def test_quoted_keeps_marked_words_and_the_excerpt() -> None:
    excerpt = Excerpt("“Saldo,” he said.", ((1, 6),))
    assert quoted(excerpt, lambda s: f"*{s}*") == "“‘*Saldo*,’ he said.”"
    assert excerpt.text == "“Saldo,” he said."  # what JSON and Telegram show is untouched


def test_limit_out_of_range_is_one_line(bundled_index: Path) -> None:
    run = cli("search", "--limit", "0", "Kherson", index=bundled_index)
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr == "citebot search: --limit must be between 1 and 100\n"


@pytest.mark.parametrize(("argv", "says"), [
    (["search", "--limit", "-5", "x"], "citebot search: --limit must be between 1 and 100"),
    (["search", "--limit", "101", "--json"], "citebot search: --limit must be between 1 and 100"),
    (["search", "--limit", "ten", "x"], "invalid int value: 'ten' (see citebot search --help)"),
    (["search", "--limit"], "expected one argument (see citebot search --help)"),
    (["nonsense"], "(see citebot --help)"),
    ([], "(see citebot --help)"),
])
def test_usage_errors_are_one_line(argv: list[str], says: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as leaving:
        main(argv)
    assert leaving.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("citebot") and says in err, err
