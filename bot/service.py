"""The answering service shared by the terminal and Telegram: one open index, questions in, answers out."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from bot.answer import RERANK_DEPTH, Answer, Excerpt, best_excerpts, compose
from bot.config import Settings
from bot.intent import analyse
from bot.questions import BadQuestion, clean_question
from index.analysis import analyze
from index.bm25 import BM25Params
from index.indexer import ChunkSize, IndexSummary, index_paths
from index.search import Hit, IndexInfo, Searcher, StoredArticle
from index.store import SchemaMismatch, split_passage_id

log = logging.getLogger(__name__)

# Two or three capitalised words in a row: a person or a place worth asking about.
_NAME = re.compile(r"\b[A-Z][a-z]+(?: [A-Z][a-z]+){1,2}\b")
_NOT_NAMES = frozenset("The A An In On At But And It He She They This That When While After Before".split())

ONLY_COMMON_WORDS = ("That has only very common words, so there is nothing to look up. "
                     "Ask about a person, place or event, e.g. “Who is the mayor of Melitopol?”")


@dataclass(frozen=True)
class SearchPage:
    """One page of /search: hits (one per article) with their snippets."""

    query: str
    hits: list[tuple[Hit, Excerpt]]
    offset: int
    more: bool


class Citebot:
    """An open index and the settings that shape answers."""

    def __init__(self, settings: Settings, searcher: Searcher) -> None:
        self.settings = settings
        self.searcher = searcher
        self.reindex_lock = asyncio.Lock()
        # One question is worked on at a time: the work is CPU-bound under one GIL, so
        # running questions side by side only stretches each one's time.
        self.slot = asyncio.Lock()

    @classmethod
    async def open(cls, settings: Settings, *, build_if_missing: bool = False) -> "Citebot":
        """Open the index; with build_if_missing, first index ARTICLES_DIR if there is no index."""
        if build_if_missing and not Path(settings.index_path).exists():
            log.warning("No index at %s yet: indexing %s", settings.index_path, settings.articles_dir)
            await asyncio.to_thread(build, settings, [settings.articles_dir])
        params = BM25Params(settings.bm25_variant, settings.bm25_k1, settings.bm25_b)
        try:
            searcher = await Searcher.open(settings.index_path, params)
        except SchemaMismatch as old:
            # An index from an older citebot: rebuild it from the files it held (or ARTICLES_DIR).
            paths = [Path(f) for f in old.files if Path(f).exists()] or [settings.articles_dir]
            log.warning("%s: rebuilding it from %d path(s)", old, len(paths))
            await asyncio.to_thread(build, settings, paths)
            searcher = await Searcher.open(settings.index_path, params)
        return cls(settings, searcher)

    async def close(self) -> None:
        await self.searcher.close()

    @staticmethod
    def question(text: str, *, strict: bool = False) -> str:
        """A question fit to search, or BadQuestion saying politely why not."""
        text = clean_question(text, strict=strict)
        if not analyze(text):
            raise BadQuestion(ONLY_COMMON_WORDS)
        return text

    async def ask(self, text: str, *, strict: bool = False) -> Answer:
        """Cited excerpts answering text, or an Answer with no citations."""
        question = self.question(text, strict=strict)
        async with self.slot:
            started = time.perf_counter()
            answer = await answer_question(self.searcher, question, self.settings.answer_threshold)
            return replace(answer, elapsed_ms=(time.perf_counter() - started) * 1000)

    async def search(self, text: str, *, offset: int = 0, limit: int = 5, strict: bool = False) -> SearchPage:
        """Ranked hits, one per article, from offset; snippets cover the query best."""
        query = self.question(text, strict=strict)
        intent = analyse(query)
        result = await self.searcher.search(intent.text, limit=offset + limit + 1, distinct_articles=True)
        page = replace(result, hits=result.hits[offset : offset + limit])
        excerpts = best_excerpts(page, await self.searcher.contexts(page.hits), intent)
        return SearchPage(query, list(zip(page.hits, excerpts)), offset, len(result.hits) > offset + limit)

    async def passage(self, pid: str) -> Hit | None:
        return await self.searcher.passage(pid)

    async def article(self, article_or_passage_id: str) -> StoredArticle | None:
        """The article with that id, or the article of the passage with that id."""
        key = article_or_passage_id.strip()
        article = await self.searcher.article(key)
        if article is None and (parts := split_passage_id(key)):
            article = await self.searcher.article(parts[0])
        return article

    async def info(self) -> IndexInfo:
        return await self.searcher.info()

    async def example_questions(self, n: int = 3) -> list[str]:
        """Questions the articles can answer: about the most named person or place in a few of them."""
        examples: list[str] = []
        for text in await self.searcher.sample_texts(n * 3):
            names = Counter(m.group() for m in _NAME.finditer(text) if m.group().split()[0] not in _NOT_NAMES)
            # A name said at least twice is what the article is about, not a photo credit.
            name = next((name for name, count in names.most_common()
                         if count > 1 and f" {name}?" not in " ".join(examples)), None)
            if name:
                examples.append(f"What do the articles say about {name}?")
            if len(examples) == n:
                break
        return examples or ["What happened in Kherson?"]

    async def reindex(self) -> IndexSummary:
        """Re-index ARTICLES_DIR beside the running service; readers see it on their next question."""
        async with self.reindex_lock:
            return await asyncio.to_thread(build, self.settings, [self.settings.articles_dir])


async def answer_question(searcher: Searcher, question: str, threshold: float) -> Answer:
    """The answer to a cleaned question: what it asks, the passages that may hold it, the sentences that do."""
    intent = analyse(question)
    result = await searcher.search(intent.text, limit=RERANK_DEPTH)
    return compose(result, await searcher.contexts(result.hits), intent, threshold=threshold)


def build(settings: Settings, paths: list[Path], *, rebuild: bool = False, progress: bool | None = None) -> IndexSummary:
    """Index paths into INDEX_PATH with the configured passage size."""
    size = ChunkSize(settings.passage_words, max(settings.passage_words + 10, settings.passage_words * 13 // 10))
    return index_paths(settings.index_path, paths, rebuild=rebuild, chunk_size=size, progress=progress)
