"""Answers to the example questions: the expected words stand in the cited excerpts."""

from pathlib import Path

import pytest

from citebot.bot.answer import Answer, _related, compose
from citebot.bot.intent import analyse
from citebot.bot.questions import BadQuestion, fix_question_words
from citebot.bot.service import Citebot, answer_question
from citebot.index.synonyms import synonyms
from citebot.index.analysis import analyze
from citebot.index.indexer import index_paths
from citebot.index.search import Searcher


async def test_seed_questions(citebot: Citebot, seed_questions: list[dict]) -> None:
    first = any_of_three = 0
    answerable = [q for q in seed_questions if q["answers"]]
    for question in answerable:
        answer = await citebot.ask(question["question"])
        excerpts = [c.excerpt.text for c in answer.citations]
        first += bool(excerpts) and any(a in excerpts[0] for a in question["answers"])
        any_of_three += any(a in e for e in excerpts[:3] for a in question["answers"])
        # Each excerpt is copied from its article (it may run on past its passage), never made up.
        for citation in answer.citations:
            assert citation.excerpt.text in (await citebot.article(citation.hit.article_id)).text
    # The targets of the evaluation (benchmarks/eval_seeds.py): 11 of 12 first, all within three.
    assert first >= len(answerable) - 1
    assert any_of_three == len(answerable)


async def test_a_hyphenated_word_the_articles_only_write_apart_is_not_missing(citebot: Citebot) -> None:
    apart = await citebot.ask("When was the Kremlin appointed official in Nova Kakhovka shot?")
    joined = await citebot.ask("When was the Kremlin-appointed official in Nova Kakhovka shot?")
    assert apart.citations and not joined.unmatched
    assert [c.hit.passage_id for c in joined.citations] == [c.hit.passage_id for c in apart.citations]


async def test_out_of_corpus_questions_get_no_excerpt(citebot: Citebot, seed_questions: list[dict]) -> None:
    unanswerable = [q["question"] for q in seed_questions if not q["answers"]]
    unanswerable += ["What is the boiling point of mercury?", "Recommend a good pizza place in Naples"]
    for question in unanswerable:
        answer = await citebot.ask(question)
        assert not answer.answered, question


@pytest.mark.parametrize("typed, found", [
    ("Who is Stremusov?", "Stremousov"),
    ("What did Fedrof say about unemployment?", "Fedrov"),
    ("Which bank opened in Zaporizhja?", "Zaporizhzhia"),
    ("Makarow pistol", "Makarov"),
])
async def test_misspelt_names_are_found_and_said(citebot: Citebot, typed: str, found: str) -> None:
    answer = await citebot.ask(typed)
    assert answer.answered
    assert any(found in c.excerpt.text for c in answer.citations)
    assert found in answer.searched_instead.values()


async def test_other_spellings_in_the_articles_are_found_too(citebot: Citebot) -> None:
    answer = await citebot.ask("Kirill Stremousov deputy head")
    texts = " ".join(c.excerpt.text for c in answer.citations)
    assert "Stremousov" in texts and "Strimosov" in texts


async def test_query_words_are_marked(citebot: Citebot) -> None:
    answer = await citebot.ask("Where was Saldo flown for toxicology tests?")
    excerpt = answer.citations[0].excerpt
    marked = {excerpt.text[a:b] for a, b in excerpt.marks}
    assert {"Saldo", "flown", "toxicology", "tests"} <= marked


@pytest.mark.parametrize("question", ["", "   ", "the of and", "?!...", "x" * 5000])
async def test_unsearchable_questions_are_refused_politely(citebot: Citebot, question: str) -> None:
    with pytest.raises(BadQuestion) as refusal:
        await citebot.ask(question)
    assert str(refusal.value)


async def test_search_pages_one_hit_per_article(citebot: Citebot) -> None:
    first = await citebot.search("Kherson", limit=2)
    second = await citebot.search("Kherson", offset=2, limit=2)
    ids = [h.article_id for h, _ in first.hits + second.hits]
    assert len(ids) == 4 == len(set(ids))
    assert first.more


