"""The workspace and its engines under concurrency, on real files, a real SQLite index and real threads:
packs racing refreshes and edits, every bundle from one consistent index state, the off-ramp (expand)
never repeating what a bundle chain showed and refusing stale asks, engines released by LRU."""

from __future__ import annotations

import hashlib
import threading
import time
from pathlib import Path

import pytest
from conftest import check_bundle, make_shop, write

from contextpack.bundle_store import BundleStore
from contextpack.engine import Engine
from contextpack.errors import AccessError, NotFoundError, RequestError, StaleError
from contextpack.models import ExpandRequest, PackRequest
from contextpack.workspace import Workspace

pytestmark = pytest.mark.usefixtures("isolated_index")

TASK = "apply_discount and Cart.total are wrong"


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace(BundleStore(tmp_path / "bundles"))
    yield workspace
    workspace.close()


def _shown(bundle) -> dict[str, set[int]]:
    out: dict[str, set[int]] = {}
    for it in bundle.items:
        for a, b in it.ranges:
            out.setdefault(it.path, set()).update(range(a, b + 1))
    return out


def test_four_threads_packing_with_refresh_on_one_engine(tmp_path):
    """Was: "cannot start a transaction within a transaction" in three of four threads."""
    root = make_shop(tmp_path / "shop")
    engine = Engine(root, index_path=tmp_path / "i.sqlite")
    errors: list[BaseException] = []
    bundles = []

    def run() -> None:
        try:
            for _ in range(3):
                bundles.append(engine.pack(TASK, 2000, refresh=True))
        except BaseException as err:  # reported in the test's thread
            errors.append(err)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    engine.close()
    assert not errors, errors
    assert len(bundles) == 12 and len({b.to_json() for b in bundles}) == 1  # nothing changed: one bundle


def test_packs_racing_edits_each_come_from_one_index_state(ws, tmp_path):
    """While a writer keeps editing files the packs show, every bundle's items carry exactly the sha256
    values of the index state the bundle names (the kept file table of that state)."""
    root = make_shop(tmp_path / "shop")
    ws.register(root)
    ws.pack(PackRequest(repo="shop", task=TASK, budget=3000))
    stop = threading.Event()
    errors: list[BaseException] = []
    bundles = []

    def edit() -> None:
        pricing = root / "shop/pricing.py"
        base = pricing.read_text()
        k = 0
        while not stop.is_set():
            k += 1
            pricing.write_text(base + f"\n\ndef added_{k}():\n    return {k}\n")
            time.sleep(0.02)

    def pack() -> None:
        try:
            for _ in range(6):
                bundles.append(ws.pack(PackRequest(repo="shop", task=TASK, budget=3000)))
        except BaseException as err:
            errors.append(err)

    editor = threading.Thread(target=edit)
    editor.start()
    packers = [threading.Thread(target=pack) for _ in range(3)]
    for t in packers:
        t.start()
    for t in packers:
        t.join(120)
    stop.set()
    editor.join()
    assert not errors, errors
    assert len(bundles) == 18
    checked = 0
    for b in bundles:
        state = ws.bundles.state(b.repo.index_digest)
        if state is None:  # that state's table was not kept (the snapshot had moved on): nothing to check
            continue
        checked += 1
        for it in b.items:
            assert state[it.path] == it.sha256, (it.path, b.repo.index_digest)
    assert checked >= 1


def test_expand_gives_only_what_the_chain_has_not_shown_within_budget(ws, tmp_path):
    root = make_shop(tmp_path / "shop")
    ws.register(root)
    parent = ws.pack(PackRequest(repo="shop", task=TASK, budget=400))
    assert parent.omitted and all(o.ref for o in parent.omitted)
    assert ws.bundle(parent.id) == parent  # kept, and read back equal
    refs = [o.ref for o in parent.omitted[:3]]
    delta = ws.expand(parent.id, ExpandRequest(refs=refs, symbols=["Cart.total"], budget=600))
    assert delta.parent == parent.id and delta.id != parent.id
    assert delta.budget.used <= 600 and delta.items
    check_bundle(delta, root)
    before = _shown(parent)
    for path, lines in _shown(delta).items():
        assert not lines & before.get(path, set()), path  # nothing the parent showed
    # a second delta on top repeats neither the parent nor the first delta
    child = ws.expand(delta.id, ExpandRequest(paths=["shop/pricing.py", "shop/cart.py"], budget=5000))
    check_bundle(child, root)
    seen = {p: before.get(p, set()) | _shown(delta).get(p, set()) for p in set(before) | set(_shown(delta))}
    for path, lines in _shown(child).items():
        assert not lines & seen.get(path, set()), path
    # once everything asked for was shown, the delta is empty and says so
    again = ws.expand(child.id, ExpandRequest(paths=["shop/cart.py"], budget=5000))
    assert not again.items and any("already shown" in n for n in again.notes)


