"""A better `owned`: named files first, then the best-ranked code files, never tests (unless test-repair) nor
never-owned globs; pinned by a request; owned globs per task type from .contextpack/config.toml; a reason
for each owned file; the config's keys validated with one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import assert_owned_by_probability, make_shop, write

from contextpack.bundle_store import BundleStore
from contextpack.contract_config import load_contract_config
from contextpack.engine import Engine
from contextpack.errors import RequestError
from contextpack.models import PackRequest
from contextpack.workspace import Workspace

TASK = "apply_discount in shop/pricing.py accepts a percent above 100; it should raise ValueError"


@pytest.fixture
def shop(tmp_path: Path, isolated_index) -> Path:
    return make_shop(tmp_path / "shop")


def test_named_file_is_owned_with_its_reason(shop: Path) -> None:
    c = Engine(shop).pack(TASK, 4000).contract
    assert c.owned[0] == "shop/pricing.py" and len(c.owned) <= 3
    assert c.owned_reasons["shop/pricing.py"].startswith("mentioned in task: `shop/pricing.py` (ranked #1 of the "
                                                         "shown code files, probability ")
    assert set(c.owned_reasons) == set(c.owned)
    assert not any(p.startswith("tests/") for p in c.owned)


def test_unnamed_task_owns_the_best_ranked_code_files(shop: Path) -> None:
    b = Engine(shop).pack("the total is wrong when a discount and shipping both apply", 4000, task_type="bugfix")
    c = b.contract
    assert_owned_by_probability(c.owned, b.items)  # the best, until the ranking is sure of them
    assert len(c.owned) >= 2  # unsure between the cart and the shipping: both owned
    assert all("(ranked #" in r for r in c.owned_reasons.values()), c.owned_reasons
    assert all(p.endswith(".py") and not p.startswith("tests/") for p in c.owned)


def test_test_repair_may_own_tests(shop: Path) -> None:
    c = Engine(shop).pack("fix the failing test tests/test_pricing.py", 4000, task_type="test-repair").contract
    assert "tests/test_pricing.py" in c.owned


def test_request_pins_owned(shop: Path) -> None:
    ws = Workspace(BundleStore(shop.parent / "bundles"))
    ws.register(shop)
    b = ws.pack(PackRequest(repo="shop", task=TASK, budget=4000, owned=["shop/cart.py", "shop/ship*.py"]))
    ws.close()
    assert b.contract.owned == ["shop/cart.py", "shop/shipping.py"]
    assert b.contract.owned_reasons["shop/shipping.py"] == "pinned by the request (`shop/ship*.py`)"
    assert "shop/pricing.py" in b.contract.read_only


def test_config_owned_and_never_owned_per_task_type(shop: Path) -> None:
    write(shop, ".contextpack/config.toml", """\
        [contract]
        never_owned = ["shop/pricing.py"]
        rules = ["docs/STYLE.md"]

        [contract.owned]
        bugfix = ["shop/cart.py"]
        """)
    write(shop, "docs/STYLE.md", "Short functions.\n")
    c = Engine(shop).pack(TASK, 4000, task_type="bugfix").contract
    assert "shop/pricing.py" not in c.owned
    assert c.owned_reasons["shop/cart.py"] == "owned for bugfix tasks by .contextpack/config.toml (`shop/cart.py`)"
    assert "docs/STYLE.md" in [r.path for r in c.rules]
    c = Engine(shop).pack(TASK, 4000, task_type="feature").contract
    assert "shop/pricing.py" not in c.owned
    assert not any("config" in r for r in c.owned_reasons.values())


@pytest.mark.parametrize(("toml", "message"), [
    ("[contract]\nnever_owned = 3\n", "[contract.never_owned]: Input should be a valid list"),
    ("[contract.owned]\nbugfixes = []\n", "[contract.owned]: Value error, unknown task type 'bugfixes'"),
    ("[contract]\nrules = ['../x']\n", "[contract.rules]: Value error, bad path or glob '../x'"),
    ("[defaults]\nbudget = -1\n", "[defaults.budget]: Input should be greater than or equal to 0"),
    ("[contract]\nowners = []\n", "[contract.owners]: Extra inputs are not permitted"),
])
def test_config_errors_name_the_key(tmp_path: Path, toml: str, message: str) -> None:
    write(tmp_path, ".contextpack/config.toml", toml, dedent=False)
    with pytest.raises(RequestError) as err:
        load_contract_config(tmp_path)
    assert str(err.value).startswith(f".contextpack/config.toml: {message}")
    assert "\n" not in str(err.value)
