"""Secrets never leave: source files with an AWS key, a private key block inside a Python string, GitHub and
Stripe tokens, a password in a DSN, and secret files (.env, id_rsa) beside them. Whatever the task, budget
and format, no secret (nor a key body line) is in the output, the items say what was redacted, and the secret
files are never items."""

from __future__ import annotations

import json
import re

import pytest
from conftest import covered, line_of, run_cli, write
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contextpack import redact
from contextpack.bundle import FORMATS, render
from contextpack.engine import Engine

pytestmark = pytest.mark.usefixtures("isolated_index")

# made up, but shaped so detect-secrets' detectors recognise them
AWS_KEY = "AKIAQ7ZRTW3MXK5PLN2D"
AWS_SECRET = "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"
GITHUB_TOKEN = "ghp_Xq7RmT2kLp9VbN4wZs8YdC3fHj6GuA1eKo5P"
STRIPE_KEY = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"
DB_PASSWORD = "Sup3rS3cretPassw0rd"
KEY_BODY = [
    "MIIEpAIBAAKCAQEAq8Zt4Ye5mXw2bQf0Lk9JpR3sVd7NcX1uT6oHaWgE2rYiBzMn",
    "Kv4PjLs8Qe0dFhT7wAxU3cRmYb9NpZi6GkOtVa2Sl5EjHy1XqWfDu8IrCoB4zMe",
    "Tn7LpQx2VdKb9AsYh3JwRf6GmEiZc1UoNt5HlXa8PyBvWk0SqDr4Jg2Ou7MeFzIi",
]
ENV_SECRET = "wJalrXUtnFEMIK7MDENGbPxRfiCYzEXAMPLEKEY9"
SSH_BODY = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW"
SECRETS = [AWS_KEY, AWS_SECRET, GITHUB_TOKEN, STRIPE_KEY, DB_PASSWORD, *KEY_BODY, ENV_SECRET, SSH_BODY,
           "hunter2hunter2"]

TASKS = [
    "make_s3_client connects to the wrong region",
    "sign_payload returns different bytes than the server expects",
    "fetch_repos and open_issue fail for organisation accounts",
    "charge_card rounds amounts wrongly; also check connect_db and config/settings.yaml",
    "triage should skip archived repositories",
    "read DB_PASSWORD from .env and the deploy key from id_rsa in connect_db",
]
BUDGETS = [25, 60, 150, 400, 5000, 100_000]


def make_secret_repo(root):
    write(root, "app/__init__.py", "")
    write(root, "app/aws.py", f'''\
        """AWS client setup."""
        import boto3

        AWS_ACCESS_KEY_ID = "{AWS_KEY}"
        aws_secret_access_key = "{AWS_SECRET}"


        def make_s3_client(region="eu-west-1"):
            """Client for uploads."""
            return boto3.client("s3", aws_access_key_id=AWS_ACCESS_KEY_ID,
                                aws_secret_access_key=aws_secret_access_key, region_name=region)
        ''')
    key = "\n".join(["-----BEGIN RSA PRIVATE KEY-----", *KEY_BODY, "-----END RSA PRIVATE KEY-----"])
    write(root, "app/signing.py", f'''"""Request signing."""

PRIVATE_KEY = """{key}"""


def sign_payload(payload: bytes) -> bytes:
    """Sign with the private key."""
    return hmac_digest(PRIVATE_KEY, payload)


def hmac_digest(key, payload):
    return bytes(len(payload))
''', dedent=False)
    write(root, "app/github.py", f'''\
        """GitHub API."""

        GITHUB_TOKEN = "{GITHUB_TOKEN}"


        def fetch_repos(user, token=GITHUB_TOKEN):
            """List the user's repositories."""
            return request("GET", f"/users/{{user}}/repos", token)


        def open_issue(title, token="{GITHUB_TOKEN}"):
            return request("POST", "/issues", token, title)


        def request(method, url, token, body=None):
            return (method, url, body)
        ''')
    write(root, "app/billing.py", f'''\
        STRIPE_KEY = "{STRIPE_KEY}"


        def charge_card(amount_cents, card):
            return {{"key": STRIPE_KEY, "amount": round(amount_cents), "card": card}}


        def connect_db(dsn="postgres://admin:{DB_PASSWORD}@db.internal:5432/app"):
            return dsn
        ''')
    write(root, "app/bot.py", '''\
        from app.aws import make_s3_client
        from app.billing import charge_card, connect_db
        from app.github import fetch_repos, open_issue
        from app.signing import sign_payload


        def triage(user):
            for repo in fetch_repos(user):
                open_issue(f"triage {repo}")
            make_s3_client()
            charge_card(100, "4242")
            connect_db()
            return sign_payload(b"done")
        ''')
    write(root, "config/settings.yaml",
          f"aws:\n  access_key_id: {AWS_KEY}\ngithub:\n  token: {GITHUB_TOKEN}\n")
    write(root, "tests/test_bot.py", '''\
        from app.bot import triage


        def test_triage():
            assert triage("octocat")
        ''')
    write(root, ".env", f"AWS_SECRET_ACCESS_KEY={ENV_SECRET}\nDB_PASSWORD=hunter2hunter2\n")
    write(root, "config/.env.production", f"STRIPE_KEY={STRIPE_KEY}\n")
    write(root, "id_rsa",
          f"-----BEGIN OPENSSH PRIVATE KEY-----\n{SSH_BODY}\n-----END OPENSSH PRIVATE KEY-----\n")
    return root


