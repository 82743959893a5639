"""Words that news stories use for one another, so that a question in its own words still meets
the sentence that answers it ("How many INHABITANTS…" and "a town of 45,000 PEOPLE").

Written here rather than taken from WordNet: WordNet's senses are too loose for quoting ("kill"
is also "defeat", "spy" also "spot"; tried with its first two senses, more off-topic questions
were answered than paraphrased ones gained). These groups are narrow on purpose: each word in a
group can stand for each other one in a news report without changing what is asked. A word may
belong to several groups. The groups are general news vocabulary, not words of the bundled
articles. A match through them counts less than the word itself, in a search only for a word
the articles never use (index/search.py) and in choosing an excerpt (bot/answer.py).
"""

from __future__ import annotations

from functools import cache

from citebot.index.analysis import analyze

_GROUPS = (
    # people and roles
    "inhabitants residents population citizens dwellers",
    "chief head leader boss",
    "leads leader heads",  # "who leads X?": "the leader of X", "the head of X"
    "spokesman spokeswoman spokesperson",
    "diplomat envoy ambassador",
    "physician doctor medic surgeon",
    "soldier troops serviceman servicemen",
    "fighter partisan guerrilla insurgent rebel",
    "collaborator traitor quisling proxy",
    "lawyer attorney counsel",
    "child children kid kids",
    "youth young",
    "official functionary",
    "informal unofficial",
    "administration government",
    "employee employees worker workers staff personnel",
    "prisoner inmate detainee",
    "hostage captive",
    "victim casualty",
    "student pupil",
    "scientist researcher",
    "lawmaker legislator",
    "candidate nominee",
    "king monarch",
    "woman lady",
    "kidnapper abductor",
    # institutions and places
    "prison jail penal penitentiary detention correctional",
    "newspaper paper",
    "broadcaster television tv channel",
    "outlet media",
    "company firm business corporation enterprise",
    "factory plant mill steelworks",
    "airport airfield airbase",
    "hospital clinic",
    "home house residence apartment dwelling",
    "building premises headquarters",
    "city town municipality",
    "village hamlet settlement",
    "region province oblast",
    "country nation",
    "border frontier",
    "agency bureau",
    "intelligence spy espionage",
    "pharmacy chemist drugstore",
    "shop store",
    "bank lender",
    "court tribunal",
    "police cops",
    "aircraft airplane plane jet airliner",
    "ship vessel",
    "port harbour harbor",
    "neighbourhood neighborhood district",
    "square plaza",
    "parliament legislature",
    "monument memorial",
    # things
    "car vehicle automobile",
    "gun pistol handgun firearm",
    "weapon armament weaponry",
    "missile rocket",
    "shelling artillery bombardment",
    "drone uav",
    "money cash funds",
    "reward bounty",
    "wage salary pay earnings",
    "job post position role",
    "food groceries foodstuffs staples",
    "medicine medicines drugs",
    "passport citizenship",
    "price cost",
    "purpose aim goal",
    "reason cause motive",
    "war conflict hostilities",
    "peace truce ceasefire armistice",
    "talks negotiations dialogue",
    "territory territories land lands area areas",
    "election vote ballot poll referendum",
    "crime offence offense",
    "illness disease sickness",
    "injury wound",
    "ammunition munitions ammo",
    "cartridge cartridges casing casings",
    "agreement accord pact treaty",
    "photo photograph picture",
    "video footage",
    "phone telephone",
    "hunger starvation famine",
    "earthquake quake tremor",
    "fire blaze wildfire flames",
    "shortage scarcity",
    "blackout outage",
    "oil petroleum",
    "petrol gasoline",
    "wedding marriage",
    "funeral burial",
    "victory win",
    "team squad",
    "championship tournament",
    # events and acts
    "kill killed slay slain murder murdered assassinate assassinated",
    "die died death dead perish perished fatal",
    "shoot shot gunned gunman gunfire",
    "explode exploded explosion blast blew detonate detonated bombing",
    "attack attacks assault raid strike strikes",
    "injure injured wound wounded hurt",
    "ill sick ailing",
    "poison poisoned poisoning toxic",
    "arrest arrested detain detained",
    "kidnap kidnapped abduct abducted abduction",
    "capture captured seize seized",
    "withdraw withdrew retreat retreated",
    "flee fled escape escaped evacuate evacuated",
    "destroy destroyed demolish demolished wreck wrecked",
    "protest protested demonstrate demonstrated rally rallied",
    "refuse refused reject rejected",
    "confirm confirmed acknowledge acknowledged admit admitted",
    "blame blamed accuse accused",
    "announce announced declare declared",
    "warn warned caution",
    "urge urged appeal encourage",
    "force forced compel compelled coerce",
    "ban banned prohibit prohibited forbid",
    "allow allowed permit permitted",
    "begin began start started launch launched",
    "end ended finish finished halt halted cease ceased",
    "rise rose increase increased grow grew soar soared surge surged skyrocket skyrocketed",
    "fall fell drop dropped decline declined plunge plunged",
    "buy bought purchase purchased",
    "send sent dispatch dispatched deploy deployed",
    "move moved relocate relocated transfer transferred",
    "help helped aid aided assist assisted",
    "appoint appointed install installed",
    "govern governs rule administer",
    "investigate investigation probe inquiry",
    "find discover discovered uncover uncovered",
    "hide hid conceal concealed",
    "survive survived survivor",
    "save saved rescue rescued",
    "write wrote post posted publish published",
    "respond responded reply replied react reacted",
    "resign resigned quit",
    "hire hired employ employed",
    "try tried attempt attempted",
    "fight fought battle battled combat tackle tackled",
    "need require",
    "recapture recaptured retake retook",
    "disappear disappeared vanish vanished",
    # qualities
    "big large huge",
    "secret covert clandestine undercover underground",
    "expensive dearer pricier",
    "cheap inexpensive",
    "crucial vital",
    "small tiny",
    "jobless unemployed unemployment",
    "rich wealthy",
    "poor impoverished",
)

