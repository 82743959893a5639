"""Hits → answer: the best one to three articles, each with the sentences that answer.

Nothing is generated: an excerpt is a run of whole sentences copied from a
passage. When no passage covers enough of the question, the answer is
empty; no answer is better than a wrong one.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from index.analysis import STOP_WORDS, Token, analyze, tokens
from index.articles import title_opens_text
from index.passages import Span, sentences
from index.search import Hit, SearchResult

MAX_ARTICLES = 3
MAX_SENTENCES = 3
MAX_EXCERPT_CHARS = 700
# A further article is cited only if it ranks at least this share of the best.
SECONDARY_SCORE_SHARE = 0.5
RERANK_DEPTH = 20
# A second excerpt of an already cited article must cover this much of the question.
SAME_ARTICLE_COVERAGE = 0.9
# Each sentence beyond the first must add at least this share of the question.
EXTRA_SENTENCE_COST = 0.1

# What kind of answer a question asks for, by its opening words, and a test of
# whether a sentence holds something of that kind. A light touch: it only
# breaks near ties between sentences that match the question equally well.
_PERSON = re.compile(r"\b(?:Mr|Mrs|Ms|Dr)\.? [A-Z][\w’'-]+|\b[A-Z][a-z][\w’'-]* (?:[A-Z]\. )?[A-Z][a-z][\w’'-]+")
_PLACE = re.compile(r"(?<=\w )[A-Z][a-z][\w’'-]+")
# A count or an amount; an ordinal ("27th") is a date or a rank, not a "how many".
_NUMBER = re.compile(r"\b\d[\d,.]*(?![\d,.]|(?:st|nd|rd|th)\b)|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twenty|thirty|"
                     r"forty|fifty|dozens?|hundreds?|thousands?|millions?|billions?)\b", re.I)
_DATE = re.compile(r"\b(?:1[89]\d\d|20\d\d|January|February|March|April|May|June|July|August|September|"
                   r"October|November|December|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|"
                   r"yesterday|today|last (?:week|month|year))\b")
_ANSWER_TYPES = (
    (re.compile(r"^\s*(?:how (?:many|much|old|long|far)|what (?:number|percentage|share))\b", re.I), _NUMBER),
    (re.compile(r"^\s*(?:when|what (?:year|date|day|month))\b", re.I), _DATE),
    (re.compile(r"^\s*(?:who|whom|whose)\b", re.I), _PERSON),
    (re.compile(r"^\s*where\b", re.I), _PLACE),
)
ANSWER_TYPE_BONUS = 0.1


def _not_a_name(words: str) -> bool:
    """Capitalised words that are no one's name: "In July", "The Kremlin", "On Monday"."""
    first, *rest = words.split()
    return first.casefold() in STOP_WORDS or any(_DATE.fullmatch(word) for word in rest)
# In re-ranking, an excerpt holding what the question asks for (a name for "who"...)
# counts this much more: on SQuAD it is neutral, and it keeps "who" questions from
# being answered by a sentence that names nobody.
ANSWER_TYPE_RANK_FACTOR = 2.5


@dataclass(frozen=True)
class Excerpt:
    """Quoted text and the spans in it of words that match the question."""

    text: str
    marks: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class Citation:
    """One numbered source of an answer."""

    n: int
    hit: Hit
    excerpt: Excerpt

    @property
    def passage_id(self) -> str:
        return self.hit.passage_id


@dataclass(frozen=True)
class Answer:
    """What the bot says to a question: citations, or none and why."""

    query: str
    citations: list[Citation] = field(default_factory=list)
    searched_instead: dict[str, str] = field(default_factory=dict)  # typed word → word searched for
    unmatched: list[str] = field(default_factory=list)
    elapsed_ms: float = 0.0  # time spent searching and composing it

    @property
    def answered(self) -> bool:
        return bool(self.citations)


class _Question:
    """What a question is worth, term by term, computed once per answer."""

    def __init__(self, result: SearchResult) -> None:
        # term → (the typed word it stands for, its worth: idf, scaled down for other spellings)
        self.worth: dict[str, tuple[str, float]] = {}
        best: dict[str, float] = {}
        for term in result.terms:
            worth = term.idf * (term.weight if term.substitute else 1.0)
            if worth > self.worth.get(term.term, ("", -1.0))[1]:
                self.worth[term.term] = (term.typed, worth)
            best[term.typed] = max(best.get(term.typed, 0.0), term.idf)
        # A word the index has never seen counts as the rarest word possible, so a
        # question mostly about unknown things is not answered by the one common
        # word it shares with the articles.
        rarest = max([t.idf for t in result.terms], default=1.0)
        self.mass = sum(best.values()) + rarest * len(result.unmatched)
        self.pattern = next((pattern for asks, pattern in _ANSWER_TYPES if asks.search(result.query)), None)

    def covered(self, present: set[str]) -> float:
        """Share of the question's worth whose terms are in present (0..1)."""
        if not self.mass:
            return 0.0
        best: dict[str, float] = {}
        for term in present:
            typed, worth = self.worth[term]
            best[typed] = max(best.get(typed, 0.0), worth)
        return min(1.0, sum(best.values()) / self.mass)

    def has_answer_type(self, text: str) -> bool:
        """True when text holds a name, number or date (as the question asks) that the question does not."""
        if self.pattern is None:
            return False
        for match in self.pattern.finditer(text):
            if self.pattern is _PERSON and _not_a_name(match.group()):
                continue
            terms = set(analyze(match.group()))
            if terms and not terms & self.worth.keys():
                return True
        return False


