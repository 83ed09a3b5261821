"""Vue and Svelte single-file components: their `<script>` blocks, as the JavaScript/TypeScript they are.

HTML ends a script element at the first `</script`, whatever it holds (the raw-text rule both compilers
follow), so scanning for `<script …>` start tags outside HTML comments finds the blocks exactly, without a
grammar for the template (PyPI has no Vue grammar wheel; a second parse of the whole file would buy
nothing the script blocks need). Everything outside the blocks becomes spaces, line breaks kept, so the
script's definitions keep the component file's byte offsets and line numbers.

    source, grammar = script_source(b'<template>…</template>\\n<script setup lang="ts">…</script>')
    grammar   # "typescript"
"""

from __future__ import annotations

import re

SFC_LANGUAGES = frozenset({"vue", "svelte"})

# an HTML comment, or a script element: attributes may quote `>` (`generic="T extends Map<K, V>"`)
_BLOCK = re.compile(rb"<!--.*?(?:-->|\Z)|<script\b((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>(.*?)(?:</script\s*>|\Z)",
                    re.S | re.I)
_ATTR = re.compile(rb"""\b(lang|type)\s*=\s*["']?([\w/+.-]+)""", re.I)
_GRAMMARS = {b"ts": "typescript", b"typescript": "typescript", b"tsx": "tsx",
             b"js": "javascript", b"javascript": "javascript", b"jsx": "javascript"}
# `type` values that still mean script code (anything else: JSON, templates, … is not indexed)
_SCRIPT_TYPES = frozenset({b"module", b"text/javascript", b"application/javascript", b"text/typescript",
                           b"text/babel"})
_NOT_NEWLINE = re.compile(rb"[^\r\n]")


def script_source(source: bytes) -> tuple[bytes, str]:
    """`source` with everything but its script blocks' code blanked, and the grammar to parse it with:
    TypeScript (or TSX) when a block says `lang="ts"` (`"tsx"`), else JavaScript."""
    out = bytearray(_NOT_NEWLINE.sub(b" ", source))
    grammar = "javascript"
    for m in _BLOCK.finditer(source):
        if m.group(2) is None:  # a comment
            continue
        attrs = {k.lower(): v.lower() for k, v in _ATTR.findall(m.group(1))}
        if b"type" in attrs and attrs[b"type"] not in _SCRIPT_TYPES:
            continue
        lang = _GRAMMARS.get(attrs.get(b"lang", b"js"))
        if lang is None:  # `lang="coffee"`: not a grammar we have
            continue
        if lang != "javascript" and grammar != "tsx":
            grammar = lang
        out[m.start(2):m.end(2)] = m.group(2)
    return bytes(out), grammar
