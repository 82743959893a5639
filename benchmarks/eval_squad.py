"""SQuAD v1.1 dev as a citation test: is a gold answer in the excerpt citebot quotes?

Each of the 48 titles becomes one article (its paragraphs joined by blank
lines), written to a temporary .jsonl and indexed by citebot. For every
question, citebot answers as the bot does (search limit=20, then compose):
a hit when any gold answer string stands in the first citation's excerpt, or
in any of the first three. rank-bm25 and bm25s rank citebot's own passages
(read back from the store, same analyze() tokens) and are judged on whole
passages, a looser test than citebot's excerpts of one to three sentences.

    python benchmarks/eval_squad.py [--data DIR] [--limit N] [--baseline-limit N] [--sweep 0.3,0.4,0.5,0.6]

--sweep also indexes half of the articles and reports, per answerability
cut (ANSWER_THRESHOLD), the hits on questions about indexed articles against
the false answers given to questions about held-out ones.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (DEFAULT_DATA, BM25sEngine, CitebotEngine, Latency, RankBM25Engine, header,  # noqa: E402
                    index_citebot, markdown_table, store_passages, store_titles, workdir)

from citebot.index.analysis import analyze  # noqa: E402

from citebot.bot.answer import RERANK_DEPTH as ASK_LIMIT  # noqa: E402  what the bot searches for before composing


@dataclass
class Question:
    id: str
    title: str
    text: str
    answers: list[str]


@dataclass
class Tally:
    """Hits at rank 1 and within the first three for one engine."""

    engine: str
    judged_on: str
    n: int = 0
    top1: int = 0
    top3: int = 0
    answered: int = 0
    right_article: int = 0
    latency: Latency = field(default_factory=Latency)

    def cells(self) -> list[object]:
        share = (lambda x: x / self.n) if self.n else (lambda x: float("nan"))
        return [self.engine, self.judged_on, self.n, share(self.top1), share(self.top3),
                share(self.answered) if self.answered >= 0 else None,
                share(self.right_article), self.latency.qps, self.latency.p50_ms]


def normalise(text: str) -> str:
    """NFKC (as citebot cleans article text), case-folded, white space collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def has_answer(text: str, answers: Sequence[str]) -> bool:
    body = normalise(text)
    return any(answer in body for answer in answers)


def load_squad(path: Path) -> tuple[list[dict[str, str]], list[Question]]:
    """Articles (id, title, text) and questions, answers normalised and deduplicated."""
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    articles, questions = [], []
    for article in data:
        title = article["title"]
        paragraphs = [p["context"] for p in article["paragraphs"]]
        articles.append({"id": title, "title": title.replace("_", " "), "text": "\n\n".join(paragraphs)})
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                answers = sorted({normalise(a["text"]) for a in qa["answers"] if a["text"].strip()})
                questions.append(Question(qa["id"], title, qa["question"], answers))
    return articles, questions


LOSSES = {
    "hit": "answered; the first excerpt holds a gold answer",
    "narrow": "answered; the cited passage holds the answer but the excerpt left it out",
    "wrong": "answered; the cited passage does not hold the answer",
    "refused": "not answered, though the top passage held the answer",
    "missed": "not answered; the top passage did not hold the answer either",
}


def classify(answer: Any, top_passage: str | None, answers: Sequence[str]) -> str:
    """Where a question was won or lost, as a key of LOSSES."""
    if not answer.citations:
        return "refused" if top_passage is not None and has_answer(top_passage, answers) else "missed"
    first = answer.citations[0]
    if has_answer(first.excerpt.text, answers):
        return "hit"
    return "narrow" if has_answer(first.hit.text, answers) else "wrong"


