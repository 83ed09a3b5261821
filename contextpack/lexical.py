"""Lexical retrieval: BM25 over code chunks and over whole files, with identifiers split into
sub-words. A chunk is one definition's own lines (a class without its methods, a function) or the
module-level lines of a file; text files are cut into windows.

The per-file work (chunking, tokenising) runs where the file is parsed, in the index's worker processes
(`lexicon_of`), and the index stores it compactly: per chunk its distinct terms as 64-bit hashes with their
counts, in order of first appearance. Building the index of a state (`LexicalIndex.build`) then reads those
rows into a few flat arrays and makes the BM25 matrices in vectorised steps: no file is read, and no Python
object is made per chunk (a 200k-file repository has a million chunks). Term ids are numbered in order of
first appearance over the files in path order, as they were when terms were strings, so the scores and the
order of their summation are the same; a query term is looked up by its hash.

The scoring is BM25 (Lucene's variant, as bm25s computes it), its matrices built with numpy alone.

    lex = LexicalIndex.build(store)
    lex.file_scores(["bulk", "create"])        # {path: score}
    lex.chunk_scores(["bulk", "create"])       # numpy array aligned with lex.chunks
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import re
import sys
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .errors import IndexStateError
from .heap import trim
from .lazyseq import LazySequence
from .task import split_identifier

if TYPE_CHECKING:
    from .store import Store

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_WINDOW = 60  # lines per chunk of a text file
_CHUNK_KINDS = {"function", "method", "class", "struct", "interface", "enum", "trait", "impl", "type",
                "module", "namespace"}
KINDS = ("class", "enum", "function", "impl", "interface", "method", "module", "namespace", "struct", "text",
         "trait", "type")  # a chunk's kind is stored as its index here: append only
_KIND_ID = {k: i for i, k in enumerate(KINDS)}
_META = 5  # int32 per chunk in a stored lexicon: start, end, kind, ranges, distinct terms
BLOCK_FILES = 4096  # files whose lexicons are gathered into arrays together
MAX_LINE = 10_000_000  # as the store's: a larger line number is crafted


@dataclass(frozen=True)
class Chunk:
    path: str
    start: int  # 1-based inclusive
    end: int
    name: str  # qualified name of the definition; "" for module-level lines and text windows
    kind: str  # definition kind, "module" or "text"
    lines: tuple[tuple[int, int], ...]  # the ranges it covers (a class minus its methods has holes)


@functools.lru_cache(maxsize=500_000)
def _terms_of_identifier(ident: str) -> tuple[str, ...]:
    subs = [s for s in split_identifier(ident) if len(s) > 1]
    low = ident.lower()
    return tuple(subs) if len(subs) == 1 and subs[0] == low else (low, *subs)


def terms_of(text: str) -> list[str]:
    """Index terms of source text: each identifier lower-cased whole and as sub-words."""
    return list(itertools.chain.from_iterable(map(_terms_of_identifier, _IDENT.findall(text))))


def _term_counts(text: str, name: str) -> dict[str, int]:
    """`Counter(terms_of(text) + terms_of(name))`: the same terms, in the same order (of first appearance),
    with the same counts, but each identifier of `text` split once however often it occurs (a chunk names
    the same few identifiers again and again)."""
    counts: dict[str, int] = {}
    get = counts.get
    for ident, n in Counter(_IDENT.findall(text)).items():
        for term in _terms_of_identifier(ident):
            counts[term] = get(term, 0) + n
    for term in terms_of(name):
        counts[term] = get(term, 0) + 1
    return counts


@functools.lru_cache(maxsize=500_000)
def _digest(term: str) -> bytes:
    return hashlib.blake2b(term.encode("utf-8", "surrogatepass"), digest_size=8).digest()


def term_hash(term: str) -> int:
    """A term's 64-bit id in the index (little-endian BLAKE2b): 1M distinct terms collide with odds ~3e-8."""
    return int.from_bytes(_digest(term), "little")


