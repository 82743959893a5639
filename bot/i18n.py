"""The bot's fixed texts in English, Ukrainian and Russian: gettext catalogs, chosen by language code.

Texts are marked in the code with N_() (or _()) and translated where they are used, with a
translator from `translator(code)`; a Telegram user's `language_code` ("uk", "ru-RU", "en", None)
picks the catalog, anything but Ukrainian and Russian is English (the texts as written).

Catalogs live in bot/locale/<lang>/LC_MESSAGES/citebot.po with the compiled .mo beside them
(shipped as package data). After changing a marked text (Babel is a dev dependency:
`pip install -e '.[i18n]'`):

    pybabel extract -F babel.cfg --no-location -o bot/locale/citebot.pot .
    pybabel update -i bot/locale/citebot.pot -d bot/locale -D citebot
    (translate the new entries in the .po files)
    pybabel compile -d bot/locale -D citebot

tests/test_languages.py fails while a marked text is untranslated or a .mo is older than its .po.
"""

from __future__ import annotations

import gettext
from functools import lru_cache
from pathlib import Path
from typing import Callable

DOMAIN = "citebot"
LOCALE_DIR = Path(__file__).with_name("locale")
LANGUAGES = ("en", "uk", "ru")

Translator = Callable[[str], str]


def N_(message: str) -> str:
    """Marks message for extraction; it is translated where it is used."""
    return message


def language(code: str | None) -> str:
    """"uk", "ru" or "en" for a language code such as Telegram's language_code ("uk", "ru-RU")."""
    base = (code or "").strip().lower().replace("_", "-").split("-")[0]
    return base if base in LANGUAGES else "en"


@lru_cache(maxsize=None)
def catalog(lang: str) -> gettext.NullTranslations:
    """The compiled catalog of lang, read once; English (and a missing catalog) translates nothing."""
    if lang == "en":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)


def translator(code: str | None) -> Translator:
    """gettext for a language code: the text in that language, or as written (English)."""
    return catalog(language(code)).gettext


def plural(code: str | None) -> Callable[[str, str, int], str]:
    """ngettext for a language code (Ukrainian and Russian have three plural forms)."""
    return catalog(language(code)).ngettext
