"""The pack path's fast forms give exactly what the plain computations give (issue 10's latency work): each
property compares one with a plain reference written here, over random inputs."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest
from conftest import make_shop
from hypothesis import given, settings
from hypothesis import strategies as st

from contextpack import focus
from contextpack.engine import Engine
from contextpack.lexical import Strings
from contextpack.rank import default_ranker, rank
from contextpack.signals import CHUNK_FEATURES, _name_terms, chunk_signals, file_signals
from contextpack.task import analyze_task

C = {n: i for i, n in enumerate(CHUNK_FEATURES)}

VOCAB = ["base", "directory", "short", "long", "help", "value", "x", "y"]


def plain_window(lines, ranges, terms, terms_of_line, radius=focus.RADIUS):
    """focus.window as first written: every centre's window gathered line by line."""
    range_of = {n: (a, b) for a, b in ranges for n in range(a, min(b, len(lines)) + 1)}
    numbers = list(range_of)[:focus.MAX_LINES]
    matched = {n: found for n in numbers if (found := terms_of_line(n) & terms)}
    if not matched:
        return None
    df = Counter(t for found in matched.values() for t in found)
    weight = {t: math.log(1 + len(numbers) / k) for t, k in df.items()}
    best, best_score = None, 0.0
    for centre in matched:
        a, b = range_of[centre]
        lo, hi = max(a, centre - radius), min(b, centre + radius)
        found = set().union(*(matched[n] for n in range(lo, hi + 1) if n in matched))
        score = math.fsum(weight[t] for t in found) + math.fsum(weight[t] for t in matched[centre])
        if score > best_score:
            best, best_score = (lo, hi), score
    return best


@st.composite
def definitions(draw):
    """Lines with random terms, and ascending disjoint ranges (a definition's own lines), the last one
    possibly past the end of the file (an index of an older, longer version)."""
    n = draw(st.integers(1, 120))
    line_terms = draw(st.lists(st.frozensets(st.sampled_from(VOCAB), max_size=3), min_size=n, max_size=n))
    cuts = sorted(draw(st.sets(st.integers(1, n + 10), min_size=2, max_size=12)))
    ranges = [(cuts[k], cuts[k + 1] - draw(st.integers(0, 1))) for k in range(0, len(cuts) - 1, 2)]
    ranges = [(a, b) for a, b in ranges if a <= b]
    terms = draw(st.frozensets(st.sampled_from(VOCAB), min_size=1, max_size=5))
    radius = draw(st.integers(0, 12))
    return [f"line {k}" for k in range(1, n + 1)], line_terms, ranges, terms, radius


@settings(max_examples=400, deadline=None)
@given(definitions())
def test_window_slides_to_the_same_answer_as_gathering_each_window(case):
    lines, line_terms, ranges, terms, radius = case
    terms_of_line = lambda k: line_terms[k - 1]  # noqa: E731
    assert focus.window(lines, ranges, terms, terms_of_line, radius) == \
        plain_window(lines, ranges, terms, terms_of_line, radius)


def test_window_searches_the_first_max_lines_only(monkeypatch):
    monkeypatch.setattr(focus, "MAX_LINES", 30)
    lines = [f"l{k}" for k in range(100)]
    line_terms = {k: frozenset({"base"}) for k in (5, 25, 45, 70)} | {k: frozenset({"short"}) for k in (26, 71, 72)}
    terms_of_line = lambda k: line_terms.get(k, frozenset())  # noqa: E731
    ranges = [(1, 20), (24, 40), (44, 90)]
    got = focus.window(lines, ranges, {"base", "short"}, terms_of_line, 3)
    assert got == plain_window(lines, ranges, {"base", "short"}, terms_of_line, 3) == (24, 29)


# -- definition signals and their ranking ----------------------------------------------------------------

