"""JavaScript: tags query (grammars/javascript.scm) and import resolution (jsconfig paths, index files)."""

from __future__ import annotations

from pathlib import Path

import pytest

from contextpack.parse import Import, parse_source
from contextpack.resolve import RepoContext, resolve_import

FILES = {
    "package.json": '{"name": "shop", "private": true}\n',
    "jsconfig.json": """{
  // aliases used by the app
  "compilerOptions": {
    "baseUrl": ".",
    "paths": { "@lib/*": ["src/lib/*"], },
  },
}
""",
    "src/lib/cart.js": """// Shopping cart model.
import { formatPrice } from "./format";
import * as lodash from "lodash";

export const MAX_ITEMS = 50;

/**
 * A cart of items.
 */
export class Cart {
  items = [];

  /** Adds an item. */
  add(item) {
    if (this.items.length >= MAX_ITEMS) {
      throw new Error("full");
    }
    this.items.push(item);
  }

  total() {
    const sum = (acc, item) => acc + item.price;
    return formatPrice(this.items.reduce(sum, 0));
  }
}

export default Cart;
""",
    "src/lib/format.js": """const CURRENCY = "EUR";

export function formatPrice(value) {
  return `${value.toFixed(2)} ${CURRENCY}`;
}

module.exports.parsePrice = function (text) {
  return parseFloat(text);
};
""",
    "src/lib/index.js": """export { Cart } from "./cart";
export * from "./format";
""",
    "src/api.js": """export async function fetchCart(id) {
  return fetch(`/carts/${id}`);
}
""",
    "src/app.mjs": """import Cart, { MAX_ITEMS as LIMIT } from "@lib/cart";
import { formatPrice } from "./lib";
import { fetchCart } from "src/api";
const fs = require("fs");

let counter = 0;

export const start = async (id) => {
  counter += 1;
  const cart = new Cart(await fetchCart(id));
  return formatPrice(LIMIT) + fs.sep;
};
""",
    "src/legacy.cjs": """const { Cart } = require("./lib/cart.js");
const helpers = require("./lib");

function load(name) {
  return import("./lib/" + name);
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
    return parse_source(rel, "javascript", (repo / rel).read_bytes())


def _rows(facts):
    return [(d.name, d.kind, d.qualname, d.start_line, d.end_line) for d in facts.definitions]


def test_definitions_class_method_field_nested_arrow(repo: Path) -> None:
    facts = _facts(repo, "src/lib/cart.js")
    assert facts.diagnostics == []
    assert _rows(facts) == [
        ("MAX_ITEMS", "constant", "src.lib.cart.MAX_ITEMS", 5, 5),
        ("Cart", "class", "src.lib.cart.Cart", 10, 25),  # from `export class`, after its JSDoc
        ("items", "variable", "src.lib.cart.Cart.items", 11, 11),
        ("add", "method", "src.lib.cart.Cart.add", 14, 19),
        ("total", "method", "src.lib.cart.Cart.total", 21, 24),
        ("sum", "function", "src.lib.cart.Cart.total.sum", 22, 22),
    ]
    by_name = {d.name: d for d in facts.definitions}
    assert by_name["Cart"].doc == "A cart of items."
    assert by_name["Cart"].signature == "class Cart"
    assert by_name["add"].doc == "Adds an item."
    assert by_name["add"].signature == "add(item)"
    assert by_name["add"].parent == "src.lib.cart.Cart"
    assert by_name["total"].doc == ""


def test_definitions_functions_exports_and_bindings(repo: Path) -> None:
    assert _rows(_facts(repo, "src/lib/format.js")) == [
        ("CURRENCY", "constant", "src.lib.format.CURRENCY", 1, 1),
        ("formatPrice", "function", "src.lib.format.formatPrice", 3, 5),
        ("parsePrice", "function", "src.lib.format.parsePrice", 7, 9),  # module.exports.parsePrice = function
    ]
    app = _facts(repo, "src/app.mjs")
    assert _rows(app) == [
        ("fs", "constant", "src.app.fs", 4, 4),
        ("counter", "variable", "src.app.counter", 6, 6),
        ("start", "function", "src.app.start", 8, 12),  # the local `const cart` inside it is no definition
    ]
    assert app.definitions[2].signature == "start = async (id) =>"


def test_references(repo: Path) -> None:
    facts = _facts(repo, "src/lib/cart.js")
    refs = {(r.name, r.line) for r in facts.references}
    assert {("MAX_ITEMS", 15), ("items", 15), ("length", 15), ("Error", 16), ("push", 18),
            ("formatPrice", 23), ("reduce", 23), ("sum", 23), ("Cart", 27)} <= refs
    # a definition's own name is not a use of it
    assert not {("MAX_ITEMS", 5), ("Cart", 10), ("items", 11), ("add", 14), ("sum", 22)} & refs


def test_imports(repo: Path) -> None:
    assert _facts(repo, "src/app.mjs").imports == [
        Import("@lib/cart", ("Cart", "MAX_ITEMS"), 1),  # default binding; `MAX_ITEMS as LIMIT` by its name
        Import("./lib", ("formatPrice",), 2),
        Import("src/api", ("fetchCart",), 3),
        Import("fs", ("fs",), 4),  # require()
    ]
    assert _facts(repo, "src/lib/cart.js").imports == [
        Import("./format", ("formatPrice",), 2),
        Import("lodash", ("lodash",), 3),  # namespace import: its binding
    ]
    assert _facts(repo, "src/lib/index.js").imports == [
        Import("./cart", ("Cart",), 1),  # export … from
        Import("./format", ("*",), 2),
    ]
    # destructured require; a dynamic import() of a computed path is no import
    assert _facts(repo, "src/legacy.cjs").imports == [
        Import("./lib/cart.js", ("Cart",), 1),
        Import("./lib", ("helpers",), 2),
    ]


def test_resolution(repo: Path) -> None:
    paths = sorted(p.relative_to(repo).as_posix() for p in repo.rglob("*") if p.is_file())
    ctx = RepoContext.build(paths, lambda p: (repo / p).read_bytes())

    def resolve(path: str, module: str) -> list[str]:
        return resolve_import(path, "javascript", Import(module, (), 1), ctx)

    assert resolve("src/app.mjs", "@lib/cart") == ["src/lib/cart.js"]  # jsconfig paths alias
    assert resolve("src/app.mjs", "./lib") == ["src/lib/index.js"]  # directory index
    assert resolve("src/app.mjs", "src/api") == ["src/api.js"]  # baseUrl
    assert resolve("src/lib/cart.js", "./format") == ["src/lib/format.js"]  # extension probing
    assert resolve("src/legacy.cjs", "./lib/cart.js") == ["src/lib/cart.js"]  # as written
    assert resolve("src/lib/index.js", "../api") == ["src/api.js"]
    assert resolve("src/app.mjs", "fs") == []
    assert resolve("src/lib/cart.js", "lodash") == []
    assert resolve("src/lib/cart.js", "./missing") == []
    assert resolve("src/app.mjs", "../../outside") == []
    # every import of the fixture, resolved from its parsed form
    facts = _facts(repo, "src/app.mjs")
    assert [resolve_import("src/app.mjs", "javascript", i, ctx) for i in facts.imports] == [
        ["src/lib/cart.js"], ["src/lib/index.js"], ["src/api.js"], [],
    ]
