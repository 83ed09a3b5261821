"""Scala: tags query (grammars/scala.scm), import clauses, and import resolution (package declarations →
files), on an sbt project indexed with `contextpack index`."""

from __future__ import annotations

from pathlib import Path

import pytest
from indexed import cli_index, edges_from, write_files
from lang_cli import pack_paths, symbols

from contextpack.parse import Import, parse_source
from contextpack.store import Store

MAIN = "core/src/main/scala/com/acme/shop"
FILES = {
    "build.sbt": 'lazy val core = project.settings(scalaVersion := "3.4.0")\n',
    "project/build.properties": "sbt.version=1.10.0\n",
    f"{MAIN}/Cart.scala": """package com.acme.shop

import scala.collection.mutable
import com.acme.shop.model.{Item, Sku => Code}
import com.acme.shop.pricing._
import com.acme.shop.model.Item.free

/** Something with a price. */
trait Priced {
  def price: Long
}

final case class Cart(owner: String) extends Priced {
  private val items = mutable.ListBuffer.empty[Item]
  var discount: Int = 0

  def add(item: Item): Cart = {
    items += item
    this
  }

  def price: Long = applyDiscount(items.map(_.cents).sum, discount)
}

object Cart {
  val Empty: Cart = Cart("nobody")
  type Id = String

  def of(owner: String, items: Item*): Cart = items.foldLeft(Cart(owner))(_.add(_))
}

enum Channel:
  case Web, Store
  def label: String = toString.toLowerCase
""",
    f"{MAIN}/model/Item.scala": """package com.acme.shop
package model

case class Item(sku: Sku, cents: Long)

object Item {
  def free(sku: Sku): Item = Item(sku, 0)
}

opaque type Sku = String
""",
    # a package object: its members belong to package com.acme.shop.pricing
    f"{MAIN}/pricing/package.scala": """package com.acme.shop

package object pricing {
  def applyDiscount(cents: Long, percent: Int): Long = cents * (100 - percent) / 100
}
""",
    "core/src/test/scala/com/acme/shop/CartSpec.scala": """package com.acme.shop

import com.acme.shop.Cart
import org.scalatest.funsuite.AnyFunSuite

class CartSpec extends AnyFunSuite {
  test("empty") { assert(Cart.Empty.price == 0) }
}
""",
}


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Store]:
    tmp = tmp_path_factory.mktemp("scala")
    repo = write_files(tmp / "repo", FILES)
    return repo, tmp / "index" / "index.sqlite", cli_index(repo, tmp / "index" / "index.sqlite")


def test_definitions(indexed: tuple[Path, Path, Store]) -> None:
    _, _, store = indexed
    q = "com.acme.shop"
    assert [(d.name, d.kind, d.qualname, d.start_line, d.end_line)
            for d in store.definitions(f"{MAIN}/Cart.scala")] == [
        ("Priced", "trait", f"{q}.Priced", 9, 11),
        ("price", "method", f"{q}.Priced.price", 10, 10),
        ("Cart", "class", f"{q}.Cart", 13, 23),
        ("items", "variable", f"{q}.Cart.items", 14, 14),
        ("discount", "variable", f"{q}.Cart.discount", 15, 15),
        ("add", "method", f"{q}.Cart.add", 17, 20),
        ("price", "method", f"{q}.Cart.price", 22, 22),
        ("Cart", "class", f"{q}.Cart", 25, 30),  # the companion object
        ("Empty", "variable", f"{q}.Cart.Empty", 26, 26),
        ("Id", "type", f"{q}.Cart.Id", 27, 27),
        ("of", "method", f"{q}.Cart.of", 29, 29),
        ("Channel", "enum", f"{q}.Channel", 32, 34),
        ("Web", "constant", f"{q}.Channel.Web", 33, 33),
        ("Store", "constant", f"{q}.Channel.Store", 33, 33),
        ("label", "method", f"{q}.Channel.label", 34, 34),
    ]
    by_qual = {d.qualname: d for d in store.definitions(f"{MAIN}/Cart.scala")}
    assert by_qual[f"{q}.Priced"].doc == "Something with a price."
    assert by_qual[f"{q}.Cart.add"].signature == "def add(item: Item): Cart ="
    assert [(d.name, d.kind) for d in store.definitions(f"{MAIN}/pricing/package.scala")] == [
        ("pricing", "module"), ("applyDiscount", "function")]


def test_import_clauses() -> None:
    facts = parse_source("A.scala", "scala", FILES[f"{MAIN}/Cart.scala"].encode())
    assert facts.imports == [
        Import("scala.collection.mutable", ("mutable",), 3),
        Import("com.acme.shop.model", ("Item", "Sku"), 4),
        Import("com.acme.shop.pricing", ("*",), 5),
        Import("com.acme.shop.model.Item.free", ("free",), 6),
    ]
    two = parse_source("B.scala", "scala", b"import a.b.C, d.e.{F => G, given}\nimport x.y.Z as W\n")
    assert two.imports == [Import("a.b.C", ("C",), 1), Import("d.e", ("F", "*"), 1), Import("x.y.Z", ("Z",), 2)]


def test_imports_resolve_through_index(indexed: tuple[Path, Path, Store]) -> None:
    _, _, store = indexed
    # selectors of a package (Item, Sku: both in Item.scala, declared as package com.acme.shop; package
    # model), a package object's package, a member of an object; scala.collection: not in the repository
    assert edges_from(store, f"{MAIN}/Cart.scala") == [f"{MAIN}/model/Item.scala", f"{MAIN}/pricing/package.scala"]
    assert edges_from(store, "core/src/test/scala/com/acme/shop/CartSpec.scala") == [f"{MAIN}/Cart.scala"]


def test_symbols_and_pack(indexed: tuple[Path, Path, Store]) -> None:
    repo, index, _ = indexed
    assert symbols(repo, index, "pricing.applyDiscount") == [
        (f"{MAIN}/pricing/package.scala:4", "function", "com.acme.shop.pricing.applyDiscount")]
    assert pack_paths(
        repo, index, "fix: applyDiscount rounds a 33 percent discount wrongly")[0] == f"{MAIN}/pricing/package.scala"


def test_own_package_members_and_big_wildcards(tmp_path: Path) -> None:
    """`import Helpers._` names an object of the file's own package (mill layout: package os in os/src/);
    `import os._` of a package of more than five files is no one file: no edge."""
    files = {"os/src/Ops.scala": "package os\n\nimport Helpers._\n\nobject Ops { def run() = help() }\n",
             "os/src/Helpers.scala": "package os\n\nobject Helpers { def help() = 1 }\n",
             "app/src/Main.scala": "package app\n\nimport os._\n\nobject Main\n"}
    for i in range(5):
        files[f"os/src/Part{i}.scala"] = f"package os\n\nclass Part{i}\n"
    repo = write_files(tmp_path / "repo", files)
    store = cli_index(repo, tmp_path / "index.sqlite")
    assert edges_from(store, "os/src/Ops.scala") == ["os/src/Helpers.scala"]
    assert edges_from(store, "app/src/Main.scala") == []
