"""The bundle: schema v1 (pydantic), its content-hash id, JSON Schema export and renderers.

Same repo state + same request ⇒ same id and byte-identical JSON: everything is sorted or ordered by
rank with deterministic tie-breaks, floats are rounded, and nothing time-dependent is inside.

    bundle = Bundle.build(repo=..., task=..., budget=..., items=[...], omitted=[...], contract=...)
    render(bundle, "md")
    print(json.dumps(bundle_schema()))
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .errors import RequestError
from .printable import inline, printable
from .redact import redact_path

SCHEMA = "contextpack.bundle/v1"
FORMATS = ("json", "md", "xml")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RepoInfo(_Model):
    root: str = Field(description="Name of the repository's root directory.")
    commit: str | None = Field(description="git HEAD commit, when the repository is a git work tree.")
    dirty: bool | None = Field(description="Whether the work tree differs from HEAD (None without git).")
    index_digest: str = Field(description="sha256 over (path, content hash) of every indexed file.")


class TaskInfo(_Model):
    text: str
    type: Literal["bugfix", "feature", "refactor", "test-repair", "dependency-upgrade", "exploration"]
    type_given: bool = Field(description="True when the request set the type; False when inferred.")
    type_reason: str
    truncated: bool = Field(False, description="True when the task text was cut to the maximum length.")


class Budget(_Model):
    limit: int = Field(ge=0)
    used: int = Field(ge=0, description="Exact tokens of all items' content in `encoding`; never > limit.")
    encoding: str


Range = tuple[int, int]


class Item(_Model):
    path: str = Field(description="Relative to the repository root, '/'-separated.")
    kind: Literal["file", "snippet", "skeleton"]
    ranges: list[Range] = Field(description="1-based inclusive line ranges of the original file shown.")
    tokens: int
    score: float
    reasons: list[str]
    sha256: str = Field(description="sha256 of the whole original file.")
    language: str
    content: str


class Omitted(_Model):
    ref: str = Field("", description="Stable handle of this entry: pass it to expand to get it.")
    path: str
    kind: Literal["file", "snippet", "skeleton"]
    ranges: list[Range]
    tokens: int = Field(description="What including it would cost (an upper bound from per-line counts).")
    score: float
    reasons: list[str]


class Preserve(_Model):
    path: str
    qualname: str
    signature: str
    callers: list[str] = Field(description="Files outside the owned set that use this symbol.")


class Evidence(_Model):
    path: str
    reason: str
    tests: list[str] = Field(default_factory=list, description="The tests of this file that exercise owned code, "
                                                                "as its runner names them (empty: the whole file).")
    command: str | None = Field(None, description="The command that runs exactly these tests, from the root.")
    runner: str | None = Field(None, description="pytest, django, go, cargo, jest, vitest, mocha, node, maven, "
                                                 "gradle, rspec, minitest or phpunit.")


class Rule(_Model):
    path: str
    sha256: str


class Contract(_Model):
    owned: list[str] = Field(description="Paths the agent may edit.")
    read_only: list[str] = Field(description="Paths in the bundle the agent may read but not edit.")
    preserve: list[Preserve]
    evidence: list[Evidence] = Field(description="Tests that define done.")
    rules: list[Rule] = Field(description="Durable instruction files of the repository that apply.")
    commands: dict[str, str] = Field(default_factory=dict, description="Per runner: one command that runs every "
                                                                       "evidence test, from the repository root.")
    owned_reasons: dict[str, str] = Field(default_factory=dict, description="Why each owned path is owned.")


class Bundle(_Model):
    """The interface: what an agent gets for a task (schema contextpack.bundle/v1)."""

    schema_: Literal["contextpack.bundle/v1"] = Field(SCHEMA, alias="schema")
    id: str = Field(description="sha256 of the canonical JSON of every other field.")
    repo: RepoInfo
    task: TaskInfo
    budget: Budget
    items: list[Item]
    omitted: list[Omitted]
    contract: Contract
    notes: list[str] = Field(default_factory=list, description="What the packer wants the reader to know.")
    parent: str | None = Field(None, description="For a delta from expand: the id of the bundle it extends; "
                                                 "it shows only what that bundle and its ancestors did not.")

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @classmethod
    def build(cls, **fields) -> Bundle:
        """The bundle with its id. A provider token (`ghp_…`, `AKIA…`) in any name it carries — a definition
        named like one in a reason, the repository's own directory — is masked as in file names: the content
        was redacted line by line, but names reach the bundle by other roads."""
        body = _masked(cls(id="", **fields).model_dump(mode="json", by_alias=True, exclude={"id"}))
        digest = hashlib.sha256(_canonical(body).encode()).hexdigest()
        return cls.model_validate({**body, "id": digest})

    def to_json(self) -> str:
        return _canonical(self.model_dump(mode="json", by_alias=True), indent=2) + "\n"


# fields that hold no name a token could ride in: content the packer redacted line by line with every detector
# (masking it again cost 20 ms a pack on Django), paths and path lists (the scan skips a path holding a token),
# digests and enumerations
_UNMASKED = frozenset({"content", "path", "ranges", "owned", "read_only", "callers", "sha256", "ref", "index_digest",
                       "commit", "kind", "language", "encoding", "type", "runner", "schema"})


def _masked(data: object) -> object:
    """`data` (a model's JSON form) with redact_path on every string in it, but in _UNMASKED fields."""
    if isinstance(data, str):
        return redact_path(data)
    if isinstance(data, list):
        return [_masked(x) for x in data]
    if isinstance(data, dict):
        return {k: v if k in _UNMASKED else _masked(v) for k, v in data.items()}
    return data


def omitted_ref(path: str, kind: str, ranges: list[Range]) -> str:
    """A short content-free handle for an omitted entry: the same entry always gets the same ref."""
    return hashlib.sha256(f"{path}\0{kind}\0{ranges}".encode()).hexdigest()[:12]


# json.dumps escapes C0 controls but leaves DEL and the C1 controls (CSI on some terminals) raw
_JSON_RAW_CONTROLS = re.compile("[\x7f-\x9f]")


def _canonical(data: object, indent: int | None = None) -> str:
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, indent=indent,
                      separators=(",", ": ") if indent else (",", ":"))
    return _JSON_RAW_CONTROLS.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def bundle_schema() -> dict:
    return Bundle.model_json_schema(by_alias=True)


