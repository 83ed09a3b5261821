"""Zig through `contextpack index`: tags query (grammars/zig.scm), `@import("x.zig")` relative to the file
and `@import("name")` of a module build.zig declares."""

from __future__ import annotations

from pathlib import Path

from indexed import cli_index, edges_from, write_files
from lang_cli import pack_paths, symbols

FILES = {
    "build.zig": """const std = @import("std");

pub fn build(b: *std.Build) void {
    const target = b.standardTargetOptions(.{});
    const store_module = b.addModule("store", .{
        .root_source_file = b.path("src/store/root.zig"),
        .target = target,
    });
    const exe = b.addExecutable(.{
        .name = "shop",
        .root_module = b.createModule(.{
            .root_source_file = b.path("src/main.zig"),
            .target = target,
            .imports = &.{
                .{ .name = "store", .module = store_module },
            },
        }),
    });
    b.installArtifact(exe);
}
""",
    "build.zig.zon": ".{ .name = .shop, .version = \"0.1.0\" }\n",
    "src/main.zig": """const std = @import("std");
const store = @import("store");
const money = @import("util/money.zig");

pub fn main() !void {
    var inv = store.Inventory.init();
    std.debug.print("{d}\\n", .{money.cents(inv.total())});
}
""",
    "src/util/money.zig": """/// Cents in a dollar.
pub const per_dollar: u32 = 100;

pub fn cents(dollars: u32) u32 {
    return dollars * per_dollar;
}
""",
    "src/store/root.zig": """const item = @import("item.zig");
pub const Item = item.Item;

/// Items on hand.
pub const Inventory = struct {
    items: [8]Item = undefined,
    count: usize = 0,

    pub fn init() Inventory {
        return .{};
    }

    pub fn total(self: *const Inventory) u32 {
        var sum: u32 = 0;
        for (self.items[0..self.count]) |it| sum += it.price;
        return sum;
    }
};

pub const Kind = enum { book, food };
pub const StoreError = error{ Full, Missing };
pub var instances: usize = 0;

test "empty inventory totals zero" {
    try @import("std").testing.expect(Inventory.init().total() == 0);
}
""",
    "src/store/item.zig": "pub const Item = struct { name: []const u8, price: u32 };\n",
}


def test_definitions_and_imports(tmp_path: Path) -> None:
    repo = write_files(tmp_path / "repo", FILES)
    store = cli_index(repo, tmp_path / "index.sqlite")
    defs = store.definitions("src/store/root.zig")
    assert [(d.name, d.kind, d.qualname, d.start_line, d.end_line) for d in defs] == [
        ("Item", "constant", "src.store.root.Item", 2, 2),
        ("Inventory", "struct", "src.store.root.Inventory", 5, 18),
        ("items", "variable", "src.store.root.Inventory.items", 6, 6),
        ("count", "variable", "src.store.root.Inventory.count", 7, 7),
        ("init", "method", "src.store.root.Inventory.init", 9, 11),
        ("total", "method", "src.store.root.Inventory.total", 13, 17),
        ("Kind", "enum", "src.store.root.Kind", 20, 20),
        ("book", "variable", "src.store.root.Kind.book", 20, 20),
        ("food", "variable", "src.store.root.Kind.food", 20, 20),
        ("StoreError", "type", "src.store.root.StoreError", 21, 21),
        ("instances", "variable", "src.store.root.instances", 22, 22),
    ]
    by_name = {d.name: d for d in store.definitions("src/store/root.zig")}
    assert by_name["Inventory"].doc == "Items on hand."
    assert by_name["total"].signature == "pub fn total(self: *const Inventory) u32"
    # `const item = @import("item.zig")` is an import, not a constant
    assert "item" not in by_name
    assert [i.module for i in store.imports("src/main.zig")] == ["std", "store", "util/money.zig"]
    assert edges_from(store, "src/main.zig") == ["src/store/root.zig", "src/util/money.zig"]
    assert edges_from(store, "src/store/root.zig") == ["src/store/item.zig"]


def test_module_name_needs_build_zig(tmp_path: Path) -> None:
    """`@import("store")` names a module only build.zig declares: without it, no edge (never a guess)."""
    repo = write_files(tmp_path / "repo", {k: v for k, v in FILES.items() if k != "build.zig"})
    store = cli_index(repo, tmp_path / "index.sqlite")
    assert edges_from(store, "src/main.zig") == ["src/util/money.zig"]


def test_symbols_and_pack(tmp_path: Path) -> None:
    repo = write_files(tmp_path / "repo", FILES)
    index = tmp_path / "index.sqlite"
    cli_index(repo, index).close()
    assert symbols(repo, index, "Inventory.total") == [
        ("src/store/root.zig:13", "method", "src.store.root.Inventory.total")]
    assert pack_paths(repo, index, "Inventory.total overflows when the inventory is full")[0] == "src/store/root.zig"