# -- the worker's side: one file ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Lexicon:
    """One file's lexical facts, as the index stores them (little-endian arrays as bytes)."""

    chunks: bytes  # int32 × _META per chunk: start, end, kind (index in KINDS), ranges, distinct terms
    ranges: bytes  # int32 pairs: the line ranges of each chunk in turn
    names: str  # the chunks' names, NUL-separated
    terms: bytes  # uint64 term hashes: each chunk's distinct terms in order of first appearance, then the path's
    counts: bytes  # uint32: how often each of `terms` occurs there
    path_terms: int  # how many of `terms` are the path's (they count twice in the file's document)
    variables: str  # names of variables and constants, NUL-separated
    variable_chunks: bytes  # int32: the chunk (index within the file) each variable sits in

    def row(self) -> tuple:
        return (self.chunks, self.ranges, self.names, self.terms, self.counts, self.path_terms, self.variables,
                self.variable_chunks)


def lexicon_of(path: str, data: bytes, defs: Sequence) -> Lexicon:
    """The lexicon of a file with content `data` and definitions `defs` (objects with name, kind, qualname,
    start_line, end_line; well-formed lines, in the order the index returns them: by start line)."""
    text = data.decode("utf-8", errors="replace")
    if "\r" in text:  # as a file opened in text mode reads
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    chunks = _chunks_of(lines, defs)
    meta, ranges, digests, counts = [], [], [], []
    for start, end, name, kind, spans in chunks:
        body = "\n".join("\n".join(lines[a - 1:b]) for a, b in spans)
        seen = _term_counts(body, name.rsplit(".", 1)[-1] if name else "")
        meta += (start, end, _KIND_ID[kind], len(spans), len(seen))
        ranges += itertools.chain.from_iterable(spans)
        digests += map(_digest, seen)
        counts += seen.values()
    seen = Counter(terms_of(path.replace("/", " ").replace(".", " ")))
    digests += map(_digest, seen)
    counts += seen.values()
    # variables and constants are no chunks: a mention of one points at the (first) chunk it sits in
    variables = [d for d in defs if d.kind in ("variable", "constant")]
    chunk_of: dict[int, int] = {}
    for k in range(len(chunks) - 1, -1, -1) if variables else ():
        for a, b in chunks[k][4]:
            chunk_of.update(dict.fromkeys(range(a, b + 1), k))
    var_names, var_chunks = [], []
    for d in variables:
        if (owner := chunk_of.get(d.start_line)) is not None:
            var_names.append(d.name)
            var_chunks.append(owner)
    return Lexicon(_le("i", meta), _le("i", ranges), "\0".join(_no_nul(c[2]) for c in chunks), b"".join(digests),
                   _le("I", counts), len(seen), "\0".join(map(_no_nul, var_names)), _le("i", var_chunks))


def _le(code: str, values: list[int]) -> bytes:
    """32-bit integers as little-endian bytes (array beats numpy on a file's few hundred)."""
    a = array(code, values)
    if sys.byteorder != "little":
        a.byteswap()
    return a.tobytes()


def _no_nul(name: str) -> str:
    return name.replace("\0", "\ufffd")


def _chunks_of(lines: list[str], defs: Sequence) -> list[tuple[int, int, str, str, tuple[tuple[int, int], ...]]]:
    """(start, end, name, kind, line ranges) of each chunk, by start line."""
    n = len(lines)
    spans = [d for d in defs if d.kind in _CHUNK_KINDS and d.end_line >= d.start_line]
    if not spans:
        return [(s, min(s + _WINDOW - 1, n), "", "text", ((s, min(s + _WINDOW - 1, n)),))
                for s in range(1, n + 1, _WINDOW)] if n else []
    spans.sort(key=lambda d: (d.start_line, -d.end_line))
    owner = [-1] * (n + 1)  # per line: the innermost chunk definition that owns it (an index of spans)
    for i, d in enumerate(spans):
        a, b = max(d.start_line, 1), min(d.end_line, n)
        if a <= b:
            owner[a:b + 1] = [i] * (b - a + 1)
    out = []
    groups: dict[int, list[tuple[int, int]]] = {}  # owner → its runs of lines, in order of first line
    ln = 1
    for i, run in itertools.groupby(owner[1:]):
        end = ln + len(list(run)) - 1
        if i in groups:
            groups[i].append((ln, end))
        else:
            groups[i] = [(ln, end)]
        ln = end + 1
    for i, ranges in groups.items():
        if i < 0:
            out.append((ranges[0][0], ranges[-1][1], "", "module", tuple(ranges)))
        else:
            d = spans[i]
            out.append((d.start_line, d.end_line, d.qualname, d.kind, tuple(ranges)))
    out.sort(key=lambda c: (c[0], c[1], c[2]))
    return out


