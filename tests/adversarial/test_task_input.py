"""Issue 11, item 8: task text in any encoding (argv, file, stdin; UTF-16 with or without a BOM, Latin-1)
is read without a traceback, and an endless source (/dev/zero, a pipe that never ends) is read only as
far as the length cap needs."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import CONTEXTPACK, make_shop
from hostile import cli, error_line

TASK = "apply_discount returns the wrong total for a 100% coupon"


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> tuple[Path, Path]:
    home = tmp_path_factory.mktemp("home")
    root = make_shop(home / "shop")
    assert cli("index", "--repo", root, home=home).returncode == 0
    return root, home


@pytest.mark.parametrize("encoded", [
    TASK.encode("utf-16"), TASK.encode("utf-16-le"), TASK.encode("utf-16-be"), TASK.encode("utf-32"),
    "\ufeff".encode() + TASK.encode(),
], ids=["utf16-bom", "utf16le", "utf16be", "utf32-bom", "utf8-bom"])
def test_task_file_in_another_encoding(shop, encoded: bytes) -> None:
    root, home = shop
    task_file = home / "task.txt"
    task_file.write_bytes(encoded)
    proc = cli("pack", "--repo", root, "--budget", "500", "--task-file", task_file, home=home)
    assert proc.returncode == 0, proc.stderr
    bundle = json.loads(proc.stdout)
    assert bundle["task"]["text"] == TASK
    assert bundle["task"]["type"] == "bugfix"


def test_utf16_on_stdin(shop) -> None:
    root, home = shop
    proc = cli("pack", "--repo", root, "--budget", "500", home=home, input=TASK.encode("utf-16-le"))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["task"]["text"] == TASK


def test_latin1_in_argv_stdin_and_file(shop) -> None:
    root, home = shop
    raw = TASK.encode() + b" caf\xe9 \xff\xfe"
    (home / "latin1.txt").write_bytes(raw)
    env = {**os.environ, "HOME": str(home), "CONTEXTPACK_INDEX_DIR": str(home / "index-dir")}
    argv = subprocess.run([CONTEXTPACK, "pack", "--repo", str(root), "--budget", "500", "--task", raw],
                          capture_output=True, env=env, timeout=120, stdin=subprocess.DEVNULL)
    for proc in (argv, cli("pack", "--repo", root, "--budget", "500", home=home, input=raw),
                 cli("pack", "--repo", root, "--budget", "500", "--task-file", home / "latin1.txt", home=home)):
        assert proc.returncode == 0, proc.stderr
        assert b"Traceback" not in proc.stderr
        assert json.loads(proc.stdout)["task"]["text"].startswith(TASK + " caf\ufffd")


def test_dev_zero_is_an_empty_task(shop) -> None:
    root, home = shop
    proc = cli("pack", "--repo", root, "--task-file", "/dev/zero", home=home, timeout=60)
    assert proc.returncode == 2
    assert "task is empty" in error_line(proc)


def test_endless_stdin_is_cut(shop) -> None:
    root, home = shop
    env = {**os.environ, "HOME": str(home), "CONTEXTPACK_INDEX_DIR": str(home / "index-dir")}
    yes = subprocess.Popen(["yes", TASK], stdout=subprocess.PIPE)
    try:
        proc = subprocess.run([CONTEXTPACK, "pack", "--repo", str(root), "--budget", "500"], stdin=yes.stdout,
                              capture_output=True, env=env, timeout=60)
    finally:
        yes.kill()
        yes.wait()
    assert proc.returncode == 0, proc.stderr
    bundle = json.loads(proc.stdout)
    assert bundle["task"]["truncated"] is True
    assert any("cut" in n for n in bundle["notes"])
