"""Secrets out of content before it leaves: detect-secrets' detectors over each line, private key blocks
whole. Returns the redacted text and what was found (type and line), never the secret itself.

    text, found = redact("key = 'AKIAIOSFODNN7EXAMPLE'\\n", "config.py")
    # text == "key = '[REDACTED]'\\n", found == [("AWS Access Key", 1)]
"""

from __future__ import annotations

import functools
import re

from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class

# entropy detectors flag ordinary identifiers and hashes in code; IP addresses are not credentials
_NOISY = {"Base64HighEntropyString", "HexHighEntropyString", "IPPublicDetector"}
_KEY_BEGIN = re.compile(r"-----BEGIN[ A-Z0-9]*PRIVATE KEY( BLOCK)?-----")
_KEY_END = re.compile(r"-----END[ A-Z0-9]*PRIVATE KEY( BLOCK)?-----")
_TOKEN = r"[^\s'\"`<>(){}\[\],;]*"
MARK = "[REDACTED]"


@functools.cache
def _plugins() -> tuple:
    mapping = get_mapping_from_secret_type_to_class()
    return tuple(cls() for _, cls in sorted((c.__name__, c) for c in mapping.values()) if _ not in _NOISY)


def _findings(line: str, filename: str) -> list[tuple[str, str]]:
    out = []
    for plugin in _plugins():
        for secret in plugin.analyze_line(filename=filename, line=line, line_number=0):
            if secret.secret_value:
                out.append((secret.type, secret.secret_value))
    return out


def redact(text: str, filename: str, first_line: int = 1) -> tuple[str, list[tuple[str, int]]]:
    """`text` with secrets replaced by [REDACTED]; findings as (type, original line number)."""
    lines = text.split("\n")
    found: list[tuple[str, int]] = []
    in_key = False
    for i, line in enumerate(lines):
        if in_key or _KEY_BEGIN.search(line):
            found.append(("Private Key", first_line + i)) if not in_key else None
            in_key = not _KEY_END.search(line)
            lines[i] = re.sub(r"\S.*", "[REDACTED private key]", line, count=1)
            continue
        for kind, value in _findings(line, filename):
            # widen to the whole token the detector matched part of (e.g. "ghp" → the full GitHub token)
            line = re.sub(_TOKEN + re.escape(value) + _TOKEN, MARK, line)
            found.append((kind, first_line + i))
        lines[i] = line
    return "\n".join(lines), sorted(set(found), key=lambda f: (f[1], f[0]))
