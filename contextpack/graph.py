"""The repository graph (networkx): file and symbol nodes; defines / contains / imports / references /
tests edges; PageRank and personalised PageRank.

Node ids: `file:<path>`, `sym:<path>:<qualname>`, `name:<identifier>` (a referenced name that resolves to
no single definition). Edge attribute `kind` is one of defines, contains, imports, references, tests;
`weight` grows with the number of uses.

    g = RepoGraph.build(store)
    g.pagerank()["file:django/db/models/query.py"]
    g.file_rank(seeds={"django/db/models/query.py": 1.0})   # personalised, over files only
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass

import networkx as nx
import numpy as np
import scipy.sparse as sp

from .store import Store

# a name defined in more files than this is too common to say which one a reference means
MAX_DEFINERS = 8
_TEST_PATH = re.compile(r"(^|/)(tests?|spec|__tests__|testing)/|(^|/)(test_[^/]*|[^/]*_test\.\w+|[^/]*[._]spec\.\w+"
                        r"|[^/]*Tests?\.\w+|conftest\.py)$")


def is_test_path(path: str) -> bool:
    return _TEST_PATH.search(path) is not None


@dataclass
class RepoGraph:
    graph: nx.DiGraph
    files: nx.DiGraph  # the file-level projection: imports + references between files, weighted
    _matrix: tuple[list[str], sp.csr_array] | None = None

    @classmethod
    def build(cls, store: Store) -> RepoGraph:
        g = nx.DiGraph()
        files = nx.DiGraph()
        paths = [f.path for f in store.files()]
        for p in paths:
            g.add_node(f"file:{p}", kind="file")
            files.add_node(p)
        definers: dict[str, set[str]] = defaultdict(set)
        sym_of: dict[tuple[str, str], str] = {}
        for d in store.definitions():
            node = f"sym:{d.path}:{d.qualname}"
            g.add_node(node, kind=d.kind, path=d.path, line=d.start_line)
            parent = f"sym:{d.path}:{d.parent}" if d.parent else f"file:{d.path}"
            g.add_edge(parent, node, kind="contains" if d.parent else "defines", weight=1.0)
            definers[d.name].add(d.path)
            sym_of.setdefault((d.path, d.name), node)
        imports: dict[str, set[str]] = defaultdict(set)
        for src, dst in store.import_edges():
            imports[src].add(dst)
            _bump(g, f"file:{src}", f"file:{dst}", "imports", 1.0)
            _bump(files, src, dst, "imports", 1.0)
        for path, name, uses in store.reference_counts(MAX_DEFINERS):
            where = definers.get(name, set()) - {path}
            if not where:
                continue
            near = where & imports[path]  # resolved: defined in a file this one imports
            targets = near or where
            w = math.sqrt(uses) * (1.0 if near else 1.0 / len(where))
            for t in sorted(targets):
                if near or len(where) == 1:
                    _bump(g, f"file:{path}", sym_of[(t, name)], "references", w)
                else:
                    _bump(g, f"file:{path}", f"name:{name}", "references", w)
                    _bump(g, f"name:{name}", sym_of[(t, name)], "references", 1.0)
                _bump(files, path, t, "references", w)
        for p in paths:
            if is_test_path(p):
                for t in sorted(set(files.successors(p))):
                    if not is_test_path(t):
                        _bump(g, f"file:{p}", f"file:{t}", "tests", 1.0)
        return cls(graph=g, files=files)

    def pagerank(self, personalization: dict[str, float] | None = None) -> dict[str, float]:
        """PageRank over the whole graph (node ids as above); personalised when seeds are given."""
        return _pagerank(self.graph, personalization)

    def file_rank(self, seeds: dict[str, float] | None = None) -> dict[str, float]:
        """PageRank over the file graph, personalised by `seeds` (path → weight) when given.

        Same iteration as networkx's scipy PageRank, but the transition matrix is built once per
        graph instead of once per call: packing asks for a personalised rank on every task."""
        if self.files.number_of_edges() == 0:
            return _pagerank(self.files, seeds)
        if self._matrix is None:
            nodes = list(self.files)
            m = nx.to_scipy_sparse_array(self.files, nodelist=nodes, weight="weight", dtype=float)
            out = np.asarray(m.sum(axis=1)).ravel()
            out[out != 0] = 1.0 / out[out != 0]
            self._matrix = (nodes, sp.csr_array(sp.diags_array(out) @ m))
        nodes, m = self._matrix
        n = len(nodes)
        if n == 0:
            return {}
        index = {p: i for i, p in enumerate(nodes)}
        p = np.zeros(n)
        for path, w in (seeds or {}).items():
            if path in index and w > 0:
                p[index[path]] = w
        p = p / p.sum() if p.sum() > 0 else np.full(n, 1.0 / n)
        dangling = np.asarray(m.sum(axis=1)).ravel() == 0
        x = np.full(n, 1.0 / n)
        for _ in range(100):
            last = x
            x = 0.85 * (x @ m + x[dangling].sum() * p) + 0.15 * p
            if np.abs(x - last).sum() < n * 1e-8:
                break
        return {nodes[i]: float(x[i]) for i in range(n)}

    def tests_of(self, path: str) -> list[str]:
        """Test files with a `tests` edge to `path`."""
        node = f"file:{path}"
        if node not in self.graph:
            return []
        return sorted(u[5:] for u, _, k in self.graph.in_edges(node, data="kind") if k == "tests")


def _bump(g: nx.DiGraph, u: str, v: str, kind: str, w: float) -> None:
    if g.has_edge(u, v):
        g[u][v]["weight"] += w
    else:
        g.add_edge(u, v, kind=kind, weight=w)


def _pagerank(g: nx.DiGraph, seeds: dict[str, float] | None) -> dict[str, float]:
    if g.number_of_nodes() == 0:
        return {}
    personalization = None
    if seeds:
        personalization = {n: w for n, w in seeds.items() if n in g and w > 0} or None
    try:
        return nx.pagerank(g, alpha=0.85, personalization=personalization, weight="weight", tol=1e-8)
    except nx.PowerIterationFailedConvergence:
        return nx.pagerank(g, alpha=0.85, personalization=personalization, weight="weight", tol=1e-4,
                           max_iter=1000)
