"""The MCP surface as clients meet it: `contextpack mcp` driven over stdio by the official SDK client (and
byte by byte, to see that stdout carries nothing but protocol), the same tools over streamable HTTP from a
real uvicorn serving a Starlette app that mounts `mcp_http_app` at /mcp, and the output cap."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import anyio
import httpx
import pytest
import uvicorn
from conftest import CONTEXTPACK, check_bundle, make_shop, write
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
from mcp.shared.exceptions import MCPError
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.routing import Mount

from contextpack.bundle import Bundle, render
from contextpack.bundle_store import BundleStore, default_bundle_dir
from contextpack.errors import NotFoundError
from contextpack.mcp_server import create_server, mcp_http_app, tool_error_text
from contextpack.models import PackRequest
from contextpack.tokens import get_tokenizer
from contextpack.workspace import Workspace

pytestmark = pytest.mark.usefixtures("isolated_index")

TASK = "apply_discount should accept a discount of exactly 100 percent"
TOOLS = {"pack_context", "expand_context", "get_bundle", "find_symbol", "read_range", "repo_map", "index_status",
         "list_repos", "verify_patch"}


@pytest.fixture
def shop(tmp_path) -> Path:
    return make_shop(tmp_path / "shop")


@pytest.fixture
def workspace():
    ws = Workspace(BundleStore(default_bundle_dir()))
    yield ws
    ws.close()


def stdio_params(*repos: Path, extra: tuple[str, ...] = ()) -> StdioServerParameters:
    args = ["mcp", *[a for r in repos for a in ("--repo", str(r))], *extra]
    return StdioServerParameters(command=CONTEXTPACK, args=args,
                                 env={"CONTEXTPACK_INDEX_DIR": os.environ["CONTEXTPACK_INDEX_DIR"]})


async def exercise(client: Client, shop: Path) -> Bundle:
    """What every transport must carry: tools with annotations and output schemas, a pack, a delta from
    the pack's omitted list that repeats nothing, the bundle as resources, and tool errors that leave the
    server answering."""
    tools = {t.name: t for t in (await client.list_tools()).tools}
    assert set(tools) == TOOLS
    for t in tools.values():
        a = t.annotations
        assert a is not None and a.read_only_hint is True and a.idempotent_hint is True, t.name
        assert a.destructive_hint is False and a.open_world_hint is False, t.name
        assert t.output_schema and t.output_schema.get("type") == "object", t.name
        assert t.description and len(t.description) > 150 and "Read-only" in t.description, t.name
    assert {"id", "items", "omitted", "contract", "budget"} <= set(tools["pack_context"].output_schema["properties"])
    budget = tools["pack_context"].input_schema["properties"]["budget"]
    assert budget["minimum"] == 0 and budget["default"] <= 8000

    packed = await client.call_tool("pack_context", {"task": TASK, "budget": 600})  # repo omitted: the only one
    assert not packed.is_error, packed.content
    bundle = Bundle.model_validate(packed.structured_content)
    check_bundle(bundle, shop)
    text = packed.content[0].text
    assert text.startswith(f"# Context bundle `{bundle.id[:12]}`") and bundle.id in text
    assert "shop/pricing.py" in text and bundle.omitted
    pinned = await client.call_tool("pack_context", {"task": TASK, "budget": 600, "owned": ["shop/pricing.py"]})
    mine = Bundle.model_validate(pinned.structured_content)  # its callers are read-only: it must keep its API
    assert mine.contract.owned == ["shop/pricing.py"] and mine.contract.owned_reasons == {
        "shop/pricing.py": "pinned by the request (`shop/pricing.py`)"}

    wanted = bundle.omitted[0]
    expanded = await client.call_tool("expand_context", {"bundle_id": bundle.id, "refs": [wanted.ref]})
    assert not expanded.is_error, expanded.content
    delta = Bundle.model_validate(expanded.structured_content)
    check_bundle(delta, shop)
    assert delta.parent == bundle.id and wanted.path in {it.path for it in delta.items}
    shown = {it.path: it.ranges for it in bundle.items}
    for it in delta.items:  # the delta repeats no line its parent showed
        for a, b in it.ranges:
            assert not any(a <= y and x <= b for x, y in shown.get(it.path, [])), (it.path, it.ranges)

    md = await client.read_resource(f"contextpack://bundles/{bundle.id}")
    assert md.contents[0].mime_type == "text/markdown" and md.contents[0].text == render(bundle, "md")
    js = await client.read_resource(f"contextpack://bundles/{bundle.id}/json")
    assert js.contents[0].mime_type == "application/json"
    assert Bundle.model_validate_json(js.contents[0].text) == bundle
    for missing in ("0" * 64, "not-an-id"):
        with pytest.raises(MCPError, match="not found|invalid request"):
            await client.read_resource(f"contextpack://bundles/{missing}")
    again = await client.call_tool("get_bundle", {"bundle_id": delta.id})
    assert again.structured_content == expanded.structured_content

    for args, start in [({"task": TASK, "repo": "nope"}, "not found: no repository named 'nope'"),
                        ({"task": TASK, "budget": -1}, "invalid arguments: budget: Input should be greater"),
                        ({"task": ""}, "invalid arguments: task:")]:
        bad = await client.call_tool("pack_context", args)
        assert bad.is_error and bad.structured_content is None, args
        assert bad.content[0].text.startswith(start) and "\n" not in bad.content[0].text, bad.content[0].text
    bad = await client.call_tool("read_range", {"path": "../outside.py"})
    assert bad.is_error and bad.content[0].text.startswith("path not allowed:")
    bad = await client.call_tool("expand_context", {"bundle_id": bundle.id, "refs": ["nope"]})
    assert bad.is_error and bad.content[0].text.startswith("not found:")

    # a patch that renames a preserved function's parameter fails, naming old → new
    src = (shop / "shop/pricing.py").read_text().splitlines()
    at = next(i for i, line in enumerate(src) if "def apply_discount(" in line)
    diff = (f"--- a/shop/pricing.py\n+++ b/shop/pricing.py\n@@ -{at + 1} +{at + 1} @@\n-{src[at]}\n"
            f"+{src[at].replace('percent', 'pct')}\n")
    checked = await client.call_tool("verify_patch", {"bundle_id": mine.id, "diff": diff})
    assert not checked.is_error, checked.content
    assert any(p.qualname == "shop.pricing.apply_discount" for p in mine.contract.preserve)
    assert checked.structured_content["verdict"] == "fail" and "pct" in checked.content[0].text
    assert "verdict:" in checked.content[0].text
    bad = await client.call_tool("verify_patch", {"bundle_id": bundle.id, "base": "--output=/tmp/x"})
    assert bad.is_error and bad.content[0].text.startswith("invalid arguments: base:")

    found = await client.call_tool("find_symbol", {"query": "apply_discount"})  # still answering
    assert not found.is_error
    hit = found.structured_content["hits"][0]
    assert hit["path"] == "shop/pricing.py" and hit["qualname"].endswith("apply_discount")
    sliced = await client.call_tool("read_range", {"path": hit["path"], "start": hit["line"], "end": hit["end_line"]})
    assert "def apply_discount" in sliced.structured_content["content"]
    assert sliced.content[0].text.startswith(f"shop/pricing.py lines {hit['line']}-{hit['end_line']} of ")
    mapped = await client.call_tool("repo_map", {"budget": 300})
    assert 0 < mapped.structured_content["used"] <= 300 and "shop/" in mapped.content[0].text
    repos = await client.call_tool("list_repos", {})
    assert [r["name"] for r in repos.structured_content["repos"]] == ["shop"]
    return bundle


def test_stdio_server_end_to_end(shop):
    """`contextpack mcp --repo <shop>` as an editor starts it: initialize handshake, then everything."""

    async def run() -> None:
        async with Client(stdio_params(shop), mode="legacy") as client:
            assert client.server_info is not None and client.server_info.name == "contextpack"
            assert "pack_context" in (client.instructions or "")
            await exercise(client, shop)
            # index_status reports what the latest refresh changed
            write(shop, "shop/cart.py", (shop / "shop/cart.py").read_text() + "\n\ndef empty(cart):\n    return []\n",
                  dedent=False)
            status = await client.call_tool("index_status", {"repo": "shop"})
            assert not status.is_error, status.content
            assert status.structured_content["last_change"]["changed"] == ["shop/cart.py"]
            assert "shop/cart.py" in status.content[0].text
            hits = await client.call_tool("find_symbol", {"query": "empty"})
            assert [h["path"] for h in hits.structured_content["hits"]] == ["shop/cart.py"]

    anyio.run(run)


def test_stdio_stdout_is_only_protocol(shop, isolated_index):
    """Every byte on stdout is a JSON-RPC message, even while indexing and failing; logs go to stderr."""
    proc = subprocess.Popen([CONTEXTPACK, "mcp", "--repo", str(shop)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "CONTEXTPACK_INDEX_DIR": str(isolated_index)})
    watchdog = threading.Timer(90, proc.kill)
    watchdog.start()
    try:
        messages = [
            {"jsonrpc": "2.0", "id": 1, "method": "initialize",
             "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                        "clientInfo": {"name": "test", "version": "0"}}},
            {"jsonrpc": "2.0", "method": "notifications/initialized"},
            {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
             "params": {"name": "pack_context", "arguments": {"task": TASK}}},
            {"jsonrpc": "2.0", "id": 3, "method": "tools/call",
             "params": {"name": "read_range", "arguments": {"path": "/etc/passwd"}}},
            {"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {"name": "no_such_tool", "arguments": {}}},
        ]
        proc.stdin.write("".join(json.dumps(m) + "\n" for m in messages))
        proc.stdin.flush()
        answers: dict[int, dict] = {}
        lines = []
        while len(answers) < 4:
            line = proc.stdout.readline()
            assert line, f"server closed stdout early; stderr: {proc.stderr.read()}"
            lines.append(line)
            msg = json.loads(line)  # anything else on stdout fails here
            assert msg["jsonrpc"] == "2.0"
            if "id" in msg:
                answers[msg["id"]] = msg
        proc.stdin.close()
        assert proc.wait(timeout=30) == 0
        assert not proc.stdout.read()
    finally:
        watchdog.cancel()
        proc.kill()
    assert answers[1]["result"]["serverInfo"]["name"] == "contextpack"
    assert not answers[2]["result"].get("isError") and answers[2]["result"]["structuredContent"]["items"]
    assert answers[3]["result"]["isError"] is True
    assert answers[3]["result"]["content"][0]["text"].startswith("path not allowed:")
    assert answers[4]["result"]["isError"] is True


@contextlib.contextmanager
def serve_http(app) -> Iterator[str]:
    """A real uvicorn on a free loopback port, in a thread; yields the base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


