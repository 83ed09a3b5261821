"""The derived sidecar is written with every array 64-byte aligned and read as views of a map of the file
(issue 11's cold pack at 200k files: no copies, no fresh pages to zero); a sidecar of another layout (numpy's
own compressed npz) is not mapped but rebuilt, and the pack stays byte-identical."""

from __future__ import annotations

import json
import mmap
import struct
import zipfile
from pathlib import Path

import numpy as np
from conftest import make_shop

from contextpack import derived
from contextpack.bundle import render
from contextpack.engine import Engine
from contextpack.store import Store

TASK = "apply_discount should accept a discount of exactly 100 percent; Cart.total rounds wrongly"


def _pack(root: Path, index: Path) -> str:
    engine = Engine(root, index_path=index)
    try:
        return render(engine.pack(TASK, 4000, refresh=True), "json")
    finally:
        engine.close()


def _data_offsets(path: Path) -> list[int]:
    raw = path.read_bytes()
    offsets = []
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            off = info.header_offset
            name_len, extra_len = struct.unpack("<HH", raw[off + 26:off + 30])
            start = off + 30 + name_len + extra_len
            head_len = {1: 10, 2: 12}[raw[start + 6]] + struct.unpack(
                "<H" if raw[start + 6] == 1 else "<I", raw[start + 8:start + (10 if raw[start + 6] == 1 else 12)])[0]
            offsets.append(start + head_len)
    return offsets


def test_sidecar_arrays_are_aligned_and_mapped(tmp_path: Path) -> None:
    root = make_shop(tmp_path / "shop")
    index = tmp_path / "index.sqlite"
    built = _pack(root, index)
    sidecar = derived.sidecar_path(index)
    offsets = _data_offsets(sidecar)
    assert offsets and all(o % derived.ALIGN == 0 for o in offsets)
    arrays = derived._members(sidecar)
    with np.load(sidecar, allow_pickle=False) as npz:
        assert sorted(arrays) == sorted(npz.files)
        for name, a in arrays.items():
            assert a.dtype == npz[name].dtype and np.array_equal(a, npz[name])
            owner = a
            while isinstance(owner, np.ndarray):
                owner = owner.base
            assert isinstance(owner.obj if isinstance(owner, memoryview) else owner, mmap.mmap), name
    assert _pack(root, index) == built  # loaded from the map


def test_a_compressed_sidecar_is_rebuilt_not_mapped(tmp_path: Path) -> None:
    root = make_shop(tmp_path / "shop")
    index = tmp_path / "index.sqlite"
    built = _pack(root, index)
    sidecar = derived.sidecar_path(index)
    with np.load(sidecar, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    np.savez_compressed(sidecar, **arrays)
    assert _pack(root, index) == built
    assert all(o % derived.ALIGN == 0 for o in _data_offsets(sidecar))  # replaced by an aligned one


def _mapped(a: np.ndarray) -> bool:
    owner = a
    while isinstance(owner, np.ndarray):
        owner = owner.base
    return isinstance(owner.obj if isinstance(owner, memoryview) else owner, mmap.mmap)


def test_a_sidecar_of_the_previous_format_is_rebuilt_not_misread(tmp_path: Path, monkeypatch) -> None:
    """Format 4 holds the module map's paths as node numbers (format 3: strings). A format-3 sidecar is
    not read even under a matching key (a member is missing), and its key is another state's: it is
    rebuilt and replaced, and the pack is what a fresh index gives."""
    root = make_shop(tmp_path / "shop")
    index = tmp_path / "index.sqlite"
    sidecar = derived.sidecar_path(index)
    monkeypatch.setattr(derived, "FORMAT", 3)
    _pack(root, index)
    with np.load(sidecar, allow_pickle=False) as npz:  # laid out as format 3 was
        arrays = {k: npz[k] for k in npz.files}
    header = json.loads(arrays["header"].tobytes())
    nodes = arrays["s_nodes"].tobytes().decode().split("\0")
    module_paths = [nodes[i] for i in arrays.pop("g_module_paths").tolist()]
    arrays["s_module_paths"] = np.frombuffer("\0".join(module_paths).encode(), dtype=np.uint8)
    header["counts"]["module_paths"] = len(module_paths)
    arrays["header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    assert derived._write(sidecar, lambda zf: derived._add(zf, arrays))
    store = Store.open_reader(index)
    try:
        key = derived.state_key(store, root.resolve())
        assert key == header["key"] and derived.load(sidecar, key, store) is None
    finally:
        store.close()
    monkeypatch.undo()
    assert derived.FORMAT == 4
    again = _pack(root, index)
    with np.load(sidecar, allow_pickle=False) as npz:
        assert json.loads(npz["header"].tobytes())["key"] != header["key"]
        assert "g_module_paths" in npz.files and "s_module_paths" not in npz.files
    assert again == _pack(root, tmp_path / "fresh.sqlite")


def test_a_built_state_is_served_from_the_sidecar_map(tmp_path: Path) -> None:
    """The engine that builds a state writes the sidecar and then reads the state from its map, as a new
    process would: the built arrays are not kept (issue 11's warm engine at 200k files)."""
    root = make_shop(tmp_path / "shop")
    index = tmp_path / "index.sqlite"
    engine = Engine(root, index_path=index)
    try:
        engine.index()
        assert not derived.sidecar_path(index).exists()
        bundle = render(engine.pack(TASK, 4000), "json")
        with engine.snapshot() as snap:
            lex = snap.lexical
            assert _mapped(lex._chunk_bm25.data) and _mapped(lex._file_bm25.indices) and _mapped(lex.chunk_file)
    finally:
        engine.close()
    assert bundle == _pack(root, tmp_path / "fresh.sqlite")
