"""Question analysis: what kind of answer a news question asks for, and what it is about.

`analyse(question)` drops conversational filler ("hey bot, can you tell me…"), works out the
*kind* of answer asked for (a person for "who", a number for "how many", a date for "when"…) and
the question's focus: its names, numbers and content verbs. `Intent.found(sentence)` then points
at the spans of a sentence that are of the asked kind, so the excerpt chooser can prefer a
sentence that holds something new of that kind over one that only repeats the question.

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
from typing import Callable, Iterable

from index.analysis import BASE_FORMS, STOP_WORDS

KINDS = ("person", "organisation", "place", "number", "date", "reason", "means", "definition", "statement")


# ---------------------------------------------------------------------------------------------
# Word lists

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
_DEMONYMS = _words("""russian ukrainian british american european chinese french german polish belarusian
    crimean soviet western eastern northern southern turkish iranian israeli moldovan chechen syrian
    english scottish welsh irish dutch swedish finnish norwegian danish italian spanish japanese korean
    indian canadian australian hungarian romanian bulgarian serbian czech slovak lithuanian latvian
    estonian georgian armenian azerbaijani kazakh uzbek arab arabic african asian nato pro anti""")
# Words capitalised at the start of a sentence (or in headlines) that are nobody's name.
_COMMON = STOP_WORDS | _MONTHS | _WEEKDAYS | _words("""
    yesterday today tomorrow tonight meanwhile however according earlier later last next instead there
    here also still now then thus despite although though unlike amid among amongst during since
    while several both each every another other others such yes no many much some most more less
    according but and or nor yet so if unless whether even just only already again perhaps maybe
    mr mrs ms dr sir madam this that these those one two three four five six seven eight nine ten
    latest news name names list give show find search describe summarise summarize define explain
    tell ok okay hey hi hello please thanks update info information details story what's who's
    where's when's how's whats whos i i'm i'd i've let let's new old former top senior local chief
    breaking live video photo image watch read related exclusive analysis opinion comment""")
_TITLES = _words("""mr mrs ms dr prof gen col lt maj capt sgt rev sen gov president mayor governor minister
    premier general colonel major captain lieutenant sergeant senator judge father pope king queen
    prince princess chancellor commander deputy patriarch bishop archbishop sheikh imam rabbi
    ambassador sir lord lady dame secretary spokesman spokeswoman admiral marshal prime chief professor
    head leader chairman director prosecutor""")

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
_LIGHT_VERBS = _words("happen happened happens happening occur occurred occurs occurring do does did done "
                      "doing get gets got gotten getting")
_NOT_VERB = STOP_WORDS | _AUX | _WH | _LIGHT_VERBS | _NUMBER_WORDS | _words("else ago not n't")
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
    | what\s+do\s+you\s+know\s+about
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


def _phrase_kind(phrase: list[str]) -> str | None:
    """The kind asked for by a noun phrase: its head's, else the last listed noun in it
    ("which party controls…" when the verb was taken into the phrase)."""
    for word in reversed(phrase):
        kind = _noun_kind(word)
        if kind is not None:
            return kind
    return None


def _named_kind(w: list[str], phrase: list[str], end: int) -> str | None:
    """For "the name of the bank" / "the bank's name": the kind of the named thing, else person."""
    if end < len(w) and w[end] == "of":
        inner, _ = _noun_phrase(w, end + 1)
        return _phrase_kind(inner) or "person"
    return _phrase_kind(phrase[:-1]) or "person"


def _np_kind(w: list[str], i: int) -> str | None:
    phrase, end = _noun_phrase(w, i)
    if not phrase:
        return None
    if phrase[-1] in ("name", "names"):
        return _named_kind(w, phrase, end)
    if phrase[0] in ("kind", "type", "sort", "form", "brand", "model", "make", "variety") and end < len(w) and w[end] == "of":
        inner, _ = _noun_phrase(w, end + 1)  # "what kind of pistol": whatever the thing is
        return _phrase_kind(inner)
    return _phrase_kind(phrase)


def _who_be(w: list[str], i: int) -> str:
    """"who is/was …": a person, or a description of a named one ("who is Saldo")."""
    rest = w[i:]
    if not rest:
        return "person"
    first = rest[0]
    if first in ("he", "she", "they", "it", "this", "that", "him", "her", "them"):
        return "definition"
    if _verbish(first) or first.endswith("ly") or first in _PERSON_PREDICATES or first in STOP_WORDS and first not in _DETS:
        return "person"
    phrase, end = _noun_phrase(w, i)
    if any(_noun_kind(word) == "person" for word in phrase):
        return "person"  # "who is the (Russian-backed) leader of…"
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
        return _named_kind(w, phrase, end)
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
            return _who_be(w, i + 2)
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
    elif nxt == "of":
        kind = _np_kind(w, i + 2)
    elif nxt in ("one", "ones") and i + 2 < n and w[i + 2] == "of":
        kind = _np_kind(w, i + 3)  # "which one of the banks"
    elif nxt not in _AUX and nxt not in ("happened", "happens", "happen"):
        kind = _np_kind(w, i + 1)
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
_HYPHEN_MODIFIER = re.compile(r"-[a-z]+$")  # "Russian-backed", "Moscow-installed"


def _particle_joins(tokens: list[tuple[str, str, str]], k: int) -> bool:
    """Whether the particles from tokens[k] on are followed by a capitalised word ("von der Leyen")."""
    stop = min(len(tokens), k + 4)
    while k < stop and tokens[k][2] in _PARTICLES:
        k += 1
    return k < len(tokens) and tokens[k][1][0].isupper()


def _shouted_common(word: str) -> bool:
    base = _base(word)
    return base in _COMMON or base in _AUX or base in _NOUN_KIND or base in _NUMBER_WORDS or _verbish(base) \
        or base in _CONTRACTIONS or base in _LIGHT_VERBS


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
            if "-" in surface and _HYPHEN_MODIFIER.search(surface) is not None:
                # "Kremlin-appointed", "Nova Kakhovka-based": the name before the modifier, as if
                # written apart; "Russian-backed" has none.
                prefix = surface.split("-", 1)[0]
                if prefix.lower() in _COMMON or prefix.lower() in _DEMONYMS or not prefix[:1].isupper():
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
            if (base in _COMMON and not (len(surface) > 1 and surface.isupper())) or base in _DEMONYMS \
                    or (k == 0 and (low in _AUX or _verbish(low))) or surface == "I" \
                    or (base in _TITLES and k + 1 < n and tokens[k + 1][1][0].isupper()):
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
                while j < n and j < k + 6 and (caps[j] or w[j] in _PRONOUNS):
                    j += 1
            elif j < n and w[j] in _DETS:
                j += 1
                skipped = 0
                while j < n and skipped < 4 and (caps[j] or "-" in w[j]):
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
# Spans of the asked kind in a sentence
#
# found() runs on every candidate sentence, so each finder is one or two scans of patterns that
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
                if word.rstrip(".").lower() in _TITLES:
                    titled = k
            if titled >= 0:
                name = words[titled + 1:]  # "Russian President Vladimir Putin": the name after the title
            else:
                k = 0
                while k < len(words) and (words[k].lower() in _COMMON or words[k].lower() in _DEMONYMS
                                          or words[k].isupper() or _HYPHEN_MODIFIER.search(words[k])):
                    k += 1
                end = len(words)
                while end > k and (_clean(words[end - 1]).lower() in _DEMONYMS or words[end - 1].lower() in _STARTERS):
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
        if low in _COMMON or low in _TITLES or low in _PLACE_WORDS or (word.isupper() and len(word) > 1) \
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
    while k < len(words) and (words[k].lower() in _STARTERS or words[k].lower() in _DEMONYMS):
        k += 1
    words = words[k:]
    for k, word in enumerate(words):
        if word.lower() in _STARTERS:
            return words[:k]
    return words


def _not_a_place(word: str) -> bool:
    low = word.lower()
    return low in _COMMON or low in _TITLES or low in _DEMONYMS or ("-" in word and _HYPHEN_MODIFIER.search(word) is not None) \
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
    | \d?(?:st|nd|rd|th)[\s-]+centur(?:y|ies)
    | \d?(?::\d\d)?\s?(?:am|pm|a\.m\.|p\.m\.) | \d?:\d\d
    | \d{0,2}\s+(?:days?|weeks?|months?|years?|decades?)\s+(?:ago|earlier|later|before))\b""", re.X | re.I)
