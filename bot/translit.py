"""Ukrainian and Russian questions → English questions the index can answer.

The articles are English, so a Cyrillic question is searched as an English one: its question
words become English ("Хто такий Сальдо?" → "Who is Saldo?", "Кто мэр Мелитополя?" → "Who is the
mayor of Melitopol?"), names are transliterated to the Latin spellings English news uses, a few
news words are translated from a small glossary, and the remaining common words are dropped.

Transliteration:

- **Ukrainian**: the national system of 2010 (Cabinet of Ministers resolution No. 55), which is what
  English-language news uses for Ukrainian places and people (Kherson, Zaporizhzhia, Melitopol,
  Kyiv). It is written out here: of the PyPI libraries checked, `iuliia` has only Russian (and
  Uzbek) schemes, and `cyrtranslit` and `transliterate` use scholarly or ad hoc Ukrainian tables
  ("Xerson", "Sal'do", "Kyjiv") that the articles never use. The table is one letter each, plus the
  rules of the resolution: є ї й ю я are ye yi y yu ya at a word's start and ie i i iu ia inside it,
  зг is zgh, the soft sign and apostrophe are dropped.
- **Russian**: `iuliia`'s Wikipedia scheme (a maintained library, offline, with the ending rules a
  letter table misses: Балицкий → Balitsky, Мелитополь → Melitopol, Запорожье → Zaporozhye), which
  matches how English news spells Russian names.

Inflected names ("Мелитополя", "Каховці", "Федоровым") are tried in their likely nominative forms
too; with a `known` predicate (the index's vocabulary) the first form the articles use is taken,
otherwise the index's forgiving name matching finds the close spelling.

Pure functions: no I/O; `known` is the caller's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

import iuliia

from citebot.bot.intent import MONEY_WORDS
from citebot.index.analysis import analyze

_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LETTER = re.compile(r"[^\W\d_]")
_UK_LETTERS = frozenset("іїєґ")
_RU_LETTERS = frozenset("ыэёъ")

# Ukrainian national transliteration (2010): letter → (at a word's start, elsewhere).
_UK: dict[str, tuple[str, str]] = {
    "а": ("a", "a"), "б": ("b", "b"), "в": ("v", "v"), "г": ("h", "h"), "ґ": ("g", "g"), "д": ("d", "d"),
    "е": ("e", "e"), "є": ("ye", "ie"), "ж": ("zh", "zh"), "з": ("z", "z"), "и": ("y", "y"), "і": ("i", "i"),
    "ї": ("yi", "i"), "й": ("y", "i"), "к": ("k", "k"), "л": ("l", "l"), "м": ("m", "m"), "н": ("n", "n"),
    "о": ("o", "o"), "п": ("p", "p"), "р": ("r", "r"), "с": ("s", "s"), "т": ("t", "t"), "у": ("u", "u"),
    "ф": ("f", "f"), "х": ("kh", "kh"), "ц": ("ts", "ts"), "ч": ("ch", "ch"), "ш": ("sh", "sh"),
    "щ": ("shch", "shch"), "ь": ("", ""), "ю": ("yu", "iu"), "я": ("ya", "ia"), "'": ("", ""), "’": ("", ""),
    "ʼ": ("", ""),
    # Russian letters in a Ukrainian word (a typo, or a Russian name): their usual Latin forms.
    "ы": ("y", "y"), "э": ("e", "e"), "ё": ("yo", "io"), "ъ": ("", ""),
}


def is_cyrillic(text: str) -> bool:
    """True when at least half of text's letters are Cyrillic ("Що таке HIMARS?" too)."""
    if _CYRILLIC.search(text) is None:  # most questions: no letter to count
        return False
    letters = _LETTER.findall(text)
    return bool(letters) and sum(1 for c in letters if _CYRILLIC.match(c)) * 2 >= len(letters)


def latin_uk(word: str) -> str:
    """A Ukrainian word in the national transliteration of 2010: Мелітополь → Melitopol."""
    out: list[str] = []
    # Lower-cased letter by letter, keeping any letter whose lower case is longer ("İ" → "i̇"): positions in
    # low must match word's.
    low = "".join(c.lower() if len(c.lower()) == 1 else c for c in word)
    capitals = word.isupper() and sum(c.isalpha() for c in word) > 1  # СБУ → SBU
    start, i = True, 0
    while i < len(low):
        c, step = low[i], 1
        pair = _UK.get(c)
        if c == "з" and low[i + 1:i + 2] == "г":  # Згорани → Zghorany
            piece, step = "zgh", 2
        elif pair is not None:
            piece = pair[0] if start else pair[1]
        else:
            piece = word[i]
        if pair is not None and word[i].isupper():
            piece = piece.upper() if capitals else piece[:1].upper() + piece[1:]
        out.append(piece)
        # є ї й ю я are ye yi y yu ya at a word's start; an apostrophe inside a word does not start one.
        start = not c.isalpha() and c not in "'’ʼ"
        i += step
    return "".join(out)


