"""The contract of the work: what the agent owns, may only read, must preserve, and which tests are the
evidence of done; plus the repository's durable instruction files.

    contract = build_contract(query, packed, store, graph, root, cache=ContractCache().for_state(digest))
    contract.owned, contract.preserve[0].callers
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .bundle import Contract, Evidence, Preserve, Rule
from .contract_config import CONFIG_PATH, GLOB_CHARS, ContractConfig, load_contract_config, matches
from .evidence import Runner, TestCase, command, detect_runner, test_cases
from .graph import RepoGraph, is_test_path
from .languages import CODE_LANGUAGES
from .pack import PackResult
from .redact import redact
from .scan import ScanOptions, secret_file
from .store import Store
from .task import TaskQuery

RULE_FILES = ("AGENTS.md", "CLAUDE.md", "CONTRIBUTING.md", "CONTRIBUTING.rst", ".github/CONTRIBUTING.md",
              ".github/copilot-instructions.md", ".cursorrules", ".contextpack/rules.md")
_MAX_OWNED = 4
MAX_EVIDENCE = 8  # evidence test files listed
RESHAPING_TYPES = frozenset({"refactor"})  # task types whose named definitions are not preserved
MAX_TESTS_PER_FILE = 25  # more cases than this in one file using owned code: the command runs the whole file
MAX_TEST_SOURCE_BYTES = 512 * 1024  # JS/Ruby test files are read (their tests are calls) up to this size
MAX_CACHED_ANSWERS = 4096  # per index state: (question, path) answers a ContractCache keeps


# the best shown code files are owned until their probabilities add up to this: one file when the ranking is
# sure of it, up to _MAX_OWNED when it is not. On the first 20 dev tasks of each repository (154, ranker with the
# title signals, out of fold) all gold files were owned in 77.3 % of tasks this way, mean |owned| 2.64, against
# 74.7 % and 2.77 for the three best (benchmarks/contract_fit.py; the rule was chosen on those tasks)
_OWNED_MASS = 0.995
# when the best shown code file is one the task names, another is owned only at this share of its probability
# (a floor at 2 % of the best one cut the file to change in 5 of the first 103 dev tasks once the ranker's trees
# made its probabilities sharper: benchmarks/contract_fit.py)
_NAMED_FLOOR = 0.2
_NAMED = ("mentioned in task", "in stack trace")  # reasons of a file the task names by path or frame


_MISSING = object()


class ContractCache:
    """Answers about one index state that every contract asks again (who uses an owned file's definitions,
    which tests cover it, a file's definitions, a test file's cases): a pure function of the state and the
    path, so kept until the state changes. The engine owns one; `for_state` gives the answers of a digest,
    afresh when the digest is new (a pack still on the older state keeps its own)."""

    def __init__(self, max_entries: int = MAX_CACHED_ANSWERS):
        self.max_entries = max_entries
        self._current = StateAnswers("", max_entries)

    def for_state(self, digest: str) -> StateAnswers:
        current = self._current
        if current.digest != digest:
            current = self._current = StateAnswers(digest, self.max_entries)
        return current


class StateAnswers:
    def __init__(self, digest: str, max_entries: int):
        self.digest, self.max_entries = digest, max_entries
        self._answers: dict[tuple[str, str], Any] = {}

    def get(self, question: str, path: str, compute: Callable[[], Any]) -> Any:
        key = (question, path)
        value = self._answers.get(key, _MISSING)
        if value is _MISSING:
            value = compute()
            if len(self._answers) >= self.max_entries:
                self._answers.clear()
            self._answers[key] = value
        return value


def _uncached(_question: str, _path: str, compute: Callable[[], Any]) -> Any:
    return compute()


def _owned(query: TaskQuery, packed: PackResult, pins: list[str] | None = None,
           config: ContractConfig | None = None, indexed: list[str] | None = None) -> tuple[list[str], dict[str, str]]:
    """The smallest set of files the change will touch, and why each is owned.

    In order: files the request pins (paths or globs, shown or not: then nothing else); files
    `.contextpack/config.toml` owns for this task type; then the shown code files the ranking finds most
    likely to change, until their probabilities add up to `_OWNED_MASS`, up to `_MAX_OWNED` in all (near the best
    one's probability, when the task names it).
    The ranking already weighs what the task names (paths, frames, definitions); rules of thumb on top of
    it owned the wrong file more often than the ranking's third choice (benchmarks/contract_fit.py). Tests
    are owned only for test-repair (or when pinned); never-owned globs of the config exclude a file
    whatever the ranking says."""
    cfg = config or ContractConfig()
    never = cfg.never_owned
    reasons: dict[str, str] = {}
    shown = [(f, sel) for f, sel in packed.items if sel.kind != "skeleton"]
    for pattern in pins or []:
        for path in sorted(p for p in (indexed or [f.path for f, _ in packed.items]) if matches(p, [pattern])):
            reasons.setdefault(path, f"pinned by the request (`{pattern}`)")
    if pins:
        return sorted(reasons), reasons
    allow_tests = query.type == "test-repair"

    def eligible(path: str) -> bool:
        return not matches(path, never) and (allow_tests or not is_test_path(path))

    for pattern in cfg.owned_for(query.type):
        for f, _ in shown:
            if matches(f.path, [pattern]) and eligible(f.path):
                reasons.setdefault(f.path, f"owned for {query.type} tasks by {CONFIG_PATH} (`{pattern}`)")
    if not shown:
        return sorted(reasons), reasons
    ranked = sorted(shown, key=lambda t: (-t[0].score, t[0].path))
    # code files: an edit usually lands in one; docs, manifests and data are owned only when pinned or configured
    candidates = [f for f, _ in ranked if eligible(f.path) and f.language in CODE_LANGUAGES]
    if candidates:
        top = candidates[0]
        # a task that names its file (a path, a stack frame) is about that file: others must come close
        floor = _NAMED_FLOOR if any(r.startswith(_NAMED) for r in top.reasons) else 0.0
        mass = 0.0
        for rank_no, f in enumerate(candidates, 1):
            if len(reasons) >= _MAX_OWNED or f.score < floor * top.score or (rank_no > 1 and mass >= _OWNED_MASS):
                break
            mass += f.score
            why = f.reasons[0] if f.reasons else "ranked"
            reasons.setdefault(f.path, f"{why} (ranked #{rank_no} of the shown code files, "
                                       f"probability {f.score:.2f})")
    if not reasons:  # nothing eligible: the best shown file, so that something is owned
        f = ranked[0][0]
        reasons[f.path] = f"the best-ranked shown file (score {f.score:.2f})"
    return sorted(reasons), reasons


def _rules(root: Path, owned: list[str], extra: list[str] = (), options: ScanOptions | None = None) -> list[Rule]:
    """The repository's instruction files that apply; a secret file named as one is not (its digest would
    leave)."""
    options = options or ScanOptions()
    candidates = list(RULE_FILES) + [p for p in extra if not (GLOB_CHARS & set(p))]
    for p in owned:  # nested AGENTS.md files apply to the directories below them
        parts = p.split("/")[:-1]
        candidates += ["/".join(parts[:i] + ["AGENTS.md"]) for i in range(1, len(parts) + 1)]
    out = []
    for rel in dict.fromkeys(candidates):
        if secret_file(rel, options):
            continue
        path = root / rel
        # no symlink, neither the file nor a folder on its way (`.github -> /elsewhere`), leads out of the root
        if path.is_file() and not path.is_symlink() and path.resolve().is_relative_to(root.resolve()):
            try:
                out.append(Rule(path=rel, sha256=hashlib.sha256(path.read_bytes()).hexdigest()))
            except OSError:
                continue
    return sorted(out, key=lambda r: r.path)


def build_contract(query: TaskQuery, packed: PackResult, store: Store, graph: RepoGraph, root: Path,
                   owned_pins: list[str] | None = None, cache: StateAnswers | None = None,
                   config: ContractConfig | None = None, options: ScanOptions | None = None) -> Contract:
    """`cache`: answers kept from earlier contracts on the same index state (`ContractCache.for_state`).
    `config`: the repository's contract settings when the caller has read them already. `options`: the
    scan's, for its secret-file patterns."""
    ask = cache.get if cache is not None else _uncached
    config = config if config is not None else load_contract_config(root)
    owned, owned_reasons = _owned(query, packed, owned_pins, config,
                                  graph.paths if owned_pins else None)
    owned_set = set(owned)
    read_only = sorted({f.path for f, _ in packed.items} - owned_set)
    shown = {f.path: sel.ranges for f, sel in packed.items}
    preserve: list[Preserve] = []
    # a refactoring that names a definition is there to change it: its signature is the work, not the contract
    reshaped = {i.rsplit(".", 1)[-1] for i in query.identifiers} if query.type in RESHAPING_TYPES else set()
    evidence: dict[str, list[str]] = {}
    is_test: dict[str, bool] = {}  # path → is_test_path(path), for this contract
    for path in owned:
        users_of = ask("users_of", path, lambda p=path: graph.users_of(p))
        defs = ask("definitions", path, lambda p=path: store.definitions(p))
        kind_of = {d.qualname: d.kind for d in defs}
        ranges = shown.get(path, [])
        for d in defs:
            users = users_of.get(d.qualname)
            if not users:
                continue
            callers = []
            for u in users:
                if u in owned_set:
                    continue
                test = is_test.get(u)
                if test is None:
                    test = is_test[u] = is_test_path(u)
                if test:
                    evidence.setdefault(u, []).append(d.name)
                else:
                    callers.append(u)
            # public: not private by name, and not local to a function (a nested helper has no callers)
            if callers and not d.name.startswith("_") and d.kind != "variable" and d.name not in reshaped \
                    and kind_of.get(d.parent or "") not in ("function", "method") \
                    and any(a <= d.end_line and d.start_line <= b for a, b in ranges):
                preserve.append(Preserve(path=path, qualname=d.qualname, signature=redact(d.signature, path)[0],
                                         callers=callers[:5]))
        for t in ask("tests_of", path, lambda p=path: graph.tests_of(p)):
            evidence.setdefault(t, [])
    chosen = sorted(evidence.items(), key=lambda kv: (-len(set(kv[1])), kv[0]))[:MAX_EVIDENCE]
    ev, commands = _runnable(chosen, store, root, ask)
    preserve.sort(key=lambda p: (p.path, p.qualname))
    return Contract(owned=owned, read_only=read_only, preserve=preserve[:20], evidence=ev,
                    rules=_rules(root, owned, config.contract.rules, options), commands=commands,
                    owned_reasons=owned_reasons)


