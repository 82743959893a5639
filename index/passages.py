"""Articles → passages: sentence-aware chunks with one sentence of overlap.

A sentence splitter is written here rather than taken from NLTK or spaCy:
those pull in models or large dependencies, and news text needs only the
common cases (abbreviations, initials, quotes closing after the stop).
"""

from __future__ import annotations

import re
from array import array
from dataclasses import dataclass
from itertools import chain
from typing import Iterator

import numpy as np

from citebot.index import _layout

# A sentence ends at . ! ? or … (optionally followed by closing quotes or
# brackets), then white space, then something that can start a sentence; a paragraph ends at a
# blank line. Written as one character that may start either, then which it was (the lookbehinds):
# a pattern that opens with a set of characters is searched for in C, three times as fast as the
# plain alternatives ([.!?…]+…|\n\s*\n), which are tried at every character.
_BOUNDARY = re.compile(r"[.!?…\n](?:(?<=[.!?…])[.!?…]*[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9А-ЯЁІЇЄҐ])|(?<=\n)\s*\n)")
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st jr sr gen col lt sgt capt maj rep sen gov pres rev "
    "no vol fig inc ltd co corp dept est approx vs etc jan feb mar apr jun jul "
    "aug sep sept oct nov dec u.s u.k e.g i.e a.m p.m".split()
)
_WORDS = re.compile(r"\S+")


