"""Issue 11, item 9 (and issue 9's task type): analysing the longest task allowed is linear in its length
whatever its shape, and never slow enough to look like a hang; "fix: …" is a bugfix.

The speed itself (≤ 0.5 s of CPU at the longest length) is measured by `benchmarks/task_analysis.py`, not
asserted here: a CPU-time limit in a test fails on a busy or slower machine (it did, at 0.51 s, in CI). What
a test can hold on any machine is the growth: four times the text costs about four times the CPU (a
quadratic pattern costs sixteen), and no shape takes seconds (the defect took 203 s)."""

from __future__ import annotations

import time

import pytest
from task_shapes import SHAPES, N

from contextpack.task import analyze_task

HANG = 2.0  # CPU seconds for the longest task: far above the ~0.2 s it takes, far below the defect's 203 s
GROWTH = 10  # CPU(N) / CPU(N/4) at most this: linear is ~4, quadratic ~16
FLOOR = 0.1  # CPU seconds under which growth is not judged: too small to matter, too noisy to compare


def best_cpu_seconds(text: str, runs: int = 3) -> float:
    """The least CPU time of `runs` analyses: a busy machine only ever adds to it."""
    best = float("inf")
    for _ in range(runs):
        started = time.process_time()
        analyze_task(text)
        best = min(best, time.process_time() - started)
    return best


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_longest_task_is_analysed_in_linear_time(shape: str) -> None:
    text = SHAPES[shape]
    assert len(text) > N * 0.95
    quarter = best_cpu_seconds(text[:N // 4])
    full = best_cpu_seconds(text)
    assert full <= HANG, f"{shape}: {full:.2f} s"
    assert full <= max(GROWTH * quarter, FLOOR), f"{shape}: {quarter:.3f} s for N/4, {full:.3f} s for N"


@pytest.mark.parametrize("text", ["fix: empty cart total", "Fix handling of unicode names in the cart",
                                  "fixes the cart total for coupons", "Fixing rounding in with_tax"])
def test_fix_is_a_bugfix(text: str) -> None:
    q = analyze_task(text)
    assert q.type == "bugfix", q.type_reason
