"""The MCP surface: the workspace's facade as tools and resources of the official MCP SDK (`mcp` 2.x).

Every capability is a tool (pack, expand, fetch a bundle again, find a symbol, read a range, map, index
status, list repositories), read-only and idempotent; bundles are also resources. Each tool returns its
facade model as structured output (with an output schema) and a text rendering for the model to read.
Errors of the `ContextpackError` family, bad arguments and crashes all become one-line tool errors
(`isError`), never a dead server; a result over the client's output cap is refused with how to ask
for less, never cut.

    server = create_server(Workspace(BundleStore(default_bundle_dir()), watch=True))
    server.run("stdio")                              # `contextpack mcp --repo .`
    mcp = mcp_http_app(workspace)                    # for the HTTP server: app.mount("/mcp", mcp.app)
    async with mcp.lifespan: ...                     # inside the HTTP server's lifespan
"""

# no `from __future__ import annotations`: the tools' parameter annotations hold per-server values
# (defaults, the output cap) that the SDK reads from the live function, not from strings
import inspect
import json
import logging
import os
import sqlite3
import sys
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Annotated, Any, NamedTuple, TypeVar

import anyio
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError, ToolError, UnexpectedToolError
from mcp.server.streamable_http_manager import StreamableHTTPASGIApp
from mcp.shared.exceptions import MCPError
from mcp_types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from . import __version__
from .bundle import Bundle, render
from .bundle_store import BundleStore, default_bundle_dir
from .errors import ERROR_FORMS, ContextpackError, IndexStateError, NotFoundError, RequestError, surface_form
from .models import (
    DEFAULT_BUDGET,
    DEFAULT_EXPAND_BUDGET,
    MAX_BUDGET,
    MAX_DIFF_BYTES,
    MAX_EXPAND_TARGETS,
    REVISION_PATTERN,
    ExpandRequest,
    FileSlice,
    IndexStatus,
    PackRequest,
    RepoMap,
    RepoSummary,
    SymbolHit,
    TaskType,
    VerifyRequest,
)
from .store import describe_db_error
from .tokens import get_tokenizer
from .verify import Report, render_text
from .workspace import Workspace

log = logging.getLogger("contextpack.mcp")

# Claude Code refuses a tool result over 25,000 tokens unless MAX_MCP_OUTPUT_TOKENS says otherwise
# (https://code.claude.com/docs/en/mcp, "MCP output limits"); the same variable sets our default cap.
DEFAULT_MAX_OUTPUT_TOKENS = 25_000
DEFAULT_MAP_BUDGET = 2000
MAX_ERROR_CHARS = 1000  # one line; Claude Code cuts longer error texts anyway
BUNDLE_URI = "contextpack://bundles/{bundle_id}"
BUNDLE_JSON_URI = "contextpack://bundles/{bundle_id}/json"

# every tool only reads the repository; pack, expand and index_status may refresh contextpack's own
# index cache, which is idempotent (the same tree gives the same index and the same answers)
READ_ONLY = dict(read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False)

INSTRUCTIONS = """\
contextpack packs the code a task needs under an exact token budget. Start a task with pack_context
(the task text: an issue, a request, a failing test, a diff); it returns a bundle with the most relevant
code, a contract (what to edit, what to preserve, which tests prove done) and an `omitted` list. Get
more with expand_context(bundle_id, refs=[...]) from that list, rather than packing again with a
bigger budget: a delta repeats nothing already shown. find_symbol and read_range answer precise
lookups; repo_map orients in an unfamiliar repository. Every tool is read-only."""


class RepoList(BaseModel):
    """The repositories a server serves."""

    repos: list[RepoSummary]


class SymbolList(BaseModel):
    """The definitions found for a query, best first."""

    repo: str
    query: str
    hits: list[SymbolHit]


class McpHttp(NamedTuple):
    """What the HTTP server mounts at /mcp (`app`, an ASGI app answering at whatever path it is mounted on)
    and the context manager to hold open for the server's lifetime (`lifespan`; it can be entered once)."""

    app: Any
    lifespan: AbstractAsyncContextManager[None]


