"""One file's source → `FileFacts` (definitions, references, imports), with tree-sitter.

Uses the language's tags query from `grammars/<lang>.scm` (capture convention documented in python.scm).
A parse that fails or runs past the time limit becomes a diagnostic, never an exception: tree-sitter
recovers from syntax errors, so definitions before an error are still extracted.

    facts = parse_source("pkg/mod.py", "python", Path("pkg/mod.py").read_bytes())
    [d.qualname for d in facts.definitions]   # ["pkg.mod.Class", "pkg.mod.Class.method"]
    facts.imports[0].module                   # "os"
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import NamedTuple

import tree_sitter as ts

from .languages import LANGUAGES, header_language

PARSE_SECONDS = 5.0
_WATCHED_BYTES = 256 * 1024  # parses of larger files run under the time limit
_MAX_SIGNATURE = 400
_MAX_DOC = 400
_CONTAINERS = {"class", "struct", "interface", "trait", "impl", "enum"}


@dataclass(frozen=True)
class Definition:
    name: str
    kind: str
    qualname: str
    start_line: int  # 1-based, inclusive; decorators/attributes included
    end_line: int
    signature: str
    doc: str = ""
    parent: str | None = None  # qualname of the enclosing definition


class Reference(NamedTuple):  # a tuple: files hold hundreds of thousands; cheap to build and pickle
    name: str
    line: int


@dataclass(frozen=True)
class Import:
    module: str  # as written: "os.path", ".models", "./util", "crate::a::b"
    names: tuple[str, ...]
    line: int


@dataclass
class FileFacts:
    path: str
    language: str
    definitions: list[Definition] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    imports: list[Import] = field(default_factory=list)
    diagnostics: list[str] = field(default_factory=list)
    line_count: int = 0


def module_name(path: str, language: str) -> str:
    """The dotted module a path stands for: `pkg/mod.py` → `pkg.mod`, `pkg/__init__.py` → `pkg`."""
    stem = path.rsplit(".", 1)[0] if "." in path.rsplit("/", 1)[-1] else path
    parts = [p for p in stem.split("/") if p]
    if language == "python" and len(parts) > 1 and parts[0] == "src":  # src layout: src/pkg/x.py is pkg.x
        parts = parts[1:]
    if language == "python" and parts and parts[-1] == "__init__":
        parts.pop()
    elif language == "rust" and len(parts) > 1 and parts[-1] == "mod":  # `a/mod.rs` is module `a`
        parts.pop()
    return ".".join(parts)


def _text(node: ts.Node, source: bytes) -> str:
    return source[node.start_byte:node.end_byte].decode("utf-8", errors="replace")


def _signature(node: ts.Node, source: bytes) -> str:
    body = node.child_by_field_name("body")
    end = body.start_byte if body is not None and body.start_byte > node.start_byte else node.end_byte
    if body is not None:  # a comment before the body (Ruby `module X  # note`) is not signature
        end = next((c.start_byte for c in node.named_children
                    if "comment" in c.type and node.start_byte < c.start_byte < end), end)
    text = source[node.start_byte:end].decode("utf-8", errors="replace")
    if body is None:
        text = text.split("\n", 1)[0]
    text = re.sub(r"\s+", " ", text).strip().rstrip("{:").rstrip()
    return text[:_MAX_SIGNATURE]


def _clean_comment(text: str) -> str:
    lines = []
    for line in text.splitlines():
        line = line.strip()
        line = re.sub(r"^(///?|//!|/\*\*?|\*/|\*|#)\s?", "", line).removesuffix("*/").strip()
        lines.append(line)
    return "\n".join(lines).strip()


def _doc(node: ts.Node, language: str, source: bytes) -> str:
    """Docstring (Python) or the contiguous comment block just above the definition."""
    if language == "python":
        body = node.child_by_field_name("body")
        first = body.named_children[0] if body is not None and body.named_children else None
        if first is not None and first.type == "expression_statement" and first.named_children:
            s = first.named_children[0]
            if s.type == "string":
                return _text(s, source).strip("\"'rbuRBU \n")[:_MAX_DOC].strip()
        return ""
    comments: list[str] = []
    node = _outer(node)  # the comment sits above `template <…>`, `export`, …
    prev, line = node.prev_named_sibling, node.start_point[0]
    while prev is not None and prev.type in _ATTRIBUTE_SIBLINGS and prev.end_point[0] >= line - 1:
        prev, line = prev.prev_named_sibling, prev.start_point[0]  # the doc sits above `#[derive(…)]`
    if prev is None and node.parent is not None and node.parent.type == "body_statement":
        prev = node.parent.prev_named_sibling  # Ruby keeps a body's leading comment outside the body
    while prev is not None and "comment" in prev.type and prev.end_point[0] >= line - 1:
        before = prev.prev_named_sibling
        if before is not None and "comment" not in before.type and before.end_point[0] == prev.start_point[0]:
            break  # a trailing comment of the code before it: `}  // namespace x`
        comments.append(_text(prev, source))
        prev, line = prev.prev_named_sibling, prev.start_point[0]
    return _clean_comment("\n".join(reversed(comments)))[:_MAX_DOC]


def _outer(node: ts.Node) -> ts.Node:
    """Widen to wrappers that belong to a definition: decorators, export statements, templates."""
    parent = node.parent
    while parent is not None and (parent.type in (
        "decorated_definition", "export_statement", "template_declaration", "ambient_declaration",
    ) or (parent.type in _SOLE_WRAPPERS and parent.named_child_count == 1)):
        node, parent = parent, parent.parent
    return node


# Declarations that wrap a definition node and belong to it only when it is their sole child:
# `const x = …` (JS/TS), `type X struct` / `const X = 1` (Go), `namespace N {}` (TS, an expression).
_SOLE_WRAPPERS = frozenset({
    "lexical_declaration", "variable_declaration", "type_declaration", "const_declaration",
    "var_declaration", "expression_statement",
})
# Siblings that precede a definition and belong to it (Rust `#[derive(…)]`): in its lines, not its doc.
_ATTRIBUTE_SIBLINGS = frozenset({"attribute_item"})


def _start_line(node: ts.Node) -> int:
    """1-based first line of `_outer(node)`, widened over attribute siblings right above it."""
    node = _outer(node)
    line, prev = node.start_point[0], node.prev_named_sibling
    while prev is not None and prev.type in _ATTRIBUTE_SIBLINGS and prev.end_point[0] >= line - 1:
        line, prev = prev.start_point[0], prev.prev_named_sibling
    return line + 1


def _end_line(node: ts.Node) -> int:
    """1-based last line; a node ending at column 0 (C `#define` takes its newline) ends the line before."""
    row, col = node.end_point
    return row if col == 0 and row > node.start_point[0] else row + 1


def _parse_tree(parser: ts.Parser, source: bytes, seconds: float) -> ts.Tree | None:
    if len(source) <= _WATCHED_BYTES:  # the time-limit callback costs ~40%; small files parse in ms
        return parser.parse(source)
    deadline = time.monotonic() + seconds
    return parser.parse(
        lambda offset, _point: source[offset:offset + 65536],
        progress_callback=lambda *_: time.monotonic() > deadline,
    )


def _strip_quotes(text: str) -> str:
    return text.strip().strip("\"'`<>")


def _relative(path: str) -> str:
    """An `@import.relative` path (relative to the importing file) as a module: "util" → "./util"."""
    path = path.lstrip("/")  # PHP: __DIR__ . '/x.php'
    return path if path.startswith(("./", "../")) else f"./{path}"


def parse_source(path: str, language: str, source: bytes, seconds: float = PARSE_SECONDS) -> FileFacts:
    """Facts of one file; never raises for bad source (diagnostics say what went wrong)."""
    if language == "c" and path.endswith(".h"):
        language = header_language(source)
    facts = FileFacts(path=path, language=language, line_count=source.count(b"\n") + 1 if source else 0)
    spec = LANGUAGES.get(language)
    if spec is None or not spec.parsable:
        return facts
    try:
        source.decode("utf-8")
    except UnicodeDecodeError as err:
        facts.diagnostics.append(f"not valid UTF-8 (byte {err.start}); parsed with replacement characters")
    parser = ts.Parser(spec.grammar())
    tree = _parse_tree(parser, source, seconds)
    if tree is None:
        facts.diagnostics.append(f"parse exceeded the {seconds:g}s time limit; file indexed without symbols")
        return facts
    if tree.root_node.has_error:
        facts.diagnostics.append(f"syntax error near line {_first_error_line(tree.root_node)}; "
                                 "symbols extracted where the parser recovered")
    _extract(facts, tree, source, spec.query(), spec.reference_query())
    return facts


def _first_error_line(root: ts.Node) -> int:
    cursor = [root]
    while cursor:
        node = cursor.pop(0)
        if node.is_error or node.is_missing:
            return node.start_point[0] + 1
        cursor[0:0] = [c for c in node.children if c.has_error or c.is_error or c.is_missing]
    return root.start_point[0] + 1


def _extract(facts: FileFacts, tree: ts.Tree, source: bytes, query: ts.Query, ref_query: ts.Query) -> None:
    # (definition node, name node, kind, pattern index, @scope node: a Go method's receiver type)
    raw_defs: list[tuple[ts.Node, ts.Node, str, int, ts.Node | None]] = []
    imports: dict[int, tuple[ts.Node, list[str], list[str]]] = {}
    references = ts.QueryCursor(ref_query).captures(tree.root_node).get("reference", [])
    package = ""
    for pattern, caps in ts.QueryCursor(query).matches(tree.root_node):
        for cap, nodes in caps.items():
            if cap.startswith("definition.") and "name" in caps:
                scope = caps["scope"][0] if "scope" in caps else None
                raw_defs.append((nodes[0], caps["name"][0], cap.split(".", 1)[1], pattern, scope))
            elif cap == "import":
                node = nodes[0]
                entry = imports.setdefault(node.start_byte, (node, [], []))
                entry[1].extend(_strip_quotes(_text(n, source)) for n in caps.get("import.module", []))
                entry[1].extend(_relative(_strip_quotes(_text(n, source)))
                                for n in caps.get("import.relative", []))
                entry[2].extend(_text(n, source) for n in caps.get("import.name", []))
            elif cap == "package" and not package:
                package = _text(nodes[0], source).replace("::", ".").replace("\\", ".")

    name_spans = set()
    seen: set[tuple[int, int]] = set()
    ordered = []
    for node, name, kind, _, scope in sorted(raw_defs, key=lambda d: (d[0].start_byte, -d[0].end_byte, d[3])):
        key = (node.start_byte, node.end_byte)
        if key in seen:  # two patterns matched one node: the first (by query order) wins
            continue
        seen.add(key)
        name_spans.add((name.start_byte, name.end_byte))
        ordered.append((node, name, kind, scope))

    prefix = package or module_name(facts.path, facts.language)
    stack: list[tuple[int, str, str]] = []  # (end_byte, qualname, kind) of open definitions
    for node, name_node, kind, scope in ordered:
        while stack and stack[-1][0] <= node.start_byte:
            stack.pop()
        parent_qual, parent_kind = (stack[-1][1], stack[-1][2]) if stack else (None, None)
        if scope is not None:  # `func (s *Store) Get()` → pkg.Store.Get; C++ `ns::Foo::bar` → ….ns.Foo.bar
            base, scope_text = parent_qual or prefix, _text(scope, source).replace("::", ".")
            parent_qual = f"{base}.{scope_text}" if base else scope_text
        if kind == "function" and parent_kind in _CONTAINERS:
            kind = "method"
        name = _text(name_node, source)
        qual = f"{parent_qual or prefix}.{name}" if (parent_qual or prefix) else name
        facts.definitions.append(Definition(
            name=name, kind=kind, qualname=qual,
            start_line=_start_line(node), end_line=_end_line(node),
            signature=_signature(node, source), doc=_doc(node, facts.language, source), parent=parent_qual,
        ))
        stack.append((node.end_byte, qual, kind))

    refs = {(_text(n, source), n.start_point[0] + 1)
            for n in references if (n.start_byte, n.end_byte) not in name_spans}
    facts.references = [Reference(n, ln) for n, ln in sorted(refs, key=lambda r: (r[1], r[0])) if n]
    for node, modules, names in sorted(imports.values(), key=lambda e: e[0].start_byte):
        line = node.start_point[0] + 1
        uniq_names = tuple(dict.fromkeys(names))
        for module in dict.fromkeys(modules) or [""]:
            facts.imports.append(Import(module=module, names=uniq_names, line=line))
