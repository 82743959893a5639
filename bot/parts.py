"""Several questions in one message: "Who is Saldo and what happened to him?".

Each part is answered on its own, the later ones leaning on the earlier as a follow-up does
(bot/conversation.py: "him" is Saldo), and the answers' citations are given together. Searched as
one, the parts' words would meet in no single sentence and the whole would be declined.

Pure: no I/O, no index.
"""

from __future__ import annotations

import re

MAX_PARTS = 3  # more than this in one message is more likely one long question than several
# A new question starts after a question mark, or after "and" (English, Ukrainian, Russian) when a
# question word follows: "…Melitopol and what did he say…", "…Сальдо и что с ним…" ("but who" opens
# a clause more often than a question: "…baptized as an infant but who have not…").
_QUESTION_WORD = (r"(?:what|who|whom|whose|which|when|where|why|how|is|was|are|were|did|does|do|"
                  r"що|хто|де|коли|чому|який|яка|яке|які|скільки|як|что|кто|где|когда|почему|какой|какая|"
                  r"какое|какие|сколько|как)\b")
_BOUNDARY = re.compile(rf"\?+\s+(?={_QUESTION_WORD}|(?:and|but|і|й|та|а|и)\s+{_QUESTION_WORD})|"
                       rf",?\s+(?:and|і|й|та|а|и)\s+(?=(?:what|who|when|where|why|how|which|"
                       r"що|хто|де|коли|чому|скільки|что|кто|где|когда|почему|сколько)\b)", re.I)
_STARTS_QUESTION = re.compile(_QUESTION_WORD, re.I)
_LEADING_AND = re.compile(r"^(?:and|but|і|й|та|а|и)\s+", re.I)


def question_parts(text: str) -> list[str]:
    """The questions text asks, in order, each ending in "?" (just [text] when it asks one, or
    more than MAX_PARTS)."""
    pieces = [piece.strip(" ,;") for piece in _BOUNDARY.split(text)]
    pieces = [_LEADING_AND.sub("", piece) for piece in pieces if piece.strip(" ,;?")]
    # "When and where was Gur shot?" is one question: a part before the last must ask something
    # itself; the last may be a bare "and where?", which leans on the one before.
    if not 1 < len(pieces) <= MAX_PARTS or any(len(piece.split()) < 2 for piece in pieces[:-1]):
        return [text]
    # Cut at "and", the part before must be a question itself: "Ctenophores, cnidarians and what
    # other group…?" and "Tell me about Saldo and who…" are one question each.
    if any(not piece.endswith("?") and not _STARTS_QUESTION.match(piece) for piece in pieces[:-1]):
        return [text]
    return [piece if piece.endswith("?") else piece + "?" for piece in pieces]
