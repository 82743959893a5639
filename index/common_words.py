"""Common English words: a user who types one means it, so spelling help leaves it alone.

Spelling help (index.vocabulary) exists for names, which news articles and
users spell many ways (Stremousov/Strimosov, Kiev/Kyiv, Odessa/Odesa). A
common English word that the articles never use is not a misspelt name:
replacing "family" by "Famille" or "code" by "come" answers a question nobody
asked. So a word is *common* when wordfreq (a maintained, multi-source English
word-frequency list) gives it a Zipf frequency of at least COMMON_ZIPF, that is
about three times per million words. At that cut everyday words count as
common (family 5.7, code 5.1, mayor 4.6, bitcoin 4.2, pies 3.6), while this
domain's transliterated names do not (Kiev 3.48, Crimea 3.45, Odessa 3.20,
Kyiv 3.08, Kherson 2.10, Fedorov 2.05, Saldo 1.20, Melitopol 1.09, Stremousov
and Zaporizhzhia 0), and neither do common misspellings (teh 3.04, thier 2.99,
goverment 2.66, mayr 2.26), which stay fixable.

The index holds analysed terms (stems), so the check is by term: a term is
common when some common word analyses to it ("families" → famili).

Cost: importing wordfreq itself takes about 0.3 s (it loads ftfy, langcodes
and regex for its tokenizer) and its first lookup 0.4 s more, too much for a
command that answers in a second. Its word list is a documented gzipped
msgpack file in the package ("cBpack", see wordfreq.read_cBpack), read here
directly in about 10 ms; with stemming, the set of common terms (about 9,000)
takes 20 to 35 ms, once per process and only when a question first needs it;
then each check is one set lookup. Should the file not read as expected,
wordfreq's public API gives the same list (a test checks that they agree).

By term, a typo whose stem happens to be a common word's is taken as that
word ("famly" → fam); in random one-letter typos of common words that is
about 3 in 100, most of them the intended word's own stem anyway.
"""

from __future__ import annotations

import gzip
import importlib.util
from functools import lru_cache
from pathlib import Path

import Stemmer

from citebot.index.analysis import BASE_FORMS, KEPT_APART, STOP_WORDS, american, analyze

COMMON_ZIPF = 3.5  # log10 of occurrences per billion words
_LANGUAGE = "en"
_WORDLIST = "small"  # every English word down to Zipf 3.0, the same frequencies as wordfreq's "large" list


def _frequency_buckets() -> list[list[str]]:
    """wordfreq's English words by frequency: list i holds the words at -i centibels (Zipf 9 - i/100)."""
    spec = importlib.util.find_spec("wordfreq")  # finds the package without importing it
    if spec is not None and spec.submodule_search_locations:
        path = Path(spec.submodule_search_locations[0]) / "data" / f"{_WORDLIST}_{_LANGUAGE}.msgpack.gz"
        try:
            import msgpack  # wordfreq's own dependency

            with gzip.open(path, "rb") as packed:
                data = msgpack.load(packed, raw=False)
        except (ImportError, OSError, ValueError):
            data = None
        if isinstance(data, list) and data and data[0] == {"format": "cB", "version": 1}:
            return data[1:]
    from wordfreq import get_frequency_list  # slow (see above) but the library's public way

    return get_frequency_list(_LANGUAGE, _WORDLIST)


def common_words(zipf: float = COMMON_ZIPF) -> list[str]:
    """English words with a Zipf frequency of at least zipf, most frequent first."""
    buckets = _frequency_buckets()
    return [word for bucket in buckets[:round((9 - zipf) * 100) + 1] for word in bucket]


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Every word of wordfreq's English list (Zipf 3.0 and up): what counts as a real word when a
    British spelling is folded to an American one."""
    return frozenset(word for bucket in _frequency_buckets() for word in bucket)


@lru_cache(maxsize=1)
def common_terms() -> frozenset[str]:
    """The analysed terms of all common English words (made once per process)."""
    words = common_words()
    # Most words take analysis' plain path (lower-case letters: stop word, irregular verb, Snowball
    # stem), done here in one batch call; a test checks that this equals analyze() word by word.
    def plain(word: str) -> bool:
        return word.isascii() and word.isalpha() and word.islower() and word not in KEPT_APART

    stems = [BASE_FORMS.get(word) or american(word) for word in words if plain(word) and word not in STOP_WORDS]
    terms = set(Stemmer.Stemmer("english", 0).stemWords(stems))  # no cache: each word is stemmed once
    terms.update(term for word in words if not plain(word) for term in analyze(word))
    return frozenset(terms)


def is_common(term: str) -> bool:
    """Whether an analysed term is that of a common English word ("famili", "code"; not "saldo")."""
    return term in common_terms()
