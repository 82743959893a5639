"""Spans of a kind in a sentence: the persons, organisations, places, numbers, dates, reasons,
means and definitions it holds.

`spans_of(kind, sentence)` is what `Intent.found` (bot/intent.py) returns: the spans of sentence
(as written, in order, no repeats) that are of the kind a question asks for; see bot/intent.py's
docstring for what a span of each kind covers. Like the question analysis, everything here is a
pure function of its text argument, with every pattern and word list built once at import.

The word lists that tell names from capitalised words that are no names (COMMON, DEMONYMS,
TITLES, HYPHEN_MODIFIER) are shared with the question analysis, which finds the question's names.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable, Iterable

from citebot.index.analysis import STOP_WORDS
from citebot.index.passages import DATELINE_AGENCY


# ---------------------------------------------------------------------------------------------
# Word lists (shared with bot/intent.py)

def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Upper-case letters of the Latin, Greek and Cyrillic blocks, for "starts with a capital" inside
# patterns (re has no \p{Lu}); built once from str.isupper so accented names count.
_UP = "".join(c for c in map(chr, range(0x41, 0x530)) if c.isupper() and c.isalpha())
_U = f"[{_UP}]"

_MONTHS = _words("january february march april may june july august september october november december "
                 "jan feb mar apr jun jul aug sep sept oct nov dec")
_WEEKDAYS = _words("monday tuesday wednesday thursday friday saturday sunday")
# Proper adjectives that precede names and nouns without being names themselves.
DEMONYMS = _words("""russian ukrainian british american european chinese french german polish belarusian
    crimean soviet western eastern northern southern turkish iranian israeli moldovan chechen syrian
    english scottish welsh irish dutch swedish finnish norwegian danish italian spanish japanese korean
    indian canadian australian hungarian romanian bulgarian serbian czech slovak lithuanian latvian
    estonian georgian armenian azerbaijani kazakh uzbek arab arabic african asian nato pro anti""")
# Words capitalised at the start of a sentence (or in headlines) that are nobody's name.
COMMON = STOP_WORDS | _MONTHS | _WEEKDAYS | _words("""
    yesterday today tomorrow tonight meanwhile however according earlier later last next instead there
    here also still now then thus despite although though unlike amid among amongst during since
    while several both each every another other others such yes no many much some most more less
    according but and or nor yet so if unless whether even just only already again perhaps maybe
    mr mrs ms dr sir madam this that these those one two three four five six seven eight nine ten
    latest news name names list give show find search describe summarise summarize define explain
    tell ok okay hey hi hello please thanks update info information details story what's who's
    where's when's how's whats whos i i'm i'd i've let let's new old former top senior local chief
    breaking live video photo image watch read related exclusive analysis opinion comment""")
TITLES = _words("""mr mrs ms dr prof gen col lt maj capt sgt rev sen gov president mayor governor minister
    premier general colonel major captain lieutenant sergeant senator judge father pope king queen
    prince princess chancellor commander deputy patriarch bishop archbishop sheikh imam rabbi
    ambassador sir lord lady dame secretary spokesman spokeswoman admiral marshal prime chief professor
    head leader chairman director prosecutor""")

HYPHEN_MODIFIER = re.compile(r"-[a-z]+$")  # "Russian-backed", "Moscow-installed"


# ---------------------------------------------------------------------------------------------
# Spans of the asked kind in a sentence
#
# spans_of() (Intent.found) runs on every candidate sentence, so each finder is one or two scans of patterns that
# Python's re engine runs fast, and Python looks only at the few matches. Capitalised runs start
# with a character class, so the engine skips in C to capitals. Cue words are matched in a
# lower-cased copy that starts with a space, by patterns that start with a space: re finds a
# literal first character with a fast search, the space is the word boundary, and the words
# after it are grouped by first letter (IGNORECASE alternations, or ones tried at every
# position, measured three to five times slower). Capitals and boundaries the lower-cased copy
# cannot show are checked in Python. Capitalised runs never cross a line break: scraped articles
# put captions and credits on lines of their own.

_SP = r"[^\S\n]+"
# Words that open sentences or headlines, capitalised without being part of a name.
_STARTERS = STOP_WORDS | _MONTHS | _WEEKDAYS | _words("""yesterday today tomorrow tonight meanwhile however
    according earlier later instead also still now then thus despite although though unlike amid among
    during since while live video photo watch read interview exclusive breaking analysis opinion update""")
_COMPASS = _words("north south east west central northern southern eastern western")
_CONNECTORS = _words("of for the and")
_NAME_PARTICLES = _words("de van von der den bin ibn al el da di du del la le dos das")
_TITLE_ABBREVIATIONS = _words("mr. mrs. ms. dr. prof. gen. col. lt. maj. capt. sgt. rev. sen. gov. jr. sr. st.")
# A run of capitalised words, joined by spaces and by "of", "for", "the", "and" and name
# particles ("Security Service of Ukraine", "Ursula von der Leyen", "Kherson and Zaporizhzhia").
# Each finder splits runs as its kind needs.
# (A word starts at a capital not inside a word, and is read possessively: with backtracking,
# a long word that is no run would be re-read from every capital in it.)
_RUN_WORD = rf"{_U}(?<![\w'’\-].)[\w'’\-]*+\.?"
_RUN_JOIN = rf"{_SP}(?:(?:of|for|the|and|de|van|von|der|den|bin|ibn|al|el|da|di|du|del|la|le|dos|das){_SP})*{_U}[\w'’\-]*+\.?"
_RUN = re.compile(rf"{_RUN_WORD}(?:{_RUN_JOIN})*")
_MULTI_RUN = re.compile(rf"{_RUN_WORD}(?:{_RUN_JOIN})+")  # two words or more: what a person's name needs


def _alternatives(fragments: list[str]) -> str:
    """Regex fragments (each starting with a plain lower-case letter) as one alternation after a
    space (see _spaced), grouped by first letter: re tries alternatives one by one, so grouped,
    a word costs one comparison per distinct first letter. Order within a letter is kept (the
    first alternative that matches wins)."""
    groups: dict[str, list[str]] = {}
    for fragment in fragments:
        groups.setdefault(fragment[0], []).append(fragment[1:])
    return " (?:" + "|".join(f"{c}(?:{'|'.join(rests)})" for c, rests in groups.items()) + ")"


def _spaced(sentence: str) -> str:
    """" " + sentence in lower case, with the opening punctuation that can stand before a word
    turned into spaces, every character where it was (shifted by one).

    The word patterns start with a space: re finds a literal first character fast (in C), and
    the space is the word boundary. A few letters ("İ") lower-case to two characters; those
    are left as they are."""
    low = sentence.lower()
    if len(low) != len(sentence):
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in sentence)
    for opener in _OPENERS:
        if opener in low:
            low = low.replace(opener, " ")
    return " " + low


_OPENERS = ("(", "“", "\"", "‘", "\n", "\t", "[", "«", "—", "–", "/")


def _clean(word: str) -> str:
    """A word of a run without a possessive ending or a trailing full stop or quote."""
    word = word.rstrip(".'’-")
    return word[:-2] if word.endswith(("'s", "’s")) else word


def _segments(run: str, offset: int) -> list[tuple[str, list[str], int]]:
    """A run split at its connectors and at full stops that end a sentence:
    (connector before, words, offset of the first word)."""
    out: list[tuple[str, list[str], int]] = []
    words: list[str] = []
    before, first, cursor = "", offset, 0
    for word in run.split():
        position = run.find(word, cursor)
        cursor = position + len(word)
        if word in _CONNECTORS:
            if words:
                out.append((before, words, first))
            words, before = [], word
            continue
        if not words:
            first = offset + position
        words.append(word)
        if word.endswith(".") and len(word) > 2 and word.lower() not in _TITLE_ABBREVIATIONS:
            out.append((before, words, first))  # "… in Kherson. Mr Saldo …"
            words, before = [], "."
    if words:
        out.append((before, words, first))
    return out


# Just before a run: "in Nova Kakhovka" is a place.
_AFTER_PLACE_PREP = re.compile(r"(?:\b(?:in|at|near|from|into|outside|across|of\s+the\s+(?:city|town|village)\s+of))\s+$")


def _persons(sentence: str) -> tuple[str, ...]:
    out: dict[str, None] = {}
    # One capitalised word is a sentence start or a place as often as a name: runs of two or more.
    for match in _MULTI_RUN.finditer(sentence):
        for before, words, start in _segments(match.group(), match.start()):
            if before in ("of", "for", "the"):
                continue  # "Center for National Resistance": part of a longer name
            for k in range(len(words) - 2, -1, -1):
                if words[k].endswith(("'s", "’s")):  # "Ukraine's Volodymyr Zelensky"
                    start += sum(len(word) + 1 for word in words[:k + 1])
                    words = words[k + 1:]
                    break
            titled = -1
            for k, word in enumerate(words[:-1]):
                if word.rstrip(".").lower() in TITLES:
                    titled = k
            if titled >= 0:
                name = words[titled + 1:]  # "Russian President Vladimir Putin": the name after the title
            else:
                k = 0
                while k < len(words) and (words[k].lower() in COMMON or words[k].lower() in DEMONYMS
                                          or words[k].isupper() or HYPHEN_MODIFIER.search(words[k])):
                    k += 1
                end = len(words)
                while end > k and (_clean(words[end - 1]).lower() in DEMONYMS or words[end - 1].lower() in _STARTERS):
                    end -= 1
                name = words[k:end]
                if len(name) < 2:
                    continue
                start += sum(len(word) + 1 for word in words[:k])
                if _AFTER_PLACE_PREP.search(sentence[max(0, start - 24):start].lower()):
                    continue  # "in Nova Kakhovka": a place
            name = [_clean(word) if len(word) > 2 else word for word in name]
            core = [word for word in name if word not in _NAME_PARTICLES]
            if 0 < len(core) <= 4 and _person_words(core):  # longer runs are headlines
                out[" ".join(name)] = None
    return tuple(out)


def _person_words(words: list[str]) -> bool:
    """Capitalised words that can be a person's name: no organisation, place, date or title word."""
    for word in words:
        if len(word) == 2 and word[1] == "." and word[0].isupper():
            continue  # an initial: "Thomas S. Murphy"
        low = word.lower()
        if low in COMMON or low in TITLES or low in _PLACE_WORDS or (word.isupper() and len(word) > 1) \
                or word in _ORG_GENERIC or word in _ORG_NAMED or _PLACE_SUFFIX.search(low):
            return False
    return not any(pair in _ORG_PAIRS for pair in zip(words, words[1:]))


