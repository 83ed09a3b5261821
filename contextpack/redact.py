"""Secrets out of content before it leaves: detect-secrets' detectors on each line that is shown, and
private key blocks whole (detection costs ~60 µs a line, so it runs only on lines that leave). Reports
what was found (type and line), never the secret itself.

    r = Redactor(lines, "config.py")
    r.line(3)          # line 3 with any secret replaced by [REDACTED]; detection runs once, on demand
    r.found            # {3: "AWS Access Key"}
    redact("key = 'AKIAIOSFODNN7EXAMPLE'\\n", "config.py")   # whole text at once
"""

from __future__ import annotations

import functools
import re

# entropy detectors flag ordinary identifiers and hashes in code; IP addresses are not credentials
_NOISY = {"Base64HighEntropyString", "HexHighEntropyString", "IPPublicDetector"}
_KEY_BEGIN = re.compile(r"-----BEGIN[ A-Z0-9]*PRIVATE KEY( BLOCK)?-----")
_KEY_END = re.compile(r"-----END[ A-Z0-9]*PRIVATE KEY( BLOCK)?-----")
_TOKEN = r"[^\s'\"`<>(){}\[\],;]*"
MARK = "[REDACTED]"
_SEEN: dict[tuple[str, str], tuple[str, str]] = {}  # (file type, line) → (redacted line, secret type or "")


@functools.cache
def _plugins() -> tuple:
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class  # ~0.2 s: on first use

    mapping = get_mapping_from_secret_type_to_class()
    return tuple(cls() for name, cls in sorted((c.__name__, c) for c in mapping.values()) if name not in _NOISY)


@functools.cache
def _keyword_screen() -> re.Pattern[str]:
    """The keyword detector is the slowest per line; its own keyword list says when it can fire."""
    from detect_secrets.plugins.keyword import DENYLIST_REGEX

    return re.compile(DENYLIST_REGEX, re.I)


class Redactor:
    def __init__(self, lines: list[str], filename: str):
        self.lines = lines
        self.filename = filename
        self.found: dict[int, str] = {}  # line → secret type
        self._kind = filename.rsplit(".", 1)[-1] if "." in filename else ""  # detectors read the file type
        self._clean: dict[int, str] = {}
        self._keys: set[int] | None = None

    @property
    def _key_lines(self) -> set[int]:
        """Lines inside private key blocks (found on first use: most files never leave)."""
        if self._keys is None:
            self._keys, inside = set(), False
            for i, text in enumerate(self.lines, 1):
                if inside or ("PRIVATE KEY" in text and _KEY_BEGIN.search(text)):
                    self._keys.add(i)
                    inside = not _KEY_END.search(text)
        return self._keys

    def line(self, n: int) -> str:
        """Line n (1-based) with any secret replaced."""
        if n in self._clean:
            return self._clean[n]
        text = self.lines[n - 1]
        if n in self._key_lines:
            text = re.sub(r"\S.*", "[REDACTED private key]", text, count=1)
            self.found[n] = "Private Key"
        elif (hit := _SEEN.get((self._kind, text))) is not None:  # code repeats lines a lot
            text, kind = hit
            if kind:
                self.found[n] = kind
        else:
            original, kind = text, ""
            screen = _keyword_screen().search(text) is not None
            for plugin in _plugins():
                if not screen and type(plugin).__name__ == "KeywordDetector":
                    continue
                for secret in plugin.analyze_line(filename=self.filename, line=text, line_number=n):
                    if secret.secret_value:
                        # widen to the whole token the detector matched part of ("ghp" → the full token)
                        text = re.sub(_TOKEN + re.escape(secret.secret_value) + _TOKEN, MARK, text)
                        self.found[n] = kind = secret.type
            if len(_SEEN) > 200_000:
                _SEEN.clear()
            _SEEN[(self._kind, original)] = (text, kind)
        self._clean[n] = text
        return text


def redact(text: str, filename: str) -> tuple[str, dict[int, str]]:
    """`text` with secrets replaced; findings as {line number: secret type}."""
    lines = text.split("\n")
    r = Redactor(lines, filename)
    return "\n".join(r.line(i) for i in range(1, len(lines) + 1)), dict(sorted(r.found.items()))