async def test_the_answerability_cut_is_respected(bundled_index: Path) -> None:
    async with await Searcher.open(bundled_index) as searcher:
        question = "Where was Saldo flown for toxicology tests?"
        answer = await answer_question(searcher, question, threshold=0.5)
        assert answer.answered and 0.5 <= answer.confidence < 1
        refused = await answer_question(searcher, question, threshold=answer.confidence + 1e-6)
        assert not refused.answered and refused.confidence == answer.confidence


async def _compose(searcher: Searcher, question: str, **options: object) -> Answer:
    intent = analyse(question)
    result = await searcher.search(intent.text, limit=20)
    return compose(result, await searcher.contexts(result.hits), intent, **options)


def _filler(n: int) -> str:
    return " ".join(f"Weather report {i} mentioned rain over the valley farms today." for i in range(n))


def _index(tmp_path: Path, texts: dict[str, str]) -> Path:
    """Write texts as articles (name → text, added to any written before) and index them: the store."""
    articles = tmp_path / "articles"
    articles.mkdir(exist_ok=True)
    for name, text in texts.items():
        (articles / f"{name}.txt").write_text(text)
    index_paths(tmp_path / "index.sqlite", [articles], progress=False)
    return tmp_path / "index.sqlite"


async def test_a_second_place_in_one_article_is_cited_when_no_other_article_answers(tmp_path: Path) -> None:
    store = _index(tmp_path, {
        "harbour": "Harbour notes\n\nThe lighthouse keeper finds a brass compass in the harbour cellar. " + _filler(30)
                   + " Years later the lighthouse keeper finds a brass compass again in the harbour cellar.",
        "farms": "Farm notes\n\n" + _filler(12)})
    async with await Searcher.open(store) as searcher:
        answer = await _compose(searcher, "Where did the lighthouse keeper find the brass compass?")
    assert [c.hit.article_id for c in answer.citations] == ["harbour", "harbour"]
    first, second = (c.excerpt.text for c in answer.citations)
    assert "compass" in first and "compass" in second and first != second
    # Another article that answers takes the slot before a second place in the same article.
    _index(tmp_path, {"museum": "Museum notes\n\nIn the museum the lighthouse keeper finds a brass compass "
                                "from the harbour cellar. " + _filler(3)})
    async with await Searcher.open(store) as searcher:
        answer = await _compose(searcher, "Where did the lighthouse keeper find the brass compass?", max_articles=2)
    assert sorted(c.hit.article_id for c in answer.citations) == ["harbour", "museum"]


async def test_asked_for_a_number_a_further_article_must_give_one_too(tmp_path: Path) -> None:
    rain = " Rain fell over the valley farms all week. The harvest was late again."  # no number
    store = _index(tmp_path, {"census": "Census\n\nBilohirka is a town of around 12,000 people on the river." + rain,
                              "market": "Market\n\nPeople in Bilohirka crowded the market on the river bank." + rain,
                              "count": "Count\n\nAbout 9,000 people in Bilohirka voted, by the river." + rain})
    async with await Searcher.open(store) as searcher:
        answer = await _compose(searcher, "How many people live in Bilohirka by the river?", threshold=0.0)
    cited = [c.hit.article_id for c in answer.citations]
    # The story that only names the town and its people says nothing of how many: it is not quoted.
    assert "market" not in cited and "census" in cited and "count" in cited


async def test_asked_what_was_destroyed_the_excerpt_must_tell_of_destruction(tmp_path: Path) -> None:
    store = _index(tmp_path, {"floods": "Floods\n\nFloods hit the town of Lajeado on Monday. More than 3,000 people "
                                        "were forced from their homes, officials said.",
                              "fire": "Fire\n\nA fire in Varnavas razed 40 homes on Sunday, the fire service said."})
    async with await Searcher.open(store) as searcher:
        floods = await _compose(searcher, "How many homes were destroyed in Lajeado?")
        fire = await _compose(searcher, "How many homes were destroyed in Varnavas?")
    assert not floods.answered  # 3,000 people forced from their homes: no home destroyed
    assert fire.answered and "razed 40 homes" in fire.citations[0].excerpt.text


