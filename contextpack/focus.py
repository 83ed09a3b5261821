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
    line); None when no line holds a task term. `terms_of_line(n)`: the index terms of line n (memoised by
    the caller, which keeps the file)."""
    range_of = {n: (a, b) for a, b in ranges for n in range(a, min(b, len(lines)) + 1)}
    numbers = list(range_of)[:MAX_LINES]
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
        # the terms around it, and again those on the line itself: a field's name line beats its doc
        score = math.fsum(weight[t] for t in found) + math.fsum(weight[t] for t in matched[centre])
        if score > best_score:
            best, best_score = (lo, hi), score
    return best
