"""Constructs each language's query used to miss or misname, and bogus definitions it used to make,
checked through `contextpack index` on small realistic files."""

from __future__ import annotations

import pytest
from indexed import cli_index, write_files

REPO = {
    "lib/app.js": """\
'use strict';

module.exports = function createApp(options) {
  const app = { options };
  app.use(function logger(req, res, next) { next(); });
  return app;
};

const handlers = {
  onClick: function (event) { return event.target; },
  onHover: (event) => event,
};

function Widget() {
  this.render = function () { return '<div/>'; };
}
""",
    "src/Money.cs": """\
using System;

namespace Shop;

public sealed class Money
{
    public event EventHandler Changed;
    public event EventHandler Closed { add { } remove { } }
    public static Money operator +(Money a, Money b) => a;
    public static implicit operator decimal(Money m) => 0m;
    public int this[int index] => index;
    ~Money() { }
}
""",
    "lib/user.rb": """\
class User
  attr_reader :name, :email
  attr_accessor :age
  alias full_name name
  alias_method :to_s, :name

  def greet
    "hi #{name}"
  end
end
""",
    "src/ext.rs": """\
pub trait Reader {
    type Item;
    fn r#match(&self) -> bool;
}

pub struct Buf;

impl Reader for &mut Buf {
    type Item = u8;
    fn r#match(&self) -> bool { true }
}

pub trait Hex {
    fn hex(&self) -> String;
}

impl Hex for [u8] {
    fn hex(&self) -> String { String::new() }
}

impl Hex for str {
    fn hex(&self) -> String { String::new() }
}
""",
    "src/signal.c": """\
#include "signal.h"

typedef void handler_fn(int signal);

static void on_signal(int s) {
    UNUSED(s);
}
""",
    "src/file.h": """\
#pragma once
#include <string>
#define FMT_API __attribute__((visibility("default")))

namespace fmt {
class FMT_API file {
 public:
  void close();
};

class Mutex {
 public:
  void Lock() GTEST_LOCK_EXCLUDED_(mutex_);
 private:
  GTEST_DISALLOW_COPY_AND_ASSIGN_(Mutex);
};

inline int run(int argc) {
  std::string name(argc);
  return static_cast<int>(name.size());
}
}  // namespace fmt
""",
}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("constructs")
    return cli_index(write_files(tmp / "repo", REPO), tmp / "index.sqlite")


def defs(store, path: str) -> list[tuple[str, str]]:
    return [(d.kind, d.qualname) for d in store.definitions(path)]


def test_javascript_function_expressions(store) -> None:
    assert defs(store, "lib/app.js") == [
        ("function", "lib.app.createApp"),  # module.exports = function createApp (not "exports")
        ("function", "lib.app.createApp.logger"),  # a named function expression passed as an argument
        ("constant", "lib.app.handlers"),
        ("function", "lib.app.handlers.onClick"),  # key: function
        ("function", "lib.app.handlers.onHover"),
        ("function", "lib.app.Widget"),
        ("function", "lib.app.Widget.render"),  # a member assignment below the top level
    ]


def test_csharp_events_operators_indexers_destructors(store) -> None:
    assert defs(store, "src/Money.cs") == [
        ("class", "Shop.Money"),
        ("variable", "Shop.Money.Changed"), ("variable", "Shop.Money.Closed"),
        ("method", "Shop.Money.operator+"), ("method", "Shop.Money.operator decimal"),
        ("method", "Shop.Money.this"), ("method", "Shop.Money.~Money"),
    ]


def test_ruby_attributes_and_aliases(store) -> None:
    assert defs(store, "lib/user.rb") == [
        ("class", "lib.user.User"),
        ("method", "lib.user.User.name"), ("method", "lib.user.User.email"), ("method", "lib.user.User.age"),
        ("method", "lib.user.User.full_name"), ("method", "lib.user.User.to_s"),
        ("method", "lib.user.User.greet"),
    ]


def test_rust_associated_types_reference_and_slice_impls_raw_identifiers(store) -> None:
    assert defs(store, "src/ext.rs") == [
        ("trait", "src.ext.Reader"), ("type", "src.ext.Reader.Item"), ("method", "src.ext.Reader.match"),
        ("struct", "src.ext.Buf"),
        ("impl", "src.ext.Buf"), ("type", "src.ext.Buf.Item"), ("method", "src.ext.Buf.match"),
        ("trait", "src.ext.Hex"), ("method", "src.ext.Hex.hex"),
        ("impl", "src.ext.[u8]"), ("method", "src.ext.[u8].hex"),
        ("impl", "src.ext.str"), ("method", "src.ext.str.hex"),
    ]


def test_c_function_type_typedef_and_no_macro_call(store) -> None:
    assert defs(store, "src/signal.c") == [("type", "src.signal.handler_fn"), ("function", "src.signal.on_signal")]


def test_cpp_export_macro_and_no_bogus_functions(store) -> None:
    assert defs(store, "src/file.h") == [
        ("constant", "src.file.FMT_API"),
        ("namespace", "src.file.fmt"),
        ("class", "src.file.fmt.file"), ("method", "src.file.fmt.file.close"),  # after the export macro
        ("class", "src.file.fmt.Mutex"), ("method", "src.file.fmt.Mutex.Lock"),  # not GTEST_LOCK_EXCLUDED_
        ("function", "src.file.fmt.run"),  # and no `name`: a local variable, not a function
    ]