class _Server(MCPServer):
    """An MCPServer whose failing tool calls are one-line tool errors, mapped through the error table."""

    async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
        try:
            return await super().call_tool(name, arguments, context)
        except MCPError:
            raise
        except Exception as exc:  # every failure becomes a tool error
            return CallToolResult(content=[TextContent(type="text", text=tool_error_text(name, exc))],
                                  is_error=True)


def tool_error_text(tool: str, exc: BaseException) -> str:
    """The one line a failing tool call answers with: `<title>: <message>` from the error table for the
    contextpack error family, the fields at fault for bad arguments, the exception's type otherwise."""
    cause = exc.__cause__ if isinstance(exc, ToolError) and exc.__cause__ is not None else exc
    if isinstance(cause, ContextpackError):
        text = f"{surface_form(cause).title}: {cause}"
    elif isinstance(cause, ValidationError):
        text = "invalid arguments: " + "; ".join(_field_error(e) for e in cause.errors()[:5])
    elif isinstance(cause, sqlite3.DatabaseError):  # a damaged index page, as the CLI reports it
        text = f"{ERROR_FORMS[IndexStateError].title}: {describe_db_error('file', cause)}"
    elif isinstance(exc, ToolError) and not isinstance(exc, UnexpectedToolError):
        text = str(exc)  # the SDK's own refusal, e.g. an unknown tool
    else:
        log.error("tool %s failed", tool, exc_info=cause)
        first = str(cause).strip().splitlines()[0] if str(cause).strip() else ""
        text = f"internal error in {tool}: {type(cause).__name__}" + (f": {first}" if first else "")
    text = " ".join(text.split())
    return text if len(text) <= MAX_ERROR_CHARS else text[:MAX_ERROR_CHARS - 1] + "…"


def _field_error(err: Any) -> str:
    where = ".".join(str(p) for p in err.get("loc", ())) or "arguments"
    got = err.get("input")
    shown = "" if isinstance(got, dict | list) or got is None else f" (got {json.dumps(got)[:60]})"
    return f"{where}: {err.get('msg', 'invalid')}{shown}"


