"""What the retrieval benchmarks share: the BM25 whole-files baseline, the scoring of a bundle against gold
edited lines, the per-(task, method, budget) result record and the table formatting helpers.

Used by swebench_retrieval.py (SWE-bench tasks), commit_retrieval.py (tasks made from real commits) and
pack_priors.py, so they measure the same baseline and the same metrics.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import traceback
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import bm25s
import numpy as np
import tiktoken
from _materialise import Checkout
from bm25s.stopwords import STOPWORDS_EN

if TYPE_CHECKING:
    from contextpack.pack import Priors

CP = "contextpack"
BM25 = "bm25-whole-files"

# -- baseline parameters: the SWE-bench paper used Pyserini (Lucene) with its defaults --------------------
BM25_K1, BM25_B = 0.9, 0.4  # Anserini/Pyserini defaults
MAX_FILE_BYTES = 1 << 20  # skip files over 1 MiB
MAX_FILES_TRIED = 200  # stop after trying this many ranked files
BINARY_SNIFF = 8192  # a NUL byte in the first 8 KiB means binary
BINARY_EXT = frozenset(
    ".png .jpg .jpeg .gif .bmp .ico .icns .tif .tiff .webp .pdf .eps .ps .zip .gz .tgz .bz2 .xz .7z .tar "
    ".whl .egg .jar .so .dylib .dll .exe .o .a .pyc .pyo .pyd .mo .woff .woff2 .ttf .otf .eot .npy .npz "
    ".pkl .pickle .fits .fit .fts .hdf5 .h5 .nc .sqlite .sqlite3 .db .wav .mp3 .mp4 .avi .ogg .swf".split()
)
TOKEN_RE = re.compile(r"(?u)\b\w\w+\b")  # bm25s' default tokenizer (scikit-learn's CountVectorizer)
STOPWORDS = frozenset(STOPWORDS_EN)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ==========================================================================================================
# Baseline: BM25 over whole files
# ==========================================================================================================


@dataclass
class _Doc:
    ids: list[int]  # content token ids (path tokens are added per commit: equal blobs can have other paths)
    nlines: int


class Bm25WholeFiles:
    """The SWE-bench BM25 retrieval, for successive commits of one repository.

    Tokenised content is cached by blob id (equal id = equal content) and token counts by (path, blob id),
    both limited to the current commit's files, so a nearby commit only costs its changed files."""

    def __init__(self, encoding: tiktoken.Encoding, suffixes: tuple[str, ...] | None = None):
        self.enc = encoding
        self.suffixes = suffixes  # only files with these endings (None: every text file)
        self.vocab: dict[str, int] = {}  # grows over the repository's commits (ids must stay contiguous)
        self.blobs: dict[str, _Doc | None] = {}  # oid -> tokenised content, None = not a text file
        self.path_ids: dict[str, list[int]] = {}
        self.counts: dict[tuple[str, str], int] = {}  # (path, oid) -> tokens of the rendered block
        self.root: Path | None = None
        self.paths: list[str] = []
        self.oids: list[str] = []
        self.model: bm25s.BM25 | None = None
        self.indexed: tuple[Path, str] | None = None  # (root, commit) the model was built for

    # -- corpus -----------------------------------------------------------------------------------------
    def _ids(self, text: str) -> list[int]:
        vocab = self.vocab
        out = []
        for tok in TOKEN_RE.findall(text.lower()):
            if tok in STOPWORDS:
                continue
            i = vocab.get(tok)
            if i is None:
                i = vocab[tok] = len(vocab)
            out.append(i)
        return out

    def _selected(self, path: str) -> bool:
        if any(part == ".git" for part in path.split("/")):
            return False
        if self.suffixes is not None:
            return path.endswith(self.suffixes)
        return os.path.splitext(path)[1].lower() not in BINARY_EXT

    def _load(self, root: Path, path: str) -> _Doc | None:
        try:
            with open(root / path, "rb") as f:
                data = f.read(MAX_FILE_BYTES + 1)
        except OSError:
            return None
        if len(data) > MAX_FILE_BYTES or b"\0" in data[:BINARY_SNIFF]:
            return None
        text = data.decode("utf-8", "replace")
        return _Doc(self._ids(text), _count_lines(text))

    def update(self, co: Checkout) -> None:
        """Index the files of a checkout (call after each checkout)."""
        if self.model is not None and (co.root, co.commit) == self.indexed:
            return  # same tree as the previous instance
        self.indexed = None
        root = co.root
        paths, oids, corpus = [], [], []
        blobs: dict[str, _Doc | None] = {}
        for e in co.files:  # ls-tree order: sorted by path, which breaks score ties deterministically
            if not self._selected(e.path) or (e.size is not None and e.size > MAX_FILE_BYTES):
                continue
            if e.oid in blobs:
                doc = blobs[e.oid]
            elif e.oid in self.blobs:
                doc = blobs[e.oid] = self.blobs[e.oid]
            else:
                doc = blobs[e.oid] = self._load(root, e.path)
            if doc is None:
                continue
            pids = self.path_ids.get(e.path)
            if pids is None:
                pids = self.path_ids[e.path] = self._ids(e.path)
            paths.append(e.path)
            oids.append(e.oid)
            corpus.append(pids + doc.ids)
        self.blobs = blobs  # keep only the current commit's blobs
        live = set(zip(paths, oids, strict=True))
        self.counts = {k: v for k, v in self.counts.items() if k in live}
        if len(self.path_ids) > 4 * max(len(paths), 1000):
            self.path_ids = {p: self.path_ids[p] for p in paths}
        self.root, self.paths, self.oids = root, paths, oids
        self.model = None
        if corpus:
            model = bm25s.BM25(k1=BM25_K1, b=BM25_B, method="lucene")
            model.index((corpus, self.vocab), create_empty_token=False, show_progress=False)
            self.model = model
        self.indexed = (root, co.commit)

    # -- query --------------------------------------------------------------------------------------------
    def rank(self, query: str) -> list[int]:
        """Document indices by descending score; documents matching no query term are left out (as Lucene)."""
        if self.model is None:
            return []
        qids = [
            self.vocab[t] for t in TOKEN_RE.findall(query.lower()) if t not in STOPWORDS and t in self.vocab
        ]  # repeated terms count repeatedly, as in Lucene
        if not qids:
            return []
        scores = self.model.get_scores(qids)
        order = np.argsort(-scores, kind="stable")
        return [int(i) for i in order if scores[i] > 0]

    def render(self, i: int) -> str:
        path = self.paths[i]
        text = (self.root / path).read_bytes().decode("utf-8", "replace")
        if text and not text.endswith("\n"):
            text += "\n"
        return f"### {path}\n{text}"

    def block_tokens(self, i: int) -> int:
        key = (self.paths[i], self.oids[i])
        n = self.counts.get(key)
        if n is None:
            n = self.counts[key] = len(self.enc.encode_ordinary(self.render(i)))
        return n

    def _nlines(self, i: int) -> int:
        doc = self.blobs.get(self.oids[i])
        return doc.nlines if doc else 0

    def pack(self, ranked: list[int], budget: int) -> tuple[list[tuple[str, list[list[int]]]], int]:
        """Greedy whole-file packing: each next ranked file goes in if it still fits; 200 files are tried."""
        chosen, used = [], 0
        for i in ranked[:MAX_FILES_TRIED]:
            if used >= budget:
                break
            n = self.block_tokens(i)
            if used + n <= budget:
                chosen.append(i)
                used += n
        items = [(self.paths[i], [[1, max(self._nlines(i), 1)]]) for i in chosen]
        # exact count of the whole bundle (blocks end in "\n" and start with "#": counts add up)
        text = "".join(self.render(i) for i in chosen)
        return items, len(self.enc.encode_ordinary(text))


