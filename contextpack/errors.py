"""The one exception family every stage raises, and the one table that says how each surface shows it.

    try:
        engine.index()
    except ContextpackError as err:
        print(err)                         # one clear line, never a traceback
        surface_form(err).exit_code        # what the CLI exits with; .http_status, .mcp_code likewise
"""

from __future__ import annotations

from dataclasses import dataclass


class ContextpackError(Exception):
    """Base of every error a user can cause; `str(err)` is the one-line message shown."""

    @property
    def exit_code(self) -> int:
        return surface_form(self).exit_code


class RepoError(ContextpackError):
    """The repository path is missing, not a directory, or unreadable."""


class RequestError(ContextpackError):
    """A request is malformed: bad budget, unknown encoding, empty task, bad format."""


class NotFoundError(ContextpackError):
    """A named thing does not exist: repository name, bundle id, omitted ref, indexed file."""


class AccessError(ContextpackError):
    """A path points outside the repository (traversal, absolute, symlink out) or at a file never indexed."""


class StaleError(ContextpackError):
    """The repository changed under a bundle in a way that touches what was asked of it: pack again."""


class IndexStateError(ContextpackError):
    """The index on disk can't be used (newer schema, corrupt file)."""


@dataclass(frozen=True)
class SurfaceForm:
    exit_code: int  # CLI
    http_status: int  # HTTP (RFC 9457 problem+json body)
    title: str  # the problem's title, and the MCP tool error's prefix


# most specific first; every surface maps errors through this table and nothing else
ERROR_FORMS: dict[type[ContextpackError], SurfaceForm] = {
    RepoError: SurfaceForm(2, 422, "bad repository"),
    RequestError: SurfaceForm(2, 422, "invalid request"),
    NotFoundError: SurfaceForm(4, 404, "not found"),
    AccessError: SurfaceForm(5, 403, "path not allowed"),
    StaleError: SurfaceForm(6, 409, "stale bundle"),
    IndexStateError: SurfaceForm(3, 503, "index unavailable"),
    ContextpackError: SurfaceForm(1, 500, "contextpack error"),
}


def surface_form(err: ContextpackError) -> SurfaceForm:
    for cls in type(err).__mro__:
        if cls in ERROR_FORMS:
            return ERROR_FORMS[cls]
    return ERROR_FORMS[ContextpackError]
