"""The repository graph (networkx): file and symbol nodes; defines / contains / imports / references /
tests edges; PageRank and personalised PageRank.

Node ids: `file:<path>`, `sym:<path>:<qualname>`, `name:<identifier>` (a referenced name that resolves to
no single definition). Edge key and attribute `kind`: defines, contains, imports, references, tests;
`weight` grows with the number of uses. A reference resolves to a definition in a file the referencing
file imports, else to the only file defining the name, else to the name node.

Packing needs only the file-level projection (`files`), built eagerly; the symbol graph is built on
first use of `graph`, and per-file questions (`users_of`, `tests_of`) are answered from the index.

    g = RepoGraph.build(store)
    g.file_rank(seeds={"django/db/models/query.py": 1.0})   # personalised, over files
    g.pagerank()["file:django/db/models/query.py"]           # over the whole graph
    g.users_of("django/db/models/query.py")                 # {qualname: [files using it]}
"""

from __future__ import annotations

import math
import re
from array import array
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .store import Store

if TYPE_CHECKING:
    import networkx as nx
    import scipy.sparse as sp

# a name defined in more files than this is too common to say which one a reference means
MAX_DEFINERS = 8
_TEST_PATH = re.compile(r"(^|/)(tests?|spec|__tests__|testing)/|(^|/)(test_[^/]*|[^/]*_test\.\w+|[^/]*[._]spec\.\w+"
                        r"|[^/]*Tests?\.\w+|conftest\.py)$")


def is_test_path(path: str) -> bool:
    return _TEST_PATH.search(path) is not None


