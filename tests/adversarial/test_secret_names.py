"""Issue 11, item 8 (its tail): a file or directory named after a token (`AKIA…`, `ghp_…`, `sk-proj-…`) is
skipped when scanning, so its name reaches no output; the diagnostic that says so shows the name with the
token redacted."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import write
from hostile import cli

AWS = "AKIAQ4ZT7WLM3XKPV2RN"
GITHUB = "ghp_" + "Zx8Kq2Lm4Nv6Bc1Df3Gh5Jk7Pq9Rs0Tu2Wy4A"
OPENAI = "sk-proj-" + "Tk4Lr8Mw2Nx6Py0Qz3Rb7Sc1Td5Ue9Vf"
TOKENS = [AWS, GITHUB, OPENAI]


def test_token_names_leave_through_no_command(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    write(root, f"keys/{AWS}.py", "def rotate_key():\n    return 1\n")
    write(root, f"{GITHUB}/deploy.py", "def deploy_site():\n    return 2\n")
    write(root, f"notes_{OPENAI}.md", "# rotate_key and deploy_site\n")
    write(root, "app.py", "def rotate_key_now():\n    return 3\n\n\ndef deploy_site_now():\n    return 4\n")
    write(root, "password_reset.py", "def reset_password(user):\n    return user\n")  # a name, not a token
    outputs = [cli("index", "--repo", root, home=tmp_path)]
    for fmt in ("json", "md", "xml"):
        outputs.append(cli("pack", "--repo", root, "--no-server", "--format", fmt, "--task",
                           "rotate_key and deploy_site are broken", home=tmp_path))
    outputs += [cli("map", "--repo", root, "--budget", "4000", home=tmp_path),
                cli("symbols", "rotate_key", "--repo", root, home=tmp_path),
                cli("symbols", "reset_password", "--repo", root, home=tmp_path),
                cli("stats", "--repo", root, "--diagnostics", home=tmp_path)]
    for proc in outputs:
        assert proc.returncode in (0, 1), proc.stderr
        assert not [t for t in TOKENS if t.encode() in proc.stdout + proc.stderr]
    assert outputs[-2].returncode == 0  # password_reset.py is indexed
    assert outputs[-3].returncode == 1  # keys/AKIA….py is not
    diags = outputs[-1].stdout.decode()
    assert "keys/[REDACTED].py: scan skipped: its path holds a token (aws)" in diags, diags
    assert "[REDACTED]/deploy.py" in diags
    assert {it["path"] for it in json.loads(outputs[1].stdout)["items"]} <= {"app.py", "password_reset.py"}
