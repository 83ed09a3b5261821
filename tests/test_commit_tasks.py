"""The task rule of benchmarks/commit_retrieval.py, on a real git history: which commits become tasks, and
which parent lines are their gold."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import commit_retrieval as cr  # noqa: E402

LONG = "Fix the parser so that empty input returns an error instead of panicking"


def _git(repo: Path, *args: str) -> str:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@x", "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(repo), "PATH": "/usr/bin:/bin"}
    return subprocess.run(["git", "-C", str(repo), *args], env=env, check=True, capture_output=True,
                          text=True).stdout.strip()


def _commit(repo: Path, files: dict[str, str | None], message: str) -> str:
    for path, text in files.items():
        p = repo / path
        if text is None:
            p.unlink()
            continue
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", message)
    return _git(repo, "rev-parse", "HEAD")


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    repo = tmp_path_factory.mktemp("hist")
    _git(repo, "init", "-q", "-b", "main")
    lines = [f"line {i}\n" for i in range(1, 11)]
    c = {"root": _commit(repo, {"src/parse.go": "".join(lines), "src/util.go": "a\nb\nc\n",
                                "README.md": "x\n"}, "Initial import of the parser and its helpers, first version")}
    changed = lines.copy()
    changed[2] = "line three\n"  # line 3 changed
    changed.insert(7, "new after 7\n")  # pure insertion between parent lines 7 and 8
    c["task"] = _commit(repo, {"src/parse.go": "".join(changed), "src/parse_test.go": "t\n",
                               "CHANGELOG.md": "fixed\n"}, LONG + "\n\nSigned-off-by: t <t@x>")
    c["short"] = _commit(repo, {"src/util.go": "a\nB\nc\n"}, "Fix util")
    c["chore"] = _commit(repo, {"src/util.go": "a\nB\nC\n"}, "Fix formatting of the util helpers in the source tree")
    c["new_file"] = _commit(repo, {"src/new.go": "n\n", "src/util.go": "A\nB\nC\n"}, LONG)
    c["config"] = _commit(repo, {"go.mod": "module x\n", "src/util.go": "A\nB\nC\nD\n"}, LONG)
    c["tests_only"] = _commit(repo, {"src/parse_test.go": "t2\n"}, LONG)
    c["other_lang"] = _commit(repo, {"src/util.go": "A\nB\nC\nDD\n", "web/app.js": "x\n"}, LONG)
    c["second"] = _commit(repo, {"src/util.go": "A\nb\nC\nDD\n"}, "Keep lower-case b in the util helpers, "
                          "as callers compare it byte for byte")
    return repo, c


def _select(repo: Path, pin: str, n: int = 10) -> tuple[list[dict], cr.Walk]:
    return cr.select_tasks(repo / ".git", cr.RepoSpec("o/hist", "go", pin), n)


def test_only_commits_that_follow_the_rule_are_tasks_oldest_first(history):
    repo, c = history
    tasks, walk = _select(repo, c["second"])
    assert [t["commit"] for t in tasks] == [c["task"], c["second"]]
    assert walk.walked == 9 and walk.rejected["files"] == 4 and walk.rejected["message"] == 2
    assert all(t["base_commit"] == _git(repo, "rev-parse", t["commit"] + "^") for t in tasks)


def test_gold_is_the_parent_lines_edited_and_the_anchors_of_an_insertion(history):
    repo, c = history
    task = next(t for t in _select(repo, c["second"])[0] if t["commit"] == c["task"])
    assert task["files"] == ["src/parse.go"]  # the test and changelog do not count
    assert task["edit_lines"] == {"src/parse.go": [3, 7, 8]}
    assert task["problem_statement"] == LONG  # trailer removed
    assert task["instance_id"] == f"hist-{c['task'][:10]}"


def test_walk_stops_at_n_and_starts_at_the_pin(history):
    repo, c = history
    assert [t["commit"] for t in _select(repo, c["second"], n=1)[0]] == [c["second"]]
    assert [t["commit"] for t in _select(repo, c["other_lang"])[0]] == [c["task"]]


@pytest.mark.parametrize("path,kind", [
    ("src/foo_test.go", "test"), ("Src/Newtonsoft.Json.Tests/A.cs", "test"), ("src/UnitTests/A.cs", "test"),
    ("lib/__tests__/a.ts", "test"), ("packages/zod/src/v4/a.test.ts", "test"), ("spec/a_spec.rb", "test"),
    ("src/test/java/FooTest.java", "test"), ("docs/api.md", "doc"), ("CHANGELOG.md", "doc"),
    ("dist/zod.min.js", "generated"), ("api/x.pb.go", "generated"), ("src/latest.go", "source"),
    ("lib/rack/request.rb", "source"), ("src/Handler/CurlFactory.php", "source"),
])
def test_path_kinds(path, kind):
    got = ("generated" if cr.is_generated(path) else "test" if cr.is_test(path) else "doc" if cr.is_doc(path)
           else "source")
    assert got == kind


def test_edited_lines_clips_an_insertion_at_the_end():
    diff = "--- a/x.c\n+++ b/x.c\n@@ -5,0 +6,2 @@\n+a\n+b\n@@ -0,0 +1 @@\n+top\n"
    assert cr.edited_lines(diff, {"x.c": 5}) == {"x.c": [1, 5]}
