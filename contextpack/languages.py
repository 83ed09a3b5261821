"""The language registry: file name → language, language → tree-sitter grammar and tags query.

Grammars come from the official `tree-sitter-<lang>` wheels; queries live in `grammars/<lang>.scm`
(package `contextpack.grammars`). Languages without a grammar (Markdown, TOML, …) are still indexed as text.

    lang = language_for("src/app.tsx")          # "tsx"
    spec = LANGUAGES[lang]
    parser, query = spec.parser(), spec.query()
"""

from __future__ import annotations

import functools
import importlib
import importlib.resources
import re
from collections.abc import Callable
from dataclasses import dataclass

import tree_sitter as ts


@dataclass(frozen=True)
class LanguageSpec:
    name: str
    extensions: tuple[str, ...]
    module: str | None = None  # grammar wheel module; None = text only
    function: str = "language"
    shebangs: tuple[str, ...] = ()
    query_file: str = ""  # grammars/<query_file>.scm ("a+b": both files); default: the language's name

    @property
    def parsable(self) -> bool:
        return self.module is not None

    def grammar(self) -> ts.Language:
        return _grammar(self.module, self.function)

    def query(self) -> ts.Query:
        """Definitions, imports and package: run with matches(), which keeps captures grouped."""
        return _queries(self.query_file or self.name, self.module, self.function)[0]

    def reference_query(self) -> ts.Query:
        """The `@reference` patterns alone: run with captures(), several times cheaper than matches()."""
        return _queries(self.query_file or self.name, self.module, self.function)[1]


@functools.cache
def _grammar(module: str, function: str) -> ts.Language:
    loader: Callable[[], object] = getattr(importlib.import_module(module), function)
    return ts.Language(loader())


@functools.cache
def _queries(name: str, module: str, function: str) -> tuple[ts.Query, ts.Query]:
    grammars = importlib.resources.files("contextpack.grammars")
    text = "\n".join(grammars.joinpath(f"{part}.scm").read_text("utf-8") for part in name.split("+"))
    patterns = split_patterns(text)
    refs = [p for p in patterns if "@reference" in p]
    main = [p for p in patterns if "@reference" not in p]
    grammar = _grammar(module, function)
    return ts.Query(grammar, "\n".join(main)), ts.Query(grammar, "\n".join(refs) or "(ERROR) @unused")


def split_patterns(text: str) -> list[str]:
    """The top-level patterns of a query file, comments dropped (a bracket-depth scan over its S-expressions)."""
    patterns, current, depth, i = [], [], 0, 0
    while i < len(text):
        ch = text[i]
        if ch == ";":
            i = text.find("\n", i)
            i = len(text) if i < 0 else i
            continue
        if ch == '"':
            end = i + 1
            while end < len(text) and text[end] != '"':
                end += 2 if text[end] == "\\" else 1
            current.append(text[i:end + 1])
            i = end + 1
            continue
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        current.append(ch)
        i += 1
        if depth == 0 and ch == "\n" and "".join(current).strip():
            # a pattern ends at a newline at depth 0 unless the next line continues it (capture, quantifier)
            rest = text[i:].lstrip(" \t")
            if not rest.startswith(("@", "*", "+", "?")):
                patterns.append("".join(current).strip())
                current = []
    if "".join(current).strip():
        patterns.append("".join(current).strip())
    return patterns


