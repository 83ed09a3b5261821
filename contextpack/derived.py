"""What a snapshot derives from one index state (file graph + PageRank matrix, lexical BM25 index, Python
module map), persisted beside the index so a new process loads it instead of rebuilding it (~5 s on Django).

A cache around the pure build: `load_or_build` returns what `build` would, loading it from the sidecar
`<index file>.derived.npz` when that holds the same state, else building it into the sidecar (the lexical
index written before the graph is built) and then loading it from there: the arrays are read where they
lie in a map of the file, so a process holds only the pages its packs touch.
One state is kept, replaced atomically (a temporary file renamed over it). The key covers the index state
(digest and refresh stamp, read in the snapshot's pinned transaction), the root, this package's code and the
numpy / scipy versions. No pickle: integer and float arrays (`numpy.savez`, loaded with
`allow_pickle=False`) and one JSON document for the strings. The sidecar is untrusted like the index: every
array is checked (types, shapes, bounds, CSR/CSC structure) and anything off means a rebuild, never a crash.
`CONTEXTPACK_DERIVED=off` in the environment turns the sidecar off (neither read nor written).

    d = load_or_build(store, root, index_path)                     # Derived(graph, lexical, modules)
    d.graph.file_rank(), d.lexical.file_scores(["bulk"]), d.modules["django.db"]
    sidecar_path(index_path)                                       # …/repo-1234.sqlite.derived.npz
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import mmap
import os
import struct
import threading
import time
import tokenize
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from glob import escape as glob_escape
from pathlib import Path

import numpy as np

from .graph import Definers, FileGraph, Imports, RepoGraph, Transition
from .heap import trim
from .lexical import BM25, KINDS, ChunkTable, IntLists, LexicalIndex, Lists, Strings, Vocabulary
from .resolve import RepoContext
from .store import Store

FORMAT = 4  # 4: module paths as node numbers; 3: members aligned for mapping; 2: term hashes, not strings
ALIGN = 64  # each member's data starts at a multiple of this in the file (numpy pads its own header to 64)
_PAD_FIELD = 0xD935  # the zip extra field that pads a local header (zipalign's)
ENV = "CONTEXTPACK_DERIVED"  # "off": no sidecar (the benchmark's "before" column; debugging)
MAX_SIDECAR_BYTES = 2 << 30  # a sidecar larger than this is not read (the index would be larger still)
STALE_TEMPORARY_SECONDS = 3600


@dataclass
class Derived:
    graph: RepoGraph
    lexical: LexicalIndex
    modules: dict[str, str]  # Python module name → path
    loaded: bool = False  # from the sidecar, not built


def enabled() -> bool:
    return os.environ.get(ENV, "").strip().lower() not in ("off", "0", "no", "false")


def sidecar_path(index_path: Path) -> Path:
    return index_path.with_name(index_path.name + ".derived.npz")


def build(store: Store, root: Path) -> Derived:
    """The derived state of the index state `store` reads (the pure function the sidecar caches)."""
    trim()  # what the refresh before freed
    lexical = LexicalIndex.build(store)
    trim()
    graph, modules = _graph_of(store, lexical.paths)
    return Derived(graph, lexical, modules)


def _graph_of(store: Store, paths: list[str]) -> tuple[RepoGraph, dict[str, str]]:
    graph = RepoGraph.build(store, paths)
    trim()
    graph.file_rank()  # builds the PageRank transition matrix now, not in the first pack
    return graph, RepoContext.build(graph.paths, lambda _p: b"").python_modules


def load_or_build(store: Store, root: Path, index_path: Path, persist: bool | None = None) -> Derived:
    """`build(store, root)`, from the sidecar when it holds this state; a state built is written there first,
    then served from the sidecar's map like a loaded one (a pack faults in only the pages it reads)."""
    if persist is None:
        persist = enabled()
    key = state_key(store, root) if persist else None
    if key is None:
        return build(store, root)
    path = sidecar_path(index_path)
    trim()  # what the refresh before freed
    loaded = load(path, key, store)
    if loaded is None and _build_into(path, key, store):
        trim()
        loaded = load(path, key, store)
    return loaded if loaded is not None else build(store, root)


@functools.cache
def _code_fingerprint() -> str:
    """This package's source: a different contextpack may derive differently from the same index."""
    h = hashlib.sha256()
    for f in sorted(Path(__file__).parent.glob("*.py")):
        h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


