"""`contextpack verify`: a patch checked against its bundle's contract, on real git repositories, through the
real CLI (typer's CliRunner on `contextpack.cli.app`), with real tree-sitter — Python and TypeScript."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import write
from typer.testing import CliRunner

from contextpack.cli import app
from contextpack.verify import apply_patch, changed_lines, parse_diff

PY_FILES = {
    "pyproject.toml": """\
        [project]
        name = "shop"
        version = "0"

        [tool.pytest.ini_options]
        testpaths = ["tests"]
        """,
    "shop/__init__.py": "",
    "shop/pricing.py": '''\
        """Prices: discounts and taxes."""

        TAX_RATE = 0.2


        def apply_discount(price: float, percent: float = 0.0) -> float:
            """Reduce `price` by `percent` (0-100)."""
            if percent < 0:
                raise ValueError(f"discount out of range: {percent}")
            return price * (1 - percent / 100)


        def with_tax(price: float) -> float:
            return price * (1 + TAX_RATE)
        ''',
    "shop/cart.py": '''\
        from shop.pricing import apply_discount, with_tax


        class Cart:
            def __init__(self):
                self.items = []

            def total(self, discount=0):
                subtotal = sum(self.items)
                return apply_discount(with_tax(subtotal), percent=discount)
        ''',
    "weather/forecast.py": '''\
        def cloud_cover(station):
            return station.sky / 8
        ''',
    "tests/__init__.py": "",
    "tests/test_pricing.py": '''\
        import pytest

        from shop.pricing import apply_discount, with_tax


        def test_apply_discount():
            assert apply_discount(100, 10) == 90


        def test_apply_discount_rejects_negative():
            with pytest.raises(ValueError):
                apply_discount(100, -1)


        def test_with_tax():
            assert with_tax(100) == 120


        def test_legacy_rounding():
            assert round(2.5) == 3  # fails on purpose: never selected, since it uses no owned code
        ''',
}
PY_TASK = "apply_discount in shop/pricing.py accepts a percent above 100; it should raise ValueError"


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
                          check=True, capture_output=True, text=True).stdout


def make_repo(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        write(root, rel, text)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "init")
    return root


def cli(*args: str | Path, env: dict[str, str]) -> tuple[int, str]:
    res = CliRunner().invoke(app, [str(a) for a in args], env=env)
    if res.exception and not isinstance(res.exception, SystemExit):
        raise res.exception
    return res.exit_code, res.stdout


def edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text()
    assert old in text, (rel, old)
    path.write_text(text.replace(old, new, 1))


@pytest.fixture
def env(tmp_path: Path, monkeypatch) -> dict[str, str]:
    monkeypatch.setenv("CONTEXTPACK_INDEX_DIR", str(tmp_path / "index-dir"))
    monkeypatch.setenv("CONTEXTPACK_LEDGER", str(tmp_path / "ledger.sqlite"))
    # `python -m pytest` in an evidence command is this interpreter (pytest installed)
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    return {"CONTEXTPACK_INDEX_DIR": str(tmp_path / "index-dir"), "CONTEXTPACK_LEDGER": str(tmp_path / "ledger.sqlite"),
            "COLUMNS": "200"}


@pytest.fixture
def py_repo(tmp_path: Path, env) -> tuple[Path, Path, dict]:
    root = make_repo(tmp_path / "shop", PY_FILES)
    bundle_file = tmp_path / "bundle.json"
    code, _ = cli("pack", "--repo", root, "--task", PY_TASK, "--budget", "4000", "-o", bundle_file, env=env)
    assert code == 0
    bundle = json.loads(bundle_file.read_text())
    contract = bundle["contract"]
    assert contract["owned"] == ["shop/pricing.py"], contract
    assert "shop/cart.py" in contract["read_only"]
    assert "weather/forecast.py" not in {i["path"] for i in bundle["items"]}
    assert any(p["qualname"] == "shop.pricing.apply_discount" and "shop/cart.py" in p["callers"]
               for p in contract["preserve"])
    return root, bundle_file, bundle


def verify(root: Path, bundle_file: Path, env: dict, *extra: str) -> tuple[int, dict]:
    code, out = cli("verify", "--bundle", bundle_file, "--repo", root, "--format", "json", *extra, env=env)
    report = json.loads(out)
    assert report["exit_code"] == code
    return code, report


def codes(report: dict, level: str) -> set[str]:
    return {f["code"] for f in report["findings"] if f["level"] == level}


# -- Python -------------------------------------------------------------------------------------------------

def test_python_patch_inside_the_boundary_passes(py_repo, env) -> None:
    root, bundle_file, _ = py_repo
    edit(root, "shop/pricing.py", "if percent < 0:", "if percent < 0 or percent > 100:")
    code, report = verify(root, bundle_file, env)
    assert (code, report["verdict"]) == (0, "pass"), report["findings"]
    assert report["symbols_changed"] == ["~ shop.pricing.apply_discount"]
    assert {s["qualname"]: s["status"] for s in report["signatures"]}["shop.pricing.apply_discount"] == "kept"
    # the evidence: the tests that use the changed definition, not the whole file
    [ev] = report["evidence"]
    assert ev["path"] == "tests/test_pricing.py"
    assert ev["tests"] == ["test_apply_discount", "test_apply_discount_rejects_negative"]
    assert ev["command"] == ("python -m pytest -q tests/test_pricing.py::test_apply_discount "
                             "tests/test_pricing.py::test_apply_discount_rejects_negative")
    # and the text summary says the same
    code, text = cli("verify", "--bundle", bundle_file, "--repo", root, env=env)
    assert code == 0 and "verdict: pass (exit 0)" in text and "preserved signatures kept: " in text
    # the ledger has the bundle (recorded by pack) and the verdict verify gave it
    from contextpack.ledger import Ledger
    ledger = Ledger.open(Path(env["CONTEXTPACK_LEDGER"]))
    assert ledger.conn.execute("SELECT verdict FROM verdicts").fetchall() == [("pass",)]


def test_python_read_only_warns_and_outside_fails(py_repo, env) -> None:
    root, bundle_file, _ = py_repo
    edit(root, "shop/cart.py", "subtotal = sum(self.items)", "subtotal = sum(self.items) or 0")
    code, report = verify(root, bundle_file, env)
    assert (code, report["verdict"]) == (1, "warn") and codes(report, "warn") == {"read_only_touched"}
    edit(root, "weather/forecast.py", "/ 8", "/ 8.0")
    code, report = verify(root, bundle_file, env)
    assert (code, report["verdict"]) == (2, "fail")
    assert [f["path"] for f in report["findings"] if f["code"] == "outside_bundle"] == ["weather/forecast.py"]
    code, report = verify(root, bundle_file, env, "--allow-outside")
    assert code == 1


def test_python_new_files(py_repo, env) -> None:
    root, bundle_file, _ = py_repo
    write(root, "shop/rounding.py", "def round_price(p):\n    return round(p, 2)\n")  # untracked, under shop/
    write(root, "weather/radar.py", "def echo():\n    return 1\n")
    code, report = verify(root, bundle_file, env)
    found = {f["path"]: f["code"] for f in report["findings"]}
    assert found == {"shop/rounding.py": "new_file_owned", "weather/radar.py": "new_file_outside_owned"}
    assert code == 1


def test_python_renamed_parameter_fails_and_names_the_callers(py_repo, env) -> None:
    root, bundle_file, _ = py_repo
    edit(root, "shop/pricing.py", "def apply_discount(price: float, percent: float = 0.0) -> float:",
         "def apply_discount(price: float, pct: float = 0.0) -> float:")
    edit(root, "shop/pricing.py", "if percent < 0:", "if pct < 0:")
    code, report = verify(root, bundle_file, env)
    assert code == 2
    [sig] = [s for s in report["signatures"] if s["qualname"] == "shop.pricing.apply_discount"]
    assert sig["status"] == "breaking"
    assert sig["old"] == "apply_discount(price: float, percent: float = 0.0) -> float"
    assert sig["new"] == "apply_discount(price: float, pct: float = 0.0) -> float"
    assert "parameter `percent: float = 0.0` → `pct: float = 0.0`" in sig["details"]
    assert "shop/cart.py:10" in sig["callers"]  # the call that passes percent=
    code, text = cli("verify", "--bundle", bundle_file, "--repo", root, env=env)
    assert code == 2 and "percent: float = 0.0) -> float → apply_discount(price: float, pct: float" in text
    assert "shop/cart.py:10" in text


def test_python_deleted_function_fails(py_repo, env) -> None:
    root, bundle_file, _ = py_repo
    text = (root / "shop/pricing.py").read_text()
    start = text.index("def apply_discount")
    (root / "shop/pricing.py").write_text(text[:start] + text[text.index("def with_tax"):])
    code, report = verify(root, bundle_file, env)
    assert code == 2 and "preserve_removed" in codes(report, "fail")
    [sig] = [s for s in report["signatures"] if s["qualname"] == "shop.pricing.apply_discount"]
    assert sig["status"] == "removed" and "shop/cart.py:10" in sig["callers"]
    assert report["symbols_changed"] == ["- shop.pricing.apply_discount"]


def test_python_reformatting_a_preserved_function_passes(py_repo, env) -> None:
    root, bundle_file, _ = py_repo
    edit(root, "shop/pricing.py", "def apply_discount(price: float, percent: float = 0.0) -> float:",
         "def apply_discount(\n    price: float,\n    percent: float=0.0,  # the share taken off\n) -> float:")
    code, report = verify(root, bundle_file, env)
    assert (code, report["verdict"]) == (0, "pass"), report["findings"]
    assert {s["qualname"]: s["status"] for s in report["signatures"]}["shop.pricing.apply_discount"] == "kept"


def test_python_compatible_extension_warns(py_repo, env) -> None:
    root, bundle_file, _ = py_repo
    edit(root, "shop/pricing.py", "percent: float = 0.0) -> float:",
         "percent: float = 0.0, cap: float = 100) -> float:")
    code, report = verify(root, bundle_file, env)
    assert code == 1 and codes(report, "warn") == {"preserve_extended"}


def test_python_refactoring_that_names_a_function_does_not_preserve_it(tmp_path, env) -> None:
    root = make_repo(tmp_path / "shop", PY_FILES)
    bundle_file = tmp_path / "bundle.json"
    task = "Simplify the signature of `apply_discount`: percent should be required, without a default"
    assert cli("pack", "--repo", root, "--task", task, "--budget", "4000", "-o", bundle_file, env=env)[0] == 0
    contract = json.loads(bundle_file.read_text())["contract"]
    assert json.loads(bundle_file.read_text())["task"]["type"] == "refactor"
    assert "shop/pricing.py" in contract["owned"]
    assert "shop.pricing.apply_discount" not in {p["qualname"] for p in contract["preserve"]}
    edit(root, "shop/pricing.py", "percent: float = 0.0) -> float:", "percent: float) -> float:")
    code, report = verify(root, bundle_file, env)
    assert code in (0, 1) and not codes(report, "fail"), report["findings"]


WIDGET_FILES = {
    "forms/__init__.py": "",
    "forms/widgets.py": '''\
        class Widget:
            def render(self, value):
                return f"<input value={value!r}>"


        class FileInput(Widget):
            def format_value(self, value):
                return None


        class ClearableFileInput(FileInput):
            def use_required_attribute(self, initial):
                return not initial
        ''',
    "forms/boundfield.py": '''\
        from forms.widgets import ClearableFileInput


        def build_attrs(widget: ClearableFileInput, initial):
            return {"required": widget.use_required_attribute(initial)}
        ''',
    "admin/__init__.py": "",
    "admin/helpers.py": '''\
        from forms.widgets import ClearableFileInput


        class AdminField:
            def __init__(self, form, field):
                self.widget = ClearableFileInput()
                self.required = self.widget.use_required_attribute(form.initial.get(field))
        ''',
}


def test_python_method_moved_up_to_its_base_class_keeps_callers_working(tmp_path, env) -> None:
    root = make_repo(tmp_path / "forms", WIDGET_FILES)
    bundle_file = tmp_path / "bundle.json"
    task = "A file input shouldn't render the required attribute when initial data exists (see ClearableFileInput)"
    # the widget module is the agent's; the form and the admin that call its method are only read
    assert cli("pack", "--repo", root, "--task", task, "--budget", "4000", "--owned", "forms/widgets.py",
               "-o", bundle_file, env=env)[0] == 0
    contract = json.loads(bundle_file.read_text())["contract"]
    assert contract["owned"] == ["forms/widgets.py"]
    assert contract["owned_reasons"] == {"forms/widgets.py": "pinned by the request (`forms/widgets.py`)"}
    assert "forms.widgets.ClearableFileInput.use_required_attribute" in {p["qualname"] for p in contract["preserve"]}
    method = "    def use_required_attribute(self, initial):\n        return not initial\n"
    classes = (root / "forms/widgets.py").read_text().split("\n\n\n")  # Widget, FileInput, ClearableFileInput
    assert len(classes) == 3 and classes[2].endswith(method)

    def rewrite(widget: str, file_input: str, clearable: str) -> None:
        (root / "forms/widgets.py").write_text("\n\n\n".join([widget, file_input, clearable]))

    rewrite(classes[0], classes[1] + "\n" + method, classes[2].replace(method, "    pass\n"))
    code, report = verify(root, bundle_file, env)
    assert code == 1 and "preserve_inherited" in codes(report, "warn") and not codes(report, "fail"), report
    moved_up = "forms.widgets.ClearableFileInput.use_required_attribute"
    [sig] = [s for s in report["signatures"] if s["qualname"] == moved_up]
    assert sig["status"] == "compatible" and sig["details"] == ["now inherited from `forms.widgets.FileInput`"]
    # moved to a class it does not inherit from instead: removed, and the caller breaks
    rewrite(classes[0] + "\n" + method, classes[1], classes[2].replace(method, "    pass\n").replace(
        "ClearableFileInput(FileInput)", "ClearableFileInput"))
    code, report = verify(root, bundle_file, env)
    assert code == 2 and "preserve_removed" in codes(report, "fail")


def test_python_stale_bundle_is_reported(py_repo, env) -> None:
    root, bundle_file, _ = py_repo
    edit(root, "shop/cart.py", "class Cart:", "class Cart:  # changed after the bundle")
    git(root, "commit", "-qam", "someone else's change")  # not part of the patch: HEAD moved
    edit(root, "shop/pricing.py", "if percent < 0:", "if percent < 0 or percent > 100:")
    code, report = verify(root, bundle_file, env)
    assert report["stale"] == ["shop/cart.py"] and code == 1
    assert codes(report, "warn") == {"stale"}
    # against the bundle's own commit, the committed change is part of the patch: no longer stale
    commit = json.loads(bundle_file.read_text())["repo"]["commit"]
    code, report = verify(root, bundle_file, env, "--base", commit)
    assert report["stale"] == [] and codes(report, "warn") == {"read_only_touched"}


def test_python_diff_file_applied_or_not(py_repo, env, tmp_path) -> None:
    root, bundle_file, _ = py_repo
    edit(root, "shop/pricing.py", "if percent < 0:", "if percent < 0 or percent > 100:")
    diff = tmp_path / "fix.diff"
    diff.write_text(git(root, "diff"))
    code, report = verify(root, bundle_file, env, "--diff", diff)  # applied already
    assert code == 0, report["findings"]
    git(root, "checkout", "-q", ".")
    code, report = verify(root, bundle_file, env, "--diff", diff)  # not applied: applied in memory
    assert code == 0 and report["symbols_changed"] == ["~ shop.pricing.apply_discount"]
    assert "percent > 100" not in (root / "shop/pricing.py").read_text()  # nothing written
    edit(root, "shop/pricing.py", 'if percent < 0:\n', 'if percent <= -1:\n')  # the context no longer matches
    code, report = verify(root, bundle_file, env, "--diff", diff)
    assert code == 2 and "patch_does_not_apply" in codes(report, "fail")


def test_python_evidence_runs_exactly_those_tests(py_repo, env) -> None:
    root, bundle_file, bundle = py_repo
    # the bundle: the tests of the owned code, one combined command per runner, run for real
    [ev] = bundle["contract"]["evidence"]
    assert ev["tests"] == ["test_apply_discount", "test_apply_discount_rejects_negative", "test_with_tax"]
    cmd = bundle["contract"]["commands"]["pytest"]
    assert cmd == ev["command"]
    proc = subprocess.run(shlex.split(cmd), cwd=root, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "3 passed" in proc.stdout, proc.stdout  # test_legacy_rounding never ran
    # verify --run: only the tests of the changed definition
    edit(root, "shop/pricing.py", "if percent < 0:", "if percent < 0 or percent > 100:")
    code, report = verify(root, bundle_file, env, "--run")
    assert code == 0, report
    [run] = report["runs"]
    assert run["passed"] and "2 passed" in run["output_tail"]
    # a patch that breaks the behaviour the tests pin: the run fails the verdict
    edit(root, "shop/pricing.py", "return price * (1 - percent / 100)", "return price * (1 - percent / 10)")
    code, report = verify(root, bundle_file, env, "--run")
    assert code == 2 and "evidence_failed" in codes(report, "fail")
    assert "1 failed, 1 passed" in report["runs"][0]["output_tail"]


# -- TypeScript -----------------------------------------------------------------------------------------------

TS_FILES = {
    "package.json": '{"name": "shop", "type": "module", "scripts": {"test": "node --test"}}\n',
    "src/pricing.ts": """\
        export const TAX_RATE = 0.2;

        export function applyDiscount(price: number, percent: number = 0): number {
          if (percent < 0) {
            throw new RangeError(`discount out of range: ${percent}`);
          }
          return price * (1 - percent / 100);
        }

        export function withTax(price: number): number {
          return price * (1 + TAX_RATE);
        }
        """,
    "src/cart.ts": """\
        import { applyDiscount, withTax } from "./pricing";

        export class Cart {
          items: number[] = [];

          total(discount: number = 0): number {
            const subtotal = this.items.reduce((a, b) => a + b, 0);
            return applyDiscount(withTax(subtotal), discount);
          }
        }
        """,
    "tools/weather.ts": """\
        export function cloudCover(sky: number): number {
          return sky / 8;
        }
        """,
    "test/pricing.test.ts": """\
        import { test } from "node:test";
        import assert from "node:assert/strict";
        import { applyDiscount, withTax } from "../src/pricing.ts";

        test("applyDiscount takes the percent off", () => {
          assert.equal(applyDiscount(100, 10), 90);
        });

        test("withTax adds the tax", () => {
          assert.equal(withTax(100), 120);
        });
        """,
}
TS_TASK = "applyDiscount in src/pricing.ts accepts a percent above 100; it should throw a RangeError"


@pytest.fixture
def ts_repo(tmp_path: Path, env) -> tuple[Path, Path, dict]:
    root = make_repo(tmp_path / "tshop", TS_FILES)
    bundle_file = tmp_path / "bundle.json"
    code, _ = cli("pack", "--repo", root, "--task", TS_TASK, "--budget", "4000", "-o", bundle_file, env=env)
    assert code == 0
    bundle = json.loads(bundle_file.read_text())
    assert bundle["contract"]["owned"] == ["src/pricing.ts"], bundle["contract"]
    assert "src/cart.ts" in bundle["contract"]["read_only"]
    assert "tools/weather.ts" not in {i["path"] for i in bundle["items"]}
    return root, bundle_file, bundle


def test_typescript_boundary(ts_repo, env) -> None:
    root, bundle_file, _ = ts_repo
    edit(root, "src/pricing.ts", "if (percent < 0) {", "if (percent < 0 || percent > 100) {")
    code, report = verify(root, bundle_file, env)
    assert code == 0, report["findings"]
    assert report["symbols_changed"] == ["~ src.pricing.applyDiscount"]
    edit(root, "src/cart.ts", "items: number[] = [];", "items: number[] = []; // read only")
    assert verify(root, bundle_file, env)[0] == 1
    edit(root, "tools/weather.ts", "sky / 8", "sky / 8.0")
    code, report = verify(root, bundle_file, env)
    assert code == 2 and "outside_bundle" in codes(report, "fail")


def test_typescript_preserve(ts_repo, env) -> None:
    root, bundle_file, _ = ts_repo
    original = (root / "src/pricing.ts").read_text()
    edit(root, "src/pricing.ts", "applyDiscount(price: number, percent: number = 0)",
         "applyDiscount(price: number, share: number = 0)")
    code, report = verify(root, bundle_file, env)
    [sig] = [s for s in report["signatures"] if s["qualname"] == "src.pricing.applyDiscount"]
    assert code == 2 and sig["status"] == "breaking"
    assert sig["old"] == "applyDiscount(price: number, percent: number = 0) -> number"
    assert sig["new"] == "applyDiscount(price: number, share: number = 0) -> number"
    assert "src/cart.ts:8" in sig["callers"]
    # a type change is a break in TypeScript
    (root / "src/pricing.ts").write_text(original.replace("percent: number = 0", "percent: string = \"0\""))
    assert verify(root, bundle_file, env)[0] == 2
    # reformatting is not
    (root / "src/pricing.ts").write_text(original.replace(
        "applyDiscount(price: number, percent: number = 0): number {",
        "applyDiscount(\n  price: number,\n  percent: number = 0,\n): number {"))
    code, report = verify(root, bundle_file, env)
    assert code == 0, report["findings"]
    # deleting it is
    (root / "src/pricing.ts").write_text(original[:original.index("export function applyDiscount")]
                                         + original[original.index("export function withTax"):])
    code, report = verify(root, bundle_file, env)
    assert code == 2 and "preserve_removed" in codes(report, "fail")


def test_typescript_stale_and_evidence(ts_repo, env) -> None:
    root, bundle_file, bundle = ts_repo
    [ev] = bundle["contract"]["evidence"]
    assert ev["path"] == "test/pricing.test.ts" and ev["runner"] == "node"
    assert ev["tests"] == ["applyDiscount takes the percent off", "withTax adds the tax"]
    assert ev["command"] == ("node --test '--test-name-pattern=^(applyDiscount\\ takes\\ the\\ percent\\ off|"
                             "withTax\\ adds\\ the\\ tax)$' test/pricing.test.ts")
    edit(root, "src/cart.ts", "export class Cart {", "export class Cart {  // later")
    git(root, "commit", "-qam", "moved on")
    edit(root, "src/pricing.ts", "if (percent < 0) {", "if (percent < 0 || percent > 100) {")
    code, report = verify(root, bundle_file, env)
    assert report["stale"] == ["src/cart.ts"] and code == 1
    [ev] = report["evidence"]
    assert ev["tests"] == ["applyDiscount takes the percent off"]


def test_typescript_evidence_runs(ts_repo, env) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    probe = subprocess.run([node, "--experimental-strip-types", "-e", "let x: number = 1"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("this node cannot run TypeScript tests (type stripping needs node >= 22.6); "
                    "the command is checked in test_typescript_stale_and_evidence")
    root, bundle_file, _ = ts_repo
    edit(root, "src/pricing.ts", "if (percent < 0) {", "if (percent < 0 || percent > 100) {")
    code, report = verify(root, bundle_file, env, "--run")
    assert code == 0 and report["runs"][0]["passed"]


# -- the diff parser ----------------------------------------------------------------------------------------

def test_diff_parser_round_trip() -> None:
    before = b"a\nb\nc\nd\ne\n"
    text = ("diff --git a/x.py b/x.py\n--- a/x.py\n+++ b/x.py\n@@ -2,3 +2,3 @@\n b\n-c\n+C\n d\n"
            "diff --git a/new.py b/new.py\nnew file mode 100644\n--- /dev/null\n+++ b/new.py\n@@ -0,0 +1 @@\n+n\n"
            "diff --git a/old.py b/old.py\ndeleted file mode 100644\n--- a/old.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-o\n")
    fx, fn, fo = parse_diff(text)
    assert (fx.old_path, fx.new_path, fn.old_path, fn.new_path, fo.old_path, fo.new_path) == \
        ("x.py", "x.py", None, "new.py", "old.py", None)
    after = apply_patch(before, fx)
    assert after == b"a\nb\nC\nd\ne\n"
    assert apply_patch(after, fx, reverse=True) == before
    assert apply_patch(None, fn) == b"n\n" and apply_patch(b"o\n", fo) is None
    assert changed_lines(fx) == (frozenset({3}), frozenset({3}))


def test_repository_git_config_runs_nothing(py_repo, env, tmp_path) -> None:
    """The repository is untrusted: its .git/config may name programs (fsmonitor, external diff, textconv,
    pager); verify's git calls run none of them."""
    root, bundle_file, _ = py_repo
    marker = tmp_path / "ran"
    hook = tmp_path / "hook.sh"
    hook.write_text(f"#!/bin/sh\necho ran >> {marker}\n")
    hook.chmod(0o755)
    (root / ".gitattributes").write_text("*.py diff=evil\n")
    git(root, "add", ".gitattributes")
    git(root, "commit", "-qm", "attributes")
    for key in ("core.fsmonitor", "diff.external", "core.pager", "diff.evil.textconv"):
        git(root, "config", key, str(hook))
    edit(root, "shop/pricing.py", "if percent < 0:", "if percent < 0 or percent > 100:")
    code, report = verify(root, bundle_file, env)
    assert report["symbols_changed"] == ["~ shop.pricing.apply_discount"]
    assert not marker.exists()