def run_citebot(store: Path, questions: Sequence[Question], threshold: float) -> tuple[Tally, Tally, Counter[str]]:
    """citebot's answers (excerpts), its top passages from the same searches, and where answers were lost."""
    excerpts = Tally("citebot", "excerpt of cited sentences (compose)")
    passages = Tally("citebot (ranking only)", "whole passage (search hits)")
    excerpts.answered = 0
    passages.answered = -1
    losses: Counter[str] = Counter()
    engine = CitebotEngine(store)
    try:
        for q in questions:
            start = time.perf_counter()
            answer = engine.ask(q.text, threshold)
            excerpts.latency.seconds.append(time.perf_counter() - start)
            result = engine.search_result(answer.query, ASK_LIMIT)
            cited = [c.excerpt.text for c in answer.citations]
            excerpts.n += 1
            excerpts.top1 += bool(cited) and has_answer(cited[0], q.answers)
            excerpts.top3 += any(has_answer(text, q.answers) for text in cited[:3])
            excerpts.answered += answer.answered
            excerpts.right_article += bool(answer.citations) and answer.citations[0].hit.article_id == q.title
            hits = result.hits
            losses[classify(answer, hits[0].text if hits else None, q.answers)] += 1
            passages.n += 1
            passages.top1 += bool(hits) and has_answer(hits[0].text, q.answers)
            passages.top3 += any(has_answer(h.text, q.answers) for h in hits[:3])
            passages.right_article += bool(hits) and hits[0].article_id == q.title
    finally:
        engine.close()
    return excerpts, passages, losses


def run_baseline(engine: RankBM25Engine | BM25sEngine, texts: Sequence[str], articles: Sequence[str],
                 questions: Sequence[Question]) -> Tally:
    tally = Tally(engine.name, "whole passage")
    tally.answered = -1
    for q in questions:
        start = time.perf_counter()
        best, _ = engine.search(q.text, 3)
        tally.latency.seconds.append(time.perf_counter() - start)
        tally.n += 1
        tally.top1 += len(best) > 0 and has_answer(texts[best[0]], q.answers)
        tally.top3 += any(has_answer(texts[i], q.answers) for i in best[:3])
        tally.right_article += len(best) > 0 and articles[best[0]] == q.title
    return tally


