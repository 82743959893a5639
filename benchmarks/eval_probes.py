"""Probe-set evaluation through the real command line (issue 9).

Two hand-written sets about the bundled articles' world, in benchmarks/probes/:

- offtopic.jsonl: questions that use the articles' places, people and topics
  (or none of them) but ask facts the articles do not hold; each should be
  declined (`answered: false`, no citation).
- answerable.jsonl: questions the articles do answer, paraphrased away from
  their wording, each with gold answer strings that stand verbatim in the
  article; the first excerpt should hold one.
- worded.jsonl: questions the articles answer, asked in their own words as a
  reader with the article in front of them would (like the seed questions);
  the first excerpt should hold a gold answer.
- languages.jsonl: questions the articles answer, asked in Ukrainian or Russian
  as a reader of the war news would; the first excerpt should hold a gold answer.
- stories/ and stories.jsonl: nine other short news stories (floods, an earthquake,
  a court ruling, inflation, two reports of one wildfire, a missile strike on
  Kharkiv, German military aid, a prisoner exchange) in the page formats of CNN,
  Reuters, AP, the BBC and the Kyiv press,
  indexed on their own, with questions they answer (some in Ukrainian and Russian)
  and questions they don't ("answers": []): how the answers carry to other news.

Indexes the bundled articles with `python -m citebot.bot.cli index` into a temporary
INDEX_PATH, pipes the sets to `python -m citebot.bot.cli ask --json` in one batch
process and prints a Markdown table (and, with --verbose, every failure).

    python benchmarks/eval_probes.py [--probes DIR] [--articles DIR] [--verbose] [--check]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (BUNDLED_ARTICLES, REPO_ROOT, ask_batch, evaluate, header, markdown_table, read_jsonl,  # noqa: E402
                    run_cli, short, workdir)

PROBES = Path(__file__).resolve().parent / "probes"

# Targets from issue 9.
TARGET_DECLINED = 0.90  # share of off-topic questions declined
TARGET_FIRST = 0.85  # share of answerable questions with a gold answer in the first excerpt
TARGET_WORDED = 0.95  # the same for questions in the articles' words (issue 9: 38 of 40 hidden seed questions)
TARGET_LANGUAGES = 0.85  # the same for questions in Ukrainian or Russian, as for paraphrased English ones
TARGET_STORIES = 0.95  # the same for questions on the other stories (issue 9: 38 of 40 hidden seed questions)

_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


def normalise(text: str) -> str:
    """Case-folded, typographic quotes and dashes made plain, white space collapsed."""
    return " ".join(text.translate(_QUOTES).casefold().split())


def cli_env(index: Path) -> dict[str, str]:
    """This environment without the bot's own settings, pointed at index; the repo importable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "INDEX_", "ARTICLES_"))}
    env["INDEX_PATH"] = str(index)
    env["PYTHONIOENCODING"] = "utf-8"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def share(k: int, n: int) -> str:
    return f"{k}/{n} ({100 * k / n:.1f}%)" if n else "0/0"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--probes", type=Path, default=PROBES,
                        help="folder with offtopic.jsonl, answerable.jsonl, worded.jsonl, languages.jsonl, stories.jsonl and stories/")
    parser.add_argument("--articles", type=Path, default=BUNDLED_ARTICLES, help="folder of articles to index")
    parser.add_argument("--workdir", type=Path, help="keep the index here instead of a temporary folder")
    parser.add_argument("--verbose", action="store_true", help="also print every failure with its first excerpt")
    parser.add_argument("--check", action="store_true", help="exit 1 when a total is below its target")
    args = parser.parse_args(argv)

    offtopic = list(read_jsonl(args.probes / "offtopic.jsonl"))
    answerable = list(read_jsonl(args.probes / "answerable.jsonl"))
    worded = list(read_jsonl(args.probes / "worded.jsonl"))
    languages = list(read_jsonl(args.probes / "languages.jsonl"))
    stories = list(read_jsonl(args.probes / "stories.jsonl"))
    with workdir(args.workdir, "citebot-probes-") as folder:
        env = cli_env(folder / "probes.sqlite")
        # Run in the work folder so a developer's .env does not change the settings.
        start = time.perf_counter()
        index_report = run_cli(["index", "--rebuild", str(args.articles.resolve())], env, folder).strip()
        index_s = time.perf_counter() - start
        start = time.perf_counter()
        replies = ask_batch([p["question"] for p in offtopic + answerable + worded + languages], env, folder)
        ask_s = time.perf_counter() - start
        stories_env = cli_env(folder / "stories.sqlite")
        run_cli(["index", "--rebuild", str((args.probes / "stories").resolve())], stories_env, folder)
        story_replies = ask_batch([p["question"] for p in stories], stories_env, folder)
    off = evaluate(offtopic, replies[: len(offtopic)], normalise)
    ans = evaluate(answerable, replies[len(offtopic) : len(offtopic) + len(answerable)], normalise)
    own = evaluate(worded, replies[len(offtopic) + len(answerable) : len(offtopic) + len(answerable) + len(worded)],
                   normalise)
    cyrillic = evaluate(languages, replies[len(offtopic) + len(answerable) + len(worded):], normalise)
    told = [(p, r) for p, r in zip(stories, story_replies) if p["answers"]]
    untold = [(p, r) for p, r in zip(stories, story_replies) if not p["answers"]]
    other = evaluate([p for p, _ in told], [r for _, r in told], normalise)
    other_declined = sum(not r.get("answered") for _, r in untold)

    print(header("citebot probe sets (CLI: citebot index + citebot ask --json)", argv and ["eval_probes.py", *argv]))
    print(f"- index: {index_report} ({index_s:.2f} s); {len(replies)} questions answered in {ask_s:.2f} s "
          f"(one process)")
    print(f"- sets: {len(off)} off-topic, {len(ans)} answerable, {len(own)} in the articles' words, "
          f"{len(cyrillic)} in Ukrainian or Russian ({args.probes}); {len(told)} answerable and {len(untold)} "
          f"unanswerable on {len(list((args.probes / 'stories').glob('*.txt')))} other stories")
    print("- matching: gold answer string in the excerpt, case-insensitive, quotes and white space normalised\n")

    declined = sum(not o.answered for o in off)
    answered = sum(o.answered for o in ans)
    first = sum(o.first for o in ans)
    three = sum(o.first_three for o in ans)
    right_article = sum(bool(o.article) and o.cited[:1] == [Path(o.article).stem] for o in ans)
    own_first = sum(o.first for o in own)
    cyrillic_first = sum(o.first for o in cyrillic)
    other_first = sum(o.first for o in other)
    errors = sum(o.error is not None for o in off + ans + own + cyrillic)
    rows = [
        ["off-topic declined", share(declined, len(off)), f"≥ {TARGET_DECLINED:.0%}",
         declined >= TARGET_DECLINED * len(off) - 1e-9],
        ["answerable: answered", share(answered, len(ans)), "-", "-"],
        ["answerable: first citation from the right article", share(right_article, len(ans)), "-", "-"],
        ["answerable: gold answer in first excerpt", share(first, len(ans)), f"≥ {TARGET_FIRST:.0%}",
         first >= TARGET_FIRST * len(ans) - 1e-9],
        ["answerable: gold answer in any of the first three", share(three, len(ans)), "-", "-"],
        ["in the articles' words: gold answer in first excerpt", share(own_first, len(own)),
         f"≥ {TARGET_WORDED:.0%}", own_first >= TARGET_WORDED * len(own) - 1e-9],
        ["in Ukrainian or Russian: gold answer in first excerpt", share(cyrillic_first, len(cyrillic)),
         f"≥ {TARGET_LANGUAGES:.0%}", cyrillic_first >= TARGET_LANGUAGES * len(cyrillic) - 1e-9],
        ["other stories: gold answer in first excerpt", share(other_first, len(other)),
         f"≥ {TARGET_STORIES:.0%}", other_first >= TARGET_STORIES * len(other) - 1e-9],
        ["other stories: unanswerable declined", share(other_declined, len(untold)), f"≥ {TARGET_DECLINED:.0%}",
         other_declined >= TARGET_DECLINED * len(untold) - 1e-9],
    ]
    print(markdown_table(["measure", "got", "target", "met"], rows))
    if errors:
        print(f"\n{errors} question(s) were refused by the CLI (error object); counted as declined.")

    if args.verbose:
        print("\n### Off-topic questions answered\n")
        for i, o in enumerate((o for o in off if o.answered), 1):
            print(f"{i}. {o.question}\n   → [{', '.join(o.cited)}] {short(o.excerpt, 300)}")
        print("\n### Answerable questions without a gold answer in the first excerpt\n")
        for i, o in enumerate((o for o in ans + own + cyrillic + other if not o.first), 1):
            where = "declined" if not o.answered else ", ".join(o.cited)
            also = " (in a later excerpt)" if o.first_three else ""
            print(f"{i}. {o.question}  — gold: {' / '.join(o.answers)}{also}\n   → [{where}] {short(o.excerpt, 300)}")

    met = all(row[3] for row in rows if row[3] != "-")
    print(f"\nAll targets met: {'yes' if met else 'NO'}")
    return 1 if args.check and not met else 0


if __name__ == "__main__":
    sys.exit(main())
