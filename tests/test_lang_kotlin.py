"""Kotlin: tags query (grammars/kotlin.scm) and import resolution (package declarations → files), on a Gradle
project indexed with `contextpack index`."""

from __future__ import annotations

from pathlib import Path

import pytest
from indexed import cli_index, edges_from, write_files
from lang_cli import pack_paths, symbols

from contextpack.store import Store

MAIN = "app/src/main/kotlin/com/acme/shop"
FILES = {
    "settings.gradle.kts": 'rootProject.name = "shop"\ninclude(":app")\n',
    "app/build.gradle.kts": 'plugins {\n    kotlin("jvm") version "2.0.0"\n}\n\ndependencies {\n'
                            '    implementation("com.squareup.okio:okio:3.9.0")\n}\n',
    f"{MAIN}/Store.kt": """package com.acme.shop

import com.acme.shop.model.Order
import com.acme.shop.model.OrderStatus.*
import com.acme.shop.util.formatCents
import com.acme.shop.legacy.LegacyTax
import kotlinx.coroutines.flow.Flow
import okio.Buffer

/** Most orders a store keeps. */
const val MAX_ORDERS = 100

typealias OrderId = String

/** Keeps orders in memory. */
@Suppress("unused")
class Store(
  val name: String,
  private var limit: Int = MAX_ORDERS,
) : Repository {
  private val orders = mutableMapOf<OrderId, Order>()

  override fun add(order: Order): Boolean {
    if (orders.size >= limit) return false
    orders[order.id] = order
    return true
  }

  fun total(): String = formatCents(orders.values.sumOf { it.cents } + LegacyTax.of(0))

  constructor(name: String, seed: List<Order>) : this(name) {
    seed.forEach { add(it) }
  }

  companion object {
    fun empty(): Store = Store("empty")
  }
}

interface Repository {
  fun add(order: Order): Boolean
}

object Registry {
  val stores = mutableListOf<Store>()

  fun register(store: Store) {
    stores += store
  }
}

enum class Channel {
  WEB,
  STORE;

  fun label() = name.lowercase()
}
""",
    f"{MAIN}/model/Order.kt": """package com.acme.shop.model

data class Order(val id: String, val cents: Long, val status: OrderStatus = OrderStatus.NEW)

enum class OrderStatus { NEW, PAID }
""",
    # top-level functions in a file not named after them
    f"{MAIN}/util/Formatting.kt": """@file:Suppress(
  "unused",
)

package com.acme.shop.util

fun formatCents(cents: Long): String = "%d.%02d".format(cents / 100, cents % 100)

fun Long.asCents(): String = formatCents(this)
""",
    # Java beside Kotlin (mixed module)
    "app/src/main/java/com/acme/shop/legacy/LegacyTax.java": """package com.acme.shop.legacy;

public final class LegacyTax {
    public static long of(long cents) { return cents / 10; }
}
""",
    "app/src/test/kotlin/com/acme/shop/StoreTest.kt": """package com.acme.shop

import com.acme.shop.model.Order
import kotlin.test.Test
import kotlin.test.assertTrue

class StoreTest {
  @Test
  fun addsAnOrder() {
    assertTrue(Store("a").add(Order("1", 250)))
  }
}
""",
}


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Store]:
    tmp = tmp_path_factory.mktemp("kotlin")
    repo = write_files(tmp / "repo", FILES)
    store = cli_index(repo, tmp / "index" / "index.sqlite")
    return repo, tmp / "index" / "index.sqlite", store