def test_word_families_are_told_by_their_first_letters() -> None:
    for a, b in [("occupation", "occupied"), ("Russia", "Russian"), ("explosion", "exploded"),
                 ("president", "presidential"), ("prison", "prisoners")]:
        assert _related(analyze(a)[0], analyze(b)[0]), (a, b)
    # Words analysis keeps apart stay apart: an officer is no office.
    for a, b in [("mayor", "mayhem"), ("nation", "natural"), ("Kherson", "Kharkiv"), ("prison", "prism"),
                 ("office", "officer"), ("organ", "organisation")]:
        assert not _related(analyze(a)[0], analyze(b)[0]), (a, b)


async def test_a_word_of_the_same_family_counts_half(tmp_path: Path) -> None:
    store = _index(tmp_path, {"town": "Town notes\n\nRussian troops occupied the town of Bilohirka in March. "
                                      + _filler(4)})
    async with await Searcher.open(store) as searcher:
        family = await _compose(searcher, "When did the occupation of Bilohirka begin?", threshold=0.0)
        apart = await _compose(searcher, "When did the flooding of Bilohirka begin?", threshold=0.0)
    assert "occupied" in family.citations[0].excerpt.text
    assert family.confidence > apart.confidence  # "occupied" holds some of "occupation"; nothing holds "flooding"


async def test_a_synonym_stands_for_a_question_word_the_articles_never_use(tmp_path: Path) -> None:
    store = _index(tmp_path, {"town": "Town notes\n\nThe town of Bilohirka has a population of 12,000. "
                                      "Its market sells fish and grain. " + _filler(4)})
    async with await Searcher.open(store) as searcher:
        synonym = await _compose(searcher, "How many inhabitants does Bilohirka have?", threshold=0.0)
        unrelated = await _compose(searcher, "How many dentists does Bilohirka have?", threshold=0.0)
    assert "12,000" in synonym.citations[0].excerpt.text
    # The articles never say "inhabitants": the search looked for its synonym, and says so.
    assert synonym.searched_instead == {"inhabitants": "population"}
    # "population" stands for "inhabitants"; nothing in the articles stands for "dentists".
    assert synonym.confidence > unrelated.confidence


def test_synonyms_are_narrow_news_equivalents() -> None:
    table = synonyms()
    for a, b in [("inhabitants", "population"), ("killed", "assassinated"), ("jail", "prison"), ("fire", "blaze"),
                 ("fought", "battled"),
                 ("car", "vehicle"), ("spy", "intelligence"), ("collaborators", "proxy")]:
        assert analyze(b)[0] in table[analyze(a)[0]], (a, b)
    # One way only: "people" answers "how many residents", "head" answers "what position"; not back.
    for asking, answering in [("residents", "people"), ("position", "head"), ("role", "mayor"), ("weapon", "pistol"),
                              ("currency", "ruble"), ("crime", "treason"), ("illnesses", "stroke"), ("relative", "wife"),
                              ("runs", "head"), ("voice", "spokesman"), ("deep", "depth"), ("tall", "height"),
                              ("asked", "demanded")]:
        assert analyze(answering)[0] in table[analyze(asking)[0]], (asking, answering)
        assert analyze(asking)[0] not in table.get(analyze(answering)[0], frozenset()), (answering, asking)
    # A group is not a thesaurus: no word stands for its opposite or for a mere neighbour.
    for a, b in [("killed", "defeated"), ("rise", "fall"), ("doctor", "nurse"), ("city", "country")]:
        assert analyze(b)[0] not in table.get(analyze(a)[0], frozenset()), (a, b)


