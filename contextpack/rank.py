"""Relevance of files and definitions to a task: the signals of `signals.py` fused by a learned model (a linear
model, plus optionally boosted trees that correct it: `tree_model.py`), with the reasons in words of the signals
that raised the linear score.

The weights are data (`ranker.json`, beside this module): trained on the SWE-bench dev set by
benchmarks/train_ranker.py, which records there what it was trained on and its leave-one-repository-out
figures. A file's score is the model's probability that it is the file to change (softmax over the
candidates); a definition's, that it is the one to change within its file.

    ranking = rank(query, graph, lexical, module_files)
    for f in ranking.files[:5]: print(f.path, f.score, f.reasons)
    next(ranking.chunks_in("django/db/models/query.py"))
"""

from __future__ import annotations

import functools
import itertools
import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .graph import RepoGraph
from .lazyseq import LazySequence
from .lexical import Chunk, LexicalIndex
from .past_changes import PastChanges
from .signals import CHUNK_FEATURES, FILE_FEATURES, ChunkSignals, chunk_signals, file_signals
from .task import TaskQuery
from .tree_model import TreeEnsemble

MAX_FILES = 40
WEIGHTS = Path(__file__).with_name("ranker.json")
_MAX_REASONS = 8
_NEVER_ROUNDS_UP = 4e-7  # a probability at most this rounds to 0 at six places: no candidate to make


@dataclass
class FileCandidate:
    path: str
    language: str
    score: float
    reasons: list[str]


class ChunkCandidate:
    """A definition of a ranked file, its score, and why: the reasons are put in words when first read (a pack
    reads those of the few it shows)."""

    __slots__ = ("chunk", "score", "_reasons", "_why")

    def __init__(self, chunk: Chunk, score: float, reasons: list[str] | None = None,
                 why: Callable[[], list[str]] | None = None):
        self.chunk, self.score, self._reasons, self._why = chunk, score, reasons, why

    @property
    def reasons(self) -> list[str]:
        if self._reasons is None:
            self._reasons = self._why() if self._why is not None else []
        return self._reasons

    def __repr__(self) -> str:
        return f"ChunkCandidate({self.chunk!r}, {self.score!r}, {self.reasons!r})"


def _no_others(_path: str) -> Iterator[ChunkCandidate]:
    return iter(())


@dataclass
class Ranking:
    files: list[FileCandidate]
    chunks: dict[str, _Ranked]  # per path: the definitions some signal points at, best first
    # per path: the others, unscored, in file order — made only when asked for (a ranked file of Django has
    # hundreds, and a pack looks past the scored ones only for the entry of a file it left out)
    others: Callable[[str], Iterator[ChunkCandidate]] = _no_others

    def scored(self, path: str, limit: int) -> list[ChunkCandidate]:
        """The first `limit` definitions of a ranked file whose (rounded) score is above 0, best first."""
        ranked = self.chunks.get(path)
        return ranked.scored(limit) if ranked is not None else []

    def chunks_in(self, path: str) -> Iterator[ChunkCandidate]:
        """The definitions of a ranked file, best first, then the unscored ones in file order."""
        return itertools.chain(self.chunks.get(path, ()), self.others(path))


def _factors(name: str, signals: tuple[str, ...]) -> tuple[int, ...]:
    """Signal columns of a model column: a signal (`bm25_file`) or a product of two (`path_named*not_code`)."""
    parts = name.split("*")
    if len(parts) > 2:
        raise ValueError(f"ranker weights use a product of more than two signals: {name!r}")
    try:
        return tuple(signals.index(part) for part in parts)
    except ValueError:
        raise ValueError(f"ranker weights use the unknown signal column {name!r}") from None


