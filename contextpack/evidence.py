"""Evidence that runs: the test runner of a test file (detected from the repository's manifests), the test
cases a test file defines, and the exact command that runs just those cases, per ecosystem.

    runner = detect_runner(root, "tests/test_pricing.py", "python")     # Runner("pytest", cwd="")
    cases = test_cases("tests/test_pricing.py", "python", definitions)  # [TestCase(...), …]
    cmd = command(runner, [("tests/test_pricing.py", cases[:2])])
    cmd.display            # "python -m pytest -q 'tests/test_pricing.py::test_discount' …"
    cmd.argv, cmd.cwd      # what `verify --run` executes (no shell)
"""

from __future__ import annotations

import json
import posixpath
import re
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .parse import module_name

# a manifest file is read only up to this size (a runner hint, not a parse of the whole project)
MAX_MANIFEST_BYTES = 256 * 1024
_JS_LANGUAGES = ("javascript", "typescript", "tsx")
_JS_TEST_CALL = re.compile(r"""^\s*(?:it|test)(?:\.only)?\(\s*(['"`])((?:(?!\1).){1,200})\1""", re.M)
_RSPEC_EXAMPLE = re.compile(r"""^\s*(?:it|specify|scenario|example)\b[\s(]""", re.M)
_PY_PYTEST_CONF = (("pytest.ini", ""), ("pyproject.toml", "[tool.pytest"), ("setup.cfg", "[tool:pytest]"),
                   ("tox.ini", "[pytest]"), ("conftest.py", ""))


@dataclass(frozen=True)
class Runner:
    name: str  # pytest django unittest go cargo jest vitest mocha node maven gradle rspec minitest phpunit
    cwd: str = ""  # directory (relative to the root) the command runs in: where the manifest is


@dataclass(frozen=True)
class TestCase:
    __test__ = False  # not a pytest class
    path: str
    name: str  # the runner's id of the case: pytest `Class::test_x`, go `TestX`, Java `testX`, JS the test's title
    start_line: int = 0
    end_line: int = 0


@dataclass(frozen=True)
class Command:
    runner: str
    argv: tuple[str, ...]
    cwd: str  # relative to the repository root

    @property
    def display(self) -> str:
        cmd = shlex.join(self.argv)
        return f"cd {shlex.quote(self.cwd)} && {cmd}" if self.cwd else cmd


def _read(root: Path, rel: str) -> str | None:
    path = root / rel
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_MANIFEST_BYTES:
            return None
        return path.read_text("utf-8", errors="replace")
    except OSError:
        return None


def _up(test_path: str) -> Iterable[str]:
    """The test file's directory and each of its ancestors up to the root ("")."""
    d = posixpath.dirname(test_path)
    while True:
        yield d
        if not d:
            return
        d = posixpath.dirname(d)


def _join(d: str, name: str) -> str:
    return f"{d}/{name}" if d else name


def detect_runner(root: Path, test_path: str, language: str) -> Runner | None:
    """The runner of a test file: from the nearest manifest above it (pyproject/setup.cfg/tox.ini, go.mod,
    Cargo.toml, package.json, pom.xml/build.gradle, Gemfile, composer.json); None when nothing fits."""
    dirs = list(_up(test_path))
    if language == "python":
        if _read(root, "tests/runtests.py") is not None and test_path.startswith("tests/"):
            return Runner("django")  # Django's own runner: labels are dotted paths under tests/
        for d in dirs:
            for name, marker in _PY_PYTEST_CONF:
                text = _read(root, _join(d, name))
                if text is not None and marker in text:
                    return Runner("pytest", d)
        return Runner("pytest")  # pytest also runs unittest cases
    if language == "go":
        return next((Runner("go", d) for d in dirs if _read(root, _join(d, "go.mod")) is not None), None)
    if language == "rust":
        return next((Runner("cargo", d) for d in dirs if _read(root, _join(d, "Cargo.toml")) is not None), None)
    if language in _JS_LANGUAGES:
        for d in dirs:
            text = _read(root, _join(d, "package.json"))
            if text is None:
                continue
            try:
                pkg = json.loads(text)
            except ValueError:
                pkg = {}
            pkg = pkg if isinstance(pkg, dict) else {}
            deps = {**(pkg.get("dependencies") or {}), **(pkg.get("devDependencies") or {})}
            scripts = " ".join(str(v) for v in (pkg.get("scripts") or {}).values())
            for name in ("vitest", "jest", "mocha"):
                if name in deps or re.search(rf"\b{name}\b", scripts):
                    return Runner(name, d)
            return Runner("node", d)
        return Runner("node")
    if language == "java":
        for d in dirs:
            if _read(root, _join(d, "pom.xml")) is not None:
                return Runner("maven", d)
            if any(_read(root, _join(d, f)) is not None for f in ("build.gradle", "build.gradle.kts")):
                return Runner("gradle", d)
        return None
    if language == "ruby":
        for d in dirs:
            if _read(root, _join(d, "Gemfile")) is not None or _read(root, _join(d, ".rspec")) is not None:
                return Runner("rspec" if "_spec." in test_path or "spec/" in test_path else "minitest", d)
        return Runner("rspec" if "_spec." in test_path else "minitest")
    if language == "php":
        return next((Runner("phpunit", d) for d in dirs if _read(root, _join(d, "composer.json")) is not None),
                    Runner("phpunit"))
    return None


