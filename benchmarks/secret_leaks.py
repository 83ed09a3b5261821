"""Secret-leak benchmark: planted secrets through every surface, and the redaction false-positive rate on
real code (issue 11).

Part 1 writes a small repository laid out as a real project, with fake but realistic secrets generated
here (seeded, never real keys) in many shapes and file types, plus secret-named files and a task text that
carries secrets, then runs it through every surface:

- CLI: `index`, `pack` (md, json, xml), `expand --path` (every file), `map`, `symbols` (every defined name),
  `stats --diagnostics`, `verify` (text and json) on a diff that adds secrets;
- HTTP: a live `contextpack serve` on loopback: /v1/pack (3 formats), /v1/bundles/{id}, expand,
  /v1/repos/{n}/symbols, /files (every file), /map, /stats;
- MCP: `contextpack mcp` over stdio with the official client: pack_context, expand_context, get_bundle,
  find_symbol, read_range, repo_map, index_status, and the bundle resources.

Every planted secret is looked for in every output (stdout, stderr, bodies); each hit is a leak, listed
with its surface and shape. Each file also holds a canary on its first line (a comment, not a secret) so
the table shows which surfaces really showed the files' lines (`map` and `symbols` show signatures, so
no canary). `expand` extends a small bundle by every file's path.

Part 2 runs the redactor over every line of every file contextpack indexes in real trees (Django at a
SWE-bench base commit, this repository) and reports redacted lines per 10k lines, with a seeded sample of
redacted lines for a manual verdict (true / false positive).

    .venv/bin/python benchmarks/secret_leaks.py --out benchmarks/results/secret_leaks.md
    .venv/bin/python benchmarks/secret_leaks.py --no-fp          # the leak part only (~1 min)
"""

from __future__ import annotations

# ruff: noqa: E402 (the path is set before the imports below)
import sys
from pathlib import Path

# this file shares its name with the standard library's `secrets` (which starlette imports): its folder
# goes to the end of the path, so `import secrets` finds the library's and `_materialise` still ours
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE] + [str(_HERE)]

import argparse
import asyncio
import base64
import hashlib
import json
import os
import random
import shutil
import signal
import socket
import string
import subprocess
import tempfile
import time
from collections import Counter
from dataclasses import dataclass

import httpx
from _materialise import RepoTree, find_mirror  # noqa: E402
from _provenance import project_version  # noqa: E402

PROJECT = Path(__file__).resolve().parent.parent
EXE = str(Path(sys.executable).with_name("contextpack"))
DATASET = PROJECT.parent / "shared" / "bench" / "swebench-dev.jsonl"
SMALL_BUDGET = "300"  # tokens of the bundle that expand then extends
SAMPLE = 40  # redacted lines shown per tree for a manual verdict
ALNUM = string.ascii_letters + string.digits


@dataclass(frozen=True)
class Planted:
    shape: str
    path: str
    value: str  # what must not appear in any output