# -- compact lookups ---------------------------------------------------------------------------------------

class Lists(Mapping):
    """key → list of ints, held as one CSR pair of arrays; each list made on first lookup."""

    def __init__(self, keys: list, ptr: np.ndarray, flat: np.ndarray):
        self.keys_, self.ptr, self.flat = keys, ptr, flat
        self._row = dict(zip(keys, range(len(keys)), strict=True))
        if len(self._row) != len(keys):
            raise ValueError("duplicate key")
        self._made: dict = {}

    def _find(self, key) -> int | None:
        return self._row.get(key)

    def __getitem__(self, key) -> list[int]:
        value = self._made.get(key)
        if value is None:
            i = self._find(key)
            if i is None:
                raise KeyError(key)
            value = self._made[key] = self.flat[self.ptr[i]:self.ptr[i + 1]].tolist()
        return value

    def __contains__(self, key: object) -> bool:
        return self._find(key) is not None

    def __iter__(self) -> Iterator:
        return iter(self._row)

    def __len__(self) -> int:
        return len(self._row)


class IntLists(Lists):
    """`Lists` whose keys are ints, held as an array and found by binary search: no dict of a Python int
    per key (a class's members: 200k keys at 200k files)."""

    def __init__(self, keys: np.ndarray, ptr: np.ndarray, flat: np.ndarray):
        self.keys_, self.ptr, self.flat = keys, ptr, flat
        self._order = np.argsort(keys, kind="stable")
        self._sorted = keys[self._order]
        if (self._sorted[1:] == self._sorted[:-1]).any():
            raise ValueError("duplicate key")
        self._made = {}

    def _find(self, key) -> int | None:
        if not isinstance(key, int | np.integer) or not len(self._sorted):
            return None
        k = int(np.searchsorted(self._sorted, key)) if self._sorted[0] <= key <= self._sorted[-1] else 0
        return int(self._order[k]) if self._sorted[k] == key else None

    def __iter__(self) -> Iterator:
        return iter(self.keys_.tolist())

    def __len__(self) -> int:
        return len(self.keys_)


class _Spans(Mapping):
    """path → its chunks (a contiguous run of indexes), for the files that have any."""

    def __init__(self, paths: list[str], fptr: np.ndarray, index: Mapping[str, int] | None = None):
        self._paths, self._fptr = paths, fptr
        self._index = index if index is not None else {p: i for i, p in enumerate(paths)}
        self._having = np.flatnonzero(fptr[1:] > fptr[:-1])

    def _find(self, path: object) -> int | None:
        i = self._index.get(path)  # type: ignore[call-overload]
        return i if i is not None and i < len(self._paths) and self._fptr[i + 1] > self._fptr[i] else None

    def __getitem__(self, path: str) -> list[int]:
        i = self._find(path)
        if i is None:
            raise KeyError(path)
        return list(range(int(self._fptr[i]), int(self._fptr[i + 1])))

    def __contains__(self, path: object) -> bool:
        return self._find(path) is not None

    def __iter__(self) -> Iterator[str]:
        return (self._paths[i] for i in self._having.tolist())

    def __len__(self) -> int:
        return len(self._having)