def mounted(workspace: Workspace) -> Starlette:
    """How the HTTP server mounts MCP: `mcp.app` at /mcp, `mcp.lifespan` held open in its lifespan."""
    mcp = mcp_http_app(workspace)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        async with mcp.lifespan:
            yield

    return Starlette(routes=[Mount("/mcp", app=mcp.app)], lifespan=lifespan)


def test_streamable_http_mounted_at_mcp(shop, workspace):
    workspace.register(shop)
    with serve_http(mounted(workspace)) as base:

        async def run() -> None:
            async with Client(f"{base}/mcp/") as client:  # the current protocol, negotiated
                await exercise(client, shop)
            async with Client(f"{base}/mcp", mode="legacy") as client:  # initialize handshake; /mcp redirects
                assert client.server_info.name == "contextpack"
                listed = await client.call_tool("list_repos", {})
                assert listed.structured_content["repos"][0]["name"] == "shop"

        anyio.run(run)


def test_fastapi_mount_and_route_answer_at_mcp(shop, workspace):
    """The HTTP server's way (FastAPI): `mount` answers /mcp/, `add_route` answers /mcp without a redirect."""
    from fastapi import FastAPI

    workspace.register(shop)
    mcp = mcp_http_app(workspace)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        async with mcp.lifespan:
            yield

    app = FastAPI(lifespan=lifespan)
    app.add_route("/mcp", mcp.app)
    app.mount("/mcp", mcp.app)
    with serve_http(app) as base:
        init = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                           "clientInfo": {"name": "t", "version": "0"}}}
        direct = httpx.post(f"{base}/mcp", json=init, follow_redirects=False,
                            headers={"Accept": "application/json, text/event-stream"})
        assert direct.status_code == 200 and "contextpack" in direct.text

        async def run() -> None:
            for url, mode in ((f"{base}/mcp", "legacy"), (f"{base}/mcp/", "auto")):
                async with Client(url, mode=mode) as client:
                    found = await client.call_tool("find_symbol", {"query": "Cart"})
                    assert not found.is_error and found.structured_content["hits"][0]["path"] == "shop/cart.py"

        anyio.run(run)


