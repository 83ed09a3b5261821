"""Where a running `contextpack serve` says it listens (`server.json` in the cache dir), and the token the
CLI sends it. Standard library and platformdirs only: the console script's quick path reads this before
anything heavy is imported.

    url = discover()                                   # None when no local server runs
    write_discovery("http://127.0.0.1:8765")           # serve does this; remove_discovery() on exit
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import platformdirs

from .fileio import write_atomic

TOKEN_ENV = "CONTEXTPACK_TOKEN"


def cache_dir() -> Path:
    """$CONTEXTPACK_INDEX_DIR, else the user cache dir: where indexes, bundles and server.json live."""
    return Path(os.environ.get("CONTEXTPACK_INDEX_DIR") or platformdirs.user_cache_dir("contextpack"))


def discovery_path() -> Path:
    return cache_dir() / "server.json"


def write_discovery(url: str) -> Path:
    """Say where this process serves (atomically; readable by the user only)."""
    path = discovery_path()
    write_atomic(path, json.dumps({"url": url, "pid": os.getpid()}))
    return path


def remove_discovery() -> None:
    """Remove server.json if this process wrote it (a newer server may have replaced it)."""
    path = discovery_path()
    try:
        if json.loads(path.read_text("utf-8")).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError, AttributeError):
        pass


def discover() -> str | None:
    """The URL of a local server that said where it serves and whose process still runs."""
    try:
        data = json.loads(discovery_path().read_text("utf-8"))
        url, pid = data["url"], data["pid"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(url, str) or not isinstance(pid, int) or not _alive(pid):
        return None
    return url


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True