class Corpus:
    """Fake secrets from a seeded generator, written into files of many types."""

    def __init__(self, root: Path, seed: int = 11):
        self.root, self.rng, self.planted, self.canaries = root, random.Random(seed), [], {}

    def rand(self, n: int, alphabet: str = ALNUM) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def pw(self) -> str:  # a password as people write them: letters, digits, a symbol
        return self.rand(6, string.ascii_letters) + self.rand(4, string.digits) + self.rng.choice("!#%&_") \
            + self.rand(4, string.ascii_letters)

    def plant(self, shape: str, path: str, value: str) -> str:
        self.planted.append(Planted(shape, path, value))
        return value

    def write(self, path: str, text: str) -> None:
        canary = f"CANARY{hashlib.sha256(path.encode()).hexdigest()[:10]}"
        self.canaries[path] = canary
        ext = path.rsplit(".", 1)[-1] if "." in path else ""
        comment = {"py": "#", "sh": "#", "yaml": "#", "yml": "#", "toml": "#", "ini": ";", "properties": "#",
                   "env": "#", "go": "//", "js": "//", "ts": "//", "java": "//"}.get(ext, "#")
        if ext == "json":
            text = text.replace('{\n', f'{{\n  "canary": "{canary}",\n', 1)
        else:
            text = f"{comment} {canary}\n{text}"
        full = self.root / path
        full.parent.mkdir(parents=True, exist_ok=True)
        full.write_text(text, "utf-8")

    def build(self) -> None:
        p = self.plant
        aws_id = "AKIA" + self.rand(16, string.ascii_uppercase + string.digits)
        aws_secret = self.rand(40, ALNUM + "+/")
        pem_body = base64.b64encode(self.rng.randbytes(96)).decode()
        pem = f"-----BEGIN RSA PRIVATE KEY-----\n{pem_body[:64]}\n{pem_body[64:]}\n-----END RSA PRIVATE KEY-----"
        pem_b64 = base64.b64encode(pem.encode()).decode()
        esc_tail = self.rand(12)
        yaml_tail = self.rand(12)
        jwt = ".".join(base64.urlsafe_b64encode(json.dumps(x).encode()).decode().rstrip("=") for x in (
            {"alg": "HS256", "typ": "JWT"}, {"sub": self.rand(8), "name": "svc", "iat": 1700000000})) \
            + "." + self.rand(43, ALNUM + "-_")
        basic = base64.b64encode(f"deploy:{self.pw()}".encode()).decode()
        azure = p("Azure AccountKey", "app/settings.py", base64.b64encode(self.rng.randbytes(64)).decode())
        bearer = p("Bearer header", "web/config.js", self.rand(40, ALNUM + "-._"))
        xoxp = p("Slack xoxp", "svc/Config.java", "xoxp-" + self.rand(12, string.digits) + "-" + self.rand(24))
        self.write("app/settings.py", f'''\
import os

DEBUG = False
SECRET_KEY = "{p("keyword py", "app/settings.py", self.rand(50, ALNUM + "!@#%^&*(-_=+)"))}"
DB_PASSWORD = '{p("keyword py", "app/settings.py", self.pw())}'
API_KEY = "{p("keyword py", "app/settings.py", self.rand(32))}"
ESCAPED_PASSWORD = "ab\\"{p("escaped quote", "app/settings.py", esc_tail)}"
AWS_ACCESS_KEY_ID = "{p("AWS access key id", "app/settings.py", aws_id)}"
AWS_CREDENTIALS = ("{aws_id}", "{p("AWS secret key, no keyword", "app/settings.py", aws_secret)}")
DATABASE_URL = "postgres://app:{p("URL password", "app/settings.py", self.pw())}@db.internal:5432/app"
CACHE_URL = "redis://:{p("redis URL password", "app/settings.py", self.pw())}@cache:6379/0"
MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "{p("environ fallback", "app/settings.py", self.pw())}")
# the staging password is {p("password in comment", "app/settings.py", self.pw())}
STORAGE = "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey={azure};EndpointSuffix=core.windows.net"


def connect(host, user="admin", password="{p("default argument", "app/settings.py", self.pw())}"):
    return (host, user, password)


def fetch_report(session):
    return session.get("https://api.example.com/r", auth=("reporter", "{
    p("auth pair", "app/settings.py", self.pw())}"))
''')
        self.write("app/keys.py", f'''\
OPENAI_API_KEY = "{p("OpenAI sk-proj", "app/keys.py", "sk-proj-" + self.rand(48, ALNUM + "_-"))}"
ANTHROPIC_API_KEY = "{p("Anthropic sk-ant", "app/keys.py", "sk-ant-api03-" + self.rand(80, ALNUM + "_-"))}"
GOOGLE_MAPS = "{p("Google AIza", "app/keys.py", "AIza" + self.rand(35, ALNUM + "_-"))}"
HF = "{p("Hugging Face hf_", "app/keys.py", "hf_" + self.rand(34))}"
GITHUB = "{p("GitHub ghp_", "app/keys.py", "ghp_" + self.rand(36))}"
GITHUB_FINE = "{p("GitHub github_pat_", "app/keys.py", "github_pat_" + self.rand(22) + "_" + self.rand(59))}"
SLACK = "{p("Slack xoxb", "app/keys.py", "xoxb-" + self.rand(12, string.digits) + "-" + self.rand(13, string.digits)
                + "-" + self.rand(24))}"
STRIPE = "{p("Stripe sk_live", "app/keys.py", "sk_live_" + self.rand(24))}"
SERVICE_JWT = "{p("JWT", "app/keys.py", jwt)}"
PRIVATE_KEY = """{pem}"""
''')
        self.plant("PEM private key", "app/keys.py", pem_body[:64])
        self.write("web/config.js", f'''\
export const apiKey = "{p("keyword js", "web/config.js", self.rand(32))}";
export const stripeKey = '{p("Stripe sk_live", "web/config.js", "sk_live_" + self.rand(24))}';
export function client(fetch) {{
  return fetch("/api", {{ headers: {{ Authorization: "Bearer {bearer}" }} }});
}}
export function login(user, password = "{p("default argument js", "web/config.js", self.pw())}") {{ return user; }}
''')
        self.write("svc/main.go", f'''\
package main

var dbPassword = "{p("keyword go", "svc/main.go", self.pw())}"

const githubToken = "{p("GitHub ghp_", "svc/main.go", "ghp_" + self.rand(36))}"

func dsn() string {{ return "mysql://svc:{p("URL password", "svc/main.go", self.pw())}@tcp(db:3306)/app" }}
''')
        self.write("svc/Config.java", f'''\
public class Config {{
    private static final String PASSWORD = "{p("keyword java", "svc/Config.java", self.pw())}";
    public static String token() {{ return "{xoxp}"; }}
}}
''')
        self.write("deploy/values.yaml", f'''\
database:
  password: '{p("keyword yaml", "deploy/values.yaml", self.pw())}'
  secret: 'it''s-{p("YAML '' escape", "deploy/values.yaml", yaml_tail)}'
slack_token: {p("Slack xoxb", "deploy/values.yaml", "xoxb-" + self.rand(12, string.digits) + "-" + self.rand(24))}
tls_key_b64: {p("base64 PEM", "deploy/values.yaml", pem_b64)}
''')
        self.write("deploy/app.json", f'''{{
  "api_key": "{p("keyword json", "deploy/app.json", self.rand(32))}",
  "openai": "{p("OpenAI sk-proj", "deploy/app.json", "sk-proj-" + self.rand(48))}"
}}
''')
        self.write("deploy/settings.toml", f'''\
[service]
token = "{p("keyword toml", "deploy/settings.toml", self.rand(40))}"
anthropic = "{p("Anthropic sk-ant", "deploy/settings.toml", "sk-ant-" + self.rand(60))}"
''')
        self.write("deploy/app.ini", f'''\
[db]
password = {p("keyword ini (unquoted)", "deploy/app.ini", self.pw())}
url = postgresql://reader:{p("URL password", "deploy/app.ini", self.pw())}@db/reports
''')
        self.write("deploy/app.properties", f'''\
db.password={p("keyword properties", "deploy/app.properties", self.pw())}
google.key={p("Google AIza", "deploy/app.properties", "AIza" + self.rand(35))}
''')
        self.write("deploy/release.sh", f'''\
#!/bin/sh
export HF_TOKEN={p("Hugging Face hf_", "deploy/release.sh", "hf_" + self.rand(34))}
export DB_PASSWORD="{p("keyword shell", "deploy/release.sh", self.pw())}"
echo "//registry.npmjs.org/:_authToken={p("npm_", "deploy/release.sh", "npm_" + self.rand(36))}" > .npmrc
curl -H "Authorization: Basic {p("Basic header", "deploy/release.sh", basic)}" https://ci.example.com/hook
''')
        (self.root / "deploy" / "release.sh").chmod(0o755)
        self.write(".env", f"DB_PASSWORD={p('.env file', '.env', self.pw())}\n")
        self.write("tests/test_settings.py", '''\
from app.settings import connect, fetch_report


def test_connect():
    assert connect("db")[0] == "db"
''')
        # secrets in file and directory names
        name_aws = "AKIA" + self.rand(16, string.ascii_uppercase + string.digits)
        name_gh = "ghp_" + self.rand(36)
        self.write(f"keys/{p('secret in file name', 'keys/', name_aws)}.py", "def rotate():\n    return 1\n")
        self.write(f"{p('secret in directory name', 'dir', name_gh)}/deploy.py", "def deploy():\n    return 2\n")

    def task(self) -> str:
        """A task naming every file and symbol, carrying secrets of its own (a pasted .env and diff)."""
        t1 = self.plant("secret in task text", "(task)", "sk-proj-" + self.rand(48))
        t2 = self.plant("secret in task text", "(task)", self.pw())
        t3 = self.plant("secret in task text", "(task)", "ghp_" + self.rand(36))
        t4 = self.plant("secret mid-line in task text", "(task)", self.pw())
        t5 = self.plant("secret mid-line in task text", "(task)", self.rand(24))
        files = " ".join(sorted(p for p in self.canaries if not p.startswith((".env", "keys/", "ghp_"))))
        return (f"connect() and fetch_report() fail; check the settings and keys in {files}.\n"
                f"My .env has:\nOPENAI_API_KEY={t1}\nDB_PASSWORD={t2}\n"
                f"+    token = \"{t3}\"\n"
                f"It fails when password={t4} is set; to reproduce run `export API_TOKEN={t5}` first.\n")

    def diff(self) -> str:
        """A patch for verify that adds secret lines to an owned file."""
        v1 = self.plant("secret in verified diff", "app/settings.py", "ghp_" + self.rand(36))
        v2 = self.plant("secret in verified diff", "app/settings.py", self.pw())
        return ("diff --git a/app/settings.py b/app/settings.py\n--- a/app/settings.py\n+++ b/app/settings.py\n"
                "@@ -1,2 +1,4 @@\n # x\n import os\n"
                f"+GH_TOKEN = \"{v1}\"\n+ADMIN_PASSWORD = \"{v2}\"\n")


