"""The scanner's directory verdicts are kept in the index, so a refresh in a new process (every CLI
command) judges only directories that changed; what it finds must equal a scan without any cache."""

import os
import time
from pathlib import Path

from contextpack.scan import resolve_root, scan_repo
from contextpack.store import Store


def _write(root: Path, rel: str, text: str) -> None:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)


def _fresh_refresh(index: Path, root: Path):
    """A refresh by a new Store, as a new process makes one; returns (stats, the paths indexed)."""
    store = Store.open(index)
    try:
        stats = store.refresh(root)
        indexed = [p for (p,) in store.conn.execute("SELECT path FROM files ORDER BY path")]
        return stats, indexed
    finally:
        store.close()


def _truth(root: Path) -> list[str]:
    return [f.path for f in scan_repo(root).files]


def test_a_new_process_reuses_verdicts_and_still_sees_every_change(tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    root = resolve_root(tmp_path / "repo")
    _write(root, ".gitignore", "*.log\n")
    _write(root, "a/b/.gitignore", "skip.py\n")
    _write(root, "a/b/c/keep.py", "x = 1\n")
    _write(root, "a/top.py", "y = 2\n")
    index = tmp_path / "index.sqlite"
    first, indexed = _fresh_refresh(index, root)
    assert indexed == _truth(root) == ["a/b/c/keep.py", "a/top.py"]

    store = Store.open(index)  # a new process: the verdicts come from the index, no directory is judged
    store.refresh(root)
    assert store._scan_cache.records and not store._scan_cache.changed
    store.close()

    # new files deep below ignore files that were never read by this process
    time.sleep(0.01)
    _write(root, "a/b/c/new.py", "z = 3\n")
    _write(root, "a/b/c/skip.py", "s = 4\n")
    _write(root, "a/b/c/debug.log", "log\n")
    _write(root, "a/b/c/d/deeper.py", "w = 5\n")
    stats, indexed = _fresh_refresh(index, root)
    assert indexed == _truth(root) == ["a/b/c/d/deeper.py", "a/b/c/keep.py", "a/b/c/new.py", "a/top.py"]
    assert stats.added == 2

    # an ignore file edited in place: its folder's mtime stays, the verdicts below it must not
    gi = root / "a/b/.gitignore"
    before = os.stat(root / "a/b").st_mtime_ns
    gi.write_text("keep.py\n")
    os.utime(gi, ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))
    assert os.stat(root / "a/b").st_mtime_ns == before
    stats, indexed = _fresh_refresh(index, root)
    assert indexed == _truth(root) == ["a/b/c/d/deeper.py", "a/b/c/new.py", "a/b/c/skip.py", "a/top.py"]

    # a top-level rule changes: every stored verdict is void
    _write(root, ".contextpackignore", "a/b/c/d/\n")
    stats, indexed = _fresh_refresh(index, root)
    assert indexed == _truth(root) == ["a/b/c/new.py", "a/b/c/skip.py", "a/top.py"]


def test_malformed_stored_verdicts_mean_a_full_scan(tmp_path: Path) -> None:
    root = resolve_root(tmp_path)
    _write(root, "src/app.py", "x = 1\n")
    index = tmp_path.parent / f"{tmp_path.name}-index.sqlite"
    _fresh_refresh(index, root)
    store = Store.open(index)
    store.conn.execute("UPDATE scan_dirs SET record = '[1, \"not a record\"'")
    store.close()
    _write(root, "src/more.py", "y = 2\n")
    _, indexed = _fresh_refresh(index, root)
    assert indexed == ["src/app.py", "src/more.py"]
