"""The contract's durable settings, from the `[contract]` and `[defaults]` tables of `.contextpack/config.toml`
(validated with pydantic; a bad value is one clear line naming the key). The `[index]` table is config.py's.

    [contract]
    never_owned = ["docs/**", "*.lock"]          # never owned, whatever the ranking says
    rules = ["docs/STYLE.md"]                    # more durable instruction files, listed as rules

    [contract.owned]                             # owned globs per task type ("*": every type)
    "*" = []
    bugfix = ["src/**"]

    [defaults]
    budget = 12000
    encoding = "cl100k_base"
    include = ["README.md"]

    cfg = load_contract_config(root)
    cfg.owned_for("bugfix"), cfg.never_owned
"""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import RequestError
from .models import MAX_BUDGET
from .task import TASK_TYPES

CONFIG_PATH = ".contextpack/config.toml"
MAX_GLOBS = 200
MAX_GLOB_CHARS = 300
GLOB_CHARS = frozenset("*?[")


def matches(path: str, patterns: list[str]) -> bool:
    """Whether `path` is one of `patterns` (paths, directories ending in "/", or globs)."""
    for p in patterns:
        if p == path or (p.endswith("/") and path.startswith(p)):
            return True
        if GLOB_CHARS & set(p) and fnmatch.fnmatchcase(path, p):
            return True
    return False


def _globs(value: list[str]) -> list[str]:
    for g in value:
        if not g or len(g) > MAX_GLOB_CHARS or g.startswith("/") or ".." in g.split("/") or "\0" in g:
            raise ValueError(f"bad path or glob {g!r}: relative to the root, no '..', at most {MAX_GLOB_CHARS} chars")
    return sorted(set(value))


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ContractTable(_Table):
    owned: dict[str, list[str]] = Field(default_factory=dict, description="Task type (or '*') → owned globs.")
    never_owned: list[str] = Field(default_factory=list, max_length=MAX_GLOBS)
    rules: list[str] = Field(default_factory=list, max_length=MAX_GLOBS)

    @field_validator("owned")
    @classmethod
    def _owned(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for key in value:
            if key != "*" and key not in TASK_TYPES:
                raise ValueError(f"unknown task type {key!r}; one of: *, {', '.join(TASK_TYPES)}")
        return {k: _globs(v) for k, v in value.items()}

    @field_validator("never_owned", "rules")
    @classmethod
    def _paths(cls, value: list[str]) -> list[str]:
        return _globs(value)


class DefaultsTable(_Table):
    budget: int | None = Field(None, ge=0, le=MAX_BUDGET)
    encoding: str | None = Field(None, max_length=64)
    include: list[str] = Field(default_factory=list, max_length=MAX_GLOBS)

    @field_validator("include")
    @classmethod
    def _paths(cls, value: list[str]) -> list[str]:
        return _globs(value)


class ContractConfig(_Table):
    contract: ContractTable = Field(default_factory=ContractTable)
    defaults: DefaultsTable = Field(default_factory=DefaultsTable)

    def owned_for(self, task_type: str) -> list[str]:
        return sorted(set(self.contract.owned.get("*", [])) | set(self.contract.owned.get(task_type, [])))

    @property
    def never_owned(self) -> list[str]:
        return self.contract.never_owned


def load_contract_config(root: Path) -> ContractConfig:
    """The `[contract]` and `[defaults]` tables of the repository's config (defaults when absent)."""
    path = Path(root) / CONFIG_PATH
    if not path.is_file() or path.is_symlink():
        return ContractConfig()
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise RequestError(f"{CONFIG_PATH}: {err}") from None
    mine = {k: data[k] for k in ("contract", "defaults") if k in data}
    try:
        return ContractConfig.model_validate(mine)
    except ValidationError as err:
        e = err.errors()[0]
        key = ".".join(str(p) for p in e["loc"])
        raise RequestError(f"{CONFIG_PATH}: [{key}]: {e['msg']}") from None
