"""Packing end to end over real files, a real SQLite index and the real tokenizer: the budget invariants and
the content/range invariants for generated repositories, determinism in and across processes, that the
bundle shows the code the task names, the omitted off-ramp, and the contract."""

from __future__ import annotations

import hashlib
import json
import keyword
import sqlite3
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import check_bundle, covered, file_lines, line_of, make_shop, run_cli, write
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contextpack.engine import Engine
from contextpack.pack import Priors
from contextpack.tokens import get_tokenizer

pytestmark = pytest.mark.usefixtures("isolated_index")


# -- generated repositories ------------------------------------------------------------------------------

_WORDS = ["price", "total", "cart", "user", "load", "parse", "x", "data", "run", "get", "set", "ünï", "naïve",
          "mañana", "item", "tax", "sum", "ok", "id", "match", "print", "list", "q"]
_lower = st.builds(lambda a, b, n: f"{a}_{b}{n or ''}", st.sampled_from(_WORDS), st.sampled_from(_WORDS),
                   st.integers(0, 99)).filter(lambda s: s.isidentifier() and not keyword.iskeyword(s))
_camel = st.builds(lambda a, b: f"{a.title()}{b.title()}", st.sampled_from(_WORDS),
                   st.sampled_from(_WORDS)).filter(str.isidentifier)
# text on one line: non-ASCII, emoji, combining marks, RTL, U+2028 ...; no control characters, no surrogates
_line_text = st.one_of(
    st.sampled_from(["", "plain words", "naïve café – “quoted”", "日本語のコメント", "emoji 🎉🐍 ok",
                     "e\u0301 combining", "עברית RTL", "line\u2028separator", "tab\there", "⋮", "[REDACTED]?",
                     "{not} <xml> & stuff"]),
    st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=12),
)


_body_line = st.one_of(
    st.builds(lambda v: f"x = {v!r}", _line_text),
    st.builds(lambda t: f"# {t}", _line_text),
    st.builds(lambda a: f"y = {a}(1)", _lower),
    st.just("pass"),
)
_params = st.lists(_lower, max_size=3, unique=True)
_body = st.lists(_body_line, min_size=1, max_size=5)


@st.composite
def _function(draw, indent: str = "") -> tuple[str, list[str]]:
    name = draw(_lower)
    lines = [f"{indent}def {name}({', '.join(draw(_params))}):"] + [f"{indent}    {b}" for b in draw(_body)]
    return name, lines


_top_function = _function()
_methods = st.lists(_function(indent="    "), max_size=4)


@st.composite
def _class(draw) -> tuple[list[str], list[str]]:
    name = draw(_camel)
    doc = draw(_line_text).replace("\\", "/").replace('"', "")
    lines = [f"class {name}:", f'    """{name}: {doc}"""']
    methods = draw(_methods)
    for _, m in methods:
        lines += [""] + m
    return [name] + [f"{name}.{m}" for m, _ in methods], lines


_definitions = st.lists(st.one_of(_class(), _top_function), max_size=14)


@st.composite
def _python_file(draw) -> tuple[str, list[str]]:
    if draw(st.integers(0, 9)) == 0:
        return "", []
    names: list[str] = []
    out: list[str] = []
    if draw(st.booleans()):
        out.append(f"# {draw(_line_text)}")
    for d in draw(_definitions):
        if isinstance(d[0], list):  # a class: (names, lines)
            names += d[0]
        else:
            names.append(d[0])
        out += ["", ""] + d[1]
    text = "\n".join(out)
    if draw(st.booleans()):
        text += "\n"
    return text, names


_dirs = st.sampled_from(["", "pkg/", "pkg/sub/", "tests/"])
_py_files = st.lists(st.tuples(_dirs, _lower, _python_file()), min_size=1, max_size=5)
_notes = st.lists(_line_text, max_size=6)


@st.composite
def repositories(draw) -> tuple[dict[str, str], list[str]]:
    files: dict[str, str] = {}
    names: list[str] = []
    for folder, stem, (text, defined) in draw(_py_files):
        path = f"{folder}{stem}.py"
        files[path] = text
        names += defined + [path]
    if draw(st.booleans()):
        files["NOTES.md"] = "\n".join(draw(_notes)) + "\n"
    return files, names