def latin_ru(word: str) -> str:
    """A Russian word in iuliia's Wikipedia scheme: Мелитополь → Melitopol, Балицкий → Balitsky."""
    return iuliia.WIKIPEDIA.translate(word)


def latin(word: str, language: str) -> str:
    """word in Latin letters by language's scheme ("uk" or "ru"); a word's own letters decide over
    the language (і ї є ґ are only Ukrainian, ы э ё ъ only Russian)."""
    letters = set(word.lower())
    if letters & _UK_LETTERS:
        language = "uk"
    elif letters & _RU_LETTERS:
        language = "ru"
    return latin_ru(word) if language == "ru" else latin_uk(word)


# Likely nominative forms of an inflected noun or surname: ending → replacements, longest first.
_ENDINGS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ого", ("ий", "ой", "ый", "о")), ("его", ("ий", "ь")), ("ому", ("ий", "ой", "")), ("ему", ("ий", "ь")),
    ("ами", ("а", "", "ь")), ("ями", ("я", "ь", "")),
    ("ої", ("а", "ий")), ("ій", ("а", "ий", "ія")), ("ой", ("а", "ий", "ая")), ("ую", ("ая",)), ("ою", ("а",)), ("ей", ("я", "ь")), ("ею", ("я", "ь")),
    ("ым", ("", "ый", "ий")), ("им", ("", "ий")), ("ом", ("", "о")), ("ем", ("ь", "", "е")), ("єм", ("ь", "")),
    ("ём", ("ь", "")), ("ах", ("а", "")), ("ях", ("я", "ь")), ("ам", ("а", "")), ("ям", ("я", "ь")),
    ("ці", ("ка",)), ("зі", ("га",)), ("ові", ("",)), ("еві", ("ь",)),
    ("и", ("а", "")), ("ы", ("а", "")), ("і", ("а", "ь", "", "я")), ("е", ("а", "ь", "")),
    ("у", ("", "а", "ь")), ("ю", ("ь", "я", "")), ("а", ("",)), ("я", ("ь", "", "й")),
)


def nominatives(word: str) -> list[str]:
    """word and the forms it may be an inflection of, most likely first (Мелитополя → Мелитополь)."""
    forms = [word]
    low = word.lower()
    for ending, replacements in _ENDINGS:
        if low.endswith(ending) and len(low) - len(ending) >= 3:
            stem = word[: len(word) - len(ending)]
            forms.extend(stem + r for r in replacements)
    return list(dict.fromkeys(forms))


# Question words and the English that asks the same.
_QUESTION_WORDS = {
    "хто": "who", "кто": "who", "кого": "who", "кому": "who", "ким": "who", "кем": "who",
    "де": "where", "где": "where", "куди": "where", "куда": "where", "звідки": "where", "откуда": "where",
    "коли": "when", "когда": "when",
    "скільки": "how many", "сколько": "how many",
    "чому": "why", "почему": "why", "навіщо": "why", "зачем": "why", "отчего": "why",
    "який": "which", "яка": "which", "яке": "which", "які": "which", "якого": "which", "якої": "which",
    "яку": "which", "якому": "which", "якій": "which", "каком": "which", "какую": "which", "какому": "which",
    "какой": "which", "какая": "which", "какое": "which", "какие": "which", "какого": "which", "какой-то": "which",
    "котрий": "which", "котра": "which", "который": "which", "которая": "which", "которое": "which",
    "которые": "which",
    "що": "what", "что": "what", "чого": "what", "чего": "what",
    "як": "how", "как": "how", "каким": "how", "яким": "how", "чим": "how", "чем": "how",
    "наскільки": "how", "насколько": "how",
}
# After "who"/"what": "Хто такий Сальдо?" is "Who is Saldo?".
_IS_WORDS = frozenset("такий така таке такі такой такая такое такие є есть это це".split())
# Words that a follow-up leans with (bot/conversation.py reads the English).
_PRONOUNS = {
    "він": "he", "он": "he", "вона": "she", "она": "she", "воно": "it", "оно": "it", "вони": "they",
    "они": "they", "його": "his", "его": "his", "її": "her", "ее": "her", "её": "her", "їх": "their",
    "их": "their", "йому": "him", "ему": "him", "їй": "her", "ей": "her", "ним": "him", "нею": "her",
    "ними": "them", "нього": "him", "него": "him", "неї": "her", "нее": "her", "неё": "her", "них": "them",
    "там": "there", "туди": "there", "туда": "there", "ще": "else", "еще": "else", "ещё": "else",
}
_LEADS = {"і": "and", "и": "and", "а": "and", "та": "and", "також": "also", "также": "also", "тоже": "also",
          "теж": "also"}
