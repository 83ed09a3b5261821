"""`.h` is shared by C and C++: a C++ header (classes, namespaces, templates) is parsed with the C++
grammar, a C header stays C even when it is C++-compatible (`extern "C"` under `__cplusplus`) or uses C++
keywords as identifiers (which the C++ grammar would choke on). Checked through `contextpack index`."""

from __future__ import annotations

import time
from pathlib import Path

from indexed import cli_index, write_files

from contextpack.languages import header_language

CPP_HEADER = """\
// Widgets of the toolkit.
#pragma once
#include <string>
#include "ui/export.h"

namespace acme {
namespace ui {

/// A thing on the screen.
class Widget {
 public:
  explicit Widget(std::string name);
  virtual ~Widget() = default;
  virtual void draw() const;
  const std::string& name() const { return name_; }

 private:
  std::string name_;
};

template <typename T>
struct Box {
  T value;
};

}  // namespace ui
}  // namespace acme
"""

C_HEADER = """\
/* A list of nodes. Mirrors the C++ class std::list, see list::push in docs. */
#ifndef LIST_H
#define LIST_H
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct node {
    struct node *next;
    int class;  /* C code may name a member `class` */
};

typedef struct list {
    struct node *head;
    size_t len;
} list_t;

/* Insert `new` after `old`. */
void list_insert(struct node *old, struct node *new);
size_t list_len(const list_t *l);

#ifdef __cplusplus
}
#endif
#endif
"""

REPO = {
    "include/ui/widget.h": CPP_HEADER,
    "include/ui/export.h": "#pragma once\n#define UI_API __attribute__((visibility(\"default\")))\n",
    "src/widget.cc": '#include "ui/widget.h"\n\nnamespace acme::ui {\nvoid Widget::draw() const {}\n}\n',
    "lib/list.h": C_HEADER,
    "lib/list.c": '#include "list.h"\n\nsize_t list_len(const list_t *l) { return l->len; }\n',
}


def test_cpp_header_gets_classes_and_namespaces(tmp_path: Path) -> None:
    store = cli_index(write_files(tmp_path / "repo", REPO), tmp_path / "index.sqlite")
    defs = {(d.kind, d.qualname) for d in store.definitions("include/ui/widget.h")}
    assert {("namespace", "include.ui.widget.acme"), ("namespace", "include.ui.widget.acme.ui"),
            ("class", "include.ui.widget.acme.ui.Widget"), ("method", "include.ui.widget.acme.ui.Widget.draw"),
            ("struct", "include.ui.widget.acme.ui.Box")} <= defs
    assert not [d for d in store.diagnostics() if d[0] == "include/ui/widget.h"]


def test_c_header_stays_c(tmp_path: Path) -> None:
    store = cli_index(write_files(tmp_path / "repo", REPO), tmp_path / "index.sqlite")
    defs = {(d.kind, d.name) for d in store.definitions("lib/list.h")}
    assert {("struct", "node"), ("type", "list_t"), ("function", "list_insert"), ("function", "list_len")} <= defs
    assert header_language(C_HEADER.encode()) == "c"  # C++ words in its comments and strings do not count


def test_header_language_signals() -> None:
    assert header_language(b"class FMT_API file {\n};\n") == "cpp"
    assert header_language(b"template<class T> T max(T a, T b);\n") == "cpp"
    assert header_language(b"#include <vector>\n") == "cpp"
    assert header_language(b"enum class Color { red };\n") == "cpp"
    assert header_language(b"// std::vector is not used here\nint f(void);\n") == "c"
    assert header_language(b'const char *s = "a::b";\n') == "c"
    assert header_language(b"#include <stdio.h>\nstruct s { unsigned class : 1; };\n") == "c"


def test_header_language_is_linear_on_hostile_input() -> None:
    """Hostile headers once took minutes: an unterminated comment opener per line (a lazy match each),
    blank lines (a line-spanning \\s* from every line start)."""
    started = time.monotonic()
    assert header_language(b"int a; /* x\n" * 50_000) == "c"
    assert header_language(b'"' + b"a" * 1_000_000) == "c"
    assert header_language(b"\n" * 200_000) == "c"  # a \s* at each line start rescanned every later line
    assert header_language(b"namespace a\n" * 20_000) == "cpp"
    assert time.monotonic() - started < 1.0
