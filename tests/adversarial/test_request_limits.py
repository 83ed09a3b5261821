"""Requests at the edge of what is stored or asked: each a one-line error with exit 2, never a traceback, a
"damaged index" verdict, an echo of a file's secrets, or a connection out."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from conftest import run_cli, write
from hostile import cli, error_line

AWS_ID = "AKIAQWERTYUIOPASDFGH"


def _repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    write(root, "app.py", "def gfunc():\n    return 1\n")
    return root


def test_a_symbol_query_too_long_for_sqlite_is_a_bad_request(tmp_path: Path) -> None:
    """SQLite's LIKE refuses patterns over 50,000 bytes; that was reported as a damaged index to delete."""
    root = _repo(tmp_path)
    proc = cli("symbols", "x" * 50_001, "--repo", root, home=tmp_path)
    assert proc.returncode == 2 and "at most 1,000" in error_line(proc)
    bundle = tmp_path / "b.json"
    assert cli("pack", "--repo", root, "--task", "gfunc", "-o", bundle, home=tmp_path).returncode == 0
    proc = cli("expand", json.loads(bundle.read_text())["id"], "--symbol", "x" * 50_001, home=tmp_path)
    assert proc.returncode == 2 and "at most 1,000" in error_line(proc)


def test_tokens_spent_beyond_what_sqlite_holds(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    bundle = tmp_path / "b.json"
    env = {"CONTEXTPACK_LEDGER": str(tmp_path / "ledger.sqlite")}
    assert cli("pack", "--repo", root, "--task", "gfunc", "-o", bundle, home=tmp_path, env=env).returncode == 0
    bundle_id = json.loads(bundle.read_text())["id"]
    proc = cli("feedback", bundle_id, "--outcome", "success", "--tokens-spent", str(2**63), home=tmp_path, env=env)
    assert proc.returncode == 2 and "tokens spent must be from 0 to" in error_line(proc)
    assert cli("feedback", bundle_id, "--outcome", "success", "--tokens-spent", "12000", home=tmp_path,
               env=env).returncode == 0


def test_a_file_that_is_no_bundle_is_not_echoed(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    wrong = tmp_path / "wrong.txt"
    wrong.write_text(f"AWS_ACCESS_KEY_ID={AWS_ID}\n")
    proc = cli("verify", "--repo", root, "--bundle", wrong, home=tmp_path)
    assert proc.returncode == 2 and "is not a contextpack bundle" in error_line(proc)
    assert AWS_ID.encode() not in proc.stdout + proc.stderr


def test_an_encoding_not_bundled_is_refused_without_a_connection(tmp_path: Path) -> None:
    """A repository's config can name the encoding; tiktoken would fetch o200k_base from the network (seen
    through a proxy). Nothing may be fetched: refused before any connection."""
    root = _repo(tmp_path)
    write(root, ".contextpack/config.toml", '[defaults]\nencoding = "o200k_base"\n')
    with socket.socket() as proxy:
        proxy.bind(("127.0.0.1", 0))
        proxy.listen(1)
        url = f"http://127.0.0.1:{proxy.getsockname()[1]}"
        env = {k: url for k in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy")}
        proc = cli("pack", "--repo", root, "--task", "gfunc", home=tmp_path, timeout=60,
                   env={**env, "NO_PROXY": None, "no_proxy": None})
        proxy.setblocking(False)
        try:
            proxy.accept()
            connected = True
        except BlockingIOError:
            connected = False
    assert proc.returncode == 2 and "'o200k_base' is not available offline" in error_line(proc)
    assert not connected, "contextpack opened a connection"


def test_expand_takes_at_most_fifty_targets_from_the_cli_too(tmp_path: Path) -> None:
    """The HTTP and MCP request models cap each list at 50; the CLI built its request unchecked and took 50,000
    (15 s and a 1 MB error line)."""
    root = _repo(tmp_path)
    bundle = tmp_path / "b.json"
    assert cli("pack", "--repo", root, "--task", "gfunc", "-o", bundle, home=tmp_path).returncode == 0
    many = [arg for k in range(51) for arg in ("--symbol", f"name{k}")]
    proc = cli("expand", json.loads(bundle.read_text())["id"], *many, home=tmp_path)
    assert proc.returncode == 2 and "at most 50 symbols, got 51" in error_line(proc)


def test_an_owned_pin_outside_the_repository_is_refused(tmp_path: Path) -> None:
    """`--owned /etc/passwd` or `../x` was dropped in silence (exit 0, nothing owned); a path outside the
    repository is an AccessError, exit 5, as everywhere else."""
    root = _repo(tmp_path)
    env = {"CONTEXTPACK_INDEX_DIR": str(tmp_path / "idx")}
    for pin in ("/etc/passwd", "../x", "app/../../x"):
        proc = run_cli(["pack", "--no-server", "--repo", str(root), "--task", "gfunc", "--owned", pin],
                       env_extra=env)
        assert proc.returncode == 5, (pin, proc.stderr)
        assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    proc = run_cli(["pack", "--no-server", "--repo", str(root), "--task", "gfunc", "--owned", "app.py"],
                   env_extra=env)
    assert proc.returncode == 0 and json.loads(proc.stdout)["contract"]["owned"] == ["app.py"]
    write(root, "sub/more.py", "def gfunc_more():\n    return 2\n")  # a directory pin keeps its meaning
    proc = run_cli(["pack", "--no-server", "--repo", str(root), "--task", "gfunc gfunc_more", "--owned", "sub/"],
                   env_extra=env)
    assert proc.returncode == 0 and json.loads(proc.stdout)["contract"]["owned"] == ["sub/more.py"]
