"""Definition recall against Universal Ctags, internal-import resolution and cold index speed, on one real
repository per language, each at a pinned commit.

    .venv/bin/python benchmarks/definition_recall.py --out benchmarks/results/definition_recall.md
    .venv/bin/python benchmarks/definition_recall.py --repos fzf,ripgrep       # a subset (name or owner/name)
    .venv/bin/python benchmarks/definition_recall.py --baseline main           # cold index CPU against main too

For every repository of REPOS: a git work tree at its commit (`git clone --shared` from the bare mirror under
--mirror-root, checked out under --work-dir; never inside this project), a cold contextpack index of it (a
fresh SQLite file; `Engine.index()` timed: wall, and CPU of this process plus its reaped pool workers), then

- definitions: Universal Ctags (`ctags --output-format=json --fields=+nKzS`) on exactly the files contextpack
  parsed in the repository's languages (per contextpack language, with `--language-force`, so a `.h` that
  contextpack reads as C is read as C by ctags too). Only STRUCTURAL ctags kinds count (EXCLUDED_KINDS says
  what is left out and why). A ctags definition is found when contextpack has a definition in the same file
  with the same name whose start line is within LINE_SLACK lines of ctags' line.
- imports: each import row of the index is re-resolved with contextpack's own resolver (as the indexer does)
  to see its targets one import at a time. "Internal" imports are decided independently of the resolver
  (`_internal`: per language, the import names a module, package, namespace or file that the repository
  declares or holds); an internal import is resolved when it has at least one target. A resolution is
  false when its target neither defines nor re-exports the imported name nor is the file, directory or
  namespace the import names (`_plausible`), or when one import has more than MAX_FAN_OUT targets.

With --baseline REV, each repository is also indexed cold in fresh processes by this checkout and by the
project's code at REV (`git archive` into the work dir, same interpreter and packages), BASELINE_ROUNDS times
each, interleaved; the least CPU of each side is compared (run side by side, both see the same load).

Languages contextpack does not parse yet are reported as "not supported" rows; the run goes on.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import os
import posixpath
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
sys.path.insert(0, str(HERE))
from _provenance import project_version  # noqa: E402
from _sides import baseline_code  # noqa: E402

from contextpack.engine import Engine  # noqa: E402
from contextpack.languages import CODE_LANGUAGES, DOC_IN_LINES, LANGUAGES  # noqa: E402
from contextpack.parse import Import, module_name  # noqa: E402
from contextpack.resolve import RESOLVERS, RepoContext, resolve_import  # noqa: E402

CTAGS = "/usr/bin/ctags"
LINE_SLACK = 2
MAX_FAN_OUT = 5
TARGETS = {"recall": 97.0, "imports": 95.0, "fan_out": MAX_FAN_OUT, "files_per_s": 50.0}
TOP_MISSED = 12  # missed definitions listed per repository
BASELINE_ROUNDS = 2  # fresh-process cold indexes per side against a baseline (the least CPU counts); --rounds


@dataclass(frozen=True)
class Repo:
    language: str  # contextpack's language name (the row's language)
    slug: str  # owner/name of the mirror
    commit: str
    languages: tuple[str, ...] = ()  # contextpack languages compared (default: just `language`)

    @property
    def compared(self) -> tuple[str, ...]:
        return self.languages or (self.language,)


# Pinned at the mirror's HEAD when this list was written (2026-11-30).
REPOS = [
    Repo("python", "psf/requests", "1f6589ec3a1ee910f9a65cc3ceac60b26677bc0e"),
    Repo("python", "pytest-dev/pytest", "df87db7b0462fb764ef73fa00561adf8ad047572"),
    Repo("python", "django/django", "f05cc5e3d2ae7663dbd248029bcb74500cf1029f"),  # the SWE-bench copy
    Repo("go", "junegunn/fzf", "956562daaa82ddf55ea8f7aeab56883377b742c6"),
    Repo("rust", "BurntSushi/ripgrep", "3fce3b5bb0236da2df6d99672afb8a719642eca7"),
    Repo("c", "libuv/libuv", "6179e7af87413396d5853a1c3722c8b5749336c8", ("c", "cpp")),
    Repo("cpp", "fmtlib/fmt", "60ccad511fd680cb91d8b60a315759f71c67bef9", ("cpp", "c")),
    Repo("csharp", "JamesNK/Newtonsoft.Json", "09bb545d72969ad7fb4ea07db0d5c34f4fc07877"),
    Repo("java", "google/gson", "9835b6f90192f79cdf5300c528fc6212455fb6c1"),
    Repo("javascript", "expressjs/express", "a3714473feb3d2908add734d340e7755fd85e0a3"),
    Repo("typescript", "colinhacks/zod", "e516c3baf22615e20934116abebfed6c000222c2", ("typescript", "tsx")),
    Repo("php", "guzzle/guzzle", "2779e868a00289e1b1fd854af030c43a06f4bcb4"),
    Repo("ruby", "sinatra/sinatra", "cb22afd7902b566b6eaba6c4ea89739494a65d12"),
    # the twelve languages being added (rows say "not supported" until their branches are merged)
    Repo("kotlin", "square/okhttp", "1682d9bac8c03dffde2969b0b74d47649d0dbb52"),
    Repo("swift", "Alamofire/Alamofire", "7595cbcf59809f9977c5f6378500de2ad73b7ddb"),
    Repo("scala", "com-lihaoyi/os-lib", "e237000cbd4d97a4c4463df43d64556130d2bc50"),
    Repo("lua", "nvim-telescope/telescope.nvim", "7d324792b7943e4aa16ad007212e6acc6f9fe335"),
    Repo("bash", "bats-core/bats-core", "d22e41faad59f5fd942a88c992b4913a27a460c4"),
    Repo("elixir", "elixir-plug/plug", "a898c454a04ca5ffad306bd751a15c7ac9ff6927"),
    Repo("haskell", "koalaman/shellcheck", "764802b7c023e9fdc191c12f57c418f186ad76ae"),
    Repo("zig", "zigtools/zls", "113f79a1d120cfda4cf758bc41273d8d15b4e46a"),
    Repo("dart", "dart-lang/http", "a0d49cb2f80eae038c835394014aadcae8a95c8b"),
    Repo("ocaml", "ocaml-community/yojson", "772d66b70c0ce1319f9ed9fe9087b4187f43ceb5",
         ("ocaml", "ocaml_interface")),
    Repo("objc", "SDWebImage/SDWebImage", "36e79ba485e9bb4d3cd4e3318908866dac5e7b51"),
    Repo("solidity", "OpenZeppelin/openzeppelin-contracts", "fddac901ccdbdb06be90536822936ea765dd9218"),
    # single-file components: their <script> blocks (ctags has no Vue/Svelte parser: imports and speed only)
    Repo("vue", "vuejs/vitepress", "ed2bfb266ef788e86d1a73fe3cd7708a4cd5e260"),
    Repo("svelte", "huntabyte/shadcn-svelte", "bf4f461d88526359d0e96e1950f637912bbeebe7"),
]

# Names a colleague's branch may give a language (the registry decides which one exists).
_ALIASES = {"bash": ("bash", "shell"), "objc": ("objc", "objective_c", "objectivec")}

# contextpack language → Universal Ctags parser (5.9 has none for Swift, Scala, Dart, Zig, Solidity)
CTAGS_LANGUAGE = {
    "python": "Python", "javascript": "JavaScript", "typescript": "TypeScript", "tsx": "TypeScript",
    "go": "Go", "rust": "Rust", "java": "Java", "c": "C", "cpp": "C++", "csharp": "C#", "ruby": "Ruby",
    "php": "PHP", "kotlin": "Kotlin", "lua": "Lua", "bash": "Sh", "shell": "Sh", "elixir": "Elixir",
    "haskell": "Haskell", "ocaml": "OCaml", "ocaml_interface": "OCaml",
    "objc": "ObjectiveC", "objective_c": "ObjectiveC",
    "objectivec": "ObjectiveC",
}

# Structural ctags kinds per ctags parser (full kind names, --fields=+K).
STRUCTURAL_KINDS = {
    "Python": {"class", "function", "member"},
    "Go": {"func", "struct", "interface", "type", "talias", "methodSpec"},
    "Rust": {"module", "struct", "enum", "interface", "typedef", "function", "method", "implementation"},
    "Java": {"class", "interface", "enum", "method", "annotation"},
    "C": {"function", "struct", "union", "enum", "typedef"},
    "C++": {"class", "struct", "union", "enum", "typedef", "function", "namespace"},
    "C#": {"class", "struct", "interface", "enum", "method", "namespace", "property", "event"},
    "Ruby": {"class", "module", "method", "singletonMethod", "accessor", "alias"},
    "PHP": {"class", "interface", "trait", "function", "namespace"},
    "JavaScript": {"class", "function", "method", "generator", "getter", "setter"},
    "TypeScript": {"class", "interface", "enum", "function", "method", "namespace", "alias", "generator"},
    "Kotlin": {"class", "interface", "object", "method", "typealias"},
    "Lua": {"function"},
    "Sh": {"function"},
    "Elixir": {"module", "function", "macro", "protocol", "implementation", "callback", "delegate", "guard",
               "type", "exception", "record"},
    "Haskell": {"module", "function", "type"},
    "OCaml": {"module", "class", "method", "function", "type", "Exception"},
    "ObjectiveC": {"class", "interface", "implementation", "protocol", "category", "method", "function",
                   "struct", "enum", "typedef"},
}

# Left out of the comparison, and why (printed in the report).
EXCLUDED_KINDS = [
    ("locals, parameters, labels, macro parameters, template parameters",
     "not definitions an agent navigates to; most are off in ctags by default"),
    ("variables, constants, fields, members, struct/record fields, enumerators, properties of JS/TS objects",
     "ctags is noisy there (every `x = …` in Python modules and classes, object-literal keys in JavaScript, "
     "externs), and contextpack keeps only module- and class-level ones; C# properties and events, Go "
     "interface methods and Ruby accessors are kept since they are API"),
    ("C/C++ macros (`#define`), Rust `macro_rules!`, Elixir operators",
     "preprocessor / macro definitions are not parsed as code by contextpack (tree-sitter sees their uses)"),
    ("C/C++ prototypes, extern variables", "off in ctags by default (declarations, not definitions)"),
    ("Python `namespace`/`module` kinds, Go `package`/`packageName`, Java `package`, Ruby `library`",
     "imports and package clauses, not definitions"),
    ("Kotlin `package`/`constant`/`variable`, Sh `alias`/`heredoc`/`script`, Haskell `constructor`, "
     "OCaml `val`/`var`/`Constructor`/`RecordField`, Elixir `test`, ObjC `property`/`field`/`var`/`macro`",
     "members, values or test names, as above"),
    ("ctags' anonymous names (`__anon…`, `AnonymousFunction…`, Kotlin `<lambda>`, and `Companion` for an "
     "unnamed companion object, whose members contextpack attaches to the class)", "names ctags invents"),
]
_ANON = re.compile(r"^(__anon|AnonymousFunction|anon[A-Z0-9]|<anonymous>|<lambda>$|Companion$)")


_Rule = tuple[str, str, str]  # (ctags parser, kind, the rule that left a tag out)


@dataclass
class Result:
    repo: Repo
    supported: bool = True
    note: str = ""
    files: int = 0  # files contextpack indexed (every language)
    compared_files: int = 0  # files of the row's languages, given to ctags
    wall: float = 0.0
    cpu: float = 0.0
    load: str = ""  # 1-minute load average just before the cold index
    ctags_defs: int = 0
    found: int = 0
    missed: list[tuple[str, int, str, str]] = field(default_factory=list)  # (path, line, kind, name)
    missed_kinds: collections.Counter = field(default_factory=collections.Counter)
    excluded: dict[_Rule, tuple[int, tuple[str, str]]] = field(default_factory=dict)  # → (count, first example)
    syntax_errors: set[str] = field(default_factory=set)  # files the grammar could not parse whole (diagnostics)
    imports: int = 0
    internal: int = 0
    resolved_internal: int = 0
    resolved_total: int = 0
    false: list[tuple[str, str, str, str]] = field(default_factory=list)  # (path, module, target, why)
    unresolved: list[tuple[str, str]] = field(default_factory=list)  # (path, module) of internal imports
    max_fan_out: int = 0
    max_raw_fan_out: int = 0  # before resolve_import's cap
    fan_out_example: str = ""
    cpu_fresh: float = 0.0  # with --baseline: least CPU of a cold index in a fresh process, this checkout
    cpu_baseline: float = 0.0  # … and the baseline's

    @property
    def recall(self) -> float | None:
        return 100.0 * self.found / self.ctags_defs if self.ctags_defs else None

    @property
    def import_rate(self) -> float | None:
        return 100.0 * self.resolved_internal / self.internal if self.internal else None

    @property
    def files_per_s(self) -> float:
        return self.files / self.wall if self.wall else 0.0

    @property
    def files_per_cpu_s(self) -> float:
        return self.files / self.cpu if self.cpu else 0.0


# ---- checkout and index ---------------------------------------------------------------------------------

def _git(*args: str, cwd: Path | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update({"GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"})
    proc = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f"git {' '.join(args[:3])} failed: {proc.stderr.strip()[-400:]}")
    return proc.stdout.strip()


def _mirror(root: Path, slug: str) -> Path:
    owner, name = slug.split("/", 1)
    for cand in (root / f"{owner}+{name}" / "repo", root / f"swe-bench+{owner}__{name}" / "repo"):
        if (cand / "HEAD").is_file():
            return cand
    raise RuntimeError(f"no mirror for {slug} under {root} (fetch github:{slug})")


def checkout(repo: Repo, mirror_root: Path, work: Path) -> Path:
    """A git work tree of the repository at its commit (as a user's clone: tracked files, .gitignore)."""
    tree = work / "trees" / repo.slug.replace("/", "+")
    if (tree / ".git").exists():
        try:
            if _git("rev-parse", "HEAD", cwd=tree) == repo.commit and not _git("status", "--porcelain", cwd=tree):
                return tree
        except RuntimeError:
            pass
        shutil.rmtree(tree)
    elif tree.exists():
        shutil.rmtree(tree)
    tree.parent.mkdir(parents=True, exist_ok=True)
    _git("clone", "-q", "--shared", "--no-checkout", str(_mirror(mirror_root, repo.slug)), str(tree))
    _git("-c", "advice.detachedHead=false", "checkout", "-q", repo.commit, cwd=tree)
    return tree


def cold_index(tree: Path, db: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process and its reaped workers) of a fresh index."""
    for p in db.parent.glob(db.name + "*"):
        p.unlink()
    engine = Engine(tree, index_path=db)
    t0, c0 = time.perf_counter(), os.times()
    engine.index()
    wall, c1 = time.perf_counter() - t0, os.times()
    engine.close()
    cpu = sum(c1[:4]) - sum(c0[:4])
    return wall, cpu


# A cold index in a fresh process (the code importable there: this checkout, or PYTHONPATH's baseline)
_COLD_SCRIPT = """
import json, os, sys, time
from pathlib import Path
import contextpack
from contextpack.engine import Engine
tree, db = Path(sys.argv[1]), Path(sys.argv[2])
for p in db.parent.glob(db.name + "*"):
    p.unlink()
engine = Engine(tree, index_path=db)
t0, c0 = time.perf_counter(), os.times()
engine.index()
wall, c1 = time.perf_counter() - t0, os.times()
engine.close()
print(json.dumps({"wall": wall, "cpu": sum(c1[:4]) - sum(c0[:4]), "code": contextpack.__file__}))
"""


def cold_index_fresh(tree: Path, db: Path, code: Path | None) -> float:
    """CPU seconds (the process and its pool workers) of a cold index in a fresh interpreter that imports
    contextpack from `code` (None: this checkout)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if code is not None:
        env["PYTHONPATH"] = str(code)
    proc = subprocess.run([sys.executable, "-c", _COLD_SCRIPT, str(tree), str(db)], cwd=db.parent, env=env,
                          capture_output=True, text=True)  # cwd: nothing importable there
    if proc.returncode:
        raise RuntimeError(f"cold index in a fresh process failed: {proc.stderr.strip()[-400:]}")
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    if Path(got["code"]).resolve().parent.parent != (code or PROJECT).resolve():
        raise RuntimeError(f"the fresh process imported {got['code']}, not the code it should measure")
    return got["cpu"]


# ---- definitions ----------------------------------------------------------------------------------------

def ctags_definitions(tree: Path, by_lang: dict[str, list[str]],
                      excluded: dict[_Rule, tuple[int, tuple[str, str]]]) -> list[tuple[str, int, str, str]]:
    """(path, line, kind, name) of ctags' structural definitions in the given files; the tags a rule leaves
    out are counted in `excluded` ((parser, kind, rule) → (count, first example))."""
    out = []
    docs: dict[str, set[int]] = {}
    for lang, paths in sorted(by_lang.items()):
        parser = CTAGS_LANGUAGE[lang]
        kinds = STRUCTURAL_KINDS[parser]
        proc = subprocess.run(
            [CTAGS, "--output-format=json", "--fields=+nKzSl", f"--language-force={parser}", "-f", "-", "-L", "-"],
            cwd=tree, input="\n".join(paths) + "\n", capture_output=True, text=True)
        for line in proc.stdout.splitlines():
            try:
                tag = json.loads(line)
            except ValueError:
                continue
            if tag.get("_type") != "tag" or tag.get("kind") not in kinds or _ANON.match(tag.get("name", "")):
                continue
            name, pattern = tag["name"], tag.get("pattern", "")
            rule = _excluded_by(parser, tag, tree, docs)
            if rule:
                key = (parser, tag["kind"], rule)
                n, example = excluded.get(key, (0, (f"{tag['path']}:{tag.get('line', 0)}", name)))
                excluded[key] = (n + 1, example)
                continue
            if parser == "Ruby":
                name = _ruby_name(tag["kind"], name, pattern)
            elif parser == "C#" and tag["kind"] != "namespace":  # explicit interface implementation: ctags
                name = name.rsplit(".", 1)[-1]  # `IList.Clear`, contextpack `Clear`
            elif parser == "Lua":  # ctags: `histories.History:new`, contextpack: `new` (in its table)
                name = re.split(r"[.:]", name)[-1]
            elif parser == "Haskell" and name == "pattern" and (m := re.match(r"^/\^pattern\s+(\w+)", pattern)):
                name = m.group(1)  # `pattern T_Bang id = …`: ctags names a pattern synonym `pattern`
            elif parser == "ObjectiveC" and tag["kind"] in ("method", "class"):
                name = name.split(":", 1)[0]  # selector `initWithData:options:` → `initWithData` (contextpack)
            elif parser == "ObjectiveC" and tag["kind"] == "category" and (
                    m := re.search(r"@(?:interface|implementation)\s+(\w+)\s*\(", pattern)):
                name = m.group(1)  # `@interface X (Private)`: contextpack names a category after its class X
            name = _operator(name)
            out.append((tag["path"], int(tag.get("line", 0)), tag["kind"], name))
    return sorted(set(out))


def _excluded_by(parser: str, tag: dict, tree: Path, docs: dict[str, set[int]]) -> str:
    """The rule that leaves this ctags tag out of the comparison ("" when it is compared)."""
    name, pattern, kind, line = tag["name"], tag.get("pattern", ""), tag["kind"], int(tag.get("line", 0))
    if name in KEYWORD_NAMES:
        return "named after a keyword"
    for p, k, rx, _ in CTAGS_BAD_NAMES:
        if p == parser and k == kind and re.search(rx, name):
            return f"name matches `{rx}`"
    if parser == "OCaml" and kind == "module" and line == 1 and (
            name == posixpath.basename(tag["path"]).rsplit(".", 1)[0].capitalize()):
        return "the module of the file itself"
    if parser == "Elixir" and line in _text_lines(tree, tag["path"], parser, docs):
        return "inside a documentation heredoc"
    if parser == "Lua" and line in _text_lines(tree, tag["path"], parser, docs):
        return "inside a long string or comment `[[ … ]]`"
    if "scope" not in tag and any(p == parser and k == kind for p, k, _ in CTAGS_PACKAGE_CLAUSES):
        return "package clause"
    for p, k, rx, _ in CTAGS_NOT_DEFINITIONS:
        if p == parser and k == kind and re.search(rx.replace("NAME", re.escape(name)), pattern):
            return f"line matches `{rx}`"
    for p, k, rx, _ in CTAGS_DECLARED_SO:
        if p == parser and k == kind and not re.search(rx.replace("NAME", re.escape(name)), pattern):
            return f"line does not match `{rx}`"
    return ""


def _operator(name: str) -> str:
    """`operator <<`, `operator<<` and `operator fmt::string_view` compared without spaces."""
    return re.sub(r"\s+", "", name) if name.startswith("operator") else name


def _ruby_name(kind: str, name: str, pattern: str) -> str:
    """ctags' Ruby names made comparable: an accessor's writer `x=` is the accessor `x`; `def obj.meth` is
    `meth` (ctags names it after the receiver); `?`/`!` are compared without (ctags drops them in aliases)."""
    if kind == "accessor":
        name = name.removesuffix("=")
    if kind == "singletonMethod" and (m := re.search(rf"def\s+{re.escape(name)}\.([\w]+[?!=]?)", pattern)):
        name = m.group(1)
    return name.rstrip("?!")


# Elixir documentation heredocs: `@moduledoc """` (or `~S"""`, `~s"""`) up to the line closing it
_DOC_OPEN = re.compile(r'^\s*@(?:moduledoc|doc|typedoc)\s+(?:~[sS])?"""\s*$')
_DOC_CLOSE = re.compile(r'^\s*"""')


# Lua long brackets: `[[ … ]]`, `[==[ … ]==]`, and comments `--[[ … ]]`
_LUA_LONG = re.compile(r"\[(=*)\[.*?\]\1\]", re.S)


def _text_lines(tree: Path, path: str, parser: str, cache: dict[str, set[int]]) -> set[int]:
    """Line numbers (after the opening line) inside an Elixir file's documentation heredocs or a Lua file's
    long strings and long comments: their examples are text, not code."""
    if path not in cache:
        text, lines = (tree / path).read_text("utf-8", "replace"), set()
        if parser == "Lua":
            for m in _LUA_LONG.finditer(text):
                first = text.count("\n", 0, m.start()) + 1
                lines.update(range(first + 1, first + m.group(0).count("\n") + 1))
        else:
            inside = False
            for n, line in enumerate(text.splitlines(), 1):
                if inside:
                    lines.add(n)
                    inside = not _DOC_CLOSE.match(line)
                else:
                    inside = bool(_DOC_OPEN.match(line))
        cache[path] = lines
    return cache[path]


# ctags tags of a structural kind that are not definitions (ctags parser, kind, pattern regex, why)
CTAGS_NOT_DEFINITIONS = [
    ("Rust", "module", r"^/\^\s*(pub(\([^)]*\))?\s+)?mod\s+\w+\s*;",
     "`mod x;` declares that file x.rs is a module; contextpack records it as an import of x.rs"),
    ("PHP", "namespace", r"^/\^\s*namespace\s+[\w\\]+\s*;",
     "`namespace A\\B;` is a package clause (like Go's `package`, Java's `package`, excluded too)"),
    ("C", "function", r"^/\^\s*(?:[A-Z][A-Z0-9]*_[A-Z0-9_]*|TEST|BENCHMARK)\s*\(",
     "a macro that expands to a function (`TEST_IMPL(fs_copy) {…}`): "
     "ctags names the function after the macro"),
    ("C++", "function", r"^/\^\s*(?:[A-Z][A-Z0-9]*_[A-Z0-9_]*|TEST|TEST_F|TYPED_TEST)\s*\(",
     "as in C (`TEST(base_test, foo) {…}`)"),
    ("C#", "property", r"\bwhere\s+\w+\s*:",
     "ctags takes a generic constraint (`where T : JToken`) for a property"),
    ("Lua", "function", r"^/\^\s*--", "a function in a comment (`-- function M.x()`)"),
    ("Haskell", "module", r"^/\^\s*module\s+[\w.]+",
     "`module A.B (…) where` is the file's module header, which ctags names `A`: a package clause (contextpack "
     "qualifies the file's names with it)"),
]
# ctags tags whose name shows they are no definition (ctags parser, kind, regex on the name, why)
CTAGS_BAD_NAMES = [
    ("Sh", "function", r"=$", "ctags takes an array assignment `x=(…)` (also `local -a x=()`) for a function "
     "named `x=`"),
    ("Haskell", "function", r"^[A-Z]", "Haskell functions are lower-case; ctags takes a constructor's field type "
     "(`| Assignment (Token, String)` → `String`) or a derived class (`deriving (Show, Eq)` → `Eq`) for one"),
    ("OCaml", "function", r"^\(\)$", "`let () = …` binds no name (a unit pattern, which ctags names `()`)"),
    ("Lua", "function", r"[\[\]]", "a function stored under a computed key (`mod[k] = function`, "
     "`color_hash[6] = function`; ctags also names `[fn() … end] = function` `end]`): no name to look up"),
    ("Elixir", "function", r"^unquote$", "`def unquote(name)(…)` inside a macro's `quote`: the function's name "
     "is computed when the macro expands"),
]
# ctags tags kept only when their line declares the name so (parser, kind, regex with NAME, why)
CTAGS_DECLARED_SO = [
    ("JavaScript", "class", r"\b(class|function)\s+NAME\b", "ctags 5.9 calls object literals (`tj: { … }`), "
     "objects given members (`View.prototype.render = …`, `app.set(…)`) and `this.timeout()` classes"),
    ("JavaScript", "function", r"\bNAME\s*(\(|[:=]|$)|function\s*\*?\s*NAME\b", "ctags names a function "
     "assigned to a member after the object (`app[method] = function`, `res.get = function` → `app`, `res`)"),
    ("JavaScript", "method", r"\bNAME\s*(\(|[:=])|function\s*\*?\s*NAME\b",
     "as for functions (`this.timeout(5000)` → a method)"),
    ("TypeScript", "alias", r"^/\^\s*(export\s+)?(declare\s+)?type\s+NAME\b", "ctags 5.9 calls the names of "
     "`import`/`export { … }` statements aliases (`import { type X }`, even `from`)"),
    ("Kotlin", "method", r"\bfun\s+(<[^>]*>\s*)?([\w.<>?, *]+\.)?NAME\s*[(<]",
     "ctags 5.9 calls lambda parameters (`{ chain ->`, `{ _: Route?, _: Response ->`), `for (x in …)` loop "
     "variables and destructured names (`val (k, v) = …`) methods, and garbles backquoted names (`fun `a b`()`)"),
    ("Lua", "function", r"\bfunction\s+NAME\s*\(|\bNAME\s*=\s*function\b",
     "ctags calls a variable holding a call's result a function when a function is among the call's arguments "
     "(`local bufnrs = filter(function(b) … end)`, `x = (function() … end)()`)"),
    ("ObjectiveC", "category", r"@(interface|implementation)\s+\w+\s*\(\s*(NAME)?\s*\)",
     "ctags takes macro calls (`SD_LOCK_DECLARE(_lock);`) and parameter types of C functions for categories"),
]
# names ctags takes for definitions where it misparses a statement
KEYWORD_NAMES = {"if", "else", "for", "while", "switch", "return", "new", "extends", "as", "from", "catch", "do"}
# ctags tags that are package clauses when they have no enclosing scope (parser, kind, why)
CTAGS_PACKAGE_CLAUSES = [
    ("C#", "namespace", "a file's top-level namespace is recorded by contextpack as its package (the "
     "qualified-name prefix), like Java's `package`; nested namespaces are compared"),
]


_NAME_LINES = 3  # a definition's first lines that name it (an attribute above may name it too)
_NAME_SEARCH = 40  # lines searched below contextpack's start line (decorators, attributes, doc)
_COMMENT_LINE = re.compile(r"\s*(//|/\*|\*)")  # a line of a `///` or `/** … */` doc comment


def _name_lines(lines: list[str], name: str, start: int, end: int, doc_first: bool = False) -> list[int]:
    """Candidate lines of a definition's name (what ctags reports): contextpack's start line includes
    decorators, attributes and annotations above it; the start line itself is always a candidate.
    `doc_first`: the definition begins at its doc comment (languages.DOC_IN_LINES), whose lines are passed
    over (they may name it too, and run longer than the lines searched)."""
    word = re.compile(rf"(?<![\w$]){re.escape(name)}(?![\w$])")
    found = [start]
    while doc_first and start < end and start <= len(lines) and _COMMENT_LINE.match(lines[start - 1]):
        start += 1
    for n in range(start, min(end, start + _NAME_SEARCH) + 1):
        if n - 1 < len(lines) and word.search(lines[n - 1]):
            found.append(n)
            if len(found) > _NAME_LINES:
                break
    return found


def compare_definitions(res: Result, tree: Path, conn: sqlite3.Connection, langs: set[str]) -> None:
    rows = conn.execute("SELECT path, language FROM files").fetchall()
    by_lang: dict[str, list[str]] = collections.defaultdict(list)
    for path, lang in rows:
        if lang in langs and (lang in CTAGS_LANGUAGE):
            by_lang[lang].append(path)
    res.compared_files = sum(len(v) for v in by_lang.values())
    res.syntax_errors = {p for (p,) in conn.execute(
        "SELECT path FROM diagnostics WHERE stage = 'parse' AND message LIKE 'syntax error%'")}
    ours: dict[tuple[str, str], list[int]] = collections.defaultdict(list)
    lines_of: dict[str, list[str]] = {}
    for path, lang, name, kind, start, end in conn.execute(
            "SELECT f.path, f.language, d.name, d.kind, d.start_line, d.end_line FROM definitions d "
            "JOIN files f ON f.id = d.file_id"):
        if lang not in langs:
            continue
        if path not in lines_of:
            lines_of[path] = (tree / path).read_text("utf-8", "replace").splitlines()
        key = name.rstrip("?!") if lang == "ruby" else _operator(name)
        ours[(path, key)] += _name_lines(lines_of[path], name, start, end, lang in DOC_IN_LINES)
        if lang == "haskell":  # one function, several equations (`f [] = …` … `f _ = …`): ctags tags any of them
            ours[(path, key)] += [n for n in range(start, end + 1) if lines_of[path][n - 1].startswith(name)]
        elif lang == "objc" and kind == "method":  # a selector over several lines: ctags gives its last line
            ours[(path, key)] += [n for n in range(start, end + 1) if lines_of[path][n - 1].lstrip().startswith("{")
                                  or lines_of[path][n - 1].rstrip().endswith("{")][:1]
    if not by_lang:
        res.note = res.note or "ctags has no parser for this language"
        return
    for path, line, kind, name in ctags_definitions(tree, by_lang, res.excluded):
        res.ctags_defs += 1
        if any(abs(s - line) <= LINE_SLACK for s in ours.get((path, name), ())):
            res.found += 1
        else:
            res.missed.append((path, line, kind, name))
            res.missed_kinds[kind] += 1


# ---- imports --------------------------------------------------------------------------------------------

_DECL = {  # a namespace / package declaration, per language (what "the repository declares")
    "java": re.compile(r"^\s*package\s+([\w.]+)\s*;", re.M),
    "csharp": re.compile(r"^\s*namespace\s+([\w.]+)", re.M),
    "php": re.compile(r"^\s*namespace\s+([\w\\]+)\s*[;{]", re.M),
    "kotlin": re.compile(r"^\s*package\s+([\w.]+)", re.M),
    "haskell": re.compile(r"^module\s+([\w.]+)", re.M),
}
_SOURCE_EXTENSIONS = frozenset(e[1:] for spec in LANGUAGES.values() for e in spec.extensions)
_JS_LIKE = ("javascript", "typescript", "tsx", "vue", "svelte")  # Vue/Svelte imports are their scripts' imports
_STEMS_OF_DIR = {"index", "__init__", "mod", "lib", "main", "init"}  # a file that stands for its directory (Lua: init)


@dataclass
class _Repo:
    """What `_internal` and `_plausible` know about the repository."""

    paths: frozenset[str]
    by_name: dict[str, list[str]]
    decls: dict[str, set[str]]  # language → declared packages / namespaces
    file_decls: dict[str, set[str]]  # path → the packages / namespaces it declares (Java, C#, PHP)
    defs: dict[str, set[str]]  # path → defined names
    imported: dict[str, set[str]]  # path → names and last module components it imports (re-exports)
    qualnames: set[str]  # every definition's qualified name (package/namespace prefixed)
    stems: set[str]  # file names without extension, of parsed files
    dir_names: set[str]  # directory names holding parsed files
    ctx: RepoContext


def _last(module: str) -> str:
    """The last component of a module path: `a.b.c` → c, `./x/y.js` → y, `<uv/unix.h>` → unix."""
    if "/" in module or module.startswith("."):
        base = posixpath.basename(module.strip("<>\"'").rstrip("/"))
        if base.strip("."):
            return base.split(".")[0] if not base.startswith(".") else base.strip(".").split(".")[0]
    seg = re.split(r"::|[./\\]", module.strip("<>\"'").rstrip("/"))
    seg = [s for s in seg if s and s not in ("..", ".")]
    if not seg:
        return ""
    last = seg[-1]
    if last in _SOURCE_EXTENSIONS and len(seg) > 1:  # `Uri.zig`, `book.dart`, `x.h`: the file's stem
        last = seg[-2]
    return last


# what `_internal` counts as an import of the repository, per language (printed in the report)
INTERNAL_RULES = [
    ("Python", "relative, or its top package is a repository package"),
    ("JavaScript/TypeScript/Vue/Svelte", "relative, or a package.json package of the repository"),
    ("Go", "under a go.mod module path of the repository"),
    ("Rust", "`crate`/`self`/`super`, a crate of the repository, or `mod x;`"),
    ("Java", "a class some file defines (or its member), or a declared package for `.*`"),
    ("C/C++", "a quoted include of a file the repository has; an angle-bracket one only through a directory "
     "path the repository has (`<uv/unix.h>`)"),
    ("C#", "a namespace or type some file declares"),
    ("Ruby", "relative, or `lib/`, `test/`, `spec/` + the path"),
    ("PHP", "a namespace, class or function some file declares, or a .php path"),
    ("Kotlin", "the import or one of its prefixes is a package some file declares (`java.security.cert.Certificate`"
     " is the JDK's even when the repository has a Certificate.kt)"),
    ("Swift", "a SwiftPM target of the repository (`import Combine` is Apple's framework, even beside a "
     "Combine.swift)"),
    ("Dart", "`package:NAME/…` with NAME a pubspec.yaml package of the repository, or a URI without a scheme"),
    ("Haskell", "a module some file declares (`module A.B where`); `Prelude`, `Data.Map` are libraries"),
    ("Elixir", "a module some file of the repository defines (`defmodule Plug.Conn`)"),
    ("OCaml", "its first module is a compilation unit (foo.ml) or a dune library of the repository"),
    ("others (Scala, Lua, Bash, Zig, Objective-C, Solidity)", "its last component, without a source "
     "extension, names a file (by stem) or a directory of the repository"),
]


def _internal(lang: str, path: str, imp: Import, r: _Repo) -> bool:
    """Whether an import names a module, package, namespace or file of the repository (independently of
    the resolver's rules)."""
    m = imp.module
    if not m:
        return False
    if lang == "python":
        if m.startswith("."):
            return True
        top = m.split(".")[0]
        return top in r.ctx.python_modules
    if lang in _JS_LIKE:
        if m.startswith("."):
            return True
        scope = "/".join(m.split("/")[:2]) if m.startswith("@") else m.split("/")[0]
        return scope in r.ctx.js_packages
    if lang == "go":
        return any(m == mod or m.startswith(mod + "/") for mod in r.ctx.go_modules)
    if lang == "rust":
        if imp.names == ("mod",):
            return True
        first = m.split("::")[0]
        return first in ("crate", "self", "super") or first in r.ctx.rust_crates
    if lang == "java":  # a package some file declares (`.*`), else a class some file defines (or its member)
        if "*" in imp.names:
            return m in r.decls["java"]
        return m in r.qualnames or m.rpartition(".")[0] in r.qualnames
    if lang in ("c", "cpp"):
        inc = m.strip("<>\"")
        name = inc.rsplit("/", 1)[-1]
        if m.startswith("<"):  # a system include names a repository file only through a directory path
            return "/" in inc and any(p == inc or p.endswith("/" + inc) for p in r.by_name.get(name, ()))
        return name in r.by_name
    if lang == "csharp":  # a namespace some file declares, or a type (`using static A.B.T;`, `using X = A.B.T;`)
        return m in r.decls["csharp"] or m in r.qualnames
    if lang == "ruby":
        if m.startswith(("./", "../")):
            return True
        rel = m if m.endswith(".rb") else m + ".rb"
        return any(p == rel or p.endswith("/" + rel) and posixpath.basename(p[:-len(rel)].rstrip("/"))
                   in ("lib", "test", "spec") for p in r.by_name.get(rel.rsplit("/", 1)[-1], ()))
    if lang == "php":
        if m.endswith(".php") or "/" in m:
            return posixpath.basename(m) in r.by_name
        full = [f"{m}\\{n}" for n in imp.names] if imp.names else [m]  # a class, function or namespace
        return any(f.lstrip("\\") in r.decls["php"] or f.lstrip("\\").replace("\\", ".") in r.qualnames
                   for f in full)
    if lang == "kotlin":  # a package some file declares, or a name in one (`a.b.C`, `a.b.C.Companion.X`, `a.b.*`)
        parts = m.split(".")
        return any(".".join(parts[:i]) in r.decls["kotlin"] for i in range(1, len(parts) + 1))
    if lang == "swift":  # a module: a SwiftPM target of the repository (`import Combine` is Apple's framework)
        return m.split(".")[0] in r.ctx.swift_targets
    if lang == "dart":  # `package:NAME/…` of a pubspec.yaml package of the repository, or a relative URI
        if m.startswith("package:"):
            return m[len("package:"):].split("/")[0] in r.ctx.dart_packages
        return ":" not in m
    if lang == "haskell":  # a module some file declares (`module A.B where`); `Prelude`, `Data.Map`: libraries
        return m in r.decls["haskell"]
    if lang == "elixir":  # a module some file defines (`defmodule Plug.Conn`); `Logger`, `Plug.Crypto`: others'
        return m in r.ctx.elixir_modules
    if lang in ("ocaml", "ocaml_interface"):  # `Foo.Bar`: a compilation unit foo.ml or a dune library Foo
        top = m.split(".")[0]
        return top in r.ctx.ocaml_units or top in r.ctx.dune_libraries
    # any other language: the import's last component names a file (by stem) or a directory of the repository
    last = _last(m)
    return bool(last) and (last in r.stems or last in r.dir_names)


def _plausible(lang: str, imp: Import, target: str, r: _Repo) -> bool:
    """A resolved target is plausible when it defines or re-exports an imported name, or is the file,
    directory or namespace the import names."""
    last = _last(imp.module)
    names = {n.rsplit("::", 1)[-1].rsplit("\\", 1)[-1] for n in imp.names if n not in ("*", "self", "mod")}
    wanted = names | ({last} if last else set())
    stem = posixpath.basename(target).split(".")[0]
    d = posixpath.dirname(target)
    if stem in wanted or (stem in _STEMS_OF_DIR and posixpath.basename(d) in wanted):
        return True
    if lang == "go" and posixpath.basename(d) == last:
        return True  # the package's directory
    if lang == "csharp" and (imp.module in r.file_decls.get(target, ())
                             or imp.module.rpartition(".")[0] in r.file_decls.get(target, ())):
        return True  # a file declaring the namespace (or the type's namespace)
    if lang in _JS_LIKE and not imp.module.startswith("."):
        pkg = [n for n in r.ctx.js_packages if imp.module == n or imp.module.startswith(n + "/")]
        return any(target.startswith(r.ctx.js_packages[n][0] + "/") or not r.ctx.js_packages[n][0]
                   for n in pkg)  # a file of the workspace package (the root package: any file)
    if wanted & r.defs.get(target, set()) or wanted & r.imported.get(target, set()):
        return True
    if lang in ("ocaml", "ocaml_interface"):  # module `Safe` is file safe.ml (or safe.cppo.ml)
        return any(c.lower() == stem.lower() for c in imp.module.split("."))
    if lang == "kotlin":  # `a.b.Settings.Companion.X`: a file of package a.b defining Settings
        pkg = r.file_decls.get(target, set())
        parts = imp.module.split(".")
        return any(".".join(parts[:i]) in pkg and parts[i] in r.defs.get(target, set()) for i in range(1, len(parts)))
    if lang == "python":  # the package or module the (relative) path names: `from . import x`, `.a.b`
        tail = imp.module.lstrip(".")
        return module_name(target, "python").endswith(tail) if tail else stem == "__init__"
    if lang == "rust":  # `use super::*`, `use crate::…`, `extern crate dep`: the module file the path names,
        if (last in ("super", "self", "crate") and not names) or (
                last in r.ctx.rust_crates and stem in ("lib", "main")):
            return True
        text = r.ctx.read(target).decode("utf-8", "replace")  # or a `pub use` re-export (nested groups too)
        return any(re.search(rf"\bpub(\([^)]*\))?\s+use\b[^;]*\b{re.escape(w)}\b", text) for w in wanted)
    if lang in ("c", "cpp"):
        return posixpath.basename(target) == imp.module.strip("<>\"").rsplit("/", 1)[-1]
    return False


def compare_imports(res: Result, tree: Path, conn: sqlite3.Connection, langs: set[str]) -> None:
    files = dict(conn.execute("SELECT path, language FROM files"))
    ids = dict(conn.execute("SELECT id, path FROM files"))

    def read(p: str) -> bytes:
        try:
            return (tree / p).read_bytes()
        except OSError:
            return b""

    ctx = RepoContext.build(files, read)
    by_name: dict[str, list[str]] = collections.defaultdict(list)
    for p in files:
        by_name[p.rsplit("/", 1)[-1]].append(p)
    decls: dict[str, set[str]] = {k: set() for k in _DECL}
    file_decls: dict[str, set[str]] = {}
    for p, lang in files.items():
        if lang in _DECL:
            file_decls[p] = set(_DECL[lang].findall(read(p).decode("utf-8", "replace")))
            decls[lang] |= file_decls[p]
    defs: dict[str, set[str]] = collections.defaultdict(set)
    qualnames = set()
    for fid, name, qual in conn.execute("SELECT file_id, name, qualname FROM definitions"):
        defs[ids[fid]].add(name)
        qualnames.add(qual)
    rows = conn.execute("SELECT file_id, module, names, line FROM imports").fetchall()
    imported: dict[str, set[str]] = collections.defaultdict(set)
    for fid, module, names, _ in rows:
        imported[ids[fid]].update(json.loads(names))
        imported[ids[fid]].add(_last(module))
    parsed = [p for p, lang in files.items() if lang in CODE_LANGUAGES]
    stems = {posixpath.basename(p).split(".")[0] for p in parsed}
    dir_names = {posixpath.basename(posixpath.dirname(p)) for p in parsed} - {""}
    r = _Repo(frozenset(files), by_name, decls, file_decls, defs, imported, qualnames, stems, dir_names, ctx)
    for fid, module, names, line in rows:
        path = ids[fid]
        lang = files[path]
        if lang not in langs:
            continue
        imp = Import(module, tuple(json.loads(names)), line)
        res.imports += 1
        targets = resolve_import(path, lang, imp, ctx)
        raw = set(RESOLVERS[lang](path, imp, ctx)) if lang in RESOLVERS else set()
        internal = _internal(lang, path, imp, r)
        res.internal += internal
        res.max_raw_fan_out = max(res.max_raw_fan_out, len(raw - {path}))
        if targets or path in raw:  # `use self::Kind::*`: what it names is in the importing file itself
            res.resolved_total += 1
            res.resolved_internal += internal
        elif internal:
            res.unresolved.append((path, module))
        if len(targets) > res.max_fan_out:
            res.max_fan_out, res.fan_out_example = len(targets), f"{path}:{line} {module}"
        if len(targets) > MAX_FAN_OUT:
            res.false.append((path, module, f"{len(targets)} files", "fan-out"))
        for t in targets:
            if not _plausible(lang, imp, t, r):
                res.false.append((path, module, t, "target neither defines nor is what the import names"))


# ---- one repository -------------------------------------------------------------------------------------

def supported_language(repo: Repo) -> str | None:
    for name in _ALIASES.get(repo.language, (repo.language,)):
        if name in CODE_LANGUAGES:  # parsed, or (Vue/Svelte) parsed through their script blocks
            return name
    return None


def run_repo(repo: Repo, mirror_root: Path, work: Path, baseline: Path | None = None,
             rounds: int = BASELINE_ROUNDS) -> Result:
    res = Result(repo)
    lang = supported_language(repo)
    if lang is None:
        res.supported, res.note = False, "not supported"
        return res
    langs = {lang, *(_ALIASES.get(lang, ())), *repo.compared}
    tree = checkout(repo, mirror_root, work)
    db = work / "indexes" / (repo.slug.replace("/", "+") + ".sqlite")
    db.parent.mkdir(parents=True, exist_ok=True)
    res.load = Path("/proc/loadavg").read_text().split()[0]
    res.wall, res.cpu = cold_index(tree, db)
    if baseline is not None:
        runs: dict[Path | None, list[float]] = {baseline: [], None: []}
        for _ in range(rounds):
            for code in runs:
                runs[code].append(cold_index_fresh(tree, db.with_suffix(".fresh.sqlite"), code))
        res.cpu_baseline, res.cpu_fresh = min(runs[baseline]), min(runs[None])
    conn = sqlite3.connect(db)
    try:
        res.files = conn.execute("SELECT count(*) FROM files").fetchone()[0]
        compare_definitions(res, tree, conn, langs)
        compare_imports(res, tree, conn, langs)
    finally:
        conn.close()
    return res


# ---- report ---------------------------------------------------------------------------------------------

def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.1f} %"


