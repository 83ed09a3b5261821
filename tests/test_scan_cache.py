"""A long-lived Store reuses directory verdicts between refreshes: every change must still be seen."""

import os
import time
from pathlib import Path

from contextpack.scan import ScanCache, ScanResult, resolve_root, scan_repo


def _write(root: Path, rel: str, text: str) -> None:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)


def _paths(root: Path, cache: ScanCache) -> list[str]:
    return [f.path for f in scan_repo(resolve_root(root), cache=cache).files]


def test_cached_scan_sees_every_kind_of_change(tmp_path):
    _write(tmp_path, "a/b/c.py", "x = 1\n")
    _write(tmp_path, "a/keep.py", "y = 2\n")
    _write(tmp_path, "a/b/.gitignore", "*.txt\n")
    _write(tmp_path, "a/b/notes.txt", "hello\n")
    cache = ScanCache()
    assert _paths(tmp_path, cache) == ["a/b/c.py", "a/keep.py"]
    assert _paths(tmp_path, cache) == ["a/b/c.py", "a/keep.py"]  # reused, same answer
    assert cache.records

    _write(tmp_path, "a/b/new.py", "z = 3\n")  # added deep down
    assert _paths(tmp_path, cache) == ["a/b/c.py", "a/b/new.py", "a/keep.py"]

    # the .gitignore edited in place: the directory's mtime does not move, the verdicts must
    gi = tmp_path / "a/b/.gitignore"
    before = os.stat(tmp_path / "a/b").st_mtime_ns
    with open(gi, "a") as fh:
        fh.write("new.py\n!notes.txt\n")
    os.utime(gi, ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))
    assert os.stat(tmp_path / "a/b").st_mtime_ns == before
    assert _paths(tmp_path, cache) == ["a/b/c.py", "a/b/notes.txt", "a/keep.py"]

    (tmp_path / "a/keep.py").unlink()
    assert _paths(tmp_path, cache) == ["a/b/c.py", "a/b/notes.txt"]

    # a file growing past the size limit is a content verdict: seen without a directory change
    (tmp_path / "a/b/c.py").write_text("x = 1\n" * 300_000)
    result = scan_repo(resolve_root(tmp_path), cache=cache)
    assert [f.path for f in result.files] == ["a/b/notes.txt"]
    assert result.skipped.get("too large") == 1


def test_cached_and_uncached_scans_agree(tmp_path):
    for i in range(30):
        _write(tmp_path, f"pkg{i % 3}/sub{i % 5}/m{i}.py", f"v{i} = {i}\n")
    _write(tmp_path, ".contextpackignore", "pkg1/\n")
    _write(tmp_path, "pkg0/.env", "SECRET=1\n")
    cache = ScanCache()
    first = scan_repo(resolve_root(tmp_path), cache=cache)
    again = scan_repo(resolve_root(tmp_path), cache=cache)
    plain = scan_repo(resolve_root(tmp_path))
    for r in (again, plain):
        assert r.files == first.files
        assert r.skipped == first.skipped
        assert r.diagnostics == first.diagnostics
    # the top-level ignore file changes: the whole cache is dropped
    (tmp_path / ".contextpackignore").write_text("pkg2/\n")
    changed = scan_repo(resolve_root(tmp_path), cache=cache)
    assert changed.files == scan_repo(resolve_root(tmp_path)).files
    assert any(f.path.startswith("pkg1/") for f in changed.files)
    assert not any(f.path.startswith("pkg2/") for f in changed.files)


def test_files_come_in_path_order_however_names_compare(tmp_path, monkeypatch):
    """The walk takes a directory's files around its subdirectories (`a-b/` sorts before `a/`, `a.py` before
    `a/`, `a0.py` after it), so a refresh needs no sort; the order must be the paths' own, scan after scan."""
    names = ["a-b/x.py", "a/x.py", "a/b.py", "a/b/c.py", "a/b-c.py", "a/b0.py", "a.py", "a0.py", "A/x.py",
             "z.py", "é/x.py", "a/b/c/d/e.py", "a/b/c.md", "a/b/c0.py"]
    for rel in names:
        _write(tmp_path, rel, "x = 1\n")
    walked = []  # the walk's own order, before ScanResult.sort
    sort = ScanResult.sort
    monkeypatch.setattr(ScanResult, "sort", lambda self: (walked.append(list(self.paths)), sort(self)))
    assert _paths(tmp_path, ScanCache()) == walked[-1] == sorted(names)

    os.symlink("a/x.py", tmp_path / "link.py")  # a symlinked file is judged early: the sort puts it in place
    expected = sorted(names + ["link.py"])
    cache = ScanCache()
    assert _paths(tmp_path, cache) == expected
    assert _paths(tmp_path, cache) == expected  # from the kept verdicts
    _write(tmp_path, "a/b-a/new.py", "y = 2\n")
    assert _paths(tmp_path, cache) == sorted(expected + ["a/b-a/new.py"])
    assert _paths(tmp_path, ScanCache()) == sorted(expected + ["a/b-a/new.py"])
