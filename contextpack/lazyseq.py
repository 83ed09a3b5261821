"""A sequence whose items are made on first access and kept: the index's chunks, a file's ranked definitions
and their reasons are read a few at a time out of hundreds or millions.

    class Squares(LazySequence):
        def __len__(self): return 10
        def _make(self, i): return i * i
    Squares()[-1]  # 81, made once
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class LazySequence(Sequence):
    """Subclasses give `__len__` and `_make(i)` for 0 <= i < len; items live as long as the sequence does
    (bounded by its length)."""

    def __init__(self) -> None:
        self._made: dict[int, Any] = {}

    def _make(self, i: int) -> Any:
        raise NotImplementedError

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        item = self._made.get(i)
        if item is None:
            if not 0 <= i < len(self):
                raise IndexError(i)
            item = self._made[i] = self._make(i)
        return item
