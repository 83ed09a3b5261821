"""The lexical index built from the per-file lexicons the index stores (`lexical.lexicon_of` in the parse
workers, `LexicalIndex.build` from the rows): its BM25 scores are those of a direct computation over each
chunk's and file's term lists, its term ids are numbered in order of first appearance whatever the block
size, a file is read as text mode reads it, a malformed row costs only its own file, an inconsistent table
is a one-line error, and an index of the previous schema is rebuilt."""

from __future__ import annotations

import math
import sqlite3
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from conftest import make_shop, run_cli, write_raw

from contextpack import lexical
from contextpack.engine import Engine
from contextpack.errors import IndexStateError
from contextpack.store import SCHEMA_VERSION, Store

QUERIES = (["apply", "discount"], ["cart", "total", "price"], ["product"], ["shop", "checkout"], ["nothing_like"])


@pytest.fixture
def shop_index(tmp_path) -> tuple[Path, Path]:
    root = make_shop(tmp_path / "shop")
    write_raw(root, "shop/legacy.py", b"class Legacy:\r\n    def old_total(self):\r\n        return 1\r\n\r\n"
                                      b"# caf\xe9 \xff\xfe odd bytes, then code\r\ndef after_bad_bytes():\r\n"
                                      b"    return Legacy()\r\n")
    index = tmp_path / "idx.sqlite"
    Engine(root, index_path=index).index()
    return root, index


def _reference(root: Path, store: Store) -> tuple[list[list[str]], list[list[str]], list[str]]:
    """Each chunk's and each file's term list, made the way the index made them before lexicons: the file
    read in text mode, its definitions from the index."""
    chunk_docs, file_docs, paths = [], [], []
    for f in store.files():
        with open(root / f.path, encoding="utf-8", errors="replace") as fh:
            lines = fh.read().split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        terms = []
        for _start, _end, name, _kind, spans in lexical._chunks_of(lines, store.definitions(f.path)):
            body = "\n".join("\n".join(lines[a - 1:b]) for a, b in spans)
            doc = lexical.terms_of(body) + (lexical.terms_of(name.rsplit(".", 1)[-1]) if name else [])
            chunk_docs.append(doc)
            terms += doc
        path_terms = lexical.terms_of(f.path.replace("/", " ").replace(".", " "))
        file_docs.append(terms + path_terms + path_terms)
        paths.append(f.path)
    return chunk_docs, file_docs, paths


def _bm25(docs: list[list[str]], query: list[str], k1: float = 1.5, b: float = 0.75) -> np.ndarray:
    n = len(docs)
    avgdl = sum(map(len, docs)) / n
    df = Counter(t for d in docs for t in set(d))
    out = np.zeros(n)
    for i, d in enumerate(docs):
        tf = Counter(d)
        for t in set(query):
            if tf[t]:
                idf = math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5))
                out[i] += idf * tf[t] / (tf[t] + k1 * (1 - b + b * len(d) / avgdl))
    return out


def test_scores_are_bm25_over_the_term_lists_and_ids_follow_first_appearance(shop_index, monkeypatch):
    root, index = shop_index
    store = Store.open_reader(index)
    try:
        built = lexical.LexicalIndex.build(store)
        monkeypatch.setattr(lexical, "BLOCK_FILES", 3)  # the same index when gathered three files at a time
        small_blocks = lexical.LexicalIndex.build(store)
        chunk_docs, file_docs, paths = _reference(root.resolve(), store)
    finally:
        store.close()
    assert built.paths == paths and len(built.chunks) == len(chunk_docs)
    for query in QUERIES:
        assert np.allclose(built.chunk_scores(query), _bm25(chunk_docs, query), rtol=1e-5, atol=1e-6), query
        files = {p: s for p, s in zip(paths, _bm25(file_docs, query), strict=True) if s}
        assert built.file_scores(query) == pytest.approx(files, rel=1e-5)
        assert np.array_equal(built.chunk_scores(query), small_blocks.chunk_scores(query))
        assert built.file_scores(query) == small_blocks.file_scores(query)
    first_seen = list(dict.fromkeys(t for i, p in enumerate(paths) for t in file_docs[i]))
    vocab = built._chunk_bm25.vocab
    assert [vocab.id(t) for t in first_seen] == list(range(1, len(first_seen) + 1))
    assert vocab.id("nothing_like_this") is None


def test_a_file_is_read_as_text_mode_reads_it(shop_index):
    root, index = shop_index
    store = Store.open_reader(index)
    try:
        lex = lexical.LexicalIndex.build(store)
    finally:
        store.close()
    chunks = [lex.chunks[i] for i in lex.chunks_of["shop/legacy.py"]]
    assert [(c.name, c.start, c.end) for c in chunks] == [
        ("shop.legacy.Legacy", 1, 3), ("shop.legacy.Legacy.old_total", 2, 3), ("", 4, 5),
        ("shop.legacy.after_bad_bytes", 6, 7)]
    assert "shop/legacy.py" in lex.file_scores(["after_bad_bytes"])  # the terms after the bad bytes count
    assert lex.by_name["old_total"] == [lex.chunks_of["shop/legacy.py"][1]]
    assert lex.members[lex.chunks_of["shop/legacy.py"][0]] == [lex.chunks_of["shop/legacy.py"][1]]


