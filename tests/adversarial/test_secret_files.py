"""Issue 11, item 4: secret files are recognised whatever their case and in the common shapes the list
missed (docker and kube configs, tfvars.json, service accounts, secrets YAML, password lists,
wp-config.php); source files named after tokens are code and are indexed; every skipped file is listed
with its reason; the README lists exactly the patterns the code uses."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import write
from hostile import cli

from contextpack.scan import SECRET_PATTERNS

README = Path(__file__).resolve().parents[2] / "README.md"
MARK = "Zq8Wm3Xr7Tn2Vb6Yk1Lp-planted"
SECRET_FILES = [".ENV", ".Env.Production", ".ssh/ID_RSA", "keys/Id_Ed25519.PUB", "Credentials.json",
                ".docker/config.json", "deploy/.docker/config.json", "kubeconfig", "ops/.kube/config",
                "infra/prod.tfvars.json", "service_account_prod.json", "Service-Account.JSON", "secrets.yaml",
                "Secret-prod.yml", "password.txt", "Passwords.TXT", "wp-config.php", "site/WP-Config.php",
                "TOKEN", "api.Token"]
SOURCE_FILES = {"token.go": "package lexer\n\nfunc NextToken() int { return 1 }\n",
                "src/token.rs": "pub fn next_token() -> u32 { 1 }\n",
                "app/csrf_token.rb": "def csrf_token_for(session)\n  session\nend\n",
                "app/authenticity_token.rb": "def authenticity_token_for(form)\n  form\nend\n",
                "tokenizer.py": "def tokenize(text):\n    return text.split()\n"}


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> tuple[Path, Path]:
    home = tmp_path_factory.mktemp("home")
    root = home / "repo"
    for rel in SECRET_FILES:
        write(root, rel, f'password = "{MARK}"\n<?php define("DB_PASSWORD", "{MARK}");\n', dedent=False)
    for rel, text in SOURCE_FILES.items():
        write(root, rel, text, dedent=False)
    assert cli("index", "--repo", root, home=home).returncode == 0
    return root, home


def test_secret_files_are_skipped_and_listed(repo) -> None:
    root, home = repo
    proc = cli("stats", "--repo", root, "--diagnostics", home=home)
    assert proc.returncode == 0, proc.stderr
    listed = proc.stdout.decode()
    for rel in SECRET_FILES:
        assert re.search(rf"^{re.escape(rel)}: scan skipped: secret file", listed, re.M), rel
    task = "check the settings in " + " ".join(SECRET_FILES)
    packed = cli("pack", "--repo", root, "--budget", "100000", "--task", task, home=home)
    assert packed.returncode == 0, packed.stderr
    assert MARK.encode() not in packed.stdout
    assert not {it["path"] for it in json.loads(packed.stdout)["items"]} & set(SECRET_FILES)


@pytest.mark.parametrize("name", ["NextToken", "next_token", "csrf_token_for", "authenticity_token_for", "tokenize"])
def test_source_named_after_tokens_is_indexed(repo, name: str) -> None:
    root, home = repo
    proc = cli("symbols", name, "--repo", root, home=home)
    assert proc.returncode == 0, proc.stderr


def test_readme_lists_exactly_the_patterns() -> None:
    text = README.read_text()
    section = text[text.index("**Secret files are never indexed"):]
    section = section[:section.index("\n\n")]
    listed = re.findall(r"`([^`]+)`", section.split("(matched", 1)[0])
    assert listed == list(SECRET_PATTERNS)


def test_a_secret_file_named_as_a_rules_file_is_not_listed(tmp_path: Path) -> None:
    """`[contract] rules` may name any file; a secret file (built-in pattern or the repository's own) is not
    a rule: the bundle would list its digest. The other rules files stay."""
    root = tmp_path / "repo"
    write(root, "pkg/app.py", "def main():\n    return 0\n")
    write(root, ".env", f"API_TOKEN={MARK}\n")
    write(root, "ops/vault.conf", f"token {MARK}\n")
    write(root, "docs/STYLE.md", "keep functions short\n")
    write(root, "AGENTS.md", "run the tests\n")
    write(root, ".contextpack/config.toml", '[index]\nsecret_patterns = ["vault.conf"]\n\n'
                                           '[contract]\nrules = [".env", "ops/vault.conf", "docs/STYLE.md"]\n')
    proc = cli("pack", "--repo", root, "--task", "main returns 0 in pkg/app.py", home=tmp_path)
    assert proc.returncode == 0, proc.stderr
    rules = [r["path"] for r in json.loads(proc.stdout)["contract"]["rules"]]
    assert rules == ["AGENTS.md", "docs/STYLE.md"], rules
