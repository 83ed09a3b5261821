"""Verifying a patch against its bundle's contract: files touched outside `owned` or outside the bundle,
`preserve` signatures changed or removed (compared as parsed shapes, so reformatting is no change) and the
callers that break, staleness (files that changed since the bundle other than by the patch), new files,
the evidence tests that cover the changed definitions and the command that runs them; a verdict.

`check` is a pure function over plain data (the bundle, the patch's files before and after); `collect`
gathers that data from a repository (git, or a unified diff applied in memory) and `run_commands` runs
the evidence when asked.

    inputs = collect(root, bundle, diff_text=None, base=None)   # the work tree's changes against HEAD
    report = check(inputs)
    report = with_runs(report, run_commands(root, report.commands, timeout=300))
    report.verdict, report.exit_code, render_text(report)
"""

from __future__ import annotations

import hashlib
import posixpath
import re
import subprocess
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import tree_sitter as ts
from pydantic import ValidationError

from .bundle import Bundle
from .contract_config import GLOB_CHARS, matches
from .errors import RequestError
from .evidence import Command, Runner, TestCase, command, detect_runner, test_cases
from .graph import is_test_path
from .history import safe_env
from .languages import language_for
from .ledger import record_verdict
from .parse import Definition, FileFacts, parse_source_tree
from .signatures import compare, shapes

GIT_SECONDS = 30  # each git call
RUN_SECONDS = 300  # each evidence command under --run
MAX_OUTPUT_TAIL = 2000  # characters of a failed command's output kept in the report
MAX_CALLERS_SHOWN = 5
MAX_EVIDENCE_PARSED = 3  # test files parsed to find the cases that use a changed definition
MIN_EVIDENCE_NAME = 4  # shorter changed names are not looked for in tests
VERDICT_EXIT = {"pass": 0, "warn": 1, "fail": 2}
_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


# -- the patch ------------------------------------------------------------------------------------------

@dataclass
class Hunk:
    old_start: int
    old_len: int
    new_start: int
    new_len: int
    lines: list[str] = field(default_factory=list)  # each starts with " ", "-" or "+"


@dataclass
class FilePatch:
    old_path: str | None  # None: added
    new_path: str | None  # None: deleted
    hunks: list[Hunk] = field(default_factory=list)
    binary: bool = False

    @property
    def path(self) -> str:
        return self.new_path or self.old_path or ""


def _unquote(name: str) -> str:
    """A path as git writes it in a header: maybe C-quoted, with an a/ or b/ prefix."""
    name = name.strip()
    if name.startswith('"') and name.endswith('"'):
        name = name[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape").encode(
            "latin-1").decode("utf-8", errors="replace")
    if name == "/dev/null":
        return ""
    return name[2:] if name[:2] in ("a/", "b/") else name


def parse_diff(text: str) -> list[FilePatch]:
    """A unified diff (git's or plain `diff -u`) → one FilePatch per file."""
    patches: list[FilePatch] = []
    cur: FilePatch | None = None
    hunk: Hunk | None = None
    remaining = [0, 0]
    for line in text.split("\n"):
        if hunk is not None and (remaining[0] > 0 or remaining[1] > 0):
            tag = line[:1] or " "
            if tag == "\\":  # "\ No newline at end of file": the line before has no line end
                if hunk.lines:
                    hunk.lines[-1] = hunk.lines[-1].removesuffix("\n")
                continue
            hunk.lines.append((tag + line[1:] if line else " ") + "\n")
            if tag in (" ", "-"):
                remaining[0] -= 1
            if tag in (" ", "+"):
                remaining[1] -= 1
            continue
        if line.startswith("\\"):
            if hunk is not None and hunk.lines:
                hunk.lines[-1] = hunk.lines[-1].removesuffix("\n")
            continue
        if line.startswith("diff --git "):
            cur = FilePatch(None, None)
            patches.append(cur)
            hunk = None
            parts = line[len("diff --git "):]
            m = re.match(r'("(?:[^"\\]|\\.)*"|\S+) ("(?:[^"\\]|\\.)*"|\S+)$', parts)
            if m:
                cur.old_path, cur.new_path = _unquote(m.group(1)) or None, _unquote(m.group(2)) or None
        elif line.startswith("new file mode") and cur is not None:
            cur.old_path = None
        elif line.startswith("deleted file mode") and cur is not None:
            cur.new_path = None
        elif line.startswith("rename from ") and cur is not None:
            cur.old_path = _unquote(line[len("rename from "):])
        elif line.startswith("rename to ") and cur is not None:
            cur.new_path = _unquote(line[len("rename to "):])
        elif (line.startswith("Binary files ") or line.startswith("GIT binary patch")) and cur is not None:
            cur.binary = True
        elif line.startswith("--- "):
            if cur is None or cur.hunks:
                cur = FilePatch(None, None)
                patches.append(cur)
            cur.old_path = _unquote(line[4:].split("\t")[0]) or None
        elif line.startswith("+++ ") and cur is not None:
            cur.new_path = _unquote(line[4:].split("\t")[0]) or None
        elif (m := _HUNK.match(line)) and cur is not None:
            old_len = int(m.group(2)) if m.group(2) is not None else 1
            new_len = int(m.group(4)) if m.group(4) is not None else 1
            hunk = Hunk(int(m.group(1)), old_len, int(m.group(3)), new_len)
            cur.hunks.append(hunk)
            remaining = [old_len, new_len]
    return [p for p in patches if p.old_path or p.new_path]


