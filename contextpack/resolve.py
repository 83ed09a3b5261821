"""Resolving import statements to files of the repository, per language.

Python: absolute and relative imports, packages (`__init__.py`), `src/`-style layouts. Other languages
are resolved by their own rules where written (see RESOLVERS), else best effort by name.

    ctx = RepoContext.build(["pkg/__init__.py", "pkg/mod.py"], read=lambda p: b"")
    resolve_import("pkg/mod.py", "python", Import(".", ("util",), 1), ctx)   # ["pkg/util.py"] if it exists
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .parse import Import, module_name


@dataclass
class RepoContext:
    """What resolution needs to know about the whole repository."""

    paths: frozenset[str]
    python_modules: dict[str, str] = field(default_factory=dict)  # dotted module → path
    read: Callable[[str], bytes] = lambda _p: b""  # reads a repo file (config: go.mod, tsconfig.json)

    @classmethod
    def build(cls, paths: Iterable[str], read: Callable[[str], bytes]) -> RepoContext:
        paths = frozenset(paths)
        modules: dict[str, str] = {}
        for p in sorted(paths):
            if not p.endswith((".py", ".pyi")):
                continue
            mod = module_name(p, "python")
            # a module is importable from every package root it sits under: "src/pkg/x.py" → "pkg.x" too
            parts = mod.split(".")
            for i in range(len(parts)):
                key = ".".join(parts[i:])
                if key and (i == 0 or _is_root_dir(parts[:i], paths)):
                    modules.setdefault(key, p)
        return cls(paths=paths, python_modules=modules, read=read)


def _is_root_dir(parts: list[str], paths: frozenset[str]) -> bool:
    """True when a directory is not itself a package, so imports may start below it (src layouts)."""
    d = "/".join(parts)
    return f"{d}/__init__.py" not in paths


def _python(path: str, imp: Import, ctx: RepoContext) -> list[str]:
    module = imp.module
    if module.startswith("."):
        level = len(module) - len(module.lstrip("."))
        pkg = module_name(path, "python").split(".")
        if not path.endswith(("__init__.py", "__init__.pyi")):
            pkg = pkg[:-1]
        base = pkg[: len(pkg) - (level - 1)] if level > 1 else pkg
        rest = module[level:]
        full = ".".join([*base, rest] if rest else base)
    else:
        full = module
    target = ctx.python_modules.get(full)
    out = []
    if target:
        out.append(target)
    for name in imp.names:  # "from pkg import submodule"
        sub = ctx.python_modules.get(f"{full}.{name}") if full else None
        if sub:
            out.append(sub)
    if not out:  # "import a.b.c" where only a.b exists: take the longest prefix that resolves
        parts = full.split(".")
        for i in range(len(parts) - 1, 0, -1):
            if hit := ctx.python_modules.get(".".join(parts[:i])):
                out.append(hit)
                break
    return out


RESOLVERS), else best effort by name.

    ctx = RepoContext.build(["pkg/__init__.py", "pkg/mod.py"], read=lambda p: b"")
    resolve_import("pkg/mod.py", "python", Import(".", ("util",), 1), ctx)   # ["pkg/util.py"] if it exists
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .parse import Import, module_name


@dataclass
class RepoContext:
    """What resolution needs to know about the whole repository."""

    paths: frozenset[str]
    python_modules: dict[str, str] = field(default_factory=dict)  # dotted module → path
    read: Callable[[str], bytes] = lambda _p: b""  # reads a repo file (config: go.mod, tsconfig.json)

    @classmethod
    def build(cls, paths: Iterable[str], read: Callable[[str], bytes]) -> RepoContext:
        paths = frozenset(paths)
        modules: dict[str, str] = {}
        for p in sorted(paths):
            if not p.endswith((".py", ".pyi")):
                continue
            mod = module_name(p, "python")
            # a module is importable from every package root it sits under: "src/pkg/x.py" → "pkg.x" too
            parts = mod.split(".")
            for i in range(len(parts)):
                key = ".".join(parts[i:])
                if key and (i == 0 or _is_root_dir(parts[:i], paths)):
                    modules.setdefault(key, p)
        return cls(paths=paths, python_modules=modules, read=read)


def _is_root_dir(parts: list[str], paths: frozenset[str]) -> bool:
    """True when a directory is not itself a package, so imports may start below it (src layouts)."""
    d = "/".join(parts)
    return f"{d}/__init__.py" not in paths


def _python(path: str, imp: Import, ctx: RepoContext) -> list[str]:
    module = imp.module
    if module.startswith("."):
        level = len(module) - len(module.lstrip("."))
        pkg = module_name(path, "python").split(".")
        if not path.endswith(("__init__.py", "__init__.pyi")):
            pkg = pkg[:-1]
        base = pkg[: len(pkg) - (level - 1)] if level > 1 else pkg
        rest = module[level:]
        full = ".".join([*base, rest] if rest else base)
    else:
        full = module
    target = ctx.python_modules.get(full)
    out = []
    if target:
        out.append(target)
    for name in imp.names:  # "from pkg import submodule"
        sub = ctx.python_modules.get(f"{full}.{name}") if full else None
        if sub:
            out.append(sub)
    if not out:  # "import a.b.c" where only a.b exists: take the longest prefix that resolves
        parts = full.split(".")
        for i in range(len(parts) - 1, 0, -1):
            if hit := ctx.python_modules.get(".".join(parts[:i])):
                out.append(hit)
                break
    return out


def _by_path(dotted: str, ctx: RepoContext) -> str | None:
    base = dotted.replace(".", "/")
    for cand in (f"{base}.py", f"{base}/__init__.py", f"{base}.pyi"):
        if cand in ctx.paths:
            return cand
    return None


RESOLVERS: dict[str, Callable[[str, Import, RepoContext], list[str]]] = {
    "python": _python,
}


def resolve_import(path: str, language: str, imp: Import, ctx: RepoContext) -> list[str]:
    """Repository files an import refers to (sorted, without the importing file); [] when external."""
    resolver = RESOLVERS.get(language)
    if resolver is None:
        return []
    return sorted(set(resolver(path, imp, ctx)) - {path})
