"""Walking a repository: which files count, and their identity (language, size, mtime, hash).

Honours nested `.gitignore`, `.git/info/exclude` (never for a file git tracks) and `.contextpackignore`
with git's semantics (pathspec), skips binary, oversized, minified/generated, vendored and secret files
(names matched case-insensitively), never follows a symlink out of the root, to a directory, or to a file
those rules leave out, and never loops or recurses (any depth). Names that are not UTF-8 are skipped
(nothing downstream could store them). Everything skipped for a reason a user may not expect becomes a
`Diagnostic`.

    result = scan_repo(Path("."), ScanOptions())
    for f in result.files: print(f.path, f.language, f.size)
    for d in result.diagnostics: print(d.path, d.message)
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import os
import re
import stat as statmod
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import pathspec

from .errors import RepoError
from .gitindex import Tracked, read_tracked
from .languages import language_for
from .redact import path_secret, redact_path

DEFAULT_MAX_FILE_BYTES = 1024 * 1024

# Folders that hold other people's code or build output; skipped unless ScanOptions.include_vendored.
VENDORED_DIRS = frozenset({
    "node_modules", "bower_components", "vendor", "third_party", "third-party", "site-packages",
    ".venv", "venv", "__pycache__", ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache",
    ".eggs", "dist", "build", "target", ".gradle", ".idea", ".vscode", ".next", ".nuxt", "Pods", "extern",
    "external", "_vendor", "vendored",
})
# Never descended into, vendored or not.
_VCS_DIRS = frozenset({".git", ".hg", ".svn", ".jj"})

# Secret files (gitignore syntax, matched case-insensitively): never indexed, never read into any output.
# Aimed at files that hold secrets, not at code about them (token.go, csrf_token.rb are source). Extend
# with ScanOptions.secret_patterns or `secret_patterns` in .contextpack/config.toml. The README lists these.
# a file named credentials.* or secrets.* holds secrets when it is data; `Credentials.kt`, `secrets.py` are code
# (the redactor still masks any secret literal in them)
_SECRET_DATA_EXTS = ("json", "yaml", "yml", "toml", "ini", "cfg", "conf", "txt", "xml", "csv", "properties",
                     "env", "db", "sqlite", "plist")
SECRET_PATTERNS = (
    ".env", ".env.*", "*.env", ".envrc",
    "*.pem", "*.key", "*.p12", "*.pfx", "*.jks", "*.keystore", "*.ppk", "*.asc", "*.gpg",
    "id_rsa*", "id_dsa*", "id_ecdsa*", "id_ed25519*",
    ".netrc", "_netrc", ".npmrc", ".pypirc", ".git-credentials", ".htpasswd", ".pgpass",
    "**/.docker/config.json", "**/.kube/config", "kubeconfig", "*.kubeconfig",
    "credentials", *(f"credentials.{ext}" for ext in _SECRET_DATA_EXTS), "*credentials*.json", "*secret*.json",
    "*secrets*.y*ml", "secret*.y*ml", *(f"secrets.{ext}" for ext in _SECRET_DATA_EXTS), "*.secret", "*.secrets",
    "token", "*.token", "token.txt", "token.json", "*_token",
    "*_token.txt", "*_token.json", "password*.txt",
    "service-account*.json", "service_account*.json", "*.tfstate", "*.tfstate.backup", "*.tfvars",
    "*.tfvars.json", "wp-config.php",
)

# Generated/minified by name; content is checked too (see _looks_minified).
GENERATED_PATTERNS = (
    "*.min.js", "*.min.css", "*.map", "*.bundle.js", "*_pb2.py", "*_pb2_grpc.py", "*.pb.go",
    "*.generated.*", "package-lock.json", "yarn.lock", "pnpm-lock.yaml", "poetry.lock", "Cargo.lock",
    "Gemfile.lock", "composer.lock", "go.sum", "uv.lock",
    "*-[0-9]*.[0-9]*.js", "*.[0-9]*.[0-9]*.[0-9]*.js",  # versioned copies of libraries: jquery-3.6.0.js
)


@dataclass(frozen=True)
class ScanOptions:
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    include_vendored: bool = False
    secret_patterns: tuple[str, ...] = ()


class FileStat(NamedTuple):
    """A file that counts, before hashing: what an incremental refresh compares (a tuple: a refresh makes
    one per file of the tree)."""

    path: str  # posix, relative to the root
    language: str
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class Diagnostic:
    path: str
    message: str


@dataclass
class ScanResult:
    """The files that count as columns sorted by path (a refresh of a big tree compares whole columns with
    the index's instead of making an object per file), `files` as FileStat rows for everyone else."""

    paths: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    mtimes: list[int] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)  # reason → count
    # files found without their (size, mtime) matching `known`'s (new, changed, or not in it): 0 means every
    # file found has the size and mtime `known` gives it
    unmatched: int = 0

    @property
    def files(self) -> list[FileStat]:
        return list(map(FileStat._make, zip(self.paths, self.languages, self.sizes, self.mtimes, strict=True)))

    def add(self, path: str, language: str, size: int, mtime_ns: int) -> None:
        self.paths.append(path)
        self.languages.append(language)
        self.sizes.append(size)
        self.mtimes.append(mtime_ns)

    def cut(self, start: int, end: int) -> _Files:
        """The files from `start` to `end`, taken out."""
        files = _Files(*(getattr(self, name)[start:end] for name in _COLUMNS))
        for name in _COLUMNS:
            del getattr(self, name)[start:end]
        return files

    def extend(self, files: _Files) -> None:
        for name, column in zip(_COLUMNS, files, strict=True):
            getattr(self, name).extend(column)

    def sort(self) -> None:
        """By path; the walk finds them in that order (a check of the order costs a tenth of a sort at 200,000
        files), unless a symlink's file came in early."""
        paths = self.paths
        if all(map(str.__lt__, paths, itertools.islice(paths, 1, None))):
            return
        order = sorted(range(len(paths)), key=paths.__getitem__)
        for name in _COLUMNS:
            setattr(self, name, list(map(getattr(self, name).__getitem__, order)))