def test_cases(path: str, language: str, definitions: Sequence, source: str | None = None) -> list[TestCase]:
    """The test cases a test file defines. `definitions`: the index's rows for the file (name, kind,
    qualname, start_line, end_line, signature); `source`: its text, for runners whose tests are calls
    (JS `it('…')`, RSpec `it "…"`), not definitions."""
    out: list[TestCase] = []
    if language == "python":
        prefix = module_name(path, "python")
        kinds = {d.qualname: d.kind for d in definitions}
        for d in definitions:
            if d.kind not in ("function", "method") or not d.name.startswith("test"):
                continue
            if d.parent and kinds.get(d.parent) != "class":
                continue  # a function inside a function
            rel = d.qualname[len(prefix) + 1:] if d.qualname.startswith(prefix + ".") else d.qualname
            out.append(TestCase(path, rel.replace(".", "::"), d.start_line, d.end_line))
    elif language == "go":
        out = [TestCase(path, d.name, d.start_line, d.end_line) for d in definitions
               if d.kind == "function" and re.match(r"(Test|Benchmark|Example|Fuzz)([A-Z_0-9]|$)", d.name)]
    elif language == "rust":
        out = [TestCase(path, d.name, d.start_line, d.end_line) for d in definitions if d.kind == "function"]
    elif language == "java":
        out = [TestCase(path, d.name, d.start_line, d.end_line) for d in definitions
               if d.kind == "method" and ("@Test" in d.signature or d.name.startswith("test"))]
    elif language == "php":
        out = [TestCase(path, d.name, d.start_line, d.end_line) for d in definitions
               if d.kind in ("method", "function") and (d.name.startswith("test") or "@test" in d.signature)]
    elif language in _JS_LANGUAGES and source:
        out = _calls(path, source, _JS_TEST_CALL, lambda m, _line: m.group(2))
    elif language == "ruby" and source:
        out = _calls(path, source, _RSPEC_EXAMPLE, lambda _m, line: str(line))
        out += [TestCase(path, d.name, d.start_line, d.end_line) for d in definitions
                if d.kind in ("method", "function") and d.name.startswith("test_")]
    return out


def _calls(path: str, source: str, pattern: re.Pattern[str], name) -> list[TestCase]:
    """Tests written as calls (`it('…', …)`): each reaches to the line before the next one (or the end)."""
    starts = [(source.count("\n", 0, m.start()) + 1, m) for m in pattern.finditer(source)]
    last = source.count("\n") + 1
    return [TestCase(path, name(m, line), line, (starts[i + 1][0] - 1) if i + 1 < len(starts) else last)
            for i, (line, m) in enumerate(starts)]


def command(runner: Runner, selection: Sequence[tuple[str, Sequence[TestCase]]]) -> Command:
    """One command that runs exactly the given cases (a file with no cases: the whole file)."""
    files = [(_rel(p, runner.cwd), list(cases)) for p, cases in selection]
    name = runner.name
    argv: list[str]
    if name == "pytest":
        argv = ["python", "-m", "pytest", "-q"]
        for p, cases in files:
            argv += [f"{p}::{c.name}" for c in cases] or [p]
    elif name == "django":
        argv = ["python", "tests/runtests.py"]
        for p, cases in files:
            label = module_name(p.removeprefix("tests/"), "python")
            argv += [f"{label}.{c.name.replace('::', '.')}" for c in cases] or [label]
    elif name == "go":
        pkgs = sorted({"./" + d if (d := posixpath.dirname(p)) else "." for p, _ in files})
        names = sorted({c.name for _, cases in files for c in cases})
        argv = ["go", "test"] + (["-run", f"^({'|'.join(names)})$"] if names else []) + pkgs
    elif name == "cargo":
        names = sorted({c.name for _, cases in files for c in cases})
        argv = ["cargo", "test"] + (["--", "--exact"] + names if names else [])
    elif name in ("jest", "vitest", "mocha", "node"):
        paths = [p for p, _ in files]
        titles = sorted({c.name for _, cases in files for c in cases})
        pattern = "^(" + "|".join(re.escape(t) for t in titles) + ")$" if titles else None
        if name == "node":
            argv = ["node", "--test"] + ([f"--test-name-pattern={pattern}"] if pattern else []) + paths
        elif name == "mocha":
            argv = ["npx", "mocha"] + paths + (["--grep", pattern] if pattern else [])
        else:
            argv = ["npx", name] + (["run"] if name == "vitest" else []) + paths + (["-t", pattern] if pattern else [])
    elif name in ("maven", "gradle"):
        specs = []
        for p, cases in files:
            cls = posixpath.splitext(posixpath.basename(p))[0]
            specs += [f"{cls}#{c.name}" for c in cases] or [cls]
        if name == "maven":
            argv = ["mvn", "-q", "test", f"-Dtest={'+'.join(specs)}"]
        else:
            argv = ["gradle", "test"] + [a for s in specs for a in ("--tests", s.replace("#", "."))]
    elif name == "rspec":
        argv = ["bundle", "exec", "rspec"]
        for p, cases in files:
            argv += [f"{p}:{c.name}" for c in cases] or [p]
    elif name == "minitest":
        names = sorted({c.name for _, cases in files for c in cases})
        argv = ["ruby", "-Itest"] + [p for p, _ in files] + (["-n", f"/^({'|'.join(names)})$/"] if names else [])
    elif name == "phpunit":
        names = sorted({c.name for _, cases in files for c in cases})
        argv = ["vendor/bin/phpunit"] + (["--filter", f"/^({'|'.join(names)})$/"] if names else []) + \
            [p for p, _ in files]
    else:
        raise ValueError(f"unknown runner {name!r}")
    return Command(name, tuple(argv), runner.cwd)


def _rel(path: str, cwd: str) -> str:
    return posixpath.relpath(path, cwd) if cwd else path