@st.composite
def tasks(draw, names: list[str]) -> str:
    words = draw(st.lists(st.one_of(st.sampled_from(names) if names else _lower, _lower, _camel,
                                    st.text(min_size=1, max_size=12)), min_size=1, max_size=8))
    lead = draw(st.sampled_from(["fix", "add", "rename", "explain", "why does", "Traceback:", "refactor"]))
    text = f"{lead} {' '.join(words)}"
    paths = [n for n in names if n.endswith(".py")]
    if paths and draw(st.booleans()):  # a frame into a generated file, at any line (even past its end)
        text += f'\nTraceback (most recent call last):\n  File "/app/{draw(st.sampled_from(paths))}", ' \
                f'line {draw(st.integers(0, 120))}, in {draw(_lower)}\nValueError: boom\n'
    return text


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), repo=repositories(), budget=st.integers(0, 200_000), tight=st.integers(0, 1_500))
def test_generated_repos_respect_budget_and_show_original_lines(data, repo, budget, tight):
    files, names = repo
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        root.mkdir()
        for rel, text in files.items():
            write(root, rel, text, dedent=False)
        engine = Engine(root, index_path=Path(tmp) / "i.sqlite")
        try:
            for _ in range(2):
                task = data.draw(tasks(names), label="task")
                for b in (budget, tight):
                    bundle = engine.pack(task, b)
                    assert bundle.budget.limit == b
                    check_bundle(bundle, root)
        finally:
            engine.close()


def test_empty_file_is_never_omitted_with_an_empty_range(tmp_path):
    """An empty file the task names must not come back as omitted `file` [(1, 0)] costing 0 tokens: that
    range is not a 1-based inclusive range of the file, and a 0-token thing did not fail to fit."""
    root = tmp_path / "repo"
    write(root, "a0.py", "")
    write(root, "pkg/pricing.py", "def apply_discount(price, percent):\n    return price\n")
    bundle = Engine(root, index_path=tmp_path / "i.sqlite").pack("fix a0.py and apply_discount", 0)
    assert bundle.items == []
    bad = [(o.path, o.kind, o.ranges, o.tokens) for o in bundle.omitted if any(a > b for a, b in o.ranges)]
    assert not bad


# -- priors ----------------------------------------------------------------------------------------------

def test_definition_priors_rank_alone_probability_alone_and_between():
    # model_share 0 must be the rank prior's exact arithmetic: the shipped bundles were measured with it
    rank, model, half = Priors(), Priors(model_share=1.0), Priors(model_share=0.5)
    for k in range(25):
        assert rank.of_definition(1 / 9, k, 0.3) == 1 / 9 / (k + 1) ** 1.4
        assert model.of_definition(0.25, k, 0.3) == 0.25 * 0.3
        assert half.of_definition(0.25, k, 0.3) == pytest.approx(0.25 * (0.3 / (k + 1) ** 1.4) ** 0.5)
    assert [rank.of_file(r) for r in range(3)] == [1.0, 0.25, 1 / 9]


def test_a_pack_under_other_priors_keeps_every_invariant(tmp_path):
    root = make_shop(tmp_path / "shop")
    engine = Engine(root, index_path=tmp_path / "i.sqlite")
    shipped = engine.pack(TASK, 1500)
    engine.priors = Priors(file_decay=1.0, chunk_decay=0.5, model_share=1.0)
    other = engine.pack(TASK, 1500)
    for bundle in (shipped, other):
        check_bundle(bundle, root)
        assert "shop/pricing.py" in [i.path for i in bundle.items]


# -- determinism -----------------------------------------------------------------------------------------

TASK = "apply_discount raises ValueError for a 100 percent coupon in checkout"


def test_same_request_gives_byte_identical_bundle(tmp_path):
    root = make_shop(tmp_path / "shop")
    e1 = Engine(root, index_path=tmp_path / "a.sqlite")
    first, second = e1.pack(TASK, 1500), e1.pack(TASK, 1500)
    e2 = Engine(root, index_path=tmp_path / "b.sqlite")  # a cold index of the same tree
    third = e2.pack(TASK, 1500)
    assert first.items, "the bundle is not empty"
    assert first.to_json() == second.to_json() == third.to_json()
    assert first.id == second.id == third.id
    check_bundle(first, root)


def test_same_request_across_processes_and_hash_seeds(tmp_path):
    root = make_shop(tmp_path / "shop")

    def run(seed_and_index: tuple[str, str]) -> str:
        seed, idx = seed_and_index
        r = run_cli(["pack", "--repo", str(root), "--task", TASK, "--budget", "1200", "--format", "json",
                     "--index", str(tmp_path / idx)], env_extra={"PYTHONHASHSEED": seed})
        assert r.returncode == 0, r.stderr
        return r.stdout

    with ThreadPoolExecutor(max_workers=2) as pool:
        outs = list(pool.map(run, [("1", "one.sqlite"), ("12345", "two.sqlite")]))
    assert (tmp_path / "one.sqlite").exists() and (tmp_path / "two.sqlite").exists()
    assert '"items": [\n' in outs[0] and "apply_discount" in outs[0]
    assert outs[0].encode() == outs[1].encode()


