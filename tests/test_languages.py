"""Ukrainian and Russian (issue 10, section 2): transliteration, Cyrillic questions as English ones,
answers and refusals in the asker's language, and the bot's fixed texts from gettext catalogs
chosen by the Telegram user's language_code — through the service, the emulator and the CLI.
The shipped .mo catalogs are checked against their .po sources and the texts marked in the code."""

from __future__ import annotations

import functools
import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from telegram.ext import Application

from citebot.bot.i18n import DOMAIN, LOCALE_DIR, language, plural, translator
from citebot.bot.intent import analyse
from citebot.bot.render import answer_html, answer_text
from citebot.bot.service import Citebot
from citebot.bot.translit import is_cyrillic, language_of, latin, latin_ru, latin_uk, nominatives, to_english
from tests.conftest import ROOT, cli
from tests.emulator import BotApiEmulator
from tests.harness import USERNAME, say, to_chat, visible


# ---------------------------------------------------------------------------------------------
# Transliteration

@pytest.mark.parametrize("cyrillic, latin_form", [
    ("Сальдо", "Saldo"), ("Херсон", "Kherson"), ("Мелітополь", "Melitopol"), ("Запоріжжя", "Zaporizhzhia"),
    ("Київ", "Kyiv"), ("Згурівка", "Zghurivka"), ("Юрій", "Yurii"), ("Єнакієве", "Yenakiieve"), ("Щастя", "Shchastia"),
    ("Знам'янка", "Znamianka"), ("Олексій", "Oleksii"), ("Нова Каховка", "Nova Kakhovka"), ("СБУ", "SBU"),
    ("Енергодар", "Enerhodar"), ("Федоров", "Fedorov")])
def test_ukrainian_national_transliteration(cyrillic: str, latin_form: str) -> None:
    assert latin_uk(cyrillic) == latin_form


@pytest.mark.parametrize("cyrillic, latin_form", [
    ("Мелитополь", "Melitopol"), ("Балицкий", "Balitsky"), ("Сальдо", "Saldo"), ("Стремоусов", "Stremousov"),
    ("Херсон", "Kherson"), ("Федоров", "Fedorov")])
def test_russian_spellings(cyrillic: str, latin_form: str) -> None:
    assert latin_ru(cyrillic) == latin_form


def test_a_words_letters_decide_its_scheme() -> None:
    assert latin("Мелітополь", "ru") == "Melitopol"  # і is only Ukrainian
    assert latin("Энергодар", "uk") == "Energodar"  # э is only Russian


def test_inflected_names_are_tried_in_their_nominative() -> None:
    assert nominatives("Мелитополя")[:2] == ["Мелитополя", "Мелитополь"]
    assert "Каховка" in nominatives("Каховці") and "Федоров" in nominatives("Федоровым")
    assert "Нова" in nominatives("Новій") and "Балицкий" in nominatives("Балицкого")


def test_language_of_a_question() -> None:
    assert language_of("Хто такий Сальдо?") == "uk"
    assert language_of("Кто мэр Мелитополя?") == "ru"
    assert language_of("Сальдо?") == "uk" and language_of("Сальдо?", hint="ru") == "ru"
    assert is_cyrillic("Хто такий Saldo?") and not is_cyrillic("Who is the mayor, Сальдо?")
    assert is_cyrillic("Що таке HIMARS?")  # half its letters


