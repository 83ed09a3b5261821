"""Shared helpers for the packing tests: writing fixture repositories, a realistic shop repository, running
the installed CLI, and keeping every index out of the user's real cache dir."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

# the installed console script, next to the interpreter running the tests
CONTEXTPACK = str(Path(sys.executable).with_name("contextpack"))


def write_raw(root: Path, rel: str, content: str | bytes = "x = 1\n") -> Path:
    """A file with exactly these bytes (text as UTF-8), parent directories made."""
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def write(root: Path, rel: str, text: str, dedent: bool = True) -> Path:
    return write_raw(root, rel, textwrap.dedent(text) if dedent else text)


def file_lines(path: Path) -> list[str]:
    """A file's lines the way the bundle numbers them: split on "\\n", no phantom line after a final newline."""
    lines = path.read_bytes().decode("utf-8", errors="replace").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def line_of(path: Path, needle: str) -> int:
    """1-based number of the first line of `path` containing `needle`."""
    for n, line in enumerate(file_lines(path), 1):
        if needle in line:
            return n
    raise AssertionError(f"{needle!r} not in {path}")


def covered(ranges, line: int) -> bool:
    return any(a <= line <= b for a, b in ranges)


_PRICING_EXTRA = "".join(f'''

def price_rule_{i}(price: float, quantity: int) -> float:
    """Volume rule {i}: every {i + 2}nd unit is {i + 5}% cheaper."""
    bonus = quantity // {i + 2}
    reduced = price * (1 - {i + 5} / 100)
    return price * (quantity - bonus) + reduced * bonus
''' for i in range(10))


# a small Python function, formatted with a name: the filler and subject of ranking tests
SAMPLE_FUNCTION = '''
def {name}(records, limit):
    """Keep the first records under the limit."""
    kept = []
    for record in records:
        if len(kept) >= limit:
            break
        kept.append(record)
    return kept
'''


def assert_owned_by_probability(owned: list[str], items) -> None:
    """`owned` is the best-ranked shown code files (`items`: the bundle's items) until their probabilities add
    up to 0.995, at most 4: the first k, where the first k - 1 fall short of 0.995 and k is 4, all of them, or
    reaches it (contract._owned)."""
    ranked = sorted((i for i in items if i.kind != "skeleton" and i.language == "python"
                     and not i.path.startswith("tests/")), key=lambda i: (-i.score, i.path))
    k = len(owned)
    assert 1 <= k <= 4 and sorted(owned) == sorted(i.path for i in ranked[:k]), (owned, ranked)
    assert k == 4 or k == len(ranked) or sum(i.score for i in ranked[:k]) >= 0.995, [i.score for i in ranked]
    assert k == 1 or sum(i.score for i in ranked[:k - 1]) < 0.995, [i.score for i in ranked]


def make_shop(root: Path) -> Path:
    """A 16-file shop: pricing (large enough to be cut into snippets), models, cart, checkout, eight small
    utility modules, tests that call the pricing and cart code, AGENTS.md and .contextpack/rules.md."""
    write(root, "shop/__init__.py", "")
    write(root, "shop/pricing.py", '''\
        """Prices: discounts, taxes and volume rules."""
        from shop.models import Product

        TAX_RATE = 0.2


        def base_price(product: Product) -> float:
            return product.price


        def apply_discount(price: float, percent: float) -> float:
            """Reduce `price` by `percent` (0-100)."""
            if percent < 0 or percent > 100:
                raise ValueError(f"discount out of range: {percent}")
            return price * (1 - percent / 100)


        def with_tax(price: float) -> float:
            return price * (1 + TAX_RATE)
        ''' + _PRICING_EXTRA)
    write(root, "shop/models.py", '''\
        from dataclasses import dataclass


        @dataclass
        class Product:
            name: str
            price: float


        @dataclass
        class Order:
            items: list
            customer: str = ""
        ''')
    write(root, "shop/cart.py", '''\
        from shop.pricing import apply_discount, with_tax


        class Cart:
            def __init__(self):
                self.items = []

            def add(self, product):
                self.items.append(product)

            def total(self, discount=0):
                subtotal = sum(p.price for p in self.items)
                taxed = with_tax(subtotal)
                return apply_discount(taxed, discount)
        ''')
    write(root, "shop/checkout.py", '''\
        from shop.cart import Cart
        from shop.models import Order


        def checkout(cart: Cart, customer: str, coupon: int = 0) -> Order:
            if not cart.items:
                raise RuntimeError("empty cart")
            cart.total(coupon)
            return Order(items=list(cart.items), customer=customer)
        ''')
    topics = ["shipping", "inventory", "emails", "invoices", "reports", "search", "auth", "audit"]
    for i, topic in enumerate(topics):
        write(root, f"shop/{topic}.py", f'''\
            """{topic.title()} helpers."""


            def {topic}_helper(value):
                return value + {i}


            class {topic.title()}Service:
                def run(self, value):
                    return {topic}_helper(value) * 2
            ''')
    write(root, "tests/test_pricing.py", '''\
        from shop.pricing import apply_discount


        def test_apply_discount():
            assert apply_discount(100, 10) == 90
        ''')
    write(root, "tests/test_cart.py", '''\
        from shop.cart import Cart


        def test_empty_cart_total():
            assert Cart().total() == 0
        ''')
    write(root, "AGENTS.md", "Run the tests with `pytest -q`. Keep public signatures stable.\n")
    write(root, ".contextpack/rules.md", "Prices are floats; never round inside pricing.\n")
    return root


