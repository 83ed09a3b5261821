"""Rust: `use super::…` inside an inline `mod tests { … }` names the file's own module, not its parent
(benchmarks/definition_recall.py on ripgrep: gitignore.rs's tests were wired to lib.rs)."""

from __future__ import annotations

from pathlib import Path

from indexed import cli_index, edges_from, write_files

FILES = {
    "Cargo.toml": '[package]\nname = "ignore"\nversion = "0.1.0"\n',
    "src/lib.rs": "mod gitignore;\nmod walk;\n\npub use crate::gitignore::Gitignore;\n",
    "src/gitignore.rs": """use crate::walk::Walk;

pub struct Gitignore;

#[cfg(test)]
mod tests {
    use super::Gitignore;
    use super::super::walk::Walk;

    mod deeper {
        use super::super::Gitignore;
    }
}
""",
    "src/walk.rs": "pub struct Walk;\n",
}


def test_super_inside_an_inline_module(tmp_path: Path) -> None:
    store = cli_index(write_files(tmp_path / "repo", FILES), tmp_path / "index.sqlite")
    imports = {(i.module, i.line) for i in store.imports("src/gitignore.rs")}
    assert {("crate::walk::Walk", 1), ("self::Gitignore", 7), ("super::walk::Walk", 8),
            ("self::Gitignore", 11)} <= imports, imports
    # the tests' imports name gitignore.rs itself and walk.rs, never lib.rs
    assert edges_from(store, "src/gitignore.rs") == ["src/walk.rs"]
