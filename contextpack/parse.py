"""One file's source → `FileFacts` (definitions, references, imports), with tree-sitter.

Uses the language's tags query from `grammars/<lang>.scm` (capture convention documented in python.scm).
A file whose work (parse, queries, extraction) runs past the time limit becomes a diagnostic, never an
exception, whatever its size: tree-sitter recovers from syntax errors, so definitions before an error
are still extracted.

    facts = parse_source("pkg/mod.py", "python", Path("pkg/mod.py").read_bytes())
    [d.qualname for d in facts.definitions]   # ["pkg.mod.Class", "pkg.mod.Class.method"]
    facts.imports[0].module                   # "os"
"""

from __future__ import annotations

import bisect
import functools
import operator
import re
import time
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

import tree_sitter as ts

from .languages import DOC_IN_LINES, LANGUAGES, SFC_GRAMMARS, header_language
from .sfc import SFC_LANGUAGES, script_source

PARSE_SECONDS = 5.0  # a file's whole work (parse, queries, extraction); over it, no symbols
_QUERY_CHUNK_BYTES = 64 * 1024  # queries run over runs of top-level nodes this large, the clock read between
_CHECK_EVERY = 256  # extraction loops read the clock once per this many items
# brackets the parser could not close, side by side in one error node (`(` on 150,000 lines): a query over
# them takes time growing with their square (tree-sitter 0.26: 20,000 took 0.17 s, 150,000 took 10 s, in one
# call the deadline cannot interrupt), and such a run holds nothing to extract. Real files: at most a few
# hundred children in any error node (Django, sphinx, requests, fmt, gson, zod, ripgrep, this repository)
MAX_ERROR_OPENERS = 10_000
_OPENERS = frozenset({"(", "[", "{"})
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


_REFERENCE = functools.partial(tuple.__new__, Reference)  # a (name, line) pair as a Reference, in C
_NAME_OF, _BY_LINE = operator.itemgetter(0), operator.itemgetter(1, 0)


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


def _name(node: ts.Node, source: bytes) -> str:
    """A definition's name as written, without the marks around it: Ruby's symbol colon (`:name`), Rust's
    raw-identifier prefix (`r#match`), Kotlin/Scala/Swift backquotes (`` `test name` ``); C# operators
    and destructors take their keyword (`operator+`, `~X`)."""
    name = _text(node, source)
    before = source[max(0, node.start_byte - 256):node.start_byte]  # the keyword is written right before
    if b"operator" in before or b"~" in before or not before.strip():  # (asking the tree costs two walks)
        prev = node.prev_sibling
        if prev is not None and prev.type == "operator":
            return f"operator {name}" if name[:1].isalnum() else f"operator{name}"
        if prev is not None and prev.type == "~":
            return f"~{name}"
        if (parent := node.parent) is not None and parent.type == "operator_cast":  # C++ `operator bool()`
            return f"operator {name}"
    return name.removeprefix(":").removeprefix("r#").strip("`")


def _signature(node: ts.Node, source: bytes) -> str:
    body = node.child_by_field_name("body")
    end = body.start_byte if body is not None and body.start_byte > node.start_byte else node.end_byte
    if body is not None:  # a comment before the body (Ruby `module X  # note`) is not signature
        end = next((c.start_byte for c in node.named_children
                    if "comment" in c.type and node.start_byte < c.start_byte < end), end)
    text = source[node.start_byte:end].decode("utf-8", errors="replace")
    if body is None:
        text = text.split("\n", 1)[0]
    text = " ".join(text.split()).rstrip("{:").rstrip()
    return text[:_MAX_SIGNATURE]


def _clean_comment(text: str) -> str:
    lines = []
    for line in text.splitlines():
        line = line.strip()
        line = re.sub(r"^(///?|//!|/\*\*?|\*/|\*|#|--\s?[|^]|---?|\(\*\*?)\s?", "", line)  # --: Haskell, Lua, (*: OCaml
        line = line.removesuffix("*/").removesuffix("*)").strip()
        lines.append(line)
    return "\n".join(lines).strip()


def _doc(node: ts.Node, language: str, source: bytes, above: tuple[ts.Node, int, ts.Node | None]) -> str:
    """Docstring (Python) or the contiguous comment block just above the definition (`above`: `_above(node, …)`)."""
    if language == "python":
        body = node.child_by_field_name("body")
        first = body.named_child(0) if body is not None and body.named_child_count else None
        if first is not None and first.type == "expression_statement" and first.named_child_count:
            s = first.named_child(0)
            if s.type == "string":
                return _text(s, source).strip("\"'rbuRBU \n")[:_MAX_DOC].strip()
        return ""
    comments = [_text(c, source) for c in _doc_comments(above, language, source)]
    return _clean_comment("\n".join(reversed(comments)))[:_MAX_DOC]


def _doc_comments(above: tuple[ts.Node, int, ts.Node | None], language: str, source: bytes) -> list[ts.Node]:
    """The comment nodes of the contiguous block just above a definition, nearest first (`_above`)."""
    comments: list[ts.Node] = []
    node, line, prev = above  # the comment sits above `template <…>`, `export`, … and `#[derive(…)]`
    parent = node.parent if prev is None else None
    if prev is None and parent is not None and parent.type == "body_statement":
        prev = parent.prev_named_sibling  # Ruby keeps a body's leading comment outside the body
    if prev is None and parent is not None and parent.type == "declarations":
        imports = parent.prev_named_sibling  # Haskell: the first declaration's haddock ends the imports
        prev = imports.named_children[-1] if imports is not None and imports.named_children else None
    while prev is not None and _is_comment(prev) and prev.end_point[0] >= line - 1:
        before = prev.prev_named_sibling
        if before is not None and not _is_comment(before) and before.end_point[0] == prev.start_point[0]:
            break  # a trailing comment of the code before it: `}  // namespace x`
        if language == "rust" and source[prev.start_byte:prev.start_byte + 3] in _RUST_INNER_DOC:
            break  # Rust `//! …`: the enclosing module's doc, not the next item's
        comments.append(prev)
        prev, line = before, prev.start_point[0]
    return comments


