"""Bundles kept on disk by id, so an agent can fetch one again and expand it; bounded, oldest out first.

Each bundle is one JSON file (`<id>.json`: the repository it was packed for, by name and root, and the
bundle).
Beside them, the file table of each index state a bundle was packed on (`states/<digest>.json`:
path → sha256), which tells `expand` whether what it is asked for changed since. Writes are atomic
(temp file + rename), so concurrent writers and readers never see half a file.

    store = BundleStore(Path("~/.cache/contextpack/bundles").expanduser())
    store.put("django", Path("/src/django"), bundle, file_shas)
    kept = store.get(bundle.id)               # Kept(repo="django", root=Path("/src/django"), bundle=…)
    store.state(bundle.repo.index_digest)     # {path: sha256} or None once evicted
"""

from __future__ import annotations

import json
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from .bundle import Bundle, Range
from .discovery import cache_dir
from .errors import NotFoundError, RequestError
from .fileio import write_atomic

MAX_BUNDLES = 2000
MAX_STATES = 50
MAX_CHAIN = 100  # ancestors followed when collecting what a chain of deltas has shown
_ID = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Kept:
    repo: str  # the name it was packed under
    root: Path  # that repository's root then
    bundle: Bundle


def default_bundle_dir() -> Path:
    """$CONTEXTPACK_BUNDLE_DIR, else `bundles/` beside the indexes ($CONTEXTPACK_INDEX_DIR or user cache)."""
    if explicit := os.environ.get("CONTEXTPACK_BUNDLE_DIR"):
        return Path(explicit)
    return cache_dir() / "bundles"


class BundleStore:
    """Bundles by id in one directory, with the file tables of their index states; bounded."""

    def __init__(self, root: Path, max_bundles: int = MAX_BUNDLES, max_states: int = MAX_STATES):
        self.root = root
        self.max_bundles = max_bundles
        self.max_states = max_states
        self._lock = threading.Lock()  # eviction: one sweep at a time

    def put(self, repo: str, root: Path, bundle: Bundle, file_shas: dict[str, str] | None) -> None:
        body = json.dumps({"repo": repo, "root": str(root), "bundle": bundle.model_dump(mode="json", by_alias=True)},
                          sort_keys=True, ensure_ascii=False)
        write_atomic(self.root / f"{bundle.id}.json", body)
        digest = bundle.repo.index_digest
        if file_shas is not None and _ID.fullmatch(digest) and not (self.root / "states" / f"{digest}.json").exists():
            write_atomic(self.root / "states" / f"{digest}.json", json.dumps(file_shas, sort_keys=True))
        self._evict()

    def get(self, bundle_id: str) -> Kept:
        """A kept bundle and its repository; NotFoundError once evicted or never made here."""
        if not _ID.fullmatch(bundle_id):
            raise RequestError(f"not a bundle id (64 hex digits): {bundle_id[:80]!r}")
        try:
            data = json.loads((self.root / f"{bundle_id}.json").read_text("utf-8"))
        except FileNotFoundError:
            raise NotFoundError(f"no bundle {bundle_id[:12]}… is kept here (never made, or evicted)") from None
        except (OSError, ValueError) as err:
            raise NotFoundError(f"bundle {bundle_id[:12]}… can't be read ({err})") from None
        try:
            return Kept(repo=data["repo"], root=Path(data["root"]), bundle=Bundle.model_validate(data["bundle"]))
        except (KeyError, TypeError, ValueError) as err:
            raise NotFoundError(f"bundle {bundle_id[:12]}… can't be read ({type(err).__name__})") from None

    def state(self, digest: str) -> dict[str, str] | None:
        if not _ID.fullmatch(digest):
            return None
        try:
            return json.loads((self.root / "states" / f"{digest}.json").read_text("utf-8"))
        except (OSError, ValueError):
            return None

    def seen(self, bundle: Bundle) -> dict[str, list[Range]]:
        """Lines shown by `bundle` and every ancestor still kept: what a delta must not repeat."""
        shown: dict[str, list[Range]] = {}
        current: Bundle | None = bundle
        for _ in range(MAX_CHAIN):
            if current is None:
                break
            for it in current.items:
                shown.setdefault(it.path, []).extend(it.ranges)
            if current.parent is None:
                break
            try:
                current = self.get(current.parent).bundle
            except NotFoundError:
                current = None
        return shown

    def _evict(self) -> None:
        with self._lock:
            for folder, bound in ((self.root, self.max_bundles), (self.root / "states", self.max_states)):
                files = [e for e in os.scandir(folder) if e.is_file() and e.name.endswith(".json")]
                if len(files) <= bound:
                    continue
                files.sort(key=lambda e: (e.stat().st_mtime_ns, e.name))
                for e in files[:len(files) - bound]:
                    Path(e.path).unlink(missing_ok=True)
