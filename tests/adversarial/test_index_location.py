"""Issue 11, items 1 and 11: a repository's config can't choose where contextpack writes, the store never
changes a file it did not create, and an unusable index is reported by its real cause."""

from __future__ import annotations

import ctypes
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest
from conftest import CONTEXTPACK, write
from hostile import cli, error_line, tree_snapshot

CONFIG = ".contextpack/config.toml"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    h = tmp_path / "home"
    h.mkdir()
    return h


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    write(root, "app.py", "def main():\n    return 0\n")
    return root


def foreign_db(path: Path) -> bytes:
    """Someone else's SQLite database, with tables named like ours."""
    conn = sqlite3.connect(path)
    conn.executescript("CREATE TABLE files (x); CREATE TABLE meta (key, value); INSERT INTO files VALUES (42);")
    conn.close()
    return path.read_bytes()


@pytest.mark.parametrize("where", ["absolute", "parent", "home"])
def test_repo_config_cannot_place_the_index_outside_the_cache(tmp_path, home, repo, where) -> None:
    victim_dir = tmp_path / "victim"
    victim_dir.mkdir()
    victim = victim_dir / "app.db"
    before = foreign_db(victim)
    raw = {"absolute": str(victim), "parent": "../../../victim/app.db", "home": "~/../victim/app.db"}[where]
    write(repo, CONFIG, f"[index]\nindex_path = {raw!r}\n")
    outside = tree_snapshot(tmp_path / "victim")
    for env in ({}, {"CONTEXTPACK_INDEX_DIR": None}):
        proc = cli("stats", "--repo", repo, home=home, env=env)
        assert proc.returncode == 1  # not indexed yet, in the default place
        assert victim.read_bytes() == before
        assert tree_snapshot(tmp_path / "victim") == outside
    assert "ignoring index_path" in proc.stderr.decode()


def test_repo_config_index_path_inside_the_cache_is_used_only_without_a_user_choice(home, repo) -> None:
    write(repo, CONFIG, '[index]\nindex_path = "mine.sqlite"\n')
    proc = cli("index", "--repo", repo, home=home, env={"CONTEXTPACK_INDEX_DIR": None})
    assert proc.returncode == 0, proc.stderr
    assert (home / ".cache" / "contextpack" / "mine.sqlite").is_file()
    proc = cli("index", "--repo", repo, home=home)  # CONTEXTPACK_INDEX_DIR wins over the repository
    assert proc.returncode == 0, proc.stderr
    assert list((home / "index-dir").glob("repo-*.sqlite"))


def test_empty_file_is_not_turned_into_a_database(tmp_path, home, repo) -> None:
    empty = tmp_path / "empty.sqlite"
    empty.touch()
    proc = cli("stats", "--repo", repo, "--index", empty, home=home)
    assert proc.returncode == 3
    assert "not a contextpack index" in error_line(proc) and "delete" not in error_line(proc)
    assert empty.read_bytes() == b""


def test_foreign_database_is_not_changed(tmp_path, home, repo) -> None:
    db = tmp_path / "theirs.sqlite"
    before = foreign_db(db)
    proc = cli("index", "--repo", repo, "--index", db, home=home)
    assert proc.returncode == 3
    assert "did not create" in error_line(proc) and "delete" not in error_line(proc)
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("theirs")) == ["theirs.sqlite"]


def test_text_file_is_not_overwritten(tmp_path, home, repo) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n")
    proc = cli("index", "--repo", repo, "--index", notes, home=home)
    assert proc.returncode == 3
    assert notes.read_text() == "my notes\n"


def test_index_is_a_directory(tmp_path, home, repo) -> None:
    proc = cli("stats", "--repo", repo, "--index", tmp_path, home=home)
    assert proc.returncode == 3
    line = error_line(proc)
    assert "is a directory" in line and "delete" not in line


def test_locked_index_says_locked(tmp_path, home, repo) -> None:
    index = tmp_path / "i.sqlite"
    assert cli("index", "--repo", repo, "--index", index, home=home).returncode == 0
    holder = sqlite3.connect(index, isolation_level=None)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        proc = cli("index", "--repo", repo, "--index", index, home=home)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert proc.returncode == 3
    line = error_line(proc)
    assert "locked" in line and "delete" not in line


def test_our_index_is_still_rebuilt_and_reused(tmp_path, home, repo) -> None:
    index = tmp_path / "i.sqlite"
    assert cli("index", "--repo", repo, "--index", index, home=home).returncode == 0
    proc = cli("symbols", "main", "--repo", repo, "--index", index, home=home)
    assert proc.returncode == 0, proc.stderr
    assert b"app.py:1" in proc.stdout


def _without_dac_override() -> None:
    """Root without the capabilities that bypass file permissions, so a read-only file really is one."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def test_read_only_index_says_read_only(tmp_path, home, repo) -> None:
    index = tmp_path / "i.sqlite"
    assert cli("index", "--repo", repo, "--index", index, home=home).returncode == 0
    write(repo, "more.py", "def more():\n    return 1\n")
    index.chmod(0o444)
    env = {**os.environ, "HOME": str(home), "CONTEXTPACK_INDEX_DIR": str(home / "index-dir")}
    proc = subprocess.run([CONTEXTPACK, "index", "--repo", str(repo), "--index", str(index)], capture_output=True,
                          text=True, env=env, timeout=120, preexec_fn=_without_dac_override if os.geteuid() == 0
                          else None)
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 3, proc.stderr
    line = proc.stderr.strip()
    assert "read-only" in line and "delete" not in line, line