_ORG_GENERIC = _words("""Party Bank Ministry Council Service Services Agency Front Army Forces Force Guard Guards
    Committee Institute University College School Company Corporation Corp Group Battalion Brigade Regiment
    Division Corps Court Parliament Church News Times Post Journal Herald Telegraph Tribune Gazette Press
    Media Network Radio Television TV Channel Foundation Fund Union Alliance Coalition Movement Organisation
    Organization Association Federation Office Bureau Department Administration Government Commission
    Authority Assembly Senate Congress Cabinet Police Navy Fleet Militia Legion Academy Club Board Society
    Trust Airlines Airways Railway Railways Holdings Industries Works Command Directorate Intelligence Staff Watch
    International Cross Crescent Hospital Centre Center Commissariat Inc Ltd LLC""")
# Organisations known by one word: names on their own.
_ORG_NAMED = _words("""Duma Rada Kremlin Pentagon Wagner Rosgvardia Interpol Europol Meduza Gazprom Rosneft
    Rosatom Sberbank Economist Guardian Novosti Interfax Reuters Amnesty Hamas Hezbollah Taliban Azov""")
_ORG_PAIRS = frozenset({("United", "Russia"), ("Red", "Cross"), ("White", "House"), ("Downing", "Street")})
_NOT_ORG_ACRONYMS = _words("US USA UK UAE TV OK AM PM MP MPs ID GPS DNA CEO II III IV VI VII VIII IX XI XII "
                           "HIMARS IED IEDs MLRS ATACMS COVID AK RPG RPGs BC AD GMT UTC PS AI")