_COLUMNS = ("paths", "languages", "sizes", "mtimes")


class _Files(NamedTuple):
    """Files of one directory that come after one of its subdirectories in path order, kept until then."""

    paths: list[str]
    languages: list[str]
    sizes: list[int]
    mtimes: list[int]


def resolve_root(repo: str | os.PathLike) -> Path:
    """The repository root as an absolute path, or a RepoError that says what is wrong with it."""
    root = Path(repo).expanduser()
    try:
        if not root.exists():
            raise RepoError(f"repository path does not exist: {root}")
        if not root.is_dir():
            raise RepoError(f"repository path is not a directory: {root}")
        if not os.access(root, os.R_OK | os.X_OK):
            raise RepoError(f"repository path is not readable: {root}")
        return root.resolve()
    except OSError as err:  # a name too long, a loop of links: the file system refuses the path itself
        raise RepoError(f"repository path can't be used: {err.strerror or err}") from None


class _Spec:
    """A gitignore spec with a fast "no pattern matches" path: one fused regex search decides most
    paths; only paths some pattern matches go through pathspec for git's exact last-match-wins verdict."""

    def __init__(self, lines: list[str]):
        try:
            self.spec = pathspec.GitIgnoreSpec.from_lines(lines)
        except (ValueError, re.error):  # `foo\`, a lone `!`, `[z-a]`: git ignores such a line, and so do we
            self.spec = pathspec.GitIgnoreSpec.from_lines([line for line in lines if _valid_pattern(line)])
        regexes = [p.regex.pattern for p in self.spec.patterns
                   if p.include is not None and p.regex is not None]
        self.any = re.compile("|".join(f"(?:{r})" for r in regexes).replace("(?P<ps_d>", "(?:")) if regexes else None

    def check(self, path: str) -> bool | None:
        if self.any is None or self.any.search(path) is None:
            return None
        return self.spec.check_file(path).include

    def matches(self, path: str) -> bool:
        return bool(self.check(path))