@functools.cache
def _scipy_version() -> str:
    """scipy builds the matrices; a loaded state needs no scipy, so its version is read, not imported."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("scipy")
    except PackageNotFoundError:
        return "?"


def state_key(store: Store, root: Path) -> str | None:
    """What the derived state is a function of; None when the index holds no state yet."""
    digest = store.meta("digest")
    if digest is None:
        return None
    parts = [FORMAT, _code_fingerprint(), np.__version__, _scipy_version(), str(root), store.meta("root"),
             digest, store.meta("refreshed_at")]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


# -- writing -----------------------------------------------------------------------------------------------

def _blob(strings: list[str]) -> np.ndarray:
    """Strings as one NUL-separated UTF-8 array (splitting it back is ~10x faster than JSON)."""
    if any("\0" in x for x in strings):
        raise ValueError("a string holds a NUL")
    return np.frombuffer("\0".join(strings).encode("utf-8", errors="surrogatepass"), dtype=np.uint8)


def _lexical_arrays(lex: LexicalIndex) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """The lexical index's members of the sidecar, and the counts of its string lists for the header."""
    paths_of, _, starts, ends, names, kind_of, lines_ptr, lines = lex.chunks.cols
    if paths_of is not lex.paths:
        raise ValueError("chunks do not refer to the index's paths")
    vocab = lex._chunk_bm25.vocab
    if lex._file_bm25.vocab is not vocab:
        raise ValueError("two vocabularies")
    lists = {"by_name": lex.by_name.keys_, "by_qual_suffix": lex.by_qual_suffix.keys_}
    out: dict[str, np.ndarray] = {
        **{"s_" + k: _blob(v) for k, v in lists.items()},
        "s_chunk_names": np.frombuffer(names.blob, dtype=np.uint8),  # each name ended by NUL
        "c_start": starts, "c_end": ends, "c_kind": kind_of, "c_lines_ptr": lines_ptr, "c_lines": lines,
        "l_chunk_file": np.asarray(lex.chunk_file),
        "l_members_keys": np.array(lex.members.keys_, dtype=np.int32),
        "v_hash": vocab.hashes, "v_id": vocab.ids,
    }
    for name, m in (("l_members", lex.members), ("l_by_name", lex.by_name), ("l_by_qual", lex.by_qual_suffix)):
        out[name + "_ptr"], out[name] = m.ptr, m.flat
    for name, m in (("b_c", lex._chunk_bm25), ("b_f", lex._file_bm25)):
        out[name + "_data"], out[name + "_indices"], out[name + "_indptr"] = m.data, m.indices, m.indptr
        out[name + "_shape"] = np.array((m.n, m.width), dtype=np.int32)
    return out, {**{k: len(v) for k, v in lists.items()}, "chunk_names": len(names)}


def _graph_arrays(g: RepoGraph, modules: dict[str, str],
                  lex_paths: list[str]) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """The graph's and the module map's members of the sidecar (and the lexical index's paths as graph
    nodes), and the counts of their string lists for the header."""
    fg = g.files
    nodes = fg.nodes
    n_paths = len(g.paths)
    if nodes[:n_paths] != g.paths or g._matrix is None or g._matrix[0] != nodes:
        raise ValueError("graph nodes do not start with its paths")
    if g.imports.nodes is not g.paths:
        raise ValueError("import edges do not refer to the graph's paths")
    if g.definers.nodes is not g.paths:
        raise ValueError("definitions do not refer to the graph's paths")
    lists = {"nodes": nodes, "def_names": g.definers.names, "module_names": list(modules)}
    t = g._matrix[1]
    out = {
        **{"s_" + k: _blob(v) for k, v in lists.items()},
        "g_src": fg.src.astype(np.int32), "g_dst": fg.dst.astype(np.int32), "g_weight": fg.weight,
        "g_imp_src": g.imports.src, "g_imp_dst": g.imports.dst,
        "g_def_ptr": g.definers.ptr, "g_def_paths": g.definers.flat,
        "l_paths": np.array([fg.index[p] for p in lex_paths], dtype=np.int32),
        "g_module_paths": np.array([fg.index[p] for p in modules.values()], dtype=np.int32),
        "g_m_data": t.data, "g_m_indices": t.indices, "g_m_indptr": t.indptr,
        "g_m_shape": np.array((len(nodes), len(nodes)), dtype=np.int32),
    }
    return out, {k: len(v) for k, v in lists.items()}


def _header(key: str, n_paths: int, counts: dict[str, int]) -> dict[str, np.ndarray]:
    header = {"key": key, "n_paths": n_paths, "counts": counts}
    return {"header": np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)}


