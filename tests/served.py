"""A real uvicorn server on a free loopback port, in a background thread, for the HTTP tests and the
API fuzz benchmark; and raw HTTP requests whose target no client library normalises.

    with Served(create_app(workspace)) as url:
        httpx.get(f"{url}/healthz")
"""

from __future__ import annotations

import socket
import threading
import time
import tomllib

import uvicorn


class Served:
    def __init__(self, app, host: str = "127.0.0.1"):
        self.config = uvicorn.Config(app, host=host, port=0, log_level="warning", access_log=False,
                                     lifespan="off")
        self.server = uvicorn.Server(self.config)
        self.thread = threading.Thread(target=self.server.run, name="uvicorn", daemon=True)
        self.url = ""

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://{self.config.host}:{port}"
        return self.url

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def raw_request(url: str, target: str, method: str = "GET", headers: dict[str, str] | None = None,
                body: bytes = b"") -> tuple[int, dict[str, str], bytes]:
    """Send `method target HTTP/1.1` exactly as given (no dot-segment removal, no re-encoding)."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}:{port}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, payload = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    response_headers = {}
    for line in header_lines:
        k, _, v = line.partition(":")
        response_headers[k.strip().lower()] = v.strip()
    return int(status_line.split()[1]), response_headers, payload


# Schemathesis' settings for this API (a schemathesis.toml), shared by tests/test_api_fuzz.py and
# benchmarks/api_fuzz.py. Every check runs. The registered repository's name is drawn often, so that cases
# reach the facade instead of a 404. positive_data_acceptance also accepts 422 where the facade checks
# what a JSON Schema can't say: whether a directory exists (register), whether an encoding is available
# offline (pack, map, continue), whether a line range is inside the file (files), and which repository
# Continue means.
FUZZ_TOML = """
[dictionaries.repos]
values = ["shop"]

[parameters]
"path.name" = { dictionary = "repos", probability = 0.7 }
"body.repo" = { dictionary = "repos", probability = 0.7 }
""" + "".join(f"""
[[operations]]
include-method = "{method}"
include-path = "{path}"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]
""" for method, path in [("POST", "/v1/repos"), ("POST", "/v1/pack"), ("POST", "/v1/continue"),
                         ("GET", "/v1/repos/{name}/map"), ("GET", "/v1/repos/{name}/files/{path}")])
FUZZ_CONFIG = tomllib.loads(FUZZ_TOML)
