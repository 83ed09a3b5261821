"""A file of brackets the parser cannot close (`(` on 150,000 lines, `({[` in JavaScript, `{(` in C): one
error node holding them all, over which a tree-sitter query takes time growing with their square — 10-15 s
a file, in one call the time limit cannot interrupt (a 3 MB repository of such files took 53 s to index).
Such a file is indexed without symbols, with a diagnostic that says why, before any query runs; a file
with an ordinary syntax error keeps the symbols the parser recovered."""

from __future__ import annotations

from pathlib import Path

from conftest import write
from hostile import cli

from contextpack.parse import MAX_ERROR_OPENERS, parse_source

HOSTILE = {"gen/a.py": "x = " + "(\n" * 150_000, "gen/c.js": "x = " + "({[\n" * 60_000,
           "gen/d.c": "int x = " + "{(\n" * 80_000}


def test_a_run_of_unclosed_brackets_is_not_queried(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write(root, "app/main.py", "def main():\n    return helper()\n\n\ndef helper(:\n    return 1\n")
    for rel, text in HOSTILE.items():
        write(root, rel, text)
    assert cli("index", "--repo", root, home=tmp_path).returncode == 0
    diags = cli("stats", "--repo", root, "--diagnostics", home=tmp_path).stdout.decode()
    for rel in HOSTILE:
        assert f"{rel}: parse syntax error near line 1, after which the parser recovered no structure" in diags, diags
    assert "app/main.py: parse syntax error near line 5; symbols extracted where the parser recovered" in diags
    found = cli("symbols", "main", "--repo", root, home=tmp_path)
    assert found.returncode == 0 and b"app/main.py" in found.stdout, found.stdout
    packed = cli("pack", "--repo", root, "--task", "main calls helper", "--budget", "2000", home=tmp_path)
    assert packed.returncode == 0, packed.stderr


def test_up_to_the_bound_the_symbols_stay() -> None:
    """At the bound a file is still queried: the definition before the run of openers is found; one
    opener more and the file has no symbols."""
    text = "def before():\n    return 0\n\n\n" + "(\n" * MAX_ERROR_OPENERS
    facts = parse_source("edge.py", "python", text.encode())
    assert [d.name for d in facts.definitions] == ["before"], facts.diagnostics
    over = parse_source("edge.py", "python", (text + "(\n").encode())
    assert over.definitions == [] and any("recovered no structure" in d for d in over.diagnostics), over.diagnostics
