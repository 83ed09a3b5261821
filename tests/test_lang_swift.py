"""Swift: tags query (grammars/swift.scm) and module imports (SwiftPM targets of Package.swift), on a package
indexed with `contextpack index`."""

from __future__ import annotations

from pathlib import Path

import pytest
from indexed import cli_index, edges_from, write_files
from lang_cli import pack_paths, symbols

from contextpack.store import Store

FILES = {
    "Package.swift": """// swift-tools-version:5.9
import PackageDescription

let package = Package(
    name: "Shop",
    products: [.library(name: "Shop", targets: ["Shop"])],
    targets: [
        .target(name: "Money"),
        .target(name: "Shop", dependencies: ["Money"], path: "Source/Shop"),
        .testTarget(name: "ShopTests", dependencies: ["Shop"]),
    ]
)
""",
    "Sources/Money/Money.swift": """/// An amount in cents.
public struct Money: Equatable {
    public let cents: Int

    public init(cents: Int) {
        self.cents = cents
    }
}
""",
    "Source/Shop/Cart.swift": """import Foundation
import Money

/// Something that can be priced.
public protocol Priced {
    var price: Money { get }
    func discounted(by percent: Int) -> Money
}

public final class Cart {
    public private(set) var items: [Item] = []

    public init() {}

    deinit {}

    public func add(_ item: Item) {
        items.append(item)
    }

    public subscript(index: Int) -> Item {
        items[index]
    }
}

public enum Currency: String {
    case eur, usd
    case gbp
}

extension Cart: Priced {
    public var price: Money { Money(cents: items.reduce(0) { $0 + $1.cents }) }

    public func discounted(by percent: Int) -> Money {
        Money(cents: price.cents * (100 - percent) / 100)
    }
}

public typealias Handler = (Cart) -> Void

public func emptyCart() -> Cart {
    Cart()
}
""",
    "Source/Shop/Item.swift": """public struct Item {
    public let name: String
    public let cents: Int
}
""",
    "Source/Shop/Checkout.swift": """import Money

actor Checkout {
    func pay(_ cart: Cart) -> Money { cart.price }
}
""",
    "Tests/ShopTests/CartTests.swift": """import XCTest
@testable import Shop

final class CartTests: XCTestCase {
    func testAdd() {
        let cart = Cart()
        cart.add(Item(name: "a", cents: 1))
        XCTAssertEqual(cart.items.count, 1)
    }
}
""",
}


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Store]:
    tmp = tmp_path_factory.mktemp("swift")
    repo = write_files(tmp / "repo", FILES)
    return repo, tmp / "index" / "index.sqlite", cli_index(repo, tmp / "index" / "index.sqlite")


def test_definitions(indexed: tuple[Path, Path, Store]) -> None:
    _, _, store = indexed
    q = "Source.Shop.Cart"
    assert [(d.name, d.kind, d.qualname, d.start_line, d.end_line)
            for d in store.definitions("Source/Shop/Cart.swift")] == [
        ("Priced", "interface", f"{q}.Priced", 5, 8),
        ("price", "variable", f"{q}.Priced.price", 6, 6),
        ("discounted", "method", f"{q}.Priced.discounted", 7, 7),
        ("Cart", "class", f"{q}.Cart", 10, 24),
        ("items", "variable", f"{q}.Cart.items", 11, 11),
        ("init", "method", f"{q}.Cart.init", 13, 13),
        ("deinit", "method", f"{q}.Cart.deinit", 15, 15),
        ("add", "method", f"{q}.Cart.add", 17, 19),
        ("subscript", "method", f"{q}.Cart.subscript", 21, 23),
        ("Currency", "enum", f"{q}.Currency", 26, 29),
        ("eur", "constant", f"{q}.Currency.eur", 27, 27),
        ("usd", "constant", f"{q}.Currency.usd", 27, 27),
        ("gbp", "constant", f"{q}.Currency.gbp", 28, 28),
        ("Cart", "impl", f"{q}.Cart", 31, 37),  # an extension: its members qualify under the type
        ("price", "variable", f"{q}.Cart.price", 32, 32),
        ("discounted", "method", f"{q}.Cart.discounted", 34, 36),
        ("Handler", "type", f"{q}.Handler", 39, 39),
        ("emptyCart", "function", f"{q}.emptyCart", 41, 43),
    ]
    by_qual = {d.qualname: d for d in store.definitions("Source/Shop/Cart.swift")}
    assert by_qual[f"{q}.Priced"].doc == "Something that can be priced."
    assert by_qual[f"{q}.Cart.add"].signature == "public func add(_ item: Item)"
    assert [(d.name, d.kind) for d in store.definitions("Source/Shop/Checkout.swift")] == [
        ("Checkout", "class"), ("pay", "method")]
    assert [(d.name, d.kind) for d in store.definitions("Sources/Money/Money.swift")] == [
        ("Money", "struct"), ("cents", "variable"), ("init", "method")]


