"""Learn bot/answerability.txt: when does the best candidate excerpt answer the question?

Public data only: SQuAD v1.1 dev, split by article. Some articles are
indexed; questions about them are the positives, questions about the
withheld ones the negatives (the index cannot answer them, however many
words they share with it). Several seeded splits are pooled, of two sizes:
half the articles (a large archive, where a word the index lacks says much)
and four (a small one like the bundled articles, which lacks many ordinary
words a reader may use). The features
are the ones compose() computes (bot/answerability.py: coverage, names,
verbs, the asked kind, margin, unknown words, the BM25 score as a share of
the ideal one...). Logistic regression by Newton's method with a little L2,
in NumPy. The negatives' weight is raised until, at the probability cut 0.5
(ANSWER_THRESHOLD), at most --max-false of the withheld questions would be
answered on the training splits.

    python benchmarks/train_answerability.py [--data DIR] [--sizes 24,24,4,4,4,4] [--per-side 800] [--write]

Without --write it prints the weights and the fit; with it, it rewrites
bot/answerability.txt. Splits use seeds 101, 102, ...: eval_squad.py's
sweep (seed 13) is held out from training.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DEFAULT_DATA, header, index_citebot, markdown_table, workdir  # noqa: E402
from eval_squad import load_squad  # noqa: E402

from citebot.bot.answer import RERANK_DEPTH, rank_candidates, reachable  # noqa: E402
from citebot.bot.answerability import NAMES, WEIGHTS, Features, Model, ruled_out  # noqa: E402
from citebot.bot.intent import analyse  # noqa: E402
from citebot.index.search import Searcher  # noqa: E402

CUT = 0.5


async def features_of(store: Path, questions: list[str]) -> list[Features | None]:
    """The best candidate's features for each question, as compose() sees them (None: no candidate)."""
    out: list[Features | None] = []
    async with await Searcher.open(store) as searcher:
        for text in questions:
            intent = analyse(text)
            result = await searcher.search(intent.text, limit=RERANK_DEPTH)
            _, _, features = rank_candidates(result, await searcher.contexts(reachable(result.hits)), intent)
            out.append(features)
    return out


def fit(x: np.ndarray, y: np.ndarray, weight: np.ndarray, l2: float = 1e-3, rounds: int = 50) -> np.ndarray:
    """Weighted logistic regression (bias first) by Newton's method on standardised features."""
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    z = np.hstack([np.ones((len(x), 1)), (x - mean) / scale])
    beta = np.zeros(z.shape[1])
    ridge = l2 * np.eye(z.shape[1])
    ridge[0, 0] = 0.0
    for _ in range(rounds):
        p = 1 / (1 + np.exp(-np.clip(z @ beta, -60, 60)))
        gradient = z.T @ (weight * (p - y)) + ridge @ beta
        hessian = (z * (weight * p * (1 - p))[:, None]).T @ z + ridge
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-9:
            break
    # Back to raw features: sigmoid(b0 + Σ b_i (x_i - m_i) / s_i).
    weights = beta[1:] / scale
    return np.concatenate([[beta[0] - (weights * mean).sum()], weights])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="benchmarks folder holding squad/")
    parser.add_argument("--sizes", default="24,24,4,4,4,4", help="articles indexed in each seeded split")
    parser.add_argument("--per-side", type=int, default=800, help="questions sampled per side per split")
    parser.add_argument("--max-false", type=float, default=0.04, help="withheld questions answered at the cut")
    parser.add_argument("--write", action="store_true", help=f"rewrite {WEIGHTS.name}")
    args = parser.parse_args(argv)
    source = args.data / "squad" / "dev-v1.1.json"
    if not source.exists():
        print(f"No SQuAD data at {source} (see ../shared/benchmarks/SOURCES.md); nothing to train on.")
        return 1
    articles, questions = load_squad(source)
    print(header("Answerability model: logistic regression on SQuAD dev, split by article",
                 ["train_answerability.py", *(argv or sys.argv[1:])]))
    rows: list[Features] = []
    labels: list[int] = []
    declined = [0, 0]
    with workdir(None, "citebot-train-") as folder:
        for split, size in enumerate(int(n) for n in args.sizes.split(",")):
            rng = random.Random(101 + split)
            titles = sorted(a["id"] for a in articles)
            rng.shuffle(titles)
            kept = set(titles[:size])
            corpus = folder / f"half-{split}.jsonl"
            corpus.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles if a["id"] in kept),
                              encoding="utf-8")
            store = folder / f"half-{split}.sqlite"
            index_citebot(store, [corpus])
            inside = [q for q in questions if q.title in kept]
            outside = [q for q in questions if q.title not in kept]
            inside = rng.sample(inside, min(args.per_side, len(inside)))
            outside = rng.sample(outside, min(args.per_side, len(outside)))
            for label, side in ((1, inside), (0, outside)):
                for features in asyncio.run(features_of(store, [q.text for q in side])):
                    if features is None or ruled_out(features):
                        declined[label] += 1  # declined by a rule, whatever the weights
                        continue
                    rows.append(features)
                    labels.append(label)
    x = np.array([f.vector() for f in rows])
    y = np.array(labels, dtype=float)
    negative_weight, model = 1.0, None
    while negative_weight < 64:
        beta = fit(x, y, np.where(y == 1, 1.0, negative_weight))
        model = Model(float(beta[0]), tuple(float(b) for b in beta[1:]))
        p = np.array([model.probability(f) for f in rows])
        total_negatives = (y == 0).sum() + declined[0]
        if ((p >= CUT) & (y == 0)).sum() / total_negatives <= args.max_false:
            break
        negative_weight *= 1.25
    assert model is not None
    p = np.array([model.probability(f) for f in rows])
    positives, negatives = (y == 1).sum() + declined[1], (y == 0).sum() + declined[0]
    print(f"- splits of {args.sizes} articles indexed, up to {args.per_side} questions a side; {len(rows)} rows trained on, "
          f"{declined[1]} positives and {declined[0]} negatives declined by a rule first")
    print(f"- negatives weighted {negative_weight:.2f}× so that at most {args.max_false:.0%} of withheld "
          "questions are answered at the cut\n")
    print(markdown_table(["cut", "indexed: answered", "withheld: answered"],
                         [[cut, ((p >= cut) & (y == 1)).sum() / positives, ((p >= cut) & (y == 0)).sum() / negatives]
                          for cut in (0.3, 0.4, 0.5, 0.6, 0.7)], digits=[2, 4, 4]))
    print()
    print(markdown_table(["feature", "weight"], [["bias", model.bias], *zip(NAMES, model.weights)], digits=[0, 4]))
    if args.write:
        WEIGHTS.write_text(model.dumps(
            "Learned by: python benchmarks/train_answerability.py --write\n"
            f"SQuAD v1.1 dev, splits of {args.sizes} articles indexed (seeds 101..), up to {args.per_side} questions a side;\n"
            f"negatives weighted {negative_weight:.2f}x. P(answers) = sigmoid(bias + sum(weight * feature))."),
            encoding="utf-8")
        print(f"\nWrote {WEIGHTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
