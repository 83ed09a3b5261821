"""`contextpack init-editor`: each editor's config file written into a repository with the right structure,
merged into what is there, refused (and kept) when it can't be merged safely; and Claude Code's `.mcp.json`
started exactly as written, with the official MCP client over stdio."""

from __future__ import annotations

import json
import os
from pathlib import Path

import anyio
import pytest
import yaml
from conftest import CONTEXTPACK, make_shop, run_cli, write
from hypothesis import given
from hypothesis import strategies as st
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from contextpack.editors import parse_jsonc

pytestmark = pytest.mark.usefixtures("isolated_index")

FILES = {"claude": (".mcp.json", "mcpServers"), "cursor": (".cursor/mcp.json", "mcpServers"),
         "vscode": (".vscode/mcp.json", "servers"), "zed": (".zed/settings.json", "context_servers")}


@pytest.fixture
def repo(tmp_path) -> Path:
    return make_shop(tmp_path / "shop")


def check_entry(entry: dict, repo: Path) -> None:
    """The command is this installation's contextpack, absolute; the repository is absolute; the index dir
    of this environment is carried along."""
    assert Path(entry["command"]).is_absolute() and os.path.samefile(entry["command"], CONTEXTPACK)
    assert entry["args"] == ["mcp", "--repo", str(repo.resolve())]
    assert entry["env"] == {"CONTEXTPACK_INDEX_DIR": os.environ["CONTEXTPACK_INDEX_DIR"]}


@pytest.mark.parametrize("client", sorted(FILES))
def test_json_clients_write_their_file(client, repo, tmp_path):
    rel, key = FILES[client]
    done = run_cli(["init-editor", "--client", client, "--repo", str(repo)], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"{rel}: added the 'contextpack' server ({CONTEXTPACK} mcp --repo ")
    data = json.loads((repo / rel).read_text())
    assert list(data) == [key] and list(data[key]) == ["contextpack"]
    entry = data[key]["contextpack"]
    check_entry({k: v for k, v in entry.items() if k != "type"}, repo)
    assert entry.get("type") == ("stdio" if client in ("claude", "vscode") else None)
    again = run_cli(["init-editor", "--client", client, "--repo", str(repo)])
    assert again.returncode == 0 and "already had the 'contextpack' server" in again.stdout
    assert json.loads((repo / rel).read_text()) == data


def test_continue_writes_a_block_file(repo):
    done = run_cli(["init-editor", "--client", "continue", "--repo", str(repo)])
    assert done.returncode == 0, done.stderr
    block = yaml.safe_load((repo / ".continue/mcpServers/contextpack.yaml").read_text())
    assert {k: block[k] for k in ("name", "version", "schema")} == {"name": "contextpack", "version": "0.0.1",
                                                                      "schema": "v1"}
    [server] = block["mcpServers"]
    assert server.pop("name") == "contextpack"
    check_entry(server, repo)


def test_jetbrains_prints_the_json_to_paste(repo):
    done = run_cli(["init-editor", "--client", "jetbrains", "--repo", str(repo)])
    assert done.returncode == 0, done.stderr
    text, _, instructions = done.stdout.partition("\n\n")
    check_entry(json.loads(text)["mcpServers"]["contextpack"], repo)
    assert "Settings | Tools | AI Assistant | Model Context Protocol (MCP)" in instructions
    assert not any(p.name.startswith(".idea") for p in repo.iterdir())


def test_merge_keeps_other_servers_and_settings(repo):
    write(repo, ".mcp.json", json.dumps({"mcpServers": {"db": {"command": "db-mcp", "args": ["--ro"]}},
                                         "other": [1, 2]}))
    write(repo, ".zed/settings.json", '// project settings\n{\n  "tab_size": 4,\n  "context_servers": {\n'
          '    "git": {"command": "git-mcp", "args": [],},  // trailing comma and comment\n  },\n}\n')
    assert run_cli(["init-editor", "--client", "claude", "--repo", str(repo)]).returncode == 0
    data = json.loads((repo / ".mcp.json").read_text())
    assert data["other"] == [1, 2] and data["mcpServers"]["db"] == {"command": "db-mcp", "args": ["--ro"]}
    assert set(data["mcpServers"]) == {"db", "contextpack"}

    # JSONC with comments: merging would drop them, so only with --force (and the old file kept)
    refused = run_cli(["init-editor", "--client", "zed", "--repo", str(repo)])
    assert refused.returncode == 2 and "has comments" in refused.stderr and "--force" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    before = (repo / ".zed/settings.json").read_text()
    forced = run_cli(["init-editor", "--client", "zed", "--repo", str(repo), "--force"])
    assert forced.returncode == 0, forced.stderr
    assert (repo / ".zed/settings.json.bak").read_text() == before
    zed = json.loads((repo / ".zed/settings.json").read_text())
    assert zed["tab_size"] == 4 and set(zed["context_servers"]) == {"git", "contextpack"}


