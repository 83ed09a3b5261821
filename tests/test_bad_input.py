"""Bad input through the real CLI (a subprocess): each case exits as documented, says what happened in one
line on stderr, and never shows a traceback."""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from conftest import write_raw as write

from contextpack.store import Store

CLI = [sys.executable, "-m", "contextpack.cli"]
NOBODY = 65534
PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 24, 1, 2


def run(*args: str | Path, env_dir: Path, preexec_fn=None,
        timeout: float = 60) -> subprocess.CompletedProcess:
    env = {**os.environ, "CONTEXTPACK_INDEX_DIR": str(env_dir), "HOME": str(env_dir)}
    proc = subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, env=env, timeout=timeout,
                          preexec_fn=preexec_fn, cwd=env_dir)
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stderr
    return proc


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    return lines[0]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    write(root, "app.py", "def main():\n    return 0\n")
    return root


@pytest.fixture
def index(tmp_path: Path) -> Path:
    return tmp_path / "index.sqlite"


def diagnostics(index: Path) -> dict[str, str]:
    """What the run recorded (read in-process; `stats --diagnostics` is covered in test_cli.py)."""
    store = Store.open(index)
    try:
        return {path: f"{stage} {message}" for path, stage, message in store.diagnostics()}
    finally:
        store.close()


def definitions(index: Path) -> set[str]:
    store = Store.open(index)
    try:
        return {d.qualname for d in store.definitions()}
    finally:
        store.close()


