"""Incremental refresh through Engine/Store: what is re-parsed, what is dropped, the digest, the parallel cold
path against a serial index of the same tree, the cold index that writes while it parses against one that
writes after, and a SIGKILLed indexer leaving the previous index intact."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from contextpack.engine import Engine
from contextpack.store import PARALLEL_THRESHOLD, Store, _batches, _ordered_batches

CLI = [sys.executable, "-m", "contextpack.cli"]


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def module_source(i: int, version: int = 0, classes: int = 1, methods: int = 2) -> str:
    out = [f'"""Module {i}."""', "import os", f"from pkg{(i + 1) % 10}.mod{i + 1} import Thing{i + 1}", ""]
    for c in range(classes):
        out += [f"class Thing{i}_{c}:" if c else f"class Thing{i}:", f'    """v{version}."""']
        for m in range(methods):
            out += [f"    def method{m}_v{version}(self, a, b=1):",
                    f"        x = a + b * {m}",
                    f"        return os.path.join(str(x), 'Thing{i}')", ""]
    out += [f"def helper{i}_v{version}(value):", f"    return Thing{i}().method0_v{version}(value)", ""]
    return "\n".join(out)


def db_state(store: Store) -> dict:
    c = store.conn
    return {
        "digest": store.meta("digest"),
        "files": [(f.path, f.sha256, f.line_count) for f in store.files()],
        "definitions": store.definitions(),
        "refs": sorted(c.execute("SELECT f.path, r.name, r.uses, r.lines FROM refs r JOIN files f "
                                 "ON f.id = r.file_id")),
        "imports": sorted(c.execute("SELECT f.path, i.module, i.names, i.line FROM imports i JOIN files f "
                                    "ON f.id = i.file_id")),
        "edges": store.import_edges(),
    }


def orphans(store: Store) -> int:
    return sum(store.conn.execute(
        f"SELECT COUNT(*) FROM {t} WHERE file_id NOT IN (SELECT id FROM files)").fetchone()[0]
        for t in ("definitions", "refs", "imports", "import_targets"))


@pytest.fixture
def small(tmp_path: Path):
    root = tmp_path / "repo"
    write(root, "app/__init__.py", "")
    write(root, "app/core.py", "import os\n\n\ndef alpha():\n    return os.sep\n\n\nclass Box:\n    pass\n")
    write(root, "app/util.py", "from .core import alpha\n\n\ndef beta():\n    return alpha()\n")
    write(root, "app/cli.py", "from app.util import beta\n\n\ndef main():\n    beta()\n")
    write(root, "README.md", "# demo\n")
    engine = Engine(root, index_path=tmp_path / "idx.sqlite")
    yield root, engine
    engine.close()


def test_cold_then_warm(small) -> None:
    root, engine = small
    cold = engine.index()
    assert (cold.scanned, cold.parsed, cold.added, cold.unchanged, cold.deleted) == (5, 5, 5, 0, 0)
    warm = engine.index()
    assert (warm.scanned, warm.parsed, warm.added, warm.unchanged, warm.touched, warm.deleted) == (
        5, 0, 0, 5, 0, 0)
    assert sorted(d.qualname for d in engine.store.definitions()) == [
        "app.cli.main", "app.core.Box", "app.core.alpha", "app.util.beta"]


def test_content_change_reparses_exactly_one(small) -> None:
    root, engine = small
    engine.index()
    digest = engine.store.meta("digest")
    before_util = engine.store.definitions("app/util.py")
    p = write(root, "app/core.py", "import os\n\n\ndef gamma(x):\n    return x\n\n\nclass Crate:\n    pass\n")
    st = p.stat()
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))  # never the same mtime as before
    stats = engine.index()
    assert (stats.parsed, stats.unchanged, stats.touched, stats.added, stats.deleted) == (1, 4, 0, 0, 0)
    store = engine.store
    assert [d.name for d in store.definitions("app/core.py")] == ["gamma", "Crate"]
    assert store.find_definitions("alpha") == []
    assert [d.qualname for d in store.find_definitions("gamma")] == ["app.core.gamma"]
    assert [d.signature for d in store.find_definitions("Crate")] == ["class Crate"]
    assert store.definitions("app/util.py") == before_util
    assert store.meta("digest") != digest
    assert orphans(store) == 0


def test_touch_without_change(small) -> None:
    root, engine = small
    engine.index()
    state = db_state(engine.store)
    p = root / "app/util.py"
    st = p.stat()
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    stats = engine.index()
    assert (stats.touched, stats.parsed, stats.unchanged) == (1, 0, 4)
    assert db_state(engine.store) == state  # digest included: it is over content, not mtimes
    again = engine.index()  # the new mtime was recorded: no re-hash this time
    assert (again.touched, again.parsed, again.unchanged) == (0, 0, 5)


def test_delete_drops_everything_of_the_file(small) -> None:
    root, engine = small
    engine.index()
    store = engine.store
    assert store.definitions("app/util.py") and store.references("app/util.py")
    assert store.imports("app/util.py")
    assert ("app/cli.py", "app/util.py") in store.import_edges()
    digest = store.meta("digest")
    (root / "app/util.py").unlink()
    stats = engine.index()
    assert (stats.deleted, stats.parsed, stats.scanned) == (1, 0, 4)
    assert store.file("app/util.py") is None
    assert store.definitions("app/util.py") == []
    assert store.references("app/util.py") == []
    assert store.imports("app/util.py") == []
    assert store.find_definitions("beta") == []
    assert not any("app/util.py" in edge for edge in store.import_edges())
    assert orphans(store) == 0
    assert store.meta("digest") != digest


def test_rename_moves_definitions(small) -> None:
    root, engine = small
    engine.index()
    store = engine.store
    before = [(d.name, d.kind, d.start_line, d.end_line, d.signature)
              for d in store.definitions("app/util.py")]
    assert ("app/cli.py", "app/util.py") in store.import_edges()
    (root / "app/util.py").rename(root / "app/helpers.py")
    stats = engine.index()
    assert (stats.deleted, stats.added, stats.parsed, stats.unchanged) == (1, 1, 1, 4)
    assert store.definitions("app/util.py") == []
    after = [(d.name, d.kind, d.start_line, d.end_line, d.signature)
             for d in store.definitions("app/helpers.py")]
    assert after == before
    assert [d.qualname for d in store.find_definitions("beta")] == ["app.helpers.beta"]
    # cli.py still says `from app.util import beta`: only the package prefix `app` resolves now
    assert {dst for src, dst in store.import_edges() if src == "app/cli.py"} == {"app/__init__.py"}
    assert ("app/helpers.py", "app/core.py") in store.import_edges()
    assert orphans(store) == 0


def test_digest_tracks_content_only(small, tmp_path: Path) -> None:
    root, engine = small
    engine.index()
    d1 = engine.store.meta("digest")
    engine.index()
    assert engine.store.meta("digest") == d1
    p = write(root, "README.md", "# demo!\n")
    engine.index()
    d2 = engine.store.meta("digest")
    assert d2 != d1
    p.write_text("# demo\n")
    os.utime(p, ns=(time.time_ns(), time.time_ns() + 7_000_000_000))
    engine.index()
    assert engine.store.meta("digest") == d1  # back to the same content: the same digest
    # a second index of the same tree, elsewhere, has the same digest
    other = Engine(root, index_path=tmp_path / "other.sqlite")
    other.index()
    assert other.store.meta("digest") == d1
    other.close()


# ---- parallel cold path = serial -----------------------------------------------------------------

N_PARALLEL = 300


def workers_alive() -> int:
    """Child processes of this process (the refresh's pool workers, while it runs)."""
    return len(multiprocessing.active_children())


def test_parallel_cold_index_equals_serial(tmp_path: Path) -> None:
    assert N_PARALLEL >= PARALLEL_THRESHOLD
    root = tmp_path / "repo"
    for i in range(N_PARALLEL):
        write(root, f"pkg{i % 10}/mod{i}.py", module_source(i))
    for k in range(10):
        write(root, f"pkg{k}/__init__.py", "")

    # parallel: one cold refresh of everything; workers are alive while progress is reported
    seen_workers: list[int] = []
    parallel = Engine(root, index_path=tmp_path / "parallel.sqlite")
    stats = parallel.index(progress=lambda done, total: seen_workers.append(workers_alive()))
    assert stats.parsed == N_PARALLEL + 10
    if (os.cpu_count() or 1) >= 2:
        assert max(seen_workers) >= 2

    # serial: the same tree indexed in batches smaller than the threshold (each refresh runs in-process)
    serial_root = tmp_path / "serial"
    serial_root.mkdir()
    serial = Engine(serial_root, index_path=tmp_path / "serial.sqlite")
    files = sorted(p.relative_to(root) for p in root.rglob("*.py"))
    batch = PARALLEL_THRESHOLD // 2
    for start in range(0, len(files), batch):
        for rel in files[start:start + batch]:
            write(serial_root, str(rel), (root / rel).read_text())
        seen_workers.clear()
        st = serial.index(progress=lambda done, total: seen_workers.append(workers_alive()))
        assert st.parsed == len(files[start:start + batch])
        assert max(seen_workers) == 0

    p, s = db_state(parallel.store), db_state(serial.store)
    assert len(p["definitions"]) == N_PARALLEL * 4  # class, 2 methods, helper
    assert p == s
    parallel.close()
    serial.close()


def _raw_tables(index: Path) -> dict[str, list[tuple]]:
    """Every row of every table of facts, ids included, in rowid order."""
    conn = sqlite3.connect(index)
    try:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall()
                for t in ("files", "definitions", "refs", "imports", "import_targets", "lexicon", "diagnostics")}
    finally:
        conn.close()


