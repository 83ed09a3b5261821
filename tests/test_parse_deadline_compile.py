"""A language's queries are compiled once per process, by whichever file of that language comes first: that
is not the file's own work, so it must not count against the file's parse time limit (C++'s query takes
0.3 s to compile, more on a loaded machine; a small header indexed first lost its symbols)."""

from __future__ import annotations

from contextpack import languages
from contextpack.parse import parse_source

HEADER = b"namespace fmt {\nclass buffer {\n public:\n  void clear();\n};\n}  // namespace fmt\n"


def test_compiling_the_query_is_not_the_first_files_work() -> None:
    languages._queries.cache_clear()  # this process compiles the C++ queries again, for this file
    facts = parse_source("include/fmt/buffer.h", "cpp", HEADER, seconds=0.1)
    assert [(d.name, d.kind) for d in facts.definitions] == [
        ("fmt", "namespace"), ("buffer", "class"), ("clear", "method")]
    assert facts.diagnostics == []