# XML 1.0 allows neither these characters nor references to them (source files and pasted logs have
# form feeds and ANSI escapes): C0 controls become their Control Pictures (ESC → U+241B), the rest U+FFFD.
# C1 controls are valid XML but terminal escapes (U+009B is CSI): U+FFFD as well.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x80-\x9f\ud800-\udfff\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    return _XML_INVALID.sub(lambda m: chr(0x2400 + ord(m.group())) if m.group() < " " else "\ufffd", text)


def escape(text: str) -> str:
    """Element text; CR as a reference, since parsers fold a raw CR LF into LF."""
    from xml.sax.saxutils import escape as sax_escape  # imports urllib.request: only for the xml format

    return sax_escape(_xml_safe(text), {"\r": "&#13;"})


def quoteattr(text: str) -> str:
    from xml.sax.saxutils import quoteattr as sax_quoteattr

    return sax_quoteattr(_xml_safe(text))


def _fence(text: str) -> str:
    """A markdown code fence longer than any backtick run inside `text`, so the text can't close it."""
    return "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", text)), default=0))


def _code(text: str) -> str:
    """`text` as a markdown code span on one line: a file name or signature shows literally, and no
    newline, backtick or markup in it can start a heading, close the span or make a link."""
    text = inline(text)
    ticks = "`" * (1 + max((len(run) for run in re.findall(r"`+", text)), default=0))
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _task_markdown(text: str) -> str:
    """One line stays on the **Task** line; several go in a fence, where no line can be a heading."""
    text = text.strip()
    if "\n" not in text and "\r" not in text:
        return " " + inline(text)
    fence = _fence(text)
    return f"\n\n{fence}text\n{text}\n{fence}"


def _ranges_text(ranges: list[Range]) -> str:
    return ", ".join(f"{a}-{b}" if a != b else str(a) for a, b in ranges)