async def test_a_synonym_counts_in_choosing_and_trusting_the_excerpt(citebot: Citebot) -> None:
    # The article says "proxy leaders": a collaborator is what a news story calls a Kremlin proxy.
    answer = await citebot.ask("How big were the bounties for killing collaborators?")
    assert answer.answered and "$10,000" in answer.citations[0].excerpt.text


@pytest.mark.parametrize("typed, meant", [
    ("Hwo is Saldo?", "Who is Saldo?"), ("Waht is HIMARS?", "What is HIMARS?"),
    ("Wher was Saldo flown for toxicology tests?", "Where was Saldo flown for toxicology tests?"),
    ("wich party's office was attacked in Nova Kakhovka?", "which party's office was attacked in Nova Kakhovka?"),
])
async def test_a_misspelt_question_word_is_read_as_meant(citebot: Citebot, typed: str, meant: str) -> None:
    assert fix_question_words(typed, lambda word: False) == meant
    answer, right = await citebot.ask(typed), await citebot.ask(meant)
    assert answer.answered and [c.excerpt.text for c in answer.citations] == [c.excerpt.text for c in right.citations]


def test_a_question_word_is_not_made_of_a_real_word_or_a_name() -> None:
    for text in ["Wat is HIMARS?", "Whos there", "Hoa Binh province", "Ho is Saldo?", "Saldo?", "Wen Jiabao said"]:
        assert fix_question_words(text, lambda word: False) == text
    assert fix_question_words("Hwo Kherson", lambda word: word == "Hwo") == "Hwo Kherson"  # the articles use it


async def test_an_acronym_the_articles_only_spell_out_is_not_a_missing_name(tmp_path: Path) -> None:
    store = _index(tmp_path, {"iaea": "Nuclear watchdog warns\n\nThe International Atomic Energy Agency said on "
                                      "Monday that the Zaporizhzhia plant had lost power again. " + _filler(4)})
    async with await Searcher.open(store) as searcher:
        spelt = await _compose(searcher, "What did the IAEA say about the Zaporizhzhia plant?")
        other = await _compose(searcher, "What did the OSCE say about the Zaporizhzhia plant?")
    assert spelt.citations and "International Atomic Energy Agency" in spelt.citations[0].excerpt.text
    assert not other.citations  # letters nothing in the article spells: a name the articles lack


@pytest.mark.parametrize("question, expected", [
    # The name is in the sentence after the one that matches the question's words.
    ("Which pro-Russian mayor was put into an induced coma?", "Volodymyr Saldo"),
    ("Who was shot as he stepped out of his apartment block?", "Vitaly Gur"),
    # Asked who holds a role: the sentence describing the role names nobody; the next opens with him.
    ("Who was the deputy head of Nova Kakhovka who was shot?", "Vitaly Gur"),
    # The asked-for weapon is two sentences on.
    ("What gun was used to shoot Gur?", "Makarov"),
])
async def test_the_excerpt_reaches_the_sentence_with_what_is_asked(citebot: Citebot, question: str,
                                                                    expected: str) -> None:
    answer = await citebot.ask(question)
    assert answer.answered and expected in answer.citations[0].excerpt.text


async def test_a_thing_of_the_asked_kind_counts_most_beside_the_asked_noun(citebot: Citebot) -> None:
    """"Which party": an organisation written beside "party" is the answer; one elsewhere in the
    sentence ("FSB officers") counts for half."""
    from citebot.bot.answer import AWAY_FROM_HEAD, _Question
    searcher = citebot.searcher
    intent = analyse("Which party's office was attacked in Nova Kakhovka?")
    question = _Question(await searcher.search(intent.text, limit=10), intent)
    assert question.new_kind("an attack on an office of the Russian ruling party United Russia") == 1.0
    assert question.new_kind("In addition to attacks on the party, there are also other incidents in which Russian "
                             "soldiers or FSB officers mysteriously die") == AWAY_FROM_HEAD
    assert question.new_kind("a party office in the town of Polohy was attacked") == 0.0


