"""Issue 11, item 10: a config.toml with values of the wrong type is refused in one line that names the
key, never a traceback; a string is not a list of patterns."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write
from hostile import cli, error_line

BAD = {
    "index_path = 123": "index.index_path",
    "max_file_bytes = inf": "index.max_file_bytes",
    "max_file_bytes = -1": "index.max_file_bytes",
    "max_file_bytes = \"big\"": "index.max_file_bytes",
    "include_vendored = \"yes\"": "index.include_vendored",
    "secret_patterns = \"abc\"": "index.secret_patterns",
    "secret_patterns = [1, 2]": "index.secret_patterns.0",
    "index_path = \"a\\u0000b\"": "index.index_path",
    "max_file_byte = 10": "index.max_file_byte",
}


@pytest.mark.parametrize("line", sorted(BAD))
def test_wrong_value_type_names_the_key(tmp_path: Path, line: str) -> None:
    repo = tmp_path / "repo"
    write(repo, "app.py", "def main():\n    return 0\n")
    write(repo, ".contextpack/config.toml", f"[index]\n{line}\n")
    proc = cli("index", "--repo", repo, home=tmp_path)
    assert proc.returncode == 2
    assert error_line(proc).startswith(f"error: .contextpack/config.toml: bad value for {BAD[line]}:")


def test_index_that_is_not_a_table(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write(repo, ".contextpack/config.toml", "index = 5\n")
    proc = cli("index", "--repo", repo, home=tmp_path)
    assert proc.returncode == 2
    assert "bad value for index:" in error_line(proc)


def test_unknown_user_in_index_path_is_refused_not_expanded(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write(repo, "app.py", "def main():\n    return 0\n")
    write(repo, ".contextpack/config.toml", '[index]\nindex_path = "~nosuchuser/x.sqlite"\n')
    proc = cli("index", "--repo", repo, home=tmp_path, env={"CONTEXTPACK_INDEX_DIR": None})
    assert proc.returncode == 0
    assert "ignoring index_path '~nosuchuser/x.sqlite'" in proc.stderr.decode()


def test_valid_config_still_applies(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write(repo, "app.py", "def main():\n    return 0\n")
    write(repo, "notes.vault", "hidden\n")
    write(repo, "big.py", "x = 1\n" * 100)
    write(repo, ".contextpack/config.toml", '[index]\nmax_file_bytes = 100\nsecret_patterns = ["*.vault"]\n'
                                            '[http]\nport = 1\n')
    proc = cli("index", "--repo", repo, home=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert b"too large 1" in proc.stdout
