"""Resolving import statements to files of the repository, per language.

Python: absolute and relative imports, packages (`__init__.py`), `src/`-style layouts. Other languages
are resolved by their own rules where written (see RESOLVERS), else best effort by name.

    ctx = RepoContext.build(["pkg/__init__.py", "pkg/mod.py"], read=lambda p: b"")
    resolve_import("pkg/mod.py", "python", Import(".", ("util",), 1), ctx)   # ["pkg/util.py"] if it exists
"""

from __future__ import annotations

import json
import posixpath
import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .parse import Import, module_name


@dataclass
class RepoContext:
    """What resolution needs to know about the whole repository."""

    paths: frozenset[str]
    python_modules: dict[str, str] = field(default_factory=dict)  # dotted module → path
    read: Callable[[str], bytes] = lambda _p: b""  # reads a repo file (config: go.mod, tsconfig.json)
    # JavaScript/TypeScript, Go, Rust, Java (filled by _index_js_go_rust_java)
    files_by_dir: dict[str, tuple[str, ...]] = field(default_factory=dict)  # "a/b" ("" = root) → its files
    js_configs: dict[str, _TsConfig] = field(default_factory=dict)  # dir of tsconfig/jsconfig.json → config
    js_packages: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)  # name → (dir, entries)
    go_modules: dict[str, str] = field(default_factory=dict)  # module path (go.mod) → its directory
    rust_roots: dict[str, tuple[str, ...]] = field(default_factory=dict)  # Cargo.toml dir → its targets' dirs
    rust_files: dict[str, str] = field(default_factory=dict)  # a target's dir → its root file (library first)
    rust_crates: dict[str, str] = field(default_factory=dict)  # crate name ("my_crate") → library's dir
    java_files: dict[str, tuple[str, ...]] = field(default_factory=dict)  # "Foo.java" → its paths
    java_dirs: dict[str, tuple[str, ...]] = field(default_factory=dict)  # last dir name → dirs with .java
    # C/C++, C#, Ruby, PHP (filled by _index_c_csharp_ruby_php)
    files_by_name: dict[str, tuple[str, ...]] = field(default_factory=dict)  # "x.h" → every path named so
    c_include_dirs: tuple[str, ...] = ()  # include directories CMakeLists.txt files declare
    csharp_dir_names: dict[str, tuple[str, ...]] = field(default_factory=dict)  # "Models" → dirs with .cs
    csharp_roots: tuple[tuple[tuple[str, ...], str], ...] = ()  # (root namespace of a .csproj, its dir)
    csharp_declared: dict[str, tuple[str, ...]] = field(default_factory=dict)  # "A.B" / "A.B.Type" → files
    php_psr4: tuple[tuple[str, str], ...] = ()  # composer.json psr-4: ("App\\", "app"), longest first
    # Haskell, Zig, Dart, OCaml, Solidity (filled by _index_haskell_zig_dart_ocaml_solidity)
    haskell_source_dirs: tuple[str, ...] = ()  # hs-source-dirs / source-dirs of *.cabal and package.yaml
    zig_modules: dict[str, str] = field(default_factory=dict)  # build.zig module name → its root file
    dart_packages: dict[str, str] = field(default_factory=dict)  # pubspec.yaml name → its directory
    ocaml_units: dict[str, tuple[str, ...]] = field(default_factory=dict)  # "Foo" → foo.ml/Foo.ml paths
    dune_libraries: dict[str, str] = field(default_factory=dict)  # wrapped library module ("Mylib") → dir
    dune_deps: dict[str, tuple[str, ...]] = field(default_factory=dict)  # dune dir → its libraries' names
    sol_remappings: tuple[tuple[str, str], ...] = ()  # "@oz/contracts/" → repo dir, longest prefix first
    sveltekit_aliases: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)  # root → ($x, dir)

    @classmethod
    def build(cls, paths: Iterable[str], read: Callable[[str], bytes]) -> RepoContext:
        paths = frozenset(paths)
        modules: dict[str, str] = {}
        for p in sorted(paths):
            if not p.endswith((".py", ".pyi")):
                continue
            mod = module_name(p, "python")
            # a module is importable from every package root it sits under: "lib/pkg/x.py" → "pkg.x" too
            parts = mod.split(".")
            dirs = p.split("/")[:-1]  # parts[:i] is the directory dirs[:skip + i] ("src/" layouts skip it)
            skip = len(dirs) - (len(parts) - (0 if p.rsplit("/", 1)[-1].startswith("__init__.") else 1))
            for i in range(len(parts)):
                key = ".".join(parts[i:])
                if key and (i == 0 or _is_root_dir(dirs[:skip + i], paths)):
                    modules.setdefault(key, p)
        ctx = cls(paths=paths, python_modules=modules, read=read)
        _index_js_go_rust_java(ctx)
        _index_c_csharp_ruby_php(ctx)
        _index_haskell_zig_dart_ocaml_solidity(ctx)
        return ctx


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


# ---- JavaScript / TypeScript, Go, Rust, Java ---------------------------------------------------------

