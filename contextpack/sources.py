"""The files packs show, kept between packs and found again by a stat check instead of a re-read.

A pack must show exactly the content its index state hashed, so every ranked file used to be read and
hashed on every pack (~40 files). Each file version read is kept here with what the packer derives from
it (lines, definitions, per-line token counts, secret verdicts; see `pack.SourceFile`), bounded by
bytes, least recently used out first. The next pack reuses it without reading when the file's stat
(size, mtime, ctime, inode, device) is unchanged and the file was last changed at least `RACY_SECONDS`
before it was read: git's rule for "racily clean" entries, since a write in the same timestamp tick as
the read leaves the stat unchanged. Anything else is read and hashed again.

    cache = SourceCache()
    src = cache.get(root, "app/models.py", "python", tokenizer, sha_in_index, build)   # None: differs on disk
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .pack import SourceFile
from .tokens import Tokenizer

MAX_BYTES = 64 * 1024 * 1024  # file content kept, summed over entries
MAX_ENTRIES = 8192
RACY_SECONDS = 2  # a stat is trusted only for a file last changed this long before it was read (FAT: 2 s ticks)

_Build = Callable[[str, list[str]], SourceFile]  # (sha256, lines) → the packer's view of that version


@dataclass
class _Entry:
    stat: tuple[int, ...]
    read_ns: int  # time.time_ns() just before the read
    size: int
    source: SourceFile

    def trusted(self, stat: tuple[int, ...]) -> bool:
        changed_ns = max(stat[2], stat[3])  # mtime, ctime
        return stat == self.stat and changed_ns < self.read_ns - RACY_SECONDS * 1_000_000_000


def _stat(path: Path) -> tuple[int, ...] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_ino, st.st_mtime_ns, st.st_ctime_ns, st.st_dev)


def split_lines(data: bytes) -> list[str]:
    lines = data.decode("utf-8", errors="replace").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


class SourceCache:
    """(path, language, encoding) → the latest version of that file read, LRU, bounded by bytes."""

    def __init__(self, max_bytes: int = MAX_BYTES, max_entries: int = MAX_ENTRIES):
        self.max_bytes, self.max_entries = max_bytes, max_entries
        self._entries: OrderedDict[tuple[str, str, str], _Entry] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, root: Path, path: str, language: str, tokenizer: Tokenizer, expect_sha: str | None,
            build: _Build) -> SourceFile | None:
        """The file as on disk now if its sha256 is `expect_sha`, else None (it differs from the index)."""
        key = (path, language, tokenizer.name)
        full = root / path
        stat = _stat(full)
        if stat is None or expect_sha is None:
            return None
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
        if entry is not None and entry.trusted(stat):
            return entry.source if entry.source.sha256 == expect_sha else None
        read_ns = time.time_ns()
        try:
            data = full.read_bytes()
        except OSError:
            return None
        sha = hashlib.sha256(data).hexdigest()
        if sha != expect_sha:
            return None
        after = _stat(full)
        source = entry.source if entry is not None and entry.source.sha256 == sha else build(sha, split_lines(data))
        if after == stat:  # else it changed while read: serve this pack, keep nothing
            self._put(key, _Entry(stat, read_ns, len(data), source))
        return source

    def _put(self, key: tuple[str, str, str], entry: _Entry) -> None:
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old.size
            self._entries[key] = entry
            self._bytes += entry.size
            while self._entries and (self._bytes > self.max_bytes or len(self._entries) > self.max_entries):
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= dropped.size
