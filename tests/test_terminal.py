"""The terminal (issue 10, section 4): `citebot chat` in a real pseudo-terminal (line editing,
history, Ctrl-C, Ctrl-D), mistyped commands, quotation marks around excerpts, and one-line
argument errors, all through the real CLI in a subprocess."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bot.answer import Excerpt
from bot.cli import history_path, main
from bot.render import quoted
from tests.conftest import ROOT, cli

pty = pytest.importorskip("pty")
fcntl = pytest.importorskip("fcntl")
termios = pytest.importorskip("termios")
import struct  # noqa: E402  (after the POSIX-only imports above)

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
                os.execve(sys.executable, [sys.executable, "-m", "bot.cli", *args], env)
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
        return os.waitstatus_to_exitcode(status)

    def rest(self) -> str:
        return self.output[self.seen:].decode(errors="replace")


def _answer(part: str) -> str:
    """The answer in what was printed after a question: from its first citation to the prompt."""
    assert "[1] " in part, part
    return part[part.index("[1] "):part.rindex("you› ")].strip()


def test_chat_line_editing_history_and_command_hints(bundled_index: Path, tmp_path: Path) -> None:
    term = Terminal("chat", env=_environment(bundled_index, tmp_path))
    term.expect(PROMPT)
    term.send(SALDO.encode() + ENTER)
    first = _answer(term.expect(PROMPT))
    assert "Sklifosovsky" in first
    # Up recalls the question; Left, Left, Right, Backspace, "s" edit it back to itself.
    term.send(UP + b"\x1b[D\x1b[D\x1b[C\x7fs" + ENTER)
    second = term.expect(PROMPT)
    assert "^[[" not in second and "control character" not in second
    assert _answer(second) == first
    # A mistyped command gets a suggestion, an unknown one the list; neither is asked as a question.
    term.send(b"/serch Saldo" + ENTER)
    assert "Unknown command /serch: did you mean /search?" in term.expect(PROMPT)
    term.send(b"/sourse 001_cf312ec7e8225a0a:2" + ENTER)
    assert "Unknown command /sourse: did you mean /source?" in term.expect(PROMPT)
    term.send(b"/foo" + ENTER)
    unknown = term.expect(PROMPT)
    assert all(command in unknown for command in ("/search", "/source", "/help", "/quit"))
    assert "Sklifosovsky" not in unknown
    term.send(b"/quit" + ENTER)
    assert term.exit_code() == 0
    # History is kept in a file under XDG_DATA_HOME, only readable by its owner: the question
    # once (asked twice in a row), and not /quit.
    history = tmp_path / "citebot" / "chat_history"
    kept = history.read_text(encoding="utf-8")
    assert kept.count("toxicology") == 1 and "/serch" in kept and "/quit" not in kept
    assert history.stat().st_mode & 0o077 == 0

    # The next chat remembers: Up four times (past the three commands), Enter asks the question again.
    again = Terminal("chat", env=_environment(bundled_index, tmp_path))
    again.expect(PROMPT)
    again.send(UP * 4 + ENTER)
    assert _answer(again.expect(PROMPT)) == first
    # Ctrl-C with a line half typed leaves at once, exit code 0, no traceback.
    again.send(b"half a question")
    again.expect(b"half a question")  # echoed by readline: it is reading keys now
    # CPython's readline loses a SIGINT that lands in the microseconds between drawing the
    # line and waiting for the next key (a person just presses Ctrl-C again): so does the test.
    for _ in range(3):
        again.send(CTRL_C)
        if again.answers_within(5):
            break
    assert again.exit_code() == 0, again.rest()
    assert "Traceback" not in again.rest() and "interrupted" not in again.rest()
    kept = history.read_text(encoding="utf-8")  # saved on Ctrl-C too; the half line is not kept
    assert kept.count("toxicology") == 2 and "half a question" not in kept


def test_chat_leaves_on_ctrl_d_and_can_keep_no_history(bundled_index: Path, tmp_path: Path) -> None:
    term = Terminal("chat", env=_environment(bundled_index, tmp_path) | {"CITEBOT_HISTORY": ""})
    term.expect(PROMPT)
    term.send(b"/help" + ENTER)
    term.expect(PROMPT)
    term.send(CTRL_D)
    assert term.exit_code() == 0
    assert "Traceback" not in term.rest()
    assert list(tmp_path.iterdir()) == []


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


def test_sigint_while_answering_leaves_cleanly(bundled_index: Path, tmp_path: Path) -> None:
    """A chat fed a long stream of questions is busy answering when SIGINT comes."""
    questions = "".join(f"{q}\n" for q in [SALDO, "Which state-owned bank opened branches in Kherson?",
                                           "What did Khelan say about the supporters?"] * 200)
    chat = subprocess.Popen([sys.executable, "-m", "bot.cli", "chat"], cwd=ROOT, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=_environment(bundled_index, tmp_path))
    try:
        assert chat.stdin is not None and chat.stdout is not None
        chat.stdin.write(questions.encode())  # under a pipe's 64 kB: never blocks
        chat.stdin.close()
        seen = b""
        while seen.count(b"[1] ") < 3:
            assert select.select([chat.stdout], [], [], 30)[0], "no answer"
            chunk = os.read(chat.stdout.fileno(), 65536)
            assert chunk, seen
            seen += chunk
        chat.send_signal(signal.SIGINT)
        out = b""
        while True:
            assert select.select([chat.stdout], [], [], 30)[0], "the chat did not leave"
            chunk = os.read(chat.stdout.fileno(), 65536)
            if not chunk:
                break
            out += chunk
        chat.wait(timeout=30)
        assert chat.stderr is not None
        err = chat.stderr.read()
    finally:
        if chat.poll() is None:
            chat.kill()
    assert chat.returncode == 0, err
    assert err == b"" and (seen + out).count(b"[1] ") < 600


def test_excerpts_are_not_quoted_twice(bundled_index: Path) -> None:
    questions = ["What did Khelan say about the supporters?",  # opens with “, ends outside a quote
                 "Did he die in hospital despite military doctors?",  # opens with “ and closes with ”
                 "Are partisans making the land burn under the feet of the occupiers?"]  # closes with ”
    run = cli("ask", index=bundled_index, stdin="".join(f"{q}\n" for q in questions))
    assert run.returncode == 0, run.stderr
    firsts = [line for line in run.stdout.splitlines() if line.startswith("[1] ")]
    assert len(firsts) == 3, run.stdout
    assert not any(doubled in run.stdout for doubled in ("““", "””", "“‘“", "”’”"))
    khelan, died, burn = firsts
    assert khelan.startswith("[1] “‘Our *supporters* have achieved another victory,’ Serhiy *Khelan*")
    assert khelan.endswith("on Friday.”")
    assert died.startswith("[1] “He has *died*") and died.endswith("save his life.”")
    assert burn.startswith("[1] “Ivan Fedorov") and burn.endswith("*occupiers*.’”")


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