# ---- surfaces --------------------------------------------------------------------------------------------

class Outputs:
    """Every output of every surface, by surface name."""

    def __init__(self) -> None:
        self.by_surface: dict[str, list[str]] = {}
        self.errors: list[str] = []

    def add(self, surface: str, text: str | bytes) -> None:
        self.by_surface.setdefault(surface, []).append(
            text.decode("utf-8", "replace") if isinstance(text, bytes) else text)


def run_cli(outs: Outputs, surface: str, args: list[str], env: dict, cwd: Path, stdin: str | None = None) -> str:
    proc = subprocess.run([EXE, *args], capture_output=True, env=env, cwd=cwd, timeout=600,
                          input=stdin.encode() if stdin is not None else None)
    outs.add(surface, proc.stdout + proc.stderr)
    if proc.returncode not in (0, 1, 2) or b"Traceback" in proc.stderr:
        outs.errors.append(f"{surface}: exit {proc.returncode}: {proc.stderr.decode(errors='replace')[-300:]}")
    return proc.stdout.decode("utf-8", "replace")


def cli_surfaces(outs: Outputs, root: Path, env: dict, task: str, names: list[str], files: list[str],
                 diff: Path, work: Path) -> None:
    run_cli(outs, "cli index", ["index", "--repo", str(root), "-q"], env, work)
    bundle_json = ""
    for fmt in ("json", "md", "xml"):
        text = run_cli(outs, f"cli pack {fmt}", ["pack", "--repo", str(root), "--no-server", "--budget", "60000",
                                                 "--format", fmt], env, work, stdin=task)
        bundle_json = text if fmt == "json" else bundle_json
    (work / "bundle.json").write_text(bundle_json)
    small = run_cli(outs, "cli pack json", ["pack", "--repo", str(root), "--no-server", "--budget", SMALL_BUDGET],
                    env, work, stdin=task)
    bid = json.loads(small)["id"]  # a small bundle: expanding it by path shows every file
    for fmt in ("json", "md"):
        run_cli(outs, f"cli expand {fmt}", ["expand", bid, "--budget", "60000", "--format", fmt,
                                            *[a for f in files for a in ("--path", f)]], env, work)
    run_cli(outs, "cli map", ["map", "--repo", str(root), "--budget", "60000"], env, work)
    for name in names:
        run_cli(outs, "cli symbols", ["symbols", name, "--repo", str(root)], env, work)
    run_cli(outs, "cli stats", ["stats", "--repo", str(root), "--diagnostics"], env, work)
    for fmt in ("text", "json"):
        run_cli(outs, f"cli verify {fmt}", ["verify", "--bundle", str(work / "bundle.json"), "--repo", str(root),
                                            "--diff", str(diff), "--format", fmt], env, work)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_surfaces(outs: Outputs, root: Path, env: dict, task: str, names: list[str], files: list[str],
                  work: Path) -> None:
    port = free_port()
    log = open(work / "serve.log", "w")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen([EXE, "serve", "--repo", str(root), "--port", str(port), "--no-watch"], env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=work)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        with httpx.Client(base_url=url, timeout=300) as c:
            repo = c.get("/v1/repos").json()[0]["name"]
            ids = {}
            for fmt in ("json", "md", "xml"):
                r = c.post("/v1/pack", json={"repo": repo, "task": task, "budget": 60000, "format": fmt})
                outs.add(f"http /v1/pack {fmt}", r.text)
                ids["big"] = r.json()["id"] if fmt == "json" else ids["big"]
            r = c.post("/v1/pack", json={"repo": repo, "task": task, "budget": int(SMALL_BUDGET)})
            outs.add("http /v1/pack json", r.text)
            outs.add("http /v1/bundles", c.get(f"/v1/bundles/{ids['big']}").text)
            outs.add("http expand", c.post(f"/v1/bundles/{r.json()['id']}/expand",
                                           json={"paths": files, "budget": 60000}).text)
            for name in names:
                outs.add("http symbols", c.get(f"/v1/repos/{repo}/symbols", params={"q": name}).text)
            for f in files:
                outs.add("http files", c.get(f"/v1/repos/{repo}/files/{f}").text)
            outs.add("http map", c.get(f"/v1/repos/{repo}/map", params={"budget": 60000}).text)
            outs.add("http stats", c.get(f"/v1/repos/{repo}/stats").text)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
        outs.add("http server log", (work / "serve.log").read_text("utf-8", "replace"))