def select_tests(path: str, store: Store, root: Path, names: set[str],
                 ask: Callable[[str, str, Callable[[], Any]], Any] = _uncached,
                 ) -> tuple[str, Runner | None, list[TestCase]]:
    """A test file's runner and the cases in it that use any of `names` (none found: the whole file)."""
    row = ask("file", path, lambda: store.file(path))
    language = row.language if row else ""
    runner = detect_runner(root, path, language)  # reads manifests, which need not be indexed: never kept
    if language in ("python", "go", "rust", "java", "php"):  # cases from the index alone
        cases = ask("test_cases", path, lambda: test_cases(path, language, store.definitions(path)))
    else:
        try:
            data = (root / path).read_bytes()
            source = data[:MAX_TEST_SOURCE_BYTES].decode("utf-8", errors="replace")
        except OSError:
            source = None
        cases = test_cases(path, language, store.definitions(path), source)
    lines = sorted(store.reference_lines(path, names))
    using = [c for c in cases if bisect.bisect_left(lines, c.start_line) < bisect.bisect_right(lines, c.end_line)]
    if len(using) > MAX_TESTS_PER_FILE:
        using = []
    return language, runner, using


def _runnable(chosen: list[tuple[str, list[str]]], store: Store, root: Path,
              ask: Callable[[str, str, Callable[[], Any]], Any]) -> tuple[list[Evidence], dict[str, str]]:
    ev: list[Evidence] = []
    by_runner: dict[Runner, list[tuple[str, list[TestCase]]]] = {}
    for t, names in chosen:
        reason = (f"uses {', '.join(f'`{n}`' for n in sorted(set(names))[:4])} from owned code"
                  if names else "imports owned code")
        _, runner, cases = select_tests(t, store, root, set(names), ask)
        cmd = command(runner, [(t, cases)]).display if runner else None
        if runner:
            by_runner.setdefault(runner, []).append((t, cases))
        ev.append(Evidence(path=t, reason=reason, tests=[c.name for c in cases], command=cmd,
                           runner=runner.name if runner else None))
    commands = {}
    for runner, selection in sorted(by_runner.items(), key=lambda kv: (kv[0].name, kv[0].cwd)):
        key = runner.name if not runner.cwd else f"{runner.name}:{runner.cwd}"
        commands[key] = command(runner, selection).display
    return ev, commands