def _arrays(key: str, d: Derived) -> dict[str, np.ndarray]:
    lexical, lexical_counts = _lexical_arrays(d.lexical)
    graph, graph_counts = _graph_arrays(d.graph, d.modules, d.lexical.paths)
    return {**lexical, **graph, **_header(key, len(d.graph.paths), {**lexical_counts, **graph_counts})}


def save(path: Path, key: str, derived: Derived) -> bool:
    """Write the sidecar (atomically replacing the one there); False when it could not be written."""
    return _write(path, lambda zf: _add(zf, _arrays(key, derived)))


def _build_into(path: Path, key: str, store: Store) -> bool:
    """`save(path, key, build(store, root))`, building the lexical index first and writing its arrays before
    the graph is built: the two are never in memory together (~0.3 GB less at the peak at 200k files)."""

    def fill(zf: zipfile.ZipFile) -> None:
        lexical = LexicalIndex.build(store)
        arrays, counts = _lexical_arrays(lexical)
        _add(zf, arrays)
        paths = lexical.paths
        del lexical, arrays
        trim()
        graph, modules = _graph_of(store, paths)
        arrays, more = _graph_arrays(graph, modules, paths)
        _add(zf, {**arrays, **_header(key, len(paths), {**counts, **more})})

    return _write(path, fill)


def _write(path: Path, fill: Callable[[zipfile.ZipFile], None]) -> bool:
    """Write the sidecar with `fill` (atomically replacing the one there); False when it could not be written."""
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    _remove_stale_temporaries(path)
    try:
        with open(tmp, "wb") as f, zipfile.ZipFile(f, "w", zipfile.ZIP_STORED) as zf:
            fill(zf)
        os.replace(tmp, path)
        return True
    except (OSError, ValueError, KeyError, OverflowError):
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        return False


def _add(zf: zipfile.ZipFile, arrays: dict[str, np.ndarray]) -> None:
    """Arrays as members of an .npz (a zip of .npy members, stored), each one's data starting at a multiple of
    ALIGN, so a reader can map the file and use the arrays where they lie (`_members`) instead of copies."""
    f = zf.fp
    for name, a in arrays.items():
        info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
        pad = -(f.tell() + 30 + len(info.filename.encode()) + 4) % ALIGN  # 30: the fixed local header
        info.extra = struct.pack("<HH", _PAD_FIELD, pad) + bytes(pad)
        with zf.open(info, "w") as member:  # streamed: no copy of the array in memory
            np.lib.format.write_array(member, np.ascontiguousarray(a), allow_pickle=False)


class _Mapped(dict):
    """The arrays of a mapped sidecar by name, and the span of the map each lies in. Checking an array reads
    all of it; `release` then drops its pages from this process (the page cache keeps them), so the checks
    do not leave the whole file resident (~300 MB at 200k files): a pack faults back only what it reads."""

    def __init__(self, mm: mmap.mmap):
        super().__init__()
        self.mm = mm
        self.spans: dict[str, tuple[int, int]] = {}

    def release(self, name: str) -> None:
        span = self.spans.get(name)
        if span is None or not hasattr(mmap, "MADV_DONTNEED"):
            return
        start, end = -(-span[0] // mmap.PAGESIZE) * mmap.PAGESIZE, span[1] // mmap.PAGESIZE * mmap.PAGESIZE
        if end > start:  # pages wholly inside this member; nothing has written to them (copy-on-write map)
            self.mm.madvise(mmap.MADV_DONTNEED, start, end - start)


def _members(path: Path) -> _Mapped:
    """The arrays of an .npz as views of a private (copy-on-write) map of the file: nothing is read or copied
    until used, and pages the page cache holds are not duplicated. A member that is compressed, not an
    .npy of plain numbers, or out of the file's bounds is invalid; one not aligned (another writer) is copied."""
    with open(path, "rb") as fh:
        mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_COPY)
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
    out = _Mapped(mm)
    for info in infos:
        off = info.header_offset
        _check(info.compress_type == zipfile.ZIP_STORED and info.filename.endswith(".npy")
               and mm[off:off + 4] == b"PK\x03\x04", f"{info.filename}: not a stored .npy")
        name_len, extra_len = struct.unpack("<HH", mm[off + 26:off + 30])
        start = off + 30 + name_len + extra_len
        end = start + info.file_size
        _check(end <= len(mm), f"{info.filename}: past the end")
        head = io.BytesIO(mm[start:min(end, start + 65536)])
        version = np.lib.format.read_magic(head)
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        try:
            shape, fortran, dtype = read_header(head, max_header_size=65536)
        except (SyntaxError, tokenize.TokenError) as err:  # the header is a Python literal, parsed by numpy
            raise _Invalid(f"{info.filename}: header") from err
        count = int(np.prod(shape, dtype=np.int64))
        _check(not dtype.hasobject and (not fortran or len(shape) <= 1) and
               start + head.tell() + count * dtype.itemsize == end, f"{info.filename}: not an array of numbers")
        a = np.frombuffer(mm, dtype=dtype, count=count, offset=start + head.tell()).reshape(shape)
        name = info.filename[:-4]
        out[name] = a if a.flags.aligned else a.copy()
        out.spans[name] = (start + head.tell(), end)
    return out


