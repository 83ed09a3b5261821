"""Indexing speed and memory of contextpack on Django at a SWE-bench base commit, with Aider's repo map
timed on the same tree for comparison.

    /work/venv/bin/python benchmarks/index_speed.py                     # defaults: Django b9cf764, 3 repeats
    /work/venv/bin/python benchmarks/index_speed.py --repeat 5 --cold-repeat 3 --out /tmp/speed.md
    /work/venv/bin/python benchmarks/index_speed.py --repo ~/src/django --no-aider

Every contextpack measurement runs in a fresh subprocess (the `contextpack` CLI beside this interpreter, or a
small in-process script run by this interpreter), timed wall-clock with time.perf_counter around it. Peak
memory has two figures: the largest summed RSS of the process tree (the indexer and its process-pool
workers), sampled with psutil every 50 ms, and ru_maxrss from os.wait4 (the largest single process among the
child and the descendants it reaped). The summed RSS counts pages shared by the forked workers once per
process, so it is an upper bound.

Measured, in this order, on one tree: cold index (`contextpack index -q` into a fresh SQLite file,
--cold-repeat times); no-change refresh (`contextpack index`, --repeat times); one-file-change refresh (append
a comment line to --edit-file, `contextpack index`, restore, refresh again untimed; --repeat times); the same
two refreshes in one long-lived process (`Engine(tree, index_path=...).index()`, what a server sees:
RefreshStats.seconds and wall time); `contextpack map --budget B` (warm index); then Aider's RepoMap (cold:
its tag cache deleted; warm) when a side venv with aider-chat exists. Before each group the script samples
/proc/loadavg and how busy the CPUs were over one second while it was idle, so figures taken on a loaded
machine say so.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
sys.path.insert(0, str(HERE))
from _provenance import project_version  # noqa: E402

DEFAULT_MIRROR = Path("/work/.mirror/swe-bench+django__django/repo")
DEFAULT_COMMIT = "b9cf764be62e77b4777b3a75ec256f6209a57671"
DEFAULT_WORK = Path("/tmp/contextpack-bench/index-speed")
DEFAULT_EDIT = "django/core/validators.py"
DEFAULT_AIDER_VENV = Path("/tmp/aider-venv")
MB = 1024 * 1024

TARGETS = {"cold": 10.0, "nochange": 0.5, "onefile": 0.2, "rss_mb": 1024.0}


# -- measuring one subprocess --------------------------------------------------------------------------------
@dataclass
class Run:
    cmd: list[str]
    wall: float
    returncode: int
    stdout: str
    stderr: str
    tree_rss_mb: float  # max over 50 ms samples of the summed RSS of the process and its descendants
    maxrss_mb: float  # ru_maxrss from wait4: the largest single process (child or a reaped descendant)
    cpu: float  # user + sys seconds, child and reaped descendants
    timed_out: bool = False

    def check(self, what: str) -> Run:
        if self.timed_out:
            raise SystemExit(f"{what}: timed out after {self.wall:.0f} s: {shlex.join(self.cmd)}")
        if self.returncode != 0:
            raise SystemExit(f"{what}: exit {self.returncode}: {shlex.join(self.cmd)}\n{self.stderr[-3000:]}")
        return self


def run_measured(cmd: list[str], env: dict[str, str] | None = None, timeout: float | None = None,
                 cwd: str | None = None) -> Run:
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        peak = [0]
        done = threading.Event()
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env, cwd=cwd,
                                start_new_session=True)

        def sample() -> None:
            try:
                root = psutil.Process(proc.pid)
            except psutil.Error:
                return
            while not done.is_set():
                total = 0
                try:
                    procs = [root, *root.children(recursive=True)]
                except psutil.Error:
                    break
                for p in procs:
                    try:
                        total += p.memory_info().rss
                    except psutil.Error:
                        pass
                peak[0] = max(peak[0], total)
                done.wait(0.05)

        timed_out = [False]

        def kill() -> None:
            timed_out[0] = True
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        timer = threading.Timer(timeout, kill) if timeout else None
        if timer:
            timer.start()
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        done.set()
        if timer:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        sampler.join()
        out.seek(0)
        err.seek(0)
        return Run(cmd=cmd, wall=wall, returncode=proc.returncode,
                   stdout=out.read().decode("utf-8", "replace"), stderr=err.read().decode("utf-8", "replace"),
                   tree_rss_mb=peak[0] / MB, maxrss_mb=ru.ru_maxrss * 1024 / MB,
                   cpu=ru.ru_utime + ru.ru_stime, timed_out=timed_out[0])


# -- the machine and its load --------------------------------------------------------------------------------
def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def mem_total_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return None


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def busy_percent(seconds: float = 1.0) -> float:
    """Share of all CPUs not idle over `seconds` while this script waits: the load from other work."""
    def snap() -> tuple[int, int]:
        vals = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        idle = vals[3] + (vals[4] if len(vals) > 4 else 0)
        return sum(vals), idle
    t1, i1 = snap()
    time.sleep(seconds)
    t2, i2 = snap()
    return 100.0 * (1 - (i2 - i1) / max(t2 - t1, 1))


@dataclass
class Load:
    group: str
    loadavg: str
    busy: float


@dataclass
class Report:
    loads: list[Load] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def sample_load(self, group: str) -> None:
        load = Load(group, loadavg(), busy_percent())
        self.loads.append(load)
        print(f"[{group}] load average {load.loadavg}, CPUs {load.busy:.0f}% busy with other work",
              file=sys.stderr)


# -- the tree ------------------------------------------------------------------------------------------------
def materialise(mirror: Path, commit: str, work: Path) -> tuple[Path, str]:
    """Django at `commit` in work/django, via the shared helper (incremental, exact tree)."""
    from _materialise import RepoTree

    co = RepoTree(mirror, work / "django").checkout(commit)
    how = f"checked out {co.commit[:12]} from {mirror} in {co.seconds:.1f} s ({len(co.files)} files"
    how += f", {len(co.missing)} missing)" if co.missing else ")"
    return co.root, how


def drop_aider_cache(root: Path) -> None:
    for p in root.glob(".aider.tags.cache.v*"):
        shutil.rmtree(p, ignore_errors=True)


def remove_index(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)


# -- contextpack ---------------------------------------------------------------------------------------------
ROW = r"{}\s*\S\s*"


def parse_index_output(text: str) -> dict[str, float]:
    """The summary table `contextpack index` prints: files, parsed/unchanged/touched, seconds."""
    got: dict[str, float] = {}
    if m := re.search(ROW.format("files") + r"(\d+)", text):
        got["files"] = int(m.group(1))
    refresh = r"(\d+) parsed, (\d+) unchanged, (\d+) touched, (\d+) deleted"
    if m := re.search(ROW.format("refresh") + refresh, text):
        got.update(parsed=int(m.group(1)), unchanged=int(m.group(2)), touched=int(m.group(3)),
                   deleted=int(m.group(4)))
    if m := re.search(ROW.format("seconds") + r"([\d.]+)", text):
        got["seconds"] = float(m.group(1))
    if m := re.search(ROW.format("files") + r"\d+ \(([^)]*)\)", text):
        got["languages"] = m.group(1)  # type: ignore[assignment]
    return got


IN_PROCESS = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    from contextpack.engine import Engine

    root, index, rel, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])

    def timed(engine):
        c = time.process_time()
        t = time.perf_counter()
        s = engine.index()
        return {"wall": time.perf_counter() - t, "cpu": time.process_time() - c, "seconds": s.seconds,
                "parsed": s.parsed, "touched": s.touched, "unchanged": s.unchanged, "scanned": s.scanned}

    t = time.perf_counter()
    engine = Engine(root, index_path=index)
    opened = time.perf_counter() - t
    first = timed(engine)  # the first refresh after opening (not in the medians)
    nochange = [timed(engine) for _ in range(n)]
    path = Path(root) / rel
    orig = path.read_bytes()
    onefile, restore = [], []
    try:
        for i in range(n):
            path.write_bytes(orig + b"# contextpack index_speed benchmark edit %d\\n" % i)
            onefile.append(timed(engine))
            path.write_bytes(orig)
            restore.append(timed(engine))
    finally:
        path.write_bytes(orig)
    print(json.dumps({"open": opened, "first": first, "nochange": nochange, "onefile": onefile,
                      "restore": restore}))
""")


