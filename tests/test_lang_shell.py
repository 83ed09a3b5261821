"""Shell: tags query (grammars/bash.scm, the Bash grammar) and `source` / `.` resolution, on a tool with
scripts in bin/ and libraries in lib/, indexed with `contextpack index`."""

from __future__ import annotations

from pathlib import Path

import pytest
from indexed import cli_index, edges_from, write_files
from lang_cli import pack_paths, symbols

from contextpack.store import Store

FILES = {
    # extensionless, found by its shebang
    "bin/deploy": """#!/usr/bin/env bash
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
. "$DEPLOY_ROOT/lib/deploy/targets.bash"
source "$HOME/.deployrc"
source "$1"

# Entry point: deploy every target.
main() {
  require_tools git rsync
  for target in $(list_targets); do
    push_target "$target"
  done
}

main "$@"
""",
    "lib/common.sh": """#!/bin/sh
# Shared helpers.

# Fails unless each named tool is on PATH.
require_tools() {
  for tool in "$@"; do
    command -v "$tool" >/dev/null || die "missing $tool"
  done
}

function die {
  echo "$*" >&2
  exit 1
}

function log_info() {
  echo "$*"
}
""",
    "lib/deploy/targets.bash": """source lib/common.sh

list_targets() {
  ls targets/
}

push_target() {
  log_info "pushing $1"
  rsync -a "targets/$1/" "deploy@$1:/srv/"
}
""",
    "test/deploy.sh": """. ./test/helpers.sh
source ../outside.sh
run_deploy() { ../bin/deploy; }
""",
    "test/helpers.sh": "assert_ok() { \"$@\" || exit 1; }\n",
}


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Store]:
    tmp = tmp_path_factory.mktemp("shell")
    repo = write_files(tmp / "repo", FILES)
    return repo, tmp / "index" / "index.sqlite", cli_index(repo, tmp / "index" / "index.sqlite")


def test_definitions(indexed: tuple[Path, Path, Store]) -> None:
    _, _, store = indexed
    assert {f.path: f.language for f in store.files()}["bin/deploy"] == "shell"
    assert [(d.name, d.kind, d.qualname, d.start_line, d.end_line, d.doc)
            for d in store.definitions("lib/common.sh")] == [
        ("require_tools", "function", "lib.common.require_tools", 5, 9, "Fails unless each named tool is on PATH."),
        ("die", "function", "lib.common.die", 11, 14, ""),
        ("log_info", "function", "lib.common.log_info", 16, 18, ""),
    ]
    assert [(d.name, d.start_line, d.signature) for d in store.definitions("bin/deploy")] == [
        ("main", 10, "main()")]


def test_sources_resolve_through_index(indexed: tuple[Path, Path, Store]) -> None:
    _, _, store = indexed
    # the script's own directory spelled with dirname/BASH_SOURCE; a variable root whose tail names one
    # file; $HOME and $1 are computed at run time: no edge
    assert edges_from(store, "bin/deploy") == ["lib/common.sh", "lib/deploy/targets.bash"]
    # a literal path: beside the script, else from the repository root (where such scripts run)
    assert edges_from(store, "lib/deploy/targets.bash") == ["lib/common.sh"]
    # `./test/helpers.sh` from the root; `../outside.sh` leaves the repository
    assert edges_from(store, "test/deploy.sh") == ["test/helpers.sh"]


def test_symbols_and_pack(indexed: tuple[Path, Path, Store]) -> None:
    repo, index, _ = indexed
    assert symbols(repo, index, "push_target") == [
        ("lib/deploy/targets.bash:7", "function", "lib.deploy.targets.push_target")]
    assert pack_paths(
        repo, index, "fix: push_target rsyncs to the wrong remote directory")[0] == "lib/deploy/targets.bash"
