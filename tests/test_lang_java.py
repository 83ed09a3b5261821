"""Java: tags query (grammars/java.scm) and import resolution (package path under any source root,
wildcard imports, nested and static member imports)."""

from __future__ import annotations

from pathlib import Path

import pytest

from contextpack.parse import Import, parse_source
from contextpack.resolve import RepoContext, resolve_import

MAIN = "src/main/java/com/acme/shop"
FILES = {
    "pom.xml": "<project><artifactId>shop</artifactId></project>\n",
    f"{MAIN}/service/CartService.java": """package com.acme.shop.service;

import com.acme.shop.model.*;
import com.acme.shop.util.Strings;
import static com.acme.shop.util.Strings.normalize;
import java.util.ArrayList;
import java.util.List;

/**
 * Holds the items of one cart.
 */
public class CartService implements Checkout {
    public static final int MAX_ITEMS = 20;

    private final List<Item> items = new ArrayList<>();

    /** Adds an item unless the cart is full. */
    public boolean add(Item item) {
        if (items.size() >= MAX_ITEMS) {
            return false;
        }
        return items.add(item);
    }

    @Override
    public Money total() {
        Money sum = Money.ZERO;
        for (Item item : items) {
            sum = sum.plus(item.price());
        }
        return sum;
    }

    /** Outcome of a checkout. */
    public enum Status { OPEN, PAID }

    static class Receipt {
        String render() {
            return normalize("ok");
        }
    }
}

interface Checkout {
    Money total();
}
""",
    f"{MAIN}/model/Item.java": """package com.acme.shop.model;

public record Item(String name, Money price) {}
""",
    f"{MAIN}/model/Money.java": """package com.acme.shop.model;

public final class Money {
    public static final Money ZERO = new Money(0);
    private final long cents;

    public Money(long cents) { this.cents = cents; }

    public Money plus(Money other) { return new Money(cents + other.cents); }

    public static class Currency {}
}
""",
    f"{MAIN}/util/Strings.java": """package com.acme.shop.util;

public final class Strings {
    public static String normalize(String s) { return s.trim(); }
}
""",
    "src/test/java/com/acme/shop/service/CartServiceTest.java": """package com.acme.shop.service;

import com.acme.shop.model.Money.Currency;
import org.junit.jupiter.api.Test;

class CartServiceTest {
    @Test
    void addsItems() {
        new CartService().add(null);
    }
}
""",
    # an older copy of the same class in another module: resolution prefers the importer's own tree
    "legacy/src/main/java/com/acme/shop/util/Strings.java": """package com.acme.shop.util;

public class Strings {}
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
    return parse_source(rel, "java", (repo / rel).read_bytes())


def test_definitions(repo: Path) -> None:
    facts = _facts(repo, f"{MAIN}/service/CartService.java")
    assert facts.diagnostics == []
    q = "com.acme.shop.service"  # the package declaration, not the path, prefixes the names
    assert [(d.name, d.kind, d.qualname, d.start_line, d.end_line) for d in facts.definitions] == [
        ("CartService", "class", f"{q}.CartService", 12, 42),
        ("MAX_ITEMS", "constant", f"{q}.CartService.MAX_ITEMS", 13, 13),  # static final
        ("items", "variable", f"{q}.CartService.items", 15, 15),
        ("add", "method", f"{q}.CartService.add", 18, 23),
        ("total", "method", f"{q}.CartService.total", 25, 32),  # from its annotation
        ("Status", "enum", f"{q}.CartService.Status", 35, 35),
        ("OPEN", "constant", f"{q}.CartService.Status.OPEN", 35, 35),
        ("PAID", "constant", f"{q}.CartService.Status.PAID", 35, 35),
        ("Receipt", "class", f"{q}.CartService.Receipt", 37, 41),
        ("render", "method", f"{q}.CartService.Receipt.render", 38, 40),
        ("Checkout", "interface", f"{q}.Checkout", 44, 46),
        ("total", "method", f"{q}.Checkout.total", 45, 45),
    ]
    by_qual = {d.qualname: d for d in facts.definitions}
    assert by_qual[f"{q}.CartService"].doc == "Holds the items of one cart."
    assert by_qual[f"{q}.CartService"].signature == "public class CartService implements Checkout"
    assert by_qual[f"{q}.CartService.add"].doc == "Adds an item unless the cart is full."
    assert by_qual[f"{q}.CartService.add"].signature == "public boolean add(Item item)"
    assert by_qual[f"{q}.CartService.total"].signature == "@Override public Money total()"
    assert by_qual[f"{q}.CartService.Status"].doc == "Outcome of a checkout."
    assert by_qual[f"{q}.CartService.Receipt.render"].parent == f"{q}.CartService.Receipt"

    money = _facts(repo, f"{MAIN}/model/Money.java")
    assert [(d.qualname, d.kind) for d in money.definitions] == [
        ("com.acme.shop.model.Money", "class"),
        ("com.acme.shop.model.Money.ZERO", "constant"),
        ("com.acme.shop.model.Money.cents", "variable"),
        ("com.acme.shop.model.Money.Money", "method"),  # constructor
        ("com.acme.shop.model.Money.plus", "method"),
        ("com.acme.shop.model.Money.Currency", "class"),
    ]
    item = _facts(repo, f"{MAIN}/model/Item.java")
    assert [(d.qualname, d.kind, d.signature) for d in item.definitions] == [
        ("com.acme.shop.model.Item", "class", "public record Item(String name, Money price)"),
    ]


def test_references(repo: Path) -> None:
    refs = {(r.name, r.line) for r in _facts(repo, f"{MAIN}/service/CartService.java").references}
    assert {("Checkout", 12), ("List", 15), ("Item", 15), ("MAX_ITEMS", 19), ("size", 19), ("Override", 25),
            ("Money", 27), ("ZERO", 27), ("plus", 29), ("price", 29), ("normalize", 39)} <= refs
    assert not {("CartService", 12), ("MAX_ITEMS", 13), ("add", 18), ("Receipt", 37), ("total", 45)} & refs


def test_imports(repo: Path) -> None:
    assert _facts(repo, f"{MAIN}/service/CartService.java").imports == [
        Import("com.acme.shop.model", ("*",), 3),
        Import("com.acme.shop.util.Strings", ("Strings",), 4),
        Import("com.acme.shop.util.Strings.normalize", ("normalize",), 5),  # import static
        Import("java.util.ArrayList", ("ArrayList",), 6),
        Import("java.util.List", ("List",), 7),
    ]


def test_resolution(repo: Path) -> None:
    paths = sorted(p.relative_to(repo).as_posix() for p in repo.rglob("*") if p.is_file())
    ctx = RepoContext.build(paths, lambda p: (repo / p).read_bytes())
    service = f"{MAIN}/service/CartService.java"
    assert [resolve_import(service, "java", i, ctx) for i in _facts(repo, service).imports] == [
        [f"{MAIN}/model/Item.java", f"{MAIN}/model/Money.java"],  # wildcard: the package's files
        [f"{MAIN}/util/Strings.java"],  # not legacy/…: the copy in the importer's own source tree
        [f"{MAIN}/util/Strings.java"],  # static member → its class
        [],  # the JDK
        [],
    ]
    test = "src/test/java/com/acme/shop/service/CartServiceTest.java"
    assert [resolve_import(test, "java", i, ctx) for i in _facts(repo, test).imports] == [
        [f"{MAIN}/model/Money.java"],  # nested class → its outer class's file, across source roots
        [],
    ]
    legacy = "legacy/src/main/java/com/acme/shop/Old.java"
    assert resolve_import(legacy, "java", Import("com.acme.shop.util.Strings", ("Strings",), 1), ctx) == [
        "legacy/src/main/java/com/acme/shop/util/Strings.java"]
    assert resolve_import(service, "java", Import("com.acme.shop.service.CartServiceTest", (), 1), ctx) == [
        "src/test/java/com/acme/shop/service/CartServiceTest.java"]
    assert resolve_import(service, "java", Import("com.acme.billing", ("*",), 1), ctx) == []
