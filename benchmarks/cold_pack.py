"""Cold `contextpack pack` on a warm index: what a new process pays before and after the persisted derived
state (`contextpack/derived.py`), plus the time of `import contextpack.cli`.

    /work/wt-perf/.venv/bin/python benchmarks/cold_pack.py                      # --repo /tmp/dj, 7 runs
    .venv/bin/python benchmarks/cold_pack.py --repo ~/src/django --runs 11 --out benchmarks/results/cold_pack.md
    .venv/bin/python benchmarks/cold_pack.py --baseline-src /tmp/contextpack-main   # + a column for other code

Each run is a fresh process (`python -c "from contextpack.cli import main; main()" pack …`), timed wall-clock
around it, with peak RSS (ru_maxrss) and CPU seconds from os.wait4. Columns, interleaved run by run so
machine load falls on all alike:
- `sidecar off`: this code with `CONTEXTPACK_DERIVED=off`, which neither reads nor writes the sidecar: the
  graph, PageRank matrix and lexical index are rebuilt from the index, as every pack did before;
- `sidecar on`: this code loading `<index>.derived.npz` (written once, by an untimed run, before the runs);
- with `--baseline-src DIR`: the package from DIR (e.g. `git archive main | tar -x -C DIR`), to compare with
  other code (its start-up imports as well), as a user runs it: on its own copy of the index
  (`<index>-baseline.sqlite`, SQLite's backup of it after the refresh), with its own sidecar, written by an
  untimed run (a sidecar is keyed by the code that wrote it: on one shared file the two sides would
  rebuild each other's at every run; `--baseline-no-sidecar` runs it with the sidecar off, as the columns
  of runs before the sidecar existed did).
Every bundle of every column must be byte-identical (checked; a difference fails the run). The index is
refreshed first (`contextpack index -q`), so each pack's own refresh is a no-op.

A Django tree: any checkout works (`git clone https://github.com/django/django /tmp/dj`); the SWE-bench
mirrors the other benchmarks read can be materialised at a commit with `_materialise.py`:

    python -c "import sys; sys.path.insert(0, 'benchmarks'); from pathlib import Path; \\
      from _materialise import RepoTree, find_mirror; \\
      RepoTree(find_mirror(Path('/work/.mirror'), 'django/django'), Path('/tmp/dj')).checkout('b9cf764be6')"
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import platform
import shlex
import sqlite3
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _provenance import project_version  # noqa: E402
from index_speed import Run, busy_percent, cpu_model, loadavg, run_measured  # noqa: E402

PROJECT = Path(__file__).resolve().parent.parent
TASK = "QuerySet.bulk_create() ignores batch_size when update_conflicts=True; rows are sent in one query"
MAIN = "from contextpack.cli import main; main()"


def pack_cmd(args: argparse.Namespace, index: Path) -> list[str]:
    return [sys.executable, "-c", MAIN, "pack", "--repo", str(args.repo), "--index", str(index),
            "--task", args.task, "--budget", str(args.budget)]


def copy_index(src: Path, dst: Path) -> None:
    """`dst` as a consistent copy of the index `src` (SQLite's online backup: the WAL included)."""
    for old in (dst, dst.with_name(dst.name + "-wal"), dst.with_name(dst.name + "-shm")):
        old.unlink(missing_ok=True)
    with contextlib.closing(sqlite3.connect(src)) as a, contextlib.closing(sqlite3.connect(dst)) as b:
        a.backup(b)


def env_for(src: Path | None, sidecar: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CONTEXTPACK_DERIVED", "PYTHONPATH")}
    if src is not None:
        env["PYTHONPATH"] = str(src)
    if not sidecar:
        env["CONTEXTPACK_DERIVED"] = "off"
    return env


def measured(cmd: list[str], env: dict[str, str]) -> Run:
    # run outside the project: `python -c` puts the working directory first on sys.path, and a checkout's
    # own `contextpack/` there would shadow --baseline-src
    return run_measured(cmd, env=env, cwd="/")


def med(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repo", type=Path, default=Path("/tmp/dj") if Path("/tmp/dj").is_dir() else None)
    ap.add_argument("--index", type=Path, help="index file (default: /tmp/contextpack-bench/cold_pack-<repo>.sqlite)")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--task", default=TASK)
    ap.add_argument("--budget", type=int, default=8000)
    ap.add_argument("--baseline-src", type=Path, help="a directory holding another `contextpack` package")
    ap.add_argument("--baseline-no-sidecar", action="store_true",
                    help="run the baseline with the sidecar off (code from before the sidecar)")
    ap.add_argument("--out", type=Path, help="also write the report (markdown) here")
    args = ap.parse_args(argv)
    if args.repo is None or not args.repo.is_dir():
        ap.error("--repo: no tree (and /tmp/dj does not exist); see the docstring for getting one")
    args.repo = args.repo.resolve()
    if args.index is None:
        args.index = Path("/tmp/contextpack-bench") / f"cold_pack-{args.repo.name}.sqlite"
    args.index.parent.mkdir(parents=True, exist_ok=True)
    version = project_version(PROJECT, "contextpack")
    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")

    print(f"indexing {args.repo} into {args.index} …", file=sys.stderr)
    idx = measured([sys.executable, "-c", MAIN, "index", "--repo", str(args.repo), "--index", str(args.index),
                        "-q"], env=env_for(None, True)).check("index")
    print(f"  {idx.wall:.1f} s", file=sys.stderr)
    warm = measured(pack_cmd(args, args.index), env_for(None, True)).check("writing the sidecar")  # untimed
    columns: dict[str, tuple[Path | None, bool, Path]] = {}  # column → (code, sidecar, index)
    if args.baseline_src:
        base_index = args.index.with_name(args.index.stem + "-baseline.sqlite")
        copy_index(args.index, base_index)
        columns[f"baseline ({args.baseline_src})"] = (args.baseline_src.resolve(), not args.baseline_no_sidecar,
                                                      base_index)
    columns["sidecar off"] = (None, False, args.index)
    columns["sidecar on"] = (None, True, args.index)
    runs: dict[str, list[Run]] = {c: [] for c in columns}
    imports: dict[str, list[float]] = {"python -c pass": []}
    import_srcs: dict[str, Path | None] = {"import contextpack.cli": None}
    if args.baseline_src:
        import_srcs["import contextpack.cli (baseline)"] = args.baseline_src.resolve()
    for name in import_srcs:
        imports[name] = []
    for col, (src, sidecar, index) in columns.items():  # untimed: bytecode compiled, sidecars written
        if measured(pack_cmd(args, index), env_for(src, sidecar)).check(col).stdout != warm.stdout:
            raise SystemExit(f"{col}: a different bundle than the sidecar-writing run")
    load_before, busy_before = loadavg(), busy_percent()
    for i in range(args.runs):
        for col, (src, sidecar, index) in columns.items():
            r = measured(pack_cmd(args, index), env_for(src, sidecar)).check(col)
            if r.stdout != warm.stdout:
                raise SystemExit(f"{col}: run {i + 1} gave a different bundle than the sidecar-writing run")
            runs[col].append(r)
        py = measured([sys.executable, "-c", "pass"], env_for(None, True)).check("python")
        imports["python -c pass"].append(py.wall)
        for name, src in import_srcs.items():
            imports[name].append(measured([sys.executable, "-c", "import contextpack.cli"],
                                          env_for(src, True)).check(name).wall)
        print(f"run {i + 1}/{args.runs}: " + ", ".join(f"{c} {runs[c][-1].wall:.2f} s" for c in columns),
              file=sys.stderr)
    load_after = loadavg()

    cmd = shlex.join([Path(sys.executable).name, "benchmarks/cold_pack.py", *(argv if argv is not None
                                                                              else sys.argv[1:])])
    sidecar = args.index.with_name(args.index.name + ".derived.npz")
    lines = [
        "# Cold `contextpack pack` (warm index, nothing changed)", "",
        f"`{cmd}`", "",
        f"- {started}, contextpack {version}; Python {platform.python_version()}, {os.cpu_count()} CPUs "
        f"({cpu_model()})",
        f"- tree: {args.repo}; index {args.index}; sidecar "
        + (f"{sidecar.stat().st_size / 2**20:.1f} MiB" if sidecar.exists() else "missing"),
        f"- task: {args.task!r}, budget {args.budget}; {args.runs} runs per column, interleaved; every bundle "
        "byte-identical",
        f"- machine load: {load_before} before ({busy_before:.0f}% of the CPUs busy with other work), "
        f"{load_after} after",
        "",
        "| | median wall s | min–max wall s | median CPU s | median peak RSS MiB |",
        "|---|---:|---:|---:|---:|",
    ]
    for col, rs in runs.items():
        walls = [r.wall for r in rs]
        lines.append(f"| pack, {col} | {med(walls):.2f} | {min(walls):.2f}–{max(walls):.2f} | "
                     f"{med([r.cpu for r in rs]):.2f} | {med([r.maxrss_mb for r in rs]):.0f} |")
    for name, ws in imports.items():
        lines.append(f"| {name} | {med(ws):.2f} | {min(ws):.2f}–{max(ws):.2f} | | |")
    report = "\n".join(lines) + "\n"
    sys.stdout.write(report)
    if args.out:
        args.out.write_text(report, "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
