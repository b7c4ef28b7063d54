"""`plugin/core` imports no QGIS and no Qt: every module imports in a plain Python process where they cannot.

The check runs in a subprocess with a meta-path blocker that makes ``import qgis``/``PyQt5``/``PyQt6`` (and the
other Qt bindings) raise, even where they are installed (the QGIS test venv has them). The offending-module cases
prove the check fails when it should, on a temporary copy of the core.
"""
from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import List, Tuple

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "plugin" / "core"
FORBIDDEN = ("qgis", "PyQt5", "PyQt6", "PySide2", "PySide6", "sip")

# Run as `python -I -c CHECK <folder holding the "plugin" package>`; prints a JSON report, exit 1 on failure.
CHECK = r'''
import importlib, importlib.abc, json, sys, traceback
from pathlib import Path

FORBIDDEN = %r

class Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in FORBIDDEN:
            raise ImportError(f"plugin/core must not import {name}")
        return None

preloaded = sorted(m for m in sys.modules if m.split(".")[0] in FORBIDDEN)
sys.meta_path.insert(0, Blocker())
root = Path(sys.argv[1])
sys.path.insert(0, str(root))
names = []
for path in sorted((root / "plugin" / "core").rglob("*.py")):
    parts = list(path.relative_to(root).with_suffix("").parts)
    if "__pycache__" in parts:
        continue
    if parts[-1] == "__init__":
        parts.pop()
    names.append(".".join(parts))
imported, failed = [], {}
for name in names:
    try:
        importlib.import_module(name)
        imported.append(name)
    except BaseException:
        failed[name] = traceback.format_exc(limit=-3)
leaked = sorted(m for m in sys.modules if m.split(".")[0] in FORBIDDEN and m not in preloaded)
print(json.dumps({"modules": names, "imported": imported, "failed": failed, "preloaded": preloaded,
                  "leaked": leaked}))
sys.exit(1 if failed or leaked or preloaded else 0)
''' % (FORBIDDEN,)


def run_check(root: Path) -> Tuple[int, dict]:
    """Import every module of ``root/plugin/core`` in a fresh interpreter with Qt and QGIS blocked."""
    # -I: no PYTHONPATH, no user site, no script folder: only the venv's packages and `root`.
    result = subprocess.run([sys.executable, "-I", "-c", CHECK, str(root)], capture_output=True, text=True,
                            timeout=120)
    assert result.stdout.strip(), f"the check printed nothing:\n{result.stderr}"
    return result.returncode, json.loads(result.stdout.strip().splitlines()[-1])


def core_copy(tmp_path: Path) -> Path:
    """A copy of the plugin's core under ``tmp_path/plugin/core``, to add an offending module to."""
    shutil.copytree(CORE, tmp_path / "plugin" / "core", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "plugin" / "__init__.py").write_text("", encoding="utf-8")
    return tmp_path


def forbidden_imports(folder: Path) -> List[Tuple[str, int, str]]:
    """Every import of QGIS or Qt anywhere in the folder's modules, also inside functions: (file, line, module)."""
    found = []
    for path in sorted(folder.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            found += [(str(path.relative_to(folder)), node.lineno, m) for m in modules
                      if m.split(".")[0] in FORBIDDEN]
    return found


def test_every_core_module_imports_without_qgis_or_qt():
    code, report = run_check(ROOT)
    assert report["failed"] == {}, "\n".join(report["failed"].values())
    assert report["preloaded"] == [] and report["leaked"] == []
    # The walk found the modules that make up the core, and imported each of them.
    assert {"plugin.core", "plugin.core.query", "plugin.core.search", "plugin.core.portals.base"} <= set(
        report["modules"])
    assert report["imported"] == report["modules"]
    assert code == 0


def test_no_core_module_imports_qgis_or_qt_even_lazily():
    assert forbidden_imports(CORE) == []


@pytest.mark.parametrize("relative, source, blocked", [
    ("_offending.py", "from qgis.PyQt.QtCore import QObject\n", "qgis"),
    ("portals/_offending.py", "import PyQt5.QtCore\n", "PyQt5"),
    ("_offending.py", "from PyQt6 import QtCore\n", "PyQt6"),
])
def test_the_check_fails_when_a_core_module_imports_qt_or_qgis(tmp_path, relative, source, blocked):
    root = core_copy(tmp_path)
    (root / "plugin" / "core" / relative).write_text(source, encoding="utf-8")
    name = "plugin.core." + relative[:-3].replace("/", ".")

    code, report = run_check(root)

    assert code == 1
    assert name in report["modules"]
    assert list(report["failed"]) == [name]
    assert f"plugin/core must not import {blocked}" in report["failed"][name]
    assert set(report["imported"]) == set(report["modules"]) - {name}


def test_the_scan_finds_an_import_hidden_in_a_function(tmp_path):
    root = core_copy(tmp_path)
    (root / "plugin" / "core" / "_lazy.py").write_text(
        "def settings():\n    from qgis.core import QgsSettings\n    return QgsSettings()\n", encoding="utf-8")

    # Importing the module does not trip the blocker: only the scan catches it.
    code, report = run_check(root)
    assert code == 0 and "plugin.core._lazy" in report["imported"]
    assert forbidden_imports(root / "plugin" / "core") == [("_lazy.py", 2, "qgis.core")]