def test_expand_budget_is_exact_and_the_rest_is_omitted_with_refs(ws, tmp_path):
    root = make_shop(tmp_path / "shop")
    ws.register(root)
    parent = ws.pack(PackRequest(repo="shop", task=TASK, budget=0))
    assert not parent.items
    paths = sorted({o.path for o in parent.omitted})
    delta = ws.expand(parent.id, ExpandRequest(paths=paths, budget=150))
    assert delta.budget.used <= 150
    assert delta.budget.used == sum(it.tokens for it in delta.items)
    assert delta.omitted and all(o.ref for o in delta.omitted)
    # an omitted entry of the delta can be expanded in turn
    more = ws.expand(delta.id, ExpandRequest(refs=[delta.omitted[0].ref], budget=100_000))
    assert more.items and more.items[0].path == delta.omitted[0].path


def test_expand_is_refused_as_stale_after_an_edit_that_touches_what_it_asks(ws, tmp_path):
    root = make_shop(tmp_path / "shop")
    ws.register(root)
    parent = ws.pack(PackRequest(repo="shop", task=TASK, budget=0))
    asked = parent.omitted[0]
    untouched = next(o for o in parent.omitted if o.path != asked.path)
    target = root / asked.path
    target.write_text(target.read_text() + "\n# edited after the bundle was made\n")
    with pytest.raises(StaleError, match=asked.path):
        ws.expand(parent.id, ExpandRequest(refs=[asked.ref], budget=4000))
    # what the edit did not touch can still be expanded
    delta = ws.expand(parent.id, ExpandRequest(refs=[untouched.ref], budget=4000))
    assert {it.path for it in delta.items} == {untouched.path}


def test_expand_errors_are_clear(ws, tmp_path):
    root = make_shop(tmp_path / "shop")
    write(root, "notes/secret.env.example", "x\n")
    ws.register(root)
    parent = ws.pack(PackRequest(repo="shop", task=TASK, budget=300))
    with pytest.raises(NotFoundError, match="no bundle"):
        ws.expand("0" * 64, ExpandRequest(refs=["x"]))
    with pytest.raises(RequestError, match="bundle id"):
        ws.expand("../../etc/passwd", ExpandRequest(refs=["x"]))
    with pytest.raises(NotFoundError, match="ref"):
        ws.expand(parent.id, ExpandRequest(refs=["nope"]))
    with pytest.raises(RequestError, match="at least one"):
        ws.expand(parent.id, ExpandRequest())
    for bad in ("../outside.py", "/etc/passwd", "shop/../../x", "~/x", "a\\b"):
        with pytest.raises(AccessError):
            ws.expand(parent.id, ExpandRequest(paths=[bad]))


def test_read_is_confined_to_indexed_files_of_the_root(ws, tmp_path):
    root = make_shop(tmp_path / "shop")
    outside = tmp_path / "outside.txt"
    outside.write_text("TOP SECRET\n")
    (root / "shop/link.py").symlink_to(outside)
    write(root, ".env", "PASSWORD=hunter2\n")
    ws.register(root)
    got = ws.read("shop", "shop/pricing.py", 1, 3)
    assert got.start == 1 and got.end == 3 and got.content.count("\n") == 3
    assert got.sha256 == hashlib.sha256((root / "shop/pricing.py").read_bytes()).hexdigest()
    for bad in ("../outside.txt", str(outside), "shop/../../outside.txt"):
        with pytest.raises(AccessError):
            ws.read("shop", bad)
    for never_indexed in ("shop/link.py", ".env", ".git/config"):
        with pytest.raises(NotFoundError):
            ws.read("shop", never_indexed)
    with pytest.raises(RequestError):
        ws.read("shop", "shop/pricing.py", 0, 2)