def _valid_pattern(line: str) -> bool:
    try:
        pathspec.GitIgnoreSpec.from_lines([line])
    except (ValueError, re.error):
        return False
    return True


def _spec(lines: list[str]) -> _Spec | None:
    lines = [ln for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
    return _Spec(lines) if lines else None


def _read_ignore(path: Path) -> list[str]:
    try:
        return path.read_text("utf-8", errors="replace").splitlines()
    except OSError:
        return []


def _is_utf8(name: str) -> bool:
    """Whether a name from the OS decoded as UTF-8 (Python keeps other bytes as lone surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _printable(rel: str) -> str:
    """A path with undecodable bytes shown as U+FFFD, for diagnostics."""
    return rel.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


HEAD_BYTES = 8192  # what is read of every new file: binary, language and generated verdicts look at it
LONG_LINE = 2000  # bytes: a line longer than this was written by a machine
MINIFIED_MEAN_LINE = 400  # bytes: mean line length of minified code (hand-written code is under 100)
# The first lines of a file a generator writes say so (Go's convention, `@generated`, most code generators).
GENERATED_MARKER = re.compile(
    rb"code generated\b.{0,200}do not edit|@generated\b"
    rb"|(?:auto(?:matically)?[- ]?generated|generated automatically)\b.{0,200}do not (?:edit|modify)",
    re.IGNORECASE)
MARKER_LINES = 5
MARKER_BYTES = 1024


def _looks_minified(text: bytes) -> bool:
    """Minified code: most of its bytes on very long lines, or long lines throughout. A hand-written
    file with one long constant (fd's LS_COLORS table in main.rs) is not: judge the whole file."""
    if len(text) < LONG_LINE:
        return False
    lines = text.split(b"\n")
    long_bytes = sum(len(line) for line in lines if len(line) > LONG_LINE)
    return long_bytes * 2 > len(text) or len(text) / len(lines) > MINIFIED_MEAN_LINE


def _minified(abs_path: str, head: bytes, limit: int) -> bool:
    """`_looks_minified` on the head, the cheap test every text file gets; when it fires and the head is not
    the whole file, on the whole file (read only for those, after the binary and language verdicts)."""
    if not _looks_minified(head):
        return False
    if len(head) < HEAD_BYTES:  # the head is the whole file
        return True
    try:
        with open(abs_path, "rb") as fh:
            return _looks_minified(fh.read(limit))
    except OSError:
        return True  # unreadable since its head was read: the head's verdict stands


def _marked_generated(head: bytes) -> bool:
    """A generator's "do not edit" header in the first lines: the code to change is the generator's input."""
    top = head[:MARKER_BYTES]
    return b"generated" in top.lower() and any(GENERATED_MARKER.search(line)
                                               for line in top.split(b"\n")[:MARKER_LINES])


class _AnyOf:
    """Which of some gitignore-style patterns without negation a path matches, ignoring case (`.ENV`,
    `ID_RSA` on a case-insensitive disk are the same files).

    These lists are checked for every file on every refresh, so the common shapes (`*.ext`, `name`,
    `prefix*`) become dict and tuple look-ups on the base name; the rest go through a fused `_Spec`."""

    def __init__(self, patterns: Iterable[str]):
        names: dict[str, str] = {}
        suffixes, prefixes, rest = [], [], []
        for p in patterns:
            low = p.lower()
            body = low[1:] if low.startswith("*") else low
            inner_star = "*" in body.rstrip("*") or (low.startswith("*") and "*" in body)  # `*_token.*`
            if "/" in low or "[" in low or "?" in low or inner_star:
                rest.append((p, _Spec([low])))
            elif low.startswith("*"):
                suffixes.append((body, p))
            elif low.endswith("*"):
                prefixes.append((low.rstrip("*"), p))
            else:
                names.setdefault(low, p)
        self._names, self._suffixes, self._prefixes = names, suffixes, prefixes
        self._suffix_any = tuple(s for s, _ in suffixes)
        self._prefix_any = tuple(s for s, _ in prefixes)
        self._rest = rest
        self._rest_any = _spec([p.lower() for p, _ in rest])

    def __call__(self, rel: str) -> str | None:
        """The first pattern `rel` matches, or None."""
        low = rel.lower()
        name = low.rsplit("/", 1)[-1]
        if name in self._names:
            return self._names[name]
        if name.endswith(self._suffix_any):
            return next(p for s, p in self._suffixes if name.endswith(s))
        if name.startswith(self._prefix_any):
            return next(p for s, p in self._prefixes if name.startswith(s))
        if self._rest_any is not None and self._rest_any.matches(low):
            return next(p for p, spec in self._rest if spec.matches(low))
        return None


@functools.lru_cache(maxsize=8)  # one matcher per set of repository patterns: built once, checked per file
def _secret_matcher(extra: tuple[str, ...]) -> _AnyOf:
    return _AnyOf(SECRET_PATTERNS + extra)


def secret_file(rel: str, options: ScanOptions = ScanOptions()) -> str | None:
    """The secret-file pattern (built in, or the repository's `secret_patterns`) that `rel` matches, or None:
    such a file is never read, and nothing of it (not even a digest) leaves."""
    return _secret_matcher(tuple(options.secret_patterns))(rel)


class _Ignores:
    """The stack of ignore specs in force for one directory, deepest last (git: deeper wins)."""

    def __init__(self, layers: list[tuple[str, _Spec]]):
        self.layers = layers

    def ignored(self, rel: str, is_dir: bool) -> bool:
        verdict = False
        for base, spec in self.layers:
            sub = rel[len(base):] if base else rel
            res = spec.check(sub + "/" if is_dir else sub)
            if res is not None:
                verdict = res
        return verdict

    def descend(self, rel_dir: str, lines: list[str]) -> _Ignores:
        spec = _spec(lines)
        return _Ignores(self.layers + [(rel_dir + "/" if rel_dir else "", spec)]) if spec else self


RECORD_LAYOUT = 2  # of a _DirRecord; 2: names and subdirectories in path order (records of 1 are judged again)


@dataclass
class _DirRecord:
    """What the name-based rules decided for one directory's entries; valid while its mtime (entries
    added, removed or renamed) and its .gitignore stay the same."""

    mtime_ns: int
    ignore_sig: tuple[int, int] | None
    skips: list[tuple[str, str, str | None]]  # (reason, rel, diagnostic message)
    # the files to stat, as columns: base names, paths relative to the root, languages by name (or None)
    names: list[str]
    rels: list[str]
    langs: list[str | None]
    subdirs: list[tuple[str, str]]  # (abs path, rel) to descend into
    # the ignore stack for the entries (after this directory's .gitignore); None when the record was
    # loaded from the index: rebuilt from the ignore files above if a directory below must be judged
    ignores: _Ignores | None


@dataclass
class ScanCache:
    """Directory records kept between scans of one root with the same options (a long-lived Store, and
    across processes through the index: `dump` / `load`).

    With it, a refresh of an unchanged tree stats directories and candidate files instead of listing
    and judging every entry again."""

    key: str = ""
    records: dict[str, _DirRecord] = field(default_factory=dict)
    tracked: tuple[tuple[int, int] | None, Tracked] | None = None  # (.git/index signature, its paths)
    changed: set[str] = field(default_factory=set)  # directories judged since the last `dump`
    reset: bool = False  # the key changed since the last `dump`: every stored record is void

    def dump(self, root: Path, everything: bool = False) -> tuple[bool, list[tuple[str, str]]]:
        """(whether every stored record is void, [(directory, record as JSON)] judged since the last dump,
        or all of them)."""
        prefix = len(str(root)) + 1
        rows = []
        for rel in sorted(self.records if everything else self.changed):
            r = self.records.get(rel)
            if r is not None:
                rows.append((rel, json.dumps([r.mtime_ns, r.ignore_sig, r.skips, r.names,
                                              [lang or "" for lang in r.langs],
                                              [a[prefix:] for a, _ in r.subdirs]], separators=(",", ":"))))
        reset, self.reset, self.changed = self.reset, False, set()
        return reset, rows

    def load(self, root: Path, key: str, rows: Iterable[tuple[str, str]]) -> None:
        """Records `dump` wrote for the scan state `key`; anything malformed (or of an older layout) loads
        nothing (a full scan). Checked column by column: a name list that joins is all strings."""
        base = str(root)
        try:
            records = {}
            for rel, text in rows:
                mtime, sig, skips, names, langs, subs = json.loads(text)
                rel = str(rel)
                joined = "\0".join(names)  # TypeError unless every name is a string
                "".join(langs)
                "".join(subs)
                if "/" in joined or "." in names or ".." in names or "" in names or len(langs) != len(names):
                    raise ValueError("not a directory record")
                records[rel] = _DirRecord(
                    int(mtime), tuple(map(int, sig)) if sig is not None else None,
                    [(str(a), str(b), c if c is None else str(c)) for a, b, c in skips],
                    names, [f"{rel}/{n}" for n in names] if rel else list(names), [lang or None for lang in langs],
                    [(f"{base}/{r}", r) for r in subs], None)
        except (ValueError, TypeError):
            return
        self.key, self.records, self.changed, self.reset = key, records, set(), False


def _tracked(root: Path, cache: ScanCache | None) -> Tracked:
    """git's tracked files, parsed again only when .git/index changed since the last scan."""
    sig = _sig(str(root / ".git" / "index"))
    if cache is not None and cache.tracked is not None and cache.tracked[0] == sig:
        return cache.tracked[1]
    tracked = read_tracked(root) if sig is not None else Tracked()
    if cache is not None:
        cache.tracked = (sig, tracked)
    return tracked


def _sig(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
        return st.st_size, st.st_mtime_ns
    except OSError:
        return None


def _stat_all(abs_dir: str, names: list[str]) -> list[os.stat_result] | None:
    """lstat of each name in a directory, relative to the directory's descriptor (no walk of the whole path
    for each file), or None if any fails (the caller then stats one by one and says which)."""
    if not names:
        return []
    if os.stat not in os.supports_dir_fd:
        return None
    try:
        fd = os.open(abs_dir, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return None
    try:
        return [os.stat(name, dir_fd=fd, follow_symlinks=False) for name in names]
    except OSError:
        return None
    finally:
        os.close(fd)


def scan_repo(root: Path, options: ScanOptions = ScanOptions(),
              known: dict[str, tuple] | None = None, cache: ScanCache | None = None) -> ScanResult:
    """Every file of the repository that counts, sorted by path, with diagnostics for surprises.

    `known` maps paths already indexed to their (size, mtime_ns): those files, unchanged, were
    judged text and not minified when indexed, so their heads are not read again. `cache` lets a
    directory whose entries did not change skip its listing and the name-based rules."""
    known = known or {}
    result = ScanResult()
    secret = _secret_matcher(tuple(options.secret_patterns))
    generated = _AnyOf(GENERATED_PATTERNS)
    git_exclude, own_ignore = root / ".git" / "info" / "exclude", root / ".contextpackignore"
    top_files = [str(git_exclude), str(own_ignore)]
    own = _spec(_read_ignore(own_ignore))
    tracked = _tracked(root, cache)
    records: dict[str, _DirRecord] = {}
    if cache is not None:
        key = hashlib.sha256(repr((RECORD_LAYOUT, str(root), options, [_sig(f) for f in top_files],
                                   _sig(str(root / ".git" / "index")))).encode()).hexdigest()
        if cache.key != key:
            cache.key, cache.records, cache.changed, cache.reset = key, {}, set(), True
        records = cache.records

    def excluded(ignores: _Ignores, rel: str, is_dir: bool) -> bool:
        """.contextpackignore excludes anything; git's ignore files only what git does not track."""
        if own is not None and own.matches(rel + "/" if is_dir else rel):
            return True
        return rel not in (tracked.dirs if is_dir else tracked.files) and ignores.ignored(rel, is_dir)

    def skip(reason: str, rel: str, message: str | None = None) -> None:
        result.skipped[reason] = result.skipped.get(reason, 0) + 1
        if message:
            result.diagnostics.append(Diagnostic(rel, message))

    def _ignores_above(rel_dir: str) -> _Ignores:
        """The ignore stack in force for `rel_dir` itself: the ignore files of the folders above it."""
        parts = rel_dir.split("/")[:-1]
        ignores = root_ignores
        for i in range(len(parts)):
            rel = "/".join(parts[:i + 1])
            ignores = ignores.descend(rel, _read_ignore(root / rel / ".gitignore"))
        return ignores

    def walk(abs_dir: str, rel_dir: str, ignores: _Ignores | None,
             forced: bool) -> list[tuple[str, str, _Ignores | None, bool] | _Files]:
        """Judge one directory and take its files up to its first subdirectory in path order; returns what
        comes next, in order: each subdirectory to walk and the files that follow it (a stack, not recursion:
        any depth; and no sort of the whole tree at the end)."""
        mark = len(result.paths)
        found = walk_files(abs_dir, rel_dir, ignores, forced)
        if found is None:
            return []
        subdirs, ignores, forced = found
        if not subdirs:
            return []
        paths = result.paths
        start = bisect_left(paths, subdirs[0][1] + "/", mark)
        later = result.cut(start, len(paths)) if start < len(paths) else _Files([], [], [], [])
        out: list[tuple[str, str, _Ignores | None, bool] | _Files] = []
        k = 0
        for n, (abs_path, rel) in enumerate(subdirs):
            out.append((abs_path, rel, ignores, forced))
            end = bisect_left(later.paths, subdirs[n + 1][1] + "/", k) if n + 1 < len(subdirs) else len(later.paths)
            if end > k:
                out.append(_Files(*(column[k:end] for column in later)))
            k = end
        return out

    def walk_files(abs_dir: str, rel_dir: str, ignores: _Ignores | None,
                   forced: bool) -> tuple[list[tuple[str, str]], _Ignores | None, bool] | None:
        """The files of one directory that count, added to the result in name order; returns its
        subdirectories (in path order), the ignore stack and whether they must be judged again."""
        gitignore = os.path.join(abs_dir, ".gitignore")
        old = records.get(rel_dir)
        try:
            mtime = os.stat(abs_dir).st_mtime_ns
        except OSError as err:
            skip("unreadable", rel_dir or ".", f"directory not readable: {err.strerror}")
            return None
        sig = _sig(gitignore) if cache is not None else None
        if old is not None and not forced and old.mtime_ns == mtime and old.ignore_sig == sig:
            record = old
        else:
            record = _judge(abs_dir, rel_dir, ignores if ignores is not None else _ignores_above(rel_dir),
                            mtime, sig)
            if record is None:
                return None
            forced = forced or (old is not None and old.ignore_sig != sig)  # the rules below changed
            if cache is not None and record.mtime_ns:
                records[rel_dir] = record
                cache.changed.add(rel_dir)
        for reason, rel, message in record.skips:
            skip(reason, rel, message)
        names, rels, langs = record.names, record.rels, record.langs
        stats = _stat_all(abs_dir, names)
        if stats is not None:
            sizes, mtimes = [st.st_size for st in stats], [st.st_mtime_ns for st in stats]
            if None not in langs and (not sizes or max(sizes) <= options.max_file_bytes) and \
                    list(map(known.get, rels)) == list(zip(sizes, mtimes, strict=True)):  # the common case, column-wise
                result.paths += rels
                result.languages += langs
                result.sizes += sizes
                result.mtimes += mtimes
                return record.subdirs, record.ignores, forced
        for i, (name, rel, language) in enumerate(zip(names, rels, langs, strict=True)):
            abs_path = os.path.join(abs_dir, name)
            if stats is not None:
                st = stats[i]
            else:
                try:
                    st = os.stat(abs_path, follow_symlinks=False)
                except OSError as err:
                    skip("unreadable", rel, f"not readable: {err.strerror or err}")
                    continue
            _content(abs_path, rel, language, st)
        return record.subdirs, record.ignores, forced

    def _judge(abs_dir: str, rel_dir: str, ignores: _Ignores, mtime: int,
               sig: tuple[int, int] | None) -> _DirRecord | None:
        """Apply the name-based rules to a directory's entries (symlinks are judged on every scan)."""
        try:
            entries = sorted(os.scandir(abs_dir), key=lambda e: e.name)  # the files in path order
        except OSError as err:
            skip("unreadable", rel_dir or ".", f"directory not readable: {err.strerror}")
            return None
        if any(e.name == ".gitignore" for e in entries):
            ignores = ignores.descend(rel_dir, _read_ignore(Path(abs_dir) / ".gitignore"))
        record = _DirRecord(mtime, sig, [], [], [], [], [], ignores)
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            if not _is_utf8(entry.name):
                record.skips.append(("bad name", _printable(rel), "skipped: name is not valid UTF-8"))
                continue
            try:
                if entry.is_symlink():
                    record.mtime_ns = 0  # never reuse: a symlink's target can change without a trace here
                    _symlink(entry, rel, ignores)
                elif entry.is_dir(follow_symlinks=False):
                    _directory(entry, rel, ignores, record)
                elif entry.is_file(follow_symlinks=False):
                    _name_rules(entry.name, rel, ignores, record)
            except OSError as err:
                record.skips.append(("unreadable", rel, f"not readable: {err.strerror or err}"))
        record.subdirs.sort(key=lambda d: d[1] + "/")  # `a-b/` comes before `a/`, as their paths do
        return record

    def _directory(entry: os.DirEntry, rel: str, ignores: _Ignores, record: _DirRecord) -> None:
        if entry.name in _VCS_DIRS:
            return
        if excluded(ignores, rel, True):
            record.skips.append(("ignored", rel, None))
        elif not options.include_vendored and entry.name in VENDORED_DIRS:
            record.skips.append(("vendored", rel, None))
        else:
            record.subdirs.append((entry.path, rel))

    def _symlink(entry: os.DirEntry, rel: str, ignores: _Ignores) -> None:
        target = os.path.realpath(entry.path)
        if target != str(root) and not target.startswith(str(root) + os.sep):
            skip("symlink", rel, "symlink points outside the repository; not followed")
            return
        try:
            st = os.stat(entry.path)  # follows; raises ELOOP on cycles
        except OSError as err:
            skip("symlink", rel, f"broken or looping symlink; not followed ({err.strerror})")
            return
        if statmod.S_ISDIR(st.st_mode):  # its target inside the root is walked on its own: no cycles or dupes
            skip("symlink", rel, "symlink to a directory; not followed (its target is indexed at its path)")
        elif statmod.S_ISREG(st.st_mode):
            target_rel = os.path.relpath(target, root).replace(os.sep, "/")
            if (pattern := secret(target_rel)) is not None:  # `notes.txt -> .env`
                skip("secret", rel, f"skipped: secret file (links to {target_rel}, matches {pattern})")
                return
            if (why := _left_out(target_rel)) is not None:
                skip("symlink", rel, f"symlink to a file the rules leave out ({why}: {target_rel}); not followed")
                return
            verdict = _DirRecord(0, None, [], [], [], [], [], ignores)
            _name_rules(entry.name, rel, ignores, verdict)
            for reason, srel, message in verdict.skips:
                skip(reason, srel, message)
            for crel, language in zip(verdict.rels, verdict.langs, strict=True):
                _content(entry.path, crel, language, st)

    def _left_out(target_rel: str) -> str | None:
        """Why the rules leave a symlink's target out (its folders' ignore files, vendored or VCS
        folders, generated names), or None: a link must not bring in what its target's path would not."""
        parts = target_rel.split("/")
        ignores = root_ignores
        for i, part in enumerate(parts[:-1]):
            rel = "/".join(parts[:i + 1])
            if part in _VCS_DIRS:
                return "version control"
            if excluded(ignores, rel, True):
                return "ignored"
            if not options.include_vendored and part in VENDORED_DIRS:
                return "vendored"
            ignores = ignores.descend(rel, _read_ignore(root / rel / ".gitignore"))
        if excluded(ignores, target_rel, False):
            return "ignored"
        return "generated" if generated(target_rel) else None

    def _name_rules(name: str, rel: str, ignores: _Ignores, record: _DirRecord) -> None:
        """The verdicts that depend on the path alone."""
        if (pattern := secret(rel)) is not None:
            record.skips.append(("secret", rel, f"skipped: secret file (matches {pattern})"))
            return
        if (token := path_secret(rel)) is not None:  # its name would carry the token into every output
            record.skips.append(("secret in name", rel, f"skipped: its path holds a token ({token})"))
            return
        # cheap verdicts first: most skipped files of a big tree are of a language we don't index
        language = language_for(rel)
        name = rel.rsplit("/", 1)[-1]
        if language is None and "." in name.lstrip("."):  # only extensionless files may have a shebang
            record.skips.append(("unknown language", rel, None))
        elif excluded(ignores, rel, False):
            record.skips.append(("ignored", rel, None))
        elif generated(rel):
            record.skips.append(("generated", rel, None))
        else:
            record.names.append(name)
            record.rels.append(rel)
            record.langs.append(language)

    def _content(abs_path: str, rel: str, language: str | None, st: os.stat_result) -> None:
        """The verdicts that depend on the file's size and content."""
        if st.st_size > options.max_file_bytes:
            skip("too large", rel, f"skipped: {st.st_size} bytes is over the {options.max_file_bytes}-byte limit")
            return
        if language is not None and known.get(rel) == (st.st_size, st.st_mtime_ns):
            result.add(rel, language, st.st_size, st.st_mtime_ns)
            return
        try:
            with open(abs_path, "rb") as fh:
                head = fh.read(HEAD_BYTES)
        except OSError as err:
            skip("unreadable", rel, f"not readable: {err.strerror}")
            return
        if b"\0" in head:
            skip("binary", rel)
            return
        language = language or language_for(rel, head)
        if language is None:
            skip("unknown language", rel)
            return
        if _marked_generated(head):
            skip("generated", rel, 'skipped: generated (its header says "do not edit")')
            return
        if _minified(abs_path, head, options.max_file_bytes):
            skip("generated", rel, "skipped: looks minified or generated (very long lines)")
            return
        result.add(rel, language, st.st_size, st.st_mtime_ns)
        result.unmatched += known.get(rel) != (st.st_size, st.st_mtime_ns)

    top_ignores = _Ignores([]).descend("", _read_ignore(git_exclude))
    root_ignores = top_ignores.descend("", _read_ignore(root / ".gitignore"))
    stack: list[tuple[str, str, _Ignores | None, bool] | _Files] = [(str(root), "", top_ignores, False)]
    while stack:
        item = stack.pop()
        if isinstance(item, _Files):
            result.extend(item)
        else:
            stack += reversed(walk(*item))
    result.sort()
    # a token in a name (of a skipped link, a too-large file…) is not repeated in the diagnostics
    result.diagnostics = sorted((Diagnostic(redact_path(d.path), redact_path(d.message)) for d in result.diagnostics),
                                key=lambda d: (d.path, d.message))
    return result

