"""C# preprocessor directives: a namespace inside `#if`/`#endif` keeps its qualified name, and a class
whose base list is conditional (`class X` then `#if SYM : IFoo #endif`) is named X, not SYM. Checked
through `contextpack index`."""

from __future__ import annotations

import pytest
from indexed import cli_index, write_files

REPO = {
    "src/Acme.Core/Acme.Core.csproj": '<Project Sdk="Microsoft.NET.Sdk"></Project>\n',
    "src/Acme.Core/Widget.cs": """\
using System;

#if NET6_0_OR_GREATER
namespace Acme.Core
{
    /// <summary>Draws itself.</summary>
    public sealed class Widget
    {
        public void Draw() { }
    }
}
#endif
""",
    "src/Acme.Core/Repository.cs": """\
using System;

namespace Acme.Core
{
    public class Repository
#if NET6_0_OR_GREATER
        : IAsyncDisposable
#else
        : IDisposable
#endif
    {
        public void Save() { }

        public int Count()
        {
            var n = 1
#if DEBUG
                + 1
#endif
                ;
            return n;
        }
    }

    public interface IStore { void Put(string key); }
}
""",
    "src/Acme.Core/Legacy.cs": """\
#if NETSTANDARD2_0
namespace Acme.Core.Compat
#else
namespace Acme.Core.Modern
#endif
{
    public static class Clock { }
}
""",
}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("csharp-preproc")
    return cli_index(write_files(tmp / "repo", REPO), tmp / "index.sqlite")


def quals(store, path: str) -> list[tuple[str, str]]:
    return [(d.kind, d.qualname) for d in store.definitions(path)]


def test_namespace_inside_if_keeps_its_name(store) -> None:
    assert quals(store, "src/Acme.Core/Widget.cs") == [
        ("class", "Acme.Core.Widget"), ("method", "Acme.Core.Widget.Draw")]


def test_conditional_base_list_does_not_rename_the_class(store) -> None:
    assert quals(store, "src/Acme.Core/Repository.cs") == [
        ("class", "Acme.Core.Repository"), ("method", "Acme.Core.Repository.Save"),
        ("method", "Acme.Core.Repository.Count"), ("interface", "Acme.Core.IStore"),
        ("method", "Acme.Core.IStore.Put")]
    assert not store.find_definitions("NET6_0_OR_GREATER")


def test_conditional_namespace_name_takes_the_first_branch(store) -> None:
    assert quals(store, "src/Acme.Core/Legacy.cs") == [("class", "Acme.Core.Compat.Clock")]