def _mark(ok: bool) -> str:
    return "" if ok else " ✗"


def report(results: list[Result], command: str, started: str, load: str, version: str,
           baseline: str = "", rounds: int = BASELINE_ROUNDS) -> str:
    out = ["# Definition recall, import resolution and cold index speed\n",
           f"`{command}`\n",
           f"{started} · contextpack {version} · {_ctags_version()} · load before the run: "
           f"{load}\n",
           f"Targets: ≥ {TARGETS['recall']:g} % of ctags' structural definitions (same file, same name, start "
           f"line ±{LINE_SLACK}), ≥ {TARGETS['imports']:g} % of internal imports resolved, fan-out ≤ "
           f"{MAX_FAN_OUT}, ≥ {TARGETS['files_per_s']:g} files/s cold (2 cores, shared with other work: `load` is "
           "the 1-minute load average before each index; files per CPU second, this process and its pool "
           "workers, is the figure that load disturbs least). Max fan-out: the most files one import resolves to, "
           f"after contextpack's cap (resolve.MAX_TARGETS) and, in brackets, before it. ✗ marks a missed target.\n",
           "| language | repository@commit | files | compared | defs found / ctags | recall | imports resolved "
           "(internal) | false resolutions | max fan-out (uncapped) | cold index s (CPU s) | load "
           "| files/s (per CPU s) |",
           "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        name = f"{r.repo.slug}@{r.repo.commit[:10]}"
        if not r.supported:
            note = r.note or "not supported"
            out.append(f"| {r.repo.language} | {name} | – | – | – | {note} | – | – | – | – | – | – |")
            continue
        rec = r.recall
        imp = r.import_rate
        out.append(
            f"| {r.repo.language} | {name} | {r.files} | {r.compared_files} | "
            f"{f'{r.found} / {r.ctags_defs}' if r.ctags_defs else 'no ctags parser'} | "
            f"{_pct(rec)}{_mark(rec is None or rec >= TARGETS['recall'])} | "
            f"{r.resolved_internal} / {r.internal} = {_pct(imp)}{_mark(imp is None or imp >= TARGETS['imports'])} | "
            f"{len(r.false)} | {r.max_fan_out}{_mark(r.max_fan_out <= MAX_FAN_OUT)} ({r.max_raw_fan_out}) | "
            f"{r.wall:.1f} ({r.cpu:.1f}) | {r.load} | "
            f"{r.files_per_s:.0f}{_mark(r.files_per_s >= TARGETS['files_per_s'])} "
            f"({r.files_per_cpu_s:.0f}) |")
    if baseline:
        out += ["", f"## Cold index CPU against {baseline}", "",
                f"Each repository indexed cold in fresh processes, {rounds} times by this checkout and "
                f"{rounds} times by {baseline}, interleaved; the least CPU seconds of each (the process "
                "and its pool workers; a fresh process compiles its queries, as a user's first index does).", "",
                "| language | repository | files | CPU s, this | CPU s, baseline | this / baseline "
                "| files per CPU s, this (baseline) |", "|---|---|---:|---:|---:|---:|---:|"]
        for r in results:
            if r.supported and r.cpu_fresh and r.cpu_baseline:
                out.append(f"| {r.repo.language} | {r.repo.slug} | {r.files} | {r.cpu_fresh:.2f} | "
                           f"{r.cpu_baseline:.2f} | {r.cpu_fresh / r.cpu_baseline:.2f} | "
                           f"{r.files / r.cpu_fresh:.0f} ({r.files / r.cpu_baseline:.0f}) |")
    out += ["", "## Per language", "",
            "| language | repositories | defs found / ctags | recall | internal imports resolved | false "
            "resolutions | max fan-out | slowest files/s |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    by_lang: dict[str, list[Result]] = collections.defaultdict(list)
    for r in results:
        by_lang[r.repo.language].append(r)
    for lang, rs in by_lang.items():
        ok = [r for r in rs if r.supported]
        if not ok:
            out.append(f"| {lang} | {len(rs)} | – | {rs[0].note or 'not supported'} | – | – | – | – |")
            continue
        f, c = sum(r.found for r in ok), sum(r.ctags_defs for r in ok)
        ri, ii = sum(r.resolved_internal for r in ok), sum(r.internal for r in ok)
        out.append(f"| {lang} | {len(rs)} | {f} / {c} | {_pct(100 * f / c if c else None)} | "
                   f"{ri} / {ii} = {_pct(100 * ri / ii if ii else None)} | {sum(len(r.false) for r in ok)} | "
                   f"{max(r.max_fan_out for r in ok)} | {min(r.files_per_s for r in ok):.0f} |")
    out += ["", "## What is compared", "",
            "Structural ctags kinds, per ctags parser:", ""]
    out += [f"- {p}: {', '.join(sorted(k))}" for p, k in STRUCTURAL_KINDS.items()]
    out += ["", "Excluded:", ""] + [f"- {what}: {why}" for what, why in EXCLUDED_KINDS]
    out += [f"- ctags {p} `{k}` tags whose line matches `{rx}`: {why}" for p, k, rx, why in CTAGS_NOT_DEFINITIONS]
    out += [f"- ctags {p} `{k}` tags without a scope: {why}" for p, k, why in CTAGS_PACKAGE_CLAUSES]
    out += [f"- ctags {p} `{k}` tags unless their line matches `{rx}`: {why}" for p, k, rx, why in CTAGS_DECLARED_SO]
    out += [f"- ctags tags named after a keyword ({', '.join(sorted(KEYWORD_NAMES))}): ctags misparsed a statement"]
    out += [f"- ctags {p} `{k}` tags whose name matches `{rx}`: {why}" for p, k, rx, why in CTAGS_BAD_NAMES]
    out += ["- ctags OCaml `module` tags on line 1 named after the file (`lib/write.ml` → `Write`): the module "
            "ctags gives every file, which is the file itself (contextpack qualifies the file's names with it)",
            "- ctags Elixir tags inside documentation heredocs (from `@moduledoc \"\"\"`, `@doc \"\"\"` or "
            "`@typedoc \"\"\"`, also `~S\"\"\"`, to the line closing it): code examples in documentation, "
            "which Elixir compiles as text",
            "- ctags Lua tags inside a long string or long comment (`[[ … ]]`, `[==[ … ]==]`, `--[[ … ]]`, after "
            "its opening line): examples in documentation text"]
    out += ["", "Excluded tags per repository and rule (count, first example):", ""]
    for r in results:
        for (parser, kind, rule), (n, (where, name)) in sorted(r.excluded.items()):
            out.append(f"- {r.repo.slug}: {parser} `{kind}`, {rule}: {n} (`{where}` `{name}`)")
    out += ["", "Names compared as both tools write them, except Ruby: ctags names an accessor's writer `x=` "
            "(contextpack: the accessor `x`), names `def obj.meth` after its receiver `obj`, and drops `?`/`!` "
            "from aliases; those are compared as `x`, `meth` and without `?`/`!`. ctags' qualified Lua names "
            "(`M.Obj:new`) and C# explicit interface members (`IList.Clear`) are compared by their last part, "
            "operator names without spaces. Objective-C methods are compared by their selector's first part "
            "(ctags `initWithData:options:`, contextpack `initWithData`) and a category `@interface X (Private)` "
            "by its class `X` (ctags names it `Private`); ctags' Haskell pattern synonyms (`pattern T_Bang id = …`, "
            "named `pattern`) by the synonym's name, and a Haskell equation is found in any contextpack function "
            "of its name spanning its line (ctags tags equations one by one). An Objective-C method's line may "
            "also be the line of its body's `{` (ctags gives a selector written over several lines its last "
            "line). "
            "A definition's line is the "
            "line of its name (contextpack's start line includes decorators and attributes above it).", ""]
    out += ["Internal imports (the denominator of the import rate), per language:", ""]
    out += [f"- {lang}: {rule}" for lang, rule in INTERNAL_RULES]
    out += ["", "## Misses, per repository", ""]
    for r in results:
        if not r.supported:
            continue
        out.append(f"### {r.repo.slug} ({r.repo.language})\n")
        if r.note:
            out.append(f"{r.note}\n")
        if r.missed:
            kinds = ", ".join(f"{k} {n}" for k, n in r.missed_kinds.most_common())
            out.append(f"Missed definitions by ctags kind: {kinds}. First {min(TOP_MISSED, len(r.missed))}:\n")
            out += [f"- `{p}:{ln}` {k} `{n}`" for p, ln, k, n in _spread(r.missed, TOP_MISSED)]
            out.append("")
            in_errors = collections.Counter(p for p, *_ in r.missed if p in r.syntax_errors)
            if in_errors:  # contextpack's misses: the grammar gave up on part of these files
                files = ", ".join(f"`{p}` {n}" for p, n in in_errors.most_common(6))
                out.append(f"{sum(in_errors.values())} of the {len(r.missed)} misses are in {len(in_errors)} files "
                           "with a syntax error (most likely contextpack's misses: the grammar could not parse "
                           f"them whole): "
                           f"{files}.\n")
        if r.unresolved:
            n = min(TOP_MISSED, len(r.unresolved))
            out.append(f"Unresolved internal imports ({len(r.unresolved)}), first {n}:\n")
            out += [f"- `{p}`: `{m}`" for p, m in _spread(r.unresolved, TOP_MISSED)]
            out.append("")
        if r.false:
            out.append(f"False resolutions ({len(r.false)}), first {min(TOP_MISSED, len(r.false))}:\n")
            out += [f"- `{p}`: `{m}` → `{t}` ({why})" for p, m, t, why in _spread(r.false, TOP_MISSED)]
            out.append("")
        if r.max_fan_out:
            out.append(f"Largest fan-out: {r.max_fan_out} files, `{r.fan_out_example}`.\n")
    return "\n".join(out) + "\n"


def _spread(items: list, n: int) -> list:
    """Up to n items, at most 2 per file first (so one file's many misses do not hide the others)."""
    per_file: dict[str, int] = collections.Counter()
    picked, rest = [], []
    for it in sorted(items):
        (picked if per_file[it[0]] < 2 else rest).append(it)
        per_file[it[0]] += 1
    return (picked + rest)[:n]


def _ctags_version() -> str:
    try:
        return subprocess.run([CTAGS, "--version"], capture_output=True, text=True).stdout.split(",")[0]
    except OSError:
        return "ctags missing"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repos", help="comma-separated subset: owner/name, name, or a language")
    ap.add_argument("--mirror-root", type=Path, default=Path("/work/.mirror"))
    ap.add_argument("--work-dir", type=Path, default=Path("/tmp/contextpack-bench/definition-recall"))
    ap.add_argument("--out", type=Path, help="also write the report to this .md file")
    ap.add_argument("--baseline", metavar="REV", help="also compare cold index CPU with the project at this "
                    "git revision (fresh processes, side by side)")
    ap.add_argument("--rounds", type=int, default=BASELINE_ROUNDS, help="cold indexes per side with --baseline")
    args = ap.parse_args(argv)
    if not Path(CTAGS).exists():
        print(f"error: {CTAGS} not found (Universal Ctags is the reference)", file=sys.stderr)
        return 2
    repos = REPOS
    if args.repos:
        wanted = {w.strip().lower() for w in args.repos.split(",") if w.strip()}
        repos = [r for r in REPOS if {r.slug.lower(), r.slug.split("/")[1].lower(), r.language} & wanted]
        if not repos:
            print(f"error: no repository matches {args.repos!r}", file=sys.stderr)
            return 2
    command = " ".join([".venv/bin/python", "benchmarks/definition_recall.py", *(argv or sys.argv[1:])])
    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    version = project_version(PROJECT)  # at the start: the code this run imports is the code it measures
    baseline, baseline_name = None, ""
    if args.baseline:
        try:
            sha, baseline = baseline_code(args.baseline, args.work_dir)
        except (RuntimeError, subprocess.CalledProcessError) as err:
            print(f"error: no baseline {args.baseline!r}: {err}", file=sys.stderr)
            return 2
        baseline_name = f"{args.baseline} ({sha})"
    results = []
    for repo in repos:
        print(f"{repo.slug} ({repo.language}) …", file=sys.stderr, flush=True)
        try:
            res = run_repo(repo, args.mirror_root, args.work_dir, baseline, max(1, args.rounds))
        except (RuntimeError, OSError, sqlite3.Error) as err:
            res = Result(repo, supported=False, note=f"failed: {err}")
            print(f"  failed: {err}", file=sys.stderr)
        else:
            print(f"  {res.files} files, {res.wall:.1f}s, recall {_pct(res.recall)}, imports "
                  f"{_pct(res.import_rate)}, false {len(res.false)}, fan-out {res.max_fan_out}",
                  file=sys.stderr, flush=True)
        results.append(res)
    text = report(results, command, started, load, version, baseline_name, max(1, args.rounds))
    print(text)
    if args.out:
        args.out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