def threshold_sweep(articles: list[dict[str, str]], questions: list[Question], folder: Path,
                    thresholds: list[float], sample: int, rng: random.Random) -> str:
    """Answerability cuts: hits on questions whose article is indexed vs false answers on held-out ones."""
    titles = sorted(a["id"] for a in articles)
    rng.shuffle(titles)
    kept = set(titles[: len(titles) // 2])
    corpus = folder / "squad-half.jsonl"
    with open(corpus, "w", encoding="utf-8") as handle:
        for article in articles:
            if article["id"] in kept:
                handle.write(json.dumps(article, ensure_ascii=False) + "\n")
    index_citebot(folder / "squad-half.sqlite", [corpus])
    inside = [q for q in questions if q.title in kept]
    outside = [q for q in questions if q.title not in kept]
    inside = rng.sample(inside, min(sample, len(inside)))
    outside = rng.sample(outside, min(sample, len(outside)))
    engine = CitebotEngine(folder / "squad-half.sqlite")
    try:
        # Answered at any cut from one run: the citations do not depend on it, only whether any are given.
        found = [engine.ask(q.text, threshold=1e-9) for q in inside]
        foreign = [engine.ask(q.text, threshold=1e-9) for q in outside]
    finally:
        engine.close()
    rows = []
    for threshold in thresholds:
        answered = [a for a in found if a.confidence >= threshold]
        hits = sum(has_answer(a.citations[0].excerpt.text, q.answers) for a, q in zip(found, inside)
                   if a.confidence >= threshold)
        false = sum(a.confidence >= threshold for a in foreign)
        rows.append([threshold, hits / len(inside), len(answered) / len(inside), false / len(outside)])
    return (f"\n### answerability cut (ANSWER_THRESHOLD): answers vs false answers\n\nIndex holds {len(kept)} of the "
            f"{len(titles)} articles (seeded split); {len(inside)} questions about indexed articles, "
            f"{len(outside)} about held-out ones (which should get no answer).\n\n"
            + markdown_table(["cut", "indexed: first excerpt holds answer", "indexed: answered",
                              "held out: answered (false answers)"], rows, digits=[2, 4, 4, 4]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="benchmarks folder holding squad/")
    parser.add_argument("--workdir", type=Path, help="keep the .jsonl and index here instead of a temporary folder")
    parser.add_argument("--limit", type=int, help="only N questions (a seeded random sample; quick run)")
    parser.add_argument("--baseline-limit", type=int,
                        help="judge the baselines on a seeded sample of N of those questions")
    parser.add_argument("--threshold", type=float, default=0.5, help="the answerability cut (ANSWER_THRESHOLD)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--sweep", help="also sweep answerability cuts, e.g. 0.3,0.4,0.5,0.6,0.7, on a half "
                                        "index (questions about held-out articles must go unanswered)")
    parser.add_argument("--sweep-sample", type=int, default=1500, help="questions per side for --sweep")
    args = parser.parse_args(argv)

    articles, questions = load_squad(args.data / "squad" / "dev-v1.1.json")
    total = len(questions)
    rng = random.Random(args.seed)
    if args.limit and args.limit < total:
        questions = sorted(rng.sample(questions, args.limit), key=lambda q: q.id)
    baseline_questions = questions
    if args.baseline_limit and args.baseline_limit < len(questions):
        baseline_questions = rng.sample(questions, args.baseline_limit)

    print(header("SQuAD v1.1 dev: is a gold answer in what citebot cites?", argv and ["eval_squad.py", *argv]))
    with workdir(args.workdir, "citebot-squad-") as folder:
        corpus = folder / "squad-dev.jsonl"
        with open(corpus, "w", encoding="utf-8") as handle:
            for article in articles:
                handle.write(json.dumps(article, ensure_ascii=False) + "\n")
        store = folder / "squad.sqlite"
        build_s, summary = index_citebot(store, [corpus])
        print(f"- {len(articles)} articles → {summary.passages} citebot passages (built in {build_s:.1f} s); "
              f"{len(questions)} of {total} questions"
              + (f" (seeded sample, seed {args.seed})" if len(questions) < total else ""))
        print(f"- citebot: the bot's own answer_question (search, stored sentences, answerability cut {args.threshold}); "
              "a hit = a gold answer (NFKC, case-folded) stands in the citation's excerpt (1-3 sentences)")
        print("- baselines rank citebot's own passages (same analyze() tokens, the title added to each article's "
              "first passage as citebot does) and are judged on the WHOLE passage text: an easier test than "
              "citebot's excerpts")
        if len(baseline_questions) < len(questions):
            print(f"- baselines judged on a seeded sample of {len(baseline_questions)} of the questions")
        print("- top-3: citebot cites other articles first (only ones scoring ≥ half the best), and a second place in "
              "an article already cited only when it covers ≥ 0.9 of the question; the ranking rows count the top "
              "three passages, any article")
        print("- citebot (ranking only) = the same searches judged like the baselines (top passages, whole text)")
        print("- right article = the first citation / passage comes from the question's own article\n")

        citebot, ranking, losses = run_citebot(store, questions, args.threshold)
        rows = [citebot, ranking]
        passages = store_passages(store)
        titles = store_titles(store)
        texts = [text for _, _, text in passages]
        owners = [article for _, article, _ in passages]
        tokens = [analyze(text) + (analyze(titles[article]) if pid.endswith(":0") else [])
                  for pid, article, text in passages]
        for engine in (RankBM25Engine(tokens), BM25sEngine(tokens, k1=1.5), BM25sEngine(tokens, k1=1.2)):
            rows.append(run_baseline(engine, texts, owners, baseline_questions))
        sweep = ""
        if args.sweep:
            sweep = threshold_sweep(articles, questions, folder, [float(t) for t in args.sweep.split(",")],
                                    args.sweep_sample, random.Random(args.seed))

    print(markdown_table(["engine", "judged on", "questions", "top-1", "top-3", "answered", "right article",
                          "QPS", "p50_ms"], [r.cells() for r in rows], digits=[0, 0, 0, 4, 4, 4, 4, 1, 2]))
    print("\ncitebot QPS includes composing the answer (runs of sentences over the top hits); baselines only rank.")
    best = max(rows[2:], key=lambda r: r.top1)
    verdict = "above" if citebot.top1 / citebot.n > best.top1 / best.n else "NOT above"
    print(f"citebot first-excerpt share {citebot.top1 / citebot.n:.4f} is {verdict} the best baseline's top-1 "
          f"passage share ({best.engine}: {best.top1 / best.n:.4f}); first three: {citebot.top3 / citebot.n:.4f} vs "
          f"{max(r.top3 / r.n for r in rows[2:]):.4f}")
    print("\n### Where citebot's first citation won or lost\n")
    print(markdown_table(["outcome", "questions", "share"],
                         [[text, losses[key], losses[key] / citebot.n] for key, text in LOSSES.items()],
                         digits=[0, 0, 4]))
    if sweep:
        print(sweep)
    return 0


if __name__ == "__main__":
    sys.exit(main())
