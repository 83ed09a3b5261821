"""Issue 11, item 17: an edit that keeps a file's size and mtime (`cp -p`, `rsync -t`, tar, coarse
timestamps) must not leave the index stale forever. A file written close to the last refresh is
"racily clean" (git's term) and is hashed again by the next refresh; a pack that finds a file it shows
differs from the index refreshes that file, whatever its mtime."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from conftest import write
from hostile import cli

OLD = "def alpha_rate(order):\n    return order.total * 0.10\n"
NEW = "def omega_rate(order):\n    return order.total * 0.25\n"  # same length as OLD


def _repo(root: Path) -> Path:
    write(root, "shop/__init__.py", "")
    write(root, "shop/orders.py", "class Order:\n    total = 0\n")
    return write(root, "shop/rates.py", OLD)


def _edit_keeping_stat(path: Path, text: str) -> None:
    """What `cp -p` / `rsync -t` do: new bytes, same size, the old mtime put back."""
    st = path.stat()
    assert len(text.encode()) == st.st_size
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_mtime_ns == st.st_mtime_ns


def test_racily_clean_edit_is_seen_by_the_next_index(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    rates = _repo(root)
    # written in the same timestamp tick as the index reads it (here: stamped ahead of the clock, as a
    # network file system or an archive may leave it, so the test does not depend on how fast it runs)
    ahead = time.time_ns() + 30 * 10**9
    os.utime(rates, ns=(ahead, ahead))
    assert cli("index", "--repo", root, home=tmp_path).returncode == 0
    _edit_keeping_stat(rates, NEW)
    proc = cli("index", "--repo", root, home=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "1 parsed" in proc.stdout.decode(), proc.stdout.decode()
    found = cli("symbols", "omega_rate", "--repo", root, home=tmp_path)
    assert found.returncode == 0 and b"shop/rates.py" in found.stdout, found.stdout


def test_pack_refreshes_a_file_whose_hash_no_longer_matches(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    rates = _repo(root)
    for p in root.rglob("*.py"):  # an old tree (extracted from a tarball): nothing is racily clean
        os.utime(p, (1_000_000_000, 1_000_000_000))
    assert cli("index", "--repo", root, home=tmp_path).returncode == 0
    _edit_keeping_stat(rates, NEW)
    proc = cli("pack", "--repo", root, "--no-server", "--task", "fix the rate in shop/rates.py", home=tmp_path)
    assert proc.returncode == 0, proc.stderr
    bundle = json.loads(proc.stdout)
    shown = {it["path"]: it["content"] for it in bundle["items"]}
    assert "shop/rates.py" in shown, (list(shown), bundle["notes"])
    assert "omega_rate" in shown["shop/rates.py"] and "alpha_rate" not in shown["shop/rates.py"]
    assert not any("changed while packing" in n for n in bundle["notes"]), bundle["notes"]
    found = cli("symbols", "omega_rate", "--repo", root, home=tmp_path)  # the index itself was mended
    assert found.returncode == 0, found.stderr
