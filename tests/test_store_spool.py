"""A large refresh keeps the parsed rows past SPOOL_AFTER_FILES in a temporary file until it writes them:
the index it writes is the same, row for row, as when every row stays in memory."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from conftest import make_shop

from contextpack import store as store_mod
from contextpack.engine import Engine

TABLES = ("files", "definitions", "refs", "imports", "import_targets", "lexicon", "diagnostics")


def _dump(index: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(index)
    try:
        # mtime_ns aside: both indexes are of one tree, but read at different times
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() if t != "files" else
                conn.execute("SELECT id, path, language, size, sha256, line_count FROM files ORDER BY id").fetchall()
                for t in TABLES}
    finally:
        conn.close()


def test_spooled_rows_are_written_as_kept_ones(tmp_path, monkeypatch):
    root = make_shop(tmp_path / "shop")
    kept, spooled = tmp_path / "kept.sqlite", tmp_path / "spooled.sqlite"
    Engine(root, index_path=kept).index()
    monkeypatch.setattr(store_mod, "SPOOL_AFTER_FILES", 2)
    written = []
    real = store_mod._Spool.keep
    monkeypatch.setattr(store_mod._Spool, "keep", lambda self, res: written.append(r := real(self, res)) or r)
    Engine(root, index_path=spooled).index()
    assert sum(isinstance(r[2], store_mod._Spilled) for r in written) == len(written) - 2 > 10
    a, b = _dump(kept), _dump(spooled)
    assert all(a[t] for t in ("files", "definitions", "lexicon"))
    assert a == b


def test_a_cold_index_leaves_no_wal_as_large_as_itself(tmp_path, monkeypatch):
    root = make_shop(tmp_path / "shop")
    monkeypatch.setattr(store_mod, "PARALLEL_THRESHOLD", 8)  # the shop's 16 files make a bulk load
    index = tmp_path / "idx.sqlite"
    engine = Engine(root, index_path=index)
    try:
        engine.index()
        wal = index.with_name(index.name + "-wal")
        assert index.stat().st_size > 0 and (not wal.exists() or wal.stat().st_size == 0)
        assert engine.stats().counts["files"] > 8
    finally:
        engine.close()
