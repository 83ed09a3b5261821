"""Issue 11, item 15: the index is untrusted input. Rows that SQLite accepts but contextpack never writes
(text where a number goes, bad JSON, NULLs, huge line numbers, paths out of the root, dangling ids and
targets, control characters) are skipped by every reader: `map`, `symbols`, `stats`, `pack` still answer
from the good rows, with no traceback and nothing read outside the root."""

from __future__ import annotations

import glob
import hashlib
import sqlite3
from pathlib import Path

from conftest import write
from hostile import cli

OUTSIDE_SECRET = "OUTSIDE-FILE-CONTENT-7f3a9c"
BIG = 9_223_372_036_854_775_807


def _craft(db: Path, outside_sha: str, outside_size: int) -> None:
    """Add crafted rows beside the good ones; definitions and diagnostics lose their NOT NULL checks."""
    c = sqlite3.connect(db)
    c.executescript("""
        ALTER TABLE definitions RENAME TO d0;
        CREATE TABLE definitions (id INTEGER PRIMARY KEY, file_id INTEGER, name TEXT, kind TEXT, qualname TEXT,
            start_line INTEGER, end_line INTEGER, signature TEXT, doc TEXT, parent TEXT);
        INSERT INTO definitions SELECT * FROM d0; DROP TABLE d0;
        ALTER TABLE diagnostics RENAME TO g0;
        CREATE TABLE diagnostics (path TEXT, stage TEXT, message TEXT);
        INSERT INTO diagnostics SELECT * FROM g0; DROP TABLE g0;
    """)
    core = c.execute("SELECT id FROM files WHERE path='pkg/core.py'").fetchone()[0]
    c.executemany("INSERT INTO files(id, path, language, size, mtime_ns, sha256, line_count) VALUES (?,?,?,?,?,?,?)", [
        (100, "../outside/leak.py", "python", outside_size, 1, outside_sha, 3),
        (101, str(db.parent.parent / "outside" / "leak.py"), "python", outside_size, 1, outside_sha, 3),
        (102, 12, "python", 1, 1, "00", 1),
        (103, b"\xff\x00", "python", 1, 1, "00", 1),
        (104, "pkg/./../../outside/leak.py", "python", outside_size, 1, outside_sha, 3),
        (105, "pkg/bad.py", "python", "x", "y", b"\x00", "many"),
    ])
    c.executemany("INSERT INTO definitions(file_id, name, kind, qualname, start_line, end_line, signature, doc,"
                  " parent) VALUES (?,?,?,?,?,?,?,?,?)", [
        (core, "compute", "function", "pkg.core.compute", "x", 5, "def compute(x)", "", None),
        (core, "compute", "function", "pkg.core.compute", 4, 5, b"\x00\xff\x1b[31m", "", None),
        (core, "compute", "function", "pkg.core.compute", 4, 5, None, None, None),
        (core, "compute", "function", "pkg.core.compute", 1, BIG, "def compute(x)", "", None),
        (core, "compute", "function", "pkg.core.compute", 9, 2, "def compute(x)", "", None),
        (core, None, None, None, None, None, None, None, None),
        (core, "compute", "function", "pkg.core.compute", 4, 5, "def compute(x)", "", 7),
        (100, "compute", "function", "leak.compute", 1, 3, "def compute()", "", None),
        (999, "compute", "function", "ghost.compute", 1, 3, "def compute()", "", None),
    ])
    c.executemany("INSERT INTO refs VALUES (?,?,?,?)", [
        (core, "helper", 1, "abc 2"), (core, "helper", "x", "2"), (core, "compute", 1, "99999999999999999999999"),
        (core, "helper", 1, b"\x01"), (core, 5, 1, "2"), (100, "helper", 1, "1"),
    ])
    c.executemany("INSERT INTO imports VALUES (?,?,?,?)", [
        (core, "pkg.util", "not json", 3), (core, "pkg.util", "null", 3), (core, "pkg.util", "[1, 2]", 3),
        (core, 5, "[]", 1), (core, "pkg.x", '["a"]', "x"),
    ])
    c.executemany("INSERT INTO import_targets VALUES (?,?)",
                  [(core, "nope/zz.py"), (core, 5), (core, "../outside/leak.py"), (999, "pkg/util.py")])
    c.executemany("INSERT INTO diagnostics VALUES (?,?,?)",
                  [(5, 6, 7), (None, None, None), ("esc\x1b]0;owned\x07.py", "parse", "m\x1b[2J")])
    c.execute("INSERT OR REPLACE INTO meta VALUES ('skipped', '{')")
    c.execute("UPDATE meta SET value='crafted' WHERE key='refreshed_at'")  # not the state a sidecar was built for
    c.commit()
    c.close()


def test_crafted_rows_are_skipped_by_every_reader(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write(root, "pkg/__init__.py", "")
    write(root, "pkg/core.py", """\
        from pkg.util import helper


        def compute(x):
            return helper(x) + 1
        """)
    write(root, "pkg/util.py", "def helper(x):\n    return x * 2\n")
    write(root, "tests/test_core.py", "from pkg.core import compute\n\n\ndef test_compute():\n"
                                      "    assert compute(1) == 3\n")
    outside = write(tmp_path, "outside/leak.py", f'KEY = "{OUTSIDE_SECRET}"\n\n\ndef compute():\n    return 1\n')
    data = outside.read_bytes()
    assert cli("index", "--repo", root, home=tmp_path).returncode == 0
    (db,) = glob.glob(str(tmp_path / "index-dir" / "*.sqlite"))
    _craft(Path(db), hashlib.sha256(data).hexdigest(), len(data))

    runs = {
        "map": cli("map", "--repo", root, "--budget", "4000", home=tmp_path),
        "symbols": cli("symbols", "compute", "--repo", root, home=tmp_path),
        "stats": cli("stats", "--repo", root, "--diagnostics", home=tmp_path),
        "pack": cli("pack", "--repo", root, "--no-server", "--format", "md", "--task",
                    "compute in pkg/core.py returns the wrong value; see helper and ../outside/leak.py",
                    home=tmp_path),
    }
    for name, proc in runs.items():
        assert proc.returncode == 0, (name, proc.stderr)
        assert len(proc.stderr.strip().splitlines()) <= 1, (name, proc.stderr)
        assert OUTSIDE_SECRET.encode() not in proc.stdout, name
        assert b"\x1b" not in proc.stdout + proc.stderr, name
    assert b"pkg/core.py:" in runs["map"].stdout and b"def compute(x)" in runs["map"].stdout
    symbols = runs["symbols"].stdout.decode()
    assert "pkg/core.py:4" in symbols and "leak" not in symbols and "ghost" not in symbols
    assert "pkg/core.py" in runs["pack"].stdout.decode() and "def compute(x):" in runs["pack"].stdout.decode()
    assert "esc\u241b]0;owned\u2407.py" in runs["stats"].stdout.decode()  # shown, made harmless
