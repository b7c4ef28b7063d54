"""The EO Portals panel: area of interest, filters, search, results, footprints and quicklooks.

Nothing here waits for the network or the disk: searches, quicklooks and exports run in QgsTasks and come
back through signals on the main thread; footprints are added to the map in small batches so that a
search with thousands of products never freezes QGIS.

Other parts of the plugin plug in through `add_tab(widget, title)` (the downloads tab) and the
`download_requested(list)` signal (emitted with the selected Products).
"""
from __future__ import annotations

import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from collections import deque
from typing import Callable, Deque, Dict, List, Optional, Set

from qgis.core import (
    Qgis,
    QgsApplication,
    QgsCoordinateTransform,
    QgsCsException,
    QgsGeometry,
    QgsMessageLog,
    QgsProject,
    QgsRasterLayer,
    QgsTask,
    QgsVectorLayer,
)
from qgis.gui import QgsCollapsibleGroupBox, QgsDockWidget
from qgis.PyQt.QtCore import QT_TRANSLATE_NOOP, QByteArray, QDate, QItemSelection, QItemSelectionModel, QModelIndex, QSize, Qt, QTimer, pyqtSignal
from qgis.PyQt.QtGui import QColor, QIcon, QImage, QPainter, QPixmap
from qgis.PyQt.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QSplitter,
    QTableView,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .. import settings as prefs
from ..core.catalog import Catalog, Portal
from ..core.errors import EOPortalsError, ErrorKind, QueryError
from ..core.export import SavedSearch, dumps, to_csv, to_geojson, to_stac_item_collection
from ..core.product import Product, merge_products
from ..core.query import SearchQuery
from ..core.reducers import Reducer, reduce_products
from ..core.search import Outcome, SearchResult
from ..network import http_settings
from ..tasks import SearchTask, WriteFileTask
from .aoi_tools import WGS84, AreaOfInterest
from .footprints_layer import FootprintsLayer, add_to_group
from .messages import error_text
from .quicklook import ElidedLabel, QuicklookCache, QuicklookTask, QuicklookView, usable_url
from .results_model import IDENTITY_ROLE, PRODUCT_ROLE, Column, ResultsFilterProxy, ResultsModel

LOG_TAG = "EO Portals"
PRESET_DAYS = (7, 30, 90)
BATCH_SECONDS = 0.010  # main-thread time spent adding rows and footprints per event-loop turn
REPAINT_SECONDS = 0.3  # the footprints layer is redrawn at most this often while rows arrive
BATCH_FIRST = 50  # products in the first batch; later batches are sized from the time the last one took
BATCH_MAX = 2000

STATUS_COLORS = {
    prefs.STATUS_OK: QColor(26, 150, 65),
    prefs.STATUS_AUTH: QColor(253, 174, 97),
    prefs.STATUS_FAILED: QColor(215, 25, 28),
    "": QColor(160, 160, 160),
}


# Texts that reach the panel as data (catalog collection titles, the core's notes on the area): listed here
# so that pylupdate puts them in the .ts file; the panel translates them with self.tr() when it shows them.
_DATA_TEXTS = (
    QT_TRANSLATE_NOOP("EOPortalsDock", "Sentinel-2 L1C (top-of-atmosphere reflectance)"),
    QT_TRANSLATE_NOOP("EOPortalsDock", "Sentinel-2 L2A (surface reflectance)"),
    QT_TRANSLATE_NOOP("EOPortalsDock", "Sentinel-1 GRD (ground range detected)"),
    QT_TRANSLATE_NOOP("EOPortalsDock", "Sentinel-1 SLC (single look complex)"),
    QT_TRANSLATE_NOOP("EOPortalsDock", "Landsat 8-9 Collection 2 Level-2 (surface reflectance)"),
    QT_TRANSLATE_NOOP("EOPortalsDock", "The area of interest was self-intersecting and has been repaired."),
    QT_TRANSLATE_NOOP("EOPortalsDock", "The area of interest crosses the antimeridian and has been split in two."),
    # The core's fixed QueryError messages (query.py, export.py) the panel shows; those with a value in them
    # stay English.
    QT_TRANSLATE_NOOP("EOPortalsDock", "The area of interest is not valid WKT."),
    QT_TRANSLATE_NOOP("EOPortalsDock", "An area of interest is needed: draw one, or give a WKT or GeoJSON geometry."),
    QT_TRANSLATE_NOOP("EOPortalsDock", "The area of interest is wider than the whole globe."),
    QT_TRANSLATE_NOOP("EOPortalsDock", "The area of interest lies outside longitudes -180..180 and latitudes -90..90."),
    QT_TRANSLATE_NOOP("EOPortalsDock", "Both a start and an end date are needed."),
    QT_TRANSLATE_NOOP("EOPortalsDock", "The area of interest is empty."),
    QT_TRANSLATE_NOOP("EOPortalsDock", "The area of interest is an invalid polygon that could not be repaired."),
    QT_TRANSLATE_NOOP("EOPortalsDock", "The area of interest has no area."),
    QT_TRANSLATE_NOOP("EOPortalsDock",
                      "The area of interest is not in longitude/latitude (EPSG:4326): latitudes exceed ±90°."),
    QT_TRANSLATE_NOOP("EOPortalsDock",
                      "The area of interest is not in longitude/latitude (EPSG:4326): longitudes exceed ±180°."),
    QT_TRANSLATE_NOOP("EOPortalsDock", "This file is not an EO Portals saved search."),
    QT_TRANSLATE_NOOP("EOPortalsDock", "This saved search was written by a newer version of EO Portals."),
    QT_TRANSLATE_NOOP("EOPortalsDock", "The saved search has no area of interest or no collection."),
    QT_TRANSLATE_NOOP("EOPortalsDock", "The saved search's portals must be a list."),
)


def _icon(name: str) -> QIcon:
    return QgsApplication.getThemeIcon(name)