@dataclass(frozen=True)
class _Candidate:
    hit: Hit
    excerpt: Excerpt
    span: tuple[int, int]  # of the excerpt in the article's text
    coverage: float  # of the question, by the excerpt's sentences
    rank: float

    def overlaps(self, other: "_Candidate") -> bool:
        return (self.hit.article_id == other.hit.article_id
                and self.span[0] < other.span[1] and other.span[0] < self.span[1])


def _window(question: _Question, hit: Hit, max_sentences: int) -> tuple[Excerpt, int, float, float]:
    """The run of one to three sentences of the passage that best covers the question.

    Returns the excerpt, where it starts in the passage, the share of the
    question it covers, and the bonus it earned for holding the kind of
    thing the question asks for.
    """
    spans = sentences(hit.text) or [Span(0, len(hit.text))]
    matched = [t for t in tokens(hit.text) if t.term in question.worth]
    starts = [span.start for span in spans]
    found: list[set[str]] = [set() for _ in spans]
    for token in matched:
        found[max(0, bisect.bisect_right(starts, token.start) - 1)].add(token.term)
    opening = hit.ordinal == 0 and not title_opens_text(hit.title, hit.text)
    title_terms = {t for t in analyze(hit.title) if t in question.worth} if opening else set()
    typed: dict[int, bool] = {}
    best_key, best, best_cover, best_bonus = (float("-inf"), 0), (0, 0), 0.0, 0.0
    for first in range(len(spans)):
        covered = set(title_terms)
        for last in range(first, min(first + max_sentences, len(spans))):
            covered |= found[last]
            length = spans[last].end - spans[first].start
            if last > first and length > MAX_EXCERPT_CHARS:
                break
            cover = question.covered(covered)
            if last not in typed and found[last]:
                typed[last] = question.has_answer_type(hit.text[spans[last].start : spans[last].end])
            bonus = ANSWER_TYPE_BONUS if any(typed.get(i, False) for i in range(first, last + 1)) else 0.0
            key = (cover + bonus - EXTRA_SENTENCE_COST * (last - first), -length)
            if key > best_key:
                best_key, best, best_cover, best_bonus = key, (first, last), cover, bonus
    start, end = spans[best[0]].start, spans[best[1]].end
    return _marked(hit.text, start, end, matched), start, best_cover, best_bonus


def _marked(text: str, start: int, end: int, matched: list[Token]) -> Excerpt:
    """text[start:end] with the spans of the matched words inside it, touching spans merged."""
    marks: list[tuple[int, int]] = []
    for token in matched:
        if token.start < start or token.end > end:
            continue
        a, b = token.start - start, token.end - start
        if marks and a <= marks[-1][1]:
            marks[-1] = (marks[-1][0], max(marks[-1][1], b))
        else:
            marks.append((a, b))
    return Excerpt(text[start:end], tuple(marks))


def _surface(term: str, texts: list[str]) -> str:
    """How an analysed term is actually written in one of texts."""
    for text in texts:
        for token in tokens(text):
            if token.term == term:
                return text[token.start : token.end]
    return term


def best_excerpts(result: SearchResult, hits: list[Hit]) -> list[Excerpt]:
    """For each hit, the sentences that best answer the query, with query words marked."""
    question = _Question(result)
    return [_window(question, hit, MAX_SENTENCES)[0] for hit in hits]


def compose(result: SearchResult, threshold: float = 0.5, max_articles: int = MAX_ARTICLES,
            max_sentences: int = MAX_SENTENCES, rerank: int = RERANK_DEPTH) -> Answer:
    """Cite the best articles whose sentences cover enough of the question.

    The top passages are re-ranked by how much of the question their best
    excerpt covers: BM25 rewards a passage for its words anywhere, but an
    answer is a sentence or two where the question's words meet. Each
    citation is another article; a slot no other article earns may go to a
    second place in an already cited article that answers the whole question
    too (one article often tells two events in the same words).
    """
    question = _Question(result)
    top_score = result.hits[0].score if result.hits else 0.0
    # A re-ranked passage keeps at least half its score, so ones far below the best cannot make it.
    reachable = [h for h in result.hits[:rerank] if h.score >= 0.5 * SECONDARY_SCORE_SHARE * top_score]
    candidates = []
    for hit in reachable:
        window, start, cover, bonus = _window(question, hit, max_sentences)
        rank = hit.score * (0.5 + 0.5 * cover) * (1 + ANSWER_TYPE_RANK_FACTOR * bonus)
        span = (hit.start + start, hit.start + start + len(window.text))
        candidates.append(_Candidate(hit, window, span, cover, rank))
    candidates.sort(key=lambda c: -c.rank)
    eligible = [c for c in candidates if c.rank >= SECONDARY_SCORE_SHARE * candidates[0].rank]
    chosen: list[_Candidate] = []
    for candidate in eligible:
        if len(chosen) < max_articles and candidate.coverage >= threshold and \
                all(candidate.hit.article_id != c.hit.article_id for c in chosen):
            chosen.append(candidate)
    for candidate in eligible:
        if len(chosen) < max_articles and candidate.coverage >= SAME_ARTICLE_COVERAGE and \
                not any(candidate.overlaps(c) for c in chosen):
            chosen.append(candidate)
    chosen.sort(key=lambda c: -c.rank)
    citations = [Citation(n, c.hit, c.excerpt) for n, c in enumerate(chosen, 1)]
    texts = [c.excerpt.text for c in citations]
    instead = {}
    for typed, words in result.substitutions.items():
        used = [w for w in words if any(w in analyze(text) for text in texts)]
        if used:
            instead[_surface(typed, [result.query])] = _surface(used[0], texts)
    return Answer(result.query, citations, instead, [_surface(u, [result.query]) for u in result.unmatched])
