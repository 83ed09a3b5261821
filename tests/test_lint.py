"""The code base stays ruff-clean, and no script of ours shadows a standard module: CI runs these."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_clean():
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    proc = subprocess.run([ruff, "check", "contextpack", "tests", "benchmarks"], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_no_script_shadows_a_standard_module():
    """A script's directory comes first on sys.path: benchmarks/secrets.py once broke numpy.random (which
    imports `secrets`) in every benchmark."""
    for folder in ("benchmarks", "tests", "tests/adversarial"):
        names = {p.stem for p in (ROOT / folder).glob("*.py")}
        assert not names & set(sys.stdlib_module_names), folder
