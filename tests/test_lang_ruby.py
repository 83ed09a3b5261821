"""Ruby: tags query (grammars/ruby.scm) and require / require_relative resolution."""

from __future__ import annotations

from pathlib import Path

import pytest

from contextpack.parse import Import, parse_source
from contextpack.resolve import RepoContext, resolve_import

FILES = {
    "lib/shop.rb": """require "json"
require_relative "shop/cart"
require "shop/version"

# Top-level namespace of the gem.
module Shop
  def self.root
    File.expand_path("..", __dir__)
  end
end
""",
    "lib/shop/version.rb": """module Shop
  VERSION = "1.2.0"
end
""",
    "lib/shop/item.rb": """module Shop
  Item = Struct.new(:name, :price)
end
""",
    "lib/shop/cart.rb": """require "bigdecimal"
require_relative "item"
require_relative "../shop/version"

module Shop
  # Raised when the cart is full.
  class CartFull < StandardError; end

  # A shopping cart.
  class Cart
    # Most items per cart.
    MAX_ITEMS = 50

    attr_reader :items

    def initialize
      @items = []
    end

    # Adds an item, or raises CartFull.
    def add(item)
      raise CartFull if items.size >= MAX_ITEMS
      items << item
    end

    def self.empty
      new
    end

    def total
      items.sum(&:price)
    end
  end

  module Pricing
    def round(value) = value.round(2)
  end

  class Admin::Report; end
end
""",
    "spec/spec_helper.rb": """require "shop"
""",
    "spec/shop/cart_spec.rb": """require "spec_helper"
require_relative "../../lib/shop/cart"

RSpec.describe Shop::Cart do
  it "adds" do
    expect(Shop::Cart.new.add(Shop::Item.new("a", 1)).size).to eq(1)
  end
end
""",
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    for rel, text in FILES.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    return tmp_path


def facts(repo: Path, rel: str):
    return parse_source(rel, "ruby", (repo / rel).read_bytes())


def test_definitions(repo: Path) -> None:
    f = facts(repo, "lib/shop/cart.rb")
    assert f.diagnostics == []
    q = "lib.shop.cart.Shop"
    assert [(d.name, d.kind, d.qualname, d.start_line, d.end_line) for d in f.definitions] == [
        ("Shop", "module", q, 5, 40),
        ("CartFull", "class", f"{q}.CartFull", 7, 7),
        ("Cart", "class", f"{q}.Cart", 10, 33),
        ("MAX_ITEMS", "constant", f"{q}.Cart.MAX_ITEMS", 12, 12),
        ("items", "method", f"{q}.Cart.items", 14, 14),  # attr_reader :items
        ("initialize", "method", f"{q}.Cart.initialize", 16, 18),
        ("add", "method", f"{q}.Cart.add", 21, 24),
        ("empty", "method", f"{q}.Cart.empty", 26, 28),
        ("total", "method", f"{q}.Cart.total", 30, 32),
        ("Pricing", "module", f"{q}.Pricing", 35, 37),
        ("round", "function", f"{q}.Pricing.round", 36, 36),
        ("Report", "class", f"{q}.Admin.Report", 39, 39),
    ]
    by_name = {d.name: d for d in f.definitions}
    assert by_name["Cart"].signature == "class Cart"
    assert by_name["Cart"].doc == "A shopping cart."
    assert by_name["CartFull"].signature == "class CartFull < StandardError; end"  # no body: the line
    assert by_name["CartFull"].doc == "Raised when the cart is full."
    # the first comment of a body is kept outside the body by the grammar
    assert by_name["MAX_ITEMS"].doc == "Most items per cart."
    assert by_name["add"].signature == "def add(item)"
    assert by_name["add"].doc == "Adds an item, or raises CartFull."
    assert by_name["empty"].signature == "def self.empty"

    top = facts(repo, "lib/shop.rb")
    assert [(d.name, d.kind, d.qualname, d.start_line, d.end_line, d.doc) for d in top.definitions] == [
        ("Shop", "module", "lib.shop.Shop", 6, 10, "Top-level namespace of the gem."),
        ("root", "method", "lib.shop.Shop.root", 7, 9, ""),
    ]
    assert [(d.name, d.kind) for d in facts(repo, "lib/shop/item.rb").definitions] == [
        ("Shop", "module"), ("Item", "constant"),
    ]


def test_references(repo: Path) -> None:
    refs = {(r.name, r.line) for r in facts(repo, "lib/shop/cart.rb").references}
    assert {("StandardError", 7), ("CartFull", 22), ("items", 22), ("MAX_ITEMS", 22), ("size", 22),
            ("item", 23), ("new", 27), ("sum", 31), ("Admin", 39)} <= refs
    names = {name for name, _ in refs}
    assert not names & {"Cart", "initialize", "add", "total", "empty", "Pricing", "Report"}
    assert ("round", 36) in refs  # `value.round(2)` calls Float#round, on the line that defines `round`
    spec = {(r.name, r.line) for r in facts(repo, "spec/shop/cart_spec.rb").references}
    assert {("RSpec", 4), ("Shop", 4), ("Cart", 4), ("Item", 6), ("add", 6)} <= spec


def test_imports(repo: Path) -> None:
    assert facts(repo, "lib/shop/cart.rb").imports == [
        Import("bigdecimal", (), 1), Import("./item", (), 2), Import("../shop/version", (), 3),
    ]
    assert facts(repo, "lib/shop.rb").imports == [
        Import("json", (), 1), Import("./shop/cart", (), 2), Import("shop/version", (), 3),
    ]


def test_resolution(repo: Path) -> None:
    ctx = RepoContext.build(FILES, read=lambda p: (repo / p).read_bytes())

    def resolved(path: str) -> list[list[str]]:
        return [resolve_import(path, "ruby", i, ctx) for i in facts(repo, path).imports]

    # require_relative: next to the file (and "../"); require: lib/ on the load path; gems: nothing
    assert resolved("lib/shop/cart.rb") == [[], ["lib/shop/item.rb"], ["lib/shop/version.rb"]]
    assert resolved("lib/shop.rb") == [[], ["lib/shop/cart.rb"], ["lib/shop/version.rb"]]
    assert resolved("spec/spec_helper.rb") == [["lib/shop.rb"]]
    # require "spec_helper": not under lib/ nor at the root, the file ending in spec_helper.rb
    assert resolved("spec/shop/cart_spec.rb") == [["spec/spec_helper.rb"], ["lib/shop/cart.rb"]]
    # a require_relative that leaves the repository resolves to nothing
    assert resolve_import("lib/shop.rb", "ruby", Import("../../outside", (), 1), ctx) == []
