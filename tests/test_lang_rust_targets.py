"""Rust crate roots come from Cargo.toml: `[lib] path`, `[[bin]] path`, the automatic binaries under
src/bin/, and workspace members wherever they live, so `use crate::…` resolves within the target the file
belongs to. Checked through `contextpack index`."""

from __future__ import annotations

import pytest
from indexed import cli_index, edges_from, write_files

REPO = {
    "Cargo.toml": '[package]\nname = "shop"\nversion = "0.1.0"\n\n[lib]\npath = "lib.rs"\n\n'
                  '[[test]]\nname = "integration"\npath = "tests/tests.rs"\n\n'
                  '[workspace]\nmembers = ["crates/*", "tools/cli"]\n',
    # one integration-test crate gathering its modules
    "tests/tests.rs": "mod cart_test;\nmod util;\n",
    "tests/cart_test.rs": "use crate::util::fixture;\nuse shop::cart::Cart;\n",
    "tests/util.rs": "pub fn fixture() {}\n",
    "lib.rs": "pub mod cart;\npub mod price;\n",
    "cart.rs": "use crate::price::Price;\n\npub struct Cart { pub total: Price }\n",
    "price.rs": "pub struct Price(pub u64);\n",
    # an automatic binary with its own modules: crate:: is the binary's root, not the library's
    "src/bin/admin/main.rs": "mod args;\nuse crate::args::Args;\nuse shop::cart::Cart;\n\nfn main() {}\n",
    "src/bin/admin/args.rs": "pub struct Args;\n",
    "crates/core/Cargo.toml": '[package]\nname = "shop-core"\nversion = "0.1.0"\n',
    "crates/core/src/lib.rs": "pub mod money;\npub mod tax;\n",
    "crates/core/src/money.rs": "use crate::tax::Rate;\n\npub struct Money(pub i64, pub Rate);\n",
    "crates/core/src/tax.rs": "pub struct Rate(pub u8);\n",
    # a workspace member outside src/ whose binary's root file is named in [[bin]]
    "tools/cli/Cargo.toml": '[package]\nname = "shop-cli"\nversion = "0.1.0"\n\n'
                            '[[bin]]\nname = "shop"\npath = "entry.rs"\n',
    "tools/cli/entry.rs": "mod commands;\nmod output;\nuse crate::commands::run;\nuse shop_core::money::Money;\n\n"
                          "fn main() { run(); }\n",
    "tools/cli/commands.rs": "use crate::output::print;\n\npub fn run() { print(); }\n",
    "tools/cli/output.rs": "pub fn print() {}\n",
}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("rust-targets")
    return cli_index(write_files(tmp / "repo", REPO), tmp / "index.sqlite")


def test_lib_path_at_the_package_root(store) -> None:
    assert edges_from(store, "cart.rs") == ["price.rs"]
    assert edges_from(store, "lib.rs") == ["cart.rs", "price.rs"]


def test_automatic_binary_has_its_own_crate_root(store) -> None:
    assert edges_from(store, "src/bin/admin/main.rs") == ["cart.rs", "src/bin/admin/args.rs"]


def test_bin_path_of_a_member_outside_src(store) -> None:
    assert edges_from(store, "tools/cli/commands.rs") == ["tools/cli/output.rs"]
    assert edges_from(store, "tools/cli/entry.rs") == [
        "crates/core/src/money.rs", "tools/cli/commands.rs", "tools/cli/output.rs"]


def test_declared_test_target(store) -> None:
    assert edges_from(store, "tests/cart_test.rs") == ["cart.rs", "tests/util.rs"]


def test_member_library_in_src(store) -> None:
    assert edges_from(store, "crates/core/src/money.rs") == ["crates/core/src/tax.rs"]
