"""The derived state persisted beside the index (`contextpack.derived`): a pack that loads it is byte-identical
to one that builds it; a corrupt, truncated, tampered or foreign sidecar is ignored and replaced, never a crash;
a new index state replaces it. Plus the array-backed file graph against networkx."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from conftest import make_shop, run_cli, write

from contextpack import derived
from contextpack.bundle import render
from contextpack.engine import Engine
from contextpack.graph import FileGraph
from contextpack.store import Store

TASK = "apply_discount should accept a discount of exactly 100 percent; Cart.total rounds wrongly"


@pytest.fixture
def shop(tmp_path) -> Path:
    return make_shop(tmp_path / "shop")


def pack_json(root: Path, index: Path, persist: bool | None = None, monkeypatch=None) -> str:
    engine = Engine(root, index_path=index)
    try:
        if persist is False:
            monkeypatch.setenv(derived.ENV, "off")
        try:
            return render(engine.pack(TASK, 4000, refresh=True), "json")
        finally:
            if monkeypatch is not None:
                monkeypatch.delenv(derived.ENV, raising=False)
    finally:
        engine.close()


def sidecar_key(path: Path) -> str | None:
    with np.load(path, allow_pickle=False) as z:
        return json.loads(z["header"].tobytes())["key"]


def current_key(root: Path, index: Path) -> str | None:
    store = Store.open_reader(index)
    try:
        return derived.state_key(store, root.resolve())
    finally:
        store.close()


def test_cli_pack_with_and_without_the_sidecar_is_byte_identical(shop, isolated_index):
    args = ["pack", "--repo", str(shop), "--task", TASK, "--budget", "4000"]
    off = run_cli(args, env_extra={derived.ENV: "off"})
    assert off.returncode == 0, off.stderr
    assert not list(isolated_index.glob("*.derived.npz")), "off: nothing written"
    first = run_cli(args)  # builds and writes the sidecar
    assert first.returncode == 0, first.stderr
    (sidecar,) = isolated_index.glob("*.derived.npz")
    stamp = sidecar.stat().st_mtime_ns
    second = run_cli(args)  # loads it
    assert second.returncode == 0, second.stderr
    assert sidecar.stat().st_mtime_ns == stamp, "a loaded sidecar is not rewritten"
    assert off.stdout == first.stdout == second.stdout
    assert json.loads(second.stdout)["items"]


def test_loaded_state_equals_the_built_one(shop, tmp_path):
    index = tmp_path / "idx.sqlite"
    Engine(shop, index_path=index).index()
    store = Store.open_reader(index)
    try:
        built = derived.build(store, shop.resolve())
        key = derived.state_key(store, shop.resolve())
        assert derived.save(derived.sidecar_path(index), key, built)
        loaded = derived.load(derived.sidecar_path(index), key, store)
        assert loaded is not None and loaded.loaded
        a, b = built.lexical, loaded.lexical
        assert list(a.chunks) == list(b.chunks) and a.paths == b.paths and a.languages == b.languages
        for name in ("members", "chunks_of", "by_name", "by_qual_suffix"):
            assert dict(getattr(a, name)) == dict(getattr(b, name)), name
        for terms in (["apply", "discount"], ["cart", "total", "price"], ["nothing_like_this"]):
            assert np.array_equal(a.chunk_scores(terms), b.chunk_scores(terms))
            assert a.file_scores(terms) == b.file_scores(terms)
        g, h = built.graph, loaded.graph
        assert list(g.files.edges) == list(h.files.edges) and g.paths == h.paths
        assert {k: g.definers[k] for k in g.definers} == {k: h.definers[k] for k in h.definers}
        assert {k: set(v) for k, v in g.imports.items()} == {k: set(v) for k, v in h.imports.items()}
        assert g.file_rank({"shop/pricing.py": 1.0}) == h.file_rank({"shop/pricing.py": 1.0})
        assert g.users_of("shop/pricing.py") == h.users_of("shop/pricing.py")
        assert built.modules == loaded.modules
        assert derived.load(derived.sidecar_path(index), "another state", store) is None
    finally:
        store.close()


def _corruptions(good: bytes) -> dict[str, bytes]:
    with np.load(io.BytesIO(good), allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}

    def npz(**changes) -> bytes:
        buf = io.BytesIO()
        np.savez(buf, **{**arrays, **changes})
        return buf.getvalue()

    def pickled() -> bytes:
        buf = io.BytesIO()
        np.savez(buf, allow_pickle=True, **{**arrays, "c_start": np.array([object()], dtype=object)})
        return buf.getvalue()

    flipped = bytearray(good)
    for i in range(len(flipped) // 3, len(flipped) // 3 + 64):
        flipped[i] ^= 0xFF
    header = json.loads(arrays["header"].tobytes())
    return {
        "garbage": b"not a zip file at all",
        "empty": b"",
        "truncated": good[: len(good) // 2],
        "flipped bytes": bytes(flipped),
        "pickled object array": pickled(),
        "missing array": npz().replace(b"c_lines_ptr", b"c_lines_ptX"),
        "index out of range": npz(l_chunk_file=np.full_like(arrays["l_chunk_file"], 10**6)),
        "negative index": npz(g_dst=np.full_like(arrays["g_dst"], -1)),
        "float indices": npz(l_by_name=arrays["l_by_name"].astype(np.float64)),
        "bad indptr": npz(b_c_indptr=arrays["b_c_indptr"][::-1].copy()),
        "bad shape": npz(b_f_shape=np.array([1, 2, 3], dtype=np.int32)),
        "nan weights": npz(b_c_data=np.full_like(arrays["b_c_data"], np.nan)),
        "wrong string count": npz(header=np.frombuffer(json.dumps(
            {**header, "counts": {**header["counts"], "nodes": 1}}).encode(), dtype=np.uint8)),
        "header not json": npz(header=np.frombuffer(b"{nope", dtype=np.uint8)),
        "another state": npz(header=np.frombuffer(json.dumps({**header, "key": "0" * 64}).encode(), dtype=np.uint8)),
    }


def test_a_bad_sidecar_is_ignored_and_replaced(shop, tmp_path, monkeypatch):
    index = tmp_path / "idx.sqlite"
    reference = pack_json(shop, index, persist=False, monkeypatch=monkeypatch)
    sidecar = derived.sidecar_path(index)
    assert not sidecar.exists()
    assert pack_json(shop, index) == reference
    good = sidecar.read_bytes()
    key = current_key(shop, index)
    assert sidecar_key(sidecar) == key
    for name, data in _corruptions(good).items():
        sidecar.write_bytes(data)
        assert pack_json(shop, index) == reference, name
        assert zipfile.is_zipfile(sidecar) and sidecar_key(sidecar) == key, f"{name}: not replaced"
    sidecar.unlink()
    sidecar.mkdir()  # can't be replaced by a file: the pack goes on without it
    assert pack_json(shop, index) == reference


def test_the_sidecar_follows_the_index_state(shop, tmp_path, monkeypatch):
    index = tmp_path / "idx.sqlite"
    sidecar = derived.sidecar_path(index)
    pack_json(shop, index)
    first = sidecar_key(sidecar)
    write(shop, "shop/pricing.py", (shop / "shop/pricing.py").read_text() + "\n\ndef free_shipping(order):\n"
          "    return order.total > 100\n", dedent=False)
    after = pack_json(shop, index)
    second = sidecar_key(sidecar)
    assert second != first and second == current_key(shop, index)
    assert after == pack_json(shop, index, persist=False, monkeypatch=monkeypatch)
    assert list(tmp_path.glob("idx.sqlite.derived*")) == [sidecar], "one kept state, no temporary left"


def test_a_pack_from_the_sidecar_needs_neither_scipy_nor_networkx(shop, tmp_path):
    import subprocess
    import sys

    index = tmp_path / "idx.sqlite"
    expected = pack_json(shop, index)  # builds (with scipy) and writes the sidecar
    code = ("import sys; from contextpack.engine import Engine; from contextpack.bundle import render; "
            f"e = Engine({str(shop)!r}, index_path={str(index)!r}); "
            f"sys.stdout.write(render(e.pack({TASK!r}, 4000, refresh=True), 'json')); "
            "print(sorted(m for m in ('scipy', 'networkx') if m in sys.modules), file=sys.stderr)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == expected
    assert out.stderr.strip() == "[]"


def test_file_graph_answers_as_networkx_does():
    paths = ["a.py", "b.py", "c.py", "d.py"]
    summed = {("c.py", "a.py"): 2.0, ("a.py", "b.py"): 1.0, ("a.py", "ext/x.py"): 1.0, ("d.py", "a.py"): 0.5,
              ("b.py", "b.py"): 3.0, ("a.py", "c.py"): 1.5}
    g = nx.DiGraph()
    g.add_nodes_from(paths)
    g.add_edges_from((u, v, {"weight": w}) for (u, v), w in sorted(summed.items()))
    fg = FileGraph.from_edges(paths, summed)
    assert list(fg) == list(g) and len(fg) == len(g)
    assert list(fg.edges) == list(g.edges)
    assert fg.number_of_edges() == g.number_of_edges()
    for u in g:
        assert fg.successors(u) == list(g.successors(u))
        assert sorted(fg.predecessors(u)) == sorted(g.predecessors(u))
        for v in g:
            assert fg.has_edge(u, v) == g.has_edge(u, v)
    assert not fg.has_edge("a.py", "nowhere.py") and "nowhere.py" not in fg
    want = nx.to_scipy_sparse_array(g, nodelist=list(g), weight="weight", dtype=float)
    got = fg.adjacency()
    for k in ("data", "indices", "indptr"):
        assert np.array_equal(getattr(want, k), getattr(got, k))
    back = fg.to_networkx()
    assert list(back.edges(data="weight")) == list(g.edges(data="weight"))
    with pytest.raises(ValueError):
        FileGraph(["a", "b"], np.array([1, 0]), np.array([0, 1]), np.array([1.0, 1.0]))  # not grouped by source



def test_an_engine_that_loaded_the_sidecar_builds_the_next_state_from_the_index(shop, tmp_path, monkeypatch):
    from contextpack import store

    index = tmp_path / "idx.sqlite"
    pack_json(shop, index)  # builds and writes the sidecar
    engine = Engine(shop, index_path=index)
    try:
        engine.pack(TASK, 4000, refresh=True)  # loads it
        chunked: list[str] = []
        real = store.lexicon_of
        monkeypatch.setattr(store, "lexicon_of", lambda path, *a: chunked.append(path) or real(path, *a))
        write(shop, "shop/cart.py", (shop / "shop/cart.py").read_text() + "\n\nMAX_ITEMS = 99\n", dedent=False)
        after = render(engine.pack(TASK, 4000, refresh=True), "json")
    finally:
        engine.close()
    assert chunked == ["shop/cart.py"], "only the changed file is chunked again (where it is parsed)"
    monkeypatch.undo()
    assert after == pack_json(shop, tmp_path / "fresh.sqlite", persist=False, monkeypatch=monkeypatch)


def test_a_dead_writers_temporary_file_is_removed_when_stale(shop, tmp_path):
    import os
    import time

    index = tmp_path / "idx.sqlite"
    old = tmp_path / "idx.sqlite.derived.npz.tmp-99999-1"
    new = tmp_path / "idx.sqlite.derived.npz.tmp-99999-2"
    for f in (old, new):
        f.write_bytes(b"half a sidecar")
    hour_ago = time.time() - derived.STALE_TEMPORARY_SECONDS - 60
    os.utime(old, (hour_ago, hour_ago))
    pack_json(shop, index)
    assert not old.exists() and new.exists(), "only a stale temporary goes (a fresh one may be being written)"
    assert derived.sidecar_path(index).exists()