@dataclass(frozen=True, slots=True)
class Span:
    """A stretch of an article's text by character offsets."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Passage:
    """One chunk of an article: its ordinal and where it stands in the text."""

    ordinal: int
    start: int
    end: int


# Boilerplate: sentences of a news page that never answer a question about the news.
_NAME_WORD = r"(?:[A-Z][\w'’.-]*|(?:de|da|di|del|der|van|von|la|le|al|bin|ibn|dos|du)\b)"
_NOT_A_NAME = (r"(?!(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April|"
               r"May|June|July|August|September|October|November|December)\b)")
_NAMES = rf"{_NOT_A_NAME}{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,4}}"
_LABEL = r"(?:[A-Z@][\w'’.&@-]*|of|the|and|for|in|at|&)"
# What may follow a byline's names: ", CNN", " For Dailymail.com", ", Senior Political Correspondent".
_AFFILIATION = (rf"(?:(?:\s*[,|–—-]\s*|\s+(?:for|For|FOR|in|In|IN|at|and|And|AND|&)\s+){_LABEL}"
                rf"(?:\s+{_LABEL})*)*")
_AGENCY = (r"(?:AFP|AP|EPA|Reuters|Getty(?:\ Images)?|Shutterstock|Alamy|PA(?:\ Images|\ Wire|\ Media)?|Bloomberg|"
           r"Sipa(?:\ USA)?|Anadolu(?:\ Agency)?|NurPhoto|ZUMA(?:\ Press|\ Wire)?|imago(?:[\w.-]*)|Xinhua|TASS|"
           r"SOPA\ Images|LightRocket|Corbis|Redux|REX|iStock(?:photo)?|AAP|WENN|Splash\ News)\b")
_CREDIT = rf"(?:{_NAME_WORD}|{_AGENCY}|via|and|for|of|the|[/,;&|.\s–—-])+"
# Words of a time stamp ("11:53 EST, 4 November 2013", "3 hours ago"); each ends at a word boundary,
# so a word is matched one way only.
_STAMP = (r"(?:[\d:.,/|()\s-]|\d+(?:st|nd|rd|th)\b|(?i:gmt|bst|utc|cet|cest|[ecmp][sd]?t|a\.m\.|p\.m\.|am|pm|ago|"
          r"hours?|hrs?|minutes?|mins?|days?|weeks?|on|at|updated|published|posted|"
          r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|"
          r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|mon(?:day)?|tue(?:sday)?|wed(?:nesday)?|thu(?:rsday)?|"
          r"fri(?:day)?|sat(?:urday)?|sun(?:day)?)\b)")
_TRAILER = r"(?i:(?:additional\ )?reporting|writing|editing|edited|compiled|produced|photos?|video|graphics|research)"
# Sentences opening with a word of _KEYWORDS (or not with a letter) are matched by
# _BOILERPLATE; others only by the short-line patterns and _BOILERPLATE_TAIL, each
# tried only when a cheap test says it may apply (most sentences cost a set lookup).
_BOILERPLATE = re.compile(rf"""
    # Bylines: "By John Smith", "By JOHN SMITH and JANE DOE, CNN", "By Daily Mail Reporter", "By ."
    (?:By|BY|Written\ by|Words\ by|Story\ by|Text\ by):?(?:\s+\.?\s*
        {_NAMES}(?:\s*(?:,|\band\b|\bAND\b|&)\s*{_NAMES})*{_AFFILIATION}
        (?:\s*(?:\||(?i:published|updated|last\ updated)\b).*)?)?[\s.:;|]*$
    # Agency trailers: "Reporting by John Smith in Kyiv; Editing by Jane Doe"
  | {_TRAILER}\ by\ {_NAMES}(?:\s*(?:,|\band\b|&|\bin\b|\bfrom\b)\s*{_NAMES})*(?:\s*[;,]\s*{_TRAILER}\ by\ .*)?[\s.;]*$
    # Opinion disclaimers and editor's notes
  | (?i:the\ )?(?i:opinions?|views?)(?:\ (?i:expressed|stated|presented))?
        (?:\ (?i:in|of)\ (?i:this|these)\ (?i:commentary|article|column|piece|op-ed|essay|post|story|blog|feature|
                                           analysis|letter|video|podcast)s?)?
        \ (?i:are|is)\ (?i:solely|entirely|strictly|purely|those\ of|the\ author|his\ own|her\ own|their\ own|my\ own)
  | (?i:editor['’]?s['’]?\ note)\b
    # Photo and video credits: "Photo: ...", "(Photo by X/Getty Images)", "Image copyright", "Credit: ..."
  | (?i:photo(?:graph)?s?|pictures?|images?|video|graphic|illustration|footage|main\ image|top\ image)
        (?:\ (?i:credits?|courtesy))?\s*[:|]
  | \(?(?:(?:AP|AFP|Reuters|EPA|PA)\s*)?(?i:photo(?:graph)?|picture|image|video)s?\s*
        (?:(?i:by|credit|courtesy\ of)\s|/|:){_CREDIT}\)?[\s.]*$
  | (?i:(?:photo\ |image\ |picture\ |video\ )?credits?|courtesy\ of)\s*:
  | (?i:image\ (?:copyright|source|credit)|media\ caption|media\ playback\ is\ unsupported)
  | (?:©|(?i:copyright)\ (?:©|\(c\)|\d{{4}})|\(c\)\ \d{{4}})
    # Links, calls to action and page furniture: "Read more: ...", "Sign up for ...", "Follow us on ..."
  | (?i:read\ more|see\ more|more\ from|related|also\ read|read\ also|see\ also|watch|listen|advertisement)\s*[:|]
  | (?i:read\ more|related\ (?:articles|stories|content|coverage)|advertisement|story\ highlights|
       scroll\ down\ for\ (?:video|more)|share\ (?:this|or\ comment\ on\ this)\ (?:article|story|page)|most\ read|
       continue\ reading|story\ continues\ below|comments|share|recommended)[\s.!:]*$
  | (?i:read\ more\ (?:about|on|at|here)|(?:sign|signing)\ up\ (?:for|to|here|now)|subscribe\ (?:to|now|here|for|today)|
       follow\ us\b|like\ us\ on|click\ here|tap\ here|click\ (?:to|the\ link)|download\ (?:the|our)\ [\w\s]*app\b|
       get\ (?:our|the)\ [\w\s-]*newsletter|for\ the\ latest\ (?:news|updates)|we\ use\ cookies|
       this\ (?:material|content)\ may\ not\ be\ (?:published|reproduced))
  | Follow\ (?:@\w+|{_NAMES})\ on\ (?:Twitter|X|Facebook|Instagram|TikTok|LinkedIn|Threads|YouTube|Telegram|
                                      Bluesky|Mastodon)\b
  | More\ (?:on|about|from|in)\ [^.!?]{{1,80}}$
    # A news site's own furniture: "E-mail to a friend", "All About Barack Obama • Iraq", "Watch CNN's
    # report on the crash", "iReport: Share your photos"
  | (?i:e-?mail\ (?:to\ a\ friend|this\ (?:article|story|page))|print\ this\ (?:article|story|page)|
       save\ this\ (?:article|story))
  | All\ About\ [^.!?]{{1,120}}$
  | (?i:watch)\ [^.!?]{{0,100}}\b(?i:video|report|footage|interview|clip|coverage)s?\b[^.!?]*$
  | (?i:ireport)[\w.]*\s*:
    # Publication notes and time stamps: "This article was originally published ...", "Updated 12:30 GMT"
  | (?i:this)\ (?i:article|story|piece|post|content|interview)\ (?i:was|has\ been|is|first|originally)
        \ (?i:originally|first|updated|published|corrected|amended|adapted|republished|appeared|produced)\b
  | (?i:a\ version\ of\ this\ (?:article|story)|this\ is\ a\ developing\ story|this\ story\ is\ developing|
       all\ rights\ reserved)
  | (?i:originally|first)\ (?i:published|posted|appeared)\ (?i:on|at|by|in)\ [^,]{{0,80}}$
  | (?i:last\ updated|updated|published|posted|first\ posted)\b:?{_STAMP}*$