# Dates in words, matched in lower case: months (with a day and year after them), weekdays,
# "yesterday", "last week", "earlier this year", "two days ago", "in the summer of 2022".
_AFTER_MONTH = r"(?:\s+\d{1,2}(?:st|nd|rd|th)?\b)?(?:,?\s+(?:1\d|20)\d\d\b)?"
_PERIOD = (rf"(?:week|weekend|month|year|morning|afternoon|evening|night|{_SEASON}|"
           r"monday|tuesday|wednesday|thursday|friday|saturday|sunday)")
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
       r"at\s+the\s+weekend", r"new\s+year(?:['’]s)?", r"the\s+(?:nineteen|twenty)-\w+s"]) + r"\b")
_CAPITALISED_DATES = _MONTHS | _WEEKDAYS | _words("mondays tuesdays wednesdays thursdays fridays saturdays sundays")


def _dates(sentence: str) -> tuple[str, ...]:
    found: list[tuple[int, int]] = []
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
            if name is None or _HYPHEN_MODIFIER.search(name.group().split(None, 1)[0]):
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
            if name.lower() in _COMMON or word.lower() in _PLACE_PREPS and (begin == 0 or sentence[begin - 1] == "\n"):
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


_FINDERS: dict[str, Callable[[str], tuple[str, ...]]] = {
    "person": _persons, "organisation": _organisations, "place": _places, "number": _numbers,
    "date": _dates, "reason": _reasons, "means": _means, "definition": _definitions,
}


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

    def found(self, sentence: str) -> tuple[str, ...]:
        """The spans of sentence (as written, in order, no repeats) that are of the asked kind;
        empty when the kind is None or "statement", or when there are none."""
        finder = _FINDERS.get(self.kind) if self.kind else None
        return finder(sentence) if finder is not None and sentence else ()


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
    if kind is None and flag is None:
        clause = _CLAUSE_WH.search(text)
        if clause is not None:  # "Kherson, where is it?", "Saldo — who is he?"
            kind = _classify(*_words_of(_tokens(text[clause.end():])), None)
    return Intent(text, kind, names, numbers, _verbs(w, caps))


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
            caps.append(surface[0].isupper() and not (not w and (low in _COMMON or low in _AUX)))
            w.append(low)
    return w, caps
