"""The user's path for the language tests: `contextpack index`, then `contextpack symbols` and
`contextpack pack`, each the real Typer command on a fixture repository (in-process, through CliRunner)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from contextpack.cli import app


def _run(args: list[str], index: Path) -> tuple[int, str]:
    res = CliRunner().invoke(app, args, env={"CONTEXTPACK_INDEX_DIR": str(index.parent),
                                             "CONTEXTPACK_BUNDLE_DIR": str(index.parent / "bundles")})
    return res.exit_code, res.output


def symbols(repo: Path, index: Path, query: str) -> list[tuple[str, str, str]]:
    """`contextpack symbols QUERY`: (path:line, kind, qualified name) of each definition found."""
    code, out = _run(["symbols", query, "--repo", str(repo), "--index", str(index)], index)
    assert code in (0, 1), out
    rows = []
    for line in out.splitlines():
        if not line.startswith(" ") and line.strip():
            where, kind, qual = line.split()
            rows.append((where, kind, qual))
    return rows


def pack_paths(repo: Path, index: Path, task: str, budget: int = 4000) -> list[str]:
    """`contextpack pack --task TASK --format json`: the paths of the bundle's items, in bundle order."""
    code, out = _run(["pack", "--repo", str(repo), "--index", str(index), "--no-server", "--task", task,
                      "--budget", str(budget), "--format", "json"], index)
    assert code == 0, out
    return list(dict.fromkeys(item["path"] for item in json.loads(out)["items"]))
