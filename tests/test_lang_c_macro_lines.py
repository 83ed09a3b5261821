"""C/C++ definitions benchmarks/definition_recall.py found missing on libuv and fmt: a macro alone on its
line (`UV_REQ_FIELDS` as a struct's body, `FMT_BEGIN_EXPORT` before a declaration) glued to the next
declaration; a function-pointer typedef whose function returns a pointer; the second declarator of a
typedef (`*PREPARSE_DATA_BUFFER`); C++ conversion operators; gtest's `F() GTEST_LOCK_EXCLUDED_(mu) {`."""

from __future__ import annotations

from pathlib import Path

from indexed import cli_index, write_files

UV_H = """#ifndef UV_H
#define UV_H
#define UV_REQ_FIELDS void* data;

typedef void* (*uv_malloc_func)(size_t size);
typedef void (*uv_free_func)(void* ptr);

struct uv_req_s {
  UV_REQ_FIELDS
};

UV_PRIVATE_REQ_TYPES

struct uv_shutdown_s {
  UV_REQ_FIELDS
  int status;
};

typedef struct _REPARSE_DATA_BUFFER {
  int tag;
} REPARSE_DATA_BUFFER, *PREPARSE_DATA_BUFFER;

enum uv_only {
  UV_ONLY_MEMBER
};
#endif
"""

COLOR_H = """#include <cstdint>
FMT_PRAGMA_CLANG(diagnostic push)
namespace fmt {
FMT_BEGIN_EXPORT

enum class color : uint32_t {
  alice_blue = 0xF0F8FF,
};

struct view {
  operator bool() const { return true; }
  explicit operator int() const;
};
FMT_END_EXPORT
}  // namespace fmt
"""


def _defs(store, path: str) -> set[tuple[str, str, int]]:
    return {(d.name, d.kind, d.start_line) for d in store.definitions(path)}


def test_c_header_definitions_around_macro_lines(tmp_path: Path) -> None:
    store = cli_index(write_files(tmp_path / "repo", {"include/uv.h": UV_H}), tmp_path / "index.sqlite")
    defs = _defs(store, "include/uv.h")
    assert {("uv_malloc_func", "type", 5), ("uv_free_func", "type", 6), ("uv_req_s", "struct", 8),
            ("uv_shutdown_s", "struct", 14), ("REPARSE_DATA_BUFFER", "type", 19),
            ("PREPARSE_DATA_BUFFER", "type", 19), ("UV_ONLY_MEMBER", "constant", 24)} <= defs, defs


def test_cpp_declaration_after_a_macro_line_and_conversion_operators(tmp_path: Path) -> None:
    store = cli_index(write_files(tmp_path / "repo", {"include/fmt/color.h": COLOR_H}), tmp_path / "index.sqlite")
    defs = _defs(store, "include/fmt/color.h")
    assert {("color", "enum", 6), ("view", "struct", 10), ("operator bool", "method", 11),
            ("operator int", "method", 12)} <= defs, defs


RANGES_H = """#include "format.h"
FMT_PRAGMA_CLANG(diagnostic error "-Wreturn-stack-address")

FMT_BEGIN_NAMESPACE

FMT_EXPORT
enum class range_format { disabled, map, set };
FMT_END_NAMESPACE
"""


def test_cpp_declaration_after_a_macro_call_line(tmp_path: Path) -> None:
    store = cli_index(write_files(tmp_path / "repo", {"include/fmt/ranges.h": RANGES_H, "src/a.cc": ""}),
                      tmp_path / "index.sqlite")
    assert ("range_format", "enum", 7) in _defs(store, "include/fmt/ranges.h")


GTEST_CC = """namespace testing {
std::string OsStackTraceGetter::CurrentStackTrace(int max_depth)
    GTEST_LOCK_EXCLUDED_(mutex_) {
  return "";
}

const TestSuite* UnitTest::current_test_suite() const GTEST_LOCK_EXCLUDED_(mutex_) {
  return impl_->current_test_suite();
}
}  // namespace testing
"""


def test_cpp_function_with_an_annotation_macro_before_its_body(tmp_path: Path) -> None:
    store = cli_index(write_files(tmp_path / "repo", {"src/gtest-all.cc": GTEST_CC}), tmp_path / "index.sqlite")
    defs = {(d.name, d.qualname, d.start_line) for d in store.definitions("src/gtest-all.cc")}
    assert ("CurrentStackTrace", "src.gtest-all.testing.OsStackTraceGetter.CurrentStackTrace", 2) in defs, defs
    assert ("current_test_suite", "src.gtest-all.testing.UnitTest.current_test_suite", 7) in defs, defs
