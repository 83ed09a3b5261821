"""What the engine keeps between packs for speed never shows an older state: files kept by stat are read
again when their stat changes (even with the old size and mtime put back) or when they changed too recently
to trust; contract answers are per index state; the caches stay within their bounds; a kept line count is
the exact count."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest
from conftest import check_bundle, make_shop, write

from contextpack.engine import Engine
from contextpack.pack import SourceFile
from contextpack.sources import RACY_SECONDS, SourceCache
from contextpack.tokens import get_tokenizer

pytestmark = pytest.mark.usefixtures("isolated_index")
TASK = "apply_discount should accept a discount of exactly 100 percent"


def _age(root: Path, seconds: float) -> None:
    """Every file's mtime set `seconds` into the past (as a checkout that is not brand new)."""
    then = time.time() - seconds
    for p in root.rglob("*"):
        if p.is_file():
            os.utime(p, (then, then))


def _shown(bundle, path: str) -> str:
    shown = {it.path: it.content for it in bundle.items}
    assert path in shown, (list(shown), bundle.notes)
    return shown[path]


def test_a_file_rewritten_with_its_old_size_and_mtime_is_never_shown_as_it_was(tmp_path):
    root = make_shop(tmp_path / "shop")
    _age(root, 3600)
    time.sleep(RACY_SECONDS + 0.1)  # ctimes are now; past the window, what a pack reads is kept by stat
    engine = Engine(root, index_path=tmp_path / "i.sqlite")
    first = engine.pack(TASK, 3000)
    pricing = root / "shop/pricing.py"
    assert "percent / 100" in _shown(first, "shop/pricing.py")
    st = pricing.stat()
    pricing.write_text(pricing.read_text().replace("percent / 100", "percent / 700"))
    os.utime(pricing, ns=(st.st_atime_ns, st.st_mtime_ns))  # same size, same mtime: only ctime tells
    assert pricing.stat().st_size == st.st_size and pricing.stat().st_mtime_ns == st.st_mtime_ns
    second = engine.pack(TASK, 3000)
    check_bundle(second, root)  # what is shown is what is on disk now
    assert all("percent / 100" not in it.content for it in second.items)
    # the kept version is not served for the index's sha any more: the file is read again
    old_sha = next(it.sha256 for it in first.items if it.path == "shop/pricing.py")
    tok = get_tokenizer()
    assert engine._sources.get(root, "shop/pricing.py", "python", tok, old_sha, lambda *a: None) is None


def test_a_file_changed_within_the_racy_window_is_not_trusted_by_stat(tmp_path):
    root = make_shop(tmp_path / "shop")
    _age(root, 3600)
    time.sleep(RACY_SECONDS + 0.1)  # ctimes (set by utime) out of the window too
    fresh = root / "shop/pricing.py"
    os.utime(fresh)  # changed just now
    tok = get_tokenizer()
    cache = SourceCache()
    shas = {p: hashlib.sha256((root / p).read_bytes()).hexdigest()
            for p in ("shop/pricing.py", "shop/cart.py")}

    def build(path):
        return lambda sha, lines: SourceFile(path, "python", sha, lines, [], [None] * len(lines), tok.count)

    for path, sha in shas.items():
        assert cache.get(root, path, "python", tok, sha, build(path)).sha256 == sha
    entries = cache._entries
    old, new = entries[("shop/cart.py", "python", tok.name)], entries[("shop/pricing.py", "python", tok.name)]
    assert old.trusted(tuple(_stat(root / "shop/cart.py")))
    assert not new.trusted(tuple(_stat(fresh)))  # read again at each pack until RACY_SECONDS old
    assert RACY_SECONDS >= 1
    # a sha the index does not have: None, whether the entry is trusted or not
    assert cache.get(root, "shop/cart.py", "python", tok, "0" * 64, build("shop/cart.py")) is None
    assert cache.get(root, "shop/pricing.py", "python", tok, "0" * 64, build("shop/pricing.py")) is None


def _stat(path: Path) -> tuple[int, ...]:
    st = os.stat(path)
    return (st.st_size, st.st_ino, st.st_mtime_ns, st.st_ctime_ns, st.st_dev)


def test_kept_files_stay_within_the_byte_bound_least_recently_used_out(tmp_path):
    root = tmp_path / "r"
    for i in range(6):
        write(root, f"m{i}.py", f"x = {i}\n" * 100)  # 600 bytes each
    _age(root, 3600)
    tok = get_tokenizer()
    cache = SourceCache(max_bytes=2000)
    for i in range(6):
        data = (root / f"m{i}.py").read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        cache.get(root, f"m{i}.py", "python", tok, sha,
                  lambda sha, lines: SourceFile("m", "python", sha, lines, [], [None] * len(lines), tok.count))
    assert [k[0] for k in cache._entries] == ["m3.py", "m4.py", "m5.py"]
    assert cache._bytes <= 2000


def test_contract_answers_follow_the_index_state(tmp_path):
    root = make_shop(tmp_path / "shop")
    engine = Engine(root, index_path=tmp_path / "i.sqlite")
    pin = ["shop/pricing.py"]  # owned: just it, so every other user is a caller to preserve
    before = {p.qualname: p.callers for p in engine.pack(TASK, 3000, owned=pin).contract.preserve}
    assert "shop/refunds.py" not in before["shop.pricing.apply_discount"]
    write(root, "shop/refunds.py", """\
        from shop.pricing import apply_discount


        def refund(price, percent):
            return price - apply_discount(price, percent)
        """)
    engine.index()
    after = engine.pack(TASK, 3000, owned=pin)
    callers = {p.qualname: p.callers for p in after.contract.preserve}["shop.pricing.apply_discount"]
    assert "shop/refunds.py" in callers, after.contract.preserve


def test_a_kept_count_is_the_exact_count():
    tok = get_tokenizer()
    lines = ["\n", "    return None\n", "naïve café – “quoted” 🎉\n", "x = {'a': [1, 2, 3]}  # ⋮\n", "\t\t}\n"]
    texts = ["".join(lines), "".join(reversed(lines)) * 50, ""]
    for _ in range(2):  # second round from the memos
        for line in lines:
            assert tok.count_line(line) == tok.count(line)
        for text in texts:
            assert tok.count_text(text) == tok.count(text)
