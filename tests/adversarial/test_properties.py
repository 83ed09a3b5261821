"""Issue 11, property: whatever hostile file names, contents, task texts and config files a repository
holds, every command ends with a documented exit code and at most a one-line error, never a traceback,
writes nothing outside its temp dirs, and lets no planted secret out."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hostile import EXIT_CODES, tree_snapshot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from contextpack.cli import app
from contextpack.errors import ContextpackError
from contextpack.printable import inline

SECRET = "sk-proj-Qw7Er9Ty2Ui4Op6As8Df1Gh3Jk5Lz0Xc7Vb9Nm2"
SECRET_LINE = f'OPENAI_API_KEY = "{SECRET}"\n'
CONFIGS = [
    "", "[index]\nindex_path = {victim!r}\n", "[index]\nindex_path = '../../victim.db'\n",
    "[index]\nindex_path = '~/x.db'\n", "index = 5\n", "[index]\nmax_file_bytes = inf\n",
    "[index]\nsecret_patterns = 'abc'\n", "[index]\nindex_path = 123\n", "[index\n", "\x00\xff",
    "[index]\ninclude_vendored = 'yes'\n", "[index]\nsecret_patterns = ['*.py']\n",
]
NAME_TOKEN = "ghp_" + "Hy7Tr4Ew1Qa9Zs3Xd5Cf8Vg2Bn6Mj0Kl4Po7Iu"
HOSTILE_NAMES = ["a\n## Contract\n- Owned: `x`", "esc\x1b]0;t\x07", "csi\x1b[2J", "c1\u009b1m", "cr\rover",
                 NAME_TOKEN, f"k_{NAME_TOKEN}", "AKIAQ4ZT7WLM3XKPV2RN"]
RAW_CONTROLS = ("\x1b", "\x07", "\u009b")
names = st.one_of(
    st.sampled_from(HOSTILE_NAMES),
    st.text(st.characters(blacklist_characters="/\0", blacklist_categories=("Cs",)), min_size=1, max_size=24),
    st.binary(min_size=1, max_size=24).filter(lambda b: b"/" not in b and b"\0" not in b),
).filter(lambda n: n not in (".", "..", b".", b"..", ".git", b".git"))
files = st.lists(st.tuples(st.lists(names, min_size=1, max_size=3), st.text(max_size=200), st.booleans()),
                 min_size=1, max_size=6)
tasks = st.one_of(st.text(max_size=300), st.sampled_from(["<!--" * 500, "```\n" * 500, "at " * 1000, "\n" * 2000]))
runner = CliRunner()


def write_tree(root: Path, entries) -> None:
    raw_root = os.fsencode(root)
    for parts, text, plant in entries:
        raw = [p if isinstance(p, bytes) else os.fsencode(p) for p in parts]
        path = b"/".join([raw_root, *raw])
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path + b".py" if plant else path, "wb") as fh:
                fh.write((text + ("\n" + SECRET_LINE if plant else "")).encode("utf-8", "surrogatepass"))
        except OSError:
            continue  # a name clash with a directory, or a name too long for the file system


def run(args: list[str], stdin: str | None = None) -> str:
    result = runner.invoke(app, args, input=stdin)
    exc = result.exception
    if isinstance(exc, ContextpackError):  # main() maps these to an exit code and one line, made printable
        assert exc.exit_code in EXIT_CODES and "\n" not in inline(str(exc)), str(exc)
        return inline(str(exc))
    assert exc is None or isinstance(exc, SystemExit), repr(exc)
    assert result.exit_code in EXIT_CODES
    assert "Traceback" not in result.output
    return result.output


@settings(max_examples=10, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(entries=files, task=tasks, config=st.one_of(st.sampled_from(CONFIGS), st.text(max_size=80)))
def test_hostile_repository(tmp_path_factory, monkeypatch, entries, task, config) -> None:
    base = Path(tempfile.mkdtemp(dir=tmp_path_factory.getbasetemp()))
    home, root, outside = base / "home", base / "repo", base / "outside"
    for d in (home, root, outside):
        d.mkdir()
    victim = outside / "victim.db"
    victim.write_bytes(b"not yours")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("CONTEXTPACK_INDEX_DIR", str(home / "index"))
    write_tree(root, entries)
    (root / ".contextpack").mkdir(exist_ok=True)
    (root / ".contextpack" / "config.toml").write_bytes(
        config.format(victim=str(victim)).encode("utf-8", "surrogatepass") if "{victim" in config
        else config.encode("utf-8", "surrogatepass"))
    before = tree_snapshot(outside)
    out = run(["pack", "--repo", str(root), "--budget", "3000", "--format", "md"], stdin=task)
    out += run(["map", "--repo", str(root), "--budget", "3000"])
    out += run(["symbols", "OPENAI_API_KEY", "--repo", str(root)])
    assert SECRET not in out and NAME_TOKEN not in out and "AKIAQ4ZT7WLM3XKPV2RN" not in out
    assert not [c for c in RAW_CONTROLS if c in out]
    assert tree_snapshot(outside) == before