async def test_a_question_about_an_event_is_answered_by_a_sentence_telling_of_it(citebot: Citebot) -> None:
    """A birth, a death, a founding... asked about: the excerpt must speak of it (or give a life's years)."""
    from citebot.bot.answer import _EVENTS, _LIFE_YEARS
    assert any("born" in asks for asks, _ in _EVENTS) and _LIFE_YEARS.search("Zhu Shijie (1249–1314) solved")
    answer = await citebot.ask("Where did Vitaly Gur die?")
    assert "died" in answer.citations[0].excerpt.text
    # Told in other words: "blown up in his car" tells of a death, and holds the asked verb.
    answer = await citebot.ask("How did Dmitry Savluchenko die?")
    assert answer.citations and "blown up" in answer.citations[0].excerpt.text
    # What happened to someone: a sentence telling what befell them, not one that only names them.
    answer = await citebot.ask("What happened to Saldo?")
    assert answer.answered and "sent to Crimea" in answer.citations[0].excerpt.text
    # News events the articles never tell of these people: a sentence naming them and a date, a
    # number or a place is no answer.
    for question in ["When was Fedorov elected mayor?", "How many people were arrested in Melitopol?",
                     "Where is Kirill Stremousov buried?",
                     "How many bank branches did Promsvyazbank close?"]:  # opened, and "three bank branches"
        assert not (await citebot.ask(question)).answered, question


async def test_an_abbreviation_is_expanded_from_the_articles(citebot: Citebot) -> None:
    answer = await citebot.ask("What does NRC stand for?")
    assert "National Resistance Center" in answer.citations[0].excerpt.text
    assert "Special Operations Forces" in (await citebot.ask("what does SSO stand for")).citations[0].excerpt.text
    assert "National Resistance Center" in (await citebot.ask("What is the NRC short for?")).citations[0].excerpt.text
    # The articles use HIMARS but never spell it out: no sentence answers.
    assert not (await citebot.ask("What does HIMARS stand for?")).answered


async def test_the_holder_of_a_role_is_quoted_when_named_beside_it(citebot: Citebot) -> None:
    answer = await citebot.ask("Who is the exiled mayor of Melitopol?")
    assert "Ivan Fedorov" in answer.citations[0].excerpt.text


@pytest.mark.parametrize("question, post", [
    ("What position did Savluchenko hold?", "the head of the region’s Department of Youth and Sports"),
    ("What post does Budanov hold?", "the head of Ukraine’s intelligence agency")])
async def test_asked_for_a_post_a_sentence_naming_ones_post_answers(citebot: Citebot, question: str, post: str) -> None:
    """ "position" or "post" is not in the sentence: the word for the post ("head") stands for it."""
    answer = await citebot.ask(question)
    assert answer.answered and post in answer.citations[0].excerpt.text


async def test_a_sentence_leaning_on_the_one_before_brings_it_along(citebot: Citebot) -> None:
    answer = await citebot.ask("Which pro-Russian mayor was put into an induced coma?")
    excerpt = answer.citations[0].excerpt.text
    assert not excerpt.startswith("It came")  # "It" needs the sentence before it


async def test_a_quotation_opening_a_paragraph_does_not_bring_the_paragraph_above_along(citebot: Citebot) -> None:
    # '“He has died,” Leontiev said' follows a paragraph about the Makarov pistol: its "he" is Saldo.
    answer = await citebot.ask("What did Leontiev say about Saldo?")
    excerpt = answer.citations[0].excerpt.text
    assert excerpt.startswith("“He has died") and "Makarov" not in excerpt



