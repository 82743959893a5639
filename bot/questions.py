"""What counts as a question: checks shared by the terminal and Telegram."""

from __future__ import annotations

import re
import unicodedata
from os.path import commonprefix
from typing import Callable

from rapidfuzz.distance import DamerauLevenshtein

from citebot.bot.i18n import N_
from citebot.index.common_words import english_words

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


# The words that say what a question asks. A slip of the thumb in one ("Hwo is Saldo?", "Waht is
# HIMARS?") made an unknown word of it, weighed as an unknown name: the question was declined.
_QUESTION_WORDS = ("what", "who", "whom", "whose", "which", "when", "where", "why", "how")
_WORD = re.compile(r"[A-Za-z]+")
_AFTER_HOW = frozenset("many much long far old often big large soon did does do can could should would".split())


def fix_question_words(text: str, known: Callable[[str], bool]) -> str:
    """text with its first word put right when it is a misspelt question word: one letter added,
    dropped, changed or two swapped, and neither an English word nor one the articles use (known)."""
    match = _WORD.match(text)
    if match is None:
        return text
    word = match.group()
    low = word.lower()
    if len(low) < 3 or low in _QUESTION_WORDS or low in english_words() or known(word):
        return text
    near = [q for q in _QUESTION_WORDS if DamerauLevenshtein.distance(low, q, score_cutoff=1) <= 1]
    if not near:
        return text
    # "hwo" is one swap from "how" and from "who": "how" only before what it asks ("hwo many");
    # "wher" is one letter from "when" and from "where": the one it begins like is meant.
    after = text[match.end():].split(None, 1)
    if "how" in near and len(near) > 1:
        near = ["how"] if after and after[0].lower() in _AFTER_HOW else [q for q in near if q != "how"]
    fixed = max(near, key=lambda q: len(commonprefix((low, q))))
    return (fixed.capitalize() if word[0].isupper() else fixed) + text[match.end():]
