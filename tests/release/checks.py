"""The gates' own Python: a venv without system packages holding PyQt6, Bandit and detect-secrets (`make
venv-checks`). `make test` names it in EO_PORTALS_CHECKS_PYTHON; without that variable the tests use
.venv-checks in the checkout when it exists and skip, saying why, when it does not."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def checks_python() -> str:
    """The Python of the gates venv; fails when `make test` named one that does not work, skips when none."""
    named = os.environ.get("EO_PORTALS_CHECKS_PYTHON", "")
    candidate = Path(named) if named else ROOT / ".venv-checks" / "bin" / "python"
    if not candidate.exists():
        if named:
            pytest.fail(f"EO_PORTALS_CHECKS_PYTHON={named} does not exist (run `make venv-checks`)")
        pytest.skip("the gates venv is missing: run `make venv-checks` (PyQt6, Bandit, detect-secrets)")
    return str(candidate)


def run_checks(*args: str, cwd: Path = ROOT, timeout: float = 300, stdin: str = "") -> subprocess.CompletedProcess:
    """Run the gates' Python with `args` (e.g. "-m", "bandit", ...), `stdin` as its input."""
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONHOME")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    return subprocess.run([checks_python(), *args], cwd=cwd, env=env, input=stdin, capture_output=True, text=True,
                          timeout=timeout)
