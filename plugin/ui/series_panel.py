"""The "Time series" tab: an index per parcel and date over the current results, without downloading.

Parcels are the drawn area of interest, or the selected features of the active polygon layer (fields, plots,
lakes). The index (NDVI, NDWI, NDMI, EVI) and the mask classes (Sentinel-2 scene classification, Landsat QA_PIXEL
bits: shown, ticked by default as the core's defaults, changeable) are chosen here. `SeriesTask` runs the core's
`SeriesRun` off the main thread (several products at once, bounded per portal) and hands each point over as it
comes; the chart (`ui/chart.py`) draws it. A point clicked selects its product in the results table (and so its
quicklook). Accounts are read from QGIS's authentication database on the main thread when Run is pressed.

    panel = attach(dock, iface)          # adds the tab to the dock and wires it to the results
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple

from qgis.core import QgsProject, QgsTask, QgsVectorLayer, QgsWkbTypes
from qgis.PyQt.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, pyqtSignal
from qgis.PyQt.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from .. import accounts
from ..core.auth import Accounts
from ..core.bands import INDICES, COLLECTIONS
from ..core.catalog import Catalog
from ..core.subset import Access, Parcel, SeriesRun
from ..geometry import aoi_to_wgs84
from ..network import http_settings
from .chart import SeriesChart
from .common import narrow, narrow_form

translate = QCoreApplication.translate
# Called as translate("EOPortalsSeries", "literal"): pylupdate5 finds no text whose context is a variable.
DEFAULT_CONNECTIONS = 4


class SeriesTask(QgsTask):
    """Reads the series in a worker thread; `point_ready(point)` arrives on the main thread for each point."""

    point_ready = pyqtSignal(object)
    series_done = pyqtSignal(bool, str)  # ok, message

    def __init__(self, products, parcels, index: str, mask, access_for: Callable[[str], Access],
                 portal_title: Callable[[str], str]):
        super().__init__(translate("EOPortalsSeries", "EO Portals time series"), QgsTask.Flag.CanCancel)
        self.products, self.parcels, self.index, self.mask = products, parcels, index, mask
        self.access_for, self.portal_title = access_for, portal_title
        self.points = 0
        self.bytes_read = 0
        self.message = ""

    def run(self) -> bool:  # noqa: D102 (worker thread; never raises)
        try:
            series = SeriesRun(self.products, self.parcels, self.index, self.mask, access_for=self.access_for,
                               portal_title=self.portal_title, stop_when=self.isCanceled)
            expected = max(1, len(self.products) * len(self.parcels))
            for point in series:
                self.points += 1
                self.point_ready.emit(point)
                self.setProgress(min(99.0, 100.0 * self.points / expected))
            self.bytes_read = series.bytes_read
            return not self.isCanceled()
        except Exception as exc:  # noqa: BLE001 - reported on the main thread
            self.message = str(exc)
            return False

    def finished(self, ok: bool) -> None:  # noqa: D102 (main thread)
        self.series_done.emit(ok, self.message)


class SeriesPanel(QWidget):
    """Parcels, index, mask classes, Run/Cancel, the chart and its exports."""

    product_selected = pyqtSignal(str)  # product title
    message = pyqtSignal(str, object)

    def __init__(self, products: Callable[[], List[Any]], area: Callable[[], Any], iface,
                 catalog: Callable[[], Catalog], tasks=None, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self._products, self._area, self.iface, self._catalog, self.tasks = products, area, iface, catalog, tasks
        self.task: Optional[SeriesTask] = None
        self._accounts: Optional[Accounts] = None
        self._access: Dict[str, Access] = {}
        self._build()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        form = narrow_form(QFormLayout())
        self.parcels_combo = narrow(QComboBox())
        self.parcels_combo.addItem(self.tr("Area of interest"), "aoi")
        self.parcels_combo.addItem(self.tr("Selected features of the active layer"), "selection")
        form.addRow(self.tr("Parcels"), self.parcels_combo)
        self.index_combo = narrow(QComboBox())
        for key in INDICES:
            self.index_combo.addItem(key, key)
        form.addRow(self.tr("Index"), self.index_combo)
        layout.addLayout(form)
        layout.addWidget(QLabel(self.tr("Pixels left out")))
        self.mask_list = QListWidget()
        self.mask_list.setMaximumHeight(110)
        layout.addWidget(self.mask_list)
        buttons = QHBoxLayout()
        self.run_button = QPushButton(self.tr("Run"))
        self.run_button.clicked.connect(self.toggle)
        buttons.addWidget(self.run_button, 1)
        layout.addLayout(buttons)
        buttons = QHBoxLayout()  # the exports on a line of their own: three buttons do not fit 350 px in French
        self.csv_button = QPushButton(self.tr("Export CSV…"))
        self.csv_button.clicked.connect(self._export_csv)
        self.png_button = QPushButton(self.tr("Export PNG…"))
        self.png_button.clicked.connect(self._export_png)
        buttons.addWidget(self.csv_button)
        buttons.addWidget(self.png_button)
        layout.addLayout(buttons)
        self.status = QLabel()
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.chart = SeriesChart()
        self.chart.point_selected.connect(self.product_selected)
        layout.addWidget(self.chart, 1)
        self.refresh_masks()
        self._update_buttons()

    # -- state -------------------------------------------------------------------------------------------------
    def collection(self) -> Optional[str]:
        """The collection of the current results that the plugin has bands for (the first one)."""
        for product in self._products():
            if product.collection in COLLECTIONS:
                return product.collection
        return None

    def refresh_masks(self) -> None:
        """Show the mask classes of the current results' collection, the core's defaults ticked."""
        collection = self.collection() or "S2_MSI_L2A"
        spec = COLLECTIONS[collection].mask
        previous = {self.mask_list.item(i).data(Qt.ItemDataRole.UserRole): self.mask_list.item(i).checkState()
                    for i in range(self.mask_list.count())}
        self.mask_list.clear()
        if spec is None:
            self.mask_list.addItem(self.tr("No mask band in this collection"))
            return
        for mask_class in spec.classes:
            item = QListWidgetItem(translate("EOPortalsMask", mask_class.label))
            item.setData(Qt.ItemDataRole.UserRole, mask_class.key)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            default = Qt.CheckState.Checked if mask_class.key in spec.default else Qt.CheckState.Unchecked
            item.setCheckState(previous.get(mask_class.key, default))
            self.mask_list.addItem(item)

    def mask_keys(self) -> Tuple[str, ...]:
        keys = []
        for row in range(self.mask_list.count()):
            item = self.mask_list.item(row)
            key = item.data(Qt.ItemDataRole.UserRole)
            if key and item.checkState() == Qt.CheckState.Checked:
                keys.append(key)
        return tuple(keys)

    def parcels(self) -> List[Parcel]:
        """The parcels chosen, in EPSG:4326 (main thread)."""
        if self.parcels_combo.currentData() == "aoi":
            geometry = self._area()
            if geometry is None or geometry.isEmpty():
                return []
            from shapely import wkb

            return [Parcel(self.tr("Area of interest"), wkb.loads(bytes(geometry.asWkb())))]
        layer = self.iface.activeLayer() if self.iface is not None else None
        if not isinstance(layer, QgsVectorLayer) or "Polygon" not in QgsWkbTypes.displayString(layer.wkbType()):
            return []
        context = QgsProject.instance().transformContext()
        parcels = []
        display = layer.displayField()
        for feature in layer.selectedFeatures():
            if not feature.hasGeometry():
                continue
            shape = aoi_to_wgs84(feature.geometry(), layer.crs(), context)
            if shape.is_empty:
                continue
            name = feature[display] if display and feature.fieldNameIndex(display) >= 0 else None
            parcels.append(Parcel(str(name if name not in (None, "") else feature.id()), shape))
        return parcels

    # -- running -----------------------------------------------------------------------------------------------
    def toggle(self) -> None:
        if self.task is not None:
            self.task.cancel()
            return
        self.start()

    def start(self) -> Optional[SeriesTask]:
        products = [p for p in self._products() if p.collection in COLLECTIONS]
        parcels = self.parcels()
        if not products:
            self._say(self.tr("Search first: the series is read from the results (Sentinel-2 L2A, Landsat C2 L2)."))
            return None
        if not parcels:
            self._say(self.tr("Choose parcels: draw an area of interest, or select polygons in the active layer."))
            return None
        self._prepare_access(products)
        self.chart.clear()
        self.refresh_masks()
        mask = self.mask_keys() if COLLECTIONS[products[0].collection].mask is not None else ()
        task = SeriesTask(products, parcels, self.index_combo.currentData(), mask or (), self.access_for,
                          self.portal_title)
        task.point_ready.connect(self.chart.add_point)
        task.point_ready.connect(self._count)
        task.series_done.connect(self._done)
        self.task = task
        self._points = 0
        self._say(self.tr("Reading {n} product(s) for {p} parcel(s)…").format(n=len(products), p=len(parcels)))
        if self.tasks is not None:
            self.tasks.start(task)
        else:
            from qgis.core import QgsApplication

            QgsApplication.taskManager().addTask(task)
        self._update_buttons()
        return task

    def _prepare_access(self, products) -> None:
        """Accounts of the products' portals, from the authentication database (main thread)."""
        catalog = self._catalog()
        settings = http_settings()
        self._accounts = Accounts(catalog, {}, settings)
        self._access = {}
        self._portals = catalog.portals
        for portal_id in {s.portal for p in products for s in p.sources}:
            portal = catalog.portals.get(portal_id)
            if portal is not None and accounts.accepts_account(portal):
                self._accounts.set_credentials(accounts.account_portal_id(portal), accounts.credentials_for(portal))
        self._settings = settings

    def access_for(self, portal_id: str) -> Access:
        access = self._access.get(portal_id)
        if access is None:
            portal = self._portals.get(portal_id)
            if portal is None:
                access = Access(self._settings)
            else:
                limit = int(portal.get("max_downloads", DEFAULT_CONNECTIONS) or DEFAULT_CONNECTIONS)
                access = Access(self._settings, self._accounts.for_portal(portal), connections=limit)
            self._access[portal_id] = access
        return access

    def portal_title(self, portal_id: str) -> str:
        portal = self._portals.get(portal_id)
        return portal.title if portal is not None else portal_id

    def _count(self, point) -> None:
        self._points += 1

    def _done(self, ok: bool, message: str) -> None:
        task, self.task = self.task, None
        if message:
            self._say(self.tr("The series stopped: {message}").format(message=message))
        elif not ok:
            self._say(self.tr("Cancelled after {n} point(s).").format(n=self._points))
        else:
            from ..core.subset import human_bytes

            self._say(self.tr("{n} point(s), {size} read.").format(
                n=self._points, size=human_bytes(task.bytes_read if task else 0)))
        self._update_buttons()

    def _say(self, text: str) -> None:
        self.status.setText(text)

    def _update_buttons(self) -> None:
        self.run_button.setText(self.tr("Cancel") if self.task is not None else self.tr("Run"))
        has_points = bool(self.chart.points())
        self.csv_button.setEnabled(has_points)
        self.png_button.setEnabled(has_points)

    # -- exports -----------------------------------------------------------------------------------------------
    def _export_csv(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export the series"), "", self.tr("CSV (*.csv)"))
        if path:
            self.chart.export_csv(path)

    def _export_png(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export the chart"), "", self.tr("PNG image (*.png)"))
        if path:
            self.chart.export_png(path)

    def shutdown(self) -> None:
        if self.task is not None:
            try:
                self.task.cancel()
            except RuntimeError:
                pass


def attach(dock, iface) -> SeriesPanel:
    """The Time series tab in the dock, its points wired to the results table (and so to the quicklook)."""
    panel = SeriesPanel(dock.results.visible_products, dock.form.aoi.geometry, iface, lambda: dock.catalog,
                        dock.tasks)

    def select(title: str) -> None:
        identities = [p.identity for p in dock.results.products() if p.title == title]
        if identities:
            dock.results.select_products(identities, scroll=True)

    panel.product_selected.connect(select)
    dock.results.drained.connect(panel.refresh_masks)
    dock.add_tab(panel, translate("EOPortalsSeries", "Time series"))
    return panel


# Mask class labels are data of the core (bands.py): listed here for pylupdate, translated when shown.
_MASK_LABELS = (
    QT_TRANSLATE_NOOP("EOPortalsMask", "No data"),
    QT_TRANSLATE_NOOP("EOPortalsMask", "Saturated or defective"),
    QT_TRANSLATE_NOOP("EOPortalsMask", "Dark area pixels"),
    QT_TRANSLATE_NOOP("EOPortalsMask", "Cloud shadows"),
    QT_TRANSLATE_NOOP("EOPortalsMask", "Vegetation"),
    QT_TRANSLATE_NOOP("EOPortalsMask", "Not vegetated"),
    QT_TRANSLATE_NOOP("EOPortalsMask", "Water"),
    QT_TRANSLATE_NOOP("EOPortalsMask", "Unclassified"),
    QT_TRANSLATE_NOOP("EOPortalsMask", "Clouds, medium probability"),
    QT_TRANSLATE_NOOP("EOPortalsMask", "Clouds, high probability"),
    QT_TRANSLATE_NOOP("EOPortalsMask", "Thin cirrus"),
    QT_TRANSLATE_NOOP("EOPortalsMask", "Snow or ice"),
    QT_TRANSLATE_NOOP("EOPortalsMask", "No data (fill)"),
    QT_TRANSLATE_NOOP("EOPortalsMask", "Dilated cloud"),
    QT_TRANSLATE_NOOP("EOPortalsMask", "Cirrus"),
    QT_TRANSLATE_NOOP("EOPortalsMask", "Cloud"),
    QT_TRANSLATE_NOOP("EOPortalsMask", "Cloud shadow"),
    QT_TRANSLATE_NOOP("EOPortalsMask", "Snow"),
)
