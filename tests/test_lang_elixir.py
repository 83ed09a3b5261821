"""Elixir: tags query (grammars/elixir.scm) and module resolution (alias/import/require/use → the files defining
the module), on a mix project indexed with `contextpack index`."""

from __future__ import annotations

from pathlib import Path

import pytest
from indexed import cli_index, edges_from, write_files
from lang_cli import pack_paths, symbols

from contextpack.store import Store

FILES = {
    "mix.exs": """defmodule Shop.MixProject do
  use Mix.Project

  def project do
    [app: :shop, version: "0.1.0", deps: deps()]
  end

  defp deps, do: [{:jason, "~> 1.4"}]
end
""",
    "lib/shop/cart.ex": """defmodule Shop.Cart do
  @moduledoc \"\"\"
  A cart. Example:

      defmodule MyCart do
        def total(_), do: 0
      end
  \"\"\"
  alias Shop.{Item, Pricing}
  alias Shop.Pricing.Rules, as: R
  import Shop.Util, only: [round_cents: 1]
  require Logger
  use GenServer

  @type t :: %__MODULE__{items: [Item.t()]}
  @callback priced(t) :: integer

  defstruct items: []

  # Adds an item.
  def add(%__MODULE__{items: items} = cart, %Item{} = item) when is_list(items) do
    %{cart | items: [item | items]}
  end

  def total(cart), do: cart.items |> Enum.map(&Pricing.price/1) |> Enum.sum() |> round_cents()

  defp log(msg), do: Logger.debug(msg)

  defmacro empty?(cart) do
    quote do: unquote(cart).items == []
  end

  defmodule Full do
    defexception message: "cart is full"
  end
end
""",
    "lib/shop.ex": """defmodule Shop do
  @moduledoc \"\"\"
  The shop. A cart of your own looks like this:

      defmodule Cart do
        def total(_), do: 0
      end
  \"\"\"
end
""",
    "lib/shop/item.ex": """defmodule Shop.Item do
  @type t :: %__MODULE__{}
  defstruct [:name, :cents]
end
""",
    # two modules in one file: Shop.Pricing and (nested) Shop.Pricing.Rules
    "lib/shop/pricing.ex": """defmodule Shop.Pricing do
  def price(%Shop.Item{cents: c}), do: c

  defmodule Rules do
    def apply(cents, _rules), do: cents
  end
end
""",
    "lib/shop/util.ex": """defmodule Shop.Util do
  def round_cents(x), do: round(x)
end

defprotocol Shop.Priced do
  def price(thing)
end

defimpl Shop.Priced, for: Shop.Item do
  def price(item), do: item.cents
end
""",
    "test/shop/cart_test.exs": """defmodule Shop.CartTest do
  use ExUnit.Case, async: true
  alias Shop.Cart

  test "adds" do
    assert %Cart{items: [_]} = Cart.add(%Cart{}, %Shop.Item{})
  end
end
""",
}


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Store]:
    tmp = tmp_path_factory.mktemp("elixir")
    repo = write_files(tmp / "repo", FILES)
    return repo, tmp / "index" / "index.sqlite", cli_index(repo, tmp / "index" / "index.sqlite")


def test_definitions(indexed: tuple[Path, Path, Store]) -> None:
    _, _, store = indexed
    q = "lib.shop.cart.Shop.Cart"
    assert [(d.name, d.kind, d.qualname, d.start_line, d.end_line)
            for d in store.definitions("lib/shop/cart.ex")] == [
        ("Cart", "module", q, 1, 36),  # not MyCart: a code example inside the @moduledoc string
        ("t", "type", f"{q}.t", 15, 15),
        ("priced", "function", f"{q}.priced", 16, 16),  # a @callback
        ("add", "function", f"{q}.add", 21, 23),
        ("total", "function", f"{q}.total", 25, 25),
        ("log", "function", f"{q}.log", 27, 27),
        ("empty?", "function", f"{q}.empty?", 29, 31),
        ("Full", "module", f"{q}.Full", 33, 35),
    ]
    by_name = {d.name: d for d in store.definitions("lib/shop/cart.ex")}
    assert by_name["add"].doc == "Adds an item."
    assert by_name["add"].signature.startswith("def add(%__MODULE__{items: items} = cart, %Item{} = item)")
    # `defmodule Shop.Util` is named Util, qualified under Shop (as Ruby's `class Shop::Util`)
    assert [(d.name, d.kind) for d in store.definitions("lib/shop/util.ex")] == [
        ("Util", "module"), ("round_cents", "function"), ("Priced", "interface"), ("price", "method"),
        ("Priced", "impl"), ("price", "method")]  # a protocol's functions and their implementations


def test_modules_resolve_through_index(indexed: tuple[Path, Path, Store]) -> None:
    _, _, store = indexed
    # alias Shop.{Item, Pricing}; a nested module (Shop.Pricing.Rules, in pricing.ex); import Shop.Util;
    # Logger, GenServer: not defined in the repository
    assert edges_from(store, "lib/shop/cart.ex") == ["lib/shop/item.ex", "lib/shop/pricing.ex", "lib/shop/util.ex"]
    assert edges_from(store, "test/shop/cart_test.exs") == ["lib/shop/cart.ex"]
    # (`defmodule Cart` inside Shop's @moduledoc is an example, not a definition of Shop.Cart)


def test_symbols_and_pack(indexed: tuple[Path, Path, Store]) -> None:
    repo, index, _ = indexed
    assert symbols(repo, index, "Cart.total") == [
        ("lib/shop/cart.ex:25", "function", "lib.shop.cart.Shop.Cart.total")]
    assert pack_paths(
        repo, index, "fix: Shop.Cart.total ignores the pricing rules")[0] == "lib/shop/cart.ex"
