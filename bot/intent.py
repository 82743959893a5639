"""Question analysis: what kind of answer a news question asks for, and what it is about.

`analyse(question)` drops conversational filler ("hey bot, can you tell me…"), works out the
*kind* of answer asked for (a person for "who", a number for "how many", a date for "when"…) and
the question's focus: its names, numbers and content verbs. `Intent.found(sentence)` then points
at the spans of a sentence that are of the asked kind (the finders are in bot/kinds.py), so the
excerpt chooser can prefer a sentence that holds something new of that kind over one that only
repeats the question.

Everything here is a pure function of its text argument: no I/O, no index, no state. Both calls
run often (the analysis once a question, `found` on every candidate sentence, about a hundred
a question), so every pattern and word list is built once at import and a call allocates only
its result. The rules are heuristics over English surface forms (capitals, affixes, small word
lists), not a parser: they aim to be right on the common shapes of news questions and to say
nothing (kind None, no spans) rather than something wrong on the rest.

Choices the consumer should know:

- "who is/was <Name>", "who are the Wagner group", "what is/are <X>", "what does X stand for/mean",
  "define X" ask for a **definition** (a sentence describing X), while "who is the mayor of
  London" (a role noun, a verb, a preposition after "who is") asks for a **person**.
  "what is the population/price/capital/date/reason of…" takes the kind of that noun.
- A request about a topic ("tell me about Saldo", "what's the story with saldo", "what about
  the SBU?", "explain HIMARS") asks for a definition when the topic is a short noun phrase
  (at most four words, no verb), since what a reader wants first is what or who it is; a longer
  topic ("tell me about the attack on the bridge in July") gets kind None. A request for news
  ("any news on Kherson", "what's the latest in Kherson", "search for Saldo") gets kind None.
  A bare name with nothing else ("Saldo?", "Volodymyr Saldo") is a definition request too; a
  bare lower-case word cannot be told from a keyword search and gets None.
- "is/was/did/…" at the start, and "do you know if/whether…", "is it true that…": **statement**.
  But "did police say who shot Gur?" asks who: the embedded question decides.
- Spans returned by `found` are as written in the sentence. For person, organisation, place,
  number and date they are the entity ("Ivan Fedorov" without a title before it, "Security
  Service of Ukraine", "Kherson", "45,000", "July 2022"). For reason, means and definition they
  are the cue *with the words that follow it* up to the clause's end (at most ten words):
  "because he collaborated with the occupiers", "with a Makarov pistol", "stands for Security
  Service of Ukraine", "the pro-Russia mayor of Kherson city" — so a consumer checking which
  words are new to the question sees the cause, the means or the description, not just the cue
  word (which is usually a stop word).
- Names are found by capitals, so a question typed in lower case has no names; the index's own
  matching covers those.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from citebot.bot.kinds import COMMON, DEMONYMS, HYPHEN_MODIFIER, MEASURES, TITLES, expansions, measure_of, spans_of
from citebot.index.analysis import BASE_FORMS, STOP_WORDS

KINDS = ("person", "organisation", "place", "number", "date", "reason", "means", "definition", "expansion",
         "event", "statement")


# ---------------------------------------------------------------------------------------------
# Word lists (those about names, shared with the finders, are in bot/kinds.py)

def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Nouns after "which"/"what" (and in "what is the … of") and the kind of answer each asks for.
_NOUN_KIND: dict[str, str] = {}
for _kind, _nouns in {  # (a noun listed twice takes the later kind: "figure" is a number)
    "person": """mayor official minister governor commander journalist man woman politician leader head
        president deputy soldier person people officer general spokesman spokeswoman spokesperson chief
        director boss ceo founder member activist blogger reporter editor author writer partisan
        collaborator agent spy judge prosecutor lawyer victim suspect killer assassin gunman sniper pilot
        doctor priest bishop patriarch ambassador diplomat envoy senator mp lawmaker councillor councilor
        chairman chairwoman chair secretary adviser advisor aide administrator candidate businessman
        businesswoman oligarch billionaire banker teacher student child children boy girl citizen resident
        volunteer fighter militant rebel commando colonel lieutenant captain sergeant admiral marshal
        premier king queen prince princess emperor chancellor pope presenter actor singer artist player
        coach athlete scientist expert analyst researcher professor witness survivor prisoner detainee
        hostage informant traitor defector separatist appointee representative counterpart figure
        celebrity wife husband son daughter brother sister mother father relative friend colleague
        bodyguard driver employee worker manager owner investor ombudsman commissioner inspector
        investigator detective policeman policewoman cop guard individual guy lady gentleman crew
        governor-general prime-minister whistleblower protester protestor demonstrator medic nurse
        surgeon engineer farmer trader smuggler occupier invader mercenary recruit conscript veteran""",
    "organisation": """party bank charity company organisation organization group agency ministry service
        newspaper paper outlet channel movement unit battalion brigade regiment division army council
        court network firm institute institution hospital university school college union alliance
        coalition bloc faction militia team club corporation business broadcaster magazine publication
        media body authority administration government department office committee commission board fund
        foundation ngo church parliament legislature assembly regime police force navy fleet bureau
        embassy consulate operator provider manufacturer producer maker supplier contractor brand chain
        retailer exchange platform website startup conglomerate syndicate gang cartel sect agency lab
        laboratory airline insurer lender watchdog regulator tribunal station broadcaster union""",
    "place": """city town village region country oblast province area district place street peninsula
        republic port territory county settlement capital island river bridge road highway airport
        airbase base airfield square neighbourhood neighborhood suburb location site border coast sea lake
        mountain valley continent nation municipality hamlet raion krai okrug building plant prison camp
        facility zone quarter direction front frontline destination spot venue address residence
        apartment house home village city-state""",
    "date": """year date day month time week season decade century hour weekend night morning evening
        afternoon period era moment""",
    "number": """number percentage percent share amount price proportion fraction sum total cost size
        distance population toll age count rate quantity height length width depth weight speed salary
        budget value ratio tally bounty reward fee fine ransom figure figures score capacity casualties
        majority""",
    "reason": "reason cause motive purpose motivation explanation grounds rationale pretext excuse justification",
    "means": """means method way manner technique tactic tactics mechanism weapon weapons gun pistol rifle
        firearm handgun bomb explosive explosives missile missiles rocket rockets drone drones artillery""",
    "definition": "meaning definition abbreviation acronym",
}.items():
    for _noun in _nouns.split():
        _NOUN_KIND[_noun] = _kind
del _kind, _nouns, _noun
# Nouns that name a time ("this WEEK", "that NIGHT", "which YEAR").
TIME_NOUNS = frozenset(noun for noun, kind in _NOUN_KIND.items() if kind == "date")


def _noun_kind(word: str) -> str | None:
    """The kind a noun asks for, trying its singular when the plural is not listed."""
    kind = _NOUN_KIND.get(word)
    if kind is None and len(word) > 3 and word[-1] == "s":
        if word.endswith("ies"):
            kind = _NOUN_KIND.get(word[:-3] + "y")
        elif word.endswith("men"):
            kind = _NOUN_KIND.get(word[:-3] + "man")
        else:
            kind = _NOUN_KIND.get(word[:-1]) or (_NOUN_KIND.get(word[:-2]) if word.endswith("es") else None)
    elif kind is None and word.endswith("men"):  # policemen, gunmen
        kind = _NOUN_KIND.get(word[:-3] + "man")
    return kind


_WH = _words("who whom whose what which when where why how")
_BE = _words("is was are were be been being am 's")
_DO = _words("do does did don't doesn't didn't")
_MODALS = _words("will would can could shall should may might must won't wouldn't can't couldn't "
                 "shouldn't mustn't cannot")
_HAVE = _words("has have had hasn't haven't hadn't")
_AUX = _BE | _DO | _MODALS | _HAVE | _words("isn't wasn't aren't weren't get gets got getting")
# Words that open a yes/no question.
_AUX_START = (_BE | _DO | _MODALS | _HAVE | _words("isn't wasn't aren't weren't")) - {"be", "been", "being", "'s"}
_LEAD_SKIP = _words("and but so then also ok okay well now plus or hmm um oh anyway btw actually just quick "
                    "really exactly precisely again")
_PREPS = _words("in on at from to by for with of since until till during after before under into through "
                "via using over about against between among near within towards toward up")
_MEANS_PREPS = _words("with by using through via")
_DETS = _words("the a an this that these those his her its their our your my some any each every")
_PRONOUNS = _words("i you he she it we they him her them this that me us one someone anyone")
_HOW_NUMBER = _words("many much old long far big large often tall high deep wide heavy expensive fast "
                     "few little severe serious strong costly")
# After "who is": words showing that a person is asked for, not a description of one.
_PERSON_PREDICATES = _words("responsible accountable guilty behind in at to on running leading heading "
                            "now currently still blamed charged suspected")
_CAUSE_VERBS = _words("caused causes cause led leads prompted prompts triggered triggers sparked sparks "
                      "made makes motivated drove drives provoked provokes forced forces pushed")
_KNOW_SAY = _words("know known say said says tell told explain explained report reported mention mentioned "
                   "clear true reveal revealed confirm confirmed unclear sure certain")
_NUMBER_WORDS = _words("""one two three four five six seven eight nine ten eleven twelve thirteen fourteen
    fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety
    hundred hundreds thousand thousands million millions billion billions trillion dozen dozens half""")

# Content verbs: irregular past forms (the index's list and a few same-as-present ones) and
# regular -ed/-ing forms, less the words that only look like verbs.
_IRREGULAR = frozenset(BASE_FORMS) | _words("told hit put cut set hurt spread shut born fed laid lay beat "
                                           "quit bet cast burst split shed")
_NOT_ED = _words("hundred need feed speed seed bed red shed sacred naked wicked kindred indeed greed creed weed "
                 "tweed steed reed deed united")
_NOT_ING = _words("during nothing something anything everything morning evening building meeting king ring "
                  "spring string thing wing wedding ceiling according including regarding concerning "
                  "following notwithstanding pending bring sing")
# Verbs that only ask for an event or an act ("what happened", "what did he do"): no content verb.
LIGHT_VERBS = _words("happen happened happens happening occur occurred occurs occurring do does did done "
                      "doing get gets got gotten getting")
_NOT_VERB = STOP_WORDS | _AUX | _WH | LIGHT_VERBS | _NUMBER_WORDS | _words("else ago not n't")
_TO_NOUNS = _words("hospital prison jail power court death safety work school office church bed town war "
                   "trial exile hiding home sea land order")


def _verbish(word: str) -> bool:
    """A past participle, past form or -ing form: "shot", "flown", "kidnapped", "leading"."""
    if word in _IRREGULAR:
        return True
    if len(word) < 4 or "-" in word:
        return False
    if word.endswith("ed"):
        return word not in _NOT_ED
    return len(word) > 4 and word.endswith("ing") and word not in _NOT_ING


# ---------------------------------------------------------------------------------------------
# Filler

_END = r"(?=[\s,.:;!?…]|$)"
# "I want", "I'd like", "id like", "I would love"; "I wonder", "I'm wondering".
_I_WANT = r"i\s*(?:\s+want|\s+wanna|\s+need|\s+would\s+(?:like|love)|['’]?\s*d\s+(?:like|love))"
_I_WONDER = r"i\s*(?:\s+wonder|\s+was\s+wondering|\s+am\s+wondering|['’]?\s*m\s+wondering)"
# One alternative per kind of filler; the group name says what the rest of the message is:
# "def" a topic to describe, "news" a topic to report on, "request" an imperative ("give me the
# number of…"), "yesno" a yes/no question, "cond" the "if/whether" after "do you know".
_FILLER = re.compile(rf"""(?:
  (?P<yesno>is\s+it\s+(?:true|the\s+case|correct|right)(?:\s+that)?
    | (?:do|does|did)\s+(?:you|u|anyone|anybody|the\s+articles?|the\s+news)\s+(?:know|say|mention|think)\s+(?:if|whether|that))
| (?P<cond>(?:if|whether))
| (?P<def>(?:can|could|would|will)\s+(?:you|u)\s+(?:please\s+)?(?:tell|show|give)\s+(?:me|us)\s+(?:more\s+)?(?:about|on|regarding)
    | (?:please\s+)?tell\s+(?:me|us)\s+(?:more\s+|something\s+|a\s+bit\s+|a\s+little\s+|all\s+)?(?:about|on|regarding)
    | (?:do|does)\s+(?:you|u|anyone|anybody|we)\s+know\s+(?:anything\s+)?(?:about|of)
    | what\s+do\s+(?:you|u|we|they|people)\s+know\s+about
    | what(?:['’]?s|\s+is)\s+known\s+(?:about|of)
    | (?:is\s+there\s+)?anything\s+(?:on|about|regarding)
    | what\s+(?:do|does)\s+(?:the\s+)?(?:articles?|news|reports?|sources?|papers?|stories|story|media|you)\s+
        (?:say|tell\s+us|have|know|report|mention)\s+(?:about|on|regarding|of)
    | what(?:['’]?s|\s+is)\s+the\s+(?:story|deal|background|lowdown)\s+(?:with|about|on|behind|regarding)
    | whats\s+the\s+(?:story|deal|background|lowdown)\s+(?:with|about|on|behind|regarding)
    | what\s+about
    | {_I_WANT}\s+to\s+(?:know|learn|hear|read|find\s+out)\s+(?:more\s+)?(?:about|on|regarding)
    | i\s*(?:['’]\s*m|m|\s+am)\s+(?:curious|interested)\s+(?:about|in)
    | {_I_WONDER}\s+about
    | (?:can|could|would)\s+you\s+(?:please\s+)?(?:explain|describe|define)(?:\s+to\s+me)?
    | explain(?:\s+to\s+me)?|describe|define|(?:the\s+)?(?:meaning|definition)\s+of|who\s+or\s+what\s+(?:is|are|was|were))
| (?P<news>(?:(?:is\s+there|are\s+there|got|have\s+you\s+got|do\s+you\s+have)\s+)?any\s+
        (?:news|updates?|info(?:rmation)?|word|reports?|articles?|stories|story|details)\s+(?:on|about|regarding|of|from|concerning)
    | what(?:['’]?s|\s+is|s)\s+(?:the\s+)?(?:latest|news|situation|update|happening|going\s+on)\s+(?:with|about|on|in|regarding|at)
    | (?:the\s+)?(?:latest|news|updates?)\s+(?:on|about|from|regarding|in)
    | (?:can|could|would)\s+you\s+(?:please\s+)?(?:search|look)\s+(?:for|up)
    | search(?:\s+for)?|look\s+(?:up|for)|find\s+(?:me\s+)?(?:news|articles?|stories|info(?:rmation)?)\s+(?:on|about)
    | give\s+(?:me|us)\s+(?:some\s+|the\s+)?(?:news|info(?:rmation)?|details|an?\s+update|updates|a\s+summary|the\s+lowdown|background)\s+(?:on|about|regarding)
    | summari[sz]e|(?:a\s+)?summary\s+of)
| (?P<request>(?:can|could|would)\s+you\s+(?:please\s+)?(?:find(?:\s+out)?|name|list|identify|give\s+(?:me|us)|show\s+(?:me|us))
    | give\s+(?:me|us)|show\s+(?:me|us)|find(?:\s+(?:me|out))?|identify
    | (?:name|list)(?=\s+(?:the|a|an|all|any|every|one|two|three|some)\b))
| (?P<plain>(?:hey|hi|hello|hiya|howdy|yo|greetings|good\s+(?:morning|afternoon|evening|day)|dear|ok(?:ay)?|well|
        um+|uh+|hmm+|oh|so|excuse\s+me|sorry|please|pls|plz|kindly)(?:\s+(?:there|bot|citebot|everyone|all|guys|folks|friend|mate))*
    | (?:quick\s+)?question\s*[:\-]|q\s*:
    | (?:roughly|approximately|about|around|exactly|precisely|just)(?=\s+how\s+(?:many|much|long|far|old)\b)
    | (?:cite)?bot(?=\s*[,:!\-–—])
    | @\w+
    | (?:can|could|would|will)\s+(?:you|u)\s+(?:please\s+)?(?:tell|show|let)\s+(?:me|us)(?:\s+know)?
    | tell\s+(?:me|us)
    | (?:do|does)\s+(?:you|u|anyone|anybody|someone|somebody|we)\s+know
    | {_I_WANT}\s+to\s+(?:know|learn|find\s+out|understand|ask)
    | {_I_WONDER}
    | i\s*(?:\s+have|\s+got|['’]?\s*ve\s+got)\s+a\s+question
    | (?:do|does|did)\s+(?:you|u|anyone|anybody|we|the\s+articles?|the\s+news|they|the\s+reports?)\s+(?:know|say|mention|tell\s+(?:me|us)|explain|report)
        (?=\s+(?:who|whom|whose|what|which|when|where|why|how)\b)
    | is\s+it\s+(?:known|clear)(?=\s+(?:who|whom|whose|what|which|when|where|why|how)\b))
){_END}""", re.I | re.X)
_SEP = re.compile(r"[\s,.:;!?\-–—…~]*")
# Trailing "please", "thanks", a mention; "bot" only after a comma or dash ("what is a bot?" stays).
_TRAILING = re.compile(r"(?:[\s,;:\-–—]+(?:please|pls|plz|thanks|thank\s+you|thx|@\w+)|\s*[,;:\-–—]\s*(?:cite)?bot)+\s*([?!.]*)\s*$", re.I)
_TRAILING_HINTS = ("please", "pls", "plz", "thank", "thx", "bot", "@")
_TAG = re.compile(r"</?[A-Za-z][^<>]{0,200}>")
_HAS_WORD = re.compile(r"[^\W_]")


def _strip_filler(text: str) -> tuple[str, str | None]:
    """text without leading filler (possibly stacked) and trailing "please"/"thanks"/mentions,
    and what the dropped filler says about the rest (see _FILLER)."""
    pos, flag, dropped = 0, None, False
    for _ in range(8):
        match = _FILLER.match(text, pos)
        if match is None or match.end() == pos:
            break
        group = match.lastgroup
        if group == "cond":
            if not dropped:  # a question that starts with "if" keeps it
                break
            group = "yesno"
        if group != "plain":
            flag = group
        pos = _SEP.match(text, match.end()).end()
        dropped = True
    rest = text[pos:]
    end = rest[-40:]
    if any(hint in end.lower() for hint in _TRAILING_HINTS):
        rest = rest[:-40] + _TRAILING.sub(r"\1", end)  # only the end: the pattern is slow on long text
    return rest.strip(), flag


# ---------------------------------------------------------------------------------------------
# Question kind

# Numbers with separators stay one token ("45,000", "3.5", "10%"); words keep inner
# apostrophes and hyphens ("party's", "state-owned", "Covid-19").
_TOKEN_RE = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?%?|\d+(?:\.\d+)?%?|[^\W\d_](?:[\w'’\-]*\w)?"
_TOKEN = re.compile(_TOKEN_RE)
_CONTRACTIONS = {"what's": ("what", "is"), "whats": ("what", "is"), "who's": ("who", "is"), "whos": ("who", "is"),
                 "where's": ("where", "is"), "wheres": ("where", "is"), "when's": ("when", "is"),
                 "how's": ("how", "is"), "what're": ("what", "are"), "who're": ("who", "are"),
                 "what'd": ("what", "did"), "who'd": ("who", "did"), "why's": ("why", "is")}


def _base(word: str) -> str:
    """A lower-case word without a possessive ending."""
    return word[:-2] if word.endswith("'s") else word


def _noun_phrase(w: list[str], i: int) -> tuple[list[str], int]:
    """The noun phrase starting at w[i] (after "which", "what", "the"…) and where it ends.

    English noun phrases end on their head, so the phrase runs over modifiers until a function
    word, an auxiliary or a verb form; a possessive ends it ("which town's party office" asks
    for a town)."""
    while i < len(w) and w[i] in _DETS:
        i += 1
    phrase: list[str] = []
    while i < len(w) and len(phrase) < 5:
        word = w[i]
        if word in STOP_WORDS or word in _AUX or word in _WH or (phrase and _verbish(word) and "-" not in word):
            break
        phrase.append(_base(word))
        i += 1
        if word.endswith("'s"):
            break
    return phrase, i


def _phrase_head(phrase: list[str]) -> str | None:
    """The noun of a phrase that says what is asked for: its head, else the last listed noun in
    it ("which party controls…" when the verb was taken into the phrase)."""
    return next((word for word in reversed(phrase) if _noun_kind(word) is not None), None)


def _np_kind(w: list[str], i: int) -> str | None:
    return _np_head(w, i)[0]


def _np_head(w: list[str], i: int) -> tuple[str | None, str | None]:
    """The kind asked for by the noun phrase at w[i] and the noun that says so ("party" in "which
    party's office", "pistol" in "what kind of pistol"); the noun is None when none does."""
    phrase, end = _noun_phrase(w, i)
    if not phrase:
        return None, None
    if phrase[-1] in ("name", "names"):
        # "the name of the bank" / "the bank's name": the named thing's kind, else a person's name.
        inner = _noun_phrase(w, end + 1)[0] if end < len(w) and w[end] == "of" else phrase[:-1]
        head = _phrase_head(inner)
        return (_noun_kind(head), head) if head is not None else ("person", None)
    if phrase[0] in ("kind", "type", "sort", "form", "brand", "model", "make", "variety") and end < len(w) and w[end] == "of":
        phrase, _ = _noun_phrase(w, end + 1)  # "what kind of pistol": whatever the thing is
    head = _phrase_head(phrase)
    return (_noun_kind(head) if head is not None else None), head


def _who_be(w: list[str], i: int, caps: list[bool] | None = None) -> str:
    """"who is/was …": a person, or a description of a named one ("who is Saldo")."""
    rest = w[i:]
    if not rest:
        return "person"
    first = rest[0]
    if first in ("he", "she", "they", "it", "this", "that", "him", "her", "them"):
        return "definition"
    named = caps is not None and caps[i]  # "Who is Vitaly Gur?": a name, not an adverb in -ly
    if not named and (_verbish(first) or first.endswith("ly")) or first in _PERSON_PREDICATES or \
            first in STOP_WORDS and first not in _DETS:
        return "person"
    phrase, end = _noun_phrase(w, i)
    if any(_noun_kind(word) == "person" for word in phrase):
        return "person"  # "who is the (Russian-backed) leader of…"
    if first.endswith("'s") and any(_noun_kind(word) == "person" for word in _noun_phrase(w, i + 1)[0]):
        return "person"  # "who is Germany's defence minister", "who is Melitopol's mayor"
    after = w[end:]
    if after and (after[0] in ("who", "that") or any(_verbish(word) for word in after)):
        return "person"
    return "definition" if len(rest) <= 6 else "person"


def _what_be(w: list[str], i: int, caps: list[bool] | None = None) -> str | None:
    """"what is/was …": the kind of a listed noun ("the population of…"), a definition of a bare
    noun phrase ("what is HIMARS"), or None ("what is happening", "what is the situation in…")."""
    rest = w[i:]
    if not rest or _verbish(rest[0]) or rest[0] in _PRONOUNS and rest[0] not in _DETS:
        return None
    phrase, end = _noun_phrase(w, i)
    if not phrase:
        return None
    if end < len(w) and _verbish(w[end]):
        return None  # "what are the partisans doing": the phrase is the subject, "what" the object
    named = caps is not None and caps[end - len(phrase)]
    if named and end >= len(w) or (named and w[end] == "of" and all(caps[end + 1:])):
        return "definition"  # "what is the Security Service (of Ukraine)": a name to describe
    head = phrase[-1]
    if head in ("name", "names"):
        return _np_kind(w, i)
    kind = _noun_kind(head)
    if kind is not None:
        return kind
    if end >= len(w) and not any(word.endswith("'s") for word in w[i:end]):
        return "definition"
    return None


def _wh_kind(w: list[str], i: int, prep: str | None, start: bool = True,
             caps: list[bool] | None = None) -> str | None:
    """The kind asked for by the question word w[i] (prep: a preposition before it)."""
    wh, n = w[i], len(w)
    nxt = w[i + 1] if i + 1 < n else ""
    if wh in ("who", "whom", "whose"):
        if wh == "who" and start and prep is None and nxt in _BE:
            return _who_be(w, i + 2, caps)
        return "person"
    if wh == "where":
        return "place"
    if wh == "when":
        return "date"
    if wh == "why":
        return "reason"
    if wh == "how":
        if nxt in _HOW_NUMBER:
            return "date" if nxt == "long" and i + 2 < n and w[i + 2] == "ago" else "number"
        if nxt in ("soon", "recently"):
            return "date"
        return "reason" if nxt == "come" else "means"
    # what / which
    if prep in ("since", "until", "till"):
        return "date"
    kind: str | None = None
    if not nxt:
        kind = None
    elif nxt in _BE:
        kind = _what_be(w, i + 2, caps)
    elif nxt in _DO:
        last = w[-2:]
        if last[-1] in ("mean", "means", "stand") or last == ["stand", "for"] or last == ["refer", "to"] \
                or last == ["stands", "for"]:
            return "definition"
    elif nxt in _CAUSE_VERBS and wh == "what":
        return "reason"
    elif nxt in ("of", "one", "ones") or nxt not in _AUX and nxt not in ("happened", "happens", "happen"):
        kind = _np_kind(w, _phrase_start(w, i))
    if kind is None:
        if prep in _MEANS_PREPS:
            return "means"
        if wh == "what" and n > i + 2 and w[-1] == "for" and w[-2] not in ("stand", "stands"):
            return "reason"  # "what was he arrested for"
    return kind


def _embedded(w: list[str], i: int) -> int:
    """Where a question word stands after "say/know/…" in a yes/no question, else -1."""
    for j in range(i + 1, len(w) - 1):
        if w[j] in _KNOW_SAY and w[j + 1] in _WH:
            return j + 1
    return -1


def _in_situ(w: list[str]) -> tuple[str | None] | None:
    """(kind,) when a question word ends the question ("Saldo was flown where?", "…shot by whom?",
    "…how many people?"), else None."""
    n = len(w)
    for j in range(max(1, n - 4), n):
        wh = w[j]
        if wh not in _WH:
            continue
        after = w[j + 1:]
        prep = w[j - 1] if w[j - 1] in _PREPS else None
        if wh in ("what", "which"):
            if not after:
                if prep in _MEANS_PREPS:
                    return ("means",)
                return ("reason",) if prep == "for" else (None,)
            if len(after) <= 2 and not any(_verbish(a) or a in _AUX for a in after):
                return (_wh_kind(w, j, prep, start=False),)
            continue
        if not after or wh == "how" and after[0] in _HOW_NUMBER and len(after) <= 3:
            return (_wh_kind(w, j, prep, start=False),)
    return None


_REQUEST_HEADS = frozenset(_NOUN_KIND) | {"name", "names"}


def _classify(w: list[str], caps: list[bool], flag: str | None) -> str | None:
    """The kind of answer the question (lower-case tokens w) asks for."""
    i, n = 0, len(w)
    while i < n and w[i] in _LEAD_SKIP:
        i += 1
    if i >= n:
        return None
    prep = None
    if w[i] in _PREPS and i + 1 < n and w[i + 1] in _WH:  # "in which city", "by whom", "since when"
        prep, i = w[i], i + 1
    if w[i] in _WH:
        return _wh_kind(w, i, prep, caps=caps)
    if w[i] in _AUX_START and flag != "def":
        j = _embedded(w, i)
        return _wh_kind(w, j, None, start=False) if j >= 0 else "statement"
    situ = _in_situ(w)
    if situ is not None:
        return situ[0]
    if flag == "yesno":
        return "statement"
    if flag in ("def", "news", "request"):
        phrase, end = _noun_phrase(w, i)
        if phrase and (end < n or flag == "request") and (w[i] in _DETS or w[i] in _REQUEST_HEADS):
            kind = _np_kind(w, i)  # "give me the number of…", "tell me the name of the bank"
            if kind is not None:
                return kind
    if flag == "def":
        content = [word for word in w[i:] if word not in _DETS]
        if 0 < len(content) <= 4 and not any(_verbish(word) for word in content):
            return "definition"
        return None
    if flag is None and n - i <= 4 and all(caps[i:]):  # "Saldo?", "Volodymyr Saldo"
        return "definition"
    return None


# ---------------------------------------------------------------------------------------------
# Names, numbers, verbs of the question

_PARTICLES = _words("de van von der den bin ibn al el da di du del la le dos das ter ten of for the")
_NAME_GLUE = _PARTICLES | {"and", "&"}


def _particle_joins(tokens: list[tuple[str, str, str]], k: int) -> bool:
    """Whether the particles from tokens[k] on are followed by a capitalised word ("von der Leyen")."""
    stop = min(len(tokens), k + 4)
    while k < stop and tokens[k][2] in _PARTICLES:
        k += 1
    return k < len(tokens) and tokens[k][1][0].isupper()


def _shouted_common(word: str) -> bool:
    base = _base(word)
    return base in COMMON or base in _AUX or base in _NOUN_KIND or base in _NUMBER_WORDS or _verbish(base) \
        or base in _CONTRACTIONS or base in LIGHT_VERBS


def _focus(tokens: list[tuple[str, str, str]]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Names (runs of capitalised words and acronyms, with particles inside) and numbers, as written.

    A name is a run of capitalised words with nothing but spaces between them; a capitalised
    common word, demonym, month, question word or title is not part of one ("What did Lavrov
    say", "Russian troops", "Mr Saldo" → Saldo), and the question's first word counts only if it
    is not a common word ("Saldo?")."""
    names: dict[str, None] = {}  # (a dict: ordered, and fast to test)
    numbers: list[str] = []
    run = ""  # the name being read
    particles = ""  # "of", "von der", with their spaces: part of the name if a capital follows
    n = len(tokens)
    for k in range(n):
        separator, surface, low = tokens[k]
        first = surface[0]
        if first.isdigit() or low in _NUMBER_WORDS and not first.isupper():
            if run:
                names[run] = None
            run = particles = ""
            previous = tokens[k - 1][2] if k else ""
            if not (low == "one" and (previous in _DETS or previous in _WH or previous in ("no", "any", "every", "each"))) \
                    and surface not in numbers:
                numbers.append(surface)
            continue
        joined = bool(run) and separator.isspace()
        if first.isupper():
            base = _base(low)
            if "-" in surface and HYPHEN_MODIFIER.search(surface) is not None:
                # "Kremlin-appointed", "Nova Kakhovka-based": the name before the modifier, as if
                # written apart; "Russian-backed" has none.
                prefix = surface.split("-", 1)[0]
                if prefix.lower() in COMMON or prefix.lower() in DEMONYMS or not prefix[:1].isupper():
                    prefix = ""
                if prefix and joined:
                    run += particles + separator + prefix
                elif prefix:
                    if run:
                        names[run] = None
                    run = prefix
                if run:
                    names[run] = None
                run = particles = ""
                continue
            if (base in COMMON and not (len(surface) > 1 and surface.isupper())) or base in DEMONYMS \
                    or (k == 0 and (low in _AUX or _verbish(low))) or surface == "I" \
                    or (base in TITLES and k + 1 < n and tokens[k + 1][1][0].isupper()):
                if run:
                    names[run] = None
                run = particles = ""
                continue
            word = surface[:-2] if low.endswith("'s") else surface
            if joined:
                run += particles + separator + word
            else:
                if run:
                    names[run] = None
                run = word
            particles = ""
            if word is not surface:  # a possessive ends the name: "Gur's house"
                names[run] = None
                run = ""
            continue
        if joined and low in _PARTICLES and _particle_joins(tokens, k):
            particles += separator + surface  # "Security Service of Ukraine", "Ursula von der Leyen"
            continue
        if run:
            names[run] = None
        run = particles = ""
    if run:
        names[run] = None
    return tuple(names), tuple(numbers)


def _glues(w: list[str], caps: list[bool], j: int) -> bool:
    """Whether w[j] is a small word inside a subject's name or names ("Steel and Iron Works",
    "Russia and Ukraine", "Bank of England"): one before a capitalised word."""
    return w[j] in _NAME_GLUE and j + 1 < len(w) and caps[j + 1]


def _verbs(w: list[str], caps: list[bool]) -> tuple[str, ...]:
    """Content verbs, lower-case as written.

    A word is a verb when it has a verb's form (irregular past forms, -ed, -ing), or stands where
    English puts one: right after "who" ("who shot…"), after the subject that follows "did /
    will / can…" ("what did Lavrov say", "why did the mayor resign"), after "how many <noun>"
    ("how many people live…"), after "which <noun>" when it ends in -s ("which party controls…"),
    and after "to" when a verb came just before ("used to strike"). A hyphenated modifier gives
    its verb part ("Kremlin-appointed" → appointed), as "Kremlin appointed" would. Auxiliaries,
    stop words, names and the light verbs happen/occur/do/get are left out: they say nothing
    about the event."""
    out: dict[str, int] = {}  # verb → where it stands
    n = len(w)

    def add(k: int, word: str = "") -> None:
        word = word or w[k]
        if (word is not w[k] or not caps[k]) and word not in _NOT_VERB and not word[0].isdigit() and word not in out:
            out[word] = k

    for k, word in enumerate(w):
        if "-" in word:
            part = word.rsplit("-", 1)[1]
            if part and _verbish(part):
                add(k, part)
            continue
        if caps[k] or word in _NOT_VERB or word[0].isdigit():
            continue
        if _verbish(word):
            add(k)
        elif k and w[k - 1] in ("who", "whom") and not (k > 1 and w[k - 2] in _PREPS):
            add(k)
        elif k > 1 and w[k - 1] == "to" and w[k - 2] in out and word not in _TO_NOUNS and word not in _DETS:
            add(k)
    for k, word in enumerate(w):  # verbs after their subject
        if word in _DO or word in _MODALS:
            j = k + 1
            if j < n and (caps[j] or w[j] in _PRONOUNS and w[j] not in _DETS):
                while j < n and j < k + 6 and (caps[j] or w[j] in _PRONOUNS or _glues(w, caps, j)):
                    j += 1
            elif j < n and w[j] in _DETS:
                j += 1
                skipped = 0
                # The subject's name, with the small words inside one ("the Illich Steel and Iron Works").
                while j < n and skipped < 6 and (caps[j] or "-" in w[j] or skipped and _glues(w, caps, j)):
                    j, skipped = j + 1, skipped + 1
                if j < n and (not skipped or _noun_kind(w[j]) is not None or w[j].endswith("s")):
                    j += 1  # the noun: "the mayor (resign)", "the Russian army (withdraw)"
            if j < n and j > k + 1 and w[j] not in STOP_WORDS:
                add(j)
        elif (word in ("many", "much") and k and w[k - 1] == "how") or word in ("which", "what"):
            # "how many people live…", "which party controls…": the word after the noun.
            j = k + 1
            while j < n and j < k + 5 and (caps[j] or "-" in w[j]):
                j += 1
            noun, j = j, j + 1
            if j < n and not caps[j] and w[j] not in STOP_WORDS and w[j] not in _AUX and (
                    word in ("many", "much")
                    or w[j].endswith("s") and _noun_kind(w[j]) is None and _noun_kind(w[noun]) is not None):
                add(j)
    return tuple(sorted(out, key=out.__getitem__))


# ---------------------------------------------------------------------------------------------
# The public API

@dataclass(frozen=True, slots=True)
class Intent:
    """What a question asks: see the module's docstring."""

    text: str  # the question with conversational filler removed (what gets searched)
    kind: str | None  # one of KINDS, or None when the question does not say
    names: tuple[str, ...]  # name phrases as written, in order
    numbers: tuple[str, ...]  # numbers as written
    verbs: tuple[str, ...]  # content verbs, lower-case surface forms
    head: str | None = None  # the noun of "which/what + noun" that says what is asked ("party", "bank")
    # For a number: what it may measure (kinds.MEASURES keys, "count" for a bare number; "how far"
    # → distance), or None when any will do ("how much did prices rise").
    measures: frozenset[str] | None = None

    def found(self, sentence: str) -> tuple[str, ...]:
        """The spans of sentence (as written, in order, no repeats) that are of the asked kind;
        empty when the kind is None or "statement", or when there are none (bot/kinds.py). A
        number that measures something else than asked is none ("40km" for "how many people")."""
        if self.kind == "expansion":
            return expansions(_acronym(self.text), sentence)
        spans = spans_of(self.kind, sentence)
        if self.kind == "person" and self.head is None and _ASKS_WHO.match(self.text):
            # "Who claimed the attack?", "Who won?": a group or a company answers as well as a person
            # does; "who is the MAYOR" does not take one.
            spans = tuple(dict.fromkeys(spans + spans_of("organisation", sentence)))
        if self.measures is None:
            return spans
        # A bare number ("a city of 280,000,") is a count too, where a count is asked for.
        accepted = self.measures | {"bare"} if "count" in self.measures else self.measures
        kept = tuple(span for span in spans if _measured(sentence, span) in accepted)
        if "duration" in self.measures:  # "How long has Kherson been occupied?": "since March 2022"
            kept += tuple(since.group() for date in spans_of("date", sentence)
                          for since in re.finditer(r"\b[Ss]ince\s+" + re.escape(date), sentence))
        return kept


_ASKS_WHO = re.compile(r"(?:\W*\w+\s+)?who\b", re.I)  # "Who won?", "And who claimed it?"
_WORD_NEXT = re.compile(r"\s*[^\W\d_]")


def _measured(sentence: str, span: str) -> str:
    """What a number in sentence measures (kinds.measure_of), else "count" when a word follows it
    ("45 people") and "bare" when none does ("Saldo, 66, was…", "aged 66."): an age is a bare
    number or a duration, never a count of something."""
    measure = measure_of(sentence, span)
    if measure is not None:
        return measure
    at = sentence.find(span)
    return "count" if at >= 0 and _WORD_NEXT.match(sentence, at + len(span)) else "bare"


def analyse(question: str) -> Intent:
    """Filler dropped, kind of answer, names, numbers and content verbs of a question.

    Never raises; an empty or filler-only question gives the question itself (stripped) as text
    and kind None."""
    cleaned = " ".join((_TAG.sub("", question) if "<" in question else question).split())
    text, flag = _strip_filler(cleaned)
    if not _HAS_WORD.search(text):
        return Intent(question.strip(), None, (), (), ())
    tokens = _tokens(text)
    if text.isupper():
        # SHOUTED QUESTIONS: an upper-case English word is no name; what is left may be one.
        tokens = [(separator, low if _shouted_common(low) else surface, low) for separator, surface, low in tokens]
    names, numbers = _focus(tokens)
    w, caps = _words_of(tokens)
    kind = _classify(w, caps, flag)
    main = _AFTER_WHEN_CLAUSE.match(text)
    if main is not None:  # "When inequality is smaller, more waste is…?": the main clause asks
        kind = _classify(*_words_of(_tokens(main.group(1))), None)
    if kind is None and flag is None:
        clause = _CLAUSE_WH.search(text)
        if clause is not None:  # "Kherson, where is it?", "Saldo — who is he?"
            kind = _classify(*_words_of(_tokens(text[clause.end():])), None)
    if _ASKING_LONG_FORM.search(text) and _acronym(text):
        kind = "definition"  # "What is NRC short for?", "What is the full name of the NRC?"
    if kind is None and _ASKING_EVENT.match(text):
        kind = "event"  # "What happened to the mayor?", "What became of Saldo?"
    head = _head(w) if kind is not None else None
    verbs = _verbs(w, caps)
    if kind == "definition":
        # "What does NRC stand for?": the words asking for an expansion are not what it is about,
        # and the answer is the long form the letters stand for.
        if (_ASKING_EXPANSION.search(text) or _ASKING_LONG_FORM.search(text)) and _acronym(text):
            kind = "expansion"
        text = _ASKING_LONG_FORM.sub("", _ASKING_EXPANSION.sub("", text)).rstrip() or text
        verbs = tuple(verb for verb in verbs if verb not in _EXPANSION_VERBS)
    return Intent(text, kind, names, numbers, verbs, head, _measures(w, head) if kind == "number" else None)


_EXPANSION_VERBS = _words("stand stands mean means refer refers")
_ASKING_EVENT = re.compile(r"what(?:['’]s|\s+has|\s+had|\s+have)?\s+(?:happened|happens|became)\s+(?:to|with|of)\b", re.I)


_ACRONYM = re.compile(r"\b[A-Z](?:\.?[A-Z])+\b\.?")


def _acronym(text: str) -> str:
    """The last word of text in capital letters ("NATO", "U.N."), or ""."""
    found = _ACRONYM.findall(text)
    return found[-1] if found else ""
_ASKING_EXPANSION = re.compile(r"\s+(?:stands?\s+for|means?|refers?\s+to)(?=\W*$)", re.I)
_ASKING_LONG_FORM = re.compile(r"\s+short\s+for(?=\W*$)|\b(?:the\s+)?full\s+(?:name|form)\s+(?:of|for)\s+", re.I)


# Words that make "how much" ask for a sum ("how much was paid"); translit reads "скільки" before one so too.
MONEY_WORDS = _words("cost costs costing paid pay pays spend spent worth price priced bounty bounties reward rewards "
                      "fine fined salary salaries earn earned earns money budget funding aid loan")


# A price is told as a sum or against another price ("three times more expensive than…").
_PRICE = {"money", "ratio"}
# Words asking how much something changed, which a share answers as well as a sum.
_CHANGE_WORDS = _words("rise rises rose risen rising increase increased grow grew grown fall falls fell fallen drop "
                       "dropped decline declined jump jumped climb climbed soar soared surge surged up down change "
                       "changed")
# What a number asked for by its noun measures ("what is the distance…"); "count" is a number
# written with no unit ("Saldo, 66,", "half of them").
_NOUN_MEASURES = {"distance": {"distance"}, "length": {"distance"}, "height": {"distance"}, "width": {"distance"},
                  "depth": {"distance"}, "age": {"duration", "bare"}, "duration": {"duration"},
                  "price": _PRICE, "cost": _PRICE, "salary": _PRICE, "budget": {"money"},
                  "percentage": {"percent", "count"}, "percent": {"percent", "count"},
                  "share": {"percent", "count"}, "proportion": {"percent", "count"},
                  "population": {"count"}, "weight": {"weight"}}


def _measures(w: list[str], head: str | None) -> frozenset[str] | None:
    """What an asked number may measure (kinds.MEASURES keys, or "count" for a bare number): "how
    far" a distance, "how old" years or a bare age, "how many people" a count or a share, "what is the
    population" a count; None when anything will do ("how much did prices rise")."""
    for k in range(len(w) - 1):
        if w[k] != "how":
            continue
        nxt = w[k + 1]
        if nxt == "far":
            return frozenset({"distance"})
        if nxt == "long":
            return frozenset({"distance", "duration"})
        if nxt == "old":
            return frozenset({"duration", "bare"})
        if nxt == "many":
            noun = w[k + 2] if k + 2 < len(w) else ""
            # "how many students": a count, or a share of them ("9.6% of students").
            return frozenset(m for m, units in MEASURES.items() if noun in units) or frozenset({"count", "percent"})
        if nxt == "much":
            rest = w[k + 2:]
            if any(v in _CHANGE_WORDS for v in rest):
                return None  # "how much has the price risen": by a sum, a share or a ratio
            return frozenset(_PRICE) if any(v in MONEY_WORDS for v in rest) else None
    measures = _NOUN_MEASURES.get(_base(head)) if head else None
    return frozenset(measures) if measures else None


def _head(w: list[str]) -> str | None:
    """The noun that says what is asked ("which PARTY's office", "what kind of PISTOL", "what is the
    name of the BANK", "who is the MAYOR of Mariupol"), or None: an answer is often written beside
    it ("the ruling party United Russia", "a Makarov pistol", "Ivan Fedorov, the mayor")."""
    i, n = 0, len(w)
    while i < n and w[i] in _LEAD_SKIP:
        i += 1
    if i + 1 < n and w[i] in _PREPS and w[i + 1] in ("what", "which"):
        i += 1  # "in which city"
    if i + 2 < n and w[i] == "who" and w[i + 1] in _BE:
        phrase, _ = _noun_phrase(w, i + 2)  # "who is the (Russian-backed) leader of…": a role
        return next((word for word in reversed(phrase) if _noun_kind(word) == "person"), None)
    if i + 1 >= n or w[i] not in ("what", "which"):
        return None
    nxt = w[i + 1]
    if nxt in _BE:
        return _np_head(w, i + 2)[1]  # "what is the name of the bank"
    if nxt in _AUX or nxt in _DO:
        return None
    return _np_head(w, _phrase_start(w, i))[1]


def _phrase_start(w: list[str], i: int) -> int:
    """Where the noun phrase after "which"/"what" at w[i] starts: "which (one) of the banks"."""
    if w[i + 1] == "of":
        return i + 2
    if w[i + 1] in ("one", "ones") and i + 2 < len(w) and w[i + 2] == "of":
        return i + 3
    return i + 1


# "When <a clause>, <the question>": a time clause, not a question about a time ("When did…" is).
_AFTER_WHEN_CLAUSE = re.compile(r"when\s+(?!(?:" + "|".join(sorted(_AUX_START | {"exactly", "precisely"})) +
                                r")\b)[^,;?]*?\s[^,;?]*?\s[^,;?]+,\s*(\S.*)", re.I)
_CLAUSE_WH = re.compile(r"[,;:—–]\s*(?=(?:who|whom|whose|what|which|when|where|why|how)\b)", re.I)


def _tokens(text: str) -> list[tuple[str, str, str]]:
    """(what stands before it, surface, lower case with straight apostrophes) of each word and number."""
    pairs: list[tuple[str, str]] = []
    end = 0
    for match in _TOKEN.finditer(text):
        pairs.append((text[end:match.start()], match.group()))
        end = match.end()
    low = text.lower()
    lows = _TOKEN.findall(low) if len(low) == len(text) else []
    if len(lows) != len(pairs):  # a letter that lower-cases to two ("İ")
        lows = [surface.lower() for _, surface in pairs]
    if "’" in text:
        lows = [word.replace("’", "'") for word in lows]
    return [(separator, surface, low) for (separator, surface), low in zip(pairs, lows)]


def _words_of(tokens: list[tuple[str, str, str]]) -> tuple[list[str], list[bool]]:
    """Lower-case words with contractions expanded ("what's" → what is), and which are capitalised
    (a capitalised common word opening the question does not count)."""
    w: list[str] = []
    caps: list[bool] = []
    for _, surface, low in tokens:
        expanded = _CONTRACTIONS.get(low)
        if expanded:
            w += expanded
            caps += (False, False)
        else:
            caps.append(surface[0].isupper() and not (not w and (low in COMMON or low in _AUX)))
            w.append(low)
    return w, caps