""", re.VERBOSE)
_KEYWORDS = frozenset("""
    by written words story text reporting additional writing editing edited compiled produced research
    photo photos photograph photographs picture pictures image images video graphic graphics illustration
    footage main top opinion opinions view views editor editor's editors editors' credit credits courtesy media
    copyright read see more related also watch listen advertisement scroll share most continue comments
    recommended sign signing subscribe follow like click tap download get we originally first last updated
    published posted e email print save ireport
""".split())
# Openings that are common words: boilerplate only with the second word listed.
_SECOND_WORDS = {"the": frozenset("opinions opinion views view".split()),
                 "this": frozenset("article story piece post content interview material is".split()),
                 "a": frozenset(["version"]), "for": frozenset(["the"]), "all": frozenset(["about"])}
_FIRST_WORDS = re.compile(r"([^\W\d_]+(?:['’][^\W\d_]*)?)(?:\W+(\w+))?")
# Short lines: a credit alone ("John Smith/AFP", "Getty Images"), a time stamp alone
# ("11:53 EST, 4 November 2013"), a dateline alone ("(CNN) —"), punctuation left over ("| .").
_CREDIT_LINE = re.compile(rf"(?:{_NAMES}\s*/\s*)?{_AGENCY}(?:\s*(?:/|via|[–—-])\s*{_AGENCY})*[\s.]*$")
_STAMP_LINE = re.compile(rf"(?=.*(?:\d:\d\d|(?i:gmt|utc|[ecmp][sd]t\b|ago\b))){_STAMP}+$")
# A dateline's agency in brackets ("(Reuters)", "(CNN)"): bot/kinds.py reads datelines opening a sentence with it.
DATELINE_AGENCY = r"\((?:CNN|Reuters|AP|AFP|Bloomberg|BBC|dpa|UPI|[A-Z]{2,10}(?:\ [A-Z]\w+)?)\)"
_DATELINE = re.compile(r"(?:[A-Z][\w.'’-]*,?\s+)*" + DATELINE_AGENCY + r"\s*[-—–:]*\s*$")
_DATELINE_ENDS = frozenset(")-—–:")
_LETTER_OR_DIGIT = re.compile(r"[^\W_]")
# The Daily Mail's byline cut into sentences: "By ." "Daniel Miller ." "PUBLISHED: ." ...
_NAME_ALONE = re.compile(rf"{_NAMES}\s+\.$")
_STAMP_WORDS = frozenset("""
    at on updated published posted jan january feb february mar march apr april may jun june jul july aug august
    sep sept september oct october nov november dec december mon monday tue tuesday wed wednesday thu thursday
    fri friday sat saturday sun sunday
""".split())
_SHORT_LINE = 120
# Tails: "... contributed to this report", "All rights reserved", a caption's credit "…Name/AFP"
# (tried only when one of their words is there).
_SLASH_AGENCY = re.compile(rf"/\s*{_AGENCY}")
_BOILERPLATE_TAIL = re.compile(rf"""
    # "CNN's Jane Doe contributed to this report", "... contributed reporting from Kyiv"
    (?i:contribut(?:ed|es|e|ing)|provided)\ (?i:additional\ )?(?i:reporting)(?:\ (?i:and\ research))?
        (?:\ (?i:to|for)\ (?i:this)\ (?i:report|story|article))?(?:\ (?i:from|in)\ [^.!?]{{1,60}})?[\s.]*$
  | (?i:contribut(?:ed|es|e|ing)|assisted|helped)\ (?i:with\ |to\ )?
        (?:(?i:the\ preparation\ of\ )(?i:this\ |the\ )?|(?i:this\ ))(?i:report|story|article)s?[\s.]*$
  | (?i:all\ rights\ reserved)[\s.]*$
    # A caption's credit: "…Andrey Borodulin/AFP – Getty Images"
  | (?P<credit>©?\s*{_NAMES}\s*/\s*{_AGENCY}(?:\s*(?:/|via|[–—-])\s*{_AGENCY})*[\s.]*$)