def test_repo_is_required_when_several_are_served(shop, tmp_path, workspace):
    other = make_shop(tmp_path / "other")
    workspace.register(shop)
    workspace.register(other)

    async def run() -> None:
        async with Client(create_server(workspace)) as client:
            bad = await client.call_tool("pack_context", {"task": TASK})
            assert bad.is_error
            assert bad.content[0].text == "invalid request: give `repo`: 2 repositories are registered (other, shop)"
            good = await client.call_tool("pack_context", {"task": TASK, "repo": "other"})
            assert not good.is_error and good.structured_content["repo"]["root"] == "other"

    anyio.run(run)


def test_results_over_the_output_cap_are_refused_not_cut(shop, workspace):
    # 60 long rules, not 300 one-liners: a skeleton of 300 signatures carries 300 line ranges (in its item, or
    # in the omitted list at any smaller budget), which alone leave no budget under the cap
    write(shop, "shop/discount_rules.py", '"""Seasonal discount rules."""\n' + "".join(
        f"\n\ndef discount_rule_{i}(price):\n    \"\"\"Rule {i} of the seasonal discounts.\"\"\"\n"
        + "".join(f"    price = price * (1 - {(i + j) % 100} / 1000)  # step {j} of seasonal rule {i}\n"
                  for j in range(12))
        + "    return price\n" for i in range(60)), dedent=False)
    workspace.register(shop)
    tok = get_tokenizer()
    cap = 6000

    async def run() -> None:
        async with Client(create_server(workspace, max_output_tokens=cap)) as client:
            tools = {t.name: t for t in (await client.list_tools()).tools}
            assert tools["pack_context"].input_schema["properties"]["budget"]["default"] == 1500
            over = await client.call_tool("pack_context", {"task": TASK + " in the discount rules", "budget": 5000})
            assert over.is_error and over.structured_content is None
            message = over.content[0].text
            assert message.startswith("invalid request: the result would be ") and f"output cap of {cap}" in message
            fit = int(message.split("budget=")[1].split()[0])
            assert 0 < fit < 5000, message
            under = await client.call_tool("pack_context", {"task": TASK + " in the discount rules", "budget": fit})
            assert not under.is_error, under.content
            assert under.structured_content["items"]
            total = tok.count(under.content[0].text) + tok.count(
                json.dumps(under.structured_content, ensure_ascii=False, separators=(",", ":")))
            assert total <= cap
            whole = await client.call_tool("read_range", {"path": "shop/discount_rules.py"})
            assert whole.is_error and "narrower range" in whole.content[0].text

    anyio.run(run)


