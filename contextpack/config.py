"""Per-repository settings from `.contextpack/config.toml`, merged over defaults.

    [index]
    max_file_bytes = 1048576
    include_vendored = false
    secret_patterns = ["*.vault", "config/prod/*"]
    index_path = "/somewhere/else.sqlite"   # default: user cache dir

    options, index_path = load_config(root)
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from .errors import RequestError
from .scan import DEFAULT_MAX_FILE_BYTES, ScanOptions

CONFIG_PATH = ".contextpack/config.toml"


def load_config(root: Path) -> tuple[ScanOptions, Path | None]:
    """Scan options and an explicit index path (None = default) from the repository's config file."""
    path = root / CONFIG_PATH
    if not path.is_file():
        return ScanOptions(), None
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise RequestError(f"{CONFIG_PATH}: {err}") from None
    index = data.get("index", {})
    try:
        options = ScanOptions(
            max_file_bytes=int(index.get("max_file_bytes", DEFAULT_MAX_FILE_BYTES)),
            include_vendored=bool(index.get("include_vendored", False)),
            secret_patterns=tuple(str(p) for p in index.get("secret_patterns", [])),
        )
    except (TypeError, ValueError) as err:
        raise RequestError(f"{CONFIG_PATH}: bad [index] value: {err}") from None
    raw = index.get("index_path")
    return options, (root / Path(raw).expanduser() if raw else None)