_NEXT = re.compile(r"(?:(?:і|и|а|та)\s+)?(?:що|что)\s+(?:було|было|сталося|случилось|произошло)\s+(?:далі|дальше|потом|потім|після\s+цього|после\s+этого)"
                   r"|(?:а\s+)?(?:що|что)\s+далі|(?:а\s+)?что\s+дальше|(?:а\s+)?(?:далі|дальше)|продовжуй|продолжай",
                   re.I)
# News words: Ukrainian and Russian forms (a few inflections each) → English.
_GLOSSARY_SOURCE = {
    "mayor": "мер мера мером мэр мэра мэром",
    "governor": "губернатор губернатора губернатором",
    "head": "голова голови глава главы",
    "leader": "лідер лідера лидер лидера керівник руководитель",
    "president": "президент президента",
    "interview": "інтерв'ю интервью",
    "wanted": "розшукують розшукується розшукуваний разыскивают разыскивается разыскиваемый",
    "minister": "міністр міністра министр министра",
    "deputy": "заступник заступника заместитель заместителя",
    "official": "чиновник чиновника посадовець посадовця",
    "collaborator": "колаборант колаборанта коллаборант коллаборанта колаборанти коллаборанты",
    "partisans": "партизани партизан партизанів партизаны партизанов",
    "resistance": "опір опору спротив спротиву сопротивление сопротивления",
    "movement": "рух руху движение движения",
    "city": "місто міста город города",
    "town": "містечко містечка городок",
    "region": "область області регіон регіону регион региона",
    "people": "людей люди жителів жителей мешканців населення население",
    "live": "живе живуть живет живут проживає проживает",
    "population": "населення население",
    "attack": "атака атаки напад нападу нападение нападения теракт",
    "poisoning": "отруєння отравление",
    "kidnapped": "викрали викрадено похитили похищен",
    "arrested": "заарештували заарештовано арестовали арестован затримали задержали",
    "shot": "застрелили застрелений застрелен",
    "taken": "увезли забрали доставили вивезли вывезли відвезли отвезли госпіталізували госпитализировали",
    "hospital": "лікарня лікарні лікарню больница больницы больницу",
    "occupation": "окупація окупації оккупация оккупации",
    "elections": "вибори виборів выборы выборов",
    "referendum": "референдум референдуму",
    "bounty": "винагорода винагороду награда награду",
    "army": "армія армії армия армии",
    "soldiers": "солдати солдатів солдаты солдат військові военные",
    "police": "поліція поліції полиция полиции",
    "drone": "дрон дрона безпілотник беспилотник",
    "bridge": "міст мосту мост моста",
    "born": "народився родился",
    "old": "років лет віку возраст",
    "party": "партія партії партію партия партии партию",
    "group": "група групи групу группа группы группу угруповання группировка",
    "organisation": "організація організації організацію организация организации организацию",
    "office": "офіс офісу офис офиса",
    "cost": "стоит стоят стоил стоила стоило стоили",
    "food": "їжа їжі їжу їжею еда еды еду едой",
    "children": "діти дітей дітям дітьми дети детей детям детьми",
    "coma": "кома коми комі коме комою",
    "river": "річка річки річку річці река реки реку реке",
    "village": "село села селі селе деревня деревни деревне",
    "network": "мережа мережі мережу сеть сети сетью",
    "south": "юг юга югу юге",
    "year": "рік року году",
    "far": "далеко",
    "air defense": "ппо",
    "home": "додому домой",
    "prison": "колонія колонії колонію колонией колония колонии колонию",
    # Months, as a date names them ("18 травня", "18 мая")
    "January": "січня января", "February": "лютого февраля", "March": "березня марта", "April": "квітня апреля",
    "May": "травня мая", "June": "червня июня", "July": "липня июля", "August": "серпня августа",
    "September": "вересня сентября", "October": "жовтня октября", "November": "листопада ноября",
    "December": "грудня декабря",
}
_GLOSSARY = {form: english for english, forms in _GLOSSARY_SOURCE.items() for form in forms.split()}
# More news words, as Ukrainian and Russian stems: a word is the stem and one of _INFLECTIONS ("розвідкою"
# is "розвідк" + "ою"), so one entry covers a word's cases and tenses. The forms above, tried first,
# settle the stems that collide ("міст", a bridge, is not "місто", a city).
_STEMS_SOURCE = {
    "happened": "сталос сталас стал трапил відбул случил произошл",
    "leads": "керує керують керував керувал руковод очолю возглавля",
    "intelligence": "розвідк разведк",
    "attacked": "напал напав атакувал атаковал",
    "service": "служб",
    "security": "безпек безопасност",
    "war": "війн войн",
    "troops": "військ войск",
    "weapon": "зброя зброї зброю оружи",
    "pistol": "пістолет пистолет",
    "died": "помер помир умер",
    "shelling": "обстріл обстрел",
    "missile": "ракет",
    "strike": "удар",
    "liberated": "звільнил освободил",
    "offensive": "наступ наступлен",
    "counteroffensive": "контрнаступ контрнаступлен",
    "evacuated": "евакуйов евакуюва эвакуир эвакуирова",
    "sanctions": "санкці санкци",
    "negotiations": "переговор",
    "prisoners": "полонен пленн військовополонен военнопленн",
    "exchange": "обмін обмен",
    "nuclear": "ядерн",
    "dam": "дамб гребл",
    "school": "школ",
    "bank": "банк берег",
    "money": "грош деньг",
    "currency": "валют",
    "hryvnia": "гривн",
    "ruble": "рубл",
    "passports": "паспорт",
    "doctors": "лікар врач",
    "teachers": "вчител учител",
    "agent": "агент шпигун шпион",
    "traitor": "зрадник предател",
    "treason": "зрад измен",
    "sentenced": "засуд",
    "charged": "обвинув обвинувач обвин",
    "wife": "дружин жен",
    "border": "кордон границ",
    "territory": "територі территори",
    "front": "фронт",
    "reported": "повідомил повідомл сообщил сообщ",
    "said": "сказал сказав заявил заявив говор кажут",
    "responsibility": "відповідальн ответственн",
    "building": "будівл здани",
    "airfield": "аеродром аэродром",
    "airport": "аеропорт аэропорт",
    "train": "поїзд поезд потяг",
    "railway": "залізниц",
    "plant": "завод комбінат комбинат",
    "vote": "голосуван голосован голосувал голосовал",
    "protest": "протест",
    "pharmacies": "аптек",
    "ferry": "пором паром",
    "underground": "підпілл подполь",
    "assassination": "замах покушени",
    "journalist": "журналіст журналист",
    "court": "суд",
    "hostage": "заручник заложник",
    "torture": "катуван пытк",
    "car": "машин автомобіл автомобил",
    "blown": "підірв підірван взорв взорван",
    "killing": "вбивств убийств",
    "collaborators": "колаборант коллаборант",
    "paid": "плат заплат",
    "work": "працю работ робот",
    "Russian": "російськ русск российск",
    "Ukrainian": "українськ украинск",
    "killed": "вби вбив вбит вбива убил убит убива загин погиб",
    "explosion": "вибух взрыв",
    "poisoned": "отруї отруєн отрав отравлен",
    "started": "почал почина начал начина",
    "captured": "захоп захват",
    "found": "знайшл знайд нашл найд",
    "administration": "адміністрац администрац",
    "occupied": "окупаційн оккупационн окупован оккупированн",
    "opened": "відкри откры",
    "branches": "відділен отделени філі филиал",
    "shot": "стріля стреля",
    "region": "област",
    "casings": "гільз гильз",
    "house": "будинк будинок дом",
    "tests": "аналіз анализ",
    "unemployed": "безробітн безработн",
    "cost": "кошту",
    "price": "цін цен",
    "bread": "хліб хлеб",
    "ate": "з'їл съел",
    "position": "посад должност",
    "held": "обійма занима",
    "television": "телебачен телевиден",
    "military": "військов военн",
    "Russians": "росіян россиян",
    "quit": "звільня увольня",
    "pies": "пиріж пирож пиріжк пирожк пирог пиріг",
    "authorities": "влад власт",
    "used": "використ використовува використову использова использу",
    "capital": "столиц",
    "won": "виграл виграв выиграл",
    "championship": "чемпіонат чемпионат",
    "bake": "спект спеч испеч",
    "destroyed": "зруйнув зруйнован разруш знищ уничтож",
    "medicines": "лік лекарств",
    "disappeared": "зник исчез пропа",
    "introduced": "ввод вводя введ запровад",
    "wounded": "поранен ранен поранил ранил поран",
    # The war's everyday vocabulary, as news in Ukrainian and Russian writes it.
    "commands": "командує командують командував командувал командует командуют командовал",
    "commander": "командир командувач командующ",
    "forces": "сил",
    "special": "спеціальн специальн",
    "operations": "операці операци",
    "rally": "мітинг митинг",
    "demonstration": "демонстрац",
    "percent": "відсот процент",
    "offered": "пропонува пропону запропонува предлага предлож",
    "workers": "працівник робітник работник рабоч",
    "forced": "змушу змуси змушен заставля застави вынужд примуш принужд",
    "treated": "лікува лікуют леч",
    "office": "офіс офис",
    "Ukrainians": "українц украинц",
    "airbase": "авіабаз авиабаз",
    "base": "баз",
    "national": "національн национальн",
    "center": "центр",
    "refused": "відмовля відмови відмовил отказыва отказа отказал",
    "food": "продукт продовольств",
    "fleet": "флот",
    "ship": "корабл",
    "tank": "танк",
    "artillery": "артилері артиллери",
    "ammunition": "боєприпас боеприпас",
    "depot": "склад нафтобаз нефтебаз",
    "oil": "нафт нефт",
    "fuel": "пальн топлив",
    "headquarters": "штаб",
    "helicopter": "гелікоптер вертольот вертолет",
    "aircraft": "літак самолет",
    "grenade": "гранат",
    "radar": "радар",
    "station": "станці станци",
    "energy": "енерг энерг",
    "electricity": "електроенерг электроэнерг",
    "gas": "газ",
    "newspaper": "газет",
    "media": "змі сми медіа медиа",
    "channel": "канал",
    "report": "звіт доповід доклад отчет",
    "civilians": "цивільн мирн",
    "residents": "мешканц жител",
    "women": "жінк женщин",
    "volunteers": "волонтер доброволь добровольц",
    "refugees": "біженц беженц",
    "deported": "депорт",
    "mobilisation": "мобілізац мобилизац",
    "humanitarian": "гуманітарн гуманитарн",
    "aid": "помощ",
    "agreement": "угод соглашени",
    "ceasefire": "перемир",
    "annexation": "анексі аннекси",
    "occupiers": "окупант оккупант",
    "invaders": "загарбник захватчик",
    "saboteurs": "диверсант",
    "sabotage": "диверсі диверси",
    "bomb": "бомб",
    "sniper": "снайпер",
    "injured": "травмова травмирова",
    "burned": "згорі згорів сгоре сгорел",
    "fire": "пожеж пожар",
    "damaged": "пошкодж поврежд",
    "leaflets": "листівк листовк",
    "flag": "прапор флаг",
    "pensions": "пенсі пенси",
    "wages": "зарплат",
    "business": "бізнес бизнес",
    "university": "університет университет",
    "students": "студент",
    "stroke": "інсульт инсульт",
    "Covid": "ковід ковид коронавірус коронавирус",
    "alcohol": "алкогол спирт",
    "dollars": "долар доллар",
    "month": "місяц месяц",
    "week": "тижн тижд недел",
    "officer": "офіцер офицер",
    "general": "генерал",
    "mercenaries": "найманц наемник",
    "appointed": "призначен призначи назначен назначи",
    "pro-Russian": "проросійськ пророссийск",
    "informants": "інформатор информатор",
    "prison": "в'язниц тюрьм тюрем",
    "citizenship": "громадянств гражданств",
    "rebels": "повстанц",
    "victims": "жертв",
    "dead": "загибл погибш мертв",
    "road": "дорог",
    "south": "півден",
    "southern": "південн южн",
    "north": "північ север",
    "northern": "північн северн",
    "east": "схід сход восток",
    "eastern": "східн восточн",
    "western": "західн западн",
    "supply": "постачан снабжен",
    "reinforcements": "підкріплен подкреплен",
    "retreat": "відступ отступ",
    "withdrew": "вивел вывел",
    "threat": "загроз угроз",
    "prosecution": "переслідуван преследован",
    "fear": "страх",
    "claimed": "стверджу утвержда",
    "confirmed": "підтверди підтвердж подтверди подтвержд",
    "denied": "запереч отрица",
    "announced": "оголоси оголош объяви объявл",
    "blamed": "звинуват",
    "publication": "видан издани",
    "wrote": "писал писав написал написав пиш напис",
    "holding": "утриму утримув удержива удерж",
    "rent": "оренд аренд",
    "housing": "житл жиль",
    "help": "допомага допомог помога помог",
    "local": "місцев местн",
    "moved": "перевез перевоз",
    "apartment": "квартир",
    "organised": "організува организова",
    "organisers": "організатор организатор",
    "left": "виїха виїжджа уеха уезжа",
    "investigators": "слідч следовател",
    "promised": "обіця пообіця обеща пообеща",
    "partisans": "партизан",
    "called": "назва назвал называ",
    "received": "отрима получи получа",
    "exploded": "вибухну",
    "charity": "благодійн благотворительн",
    "times": "разів раз",
    "compared": "порівнян сравнени",
    "control": "контрол",
    "employees": "співробітник сотрудник",
    "campaign": "кампані кампани",
    "launched": "запусти запуска запуст випусти выпусти",
    "defense": "оборон",
    "send": "переда передав передат передаст",
    "allocated": "виділ выдел",
    "sent": "відправ отправ надісла",
    "exchanged": "обміня обменя",
    "mediated": "посередник посередництв посредник посредничеств",
    "returned": "повернул повернен поверта вернул возвраща возвращен",
    "hit": "влучи влуча",
    "rescued": "врятува рятува спас",
    "rubble": "завал",
    "intercept": "збити збив збива сбить сбил сбива",
    "evening": "вечірн вечерн",
    "address": "звернен обращени",
    "provided": "нада предостав",
    "systems": "систем",
    "commissioner": "уповноважен уполномоченн омбудсман омбудсмен",
    "vehicles": "бронемашин бронетехні бронетехни",
}
_STEMS = {stem: english for english, stems in _STEMS_SOURCE.items() for stem in stems.split()}
# Case, number and tense endings of Ukrainian and Russian nouns, adjectives and verbs.
_INFLECTIONS = frozenset("""
    а я о е є и і ї у ю ь й ом ем ою ею єю ам ям ах ях ами ями ів їв ей ой ій ові еві ов ев
    ы ый ий ая яя ое ее ые ие ого его ому ему ым им ых их ую юю ої ью ими ыми ього ьому ьої
    ія ії ію ією ия ии ию ией ння нню нням ні ня ню ней ния нии нию нием ний
    в л ла ло ли ал ала али ало ил ила или ило ив ули ув ав уло ула
    ет ит ут ют ят ать ять ить ти ити ть ує ють ують ює ают яют ает яет ають яють ає яє
    ся сь ться тся еться ється ось ась ись ося ася ися ется ится ются ятся иться лся лась лось лись ються яться
""".split()) | {""}
_VERBS = frozenset("live killed blown poisoned kidnapped arrested shot taken born happened leads attacked died "
                   "wounded captured liberated evacuated sentenced charged reported said started found".split())
