"""Writing a file so that no reader ever sees half of it: a temporary file beside it, then a rename.

    write_atomic(Path("~/.cache/contextpack/server.json").expanduser(), '{"url": "…"}')
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, text: str) -> None:
    """Replace `path` with `text` (UTF-8) in one rename; the temporary file is gone whatever happens.
    mkstemp creates it readable by the user only, and the rename keeps that."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
