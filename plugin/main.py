"""The plugin object QGIS loads: one action, the dock, the Processing provider and the translator.

Everything `initGui()` adds, `unload()` removes, so that reloading or disabling the plugin leaves QGIS as it was.
The dock is built the first time the user opens it, so starting QGIS does not pay for it, except when downloads
were left unfinished: then it is built hidden a few seconds after start-up, so that they resume by themselves.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

from qgis.core import Qgis, QgsApplication, QgsSettings
from qgis.PyQt.QtCore import QCoreApplication, QLocale, Qt, QTimer, QTranslator
from qgis.PyQt.QtGui import QIcon
from qgis.PyQt.QtWidgets import QAction

from . import dependencies
from .log import log_exception, log_info, log_warning, show_error

PLUGIN_DIR = Path(__file__).resolve().parents[1]
ICON_PATH = PLUGIN_DIR / "resources" / "icon.svg"
I18N_DIR = PLUGIN_DIR / "i18n"
ACTION_NAME = "eoPortalsAction"
RESUME_DELAY_MS = 5000  # unfinished downloads resume this long after start-up, not during it


def plugin_locale() -> str:
    """The locale QGIS runs in (QGIS stores it in ``locale/userLocale`` for plugins), e.g. ``fr_FR``."""
    return QgsSettings().value("locale/userLocale", "", type=str) or QLocale().name()


class EOPortalsPlugin:
    """The EO Portals plugin: what QGIS gets from `classFactory`."""

    def __init__(self, iface) -> None:
        # qgis_process builds the plugin with iface=None and calls initProcessing() only: touch nothing here.
        self.iface = iface
        self.action: Optional[QAction] = None
        self.dock = None  # EOPortalsDock, created the first time the user opens it
        self._resume_timer: Optional[QTimer] = None
        self.downloads = None  # DownloadsController (plugin/downloads.py), created with the dock
        self.openeo = None  # JobsPanel (plugin/ui/jobs_panel.py), created with the dock
        self.provider = None  # EOPortalsProvider while registered
        self.translator: Optional[QTranslator] = None
        self.menu_name = ""
        self._missing_told = False  # a missing dependency is logged once per session

    # QGIS calls these by name: keep the camelCase.
    def initProcessing(self) -> None:  # noqa: N802
        """Register the Processing provider (also called alone by qgis_process)."""
        self._install_translator()  # qgis_process never calls initGui(): algorithm names are translated too
        if self.provider is not None or not self._dependencies_ready():
            return
        try:
            from .processing.provider import EOPortalsProvider

            provider = EOPortalsProvider()
        except Exception:  # a broken provider must not take the dock down with it
            log_exception("The Processing provider could not be loaded")
            return
        if QgsApplication.processingRegistry().addProvider(provider):
            self.provider = provider
        else:
            log_warning(f"The Processing provider '{provider.id()}' could not be registered (already registered?).")

    def initGui(self) -> None:  # noqa: N802
        """Add the action (plugins toolbar, Web menu), the translator and the Processing provider."""
        # Installed first so that the texts created below are already translated.
        self._install_translator()
        self.menu_name = QCoreApplication.translate("EOPortals", "EO Portals")
        self.action = QAction(QIcon(str(ICON_PATH)), self.menu_name, self.iface.mainWindow())
        self.action.setObjectName(ACTION_NAME)
        self.action.setCheckable(True)
        self.action.setToolTip(QCoreApplication.translate(
            "EOPortals", "Search and download Earth-observation products from many portals"))
        self.action.toggled.connect(self._set_dock_open)
        self.iface.addToolBarIcon(self.action)
        self.iface.addPluginToWebMenu(self.menu_name, self.action)
        self.initProcessing()
        self._resume_timer = QTimer()  # no Qt parent: unload() stops it and nothing is left in the main window
        self._resume_timer.setSingleShot(True)
        self._resume_timer.timeout.connect(self._resume_downloads)
        self._resume_timer.start(RESUME_DELAY_MS)

    def unload(self) -> None:
        """Remove everything `initGui()` added."""
        if self._resume_timer is not None:
            timer, self._resume_timer = self._resume_timer, None
            timer.stop()
            timer.timeout.disconnect(self._resume_downloads)
        if self.downloads is not None:
            # Downloads: running ones stop after their current chunk and stay queued (with their .part) for next time.
            downloads, self.downloads = self.downloads, None
            try:
                downloads.stop()
            except Exception:
                log_exception("The EO Portals downloads did not stop cleanly")
        if self.openeo is not None:
            openeo, self.openeo = self.openeo, None
            try:
                openeo.shutdown()
            except Exception:
                log_exception("The EO Portals openEO tab did not stop cleanly")
        if self.dock is not None:
            dock, self.dock = self.dock, None
            dock.closed.disconnect(self._dock_closed)
            dock.opened.disconnect(self._dock_opened)
            try:
                dock.shutdown()  # stops its tasks and timers before the widgets go
            except Exception:
                log_exception("The EO Portals panel did not shut down cleanly")
            self.iface.removeDockWidget(dock)
            dock.deleteLater()
        if self.action is not None:
            action, self.action = self.action, None
            action.toggled.disconnect(self._set_dock_open)
            self.iface.removePluginWebMenu(self.menu_name, action)
            self.iface.removeToolBarIcon(action)
            action.deleteLater()
        if self.provider is not None:
            # The registry owns and deletes the provider: drop our reference to it.
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
        if self.translator is not None:
            QCoreApplication.removeTranslator(self.translator)
            self.translator = None

    def _install_translator(self) -> None:
        """Install the plugin's translation for the QGIS locale, when there is one (once)."""
        if self.translator is not None:
            return
        translator = QTranslator()
        # QTranslator tries eo_portals_fr_FR.qm, then eo_portals_fr.qm.
        if translator.load(f"eo_portals_{plugin_locale()}", str(I18N_DIR)):
            QCoreApplication.installTranslator(translator)
            self.translator = translator

    def _set_dock_open(self, checked: bool) -> None:
        """Follow the action: open (creating it the first time) or close the dock."""
        if not checked:
            if self.dock is not None:
                self.dock.close()
            return
        if self.dock is None:
            if not self._dependencies_ready(on_request=True):
                self.action.setChecked(False)
                return
            self.initProcessing()  # a dependency installed since start-up: the algorithms come too
            self.dock = self._create_dock()
            if self.dock is None:
                self.action.setChecked(False)
                return
        self.dock.show()
        self.dock.raise_()

    def _resume_downloads(self) -> None:
        """Downloads that were queued or running when QGIS quit: build the panel, hidden, so its queue resumes."""
        if self.dock is not None or self.action is None or dependencies.missing():
            return
        try:
            from .core.download.queue import pending_count
            from .settings import queue_path

            pending = pending_count(queue_path())
        except Exception:
            log_exception("The EO Portals download queue could not be read")
            return
        if not pending:
            return
        self.dock = self._create_dock()
        if self.dock is not None:
            self.dock.hide()
            log_info(f"Resuming {pending} unfinished download(s) from the last session.")

    def _dependencies_ready(self, on_request: bool = False) -> bool:
        """Whether the packages the search needs can be imported; if not, say so (log and message bar once, the
        message bar again when the user asks for the panel; on stderr for qgis_process, which has no window)."""
        absent = dependencies.missing()
        if not absent:
            return True
        if self._missing_told and not on_request:
            return False
        text = dependencies.missing_message(absent)
        if not self._missing_told:
            self._missing_told = True
            log_warning(text)
            if self.iface is None:
                print(f"EO Portals: {text}", file=sys.stderr)
        if self.iface is not None:
            show_error(self.iface, QCoreApplication.translate("EOPortals", "EO Portals"), text,
                       level=Qgis.MessageLevel.Warning)
        return False

    def _create_dock(self):
        """The dock, added to the right of the main window; None (and a message) when it cannot be built."""
        try:
            from .ui.dock import EOPortalsDock

            dock = EOPortalsDock(self.iface, parent=self.iface.mainWindow())
        except Exception:
            log_exception("The EO Portals panel could not be opened")
            show_error(self.iface, QCoreApplication.translate("EOPortals", "EO Portals"),
                       QCoreApplication.translate("EOPortals", "The panel could not be opened; details are in the log."))
            return None
        dock.closed.connect(self._dock_closed)
        dock.opened.connect(self._dock_opened)
        try:  # the Time series tab (plugin/ui/series_panel.py); a failure there leaves the rest usable
            from .ui.series_panel import attach as attach_series

            attach_series(dock, self.iface)
        except Exception:
            log_exception("The EO Portals Time series tab could not be added")
        # The Downloads tab and its queue (plugin/downloads.py); a failure there leaves the search usable.
        try:
            self.downloads = attach_downloads(dock)
        except Exception:
            log_exception("The EO Portals Downloads tab could not be added")
        # The openEO tab (ui/jobs_panel.py): jobs kept in the same SQLite file as the download queue.
        try:
            self.openeo = attach_openeo(dock)
        except Exception:
            log_exception("The EO Portals openEO tab could not be added")
        self.iface.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        return dock

    def _dock_closed(self) -> None:
        """The user closed the dock with its own button: uncheck the action."""
        if self.action is not None:
            self.action.setChecked(False)

    def _dock_opened(self) -> None:
        """The dock was shown from elsewhere (View > Panels): check the action."""
        if self.action is not None:
            self.action.setChecked(True)