def test_max_output_tokens_follows_claude_codes_variable(shop, workspace, monkeypatch):
    monkeypatch.setenv("MAX_MCP_OUTPUT_TOKENS", "40000")
    workspace.register(shop)

    async def run() -> None:
        async with Client(create_server(workspace)) as client:
            tools = {t.name: t for t in (await client.list_tools()).tools}
            assert "over 40000 tokens" in tools["pack_context"].input_schema["properties"]["budget"]["description"]
            assert tools["pack_context"].input_schema["properties"]["budget"]["default"] == 8000

    anyio.run(run)


def test_tool_error_text_is_one_line():
    assert tool_error_text("t", NotFoundError("no bundle x")) == "not found: no bundle x"
    try:
        PackRequest(repo="r", task="t", budget=-5)
    except ValidationError as err:
        wrapped = ToolError("Error executing tool t: ...")
        wrapped.__cause__ = err
        assert tool_error_text("t", wrapped) == \
            "invalid arguments: budget: Input should be greater than or equal to 0 (got -5)"
    crash = UnexpectedToolError("Error executing tool t")
    crash.__cause__ = KeyError("line one\nline two")
    assert tool_error_text("t", crash) == "internal error in t: KeyError: 'line one\\nline two'"
    long = tool_error_text("t", NotFoundError("x" * 5000))
    assert len(long) == 1000 and "\n" not in long
