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



def test_contextpack_index_cold_and_in_two_steps_write_the_same_targets(tmp_path, isolated_index):
    """Through the installed script, on the same layout grown past the pool's threshold (70 more modules
    importing the shop): a cold `contextpack index` (imports resolved in the pool's workers) and one that
    indexes the tree in two steps (the second resolves through the store) write the same import targets."""
    from conftest import run_cli

    root = _layout(tmp_path / "repo")
    for i in range(70):
        write(root, f"shop/extra/mod_{i}.py", "from shop.pricing import with_tax\n"
                                              f"from shop.extra import mod_{(i + 1) % 70}\n\n\n"
                                              f"def f_{i}(x):\n    return with_tax(x)\n")
    write(root, "shop/extra/__init__.py", "")
    cold = tmp_path / "cold.sqlite"
    out = run_cli(["index", "-q", "--repo", str(root), "--index", str(cold)])
    assert out.returncode == 0, out.stderr
    extra = root / "shop" / "extra"
    hidden = tmp_path / "extra-aside"
    extra.rename(hidden)  # the first step indexes the tree without the 70 modules
    stepped = tmp_path / "stepped.sqlite"
    assert run_cli(["index", "-q", "--repo", str(root), "--index", str(stepped)]).returncode == 0
    hidden.rename(extra)
    out = run_cli(["index", "-q", "--repo", str(root), "--index", str(stepped)])
    assert out.returncode == 0, out.stderr
    targets = _targets(cold)
    assert ("shop/extra/mod_3.py", "shop/pricing.py") in targets and ("svc/main.go", "svc/store/store.go") in targets
    assert sorted(targets) == sorted(_targets(stepped))
