"""Several repositories by name, one engine each: the one seam every surface calls.

A workspace registers repositories under names, opens their engines on first use and closes the least
recently used beyond a bound (never one in use), optionally keeps each open engine fresh with a file
watcher (watchfiles) that refreshes the index and rebuilds the snapshot as files change, and keeps
every bundle it produces (`BundleStore`) so that it can be fetched again and expanded.

    ws = Workspace(BundleStore(default_bundle_dir()), watch=True)
    ws.register("~/src/django")                                  # → RepoSummary(name="django", …)
    bundle = ws.pack(PackRequest(repo="django", task="…", budget=8000))
    delta = ws.expand(bundle.id, ExpandRequest(refs=[bundle.omitted[0].ref], budget=2000))
    ws.close()
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .bundle import Bundle
from .bundle_store import BundleStore
from .engine import Engine, settle_heap
from .errors import NotFoundError, RequestError
from .ledger import record_bundle
from .models import (
    REPO_NAME_PATTERN,
    ExpandRequest,
    FileSlice,
    IndexStatus,
    PackRequest,
    RefreshSummary,
    RepoMap,
    RepoSummary,
    SymbolHit,
    VerifyRequest,
)
from .scan import resolve_root
from .store import RefreshStats
from .tokens import DEFAULT_ENCODING
from .verify import Report, verify_repo

MAX_ENGINES = 8  # open engines (warm graph and lexical index each); idle ones beyond this are closed
WATCH_DEBOUNCE_MS = 200  # a burst of file events within this becomes one refresh
WATCH_STEP_MS = 50
_NAME = re.compile(REPO_NAME_PATTERN.removeprefix("^").removesuffix("$"))  # used with fullmatch
MAX_CHANGED_LISTED = 200


@dataclass
class _Repo:
    name: str
    root: Path
    index_path: Path | None


class Workspace:
    """Registered repositories and their engines: the facade every surface calls."""

    def __init__(self, bundles: BundleStore, *, watch: bool = False, max_engines: int = MAX_ENGINES,
                 settle: bool = False):
        """`watch`: keep open engines fresh with a file watcher. `settle`: this workspace owns the process
        (a server), so it may settle the heap after building a snapshot (see `engine.settle_heap`)."""
        self.bundles = bundles
        self.watch = watch
        self.max_engines = max_engines
        self.settle = settle
        self._repos: dict[str, _Repo] = {}
        self._engines: OrderedDict[str, Engine] = OrderedDict()  # least recently used first
        self._in_use: dict[str, int] = {}
        self._watchers: dict[str, _Watcher] = {}
        self._lock = threading.Lock()

    # -- repositories -------------------------------------------------------------------------------

    def register(self, path: str | Path, name: str | None = None, index_path: Path | None = None) -> RepoSummary:
        """Register a repository under `name` (default: its directory name); idempotent for the same path."""
        root = resolve_root(path)
        name = name or root.name
        if not _NAME.fullmatch(name):
            raise RequestError(f"bad repository name {name!r}: letters, digits, '.', '_' and '-', at most 100")
        with self._lock:
            known = self._repos.get(name)
            if known is not None and known.root != root:
                raise RequestError(f"the name {name!r} is taken by {known.root}; register with another name")
            if known is None:
                self._repos[name] = _Repo(name, root, index_path)
        return self.summary(name)

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._repos)

    def repos(self) -> list[RepoSummary]:
        return [self.summary(n) for n in self.names()]

    def summary(self, name: str) -> RepoSummary:
        with self._use(name, warm=False) as engine:
            stats = engine.stats()
            return RepoSummary(name=name, root=stats.root, indexed=stats.digest is not None,
                               digest=stats.digest, files=stats.counts.get("files", 0),
                               watching=name in self._watchers)

    @contextlib.contextmanager
    def _use(self, name: str, warm: bool = True) -> Iterator[Engine]:
        """The engine of `name`, opened if needed, kept open (not evicted) for the block. `warm`: the
        caller will pack or read, so a watched workspace starts the repository's watcher now."""
        with self._lock:
            repo = self._repos.get(name)
            if repo is None:
                known = ", ".join(sorted(self._repos)) or "none"
                raise NotFoundError(f"no repository named {name!r} is registered (registered: {known})")
            engine = self._engines.get(name)
            if engine is None:
                engine = self._engines[name] = Engine(repo.root, index_path=repo.index_path)
            self._engines.move_to_end(name)
            self._in_use[name] = self._in_use.get(name, 0) + 1
            evicted = self._evict()
        for old in evicted:
            self._close(old)
        if warm and self.watch and name not in self._watchers:
            self._start_watcher(name, engine)
        try:
            yield engine
        finally:
            with self._lock:
                self._in_use[name] -= 1

    def _evict(self) -> list[str]:
        idle = [n for n in self._engines if not self._in_use.get(n)]
        return idle[:max(0, len(self._engines) - self.max_engines)]

    def _close(self, name: str) -> None:
        watcher = self._watchers.pop(name, None)
        if watcher is not None:
            watcher.stop()
        with self._lock:
            engine = self._engines.pop(name, None)
        if engine is not None:
            engine.close()

    def _start_watcher(self, name: str, engine: Engine) -> None:
        with self._lock:
            if name in self._watchers:
                return
            watcher = self._watchers[name] = _Watcher(engine, self.settle)
        watcher.start()

    def close(self) -> None:
        for name in list(self._engines):
            self._close(name)

    # -- the facade ---------------------------------------------------------------------------------

    def pack(self, req: PackRequest) -> Bundle:
        with self._use(req.repo) as engine:
            # watched: the watcher keeps the index fresh and the pack checks each file it shows;
            # unwatched: a full (incremental) refresh first, as a one-shot command does
            bundle = engine.pack(req.task, req.budget, encoding=req.encoding, task_type=req.type,
                                 refresh=req.repo not in self._watchers, owned=req.owned)
            self._keep(req.repo, engine, bundle)
        return bundle

    def bundle(self, bundle_id: str) -> Bundle:
        return self.bundles.get(bundle_id).bundle

    def adopt(self, bundle_id: str) -> RepoSummary:
        """Register the repository a kept bundle was packed for, under the same name (a one-shot command
        expanding a bundle that another process made; a server only expands for repositories it serves)."""
        kept = self.bundles.get(bundle_id)
        return self.register(kept.root, kept.repo)

    def expand(self, bundle_id: str, req: ExpandRequest) -> Bundle:
        """A delta of a kept bundle, for a repository registered here."""
        kept = self.bundles.get(bundle_id)
        repo, parent = kept.repo, kept.bundle
        with self._use(repo) as engine:
            delta = engine.expand(parent, self.bundles.state(parent.repo.index_digest), self.bundles.seen(parent),
                                  req.refs, req.symbols, req.paths, req.budget)
            self._keep(repo, engine, delta)
        return delta

    def _keep(self, repo: str, engine: Engine, bundle: Bundle) -> None:
        digest = bundle.repo.index_digest
        shas = None if self.bundles.state(digest) is not None else engine.file_shas(digest)
        self.bundles.put(repo, engine.root, bundle, shas)
        record_bundle(bundle, engine.root)

    def verify(self, req: VerifyRequest) -> Report:
        """Check a patch against a kept bundle, on the repository it was packed for (registered here); the
        evidence is listed with its commands, never run: a server does not execute repository code."""
        kept = self.bundles.get(req.bundle)
        with self._use(kept.repo) as engine:
            root = engine.root
        if root != kept.root:
            raise NotFoundError(f"bundle {req.bundle[:12]}… was packed for {kept.root}, not for the repository "
                                f"{kept.repo!r} served here ({root})")
        return verify_repo(root, kept.bundle, req.diff, req.base, req.allow_outside)

    def index(self, name: str) -> RefreshSummary:
        with self._use(name) as engine:
            return _summary(engine.index())

    def symbols(self, name: str, query: str, limit: int = 50) -> list[SymbolHit]:
        with self._use(name) as engine:
            return engine.symbols(query, limit)

    def read(self, name: str, path: str, start: int | None = None, end: int | None = None) -> FileSlice:
        with self._use(name) as engine:
            return engine.read_range(path, start, end, repo_name=name)

    def repo_map(self, name: str, budget: int, encoding: str = DEFAULT_ENCODING) -> RepoMap:
        with self._use(name) as engine:  # the engine checks the budget
            text, used = engine.repo_map(budget, encoding)
        return RepoMap(repo=name, budget=budget, used=used, encoding=encoding, text=text)

    def status(self, name: str) -> IndexStatus:
        with self._use(name) as engine:
            stats = engine.stats()
            last = engine.last_change
            return IndexStatus(repo=name, root=stats.root, index_path=stats.index_path, digest=stats.digest,
                               files_by_language=stats.files_by_language, counts=stats.counts,
                               watching=name in self._watchers, last_change=_summary(last) if last else None,
                               watch_error=watcher.error if (watcher := self._watchers.get(name)) else None)


