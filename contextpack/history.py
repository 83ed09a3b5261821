"""Git state and co-change history, read without running anything the repository configures.

A repository is untrusted: its `.git/config` can name programs (fsmonitor, filters, diff drivers, pagers,
gpg, ssh) that git would run as the invoking user. So HEAD is read from the files under `.git` without
git, and the two git commands that remain (`status` for dirtiness, `log` for the last commits) run with every
such hook switched off on the command line, where it outranks the repository's config.

The last commits of HEAD (message and files changed) feed two relevance signals: co-change (files changed
in the same commits; commits that touch many files, mass renames or reformatting, say nothing about coupling
and are skipped) and past changes (past_changes.py). No git, or not a work tree: no history, no error.

    commit, dirty = git_state(Path("."))   # ("3f2a…", False)
    log = commits(Path("."))               # [Commit("Fixed #12 -- …", ("a.py", "b.py")), ...], newest first
    pairs = cochange(log)                  # {"a.py": {"b.py": 4, ...}, ...}
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

MAX_COMMITS = 2000
MAX_FILES_PER_COMMIT = 20
MAX_MESSAGE_CHARS = 4000  # of one commit's message: a changelog pasted into a message is not its subject
MAX_GIT_FILE_BYTES = 64 * 1024 * 1024  # packed-refs of a huge repository; HEAD and loose refs are tiny
MAX_SYMREF_DEPTH = 5
_OID = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")  # SHA-1 or SHA-256
_REF = re.compile(r"refs/(?:[^/\0\s.][^/\0\s]*/)*[^/\0\s.][^/\0\s]*")  # no "..", no absolute paths

# settings that make git run a program, or wait for a person, switched off for every git call
_SAFE_CONFIG = {
    "core.fsmonitor": "false", "core.untrackedCache": "false", "core.hooksPath": os.devnull,
    "core.pager": "cat", "core.sshCommand": "false", "core.askPass": "", "credential.helper": "",
    "diff.external": "", "log.showSignature": "false", "gpg.program": "false", "protocol.allow": "never",
    "submodule.recurse": "false", "status.submoduleSummary": "false",
}
_SAFE_ENV = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0",
             "GIT_PAGER": "cat", "PAGER": "cat", "GIT_EXTERNAL_DIFF": "", "GIT_ASKPASS": "", "SSH_ASKPASS": ""}


def _git_dir(root: Path) -> Path | None:
    """`.git`, or the directory a `.git` file points to (worktrees, submodules)."""
    dot = root / ".git"
    if dot.is_dir():
        return dot
    text = _read(dot)
    if text and text.startswith("gitdir:"):
        target = text[len("gitdir:"):].strip()
        if "\0" in target:  # no path holds one
            return None
        try:
            return (root / target).resolve()
        except (OSError, RuntimeError):  # a symlink loop on the way
            return None
    return None


def _read(path: Path, limit: int = 4096) -> str | None:
    """The head of a regular file (a FIFO or device named like a git file would block or never end)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except (OSError, ValueError):
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return fh.read(limit).decode("utf-8", errors="replace")
    except OSError:
        return None
    finally:
        os.close(fd)


def head_commit(root: Path) -> str | None:
    """The commit HEAD names, from HEAD, loose refs and packed-refs; None when unborn or unreadable."""
    git_dir = _git_dir(root)
    if git_dir is None:
        return None
    common = git_dir
    if (rel := _read(git_dir / "commondir")) is not None:
        common = (git_dir / rel.strip()).resolve()
    value = (_read(git_dir / "HEAD") or "").strip()
    for _ in range(MAX_SYMREF_DEPTH):
        if _OID.fullmatch(value):
            return value
        ref = value.removeprefix("ref:").strip()
        if not value.startswith("ref:") or not _REF.fullmatch(ref):
            return None
        value = next((v.strip() for v in (_read(d / ref) for d in (git_dir, common)) if v), None) \
            or _packed_ref(common, ref) or ""
    return None


def _packed_ref(common: Path, ref: str) -> str | None:
    for line in (_read(common / "packed-refs", MAX_GIT_FILE_BYTES) or "").splitlines():
        oid, _, name = line.partition(" ")
        if name == ref and _OID.fullmatch(oid):
            return oid
    return None


