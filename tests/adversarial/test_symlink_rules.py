"""Issue 11, item 12: a symlink does not smuggle in what .contextpackignore, .gitignore or the vendored
rules leave out, and the contract's rule files are never read through a directory link out of the root."""

from __future__ import annotations

import json
import os
from pathlib import Path

from conftest import write
from hostile import cli

MARK = "planted_beyond_the_rules"


def test_symlinks_obey_the_rules_of_their_target(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write(root, "app.py", "def main():\n    return 0\n")
    write(root, ".contextpackignore", "private/\n")
    write(root, ".gitignore", "generated.py\n")
    for rel in ("private/hidden.py", "generated.py", "node_modules/lib/index.js", "sub/vendor/x.py"):
        write(root, rel, f"def {MARK}():\n    return 1\n" if rel.endswith(".py")
              else f"export function {MARK}() {{ return 1; }}\n")
    os.symlink("private/hidden.py", root / "pub.py")
    os.symlink("generated.py", root / "alias.py")
    os.symlink("node_modules/lib/index.js", root / "lib.js")
    os.symlink("../sub/vendor/x.py", root / "app_x.py")
    proc = cli("index", "--repo", root, home=tmp_path)
    assert proc.returncode == 0, proc.stderr
    found = cli("symbols", MARK, "--repo", root, home=tmp_path)
    assert found.returncode == 1, found.stdout
    diags = cli("stats", "--repo", root, "--diagnostics", home=tmp_path).stdout.decode()
    for link in ("pub.py", "alias.py", "lib.js", "app_x.py"):
        assert f"{link}: scan symlink" in diags, diags


def test_rules_are_not_read_through_a_directory_link(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    write(outside, "CONTRIBUTING.md", "rules from outside the repository\n")
    write(outside, "AGENTS.md", "agents from outside\n")
    root = tmp_path / "repo"
    write(root, "pkg/app.py", "def main():\n    return 0\n")
    os.symlink(outside, root / ".github")
    os.symlink(outside, root / ".contextpack")
    proc = cli("pack", "--repo", root, "--task", "main returns 0 in pkg/app.py", home=tmp_path)
    assert proc.returncode == 0, proc.stderr
    rules = [r["path"] for r in json.loads(proc.stdout)["contract"]["rules"]]
    assert rules == [], rules
