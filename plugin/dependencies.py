"""The Python packages EO Portals needs beyond QGIS itself, and what to tell a user who lacks one.

QGIS ships `requests` and GDAL everywhere, but not always shapely: Debian's and Ubuntu's QGIS packages do not
depend on python3-shapely, and an OSGeo4W "Express" install may lack it. Without it the plugin still loads (its
action, its menu entry), says once what is missing and how to install it, and searching becomes possible as
soon as the package is there (the check runs again each time the panel is opened; no restart needed).

Nothing here imports the plugin's core (which needs shapely): `plugin/main.py` asks before it does.
"""
from __future__ import annotations

import importlib
import sys
from typing import List

from qgis.PyQt.QtCore import QCoreApplication

# Module name -> what the user installs (the same name on every platform so far).
REQUIRED = {"shapely": "shapely"}


def missing() -> List[str]:
    """The required modules that cannot be imported now (a package installed since the last call counts)."""
    importlib.invalidate_caches()
    absent = []
    for module in REQUIRED:
        try:
            importlib.import_module(module)
        except (ImportError, OSError):  # OSError: installed but its library (GEOS) cannot be loaded
            absent.append(module)
    return absent


def install_hint(platform: str = sys.platform) -> str:
    """How to install shapely for QGIS on `platform` (``sys.platform``), in one sentence."""
    if platform.startswith("win"):
        return QCoreApplication.translate(
            "Dependencies", "Install it with the OSGeo4W Setup (Advanced Install, package python3-shapely), or run "
            "“python -m pip install shapely” in the OSGeo4W Shell, then open the EO Portals panel again.")
    if platform == "darwin":
        return QCoreApplication.translate(
            "Dependencies", "Install it into QGIS's Python: in a Terminal run "
            "“/Applications/QGIS.app/Contents/MacOS/bin/python3 -m pip install shapely”, then open the EO Portals "
            "panel again.")
    return QCoreApplication.translate(
        "Dependencies", "Install your distribution's package (Debian, Ubuntu: “sudo apt install python3-shapely”; "
        "Fedora: “sudo dnf install python3-shapely”), then open the EO Portals panel again.")


def missing_message(modules: List[str], platform: str = sys.platform) -> str:
    """What the user reads: which package is missing, what does not work without it, how to install it."""
    names = ", ".join(REQUIRED.get(m, m) for m in modules)
    text = QCoreApplication.translate(
        "Dependencies", "EO Portals needs the Python package {names}, which this QGIS does not have: searching "
        "and downloading are unavailable until it is installed.").format(names=names)
    return f"{text} {install_hint(platform)}"
