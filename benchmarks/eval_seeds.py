"""Seed-question evaluation through the real command line.

Indexes the bundled articles with `citebot index` into a temporary
INDEX_PATH, pipes every seed question to `citebot ask --json` (batch mode,
one JSON object a line) and checks whether the expected answer string stands
in the cited excerpts. Questions with no answers must come back unanswered.

    python benchmarks/eval_seeds.py [--seeds FILE] [--articles DIR] [--check]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (BUNDLED_ARTICLES, DEFAULT_SEEDS, ask_batch, evaluate, header, markdown_table,  # noqa: E402
                    read_jsonl, run_cli, short, workdir)

# Targets: share of answerable questions whose answer is in the first excerpt,
# in any of the first three, and share of unanswerable ones left unanswered.
TARGET_FIRST = 11 / 12
TARGET_FIRST_THREE = 1.0
TARGET_NO_ANSWER = 1.0


def normalise(text: str) -> str:
    """Case-folded, white space collapsed: how answer strings are matched."""
    return " ".join(text.casefold().split())


def citebot_command() -> list[str]:
    """The installed `citebot` entry point beside this Python, else `python -m citebot.bot.cli`."""
    beside = Path(sys.executable).parent / "citebot"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("citebot")
    return [found] if found else [sys.executable, "-m", "citebot.bot.cli"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=Path, default=DEFAULT_SEEDS, help="seed_questions.jsonl")
    parser.add_argument("--articles", type=Path, default=BUNDLED_ARTICLES, help="folder of articles to index")
    parser.add_argument("--workdir", type=Path, help="keep the index here instead of a temporary folder")
    parser.add_argument("--check", action="store_true", help="exit 1 when a total is below its target")
    parser.add_argument("--verbose", action="store_true", help="also print the first excerpt of each answer")
    args = parser.parse_args(argv)

    seeds = list(read_jsonl(args.seeds))
    command = citebot_command()
    with workdir(args.workdir, "citebot-seeds-") as folder:
        env = {**os.environ, "INDEX_PATH": str(folder / "seeds.sqlite")}
        # Run in the work folder so a developer's .env does not change the settings.
        start = time.perf_counter()
        index_report = run_cli(["index", "--rebuild", str(args.articles.resolve())], env, folder, command=command).strip()
        index_s = time.perf_counter() - start
        start = time.perf_counter()
        replies = ask_batch([s["question"] for s in seeds], env, folder, command=command)
        ask_s = time.perf_counter() - start
    outcomes = evaluate(seeds, replies, normalise)

    print(header("citebot seed questions (CLI: citebot index + citebot ask --json)", argv and ["eval_seeds.py", *argv]))
    print(f"- index: {index_report} ({index_s:.2f} s); {len(seeds)} questions answered in {ask_s:.2f} s (one process)")
    print("- matching: expected answer string in the excerpt, case-insensitive, white space collapsed\n")
    rows = []
    for i, o in enumerate(outcomes, 1):
        expected_article = Path(o.article).stem if o.article else None
        if o.answerable:
            first, three = ("✔" if o.first else "✘"), ("✔" if o.first_three else "✘")
        else:
            first = three = "-"
        right_article = "-" if expected_article is None else ("✔" if o.cited[:1] == [expected_article] else "✘")
        ok = (o.first_three if o.answerable else not o.answered)
        rows.append([i, short(o.question, 60), ", ".join(o.answers) or "(none)", first, three,
                     "yes" if o.answered else "no", right_article, len(o.cited), "ok" if ok else "MISS"])
    print(markdown_table(["#", "question", "expected", "first", "first 3", "answered", "1st article",
                          "cites", "verdict"], rows))
    if args.verbose:
        print()
        for i, o in enumerate(outcomes, 1):
            print(f"{i}. {o.question}\n   → [{', '.join(o.cited) or 'no answer'}] {short(o.excerpt, 300)}")

    answerable = [o for o in outcomes if o.answerable]
    unanswerable = [o for o in outcomes if not o.answerable]
    first = sum(o.first for o in answerable)
    three = sum(o.first_three for o in answerable)
    refused = sum(not o.answered for o in unanswerable)
    totals = [
        ["answer in first excerpt", f"{first}/{len(answerable)}", f"≥ {TARGET_FIRST * len(answerable):.0f}/{len(answerable)}",
         first >= TARGET_FIRST * len(answerable) - 1e-9],
        ["answer in first three excerpts", f"{three}/{len(answerable)}",
         f"≥ {TARGET_FIRST_THREE * len(answerable):.0f}/{len(answerable)}", three >= TARGET_FIRST_THREE * len(answerable) - 1e-9],
        ["no-answer accuracy (answered=false)", f"{refused}/{len(unanswerable)}",
         f"≥ {TARGET_NO_ANSWER * len(unanswerable):.0f}/{len(unanswerable)}", refused >= TARGET_NO_ANSWER * len(unanswerable) - 1e-9],
    ]
    print()
    print(markdown_table(["total", "got", "target", "met"], totals))
    met = all(row[3] for row in totals)
    print(f"\nAll targets met: {'yes' if met else 'NO'}")
    return 1 if args.check and not met else 0


if __name__ == "__main__":
    sys.exit(main())
