"""The results table: a Qt model over the core's Products, and the proxy that sorts and filters it.

Rows are merged products: when a portal's answer holds an acquisition already listed (same identity), the
row is updated with the new source instead of a second row appearing. Display text goes through `tr()`;
sorting uses raw values (`SORT_ROLE`) so that dates, sizes and cloud cover sort as numbers.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from qgis.PyQt.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QLocale,
    QModelIndex,
    QObject,
    QSortFilterProxyModel,
    Qt,
)

from ..core.product import Product, merge_products
from .versions import version_label, versions_text

# Roles are plain ints: PyQt5's enums are ints, PyQt6's are Python enums with a value.
_USER_ROLE = getattr(Qt.ItemDataRole.UserRole, "value", Qt.ItemDataRole.UserRole)
PRODUCT_ROLE = _USER_ROLE + 1  # the Product of a row
SORT_ROLE = _USER_ROLE + 2  # raw value to sort on
IDENTITY_ROLE = _USER_ROLE + 3
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_RIGHT_ALIGNED = getattr(_RIGHT, "value", None)
if _RIGHT_ALIGNED is None:
    _RIGHT_ALIGNED = int(_RIGHT)

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


# Called as translate("ResultsModel", "literal") so that pylupdate5 finds the texts.
translate = QCoreApplication.translate


def _size_units() -> Tuple[str, ...]:
    """The decimal size units, as the user's language writes them (French: o, ko, Mo, Go, To)."""
    return (translate("ResultsModel", "B", "size unit: bytes"), translate("ResultsModel", "kB", "size unit"),
            translate("ResultsModel", "MB", "size unit"), translate("ResultsModel", "GB", "size unit"),
            translate("ResultsModel", "TB", "size unit"))


def human_size(size: Optional[int]) -> str:
    """1234567890 -> '1.2 GB' (decimal units, as portals and file managers show them; '1,2 Go' in French).

    The decimal point is the one of QGIS's number locale (QLocale's default), as QGIS shows numbers.
    """
    if size is None:
        return ""
    value = float(size)
    units = _size_units()
    for index, unit in enumerate(units):
        if value < 1000 or index == len(units) - 1:
            if index == 0:
                return f"{int(value)} {unit}"
            text = f"{value:.1f}" if value < 100 else f"{value:.0f}"
            point = QLocale().decimalPoint()
            return f"{text.replace('.', point) if point else text} {unit}"
        value /= 1000.0
    return ""


class Column:
    """Column indexes of the results table."""

    DATE, CLOUD, PLATFORM, TILE, ORBIT, SIZE, PORTALS, TITLE = range(8)
    COUNT = 8