_SPECS = [
    LanguageSpec("python", (".py", ".pyi"), "tree_sitter_python", shebangs=("python",)),
    LanguageSpec("javascript", (".js", ".mjs", ".cjs", ".jsx"), "tree_sitter_javascript", shebangs=("node",)),
    LanguageSpec("typescript", (".ts", ".mts", ".cts"), "tree_sitter_typescript", "language_typescript"),
    # TSX is TypeScript plus JSX: the TypeScript query, compiled against the TSX grammar
    LanguageSpec("tsx", (".tsx",), "tree_sitter_typescript", "language_tsx", query_file="typescript"),
    LanguageSpec("go", (".go",), "tree_sitter_go"),
    LanguageSpec("rust", (".rs",), "tree_sitter_rust"),
    LanguageSpec("java", (".java",), "tree_sitter_java"),
    LanguageSpec("c", (".c", ".h"), "tree_sitter_c"),
    LanguageSpec("cpp", (".cc", ".cpp", ".cxx", ".hpp", ".hh", ".hxx", ".c++", ".h++"), "tree_sitter_cpp"),
    LanguageSpec("csharp", (".cs",), "tree_sitter_c_sharp"),
    LanguageSpec("ruby", (".rb", ".rake", ".gemspec"), "tree_sitter_ruby", shebangs=("ruby",)),
    LanguageSpec("php", (".php",), "tree_sitter_php", "language_php", shebangs=("php",)),
    # ---- Kotlin, Swift, Scala, Lua, shell, Elixir
    LanguageSpec("kotlin", (".kt", ".kts"), "tree_sitter_kotlin"),
    LanguageSpec("swift", (".swift",), "tree_sitter_swift"),
    LanguageSpec("scala", (".scala", ".sc"), "tree_sitter_scala", shebangs=("scala",)),
    LanguageSpec("lua", (".lua",), "tree_sitter_lua", shebangs=("lua", "luajit")),
    # Bash and POSIX sh scripts (zsh too: the Bash grammar recovers where the syntax differs)
    LanguageSpec("shell", (".sh", ".bash"), "tree_sitter_bash", shebangs=("sh", "bash", "zsh"), query_file="bash"),
    LanguageSpec("elixir", (".ex", ".exs"), "tree_sitter_elixir", shebangs=("elixir",)),
    # ---- end Kotlin … Elixir
    # text: indexed for lexical search, manifests and rules, never parsed
    LanguageSpec("markdown", (".md", ".markdown")),
    LanguageSpec("rst", (".rst",)),
    LanguageSpec("text", (".txt",)),
    LanguageSpec("toml", (".toml",)),
    LanguageSpec("yaml", (".yml", ".yaml")),
    LanguageSpec("json", (".json",)),
    LanguageSpec("ini", (".cfg", ".ini")),
    LanguageSpec("html", (".html", ".htm")),
    LanguageSpec("css", (".css", ".scss")),
    # build manifests the import resolvers read (module paths, crate roots, namespaces)
    LanguageSpec("gomod", ()),
    LanguageSpec("xml", (".csproj", ".fsproj", ".vbproj", ".props", ".targets")),
]

# ---- Haskell, Zig, Dart, OCaml, Objective-C, Solidity; Vue and Svelte single-file components -----------
# Dart: tree-sitter-dart-orchard (the grammar's maintainer's current wheel; whole method/function nodes).
# Vue/Svelte: no grammar of their own; parse.py parses their <script> blocks (see sfc.py) as JS/TS.
_SPECS += [
    LanguageSpec("haskell", (".hs",), "tree_sitter_haskell"),
    LanguageSpec("zig", (".zig",), "tree_sitter_zig"),
    LanguageSpec("dart", (".dart",), "tree_sitter_dart_orchard"),
    LanguageSpec("ocaml", (".ml",), "tree_sitter_ocaml", "language_ocaml"),
    LanguageSpec("ocaml_interface", (".mli",), "tree_sitter_ocaml", "language_ocaml_interface",
                 query_file="ocaml_interface"),
    LanguageSpec("objc", (".m", ".mm"), "tree_sitter_objc"),
    LanguageSpec("solidity", (".sol",), "tree_sitter_solidity"),
    LanguageSpec("vue", (".vue",)),
    LanguageSpec("svelte", (".svelte",)),
    LanguageSpec("cabal", (".cabal",)),  # manifests the resolvers read (cabal source dirs); dune is by name
]
_NAMES_B = {"dune": "text", "dune-project": "text"}
# the grammars of Vue/Svelte script blocks: JavaScript/TypeScript with grammars/sfc.scm added
SFC_GRAMMARS = {
    "javascript": LanguageSpec("sfc-javascript", (), "tree_sitter_javascript", query_file="javascript+sfc"),
    "typescript": LanguageSpec("sfc-typescript", (), "tree_sitter_typescript", "language_typescript",
                               query_file="typescript+sfc"),
    "tsx": LanguageSpec("sfc-tsx", (), "tree_sitter_typescript", "language_tsx", query_file="typescript+sfc"),
}