def render_markdown(b: Bundle) -> str:
    """Markdown for a reader or an agent: every name from the repository in a code span on its one line,
    every content in a fence, and no control character (printable), so a crafted file name or line can't
    forge a section or reach the terminal as an escape sequence."""
    out = [f"# Context bundle `{b.id[:12]}`" + (f" (extends `{b.parent[:12]}`)" if b.parent else ""), "",
           f"**Task** ({b.task.type}{'' if b.task.type_given else ', inferred'}):{_task_markdown(b.task.text)}",
           "", f"Repository {_code(b.repo.root)}" + (f" at `{b.repo.commit[:12]}`" if b.repo.commit else "")
           + (" (dirty)" if b.repo.dirty else "") + f" · {b.budget.used}/{b.budget.limit} tokens ({b.budget.encoding})",
           "", "## Contract", ""]
    out.append("- Owned (may edit): " + (", ".join(_code(p) for p in b.contract.owned) or "none"))
    out.append("- Read only: " + (", ".join(_code(p) for p in b.contract.read_only) or "none"))
    for p in b.contract.preserve:
        out.append(f"- Preserve {_code(p.signature)} ({_code(p.path)}; used by {', '.join(map(_code, p.callers))})")
    for e in b.contract.evidence:
        out.append(f"- Evidence: {_code(e.path)} — {inline(e.reason)}")
    for r in b.contract.rules:
        out.append(f"- Rules: {_code(r.path)}")
    out += ["", "## Context", ""]
    for it in b.items:
        fence = _fence(it.content)
        out += [f"### {_code(it.path)} ({it.kind}, lines {_ranges_text(it.ranges)})", "",
                f"_{inline('; '.join(it.reasons))}_", "", f"{fence}{inline(it.language).replace('`', '')}",
                it.content.rstrip("\n"), fence, ""]
    if b.omitted:
        out += ["## Omitted (ask for more)", ""]
        out += [f"- {_code(o.path)} {o.kind} lines {_ranges_text(o.ranges)}: {o.tokens} tokens"
                + (f" (ref `{o.ref}`)" if o.ref else "") + f" — {inline('; '.join(o.reasons))}" for o in b.omitted]
    if b.notes:
        out += ["", "## Notes", ""] + [f"- {inline(n)}" for n in b.notes]
    return printable("\n".join(out).rstrip("\n") + "\n")


def render_xml(b: Bundle) -> str:
    parent = f" parent={quoteattr(b.parent)}" if b.parent else ""
    out = [f"<bundle schema={quoteattr(SCHEMA)} id={quoteattr(b.id)}{parent}>",
           f"  <repo root={quoteattr(b.repo.root)} commit={quoteattr(b.repo.commit or '')} "
           f"dirty={quoteattr(str(b.repo.dirty).lower())} index_digest={quoteattr(b.repo.index_digest)}/>",
           f"  <task type={quoteattr(b.task.type)} given={quoteattr(str(b.task.type_given).lower())}>"
           f"{escape(b.task.text)}</task>",
           f"  <budget limit=\"{b.budget.limit}\" used=\"{b.budget.used}\" encoding={quoteattr(b.budget.encoding)}/>",
           "  <contract>"]
    out += [f"    <owned path={quoteattr(p)}/>" for p in b.contract.owned]
    out += [f"    <read_only path={quoteattr(p)}/>" for p in b.contract.read_only]
    out += [f"    <preserve path={quoteattr(p.path)} qualname={quoteattr(p.qualname)} "
            f"callers={quoteattr(' '.join(p.callers))}>{escape(p.signature)}</preserve>" for p in b.contract.preserve]
    out += [f"    <evidence path={quoteattr(e.path)}>{escape(e.reason)}</evidence>" for e in b.contract.evidence]
    out += [f"    <rules path={quoteattr(r.path)} sha256={quoteattr(r.sha256)}/>" for r in b.contract.rules]
    out.append("  </contract>")
    for it in b.items:
        out.append(f"  <item path={quoteattr(it.path)} kind={quoteattr(it.kind)} "
                   f"ranges={quoteattr(_ranges_text(it.ranges))} tokens=\"{it.tokens}\" score=\"{it.score}\" "
                   f"sha256={quoteattr(it.sha256)}>")
        out += [f"    <reason>{escape(r)}</reason>" for r in it.reasons]
        out.append(f"    <content>{escape(it.content)}</content>")
        out.append("  </item>")
    out += [f"  <omitted ref={quoteattr(o.ref)} path={quoteattr(o.path)} kind={quoteattr(o.kind)} "
            f"ranges={quoteattr(_ranges_text(o.ranges))} "
            f"tokens=\"{o.tokens}\" score=\"{o.score}\"/>" for o in b.omitted]
    out += [f"  <note>{escape(n)}</note>" for n in b.notes]
    out.append("</bundle>")
    return "\n".join(out) + "\n"


def render(b: Bundle, fmt: str) -> str:
    if fmt == "json":
        return b.to_json()
    if fmt in ("md", "markdown"):
        return render_markdown(b)
    if fmt == "xml":
        return render_xml(b)
    raise RequestError(f"unknown format {fmt!r}; one of: {', '.join(FORMATS)}")