""", re.VERBOSE)
_STATEMENT_END = re.compile(r"[.!?…][\"'”’)\]]*\s+©?\s*$")


def is_boilerplate(text: str) -> bool:
    """True for a sentence of page furniture that never answers a question about the news.

    Bylines, "X contributed to this report", opinion disclaimers, agency
    trailers ("Reporting by ...; Editing by ..."), photo and video credits,
    links and calls to action ("Read more: ...", "Sign up for ..."),
    copyright lines, publication notes and time stamps, a dateline alone.
    A statement with a photographer's credit glued to its end is kept.
    """
    text = text.strip()
    if not text:
        return True
    first = _FIRST_WORDS.match(text)
    if first is None:  # opens with a digit or a sign: "(CNN) —", "(Photo by ...)", "© 2022", "11:53 EST"
        word = ""
        if _BOILERPLATE.match(text) or _LETTER_OR_DIGIT.search(text) is None:
            return True
    else:
        word = first.group(1).lower()
        if "’" in word:
            word = word.replace("’", "'")
        if (word in _KEYWORDS or word in _SECOND_WORDS and (first.group(2) or "").lower() in _SECOND_WORDS[word]) \
                and _BOILERPLATE.match(text):
            return True
    if len(text) <= _SHORT_LINE:
        if text.endswith("»") and "«" not in text:
            return True  # a link: "Watch the video of the attack »", "See photos »"
        if ("/" in text or len(text) <= 40) and _CREDIT_LINE.match(text):
            return True
        if text[-1] in _DATELINE_ENDS and _DATELINE.match(text):
            return True
        if text.endswith(" .") and _NAME_ALONE.match(text):
            return True
        if (first is None or word in _STAMP_WORDS) and _STAMP_LINE.match(text):
            return True
    # Every tail holds one of these words, or a credit's agency after a slash, in its last 120 characters.
    end = text[-120:]
    lowered = end.lower()
    if not ("contribut" in lowered or "provided" in lowered or "assisted" in lowered or "helped" in lowered
            or "rights reserved" in lowered or "/" in end and _SLASH_AGENCY.search(end)):
        return False
    start = max(0, len(text) - 300)
    tail = _BOILERPLATE_TAIL.search(text, start)
    if tail is None:
        return False
    if tail.group("credit") is None:
        return True
    # A caption ends in its credit; a whole statement before the credit is kept.
    return not _STATEMENT_END.search(text, 0, tail.start())


def _is_abbreviation(text: str, stop: int) -> bool:
    """True when the period at text[stop-1] closes an abbreviation or an initial."""
    if text[stop - 1] != ".":
        return False
    word_start = max(text.rfind(" ", 0, stop - 1), text.rfind("\n", 0, stop - 1)) + 1
    word = text[word_start : stop - 1].lstrip("(\"'“‘").lower()
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def sentences(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Sentence spans of text[start:end], stripped of surrounding white space."""
    return [Span(first, last) for first, last in _sentence_bounds(text, start, len(text) if end is None else end)]


