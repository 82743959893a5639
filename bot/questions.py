"""What counts as a question: checks shared by the terminal and Telegram."""

from __future__ import annotations

import re
import unicodedata
from typing import Callable

from citebot.bot.i18n import N_

MAX_QUESTION_CHARS = 4096  # Telegram's own message limit; longer is not a question
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


class BadQuestion(ValueError):
    """A question that cannot be searched; the message is polite and says why.

    Made from a template marked for translation (bot/i18n.py) and its values: str() is the English
    text, translated(gettext) the same in the asker's language.
    """

    def __init__(self, template: str, **values: object) -> None:
        super().__init__(template.format(**values) if values else template)
        self.template = template
        self.values = values

    def translated(self, gettext: Callable[[str], str]) -> str:
        text = gettext(self.template)
        return text.format(**self.values) if self.values else text


def clean_question(text: str, *, strict: bool = False) -> str:
    """The question to search for, with invisible characters removed.

    strict (the command line) refuses control characters outright, since
    they mean a script is feeding the wrong input; chat strips them.
    """
    if len(text) > MAX_QUESTION_CHARS:
        raise BadQuestion(N_("That question is too long ({length} characters); please keep it under {limit}."),
                          length=f"{len(text):,}", limit=f"{MAX_QUESTION_CHARS:,}")
    if strict and _CONTROL.search(text.strip("\r\n\t ")):
        raise BadQuestion(N_("The question contains control characters; please send plain text."))
    text = _INVISIBLE.sub("", _CONTROL.sub(" ", text))
    text = unicodedata.normalize("NFKC", " ".join(text.split()))
    if not text:
        raise BadQuestion(N_("Please type a question, for example: Who was blown up in his car in Kherson?"))
    return text
