"""Start-up cost of the command line: `import contextpack.cli` pulls in no library that a `pack` never needs
(the graph and sparse-matrix libraries, the servers, the secret detectors, the grammars); commands import
those when they run."""

from __future__ import annotations

import subprocess
import sys


def test_cli_import_pulls_no_server_or_graph_library():
    code = ("import sys, contextpack.cli; bad = sorted(m for m in ('networkx', 'scipy', 'fastapi', 'uvicorn', 'mcp', "
            "'watchfiles', 'httpx', 'detect_secrets', 'tree_sitter_python') if m in sys.modules); print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
