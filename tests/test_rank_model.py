"""The ranker's model file and its scoring: the shipped ranker.json loads with its trees and provenance, the
numpy scoring of linear model + trees equals a row-by-row walk of the stored arrays, and in a real packed
repository the trees alone can decide the order while the reasons still come from the signals."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import SAMPLE_FUNCTION as BODY
from conftest import write

from contextpack.engine import Engine
from contextpack.rank import WEIGHTS, Fused, LinearModel, Ranker, default_ranker
from contextpack.signals import FILE_FEATURES
from contextpack.tree_model import TreeEnsemble

pytestmark = pytest.mark.usefixtures("isolated_index")


def _walk(trees: dict, row: dict[str, float]) -> float:
    """Reference: each tree walked from its root, one node at a time, in plain Python."""
    total = 0.0
    for root in trees["roots"]:
        i = root
        while trees["feature"][i] >= 0:
            name = trees["features"][trees["feature"][i]]
            i = trees["left"][i] if row[name] <= trees["threshold"][i] else trees["right"][i]
        total += trees["value"][i]
    return total


def _column(x_row: np.ndarray, name: str) -> float:
    parts = [x_row[FILE_FEATURES.index(p)] for p in name.split("*")]
    return float(np.prod(parts))


def test_the_shipped_model_loads_with_its_trees_and_provenance():
    doc = json.loads(WEIGHTS.read_text())
    assert WEIGHTS.stat().st_size < 1_000_000
    ranker = default_ranker()
    assert isinstance(ranker.file, Fused) and ranker.file.trees is not None and len(ranker.file.trees.roots) > 0
    assert ranker.file.trees.features == tuple(doc["file_trees"]["features"])
    prov = doc["provenance"]
    assert "trees" in prov["model"] and prov["features_dumped_on_commit"]
    assert {"acc@1", "acc@5", "acc@10"} <= set(prov["leave_one_repository_out"]["overall"])


def test_scoring_equals_a_row_by_row_reference_computation():
    doc = json.loads(WEIGHTS.read_text())
    ranker = default_ranker()
    rng = np.random.default_rng(7)
    # signal rows like real ones: indicators, shares in [0, 1], a log size; some columns zero
    x = rng.random((60, len(FILE_FEATURES))) * (rng.random((60, len(FILE_FEATURES))) < 0.5)
    x[:, FILE_FEATURES.index("log_lines")] = rng.uniform(2, 9, 60)
    got = ranker.file.scores(x)
    lin = doc["file"]
    for r in range(len(x)):
        row = {n: _column(x[r], n) for n in set(lin["features"]) | set(doc["file_trees"]["features"])}
        linear = sum((row[n] - m) / s * w for n, m, s, w in
                     zip(lin["features"], lin["mean"], lin["scale"], lin["weights"], strict=True))
        assert got[r] == pytest.approx(linear + _walk(doc["file_trees"], row), abs=1e-9)
    # the trees do change the scores (a model whose trees all said nothing would pass the line above)
    assert not np.allclose(got, ranker.file.linear.scores(x))


def test_malformed_trees_are_refused():
    good = {"features": ["bm25_file"], "depth": 1, "roots": [0], "feature": [0, -1, -1], "threshold": [0.5, 0, 0],
            "left": [1, 1, 2], "right": [2, 1, 2], "value": [0, -1.0, 1.0]}
    t = TreeEnsemble.from_json(good)
    assert t.scores(np.array([[0.2], [0.9]])).tolist() == [-1.0, 1.0]
    assert t.scores(np.zeros((0, 1))).shape == (0,)
    with pytest.raises(ValueError, match="child index"):
        TreeEnsemble.from_json({**good, "right": [5, 1, 2]})
    with pytest.raises(ValueError, match="lengths"):
        TreeEnsemble.from_json({**good, "value": [0, 1]})


def _trees_on(feature: str, low: float, high: float) -> TreeEnsemble:
    """One split on a signal column: `low` below 0.5, `high` above."""
    return TreeEnsemble.from_json({"features": [feature], "depth": 1, "roots": [0], "feature": [0, -1, -1],
                                   "threshold": [0.5, 0, 0], "left": [1, 1, 2], "right": [2, 1, 2],
                                   "value": [0, low, high]})


@pytest.mark.parametrize("tests_first", [False, True])
def test_the_trees_decide_the_order_and_the_signals_give_the_reasons(tmp_path, tests_first):
    root = tmp_path / "repo"
    write(root, "app/trim.py", BODY.format(name="trim_records"))
    write(root, "tests/test_trim.py", "from app.trim import trim_records\n\n\ndef test_trim_records():\n"
                                      "    assert trim_records([1, 2], 1) == [1]\n")
    engine = Engine(root, index_path=tmp_path / "i.sqlite")
    n = len(FILE_FEATURES)
    linear = LinearModel(FILE_FEATURES, tuple((j,) for j in range(n)), np.zeros(n), np.ones(n), np.zeros(n))
    trees = _trees_on("is_test", -2.0, 2.0) if tests_first else _trees_on("is_test", 2.0, -2.0)
    engine.ranker = Ranker(Fused(linear, trees, ((FILE_FEATURES.index("is_test"),),)), default_ranker().chunk)
    items = engine.pack("trim_records keeps one record too many", 4000).items
    order = [it.path for it in items]
    expected = ["tests/test_trim.py", "app/trim.py"]
    assert order[:2] == (expected if tests_first else expected[::-1])
    code = next(it for it in items if it.path == "app/trim.py")
    assert any("trim_records" in r for r in code.reasons), code.reasons