def _dot(color: QColor, size: int = 12) -> QIcon:
    """A round status dot."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(color)
    painter.setPen(color.darker(130))
    painter.drawEllipse(1, 1, size - 2, size - 2)
    painter.end()
    return QIcon(pixmap)


def short_names(catalog: Catalog) -> Dict[str, str]:
    """The name each portal goes by in the panel: its catalog title ("CDSE", "Earth Search"), followed by its id
    when two portals share a title (a user's mirror named like the portal it mirrors)."""
    counts: Dict[str, int] = {}
    for portal in catalog.portals.values():
        counts[portal.title] = counts.get(portal.title, 0) + 1
    return {pid: portal.title if counts[portal.title] == 1 else f"{portal.title} ({pid})"
            for pid, portal in catalog.portals.items()}


def _log_warning(text: str) -> None:
    try:
        from .. import log as eo_log
    except ImportError:
        QgsMessageLog.logMessage(text, LOG_TAG, Qgis.MessageLevel.Warning)
    else:
        eo_log.log_warning(text)


def _log_failure(outcome: Outcome) -> None:
    try:
        from .. import log as eo_log
    except ImportError:
        QgsMessageLog.logMessage(outcome.message, LOG_TAG, Qgis.MessageLevel.Warning)
    else:
        eo_log.log_request_failure(outcome)


def _search_credentials(portals: List[Portal]) -> Dict[str, object]:
    """Accounts of the portals that need one to search (DHuS mirrors), read on the main thread."""
    try:
        from .. import accounts
    except ImportError:
        return {}
    return accounts.credentials_by_portal([p for p in portals if accounts.needs_account(p, for_search=True)])


def _quicklook_headers(portal: Optional[Portal]) -> Dict[str, str]:
    """The API-key header for a portal whose previews need it (GEODES), when the user has an account."""
    if portal is None or portal.auth != "apikey":
        return {}
    try:
        from .. import accounts
    except ImportError:
        return {}
    credentials = accounts.credentials_for(portal)
    if credentials is None or not credentials.api_key:
        return {}
    return {str(portal.get("api_key_header", "X-API-Key")): credentials.api_key}


class EOPortalsDock(QgsDockWidget):
    """The EO Portals panel (a "Search" tab; other tabs are added with `add_tab`)."""

    download_requested = pyqtSignal(list)  # the selected Products
    search_started = pyqtSignal()
    search_finished = pyqtSignal(object)  # SearchResult of the last search (or "Load more")
    quicklook_shown = pyqtSignal(str)  # URL of the quicklook now in the panel

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
        self.aoi = AreaOfInterest(self.canvas, self.project, self)
        self.model = ResultsModel(self.names, self)
        self.proxy = ResultsFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.cache = QuicklookCache(prefs.quicklook_cache_folder(), prefs.quicklook_cache_bytes())

        self.task: Optional[SearchTask] = None
        self.query: Optional[SearchQuery] = None
        self.cursors: Dict[str, object] = {}
        self.outcomes: Dict[str, Outcome] = {}
        self.footprints: Optional[FootprintsLayer] = None
        self._tasks: Set[QgsTask] = set()  # Python references keep running tasks alive
        # Products received but not yet rows and footprints: added in time-bounded batches (see _add_pending).
        self._incoming: Deque[Product] = deque()
        self._batch = BATCH_FIRST
        self._last_repaint = 0.0
        self._finished_result: Optional[SearchResult] = None  # search_finished waits for the last batch
        self._pending_timer = QTimer(self)
        self._pending_timer.setInterval(0)
        self._pending_timer.timeout.connect(self._add_pending)
        self._unreduced: Optional[List[Product]] = None
        self._reducer: Optional[Reducer] = None
        self._syncing = False
        self._setting_dates = False
        self._date_preset = 0
        self._quicklook_url = ""
        self._quicklook_vrt = ""
        self._quicklook_product: Optional[Product] = None
        self._shut_down = False
        self._portals_dialog = None

        self._build_ui()
        self._fill_collections()
        self._restore_preferences()
        self._connect()
        self._update_aoi_label()
        self._update_result_actions()

    # ================================================================================= construction ====
    def _load_catalog(self) -> Catalog:
        catalog = prefs.current_catalog()
        for problem in catalog.problems:
            _log_warning(problem)
        return catalog

    def _build_ui(self) -> None:  # noqa: PLR0915 (one place that lays the panel out)
        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.setWidget(self.tabs)
        self.search_tab = QWidget()
        self.tabs.addTab(self.search_tab, _icon("/search.svg"), self.tr("Search"))
        outer = QVBoxLayout(self.search_tab)
        outer.setContentsMargins(4, 4, 4, 4)
        self.splitter = QSplitter(Qt.Orientation.Vertical, self.search_tab)
        self.splitter.setChildrenCollapsible(False)
        outer.addWidget(self.splitter)

        # ---- query side (scrolls when the panel is short) ----
        query_widget = QWidget()
        query = QVBoxLayout(query_widget)
        query.setContentsMargins(0, 0, 0, 0)
        query.setSpacing(4)

        self.aoi_box = QgsCollapsibleGroupBox(self.tr("Area of interest"))
        aoi_layout = QVBoxLayout(self.aoi_box)
        aoi_layout.setSpacing(4)
        buttons = QGridLayout()
        buttons.setSpacing(2)
        self.rectangle_button = self._tool_button("/mActionRectangleExtent.svg", self.tr("Rectangle"),
                                                  self.tr("Draw a rectangle on the map (Esc cancels)"), True)
        self.polygon_button = self._tool_button("/mActionCapturePolygon.svg", self.tr("Polygon"),
                                                self.tr("Draw a polygon on the map: click to add vertices, "
                                                        "right click to finish, Backspace to undo, Esc to cancel"), True)
        self.extent_button = self._tool_button("/mActionSetToCanvasExtent.svg", self.tr("Extent"),
                                               self.tr("Use the extent the map shows now"))
        self.selection_button = self._tool_button("/mActionFromSelectedFeature.svg", self.tr("Selected features"),
                                                  self.tr("Use the selected features (of the active layer, "
                                                          "else of every layer)"))
        self.clear_aoi_button = self._tool_button("/mIconClearItem.svg", self.tr("Clear"),
                                                  self.tr("Remove the area of interest from the map"))
        buttons.addWidget(self.rectangle_button, 0, 0)
        buttons.addWidget(self.polygon_button, 0, 1)
        buttons.addWidget(self.extent_button, 0, 2)
        buttons.addWidget(self.selection_button, 1, 0, 1, 2)
        buttons.addWidget(self.clear_aoi_button, 1, 2)
        aoi_layout.addLayout(buttons)
        self.aoi_label = QLabel()
        self.aoi_label.setWordWrap(True)
        self.aoi_label.setObjectName("aoiLabel")
        aoi_layout.addWidget(self.aoi_label)
        query.addWidget(self.aoi_box)

        self.filters_box = QgsCollapsibleGroupBox(self.tr("Filters"))
        form = QFormLayout(self.filters_box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setSpacing(4)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.collection_combo = QComboBox()
        self.collection_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.collection_combo.setMinimumContentsLength(10)
        self.collection_combo.setToolTip(self.tr("The kind of products to search for"))
        form.addRow(self.tr("Collection"), self.collection_combo)

        dates = QHBoxLayout()
        dates.setSpacing(4)
        self.start_edit = QDateEdit()
        self.end_edit = QDateEdit()
        for edit in (self.start_edit, self.end_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setMinimumDate(QDate(1972, 7, 23))
        self.start_edit.setToolTip(self.tr("First day of acquisition (UTC)"))
        self.end_edit.setToolTip(self.tr("Last day of acquisition (UTC), included"))
        dates.addWidget(self.start_edit, 1)
        dates.addWidget(QLabel("–"))
        dates.addWidget(self.end_edit, 1)
        form.addRow(self.tr("Dates"), dates)
        presets = QHBoxLayout()
        presets.setSpacing(2)
        self.preset_buttons: Dict[int, QToolButton] = {}
        for days in PRESET_DAYS:
            button = QToolButton()
            button.setText(self.tr("{days} days").format(days=days))
            button.setCheckable(True)
            button.setAutoRaise(False)
            button.setToolTip(self.tr("From {days} days ago until today").format(days=days))
            button.clicked.connect(lambda _checked=False, d=days: self.set_date_preset(d))
            self.preset_buttons[days] = button
            presets.addWidget(button)
        presets.addStretch(1)
        form.addRow(self.tr("Last"), presets)

        cloud = QHBoxLayout()
        self.cloud_slider = QSlider(Qt.Orientation.Horizontal)
        self.cloud_slider.setRange(0, 100)
        self.cloud_slider.setSingleStep(5)
        self.cloud_slider.setPageStep(10)
        self.cloud_slider.setToolTip(self.tr("Maximum cloud cover; at 100 % products without a cloud cover are kept too"))
        self.cloud_value = QLabel()
        self.cloud_value.setMinimumWidth(self.cloud_value.fontMetrics().horizontalAdvance("≤ 100 %") + 4)
        cloud.addWidget(self.cloud_slider, 1)
        cloud.addWidget(self.cloud_value)
        self.cloud_label = QLabel(self.tr("Cloud cover"))
        form.addRow(self.cloud_label, cloud)
        self.filters_form = form
        query.addWidget(self.filters_box)

        self.portals_box = QgsCollapsibleGroupBox(self.tr("Portals"))
        portals_layout = QVBoxLayout(self.portals_box)
        self.portal_list = QListWidget()
        self.portal_list.setObjectName("portalList")
        self.portal_list.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.portal_list.setIconSize(QSize(12, 12))
        self.portal_list.setSizeAdjustPolicy(QListWidget.SizeAdjustPolicy.AdjustToContents)
        portals_layout.addWidget(self.portal_list)
        query.addWidget(self.portals_box)

        self.advanced_box = QgsCollapsibleGroupBox(self.tr("Advanced filters"))
        advanced = QFormLayout(self.advanced_box)
        advanced.setSpacing(4)
        self.orbit_direction_combo = QComboBox()
        self.orbit_direction_combo.addItem(self.tr("Any"), "")
        self.orbit_direction_combo.addItem(self.tr("Ascending"), "ASCENDING")
        self.orbit_direction_combo.addItem(self.tr("Descending"), "DESCENDING")
        self.relative_orbit_spin = QSpinBox()
        self.relative_orbit_spin.setRange(0, 233)
        self.relative_orbit_spin.setSpecialValueText(self.tr("Any"))
        self.relative_orbit_spin.setToolTip(self.tr("Relative orbit number (Sentinel-1: 1-175, Sentinel-2: 1-143)"))
        self.tile_edit = QLineEdit()
        self.tile_edit.setPlaceholderText(self.tr("e.g. 31TCJ"))
        self.tile_edit.setMaxLength(10)
        self.tile_edit.setClearButtonEnabled(True)
        self.tile_edit.setToolTip(self.tr("Sentinel-2 MGRS tile"))
        self.platform_combo = QComboBox()
        self.orbit_direction_label = QLabel(self.tr("Orbit direction"))
        self.relative_orbit_label = QLabel(self.tr("Relative orbit"))
        self.tile_label = QLabel(self.tr("MGRS tile"))
        self.platform_label = QLabel(self.tr("Platform"))
        advanced.addRow(self.orbit_direction_label, self.orbit_direction_combo)
        advanced.addRow(self.relative_orbit_label, self.relative_orbit_spin)
        advanced.addRow(self.tile_label, self.tile_edit)
        advanced.addRow(self.platform_label, self.platform_combo)
        query.addWidget(self.advanced_box)

        actions = QHBoxLayout()
        self.search_button = QPushButton(_icon("/search.svg"), self.tr("Search"))
        self.search_button.setObjectName("searchButton")
        self.search_button.setDefault(True)
        self.search_button.setToolTip(self.tr("Search the checked portals (runs in the background)"))
        self.saved_search_button = QToolButton()
        self.saved_search_button.setIcon(_icon("/mActionFileSave.svg"))
        self.saved_search_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.saved_search_button.setToolTip(self.tr("Save this search, or open a saved one"))
        menu = QMenu(self.saved_search_button)
        self.save_search_action = menu.addAction(_icon("/mActionFileSave.svg"), self.tr("Save search…"))
        self.open_search_action = menu.addAction(_icon("/mActionFileOpen.svg"), self.tr("Open a saved search…"))
        self.saved_search_button.setMenu(menu)
        self.portals_button = QToolButton()
        self.portals_button.setIcon(_icon("/mActionOptions.svg"))
        self.portals_button.setText(self.tr("Portals…"))
        self.portals_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.portals_button.setToolTip(self.tr("Portals and accounts"))
        actions.addWidget(self.search_button, 1)
        actions.addWidget(self.saved_search_button)
        actions.addWidget(self.portals_button)
        query.addStretch(1)

        # The filters scroll when the panel is short; the Search button stays in sight below them.
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.setSpacing(4)
        self.query_scroll = QScrollArea()
        self.query_scroll.setWidgetResizable(True)
        self.query_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.query_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.query_scroll.setWidget(query_widget)
        top_layout.addWidget(self.query_scroll, 1)
        top_layout.addLayout(actions)
        self.splitter.addWidget(top)

        # ---- results side ----
        results_widget = QWidget()
        results = QVBoxLayout(results_widget)
        results.setContentsMargins(0, 0, 0, 0)
        results.setSpacing(4)
        self.status_list = QListWidget()
        self.status_list.setObjectName("statusList")
        self.status_list.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.status_list.setWordWrap(False)
        self.status_list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.status_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.status_list.setFrameShape(QFrame.Shape.NoFrame)
        self.status_list.setIconSize(QSize(14, 14))
        self.status_list.setSpacing(0)
        self.status_list.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.status_list.setVisible(False)
        results.addWidget(self.status_list)

        tools = QHBoxLayout()
        tools.setSpacing(2)
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText(self.tr("Filter results…"))
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setToolTip(self.tr("Show only the rows holding every word typed (in any column)"))
        tools.addWidget(self.filter_edit, 1)
        self.reduce_button = self._menu_button("/mActionFilter2.svg", self.tr("Reduce"),
                                               self.tr("Keep one product per tile"))
        reduce_menu = self.reduce_button.menu()
        self.least_cloudy_action = reduce_menu.addAction(self.tr("Least cloudy per tile"))
        self.newest_action = reduce_menu.addAction(self.tr("Newest per tile"))
        reduce_menu.addSeparator()
        self.all_results_action = reduce_menu.addAction(self.tr("All results"))
        tools.addWidget(self.reduce_button)
        self.export_button = self._menu_button("/mActionFileSaveAs.svg", self.tr("Export"),
                                               self.tr("Export the rows shown"))
        export_menu = self.export_button.menu()
        self.export_geojson_action = export_menu.addAction(self.tr("GeoJSON…"))
        self.export_csv_action = export_menu.addAction(self.tr("CSV…"))
        self.export_stac_action = export_menu.addAction(self.tr("STAC ItemCollection…"))
        tools.addWidget(self.export_button)
        results.addLayout(tools)

        self.table = QTableView()
        self.table.setObjectName("resultsTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(Column.DATE, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 6)
        # fixed row heights: inserting thousands of rows never asks every row for its size
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        metrics = self.table.fontMetrics()
        widths = {Column.DATE: "2024-01-01 00:00", Column.CLOUD: "100 %", Column.PLATFORM: "Sentinel-2A",
                  Column.TILE: "31TCJ", Column.ORBIT: "175 D", Column.SIZE: "999 MB", Column.PORTALS: "Earth Search"}
        for column, sample in widths.items():
            header.resizeSection(column, metrics.horizontalAdvance(sample) + 18)
        results.addWidget(self.table, 1)

        bottom = QHBoxLayout()
        self.count_label = QLabel()
        self.count_label.setObjectName("countLabel")
        bottom.addWidget(self.count_label, 1)
        self.load_more_button = QPushButton(_icon("/mActionRefresh.svg"), self.tr("Load more"))
        self.load_more_button.setToolTip(self.tr("Fetch the next page of results from the portals that have more, "
                                                  "and ask again the portals that failed"))
        self.download_button = QPushButton(QIcon(":/images/themes/default/downloading_svg.svg"), self.tr("Download"))
        self.download_button.setToolTip(self.tr("Download the selected products"))
        bottom.addWidget(self.load_more_button)
        bottom.addWidget(self.download_button)
        results.addLayout(bottom)
        self.splitter.addWidget(results_widget)

        # ---- quicklook ----
        quicklook_widget = QWidget()
        quicklook = QVBoxLayout(quicklook_widget)
        quicklook.setContentsMargins(0, 0, 0, 0)
        quicklook.setSpacing(2)
        self.quicklook_view = QuicklookView()
        self.quicklook_view.setObjectName("quicklookView")
        self.quicklook_view.show_message(self.tr("Select a product to see its quicklook."))
        quicklook.addWidget(self.quicklook_view, 1)
        row = QHBoxLayout()
        self.quicklook_title = ElidedLabel()
        self.quicklook_title.setObjectName("quicklookTitle")
        row.addWidget(self.quicklook_title, 1)
        self.show_on_map_button = QPushButton(_icon("/mActionAddRasterLayer.svg"), self.tr("Show on map"))
        self.show_on_map_button.setToolTip(self.tr("Add the quicklook as a layer placed on the footprint's bounding box "
                                                   "(approximate)"))
        self.show_on_map_button.setEnabled(False)
        row.addWidget(self.show_on_map_button)
        quicklook.addLayout(row)
        self.splitter.addWidget(quicklook_widget)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 4)
        self.splitter.setStretchFactor(2, 2)
        self._splitter_placed = False

    def _tool_button(self, icon: str, text: str, tooltip: str, checkable: bool = False) -> QToolButton:
        button = QToolButton()
        button.setIcon(_icon(icon))
        button.setText(text)
        button.setToolTip(tooltip)
        button.setCheckable(checkable)
        button.setAutoRaise(True)
        button.setIconSize(QSize(18, 18))
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        return button

    def _menu_button(self, icon: str, text: str, tooltip: str) -> QToolButton:
        button = QToolButton()
        button.setIcon(_icon(icon))
        button.setText(text)
        button.setToolTip(tooltip)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        button.setMenu(QMenu(button))
        return button

    def _fill_collections(self) -> None:
        self.collection_combo.blockSignals(True)
        self.collection_combo.clear()
        for collection in self.catalog.collections.values():
            if any(self._portal_shown(p) and p.supports(collection.id) for p in self.catalog.portals.values()):
                self.collection_combo.addItem(self.tr(collection.title), collection.id)
                index = self.collection_combo.count() - 1
                self.collection_combo.setItemData(index, collection.id, Qt.ItemDataRole.ToolTipRole)
        self.collection_combo.blockSignals(False)

    def _portal_shown(self, portal: Portal) -> bool:
        return bool(portal.url) and prefs.portal_enabled(portal.id, portal.enabled)

    def _connect(self) -> None:
        self.rectangle_button.clicked.connect(self._draw_rectangle)
        self.polygon_button.clicked.connect(self._draw_polygon)
        self.extent_button.clicked.connect(self.aoi.use_extent)
        self.selection_button.clicked.connect(self._use_selection)
        self.clear_aoi_button.clicked.connect(self.aoi.clear)
        self.aoi.changed.connect(self._on_aoi_changed)
        self.aoi.failed.connect(lambda text: self._message(text, Qgis.MessageLevel.Warning))
        self.aoi.drawing_finished.connect(self._drawing_finished)
        self.collection_combo.currentIndexChanged.connect(self._on_collection_changed)
        self.filters_box.collapsedStateChanged.connect(self._apply_filter_visibility)
        self.advanced_box.collapsedStateChanged.connect(self._apply_filter_visibility)
        self.start_edit.dateChanged.connect(self._on_dates_edited)
        self.end_edit.dateChanged.connect(self._on_dates_edited)
        self.cloud_slider.valueChanged.connect(self._update_cloud_label)
        self.search_button.clicked.connect(self._search_clicked)
        self.save_search_action.triggered.connect(self._save_search_clicked)
        self.open_search_action.triggered.connect(self._open_search_clicked)
        self.portals_button.clicked.connect(self.open_portals_dialog)
        self.filter_edit.textChanged.connect(self._on_filter_text)
        self.least_cloudy_action.triggered.connect(lambda: self.apply_reducer(Reducer.LEAST_CLOUDY_PER_TILE))
        self.newest_action.triggered.connect(lambda: self.apply_reducer(Reducer.NEWEST_PER_TILE))
        self.all_results_action.triggered.connect(lambda: self.apply_reducer(None))
        self.export_geojson_action.triggered.connect(lambda: self._export_clicked("geojson"))
        self.export_csv_action.triggered.connect(lambda: self._export_clicked("csv"))
        self.export_stac_action.triggered.connect(lambda: self._export_clicked("stac"))
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection)
        self.table.doubleClicked.connect(self._on_double_click)
        self.table.customContextMenuRequested.connect(self._table_menu)
        self.load_more_button.clicked.connect(self.load_more)
        self.download_button.clicked.connect(self._download_clicked)
        self.show_on_map_button.clicked.connect(self.show_quicklook_on_map)
        self.model.rowsInserted.connect(self._update_result_actions)
        self.model.modelReset.connect(self._update_result_actions)
        self.proxy.rowsInserted.connect(self._update_count)
        self.proxy.rowsRemoved.connect(self._update_count)
        self.proxy.modelReset.connect(self._update_count)
        self.proxy.layoutChanged.connect(self._update_count)

    # ===================================================================================== public API ====
    def add_tab(self, widget: QWidget, title: str, icon: Optional[QIcon] = None) -> int:
        """Add a tab to the panel (the downloads tab); returns its index."""
        if icon is not None:
            return self.tabs.addTab(widget, icon, title)
        return self.tabs.addTab(widget, title)

    def selected_products(self) -> List[Product]:
        """The products of the selected rows, in table order."""
        rows = sorted(self.table.selectionModel().selectedRows(), key=lambda index: index.row())
        return [index.data(PRODUCT_ROLE) for index in rows if index.data(PRODUCT_ROLE) is not None]

    def products(self) -> List[Product]:
        """Every product listed (before the text filter)."""
        return self.model.products

    def visible_products(self) -> List[Product]:
        """The products of the rows shown (after the text filter), in table order."""
        return [self.proxy.index(row, 0).data(PRODUCT_ROLE) for row in range(self.proxy.rowCount())]

    def checked_portals(self) -> List[str]:
        """Ids of the checked portals, in list order."""
        ids = []
        for row in range(self.portal_list.count()):
            item = self.portal_list.item(row)
            if item.checkState() == Qt.CheckState.Checked and item.flags() & Qt.ItemFlag.ItemIsEnabled:
                ids.append(item.data(Qt.ItemDataRole.UserRole))
        return ids

    def set_checked_portals(self, portal_ids: List[str]) -> None:
        """Check exactly these portals."""
        wanted = set(portal_ids)
        for row in range(self.portal_list.count()):
            item = self.portal_list.item(row)
            item.setCheckState(Qt.CheckState.Checked if item.data(Qt.ItemDataRole.UserRole) in wanted
                               else Qt.CheckState.Unchecked)

    def collection(self) -> str:
        """The unified collection id chosen."""
        return self.collection_combo.currentData() or ""

    def set_collection(self, collection_id: str) -> bool:
        """Choose a collection by unified id; False when it is not offered."""
        index = self.collection_combo.findData(collection_id)
        if index < 0:
            return False
        self.collection_combo.setCurrentIndex(index)
        return True

    def set_dates(self, start: date, end: date) -> None:
        """Set the date range (clears the "last N days" preset)."""
        self._setting_dates = True
        try:
            self.start_edit.setDate(QDate(start.year, start.month, start.day))
            self.end_edit.setDate(QDate(end.year, end.month, end.day))
        finally:
            self._setting_dates = False
        self._set_preset(0)

    def set_date_preset(self, days: int) -> None:
        """Search the last `days` days, until today (UTC)."""
        today = datetime.now(timezone.utc).date()
        self._setting_dates = True
        try:
            start = today - timedelta(days=days)
            self.start_edit.setDate(QDate(start.year, start.month, start.day))
            self.end_edit.setDate(QDate(today.year, today.month, today.day))
        finally:
            self._setting_dates = False
        self._set_preset(days)

    def build_query(self) -> SearchQuery:
        """The SearchQuery the panel describes; QueryError with a message for the user when it cannot."""
        if not self.aoi.is_set():
            raise QueryError(self.tr("Draw an area of interest first (or use the map extent or selected features)."))
        collection = self.collection()
        if not collection:
            raise QueryError(self.tr("Choose a collection."))
        if self.end_edit.date() < self.start_edit.date():
            raise QueryError(self.tr("The end date ({end}) is before the start date ({start}).").format(
                end=self.end_edit.date().toString("yyyy-MM-dd"), start=self.start_edit.date().toString("yyyy-MM-dd")))
        filters = self._available_filters(collection)
        optical = self._is_optical(collection)
        cloud = self.cloud_slider.value()
        return SearchQuery.create(
            self.aoi.wkt(),
            self.start_edit.date().toString("yyyy-MM-dd"),
            self.end_edit.date().toString("yyyy-MM-dd"),
            collection,
            max_cloud=float(cloud) if optical and cloud < 100 else None,
            orbit_direction=(self.orbit_direction_combo.currentData() or None) if "orbit_direction" in filters else None,
            relative_orbit=(self.relative_orbit_spin.value() or None) if "relative_orbit" in filters else None,
            tile=(self.tile_edit.text().strip() or None) if "tile" in filters else None,
            platform=(self.platform_combo.currentData() or None) if "platform" in filters else None,
            limit=max(1, self.preferences.limit),
        )

    def start_search(self) -> bool:
        """Start a new search from the panel's values; False (with a message) when it cannot start."""
        if self.task is not None:
            return False
        try:
            query = self.build_query()
        except EOPortalsError as exc:
            self._message(self.tr(str(exc)), Qgis.MessageLevel.Warning)
            return False
        portals = [self.catalog.portals[pid] for pid in self.checked_portals()
                   if pid in self.catalog.portals and self.catalog.portals[pid].supports(query.collection)]
        if not portals:
            self._message(self.tr("Check at least one portal that offers this collection."), Qgis.MessageLevel.Warning)
            return False
        self.save_preferences()
        self._reset_results()
        self.query = query
        self.model.portal_order = [p.id for p in portals]
        collection = self.catalog.collections.get(query.collection)
        stamp = datetime.now().strftime("%Y-%m-%d %H:%M")
        name = self.tr("{collection} – {stamp}").format(
            collection=self.tr(collection.title) if collection else query.collection, stamp=stamp)
        self.footprints = FootprintsLayer(name, self.project, self)
        self.footprints.layer.selectionChanged.connect(self._on_layer_selection)
        self.footprints.removed.connect(self._on_footprints_removed)
        for note in query.notes:
            self._message(self.tr(note), Qgis.MessageLevel.Info)
        self._run(portals, query, cursors=None)
        return True

    def load_more(self) -> bool:
        """Fetch the next page from every portal that has one."""
        if self.task is not None or self.query is None or not any(self.cursors.values()):
            return False
        portals = [self.catalog.portals[pid] for pid, cursor in self.cursors.items()
                   if cursor is not None and pid in self.catalog.portals]
        self._run(portals, self.query, cursors=dict(self.cursors))
        return True

    def cancel_search(self) -> None:
        """Stop the search under way (the products found so far stay)."""
        if self.task is not None:
            self.task.cancel()

    def is_searching(self) -> bool:
        """Whether a search runs."""
        return self.task is not None

    def apply_reducer(self, reducer: Optional[Reducer]) -> None:
        """Keep one product per tile (or, with None, every result again)."""
        self._reducer = reducer
        if reducer is None:
            if self._unreduced is None:
                return
            products, self._unreduced = self._unreduced, None
        else:
            if self._unreduced is None:
                self._unreduced = self.model.products
            products = reduce_products(self._unreduced, reducer)
        self.model.set_products(products)
        if self.footprints is not None:
            self.footprints.replace(products)
        self._update_result_actions()

    def export(self, kind: str, path: str) -> Optional[QgsTask]:
        """Write the rows shown as 'geojson', 'csv' or 'stac' to `path` (in a task); returns the task."""
        products = self.visible_products()
        makers: Dict[str, Callable[[], str]] = {
            "geojson": lambda: dumps(to_geojson(products)),
            "csv": lambda: to_csv(products),
            "stac": lambda: dumps(to_stac_item_collection(products)),
        }
        if kind not in makers:
            raise ValueError(f"unknown export kind {kind!r}")
        task = WriteFileTask(self.tr("Export {count} products").format(count=len(products)), path, makers[kind])
        task.written.connect(lambda written: self._message(
            self.tr("{count} products exported to {path}").format(count=len(products), path=written),
            Qgis.MessageLevel.Success))
        task.write_failed.connect(lambda message: self._message(
            self.tr("The export failed: {reason}").format(reason=message), Qgis.MessageLevel.Critical))
        self._start_task(task)
        return task

    def saved_search(self) -> SavedSearch:
        """The panel's search as a SavedSearch (for "Save search")."""
        query = self.build_query()
        return SavedSearch(
            geometry_wkt=self.aoi.wkt(),
            collection=query.collection,
            start=self.start_edit.date().toString("yyyy-MM-dd"),
            end=self.end_edit.date().toString("yyyy-MM-dd"),
            last_days=self._date_preset,
            max_cloud=query.max_cloud,
            orbit_direction=query.orbit_direction or "",
            relative_orbit=query.relative_orbit,
            tile=query.tile or "",
            platform=self.platform_combo.currentData() or "",
            portals=self.checked_portals(),
        )

    def apply_saved_search(self, saved: SavedSearch) -> None:
        """Put a saved search's area and filters in the panel."""
        self.aoi.set_wkt(saved.geometry_wkt)
        if not self.set_collection(saved.collection):
            raise QueryError(self.tr("The collection {collection} is not offered by any portal shown.")
                             .format(collection=saved.collection))
        if saved.last_days:
            self.set_date_preset(int(saved.last_days))
        else:
            self.set_dates(date.fromisoformat(saved.start), date.fromisoformat(saved.end))
        self.cloud_slider.setValue(int(saved.max_cloud) if saved.max_cloud is not None else 100)
        self._select_data(self.orbit_direction_combo, saved.orbit_direction or "")
        self.relative_orbit_spin.setValue(int(saved.relative_orbit or 0))
        self.tile_edit.setText(saved.tile or "")
        self._select_data(self.platform_combo, saved.platform or "")
        if saved.portals:
            self.set_checked_portals(saved.portals)

    def save_preferences(self) -> None:
        """Remember the panel's values for the next session."""
        p = self.preferences
        p.collection = self.collection() or p.collection
        p.portals = ",".join(self.checked_portals())
        p.date_preset = self._date_preset
        p.start_date = self.start_edit.date().toString("yyyy-MM-dd")
        p.end_date = self.end_edit.date().toString("yyyy-MM-dd")
        p.max_cloud = self.cloud_slider.value()
        p.orbit_direction = self.orbit_direction_combo.currentData() or ""
        p.relative_orbit = self.relative_orbit_spin.value()
        p.tile = self.tile_edit.text().strip()
        p.platform = self.platform_combo.currentData() or ""
        p.advanced_open = not self.advanced_box.isCollapsed()
        p.aoi_wkt = self.aoi.wkt()
        prefs.save_search_preferences(p)
        if self._splitter_placed:
            prefs.set_splitter_state(bytes(self.splitter.saveState().toBase64()).decode("ascii"))

    def reload_portals(self) -> None:
        """Read the catalog and the portal settings again (after the portals dialog)."""
        checked = self.checked_portals()
        collection = self.collection()
        self.catalog = self._load_catalog()
        self.names = short_names(self.catalog)
        self.model.portal_names = dict(self.names)
        self._fill_collections()
        if not self.set_collection(collection) and self.collection_combo.count():
            self.collection_combo.setCurrentIndex(0)
        self._fill_portals(checked)

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
        except Exception:  # settings must never block unloading
            pass
        self._pending_timer.stop()
        self._incoming.clear()
        for task in list(self._tasks):
            self._disconnect_task(task)
            try:
                task.cancel()
            except RuntimeError:
                pass
        self._tasks.clear()
        self.task = None
        self.aoi.shutdown()
        if self.footprints is not None:
            self._detach_footprints()

    # ======================================================================================= search ====
    def _run(self, portals: List[Portal], query: SearchQuery, cursors: Optional[Dict[str, object]]) -> None:
        credentials = _search_credentials(portals)
        description = self.tr("EO Portals: searching {count} portals").format(count=len(portals))
        task = SearchTask(description, portals, query, settings=http_settings(), credentials=credentials,
                          budget=float(max(5, self.preferences.budget)), cursors=cursors)
        task.outcome_ready.connect(self._on_outcome)
        task.search_done.connect(self._on_search_done)
        task.search_failed.connect(self._on_search_failed)
        self.task = task
        for portal in portals:
            self._set_status(portal.id, None)
        self.status_list.setVisible(True)
        self._fit_status_list()
        if cursors is None:
            self._make_room_for_results()
        self._set_searching(True)
        self._start_task(task)
        self.search_started.emit()

    def _make_room_for_results(self) -> None:
        """Results are coming: the filters (which scroll) give up space to the table if they hold most of it."""
        sizes = self.splitter.sizes()
        total = sum(sizes)
        if total <= 0 or sizes[0] <= total * 0.4:
            return
        query = int(total * 0.35)
        quicklook = sizes[2]
        self.splitter.setSizes([query, max(120, total - query - quicklook), quicklook])

    def _start_task(self, task: QgsTask) -> None:
        self._tasks.add(task)
        task.taskCompleted.connect(lambda t=task: self._forget_task(t))
        task.taskTerminated.connect(lambda t=task: self._forget_task(t))
        QgsApplication.taskManager().addTask(task)

    def _forget_task(self, task: QgsTask) -> None:
        # Deferred: QGIS deletes the C++ task after these signals; drop our reference afterwards.
        QTimer.singleShot(0, lambda: self._tasks.discard(task))

    def _disconnect_task(self, task: QgsTask) -> None:
        for name in ("outcome_ready", "search_done", "search_failed", "loaded", "failed", "written", "write_failed"):
            signal = getattr(task, name, None)
            if signal is None:
                continue
            try:
                signal.disconnect()
            except (TypeError, RuntimeError):
                pass

    def _reset_results(self) -> None:
        self._incoming.clear()
        self._finished_result = None
        self._pending_timer.stop()
        self._reducer = None
        if self.footprints is not None:
            self._detach_footprints()
        self.model.clear()
        self._unreduced = None
        self.cursors = {}
        self.outcomes = {}
        self.status_list.clear()
        self._clear_quicklook()

    def _detach_footprints(self) -> None:
        footprints, self.footprints = self.footprints, None
        if footprints.layer is not None:
            try:
                footprints.layer.selectionChanged.disconnect(self._on_layer_selection)
            except (TypeError, RuntimeError):
                pass
        try:
            footprints.removed.disconnect(self._on_footprints_removed)
        except (TypeError, RuntimeError):
            pass
        footprints.detach()

    def _on_footprints_removed(self) -> None:
        self.footprints = None

    def _on_outcome(self, outcome: Outcome, products: List[Product]) -> None:
        if self._shut_down:
            return
        self.outcomes[outcome.portal] = outcome
        self._set_status(outcome.portal, outcome)
        self._remember_status(outcome)
        if not outcome.ok and outcome.error is not None and outcome.error.kind is not ErrorKind.CANCELLED:
            _log_failure(outcome)
        if products:
            self._incoming.extend(products)
            if not self._pending_timer.isActive():
                self._pending_timer.start()

    def _on_search_done(self, result: SearchResult) -> None:
        if self._shut_down:
            return
        self.task = None
        self._set_searching(False)
        for portal_id, cursor in result.cursors.items():
            self.cursors[portal_id] = cursor
        failed = [o for o in result.outcomes.values()
                  if not o.ok and o.error is not None and o.error.kind is not ErrorKind.CANCELLED]
        if failed:
            lines = "; ".join(self.outcome_text(o) for o in failed)
            self._message(self.tr("Some portals failed: {lines}").format(lines=lines), Qgis.MessageLevel.Warning)
        if self.model.rowCount() == 0 and not self._incoming and not failed:
            self._message(self.tr("No product matches this search."), Qgis.MessageLevel.Info)
        self._update_result_actions()
        if self._incoming:
            self._finished_result = result  # emitted once the last rows are in
        else:
            self.search_finished.emit(result)

    def _on_search_failed(self, message: str) -> None:
        if self._shut_down:
            return
        self.task = None
        self._set_searching(False)
        self._update_result_actions()
        self._message(self.tr("The search stopped: {reason}").format(reason=message), Qgis.MessageLevel.Critical)

    def _set_searching(self, searching: bool) -> None:
        try:
            self.search_button.clicked.disconnect()
        except TypeError:
            pass
        if searching:
            self.search_button.setText(self.tr("Cancel"))
            self.search_button.setIcon(_icon("/mTaskCancel.svg"))
            self.search_button.setToolTip(self.tr("Stop the search; the products found so far stay"))
            self.search_button.clicked.connect(self.cancel_search)
        else:
            self.search_button.setText(self.tr("Search"))
            self.search_button.setIcon(_icon("/search.svg"))
            self.search_button.setToolTip(self.tr("Search the checked portals (runs in the background)"))
            self.search_button.clicked.connect(self._search_clicked)
        self.load_more_button.setEnabled(not searching and any(self.cursors.values()))

    def _search_clicked(self) -> None:
        self.start_search()

    # ---- per-portal status ----------------------------------------------------------------------------
    def outcome_text(self, outcome: Outcome) -> str:
        """What the panel says about one portal's outcome, e.g. "Earth Search: 37 products"."""
        name = self.names.get(outcome.portal, outcome.title)
        if outcome.ok:
            if outcome.total is not None and outcome.total > outcome.count:
                return self.tr("{name}: {count} of {total} products").format(
                    name=name, count=outcome.count, total=outcome.total)
            if outcome.count == 1:
                return self.tr("{name}: 1 product").format(name=name)
            return self.tr("{name}: {count} products").format(name=name, count=outcome.count)
        return error_text(outcome.error, name)  # worded from its kind, code and details (ui/messages.py)

    def status_lines(self) -> List[str]:
        """The per-portal lines shown above the results."""
        return [self.status_list.item(row).text() for row in range(self.status_list.count())]

    def _set_status(self, portal_id: str, outcome: Optional[Outcome]) -> None:
        item = None
        for row in range(self.status_list.count()):
            if self.status_list.item(row).data(Qt.ItemDataRole.UserRole) == portal_id:
                item = self.status_list.item(row)
                break
        if item is None:
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, portal_id)
            self.status_list.addItem(item)
        name = self.names.get(portal_id, portal_id)
        if outcome is None:
            item.setText(self.tr("{name}: searching…").format(name=name))
            item.setIcon(_icon("/mTaskRunning.svg"))
            item.setToolTip("")
        else:
            item.setText(self.outcome_text(outcome))
            if outcome.ok:
                item.setIcon(_icon("/mIconSuccess.svg"))
            elif outcome.error.kind in (ErrorKind.CANCELLED, ErrorKind.AUTH, ErrorKind.THROTTLED):
                item.setIcon(_icon("/mIconWarning.svg"))
            else:
                item.setIcon(_icon("/mIconCritical.svg"))
            tip = self.tr("{seconds:.1f} s, {pages} page(s)").format(seconds=outcome.elapsed, pages=outcome.pages)
            if outcome.error is not None and outcome.error.detail:
                tip = outcome.error.detail + "\n" + tip  # the portal's own words
            item.setToolTip(item.text() + "\n" + tip)
        self._fit_status_list()

    def _fit_status_list(self) -> None:
        rows = self.status_list.count()
        row_height = max(self.status_list.sizeHintForRow(0), self.status_list.fontMetrics().height() + 4)
        self.status_list.setFixedHeight(min(rows, 8) * row_height + 2 * self.status_list.frameWidth())

    def _remember_status(self, outcome: Outcome) -> None:
        if outcome.error is not None and outcome.error.kind is ErrorKind.CANCELLED:
            return
        if outcome.ok:
            status = prefs.STATUS_OK
        elif outcome.error.kind is ErrorKind.AUTH:
            status = prefs.STATUS_AUTH
        else:
            status = prefs.STATUS_FAILED
        prefs.set_portal_status(outcome.portal, status, self.outcome_text(outcome))
        self._update_portal_item(outcome.portal)

    # ---- portals list ---------------------------------------------------------------------------------
    def _fill_portals(self, checked: Optional[List[str]] = None) -> None:
        self.portal_list.clear()
        collection = self.collection()
        for portal in self.catalog.portals.values():
            if not self._portal_shown(portal):
                continue
            item = QListWidgetItem(self.names.get(portal.id, portal.title))
            item.setData(Qt.ItemDataRole.UserRole, portal.id)
            item.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
            wanted = portal.id in checked if checked else portal.supports(collection)
            item.setCheckState(Qt.CheckState.Checked if wanted else Qt.CheckState.Unchecked)
            self.portal_list.addItem(item)
            self._update_portal_item(portal.id)
        self._update_portal_availability()

    def _portal_item(self, portal_id: str) -> Optional[QListWidgetItem]:
        for row in range(self.portal_list.count()):
            item = self.portal_list.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == portal_id:
                return item
        return None

    def portal_status_text(self, portal_id: str) -> str:
        """The status of a portal as its dot says it (reachable, needs an account, failed last time)."""
        status, message = prefs.portal_status(portal_id)
        portal = self.catalog.portals.get(portal_id)
        if status == prefs.STATUS_OK:
            return self.tr("Reachable (last search: {message})").format(message=message)
        if status == prefs.STATUS_AUTH:
            return self.tr("Needs an account: {message}").format(message=message)
        if status == prefs.STATUS_FAILED:
            return self.tr("Failed last time: {message}").format(message=message)
        if portal is not None and portal.auth == "basic" and not prefs.portal_authcfg(portal_id):
            return self.tr("Needs an account (set one with Portals…)")
        return self.tr("Not searched yet")

    def _status_key(self, portal_id: str) -> str:
        status, _message = prefs.portal_status(portal_id)
        portal = self.catalog.portals.get(portal_id)
        if not status and portal is not None and portal.auth == "basic" and not prefs.portal_authcfg(portal_id):
            return prefs.STATUS_AUTH
        return status

    def _update_portal_item(self, portal_id: str) -> None:
        item = self._portal_item(portal_id)
        portal = self.catalog.portals.get(portal_id)
        if item is None or portal is None:
            return
        item.setIcon(_dot(STATUS_COLORS.get(self._status_key(portal_id), STATUS_COLORS[""])))
        tip = [portal.description or portal.title, self.portal_status_text(portal_id)]
        if not portal.supports(self.collection()):
            tip.append(self.tr("Does not offer this collection."))
        item.setToolTip("\n".join(tip))

    def _update_portal_availability(self) -> None:
        collection = self.collection()
        for row in range(self.portal_list.count()):
            item = self.portal_list.item(row)
            portal = self.catalog.portals.get(item.data(Qt.ItemDataRole.UserRole))
            supported = portal is not None and portal.supports(collection)
            flags = Qt.ItemFlag.ItemIsUserCheckable
            if supported:
                flags |= Qt.ItemFlag.ItemIsEnabled
            item.setFlags(flags)
            self._update_portal_item(item.data(Qt.ItemDataRole.UserRole))
        rows = self.portal_list.count()
        if rows:
            self.portal_list.setFixedHeight(rows * self.portal_list.sizeHintForRow(0) + 2 * self.portal_list.frameWidth() + 2)

    # ---- filters --------------------------------------------------------------------------------------
    def _is_optical(self, collection_id: str) -> bool:
        collection = self.catalog.collections.get(collection_id)
        return bool(collection and collection.optical)

    def _available_filters(self, collection_id: str) -> Set[str]:
        collection = self.catalog.collections.get(collection_id)  # its traits: plugin/core/catalog.json
        return set(collection.filters if collection else ())

    def _on_collection_changed(self) -> None:
        collection = self.collection()
        self._apply_filter_visibility()
        current_platform = self.platform_combo.currentData() or ""
        self.platform_combo.clear()
        self.platform_combo.addItem(self.tr("Any"), "")
        traits = self.catalog.collections.get(collection)
        for platform in traits.platforms if traits else ():
            self.platform_combo.addItem(platform, platform)
        self._select_data(self.platform_combo, current_platform)
        self._update_portal_availability()

    def _apply_filter_visibility(self, *_args) -> None:
        """Show the filters the collection supports (again after a group box expands: it shows its children)."""
        collection = self.collection()
        optical = self._is_optical(collection)
        if not self.filters_box.isCollapsed():
            for widget in (self.cloud_label, self.cloud_slider, self.cloud_value):
                widget.setVisible(optical)
        filters = self._available_filters(collection)
        if not self.advanced_box.isCollapsed():
            for name, widgets in (
                ("orbit_direction", (self.orbit_direction_label, self.orbit_direction_combo)),
                ("relative_orbit", (self.relative_orbit_label, self.relative_orbit_spin)),
                ("tile", (self.tile_label, self.tile_edit)),
                ("platform", (self.platform_label, self.platform_combo)),
            ):
                for widget in widgets:
                    widget.setVisible(name in filters)
        self.advanced_box.setVisible(bool(filters))

    def _select_data(self, combo: QComboBox, value: str) -> None:
        index = combo.findData(value)
        combo.setCurrentIndex(index if index >= 0 else 0)

    def _update_cloud_label(self, value: int) -> None:
        self.cloud_value.setText(self.tr("any") if value >= 100 else self.tr("≤ {value} %").format(value=value))

    def _on_dates_edited(self) -> None:
        if not self._setting_dates:
            self._set_preset(0)

    def _set_preset(self, days: int) -> None:
        self._date_preset = days
        for preset, button in self.preset_buttons.items():
            button.setChecked(preset == days)

    def _restore_preferences(self) -> None:
        p = self.preferences
        if not self.set_collection(p.collection) and self.collection_combo.count():
            self.collection_combo.setCurrentIndex(0)
        self._on_collection_changed()
        self._fill_portals(p.portal_ids)
        if p.date_preset:
            self.set_date_preset(p.date_preset)
        else:
            try:
                self.set_dates(date.fromisoformat(p.start_date), date.fromisoformat(p.end_date))
            except ValueError:
                self.set_date_preset(30)
        self.cloud_slider.setValue(max(0, min(100, p.max_cloud)))
        self._update_cloud_label(self.cloud_slider.value())
        self._select_data(self.orbit_direction_combo, p.orbit_direction)
        self.relative_orbit_spin.setValue(max(0, min(233, p.relative_orbit)))
        self.tile_edit.setText(p.tile)
        self._select_data(self.platform_combo, p.platform)
        self.advanced_box.setCollapsed(not p.advanced_open)
        if p.aoi_wkt:
            self.aoi.set_wkt(p.aoi_wkt)

    # ---- area of interest -----------------------------------------------------------------------------
    def _draw_rectangle(self) -> None:
        self.polygon_button.setChecked(False)
        self.rectangle_button.setChecked(True)
        self.aoi.start_rectangle()

    def _draw_polygon(self) -> None:
        self.rectangle_button.setChecked(False)
        self.polygon_button.setChecked(True)
        self.aoi.start_polygon()

    def _drawing_finished(self) -> None:
        self.rectangle_button.setChecked(False)
        self.polygon_button.setChecked(False)

    def _use_selection(self) -> None:
        active = self.iface.activeLayer() if hasattr(self.iface, "activeLayer") else None
        if isinstance(active, QgsVectorLayer) and active.selectedFeatureCount() > 0:
            self.aoi.use_selected_features([active])
        else:
            self.aoi.use_selected_features()

    def _on_aoi_changed(self) -> None:
        self._update_aoi_label()
        self.preferences.aoi_wkt = self.aoi.wkt()
        prefs.set_last_aoi(self.preferences.aoi_wkt)

    def _update_aoi_label(self) -> None:
        geometry = self.aoi.geometry()
        self.clear_aoi_button.setEnabled(geometry is not None)
        if geometry is None:
            self.aoi_label.setText(self.tr("No area yet: draw one on the map, or use the map extent or the selected "
                                           "features."))
            return
        box = geometry.boundingBox()
        area_km2 = self._area_km2(geometry)
        self.aoi_label.setText(self.tr("Area of {area} km², from {west:.3f}, {south:.3f} to {east:.3f}, {north:.3f} "
                                       "(lon, lat)").format(area=self._format_area(area_km2), west=box.xMinimum(),
                                                            south=box.yMinimum(), east=box.xMaximum(),
                                                            north=box.yMaximum()))

    def _area_km2(self, geometry: QgsGeometry) -> float:
        from qgis.core import QgsDistanceArea

        measure = QgsDistanceArea()
        measure.setSourceCrs(WGS84, self.project.transformContext())
        measure.setEllipsoid("EPSG:7030")
        return measure.measureArea(geometry) / 1e6

    @staticmethod
    def _format_area(value: float) -> str:
        if value >= 100:
            return f"{value:,.0f}".replace(",", " ")
        return f"{value:.1f}" if value >= 1 else f"{value:.3f}"

    # ---- results --------------------------------------------------------------------------------------
    def _on_filter_text(self, text: str) -> None:
        self.proxy.set_filter_text(text)
        self._update_count()

    def _update_count(self) -> None:
        total = self.model.rowCount()
        shown = self.proxy.rowCount()
        if total == 0:
            self.count_label.setText("" if self.task is None else self.tr("Searching…"))
        elif shown == total:
            self.count_label.setText(self.tr("1 product") if total == 1 else
                                     self.tr("{count} products").format(count=total))
        else:
            self.count_label.setText(self.tr("{shown} of {count} products shown").format(shown=shown, count=total))

    def _update_result_actions(self) -> None:
        has_rows = self.model.rowCount() > 0
        self.export_button.setEnabled(has_rows)
        self.reduce_button.setEnabled(has_rows or self._unreduced is not None)
        self.all_results_action.setEnabled(self._unreduced is not None)
        self.load_more_button.setVisible(any(self.cursors.values()))
        self.load_more_button.setEnabled(self.task is None and any(self.cursors.values()))
        self.download_button.setEnabled(bool(self.table.selectionModel().selectedRows()))
        self._update_count()

    def _add_pending(self) -> None:
        """Turn received products into rows and footprints, one batch per event-loop turn, each batch sized
        to take about BATCH_SECONDS: a page of thousands of products never freezes the map or the panel."""
        if self._incoming:
            count = min(self._batch, len(self._incoming))
            batch = [self._incoming.popleft() for _ in range(count)]
            started = time.perf_counter()
            self._add_batch(batch)
            per_product = (time.perf_counter() - started) / count
            # sized from the last batch: the cost per row grows with the rows (sorted inserts in the proxy)
            self._batch = max(10, min(BATCH_MAX, int(BATCH_SECONDS / max(per_product, 1e-6))))
            now = time.monotonic()
            if now - self._last_repaint > REPAINT_SECONDS:
                self._last_repaint = now
                self._repaint_footprints()
        if self._incoming:
            return
        self._pending_timer.stop()
        self._repaint_footprints()
        if self._reducer is not None and self._unreduced is not None:
            self.apply_reducer(self._reducer)
        self._sync_layer_selection_from_table()
        self._update_result_actions()
        if self._finished_result is not None:
            result, self._finished_result = self._finished_result, None
            self.search_finished.emit(result)

    def _repaint_footprints(self) -> None:
        if self.footprints is not None and self.footprints.layer is not None:
            self.footprints.layer.updateExtents()
            self.footprints.layer.triggerRepaint()

    def _add_batch(self, batch: List[Product]) -> None:
        if self._reducer is not None and self._unreduced is not None:
            # a reducer is on: collect, it is applied again once everything is in
            known = {p.identity: i for i, p in enumerate(self._unreduced)}
            for product in merge_products(batch, portal_order=self.model.portal_order or None):
                index = known.get(product.identity)
                if index is None:
                    known[product.identity] = len(self._unreduced)
                    self._unreduced.append(product)
                else:
                    self._unreduced[index] = merge_products(
                        [self._unreduced[index], product], portal_order=self.model.portal_order or None)[0]
            return
        touched = self.model.add_products(batch)
        if self.footprints is not None and self.footprints.alive:
            self.footprints.add_or_update(touched, repaint=False)

    def pending_footprints(self) -> int:
        """Products received but not yet in the table and on the map (they are added in batches)."""
        return len(self._incoming)

    # ---- selection sync -------------------------------------------------------------------------------
    def _on_table_selection(self, *_args) -> None:
        self.download_button.setEnabled(bool(self.table.selectionModel().selectedRows()))
        if self._syncing:
            return
        self._sync_layer_selection_from_table()
        rows = self.table.selectionModel().selectedRows()
        if len(rows) == 1:
            self.show_quicklook(rows[0].data(PRODUCT_ROLE))

    def _sync_layer_selection_from_table(self) -> None:
        if self.footprints is None or not self.footprints.alive:
            return
        identities = [index.data(IDENTITY_ROLE) for index in self.table.selectionModel().selectedRows()]
        self._syncing = True
        try:
            self.footprints.select(identities)
        finally:
            self._syncing = False

    def _on_layer_selection(self, *_args) -> None:
        if self._syncing or self.footprints is None or self.footprints.layer is None:
            return
        identities = self.footprints.identities(self.footprints.layer.selectedFeatureIds())
        selection = QItemSelection()
        last = self.proxy.columnCount() - 1
        first_index = None
        for identity in identities:
            row = self.model.row_of(identity)
            if row < 0:
                continue
            index = self.proxy.mapFromSource(self.model.index(row, 0))
            if not index.isValid():
                continue  # hidden by the text filter
            selection.select(index, index.siblingAtColumn(last))
            if first_index is None or index.row() < first_index.row():
                first_index = index
        self._syncing = True
        try:
            flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
            self.table.selectionModel().select(selection, flags)
            if first_index is not None:
                self.table.selectionModel().setCurrentIndex(first_index, QItemSelectionModel.SelectionFlag.NoUpdate)
                self.table.scrollTo(first_index)
        finally:
            self._syncing = False
        self.download_button.setEnabled(bool(identities))
        if len(identities) == 1 and first_index is not None:
            self.show_quicklook(first_index.data(PRODUCT_ROLE))

    def select_products(self, identities: List[str]) -> None:
        """Select these products' rows (and so their footprints)."""
        selection = QItemSelection()
        last = self.proxy.columnCount() - 1
        for identity in identities:
            row = self.model.row_of(identity)
            if row >= 0:
                index = self.proxy.mapFromSource(self.model.index(row, 0))
                if index.isValid():
                    selection.select(index, index.siblingAtColumn(last))
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        self.table.selectionModel().select(selection, flags)

    def _on_double_click(self, index: QModelIndex) -> None:
        product = index.data(PRODUCT_ROLE)
        if product is not None:
            self.zoom_to(product)

    def zoom_to(self, product: Product) -> bool:
        """Zoom the map to a product's footprint and flash it."""
        if product.footprint is None or product.footprint.is_empty:
            return False
        geometry = QgsGeometry()
        geometry.fromWkb(product.footprint.wkb)
        destination = self.canvas.mapSettings().destinationCrs()
        box = geometry.boundingBox()
        try:
            if destination.isValid() and destination != WGS84:
                transform = QgsCoordinateTransform(WGS84, destination, self.project.transformContext())
                box = transform.transformBoundingBox(box)
        except QgsCsException:
            self._message(self.tr("This footprint cannot be shown in the map's CRS."), Qgis.MessageLevel.Warning)
            return False
        box.scale(1.15)
        self.canvas.setExtent(box)
        self.canvas.refresh()
        self.canvas.flashGeometries([geometry], WGS84)
        return True

    def _table_menu(self, position) -> None:
        index = self.table.indexAt(position)
        if not index.isValid():
            return
        product = index.data(PRODUCT_ROLE)
        menu = QMenu(self.table)
        download = menu.addAction(QIcon(":/images/themes/default/downloading_svg.svg"), self.tr("Download"))
        download.triggered.connect(self._download_clicked)
        zoom = menu.addAction(_icon("/mActionZoomTo.svg"), self.tr("Zoom to footprint"))
        zoom.triggered.connect(lambda: self.zoom_to(product))
        zoom.setEnabled(product is not None and product.footprint is not None)
        copy = menu.addAction(self.tr("Copy product name"))
        copy.triggered.connect(lambda: QApplication.clipboard().setText(product.title))
        menu.exec(self.table.viewport().mapToGlobal(position))

    def _download_clicked(self) -> None:
        products = self.selected_products()
        if products:
            self.download_requested.emit(products)

    # ---- quicklooks -----------------------------------------------------------------------------------
    def quicklook_url(self, product: Product) -> str:
        """The first quicklook link of a product that can be fetched over HTTP ('' when none)."""
        candidates = [product.quicklook] + [source.quicklook for source in product.sources]
        return next((url for url in candidates if usable_url(url)), "")

    def show_quicklook(self, product: Optional[Product]) -> None:
        """Show a product's quicklook in the panel (fetched in a task, cached on disk)."""
        self._quicklook_product = product
        self._quicklook_vrt = ""
        self.show_on_map_button.setEnabled(False)
        if product is None:
            self._clear_quicklook()
            return
        self.quicklook_title.setText(product.title)
        url = self.quicklook_url(product)
        self._quicklook_url = url
        if not url:
            self.quicklook_view.show_message(self.tr("No quicklook for this product."))
            return
        self.quicklook_view.show_message(self.tr("Loading the quicklook…"))
        source = next((s for s in product.sources if s.quicklook == url), product.sources[0] if product.sources else None)
        portal = self.catalog.portals.get(source.portal) if source else None
        headers = _quicklook_headers(portal)
        bounds = tuple(product.footprint.bounds) if product.footprint is not None and not product.footprint.is_empty else None
        task = QuicklookTask(url, self.cache, settings=http_settings(), headers=headers, bounds=bounds,
                             portal_title=self.names.get(portal.id, portal.title) if portal else "")
        task.loaded.connect(self._on_quicklook_loaded)
        task.failed.connect(self._on_quicklook_failed)
        self._start_task(task)

    def _on_quicklook_loaded(self, url: str, image: QImage, vrt: str) -> None:
        if self._shut_down or url != self._quicklook_url:
            return  # the user moved on to another product meanwhile
        self.quicklook_view.show_image(image)
        self._quicklook_vrt = vrt
        self.show_on_map_button.setEnabled(bool(vrt))
        self.quicklook_shown.emit(url)

    def _on_quicklook_failed(self, url: str, message: str) -> None:
        if self._shut_down or url != self._quicklook_url:
            return
        self.quicklook_view.show_message(self.tr("No quicklook: {reason}").format(reason=message))

    def _clear_quicklook(self) -> None:
        self._quicklook_url = ""
        self._quicklook_vrt = ""
        self._quicklook_product = None
        self.quicklook_title.setText("")
        self.show_on_map_button.setEnabled(False)
        self.quicklook_view.show_message(self.tr("Select a product to see its quicklook."))

    def show_quicklook_on_map(self) -> Optional[QgsRasterLayer]:
        """Add the quicklook shown as a layer placed over the product's footprint."""
        if not self._quicklook_vrt or self._quicklook_product is None:
            return None
        name = self.tr("Quicklook {title}").format(title=self._quicklook_product.title)
        layer = QgsRasterLayer(self._quicklook_vrt, name, "gdal")
        if not layer.isValid():
            self._message(self.tr("The quicklook could not be placed on the map."), Qgis.MessageLevel.Warning)
            return None
        group_position = 1 if self.footprints is not None and self.footprints.alive else 0
        add_to_group(self.project, layer, group_position)
        return layer

    # ---- saved searches and exports -------------------------------------------------------------------
    def _save_search_clicked(self) -> None:
        try:
            saved = self.saved_search()
        except EOPortalsError as exc:
            self._message(self.tr(str(exc)), Qgis.MessageLevel.Warning)
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
        self._start_task(task)

    def _open_search_clicked(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, self.tr("Open a saved search"), str(Path.home()),
                                                    self.tr("EO Portals search (*.json)"))
        if path:
            self.open_saved_search(path, run=True)

    def open_saved_search(self, path: str, run: bool = True) -> bool:
        """Put a saved search file in the panel and, with `run`, search again."""
        try:
            text = Path(path).read_text(encoding="utf-8")  # a few hundred bytes the user just picked
            saved = SavedSearch.from_json(text)
            self.apply_saved_search(saved)
        except (OSError, EOPortalsError, ValueError) as exc:
            self._message(self.tr("This saved search cannot be used: {reason}").format(reason=self.tr(str(exc))),
                          Qgis.MessageLevel.Warning)
            return False
        return self.start_search() if run else True

    def _export_clicked(self, kind: str) -> None:
        suffix = {"geojson": "geojson", "csv": "csv", "stac": "json"}[kind]
        filters = {"geojson": self.tr("GeoJSON (*.geojson)"), "csv": self.tr("CSV (*.csv)"),
                   "stac": self.tr("STAC ItemCollection (*.json)")}
        path, _filter = QFileDialog.getSaveFileName(self, self.tr("Export results"),
                                                    str(Path.home() / f"eo_portals_results.{suffix}"), filters[kind])
        if path:
            self.export(kind, path)

    # ---- misc -----------------------------------------------------------------------------------------
    def _message(self, text: str, level: Qgis.MessageLevel = Qgis.MessageLevel.Info, duration: int = 8) -> None:
        """A message bar entry in plain words."""
        if level == Qgis.MessageLevel.Critical:
            duration = 0
        self.iface.messageBar().pushMessage(self.tr("EO Portals"), text, level=level, duration=duration)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        """The first time the panel shows: the splitter as the user left it, else the filters in full."""
        super().showEvent(event)
        if self._splitter_placed:
            return
        self._splitter_placed = True
        state = prefs.splitter_state()
        if state and self.splitter.restoreState(QByteArray.fromBase64(state.encode("ascii"))):
            return
        total = max(self.splitter.height(), 300)
        quicklook = max(120, total // 6)
        # A scroll area's own size hint is capped by Qt: ask its content, plus the Search button row below it.
        top_layout = self.splitter.widget(0).layout()
        wanted = self.query_scroll.widget().sizeHint().height() + top_layout.spacing() + 8
        for index in range(1, top_layout.count()):
            wanted += top_layout.itemAt(index).sizeHint().height()
        query = min(wanted, int(total * 0.6))
        self.splitter.setSizes([query, max(120, total - query - quicklook), quicklook])

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        """Remember the values when the panel is closed."""
        if not self._shut_down:
            self.save_preferences()
        super().closeEvent(event)