async def _mcp(outs: Outputs, root: Path, env: dict, task: str, names: list[str], files: list[str]) -> None:
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters

    params = StdioServerParameters(command=EXE, args=["mcp", "--repo", str(root), "--no-watch"], env=env)
    async with Client(params, mode="legacy") as client:
        async def call(surface: str, tool: str, args: dict) -> object:
            result = await client.call_tool(tool, args)
            outs.add(surface, result.model_dump_json())
            return result

        big = await call("mcp pack_context", "pack_context", {"task": task, "budget": 60000})
        small = await call("mcp pack_context", "pack_context", {"task": task, "budget": int(SMALL_BUDGET)})
        bid = (big.structured_content or {}).get("id")
        small_id = (small.structured_content or {}).get("id")
        if bid and small_id:
            await call("mcp get_bundle", "get_bundle", {"bundle_id": bid})
            await call("mcp expand_context", "expand_context",
                       {"bundle_id": small_id, "paths": files, "budget": 60000})
            for uri in (f"contextpack://bundles/{bid}", f"contextpack://bundles/{bid}/json"):
                outs.add("mcp resources", (await client.read_resource(uri)).model_dump_json())
        else:
            outs.errors.append("mcp: pack_context returned no bundle id")
        for name in names:
            await call("mcp find_symbol", "find_symbol", {"query": name})
        for f in files:
            await call("mcp read_range", "read_range", {"path": f})
        await call("mcp repo_map", "repo_map", {"budget": 60000})
        await call("mcp index_status", "index_status", {})