def _first_row(above: tuple[ts.Node, int, ts.Node | None], language: str, source: bytes) -> int:
    """A definition's first row (0-based): its attributes' (`_above`), or, in the languages whose doc
    comment is in its lines (languages.DOC_IN_LINES: Rust's `///`), its doc comment's. An edit
    of the doc, or one that inserts an item just above it, is then an edit of the definition's lines: the
    packer shows the doc with the definition, and the doc's words are the definition's (as a Python
    docstring's are)."""
    if language not in DOC_IN_LINES:
        return above[1]
    comments = _doc_comments(above, language, source)
    return comments[-1].start_point[0] if comments else above[1]


def _is_comment(node: ts.Node) -> bool:
    return "comment" in node.type or node.type == "haddock"  # haddock: Haskell's `-- |` doc comments


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
_RUST_INNER_DOC = (b"//!", b"/*!")


def _above(node: ts.Node, language: str) -> tuple[ts.Node, int, ts.Node | None]:
    """`_outer(node)`; its first row (0-based), widened over attribute siblings right above it; the named
    sibling above those (where its doc comment ends). Python has no attribute siblings and keeps its doc
    inside the definition: no sibling is looked up (None)."""
    node = _outer(node)
    if language == "python":
        return node, node.start_point[0], None
    line, prev = node.start_point[0], node.prev_named_sibling
    while prev is not None and prev.type in _ATTRIBUTE_SIBLINGS and prev.end_point[0] >= line - 1:
        line, prev = prev.start_point[0], prev.prev_named_sibling
    return node, line, prev


def _end_line(node: ts.Node) -> int:
    """1-based last line; a node ending at column 0 (C `#define` takes its newline) ends the line before."""
    row, col = node.end_point
    return row if col == 0 and row > node.start_point[0] else row + 1


class _TimeUp(Exception):
    """The file's work ran past its deadline."""


class _Unrecovered(Exception):
    """The file holds an error node with too many unclosed brackets to query (MAX_ERROR_OPENERS)."""


class _Deadline:
    """The moment a file's work must end; `tick` reads the clock only every _CHECK_EVERY calls."""

    def __init__(self, seconds: float):
        self.at = time.monotonic() + seconds
        self.calls = 0

    def passed(self) -> bool:
        return time.monotonic() > self.at

    def check(self) -> None:
        if self.passed():
            raise _TimeUp

    def tick(self) -> None:
        self.calls += 1
        if self.calls % _CHECK_EVERY == 0:
            self.check()


def _parse_tree(parser: ts.Parser, source: bytes, deadline: _Deadline, old_tree: ts.Tree | None = None) -> ts.Tree:
    """The syntax tree, or _TimeUp when the deadline cancelled the parse (py-tree-sitter 0.26 raises
    ValueError for a cancelled parse, earlier versions return None)."""
    read = lambda offset, _point: source[offset:offset + 65536]  # noqa: E731
    try:
        tree = parser.parse(read, *([old_tree] if old_tree is not None else []),
                            progress_callback=lambda *_: deadline.passed())
    except ValueError:
        if deadline.passed():
            raise _TimeUp from None
        raise
    if tree is None:
        raise _TimeUp
    return tree


def _query_ranges(root: ts.Node, rows: list[int] | None = None) -> list[tuple[int, int]]:
    """Byte ranges of whole top-level nodes, about _QUERY_CHUNK_BYTES each, that cover the file: a query
    runs range by range so the deadline is checked between them (tree-sitter's own query progress
    callback crashes the interpreter in py-tree-sitter 0.26). With `rows` (sorted, 0-based), only the
    top-level nodes that hold one of them."""
    if rows is not None:
        return [(c.start_byte, c.end_byte) for c in _holding(root, rows)]
    ranges, start = [], root.start_byte
    for child in root.children:
        if child.end_byte - start >= _QUERY_CHUNK_BYTES:
            ranges.append((start, child.end_byte))
            start = child.end_byte
    if start < root.end_byte or not ranges:
        ranges.append((start, root.end_byte))
    return ranges


def _holding(root: ts.Node, rows: list[int]) -> list[ts.Node]:
    """The top-level nodes that hold one of `rows` (sorted, 0-based)."""
    return [c for c in root.children
            if (i := bisect.bisect_left(rows, c.start_point[0])) < len(rows) and rows[i] <= c.end_point[0]]


def _matches(query: ts.Query, root: ts.Node, deadline: _Deadline,
             rows: list[int] | None = None) -> list[tuple[int, dict[str, list[ts.Node]]]]:
    """`query`'s matches over the whole tree (or the top-level nodes holding `rows`), range by range. A
    match may be seen from two ranges (a node at their boundary): _extract's results do not depend on
    repeats."""
    out = []
    for start, end in _query_ranges(root, rows):
        deadline.check()
        cursor = ts.QueryCursor(query)
        cursor.set_byte_range(start, end)
        out += cursor.matches(root)
    return out


