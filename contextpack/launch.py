"""The `contextpack` console script. `pack` with a running server takes a quick path: the standard library
reads the task, asks the server over loopback and prints its bytes, so a shell hook pays for neither
Typer, Rich nor pydantic (about a third of a second). Everything else, and any request the quick path is
not sure of, goes to the full CLI (`cli.main`), which then gives the same answer or the proper error.

    contextpack pack --task "QuerySet.bulk_create ignores batch_size"   # quick when `contextpack serve` runs
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
from http.client import HTTPConnection, HTTPException
from urllib.parse import urlsplit

from .discovery import TOKEN_ENV, discover
from .task_input import decode_task, read_task

CONNECT_TIMEOUT = 2.0  # a local server answers at once, or it is not there
READ_TIMEOUT = 600.0  # a cold index of a large repository


class _NotQuick(Exception):
    """This request is the full CLI's: unusual options, no server, or anything but a bundle back."""


class _Options(argparse.ArgumentParser):
    def error(self, message: str):  # argparse would print usage and exit; the full CLI words it instead
        raise _NotQuick(message)


def _parser() -> _Options:
    """`pack`'s options, as `cli.pack` declares them (tests/test_launch.py keeps the two in step). Options
    left out (--index, --no-server, --help) make the request the full CLI's."""
    p = _Options(prog="contextpack pack", add_help=False, allow_abbrev=False)
    p.add_argument("-r", "--repo", default=".")
    p.add_argument("-t", "--task")
    p.add_argument("-f", "--task-file")
    p.add_argument("-b", "--budget", type=int)
    p.add_argument("--format")
    p.add_argument("--type")
    p.add_argument("--encoding")
    p.add_argument("-o", "--output")
    p.add_argument("--owned", action="append")
    p.add_argument("--server")
    return p


def _task(opts: argparse.Namespace) -> str:
    if opts.task is not None and opts.task_file is not None:
        raise _NotQuick("two tasks")
    if opts.task_file is not None:
        try:
            with open(opts.task_file, "rb") as fh:
                return read_task(fh)
        except OSError as err:
            raise _NotQuick(str(err)) from None
    if opts.task is not None:
        return decode_task(opts.task.encode("utf-8", "surrogateescape"))  # argv bytes that were not UTF-8
    if sys.stdin is None or sys.stdin.isatty():
        raise _NotQuick("no task")
    text = read_task(getattr(sys.stdin, "buffer", sys.stdin))
    sys.stdin = io.StringIO(text)  # read once: the full CLI, if it takes over, reads the same text again
    return text


class _Server:
    """One keep-alive loopback connection to a contextpack server."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise _NotQuick(f"not a plain http URL: {url}")
        self.conn = HTTPConnection(parts.hostname, parts.port or 80, timeout=CONNECT_TIMEOUT)
        token = os.environ.get(TOKEN_ENV)
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def call(self, method: str, path: str, body: dict | None = None) -> bytes:
        headers = dict(self.headers)
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        try:
            if self.conn.sock is None:
                self.conn.connect()
                self.conn.sock.settimeout(READ_TIMEOUT)
            self.conn.request(method, path, body=data, headers=headers)
            resp = self.conn.getresponse()
            payload = resp.read()
        except (OSError, HTTPException) as err:
            raise _NotQuick(f"{type(err).__name__}") from None
        if resp.status != 200:
            raise _NotQuick(f"status {resp.status}")  # the full CLI asks again and words the problem
        return payload

    def close(self) -> None:
        self.conn.close()


def _quick_pack(args: list[str]) -> None:
    """Print the bundle a server packs, or raise _NotQuick before anything was written."""
    opts = _parser().parse_args(args)
    url = opts.server or discover()
    if url is None:
        raise _NotQuick("no server")
    task = _task(opts)
    repo = os.path.expanduser(opts.repo)
    if not os.path.isdir(repo) or not os.access(repo, os.R_OK | os.X_OK):
        raise _NotQuick("repository path")
    root = os.path.realpath(repo)
    server = _Server(url)
    try:
        try:
            names = [r["name"] for r in json.loads(server.call("GET", "/v1/repos")) if r["root"] == root]
        except (ValueError, TypeError, KeyError) as err:
            raise _NotQuick(f"not a contextpack server: {err}") from None
        if not names:
            raise _NotQuick("repository not registered")  # the full CLI registers it
        given = {"budget": opts.budget, "type": opts.type, "encoding": opts.encoding, "format": opts.format,
                 "owned": opts.owned}
        body = {"repo": names[0], "task": task, **{k: v for k, v in given.items() if v is not None}}
        rendered = server.call("POST", "/v1/pack", body).decode("utf-8")
    finally:
        server.close()
    if opts.output is None:
        sys.stdout.write(rendered)
        sys.stdout.flush()
        return
    try:
        with open(opts.output, "w", encoding="utf-8") as fh:
            fh.write(rendered)
    except OSError as err:
        raise _NotQuick(str(err)) from None
    print(f"wrote {opts.output}: packed by {url}", file=sys.stderr)


def main() -> None:
    args = sys.argv[1:]
    if args[:1] == ["pack"]:
        try:
            _quick_pack(args[1:])
            return
        except _NotQuick:
            pass
        except OSError as err:  # stdout closed or full: as the full CLI says it
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            print(f"error: cannot write output: {err.strerror or err}", file=sys.stderr)
            sys.exit(1)
    from .cli import main as full

    full()