class ResultsModel(QAbstractTableModel):
    """Merged Products as table rows; `add_products` merges new answers into the rows already there."""

    def __init__(self, portal_names: Optional[Dict[str, str]] = None, parent: Optional[QObject] = None):
        super().__init__(parent)
        self._products: List[Product] = []
        self._rows: Dict[str, int] = {}  # identity -> row
        self.portal_names: Dict[str, str] = dict(portal_names or {})
        self.portal_order: List[str] = []

    # ---- content --------------------------------------------------------------------------------------
    @property
    def products(self) -> List[Product]:
        """The products in row order (a copy of the list)."""
        return list(self._products)

    def product(self, row: int) -> Optional[Product]:
        """The product of a source row."""
        return self._products[row] if 0 <= row < len(self._products) else None

    def row_of(self, identity: str) -> int:
        """The row of a product identity, or -1."""
        return self._rows.get(identity, -1)

    def clear(self) -> None:
        """Remove every row."""
        self.beginResetModel()
        self._products = []
        self._rows = {}
        self.endResetModel()

    def set_products(self, products: Sequence[Product]) -> None:
        """Replace the rows (a reducer's result, a new search)."""
        self.beginResetModel()
        self._products = list(products)
        self._rows = {p.identity: i for i, p in enumerate(self._products)}
        self.endResetModel()

    def add_products(self, products: Iterable[Product]) -> List[Product]:
        """Merge `products` in: new identities become rows, known ones gain sources. Returns the touched rows' products."""
        incoming = merge_products(list(products), portal_order=self.portal_order or None)
        appended: List[Product] = []
        touched: List[Product] = []
        for product in incoming:
            row = self._rows.get(product.identity)
            if row is None:
                appended.append(product)
                continue
            merged = merge_products([self._products[row], product], portal_order=self.portal_order or None)[0]
            self._products[row] = merged
            touched.append(merged)
            self.dataChanged.emit(self.index(row, 0), self.index(row, Column.COUNT - 1))
        if appended:
            first = len(self._products)
            self.beginInsertRows(QModelIndex(), first, first + len(appended) - 1)
            for offset, product in enumerate(appended):
                self._rows[product.identity] = first + offset
                self._products.append(product)
            self.endInsertRows()
        return touched + appended

    def refresh(self, identity: str) -> None:
        """Show a row's values again (its product's shown version changed)."""
        row = self._rows.get(identity)
        if row is not None:
            self.dataChanged.emit(self.index(row, 0), self.index(row, Column.COUNT - 1))

    # ---- Qt model -------------------------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802 (Qt override)
        return 0 if parent.isValid() else len(self._products)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else Column.COUNT

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return {
                Column.DATE: translate("ResultsModel", "Date (UTC)"),
                Column.CLOUD: translate("ResultsModel", "Cloud"),
                Column.PLATFORM: translate("ResultsModel", "Platform"),
                Column.TILE: translate("ResultsModel", "Tile"),
                Column.ORBIT: translate("ResultsModel", "Orbit"),
                Column.SIZE: translate("ResultsModel", "Size"),
                Column.PORTALS: translate("ResultsModel", "Portals"),
                Column.TITLE: translate("ResultsModel", "Product"),
            }.get(section)
        if role == Qt.ItemDataRole.ToolTipRole:
            return {
                Column.DATE: translate("ResultsModel", "Acquisition start, in UTC"),
                Column.CLOUD: translate("ResultsModel", "Cloud cover, in percent"),
                Column.ORBIT: translate("ResultsModel", "Relative orbit and direction (A: ascending, D: descending)"),
                Column.TILE: translate("ResultsModel", "MGRS tile"),
                Column.SIZE: translate("ResultsModel", "Size of the whole product, when the portal says"),
                Column.PORTALS: translate("ResultsModel",
                                          "Portals that hold this product; downloads try them in this order"),
            }.get(section)
        return None

    def _portals_text(self, product: Product) -> str:
        text = ", ".join(self.portal_names.get(p, p) for p in product.portals)
        versions = versions_text(product)  # "2 versions": the row shows one product of several
        return f"{text} · {versions}" if versions else text

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: C901
        if not index.isValid() or not 0 <= index.row() < len(self._products):
            return None
        product = self._products[index.row()]
        column = index.column()
        if role == PRODUCT_ROLE:
            return product
        if role == IDENTITY_ROLE:
            return product.identity
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(product, column)
        if role == SORT_ROLE:
            return self._sort_value(product, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [product.title]
            if product.collection:
                lines.append(product.collection)
            lines.append(translate("ResultsModel", "Portals: {portals}").format(portals=self._portals_text(product)))
            if len(product.versions) > 1:
                lines.append(translate("ResultsModel", "Versions (choose one under the quicklook):"))
                lines += [f"  {version_label(version, self.portal_names)}" for version in
                          sorted(product.versions, key=lambda v: v.key, reverse=True)]
            return "\n".join(lines)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (Column.CLOUD, Column.SIZE):
            return _RIGHT_ALIGNED
        return None

    def _display(self, product: Product, column: int) -> str:
        if column == Column.DATE:
            return product.start.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M") if product.start else ""
        if column == Column.CLOUD:
            return f"{product.cloud_cover:.0f} %" if product.cloud_cover is not None else ""
        if column == Column.PLATFORM:
            return product.platform or ""
        if column == Column.TILE:
            return product.tile or ""
        if column == Column.ORBIT:
            parts = []
            if product.relative_orbit is not None:
                parts.append(str(product.relative_orbit))
            if product.orbit_direction:
                ascending = product.orbit_direction.upper().startswith("A")
                parts.append(translate("ResultsModel", "A") if ascending else translate("ResultsModel", "D"))
            return " ".join(parts)
        if column == Column.SIZE:
            return human_size(product.size)
        if column == Column.PORTALS:
            return self._portals_text(product)
        if column == Column.TITLE:
            return product.title
        return ""

    def _sort_value(self, product: Product, column: int) -> Any:
        # Missing values sort after present ones in ascending order.
        if column == Column.DATE:
            return (product.start or _EPOCH).timestamp()
        if column == Column.CLOUD:
            return product.cloud_cover if product.cloud_cover is not None else 1000.0
        if column == Column.SIZE:
            return float(product.size) if product.size is not None else -1.0
        if column == Column.ORBIT:
            return product.relative_orbit if product.relative_orbit is not None else 10000
        return self._display(product, column).lower()


class ResultsFilterProxy(QSortFilterProxyModel):
    """Sorting on raw values and a case-insensitive filter on every column's text."""

    def __init__(self, parent: Optional[QObject] = None):
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterKeyColumn(-1)
        self._words: List[str] = []
        self._haystacks: Dict[int, str] = {}  # source row -> its cells' text, lower case (typing re-filters fast)

    def setSourceModel(self, model) -> None:  # noqa: N802 (Qt override)
        # connected before the proxy's own handlers, which filter the changed rows again: the texts are new by then
        model.modelReset.connect(self._haystacks.clear)
        model.rowsRemoved.connect(lambda *_args: self._haystacks.clear())
        model.rowsMoved.connect(lambda *_args: self._haystacks.clear())
        model.dataChanged.connect(self._forget_rows)
        super().setSourceModel(model)

    def forget_texts(self) -> None:
        """The rows' texts changed without the model saying so (the portals' names): read them again."""
        self._haystacks.clear()
        self.invalidateFilter()

    def _forget_rows(self, top_left: QModelIndex, bottom_right: QModelIndex, *_args) -> None:
        for row in range(top_left.row(), bottom_right.row() + 1):
            self._haystacks.pop(row, None)

    def set_filter_text(self, text: str) -> None:
        """Show rows whose text holds every word of `text` (in any column)."""
        self._words = [word.lower() for word in text.split() if word]
        self.invalidateFilter()

    def filter_text(self) -> str:
        """The words rows are filtered by ('' when every row shows)."""
        return " ".join(self._words)

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex) -> bool:  # noqa: N802
        if not self._words:
            return True
        haystack = self._haystacks.get(source_row)
        if haystack is None:
            model = self.sourceModel()
            texts = []
            for column in range(model.columnCount()):
                value = model.data(model.index(source_row, column, source_parent), Qt.ItemDataRole.DisplayRole)
                if value:
                    texts.append(str(value).lower())
            haystack = self._haystacks[source_row] = " | ".join(texts)
        return all(word in haystack for word in self._words)
