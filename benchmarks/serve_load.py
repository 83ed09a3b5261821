"""The long-lived server under load, on loopback only: concurrent packs while files change, warm pack latency
over HTTP beside the in-process pack, and the CLI's pack through a running server and without one.

Starts `contextpack serve --repo TREE` on a free 127.0.0.1 port (own index and bundle directories), then:

1. load: N pack requests at once (default 200, 8,000 tokens, Django issue texts from the dev set) while a
   file of the tree is edited every second (the server's watcher re-indexes it); throughput, p50/p95/p99
   latency, errors (must be 0), and a consistency check of every bundle: each item's sha256 equals the
   file's sha256 in the index state the bundle names (the server keeps each state's file table), and
   files that never change equal their bytes on disk;
2. warm latency, one client: the same tasks over HTTP and in this process (`Engine.pack` on the same
   index, refresh off as in the server), alternating, on an idle tree; medians and p95, and their ratio;
3. the CLI: `contextpack pack` through the running server (discovered), and with `--no-server` (a cold
   process, warm index), wall time medians.

Every request loop is bounded in count and in time (`--max-seconds`), and traffic goes to 127.0.0.1 only.

    .venv/bin/python benchmarks/serve_load.py --out benchmarks/results/serve_load.md
    .venv/bin/python benchmarks/serve_load.py --repo ~/src/django --requests 50 --tasks 10
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import hashlib
import json
import os
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
sys.path.insert(0, str(HERE))
from _provenance import project_version  # noqa: E402

DEFAULT_MIRROR = Path("/work/.mirror/swe-bench+django__django/repo")
DEFAULT_COMMIT = "b9cf764be62e77b4777b3a75ec256f6209a57671"
DEFAULT_WORK = Path("/tmp/contextpack-bench/serve-load")
DEFAULT_EDIT = "django/core/validators.py"
DATASET = PROJECT.parent / "shared" / "bench" / "swebench-dev.jsonl"
TARGETS = {"http_p95_ratio": 1.2, "cli_server_s": 0.4, "cli_cold_s": 1.5}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--repo", type=Path, help="tree to serve (default: Django at a SWE-bench base commit, checked "
                                            "out from --mirror into --work-dir)")
    p.add_argument("--mirror", type=Path, default=DEFAULT_MIRROR)
    p.add_argument("--commit", default=DEFAULT_COMMIT)
    p.add_argument("--work-dir", type=Path, default=DEFAULT_WORK)
    p.add_argument("--edit-file", default=DEFAULT_EDIT, help="file edited every second during the load phase")
    p.add_argument("--requests", type=int, default=200, help="concurrent pack requests in the load phase")
    p.add_argument("--tasks", type=int, default=30, help="tasks for the single-client latency phase")
    p.add_argument("--cli-runs", type=int, default=5, help="runs of each CLI measurement")
    p.add_argument("--budget", type=int, default=8000)
    p.add_argument("--max-seconds", type=float, default=600, help="time bound of each phase")
    p.add_argument("--out", type=Path, help="also write the report here (markdown)")
    return p.parse_args(argv)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def tasks_from_dataset(n: int) -> list[str]:
    rows = [json.loads(line) for line in DATASET.read_text().splitlines() if line.strip()]
    texts = [r["problem_statement"] for r in rows if r["repo"] == "django/django"]
    return (texts * (n // max(len(texts), 1) + 1))[:n]


def tree_for(args: argparse.Namespace) -> Path:
    if args.repo:
        return args.repo.resolve()
    from _materialise import RepoTree

    return RepoTree(args.mirror, args.work_dir / "django").checkout(args.commit).root


class Server:
    """`contextpack serve` in a child process, on a free loopback port, with its own cache directories."""

    def __init__(self, tree: Path, work: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "CONTEXTPACK_INDEX_DIR": str(work / "index"),
                    "CONTEXTPACK_BUNDLE_DIR": str(work / "bundles"), "XDG_CACHE_HOME": str(work / "cache")}
        exe = Path(sys.executable).with_name("contextpack")
        self.cmd = [str(exe), "serve", "--repo", str(tree), "--port", str(self.port)]
        self.log = open(work / "server.log", "w")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(self.cmd, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                sys.exit(f"the server exited ({self.proc.returncode}); see {self.log.name}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        sys.exit(f"the server did not answer /healthz within {timeout:.0f} s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_phase(server: Server, tree: Path, repo: str, tasks: list[str], args: argparse.Namespace,
               bundle_dir: Path) -> dict:
    """All requests at once while the edit file changes every second; then check every bundle."""
    edit = tree / args.edit_file
    original = edit.read_bytes()
    versions = {hashlib.sha256(original).hexdigest()}
    stop = threading.Event()

    def editor() -> None:
        k = 0
        while not stop.wait(1.0):
            k += 1
            data = original + f"\n# serve_load edit {k}\n".encode()
            edit.write_bytes(data)
            versions.add(hashlib.sha256(data).hexdigest())

    async def run() -> tuple[list[float], list[str], list[dict], float]:
        limits = httpx.Limits(max_connections=args.requests, max_keepalive_connections=args.requests)
        async with httpx.AsyncClient(base_url=server.url, timeout=args.max_seconds, limits=limits) as client:
            async def one(task: str) -> tuple[float, str | None, dict | None]:
                t = time.perf_counter()
                try:
                    r = await client.post("/v1/pack", json={"repo": repo, "task": task, "budget": args.budget})
                except httpx.HTTPError as err:
                    return time.perf_counter() - t, f"{type(err).__name__}: {err}", None
                dt_ = time.perf_counter() - t
                if r.status_code != 200:
                    return dt_, f"HTTP {r.status_code}: {r.text[:200]}", None
                return dt_, None, r.json()

            started = time.perf_counter()
            results = await asyncio.wait_for(asyncio.gather(*(one(t) for t in tasks)), args.max_seconds)
            wall = time.perf_counter() - started
        return ([d for d, _, _ in results], [e for _, e, _ in results if e], [b for _, _, b in results if b], wall)

    thread = threading.Thread(target=editor)
    thread.start()
    try:
        latencies, errors, bundles, wall = asyncio.run(run())
    finally:
        stop.set()
        thread.join()
        edit.write_bytes(original)
    stable = {}
    inconsistent, unverifiable = [], 0
    for b in bundles:
        state_file = bundle_dir / "states" / f"{b['repo']['index_digest']}.json"
        state = json.loads(state_file.read_text()) if state_file.exists() else None
        if state is None:
            unverifiable += 1
        for it in b["items"]:
            if state is not None and state.get(it["path"]) != it["sha256"]:
                inconsistent.append(f"{b['id'][:12]} {it['path']}: not the sha256 of its index state")
            if it["path"] == args.edit_file:
                if it["sha256"] not in versions:
                    inconsistent.append(f"{b['id'][:12]} {it['path']}: a version never written")
            else:
                disk = stable.setdefault(it["path"], sha256(tree / it["path"]))
                if disk != it["sha256"]:
                    inconsistent.append(f"{b['id'][:12]} {it['path']}: differs from the file on disk")
    shown_edit = sum(1 for b in bundles if any(it["path"] == args.edit_file for it in b["items"]))
    return {"requests": len(tasks), "ok": len(bundles), "errors": errors, "wall": wall,
            "throughput": len(bundles) / wall if wall else 0.0, "latencies": latencies,
            "inconsistent": inconsistent, "unverifiable": unverifiable, "edits": len(versions) - 1,
            "shown_edit": shown_edit,
            "over_budget": sum(1 for b in bundles if b["budget"]["used"] > b["budget"]["limit"])}


def latency_phase(server: Server, tree: Path, repo: str, tasks: list[str], args: argparse.Namespace) -> dict:
    """One client: HTTP and in-process packs of the same tasks, alternating, the tree idle."""
    from contextpack.engine import Engine, settle_heap

    engine = Engine(tree, index_path=index_file(server))
    engine.prepare()
    settle_heap()
    http, local, same = [], [], 0
    deadline = time.monotonic() + args.max_seconds
    with httpx.Client(base_url=server.url, timeout=120) as client:
        for task in tasks:
            if time.monotonic() > deadline:
                break
            t = time.perf_counter()
            r = client.post("/v1/pack", json={"repo": repo, "task": task, "budget": args.budget})
            http.append(time.perf_counter() - t)
            r.raise_for_status()
            t = time.perf_counter()
            b = engine.pack(task, args.budget)
            local.append(time.perf_counter() - t)
            same += r.json()["id"] == b.id
    engine.close()
    return {"http": http, "local": local, "same": same}


def index_file(server: Server) -> Path:
    files = sorted(Path(server.env["CONTEXTPACK_INDEX_DIR"]).glob("*.sqlite"))
    if len(files) != 1:
        sys.exit(f"expected one index file in {server.env['CONTEXTPACK_INDEX_DIR']}, found {len(files)}")
    return files[0]


def cli_phase(server: Server, tree: Path, task: str, args: argparse.Namespace) -> dict:
    exe = Path(sys.executable).with_name("contextpack")
    base = [str(exe), "pack", "--repo", str(tree), "--task", task, "--budget", str(args.budget)]
    out: dict[str, list[float]] = {"server": [], "cold": []}
    outputs: dict[str, set[str]] = {"server": set(), "cold": set()}
    for _ in range(args.cli_runs):
        for mode, extra in (("server", ["--server", server.url]), ("cold", ["--no-server"])):
            t = time.perf_counter()
            r = subprocess.run(base + extra, env=server.env, capture_output=True, text=True, timeout=args.max_seconds)
            out[mode].append(time.perf_counter() - t)
            if r.returncode != 0:
                sys.exit(f"`{shlex.join(base + extra)}` failed ({r.returncode}): {r.stderr.strip()[:300]}")
            outputs[mode].add(hashlib.sha256(r.stdout.encode()).hexdigest())
    return {**out, "identical": len(outputs["server"] | outputs["cold"]) == 1}


def ms(x: float) -> str:
    return f"{x * 1000:.0f} ms"


def report(args: argparse.Namespace, tree: Path, load: dict, lat: dict, cli: dict, started: str) -> str:
    lat_http, lat_local = lat["http"], lat["local"]
    ratio = pct(lat_http, 95) / pct(lat_local, 95) if lat_local else float("nan")
    cli_server, cli_cold = statistics.median(cli["server"]), statistics.median(cli["cold"])

    def verdict(ok: bool) -> str:
        return "met" if ok else "**missed**"

    lines = [
        "# Serving under load", "",
        f"`{shlex.join(['.venv/bin/python', 'benchmarks/serve_load.py', *sys.argv[1:]])}`", "",
        f"{started} · project {project_version(PROJECT)} · {os.cpu_count()} CPUs · tree `{tree.name}` · "
        f"budget {args.budget:,} tokens", "",
        f"## Load: {load['requests']} concurrent packs over HTTP, `{args.edit_file}` edited every second", "",
        "| requests | ok | errors | wall | throughput | p50 | p95 | p99 | edits during the run "
        "| bundles showing the edited file | inconsistent items | unverifiable bundles | over budget |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        f"| {load['requests']} | {load['ok']} | {len(load['errors'])} | {load['wall']:.1f} s | "
        f"{load['throughput']:.1f} packs/s | {ms(pct(load['latencies'], 50))} | {ms(pct(load['latencies'], 95))} | "
        f"{ms(pct(load['latencies'], 99))} | {load['edits']} | {load['shown_edit']} | {len(load['inconsistent'])} | "
        f"{load['unverifiable']} | {load['over_budget']} |", "",
        "Latency here is each request's wall time with all of them in flight at once (queueing included). "
        "*Inconsistent*: an item whose sha256 is not the file's in the index state the bundle names, a version "
        "of the edited file never written, or another file differing from the disk. *Unverifiable*: the "
        "state's file table was not kept (the checks against the disk still ran).", "",
        f"## Warm pack latency, one client, {len(lat_http)} tasks (same tasks, alternating, idle tree)", "",
        "| | p50 | p95 | mean |", "|---|---|---|---|",
        f"| HTTP `POST /v1/pack` | {ms(pct(lat_http, 50))} | {ms(pct(lat_http, 95))} | "
        f"{ms(statistics.fmean(lat_http))} |",
        f"| in-process `Engine.pack` | {ms(pct(lat_local, 50))} | {ms(pct(lat_local, 95))} | "
        f"{ms(statistics.fmean(lat_local))} |",
        f"| ratio HTTP / in-process (p95) | | {ratio:.2f} (target ≤ {TARGETS['http_p95_ratio']}: "
        f"{verdict(ratio <= TARGETS['http_p95_ratio'])}) | |", "",
        f"Same bundle id over HTTP and in process: {lat['same']} of {len(lat_http)}.", "",
        f"## The CLI, {args.cli_runs} runs each (`contextpack pack … --budget {args.budget}`)", "",
        "| | median wall | min | max | target |", "|---|---|---|---|---|",
        f"| through the running server (`--server URL`) | {cli_server:.2f} s | {min(cli['server']):.2f} s | "
        f"{max(cli['server']):.2f} s | ≤ {TARGETS['cli_server_s']} s: "
        f"{verdict(cli_server <= TARGETS['cli_server_s'])} |",
        f"| cold process, warm index (`--no-server`) | {cli_cold:.2f} s | {min(cli['cold']):.2f} s | "
        f"{max(cli['cold']):.2f} s | ≤ {TARGETS['cli_cold_s']} s: {verdict(cli_cold <= TARGETS['cli_cold_s'])} |", "",
        f"Byte-identical output through the server and in process: {'yes' if cli['identical'] else '**no**'}.",
    ]
    if load["errors"]:
        lines += ["", "Errors (first 5):", ""] + [f"- {e}" for e in load["errors"][:5]]
    if load["inconsistent"]:
        lines += ["", "Inconsistent items (first 5):", ""] + [f"- {e}" for e in load["inconsistent"][:5]]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    tree = tree_for(args)
    work = args.work_dir / "run"
    if work.exists():
        subprocess.run(["rm", "-rf", str(work)], check=True)
    work.mkdir(parents=True)
    server = Server(tree, work)
    try:
        print(f"serving {tree} at {server.url} (log: {work / 'server.log'})", file=sys.stderr)
        server.wait_ready(args.max_seconds)
        repo = httpx.get(f"{server.url}/v1/repos", timeout=30).json()[0]["name"]
        tasks = tasks_from_dataset(max(args.requests, args.tasks))
        t = time.perf_counter()
        httpx.post(f"{server.url}/v1/pack", json={"repo": repo, "task": tasks[0], "budget": args.budget},
                   timeout=args.max_seconds).raise_for_status()
        print(f"first pack (index + snapshot): {time.perf_counter() - t:.1f} s", file=sys.stderr)
        load = load_phase(server, tree, repo, tasks[:args.requests], args, Path(server.env["CONTEXTPACK_BUNDLE_DIR"]))
        print(f"load: {load['ok']}/{load['requests']} ok in {load['wall']:.1f} s", file=sys.stderr)
        time.sleep(3)  # the watcher settles the last edit's restore
        lat = latency_phase(server, tree, repo, tasks[:args.tasks], args)
        print(f"latency: {len(lat['http'])} tasks", file=sys.stderr)
        cli = cli_phase(server, tree, tasks[0], args)
    finally:
        server.stop()
    text = report(args, tree, load, lat, cli, started)
    sys.stdout.write(text)
    if args.out:
        args.out.write_text(text)
    return 1 if load["errors"] or load["inconsistent"] else 0


if __name__ == "__main__":
    sys.exit(main())