LANGUAGES: dict[str, LanguageSpec] = {s.name: s for s in _SPECS}
# languages whose files are code (ranking and contracts treat the others as docs, manifests, data)
CODE_LANGUAGES = frozenset({s.name for s in _SPECS if s.parsable} | {"vue", "svelte"})
# languages whose definitions' lines begin at the doc comment written above them (Rust `///`), as a Python
# docstring is inside its definition; their `#[…]` attributes are in the lines too. (PHP's `/** … */` blocks
# were tried: mostly @param / @return lines, they made its definitions dearer and found no more edits.)
DOC_IN_LINES = frozenset({"rust"})
_BY_EXT = {ext: s.name for s in _SPECS for ext in s.extensions}
_BY_NAME = {"Makefile": "text", "Dockerfile": "text", "Gemfile": "ruby", "Rakefile": "ruby",
            "go.mod": "gomod", "go.work": "gomod", "pom.xml": "xml", **_NAMES_B}
_BY_SHEBANG = {sb: s.name for s in _SPECS for sb in s.shebangs}


# `.h` holds C or C++. Constructs only C++ has, searched in the code with comments and strings removed:
# templates, namespaces, classes (also after an export macro), access specifiers, `enum class`, scoped
# names, extensionless standard headers (<vector>), virtual members.
# Whitespace at a line start is [ \t] only, never \s: a \s* that spans lines rescans them from every line start.
# One pattern per signal, each opening with a literal (a line start is the newline before it; a word
# boundary is checked behind the keyword): searched for ~7x faster than one alternation from every byte.
_CPP_SIGNALS = [re.compile(p, re.M) for p in (
    rb"\n[ \t]*template\s*<", rb"\n[ \t]*(?:inline[ \t]+)?namespace(?:[ \t]+[\w:]+)?[ \t]*(?:\{|$)",
    rb"\n[ \t]*using[ \t]+namespace\s", rb"class(?<!\wclass)\s+(?:\w+\s+){0,3}\w+\s*(?:final\s*)?[:{]",
    rb"\n[ \t]*(?:public|private|protected)[ \t]*:", rb"enum(?<!\wenum)\s+class\b", rb"::(?<=\w::)~?\w",
    rb"\n[ \t]*#[ \t]*include[ \t]*<\w+>", rb"virtual(?<!\wvirtual)\s")]
# an unterminated /* ends the file (as the compiler sees it): linear even when `/*` never closes
_C_NOISE = re.compile(rb'//[^\n]*|/\*.*?(?:\*/|\Z)|"[^"\\\n]*(?:\\.[^"\\\n]*)*"', re.S)


_HEADER_SCAN_BYTES = 256 * 1024  # C++ shows itself early in a header; this bounds the cost on huge ones


def header_language(source: bytes) -> str:
    """"objc" when a `.h` file declares Objective-C (`@interface`, `@protocol`, `#import`), "cpp" when its
    code uses C++ constructs, else "c" (the C++ grammar chokes on C that uses C++ keywords as names, the C
    grammar drops classes and namespaces)."""
    code = b"\n" + _C_NOISE.sub(b" ", source[:_HEADER_SCAN_BYTES])  # each line, the first too, after a newline
    if (b"@" in code or b"import" in code) and _OBJC_SIGNALS.search(code):
        return "objc"
    return "cpp" if any(signal.search(code) for signal in _CPP_SIGNALS) else "c"


# Objective-C in a `.h`: class and protocol declarations, forward declarations, `#import`
# (searched with strings removed: `#import "x.h"` is `#import` then a blank)
_OBJC_SIGNALS = re.compile(rb"^[ \t]*(?:@(?:interface|protocol|class|implementation)\b|#[ \t]*import\b)", re.M)


def language_for(path: str, head: bytes = b"") -> str | None:
    """Language of a file by extension, then exact name, then a `#!` line in `head`; None if unknown."""
    name = path.rsplit("/", 1)[-1]
    dot = name.rfind(".")
    if dot > 0 and (lang := _BY_EXT.get(name[dot:].lower())):
        return lang
    if lang := _BY_NAME.get(name):
        return lang
    if head.startswith(b"#!"):
        words = head[2:].split(b"\n", 1)[0].decode("latin-1").split()
        if words:
            if words[0].endswith("/env"):
                words = [w for w in words[1:] if not w.startswith("-")] or words
            prog = words[0]
            prog = prog.rsplit("/", 1)[-1].rstrip("0123456789.")
            return _BY_SHEBANG.get(prog)
    return None