def bench_contextpack(args: argparse.Namespace, root: Path, work: Path, rep: Report) -> dict:
    cli = args.contextpack
    env = dict(os.environ, NO_COLOR="1", COLUMNS="200")
    res: dict = {"cold": [], "nochange": [], "onefile": [], "map": [], "startup": []}
    warm_index = work / "django.sqlite"

    rep.sample_load("CLI start-up")
    for _ in range(args.repeat):
        res["startup"].append(run_measured([cli, "--help"], env=env).check("contextpack --help"))
    print(f"  start-up: {[round(r.wall, 2) for r in res['startup']]} s", file=sys.stderr)

    rep.sample_load("cold index")
    for i in range(args.cold_repeat):
        idx = work / f"cold-{i}.sqlite"
        remove_index(idx)
        r = run_measured([cli, "index", "--repo", str(root), "--index", str(idx), "-q"], env=env)
        r.check("cold index")
        info = parse_index_output(r.stdout)
        if info.get("parsed", 0) != info.get("files", -1) or not info.get("files"):
            raise SystemExit(f"cold index did not parse every file: {info}\n{r.stdout}")
        res["cold"].append((r, info))
        print(f"  cold {i + 1}: {r.wall:.2f} s wall ({info.get('seconds')} s refresh), tree RSS "
              f"{r.tree_rss_mb:.0f} MB, maxrss {r.maxrss_mb:.0f} MB, cpu {r.cpu:.1f} s", file=sys.stderr)
        if i == args.cold_repeat - 1:
            remove_index(warm_index)
            for suffix in ("", "-wal", "-shm"):
                src = Path(str(idx) + suffix)
                if src.exists():
                    src.rename(str(warm_index) + suffix)
        else:
            remove_index(idx)

    base = [cli, "index", "--repo", str(root), "--index", str(warm_index), "-q"]
    rep.sample_load("no-change refresh (CLI)")
    for i in range(args.repeat):
        r = run_measured(base, env=env).check("no-change refresh")
        info = parse_index_output(r.stdout)
        if info.get("parsed") != 0:
            raise SystemExit(f"no-change refresh parsed files: {info}\n{r.stdout}")
        res["nochange"].append((r, info))
        print(f"  no-change {i + 1}: {r.wall:.2f} s wall ({info.get('seconds')} s refresh)", file=sys.stderr)

    rep.sample_load("one-file refresh (CLI)")
    edit = root / args.edit_file
    orig = edit.read_bytes()
    try:
        for i in range(args.repeat):
            edit.write_bytes(orig + b"# contextpack index_speed benchmark edit %d\n" % i)
            r = run_measured(base, env=env).check("one-file refresh")
            info = parse_index_output(r.stdout)
            edit.write_bytes(orig)
            if info.get("parsed") != 1:
                raise SystemExit(f"one-file change: expected 1 file parsed, got {info}\n{r.stdout}")
            run_measured(base, env=env).check("refresh after restoring the edited file")
            res["onefile"].append((r, info))
            print(f"  one-file {i + 1}: {r.wall:.2f} s wall ({info.get('seconds')} s refresh)",
                  file=sys.stderr)
    finally:
        edit.write_bytes(orig)

    rep.sample_load("in-process refreshes")
    r = run_measured([args.python, "-c", IN_PROCESS, str(root), str(warm_index), args.edit_file,
                      str(args.repeat)], env=env).check("in-process refreshes")
    inproc = json.loads(r.stdout.strip().splitlines()[-1])
    for s in inproc["nochange"]:
        if s["parsed"] != 0:
            raise SystemExit(f"in-process no-change refresh parsed {s['parsed']} files: {s}")
    for s in inproc["onefile"] + inproc["restore"]:
        if s["parsed"] != 1:
            raise SystemExit(f"in-process one-file change: stats.parsed == {s['parsed']}, expected 1: {s}")
    res["inproc"] = (r, inproc)
    print(f"  in-process: no-change {[round(s['seconds'], 3) for s in inproc['nochange']]} s, one-file "
          f"{[round(s['seconds'], 3) for s in inproc['onefile']]} s", file=sys.stderr)

    rep.sample_load("map")
    for i in range(args.repeat):
        r = run_measured([cli, "map", "--repo", str(root), "--index", str(warm_index), "--budget",
                          str(args.budget)], env=env).check("contextpack map")
        m = re.search(r"(\d+)/(\d+) tokens", r.stderr)
        if not m:
            raise SystemExit(f"contextpack map did not report its token count: {r.stderr[-500:]}")
        used = int(m.group(1))
        if used > args.budget:
            raise SystemExit(f"contextpack map used {used} tokens > budget {args.budget}")
        res["map"].append((r, used))
        print(f"  map {i + 1}: {r.wall:.2f} s wall, {used}/{args.budget} tokens", file=sys.stderr)
    return res


