"""The "Add mirror or custom endpoint" form of the Portals dialog: a new portal, based on an existing one (a
mirror) or a custom endpoint of a protocol, checked before it is saved.
"""
from __future__ import annotations

import re
from typing import Any, Dict, Optional, Tuple
from urllib.parse import urlsplit

from qgis.PyQt.QtCore import QCoreApplication, QRegularExpression
from qgis.PyQt.QtGui import QRegularExpressionValidator
from qgis.PyQt.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from .. import accounts
from ..core.catalog import PROTOCOLS, Catalog

PROTOCOL_NAMES = {"stac": "STAC", "odata": "OData", "dhus": "DHuS", "resto": "resto", "openeo": "openEO"}


def url_problem(url: str) -> str:
    """Why a portal URL cannot be used ('' when it can): not http(s), or a password written into it."""
    if not re.match(r"^https?://[^\s/]+", url):
        return QCoreApplication.translate("PortalsDialog", "The URL must start with https:// or http://.")
    if "@" in urlsplit(url).netloc:
        # The catalog file is plain text on disk: an account belongs in QGIS's authentication database.
        return QCoreApplication.translate("PortalsDialog",
                                          "Remove the user name and password from the URL: choose an account instead.")
    return ""



# ---- "Add mirror or custom endpoint" -----------------------------------------------------------------------
class EndpointDialog(QDialog):
    """The form of a new portal: based on an existing one (a mirror) or a custom endpoint of a protocol."""

    def __init__(self, catalog: Catalog, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.catalog = catalog
        self.setWindowTitle(self.tr("Add a mirror or a custom endpoint"))
        self.setObjectName("eoPortalsEndpointDialog")
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr(
            "A mirror answers like an existing portal at another address; a custom endpoint is any STAC API, "
            "OData catalogue, DHuS or resto server. It is saved in your portal catalog file."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.base_combo = QComboBox(self)
        self.base_combo.addItem(self.tr("None (custom endpoint)"), "")
        for portal in catalog.portals.values():
            self.base_combo.addItem(self.tr("Mirror of {title}").format(title=portal.title), portal.id)
        form.addRow(self.tr("Based on"), self.base_combo)
        self.protocol_combo = QComboBox(self)
        for protocol in PROTOCOLS:
            self.protocol_combo.addItem(PROTOCOL_NAMES.get(protocol, protocol), protocol)
        form.addRow(self.tr("Protocol"), self.protocol_combo)
        self.title_edit = QLineEdit(self)
        self.title_edit.setPlaceholderText(self.tr("e.g. My institute's STAC catalogue"))
        form.addRow(self.tr("Title"), self.title_edit)
        self.id_edit = QLineEdit(self)
        self.id_edit.setValidator(QRegularExpressionValidator(QRegularExpression(r"[a-z0-9_]{0,40}"), self))
        self.id_edit.setPlaceholderText(self.tr("lower case letters, digits and _"))
        form.addRow(self.tr("Identifier"), self.id_edit)
        self.url_edit = QLineEdit(self)
        self.url_edit.setPlaceholderText("https://example.org/stac/v1")
        form.addRow(self.tr("URL"), self.url_edit)
        self.auth_combo = QComboBox(self)
        self.auth_combo.addItem(self.tr("No account"), "none")
        self.auth_combo.addItem(self.tr("User name and password"), "basic")
        self.auth_combo.addItem(self.tr("API key"), "apikey")
        form.addRow(self.tr("Account"), self.auth_combo)
        layout.addLayout(form)
        self.problem_label = QLabel(self)
        self.problem_label.setObjectName("eoPortalsEndpointProblem")
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet("color: #b3261e;")
        layout.addWidget(self.problem_label)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Add"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._id_edited = False
        self.id_edit.textEdited.connect(self._id_typed)
        self.title_edit.textChanged.connect(self._title_changed)
        self.base_combo.currentIndexChanged.connect(self._base_changed)
        self.protocol_combo.currentIndexChanged.connect(self._protocol_changed)
        for edit in (self.title_edit, self.id_edit, self.url_edit):
            edit.textChanged.connect(self._validate)
        self._validate()

    def _id_typed(self, _text: str) -> None:
        self._id_edited = True

    def _title_changed(self, text: str) -> None:
        if not self._id_edited:
            self.id_edit.setText(re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:40])

    def _base_changed(self, _index: int) -> None:
        base_id = self.base_combo.currentData()
        locked = bool(base_id)
        if locked:
            base = self.catalog.portals[base_id]
            self.protocol_combo.setCurrentIndex(max(0, self.protocol_combo.findData(base.protocol)))
            self._select_auth(base.auth)
            if not self.title_edit.text():
                self.title_edit.setText(self.tr("{title} (mirror)").format(title=base.title))
        self.protocol_combo.setEnabled(not locked)
        self.auth_combo.setEnabled(not locked)

    def _protocol_changed(self, _index: int) -> None:
        if self.protocol_combo.currentData() == "dhus":
            self._select_auth("basic")

    def _select_auth(self, auth: str) -> None:
        index = self.auth_combo.findData(auth)
        if index < 0:  # oidc, sas... kept as the base portal's, shown as "account" when one is needed
            index = self.auth_combo.findData("basic" if auth in accounts.ACCOUNT_KINDS else "none")
        self.auth_combo.setCurrentIndex(index)

    def problem(self) -> str:
        """What keeps the form from being added ('' when it can be)."""
        portal_id = self.id_edit.text().strip()
        url = self.url_edit.text().strip()
        if not self.title_edit.text().strip():
            return self.tr("Give the endpoint a title.")
        if not portal_id:
            return self.tr("Give the endpoint an identifier.")
        if portal_id in self.catalog.portals:
            return self.tr("A portal with the identifier '{id}' exists already.").format(id=portal_id)
        return url_problem(url)

    def _validate(self, *_args: Any) -> None:
        problem = self.problem()
        # An empty form is not an error yet: say nothing until the user typed something.
        typed = any(edit.text() for edit in (self.title_edit, self.url_edit))
        self.problem_label.setText(problem if typed else "")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)

    def entry(self) -> Tuple[str, Dict[str, Any]]:
        """(portal id, catalog entry) for the user catalog file."""
        base_id = self.base_combo.currentData()
        entry: Dict[str, Any] = {}
        if base_id:
            base = self.catalog.portals[base_id]
            entry.update({key: value for key, value in base.extra.items() if not key.startswith("_")})
            entry.update({"collections": base.collections, "options": base.options, "auth": base.auth,
                          "page_size": base.page_size, "max_page_size": base.max_page_size,
                          "max_downloads": base.max_downloads, "resume": base.resume, "mirror_of": base.id})
        else:
            entry["auth"] = self.auth_combo.currentData()
        entry.update({
            "protocol": self.protocol_combo.currentData(),
            "title": self.title_edit.text().strip(),
            "url": self.url_edit.text().strip().rstrip("/"),
            "enabled": True,
        })
        return self.id_edit.text().strip(), entry

    def accept(self) -> None:
        """Close only when the form is complete."""
        problem = self.problem()
        if problem:
            self.problem_label.setText(problem)
            return
        super().accept()


# ---- the dialog --------------------------------------------------------------------------------------------
