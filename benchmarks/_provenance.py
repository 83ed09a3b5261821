"""Which project code a benchmark run measured: the commit, and whether the tree differs from it.

Shared by the benchmarks, which stamp it on their reports (read at the start of a run: the code a run
imports is the code it measures)."""

from __future__ import annotations

import subprocess
from pathlib import Path


def project_version(root: Path, only: str | None = None) -> str:
    """`abc123def456`, plus " (uncommitted changes[ in ONLY])" when tracked files (under `only`) differ."""

    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                              check=True).stdout.strip()

    try:
        sha = git("rev-parse", "--short=12", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no", *(["--", only] if only else []))
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return sha + (f" (uncommitted changes{f' in {only}' if only else ''})" if dirty else "")