def _captures(query: ts.Query, root: ts.Node, name: str, deadline: _Deadline,
              rows: list[int] | None = None) -> list[ts.Node]:
    """The nodes of capture `name` over the whole tree (or as above), range by range (repeats possible)."""
    out = []
    for start, end in _query_ranges(root, rows):
        deadline.check()
        cursor = ts.QueryCursor(query)
        cursor.set_byte_range(start, end)
        out += cursor.captures(root).get(name, [])
    return out


_CS_DIRECTIVE = re.compile(rb"[ \t]*#[ \t]*(if|elif|else|endif)\b")
_CS_COMPLETE = (b"{", b"}", b";", b"]")  # a line ending so ends a declaration, statement or attribute
_CS_COMMENT = (b"//", b"/*", b"*")


def _cs_first_branches(source: bytes) -> bytes:
    """C# `#if` groups that open in the middle of a declaration or statement (`class X` / `#if NET6`
    / `: IFoo` / `#endif` / `{`) defeat the grammar (the class is named NET6). Such a group is reduced to
    its first branch, as a preprocessor defining the symbol would; directive lines and other branches
    become spaces, so byte offsets and line numbers do not change. Groups between declarations (the
    grammar handles those) are left alone."""
    if b"#" not in source:
        return source
    lines = source.splitlines(keepends=True)
    stack: list[list[bool]] = []  # per open group: [reduced, skipping the rest of it]
    complete = True  # whether the last code line ended a declaration or statement
    for i, line in enumerate(lines):
        m = _CS_DIRECTIVE.match(line)
        word = m.group(1) if m else None
        skipping = bool(stack) and stack[-1][1]
        if word == b"if":
            reduced = not complete or any(g[0] for g in stack)
            stack.append([reduced, skipping])
        elif word in (b"elif", b"else") and stack:
            reduced = stack[-1][0]
            stack[-1][1] = stack[-1][1] or reduced
        elif word == b"endif" and stack:
            reduced = stack.pop()[0]
        else:
            reduced = skipping
            code = line.strip()
            if not skipping and code and not code.startswith(_CS_COMMENT) and not code.startswith(b"#"):
                complete = code.split(b"//", 1)[0].rstrip().endswith(_CS_COMPLETE)
        if reduced or skipping:
            lines[i] = re.sub(rb"[^\r\n]", b" ", line)
    return b"".join(lines)


# `class FMT_API file {`, `struct GTEST_API_ AssertionResult :`: an export macro between the keyword and the name
# (one pattern per keyword: a pattern that opens with a literal is searched for several times faster)
_EXPORT_MACROS = [re.compile(keyword + rb"\s+([A-Z][A-Z0-9]*(?:_[A-Z0-9]*)+)\s+(?=\w+\s*(?:final\s*)?[:{])")
                  for keyword in (b"class", b"struct", b"union")]
_WORD_BYTE = re.compile(rb"\w")


def _blank_export_macros(source: bytes) -> bytes:
    """C/C++: the grammar reads `class FMT_API file {…}` as a function named `file`; the macro becomes
    spaces (same offsets and lines) so the class keeps its name."""
    if b"_" not in source:
        return source
    out = None
    for pattern in _EXPORT_MACROS:
        for m in pattern.finditer(source):
            if m.start() == 0 or not _WORD_BYTE.match(source, m.start() - 1):  # the keyword is a whole word
                out = out if out is not None else bytearray(source)
                out[m.start(1):m.end(1)] = b" " * (m.end(1) - m.start(1))
    return source if out is None else bytes(out)


# a line that is only a macro name or call: `UV_REQ_FIELDS` in a struct body, `FMT_BEGIN_EXPORT` before a
# declaration, `FMT_PRAGMA_CLANG(diagnostic push)` between declarations
_LONE_MACRO = re.compile(rb"^[ \t]*[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+(\([^()\n]*\))?[ \t]*(?://[^\n]*)?\r?$")
# each such line, after the newline before it (a pattern that opens with a literal is searched for faster)
_LONE_MACRO_LINES = re.compile(b"\n(" + _LONE_MACRO.pattern[1:].replace(rb"\r?$", rb"(?=\r?\n|\Z)") + b")")
_DECLARATION_END = (b"{", b";", b"}", b"*/")


def _blank_lone_macros(source: bytes) -> bytes:
    """C/C++: a macro alone on its line between declarations expands to declarations or fields; left in,
    the grammar glues it to the next declaration (`FMT_BEGIN_EXPORT` + `enum class color {…}` is lost, so is
    `struct uv_req_s { UV_REQ_FIELDS };`). Such a line becomes spaces (same offsets and lines) when the code
    line before it ends a declaration or opens a body (not an enum's: `LAST` may be its only member).
    Only the lines the pattern finds are looked at (a loop over every line cost 2 % of C++); a line ended by
    a lone CR is not one that pattern sees, so such a file takes the loop."""
    if b"_" not in source:
        return source
    if b"\r" in source and source.count(b"\r") != source.count(b"\r\n"):
        return _blank_lone_macro_lines(source)
    out = None
    blanked: dict[int, bytes] = {}  # start of a blanked line → the code line before it (its `prev`)
    for m in _LONE_MACRO_LINES.finditer(b"\n" + source):  # offsets in `source`: one less
        line_start, line_end, args = m.start(1) - 1, m.end(1) - 1, m.group(2)
        prev, end = b";", line_start  # the last code line above, stripped (the file's start ends a declaration)
        while end > 0:
            start = source.rfind(b"\n", 0, end - 1) + 1
            if start in blanked:
                prev = blanked[start]
                break
            code = source[start:end].strip()
            if code and not code.startswith((b"//", b"/*", b"*")):
                prev = code.split(b"//", 1)[0].rstrip() or code
                break
            end = start
        if (prev.startswith(b"#") or (prev.endswith(_DECLARATION_END) and not (
                prev.endswith(b"{") and b"enum" in prev))) and not (
                args and _next_code(_lines_after(source, line_end), -1).startswith(b"{")):
            blanked[line_start] = prev
            out = out if out is not None else bytearray(source)
            out[line_start:line_end] = _BLANK.sub(b" ", m.group(1))
    return source if out is None else bytes(out)


