"""The HTTP surface (FastAPI + uvicorn): a thin adapter over a `Workspace`, one route per facade call.

Owns the routes (and mounts the MCP surface at /mcp), the RFC 9457 problem bodies (every
`ContextpackError` mapped through `surface_form`, and the framework's own 401/404/405/413/422 in the same
shape), the bearer-token and body-size guard, the OpenAPI document, Continue's `http` context provider,
and running the server (`contextpack serve`).

    ws = Workspace(BundleStore(default_bundle_dir()), watch=True, settle=True)
    ws.register("~/src/django")
    app = create_app(ws, token=os.environ.get("CONTEXTPACK_TOKEN"))
    uvicorn.run(app, host="127.0.0.1", port=8765)       # or: contextpack serve --repo ~/src/django
"""

from __future__ import annotations

import contextlib
import hmac
import ipaddress
import json
import os
import sqlite3
import sys
import tomllib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, MutableMapping
from http import HTTPStatus
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import unquote, urlparse

import uvicorn
from fastapi import FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from . import __version__
from .bundle import Bundle, bundle_schema, render
from .bundle_store import BundleStore, default_bundle_dir
from .discovery import TOKEN_ENV
from .errors import ContextpackError, IndexStateError, NotFoundError, RepoError, RequestError, surface_form
from .models import (
    DEFAULT_BUDGET,
    MAX_BUDGET,
    MAX_TASK_BYTES,
    ExpandRequest,
    FileSlice,
    Format,
    IndexStatus,
    PackRequest,
    RefreshSummary,
    RegisterRequest,
    RepoMap,
    RepoSummary,
    SymbolHit,
    TaskType,
    VerifyRequest,
)
from .store import describe_db_error
from .tokens import DEFAULT_ENCODING
from .verify import Report
from .workspace import Workspace

PROBLEM = "application/problem+json"
MEDIA = {"json": "application/json", "md": "text/markdown; charset=utf-8", "xml": "application/xml"}
MAX_BODY_BYTES = 8 * 1024 * 1024  # a task of MAX_TASK_BYTES characters, JSON-escaped, with room to spare
OPEN_PATHS = frozenset({"/healthz"})  # the only path served without the bearer token
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
BUNDLE_ID_HEADER = "Contextpack-Bundle-Id"


# -- problem bodies (RFC 9457) ------------------------------------------------------------------------

class FieldError(BaseModel):
    loc: list[str | int] = Field(description="Where: body, query or path, then the field.")
    msg: str
    type: str


class Problem(BaseModel):
    """An RFC 9457 problem: `application/problem+json`."""
    type: str = Field("about:blank", description="A URI naming the kind of problem.")
    title: str = Field(description="Short summary of the kind of problem.")
    status: int = Field(description="The HTTP status code.")
    detail: str = Field(description="What went wrong with this request, in one line.")
    errors: list[FieldError] | None = Field(None, description="For 422 validation problems: each bad field.")


def problem(status: int, detail: str, title: str | None = None, type_: str = "about:blank",
            errors: list[dict] | None = None, headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"type": type_, "title": title or HTTPStatus(status).phrase, "status": status,
                            "detail": detail}
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def error_problem(err: ContextpackError) -> JSONResponse:
    form = surface_form(err)
    return problem(form.http_status, str(err), form.title, "urn:contextpack:problem:" + form.title.replace(" ", "-"))


def _field_errors(exc: RequestValidationError) -> list[dict]:
    # no `input` (a task can be a megabyte) and no `ctx` (may hold exception objects)
    return [{"loc": [p if isinstance(p, int) else str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")),
             "type": str(e.get("type", ""))} for e in exc.errors()]


def _validation_detail(errors: list[dict]) -> str:
    if not errors:
        return "the request is not valid"
    first = errors[0]
    where = ".".join(str(p) for p in first["loc"])
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}: {first['msg']}{more}"


# -- the guard: bearer token, Host header, body size (pure ASGI, so it also sees chunked bodies) ---------

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class BodyTooLarge(StarletteHTTPException):
    def __init__(self, limit: int):
        super().__init__(413, f"request body over {limit} bytes")


