"""The products found: the table (with its text filter and reducers), their footprints layer, exports, and the
Download button.

Products arrive in pages of up to thousands: `add()` queues them and a timer turns them into rows and footprints
in batches sized to take about BATCH_SECONDS each, so that the map and the panel never freeze.
"""
from __future__ import annotations

import time
from collections import deque
from pathlib import Path
from typing import Callable, Deque, Dict, List, Optional

from qgis.core import Qgis, QgsProject, QgsTask
from qgis.PyQt.QtCore import QEvent, QItemSelection, QItemSelectionModel, Qt, QTimer, pyqtSignal
from qgis.PyQt.QtGui import QIcon
from qgis.PyQt.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from .. import settings as prefs
from ..core.export import dumps, to_csv, to_geojson, to_stac_item_collection
from ..core.product import Product, merge_products
from ..core.reducers import Reducer, reduce_products
from ..tasks import TaskKeeper, WriteFileTask
from .common import icon, menu_button
from .footprints_layer import FootprintsLayer, remove_empty_group
from .results_model import IDENTITY_ROLE, PRODUCT_ROLE, Column, ResultsFilterProxy, ResultsModel

BATCH_SECONDS = 0.010  # main-thread time spent adding rows and footprints per event-loop turn
REPAINT_SECONDS = 0.3  # the footprints layer is redrawn at most this often while rows arrive
BATCH_FIRST = 50  # products in the first batch; later batches are sized from the time the last one took
BATCH_MAX = 2000
MAP_DELAY_MS = 150  # the footprints follow the text filter this long after the last key
DOWNLOAD_ICON = ":/images/themes/default/downloading_svg.svg"
# Hidden until the user shows them (right click on the header): at the default dock width (350 px) the date,
# cloud, tile and portals columns fit, and the product's name follows.
HIDDEN_BY_DEFAULT = f"{Column.PLATFORM},{Column.ORBIT},{Column.SIZE}"


