"""OCaml through `contextpack index`: tags queries (grammars/ocaml.scm for .ml, ocaml_interface.scm for
.mli), and the modules a file names resolved to compilation units (foo.ml defines Foo), through a wrapped
dune library's name when qualified by it; never when ambiguous."""

from __future__ import annotations

from pathlib import Path

from indexed import cli_index, edges_from, write_files
from lang_cli import pack_paths, symbols

FILES = {
    "dune-project": "(lang dune 3.0)\n",
    "lib/dune": "(library\n (name shop)\n (libraries yojson))\n",
    "lib/cart.ml": """open Printf

(** Items being bought. *)
type t = { items : Item.t list; owner : string }

and line = Line of Item.t * int

exception Empty_cart

let empty owner = { items = []; owner }

let rec total = function
  | [] -> 0
  | i :: rest -> Item.price i + total rest

let ( +! ) c i = { c with items = i :: c.items }

let max_items = 50

module Receipt = struct
  type line = string

  let print c = printf "%d\\n" (total c.items)
end

module type PRICED = sig
  val price : t -> int
end

class counter = object
  val mutable n = 0
  method incr = n <- n + 1
end

let () = Receipt.print (empty "x")
""",
    "lib/cart.mli": """type t

val empty : string -> t
val total : Item.t list -> int
val ( +! ) : t -> Item.t -> t
""",
    "lib/item.ml": "type t = { name : string; cents : int }\n\nlet price i = i.cents\n",
    "lib/util.ml": "let clamp x = max 0 x\n",
    "bin/dune": "(executable\n (name main)\n (libraries shop))\n",
    "bin/main.ml": """let () =
  let c = Shop.Cart.empty "me" in
  print_int (Shop.Cart.total c.Shop.Cart.items);
  print_int (Util.clamp 1)
""",
    "bin/util.ml": "let clamp x = min 10 x\n",
    "test/util.ml": "let clamp x = x\n",
    "test/test_cart.ml": "let () = assert (Util.clamp 0 = 0)\n",
}


def test_definitions_and_imports(tmp_path: Path) -> None:
    repo = write_files(tmp_path / "repo", FILES)
    store = cli_index(repo, tmp_path / "index.sqlite")
    assert [(d.name, d.kind, d.qualname, d.start_line, d.end_line) for d in store.definitions("lib/cart.ml")] == [
        ("t", "type", "lib.cart.t", 4, 4),
        ("line", "type", "lib.cart.line", 6, 6),
        ("Empty_cart", "type", "lib.cart.Empty_cart", 8, 8),
        ("empty", "function", "lib.cart.empty", 10, 10),
        ("total", "function", "lib.cart.total", 12, 14),
        ("+!", "function", "lib.cart.+!", 16, 16),
        ("max_items", "variable", "lib.cart.max_items", 18, 18),
        ("Receipt", "module", "lib.cart.Receipt", 20, 24),
        ("line", "type", "lib.cart.Receipt.line", 21, 21),
        ("print", "function", "lib.cart.Receipt.print", 23, 23),
        ("PRICED", "interface", "lib.cart.PRICED", 26, 28),
        ("price", "method", "lib.cart.PRICED.price", 27, 27),
        ("counter", "class", "lib.cart.counter", 30, 33),
        ("incr", "method", "lib.cart.counter.incr", 32, 32),
    ]
    assert [(d.name, d.kind) for d in store.definitions("lib/cart.mli")] == [
        ("t", "type"), ("empty", "function"), ("total", "function"), ("+!", "function")]
    # each module named once; Receipt is the file's own module, Printf the standard library's
    assert [i.module for i in store.imports("lib/cart.ml")] == ["Printf", "Item"]
    assert edges_from(store, "lib/cart.ml") == ["lib/item.ml"]
    assert edges_from(store, "lib/cart.mli") == ["lib/item.ml"]
    # Shop.Cart: the dune library shop wraps lib/cart.ml; Util: the unit beside the file, not test/'s
    assert edges_from(store, "bin/main.ml") == ["bin/util.ml", "lib/cart.ml"]
    assert edges_from(store, "test/test_cart.ml") == ["test/util.ml"]


def test_ambiguous_module_has_no_edge(tmp_path: Path) -> None:
    """Three util.ml and none beside the file: no edge rather than a guess."""
    files = {**FILES, "tools/report.ml": "let () = print_int (Util.clamp 3)\n"}
    repo = write_files(tmp_path / "repo", files)
    store = cli_index(repo, tmp_path / "index.sqlite")
    assert edges_from(store, "tools/report.ml") == []


def test_ambiguous_module_of_a_dune_dependency(tmp_path: Path) -> None:
    """The same name in several directories: the one in a library the file's dune stanza depends on;
    `Shop__.Item` (dune's alias module of the wrapped library) is lib/item.ml."""
    files = {**FILES, "tools/dune": "(executable\n (name report)\n (libraries shop yojson))\n",
             "tools/report.ml": "let () = print_int (Util.clamp (Shop__.Item.price x))\n"}
    repo = write_files(tmp_path / "repo", files)
    store = cli_index(repo, tmp_path / "index.sqlite")
    assert edges_from(store, "tools/report.ml") == ["lib/item.ml", "lib/util.ml"]


def test_symbols_and_pack(tmp_path: Path) -> None:
    repo = write_files(tmp_path / "repo", FILES)
    index = tmp_path / "index.sqlite"
    cli_index(repo, index).close()
    assert ("lib/cart.ml:12", "function", "lib.cart.total") in symbols(repo, index, "total")
    # the unit and its interface lead; which of the two comes first is the learned ranker's near-tie
    # (both define `total`; the interface is the better BM25 match, the unit has the better definition)
    assert sorted(pack_paths(repo, index, "Cart.total is wrong for an empty cart")[:2]) == ["lib/cart.ml",
                                                                                          "lib/cart.mli"]
