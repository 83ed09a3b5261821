"""`contextpack serve` as a user runs it (the installed script in a subprocess), and `contextpack pack`
finding it: the same bytes as an in-process pack in every format, the discovery file, the fallback when
the server is gone, an explicit --server that can't be reached, and the bind and token rules."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from conftest import CONTEXTPACK, CliRun, call_main, make_shop, run_cli, write

pytestmark = pytest.mark.usefixtures("isolated_index")

TASK = "apply_discount should accept a discount of exactly 100 percent"


class Serve:
    """`contextpack serve ARGS --port 0` in a subprocess; `url` from the discovery file it writes."""

    def __init__(self, index_dir: Path, *args: str, env_extra: dict[str, str] | None = None):
        self.discovery = index_dir / "server.json"
        env = {**os.environ, **(env_extra or {})}
        self.proc = subprocess.Popen([CONTEXTPACK, "serve", "--port", "0", *args], env=env, text=True,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise AssertionError(f"serve exited {self.proc.returncode}: {self.proc.stderr.read()}")
            try:
                data = json.loads(self.discovery.read_text())
                if data["pid"] == self.proc.pid:
                    self.url = data["url"]
                    break
            except (OSError, ValueError, KeyError):
                pass
            assert time.monotonic() < deadline, "serve never wrote its discovery file"
            time.sleep(0.05)

    def stop(self) -> tuple[int, str]:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            _, err = self.proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
        return self.proc.returncode, err


@pytest.fixture
def main(monkeypatch, capsys):
    """`contextpack ARGS` in-process through launch.main(), as the console script runs it (the script itself
    is run where the process boundary matters: it costs a second of imports per call)."""

    def run(args: list[str], env_extra: dict[str, str] | None = None) -> CliRun:
        return call_main(monkeypatch, capsys, args, env_extra=env_extra)

    return run


@pytest.fixture
def shop(tmp_path) -> Path:
    return make_shop(tmp_path / "shop")


@pytest.fixture
def served(isolated_index, shop):
    s = Serve(isolated_index, "--repo", str(shop))
    yield s
    s.stop()


def test_pack_through_a_running_server_prints_the_same_bytes_as_in_process(served, shop, tmp_path, main):
    args = ["pack", "--repo", str(shop), "--task", TASK, "--budget", "1200"]
    via, local = run_cli(args), run_cli([*args, "--no-server"])  # the installed script, both ways
    assert via.returncode == 0 and local.returncode == 0, via.stderr + local.stderr
    assert via.stdout == local.stdout and via.stdout.startswith("{")
    assert via.stderr == "" and local.stderr == ""
    for fmt in ("md", "xml"):
        via, local = main([*args, "--format", fmt]), main([*args, "--format", fmt, "--no-server"])
        assert via.returncode == local.returncode == 0, via.stderr + local.stderr
        assert via.stdout == local.stdout and via.stdout, fmt
    # it really went through the server (which -o says), and --server URL does the same
    out = tmp_path / "b.json"
    r = main([*args, "-o", str(out)])
    assert f"packed by {served.url}" in r.stderr
    r = main([*args, "--server", served.url])
    json_local = main([*args, "--no-server"]).stdout
    assert r.returncode == 0 and r.stdout == json_local == out.read_text()


def test_pack_registers_an_unknown_repository_with_the_server(served, tmp_path, main):
    other = make_shop(tmp_path / "elsewhere" / "shop")  # same directory name as the served one
    args = ["pack", "--repo", str(other), "--task", TASK, "--budget", "900"]
    via, local = main(args), main([*args, "--no-server"])
    assert via.returncode == 0, via.stderr
    assert via.stdout == local.stdout
    repos = httpx.get(f"{served.url}/v1/repos").json()
    assert sorted(r["root"] for r in repos) == sorted([str(other.resolve()), str((tmp_path / "shop").resolve())])


def test_errors_through_the_server_keep_the_in_process_exit_codes(served, shop, tmp_path, main):
    for args in (["--budget", "-1"], ["--type", "nonsense"]):
        via = main(["pack", "--repo", str(shop), "--task", TASK, *args])
        local = main(["pack", "--repo", str(shop), "--task", TASK, "--no-server", *args])
        assert via.returncode == local.returncode == 2, (via.stderr, local.stderr)
        assert len(via.stderr.strip().splitlines()) == 1 and "Traceback" not in via.stderr
    missing = main(["pack", "--repo", str(tmp_path / "missing"), "--task", TASK])
    assert missing.returncode == 2 and len(missing.stderr.strip().splitlines()) == 1


def test_an_edit_shows_in_the_next_pack_through_the_server(served, shop, main):
    pricing = shop / "shop" / "pricing.py"
    pricing.write_text(pricing.read_text().replace("(0-100).", "(0-100). EDITED_NOW"))
    args = ["pack", "--repo", str(shop), "--task", TASK, "--budget", "1200", "-o", str(shop.parent / "b.json")]
    via = main(args)
    assert f"packed by {served.url}" in via.stderr
    assert "EDITED_NOW" in (shop.parent / "b.json").read_text()


def test_the_discovery_file_goes_when_the_server_stops(served, isolated_index):
    assert httpx.get(f"{served.url}/healthz").json()["status"] == "ok"
    assert (isolated_index / "server.json").exists()
    served.stop()
    assert not (isolated_index / "server.json").exists()


def test_a_gone_server_falls_back_in_process_with_a_note(isolated_index, shop, main):
    isolated_index.mkdir(parents=True, exist_ok=True)
    # a live pid (this test process) but nothing listening at the URL
    (isolated_index / "server.json").write_text(json.dumps({"url": "http://127.0.0.1:9", "pid": os.getpid()}))
    args = ["pack", "--repo", str(shop), "--task", TASK, "--budget", "700"]
    r = run_cli(args)
    assert r.returncode == 0
    note = r.stderr.strip().splitlines()
    assert len(note) == 1 and "http://127.0.0.1:9" in note[0] and "in-process" in note[0]
    assert r.stdout == main([*args, "--no-server"]).stdout
    # a discovery file whose process is gone is ignored without a note
    (isolated_index / "server.json").write_text(json.dumps({"url": "http://127.0.0.1:9", "pid": 2 ** 22 + 7}))
    r = main(args)
    assert r.returncode == 0 and r.stderr == ""


def test_an_explicit_server_that_cannot_be_reached_is_an_error(isolated_index, shop, main):
    r = run_cli(["pack", "--repo", str(shop), "--task", TASK, "--server", "http://127.0.0.1:9"])
    assert r.returncode == 1 and r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1 and "http://127.0.0.1:9" in r.stderr
    both = main(["pack", "--repo", str(shop), "--task", TASK, "--server", "http://127.0.0.1:9", "--no-server"])
    assert both.returncode == 2


def test_binding_beyond_loopback_needs_a_token(isolated_index, shop):
    env = {k: v for k, v in os.environ.items() if k != "CONTEXTPACK_TOKEN"}
    r = subprocess.run([CONTEXTPACK, "serve", "--host", "0.0.0.0", "--port", "0", "--repo", str(shop)],
                       capture_output=True, text=True, env=env, timeout=60, stdin=subprocess.DEVNULL)
    assert r.returncode == 2 and "CONTEXTPACK_TOKEN" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not (isolated_index / "server.json").exists()


def test_a_token_server_from_config_and_the_client_sending_the_token(isolated_index, shop, tmp_path, main):
    config = write(tmp_path, "serve.toml", f'[repos]\nmyshop = "{shop}"\n')
    s = Serve(isolated_index, "--config", str(config), "--no-watch", env_extra={"CONTEXTPACK_TOKEN": "tok-123"})
    try:
        assert httpx.get(f"{s.url}/v1/repos").status_code == 401
        repos = httpx.get(f"{s.url}/v1/repos", headers={"Authorization": "Bearer tok-123"}).json()
        assert [(r["name"], r["watching"]) for r in repos] == [("myshop", False)]
        args = ["pack", "--repo", str(shop), "--task", TASK, "--budget", "800"]
        local = main([*args, "--no-server"]).stdout
        no_token = main(args)  # the discovered server refuses: a one-line note, then in-process
        assert no_token.returncode == 0 and no_token.stdout == local
        assert "CONTEXTPACK_TOKEN" in no_token.stderr and len(no_token.stderr.strip().splitlines()) == 1
        explicit = main([*args, "--server", s.url], env_extra={"CONTEXTPACK_TOKEN": "wrong"})
        assert explicit.returncode == 1 and "CONTEXTPACK_TOKEN" in explicit.stderr and explicit.stdout == ""
        via = main([*args, "-o", str(tmp_path / "b.json")], env_extra={"CONTEXTPACK_TOKEN": "tok-123"})
        assert via.returncode == 0 and f"packed by {s.url}" in via.stderr
        assert (tmp_path / "b.json").read_text() == local
        # MCP (streamable HTTP) at /mcp, behind the same token
        init = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                           "clientInfo": {"name": "t", "version": "0"}}}
        accept = {"Accept": "application/json, text/event-stream"}
        assert httpx.post(f"{s.url}/mcp", json=init, headers=accept).status_code == 401
        mcp = httpx.post(f"{s.url}/mcp", json=init, headers={**accept, "Authorization": "Bearer tok-123"})
        assert mcp.status_code == 200 and "contextpack" in mcp.text
    finally:
        s.stop()


# -- the console script's quick path (launch.py): pack through a server without loading the full CLI --------

HEAVY = ("typer", "rich", "pydantic", "click", "httpx", "contextpack.cli")
_PROBE = ("import atexit, sys\n"
          "atexit.register(lambda: sys.stderr.write('loaded: ' + ' '.join(m for m in {heavy!r} if m in sys.modules)))\n"
          "from contextpack.launch import main\n"
          "sys.argv = ['contextpack', *{args!r}]\n"
          "main()\n")


def _probe(args: list[str], **kw) -> subprocess.CompletedProcess[str]:
    """The console script's code in a subprocess that says, at exit, which heavy modules it imported."""
    code = _PROBE.format(heavy=HEAVY, args=args)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=os.environ,
                          **kw)