class ResultsView(QWidget):
    """The results table and the footprints layer that goes with it.

    In: `new_layer(name)`, `add(products)`, `clear()`, `apply_reducer()`, `select_products()`, `export()`,
    `set_searching()`, `keep_layer()`. Out: `download_requested(products)`, `zoom_requested(product)`,
    `selection_changed()` (the user changed the rows selected), `layer_changed(footprints)`, `drained()` (every
    product received is in), `shown_changed()` (the text filter or a reducer changed the products shown),
    `message(text, level)`; `products()`, `visible_products()`, `is_shown(identity)`, `selected_products()`,
    `selected_identities()`.

    The map shows the footprints of the rows shown: the text filter and the reducers apply to both.
    """

    download_requested = pyqtSignal(list)
    zoom_requested = pyqtSignal(object)  # Product
    selection_changed = pyqtSignal()
    layer_changed = pyqtSignal(object)  # FootprintsLayer, or None
    drained = pyqtSignal()
    shown_changed = pyqtSignal()
    message = pyqtSignal(str, object)  # text, Qgis.MessageLevel

    def __init__(self, names: Dict[str, str], tasks: TaskKeeper, project: QgsProject,
                 parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.tasks = tasks
        self.project = project
        self.model = ResultsModel(names, self)
        self.proxy = ResultsFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.footprints: Optional[FootprintsLayer] = None
        self._kept = False  # the user keeps the footprints layer: the next search leaves it in the project
        self._searching = False
        self._map_timer = QTimer(self)  # the map follows the rows shown, once the user pauses typing
        self._map_timer.setSingleShot(True)
        self._map_timer.setInterval(MAP_DELAY_MS)
        self._map_timer.timeout.connect(self._show_rows_on_map)
        self._incoming: Deque[Product] = deque()
        self._batch = BATCH_FIRST
        self._last_repaint = 0.0
        self._pending_timer = QTimer(self)
        self._pending_timer.setInterval(0)
        self._pending_timer.timeout.connect(self._add_pending)
        self._unreduced: Optional[List[Product]] = None
        self._reducer: Optional[Reducer] = None
        self._build()
        self._connect()
        self._update_actions()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        tools = QHBoxLayout()
        tools.setSpacing(2)
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText(self.tr("Filter results…"))
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setToolTip(self.tr("Show only the rows holding every word typed (in any column)"))
        tools.addWidget(self.filter_edit, 1)
        self.reduce_button = menu_button("/mActionFilter2.svg", self.tr("Reduce"), self.tr("Keep one product per tile"))
        reduce_menu = self.reduce_button.menu()
        self.least_cloudy_action = reduce_menu.addAction(self.tr("Least cloudy per tile"))
        self.newest_action = reduce_menu.addAction(self.tr("Newest per tile"))
        reduce_menu.addSeparator()
        self.all_results_action = reduce_menu.addAction(self.tr("All results"))
        tools.addWidget(self.reduce_button)
        self.export_button = menu_button("/mActionFileSaveAs.svg", self.tr("Export"), self.tr("Export the rows shown"))
        export_menu = self.export_button.menu()
        self.export_geojson_action = export_menu.addAction(self.tr("GeoJSON…"))
        self.export_csv_action = export_menu.addAction(self.tr("CSV…"))
        self.export_stac_action = export_menu.addAction(self.tr("STAC ItemCollection…"))
        export_menu.addSeparator()
        self.keep_layer_action = export_menu.addAction(self.tr("Keep the footprints layer"))
        self.keep_layer_action.setToolTip(self.tr("Leave this search's footprints layer in the project under a name "
                                                  "of its own; the next search makes a new one"))
        tools.addWidget(self.export_button)
        layout.addLayout(tools)

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
        self._size_columns()
        for column in prefs.hidden_columns(HIDDEN_BY_DEFAULT):
            if 0 <= column < Column.COUNT:
                self.table.setColumnHidden(column, True)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.setToolTip(self.tr("Right click to choose the columns"))
        layout.addWidget(self.table, 1)

        self._bottom = QHBoxLayout()
        self.count_label = QLabel()
        self.count_label.setObjectName("countLabel")
        self.count_label.setWordWrap(True)
        self._bottom.addWidget(self.count_label, 1)
        self.download_button = QPushButton(QIcon(DOWNLOAD_ICON), self.tr("Download"))
        self.download_button.setToolTip(self.tr("Download the selected products"))
        self._bottom.addWidget(self.download_button)
        layout.addLayout(self._bottom)

    def _connect(self) -> None:
        self.filter_edit.textChanged.connect(self._on_filter_text)
        self.least_cloudy_action.triggered.connect(lambda: self.apply_reducer(Reducer.LEAST_CLOUDY_PER_TILE))
        self.newest_action.triggered.connect(lambda: self.apply_reducer(Reducer.NEWEST_PER_TILE))
        self.all_results_action.triggered.connect(lambda: self.apply_reducer(None))
        self.export_geojson_action.triggered.connect(lambda: self._export_clicked("geojson"))
        self.export_csv_action.triggered.connect(lambda: self._export_clicked("csv"))
        self.export_stac_action.triggered.connect(lambda: self._export_clicked("stac"))
        self.keep_layer_action.triggered.connect(self.keep_layer)
        self.table.selectionModel().selectionChanged.connect(self._on_selection)
        self.table.doubleClicked.connect(lambda index: self._zoom(index.data(PRODUCT_ROLE)))
        self.table.customContextMenuRequested.connect(self._table_menu)
        self.table.horizontalHeader().customContextMenuRequested.connect(
            lambda position: self.column_menu().exec(self.table.horizontalHeader().mapToGlobal(position)))
        self.download_button.clicked.connect(self._download_clicked)
        self.model.rowsInserted.connect(self._update_actions)
        self.model.modelReset.connect(self._update_actions)
        for signal in (self.proxy.rowsInserted, self.proxy.rowsRemoved, self.proxy.modelReset,
                       self.proxy.layoutChanged):
            signal.connect(self._update_count)
            signal.connect(self._rows_shown_changed)

    def _size_columns(self) -> None:
        """Columns as wide as their usual content in the table's font."""
        header = self.table.horizontalHeader()
        metrics = self.table.fontMetrics()
        widths = {Column.DATE: "2024-01-01 00:00", Column.CLOUD: "100 %", Column.PLATFORM: "Sentinel-2A",
                  Column.TILE: "31TCJ", Column.ORBIT: "175 D", Column.SIZE: "999 MB", Column.PORTALS: "Earth Search"}
        for column, sample in widths.items():
            header.resizeSection(column, metrics.horizontalAdvance(sample) + 18)

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._size_columns()  # QGIS's font size changed (Settings > Options > General)

    def add_action(self, widget: QWidget) -> None:
        """Put a button of another part ("Load more") beside Download."""
        self._bottom.insertWidget(self._bottom.indexOf(self.download_button), widget)

    # ---- public API -------------------------------------------------------------------------------
    def products(self) -> List[Product]:
        """Every product listed (before the text filter)."""
        return self.model.products

    def is_shown(self, identity: str) -> bool:
        """Whether a product has a row shown (listed, and not hidden by the text filter)."""
        row = self.model.row_of(identity)
        return row >= 0 and self.proxy.mapFromSource(self.model.index(row, 0)).isValid()

    def visible_products(self) -> List[Product]:
        """The products of the rows shown (after the text filter), in table order."""
        return [self.proxy.index(row, 0).data(PRODUCT_ROLE) for row in range(self.proxy.rowCount())]

    def selected_products(self) -> List[Product]:
        """The products of the selected rows, in table order."""
        rows = sorted(self.table.selectionModel().selectedRows(), key=lambda index: index.row())
        return [index.data(PRODUCT_ROLE) for index in rows if index.data(PRODUCT_ROLE) is not None]

    def selected_identities(self) -> List[str]:
        """Identities of the products of the selected rows."""
        return [index.data(IDENTITY_ROLE) for index in self.table.selectionModel().selectedRows()]

    def select_products(self, identities: List[str], scroll: bool = False) -> Optional[Product]:
        """Select these products' rows (those the text filter shows); with `scroll`, bring the first in sight and
        make it current. Returns the product of the first row selected."""
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
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        self.table.selectionModel().select(selection, flags)
        if scroll and first_index is not None:
            self.table.selectionModel().setCurrentIndex(first_index, QItemSelectionModel.SelectionFlag.NoUpdate)
            self.table.scrollTo(first_index)
        return first_index.data(PRODUCT_ROLE) if first_index is not None else None

    def new_layer(self, name: str) -> FootprintsLayer:
        """A new footprints layer for the next search's products, in place of the last one (unless kept)."""
        if self.footprints is not None:
            self._drop_footprints()
        self._kept = False
        self.footprints = FootprintsLayer(name, self.project, self)
        self.footprints.removed.connect(self._on_footprints_removed)
        self.layer_changed.emit(self.footprints)
        return self.footprints

    def add(self, products: List[Product]) -> None:
        """Queue products for the table and the map (added in batches)."""
        self._incoming.extend(products)
        if not self._pending_timer.isActive():
            self._pending_timer.start()

    def refresh_product(self, product: Product) -> None:
        """A row's shown version changed (the version chooser): its cells and its footprint follow."""
        current = self.model.product(self.model.row_of(product.identity))
        if current is not None and current is not product:  # the row was merged with later answers meanwhile
            current.choose(product.shown.name)
            product = current
        self.model.refresh(product.identity)
        if self.footprints is not None and self.footprints.alive:
            self.footprints.add_or_update([product])

    def pending_footprints(self) -> int:
        """Products received but not yet in the table and on the map (they are added in batches)."""
        return len(self._incoming)

    def clear(self) -> None:
        """No results any more (a new search starts); the footprints layer leaves the panel's hands."""
        self._incoming.clear()
        self._pending_timer.stop()
        self._reducer = None
        if self.footprints is not None:
            self._drop_footprints()
        self.model.clear()
        self._unreduced = None

    def set_portal_order(self, portal_ids: List[str]) -> None:
        """The order of the portals searched (merged rows list theirs in it)."""
        self.model.portal_order = list(portal_ids)

    def set_names(self, names: Dict[str, str]) -> None:
        """The names portals go by in the Portals column."""
        self.model.portal_names = dict(names)
        self.proxy.forget_texts()

    def set_searching(self, searching: bool) -> None:
        """A search runs (the count says so while no row is in)."""
        self._searching = searching
        self._update_actions()

    def shutdown(self) -> None:
        """Stop adding rows. The panel's own footprints layer leaves the project with the panel (a plugin reload
        would otherwise leave one more layer of the same name, out of step with any table); a layer the user kept
        is theirs and stays. The plugin's layer group goes when nothing is left in it."""
        self._pending_timer.stop()
        self._incoming.clear()
        if self.footprints is not None:
            self._drop_footprints()
        remove_empty_group(self.project)

    def keep_layer(self) -> Optional[str]:
        """Leave the footprints layer in the project under a name of its own; the next search makes a new one.
        Returns that name (None without a layer)."""
        if self.footprints is None or self.footprints.layer is None or self._kept:
            return None
        name = self.tr("{name} (kept)").format(name=self.footprints.layer.name())
        self.footprints.keep(name)
        self._kept = True
        self._update_actions()
        self.message.emit(self.tr("The footprints stay in the project as “{name}”; the next search makes a new "
                                  "layer.").format(name=name), Qgis.MessageLevel.Info)
        return name

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
        self._show_rows_on_map()
        self._update_actions()

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
        task.written.connect(lambda written: self.message.emit(
            self.tr("{count} products exported to {path}").format(count=len(products), path=written),
            Qgis.MessageLevel.Success))
        task.write_failed.connect(lambda message: self.message.emit(
            self.tr("The export failed: {reason}").format(reason=message), Qgis.MessageLevel.Critical))
        self.tasks.start(task)
        return task

    # ---- rows arriving ----------------------------------------------------------------------------
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
        self._update_actions()
        self.drained.emit()

    def _add_batch(self, batch: List[Product]) -> None:
        order = self.model.portal_order or None
        if self._reducer is not None and self._unreduced is not None:
            # a reducer is on: collect, it is applied again once everything is in
            known = {p.identity: i for i, p in enumerate(self._unreduced)}
            for product in merge_products(batch, portal_order=order):
                index = known.get(product.identity)
                if index is None:
                    known[product.identity] = len(self._unreduced)
                    self._unreduced.append(product)
                else:
                    self._unreduced[index] = merge_products([self._unreduced[index], product], portal_order=order)[0]
            return
        touched = self.model.add_products(batch)
        if self.footprints is not None and self.footprints.alive and not self.proxy.filter_text():
            self.footprints.add_or_update(touched, repaint=False)  # (filtered: the rows shown go, see below)

    def _repaint_footprints(self) -> None:
        if self.footprints is not None and self.footprints.layer is not None:
            self.footprints.layer.updateExtents()
            self.footprints.layer.triggerRepaint()

    def _detach_footprints(self) -> FootprintsLayer:
        footprints, self.footprints = self.footprints, None
        self.layer_changed.emit(None)
        try:
            footprints.removed.disconnect(self._on_footprints_removed)
        except (TypeError, RuntimeError):
            pass
        return footprints

    def _drop_footprints(self) -> None:
        """One results layer per panel: the last one leaves the project, unless the user kept it."""
        footprints = self._detach_footprints()
        if self._kept:
            footprints.detach()
        else:
            footprints.remove()

    def _rows_shown_changed(self, *_args) -> None:
        if self.proxy.filter_text():
            self._map_timer.start()

    def _show_rows_on_map(self) -> None:
        """The footprints layer holds the rows shown (after the text filter and the reducer), no others."""
        self._map_timer.stop()
        if self.footprints is not None and self.footprints.alive:
            self.footprints.replace(self.visible_products())
        self.shown_changed.emit()

    def _on_footprints_removed(self) -> None:
        # the user removed the layer: the table stays
        self.footprints = None
        self.layer_changed.emit(None)

    # ---- the user's doings ------------------------------------------------------------------------
    def _on_filter_text(self, text: str) -> None:
        self.proxy.set_filter_text(text)
        self._update_count()
        self._map_timer.start()

    def _on_selection(self, *_args) -> None:
        self.download_button.setEnabled(bool(self.table.selectionModel().selectedRows()))
        self.selection_changed.emit()

    def _zoom(self, product: Optional[Product]) -> None:
        if product is not None:
            self.zoom_requested.emit(product)

    def _table_menu(self, position) -> None:
        index = self.table.indexAt(position)
        if not index.isValid():
            return
        product = index.data(PRODUCT_ROLE)
        menu = QMenu(self.table)
        download = menu.addAction(QIcon(DOWNLOAD_ICON), self.tr("Download"))
        download.triggered.connect(self._download_clicked)
        zoom = menu.addAction(icon("/mActionZoomTo.svg"), self.tr("Zoom to footprint"))
        zoom.triggered.connect(lambda: self._zoom(product))
        zoom.setEnabled(product is not None and product.footprint is not None)
        copy = menu.addAction(self.tr("Copy product name"))
        copy.triggered.connect(lambda: QApplication.clipboard().setText(product.title))
        menu.exec(self.table.viewport().mapToGlobal(position))

    def column_menu(self) -> QMenu:
        """The columns, each checked when shown: what a right click on the header opens."""
        menu = QMenu(self.table)
        shown = [c for c in range(Column.COUNT) if not self.table.isColumnHidden(c)]
        for column in range(Column.COUNT):
            action = menu.addAction(str(self.model.headerData(column, Qt.Orientation.Horizontal)))
            action.setCheckable(True)
            action.setChecked(column in shown)
            action.setEnabled(shown != [column])  # one column at least stays
            action.toggled.connect(lambda on, c=column: self.show_column(c, on))
        return menu

    def show_column(self, column: int, shown: bool) -> None:
        """Show or hide a column; the choice is remembered."""
        self.table.setColumnHidden(column, not shown)
        prefs.set_hidden_columns([c for c in range(Column.COUNT) if self.table.isColumnHidden(c)])

    def _export_clicked(self, kind: str) -> None:
        suffix = {"geojson": "geojson", "csv": "csv", "stac": "json"}[kind]
        filters = {"geojson": self.tr("GeoJSON (*.geojson)"), "csv": self.tr("CSV (*.csv)"),
                   "stac": self.tr("STAC ItemCollection (*.json)")}
        path, _filter = QFileDialog.getSaveFileName(self, self.tr("Export results"),
                                                    str(Path.home() / f"eo_portals_results.{suffix}"), filters[kind])
        if path:
            self.export(kind, path)

    def _download_clicked(self) -> None:
        products = self.selected_products()
        if products:
            self.download_requested.emit(products)

    def _update_count(self) -> None:
        total = self.model.rowCount()
        shown = self.proxy.rowCount()
        if total == 0:
            text = self.tr("Searching…") if self._searching else ""
        elif shown == total:
            text = self.tr("1 product") if total == 1 else self.tr("{count} products").format(count=total)
        else:
            text = self.tr("{shown} of {count} products shown").format(shown=shown, count=total)
        if self._reducer is not None and self._unreduced is not None:
            # a reduction is on: say which, and of how many products found
            found = len(self._unreduced)
            if self._reducer is Reducer.LEAST_CLOUDY_PER_TILE:
                note = self.tr("least cloudy per tile, of {found} found").format(found=found)
            else:
                note = self.tr("newest per tile, of {found} found").format(found=found)
            text = self.tr("{count} ({reduction})").format(count=text, reduction=note)
        self.count_label.setText(text)

    def _update_actions(self) -> None:
        has_rows = self.model.rowCount() > 0
        self.export_button.setEnabled(has_rows)
        self.reduce_button.setEnabled(has_rows or self._unreduced is not None)
        self.all_results_action.setEnabled(self._unreduced is not None)
        self.reduce_button.setCheckable(True)
        self.reduce_button.setChecked(self._reducer is not None and self._unreduced is not None)
        self.keep_layer_action.setEnabled(self.footprints is not None and self.footprints.alive and not self._kept)
        self.download_button.setEnabled(bool(self.table.selectionModel().selectedRows()))
        self._update_count()
