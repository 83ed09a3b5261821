"""The bundle as an interface: every bundle these tests produce validates against `contextpack schema`; the
markdown shows every item; the XML parses and round-trips item content; the id follows repo state and
request."""

from __future__ import annotations

import json
import subprocess
import xml.etree.ElementTree as ET

import jsonschema
import pytest
from conftest import make_shop, run_cli, write

from contextpack.bundle import SCHEMA, Bundle, render
from contextpack.engine import Engine
from contextpack.printable import printable

pytestmark = pytest.mark.usefixtures("isolated_index")

BUDGETS = (0, 1, 50, 2000, 50_000)
TASKS = (
    "apply_discount should accept a discount of exactly 100 percent",
    'Traceback (most recent call last):\n  File "/srv/shop/cart.py", line 13, in total\n'
    "    taxed = with_tax(subtotal)\nTypeError: unsupported operand\n",
    "How does checkout build an Order?",
    "zzz qqq nothing matches this",
)


@pytest.fixture(scope="module")
def schema(tmp_path_factory) -> dict:
    r = run_cli(["schema"], env_extra={"CONTEXTPACK_INDEX_DIR": str(tmp_path_factory.mktemp("index-dir"))})
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    jsonschema.Draft202012Validator.check_schema(s)
    return s


@pytest.fixture(scope="module")
def bundles(tmp_path_factory) -> tuple[object, list[Bundle]]:
    tmp = tmp_path_factory.mktemp("bundles")
    root = make_shop(tmp / "shop")
    # a markdown file with its own fences, a file with control characters, a non-ASCII file
    write(root, "docs/pricing.md", "# Pricing\n\n````python\n```\napply_discount(100, 10)\n```\n````\n")
    write(root, "shop/legacy.py",
          "\x0c\ndef apply_discount_legacy(p):\n    return p  # \x1b[31mred\x1b[0m\r\n")
    write(root, "shop/i18n.py", "def greet():\n    return 'grüß dich — こんにちは 🎉 <b>&amp;</b>'\n")
    engine = Engine(root, index_path=tmp / "i.sqlite")
    out = [engine.pack(t, b) for t in TASKS for b in BUDGETS]
    out.append(engine.pack("apply_discount_legacy and docs/pricing.md and greet", 50_000))
    assert {"docs/pricing.md", "shop/legacy.py", "shop/i18n.py"} <= {it.path for it in out[-1].items}
    return root, out


def test_every_bundle_validates_against_the_cli_schema(schema, bundles):
    _, bs = bundles
    validator = jsonschema.Draft202012Validator(schema)
    for b in bs:
        doc = json.loads(b.to_json())
        jsonschema.validate(doc, schema)
        assert not list(validator.iter_errors(doc))
        assert doc["schema"] == SCHEMA
        assert Bundle.model_validate_json(b.to_json()) == b  # the JSON is the whole bundle
    assert {b.budget.limit for b in bs} == set(BUDGETS)
    assert any(b.items for b in bs) and any(not b.items for b in bs)


def test_schema_rejects_what_is_not_a_bundle(schema, bundles):
    _, bs = bundles
    doc = json.loads(next(b for b in bs if b.items).to_json())
    for broken in (
        {**doc, "extra": 1},
        {k: v for k, v in doc.items() if k != "items"},
        {**doc, "budget": {**doc["budget"], "used": -1}},
        {**doc, "items": [{**doc["items"][0], "kind": "page"}]},
        {**doc, "schema": "contextpack.bundle/v2"},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, schema)


def test_markdown_shows_every_item_path_and_content(bundles):
    _, bs = bundles
    for b in bs:
        md = render(b, "md")
        assert md.endswith("\n")
        assert f"{b.budget.used}/{b.budget.limit} tokens" in md
        lines = md.split("\n")
        for it in b.items:
            heading = next(i for i, line in enumerate(lines) if line.startswith(f"### `{it.path}` ("))
            fence_line = lines[heading + 4]
            fence = fence_line[: len(fence_line) - len(fence_line.lstrip("`"))]
            assert len(fence) >= 3 and fence_line == fence + it.language
            body = printable(it.content).rstrip("\n").split("\n")  # controls shown as pictures (issue 11)
            assert lines[heading + 5: heading + 5 + len(body)] == body, it.path
            assert lines[heading + 5 + len(body)] == fence, it.path
            # the fence can't be closed early by a line of the content
            assert not any(line.strip().startswith(fence) for line in body), (it.path, fence)
        for o in b.omitted:
            assert f"- `{o.path}` {o.kind}" in md
        for n in b.notes:
            assert f"- {n}" in md


def xml_view(text: str) -> str:
    """What XML 1.0 can carry of `text`: C0 controls other than tab/LF/CR as their Control Pictures."""
    return "".join(chr(0x2400 + ord(c)) if c < " " and c not in "\t\n\r" else c for c in text)


