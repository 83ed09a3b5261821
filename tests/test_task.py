"""Task text → TaskQuery: stack frames of five languages exactly, identifiers and paths, the task type by
rule and by request, errors for empty or unknown input, and very long task text (cut; the bundle says so)."""

from __future__ import annotations

import pytest
from conftest import make_shop

from contextpack.engine import Engine
from contextpack.errors import RequestError
from contextpack.task import MAX_TASK_CHARS, TASK_TYPES, Frame, analyze_task

PYTHON_TRACE = """\
Traceback (most recent call last):
  File "/srv/app/shop/checkout.py", line 8, in checkout
    cart.total(coupon)
  File "/srv/app/shop/cart.py", line 14, in total
    return apply_discount(taxed, discount)
  File "/srv/app/shop/pricing.py", line 13, in apply_discount
    raise ValueError(f"discount out of range: {percent}")
ValueError: discount out of range: 120
"""

NODE_TRACE = """\
TypeError: Cannot read properties of undefined (reading 'id')
    at getUser (/app/src/users.js:10:5)
    at async Router.handle (/app/src/router.js:42:12)
    at new UserService (/app/src/service.ts:22:11)
    at Object.<anonymous> (/app/src/index.js:3:1)
    at Module._compile (node:internal/modules/cjs/loader:1105:14)
    at /app/src/boot.mjs:7:3
"""

JAVA_TRACE = """\
Exception in thread "main" java.lang.NullPointerException: order is null
\tat com.acme.Foo.bar(Foo.java:42)
\tat com.acme.shop.OrderService.placeOrder(OrderService.java:57)
\tat java.base/java.lang.Thread.run(Thread.java:833)
"""

GO_TRACE = """\
panic: runtime error: index out of range [3] with length 3

goroutine 1 [running]:
example.com/proj/pkg.(*Store).Get(...)
\t/home/u/proj/pkg/x.go:17 +0x1d
main.main()
\t/home/u/proj/main.go:9 +0x25
exit status 2
"""

RUST_TRACE = """\
thread 'main' panicked at src/main.rs:10:5:
called `Option::unwrap()` on a `None` value
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace
"""


# -- stack frames ----------------------------------------------------------------------------------------

def test_python_traceback_frames():
    q = analyze_task(PYTHON_TRACE)
    assert q.frames == [Frame("/srv/app/shop/checkout.py", 8, "checkout"),
                        Frame("/srv/app/shop/cart.py", 14, "total"),
                        Frame("/srv/app/shop/pricing.py", 13, "apply_discount")]
    assert q.paths == ["/srv/app/shop/checkout.py", "/srv/app/shop/cart.py", "/srv/app/shop/pricing.py"]
    assert q.errors == ["ValueError: discount out of range: 120"]
    for name in ("checkout", "total", "apply_discount", "ValueError"):
        assert name in q.identifiers
    assert q.type == "bugfix"


def test_node_stack_frames():
    q = analyze_task(NODE_TRACE)
    assert q.frames == [Frame("/app/src/users.js", 10, "getUser"),
                        Frame("/app/src/router.js", 42, "Router.handle"),
                        Frame("/app/src/service.ts", 22, "UserService"),
                        Frame("/app/src/index.js", 3, ""),
                        Frame("/app/src/boot.mjs", 7, "")]
    assert "node:internal/modules/cjs/loader" not in " ".join(q.paths)
    assert {"getUser", "Router.handle", "UserService"} <= set(q.identifiers)
    assert not [i for i in q.identifiers if "<" in i or " " in i], q.identifiers
    assert q.errors == ["TypeError: Cannot read properties of undefined (reading 'id')"]
    assert q.type == "bugfix"


def test_java_stack_frames():
    q = analyze_task(JAVA_TRACE)
    assert Frame("com/acme/Foo.java", 42, "bar") in q.frames
    assert Frame("com/acme/shop/OrderService.java", 57, "placeOrder") in q.frames
    assert [f for f in q.frames if f.function == "bar"] == [Frame("com/acme/Foo.java", 42, "bar")]
    assert "com/acme/Foo.java" in q.paths and "com/acme/shop/OrderService.java" in q.paths
    assert len(q.paths) == len(set(q.paths)), q.paths
    assert {"com.acme.Foo.bar", "com.acme.shop.OrderService.placeOrder",
            "NullPointerException"} <= set(q.identifiers)
    assert q.errors == ["java.lang.NullPointerException: order is null"]
    assert q.type == "bugfix"


def test_go_panic_frames_with_absolute_paths():
    q = analyze_task(GO_TRACE)
    assert q.frames == [Frame("/home/u/proj/pkg/x.go", 17, "Store.Get"),
                        Frame("/home/u/proj/main.go", 9, "main")]
    assert q.paths == ["/home/u/proj/pkg/x.go", "/home/u/proj/main.go"]
    assert "Store.Get" in q.identifiers
    assert q.type == "bugfix"


def test_go_test_failure_line_is_a_frame_and_plain_calls_are_not():
    q = analyze_task("--- FAIL: TestGet (0.00s)\n    store_test.go:12: expected 3, got 4\n"
                     "see fmt.Println(x) in the docs\n")
    assert q.frames == [Frame("store_test.go", 12, "")]