@pytest.mark.parametrize("question, described", [
    ("Who is Vitaly Gur?", "deputy head of the town of Nova Kakhovka"),
    ("Who is Saldo?", "pro-Russia mayor of Kherson city"),
    ("What is Crimea SOS?", "A charity working in Crimea"),  # the sentence before names Crimea, not Crimea SOS
])
async def test_asked_who_someone_is_the_sentence_describing_them_before_naming_them_comes_along(
        citebot: Citebot, question: str, described: str) -> None:
    # "Yesterday, the Moscow-installed deputy head of the town… was shot… Vitaly Gur died…": the
    # story describes him first and names him after.
    excerpt = (await citebot.ask(question)).citations[0].excerpt.text
    assert described in excerpt and question.split()[-1].rstrip("?") in excerpt


async def test_where_a_place_is_is_told_beside_its_name(citebot: Citebot) -> None:
    # Not "…a car bomb detonated in Nova Kakhovka. …other incidents… in the occupied territories":
    # the place in the next sentence is where something else happened.
    excerpt = (await citebot.ask("Where is Nova Kakhovka?")).citations[0].excerpt.text
    assert "Nova Kakhovka near Kherson" in excerpt


async def test_a_sentence_opening_with_a_time_phrase_stands_on_its_own(citebot: Citebot) -> None:
    # "This week, the head of Ukraine's intelligence agency, Kirillo Budanov, said…": "This week"
    # says when, not whom; the quotation ending the paragraph above is not brought along.
    from citebot.bot.answer import _LEANS
    assert not any(_LEANS.match(opening) for opening in ("This week, the", "That night he", "These days we"))
    assert all(_LEANS.match(opening) for opening in ("This is why", "That was", "Such a move", "It came"))
    excerpt = (await citebot.ask("Who is Kirillo Budanov?")).citations[0].excerpt.text
    assert excerpt.startswith("This week, the head of Ukraine")
@pytest.mark.parametrize("question", [
    "Who is the mayor of London?",  # a name the articles never use
    "What is the price of bitcoin?",  # one known common word beside an unknown one
    "How old is Volodymyr Saldo?",  # the articles name him but give no age
    "Who is the governor of the Mykolaiv region?",  # the articles name the region, never its governor
    "When was Kherson founded?",
    "Tell me about the code",
    "How many people live in Mykolaiv?",  # the sentence about Mykolaiv gives a distance, not a count
    "What is the distance from Kherson to Odessa?",  # a sentence naming both gives no distance
    "Who is the mayor of Mariupol?",  # the sentence names his adviser, not beside "mayor"
    "Who is the British defence secretary?",  # the ministry speaks; no one holds the role in the articles
    "Where was Ivan Fedorov born?",  # the articles name him and places, never his birth
    "When was United Russia founded?",  # named, with dates, never founded
])
async def test_questions_the_articles_do_not_answer_are_declined(citebot: Citebot, question: str) -> None:
    assert not (await citebot.ask(question)).answered


@pytest.mark.parametrize("question", ["hey bot, who is Saldo?", "whats the story with saldo",
                                      "<b>Who</b> is the mayor of Melitopol?"])
async def test_filler_around_a_question_does_not_stop_an_answer(citebot: Citebot, question: str) -> None:
    answer = await citebot.ask(question)
    assert answer.answered and ("Saldo" in answer.citations[0].excerpt.text
                                or "Fedorov" in answer.citations[0].excerpt.text)


async def test_boilerplate_is_never_quoted(tmp_path: Path) -> None:
    store = _index(tmp_path, {"story": "Harbour fire\n\nBy Anna Lighthouse and Brass Compass, Harbour News\n\n"
                                       "A fire broke out in the harbour cellar on Monday. Firefighters put it out "
                                       "within an hour. " + _filler(8)
                                       + "\n\nAnna Lighthouse and Brass Compass contributed to this report."})
    async with await Searcher.open(store) as searcher:
        answer = await _compose(searcher, "Who are Anna Lighthouse and Brass Compass?", max_articles=3)
        assert all("contributed" not in c.excerpt.text and not c.excerpt.text.startswith("By ")
                   for c in answer.citations)
