"""The column-wise no-op refresh (issue 11's scale work): what it decides on whole columns must be what a
file-by-file refresh decides, the totals `stats` shows without summing the reference rows must equal the
rows, and stored directory verdicts can't name files outside their directory."""

import json
import os
import re
import sqlite3
import time
from pathlib import Path

from conftest import make_shop, run_cli, write_raw

from contextpack.scan import resolve_root, scan_repo
from contextpack.store import Store, _files_ok


def _refresh(index: Path, root: Path):
    """A refresh by a new Store, as a new process (every CLI command) makes one."""
    store = Store.open(index)
    try:
        stats = store.refresh(root)
        indexed = [p for (p,) in store.conn.execute("SELECT path FROM files ORDER BY path")]
        totals = (store.counts()["references"], store.languages())
        rows = (store.conn.execute("SELECT COALESCE(SUM(uses), 0) FROM refs").fetchone()[0],
                dict(store.conn.execute(f"SELECT language, COUNT(*) FROM files f WHERE {_files_ok()} "
                                        f"GROUP BY language ORDER BY COUNT(*) DESC, language")))
        return stats, indexed, totals, rows
    finally:
        store.close()


def _project(root: Path) -> None:
    for i in range(30):
        write_raw(root, f"pkg/sub{i % 3}/mod{i}.py",
               f"from pkg.sub0 import mod0\n\ndef f{i}(x):\n    return mod0.f0(x) + {i}\n")
    write_raw(root, "web/app.js", "function main() { return helper(1) + helper(2); }\n")
    write_raw(root, "README.md", "# demo\n")


