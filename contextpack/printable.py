"""Text from a repository made safe to show: no control character of it reaches a terminal or a document.

A file name, a signature or a line of source may hold ESC (the start of CSI / OSC sequences that move the
cursor, retitle the window or rewrite the screen), BEL, a carriage return that overwrites a line, C1 controls
(U+0080-U+009F, CSI on some terminals) or a newline that forges a second line of structure. `printable`
keeps the layout characters of a block of text (newline, tab) and shows every other control as a visible
stand-in; `inline` does the same for a one-line field (a path, a name, a message), newline and tab included.
C0 controls and DEL become their Control Pictures (ESC → ␛, LF → ␊, DEL → ␡); C1 controls become U+FFFD.

    printable("ok\\x1b[2J\\n")      # 'ok␛[2J\\n'
    inline("a.py\\n## Contract")    # 'a.py␊## Contract'
"""

from __future__ import annotations

import re

_BLOCK = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # all but tab and newline
_LINE = re.compile("[\x00-\x1f\x7f-\x9f]")


def _picture(m: re.Match[str]) -> str:
    c = ord(m.group())
    return chr(0x2400 + c) if c < 0x20 else "\u2421" if c == 0x7F else "\ufffd"


def printable(text: str) -> str:
    """A block of text with every control character but newline and tab made visible; CR LF stays a
    line end (a file written on Windows reads as it should)."""
    return _BLOCK.sub(_picture, text.replace("\r\n", "\n"))


def inline(text: str) -> str:
    """A one-line field with every control character made visible (it can't start a line of its own)."""
    return _LINE.sub(_picture, text)
