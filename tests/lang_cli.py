"""The commands a user runs on a fixture project, in-process through the real Typer app: `contextpack index`
(indexed.cli_index), `contextpack symbols QUERY`, `contextpack pack --task …` (a JSON bundle)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from contextpack.cli import app


def _env(index: Path) -> dict[str, str]:
    return {"CONTEXTPACK_INDEX_DIR": str(index.parent), "CONTEXTPACK_LEDGER": str(index.parent / "ledger.sqlite"),
            "COLUMNS": "250"}


def cli_symbols(repo: Path, index: Path, query: str) -> list[str]:
    """`contextpack symbols QUERY`: its `path:line  kind  qualname` lines (signature lines dropped)."""
    res = CliRunner().invoke(app, ["symbols", query, "--repo", str(repo), "--index", str(index)], env=_env(index))
    assert res.exit_code == 0, (res.output, res.exception)
    return [" ".join(line.split()) for line in res.stdout.splitlines() if line and not line.startswith(" ")]


def cli_pack(repo: Path, index: Path, task: str, budget: int = 4000) -> dict:
    """`contextpack pack --task TASK --budget N` (JSON) as a dict."""
    res = CliRunner().invoke(app, ["pack", "--repo", str(repo), "--index", str(index), "--task", task,
                                   "--budget", str(budget)], env=_env(index))
    assert res.exit_code == 0, (res.output, res.exception)
    return json.loads(res.stdout)


def packed_paths(bundle: dict) -> list[str]:
    return [item["path"] for item in bundle["items"]]
