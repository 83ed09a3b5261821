"""The SQLite index of one repository: schema, incremental refresh, queries. The only module that knows SQL.

One database file per repository, outside it by default (user cache dir). WAL mode; every refresh
writes in a single transaction (after all parsing is done, or, in a cold index, while it goes on), so
a killed indexer leaves the previous consistent index. A refresh stats every file, hashes only those
whose size or mtime changed, and re-parses only those whose content hash changed.

    store = Store.open(default_index_path(root))
    stats = store.refresh(root, ScanOptions())
    print(stats.parsed, stats.unchanged, stats.deleted)
    store.definitions_named("bulk_create")
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import itertools
import json
import os
import pickle
import signal
import sqlite3
import threading
import time
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from json.encoder import encode_basestring_ascii
from pathlib import Path
from typing import NamedTuple

from .discovery import cache_dir
from .errors import IndexStateError
from .lexical import MAX_LINE, lexicon_of
from .parse import FileFacts, Import, Reference, parse_source, warm_queries
from .resolve import RepoContext, is_context_file, resolve_import
from .scan import FileStat, ScanCache, ScanOptions, ScanResult, scan_repo

SCHEMA_VERSION = 5  # 5: per-file lexicons (4: twelve more languages, scan verdicts kept); older indexes are rebuilt
PARALLEL_THRESHOLD = 64  # below this many files to parse, a process pool costs more than it saves
POOL_BATCH = 16  # files a pool worker takes at a time
POOL_BATCH_BYTES = 256 * 1024  # ... and at most this much source, in a cold index (a larger file goes alone)
# A file whose mtime is this close to (or after) the start of the scan that indexed it may have changed
# again within the same timestamp tick ("racily clean", as git says): the next refresh hashes it again.
# Two seconds covers the coarsest file systems (FAT) and the kernel's coarse clock for timestamps.
RACY_SLACK_NS = 2_000_000_000
WRITE_BATCH_FILES = 2000  # files whose rows are unpacked and inserted together
# the page cache of a cold bulk load (KiB): with SQLite's default 2 MB, the pages being filled were spilled to
# the WAL and appended again at each change (the commit of a 200k-file index took 9 s and the inserts twice as
# long; with this, 4 s); set for that one transaction
BULK_CACHE_KIB = 32 * 1024
SPOOL_AFTER_FILES = 4000  # a refresh parsing more files keeps the rows of the rest in a temporary file

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, language TEXT NOT NULL, size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL, sha256 TEXT NOT NULL, line_count INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS definitions (
    id INTEGER PRIMARY KEY, file_id INTEGER NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL,
    qualname TEXT NOT NULL, start_line INTEGER NOT NULL, end_line INTEGER NOT NULL,
    signature TEXT NOT NULL, doc TEXT NOT NULL, parent TEXT);
-- one row per (file, name): `lines` lists the 1-based lines of its uses, space-separated
CREATE TABLE IF NOT EXISTS refs (
    file_id INTEGER NOT NULL, name TEXT NOT NULL, uses INTEGER NOT NULL, lines TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS imports (
    file_id INTEGER NOT NULL, module TEXT NOT NULL, names TEXT NOT NULL, line INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS import_targets (file_id INTEGER NOT NULL, target TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS diagnostics (path TEXT NOT NULL, stage TEXT NOT NULL, message TEXT NOT NULL);
-- the scanner's verdicts per directory (scan.ScanCache), valid for the scan state named by meta 'scan_key'
CREATE TABLE IF NOT EXISTS scan_dirs (rel TEXT PRIMARY KEY, record TEXT NOT NULL);
-- each file's chunks and their terms, made where it was parsed (lexical.Lexicon: the columns are its fields)
CREATE TABLE IF NOT EXISTS lexicon (
    file_id INTEGER PRIMARY KEY, chunks BLOB NOT NULL, ranges BLOB NOT NULL, names TEXT NOT NULL,
    terms BLOB NOT NULL, counts BLOB NOT NULL, path_terms INTEGER NOT NULL, variables TEXT NOT NULL,
    variable_chunks BLOB NOT NULL);
"""


# secondary indexes: dropped during a cold bulk load and built once after it (much faster than upkeep)
_INDEXES = {
    "definitions_file": "CREATE INDEX IF NOT EXISTS definitions_file ON definitions(file_id)",
    "definitions_name": "CREATE INDEX IF NOT EXISTS definitions_name ON definitions(name)",
    "definitions_qualname": "CREATE INDEX IF NOT EXISTS definitions_qualname ON definitions(qualname)",
    "refs_file": "CREATE INDEX IF NOT EXISTS refs_file ON refs(file_id)",
    "refs_name": "CREATE INDEX IF NOT EXISTS refs_name ON refs(name)",
    "imports_file": "CREATE INDEX IF NOT EXISTS imports_file ON imports(file_id)",
    "import_targets_file": "CREATE INDEX IF NOT EXISTS import_targets_file ON import_targets(file_id)",
}


def default_index_path(root: Path) -> Path:
    """Where a repository's index lives unless configured: $CONTEXTPACK_INDEX_DIR or the user cache dir."""
    key = hashlib.sha256(str(root).encode()).hexdigest()[:16]
    return cache_dir() / f"{root.name or 'root'}-{key}.sqlite"


@dataclass
class RefreshStats:
    scanned: int = 0
    unchanged: int = 0
    touched: int = 0  # mtime changed, content did not: re-hashed, not re-parsed
    parsed: int = 0
    added: int = 0
    deleted: int = 0
    diagnostics: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    changed: list[str] = field(default_factory=list)  # paths added, edited or deleted by this refresh
    finished_at: float = 0.0  # time.time() when it ended


@dataclass(frozen=True)
class FileRow:
    path: str
    language: str
    size: int
    sha256: str
    line_count: int


@dataclass(frozen=True)
class DefinitionRow:
    path: str
    name: str
    kind: str
    qualname: str
    start_line: int
    end_line: int
    signature: str
    doc: str
    parent: str | None


# tables whose row counts `stats` shows, kept in meta by every writing refresh (COUNT(*) of the millions of rows of
# a 200k-file index took a quarter of a second, on every `contextpack index` and `stats`)
_COUNTED = ("definitions", "imports", "import_targets")


@dataclass
class _Totals:
    uses: int  # of every reference
    languages: dict[str, int]  # files by language
    rows: dict[str, int]  # table of _COUNTED → its rows