def _remove_stale_temporaries(path: Path) -> None:
    """Temporary files of writers that died mid-write (an hour old): the sidecar stays one file."""
    try:
        for tmp in path.parent.glob(glob_escape(path.name) + ".tmp-*"):
            with contextlib.suppress(OSError):
                if time.time() - tmp.stat().st_mtime > STALE_TEMPORARY_SECONDS:
                    tmp.unlink()
    except OSError:
        pass


# -- reading -----------------------------------------------------------------------------------------------

class _Invalid(Exception):
    pass


def _check(ok: bool, what: str) -> None:
    if not ok:
        raise _Invalid(what)


def _ints(z: _Mapped, name: str, bound: int | None = None, length: int | None = None) -> np.ndarray:
    a = z[name]
    _check(a.ndim == 1 and a.dtype.kind in "iu", f"{name}: not a 1-d integer array")
    _check(length is None or len(a) == length, f"{name}: length")
    _check(bound is None or not len(a) or (int(a.min()) >= 0 and int(a.max()) < bound), f"{name}: out of range")
    z.release(name)
    return a


def _ptr(z: _Mapped, name: str, n: int, total: int) -> np.ndarray:
    a = _ints(z, name, length=n + 1)
    _check(int(a[0]) == 0 and int(a[-1]) == total and not (np.diff(a) < 0).any(), f"{name}: not an index pointer")
    return a


def _strs(z: _Mapped, header: dict, name: str, prefix: str = "s_") -> list[str]:
    raw = z[prefix + name]
    _check(raw.ndim == 1 and raw.dtype == np.uint8, f"{name}: not bytes")
    count = header["counts"][name]
    out = raw.tobytes().decode("utf-8", errors="surrogatepass").split("\0") if count else []
    z.release(prefix + name)
    _check(isinstance(count, int) and len(out) == count, f"{name}: count")
    return out


def _sparse(z: _Mapped, name: str, fmt: str, dtype: type,
            shape: tuple[int, int] | None = None) -> tuple[int, int, np.ndarray, np.ndarray, np.ndarray]:
    """(rows, columns, data, indices, indptr) of a CSR or CSC matrix, checked."""
    s = _ints(z, name + "_shape", length=2)
    rows, cols = int(s[0]), int(s[1])
    _check(rows >= 0 and cols >= 0 and (shape is None or (rows, cols) == shape), f"{name}: shape")
    data = z[name + "_data"]
    major, minor = (rows, cols) if fmt == "csr" else (cols, rows)
    _check(data.ndim == 1 and data.dtype == dtype and bool(np.isfinite(data).all()), f"{name}: data")
    z.release(name + "_data")
    indices = _ints(z, name + "_indices", bound=minor, length=len(data))
    return rows, cols, data, indices, _ptr(z, name + "_indptr", major, len(data))


def load(path: Path, key: str, store: Store) -> Derived | None:
    """The derived state in the sidecar at `path` if it is the state `key` names and passes every check."""
    try:
        if path.stat().st_size > MAX_SIDECAR_BYTES:
            return None
        return _restore(_members(path), key, store)
    except (OSError, ValueError, KeyError, TypeError, IndexError, EOFError, zipfile.BadZipFile, _Invalid, struct.error,
            json.JSONDecodeError, UnicodeDecodeError, OverflowError, MemoryError):
        return None


