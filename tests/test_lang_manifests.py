"""Manifests reach the import resolvers in a real `contextpack index` run (go.mod, Cargo.toml, package.json,
tsconfig.json, pom.xml, composer.json, Gemfile, *.csproj): without them a Go module resolves none of its
own imports."""

from __future__ import annotations

from pathlib import Path

from indexed import cli_index, edges_from, write_files
from test_lang_go import FILES as GO_FILES

MANIFESTS = {
    "go.mod": "module github.com/acme/shop\n\ngo 1.22\n",
    "go.work": "go 1.22\n\nuse .\n",
    "Cargo.toml": '[package]\nname = "shop"\nversion = "0.1.0"\n',
    "package.json": '{"name": "shop-web", "main": "index.js"}\n',
    "tsconfig.json": '{"compilerOptions": {"baseUrl": "."}}\n',
    "pom.xml": "<project><groupId>com.acme</groupId><artifactId>shop</artifactId></project>\n",
    "composer.json": '{"autoload": {"psr-4": {"Acme\\\\": "src/"}}}\n',
    "Gemfile": "source 'https://rubygems.org'\ngem 'rails'\n",
    "src/Shop/Shop.csproj": '<Project Sdk="Microsoft.NET.Sdk"></Project>\n',
    "Directory.Build.props": "<Project></Project>\n",
}


def test_go_module_imports_resolve_through_index(tmp_path: Path) -> None:
    repo = write_files(tmp_path / "repo", GO_FILES)
    store = cli_index(repo, tmp_path / "index.sqlite")
    assert {"go.mod", "tools/go.mod"} <= {f.path for f in store.files()}
    assert edges_from(store, "cmd/server/main.go") == [
        "internal/store/item.go", "internal/store/store.go", "tools/gen/gen.go"]
    assert edges_from(store, "internal/store/store.go") == ["pkg/money/money.go"]
    assert edges_from(store, "internal/store/item.go") == ["pkg/money/money.go"]


def test_every_manifest_is_indexed(tmp_path: Path) -> None:
    repo = write_files(tmp_path / "repo", MANIFESTS)
    store = cli_index(repo, tmp_path / "index.sqlite")
    assert sorted(f.path for f in store.files()) == sorted(MANIFESTS)


def test_go_module_edit_re_resolves(tmp_path: Path) -> None:
    """Renaming the module in go.mod is a change of resolution context: the next refresh re-resolves."""
    repo = write_files(tmp_path / "repo", GO_FILES)
    index = tmp_path / "index.sqlite"
    cli_index(repo, index).close()
    (repo / "go.mod").write_text("module example.com/other\n", encoding="utf-8")
    store = cli_index(repo, index)
    assert edges_from(store, "internal/store/item.go") == []


def test_csproj_root_namespace_edit_re_resolves(tmp_path: Path) -> None:
    """A .csproj's RootNamespace maps namespaces to its folders (for files that declare none: a namespace
    some file declares resolves to that file); editing it re-resolves every `using`."""
    repo = write_files(tmp_path / "repo", {
        "Shop/Shop.csproj": "<Project><PropertyGroup><RootNamespace>Acme.Shop</RootNamespace>"
                            "</PropertyGroup></Project>\n",
        "Shop/Models/Order.cs": "public class Order { }\n",
        "Shop/Program.cs": "using Acme.Shop.Models;\n\nnamespace Acme.Shop;\n\npublic static class Program { }\n",
    })
    index = tmp_path / "index.sqlite"
    assert edges_from(cli_index(repo, index), "Shop/Program.cs") == ["Shop/Models/Order.cs"]
    (repo / "Shop/Shop.csproj").write_text("<Project><PropertyGroup><RootNamespace>Other</RootNamespace>"
                                           "</PropertyGroup></Project>\n", encoding="utf-8")
    assert edges_from(cli_index(repo, index), "Shop/Program.cs") == []
