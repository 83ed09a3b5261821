"""Lexical retrieval: BM25 over code chunks and over whole files, with identifiers split into
sub-words. A chunk is one definition's own lines (a class without its methods, a function) or the
module-level lines of a file; text files are cut into windows.

Built once per index state; per-file chunking and tokenisation are cached by content hash, so the
index after a small change costs little more than the BM25 matrices. The scoring is BM25 (Lucene's
variant, as bm25s computes it) built with scipy in a few vectorised steps: bm25s indexes document by
document in Python, which took ~5 s for Django's 40k chunks, on every index state.

    lex = LexicalIndex.build(store, root, LexicalCache())
    lex.file_scores(["bulk", "create"])        # {path: score}
    lex.chunk_scores(["bulk", "create"])       # numpy array aligned with lex.chunks
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .store import DefinitionRow, Store
from .task import split_identifier

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_WINDOW = 60  # lines per chunk of a text file
_CHUNK_KINDS = {"function", "method", "class", "struct", "interface", "enum", "trait", "impl", "type",
                "module", "namespace"}
# per-file entries kept across index states; past this many the cache starts over (with a new vocabulary)
MAX_CACHED_FILES = 200_000


class LexicalCache:
    """What lexical indexes of successive states of one repository share: per-file chunks and term ids
    keyed by (path, sha256), and the term → id vocabulary those ids refer to. Owned by one engine; bounded.
    An index keeps the vocabulary it was built with, so starting over never disturbs a live index."""

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {"": 0}  # only grows, so ids of older entries stay valid
        self.entries: dict[tuple[str, str], tuple] = {}
        self._pending: Callable[[], dict[tuple[str, str], tuple]] | None = None

    def adopt(self, vocab: dict[str, int], entries: Callable[[], dict[tuple[str, str], tuple]]) -> None:
        """Start over from a restored index: its vocabulary now, its per-file entries (which `entries` makes)
        when the next index is built, so that one costs what it would have after building the restored one."""
        self.vocab, self.entries, self._pending = vocab, {}, entries

    def _take_pending(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            self.entries.update(pending())

    def ids(self, terms: list[str]) -> np.ndarray:
        """Term ids, new terms numbered in order of first appearance."""
        vocab = self.vocab
        out = list(map(vocab.get, terms))
        if None in out:
            for i, v in enumerate(out):
                if v is None:
                    out[i] = vocab.setdefault(terms[i], len(vocab))
        return np.array(out, dtype=np.int32)

    def make_room(self, needed: int) -> None:
        if len(self.entries) + needed > MAX_CACHED_FILES:
            self.vocab, self.entries = {"": 0}, {}


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


def _chunks_of(path: str, language: str, lines: list[str], defs: list[DefinitionRow]) -> list[Chunk]:
    n = len(lines)
    spans = [d for d in defs if d.kind in _CHUNK_KINDS and d.end_line >= d.start_line]
    if not spans:
        return [Chunk(path, s, min(s + _WINDOW - 1, n), "", "text", ((s, min(s + _WINDOW - 1, n)),))
                for s in range(1, n + 1, _WINDOW)] if n else []
    spans.sort(key=lambda d: (d.start_line, -d.end_line))
    owner = [-1] * (n + 1)  # per line: the innermost chunk definition that owns it (an index of spans)
    for i, d in enumerate(spans):
        a, b = max(d.start_line, 1), min(d.end_line, n)
        if a <= b:
            owner[a:b + 1] = [i] * (b - a + 1)
    out: list[Chunk] = []
    groups: dict[object, list[tuple[int, int]]] = {}  # owner → its runs of lines, in order of first line
    ln = 1
    for i, run in itertools.groupby(owner[1:]):
        end = ln + sum(1 for _ in run) - 1
        groups.setdefault(spans[i] if i >= 0 else None, []).append((ln, end))
        ln = end + 1
    for d, ranges in groups.items():
        if d is None:
            out.append(Chunk(path, ranges[0][0], ranges[-1][1], "", "module", tuple(ranges)))
        else:
            out.append(Chunk(path, d.start_line, d.end_line, d.qualname, d.kind, tuple(ranges)))
    out.sort(key=lambda c: (c.start, c.end, c.name))
    return out


class LexicalIndex:
    chunks: Sequence[Chunk]  # a list when built; a table that makes each Chunk on first use when restored

    def __init__(self, chunks: list[Chunk], chunk_terms: list[np.ndarray], paths: list[str],
                 file_terms: list[np.ndarray], languages: dict[str, str], vocab: dict[str, int]):
        self.chunks = chunks
        self.paths = paths
        self.languages = languages  # path → language, every indexed file
        self.by_basename: dict[str, list[str]] = {}
        for p in paths:
            self.by_basename.setdefault(p.rsplit("/", 1)[-1], []).append(p)
        self.members: dict[int, list[int]] = {}  # chunk of a class → chunks of its direct members
        index_of = {(c.path, c.name): i for i, c in enumerate(chunks) if c.name}
        for i, c in enumerate(chunks):
            if c.name and "." in c.name and (parent := index_of.get((c.path, c.name.rsplit(".", 1)[0]))) is not None:
                self.members.setdefault(parent, []).append(i)
        file_index = {p: i for i, p in enumerate(paths)}
        self.chunk_file = np.array([file_index[c.path] for c in chunks], dtype=np.int64)  # chunk → file
        self.chunks_of: dict[str, list[int]] = {}
        self.by_name: dict[str, list[int]] = {}  # last name part → chunk indexes (variables: enclosing chunk)
        self.by_qual_suffix: dict[str, list[int]] = {}  # "Class.method" → chunk indexes
        for i, c in enumerate(chunks):
            self.chunks_of.setdefault(c.path, []).append(i)
            if c.name:
                parts = c.name.split(".")
                self.by_name.setdefault(parts[-1], []).append(i)
                if len(parts) > 1:
                    self.by_qual_suffix.setdefault(".".join(parts[-2:]), []).append(i)
        self._chunk_bm25 = BM25(chunk_terms, vocab)
        self._file_bm25 = BM25(file_terms, vocab)

    @classmethod
    def restore(cls, chunks: Sequence[Chunk], paths: list[str], languages: dict[str, str],
                members: dict[int, list[int]], chunk_file: np.ndarray, chunks_of: dict[str, list[int]],
                by_name: dict[str, list[int]], by_qual_suffix: dict[str, list[int]], chunk_bm25: BM25,
                file_bm25: BM25) -> LexicalIndex:
        """An index from the parts a built one consists of (as `derived` persists them), without
        recomputing anything."""
        self = cls.__new__(cls)
        self.chunks, self.paths, self.languages = chunks, paths, languages
        self.by_basename = {}
        for p in paths:
            self.by_basename.setdefault(p.rsplit("/", 1)[-1], []).append(p)
        self.members, self.chunk_file, self.chunks_of = members, chunk_file, chunks_of
        self.by_name, self.by_qual_suffix = by_name, by_qual_suffix
        self._chunk_bm25, self._file_bm25 = chunk_bm25, file_bm25
        return self

    @classmethod
    def build(cls, store: Store, root: Path, cache: LexicalCache) -> LexicalIndex:
        """Chunks and terms of files already in `cache` (by path and content hash) are reused."""
        cache._take_pending()
        files = store.files()
        missing = [f for f in files if (f.path, f.sha256) not in cache.entries]
        cache.make_room(len(missing))
        if not cache.entries:
            missing = files
        vocab = cache.vocab
        defs: dict[str, list[DefinitionRow]] = {}
        if len(missing) > 200:  # one query for all beats hundreds of small ones
            for d in store.definitions():
                defs.setdefault(d.path, []).append(d)
        else:
            defs = {f.path: store.definitions(f.path) for f in missing}
        chunks, chunk_terms, paths, file_terms = [], [], [], []
        variable_chunks: list[tuple[str, int]] = []
        root_dir = str(root)
        for f in files:
            key = (f.path, f.sha256)
            entry = cache.entries.get(key)
            if entry is None:
                try:
                    with open(f"{root_dir}/{f.path}", encoding="utf-8", errors="replace") as fh:
                        text = fh.read()
                except OSError:
                    continue
                lines = text.split("\n")
                if lines and lines[-1] == "":
                    lines.pop()
                fchunks = _chunks_of(f.path, f.language, lines, defs.get(f.path, []))
                cterms = []
                for c in fchunks:
                    body = "\n".join("\n".join(lines[a - 1:b]) for a, b in c.lines)
                    cterms.append(cache.ids(terms_of(body) + (terms_of(c.name.rsplit(".", 1)[-1]) if c.name else [])))
                path_terms = cache.ids(terms_of(f.path.replace("/", " ").replace(".", " ")))
                fterms = np.concatenate([*cterms, path_terms, path_terms])
                # variables and constants are no chunks: a mention of one points at the chunk it sits in
                variables = []
                for d in defs.get(f.path, []):
                    if d.kind in ("variable", "constant"):
                        owner = next((k for k, c in enumerate(fchunks)
                                      if any(a <= d.start_line <= b for a, b in c.lines)), None)
                        if owner is not None:
                            variables.append((d.name, owner))
                entry = (fchunks, cterms, fterms, variables)
                cache.entries[key] = entry
            base = len(chunks)
            chunks += entry[0]
            chunk_terms += entry[1]
            paths.append(f.path)
            file_terms.append(entry[2])
            variable_chunks += [(name, base + k) for name, k in entry[3]]
        index = cls(chunks, chunk_terms, paths, file_terms, {f.path: f.language for f in files}, vocab)
        for name, i in variable_chunks:
            index.by_name.setdefault(name, []).append(i)
        return index

    def chunk_scores(self, terms: list[str]) -> np.ndarray:
        return self._chunk_bm25.scores(terms)

    def best_chunk_per_file(self, chunk_scores: np.ndarray) -> dict[str, float]:
        """For each file with a matching chunk: the highest chunk score."""
        best = np.zeros(len(self.paths), dtype=np.float32)
        np.maximum.at(best, self.chunk_file, chunk_scores)
        return {self.paths[i]: float(best[i]) for i in np.nonzero(best)[0]}

    def file_scores(self, terms: list[str]) -> dict[str, float]:
        scores = self._file_bm25.scores(terms)
        return {self.paths[i]: float(scores[i]) for i in np.nonzero(scores)[0]}


class BM25:
    """Okapi BM25, Lucene variant: idf = ln(1 + (N - df + .5) / (df + .5)), tf saturated by k1 and
    normalised by document length with b. Documents are arrays of term ids."""

    def __init__(self, docs: list[np.ndarray], vocab: dict[str, int], k1: float = 1.5, b: float = 0.75):
        import scipy.sparse as sp  # only to build: scoring reads the CSC arrays

        self.n = len(docs)
        self.vocab = vocab
        lengths = np.array([len(d) for d in docs], dtype=np.float32)
        cols = np.concatenate(docs) if docs else np.zeros(0, dtype=np.int32)
        rows = np.repeat(np.arange(self.n, dtype=np.int32), lengths.astype(np.int64))
        width = max(len(vocab), int(cols.max()) + 1 if len(cols) else 1)
        tf = sp.csr_array((np.ones(len(cols), dtype=np.float32), (rows, cols)), shape=(self.n, width))
        tf.sum_duplicates()
        df = np.bincount(tf.indices, minlength=width)
        idf = np.log1p((self.n - df + 0.5) / (df + 0.5)).astype(np.float32)
        avgdl = float(lengths.mean()) if self.n else 1.0
        dl = np.repeat(lengths, np.diff(tf.indptr))
        tf.data = tf.data / (tf.data + k1 * (1 - b + b * dl / avgdl)) * idf[tf.indices]
        m = tf.tocsc()
        self.width, self.data, self.indices, self.indptr = m.shape[1], m.data, m.indices, m.indptr

    @classmethod
    def restore(cls, n: int, width: int, data: np.ndarray, indices: np.ndarray, indptr: np.ndarray,
                vocab: dict[str, int]) -> BM25:
        """The scorer whose (documents × terms) weight matrix has these CSC arrays, as `__init__` builds it."""
        self = cls.__new__(cls)
        self.n, self.width, self.data, self.indices, self.indptr, self.vocab = n, width, data, indices, indptr, vocab
        return self

    def scores(self, terms: list[str]) -> np.ndarray:
        """Per document, the sum of the weights of the terms' columns, added column by column in id order
        (as scipy's `matrix[:, ids].sum(axis=1)` does, to the bit)."""
        vocab, width = self.vocab, self.width
        ids = sorted({vocab[t] for t in terms if t in vocab and vocab[t] < width})
        if not ids or self.n == 0:
            return np.zeros(self.n, dtype=np.float32)
        out = np.zeros(self.n, dtype=self.data.dtype)
        ptr, rows, data = self.indptr, self.indices, self.data
        for j in ids:  # a column holds each row once
            out[rows[ptr[j]:ptr[j + 1]]] += data[ptr[j]:ptr[j + 1]]
        return out
