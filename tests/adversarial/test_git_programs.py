"""Issue 11, item 2: packing a repository runs none of the programs its git config names (fsmonitor, clean
and smudge filters, external diff, gpg for signatures, pager), yet still reports HEAD and dirtiness."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import write
from hostile import cli

GIT_ENV = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@e", "GIT_CONFIG_NOSYSTEM": "1", "HOME": "/nonexistent"}


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True,
                          env=GIT_ENV).stdout.strip()


def plant(root: Path, marker: Path) -> None:
    """Every repository-configured program `touch`es the marker."""
    touch = f"touch {marker}"
    with open(root / ".git" / "config", "a") as fh:
        fh.write(f'[core]\n\tfsmonitor = "{touch}; echo"\n\tpager = "{touch}; cat"\n'
                 f'[filter "evil"]\n\tclean = "{touch}; cat"\n\tsmudge = "{touch}; cat"\n\trequired = true\n'
                 f'[filter "lfs2"]\n\tprocess = "{touch}"\n'
                 f'[diff]\n\texternal = "{touch}"\n[diff "evil"]\n\ttextconv = "{touch}; cat"\n'
                 f'[log]\n\tshowSignature = true\n[gpg]\n\tprogram = "{touch}"\n')
    write(root, ".gitattributes", "*.py filter=evil diff=evil\n*.txt filter=lfs2\n")
    hook = root / ".git" / "hooks" / "post-index-change"
    hook.write_text(f"#!/bin/sh\n{touch}\n")
    hook.chmod(0o755)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    write(root, "app.py", "def main():\n    return helper()\n")
    write(root, "util.py", "def helper():\n    return 1\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "one")
    write(root, "util.py", "def helper():\n    return 2\n")
    git(root, "commit", "-q", "-am", "two")
    return root


@pytest.mark.parametrize("dirty", [False, True])
def test_pack_runs_no_repository_program(tmp_path: Path, repo: Path, dirty: bool) -> None:
    marker = tmp_path / "ran"
    head = git(repo, "rev-parse", "HEAD")
    git(repo, "pack-refs", "--all")  # HEAD's branch now lives in packed-refs only
    plant(repo, marker)
    if dirty:
        write(repo, "app.py", "def main():\n    return helper() + 1\n")
    else:
        os.utime(repo / "app.py", (1, 1))  # stat-dirty, same content: git must compare content
    proc = cli("pack", "--repo", repo, "--task", "main returns the wrong value", home=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert not marker.exists(), "a repository-configured program ran"
    bundle = json.loads(proc.stdout)
    assert bundle["repo"]["commit"] == head
    assert bundle["repo"]["dirty"] is dirty


def test_worktree_head_is_read_without_git(tmp_path: Path, repo: Path) -> None:
    wt = tmp_path / "wt"
    git(repo, "worktree", "add", "-q", "-b", "side", str(wt))
    marker = tmp_path / "ran"
    plant(repo, marker)
    proc = cli("pack", "--repo", wt, "--task", "helper", home=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert not marker.exists()
    assert json.loads(proc.stdout)["repo"]["commit"] == git(wt, "rev-parse", "HEAD")


def test_verify_runs_no_repository_program(tmp_path: Path, repo: Path) -> None:
    """`verify` diffs the work tree: the clean filter the repository's config names (selected by its
    .gitattributes) must not run there either (it did: verify's git calls did not switch filters off)."""
    marker = tmp_path / "ran"
    bundle = tmp_path / "bundle.json"
    proc = cli("pack", "--repo", repo, "--task", "helper in util.py returns the wrong value", "-o", bundle,
               home=tmp_path)
    assert proc.returncode == 0, proc.stderr
    plant(repo, marker)
    write(repo, "util.py", "def helper():\n    return 3\n")
    proc = cli("verify", "--repo", repo, "--bundle", bundle, home=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    assert not marker.exists(), "a repository-configured program ran"


@pytest.mark.parametrize("fifo", [".git", ".git/HEAD", ".git/packed-refs"])
def test_a_fifo_named_like_a_git_file_does_not_hang_a_pack(tmp_path: Path, fifo: str) -> None:
    """Reading HEAD without git opened `.git`, `.git/HEAD` or packed-refs as they were: a FIFO blocked the
    pack forever."""
    root = tmp_path / "repo"
    write(root, "app.py", "def gfunc():\n    return 1\n")
    if fifo != ".git":
        git(root, "init", "-q", "-b", "main")
        (root / ".git" / "HEAD").unlink()
        if fifo == ".git/packed-refs":
            (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    os.mkfifo(root / fifo)
    proc = cli("pack", "--repo", root, "--task", "gfunc", "--budget", "300", home=tmp_path, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["repo"]["commit"] is None


def test_a_git_file_pointing_at_a_name_with_a_nul(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write(root, "app.py", "def gfunc():\n    return 1\n")
    (root / ".git").write_bytes(b"gitdir: ../x\x00y\n")
    proc = cli("pack", "--repo", root, "--task", "gfunc", "--budget", "300", home=tmp_path)
    assert proc.returncode == 0, proc.stderr
