"""Greetings, thanks and "who are you": a short friendly line instead of a search."""

from __future__ import annotations

import re

# Whole-message patterns: "hello, who is Saldo?" is a question, not small talk.
_TAIL = r"(?: (?:there|bot|citebot|everyone|all|friend|again|so much|a lot|very much))*"
_GREETING = re.compile(rf"(?:hi|hello|hey|hiya|howdy|yo|good (?:morning|afternoon|evening|day)|greetings|"
                       rf"привіт|привет|hallo|hola){_TAIL}", re.I)
_THANKS = re.compile(rf"(?:thanks?|thank you|thx|ty|cheers|great thanks|спасибі|спасибо|дякую){_TAIL}", re.I)
_WHO = re.compile(r"(?:who|what) (?:are|r) (?:you|u)|what can you do|what do you do|are you a bot|help me", re.I)
_BYE = re.compile(rf"(?:bye|goodbye|see you|good night){_TAIL}", re.I)
_FILLER = re.compile(r"[\s!?.,:;)(👋🙏😊🙂]+")


def small_talk(text: str, example: str) -> str | None:
    """A one-line reply when text is small talk, else None (it is a question)."""
    words = _FILLER.sub(" ", text).strip()
    if _WHO.fullmatch(words):
        return f"I answer questions by quoting news articles, with a citation for every excerpt. Try: {example}"
    if _GREETING.fullmatch(words):
        return f"Hello! Ask me anything about the articles, for example: {example}"
    if _THANKS.fullmatch(words):
        return "You're welcome! Ask another question any time."
    if _BYE.fullmatch(words):
        return "Goodbye! Come back with more questions."
    return None