@dataclass(frozen=True)
class LinearModel:
    """score = ((z - mean) / scale) · weights, where z are the named columns made from the signal columns."""

    features: tuple[str, ...]
    factors: tuple[tuple[int, ...], ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray

    @classmethod
    def from_json(cls, d: dict, signals: tuple[str, ...]) -> LinearModel:
        names = tuple(d["features"])
        return cls(names, tuple(_factors(n, signals) for n in names), np.asarray(d["mean"], float),
                   np.asarray(d["scale"], float), np.asarray(d["weights"], float))

    def __post_init__(self) -> None:
        n = 1 + max((j for f in self.factors for j in f), default=0)
        share = np.zeros((len(self.factors), n))  # model column → its signals, with the column's weight
        for k, f in enumerate(self.factors):
            share[k, list(f)] = self.weights[k] / self.scale[k] / len(f)
        object.__setattr__(self, "_share", share)

    def design(self, x: np.ndarray) -> np.ndarray:
        return design(x, self.factors)

    def scores(self, x: np.ndarray) -> np.ndarray:
        return ((self.design(x) - self.mean) / self.scale) @ self.weights

    def rises(self, x: np.ndarray) -> np.ndarray:
        """How much each signal column raises each row's score over a row without it (rows × signals;
        a product's rise is shared by its factors)."""
        return self.design(x) @ self._share

    def scores_and_rises(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """`scores(x)` and `rises(x)`, the model's columns made once."""
        d = self.design(x)
        return ((d - self.mean) / self.scale) @ self.weights, d @ self._share

    @staticmethod
    def reasons(rise: np.ndarray, why: dict[int, str]) -> list[str]:
        """The reasons of the signals that did not lower a row's score (`rise`, one row of `rises`), in
        signal order: what the task names first, as the contract's `owned` reads them."""
        return [why[j] for j in sorted(why) if j >= len(rise) or rise[j] >= 0][:_MAX_REASONS]


def design(x: np.ndarray, factors: tuple[tuple[int, ...], ...]) -> np.ndarray:
    """The model's columns from the signal columns (rows × signals): each a signal or a product of signals."""
    out = np.empty((x.shape[0], len(factors)))
    for k, f in enumerate(factors):
        out[:, k] = x[:, f[0]] if len(f) == 1 else x[:, f[0]] * x[:, f[1]]
    return out


@dataclass(frozen=True)
class Fused:
    """A level's score: the linear model's, plus the trees' (if any) on their columns. The reasons come from
    the linear part alone (`rises`): the trees correct the order, the signals say why."""

    linear: LinearModel
    trees: TreeEnsemble | None = None
    tree_factors: tuple[tuple[int, ...], ...] = ()

    @classmethod
    def from_json(cls, d: dict, trees: dict | None, signals: tuple[str, ...]) -> Fused:
        if trees is None:
            return cls(LinearModel.from_json(d, signals))
        t = TreeEnsemble.from_json(trees)
        return cls(LinearModel.from_json(d, signals), t, tuple(_factors(n, signals) for n in t.features))

    def scores(self, x: np.ndarray) -> np.ndarray:
        s = self.linear.scores(x)
        return s if self.trees is None else s + self.trees.scores(design(x, self.tree_factors))

    def rises(self, x: np.ndarray) -> np.ndarray:
        return self.linear.rises(x)

    reasons = staticmethod(LinearModel.reasons)


@dataclass(frozen=True)
class Ranker:
    file: LinearModel | Fused
    chunk: LinearModel

    @classmethod
    def load(cls, path: Path) -> Ranker:
        """`file` / `chunk`: the linear models; `file_trees` (optional): the trees that correct the file score
        (at definition level, trees did no better than the linear model: benchmarks/results/ranker_loro.md)."""
        d = json.loads(Path(path).read_text())
        return cls(Fused.from_json(d["file"], d.get("file_trees"), FILE_FEATURES),
                   LinearModel.from_json(d["chunk"], CHUNK_FEATURES))


@functools.cache
def default_ranker() -> Ranker:
    return Ranker.load(WEIGHTS)


class _Ranked(LazySequence):
    """A file's scored definitions, best first; each `ChunkCandidate` (its score rounded, its reasons in words)
    made when first asked for: a pack reads the first twenty of a file's hundreds, and the rest rarely."""

    def __init__(self, lexical: LexicalIndex, cs: ChunkSignals, order: np.ndarray, prob: np.ndarray,
                 rise: np.ndarray, reasons: Callable[[np.ndarray, dict[int, str]], list[str]]):
        super().__init__()
        self.lexical, self.cs, self.order = lexical, cs, order.tolist()
        self.prob, self.rise, self.reasons = prob, rise, reasons

    def __len__(self) -> int:
        return len(self.order)

    def scored(self, limit: int) -> list[ChunkCandidate]:
        """The first `limit` whose score, rounded as a candidate's is, is above 0 (each made only then)."""
        out = []
        for n in np.flatnonzero(self.prob[self.order] > _NEVER_ROUNDS_UP).tolist():
            if len(out) == limit:
                break
            if round(float(self.prob[self.order[n]]), 6) > 0:
                out.append(self[n])
        return out

    def _make(self, n: int) -> ChunkCandidate:
        k = self.order[n]
        return ChunkCandidate(self.lexical.chunks[self.cs.chunks[k]], round(float(self.prob[k]), 6),
                              why=lambda: self.reasons(self.rise[k], self.cs.reasons[k]))


def _softmax(s: np.ndarray) -> np.ndarray:
    e = np.exp(s - s.max())
    return e / e.sum()


def rank(query: TaskQuery, graph: RepoGraph, lexical: LexicalIndex, module_files: dict[str, str],
         cochange: dict[str, Counter] | None = None, ranker: Ranker | None = None,
         past: PastChanges | None = None) -> Ranking:
    ranker = ranker or default_ranker()
    fs = file_signals(query, graph, lexical, module_files, cochange, past)
    if not fs.paths:
        return Ranking([], {})
    s = ranker.file.scores(fs.x)
    prob = _softmax(s)
    # a file no signal has a word for (one the graph's random walk merely reaches) is not offered
    order = sorted((r for r in range(len(fs.paths)) if fs.reasons[r]), key=lambda r: (-s[r], fs.paths[r]))[:MAX_FILES]
    if not order:
        return Ranking([], {})
    rise = ranker.file.rises(fs.x[order])
    files = []
    chunks: dict[str, list[ChunkCandidate]] = {}
    pointed: dict[str, set[int]] = {}
    for n, r in enumerate(order):
        p = fs.paths[r]
        reasons = ranker.file.reasons(rise[n], fs.reasons[r]) or ["related to the task by several weak signals"]
        files.append(FileCandidate(p, lexical.languages[p], round(float(prob[r]), 6), reasons))
        cs = chunk_signals(fs, p, pointed_only=True)
        if cs.chunks:
            cscore, crise = ranker.chunk.scores_and_rises(cs.x)
            starts = lexical.chunks.cols[2][cs.chunks]
            # by score, ties by first line (both sorts are stable: equal keys keep the definitions' order)
            corder = np.lexsort((starts, -cscore))
            chunks[p] = _Ranked(lexical, cs, corder, _softmax(cscore), crise, ranker.chunk.reasons)
        pointed[p] = set(cs.chunks)

    def others(path: str) -> Iterator[ChunkCandidate]:
        if path not in pointed:  # not a ranked file
            return iter(())
        skip = pointed[path]
        return (ChunkCandidate(lexical.chunks[i], 0.0, []) for i in lexical.chunks_of.get(path, []) if i not in skip)

    return Ranking(files, chunks, others)