# -- Aider ---------------------------------------------------------------------------------------------------
AIDER_SCRIPT = textwrap.dedent("""
    import json, os, sys, time
    t0 = time.perf_counter()
    from aider.io import InputOutput
    from aider.models import Model
    from aider.repomap import RepoMap
    import aider
    imported = time.perf_counter() - t0

    root, budget, model_name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    files = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".aider")]
        files += [os.path.join(dirpath, f) for f in filenames if f.endswith(".py")]
    files.sort()
    io = InputOutput(yes=True, pretty=False, fancy_input=False)
    t = time.perf_counter()
    model = Model(model_name)
    model_s = time.perf_counter() - t
    # map_mul_no_files=1 and no max_context_window: the budget is map_tokens, not 8x it (no chat files)
    rm = RepoMap(map_tokens=budget, root=root, main_model=model, io=io, map_mul_no_files=1)
    t = time.perf_counter()
    text = rm.get_repo_map(chat_files=[], other_files=files)
    map_s = time.perf_counter() - t
    print(json.dumps({"version": aider.__version__, "imported": imported, "model": model_s, "map": map_s,
                      "files": len(files), "text": text or "",
                      "tokens_aider": rm.token_count(text) if text else 0}))
""")


def aider_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(LITELLM_LOCAL_MODEL_COST_MAP="True", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               AIDER_ANALYTICS="false", AIDER_CHECK_UPDATE="false", NO_COLOR="1", PYTHONWARNINGS="ignore")
    return env