def _sentence_bounds(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """sentences() as (start, end) pairs, which cost indexing a fraction of what Spans do."""
    bounds: list[tuple[int, int]] = []
    begin = start
    for match in _BOUNDARY.finditer(text, start, end):
        found = match.group()
        if found[0] == "." and _is_abbreviation(text, match.start() + 1):
            continue
        _append_stripped(text, begin, match.end() if found.strip() else match.start(), bounds)
        begin = match.end()
    _append_stripped(text, begin, end, bounds)
    return bounds


def _append_stripped(text: str, start: int, end: int, bounds: list[tuple[int, int]]) -> None:
    piece = text[start:end]
    kept = piece.lstrip()
    if kept:
        start += len(piece) - len(kept)
        bounds.append((start, start + len(kept.rstrip())))


def _split_long(text: str, start: int, end: int, max_words: int) -> Iterator[tuple[int, int]]:
    """Cut a sentence longer than a whole chunk at word boundaries."""
    words = list(_WORDS.finditer(text, start, end))
    for i in range(0, len(words), max_words):
        piece = words[i : i + max_words]
        yield piece[0].start(), piece[-1].end()


def sentence_units(text: str, max_words: int = 130) -> list[Span]:
    """The units passages are made of: the sentences of text, one longer than max_words cut at words."""
    return [Span(start, end) for start, end, _ in _units(text, max_words)]


def _units(text: str, max_words: int) -> list[tuple[int, int, list[str]]]:
    """Each unit's start, end and words (str.split())."""
    units: list[tuple[int, int, list[str]]] = []
    for start, end in _sentence_bounds(text, 0, len(text)):
        words = text[start:end].split()
        if len(words) > max_words:
            units.extend((first, last, text[first:last].split())
                         for first, last in _split_long(text, start, end, max_words))
        else:
            units.append((start, end, words))
    return units


def layout(text: str, target_words: int = 100, max_words: int = 130
           ) -> tuple[list[tuple[int, int]], list[list[str]], list[tuple[int, int]]]:
    """The sentence units of text as (start, end) pairs, each one's words (str.split()), and for
    each passage chunk() makes the first and last unit it holds.

    Only white space lies between units, so a passage's words are its units' words, and the
    units' words in a row are text.split() (indexing looks up text.split() and counts them off).
    """
    units = _units(text, max_words)
    words = [len(unit_words) for _, _, unit_words in units]
    groups: list[tuple[int, int]] = []
    i = 0
    while i < len(units):
        j, total = i, 0
        while j < len(units) and (total < target_words) and (j == i or total + words[j] <= max_words):
            total += words[j]
            j += 1
        groups.append((i, j - 1))
        if j >= len(units):
            break
        # Overlap one sentence, unless that would make no progress.
        i = j - 1 if j - 1 > i else j
    return [(start, end) for start, end, _ in units], [unit_words for _, _, unit_words in units], groups


@dataclass(frozen=True, slots=True)
class Layouts:
    """layout() of a run of texts in flat int32 arrays, as indexing takes them: units and passages
    of all the texts in a row."""

    spans: np.ndarray  # per unit, its start and end (2 values a unit)
    words: np.ndarray  # per unit, how many words (str.split()) it has
    units: np.ndarray  # per text, how many units it has
    passages: np.ndarray  # per text, how many passages it has
    groups: np.ndarray  # per passage, its first and last unit as indices into all the units (2 values a passage)


def layouts(texts: list[str], target_words: int = 100, max_words: int = 130, compiled: bool = True) -> Layouts:
    """layout() of each text, in a row. Compiled (_layout.c) by default, more than ten times faster
    than layout() text by text, which is the reference it is tested against (compiled False)."""
    if compiled:
        found = _layout.layout(texts, target_words, max_words, _ABBREVIATIONS, _is_abbreviation)
        return Layouts(*(np.frombuffer(part, np.int32) for part in found))
    spans, words, units, passages, groups = array("i"), array("i"), array("i"), array("i"), array("i")
    for text in texts:
        text_units, text_words, text_groups = layout(text, target_words, max_words)
        first = len(words)
        spans.extend(chain.from_iterable(text_units))
        words.extend(map(len, text_words))
        units.append(len(text_units))
        passages.append(len(text_groups))
        groups.extend(first + unit for unit in chain.from_iterable(text_groups))
    return Layouts(*(np.frombuffer(part, np.int32) for part in (spans, words, units, passages, groups)))


def boilerplate_units(texts: list[str], laid: Layouts, compiled: bool = True) -> np.ndarray:
    """is_boilerplate() of every unit of texts laid out (layouts()), as a bool array. Compiled, only
    the units _layout.boilerplate_candidates cannot clear are asked (a sixth of the benchmark corpus's,
    half of a news article's); with compiled False every unit is, the reference it is tested against."""
    starts, ends = laid.spans[0::2].tolist(), laid.spans[1::2].tolist()
    owners = np.repeat(np.arange(len(texts)), laid.units).tolist()
    if compiled:
        asked = np.flatnonzero(np.frombuffer(_layout.boilerplate_candidates(
            texts, laid.spans, laid.units, _KEYWORDS, _SECOND_WORDS, _STAMP_WORDS), np.uint8)).tolist()
    else:
        asked = range(len(starts))
    found = np.zeros(len(starts), bool)
    found[[unit for unit in asked if is_boilerplate(texts[owners[unit]][starts[unit]:ends[unit]])]] = True
    return found


def chunk(text: str, target_words: int = 100, max_words: int = 130) -> list[Passage]:
    """Group whole sentences into passages of about target_words, overlapping by one sentence.

    A passage closes once it reaches target_words, or before a sentence that
    would push it past max_words. Its last sentence opens the next passage, so
    an answer that straddles the seam is whole in one of the two.
    """
    units, _, groups = layout(text, target_words, max_words)
    return [Passage(n, units[i][0], units[j][1]) for n, (i, j) in enumerate(groups)]