def test_pack_through_a_server_skips_the_full_cli_and_prints_the_same_bytes(served, shop, tmp_path, main):
    args = ["pack", "--repo", str(shop), "--task", TASK, "--budget", "1200"]
    local = main([*args, "--no-server"])
    for extra in ([], ["--format", "md"], ["-b", "900", "--type", "refactor"]):
        quick = _probe([*args, *extra], stdin=subprocess.DEVNULL)
        full = main([*args, *extra, "--no-server"])
        assert quick.returncode == 0 and quick.stdout == full.stdout, quick.stderr
        assert quick.stderr == "loaded: ", quick.stderr  # none of the heavy modules
    piped = _probe(["pack", "--repo", str(shop), "--budget", "1200"], input=TASK)
    assert piped.returncode == 0 and piped.stdout == local.stdout and piped.stderr == "loaded: "
    out = tmp_path / "quick.json"
    written = _probe([*args, "-o", str(out)], stdin=subprocess.DEVNULL)
    assert written.returncode == 0 and out.read_text() == local.stdout
    assert written.stderr == f"wrote {out}: packed by {served.url}\nloaded: "


def test_what_the_quick_path_is_not_sure_of_goes_to_the_full_cli(served, shop, tmp_path, main):
    # an unregistered repository: the full CLI registers it, reading the piped task the quick path read
    other = make_shop(tmp_path / "other" / "shop")
    r = _probe(["pack", "--repo", str(other), "--budget", "800"], input=TASK)
    assert r.returncode == 0, r.stderr
    assert r.stdout == main(["pack", "--repo", str(other), "--task", TASK, "--budget", "800", "--no-server"]).stdout
    assert "typer" in r.stderr
    # a problem from the server: the full CLI words it, with the in-process exit code
    bad = _probe(["pack", "--repo", str(shop), "--task", TASK, "--budget", "-1"], stdin=subprocess.DEVNULL)
    assert bad.returncode == 2 and bad.stdout == "" and "budget" in bad.stderr and "Traceback" not in bad.stderr
    # options the quick path leaves to the full CLI
    for extra in (["--help"], ["--no-server"]):
        r = _probe(["pack", "--repo", str(shop), "--task", TASK, *extra], stdin=subprocess.DEVNULL)
        assert r.returncode == 0 and "typer" in r.stderr


def test_the_quick_path_knows_every_option_of_pack_and_its_defaults():
    import typer.main

    from contextpack import cli, launch
    from contextpack.models import PackRequest

    command = typer.main.get_command(cli.app).commands["pack"]
    declared = {opt for p in command.params for opt in p.opts}
    quick = {opt for a in launch._parser()._actions for opt in a.option_strings}
    assert declared == quick | {"--index", "--no-server"}  # those two are the full CLI's by design
    defaults = {p.name: p.default for p in command.params}
    fields = PackRequest.model_fields  # what the server fills in for an option the quick path leaves out
    assert (defaults["budget"], defaults["fmt"], defaults["encoding"], defaults["task_type"]) == (
        fields["budget"].default, fields["format"].default, fields["encoding"].default, fields["type"].default)
    assert str(defaults["repo"]) == "."
