"""Contract fit on real SWE-bench tasks: does the bundle's contract fit the change the gold patch makes?

For every instance of the dev set (../shared/bench/swebench-dev.jsonl) the repository is checked out at the
base commit (bare mirrors under /work/.mirror, see _materialise.py), indexed, and packed with the issue text
as the task at 16k tokens; then the gold patch is verified against the bundle in memory
(`verify.check(verify.collect(tree, bundle, diff_text=gold_patch))`, the tree is not written). Reported:

- gold files all inside `owned` (target >= 80 %), mean |owned| (target <= 3)
- gold patch verified pass or warn, never fail (target >= 85 %), and why the others failed
- gold patches flagged for a `preserve` change (each listed; target <= 5 %)
- verify time p50 / p95 (target p95 <= 300 ms)

    python benchmarks/contract_fit.py --repos django --limit 60 --out benchmarks/results/contract_fit.md
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shlex
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _materialise import RepoTree, commit_dates, find_mirror  # noqa: E402

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATASET = PROJECT_ROOT.parent / "shared" / "bench" / "swebench-dev.jsonl"
DEFAULT_WORK_DIR = Path("/tmp/contextpack-bench")
BUDGET = 16000
PRESERVE_CODES = ("preserve_changed", "preserve_removed")


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def pct(n: int, d: int) -> str:
    return f"{100 * n / d:.1f} %" if d else "-"


def quantile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else 0.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", default=str(DEFAULT_DATASET))
    ap.add_argument("--repos", default="", help="comma-separated owner/name or name")
    ap.add_argument("--instances", default="")
    ap.add_argument("--limit", type=int, default=0, help="the first N selected instances per repository")
    ap.add_argument("--budget", type=int, default=BUDGET)
    ap.add_argument("--mirror-root", default="/work/.mirror")
    ap.add_argument("--work-dir", default=str(DEFAULT_WORK_DIR))
    ap.add_argument("--out", default="")
    ap.add_argument("--oof-weights", type=Path, default=None,
                    help="ranker weights per held-out repository (<owner>+<name>.json, from train_ranker.py train "
                         "--oof-dir): owned sets from a ranking that never saw the repository's tasks")
    ap.add_argument("--keep-bundles", action="store_true", help="write each bundle to WORK/bundles/ID.json")
    ap.add_argument("--render", default="", help="only render the report from a results FILE.jsonl")
    ap.add_argument("--from-bundles", action="store_true",
                    help="verify again against the bundles --keep-bundles wrote (no index, no pack): verify timings "
                         "on a quiet machine")
    args = ap.parse_args()

    if args.render:
        results = [json.loads(line) for line in open(args.render, encoding="utf-8")]
        sys.stdout.write(render(results, args))
        return
    sink = open(Path(args.out).with_suffix(".jsonl"), "w", encoding="utf-8") if args.out else None
    from contextpack.engine import Engine
    from contextpack.verify import check, collect, load_bundle

    rows = [json.loads(line) for line in open(args.dataset, encoding="utf-8")]
    if args.repos:
        want = {r.strip() for r in args.repos.split(",") if r.strip()}
        rows = [r for r in rows if r["repo"] in want or r["repo"].split("/")[1] in want]
    if args.instances:
        ids = set(args.instances.split(","))
        rows = [r for r in rows if r["instance_id"] in ids]
    by_repo: dict[str, list[dict]] = {}
    for r in rows:
        by_repo.setdefault(r["repo"], []).append(r)
    if args.limit:
        by_repo = {k: v[:args.limit] for k, v in by_repo.items()}
    work = Path(args.work_dir)
    results = []
    for repo, items in sorted(by_repo.items()):
        slug = repo.replace("/", "+")
        try:
            mirror = find_mirror(Path(args.mirror_root), repo)
        except Exception as exc:
            log(f"{repo}: skipped ({exc})")
            continue
        dates = commit_dates(mirror, (r["base_commit"] for r in items))
        items = sorted(items, key=lambda r: (dates.get(r["base_commit"], float("inf")), r["instance_id"]))
        tree = RepoTree(mirror, work / "trees" / slug)
        engine = None
        for r in items:
            iid = r["instance_id"]
            res: dict = {"instance": iid, "repo": repo}
            try:
                co = tree.checkout(r["base_commit"])
                if args.from_bundles:
                    bundle = load_bundle(work / "bundles" / f"{iid}.json")
                else:
                    if engine is None:
                        engine = Engine(co.root, index_path=work / f"{slug}.sqlite")
                        if args.oof_weights is not None:  # weights trained without this repository
                            from contextpack.rank import Ranker
                            engine.ranker = Ranker.load(args.oof_weights / f"{slug}.json")
                    t = time.perf_counter()
                    engine.index()
                    res["index_s"] = round(time.perf_counter() - t, 2)
                    t = time.perf_counter()
                    bundle = engine.pack(r["problem_statement"], budget=args.budget)
                    res["pack_ms"] = round((time.perf_counter() - t) * 1000, 1)
                gold = sorted(set(r["files"]) - set(r.get("new_files") or []))
                if args.keep_bundles:
                    (work / "bundles").mkdir(parents=True, exist_ok=True)
                    (work / "bundles" / f"{iid}.json").write_text(bundle.to_json(), "utf-8")
                t = time.perf_counter()
                report = check(collect(co.root, bundle, diff_text=r["patch"]))
                res["verify_ms"] = round((time.perf_counter() - t) * 1000, 1)
                owned = bundle.contract.owned
                shown = {it.path for it in bundle.items}
                res.update(
                    gold=gold, owned=owned, owned_reasons=bundle.contract.owned_reasons,
                    gold_in_owned=all(g in owned for g in gold), gold_shown=all(g in shown for g in gold),
                    verdict=report.verdict,
                    findings=[(f.level, f.code, f.path, f.message[:300]) for f in report.findings
                              if f.level != "info"],
                    preserve_flagged=[f.message[:300] for f in report.findings if f.code in PRESERVE_CODES],
                    evidence=len(bundle.contract.evidence), commands=bundle.contract.commands,
                    items=[(it.path, it.kind, it.score, it.reasons[:4], it.language) for it in bundle.items],
                    task_type=bundle.task.type,
                )
            except Exception as exc:  # recorded; the run goes on
                res["error"] = f"{type(exc).__name__}: {exc}"[:300]
                engine = None
            results.append(res)
            if sink is not None:  # as it goes: an interrupted run still has its results (see --render)
                sink.write(json.dumps(res, sort_keys=True) + "\n")
                sink.flush()
            log(f"{iid}: owned={res.get('gold_in_owned')} |owned|={len(res.get('owned', []))} "
                f"verdict={res.get('verdict')} index={res.get('index_s')}s pack={res.get('pack_ms')}ms "
                f"verify={res.get('verify_ms')}ms {res.get('error', '')}")
        if engine is not None:
            engine.close()
    report = render(results, args)
    sys.stdout.write(report)
    if args.out:
        Path(args.out).write_text(report, "utf-8")
        sink.close()


def render(results: list[dict], args: argparse.Namespace) -> str:
    ok = [r for r in results if "error" not in r]
    n = len(ok)
    commit = subprocess.run(["git", "-C", str(PROJECT_ROOT), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    in_owned = sum(r["gold_in_owned"] for r in ok)
    shown = sum(r["gold_shown"] for r in ok)
    not_fail = sum(r["verdict"] != "fail" for r in ok)
    flagged = [r for r in ok if r["preserve_flagged"]]
    vt = [r["verify_ms"] for r in ok]
    verdicts = Counter(r["verdict"] for r in ok)
    fail_codes = Counter(c for r in ok for lvl, c, _, _ in {(f[0], f[1], "", "") for f in r["findings"]}
                         if lvl == "fail")
    warn_codes = Counter(c for r in ok for lvl, c, _, _ in {(f[0], f[1], "", "") for f in r["findings"]}
                         if lvl == "warn")
    cmd = "python benchmarks/contract_fit.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    out = [
        "# Contract fit on SWE-bench dev tasks", "",
        f"`{cmd}` — {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, project commit `{commit}`, budget {args.budget}",
        "",
        f"{n} instances scored ({len(results) - n} errors) from "
        + ", ".join(f"{k} {v}" for k, v in sorted(Counter(r['repo'] for r in ok).items())), "",
        "| measure | value | target |", "|---|---|---|",
        f"| gold files all inside `owned` | {pct(in_owned, n)} ({in_owned}/{n}) | >= 80 % |",
        f"| gold files all shown in the bundle | {pct(shown, n)} ({shown}/{n}) | |",
        f"| mean / max \\|owned\\| | {statistics.mean(len(r['owned']) for r in ok) if ok else 0:.2f} / "
        f"{max((len(r['owned']) for r in ok), default=0)} | <= 3 |",
        f"| gold patch verified pass or warn (never fail) | {pct(not_fail, n)} ({not_fail}/{n}) | >= 85 % |",
        f"| verdicts | {', '.join(f'{k} {v}' for k, v in sorted(verdicts.items()))} | |",
        f"| gold patches flagged for a `preserve` change | {pct(len(flagged), n)} ({len(flagged)}/{n}) | <= 5 % |",
        f"| verify time p50 / p95 / max | {quantile(vt, 0.5):.0f} / {quantile(vt, 0.95):.0f} / "
        f"{max(vt, default=0):.0f} ms | p95 <= 300 ms |",
        f"| bundles with runnable evidence | {pct(sum(bool(r['commands']) for r in ok), n)} | |",
        "",
        "Fail reasons (instances): " + (", ".join(f"{k} {v}" for k, v in fail_codes.most_common()) or "none"),
        "",
        "Warn reasons (instances): " + (", ".join(f"{k} {v}" for k, v in warn_codes.most_common()) or "none"),
        "",
    ]
    repos = sorted({r["repo"] for r in ok})
    if len(repos) > 1:
        out += ["## Per repository", "",
                "| repository | tasks | gold all in `owned` | all shown | mean \\|owned\\| | pass or warn |",
                "|---|---|---|---|---|---|"]
        for repo in repos:
            rs = [r for r in ok if r["repo"] == repo]
            out.append(f"| {repo} | {len(rs)} | {pct(sum(r['gold_in_owned'] for r in rs), len(rs))} | "
                       f"{pct(sum(r['gold_shown'] for r in rs), len(rs))} | "
                       f"{statistics.mean(len(r['owned']) for r in rs):.2f} | "
                       f"{pct(sum(r['verdict'] != 'fail' for r in rs), len(rs))} |")
        out.append("")
    if flagged:
        out += ["## Gold patches flagged for a `preserve` change", ""]
        for r in flagged:
            out += [f"- `{r['instance']}`: " + " | ".join(m.replace("\n", " ") for m in r["preserve_flagged"])]
        out.append("")
    errors = [r for r in results if "error" in r]
    if errors:
        out += ["## Errors", ""] + [f"- `{r['instance']}`: {r['error']}" for r in errors] + [""]
    return "\n".join(out)


if __name__ == "__main__":
    main()
