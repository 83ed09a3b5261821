"""The pack path's fast forms give exactly what the plain computations give (issue 10's latency work): each
property compares one with a plain reference written here, over random inputs."""

from __future__ import annotations

import math
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from contextpack import focus

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
