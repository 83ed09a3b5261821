"""One immutable state of a repository's index and everything packing derives from it.

A snapshot reads through its own connection, pinned to the state that was committed when it opened
(a read transaction; WAL lets refreshes commit meanwhile), and builds the graph and lexical index from
that same state, so every query a pack makes agrees with every other. The engine owns snapshots and
swaps in a new one after a refresh; an old one closes when the last pack using it ends.

    snap = Snapshot.build(root, index_path, LexicalCache())
    snap.digest, snap.graph.file_rank(), snap.lexical.file_scores(["bulk"])
    snap.acquire(); ...; snap.release()
    snap.retire()                      # closes now, or when its last user releases it
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from .graph import RepoGraph
from .lexical import LexicalCache, LexicalIndex
from .resolve import RepoContext
from .store import FileRow, Store


@dataclass
class Snapshot:
    root: Path
    digest: str
    store: Store  # pinned reader
    graph: RepoGraph
    lexical: LexicalIndex
    modules: dict[str, str]  # Python module name → path
    _users: int = 0
    _retired: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def build(cls, root: Path, index_path: Path, cache: LexicalCache) -> Snapshot:
        store = Store.open_reader(index_path)
        try:
            graph = RepoGraph.build(store)
            graph.file_rank()  # builds the PageRank transition matrix now, not in the first pack
            modules = RepoContext.build(graph.paths, lambda _p: b"").python_modules
            lexical = LexicalIndex.build(store, root, cache)
            return cls(root, store.meta("digest") or "", store, graph, lexical, modules)
        except BaseException:
            store.close()
            raise

    def file(self, path: str) -> FileRow | None:
        return self.store.file(path)

    def acquire(self) -> None:
        with self._lock:
            self._users += 1

    def release(self) -> None:
        with self._lock:
            self._users -= 1
            done = self._retired and self._users == 0
        if done:
            self.store.close()

    def retire(self) -> None:
        """No new user will come: close as soon as the current ones are done."""
        with self._lock:
            self._retired = True
            done = self._users == 0
        if done:
            self.store.close()