@pytest.fixture
def isolated_index(tmp_path, monkeypatch) -> Path:
    """CONTEXTPACK_INDEX_DIR points into tmp_path, so no index reaches the user's cache dir."""
    d = tmp_path / "index-dir"
    monkeypatch.setenv("CONTEXTPACK_INDEX_DIR", str(d))
    return d


def run_cli(args: list[str], *, env_extra: dict[str, str] | None = None, input: str | None = None,
            cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the installed `contextpack` script; CONTEXTPACK_INDEX_DIR must be set (environment or env_extra)."""
    env = {**os.environ, **(env_extra or {})}
    assert env.get("CONTEXTPACK_INDEX_DIR"), "set CONTEXTPACK_INDEX_DIR (isolated_index fixture or env_extra)"
    return subprocess.run([CONTEXTPACK, *args], capture_output=True, text=True, input=input, env=env,
                          cwd=cwd, timeout=timeout, stdin=None if input is not None else subprocess.DEVNULL)


# -- invariants every bundle must satisfy ----------------------------------------------------------------

def check_bundle(bundle, root: Path) -> None:
    """Budget, token, range and content invariants of one bundle against the files on disk."""
    import hashlib

    from contextpack.pack import GAP
    from contextpack.tokens import get_tokenizer

    tok = get_tokenizer(bundle.budget.encoding)
    assert bundle.budget.used <= bundle.budget.limit
    assert bundle.budget.used == sum(it.tokens for it in bundle.items)
    assert len({it.path for it in bundle.items}) == len(bundle.items), "a path appears twice"
    for it in bundle.items:
        raw = (root / it.path).read_bytes()
        lines = file_lines(root / it.path)
        assert it.tokens == tok.count(it.content), it.path
        assert it.sha256 == hashlib.sha256(raw).hexdigest()
        assert it.ranges, it.path
        prev_end = 0
        for a, b in it.ranges:
            assert 1 <= a <= b <= len(lines), (it.path, it.ranges, len(lines))
            # sorted, non-overlapping, and not adjacent (adjacent ranges would show a false gap marker)
            assert a > prev_end + 1 or prev_end == 0, (it.path, it.ranges)
            prev_end = b
        if it.kind == "file":
            assert it.ranges == [(1, len(lines))], (it.path, it.ranges, len(lines))
        expected: list[str | None] = []
        for k, (a, b) in enumerate(it.ranges):
            if k:
                expected.append(None)  # the gap line
            expected += lines[a - 1:b]
        shown = it.content.split("\n")
        assert shown[-1] == "", "content ends with a newline"
        shown.pop()
        assert len(shown) == len(expected), (it.path, it.ranges, it.content)
        lineno = iter(n for a, b in it.ranges for n in range(a, b + 1))
        for got, want in zip(shown, expected, strict=True):
            if want is None:
                assert got == GAP, (it.path, got)
                continue
            n = next(lineno)
            if got != want:  # only a redaction may change a line, and the item must say so
                assert "[REDACTED" in got, (it.path, n, got, want)
                assert any(r.startswith("secrets redacted on line(s)") and str(n) in r for r in it.reasons)
    for om in bundle.omitted:
        lines = file_lines(root / om.path)
        assert om.tokens >= 0
        if not lines:
            continue  # an empty file's [(1, 0)]: test_empty_file_is_never_omitted_with_an_empty_range
        for a, b in om.ranges:
            assert 1 <= a <= b <= len(lines), ("omitted", om.path, om.ranges, len(lines))
    # the contract only names what the bundle shows
    paths = {it.path for it in bundle.items}
    assert set(bundle.contract.owned) <= paths
    assert set(bundle.contract.read_only) == paths - set(bundle.contract.owned)


# -- the CLI in-process ---------------------------------------------------------------------------------

@dataclass
class CliRun:
    returncode: int
    stdout: str
    stderr: str


def call_main(monkeypatch, capsys, args: list, stdin: str = "", env_extra: dict[str, str] | None = None) -> CliRun:
    """`contextpack ARGS` in-process through launch.main(), as the console script runs it (stdin is not a tty)."""
    from contextpack import launch

    with monkeypatch.context() as mp:
        for k, v in (env_extra or {}).items():
            mp.setenv(k, v)
        mp.setattr(sys, "argv", ["contextpack", *map(str, args)])
        mp.setattr(sys, "stdin", io.StringIO(stdin))
        code = 0
        try:
            launch.main()
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    out, err = capsys.readouterr()
    return CliRun(code, out, err)