class Guard:
    """Refuses, before the app sees the request: a wrong or missing bearer token (401, when a token is
    set), a Host header naming another machine (400, when serving loopback only: DNS rebinding), and a
    body over `max_body` bytes (413: by Content-Length at once, or while a chunked body streams in)."""

    def __init__(self, app: Callable, token: str | None, max_body: int, hosts: frozenset[str] | None):
        self.app = app
        self.token = token.encode() if token else None
        self.max_body = max_body
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v for k, v in scope.get("headers", [])}
        if self.hosts is not None and not _host_allowed(headers.get("host"), self.hosts):
            await _send(send, problem(400, "the Host header names no address this server serves"))
            return
        if self.token is not None and scope.get("path") not in OPEN_PATHS and not self._authorized(headers):
            await _send(send, problem(401, "a bearer token is required: Authorization: Bearer <token>",
                                      headers={"WWW-Authenticate": 'Bearer realm="contextpack"'}))
            return
        length = headers.get("content-length")
        if length is not None:
            try:
                too_large = int(length) > self.max_body
            except ValueError:
                await _send(send, problem(400, "Content-Length is not a number"))
                return
            if too_large:
                await _send(send, problem(413, f"request body over {self.max_body} bytes"))
                return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise BodyTooLarge(self.max_body)
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except BodyTooLarge as exc:  # read outside FastAPI's handlers (FastAPI itself answers it as a problem)
            if started:
                raise
            await _send(send, problem(413, str(exc.detail)))

    def _authorized(self, headers: dict[str, bytes]) -> bool:
        scheme, _, credentials = headers.get("authorization", b"").partition(b" ")
        assert self.token is not None
        return scheme.lower() == b"bearer" and hmac.compare_digest(credentials.strip(), self.token)


async def _send(send: Send, response: Response) -> None:
    await send({"type": "http.response.start", "status": response.status_code, "headers": response.raw_headers})
    await send({"type": "http.response.body", "body": response.body})


def _host_allowed(host: bytes | None, allowed: frozenset[str]) -> bool:
    if host is None:
        return True  # HTTP/1.0 clients send none; a browser always does
    name = host.decode("latin-1").strip().lower()
    if name.startswith("["):
        name = name[1:name.find("]")] if "]" in name else name
    else:
        name = name.rsplit(":", 1)[0]
    return name in allowed


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


# -- Continue's `http` context provider ---------------------------------------------------------------

class ContinueOptions(BaseModel):
    model_config = ConfigDict(extra="ignore")  # the user's config may carry options meant for others
    repo: str | None = Field(None, description="A registered repository name; default: the one at workspacePath.")
    budget: int | None = Field(None, ge=0, le=MAX_BUDGET,
                               description=f"Default: the repository's [defaults] budget, else {DEFAULT_BUDGET}.")
    type: TaskType | None = None
    encoding: str | None = Field(None, max_length=64,
                                 description=f"Default: the repository's [defaults] encoding, else {DEFAULT_ENCODING}.")


class ContinueRequest(BaseModel):
    """What Continue's `http` context provider posts."""
    model_config = ConfigDict(extra="ignore")
    query: str = Field("", max_length=MAX_TASK_BYTES, description="Text typed after the provider's name.")
    fullInput: str = Field("", max_length=MAX_TASK_BYTES, description="The whole message: the task.")
    options: ContinueOptions = Field(default_factory=ContinueOptions)
    workspacePath: str | None = Field(None, max_length=4096, description="Workspace root (path or file:// URI).")


class ContextItemUri(BaseModel):
    type: str = "file"
    value: str


class ContextItem(BaseModel):
    name: str
    description: str
    content: str
    uri: ContextItemUri | None = None


def _workspace_root(value: str) -> str:
    if value.startswith("file://"):
        return unquote(urlparse(value).path)
    return value


# -- the app ------------------------------------------------------------------------------------------

