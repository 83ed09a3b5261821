"""Per-repository settings from `.contextpack/config.toml`, validated (pydantic) and merged over defaults.

A repository is untrusted input: its config may tune scanning, but it may only place the index inside
the user cache dir, and only when the user chose no location (`--index`, `CONTEXTPACK_INDEX_DIR`).

    [index]
    max_file_bytes = 1048576
    include_vendored = false
    secret_patterns = ["*.vault", "config/prod/*"]
    index_path = "myrepo.sqlite"          # relative to (and only inside) the user cache dir

    options, index_path = load_config(root)
"""

from __future__ import annotations

import logging
import os
import tomllib
from pathlib import Path
from typing import Annotated

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, ValidationError

from .errors import RequestError
from .scan import DEFAULT_MAX_FILE_BYTES, ScanOptions

CONFIG_PATH = ".contextpack/config.toml"
MAX_CONFIG_BYTES = 1024 * 1024
MAX_FILE_BYTES_LIMIT = 1 << 40
MAX_SECRET_PATTERNS = 1000
log = logging.getLogger("contextpack")
Text = Annotated[StrictStr, Field(pattern=r"^[^\x00]*$")]  # a NUL ends a path in the OS: refuse it here


class IndexSection(BaseModel):
    """The `[index]` table; unknown keys are errors (a typo must not silently do nothing)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    max_file_bytes: StrictInt = Field(DEFAULT_MAX_FILE_BYTES, ge=0, le=MAX_FILE_BYTES_LIMIT)
    include_vendored: StrictBool = False
    secret_patterns: list[Text] = Field(default_factory=list, max_length=MAX_SECRET_PATTERNS)
    index_path: Text | None = None


class RepoConfig(BaseModel):
    """The whole file; other tables are left to the modules that own them."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    index: IndexSection = IndexSection()


def user_cache_dir() -> Path:
    """The only place a repository's config may put its index."""
    return Path(platformdirs.user_cache_dir("contextpack")).resolve()


def _read(root: Path) -> RepoConfig:
    path = root / CONFIG_PATH
    if not path.is_file():
        return RepoConfig()
    try:
        with open(path, "rb") as fh:
            data = tomllib.loads(fh.read(MAX_CONFIG_BYTES + 1).decode("utf-8"))
        return RepoConfig.model_validate(data)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise RequestError(f"{CONFIG_PATH}: {err}") from None
    except ValidationError as err:
        first = err.errors()[0]
        key = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise RequestError(f"{CONFIG_PATH}: bad value for {key}: {first['msg']}") from None


def _index_path(raw: str | None) -> Path | None:
    """The repository's index path if it may use it: inside the user cache dir, no user choice made."""
    if not raw:
        return None
    if os.environ.get("CONTEXTPACK_INDEX_DIR"):  # the user's setting wins over the repository's
        return None
    base = user_cache_dir()
    if not raw.startswith("~"):
        candidate = (base / raw).resolve()
        if candidate.is_relative_to(base) and candidate != base:
            return candidate
    log.warning("ignoring index_path %r in %s: a repository may only place its index inside %s",
                raw, CONFIG_PATH, base)
    return None


def load_config(root: Path) -> tuple[ScanOptions, Path | None]:
    """Scan options and an allowed index path (None = default) from the repository's config file."""
    index = _read(root).index
    options = ScanOptions(max_file_bytes=index.max_file_bytes, include_vendored=index.include_vendored,
                          secret_patterns=tuple(index.secret_patterns))
    return options, _index_path(index.index_path)
