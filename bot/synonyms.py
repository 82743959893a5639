"""Words that news stories use for one another, so that a question in its own words still meets
the sentence that answers it ("How many INHABITANTS…" and "a town of 45,000 PEOPLE").

Written here rather than taken from WordNet: WordNet's senses are too loose for quoting ("kill"
is also "defeat", "spy" also "spot"; tried with its first two senses, more off-topic questions
were answered than paraphrased ones gained). These groups are narrow on purpose: each word in a
group can stand for each other one in a news report without changing what is asked. A word may
belong to several groups. The groups are general news vocabulary, not words of the bundled
articles, and a match through them counts less than the word itself (bot/answer.py).
"""

from __future__ import annotations

from functools import cache

from citebot.index.analysis import analyze

_GROUPS = (
    # people and roles
    "inhabitants residents population citizens dwellers",
    "chief head leader boss",
    "spokesman spokeswoman spokesperson representative",
    "diplomat envoy ambassador",
    "physician doctor medic surgeon",
    "soldier troops serviceman servicemen",
    "fighter partisan guerrilla insurgent militant",
    "collaborator traitor quisling",
    "lawyer attorney counsel",
    "child children kid kids",
    "elderly old aged pensioner",
    "youth young",
    "official functionary",
    "kidnapper abductor",
    # institutions and places
    "prison jail penal correctional penitentiary detention",
    "newspaper paper daily",
    "broadcaster television tv channel",
    "outlet publication media",
    "company firm business corporation enterprise",
    "factory plant works mill steelworks",
    "airport airfield airbase",
    "hospital clinic",
    "home house residence apartment flat dwelling",
    "building premises headquarters",
    "city town municipality",
    "village hamlet settlement",
    "region province oblast",
    "country nation",
    "border frontier",
    "agency service bureau",
    "intelligence spy espionage",
    "pharmacy chemist drugstore",
    "shop store",
    "bank lender",
    "court tribunal",
    "police cops",
    # things
    "car vehicle automobile",
    "gun pistol handgun firearm",
    "weapon arms armament weaponry",
    "missile rocket",
    "shelling artillery bombardment",
    "drone uav",
    "bomb explosive device",
    "money cash funds",
    "reward bounty",
    "wage salary pay earnings",
    "pension pensions allowance",
    "job post position role",
    "food groceries foodstuffs staples",
    "medicine medicines drugs medication",
    "passport citizenship",
    "price cost",
    "purpose aim goal objective",
    "reason cause motive",
    "war conflict hostilities",
    "peace truce ceasefire armistice",
    "talks negotiations dialogue",
    "election vote ballot poll referendum",
    "protest demonstration rally",
    "crime offence offense",
    "illness disease sickness",
    "injury wound",
    # events and acts
    "kill killed slay slain murder murdered assassinate assassinated",
    "die died death dead perish perished fatal",
    "shoot shot gunned gunman gunfire",
    "explode exploded explosion blast blew detonate detonated bombing",
    "attack assault raid",
    "injure injured wound wounded hurt",
    "ill sick ailing",
    "poison poisoned poisoning toxic",
    "arrest arrested detain detained",
    "kidnap kidnapped abduct abducted abduction",
    "capture captured seize seized",
    "withdraw withdrew retreat retreated",
    "flee fled escape escaped evacuate evacuated",
    "destroy destroyed demolish demolished wreck wrecked",
    "damage damaged",
    "protest protested demonstrate demonstrated rally rallied",
    "refuse refused reject rejected",
    "confirm confirmed acknowledge acknowledged admit admitted",
    "deny denied",
    "blame blamed accuse accused",
    "claim claimed",
    "announce announced declare declared",
    "warn warned caution",
    "urge urged appeal encourage",
    "force forced compel compelled coerce",
    "ban banned prohibit prohibited forbid",
    "allow allowed permit permitted",
    "begin began start started launch launched",
    "end ended finish finished halt halted cease ceased",
    "close closed shut",
    "rise rose increase increased grow grew soar soared surge surged skyrocket skyrocketed",
    "fall fell drop dropped decline declined plunge plunged",
    "buy bought purchase purchased",
    "send sent dispatch dispatched deploy deployed",
    "move moved relocate relocated transfer transferred",
    "help helped aid aided assist assisted",
    "support supported back backed",
    "appoint appointed install installed",
    "govern governs rule rules run runs administer",
    "investigate investigation probe inquiry",
    "find found discover discovered uncover uncovered",
    "hide hid conceal concealed",
    "survive survived survivor",
    "save saved rescue rescued",
    "write wrote post posted publish published",
    # qualities
    "big large huge major",
    "secret covert clandestine undercover underground",
    "informal unofficial",
    "expensive dearer costly pricier",
    "cheap inexpensive",
    "jobless unemployed unemployment",
    "rich wealthy",
    "poor impoverished",
)


@cache
def synonyms() -> dict[str, frozenset[str]]:
    """Each analysed term → the analysed terms that may stand for it (itself left out)."""
    table: dict[str, set[str]] = {}
    for group in _GROUPS:
        terms = set(analyze(group))
        for term in terms:
            table.setdefault(term, set()).update(terms - {term})
    return {term: frozenset(others) for term, others in sorted(table.items()) if others}