@pytest.mark.parametrize("question, english", [
    ("Хто такий Сальдо?", "Who is Saldo?"),
    ("Кто такой Сальдо?", "Who is Saldo?"),
    ("Кто мэр Мелитополя?", "Who is the mayor of Melitopol?"),
    ("Хто мер Мелітополя?", "Who is the mayor of Melitopol?"),
    ("Де Сальдо?", "Where is Saldo?"),
    ("Скільки людей живе в Новій Каховці?", "How many people live Nova Kakhovka?"),
    ("Куди забрали Сальдо?", "Where taken Saldo?"),
    ("Чому Сальдо забрали до Москви?", "Why Saldo taken Moscow?"),
    ("Що було далі?", "what happened next?"),
    ("А де він зараз?", "And where he?"),
    # News words in any case or tense, by their stems; a Latin acronym in a Ukrainian question.
    ("Кто руководит разведкой Украины?", "Who leads intelligence Ukraine?"),
    ("Хто керує розвідкою України?", "Who leads intelligence Ukraine?"),
    ("Що сталося в Мелітополі?", "What happened Melitopol?"),
    ("Где взорвали машину?", "Where blown car?"),
    ("Коли напали на офіс Єдиної Росії?", "When attacked office United Russia?"),
    ("Що таке HIMARS?", "What is HIMARS?"),
    ("Что случилось с мэром Херсона?", "What happened to the mayor of Kherson?"),
    ("Хто підірвав автомобіль?", "Who blown car?"),
    ("Почему врачи в Херсоне не работают?", "Why doctors Kherson work?"),  # the nominative spelling shown
    ("Сколько людей погибло при взрыве?", "How many people killed explosion?"),
    ("Скільки людей загинуло під час вибуху?", "How many people killed explosion?"),
    ("Кто отравил российских солдат?", "Who poisoned Russian soldiers?"),
    ("Какую валюту вводят на оккупированных территориях?", "Which currency introduced occupied territory?"),
    ("Какой банк открыл отделения в Херсоне?", "Which bank opened branches Kherson?"),
    ("Чим стріляли в Гура?", "How shot Gur?"),
    # An adjective naming a place, in any case: the region's English name.
    ("Кто руководит Запорожской областью?", "Who leads Zaporizhzhia region?"),
    ("Кто возглавляет Запорожскую область?", "Who leads Zaporizhzhia region?"),
    # Phrases whose words alone say something else.
    ("Кто стоит за взрывом в Мелитополе?", "Who behind explosion Melitopol?"),
    ("Скільки людей у Мелітополі без роботи?", "How many people Melitopol unemployed?"),
    ("Скільки платили за вбивство колаборантів?", "How much paid killing collaborators?"),  # a sum, not a count
    ("Где находится Новая Каховка?", "Where is Nova Kakhovka?"),
    ("Який міст зруйнували в Херсоні?", "Which bridge destroyed Kherson?"),
    ("Які ліки зникли з аптек у Херсоні?", "Which medicines disappeared pharmacies Kherson?"),
    # The war's everyday words; the Russian genitive plural (-ов).
    ("Скільки вибухів було на авіабазі?", "How many explosion airbase?"),
    ("Хто командує силами спеціальних операцій?", "Who commands forces special operations?"),
    ("Сколько платят за убийство коллаборантов?", "How much paid killing collaborators?"),
    ("Кто отравил российских солдат пирогами?", "Who poisoned Russian soldiers pies?"),
    ("Що пропонували працівникам заводу в Запоріжжі?", "What offered workers plant Zaporizhzhia?"),
    ("Чому лікарі звільняються в Криму?", "Why doctors quit Crimea?"),  # a reflexive verb's -ються
    # What the English filler reads: "is it true that…", "any news about…"
    ("Правда ли, что Гура застрелили?", "Is it true that Gur shot?"),
    ("Чи правда, що Сальдо отруїли?", "Is it true that Saldo poisoned?"),
    ("Какие новости из Мелитополя?", "Any news about Melitopol?"),
    ("Яке видання писало про партизанів у Мелітополі?", "Which publication wrote partisans Melitopol?"),
    ("Что взорвали на железной дороге в Мелитополе?", "What blown railway Melitopol?"),
    ("Що сказав Хлань у Фейсбуці?", "What said Khlan Facebook?"),
    ("Почему Россия хочет удержать Херсон?", "Why Russia holding Kherson?"),  # "want" says nothing to search
    ("Что нашли следователи возле дома Гура?", "What found investigators house Gur?"),
    ("Який міст знищили українські військові?", "Which bridge destroyed Ukrainian soldiers?"),
    ("Что разрушили в Мелитополе 18 мая?", "What destroyed Melitopol 18 May?"),  # a month in a date
    ("Де отримали паспорти співробітники колонії?", "Where received passports employees prison?"),
    ("Як Стремоусов назвав напад?", "What Stremousov called attack?"),  # what he called it, not how
    ("Як загинув Гур?", "How killed Gur?"),
    ("Наскільки далеко Херсон від Миколаєва?", "How far Kherson Mykolaiv?"),  # і/ї → є in other cases
    ("Що сталося в Києві?", "What happened Kyiv?"), ("Скільки людей у Харкові?", "How many people Kharkiv?"),
    ("Хто міністр оборони Німеччини?", "Who is minister defense Germany?"),  # other countries by their English names
    ("Сколько оружия отправила Германия?", "How many weapon sent Germany?"),
    ("Скільки полонених обміняли?", "How many prisoners exchanged?"),
    ("Сколько обменов организовали ОАЭ?", "How many exchange organised UAE?"),
    ("Хто губернатор Харківської області?", "Who is the governor of Kharkiv region?"),  # an oblast's adjective
    ("Почему Украина не смогла сбить ракеты?", "Why Ukraine intercept missile?"),  # "could" says nothing
    ("Кто уполномоченный по правам человека в Украине?", "Who commissioner human rights Ukraine?"),
    ("Що сказав Зеленський у вечірньому зверненні?", "What said Zelensky evening address?"),
    ("Сколько ракет запустила Россия по Херсону?", "How many missile launched Russia Kherson?"),
])
def test_cyrillic_question_as_english(question: str, english: str, bundled_vocabulary: set[str]) -> None:
    assert to_english(question, known=bundled_vocabulary.__contains__).text == english


