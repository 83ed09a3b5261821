"""The facade the three surfaces call: index, symbols, map, pack, stats. Owns no logic of its own beyond
wiring stages together and caching what is derived from one index state (keyed by its digest).

    engine = Engine("path/to/repo")
    engine.index()                         # incremental; cold in parallel
    engine.symbols("QuerySet.bulk_create")
    text, used = engine.repo_map(budget=2048)
"""

from __future__ import annotations

import gc
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .bundle import Budget, Bundle, Item, Omitted, RepoInfo, TaskInfo
from .config import load_config
from .contract import build_contract
from .errors import RequestError
from .graph import RepoGraph
from .history import cochange
from .lexical import LexicalIndex
from .pack import Packer, SourceFile
from .rank import rank
from .repomap import repo_map
from .resolve import RepoContext
from .scan import ScanOptions, resolve_root
from .store import DefinitionRow, RefreshStats, Store, default_index_path
from .task import analyze_task
from .tokens import DEFAULT_ENCODING, Tokenizer, get_tokenizer

MAX_BUDGET = 2_000_000


@dataclass
class IndexStats:
    root: str
    index_path: str
    digest: str | None
    files_by_language: dict[str, int]
    counts: dict[str, int]


class Engine:
    def __init__(self, repo: str | os.PathLike, index_path: str | os.PathLike | None = None,
                 options: ScanOptions | None = None):
        self.root = resolve_root(repo)
        cfg_options, cfg_index = load_config(self.root)
        self.options = options or cfg_options
        self.index_path = Path(index_path) if index_path else (cfg_index or default_index_path(self.root))
        self._store: Store | None = None
        self._graph: tuple[str, RepoGraph] | None = None
        self._lexical: tuple[str, LexicalIndex, dict[str, str]] | None = None
        self._lexical_cache: dict = {}  # (path, sha256) → chunks and terms, across index states
        self._history: tuple[str | None, dict] | None = None  # (HEAD, co-change counts)
        self._line_tokens: dict[tuple[str, str], list[int | None]] = {}  # (sha256, encoding) → line counts

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store.open(self.index_path)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def index(self, progress: Callable[[int, int], None] | None = None) -> RefreshStats:
        """Refresh the index from the tree on disk (incremental; parallel when many files changed)."""
        return self.store.refresh(self.root, self.options, progress)

    def ensure_index(self) -> None:
        """Index on demand: a repository never indexed is indexed now."""
        if self.store.is_empty_index():
            self.index()

    def _digest(self) -> str:
        return self.store.meta("digest") or ""

    def graph(self) -> RepoGraph:
        """The dependency graph of the current index state (built once per index digest)."""
        digest = self._digest()
        if self._graph is None or self._graph[0] != digest:
            self._graph = None  # free the old state before building the new one
            self._graph = (digest, RepoGraph.build(self.store))
        return self._graph[1]

    def lexical(self) -> tuple[LexicalIndex, dict[str, str]]:
        """BM25 over chunks and files, and the Python module map, of the current index state."""
        digest = self._digest()
        if self._lexical is None or self._lexical[0] != digest:
            self._lexical = None
            paths = [f.path for f in self.store.files()]
            modules = RepoContext.build(paths, lambda _p: b"").python_modules
            self._lexical = (digest, LexicalIndex.build(self.store, self.root, self._lexical_cache), modules)
        return self._lexical[1], self._lexical[2]

    def prepare(self) -> None:
        """Build what packing derives from the index now, so the next pack pays only for the task.

        The derived state is millions of long-lived objects; the cyclic garbage collector would walk
        them all on its next full pass (0.3 s, in the middle of some pack). They are moved out of its
        sight (gc.freeze) until they are replaced."""
        self.ensure_index()
        gc.unfreeze()  # what an earlier prepare froze may be garbage now
        self.graph().file_rank()  # builds the PageRank transition matrix
        self.lexical()
        get_tokenizer(DEFAULT_ENCODING)
        gc.collect()
        gc.freeze()

    def pack(self, task: str, budget: int, encoding: str = DEFAULT_ENCODING, task_type: str | None = None,
             refresh: bool = False) -> Bundle:
        """The bundle for a task: ranked, packed under `budget` tokens exactly, with its contract."""
        if isinstance(budget, bool) or not isinstance(budget, int) or not 0 <= budget <= MAX_BUDGET:
            raise RequestError(f"budget must be an integer from 0 to {MAX_BUDGET}, got {budget!r}")
        tokenizer = get_tokenizer(encoding)
        query = analyze_task(task, task_type)
        if refresh:
            self.index()
        else:
            self.ensure_index()
        digest, graph = self._digest(), self.graph()
        lexical, modules = self.lexical()
        commit, dirty = _git_state(self.root)
        if self._history is None or self._history[0] != commit:
            self._history = (commit, cochange(self.root) if commit else {})
        ranking = rank(query, graph, lexical, modules, self._history[1])
        notes = []
        sources: dict[str, SourceFile] = {}
        for f in ranking.files:
            src = self._source(f.path, f.language, tokenizer)
            if src is None:
                notes.append(f"{f.path} changed since it was indexed; re-index to include it")
            else:
                sources[f.path] = src
        packed = Packer(ranking, sources, tokenizer, budget).run()
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
        omitted = [Omitted(path=f.path, kind=sel.kind, ranges=sel.ranges, tokens=sel.tokens,
                           score=round(f.score, 6), reasons=list(sel.reasons)[:4]) for f, sel in packed.omitted]
        if not items:
            notes.append("nothing fit the budget" if budget < 64 or ranking.files
                         else "no file of the repository matches the task")
        if query.truncated:
            notes.append("the task text was cut to its first 200,000 characters")
        contract = build_contract(query, packed, self.store, graph, self.root)
        return Bundle.build(
            repo=RepoInfo(root=self.root.name, commit=commit, dirty=dirty, index_digest=digest),
            task=TaskInfo(text=query.text, type=query.type, type_given=query.type_given,
                          type_reason=query.type_reason, truncated=query.truncated),
            budget=Budget(limit=budget, used=packed.used, encoding=tokenizer.name),
            items=items, omitted=omitted, contract=contract, notes=notes)

    def _source(self, path: str, language: str, tokenizer: Tokenizer) -> SourceFile | None:
        row = self.store.file(path)
        try:
            data = (self.root / path).read_bytes()
        except OSError:
            return None
        sha = hashlib.sha256(data).hexdigest()
        if row is None or sha != row.sha256:
            return None
        text = data.decode("utf-8", errors="replace")
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        key = (sha, tokenizer.name)
        counts = self._line_tokens.get(key)
        if counts is None:  # filled in place by the packer, line by line, as it needs them
            if len(self._line_tokens) > 20_000:
                self._line_tokens.clear()
            counts = self._line_tokens[key] = [None] * len(lines)
        return SourceFile(path, language, sha, lines, self.store.definitions(path), counts, tokenizer.count,
                          import_lines=sorted({i.line for i in self.store.imports(path)}))

    def symbols(self, query: str, limit: int = 50) -> list[DefinitionRow]:
        self.ensure_index()
        return self.store.find_definitions(query.strip(), limit)

    def repo_map(self, budget: int, encoding: str = DEFAULT_ENCODING) -> tuple[str, int]:
        self.ensure_index()
        return repo_map(self.store, self.graph(), get_tokenizer(encoding), budget)

    def stats(self) -> IndexStats:
        store = self.store
        return IndexStats(root=str(self.root), index_path=str(self.index_path), digest=store.meta("digest"),
                          files_by_language=store.languages(), counts=store.counts())


def _git_state(root: Path) -> tuple[str | None, bool | None]:
    """HEAD commit and dirtiness when `root` is a git work tree; (None, None) otherwise or without git.
    Runs no program the repository configures (see history.git_state)."""
    from .history import git_state

    return git_state(root)