def attach_downloads(dock, queue_file: Optional[Path] = None):
    """The Downloads tab in the dock, its Download button wired, the queue started; returns the controller.

    The controller (downloads.py) runs the queue; the tab (ui/downloads_panel.py) shows it and says what
    happened; this is where the two meet the dock. The caller stops the controller (`controller.stop()`) when
    the plugin unloads, before the dock goes.
    """
    from .downloads import DownloadsController
    from .ui.downloads_panel import DownloadsPanel

    controller = DownloadsController(dock.iface, catalog=lambda: dock.catalog, queue_file=queue_file,
                                     project=getattr(dock, "project", None), parent=dock)
    panel = DownloadsPanel(controller)
    panel.setObjectName("eoPortalsDownloadsPanel")
    form = getattr(dock, "form", None)
    if form is not None:
        panel.area = form.aoi.geometry  # "Area of interest only" takes the drawn area
    dock.add_tab(panel, QCoreApplication.translate("EOPortalsDownloads", "Downloads"))
    controller.panel = panel

    def requested(products) -> None:
        index = dock.tab_index(panel)
        if index >= 0:
            dock.tabs.setCurrentIndex(index)
        panel.request(products)

    dock.download_requested.connect(requested)
    controller.start()
    return controller


def attach_openeo(dock, store_path: Optional[Path] = None):
    """Add the openEO tab to the dock; returns the panel (call `shutdown()` on unload)."""
    from . import network, settings
    from .ui.jobs_panel import JobsPanel

    panel = JobsPanel(catalog=lambda: dock.catalog, store_path=store_path or settings.queue_path(),
                      query_source=lambda: dock.form.build_query(1), folder=settings.download_folder,
                      settings=network.http_settings, parent=dock)
    panel.setObjectName("eoPortalsOpenEOPanel")
    panel.message.connect(lambda text: dock._message(text, Qgis.MessageLevel.Warning))
    dock.add_tab(panel, QCoreApplication.translate("EOPortals", "openEO"))
    return panel