@pytest.mark.parametrize("question, kind", [
    ("Хто мер Мелітополя?", "person"), ("Кто мэр Мелитополя?", "person"), ("Де Сальдо?", "place"),
    ("Где Сальдо?", "place"), ("Коли вбили Гура?", "date"), ("Когда убили Гура?", "date"),
    ("Скільки людей живе в Новій Каховці?", "number"), ("Сколько людей живет в Новой Каховке?", "number"),
    ("Чому Сальдо забрали?", "reason"), ("Почему Сальдо увезли?", "reason"),
    ("Яка партія?", "organisation"), ("Какая партия?", "organisation")])
def test_question_words_ask_for_the_same_kind(question: str, kind: str) -> None:
    assert analyse(to_english(question).text).kind == kind


@pytest.fixture(scope="module")
def bundled_vocabulary(bundled_index: Path) -> set[str]:
    """The Latin words the bundled articles use (what Citebot._knows answers from the index)."""
    import sqlite3

    from citebot.index.analysis import analyze

    with sqlite3.connect(bundled_index) as db:
        terms = {term for (term,) in db.execute("SELECT term FROM terms")}
    return {word for word in _LATIN_NAMES if analyze(word) and set(analyze(word)) <= terms}


_LATIN_NAMES = ["Saldo", "Melitopol", "Nova", "Kakhovka", "Kherson", "Moscow", "Gur", "Fedorov", "saldo"]


# ---------------------------------------------------------------------------------------------
# The service and the CLI

async def test_ukrainian_and_russian_questions_are_answered(citebot: Citebot) -> None:
    uk = await citebot.ask("Хто такий Сальдо?")
    assert uk.answered and uk.language == "uk" and "Saldo" in uk.citations[0].excerpt.text
    assert answer_text(uk).startswith("Статті англійською; ось що в них сказано:")
    ru = await citebot.ask("Кто мэр Мелитополя?")
    assert ru.answered and ru.language == "ru" and "Fedorov" in ru.citations[0].excerpt.text
    assert answer_html(ru).startswith("<i>Статьи на английском; вот что в них сказано:</i>")
    assert "No “" not in answer_text(ru)  # the genitive was searched in the form the articles use
    number = await citebot.ask("Скільки людей живе в Новій Каховці?")
    assert "45,000" in number.citations[0].excerpt.text
    bank = await citebot.ask("Какой банк открыл отделения в Херсоне?")
    assert "Promsvyazbank" in bank.citations[0].excerpt.text
    leader = await citebot.ask("Хто керує Запорізькою областю?")  # "leads" is said "leader" in the article
    assert "Balitsky" in leader.citations[0].excerpt.text
    drugs = await citebot.ask("Які ліки зникли з аптек у Херсоні?")  # "medicines" is said "drugs" there
    assert "pharmacies" in drugs.citations[0].excerpt.text and drugs.searched_instead == {"medicines": "drugs"}
    both = await citebot.ask("Кто такой Сальдо и что с ним случилось?")  # "and", "with": nothing to search for
    assert both.answered and "Saldo" in both.citations[0].excerpt.text
    # News words in any case: military, wanted, quit, Russians, television.
    for question, quoted in [("Кто возглавляет военную разведку Украины?", "Budanov"),
                             ("За что разыскивают Стремоусова?", "treason"),
                             ("Почему врачи в Херсоне увольняются?", "quit their jobs"),
                             ("Сколько россиян убили партизаны в Мелитополе?", "more than 100"),
                             ("Яке телебачення брало інтерв'ю у Лаврова?", "Belarusian State Television"),
                             # airbase, rally, workers, offered; a post asked for is a post named
                             ("Скільки вибухів було на авіабазі?", "two dozen"),
                             ("Коли був мітинг у Мелітополі?", "May 29th"),
                             ("Що пропонували працівникам заводу в Запоріжжі?", "60 percent"),
                             ("Какую должность занимал Савлученко?", "Youth and Sports")]:
        assert quoted in (await citebot.ask(question)).citations[0].excerpt.text, question
    spy = await citebot.ask("Хто такий Кирило Буданов?")  # Kyrylo in the national scheme, Kirillo in the article
    assert "Kirillo Budanov" in spy.citations[0].excerpt.text and spy.searched_instead == {"Kyrylo": "Kirillo"}
    page = await citebot.search("Сальдо Херсон")  # /search and inline mode too
    assert page.query == "Saldo Kherson" and page.hits


