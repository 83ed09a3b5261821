"""The task's title (its first line) as a ranking signal: two files that the whole task matches alike, told
apart by what its first line says, indexed for real and packed through the engine with a ranker that weighs
that signal only (the helpers of test_rank_signals)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import SAMPLE_FUNCTION as BODY
from conftest import make_shop, run_cli
from test_rank_signals import _assert_decides, _columns, _engine

from contextpack.bundle import Bundle
from contextpack.rank import LinearModel, Ranker, default_ranker, rank
from contextpack.signals import CHUNK_FEATURES, chunk_signals, file_signals, task_title
from contextpack.task import analyze_task

pytestmark = pytest.mark.usefixtures("isolated_index")


def test_the_title_is_the_first_line_that_says_something():
    assert task_title(analyze_task("\n  \nInvoice rounding is off\nThe body says more.\n")) == "Invoice rounding is off"
    assert task_title(analyze_task("one line only")) == "one line only"


def test_words_of_the_title_in_the_file(tmp_path):
    # the body says more of beta's words than the title says of alpha's: the whole task's BM25 prefers beta,
    # the title's alpha
    _, engine = _engine(tmp_path, {
        "app/alpha.py": BODY.format(name="trim") + "\ndef invoice_rounding(amount):\n    return round(amount)\n",
        "app/beta.py": BODY.format(name="trim")
        + "\ndef shipping_label_printer(order):\n    return 'shipping label printer, courier barcode'\n"})
    task = ("Invoice rounding is off by a cent\n"
            "It shows on the shipping label that the printer sends with the courier barcode.\n")
    cols = _columns(engine, task)
    assert cols["app/beta.py"]["bm25_file"] > cols["app/alpha.py"]["bm25_file"]
    assert cols["app/beta.py"]["title_bm25"] == 0.0
    _assert_decides(engine, task, "app/alpha.py", "app/beta.py", "title_bm25", "matches the task's title")


def test_a_name_the_title_writes(tmp_path):
    # both names are in the task, each defined once: the one in the title decides
    _, engine = _engine(tmp_path, {"app/alpha.py": BODY.format(name="trim_records"),
                                   "app/beta.py": BODY.format(name="keep_records")})
    task = "trim_records loses the last record\nCalled after keep_records, as the docs say.\n"
    cols = _columns(engine, task)
    assert cols["app/alpha.py"]["defines_code_name"] == cols["app/beta.py"]["defines_code_name"] > 0
    assert cols["app/alpha.py"]["title_defines"] == 1.0 and cols["app/beta.py"]["title_defines"] == 0.0
    _assert_decides(engine, task, "app/alpha.py", "app/beta.py", "title_defines",
                    "defines `trim_records`, named in the task's title")


def test_a_plain_word_of_the_title_that_names_a_definition(tmp_path):
    # `stackplot should not change Axes cycler`: a name written as a plain word, which the whole task's
    # code names miss; a stop word of the title (`fix`) names nothing, though a file defines it
    _, engine = _engine(tmp_path, {"app/alpha.py": BODY.format(name="stackplot"),
                                   "app/beta.py": BODY.format(name="fix")})
    task = "fix: stackplot should not change the colours\nThe colours come from the cycle.\n"
    cols = _columns(engine, task)
    assert cols.get("app/beta.py", {}).get("title_defines", 0.0) == 0.0
    _assert_decides(engine, task, "app/alpha.py", "app/beta.py", "title_defines",
                    "defines `stackplot`, named in the task's title")


def test_contextpack_pack_says_which_file_the_title_points_at(tmp_path):
    """Through the installed script, with the shipped ranker, on the shop layout: the body names the cart, the
    discount, the tax and the checkout; the title says shipping. The shipping module comes first, and its
    reasons say the title matched it."""
    root = make_shop(tmp_path / "shop")
    task = ("Shipping cost ignores the weight of heavy parcels\n"
            "The cart total and the discount and the tax and the checkout all look right; only the price of "
            "sending is off.\n")
    out = run_cli(["pack", "--no-server", "--repo", str(root), "--budget", "4000", "--task", task])
    assert out.returncode == 0, out.stderr
    bundle = Bundle.model_validate(json.loads(out.stdout))
    first = next(i for i in bundle.items if i.language == "python")  # after the rules files, always first
    assert first.path == "shop/shipping.py", [i.path for i in bundle.items]
    assert any(r.startswith("matches the task's title") for r in first.reasons), first.reasons


# ---- the title at definition level --------------------------------------------------------------------------

TWO_DEFINITIONS = (  # the title's definition second: ties would keep file order
    "def shipping_label_printer(order):\n"
    "    return 'shipping label printer, courier barcode, shipping label ' + str(order)\n\n\n"
    "def invoice_rounding(amount):\n    return round(amount, 2)\n")
TITLED_TASK = ("Invoice rounding is off by a cent\n"
               "It shows on the shipping label that the printer sends with the courier barcode.\n")


def _definitions(engine, task: str, path: str, **chunk_weights: float) -> list[tuple[str, dict, list[str]]]:
    """The definitions of `path` as ranked with a definition model that weighs these columns only (files by the
    shipped weights): (name, columns, reasons) best first."""
    n = len(CHUNK_FEATURES)
    w = np.array([chunk_weights.get(f, 0.0) for f in CHUNK_FEATURES])
    engine.ranker = Ranker(default_ranker().file,
                           LinearModel(CHUNK_FEATURES, tuple((j,) for j in range(n)), np.zeros(n), np.ones(n), w))
    query = analyze_task(task)
    with engine.snapshot() as snap:
        fs = file_signals(query, snap.graph, snap.lexical, snap.modules, {})
        cs = chunk_signals(fs, path)
        cols = {snap.lexical.chunks[i].name: dict(zip(CHUNK_FEATURES, cs.x[r], strict=True))
                for r, i in enumerate(cs.chunks)}
        ranking = rank(query, snap.graph, snap.lexical, snap.modules, {}, engine.ranker)
    return [(c.chunk.name.rsplit(".", 1)[-1], cols[c.chunk.name], c.reasons) for c in ranking.chunks[path]]


def test_words_of_the_title_in_a_definition(tmp_path):
    # the body's words are the label printer's, the title's the rounding's: the whole task's BM25 prefers the
    # printer, the title's BM25 the rounding
    _, engine = _engine(tmp_path, {"app/billing.py": TWO_DEFINITIONS})
    by_bm25 = _definitions(engine, TITLED_TASK, "app/billing.py", bm25_in_file=1.0)
    assert [name for name, _, _ in by_bm25] == ["shipping_label_printer", "invoice_rounding"]
    by_title = _definitions(engine, TITLED_TASK, "app/billing.py", title_bm25=1.0)
    assert [name for name, _, _ in by_title] == ["invoice_rounding", "shipping_label_printer"]
    name, cols, reasons = by_title[0]
    assert cols["title_bm25"] == 1.0 and by_title[1][1]["title_bm25"] == 0.0
    assert any(r.startswith("`invoice_rounding` matches the task's title") for r in reasons), reasons


def test_a_name_whose_words_the_title_uses(tmp_path):
    # both names' words are in the task; only the rounding's are in its title
    _, engine = _engine(tmp_path, {"app/billing.py": TWO_DEFINITIONS})
    task = "Invoice rounding is off by a cent\nSeen beside shipping_label_printer output.\n"
    ranked = _definitions(engine, task, "app/billing.py", title_name_terms=1.0)
    assert [name for name, _, _ in ranked] == ["invoice_rounding", "shipping_label_printer"]
    assert ranked[0][1]["title_name_terms"] == 1.0 and ranked[1][1]["title_name_terms"] == 0.0
    assert ranked[0][1]["name_terms"] == ranked[1][1]["name_terms"] == 1.0  # the whole task can't tell them apart


def test_contextpack_pack_says_which_definition_the_title_points_at(tmp_path):
    """Through the installed script, with the shipped ranker, on the shop layout: the body speaks of the
    discount, the title of the tax; the pricing module's snippet shows `with_tax` and says the title matched it."""
    root = make_shop(tmp_path / "shop")
    task = ("Tax is applied at the wrong rate\n"
            "The discount percent out of range error shows for a valid discount percent, and the discount is off.\n")
    out = run_cli(["pack", "--no-server", "--repo", str(root), "--budget", "500", "--task", task])
    assert out.returncode == 0, out.stderr
    bundle = Bundle.model_validate(json.loads(out.stdout))
    pricing = next(i for i in bundle.items if i.path == "shop/pricing.py")
    assert "def with_tax(" in pricing.content
    assert "`with_tax` matches the task's title (1.00)" in pricing.reasons, pricing.reasons
