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

    @property
    def parsable(self) -> bool:
        return self.module is not None

    def grammar(self) -> ts.Language:
        return _grammar(self.module, self.function)

    def query(self) -> ts.Query:
        return _query(self.name, self.module, self.function)


@functools.cache
def _grammar(module: str, function: str) -> ts.Language:
    loader: Callable[[], object] = getattr(importlib.import_module(module), function)
    return ts.Language(loader())


@functools.cache
def _query(name: str, module: str, function: str) -> ts.Query:
    text = importlib.resources.files("contextpack.grammars").joinpath(f"{name}.scm").read_text("utf-8")
    return ts.Query(_grammar(module, function), text)


_SPECS = [
    LanguageSpec("python", (".py", ".pyi"), "tree_sitter_python", shebangs=("python",)),
    LanguageSpec("javascript", (".js", ".mjs", ".cjs", ".jsx"), "tree_sitter_javascript", shebangs=("node",)),
    LanguageSpec("typescript", (".ts", ".mts", ".cts"), "tree_sitter_typescript", "language_typescript"),
    LanguageSpec("tsx", (".tsx",), "tree_sitter_typescript", "language_tsx"),
    LanguageSpec("go", (".go",), "tree_sitter_go"),
    LanguageSpec("rust", (".rs",), "tree_sitter_rust"),
    LanguageSpec("java", (".java",), "tree_sitter_java"),
    LanguageSpec("c", (".c", ".h"), "tree_sitter_c"),
    LanguageSpec("cpp", (".cc", ".cpp", ".cxx", ".hpp", ".hh", ".hxx", ".c++", ".h++"), "tree_sitter_cpp"),
    LanguageSpec("csharp", (".cs",), "tree_sitter_c_sharp"),
    LanguageSpec("ruby", (".rb", ".rake", ".gemspec"), "tree_sitter_ruby", shebangs=("ruby",)),
    LanguageSpec("php", (".php",), "tree_sitter_php", "language_php", shebangs=("php",)),
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
    LanguageSpec("shell", (".sh", ".bash"), shebangs=("sh", "bash", "zsh")),
]

LANGUAGES: dict[str, LanguageSpec] = {s.name: s for s in _SPECS}
_BY_EXT = {ext: s.name for s in _SPECS for ext in s.extensions}
_BY_NAME = {"Makefile": "text", "Dockerfile": "text", "Gemfile": "ruby", "Rakefile": "ruby"}
_BY_SHEBANG = {sb: s.name for s in _SPECS for sb in s.shebangs}


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
