"""What counts as a question: checks shared by the terminal and Telegram."""

from __future__ import annotations

import re
import unicodedata

MAX_QUESTION_CHARS = 4096  # Telegram's own message limit; longer is not a question
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


class BadQuestion(ValueError):
    """A question that cannot be searched; the message is polite and says why."""


def clean_question(text: str, *, strict: bool = False) -> str:
    """The question to search for, with invisible characters removed.

    strict (the command line) refuses control characters outright, since
    they mean a script is feeding the wrong input; chat strips them.
    """
    if len(text) > MAX_QUESTION_CHARS:
        raise BadQuestion(f"That question is too long ({len(text):,} characters); "
                          f"please keep it under {MAX_QUESTION_CHARS:,}.")
    if strict and _CONTROL.search(text.strip("\r\n\t ")):
        raise BadQuestion("The question contains control characters; please send plain text.")
    text = _INVISIBLE.sub("", _CONTROL.sub(" ", text))
    text = unicodedata.normalize("NFKC", " ".join(text.split()))
    if not text:
        raise BadQuestion("Please type a question, for example: Who was blown up in his car in Kherson?")
    return text