def _git(root: Path, *args: str, timeout: float) -> subprocess.CompletedProcess[str] | None:
    """Run git with no repository-configured program able to start (see _SAFE_CONFIG); None on failure."""
    try:
        out = subprocess.run(["git", "--no-pager", "-C", str(root), *args], capture_output=True, text=True,
                             errors="replace", timeout=timeout, stdin=subprocess.DEVNULL, env=safe_env(root))
    except (OSError, subprocess.SubprocessError):
        return None
    return out if out.returncode == 0 else None


def safe_env(root: Path) -> dict[str, str]:
    """The environment for a git command in `root` that can start no program the repository configures:
    _SAFE_CONFIG, and every filter driver its config defines switched off (attributes pick them by name)."""
    config = dict(_SAFE_CONFIG)
    for driver in _filter_drivers(root):
        config.update({f"filter.{driver}.{k}": "" for k in ("clean", "smudge", "process")})
        config[f"filter.{driver}.required"] = "false"
    return _env(config)


def _env(config: dict[str, str]) -> dict[str, str]:
    """The environment with `config` as command-line-level settings (GIT_CONFIG_COUNT: no quoting issues), and
    none of the caller's GIT_* variables (a hook's GIT_DIR or GIT_INDEX_FILE would point git elsewhere)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(_SAFE_ENV, GIT_CONFIG_COUNT=str(len(config)))
    for i, (key, value) in enumerate(sorted(config.items())):
        env[f"GIT_CONFIG_KEY_{i}"], env[f"GIT_CONFIG_VALUE_{i}"] = key, value
    return env


def _filter_drivers(root: Path) -> list[str]:
    """Names of the filter drivers any config of the repository defines (reading config runs nothing)."""
    try:
        out = subprocess.run(["git", "-C", str(root), "config", "-z", "--name-only", "--get-regexp", r"^filter\."],
                             capture_output=True, text=True, errors="replace", timeout=10,
                             stdin=subprocess.DEVNULL, env=_env(dict(_SAFE_CONFIG)))
    except (OSError, subprocess.SubprocessError):
        return []
    names = (key[len("filter."):].rpartition(".")[0] for key in out.stdout.split("\0") if key)
    return sorted({n for n in names if n})


def git_state(root: Path) -> tuple[str | None, bool | None]:
    """HEAD commit and whether tracked files differ from it; (None, None) when not a git work tree."""
    commit = head_commit(root)
    if commit is None:
        return None, None
    status = _git(root, "status", "--porcelain", "--untracked-files=no", "--ignore-submodules=all",
                  "--no-renames", timeout=30)
    return commit, (bool(status.stdout.strip()) if status is not None else None)


@dataclass(frozen=True)
class Commit:
    message: str
    files: tuple[str, ...]  # sorted, repo-relative


def commits(root: Path, max_commits: int = MAX_COMMITS) -> list[Commit]:
    """HEAD's last `max_commits` non-merge commits, newest first; [] without git history."""
    if _git_dir(root) is None:
        return []
    out = _git(root, "log", "--no-merges", "--no-ext-diff", "--no-textconv", "--no-renames",
               "--no-show-signature", "--name-only", "--format=%x00%B%x01", "-n", str(max_commits), timeout=20)
    if out is None:
        return []
    log = []
    for record in out.stdout.split("\0")[1:]:
        message, _, names = record.partition("\x01")
        files = tuple(sorted({ln.strip() for ln in names.splitlines() if ln.strip()}))
        log.append(Commit(message.strip()[:MAX_MESSAGE_CHARS], files))
    return log


def cochange(log: list[Commit]) -> dict[str, Counter]:
    """For each file, how often each other file changed in the same commit (small commits only)."""
    pairs: dict[str, Counter] = defaultdict(Counter)
    for commit in log:
        if 2 <= len(commit.files) <= MAX_FILES_PER_COMMIT:
            for a in commit.files:
                for b in commit.files:
                    if a != b:
                        pairs[a][b] += 1
    return dict(pairs)
