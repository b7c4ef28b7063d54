"""Table and map agree: rows selected in the table are the footprints selected on the map and the other way round;
a double click zooms the map to a product."""
from __future__ import annotations

from typing import Optional

from qgis.core import Qgis, QgsCoordinateTransform, QgsCsException, QgsGeometry, QgsProject
from qgis.PyQt.QtCore import QObject, pyqtSignal

from ..core.product import Product
from .aoi_tools import WGS84
from .footprints_layer import FootprintsLayer
from .results_view import ResultsView


class SelectionSync(QObject):
    """Keeps the table's selection and the footprints layer's selection the same.

    In: the results view's `selection_changed`, `layer_changed`, `drained` and `zoom_requested` (connected here),
    `zoom_to(product)`. Out: `product_focused(product)` when exactly one product is selected, `message(text,
    level)`.
    """

    product_focused = pyqtSignal(object)  # Product
    message = pyqtSignal(str, object)  # text, Qgis.MessageLevel

    def __init__(self, results: ResultsView, canvas, project: QgsProject, parent: Optional[QObject] = None):
        super().__init__(parent)
        self.results = results
        self.canvas = canvas
        self.project = project
        self._layer: Optional[FootprintsLayer] = None
        self._syncing = False
        results.selection_changed.connect(self._on_table_selection)
        results.layer_changed.connect(self._on_layer_changed)
        results.drained.connect(self._push_table_selection)
        results.zoom_requested.connect(self.zoom_to)

    def _on_layer_changed(self, footprints: Optional[FootprintsLayer]) -> None:
        old, self._layer = self._layer, footprints
        if old is not None and old.layer is not None:
            try:
                old.layer.selectionChanged.disconnect(self._on_layer_selection)
            except (TypeError, RuntimeError):
                pass
        if footprints is not None and footprints.layer is not None:
            footprints.layer.selectionChanged.connect(self._on_layer_selection)

    def _on_table_selection(self) -> None:
        if self._syncing:
            return
        self._push_table_selection()
        products = self.results.selected_products()
        if len(products) == 1:
            self.product_focused.emit(products[0])

    def _push_table_selection(self) -> None:
        footprints = self._layer
        if footprints is None or not footprints.alive:
            return
        self._syncing = True
        try:
            footprints.select(self.results.selected_identities())
        finally:
            self._syncing = False

    def _on_layer_selection(self, *_args) -> None:
        footprints = self._layer
        if self._syncing or footprints is None or footprints.layer is None:
            return
        identities = footprints.identities(footprints.layer.selectedFeatureIds())
        self._syncing = True
        try:
            first = self.results.select_products(identities, scroll=True)
        finally:
            self._syncing = False
        if len(identities) == 1 and first is not None:
            self.product_focused.emit(first)

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
            self.message.emit(self.tr("This footprint cannot be shown in the map's CRS."), Qgis.MessageLevel.Warning)
            return False
        box.scale(1.15)
        self.canvas.setExtent(box)
        self.canvas.refresh()
        self.canvas.flashGeometries([geometry], WGS84)
        return True