def install_aider(venv: Path) -> str | None:
    """Create the side venv and pip install aider-chat (once, with a time limit); the reason on failure."""
    print(f"installing aider-chat into {venv} (up to {AIDER_INSTALL_TIMEOUT // 60} min)", file=sys.stderr)
    try:
        subprocess.run([shutil.which("python3") or sys.executable, "-m", "venv", str(venv)],
                       check=True, capture_output=True, timeout=120)
        p = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "aider-chat"], capture_output=True,
                           text=True, timeout=AIDER_INSTALL_TIMEOUT)
    except subprocess.TimeoutExpired:
        return f"`pip install aider-chat` took more than {AIDER_INSTALL_TIMEOUT // 60} min"
    except subprocess.CalledProcessError as e:
        return f"could not create {venv}: {e.stderr.decode(errors='replace').strip()[-200:]}"
    if p.returncode != 0:
        return "`pip install aider-chat` failed: " + (p.stderr.strip().splitlines() or ["?"])[-1][:200]
    return None


AIDER_INSTALL_TIMEOUT = 420


def bench_aider(args: argparse.Namespace, root: Path, work: Path, rep: Report) -> dict:
    """{"skipped": reason} or the cold and warm runs."""
    venv = args.aider_venv
    py = venv / "bin" / "python"
    if not py.exists() and args.install_aider:
        if why := install_aider(venv):
            return {"skipped": why}
    if not py.exists():
        return {"skipped": f"no Aider venv at {venv} (pass --install-aider to create it)"}
    probe = subprocess.run([str(py), "-c", "import aider.repomap"], capture_output=True, text=True,
                           env=aider_env(), timeout=300)
    if probe.returncode != 0:
        last = (probe.stderr.strip().splitlines() or ["?"])[-1]
        return {"skipped": f"`import aider.repomap` fails in {venv}: {last[:200]}"}
    script = work / "aider_map.py"
    script.write_text(AIDER_SCRIPT)
    cmd = [str(py), str(script), str(root), str(args.budget), args.aider_model]
    out: dict = {"cold": [], "warm": []}
    try:
        for kind, n in (("cold", args.aider_cold_repeat), ("warm", args.repeat)):
            rep.sample_load(f"Aider repo map ({kind})")
            for i in range(n):
                if kind == "cold":
                    drop_aider_cache(root)
                r = run_measured(cmd, env=aider_env(), timeout=args.aider_timeout, cwd=str(work))
                if r.timed_out or r.returncode != 0:
                    why = (f"timed out after {args.aider_timeout:.0f} s" if r.timed_out else
                           f"exit {r.returncode}: " + ((r.stderr.strip().splitlines() or ["?"])[-1])[:200])
                    if not out["cold"]:
                        return {"skipped": f"Aider's repo map failed ({kind} run): {why}"}
                    rep.notes.append(f"Aider {kind} run {i + 1} failed: {why}")
                    continue
                got = json.loads(r.stdout.strip().splitlines()[-1])
                if not got["text"]:
                    return {"skipped": "Aider's get_repo_map returned an empty map"
                                       + (f": {r.stderr.strip()[-200:]}" if r.stderr.strip() else "")}
                out[kind].append((r, got))
                print(f"  aider {kind} {i + 1}: {r.wall:.2f} s wall, get_repo_map {got['map']:.2f} s, "
                      f"{got['tokens_aider']} tokens (Aider's count)", file=sys.stderr)
    finally:
        drop_aider_cache(root)
    return out


