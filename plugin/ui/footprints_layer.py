"""The panel's styled memory layer of footprints, in the "EO Portals" layer group: one per panel, replaced by the
next search unless the user keeps it (then it is theirs, under a name of its own).

Fields come from `plugin/footprints.py`, the same as the Processing search output. The layer keeps the map
between product identities and feature ids, which the dock uses to keep the table and the map selection in
step. Features are added in batches through the data provider (one call per batch, one repaint).
"""
from __future__ import annotations

from typing import Dict, Iterable, List, Optional, Tuple

from qgis.core import (
    QgsFeature,
    QgsFillSymbol,
    QgsLayerTreeGroup,
    QgsMapLayer,
    QgsProject,
    QgsSingleSymbolRenderer,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QObject, pyqtSignal

from ..core.product import Product
from ..footprints import footprint_geometry, footprints_layer, product_to_feature

GROUP_NAME = "EO Portals"
# QGIS asks at exit about memory layers with features, unless they carry this property (QgisApp::checkMemoryLayers)
SKIP_MEMORY_CHECK = "skipMemoryLayersCheck"
FOOTPRINT_STYLE = {
    "color": "255,127,0,28",
    "outline_color": "230,85,13,255",
    "outline_width": "0.4",
    "outline_width_unit": "MM",
}


def layer_group(project: QgsProject, name: str = GROUP_NAME) -> QgsLayerTreeGroup:
    """The plugin's layer group at the top of the layer tree (created when missing)."""
    root = project.layerTreeRoot()
    group = root.findGroup(name)
    if group is None:
        group = root.insertGroup(0, name)
    return group


def remove_empty_group(project: QgsProject, name: str = GROUP_NAME) -> None:
    """Take the plugin's layer group out of the layer tree when no layer is left in it."""
    root = project.layerTreeRoot()
    group = root.findGroup(name)
    if group is not None and not group.findLayers():
        root.removeChildNode(group)


def add_to_group(project: QgsProject, layer: QgsMapLayer, position: int = 0) -> None:
    """Add a layer to the project inside the plugin's group."""
    project.addMapLayer(layer, False)
    layer_group(project).insertLayer(position, layer)


class FootprintsLayer(QObject):
    """A search's footprints layer and the identity <-> feature id maps."""

    removed = pyqtSignal()  # the user removed the layer from the project

    def __init__(self, name: str, project: Optional[QgsProject] = None, parent: Optional[QObject] = None):
        super().__init__(parent)
        self.project = project or QgsProject.instance()
        self.layer: Optional[QgsVectorLayer] = footprints_layer(name)
        self.fields = self.layer.fields()
        symbol = QgsFillSymbol.createSimple(dict(FOOTPRINT_STYLE))
        self.layer.setRenderer(QgsSingleSymbolRenderer(symbol))
        # the panel makes it again with the next search: nothing for QGIS to ask about at exit
        self.layer.setCustomProperty(SKIP_MEMORY_CHECK, 1)
        self._fids: Dict[str, int] = {}
        self._identities: Dict[int, str] = {}
        # the feature last written for each product, and the product object it was made from: the text filter
        # takes features off the map and puts them back, and building thousands of features again is slow
        self._built: Dict[str, Tuple[Product, QgsFeature]] = {}
        self.layer.willBeDeleted.connect(self._on_deleted)
        add_to_group(self.project, self.layer)

    def _on_deleted(self) -> None:
        self.layer = None
        self._fids.clear()
        self._identities.clear()
        self._built.clear()
        self.removed.emit()

    @property
    def alive(self) -> bool:
        """Whether the layer is still in the project."""
        return self.layer is not None

    def __len__(self) -> int:
        return len(self._fids)

    def _feature(self, product: Product, reuse: bool) -> QgsFeature:
        built = self._built.get(product.identity)
        if not reuse or built is None or built[0] is not product:
            built = (product, product_to_feature(product, self.fields))
            self._built[product.identity] = built
        return QgsFeature(built[1])

    def add_or_update(self, products: Iterable[Product], repaint: bool = True, reuse: bool = False) -> int:
        """Add new products as features, update the attributes of those already there; returns how many were added.

        With `repaint` False the caller redraws the layer itself (after several batches); with `reuse`, a product
        object already written once is added again from the feature made then."""
        if self.layer is None:
            return 0
        provider = self.layer.dataProvider()
        new: List[Product] = []
        changes: Dict[int, Dict[int, object]] = {}
        geometries = {}
        for product in products:
            fid = self._fids.get(product.identity)
            if fid is None:
                new.append(product)
                continue
            feature = self._feature(product, reuse=False)
            changes[fid] = {index: feature.attribute(index) for index in range(self.fields.count())}
            geometry = footprint_geometry(product.footprint)
            if geometry is not None:
                geometries[fid] = geometry
        if changes:
            provider.changeAttributeValues(changes)
        if geometries:
            provider.changeGeometryValues(geometries)
        if new:
            features = [self._feature(product, reuse) for product in new]
            ok, added = provider.addFeatures(features)
            if ok:
                for product, feature in zip(new, added):
                    self._fids[product.identity] = feature.id()
                    self._identities[feature.id()] = product.identity
        if repaint and (new or changes):
            self.layer.updateExtents()
            self.layer.triggerRepaint()
        return len(new)

    def replace(self, products: Iterable[Product]) -> None:
        """Keep only `products` (a reducer, the text filter): delete the other features, add the missing ones, and
        write again those whose product changed (a merge made a new one) since."""
        if self.layer is None:
            return
        products = list(products)
        keep = {p.identity for p in products}
        gone = [fid for identity, fid in self._fids.items() if identity not in keep]
        if gone:
            # the selection drops the features deleted (no stale ids) without a word: the rows still selected
            # in the table stay selected on the map
            removed = set(gone)
            self.layer.blockSignals(True)
            try:
                self.layer.selectByIds([fid for fid in self.layer.selectedFeatureIds() if fid not in removed])
            finally:
                self.layer.blockSignals(False)
            self.layer.dataProvider().deleteFeatures(gone)
            for fid in gone:
                self._fids.pop(self._identities.pop(fid, ""), None)
        changed = [p for p in products
                   if p.identity not in self._fids or self._built.get(p.identity, (None,))[0] is not p]
        self.add_or_update(changed, repaint=False, reuse=True)
        self.layer.updateExtents()
        self.layer.triggerRepaint()

    def fid(self, identity: str) -> Optional[int]:
        """The feature id of a product."""
        return self._fids.get(identity)

    def fids(self, identities: Iterable[str]) -> List[int]:
        """Feature ids of the products that have one."""
        return [self._fids[i] for i in identities if i in self._fids]

    def identities(self, fids: Iterable[int]) -> List[str]:
        """Product identities of feature ids."""
        return [self._identities[f] for f in fids if f in self._identities]

    def select(self, identities: Iterable[str]) -> None:
        """Select (and so highlight) the features of these products, and only them."""
        if self.layer is not None:
            self.layer.selectByIds(self.fids(identities))

    def keep(self, name: str) -> None:
        """The user keeps the layer: it takes `name`, and QGIS asks about it at exit like any scratch layer."""
        if self.layer is not None:
            self.layer.setName(name)
            self.layer.setCustomProperty(SKIP_MEMORY_CHECK, 0)

    def remove(self) -> None:
        """Take the layer out of the project (a new search replaces it)."""
        layer = self.layer
        self.detach()
        if layer is not None:
            self.project.removeMapLayer(layer.id())

    def detach(self) -> None:
        """Stop following the layer (it stays in the project, it belongs to the user now)."""
        self._built.clear()
        if self.layer is not None:
            try:
                self.layer.willBeDeleted.disconnect(self._on_deleted)
            except (TypeError, RuntimeError):
                pass
        self.layer = None
