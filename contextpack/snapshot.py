"""One immutable state of a repository's index and everything packing derives from it.

A snapshot reads through its own connection, pinned to the state that was committed when it opened
(a read transaction; WAL lets refreshes commit meanwhile), and builds the graph and lexical index from
that same state, so every query a pack makes agrees with every other. That derived state is loaded from
the sidecar beside the index when it holds the same state (`derived`), else built and written there. The
engine owns snapshots and swaps in a new one after a refresh; an old one closes when the last pack using
it ends.

    snap = Snapshot.build(root, index_path)
    snap.digest, snap.graph.file_rank(), snap.lexical.file_scores(["bulk"])
    snap.acquire(); ...; snap.release()
    snap.retire()                      # closes now, or when its last user releases it
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from .derived import load_or_build
from .graph import RepoGraph
from .lexical import LexicalIndex
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
    def build(cls, root: Path, index_path: Path, persist: bool | None = None) -> Snapshot:
        """The snapshot of the state committed now. Its derived state comes from the sidecar beside the index
        when that holds this state, else it is built and the sidecar written (`persist=False`: neither; None:
        as $CONTEXTPACK_DERIVED says, on by default)."""
        store = Store.open_reader(index_path)
        try:
            d = load_or_build(store, root, index_path, persist)
            return cls(root, store.meta("digest") or "", store, d.graph, d.lexical, d.modules)
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
