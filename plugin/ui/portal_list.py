"""The "Portals" box: the portals a search goes to, each with a dot saying how it answered last time."""
from __future__ import annotations

from typing import Dict, List, Optional

from qgis.gui import QgsCollapsibleGroupBox
from qgis.PyQt.QtCore import QSize, Qt
from qgis.PyQt.QtGui import QColor
from qgis.PyQt.QtWidgets import QAbstractItemView, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from .. import settings as prefs
from ..core.catalog import Catalog, Portal
from ..core.errors import ErrorKind
from ..core.search import Outcome
from .common import dot

STATUS_COLORS = {
    prefs.STATUS_OK: QColor(26, 150, 65),
    prefs.STATUS_AUTH: QColor(253, 174, 97),
    prefs.STATUS_FAILED: QColor(215, 25, 28),
    "": QColor(160, 160, 160),
}


def portal_shown(portal: Portal) -> bool:
    """Whether the panel lists a portal for searching (it has an address, the user has not switched it off, and it
    is searched: openEO back-ends run jobs instead)."""
    return bool(portal.url) and portal.searchable and prefs.portal_enabled(portal.id, portal.enabled)


class PortalList(QgsCollapsibleGroupBox):
    """The portals to search, checkable; those that do not offer the collection chosen are greyed.

    In: `fill(catalog, names, collection, checked)`, `set_collection(id)`, `remember(outcome, text)`.
    Out: `checked_portals()`, `portal_status_text(id)`.
    """

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.setTitle(self.tr("Portals"))
        self.catalog: Optional[Catalog] = None
        self.names: Dict[str, str] = {}
        self.collection = ""
        layout = QVBoxLayout(self)
        self.list = QListWidget()
        self.list.setObjectName("portalList")
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.list.setIconSize(QSize(12, 12))
        self.list.setSizeAdjustPolicy(QListWidget.SizeAdjustPolicy.AdjustToContents)
        layout.addWidget(self.list)

    def fill(self, catalog: Catalog, names: Dict[str, str], collection: str,
             checked: Optional[List[str]] = None) -> None:
        """List the catalog's portals: those in `checked`, else those offering `collection`, checked."""
        self.catalog = catalog
        self.names = names
        self.collection = collection
        self.list.clear()
        for portal in catalog.portals.values():
            if not portal_shown(portal):
                continue
            item = QListWidgetItem(self.names.get(portal.id, portal.title))
            item.setData(Qt.ItemDataRole.UserRole, portal.id)
            item.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
            wanted = portal.id in checked if checked else portal.supports(collection)
            item.setCheckState(Qt.CheckState.Checked if wanted else Qt.CheckState.Unchecked)
            self.list.addItem(item)
            self._update_item(portal.id)
        self.set_collection(collection)

    def checked_portals(self) -> List[str]:
        """Ids of the checked portals, in list order."""
        ids = []
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.checkState() == Qt.CheckState.Checked and item.flags() & Qt.ItemFlag.ItemIsEnabled:
                ids.append(item.data(Qt.ItemDataRole.UserRole))
        return ids

    def set_checked_portals(self, portal_ids: List[str]) -> None:
        """Check exactly these portals."""
        wanted = set(portal_ids)
        for row in range(self.list.count()):
            item = self.list.item(row)
            item.setCheckState(Qt.CheckState.Checked if item.data(Qt.ItemDataRole.UserRole) in wanted
                               else Qt.CheckState.Unchecked)

    def set_collection(self, collection: str) -> None:
        """Grey the portals that do not offer this collection."""
        self.collection = collection
        for row in range(self.list.count()):
            item = self.list.item(row)
            portal = self.catalog.portals.get(item.data(Qt.ItemDataRole.UserRole)) if self.catalog else None
            supported = portal is not None and portal.supports(collection)
            flags = Qt.ItemFlag.ItemIsUserCheckable
            if supported:
                flags |= Qt.ItemFlag.ItemIsEnabled
            item.setFlags(flags)
            self._update_item(item.data(Qt.ItemDataRole.UserRole))
        rows = self.list.count()
        if rows:
            self.list.setFixedHeight(rows * self.list.sizeHintForRow(0) + 2 * self.list.frameWidth() + 2)

    def remember(self, outcome: Outcome, text: str) -> None:
        """Keep how a portal answered (`text` says it) for its dot, in this session and the next ones."""
        if outcome.error is not None and outcome.error.kind is ErrorKind.CANCELLED:
            return
        if outcome.ok:
            status = prefs.STATUS_OK
        elif outcome.error.kind is ErrorKind.AUTH:
            status = prefs.STATUS_AUTH
        else:
            status = prefs.STATUS_FAILED
        prefs.set_portal_status(outcome.portal, status, text)
        self._update_item(outcome.portal)

    def portal_status_text(self, portal_id: str) -> str:
        """The status of a portal as its dot says it (reachable, needs an account, failed last time)."""
        status, message = prefs.portal_status(portal_id)
        portal = self.catalog.portals.get(portal_id) if self.catalog else None
        if status == prefs.STATUS_OK:
            return self.tr("Reachable (last search: {message})").format(message=message)
        if status == prefs.STATUS_AUTH:
            return self.tr("Needs an account: {message}").format(message=message)
        if status == prefs.STATUS_FAILED:
            return self.tr("Failed last time: {message}").format(message=message)
        if portal is not None and portal.auth == "basic" and not prefs.portal_authcfg(portal_id):
            return self.tr("Needs an account (set one with Portals…)")
        return self.tr("Not searched yet")

    def _item(self, portal_id: str) -> Optional[QListWidgetItem]:
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == portal_id:
                return item
        return None

    def _status_key(self, portal_id: str) -> str:
        status, _message = prefs.portal_status(portal_id)
        portal = self.catalog.portals.get(portal_id) if self.catalog else None
        if not status and portal is not None and portal.auth == "basic" and not prefs.portal_authcfg(portal_id):
            return prefs.STATUS_AUTH
        return status

    def _update_item(self, portal_id: str) -> None:
        item = self._item(portal_id)
        portal = self.catalog.portals.get(portal_id) if self.catalog else None
        if item is None or portal is None:
            return
        item.setIcon(dot(STATUS_COLORS.get(self._status_key(portal_id), STATUS_COLORS[""])))
        tip = [portal.description or portal.title, self.portal_status_text(portal_id)]
        if not portal.supports(self.collection):
            tip.append(self.tr("Does not offer this collection."))
        item.setToolTip("\n".join(tip))