def _blank_lone_macro_lines(source: bytes) -> bytes:
    """`_blank_lone_macros` line by line (any line ends)."""
    lines = source.splitlines(keepends=True)
    prev = b";"  # the last code line, stripped (the file's start counts as a declaration's end)
    for i, line in enumerate(lines):
        code = line.strip()
        if not code or code.startswith((b"//", b"/*", b"*")):
            continue
        if (m := _LONE_MACRO.match(line)) and (prev.startswith(b"#") or (
                prev.endswith(_DECLARATION_END) and not (prev.endswith(b"{") and b"enum" in prev))) and not (
                m.group(1) and _next_code(lines, i).startswith(b"{")):  # `TEST_IMPL(x)` + `{`: a function
            lines[i] = re.sub(rb"[^\r\n]", b" ", line)
            continue
        prev = code.split(b"//", 1)[0].rstrip() or code
    return b"".join(lines)


def _lines_after(source: bytes, pos: int, count: int = 3) -> list[bytes]:
    """The `count` lines after the one that holds byte `pos`."""
    lines = []
    while len(lines) < count and (pos := source.find(b"\n", pos) + 1) > 0:
        end = source.find(b"\n", pos)
        lines.append(source[pos:end if end >= 0 else len(source)])
    return lines


def _next_code(lines: list[bytes], i: int) -> bytes:
    """The next non-blank line after line i, stripped (b"" at the end)."""
    return next((code for line in lines[i + 1:i + 4] if (code := line.strip())), b"")


# `void F() const GTEST_LOCK_EXCLUDED_(mutex_) {`: an annotation macro between a declarator and its body.
# Searched from the macro (rare), then the text before it checked: a search from every `)` cost 5 % of C++.
_TRAILING_MACRO = re.compile(rb"\b[A-Z][A-Z0-9]*_[A-Z0-9_]*\([^()\n]*\)(?=[ \t]*\{)")
_BEFORE_TRAILING_MACRO = re.compile(rb"(?:\)|\bconst|\bnoexcept|\boverride)(?:[ \t]*\r?\n)?[ \t]*\Z")


def _blank_trailing_macros(source: bytes) -> bytes:
    """C/C++: an annotation macro after a function's declarator hides the function from the grammar; it
    becomes spaces (same offsets and lines)."""
    if b"_(" not in source and b"_ (" not in source:
        return source
    out = None
    for m in _macro_calls_before_bodies(source):
        line_before = max(0, source.rfind(b"\n", 0, max(0, source.rfind(b"\n", 0, m.start()))))
        if _BEFORE_TRAILING_MACRO.search(source, line_before, m.start()):
            out = out if out is not None else bytearray(source)
            out[m.start():m.end()] = b" " * (m.end() - m.start())
    return source if out is None else bytes(out)


# `) {`: where a trailing macro's call ends; the search starts from these (a literal: several times faster
# than _TRAILING_MACRO's from every word)
_CALL_BEFORE_BODY = re.compile(rb"\)(?=[ \t]*\{)")


def _macro_calls_before_bodies(source: bytes) -> Iterator[re.Match[bytes]]:
    """_TRAILING_MACRO's matches, found from each `) {`: the macro's `(` is the last one before that `)`."""
    for close in _CALL_BEFORE_BODY.finditer(source):
        open_ = source.rfind(b"(", 0, close.start())
        name = open_
        while name > 0 and _WORD_BYTE.match(source, name - 1):
            name -= 1
        if open_ > 0 and (m := _TRAILING_MACRO.match(source, name)):
            yield m


def _prepare_c(source: bytes) -> bytes:
    return _blank_trailing_macros(_blank_lone_macros(_blank_export_macros(source)))




# `typedef NS_ENUM(NSInteger, SDOpt) {` (also NS_OPTIONS, NS_CLOSED_ENUM, NS_ERROR_ENUM): the macro's type
# argument and the `typedef` go, `enum SDOpt {` stays at the same offsets
_OBJC_ENUM_MACRO = re.compile(
    rb"\btypedef(\s+)(?:NS|CF)_(?:ENUM|OPTIONS|CLOSED_ENUM|ERROR_ENUM)\s*\(([^,()]*,)?\s*"
    rb"(\w+)\s*\)")


