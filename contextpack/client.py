"""The CLI's HTTP client: packing through a running server (found by `discovery`), with the server's
problems turned back into the one `ContextpackError` family (so exit codes match an in-process run).

    with Client(discover()) as client:                 # the token from $CONTEXTPACK_TOKEN
        text = client.pack(Path("."), PackRequest(repo="", task="…", budget=8000))   # registers "." if needed
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from .discovery import TOKEN_ENV, discover
from .errors import ERROR_FORMS, ContextpackError, RequestError
from .models import PackRequest, RegisterRequest
from .scan import resolve_root

if TYPE_CHECKING:
    import httpx

CONNECT_TIMEOUT = 2.0  # a local server answers at once, or it is not there
READ_TIMEOUT = 600.0  # a cold index of a large repository


class Unreachable(ContextpackError):
    """No server answers at the URL (connection refused, timed out, not contextpack)."""


class Unauthorized(ContextpackError):
    """The server wants a bearer token ($CONTEXTPACK_TOKEN) that was not given or is wrong."""


class Client:
    """A few calls of the HTTP API, errors as ContextpackErrors."""

    def __init__(self, url: str, token: str | None = None):
        import httpx  # here: a pack with no server running never pays for it

        self.url = url.rstrip("/")
        token = token if token is not None else os.environ.get(TOKEN_ENV)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = httpx.Client(base_url=self.url, headers=headers, trust_env=False,
                                 timeout=httpx.Timeout(READ_TIMEOUT, connect=CONNECT_TIMEOUT))

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def call(self, method: str, path: str, **kwargs) -> httpx.Response:
        import httpx

        try:
            resp = self.http.request(method, path, **kwargs)
        except httpx.HTTPError as err:
            raise Unreachable(f"no contextpack server answers at {self.url} ({type(err).__name__})") from None
        if resp.is_success:
            return resp
        raise _problem_error(resp, self.url)

    def repo_name(self, repo: Path) -> str:
        """The name the server knows the repository at `repo` by, registering it if needed."""
        root = str(resolve_root(repo))
        for summary in self.call("GET", "/v1/repos").json():
            if summary.get("root") == root:
                return summary["name"]
        try:
            return self._register(root, None)
        except RequestError:  # the directory name is taken by another root
            return self._register(root, f"{Path(root).name[:80]}-{hashlib.sha256(root.encode()).hexdigest()[:8]}")

    def _register(self, root: str, name: str | None) -> str:
        body = RegisterRequest(path=root, name=name).model_dump(exclude_none=True)
        return self.call("POST", "/v1/repos", json=body).json()["name"]

    def pack(self, repo: Path, req: PackRequest) -> str:
        """The bundle rendered in `req.format`, exactly as the server sent it."""
        req = req.model_copy(update={"repo": self.repo_name(repo)})
        resp = self.call("POST", "/v1/pack", json=req.model_dump(exclude_none=True))
        return resp.content.decode("utf-8")


def _problem_error(resp: httpx.Response, url: str) -> ContextpackError:
    """A problem body as the ContextpackError of the same title (else of the same status)."""
    try:
        body = resp.json()
        title, detail = str(body.get("title", "")), str(body.get("detail", ""))
    except (ValueError, AttributeError):
        title, detail = "", ""
    if not detail:
        return Unreachable(f"{url} answered {resp.status_code} without a problem body: not a contextpack server?")
    by_title = [cls for cls, form in ERROR_FORMS.items() if form.title == title]
    by_status = [cls for cls, form in ERROR_FORMS.items() if form.http_status == resp.status_code]
    cls = (by_title or by_status or [ContextpackError])[0]
    if resp.status_code == 401:
        return Unauthorized(f"{url} refused the request: {detail} (set {TOKEN_ENV})")
    return cls(f"server: {detail}")


def pack_request(task: str, budget: int | None, fmt: str, task_type: str | None, encoding: str | None,
                 owned: list[str] | None = None) -> PackRequest:
    """The request the CLI's options make, or a RequestError saying which option is wrong."""
    try:
        return PackRequest(repo="", task=task, budget=budget, format=fmt, type=task_type, encoding=encoding,
                           owned=owned or None)
    except ValidationError as err:
        first = err.errors()[0]
        raise RequestError(f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from None


def pack_through_server(server: str | None, no_server: bool, index: Path | None, repo: Path,
                        req: Callable[[], PackRequest], note: Callable[[str], None]) -> tuple[str, str] | None:
    """(rendered bundle, server URL) when a server packs it; None to pack in-process: --no-server, --index
    (a server uses its own index), or no local server running. An explicit --server that can't be
    reached (or refuses the token) is an error; a discovered one is a `note` and an in-process pack."""
    if no_server:
        if server:
            raise RequestError("give --server URL or --no-server, not both")
        return None
    if server and index is not None:
        raise RequestError("--index applies to an in-process pack only; drop --server or --index")
    url = server or (discover() if index is None else None)
    if url is None:
        return None
    try:
        with Client(url) as client:
            return client.pack(repo, req()), url
    except (Unreachable, Unauthorized) as err:
        if server:
            raise
        note(f"{err}; packing in-process")
        return None
