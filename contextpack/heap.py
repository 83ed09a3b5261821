"""Giving freed memory back to the operating system between the phases of a large build.

glibc's allocator keeps freed memory for reuse: after a build phase frees its temporaries (a 200k-file
repository's derived state passes ~1 GB through the heap), that memory stays resident, and the next phase,
whose big arrays are mapped afresh, adds to it: the peak is the sum. `trim()` returns the free pages
(`malloc_trim(0)`, ~10 ms); elsewhere than on glibc it does nothing.

    trim()        # after freeing a phase's temporaries, before the next phase allocates
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools


@functools.cache
def _malloc_trim():
    """libc's malloc_trim, or None where there is none (musl, macOS, Windows)."""
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None


def trim() -> None:
    """Return the allocator's free memory to the operating system, where the allocator can."""
    fn = _malloc_trim()
    if fn is not None:
        fn(0)