def test_binary_file(repo: Path, index: Path, tmp_path: Path) -> None:
    write(repo, "blob.py", b"def hidden():\n    pass\n\x00\x00\xff\xfe" * 50)
    write(repo, "image.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8)
    proc = run("index", "--repo", repo, "--index", index, env_dir=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "binary 1" in proc.stdout
    assert "1 (python 1)" in proc.stdout
    assert definitions(index) == {"app.main"}


def test_huge_file(repo: Path, index: Path, tmp_path: Path) -> None:
    size = 50 * 1024 * 1024
    with open(repo / "huge.py", "wb") as fh:
        line = b"x = 1  # filler\n"
        fh.write(line * (size // len(line)))
    started = time.monotonic()
    proc = run("index", "--repo", repo, "--index", index, env_dir=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert time.monotonic() - started < 15  # never read, never parsed
    assert "too large 1" in proc.stdout
    assert diagnostics(index)["huge.py"] == (
        f"scan skipped: {size} bytes is over the 1048576-byte limit")


def test_non_utf8_source(repo: Path, index: Path, tmp_path: Path) -> None:
    write(repo, "legacy.py", b"# -*- coding: latin-1 -*-\nNAME = 'caf\xe9'\n\n\ndef after_bad_bytes(x):\n"
                             b"    return x\n")
    proc = run("index", "--repo", repo, "--index", index, env_dir=tmp_path)
    assert proc.returncode == 0, proc.stderr
    store = Store.open(index)
    (found,) = store.find_definitions("after_bad_bytes")
    assert (found.path, found.start_line, found.signature) == ("legacy.py", 5, "def after_bad_bytes(x)")
    store.close()
    assert diagnostics(index)["legacy.py"].startswith("parse not valid UTF-8 (byte 37)")
    assert "legacy.NAME" in definitions(index)


def test_syntax_error(repo: Path, index: Path, tmp_path: Path) -> None:
    write(repo, "broken.py", "def before_error(x):\n    return x\n\n\nclass Good:\n    def fine(self):\n"
                             "        pass\n\n\ndef broken(:\n    pass\n")
    proc = run("index", "--repo", repo, "--index", index, env_dir=tmp_path)
    assert proc.returncode == 0, proc.stderr
    found = run("symbols", "before_error", "--repo", repo, "--index", index, env_dir=tmp_path)
    assert found.returncode == 0, found.stderr
    assert found.stdout.startswith("broken.py:1 ")
    assert "def before_error(x)" in found.stdout
    assert {"broken.before_error", "broken.Good", "broken.Good.fine"} <= definitions(index)
    assert diagnostics(index)["broken.py"].startswith("parse syntax error near line 10")


def test_symlink_loop_and_outside(repo: Path, index: Path, tmp_path: Path) -> None:
    os.symlink("b", repo / "a")
    os.symlink("a", repo / "b")
    os.symlink("..", repo / "up")
    (repo / "sub").mkdir()
    os.symlink("..", repo / "sub" / "loop")
    os.symlink("/etc", repo / "etc")
    os.symlink("/etc/passwd", repo / "passwd.txt")
    proc = run("index", "--repo", repo, "--index", index, env_dir=tmp_path, timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert "1 (python 1)" in proc.stdout
    diags = diagnostics(index)
    assert diags["a"].startswith("scan broken or looping symlink")
    assert diags["b"].startswith("scan broken or looping symlink")
    assert diags["up"] == "scan symlink points outside the repository; not followed"
    assert diags["etc"] == "scan symlink points outside the repository; not followed"
    assert diags["passwd.txt"] == "scan symlink points outside the repository; not followed"
    assert "not followed" in diags["sub/loop"]


def test_empty_repository(tmp_path: Path, index: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = run("index", "--repo", empty, "--index", index, env_dir=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "│ files       │ 0 ()" in proc.stdout
    assert "│ symbols     │ 0 " in proc.stdout
    mapped = run("map", "--repo", empty, "--index", index, env_dir=tmp_path)
    assert mapped.returncode == 0, mapped.stderr
    assert mapped.stdout == ""
    assert one_line(mapped.stderr) == "0/1024 tokens (cl100k_base)"


def test_missing_path(tmp_path: Path, index: Path) -> None:
    missing = tmp_path / "no" / "such" / "repository"
    proc = run("symbols", "main", "--repo", missing, "--index", index, env_dir=tmp_path)
    assert proc.returncode == 2
    assert one_line(proc.stderr) == f"error: repository path does not exist: {missing}"
    assert not index.exists()


def test_repo_is_a_file(tmp_path: Path, index: Path) -> None:
    f = write(tmp_path, "file.py", "x = 1\n")
    proc = run("index", "--repo", f, "--index", index, env_dir=tmp_path)
    assert proc.returncode == 2
    assert one_line(proc.stderr) == f"error: repository path is not a directory: {f}"


def test_corrupt_index(repo: Path, tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(bytes((i * 37 + 11) % 256 for i in range(8192)))
    proc = run("index", "--repo", repo, "--index", garbage, env_dir=tmp_path)
    assert proc.returncode == 3
    assert one_line(proc.stderr) == (
        f"error: {garbage} is not a contextpack index (it is not an SQLite database); "
        f"contextpack will not overwrite it: choose another --index path")
    assert proc.stdout == ""


def test_damaged_index_pages(repo: Path, index: Path, tmp_path: Path) -> None:
    """A valid header over damaged pages passes Store.open; the damage surfaces in a query."""
    for i in range(40):
        write(repo, f"pkg/m{i}.py", "".join(f"def f{i}_{j}(a, b):\n    return a + b\n\n" for j in range(30)))
    store = Store.open(index)
    store.refresh(repo.resolve())
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    data = bytearray(index.read_bytes())
    assert len(data) > 8 * 4096
    for i in range(4096, len(data), 7):
        data[i] = (data[i] * 31 + 7) % 256
    index.write_bytes(bytes(data))
    proc = run("stats", "--repo", repo, "--index", index, env_dir=tmp_path)
    assert proc.returncode == 3, proc.stdout
    assert one_line(proc.stderr) == (
        f"error: index {index} is damaged (database disk image is malformed); "
        f"delete this file (contextpack made it) to rebuild")


# ---- permissions: the indexer runs unprivileged --------------------------------------------------


def _nobody() -> None:
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)


def _no_dac_override() -> None:
    """Root without the capabilities that bypass file permissions (for an interpreter nobody can reach)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


@pytest.fixture(scope="module")
def unprivileged():
    """A preexec_fn under which `chmod 000` really denies access; None when not root already."""
    if os.geteuid() != 0:
        return None
    probe = [sys.executable, "-c", "import contextpack.cli"]
    for drop in (_nobody, _no_dac_override):
        try:
            probed = subprocess.run(probe, preexec_fn=drop, capture_output=True, cwd="/tmp", timeout=60)
            ok = probed.returncode == 0
        except (OSError, subprocess.SubprocessError):
            ok = False
        if ok:
            return drop
    pytest.skip("cannot run the CLI unprivileged here (neither as nobody nor without CAP_DAC_OVERRIDE)")


@pytest.fixture
def shared_dir():
    """A world-accessible directory: the unprivileged indexer reads the repo and writes the index here."""
    base = Path(tempfile.mkdtemp(prefix="contextpack-perm-", dir="/tmp"))
    base.chmod(0o777)
    yield base
    for dirpath, dirnames, _ in os.walk(base):
        for d in dirnames:
            os.chmod(os.path.join(dirpath, d), 0o755)
    shutil.rmtree(base)


def test_unreadable_directory(unprivileged, shared_dir: Path) -> None:
    repo = shared_dir / "repo"
    write(repo, "ok.py", "def visible():\n    pass\n")
    write(repo, "locked/inner.py", "def invisible():\n    pass\n")
    for p in (repo, repo / "locked"):
        p.chmod(0o755)
    (repo / "locked").chmod(0)
    index = shared_dir / "index.sqlite"
    proc = run("index", "--repo", repo, "--index", index, env_dir=shared_dir, preexec_fn=unprivileged)
    assert proc.returncode == 0, proc.stderr
    assert "1 (python 1)" in proc.stdout
    assert "unreadable 1" in proc.stdout
    assert diagnostics(index)["locked"] == "scan directory not readable: Permission denied"
    assert definitions(index) == {"ok.visible"}


def test_unreadable_file(unprivileged, shared_dir: Path) -> None:
    repo = shared_dir / "repo"
    write(repo, "ok.py", "def visible():\n    pass\n")
    write(repo, "private.py", "def invisible():\n    pass\n").chmod(0)
    repo.chmod(0o755)
    index = shared_dir / "index.sqlite"
    proc = run("index", "--repo", repo, "--index", index, env_dir=shared_dir, preexec_fn=unprivileged)
    assert proc.returncode == 0, proc.stderr
    assert diagnostics(index)["private.py"] == "scan not readable: Permission denied"
    assert definitions(index) == {"ok.visible"}


def test_unreadable_repo_root(unprivileged, shared_dir: Path) -> None:
    repo = shared_dir / "repo"
    write(repo, "ok.py", "x = 1\n")
    repo.chmod(0)
    proc = run("index", "--repo", repo, "--index", shared_dir / "index.sqlite", env_dir=shared_dir,
               preexec_fn=unprivileged)
    assert proc.returncode == 2
    assert one_line(proc.stderr) == f"error: repository path is not readable: {repo}"
