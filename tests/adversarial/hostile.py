"""Helpers for the adversarial tests: run the installed CLI on a hostile repository, with every location
contextpack could write to (index dir, user cache dir, home) inside the test's temp dir, and check the
error contract (documented exit code, one line on stderr, no traceback)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from conftest import CONTEXTPACK

EXIT_CODES = {0, 1, 2, 3}  # success, failure, bad request or repository, unusable index (contextpack.errors)


def cli(*args: str | Path, home: Path, env: dict[str, str] | None = None, input: bytes | str | None = None,
        timeout: float = 120, stdout=subprocess.PIPE) -> subprocess.CompletedProcess:
    """The installed `contextpack` with HOME and XDG_CACHE_HOME inside `home` (so the user cache dir is
    too) and CONTEXTPACK_INDEX_DIR set unless `env` removes it (value None)."""
    full = {**os.environ, "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache"),
            "CONTEXTPACK_INDEX_DIR": str(home / "index-dir")}
    for key, value in (env or {}).items():
        if value is None:
            full.pop(key, None)
        else:
            full[key] = value
    proc = subprocess.run([CONTEXTPACK, *map(str, args)], stdout=stdout, stderr=subprocess.PIPE, env=full,
                          timeout=timeout, input=input.encode() if isinstance(input, str) else input,
                          stdin=None if input is not None else subprocess.DEVNULL, cwd=home)
    for stream in (proc.stdout or b"", proc.stderr):
        assert b"Traceback" not in stream, proc.stderr.decode(errors="replace")
    assert proc.returncode in EXIT_CODES, (proc.returncode, proc.stderr)
    return proc


def error_line(proc: subprocess.CompletedProcess) -> str:
    """The one line a failed command writes on stderr."""
    lines = proc.stderr.decode(errors="replace").strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def tree_snapshot(root: Path) -> dict[str, bytes | None]:
    """Every path under `root` with the bytes of its files (None for directories and links)."""
    snap: dict[str, bytes | None] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            snap[os.path.relpath(p, root)] = (Path(p).read_bytes() if os.path.isfile(p)
                                              and not os.path.islink(p) else None)
    return snap
