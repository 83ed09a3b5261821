"""Dart through `contextpack index`: tags query (grammars/dart.scm, tree-sitter-dart-orchard), and
`package:NAME/x.dart` resolved to lib/x.dart of the pubspec.yaml package NAME, relative URIs beside the
file."""

from __future__ import annotations

from pathlib import Path

from indexed import cli_index, edges_from, write_files
from lang_cli import pack_paths, symbols

FILES = {
    "pubspec.yaml": "name: shop\nversion: 1.0.0\nenvironment:\n  sdk: ^3.4.0\ndependencies:\n  http: ^1.2.0\n",
    "lib/shop.dart": "library;\n\nexport 'src/cart.dart';\nexport 'src/item.dart' show Item;\n",
    "lib/src/item.dart": """/// A product.
class Item {
  final String name;
  final int price;
  const Item(this.name, this.price);
}
""",
    "lib/src/cart.dart": """import 'dart:math' as math;

import 'package:http/http.dart' as http;
import 'package:shop/src/item.dart';

import 'pricing.dart';

part 'cart.g.dart';

/// Items being bought.
class Cart with Discounts implements Comparable<Cart> {
  final List<Item> items = [];
  static const int maxItems = 50;

  Cart();
  Cart.fromItems(List<Item> items) {
    this.items.addAll(items);
  }

  int get total => items.fold(0, (sum, i) => sum + i.price);

  void add(Item item) {
    if (items.length >= maxItems) throw StateError('full');
    items.add(item);
  }

  @override
  int compareTo(Cart other) => math.max(total, other.total);
}

enum Currency { usd, eur }

typedef PriceRule = int Function(int);

int roundCents(int cents) => cents;
""",
    "lib/src/pricing.dart": "mixin Discounts {\n  int discount(int total) => total ~/ 10;\n}\n",
    "lib/src/cart.g.dart": "part of 'cart.dart';\n",
    "test/cart_test.dart": """import 'package:shop/shop.dart';
import 'package:test/test.dart';

void main() {
  test('adds', () => Cart().add(const Item('a', 1)));
}
""",
}


def test_definitions_and_imports(tmp_path: Path) -> None:
    repo = write_files(tmp_path / "repo", FILES)
    store = cli_index(repo, tmp_path / "index.sqlite")
    assert [(d.name, d.kind, d.qualname, d.start_line, d.end_line) for d in store.definitions("lib/src/cart.dart")] == [
        ("Cart", "class", "lib.src.cart.Cart", 11, 29),
        ("items", "variable", "lib.src.cart.Cart.items", 12, 12),
        ("maxItems", "variable", "lib.src.cart.Cart.maxItems", 13, 13),
        ("Cart", "method", "lib.src.cart.Cart.Cart", 15, 15),
        ("fromItems", "method", "lib.src.cart.Cart.fromItems", 16, 18),
        ("total", "method", "lib.src.cart.Cart.total", 20, 20),
        ("add", "method", "lib.src.cart.Cart.add", 22, 25),
        ("compareTo", "method", "lib.src.cart.Cart.compareTo", 28, 28),
        ("Currency", "enum", "lib.src.cart.Currency", 31, 31),
        ("usd", "constant", "lib.src.cart.Currency.usd", 31, 31),
        ("eur", "constant", "lib.src.cart.Currency.eur", 31, 31),
        ("PriceRule", "type", "lib.src.cart.PriceRule", 33, 33),
        ("roundCents", "function", "lib.src.cart.roundCents", 35, 35),
    ]
    by_qual = {d.qualname: d for d in store.definitions("lib/src/cart.dart")}
    assert by_qual["lib.src.cart.Cart"].doc == "Items being bought."
    assert by_qual["lib.src.cart.Cart.add"].signature == "void add(Item item)"
    assert [(d.name, d.kind) for d in store.definitions("lib/src/pricing.dart")] == [
        ("Discounts", "trait"), ("discount", "method")]
    assert [i.module for i in store.imports("lib/src/cart.dart")] == [
        "dart:math", "package:http/http.dart", "package:shop/src/item.dart", "pricing.dart", "cart.g.dart"]
    assert edges_from(store, "lib/src/cart.dart") == ["lib/src/cart.g.dart", "lib/src/item.dart",
                                                      "lib/src/pricing.dart"]
    assert edges_from(store, "lib/shop.dart") == ["lib/src/cart.dart", "lib/src/item.dart"]
    assert edges_from(store, "test/cart_test.dart") == ["lib/shop.dart"]


def test_package_uri_needs_pubspec(tmp_path: Path) -> None:
    """`package:shop/…` means the package named in pubspec.yaml: renamed, the URI names another package."""
    files = {**FILES, "pubspec.yaml": "name: storefront\n"}
    repo = write_files(tmp_path / "repo", files)
    store = cli_index(repo, tmp_path / "index.sqlite")
    assert edges_from(store, "test/cart_test.dart") == []
    assert edges_from(store, "lib/src/cart.dart") == ["lib/src/cart.g.dart", "lib/src/pricing.dart"]


def test_pubspec_edit_re_resolves(tmp_path: Path) -> None:
    """pubspec.yaml is read in a real index run, and an edit to it re-resolves every import."""
    repo = write_files(tmp_path / "repo", FILES)
    index = tmp_path / "index.sqlite"
    assert edges_from(cli_index(repo, index), "test/cart_test.dart") == ["lib/shop.dart"]
    (repo / "pubspec.yaml").write_text("name: storefront\n", encoding="utf-8")
    assert edges_from(cli_index(repo, index), "test/cart_test.dart") == []


def test_symbols_and_pack(tmp_path: Path) -> None:
    repo = write_files(tmp_path / "repo", FILES)
    index = tmp_path / "index.sqlite"
    cli_index(repo, index).close()
    assert symbols(repo, index, "Cart.add") == [("lib/src/cart.dart:22", "method", "lib.src.cart.Cart.add")]
    assert pack_paths(repo, index, "Cart.add should reject items past maxItems")[0] == "lib/src/cart.dart"
