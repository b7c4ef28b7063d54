"""The Qt6 gate: QGIS 4 runs the plugin on PyQt6, which no QGIS package on these machines offers, so the names
and enum paths the plugin takes through `qgis.PyQt` are resolved in PyQt6 itself (from PyPI, in the gates venv).

What QGIS 4 changes for a plugin: PyQt6 keeps only scoped enums (``Qt.AlignmentFlag.AlignLeft``), drops
``exec_()``, ``QRegExp``, ``QVariant.<Type>`` and pyrcc (compiled resources); QAction and QShortcut moved to
QtGui, and QGIS's ``qgis.PyQt.QtWidgets`` keeps them importable from there (a shim), so those two are looked up
in QtGui.
"""
from __future__ import annotations

import ast
import json
from pathlib import Path

from tests.release.checks import run_checks
from tests.release.qt_names import ROOT, imported_qt_names, plugin_files, uses

# QGIS's qgis.PyQt.QtWidgets re-exports these from QtGui under Qt6.
QTWIDGETS_SHIM = {"QAction", "QActionGroup", "QShortcut"}
# QVariant.<Type> only where QGIS < 3.38 needs it (QgsField takes QMetaType.Type from 3.38 on).
QVARIANT_ALLOWED = {("plugin/footprints.py", "field_type")}

RESOLVE = r'''
import importlib, json, sys
wanted = json.load(sys.stdin)
shim = set(wanted["shim"])
answers = []
for item in wanted["items"]:
    module, name, path = item
    if module == "sip":
        answers.append(None)
        continue
    where = "QtGui" if module == "QtWidgets" and name in shim else module
    try:
        value = getattr(importlib.import_module("PyQt6." + where), name)
    except (ImportError, AttributeError) as exc:
        answers.append(f"PyQt6.{where} has no {name}")
        continue
    failed = None
    for depth, attribute in enumerate(path):
        try:
            value = getattr(value, attribute)
        except AttributeError:
            failed = f"{'.'.join([name, *path[:depth + 1]])} does not exist in PyQt6"
            break
    answers.append(failed)
print(json.dumps(answers))
'''


def _resolve(items):
    """For each [module, name, path]: None when PyQt6 has it, else what is missing."""
    result = run_checks("-c", RESOLVE, stdin=json.dumps({"items": items, "shim": sorted(QTWIDGETS_SHIM)}))
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout)
    assert len(answers) == len(items)
    return answers


def test_every_name_imported_through_qgis_pyqt_exists_in_pyqt6():
    imported = sorted({(module, name) for _file, _line, module, name in imported_qt_names()})
    assert len(imported) > 40  # the scan saw the plugin's imports
    answers = _resolve([[module, name, []] for module, name in imported])
    missing = [answer for answer in answers if answer]
    assert missing == []


def test_every_qt_enum_and_attribute_path_resolves_in_pyqt6():
    found = [use for use in uses("qgis.PyQt") if use.path]
    assert len(found) > 150  # Qt.ItemDataRole..., QSizePolicy.Policy..., QDialogButtonBox.StandardButton...
    checked = [use for use in found if not (use.name == "QVariant" and (use.file, use.function) in QVARIANT_ALLOWED)]
    answers = _resolve([[use.module, use.name, list(use.path)] for use in checked])
    unresolved = sorted({f"{use.file}:{use.line}: {answer}" for use, answer in zip(checked, answers) if answer})
    assert unresolved == [], "unscoped enums or names PyQt6 dropped:\n" + "\n".join(unresolved)


def test_qvariant_types_only_where_qgis_before_3_38_needs_them():
    used = {(use.file, use.function) for use in uses("qgis.PyQt") if use.name == "QVariant" and use.path}
    assert used <= QVARIANT_ALLOWED
    source = (ROOT / "plugin" / "footprints.py").read_text(encoding="utf-8")
    assert "_NEW_FIELD_TYPES = Qgis.QGIS_VERSION_INT >= 33800" in source  # the branch QGIS >= 3.38 takes


def test_no_exec_underscore_qregexp_or_compiled_resources():
    offenders = []
    for path in plugin_files():
        relative = path.relative_to(ROOT)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in ("exec_", "print_"):
                offenders.append(f"{relative}:{node.lineno}: .{node.attr}() (PyQt6 has exec()/print() only)")
            if isinstance(node, ast.Name) and node.id in ("QRegExp", "QRegExpValidator"):
                offenders.append(f"{relative}:{node.lineno}: {node.id} (gone in Qt6: QRegularExpression)")
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                modules = [alias.name for alias in node.names] + [getattr(node, "module", None) or ""]
                if any(m.endswith("_rc") or m.split(".")[-1] == "resources" for m in modules):
                    offenders.append(f"{relative}:{node.lineno}: compiled resources (pyrcc is gone in Qt6)")
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in ("PyQt5", "PyQt6"):
                offenders.append(f"{relative}:{node.lineno}: {node.module} (use qgis.PyQt)")
    rc_files = [str(p.relative_to(ROOT)) for p in ROOT.rglob("*") if p.suffix == ".qrc" or p.name.endswith("_rc.py")
                if ".venv" not in p.parts]
    assert offenders == [] and rc_files == []


def test_pylupdate6_extracts_the_texts_pylupdate5_does(tmp_path):
    """`make translations` falls back on pylupdate6 (PyQt6) where pylupdate5 is missing (Qt 6 only systems):
    both must find every text, in the same contexts (pylupdate6 reads only tr(), translate() and the
    QT_TRANSLATE_NOOP markers: a `_translate = QCoreApplication.translate` alias would be lost)."""
    import shutil
    import subprocess
    import xml.etree.ElementTree as ET

    from tests.release.checks import checks_python

    pylupdate5 = shutil.which("pylupdate5")
    pylupdate6 = Path(checks_python()).with_name("pylupdate6")
    if pylupdate5 is None:
        import pytest

        pytest.skip("pylupdate5 (Debian pyqt5-dev-tools) is needed for the comparison")
    sources = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "plugin").rglob("*.py")
                     if "core" not in p.relative_to(ROOT / "plugin").parts[:1])
    subprocess.run([pylupdate5, *sources, "-ts", str(tmp_path / "five.ts")], cwd=ROOT, check=True,
                   capture_output=True)
    subprocess.run([str(pylupdate6), "--ts", str(tmp_path / "six.ts"), *sources], cwd=ROOT, check=True,
                   capture_output=True)

    def texts(path: Path):
        return {(context.findtext("name"), message.findtext("source"), message.findtext("comment") or "")
                for context in ET.parse(path).getroot().iter("context") for message in context.iter("message")}

    five, six = texts(tmp_path / "five.ts"), texts(tmp_path / "six.ts")
    assert len(five) > 250
    assert sorted(five - six) == [] and sorted(six - five) == []