def test_unknown_repository_and_names(ws, tmp_path):
    root = make_shop(tmp_path / "shop")
    with pytest.raises(NotFoundError, match="no repository named 'shop'"):
        ws.pack(PackRequest(repo="shop", task=TASK))
    assert ws.register(root).name == "shop"
    assert ws.register(root).name == "shop"  # idempotent
    other = make_shop(tmp_path / "b" / "shop")
    with pytest.raises(RequestError, match="taken"):
        ws.register(other)
    assert ws.register(other, name="shop-b").name == "shop-b"
    with pytest.raises(RequestError, match="bad repository name"):
        ws.register(other, name="../x")
    assert [r.name for r in ws.repos()] == ["shop", "shop-b"]


def test_idle_engines_are_released_beyond_the_bound(tmp_path):
    ws = Workspace(BundleStore(tmp_path / "bundles"), max_engines=2)
    try:
        for i in range(4):
            ws.register(make_shop(tmp_path / f"r{i}" / "shop"), name=f"shop{i}")
            ws.symbols(f"shop{i}", "apply_discount")
        assert len(ws._engines) == 2 and list(ws._engines) == ["shop2", "shop3"]
        assert ws.symbols("shop0", "apply_discount")  # reopened on demand
    finally:
        ws.close()


def test_watcher_keeps_the_index_fresh_without_an_index_call(tmp_path):
    root = make_shop(tmp_path / "shop")
    ws = Workspace(BundleStore(tmp_path / "bundles"), watch=True)
    try:
        ws.register(root)
        ws.status("shop")
        write(root, "shop/shipping.py", "def shipping_cost_for_parcel(weight):\n    return weight * 2\n")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not ws.symbols("shop", "shipping_cost_for_parcel"):
            time.sleep(0.1)
        status = ws.status("shop")
        assert status.watching and "shop/shipping.py" in status.last_change.changed
    finally:
        ws.close()


def test_bundle_store_is_bounded(tmp_path):
    root = make_shop(tmp_path / "shop")
    ws = Workspace(BundleStore(tmp_path / "bundles", max_bundles=3))
    try:
        ws.register(root)
        ids = [ws.pack(PackRequest(repo="shop", task=f"{TASK} {i}", budget=200)).id for i in range(5)]
        kept = sorted(p.stem for p in Path(tmp_path / "bundles").glob("*.json"))
        assert len(kept) == 3
        with pytest.raises(NotFoundError):
            ws.bundle(ids[0])
    finally:
        ws.close()


def test_cli_expand_a_bundle_the_cli_packed(tmp_path):
    """`contextpack pack` keeps its bundle; `contextpack expand ID --ref R` (another process) answers with a
    delta that repeats nothing, and exits 6 with one line once what it asks changed."""
    import json

    from conftest import run_cli

    from contextpack.bundle import Bundle

    root = make_shop(tmp_path / "shop")
    packed = run_cli(["pack", "--repo", str(root), "--task", TASK, "--budget", "300", "--no-server"])
    assert packed.returncode == 0, packed.stderr
    parent = Bundle.model_validate_json(packed.stdout)
    ref = parent.omitted[0]
    got = run_cli(["expand", parent.id, "--ref", ref.ref, "--symbol", "Cart.total", "--budget", "3000"])
    assert got.returncode == 0, got.stderr
    delta = Bundle.model_validate(json.loads(got.stdout))
    assert delta.parent == parent.id and delta.items and delta.budget.used <= 3000
    check_bundle(delta, root)
    before = _shown(parent)
    for path, lines in _shown(delta).items():
        assert not lines & before.get(path, set())
    target = root / ref.path
    target.write_text(target.read_text() + "\n# changed\n")
    stale = run_cli(["expand", parent.id, "--ref", ref.ref])
    assert stale.returncode == 6 and stale.stdout == ""
    assert stale.stderr.count("\n") == 1 and "changed under bundle" in stale.stderr, stale.stderr
    unknown = run_cli(["expand", "f" * 64, "--ref", "x"])
    assert unknown.returncode == 4 and "no bundle" in unknown.stderr