_JS_EXTENSIONS = (".ts", ".tsx", ".d.ts", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts")
# ESM TypeScript imports name the emitted file: "./x.js" means x.ts
_JS_EMITTED = {".js": (".ts", ".tsx"), ".jsx": (".tsx",), ".mjs": (".mts",), ".cjs": (".cts",)}
_CONFIG_NAMES = frozenset({"tsconfig.json", "jsconfig.json", "package.json", "go.mod", "Cargo.toml"})
_CONTEXT_NAMES = _CONFIG_NAMES | {"composer.json", "CMakeLists.txt"}
_CONTEXT_SUFFIXES = (".csproj",)


def is_context_file(path: str) -> bool:
    """Whether RepoContext.build reads this file: an edit to one can change how any import resolves."""
    name = path.rsplit("/", 1)[-1]
    return name in _CONTEXT_NAMES or name.endswith(_CONTEXT_SUFFIXES) or _is_context_file_b(name)


@dataclass(frozen=True)
class _TsConfig:
    """`compilerOptions.baseUrl`/`paths` of a tsconfig.json or jsconfig.json, `extends` applied."""

    base_url: str | None  # repo-relative directory ("" = root)
    paths: tuple[tuple[str, tuple[str, ...]], ...] = ()  # pattern → targets, as written
    paths_dir: str = ""  # the directory `paths` targets are relative to (baseUrl, else the defining config's)


def _index_js_go_rust_java(ctx: RepoContext) -> None:
    """Directory listings and the few config files (tsconfig, package.json, go.mod, Cargo.toml) read once."""
    by_dir: dict[str, list[str]] = {}
    java_files: dict[str, list[str]] = {}
    java_dirs: dict[str, set[str]] = {}
    configs: list[tuple[str, str]] = []
    for p in sorted(ctx.paths):
        d, _, name = p.rpartition("/")
        by_dir.setdefault(d, []).append(p)
        if name.endswith(".java"):
            java_files.setdefault(name, []).append(p)
            java_dirs.setdefault(d.rpartition("/")[2], set()).add(d)
        elif name in _CONFIG_NAMES:
            configs.append((d, name))
    ctx.files_by_dir = {d: tuple(v) for d, v in by_dir.items()}
    ctx.java_files = {k: tuple(v) for k, v in java_files.items()}
    ctx.java_dirs = {k: tuple(sorted(v)) for k, v in java_dirs.items()}
    for d, name in configs:
        if name == "go.mod":
            if m := re.search(r'^\s*module\s+"?([^\s"]+)', _read_text(ctx, _join(d, name)), re.M):
                ctx.go_modules[m.group(1)] = d
        elif name == "Cargo.toml":
            _index_cargo(ctx, d)
        elif name == "package.json":
            _index_package_json(ctx, d)
        elif name == "tsconfig.json" or d not in ctx.js_configs:  # tsconfig.json wins over jsconfig.json
            ctx.js_configs[d] = _ts_config(ctx, _join(d, name))


def _read_text(ctx: RepoContext, path: str) -> str:
    try:
        return ctx.read(path).decode("utf-8", errors="replace")
    except Exception:  # a config that vanished or cannot be read only costs its resolutions
        return ""


def _join(d: str, rel: str) -> str:
    return f"{d}/{rel}" if d else rel


def _norm(path: str) -> str | None:
    """Normalised repo-relative path; None when it leaves the repository."""
    path = posixpath.normpath(path)
    if path == ".":
        return ""
    return None if path == ".." or path.startswith(("../", "/")) else path


def _lenient_json(text: str) -> object:
    """JSON with comments and trailing commas (tsconfig.json); None when unreadable."""
    def keep_strings(m: re.Match[str]) -> str:
        return m.group(0) if m.group(0)[0] == '"' else ""

    text = re.sub(r'"(?:\\.|[^"\\])*"|//[^\n]*|/\*[\s\S]*?\*/', keep_strings, text)  # comments
    text = re.sub(r'"(?:\\.|[^"\\])*"|,(?=\s*[}\]])', keep_strings, text)  # trailing commas
    try:
        return json.loads(text)
    except ValueError:
        return None


def _ts_options(ctx: RepoContext, path: str, depth: int = 0) -> dict[str, object]:
    """baseUrl / paths / pathsDir of one config, its relative `extends` applied first."""
    data = _lenient_json(_read_text(ctx, path))
    if not isinstance(data, dict):
        return {}
    d = posixpath.dirname(path)
    opts: dict[str, object] = {}
    extends = data.get("extends")
    for base in [extends] if isinstance(extends, str) else extends if isinstance(extends, list) else []:
        if isinstance(base, str) and base.startswith(".") and depth < 8:
            target = _norm(_join(d, base))
            if target is not None:
                target = target if target.endswith(".json") else f"{target}.json"
                opts.update(_ts_options(ctx, target, depth + 1))
    options = data.get("compilerOptions")
    if isinstance(options, dict):
        if isinstance(options.get("baseUrl"), str):
            opts["baseUrl"] = _norm(_join(d, options["baseUrl"]))
        if isinstance(options.get("paths"), dict):
            opts["paths"], opts["pathsDir"] = options["paths"], d
    return opts


def _ts_config(ctx: RepoContext, path: str) -> _TsConfig:
    opts = _ts_options(ctx, path)
    base_url = opts.get("baseUrl")
    base_url = base_url if isinstance(base_url, str) else None
    raw = opts.get("paths")
    paths = tuple(
        (pattern, tuple(t for t in targets if isinstance(t, str)))
        for pattern, targets in (raw.items() if isinstance(raw, dict) else ())
        if isinstance(pattern, str) and isinstance(targets, list)
    )
    paths_dir = base_url if base_url is not None else opts.get("pathsDir", posixpath.dirname(path))
    return _TsConfig(base_url=base_url, paths=paths, paths_dir=str(paths_dir))


def _index_package_json(ctx: RepoContext, d: str) -> None:
    """A workspace package: `import "@scope/pkg"` resolves into its directory."""
    data = _lenient_json(_read_text(ctx, _join(d, "package.json")))
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        return
    entries = [data.get(k) for k in ("source", "module", "main", "types", "typings")]
    exports = data.get("exports")
    if isinstance(exports, dict):
        exports = exports.get(".", exports)
    if isinstance(exports, dict):
        exports = exports.get("import") or exports.get("default") or exports.get("require")
    entries.append(exports)
    ctx.js_packages.setdefault(data["name"], (d, tuple(e for e in entries if isinstance(e, str))))


def _js_probe(base: str | None, ctx: RepoContext) -> str | None:
    """The file an import specifier names: as written, with an extension, or a directory's index file."""
    if base is None:
        return None
    if base in ctx.paths:
        return base
    stem, ext = posixpath.splitext(base)
    for alt in _JS_EMITTED.get(ext, ()):
        if stem + alt in ctx.paths:
            return stem + alt
    for prefix in (base, _join(base, "index")):
        for ext in _JS_EXTENSIONS:
            if prefix + ext in ctx.paths:
                return prefix + ext
    return None


def _ts_path_targets(spec: str, cfg: _TsConfig) -> list[str]:
    """`compilerOptions.paths` substitutions for a specifier, most specific pattern first (as tsc)."""
    best: tuple[int, tuple[str, ...], str] | None = None
    for pattern, targets in cfg.paths:
        if "*" not in pattern:
            if pattern == spec:
                return [_join(cfg.paths_dir, t) for t in targets]
            continue
        head, _, tail = pattern.partition("*")
        if spec.startswith(head) and spec.endswith(tail) and len(spec) >= len(head) + len(tail):
            if best is None or len(head) > best[0]:
                best = (len(head), targets, spec[len(head):len(spec) - len(tail)])
    if best is None:
        return []
    return [_join(cfg.paths_dir, t.replace("*", best[2], 1)) for t in best[1]]


def _js(path: str, imp: Import, ctx: RepoContext) -> list[str]:
    spec = imp.module.split("?", 1)[0]  # bundler queries: "./x.svg?raw"
    if not spec:
        return []
    d = posixpath.dirname(path)
    if spec.startswith("."):
        hit = _js_probe(_norm(_join(d, spec)), ctx)
        return [hit] if hit else []
    cfg, up = None, d
    while cfg is None:  # the nearest tsconfig.json / jsconfig.json above the file
        cfg = ctx.js_configs.get(up)
        if not up:
            break
        up = posixpath.dirname(up)
    if cfg is not None:
        for target in _ts_path_targets(spec, cfg):
            if hit := _js_probe(_norm(target), ctx):
                return [hit]
        if cfg.base_url is not None and (hit := _js_probe(_norm(_join(cfg.base_url, spec)), ctx)):
            return [hit]
    names = [n for n in ctx.js_packages if spec == n or spec.startswith(n + "/")]
    if names:  # a package of this workspace (monorepo)
        name = max(names, key=len)
        pkg_dir, entries = ctx.js_packages[name]
        sub = spec[len(name) + 1:]
        candidates = [_join(pkg_dir, sub), _join(pkg_dir, _join("src", sub))] if sub else [
            *(_join(pkg_dir, e) for e in entries), pkg_dir, _join(pkg_dir, "src")]
        for cand in candidates:
            if hit := _js_probe(_norm(cand), ctx):
                return [hit]
    return []


def _go(path: str, imp: Import, ctx: RepoContext) -> list[str]:
    """An import path inside a module of the repo (go.mod) → the package's non-test .go files."""
    spec = imp.module
    mods = [m for m in ctx.go_modules if spec == m or spec.startswith(m + "/")]
    if not mods:
        return []
    mod = max(mods, key=len)
    pkg_dir = _join(ctx.go_modules[mod], spec[len(mod) + 1:]) if spec != mod else ctx.go_modules[mod]
    return [f for f in ctx.files_by_dir.get(pkg_dir, ()) if f.endswith(".go") and not f.endswith("_test.go")]


_CARGO_TARGETS = ("bin", "test", "example", "bench")  # arrays of tables with a `path` to a crate root


def _index_cargo(ctx: RepoContext, d: str) -> None:
    """A package's targets: the library (`[lib] path`, else src/lib.rs), then the binaries (`[[bin]] path`,
    src/main.rs, src/bin/*.rs, src/bin/*/main.rs) and the declared tests, examples and benches; each
    target's root file and directory."""
    try:
        data = tomllib.loads(_read_text(ctx, _join(d, "Cargo.toml")))
    except tomllib.TOMLDecodeError:
        return
    package, lib = data.get("package"), data.get("lib")
    if not isinstance(package, dict):
        return  # a virtual workspace manifest: its members have their own Cargo.toml
    lib = lib if isinstance(lib, dict) else {}
    lib_file = _norm(_join(d, lib["path"] if isinstance(lib.get("path"), str) else "src/lib.rs"))
    if lib_file is None:
        return
    files = [lib_file, *_rust_bins(ctx, d, data)]
    for f in files:
        ctx.rust_files.setdefault(posixpath.dirname(f), f)
    ctx.rust_roots[d] = tuple(dict.fromkeys(posixpath.dirname(f) for f in files))
    for name in (package.get("name"), lib.get("name")):
        if isinstance(name, str):
            ctx.rust_crates.setdefault(name.replace("-", "_"), posixpath.dirname(lib_file))


def _rust_bins(ctx: RepoContext, d: str, manifest: dict) -> list[str]:
    """Root files of a package's other targets: declared `[[bin]]` (`[[test]]`, …) paths, then Cargo's
    automatic binaries."""
    declared = [t for kind in _CARGO_TARGETS if isinstance(manifest.get(kind), list) for t in manifest[kind]]
    files = [f for t in declared if isinstance(t, dict) and isinstance(t.get("path"), str)
             and (f := _norm(_join(d, t["path"]))) is not None]
    bin_dir = _join(d, "src/bin")
    files.append(_join(d, "src/main.rs"))
    files += [f for f in ctx.files_by_dir.get(bin_dir, ()) if f.endswith(".rs")]
    files += [_join(sub, "main.rs") for sub in ctx.files_by_dir
              if posixpath.dirname(sub) == bin_dir and _join(sub, "main.rs") in ctx.paths]
    return [f for f in files if f in ctx.paths]


def _rust_root(path: str, ctx: RepoContext) -> str:
    """Directory of the root file of a file's crate: the deepest target directory of its package that holds
    it (a binary in src/bin/x/ has its own crate), else the library's; without a Cargo.toml, the nearest
    directory with lib.rs/main.rs."""
    up, here = posixpath.dirname(path), posixpath.dirname(path)
    while True:
        if roots := ctx.rust_roots.get(up):
            holding = [r for r in roots if not r or here == r or here.startswith(r + "/")]
            return max(holding, key=len) if holding else roots[0]
        if not up:
            break
        up = posixpath.dirname(up)
    up = posixpath.dirname(path)
    while True:
        if _join(up, "lib.rs") in ctx.paths or _join(up, "main.rs") in ctx.paths or not up:
            return up
        up = posixpath.dirname(up)


def _rust_module(path: str, root: str, ctx: RepoContext) -> list[str]:
    """Module path of a file within its crate: src/a/b.rs and src/a/b/mod.rs → ["a", "b"]."""
    if path == ctx.rust_files.get(root):
        return []
    rel = path[len(root) + 1:] if root and path.startswith(root + "/") else path
    parts = rel.removesuffix(".rs").split("/")
    if parts[-1] == "mod" or parts in (["lib"], ["main"]):
        parts.pop()
    return parts


def _rust_file(root: str, segs: list[str], ctx: RepoContext) -> str | None:
    """The file of module `segs` of the crate at `root` (the crate root file for [])."""
    if not segs:
        cands = [ctx.rust_files.get(root, ""), _join(root, "lib.rs"), _join(root, "main.rs")]
    else:
        base = _join(root, "/".join(segs))
        cands = [f"{base}.rs", f"{base}/mod.rs"]
    return next((c for c in cands if c in ctx.paths), None)


def _rust_path(path: str, root: str, segs: list[str], ctx: RepoContext) -> str | None:
    """A `use` path → the file of its longest prefix that is a module of the repo."""
    if segs[0] == "crate":
        base, rest = [], segs[1:]
    elif segs[0] in ("self", "super"):
        base, rest = _rust_module(path, root, ctx), segs
        while rest and rest[0] in ("self", "super"):
            base = base[:-1] if rest[0] == "super" else base
            rest = rest[1:]
    else:
        segs = segs[1:] if segs[0] == "" else segs  # `::name`: another crate
        current = _rust_module(path, root, ctx)
        if _rust_file(root, [*current, segs[0]], ctx):  # a child module (2018 paths are relative)
            base, rest = current, segs
        elif segs[0] in ctx.rust_crates:  # a crate of this workspace
            root, base, rest = ctx.rust_crates[segs[0]], [], segs[1:]
        else:
            return None  # an external crate
    for i in range(len(rest), -1, -1):
        if hit := _rust_file(root, base + rest[:i], ctx):
            return hit
    return None


def _rust(path: str, imp: Import, ctx: RepoContext) -> list[str]:
    if not imp.module:
        return []
    root = _rust_root(path, ctx)
    if imp.names == ("mod",):  # `mod foo;` → foo.rs / foo/mod.rs beside the file or in the dir named after it
        d, name = posixpath.dirname(path), posixpath.basename(path)
        is_root = path == ctx.rust_files.get(root) or (d == root and name in ("lib.rs", "main.rs"))
        own = d if name == "mod.rs" or is_root else path[:-3]
        for parent in dict.fromkeys([own, d]):  # d: a crate root elsewhere (src/bin/x.rs, tests/x.rs)
            if hit := _rust_file(parent, [imp.module], ctx):
                return [hit]
        return []
    segs = imp.module.split("::")
    grouped = [n for n in imp.names
               if n not in ("*", "self") and imp.module != n and not imp.module.endswith("::" + n)]
    targets = [[*segs, *n.split("::")] for n in grouped] or [segs]
    return [hit for t in targets if (hit := _rust_path(path, root, t, ctx))]


def _closest(path: str, candidates: Iterable[str]) -> list[str]:
    """The candidates sharing the longest directory prefix with `path` (same module/source set first)."""
    def shared(c: str) -> int:
        return len(posixpath.commonpath([posixpath.dirname(path) or ".", posixpath.dirname(c) or "."]))
    cands = list(candidates)
    top = max((shared(c) for c in cands), default=0)
    return [c for c in cands if shared(c) == top]


def _java(path: str, imp: Import, ctx: RepoContext) -> list[str]:
    """`com.x.Foo` → …/com/x/Foo.java under any source root; `com.x.*` → the package's files."""
    segs = imp.module.split(".")
    if "*" in imp.names:
        rel = "/".join(segs)
        dirs = [d for d in ctx.java_dirs.get(segs[-1], ()) if d == rel or d.endswith("/" + rel)]
        if dirs:
            return [f for d in dirs for f in ctx.files_by_dir.get(d, ()) if f.endswith(".java")]
    for i in range(len(segs), min(2, len(segs)) - 1, -1):  # a class, else its outer class (nested, static)
        rel = "/".join(segs[:i]) + ".java"
        named = ctx.java_files.get(f"{segs[i - 1]}.java", ())
        cands = [p for p in named if p == rel or p.endswith("/" + rel)]
        if cands:
            return _closest(path, cands)
    return []


# ---- C / C++, C#, Ruby, PHP ------------------------------------------------------------------------

_C_INCLUDE_DIRS = ("", "include", "inc", "src")  # probed under the including file's dir and each parent
_VENDORED = ("vendor/", "node_modules/")
_RUBY_LOAD_DIRS = ("lib", "test", "spec")  # what Bundler, rake and rspec put on $LOAD_PATH


def _index_c_csharp_ruby_php(ctx: RepoContext) -> None:
    """File names, C# directories, composer.json psr-4 maps: one pass over the paths, no source read."""
    by_name: dict[str, list[str]] = {}
    cs_dirs: dict[str, set[str]] = {}
    cs_declared: dict[str, list[str]] = {}
    composers: list[str] = []
    projects: list[tuple[tuple[str, ...], str]] = []
    include_dirs: list[str] = []
    for p in sorted(ctx.paths):
        d, _, name = p.rpartition("/")
        by_name.setdefault(name, []).append(p)
        if name.endswith(".cs"):
            for declared in _csharp_declarations(_read_text(ctx, p)):
                cs_declared.setdefault(declared, []).append(p)
        if name.endswith(".cs") and d:  # "src/App.Services" and "src/App/Services" → "Services"
            cs_dirs.setdefault(re.split(r"[/.]", d)[-1], set()).add(d)
        elif name.endswith(".csproj"):
            projects.append((tuple(_csproj_namespace(ctx, p).split(".")), d))
        elif name == "CMakeLists.txt":
            include_dirs += _cmake_include_dirs(_read_text(ctx, p), d)
        elif name == "composer.json" and not p.startswith(_VENDORED) and "/vendor/" not in p:
            composers.append(p)
    ctx.files_by_name = {k: tuple(v) for k, v in by_name.items()}
    ctx.csharp_dir_names = {k: tuple(sorted(v)) for k, v in cs_dirs.items()}
    ctx.csharp_roots = tuple(sorted(projects, key=lambda e: (-len(e[0]), e)))
    ctx.csharp_declared = {k: tuple(v) for k, v in cs_declared.items()}
    ctx.c_include_dirs = tuple(sorted(set(include_dirs)))
    psr4: list[tuple[str, str]] = []
    for p in composers:
        try:
            data = json.loads(_read_text(ctx, p) or "{}")
        except ValueError:
            continue
        base = p.rpartition("/")[0]
        for section in ("autoload", "autoload-dev"):
            autoload = data.get(section) if isinstance(data, dict) else None
            mapping = autoload.get("psr-4") if isinstance(autoload, dict) else None
            for prefix, dirs in (mapping.items() if isinstance(mapping, dict) else ()):
                for d in [dirs] if isinstance(dirs, str) else dirs if isinstance(dirs, list) else ():
                    if isinstance(d, str) and (nd := _norm(_join(base, d.strip("/") or "."))) is not None:
                        psr4.append((prefix, nd))
    ctx.php_psr4 = tuple(sorted(psr4, key=lambda e: -len(e[0])))


_CMAKE_INCLUDES = re.compile(r"\b(target_include_directories|include_directories)\s*\(", re.I)
_CMAKE_MAX_ARGS = 4000  # an unclosed `(` repeated through a hostile file must not rescan it to its end
_CMAKE_KEYWORDS = frozenset({"SYSTEM", "BEFORE", "AFTER", "PUBLIC", "PRIVATE", "INTERFACE"})
_CMAKE_ROOT_VARS = ("${PROJECT_SOURCE_DIR}", "${CMAKE_SOURCE_DIR}")  # taken as the repository root
_CMAKE_HERE_VARS = ("${CMAKE_CURRENT_SOURCE_DIR}", "${CMAKE_CURRENT_LIST_DIR}")


def _cmake_include_dirs(text: str, d: str) -> list[str]:
    """Repository directories named by `include_directories(…)` / `target_include_directories(…)` of the
    CMakeLists.txt in `d` (the build interface of generator expressions; unknown variables skipped)."""
    dirs = []
    for m in _CMAKE_INCLUDES.finditer(text):
        end = text.find(")", m.end(), m.end() + _CMAKE_MAX_ARGS)
        if end < 0:
            continue
        words = text[m.end():end].split()[1 if m.group(1).lower().startswith("target") else 0:]
        for word in words:
            word = word.strip('"')
            if word.startswith("$<BUILD_INTERFACE:") and word.endswith(">"):
                word = word[len("$<BUILD_INTERFACE:"):-1]
            for var in _CMAKE_ROOT_VARS:
                word = word.replace(var, "/")
            for var in _CMAKE_HERE_VARS:
                word = word.replace(var, f"/{d}")
            if word in _CMAKE_KEYWORDS or "$" in word or not word:
                continue
            target = _norm(word.lstrip("/")) if word.startswith("/") else _norm(_join(d, word))
            if target is not None:
                dirs.append(target)
    return dirs


_CS_NAMESPACE = re.compile(r"^[ \t]*namespace[ \t]+([\w.]+)", re.M)
# one pattern per keyword: a literal prefix lets the regex engine skip ahead (six times faster than one
# alternation on Newtonsoft.Json's 7 MB); the character before the keyword is checked by hand
_CS_TYPES = tuple(re.compile(rf"{k}[ \t]+(\w+)") for k in ("class", "struct", "interface", "enum", "record"))


def _csharp_declarations(text: str) -> set[str]:
    """The namespaces a .cs file declares, and each type name under each of them ("A.B", "A.B.Type"): a
    namespace lives where files declare it, which need not be a directory of the same name
    (`namespace System.Diagnostics.CodeAnalysis` in Utilities/NullableAttributes.cs)."""
    spaces = set(_CS_NAMESPACE.findall(text))
    if not spaces:
        return set()
    types = {m.group(1) for rx in _CS_TYPES for m in rx.finditer(text)
             if m.start() == 0 or not (text[m.start() - 1].isalnum() or text[m.start() - 1] == "_")}
    return spaces | {f"{ns}.{t}" for ns in spaces for t in types}


def _csproj_namespace(ctx: RepoContext, path: str) -> str:
    """A project's root namespace: its <RootNamespace>, else <AssemblyName>, else the file's stem."""
    text = _read_text(ctx, path)
    for tag in ("RootNamespace", "AssemblyName"):
        if m := re.search(rf"<{tag}>\s*([\w.]+)\s*</{tag}>", text):
            return m.group(1)
    return posixpath.basename(path).removesuffix(".csproj")


def _relative_hit(path: str, module: str, ctx: RepoContext, suffixes: tuple[str, ...] = ("",)) -> str | None:
    """`module` (a path) relative to the directory of `path`, with the first suffix that exists."""
    base = _norm(_join(posixpath.dirname(path), module))
    return next((base + s for s in suffixes if base is not None and base + s in ctx.paths), None)


def _by_suffix(rel: str, ctx: RepoContext) -> list[str]:
    """Paths equal to `rel` or ending with `/rel`."""
    return [p for p in ctx.files_by_name.get(rel.rpartition("/")[2], ()) if p == rel or p.endswith("/" + rel)]


def _c(path: str, imp: Import, ctx: RepoContext) -> list[str]:
    """`#include "x/y.h"`: the including file's directory, then each parent up to the repository root,
    each with its include roots (d/x/y.h, d/include/x/y.h, d/inc/…, d/src/…); then the include
    directories of CMakeLists.txt files; then the nearest file ending in x/y.h; then the only file named
    y.h. `#include <x/y.h>` is a system include: only the include roots of the parents (and the repository
    root itself) and CMake's include directories are searched, never files found by name."""
    inc = imp.module
    if not inc:
        return []
    system = inc.startswith("<") and inc.endswith(">")
    inc = inc[1:-1] if system else inc
    d = posixpath.dirname(path)
    while True:
        for sub in _C_INCLUDE_DIRS:
            if system and not sub and d:
                continue  # <x.h> is not looked up next to the including file
            if (hit := _norm(_join(_join(d, sub) if sub else d, inc))) in ctx.paths:
                return [hit]
        if not d:
            break
        d = posixpath.dirname(d)
    for inc_dir in ctx.c_include_dirs:  # the build's include path (CMakeLists.txt)
        if (hit := _norm(_join(inc_dir, inc))) in ctx.paths:
            return [hit]
    if system:
        return []
    if cands := _by_suffix(inc.lstrip("./"), ctx):
        best = _closest(path, cands)
        return best if len(best) == 1 else []
    named = ctx.files_by_name.get(inc.rpartition("/")[2], ())
    return list(named) if len(named) == 1 else []


def _csharp(path: str, imp: Import, ctx: RepoContext) -> list[str]:
    """`using A.B;` → the .cs files that declare namespace A.B (or type B in namespace A); else the .cs files
    of the directories whose path ends in A/B (or A.B), or of the directory
    B below a project whose root namespace is A (.csproj); `using static A.B.C;` → …/B/C.cs. A namespace
    the repository does not lay out (System.Linq) resolves to nothing, never to any folder named Linq."""
    parts = [p for p in imp.module.split(".") if p]
    if not parts:
        return []
    if declared := ctx.csharp_declared.get(".".join(parts)):  # the files that declare the namespace or type
        return list(declared)

    def matching(ns: list[str]) -> list[str]:
        found = [d for d in ctx.csharp_dir_names.get(ns[-1], ()) if re.split(r"[/.]", d)[-len(ns):] == ns]
        for root_ns, d in ctx.csharp_roots:  # below a project: Acme.Shop.Models in Shop/Models
            if len(ns) > len(root_ns) and tuple(ns[:len(root_ns)]) == root_ns:
                found.append(_join(d, "/".join(ns[len(root_ns):])))
        return sorted(set(found))

    def cs_files(dirs: Iterable[str]) -> list[str]:
        return [f for d in dirs for f in ctx.files_by_dir.get(d, ()) if f.endswith(".cs")]

    if dirs := matching(parts):
        return cs_files(dirs)
    if len(parts) > 1:  # a type: `using static A.B.Util;`, `using U = A.B.Util;`
        typed = [_join(d, f"{parts[-1]}.cs") for d in matching(parts[:-1])]
        if hits := [f for f in typed if f in ctx.paths]:
            return hits
    return []


def _ruby(path: str, imp: Import, ctx: RepoContext) -> list[str]:
    """`require_relative "x"` (module "./x", "../x") → next to the file; `require "a/b"` → a/b.rb in a
    load-path directory (lib/, test/, spec/; the root's first, else the nearest). Anything else is a gem
    or the standard library: `require "logger"` never means app/services/logger.rb."""
    module = imp.module
    suffixes = ("",) if module.endswith(".rb") else (".rb", "")
    if module.startswith(("./", "../")):
        hit = _relative_hit(path, module, ctx, suffixes)
        return [hit] if hit else []
    rel = module if module.endswith(".rb") else f"{module}.rb"
    for cand in (f"{d}/{rel}" for d in _RUBY_LOAD_DIRS):
        if cand in ctx.paths:
            return [cand]
    cands = [c for c in _by_suffix(rel, ctx) if posixpath.basename(c[:-len(rel)].rstrip("/")) in _RUBY_LOAD_DIRS]
    return _closest(path, cands) if cands else []


def _php(path: str, imp: Import, ctx: RepoContext) -> list[str]:
    """`use App\\Models\\User;` → the psr-4 file of composer.json, else a file ending in App/Models/User.php
    (or Models/User.php, …); group uses resolve each name; require/include paths → next to the file, then
    from the repository root."""
    module = imp.module
    if module.endswith(".php") or "/" in module:  # require/include
        if module.startswith(("./", "../")):
            hit = _relative_hit(path, module, ctx)
            return [hit] if hit else []
        hit = _relative_hit(path, module, ctx) or (module if module in ctx.paths else None)
        return [hit] if hit else []
    names = [f"{module}\\{n}" for n in imp.names] if imp.names else [module]
    return [hit for cls in names if (hit := _php_class(path, cls.lstrip("\\"), ctx))]


def _php_class(path: str, cls: str, ctx: RepoContext) -> str | None:
    """The file of a class: by composer.json psr-4 when its namespace is mapped; a class outside every
    mapped namespace is a dependency's (vendor/). Without psr-4 maps: a file ending in the namespace path,
    its first segment (the vendor) optional."""
    mapped = [(prefix, d) for prefix, d in ctx.php_psr4 if cls.startswith(prefix)]
    if mapped or ctx.php_psr4:
        return next((f for prefix, d in mapped
                     if (f := _join(d, cls[len(prefix):].replace("\\", "/") + ".php")) in ctx.paths), None)
    segs = cls.split("\\")
    for i in range(min(2, len(segs) - 1)):  # keep a directory and the file
        if cands := _by_suffix("/".join(segs[i:]) + ".php", ctx):
            return _closest(path, cands)[0]
    return None


# ---- Haskell, Zig, Dart, OCaml, Objective-C, Solidity, Vue/Svelte ---------------------------------------

# manifests these resolvers read (they reach the index as text: .cabal, yaml, dune, toml, txt, zig)
_SVELTE_CONFIGS = frozenset({"svelte.config.js", "svelte.config.mjs", "svelte.config.cjs", "svelte.config.ts"})
_CONTEXT_NAMES_B = frozenset({"package.yaml", "pubspec.yaml", "build.zig", "dune", "foundry.toml",
                              "remappings.txt"}) | _SVELTE_CONFIGS
# svelte.config.js `kit: { alias: { "$x": "src/x", "$y/*": "y/*" } }` entries; `$lib` is src/lib by default
_SVELTE_ALIAS = re.compile(r"""["']?(\$?[\w-]+)(?:/\*)?["']?\s*:\s*["'](?:\./)?([\w./-]+?)(?:/\*)?["']""")
_HASKELL_EXTENSIONS = (".hs", ".lhs", ".hsc")
_CABAL_DIRS = re.compile(r"^\s*hs-source-dirs\s*:\s*(.+(?:\n[ \t]+[^:\n]+$)*)", re.M | re.I)
_HPACK_DIRS = re.compile(r"^\s*source-dirs\s*:\s*(\[[^\]]*\]|.+(?:\n\s*-\s*.+)*)", re.M)
_PUBSPEC_NAME = re.compile(r"^name\s*:\s*['\"]?([\w]+)", re.M)
_DUNE_LIBRARY = re.compile(r"\(library\b(.*?)(?=\(library\b|\Z)", re.S)
_DUNE_NAME = re.compile(r"\(name\s+([\w]+)\)")
_DUNE_UNWRAPPED = re.compile(r"\(wrapped\s+false\)")
_DUNE_DEPS = re.compile(r"\(libraries\s+([^()]*)\)")
# build.zig: `b.addModule("name", .{ .root_source_file = b.path("src/x.zig") … })`, or a module made by
# addModule/createModule bound to a name and given to `.addImport("name", module)`
_ZIG_MODULE = re.compile(
    r"(?:(?:const|var)\s+(\w+)\s*=\s*)?\b\w+\.(?:addModule\(\s*\"([\w.-]+)\"\s*,|createModule\()\s*\.\{"
    r"[^;]{0,800}?\.(?:root_)?source_file\s*=\s*(?:\w+\.path\(|\.\{\s*\.path\s*=\s*)\"([^\"]+)\"", re.S)
_ZIG_ADD_IMPORT = re.compile(  # `.addImport("name", module)`, `.imports = &.{ .{ .name = "name", .module = module } }`
    r"\.addImport\(\s*\"([\w.-]+)\"\s*,\s*(\w+)\s*\)|\.name\s*=\s*\"([\w.-]+)\"\s*,\s*\.module\s*=\s*(\w+)\s*[,}]")
_SOL_REMAPPING = re.compile(r"^\s*(?:[\w.-]+:)?([^=\s\"']+)=([^\s\"',\]]+)", re.M)


def _is_context_file_b(name: str) -> bool:
    return name in _CONTEXT_NAMES_B or name.endswith(".cabal")


def _index_haskell_zig_dart_ocaml_solidity(ctx: RepoContext) -> None:
    """Source directories (cabal, hpack), build.zig modules, pubspec packages, OCaml compilation units and
    dune libraries, Solidity remappings (remappings.txt, foundry.toml): the manifests read once."""
    hs_dirs: set[str] = set()
    units: dict[str, list[str]] = {}
    all_libraries: dict[str, str] = {}  # dune library name → its directory, wrapped or not
    remaps: list[tuple[str, str]] = []
    for p in sorted(ctx.paths):
        d, _, name = p.rpartition("/")
        if name.endswith((".ml", ".mli")) and name[:1].isalpha():
            units.setdefault(_ocaml_module(name.split(".", 1)[0]), []).append(p)
        elif name.endswith(".cabal") or name == "package.yaml":
            text = _read_text(ctx, p)
            for m in (_CABAL_DIRS if name.endswith(".cabal") else _HPACK_DIRS).finditer(text):
                for word in re.split(r"[\s,\[\]\"']+", m.group(1)):
                    if word and word != "-" and (nd := _norm(_join(d, word))) is not None:
                        hs_dirs.add(nd)
        elif name == "build.zig":
            text = _read_text(ctx, p)
            by_var: dict[str, str] = {}
            for m in _ZIG_MODULE.finditer(text):
                if (target := _norm(_join(d, m.group(3)))) is None:
                    continue
                if m.group(1):
                    by_var[m.group(1)] = target
                if m.group(2):
                    ctx.zig_modules.setdefault(m.group(2), target)
            for m in _ZIG_ADD_IMPORT.finditer(text):
                name, var = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
                if var in by_var:
                    ctx.zig_modules.setdefault(name, by_var[var])
        elif name == "pubspec.yaml":
            if m := _PUBSPEC_NAME.search(_read_text(ctx, p)):
                ctx.dart_packages.setdefault(m.group(1), d)
        elif name == "dune":
            text = _read_text(ctx, p)
            for lib in _DUNE_LIBRARY.finditer(text):
                if (m := _DUNE_NAME.search(lib.group(1))) and not _DUNE_UNWRAPPED.search(lib.group(1)):
                    ctx.dune_libraries.setdefault(_ocaml_module(m.group(1)), d)
                if m:
                    all_libraries.setdefault(m.group(1), d)
            ctx.dune_deps[d] = tuple(w for m in _DUNE_DEPS.finditer(text) for w in m.group(1).split())
        elif name in _SVELTE_CONFIGS:
            text = _read_text(ctx, p)
            block = re.search(r"\balias\s*:\s*\{([^{}]*)\}", text)
            aliases = {"$lib": "src/lib", **dict(_SVELTE_ALIAS.findall(block.group(1) if block else ""))}
            ctx.sveltekit_aliases[d] = tuple(sorted(((k, _join(d, v)) for k, v in aliases.items()),
                                                    key=lambda e: -len(e[0])))
        elif name == "remappings.txt" or name == "foundry.toml":
            text = _read_text(ctx, p)
            if name == "foundry.toml":
                m = re.search(r"^\s*remappings\s*=\s*\[(.*?)\]", text, re.M | re.S)
                text = re.sub(r"[\"']", "", m.group(1)).replace(",", "\n") if m else ""
            for m in _SOL_REMAPPING.finditer(text):
                if (target := _norm(_join(d, m.group(2).strip("\"'")))) is not None:
                    remaps.append((m.group(1).strip("\"'"), target))
    ctx.haskell_source_dirs = tuple(sorted(hs_dirs))
    ctx.ocaml_units = {k: tuple(v) for k, v in units.items()}
    ctx.sol_remappings = tuple(sorted(set(remaps), key=lambda e: (-len(e[0]), e)))
    # a dune directory's dependencies as directories: where an ambiguous module name is looked for first
    ctx.dune_deps = {d: tuple(all_libraries[n] for n in names if n in all_libraries)
                     for d, names in ctx.dune_deps.items()}


def _ocaml_module(stem: str) -> str:
    """The module a file or dune library name stands for: its first letter capitalised (foo_bar → Foo_bar)."""
    return stem[:1].upper() + stem[1:]


def _haskell(path: str, imp: Import, ctx: RepoContext) -> list[str]:
    """`import A.B` → A/B.hs under a source directory: the cabal/hpack ones, then the importing file's own
    ancestors (its source root is one), then, for a qualified name, the one file ending in /A/B.hs."""
    if not imp.module:
        return []
    rel = imp.module.replace(".", "/")
    ancestors, d = [], posixpath.dirname(path)
    while True:
        ancestors.append(d)
        if not d:
            break
        d = posixpath.dirname(d)
    for root in dict.fromkeys([*ancestors, *ctx.haskell_source_dirs]):
        for ext in _HASKELL_EXTENSIONS:
            if (cand := _join(root, rel + ext)) in ctx.paths:
                return [cand]
    if "/" in rel:
        cands = [c for ext in _HASKELL_EXTENSIONS for c in _by_suffix(rel + ext, ctx)]
        best = _closest(path, cands)
        return best if len(best) == 1 else []
    return []


def _zig(path: str, imp: Import, ctx: RepoContext) -> list[str]:
    """`@import("x.zig")` → relative to the importing file; `@import("name")` → a module build.zig declares
    (std, builtin and dependencies are not repository files)."""
    spec = imp.module
    if spec.endswith(".zig") or spec.endswith(".zon"):
        hit = _norm(_join(posixpath.dirname(path), spec))
        return [hit] if hit in ctx.paths else []
    hit = ctx.zig_modules.get(spec)
    return [hit] if hit in ctx.paths else []


def _dart(path: str, imp: Import, ctx: RepoContext) -> list[str]:
    """`package:NAME/x.dart` → lib/x.dart of the pubspec.yaml package NAME; a URI without a scheme is
    relative to the importing file; `dart:` libraries and other packages are not repository files."""
    uri = imp.module
    if uri.startswith("package:"):
        name, _, rest = uri[len("package:"):].partition("/")
        if name not in ctx.dart_packages or not rest:
            return []
        hit = _norm(_join(_join(ctx.dart_packages[name], "lib"), rest))
    elif ":" in uri:
        return []
    else:
        hit = _norm(_join(posixpath.dirname(path), uri))
    return [hit] if hit in ctx.paths else []


def _ocaml(path: str, imp: Import, ctx: RepoContext) -> list[str]:
    """A module path → the compilation unit its first name stands for (foo.ml defines Foo), only when that
    is unambiguous: the unit beside the importing file, else the only one in the repository. `Mylib.Foo`
    of a wrapped dune library Mylib → the foo.ml in the library's directory. The implementation (.ml)
    is preferred to the interface."""
    parts = imp.module.split(".")
    if parts[0].endswith("__") and parts[0][:-2] in ctx.dune_libraries:  # dune's alias module `Mylib__`
        parts[0] = parts[0][:-2]
    if parts[0] in ctx.dune_libraries:
        lib_dir = ctx.dune_libraries[parts[0]]
        if len(parts) > 1:
            inside = [u for u in ctx.ocaml_units.get(parts[1], ()) if posixpath.dirname(u) == lib_dir]
            if hit := _ocaml_pick(inside, path, ctx):
                return hit
        # the library's own main module (lib/mylib.ml), when it writes one
        return _ocaml_pick([u for u in ctx.ocaml_units.get(parts[0], ()) if posixpath.dirname(u) == lib_dir],
                           path, ctx)
    return _ocaml_pick(list(ctx.ocaml_units.get(parts[0], ())), path, ctx)


def _ocaml_pick(units: list[str], path: str, ctx: RepoContext) -> list[str]:
    """The one unit among `units`: beside the file, else in a library its dune file depends on, else the
    only one."""
    here = posixpath.dirname(path)
    deps = ctx.dune_deps.get(here, ())
    for keep in (lambda u: posixpath.dirname(u) == here, lambda u: posixpath.dirname(u) in deps, lambda u: True):
        if chosen := [u for u in units if keep(u)]:
            impls = [u for u in chosen if u.endswith(".ml")] or chosen
            return impls if len(impls) == 1 else []
    return []


def _solidity(path: str, imp: Import, ctx: RepoContext) -> list[str]:
    """`import "./X.sol"` → relative to the importing file; other paths through the longest remapping
    (remappings.txt, foundry.toml), else from the repository root (solc's base path)."""
    spec = imp.module
    if spec.startswith(("./", "../")):
        hit = _norm(_join(posixpath.dirname(path), spec))
        return [hit] if hit in ctx.paths else []
    for prefix, target in ctx.sol_remappings:
        if spec.startswith(prefix):
            hit = _norm(_join(target, spec[len(prefix):]))
            return [hit] if hit in ctx.paths else []
    hit = _norm(spec)
    return [hit] if hit in ctx.paths else []


def _sveltekit(path: str, imp: Import, ctx: RepoContext) -> list[str]:
    """In a SvelteKit project (a svelte.config.js above the file): `$lib/x` → src/lib/x, and the project's
    own `kit.alias` entries; anything else as JavaScript/TypeScript."""
    spec = imp.module
    if spec.startswith("$") and ctx.sveltekit_aliases:
        d = posixpath.dirname(path)
        while d not in ctx.sveltekit_aliases and d:
            d = posixpath.dirname(d)
        for alias, target in ctx.sveltekit_aliases.get(d, ()):
            if spec == alias or spec.startswith(alias + "/"):
                hit = _js_probe(_norm(target + spec[len(alias):]), ctx)
                return [hit] if hit else []
    return _js(path, imp, ctx)


RESOLVERS_B: dict[str, Callable[[str, Import, RepoContext], list[str]]] = {
    "haskell": _haskell,
    "zig": _zig,
    "dart": _dart,
    "ocaml": _ocaml,
    "ocaml_interface": _ocaml,
    "objc": _c,  # `#import "x.h"` is `#include` that includes once
    "solidity": _solidity,
    "vue": _js,  # the script blocks' imports, as JavaScript/TypeScript
    "svelte": _sveltekit,
    # SvelteKit's `$lib` reaches plain modules too; outside a SvelteKit project this is _js
    "javascript": _sveltekit,
    "typescript": _sveltekit,
    "tsx": _sveltekit,
}

RESOLVERS: dict[str, Callable[[str, Import, RepoContext], list[str]]] = {
    "python": _python,
    "javascript": _js,
    "typescript": _js,
    "tsx": _js,
    "go": _go,
    "rust": _rust,
    "java": _java,
    "c": _c,
    "cpp": _c,
    "csharp": _csharp,
    "ruby": _ruby,
    "php": _php,
    **RESOLVERS_B,
}


MAX_TARGETS = 5  # one import names at most this many files (a namespace or package: its nearest ones)


def resolve_import(path: str, language: str, imp: Import, ctx: RepoContext) -> list[str]:
    """Repository files an import refers to (sorted, without the importing file); [] when external."""
    resolver = RESOLVERS.get(language)
    if resolver is None:
        return []
    targets = sorted(set(resolver(path, imp, ctx)) - {path})
    if len(targets) > MAX_TARGETS:
        here = posixpath.dirname(path) or "."
        nearest = sorted(targets, key=lambda t: -len(posixpath.commonpath([here, posixpath.dirname(t) or "."])))
        targets = sorted(nearest[:MAX_TARGETS])
    return targets
