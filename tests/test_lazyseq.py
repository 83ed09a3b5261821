"""LazySequence: an item is made once, on first access, whatever the index form."""

from __future__ import annotations

import pytest

from contextpack.lazyseq import LazySequence


class Squares(LazySequence):
    def __init__(self, n: int):
        super().__init__()
        self.n, self.calls = n, []

    def __len__(self) -> int:
        return self.n

    def _make(self, i: int) -> int:
        self.calls.append(i)
        return i * i


def test_items_are_made_once_on_first_access():
    s = Squares(10)
    assert s[-1] == 81 and s[9] == 81 and s[2:5] == [4, 9, 16] and list(s)[:2] == [0, 1]
    assert sorted(s.calls) == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] and s.calls.count(9) == 1


@pytest.mark.parametrize("i", [10, -11])
def test_out_of_range_raises_index_error(i):
    with pytest.raises(IndexError):
        Squares(10)[i]