# -- the report ----------------------------------------------------------------------------------------------
def med(xs: list[float]) -> float:
    return statistics.median(xs)


def spread(xs: list[float], fmt: str) -> str:
    return f"{format(min(xs), fmt)}–{format(max(xs), fmt)}" if len(xs) > 1 else ""


def verdict(value: float, target: float | None) -> str:
    if target is None:
        return ""
    return "yes" if value <= target else "**no**"


def cl100k_count(text: str) -> int | None:
    try:
        from contextpack.tokens import get_tokenizer

        return len(get_tokenizer("cl100k_base").encode(text))
    except Exception:  # noqa: BLE001 - only an extra column
        return None


def render(args: argparse.Namespace, header: list[str], cp: dict, aider: dict, rep: Report) -> str:
    rows: list[tuple[str, ...]] = []

    def add(metric: str, xs: list[float], fmt: str, target: float | None = None, target_text: str = "",
            unit: str = "", cpu: list[float] | None = None) -> None:
        m = med(xs)
        tt = target_text or (f"≤ {target:g}{unit}" if target is not None else "")
        c = f"{med(cpu):.2f}" if cpu else ""
        rows.append((metric, format(m, fmt), spread(xs, fmt), str(len(xs)), c, tt, verdict(m, target)))

    cold = cp["cold"]
    files = int(cold[-1][1]["files"])
    add("CLI start-up, `contextpack --help` wall (s)", [r.wall for r in cp["startup"]], ".2f",
        cpu=[r.cpu for r in cp["startup"]])
    add("cold index, CLI wall (s)", [r.wall for r, _ in cold], ".2f", TARGETS["cold"], unit=" s",
        cpu=[r.cpu for r, _ in cold])
    add("cold index, refresh `seconds` the CLI reports (s)", [i["seconds"] for _, i in cold], ".2f")
    add(f"files/s, cold ({files} files / CLI wall)", [files / r.wall for r, _ in cold], ".0f")
    add("files/s, cold (files / refresh `seconds`)", [files / i["seconds"] for _, i in cold], ".0f")
    add("peak RSS, cold index, process tree summed (MB)", [r.tree_rss_mb for r, _ in cold], ".0f",
        TARGETS["rss_mb"], "≤ 1 GB (1024 MB)")
    add("peak RSS, cold index, largest process ru_maxrss (MB)", [r.maxrss_mb for r, _ in cold], ".0f",
        TARGETS["rss_mb"], "≤ 1 GB (1024 MB)")
    ipr, ip = cp["inproc"]
    for key, what in (("nochange", "no-change refresh"), ("onefile", "one-file change")):
        add(f"{what}, in-process `stats.seconds` (s)", [s["seconds"] for s in ip[key]], ".3f",
            TARGETS[key], unit=" s", cpu=[s["cpu"] for s in ip[key]])
        add(f"{what}, in-process wall (s)", [s["wall"] for s in ip[key]], ".3f", TARGETS[key], unit=" s")
        add(f"{what}, CLI wall (s) ¹", [r.wall for r, _ in cp[key]], ".2f", cpu=[r.cpu for r, _ in cp[key]])
        add(f"{what}, CLI refresh `seconds` (s)", [i["seconds"] for _, i in cp[key]], ".2f")
    add("peak RSS, long-lived process doing only the refreshes (MB)", [ipr.maxrss_mb], ".0f",
        TARGETS["rss_mb"], "≤ 1 GB (1024 MB)")
    add(f"`contextpack map --budget {args.budget}`, CLI wall (s)", [r.wall for r, _ in cp["map"]], ".2f",
        cpu=[r.cpu for r, _ in cp["map"]])
    used = [u for _, u in cp["map"]]
    rows.append(("`contextpack map` tokens it reports (cl100k_base)", str(used[-1]),
                 "" if len(set(used)) == 1 else f"{min(used)}–{max(used)}", str(len(used)), "",
                 f"≤ {args.budget}", "yes" if max(used) <= args.budget else "**no**"))
    add("peak RSS, `contextpack map` (MB)", [r.tree_rss_mb for r, _ in cp["map"]], ".0f")

    aider_lines: list[str] = []
    if "skipped" in aider:
        rows.append(("Aider repo map", "not run", "", "0", "", "", ""))
        aider_lines.append(f"Aider: not run: {aider['skipped']}")
    else:
        for kind in ("cold", "warm"):
            runs = aider[kind]
            if not runs:
                continue
            add(f"Aider repo map {kind}, process wall (s) ³", [r.wall for r, _ in runs], ".2f",
                cpu=[r.cpu for r, _ in runs])
            add(f"Aider repo map {kind}, `get_repo_map` only (s)", [g["map"] for _, g in runs], ".2f")
            add(f"Aider repo map {kind}, peak RSS (MB)", [r.tree_rss_mb for r, _ in runs], ".0f")
        every = aider["cold"] + aider["warm"]
        last = every[-1][1]
        counts = [cl100k_count(g["text"]) for _, g in every]
        if None not in counts:
            rows.append(("Aider repo map tokens (cl100k_base, cold and warm runs)", str(int(med(counts))),
                         spread(counts, "d"), str(len(counts)), "", f"≤ {args.budget}",
                         verdict(med(counts), args.budget)))
        own = sorted({int(g["tokens_aider"]) for _, g in every})
        aider_lines.append(
            f"Aider {last['version']} (model `{args.aider_model}` for its token counter, map_tokens="
            f"{args.budget}, map_mul_no_files=1, no chat files, all {last['files']} `.py` files as "
            f"other_files): by its own (sampled) count its maps had {', '.join(map(str, own))} tokens; Aider "
            "accepts a map within 15 % of map_tokens, above it too (RepoMap.get_ranked_tags_map)"
            + f"; importing Aider takes {last['imported']:.2f} s and building the Model "
            f"{last['model']:.2f} s of the process wall. Cold = its tag cache (`.aider.tags.cache.v*` in the "
            "tree) deleted first; warm = the cache left by the previous run (each run is a fresh process, so "
            "Aider's in-memory map cache never helps).")

    lines = list(header)
    lines.append("")
    lines.append("| metric | median | min–max | runs | CPU s ² | target | meets target |")
    lines.append("|---|---:|---:|---:|---:|---|---|")
    lines += [f"| {' | '.join(r)} |" for r in rows]
    lines.append("")
    lines.append("¹ A CLI run is a new process: interpreter start, imports, opening the index, the refresh, "
                 "and printing its summary. The no-change and one-file targets are for the refresh in a "
                 "long-lived process (the in-process rows); the cold target applies to the whole CLI run.")
    lines.append("")
    lines.append("² Median user+sys CPU seconds of the run (a subprocess: itself and the descendants it "
                 "reaped, so the cold index includes its pool workers; in-process: `time.process_time()` "
                 "around the refresh). On a loaded machine the CPU time is the steadier figure.")
    lines.append("")
    if "skipped" not in aider:
        lines.append("³ A fresh process with the side venv's interpreter: imports (litellm is heavy), the "
                     "Model, the file walk and get_repo_map.")
        lines.append("")
    first = ip["first"]
    lines.append(f"In-process: constructing the Engine took {ip['open']:.3f} s; its first refresh after "
                 f"opening (not in the medians) {first['seconds']:.3f} s (wall {first['wall']:.3f} s, "
                 f"{first['parsed']} parsed). Each one-file change parsed exactly 1 file (checked), each "
                 "no-change refresh 0.")
    lines.append(f"Files indexed: {files} ({cold[-1][1].get('languages', '?')}); cold = empty index file, "
                 "tree already in the OS page cache (the checkout wrote it).")
    lines += [""] + aider_lines if aider_lines else []
    lines.append("")
    lines.append("Load before each group (1/5/15-min load average; share of the CPUs busy with other work "
                 "over 1 s while this script was idle):")
    lines.append("")
    ncpu = os.cpu_count() or 1
    high = False
    for load in rep.loads:
        flag = ""
        if load.busy > 25 or float(load.loadavg.split()[0]) > ncpu:
            flag = " — **machine loaded: the figures of this group are pessimistic**"
            high = True
        lines.append(f"- {load.group}: load {load.loadavg}, {load.busy:.0f}% busy{flag}")
    lines.append(f"- at the end: load {loadavg()}")
    if high:
        lines.append("")
        lines.append("**Other work was running on this machine during the run; wall times (and the targets' "
                     "verdicts) are pessimistic. CPU times are less affected.**")
    if rep.notes:
        lines.append("")
        lines += [f"- {n}" for n in rep.notes]
    return "\n".join(lines) + "\n"


