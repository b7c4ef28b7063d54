"""QGIS enums in the form QGIS 4 keeps: each enum value the plugin names is written at its home on the QGIS
running the test (``QgsFeatureSink.Flag.FastInsert``, not ``QgsFeatureSink.FastInsert``).

QGIS 4 drops the unscoped names and the aliases left behind when enums moved to ``Qgis`` (3.30:
``QgsWkbTypes.Type`` became ``Qgis.WkbType``). Where QGIS 3.22 lacks the new home, the plugin writes
``new if hasattr(Qgis, "WkbType") else old``: the old form is accepted only in that `else`, and only on a QGIS
that takes it. `make test` runs this on QGIS 3.22 and on 3.44 (where the aliases of moved enums show).
"""
from __future__ import annotations

import enum
from typing import Any, Dict, Optional

import qgis.core
import qgis.gui

from tests.release.qt_names import uses

QGIS_MODULES = {"core": qgis.core, "gui": qgis.gui}


def _resolve(module: str, name: str, path) -> Any:
    value = getattr(QGIS_MODULES[module], name)
    for attribute in path:
        value = getattr(value, attribute)
    return value


def _home(value: Any) -> Optional[str]:
    """'QgsFeatureSink.Flag' for an enum value of QGIS (sip enums and Python enums), else None."""
    kind = type(value)
    if not (isinstance(value, enum.Enum) or (isinstance(value, int) and kind.__module__.startswith("qgis."))):
        return None
    if kind is bool or "." not in kind.__qualname__:
        return None
    return kind.__qualname__


def _new_branch_taken(guard: str, resolved: Dict[str, bool]) -> bool:
    """Whether this QGIS takes the new branch of a fallback."""
    if guard.startswith("hasattr:"):
        owner, _, attribute = guard[len("hasattr:"):].rpartition(".")
        value: Any = qgis.core
        try:
            for part in owner.split("."):
                value = getattr(value, part)
        except AttributeError:
            return False
        return hasattr(value, attribute)
    return resolved.get(guard, True)  # try/except AttributeError: the new branch works when all of it resolves


def test_qgis_enum_values_are_written_at_their_home_or_behind_a_fallback():
    found = [use for use in uses("qgis") if use.path and use.module in QGIS_MODULES]
    resolved: Dict[str, bool] = {}
    for use in found:
        if use.guarded_by:
            try:
                _resolve(use.module, use.name, use.path)
                ok = True
            except AttributeError:
                ok = False
            resolved[use.guarded_by] = resolved.get(use.guarded_by, True) and ok
    seen, wrong = 0, []
    for use in found:
        try:
            value = _resolve(use.module, use.name, use.path)
        except AttributeError:
            # a newer home that this QGIS lacks: only in the new branch of a fallback this QGIS does not take
            if not (use.guarded_by and not _new_branch_taken(use.guarded_by, resolved)):
                wrong.append(f"{use.file}:{use.line}: {use.dotted} does not exist in this QGIS")
            continue
        home = _home(value)
        if home is None:
            continue
        member = getattr(value, "name", None) or use.path[-1]
        seen += 1
        if use.dotted.endswith(f"{home}.{member}"):
            continue
        if use.fallback_for and _new_branch_taken(use.fallback_for, resolved):
            continue  # the old form, for QGIS before the move, in a branch this QGIS does not take
        wrong.append(f"{use.file}:{use.line}: {use.dotted} -> {home}.{member}")
    assert seen > 20  # the scan found the plugin's QGIS enums
    assert wrong == [], "QGIS enums QGIS 4 no longer has:\n" + "\n".join(sorted(set(wrong)))
