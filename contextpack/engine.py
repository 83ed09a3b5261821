"""The facade of one repository: index, pack, expand, symbols, read, map, stats. The surfaces reach it
through a `Workspace`; it wires the stages together and owns the caches derived from one index state.

Concurrency: one writer (refreshes are serialised by a lock, and across processes by SQLite), any
number of packs. A pack runs on an immutable `Snapshot` of one committed index state; if a file it is
about to show differs on disk from that state, the engine refreshes and packs again, so a bundle never
shows a state older than the files it reads, and every item's sha256 belongs to the named index digest.

    engine = Engine("path/to/repo")
    engine.index()                         # incremental; cold in parallel
    engine.pack("QuerySet.bulk_create ignores batch_size", budget=8000)
    engine.symbols("QuerySet.bulk_create")
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import posixpath
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .bundle import Budget, Bundle, Contract, Item, Omitted, Range, RepoInfo, TaskInfo, omitted_ref
from .config import load_config
from .contract import ContractCache, build_contract
from .contract_config import CONFIG_PATH, GLOB_CHARS, ContractConfig, load_contract_config, matches
from .errors import AccessError, NotFoundError, RequestError, StaleError
from .history import cochange, commits, git_state, head_commit
from .models import DEFAULT_BUDGET, MAX_BUDGET, MAX_EXPAND_TARGETS, FileSlice, SymbolHit
from .pack import DEFAULT_PRIORS, GAP, Packer, SourceFile, merge_ranges, render
from .past_changes import PastChanges
from .rank import FileCandidate, Ranker, Ranking, rank
from .redact import redact, redact_path, scrub
from .repomap import repo_map
from .scan import ScanOptions, resolve_root
from .snapshot import Snapshot
from .sources import SourceCache, split_lines
from .store import RefreshStats, Store, default_index_path
from .task import TaskQuery, analyze_task
from .tokens import DEFAULT_ENCODING, Tokenizer, get_tokenizer

# a pack that finds a shown file changed on disk refreshes and packs again, this many times at most
STALE_RETRIES = 3
MAX_ALWAYS = 20  # files the repository's config always shows, at most
MAX_READ_LINES = 20_000  # read_range answers at most this many lines
MAX_SYMBOL_CHARS = 1000  # a symbol query (a name or a qualified name) at most this long; SQLite's LIKE stops at 50,000


@dataclass
class IndexStats:
    root: str
    index_path: str
    digest: str | None
    files_by_language: dict[str, int]
    counts: dict[str, int]


class _Changed(Exception):
    """A file the pack was about to show differs on disk from the snapshot: refresh and try again."""


class Engine:
    """The facade of one repository (see the module's docstring)."""

    def __init__(self, repo: str | os.PathLike, index_path: str | os.PathLike | None = None,
                 options: ScanOptions | None = None):
        self.root = resolve_root(repo)
        cfg_options, cfg_index = load_config(self.root)
        self.options = options or cfg_options
        self.index_path = Path(index_path) if index_path else (cfg_index or default_index_path(self.root))
        self._store: Store | None = None  # the writer, used only under _write_lock
        self._probe: Store | None = None  # autocommit reader: the latest committed digest
        self._open_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._snapshot_lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._refreshes = 0  # completed refreshes; lets racing packs share one refresh
        self.last_change: RefreshStats | None = None  # the latest refresh that changed the index
        self._history: History | None = None
        self._sources = SourceCache()  # the files packs showed, by stat: read, hashed and counted once
        self._contract_cache = ContractCache()  # what contracts ask of the current index state
        self.ranker: Ranker | None = None  # None: the shipped weights (rank.default_ranker)
        self.priors = DEFAULT_PRIORS  # what the packer expects of a file or definition by its rank

    @property
    def store(self) -> Store:
        """The writing connection (refreshes); readers use snapshots."""
        with self._open_lock:
            if self._store is None:
                self._store = Store.open(self.index_path)
            return self._store

    def close(self) -> None:
        with self._snapshot_lock:
            if self._snapshot is not None:
                self._snapshot.retire()
                self._snapshot = None
        for s in (self._store, self._probe):
            if s is not None:
                s.close()
        self._store = self._probe = None

    # -- index state --------------------------------------------------------------------------------

    def index(self, progress: Callable[[int, int], None] | None = None) -> RefreshStats:
        """Refresh the index from the tree on disk (incremental; parallel when many files changed)."""
        with self._write_lock:
            return self._refresh(progress)

    def _refresh(self, progress: Callable[[int, int], None] | None = None,
                 recheck: tuple[str, ...] = ()) -> RefreshStats:
        stats = self.store.refresh(self.root, self.options, progress, recheck)
        self._refreshes += 1
        if stats.changed:
            self.last_change = stats
        return stats

    def _refresh_unless_done_since(self, seen: int, changed: _Changed) -> None:
        """Refresh, hashing again the file a pack found changed (its size and mtime may be the same: `cp -p`),
        unless another thread finished a refresh since `seen` that picked up that change (its result serves
        us too)."""
        path = changed.args[0]
        with self._write_lock:
            if self._refreshes == seen or self.last_change is None or path not in self.last_change.changed:
                self._refresh(recheck=(path,))

    def committed_digest(self) -> str | None:
        """The digest of the latest committed index state; None if never indexed."""
        if self._probe is None:
            writer = self.store  # creates the file and its schema
            with self._open_lock:
                if self._probe is None and writer is not None:
                    self._probe = Store.open_reader(self.index_path, pinned=False)
        return self._probe.meta("digest")

    def ensure_index(self) -> None:
        """Index on demand: a repository never indexed is indexed now."""
        if self.committed_digest() is None:
            with self._write_lock:
                if self.committed_digest() is None:
                    self._refresh()

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[Snapshot]:
        """The snapshot of the latest committed state, built once per state, held for the block."""
        self.ensure_index()
        with self._snapshot_lock:
            snap = self._snapshot
            if snap is None or snap.digest != self.committed_digest():
                self._snapshot = Snapshot.build(self.root, self.index_path)
                if snap is not None:
                    snap.retire()
                snap = self._snapshot
            snap.acquire()
        try:
            yield snap
        finally:
            snap.release()

    def prepare(self) -> None:
        """Build what packing derives from the current index state now, so the next pack pays only for
        the task (see also `settle_heap`)."""
        with self.snapshot():
            pass
        self._history_at(head_commit(self.root))  # git log: ~0.6 s on Django, else paid by the first pack
        get_tokenizer(DEFAULT_ENCODING)
        scrub("", "prepare.py")  # loads the secret detectors (~0.2 s) now rather than in the first pack

    # -- pack ---------------------------------------------------------------------------------------

    def pack(self, task: str, budget: int | None = None, encoding: str | None = None, task_type: str | None = None,
             refresh: bool = False, owned: list[str] | None = None) -> Bundle:
        """The bundle for a task: ranked, packed under `budget` tokens exactly, with its contract. A budget
        or encoding not given is the repository's `[defaults]` (.contextpack/config.toml), else ours."""
        config = load_contract_config(self.root)  # read once a pack: its defaults here, its rules in the contract
        budget = next(b for b in (budget, config.defaults.budget, DEFAULT_BUDGET) if b is not None)
        encoding = encoding or config.defaults.encoding or DEFAULT_ENCODING
        _check_budget(budget)
        for pin in owned or []:  # paths, directories ("src/") or globs, all inside the repository
            checked_path(pin)
        # HEAD's history (git log, ~0.5 s on Django when not yet read) comes in while the index is refreshed
        history = _Background(self._history_at, head_commit(self.root))
        tokenizer = get_tokenizer(encoding)
        query = analyze_task(task, task_type)
        if refresh:
            self.index()
        for attempt in range(STALE_RETRIES + 1):
            seen = self._refreshes
            try:
                with self.snapshot() as snap:
                    return self._pack(snap, query, budget, tokenizer, history.result(),
                                      tolerate_changes=attempt == STALE_RETRIES, owned=owned, config=config)
            except _Changed as changed:
                self._refresh_unless_done_since(seen, changed)
        raise AssertionError("unreachable: the last attempt tolerates changes")

    def _pack(self, snap: Snapshot, query: TaskQuery, budget: int, tokenizer: Tokenizer, history: History,
              tolerate_changes: bool, owned: list[str] | None = None,
              config: ContractConfig | None = None) -> Bundle:
        # git status is a child process (tens of ms on a large tree): it runs while this thread ranks
        state = _Background(git_state, self.root)  # runs no program the repository configures
        ranking = rank(query, snap.graph, snap.lexical, snap.modules, history.cochange, self.ranker, history.past)
        always = _always_included(snap, ranking, config or ContractConfig())
        notes = []
        sources: dict[str, SourceFile] = {}
        for f in always + ranking.files:
            if f.path in sources:
                continue
            src = self._source(snap, f.path, f.language, tokenizer)
            if src is not None:
                sources[f.path] = src
            elif tolerate_changes:
                notes.append(f"{f.path} changed while packing; left out")
            else:
                raise _Changed(f.path)
        packed = Packer(ranking, sources, tokenizer, budget, always, query.terms, self.priors).run()
        shown = {f.path for f, _ in packed.items}
        notes += [f"{f.path} is always included ({CONFIG_PATH}) but did not fit the budget whole; left out"
                  for f in always if f.path not in shown and f.path in sources]
        items = []
        for f, sel in packed.items:
            reasons = list(sel.reasons)[:8]
            if red := packed.redacted.get(f.path):
                shown = sorted(n for n in red if any(a <= n <= b for a, b in sel.ranges))
                if shown:
                    reasons.append(f"secrets redacted on line(s) {', '.join(map(str, shown))} "
                                   f"({', '.join(sorted({red[n] for n in shown}))})")
            items.append(Item(path=f.path, kind=sel.kind, ranges=sel.ranges, tokens=sel.tokens,
                              score=round(f.score, 6), reasons=reasons, sha256=sources[f.path].sha256,
                              language=f.language, content=sel.content))
        omitted = [Omitted(ref=omitted_ref(f.path, sel.kind, sel.ranges), path=f.path, kind=sel.kind,
                           ranges=sel.ranges, tokens=sel.tokens, score=round(f.score, 6),
                           reasons=list(sel.reasons)[:4]) for f, sel in packed.omitted]
        if not items:
            notes.append("nothing fit the budget" if budget < 64 or ranking.files
                         else "no file of the repository matches the task")
        if query.truncated:
            notes.append("the task text was cut to its first 200,000 characters")
        contract = build_contract(query, packed, snap.store, snap.graph, self.root, owned,
                                  cache=self._contract_cache.for_state(snap.digest), config=config,
                                  options=self.options)
        commit, dirty = state.result()
        return Bundle.build(
            repo=RepoInfo(root=self.root.name, commit=commit, dirty=dirty, index_digest=snap.digest),
            # the task is echoed as a reader would see it: a pasted .env or diff leaves redacted
            task=TaskInfo(text=scrub(query.text, "task.txt"), type=query.type, type_given=query.type_given,
                          type_reason=scrub(query.type_reason, "task.txt"), truncated=query.truncated),
            budget=Budget(limit=budget, used=packed.used, encoding=tokenizer.name),
            items=items, omitted=omitted, contract=contract, notes=notes)

    def _history_at(self, head: str | None) -> History:
        """What the commits up to `head` say for ranking, read once per HEAD."""
        history = self._history
        if history is None or history.head != head:
            history = self._history = History.read(self.root, head)
        return history

    def _source(self, snap: Snapshot, path: str, language: str, tokenizer: Tokenizer) -> SourceFile | None:
        """The file as the packer sees it, or None when it is not the content `snap` indexed."""
        row = snap.file(path)

        def build(sha: str, lines: list[str]) -> SourceFile:
            return SourceFile(path, language, sha, lines, snap.store.definitions(path), [None] * len(lines),
                              tokenizer.count, import_lines=sorted({i.line for i in snap.store.imports(path)}),
                              count_line=tokenizer.count_line)

        return self._sources.get(self.root, path, language, tokenizer, row.sha256 if row else None, build)

    # -- expand -------------------------------------------------------------------------------------

    def expand(self, parent: Bundle, parent_files: dict[str, str] | None, seen: dict[str, list[Range]],
               refs: list[str], symbols: list[str], paths: list[str], budget: int) -> Bundle:
        """A delta bundle: what `refs` (omitted entries of `parent`), `symbols` and `paths` name, minus
        everything `seen` (the lines the parent and its ancestors showed), packed under `budget` tokens.

        `parent_files` maps each path to its sha256 in the parent's index state (None when unknown):
        asking for a file whose content changed since then is refused as stale."""
        _check_budget(budget)
        if not (refs or symbols or paths):
            raise RequestError("expand needs at least one of: refs, symbols, paths")
        for what, asked in (("refs", refs), ("symbols", symbols), ("paths", paths)):
            if len(asked) > MAX_EXPAND_TARGETS:  # the HTTP and MCP models say so too; the CLI asks here
                raise RequestError(f"expand takes at most {MAX_EXPAND_TARGETS} {what}, got {len(asked):,}")
        tokenizer = get_tokenizer(parent.budget.encoding)
        by_ref = {o.ref: o for o in parent.omitted}
        for attempt in range(STALE_RETRIES + 1):
            seen_refreshes = self._refreshes
            try:
                with self.snapshot() as snap:
                    targets, notes = self._expand_targets(snap, parent, by_ref, refs, symbols, paths)
                    changed = sorted({p for p, _, _ in targets
                                      if _changed_since(snap, p, parent, parent_files)})
                    if changed:
                        raise StaleError(
                            f"the repository changed under bundle {parent.id[:12]} in what was asked "
                            f"({', '.join(changed[:5])}); pack again")
                    return self._delta(snap, parent, targets, notes, seen, budget, tokenizer,
                                       tolerate_changes=attempt == STALE_RETRIES)
            except _Changed as changed:
                self._refresh_unless_done_since(seen_refreshes, changed)
        raise AssertionError("unreachable: the last attempt tolerates changes")

    def _expand_targets(self, snap: Snapshot, parent: Bundle, by_ref: dict[str, Omitted], refs: list[str],
                        symbols: list[str], paths: list[str]) -> tuple[list[tuple[str, list[Range], str]], list[str]]:
        targets: list[tuple[str, list[Range], str]] = []
        notes: list[str] = []
        for ref in refs:
            o = by_ref.get(ref)
            if o is None:
                raise NotFoundError(f"bundle {parent.id[:12]} has no omitted entry with ref {ref!r}")
            targets.append((o.path, list(o.ranges), f"omitted from {parent.id[:12]} ({'; '.join(o.reasons[:2])})"))
        for name in symbols:
            hits = snap.store.find_definitions(query, limit=5) if (query := _symbol_query(name)) else []
            if not hits:
                notes.append(f"no definition named {name!r}")
            for d in hits:
                targets.append((d.path, [(d.start_line, d.end_line)], f"defines `{d.qualname}`, asked for"))
        for p in paths:
            rel = checked_path(p)
            row = snap.file(rel)
            if row is None:
                raise NotFoundError(f"{rel} is not an indexed file of {self.root.name}")
            targets.append((rel, [(1, max(row.line_count, 1))], "file asked for"))
        if not targets:
            raise NotFoundError("nothing to expand: " + "; ".join(notes))
        return targets, notes

    def _delta(self, snap: Snapshot, parent: Bundle, targets: list[tuple[str, list[Range], str]],
               notes: list[str], seen: dict[str, list[Range]], budget: int, tokenizer: Tokenizer,
               tolerate_changes: bool) -> Bundle:
        gap = tokenizer.count(GAP + "\n")
        chosen: dict[str, tuple[list[Range], list[str]]] = {}  # path → (ranges, reasons), in request order
        omitted: dict[str, tuple[list[Range], list[str], int]] = {}
        sources: dict[str, SourceFile] = {}
        used = 0
        for path, ranges, reason in targets:
            src = sources.get(path) or self._source(snap, path, snap.lexical.languages.get(path, "text"), tokenizer)
            if src is None:
                if not tolerate_changes:
                    raise _Changed(path)
                notes.append(f"{path} changed while expanding; left out")
                continue
            sources[path] = src
            new = _subtract(src.clamp(ranges), seen.get(path, []))
            have = chosen.get(path, ([], []))[0]
            new = _subtract(new, have)
            if not new:
                if path not in chosen:
                    notes.append(f"{path} lines {_text(ranges)}: already shown")
                continue
            merged = merge_ranges(have + new)
            cost = src.cost(merged, gap) - (src.cost(have, gap) if have else 0)
            if used + cost > budget:
                previous = omitted.get(path, ([], [], 0))
                omitted[path] = (merge_ranges(previous[0] + new), previous[1] + [reason], src.cost(new, gap))
                continue
            used += cost
            chosen[path] = (merged, chosen.get(path, ([], []))[1] + [reason])
        items = []
        for path, (ranges, reasons) in chosen.items():
            src = sources[path]
            content = render(src, ranges)
            kind = "file" if ranges == [(1, len(src.lines))] else "snippet"
            found = {n: t for n, t in src.redactor.found.items() if any(a <= n <= b for a, b in ranges)}
            if found:
                reasons = reasons + [f"secrets redacted on line(s) {', '.join(map(str, sorted(found)))} "
                                     f"({', '.join(sorted(set(found.values())))})"]
            items.append(Item(path=path, kind=kind, ranges=ranges, tokens=tokenizer.count(content), score=0.0,
                              reasons=reasons[:8], sha256=src.sha256, language=src.language, content=content))
        while items and sum(it.tokens for it in items) > budget:  # a redaction marker can count more
            dropped = items.pop()
            omitted[dropped.path] = (dropped.ranges, dropped.reasons[:4], dropped.tokens)
        shown = {it.path for it in items}
        owned = [p for p in parent.contract.owned if p in shown]
        return Bundle.build(
            repo=RepoInfo(root=parent.repo.root, commit=parent.repo.commit, dirty=parent.repo.dirty,
                          index_digest=snap.digest),
            task=parent.task,
            budget=Budget(limit=budget, used=sum(it.tokens for it in items), encoding=tokenizer.name),
            items=items,
            omitted=[Omitted(ref=omitted_ref(p, "snippet", r), path=p, kind="snippet", ranges=r, tokens=t, score=0.0,
                             reasons=rs[:4]) for p, (r, rs, t) in omitted.items() if p not in shown],
            contract=Contract(owned=owned, read_only=sorted(shown - set(owned)), preserve=[], evidence=[], rules=[]),
            notes=[f"delta of bundle {parent.id}: shows only lines it and its ancestors did not; "
                   "its contract stands", *notes],
            parent=parent.id)

    # -- lookups ------------------------------------------------------------------------------------

    def symbols(self, query: str, limit: int = 50) -> list[SymbolHit]:
        """Definitions by name or (suffix of a) qualified name; signatures redacted."""
        query = _symbol_query(query)
        if not query:
            raise RequestError("the symbol query is empty")
        if not 1 <= limit <= 1000:
            raise RequestError(f"limit must be from 1 to 1000, got {limit}")
        with self.snapshot() as snap:
            rows = snap.store.find_definitions(query, limit)
        return [SymbolHit(path=d.path, line=d.start_line, end_line=d.end_line, kind=d.kind,
                          qualname=redact_path(d.qualname), signature=redact(d.signature, d.path)[0]) for d in rows]

    def read_range(self, path: str, start: int | None = None, end: int | None = None, repo_name: str = "") -> FileSlice:
        """Lines `start`..`end` (1-based, inclusive) of an indexed file, as on disk now, secrets redacted.
        Only indexed files inside the root are read: no traversal, absolute paths or symlinks out."""
        rel = checked_path(path)
        with self.snapshot() as snap:
            row = snap.file(rel)
        if row is None:
            raise NotFoundError(f"{rel} is not an indexed file of {self.root.name}")
        target = (self.root / rel).resolve()
        if not target.is_relative_to(self.root):
            raise AccessError(f"{rel} leads outside the repository")
        try:
            data = target.read_bytes()
        except OSError as err:
            raise NotFoundError(f"{rel} can't be read: {err.strerror or err}") from None
        lines = split_lines(data)
        total = len(lines)
        start = 1 if start is None else start
        end = total if end is None else min(end, total)
        if start < 1 or (total and start > total) or end < start - 1:
            raise RequestError(f"bad line range {start}..{end} for {rel} ({total} lines)")
        if end - start + 1 > MAX_READ_LINES:
            raise RequestError(f"at most {MAX_READ_LINES} lines at a time; ask for a smaller range")
        text = "".join(line + "\n" for line in lines[start - 1:end])
        return FileSlice(repo=repo_name or self.root.name, path=rel, start=start, end=end, total_lines=total,
                         sha256=hashlib.sha256(data).hexdigest(), language=row.language,
                         content=redact(text, rel)[0])

    def repo_map(self, budget: int, encoding: str = DEFAULT_ENCODING) -> tuple[str, int]:
        _check_budget(budget)
        tokenizer = get_tokenizer(encoding)
        with self.snapshot() as snap:
            return repo_map(snap.store, snap.graph, tokenizer, budget)

    def stats(self) -> IndexStats:
        """What the latest committed index holds (without building a snapshot)."""
        digest = self.committed_digest()
        if digest is None:
            return IndexStats(redact_path(str(self.root)), redact_path(str(self.index_path)), None, {}, {})
        reader = Store.open_reader(self.index_path)
        try:
            return IndexStats(root=redact_path(str(self.root)), index_path=redact_path(str(self.index_path)),
                              digest=reader.meta("digest"),
                              files_by_language=reader.languages(), counts=reader.counts())
        finally:
            reader.close()

    def diagnostics(self) -> list[tuple[str, str, str]]:
        reader = Store.open_reader(self.index_path)
        try:
            return reader.diagnostics()
        finally:
            reader.close()

    def file_shas(self, digest: str) -> dict[str, str] | None:
        """path → sha256 of every file of the state `digest`, if that is the current snapshot's state."""
        with self.snapshot() as snap:
            if snap.digest != digest:
                return None
            return snap.store.shas()


def _symbol_query(text: str) -> str:
    query = text.strip()
    if len(query) > MAX_SYMBOL_CHARS:
        raise RequestError(f"a symbol query of {len(query):,} characters; at most {MAX_SYMBOL_CHARS:,}")
    return query


@dataclass(frozen=True)
class History:
    """What HEAD's last commits say for ranking, read once per HEAD: the engine is its one owner."""
    head: str | None
    cochange: dict[str, Counter]
    past: PastChanges | None

    @classmethod
    def read(cls, root: Path, head: str | None) -> History:
        log = commits(root) if head else []
        return cls(head, cochange(log), PastChanges(log) if log else None)


class _Background:
    """One call on its own thread, for work that waits on a child process while the caller computes."""

    def __init__(self, fn: Callable, *args: object):
        self._value: object = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(fn, args), daemon=True)
        self._thread.start()

    def _run(self, fn: Callable, args: tuple) -> None:
        try:
            self._value = fn(*args)
        except BaseException as err:  # handed to the caller in result()
            self._error = err

    def result(self):
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value