def max_output_tokens_default() -> int:
    """$MAX_MCP_OUTPUT_TOKENS (Claude Code's own cap, when set and valid), else 25,000."""
    raw = os.environ.get("MAX_MCP_OUTPUT_TOKENS", "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else DEFAULT_MAX_OUTPUT_TOKENS


_T = TypeVar("_T")


def create_server(workspace: Workspace, *, max_output_tokens: int | None = None,
                  log_level: str = "WARNING") -> MCPServer:
    """An MCP server over `workspace` (which the caller owns and closes). `max_output_tokens`: the
    largest result a tool may return, counted with the tokenizer over its text and structured copies."""
    cap = max_output_tokens or max_output_tokens_default()
    if cap < 1:
        raise RequestError(f"max_output_tokens must be positive, got {cap}")
    # a bundle result carries the bundle twice (markdown for the model, JSON for the client) with the
    # reasons, contract and omitted list: about 3x its budget in all (8000 → ~24,000 on this project),
    # so the default budgets keep to a quarter of the cap and the advice to under a third
    roomy = max(100, cap // 4 // 500 * 500)
    pack_default = min(DEFAULT_BUDGET, roomy)
    expand_default = min(DEFAULT_EXPAND_BUDGET, roomy)
    advised = max(100, cap * 3 // 10 // 100 * 100)
    server = _Server("contextpack", title="contextpack", version=__version__, instructions=INSTRUCTIONS,
                     log_level=log_level)  # type: ignore[arg-type]

    async def call(fn: Callable[..., _T], *args: Any) -> _T:
        return await anyio.to_thread.run_sync(fn, *args)

    def repo_name(repo: str | None) -> str:
        if repo:
            return repo
        names = workspace.names()
        if len(names) == 1:
            return names[0]
        if not names:
            raise NotFoundError("no repository is registered; start the server with --repo PATH")
        raise RequestError(f"give `repo`: {len(names)} repositories are registered ({', '.join(names)})")

    def structured(model: BaseModel | Report) -> dict[str, Any]:
        if isinstance(model, BaseModel):
            return model.model_dump(mode="json", by_alias=True)
        return _REPORT.dump_python(model, mode="json")

    def size(model: BaseModel | Report, text: str) -> int:
        """Tokens of a result: its text and its structured content as the wire carries it."""
        tok = get_tokenizer()
        wire = json.dumps(structured(model), ensure_ascii=False, separators=(",", ":"))
        return tok.count(text) + tok.count(wire)

    def result(model: BaseModel | Report, text: str, ask_for_less: str | Callable[[int], str]) -> CallToolResult:
        """The tool result: `text` for the model, `model` as structured content; refused over the cap."""
        tokens = size(model, text)
        if tokens > cap:
            hint = ask_for_less(tokens) if callable(ask_for_less) else ask_for_less
            raise RequestError(f"the result would be {tokens} tokens, over this server's output cap of {cap} "
                               f"(max_output_tokens, sized to the client's limit); {hint}")
        return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=structured(model))

    def bundle_text(bundle: Bundle) -> str:
        return render(bundle, "md") + (
            f"\n_Bundle id `{bundle.id}`: pass it to expand_context with refs from the omitted list for more; "
            f"also readable as {BUNDLE_URI.format(bundle_id=bundle.id)}_\n")

    def bundle_result(bundle: Bundle) -> CallToolResult:
        def ask_for_less(tokens: int) -> str:
            # the result is a fixed part (contract, reasons, omitted list) plus about k tokens per token of code
            bare = bundle.model_copy(update={"items": [it.model_copy(update={"content": ""}) for it in bundle.items]})
            fixed = size(bare, bundle_text(bare))
            per = (tokens - fixed) / max(1, bundle.budget.used)
            fit = int((cap * 0.95 - fixed) / per) // 50 * 50 if per > 0 else 0
            if fit <= 0:
                return (f"even without its code the result is {fixed} tokens (contract, reasons, omitted list); "
                        "raise max_output_tokens")
            return f"ask again with budget={fit} or less, and use expand_context for more"

        return result(bundle, bundle_text(bundle), ask_for_less)

    RepoArg = Annotated[str | None, Field(
        description="Name of a registered repository (see list_repos); may be omitted when exactly one is "
                    "registered.")]
    TaskArg = Annotated[str, Field(min_length=1, description=(
        "The task in plain words or pasted as is: an issue, a feature request, a failing test's output, "
        "a stack trace, a diff."))]
    BundleIdArg = Annotated[str, Field(description="`id` of a bundle returned by pack_context or expand_context.")]

    def tool(title: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def register(fn: Callable[..., Any]) -> Callable[..., Any]:
            server.add_tool(fn, title=title, description=inspect.cleandoc(fn.__doc__ or ""),
                            annotations=ToolAnnotations(title=title, **READ_ONLY))
            return fn
        return register

    @tool("Pack context for a task")
    async def pack_context(
        task: TaskArg,
        repo: RepoArg = None,
        budget: Annotated[int, Field(ge=0, le=MAX_BUDGET, description=(
            f"Token budget (cl100k_base) of the bundle's content; never exceeded. Default {pack_default}. "
            f"A result over {cap} tokens in all (the markdown and the structured copy, about 3x the budget) "
            f"is refused, so stay under about {advised}; use expand_context for more."))] = pack_default,
        type: Annotated[TaskType | None, Field(
            description="Task type; inferred from the text when omitted.")] = None,
        owned: Annotated[list[str] | None, Field(max_length=MAX_EXPAND_TARGETS, description=(
            "Pin the contract's owned files: repository paths, directories ending in /, or globs. Default: "
            "the files the ranking finds most likely to change."))] = None,
    ) -> Annotated[CallToolResult, Bundle]:
        """Pack the code a coding task needs into a bundle under an exact token budget: the most relevant
        files, snippets and signatures (each with the reasons it was chosen), a contract (paths the task
        owns, read-only paths, public signatures to preserve, tests that are the evidence of done, the
        repository's rules files) and an `omitted` list of the next most relevant pieces with their token
        cost. Call it first for a new task. To see more, call expand_context with the bundle id and `ref`s
        from `omitted` instead of packing again with a bigger budget. Read-only: it never changes the
        repository (it may refresh contextpack's own index cache); the same repository state and request
        give the same bundle id."""
        req = PackRequest(repo=repo_name(repo), task=task, budget=budget, type=type, owned=owned)
        return bundle_result(await call(workspace.pack, req))

    @tool("Expand a bundle")
    async def expand_context(
        bundle_id: BundleIdArg,
        refs: Annotated[list[str], Field(max_length=MAX_EXPAND_TARGETS, description=(
            "`ref`s of entries in the bundle's `omitted` list."))] = [],  # noqa: B006 - copied by pydantic
        symbols: Annotated[list[str], Field(max_length=MAX_EXPAND_TARGETS, description=(
            "Definitions to add, by name or qualified-name suffix (e.g. `Cart.total`)."))] = [],  # noqa: B006
        paths: Annotated[list[str], Field(max_length=MAX_EXPAND_TARGETS, description=(
            "Repository-relative paths of files to add."))] = [],  # noqa: B006
        budget: Annotated[int, Field(ge=0, le=MAX_BUDGET, description=(
            f"Token budget of the delta. Default {expand_default}."))] = expand_default,
    ) -> Annotated[CallToolResult, Bundle]:
        """Add to a bundle what it left out: `refs` from its `omitted` list, and/or definitions by name,
        and/or whole files by path (at least one). Returns a delta bundle whose `parent` is `bundle_id`
        and that shows only lines the bundle and its ancestors did not show (nothing is repeated), under
        its own budget; what still does not fit is in the delta's `omitted`. Refused as stale when a file
        asked for changed since the bundle was packed (pack again then). Read-only and idempotent."""
        req = ExpandRequest(refs=refs, symbols=symbols, paths=paths, budget=budget)
        return bundle_result(await call(workspace.expand, bundle_id, req))

    @tool("Get a bundle")
    async def get_bundle(bundle_id: BundleIdArg) -> Annotated[CallToolResult, Bundle]:
        """Fetch a bundle made earlier again, by id (the same as reading the resource
        contextpack://bundles/{id}). Bundles are kept on disk, oldest evicted first. Read-only."""
        return bundle_result(await call(workspace.bundle, bundle_id))

    @tool("Verify a patch")
    async def verify_patch(
        bundle_id: BundleIdArg,
        diff: Annotated[str | None, Field(min_length=1, max_length=MAX_DIFF_BYTES, description=(
            "A unified diff (`git diff` output), applied to the work tree or not. Default: the work tree's "
            "changes against `base`, untracked files included."))] = None,
        base: Annotated[str | None, Field(min_length=1, max_length=256, pattern=REVISION_PATTERN, description=(
            "Revision the work tree is compared with when no diff is given. Default HEAD."))] = None,
        allow_outside: Annotated[bool, Field(description=(
            "Files changed outside the bundle warn instead of failing."))] = False,
    ) -> Annotated[CallToolResult, Report]:
        """Check a patch against the contract of the bundle it was made from, before calling the work
        done: files changed outside `owned` (warn) or outside the bundle (fail), preserved signatures
        changed or removed (old → new, and the callers that break), files that changed since the bundle
        (stale), new files, and the evidence tests that cover the changed definitions with the exact
        command that runs them (listed, never run here). Verdict pass / warn / fail. Read-only for the
        repository (the verdict is noted in contextpack's own spend ledger)."""
        req = VerifyRequest(bundle=bundle_id, diff=diff, base=base, allow_outside=allow_outside)
        report = await call(workspace.verify, req)
        return result(report, render_text(report), "verify a smaller diff")

    @tool("Find a symbol")
    async def find_symbol(
        query: Annotated[str, Field(min_length=1, description=(
            "A name or qualified-name suffix, e.g. `apply_discount`, `Cart.total`, `QuerySet.bulk_create`."))],
        repo: RepoArg = None,
        limit: Annotated[int, Field(ge=1, le=1000, description="At most this many definitions.")] = 20,
    ) -> Annotated[CallToolResult, SymbolList]:
        """Find definitions (functions, classes, methods, ...) by name or qualified-name suffix: the path,
        line range, kind, qualified name and signature of each (secrets redacted). Use it to locate code,
        then read_range to read it. An empty `hits` list means nothing is defined under that name.
        Read-only."""
        name = repo_name(repo)
        hits = await call(workspace.symbols, name, query, limit)
        lines = [f"{h.path}:{h.line}-{h.end_line} {h.kind} {h.qualname}\n    {h.signature}" for h in hits]
        text = "\n".join(lines) + "\n" if lines else f"no definition named {query!r} in {name}\n"
        return result(SymbolList(repo=name, query=query, hits=hits), text, "ask with a smaller limit")

    @tool("Read lines of a file")
    async def read_range(
        path: Annotated[str, Field(min_length=1, description="Repository-relative path, '/'-separated.")],
        repo: RepoArg = None,
        start: Annotated[int | None, Field(ge=1, description="First line, 1-based (default 1).")] = None,
        end: Annotated[int | None, Field(ge=0, description="Last line, inclusive (default: the end).")] = None,
    ) -> Annotated[CallToolResult, FileSlice]:
        """Read lines start..end (1-based, inclusive; the whole file by default) of a file of the
        repository as it is on disk now, secrets redacted. Only files contextpack indexes can be read
        (no paths outside the repository, no ignored or binary files). Read-only."""
        got = await call(workspace.read, repo_name(repo), path, start, end)
        text = f"{got.path} lines {got.start}-{got.end} of {got.total_lines}\n{got.content}"
        return result(got, text, "ask for a narrower range with start and end")

    @tool("Map the repository")
    async def repo_map(
        repo: RepoArg = None,
        budget: Annotated[int, Field(ge=0, le=MAX_BUDGET, description=(
            f"Token budget of the map; never exceeded. Default {DEFAULT_MAP_BUDGET}."))] = DEFAULT_MAP_BUDGET,
    ) -> Annotated[CallToolResult, RepoMap]:
        """A map of the repository's most central definitions (PageRank over imports and references),
        file by file with their signatures, cut to fit the budget exactly. Use it to orient in an
        unfamiliar repository before packing or reading. Read-only."""
        got = await call(workspace.repo_map, repo_name(repo), budget)
        return result(got, got.text, "ask with a smaller budget")

    @tool("Index status")
    async def index_status(
        repo: RepoArg = None,
        refresh: Annotated[bool, Field(description=(
            "Bring the index up to date first (incremental: only changed files are parsed)."))] = True,
    ) -> Annotated[CallToolResult, IndexStatus]:
        """What a repository's index holds (files by language; definitions, references, imports), whether
        a file watcher keeps it fresh, and what the latest refresh that changed it changed (`last_change`:
        the paths added, edited or deleted, and when). Read-only for the repository: a refresh writes only
        contextpack's own index cache, and refreshing an unchanged tree changes nothing."""
        name = repo_name(repo)
        if refresh:
            await call(workspace.index, name)
        got = await call(workspace.status, name)
        return result(got, _status_text(got), "the status is too large for the output cap")

    @tool("List repositories")
    async def list_repos() -> Annotated[CallToolResult, RepoList]:
        """The repositories this server serves, by name, with their root directory and index state. The
        other tools take one of these names as `repo` (optional when only one is registered). Read-only."""
        repos = await call(workspace.repos)
        text = "".join(f"{r.name}: {r.root} ({f'{r.files} files indexed' if r.indexed else 'not indexed yet'}"
                       f"{', watched' if r.watching else ''})\n" for r in repos) or "no repository is registered\n"
        return result(RepoList(repos=repos), text, "too many repositories for the output cap")

    async def read_bundle(bundle_id: str, fmt: str) -> str:
        try:
            bundle = await call(workspace.bundle, bundle_id)
        except (NotFoundError, RequestError) as err:  # evicted, never made, or not an id: invalid params
            raise ResourceNotFoundError(f"{surface_form(err).title}: {err}") from None
        except ContextpackError as err:
            raise ResourceError(f"{surface_form(err).title}: {err}") from None
        return render(bundle, fmt)

    @server.resource(BUNDLE_URI, name="bundle", title="Context bundle (markdown)", mime_type="text/markdown",
                     description="A bundle made by pack_context or expand_context, rendered as markdown.")
    async def bundle_markdown(bundle_id: str) -> str:
        return await read_bundle(bundle_id, "md")

    @server.resource(BUNDLE_JSON_URI, name="bundle-json", title="Context bundle (JSON)",
                     mime_type="application/json",
                     description="A bundle made by pack_context or expand_context, as contextpack.bundle/v1 JSON.")
    async def bundle_json(bundle_id: str) -> str:
        return await read_bundle(bundle_id, "json")

    return server


_REPORT = TypeAdapter(Report)


def _status_text(s: IndexStatus) -> str:
    langs = ", ".join(f"{k} {v}" for k, v in s.files_by_language.items()) or "none"
    lines = [f"{s.repo}: {s.root}", f"index: {s.index_path} (digest {(s.digest or 'none')[:12]})",
             f"files: {langs}", "counts: " + ", ".join(f"{k} {v}" for k, v in s.counts.items()),
             f"watching: {'yes' if s.watching else 'no'}"]
    if s.last_change is None:
        lines.append("last change: none in this process")
    else:
        c = s.last_change
        shown = ", ".join(c.changed[:20]) + (f", … ({len(c.changed)} in all)" if len(c.changed) > 20 else "")
        lines.append(f"last change (unix time {c.finished_at}): {c.added} added, {c.parsed} parsed, "
                     f"{c.deleted} deleted: {shown or 'nothing listed'}")
    return "\n".join(lines) + "\n"


def mcp_http_app(workspace: Workspace, *, max_output_tokens: int | None = None,
                 host: str = "127.0.0.1") -> McpHttp:
    """The MCP server over `workspace` as streamable HTTP, for an HTTP server to mount at /mcp:

        mcp = mcp_http_app(workspace, host=bind_host)
        app.add_route("/mcp", mcp.app)       # /mcp answered directly (FastAPI/Starlette: an ASGI endpoint)
        app.mount("/mcp", mcp.app)           # and /mcp/ (alone, /mcp would answer with a redirect to /mcp/)
        ... in the app's lifespan: `async with mcp.lifespan: yield`

    `host`: the address the server binds; on a loopback address, requests must carry a loopback Host
    and Origin (DNS-rebinding protection, as the SDK sets it up)."""
    server = create_server(workspace, max_output_tokens=max_output_tokens)
    server.streamable_http_app(host=host)  # builds the session manager (with the SDK's host checks)
    manager = server.session_manager
    return McpHttp(app=StreamableHTTPASGIApp(manager), lifespan=manager.run())


def serve_stdio(repos: Sequence[str | Path], *, watch: bool = True, max_output_tokens: int | None = None) -> None:
    """`contextpack mcp`: register `repos`, serve MCP over stdin/stdout until the client closes it.
    Nothing but protocol reaches stdout (the SDK points fd 1 at stderr while it serves)."""
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="contextpack mcp: %(message)s")
    workspace = Workspace(BundleStore(default_bundle_dir()), watch=watch, settle=True)
    try:
        for path in repos:
            workspace.register(path)
        create_server(workspace, max_output_tokens=max_output_tokens).run("stdio")
    finally:
        workspace.close()
