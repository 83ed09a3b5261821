"""contextpack: task-aware context packing for AI coding agents.

    from contextpack import BundleStore, PackRequest, Workspace, default_bundle_dir
    ws = Workspace(BundleStore(default_bundle_dir()))
    ws.register("path/to/repo")                       # → RepoSummary(name="repo", …)
    bundle = ws.pack(PackRequest(repo="repo", task="QuerySet.bulk_create ignores batch_size", budget=8000))

Names are imported on first use, so `import contextpack` (and the CLI's start-up) stays cheap.
"""

import importlib

__version__ = "0.1.0"

_EXPORTS = {
    "Workspace": "workspace",
    "Engine": "engine",
    "BundleStore": "bundle_store",
    "default_bundle_dir": "bundle_store",
    "Bundle": "bundle",
    "PackRequest": "models",
    "ExpandRequest": "models",
    "RegisterRequest": "models",
    "RepoSummary": "models",
    "IndexStatus": "models",
    "RefreshSummary": "models",
    "SymbolHit": "models",
    "FileSlice": "models",
    "RepoMap": "models",
    "ContextpackError": "errors",
    "RepoError": "errors",
    "RequestError": "errors",
    "NotFoundError": "errors",
    "AccessError": "errors",
    "StaleError": "errors",
    "IndexStateError": "errors",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'contextpack' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
