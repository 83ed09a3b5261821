"""The tracked files of a git work tree, read from `.git/index` itself (formats v2, v3 and v4).

git never ignores a tracked file, so the scanner needs the tracked set. Running `git ls-files` on an
untrusted repository means trusting its configuration (fsmonitor hooks, …); this reader runs nothing and
reads nothing outside the root: only a `.git` directory (not a `gitdir:` file or a symlink) is read.
Anything unexpected (no index, a truncated one, an unknown version) gives the empty set: every file is
then judged by the ignore files alone, as before git was consulted.

    tracked = read_tracked(Path("."))
    "src/app.py" in tracked.files      # True when git tracks it
    "src" in tracked.dirs              # True: a directory holding a tracked file
"""

from __future__ import annotations

import os
import stat as statmod
import struct
from dataclasses import dataclass
from pathlib import Path

_SIGNATURE = b"DIRC"
_HEADER = struct.Struct(">4sII")  # signature, version, entry count
_STAT_BYTES = 40  # ctime, mtime (8 each), dev, ino, mode, uid, gid, size (4 each)
_HASH_BYTES = (20, 32)  # SHA-1, then SHA-256 repositories
_NAME_MASK = 0x0FFF
_EXTENDED = 0x4000  # v3+: two more flag bytes follow
_MAX_INDEX_BYTES = 256 * 1024 * 1024  # a larger file is not a git index we want to read


@dataclass(frozen=True)
class Tracked:
    files: frozenset[str] = frozenset()
    dirs: frozenset[str] = frozenset()  # every directory that holds a tracked file, at any depth


def read_tracked(root: Path) -> Tracked:
    """The tracked paths of the work tree at `root` (posix, relative); empty when not readable safely."""
    git_dir = os.path.join(root, ".git")
    index = os.path.join(git_dir, "index")
    try:
        if not statmod.S_ISDIR(os.lstat(git_dir).st_mode):
            return Tracked()
        st = os.lstat(index)
        if not statmod.S_ISREG(st.st_mode) or st.st_size > _MAX_INDEX_BYTES:
            return Tracked()
        with open(index, "rb") as fh:
            data = fh.read()
    except OSError:
        return Tracked()
    paths = parse_index(data)
    if not paths:
        return Tracked()
    dirs = {p.rsplit("/", 1)[0] for p in paths if "/" in p}
    for d in list(dirs):
        while "/" in d:
            d = d.rsplit("/", 1)[0]
            dirs.add(d)
    return Tracked(frozenset(paths), frozenset(dirs))


def parse_index(data: bytes) -> list[str] | None:
    """The entry paths of an index file's bytes; None when they are not an index this reader knows."""
    if len(data) < _HEADER.size:
        return None
    signature, version, count = _HEADER.unpack_from(data)
    if signature != _SIGNATURE or version not in (2, 3, 4):
        return None
    for hash_bytes in _HASH_BYTES:
        paths = _entries(data, version, count, hash_bytes)
        if paths is not None:
            return paths
    return None


def _entries(data: bytes, version: int, count: int, hash_bytes: int) -> list[str] | None:
    """Walk `count` entries assuming hashes of `hash_bytes`; None at the first inconsistency."""
    flags_at = _STAT_BYTES + hash_bytes
    pos, previous, paths = _HEADER.size, b"", []
    try:
        for _ in range(count):
            start = pos
            (flags,) = struct.unpack_from(">H", data, start + flags_at)
            pos = start + flags_at + 2
            if flags & _EXTENDED:
                if version < 3:
                    return None
                pos += 2
            if version == 4:
                strip, pos = _varint(data, pos)
                end = data.index(b"\0", pos)
                if strip > len(previous):
                    return None
                name = previous[:len(previous) - strip] + data[pos:end]
                pos = end + 1
            else:
                length = flags & _NAME_MASK
                end = data.index(b"\0", pos) if length == _NAME_MASK else pos + length
                name = data[pos:end]
                entry_end = start + (end - start + 8) // 8 * 8  # 1 to 8 NULs pad the entry
                if entry_end > len(data) or data[end:entry_end].strip(b"\0"):
                    return None
                pos = entry_end
            if not name or name.startswith(b"/") or b"\0" in name:
                return None
            previous = name
            if not name.endswith(b"/"):  # a sparse index's directory entry is no file of the work tree
                paths.append(os.fsdecode(name))
    except (struct.error, ValueError, IndexError):
        return None
    return paths


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    """git's offset varint (index v4 path prefix lengths): the value and the position after it."""
    byte = data[pos]
    value = byte & 0x7F
    while byte & 0x80:
        pos += 1
        byte = data[pos]
        value = ((value + 1) << 7) | (byte & 0x7F)
    return value, pos + 1