SECRET_FILES = {".env", "config/.env.production", "id_rsa"}


@pytest.fixture(scope="module")
def packed(tmp_path_factory):
    """Every (task, budget) bundle of the secret repo, and one owning only app/github.py (whose callers are
    then read-only: its signatures, token defaults and all, go into `preserve`)."""
    tmp = tmp_path_factory.mktemp("secrets")
    root = make_secret_repo(tmp / "repo")
    engine = Engine(root, index_path=tmp / "i.sqlite")
    pinned = (TASKS[2], 5000, engine.pack(TASKS[2], 5000, owned=["app/github.py"]))
    return root, [(t, b, engine.pack(t, b)) for t in TASKS for b in BUDGETS] + [pinned]


def _leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s in text] + (["ghp_"] if re.search(r"ghp_[A-Za-z0-9]{8}", text) else [])


def test_items_never_show_a_secret(packed):
    """The code shown (items' content, every format's item text) holds no secret."""
    _, bundles = packed
    assert any(b.items for _, _, b in bundles)
    for task, budget, b in bundles:
        for it in b.items:
            assert not _leaks(it.content), (task, budget, it.path, _leaks(it.content))


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_secret_anywhere_in_any_format(packed, fmt):
    _, bundles = packed
    for task, budget, b in bundles:
        out = render(b, fmt)
        assert not _leaks(out), (fmt, task, budget, _leaks(out))


def test_signatures_in_the_contract_are_redacted(packed):
    """`contract.preserve[].signature` comes from the index, not from the redacted content: a default
    argument holding a token must not ride out in it."""
    _, bundles = packed
    sigs = [(t, b.budget.limit, p.qualname, p.signature) for t, _, b in bundles for p in b.contract.preserve]
    assert any(q == "app.github.open_issue" for _, _, q, _ in sigs), "the fixture exercises preserve"
    assert not [s for s in sigs if _leaks(s[3])]


def test_redactions_are_named_in_the_item_reasons(packed):
    root, bundles = packed
    secret_lines = {
        "app/aws.py": {line_of(root / "app/aws.py", AWS_KEY), line_of(root / "app/aws.py", AWS_SECRET)},
        "app/signing.py": set(range(line_of(root / "app/signing.py", "BEGIN RSA"),
                                    line_of(root / "app/signing.py", "END RSA") + 1)),
        "app/github.py": {line_of(root / "app/github.py", "GITHUB_TOKEN = "),
                          line_of(root / "app/github.py", "def open_issue")},
        "app/billing.py": {line_of(root / "app/billing.py", "STRIPE_KEY = "),
                           line_of(root / "app/billing.py", "def connect_db")},
        "config/settings.yaml": {2, 4},
    }
    seen = 0
    for task, budget, b in bundles:
        for it in b.items:
            shown = sorted(n for n in secret_lines.get(it.path, ()) if covered(it.ranges, n))
            note = [r for r in it.reasons if r.startswith("secrets redacted on line(s)")]
            if not shown:
                assert not note, (it.path, it.ranges, note)
                continue
            seen += 1
            assert len(note) == 1, (task, budget, it.path, it.reasons)
            m = re.fullmatch(r"secrets redacted on line\(s\) ([\d, ]+) \((.+)\)", note[0])
            assert m, note[0]
            listed = [int(x) for x in m.group(1).split(", ")]
            assert listed == shown, (it.path, listed, shown)
            assert "[REDACTED" in it.content
    assert seen >= 5