def _write_lock_free(index: Path) -> bool:
    """Whether another connection could start writing to the index now."""
    probe = sqlite3.connect(index, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        probe.close()


def test_cold_index_writes_while_it_parses_the_rows_of_one_that_writes_after(tmp_path: Path) -> None:
    """A cold index holds the write lock while its workers parse (its rows go in as batches come back); when
    another writer holds the lock at its start it parses first and writes after, as any refresh does. Both
    write the same rows with the same ids, in the same order."""
    root = tmp_path / "repo"
    for i in range(N_PARALLEL):
        write(root, f"pkg{i % 10}/mod{i}.py", module_source(i))
    for k in range(10):
        write(root, f"pkg{k}/__init__.py", "")
    write(root, "pkg3/broken.py", "def broken(:\n    pass\n")  # a parse diagnostic among the rows

    pipelined = tmp_path / "pipelined.sqlite"
    store = Store.open(pipelined)
    lock_free: list[bool] = []
    stats = store.refresh(root, progress=lambda done, total: lock_free.append(_write_lock_free(pipelined)))
    store.close()
    assert stats.parsed == stats.added == N_PARALLEL + 11
    assert lock_free and not any(lock_free), "the cold index held the write lock while it parsed"

    after = tmp_path / "after.sqlite"
    store = Store.open(after)
    other = sqlite3.connect(after, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # another writer, done by the time the parse begins
    lock_free.clear()

    def progress(done: int, total: int) -> None:
        if other.in_transaction:
            other.execute("ROLLBACK")
        lock_free.append(_write_lock_free(after))

    assert store.refresh(root, progress=progress).parsed == N_PARALLEL + 11
    store.close()
    other.close()
    assert all(lock_free), "this one parsed without the lock"
    tables = _raw_tables(pipelined)
    assert tables == _raw_tables(after)
    assert len(tables["definitions"]) > N_PARALLEL * 4 and len(tables["import_targets"]) >= N_PARALLEL
    assert [r[0] for r in tables["diagnostics"]] == ["pkg3/broken.py"]
    assert [r[1] for r in tables["files"]] == sorted(r[1] for r in tables["files"])  # ids in path order


def test_cold_index_failing_mid_write_says_why_and_keeps_nothing(tmp_path: Path) -> None:
    """The database fills up while a cold index writes (SQLite's page limit, as a full disk): the error itself
    comes out (not a failed rollback of the transaction SQLite already rolled back), the pool's workers are
    gone, nothing is committed, and the next refresh indexes everything."""
    root = tmp_path / "repo"
    for i in range(N_PARALLEL):
        write(root, f"pkg{i % 10}/mod{i}.py", module_source(i, classes=3, methods=4))
    index = tmp_path / "index.sqlite"
    store = Store.open(index)
    pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
    store.conn.execute(f"PRAGMA max_page_count={pages + 20}")
    with pytest.raises(sqlite3.OperationalError, match="full"):
        store.refresh(root)
    psutil.wait_procs(psutil.Process().children(recursive=True), timeout=10)
    assert workers_alive() == 0
    assert not store.conn.in_transaction and _write_lock_free(index)
    assert store.conn.execute("SELECT COUNT(*) FROM files").fetchone()[0] == 0
    store.conn.execute("PRAGMA max_page_count=1073741823")
    assert store.refresh(root).parsed == N_PARALLEL
    assert store.counts()["definitions"] == N_PARALLEL * (3 + 3 * 4 + 1)
    store.close()


def test_ordered_batches_keep_the_job_order_and_put_a_big_file_alone() -> None:
    sizes = [10, 10, 10, 10, 10, 500, 10, 10, 300, 300]
    batches = _ordered_batches(sizes, 4, 400)
    assert [k for b in batches for k in b] == list(range(len(sizes)))
    assert batches == [[0, 1, 2, 3], [4], [5], [6, 7, 8], [9]]


# ---- SIGKILL in the middle of an index run -------------------------------------------------------

N_KILL = 800


def _children(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _kill_while_parsing(root: Path, index: Path, env: dict[str, str],
                        check: Callable[[], None] = lambda: None) -> None:
    """Run `contextpack index` on `root` and SIGKILL it 0.3 s into its parse (once its pool exists), after
    `check`; its orphaned pool workers are killed too."""
    proc = subprocess.Popen([*CLI, "index", "--repo", str(root), "--index", str(index), "-q"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    workers: list[psutil.Process] = []
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.poll() is None:
            workers = _children(proc.pid)
            if workers:  # the pool exists only while files are being parsed
                break
            time.sleep(0.01)
        assert workers, "the indexer never reached the parse phase"
        time.sleep(0.3)
        assert proc.poll() is None, "the indexer finished before it could be killed; make the repo bigger"
        assert _children(proc.pid), "the parse phase ended before the kill"
        check()
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=10) == -signal.SIGKILL
    finally:
        for w in workers:  # orphaned pool workers of the killed indexer
            try:
                w.kill()
            except psutil.NoSuchProcess:
                pass
        psutil.wait_procs(workers, timeout=10)
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _index_all_again(root: Path, index: Path, env: dict) -> Store:
    """After a killed run: `contextpack index` parses every file again; the store it leaves."""
    done = subprocess.run([*CLI, "index", "--repo", str(root), "--index", str(index), "-q"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"{N_KILL} parsed, 0 unchanged" in done.stdout
    return Store.open(index)


def test_sigkill_mid_index_leaves_previous_state(tmp_path: Path) -> None:
    root, index = tmp_path / "repo", tmp_path / "index.sqlite"
    for i in range(N_KILL):  # small files: a quick first index
        write(root, f"pkg{i % 10}/mod{i}.py", f"def small{i}():\n    return {i}\n")
    env = {**os.environ, "CONTEXTPACK_INDEX_DIR": str(tmp_path / "cache")}
    first = subprocess.run([*CLI, "index", "--repo", str(root), "--index", str(index), "-q"],
                           capture_output=True, text=True, env=env, timeout=120)
    assert first.returncode == 0, first.stderr
    store = Store.open(index)
    before = (store.meta("digest"), store.counts())
    assert before[1]["definitions"] == N_KILL
    store.close()

    # every file grows: the next run has ~N_KILL larger parses to do before it writes anything
    for i in range(N_KILL):
        write(root, f"pkg{i % 10}/mod{i}.py", module_source(i, version=1, classes=3, methods=4))

    _kill_while_parsing(root, index, env)

    raw = sqlite3.connect(index)
    assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    raw.close()
    store = Store.open(index)
    assert (store.meta("digest"), store.counts()) == before
    assert store.find_definitions("small7")[0].path == "pkg7/mod7.py"
    store.close()

    store = _index_all_again(root, index, env)
    assert store.meta("digest") != before[0]
    assert store.counts()["definitions"] == N_KILL * (3 + 3 * 4 + 1)
    assert store.find_definitions("small7") == []
    assert [d.path for d in store.find_definitions("helper7_v1")] == ["pkg7/mod7.py"]
    assert store.conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    store.close()
    assert not list((tmp_path / "cache").glob("*"))  # --index: nothing written to the default location


def test_sigkill_mid_cold_index_leaves_an_empty_index(tmp_path: Path) -> None:
    """A cold index writes while it parses: killed then, its transaction never commits; the index reads as
    empty and sound, and the next run indexes everything."""
    root, index = tmp_path / "repo", tmp_path / "index.sqlite"
    for i in range(N_KILL):
        write(root, f"pkg{i % 10}/mod{i}.py", module_source(i, classes=3, methods=4))
    env = {**os.environ, "CONTEXTPACK_INDEX_DIR": str(tmp_path / "cache")}

    def holds_the_lock() -> None:
        assert not _write_lock_free(index), "the cold index writes while it parses"

    _kill_while_parsing(root, index, env, holds_the_lock)

    raw = sqlite3.connect(index)
    assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert raw.execute("SELECT COUNT(*) FROM files").fetchone()[0] == 0
    assert raw.execute("SELECT COUNT(*) FROM definitions").fetchone()[0] == 0
    raw.close()
    store = _index_all_again(root, index, env)
    assert store.counts()["definitions"] == N_KILL * (3 + 3 * 4 + 1)
    assert [d.path for d in store.find_definitions("helper7_v0")] == ["pkg7/mod7.py"]
    store.close()


def test_pool_batches_put_the_biggest_files_first_and_apart() -> None:
    sizes = [5, 900, 3, 800, 1, 700, 2, 60, 4, 50]
    batches = _batches(sizes, 4)
    assert sorted(k for b in batches for k in b) == list(range(len(sizes)))  # every job once
    assert [b[0] for b in batches] == [1, 3, 5]  # the three biggest lead three batches
    assert all(len(b) <= 4 for b in batches)
