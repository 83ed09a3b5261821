"""Issue 11, item 3: `map` and `symbols` print signatures; a secret in a constant, a default argument, a
URL or a private key block must not ride out in them."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import write
from hostile import cli

AWS_SECRET = "q9Vt3LmR7xK2pW8nZ4bH6cJ1dF5gS0aE2yU7iO3r"
DB_PASSWORD = "Sup3rS3cretPassw0rd"
DEFAULT_PASSWORD = "Hunt3rHunt3r99"
KEY_BODY = "MIIEpAIBAAKCAQEAq8Zt4Ye5mXw2bQf0Lk9JpR3sVd7NcX1uT6oHaWgE2rYiBzMn"
OPENAI = "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7cDe0fGh3i"
SECRETS = [AWS_SECRET, DB_PASSWORD, DEFAULT_PASSWORD, KEY_BODY, OPENAI]
NAMES = ["AWS_SECRET_ACCESS_KEY", "DATABASE_URL", "connect", "PRIVATE_KEY", "OPENAI_API_KEY", "Client"]


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> tuple[Path, Path]:
    home = tmp_path_factory.mktemp("home")
    root = home / "repo"
    write(root, "settings.py", f'''\
        AWS_SECRET_ACCESS_KEY = "{AWS_SECRET}"
        DATABASE_URL = "postgres://admin:{DB_PASSWORD}@db.internal:5432/app"
        OPENAI_API_KEY = "{OPENAI}"
        PRIVATE_KEY = """-----BEGIN RSA PRIVATE KEY-----
        {KEY_BODY}
        -----END RSA PRIVATE KEY-----"""


        def connect(host, password="{DEFAULT_PASSWORD}"):
            return host


        class Client:
            def __init__(self, url="redis://:{DB_PASSWORD}@cache:6379"):
                self.url = url
        ''')
    write(root, "app.js", f'export const OPENAI_API_KEY = "{OPENAI}";\n'
                          f'export function login(user, password = "{DEFAULT_PASSWORD}") {{ return user; }}\n')
    assert cli("index", "--repo", root, home=home).returncode == 0
    return root, home


def leaks(text: bytes) -> list[str]:
    return [s for s in SECRETS if s.encode() in text]


def test_map_is_redacted(repo) -> None:
    root, home = repo
    proc = cli("map", "--repo", root, "--budget", "100000", home=home)
    assert proc.returncode == 0, proc.stderr
    assert b"settings.py:" in proc.stdout and b"[REDACTED" in proc.stdout
    assert not leaks(proc.stdout + proc.stderr)


@pytest.mark.parametrize("name", NAMES + ["login"])
def test_symbols_are_redacted(repo, name: str) -> None:
    root, home = repo
    proc = cli("symbols", name, "--repo", root, home=home)
    assert proc.returncode == 0, proc.stderr
    assert not leaks(proc.stdout + proc.stderr), proc.stdout


def test_the_task_echo_is_redacted(tmp_path, monkeypatch):
    """`git diff | contextpack pack` puts the diff into the task: its secrets must not come back out."""
    from contextpack.engine import Engine

    monkeypatch.setenv("CONTEXTPACK_INDEX_DIR", str(tmp_path / "idx"))
    root = tmp_path / "r"
    root.mkdir()
    (root / "app.py").write_text("def connect():\n    return None\n")
    secret = "AKIAIOSFODNN7EXAMPLE"
    bundle = Engine(root).pack(f"connect fails\n+AWS_ACCESS_KEY_ID={secret}\n", 1000)
    assert secret not in bundle.to_json()
    assert "connect fails" in bundle.task.text


GITHUB = "ghp_Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7C"
AWS_ID = "AKIAQWERTYUIOPASDFGH"


def test_a_definition_or_a_repository_named_like_a_token(tmp_path) -> None:
    """Names reach the output by other roads than a line's content: a definition named like a token in
    `symbols` and in the reasons of `pack` and `expand` (defines `ghp_…`, mentioned in task), the repository's
    own directory in `repo.root` and in what `index` and `stats` print."""
    root = tmp_path / f"repo-{GITHUB}"
    write(root, "pkg/names.py", f"def {GITHUB}():\n    pass\n\n\nclass {AWS_ID}:\n    pass\n")
    write(root, "pkg/use.py", f"from pkg.names import {GITHUB}\n\n\ndef run():\n    return {GITHUB}()\n")
    outputs = [cli("index", "--repo", root, home=tmp_path), cli("stats", "--repo", root, home=tmp_path),
               cli("symbols", GITHUB, "--repo", root, home=tmp_path),
               cli("symbols", AWS_ID, "--repo", root, home=tmp_path)]
    bundle = tmp_path / "b.json"
    for fmt in ("json", "md", "xml"):
        outputs.append(cli("pack", "--repo", root, "--task", f"{GITHUB} fails when run calls it", "--format", fmt,
                           "--budget", "2000", home=tmp_path))
    assert b"[REDACTED" in outputs[2].stdout  # found, and masked
    cli("pack", "--repo", root, "--task", "run fails", "--budget", "20", "-o", bundle, home=tmp_path)
    outputs.append(cli("expand", json.loads(bundle.read_text())["id"], "--symbol", AWS_ID, "--budget", "2000",
                       home=tmp_path))
    for proc in outputs:
        assert proc.returncode == 0, proc.stderr
        text = proc.stdout + proc.stderr
        assert GITHUB.encode() not in text and AWS_ID.encode() not in text, text.decode()[:2000]


TOKEN = "q8Zr3kLm9Tx2Vb7Nw4Yp"
PASSWORD = "Hunt3rHunt3r99"


def test_a_credential_in_the_middle_of_a_line(tmp_path) -> None:
    """A task says "run `export API_TOKEN=…` and …" or "fails when password=… is set", a commit subject
    quoted in a reason says the same: the value goes, the sentence around it stays. Only at the start of a
    line was it found before."""
    root = tmp_path / "repo"
    write(root, "app/login.py", "def login(user, password):\n    return check_password(user, password)\n")
    write(root, "app/other.py", "def unrelated():\n    return None\n")

    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=root, check=True,
                       capture_output=True)

    git("init", "-q")
    git("add", "-A")
    git("commit", "-qm", "start")
    (root / "app/login.py").write_text((root / "app/login.py").read_text() + "# checked\n")
    git("commit", "-qam", f"Fix login failing when password={PASSWORD} holds digits")
    task = (f"login fails when password={PASSWORD} is set; to reproduce run `export API_TOKEN={TOKEN}` and "
            "call login with that password")
    for fmt in ("json", "md", "xml"):
        proc = cli("pack", "--repo", root, "--task", task, "--format", fmt, "--budget", "2000", home=tmp_path)
        assert proc.returncode == 0, proc.stderr
        out = proc.stdout.decode()
        assert PASSWORD not in out and TOKEN not in out, out
        assert "login fails when password=[REDACTED] is set" in out
        assert "export API_TOKEN=[REDACTED]" in out
    reasons = [r for item in json.loads(cli("pack", "--repo", root, "--task", task, "--format", "json", "--budget",
                                            "2000", home=tmp_path).stdout)["items"] for r in item["reasons"]]
    assert any("Fix login failing when password=[REDACTED]" in r for r in reasons), reasons