def source_digest() -> str:
    """Hash of the contextpack package's sources: the install is editable, so an edit during the run would
    change what is measured half-way."""
    import hashlib

    h = hashlib.sha256()
    for f in sorted((PROJECT / "contextpack").rglob("*.py")):
        h.update(f.relative_to(PROJECT).as_posix().encode() + b"\0" + f.read_bytes())
    return h.hexdigest()[:12]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mirror", type=Path, default=DEFAULT_MIRROR, help="bare git mirror of Django")
    ap.add_argument("--commit", default=DEFAULT_COMMIT, help="commit to check out (a SWE-bench base commit)")
    ap.add_argument("--repo", type=Path, help="use this directory as the tree instead of a checkout")
    ap.add_argument("--work-dir", type=Path, default=DEFAULT_WORK, help="checkout and index files")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each refresh, the map and warm Aider")
    ap.add_argument("--cold-repeat", type=int, default=2, help="cold index runs")
    ap.add_argument("--budget", type=int, default=1024, help="map token budget (contextpack and Aider)")
    ap.add_argument("--edit-file", default=DEFAULT_EDIT, help="file the one-file change appends a comment to")
    ap.add_argument("--contextpack", default=str(Path(sys.executable).with_name("contextpack")),
                    help="the contextpack CLI")
    ap.add_argument("--python", default=sys.executable,
                    help="interpreter with contextpack, for the in-process run")
    ap.add_argument("--aider-venv", type=Path, default=DEFAULT_AIDER_VENV)
    ap.add_argument("--install-aider", action="store_true",
                    help="create --aider-venv with aider-chat if absent")
    ap.add_argument("--no-aider", action="store_true")
    ap.add_argument("--aider-model", default="gpt-4",
                    help="model for Aider's token counter (gpt-4: cl100k_base, shipped with litellm)")
    ap.add_argument("--aider-cold-repeat", type=int, default=1)
    ap.add_argument("--aider-timeout", type=float, default=1200.0, help="seconds per Aider run")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "index_speed.md")
    args = ap.parse_args(argv)
    if args.repeat < 1 or args.cold_repeat < 1:
        ap.error("--repeat and --cold-repeat must be >= 1")

    command = shlex.join([Path(sys.executable).name, *sys.argv]) if argv is None else shlex.join(argv)
    started = dt.datetime.now().astimezone()
    commit_before, digest_before = project_version(PROJECT, "contextpack"), source_digest()
    work = args.work_dir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    if args.repo:
        root, how = args.repo.resolve(), f"existing directory {args.repo.resolve()}"
    else:
        root, how = materialise(args.mirror, args.commit, work)
    if not (root / args.edit_file).is_file():
        raise SystemExit(f"--edit-file {args.edit_file} is not a file of {root}")
    drop_aider_cache(root)
    print(how, file=sys.stderr)

    rep = Report()
    cp = bench_contextpack(args, root, work, rep)
    aider = {"skipped": "--no-aider"} if args.no_aider else bench_aider(args, root, work, rep)

    mem = mem_total_gib()
    header = [
        "## contextpack index speed on Django",
        "",
        f"- command: `{command}`",
        f"- date: {started:%Y-%m-%d %H:%M %Z} (run took "
        f"{(dt.datetime.now().astimezone() - started).seconds} s)",
        f"- contextpack commit: {commit_before}, sources {digest_before}",
        f"- tree: {how}" + ("" if args.repo else f" (commit {args.commit})"),
        f"- machine: {os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {cpu_model()}"
        + (f", {mem:.0f} GiB RAM" if mem else "") + f", Python {sys.version.split()[0]}",
        f"- repeats: cold {args.cold_repeat}, refreshes and map {args.repeat}; medians shown",
    ]
    commit_after, digest_after = project_version(PROJECT, "contextpack"), source_digest()
    if digest_after != digest_before:
        header.append(f"- **contextpack's sources changed during the run** (commit {commit_after}, sources "
                      f"{digest_after} at the end): the figures mix versions; run again")
    elif commit_after != commit_before:
        header.append(f"- the project's HEAD moved to {commit_after} during the run; contextpack's sources "
                      "did not change")
    text = render(args, header, cp, aider, rep)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
