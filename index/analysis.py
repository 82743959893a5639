"""Text analysis: the same words → terms mapping for passages and questions.

Case folding, Unicode-aware words, diacritics folded, possessives dropped,
dotted abbreviations joined ("U.N." → un; "US" and "U.S." → usa),
hyphenated words kept whole and split into parts, thousands separators
removed from numbers, English stop words removed, irregular verb forms
mapped to their base ("said" → say), British spellings folded to American
("defence" → defense), Snowball stemming.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator

import Stemmer

# Numbers with thousands separators first, so "45,000" stays one word; then
# words that may be joined by hyphens or apostrophes ("Russian-backed", "Gur's").
# Dotted abbreviations ("U.N.", "U.K.") are one word, so that they meet the undotted ones ("UN"):
# a single letter may go on with ".N." (tried only after a one-letter word, the lookbehind: as an
# alternative of its own before the word pattern it cost a fifth more time on every word).
_WORD = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?"
                   r"|[^\W_]+(?:['’\-‐‑][^\W_]+)*(?:(?<=\b[^\W\d_])(?:\.[^\W\d_])+\.(?![^\W_]))?")
_JOINERS = re.compile(r"['’\-‐‑]")
_HYPHENS = re.compile(r"[\-‐‑]")
_POSSESSIVE = re.compile(r"['’]s$")

# A compact English stop list (articles, pronouns, auxiliaries, prepositions,
# question words). Question words matter: "who was…" must not match every
# passage that says "who".
STOP_WORDS = frozenset(
    """
    a about above after again against all am an and any are aren't as at be
    because been before being below between both but by can cannot could
    couldn't did didn't do does doesn't doing don't down during each few for
    from further had hadn't has hasn't have haven't having he he'd he'll he's
    her here here's hers herself him himself his how how's i i'd i'll i'm i've
    if in into is isn't it it's its itself let's me more most mustn't my myself
    no nor not of off on once only or other ought our ours ourselves out over
    own same shan't she she'd she'll she's should shouldn't so some such than
    that that's the their theirs them themselves then there there's these they
    they'd they'll they're they've this those through to too under until up
    very was wasn't we we'd we'll we're we've were weren't what what's when
    when's where where's which while who who's whom why why's will with won't
    would wouldn't you you'd you'll you're you've your yours yourself
    yourselves also just may might must shall s t d ll m o re ve y us whose
    tell know please many much
    anyone anybody anything someone somebody something everyone everybody everything
    """.split()
)

_stemmer = Stemmer.Stemmer("english")

# Irregular past forms, which Snowball leaves alone: questions ask "what did he
# say" of articles that report what he "said". Forms that are also common
# words of their own (left, ground, wound, fed, born, lay) are not listed.
_IRREGULAR_VERBS = """
arise arose arisen|awake awoke awoken|beat beaten|become became|begin began begun|bend bent|bite bit bitten|
bleed bled|blow blew blown|break broke broken|breed bred|bring brought|build built|buy bought|catch caught|
choose chose chosen|come came|creep crept|deal dealt|dig dug|draw drew drawn|drink drank drunk|drive drove driven|
eat ate eaten|fall fell fallen|feel felt|fight fought|find found|flee fled|fly flew flown|forbid forbade forbidden|
forget forgot forgotten|forgive forgave forgiven|freeze froze frozen|get got gotten|give gave given|go went gone|
grow grew grown|hang hung|hear heard|hide hid hidden|hold held|keep kept|lead led|lend lent|lose lost|make made|
mean meant|meet met|mislead misled|overcome overcame|overthrow overthrew overthrown|pay paid|rebuild rebuilt|
ride rode ridden|rise rose risen|run ran|say said|see saw seen|seek sought|sell sold|send sent|shake shook shaken|
shoot shot|show shown|sing sang sung|sink sank sunk|sit sat|sleep slept|speak spoke spoken|spend spent|
stand stood|steal stole stolen|stick stuck|strike struck stricken|swear swore sworn|swim swam swum|take took taken|
teach taught|tear tore torn|think thought|throw threw thrown|undergo underwent undergone|understand understood|
undertake undertook undertaken|uphold upheld|wake woke woken|wear wore worn|win won|withdraw withdrew withdrawn|
withhold withheld|write wrote written
"""
BASE_FORMS = {form: base for entry in _IRREGULAR_VERBS.replace("\n", "").split("|")
              for base, *forms in [entry.split()] for form in forms}


# Words Snowball folds into another word's stem though they name different things: an "officer"
# is no "office" (a question about a party office was answered with "FSB officers").
KEPT_APART = {"officer": "officer", "officers": "officer", "university": "universit",
               "universities": "universit", "organ": "organ", "organs": "organ"}


# British spellings and the American ones they are written as elsewhere (organise/organize,
# defence/defense, centre/center, colour/color, catalogue/catalog, programme/program,
# analyse/analyze): a British ending with one of its suffixes, after at least so many letters, is
# written the American way when the word that gives, or its base form (the American ending with
# the first suffix: "paralyze" for "paralysed"), is an English word (wordfreq's list).
# Snowball keeps both spellings apart ("organis", "organiz"), and news archives and readers mix them.
_SPELLINGS = (("is", "iz", ("e", "es", "ed", "ing", "ation", "ations", "er", "ers"), 3),
              ("ys", "yz", ("e", "es", "ed", "ing"), 2),
              ("our", "or", ("", "s", "ed", "ing", "ite", "ites", "able", "ful", "er", "ers"), 2),
              ("re", "er", ("", "s"), 3),
              ("ence", "ense", ("", "s"), 3),
              ("ogue", "og", ("", "s"), 3),
              ("mme", "m", ("", "s"), 3))
_BRITISH_ENDINGS = tuple(british + suffix for british, _, suffixes, _ in _SPELLINGS for suffix in suffixes)


def american(word: str) -> str:
    """A lower-case word in American spelling when it is a British spelling of an English word
    ("organised" → "organized"), else the word itself."""
    if not word.endswith(_BRITISH_ENDINGS):
        return word
    from citebot.index.common_words import english_words  # which imports this module

    for british, american_ending, suffixes, before in _SPELLINGS:
        for suffix in suffixes:
            ending = british + suffix
            if word.endswith(ending) and len(word) - len(ending) >= before:
                stem = word[: len(word) - len(ending)]
                spelt = stem + american_ending + suffix
                words = english_words()
                return spelt if spelt in words or stem + american_ending + suffixes[0] in words else word
    return word


def _stem(word: str) -> str:
    return KEPT_APART.get(word) or _stemmer.stemWord(BASE_FORMS.get(word) or american(word))


@dataclass(frozen=True, slots=True)
class Token:
    """One analysed term and where the word it came from stands in the text."""

    term: str
    start: int
    end: int


# Cyrillic letters that look like Latin ones: a Latin word with one inside ("Zaporіzhzhia" with a
# Ukrainian і, pasted from a Ukrainian source) is the Latin word.
_LOOK_ALIKES = str.maketrans("аеіорсухјѕ", "aeiopcyxjs")
_LATIN = re.compile(r"[a-z]")


def fold(word: str) -> str:
    """Lower-case and strip diacritics: 'Zaporižžia' and 'Zaporizzia' alike, and 'Zaporіzhzhia'
    (a Cyrillic і inside) and 'Zaporizhzhia'."""
    if word.isascii():  # most words: nothing to decompose
        return word.lower()
    word = word.casefold()
    if _LATIN.search(word):
        word = word.translate(_LOOK_ALIKES)
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# "US" and "U.S." are the United States, not the pronoun "us" (a stop word) that lower case makes of them.
_UNITED_STATES = frozenset({"US", "U.S.", "USA", "U.S.A."})


@lru_cache(maxsize=200_000)
def _terms_of_word(word: str) -> tuple[str, ...]:
    """Terms for one surface word; cached because news text repeats words a lot."""
    if word in _UNITED_STATES:
        return ("usa",)
    if word.endswith(".") and word[-2:-1].isalpha():  # a dotted abbreviation: "U.N." is "UN"
        word = word.replace(".", "")
    elif "US" in word and _HYPHENS.search(word):  # "US-backed"
        word = "-".join("USA" if part in _UNITED_STATES else part for part in _HYPHENS.split(word))
    if word.isascii() and word.isalpha():  # most words: no accents, digits, hyphens or apostrophes
        word = word.lower()
        return () if word in STOP_WORDS else (_stem(word),)
    word = fold(word)
    if not word:
        return ()  # only combining marks ("ﾟ"), nothing left once folded
    if word[0].isdigit() and "," in word:
        return (word.replace(",", ""),)
    if word in STOP_WORDS:
        return ()
    word = _POSSESSIVE.sub("", word)
    word = word.replace("’", "'")
    parts = [p for p in _JOINERS.split(word) if p]
    if len(parts) == 1:
        return () if word in STOP_WORDS else (_stem(parts[0]),)
    # Hyphenated words are searchable by the whole and by their parts.
    terms = [_stem(p) for p in parts if p not in STOP_WORDS]
    if _HYPHENS.search(word):
        terms.append(_stem("".join(parts)))
    return tuple(terms)


def tokens(text: str) -> Iterator[Token]:
    """Every term of text with the character span of the word it came from."""
    for match in _WORD.finditer(text):
        for term in _terms_of_word(match.group()):
            yield Token(term, match.start(), match.end())


def matched_words(text: str, terms: frozenset[str] | set[str]) -> Iterator[tuple[int, int]]:
    """Spans of the words of text that have a term in terms (marking an excerpt: no Token made per word)."""
    for match in _WORD.finditer(text):
        if not terms.isdisjoint(_terms_of_word(match.group())):
            yield match.start(), match.end()


def analyze_query(text: str) -> tuple[list[str], set[str]]:
    """analyze(text), and which of its terms are hyphenated words joined whole ('kremlinappoint' of
    'Kremlin-appointed'): a question is not missing such a word when the articles only write it
    apart, since its parts are searched too."""
    terms: list[str] = []
    joined: set[str] = set()
    for word in _WORD.findall(text):
        found = _terms_of_word(word)
        terms += found
        if len(found) > 1 and _HYPHENS.search(word):
            joined.add(found[-1])
    return terms, joined


def token_terms(token: str) -> tuple[str, ...]:
    """The terms of one token of text.split() ("(U.S.-backed," → usa, back, usaback).

    analyze(text) is its tokens' terms in a row: no word spans white space, and the word pattern
    looks at most one character past a word, where white space and the end of a string are alike
    (neither a letter nor a digit). Indexing caches this per distinct token, so that the word
    pattern runs once per token it has not met, not on every word of every passage.
    """
    return tuple(term for word in _WORD.findall(token) for term in _terms_of_word(word))


def forget_words() -> None:
    """Empty the per-word cache, so that the next texts are analysed from scratch (benchmarks)."""
    _terms_of_word.cache_clear()


def analyze(text: str) -> list[str]:
    """The terms of text, in order, duplicates kept (BM25 counts them)."""
    return [term for word in _WORD.findall(text) for term in _terms_of_word(word)]


# Transliteration skeleton: Kyiv/Kiev, Zaporizhzhia/Zaporizhia,
# Stremousov/Strimosov and Fedorov/Fedrov differ only in vowels, doubled
# letters and the way a Cyrillic letter was spelt in Latin.
_DIGRAPHS = (("kh", "h"), ("zh", "z"), ("sh", "s"), ("ch", "c"), ("ts", "c"),
             ("tz", "c"), ("w", "v"), ("ph", "f"), ("ck", "k"), ("j", "i"))
_VOWELS = re.compile(r"[aeiouy]")
_DOUBLES = re.compile(r"(.)\1+")


def _merge_digraphs(term: str) -> str:
    for digraph, letter in _DIGRAPHS:
        term = term.replace(digraph, letter)
    return term


@lru_cache(maxsize=100_000)
def folded(term: str) -> str:
    """term spelt the plainest way: digraphs merged, y as i, doubled letters single. Two
    transliterations of one name (Kyrylo/Kirillo, Zelenskyy/Zelensky, Oleksii/Oleksiy) differ less
    folded than as typed.

    Cached, and the substitution (whose group reference makes it the dearest step) run only on a
    word that has doubled letters: a typo is compared with its close words, folded, each question.
    """
    plain = _merge_digraphs(term).replace("y", "i")
    return _DOUBLES.sub(r"\1", plain) if _DOUBLES.search(plain) else plain


@lru_cache(maxsize=100_000)
def skeleton(term: str) -> str:
    """A loose spelling key: first letter plus consonants, digraphs merged."""
    if not term.isalpha():
        return term
    key = _merge_digraphs(term)
    key = key[0] + _VOWELS.sub("", key[1:])
    return _DOUBLES.sub(r"\1", key)