BundleId = Annotated[str, PathParam(pattern="^[0-9a-f]{64}$", description="A bundle's id (64 hex digits).")]
_PROBLEM_RESPONSE = {"model": Problem, "content": {PROBLEM: {}}}
_BUNDLE_CONTENT = {"text/markdown": {"schema": {"type": "string"}}, "application/xml": {"schema": {"type": "string"}}}


def _errors(*statuses: int) -> dict[int | str, dict]:
    responses: dict[int | str, dict] = {s: {**_PROBLEM_RESPONSE, "description": HTTPStatus(s).phrase}
                                        for s in statuses}
    responses["default"] = {**_PROBLEM_RESPONSE, "description": "Any other problem"}
    return responses


def _bundle_response(bundle: Bundle, fmt: str) -> Response:
    # the id as a header too: a client that asked for md or xml can still fetch and expand the bundle
    return Response(render(bundle, fmt), media_type=MEDIA[fmt], headers={BUNDLE_ID_HEADER: bundle.id})


def create_app(workspace: Workspace, *, token: str | None = None, max_body: int = MAX_BODY_BYTES,
               hosts: Iterable[str] | None = None, mcp_host: str | None = None) -> FastAPI:
    """The FastAPI app over `workspace`. `token`: required on every path but /healthz when set. `hosts`:
    the only Host header names accepted (loopback serving: refuses DNS-rebound requests). `mcp_host`: the
    bound address, to serve MCP (streamable HTTP) at /mcp as well, behind the same guard; the app's
    lifespan must then run (uvicorn: lifespan="on")."""
    lifespan = None
    mcp = None
    if mcp_host is not None:
        from .mcp_server import mcp_http_app

        mcp = mcp_http_app(workspace, host=mcp_host)

        @contextlib.asynccontextmanager
        async def lifespan(app: FastAPI) -> AsyncIterator[None]:
            async with mcp.lifespan:
                yield

    app = FastAPI(title="contextpack", version=__version__, docs_url=None, redoc_url=None, lifespan=lifespan,
                  generate_unique_id_function=lambda route: route.name,  # operationId: the function's name
                  description="The smallest set of code an agent needs for a task, under an exact token budget. "
                              "Every error is an RFC 9457 problem (application/problem+json).")
    ws = workspace

    @app.exception_handler(ContextpackError)
    async def _contextpack_error(request: Request, exc: ContextpackError) -> Response:
        return error_problem(exc)

    @app.exception_handler(sqlite3.DatabaseError)
    async def _database_error(request: Request, exc: sqlite3.DatabaseError) -> Response:
        return error_problem(IndexStateError(describe_db_error("file", exc)))  # the CLI's wording

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> Response:  # uvicorn still logs the traceback
        return problem(500, f"internal error ({type(exc).__name__}); the server log has the details")

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = _field_errors(exc)
        return problem(422, _validation_detail(errors), errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"no route {request.url.path}"
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            detail = f"{request.method} is not allowed on {request.url.path}"
            headers["Allow"] = ", ".join(_allowed_methods(app, request.scope))
        return problem(exc.status_code, detail, headers=headers)

    pack_errors = _errors(401, 404, 413, 422)

    @app.post("/v1/pack", response_model=Bundle, responses={200: {"content": _BUNDLE_CONTENT}, **pack_errors},
              summary="Pack the context a task needs into a bundle", tags=["bundles"])
    def pack(req: PackRequest) -> Response:
        return _bundle_response(ws.pack(req), req.format)

    @app.get("/v1/bundles/{bundle_id}", response_model=Bundle,
             responses={200: {"content": _BUNDLE_CONTENT}, **_errors(401, 404, 422)},
             summary="A bundle made earlier, by id", tags=["bundles"])
    def get_bundle(bundle_id: BundleId, format: Format = "json") -> Response:
        return _bundle_response(ws.bundle(bundle_id), format)

    @app.post("/v1/bundles/{bundle_id}/expand", response_model=Bundle,
              responses={200: {"content": _BUNDLE_CONTENT}, **_errors(401, 404, 409, 413, 422)},
              summary="A delta bundle: omitted entries, symbols or paths the parent did not show", tags=["bundles"])
    def expand(bundle_id: BundleId, req: ExpandRequest) -> Response:
        return _bundle_response(ws.expand(bundle_id, req), req.format)

    @app.post("/v1/verify", response_model=Report, responses=_errors(401, 404, 413, 422),
              summary="Check a patch against a kept bundle's contract: pass, warn or fail", tags=["bundles"])
    def verify(req: VerifyRequest) -> Report:
        return ws.verify(req)

    @app.get("/v1/repos", response_model=list[RepoSummary], responses=_errors(401),
             summary="Registered repositories", tags=["repositories"])
    def list_repos() -> list[RepoSummary]:
        return ws.repos()

    @app.post("/v1/repos", response_model=RepoSummary, status_code=201, responses=_errors(401, 413, 422),
              summary="Register a repository (idempotent for the same path)", tags=["repositories"])
    def register(req: RegisterRequest) -> RepoSummary:
        if not os.path.isabs(req.path):
            raise RequestError(f"the repository path must be absolute: {req.path[:200]!r}")
        return _register(ws, req.path, req.name)

    @app.post("/v1/repos/{name}/index", response_model=RefreshSummary, responses=_errors(401, 404),
              summary="Refresh the index now (incremental)", tags=["repositories"])
    def index(name: str) -> RefreshSummary:
        return ws.index(name)

    @app.get("/v1/repos/{name}/symbols", response_model=list[SymbolHit], responses=_errors(401, 404, 422),
             summary="Definitions by name or (suffix of a) qualified name", tags=["repositories"])
    def symbols(name: str, q: str = Query(min_length=1, max_length=1000, pattern=r"\S"),
                limit: int = Query(50, ge=1, le=1000)) -> list[SymbolHit]:
        return ws.symbols(name, q, limit)

    @app.get("/v1/repos/{name}/files/{path:path}", response_model=FileSlice, responses=_errors(401, 403, 404, 422),
             summary="Lines of an indexed file (1-based, inclusive), secrets redacted", tags=["repositories"])
    def read(name: str, path: str, start: int | None = Query(None, ge=1),
             end: int | None = Query(None, ge=0)) -> FileSlice:
        # `path` is percent-decoded once by the server and never again; the facade refuses `..`,
        # absolute paths and files outside the root or never indexed
        return ws.read(name, path, start, end)

    @app.get("/v1/repos/{name}/map", response_model=RepoMap, responses=_errors(401, 404, 422),
             summary="Ranked map of the repository's signatures within a token budget", tags=["repositories"])
    def repo_map(name: str, budget: int = Query(1024, ge=0, le=MAX_BUDGET),
                 encoding: str = Query(DEFAULT_ENCODING, max_length=64)) -> RepoMap:
        return ws.repo_map(name, budget, encoding)

    @app.get("/v1/repos/{name}/stats", response_model=IndexStatus, responses=_errors(401, 404),
             summary="What the index holds and its latest change", tags=["repositories"])
    def stats(name: str) -> IndexStatus:
        return ws.status(name)

    @app.get("/v1/schema", responses=_errors(401), summary="JSON Schema of the bundle (contextpack.bundle/v1)",
             tags=["bundles"])
    def schema() -> dict[str, Any]:
        return bundle_schema()

    @app.post("/v1/continue", response_model=list[ContextItem], responses=_errors(401, 404, 413, 422),
              summary="Continue's `http` context provider: one context item per bundle item, plus the contract",
              tags=["integrations"])
    def continue_provider(req: ContinueRequest) -> list[ContextItem]:
        opts = req.options
        name = opts.repo or _repo_at(ws, req.workspacePath)
        task = req.fullInput.strip() or req.query.strip()
        if not task:
            raise RequestError("no task: Continue sent an empty query and input")
        bundle = ws.pack(PackRequest(repo=name, task=task, budget=opts.budget, type=opts.type, encoding=opts.encoding))
        root = Path(ws.summary(name).root)
        items = [ContextItem(name=f"{it.path} ({it.kind})", content=it.content,
                             description=f"{it.path} lines {_ranges(it.ranges)}, {it.tokens} tokens: "
                                         + "; ".join(it.reasons),
                             uri=ContextItemUri(value=(root / it.path).as_uri())) for it in bundle.items]
        contract = json.dumps(bundle.contract.model_dump(mode="json"), indent=2, ensure_ascii=False)
        items.append(ContextItem(name="contract", content=contract,
                                 description=f"contextpack bundle {bundle.id[:12]}: what the task owns, may only "
                                             "read, must preserve, and the tests that show it is done"))
        return items

    @app.get("/healthz", responses=_errors(), summary="Liveness (no token needed)", tags=["service"])
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    if mcp is not None:  # /mcp answered directly, /mcp/ through the mount (the MCP SDK's routes, not in OpenAPI)
        app.add_route("/mcp", mcp.app, include_in_schema=False)
        app.mount("/mcp", mcp.app)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    app.add_middleware(Guard, token=token, max_body=max_body, hosts=frozenset(hosts) if hosts is not None else None)
    return app


def _allowed_methods(app: FastAPI, scope: Scope) -> list[str]:
    """Every method some route serves at this path (Starlette names only the first route's)."""
    methods: set[str] = set()
    for route in app.router.routes:
        if route.matches(scope)[0] != Match.NONE:
            methods |= getattr(route, "methods", None) or set()
    return sorted(methods)


def _ranges(ranges: list[tuple[int, int]]) -> str:
    return ", ".join(f"{a}-{b}" if a != b else str(a) for a, b in ranges)


def _repo_at(ws: Workspace, workspace_path: str | None) -> str:
    """The registered repository whose root is `workspace_path`, registered now if none is."""
    if not workspace_path:
        raise RequestError("name the repository: options.repo, or send workspacePath")
    path = _workspace_root(workspace_path)
    if not os.path.isabs(path):
        raise RequestError(f"workspacePath must be absolute: {path[:200]!r}")
    real = os.path.realpath(path)
    for summary in ws.repos():
        if summary.root == real:
            return summary.name
    try:
        return _register(ws, path, None).name
    except ContextpackError as err:
        raise NotFoundError(f"no repository at {path[:200]}: {err}") from None


def _register(ws: Workspace, path: str, name: str | None) -> RepoSummary:
    try:
        return ws.register(path, name)
    except OSError as err:  # resolve_root lets some through (a name too long for the file system)
        raise RepoError(f"repository path can't be used: {err.strerror or err}") from None


# -- the OpenAPI document -----------------------------------------------------------------------------

def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, with every error declared as a problem (its own 422 shape removed) and the
    bearer scheme named."""
    if app.openapi_schema:
        return app.openapi_schema
    from fastapi.openapi.utils import get_openapi

    doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    for gone in ("HTTPValidationError", "ValidationError"):
        schemas.pop(gone, None)
    doc["components"]["securitySchemes"] = {"bearer": {
        "type": "http", "scheme": "bearer",
        "description": f"Required when the server has a token (${TOKEN_ENV}); always when it binds beyond loopback."}}
    for path, ops in doc["paths"].items():
        for op in ops.values():
            responses = op["responses"]
            for status, resp in responses.items():
                if status == "default" or int(status) >= 400:  # FastAPI's own 422 included
                    resp["content"] = {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}
            if "422" in responses:
                responses["422"]["description"] = "Unprocessable Content: the request is not valid"
            if "401" in responses:
                responses["401"]["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"}}}
            op["security"] = [] if path in OPEN_PATHS else [{"bearer": []}]
    # every bundle response names its id in a header; a pack leads to the bundle endpoints (clients and
    # stateful fuzzing follow these links)
    id_header = {BUNDLE_ID_HEADER: {"description": "The bundle's id, whatever the format.",
                                    "schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"}}}
    for path, method in (("/v1/pack", "post"), ("/v1/bundles/{bundle_id}", "get"),
                         ("/v1/bundles/{bundle_id}/expand", "post")):
        doc["paths"][path][method]["responses"]["200"]["headers"] = id_header
    by_id = {"bundle_id": f"$response.header.{BUNDLE_ID_HEADER}"}
    doc["paths"]["/v1/pack"]["post"]["responses"]["200"]["links"] = {
        "GetBundle": {"operationId": "get_bundle", "parameters": by_id},
        "ExpandBundle": {"operationId": "expand", "parameters": by_id}}
    app.openapi_schema = doc
    return doc


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document of the API (what `contextpack serve --print-openapi` prints)."""
    ws = Workspace(BundleStore(default_bundle_dir()))  # no engine is opened to describe the routes
    return create_app(ws).openapi()


def openapi_text() -> str:
    return json.dumps(openapi_document(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# -- serving ------------------------------------------------------------------------------------------

def load_repos_config(path: Path) -> dict[str, str]:
    """`[repos] name = "/path"` of a TOML file: name → path."""
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except OSError as err:
        raise RequestError(f"cannot read config {path}: {err.strerror or err}") from None
    except tomllib.TOMLDecodeError as err:
        raise RequestError(f"config {path} is not valid TOML: {err}") from None
    repos = data.get("repos", {})
    if not isinstance(repos, dict) or not all(isinstance(v, str) for v in repos.values()):
        raise RequestError(f'config {path}: [repos] must map names to paths (name = "/path")')
    base = path.resolve().parent
    return {name: str(base / Path(p).expanduser()) for name, p in repos.items()}


def serve(repos: list[tuple[str | None, str]], *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
          watch: bool = True, token: str | None = None, max_body: int = MAX_BODY_BYTES, mcp: bool = True,
          on_ready: Callable[[str], None] | None = None, on_exit: Callable[[], None] | None = None) -> None:
    """Register `repos` ((name or None, path) pairs), then serve until interrupted. Binding any address
    but loopback needs a token. `on_ready(url)` runs once the socket listens; `on_exit` when it stops."""
    if not is_loopback(host) and not token:
        raise RequestError(f"binding {host} (beyond loopback) needs a bearer token: set {TOKEN_ENV}")
    ws = Workspace(BundleStore(default_bundle_dir()), watch=watch, settle=True)
    done = False

    def stop() -> None:  # once: uvicorn re-raises SIGINT/SIGTERM after its graceful shutdown, ending the process
        nonlocal done
        if not done:
            done = True
            if on_exit is not None:
                on_exit()
            ws.close()

    try:
        for name, path in repos:
            ws.register(path, name)
        hosts = LOOPBACK_NAMES | {host.strip("[]").lower()} if is_loopback(host) else None
        app = create_app(ws, token=token, max_body=max_body, hosts=hosts, mcp_host=host if mcp else None)
        config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False,
                                server_header=False, lifespan="on" if mcp else "off")
        server = _Server(config, on_ready, stop)
        try:
            server.run()
        except SystemExit:  # uvicorn exits when it can't bind
            server.started = False
        if not server.started:
            raise RequestError(f"could not listen on {host}:{port} (in use, or not allowed)")
    finally:
        stop()


def _url(host: str, port: int) -> str:
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class _Server(uvicorn.Server):
    """uvicorn's server, telling `on_ready` the URL once it listens (the real port when asked for 0)."""

    def __init__(self, config: uvicorn.Config, on_ready: Callable[[str], None] | None, on_stop: Callable[[], None]):
        super().__init__(config)
        self.on_ready = on_ready
        self.on_stop = on_stop

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        with super().capture_signals():
            try:
                yield
            finally:
                self.on_stop()  # before uvicorn re-raises the signal that stopped it

    async def startup(self, sockets: list | None = None) -> None:
        await super().startup(sockets)
        if self.started and self.on_ready is not None:
            port = self.servers[0].sockets[0].getsockname()[1] if self.servers else self.config.port
            self.on_ready(_url(self.config.host, port))


def print_openapi() -> None:
    sys.stdout.write(openapi_text())
