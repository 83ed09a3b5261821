"""Issue 11, item 6: common secret shapes that detect-secrets alone lets through `pack`, each redacted, while
ordinary code that merely looks a little like them stays as it is."""

from __future__ import annotations

import json

import pytest
from conftest import write
from hostile import cli

# (file, line template, secret): made up, shaped like the real thing
SHAPES = {
    "aws_bare": ("cfg.py", 'PAIR = ("AKIDEXAMPLE", "{s}")', "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    "redis_url": ("cfg.py", 'CACHE = "redis://:{s}@cache.internal:6379/0"', "Pw9xTq2Lm7"),
    "openai_project": ("cfg.py", 'LLM = "{s}"', "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7cDe0fGh3i"),
    "anthropic": ("cfg.py", 'CLAUDE = "{s}"', "sk-ant-api03-Zx8Yw7Vu6Ts5Rq4Po3Nm2Lk1Ji0Hg9Fe8Dc7Ba6Zx5Yw4"),
    "google": ("cfg.py", 'MAPS = "{s}"', "AIzaSyD4xR7mQ2wE9tY6uI3oP1aS8dF5gH0jK2l"),
    "huggingface": ("cfg.py", 'HUB = "{s}"', "hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"),
    "npm": ("cfg.py", 'REGISTRY = "{s}"', "npm_Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7c"),
    "bearer": ("cfg.py", 'HEADERS = {{"Authorization": "Bearer {s}"}}',
               "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.Qx7Lm2Tq9"),
    "basic": ("cfg.py", 'BASIC = "Authorization: Basic {s}"', "YWRtaW46aHVudGVyMjI="),
    "base64_pem": ("cfg.py", 'BLOB = "{s}"', "LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpNSUlFcEFJQkFBS0NBUUVB"),
    "azure": ("cfg.py", 'AZ = "DefaultEndpointsProtocol=https;AccountName=acc;AccountKey={s};EndpointSuffix=x"',
              "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1ub3A="),
    "comment_py": ("cfg.py", "# the admin password is {s}", "Tr0ub4dor&3x"),
    "comment_js": ("cfg.js", "// password: {s}", "hunter22x"),
    "auth_pair": ("cfg.py", 'REQUEST = dict(url="https://api", auth=("deploy", "{s}"))', "Xk9mP2vL7q"),
    "env_fallback": ("cfg.py", 'DB = os.environ.get("X_PASSWORD", "{s}")', "Fallb4ckPw!"),
    "token_name": ("cfg.py", 'SLACK_BOT_TOKEN = "{s}"', "Zq8Wm3Xr7Tn2Vb6Yk1Lp"),
}

ORDINARY = '''\
CACHE_KEY = "user:1234:profile"
SORT_KEY = "created_at"
TOKEN_URL = "https://oauth2.example.com/token"
COMMIT = "3f2a9c1e7b4d8f0a6c5e2b9d1f7a3c8e4b6d0f2a"
password_field = form.get("password")
# password: see the vault
auth = (user, password)
Identifier40CharsLongButMostlyLowercaseX = 1
'''


@pytest.fixture(scope="module")
def packed(tmp_path_factory) -> tuple[bytes, bytes]:
    home = tmp_path_factory.mktemp("home")
    root = home / "repo"
    for name, (path, template, secret) in SHAPES.items():
        ext = path.rsplit(".", 1)[1]
        head = "import os\n\n" if ext == "py" else ""
        write(root, f"{name}.{ext}", head + template.format(s=secret) + "\n", dedent=False)
    write(root, "ordinary.py", ORDINARY, dedent=False)
    files = [f"{name}.{path.rsplit('.', 1)[1]}" for name, (path, _, _) in SHAPES.items()] + ["ordinary.py"]
    proc = cli("pack", "--repo", root, "--budget", "100000", "--task", f"read the settings in {' '.join(files)}",
               home=home)
    assert proc.returncode == 0, proc.stderr
    proc2 = cli("map", "--repo", root, "--budget", "100000", home=home)
    return proc.stdout + proc.stderr, proc2.stdout


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_shape_is_redacted(packed, name: str) -> None:
    bundle, mapped = packed
    path, _, secret = SHAPES[name]
    items = {it["path"]: it["content"] for it in json.loads(bundle)["items"]}
    shown = items[f"{name}.{path.rsplit('.', 1)[1]}"]
    assert "[REDACTED" in shown
    assert secret.encode() not in bundle and secret.encode() not in mapped


def test_ordinary_code_is_not_redacted(packed) -> None:
    bundle, _ = packed
    items = {it["path"]: it["content"] for it in json.loads(bundle)["items"]}
    assert items["ordinary.py"] == ORDINARY
