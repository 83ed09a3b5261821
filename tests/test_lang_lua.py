"""Lua: tags query (grammars/lua.scm) and `require` resolution (a/b.lua, a/b/init.lua under the root, lua/, src/,
lib/), on a Neovim-plugin-style rock indexed with `contextpack index`."""

from __future__ import annotations

from pathlib import Path

import pytest
from indexed import cli_index, edges_from, write_files
from lang_cli import pack_paths, symbols

from contextpack.store import Store

FILES = {
    "shop-1.0-1.rockspec": 'package = "shop"\nversion = "1.0-1"\n',
    "lua/shop/init.lua": """local cart = require("shop.cart")
local util = require "shop.util"
local json = require("cjson")

local M = {}

--- Opens the shop with options.
function M.setup(opts)
  M.opts = util.merge({}, opts)
end

function M:reset()
  self.opts = {}
end

M.new_cart = function()
  return cart.new()
end

return M
""",
    "lua/shop/cart.lua": """local util = require('shop.util')

local Cart = {}
Cart.__index = Cart

--- A new, empty cart.
function Cart.new()
  return setmetatable({ items = {} }, Cart)
end

function Cart:add(item)
  table.insert(self.items, item)
end

local function sum(items)
  local total = 0
  for _, item in ipairs(items) do
    total = total + item.cents
  end
  return total
end

function Cart:total()
  return util.round(sum(self.items))
end

local hooks = {
  on_add = function(item) end,
}

return Cart
""",
    "lua/shop/util/init.lua": """local M = {}

function M.merge(a, b)
  return vim.tbl_extend("force", a, b)
end

function M.round(x)
  return math.floor(x + 0.5)
end

function global_helper() end

return M
""",
    "tests/cart_spec.lua": """local Cart = require("shop.cart")

describe("cart", function()
  it("adds", function()
    Cart.new():add({ cents = 1 })
  end)
end)
""",
}


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Store]:
    tmp = tmp_path_factory.mktemp("lua")
    repo = write_files(tmp / "repo", FILES)
    return repo, tmp / "index" / "index.sqlite", cli_index(repo, tmp / "index" / "index.sqlite")


def test_definitions(indexed: tuple[Path, Path, Store]) -> None:
    _, _, store = indexed
    q = "lua.shop.cart"
    assert [(d.name, d.kind, d.qualname, d.start_line, d.end_line)
            for d in store.definitions("lua/shop/cart.lua")] == [
        ("new", "function", f"{q}.Cart.new", 7, 9),
        ("add", "method", f"{q}.Cart.add", 11, 13),
        ("sum", "function", f"{q}.sum", 15, 21),
        ("total", "method", f"{q}.Cart.total", 23, 25),
        ("on_add", "function", f"{q}.on_add", 28, 28),  # a table field holding a function
    ]
    by_name = {d.name: d for d in store.definitions("lua/shop/cart.lua")}
    assert by_name["new"].doc == "A new, empty cart."
    assert by_name["add"].signature == "function Cart:add(item)"
    assert [(d.name, d.kind, d.start_line) for d in store.definitions("lua/shop/init.lua")] == [
        ("setup", "function", 8), ("reset", "method", 12), ("new_cart", "function", 16)]
    assert [d.name for d in store.definitions("lua/shop/util/init.lua")] == ["merge", "round", "global_helper"]


def test_requires_resolve_through_index(indexed: tuple[Path, Path, Store]) -> None:
    _, _, store = indexed
    # shop.cart → lua/shop/cart.lua; shop.util → lua/shop/util/init.lua; cjson (a rock): nothing
    assert edges_from(store, "lua/shop/init.lua") == ["lua/shop/cart.lua", "lua/shop/util/init.lua"]
    assert edges_from(store, "lua/shop/cart.lua") == ["lua/shop/util/init.lua"]
    assert edges_from(store, "tests/cart_spec.lua") == ["lua/shop/cart.lua"]


def test_symbols_and_pack(indexed: tuple[Path, Path, Store]) -> None:
    repo, index, _ = indexed
    assert symbols(repo, index, "Cart.total") == [
        ("lua/shop/cart.lua:23", "method", "lua.shop.cart.Cart.total")]
    assert pack_paths(
        repo, index, "fix: Cart:total rounds the sum of the items wrongly")[0] == "lua/shop/cart.lua"
