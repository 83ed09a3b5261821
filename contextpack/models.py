"""Typed requests and answers of the facade: what every surface (CLI, HTTP, MCP) sends and gets back.

The surfaces parse their own input into these models and render these models; the limits below are
the facade's, checked again inside it whatever a surface did.

    req = PackRequest(repo="django", task="QuerySet.bulk_create ignores batch_size", budget=8000)
    workspace.pack(req)                  # → Bundle
    workspace.symbols("django", "bulk_create")   # → list[SymbolHit]
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .tokens import DEFAULT_ENCODING

MAX_BUDGET = 2_000_000
DEFAULT_BUDGET = 8000
DEFAULT_EXPAND_BUDGET = 4000
MAX_TASK_BYTES = 1_000_000  # a task over this is refused; analysis reads its first 200,000 characters
MAX_EXPAND_TARGETS = 50
MAX_DIFF_BYTES = 4_000_000  # a patch over this is refused: it is not a reviewable change
REVISION_PATTERN = r"^[^-\s][^\s]*$"  # a git revision, never an option (`--output=…`)
REPO_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"

TaskType = Literal["bugfix", "feature", "refactor", "test-repair", "dependency-upgrade", "exploration"]
Format = Literal["json", "md", "xml"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PackRequest(_Model):
    """Ask for the bundle of a task on a registered repository."""

    repo: str = Field(description="Name of a registered repository (GET /v1/repos).")
    task: str = Field(min_length=1, max_length=MAX_TASK_BYTES, description="The task: an issue, a request, a diff.")
    budget: int | None = Field(None, ge=0, le=MAX_BUDGET, description=(
        f"Token budget; the bundle never exceeds it. Default: the repository's [defaults] budget "
        f"(.contextpack/config.toml), else {DEFAULT_BUDGET}."))
    type: TaskType | None = Field(None, description="Task type; inferred from the text when omitted.")
    encoding: str | None = Field(None, max_length=64, description=(
        f"tiktoken encoding of the budget. Default: the repository's [defaults] encoding, else {DEFAULT_ENCODING}."))
    format: Format = Field("json", description="json: the bundle object; md or xml: the bundle rendered as text.")
    owned: list[str] | None = Field(None, max_length=MAX_EXPAND_TARGETS,
                                    description="Pin the contract's owned files: repository paths or globs.")


class ExpandRequest(_Model):
    """Ask a kept bundle for more: omitted entries by ref, definitions by name, files by path."""

    refs: list[str] = Field(default_factory=list, max_length=MAX_EXPAND_TARGETS,
                            description="`ref`s of the parent bundle's `omitted` entries.")
    symbols: list[str] = Field(default_factory=list, max_length=MAX_EXPAND_TARGETS,
                               description="Definitions by name or (suffix of a) qualified name.")
    paths: list[str] = Field(default_factory=list, max_length=MAX_EXPAND_TARGETS,
                             description="Repository-relative file paths.")
    budget: int = Field(DEFAULT_EXPAND_BUDGET, ge=0, le=MAX_BUDGET)
    format: Format = "json"


class VerifyRequest(_Model):
    """Check a patch against the contract of a kept bundle (on the repository it was packed for)."""

    bundle: str = Field(pattern="^[0-9a-f]{64}$", description="Id of a kept bundle (`id` of a pack or expand answer).")
    diff: str | None = Field(None, min_length=1, max_length=MAX_DIFF_BYTES,
                             description="A unified diff, applied or not; default: the work tree's changes "
                                         "against `base`, untracked files included.")
    base: str | None = Field(None, min_length=1, max_length=256, pattern=REVISION_PATTERN,
                             description="Revision the work tree is compared with when no diff is given "
                                         "(default HEAD).")
    allow_outside: bool = Field(False, description="Files outside the bundle warn instead of failing.")


class RegisterRequest(_Model):
    """Register a repository root under a name."""

    path: str = Field(min_length=1, max_length=4096, description="Absolute path of the repository root.")
    name: str | None = Field(None, pattern=REPO_NAME_PATTERN, max_length=100,
                             description="Name to register it under (default: directory name).")


class RepoSummary(_Model):
    """A registered repository: where it is and whether it is indexed."""

    name: str
    root: str
    indexed: bool
    digest: str | None
    files: int
    watching: bool = Field(description="Whether a file watcher keeps this repository's index fresh.")


class RefreshSummary(_Model):
    """What one index refresh did."""

    scanned: int
    parsed: int
    unchanged: int
    touched: int
    added: int
    deleted: int
    diagnostics: int
    seconds: float
    finished_at: float = Field(description="Unix time the refresh committed.")
    changed: list[str] = Field(description="Paths added, edited or deleted by the refresh (at most 200).")


class IndexStatus(_Model):
    """What a repository's index holds now, and what its latest change was."""

    repo: str
    root: str
    index_path: str
    digest: str | None
    files_by_language: dict[str, int]
    counts: dict[str, int]
    watching: bool
    watch_error: str | None = Field(None, description="Why the latest refresh by the file watcher failed, if it did.")
    last_change: RefreshSummary | None = Field(
        description="The latest refresh in this process that changed the index: what it changed, and when.")


class SymbolHit(_Model):
    """One definition found by name."""

    path: str
    line: int
    end_line: int
    kind: str
    qualname: str
    signature: str = Field(description="Secrets redacted.")


class FileSlice(_Model):
    """Lines of one indexed file, as on disk now."""

    repo: str
    path: str
    start: int
    end: int
    total_lines: int
    sha256: str
    language: str
    content: str = Field(description="Lines start..end, each ending in a newline; secrets redacted.")


class RepoMap(_Model):
    """The ranked signature map of a repository under a token budget."""

    repo: str
    budget: int
    used: int
    encoding: str
    text: str
