"""CPU time of task analysis (`analyze_task`) on the longest task allowed, in hostile shapes, and on the
SWE-bench dev set's problem statements; with `--baseline REV`, the same for other code beside it.

Issue 11, item 9 asks for at most 0.5 s of CPU for the longest task whatever its shape. A test cannot hold
a CPU-time limit on every machine (`tests/adversarial/test_task_limits.py` holds the growth instead), so the
figure is measured here. Each side runs in its own child process importing contextpack from its own
directory (a `git archive` of REV for the baseline); the sides alternate shape by shape, so both see the
same machine load. Per shape: the median and the least of `--runs` analyses at the full length, the median
at a quarter of it (growth: linear is ~4×), and whether both sides' analyses agree (identifiers, paths,
terms, type: a speed-up must not change what a task means).

    .venv/bin/python benchmarks/task_analysis.py
    .venv/bin/python benchmarks/task_analysis.py --baseline HEAD~1 --out benchmarks/results/task_analysis.md
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import shlex
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
sys.path.insert(0, str(HERE))
from _provenance import project_version  # noqa: E402
from _sides import Worker, baseline_code  # noqa: E402

DATASET = PROJECT.parent / "shared" / "bench" / "swebench-dev.jsonl"
SHAPES_DIR = PROJECT / "tests" / "adversarial"  # task_shapes.py: the shapes the growth test runs
TARGET_S = 0.5  # issue 11, item 9
REAL = "swebench_dev"  # the row of the real problem statements


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--baseline", metavar="REV", help="also measure this revision's code, side by side")
    p.add_argument("--runs", type=int, default=5, help="analyses per shape and length (default 5)")
    p.add_argument("--work-dir", type=Path, default=Path("/tmp/contextpack-bench/task-analysis"),
                   help="where the baseline's code is unpacked")
    p.add_argument("--out", type=Path, help="also write the report here (markdown)")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    return p.parse_args(argv)


# -- a worker: one side's code ------------------------------------------------------------------------------

def texts() -> dict[str, list[str]]:
    """Each hostile shape (one text), and the dev set's problem statements (all of them, one row)."""
    sys.path.insert(0, str(SHAPES_DIR))
    from task_shapes import SHAPES

    rows = [json.loads(line) for line in DATASET.read_text().splitlines() if line.strip()] if DATASET.is_file() else []
    return {**{name: [text] for name, text in SHAPES.items()}, **({REAL: [r["problem_statement"] for r in rows]}
                                                                   if rows else {})}


def worker() -> None:
    """Answers one request per stdin line, {"name", "quarter", "runs"}: CPU seconds per run (summed over
    the row's texts) and a digest of what the analyses found."""
    from contextpack.task import analyze_task

    rows = texts()
    print(json.dumps(sorted(rows)), flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        batch = [t[:len(t) // 4] if req["quarter"] else t for t in rows[req["name"]]]
        seconds, digest = [], hashlib.sha256()
        for run in range(req["runs"]):
            started = time.process_time()
            found = [analyze_task(t) for t in batch]
            seconds.append(time.process_time() - started)
            if run == 0:
                for q in found:
                    digest.update(json.dumps([q.type, q.identifiers, q.code_names, q.paths, q.errors, q.terms,
                                              [f.__dict__ for f in q.frames], q.code_blocks]).encode())
        print(json.dumps({"seconds": seconds, "digest": digest.hexdigest()}), flush=True)


# -- the parent ---------------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        worker()
        return 0
    version = project_version(PROJECT)
    argv = [sys.executable, str(Path(__file__).resolve()), "--worker"]
    sides = [Worker("this code", argv, PROJECT)]
    if args.baseline:
        sha, code = baseline_code(args.baseline, args.work_dir)
        sides.append(Worker(f"baseline {sha}", argv, code))
    names = sides[0].read()  # each worker's first line: the rows it measures
    for side in sides[1:]:
        side.read()
    results: dict[str, list[dict]] = {}
    for i, name in enumerate(names):
        order = sides if i % 2 == 0 else sides[::-1]  # alternate who goes first
        got = {s.label: {q: s.ask(name=name, quarter=q, runs=args.runs) for q in (False, True)} for s in order}
        results[name] = [got[s.label] for s in sides]
        print(f"{name}: " + ", ".join(f"{s.label} {statistics.median(got[s.label][False]['seconds']):.3f} s"
                                      for s in sides), file=sys.stderr)
    for s in sides:
        s.close()

    ms = lambda v: f"{v * 1000:.0f}"  # noqa: E731
    head = ["shape", *[f"{s.label}: median ms (min)" for s in sides], *[f"{s.label}: growth N/4→N" for s in sides]]
    if len(sides) > 1:
        head += ["ratio this/baseline", "same analysis"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    worst = {s.label: (0.0, "") for s in sides}
    for name in names:
        full = [statistics.median(r[False]["seconds"]) for r in results[name]]
        low = [min(r[False]["seconds"]) for r in results[name]]
        quarter = [statistics.median(r[True]["seconds"]) for r in results[name]]
        cells = [name, *[f"{ms(f)} ({ms(lo)})" for f, lo in zip(full, low, strict=True)],
                 *[f"{f / q:.1f}×" if q > 0 else "–" for f, q in zip(full, quarter, strict=True)]]
        if len(sides) > 1:
            same = all(r[k]["digest"] == results[name][0][k]["digest"] for r in results[name] for k in (False, True))
            cells += [f"{full[0] / full[1]:.2f}" if full[1] else "–", "yes" if same else "**no**"]
        lines.append("| " + " | ".join(cells) + " |")
        if name != REAL:
            for s, f in zip(sides, full, strict=True):
                worst[s.label] = max(worst[s.label], (f, name))

    command = "benchmarks/task_analysis.py " + shlex.join(argv if argv is not None else sys.argv[1:])
    report = "\n".join([
        "# Task analysis: CPU time on the longest task allowed",
        "",
        f"`.venv/bin/python {command.strip()}` · {dt.date.today()} · code {version} · "
        f"Python {platform.python_version()} · {os.cpu_count()} CPUs · {args.runs} runs per shape and length",
        "",
        f"Hostile shapes are one text each, cut to the longest task allowed; `{REAL}` is all of the SWE-bench dev "
        "set's problem statements, analysed one after the other (its time is their sum). Growth: the median at the "
        "full length over the median at a quarter of it (linear ≈ 4×, quadratic ≈ 16×).",
        "",
        *lines,
        "",
        *[f"- {s.label}: slowest shape `{worst[s.label][1]}`, {ms(worst[s.label][0])} ms median "
          f"(target ≤ {ms(TARGET_S)} ms: {'met' if worst[s.label][0] <= TARGET_S else 'not met'})" for s in sides],
    ]) + "\n"
    print(report)
    if args.out:
        args.out.write_text(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
