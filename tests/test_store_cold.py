"""A cold index resolves imports in its pool workers, against the context of the scanned file set: the
import targets it writes are the ones the store's own resolution computes from the stored imports, and an
index whose file set changes afterwards resolves as before."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from conftest import make_shop, write

from contextpack import store as store_mod
from contextpack.store import Store


def _layout(root: Path) -> Path:
    """The shop (Python) with a Go module (go.mod names it: a config file the context reads) and a
    JavaScript app, so targets come from three resolvers."""
    make_shop(root)
    write(root, "svc/go.mod", "module example.com/svc\n\ngo 1.21\n")
    write(root, "svc/store/store.go", "package store\n\nfunc Get() int { return 1 }\n")
    write(root, "svc/main.go", 'package main\n\nimport "example.com/svc/store"\n\nfunc main() { store.Get() }\n')
    write(root, "web/util.js", "export function slug(s) { return s.toLowerCase(); }\n")
    write(root, "web/app.js", 'import { slug } from "./util";\nimport lodash from "lodash";\nslug("A");\n')
    return root


def _targets(index: Path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(index)
    try:
        return conn.execute("SELECT f.path, t.target FROM import_targets t JOIN files f ON f.id = t.file_id "
                            "ORDER BY t.rowid").fetchall()
    finally:
        conn.close()


def test_cold_index_writes_the_targets_the_store_resolves(tmp_path, monkeypatch):
    root = _layout(tmp_path / "repo")
    monkeypatch.setattr(store_mod, "PARALLEL_THRESHOLD", 8)  # a bulk load through the pool, as at scale
    resolved_by_store = []
    real = Store._resolve
    monkeypatch.setattr(Store, "_resolve", lambda self, *a: resolved_by_store.append(a) or real(self, *a))
    index = tmp_path / "idx.sqlite"
    store = Store.open(index)
    try:
        cache_size = store.conn.execute("PRAGMA cache_size").fetchone()[0]
        stats = store.refresh(root)
        assert store.conn.execute("PRAGMA cache_size").fetchone()[0] == cache_size, "the bulk load's cache is undone"
        assert stats.parsed > 8 and not resolved_by_store, "the workers resolved the imports"
        cold = _targets(index)
        assert ("svc/main.go", "svc/store/store.go") in cold and ("web/app.js", "web/util.js") in cold
        assert ("shop/pricing.py", "shop/models.py") in cold
        with store._transaction():  # the store's own resolution of every stored import
            store._resolve(root, None)
        assert _targets(index) == cold
        # a new file changes the file set: the store resolves again (from the context the cold index kept)
        write(root, "web/more.js", 'import { slug } from "./util";\n')
        store.refresh(root)
        assert resolved_by_store and ("web/more.js", "web/util.js") in _targets(index)
    finally:
        store.close()

