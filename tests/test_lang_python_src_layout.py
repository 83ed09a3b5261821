"""Python, src layout: a module inside a package under src/ is not importable by its bare name
(benchmarks/definition_recall.py on pytest: `import unittest.mock` was resolved to src/_pytest/unittest.py)."""

from __future__ import annotations

from pathlib import Path

from indexed import cli_index, edges_from, write_files

FILES = {
    "pyproject.toml": '[project]\nname = "pytest"\n',
    "src/_pytest/__init__.py": "",
    "src/_pytest/unittest.py": "class UnitTestCase:\n    pass\n",
    "src/_pytest/logging.py": "import logging\n",
    "src/pytest/__init__.py": "from _pytest.unittest import UnitTestCase\n",
    "testing/test_source.py": "import unittest.mock\nfrom unittest import mock\nimport logging\n\nimport pytest\n",
    "tools/gen.py": "def main():\n    pass\n",
    "tools/run.py": "import gen\n",  # a directory that is not a package: its modules import each other by name
}


def test_stdlib_names_do_not_resolve_to_modules_inside_a_src_package(tmp_path: Path) -> None:
    store = cli_index(write_files(tmp_path / "repo", FILES), tmp_path / "index.sqlite")
    assert edges_from(store, "testing/test_source.py") == ["src/pytest/__init__.py"]
    assert edges_from(store, "src/_pytest/logging.py") == []
    assert edges_from(store, "src/pytest/__init__.py") == ["src/_pytest/unittest.py"]
    assert edges_from(store, "tools/run.py") == ["tools/gen.py"]