def test_a_malformed_row_costs_only_its_file(shop_index):
    root, index = shop_index
    conn = sqlite3.connect(index)
    conn.execute("UPDATE lexicon SET names=? WHERE file_id=(SELECT id FROM files WHERE path='shop/cart.py')",
                 ("a\0b\0c\0d\0e\0f\0g\0h\0i",))  # more names than chunks
    conn.commit()
    conn.close()
    store = Store.open_reader(index)
    try:
        lex = lexical.LexicalIndex.build(store)
    finally:
        store.close()
    assert "shop/cart.py" in lex.paths and "shop/cart.py" not in lex.chunks_of
    assert "shop/pricing.py" in lex.file_scores(["apply", "discount"])


def test_an_inconsistent_lexicon_table_is_a_one_line_error(shop_index, isolated_index):
    root, index = shop_index
    conn = sqlite3.connect(index)
    bad_kind = np.array([1, 1, 99, 1, 0], dtype="<i4").tobytes()  # a kind no chunk has, well-formed otherwise
    conn.execute("UPDATE lexicon SET chunks=?, ranges=?, names='x', variables='', variable_chunks=x'', terms=x'', "
                 "counts=x'', path_terms=0 WHERE file_id=(SELECT id FROM files WHERE path='shop/cart.py')",
                 (bad_kind, np.array([1, 1], dtype="<i4").tobytes()))
    conn.execute("UPDATE meta SET value='crafted' WHERE key='refreshed_at'")  # no sidecar of this state
    conn.commit()
    conn.close()
    store = Store.open_reader(index)
    try:
        with pytest.raises(IndexStateError, match="damaged"):
            lexical.LexicalIndex.build(store)
    finally:
        store.close()
    out = run_cli(["pack", "--no-server", "--repo", str(root), "--index", str(index), "--task", "apply discount"])
    assert out.returncode == 3 and "Traceback" not in out.stderr
    assert "damaged" in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_an_index_of_the_previous_schema_is_rebuilt_with_lexicons(shop_index):
    root, index = shop_index
    conn = sqlite3.connect(index)
    conn.execute("DROP TABLE lexicon")  # as schema 4 had it
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION - 1}")
    conn.commit()
    conn.close()
    engine = Engine(root, index_path=index)
    try:
        bundle = engine.pack("apply_discount should accept 100 percent", 2000)
    finally:
        engine.close()
    assert any(it.path == "shop/pricing.py" for it in bundle.items)
    conn = sqlite3.connect(index)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        files, lexicons = conn.execute("SELECT (SELECT COUNT(*) FROM files), (SELECT COUNT(*) FROM lexicon)").fetchone()
    finally:
        conn.close()
    assert files == lexicons > 0


def _scipy_csc(docs: list[list[str]], vocab: lexical.Vocabulary, width: int, k1: float = 1.5, b: float = 0.75):
    """The BM25 weight matrix as it was built before the counting sort: CSR arrays of the documents' term
    counts, the weights computed over them in float32 step by step, converted by scipy's `tocsc`."""
    import scipy.sparse as sp

    counted = [Counter(d) for d in docs]
    indptr = np.cumsum([0] + [len(c) for c in counted])
    indices = np.array([vocab.id(t) for c in counted for t in c], dtype=np.int32)
    tf = np.array([n for c in counted for n in c.values()], dtype=np.float32)
    lengths = np.array([len(d) for d in docs], dtype=np.float32)
    df = np.bincount(indices, minlength=width)
    idf = np.log1p((len(docs) - df + 0.5) / (df + 0.5)).astype(np.float32)
    x = np.repeat(lengths, np.diff(indptr))
    x *= b
    x /= float(lengths.mean())
    x += 1 - b
    x *= k1
    x += tf
    x = tf / x
    x *= idf[indices]
    return sp.csr_array((x, indices, indptr.astype(np.int32)), shape=(len(docs), width)).tocsc()


@pytest.mark.parametrize("block_files", [3, lexical.BLOCK_FILES])
def test_bm25_matrices_are_scipys_to_the_bit(shop_index, monkeypatch, block_files):
    """The counting sort that fills the CSC arrays block by block (no copy of the whole matrix) gives the
    arrays scipy's conversion gave, bit for bit: the bundles stay the same."""
    root, index = shop_index
    monkeypatch.setattr(lexical, "BLOCK_FILES", block_files)
    store = Store.open_reader(index)
    try:
        built = lexical.LexicalIndex.build(store)
        chunk_docs, file_docs, _ = _reference(root.resolve(), store)
    finally:
        store.close()
    for bm25, docs in ((built._chunk_bm25, chunk_docs), (built._file_bm25, file_docs)):
        want = _scipy_csc(docs, bm25.vocab, bm25.width)
        assert bm25.n == len(docs)
        assert bm25.data.dtype == want.data.dtype and bm25.data.tobytes() == want.data.tobytes()
        assert np.array_equal(bm25.indices, want.indices) and np.array_equal(bm25.indptr, want.indptr)


def test_int_keyed_lists_answer_as_a_dict_does():
    keys = np.array([7, 2, 9, 4], dtype=np.int32)
    ptr = np.array([0, 2, 3, 3, 5])
    flat = np.array([10, 11, 20, 40, 41], dtype=np.int32)
    as_dict = {7: [10, 11], 2: [20], 9: [], 4: [40, 41]}
    for lists in (lexical.IntLists(keys, ptr, flat), lexical.Lists(keys.tolist(), ptr, flat)):
        assert dict(lists) == as_dict and list(lists) == [7, 2, 9, 4] and len(lists) == 4
        for missing in (0, 3, 5, 8, 10, -1, 2**70, "7", None):
            assert missing not in lists and lists.get(missing) is None
        with pytest.raises(KeyError):
            lists[3]
    with pytest.raises(ValueError):
        lexical.IntLists(np.array([1, 1]), np.array([0, 0, 0]), np.zeros(0, dtype=np.int32))