class _Rows(NamedTuple):
    """One file's facts as the rows the store writes, packed into one pickled string: cheap to send back
    from a worker process (a tuple of a string and two small values pickles in a few microseconds), kept
    as it came in the refresh's spool, and unpickled once, when written (as tuples, 200k files' rows took
    gigabytes)."""

    packed: bytes  # pickle of (definitions, refs as (name, uses, "line line …"), imports as (module, names
    # JSON, line), the lexicon's columns (lexical.Lexicon.row()), the files its imports resolve to (sorted) or
    # None when not resolved where parsed)
    diagnostics: list[str]
    line_count: int

    @classmethod
    def of(cls, facts: FileFacts, data: bytes, targets: list[str] | None = None) -> _Rows:
        lines: dict[str, list[str]] = {}
        for name, line in facts.references:
            if name in lines:
                lines[name].append(str(line))
            else:
                lines[name] = [str(line)]
        # the definitions a reader of the index gets (well-formed lines, by start line), as the lexicon sees them
        defs = sorted((d for d in facts.definitions if 1 <= d.start_line <= d.end_line <= MAX_LINE),
                      key=lambda d: d.start_line)
        rows = ([(d.name, d.kind, d.qualname, d.start_line, d.end_line, d.signature, d.doc, d.parent)
                 for d in facts.definitions],
                [(n, len(ls), " ".join(ls)) for n, ls in lines.items()],
                [(i.module, _json_names(i.names), i.line) for i in facts.imports],
                lexicon_of(facts.path, data, defs).row(), targets)
        return cls(pickle.dumps(rows, protocol=pickle.HIGHEST_PROTOCOL), facts.diagnostics, facts.line_count)

    def load(self) -> _Rows:
        return self

    def unpack(self) -> tuple[list[tuple], list[tuple[str, int, str]], list[tuple[str, str, int]], tuple,
                              list[str] | None]:
        """(definitions, refs, imports, lexicon columns, import targets or None); `packed` is only ever made
        by `of`, in this process or a worker."""
        return pickle.loads(self.packed)


def _json_names(names: tuple[str, ...]) -> str:
    """`json.dumps(list(names))`, without making an encoder per import (a fifth of the packing)."""
    return f"[{', '.join(map(encode_basestring_ascii, names))}]"


@dataclass(frozen=True)
class _Spilled:
    """A file's `_Rows`, written to the refresh's spool: what the refresh reads of it before writing, and
    where the rest is."""

    spool: _Spool
    offset: int
    length: int
    line_count: int
    diagnostics: list[str]

    def load(self) -> _Rows:
        return _Rows(self.spool.read(self.offset, self.length), self.diagnostics, self.line_count)


class _Spool:
    """A temporary file for the parsed rows of a large refresh, which are all written in one transaction
    at the end: a cold index of 200k files held about a gigabyte of them otherwise. A file's packed rows
    go in as they came from its worker (no second pickling)."""

    def __init__(self) -> None:
        self._file = None
        self._kept = 0
        self._end = 0

    def keep(self, result: tuple[str, str, _Rows | None, str | None]) -> tuple:
        rel, sha, rows, error = result
        if rows is None:
            return result
        self._kept += 1
        if self._kept <= SPOOL_AFTER_FILES:
            return result
        if self._file is None:
            import tempfile

            self._file = tempfile.TemporaryFile()
        offset = self._end
        self._file.seek(offset)
        self._end += self._file.write(rows.packed)
        return rel, sha, _Spilled(self, offset, len(rows.packed), rows.line_count, rows.diagnostics), error

    def read(self, offset: int, length: int) -> bytes:
        self._file.seek(offset)
        return self._file.read(length)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


