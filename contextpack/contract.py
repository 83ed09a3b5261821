"""The contract of the work: what the agent owns, may only read, must preserve, and which tests are the
evidence of done; plus the repository's durable instruction files.

    contract = build_contract(query, packed, ranking, store, graph, root)
    contract.owned, contract.preserve[0].callers
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from .bundle import Contract, Evidence, Preserve, Rule
from .graph import RepoGraph, is_test_path
from .pack import PackResult
from .redact import redact
from .store import Store
from .task import TaskQuery

RULE_FILES = ("AGENTS.md", "CLAUDE.md", "CONTRIBUTING.md", "CONTRIBUTING.rst", ".github/CONTRIBUTING.md",
              ".github/copilot-instructions.md", ".cursorrules", ".contextpack/rules.md")
_MAX_OWNED = 3


def _owned(query: TaskQuery, packed: PackResult) -> list[str]:
    shown = [(f, sel) for f, sel in packed.items if sel.kind != "skeleton"]
    if not shown:
        return []
    top = max(f.score for f, _ in shown)
    allow_tests = query.type == "test-repair"
    owned = [f.path for f, _ in sorted(shown, key=lambda t: (-t[0].score, t[0].path))
             if f.score >= 0.5 * top and (allow_tests or not is_test_path(f.path))]
    return owned[:_MAX_OWNED] or [shown[0][0].path]


def _rules(root: Path, owned: list[str]) -> list[Rule]:
    candidates = list(RULE_FILES)
    for p in owned:  # nested AGENTS.md files apply to the directories below them
        parts = p.split("/")[:-1]
        candidates += ["/".join(parts[:i] + ["AGENTS.md"]) for i in range(1, len(parts) + 1)]
    out = []
    for rel in dict.fromkeys(candidates):
        path = root / rel
        # no symlink, neither the file nor a folder on its way (`.github -> /elsewhere`), leads out of the root
        if path.is_file() and not path.is_symlink() and path.resolve().is_relative_to(root.resolve()):
            try:
                out.append(Rule(path=rel, sha256=hashlib.sha256(path.read_bytes()).hexdigest()))
            except OSError:
                continue
    return sorted(out, key=lambda r: r.path)


def build_contract(query: TaskQuery, packed: PackResult, store: Store, graph: RepoGraph, root: Path) -> Contract:
    owned = _owned(query, packed)
    owned_set = set(owned)
    read_only = sorted({f.path for f, _ in packed.items} - owned_set)
    shown = {f.path: sel.ranges for f, sel in packed.items}
    preserve: list[Preserve] = []
    evidence: dict[str, list[str]] = {}
    for path in owned:
        users_of = graph.users_of(path)
        defs = store.definitions(path)
        kind_of = {d.qualname: d.kind for d in defs}
        for d in defs:
            users = [u for u in users_of.get(d.qualname, []) if u not in owned_set]
            for u in users:
                if is_test_path(u):
                    evidence.setdefault(u, []).append(d.name)
            callers = [u for u in users if not is_test_path(u)]
            visible = any(a <= d.end_line and d.start_line <= b for a, b in shown.get(path, []))
            # public: not private by name, and not local to a function (a nested helper has no callers)
            local = kind_of.get(d.parent or "") in ("function", "method")
            if callers and visible and not d.name.startswith("_") and d.kind != "variable" and not local:
                preserve.append(Preserve(path=path, qualname=d.qualname, signature=redact(d.signature, path)[0],
                                         callers=callers[:5]))
        for t in graph.tests_of(path):
            evidence.setdefault(t, [])
    ev = [Evidence(path=t, reason=(f"uses {', '.join(f'`{n}`' for n in sorted(set(names))[:4])} from owned code"
                                   if names else "imports owned code"))
          for t, names in sorted(evidence.items(), key=lambda kv: (-len(set(kv[1])), kv[0]))[:8]]
    preserve.sort(key=lambda p: (p.path, p.qualname))
    return Contract(owned=owned, read_only=read_only, preserve=preserve[:20], evidence=ev,
                    rules=_rules(root, owned))