class ChunkTable(LazySequence):
    """The chunks of a lexical index as columns; each `Chunk` is made on first use (a pack touches a few
    hundred of a million)."""

    def __init__(self, paths: list[str], path_of: np.ndarray, starts: np.ndarray, ends: np.ndarray, names: Strings,
                 kind_of: np.ndarray, lines_ptr: np.ndarray, lines: np.ndarray):
        super().__init__()
        self.cols = (paths, path_of, starts, ends, names, kind_of, lines_ptr, lines)  # lines: flat pairs

    def __len__(self) -> int:
        return len(self.cols[4])

    def _make(self, i: int) -> Chunk:
        paths, path_of, starts, ends, names, kind_of, ptr, lines = self.cols
        flat = lines[2 * ptr[i]:2 * ptr[i + 1]].tolist()
        ranges = tuple((flat[k], flat[k + 1]) for k in range(0, len(flat), 2))
        return Chunk(paths[int(path_of[i])], int(starts[i]), int(ends[i]), names[i], KINDS[int(kind_of[i])], ranges)


class Vocabulary:
    """Term → id, through the term's hash: `hashes` sorted, `ids` the id of each."""

    def __init__(self, hashes: np.ndarray, ids: np.ndarray):
        self.hashes, self.ids = hashes, ids

    def __len__(self) -> int:
        return len(self.hashes) + 1  # id 0 is no term

    def id(self, term: str) -> int | None:
        h = np.uint64(term_hash(term))
        k = int(np.searchsorted(self.hashes, h))
        return int(self.ids[k]) if k < len(self.hashes) and self.hashes[k] == h else None


# -- the index of one state --------------------------------------------------------------------------------

class LexicalIndex:
    chunks: ChunkTable

    def __init__(self, paths: list[str], languages: dict[str, str], chunks: ChunkTable, members: Lists,
                 by_name: Lists, by_qual_suffix: Lists, chunk_bm25: BM25, file_bm25: BM25,
                 index: Mapping[str, int] | None = None):
        """`index`: path → its place in `paths` (more keys allowed, placed after them), when the caller has one
        (the file graph's), so that this does not make another of 200k entries."""
        self.paths = paths
        self.languages = languages  # path → language, every indexed file
        self.chunks = chunks
        self.chunk_file = chunks.cols[1]  # chunk → index in paths; chunks are grouped by file, in path order
        fptr = np.searchsorted(self.chunk_file, np.arange(len(paths) + 1))
        self.chunks_of: Mapping[str, list[int]] = _Spans(paths, fptr, index)
        self.by_basename: dict[str, list[str]] = {}
        for p in paths:
            self.by_basename.setdefault(p.rsplit("/", 1)[-1], []).append(p)
        self.members = members  # chunk of a class → chunks of its direct members
        self.by_name = by_name  # last name part → chunk indexes (variables: enclosing chunk)
        self.by_qual_suffix = by_qual_suffix  # "Class.method" → chunk indexes
        self._chunk_bm25, self._file_bm25 = chunk_bm25, file_bm25

    @classmethod
    def build(cls, store: Store) -> LexicalIndex:
        """The index of the state `store` reads, from the lexicons the index holds, a block of files at a time."""
        paths: list[str] = []
        languages: dict[str, str] = {}
        names: dict[str, str] = {}
        acc = _Accumulator()
        block: list[tuple[int, tuple]] = []
        for path, language, row in store.lexicons():
            paths.append(path)
            languages[path] = names.setdefault(language, language)  # one string per language, not per file
            shape = _shape(row)  # None: no lexicon, or not one the index writes: a file without chunks or terms
            block.append((shape, row))
            if len(block) == BLOCK_FILES:
                acc.add(block)
                block = []
        acc.add(block)
        return acc.index(cls, store, paths, languages)

    def chunk_scores(self, terms: list[str]) -> np.ndarray:
        return self._chunk_bm25.scores(terms)

    def best_chunk_per_file(self, chunk_scores: np.ndarray) -> dict[str, float]:
        """For each file with a matching chunk: the highest chunk score."""
        best = np.zeros(len(self.paths), dtype=np.float32)
        np.maximum.at(best, self.chunk_file, chunk_scores)
        return self._by_path(best)

    def file_scores(self, terms: list[str]) -> dict[str, float]:
        return self._by_path(self._file_bm25.scores(terms))

    def _by_path(self, scores: np.ndarray) -> dict[str, float]:
        """path → score of the files scoring above zero, in path order."""
        hit = np.flatnonzero(scores)
        paths = self.paths
        return dict(zip([paths[i] for i in hit.tolist()], scores[hit].tolist(), strict=True))