def _count_lines(text: str) -> int:
    if not text:
        return 0
    return text.count("\n") + (0 if text.endswith("\n") else 1)


# ==========================================================================================================
# Scoring
# ==========================================================================================================


@dataclass
class Score:
    hit: bool
    file_recall: float
    line_recall: float
    acc1: bool
    acc5: bool
    files: list[str]  # distinct files in item order
    missed: list[str]  # gold files with no edit line visible


def score(
    items: Iterable[tuple[str, Iterable[Iterable[int]]]], gold: list[str], edit_lines: dict[str, list[int]]
) -> Score:
    ranges: dict[str, list[tuple[int, int]]] = defaultdict(list)
    order: list[str] = []
    for path, rngs in items:
        if path not in ranges:
            order.append(path)
        for r in rngs:
            start, end = int(r[0]), int(r[1])
            ranges[path].append((start, end))

    def visible(path: str, line: int) -> bool:
        return any(s <= line <= e for s, e in ranges.get(path, ()))

    hit_files, seen, total = [], 0, 0
    for g in gold:
        lines = edit_lines.get(g, [])
        vis = sum(1 for ln in lines if visible(g, ln))
        seen += vis
        total += len(lines)
        if vis:
            hit_files.append(g)
    gold_set = set(gold)
    return Score(
        hit=len(hit_files) == len(gold),
        file_recall=len(hit_files) / len(gold),
        line_recall=seen / total if total else float(len(hit_files) == len(gold)),
        acc1=gold_set <= set(order[:1]),
        acc5=gold_set <= set(order[:5]),
        files=order,
        missed=[g for g in gold if g not in hit_files],
    )


