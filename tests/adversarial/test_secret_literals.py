"""Issue 11, item 5: a secret with an escaped or doubled quote inside its literal is redacted whole, not
up to the quote."""

from __future__ import annotations

import json

import pytest
from conftest import write
from hostile import cli

TAIL = "ssW0rdTail9x"
CASES = {
    "py_escaped.py": f'password = "pa\\"{TAIL}"\n',
    "py_single.py": f"db_password = 'pa\\'{TAIL}'\n",
    "yaml_doubled.yaml": f"password: 'pa''{TAIL}'\n",
    "js_escaped.js": f'const apiKey = "k3y\\"{TAIL}";\n',
    "toml_escaped.toml": f'[db]\npassword = "pa\\"{TAIL}"\n',

}


@pytest.mark.parametrize("name", sorted(CASES))
def test_literal_is_redacted_whole(tmp_path, name: str) -> None:
    root = tmp_path / "repo"
    write(root, name, CASES[name], dedent=False)
    write(root, "app.py", "def main():\n    return 0\n")
    proc = cli("pack", "--repo", root, "--budget", "5000", "--task", f"check the password in {name}",
               home=tmp_path)
    assert proc.returncode == 0, proc.stderr
    items = {it["path"]: it["content"] for it in json.loads(proc.stdout)["items"]}
    assert "[REDACTED" in items[name]
    assert TAIL.encode() not in proc.stdout
