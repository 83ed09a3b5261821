"""Rust: tags query (grammars/rust.scm) and import resolution (`mod x;`, `use crate::…`, `super::`,
`self::`, workspace crates by their Cargo.toml name)."""

from __future__ import annotations

from pathlib import Path

import pytest

from contextpack.parse import Import, parse_source
from contextpack.resolve import RepoContext, resolve_import

FILES = {
    "Cargo.toml": '[workspace]\nmembers = ["crates/*"]\nresolver = "2"\n',
    "crates/core/Cargo.toml": '[package]\nname = "shop-core"\nversion = "0.1.0"\nedition = "2021"\n',
    "crates/core/src/lib.rs": """//! Core of the shop.
pub mod config;
pub mod models;
mod util;

pub use crate::models::{user::User, Role};

/// Crate version.
pub const VERSION: &str = "1.0";
""",
    "crates/core/src/config.rs": """mod defaults;

pub use self::defaults::PORT;

pub struct Config {
    pub port: u16,
}
""",
    "crates/core/src/config/defaults.rs": "pub const PORT: u16 = 8080;\n",
    "crates/core/src/models/mod.rs": """pub mod user;

/// Access level.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Role {
    Admin,
    Member,
}
""",
    "crates/core/src/models/user.rs": """use super::Role;
use crate::util::{slugify, self};
use std::fmt;

/// Something with a display name.
pub trait Named {
    /// The name to show.
    fn name(&self) -> String;
}

/// A registered user.
#[derive(Debug, Clone)]
pub struct User {
    pub id: u64,
    pub login: String,
    pub role: Role,
}

impl User {
    /// Creates a member.
    pub fn new(id: u64, login: &str) -> Self {
        User { id, login: slugify(login), role: Role::Member }
    }
}

impl Named for User {
    fn name(&self) -> String {
        self.login.clone()
    }
}

mod tests {
    fn roundtrip() {}
}
""",
    "crates/core/src/util.rs": """pub fn slugify(s: &str) -> String {
    s.to_lowercase()
}
""",
    "crates/app/Cargo.toml": """[package]
name = "app"
version = "0.1.0"

[dependencies]
shop-core = { path = "../core" }
""",
    "crates/app/src/main.rs": """use shop_core::models::user::User;
use shop_core::{config::Config, VERSION};
use serde::Serialize;

fn main() {
    let u = User::new(1, "Ann");
    println!("{} {}", VERSION, u.login);
}
""",
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    for rel, text in FILES.items():
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return tmp_path


def _facts(repo: Path, rel: str):
    return parse_source(rel, "rust", (repo / rel).read_bytes())


def test_definitions(repo: Path) -> None:
    facts = _facts(repo, "crates/core/src/models/user.rs")
    assert facts.diagnostics == []
    q = "crates.core.src.models.user"
    assert [(d.name, d.kind, d.qualname, d.start_line, d.end_line) for d in facts.definitions] == [
        ("Named", "trait", f"{q}.Named", 5, 9),  # from its `///` doc comment
        ("name", "method", f"{q}.Named.name", 7, 8),  # a trait's fn signature
        ("User", "struct", f"{q}.User", 11, 17),  # from the doc above its #[derive]
        ("id", "variable", f"{q}.User.id", 14, 14),
        ("login", "variable", f"{q}.User.login", 15, 15),
        ("role", "variable", f"{q}.User.role", 16, 16),
        ("User", "impl", f"{q}.User", 19, 24),
        ("new", "method", f"{q}.User.new", 20, 23),
        ("User", "impl", f"{q}.User", 26, 30),  # `impl Named for User` is named after the type
        ("name", "method", f"{q}.User.name", 27, 29),
        ("tests", "module", f"{q}.tests", 32, 34),
        ("roundtrip", "function", f"{q}.tests.roundtrip", 33, 33),
    ]
    user, new = facts.definitions[2], facts.definitions[7]
    assert user.signature == "pub struct User"
    assert user.doc == "A registered user."  # the `///` above the attribute
    assert new.signature == "pub fn new(id: u64, login: &str) -> Self"
    assert new.doc == "Creates a member."
    assert new.parent == f"{q}.User"
    assert facts.definitions[1].doc == "The name to show."

    models = _facts(repo, "crates/core/src/models/mod.rs")  # mod.rs is the module `models`
    assert [(d.name, d.kind, d.qualname, d.start_line, d.end_line) for d in models.definitions] == [
        ("Role", "enum", "crates.core.src.models.Role", 3, 8),
        ("Admin", "constant", "crates.core.src.models.Role.Admin", 6, 6),
        ("Member", "constant", "crates.core.src.models.Role.Member", 7, 7),
    ]
    lib = _facts(repo, "crates/core/src/lib.rs")
    assert [(d.qualname, d.kind, d.signature, d.doc) for d in lib.definitions] == [
        ("crates.core.src.lib.VERSION", "constant", 'pub const VERSION: &str = "1.0";', "Crate version."),
    ]


def test_references(repo: Path) -> None:
    refs = {(r.name, r.line) for r in _facts(repo, "crates/core/src/models/user.rs").references}
    assert {("Role", 1), ("slugify", 2), ("String", 8), ("Debug", 12), ("Role", 16), ("Member", 22),
            ("slugify", 22), ("Named", 26), ("clone", 28), ("login", 28)} <= refs
    assert not {("Named", 6), ("User", 13), ("id", 14), ("new", 21), ("User", 19), ("tests", 32)} & refs


def test_imports(repo: Path) -> None:
    assert _facts(repo, "crates/core/src/lib.rs").imports == [
        Import("config", ("mod",), 2),  # `mod config;` declares a file module
        Import("models", ("mod",), 3),
        Import("util", ("mod",), 4),
        Import("crate::models", ("user::User", "Role"), 6),  # a group: its path, then its items
    ]
    assert _facts(repo, "crates/core/src/models/user.rs").imports == [
        Import("super::Role", ("Role",), 1),
        Import("crate::util", ("slugify", "self"), 2),
        Import("std::fmt", ("fmt",), 3),
    ]
    assert _facts(repo, "crates/core/src/config.rs").imports == [
        Import("defaults", ("mod",), 1),
        Import("self::defaults::PORT", ("PORT",), 3),
    ]


def test_use_forms() -> None:
    source = b"use a::b::C as D;\nuse super::util::*;\nuse crate::{x::{Y, Z}, w};\nextern crate alloc;\n"
    assert parse_source("src/m.rs", "rust", source).imports == [
        Import("a::b::C", ("C",), 1),  # the original name, not the alias
        Import("super::util", ("*",), 2),
        Import("crate", ("x", "w"), 3),  # a nested group contributes its path
        Import("alloc", (), 4),
    ]


def test_resolution(repo: Path) -> None:
    paths = sorted(p.relative_to(repo).as_posix() for p in repo.rglob("*") if p.is_file())
    ctx = RepoContext.build(paths, lambda p: (repo / p).read_bytes())
    assert ctx.rust_crates == {"shop_core": "crates/core/src", "app": "crates/app/src"}

    def resolved(rel: str) -> list[list[str]]:
        return [resolve_import(rel, "rust", i, ctx) for i in _facts(repo, rel).imports]

    src = "crates/core/src"
    assert resolved(f"{src}/lib.rs") == [
        [f"{src}/config.rs"],  # mod config;  → config.rs
        [f"{src}/models/mod.rs"],  # mod models; → models/mod.rs
        [f"{src}/util.rs"],
        [f"{src}/models/mod.rs", f"{src}/models/user.rs"],  # crate::models::{user::User, Role}
    ]
    assert resolved(f"{src}/config.rs") == [
        [f"{src}/config/defaults.rs"],  # `mod defaults;` in config.rs lives in config/
        [f"{src}/config/defaults.rs"],  # self::defaults::PORT
    ]
    assert resolved(f"{src}/models/mod.rs") == [[f"{src}/models/user.rs"]]
    assert resolved(f"{src}/models/user.rs") == [
        [f"{src}/models/mod.rs"],  # super::Role: the parent module's file
        [f"{src}/util.rs"],  # crate::util::{slugify, self}
        [],  # std
    ]
    assert resolved("crates/app/src/main.rs") == [
        [f"{src}/models/user.rs"],  # another crate of the workspace, by its Cargo.toml name
        [f"{src}/config.rs", f"{src}/lib.rs"],  # shop_core::{config::Config, VERSION}: VERSION is in lib.rs
        [],  # serde: external
    ]
    assert resolve_import(f"{src}/util.rs", "rust", Import("crate::models::user::User::new", (), 1), ctx) == [
        f"{src}/models/user.rs"]  # the longest prefix that is a module
    assert resolve_import(f"{src}/lib.rs", "rust", Import("missing", ("mod",), 1), ctx) == []
