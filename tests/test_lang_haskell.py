"""Haskell through `contextpack index`: tags query (grammars/haskell.scm), signatures merged with their
equations, and `import A.B` resolved under the cabal file's hs-source-dirs."""

from __future__ import annotations

from pathlib import Path

from indexed import cli_index, edges_from, write_files
from lang_cli import pack_paths, symbols

FILES = {
    "shop.cabal": """cabal-version: 2.4
name:          shop
version:       0.1.0

library
  exposed-modules: Shop.Cart, Shop.Item, Config
  hs-source-dirs:  src
  build-depends:   base, containers

test-suite spec
  type:           exitcode-stdio-1.0
  main-is:        Spec.hs
  hs-source-dirs: test
  build-depends:  base, shop
""",
    "src/Shop/Cart.hs": """{-# LANGUAGE PatternSynonyms #-}
module Shop.Cart
  ( Cart (..)
  , addItem
  , cartTotal
  ) where

import qualified Data.Map as M
import Shop.Item (Item (..), price)

-- | A shopping cart.
data Cart = Cart
  { cartItems :: [Item]
  , cartOwner :: String
  } deriving (Show)

newtype CartId = CartId Int

type Quantity = Int

class Priced a where
  priceOf :: a -> Int

instance Priced Cart where
  priceOf = cartTotal

pattern EmptyCart :: Cart
pattern EmptyCart <- Cart [] _

addItem :: Item -> Cart -> Cart
addItem i c = c { cartItems = i : cartItems c }

cartTotal :: Cart -> Int
cartTotal (Cart [] _) = 0
cartTotal (Cart (i:is) o) =
  price i + cartTotal (Cart is o)
""",
    "src/Shop/Item.hs": """module Shop.Item where

data Item = Item { itemName :: String, itemPrice :: Int }

price :: Item -> Int
price = itemPrice
""",
    "src/Config.hs": "module Config (defaultOwner) where\n\ndefaultOwner :: String\ndefaultOwner = \"anon\"\n",
    "test/Spec.hs": """module Main (main) where

import Config (defaultOwner)
import Shop.Cart
import Test.Hspec

main :: IO ()
main = hspec $ it "totals" $ cartTotal (Cart [] defaultOwner) `shouldBe` 0
""",
}


def test_definitions_and_imports(tmp_path: Path) -> None:
    repo = write_files(tmp_path / "repo", FILES)
    store = cli_index(repo, tmp_path / "index.sqlite")
    defs = [(d.name, d.kind, d.qualname, d.start_line, d.end_line) for d in store.definitions("src/Shop/Cart.hs")]
    assert defs == [
        ("Cart", "type", "Shop.Cart.Cart", 12, 15),
        ("cartItems", "variable", "Shop.Cart.Cart.cartItems", 13, 13),
        ("cartOwner", "variable", "Shop.Cart.Cart.cartOwner", 14, 14),
        ("CartId", "type", "Shop.Cart.CartId", 17, 17),
        ("Quantity", "type", "Shop.Cart.Quantity", 19, 19),
        ("Priced", "interface", "Shop.Cart.Priced", 21, 22),
        ("priceOf", "method", "Shop.Cart.Priced.priceOf", 22, 22),
        ("EmptyCart", "function", "Shop.Cart.EmptyCart", 27, 28),  # a pattern synonym and its signature
        ("addItem", "function", "Shop.Cart.addItem", 30, 31),  # signature and equation: one definition
        ("cartTotal", "function", "Shop.Cart.cartTotal", 33, 36),  # … and every equation after it
    ]
    by_name = {d.name: d for d in store.definitions("src/Shop/Cart.hs")}
    assert by_name["cartTotal"].signature == "cartTotal :: Cart -> Int"
    assert by_name["Cart"].doc == "A shopping cart."
    assert [(i.module, i.names) for i in store.imports("src/Shop/Cart.hs")] == [
        ("Data.Map", ()), ("Shop.Item", ("Item", "price"))]
    assert "shop.cabal" in {f.path for f in store.files()}
    assert edges_from(store, "src/Shop/Cart.hs") == ["src/Shop/Item.hs"]
    # the test suite reaches the library's modules through the cabal file's hs-source-dirs (`Config` is
    # found nowhere else); Test.Hspec is a dependency
    assert edges_from(store, "test/Spec.hs") == ["src/Config.hs", "src/Shop/Cart.hs"]


def test_hpack_source_dirs(tmp_path: Path) -> None:
    """A stack project's package.yaml (hpack) gives the source directories instead of a .cabal file."""
    files = {k: v for k, v in FILES.items() if k != "shop.cabal"}
    files["package.yaml"] = ("name: shop\nlibrary:\n  source-dirs: src\ntests:\n  spec:\n    main: Spec.hs\n"
                             "    source-dirs:\n      - test\n      - test-support\n")
    repo = write_files(tmp_path / "repo", files)
    store = cli_index(repo, tmp_path / "index.sqlite")
    assert edges_from(store, "test/Spec.hs") == ["src/Config.hs", "src/Shop/Cart.hs"]


def test_without_cabal_a_single_name_module_is_not_guessed(tmp_path: Path) -> None:
    files = {k: v for k, v in FILES.items() if k != "shop.cabal"}
    repo = write_files(tmp_path / "repo", files)
    store = cli_index(repo, tmp_path / "index.sqlite")
    assert edges_from(store, "test/Spec.hs") == ["src/Shop/Cart.hs"]  # by its unique path Shop/Cart.hs


def test_symbols_and_pack(tmp_path: Path) -> None:
    repo = write_files(tmp_path / "repo", FILES)
    index = tmp_path / "index.sqlite"
    cli_index(repo, index).close()
    assert symbols(repo, index, "cartTotal") == [("src/Shop/Cart.hs:33", "function", "Shop.Cart.cartTotal")]
    assert pack_paths(repo, index, "cartTotal returns the wrong sum for a cart with one item")[0] == \
        "src/Shop/Cart.hs"