# Apple's annotation macros (availability, Swift names, nullability regions, designated initialisers),
# with their arguments (two levels of parentheses): the grammar takes them for declarations
_OBJC_ANNOTATION = re.compile(
    rb"\b(?:NS_(?:SWIFT_\w+|REFINED_FOR_SWIFT|DESIGNATED_INITIALIZER|UNAVAILABLE|ASSUME_NONNULL_(?:BEGIN|END)"
    rb"|(?:EXTENSIBLE_)?STRING_ENUM|TYPED_(?:EXTENSIBLE_)?ENUM|REQUIRES_SUPER|RETURNS_\w+|NOESCAPE"
    rb"|FORMAT_FUNCTION|(?:CLASS_|ENUM_)?AVAILABLE\w*|(?:CLASS_|ENUM_)?DEPRECATED\w*|EXTENSION_UNAVAILABLE\w*"
    rb"|HEADER_AUDIT_\w+)|API_(?:AVAILABLE|UNAVAILABLE|DEPRECATED\w*)|UI_APPEARANCE_SELECTOR|CF_RETURNS_\w+"
    rb"|CF_SWIFT_\w+|__attribute__)\b(?:[ \t]*\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\))?")
_BLANK = re.compile(rb"[^\r\n]")


def _objc_enum_macros(source: bytes) -> bytes:
    """Objective-C: the grammar knows neither Foundation's enum macros nor its annotation macros.
    `typedef NS_ENUM(T, Name) {…}` becomes `enum Name {…}` and annotations (`NS_SWIFT_NAME(x)`,
    `API_AVAILABLE(ios(13))`, `NS_ASSUME_NONNULL_BEGIN`) become spaces: same offsets and lines, and the
    enums, classes and methods around them are definitions again."""
    if b"NS_" not in source and b"API_" not in source and b"__attribute__" not in source:
        return source

    def rewrite(m: re.Match[bytes]) -> bytes:
        head = source[m.start():m.start(3)]
        kept = b"enum" + _BLANK.sub(b" ", head[4:])
        return kept + m.group(3) + b" " * (m.end() - m.end(3))

    source = _OBJC_ENUM_MACRO.sub(rewrite, source)
    return _OBJC_ANNOTATION.sub(lambda m: _BLANK.sub(b" ", m.group(0)), source)


# Kotlin: a line of annotations alone (`@Test`, `@Target(CLASS,\n FUNCTION)`); nested parentheses one deep,
# arguments bounded so that a `(` never closed costs a bounded scan per line, not one to the end of the file
_KOTLIN_ANNOTATION_LINES = re.compile(
    rb"^(?:@[\w.:]+(?:[ \t]*\((?:[^()]|\([^()]{0,400}\)){0,2000}\))?[ \t]*)+(?:\r?$)", re.M)


def _kotlin_annotation_comment(m: re.Match[bytes]) -> bytes:
    """Annotation lines (from column 0) → each line a block comment as long (spaces when shorter than
    `/**/`), newlines kept."""
    return b"\n".join(b"/*" + b" " * (len(line) - 4) + b"*/" if len(line) >= 4 else b" " * len(line)
                      for line in m.group(0).split(b"\n"))


def _blank_kotlin_annotations(source: bytes) -> bytes:
    """Kotlin: the grammar misreads an annotation line before a top-level declaration (`@JvmField` /
    `const val X = 1` becomes an assignment). Such a line at the start of a line becomes an empty block
    comment of the same length (same offsets and lines; a doc comment above still reaches the
    definition, which starts at its keyword line)."""
    if b"@" not in source:
        return source
    return _KOTLIN_ANNOTATION_LINES.sub(_kotlin_annotation_comment, source)


# Kotlin: an indented statement that starts with a word the grammar's newline scanner takes for a keyword.
# The scanner reads a word's letters only, so `in1.close()`, `as_x()`, `else_ = 1` start with `in`, `as`,
# `else` and continue the line above; and `set = …` / `get = …` after a property (a local `val` too) starts
# its accessor. The parse fails there and, further down, often gives up on the rest of the file.
# (found from the newline before it: a pattern that opens with a literal is searched for faster)
_KOTLIN_KEYWORD_START = re.compile(
    rb"\n[ \t]*([ \t])(?:(?:else|in|instanceof|get|set|constructor|by|as|where)[0-9_]"
    rb"|(?:get|set)[ \t]*(?:=(?!=)|[-+*/%]=))")
_ENDS_STATEMENT = re.compile(rb"[\w)\]}\"'`\x80-\xff]$")  # a code line so ended can end a statement


def _kotlin_statement_semicolons(source: bytes) -> bytes:
    """Kotlin: such a statement gets an explicit `;` in place of its last indentation character (same offsets
    and lines) when the code line above it can end a statement; after `(`, `,` or an operator it is left
    alone (an argument or operand, where a `;` would be an error)."""
    out = None
    for m in _KOTLIN_KEYWORD_START.finditer(source):
        end = m.start()  # the newline that ends the line above
        while end > 0:  # up to the nearest line with code
            start = source.rfind(b"\n", 0, end) + 1
            code = source[start:end]
            if (cut := code.find(b"//")) >= 0 and b'"' not in code[cut:]:  # a trailing comment
                code = code[:cut]
            code = code.strip()
            if code:
                if _ENDS_STATEMENT.search(code):
                    out = out if out is not None else bytearray(source)
                    out[m.start(1)] = ord(";")
                break
            end = start - 1
    return source if out is None else bytes(out)


def _prepare_kotlin(source: bytes) -> bytes:
    return _kotlin_statement_semicolons(_blank_kotlin_annotations(source))


# source rewrites before parsing, per language; each keeps every byte offset and line number
_PREPARE = {"csharp": _cs_first_branches, "c": _prepare_c, "cpp": _prepare_c, "objc": _objc_enum_macros,
            "kotlin": _prepare_kotlin}
