"""`contextpack pack` as a user runs it: exactly one JSON bundle on stdout, the task from --task, --task-file
or stdin, -o, formats, --type; every bad input as one clear line on stderr, a non-zero exit, no traceback.

The process boundary matters for a few cases (stdout holding exactly one document, a real pipe, a cold cache
dir, what a crash would print), and those run the installed script. The rest call `launch.main()` in-process
with argv, stdin, stdout and stderr swapped: the same code path, without paying ~1 s of imports per case."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import (
    CliRun,
    assert_owned_by_probability,
    call_main,
    check_bundle,
    file_lines,
    line_of,
    make_shop,
    run_cli,
    write,
)

from contextpack.bundle import Bundle

pytestmark = pytest.mark.usefixtures("isolated_index")

TASK = "apply_discount should accept a discount of exactly 100 percent"


@pytest.fixture
def shop(tmp_path) -> Path:
    return make_shop(tmp_path / "shop")


@pytest.fixture
def main(monkeypatch, capsys, tmp_path):
    """Run `contextpack ARGS` in-process through launch.main(), as the console script does."""

    def run(*args: str | Path, stdin: str = "") -> CliRun:
        return call_main(monkeypatch, capsys, list(args), stdin=stdin)

    return run


def pack_args(repo: Path, *args: str | Path, index: Path | None = None) -> list[str | Path]:
    return ["pack", "--repo", repo, *args] + (["--index", index] if index else [])


# -- the real script -------------------------------------------------------------------------------------

def test_stdout_is_exactly_one_bundle_with_relative_paths_and_1_based_ranges(shop, tmp_path):
    args = pack_args(shop, "--task", TASK, "--budget", "1500", index=tmp_path / "i.sqlite")
    r = run_cli([str(a) for a in args])
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    assert r.stdout.startswith("{") and r.stdout.endswith("}\n")
    b = Bundle.model_validate(json.loads(r.stdout))  # exactly one JSON document, or this fails
    assert b.items and b.items[0].path == "shop/pricing.py"
    for it in b.items:
        assert not it.path.startswith(("/", "./")) and "\\" not in it.path and ".." not in it.path.split("/")
        assert (shop / it.path).is_file()
        n = len(file_lines(shop / it.path))
        assert all(1 <= a <= c <= n for a, c in it.ranges)
    check_bundle(b, shop)  # content lines are exactly the file's lines in those 1-based inclusive ranges
    first = b.items[0]
    start = line_of(shop / "shop/pricing.py", "def apply_discount")
    assert any(a <= start <= c for a, c in first.ranges)
    assert file_lines(shop / "shop/pricing.py")[start - 1] in first.content.split("\n")


def test_task_piped_on_stdin_and_a_never_indexed_repo(shop, tmp_path):
    """A real pipe, and no --index: the repo has never been indexed and the cache dir is empty."""
    cache = tmp_path / "cold-cache"
    r = run_cli([str(a) for a in pack_args(shop, "--budget", "1500")], input=TASK + "\n",
                env_extra={"CONTEXTPACK_INDEX_DIR": str(cache)})
    assert r.returncode == 0, r.stderr
    b = Bundle.model_validate(json.loads(r.stdout))
    assert b.task.text == TASK + "\n"
    assert b.items and b.items[0].path == "shop/pricing.py"
    created = list(cache.glob("*.sqlite"))
    assert len(created) == 1 and created[0].name.startswith("shop-")


def test_bad_input_from_the_script_is_one_line_without_traceback(shop, tmp_path):
    r = run_cli([str(a) for a in pack_args(shop, "--task", "  \n ", index=tmp_path / "i.sqlite")])
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr and r.stdout == ""
    assert r.stderr == ("error: the task is empty: say what the agent should do "
                        "(--task, --task-file or stdin)\n")


def test_a_path_that_looks_like_markup_is_shown_as_is(tmp_path):
    repo = tmp_path / "no[/]such [bold]repo"
    r = run_cli(["pack", "--repo", str(repo), "--task", TASK])
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr and "MarkupError" not in r.stderr
    assert r.stderr.strip() == f"error: repository path does not exist: {repo}"


# -- in-process: the same main() ---------------------------------------------------------------------------

def test_task_file_stdin_and_task_give_the_same_selection(shop, tmp_path, main):
    task_file = write(tmp_path, "task.txt", TASK + "\n")
    idx = tmp_path / "i.sqlite"
    runs = {
        "task": main(*pack_args(shop, "--task", TASK, "--budget", "1500", index=idx)),
        "file": main(*pack_args(shop, "--task-file", task_file, "--budget", "1500", index=idx)),
        "stdin": main(*pack_args(shop, "--budget", "1500", index=idx), stdin=TASK + "\n"),
    }
    bundles = {}
    for name, r in runs.items():
        assert r.returncode == 0, (name, r.stderr)
        bundles[name] = Bundle.model_validate(json.loads(r.stdout))
    assert bundles["file"].task.text == bundles["stdin"].task.text == TASK + "\n"
    assert bundles["file"].to_json() == bundles["stdin"].to_json()
    sel = [(i.path, i.ranges) for i in bundles["task"].items]
    assert sel and all([(i.path, i.ranges) for i in b.items] == sel for b in bundles.values())


def test_output_file(shop, tmp_path, main):
    idx = tmp_path / "i.sqlite"
    direct = main(*pack_args(shop, "--task", TASK, "--budget", "1500", index=idx))
    r = main(*pack_args(shop, "--task", TASK, "--budget", "1500", "-o", tmp_path / "out.json", index=idx))
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""
    assert (tmp_path / "out.json").read_text("utf-8") == direct.stdout
    assert len(r.stderr.strip().splitlines()) == 1 and "wrote" in r.stderr and "out.json" in r.stderr


def test_markdown_and_xml_formats(shop, tmp_path, main):
    idx = tmp_path / "i.sqlite"
    b = Bundle.model_validate(json.loads(main(*pack_args(shop, "--task", TASK, "--budget", "1500",
                                                         index=idx)).stdout))
    md = main(*pack_args(shop, "--task", TASK, "--budget", "1500", "--format", "md", index=idx))
    assert md.returncode == 0 and md.stdout.startswith(f"# Context bundle `{b.id[:12]}`")
    for it in b.items:
        assert f"### `{it.path}` (" in md.stdout
    xml = main(*pack_args(shop, "--task", TASK, "--budget", "1500", "--format", "xml", index=idx))
    root = ET.fromstring(xml.stdout)
    assert root.get("id") == b.id
    assert [i.get("path") for i in root.findall("item")] == [it.path for it in b.items]


def test_given_type(shop, tmp_path, main):
    idx = tmp_path / "i.sqlite"
    given = json.loads(main(*pack_args(shop, "--task", TASK, "--type", "refactor", index=idx)).stdout)
    inferred = json.loads(main(*pack_args(shop, "--task", TASK, index=idx)).stdout)
    assert (given["task"]["type"], given["task"]["type_given"]) == ("refactor", True)
    assert inferred["task"]["type_given"] is False and inferred["task"]["type"] != "refactor"


def test_the_repository_defaults_apply_when_the_request_gives_no_budget_or_encoding(shop, tmp_path, main):
    idx = tmp_path / "i.sqlite"
    plain = json.loads(main(*pack_args(shop, "--task", TASK, index=idx)).stdout)["budget"]
    assert (plain["limit"], plain["encoding"]) == (8000, "cl100k_base")
    write(shop, ".contextpack/config.toml", "[defaults]\nbudget = 700\n")
    configured = json.loads(main(*pack_args(shop, "--task", TASK, index=idx)).stdout)["budget"]
    assert (configured["limit"], configured["encoding"]) == (700, "cl100k_base") and configured["used"] <= 700
    given = json.loads(main(*pack_args(shop, "--task", TASK, "-b", "900", index=idx)).stdout)["budget"]
    assert given["limit"] == 900
    write(shop, ".contextpack/config.toml", '[defaults]\nencoding = "o200k_base"\n')  # only cl100k is offline
    configured = main(*pack_args(shop, "--task", TASK, index=idx))
    assert configured.returncode == 2 and "'o200k_base' is not available offline" in configured.stderr
    given = main(*pack_args(shop, "--task", TASK, "--encoding", "cl100k_base", index=idx))
    assert given.returncode == 0 and json.loads(given.stdout)["budget"]["encoding"] == "cl100k_base"
    write(shop, ".contextpack/config.toml", "[defaults]\nbudget = -5\n")
    bad = main(*pack_args(shop, "--task", TASK, index=idx))
    assert bad.returncode == 2 and "[defaults.budget]" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1


def test_the_repository_always_includes_its_include_paths_and_rules_files_within_the_budget(shop, tmp_path, main):
    idx = tmp_path / "i.sqlite"
    write(shop, "docs/STYLE.md", "# Style\nEvery price is a Decimal.\n")
    write(shop, "docs/GLOSSARY.md", "# Glossary\nA basket holds line items.\n")
    write(shop, "README.md", "# Shop\nA small web shop.\n")
    plain = json.loads(main(*pack_args(shop, "--task", TASK, index=idx)).stdout)
    assert not {"README.md", "docs/STYLE.md", "docs/GLOSSARY.md"} & {it["path"] for it in plain["items"]}
    write(shop, ".contextpack/config.toml",
          '[defaults]\ninclude = ["README.md", "docs/G*.md"]\n[contract]\nrules = ["docs/STYLE.md"]\n')
    b = Bundle.model_validate(json.loads(main(*pack_args(shop, "--task", TASK, index=idx)).stdout))
    assert [it.path for it in b.items[:3]] == ["README.md", "docs/GLOSSARY.md", "docs/STYLE.md"]
    assert all(it.kind == "file" and it.reasons[0].startswith("always included by .contextpack/config.toml")
               for it in b.items[:3])
    assert b.items[3].path == "shop/pricing.py" and b.contract.owned == plain["contract"]["owned"]
    check_bundle(b, shop)
    readme_only = main(*pack_args(shop, "--task", TASK, "--budget", str(b.items[0].tokens), index=idx))
    tight = Bundle.model_validate(json.loads(readme_only.stdout))
    assert [it.path for it in tight.items] == ["README.md"] and tight.budget.used <= tight.budget.limit
    assert "docs/STYLE.md is always included (.contextpack/config.toml) but did not fit the budget whole; " \
           "left out" in tight.notes


def test_budget_zero_is_an_empty_bundle_with_a_note(shop, tmp_path, main):
    r = main(*pack_args(shop, "--task", TASK, "--budget", "0", index=tmp_path / "i.sqlite"))
    assert r.returncode == 0, r.stderr
    b = Bundle.model_validate(json.loads(r.stdout))
    assert b.items == [] and b.budget.used == 0 and b.budget.limit == 0
    assert "nothing fit the budget" in b.notes
    assert b.omitted and b.omitted[0].path == "shop/pricing.py"


def test_budget_smaller_than_any_item(shop, tmp_path, main):
    r = main(*pack_args(shop, "--task", TASK, "--budget", "3", index=tmp_path / "i.sqlite"))
    assert r.returncode == 0, r.stderr
    b = Bundle.model_validate(json.loads(r.stdout))
    assert b.budget.used <= 3 and sum(i.tokens for i in b.items) == b.budget.used
    assert b.omitted
    shown = {i.path for i in b.items}
    assert all(o.tokens > 3 for o in b.omitted if o.path not in shown)


@pytest.mark.parametrize("case, words", [
    ("empty", "task is empty"),
    ("no_task", "task is empty"),
    ("negative", "budget must be an integer from 0 to"),
    ("too_big", "budget must be an integer from 0 to"),
    ("encoding", "unknown encoding 'nope'"),
    ("format", "unknown format 'yaml'"),
    ("both", "--task or --task-file"),
    ("bad_type", "unknown task type 'hotfix'"),
    ("missing_task_file", "cannot read task file"),
    ("missing_repo", "does not exist"),
    ("repo_is_file", "task.txt"),
    ("bad_output", "cannot write"),
])
def test_bad_input_is_one_clear_line(shop, tmp_path, main, case, words):
    task_file = write(tmp_path, "task.txt", TASK)
    idx = tmp_path / "i.sqlite"
    args = {
        "empty": pack_args(shop, "--task", "  \n ", index=idx),
        "no_task": pack_args(shop, index=idx),  # stdin holds nothing
        "negative": pack_args(shop, "--task", TASK, "--budget", "-5", index=idx),
        "too_big": pack_args(shop, "--task", TASK, "--budget", "99999999999", index=idx),
        "encoding": pack_args(shop, "--task", TASK, "--encoding", "nope", index=idx),
        "format": pack_args(shop, "--task", TASK, "--format", "yaml", index=idx),
        "both": pack_args(shop, "--task", TASK, "--task-file", task_file, index=idx),
        "bad_type": pack_args(shop, "--task", TASK, "--type", "hotfix", index=idx),
        "missing_task_file": pack_args(shop, "--task-file", tmp_path / "nope.txt", index=idx),
        "missing_repo": pack_args(tmp_path / "no-such-repo", "--task", TASK, index=idx),
        "repo_is_file": pack_args(task_file, "--task", TASK, index=idx),
        "bad_output": pack_args(shop, "--task", TASK, "-o", tmp_path / "no-dir" / "out.json", index=idx),
    }[case]
    r = main(*args)
    assert r.returncode == 2, (case, r.returncode, r.stderr)
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("error: ") and words in lines[0], lines[0]


def test_non_integer_budget_is_a_usage_error(shop, main):
    r = main(*pack_args(shop, "--task", TASK, "--budget", "lots"))
    assert r.returncode == 2 and r.stdout == ""
    assert "Invalid value for '--budget'" in r.stderr



def test_owned_is_the_best_ranked_shown_code_files_until_sure_unless_pinned(shop, tmp_path, main):
    idx = tmp_path / "i.sqlite"
    task = "the total is wrong when a discount and shipping both apply"
    b = Bundle.model_validate(json.loads(main(*pack_args(shop, "--task", task, "--type", "bugfix",
                                                          index=idx)).stdout))
    assert_owned_by_probability(b.contract.owned, b.items)
    assert len(b.contract.owned) >= 2
    assert all("(ranked #" in b.contract.owned_reasons[p] for p in b.contract.owned)
    pinned = Bundle.model_validate(json.loads(main(*pack_args(shop, "--task", task, "--owned", "shop/cart.py",
                                                               index=idx)).stdout))
    assert pinned.contract.owned == ["shop/cart.py"]