def plain_chunk_signals(fs, path, pointed_only=False):
    """signals.chunk_signals as first written: each definition's row from its `Chunk`, every reason in words."""
    lexical = fs.lexical
    every = lexical.chunks_of.get(path, [])
    if not every:
        return [], np.zeros((0, len(CHUNK_FEATURES))), []
    lex_all = fs.chunk_lex[every] if len(fs.chunk_lex) else np.zeros(len(every))
    best = float(lex_all.max()) or 1.0
    order = np.argsort(-lex_all, kind="stable")
    rank_all = np.empty(len(every), dtype=np.int64)
    rank_all[order] = np.arange(len(every))
    keep = np.arange(len(every))
    if pointed_only:
        pointed = fs.chunk_named.keys() | fs.chunk_span.keys() | fs.chunk_member.keys() | fs.chunk_frame.keys()
        keep = np.array([r for r, i in enumerate(every) if lex_all[r] > 0 or i in pointed], dtype=np.int64)
    idx = [every[r] for r in keep]
    lex, rank_of = lex_all[keep], rank_all[keep]
    x = np.zeros((len(idx), len(CHUNK_FEATURES)))
    reasons = []
    x[:, C["bm25"]] = lex / fs.top_chunk
    x[:, C["bm25_in_file"]] = lex / best
    x[:, C["bm25_rank_in_file"]] = np.where(lex > 0, 1.0 / np.log2(rank_of + 2), 0.0)
    chunks = [lexical.chunks[i] for i in idx]
    for r, (i, c) in enumerate(zip(idx, chunks, strict=True)):
        why = {}
        if lex[r] / fs.top_chunk > 0.05:
            label = f"`{c.name.rsplit('.', 1)[-1]}`" if c.name else f"lines {c.start}-{c.end}"
            why[C["bm25"]] = f"{label} matches the task text ({lex[r] / fs.top_chunk:.2f})"
        if (named := fs.chunk_named.get(i)) is not None:
            x[r, C["named"]] = named[0]
            why[C["named"]] = named[1]
        if (span := fs.chunk_span.get(i)) is not None:
            x[r, C["named_code_span"]] = 1.0
            why[C["named_code_span"]] = span
        if (member := fs.chunk_member.get(i)) is not None:
            x[r, C["member_of_named"]] = member[0]
            why[C["member_of_named"]] = member[1]
        if (frame := fs.chunk_frame.get(i)) is not None:
            x[r, C["frame_line"]] = 1.0
            why[C["frame_line"]] = frame
        reasons.append(why)
    x[:, C["name_terms"]] = [_name_terms(c.name, fs.terms) for c in chunks]
    title_all = fs.chunk_title[every] if len(fs.chunk_title) else np.zeros(len(every))
    x[:, C["title_bm25"]] = title_all[keep] / (float(title_all.max()) or 1.0)
    for r in np.flatnonzero(x[:, C["title_bm25"]] > 0.05).tolist():
        c = chunks[r]
        label = f"`{c.name.rsplit('.', 1)[-1]}`" if c.name else f"lines {c.start}-{c.end}"
        reasons[r][C["title_bm25"]] = f"{label} matches the task's title ({x[r, C['title_bm25']]:.2f})"
    x[:, C["title_name_terms"]] = [_name_terms(c.name, fs.title_terms) for c in chunks] if fs.title_terms else 0.0
    x[:, C["is_class"]] = [c.kind in {"class", "struct", "interface", "trait", "impl", "enum"} for c in chunks]
    x[:, C["is_function"]] = [c.kind in {"function", "method"} for c in chunks]
    x[:, C["is_module"]] = [c.kind == "module" for c in chunks]
    x[:, C["is_text"]] = [c.kind == "text" for c in chunks]
    x[:, C["log_lines"]] = [math.log1p(sum(b - a + 1 for a, b in c.lines)) for c in chunks]
    return idx, x, reasons


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    root = make_shop(tmp_path_factory.mktemp("shop") / "shop")
    engine = Engine(root, index_path=root.parent / "i.sqlite")
    engine.index()
    yield engine
    engine.close()


SHOP_WORDS = ["apply_discount", "Cart", "price", "quantity", "total", "checkout", "volume", "rule", "records",
              "limit", "PriceRule.apply", "shop/pricing.py", "tax", "item", "discount", "cheaper", "unit", "order"]


@settings(max_examples=40, deadline=None)
@given(words=st.lists(st.sampled_from(SHOP_WORDS), min_size=1, max_size=8),
       frame=st.one_of(st.none(), st.integers(1, 60)))
def test_definition_signals_and_their_order_are_the_plain_ones(shop, words, frame):
    task = " ".join(words) + (f'\n  File "shop/pricing.py", line {frame}, in apply_discount' if frame else "")
    with shop.snapshot() as snap:
        query = analyze_task(task)
        fs = file_signals(query, snap.graph, snap.lexical, snap.modules)
        for p in fs.paths:
            for pointed_only in (False, True):
                cs = chunk_signals(fs, p, pointed_only)
                idx, x, reasons = plain_chunk_signals(fs, p, pointed_only)
                assert cs.chunks == idx and np.array_equal(cs.x, x) and list(cs.reasons) == reasons
        ranking = rank(query, snap.graph, snap.lexical, snap.modules)
        ranker = default_ranker()
        for f in ranking.files:
            idx, x, reasons = plain_chunk_signals(fs, f.path, pointed_only=True)
            plain = []
            if idx:
                score = ranker.chunk.scores(x)
                prob = np.exp(score - score.max())
                prob /= prob.sum()
                rise = ranker.chunk.rises(x)
                order = sorted(range(len(idx)), key=lambda k: (-score[k], snap.lexical.chunks[idx[k]].start))
                plain = [(snap.lexical.chunks[idx[k]], round(float(prob[k]), 6),
                          ranker.chunk.reasons(rise[k], reasons[k])) for k in order]
            got = [(c.chunk, c.score, c.reasons) for c in ranking.chunks.get(f.path, [])]
            assert got == plain
            for limit in (1, 3, 20):
                assert [(c.chunk, c.score) for c in ranking.scored(f.path, limit)] == \
                    [(c, s) for c, s, _ in plain if s > 0][:limit]


@settings(max_examples=200, deadline=None)
@given(names=st.lists(st.text(alphabet=st.characters(blacklist_characters="\0", blacklist_categories=["Cs"])),
                      min_size=1, max_size=12),
       data=st.data())
def test_a_run_of_names_decoded_at_once_is_the_names_one_by_one(names, data):
    blob = b"".join(n.encode("utf-8") + b"\0" for n in names)
    for strings in (Strings(blob), Strings(np.frombuffer(blob, dtype=np.uint8))):
        first = data.draw(st.integers(0, len(names) - 1))
        stop = data.draw(st.integers(first + 1, len(names)))
        assert strings.run(first, stop) == [strings[i] for i in range(first, stop)] == names[first:stop]
