"""Gradient-boosted regression trees scored with numpy: the learned correction the ranker adds to its linear
score (what a sum of weighted signals can't say: a BM25 match counts for more when nothing is named, ...).

The trees are trained by benchmarks/train_ranker.py (LightGBM, a training-only dependency) and shipped as flat
arrays in ranker.json; scoring needs numpy alone. Every node is one row of the arrays: an inner node sends a
row left when `x[feature] <= threshold`, a leaf has feature -1, points at itself both ways and holds the
value. Walking all rows down all trees together takes `depth` array steps.

    trees = TreeEnsemble.from_json(doc["file_trees"])
    trees.scores(design)          # (rows,) — the sum over the trees of the leaf each row reaches
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TreeEnsemble:
    features: tuple[str, ...]  # the model columns the trees read, by index (rank.design's columns)
    roots: np.ndarray  # (trees,) node index of each tree's root
    feature: np.ndarray  # (nodes,) column an inner node tests, -1 at a leaf
    threshold: np.ndarray  # (nodes,) go left when x <= threshold
    left: np.ndarray  # (nodes,)
    right: np.ndarray  # (nodes,)
    value: np.ndarray  # (nodes,) a leaf's output (0 at inner nodes)
    depth: int  # the longest root-to-leaf path

    @classmethod
    def from_json(cls, d: dict) -> TreeEnsemble:
        feature = np.asarray(d["feature"], dtype=np.int64)
        n = len(feature)
        arrays = {k: np.asarray(d[k]) for k in ("threshold", "left", "right", "value")}
        if any(len(a) != n for a in arrays.values()):
            raise ValueError("ranker trees: node arrays of different lengths")
        left, right = arrays["left"].astype(np.int64), arrays["right"].astype(np.int64)
        leaf = feature < 0
        if ((left < 0) | (left >= n) | (right < 0) | (right >= n)).any() or (left[leaf] != np.flatnonzero(leaf)).any():
            raise ValueError("ranker trees: a child index outside the nodes, or a leaf that is not its own child")
        return cls(tuple(d["features"]), np.asarray(d["roots"], dtype=np.int64), feature,
                   arrays["threshold"].astype(float), left, right, arrays["value"].astype(float), int(d["depth"]))

    def to_json(self) -> dict:
        return {"features": list(self.features), "depth": self.depth, "roots": self.roots.tolist(),
                "feature": self.feature.tolist(), "threshold": self.threshold.tolist(), "left": self.left.tolist(),
                "right": self.right.tolist(), "value": self.value.tolist()}

    def scores(self, x: np.ndarray) -> np.ndarray:
        """Sum over the trees of each row's leaf value; x holds the model columns (rows × features)."""
        if x.shape[0] == 0 or len(self.roots) == 0:
            return np.zeros(x.shape[0])
        rows = np.arange(x.shape[0])[:, None]
        node = np.broadcast_to(self.roots, (x.shape[0], len(self.roots)))
        feat = np.maximum(self.feature, 0)  # a leaf reads column 0 and goes to itself either way
        for _ in range(self.depth):
            go_left = x[rows, feat[node]] <= self.threshold[node]
            node = np.where(go_left, self.left[node], self.right[node])
        return self.value[node].sum(axis=1)