@pytest.mark.parametrize("question", [
    "Скільки коштує цукор у Мелітополі?",  # "How many cost Melitopol?" and sugar
    "Сколько людей ходит в кино в Мелитополе?",  # "How many people Melitopol?" and going to the cinema
    "Хто тренує футбольну команду Мелітополя?",  # "Who is Melitopol?" and coaching a football team
])
async def test_words_that_could_not_be_put_in_english_are_not_forgotten(citebot: Citebot, question: str) -> None:
    # What was left of the question once its untranslatable words went is answered by the articles;
    # the question as asked is not: those words count as ones the articles never use.
    answer = await citebot.ask(question)
    assert answer.language is not None and not answer.answered


async def test_nothing_found_is_said_in_the_askers_language(citebot: Citebot) -> None:
    uk = await citebot.ask("Хто виграв чемпіонат світу з футболу?")
    assert not uk.answered and answer_text(uk).startswith("Я читаю англомовні статті")
    ru = await citebot.ask("Кто выиграл чемпионат мира по футболу?")
    assert not ru.answered and "Я читаю статьи на английском" in answer_html(ru)
    assert "по имени" in answer_html(ru)  # asks for names


async def test_follow_up_in_ukrainian(citebot: Citebot) -> None:
    _, turn = await citebot.converse("Хто такий Сальдо?")
    follow, _ = await citebot.converse("а куди його забрали?", turn)
    assert follow.carried == ("Saldo",) and follow.language == "uk"
    assert answer_text(follow).startswith("(про Saldo, з вашого попереднього запитання)")
    assert "Sklifosovsky" in follow.citations[0].excerpt.text
    after, _ = await citebot.converse("що було далі?", turn)
    assert after.continued and after.answered


def test_cli_answers_in_ukrainian(bundled_index: Path) -> None:
    run = cli("ask", "Хто такий Сальдо?", index=bundled_index)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("Статті англійською") and "Saldo" in run.stdout


# ---------------------------------------------------------------------------------------------
# Telegram: the user's language_code picks the fixed texts

async def test_fixed_texts_follow_language_code(emu: BotApiEmulator, bot: Application) -> None:
    uk = emu.user(id=4001, language_code="uk")
    ru = emu.user(id=4002, language_code="ru")
    en = emu.user(id=4003, language_code="de")  # anything else: English
    assert "Я знаю 5 статей (36 фрагментів)" in visible(await say(emu, uk, "/start"))
    assert "Как спрашивать" in visible(await say(emu, ru, "/help"))
    assert "How to ask" in visible(await say(emu, en, "/help"))
    answer = await say(emu, uk, "Where was Saldo flown for toxicology tests?")
    assert "Sklifosovsky" in visible(answer)
    assert answer.result["reply_markup"]["inline_keyboard"][0][0]["text"] == "📄 [1] джерело"
    assert visible(await say(emu, ru, "Who won the 2018 FIFA World Cup?")).startswith("Я не нашёл этого в статьях")
    assert visible(await say(emu, uk, "the of and")).startswith("Тут лише дуже поширені слова")
    assert visible(await say(emu, ru, "привет")).startswith("Привет!")
    emu.press_button(emu.private_chat(ru), ru, answer.result, "kp:nosuchkey", check=False)
    alert = await emu.wait_for("answerCallbackQuery")
    assert alert.params["text"] == "Эта кнопка устарела — спросите ещё раз."
    assert visible(await say(emu, ru, "/serch Saldo")).startswith("Я не знаю /serch — может, вы имели в виду /search?")
    assert visible(await say(emu, uk, "/source")).startswith("Використання: /source ID")
    menus = {c.params.get("language_code"): c.params["commands"] for c in emu.calls_of("setMyCommands")}
    assert menus[None][0]["description"] == "Ranked list of matching articles"
    assert menus["uk"][0]["description"] == "Список відповідних статей за релевантністю"
    assert {c["command"] for c in menus["ru"]} == {"search", "source", "help"}
    emu.assert_no_errors()


