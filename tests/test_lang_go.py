"""Go: tags query (grammars/go.scm) and import resolution (go.mod module path → package directory)."""

from __future__ import annotations

from pathlib import Path

import pytest

from contextpack.parse import Import, parse_source
from contextpack.resolve import RepoContext, resolve_import

FILES = {
    "go.mod": "module github.com/acme/shop\n\ngo 1.22\n\nrequire github.com/google/uuid v1.6.0\n",
    "internal/store/store.go": """// Package store keeps inventory.
package store

import (
	"errors"
	"sync"

	"github.com/acme/shop/pkg/money"
)

// MaxItems bounds a store.
const MaxItems = 100

var ErrFull = errors.New("store full")

// Store holds items by id.
type Store struct {
	mu    sync.Mutex
	items map[string]Item
}

// Getter reads items.
type Getter interface {
	Get(id string) (Item, bool)
}

// New returns an empty store.
func New() *Store {
	return &Store{items: map[string]Item{}}
}

// Add stores an item.
func (s *Store) Add(it Item) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.items) >= MaxItems {
		return ErrFull
	}
	s.items[it.ID] = it
	return nil
}

func (s *Store) Total() money.Amount {
	var sum money.Amount
	for _, it := range s.items {
		sum = sum.Add(it.Price)
	}
	return sum
}
""",
    "internal/store/item.go": """package store

import "github.com/acme/shop/pkg/money"

// Item is one product.
type Item struct {
	ID    string
	Price money.Amount
}
""",
    "internal/store/store_test.go": """package store

import "testing"

func TestAdd(t *testing.T) {
	if err := New().Add(Item{ID: "a"}); err != nil {
		t.Fatal(err)
	}
}
""",
    "pkg/money/money.go": """package money

// Amount is in cents.
type Amount int64

func (a Amount) Add(b Amount) Amount { return a + b }
""",
    "cmd/server/main.go": """package main

import (
	"fmt"
	st "github.com/acme/shop/internal/store"
	"github.com/acme/shop/tools/gen"
	"github.com/google/uuid"
)

func main() {
	s := st.New()
	fmt.Println(s.Total(), gen.Version, uuid.New())
}
""",
    "tools/go.mod": "module github.com/acme/shop/tools\n",
    "tools/gen/gen.go": "package gen\n\nconst Version = \"1\"\n",
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    for rel, text in FILES.items():
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return tmp_path


def _facts(repo: Path, rel: str):
    return parse_source(rel, "go", (repo / rel).read_bytes())


def test_definitions(repo: Path) -> None:
    facts = _facts(repo, "internal/store/store.go")
    assert facts.diagnostics == []
    assert [(d.name, d.kind, d.qualname, d.start_line, d.end_line) for d in facts.definitions] == [
        ("MaxItems", "constant", "store.MaxItems", 12, 12),
        ("ErrFull", "variable", "store.ErrFull", 14, 14),
        ("Store", "struct", "store.Store", 17, 20),
        ("mu", "variable", "store.Store.mu", 18, 18),
        ("items", "variable", "store.Store.items", 19, 19),
        ("Getter", "interface", "store.Getter", 23, 25),
        ("Get", "method", "store.Getter.Get", 24, 24),
        ("New", "function", "store.New", 28, 30),
        ("Add", "method", "store.Store.Add", 33, 41),  # qualified by its receiver type
        ("Total", "method", "store.Store.Total", 43, 49),
    ]
    by_qual = {d.qualname: d for d in facts.definitions}
    assert by_qual["store.Store.Add"].signature == "func (s *Store) Add(it Item) error"
    assert by_qual["store.Store.Add"].doc == "Add stores an item."
    assert by_qual["store.Store.Add"].parent == "store.Store"
    assert by_qual["store.Store.Total"].doc == ""
    assert by_qual["store.Store"].signature == "Store struct"
    assert by_qual["store.Store"].doc == "Store holds items by id."
    assert by_qual["store.MaxItems"].doc == "MaxItems bounds a store."
    assert by_qual["store.Getter.Get"].signature == "Get(id string) (Item, bool)"
    money = _facts(repo, "pkg/money/money.go")
    assert [(d.qualname, d.kind, d.parent) for d in money.definitions] == [
        ("money.Amount", "type", None),
        ("money.Amount.Add", "method", "money.Amount"),
    ]
    assert money.definitions[0].doc == "Amount is in cents."


def test_references(repo: Path) -> None:
    refs = {(r.name, r.line) for r in _facts(repo, "internal/store/store.go").references}
    assert {("Mutex", 18), ("sync", 18), ("Item", 19), ("Store", 28), ("Lock", 34), ("MaxItems", 36),
            ("ErrFull", 37), ("Amount", 43), ("money", 43), ("Price", 46), ("Add", 46)} <= refs
    assert not {("MaxItems", 12), ("Store", 17), ("New", 28), ("Add", 33), ("store", 2)} & refs


def test_imports(repo: Path) -> None:
    assert _facts(repo, "internal/store/store.go").imports == [
        Import("errors", (), 5),
        Import("sync", (), 6),
        Import("github.com/acme/shop/pkg/money", (), 8),
    ]
    assert [i.module for i in _facts(repo, "cmd/server/main.go").imports] == [
        "fmt",
        "github.com/acme/shop/internal/store",
        "github.com/acme/shop/tools/gen",
        "github.com/google/uuid",
    ]
    assert _facts(repo, "internal/store/item.go").imports == [Import("github.com/acme/shop/pkg/money", (), 3)]


def test_resolution(repo: Path) -> None:
    paths = sorted(p.relative_to(repo).as_posix() for p in repo.rglob("*") if p.is_file())
    ctx = RepoContext.build(paths, lambda p: (repo / p).read_bytes())
    assert ctx.go_modules == {"github.com/acme/shop": "", "github.com/acme/shop/tools": "tools"}
    main = "cmd/server/main.go"
    assert [resolve_import(main, "go", i, ctx) for i in _facts(repo, main).imports] == [
        [],  # fmt: standard library
        ["internal/store/item.go", "internal/store/store.go"],  # the package's files, not its tests
        ["tools/gen/gen.go"],  # the nested module tools/go.mod wins over the root module
        [],  # a dependency
    ]
    store = "internal/store/store.go"
    assert [resolve_import(store, "go", i, ctx) for i in _facts(repo, store).imports] == [
        [], [], ["pkg/money/money.go"],
    ]
    # the importing file itself is never in the answer
    own_package = Import("github.com/acme/shop/internal/store", (), 1)
    assert resolve_import("internal/store/item.go", "go", own_package, ctx) == ["internal/store/store.go"]
    assert resolve_import(main, "go", Import("github.com/acme/shop/missing", (), 1), ctx) == []