def test_malformed_file_is_refused_without_force(repo):
    write(repo, ".cursor/mcp.json", '{"mcpServers": {"x": ')
    refused = run_cli(["init-editor", "--client", "cursor", "--repo", str(repo)])
    assert refused.returncode == 2 and "mcp.json is not valid JSON" in refused.stderr
    assert (repo / ".cursor/mcp.json").read_text() == '{"mcpServers": {"x": '
    write(repo, ".vscode/mcp.json", '{"servers": ["not", "an", "object"]}')
    assert run_cli(["init-editor", "--client", "vscode", "--repo", str(repo)]).returncode == 2
    forced = run_cli(["init-editor", "--client", "cursor", "--repo", str(repo), "--force"])
    assert forced.returncode == 0
    assert (repo / ".cursor/mcp.json.bak").read_text() == '{"mcpServers": {"x": '
    assert list(json.loads((repo / ".cursor/mcp.json").read_text())["mcpServers"]) == ["contextpack"]
    bad = run_cli(["init-editor", "--client", "emacs", "--repo", str(repo)])
    assert bad.returncode == 2 and "unknown client 'emacs'" in bad.stderr


def test_refuses_to_write_through_a_symlink_out_of_the_repository(repo, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (repo / ".cursor").symlink_to(outside, target_is_directory=True)
    refused = run_cli(["init-editor", "--client", "cursor", "--repo", str(repo)])
    assert refused.returncode == 5 and "symbolic link" in refused.stderr
    assert not any(outside.iterdir())


def test_claude_code_config_starts_the_server_as_written(repo, tmp_path):
    """Start the server with exactly the command, args and env of `.mcp.json`, from another directory,
    as Claude Code would, and use it."""
    assert run_cli(["init-editor", "--client", "claude", "--repo", str(repo)]).returncode == 0
    entry = json.loads((repo / ".mcp.json").read_text())["mcpServers"]["contextpack"]
    assert entry["type"] == "stdio"
    params = StdioServerParameters(command=entry["command"], args=entry["args"], env=entry["env"], cwd=tmp_path)

    async def run() -> None:
        async with Client(params, mode="legacy") as client:
            names = {t.name for t in (await client.list_tools()).tools}
            assert {"pack_context", "expand_context", "find_symbol", "read_range", "repo_map", "index_status",
                    "list_repos"} <= names
            packed = await client.call_tool("pack_context", {"task": "Cart.total applies the discount twice"})
            assert not packed.is_error and packed.structured_content["repo"]["root"] == "shop"

    anyio.run(run)
    assert any(Path(os.environ["CONTEXTPACK_INDEX_DIR"]).glob("shop-*.sqlite"))  # the isolated index was used


@pytest.mark.parametrize(("text", "value", "comments"), [
    ('{"a": 1}', {"a": 1}, False),
    ('// c\n{"a": "http://x//y", /* b */ "b": [1, 2,],}', {"a": "http://x//y", "b": [1, 2]}, True),
    ('{"a": "x,}"}', {"a": "x,}"}, False),
    ('{"a": "\\" // not a comment"}', {"a": '" // not a comment'}, False),
    ('{"a": 1 /* open', None, False),
    ("{bad", None, False),
])
def test_parse_jsonc(text, value, comments):
    assert parse_jsonc(text) == (value, comments)


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
                    max_leaves=12)


@given(JSON, st.text(alphabet=st.characters(blacklist_characters="\n\r"), max_size=20))
def test_parse_jsonc_reads_any_json_with_comments_around_it(value, note):
    text = json.dumps(value, indent=2)
    assert parse_jsonc(text) == (value, False)
    assert parse_jsonc(f"// {note}\n{text}\n// {note}") == (value, True)
    if "*/" not in note:
        assert parse_jsonc(f"/* {note} */ {text}") == (value, True)