def test_changes_are_seen_and_totals_follow_the_rows(tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    root = resolve_root(tmp_path / "repo")
    _project(root)
    index = tmp_path / "index.sqlite"
    stats, indexed, totals, rows = _refresh(index, root)
    assert stats.parsed == 32 and totals == rows and rows[0] > 0
    stats, _, totals, rows = _refresh(index, root)  # settles racily clean files
    stats, indexed_again, totals, rows = _refresh(index, root)
    assert (stats.parsed, stats.unchanged, stats.deleted) == (0, 32, 0) and indexed_again == indexed
    assert totals == rows

    # an edit that changes the size but not the directory's entries (its mtime stays), a new file,
    # a deleted file, a file in a new language: each seen, totals equal to a full count of the rows
    st = os.stat(root / "pkg/sub1")
    write_raw(root, "pkg/sub1/mod1.py", "def g(y):\n    return h(y) + h(y) + h(y) + h(y)\n")
    os.utime(root / "pkg/sub1", ns=(st.st_atime_ns, st.st_mtime_ns))
    write_raw(root, "pkg/sub2/extra.py", "def extra():\n    return f1(1)\n")
    (root / "pkg/sub0/mod3.py").unlink()
    write_raw(root, "tools/gen.go", "package tools\n\nfunc Gen() int { return Helper() }\n")
    stats, indexed, totals, rows = _refresh(index, root)
    assert stats.changed == ["pkg/sub0/mod3.py", "pkg/sub1/mod1.py", "pkg/sub2/extra.py", "tools/gen.go"]
    assert indexed == [f.path for f in scan_repo(root).files]
    assert totals == rows and rows[1]["go"] == 1 and rows[1]["python"] == 30


def test_stored_verdicts_cannot_name_a_file_outside_their_directory(tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    root = resolve_root(tmp_path / "repo")
    write_raw(root, "src/app.py", "x = 1\n")
    write_raw(tmp_path, "outside.py", "SECRET = 1\n")
    index = tmp_path / "index.sqlite"
    _refresh(index, root)
    store = Store.open(index)
    (text,) = store.conn.execute("SELECT record FROM scan_dirs WHERE rel='src'").fetchone()
    record = json.loads(text)
    record[3], record[4] = ["app.py", "../../outside.py"], ["python", "python"]  # names, languages
    store.conn.execute("UPDATE scan_dirs SET record=? WHERE rel='src'", (json.dumps(record),))
    store.close()
    _, indexed, _, _ = _refresh(index, root)
    assert indexed == ["src/app.py"]


def test_totals_written_before_another_writer_refreshed_are_not_used(tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    root = resolve_root(tmp_path / "repo")
    _project(root)
    index = tmp_path / "index.sqlite"
    _refresh(index, root)
    store = Store.open(index)
    # an older contextpack writes a refresh (new rows, a new stamp) without keeping the totals
    store.conn.execute("DELETE FROM refs WHERE file_id = (SELECT id FROM files WHERE path='pkg/sub0/mod0.py')")
    store.conn.execute("INSERT OR REPLACE INTO meta VALUES ('refreshed_at', '1.0')")
    assert store.counts()["references"] == store.conn.execute("SELECT SUM(uses) FROM refs").fetchone()[0]
    store.close()


def test_counts_kept_in_meta_equal_the_rows_after_every_kind_of_change(tmp_path: Path) -> None:
    """`stats` reads definitions, imports and resolved imports from meta, kept up by each writing refresh
    (and counted once when an older index kept none): after adds, edits, deletions and a changed import
    target they must equal COUNT(*) of the rows."""
    (tmp_path / "repo").mkdir()
    root = resolve_root(tmp_path / "repo")
    _project(root)
    index = tmp_path / "idx.sqlite"

    def check() -> None:
        store = Store.open(index)
        try:
            store.refresh(root)
            kept = store.counts()
            tables = {"definitions": "definitions", "imports": "imports", "resolved_imports": "import_targets"}
            for key, table in tables.items():
                assert kept[key] == store.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0], key
            assert store._totals() is not None  # read from meta, not counted
        finally:
            store.close()

    check()
    write_raw(root, "pkg/sub1/mod1.py", "from pkg.sub2 import mod2\nfrom pkg.sub0 import mod3\n\n"
                                         "class K:\n    def m(self):\n        return mod2.f2(1)\n")
    check()
    (root / "pkg/sub0/mod0.py").unlink()  # every `from pkg.sub0 import mod0` loses its target
    check()
    write_raw(root, "pkg/sub0/mod0.py", "def f0(x):\n    return x\n")
    check()
    store = Store.open(index)  # an index of an older contextpack: its totals lack the row counts
    with store.conn:
        store.conn.execute("UPDATE meta SET value='[1, [[\"python\", 1]], \"x\"]' WHERE key='totals'")
    store.close()
    check()


def test_an_edit_dated_before_the_last_scan_is_seen_by_its_size(tmp_path: Path) -> None:
    """An edit whose file keeps an old mtime (`cp -p`, `touch -d`, tar) is not racily clean, so nothing hashes it
    again: only the stat comparison finds it. With every other file unchanged the refresh decides on whole
    columns; the changed size must still make it parse that one file."""
    (tmp_path / "repo").mkdir()
    root = resolve_root(tmp_path / "repo")
    _project(root)
    old = time.time_ns() - 3600 * 10**9  # an hour ago: before any scan of this test
    for path in root.rglob("*"):
        if path.is_file():
            os.utime(path, ns=(old, old))
    index = tmp_path / "index.sqlite"
    _refresh(index, root)
    assert _refresh(index, root)[0].parsed == 0
    write_raw(root, "pkg/sub1/mod1.py", "def f1(x):\n    return x + 1000\n")
    os.utime(root / "pkg/sub1/mod1.py", ns=(old, old + 1))
    stats = _refresh(index, root)[0]
    assert stats.changed == ["pkg/sub1/mod1.py"] and stats.parsed == 1


def test_contextpack_index_sees_an_old_dated_edit_and_stats_prints_the_rows_it_holds(tmp_path: Path,
                                                                                    isolated_index) -> None:
    """Through the installed `contextpack` script, on the shop layout: `index` again after an edit that keeps an
    old mtime (`cp -p`) parses that one file, and `stats` prints the counts of the rows the index holds, from meta,
    after edits, a deletion and a new file."""
    root = make_shop(tmp_path / "shop")
    old = time.time_ns() - 3600 * 10**9
    for path in root.rglob("*"):
        if path.is_file():
            os.utime(path, ns=(old, old))
    index = tmp_path / "shop.sqlite"
    args = ["--repo", str(root), "--index", str(index)]
    for _ in range(2):  # the second settles racily clean files
        assert run_cli(["index", *args]).returncode == 0
    write_raw(root, "shop/cart.py", (root / "shop/cart.py").read_text() + "\n\ndef empty(cart):\n    return []\n")
    os.utime(root / "shop/cart.py", ns=(old, old + 1))
    out = run_cli(["index", *args, "-q"])
    assert out.returncode == 0, out.stderr
    assert re.search(r"1 parsed, \d+ unchanged, 0 touched, 0 deleted", out.stdout), out.stdout
    (root / "shop/shipping.py").unlink()
    write_raw(root, "shop/returns.py", "from shop.cart import empty\n\n\ndef refund(cart):\n    return empty(cart)\n")
    assert run_cli(["index", *args, "-q"]).returncode == 0
    stats = run_cli(["stats", *args])
    assert stats.returncode == 0, stats.stderr
    text = " ".join(re.sub(r"[│╭╮╰╯─┌┐└┘├┤┬┴┼]", " ", stats.stdout).split())
    conn = sqlite3.connect(index)
    try:
        rows = {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                for t in ("definitions", "imports", "import_targets")}
        uses = conn.execute("SELECT COALESCE(SUM(uses), 0) FROM refs").fetchone()[0]
    finally:
        conn.close()
    assert rows["import_targets"] > 0
    for label, value in (("definitions", rows["definitions"]), ("references", uses), ("imports", rows["imports"]),
                         ("resolved_imports", rows["import_targets"])):
        assert f"{label} {value} " in text + " ", (label, value, text)
