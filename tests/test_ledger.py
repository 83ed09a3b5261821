"""The spend ledger: 20 bundles over 3 task types with outcomes, every per-type figure checked exactly; bundles
recorded by every surface (CLI pack, Workspace); feedback and `stats --by type` through the real CLI."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import pytest
from conftest import make_shop
from typer.testing import CliRunner

from contextpack.bundle_store import BundleStore
from contextpack.cli import app
from contextpack.errors import NotFoundError, RequestError
from contextpack.ledger import Entry, Ledger, p90
from contextpack.models import PackRequest
from contextpack.workspace import Workspace

DAY = 86_400.0
T0 = 1_760_000_000.0  # 2025-10-09

# (task type, tokens packed, outcome, tokens spent)
ROWS = [
    ("bugfix", 8000, "success", 30000), ("bugfix", 7000, "success", 50000), ("bugfix", 6000, "failure", 90000),
    ("bugfix", 5000, "success", None), ("bugfix", 4000, None, None), ("bugfix", 3000, "abandoned", 10000),
    ("bugfix", 2000, "success", 20000), ("bugfix", 1000, None, None),
    ("feature", 16000, "success", 120000), ("feature", 12000, "failure", 200000), ("feature", 10000, "failure", None),
    ("feature", 9000, "success", 80000), ("feature", 15000, None, None), ("feature", 11000, "abandoned", 40000),
    ("feature", 13000, "success", None),
    ("refactor", 4000, "failure", 60000), ("refactor", 4500, "failure", 70000), ("refactor", 5000, None, None),
    ("refactor", 3500, "abandoned", None), ("refactor", 6000, "failure", 30000),
]


def fill(ledger: Ledger, root: str = "/src/shop") -> list[str]:
    ids = []
    for n, (typ, used, outcome, spent) in enumerate(ROWS):
        bid = f"{n:02d}" + "ab" * 31
        ledger.record(Entry(bid, "shop", root, typ, 16000, used, 5, T0 + n * DAY))
        if outcome:
            ledger.feedback(bid, outcome, spent)
        ids.append(bid)
    return ids


def test_twenty_bundles_three_types_every_figure(tmp_path: Path) -> None:
    ledger = Ledger.open(tmp_path / "ledger.sqlite")
    fill(ledger)
    stats = {s.type: s for s in ledger.stats_by_type()}
    assert [s.type for s in ledger.stats_by_type()] == ["feature", "bugfix", "refactor"]  # costliest per success first

    bug = stats["bugfix"]
    assert (bug.bundles, bug.outcomes, bug.successes) == (8, 6, 4)
    assert bug.packed_median == 4500  # 1000..8000: (4000 + 5000) / 2
    assert bug.packed_p90 == 8000  # ceil(0.9 * 8) = 8th smallest
    assert bug.spent_median == 30000 and bug.spent_p90 == 90000  # spent of 10k 20k 30k 50k 90k
    assert bug.success_rate == 4 / 6
    # cost over the judged bundles, spent else packed: 30k + 50k + 90k + 5k (packed) + 10k + 20k = 205k
    assert bug.tokens_per_success == 205000 / 4

    feat = stats["feature"]
    assert (feat.bundles, feat.outcomes, feat.successes) == (7, 6, 3)
    assert feat.packed_median == 12000 and feat.packed_p90 == 16000  # ceil(6.3) = 7th of 7
    assert feat.spent_median == 100000 and feat.spent_p90 == 200000  # 40k 80k 120k 200k
    assert feat.success_rate == 0.5
    assert feat.tokens_per_success == (120000 + 200000 + 10000 + 80000 + 40000 + 13000) / 3

    ref = stats["refactor"]
    assert (ref.bundles, ref.outcomes, ref.successes) == (5, 4, 0)
    assert ref.packed_median == 4500 and ref.packed_p90 == 6000
    assert ref.spent_median == 60000 and ref.spent_p90 == 70000
    assert ref.success_rate == 0 and ref.tokens_per_success is None

    # filters: since (the last 5 days hold bundles 15..19, all refactor) and repository
    assert [s.type for s in ledger.stats_by_type(since=T0 + 15 * DAY)] == ["refactor"]
    assert ledger.stats_by_type(root="/src/other") == []


def test_p90_and_median_definitions() -> None:
    assert p90([5]) == 5 and p90(list(range(1, 11))) == 9 and p90(list(range(1, 12))) == 10
    assert statistics.median([1, 2, 3, 4]) == 2.5


def test_feedback_rules(tmp_path: Path) -> None:
    ledger = Ledger.open(tmp_path / "ledger.sqlite")
    ids = fill(ledger)
    assert ledger.feedback(ids[4][:10], "success", 1234) == ids[4]  # by prefix; replaces none
    assert ledger.feedback(ids[4], "failure") == ids[4]  # the latest outcome wins
    assert {s.type: s.outcomes for s in ledger.stats_by_type()}["bugfix"] == 7
    with pytest.raises(RequestError):
        ledger.feedback(ids[0], "won")
    with pytest.raises(RequestError):
        ledger.feedback("abab", "success")  # too short to be safe
    with pytest.raises(NotFoundError):
        ledger.feedback("f" * 64, "success")
    with pytest.raises(RequestError):
        ledger.feedback(ids[0], "success", -1)


def test_every_surface_records_without_text(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CONTEXTPACK_INDEX_DIR", str(tmp_path / "index-dir"))
    monkeypatch.setenv("CONTEXTPACK_LEDGER", str(tmp_path / "ledger.sqlite"))
    root = make_shop(tmp_path / "shop")
    env = {"CONTEXTPACK_INDEX_DIR": str(tmp_path / "index-dir"), "CONTEXTPACK_LEDGER": str(tmp_path / "ledger.sqlite"),
           "COLUMNS": "200"}
    # the CLI
    res = CliRunner().invoke(app, ["pack", "--repo", str(root), "--task", "fix the discount bug in apply_discount",
                                   "--budget", "3000"], env=env)
    assert res.exit_code == 0, res.output
    cli_bundle = json.loads(res.stdout)
    # the workspace (what HTTP and MCP call), a pack and its expand
    ws = Workspace(BundleStore(tmp_path / "bundles"))
    ws.register(root)
    b = ws.pack(PackRequest(repo="shop", task="add a new loyalty discount to the cart total", budget=2000))
    from contextpack.models import ExpandRequest
    delta = ws.expand(b.id, ExpandRequest(paths=["shop/checkout.py"], budget=2000))
    ws.close()
    ledger = Ledger.open(tmp_path / "ledger.sqlite")
    rows = ledger.conn.execute("SELECT id, repo, root, task_type, budget, used, items, parent, task_text "
                               "FROM bundles ORDER BY created").fetchall()
    assert [r[0] for r in rows] == [cli_bundle["id"], b.id, delta.id]
    assert rows[0][1:7] == ("shop", str(root.resolve()), "bugfix", 3000, cli_bundle["budget"]["used"],
                            len(cli_bundle["items"]))
    assert rows[1][3] == "feature" and rows[2][7] == b.id  # a delta names its parent
    assert all(r[8] is None for r in rows)  # no task text unless asked
    # feedback and stats through the CLI
    res = CliRunner().invoke(app, ["feedback", cli_bundle["id"][:12], "--outcome", "success",
                                   "--tokens-spent", "25000", "--note", "secret plan"], env=env)
    assert res.exit_code == 0, res.output
    assert ledger.conn.execute("SELECT outcome, tokens_spent, note FROM outcomes").fetchall() == \
        [("success", 25000, None)]
    res = CliRunner().invoke(app, ["stats", "--by", "type", "--repo", str(root)], env=env)
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert lines[2].split() == ["type", "bundles", "packed", "p50", "packed", "p90", "spent", "p50", "spent", "p90",
                                "outcomes", "success", "tokens/success"]
    assert lines[3].split() == ["bugfix", "1", f"{cli_bundle['budget']['used']:,}", f"{cli_bundle['budget']['used']:,}",
                                "25,000", "25,000", "1", "100%", "25,000"]
    assert lines[4].split()[:2] == ["feature", "1"]  # the delta is not a bundle of its own
    assert "most tokens per success: bugfix (25,000)" in res.stdout
    res = CliRunner().invoke(app, ["feedback", "0" * 12, "--outcome", "success"], env=env)
    assert isinstance(res.exception, NotFoundError) and res.exception.exit_code == 4
