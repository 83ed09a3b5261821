"""Rust: a definition's `///` doc comment is in its lines (as a Python docstring is), and its signature is
found under `#[…]` attributes however long, through `contextpack symbols` and `contextpack pack`.

Measured on ripgrep and fd commits (benchmarks/commit_retrieval.py): edits of a doc, or items inserted
just above one, fell outside the definition the bundle showed; and fd's `struct Opts`, under a 12-line
`#[command(…)]`, was shown as `#[derive(Parser)]` alone, without the attribute's help text or the struct."""

from __future__ import annotations

import json

import pytest
from conftest import call_main, check_bundle, file_lines, line_of, write
from lang_cli import symbols

from contextpack.bundle import Bundle

pytestmark = pytest.mark.usefixtures("isolated_index")

CARGO = '[package]\nname = "cache"\nversion = "0.1.0"\nedition = "2021"\n'
METHODS = ["insert", "get", "evict", "resize", "clear", "len", "touch", "keys", "drain", "shrink"]


def _method(name: str) -> str:
    return f"""
    /// Handles `{name}` for the cache: walks the slots in order, keeps the invariant that every key
    /// appears once, and reports what changed to the caller through the returned count.
    #[inline]
    pub fn {name}(&mut self, key: u64) -> usize {{
        let mut changed = 0;
        for slot in self.slots.iter_mut() {{
            if slot.key == key {{
                slot.hits += 1;
                changed += 1;
            }}
        }}
        changed
    }}
"""


def _store() -> str:
    return ("//! The slot store.\n"
            "/// One slot of the cache.\npub struct Slot {\n    pub key: u64,\n    pub hits: u32,\n}\n\n"
            "/// The cache.\npub struct Store {\n    slots: Vec<Slot>,\n}\n\nimpl Store {"
            + "".join(_method(m) for m in METHODS) + "}\n")


@pytest.fixture
def crate(tmp_path):
    root = tmp_path / "cache"
    write(root, "Cargo.toml", CARGO, dedent=False)
    write(root, "src/lib.rs", "pub mod store;\n\npub use crate::store::Store;\n", dedent=False)
    write(root, "src/store.rs", _store(), dedent=False)
    return root


def _pack(monkeypatch, capsys, root, task: str, budget: int) -> Bundle:
    out = call_main(monkeypatch, capsys, ["pack", "--repo", root, "--budget", str(budget), "--task", task])
    assert out.returncode == 0, out.stderr
    bundle = Bundle.model_validate(json.loads(out.stdout))
    check_bundle(bundle, root)
    return bundle


def _shown(bundle: Bundle, path: str) -> set[int]:
    item = next(i for i in bundle.items if i.path == path)
    return {n for a, b in item.ranges for n in range(a, b + 1)}


def test_a_method_starts_at_its_doc_comment(crate, tmp_path):
    store = crate / "src/store.rs"
    hits = symbols(crate, tmp_path / "index.sqlite", "evict")
    assert hits == [(f"src/store.rs:{line_of(store, 'Handles `evict`')}", "method", "src.store.Store.evict")]
    # a `//!` above the first item is the module's doc, not the item's
    slot = symbols(crate, tmp_path / "index.sqlite", "Slot")
    assert slot == [(f"src/store.rs:{line_of(store, '/// One slot')}", "struct", "src.store.Slot")]


def test_the_bundle_shows_a_method_with_its_doc_and_not_the_other_methods_docs(crate, monkeypatch, capsys):
    store = crate / "src/store.rs"
    bundle = _pack(monkeypatch, capsys, crate, "`Store::evict` drops the wrong slot when the cache is full", 300)
    shown = _shown(bundle, "src/store.rs")
    doc, fn = line_of(store, "Handles `evict`"), line_of(store, "pub fn evict")
    assert set(range(doc, fn + 1)) <= shown  # the doc, the attribute and the signature, together
    others = {line_of(store, f"Handles `{m}`") for m in METHODS if m != "evict"}
    assert not others & shown  # the impl's own lines no longer carry every method's doc
    assert line_of(store, "impl Store {") in shown and len(shown) < len(file_lines(store)) // 4


OPTIONS = ["hidden", "no_ignore", "follow", "full_path", "max_depth", "min_depth", "exclude", "color",
           "threads", "size", "owner", "format", "extension", "file_type", "max_results", "quiet",
           "base_directory", "pattern", "path_separator", "prune", "one_file_system", "hyperlink"]
ABOUT = "A program to find entries in your filesystem"


def _opts() -> str:
    """fd's `src/cli.rs` layout: a `#[command(…)]` longer than a signature is searched for, over the fields."""
    fields = "".join(f"""
    /// Sets the {n.replace('_', '-')} behaviour for this search; see the manual for details.
    #[arg(long, value_name = "value", help = "The {n.replace('_', '-')} setting")]
    pub {n}: Option<String>,
""" for n in OPTIONS)
    command = ("#[command(\n    name = \"finder\",\n    version,\n    about = \"" + ABOUT + "\",\n"
               "    after_long_help = \"Bugs can be reported on the tracker.\",\n    max_term_width = 98,\n"
               "    args_override_self = true,\n    group(ArgGroup::new(\"execs\")\n"
               "        .args(&[\"exec\", \"exec_batch\"])\n"
               "        .conflicts_with_all(&[\"list_details\"])),\n    disable_help_flag = true,\n)]\n")
    return "use clap::{ArgGroup, Parser};\n\n#[derive(Parser)]\n" + command + "pub struct Opts {" + fields + "}\n"


def test_a_struct_signature_under_a_long_attribute_is_shown_with_the_attribute(tmp_path, monkeypatch, capsys):
    root = tmp_path / "finder"
    write(root, "Cargo.toml", CARGO.replace("cache", "finder"), dedent=False)
    write(root, "src/cli.rs", _opts(), dedent=False)
    write(root, "src/main.rs", "mod cli;\n\nfn main() {\n    let _ = cli::Opts::parse();\n}\n", dedent=False)
    bundle = _pack(monkeypatch, capsys, root, "Add a short option -b to the base-directory option", 600)
    cli = root / "src/cli.rs"
    shown = _shown(bundle, "src/cli.rs")
    assert line_of(cli, "pub base_directory") in shown  # the window the task points at
    # under the struct's header: its attributes, the about text among them, down to `pub struct Opts {`
    assert set(range(line_of(cli, "#[derive(Parser)]"), line_of(cli, "pub struct Opts") + 1)) <= shown
    assert line_of(cli, ABOUT) in shown