def test_racing_cold_refreshes_leave_one_copy_of_each_fact(tmp_path):
    """Two packs of a never-indexed repo at once (two agents, two terminals) must leave the index a cold
    index would: the same definitions, references and imports, once each, and so the same bundle."""
    root = make_shop(tmp_path / "shop")
    idx = tmp_path / "i.sqlite"
    engines = [Engine(root, index_path=idx) for _ in range(2)]
    for e in engines:
        assert e.store.is_empty_index()  # opened (schema written) before the lock below
    lock = sqlite3.connect(idx, isolation_level=None, timeout=30)
    lock.execute("BEGIN IMMEDIATE")  # hold the write lock until both refreshes have read and parsed the tree
    parsed = [threading.Event(), threading.Event()]
    errors: list[Exception] = []

    def refresh(i: int) -> None:
        def progress(done: int, total: int) -> None:
            if total and done == total:
                parsed[i].set()

        try:
            engines[i].index(progress=progress)
        except Exception as err:  # reported below, in the test's thread
            errors.append(err)

    threads = [threading.Thread(target=refresh, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    try:
        assert all(ev.wait(60) for ev in parsed), "both refreshes parsed the tree"
    finally:
        lock.execute("COMMIT")
        lock.close()
    for t in threads:
        t.join(60)
    assert not errors, errors

    reference = Engine(root, index_path=tmp_path / "ref.sqlite")
    reference.index()
    count = "SELECT COUNT(*) FROM {}"
    for table in ("files", "definitions", "refs", "imports", "import_targets"):
        raced = engines[0].store.conn.execute(count.format(table)).fetchone()[0]
        cold = reference.store.conn.execute(count.format(table)).fetchone()[0]
        assert raced == cold, (table, raced, cold)
    assert len(engines[0].symbols("apply_discount")) == 1
    assert engines[0].pack(TASK, 1500).to_json() == reference.pack(TASK, 1500).to_json()


# -- the bundle shows the right code ---------------------------------------------------------------------

@pytest.fixture
def shop(tmp_path) -> tuple[Path, Engine]:
    root = make_shop(tmp_path / "shop")
    assert sum(1 for p in root.rglob("*") if p.is_file()) >= 15
    return root, Engine(root, index_path=tmp_path / "i.sqlite")


@pytest.mark.parametrize("budget", [300, 2000, 50_000])
def test_named_function_file_comes_first_with_its_definition_visible(shop, budget):
    root, engine = shop
    bundle = engine.pack("apply_discount should accept a discount of exactly 100 percent", budget)
    check_bundle(bundle, root)
    first = bundle.items[0]
    assert first.path == "shop/pricing.py"
    start = line_of(root / "shop/pricing.py", "def apply_discount(")
    end = line_of(root / "shop/pricing.py", "return price * (1 - percent / 100)")
    assert all(covered(first.ranges, n) for n in range(start, end + 1)), first.ranges
    assert "def apply_discount(price: float, percent: float) -> float:" in first.content
    assert "return price * (1 - percent / 100)" in first.content
    assert any("apply_discount" in r for r in first.reasons)


@pytest.mark.parametrize("budget", [120, 2000])
def test_traceback_frame_file_comes_first_with_the_frame_line_visible(shop, budget):
    root, engine = shop
    frame_line = line_of(root / "shop/cart.py", "taxed = with_tax(subtotal)")
    task = (
        "Traceback (most recent call last):\n"
        '  File "/usr/lib/python3.12/runpy.py", line 198, in _run_module_as_main\n'
        '    return _run_code(code, main_globals, None,\n'
        f'  File "/srv/app/shop/cart.py", line {frame_line}, in total\n'
        "    taxed = with_tax(subtotal)\n"
        "TypeError: unsupported operand type(s) for +: 'int' and 'NoneType'\n"
    )
    bundle = engine.pack(task, budget)
    check_bundle(bundle, root)
    assert bundle.task.type == "bugfix"
    first = bundle.items[0]
    assert first.path == "shop/cart.py"
    assert covered(first.ranges, frame_line), first.ranges
    assert "taxed = with_tax(subtotal)" in first.content
    assert any(f"cart.py:{frame_line}" in r for r in first.reasons)


def test_every_repo_frame_of_a_deep_traceback_is_visible(shop):
    root, engine = shop
    frames = [("shop/checkout.py", "cart.total(coupon)", "checkout"),
              ("shop/cart.py", "return apply_discount(taxed, discount)", "total"),
              ("shop/pricing.py", "raise ValueError(", "apply_discount")]
    task = "Traceback (most recent call last):\n" + "".join(
        f'  File "/srv/app/{p}", line {line_of(root / p, needle)}, in {fn}\n    {needle}\n'
        for p, needle, fn in frames) + "ValueError: discount out of range: 120\n"
    bundle = engine.pack(task, 2000)
    check_bundle(bundle, root)
    shown = {it.path: it for it in bundle.items}
    for p, needle, _ in frames:
        assert p in shown, (p, list(shown))
        assert covered(shown[p].ranges, line_of(root / p, needle)), (p, shown[p].ranges)
        assert needle in shown[p].content


def test_files_changed_or_deleted_since_indexing_are_packed_as_they_are_now(shop):
    """Without an explicit refresh, a pack that meets a file whose bytes differ from the index refreshes
    and packs again: it never shows line numbers of another version, nor a file that is gone, and its
    items all belong to the index state it names."""
    root, engine = shop
    engine.index()
    before = engine.committed_digest()
    pricing, cart = root / "shop/pricing.py", root / "shop/cart.py"
    pricing.write_text("# moved\n\n\n" + pricing.read_text())
    cart.unlink()
    bundle = engine.pack("apply_discount and Cart.total are wrong", 2000)
    check_bundle(bundle, root)  # every item's sha256 and lines are those on disk now
    assert bundle.items[0].path == "shop/pricing.py"
    assert "shop/cart.py" not in {i.path for i in bundle.items}
    assert bundle.repo.index_digest == engine.committed_digest() != before
    assert not bundle.notes, bundle.notes


# -- omitted: the off-ramp -------------------------------------------------------------------------------

def test_omitted_lists_costs_when_small_and_shrinks_when_huge(shop):
    root, engine = shop
    task = "the cart total is wrong when a discount and tax both apply"
    small, huge = engine.pack(task, 40), engine.pack(task, 200_000)
    check_bundle(small, root)
    check_bundle(huge, root)
    assert small.omitted, "a 40-token budget must leave candidates out"
    tok = get_tokenizer(small.budget.encoding)
    for om in small.omitted:
        assert om.tokens > 0 and om.reasons, om
        if om.kind == "file":  # the cost of a whole file: an upper bound, close to its exact count
            exact = tok.count("".join(line + "\n" for line in file_lines(root / om.path)))
            assert exact <= om.tokens <= exact * 1.1 + 5
    assert {o.path for o in small.omitted} - {i.path for i in small.items}, "something left out entirely"
    assert len(huge.omitted) < len(small.omitted)
    assert huge.budget.used > small.budget.used
    # nothing shown whole is also listed as omitted
    whole = {i.path for i in huge.items if i.kind == "file"}
    assert not whole & {o.path for o in huge.omitted}


# -- the contract ----------------------------------------------------------------------------------------

def test_contract_owned_read_only_evidence_and_rules(shop):
    root, engine = shop
    bundle = engine.pack("apply_discount should accept a discount of exactly 100 percent", 3000)
    c = bundle.contract
    paths = [it.path for it in bundle.items]
    assert c.owned and set(c.owned) <= set(paths)
    assert "shop/pricing.py" in c.owned
    assert not set(c.owned) & set(c.read_only)
    assert sorted(c.read_only) == sorted(set(paths) - set(c.owned))
    ev = {e.path: e.reason for e in c.evidence}
    assert "tests/test_pricing.py" in ev, c.evidence
    assert "apply_discount" in ev["tests/test_pricing.py"]
    rules = {r.path: r.sha256 for r in c.rules}
    for rel in ("AGENTS.md", ".contextpack/rules.md"):
        assert rules.get(rel) == hashlib.sha256((root / rel).read_bytes()).hexdigest(), c.rules
    # owning only pricing.py, its signatures that read-only files call must be preserved, with those callers
    pinned = engine.pack("apply_discount should accept a discount of exactly 100 percent", 3000,
                         owned=["shop/pricing.py"]).contract
    assert pinned.owned == ["shop/pricing.py"]
    pres = {p.qualname: p for p in pinned.preserve}
    assert "shop.pricing.apply_discount" in pres
    assert "shop/cart.py" in pres["shop.pricing.apply_discount"].callers


def test_rules_absent_when_the_repo_has_none(tmp_path):
    root = make_shop(tmp_path / "shop")
    (root / "AGENTS.md").unlink()
    (root / ".contextpack/rules.md").unlink()
    bundle = Engine(root, index_path=tmp_path / "i.sqlite").pack("apply_discount is wrong", 2000)
    assert bundle.contract.rules == []


# -- snippets: a definition, its enclosing headers, the file's imports -----------------------------------

def test_snippet_carries_the_import_block_and_items_follow_the_ranking(tmp_path):
    """A shown definition brings the file's top-level imports (a parenthesised one whole) when the budget
    has room, without the unrelated definitions between them; items come in ranking order."""
    filler = "".join(f"def helper_{i}(value):\n    return value * {i} + len(str(value))\n\n\n" for i in range(40))
    root = tmp_path / "repo"
    write(root, "billing/invoice.py",
          "import os\nfrom decimal import (\n    Decimal,\n    ROUND_HALF_UP,\n)\n\n\n" + filler
          + "def round_invoice_total(total):\n    import json\n"
            "    return Decimal(total).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)\n")
    write(root, "billing/report.py", "from billing.invoice import round_invoice_total\n\n\n"
          "def report(total):\n    return round_invoice_total(total)\n")
    engine = Engine(root, index_path=tmp_path / "i.sqlite")
    bundle = engine.pack("round_invoice_total rounds 0.005 down instead of up", 3000)
    check_bundle(bundle, root)
    first = bundle.items[0]
    assert first.path == "billing/invoice.py" and first.kind == "snippet"
    assert covered(first.ranges, 1) and covered(first.ranges, 5), first.ranges  # `import os` … the closing `)`
    assert "    ROUND_HALF_UP,\n)\n" in first.content
    fn = line_of(root / "billing/invoice.py", "def round_invoice_total(")
    assert all(covered(first.ranges, n) for n in range(fn, fn + 3)), first.ranges
    assert not covered(first.ranges, line_of(root / "billing/invoice.py", "def helper_3("))
    scores = [it.score for it in bundle.items]
    assert scores == sorted(scores, reverse=True), scores


def _gappy_repo(root: Path) -> Path:
    """A module of many functions where the two the task names sit either side of a two-line one."""
    filler = "".join(f"def unrelated_{i}(value):\n    total = value * {i}\n    return total + {i}\n\n\n"
                     for i in range(60))
    write(root, "shop/ledger.py", filler + "def settle_invoice_total(ledger):\n    return sum(ledger)\n\n\n"
          "def _rounding(x):\n    return round(x, 2)\n\n\n"
          "def refund_invoice_total(ledger):\n    return -sum(ledger)\n\n\n" + filler.replace("unrelated", "other"))
    return root


def test_a_small_gap_between_shown_ranges_is_shown(tmp_path):
    root = _gappy_repo(tmp_path / "repo")
    engine = Engine(root, index_path=tmp_path / "i.sqlite")
    task = "settle_invoice_total and refund_invoice_total disagree"
    middle = line_of(root / "shop/ledger.py", "def _rounding")

    def item(bundle):
        return next(i for i in bundle.items if i.path == "shop/ledger.py")

    engine.priors = Priors(fill_gap_tokens=0)
    cut = engine.pack(task, 600)
    assert not covered(item(cut).ranges, middle)  # the two named functions, and the gap between them
    engine.priors = Priors(fill_gap_tokens=24)  # two blank lines, a two-line function, two blank lines
    filled = engine.pack(task, 600)
    assert covered(item(filled).ranges, middle) and covered(item(filled).ranges, middle + 1)
    for bundle in (cut, filled):
        check_bundle(bundle, root)


def test_the_cli_fills_a_cheap_gap_by_default(tmp_path):
    root = _gappy_repo(tmp_path / "repo")
    proc = run_cli(["pack", "--repo", str(root), "--task", "settle_invoice_total and refund_invoice_total disagree",
                    "--budget", "600", "--format", "json"])
    assert proc.returncode == 0, proc.stderr
    bundle = json.loads(proc.stdout)
    middle = line_of(root / "shop/ledger.py", "def _rounding")
    ranges = next(i["ranges"] for i in bundle["items"] if i["path"] == "shop/ledger.py")
    assert covered(ranges, middle) and covered(ranges, middle + 1), ranges
