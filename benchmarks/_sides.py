"""This code beside a baseline revision, each side in its own child process: the baseline's files from a
`git archive`, and a worker process per side that answers one JSON request per line.

Shared by `pack_latency.py`, `task_analysis.py` and (the baseline's files) `definition_recall.py`:

    sha, code = baseline_code("HEAD~1", work_dir)          # code-<sha>/ under work_dir, unpacked once
    side = Worker("baseline " + sha, [sys.executable, __file__, "--worker"], code)
    side.read()                                             # the worker's first line (it says it is ready)
    side.ask(op="pack", task=3)                             # one request, its reply
    side.close()
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def baseline_code(rev: str, work: Path) -> tuple[str, Path]:
    """The baseline revision's package, unpacked once under `work` (a `git archive`: the project's own
    repository gains no worktree entry), with its query files inside it as `contextpack/grammars`, where an
    installed package has them: otherwise `contextpack.grammars` would come from this checkout (the editable
    install maps it here) and the baseline would run with this code's queries."""
    sha = subprocess.run(["git", "-C", str(PROJECT), "rev-parse", "--verify", f"{rev}^{{commit}}"],
                         capture_output=True, text=True)
    if sha.returncode != 0:
        sys.exit(f"--baseline: unknown revision {rev!r}")
    full = sha.stdout.strip()
    dest = work / f"code-{full[:12]}"
    if not (dest / "contextpack" / "grammars").is_dir():
        tmp = work / f"code-{full[:12]}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        archive = subprocess.run(["git", "-C", str(PROJECT), "archive", full, "contextpack", "grammars"],
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(tmp)], input=archive, check=True)
        (tmp / "grammars").rename(tmp / "contextpack" / "grammars")
        shutil.rmtree(dest, ignore_errors=True)  # an export of an older layout
        tmp.rename(dest)
    return full[:12], dest


def code_version(code: Path) -> str:
    """The commit of a side's code: the project's HEAD, or the baseline's (its directory name)."""
    if code.name.startswith("code-"):
        return code.name.removeprefix("code-")
    head = subprocess.run(["git", "-C", str(code), "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True)
    return head.stdout.strip() or "current"


class Worker:
    """A child process importing contextpack from `code` (PYTHONPATH) that reads JSON requests from stdin, one
    a line, and writes one JSON line for each; a reply with "error" ends the run."""

    def __init__(self, label: str, argv: list[str], code: Path):
        self.label, self.code = label, code
        self.proc = subprocess.Popen(argv, env={**os.environ, "PYTHONPATH": str(code)}, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)

    def send(self, message: object) -> None:
        self.proc.stdin.write(json.dumps(message) + "\n")
        self.proc.stdin.flush()

    def read(self):
        line = self.proc.stdout.readline()
        if not line:
            sys.exit(f"the {self.label} worker exited ({self.proc.wait()}); see its stderr above")
        reply = json.loads(line)
        if isinstance(reply, dict) and "error" in reply:
            sys.exit(f"{self.label}: {reply['error']}")
        return reply

    def ask(self, **req) -> dict:
        self.send(req)
        return self.read()

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait(60)
