"""C# `using` resolves to the files that declare the namespace or type, wherever they are: a namespace
need not be a folder of the same name, and a type need not live in a file named after it (found by
benchmarks/definition_recall.py on Newtonsoft.Json: 557 of 1387 internal usings unresolved)."""

from __future__ import annotations

from pathlib import Path

from indexed import cli_index, edges_from, write_files

FILES = {
    "Src/Acme/Acme.csproj": (
        "<Project><PropertyGroup><RootNamespace>Acme</RootNamespace></PropertyGroup></Project>\n"),
    # a polyfill of a platform namespace, in a folder named after something else
    "Src/Acme/Utilities/NullableAttributes.cs": (
        "namespace System.Diagnostics.CodeAnalysis\n{\n"
        "    internal sealed class NotNullWhenAttribute : System.Attribute { }\n}\n"),
    "Src/Acme/Utilities/LinqBridge.cs": (
        "namespace Acme.Utilities.LinqBridge\n{\n    internal static class Enumerable { }\n}\n"),
    "Src/Acme/Reader.cs": (
        "using System.Diagnostics.CodeAnalysis;\nusing Acme.Utilities.LinqBridge;\n\nnamespace Acme\n{\n"
        "    public class Reader\n    {\n"
        "        public bool TryRead([NotNullWhen(true)] out string s) { s = \"\"; return true; }\n    }\n}\n"),
    "Src/Acme.Tests/Acme.Tests.csproj": "<Project></Project>\n",
    # a type kept in a file named after another one
    "Src/Acme.Tests/TestFixtureBase.cs": (
        "namespace Acme.Tests\n{\n    public class TestFixtureBase { }\n\n"
        "    public class XUnitAssert { public static void AreEqual(object a, object b) { } }\n}\n"),
    "Src/Acme.Tests/ReaderTests.cs": (
        "using Acme;\nusing Assert = Acme.Tests.XUnitAssert;\nusing System.Linq;\n\nnamespace Acme.Tests\n{\n"
        "    public class ReaderTests : TestFixtureBase { }\n}\n"),
}


def test_a_namespace_resolves_to_the_files_declaring_it(tmp_path: Path) -> None:
    store = cli_index(write_files(tmp_path / "repo", FILES), tmp_path / "index.sqlite")
    assert edges_from(store, "Src/Acme/Reader.cs") == [
        "Src/Acme/Utilities/LinqBridge.cs", "Src/Acme/Utilities/NullableAttributes.cs"]


def test_a_type_alias_resolves_to_the_file_declaring_the_type(tmp_path: Path) -> None:
    store = cli_index(write_files(tmp_path / "repo", FILES), tmp_path / "index.sqlite")
    # `using Acme;` → Reader.cs (the namespace's file); the alias → TestFixtureBase.cs; System.Linq → nothing
    assert edges_from(store, "Src/Acme.Tests/ReaderTests.cs") == [
        "Src/Acme.Tests/TestFixtureBase.cs", "Src/Acme/Reader.cs"]