# One way only: a word that names a kind of thing, and the words for things of that kind that answer
# a question using it. "What POSITION does X hold?" is answered by "X, the HEAD of…"; "How many
# RESIDENTS…" by "a town of 45,000 PEOPLE". The other way round they do not stand for each other:
# a head is not a position, and "people" asks about anyone.
_STAND_INS = (
    ("position post role", "head mayor deputy minister chief director governor secretary commander leader adviser "
                           "spokesman spokeswoman official president chairman ambassador prosecutor judge"),
    # "Who runs X?": X's head
    ("run runs oversee oversees manage manages command commands", "head chief leader director commander"),
    ("voice", "spokesman spokeswoman spokesperson"),
    # "What did X ask for?": X "called for", "demanded", "urged"
    ("ask asked", "called demanded requested urged"),
    ("inhabitants residents citizens population", "people"),
    ("weapon weapons", "gun guns pistol rifle handgun firearm grenade missile rocket bomb knife"),
    ("currency currencies", "ruble rouble hryvnia dollar euro pound yuan"),
    ("crime crimes charge charges offence offense", "treason terrorism murder espionage fraud corruption sabotage "
                                                   "collaboration"),
    ("illness illnesses disease diseases ailment", "stroke covid coronavirus cancer pneumonia flu influenza"),
    ("relative relatives", "wife husband son daughter brother sister mother father nephew niece cousin uncle aunt"),
    # "How deep…?" is answered by "at a depth of…"
    ("deep", "depth"), ("high tall", "height altitude elevation"), ("wide broad", "width"), ("heavy", "weight"),
    ("thick", "thickness"),
)


@cache
def synonyms() -> dict[str, frozenset[str]]:
    """Each analysed term → the analysed terms that may stand for it (itself left out)."""
    table: dict[str, set[str]] = {}
    for group in _GROUPS:
        terms = set(analyze(group))
        for term in terms:
            table.setdefault(term, set()).update(terms - {term})
    for asking, answering in _STAND_INS:
        for term in analyze(asking):
            table.setdefault(term, set()).update(set(analyze(answering)) - {term})
    return {term: frozenset(others) for term, others in sorted(table.items()) if others}