def defined_names(root: Path, env: dict) -> list[str]:
    """Every top-level assignment and function of the corpus, as `symbols` queries."""
    names = set()
    for path in root.rglob("*"):
        if path.is_file() and path.suffix in (".py", ".js", ".go", ".java"):
            for line in path.read_text("utf-8", "replace").splitlines():
                for kw in ("def ", "function ", "const ", "var ", "String "):
                    if kw in line:
                        word = line.split(kw, 1)[1].split("(")[0].split("=")[0].split()[0].strip()
                        names.add(word)
                if line[:1].isupper() and "=" in line:
                    names.add(line.split("=")[0].strip())
    return sorted(n for n in names if n.isidentifier())


def leak_part(work: Path, seed: int) -> tuple[list[str], list[str]]:
    root = work / "acme"
    shutil.rmtree(work, ignore_errors=True)
    root.mkdir(parents=True)
    corpus = Corpus(root, seed)
    corpus.build()
    task = corpus.task()
    diff = work / "change.diff"
    diff.write_text(corpus.diff())
    env = {**os.environ, "CONTEXTPACK_INDEX_DIR": str(work / "index"), "CONTEXTPACK_BUNDLE_DIR": str(work / "bundles"),
           "XDG_CACHE_HOME": str(work / "cache"), "HOME": str(work / "home")}
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    names = defined_names(root, env)
    from contextpack.scan import ScanOptions, scan_repo

    files = [f.path for f in scan_repo(root, ScanOptions()).files]  # what the surfaces can read
    outs = Outputs()
    started = time.perf_counter()
    cli_surfaces(outs, root, env, task, names, files, diff, work)
    http_surfaces(outs, root, env, task, names, files, work)
    asyncio.run(_mcp(outs, root, env, task, names, files))
    seconds = time.perf_counter() - started

    lines = ["## Planted secrets through every surface", "",
             f"{len(corpus.planted)} planted secrets of {len({p.shape for p in corpus.planted})} shapes in "
             f"{len(corpus.canaries)} files (+ the task text and a verified diff); {len(files)} of the files indexed "
             f"(the others: secret files, secret names, languages not indexed); {len(names)} symbol queries and "
             f"{len(files)} file reads per surface; {seconds:.0f} s.", "",
             "| surface | outputs | files shown (canaries) | planted secrets found |", "|---|---:|---:|---:|"]
    leaks = []
    for surface, texts in sorted(outs.by_surface.items()):
        blob = "\n".join(texts)
        shown = sum(1 for c in corpus.canaries.values() if c in blob)
        found = [p for p in corpus.planted if p.value in blob]
        leaks += [(surface, p) for p in found]
        lines.append(f"| {surface} | {len(texts)} | {shown} | {len(found)} |")
    lines += ["", f"**Leaks: {len({p.value for _, p in leaks})} planted secrets seen, {len(leaks)} (surface, secret) "
                  f"pairs** (target 0)", ""]
    if leaks:
        by_secret: dict[Planted, list[str]] = {}
        for surface, p in leaks:
            by_secret.setdefault(p, []).append(surface)
        lines += ["| shape | file | surfaces |", "|---|---|---|"]
        lines += [f"| {p.shape} | `{p.path}` | {', '.join(sorted(set(ss)))} |" for p, ss in by_secret.items()]
        lines.append("")
    if outs.errors:
        lines += ["Errors:", ""] + [f"- {e}" for e in outs.errors] + [""]
    shapes = sorted({p.shape for p in corpus.planted})
    lines += ["Shapes planted: " + ", ".join(shapes) + ".", ""]
    return lines, outs.errors