def test_xml_parses_and_round_trips(bundles):
    _, bs = bundles
    for b in bs:
        text = render(b, "xml")
        root = ET.fromstring(text)
        assert root.tag == "bundle" and root.get("id") == b.id and root.get("schema") == SCHEMA
        assert root.find("task").text == xml_view(b.task.text)
        budget = root.find("budget")
        assert (int(budget.get("limit")), int(budget.get("used"))) == (b.budget.limit, b.budget.used)
        items = root.findall("item")
        assert [i.get("path") for i in items] == [it.path for it in b.items]
        for el, it in zip(items, b.items, strict=True):
            assert int(el.get("tokens")) == it.tokens
            assert (el.find("content").text or "") == xml_view(it.content), it.path
            assert [r.text for r in el.findall("reason")] == it.reasons
        assert [o.get("path") for o in root.findall("omitted")] == [o.path for o in b.omitted]
        rules = root.find("contract").findall("rules")
        assert [r.get("path") for r in rules] == [r.path for r in b.contract.rules]


def test_xml_survives_control_characters_in_content_and_task(tmp_path):
    root = tmp_path / "repo"
    write(root, "colors.py", "\x0c\ndef paint_red(s):\n    return '\x1b[31m' + s + '\x1b[0m'\x7f\r\n")
    engine = Engine(root, index_path=tmp_path / "i.sqlite")
    bundle = engine.pack("paint_red prints \x1b[31mred\x1b[0m wrongly\x07\x00 \ufffe", 5000)
    assert [it.path for it in bundle.items] == ["colors.py"]
    parsed = ET.fromstring(render(bundle, "xml"))  # XML 1.0 forbids these characters raw or as references
    content = parsed.find("item/content").text
    assert content == "\u240c\ndef paint_red(s):\n    return '\u241b[31m' + s + '\u241b[0m'\x7f\r\n"
    assert parsed.find("task").text == "paint_red prints \u241b[31mred\u241b[0m wrongly\u2407\u2400 \ufffd"


def test_id_follows_the_request_and_the_repo_state(tmp_path):
    root = make_shop(tmp_path / "shop")
    engine = Engine(root, index_path=tmp_path / "i.sqlite")
    task = "apply_discount should accept a discount of exactly 100 percent"
    base = engine.pack(task, 2000)
    assert base.id == engine.pack(task, 2000).id
    variants = {
        "task": engine.pack(task + " please", 2000),
        "budget": engine.pack(task, 2001),
        "type": engine.pack(task, 2000, task_type="feature"),
        "encoding": engine.pack(task, 2000, encoding="o200k_base") if _has("o200k_base") else None,
    }
    for what, b in variants.items():
        if b is not None:
            assert b.id != base.id, what
    # a file the bundle shows changes
    pricing = root / "shop/pricing.py"
    pricing.write_text(pricing.read_text().replace("Reduce `price`", "Lower `price`"))
    changed = engine.pack(task, 2000, refresh=True)
    assert changed.id != base.id and changed.repo.index_digest != base.repo.index_digest
    # a file the bundle does not show changes: the repo state differs, so does the id
    (root / "shop/audit.py").write_text((root / "shop/audit.py").read_text() + "\n# audited\n")
    other = engine.pack(task, 2000, refresh=True)
    assert other.id != changed.id
    # and back to the original bytes: the same id again
    pricing.write_text(pricing.read_text().replace("Lower `price`", "Reduce `price`"))
    (root / "shop/audit.py").write_text((root / "shop/audit.py").read_text().replace("\n# audited\n", ""))
    assert engine.pack(task, 2000, refresh=True).to_json() == base.to_json()


def _has(encoding: str) -> bool:
    from contextpack.errors import RequestError
    from contextpack.tokens import get_tokenizer

    try:
        get_tokenizer(encoding)
    except RequestError:
        return False
    return True


def test_repo_info_in_a_git_work_tree(tmp_path):
    root = make_shop(tmp_path / "shop")

    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.com",
                               "-c", "commit.gpgsign=false", *args],
                              capture_output=True, text=True, check=True).stdout.strip()

    git("init", "-q")
    git("add", "-A")
    git("commit", "-q", "-m", "shop")
    pricing = root / "shop/pricing.py"
    pricing.write_text(pricing.read_text() + "\n# pricing and cart change together\n")
    (root / "shop/cart.py").write_text((root / "shop/cart.py").read_text() + "\n# see pricing\n")
    git("commit", "-q", "-am", "pricing with cart")
    head = git("rev-parse", "HEAD")

    engine = Engine(root, index_path=tmp_path / "i.sqlite")
    task = "apply_discount should accept a discount of exactly 100 percent"
    clean = engine.pack(task, 2000)
    assert (clean.repo.root, clean.repo.commit, clean.repo.dirty) == ("shop", head, False)
    assert clean.to_json() == engine.pack(task, 2000).to_json()
    assert clean.items[0].path == "shop/pricing.py"

    (root / "shop/audit.py").write_text((root / "shop/audit.py").read_text() + "\n# local edit\n")
    dirty = engine.pack(task, 2000, refresh=True)
    assert (dirty.repo.commit, dirty.repo.dirty) == (head, True)
    assert dirty.id != clean.id
    (root / "untracked.py").write_text("def apply_discount_draft():\n    pass\n")
    git("checkout", "-q", "--", "shop/audit.py")
    again = engine.pack(task, 2000, refresh=True)
    assert again.repo.dirty is False, "untracked files don't make the tree dirty"