def settle_heap() -> None:
    """Collect garbage once and move what is left out of the cyclic collector's sight (gc.freeze).

    The derived state of a snapshot is millions of long-lived objects; a full collection would walk
    them all in the middle of some pack (0.3 s on Django). Process-wide: call it from whoever owns the
    process (a benchmark, the server after a new snapshot), never from a library path."""
    gc.unfreeze()  # what an earlier freeze kept may be garbage now
    gc.collect()
    gc.freeze()


def checked_path(path: str) -> str:
    """A repository-relative '/'-separated path, or an AccessError: no absolute paths, `..`, NULs,
    backslashes or home references, however encoded (surfaces decode percent-encoding first)."""
    if not isinstance(path, str) or not path or "\0" in path or "\\" in path or len(path) > 4096:
        raise AccessError(f"not a repository-relative path: {path!r}")
    if path.startswith(("/", "~")) or any(part == ".." for part in path.split("/")):
        raise AccessError(f"path must stay inside the repository: {path!r}")
    norm = posixpath.normpath(path)
    if norm in (".", "") or norm.startswith("../"):
        raise AccessError(f"path must name a file inside the repository: {path!r}")
    return norm


def _always_included(snap: Snapshot, ranking: Ranking, config: ContractConfig) -> list[FileCandidate]:
    """The indexed files the repository's config always shows: `[defaults] include` (paths, directories or
    globs), then the `[contract] rules` files, at most MAX_ALWAYS, each once."""
    wanted = config.defaults.include + [p for p in config.contract.rules if p not in config.defaults.include]
    if not wanted:
        return []
    ranked = {f.path: f for f in ranking.files}
    out: dict[str, FileCandidate] = {}
    for pattern in wanted:
        exact = not (GLOB_CHARS & set(pattern)) and not pattern.endswith("/")
        paths = [pattern] if exact else sorted(p for p in snap.graph.paths if matches(p, [pattern]))
        for path in paths:
            row = snap.file(path)
            if row is None or path in out or len(out) >= MAX_ALWAYS:
                continue
            why = f"always included by {CONFIG_PATH} (`{pattern}`)"
            f = ranked.get(path)
            out[path] = FileCandidate(path, row.language, f.score if f else 0.0, [why] + (f.reasons if f else []))
    return list(out.values())


def _check_budget(budget: int) -> None:
    if isinstance(budget, bool) or not isinstance(budget, int) or not 0 <= budget <= MAX_BUDGET:
        raise RequestError(f"budget must be an integer from 0 to {MAX_BUDGET}, got {budget!r}")


def _subtract(ranges: list[Range], minus: list[Range]) -> list[Range]:
    """The lines of `ranges` that no range of `minus` covers."""
    out = []
    for a, b in ranges:
        cur = a
        for x, y in merge_ranges(minus):
            if y < cur or x > b:
                continue
            if x > cur:
                out.append((cur, x - 1))
            cur = max(cur, y + 1)
        if cur <= b:
            out.append((cur, b))
    return out


def _text(ranges: list[Range]) -> str:
    return ", ".join(f"{a}-{b}" for a, b in ranges)


def _changed_since(snap: Snapshot, path: str, parent: Bundle, parent_files: dict[str, str] | None) -> bool:
    """Whether `path` differs now from the parent bundle's index state."""
    row = snap.file(path)
    if parent_files is None:  # that state's file table is gone: only an unchanged digest proves nothing moved
        return snap.digest != parent.repo.index_digest
    return row is None or parent_files.get(path) != row.sha256
