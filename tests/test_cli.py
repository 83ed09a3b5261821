"""The command line, as a user runs it (the installed `contextpack` script in a subprocess): index summary,
symbols, map under exact budgets, stats, --help; and indexing this project itself."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from contextpack.cli import app
from contextpack.engine import Engine
from contextpack.errors import RequestError
from contextpack.tokens import get_tokenizer

CONTEXTPACK = str(Path(sys.executable).with_name("contextpack"))
PROJECT = Path(__file__).resolve().parents[1]

FILES = {
    "shop/__init__.py": "",
    "shop/models.py": '''"""Models."""

TAX_RATE = 0.2


class Order:
    """An order."""

    def __init__(self, items):
        self.items = items

    def total(self, discount: float = 0.0) -> float:
        return sum(self.items) * (1 - discount)
''',
    "shop/billing.py": '''from shop.models import TAX_RATE, Order


def invoice(order: Order) -> float:
    return order.total() * (1 + TAX_RATE)


class Biller:
    def bill_all(self, orders: list[Order]) -> list[float]:
        return [invoice(o) for o in orders]
''',
    "web/app.ts": '''import { render } from "./view";

export function start(port: number): void {
  render(port);
}
''',
    "web/view.ts": '''export function render(port: number): string {
  return `listening on ${port}`;
}
''',
    "README.md": "# shop\n",
    "broken.py": "def before():\n    pass\n\ndef broken(:\n",
}
# models: TAX_RATE Order __init__ total; billing: 3; app.ts; view.ts; broken.py: `before`, recovered `broken`
N_DEFS = 4 + 3 + 1 + 1 + 2 + 40 * 8
# enough further modules that a 5000-token map is cut too
for _i in range(40):
    FILES[f"shop/ext/module_{_i}.py"] = "".join(
        f"def extension_{_i}_{j}(order, rate: float = 0.{j}) -> float:\n    return order.total() * rate\n\n\n"
        for j in range(8))


def env_for(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "CONTEXTPACK_INDEX_DIR": str(tmp_path / "cache"), "COLUMNS": "200"}


def run(*args: str | Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return run_all([args], env=env)[0]


def run_all(argvs: list, env: dict[str, str]) -> list[subprocess.CompletedProcess]:
    """Independent commands at once (each pays the interpreter's start-up; they only read the index)."""
    procs = [subprocess.Popen([CONTEXTPACK, *map(str, a)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, env=env, stdin=subprocess.DEVNULL) for a in argvs]
    out = []
    for argv, proc in zip(argvs, procs, strict=True):
        stdout, stderr = proc.communicate(timeout=120)
        assert "Traceback" not in stderr, stderr
        out.append(subprocess.CompletedProcess(argv, proc.returncode, stdout, stderr))
    return out


def flat(text: str) -> str:
    """Help/table text with box drawing removed and whitespace collapsed (rich wraps to the width)."""
    return " ".join(re.sub(r"[│╭╮╰╯─┌┐└┘├┤┬┴┼]", " ", text).split())


@pytest.fixture(scope="module")
def indexed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli")
    repo = tmp / "repo"
    for rel, text in FILES.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    os.symlink("/etc", repo / "etc")
    index = tmp / "index.sqlite"
    env = env_for(tmp)
    proc = run("index", "--repo", repo, "--index", index, env=env)
    return repo, index, env, proc


def test_index_summary(indexed) -> None:
    repo, index, env, proc = indexed
    assert proc.returncode == 0, proc.stderr
    text = flat(proc.stdout)
    assert f"indexed {repo.resolve()}" in text
    n_py = sum(1 for p in FILES if p.endswith(".py"))
    assert f"files {len(FILES)} (python {n_py}, typescript 2, markdown 1)" in text
    assert f"refresh {len(FILES)} parsed, 0 unchanged, 0 touched, 0 deleted" in text
    assert f"symbols {N_DEFS} " in text
    assert "skipped symlink 1" in text
    assert "diagnostics 2 (contextpack stats --diagnostics)" in text
    assert re.search(r"seconds \d+\.\d\d ", text)
    assert f"index file {index}" in text
    assert not (Path(env["CONTEXTPACK_INDEX_DIR"])).exists()  # --index: the default location is untouched


def test_symbols(indexed) -> None:
    repo, index, env, _ = indexed
    found, qualified, missing = run_all([
        ["symbols", "total", "--repo", repo, "--index", index],
        ["symbols", "Biller.bill_all", "--repo", repo, "--index", index],
        ["symbols", "no_such_thing", "--repo", repo, "--index", index],
    ], env=env)
    assert found.returncode == 0, found.stderr
    assert found.stdout.splitlines() == [
        "shop/models.py:12  method  shop.models.Order.total",
        "    def total(self, discount: float = 0.0) -> float",
    ]
    assert qualified.returncode == 0
    assert qualified.stdout.splitlines()[0] == "shop/billing.py:9  method  shop.billing.Biller.bill_all"
    assert qualified.stdout.splitlines()[1] == "    def bill_all(self, orders: list[Order]) -> list[float]"
    assert missing.returncode == 1
    assert missing.stdout == ""
    assert missing.stderr.strip() == "no definition named 'no_such_thing'"


def test_map_budgets(indexed) -> None:
    """One budget through the installed script, the others through the same Typer app in-process (each
    subprocess pays ~1 s of imports)."""
    repo, index, env, _ = indexed
    tok = get_tokenizer("cl100k_base")
    texts = {}
    for n in (0, 1, 50, 500, 5000):
        args = ["map", "--budget", str(n), "--repo", str(repo), "--index", str(index)]
        if n == 500:
            proc = run(*args, env=env)
            stdout, stderr, code = proc.stdout, proc.stderr, proc.returncode
        else:
            res = CliRunner().invoke(app, args, env={"CONTEXTPACK_INDEX_DIR": env["CONTEXTPACK_INDEX_DIR"]})
            stdout, stderr, code = res.stdout, res.stderr, res.exit_code
            assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
        assert code == 0, stderr
        used = tok.count(stdout)
        assert used <= n
        assert stderr.strip() == f"{used}/{n} tokens (cl100k_base)"
        texts[n] = stdout
    assert texts[0] == "" and texts[1] == ""
    assert texts[50].startswith("shop/models.py:\n")  # most imported file ranks first
    assert "shop/billing.py:" in texts[500]
    assert texts[500].startswith(texts[50].rsplit("\n", 2)[0])  # a larger budget extends, never reorders
    assert tok.count(texts[5000]) > 4000  # the full map is bigger: the budget is used, not wasted
    assert "\n    12: def total(self, discount: float = 0.0) -> float\n" in texts[5000]  # nested: indented


def test_map_negative_budget(indexed) -> None:
    repo, index, env, _ = indexed
    res = CliRunner().invoke(app, ["map", "--budget", "-1", "--repo", str(repo), "--index", str(index)])
    assert res.exit_code != 0 and isinstance(res.exception, RequestError)
    assert str(res.exception) == "budget must be >= 0, got -1"  # main() prints it as `error: ...`, exit 2
    assert res.exception.exit_code == 2


def test_stats(indexed, tmp_path: Path) -> None:
    repo, index, env, _ = indexed
    before, after = run_all([
        ["stats", "--repo", repo, "--index", tmp_path / "fresh.sqlite"],
        ["stats", "--repo", repo, "--index", index, "--diagnostics"],
    ], env=env)
    assert before.returncode == 1
    assert before.stdout == ""
    assert before.stderr.strip() == (
        f"{repo.resolve()} is not indexed yet: run `contextpack index --repo {repo.resolve()}`")
    assert after.returncode == 0, after.stderr
    text = flat(after.stdout)
    assert f"files {len(FILES)} definitions {N_DEFS} " in text
    assert "python files 44" in text and "typescript files 2" in text and "markdown files 1" in text
    assert re.search(r"digest [0-9a-f]{16} ", text)
    lines = after.stdout.splitlines()
    assert "broken.py: parse syntax error near line 4; symbols extracted where the parser recovered" in lines
    assert "etc: scan symlink points outside the repository; not followed" in lines


HELP = {
    None: ["contextpack: the smallest set of code an agent needs", "index", "symbols", "map", "stats"],
    "index": ["Index a repository (incremental: only changed files are re-parsed) and print a summary.",
              "--repo", "--index", "--quiet"],
    "symbols": ["Find definitions by name or qualified name", "query", "--limit"],
    "map": ["Print a ranked map of the repository's signatures", "--budget", "Token budget; the map never "
            "exceeds it.", "--encoding"],
    "stats": ["Show what the index holds", "--diagnostics", "List every diagnostic."],
}


def test_help() -> None:
    proc = run("--help", env=dict(os.environ))  # the installed script
    assert proc.returncode == 0
    assert "Usage: contextpack [OPTIONS] COMMAND" in flat(proc.stdout)
    for needle in HELP[None]:
        assert needle in flat(proc.stdout)
    for command in ("index", "symbols", "map", "stats"):  # the same app in-process
        res = CliRunner().invoke(app, [command, "--help"], prog_name="contextpack")
        assert res.exit_code == 0, (command, res.output)
        text = flat(res.stdout)
        assert f"Usage: contextpack {command} [OPTIONS]" in text
        for needle in HELP[command]:
            assert needle in text, (command, needle)
        assert "[index] index_path in .contextpack/config.toml" in text


def test_index_this_project(tmp_path: Path) -> None:
    engine = Engine(PROJECT, index_path=tmp_path / "self.sqlite")
    stats = engine.index()
    assert stats.parsed == stats.scanned > 20
    store = engine.store
    assert [(d.path, d.kind) for d in store.find_definitions("contextpack.store.Store.refresh")] == [
        ("contextpack/store.py", "method")]
    assert [(d.path, d.kind) for d in store.find_definitions("contextpack.scan.scan_repo")] == [
        ("contextpack/scan.py", "function")]
    (cli_main,) = store.find_definitions("contextpack.cli.main")
    assert cli_main.signature == "def main() -> None"
    edges = set(store.import_edges())
    assert ("contextpack/store.py", "contextpack/scan.py") in edges
    assert ("contextpack/engine.py", "contextpack/store.py") in edges
    assert not any(p.path.startswith((".git/", ".venv/")) or "__pycache__" in p.path for p in store.files())
    engine.close()
    proc = run("symbols", "Store.refresh", "--repo", PROJECT, "--index", tmp_path / "self.sqlite",
               env=env_for(tmp_path))
    assert proc.returncode == 0
    assert proc.stdout.startswith("contextpack/store.py:")
    assert "def refresh(self, root: Path" in proc.stdout


def test_main_closes_the_engines_it_opened(indexed, monkeypatch) -> None:
    """The command closes its index connections itself, on success and on a failing command alike, rather
    than leaving them to the interpreter's teardown (which cost a 200k-file no-op index 0.2 s)."""
    import contextpack.cli as cli

    repo, index, _, _ = indexed
    opened: list[Engine] = []
    engine = cli._engine
    monkeypatch.setattr(cli, "_engine", lambda *a: opened.append(engine(*a)) or opened[-1])
    for argv, code in ((["stats"], 0), (["symbols", "NoSuchName"], 1)):
        monkeypatch.setattr(sys, "argv", ["contextpack", *argv, "--repo", str(repo), "--index", str(index)])
        with pytest.raises(SystemExit) as exit_:
            cli.main()
        assert exit_.value.code == code
        assert not cli._opened and opened[-1]._store is None and opened[-1]._probe is None
    assert len(opened) == 2