# Names English news does not spell as transliterated: the English name (by nominative, lower case).
_EXONYMS_SOURCE = {
    # Ukrainian і/ї become о/е/є in a city's other cases (Харків, Харкова), which nominatives() does not undo
    "Moscow": "москва", "Kyiv": "київ киев києва києві києвом київська киевская", "Crimea": "крим крым", "Ukraine": "україна украина",
    "Russia": "росія россия", "Odesa": "одеса одесса одеська одесская", "Kharkiv": "харків харьков харкова харкові харковом харківська харьковская",
    "Lviv": "львів львов львова львові львовом", "Dnipro": "дніпро днепр дніпра дніпрі дніпром дніпропетровська днепропетровская", "Zaporizhzhia": "запоріжжя запорожье запорізька запорожская",
    "Kherson": "херсонська херсонская", "Melitopol": "мелітопольська мелитопольская",
    "Donetsk": "донецьк донецк донецька донецкая",
    "Luhansk": "луганськ луганск луганська луганская", "Mykolaiv": "миколаїв николаев миколаєва миколаєві миколаєвом миколаївська николаевская", "Berdiansk": "бердянськ бердянск",
    "Enerhodar": "енергодар энергодар", "Mariupol": "маріуполь мариуполь", "Kremlin": "кремль",
    "Putin": "путін путин", "Zelensky": "зеленський зеленский", "Europe": "європа европа", "US": "сша",
    "NATO": "нато", "Belarus": "білорусь беларусь", "Donbas": "донбас донбасс",
    "Germany": "німеччина германия", "France": "франція франция", "Poland": "польща польша",
    "Britain": "британія великобританія британия великобритания", "America": "америка", "China": "китай",
    "Turkey": "туреччина турция", "Israel": "ізраїль израиль", "Iran": "іран иран", "Georgia": "грузія грузия",
    "Moldova": "молдова", "Romania": "румунія румыния", "Hungary": "угорщина венгрия", "Italy": "італія италия",
    "Japan": "японія япония", "India": "індія индия", "UAE": "оае оаэ",
    "Facebook": "фейсбук фейсбуці фейсбуке фейсбуку", "Telegram": "телеграм телеграмі телеграме",
    "Twitter": "твітер твиттер", "YouTube": "ютуб",
    "Instagram": "інстаграм инстаграм",
}
_EXONYMS = {form: english for english, forms in _EXONYMS_SOURCE.items() for form in forms.split()}
_ROLES = frozenset("mayor governor head leader president minister deputy".split())
# Phrases whose words alone say something else: the ruling party in any case ("Єдиної Росії",
# "Единую Россию"; each word alone is a common one), who "stands behind" something, "without work".
_PHRASES = (
    (re.compile(r"\b(?:Єдин|Един)\w*\s+(?:Росі|Росси)\w*", re.I), "United Russia"),
    (re.compile(r"\b(?:стоїть|стоять|стояв\w*|стоит|стоят|стоял\w*)\s+за\b", re.I), "behind"),
    (re.compile(r"\bбез\s+(?:роботи|работы)\b", re.I), "unemployed"),
    (re.compile(r"\bжелезн\w*\s+дорог\w*", re.I), "railway"),
    (re.compile(r"\bправ\w*\s+(?:людин|человек)\w*", re.I), "human rights"),
    # "Як X назвав напад?", "Как называется…": what X called it, not how
    (re.compile(r"\b(?:як|как)\b(?=(?:\s+\S+){0,2}?\s+(?:назва|назвал|назыв|називає|називаєт))", re.I), "what"),
    (re.compile(r"\b(?:сталос[ья]|трапилос[ья]|случилось|произошло)\s+(?:з|із|зі|с|со)\b", re.I), "happened to"),
    # "Is it true that…", "any news from…": what the English filler reads (bot/intent.py)
    (re.compile(r"(?:\bчи\s+(?:це\s+)?правда|\bправда\s+ли|\b(?:це|это)\s+правда)\s*,?\s*(?:що|что|ли)?\b", re.I),
     "is it true that"),
    (re.compile(r"\b(?:(?:які|какие|есть|є|що|что)\s+)?(?:останні\s+|последние\s+)?(?:новини|новости)"
                r"(?:\s+(?:з|із|зі|про|у|в|из|с|о|об|про))?\b", re.I), "any news about"),
)
# Common words with nothing to search for: prepositions, particles, auxiliaries, request verbs.
_STOP = frozenset("""
    в у на з із зі з-під до від по за про під над при через для без між біля після перед серед щодо
    і й та а але або чи якщо щоб же ж б би також
    ну ось от це цей ця ці той та те ті цього цієї цих тому там тут так ні не ні ніж чим теж вже ще лише
    був була було були буде будуть є бути мав мала мали має можна треба
    с во со к ко от из изо под над при через для без между около после перед среди о об обо
    и а но или если чтобы ли же бы также тоже вот это этот эта
    эти тот та те того этого этой этих так нет не ни уже еще лишь был была было были будет будут есть быть
    мог могла могли может можно нужно надо
    розкажи розкажіть скажи скажіть покажи знайди поясни підкажи будь ласка мені мене мій моя ми нам
    расскажи расскажите скажи скажите покажи найди объясни подскажи пожалуйста мне меня мой моя мы нам
    привіт привет бот бота ботик слухай слушай
    такий така таке такі такой такая такое такие саме самое именно взагалі вообще зараз сейчас тепер теперь
    відомо известно знаєш знаешь
    хоче хочуть хотів хотіла хотіли хочет хотят хотел хотела хотели
    вдалося вдалось змогла змогли зміг смогла смогли смог удалось
    знаходиться знаходяться розташований розташована розташоване находится находятся расположен расположена
    расположено
""".split())


