"""Indexing a fixture repository the way a user does: the real `contextpack index` command (Typer's
CliRunner on the installed app), then reading the result through `Store`."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from contextpack.cli import app
from contextpack.store import Store


def write_files(root: Path, files: dict[str, str | bytes]) -> Path:
    """Each relative path with its text (UTF-8) or bytes, parent directories made."""
    for rel, content in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    return root


def cli_index(repo: Path, index: Path) -> Store:
    """Run `contextpack index --repo REPO --index INDEX` and open the index it wrote."""
    res = CliRunner().invoke(app, ["index", "--quiet", "--repo", str(repo), "--index", str(index)],
                             env={"CONTEXTPACK_INDEX_DIR": str(index.parent)})
    assert res.exit_code == 0, (res.output, res.exception)
    return Store.open(index)


def edges_from(store: Store, path: str) -> list[str]:
    """The repository files `path` imports, as the index resolved them."""
    return [t for src, t in store.import_edges() if src == path]
