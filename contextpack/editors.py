"""Editor configs that run `contextpack mcp` for a repository: one writer per editor's MCP file format.

The command in each config is the absolute path of the running `contextpack` (so it works outside the
virtual environment it was installed in), with `mcp --repo <absolute root>`; the contextpack variables
set now (index and bundle dirs) go into the entry's `env`, so the editor's server shares this index.
An existing file is merged: other servers and settings are kept, the `contextpack` entry is added or
replaced. A file that can't be merged safely (not JSON, or JSONC whose comments a rewrite would drop)
is refused unless forced, and then kept beside as `<name>.bak`.

    done = install("claude", Path("."))     # .mcp.json → Installed(path=…, status="added", message=…)
    print(done.message)
    server_entry(Path("."))                 # {"command": "/…/bin/contextpack", "args": ["mcp", "--repo", …]}
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import AccessError, RequestError
from .fileio import write_atomic
from .scan import resolve_root

SERVER_NAME = "contextpack"
CARRIED_ENV = ("CONTEXTPACK_INDEX_DIR", "CONTEXTPACK_BUNDLE_DIR")


@dataclass(frozen=True)
class Installed:
    client: str
    path: Path | None  # the file written; None when the config is only printed (JetBrains)
    status: str  # added | updated | unchanged | printed
    message: str


def contextpack_command() -> tuple[str, list[str]]:
    """The running contextpack as (absolute command, leading args): the console script being run
    (sys.argv[0]), else the one on PATH, else this interpreter with `-m contextpack.cli`."""
    argv0 = Path(sys.argv[0])
    if argv0.name in ("contextpack", "contextpack.exe") and argv0.is_file():
        return os.path.abspath(argv0), []  # not resolved: a venv's bin/ entry must stay what it is
    if found := shutil.which("contextpack"):
        return os.path.abspath(found), []
    return os.path.abspath(sys.executable), ["-m", "contextpack.cli"]


def server_entry(root: Path) -> dict[str, Any]:
    """command, args and env of the stdio server for `root` (already resolved)."""
    command, lead = contextpack_command()
    env = {k: os.environ[k] for k in CARRIED_ENV if os.environ.get(k)}
    return {"command": command, "args": [*lead, "mcp", "--repo", str(root)], "env": env}


# -- the editors ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Editor:
    label: str
    path: str | None  # relative to the repository root; None: no project file, the config is printed
    key: str  # the top-level object that maps server names to entries
    entry: Callable[[dict[str, Any]], dict[str, Any]]
    next_step: str


def _plain(e: dict[str, Any]) -> dict[str, Any]:
    return dict(e)


def _typed(e: dict[str, Any]) -> dict[str, Any]:
    return {"type": "stdio", **e}


EDITORS: dict[str, Editor] = {
    # Claude Code, project scope: .mcp.json at the root, {"mcpServers": {name: {type, command, args, env}}}
    # (https://code.claude.com/docs/en/mcp, "Project scope"; `claude mcp add --scope project` writes this)
    "claude": Editor("Claude Code", ".mcp.json", "mcpServers", _typed,
                     "start `claude` in the repository and approve the project server; `/mcp` lists it"),
    # Cursor, project: .cursor/mcp.json, {"mcpServers": {name: {command, args, env}}} (https://cursor.com/docs/mcp)
    "cursor": Editor("Cursor", ".cursor/mcp.json", "mcpServers", _plain,
                     "open Cursor Settings → MCP and check that contextpack is enabled"),
    # VS Code, workspace: .vscode/mcp.json, {"servers": {name: {type: "stdio", command, args, env}}}
    # (https://code.visualstudio.com/docs/copilot/reference/mcp-configuration)
    "vscode": Editor("VS Code", ".vscode/mcp.json", "servers", _typed,
                     "open .vscode/mcp.json and press Start above the server, then use Copilot Chat in agent mode"),
    # Zed, project settings: .zed/settings.json, {"context_servers": {name: {command, args, env}}}
    # (https://zed.dev/docs/ai/mcp, "As Custom Servers"); Zed settings are JSONC
    "zed": Editor("Zed", ".zed/settings.json", "context_servers", _plain,
                  "open the Agent Panel's settings: contextpack is listed under MCP servers"),
    # Continue: one block file per server in .continue/mcpServers/ (name, version, schema: v1, mcpServers: [...])
    # (https://docs.continue.dev/customize/deep-dives/mcp, "Quick Start")
    "continue": Editor("Continue", ".continue/mcpServers/contextpack.yaml", "mcpServers", _plain,
                       "reload Continue; MCP tools are used in agent mode"),
    # JetBrains AI Assistant: no project file; Settings | Tools | AI Assistant | Model Context Protocol (MCP)
    # → Add → "As JSON" takes {"mcpServers": {...}} (https://www.jetbrains.com/help/ai-assistant/mcp.html)
    "jetbrains": Editor("JetBrains AI Assistant", None, "mcpServers", _plain,
                        "Settings | Tools | AI Assistant | Model Context Protocol (MCP) → Add → As JSON, paste "
                        "the JSON above, and choose the project level"),
}


def install(client: str, repo: str | Path, *, force: bool = False) -> Installed:
    """Write (or for JetBrains, print) `client`'s config that runs `contextpack mcp` for `repo`."""
    editor = EDITORS.get(client)
    if editor is None:
        raise RequestError(f"unknown client {client!r}; one of: {', '.join(EDITORS)}")
    root = resolve_root(repo)
    entry = editor.entry(server_entry(root))
    if editor.path is None:
        text = json.dumps({editor.key: {SERVER_NAME: entry}}, indent=2)
        return Installed(client, None, "printed", f"{text}\n\n{editor.label}: {editor.next_step}.")
    path = root / editor.path
    _check_inside(root, path)
    if path.suffix == ".yaml":
        status = _merge_continue(path, entry, force)
    else:
        status = _merge_json(path, editor.key, entry, force)
    what = {"added": "added", "updated": "updated", "unchanged": "already had"}[status]
    command = " ".join([entry["command"], *entry["args"]])
    return Installed(client, path, status, f"{editor.path}: {what} the {SERVER_NAME!r} server ({command})\n"
                                           f"{editor.label}: {editor.next_step}.")


