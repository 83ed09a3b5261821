"""A ranked map of the repository's signatures that fits a token budget exactly (what Aider's repo map gives).

Files in PageRank order (personalised when focus files are given), each with the signatures of its
classes, functions and methods, indented by nesting, secrets redacted. Whole file blocks are added while they fit; the
first block that does not fit is cut at a line; the exact count of the final text is checked.

    text, used = repo_map(store, graph, tokenizer, budget=1024)
"""

from __future__ import annotations

from .graph import RepoGraph
from .printable import inline
from .redact import scrub
from .store import DefinitionRow, Store
from .tokens import Tokenizer

_SHOWN_KINDS = {"class", "function", "method", "interface", "struct", "enum", "trait", "impl", "type",
                "module", "namespace", "constant"}


def file_block(path: str, defs: list[DefinitionRow]) -> str:
    """One file's entry: its path, then one indented signature per shown definition."""
    depth = {d.qualname: 0 for d in defs}
    lines = [f"{inline(path)}:"]  # inline: a newline in a name must not forge an entry
    for d in defs:
        if d.kind not in _SHOWN_KINDS and not (d.kind == "variable" and d.name.isupper()):
            continue
        level = depth.get(d.parent, -1) + 1 if d.parent else 0
        depth[d.qualname] = level
        lines.append(f"{'  ' * (level + 1)}{d.start_line}: {inline(scrub(d.signature, path))}")
    return "\n".join(lines) + "\n" if len(lines) > 1 else ""


def repo_map(store: Store, graph: RepoGraph, tokenizer: Tokenizer, budget: int,
             focus: dict[str, float] | None = None) -> tuple[str, int]:
    """The map text and its exact token count (always <= budget)."""
    if budget <= 0:
        return "", 0
    rank = graph.file_rank(focus)
    by_file: dict[str, list[DefinitionRow]] = {}
    for d in store.definitions():
        by_file.setdefault(d.path, []).append(d)
    order = sorted(by_file, key=lambda p: (-rank.get(p, 0.0), p))
    parts: list[str] = []
    used = 0
    for path in order:
        block = file_block(path, by_file[path])
        if not block:
            continue
        n = tokenizer.count(block)
        if used + n <= budget:
            parts.append(block)
            used += n
            continue
        cut = tokenizer.truncate(block, budget - used)
        if cut.count("\n") > 1:  # a path line with at least one signature
            parts.append(cut)
        break
    text = "".join(parts)
    while text and tokenizer.count(text) > budget:  # token merges across block seams: trim to be exact
        text = text[: text.rstrip("\n").rfind("\n") + 1]
    return text, tokenizer.count(text)