@dataclass(frozen=True)
class Translated:
    """A Cyrillic question as the English question searched."""

    text: str  # the English question ("Who is Saldo?")
    language: str  # "uk" or "ru"
    names: tuple[str, ...]  # the Latin names in it ("Saldo",)
    dropped: tuple[str, ...] = ()  # words of the question it could not put in English (nor are they names)


_TOKEN = re.compile(r"[\w'’ʼ-]+|[?!.]")
_UK_WORDS = frozenset("хто де коли скільки чому який яка яке які що це він вона його її був була було чи та місто мер "
                      "також теж зараз далі".split())
_RU_WORDS = frozenset("кто где когда сколько почему какой какая какое какие что это он она его ее её был была было ли "
                      "город мэр также тоже сейчас дальше".split())


def language_of(text: str, hint: str | None = None) -> str:
    """"uk" or "ru": by letters only one language has, then by common words, then by hint (a
    Telegram user's language_code), else Ukrainian."""
    low = text.lower()
    letters = set(low)
    uk = len(letters & _UK_LETTERS) * 3 + sum(w in _UK_WORDS for w in re.findall(r"\w+", low))
    ru = len(letters & _RU_LETTERS) * 3 + sum(w in _RU_WORDS for w in re.findall(r"\w+", low))
    if uk != ru:
        return "uk" if uk > ru else "ru"
    return "ru" if (hint or "").lower().startswith("ru") else "uk"