def _restore(z: _Mapped, key: str, store: Store) -> Derived | None:
    raw = z["header"]
    _check(raw.ndim == 1 and raw.dtype == np.uint8, "header")
    header = json.loads(raw.tobytes().decode("utf-8"))
    _check(isinstance(header, dict) and isinstance(header.get("counts"), dict), "header: not an object")
    if header.get("key") != key:
        return None  # another state: rebuild (and replace it)
    kinds: dict[str, str] = {}
    languages = {p: kinds.setdefault(lang, lang) for p, lang in store.languages_by_path().items()}  # one string each
    paths = list(languages)
    nodes = _strs(z, header, "nodes")
    n_paths = header["n_paths"]
    _check(isinstance(n_paths, int) and n_paths == len(paths) and nodes[:n_paths] == paths, "nodes: not the index's")
    nodes[:n_paths] = paths  # the same strings, held once
    n = len(nodes)
    # graph
    n_edges = len(z["g_src"])
    src, dst = _ints(z, "g_src", n), _ints(z, "g_dst", n, n_edges)
    weight = z["g_weight"]
    _check(weight.ndim == 1 and weight.dtype.kind == "f" and len(weight) == n_edges, "g_weight")
    z.release("g_weight")
    files_graph = FileGraph(nodes, src, dst, weight)  # checks uniqueness and grouping
    imp_src = _ints(z, "g_imp_src", n_paths)
    try:
        imports = Imports(paths, files_graph.index, imp_src, _ints(z, "g_imp_dst", n_paths, len(imp_src)))
    except ValueError:
        raise _Invalid("g_imp: not grouped by importer") from None
    def_names = _strs(z, header, "def_names")
    def_paths = _ints(z, "g_def_paths", n_paths)
    try:
        definers = Definers(def_names, _ptr(z, "g_def_ptr", len(def_names), len(def_paths)), def_paths, paths)
    except ValueError:
        raise _Invalid("def_names: duplicate name") from None
    _, _, data, indices, indptr = _sparse(z, "g_m", "csr", np.float64, (n, n))
    graph = RepoGraph(store, paths, imports, definers, files_graph, (nodes, Transition(indptr, indices, data)))
    # lexical
    v_hash = z["v_hash"]
    _check(v_hash.ndim == 1 and v_hash.dtype == np.uint64 and not (np.diff(v_hash) == 0).any()
           and not (v_hash[1:] < v_hash[:-1]).any(), "v_hash: not sorted and distinct")
    z.release("v_hash")
    vocab = Vocabulary(v_hash, _ints(z, "v_id", len(v_hash) + 1, len(v_hash)))
    lex_paths = [nodes[i] for i in _ints(z, "l_paths", n_paths).tolist()]
    _check(lex_paths == paths, "l_paths: not the index's")
    chunk_bm25 = BM25(*_sparse(z, "b_c", "csc", np.float32), vocab)
    file_bm25 = BM25(*_sparse(z, "b_f", "csc", np.float32), vocab)
    n_chunks = int(z["b_c_shape"][0])
    _check(int(z["b_f_shape"][0]) == len(lex_paths), "b_f: rows")
    raw = z["s_chunk_names"]
    _check(raw.ndim == 1 and raw.dtype == np.uint8 and (not len(raw) or raw[-1] == 0), "chunk_names: not a blob")
    names = Strings(raw)  # read where it lies
    z.release("s_chunk_names")
    _check(len(names) == n_chunks == header["counts"]["chunk_names"], "chunk_names: length")
    lines = _ints(z, "c_lines")
    _check(len(lines) % 2 == 0, "c_lines: odd")
    lines_ptr = _ptr(z, "c_lines_ptr", n_chunks, len(lines) // 2)
    chunk_file = _ints(z, "l_chunk_file", len(lex_paths), n_chunks)
    _check(not (np.diff(chunk_file) < 0).any(), "l_chunk_file: not grouped by file")
    chunks = ChunkTable(lex_paths, chunk_file, _ints(z, "c_start", length=n_chunks),
                        _ints(z, "c_end", length=n_chunks), names, _ints(z, "c_kind", len(KINDS), n_chunks),
                        lines_ptr, lines)
    mappings = {}
    for name, keys, kind in (("l_members", _ints(z, "l_members_keys", n_chunks), IntLists),
                             ("l_by_name", _strs(z, header, "by_name"), Lists),
                             ("l_by_qual", _strs(z, header, "by_qual_suffix"), Lists)):
        flat = _ints(z, name, n_chunks)
        try:
            mappings[name] = kind(keys, _ptr(z, name + "_ptr", len(keys), len(flat)), flat)
        except ValueError:
            raise _Invalid(f"{name}: duplicate key") from None
    lexical = LexicalIndex(lex_paths, languages, chunks, mappings["l_members"],
                           mappings["l_by_name"], mappings["l_by_qual"], chunk_bm25, file_bm25, files_graph.index)
    module_names = _strs(z, header, "module_names")
    module_paths = [nodes[i] for i in _ints(z, "g_module_paths", n, len(module_names)).tolist()]
    modules = dict(zip(module_names, module_paths, strict=True))
    return Derived(graph, lexical, modules, loaded=True)
