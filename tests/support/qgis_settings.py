"""QgsSettings of a test's own: a settings file under the test's folder, the shared profile's restored after.

Test runs share the pytest-qgis profile; a test that reads back what it wrote must not see what another
test (or another run) left there.
"""
from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterator

from qgis.core import QgsSettings
from qgis.PyQt.QtCore import QSettings


@contextlib.contextmanager
def private_qgis_settings(folder: Path) -> Iterator[Path]:
    """Point QgsSettings at `folder`; yields the settings file's path."""
    current = Path(QgsSettings().fileName()).parents[1]  # <path>/QGIS/QGIS3.ini
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    try:
        path = Path(QgsSettings().fileName())
        assert str(path).startswith(str(folder)), path
        yield path
    finally:
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(current))
