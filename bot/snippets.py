"""Search results → snippets: the sentence or two of each hit's passage that cover the query best.

A /search result only has to show why its passage matched, not answer anything, so none of the
answer machinery (runs into neighbouring sentences, kinds, word families, leaning: bot/answer.py)
is worth its cost for ten hits. A snippet is chosen from the analysed terms stored for each
sentence at index time (Searcher.contexts): nothing is tokenised per hit, and the words to mark
are found only if the snippet is shown as text (Excerpt.marks).
"""

from __future__ import annotations

from citebot.bot.answer import MAX_EXCERPT_CHARS, Excerpt
from citebot.index.search import Context, Hit, QueryTerm

# What /search shows of a snippet (render.hit_snippet cuts a longer one): a run of sentences is
# kept within it.
SNIPPET_CHARS = 300
SNIPPET_SENTENCES = 2


class _Query:
    """The query's terms as bits, and what each set of them covers of the query (memoised)."""

    def __init__(self, terms: list[QueryTerm]) -> None:
        # term → (typed word, worth): a word standing in for a typed one counts by its weight.
        worth: dict[str, tuple[str, float]] = {}
        for term in terms:
            value = term.idf * (term.weight if term.substitute else 1.0)
            if value > worth.get(term.term, ("", -1.0))[1]:
                worth[term.term] = (term.typed, value)
        order = sorted(worth)  # bits by name, not by a set's order: the same in every process
        self.bits = {term: 1 << i for i, term in enumerate(order)}
        self.by_bit = [worth[term] for term in order]
        self.terms = frozenset(worth)
        self.covers: dict[int, float] = {}

    def mask(self, terms: frozenset[str]) -> int:
        """The query's terms among terms, as a mask."""
        mask = 0
        for term in self.terms & terms:
            mask |= self.bits[term]
        return mask

    def cover(self, mask: int) -> float:
        """The idf-weighted worth of the query's typed words that mask's terms cover, each typed
        word at its best term."""
        cover = self.covers.get(mask)
        if cover is None:
            best: dict[str, float] = {}
            rest = mask
            while rest:  # only its set bits: a long query has dozens of terms
                low = rest & -rest
                typed, worth = self.by_bit[low.bit_length() - 1]
                if worth > best.get(typed, 0.0):
                    best[typed] = worth
                rest ^= low
            cover = self.covers[mask] = sum(best.values())
        return cover


def snippets(terms: list[QueryTerm], hits: list[Hit], contexts: list[Context]) -> list[Excerpt]:
    """For each hit (its context holding its passage's own sentences), the snippet to show, the
    query's terms to be marked in it."""
    query = _Query(terms)
    return [_snippet(query, hit, context) for hit, context in zip(hits, contexts)]


def _snippet(query: _Query, hit: Hit, context: Context) -> Excerpt:
    """The run of one or two of the passage's sentences that covers most of the query, the
    earliest of the shortest of those that cover as much; its first sentence that is not
    boilerplate when none holds a query word, and its opening (cut as an answer's excerpt is)
    when all are."""
    sentences = context.sentences[context.first : context.last + 1]
    masks = [query.mask(s.terms) for s in sentences]
    best: tuple[int, int] | None = None
    best_cover = 0.0
    for first, sentence in enumerate(sentences):
        if sentence.boilerplate or not masks[first]:
            continue  # a run starting later does as well with fewer words
        covered, last = masks[first], first
        # A further sentence is taken only for query words the run lacks, and only if the run
        # still fits what /search shows.
        for after in range(first + 1, min(first + SNIPPET_SENTENCES, len(sentences))):
            if sentences[after].boilerplate or sentences[after].end - sentence.start > SNIPPET_CHARS:
                break
            if masks[after] & ~covered:
                covered, last = covered | masks[after], after
        cover = query.cover(covered)
        if cover > best_cover or cover == best_cover and best is not None and last - first < best[1] - best[0]:
            best, best_cover = (first, last), cover
    if best is None:
        shown = next((n for n, sentence in enumerate(sentences) if not sentence.boilerplate), None)
        if shown is None:
            return Excerpt(hit.text[:MAX_EXCERPT_CHARS], ())
        best = (shown, shown)
    return Excerpt(context.text[sentences[best[0]].start : sentences[best[1]].end], terms=query.terms)
