"""Python: definitions, references and imports from grammars/python.scm, and import resolution through the
index (relative imports, `from . import x`, packages, the src/ layout)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from contextpack.engine import Engine
from contextpack.parse import Definition, Import, Reference, parse_source

MODELS = '''"""Domain models of the shop."""

from dataclasses import dataclass

TAX_RATE = 0.2


def _round(value):
    return round(value, 2)


class Order:
    """An order of items.

    Holds prices only."""

    currency = "EUR"

    def __init__(self, items):
        self.items = items

    @property
    def total(self) -> float:
        """Sum of the item prices."""
        return _round(sum(self.items))

    def with_tax(self, rate: float = TAX_RATE) -> float:
        return self.total * (1 + rate)


@dataclass
class Line:
    sku: str
    qty: int = 1
'''

BILLING = '''"""Billing: invoices for orders."""

from ..models import Order
from . import tax


def invoice(order: Order, country: str) -> dict:
    """An invoice for one order."""
    rate = tax.rate_for(country)
    return {"total": order.with_tax(rate)}


class Biller:
    def bill(self, orders):
        return [invoice(o, "DE") for o in orders]
'''

TAX = '''"""Tax rules."""

import shop.models
import os.path as osp


def rate_for(country: str) -> float:
    """The VAT rate of a country."""
    return {"DE": 0.19, "FR": 0.2}.get(country, shop.models.TAX_RATE)
'''

INIT = '''"""The shop package."""

from .models import Order, Line as OrderLine

__all__ = ["Order", "OrderLine"]
'''

TEST_BILLING = '''import shop.services.billing
from shop.models import Order


def test_invoice():
    assert shop.services.billing.invoice(Order([1]), "DE")["total"] > 1
'''

FILES = {
    "src/shop/__init__.py": INIT,
    "src/shop/models.py": MODELS,
    "src/shop/services/__init__.py": "",
    "src/shop/services/billing.py": BILLING,
    "src/shop/services/tax.py": TAX,
    "tests/test_billing.py": TEST_BILLING,
}


def facts(path: str):
    return parse_source(path, "python", FILES[path].encode())


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    for rel, text in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


@pytest.fixture
def engine(repo: Path, tmp_path: Path):
    eng = Engine(repo, index_path=tmp_path / "i.sqlite")
    eng.index()
    yield eng
    eng.close()


# ---- definitions --------------------------------------------------------------------------------


def test_models_definitions_exact() -> None:
    m = "shop.models"  # src layout: the src/ directory is not part of the module name
    # docs compared with whitespace collapsed (multi-line docstring indentation: test_multiline_docstring)
    got = [replace(d, doc=" ".join(d.doc.split())) for d in facts("src/shop/models.py").definitions]
    assert got == [
        Definition("TAX_RATE", "variable", f"{m}.TAX_RATE", 5, 5, "TAX_RATE = 0.2"),
        Definition("_round", "function", f"{m}._round", 8, 9, "def _round(value)"),
        Definition("Order", "class", f"{m}.Order", 12, 28, "class Order",
                   "An order of items. Holds prices only."),
        Definition("currency", "variable", f"{m}.Order.currency", 17, 17, 'currency = "EUR"',
                   parent=f"{m}.Order"),
        Definition("__init__", "method", f"{m}.Order.__init__", 19, 20, "def __init__(self, items)",
                   parent=f"{m}.Order"),
        # a decorated method starts at its decorator
        Definition("total", "method", f"{m}.Order.total", 22, 25, "def total(self) -> float",
                   "Sum of the item prices.", f"{m}.Order"),
        Definition("with_tax", "method", f"{m}.Order.with_tax", 27, 28,
                   "def with_tax(self, rate: float = TAX_RATE) -> float", parent=f"{m}.Order"),
        Definition("Line", "class", f"{m}.Line", 31, 34, "class Line"),  # decorated class: from @dataclass
        Definition("sku", "variable", f"{m}.Line.sku", 33, 33, "sku: str", parent=f"{m}.Line"),
        Definition("qty", "variable", f"{m}.Line.qty", 34, 34, "qty: int = 1", parent=f"{m}.Line"),
    ]


def test_multiline_docstring() -> None:
    (order,) = [d for d in facts("src/shop/models.py").definitions if d.name == "Order"]
    assert order.doc.startswith("An order of items.\n")
    assert order.doc.endswith("Holds prices only.")
    assert '"' not in order.doc


def test_billing_definitions_exact() -> None:
    b = "shop.services.billing"
    assert facts("src/shop/services/billing.py").definitions == [
        Definition("invoice", "function", f"{b}.invoice", 7, 10,
                   "def invoice(order: Order, country: str) -> dict", "An invoice for one order."),
        Definition("Biller", "class", f"{b}.Biller", 13, 15, "class Biller"),
        Definition("bill", "method", f"{b}.Biller.bill", 14, 15, "def bill(self, orders)",
                   parent=f"{b}.Biller"),
    ]


def test_other_definitions() -> None:
    assert [(d.qualname, d.kind, d.start_line) for d in facts("src/shop/__init__.py").definitions] == [
        ("shop.__all__", "variable", 5)]
    assert [(d.qualname, d.doc) for d in facts("src/shop/services/tax.py").definitions] == [
        ("shop.services.tax.rate_for", "The VAT rate of a country.")]
    assert facts("src/shop/services/__init__.py").definitions == []
    assert [(d.qualname, d.start_line, d.end_line) for d in facts("tests/test_billing.py").definitions] == [
        ("tests.test_billing.test_invoice", 5, 6)]


# ---- references ---------------------------------------------------------------------------------


def test_references() -> None:
    refs = set(facts("src/shop/models.py").references)
    for expected in [("_round", 25), ("TAX_RATE", 27), ("property", 22), ("dataclass", 31), ("sum", 25),
                     ("total", 28), ("rate", 28), ("round", 9)]:
        assert Reference(*expected) in refs
    # a definition's own name is not a use of it
    for name, line in [("TAX_RATE", 5), ("_round", 8), ("Order", 12), ("total", 23), ("with_tax", 27),
                       ("currency", 17), ("Line", 32)]:
        assert Reference(name, line) not in refs
    assert not any(r.name == "Order" for r in refs)  # never used in models.py
    assert [r.line for r in facts("src/shop/models.py").references] == sorted(r.line for r in refs)

    billing = set(facts("src/shop/services/billing.py").references)
    for expected in [("Order", 3), ("tax", 4), ("Order", 7), ("rate_for", 9), ("tax", 9), ("with_tax", 10),
                     ("invoice", 15)]:
        assert Reference(*expected) in billing
    assert Reference("invoice", 7) not in billing and Reference("bill", 14) not in billing
    assert not any(r.name == "Biller" for r in billing)


# ---- imports ------------------------------------------------------------------------------------


def test_imports() -> None:
    assert facts("src/shop/services/billing.py").imports == [
        Import("..models", ("Order",), 3),
        Import(".", ("tax",), 4),
    ]
    assert facts("src/shop/services/tax.py").imports == [
        Import("shop.models", (), 3),
        Import("os.path", (), 4),
    ]
    assert facts("src/shop/__init__.py").imports == [Import(".models", ("Order", "Line"), 3)]
    assert facts("tests/test_billing.py").imports == [
        Import("shop.services.billing", (), 1),
        Import("shop.models", ("Order",), 2),
    ]
    assert facts("src/shop/models.py").imports == [Import("dataclasses", ("dataclass",), 3)]


# ---- through the index --------------------------------------------------------------------------


def test_index_holds_the_facts(engine: Engine) -> None:
    store = engine.store
    assert [f.path for f in store.files()] == sorted(FILES)
    assert {f.language for f in store.files()} == {"python"}
    assert store.file("src/shop/models.py").line_count == MODELS.count("\n") + 1
    models, billing = facts("src/shop/models.py"), facts("src/shop/services/billing.py")
    assert [Definition(d.name, d.kind, d.qualname, d.start_line, d.end_line, d.signature, d.doc, d.parent)
            for d in store.definitions("src/shop/models.py")] == models.definitions
    assert store.references("src/shop/services/billing.py") == billing.references
    assert store.imports("src/shop/services/billing.py") == billing.imports
    assert [d.path for d in store.find_definitions("Order.with_tax")] == ["src/shop/models.py"]
    assert [d.qualname for d in store.find_definitions("shop.models.Order")] == ["shop.models.Order"]
    assert store.diagnostics() == []


def test_import_resolution(engine: Engine) -> None:
    edges = engine.store.import_edges()
    by_src: dict[str, set[str]] = {}
    for src, dst in edges:
        by_src.setdefault(src, set()).add(dst)
    # relative: `from ..models import Order`, `from . import tax` (the package and its submodule)
    assert {"src/shop/models.py", "src/shop/services/tax.py"} <= by_src["src/shop/services/billing.py"]
    assert by_src["src/shop/services/billing.py"] <= {
        "src/shop/models.py", "src/shop/services/tax.py", "src/shop/services/__init__.py"}
    # `from .models import ...` in a package __init__
    assert by_src["src/shop/__init__.py"] == {"src/shop/models.py"}
    # src/ layout: `import shop.models` is src/shop/models.py; os.path is external
    assert by_src["src/shop/services/tax.py"] == {"src/shop/models.py"}
    # tests outside src/ import the package by its installed name
    assert by_src["tests/test_billing.py"] == {"src/shop/models.py", "src/shop/services/billing.py"}
    # models.py imports nothing of the repo, nothing imports the test; no self-edges
    assert "src/shop/models.py" not in by_src
    assert not any(dst == "tests/test_billing.py" for _, dst in edges)
    assert all(src != dst for src, dst in edges)
    assert edges == sorted(edges)


def test_resolution_follows_a_new_module(repo: Path, engine: Engine) -> None:
    # `import shop.models.extra` first resolves to its longest existing prefix, then to the new file
    (repo / "src/shop/cli.py").write_text("import shop.models.extra\n")
    engine.index()
    assert ("src/shop/cli.py", "src/shop/models.py") in engine.store.import_edges()
    (repo / "src/shop/models").mkdir()
    (repo / "src/shop/models/__init__.py").write_text("")
    (repo / "src/shop/models/extra.py").write_text("X = 1\n")
    engine.index()
    targets = {dst for src, dst in engine.store.import_edges() if src == "src/shop/cli.py"}
    assert targets == {"src/shop/models/extra.py"}
