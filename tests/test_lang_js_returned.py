"""JavaScript / TypeScript: a named function expression that a function returns (`return function
variableLookup(…) {…}`, a factory's product) is a definition (benchmarks/definition_recall.py on express:
`generateETag`, `variableLookup` missed)."""

from __future__ import annotations

from pathlib import Path

from indexed import cli_index, write_files

FACTORY = """function createETagGenerator(options) {
  return function generateETag(body, encoding) {
    return options.weak ? 'W/' + body : body
  }
}
"""


def test_a_returned_named_function_is_defined(tmp_path: Path) -> None:
    repo = write_files(tmp_path / "repo", {"lib/utils.js": FACTORY, "src/etag.ts": FACTORY})
    store = cli_index(repo, tmp_path / "index.sqlite")
    for path in ("lib/utils.js", "src/etag.ts"):
        defs = [(d.name, d.kind, d.start_line, d.end_line) for d in store.definitions(path)]
        assert ("generateETag", "function", 2, 4) in defs, (path, defs)
        assert ("createETagGenerator", "function", 1, 5) in defs