class FileGraph:
    """The file-level projection of the graph: nodes (paths, plus any import target that is not an indexed
    file) and one weighted edge per (source, target) pair, in the order networkx would iterate them
    (sources in node order, each one's targets in insertion order). Read-only; answers what packing asks
    (`has_edge`, `predecessors`, `edges`) from arrays, so neither building nor loading one needs networkx.

        fg = FileGraph.from_edges(paths, {("a.py", "b.py"): 2.0})
        fg.has_edge("a.py", "b.py"), fg.predecessors("b.py"), list(fg.edges)
    """

    def __init__(self, nodes: list[str], src: np.ndarray, dst: np.ndarray, weight: np.ndarray):
        self.nodes = nodes
        self.src = np.asarray(src, dtype=np.int64)
        self.dst = np.asarray(dst, dtype=np.int64)
        self.weight = np.asarray(weight, dtype=np.float64)
        n = len(nodes)
        if len(self.src) != len(self.dst) or len(self.src) != len(self.weight):
            raise ValueError("edge arrays differ in length")
        if len(self.src) and (self.src.min() < 0 or self.dst.min() < 0 or self.src.max() >= n or self.dst.max() >= n
                              or (np.diff(self.src) < 0).any()):
            raise ValueError("edge arrays out of range or not grouped by source")
        self.index = {p: i for i, p in enumerate(nodes)}
        if len(self.index) != n:
            raise ValueError("duplicate node")
        self.indptr = np.searchsorted(self.src, np.arange(n + 1))
        self._pairs: set[int] | None = None
        self._pred: tuple[np.ndarray, np.ndarray] | None = None

    @classmethod
    def from_edges(cls, paths: list[str], summed: dict[tuple[str, str], float]) -> FileGraph:
        """Nodes `paths`, then edge ends not among them as networkx adds them (edges in sorted order)."""
        nodes = list(paths)
        index = {p: i for i, p in enumerate(nodes)}
        edges = sorted(summed.items())
        for (u, v), _w in edges:
            for x in (u, v):
                if x not in index:
                    index[x] = len(nodes)
                    nodes.append(x)
        edges.sort(key=lambda e: index[e[0][0]])  # stable: each source's targets stay in insertion order
        return cls(nodes, np.array([index[u] for (u, _), _ in edges], dtype=np.int64),
                   np.array([index[v] for (_, v), _ in edges], dtype=np.int64),
                   np.array([w for _, w in edges], dtype=np.float64))

    @classmethod
    def summed(cls, paths: list[str], src: np.ndarray, dst: np.ndarray, weight: np.ndarray) -> FileGraph:
        """Nodes `paths` (sorted); one edge per (source, target) pair of these parallel arrays of node indexes,
        its weight the sum of the pair's weights in array order, edges sorted: `from_edges` of the summed dict."""
        n = len(paths)
        keys, inverse = np.unique(src * n + dst, return_inverse=True)
        summed = np.bincount(inverse.reshape(-1), weights=weight, minlength=len(keys))  # adds in input order
        return cls(paths, keys // n, keys % n, summed) if n else cls(paths, keys, keys, summed)

    def __iter__(self) -> Iterator[str]:
        return iter(self.nodes)

    def __len__(self) -> int:
        return len(self.nodes)

    def __contains__(self, node: object) -> bool:
        return node in self.index

    def number_of_nodes(self) -> int:
        return len(self.nodes)

    def number_of_edges(self) -> int:
        return len(self.src)

    @property
    def edges(self) -> Iterator[tuple[str, str]]:
        nodes = self.nodes
        return ((nodes[u], nodes[v]) for u, v in zip(self.src.tolist(), self.dst.tolist(), strict=True))

    def has_edge(self, u: str, v: str) -> bool:
        i, j = self.index.get(u), self.index.get(v)
        if i is None or j is None:
            return False
        if self._pairs is None:
            self._pairs = set((self.src * len(self.nodes) + self.dst).tolist())
        return i * len(self.nodes) + j in self._pairs

    def successors(self, node: str) -> list[str]:
        i = self.index[node]
        return [self.nodes[j] for j in self.dst[self.indptr[i]:self.indptr[i + 1]].tolist()]

    def predecessors(self, node: str) -> list[str]:
        j = self.index[node]
        if self._pred is None:
            order = np.argsort(self.dst, kind="stable")
            self._pred = (order, np.searchsorted(self.dst[order], np.arange(len(self.nodes) + 1)))
        order, ptr = self._pred
        return [self.nodes[u] for u in self.src[order[ptr[j]:ptr[j + 1]]].tolist()]

    def adjacency(self) -> sp.csr_array:
        """The weighted adjacency matrix in node order, as networkx's to_scipy_sparse_array builds it."""
        import scipy.sparse as sp

        n = len(self.nodes)
        return sp.coo_array((self.weight, (self.src, self.dst)), shape=(n, n), dtype=float).asformat("csr")

    def to_networkx(self) -> nx.DiGraph:
        import networkx as nx

        g = nx.DiGraph()
        g.add_nodes_from(self.nodes)
        g.add_weighted_edges_from(((u, v, w) for (u, v), w in zip(self.edges, self.weight.tolist(), strict=True)),
                                  weight="weight")
        return g


class Imports(Mapping):
    """Importing path → the set of paths it imports, held as two arrays of node indexes grouped by importer;
    each set is made when asked for (a 200k-file repository has 200k importers)."""

    def __init__(self, nodes: list[str], index: Mapping[str, int], src: np.ndarray, dst: np.ndarray):
        self.nodes, self.index = nodes, index
        self.src, self.dst = np.asarray(src, dtype=np.int32), np.asarray(dst, dtype=np.int32)
        if len(self.src) != len(self.dst) or (np.diff(self.src) < 0).any():
            raise ValueError("import edges not grouped by importer")
        self.ptr = np.searchsorted(self.src, np.arange(len(nodes) + 1))
        self._keys = [nodes[i] for i in np.unique(self.src).tolist()]

    def __getitem__(self, path: str) -> set[str]:
        i = self.index.get(path)
        if i is None or self.ptr[i] == self.ptr[i + 1]:
            raise KeyError(path)
        return {self.nodes[j] for j in self.dst[self.ptr[i]:self.ptr[i + 1]].tolist()}

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def importers(self, path: str) -> set[str]:
        """The paths that import `path`."""
        j = self.index.get(path)
        return set() if j is None else {self.nodes[i] for i in self.src[self.dst == j].tolist()}


class Definers(Mapping):
    """Name → the set of paths that define it, names sorted, held as index arrays; each set is made on first
    lookup (packing asks about the names of a few files)."""

    def __init__(self, names: list[str], ptr: np.ndarray, flat: np.ndarray, nodes: list[str]):
        self.names, self.ptr, self.flat, self.nodes = names, ptr, flat, nodes
        self._row = dict(zip(names, range(len(names)), strict=True))
        if len(self._row) != len(names):
            raise ValueError("duplicate name")
        self._made: dict[str, set[str]] = {}

    @classmethod
    def of(cls, paths: list[str], index: Mapping[str, int], store: Store) -> Definers:
        by_id = store.file_ids()
        name_id: dict[str, int] = {}
        names_of, files_of = array("q"), array("q")
        for name, file_id in store.definition_files():
            if (path := by_id.get(file_id)) is not None:
                names_of.append(name_id.setdefault(name, len(name_id)))
                files_of.append(index[path])
        names = sorted(name_id)
        rank = np.zeros(len(names), dtype=np.int64)
        rank[np.fromiter(map(name_id.get, names), dtype=np.int64, count=len(names))] = np.arange(len(names))
        n = max(len(paths), 1)
        pairs = np.unique(rank[np.frombuffer(names_of, dtype=np.int64)] * n + np.frombuffer(files_of, dtype=np.int64))
        ptr = np.searchsorted(pairs // n, np.arange(len(names) + 1))
        return cls(names, ptr, (pairs % n).astype(np.int32), paths)

    def __getitem__(self, name: str) -> set[str]:
        value = self._made.get(name)
        if value is None:
            i = self._row[name]
            value = self._made[name] = {self.nodes[j] for j in self.flat[self.ptr[i]:self.ptr[i + 1]].tolist()}
        return value

    def __contains__(self, name: object) -> bool:
        return name in self._row

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)


@dataclass(frozen=True)
class Transition:
    """PageRank's transition matrix (CSR arrays): row i holds the out-edges of node i, weights summing to 1."""

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    rows: np.ndarray = field(init=False)  # the row of each stored entry

    def __post_init__(self) -> None:
        object.__setattr__(self, "rows", np.repeat(np.arange(len(self.indptr) - 1), np.diff(self.indptr)))

    def vecmat(self, x: np.ndarray) -> np.ndarray:
        """x @ M, adding the products in scipy's order (row by row, entry by entry), so the result is the
        same to the bit: np.bincount sums its weights in input order."""
        return np.bincount(self.indices, weights=self.data * x[self.rows], minlength=len(x))


class RepoGraph:
    def __init__(self, store: Store, paths: list[str], imports: Imports,
                 definers: Definers, files: FileGraph,
                 matrix: tuple[list[str], Transition] | None = None):
        self.store = store
        self.paths = paths
        self.imports = imports
        self.definers = definers
        self.files = files  # one edge per pair: import and reference weights summed
        self._graph: nx.MultiDiGraph | None = None
        self._matrix = matrix

    @classmethod
    def build(cls, store: Store, paths: list[str] | None = None) -> RepoGraph:
        """The graph of the state `store` reads; `paths`, the index's paths in path order (`store.files()`), when
        the caller has them already (its strings are shared, and no row object is made per file)."""
        if paths is None:
            paths = [f.path for f in store.files()]
        index = {p: i for i, p in enumerate(paths)}
        edges = store.import_edges()  # sorted; both ends are files of the index
        u = np.fromiter((index[u] for u, _ in edges), dtype=np.int32, count=len(edges))
        v = np.fromiter((index[v] for _, v in edges), dtype=np.int32, count=len(edges))
        del edges
        once = np.ones(len(u), dtype=bool)  # a pair is one import however many rows say so
        once[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
        imports = Imports(paths, index, u[once], v[once])
        definers = Definers.of(paths, index, store)
        g = cls(store, paths, imports, definers, FileGraph(paths, np.zeros(0), np.zeros(0), np.zeros(0)))
        # edges as flat arrays, weights of one pair summed in this order (as a dict of pairs would)
        src, dst, weight = array("q"), array("q"), array("d")
        src.extend(imports.src.tolist())
        dst.extend(imports.dst.tolist())
        weight.extend([1.0] * len(imports.src))
        for path, _name, targets, w, _ in g._references():
            for t in targets:
                src.append(index[path])
                dst.append(index[t])
                weight.append(w)
        g.files = FileGraph.summed(paths, np.frombuffer(src, dtype=np.int64), np.frombuffer(dst, dtype=np.int64),
                                   np.frombuffer(weight, dtype=np.float64))
        return g

    def _references(self) -> Iterator[tuple[str, str, list[str], float, bool]]:
        """(referencing file, name, defining files, weight, resolved) for names defined in few files."""
        for path, name, uses in self.store.reference_counts(MAX_DEFINERS):
            where = self.definers.get(name, set()) - {path}
            if not where:
                continue
            near = where & self.imports.get(path, set())
            targets = sorted(near or where)
            yield path, name, targets, math.sqrt(uses) * (1.0 if near else 1.0 / len(where)), bool(near)

    @property
    def graph(self) -> nx.MultiDiGraph:
        """The full file + symbol graph (built on first use: ~50k nodes on a Django-sized repository)."""
        if self._graph is None:
            self._graph = self._build_symbol_graph()
        return self._graph

    def _build_symbol_graph(self) -> nx.MultiDiGraph:
        # edges are accumulated in a dict and added in bulk: per-edge networkx calls dominate otherwise
        nodes: dict[str, dict] = {f"file:{p}": {"kind": "file"} for p in self.paths}
        edges: dict[tuple[str, str, str], float] = {}

        def bump(u: str, v: str, kind: str, w: float) -> None:
            edges[(u, v, kind)] = edges.get((u, v, kind), 0.0) + w

        sym_of: dict[tuple[str, str], str] = {}
        for d in self.store.definitions():
            node = f"sym:{d.path}:{d.qualname}"
            nodes[node] = {"kind": d.kind, "path": d.path, "line": d.start_line}
            bump(f"sym:{d.path}:{d.parent}" if d.parent else f"file:{d.path}", node,
                 "contains" if d.parent else "defines", 1.0)
            sym_of.setdefault((d.path, d.name), node)
        for src, dsts in sorted(self.imports.items()):
            for dst in sorted(dsts):
                bump(f"file:{src}", f"file:{dst}", "imports", 1.0)
        for path, name, targets, w, resolved in self._references():
            for t in targets:
                if resolved or len(targets) == 1:
                    bump(f"file:{path}", sym_of[(t, name)], "references", w)
                else:
                    bump(f"file:{path}", f"name:{name}", "references", w)
                    bump(f"name:{name}", sym_of[(t, name)], "references", 1.0)
        for u, v in self.files.edges:
            if is_test_path(u) and not is_test_path(v):
                bump(f"file:{u}", f"file:{v}", "tests", 1.0)
        import networkx as nx

        g = nx.MultiDiGraph()
        g.add_nodes_from(nodes.items())
        g.add_edges_from((u, v, k, {"kind": k, "weight": w}) for (u, v, k), w in edges.items())
        return g

    def pagerank(self, personalization: dict[str, float] | None = None) -> dict[str, float]:
        """PageRank over the whole graph (node ids as above); personalised when seeds are given."""
        return _pagerank(self.graph, personalization)

    def file_rank(self, seeds: dict[str, float] | None = None) -> dict[str, float]:
        """PageRank over the file graph, personalised by `seeds` (path → weight) when given.

        Same iteration as networkx's scipy PageRank, but the transition matrix is built once per
        graph instead of once per call: packing asks for a personalised rank on every task."""
        if self.files.number_of_edges() == 0:
            return _pagerank(self.files.to_networkx(), seeds)
        if self._matrix is None:
            import scipy.sparse as sp

            nodes = list(self.files)
            m = self.files.adjacency()
            out = np.asarray(m.sum(axis=1)).ravel()
            out[out != 0] = 1.0 / out[out != 0]
            t = sp.csr_array(sp.diags_array(out) @ m)
            self._matrix = (nodes, Transition(t.indptr, t.indices, t.data))
        nodes, m = self._matrix
        n = len(nodes)
        index = self.files.index if nodes == self.files.nodes else {p: i for i, p in enumerate(nodes)}
        p = np.zeros(n)
        for path, w in (seeds or {}).items():
            if path in index and w > 0:
                p[index[path]] = w
        p = p / p.sum() if p.sum() > 0 else np.full(n, 1.0 / n)
        dangling = np.bincount(m.rows, weights=m.data, minlength=n) == 0  # weights are positive
        x = np.full(n, 1.0 / n)
        for _ in range(100):
            last = x
            x = 0.85 * (m.vecmat(x) + x[dangling].sum() * p) + 0.15 * p
            if np.abs(x - last).sum() < n * 1e-8:
                break
        return dict(zip(nodes, x.tolist(), strict=True))

    def users_of(self, path: str) -> dict[str, list[str]]:
        """Per definition of `path` (qualname): the other files whose references resolve to it,
        by the same rule as the graph's reference edges."""
        importers = self.imports.importers(path)
        out: dict[str, list[str]] = {}
        for d in self.store.definitions(path):
            where = self.definers.get(d.name, set())
            if len(where) > MAX_DEFINERS:
                continue
            users = sorted(p for p in self.store.files_referencing(d.name)
                           if p != path and (p in importers or len(where) == 1))
            if users:
                out[d.qualname] = users
        return out

    def tests_of(self, path: str) -> list[str]:
        """Test files that import `path` or use its definitions."""
        return sorted({u for u in self.files.predecessors(path) if is_test_path(u)}) if path in self.files else []


def _pagerank(g: nx.DiGraph, seeds: dict[str, float] | None) -> dict[str, float]:
    import networkx as nx

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