def _check_inside(root: Path, path: Path) -> None:
    """The config file must be a plain file under `root`: no symlinked file or folder leading out."""
    for p in [path, *path.parents]:
        if p == root:
            break
        if p.is_symlink():
            raise AccessError(f"{p.relative_to(root)} is a symbolic link; refusing to write through it")


def _merge_json(path: Path, key: str, entry: dict[str, Any], force: bool) -> str:
    data: dict[str, Any] = {}
    rewrite = False  # forced over a file that a merge would damage
    if path.exists():
        raw = path.read_text("utf-8", errors="replace")
        parsed, comments = parse_jsonc(raw)
        ok = isinstance(parsed, dict) and isinstance(parsed.get(key, {}), dict)
        if not ok or comments:
            snippet = json.dumps({key: {SERVER_NAME: entry}})
            if not force:
                why = ("has comments, which rewriting it would drop" if ok else "is not valid JSON"
                       if parsed is None else f"is not a JSON object whose {key!r} is an object")
                raise RequestError(f"{path.name} {why}; pass --force to rewrite it (the old file is kept as "
                                   f"{path.name}.bak), or add this by hand: {snippet}")
            shutil.copyfile(path, path.with_name(path.name + ".bak"))
            rewrite = True
        if ok:
            data = parsed
    servers = data.setdefault(key, {})
    old = servers.get(SERVER_NAME)
    if old == entry and not rewrite:
        return "unchanged"
    servers[SERVER_NAME] = entry
    write_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return "added" if old is None else "updated"


def _merge_continue(path: Path, entry: dict[str, Any], force: bool) -> str:
    import yaml  # PyYAML: a dependency of detect-secrets, which contextpack requires

    block = {"name": SERVER_NAME, "version": "0.0.1", "schema": "v1", "mcpServers": []}
    if path.exists():
        try:
            data = yaml.safe_load(path.read_text("utf-8", errors="replace"))
        except yaml.YAMLError:
            data = None
        ok = isinstance(data, dict) and isinstance(data.get("mcpServers", []), list)
        if not ok:
            if not force:
                raise RequestError(f"{path.name} is not a Continue block (YAML with an mcpServers list); pass "
                                   f"--force to rewrite it (the old file is kept as {path.name}.bak)")
            shutil.copyfile(path, path.with_name(path.name + ".bak"))
        else:
            block = data
    servers = block.setdefault("mcpServers", [])
    new = {"name": SERVER_NAME, **entry}
    at = next((i for i, s in enumerate(servers) if isinstance(s, dict) and s.get("name") == SERVER_NAME), None)
    if at is not None and servers[at] == new and path.exists():
        return "unchanged"
    if at is None:
        servers.append(new)
    else:
        servers[at] = new
    write_atomic(path, yaml.safe_dump(block, sort_keys=False, allow_unicode=True))
    return "added" if at is None else "updated"


# -- JSON with comments (Zed settings, VS Code's mcp.json) ------------------------------------------


def parse_jsonc(text: str) -> tuple[Any, bool]:
    """(value, had comments) of JSON that may hold // and /* */ comments and trailing commas; value is
    None when it is not JSON even so."""
    try:
        return json.loads(text), False
    except ValueError:
        pass
    out: list[str] = []
    comments = False
    i, n, in_str = 0, len(text), False
    while i < n:
        c = text[i]
        if in_str:
            out.append(text[i:i + 2] if c == "\\" else c)
            i += 2 if c == "\\" else 1
            in_str = c != '"'
            continue
        if c == '"':
            in_str = True
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i, comments = (n if end < 0 else end), True
            continue
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                return None, comments
            i, comments = end + 2, True
            continue
        elif c == ",":
            k = _skip_blank(text, i + 1)
            if k < n and text[k] in "}]":  # a trailing comma
                i += 1
                continue
        out.append(c)
        i += 1
    try:
        return json.loads("".join(out)), comments
    except ValueError:
        return None, comments


def _skip_blank(text: str, i: int) -> int:
    """The index of the next character after whitespace and comments from `i`."""
    n = len(text)
    while i < n:
        if text[i] in " \t\r\n":
            i += 1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
        else:
            break
    return i
