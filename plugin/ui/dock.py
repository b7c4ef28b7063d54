"""The EO Portals panel: it lays out and wires its parts, each a class of its own module:

- `search_form.SearchForm`: the area of interest, the collection, the dates, the cloud cover and the filters;
- `portal_list.PortalList`: the portals to search, with how each answered last time;
- `search_run.SearchRun`: the search task, each portal's line, Search/Cancel and "Load more";
- `results_view.ResultsView`: the table (text filter, reducers, exports, Download) and its footprints layer;
- `selection_sync.SelectionSync`: the table's selection and the map's footprints selection kept the same;
- `quicklook.QuicklookPanel`: the selected product's quicklook, and "Show on map".

Parts talk through signals the panel connects here; none touches another's widgets. Nothing waits for the
network or the disk: searches, quicklooks and exports run in QgsTasks (a `TaskKeeper` the parts share).

Other parts of the plugin plug in through `add_tab(widget, title)` (the downloads tab) and the
`download_requested(list)` signal (emitted with the selected Products).
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Optional

from qgis.core import Qgis, QgsProject
from qgis.gui import QgsDockWidget
from qgis.PyQt.QtCore import QByteArray, Qt, QTimer, pyqtSignal
from qgis.PyQt.QtGui import QIcon
from qgis.PyQt.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QMenu,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .. import settings as prefs
from ..core.catalog import Catalog
from ..core.errors import EOPortalsError
from ..core.export import SavedSearch
from ..core.search import SearchResult
from ..tasks import TaskKeeper, WriteFileTask
from .common import data_text, icon, log_warning, push_message
from .portal_list import PortalList, portal_shown
from .quicklook import QuicklookPanel
from .results_view import ResultsView
from .search_form import SearchForm
from .search_run import SearchRun, failed_outcomes
from .selection_sync import SelectionSync


def short_names(catalog: Catalog) -> dict:
    """The name each portal goes by in the panel: its catalog title ("CDSE", "Earth Search"), followed by its id
    when two portals share a title (a user's mirror named like the portal it mirrors)."""
    counts: dict = {}
    for portal in catalog.portals.values():
        counts[portal.title] = counts.get(portal.title, 0) + 1
    return {pid: portal.title if counts[portal.title] == 1 else f"{portal.title} ({pid})"
            for pid, portal in catalog.portals.items()}


# Signals of the panel's tasks (search, quicklooks, exports) cut on unload, so that no late result reaches a
# panel being deleted.
PANEL_TASK_SIGNALS = ("outcome_ready", "search_done", "search_failed", "loaded", "failed", "written", "write_failed")
QUICKLOOK_MIN = 210  # px the quicklook pane (image and title row) gets at least when the panel first shows
RESULTS_MIN = 150  # px the results get at least then
TABLE_ROWS_MIN = 4  # rows the table keeps in sight once the portals' lines are in, room permitting
QUERY_FLOOR = 60  # px of filters kept above the Search button row when they give up room to the table
QUICKLOOK_FLOOR = 150  # px the quicklook pane keeps when it gives up room to the table


class EOPortalsDock(QgsDockWidget):
    """The EO Portals panel (a "Search" tab; other tabs are added with `add_tab`)."""

    download_requested = pyqtSignal(list)  # the selected Products
    search_started = pyqtSignal()
    search_finished = pyqtSignal(object)  # SearchResult of the last search (or "Load more")

    def __init__(self, iface, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.iface = iface
        self.canvas = iface.mapCanvas()
        self.project = QgsProject.instance()
        self.setObjectName("EOPortalsDock")
        self.setWindowTitle(self.tr("EO Portals"))
        self.catalog = self._load_catalog()
        self.names = short_names(self.catalog)
        self.preferences = prefs.load_search_preferences()
        self.tasks = TaskKeeper(PANEL_TASK_SIGNALS)
        self._finished_result: Optional[SearchResult] = None  # search_finished waits for the last rows
        self._shut_down = False
        self._portals_dialog = None
        self._splitter_placed = False
        self._table_rows_wanted = False  # after a search, until the user drags the splitter (see _keep_table_rows)

        self.form = SearchForm(iface, self.project, self)
        self.portal_list = PortalList()
        self.run = SearchRun(self.tasks, self)
        self.results = ResultsView(self.names, self.tasks, self.project)
        self.sync = SelectionSync(self.results, self.canvas, self.project, self)
        self.quicklook = QuicklookPanel(self.tasks, self.project)
        self._set_portals()
        self._build_ui()
        self._connect()
        self._restore_preferences()

    def _load_catalog(self) -> Catalog:
        catalog = prefs.current_catalog()
        for problem in catalog.problems:
            log_warning(problem)
        return catalog

    def _set_portals(self) -> None:
        self.form.set_catalog(self.catalog, [p for p in self.catalog.portals.values() if portal_shown(p)])
        self.run.set_portals(self.catalog, self.names)
        self.results.set_names(self.names)
        self.quicklook.set_portals(self.catalog, self.names)

    def _build_ui(self) -> None:
        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        # every tab in sight at QGIS's 350 px dock: titles are shortened when they do not fit, not scrolled away
        self.tabs.setElideMode(Qt.TextElideMode.ElideRight)
        self.tabs.setUsesScrollButtons(False)
        self.setWidget(self.tabs)
        self.search_tab = QWidget()
        self.tabs.addTab(self.search_tab, icon("/search.svg"), self.tr("Search"))
        outer = QVBoxLayout(self.search_tab)
        outer.setContentsMargins(4, 4, 4, 4)
        self.splitter = QSplitter(Qt.Orientation.Vertical, self.search_tab)
        self.splitter.setChildrenCollapsible(False)
        outer.addWidget(self.splitter)

        # ---- query side: the form scrolls when the panel is short; the Search button stays in sight below it
        self.form.add_section(self.portal_list)
        actions = QHBoxLayout()
        self.saved_search_button = QToolButton()
        self.saved_search_button.setIcon(icon("/mActionFileSave.svg"))
        self.saved_search_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.saved_search_button.setToolTip(self.tr("Save this search, or open a saved one"))
        menu = QMenu(self.saved_search_button)
        self.save_search_action = menu.addAction(icon("/mActionFileSave.svg"), self.tr("Save search…"))
        self.open_search_action = menu.addAction(icon("/mActionFileOpen.svg"), self.tr("Open a saved search…"))
        self.saved_search_button.setMenu(menu)
        self.portals_button = QToolButton()
        self.portals_button.setIcon(icon("/mActionOptions.svg"))
        self.portals_button.setText(self.tr("Portals…"))
        self.portals_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.portals_button.setToolTip(self.tr("Portals and accounts"))
        actions.addWidget(self.run.search_button, 1)
        actions.addWidget(self.saved_search_button)
        actions.addWidget(self.portals_button)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.setSpacing(4)
        self.query_scroll = QScrollArea()
        self.query_scroll.setWidgetResizable(True)
        self.query_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.query_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.query_scroll.setWidget(self.form)
        top_layout.addWidget(self.query_scroll, 1)
        top_layout.addLayout(actions)
        self.splitter.addWidget(top)

        # ---- results side: each portal's line above the table, "Load more" beside Download
        results_widget = QWidget()
        results = QVBoxLayout(results_widget)
        results.setContentsMargins(0, 0, 0, 0)
        results.setSpacing(4)
        results.addWidget(self.run.status_list)
        results.addWidget(self.results, 1)
        self.results.add_action(self.run.load_more_button)
        self.splitter.addWidget(results_widget)
        self.splitter.addWidget(self.quicklook)
        # a taller panel gives the results and the quicklook the room (the filters scroll)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 4)
        self.splitter.setStretchFactor(2, 3)

    def _connect(self) -> None:
        for part in (self.form, self.run, self.results, self.sync, self.quicklook):
            part.message.connect(self._message)
        self.form.collection_changed.connect(self.portal_list.set_collection)
        self.run.search_clicked.connect(self.start_search)
        self.run.started.connect(self._on_run_started)
        self.run.products_found.connect(self.results.add)
        self.run.portal_answered.connect(self.portal_list.remember)
        self.run.searching_changed.connect(self.results.set_searching)
        self.run.finished.connect(self._on_run_finished)
        self.results.drained.connect(self._on_results_in)
        self.results.download_requested.connect(self.download_requested)
        self.sync.product_focused.connect(self.quicklook.show_product)
        self.quicklook.version_chosen.connect(self.results.refresh_product)
        self.results.shown_changed.connect(self._drop_hidden_quicklook)
        self.save_search_action.triggered.connect(self._save_search_clicked)
        self.open_search_action.triggered.connect(self._open_search_clicked)
        self.portals_button.clicked.connect(self.open_portals_dialog)
        # the portals' lines wrap again once laid out at the panel's width: the table keeps its rows then too
        self.run.status_list.fitted.connect(lambda: QTimer.singleShot(0, self._keep_table_rows))
        self.splitter.splitterMoved.connect(self._splitter_moved_by_user)

    # ===================================================================================== public API ====
    def add_tab(self, widget: QWidget, title: str, icon: Optional[QIcon] = None) -> int:
        """Add a tab to the panel (Time series, Downloads, openEO); returns its index. The tab sits in a scroll
        area, as the Search tab does: a tab wider than the dock (a longer language) scrolls instead of forcing the
        dock wider than QGIS's 350 px."""
        area = QScrollArea(self.tabs)
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.Shape.NoFrame)
        area.setWidget(widget)
        if icon is not None:
            return self.tabs.addTab(area, icon, title)
        return self.tabs.addTab(area, title)

    def tab_index(self, widget: QWidget) -> int:
        """The index of the tab showing `widget` (added with `add_tab`), or -1."""
        for index in range(self.tabs.count()):
            page = self.tabs.widget(index)
            if page is widget or (isinstance(page, QScrollArea) and page.widget() is widget):
                return index
        return -1

    def start_search(self) -> bool:
        """Start a new search from the panel's values; False (with a message) when it cannot start."""
        if self.run.is_searching():
            return False
        try:
            query = self.form.build_query(limit=self.preferences.limit)
        except EOPortalsError as exc:
            self._message(data_text(str(exc)), Qgis.MessageLevel.Warning)
            return False
        portals = [self.catalog.portals[pid] for pid in self.portal_list.checked_portals()
                   if pid in self.catalog.portals and self.catalog.portals[pid].supports(query.collection)]
        if not portals:
            self._message(self.tr("Check at least one portal that offers this collection."), Qgis.MessageLevel.Warning)
            return False
        self._say_catalog_problems()
        self.save_preferences()
        self._finished_result = None
        self.results.clear()
        self.quicklook.clear()
        self.results.set_portal_order([p.id for p in portals])
        collection = self.catalog.collections.get(query.collection)
        stamp = datetime.now().strftime("%Y-%m-%d %H:%M")
        name = self.tr("{collection} – {stamp}").format(
            collection=data_text(collection.title) if collection else query.collection, stamp=stamp)
        self.results.new_layer(name)
        for note in query.notes:
            self._message(data_text(note), Qgis.MessageLevel.Info)
        self.run.start(portals, query, self.preferences.budget)
        return True

    def saved_search(self) -> SavedSearch:
        """The panel's search as a SavedSearch (for "Save search")."""
        return self.form.saved_search(self.portal_list.checked_portals())

    def apply_saved_search(self, saved: SavedSearch) -> None:
        """Put a saved search's area, filters and portals in the panel."""
        self.form.apply_saved_search(saved)
        if saved.portals:
            self.portal_list.set_checked_portals(saved.portals)

    def open_saved_search(self, path: str, run: bool = True) -> bool:
        """Put a saved search file in the panel and, with `run`, search again."""
        try:
            text = Path(path).read_text(encoding="utf-8")  # a few hundred bytes the user just picked
            self.apply_saved_search(SavedSearch.from_json(text))
        except (OSError, EOPortalsError, ValueError) as exc:
            self._message(self.tr("This saved search cannot be used: {reason}").format(reason=data_text(str(exc))),
                          Qgis.MessageLevel.Warning)
            return False
        return self.start_search() if run else True

    def save_preferences(self) -> None:
        """Remember the panel's values for the next session."""
        p = self.preferences
        self.form.save_to(p)
        p.portals = ",".join(self.portal_list.checked_portals())
        prefs.save_search_preferences(p)
        if self._splitter_placed:
            prefs.set_splitter_state(bytes(self.splitter.saveState().toBase64()).decode("ascii"))

    def reload_portals(self) -> None:
        """Read the catalog and the portal settings again (after the portals dialog)."""
        checked = self.portal_list.checked_portals()
        collection = self.form.collection()
        self.catalog = self._load_catalog()
        self.names = short_names(self.catalog)
        self._set_portals()
        if not self.form.set_collection(collection) and self.form.collection_combo.count():
            self.form.collection_combo.setCurrentIndex(0)
        self.portal_list.fill(self.catalog, self.names, self.form.collection(), checked)

    def open_portals_dialog(self) -> None:
        """Open the portals and accounts dialog (when that part of the plugin is installed)."""
        try:
            from .portals_dialog import PortalsDialog
        except ImportError:
            self._message(self.tr("The portals dialog is not available in this version."), Qgis.MessageLevel.Info)
            return
        dialog = PortalsDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _result: self.reload_portals())
        dialog.open()  # window-modal, without a local event loop
        self._portals_dialog = dialog

    def shutdown(self) -> None:
        """Stop tasks and timers, take map tools and rubber bands off the canvas, disconnect signals."""
        if self._shut_down:
            return
        self._shut_down = True
        try:
            self.save_preferences()
        except Exception:  # noqa: BLE001 - settings must never block unloading; the log keeps the bug
            from ..log import log_exception

            log_exception("The EO Portals panel's settings could not be saved")
        self.run.shutdown()
        self.quicklook.shutdown()
        self.results.shutdown()
        self.tasks.shutdown()
        self.form.shutdown()

    # ======================================================================================= wiring ====
    def _restore_preferences(self) -> None:
        p = self.preferences
        self.form.restore(p)
        self.portal_list.fill(self.catalog, self.names, self.form.collection(), p.portal_ids)

    def _say_catalog_problems(self) -> None:
        """A portal catalog file that cannot be used is said where the user looks (it names the file and line)."""
        for problem in self.catalog.problems:
            self._message(self.tr("Your portal catalog is not used, searches go to the built-in portals: {problem}")
                          .format(problem=problem), Qgis.MessageLevel.Warning, duration=15)

    def _on_run_started(self, new_search: bool) -> None:
        if new_search:
            self._make_room_for_results()
        self.search_started.emit()

    def _on_run_finished(self, result: SearchResult) -> None:
        self._table_rows_wanted = True
        QTimer.singleShot(0, self._keep_table_rows)  # once the portals' lines have taken their height
        if not self.results.products() and not self.results.pending_footprints() \
                and not failed_outcomes(result):
            self._message(self.tr("No product matches this search."), Qgis.MessageLevel.Info)
        if self.results.pending_footprints():
            self._finished_result = result  # emitted once the last rows are in
        else:
            self.search_finished.emit(result)

    def _on_results_in(self) -> None:
        if self._finished_result is not None:
            result, self._finished_result = self._finished_result, None
            self.search_finished.emit(result)

    def _drop_hidden_quicklook(self) -> None:
        """The quicklook pane never shows a product the table no longer shows (text filter, Reduce)."""
        product = self.quicklook.product
        if product is not None and not self.results.is_shown(product.identity):
            self.quicklook.clear()

    def _make_room_for_results(self) -> None:
        """Results are coming: the filters (which scroll) give up space to the table if they hold most of it."""
        sizes = self.splitter.sizes()
        total = sum(sizes)
        if total <= 0 or sizes[0] <= total * 0.4:
            return
        query = int(total * 0.3)
        quicklook = sizes[2]
        self.splitter.setSizes([query, max(120, total - query - quicklook), quicklook])

    def _splitter_moved_by_user(self, *_args) -> None:
        self._table_rows_wanted = False  # the user sizes the panes now

    def _keep_table_rows(self) -> None:
        """The portals' lines are in, above the table: on a short screen (a 1366x768 laptop) they left it one row.
        The filters (which scroll) then the quicklook give up height until the table shows TABLE_ROWS_MIN rows."""
        if self._shut_down or not self._table_rows_wanted or not self.isVisible():
            return
        table = self.results.table
        missing = TABLE_ROWS_MIN * table.verticalHeader().defaultSectionSize() - table.viewport().height()
        scroll_bar = table.horizontalScrollBar()
        if not scroll_bar.isVisible():  # it shows once the columns are sized to the rows: room for it too
            missing += scroll_bar.sizeHint().height()
        if missing <= 0:
            return
        sizes = self.splitter.sizes()
        actions = self.run.search_button.sizeHint().height() + self.splitter.widget(0).layout().spacing()
        from_query = min(missing, max(0, sizes[0] - actions - QUERY_FLOOR))
        from_quicklook = min(missing - from_query, max(0, sizes[2] - QUICKLOOK_FLOOR))
        if from_query + from_quicklook > 0:
            self.splitter.setSizes([sizes[0] - from_query, sizes[1] + from_query + from_quicklook,
                                    sizes[2] - from_quicklook])

    # ---- saved searches ---------------------------------------------------------------------------
    def _save_search_clicked(self) -> None:
        try:
            saved = self.saved_search()
        except EOPortalsError as exc:
            self._message(data_text(str(exc)), Qgis.MessageLevel.Warning)
            return
        path, _filter = QFileDialog.getSaveFileName(self, self.tr("Save search"), str(Path.home() / "search.json"),
                                                    self.tr("EO Portals search (*.json)"))
        if not path:
            return
        task = WriteFileTask(self.tr("Save search"), path, saved.to_json)
        task.written.connect(lambda written: self._message(
            self.tr("Search saved to {path}").format(path=written), Qgis.MessageLevel.Success))
        task.write_failed.connect(lambda message: self._message(
            self.tr("The search could not be saved: {reason}").format(reason=message), Qgis.MessageLevel.Critical))
        self.tasks.start(task)

    def _open_search_clicked(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, self.tr("Open a saved search"), str(Path.home()),
                                                    self.tr("EO Portals search (*.json)"))
        if path:
            self.open_saved_search(path, run=True)

    # ---- misc -------------------------------------------------------------------------------------
    def _message(self, text: str, level: Qgis.MessageLevel = Qgis.MessageLevel.Info, duration: int = 8) -> None:
        """A message bar entry in plain words (a long one with "Show more", see common.push_message)."""
        if level == Qgis.MessageLevel.Critical:
            duration = 0
        push_message(self.iface.messageBar(), self.tr("EO Portals"), text, level, duration)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        """The first time the panel shows: the splitter as the user left it, else the filters in full."""
        super().showEvent(event)
        if self._splitter_placed:
            return
        self._splitter_placed = True
        self._say_catalog_problems()
        state = prefs.splitter_state()
        if state and self.splitter.restoreState(QByteArray.fromBase64(state.encode("ascii"))):
            return
        total = max(self.splitter.height(), 300)
        quicklook = max(QUICKLOOK_MIN, total // 4)
        # A scroll area's own size hint is capped by Qt: ask its content, plus the Search button row below it.
        top_layout = self.splitter.widget(0).layout()
        wanted = self.query_scroll.widget().sizeHint().height() + top_layout.spacing() + 8
        for index in range(1, top_layout.count()):
            wanted += top_layout.itemAt(index).sizeHint().height()
        # the filters scroll: they never take the room the results and the quicklook need
        query = max(120, min(wanted, int(total * 0.6), total - quicklook - RESULTS_MIN))
        self.splitter.setSizes([query, max(RESULTS_MIN, total - query - quicklook), quicklook])

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        """Remember the values when the panel is closed."""
        if not self._shut_down:
            self.save_preferences()
        super().closeEvent(event)
