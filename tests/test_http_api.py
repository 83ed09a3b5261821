"""The HTTP API against a real uvicorn server on a loopback port, called with a real httpx client: every
endpoint, every error as an RFC 9457 problem (404, 405, 413, 422, 401), traversal attempts that return
nothing outside the repository, edits reflected without an index call, the committed OpenAPI document."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import httpx
import jsonschema
import pytest
from conftest import check_bundle, make_shop, write
from served import Served, raw_request

from contextpack.bundle import Bundle, render
from contextpack.bundle_store import BundleStore, default_bundle_dir
from contextpack.http_api import LOOPBACK_NAMES, MAX_BODY_BYTES, PROBLEM, create_app, openapi_text
from contextpack.workspace import Workspace

TASK = "apply_discount should accept a discount of exactly 100 percent"
TOKEN = "s3cret-token-for-tests"
SECRET = "TOP-SECRET-OUTSIDE-THE-REPOSITORY"
DOCS = Path(__file__).resolve().parents[1] / "docs" / "openapi.json"


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """One shop repository (with a symlink leading outside it) served twice from one workspace: open
    (loopback, no token) and with a bearer token."""
    base = tmp_path_factory.mktemp("http")
    outside = base / "outside"
    write(outside, "secret.py", f'SECRET = "{SECRET}"\n')
    root = make_shop(base / "shop")
    os.symlink(outside / "secret.py", root / "shop" / "leak.py")
    os.symlink(outside, root / "shop" / "outdir")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CONTEXTPACK_INDEX_DIR", str(base / "index-dir"))
        ws = Workspace(BundleStore(default_bundle_dir()), watch=True)
        ws.register(root)
        with Served(create_app(ws, hosts=LOOPBACK_NAMES)) as url, \
                Served(create_app(ws, token=TOKEN)) as token_url, \
                httpx.Client(base_url=url, timeout=120) as client:
            yield type("Env", (), {"url": url, "token_url": token_url, "root": root, "client": client,
                                   "ws": ws, "outside": outside})
        ws.close()


def is_problem(r: httpx.Response, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    body = r.json()
    assert body["status"] == status and body["title"] and body["detail"] and body["type"]
    return body


# -- endpoints --------------------------------------------------------------------------------------------

def test_healthz(env):
    r = env.client.get("/healthz")
    assert r.status_code == 200 and r.json()["status"] == "ok"


def test_pack_returns_the_bundle_and_it_can_be_fetched_again(env):
    r = env.client.post("/v1/pack", json={"repo": "shop", "task": TASK, "budget": 1500})
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    bundle = Bundle.model_validate(r.json())
    check_bundle(bundle, env.root)
    assert bundle.items[0].path == "shop/pricing.py"
    assert r.text == bundle.to_json() and r.headers["contextpack-bundle-id"] == bundle.id
    jsonschema.validate(r.json(), env.client.get("/v1/schema").json())
    again = env.client.get(f"/v1/bundles/{bundle.id}")
    assert again.status_code == 200 and again.text == r.text
    md = env.client.get(f"/v1/bundles/{bundle.id}", params={"format": "md"})
    assert md.headers["content-type"].startswith("text/markdown") and md.text == render(bundle, "md")


@pytest.mark.parametrize(("fmt", "media"), [("md", "text/markdown"), ("xml", "application/xml")])
def test_pack_as_text(env, fmt, media):
    r = env.client.post("/v1/pack", json={"repo": "shop", "task": TASK, "budget": 800, "format": fmt,
                                          "type": "bugfix"})
    assert r.status_code == 200 and r.headers["content-type"].startswith(media)
    assert "shop/pricing.py" in r.text
    again = env.client.get(f"/v1/bundles/{r.headers['contextpack-bundle-id']}", params={"format": fmt})
    assert again.text == r.text


def test_expand_returns_a_delta_of_the_parent(env):
    parent = env.client.post("/v1/pack", json={"repo": "shop", "task": TASK, "budget": 300}).json()
    assert parent["omitted"]
    ref = parent["omitted"][0]["ref"]
    r = env.client.post(f"/v1/bundles/{parent['id']}/expand", json={"refs": [ref], "budget": 4000})
    assert r.status_code == 200, r.text
    delta = Bundle.model_validate(r.json())
    assert delta.parent == parent["id"]
    assert parent["omitted"][0]["path"] in {it.path for it in delta.items}
    xml = env.client.post(f"/v1/bundles/{parent['id']}/expand", json={"refs": [ref], "format": "xml"})
    assert xml.headers["content-type"].startswith("application/xml")


def test_verify_checks_a_patch_against_a_kept_bundle(env):
    bundle = env.client.post("/v1/pack", json={"repo": "shop", "task": TASK, "budget": 1500,
                                               "owned": ["shop/pricing.py"]}).json()
    owned, preserved = bundle["contract"]["owned"], bundle["contract"]["preserve"]
    assert owned == ["shop/pricing.py"] and any(p["qualname"] == "shop.pricing.apply_discount" for p in preserved)
    pricing = (env.root / "shop" / "pricing.py").read_text().splitlines()
    line = next(i for i, text in enumerate(pricing) if "def apply_discount(" in text)

    def verify(**body) -> dict:
        r = env.client.post("/v1/verify", json={"bundle": bundle["id"], **body})
        assert r.status_code == 200, r.text
        return r.json()

    def hunk(new: str) -> str:  # the line of apply_discount's signature replaced
        return (f"--- a/shop/pricing.py\n+++ b/shop/pricing.py\n@@ -{line + 1} +{line + 1} @@\n"
                f"-{pricing[line]}\n+{new}\n")

    inside = verify(diff=hunk(pricing[line].replace("-> float:", "->  float :")))  # reformatting only
    assert inside["verdict"] in ("pass", "warn") and inside["changed_files"] == ["shop/pricing.py"]
    renamed = verify(diff=hunk(pricing[line].replace("percent", "pct")))
    assert renamed["verdict"] == "fail"
    (sig,) = [s for s in renamed["signatures"] if s["qualname"] == "shop.pricing.apply_discount"]
    assert sig["status"] == "breaking" and "percent" in sig["old"] and "pct" in sig["new"]
    shown = {it["path"] for it in bundle["items"]}
    other = next(p for p in sorted(env.root.glob("shop/*.py"))
                 if p.relative_to(env.root).as_posix() not in shown and p.stat().st_size)
    first = other.read_text().splitlines()[0]
    rel = other.relative_to(env.root).as_posix()
    elsewhere = f"--- a/{rel}\n+++ b/{rel}\n@@ -1 +1 @@\n-{first}\n+{first}  # touched\n"
    outside = verify(diff=elsewhere)
    assert outside["verdict"] == "fail" and any(f["path"] == rel for f in outside["findings"])
    assert verify(diff=elsewhere, allow_outside=True)["verdict"] == "warn"
    # what the server refuses: an option-like revision, a patch that changes nothing, a repository without git
    is_problem(env.client.post("/v1/verify", json={"bundle": bundle["id"], "base": "--output=/tmp/x"}), 422)
    is_problem(env.client.post("/v1/verify", json={"bundle": bundle["id"], "diff": "not a diff"}), 422)
    no_git = is_problem(env.client.post("/v1/verify", json={"bundle": bundle["id"]}), 422)
    assert "not a git work tree" in no_git["detail"] and "\n" not in no_git["detail"]


def test_repos_list_and_register(env, tmp_path):
    repos = env.client.get("/v1/repos").json()
    assert "shop" in [r["name"] for r in repos] and all(r["watching"] for r in repos)
    other = make_shop(tmp_path / "other-shop")
    r = env.client.post("/v1/repos", json={"path": str(other)})
    assert r.status_code == 201 and r.json()["name"] == "other-shop" and r.json()["root"] == str(other.resolve())
    assert env.client.post("/v1/repos", json={"path": str(other)}).status_code == 201  # idempotent
    assert "other-shop" in [r["name"] for r in env.client.get("/v1/repos").json()]
    taken = env.client.post("/v1/repos", json={"path": str(tmp_path), "name": "shop"})
    assert "taken" in is_problem(taken, 422)["detail"]
    is_problem(env.client.post("/v1/repos", json={"path": str(tmp_path / "missing")}), 422)
    assert "absolute" in is_problem(env.client.post("/v1/repos", json={"path": "relative/dir"}), 422)["detail"]
    assert "absolute" in is_problem(env.client.post("/v1/repos", json={"path": "~"}), 422)["detail"]
    for odd in ("/" + "a" * 300, "/a\x00b", "/" + "a/" * 2000):  # too long for the file system, a NUL
        is_problem(env.client.post("/v1/repos", json={"path": odd}), 422)


def test_index_symbols_files_map_stats(env):
    r = env.client.post("/v1/repos/shop/index")
    assert r.status_code == 200 and r.json()["scanned"] >= 16
    hits = env.client.get("/v1/repos/shop/symbols", params={"q": "apply_discount"}).json()
    assert hits and hits[0]["path"] == "shop/pricing.py"
    assert len(env.client.get("/v1/repos/shop/symbols", params={"q": "run", "limit": 2}).json()) == 2
    f = env.client.get("/v1/repos/shop/files/shop/cart.py", params={"start": 4, "end": 5}).json()
    assert f["start"] == 4 and f["end"] == 5 and f["content"].splitlines()[0] == "class Cart:"
    assert f["content"] == "".join(line + "\n" for line in (env.root / "shop/cart.py").read_text().splitlines()[3:5])
    m = env.client.get("/v1/repos/shop/map", params={"budget": 200}).json()
    assert 0 < m["used"] <= 200 and m["budget"] == 200 and "def " in m["text"]
    s = env.client.get("/v1/repos/shop/stats").json()
    assert s["repo"] == "shop" and s["files_by_language"]["python"] >= 14 and s["watching"] is True


def test_continue_context_provider(env):
    body = {"query": "", "fullInput": TASK, "options": {"budget": 1200}, "workspacePath": str(env.root)}
    items = env.client.post("/v1/continue", json=body).json()
    assert items[-1]["name"] == "contract" and "shop/pricing.py" in json.loads(items[-1]["content"])["owned"]
    assert items[0]["name"].startswith("shop/pricing.py") and "def apply_discount" in items[0]["content"]
    assert items[0]["uri"] == {"type": "file", "value": (env.root / "shop/pricing.py").resolve().as_uri()}
    assert all({"name", "description", "content"} <= set(it) for it in items)
    by_uri = env.client.post("/v1/continue", json={**body, "workspacePath": env.root.as_uri()}).json()
    by_name = env.client.post("/v1/continue", json={"fullInput": TASK, "options": {"repo": "shop", "budget": 1200},
                                                    "extra": "ignored"}).json()
    assert by_uri == items == by_name
    is_problem(env.client.post("/v1/continue", json={"fullInput": TASK}), 422)
    is_problem(env.client.post("/v1/continue", json={"fullInput": TASK, "options": {"repo": "nope"}}), 404)
    is_problem(env.client.post("/v1/continue", json={"query": " ", "options": {"repo": "shop"}}), 422)


def test_an_edit_on_disk_shows_in_the_next_pack_without_an_index_call(env):
    pricing = env.root / "shop" / "pricing.py"
    original = pricing.read_text()
    try:
        pricing.write_text(original.replace('    """Reduce `price` by `percent` (0-100)."""',
                                            '    """Reduce `price` by `percent` (0-100). EDITED_ON_DISK"""'))
        r = env.client.post("/v1/pack", json={"repo": "shop", "task": TASK, "budget": 1500})
        shown = next(it for it in r.json()["items"] if it["path"] == "shop/pricing.py")
        assert "EDITED_ON_DISK" in shown["content"]
        check_bundle(Bundle.model_validate(r.json()), env.root)
        # a new file reaches the index through the watcher, with no index call either
        write(env.root, "shop/refunds.py", "def refund_voucher_total(order):\n    return 0\n")
        deadline = time.monotonic() + 15
        while not env.client.get("/v1/repos/shop/symbols", params={"q": "refund_voucher_total"}).json():
            assert time.monotonic() < deadline, "the watcher never indexed the new file"
            time.sleep(0.1)
        r = env.client.post("/v1/pack", json={"repo": "shop", "task": "refund_voucher_total is wrong", "budget": 800})
        assert r.json()["items"][0]["path"] == "shop/refunds.py"
    finally:
        pricing.write_text(original)
        (env.root / "shop" / "refunds.py").unlink(missing_ok=True)


# -- errors -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("method", "path", "body"), [
    ("POST", "/v1/pack", {"repo": "nope", "task": TASK}),
    ("POST", "/v1/repos/nope/index", None),
    ("GET", "/v1/repos/nope/symbols?q=x", None),
    ("GET", "/v1/repos/nope/files/a.py", None),
    ("GET", "/v1/repos/nope/map", None),
    ("GET", "/v1/repos/nope/stats", None),
    ("GET", "/v1/bundles/" + "0" * 64, None),
    ("POST", "/v1/bundles/" + "0" * 64 + "/expand", {}),
    ("POST", "/v1/verify", {"bundle": "0" * 64, "diff": "x"}),
])
def test_unknown_repository_or_bundle_is_404(env, method, path, body):
    b = is_problem(env.client.request(method, path, json=body), 404)
    assert b["title"] == "not found" and b["type"] == "urn:contextpack:problem:not-found"


@pytest.mark.parametrize("budget", [-1, 2_000_001, "lots", 1.5])
def test_bad_budget_is_422_with_field_errors(env, budget):
    b = is_problem(env.client.post("/v1/pack", json={"repo": "shop", "task": TASK, "budget": budget}), 422)
    assert b["errors"][0]["loc"] == ["body", "budget"] and "budget" in b["detail"]


def test_other_validation_errors_are_422(env):
    assert is_problem(env.client.post("/v1/pack", content=b"{not json", headers={"content-type": "application/json"}),
                      422)["errors"]
    is_problem(env.client.post("/v1/pack", json={"repo": "shop", "task": ""}), 422)
    is_problem(env.client.post("/v1/pack", json={"repo": "shop", "task": TASK, "format": "pdf"}), 422)
    is_problem(env.client.post("/v1/pack", json={"repo": "shop", "task": TASK, "surprise": 1}), 422)
    is_problem(env.client.post("/v1/pack", json={"repo": "shop", "task": TASK, "encoding": "nope"}), 422)
    is_problem(env.client.get("/v1/repos/shop/symbols", params={"q": "x", "limit": 0}), 422)
    is_problem(env.client.get("/v1/repos/shop/map", params={"budget": -5}), 422)
    is_problem(env.client.get("/v1/bundles/not-an-id"), 422)
    is_problem(env.client.get("/v1/repos/shop/files/shop/cart.py", params={"start": 99}), 422)


def test_unknown_route_is_404_and_wrong_method_405_with_allow(env):
    assert is_problem(env.client.get("/v2/pack"), 404)["detail"] == "no route /v2/pack"
    r = env.client.delete("/v1/repos")
    is_problem(r, 405)
    assert set(r.headers["allow"].split(", ")) >= {"GET", "POST"}


def test_oversized_body_is_413_by_length_and_when_chunked(env):
    big = b'{"repo": "shop", "task": "' + b"x" * MAX_BODY_BYTES + b'"}'
    is_problem(env.client.post("/v1/pack", content=big, headers={"content-type": "application/json"}), 413)

    def chunks():  # no Content-Length: Transfer-Encoding: chunked
        yield b'{"repo": "shop", "task": "'
        for _ in range(MAX_BODY_BYTES // 65536 + 2):
            yield b"x" * 65536
        yield b'"}'

    r = env.client.post("/v1/pack", content=chunks(), headers={"content-type": "application/json"})
    assert "content-length" not in r.request.headers
    is_problem(r, 413)
    is_problem(env.client.post("/v1/continue", content=big, headers={"content-type": "application/json"}), 413)


def test_a_bug_is_a_500_problem_too(env, monkeypatch):
    def boom(name):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(env.ws, "status", boom)
    assert "ZeroDivisionError" in is_problem(env.client.get("/v1/repos/shop/stats"), 500)["detail"]


def test_token_is_required_when_set(env):
    with httpx.Client(base_url=env.token_url, timeout=60) as c:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"},
                        {"Authorization": TOKEN}):
            r = c.get("/v1/repos", headers=headers)
            is_problem(r, 401)
            assert r.headers["www-authenticate"].startswith("Bearer")
        is_problem(c.post("/v1/pack", json={"repo": "shop", "task": TASK}), 401)
        is_problem(c.get("/openapi.json"), 401)
        is_problem(c.get("/v1/nowhere"), 401)  # nothing about the routes before the token
        assert c.get("/healthz").status_code == 200
        ok = {"Authorization": f"Bearer {TOKEN}"}
        assert c.get("/v1/repos", headers=ok).status_code == 200
        assert c.post("/v1/pack", json={"repo": "shop", "task": TASK, "budget": 500}, headers=ok).status_code == 200


def test_a_host_header_naming_another_machine_is_refused(env):
    is_problem(env.client.get("/v1/repos", headers={"Host": "attacker.example:8765"}), 400)
    assert env.client.get("/v1/repos", headers={"Host": "localhost:1234"}).status_code == 200


TRAVERSALS = [
    "../outside/secret.py",
    "shop/../../outside/secret.py",
    "%2e%2e/outside/secret.py",
    "%2e%2e%2foutside%2fsecret.py",
    "%2E%2E%2F%2E%2E%2Foutside%2Fsecret.py",
    "%252e%252e%252foutside%252fsecret.py",
    "..%2f..%2foutside%2fsecret.py",
    "/" + "{outside}/secret.py",
    "%2F{outside}%2Fsecret.py",
    "{outside}/secret.py",
    "shop/leak.py",
    "shop/outdir/secret.py",
    "shop%2foutdir%2fsecret.py",
    "shop/./../../outside/secret.py",
    "~/secret.py",
    "shop\\..\\..\\outside\\secret.py",
    "%00/etc/passwd",
]


@pytest.mark.parametrize("target", TRAVERSALS)
def test_traversal_is_refused_and_nothing_outside_is_returned(env, target):
    target = target.format(outside=str(env.outside).lstrip("/"))
    status, headers, body = raw_request(env.url, f"/v1/repos/shop/files/{target}")
    assert status in (400, 403, 404, 422), (status, body)
    assert headers["content-type"] == PROBLEM
    assert SECRET.encode() not in body
    # and through a client that normalises the URL
    r = env.client.get(f"/v1/repos/shop/files/{target}")
    assert r.status_code >= 400 and SECRET not in r.text


def test_the_repository_name_segment_cannot_traverse_either(env):
    for name in ("..", "%2e%2e", "..%2fshop", "shop%2f..%2f.."):
        status, _, body = raw_request(env.url, f"/v1/repos/{name}/files/shop/cart.py")
        assert status in (403, 404, 422) and SECRET.encode() not in body


# -- the OpenAPI document ---------------------------------------------------------------------------------

def test_openapi_served_equals_the_committed_document():
    """docs/openapi.json is generated: `contextpack serve --print-openapi > docs/openapi.json`."""
    assert DOCS.read_text("utf-8") == openapi_text(), "docs/openapi.json drifted: regenerate it"


def test_openapi_declares_problems_not_fastapi_validation_errors(env):
    doc = env.client.get("/openapi.json").json()
    assert doc == json.loads(DOCS.read_text("utf-8"))
    assert "HTTPValidationError" not in json.dumps(doc)
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            errors = {s: r for s, r in op["responses"].items() if s == "default" or s >= "400"}
            assert "default" in errors, (path, method)
            for status, resp in errors.items():
                assert list(resp["content"]) == [PROBLEM], (path, method, status)
            if path != "/healthz":
                assert "401" in errors and op["security"] == [{"bearer": []}], (path, method)
            if "requestBody" in op:
                assert {"413", "422"} <= set(errors), (path, method)
