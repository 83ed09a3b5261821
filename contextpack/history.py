"""Git co-change history: files that were changed in the same commits, as a relevance signal.

Read once per HEAD commit from `git log`; commits that touch many files (mass renames, reformatting)
say nothing about coupling and are skipped. No git, or not a work tree: no history, no error.

    pairs = cochange(Path("."))       # {"a.py": {"b.py": 4, ...}, ...}
"""

from __future__ import annotations

import subprocess
from collections import Counter, defaultdict
from pathlib import Path

MAX_COMMITS = 2000
MAX_FILES_PER_COMMIT = 20


def cochange(root: Path, max_commits: int = MAX_COMMITS) -> dict[str, Counter]:
    if not (root / ".git").exists():
        return {}
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "log", "--no-merges", "--name-only", "--format=%x00", "-n", str(max_commits)],
            capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return {}
    if out.returncode != 0:
        return {}
    pairs: dict[str, Counter] = defaultdict(Counter)
    for commit in out.stdout.split("\0"):
        files = sorted({ln.strip() for ln in commit.splitlines() if ln.strip()})
        if 2 <= len(files) <= MAX_FILES_PER_COMMIT:
            for a in files:
                for b in files:
                    if a != b:
                        pairs[a][b] += 1
    return dict(pairs)
