"""Each ranking signal alone decides the order: two files alike in everything but what that signal sees,
indexed for real and packed through the engine with a ranker that weighs that signal only; its column
(contextpack.signals) tells them apart, the right file comes first and its reason says why. (Whether the
shipped, learned weights fuse the signals well is for benchmarks/swebench_retrieval.py to show.)"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import SAMPLE_FUNCTION as BODY
from conftest import write
from hypothesis import given, settings
from hypothesis import strategies as st

from contextpack.engine import Engine
from contextpack.rank import LinearModel, Ranker, default_ranker, rank
from contextpack.signals import FILE_FEATURES, file_signals
from contextpack.task import analyze_task

pytestmark = pytest.mark.usefixtures("isolated_index")

FILLER = {f"app/misc/module_{i}.py": BODY.format(name=f"helper_{i}") for i in range(6)}


def _engine(tmp_path: Path, files: dict[str, str]) -> tuple[Path, Engine]:
    root = tmp_path / "repo"
    for rel, text in {**FILLER, **files}.items():
        write(root, rel, text)
    return root, Engine(root, index_path=tmp_path / "i.sqlite")


def only(engine: Engine, **weights: float) -> Engine:
    """The engine ranks files by these signals alone (definitions by the shipped weights)."""
    n = len(FILE_FEATURES)
    w = np.array([weights.get(f, 0.0) for f in FILE_FEATURES])
    engine.ranker = Ranker(LinearModel(FILE_FEATURES, tuple((j,) for j in range(n)), np.zeros(n), np.ones(n), w),
                           default_ranker().chunk)
    return engine


def _columns(engine: Engine, task: str) -> dict[str, dict[str, float]]:
    with engine.snapshot() as snap:
        fs = file_signals(analyze_task(task), snap.graph, snap.lexical, snap.modules, {})
    return {p: dict(zip(FILE_FEATURES, fs.x[r], strict=True)) for r, p in enumerate(fs.paths)}


def _order(engine: Engine, task: str) -> list[str]:
    return [it.path for it in engine.pack(task, 4000).items]


def _assert_decides(engine: Engine, task: str, winner: str, loser: str, feature: str, reason: str) -> None:
    cols = _columns(engine, task)
    assert cols[winner][feature] > cols.get(loser, {}).get(feature, 0.0), (feature, cols[winner], cols.get(loser))
    only(engine, **{feature: 1.0})
    order = _order(engine, task)
    assert winner in order and (loser not in order or order.index(winner) < order.index(loser)), order
    item = next(it for it in engine.pack(task, 4000).items if it.path == winner)
    assert any(reason in r for r in item.reasons), item.reasons


def test_a_path_the_task_names(tmp_path):
    _, engine = _engine(tmp_path, {"app/alpha.py": BODY.format(name="trim"), "app/beta.py": BODY.format(name="trim")})
    _assert_decides(engine, "The trim in app/beta.py drops records", "app/beta.py", "app/alpha.py",
                    "path_named", "mentioned in task: `app/beta.py`")


def test_a_stack_frame(tmp_path):
    _, engine = _engine(tmp_path, {"app/alpha.py": BODY.format(name="trim"), "app/beta.py": BODY.format(name="trim")})
    task = ('trim fails:\nTraceback (most recent call last):\n  File "/srv/app/alpha.py", line 7, in trim\n'
            "    kept.append(record)\nTypeError: unhashable\n")
    _assert_decides(engine, task, "app/alpha.py", "app/beta.py", "frame_last", "alpha.py:7")


def test_a_one_letter_class_written_as_code(tmp_path):
    _, engine = _engine(tmp_path, {
        "app/query_utils.py": "class Q:\n    def __or__(self, other):\n        return self\n",
        "app/expressions.py": "class Combinable:\n    def __or__(self, other):\n        return self\n"})
    _assert_decides(engine, "Combining `Q` objects with `|` raises a TypeError", "app/query_utils.py",
                    "app/expressions.py", "defines_code_span", "`Q`")


def test_a_name_defined_once_beats_a_name_defined_everywhere(tmp_path):
    _, engine = _engine(tmp_path, {"app/alpha.py": BODY.format(name="trim_records"),
                                   "app/beta.py": BODY.format(name="keep_records")})
    _assert_decides(engine, "trim_records loses the last record", "app/alpha.py", "app/beta.py",
                    "defines_code_name", "defines `trim_records`")


def test_a_module_the_task_names(tmp_path):
    _, engine = _engine(tmp_path, {"app/alpha.py": BODY.format(name="trim"), "app/beta.py": BODY.format(name="trim")})
    _assert_decides(engine, "Since app.beta was changed, trim misbehaves", "app/beta.py", "app/alpha.py",
                    "module_named", "module mentioned in task: `app.beta`")


def test_words_of_the_task_in_the_code(tmp_path):
    _, engine = _engine(tmp_path, {
        "app/alpha.py": BODY.format(name="trim")
        + "\ndef invoice_currency_rounding():\n    return 'invoice currency'\n",
        "app/beta.py": BODY.format(name="trim") + "\ndef shipping_label_printer():\n    return 'label'\n"})
    _assert_decides(engine, "the invoice currency rounding is off by a cent", "app/alpha.py", "app/beta.py",
                    "bm25_chunk", "a definition matches the task text")


def test_the_path_speaks_the_task_words(tmp_path):
    _, engine = _engine(tmp_path, {"app/db/migrations/writer.py": BODY.format(name="emit"),
                                   "app/db/operations/writer.py": BODY.format(name="emit")})
    _assert_decides(engine, "migrations emit the wrong records", "app/db/migrations/writer.py",
                    "app/db/operations/writer.py", "path_terms", "its path says migrations")


def test_graph_neighbour_of_the_named_file(tmp_path):
    _, engine = _engine(tmp_path, {
        "app/core.py": "def settle_invoice_total(x):\n    return x\n",
        "app/uses_core.py": "from app.core import settle_invoice_total\n\n" + BODY.format(name="gather"),
        "app/lonely.py": BODY.format(name="gather")})
    cols = _columns(engine, "settle_invoice_total returns None")
    assert cols["app/uses_core.py"]["neighbour"] == 1.0 and cols.get("app/lonely.py", {}).get("neighbour", 0) == 0
    assert cols["app/uses_core.py"]["ppr"] > cols.get("app/lonely.py", {}).get("ppr", 0.0)
    order = _order(only(engine, ppr=1.0), "settle_invoice_total returns None")
    assert order[0] == "app/core.py"
    assert "app/uses_core.py" in order and ("app/lonely.py" not in order
                                            or order.index("app/uses_core.py") < order.index("app/lonely.py"))


def test_code_before_its_test_unless_tests_are_to_repair(tmp_path):
    files = {"app/trimming.py": BODY.format(name="trim_records"),
             "tests/test_trimming.py": BODY.format(name="trim_records")}
    _, engine = _engine(tmp_path, files)
    assert _order(only(engine, defines_code_name=1.0, is_test=-1.0), "trim_records keeps one record too many")[0] \
        == "app/trimming.py"
    cols = _columns(engine, "the failing test trim_records is broken")
    assert cols["tests/test_trimming.py"]["test_for_repair"] == 1.0
    only(engine, defines_code_name=1.0, is_test=-1.0, test_for_repair=2.0)
    assert _order(engine, "the failing test trim_records is broken")[0] == "tests/test_trimming.py"


def test_code_before_documentation(tmp_path):
    _, engine = _engine(tmp_path, {"app/trimming.py": BODY.format(name="trim_records"),
                                   "docs/trimming.md": "# trim_records\n\ntrim_records keeps the first records\n"})
    cols = _columns(engine, "trim_records keeps the first records")
    assert cols["docs/trimming.md"]["not_code"] == 1.0 and cols["app/trimming.py"]["not_code"] == 0.0
    assert _order(only(engine, bm25_file=1.0, not_code=-1.0), "trim_records keeps the first records")[0] \
        == "app/trimming.py"


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=root, check=True,
                   capture_output=True)


def _with_history(root: Path, *changes: tuple[str, str]) -> None:
    """Make the tree a git repository: one commit of everything, then per (file, message) a commit of a
    change to that file."""
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "start")
    for rel, message in changes:
        (root / rel).write_text((root / rel).read_text() + "# touched\n")
        _git(root, "commit", "-qam", message)


def test_files_changed_together_in_history(tmp_path):
    root, engine = _engine(tmp_path, {"app/core.py": "def settle_invoice_total(x):\n    return x\n",
                                      "app/partner.py": BODY.format(name="gather"),
                                      "app/stranger.py": BODY.format(name="gather")})
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "start")
    for n in range(3):
        for rel in ("app/core.py", "app/partner.py"):
            (root / rel).write_text((root / rel).read_text() + f"# change {n}\n")
        _git(root, "commit", "-qam", f"change {n}")
    task = "settle_invoice_total returns None"
    bundle = only(engine, defines_code_name=1.0, cochange=0.5).pack(task, 4000)
    order = [it.path for it in bundle.items]
    assert order[0] == "app/core.py"
    assert order.index("app/partner.py") < order.index("app/stranger.py") if "app/stranger.py" in order else True
    partner = next(it for it in bundle.items if it.path == "app/partner.py")
    assert any("changed together with app/core.py" in r for r in partner.reasons), partner.reasons


def test_shipped_weights_rank_deterministically(tmp_path):
    _, engine = _engine(tmp_path, {"app/alpha.py": BODY.format(name="trim"), "app/beta.py": BODY.format(name="trim")})
    with engine.snapshot() as snap:
        runs = [rank(analyze_task("trim drops records"), snap.graph, snap.lexical, snap.modules, {})
                for _ in range(2)]
    first, second = ([(f.path, f.score, f.reasons) for f in run.files] for run in runs)
    assert first == second and first


def test_names_written_as_code_are_kept_however_short_or_plain():
    q = analyze_task("Combining `Q` with `|` fails; `Model.save()` and `save` too.\n```\nx = Q(a=1) | F('b')\n```\n")
    assert {"Q", "F", "Model.save", "save"} <= set(q.code_names)
    assert {"Q", "F", "Model.save", "save"} <= set(q.identifiers)
    assert "a" not in q.code_names and "x" not in q.code_names  # plain one-letter words of code are no names


def test_a_common_word_written_as_code_finds_its_definition(tmp_path):
    _, engine = _engine(tmp_path, {"app/records.py": "def save(records):\n    return records\n",
                                   "app/other.py": BODY.format(name="trim")})
    _assert_decides(engine, "Calling `save` on an empty list breaks", "app/records.py", "app/other.py",
                    "defines_code_span", "`save`")


def test_a_function_of_a_module_the_task_imports_under_an_alias(tmp_path):
    _, engine = _engine(tmp_path, {
        "app/__init__.py": "from app.computation import where\n",
        "app/computation.py": "def where(cond, x, y):\n    return x if cond else y\n",
        "app/frame.py": "class Frame:\n    def where(self, cond):\n        return self\n"})
    task = "`ap.where` drops the attributes:\n```python\nimport app as ap\nap.where(True, 1, 2)\n```\n"
    _assert_decides(engine, task, "app/computation.py", "app/frame.py", "defines_qualified", "defines `ap.where`")
    # without the import the alias means nothing: both files define a `where`, neither qualified
    cols = _columns(engine, "`ap.where` drops the attributes")
    assert cols["app/computation.py"]["defines_qualified"] == 0.0


REPORT = ("\n### Environment\n\n<details>\nINSTALLED VERSIONS\n------------------\ncommit: None\npython: 3.9.13\n"
          "OS: Linux\n\nnumpy: 1.23.4\nscipy: 1.9.3\nzarr: 2.13.3\nnetCDF4: None\nsphinx: None\n</details>\n")


def test_a_pasted_environment_report_is_not_the_task(tmp_path):
    _, engine = _engine(tmp_path, {
        "app/trimming.py": BODY.format(name="trim") + "\ndef drop_last(records):\n    return records[:-1]\n",
        "app/versions.py": "def show_versions():\n    for name in ('numpy', 'scipy', 'zarr', 'netCDF4', 'sphinx',"
                           " 'python', 'commit', 'machine', 'installed'):\n        print(name)\n"})
    task = "trim drops the last record" + REPORT
    q = analyze_task(task)
    assert not {"numpy", "scipy", "zarr", "netcdf4"} & set(q.terms) and "NetCDF4" not in q.identifiers
    assert {"trim", "drops", "last", "record"} <= set(q.terms)
    cols = _columns(engine, task)
    print({p: round(c["bm25_file"], 2) for p, c in cols.items()})
    assert cols.get("app/versions.py", {}).get("bm25_file", 0.0) < 0.5 * cols["app/trimming.py"]["bm25_file"]
    order = _order(only(engine, bm25_file=1.0), task)
    assert "app/versions.py" not in order or order.index("app/trimming.py") < order.index("app/versions.py")


def test_what_an_environment_report_keeps_and_what_is_no_report():
    # a module list inside a report names code; a table of data is no report; two versions are not a run
    q = analyze_task("autodoc skips it\n- OS: Linux 5.8\n- Python version: 3.8.5\n- Sphinx version: 3.2.1\n"
                     "- Sphinx extensions: sphinx.ext.autodoc, sphinx.ext.napoleon\n")
    assert "sphinx.ext.autodoc" in q.identifiers and "linux" not in q.terms
    table = "reading the table fails\nID0001     70.99200   38.51040\nID0001     13.05120   28.19240\n" \
            "ID0001     3.83610    10.98370\nID0001     1.99101    6.78822\n"
    assert "id0001" in analyze_task(table).terms
    assert "numpy" in analyze_task("numpy: 1.2 and scipy: 1.3 disagree about rounding").terms


def test_an_option_written_in_kebab_case_finds_the_code_that_reads_it(tmp_path):
    _, engine = _engine(tmp_path, {
        "app/similar.py": "class Similar:\n    def __init__(self, config):\n"
                          "        self.min_lines = config.min_similarity_lines\n",
        "app/report.py": '"""The similarity of lines: the min lines."""\n'
                         "def lines_similarity_min(lines):\n    return min(lines)\n"})
    task = "Setting `min-similarity-lines` to `0` should stop the duplicate check, as `--max-line-length=0` does"
    q = analyze_task(task)
    assert {"min_similarity_lines", "max_line_length"} <= set(q.terms)
    with engine.snapshot() as snap:  # by the sub-words alone the other file matches better
        words = snap.lexical.file_scores([t for t in q.terms if "_" not in t])
        assert words["app/report.py"] > words["app/similar.py"]
    cols = _columns(engine, task)
    assert cols["app/similar.py"]["bm25_file"] > cols["app/report.py"]["bm25_file"]
    assert _order(only(engine, bm25_file=1.0), task)[0] == "app/similar.py"


def test_the_package_name_in_every_path_says_nothing(tmp_path):
    # "shop" is in the task and in every code candidate's path: it tells none apart (it made
    # `pylint/utils/utils.py` match every task that says "pylint"); the words that remain decide
    files = {"shop/utils/utils.py": "def shop_total(items):\n    return sum(items)\n",
             "shop/billing/invoice_totals.py": "def shop_sum(items):\n    return sum(items)\n",
             "shop/cart/basket.py": "def shop_basket(items):\n    return items\n"}
    files.update({f"shop/misc/module_{i}.py": BODY.format(name=f"helper_{i}") for i in range(6)})
    for rel, text in files.items():
        write(tmp_path / "repo", rel, text)
    engine = Engine(tmp_path / "repo", index_path=tmp_path / "i.sqlite")
    task = "The shop invoice totals are wrong"
    cols = _columns(engine, task)
    assert cols["shop/utils/utils.py"]["path_terms"] == 0.0
    assert cols["shop/billing/invoice_totals.py"]["path_terms"] == pytest.approx(2 / 3)
    _assert_decides(engine, task, "shop/billing/invoice_totals.py", "shop/utils/utils.py", "path_terms",
                    "its path says invoice, totals")


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text("abc/._", min_size=1, max_size=6),
                       st.sampled_from([0.0, -0.0, 0.5, 1.0, 2.0, 1e-300, float("inf"), -3.0]) | st.floats(-5, 5),
                       max_size=200),
       st.integers(1, 30))
def test_top_is_the_first_n_of_the_full_order(scores, n):
    from contextpack.signals import _top

    assert _top(scores, n) == sorted(scores, key=lambda p: (-scores[p], p))[:n]


def test_files_past_commits_like_the_task_changed(tmp_path):
    """Two files alike in everything; only the history says which one work like this task happens in."""
    root, engine = _engine(tmp_path, {"app/alpha.py": BODY.format(name="gather"),
                                      "app/beta.py": BODY.format(name="gather")})
    _with_history(root, ("app/beta.py", "Fixed ledger rounding when refunds arrive late"),
                  ("app/alpha.py", "Tidy the imports"))
    task = "Ledger rounding is wrong again when a refund arrives late"
    bundle = only(engine, past_changes=1.0).pack(task, 4000)
    order = [it.path for it in bundle.items]
    assert order[0] == "app/beta.py", order
    assert any('a past commit like the task: "Fixed ledger rounding when refunds arrive late"' in r
               for r in bundle.items[0].reasons), bundle.items[0].reasons


def test_past_changes_reach_the_cli_bundle(tmp_path):
    """Through the installed command, with the shipped weights: the reason names the past commit."""
    root, _ = _engine(tmp_path, {"app/alpha.py": BODY.format(name="gather"), "app/beta.py": BODY.format(name="gather")})
    _with_history(root, ("app/beta.py", "Fixed ledger rounding when refunds arrive late"))
    out = subprocess.run([str(Path(sys.executable).parent / "contextpack"), "pack", "--repo", str(root),
                          "--task", "Ledger rounding is wrong when a refund arrives late", "--no-server",
                          "--index", str(tmp_path / "cli.sqlite")], capture_output=True, text=True, check=True)
    items = {it["path"]: it for it in json.loads(out.stdout)["items"]}
    assert any("a past commit like the task" in r for r in items["app/beta.py"]["reasons"]), items
    assert not any("a past commit like the task" in r for r in items.get("app/alpha.py", {}).get("reasons", []))


def test_a_secret_in_a_past_commit_message_is_not_quoted(tmp_path):
    root, engine = _engine(tmp_path, {"app/alpha.py": BODY.format(name="gather"),
                                      "app/beta.py": BODY.format(name="gather")})
    _with_history(root, ("app/beta.py", "Ledger rounding: use key AKIAIOSFODNN7EXAMPLF when refunds arrive late"))
    bundle = only(engine, past_changes=1.0).pack("Ledger rounding is wrong when a refund arrives late", 4000)
    reasons = " ".join(r for it in bundle.items for r in it.reasons)
    assert "a past commit like the task" in reasons and "AKIAIOSFODNN7EXAMPLF" not in reasons, reasons


_CHANGELOG = "# Changelog\n\n" + "".join(
    f"## 1.{n}.0\n\n- Fixed ledger rounding of late refunds in case {n}.\n- Ledger totals now settle refunds.\n\n"
    for n in range(40))


def _cli_paths(root: Path, index: Path, task: str) -> list[str]:
    out = subprocess.run([str(Path(sys.executable).parent / "contextpack"), "pack", "--repo", str(root),
                          "--task", task, "--no-server", "--index", str(index), "--budget", "4000"],
                         capture_output=True, text=True, check=True)
    return [it["path"] for it in json.loads(out.stdout)["items"]]


def test_a_changelog_is_no_candidate_unless_the_task_names_it(tmp_path):
    """Every change is written up in the changelog, so it shares the task's words; the code to change is
    elsewhere. Through the installed command, with the shipped weights: the ledger code is packed and the
    changelog is not, until the task names it. A code file named like a change record is still code."""
    root, _ = _engine(tmp_path, {
        "app/ledger.py": "def settle_refunds(ledger, refunds):\n    \"\"\"Ledger rounding of late refunds.\"\"\"\n"
                         "    return round(sum(refunds), 2)\n",
        "app/history.py": "def ledger_history(ledger):\n    \"\"\"Refunds the ledger settled.\"\"\"\n    return []\n",
        "CHANGELOG.md": _CHANGELOG, "docs/releases/1.2.txt": _CHANGELOG})
    _with_history(root, ("CHANGELOG.md", "Fixed ledger rounding of late refunds"))
    task = "Ledger rounding of late refunds is wrong"
    paths = _cli_paths(root, tmp_path / "cli.sqlite", task)
    assert "app/ledger.py" in paths and "app/history.py" in paths, paths
    assert "CHANGELOG.md" not in paths and "docs/releases/1.2.txt" not in paths, paths
    named = _cli_paths(root, tmp_path / "cli.sqlite", task + "; say so in CHANGELOG.md")
    assert "CHANGELOG.md" in named and "docs/releases/1.2.txt" not in named, named