class PatchError(ValueError):
    """A hunk's context does not match the file."""


def _split(data: bytes) -> list[str]:
    return data.decode("utf-8", errors="surrogateescape").splitlines(keepends=True)


def apply_patch(before: bytes | None, fp: FilePatch, reverse: bool = False) -> bytes | None:
    """The file after `fp` (before it, with `reverse`); raises PatchError when the context differs."""
    if fp.binary:
        raise PatchError(f"{fp.path}: binary patch")
    src_tag, dst_tag = ("+", "-") if reverse else ("-", "+")
    if (fp.new_path if reverse else fp.old_path) is None:
        before = b""
    if before is None:
        raise PatchError(f"{fp.path}: file is missing")
    lines = _split(before)
    out: list[str] = []
    pos = 0
    for h in fp.hunks:
        old = [ln[1:] for ln in h.lines if ln[0] in (" ", src_tag)]
        new = [ln[1:] for ln in h.lines if ln[0] in (" ", dst_tag)]
        start = (h.new_start if reverse else h.old_start) - (1 if old else 0)
        at = _locate(lines, old, max(start, pos), pos)
        if at is None:
            raise PatchError(f"{fp.path}: hunk at line {start + 1} does not match")
        out += lines[pos:at]
        out += new
        pos = at + len(old)
    out += lines[pos:]
    if (fp.old_path if reverse else fp.new_path) is None:
        return None
    return "".join(out).encode("utf-8", errors="surrogateescape")


def _locate(lines: list[str], old: list[str], start: int, floor: int) -> int | None:
    def same(at: int) -> bool:
        return all(lines[at + i].rstrip("\r\n") == o.rstrip("\r\n") for i, o in enumerate(old))

    for delta in range(0, max(len(lines), 1) + 1):
        for at in (start + delta, start - delta):
            if floor <= at <= len(lines) - len(old) and same(at):
                return at
        if start - delta < floor and start + delta > len(lines) - len(old):
            break
    return None


def changed_lines(fp: FilePatch) -> tuple[frozenset[int], frozenset[int]]:
    """Lines the patch touches: removed ones (old numbering) and added ones (new numbering)."""
    old: set[int] = set()
    new: set[int] = set()
    for h in fp.hunks:
        o, n = h.old_start, h.new_start
        for ln in h.lines:
            tag = ln[0]
            if tag == " ":
                o += 1
                n += 1
            elif tag == "-":
                old.add(o)
                o += 1
            else:
                new.add(n)
                n += 1
    return frozenset(old), frozenset(new)


# -- the plain data `check` works on ----------------------------------------------------------------------

@dataclass
class FileChange:
    path: str  # the path after the patch (before it, when deleted)
    status: str  # added | deleted | modified | renamed | binary
    old_path: str | None
    before: bytes | None
    after: bytes | None
    old_lines: frozenset[int] = frozenset()
    new_lines: frozenset[int] = frozenset()


@dataclass
class VerifyInput:
    bundle: Bundle
    changes: list[FileChange]
    pre_patch_sha: dict[str, str | None]  # bundle item path → sha256 of its content before the patch (None: absent)
    after_files: dict[str, bytes | None]  # callers of preserved definitions and evidence tests, after the patch
    runners: dict[str, Runner | None]  # test file → its runner
    allow_outside: bool = False
    problems: list[str] = field(default_factory=list)  # what collecting could not do (a hunk that did not apply)


@dataclass
class Finding:
    level: str  # fail | warn | info
    code: str
    path: str
    message: str


