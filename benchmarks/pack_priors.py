"""The packer's priors (`contextpack.pack.Priors`) side by side on the SWE-bench dev tasks, out of fold.

Each task's repository is checked out at its base commit (benchmarks/_materialise.py) and indexed once;
then the same engine packs the task under every named set of priors at every budget, so the sets differ
in nothing else (same tree, index, ranking). Scoring is swebench_retrieval.py's: a gold file is hit when
one of its edited lines is shown; line recall over all edited lines. The ranker is the out-of-fold one
(`--oof-weights`, written by `train_ranker.py train --oof-dir`): a repository's tasks are ranked by weights
that never saw them. The first set is the baseline the others are compared with, task by task.

    .venv/bin/python benchmarks/pack_priors.py --oof-weights WORK/oof --work-dir WORK \\
        --priors 'rank=2,1.4,0' 'model=2,1.4,1' 'blend=2,1.4,0.5' --out benchmarks/results/pack_priors.md
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _materialise import RepoTree, commit_dates, find_mirror  # noqa: E402
from _provenance import project_version  # noqa: E402
from _retrieval_common import _repo_matches, _slug, priors_arg, score  # noqa: E402
from train_ranker import load_rows  # noqa: E402

from contextpack.engine import Engine, settle_heap  # noqa: E402
from contextpack.pack import Priors  # noqa: E402
from contextpack.rank import Ranker  # noqa: E402

PROJECT = Path(__file__).resolve().parent.parent
DATASET = PROJECT.parent / "shared" / "bench" / "swebench-dev.jsonl"


def named_priors(spec: str) -> tuple[str, Priors]:
    """argparse type of `name=file_decay,chunk_decay,model_share[,fill_gap_tokens]`."""
    name, _, values = spec.partition("=")
    return name, priors_arg(values)


def run(args: argparse.Namespace, priors: list[tuple[str, Priors]]) -> list[dict]:
    rows = load_rows(args.dataset)  # with their gold files: the edited ones that exist at the base commit
    if args.repos:
        wanted = set(args.repos.split(","))
        if unknown := {w for w in wanted if not any(_repo_matches(r["repo"], {w}) for r in rows)}:
            sys.exit(f"unknown repos: {', '.join(sorted(unknown))}")
        rows = [r for r in rows if _repo_matches(r["repo"], wanted)]
    by_repo: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_repo[r["repo"]].append(r)
    out = []
    for repo in sorted(by_repo):
        slug = _slug(repo)
        mirror = find_mirror(args.mirror_root, repo)
        dates = commit_dates(mirror, (r["base_commit"] for r in by_repo[repo]))
        tree = RepoTree(mirror, args.work_dir / "trees" / slug)
        engine = None
        tasks = sorted(by_repo[repo], key=lambda r: (dates.get(r["base_commit"], 0), r["instance_id"]))
        for n, r in enumerate(tasks, 1):
            co = tree.checkout(r["base_commit"])
            if engine is None:
                engine = Engine(co.root, index_path=args.work_dir / f"{slug}.sqlite")
                engine.ranker = Ranker.load(args.oof_weights / f"{slug}.json")
            engine.index()
            engine.prepare()
            settle_heap()
            for name, p in priors:
                engine.priors = p
                for budget in args.budgets:
                    bundle = engine.pack(r["problem_statement"], budget=budget)
                    s = score([(it.path, it.ranges) for it in bundle.items], r["gold"], r["edit_lines"])
                    if bundle.budget.used > budget:
                        raise SystemExit(f"{r['instance_id']}: {bundle.budget.used} tokens over {budget}")
                    out.append({"instance": r["instance_id"], "repo": repo, "priors": name, "budget": budget,
                                "hit": s.hit, "line_recall": s.line_recall})
            print(f"[{repo} {n}/{len(tasks)}] {r['instance_id']}", file=sys.stderr, flush=True)
    return out


def table(results: list[dict], names: list[str], budgets: list[int]) -> str:
    by = defaultdict(dict)
    for x in results:
        by[x["priors"], x["budget"]][x["instance"]] = x
    tasks = sorted(by[names[0], budgets[0]])
    head = "| priors | " + " | ".join(f"hit @{b // 1000}k % | gained / lost | line recall @{b // 1000}k %"
                                      for b in budgets) + " |"
    lines = [head, "|" + "---|" * (1 + 3 * len(budgets))]
    for name in names:
        cells = []
        for b in budgets:
            mine, base = by[name, b], by[names[0], b]
            hit = sum(mine[t]["hit"] for t in tasks) / len(tasks) * 100
            line = sum(mine[t]["line_recall"] for t in tasks) / len(tasks) * 100
            gained = sum(mine[t]["hit"] and not base[t]["hit"] for t in tasks)
            lost = sum(base[t]["hit"] and not mine[t]["hit"] for t in tasks)
            cells.append(f"{hit:.1f} | +{gained} / −{lost} | {line:.1f}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--priors", nargs="+", type=named_priors, required=True,
                   metavar="NAME=FILE_DECAY,CHUNK_DECAY,MODEL_SHARE[,FILL_GAP_TOKENS]",
                   help="named sets of priors; the first is the baseline")
    p.add_argument("--oof-weights", type=Path, help="train_ranker.py's --oof-dir (required unless --render)")
    p.add_argument("--work-dir", type=Path, help="trees and indexes: train_ranker.py's (required unless --render)")
    p.add_argument("--budgets", default="2000,8000,16000", help="comma-separated token budgets")
    p.add_argument("--repos", default=None, help="comma-separated repositories, owner/name or name (default: all)")
    p.add_argument("--dataset", type=Path, default=DATASET)
    p.add_argument("--mirror-root", type=Path, default=Path("/work/.mirror"))
    p.add_argument("--jsonl", type=Path, default=None, help="also write every pack's score here")
    p.add_argument("--render", type=Path, default=None, help="print the table of a --jsonl file and stop")
    p.add_argument("--out", type=Path, default=None, help="also write the report here (markdown)")
    args = p.parse_args()
    args.budgets = [int(b) for b in args.budgets.split(",")]
    priors = args.priors
    names = [n for n, _ in priors]
    if args.render:
        results = [json.loads(line) for line in args.render.read_text().splitlines()]
    else:
        if not (args.oof_weights and args.work_dir):
            p.error("--oof-weights and --work-dir are required to pack")
        t = time.perf_counter()
        results = run(args, priors)
        print(f"{len(results)} packs in {time.perf_counter() - t:.0f} s", file=sys.stderr)
        if args.jsonl:
            args.jsonl.write_text("".join(json.dumps(x) + "\n" for x in results))
    n = len({x["instance"] for x in results})
    sets = "\n".join(f"- `{name}`: {p}" for name, p in priors)
    report = (f"# Packer priors side by side, out of fold\n\n`.venv/bin/python benchmarks/pack_priors.py "
              f"{' '.join(sys.argv[1:])}`\n\n{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC · contextpack "
              f"{project_version(PROJECT)} · {n} tasks\n\n{sets}\n\n{table(results, names, args.budgets)}\n")
    print(report)
    if args.out:
        args.out.write_text(report)


if __name__ == "__main__":
    main()
