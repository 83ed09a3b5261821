"""How contextpack's costs grow with repository size: synthetic trees of 10k, 50k and 200k files and the
Django tree, against the targets of issue 11 (cold index ≤ 30 s, no-op refresh ≤ 1 s, pack ≤ 2 s warm and
≤ 10 s cold, peak RSS ≤ 600 MB, at 200k files).

    .venv/bin/python benchmarks/scale.py                                  # 10k, 50k, 200k and django
    .venv/bin/python benchmarks/scale.py --sizes 10k,50k --out /tmp/scale.md
    .venv/bin/python benchmarks/scale.py --sizes 200k,django --work-dir /tmp/cp-scale --out benchmarks/results/scale.md
    .venv/bin/python benchmarks/scale.py --sizes 10k --baseline-src /tmp/contextpack-main   # + columns for other code
    .venv/bin/python benchmarks/scale.py --sizes 10k --cold-repeat 3 --baseline-src /tmp/contextpack-main

The synthetic trees are written by this script, deterministically (a seeded generator; the same size gives
the same bytes): packages of small Python modules (a class with a method or two, functions, imports of
modules of the same and of other packages), with about one file in twenty in JavaScript, TypeScript, Go or
Rust, spread about 40 files to a directory. They are kept in --work-dir between runs (regenerated only when
missing). Django is checked out from the SWE-bench mirror at a base commit (`_materialise.py`).

Every step runs in its own child process, so its peak RSS is that process's own (ru_maxrss from os.wait4,
the largest of the child and the pool workers it reaped) and its CPU time (user + sys, child and workers)
is its own:
- cold index: `contextpack index -q` into a fresh index file (median of --cold-repeat, default 1);
- no-op refresh: `contextpack index -q` again (median of --repeat); `in-process` is the refresh itself as
  the CLI reports it (RefreshStats.seconds), without interpreter start-up and imports;
- warm pack: one process builds an Engine, indexes (no-op) and `prepare()`s, then packs the task --repeat
  times: the median of those packs (a server's latency), and that process's peak RSS;
- cold pack: `contextpack pack --no-server` in a new process (median of --repeat; the first pack of the
  state, which writes the derived sidecar, has already run in the warm step);
- index size: the SQLite file with its WAL and the derived sidecar.
The machine's load average is printed beside the table: timings on a shared machine are noisy, CPU seconds
less so.
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import json
import os
import random
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
sys.path.insert(0, str(HERE))
from _materialise import RepoTree  # noqa: E402
from _provenance import project_version  # noqa: E402

DJANGO_MIRROR = Path("/work/.mirror/swe-bench+django__django/repo")
DJANGO_COMMIT = "b9cf764be62e77b4777b3a75ec256f6209a57671"
DEFAULT_WORK = Path(tempfile.gettempdir()) / "contextpack-bench" / "scale"
MB = 1024 * 1024
SIZES = {"10k": 10_000, "50k": 50_000, "200k": 200_000}
FILES_PER_DIR = 40
OTHER_LANGUAGE_EVERY = 20  # one file in this many is not Python
GENERATOR_VERSION = "3"  # bump when the generator's output changes

# issue 11's targets at 200k files
TARGETS = {"cold_index_s": 30.0, "noop_s": 1.0, "warm_pack_s": 2.0, "cold_pack_s": 10.0, "rss_mb": 600.0}

TASK = ("OrderLedger.settle_batch in pkg7/sub3 raises KeyError when a refund arrives before its invoice; "
        "make settle_batch skip unknown invoices and log them (see compute_totals and InvoiceStore.lookup)")


# -- the synthetic tree ---------------------------------------------------------------------------------------
_NOUNS = ("order", "invoice", "ledger", "account", "refund", "batch", "cart", "price", "stock", "user",
          "session", "report", "queue", "event", "token_bucket", "payment", "route", "cache", "store", "item")
_VERBS = ("compute", "load", "settle", "apply", "merge", "render", "lookup", "validate", "flush", "split")


def _camel(word: str) -> str:
    return "".join(p.capitalize() for p in word.split("_"))


def _python(rng: random.Random, mod: str, peers: list[str]) -> str:
    noun, other = rng.choice(_NOUNS), rng.choice(_NOUNS)
    cls = _camel(noun) + _camel(other)
    imports = sorted(set(rng.sample(peers, k=min(len(peers), rng.randint(1, 3)))))
    lines = [f'"""{noun.capitalize()} handling for {mod}."""', ""]
    for imp in imports:
        pkg, name = imp.rsplit(".", 1)
        lines.append(f"from {pkg} import {name}")
    lines += ["", "",
              f"class {cls}:",
              f'    """Keeps {other}s of one {noun}."""', "",
              "    def __init__(self, items):",
              "        self.items = list(items)", ""]
    for verb in rng.sample(_VERBS, k=rng.randint(1, 2)):
        lines += [f"    def {verb}_{other}(self, key):",
                  "        return [i for i in self.items if i.get(key)]", ""]
    for verb in rng.sample(_VERBS, k=rng.randint(1, 2)):
        ref = imports[0].rsplit(".", 1)[1] if imports else "len"
        lines += ["", f"def {verb}_{noun}s(values, limit={rng.randint(1, 99)}):",
                  "    total = sum(v for v in values[:limit])",
                  f"    return {ref}, {cls}([total])"]
    return "\n".join(lines) + "\n"


def _other(rng: random.Random, i: int) -> tuple[str, str]:
    noun, verb = rng.choice(_NOUNS), rng.choice(_VERBS)
    kind = i % 4
    if kind == 0:
        return "js", (f"import {{ {verb} }} from './util{i % 7}.js';\n\n"
                      f"export class {_camel(noun)}View {{\n  render(x) {{ return {verb}(x); }}\n}}\n")
    if kind == 1:
        return "ts", (f"export interface {_camel(noun)} {{ id: number; name: string }}\n\n"
                      f"export function {verb}{_camel(noun)}(x: {_camel(noun)}): number {{ return x.id; }}\n")
    if kind == 2:
        return "go", (f"package svc\n\nimport \"fmt\"\n\ntype {_camel(noun)} struct {{ ID int }}\n\n"
                      f"func ({noun[0]} *{_camel(noun)}) {_camel(verb)}() string "
                      f"{{ return fmt.Sprint({noun[0]}.ID) }}\n")
    return "rs", (f"pub struct {_camel(noun)} {{ pub id: u64 }}\n\n"
                  f"impl {_camel(noun)} {{\n    pub fn {verb}(&self) -> u64 {{ self.id }}\n}}\n")


def generate(root: Path, n: int) -> None:
    """A tree of `n` files under `root` (same n ⇒ same bytes); written once, marked complete."""
    mark = root / ".scale-complete"
    if mark.exists() and mark.read_text() == f"{GENERATOR_VERSION} {n}\n":
        return
    if root.exists():
        shutil.rmtree(root)
    rng = random.Random(f"contextpack-scale-{n}")
    dirs = max(1, n // FILES_PER_DIR)
    packages = max(1, int(dirs ** 0.5))
    written = others = 0
    for d in range(dirs):
        pkg, sub = f"pkg{d % packages}", f"sub{d // packages}"
        folder = root / "src" / pkg / sub
        folder.mkdir(parents=True, exist_ok=True)
        count = n - written if d == dirs - 1 else FILES_PER_DIR
        (folder / "__init__.py").write_text("")
        written += 1
        peers = [f"{pkg}.{sub}.mod{j}" for j in range(count)] + [
            f"pkg{(d * 7 + k) % packages}.sub{((d * 7 + k) // packages) % max(1, dirs // packages)}.mod{k}"
            for k in range(3)]
        for j in range(count - 1):
            i = written
            if i % OTHER_LANGUAGE_EVERY == 0:
                ext, text = _other(rng, others)
                others += 1
                (folder / f"mod{j}.{ext}").write_text(text)
            else:
                (folder / f"mod{j}.py").write_text(_python(rng, f"{pkg}.{sub}.mod{j}", peers))
            written += 1
    # the task's own subject, so a pack has something real to find
    (root / "src" / "pkg7" / "sub3").mkdir(parents=True, exist_ok=True)
    (root / "src" / "pkg7" / "sub3" / "ledger.py").write_text(
        '"""Settling batches of invoices and refunds."""\n\n\nclass InvoiceStore:\n'
        "    def lookup(self, key):\n        return self.rows[key]\n\n\nclass OrderLedger:\n"
        "    def settle_batch(self, batch, store):\n        return [store.lookup(r.invoice) for r in batch]\n\n\n"
        "def compute_totals(rows):\n    return sum(r.amount for r in rows)\n")
    (root / "README.md").write_text(f"# synthetic monorepo ({n} files)\n")
    mark.write_text(f"{GENERATOR_VERSION} {n}\n")  # an unknown language: skipped by the scanner


def django(work: Path) -> Path:
    tree = RepoTree(DJANGO_MIRROR, work / "django")
    return tree.checkout(DJANGO_COMMIT).root


# -- measuring one child process ------------------------------------------------------------------------------
@dataclass
class Run:
    wall: float
    cpu: float
    rss_mb: float
    stdout: str


def run(cmd: list[str], env: dict[str, str], what: str, cwd: Path) -> Run:
    """`cmd` in a child process started in `cwd`, the benchmark's own directory: a `python -c` child imports
    first from its working directory, so started in a checkout it would measure that checkout's code, not
    the code its environment names. Wall time, CPU (child + reaped workers) and peak RSS from os.wait4."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if proc.returncode != 0:
        raise SystemExit(f"{what}: exit {proc.returncode}: {shlex.join(cmd)}\n{stderr[-3000:]}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, stdout)


_CLI = "import sys; sys.argv[0] = 'contextpack'; from contextpack.cli import main; main()"
_WARM = """
import json, sys, time
from contextpack.engine import Engine, settle_heap
repo, index, task, repeat = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
engine = Engine(repo, index_path=index)
t, c = time.perf_counter(), time.process_time()
engine.index(); engine.prepare(); settle_heap()
prepare, prepare_cpu = time.perf_counter() - t, time.process_time() - c
walls, cpus, ids = [], [], set()
for _ in range(repeat):
    t, c = time.perf_counter(), time.process_time()
    bundle = engine.pack(task, budget=8000)
    walls.append(time.perf_counter() - t); cpus.append(time.process_time() - c); ids.add(bundle.id)
print(json.dumps({"walls": walls, "cpus": cpus, "prepare": prepare, "prepare_cpu": prepare_cpu, "ids": sorted(ids),
                  "items": len(bundle.items)}))
"""


def measure(repo: Path, index: Path, repeat: int, env: dict[str, str], cold_repeat: int = 1) -> dict[str, float]:
    py = sys.executable
    cwd = index.parent  # the benchmark's directory of indexes: the children start there
    cwd.mkdir(parents=True, exist_ok=True)
    cli = [py, "-c", _CLI]
    m: dict[str, float] = {}
    colds = []
    for _ in range(cold_repeat):  # each into a fresh index file
        for p in cwd.glob(index.name + "*"):
            p.unlink()
        colds.append(run(cli + ["index", "-q", "--repo", str(repo), "--index", str(index)], env, "cold index", cwd))
    m.update(cold_index_s=statistics.median(r.wall for r in colds),
             cold_index_cpu=statistics.median(r.cpu for r in colds), cold_index_rss=max(r.rss_mb for r in colds))
    run(cli + ["index", "-q", "--repo", str(repo), "--index", str(index)], env, "settle", cwd)  # racily clean files
    noops = [run(cli + ["index", "-q", "--repo", str(repo), "--index", str(index)], env, "no-op refresh", cwd)
             for _ in range(repeat)]
    m.update(noop_s=statistics.median(r.wall for r in noops), noop_cpu=statistics.median(r.cpu for r in noops),
             noop_rss=max(r.rss_mb for r in noops),
             noop_inproc_s=statistics.median(_seconds(r.stdout) for r in noops))
    warm = run([py, "-c", _WARM, str(repo), str(index), TASK, str(repeat)], env, "warm pack", cwd)
    w = json.loads(warm.stdout)
    if len(w["ids"]) != 1:
        raise SystemExit(f"warm packs of one state differ: {w['ids']}")
    m.update(warm_pack_s=statistics.median(w["walls"]), warm_pack_cpu=statistics.median(w["cpus"]),
             warm_prepare_s=w["prepare"], warm_prepare_cpu=w["prepare_cpu"], warm_rss=warm.rss_mb, items=w["items"])
    colds = [run(cli + ["pack", "--no-server", "--repo", str(repo), "--index", str(index), "--task", TASK],
                 env, "cold pack", cwd) for _ in range(repeat)]
    ids = {json.loads(r.stdout)["id"] for r in colds}
    if ids != set(w["ids"]):
        raise SystemExit(f"cold and warm bundles differ: {sorted(ids)} vs {w['ids']}")
    m.update(cold_pack_s=statistics.median(r.wall for r in colds),
             cold_pack_cpu=statistics.median(r.cpu for r in colds), cold_pack_rss=max(r.rss_mb for r in colds))
    m["index_mb"] = sum(p.stat().st_size for p in index.parent.glob(index.name + "*")) / MB
    m["files"] = _files(index)
    return m


def _seconds(stdout: str) -> float:
    """The refresh's own time, from the `seconds` row of `contextpack index`'s summary."""
    found = re.search(r"seconds\W+([0-9.]+)", stdout)
    if found is None:
        raise SystemExit(f"no 'seconds' row in: {stdout}")
    return float(found.group(1))


def _files(index: Path) -> float:
    import sqlite3

    conn = sqlite3.connect(f"{index.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT COUNT(*) FROM files").fetchone()[0]
    finally:
        conn.close()


# -- report ---------------------------------------------------------------------------------------------------
ROWS = [  # (label, key, unit, target key)
    ("indexed files", "files", "", None),
    ("cold index, wall", "cold_index_s", "s", "cold_index_s"),
    ("cold index, CPU (with workers)", "cold_index_cpu", "s", None),
    ("cold index, peak RSS", "cold_index_rss", "MB", "rss_mb"),
    ("no-op refresh, wall (CLI)", "noop_s", "s", "noop_s"),
    ("no-op refresh, in-process", "noop_inproc_s", "s", "noop_s"),
    ("no-op refresh, CPU (CLI)", "noop_cpu", "s", None),
    ("no-op refresh, peak RSS", "noop_rss", "MB", "rss_mb"),
    ("warm pack, wall", "warm_pack_s", "s", "warm_pack_s"),
    ("warm pack, CPU", "warm_pack_cpu", "s", None),
    ("warm engine: refresh + prepare", "warm_prepare_s", "s", None),
    ("warm engine: refresh + prepare, CPU", "warm_prepare_cpu", "s", None),
    ("warm engine, peak RSS", "warm_rss", "MB", "rss_mb"),
    ("cold pack, wall", "cold_pack_s", "s", "cold_pack_s"),
    ("cold pack, CPU", "cold_pack_cpu", "s", None),
    ("cold pack, peak RSS", "cold_pack_rss", "MB", "rss_mb"),
    ("index + sidecar size", "index_mb", "MB", None),
]


def _fmt(v: float, unit: str) -> str:
    if unit == "":
        return f"{v:,.0f}"
    return f"{v:,.0f} {unit}" if unit == "MB" else f"{v:.2f} {unit}"


def table(results: dict[str, dict[str, float]]) -> str:
    names = list(results)
    synth = sorted((n for n in names if n in SIZES), key=SIZES.__getitem__)
    head = ["step", *names]
    if len(synth) >= 2:
        head.append(f"growth {synth[0]}→{synth[-1]} (files ×{SIZES[synth[-1]] / SIZES[synth[0]]:.0f})")
    head.append("target (200k)")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for label, key, unit, target in ROWS:
        cells = [label] + [_fmt(results[n][key], unit) for n in names]
        if len(synth) >= 2:
            a, b = results[synth[0]][key], results[synth[-1]][key]
            cells.append(f"×{b / a:.1f}" if a else "")
        if target is None:
            cells.append("")
        else:
            t = TARGETS[target]
            at = results.get("200k", {}).get(key)
            verdict = "" if at is None else (" ✓" if at <= t else " ✗")
            cells.append(f"≤ {_fmt(t, 'MB' if target == 'rss_mb' else 's')}{verdict}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10k,50k,200k,django",
                    help="comma-separated: 10k, 50k, 200k (synthetic) and/or django")
    ap.add_argument("--work-dir", type=Path, default=DEFAULT_WORK, help="trees, indexes (kept between runs)")
    ap.add_argument("--out", type=Path, help="also write the report (Markdown) here")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each no-op refresh and pack (median)")
    ap.add_argument("--cold-repeat", type=int, default=1, help="cold indexes of each tree (median; peak RSS: max)")
    ap.add_argument("--baseline-src", type=Path,
                    help="also measure the package in this directory (e.g. `git archive main | tar -x -C DIR`), "
                         "on each tree before this code, in columns of its own")
    args = ap.parse_args()
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    for s in sizes:
        if s not in SIZES and s != "django":
            ap.error(f"unknown size {s!r}; use 10k, 50k, 200k or django")
    if args.baseline_src and not (args.baseline_src / "contextpack" / "grammars").is_dir():
        # else `contextpack.grammars` resolves through the editable install to this checkout's queries
        ap.error(f"--baseline-src: {args.baseline_src}/contextpack/grammars is missing (link or copy the "
                 "revision's grammars/ there)")
    work = args.work_dir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    # both sides start from bytecode, as an installed package does: under PYTHONDONTWRITEBYTECODE an editable
    # checkout would compile its modules again in every child process (~0.1 s of each CLI step)
    for src in filter(None, (PROJECT, args.baseline_src)):
        compileall.compile_dir(src.resolve() / "contextpack", quiet=1)
    env = {**os.environ, "CONTEXTPACK_INDEX_DIR": str(work / "indexes"), "XDG_CACHE_HOME": str(work / "cache"),
           "XDG_DATA_HOME": str(work / "data"), "XDG_STATE_HOME": str(work / "state")}
    results: dict[str, dict[str, float]] = {}
    loads = []
    for s in sizes:
        started = time.perf_counter()
        repo = django(work) if s == "django" else work / f"synthetic-{s}"
        if s != "django":
            generate(repo, SIZES[s])
        print(f"{s}: tree ready in {time.perf_counter() - started:.0f} s (load {loadavg()})", file=sys.stderr)
        loads.append(f"{s}: {loadavg()}")
        if args.baseline_src:
            base_env = {**env, "PYTHONPATH": str(args.baseline_src.resolve())}
            results[f"{s} baseline"] = measure(repo, work / "indexes" / f"{s}-baseline.sqlite", args.repeat, base_env,
                                               args.cold_repeat)
        results[s] = measure(repo, work / "indexes" / f"{s}.sqlite", args.repeat, env, args.cold_repeat)
        loads[-1] += f" → {loadavg()}"
        for name in (f"{s} baseline", s):
            if name in results:
                print(f"{name}: {json.dumps({k: round(v, 3) for k, v in results[name].items()})}", file=sys.stderr)
    argv = " ".join(shlex.quote(a) for a in sys.argv[1:])
    report = "\n".join([
        "# contextpack at scale", "",
        f"`.venv/bin/python benchmarks/scale.py {argv}`".replace(f" {argv}`", f" {argv}`" if argv else "`"), "",
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC · contextpack {project_version(PROJECT)} · "
        f"{os.cpu_count()} CPUs · load average (1, 5, 15 min) before → after each tree: {'; '.join(loads)}", "",
        table(results), "",
        "Medians of --repeat runs where repeated; each step a child process (peak RSS: ru_maxrss of it and "
        "its pool workers). Targets are issue 11's, for 200k files on this machine.",
    ])
    print(report)
    if args.out:
        args.out.write_text(report + "\n")


if __name__ == "__main__":
    main()
