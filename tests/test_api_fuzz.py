"""Schemathesis (property-based, every check) against a real server, from the committed OpenAPI document
(test_http_api checks the served one equals it), with a bearer token, so `ignored_auth` is checked too.
Bounded: a few examples per operation and a deadline; `benchmarks/api_fuzz.py` runs the full tool (all
phases, more examples) and prints a summary. (The schema is loaded at collection, not from a fixture:
schemathesis' lazy fixture loader does not run under pytest 9.)"""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from conftest import make_shop
from hypothesis import HealthCheck, settings
from served import FUZZ_CONFIG, Served

from contextpack.bundle_store import BundleStore, default_bundle_dir
from contextpack.http_api import create_app
from contextpack.workspace import Workspace

TOKEN = "fuzz-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def api_url(tmp_path_factory):
    base = tmp_path_factory.mktemp("fuzz")
    root = make_shop(base / "shop")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CONTEXTPACK_INDEX_DIR", str(base / "index-dir"))
        ws = Workspace(BundleStore(default_bundle_dir()), watch=False)
        ws.register(root)
        ws.index("shop")
        with Served(create_app(ws, token=TOKEN)) as url:
            yield url
        ws.close()


schema = schemathesis.openapi.from_path(Path(__file__).resolve().parents[1] / "docs" / "openapi.json",
                                        config=schemathesis.Config.from_dict(FUZZ_CONFIG))


@schema.parametrize()
@settings(max_examples=8, deadline=5000, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_conforms_to_its_openapi_document(case, api_url):
    case.call_and_validate(base_url=api_url, headers=AUTH)