_ACRONYM = re.compile(r"[A-Z][a-z]?[A-Z]{1,5}s?")
_BANK_NAME = re.compile(r"[A-ZА-Я][a-zа-я]+(?:bank|prom|neft|gaz)")


def _org_word(word: str) -> bool:
    """An organisation word, a one-word organisation, an acronym ("SBU", "MoD") or a "-bank" name."""
    return word in _ORG_GENERIC or word in _ORG_NAMED or (
        len(word) <= 7 and _ACRONYM.fullmatch(word) is not None and word not in _NOT_ORG_ACRONYMS) or (
        word[-1] in "kmfz" and _BANK_NAME.fullmatch(word) is not None)


def _organisations(sentence: str) -> tuple[str, ...]:
    out: list[str] = []
    for match in _RUN.finditer(sentence):
        run = match.group()
        if " " not in run:
            word = _clean(run)
            if word and word not in _ORG_GENERIC and _org_word(word):
                out.append(word)  # "Kremlin", "SBU"; not a bare "Ministry"
            continue
        parts: list[list[str]] = [[]]
        for word in run.split():
            if word == "and":
                parts.append([])
            else:
                parts[-1].append(word)
        last: list[str] | None = None
        for words in parts:
            k = 0
            while k < len(words) and (words[k].lower() in _STARTERS or words[k].lower() in _CONNECTORS):
                k += 1
            words = words[k:]
            if not words:
                continue
            cleaned = [_clean(word) for word in words]
            found = [k for k, word in enumerate(cleaned) if _org_word(word)]
            pair = any((a, b) in _ORG_PAIRS for a, b in zip(cleaned, cleaned[1:]))
            if not found and not pair:
                if last is not None:
                    last += ["and", *words]  # "Department of Youth and Sports"
                continue
            if len(words) == 1 and cleaned[0] in _ORG_GENERIC:
                last = None
                continue  # "the Ministry said": which ministry is the answer
            if last is not None:
                out.append(" ".join(last))
            # The name ends at its last organisation word, or runs on through "of …" after it.
            end = len(words) if pair else found[-1] + 1
            if end < len(words) and words[end] in ("of", "for") or any(w in ("of", "for") for w in words[end:end + 1]):
                end = len(words)
            last = [*words[:end - 1], cleaned[end - 1]] if not pair else [*words[:-1], cleaned[-1]]
        if last is not None:
            out.append(" ".join(last))
    return tuple(dict.fromkeys(span for span in out if span))


_PLACE_PREPS = _words("in at from near to into outside across toward towards through around inside within of "
                      "via between beyond")
_PLACE_NOUNS = _words("region oblast city province district peninsula river sea village town raion krai county "
                      "port area capital republic settlement")
_PLACE_HEADS = _words("River Lake Mount Cape Port Fort Gulf Sea Bay")
_PLACE_WORDS = _COMPASS | _words("river city region oblast street square bridge sea island republic province "
                                 "district mountains lake bay peninsula airport station port plant krai county "
                                 "valley")
_PLACE_ACRONYMS = _words("US USA UK UAE EU DPR LPR DNR LNR")
_PLACE_SUFFIX = re.compile(r"(?:sk|grad|burg|pol|polis|ovka|ivka|evka|stan|yiv|kiv|horod|zhzhia|zhzhya|ensk|insk)$")


def _word_before(sentence: str, start: int) -> tuple[str, int]:
    """The word before a single space at start, and where it starts ("", -1 if none)."""
    if start < 2 or sentence[start - 1] != " ":
        return "", -1
    begin = sentence.rfind(" ", 0, start - 1) + 1
    return sentence[begin:start - 1], begin


def _place_context(sentence: str, start: int) -> bool:
    """Whether a place preposition comes just before start ("in", "near the", "the city of")."""
    word, begin = _word_before(sentence, start)
    if word == "the":
        word, begin = _word_before(sentence, begin)
    last = word.lower()
    if last not in _PLACE_PREPS:
        return False
    if last in ("of", "for", "to"):
        previous = _word_before(sentence, begin)[0]
        if last == "of" and previous.lower() in _PLACE_NOUNS:
            return True  # "the city of Mykolaiv"
        if previous[:1].isupper() or previous.lower() == "according":
            return False  # "Ministry of Defence", "according to Russian media"
    return True


def _place_noun_after(sentence: str, end: int) -> bool:
    """Whether a place noun follows: "Kherson region", "Zaporizhzhia oblast"."""
    following = sentence[end + 1:end + 12].split(None, 1)
    return bool(following) and sentence[end:end + 1] == " " and following[0].rstrip(",.;:").lower() in _PLACE_NOUNS


def _place_words(words: list[str]) -> list[str]:
    """The words of a place: possessive cut ("Ukraine's Donbas" → Ukraine), leading sentence
    starters and demonyms dropped, cut at a date word ("Press Conference On Friday")."""
    for k, word in enumerate(words[:-1]):
        if word.endswith(("'s", "’s")):
            words = words[:k + 1]
            break
    words = [_clean(word) for word in words]
    k = 0
    while k < len(words) and (words[k].lower() in _STARTERS or words[k].lower() in DEMONYMS):
        k += 1
    words = words[k:]
    for k, word in enumerate(words):
        if word.lower() in _STARTERS:
            return words[:k]
    return words


def _not_a_place(word: str) -> bool:
    low = word.lower()
    return low in COMMON or low in TITLES or low in DEMONYMS or ("-" in word and HYPHEN_MODIFIER.search(word) is not None) \
        or (len(word) > 1 and word.isupper() and word not in _PLACE_ACRONYMS)