def _batches(sizes: list[int], size: int) -> list[list[int]]:
    """The jobs (by index) in batches of about `size` for pool workers: the biggest files first, and no
    two of the biggest in one batch (three large amalgamated sources in one batch kept one worker busy
    while the other idled)."""
    by_size = sorted(range(len(sizes)), key=lambda k: (-sizes[k], k))
    n = -(-len(sizes) // size)
    return [by_size[c::n] for c in range(n)]


def _ordered_batches(sizes: list[int], size: int, max_bytes: int) -> list[list[int]]:
    """The jobs (by index) in their order, in runs of at most `size` files and `max_bytes` bytes (a larger
    file alone): a cold index writes each batch's rows as it comes back, in path order (the ids of a
    file-by-file write), and no batch holds two big files."""
    out: list[list[int]] = []
    batch: list[int] = []
    held = 0
    for k, n in enumerate(sizes):
        if batch and (len(batch) == size or held + n > max_bytes):
            out.append(batch)
            batch, held = [], 0
        batch.append(k)
        held += n
    return out + [batch] if batch else out


def _pool_method(jobs: int) -> str | None:
    """How a refresh reads and parses this many files: in this process (None: few files, or one CPU), or in
    a pool of processes, forked when this is the only thread (spawn/forkserver re-import the caller's
    __main__, which breaks scripts without an `if __name__ == "__main__":` guard), from a fork server
    otherwise (a forked child of a threaded process, a server, can inherit a lock another thread held)."""
    if jobs < PARALLEL_THRESHOLD or (os.cpu_count() or 1) < 2:
        return None
    return "fork" if threading.active_count() == 1 else "forkserver"


class _Outcome:
    """The workers' results (in job order, as they come) sorted into what the write needs. `rows()` yields
    the parsed files' rows; `parsed`, `read_errors` and `stat_only` are complete once it is exhausted."""

    def __init__(self, files: list[FileStat], results: Iterable[tuple[str, str, _Rows | None, str | None]]):
        self._results = zip(results, files, strict=True)
        self.parsed: list[tuple[FileStat, str, list[str]]] = []  # (file, sha256, diagnostics)
        self.read_errors: list[tuple[str, str]] = []  # (path, why)
        self.stat_only: list[tuple[int, str]] = []  # (mtime_ns, path): same content, new mtime

    def rows(self) -> Iterator[tuple[FileStat, str, _Rows]]:
        for (rel, sha, rows, error), f in self._results:
            if error is not None:
                self.read_errors.append((rel, error))
            elif rows is None:
                self.stat_only.append((f.mtime_ns, rel))
            else:
                self.parsed.append((f, sha, rows.diagnostics))
                yield f, sha, rows


# a forked pool worker's: the repository's context its files' imports are resolved against (see `_start_worker`)
_worker_context: RepoContext | None = None


def _start_worker(ctx: RepoContext | None) -> None:
    """A pool worker's start: it dies with its parent, and resolves imports against `ctx` (inherited, not
    pickled: only given to forked workers) when given."""
    global _worker_context
    _die_with_parent()
    _worker_context = ctx


def _work_batch(jobs: list[tuple[str, str, str, str | None]]) -> list[tuple[str, str, _Rows | None, str | None]]:
    return [_work(job, _worker_context) for job in jobs]


def _parse(jobs: list, batches: list[list[int]], progress: Callable[[int, int], None] | None,
           ctx: RepoContext | None, method: str | None) -> Iterator[tuple[int, tuple]]:
    """(job index, its worker's result) of every job: in this process, in job order (`method` None), or
    in a pool's processes started by `method`, a batch of `batches` per task, yielded batch by batch in
    that order. `ctx` reaches forked workers only (see `_pool_method`)."""
    total = len(jobs)
    if progress:
        progress(0, total)
    if method is None:
        for k, job in enumerate(jobs):
            yield k, _work(job, ctx)
            if progress:
                progress(k + 1, total)
        return
    from concurrent.futures import ProcessPoolExecutor  # only a large refresh needs a pool
    from multiprocessing import get_context

    if method == "fork":  # forked workers inherit the compiled queries
        warm_queries({job[2] for job in jobs})
    pool = ProcessPoolExecutor(min(os.cpu_count() or 2, 8), mp_context=get_context(method),
                               initializer=_start_worker, initargs=(ctx if method == "fork" else None,))
    finished = False
    try:
        done = 0
        for batch, results in zip(batches, pool.map(_work_batch, [[jobs[k] for k in b] for b in batches]),
                                  strict=True):
            yield from zip(batch, results, strict=True)
            done += len(batch)
            if progress:
                progress(done, total)
        finished = True
    finally:  # a consumer that stops early (an error, Ctrl-C) does not wait for the rest to be parsed
        pool.shutdown(wait=finished, cancel_futures=not finished)


def _work(job: tuple[str, str, str, str | None],
          ctx: RepoContext | None = None) -> tuple[str, str, _Rows | None, str | None]:
    """Worker: read, hash and (if the content changed) parse one file; with `ctx` (a cold index: the file
    set is the one scanned), resolve its imports too, which then need not be read back and resolved one by
    one after the write. Raises only if resolving does (as the store's own resolution would)."""
    abs_path, rel, language, old_sha = job
    try:
        with open(abs_path, "rb") as fh:
            data = fh.read()
    except OSError as err:
        return rel, "", None, f"not readable: {err.strerror or err}"
    sha = hashlib.sha256(data).hexdigest()
    if sha == old_sha:
        return rel, sha, None, None
    try:
        facts = parse_source(rel, language, data)
    except Exception as err:  # a grammar bug must not fail the whole index
        return rel, sha, _unparsed(rel, language, data, err, ctx), None
    targets = None if ctx is None else _targets(rel, language, facts.imports, ctx)
    try:
        return rel, sha, _Rows.of(facts, data, targets), None
    except Exception as err:
        return rel, sha, _unparsed(rel, language, data, err, ctx), None


def _unparsed(rel: str, language: str, data: bytes, err: Exception, ctx: RepoContext | None) -> _Rows:
    """The rows of a file whose parsing failed: no symbols, and a diagnostic that says why."""
    facts = FileFacts(path=rel, language=language, line_count=data.count(b"\n") + 1)
    facts.diagnostics.append(f"parser failed ({type(err).__name__}: {err}); indexed without symbols")
    return _Rows.of(facts, data, None if ctx is None else [])


def _targets(path: str, language: str, imports: list[Import], ctx: RepoContext) -> list[str]:
    """The files `imports` of `path` resolve to, sorted: the import_targets rows of the file, as `_resolve`
    makes them from its stored imports (their names round-trip through JSON as the same tuple)."""
    return sorted({t for imp in imports for t in resolve_import(path, language, imp, ctx)})


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """The cyclic collector paused: a refresh makes a few small objects per file (tuples, strings, stat results),
    none in a cycle, and the collector would traverse all of them again and again (a fifth of a no-op
    refresh at 200k files), and once more when it is enabled again while they live (75 ms): so the pause
    lasts until they are freed."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _sha_of(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


# ---- reading an untrusted index ------------------------------------------------------------------------
# An index is a file anything may have written (a crafted one, one damaged by hand): each query reads only
# rows of the types and shapes the writer makes (checked in SQL, so the cost is a few comparisons a row) and
# skips the rest, so a row can neither crash a reader nor name a path outside the root.

# MAX_LINE (lexical's): no indexed file has more lines (max_file_bytes); a larger line number is crafted
_FILE_OK = ("typeof({f}.path)='text' AND {f}.path<>'' AND substr({f}.path,1,1)<>'/' "
            "AND instr('/'||{f}.path||'/','/../')=0 AND instr('/'||{f}.path||'/','/./')=0 "
            "AND instr({f}.path,char(0))=0 AND typeof({f}.language)='text' AND typeof({f}.size)='integer' "
            "AND typeof({f}.sha256)='text' AND typeof({f}.line_count)='integer' "
            f"AND {{f}}.line_count BETWEEN 0 AND {MAX_LINE}")
_DEF_OK = ("typeof(d.name)='text' AND typeof(d.kind)='text' AND typeof(d.qualname)='text' "
           "AND typeof(d.start_line)='integer' AND typeof(d.end_line)='integer' "
           f"AND d.start_line BETWEEN 1 AND d.end_line AND d.end_line <= {MAX_LINE} "
           "AND typeof(d.signature)='text' AND typeof(d.doc)='text' AND (d.parent IS NULL OR typeof(d.parent)='text')")
_REF_OK = "typeof(r.name)='text' AND typeof(r.uses)='integer' AND typeof(r.lines)='text'"
_IMPORT_OK = "typeof(i.module)='text' AND typeof(i.names)='text' AND typeof(i.line)='integer'"


def _files_ok(alias: str = "f") -> str:
    return _FILE_OK.format(f=alias)


def _line_numbers(text: str) -> list[int]:
    """The line numbers of a refs row ("3 17 42"); anything else in it is skipped."""
    return [int(w) for w in text.split() if w.isascii() and w.isdigit() and 0 < int(w) <= MAX_LINE]


def _names(text: str) -> tuple[str, ...] | None:
    """The imported names of an imports row (a JSON list of strings), or None when it is not one."""
    try:
        names = json.loads(text)
    except ValueError:
        return None
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        return None
    return tuple(names)


def _die_with_parent() -> None:
    """Pool workers end when the indexer dies (even by SIGKILL) instead of waiting forever (Linux)."""
    import ctypes

    try:
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


# ---- opening only what contextpack made -----------------------------------------------------------------

APPLICATION_ID = 0x63707831  # "cpx1" in the SQLite header: this database was made by contextpack
SQLITE_TIMEOUT = 5.0  # seconds to wait for another writer before "locked"
_SQLITE_MAGIC = b"SQLite format 3\0"
_TABLES = ("meta", "files", "definitions", "refs", "imports", "import_targets", "diagnostics", "scan_dirs", "lexicon")


def _is_our_index(path: Path) -> bool:
    """False if `path` does not exist; True if it is an index contextpack made; otherwise an
    IndexStateError that names what the file is (and never suggests deleting it)."""
    if not os.path.lexists(path):
        return False
    if path.is_dir():
        raise IndexStateError(f"index path {path} is a directory; give a file path such as {path / 'index.sqlite'}")
    if not path.is_file():
        raise IndexStateError(f"index path {path} is not a regular file; choose another --index path")
    with open(path, "rb") as fh:
        header = fh.read(100)
    if not header.startswith(_SQLITE_MAGIC) or len(header) < 100:
        raise IndexStateError(f"{path} is not a contextpack index (it is not an SQLite database); "
                              f"contextpack will not overwrite it: choose another --index path")
    if int.from_bytes(header[68:72], "big") == APPLICATION_ID or _is_legacy_index(path):
        return True
    raise IndexStateError(f"{path} is an SQLite database that contextpack did not create; "
                          f"contextpack will not change it: choose another --index path")


def _is_legacy_index(path: Path) -> bool:
    """An index written before the header stamp: our schema version and a `meta` row naming its root."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=SQLITE_TIMEOUT)
        try:
            if not 1 <= conn.execute("PRAGMA user_version").fetchone()[0] <= SCHEMA_VERSION:
                return False
            return conn.execute("SELECT 1 FROM meta WHERE key='root'").fetchone() is not None
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return False


def _create_index(path: Path) -> None:
    """Make a stamped, empty index beside `path`, then link it into place (never over an existing file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.new")
    tmp.unlink(missing_ok=True)
    conn = sqlite3.connect(tmp, isolation_level=None)
    try:
        conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
        conn.execute("PRAGMA journal_mode=WAL")
    finally:
        conn.close()
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass  # another contextpack created it first
    finally:
        tmp.unlink(missing_ok=True)


def describe_db_error(path: Path | str, err: sqlite3.Error) -> str:
    """One line naming the real cause; only a damaged index (which contextpack made) is to be deleted."""
    text = str(err)
    low = text.lower()
    if "locked" in low or "busy" in low:
        return f"index {path} is locked by another process ({text}); try again when it finishes"
    if "readonly" in low or "read-only" in low:
        return f"index {path} is read-only ({text}); make it writable or choose another --index path"
    if "full" in low:
        return f"no space left for index {path} ({text}); free some disk space or choose another --index path"
    if "unable to open" in low or "i/o" in low:
        return f"cannot open index {path} ({text}); check that its directory exists and is writable"
    return f"index {path} is damaged ({text}); delete this file (contextpack made it) to rebuild"


class Store:
    def __init__(self, conn: sqlite3.Connection, path: Path):
        self.conn = conn
        self.path = path
        self._ctx: RepoContext | None = None
        self._scan_cache = ScanCache()  # directory verdicts reused by the next refresh of this root
        self._lock = threading.Lock()

    @classmethod
    def open(cls, path: Path) -> Store:
        """The index at `path`, created if missing. A file contextpack did not create is never changed."""
        try:
            if not _is_our_index(path):
                _create_index(path)
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=SQLITE_TIMEOUT)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise IndexStateError(
                    f"index {path} was written by a newer contextpack (schema {version}); "
                    f"upgrade contextpack or delete the file")
            if version < SCHEMA_VERSION:  # our own older cache: rebuilt, not migrated
                conn.executescript("".join(f"DROP TABLE IF EXISTS {t};" for t in _TABLES))
            conn.executescript(_SCHEMA)
            for ddl in _INDEXES.values():
                conn.execute(ddl)
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            conn.execute(f"PRAGMA application_id={APPLICATION_ID}")  # stamps a legacy index of ours
        except sqlite3.DatabaseError as err:
            raise IndexStateError(describe_db_error(path, err)) from None
        except OSError as err:
            raise IndexStateError(f"cannot use index at {path}: {err.strerror or err}") from None
        return cls(conn, path)

    @classmethod
    def open_reader(cls, path: Path, pinned: bool = True) -> Store:
        """A read-only view. Pinned: to the index state committed now, by a read transaction that stays
        open until `close`, so every query sees that one state however many refreshes commit meanwhile
        (WAL). Not pinned: each query sees the latest committed state."""
        try:
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None,
                                   check_same_thread=False)
            if pinned:
                conn.execute("BEGIN")
                conn.execute("SELECT COUNT(*) FROM meta").fetchone()  # the first read fixes the snapshot
        except sqlite3.DatabaseError as err:
            raise IndexStateError(f"index {path} can't be read ({err})") from None
        return cls(conn, path)

    def close(self) -> None:
        self.conn.close()

    # ---- refresh -------------------------------------------------------------------------------

    def refresh(self, root: Path, options: ScanOptions | None = None,
                progress: Callable[[int, int], None] | None = None, recheck: Iterable[str] = ()) -> RefreshStats:
        """Bring the index in line with the tree on disk; one transaction; returns what it did.

        A file whose size and mtime match its row is taken as unchanged, unless it is racily clean (its
        mtime not older than the scan that indexed it, less RACY_SLACK_NS) or named in `recheck` (a pack
        saw its content differ): those are hashed again, so an edit that keeps size and mtime is found."""
        spool = _Spool()
        try:
            with _gc_paused():  # to the end: what the refresh made is freed before the collector sees it
                return self._refresh(root, options, progress, recheck, spool)
        finally:
            spool.close()

    def _refresh(self, root: Path, options: ScanOptions | None, progress: Callable[[int, int], None] | None,
                 recheck: Iterable[str], spool: _Spool) -> RefreshStats:
        options = options or ScanOptions()
        started = time.perf_counter()
        scan_started_ns = time.time_ns()
        racy_from = int(self.meta("scan_started_ns") or 0) - RACY_SLACK_NS
        recheck = set(recheck)
        shas: dict[str, str] = {}  # path → sha256 as indexed, read when a file must be hashed again

        def sha_of_known(path: str) -> str | None:
            if not shas:
                shas.update(self.conn.execute(f"SELECT path, sha256 FROM files f WHERE {_files_ok()}"))
            return shas.get(path)

        # every row with a text path, checked or not: one the scan does not find (crafted: out of the root) is
        # deleted like any file gone (the full check costs a third of a no-op refresh); in no order: the scan's
        # paths are distinct, so as many paths all found in `known` are the same set (sorting cost 0.03 s at 200k)
        known = {path: (size, mtime) for path, size, mtime in self.conn.execute(
            "SELECT path, size, mtime_ns FROM files WHERE typeof(path)='text'")}
        if not self._scan_cache.key and (key := self.meta("scan_key")):  # a new process: last verdicts
            self._scan_cache.load(root, key, self.conn.execute("SELECT rel, record FROM scan_dirs"))
        scan = scan_repo(root, options, known, self._scan_cache)
        paths, n = scan.paths, len(scan.paths)
        stats = RefreshStats(scanned=n, skipped=dict(scan.skipped))
        if n == len(known) and (not scan.unmatched or  # the scan compared each file's stat already
                                list(map(known.get, paths)) == list(zip(scan.sizes, scan.mtimes, strict=True))):
            # the common case, decided on whole columns: the same files with the same sizes and mtimes;
            # only the racily clean ones and those named in `recheck` are looked at one by one
            deleted: list[str] = []
            racy_files = {i for i, m in enumerate(scan.mtimes) if m >= racy_from} \
                if n and max(scan.mtimes) >= racy_from else set()
            check = sorted(racy_files |
                           {i for i in map(partial(bisect_left, paths), recheck) if i < n and paths[i] in recheck})
        else:
            deleted = sorted(known.keys() - set(paths))
            check = range(n)
        jobs, job_files = [], []
        racy = 0  # racily clean files hashed again, unchanged, that will be clean once this scan is recorded
        for i in check:
            f = FileStat(paths[i], scan.languages[i], scan.sizes[i], scan.mtimes[i])
            old = known.get(f.path)
            if old is not None and old[0] == f.size and old[1] == f.mtime_ns:
                if (f.mtime_ns < racy_from and f.path not in recheck) or \
                        _sha_of(root / f.path) == sha_of_known(f.path):
                    racy += racy_from <= f.mtime_ns < scan_started_ns - RACY_SLACK_NS
                    continue
            jobs.append((str(root / f.path), f.path, f.language, sha_of_known(f.path) if old else None))
            job_files.append(f)
        stats.unchanged = n - len(jobs)  # every file looked at that is not a job is unchanged
        sizes = [f.size for f in job_files]
        method = _pool_method(len(jobs))
        cold = not known and len(jobs) >= PARALLEL_THRESHOLD
        # a cold index: the files are the ones scanned, so the workers can resolve imports as they parse
        ctx = RepoContext.build([f.path for f in job_files], self._reader(root)) if cold else None
        resolved = ctx is not None and method != "forkserver"  # a fork server's workers are not given it
        if cold and self._begin_at_once():
            # pipelined: the rows of each batch of files are written as it comes back (in path order) while
            # the workers parse the next ones; written after the parse, they took a sixth of a 200k-file index
            parsing = _parse(jobs, _ordered_batches(sizes, POOL_BATCH, POOL_BATCH_BYTES), progress, ctx, method)
            try:
                if self.conn.execute("SELECT 1 FROM files LIMIT 1").fetchone() is None:
                    outcome = _Outcome(job_files, (result for _, result in parsing))
                    self._write(root, scan, stats, outcome, outcome.rows(), deleted, known, {}, ctx, resolved,
                                scan_started_ns, bulk=True)
                    self.conn.execute("COMMIT")
                    return self._written(stats, started, bulk=True)
            except BaseException:
                parsing.close()  # stops the pool now, not when the generator is collected
                self._rollback()
                raise
            self.conn.execute("ROLLBACK")  # another refresh committed meanwhile: not cold after all
        out: list = [None] * len(jobs)
        for k, result in _parse(jobs, _batches(sizes, POOL_BATCH), progress, ctx, method):
            out[k] = spool.keep(result)
        outcome = _Outcome(job_files, out)
        rows = list(outcome.rows())  # all of them now: whether anything changed decides what follows
        scan_diags = sorted([(d.path, d.message) for d in scan.diagnostics] + outcome.read_errors)
        if not (rows or deleted or outcome.read_errors or outcome.stat_only) and self.meta("root") == str(root) \
                and scan_diags == [tuple(r) for r in self.conn.execute(
                    "SELECT path, message FROM diagnostics WHERE stage='scan' ORDER BY path, message")]:
            uncounted = self._totals() is None  # kept by an older contextpack: counted once, then kept
            if racy or self._scan_cache.changed or self._scan_cache.reset or uncounted:
                with self._transaction():
                    self._save_scan_cache(root)
                    if uncounted:
                        self._keep_totals(self._counted(Counter(scan.languages)), self.meta("refreshed_at") or "")
                    if racy:  # confirmed clean: from now on only files newer than this scan are racy
                        self.conn.execute("INSERT OR REPLACE INTO meta VALUES ('scan_started_ns', ?)",
                                          (str(scan_started_ns),))
            stats.diagnostics = self.conn.execute("SELECT COUNT(*) FROM diagnostics").fetchone()[0]
            stats.seconds = time.perf_counter() - started
            return stats  # nothing changed: no write (but that one mark), no WAL growth

        with self._transaction():
            # re-read under the write lock: another refresh may have committed while this one parsed
            fresh = dict(self.conn.execute("SELECT path, id FROM files"))
            bulk = not fresh and len(rows) >= PARALLEL_THRESHOLD
            self._write(root, scan, stats, outcome, rows, deleted, known, fresh, ctx, resolved, scan_started_ns, bulk)
        return self._written(stats, started, bulk)

    def _begin_at_once(self) -> bool:
        """Open the write transaction if no other writer holds the lock (a pipelined cold index holds it while
        it parses); False, without waiting, if one does."""
        self.conn.execute("PRAGMA busy_timeout=0")
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            return True
        except sqlite3.OperationalError:
            return False
        finally:
            self.conn.execute(f"PRAGMA busy_timeout={int(SQLITE_TIMEOUT * 1000)}")

    def _write(self, root: Path, scan: ScanResult, stats: RefreshStats, outcome: _Outcome,
               rows: Iterable[tuple[FileStat, str, _Rows]], deleted: list[str], known: dict[str, tuple],
               fresh: dict[str, int], ctx: RepoContext | None, resolved: bool, scan_started_ns: int,
               bulk: bool) -> None:
        """The writes of a refresh, in the caller's transaction. `fresh`: the index's path → id as of the lock;
        `rows`: the parsed files' rows, written as they come (a pipelined cold index: while the workers
        still parse, so `outcome` is complete only once they are all written); `bulk`: an empty index
        filled (its secondary indexes built once at the end)."""
        c = self.conn
        current = set(scan.paths)
        unreadable_before = {rel for rel, _ in outcome.read_errors}
        gone_ids = [i for p, i in fresh.items() if p not in current or p in unreadable_before]
        changed_ids = [fresh[f.path] for f, _, _ in outcome.parsed if f.path in fresh]
        if bulk:
            cache_size = c.execute("PRAGMA cache_size").fetchone()[0]
            c.execute(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")
            for name in _INDEXES:
                c.execute(f"DROP INDEX IF EXISTS {name}")
        totals = self._totals() if fresh else _Totals(0, {}, dict.fromkeys(_COUNTED, 0))
        if totals is not None:
            totals.uses -= self._uses_of(gone_ids + changed_ids)
        delta = Counter()  # rows of each table added less those deleted
        delta.subtract(self._delete_facts(gone_ids + changed_ids))
        c.executemany("DELETE FROM files WHERE id=?", [(i,) for i in gone_ids])
        # the workers' import targets hold when the files written are the ones their context was built of
        # (a file that turns out unreadable is not written: then every import is resolved again below)
        with_targets = resolved and bulk and not outcome.read_errors
        if with_targets:
            delta["import_targets"] -= c.execute("DELETE FROM import_targets").rowcount
        uses, inserted = self._write_files(rows, with_targets)
        delta.update(inserted)
        c.executemany("UPDATE files SET mtime_ns=? WHERE path=?", outcome.stat_only)
        if bulk:
            for ddl in _INDEXES.values():
                c.execute(ddl)
        unreadable = [rel for rel, _ in outcome.read_errors]
        stats.parsed = len(outcome.parsed)
        stats.added = sum(1 for f, _, _ in outcome.parsed if f.path not in known)
        stats.touched = len(outcome.stat_only)
        stats.deleted = len(deleted)
        stats.changed = sorted({f.path for f, _, _ in outcome.parsed} | set(deleted) | set(unreadable))
        if with_targets and not unreadable:
            self._ctx = ctx
        else:
            paths_changed = bool(deleted or unreadable or stats.added)
            delta.update(self._resolve(root, None if paths_changed else [f.path for f, _, _ in outcome.parsed]))
        self._save_scan_cache(root)
        c.execute("DELETE FROM diagnostics WHERE stage='scan'")
        c.executemany("DELETE FROM diagnostics WHERE path=? AND stage='parse'",
                      [(p,) for p in deleted + unreadable] + [(f.path,) for f, _, _ in outcome.parsed])
        c.executemany("INSERT INTO diagnostics VALUES (?, 'scan', ?)",
                      sorted([(d.path, d.message) for d in scan.diagnostics] + outcome.read_errors))
        c.executemany("INSERT INTO diagnostics VALUES (?, 'parse', ?)",
                      [(f.path, m) for f, _, diagnostics in outcome.parsed for m in diagnostics])
        digest = hashlib.sha256("".join(
            f"{p}\0{s}\n" for p, s in c.execute("SELECT path, sha256 FROM files ORDER BY path")
        ).encode()).hexdigest()
        unreadable_set = set(unreadable)
        languages = Counter(lang for p, lang in zip(scan.paths, scan.languages, strict=True) if p not in unreadable_set)
        if totals is None:
            totals = self._counted(languages)
        else:
            totals.uses += uses
            totals.rows = {table: totals.rows[table] + delta[table] for table in _COUNTED}
            totals.languages = languages
        stamp = str(time.time())
        self._keep_totals(totals, stamp)
        c.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", [
            ("root", str(root)), ("digest", digest), ("refreshed_at", stamp),
            ("scan_started_ns", str(scan_started_ns)),
            ("skipped", json.dumps(stats.skipped, sort_keys=True)),
        ])
        if bulk:
            c.execute(f"PRAGMA cache_size={cache_size}")

    def _written(self, stats: RefreshStats, started: float, bulk: bool) -> RefreshStats:
        """`stats` of a refresh that wrote, once it is committed."""
        if bulk:  # the whole index went through the WAL (as large as the index): give that space back
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        stats.diagnostics = self.conn.execute("SELECT COUNT(*) FROM diagnostics").fetchone()[0]
        stats.seconds = time.perf_counter() - started
        stats.finished_at = time.time()
        return stats

    def _save_scan_cache(self, root: Path) -> None:
        """Store the directory verdicts judged since the last save (in the caller's transaction), so the
        next process's refresh need not judge them again."""
        cache = self._scan_cache
        stored = self.conn.execute("SELECT value FROM meta WHERE key='scan_key'").fetchone()
        reset, rows = cache.dump(root, everything=stored is None or stored[0] != cache.key)
        if reset or stored is None or stored[0] != cache.key:
            self.conn.execute("DELETE FROM scan_dirs")
            self.conn.execute("INSERT OR REPLACE INTO meta VALUES ('scan_key', ?)", (cache.key,))
        self.conn.executemany("INSERT OR REPLACE INTO scan_dirs VALUES (?, ?)", rows)

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._rollback()
            raise
        self.conn.execute("COMMIT")

    def _rollback(self) -> None:
        """Undo the open transaction, if SQLite has not already (it rolls back by itself on a full disk)."""
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def _delete_facts(self, ids: list[int]) -> Counter:
        """Deletes the facts of these files; returns the rows deleted from each table."""
        deleted: Counter = Counter()
        for table in ("definitions", "refs", "imports", "import_targets", "lexicon"):
            deleted[table] = self.conn.executemany(f"DELETE FROM {table} WHERE file_id=?", [(i,) for i in ids]).rowcount
        return deleted

    def _totals(self) -> _Totals | None:
        """The totals the last writing refresh left in meta, kept so that `stats` and `index` need not count
        millions of rows at 200k files; None when missing, malformed, or written before the last refresh (or
        by a contextpack that kept fewer of them)."""
        try:
            stamp, uses, langs, rows = json.loads(self.meta("totals") or "null")
            if stamp != self.meta("refreshed_at"):
                return None
            return _Totals(int(uses), {str(lang): int(n) for lang, n in langs},
                           {table: int(rows[table]) for table in _COUNTED})
        except (TypeError, ValueError, KeyError):
            return None

    def _keep_totals(self, totals: _Totals, stamp: str) -> None:
        """Store `totals` as of the refresh stamped `stamp`."""
        self.conn.execute("INSERT OR REPLACE INTO meta VALUES ('totals', ?)", (json.dumps(
            [stamp, totals.uses, sorted(totals.languages.items()), totals.rows], separators=(",", ":"),
            sort_keys=True),))

    def _counted(self, languages: dict[str, int]) -> _Totals:
        """The totals counted from the rows (none kept, or kept by an older version), with the files by
        language the caller has (a refresh: from its scan)."""
        return _Totals(self._all("SELECT COALESCE(SUM(uses), 0) FROM refs")[0][0], dict(languages),
                       {table: self._all(f"SELECT COUNT(*) FROM {table}")[0][0] for table in _COUNTED})

    def _uses_of(self, ids: list[int]) -> int:
        total = 0
        for k in range(0, len(ids), 500):
            batch = ids[k:k + 500]
            total += self.conn.execute(f"SELECT COALESCE(SUM(uses), 0) FROM refs WHERE file_id IN "
                                       f"({','.join('?' * len(batch))})", batch).fetchone()[0]
        return total

    def _write_files(self, parsed: Iterable[tuple[FileStat, str, _Rows]],
                     with_targets: bool = False) -> tuple[int, Counter]:
        """Rows of the parsed files, a few statements per batch of WRITE_BATCH_FILES (a cold index writes 200k
        files, batch by batch as they are parsed): the same rows, in the same order, with the same ids as file
        by file; `with_targets`: their import targets too, as resolved by the workers (in `_resolve`'s order:
        by file id, then target). Returns the uses of their references and the rows inserted into each table."""
        c = self.conn
        inserted: Counter = Counter()
        uses = 0
        parsed = iter(parsed)
        while batch := list(itertools.islice(parsed, WRITE_BATCH_FILES)):
            last_id = c.execute("SELECT COALESCE(MAX(id), 0) FROM files").fetchone()[0]
            c.executemany(
                "INSERT INTO files(path, language, size, mtime_ns, sha256, line_count) VALUES (?,?,?,?,?,?) "
                "ON CONFLICT(path) DO UPDATE SET language=excluded.language, size=excluded.size, "
                "mtime_ns=excluded.mtime_ns, sha256=excluded.sha256, line_count=excluded.line_count",
                [(f.path, f.language, f.size, f.mtime_ns, sha, rows.line_count) for f, sha, rows in batch])
            # new rows take ids above the largest; an updated one keeps its own
            ids = dict(c.execute("SELECT path, id FROM files WHERE id > ?", (last_id,)))
            defs: list[tuple] = []
            refs: list[tuple] = []
            imps: list[tuple] = []
            lexicons: list[tuple] = []
            targets: list[tuple[int, str]] = []
            for f, _, rows in batch:
                fid = ids.get(f.path)
                if fid is None:
                    fid = c.execute("SELECT id FROM files WHERE path=?", (f.path,)).fetchone()[0]
                d, r, i, lex, t = rows.load().unpack()  # unpacked a batch at a time: a cold index has millions
                if with_targets:
                    targets.extend((fid, x) for x in t)
                uses += sum(x[1] for x in r)
                defs.extend((fid, *x) for x in d)
                refs.extend((fid, *x) for x in r)
                imps.extend((fid, *x) for x in i)
                lexicons.append((fid, *lex))
            inserted.update(definitions=len(defs), imports=len(imps), import_targets=len(targets))
            c.executemany("INSERT INTO definitions(file_id, name, kind, qualname, start_line, end_line, "
                          "signature, doc, parent) VALUES (?,?,?,?,?,?,?,?,?)", defs)
            c.executemany("INSERT INTO refs VALUES (?,?,?,?)", refs)
            c.executemany("INSERT INTO imports VALUES (?,?,?,?)", imps)
            c.executemany("INSERT INTO lexicon VALUES (?,?,?,?,?,?,?,?,?)", lexicons)
            c.executemany("INSERT INTO import_targets VALUES (?,?)", targets)
        return uses, inserted

    @staticmethod
    def _reader(root: Path) -> Callable[[str], bytes]:
        """How a RepoContext reads the repository's config files: a file it cannot read is empty."""

        def read(p: str) -> bytes:
            try:
                return (root / p).read_bytes()
            except OSError:
                return b""

        return read

    def _resolve(self, root: Path, paths: list[str] | None) -> Counter:
        """Recompute import targets: of every file when the file set changed, else of `paths` only.
        Returns the change in the number of their rows."""
        c = self.conn
        ids = dict(c.execute("SELECT path, id FROM files"))
        langs = dict(c.execute("SELECT path, language FROM files"))
        read = self._reader(root)

        # the context depends on the file set and a few config files; rebuild only when those change,
        # and then re-resolve every import (a new module path in go.mod changes other files' targets)
        if paths is not None and any(is_context_file(p) for p in paths):
            paths = None
        if paths is None or self._ctx is None:
            self._ctx = RepoContext.build(ids, read)
        ctx = self._ctx
        if paths is None:
            removed = c.execute("DELETE FROM import_targets").rowcount
            rows = c.execute(f"SELECT f.path, i.module, i.names, i.line FROM imports i "
                             f"JOIN files f ON f.id = i.file_id WHERE {_IMPORT_OK} AND {_files_ok()}").fetchall()
        else:
            removed = c.executemany("DELETE FROM import_targets WHERE file_id=?", [(ids[p],) for p in paths]).rowcount
            rows = [r for p in paths for r in c.execute(
                f"SELECT ?, module, names, line FROM imports i WHERE file_id=? AND {_IMPORT_OK}", (p, ids[p]))]
        targets = set()
        for path, module, names, line in rows:
            if (imported := _names(names)) is None:
                continue
            for t in resolve_import(path, langs[path], Import(module, imported, line), ctx):
                targets.add((ids[path], t))
        c.executemany("INSERT INTO import_targets VALUES (?,?)", sorted(targets))
        return Counter(import_targets=len(targets) - removed)

    # ---- queries -------------------------------------------------------------------------------
    # Every query fetches all its rows under the connection's lock: a reader is shared by concurrent packs.

    def _all(self, sql: str, params: tuple = ()) -> list[tuple]:
        with self._lock:
            return self.conn.execute(sql, params).fetchall()

    def meta(self, key: str) -> str | None:
        """One value of the (handful of) meta rows, read from the table itself, not through its key
        index: a damaged index page would answer "no such key" (an index that is not indexed yet). A
        value that is not text was not written by contextpack: no such key."""
        rows = self._all("SELECT key, value FROM meta WHERE typeof(key)='text' AND typeof(value)='text'")
        return dict(rows).get(key)

    def is_empty_index(self) -> bool:
        return self.meta("digest") is None

    def files(self) -> list[FileRow]:
        return [FileRow(*r) for r in self._all(
            f"SELECT path, language, size, sha256, line_count FROM files f WHERE {_files_ok()} ORDER BY path")]

    def shas(self) -> dict[str, str]:
        """path → sha256 of every file, in path order (what `files` gives, without a row object per file)."""
        return dict(self._all(f"SELECT path, sha256 FROM files f WHERE {_files_ok()} ORDER BY path"))

    def lexicons(self) -> Iterator[tuple[str, str, tuple | None]]:
        """(path, language, lexicon columns or None) of every file, in path order; streamed, not all at once."""
        with self._lock:
            cur = self.conn.execute(
                "SELECT f.path, f.language, x.chunks, x.ranges, x.names, x.terms, x.counts, x.path_terms, x.variables, "
                f"x.variable_chunks FROM files f LEFT JOIN lexicon x ON x.file_id = f.id WHERE {_files_ok()} "
                "ORDER BY f.path")
            while rows := cur.fetchmany(4096):
                for r in rows:
                    yield r[0], r[1], (r[2:] if r[2] is not None else None)

    def languages_by_path(self) -> dict[str, str]:
        """path → language of every file, in path order."""
        return dict(self._all(f"SELECT path, language FROM files f WHERE {_files_ok()} ORDER BY path"))

    def file(self, path: str) -> FileRow | None:
        rows = self._all(f"SELECT path, language, size, sha256, line_count FROM files f WHERE path=? AND {_files_ok()}",
                         (path,))
        return FileRow(*rows[0]) if rows else None

    _DEF_SELECT = ("SELECT f.path, d.name, d.kind, d.qualname, d.start_line, d.end_line, d.signature, "
                   f"d.doc, d.parent FROM definitions d JOIN files f ON f.id = d.file_id WHERE {_DEF_OK} "
                   f"AND {_files_ok()} ")

    def definitions(self, path: str | None = None) -> list[DefinitionRow]:
        if path is None:
            rows = self._all(self._DEF_SELECT + "ORDER BY f.path, d.start_line, d.id")
        else:
            rows = self._all(self._DEF_SELECT + "AND f.path=? ORDER BY d.start_line, d.id", (path,))
        return [DefinitionRow(*r) for r in rows]

    def find_definitions(self, query: str, limit: int = 50) -> list[DefinitionRow]:
        """Definitions whose name or qualified name is `query`, or whose qualified name ends with it."""
        rows = self._all(
            self._DEF_SELECT + "AND (d.name=? OR d.qualname=? OR d.qualname LIKE ? ESCAPE '\\') "
            "ORDER BY (d.qualname=?) DESC, f.path, d.start_line LIMIT ?",
            (query, query, "%." + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_"),
             query, limit))
        return [DefinitionRow(*r) for r in rows]

    def references(self, path: str) -> list[Reference]:
        rows = self._all(
            f"SELECT r.name, r.lines FROM refs r JOIN files f ON f.id=r.file_id WHERE f.path=? AND {_REF_OK}", (path,))
        return sorted((Reference(n, ln) for n, lines in rows for ln in _line_numbers(lines)),
                      key=lambda r: (r.line, r.name))

    def reference_lines(self, path: str, names: set[str]) -> set[int]:
        """Lines of `path` that use any of `names` (one query, whatever the size of the file)."""
        if not names:
            return set()
        marks = ",".join("?" * len(names))
        rows = self._all(f"SELECT r.lines FROM refs r JOIN files f ON f.id=r.file_id WHERE f.path=? "
                         f"AND r.name IN ({marks}) AND {_REF_OK}", (path, *sorted(names)))
        return {n for (lines,) in rows for n in _line_numbers(lines)}

    def imports(self, path: str) -> list[Import]:
        return [Import(m, names, ln) for m, n, ln in self._all(
            f"SELECT i.module, i.names, i.line FROM imports i JOIN files f ON f.id=i.file_id "
            f"WHERE f.path=? AND {_IMPORT_OK} ORDER BY i.line, i.module", (path,)) if (names := _names(n)) is not None]

    def import_edges(self) -> list[tuple[str, str]]:
        return self._all(  # a target is a file of the index, or the edge is skipped
            f"SELECT f.path, t.target FROM import_targets t JOIN files f ON f.id=t.file_id "
            f"JOIN files g ON g.path = t.target WHERE {_files_ok()} AND {_files_ok('g')} "
            f"ORDER BY f.path, t.target")

    def _rows(self, sql: str, params: tuple = ()) -> Iterator[tuple]:
        """The rows of a query a few thousand at a time (a large repository has millions): the connection stays
        locked until the caller has read them all."""
        with self._lock:
            cur = self.conn.execute(sql, params)
            while rows := cur.fetchmany(4096):
                yield from rows

    def file_ids(self) -> dict[int, str]:
        """id → path of every file."""
        return dict(self._all(f"SELECT id, path FROM files f WHERE {_files_ok()}"))

    def definition_files(self) -> Iterator[tuple[str, int]]:
        """(name, file id) of every definition, in no particular order, streamed."""
        return self._rows(f"SELECT d.name, d.file_id FROM definitions d WHERE {_DEF_OK}")

    def reference_counts(self, max_definers: int) -> Iterable[tuple[str, str, int]]:
        """(referencing path, name, uses) for names defined in at most `max_definers` files, streamed."""
        return self._rows(
            "WITH defs AS (SELECT name FROM definitions GROUP BY name "
            "  HAVING COUNT(DISTINCT file_id) <= ?) "
            "SELECT f.path, r.name, r.uses FROM refs r JOIN defs USING(name) "
            f"JOIN files f ON f.id = r.file_id WHERE {_REF_OK} AND {_files_ok()} ORDER BY f.path, r.name",
            (max_definers,))

    def definition_names(self) -> list[tuple[str, str]]:
        """(name, path) of every definition, distinct."""
        return self._all(
            f"SELECT DISTINCT d.name, f.path FROM definitions d JOIN files f ON f.id = d.file_id "
            f"WHERE {_DEF_OK} AND {_files_ok()} ORDER BY 1, 2")

    def files_referencing(self, name: str) -> list[str]:
        return [p for (p,) in self._all(
            f"SELECT DISTINCT f.path FROM refs r JOIN files f ON f.id = r.file_id WHERE r.name=? AND {_REF_OK} "
            f"AND {_files_ok()} ORDER BY 1",
            (name,))]

    def diagnostics(self) -> list[tuple[str, str, str]]:
        return self._all("SELECT path, stage, message FROM diagnostics WHERE typeof(path)='text' AND "
                         "typeof(stage)='text' AND typeof(message)='text' ORDER BY path, message")

    def counts(self) -> dict[str, int]:
        totals = self._totals() or self._counted({})
        rows = totals.rows
        return {
            "files": self._all("SELECT COUNT(*) FROM files")[0][0],
            "definitions": rows["definitions"],
            "references": totals.uses,
            "imports": rows["imports"],
            "resolved_imports": rows["import_targets"],
            "diagnostics": self._all("SELECT COUNT(*) FROM diagnostics")[0][0],
        }

    def languages(self) -> dict[str, int]:
        if (totals := self._totals()) is not None:
            return dict(sorted(totals.languages.items(), key=lambda kv: (-kv[1], kv[0])))
        return dict(self._all(
            f"SELECT language, COUNT(*) FROM files f WHERE {_files_ok()} GROUP BY language "
            f"ORDER BY COUNT(*) DESC, language"))
