"""The lines of a large definition that a task's words point at.

A 600-line `struct Opts` of command-line options, a table of file types, a long configuration class: each
is one definition, too dear to show whole at a small budget, so the packer used to show its signature
only — and the field the task names ("add a short option to base-directory") stayed hidden. This finds
the window of such a definition where the task's terms gather, weighting each term by how rare it is
among the definition's own lines (`long` and `help` sit on every option; `base` and `directory` on one).

    window(lines, [(30, 660)], {"base", "directory", "short"}, terms_of_line)   # (592, 612): `base_directory`
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Collection, Sequence

RADIUS = 10  # lines of context on each side of a line the window is centred on
MAX_LINES = 5000  # a definition longer than this is searched in its first lines only


def window(lines: Sequence[str], ranges: Sequence[tuple[int, int]], terms: Collection[str],
           terms_of_line: Callable[[int], frozenset[str]], radius: int = RADIUS) -> tuple[int, int] | None:
    """The (first, last) 1-based lines, within one of `ranges`, of the window of at most 2·radius+1 lines
    around the line whose task terms, with the distinct ones of its window, weigh most (the first such
    line); None when no line holds a task term. `ranges`: a definition's own lines, ascending and disjoint
    as the index keeps them (others are sorted and merged first). `terms_of_line(n)`: the index terms of
    line n (memoised by the caller, which keeps the file)."""
    hits = []  # (line, its task terms, first and last line of its range): lines holding a task term, in order
    seen = 0  # lines searched
    for a, b, first, last in searched(ranges, len(lines)):
        hits += [(n, found, a, b) for n in range(first, last + 1) if (found := terms_of_line(n) & terms)]
        seen += last - first + 1
    if not hits:
        return None
    df = Counter(t for hit in hits for t in hit[1])
    # each weight as an exact multiple of 2**-scale: sums of them are exact integers, and an integer over
    # 2**scale is rounded once, correctly, as math.fsum rounds the exact sum of the weights
    weight = {t: math.log(1 + seen / k).as_integer_ratio() for t, k in df.items()}
    scale = max(den for _, den in weight.values()).bit_length() - 1
    units = {t: num << (scale - den.bit_length() + 1) for t, (num, den) in weight.items()}
    one = 1 << scale
    # the window slides forward with its centre: the terms of the matched lines inside it are counted as
    # lines enter and leave, and the weight of the distinct ones kept as they come and go
    inside: dict[str, int] = {}
    first = end = 0  # hits[first:end] lie inside the window
    around = 0
    best, best_score = None, 0.0
    n_hits, unit = len(hits), units.__getitem__
    for centre, own, a, b in hits:
        lo, hi = centre - radius, centre + radius
        lo, hi = (a if lo < a else lo), (b if hi > b else hi)
        while end < n_hits and hits[end][0] <= hi:
            for t in hits[end][1]:
                k = inside.get(t, 0)
                inside[t] = k + 1
                if not k:
                    around += units[t]
            end += 1
        while hits[first][0] < lo:
            for t in hits[first][1]:
                k = inside.pop(t) - 1
                if k:
                    inside[t] = k
                else:
                    around -= units[t]
            first += 1
        # the terms around it, and again those on the line itself: a field's name line beats its doc
        score = around / one + sum(map(unit, own)) / one
        if score > best_score:
            best, best_score = (lo, hi), score
    return best


def searched(ranges: Sequence[tuple[int, int]], n_lines: int) -> list[tuple[int, int, int, int]]:
    """(first, last line of a range, first, last line searched in it): the lines `window` reads the terms
    of, the first MAX_LINES of the ranges' lines in a file of `n_lines`."""
    out, seen = [], 0
    for a, b in _ascending(ranges):
        last = min(b, n_lines, a + MAX_LINES - seen - 1)
        if last >= a:
            out.append((a, b, a, last))
            seen += last - a + 1
    return out


def _ascending(ranges: Sequence[tuple[int, int]]) -> Sequence[tuple[int, int]]:
    """`ranges` if each starts after the previous one ends, else sorted with overlapping ones merged."""
    if all(ranges[k][0] > ranges[k - 1][1] for k in range(1, len(ranges))):
        return ranges
    out: list[tuple[int, int]] = []
    for a, b in sorted(ranges):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out
