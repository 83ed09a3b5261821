"""Warm in-process pack latency on Django: this code beside a baseline revision, in the same run.

Each side runs in its own child process (`--worker`), importing contextpack from its own directory
(PYTHONPATH: this project for the current code; for `--baseline REV`, a `git archive` of that revision
unpacked under the work dir), with its own index of the same tree. Each worker indexes (incremental,
kept between runs), builds the snapshot (`Engine.prepare`) and settles the heap, as a server does; then
the parent sends the same packs to both, one at a time, alternating which side goes first, so both see
the same machine load. Per pack the worker measures wall time and CPU time (`time.process_time`, the
figure to compare on a shared machine) and hashes the bundle's JSON: the two sides' bundles of the same
pack are compared (they must be byte-identical when the change is meant to preserve behaviour).

Tasks: the first `--tasks` Django problem statements of the SWE-bench dev set, in dataset order (a fixed
selection), on Django at a SWE-bench base commit materialised from the bare mirror. Repetition 1 is each
task's first pack in the process (files it shows are seen for the first time: token counts and secret
scans run); later repetitions repeat the task list.

    .venv/bin/python benchmarks/pack_latency.py --baseline HEAD~1 --out benchmarks/results/pack_latency.md
    .venv/bin/python benchmarks/pack_latency.py --tasks 10 --reps 2 --budgets 2000,8000,16000
    .venv/bin/python benchmarks/pack_latency.py --baseline afd9ade --profile
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
sys.path.insert(0, str(HERE))
from _provenance import project_version  # noqa: E402
from _sides import Worker, baseline_code, code_version  # noqa: E402

DEFAULT_MIRROR = Path("/work/.mirror/swe-bench+django__django/repo")
DEFAULT_COMMIT = "b9cf764be62e77b4777b3a75ec256f6209a57671"
DEFAULT_WORK = Path("/tmp/contextpack-bench/pack-latency")
DATASET = PROJECT.parent / "shared" / "bench" / "swebench-dev.jsonl"
TARGET_P95_MS = 100  # issue 10, item 5: warm in-process pack on Django at 8k tokens
PROFILE_STAGES = [  # (file, function, label): cumulative CPU per pack in the profile summary
    ("engine.py", "_pack", "whole pack (`Engine._pack`)"),
    ("rank.py", "rank", "ranking (`rank.rank`)"),
    ("engine.py", "_source", "shown files: read, hash, definitions (`Engine._source`)"),
    ("sources.py", "get", "… of which kept between packs (`SourceCache.get`)"),
    ("pack.py", "_candidates", "candidates (`Packer._candidates`)"),
    ("pack.py", "run", "selection, all of it (`Packer.run`)"),
    ("pack.py", "_finalize", "render + exact count (`Packer._finalize`)"),
    ("pack.py", "_result", "omitted entries (`Packer._result`)"),
    ("redact.py", "_detect", "secret scan of new lines (`redact._detect`)"),
    ("tokens.py", "count", "token counting (`Tokenizer.count`)"),
    ("contract.py", "build_contract", "contract (`build_contract`)"),
    ("contract.py", "_runnable", "evidence tests and commands (`contract._runnable`)"),
    ("bundle.py", "build", "bundle model, id (`Bundle.build`)"),
    ("task.py", "analyze_task", "task analysis (`analyze_task`)"),
    ("history.py", "git_state", "git state (`git_state`)"),
]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--baseline", metavar="REV", help="also run this revision of the project, side by side")
    p.add_argument("--tasks", type=int, default=30, help="Django problem statements, first N in dataset order")
    p.add_argument("--reps", type=int, default=3, help="passes over the task list")
    p.add_argument("--budgets", default="8000", help="comma-separated token budgets")
    p.add_argument("--profile", action="store_true",
                   help="then one more pass per side under cProfile (CPU clock): where the time goes")
    p.add_argument("--repo", type=Path, help="tree to pack (default: Django at --commit from --mirror)")
    p.add_argument("--git", action="store_true",
                   help="pack a git work tree of that commit (a --shared clone of the mirror), as users' trees\n"
                        "are: each pack then also asks git whether the tree is dirty")
    p.add_argument("--mirror", type=Path, default=DEFAULT_MIRROR)
    p.add_argument("--commit", default=DEFAULT_COMMIT)
    p.add_argument("--dataset", type=Path, default=DATASET)
    p.add_argument("--work-dir", type=Path, default=DEFAULT_WORK, help="tree, indexes, baseline code")
    p.add_argument("--out", type=Path, help="also write the report here (markdown)")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--index", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--expect-code", type=Path, help=argparse.SUPPRESS)
    return p.parse_args(argv)


# -- the worker: one side, in its own process ----------------------------------------------------------

def worker(args: argparse.Namespace) -> int:
    """Answer pack requests (JSON lines on stdin) with timings and the bundle's hash (JSON lines)."""
    out = sys.stdout
    sys.stdout = sys.stderr  # nothing the code under test prints can corrupt the protocol
    import contextpack
    from contextpack import engine as engine_mod

    code = Path(contextpack.__file__).resolve().parent.parent
    if args.expect_code and code != args.expect_code.resolve():
        print(json.dumps({"error": f"imported contextpack from {code}, expected {args.expect_code}"}), file=out,
              flush=True)
        return 1
    tasks = json.loads(sys.stdin.readline())
    engine = engine_mod.Engine(args.repo, index_path=args.index)
    t = time.perf_counter()
    engine.index()
    index_s = time.perf_counter() - t
    t = time.perf_counter()
    engine.prepare()
    prepare_s = time.perf_counter() - t
    if hasattr(engine_mod, "settle_heap"):
        engine_mod.settle_heap()
    print(json.dumps({"ready": True, "code": str(code), "index_s": index_s, "prepare_s": prepare_s}), file=out,
          flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        if req["op"] == "pack":
            c, w = time.process_time(), time.perf_counter()
            bundle = engine.pack(tasks[req["task"]], req["budget"])
            wall, cpu = time.perf_counter() - w, time.process_time() - c
            text = bundle.to_json()
            reply = {"wall": wall, "cpu": cpu, "sha": hashlib.sha256(text.encode()).hexdigest(),
                     "used": bundle.budget.used, "items": len(bundle.items)}
        elif req["op"] == "profile":
            reply = {"stages": profile(engine, [tasks[i] for i in req["tasks"]], req["budget"])}
        else:
            reply = {"error": f"unknown op {req['op']!r}"}
        print(json.dumps(reply), file=out, flush=True)
    engine.close()
    return 0


def profile(engine, tasks: list[str], budget: int) -> dict:
    """One pass under cProfile with the CPU clock: cumulative CPU of each stage, and the top functions by
    own time, per pack (milliseconds). cProfile's per-call overhead inflates call-heavy code: compare
    stages with each other and across sides, not with the unprofiled figures."""
    import cProfile
    import pstats

    prof = cProfile.Profile(time.process_time)
    prof.enable()
    for task in tasks:
        engine.pack(task, budget)
    prof.disable()
    stats = pstats.Stats(prof).stats  # (file, line, func) → (cc, nc, tottime, cumtime, callers)
    n = len(tasks)
    stages: dict[str, float] = {}
    for (file, _line, func), (_cc, _nc, _tt, ct, _callers) in stats.items():
        for suffix, name, label in PROFILE_STAGES:
            if func == name and file.endswith("contextpack/" + suffix):
                stages[label] = stages.get(label, 0.0) + ct / n * 1000
    own = ((tt / n * 1000, func if file == "~" else f"{Path(file).name}:{func}")
           for (file, _l, func), (_c, _n, tt, _ct, _cl) in stats.items())
    top = sorted(own, reverse=True)[:12]
    return {"stages": stages, "top": top}


# -- the parent: both sides, interleaved ----------------------------------------------------------------

class Side(Worker):
    """A worker packing with one side's code on its own index of the tree (per code version: an index keeps
    the facts of unchanged files as the code that parsed them saw them)."""

    def __init__(self, label: str, code: Path, args: argparse.Namespace, tree: Path, tasks: list[str]):
        index = args.work_dir / f"index-{code_version(code)}-{tree.name}.sqlite"
        super().__init__(label, [sys.executable, str(Path(__file__).resolve()), "--worker", "--repo", str(tree),
                                 "--index", str(index), "--expect-code", str(code)], code)
        self.send(tasks)
        self.ready = self.read()


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def load_tasks(path: Path, n: int) -> list[str]:
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [r["problem_statement"] for r in rows if r["repo"] == "django/django"][:n]


def tree_for(args: argparse.Namespace) -> Path:
    if args.repo:
        return args.repo.resolve()
    if args.git:
        return git_tree(args.mirror, args.commit, args.work_dir / "django-git")
    from _materialise import RepoTree

    return RepoTree(args.mirror, args.work_dir / "django").checkout(args.commit).root


def git_tree(mirror: Path, commit: str, dest: Path) -> Path:
    """A git work tree of `commit`: a clone sharing the mirror's objects (the mirror is not written)."""
    def git(*a: str) -> str:
        return subprocess.run(["git", *a], capture_output=True, text=True, check=True).stdout.strip()

    if not (dest / ".git").is_dir():
        git("clone", "--quiet", "--shared", "--no-checkout", str(mirror), str(dest))
    if git("-C", str(dest), "rev-parse", "HEAD") != git("-C", str(dest), "rev-parse", commit):
        git("-C", str(dest), "checkout", "--quiet", "--force", "--detach", commit)
    return dest


def run(args: argparse.Namespace) -> str:
    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    version = project_version(PROJECT, "contextpack")
    load_before = os.getloadavg()
    budgets = [int(b) for b in args.budgets.split(",")]
    args.work_dir.mkdir(parents=True, exist_ok=True)
    tree = tree_for(args)
    pool = load_tasks(args.dataset, 2 * args.tasks)  # the next ones: first-sight packs under the profiler
    tasks, unseen = pool[:args.tasks], pool[args.tasks:]
    if not tasks:
        sys.exit(f"no Django tasks in {args.dataset}")
    labels = [("current", PROJECT)]
    if args.baseline:
        sha, code = baseline_code(args.baseline, args.work_dir)
        labels.append((f"baseline {sha}", code))
    sides = []
    for label, code in labels:
        print(f"{label}: indexing and preparing ({code})", file=sys.stderr)
        sides.append(Side(label, code, args, tree, pool))
        ready = sides[-1].ready
        print(f"{label}: ready (index {ready['index_s']:.1f} s, prepare {ready['prepare_s']:.1f} s)", file=sys.stderr)
    results: dict[tuple[str, int], list[dict]] = {(s.label, b): [] for s in sides for b in budgets}
    differing: dict[int, int] = {b: 0 for b in budgets}
    unstable: dict[tuple[str, int], int] = {(s.label, b): 0 for s in sides for b in budgets}
    first_sha: dict[tuple[str, int, int], str] = {}
    t0 = time.perf_counter()
    for rep in range(args.reps):
        for i in range(len(tasks)):
            for budget in budgets:
                order = sides if (rep + i) % 2 == 0 else sides[::-1]
                shas = {}
                for side in order:
                    r = side.ask(op="pack", task=i, budget=budget)
                    r["rep"] = rep
                    results[(side.label, budget)].append(r)
                    shas[side.label] = r["sha"]
                    key = (side.label, i, budget)
                    if first_sha.setdefault(key, r["sha"]) != r["sha"]:
                        unstable[(side.label, budget)] += 1
                if len(set(shas.values())) > 1:
                    differing[budget] += 1
        print(f"pass {rep + 1}/{args.reps} done ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    profiles = {}
    if args.profile:  # first the tasks no pack has seen (the first pass), then the timed ones again
        for what, ids in (("unseen tasks", range(len(tasks), len(pool))), ("seen tasks", range(len(tasks)))):
            for side in sides:
                profiles[f"{side.label}, {what}"] = side.ask(op="profile", tasks=list(ids),
                                                             budget=budgets[0])["stages"]
    for side in sides:
        side.close()
    return report(args, started, version, load_before, os.getloadavg(), tree, tasks, budgets, sides, results,
                  differing, unstable, profiles, unseen)


def ms(x: float) -> str:
    return "–" if x != x else f"{x * 1000:.0f}"  # NaN: no such packs (one pass only)


def report(args, started, version, load_before, load_after, tree, tasks, budgets, sides, results, differing,
           unstable, profiles, unseen) -> str:
    argv = [a for a in sys.argv[1:]]
    lines = ["# Warm pack latency, in process", "",
             f"`{shlex.join(['.venv/bin/python', 'benchmarks/pack_latency.py', *argv])}`", "",
             f"{started} · project {version} · {os.cpu_count()} CPUs · load average "
             f"{load_before[0]:.2f} before, {load_after[0]:.2f} after · tree `{tree.name}`"
             + (f" at `{args.commit[:12]}`" if not args.repo else "") + (" (a git work tree)" if args.git else "")
             + f" · {len(tasks)} Django tasks × {args.reps} passes, sides alternating", "",
             "CPU is `time.process_time()` of the packing process (the figure to compare when the machine is "
             "shared); wall is `time.perf_counter()`. Milliseconds per pack.", ""]
    for budget in budgets:
        lines += [f"## {budget:,} tokens", "",
                  "| code | packs | CPU p50 | CPU p95 | CPU p99 | CPU mean | wall p50 | wall p95 | wall p99 "
                  "| first pass: CPU p50 | CPU p95 | wall p95 | later passes: CPU p50 | CPU p95 | wall p95 |",
                  "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        rows = {}
        for side in sides:
            rs = results[(side.label, budget)]
            cpu, wall = [r["cpu"] for r in rs], [r["wall"] for r in rs]
            first = [r for r in rs if r["rep"] == 0]
            later = [r for r in rs if r["rep"] > 0]
            fc, fw = [r["cpu"] for r in first], [r["wall"] for r in first]
            lc, lw = [r["cpu"] for r in later], [r["wall"] for r in later]
            row = [pct(cpu, 50), pct(cpu, 95), pct(cpu, 99), statistics.fmean(cpu), pct(wall, 50), pct(wall, 95),
                   pct(wall, 99), pct(fc, 50), pct(fc, 95), pct(fw, 95), pct(lc, 50), pct(lc, 95), pct(lw, 95)]
            rows[side.label] = row
            lines.append(f"| {side.label} | {len(rs)} | " + " | ".join(ms(x) for x in row) + " |")
        if len(sides) == 2:
            cur, base = rows[sides[0].label], rows[sides[1].label]
            ratios = [f"{c / b:.2f}" if b and b == b and c == c else "–" for c, b in zip(cur, base, strict=True)]
            lines.append("| ratio current / baseline | | " + " | ".join(ratios) + " |")
        lines.append("")
        if len(sides) == 2:
            lines.append(f"Packs whose bundles differ between the two sides: **{differing[budget]}** of "
                         f"{len(results[(sides[0].label, budget)])}.")
        lines.append("Bundles differing from the same side's first pack of the task: "
                     + ", ".join(f"{s.label} {unstable[(s.label, budget)]}" for s in sides) + ".")
        if budget == 8000:
            p95 = rows[sides[0].label][1]
            lines.append(f"Target (issue 10): p95 ≤ {TARGET_P95_MS} ms; current CPU p95 {ms(p95)} ms, wall p95 "
                         f"{ms(rows[sides[0].label][5])} ms (wall is the target's figure on a quiet machine; "
                         f"the load average above says how quiet this one was).")
        lines.append("")
    if profiles:
        labels = list(profiles)
        lines += [f"## Where the time goes (cProfile, CPU clock, {budgets[0]:,} tokens)", "",
                  f"After the timed passes, each side packs {len(unseen)} further Django tasks none of its packs "
                  "has seen (as the first pass: the files they show are mostly new to the process), then the "
                  f"{len(tasks)} timed tasks once more (as the later passes), under cProfile with the CPU clock. "
                  "Cumulative CPU per pack in ms; cProfile's per-call overhead inflates call-heavy stages, so "
                  "compare rows and columns, not these with the figures above. Stages nest (the whole pack "
                  "includes the others).", "",
                  "| stage | " + " | ".join(labels) + " |", "|---|" + "---|" * len(labels)]
        for _f, _n, label in PROFILE_STAGES:
            vals = [profiles[lb]["stages"].get(label) for lb in labels]
            if any(v is not None for v in vals):
                lines.append(f"| {label} | " + " | ".join(f"{v:.1f}" if v is not None else "–" for v in vals) + " |")
        for lb in labels:
            lines += ["", f"Top functions by own CPU time, {lb} (ms per pack):", "",
                      "| function | ms |", "|---|---|"]
            lines += [f"| `{name}` | {t:.1f} |" for t, name in profiles[lb]["top"][:12]]
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        return worker(args)
    text = run(args)
    sys.stdout.write(text)
    if args.out:
        args.out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
