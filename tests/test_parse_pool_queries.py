"""A cold index large enough for the process pool: the queries compiled in the indexer before the pool
forks (parse.warm_queries) are the ones the workers extract with, for C++ and for Vue script blocks, and
the C++ preparation (an annotation macro before a body) still applies in the workers."""

from __future__ import annotations

from pathlib import Path

from indexed import cli_index, write_files

from contextpack.store import PARALLEL_THRESHOLD

CC = """namespace app {{
class Widget{i} {{
 public:
  int size() const GTEST_LOCK_EXCLUDED_(mu_) {{ return {i}; }}
}};
int helper{i}(int x)
    ABSL_LOCKS_EXCLUDED(mu) {{
  return x;
}}
}}  // namespace app
"""

VUE = """<template><p>{{{{ n }}}}</p></template>
<script setup lang="ts">
import {{ helper }} from './util'
function bump{i}(n: number): number {{ return helper(n) }}
</script>
"""


def test_pooled_index_extracts_cpp_and_vue_with_queries_compiled_before_the_fork(tmp_path: Path) -> None:
    n = PARALLEL_THRESHOLD + 6
    files = {f"src/w{i}.cc": CC.format(i=i) for i in range(n)}
    files |= {f"web/C{i}.vue": VUE.format(i=i) for i in range(3)}
    files["web/util.ts"] = "export function helper(n: number): number { return n + 1 }\n"
    store = cli_index(write_files(tmp_path / "repo", files), tmp_path / "index.sqlite")
    for i in range(n):
        defs = {(d.name, d.kind, d.start_line) for d in store.definitions(f"src/w{i}.cc")}
        assert {("app", "namespace", 1), (f"Widget{i}", "class", 2), ("size", "method", 4),
                (f"helper{i}", "function", 6)} <= defs, (i, defs)
    for i in range(3):
        defs = {(d.name, d.kind, d.start_line) for d in store.definitions(f"web/C{i}.vue")}
        assert (f"bump{i}", "function", 4) in defs, defs
        assert "web/util.ts" in [t for src, t in store.import_edges() if src == f"web/C{i}.vue"]
