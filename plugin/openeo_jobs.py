"""The openEO tab wired into the panel: jobs from the current search, kept in the download queue's SQLite file."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from qgis.core import Qgis
from qgis.PyQt.QtCore import QCoreApplication


def attach(dock, store_path: Optional[Path] = None):
    """Add the openEO tab to the dock; returns the panel (call `shutdown()` on unload)."""
    from . import network
    from .downloads import download_folder, queue_path
    from .ui.jobs_panel import JobsPanel

    panel = JobsPanel(catalog=lambda: dock.catalog, store_path=store_path or queue_path(),
                      query_source=lambda: dock.form.build_query(1), folder=download_folder,
                      settings=network.http_settings, parent=dock)
    panel.setObjectName("eoPortalsOpenEOPanel")
    panel.message.connect(lambda text: dock._message(text, Qgis.MessageLevel.Warning))
    dock.add_tab(panel, QCoreApplication.translate("EOPortals", "openEO"))
    return panel