def to_english(question: str, hint: str | None = None, known: Callable[[str], bool] | None = None) -> Translated:
    """The English question to search for a Ukrainian or Russian one.

    known(latin) tells whether the articles use a Latin word; with it, an inflected name is
    searched in the form the articles use, and a lower-case word is kept only if the articles
    use its transliteration (a name typed in lower case). Without it, names are transliterated
    as written and other unknown words dropped.
    """
    language = language_of(question, hint)
    other = "ru" if language == "uk" else "uk"
    text = " ".join(question.split())
    words: list[str] = []
    names: list[str] = []
    dropped: list[str] = []
    kinds: list[str] = []  # what each output word is: "q" question word, "v" verb-ish, "n" name, "w" word
    if _NEXT.fullmatch(re.sub(r"[?!.…]+$", "", text).strip()):
        return Translated("what happened next?", language, ())
    for phrase, english in _PHRASES:
        text = phrase.sub(english, text)
    tokens = _TOKEN.findall(text)
    for token in tokens:
        if token in "?!.":
            continue
        low = token.lower().replace("ʼ", "'").replace("’", "'")
        if not _CYRILLIC.search(token):  # Latin words and numbers stay as they are
            words.append(token)
            kinds.append("n" if token[:1].isupper() else "w")
            continue
        if low in _QUESTION_WORDS:
            words.append(_QUESTION_WORDS[low])
            kinds.append("q")
        elif low in _IS_WORDS and kinds and kinds[-1] == "q":
            words.append("is")
            kinds.append("v")
        elif low in _PRONOUNS:
            words.append(_PRONOUNS[low])
            kinds.append("w")
        elif low in _LEADS and not words:
            words.append(_LEADS[low])
            kinds.append("w")
        # A capitalised word inside the question is a name before it is a stem ("Женя" is no wife).
        elif (english := _gloss(low, stems=not token[:1].isupper() or not words)) is not None:
            words.append(english)
            kinds.append("v" if english in _VERBS else "w")
        elif (exonym := next((_EXONYMS[f] for f in nominatives(low) if f in _EXONYMS), None)) is not None:
            words.append(exonym)
            kinds.append("n")
            names.append(exonym)
        elif low in _STOP:
            continue
        elif token[:1].isupper() or (known is not None and _known_form(token, language, other, known)):
            name = name_form(token, language, known)
            words.append(name if token[:1].isupper() or token.isupper() else name.lower())
            kinds.append("n")
            names.append(words[-1])
        else:
            dropped.append(token)
    # "the mayor of Melitopol": a role before a name; "Who is…" when no verb follows (Ukrainian and
    # Russian leave "is" out: "Де Сальдо?" is "Where is Saldo?").
    out: list[str] = []
    for i, (word, kind) in enumerate(zip(words, kinds)):
        if word in _ROLES and i + 1 < len(words) and kinds[i + 1] == "n":
            word = f"the {word} of"
        elif word == "how many" and i + 1 < len(words) and words[i + 1] in MONEY_WORDS:
            word = "how much"  # скільки/сколько asks for a sum as well as a count
        out.append(word)
        if kind == "q" and word in ("who", "what", "where", "which") and "v" not in kinds and i + 1 < len(words) \
                and (kinds[i + 1] == "n" or words[i + 1] in _ROLES):
            out.append("is")
    english = " ".join(out)
    english = english[:1].upper() + english[1:]
    if english and question.rstrip().endswith("?"):
        english += "?"
    return Translated(english, language, tuple(names), tuple(dropped))