# ---- false positives on real code ------------------------------------------------------------------------

def fp_part(trees: list[tuple[str, Path]], seed: int) -> list[str]:
    from contextpack.redact import MARK, Redactor
    from contextpack.scan import ScanOptions, scan_repo

    lines = ["## Redaction on real code (false positives)", "",
             "Every line of every file contextpack indexes, through the redactor that every surface uses.", "",
             "| tree | files | lines | lines redacted | per 10k lines | CPU s |", "|---|---:|---:|---:|---:|---:|"]
    samples = []
    for label, root in trees:
        cpu = time.process_time()
        files = scan_repo(root, ScanOptions()).files
        total, hits = 0, []
        for f in files:
            try:
                text = (root / f.path).read_text("utf-8", "replace")
            except OSError:
                continue
            src = text.split("\n")
            r = Redactor(src, f.path)
            for n in range(1, len(src) + 1):
                if MARK in r.line(n) and MARK not in src[n - 1]:
                    hits.append((f.path, n, src[n - 1].strip(), r.line(n).strip(), r.found.get(n, "")))
            total += len(src)
        cpu = time.process_time() - cpu
        lines.append(f"| {label} | {len(files)} | {total} | {len(hits)} | {len(hits) / total * 1e4:.2f} | {cpu:.1f} |")
        rng = random.Random(seed)
        picked = sorted(rng.sample(hits, min(SAMPLE, len(hits))))
        samples.append((label, len(hits), picked, Counter(h[4] for h in hits)))
    lines.append("")
    lines += ["Redacted lines by detector (the type of the last secret found on the line):", "",
              "| tree | detector | lines |", "|---|---|---:|"]
    for label, _, _, kinds in samples:
        lines += [f"| {label} | {kind} | {n} |" for kind, n in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))]
    lines.append("")
    for label, n, picked, _ in samples:
        lines += [f"### Sample of redacted lines: {label} ({len(picked)} of {n})", "",
                  "| # | where | detector | line (as in the file, cut at 110 chars) |", "|---:|---|---|---|"]
        for i, (path, ln, orig, _red, kind) in enumerate(picked, 1):
            shown = orig[:110].replace("|", "\\|").replace("`", "'")
            lines.append(f"| {i} | `{path}:{ln}` | {kind} | `{shown}` |")
        lines.append("")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, help="write the markdown report here too")
    ap.add_argument("--work-dir", type=Path, default=Path(tempfile.gettempdir()) / "contextpack-bench" / "secrets")
    ap.add_argument("--no-fp", action="store_true", help="skip the false-positive part")
    ap.add_argument("--mirror-root", type=Path, default=Path("/work/.mirror"))
    ap.add_argument("--django-commit", help="default: the base commit of the dataset's first Django instance")
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    version = project_version(PROJECT)
    load = os.getloadavg()
    report = ["# Secret-leak benchmark", "",
              f"`.venv/bin/python benchmarks/secret_leaks.py{'' if not args.no_fp else ' --no-fp'}"
              f"{' --out ' + str(args.out) if args.out else ''}` on {version}; load average "
              f"{load[0]:.1f} / {load[1]:.1f} at the start.", ""]
    leak_lines, errors = leak_part(args.work_dir / "leaks", args.seed)
    report += leak_lines
    print("\n".join(leak_lines), flush=True)
    if not args.no_fp:
        commit = args.django_commit
        if commit is None:
            for row in DATASET.read_text().splitlines():
                d = json.loads(row)
                if d["repo"] == "django/django":
                    commit = d["base_commit"]
                    break
        tree = RepoTree(find_mirror(args.mirror_root, "django/django"), args.work_dir / "django").checkout(commit)
        fp = fp_part([(f"Django {commit[:12]}", tree.root), ("contextpack (this repository)", PROJECT)], args.seed)
        print("\n".join(fp), flush=True)
        report += fp
    if args.out:
        args.out.write_text("\n".join(report).rstrip("\n") + "\n")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
