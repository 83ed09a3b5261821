"""C#: tags query (grammars/csharp.scm) and `using` resolution (namespace → directory)."""

from __future__ import annotations

from pathlib import Path

import pytest

from contextpack.parse import Import, parse_source
from contextpack.resolve import RepoContext, resolve_import

FILES = {
    "src/Shop.Core/Models/Order.cs": """using System;
using System.Collections.Generic;

namespace Shop.Core.Models;

/// <summary>One line of an order.</summary>
public record OrderLine(string Sku, int Quantity);

// A customer order.
// Lines are kept in insertion order.
[Serializable]
public class Order : IPriced
{
    public const int MaxLines = 100;

    private readonly List<OrderLine> _lines = new();

    public Guid Id { get; init; }

    public enum State { Open, Paid }

    /// Adds a line.
    public void Add(OrderLine line)
    {
        if (_lines.Count >= MaxLines) throw new InvalidOperationException();
        _lines.Add(line);
    }

    public decimal Total() => _lines.Count * 1.5m;
}
""",
    "src/Shop.Core/Models/IPriced.cs": """namespace Shop.Core.Models
{
    public interface IPriced
    {
        decimal Total();
    }

    public struct Money
    {
        public decimal Amount;
    }

    namespace Internal
    {
        internal class Ledger { }
    }
}
""",
    "src/Shop.Core/Services/Tax.cs": """namespace Shop.Core.Services;

public static class Tax
{
    public const decimal Rate = 0.2m;
}
""",
    "src/Shop.Core/Services/Checkout.cs": """using Shop.Core.Models;
using static Shop.Core.Services.Tax;
using M = Shop.Core.Models;

namespace Shop.Core.Services;

public static class Checkout
{
    public static decimal Pay(Order order) => order.Total() * (1 + Rate);

    public static M.Money Empty() => new M.Money();
}
""",
    "src/Shop.Web/Controllers/OrdersController.cs": """using Microsoft.AspNetCore.Mvc;
using Shop.Core.Services;

namespace Shop.Web.Controllers;

public class OrdersController : Controller
{
    public IActionResult Pay() => Ok(Checkout.Pay(null));
}
""",
    "src/Shop.Web/Shop.Web.csproj": """<Project Sdk="Microsoft.NET.Sdk.Web">
  <PropertyGroup>
    <TargetFramework>net8.0</TargetFramework>
    <RootNamespace>Acme.Shop</RootNamespace>
  </PropertyGroup>
</Project>
""",
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    for rel, text in FILES.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    return tmp_path


def facts(repo: Path, rel: str):
    return parse_source(rel, "csharp", (repo / rel).read_bytes())


def test_definitions_with_a_file_scoped_namespace(repo: Path) -> None:
    f = facts(repo, "src/Shop.Core/Models/Order.cs")
    assert f.diagnostics == []
    q = "Shop.Core.Models"
    assert [(d.name, d.kind, d.qualname, d.start_line, d.end_line) for d in f.definitions] == [
        ("OrderLine", "class", f"{q}.OrderLine", 7, 7),
        ("Order", "class", f"{q}.Order", 11, 30),
        ("MaxLines", "constant", f"{q}.Order.MaxLines", 14, 14),
        ("Id", "variable", f"{q}.Order.Id", 18, 18),
        ("State", "enum", f"{q}.Order.State", 20, 20),
        ("Open", "constant", f"{q}.Order.State.Open", 20, 20),
        ("Paid", "constant", f"{q}.Order.State.Paid", 20, 20),
        ("Add", "method", f"{q}.Order.Add", 23, 27),
        ("Total", "method", f"{q}.Order.Total", 29, 29),
    ]
    order, add = f.definitions[1], f.definitions[7]
    assert order.signature == "[Serializable] public class Order : IPriced"
    assert order.doc == "A customer order.\nLines are kept in insertion order."
    assert add.signature == "public void Add(OrderLine line)"
    assert add.doc == "Adds a line."
    assert f.definitions[0].doc == "<summary>One line of an order.</summary>"


def test_definitions_in_a_block_namespace(repo: Path) -> None:
    f = facts(repo, "src/Shop.Core/Models/IPriced.cs")
    q = "Shop.Core.Models"  # the top-level block is the prefix, a nested one a definition
    assert [(d.name, d.kind, d.qualname, d.start_line, d.end_line) for d in f.definitions] == [
        ("IPriced", "interface", f"{q}.IPriced", 3, 6),
        ("Total", "method", f"{q}.IPriced.Total", 5, 5),
        ("Money", "struct", f"{q}.Money", 8, 11),
        ("Internal", "namespace", f"{q}.Internal", 13, 16),
        ("Ledger", "class", f"{q}.Internal.Ledger", 15, 15),
    ]
    assert f.definitions[1].signature == "decimal Total();"


def test_references(repo: Path) -> None:
    refs = {(r.name, r.line) for r in facts(repo, "src/Shop.Core/Models/Order.cs").references}
    assert {("IPriced", 12), ("OrderLine", 16), ("Guid", 18), ("OrderLine", 23), ("_lines", 25),
            ("MaxLines", 25), ("InvalidOperationException", 25), ("_lines", 29)} <= refs
    assert ("Order", 12) not in refs and ("Add", 23) not in refs and ("MaxLines", 14) not in refs
    checkout = {(r.name, r.line) for r in facts(repo, "src/Shop.Core/Services/Checkout.cs").references}
    assert {("Order", 9), ("Total", 9), ("Rate", 9), ("Money", 11)} <= checkout


def test_imports(repo: Path) -> None:
    assert facts(repo, "src/Shop.Core/Services/Checkout.cs").imports == [
        Import("Shop.Core.Models", (), 1),
        Import("Shop.Core.Services.Tax", (), 2),
        Import("Shop.Core.Models", (), 3),
    ]
    assert facts(repo, "src/Shop.Core/Models/Order.cs").imports == [
        Import("System", (), 1), Import("System.Collections.Generic", (), 2),
    ]


def test_resolution(repo: Path) -> None:
    ctx = RepoContext.build(FILES, read=lambda p: (repo / p).read_bytes())
    checkout = "src/Shop.Core/Services/Checkout.cs"
    models, tax, alias = facts(repo, checkout).imports
    # a namespace: every .cs file of the directory it names ("Shop.Core/Models")
    assert resolve_import(checkout, "csharp", models, ctx) == [
        "src/Shop.Core/Models/IPriced.cs", "src/Shop.Core/Models/Order.cs",
    ]
    assert resolve_import(checkout, "csharp", alias, ctx) == resolve_import(checkout, "csharp", models, ctx)
    # `using static` names a type: its file
    assert resolve_import(checkout, "csharp", tax, ctx) == ["src/Shop.Core/Services/Tax.cs"]
    # the importing file itself is left out
    controller = "src/Shop.Web/Controllers/OrdersController.cs"
    mvc, services = facts(repo, controller).imports
    assert resolve_import(controller, "csharp", services, ctx) == ["src/Shop.Core/Services/Checkout.cs",
                                                                   "src/Shop.Core/Services/Tax.cs"]
    # framework namespaces are not in the repository
    assert resolve_import(controller, "csharp", mvc, ctx) == []
    assert resolve_import(checkout, "csharp", Import("System", (), 1), ctx) == []
    # a namespace below a project's <RootNamespace> (Shop.Web.csproj: Acme.Shop) is a directory of the project
    assert resolve_import(checkout, "csharp", Import("Acme.Shop.Controllers", (), 1), ctx) == [controller]
    # a namespace the repository does not lay out is not guessed from its last component
    assert resolve_import(checkout, "csharp", Import("Other.Controllers", (), 1), ctx) == []