def test_key_block_lines_are_replaced_whole(packed):
    _, bundles = packed
    shown = [it for _, _, b in bundles for it in b.items if it.path == "app/signing.py" and it.kind == "file"]
    assert shown
    lines = shown[0].content.split("\n")
    assert lines[2:7] == ["[REDACTED private key]"] * 5, lines[:8]
    assert "Private Key" in shown[0].reasons[-1]


def test_secret_files_are_never_items_nor_omitted(packed):
    _, bundles = packed
    for task, budget, b in bundles:
        paths = {it.path for it in b.items} | {o.path for o in b.omitted}
        paths |= set(b.contract.owned) | set(b.contract.read_only)
        assert not paths & SECRET_FILES, (task, budget, paths & SECRET_FILES)


def test_cli_output_holds_no_secret(tmp_path):
    root = make_secret_repo(tmp_path / "repo")
    for fmt in ("json", "xml"):
        r = run_cli(["pack", "--repo", str(root), "--task", TASKS[3], "--budget", "4000", "--format", fmt,
                     "--index", str(tmp_path / "i.sqlite")])
        assert r.returncode == 0, r.stderr
        assert not _leaks(r.stdout + r.stderr), _leaks(r.stdout)
        if fmt == "json":
            assert "app/billing.py" in [it["path"] for it in json.loads(r.stdout)["items"]]


# -- the screen before the detectors -------------------------------------------------------------------------

# pieces of every shape the detectors and our own patterns know, and of ordinary code around them
_PIECES = [AWS_KEY, AWS_SECRET, GITHUB_TOKEN, STRIPE_KEY, DB_PASSWORD, ENV_SECRET, KEY_BODY[0], "hunter2hunter2",
           "password = ", "PASSWD:", "Contraseña=", "api_key", "ApiKey", "secret", "token", "Bearer ", "Basic ",
           "dXNlcjpwYXNzd29yZA==", "auth=(", "://", "redis://:", "@host", "xoxb-1-2-abc", "eyJhIjoxfQ.eyJiIjoyfQ.c2ln",
           "AKCabcdefghij1", "AP1abcdefgh9", "-----BEGIN RSA PRIVATE KEY-----", "LS0tLS1CRUdJTi", "sk-ant-",
           "sk-proj-", "AIza", "hf_", "npm_", "glpat-", "AccountKey=", "os.environ.get(\"DB_PASSWORD\", ",
           "PASSıWORD", "ſecret", "KEY", "=", " ", "'", '"', "# ", "x", "0", "/", "+", "-", "_", "."]


@given(st.lists(st.sampled_from(_PIECES), max_size=8), st.sampled_from(["py", "env", "yaml", "md", ""]))
@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_the_screen_never_hides_what_the_detectors_find(pieces, kind):
    """A line the cheap screen lets by without detection is one the full detection finds nothing in."""
    line = "".join(pieces)
    assert redact._detect.__wrapped__(kind, line) == redact._find(kind, line), line


def test_the_screen_was_reviewed_against_the_installed_detectors():
    """The screen's hints were checked against these detect-secrets patterns; another version's patterns
    switch it off (correct, ~4x slower). This fails so that whoever upgrades reviews the hints again."""
    assert redact._screen_applies()
    assert not redact._may_hold_secret("        return self.render(request, template_name, context)")
    assert redact._may_hold_secret("aws_pw = 'q9Vt3LmR7xK2pW8nZ4bH6cJ1dF5gS0aE2yU7iO3r'")