@dataclass
class SignatureReport:
    path: str
    qualname: str
    status: str  # kept | compatible | breaking | removed | unchanged
    old: str = ""
    new: str = ""
    details: list[str] = field(default_factory=list)
    callers: list[str] = field(default_factory=list)  # `path:line` of uses that break


@dataclass
class EvidenceReport:
    path: str
    tests: list[str]  # cases that use a changed definition ([] with `whole_file`: every case of the file)
    covers: list[str]  # changed definitions they use
    runner: str | None
    command: str | None


@dataclass
class RunResult:
    command: str
    returncode: int | None  # None: timed out or could not start
    seconds: float
    passed: bool
    output_tail: str = ""


@dataclass
class Report:
    bundle_id: str
    verdict: str
    findings: list[Finding]
    changed_files: list[str]
    symbols_changed: list[str]  # "+ qualname" added, "- qualname" removed, "~ qualname" edited
    signatures: list[SignatureReport]
    unchanged_owned: list[str]
    stale: list[str]
    evidence: list[EvidenceReport]
    commands: list[dict]  # {"runner", "argv", "cwd", "display"} per runner
    runs: list[RunResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        return VERDICT_EXIT[self.verdict]

    def to_dict(self) -> dict:
        return asdict(self) | {"exit_code": self.exit_code}


# -- the check --------------------------------------------------------------------------------------------

def _under_owned_dir(path: str, owned: list[str]) -> bool:
    d = posixpath.dirname(path)
    return any((not (GLOB_CHARS & set(p)) and not p.endswith("/") and posixpath.dirname(p) == d)
               for p in owned) or matches(path, owned)


def _key(path: str, data: bytes | None) -> tuple[str, bytes | None]:
    """A version of a file in the parse cache: its path and the digest of its content."""
    return path, None if data is None else hashlib.sha256(data).digest()


def _parsed(path: str, data: bytes | None, cache: dict, references: bool = False,
            earlier: tuple[str, bytes | None] | None = None) -> tuple[FileFacts | None, ts.Tree | None]:
    """The file's definitions (and with `references`, its references: only caller lines need them), and its
    syntax tree when parse_source_tree keeps one. `earlier`: the path and content of the version the patch
    changed; when it was parsed already, its tree is reused where the text is the same."""
    key = _key(path, data)
    if (key, True) in cache:
        return cache[key, True]
    if (key, references) not in cache:
        lang = language_for(path)
        if data is None or not lang:
            cache[key, references] = None, None
        else:
            old_tree = None
            if earlier is not None and earlier[1] is not None and language_for(earlier[0]) == lang:
                _, tree = cache.get((_key(*earlier), references), (None, None))
                old_tree = _told_of_edit(tree, earlier[1], data) if tree is not None else None
            cache[key, references] = parse_source_tree(path, lang, data, references=references, old_tree=old_tree)
    return cache[key, references]


def _facts(path: str, data: bytes | None, cache: dict, references: bool = False) -> FileFacts | None:
    return _parsed(path, data, cache, references)[0]


def _facts_around(path: str, data: bytes, lines: frozenset[int], cache: dict) -> FileFacts | None:
    """The definitions enclosing `lines` (those of the top-level nodes holding them): a large test file
    spells a changed name in a few places, and its other definitions are not worth extracting."""
    key = _key(path, data)
    for whole in ((key, True), (key, False)):
        if whole in cache:
            return cache[whole][0]
    if (key, lines) not in cache:
        lang = language_for(path)
        cache[key, lines] = parse_source_tree(path, lang, data, references=False, lines=lines)[0] if lang else None
    return cache[key, lines]


def _told_of_edit(tree: ts.Tree, old: bytes, new: bytes) -> ts.Tree:
    """A copy of `old`'s tree told that the span from the first to the last differing byte was replaced."""
    start = _common_prefix(old, new)
    end = _common_prefix(old[start:][::-1], new[start:][::-1])
    old_end, new_end = len(old) - end, len(new) - end
    edited = tree.copy()
    edited.edit(start_byte=start, old_end_byte=old_end, new_end_byte=new_end, start_point=_point(old, start),
                old_end_point=_point(old, old_end), new_end_point=_point(new, new_end))
    return edited


def _common_prefix(a: bytes, b: bytes) -> int:
    """The length of the common prefix, by bisection over slice comparisons (each a memcmp)."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _point(data: bytes, offset: int) -> tuple[int, int]:
    """tree-sitter's (row, byte column) of a byte offset."""
    return data.count(b"\n", 0, offset), offset - (data.rfind(b"\n", 0, offset) + 1)


def _touching(defs: list[Definition], lines: frozenset[int]) -> dict[str, Definition]:
    return {d.qualname: d for d in defs if any(d.start_line <= n <= d.end_line for n in lines)}


def check(inp: VerifyInput) -> Report:
    """The verdict on a patch against its bundle (pure: see `collect` for the inputs)."""
    started = time.perf_counter()
    b, c = inp.bundle, inp.bundle.contract
    owned = list(c.owned)
    in_bundle = {i.path for i in b.items} | set(c.read_only) | set(c.owned)
    evidence_paths = {e.path for e in c.evidence}
    findings = [Finding("fail", "patch_does_not_apply", "", p) for p in inp.problems]
    cache: dict = {}
    changed_defs: dict[str, tuple[str, Definition]] = {}  # qualname → (sign, def)
    by_path = {ch.path: ch for ch in inp.changes}
    for ch in inp.changes:
        p = ch.path
        owned_here = matches(p, owned) or (ch.old_path is not None and matches(ch.old_path, owned))
        if ch.status == "added":
            if owned_here or _under_owned_dir(p, owned):
                findings.append(Finding("info", "new_file_owned", p, "new file under an owned directory"))
            elif is_test_path(p):
                findings.append(Finding("info", "new_test_file", p, "new test file"))
            else:
                findings.append(Finding("warn", "new_file_outside_owned", p,
                                        "new file outside the owned directories"))
        elif owned_here:
            pass
        elif p in in_bundle or (ch.old_path in in_bundle):
            findings.append(Finding("warn", "read_only_touched", p, "read-only file changed (not owned)"))
        elif p in evidence_paths or is_test_path(p):
            findings.append(Finding("warn", "test_outside_bundle", p, "test file changed outside the bundle"))
        elif inp.allow_outside:
            findings.append(Finding("warn", "outside_bundle", p, "file outside the bundle changed (allowed)"))
        else:
            findings.append(Finding("fail", "outside_bundle", p,
                                    f"{ch.status} a file outside the bundle (pass --allow-outside to accept)"))
        before = _facts(ch.old_path or p, ch.before, cache)
        after = _parsed(p, ch.after, cache, earlier=(ch.old_path or p, ch.before))[0]
        bdefs = before.definitions if before else []
        adefs = after.definitions if after else []
        old_q, new_q = {d.qualname for d in bdefs}, {d.qualname for d in adefs}
        for q, d in _touching(adefs, ch.new_lines).items():
            changed_defs.setdefault(q, ("+" if q not in old_q else "~", d))
        for q, d in _touching(bdefs, ch.old_lines).items():
            changed_defs.setdefault(q, ("-" if q not in new_q else "~", d))

    # preserve: parsed shapes before and after
    signatures: list[SignatureReport] = []
    wanted: dict[str, set[str]] = {}
    for pr in c.preserve:
        wanted.setdefault(pr.path, set()).add(pr.qualname)
    for pr in c.preserve:
        ch = by_path.get(pr.path) or next((x for x in inp.changes if x.old_path == pr.path), None)
        if ch is None:
            signatures.append(SignatureReport(pr.path, pr.qualname, "unchanged", pr.signature))
            continue
        lang = language_for(pr.path) or ""
        bf, btree = _parsed(ch.old_path or ch.path, ch.before, cache)
        af, atree = _parsed(ch.path, ch.after, cache, earlier=(ch.old_path or ch.path, ch.before))
        moved = bool(ch.old_path and ch.old_path != ch.path)
        key = ("shapes", pr.path)
        if key not in cache:  # every preserved definition of a file at once, on the trees parsed above
            after_wanted = {_requalify(q, bf, af) for q in wanted[pr.path]} if moved else wanted[pr.path]
            cache[key] = (
                shapes(ch.old_path or ch.path, lang, ch.before or b"", wanted[pr.path], bf.definitions if bf else [],
                       btree if bf and bf.language == lang else None),
                shapes(ch.path, lang, ch.after, after_wanted, af.definitions if af else [],
                       atree if af and af.language == lang else None)
                if ch.after is not None else {})
        old_shapes, new_shapes = cache[key]
        old = old_shapes.get(pr.qualname)
        new = new_shapes.get(_requalify(pr.qualname, bf, af) if moved else pr.qualname)
        if old is None:
            signatures.append(SignatureReport(pr.path, pr.qualname, "unchanged", pr.signature,
                                              details=["not found before the patch"]))
            continue
        name = pr.qualname.rsplit(".", 1)[-1]
        if new is None and (base := _inherited_from(_requalify(pr.qualname, bf, af) if moved else pr.qualname, af)):
            signatures.append(SignatureReport(pr.path, pr.qualname, "compatible", old.text(), "",
                                              [f"now inherited from `{base}`"]))
            findings.append(Finding("warn", "preserve_inherited", pr.path,
                                    f"`{pr.qualname}` was removed; `{base}` defines it, so callers keep working"))
            continue
        if new is None:
            callers = _caller_lines(pr.callers, name, inp.after_files, by_path, cache)
            signatures.append(SignatureReport(pr.path, pr.qualname, "removed", old.text(), "", ["removed"], callers))
            findings.append(Finding("fail", "preserve_removed", pr.path,
                                    f"`{pr.qualname}` was removed; callers: {', '.join(callers) or 'none found'}"))
            continue
        diff = compare(old, new, lang)
        rep = SignatureReport(pr.path, pr.qualname, diff.severity, old.text(), new.text(), diff.details)
        if diff.severity == "breaking":
            rep.callers = _caller_lines(pr.callers, name, inp.after_files, by_path, cache)
            findings.append(Finding("fail", "preserve_changed", pr.path,
                                    f"`{pr.qualname}`: {old.text()} → {new.text()} ({'; '.join(diff.details)}); "
                                    f"breaks {', '.join(rep.callers) or 'its callers'}"))
        elif diff.severity == "compatible":
            findings.append(Finding("warn", "preserve_extended", pr.path,
                                    f"`{pr.qualname}`: {old.text()} → {new.text()} ({'; '.join(diff.details)}); "
                                    "callers keep working"))
        signatures.append(rep)

    # staleness: a bundle item whose content before the patch is not what the bundle showed
    stale = []
    for it in b.items:
        sha = inp.pre_patch_sha.get(it.path, it.sha256)
        if sha != it.sha256:
            stale.append(it.path)
            findings.append(Finding("warn", "stale", it.path,
                                    "changed since the bundle other than by the patch" if sha else
                                    "deleted since the bundle other than by the patch"))

    evidence, commands = _evidence(inp, changed_defs, cache)
    touched = {ch.path for ch in inp.changes} | {ch.old_path for ch in inp.changes if ch.old_path}
    verdict = ("fail" if any(f.level == "fail" for f in findings)
               else "warn" if any(f.level == "warn" for f in findings) else "pass")
    symbols = sorted((f"{sign} {q}" for q, (sign, _) in changed_defs.items()), key=lambda s: (s[2:], s))
    return Report(bundle_id=b.id, verdict=verdict, findings=findings,
                  changed_files=sorted(ch.path for ch in inp.changes), symbols_changed=symbols,
                  signatures=sorted(signatures, key=lambda s: (s.path, s.qualname)),
                  unchanged_owned=sorted(p for p in owned if p not in touched and not (GLOB_CHARS & set(p))),
                  stale=sorted(stale), evidence=evidence, commands=commands,
                  seconds=round(time.perf_counter() - started, 4))


_WORD = re.compile(r"[A-Za-z_$][\w$]*")


def _inherited_from(qualname: str, after: FileFacts | None) -> str | None:
    """The base class (defined in the same file after the patch) that defines the method `qualname` was
    removed from: a method moved up to a base keeps every caller working. Bases are the names in the class
    header after its own name (`class C(Base)`, `class C extends Base`), so this reads any language."""
    if after is None or "." not in qualname:
        return None
    cls, name = qualname.rsplit(".", 1)
    by_q = {d.qualname: d for d in after.definitions}
    header = by_q.get(cls)
    if header is None or header.kind != "class":
        return None
    words = _WORD.findall(header.signature)
    bases = words[words.index(header.name) + 1:] if header.name in words else []
    for d in after.definitions:
        if d.kind == "class" and d.qualname != cls and d.name in bases and f"{d.qualname}.{name}" in by_q:
            return d.qualname
    return None


def _requalify(qualname: str, before: FileFacts | None, after: FileFacts | None) -> str:
    if before is None or after is None:
        return qualname
    from .parse import module_name
    old_mod, new_mod = module_name(before.path, before.language), module_name(after.path, after.language)
    return new_mod + qualname[len(old_mod):] if old_mod and qualname.startswith(old_mod + ".") else qualname


def _caller_lines(callers: list[str], name: str, after_files: Mapping[str, bytes | None],
                  by_path: dict[str, FileChange], cache: dict) -> list[str]:
    out = []
    for path in callers:
        data = by_path[path].after if path in by_path else after_files.get(path)
        facts = _facts(path, data, cache, references=True)
        lines = sorted({r.line for r in facts.references if r.name == name}) if facts else []
        out += [f"{path}:{n}" for n in lines[:2]]
        if len(out) >= MAX_CALLERS_SHOWN:
            break
    return out[:MAX_CALLERS_SHOWN]


def _evidence(inp: VerifyInput, changed: dict[str, tuple[str, Definition]],
              cache: dict) -> tuple[list[EvidenceReport], list[dict]]:
    # a changed attribute of a changed class is found through its class (an attribute name is too common)
    # so are dunders and very short names (`obj`, `get`): a test spelling them says little
    names = {d.name for _, d in changed.values()
             if not (d.kind in ("variable", "constant") and d.parent in changed)
             and not (d.name.startswith("__") and d.name.endswith("__")) and len(d.name) >= MIN_EVIDENCE_NAME}
    changed_paths = {ch.path for ch in inp.changes}
    test_paths = sorted({e.path for e in inp.bundle.contract.evidence}
                        | {p for p in changed_paths if is_test_path(p) and p in inp.runners})
    reports: list[EvidenceReport] = []
    by_runner: dict[Runner, list[tuple[str, list[TestCase]]]] = {}
    by_path = {ch.path: ch for ch in inp.changes}
    # a test file that does not even spell a changed name is not parsed
    spelled = re.compile(rb"\b(?:" + b"|".join(re.escape(n.encode()) for n in sorted(names)) + rb")\b") \
        if names else None
    spelling: list[tuple[int, str, bytes]] = []
    for t in test_paths:
        data = by_path[t].after if t in by_path else inp.after_files.get(t)
        uses = len(spelled.findall(data)) if spelled is not None and data is not None else 0
        if uses:
            spelling.append((-uses, t, data))
    # the test files that spell the changed names most often, parsed; the others are not inspected
    for _, t, data in sorted(spelling)[:MAX_EVIDENCE_PARSED]:
        # the lines that spell a changed name; the parse is for the test cases around them
        spelled_at = [(n, m.group().decode()) for n, line in enumerate(data.split(b"\n"), 1)
                      for m in spelled.finditer(line)]
        used = {name for _, name in spelled_at}
        lines = {n for n, _ in spelled_at}
        facts = _facts_around(t, data, frozenset(lines), cache)
        if facts is None:
            continue
        text = data.decode("utf-8", "replace")
        cases = test_cases(t, facts.language, facts.definitions, text)
        covering = [tc for tc in cases if any(tc.start_line <= n <= tc.end_line for n in lines)]
        runner = inp.runners.get(t)
        cmd = command(runner, [(t, covering)]).display if runner else None
        if runner:
            by_runner.setdefault(runner, []).append((t, covering))
        reports.append(EvidenceReport(t, [tc.name for tc in covering], sorted(used),
                                      runner.name if runner else None, cmd))
    commands = []
    for runner, sel in sorted(by_runner.items(), key=lambda kv: (kv[0].name, kv[0].cwd)):
        cmd: Command = command(runner, sel)
        commands.append({"runner": cmd.runner, "argv": list(cmd.argv), "cwd": cmd.cwd, "display": cmd.display})
    return reports, commands


# -- the repository side: collecting inputs, running evidence ----------------------------------------------

class _Git:
    """git in one repository, running none of the programs it configures (history.safe_env: filters, fsmonitor,
    hooks, external diff, pager…). The environment is made once: finding the filter drivers is a git process."""

    def __init__(self, root: Path):
        self.root, self.env = root, safe_env(root)

    def __call__(self, *args: str, check: bool = True) -> bytes:
        try:
            proc = subprocess.run(["git", "-C", str(self.root), "-c", "core.quotePath=false", "--no-pager", *args],
                                  capture_output=True, timeout=GIT_SECONDS, env=self.env, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.SubprocessError) as err:
            raise RequestError(f"git {args[0]} failed in {self.root}: {err}") from None
        if check and proc.returncode != 0:
            msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            raise RequestError(f"git {args[0]} failed in {self.root}: {msg[-1] if msg else proc.returncode}")
        return proc.stdout


def _read(root: Path, rel: str) -> bytes | None:
    path = root / rel
    try:
        if path.is_symlink() or not path.resolve().is_relative_to(root.resolve()):
            return None
        return path.read_bytes() if path.is_file() else None
    except OSError:
        return None


def git_patch(git: _Git, base: str = "HEAD") -> tuple[str, str]:
    """The work tree's changes against `base` (a unified diff, untracked files as additions) and the
    resolved base commit."""
    if base.startswith("-"):
        raise RequestError(f"bad revision {base!r}")
    rev = git("rev-parse", "--verify", "--quiet", "--end-of-options", f"{base}^{{commit}}",
              check=False).decode().strip()
    if not rev:
        if git("rev-parse", "--is-inside-work-tree", check=False).strip() != b"true":
            raise RequestError(f"{git.root} is not a git work tree: give the patch as a diff")
        raise RequestError(f"{base!r} is not a commit of {git.root}")
    text = git("diff", "--no-ext-diff", "--no-textconv", "--no-color", "--no-renames", "--no-relative",
               "--src-prefix=a/", "--dst-prefix=b/", rev, "--").decode("utf-8", "replace")
    return text, rev


def _untracked(git: _Git) -> list[str]:
    out = git("ls-files", "--others", "--exclude-standard", "-z").decode("utf-8", "replace")
    return sorted(p for p in out.split("\0") if p)


def collect(root: Path, bundle: Bundle, diff_text: str | None = None, base: str | None = None,
            allow_outside: bool = False) -> VerifyInput:
    """What `check` needs, from a repository: the patch (a unified diff, else the work tree's changes
    against `base` or HEAD, untracked files included), each changed file before and after it, the
    bundle items' content before it, callers and evidence tests after it, and their runners."""
    root = Path(root)
    problems: list[str] = []
    changes: list[FileChange] = []
    if diff_text is not None:
        patches = parse_diff(diff_text)
        if not patches:
            raise RequestError("the diff holds no file changes")
        for fp in patches:
            disk = _read(root, fp.new_path or fp.old_path or "") if fp.new_path else _read(root, fp.old_path or "")
            old_disk = _read(root, fp.old_path) if fp.old_path else None
            try:  # not yet applied: the disk is the before
                before = old_disk if fp.old_path else None
                after = apply_patch(before, fp)
            except PatchError:
                try:  # already applied: the disk is the after
                    after = disk if fp.new_path else None
                    before = apply_patch(after, fp, reverse=True)
                except PatchError as err:
                    problems.append(str(err))
                    before, after = old_disk, disk
            changes.append(_change(fp, before, after))
    else:
        git = _Git(root)
        text, rev = git_patch(git, base or "HEAD")
        for fp in parse_diff(text):
            before = git("cat-file", "blob", f"{rev}:{fp.old_path}") if fp.old_path else None
            after = _read(root, fp.new_path) if fp.new_path else None
            changes.append(_change(fp, before, after))
        for p in _untracked(git):
            after = _read(root, p)
            n = len(_split(after or b""))
            changes.append(FileChange(p, "added", None, None, after, frozenset(), frozenset(range(1, n + 1))))
    by_old = {ch.old_path or ch.path: ch for ch in changes}
    pre: dict[str, str | None] = {}
    for it in bundle.items:
        data = by_old[it.path].before if it.path in by_old else _read(root, it.path)
        pre[it.path] = hashlib.sha256(data).hexdigest() if data is not None else None
    c = bundle.contract
    wanted = {u for p in c.preserve for u in p.callers} | {e.path for e in c.evidence}
    after_files = {p: _read(root, p) for p in sorted(wanted)}
    for ch in changes:  # a diff not yet applied: its files after it are in memory, not on disk
        if ch.path in after_files:
            after_files[ch.path] = ch.after
    runners = {}
    for p in sorted({e.path for e in c.evidence} | {ch.path for ch in changes if is_test_path(ch.path)}):
        lang = language_for(p)
        runners[p] = detect_runner(root, p, lang) if lang else None
    return VerifyInput(bundle, changes, pre, after_files, runners, allow_outside, problems)


def _change(fp: FilePatch, before: bytes | None, after: bytes | None) -> FileChange:
    old_lines, new_lines = changed_lines(fp)
    if fp.binary:
        status = "binary"
    elif fp.old_path is None:
        status = "added"
        new_lines = frozenset(range(1, len(_split(after or b"")) + 1))
    elif fp.new_path is None:
        status = "deleted"
        old_lines = frozenset(range(1, len(_split(before or b"")) + 1))
    elif fp.old_path != fp.new_path:
        status = "renamed"
    else:
        status = "modified"
    return FileChange(fp.path, status, fp.old_path, before, after, old_lines, new_lines)


def run_commands(root: Path, commands: list[dict], timeout: float = RUN_SECONDS) -> list[RunResult]:
    """Run each evidence command (no shell) from its directory under `root`, within `timeout` seconds each."""
    results = []
    for c in commands:
        cwd = (Path(root) / c["cwd"]).resolve()
        if not cwd.is_relative_to(Path(root).resolve()):
            results.append(RunResult(c["display"], None, 0.0, False, "working directory outside the repository"))
            continue
        started = time.perf_counter()
        try:
            proc = subprocess.run(c["argv"], cwd=cwd, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
            output = (proc.stdout + proc.stderr).decode("utf-8", "replace")
            results.append(RunResult(c["display"], proc.returncode, round(time.perf_counter() - started, 3),
                                     proc.returncode == 0, output[-MAX_OUTPUT_TAIL:]))
        except subprocess.TimeoutExpired:
            results.append(RunResult(c["display"], None, round(time.perf_counter() - started, 3), False,
                                     f"timed out after {timeout:g}s"))
        except OSError as err:
            results.append(RunResult(c["display"], None, 0.0, False, f"could not start: {err}"))
    return results


def with_runs(report: Report, runs: list[RunResult]) -> Report:
    """The report with the evidence runs' results; a failing run fails the verdict."""
    findings = list(report.findings)
    for r in runs:
        if not r.passed:
            findings.append(Finding("fail", "evidence_failed", "", f"`{r.command}` failed: "
                                    + (r.output_tail.strip().splitlines() or ["no output"])[-1]))
    verdict = report.verdict
    if any(not r.passed for r in runs):
        verdict = "fail"
    return replace(report, findings=findings, runs=runs, verdict=verdict)


def render_text(r: Report) -> str:
    """The review summary a person reads."""
    out = [f"verify bundle {r.bundle_id[:12]}: {r.verdict.upper()}", ""]
    out.append(f"changed files ({len(r.changed_files)}): " + (", ".join(r.changed_files) or "none"))
    out.append(f"symbols changed ({len(r.symbols_changed)}): " + (", ".join(r.symbols_changed) or "none"))
    kept = [s for s in r.signatures if s.status in ("kept", "unchanged")]
    out.append(f"preserved signatures kept: {len(kept)}/{len(r.signatures)}")
    for s in r.signatures:
        if s.status in ("breaking", "removed", "compatible"):
            out.append(f"  {s.status}: {s.qualname} ({s.path}): {s.old} → {s.new or '(removed)'}"
                       + (f"; callers: {', '.join(s.callers)}" if s.callers else ""))
    out.append("left unchanged (owned): " + (", ".join(r.unchanged_owned) or "none"))
    if r.stale:
        out.append("stale (changed since the bundle): " + ", ".join(r.stale))
    out.append(f"evidence ({len(r.evidence)} test files cover the changed definitions):")
    for e in r.evidence:
        out.append(f"  {e.path}: {', '.join(e.tests) or 'whole file'} (uses {', '.join(e.covers)})")
    for c in r.commands:
        out.append(f"  run: {c['display']}")
    for run in r.runs:
        out.append(f"  {'PASS' if run.passed else 'FAIL'} ({run.seconds:.1f}s): {run.command}")
    if r.findings:
        out.append("")
        out += [f"{f.level.upper():5} {f.code}: {f.path + ': ' if f.path else ''}{f.message}" for f in r.findings]
    out.append("")
    out.append(f"verdict: {r.verdict} (exit {r.exit_code})")
    return "\n".join(out) + "\n"


def verify_repo(root: Path, bundle: Bundle, diff_text: str | None = None, base: str | None = None,
                allow_outside: bool = False, run: bool = False, timeout: float = RUN_SECONDS) -> Report:
    """Collect, check, and (with `run`) run the evidence: what every surface calls."""
    report = check(collect(root, bundle, diff_text, base, allow_outside))
    if run:
        report = with_runs(report, run_commands(root, report.commands, timeout))
    record_verdict(bundle, root, report.verdict)
    return report


def load_bundle(path: Path) -> Bundle:
    """A bundle from a JSON file (what `contextpack pack` wrote)."""
    try:
        return Bundle.model_validate_json(Path(path).read_bytes())
    except OSError as err:
        raise RequestError(f"cannot read bundle {path}: {err.strerror or err}") from None
    except ValidationError as err:  # what is wrong and where, never the file's own text (it may be a .env)
        first = err.errors(include_url=False, include_input=False)[0]
        where = ".".join(map(str, first["loc"]))
        raise RequestError(f"{path} is not a contextpack bundle: {first['msg']}"
                           + (f" (at {where})" if where else "")) from None
