"""The one exception family every stage raises; each surface maps it to its own form.

    try:
        engine.index()
    except ContextpackError as err:
        print(err)  # one clear line, never a traceback
"""


class ContextpackError(Exception):
    """Base of every error a user can cause; `str(err)` is the one-line message shown."""

    exit_code = 1


class RepoError(ContextpackError):
    """The repository path is missing, not a directory, or unreadable."""

    exit_code = 2


class RequestError(ContextpackError):
    """A request is malformed: bad budget, unknown encoding, empty task, bad format."""

    exit_code = 2


class IndexStateError(ContextpackError):
    """The index on disk can't be used (newer schema, corrupt file)."""

    exit_code = 3