def test_definitions(indexed: tuple[Path, Path, Store]) -> None:
    _, _, store = indexed
    q = "com.acme.shop"
    assert [(d.name, d.kind, d.qualname, d.start_line, d.end_line) for d in store.definitions(f"{MAIN}/Store.kt")] == [
        ("MAX_ORDERS", "constant", f"{q}.MAX_ORDERS", 11, 11),
        ("OrderId", "type", f"{q}.OrderId", 13, 13),
        ("Store", "class", f"{q}.Store", 17, 38),  # the annotation line above is not part of it
        ("name", "variable", f"{q}.Store.name", 18, 18),  # constructor properties
        ("limit", "variable", f"{q}.Store.limit", 19, 19),
        ("orders", "variable", f"{q}.Store.orders", 21, 21),
        ("add", "method", f"{q}.Store.add", 23, 27),
        ("total", "method", f"{q}.Store.total", 29, 29),
        ("constructor", "method", f"{q}.Store.constructor", 31, 33),
        ("empty", "method", f"{q}.Store.empty", 36, 36),  # a companion's members belong to the class
        ("Repository", "interface", f"{q}.Repository", 40, 42),
        ("add", "method", f"{q}.Repository.add", 41, 41),
        ("Registry", "class", f"{q}.Registry", 44, 50),
        ("stores", "variable", f"{q}.Registry.stores", 45, 45),
        ("register", "method", f"{q}.Registry.register", 47, 49),
        ("Channel", "enum", f"{q}.Channel", 52, 57),
        ("WEB", "constant", f"{q}.Channel.WEB", 53, 53),
        ("STORE", "constant", f"{q}.Channel.STORE", 54, 54),
        ("label", "method", f"{q}.Channel.label", 56, 56),
    ]
    by_qual = {d.qualname: d for d in store.definitions(f"{MAIN}/Store.kt")}
    assert by_qual[f"{q}.Store"].doc == "Keeps orders in memory."  # above the annotation
    assert by_qual[f"{q}.Store.add"].signature == "override fun add(order: Order): Boolean"
    util = store.definitions(f"{MAIN}/util/Formatting.kt")
    assert [(d.name, d.kind, d.qualname, d.start_line) for d in util] == [  # lines kept below an annotation
        ("formatCents", "function", "com.acme.shop.util.formatCents", 7),
        ("asCents", "function", "com.acme.shop.util.asCents", 9),  # an extension function
    ]
    assert [(d.name, d.kind) for d in store.definitions("app/build.gradle.kts")] == []  # a script: no definitions


def test_imports_resolve_through_index(indexed: tuple[Path, Path, Store]) -> None:
    _, _, store = indexed
    # a class, an enum's entries (`OrderStatus.*`: the file declaring OrderStatus), a top-level function
    # in a file of another name, a Java class; kotlinx/okio (not declared in the repository): nothing
    assert edges_from(store, f"{MAIN}/Store.kt") == [
        "app/src/main/java/com/acme/shop/legacy/LegacyTax.java",
        f"{MAIN}/model/Order.kt",
        f"{MAIN}/util/Formatting.kt",
    ]
    assert edges_from(store, "app/src/test/kotlin/com/acme/shop/StoreTest.kt") == [f"{MAIN}/model/Order.kt"]


def test_package_not_laid_out_in_directories(tmp_path: Path) -> None:
    """Kotlin lets a source root omit the package's common prefix: files resolve by their declared package."""
    repo = write_files(tmp_path / "repo", {
        "src/main/kotlin/Main.kt": "package com.acme.cli\n\nimport com.acme.cli.commands.Run\n\n"
                                   "fun main() {\n  Run().go()\n}\n",
        "src/main/kotlin/commands/Run.kt": "package com.acme.cli.commands\n\nclass Run {\n  fun go() {}\n}\n",
        # the same simple name in another package must not be taken
        "src/main/kotlin/other/Run.kt": "package com.acme.other\n\nclass Run\n",
    })
    store = cli_index(repo, tmp_path / "index.sqlite")
    assert edges_from(store, "src/main/kotlin/Main.kt") == ["src/main/kotlin/commands/Run.kt"]


def test_symbols_and_pack(indexed: tuple[Path, Path, Store]) -> None:
    repo, index, _ = indexed
    assert symbols(repo, index, "Registry.register") == [
        (f"{MAIN}/Store.kt:47", "method", "com.acme.shop.Registry.register")]
    assert pack_paths(
        repo, index, "fix: Store.add accepts orders beyond the limit")[0] == f"{MAIN}/Store.kt"


def test_a_name_missing_from_its_package_resolves_to_nothing(tmp_path: Path) -> None:
    """`import a.b.Gone` where package a.b declares no Gone: no edge, not a file of an outer package
    that happens to declare `b`."""
    repo = write_files(tmp_path / "repo", {
        "src/a/App.kt": "package a\n\nimport a.b.Gone\n\nfun b() = 1\n",
        "src/a/Other.kt": "package a\n\nimport a.b.Gone\n",
        "src/a/b/Present.kt": "package a.b\n\nclass Present\n",
    })
    assert edges_from(cli_index(repo, tmp_path / "index.sqlite"), "src/a/Other.kt") == []
