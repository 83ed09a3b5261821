"""scan_repo on real fixture trees: ignore files, vendored dirs, secrets, binary/large/minified files,
languages by extension and shebang, symlinks (inside, outside, loops, directory cycles)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import write_raw as write

from contextpack.scan import ScanOptions, scan_repo


def paths(root: Path, options: ScanOptions | None = None) -> list[str]:
    return [f.path for f in scan_repo(root, options or ScanOptions()).files]


def messages(result) -> dict[str, str]:
    return {d.path: d.message for d in result.diagnostics}


# ---- ignore files ---------------------------------------------------------------------------------


@pytest.fixture
def ignore_tree(tmp_path: Path) -> Path:
    write(tmp_path, ".gitignore", "# comment\n*.txt\n!keep.txt\nbuild/\n/top.py\n")
    write(tmp_path, "notes.txt", "ignored\n")
    write(tmp_path, "keep.txt", "negated: kept\n")
    write(tmp_path, "top.py")                       # anchored: only the root one is ignored
    write(tmp_path, "pkg/top.py")
    write(tmp_path, "pkg/notes.txt", "ignored at any depth\n")
    write(tmp_path, "pkg/keep.txt", "kept at any depth\n")
    write(tmp_path, "build/out.py")                 # directory rule
    write(tmp_path, "tools/build", "#!/bin/sh\necho build\n")  # a file named build: not a directory
    # a deeper .gitignore overrides the outer one for its subtree
    write(tmp_path, "deep/.gitignore", "!*.txt\nlocal_only.py\n")
    write(tmp_path, "deep/readme.txt", "re-included by deep/.gitignore\n")
    write(tmp_path, "deep/local_only.py")
    write(tmp_path, "deep/main.py")
    write(tmp_path, "local_only.py")                # the deeper rule does not apply above it
    # .git/info/exclude and .contextpackignore
    write(tmp_path, ".git/info/exclude", "excluded_by_git.py\n")
    write(tmp_path, ".git/config", "[core]\n")
    write(tmp_path, ".git/hooks/pre-commit.py")
    write(tmp_path, "excluded_by_git.py")
    write(tmp_path, "pkg/excluded_by_git.py")
    write(tmp_path, ".contextpackignore", "generated_dir/\n*.gen.py\n")
    write(tmp_path, "generated_dir/a.py")
    write(tmp_path, "pkg/x.gen.py")
    write(tmp_path, "pkg/x.py")
    return tmp_path


def test_gitignore_semantics(ignore_tree: Path) -> None:
    # `build` is also a vendored name: include vendored dirs so only the ignore rule can skip build/
    got = paths(ignore_tree, ScanOptions(include_vendored=True))
    assert got == [
        "deep/main.py",
        "deep/readme.txt",
        "keep.txt",
        "local_only.py",
        "pkg/keep.txt",
        "pkg/top.py",
        "pkg/x.py",
        "tools/build",
    ]


def test_gitignore_skip_reasons(ignore_tree: Path) -> None:
    result = scan_repo(ignore_tree, ScanOptions(include_vendored=True))
    # notes.txt, pkg/notes.txt, top.py, build/, deep/local_only.py, excluded_by_git.py (x2),
    # generated_dir/, pkg/x.gen.py
    assert result.skipped.get("ignored") == 9
    assert not any(p.startswith(".git/") for p in paths(ignore_tree))
    # file named build is a shell script (shebang), the directory rule `build/` did not touch it
    assert {f.path: f.language for f in result.files}["tools/build"] == "shell"


def test_ignore_files_removed_restores_files(ignore_tree: Path) -> None:
    for rel in (".gitignore", "deep/.gitignore", ".git/info/exclude", ".contextpackignore"):
        (ignore_tree / rel).unlink()
    got = set(paths(ignore_tree, ScanOptions(include_vendored=True)))
    for rel in ("notes.txt", "top.py", "build/out.py", "deep/local_only.py", "excluded_by_git.py",
                "pkg/excluded_by_git.py", "generated_dir/a.py", "pkg/x.gen.py"):
        assert rel in got


# ---- vendored, secrets ----------------------------------------------------------------------------


def test_vendored_dirs(tmp_path: Path) -> None:
    write(tmp_path, "app.py")
    write(tmp_path, "node_modules/left-pad/index.js", "module.exports = 1;\n")
    write(tmp_path, "vendor/lib/lib.go", "package lib\n")
    write(tmp_path, ".venv/lib/site.py")
    write(tmp_path, "src/third_party/x.py")
    write(tmp_path, "src/__pycache__/app.py")
    default = scan_repo(tmp_path)
    assert [f.path for f in default.files] == ["app.py"]
    assert default.skipped.get("vendored") == 5
    assert paths(tmp_path, ScanOptions(include_vendored=True)) == [
        ".venv/lib/site.py",
        "app.py",
        "node_modules/left-pad/index.js",
        "src/__pycache__/app.py",
        "src/third_party/x.py",
        "vendor/lib/lib.go",
    ]


def test_secret_files_never_listed(tmp_path: Path) -> None:
    # contents that would otherwise make each a listable file (shebang: shell; .json: json)
    write(tmp_path, ".env", "#!/bin/sh\nAWS_SECRET=abc\n")
    write(tmp_path, "config/.env.local", "#!/bin/sh\nTOKEN=abc\n")
    write(tmp_path, "id_rsa", "#!/bin/sh\n-----BEGIN OPENSSH PRIVATE KEY-----\n")
    write(tmp_path, "certs/server.pem", "-----BEGIN CERTIFICATE-----\n")
    write(tmp_path, "credentials.json", '{"key": "abc"}\n')
    write(tmp_path, "api_token.txt", "abc\n")
    write(tmp_path, "deploy/prod.yaml", "password: abc\n")
    write(tmp_path, "deploy/readme.md", "# deploy\n")
    write(tmp_path, "main.py")
    # a link with an innocent name to a secret file is a secret too
    os.symlink(".env", tmp_path / "settings.sh")

    base = scan_repo(tmp_path)
    assert [f.path for f in base.files] == ["deploy/prod.yaml", "deploy/readme.md", "main.py"]
    assert base.skipped.get("secret") == 7

    extra = scan_repo(tmp_path, ScanOptions(secret_patterns=("deploy/*.yaml",)))
    assert [f.path for f in extra.files] == ["deploy/readme.md", "main.py"]
    assert extra.skipped.get("secret") == 8
    # each secret file is listed with its reason (its name is no secret; its content never leaves)
    reasons = {d.path: d.message for d in extra.diagnostics}
    assert reasons[".env"] == "skipped: secret file (matches .env)"
    assert reasons["settings.sh"] == "skipped: secret file (links to .env, matches .env)"
    assert reasons["deploy/prod.yaml"] == "skipped: secret file (matches deploy/*.yaml)"


# ---- content checks -------------------------------------------------------------------------------


def test_binary_large_minified(tmp_path: Path) -> None:
    write(tmp_path, "ok.py", "def f():\n    return 1\n")
    write(tmp_path, "blob.py", b"x = 1\n\x00\x01\x02\xff" * 10)
    write(tmp_path, "big.py", "x = 1\n" * 4000)  # 24000 bytes
    write(tmp_path, "app.min.js", "var a=1;\n")
    write(tmp_path, "bundle.js", "var a=1," + ",".join(f"b{i}={i}" for i in range(1500)) + ";\n")
    write(tmp_path, "normal.js", "".join(f"const v{i} = {i};\n" for i in range(300)))
    result = scan_repo(tmp_path, ScanOptions(max_file_bytes=20000))
    assert [f.path for f in result.files] == ["normal.js", "ok.py"]
    msgs = messages(result)
    assert msgs["big.py"] == "skipped: 24000 bytes is over the 20000-byte limit"
    assert "minified" in msgs["bundle.js"]
    assert "blob.py" not in msgs and "ok.py" not in msgs
    assert result.skipped == {"binary": 1, "too large": 1, "generated": 2}
    # the default limit (1 MiB) lets big.py through
    assert "big.py" in paths(tmp_path)


def test_languages_by_extension_and_shebang(tmp_path: Path) -> None:
    write(tmp_path, "a.py")
    write(tmp_path, "b.ts", "export const x = 1;\n")
    write(tmp_path, "c.go", "package c\n")
    write(tmp_path, "README.md", "# hi\n")
    write(tmp_path, "bin/tool", "#!/usr/bin/env python3\nprint('hi')\n")
    write(tmp_path, "bin/deploy", "#!/bin/bash\necho hi\n")
    write(tmp_path, "bin/noshebang", "just text\n")
    write(tmp_path, "data.xyz", "#!/usr/bin/env python3\n")  # an unknown extension is not sniffed
    result = scan_repo(tmp_path)
    assert {f.path: f.language for f in result.files} == {
        "README.md": "markdown", "a.py": "python", "b.ts": "typescript", "bin/deploy": "shell",
        "bin/tool": "python", "c.go": "go",
    }
    assert result.skipped.get("unknown language") == 2


def test_file_identity(tmp_path: Path) -> None:
    p = write(tmp_path, "m.py", "abc\n")
    os.utime(p, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    (f,) = scan_repo(tmp_path).files
    assert (f.path, f.language, f.size, f.mtime_ns) == ("m.py", "python", 4, 1_600_000_000_000_000_000)


# ---- symlinks -------------------------------------------------------------------------------------


@pytest.fixture
def link_tree(tmp_path: Path) -> Path:
    write(tmp_path, "pkg/models.py", "class A:\n    pass\n")
    write(tmp_path, "sub/inner.py")
    os.symlink("pkg/models.py", tmp_path / "alias.py")   # to a file inside: included
    os.symlink("/etc", tmp_path / "etc_link")            # to a directory outside
    os.symlink("/etc/passwd", tmp_path / "passwd.txt")   # to a file outside
    os.symlink("b", tmp_path / "a")                      # a -> b -> a
    os.symlink("a", tmp_path / "b")
    os.symlink("..", tmp_path / "sub/loop")              # directory cycle
    os.symlink("../pkg", tmp_path / "sub/pkg_link")      # directory inside: walked at its own path only
    os.symlink("missing.py", tmp_path / "broken.py")
    return tmp_path


def test_symlinks(link_tree: Path) -> None:
    result = scan_repo(link_tree)
    assert [f.path for f in result.files] == ["alias.py", "pkg/models.py", "sub/inner.py"]
    msgs = messages(result)
    assert msgs["etc_link"] == "symlink points outside the repository; not followed"
    assert msgs["passwd.txt"] == "symlink points outside the repository; not followed"
    assert msgs["a"].startswith("broken or looping symlink") and "symbolic links" in msgs["a"]
    assert msgs["b"].startswith("broken or looping symlink")
    assert msgs["broken.py"].startswith("broken or looping symlink")
    assert "not followed" in msgs["sub/loop"]
    assert "not followed" in msgs["sub/pkg_link"]
    assert result.skipped["symlink"] == 7
    # nothing from /etc leaks in, nothing is listed twice
    assert not any("passwd" in f.path or f.path.startswith("etc_link") for f in result.files)
    assert len({f.path for f in result.files}) == len(result.files)


def test_symlink_to_file_has_target_identity(link_tree: Path) -> None:
    files = {f.path: f for f in scan_repo(link_tree).files}
    assert files["alias.py"].size == files["pkg/models.py"].size == len("class A:\n    pass\n")
    assert files["alias.py"].language == "python"


def test_deterministic_and_sorted(link_tree: Path, ignore_tree: Path) -> None:
    # both fixtures share one tmp_path: one tree with ignore files, links and loops
    assert link_tree == ignore_tree
    first, second = scan_repo(link_tree), scan_repo(link_tree)
    assert len(first.files) >= 10 and len(first.diagnostics) >= 7
    assert first.files == second.files
    assert first.diagnostics == second.diagnostics
    assert first.skipped == second.skipped
    assert [f.path for f in first.files] == sorted(f.path for f in first.files)
    assert [(d.path, d.message) for d in first.diagnostics] == sorted(
        (d.path, d.message) for d in first.diagnostics)


def test_unreadable_directory(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads anything; covered as an unprivileged subprocess in test_bad_input.py")
    write(tmp_path, "ok.py")
    write(tmp_path, "locked/secret.py")
    (tmp_path / "locked").chmod(0)
    try:
        result = scan_repo(tmp_path)
    finally:
        (tmp_path / "locked").chmod(0o755)
    assert [f.path for f in result.files] == ["ok.py"]
    assert messages(result)["locked"].startswith("directory not readable")
