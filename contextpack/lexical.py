"""Lexical retrieval: BM25 (bm25s) over code chunks and over whole files, with identifiers split into
sub-words. A chunk is one definition's own lines (a class without its methods, a function) or the
module-level lines of a file; text files are cut into windows.

Built once per index state; per-file chunking and tokenisation are cached by content hash, so the
index after a small change costs little more than the BM25 matrices.

    lex = LexicalIndex.build(store, root, cache={})
    lex.file_scores(["bulk", "create"])        # {path: score}
    lex.chunk_scores(["bulk", "create"])       # numpy array aligned with lex.chunks
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np

from .store import DefinitionRow, Store
from .task import split_identifier

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_WINDOW = 60  # lines per chunk of a text file
_CHUNK_KINDS = {"function", "method", "class", "struct", "interface", "enum", "trait", "impl", "type",
                "module", "namespace"}
_SPLIT_CACHE: dict[str, list[str]] = {}
_VOCAB: dict[str, int] = {"": 0}  # term → id, shared by every index in the process (only grows)


def _ids(terms: list[str]) -> list[int]:
    vocab = _VOCAB
    return [vocab.setdefault(t, len(vocab)) for t in terms]


@dataclass(frozen=True)
class Chunk:
    path: str
    start: int  # 1-based inclusive
    end: int
    name: str  # qualified name of the definition; "" for module-level lines and text windows
    kind: str  # definition kind, "module" or "text"
    lines: tuple[tuple[int, int], ...]  # the ranges it covers (a class minus its methods has holes)


def terms_of(text: str) -> list[str]:
    """Index terms of source text: each identifier lower-cased whole and as sub-words."""
    out: list[str] = []
    cache = _SPLIT_CACHE
    for ident in _IDENT.findall(text):
        t = cache.get(ident)
        if t is None:
            subs = [s for s in split_identifier(ident) if len(s) > 1]
            low = ident.lower()
            t = subs if len(subs) == 1 and subs[0] == low else [low, *subs]
            if len(cache) < 500_000:
                cache[ident] = t
        out += t
    return out


def _chunks_of(path: str, language: str, lines: list[str], defs: list[DefinitionRow]) -> list[Chunk]:
    n = len(lines)
    spans = [d for d in defs if d.kind in _CHUNK_KINDS and d.end_line >= d.start_line]
    if not spans:
        return [Chunk(path, s, min(s + _WINDOW - 1, n), "", "text", ((s, min(s + _WINDOW - 1, n)),))
                for s in range(1, n + 1, _WINDOW)] if n else []
    owner = [None] * (n + 2)  # innermost chunk definition that owns each line
    for d in sorted(spans, key=lambda d: (d.start_line, -d.end_line)):
        for ln in range(max(d.start_line, 1), min(d.end_line, n) + 1):
            owner[ln] = d
    out: list[Chunk] = []
    groups: dict[object, list[int]] = {}
    for ln in range(1, n + 1):
        groups.setdefault(owner[ln], []).append(ln)
    for d, lns in groups.items():
        ranges, start, prev = [], lns[0], lns[0]
        for ln in lns[1:]:
            if ln != prev + 1:
                ranges.append((start, prev))
                start = ln
            prev = ln
        ranges.append((start, prev))
        if d is None:
            out.append(Chunk(path, lns[0], lns[-1], "", "module", tuple(ranges)))
        else:
            out.append(Chunk(path, d.start_line, d.end_line, d.qualname, d.kind, tuple(ranges)))
    out.sort(key=lambda c: (c.start, c.end, c.name))
    return out


class LexicalIndex:
    def __init__(self, chunks: list[Chunk], chunk_terms: list[list[str]], paths: list[str],
                 file_terms: list[list[str]]):
        self.chunks = chunks
        self.paths = paths
        self.chunks_of: dict[str, list[int]] = {}
        self.by_name: dict[str, list[int]] = {}  # last name part → chunk indexes
        self.by_qual_suffix: dict[str, list[int]] = {}  # "Class.method" → chunk indexes
        for i, c in enumerate(chunks):
            self.chunks_of.setdefault(c.path, []).append(i)
            if c.name:
                parts = c.name.split(".")
                self.by_name.setdefault(parts[-1], []).append(i)
                if len(parts) > 1:
                    self.by_qual_suffix.setdefault(".".join(parts[-2:]), []).append(i)
        self._chunk_bm25 = _bm25(chunk_terms)
        self._file_bm25 = _bm25(file_terms)

    @classmethod
    def build(cls, store: Store, root: Path, cache: dict) -> LexicalIndex:
        """`cache` maps sha256 → (chunks, their terms, file terms); reuse it across index states."""
        defs: dict[str, list[DefinitionRow]] = {}
        for d in store.definitions():
            defs.setdefault(d.path, []).append(d)
        chunks, chunk_terms, paths, file_terms = [], [], [], []
        for f in store.files():
            key = (f.path, f.sha256)
            entry = cache.get(key)
            if entry is None:
                try:
                    text = (root / f.path).read_text("utf-8", errors="replace")
                except OSError:
                    continue
                lines = text.split("\n")
                if lines and lines[-1] == "":
                    lines.pop()
                fchunks = _chunks_of(f.path, f.language, lines, defs.get(f.path, []))
                cterms = []
                for c in fchunks:
                    body = "\n".join("\n".join(lines[a - 1:b]) for a, b in c.lines)
                    cterms.append(_ids(terms_of(body) + (terms_of(c.name.rsplit(".", 1)[-1]) if c.name else [])))
                path_terms = _ids(terms_of(f.path.replace("/", " ").replace(".", " ")))
                fterms = [t for ts in cterms for t in ts] + path_terms * 2
                entry = (fchunks, cterms, fterms)
                cache[key] = entry
            chunks += entry[0]
            chunk_terms += entry[1]
            paths.append(f.path)
            file_terms.append(entry[2])
        return cls(chunks, chunk_terms, paths, file_terms)

    def chunk_scores(self, terms: list[str]) -> np.ndarray:
        return _scores(self._chunk_bm25, terms, len(self.chunks))

    def file_scores(self, terms: list[str]) -> dict[str, float]:
        scores = _scores(self._file_bm25, terms, len(self.paths))
        return {self.paths[i]: float(scores[i]) for i in np.nonzero(scores)[0]}


def _bm25(corpus: list[list[int]]):
    if not corpus:
        return None
    model = bm25s.BM25()
    vocab = {str(i): i for i in range(len(_VOCAB))}
    model.index(bm25s.tokenization.Tokenized(ids=corpus, vocab=vocab), show_progress=False,
                create_empty_token=False)
    return model


def _scores(model, terms: list[str], n: int) -> np.ndarray:
    ids = [str(_VOCAB[t]) for t in dict.fromkeys(terms) if t in _VOCAB]
    if model is None or not ids or n == 0:
        return np.zeros(n, dtype=np.float32)
    return model.get_scores(ids)
