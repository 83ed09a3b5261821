"""Check out a repository at a commit from a bare git mirror, incrementally, into a reusable directory.

Shared by the benchmarks. One work directory per repository is reused from commit to commit: a private
index file (GIT_INDEX_FILE) remembers what was written there, and

    git --git-dir=MIRROR --work-tree=DIR read-tree --reset -u COMMIT

rewrites only the files whose content differs (their mtime changes; unchanged files keep theirs, which
keeps an incremental indexer cheap) and removes the files the new commit does not have. A final sweep
deletes anything else in DIR that is not in the commit, so the tree is exactly the commit's, and reports
the files that could not be written (a blob absent from the mirror, e.g. one >4 MiB astropy data file).

    tree = RepoTree(mirror, work_root / "django+django")
    co = tree.checkout(base_commit)        # Checkout(root, commit, entries, missing, seconds, ...)
    for e in co.files: e.path, e.oid, e.size

The tree is a git work tree at the commit, as a user's clone is: DIR/.git holds HEAD (the commit, detached),
the index, and the mirror's objects as an alternate, so `git log` in DIR shows the commit's history and no
later commit, and `git status` is clean. (`history=False`: a bare tree, no `.git`.)

`find_mirror` maps "owner/name" to a mirror directory, `commit_dates` gives committer dates so callers can
visit commits in date order (consecutive checkouts then differ little).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

GITLINK_MODE = "160000"
SYMLINK_MODE = "120000"


class CheckoutError(RuntimeError):
    """The commit could not be materialised (unknown commit, broken mirror, git failure)."""


@dataclass(frozen=True)
class TreeEntry:
    path: str  # repo-relative, posix
    mode: str  # git mode: 100644, 100755, 120000 (symlink), 160000 (submodule)
    oid: str  # blob id (content hash) — equal oid means equal content
    size: int | None  # None when unknown (submodule, or blob missing from the mirror)

    @property
    def is_file(self) -> bool:
        return self.mode not in (GITLINK_MODE, SYMLINK_MODE)


@dataclass
class Checkout:
    root: Path
    commit: str
    entries: list[TreeEntry]
    missing: list[str] = field(default_factory=list)  # in the commit but not written (blob absent)
    removed_extra: int = 0  # stray paths the sweep deleted
    fallback: bool = False  # read-tree -u failed; the index was rebuilt (read-tree --reset + refresh)
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)

    @property
    def files(self) -> list[TreeEntry]:
        """Regular files of the commit that exist on disk (no symlinks, submodules or missing blobs)."""
        missing = set(self.missing)
        return [e for e in self.entries if e.is_file and e.path not in missing]


def find_mirror(mirror_root: Path, repo: str) -> Path:
    """The bare mirror for "owner/name" under mirror_root: <owner>+<name>/repo, or the SWE-bench copy
    swe-bench+<owner>__<name>/repo (django, scikit-learn, matplotlib); a bare repo directly at the
    candidate directory is accepted too."""
    owner, name = repo.split("/", 1)
    candidates = [f"{owner}+{name}", f"swe-bench+{owner}__{name}"]
    for cand in candidates:
        for path in (mirror_root / cand / "repo", mirror_root / cand):
            if (path / "objects").is_dir() and (path / "HEAD").is_file():
                return path
    tried = ", ".join(str(mirror_root / c / "repo") for c in candidates)
    raise CheckoutError(f"no mirror for {repo} (tried {tried})")


def _git(
    git_dir: Path,
    *args: str,
    env: dict[str, str] | None = None,
    check: bool = True,
    input: bytes | None = None,
) -> subprocess.CompletedProcess[bytes]:
    cmd = ["git", "--git-dir", str(git_dir), *args]
    proc = subprocess.run(
        cmd,
        env=env if env is not None else _clean_env(),
        input=input,
        capture_output=True,
    )
    if check and proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip()
        raise CheckoutError(f"{' '.join(cmd[3:])} failed ({proc.returncode}): {err[-2000:]}")
    return proc


def _clean_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY")
    }
    env.update({"GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"})
    env.update(extra)
    return env


def commit_dates(mirror: Path, commits: Iterable[str]) -> dict[str, int]:
    """Committer date (unix seconds) of each commit found in the mirror; unknown commits are left out."""
    wanted = sorted(set(commits))
    if not wanted:
        return {}
    probe = _git(
        mirror,
        "cat-file",
        "--batch-check=%(objectname) %(objecttype)",
        input="".join(f"{c}\n" for c in wanted).encode(),
        check=False,
    )
    present = []
    for line in probe.stdout.decode().splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1] == "commit":
            present.append(parts[0])
    if not present:
        return {}
    out = _git(mirror, "log", "--no-walk=unsorted", "--format=%H %ct", *present).stdout.decode()
    dates = {}
    for line in out.splitlines():
        sha, ts = line.split()
        dates[sha] = int(ts)
    # callers may have passed abbreviated ids: map them too
    for c in wanted:
        if c not in dates:
            full = [s for s in dates if s.startswith(c)]
            if len(full) == 1:
                dates[c] = dates[full[0]]
    return dates


def list_tree(mirror: Path, commit: str) -> list[TreeEntry]:
    out = _git(mirror, "ls-tree", "-r", "-l", "-z", "--full-tree", commit).stdout
    entries = []
    for rec in out.split(b"\0"):
        if not rec:
            continue
        meta, _, path = rec.partition(b"\t")
        mode, _typ, oid, size = meta.decode().split()
        entries.append(
            TreeEntry(path.decode("utf-8", "surrogateescape"), mode, oid, int(size) if size.isdigit() else None)
        )
    return entries


class RepoTree:
    """A work directory that holds one commit of a mirror at a time, updated in place."""

    def __init__(self, mirror: Path, root: Path, index_file: Path | None = None, history: bool = True):
        self.mirror = Path(mirror).resolve()
        self.root = Path(root).resolve()
        self.history = history
        default_index = self.root / ".git" / "index" if history else self.root.with_name(self.root.name + ".gitindex")
        self.index_file = Path(index_file) if index_file else default_index
        self.state_file = self.root.with_name(self.root.name + ".state.json")

    # -- public ---------------------------------------------------------------------------------------
    def checkout(self, commit: str) -> Checkout:
        t0 = time.perf_counter()
        verified = _git(self.mirror, "rev-parse", "--verify", "--quiet", f"{commit}^{{commit}}", check=False)
        if verified.returncode != 0:
            raise CheckoutError(f"commit {commit} not found in {self.mirror}")
        sha = verified.stdout.decode().strip()

        if not self._state_ok():
            self._wipe()
        self.root.mkdir(parents=True, exist_ok=True)
        if self.history:
            self._write_git_dir(sha)
        self._write_state(commit=None)  # an interrupted checkout leaves no claim on the tree

        env = _clean_env(GIT_INDEX_FILE=str(self.index_file))
        co = Checkout(root=self.root, commit=sha, entries=list_tree(self.mirror, sha))
        proc = _git(
            self.mirror,
            "--work-tree",
            str(self.root),
            "read-tree",
            "--reset",
            "-u",
            sha,
            env=env,
            check=False,
        )
        if proc.returncode != 0:
            # e.g. a blob absent from the mirror: git wrote the rest of the tree but not the index.
            # Rebuild the index for this commit (--reset keeps the stat info of entries whose blob is
            # unchanged) and let refresh re-hash the rest; what could not be written shows up below as
            # `missing`, and is retried at the next checkout.
            co.fallback = True
            co.warnings.append(proc.stderr.decode("utf-8", "replace").strip()[-500:])
            _git(self.mirror, "--work-tree", str(self.root), "read-tree", "--reset", sha, env=env)
            _git(
                self.mirror,
                "--work-tree",
                str(self.root),
                "update-index",
                "-q",
                "--refresh",
                env=env,
                check=False,
            )

        co.missing, co.removed_extra = self._sweep(co.entries)
        self._write_state(commit=sha)
        co.seconds = time.perf_counter() - t0
        return co

    # -- internals ------------------------------------------------------------------------------------
    def _state_ok(self) -> bool:
        if not (self.root.is_dir() and self.index_file.is_file() and self.state_file.is_file()):
            return False
        try:
            state = json.loads(self.state_file.read_text())
        except (OSError, ValueError):
            return False
        return state.get("mirror") == str(self.mirror)

    def _write_state(self, commit: str | None) -> None:
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps({"mirror": str(self.mirror), "commit": commit}))
        tmp.replace(self.state_file)

    def _write_git_dir(self, sha: str) -> None:
        """DIR/.git: HEAD detached at the commit, the mirror's objects as an alternate, no refs of its own."""
        git = self.root / ".git"
        (git / "objects" / "info").mkdir(parents=True, exist_ok=True)
        (git / "refs" / "heads").mkdir(parents=True, exist_ok=True)
        (git / "config").write_text("[core]\n\trepositoryformatversion = 0\n\tbare = false\n")
        (git / "objects" / "info" / "alternates").write_text(f"{self.mirror / 'objects'}\n")
        (git / "HEAD").write_text(f"{sha}\n")

    def _wipe(self) -> None:
        if self.root.exists():
            shutil.rmtree(self.root)
        for p in (self.index_file, self.state_file):
            p.unlink(missing_ok=True)

    def _sweep(self, entries: list[TreeEntry]) -> tuple[list[str], int]:
        """Delete what is on disk but not in the commit; return (commit files not on disk, #deleted)."""
        wanted = {e.path for e in entries if e.mode != GITLINK_MODE}
        gitlinks = {e.path for e in entries if e.mode == GITLINK_MODE}
        present: set[str] = set()
        removed = 0
        root = str(self.root)
        for dirpath, dirnames, filenames in os.walk(root):
            rel_dir = os.path.relpath(dirpath, root)
            rel_dir = "" if rel_dir == "." else rel_dir.replace(os.sep, "/") + "/"
            keep_dirs = []
            for d in dirnames:
                rel = rel_dir + d
                if self.history and rel == ".git":
                    continue  # the tree's own git directory (_write_git_dir)
                full = os.path.join(dirpath, d)
                if rel in gitlinks:
                    continue  # submodule: git leaves an empty directory; never descend
                if os.path.islink(full):
                    if rel in wanted:
                        present.add(rel)
                    else:
                        os.unlink(full)
                        removed += 1
                    continue
                keep_dirs.append(d)
            dirnames[:] = keep_dirs
            for f in filenames:
                rel = rel_dir + f
                if rel in wanted:
                    present.add(rel)
                else:
                    os.unlink(os.path.join(dirpath, f))
                    removed += 1
        if removed:
            self._prune_empty_dirs(gitlinks)
        missing = sorted(wanted - present)
        return missing, removed

    def _prune_empty_dirs(self, keep: set[str]) -> None:
        root = str(self.root)
        for dirpath, _dirnames, _filenames in os.walk(root, topdown=False):
            if dirpath == root:
                continue
            rel = os.path.relpath(dirpath, root).replace(os.sep, "/")
            if rel in keep:
                continue
            try:
                os.rmdir(dirpath)
            except OSError:
                pass  # not empty