class _Accumulator:
    """The lexicons of the files in path order, gathered block by block into flat arrays: term ids numbered
    in order of first appearance (each block's hashes sorted once; a dict holds hash → id of the terms seen).
    Each block's file documents are summed as the block is read, and counts are kept in the narrowest type
    that holds them, so what waits for the BM25 matrices is ~5 bytes per entry (13M chunk entries at 200k)."""

    def __init__(self) -> None:
        self.term_ids: dict[int, int] = {}
        self.meta: list[np.ndarray] = []
        self.ranges: list[np.ndarray] = []
        self.chunk_docs = _Documents()  # a document per chunk: its terms
        self.file_docs = _Documents()  # a document per file: its chunks' terms, and its path's twice
        self.file_len: list[np.ndarray] = []
        self.chunks_per_file: list[np.ndarray] = []
        self.names = bytearray()  # the chunks' names, each ended by NUL
        self.by_name, self.by_qual, self.members = _Groups(), _Groups(), _Groups(ints=True)
        self.variables: list[tuple[str, int]] = []
        self.n_chunks = 0
        self.bad = False

    def add(self, block: list[tuple[tuple[int, int] | None, tuple]]) -> None:
        rows = [row for shape, row in block if shape is not None]
        meta = np.frombuffer(b"".join(r[0] for r in rows), dtype="<i4").reshape(-1, _META).astype(np.int32)
        hashes = np.frombuffer(b"".join(r[3] for r in rows), dtype="<u8")
        tf = np.frombuffer(b"".join(r[4] for r in rows), dtype="<u4")
        ids = self._number(hashes)
        entries, chunks, k = [], [], 0  # per file: its chunk terms, its path terms; its chunks
        for shape, row in block:
            if shape is None:
                entries += (0, 0)
                chunks.append(0)
                continue
            n, n_vars = shape
            entries += (int(meta[k:k + n, 4].sum()), row[5])
            chunks.append(n)
            k += n
            self._names(row[2].split("\0") if n else [], row[6].split("\0") if n_vars else [],
                        np.frombuffer(row[7], dtype="<i4").tolist(), n)
        counts = np.array(entries, dtype=np.int64)
        self.bad |= int(counts.sum()) != len(ids) or len(tf) != len(ids)
        if self.bad:
            return
        n_files = len(block)
        is_path = np.repeat(np.tile(np.array([False, True]), n_files), counts)
        file_of = np.repeat(np.arange(n_files, dtype=np.int64), counts[0::2] + counts[1::2])
        self.meta.append(meta)
        self.ranges.append(np.frombuffer(b"".join(r[1] for r in rows), dtype="<i4").astype(np.int32))
        self.chunks_per_file.append(np.array(chunks, dtype=np.int64))
        self.chunk_docs.add(meta[:, 4], ids[~is_path], tf[~is_path])
        # a file's document: the same term in several chunks (or in the path) summed; terms by id within it
        weight = np.where(is_path, np.uint32(2), np.uint32(1)) * tf
        width = len(self.term_ids) + 1
        keys, inverse = np.unique(file_of * width + ids, return_inverse=True)
        summed = np.bincount(inverse.reshape(-1), weights=weight, minlength=len(keys)).astype(np.int64)
        self.file_docs.add(np.bincount(keys // width, minlength=n_files), (keys % width).astype(np.int32), summed)
        chunk_part = np.bincount(file_of[~is_path], weights=tf[~is_path], minlength=n_files).astype(np.float32)
        path_part = np.bincount(file_of[is_path], weights=weight[is_path], minlength=n_files).astype(np.float32)
        self.file_len.append(chunk_part + path_part)

    def _number(self, hashes: np.ndarray) -> np.ndarray:
        if not len(hashes):
            return np.zeros(0, dtype=np.int32)
        uniq, first, inverse = np.unique(hashes, return_index=True, return_inverse=True)
        known = self.term_ids
        got = np.fromiter((known.get(h, 0) for h in uniq.tolist()), dtype=np.int32, count=len(uniq))
        new = np.nonzero(got == 0)[0]
        if len(new):
            new = new[np.argsort(first[new], kind="stable")]
            start = len(known) + 1  # id 0 is no term
            got[new] = np.arange(start, start + len(new), dtype=np.int32)
            known.update(zip(uniq[new].tolist(), range(start, start + len(new)), strict=True))
        return got[inverse.reshape(-1)]

    def _names(self, names: list[str], var_names: list[str], var_chunks: list[int], n: int) -> None:
        """One file's chunk names into the name lookups (a class's members are chunks of its file)."""
        base = self.n_chunks
        self.n_chunks += n
        self.names += "".join(name + "\0" for name in names).encode("utf-8", "surrogatepass")
        local = {name: base + i for i, name in enumerate(names) if name}
        for i, name in enumerate(names, base):
            if not name:
                continue
            parts = name.split(".")
            self.by_name.add(parts[-1], i)
            if len(parts) > 1:
                self.by_qual.add(".".join(parts[-2:]), i)
                if (parent := local.get(name.rsplit(".", 1)[0])) is not None:
                    self.members.add(parent, i)
        for name, k in zip(var_names, var_chunks, strict=True):
            if 0 <= k < n:
                self.variables.append((name, base + k))
            else:
                self.bad = True

    def index(self, cls: type[LexicalIndex], store: Store, paths: list[str], languages: dict[str, str]) -> LexicalIndex:
        m = np.concatenate(self.meta) if self.meta else np.zeros((0, _META), dtype=np.int32)
        self.meta = []
        lines = np.concatenate(self.ranges) if self.ranges else np.zeros(0, dtype=np.int32)
        self.ranges = []
        n_chunks, n_files = len(m), len(paths)
        names = Strings(bytes(self.names))
        self.names = bytearray()
        if (self.bad or len(names) != n_chunks or self.n_chunks != n_chunks or int(m[:, 3].sum()) * 2 != len(lines)
                or (m[:, 3:] < 0).any() or ((m[:, 2] < 0) | (m[:, 2] >= len(KINDS))).any()
                or ((m[:, :2] < 0) | (m[:, :2] > MAX_LINE)).any() or ((lines < 0) | (lines > MAX_LINE)).any()):
            raise IndexStateError(f"index {store.path} is damaged (its lexical rows do not add up); delete this "
                                  f"file (contextpack made it) to rebuild")
        known = self.term_ids
        order = sorted(known)
        vocab = Vocabulary(np.array(order, dtype=np.uint64), np.fromiter(map(known.get, order), dtype=np.int32,
                                                                          count=len(order)))
        width = len(known) + 1
        chunk_bm25 = BM25.of(self.chunk_docs, width, vocab)
        trim()  # the chunk documents
        file_len = _joined(self.file_len, np.float32)
        self.file_len = []
        file_bm25 = BM25.of(self.file_docs, width, vocab, file_len)
        trim()
        for name, i in self.variables:  # variables and constants: the chunk they sit in
            self.by_name.add(name, i)
        lines_ptr = np.zeros(n_chunks + 1, dtype=np.int64)
        np.cumsum(m[:, 3], out=lines_ptr[1:])
        chunk_file = np.repeat(np.arange(n_files, dtype=np.int32), _joined(self.chunks_per_file, np.int64))
        chunks = ChunkTable(paths, chunk_file, m[:, 0].copy(), m[:, 1].copy(), names, m[:, 2].copy(), lines_ptr, lines)
        return cls(paths, languages, chunks, self.members.lists(), self.by_name.lists(), self.by_qual.lists(),
                   chunk_bm25, file_bm25)


class _Groups:
    """key → values appended in order, held as two integer arrays (a key's number, a value) instead of a
    list of Python ints per key: a million chunks are named. Int keys (`ints`) are kept as they are and
    numbered at the end, without a dict."""

    def __init__(self, ints: bool = False) -> None:
        self.number: dict | None = None if ints else {}
        self.keys, self.values = array("q"), array("q")

    def add(self, key, value: int) -> None:
        self.keys.append(key if self.number is None else self.number.setdefault(key, len(self.number)))
        self.values.append(value)

    def lists(self) -> Lists:
        """As `Lists`: keys in order of first appearance, each one's values in the order added."""
        keys = np.frombuffer(self.keys, dtype=np.int64) if self.keys else np.zeros(0, dtype=np.int64)
        values = np.frombuffer(self.values, dtype=np.int64) if self.values else np.zeros(0, dtype=np.int64)
        if self.number is None:
            uniq, first, keys = np.unique(keys, return_index=True, return_inverse=True)
            by_first = np.argsort(first, kind="stable")
            number = np.empty(len(uniq), dtype=np.int64)
            number[by_first] = np.arange(len(uniq))
            keys, n = number[keys.reshape(-1)], len(uniq)
        else:
            n = len(self.number)
        ptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(keys, minlength=n), out=ptr[1:])
        flat = values[np.argsort(keys, kind="stable")].astype(np.int32)
        if self.number is None:
            return IntLists(uniq[by_first].astype(np.int32), ptr, flat)
        return Lists(list(self.number), ptr, flat)


class _Documents:
    """Documents' terms as CSR blocks, in document order: per block the documents' entry counts, the entries'
    term ids and their counts (each in the narrowest unsigned type that holds the block's)."""

    def __init__(self) -> None:
        self.blocks: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def add(self, entries: np.ndarray, ids: np.ndarray, tf: np.ndarray) -> None:
        self.blocks.append((np.asarray(entries, dtype=np.int64), _narrow(ids), _narrow(tf)))

    def lengths(self) -> np.ndarray:
        """Per document, the sum of its counts."""
        out = [np.bincount(np.repeat(np.arange(len(e)), e), weights=tf, minlength=len(e)).astype(np.float32)
               for e, _, tf in self.blocks]
        return _joined(out, np.float32)


def _narrow(values: np.ndarray) -> np.ndarray:
    """Non-negative integers in the narrowest unsigned type that holds them."""
    return values.astype(np.min_scalar_type(int(values.max())) if len(values) else np.uint8)


def _joined(parts: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype=dtype)


class Strings(Sequence):
    """Many strings as one UTF-8 blob, each ended by NUL; each decoded when asked for."""

    def __init__(self, blob: bytes | np.ndarray):
        self.blob = blob  # bytes, or an array of uint8 (a view of the sidecar's map: not copied)
        self._ends = np.flatnonzero(np.frombuffer(blob, dtype=np.uint8) == 0)  # a string starts after the last's end

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        end = int(self._ends[i])
        start = int(self._ends[i - 1]) + 1 if i % len(self._ends) else 0
        return bytes(self.blob[start:end]).decode("utf-8", "surrogatepass")

    def run(self, first: int, stop: int) -> list[str]:
        """`self[first:stop]` decoded at once (a file's names are a run of the index's)."""
        if not 0 <= first < stop <= len(self._ends):
            return self[first:stop]
        start = int(self._ends[first - 1]) + 1 if first else 0
        return bytes(self.blob[start:int(self._ends[stop - 1])]).decode("utf-8", "surrogatepass").split("\0")


def _shape(row: tuple | None) -> tuple[int, int] | None:
    """(chunks, variables) of a stored lexicon row, or None when its columns are not what the index writes."""
    if row is None or len(row) != 8:
        return None
    chunks, ranges, names, terms, counts, path_terms, variables, var_chunks = row
    if not (isinstance(chunks, bytes) and isinstance(ranges, bytes) and isinstance(names, str)
            and isinstance(terms, bytes) and isinstance(counts, bytes) and isinstance(path_terms, int)
            and isinstance(variables, str) and isinstance(var_chunks, bytes)):
        return None
    n, n_vars = len(chunks) // (4 * _META), len(var_chunks) // 4
    if (len(chunks) % (4 * _META) or len(ranges) % 8 or len(terms) % 8 or len(counts) * 2 != len(terms)
            or not 0 <= path_terms <= len(counts) // 4 or len(var_chunks) % 4
            or (names.count("\0") + 1 if n else len(names)) != n
            or (variables.count("\0") + 1 if n_vars else len(variables)) != n_vars):
        return None
    return n, n_vars


class BM25:
    """Okapi BM25, Lucene variant: idf = ln(1 + (N - df + .5) / (df + .5)), tf saturated by k1 and
    normalised by document length with b. Held as the CSC arrays of the (documents × terms) weight matrix."""

    def __init__(self, n: int, width: int, data: np.ndarray, indices: np.ndarray, indptr: np.ndarray,
                 vocab: Vocabulary):
        self.n, self.width, self.data, self.indices, self.indptr, self.vocab = n, width, data, indices, indptr, vocab

    @classmethod
    def of(cls, docs: _Documents, width: int, vocab: Vocabulary, lengths: np.ndarray | None = None,
           k1: float = 1.5, b: float = 0.75) -> BM25:
        """The scorer of `docs` (no term twice in a document) holding `lengths` terms (default: the sum of
        their counts). The CSC arrays are filled by a counting sort, block by block, each block's weights
        computed as it is placed and the block dropped then: no copy of the whole matrix is ever made
        (tens of millions of entries at 200k files). Each weight is computed by the same float32 steps as
        over the whole matrix at once, so the arrays are the same to the bit."""
        if lengths is None:
            lengths = docs.lengths()
        n = len(lengths)
        df = np.zeros(width, dtype=np.int64)
        for _, ids, _ in docs.blocks:
            df += np.bincount(ids, minlength=width)
        idf = np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)
        avgdl = float(lengths.mean()) if n else 1.0
        nnz = int(df.sum())
        small = np.int32 if nnz < 2**31 and n < 2**31 else np.int64  # a narrower index: half the memory
        indptr = np.zeros(width + 1, dtype=small)
        np.cumsum(df, out=indptr[1:])
        data, indices = np.empty(nnz, dtype=np.float32), np.empty(nnz, dtype=small)
        fill = indptr[:-1].astype(np.int64)  # per column: where its next entry goes
        row0 = 0
        while docs.blocks:
            entries, ids, tf = docs.blocks.pop(0)
            tf = tf.astype(np.float32)
            rows = np.repeat(np.arange(row0, row0 + len(entries), dtype=small), entries)
            x = lengths[rows]  # tf / (tf + k1 * (1 - b + b * dl / avgdl)) * idf, step by step
            np.multiply(x, b, out=x)
            np.divide(x, avgdl, out=x)
            np.add(x, 1 - b, out=x)
            np.multiply(x, k1, out=x)
            np.add(x, tf, out=x)
            np.divide(tf, x, out=x)
            x *= idf[ids]
            order = np.argsort(ids, kind="stable")  # a column's entries in row order
            col = ids[order]
            pos = fill[col] + (np.arange(len(col)) - np.searchsorted(col, col))
            indices[pos], data[pos] = rows[order], x[order]
            fill += np.bincount(ids, minlength=width)
            row0 += len(entries)
        return cls(n, width, data, indices, indptr, vocab)

    def scores(self, terms: Iterable[str]) -> np.ndarray:
        """Per document, the sum of the weights of the terms' columns, added column by column in id order
        (as scipy's `matrix[:, ids].sum(axis=1)` does, to the bit)."""
        width = self.width
        ids = sorted({i for t in set(terms) if (i := self.vocab.id(t)) is not None and i < width})
        if not ids or self.n == 0:
            return np.zeros(self.n, dtype=np.float32)
        out = np.zeros(self.n, dtype=self.data.dtype)
        ptr, rows, data = self.indptr, self.indices, self.data
        for j in ids:  # a column holds each row once
            out[rows[ptr[j]:ptr[j + 1]]] += data[ptr[j]:ptr[j + 1]]
        return out
