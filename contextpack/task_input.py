"""Reading a task from a file, a pipe or argv: bounded, any encoding, never raises. Standard library only,
so the console script's quick path can read a task before anything heavy is imported.

    text = read_task(sys.stdin.buffer)   # at most MAX_TASK_BYTES, decoded
"""

from __future__ import annotations

from typing import BinaryIO, TextIO

MAX_TASK_CHARS = 200_000  # longer text is cut (and the bundle says so); a task is not a corpus
MAX_TASK_BYTES = 4 * MAX_TASK_CHARS + 4  # enough of any encoding to fill the cap and to see it was passed
_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
         (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
_UTF16_SAMPLE = 512


def decode_task(data: bytes) -> str:
    """Task bytes in any encoding as text: a BOM names it, NULs at alternate bytes mean UTF-16, else UTF-8;
    undecodable bytes become U+FFFD and NULs go (they are no text, and XML can't carry them)."""
    codec = next((c for bom, c in _BOMS if data.startswith(bom)), None)
    if codec is not None:
        data = data[len(next(b for b, c in _BOMS if c == codec)):]
    else:
        head = data[:_UTF16_SAMPLE]
        odd, even = head[1::2].count(0), head[0::2].count(0)
        codec = "utf-16-le" if odd > len(head) // 4 > even else "utf-16-be" if even > len(head) // 4 > odd else "utf-8"
    return data.decode(codec, errors="replace").replace("\0", "")


def read_task(stream: BinaryIO | TextIO) -> str:
    """At most what the length cap needs from a file or pipe (never all of /dev/zero), decoded."""
    data = stream.read(MAX_TASK_BYTES)
    return decode_task(data) if isinstance(data, bytes) else data.replace("\0", "")
