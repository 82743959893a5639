"""Sentence splitting and chunking: whole sentences, one of overlap, offsets into the text."""

from citebot.bot.config import BUNDLED_ARTICLES
from citebot.index.passages import chunk, sentences


def test_sentences_respect_abbreviations_and_quotes() -> None:
    text = "Mr. Saldo was flown to Moscow. “He has died,” he said. Dr. Who? Yes! U.S. officials agreed."
    got = [text[s.start:s.end] for s in sentences(text)]
    assert got == ["Mr. Saldo was flown to Moscow.", "“He has died,” he said.", "Dr. Who?", "Yes!",
                   "U.S. officials agreed."]


def test_chunks_have_whole_sentences_and_overlap_by_one() -> None:
    text = " ".join(f"Sentence number {i} has exactly seven words." for i in range(40))
    passages = chunk(text, target_words=30, max_words=40)
    assert len(passages) > 3
    for passage in passages:
        piece = text[passage.start:passage.end]
        assert piece.startswith("Sentence") and piece.endswith(".")
        assert len(piece.split()) <= 40
    for left, right in zip(passages, passages[1:]):
        last_sentence = text[left.start:left.end].rsplit("Sentence", 1)[1]
        assert text[right.start:right.end].startswith("Sentence" + last_sentence)


def test_sentence_longer_than_a_chunk_is_cut_at_words() -> None:
    text = " ".join(["word"] * 250) + "."
    passages = chunk(text, target_words=100, max_words=120)
    assert all(len(text[p.start:p.end].split()) <= 120 for p in passages)
    assert text[passages[-1].start:passages[-1].end].endswith("word.")


def test_bundled_articles_are_covered_completely() -> None:
    for path in BUNDLED_ARTICLES.glob("*.txt"):
        text = path.read_text(encoding="utf-8")
        passages = chunk(text)
        assert passages[0].start == 0 or not text[:passages[0].start].strip()
        assert not text[passages[-1].end:].strip()
        for left, right in zip(passages, passages[1:]):
            assert right.start <= left.end  # overlap, no gap