def _places(sentence: str) -> tuple[str, ...]:
    out: list[str] = []
    for match in _RUN.finditer(sentence):
        run = match.group()
        if " " not in run:  # most runs: one word
            word = _clean(run)
            if not word or _not_a_place(word) or word in _ORG_NAMED:
                continue
            if _PLACE_SUFFIX.search(word) or _place_context(sentence, match.start()) \
                    or _place_noun_after(sentence, match.end()):
                out.append(word)
            continue
        context = _place_context(sentence, match.start()) or _place_noun_after(sentence, match.end())
        for before, words, _ in _segments(run, match.start()):
            if before == "of" and out and words and out[-1].split()[-1] in ("Gulf", "Sea", "Bay"):
                out[-1] += " of " + " ".join(words)  # "Sea of Azov"
                continue
            words = _place_words(words)
            if not words or _not_a_place(words[0]):
                continue
            if not (context and before in ("", "and")) and words[0] not in _PLACE_HEADS \
                    and not any(_PLACE_SUFFIX.search(word) for word in words):
                continue
            span = " ".join(words)
            if span not in _ORG_NAMED:  # "from The Economist"
                out.append(span)
    return tuple(dict.fromkeys(out))


_NUMBER_WORD_RE = (r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
                   r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety")
# Digits as written ("45,000", "3.5", "10%", "$10,000", "80 per cent", "56km", "10 million").
_NUMBER_DIGITS = re.compile(r"[\d$£€₴₽][\d,.]*")  # where a number can start; _DIGITS_CORE says where it ends
_DIGITS_CORE = re.compile(r"(?:[$£€₴₽] ?)?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
_NUMBER_UNIT = re.compile(r" ?(?:%|per ?cent\b|percent\b|(?:million|billion|trillion|thousand|bn|m|k|km|kg|tonnes?)\b)")
# Number words in lower case: "three", "twenty-five", "thousands", "two million", "hundreds of
# thousands", "dozens", "half", "a third".
_MULTIPLIER = r"(?:\s+(?:hundred|thousand|million|billion|trillion)s?\b)?"
_NUMBER_WORDS_RE = re.compile(_alternatives(
    ["two[\\s-]thirds", "three[\\s-]quarters"]
    + [rf"{word}(?:-(?:{_NUMBER_WORD_RE}))?\b{_MULTIPLIER}" for word in _NUMBER_WORD_RE.split("|")]
    + [rf"{word}s?(?:\s+of\s+(?:thousands|millions))?" for word in ("hundred", "thousand", "million", "billion", "trillion")]
    + [r"tens\s+of\s+(?:thousands|millions)", rf"several{_MULTIPLIER}", r"a\s+(?:few\s+)?(?:hundred|thousand|million|billion|dozen)",
       r"a\s+third", r"a\s+quarter", r"dozens?", "half"]) + r"\b")
_MONTH_NAMES = (r"january|february|march|april|may|june|july|august|september|october|november|december|"
                r"jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec")
_YEAR_CONTEXT = _words("in since until till by from to of early late mid spring summer autumn fall winter year") | _MONTHS
_MONTH_AFTER = re.compile(rf"(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTH_NAMES})\b", re.I)


def _numbers(sentence: str) -> tuple[str, ...]:
    found: list[tuple[int, str]] = []
    for match in _NUMBER_DIGITS.finditer(sentence):
        start, end = match.start(), match.end()
        core = _DIGITS_CORE.match(sentence, start)
        if core is None or (start and (sentence[start - 1].isalnum() or sentence[start - 1] in "-/.:,")):
            continue  # "Covid-19", "v2", "12/03"
        unit = _NUMBER_UNIT.match(sentence, core.end())
        text = sentence[start:unit.end() if unit else core.end()]
        tail = sentence[core.end():core.end() + 2]
        if tail[:1] in "/:" and tail[1:2].isdigit() or tail[:1] == "-" and tail[1:2].isdigit() \
                or sentence[core.end():core.end() + 2].lower() in ("st", "nd", "rd", "th") \
                and not sentence[core.end() + 2:core.end() + 3].isalpha():
            continue  # "12/03/2022", "10:30", "2022-03", "27th"
        digits = core.group().lstrip("$£€₴₽ ")
        if len(digits) == 4 and (digits[0] == "1" or digits[:2] == "20") and digits.isdigit():
            before = sentence[max(0, start - 12):start].lower().split()[-1:]
            if before and before[0].strip("-.") in _YEAR_CONTEXT or end >= len(sentence) or sentence[end:end + 1] in ",.;)":
                continue  # "in 2022", "July 2022": a date, not an amount
        if len(digits) <= 2 and digits.isdigit():
            before = sentence[max(0, start - 12):start].lower().split()[-1:]
            if _MONTH_AFTER.match(sentence, core.end()) or before and before[0].rstrip(".") in _MONTHS:
                continue  # "12 July", "July 12": a day of the month
        found.append((start, text))
    low = _spaced(sentence)
    for match in _NUMBER_WORDS_RE.finditer(low):
        start = match.start()  # the space before the word in low is where the word starts in sentence
        if not (low.startswith("one", start + 1) and low[max(0, start - 2):start + 1] == "no "):
            found.append((start, sentence[start:match.end() - 1]))
    found.sort()
    return tuple(dict.fromkeys(text for _, text in found))


_MONTHS_RE = (r"(?:january|february|march|april|may|june|july|august|september|october|november|december|"
              r"(?:jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)(?:\.|(?=\s+\d)))")
_SEASON = r"(?:spring|summer|autumn|fall|winter)"
# Dates that start with a digit: 2022-03-12, 12/03/2022, years 1000-2099 ("the 1990s"), centuries,
# "12 July 2022", "10am", "10:30", "3 days ago". The first digit is outside the alternatives so
# that the engine can skip to digits.
_DATE_DIGITS = re.compile(rf"""\d(?:
      \d{{3}}-\d\d-\d\d
    | \d?[/.]\d\d?[/.]\d\d(?:\d\d)?
    | \d?(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTHS_RE})(?:,?\s+(?:1[89]|20)\d\d)?
    | (?<=1)\d\d\d(?:s|['’]s)? | (?<=2)0\d\d(?:s|['’]s)?
    | \d?(?:st|nd|rd|th)[\s-]+(?:centur(?:y|ies)|millenni(?:um|a))
    | \d{{0,3}}\s?(?:BCE?|AD|CE|B\.C\.|A\.D\.)(?!\w)
    | \d?(?::\d\d)?\s?(?:am|pm|a\.m\.|p\.m\.) | \d?:\d\d
    | \d{{0,2}}\s+(?:days?|weeks?|months?|years?|decades?)\s+(?:ago|earlier|later|before))\b""", re.X | re.I)
# Dates in words, matched in lower case: months (with a day and year after them), weekdays,
# "yesterday", "last week", "earlier this year", "two days ago", "in the summer of 2022".
_AFTER_MONTH = r"(?:\s+\d{1,2}(?:st|nd|rd|th)?\b)?(?:,?\s+(?:1\d|20)\d\d\b)?"
_PERIOD = (rf"(?:day|week|weekend|month|year|morning|afternoon|evening|night|{_SEASON}|"
           r"monday|tuesday|wednesday|thursday|friday|saturday|sunday)")
_ORDINAL_WORDS = (r"(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|"
                  r"thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|"
                  r"twenty-first)")
_DATE_WORDS = re.compile(_alternatives(
    [rf"{month}\b{_AFTER_MONTH}" for month in "january february march april may june july august september october "
                                             "november december".split()]
    + [rf"{month}(?:\.|(?=\s+\d)){_AFTER_MONTH}" for month in "jan feb mar apr jun jul aug sept sep oct nov dec".split()]
    + [f"{day}s?" for day in "monday tuesday wednesday thursday friday saturday sunday".split()]
    + "yesterday today tonight tomorrow overnight midnight dawn dusk noon christmas easter".split()
    + [rf"{word}\s+{_PERIOD}" for word in ("this", "last", "next", "that", r"the\s+same", r"the\s+previous", r"the\s+following")]
    + [r"earlier\s+(?:this|that|in\s+the)\s+(?:week|month|year|day)", r"later\s+(?:this|that|in\s+the)\s+(?:week|month|year|day)"]
    + [rf"{unit}\s+(?:days?|weeks?|months?|years?|decades?)\s+(?:ago|earlier|later|before)"
       for unit in ("a", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "several", "few",
                    r"a\s+few", r"a\s+couple\s+of")]
    + [rf"in\s+(?:the\s+)?(?:early\s+|late\s+|mid-?)?{_SEASON}(?:\s+of\s+(?:1[89]|20)\d\d)?",
       rf"the\s+(?:early\s+|late\s+|mid-?)?{_SEASON}(?:\s+of\s+(?:1[89]|20)\d\d)?",
       rf"early\s+{_SEASON}", rf"late\s+{_SEASON}", rf"mid-?{_SEASON}",
       r"spring\b(?:\s+of\s+(?:1[89]|20)\d\d)?", r"summer\b(?:\s+of\s+(?:1[89]|20)\d\d)?",
       r"autumn\b(?:\s+of\s+(?:1[89]|20)\d\d)?", r"winter\b(?:\s+of\s+(?:1[89]|20)\d\d)?",
       r"at\s+the\s+weekend", r"new\s+year(?:['’]s)?", r"the\s+(?:nineteen|twenty)-\w+s",
       rf"the\s+(?:early\s+|late\s+|mid-?)?{_ORDINAL_WORDS}\s+(?:century|centuries|millennium)"]) + r"\b")
_CAPITALISED_DATES = _MONTHS | _WEEKDAYS | _words("mondays tuesdays wednesdays thursdays fridays saturdays sundays")


# Named times: "the Lower Paleolithic period", "the Bronze Age", "the Ming dynasty", "the mid-Eocene".
_NAMED_TIMES = re.compile(r"\bthe\s+(?:(?:early|late|mid)-?\s*)?(?:[A-Z][\w'’-]*\s+){1,3}"
                          r"(?:[Pp]eriod|[Ee]ra|[Aa]ge|[Dd]ynasty|[Ee]poch)s?\b"
                          r"|\bthe\s+mid-[A-Z][a-z]+cene\b")


def _dates(sentence: str) -> tuple[str, ...]:
    found: list[tuple[int, int]] = [match.span() for match in _NAMED_TIMES.finditer(sentence)]
    for match in _DATE_DIGITS.finditer(sentence):
        start = match.start()
        if start and (sentence[start - 1].isalnum() or sentence[start - 1] in ",."):
            continue
        found.append((start, match.end()))
    low = _spaced(sentence)
    for match in _DATE_WORDS.finditer(low):
        start, end = match.start(), match.end() - 1
        word = low[start + 1:end + 1].split(None, 1)[0].rstrip(".")
        if word in _CAPITALISED_DATES:
            if not sentence[start].isupper():
                continue  # "march", "may" in lower case: verbs
            if word == "may" and (start == 0 or sentence[end:end + 1] == " " and sentence[end + 1:end + 2].islower()):
                continue  # "May the…", "Ukraine May be…": the modal
        found.append((start, end))
    found.sort()
    return _longest(sentence[a:b].strip() for a, b in found)


def _tail(words: int) -> str:
    """Up to `words` words after a cue, to the clause's end ("45,000" is one word)."""
    return rf"(?:[^\S\n]+[^\s,.;:!?()\[\]\"“”—–]+(?:[,.]\d+)*){{0,{words}}}"


# Cues of a cause, in lower case, with what follows them: "because of the curfew", "in
# retaliation for…", "accused of collaborating", "anger over rising prices", "for spying".
# "after" and "since" are causes as often as times; "since" before a date or "then" is only a time.
_REASON = re.compile(_alternatives([
    r"because(?:\s+of)?", r"due\s+to", r"owing\s+to", r"thanks\s+to", r"as\s+a\s+(?:result|consequence)\s+of",
    r"as\s+punishment\s+for",
    r"in\s+(?:order\s+to|retaliation|revenge|response|protest|reprisal|a\s+bid\s+to)(?:\s+(?:for|to|at|against))?",
    r"so\s+(?:that|as\s+to)", r"caused\s+by", r"the\s+reasons?", r"reasons?\s+(?:for|why)", r"aimed\s+at",
    r"motivated\s+by", r"blamed\s+(?:on|for)", r"accused\s+(?:\w+\s+)?of", r"suspected\s+of",
    r"on\s+(?:suspicion|charges)\s+of", r"charged\s+with", r"convicted\s+of", r"punish(?:ed|ment)?\s+for", "after",
    "following", rf"since(?!\s+(?:\d|then|the\s+(?:start|beginning|end|first|outbreak)|last|early|late|mid|{_MONTHS_RE}))",
    r"for(?=\s+(?!(?:no|some|any|every)thing\b|morning\b|evening\b|spring\b|during\b)[a-z]+ing\b)"]
    + [rf"{word}\s+over" for word in "arrested detained jailed sentenced sanctioned fired sacked dismissed killed "
                                     "targeted attacked punished protest protests anger outrage fear fears concern "
                                     "concerns row dispute tension tensions".split()]) + rf"\b{_tail(10)}")
# Cues of a means, in lower case: "by planting explosives", "with a pistol", "using drones",
# "via Crimea". "by", "with" and "through" only before a lower-case word: before a name it is the
# doer ("shot by partisans" is kept out too: a plain plural after "by" is a doer as often as not).
_MEANS = re.compile(_alternatives([
    r"by\s+means\s+of", r"by\s+hand",
    r"by(?=\s+[a-z]+ing\b|\s+(?:a|an)\s|\s+(?:car|road|rail|train|air|sea|land|plane|bus|boat|phone|email|mail|drone|helicopter|force)\b)",
    r"armed\s+with", r"equipped\s+with", r"on\s+foot", "using", "via", r"with\s+(?:a|an|the|his|her|their)(?=\s)",
    r"through(?=\s)"]) + rf"\b{_tail(5)}")
_WEAPONS = re.compile(_alternatives([
    r"car[\s-]bombs?", r"bombs?", r"bombings?", r"explosive\s+devices?", r"explosives?", r"ieds?", r"land\s?mines?",
    "mines", r"grenades?", r"pistols?", r"rifles?", r"handguns?", r"shotguns?", r"firearms?", r"machine[\s-]?guns?",
    r"guns?", r"snipers?", r"drones?", r"missiles?", r"rockets?", "artillery", r"mortars?", "shells", "shelling",
    r"air[\s-]?strikes?", r"poison(?:ed|ing)?", r"toxins?", "knives", "knife", "axe", "himars", "mlrs",
    r"booby[\s-]trap(?:ped|s)?", "arson", r"fire-?bombs?", r"molotov\s+cocktails?", r"ambush(?:ed)?",
    r"helicopters?", r"planes?", "aircraft", r"trucks?", r"boats?", "tanks"]) + r"\b")
_MODIFIER_WORD = re.compile(r"[\w’'\-]+")


_TAIL_STOP = re.compile(r"[()\[\]“”\"«»—–/\n]")


def _cut(span: str) -> str:
    """A cue's span up to punctuation that the lower-cased copy had turned into spaces."""
    stop = _TAIL_STOP.search(span, 1)
    return (span[:stop.start()] if stop else span).strip()


def _longest(spans: Iterable[str]) -> tuple[str, ...]:
    """spans without repeats, empties or spans inside another ("HIMARS" in "HIMARS missile")."""
    unique = [span for span in dict.fromkeys(spans) if span]
    if len(unique) < 2 or len(unique) > 40:  # (a sentence with dozens of spans is no sentence; skip the quadratic check)
        return tuple(unique)
    return tuple(span for span in unique if not any(span in other and span != other for other in unique))


def _modifiers(sentence: str, start: int) -> list[str]:
    """Up to two words just before start that can modify a noun ("Makarov semi-automatic")."""
    words: list[str] = []
    for word in reversed(sentence[max(0, start - 40):start].split()[-2:]):
        if word.lower() in STOP_WORDS or not _MODIFIER_WORD.fullmatch(word):
            break
        words.insert(0, word)
    return words


def _reasons(sentence: str) -> tuple[str, ...]:
    return _longest(_cut(sentence[m.start():m.end() - 1]) for m in _REASON.finditer(_spaced(sentence)))


def _means(sentence: str) -> tuple[str, ...]:
    out: list[str] = []
    low = _spaced(sentence)
    for match in _MEANS.finditer(low):
        start, end = match.start(), match.end() - 1
        cue = low[start + 1:start + 8]
        if cue.startswith(("by ", "with ", "through")):
            # The word after the cue (and its article) must be lower case in the sentence.
            words = sentence[start:end].split()
            if len(words) < 2 or not words[-1 if len(words) == 2 else 1 + (words[1].lower() in ("a", "an", "the", "his", "her", "their"))][:1].islower():
                continue
        out.append(_cut(sentence[start:end]))
    for match in _WEAPONS.finditer(low):
        # The weapon with up to two words before it: "a Makarov semi-automatic pistol".
        out.append(" ".join([*_modifiers(sentence, match.start()), sentence[match.start():match.end() - 1]]))
    return _longest(out)


_ROLES_RE = (r"mayor|governor|head|leader|chief|president|minister|deputy|commander|official|spokes(?:man|woman|person)|"
             r"director|chairman|secretary|founder|member|ambassador|general|colonel|journalist|editor|activist|"
             r"blogger|lawmaker|senator|politician|businessman|oligarch|collaborator|adviser|advisor|administrator|"
             r"prosecutor|judge|officer|agent|owner|priest|envoy")
# What describes something, matched in lower case: "stands for …", "known as …", "X is a/the …".
_COPULAS = ("is", "are", "was", "were")
_DEFINITION = re.compile(_alternatives([
    r"stands?\s+for", r"stood\s+for", r"short\s+for", r"also\s+known\s+as", r"known\s+as", r"referred\s+to\s+as",
    r"refers?\s+to", r"is\s+called", r"so-called", "means", "meaning", r"defined\s+as",
    r"an\s+abbreviation\s+(?:for|of)", r"abbreviation\s+(?:for|of)", r"an\s+acronym\s+for", r"acronym\s+for"]
    + [rf"{copula}\s+(?:a|an|the)\s+[^\s,.;:!?()\[\]\"“”—–]+" for copula in _COPULAS]) + rf"\b{_tail(10)}")
# A role, in lower case: before "of <Name>" ("the Moscow-installed deputy head of the town of
# Nova Kakhovka") or before a name ("Russian President Vladimir Putin").
_ROLE = re.compile(_alternatives(_ROLES_RE.replace("spokes(?:man|woman|person)", "spokesman|spokeswoman|spokesperson").split("|"))
                   + r"\b(?:\s+of\s+(?:the\s+)?(?:\w+\s+of\s+)?)?")
# "Ivan Fedorov, the exiled mayor of Melitopol,": an apposition after a name.
_APPOSITION = re.compile(rf"""{_U}[\w'’\-]*,\s+((?:a|an|the)\s+[^,;.()!?“”"]{{2,90}}?|(?:[\w’'\-]+\s+){{0,2}}(?:{_ROLES_RE})\b[^,;.()!?“”"]{{0,90}}?)(?=\s*[,;)—–])""")
_ACRONYM_EXPANSION = re.compile(rf"(?:{_U}[\w'’\-]*{_SP}(?:(?:of|for|and|the|on|in){_SP})*){{1,8}}\((?:[A-Z][A-Za-z]{{1,7}})\)")


def _definitions(sentence: str) -> tuple[str, ...]:
    found: list[tuple[int, str]] = []
    low = _spaced(sentence)
    for match in _DEFINITION.finditer(low):
        start, end = match.start(), match.end() - 1
        if low[start + 1:start + 6].split(None, 1)[0] in _COPULAS:
            start = sentence.index(" ", start) + 1  # "is a town of…": the description
            while sentence[start].isspace():
                start += 1
        found.append((start, _cut(sentence[start:end])))
    for match in _ROLE.finditer(low):
        start, end = match.start(), match.end() - 1
        if sentence[end - 1:end].isspace():
            name = _RUN.match(sentence, end)  # "head of (the town of) Nova Kakhovka"
            if name is None or HYPHEN_MODIFIER.search(name.group().split(None, 1)[0]):
                continue
            end = name.end()
            words = sentence[max(0, start - 60):start].split()[-4:]
            for k in range(len(words) - 1, -1, -1):
                if words[k].lower() in ("the", "a", "an"):
                    start -= len(" ".join(words[k:])) + 1  # "the Moscow-installed deputy head"
                    break
        else:
            following = sentence[end:end + 40].split(None, 1)
            if not following or not following[0][:1].isupper() or following[0].lower() in _STARTERS:
                continue  # a role before a name: "Russian President Vladimir Putin"
            before = _modifiers(sentence, start)
            if before:
                start -= len(" ".join(before)) + 1
        found.append((start, _cut(sentence[start:end])))
    if ", " in sentence:
        for match in _APPOSITION.finditer(sentence):
            name = sentence[match.start():match.start(1)].split(",")[0]
            word, begin = _word_before(sentence, match.start())
            if name.lower() in COMMON or word.lower() in _PLACE_PREPS and (begin == 0 or sentence[begin - 1] == "\n"):
                continue  # "In July, a bomb…", "In Kherson, an airbase…": no apposition
            span = match.group(1)
            if span.startswith(("who is ", "who was ", "who’s ", "who's ")):
                span = span.split(None, 2)[-1] if not span.startswith(("who’s", "who's")) else span.split(None, 1)[-1]
            found.append((match.start(1), _cut(span)))
    if "(" in sentence:
        for match in _ACRONYM_EXPANSION.finditer(sentence):
            words = match.group().split()
            while words and words[0].lower() in _STARTERS:
                words = words[1:]  # "The Security Service of Ukraine (SBU)"
            if len(words) > 1:
                found.append((match.start(), " ".join(words)))
    found.sort()
    return _longest(span for _, span in found)


# What a number measures, by the unit written with it ("56km", "80 per cent", "$10,000", "three
# years", "a 45-year-old"); a number with none counts things ("45,000 people").
MEASURES: dict[str, frozenset[str]] = {
    "distance": _words("km kilometre kilometres kilometer kilometers mile miles metre metres meter meters ft feet "
                       "foot yard yards inch inches cm centimetre centimetres centimeter centimeters mm"),
    "percent": _words("percent cent"),  # "cent" of "per cent"
    "money": _words("dollar dollars euro euros pound pounds sterling hryvnia hryvnias hryvnas rouble roubles ruble "
                    "rubles usd eur gbp uah rub yuan yen"),
    "duration": _words("year years month months week weeks day days hour hours minute minutes second seconds decade "
                       "decades century centuries"),
    "weight": _words("kg kilogram kilograms kilo kilos tonne tonnes ton tons gigaton gigatons megaton megatons"),
}
# "three times more expensive", "twice as much": a price told against another ("ratio"); "ten times"
# alone counts occasions.
_COMPARATIVES = _words("more less higher lower cheaper dearer costlier as larger bigger smaller greater the over")
_MEASURE_OF = {word: measure for measure, words in MEASURES.items() for word in words}
_UNIT_WORDS = re.compile(r"[a-z%]+")


def measure_of(sentence: str, span: str) -> str | None:
    """What the number span of sentence measures (a key of MEASURES, or "ratio"), or None for a count."""
    if span[:1] in "$£€₴₽":
        return "money"
    if "%" in span:
        return "percent"
    at = sentence.find(span)
    tail = span[len(span.rstrip("abcdefghijklmnopqrstuvwxyz")):] if span[:1].isdigit() else ""  # "56km" → "km"
    after = _UNIT_WORDS.findall(sentence[at + len(span) : at + len(span) + 24].lower()) if at >= 0 else []
    for i, word in enumerate(([tail] if tail else []) + after[:2]):
        if word == "times" and not tail:
            return "ratio" if i + 1 < len(after) and after[i + 1] in _COMPARATIVES else None
        if word in _MEASURE_OF:
            return _MEASURE_OF[word]
        if word not in ("million", "billion", "thousand", "bn", "m", "k", "per", "of", "a", "the"):
            break  # "45,000 people in Kherson": the word after the number is what it counts
    return None


_EXPANSION_WORD = re.compile(r"[\w'’-]+")
_EXPANSION_GLUE = _words("of for the and in on to de")


def expansions(acronym: str, sentence: str) -> tuple[str, ...]:
    """What sentence gives as the long form of acronym: a run of capitalised words whose leading
    letters spell it ("National Resistance Center" for NRC, "High Mobility Artillery Rocket System"
    for HIMARS; small words inside skipped), or one written beside it in brackets, spelling or not
    ("the Security Service of Ukraine (SBU)", "SBU (Security Service of Ukraine)")."""
    letters = acronym.lower().replace(".", "")
    if len(letters) < 2 or not letters.isalpha():
        return ()
    # Both bracketed forms write the acronym itself: a text without it is not searched for them (the
    # capitalised runs before each bracket make that search slow on a long text).
    out = [match.group(1) for pattern in _bracketed(acronym) for match in pattern.finditer(sentence)] \
        if acronym in sentence else []
    words = [(m.start(), m.end(), m.group()) for m in _EXPANSION_WORD.finditer(sentence)]
    for i, (start, _, word) in enumerate(words):
        if not word[:1].isupper() or word.lower()[0] != letters[0] or word.isupper() and word.lower() == letters:
            continue
        end = _spell(letters, words, i)
        if end is not None:
            out.append(sentence[start:words[end][1]])
    return tuple(dict.fromkeys(out))


# At most ten words, so that a long text of capitalised words is read in linear time.
_CAPITALISED_RUN = r"[A-Z][\w'’-]*(?:\s+(?:(?:of|for|the|and|de)\s+)?[A-Z][\w'’-]*){0,9}"


@lru_cache(maxsize=64)  # asked once per sentence of every hit: built once per question
def _bracketed(acronym: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """"Long Form (ACRONYM)" and "ACRONYM (Long Form)"."""
    escaped = re.escape(acronym)
    return (re.compile(rf"({_CAPITALISED_RUN})\s*\(\s*{escaped}\s*\)"),
            re.compile(rf"\b{escaped}\s*\(\s*({_CAPITALISED_RUN})\s*\)"))


MAX_EXPANSION_WORDS = 12  # a long form longer than this is no expansion (and the search stays small)


def _spell(letters: str, words: list[tuple[int, int, str]], first: int) -> int | None:
    """The index of the last word when words from first on spell letters, each capitalised word
    giving a prefix of itself (at least its first letter) and small words nothing; else None.
    Each (letters left, word) pair is tried once, so any text is read in polynomial time."""
    failed: set[tuple[int, int]] = set()
    stop = min(len(words), first + MAX_EXPANSION_WORDS)
    if sum(len(word) for _, _, word in words[first:stop]) < len(letters):
        return None  # too few letters within reach: a long acronym over short words fails at once

    def spell(done: int, i: int) -> int | None:
        if done == len(letters):
            return i - 1
        if i >= stop or i > first and words[i][0] - words[i - 1][1] > 2 or (done, i) in failed:
            return None  # past the run's end, a gap between words, or tried already
        low = words[i][2].lower()
        end = None
        if low in _EXPANSION_GLUE:
            end = spell(done, i + 1)
        elif words[i][2][:1].isupper():
            for take in range(min(len(low), len(letters) - done), 0, -1):
                if low[:take] == letters[done:done + take]:
                    end = spell(done + take, i + 1)
                    if end is not None:
                        break
        if end is None:
            failed.add((done, i))
        return end

    return spell(0, first)


# What befalls someone or something in the news: "What happened to the mayor?" is answered by a
# sentence telling that he was abducted, shot, poisoned, sent away, blown up...
_EVENT = re.compile(r"\b(?:" + "|".join(sorted("""
    killed shot wounded injured hurt kidnapped abducted abduction arrested detained jailed imprisoned sentenced
    convicted charged released freed exchanged died dead death poisoned blown bombed attacked targeted assassinated
    murdered executed captured seized fled escaped exiled deported evacuated hospitalised hospitalized taken flown
    sent moved replaced dismissed sacked fired resigned quit appointed elected disappeared missing vanished
    destroyed damaged demolished burned burnt exploded collapsed flooded closed shut reopened banned sanctioned
    fined sued investigated accused coma ill stroke""".split(), key=lambda w: (-len(w), w))) + r")\b", re.I)


def _events(sentence: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(m.group() for m in _EVENT.finditer(sentence)))


_FINDERS: dict[str, Callable[[str], tuple[str, ...]]] = {
    "person": _persons, "organisation": _organisations, "place": _places, "number": _numbers,
    "date": _dates, "reason": _reasons, "means": _means, "definition": _definitions, "event": _events,
}


# A story's dateline ("ATHENS, Greece (Reuters) -", "PORTO ALEGRE, Brazil (CNN) --"): where it was
# filed and by whom, never the answer to who, which organisation or where.
_DATELINE = re.compile(r"(?:(?:[A-Z][A-Za-z.'’-]*|\d{1,4}),?\s+){1,5}" + DATELINE_AGENCY + r"\s*(?:--|[-—–:])\s*")


def spans_of(kind: str | None, sentence: str) -> tuple[str, ...]:
    """The spans of sentence (as written, in order, no repeats) that are of kind; empty when the
    kind is None or "statement", or when there are none. A dateline opening it is left out."""
    finder = _FINDERS.get(kind) if kind else None
    if finder is None or not sentence:
        return ()
    dateline = _DATELINE.match(sentence)
    if dateline is not None:  # blanked rather than cut: callers find spans by their place in sentence
        sentence = " " * dateline.end() + sentence[dateline.end():]
    return finder(sentence)