def test_rust_panic_frame_and_type():
    q = analyze_task(RUST_TRACE)
    assert q.frames == [Frame("src/main.rs", 10, "")]
    assert q.paths == ["src/main.rs"]
    assert "RUST_BACKTRACE" in q.identifiers
    assert q.type == "bugfix", q.type_reason


def test_duplicate_frames_of_one_file_give_one_path():
    q = analyze_task('File "app/x.py", line 3, in f\nFile "app/x.py", line 9, in g\n'
                     'File "app/x.py", line 3, in f\n')
    assert q.frames == [Frame("app/x.py", 3, "f"), Frame("app/x.py", 9, "g")]
    assert q.paths == ["app/x.py"]


# -- identifiers and paths -------------------------------------------------------------------------------

def test_identifiers_of_every_shape_and_paths():
    q = analyze_task("Rename HttpClient.send_request and QuerySet.bulk_create in django/db/models/query.py; "
                     "parse_url, user_id and XMLHttpRequest stay, see ./docs/guide.md and `load_config()`.")
    ids = q.identifiers
    for name in ("HttpClient.send_request", "QuerySet.bulk_create", "HttpClient", "send_request", "QuerySet",
                 "bulk_create", "parse_url", "user_id", "XMLHttpRequest", "load_config"):
        assert name in ids, (name, ids)
    # dotted (most specific) names come first
    assert set(ids[:2]) == {"HttpClient.send_request", "QuerySet.bulk_create"}
    assert q.paths == ["django/db/models/query.py", "docs/guide.md"]
    assert "django.db.models.query" not in ids and "query.py" not in ids
    # ordinary words are not identifiers
    for word in ("Rename", "and", "stay", "see"):
        assert word not in ids
    assert {"http", "client", "send", "request", "bulk", "create"} <= set(q.terms)


# -- task type -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("Upgrade the requests dependency to 2.32 and fix deprecations", "dependency-upgrade"),
    ("test_checkout is failing on CI since yesterday", "test-repair"),
    ("apply_discount returns the wrong total for 100%", "bugfix"),
    ("Refactor pricing: extract a function for the tax computation", "refactor"),
    ("Add support for gift cards at checkout", "feature"),
    ("How does the cart compute its total?", "exploration"),
    ("cart totals", "exploration"),
])
def test_task_type_by_rule(text, expected):
    q = analyze_task(text)
    assert q.type == expected, q.type_reason
    assert q.type_given is False
    assert q.type_reason


@pytest.mark.parametrize("given", TASK_TYPES)
def test_given_type_overrides_the_rules(given):
    q = analyze_task(PYTHON_TRACE, given)
    assert (q.type, q.type_given, q.type_reason) == (given, True, "given by the request")


# -- errors ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["", "   ", "\n\t \n", None])
def test_empty_task_is_a_request_error(text):
    with pytest.raises(RequestError) as err:
        analyze_task(text)
    msg = str(err.value)
    assert "task is empty" in msg and "\n" not in msg


@pytest.mark.parametrize("bad", ["bug", "Bugfix", "", "docs"])
def test_unknown_type_is_a_request_error(bad):
    with pytest.raises(RequestError) as err:
        analyze_task("fix the cart", bad)
    msg = str(err.value)
    assert "unknown task type" in msg and repr(bad) in msg and "bugfix" in msg


def test_empty_task_through_the_engine(tmp_path, isolated_index):
    engine = Engine(make_shop(tmp_path / "shop"), index_path=tmp_path / "i.sqlite")
    with pytest.raises(RequestError):
        engine.pack("  \n ", 1000)
    with pytest.raises(RequestError):
        engine.pack("fix the cart", 1000, task_type="hotfix")


# -- very long task text ---------------------------------------------------------------------------------

def test_one_megabyte_task_is_cut_and_the_bundle_says_so(tmp_path, isolated_index):
    head = "apply_discount returns the wrong value for a 100 percent coupon.\n"
    text = head + ("Cart.total with_tax lorem ipsum dolor sit amet " * 25_000)[: 1_000_000 - len(head)]
    assert len(text) == 1_000_000
    q = analyze_task(text)
    assert q.truncated is True and len(q.text) == MAX_TASK_CHARS and q.text == text[:MAX_TASK_CHARS]
    assert "apply_discount" in q.identifiers
    assert analyze_task(text[:MAX_TASK_CHARS]).truncated is False

    engine = Engine(make_shop(tmp_path / "shop"), index_path=tmp_path / "i.sqlite")
    bundle = engine.pack(text, 2000)
    assert bundle.task.truncated is True
    assert len(bundle.task.text) == MAX_TASK_CHARS
    assert any("cut" in n and "200,000" in n for n in bundle.notes), bundle.notes
    # the repeated `Cart.total` is a mention too: both files must be shown, the pricing one among the first
    assert "shop/pricing.py" in [i.path for i in bundle.items[:2]]
    assert bundle.budget.used <= 2000