def test_module_imports_resolve_through_index(indexed: tuple[Path, Path, Store]) -> None:
    _, _, store = indexed
    # `import Money`: target Money (Sources/Money by default); `@testable import Shop`: target Shop at its
    # declared `path:` (three files, each an edge); Foundation, XCTest: not targets of the package
    assert edges_from(store, "Source/Shop/Cart.swift") == ["Sources/Money/Money.swift"]
    assert edges_from(store, "Tests/ShopTests/CartTests.swift") == [
        "Source/Shop/Cart.swift", "Source/Shop/Checkout.swift", "Source/Shop/Item.swift"]


def test_big_module_resolves_to_its_umbrella_file_or_nothing(tmp_path: Path) -> None:
    """A module of more than five files is no one file: its X.swift if it has one, else no edge."""
    files = {"Package.swift": 'let p = Package(name: "K", targets: [.target(name: "Kit"), .target(name: "Big"), '
                              '.target(name: "App", dependencies: ["Kit", "Big"])])\n',
             "Sources/App/main.swift": "import Kit\nimport Big\n\nprint(1)\n",
             "Sources/Kit/Kit.swift": "public enum Kit {}\n"}
    for i in range(6):
        files[f"Sources/Kit/Part{i}.swift"] = f"public struct Part{i} {{}}\n"
        files[f"Sources/Big/Part{i}.swift"] = f"public struct BigPart{i} {{}}\n"
    repo = write_files(tmp_path / "repo", files)
    assert edges_from(cli_index(repo, tmp_path / "index.sqlite"), "Sources/App/main.swift") == [
        "Sources/Kit/Kit.swift"]


def test_symbols_and_pack(indexed: tuple[Path, Path, Store]) -> None:
    repo, index, _ = indexed
    assert symbols(repo, index, "Cart.discounted") == [
        ("Source/Shop/Cart.swift:34", "method", "Source.Shop.Cart.Cart.discounted")]
    assert pack_paths(
        repo, index, "fix: Cart.discounted rounds the price down twice")[0] == "Source/Shop/Cart.swift"


def test_package_swift_edit_re_resolves(tmp_path: Path) -> None:
    """Package.swift maps targets to folders: editing it is a change of resolution context."""
    repo = write_files(tmp_path / "repo", {
        "Package.swift": 'let p = Package(name: "K", targets: [.target(name: "Kit"), .target(name: "App")])\n',
        "Sources/Kit/Kit.swift": "public enum Kit {}\n",
        "Sources/App/main.swift": "import Kit\n\nprint(1)\n",
    })
    index = tmp_path / "index.sqlite"
    assert edges_from(cli_index(repo, index), "Sources/App/main.swift") == ["Sources/Kit/Kit.swift"]
    (repo / "Package.swift").write_text('let p = Package(name: "K", targets: [.target(name: "Toolkit", '
                                        'path: "Sources/Kit"), .target(name: "App")])\n', encoding="utf-8")
    assert edges_from(cli_index(repo, index), "Sources/App/main.swift") == []