def _gloss(word: str, stems: bool = True) -> str | None:
    """The English for a lower-case Ukrainian or Russian news word: a listed form, else (with stems)
    the longest listed stem that the word is with one of the usual endings."""
    found = _GLOSSARY.get(word)
    if found is not None or not stems:
        return found
    for cut in range(len(word), 2, -1):
        english = _STEMS.get(word[:cut])
        if english is not None and word[cut:] in _INFLECTIONS:
            return english
    return None


def _known_form(token: str, language: str, other: str, known: Callable[[str], bool]) -> str | None:
    forms = [latin_form for form in nominatives(token) for lang in (language, other)
             if (latin_form := latin(form, lang))]
    found = next((form for form in forms if known(form)), None)
    if found is None:
        return None
    # "Херсоне" is known as "Khersone" (it stems as "Kherson" does): the nominative spelling, the
    # one the articles write, is shown.
    terms = analyze(found)
    return min((form for form in forms if len(form) < len(found) and analyze(form) == terms), key=len, default=found)


def name_form(token: str, language: str, known: Callable[[str], bool] | None = None) -> str:
    """A Cyrillic name in Latin letters: the first of its likely nominative forms, in the question's
    language's scheme and then the other one, that the articles use (known); else as written."""
    other = "ru" if language == "uk" else "uk"
    if known is not None:
        found = _known_form(token, language, other, known)
        if found:
            return found
    return latin(token, language)
