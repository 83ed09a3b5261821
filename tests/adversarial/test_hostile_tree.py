"""Issue 11, item 9: file and symlink names that are not UTF-8, directories nested a thousand deep, and a
stdout on a full disk each end in a result or a one-line error, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import write
from hostile import cli, error_line

DEPTH = 1000


def test_non_utf8_names_are_skipped_and_listed(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write(root, "app.py", "def main():\n    return 0\n")
    raw_root = os.fsencode(root)
    with open(raw_root + b"/caf\xe9.py", "wb") as fh:
        fh.write(b"def latin():\n    return 1\n")
    os.mkdir(raw_root + b"/d\xff")
    with open(raw_root + b"/d\xff/inner.py", "wb") as fh:
        fh.write(b"def inner():\n    return 1\n")
    os.symlink(b"app.py", raw_root + b"/l\xfe.py")
    proc = cli("index", "--repo", root, home=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert cli("symbols", "main", "--repo", root, home=tmp_path).returncode == 0
    diags = cli("stats", "--repo", root, "--diagnostics", home=tmp_path).stdout.decode()
    for shown in ("caf\ufffd.py", "d\ufffd", "l\ufffd.py"):
        assert f"{shown}: scan skipped: name is not valid UTF-8" in diags, diags
    packed = cli("pack", "--repo", root, "--task", "main and latin", home=tmp_path)
    assert packed.returncode == 0, packed.stderr


def test_deeply_nested_directories(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write(root, "app.py", "def main():\n    return 0\n")
    deep = root
    for _ in range(DEPTH):  # one level at a time: mkdir(parents=True) itself recurses
        deep = deep / "d"
        deep.mkdir()
    (deep / "leaf.py").write_text("def leaf():\n    return 1\n")
    try:
        proc = cli("index", "--repo", root, home=tmp_path)
        assert proc.returncode == 0, proc.stderr
        assert cli("symbols", "leaf", "--repo", root, home=tmp_path).returncode == 0
        assert cli("pack", "--repo", root, "--task", "leaf returns 1", home=tmp_path).returncode == 0
    finally:  # bottom up: pytest's clean-up of old temp dirs (shutil.rmtree) recurses too
        (deep / "leaf.py").unlink()
        while deep != root:
            deep.rmdir()
            deep = deep.parent


def test_stdout_on_a_full_disk(tmp_path: Path) -> None:
    with open("/dev/full", "wb") as full:
        proc = cli("schema", home=tmp_path, stdout=full)
    assert proc.returncode == 1
    assert error_line(proc) == "error: cannot write output: No space left on device"


def test_stdout_closed_early(tmp_path: Path) -> None:
    env = {**os.environ, "CONTEXTPACK_INDEX_DIR": str(tmp_path / "i")}
    from conftest import CONTEXTPACK
    proc = subprocess.run(f"{CONTEXTPACK} schema | head -c 10", shell=True, capture_output=True, env=env,
                          timeout=60)
    assert b"Traceback" not in proc.stderr and b"Exception ignored" not in proc.stderr, proc.stderr


@pytest.mark.parametrize("where", [".gitignore", "sub/.gitignore", ".contextpackignore", ".git/info/exclude"])
def test_ignore_lines_git_accepts_and_pathspec_refuses(tmp_path: Path, where: str) -> None:
    """`foo\\`, a lone `\\` or `!`, `[z-a]`: git skips such a line; each made every command a traceback. The
    other lines of the file still apply."""
    root = tmp_path / "repo"
    write(root, "sub/app.py", "def gfunc():\n    return 1\n")
    write(root, "sub/debug.log.py", "def noise():\n    return 2\n")
    if where.startswith(".git/"):
        subprocess.run(["git", "init", "-q", str(root)], check=True)
    write(root, where, "foo\\\n\\\n!\n[z-a]\n*.log.py\n")
    proc = cli("pack", "--repo", root, "--task", "gfunc noise", "--budget", "500", home=tmp_path)
    assert proc.returncode == 0, proc.stderr
    shown = {item["path"] for item in json.loads(proc.stdout)["items"]}
    assert "sub/app.py" in shown and "sub/debug.log.py" not in shown
