"""What a snapshot derives from one index state (file graph + PageRank matrix, lexical BM25 index, Python
module map), persisted beside the index so a new process loads it instead of rebuilding it (~5 s on Django).

A cache around the pure build: `load_or_build` returns what `build` would, loading it from the sidecar
`<index file>.derived.npz` when that holds the same state, building it (and writing the sidecar) otherwise.
One state is kept, replaced atomically (a temporary file renamed over it). The key covers the index state
(digest and refresh stamp, read in the snapshot's pinned transaction), the root, this package's code and the
numpy / scipy versions. No pickle: integer and float arrays (`numpy.savez`, loaded with
`allow_pickle=False`) and one JSON document for the strings. The sidecar is untrusted like the index: every
array is checked (types, shapes, bounds, CSR/CSC structure) and anything off means a rebuild, never a crash.
`CONTEXTPACK_DERIVED=off` in the environment turns the sidecar off (neither read nor written).

    d = load_or_build(store, root, index_path, LexicalCache())     # Derived(graph, lexical, modules)
    d.graph.file_rank(), d.lexical.file_scores(["bulk"]), d.modules["django.db"]
    sidecar_path(index_path)                                       # …/repo-1234.sqlite.derived.npz
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import threading
import time
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from glob import escape as glob_escape
from pathlib import Path

import numpy as np

from .graph import FileGraph, RepoGraph, Transition
from .lexical import BM25, Chunk, LexicalCache, LexicalIndex
from .resolve import RepoContext
from .store import Store

FORMAT = 1
ENV = "CONTEXTPACK_DERIVED"  # "off": no sidecar (the benchmark's "before" column; debugging)
MAX_SIDECAR_BYTES = 2 << 30  # a sidecar larger than this is not read (the index would be larger still)
STALE_TEMPORARY_SECONDS = 3600


@dataclass
class Derived:
    graph: RepoGraph
    lexical: LexicalIndex
    modules: dict[str, str]  # Python module name → path
    loaded: bool = False  # from the sidecar, not built
    shas: dict[str, str] = field(default_factory=dict)  # path → sha256 of the state (when loaded)


def enabled() -> bool:
    return os.environ.get(ENV, "").strip().lower() not in ("off", "0", "no", "false")


def sidecar_path(index_path: Path) -> Path:
    return index_path.with_name(index_path.name + ".derived.npz")


def build(store: Store, root: Path, cache: LexicalCache) -> Derived:
    """The derived state of the index state `store` reads (the pure function the sidecar caches)."""
    graph = RepoGraph.build(store)
    graph.file_rank()  # builds the PageRank transition matrix now, not in the first pack
    modules = RepoContext.build(graph.paths, lambda _p: b"").python_modules
    lexical = LexicalIndex.build(store, root, cache)
    return Derived(graph, lexical, modules)


def load_or_build(store: Store, root: Path, index_path: Path, cache: LexicalCache,
                  persist: bool | None = None) -> Derived:
    """`build(store, root, cache)`, from the sidecar when it holds this state; a built state is written."""
    if persist is None:
        persist = enabled()
    if not persist:
        return build(store, root, cache)
    key = state_key(store, root)
    path = sidecar_path(index_path)
    if key is not None:
        loaded = load(path, key, store)
        if loaded is not None:
            # the next state of this engine is built from this one's per-file chunks and terms, as it would
            # have been had this one been built here (they are read from the sidecar only then)
            lex, shas = loaded.lexical, loaded.shas
            cache.adopt(lex._chunk_bm25.vocab, lambda: _seed_entries(path, key, lex, shas))
            return loaded
    derived = build(store, root, cache)
    if key is not None:
        save(path, key, derived, cache, store.files())
    return derived


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

def _mapping(keys: list, values: dict) -> tuple[np.ndarray, np.ndarray]:
    """(indptr, flat) of the int lists of `values` in the order of `keys`."""
    lens = [len(values[k]) for k in keys]
    ptr = np.zeros(len(keys) + 1, dtype=np.int32)
    np.cumsum(lens, out=ptr[1:])
    flat = np.fromiter((i for k in keys for i in values[k]), dtype=np.int32, count=int(ptr[-1]))
    return ptr, flat


def _blob(strings: list[str]) -> np.ndarray:
    """Strings as one NUL-separated UTF-8 array (splitting it back is ~10x faster than JSON)."""
    if any("\0" in x for x in strings):
        raise ValueError("a string holds a NUL")
    return np.frombuffer("\0".join(strings).encode("utf-8", errors="surrogatepass"), dtype=np.uint8)


def _seed_arrays(lex: LexicalIndex, cache: LexicalCache, shas: dict[str, str]) -> dict[str, np.ndarray]:
    """Per file of `lex`, the cache entry it was built from (raw term ids of each chunk, of the path, the
    variables), so an engine that loads this state can build the next one incrementally."""
    entries = [cache.entries.get((p, shas.get(p, ""))) for p in lex.paths]
    if any(e is None for e in entries) or sum(len(e[0]) for e in entries) != len(lex.chunks):
        return {}
    cterms = [t for e in entries for t in e[1]]
    path_terms = []
    for e in entries:
        tail = e[2][sum(len(t) for t in e[1]):]
        path_terms.append(tail[:len(tail) // 2])
    var_names = [name for e in entries for name, _ in e[3]]
    return {
        "t_c_ptr": _ptr_of([len(t) for t in cterms]),
        "t_c": np.concatenate(cterms).astype(np.int32) if cterms else np.zeros(0, dtype=np.int32),
        "t_p_ptr": _ptr_of([len(t) for t in path_terms]),
        "t_p": np.concatenate(path_terms).astype(np.int32) if path_terms else np.zeros(0, dtype=np.int32),
        "t_v_ptr": _ptr_of([len(e[3]) for e in entries]),
        "t_v_chunk": np.array([k for e in entries for _, k in e[3]], dtype=np.int32),
        "t_v_names": _blob(var_names),
        "t_v_count": np.array([len(var_names)], dtype=np.int32),
    }


def _ptr_of(lengths: list[int]) -> np.ndarray:
    ptr = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=ptr[1:])
    return ptr


def _arrays(key: str, d: Derived) -> dict[str, np.ndarray]:
    g, lex = d.graph, d.lexical
    fg = g.files
    nodes = fg.nodes
    node_id = fg.index
    n_paths = len(g.paths)
    if nodes[:n_paths] != g.paths or g._matrix is None or g._matrix[0] != nodes:
        raise ValueError("graph nodes do not start with its paths")
    vocab = lex._chunk_bm25.vocab
    terms = list(vocab)
    if lex._file_bm25.vocab is not vocab or any(vocab[t] != i for i, t in enumerate(terms)):
        raise ValueError("vocabulary ids are not 0..n-1")
    imp_src, imp_dst = [], []
    for src, dsts in g.imports.items():
        for dst in sorted(dsts):
            imp_src.append(node_id[src])
            imp_dst.append(node_id[dst])
    def_names = list(g.definers)
    def_sets = {k: sorted(node_id[p] for p in g.definers[k]) for k in def_names}
    def_ptr, def_paths = _mapping(def_names, def_sets)
    chunks = lex.chunks
    kinds = sorted({c.kind for c in chunks})
    kind_id = {k: i for i, k in enumerate(kinds)}
    lines_ptr = np.zeros(len(chunks) + 1, dtype=np.int32)
    np.cumsum([len(c.lines) for c in chunks], out=lines_ptr[1:])
    by_name_keys, by_qual_keys, chunks_of_keys = list(lex.by_name), list(lex.by_qual_suffix), list(lex.chunks_of)
    member_keys = list(lex.members)
    lists = {"nodes": nodes, "def_names": def_names, "kinds": kinds, "chunk_names": [c.name for c in chunks],
             "by_name": by_name_keys, "by_qual_suffix": by_qual_keys, "chunks_of": chunks_of_keys, "vocab": terms,
             "module_names": list(d.modules), "module_paths": list(d.modules.values())}
    header = {"key": key, "n_paths": n_paths, "counts": {k: len(v) for k, v in lists.items()}}
    out: dict[str, np.ndarray] = {
        "header": np.frombuffer(json.dumps(header).encode(), dtype=np.uint8),
        **{"s_" + k: _blob(v) for k, v in lists.items()},
        "g_src": fg.src.astype(np.int32), "g_dst": fg.dst.astype(np.int32), "g_weight": fg.weight,
        "g_imp_src": np.array(imp_src, dtype=np.int32), "g_imp_dst": np.array(imp_dst, dtype=np.int32),
        "g_def_ptr": def_ptr, "g_def_paths": def_paths,
        "l_paths": np.array([node_id[p] for p in lex.paths], dtype=np.int32),
        "c_path": np.array([node_id[c.path] for c in chunks], dtype=np.int32),
        "c_start": np.array([c.start for c in chunks], dtype=np.int32),
        "c_end": np.array([c.end for c in chunks], dtype=np.int32),
        "c_kind": np.array([kind_id[c.kind] for c in chunks], dtype=np.int32),
        "c_lines_ptr": lines_ptr,
        "c_lines": np.array([x for c in chunks for r in c.lines for x in r], dtype=np.int32),
        "l_chunk_file": np.asarray(lex.chunk_file),
        "l_members_keys": np.array(member_keys, dtype=np.int32),
    }
    for name, keys, values in (("l_members", member_keys, lex.members), ("l_by_name", by_name_keys, lex.by_name),
                               ("l_by_qual", by_qual_keys, lex.by_qual_suffix),
                               ("l_chunks_of", chunks_of_keys, lex.chunks_of)):
        out[name + "_ptr"], out[name] = _mapping(keys, values)
    t, bc, bf = g._matrix[1], lex._chunk_bm25, lex._file_bm25
    for name, m, shape in (("g_m", t, (len(nodes), len(nodes))), ("b_c", bc, (bc.n, bc.width)),
                           ("b_f", bf, (bf.n, bf.width))):
        out[name + "_data"], out[name + "_indices"], out[name + "_indptr"] = m.data, m.indices, m.indptr
        out[name + "_shape"] = np.array(shape, dtype=np.int32)
    return out


def save(path: Path, key: str, derived: Derived, cache: LexicalCache | None = None,
         files: list | None = None) -> bool:
    """Write the sidecar (atomically replacing the one there); False when it could not be written. With the
    cache the state was built with, the per-file entries go with it (see `LexicalCache.adopt`)."""
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    _remove_stale_temporaries(path)
    try:
        arrays = _arrays(key, derived)
        if cache is not None and files is not None:
            arrays.update(_seed_arrays(derived.lexical, cache, {f.path: f.sha256 for f in files}))
        with open(tmp, "wb") as f:
            np.savez(f, allow_pickle=False, **arrays)
        os.replace(tmp, path)
        return True
    except (OSError, ValueError, KeyError, OverflowError):
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        return False


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


def _ints(z: dict[str, np.ndarray], name: str, bound: int | None = None, length: int | None = None) -> np.ndarray:
    a = z[name]
    _check(a.ndim == 1 and a.dtype.kind in "iu", f"{name}: not a 1-d integer array")
    _check(length is None or len(a) == length, f"{name}: length")
    _check(bound is None or not len(a) or (int(a.min()) >= 0 and int(a.max()) < bound), f"{name}: out of range")
    return a


def _ptr(z: dict[str, np.ndarray], name: str, n: int, total: int) -> np.ndarray:
    a = _ints(z, name, length=n + 1)
    _check(int(a[0]) == 0 and int(a[-1]) == total and not (np.diff(a) < 0).any(), f"{name}: not an index pointer")
    return a


def _strs(z: dict[str, np.ndarray], header: dict, name: str, prefix: str = "s_") -> list[str]:
    raw = z[prefix + name]
    _check(raw.ndim == 1 and raw.dtype == np.uint8, f"{name}: not bytes")
    count = header["counts"][name]
    out = raw.tobytes().decode("utf-8", errors="surrogatepass").split("\0") if count else []
    _check(isinstance(count, int) and len(out) == count, f"{name}: count")
    return out


class _Lists(Mapping):
    """key → list of ints, each list made on first lookup (a restored index's by_name, chunks_of, …)."""

    def __init__(self, keys: list, ptr: np.ndarray, flat: np.ndarray):
        self._row = dict(zip(keys, range(len(keys)), strict=True))
        _check(len(self._row) == len(keys), "duplicate key")
        self._ptr, self._flat = ptr, flat
        self._made: dict = {}

    def __getitem__(self, key) -> list[int]:
        value = self._made.get(key)
        if value is None:
            i = self._row[key]
            value = self._made[key] = self._flat[self._ptr[i]:self._ptr[i + 1]].tolist()
        return value

    def __contains__(self, key: object) -> bool:
        return key in self._row

    def __iter__(self) -> Iterator:
        return iter(self._row)

    def __len__(self) -> int:
        return len(self._row)


def _sparse(z: dict[str, np.ndarray], name: str, fmt: str, dtype: type,
            shape: tuple[int, int] | None = None) -> tuple[int, int, np.ndarray, np.ndarray, np.ndarray]:
    """(rows, columns, data, indices, indptr) of a CSR or CSC matrix, checked."""
    s = _ints(z, name + "_shape", length=2)
    rows, cols = int(s[0]), int(s[1])
    _check(rows >= 0 and cols >= 0 and (shape is None or (rows, cols) == shape), f"{name}: shape")
    data = z[name + "_data"]
    major, minor = (rows, cols) if fmt == "csr" else (cols, rows)
    _check(data.ndim == 1 and data.dtype == dtype and bool(np.isfinite(data).all()), f"{name}: data")
    indices = _ints(z, name + "_indices", bound=minor, length=len(data))
    return rows, cols, data, indices, _ptr(z, name + "_indptr", major, len(data))


class ChunkTable(Sequence):
    """The chunks of a restored lexical index: each `Chunk` is made on first use (most packs touch a few
    hundred of 40k)."""

    def __init__(self, paths: list[str], path_of: np.ndarray, starts: np.ndarray, ends: np.ndarray, names: list[str],
                 kinds: list[str], kind_of: np.ndarray, lines_ptr: np.ndarray, lines: np.ndarray):
        self._cols = (paths, path_of, starts, ends, names, kinds, kind_of, lines_ptr, lines)
        self._made: list[Chunk | None] = [None] * len(names)

    def __len__(self) -> int:
        return len(self._made)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        c = self._made[i]
        if c is None:
            i = i + len(self) if i < 0 else i
            paths, path_of, starts, ends, names, kinds, kind_of, ptr, lines = self._cols
            flat = lines[ptr[i]:ptr[i + 1]].tolist()
            ranges = tuple((flat[k], flat[k + 1]) for k in range(0, len(flat), 2))
            c = self._made[i] = Chunk(paths[int(path_of[i])], int(starts[i]), int(ends[i]), names[i],
                                      kinds[int(kind_of[i])], ranges)
        return c


def load(path: Path, key: str, store: Store) -> Derived | None:
    """The derived state in the sidecar at `path` if it is the state `key` names and passes every check."""
    try:
        if path.stat().st_size > MAX_SIDECAR_BYTES:
            return None
        with np.load(path, allow_pickle=False) as npz:
            z = {k: npz[k] for k in npz.files if not k.startswith("t_")}  # seeds: read when used
        return _restore(z, key, store)
    except (OSError, ValueError, KeyError, TypeError, IndexError, EOFError, zipfile.BadZipFile, _Invalid,
            json.JSONDecodeError, UnicodeDecodeError, OverflowError, MemoryError):
        return None


def _restore(z: dict[str, np.ndarray], key: str, store: Store) -> Derived | None:
    raw = z["header"]
    _check(raw.ndim == 1 and raw.dtype == np.uint8, "header")
    header = json.loads(raw.tobytes().decode("utf-8"))
    _check(isinstance(header, dict) and isinstance(header.get("counts"), dict), "header: not an object")
    if header.get("key") != key:
        return None  # another state: rebuild (and replace it)
    files = store.files()
    paths = [f.path for f in files]
    nodes = _strs(z, header, "nodes")
    n_paths = header["n_paths"]
    _check(isinstance(n_paths, int) and n_paths == len(paths) and nodes[:n_paths] == paths, "nodes: not the index's")
    n = len(nodes)
    # graph
    n_edges = len(z["g_src"])
    src, dst = _ints(z, "g_src", n), _ints(z, "g_dst", n, n_edges)
    weight = z["g_weight"]
    _check(weight.ndim == 1 and weight.dtype.kind == "f" and len(weight) == n_edges, "g_weight")
    files_graph = FileGraph(nodes, src, dst, weight)  # checks uniqueness and grouping
    imports: dict[str, set[str]] = {}
    imp_src = _ints(z, "g_imp_src", n).tolist()
    for a, b in zip(imp_src, _ints(z, "g_imp_dst", n, len(imp_src)).tolist(), strict=True):
        imports.setdefault(nodes[a], set()).add(nodes[b])
    def_names = _strs(z, header, "def_names")
    def_paths = _ints(z, "g_def_paths", n_paths)
    definers = _Definers(def_names, _ptr(z, "g_def_ptr", len(def_names), len(def_paths)), def_paths, nodes)
    _, _, data, indices, indptr = _sparse(z, "g_m", "csr", np.float64, (n, n))
    graph = RepoGraph(store, paths, imports, definers, files_graph, (nodes, Transition(indptr, indices, data)))
    # lexical
    vocab_terms = _strs(z, header, "vocab")
    vocab = dict(zip(vocab_terms, range(len(vocab_terms)), strict=True))
    _check(len(vocab) == len(vocab_terms), "vocab: duplicate term")
    lex_paths = [nodes[i] for i in _ints(z, "l_paths", n_paths).tolist()]
    chunk_bm25 = BM25.restore(*_sparse(z, "b_c", "csc", np.float32), vocab)
    file_bm25 = BM25.restore(*_sparse(z, "b_f", "csc", np.float32), vocab)
    n_chunks = chunk_bm25.n
    _check(file_bm25.n == len(lex_paths), "b_f: rows")
    names, kinds = _strs(z, header, "chunk_names"), _strs(z, header, "kinds")
    _check(len(names) == n_chunks, "chunk_names: length")
    lines = _ints(z, "c_lines")
    _check(len(lines) % 2 == 0, "c_lines: odd")
    lines_ptr = _ptr(z, "c_lines_ptr", n_chunks, len(lines) // 2)
    chunks = ChunkTable(nodes, _ints(z, "c_path", n_paths, n_chunks), _ints(z, "c_start", length=n_chunks),
                        _ints(z, "c_end", length=n_chunks), names, kinds, _ints(z, "c_kind", len(kinds), n_chunks),
                        lines_ptr * 2, lines)
    chunk_file = _ints(z, "l_chunk_file", len(lex_paths), n_chunks)
    mappings = {}
    for name, keys in (("l_members", _ints(z, "l_members_keys", n_chunks).tolist()),
                       ("l_by_name", _strs(z, header, "by_name")),
                       ("l_by_qual", _strs(z, header, "by_qual_suffix")),
                       ("l_chunks_of", _strs(z, header, "chunks_of"))):
        flat = _ints(z, name, n_chunks)
        mappings[name] = _Lists(keys, _ptr(z, name + "_ptr", len(keys), len(flat)), flat)
    lexical = LexicalIndex.restore(chunks, lex_paths, {f.path: f.language for f in files}, mappings["l_members"],
                                   chunk_file, mappings["l_chunks_of"], mappings["l_by_name"],
                                   mappings["l_by_qual"], chunk_bm25, file_bm25)
    module_names, module_paths = _strs(z, header, "module_names"), _strs(z, header, "module_paths")
    _check(len(module_names) == len(module_paths), "modules")
    modules = dict(zip(module_names, module_paths, strict=True))
    return Derived(graph, lexical, modules, loaded=True, shas={f.path: f.sha256 for f in files})


def _seed_entries(path: Path, key: str, lex: LexicalIndex, shas: dict[str, str]) -> dict[tuple[str, str], tuple]:
    """The LexicalCache entries of the restored `lex` (state `key`), from the sidecar's seed arrays; none when
    the sidecar holds another state by now or anything is off."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            header = json.loads(npz["header"].tobytes().decode("utf-8"))
            if not isinstance(header, dict) or header.get("key") != key or "t_c" not in npz.files:
                return {}
            z = {k: npz[k] for k in npz.files if k.startswith("t_")}
        n_chunks, n_files, width = len(lex.chunks), len(lex.paths), len(lex._chunk_bm25.vocab)
        tc, tp = _ints(z, "t_c", width), _ints(z, "t_p", width)
        c_ptr = _ptr(z, "t_c_ptr", n_chunks, len(tc)).tolist()
        p_ptr = _ptr(z, "t_p_ptr", n_files, len(tp)).tolist()
        v_chunk = _ints(z, "t_v_chunk")
        v_ptr = _ptr(z, "t_v_ptr", n_files, len(v_chunk)).tolist()
        count = _ints(z, "t_v_count", length=1)
        names = _strs(z, {"counts": {"t_v_names": int(count[0])}}, "t_v_names", prefix="")
        chunk_file = np.asarray(lex.chunk_file)
        _check(not (np.diff(chunk_file) < 0).any(), "chunks not grouped by file")
        f_ptr = np.searchsorted(chunk_file, np.arange(n_files + 1)).tolist()
        v = v_chunk.tolist()
        out = {}
        for i, p in enumerate(lex.paths):
            lo, hi = f_ptr[i], f_ptr[i + 1]
            _check(all(0 <= k < hi - lo for k in v[v_ptr[i]:v_ptr[i + 1]]), "variable chunk")
            cterms = [tc[c_ptr[j]:c_ptr[j + 1]] for j in range(lo, hi)]
            pt = tp[p_ptr[i]:p_ptr[i + 1]]
            out[(p, shas.get(p, ""))] = ([lex.chunks[j] for j in range(lo, hi)], cterms,
                                         np.concatenate([*cterms, pt, pt]),
                                         list(zip(names[v_ptr[i]:v_ptr[i + 1]], v[v_ptr[i]:v_ptr[i + 1]], strict=True)))
        return out
    except (OSError, ValueError, KeyError, TypeError, IndexError, EOFError, zipfile.BadZipFile, _Invalid,
            json.JSONDecodeError, UnicodeDecodeError, OverflowError, MemoryError):
        return {}


class _Definers(Mapping):
    """name → set of defining paths, each set made on first lookup (30k names on Django; packing asks
    about the definitions of a few files)."""

    def __init__(self, names: list[str], ptr: np.ndarray, flat: np.ndarray, nodes: list[str]):
        self._row = dict(zip(names, range(len(names)), strict=True))
        self._src = (ptr, flat, nodes)
        self._made: dict[str, set[str]] = {}

    def __getitem__(self, name: str) -> set[str]:
        value = self._made.get(name)
        if value is None:
            i = self._row[name]
            ptr, flat, nodes = self._src
            value = self._made[name] = {nodes[j] for j in flat[ptr[i]:ptr[i + 1]].tolist()}
        return value

    def __contains__(self, name: object) -> bool:
        return name in self._row

    def __iter__(self) -> Iterator[str]:
        return iter(self._row)

    def __len__(self) -> int:
        return len(self._row)
