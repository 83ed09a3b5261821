"""The derived sidecar is written with every array 64-byte aligned and read as views of a map of the file
(issue 11's cold pack at 200k files: no copies, no fresh pages to zero); a sidecar of another layout (numpy's
own compressed npz) is not mapped but rebuilt, and the pack stays byte-identical."""

from __future__ import annotations

import mmap
import struct
import zipfile
from pathlib import Path

import numpy as np
from conftest import make_shop

from contextpack import derived
from contextpack.bundle import render
from contextpack.engine import Engine

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
