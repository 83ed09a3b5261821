"""Fuzz the HTTP API with schemathesis (every check, every phase: examples, coverage, fuzzing, stateful)
against a real server on a loopback port, and print a summary.

The server runs in this process (uvicorn in a thread) over a fresh shop repository in a temporary
directory, with a bearer token, so `ignored_auth` is exercised; the schema is the one the server serves.
Schemathesis' own CLI (`st run`) does the work; its report goes to stdout, and a summary line ends it.

    python benchmarks/api_fuzz.py                       # 25 examples per operation
    python benchmarks/api_fuzz.py --max-examples 200 --seed 1
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

TOKEN = "api-fuzz-token"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--max-examples", type=int, default=25)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()

    st = shutil.which("st") or str(Path(sys.executable).with_name("st"))
    with tempfile.TemporaryDirectory(prefix="contextpack-fuzz-") as tmp:
        os.environ["CONTEXTPACK_INDEX_DIR"] = str(Path(tmp) / "index-dir")
        from conftest import make_shop
        from served import FUZZ_TOML, Served

        from contextpack.bundle_store import BundleStore, default_bundle_dir
        from contextpack.http_api import create_app
        from contextpack.workspace import Workspace

        root = make_shop(Path(tmp) / "shop")
        ws = Workspace(BundleStore(default_bundle_dir()), watch=False)
        ws.register(root)
        ws.index("shop")
        config = Path(tmp) / "schemathesis.toml"
        config.write_text(FUZZ_TOML, "utf-8")
        started = time.monotonic()
        with Served(create_app(ws, token=TOKEN)) as url:
            cmd = [st, "--no-color", "--config-file", str(config), "run", f"{url}/openapi.json", "--checks", "all",
                   "--max-examples", str(args.max_examples), "--seed", str(args.seed), "--workers", str(args.workers),
                   "-H", f"Authorization: Bearer {TOKEN}"]
            proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp)
        seconds = time.monotonic() - started
        ws.close()
    report = proc.stdout + proc.stderr
    sys.stdout.write(report.replace(TOKEN, "[token]"))
    cases = re.search(r"(\d+) generated", report)
    failures = re.search(r"(\d+) (?:unique )?failures?", report)
    print(f"\napi_fuzz: schemathesis exit {proc.returncode}, "
          f"{cases.group(1) if cases else '?'} test cases generated, "
          f"{failures.group(1) if failures else 0} failures, {seconds:.1f} s "
          f"(max {args.max_examples} examples per operation, seed {args.seed})")
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