# ==========================================================================================================
# Running
# ==========================================================================================================


@dataclass
class Result:
    instance: str
    repo: str
    method: str
    budget: int
    error: str | None = None
    hit: bool = False
    file_recall: float = 0.0
    line_recall: float = 0.0
    acc1: bool = False
    acc5: bool = False
    tokens: int | None = None
    limit: int | None = None
    latency_ms: float | None = None
    violation: bool = False
    n_items: int = 0
    files: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)

    def to_json(self, gold: list[str]) -> dict[str, Any]:
        return {
            "instance": self.instance,
            "repo": self.repo,
            "method": self.method,
            "budget": self.budget,
            "hit": self.hit,
            "file_recall": round(self.file_recall, 4),
            "line_recall": round(self.line_recall, 4),
            "acc1": self.acc1,
            "acc5": self.acc5,
            "tokens": self.tokens,
            "limit": self.limit,
            "latency_ms": None if self.latency_ms is None else round(self.latency_ms, 2),
            "violation": self.violation,
            "n_items": self.n_items,
            "error": self.error,
            "gold": gold,
            "missed": self.missed,
            "files": self.files[:30],
        }


def _scored(res: Result, s: Score) -> Result:
    res.hit, res.file_recall, res.line_recall = s.hit, s.file_recall, s.line_recall
    res.acc1, res.acc5, res.files, res.missed = s.acc1, s.acc5, s.files, s.missed
    return res


def _err(exc: BaseException) -> str:
    """One line: the exception and where it was raised (innermost frame)."""
    where = ""
    tb = traceback.extract_tb(exc.__traceback__)
    if tb:
        frame = tb[-1]
        where = f" (at {Path(frame.filename).name}:{frame.lineno} in {frame.name})"
    return f"{type(exc).__name__}: {str(exc)[:400]}{where}"


def _short(budget: int) -> str:
    return f"{budget // 1000}k" if budget % 1000 == 0 else str(budget)



def _slug(repo: str) -> str:
    return repo.replace("/", "+")


def _repo_matches(repo: str, wanted: set[str]) -> bool:
    """`owner/name` is wanted by its full name or by `name` alone."""
    return repo in wanted or repo.split("/", 1)[1] in wanted


def priors_arg(text: str) -> Priors:
    """argparse type of `FILE_DECAY,CHUNK_DECAY,MODEL_SHARE[,FILL_GAP_TOKENS]`: the packer's priors
    (contextpack.pack.Priors); FILL_GAP_TOKENS, a number of tokens, defaults to the shipped value."""
    from contextpack.pack import Priors

    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        values = []
    if len(values) not in (3, 4) or (len(values) == 4 and not values[3].is_integer()):
        raise argparse.ArgumentTypeError(f"{text!r} is not three numbers and an optional whole number, "
                                         "comma-separated")
    return Priors(*values[:3], *(int(v) for v in values[3:]))



def _percentile(xs: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(xs, dtype=float), q)) if xs else float("nan")


def _fmt(x: float | None, nd: int = 0) -> str:
    if x is None or x != x:
        return "–"
    return f"{x:.{nd}f}"


def _median(xs: list[float]) -> float | None:
    return statistics.median(xs) if xs else None