# a C/C++ declaration of a function-like name that is a macro call (`GTEST_DISALLOW_COPY_(A);`), not an API
_MACRO_NAME = re.compile(r"[A-Z][A-Z0-9]*_[A-Z0-9_]*")


_C_LIKE = frozenset({"c", "cpp"})  # the languages whose declarations may be bogus (below)


def _bogus_declaration(node: ts.Node, name: str, kind: str, language: str) -> bool:
    """C/C++ prototypes that are not API: one inside a function body (`std::string name(arg);` declares a
    local), or a macro call the grammar took for a declaration (no return type, or mis-parsed)."""
    if language not in _C_LIKE or kind != "function" or node.type not in ("declaration", "field_declaration"):
        return False
    if _MACRO_NAME.fullmatch(name) and (node.child_by_field_name("type") is None or node.has_error):
        return True
    parent = node.parent
    while parent is not None:
        if parent.type == "compound_statement":
            return True
        parent = parent.parent
    return False


# C/C++ declarations that name several things at once; every declarator is a definition
_MULTI_DECLARATOR = frozenset({"type_definition"})


def _inline_mod_depth(node: ts.Node) -> int:
    """How many inline `mod x { … }` blocks of its file enclose a Rust `use`."""
    depth, parent = 0, node.parent
    while parent is not None:
        depth += parent.type == "mod_item"
        parent = parent.parent
    return depth


def _rust_from_inline_mod(module: str, depth: int) -> str:
    """A `use` path inside `depth` inline modules, as seen from the file's own module: in `mod tests { use
    super::Gitignore; }` super is the file itself (self::Gitignore), super::super its parent (super::…);
    self:: and a path into a deeper inline module stay inside the file."""
    segs = module.split("::")
    supers = next((i for i, s in enumerate(segs) if s != "super"), len(segs))
    if segs[0] == "self" or (supers and supers <= depth):
        return "::".join(["self", *segs[supers or 1:]])
    if supers:
        return "::".join(["super"] * (supers - depth) + segs[supers:])
    return module


def _strip_quotes(text: str) -> str:
    return text.strip().strip("\"'`<>")


def _relative(path: str) -> str:
    """An `@import.relative` path (relative to the importing file) as a module: "util" → "./util"."""
    path = path.lstrip("/")  # PHP: __DIR__ . '/x.php'
    return path if path.startswith(("./", "../")) else f"./{path}"


# ---- Scala import clauses -------------------------------------------------------------------------

_SCALA_WILDCARDS = frozenset({"_", "*", "given"})


