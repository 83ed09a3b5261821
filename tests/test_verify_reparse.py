"""verify's cheaper parses give the facts a fresh parse gives: the patched file reparsed from the tree of
the version before it, and a large test file read only around the lines that name a changed definition."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from contextpack.parse import parse_source, parse_source_tree
from contextpack.verify import _parsed

BLOCKS = [
    "import os\nfrom pkg import thing\n",
    "def alpha(a, b=1):\n    return a + b\n",
    "class Shop:\n    rate = 0.2\n\n    def price(self, n: int) -> float:\n        return n * self.rate\n",
    "def büro(x):\n    \"\"\"Grüße — 税\"\"\"\n    return x\n",
    "@decorator\ndef gamma(*args, **kw):\n    if args:\n        return 1\n    return 2\n",
    "class Inner:\n    class Deep:\n        def m(self):\n            pass\n",
    "x = [\n    1,\n    2,\n]\n",
]
FRAGMENTS = ["", "\n", "def", "    pass\n", "é", "税金", "(", ")\n", "class New:\n    pass\n", "# note\n", ":"]


@st.composite
def edits(draw):
    before = "\n".join(draw(st.lists(st.sampled_from(BLOCKS), min_size=1, max_size=8))).encode()
    after = before
    for _ in range(draw(st.integers(1, 3))):
        start = draw(st.integers(0, len(after)))
        end = draw(st.integers(start, min(len(after), start + 40)))
        after = after[:start] + draw(st.sampled_from(FRAGMENTS)).encode() + after[end:]
    return before, after


@settings(max_examples=150, deadline=None)
@given(edits())
def test_the_patched_file_reparsed_from_the_earlier_tree_has_the_facts_of_a_fresh_parse(change):
    before, after = change
    for references in (False, True):
        cache: dict = {}
        _parsed("pkg/mod.py", before, cache, references)
        reused = _parsed("pkg/mod.py", after, cache, references, earlier=("pkg/mod.py", before))[0]
        assert reused == parse_source("pkg/mod.py", "python", after, references=references)


def test_facts_around_lines_are_those_of_the_top_level_definitions_holding_them():
    source = "\n".join(BLOCKS).encode()
    full = parse_source("tests/test_x.py", "python", source, references=False)
    lines = source.decode().split("\n")
    price = next(n for n, text in enumerate(lines, 1) if "n * self.rate" in text)
    facts, _ = parse_source_tree("tests/test_x.py", "python", source, references=False, lines={price})
    assert [d.qualname for d in facts.definitions] == [
        d.qualname for d in full.definitions if d.qualname.startswith("tests.test_x.Shop")]
    assert facts.definitions == [d for d in full.definitions if d.qualname.startswith("tests.test_x.Shop")]
    assert parse_source_tree("tests/test_x.py", "python", source, lines=set())[0].definitions == []