def _summary(stats: RefreshStats) -> RefreshSummary:
    return RefreshSummary(scanned=stats.scanned, parsed=stats.parsed, unchanged=stats.unchanged,
                          touched=stats.touched, added=stats.added, deleted=stats.deleted,
                          diagnostics=stats.diagnostics, seconds=round(stats.seconds, 4),
                          finished_at=round(stats.finished_at, 3),
                          changed=stats.changed[:MAX_CHANGED_LISTED])


class _Watcher:
    """Refreshes one engine's index and rebuilds its snapshot whenever files under its root change."""

    def __init__(self, engine: Engine, settle: bool):
        self.engine = engine
        self.settle = settle
        self.error: str | None = None  # the last refresh failure, if the latest refresh failed
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"watch:{engine.root.name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        import watchfiles  # imported here: one-shot commands never watch

        index_dir = self.engine.index_path.parent.resolve()

        class _Filter(watchfiles.DefaultFilter):
            def __call__(self, change: watchfiles.Change, path: str) -> bool:
                return super().__call__(change, path) and not Path(path).is_relative_to(index_dir)

        self._update()  # the state before the first event: warm from the start
        try:
            for _ in watchfiles.watch(self.engine.root, watch_filter=_Filter(), debounce=WATCH_DEBOUNCE_MS,
                                      step=WATCH_STEP_MS, stop_event=self._stop, raise_interrupt=False,
                                      ignore_permission_denied=True):
                self._update()
        except Exception as err:  # the watcher dies, packs still check the files they show
            self.error = f"file watcher stopped: {type(err).__name__}: {err}"

    def _update(self) -> None:
        try:
            self.engine.index()
            self.engine.prepare()
            self.error = None
        except Exception as err:  # reported by status; the next change tries again
            self.error = f"{type(err).__name__}: {err}"
            return
        if self.settle:
            settle_heap()