def _split_top_level(text: str, sep: str) -> list[str]:
    """`text` split at `sep` outside braces."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += (ch == "{") - (ch == "}")
        if ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def _scala_import(text: str) -> list[tuple[str, list[str]]]:
    """`import a.b.C, d.e.{F, G => H}` → [("a.b.C", ["C"]), ("d.e", ["F", "G"])]; wildcards name "*"."""
    text = re.sub(r"//[^\n]*|/\*.*?\*/", " ", text, flags=re.S).strip().removeprefix("import")
    out = []
    for clause in _split_top_level(text, ","):
        path, _, selectors = clause.partition("{")
        path = re.sub(r"\s+as\s+\S+\s*$", "", path.strip())  # `import a.b.C as D`
        path = re.sub(r"\s+", "", path).rstrip(".")
        if selectors:
            names = [re.split(r"=>|\sas\s", s.strip())[0].strip() for s in selectors.rstrip("} \n").split(",")]
            names = ["*" if n.split(" ")[0] in _SCALA_WILDCARDS else n for n in names if n]
        else:
            head, _, last = path.rpartition(".")
            path, names = (head, ["*"]) if last in _SCALA_WILDCARDS else (path, [last])
        if path:
            out.append((path, list(dict.fromkeys(names))))
    return out


# languages whose definition names may be dotted (Elixir `defmodule A.B`, Swift `extension A.B`): such a
# definition is named by its last part and qualified under the rest, as Ruby's `class A::B`
_DOTTED_NAMES = frozenset({"elixir", "swift"})

# @import.clause captures: the statement's text → (module, names) per imported path
_IMPORT_CLAUSES = {"scala": _scala_import}


# the grammars a component's script block may be parsed with (a `.h` read as C++ or Objective-C is not
# guessed: a repository of such headers has .cpp/.m files too, or its workers compile that query themselves)
_PARSED_AS = {"vue": tuple(SFC_GRAMMARS), "svelte": tuple(SFC_GRAMMARS)}


def warm_queries(languages: set[str]) -> None:
    """Compile the queries of these languages now (0.3 s for C++ or Objective-C): a process pool forked
    after this shares them, instead of each worker compiling its own."""
    for language in sorted(languages):
        for name in _PARSED_AS.get(language, (language,)):
            spec = SFC_GRAMMARS[name] if language in SFC_LANGUAGES else LANGUAGES.get(name)
            if spec is not None and spec.parsable:
                spec.query()


def parse_source(path: str, language: str, source: bytes, seconds: float | None = None,
                 references: bool = True) -> FileFacts:
    """Facts of one file; never raises for bad source (diagnostics say what went wrong). All of its work
    runs under `seconds` (default PARSE_SECONDS); past it, the file has no symbols and a diagnostic.
    `references=False` skips the references (a third of the work) for callers that need definitions only."""
    return parse_source_tree(path, language, source, seconds, references)[0]


def parse_source_tree(path: str, language: str, source: bytes, seconds: float | None = None,
                      references: bool = True, old_tree: ts.Tree | None = None,
                      lines: Collection[int] | None = None) -> tuple[FileFacts, ts.Tree | None]:
    """`parse_source`, and the syntax tree when it is one of `source` as given (no source preparation, no
    script block, within the time limit), for callers that inspect nodes next (verify's signatures).
    `old_tree`: the tree of an earlier version, already told of the edit (`ts.Tree.edit`), which the parser
    reuses where the text did not change — the same facts, a fraction of the parse.
    `lines`: only the definitions (and references) inside the top-level nodes that hold one of these
    (1-based) lines — what encloses them, for a caller that asks about a few lines of a large file
    (verify's test cases)."""
    seconds = PARSE_SECONDS if seconds is None else seconds
    deadline = _Deadline(seconds)
    if language == "c" and path.endswith(".h"):
        language = header_language(source)
    facts = FileFacts(path=path, language=language, line_count=source.count(b"\n") + 1 if source else 0)
    spec, given = LANGUAGES.get(language), source
    if language in SFC_LANGUAGES:  # Vue/Svelte: the script blocks, as JavaScript/TypeScript
        source, grammar = script_source(source)
        spec = SFC_GRAMMARS[grammar]
    if spec is None or not spec.parsable:
        return facts, None
    try:
        source.decode("utf-8")
    except UnicodeDecodeError as err:
        facts.diagnostics.append(f"not valid UTF-8 (byte {err.start}); parsed with replacement characters")
    compiling = time.monotonic()  # the grammar and queries load once per process, for its first such file:
    query, ref_query = spec.query(), spec.reference_query() if references else None
    deadline.at += time.monotonic() - compiling  # not this file's work (C++: 0.3 s), so not on its clock
    parser = ts.Parser(spec.grammar())
    try:
        if prepare := _PREPARE.get(language):
            source = prepare(source)
        tree = _parse_tree(parser, source, deadline, old_tree if source is given else None)
        if tree.root_node.has_error:
            line = _first_error_line(tree.root_node, deadline)
            if (openers := _error_openers(tree.root_node, deadline)) > MAX_ERROR_OPENERS:
                raise _Unrecovered(line, openers)
            facts.diagnostics.append(f"syntax error near line {line}; symbols extracted where the parser recovered")
        rows = sorted(n - 1 for n in lines) if lines is not None else None
        _extract(facts, tree, source, query, ref_query, deadline, rows)
        if rows is not None:  # a pattern rooted at the module matches beyond the nodes' byte ranges
            spans = [(c.start_point[0] + 1, c.end_point[0] + 1) for c in _holding(tree.root_node, rows)]
            facts.definitions = [d for d in facts.definitions if any(a <= d.start_line <= b for a, b in spans)]
        if finish := _FINISH.get(language):
            finish(facts)
    except _TimeUp:
        facts.definitions, facts.references, facts.imports = [], [], []
        facts.diagnostics.append(f"parsing and extraction exceeded the {seconds:g}s time limit; "
                                 "file indexed without symbols")
        return facts, None
    except _Unrecovered as err:
        line, openers = err.args
        facts.diagnostics.append(f"syntax error near line {line}, after which the parser recovered no structure "
                                 f"({openers:,} opening brackets in one error node, over {MAX_ERROR_OPENERS:,}); "
                                 "file indexed without symbols")
        return facts, None
    return facts, tree if source is given else None


def _first_error_line(root: ts.Node, deadline: _Deadline) -> int:
    stack = [root]  # depth first, first child on top
    while stack:
        deadline.tick()
        node = stack.pop()
        if node.is_error or node.is_missing:
            return node.start_point[0] + 1
        stack.extend(reversed([c for c in node.children if c.has_error or c.is_error or c.is_missing]))
    return root.start_point[0] + 1


def _error_openers(root: ts.Node, deadline: _Deadline) -> int:
    """The most opening brackets among the children of one error node on the paths to the file's errors
    (the first count over MAX_ERROR_OPENERS ends the search): only nodes that hold an error are opened."""
    most, stack = 0, [root]
    while stack:
        deadline.tick()
        node = stack.pop()
        children = node.children
        if node.is_error and len(children) > most:
            most = max(most, sum(c.type in _OPENERS for c in children))
            if most > MAX_ERROR_OPENERS:
                break
        stack.extend(c for c in children if c.has_error)
    return most


def _extract(facts: FileFacts, tree: ts.Tree, source: bytes, query: ts.Query, ref_query: ts.Query | None,
             deadline: _Deadline, rows: list[int] | None = None) -> None:
    # (definition node, name node, kind, pattern index, @scope node: a Go method's receiver type)
    raw_defs: list[tuple[ts.Node, ts.Node, str, int, ts.Node | None]] = []
    # (start byte, clause) → (statement node, modules, names); clause > 0: a path of an @import.clause
    imports: dict[tuple[int, int], tuple[ts.Node, list[str], list[str]]] = {}
    references = _captures(ref_query, tree.root_node, "reference", deadline, rows) if ref_query is not None else []
    package = ""
    for pattern, caps in _matches(query, tree.root_node, deadline, rows):
        deadline.tick()
        for cap, nodes in caps.items():
            if cap.startswith("definition.") and "name" in caps:
                scope = caps["scope"][0] if "scope" in caps else None
                raw_defs.append((nodes[0], caps["name"][0], cap.split(".", 1)[1], pattern, scope))
            elif cap == "import" and "import.clause" in caps:  # Scala: the statement's text, split here
                node = nodes[0]
                for i, (module, clause_names) in enumerate(_IMPORT_CLAUSES[facts.language](_text(node, source))):
                    imports[(node.start_byte, i + 1)] = (node, [module], clause_names)
            elif cap == "import":
                node = nodes[0]
                entry = imports.setdefault((node.start_byte, 0), (node, [], []))
                entry[1].extend(_strip_quotes(_text(n, source)) for n in caps.get("import.module", []))
                entry[1].extend(_relative(_strip_quotes(_text(n, source)))
                                for n in caps.get("import.relative", []))
                entry[1].extend(_text(n, source).strip() for n in caps.get("import.system", []))  # <stdio.h>
                entry[2].extend(_text(n, source) for n in caps.get("import.name", []))
            elif cap == "package" and not package:
                package = _text(nodes[0], source).replace("::", ".").replace("\\", ".")

    name_spans = set()
    seen: set[tuple[int, int]] = set()
    ordered = []
    for node, name, kind, _, scope in sorted(raw_defs, key=lambda d: (d[0].start_byte, -d[0].end_byte, d[3])):
        key = (node.start_byte, node.end_byte)
        if node.type in _MULTI_DECLARATOR:  # `typedef struct {…} X, *PX;`: one definition per declarator
            key += (name.start_byte,)
        if key in seen:  # two patterns matched one node: the first (by query order) wins
            continue
        seen.add(key)
        if facts.language in _C_LIKE and _bogus_declaration(node, _text(name, source), kind, facts.language):
            continue
        name_spans.add((name.start_byte, name.end_byte))
        ordered.append((node, name, kind, scope))

    prefix = package or module_name(facts.path, facts.language)
    stack: list[tuple[int, str, str]] = []  # (end_byte, qualname, kind) of open definitions
    for node, name_node, kind, scope in ordered:
        deadline.tick()
        while stack and stack[-1][0] <= node.start_byte:
            stack.pop()
        parent_qual, parent_kind = (stack[-1][1], stack[-1][2]) if stack else (None, None)
        if scope is not None:  # `func (s *Store) Get()` → pkg.Store.Get; C++ `ns::Foo::bar` → ….ns.Foo.bar
            base, scope_text = parent_qual or prefix, _text(scope, source).replace("::", ".")
            parent_qual = f"{base}.{scope_text}" if base else scope_text
        if kind == "function" and parent_kind in _CONTAINERS:
            kind = "method"
        name = _name(name_node, source)
        above = _above(node, facts.language)
        if facts.language in _DOTTED_NAMES and "." in name:  # `defmodule Plug.Conn.Query` → Query in Plug.Conn
            outer, name = name.rsplit(".", 1)
            parent_qual = f"{parent_qual or prefix}.{outer}" if (parent_qual or prefix) else outer
        qual = f"{parent_qual or prefix}.{name}" if (parent_qual or prefix) else name
        facts.definitions.append(Definition(
            name=name, kind=kind, qualname=qual,
            start_line=_first_row(above, facts.language, source) + 1, end_line=_end_line(node),
            signature=_signature(node, source), doc=_doc(node, facts.language, source, above), parent=parent_qual,
        ))
        stack.append((node.end_byte, qual, kind))

    deadline.check()
    if source.isascii():  # a byte offset is a character offset: the file decoded once, and sliced
        text = source.decode("ascii")
        refs = {(text[span[0]:span[1]], n.start_point[0] + 1)
                for n in references if (span := (n.start_byte, n.end_byte)) not in name_spans}
    else:
        refs = {(_text(n, source), n.start_point[0] + 1)
                for n in references if (n.start_byte, n.end_byte) not in name_spans}
    facts.references = list(map(_REFERENCE, sorted(filter(_NAME_OF, refs), key=_BY_LINE)))
    for _, (node, modules, names) in sorted(imports.items(), key=lambda e: e[0]):
        line = node.start_point[0] + 1
        uniq_names = tuple(dict.fromkeys(names))
        if facts.language == "rust" and (depth := _inline_mod_depth(node)):
            modules = [_rust_from_inline_mod(m, depth) for m in modules]
        for module in dict.fromkeys(modules) or [""]:
            facts.imports.append(Import(module=module, names=uniq_names, line=line))


# ---- per-language finishing of extracted facts (Haskell, OCaml) -------------------------------------------

def _merge_clauses(facts: FileFacts) -> None:
    """Haskell: a type signature and the equations after it (`f :: …`, `f [] = …`, `f (x:xs) = …`) are
    one definition, spanning them all, with the signature's text."""
    merged: list[Definition] = []
    for d in facts.definitions:
        last = merged[-1] if merged else None
        if last is not None and last.qualname == d.qualname and last.kind == d.kind == "function":
            merged[-1] = Definition(last.name, last.kind, last.qualname, last.start_line,
                                    max(last.end_line, d.end_line), last.signature, last.doc, last.parent)
        else:
            merged.append(d)
    facts.definitions = merged


def _ocaml_uses(facts: FileFacts) -> None:
    """OCaml: each module the file names is one import (the first use), and a module the file defines
    itself (`module Cart = struct … end`, then `Cart.make`) is not another file's."""
    own = {d.name for d in facts.definitions if d.kind in ("module", "interface")}
    seen: set[str] = set()
    kept = []
    for imp in facts.imports:
        if imp.module in seen or imp.module.split(".", 1)[0] in own:
            continue
        seen.add(imp.module)
        kept.append(imp)
    facts.imports = kept


_FINISH = {"haskell": _merge_clauses, "ocaml": _ocaml_uses, "ocaml_interface": _ocaml_uses}
