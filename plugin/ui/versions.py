"""Versions of an acquisition in the dock: the "2 versions" mark of a row and the chooser under the quicklook.

Portals may hold several products of one acquisition (CDSE's reprocessed Sentinel-2 archive beside another
portal's original baseline; a product generated twice). A row shows one of them, the newest unless the user
chose another here; the choice (`Product.choose`) decides what the row, the footprint on the map, the quicklook
and a download are: all of them come from that one version.

    chooser = VersionChooser()
    chooser.chosen.connect(on_chosen)     # on_chosen(product): refresh the row, its footprint and quicklook
    chooser.set_product(product, names)   # hidden for a product with one version
"""
from __future__ import annotations

from typing import Dict, Optional

from qgis.PyQt.QtCore import QCoreApplication, Qt, pyqtSignal
from qgis.PyQt.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSizePolicy, QWidget

from ..core.product import Product, Version

# Called as translate("Versions", "literal") so that pylupdate5 finds the texts.
translate = QCoreApplication.translate


def versions_text(product: Product) -> str:
    """'2 versions' for a row holding several products of its acquisition, '' for one."""
    count = len(product.versions)
    return translate("Versions", "{n} versions").format(n=count) if count > 1 else ""


def version_label(version: Version, names: Optional[Dict[str, str]] = None) -> str:
    """A short label of a version: what tells it from the others (baseline, generation time) and its portals."""
    parts = [part for part in version.key if part and part != "0000"]
    what = " · ".join(parts) if parts else version.name
    portals = ", ".join((names or {}).get(portal, portal) for portal in version.portals)
    return f"{what} ({portals})" if portals else what


class VersionChooser(QWidget):
    """'2 versions' and a list to choose the one a row shows; hidden when the product has only one."""

    chosen = pyqtSignal(object)  # the Product whose shown version the user changed

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.label = QLabel()
        self.combo = QComboBox()
        self.combo.setObjectName("versionCombo")
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(10)
        self.combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.combo.setToolTip(translate(
            "Versions", "Portals hold several versions of this acquisition (another processing baseline, or a product "
                        "generated again). The version chosen here is the one the row, the footprint, the quicklook "
                        "and a download use."))
        layout.addWidget(self.label)
        layout.addWidget(self.combo, 1)
        self._product: Optional[Product] = None
        self.combo.activated.connect(self._on_activated)
        self.hide()

    @property
    def product(self) -> Optional[Product]:
        """The product whose versions are listed (None when hidden)."""
        return self._product

    def set_product(self, product: Optional[Product], names: Optional[Dict[str, str]] = None) -> None:
        """List `product`'s versions, newest first, the shown one current; hide for none or one version."""
        self._product = product if product is not None and len(product.versions) > 1 else None
        self.combo.blockSignals(True)
        try:
            self.combo.clear()
            if self._product is None:
                self.hide()
                return
            shown = self._product.shown
            for version in sorted(self._product.versions, key=lambda v: v.key, reverse=True):
                self.combo.addItem(version_label(version, names), version.name)
                self.combo.setItemData(self.combo.count() - 1, version.name, Qt.ItemDataRole.ToolTipRole)
                if version is shown:
                    self.combo.setCurrentIndex(self.combo.count() - 1)
        finally:
            self.combo.blockSignals(False)
        self.label.setText(versions_text(self._product))
        self.show()

    def choose(self, name: str) -> bool:
        """Choose a version by name, as the user would; False when the listed product has none of that name."""
        index = self.combo.findData(name)
        if index < 0:
            return False
        self.combo.setCurrentIndex(index)
        self._on_activated(index)
        return True

    def _on_activated(self, index: int) -> None:
        product = self._product
        name = self.combo.itemData(index)
        if product is None or not isinstance(name, str):
            return
        if product.shown.name != name and product.choose(name):
            self.chosen.emit(product)