async def test_cyrillic_questions_through_telegram(emu: BotApiEmulator, bot: Application) -> None:
    user = emu.user(id=4101, language_code="en")  # the question's language decides the answer's notes
    reply = visible(await say(emu, user, "Хто такий Сальдо?"))
    assert reply.startswith("Статті англійською; ось що в них сказано:") and "Saldo" in reply
    follow = visible(await say(emu, user, "а куди його забрали?"))
    assert follow.startswith("(про Saldo, з вашого попереднього запитання)") and "Sklifosovsky" in follow
    reply = visible(await say(emu, user, "Кто мэр Мелитополя?"))
    assert reply.startswith("Статьи на английском") and "Fedorov" in reply
    nothing = visible(await say(emu, user, "Кто выиграл чемпионат мира по футболу?"))
    assert nothing.startswith("Я читаю статьи на английском")
    group = emu.group_chat(id=-1004100)
    emu.send_text(group, user, f"@{USERNAME} Хто мер Мелітополя?")
    assert "Fedorov" in visible(await emu.wait_for("sendMessage", to_chat(group.id)))
    emu.assert_no_errors()


# ---------------------------------------------------------------------------------------------
# The catalogs

def test_language_codes() -> None:
    assert [language(c) for c in ("uk", "ru-RU", "UK", "en", "de", None, "")] == ["uk", "ru", "uk", "en", "en", "en", "en"]
    assert translator("de")("never") == "never" and translator("uk")("never") == "ніколи"
    assert plural("ru")("{n} article", "{n} articles", 21).format(n=21) == "21 статью"
    assert plural("uk")("{n} article", "{n} articles", 3).format(n=3) == "3 статті"


LANGS = ("uk", "ru")


def _catalog(lang: str):
    with (LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as po:
        return read_po(po, locale=lang, domain=DOMAIN)


@pytest.mark.parametrize("lang", LANGS)
def test_shipped_mo_is_compiled_from_the_po(lang: str) -> None:
    """Like `pybabel compile`, in memory: the committed .mo must be exactly that."""
    compiled = io.BytesIO()
    write_mo(compiled, _catalog(lang))
    shipped = (LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo").read_bytes()
    assert compiled.getvalue() == shipped, f"run: pybabel compile -d bot/locale -D {DOMAIN}"


@functools.cache
def _marked_in_code() -> frozenset[str | tuple[str, str]]:
    """Every text marked for translation in the package, as `pybabel extract -F babel.cfg` finds them."""
    found = set()
    for _, _, message, _, _ in extract_from_dir(str(ROOT / "bot"), method_map=[("**.py", "python")]):
        found.add(message if isinstance(message, str) else tuple(message))
    return frozenset(found)


@pytest.mark.parametrize("lang", LANGS)
def test_every_marked_text_is_translated(lang: str) -> None:
    catalog = _catalog(lang)
    for message in sorted(_marked_in_code(), key=str):
        entry = catalog.get(message)
        assert entry is not None and not entry.fuzzy, f"{lang}: not in the catalog: {message!r} (see bot/i18n.py)"
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        assert all(strings), f"{lang}: untranslated: {message!r}"
        # The same {placeholders} and HTML tags, so .format() and Telegram's parser take the translation.
        source = message if isinstance(message, str) else message[1]
        for text in strings:
            assert set(re.findall(r"{\w*}", text)) == set(re.findall(r"{\w*}", source)), (lang, message)
            assert sorted(re.findall(r"</?\w+>", text)) == sorted(re.findall(r"</?\w+>", source)), (lang, message)


def test_pot_lists_what_the_code_marks() -> None:
    with (LOCALE_DIR / f"{DOMAIN}.pot").open("rb") as pot:
        listed = {m.id if isinstance(m.id, str) else tuple(m.id) for m in read_po(pot) if m.id}
    assert listed == _marked_in_code(), "run: pybabel extract -F babel.cfg --no-location -o bot/locale/citebot.pot ."
