"""Greetings, thanks and "who are you": a short friendly line instead of a search."""

from __future__ import annotations

import re
from typing import Callable

from citebot.bot.i18n import N_

# Whole-message patterns: "hello, who is Saldo?" is a question, not small talk.
_TAIL = r"(?: (?:there|bot|citebot|everyone|all|friend|again|so much|a lot|very much))*"
_GREETING = re.compile(rf"(?:hi|hello|hey|hiya|howdy|yo|good (?:morning|afternoon|evening|day)|greetings|"
                       rf"привіт|привет|hallo|hola){_TAIL}", re.I)
_THANKS = re.compile(rf"(?:thanks?|thank you|thx|ty|cheers|great thanks|спасибі|спасибо|дякую){_TAIL}", re.I)
_WHO = re.compile(r"(?:who|what) (?:are|r) (?:you|u)|what can you do|what do you do|are you a bot|help me", re.I)
_BYE = re.compile(rf"(?:bye|goodbye|see you|good night){_TAIL}", re.I)
_FILLER = re.compile(r"[\s!?.,:;)(👋🙏😊🙂]+")

WHO_I_AM = N_("I answer questions by quoting news articles, with a citation for every excerpt. Try: {example}")
HELLO = N_("Hello! Ask me anything about the articles, for example: {example}")
WELCOME = N_("You're welcome! Ask another question any time.")
GOODBYE = N_("Goodbye! Come back with more questions.")


def small_talk(text: str, example: str, _: Callable[[str], str] = str) -> str | None:
    """A one-line reply when text is small talk, else None (it is a question); _ translates it."""
    words = _FILLER.sub(" ", text).strip()
    if _WHO.fullmatch(words):
        return _(WHO_I_AM).format(example=example)
    if _GREETING.fullmatch(words):
        return _(HELLO).format(example=example)
    if _THANKS.fullmatch(words):
        return _(WELCOME)
    if _BYE.fullmatch(words):
        return _(GOODBYE)
    return None
