"""Portals and accounts: which portals the dock searches, the account each one uses, connection tests, mirrors.

Choices are saved when the user presses OK (enabled portals and ``authcfg`` ids in QgsSettings through
settings.py; a DHuS URL in the user catalog file). "Add mirror or custom endpoint" writes the user catalog
file at once. Nothing secret is stored here: an account is the id of a QGIS authentication configuration.
"Test connection" sends one small request (STAC landing page, OData service document, a DHuS search of
zero rows, a resto search of one record) from a QgsTask and shows "reachable", "needs an account" or the
portal's own error.
"""
from __future__ import annotations

import copy
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

from qgis.core import QgsApplication, QgsAuthMethodConfig, QgsTask
from qgis.gui import QgsAuthConfigSelect
from qgis.PyQt.QtCore import QCoreApplication, Qt, pyqtSignal
from qgis.PyQt.QtGui import QBrush, QColor, QIcon, QPainter, QPixmap
from qgis.PyQt.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from .. import accounts, settings
from ..core.catalog import Catalog, CatalogError, Portal, read_user_file, write_user_entry
from ..core.auth import make_authenticator
from ..core.credentials import Credentials, search_auth
from ..core.errors import ErrorKind, PortalError
from ..core.http import HttpSettings, fetch, make_session
from ..core.portals.probe import probe_request, read_probe
from ..core.portals.base import Request
from ..log import log_exception, log_info, log_request_failure
from .endpoint_dialog import PROTOCOL_NAMES, EndpointDialog, url_problem

STATUS_COLORS = {
    settings.STATUS_OK: "#2e9e44",
    settings.STATUS_AUTH: "#e08a00",
    settings.STATUS_FAILED: "#d1382e",
    "": "#9a9a9a",
}
PROBE_TIMEOUT = 20.0  # seconds: a connection test is a small request, not a search
COLUMN_PORTAL, COLUMN_PROTOCOL, COLUMN_URL, COLUMN_ACCOUNT, COLUMN_STATUS = range(5)
PORTAL_ID_ROLE = Qt.ItemDataRole.UserRole


# ---- the connection test (plain data in, plain data out: runs in a worker thread; the requests and
# what their answers should look like are the adapters', plugin/core/portals) ---------------------------------
class ConnectionTestTask(QgsTask):
    """Sends a portal's probe request off the main thread; `done` reports (portal id, status, text, body).

    For an OpenID Connect portal with an account, it then logs in once (one token request) so that the
    test also says whether the account is accepted.
    """

    done = pyqtSignal(str, str, str, bytes)

    def __init__(self, portal: Portal, credentials: Optional[Credentials], http: HttpSettings, description: str,
                 account_portal: Optional[Portal] = None):
        super().__init__(description, QgsTask.Flag.CanCancel)
        self.portal = copy.deepcopy(portal)  # the worker reads its own copies, never the dialog's
        self.account_portal = copy.deepcopy(account_portal or portal)  # the portal holding the account
        self.credentials = credentials
        self.http = http
        self.request = probe_request(portal)
        self.failed_request: Optional[Request] = None  # what to log with a failure (never the token request)
        self.status = settings.STATUS_FAILED
        self.text = ""
        self.body = b""
        self.login_checked = False  # an account was sent to the token service and accepted
        self.login_refused = False
        self.error: Optional[PortalError] = None
        self._bug: Optional[BaseException] = None
        self._cancel = threading.Event()

    def cancel(self) -> None:
        """Stop waiting for the portal."""
        self._cancel.set()
        super().cancel()

    def run(self) -> bool:
        """Worker thread: the probe, then the login check; never raises."""
        try:
            self.failed_request = self.request
            session = make_session(self.http)
            try:
                auth, extra = search_auth(self.portal.auth, self.credentials,
                                          self.portal.get("api_key_header", "X-API-Key"))
                self.body = fetch(session, self.request, self.portal.title,
                                  timeout=min(self.http.timeout, PROBE_TIMEOUT), cancel=self._cancel,
                                  auth=auth, extra_headers=extra)
            finally:
                session.close()
            self.failed_request = None
            if self._should_log_in() and not self._cancel.is_set():
                make_authenticator(self.account_portal, self.credentials, self.http).token()
                self.login_checked = True
            self.status = settings.STATUS_OK
        except PortalError as error:
            self.error = error
            if error.kind == ErrorKind.AUTH:
                # The portal's own words; "needs an account" / "refused" is what the dialog says itself.
                self.status = settings.STATUS_AUTH
                self.login_refused = self.failed_request is None
                words = error.detail or (error.message if self.login_refused else "")
                self.text = f"{words} (HTTP {error.status})" if words and error.status else words or \
                    f"HTTP {error.status}"
            else:
                self.status = settings.STATUS_FAILED
                self.text = error.message
        except Exception as exc:  # a bug: reported to the dialog, logged with its traceback in finished()
            self.error = PortalError(self.portal.title, f"internal error ({type(exc).__name__}: {exc})",
                                     ErrorKind.UNREACHABLE)
            self.status = settings.STATUS_FAILED
            self.text = self.error.message
            self._bug = exc
        return True

    def _should_log_in(self) -> bool:
        credentials = self.credentials
        return (self.account_portal.auth == "oidc" and credentials is not None
                and bool(credentials.username and credentials.password)
                and bool(self.account_portal.get("token_url")))

    def finished(self, result: bool) -> None:
        """Main thread: log a failure and report."""
        if self._bug is not None:
            log_exception(self.tr("Connection test of {title} failed unexpectedly").format(title=self.portal.title),
                          self._bug)
        elif self.error is not None and self.error.kind != ErrorKind.CANCELLED:
            log_request_failure(self.error, self.failed_request)
        self.done.emit(self.portal.id, self.status, self.text, self.body)


def status_icon(status: str) -> QIcon:
    """A coloured dot: green reachable, orange needs an account, red failed, grey unknown."""
    pixmap = QPixmap(14, 14)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QBrush(QColor(STATUS_COLORS.get(status, STATUS_COLORS[""]))))
    painter.drawEllipse(2, 2, 10, 10)
    painter.end()
    return QIcon(pixmap)


class PortalsDialog(QDialog):
    """Settings > EO Portals: enable portals, choose accounts, test connections, add mirrors and endpoints."""

    statusChanged = pyqtSignal(str, str, str)  # noqa: N815 (Qt naming) portal id, status, message
    catalogChanged = pyqtSignal()  # noqa: N815 the user catalog file was written: reload the catalog

    def __init__(self, parent: Optional[QWidget] = None, catalog_path: Optional[str] = None):
        super().__init__(parent)
        self.setObjectName("eoPortalsPortalsDialog")
        self.setWindowTitle(self.tr("EO Portals: portals and accounts"))
        self.catalog_path = str(catalog_path or settings.catalog_path())
        self._catalog_given = str(catalog_path) if catalog_path else None  # None: the one the settings point to
        self.catalog: Catalog = self._load_catalog()
        self._enabled: Dict[str, bool] = {}
        self._authcfg: Dict[str, str] = {}
        self._urls: Dict[str, str] = {}  # template portals whose URL the user set (saved on OK)
        self._status: Dict[str, Tuple[str, str]] = {}
        self._tasks: Dict[str, ConnectionTestTask] = {}
        self.endpoint_form: Optional[EndpointDialog] = None
        self._build()
        self._read_choices()
        self._fill_table()
        if self.table.rowCount():
            self.table.selectRow(0)
        self.resize(1000, 640)

    # -- building ----------------------------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr(
            "Tick the portals EO Portals searches. An account is a QGIS authentication configuration: "
            "the password stays in QGIS's encrypted authentication database, EO Portals keeps only its id."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.problems_label = QLabel(self)
        self.problems_label.setObjectName("eoPortalsCatalogProblems")
        self.problems_label.setWordWrap(True)
        self.problems_label.setStyleSheet("color: #b3261e;")
        self.problems_label.setVisible(bool(self.catalog.problems))
        self.problems_label.setText("\n".join(self.catalog.problems))
        layout.addWidget(self.problems_label)

        self.table = QTableWidget(0, 5, self)
        self.table.setObjectName("eoPortalsTable")
        self.table.setHorizontalHeaderLabels(
            [self.tr("Portal"), self.tr("Protocol"), self.tr("URL"), self.tr("Account"), self.tr("Status")])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(COLUMN_PORTAL, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COLUMN_PROTOCOL, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COLUMN_URL, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(COLUMN_ACCOUNT, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COLUMN_STATUS, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(COLUMN_STATUS, 200)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.itemChanged.connect(self._item_changed)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        layout.addWidget(self.table, 3)

        self.details = QGroupBox(self)
        self.details.setObjectName("eoPortalsDetails")
        details_form = QFormLayout(self.details)
        self.url_edit = QLineEdit(self.details)
        self.url_edit.setObjectName("eoPortalsUrlEdit")
        self.url_edit.editingFinished.connect(self._url_edited)
        details_form.addRow(self.tr("URL"), self.url_edit)
        self.auth_select = QgsAuthConfigSelect(self.details)
        self.auth_select.setObjectName("eoPortalsAuthSelect")
        self.auth_select.selectedConfigIdChanged.connect(self._authcfg_chosen)
        self.auth_select.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        details_form.addRow(self.tr("Account"), self.auth_select)
        self.account_help = QLabel(self.details)
        self.account_help.setObjectName("eoPortalsAccountHelp")
        self.account_help.setWordWrap(True)
        self.account_help.setTextFormat(Qt.TextFormat.RichText)
        # A wrapped label's size hint assumes a narrow width (and so many lines) unless told otherwise.
        self.account_help.setMinimumWidth(560)
        details_form.addRow("", self.account_help)
        test_row = QHBoxLayout()
        self.test_button = QPushButton(self.tr("Test connection"), self.details)
        self.test_button.setObjectName("eoPortalsTestButton")
        self.test_button.setToolTip(self.tr("Send one small request to the portal, with the chosen account"))
        self.test_button.clicked.connect(self.test_selected)
        test_row.addWidget(self.test_button)
        self.test_result = QLabel(self.details)
        self.test_result.setObjectName("eoPortalsTestResult")
        self.test_result.setWordWrap(True)
        self.test_result.setMinimumWidth(560)
        self.test_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        test_row.addWidget(self.test_result, 1)
        details_form.addRow(test_row)
        layout.addWidget(self.details, 0)

        bottom = QHBoxLayout()
        self.add_button = QPushButton(self.tr("Add mirror or custom endpoint…"), self)
        self.add_button.setObjectName("eoPortalsAddButton")
        self.add_button.clicked.connect(self.open_endpoint_form)
        bottom.addWidget(self.add_button)
        self.catalog_label = QLabel(self)
        self.catalog_label.setObjectName("eoPortalsCatalogPath")
        self.catalog_label.setText(self.tr("Your catalog file: {path}").format(path=self.catalog_path))
        self.catalog_label.setToolTip(self.catalog_path)
        self.catalog_label.setStyleSheet("color: palette(mid);")
        self.catalog_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bottom.addWidget(self.catalog_label, 1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        bottom.addWidget(self.buttons)
        layout.addLayout(bottom)

    def _load_catalog(self) -> Catalog:
        return settings.current_catalog(self._catalog_given)

    def _read_choices(self) -> None:
        """The saved choices, for every portal of the catalog."""
        for portal in self.catalog.portals.values():
            if portal.id not in self._enabled:
                self._enabled[portal.id] = bool(portal.url) and settings.portal_enabled(portal.id, portal.enabled)
                self._authcfg[portal.id] = settings.portal_authcfg(portal.id)
                self._status[portal.id] = settings.portal_status(portal.id)

    # -- table -------------------------------------------------------------------------------------------
    def _fill_table(self) -> None:
        self.table.blockSignals(True)
        self.table.setRowCount(0)
        for portal in self.catalog.portals.values():
            row = self.table.rowCount()
            self.table.insertRow(row)
            name = QTableWidgetItem(portal.title)
            name.setData(PORTAL_ID_ROLE, portal.id)
            name.setToolTip(self._portal_tooltip(portal))
            self.table.setItem(row, COLUMN_PORTAL, name)
            self.table.setItem(row, COLUMN_PROTOCOL, QTableWidgetItem(PROTOCOL_NAMES.get(portal.protocol,
                                                                                      portal.protocol)))
            self.table.setItem(row, COLUMN_URL, QTableWidgetItem())
            self.table.setItem(row, COLUMN_ACCOUNT, QTableWidgetItem())
            self.table.setItem(row, COLUMN_STATUS, QTableWidgetItem())
            self._refresh_row(row)
        self.table.blockSignals(False)

    def _portal_tooltip(self, portal: Portal) -> str:
        lines = [portal.title, portal.homepage or portal.url]
        if portal.get("_user"):
            lines.append(self.tr("Added in your catalog file"))
        if portal.template:
            lines.append(self.tr("Set its URL to use it"))
        return "\n".join(line for line in lines if line)

    def _row_of(self, portal_id: str) -> int:
        for row in range(self.table.rowCount()):
            if self.table.item(row, COLUMN_PORTAL).data(PORTAL_ID_ROLE) == portal_id:
                return row
        return -1

    def _url_of(self, portal: Portal) -> str:
        return self._urls.get(portal.id, portal.url)

    def _refresh_row(self, row: int) -> None:
        """Show the row's portal as currently chosen (checkbox, URL, account, status)."""
        name = self.table.item(row, COLUMN_PORTAL)
        portal = self.catalog.portals[name.data(PORTAL_ID_ROLE)]
        url = self._url_of(portal)
        blocked = self.table.blockSignals(True)
        flags = Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled
        if url:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        name.setFlags(flags)
        name.setCheckState(Qt.CheckState.Checked if self._enabled.get(portal.id) and url
                           else Qt.CheckState.Unchecked)
        url_item = self.table.item(row, COLUMN_URL)
        url_item.setText(url or self.tr("(set its URL below)"))
        url_item.setToolTip(url)
        url_item.setForeground(QBrush(QColor("#7a7a7a")) if not url else QBrush())
        self.table.item(row, COLUMN_ACCOUNT).setText(self._account_text(portal))
        status, message = self._status.get(portal.id, ("", ""))
        status_item = self.table.item(row, COLUMN_STATUS)
        status_item.setIcon(status_icon(status))
        status_item.setText(self._status_text(status, message))
        status_item.setToolTip(message)
        self.table.blockSignals(blocked)

    def _account_text(self, portal: Portal) -> str:
        if not accounts.accepts_account(portal):
            return self.tr("Not needed")
        authcfg = self._authcfg.get(portal.id) or ""
        shared = accounts.account_portal_id(portal)
        if not authcfg and shared != portal.id and shared in self._authcfg:
            authcfg = self._authcfg.get(shared, "")
        if authcfg:
            return self._config_name(authcfg) or authcfg
        if accounts.needs_account(portal, for_search=True):
            return self.tr("Needed to search")
        if accounts.needs_account(portal):
            return self.tr("Needed to download")
        return self.tr("Optional")

    @staticmethod
    def _config_name(authcfg: str) -> str:
        manager = QgsApplication.authManager()
        configs = manager.availableAuthMethodConfigs() if manager is not None else {}
        config = configs.get(authcfg) if hasattr(configs, "get") else None
        return config.name() if isinstance(config, QgsAuthMethodConfig) else ""

    def _status_text(self, status: str, message: str) -> str:
        if status == "testing":
            return self.tr("Testing…")
        if status == settings.STATUS_OK:
            return self.tr("Reachable")
        if status == settings.STATUS_AUTH:
            return self.tr("Needs an account")
        if status == settings.STATUS_FAILED:
            return self.tr("Failed: {message}").format(message=message) if message else self.tr("Failed")
        return self.tr("Not tested")

    def _item_changed(self, item: QTableWidgetItem) -> None:
        if item.column() != COLUMN_PORTAL:
            return
        portal_id = item.data(PORTAL_ID_ROLE)
        self._enabled[portal_id] = item.checkState() == Qt.CheckState.Checked

    # -- details of the selected portal ---------------------------------------------------------------------
    def selected_portal(self) -> Optional[Portal]:
        """The portal of the selected row."""
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.catalog.portals.get(self.table.item(rows[0].row(), COLUMN_PORTAL).data(PORTAL_ID_ROLE))

    def select_portal(self, portal_id: str) -> None:
        """Select a portal's row (its details show below the table)."""
        row = self._row_of(portal_id)
        if row >= 0:
            self.table.selectRow(row)

    def _selection_changed(self) -> None:
        portal = self.selected_portal()
        self.details.setEnabled(portal is not None)
        if portal is None:
            return
        self.details.setTitle(portal.title)
        editable = portal.template or bool(portal.get("_user"))
        self.url_edit.setText(self._url_of(portal))
        self.url_edit.setReadOnly(not editable)
        self.url_edit.setPlaceholderText(self.tr("https://your-mirror.example.org/") if portal.template else "")
        self.url_edit.setToolTip(self.tr("Setting the URL enables the portal") if portal.template
                                 else self.tr("Built-in portal: add a mirror to use another address")
                                 if not editable else "")
        self.auth_select.blockSignals(True)
        self.auth_select.setConfigId(self._authcfg.get(portal.id, ""))
        self.auth_select.blockSignals(False)
        self.auth_select.setEnabled(accounts.accepts_account(portal))
        self.account_help.setText(self.account_help_text(portal))
        status, message = self._status.get(portal.id, ("", ""))
        self._show_test_result(portal, status, message)
        self.test_button.setEnabled(bool(self._url_of(portal)) and portal.id not in self._tasks)

    def account_help_text(self, portal: Portal) -> str:
        """How to set up the account of this portal, in plain words (rich text)."""
        shared = accounts.account_portal_id(portal)
        share_note = ""
        if shared != portal.id and shared in self.catalog.portals:
            share_note = " " + self.tr("Without one of its own, it uses the account of {title}.").format(
                title=self.catalog.portals[shared].title)
        if portal.auth == "oidc":
            return self.tr("Needed to download. Choose or create a <b>Basic</b> configuration holding your "
                           "{title} user name and password.").format(title=portal.title) + share_note
        if portal.auth == "apikey":
            header = portal.get("api_key_header", "X-API-Key")
            if accounts.api_header_available():
                how = self.tr("an <b>API Header</b> configuration with the header {header} and your key, or a "
                              "<b>Basic</b> configuration with your key as password").format(header=header)
            else:
                how = self.tr("a <b>Basic</b> configuration with your API key as password (the user name is "
                              "not used)")
            return self.tr("Needed to download. Choose or create {how}.").format(how=how) + share_note
        if portal.auth == "basic":
            return self.tr("Needed to search and download. Choose or create a <b>Basic</b> configuration with "
                           "your user name and password for this server.") + share_note
        if portal.auth == "signing":
            return self.tr("Needed to download: files are signed by the portal's signing service. Choose or "
                           "create a <b>Basic</b> configuration with your access key as user name and your "
                           "secret key as password.") + share_note
        if portal.auth == "sas":
            return self.tr("Optional: searching and downloading are open. A subscription key gives fewer rate "
                           "limits; put it as password in a <b>Basic</b> configuration.") + share_note
        return self.tr("No account is needed: searching and downloading are open.")

    def _url_edited(self) -> None:
        portal = self.selected_portal()
        if portal is None or self.url_edit.isReadOnly():
            return
        url = self.url_edit.text().strip().rstrip("/")
        if url == self._url_of(portal):
            return
        problem = url_problem(url) if url else ""
        if problem:
            self.test_result.setText(problem)
            return
        self._urls[portal.id] = url
        self._enabled[portal.id] = bool(url)  # setting the URL of a template enables it
        self._status[portal.id] = ("", "")
        self._refresh_row(self._row_of(portal.id))
        self.test_button.setEnabled(bool(url))

    def set_portal_url(self, portal_id: str, url: str) -> None:
        """Type a URL for a portal whose URL can be set (the DHuS template, your endpoints)."""
        self.select_portal(portal_id)
        self.url_edit.setText(url)
        self._url_edited()

    def _authcfg_chosen(self, authcfg: str) -> None:
        portal = self.selected_portal()
        if portal is None:
            return
        self._authcfg[portal.id] = authcfg or ""
        self._refresh_row(self._row_of(portal.id))
        for other in self.catalog.portals.values():  # portals sharing this account show it too
            if other.id != portal.id and accounts.account_portal_id(other) == portal.id:
                self._refresh_row(self._row_of(other.id))

    def _show_test_result(self, portal: Portal, status: str, message: str) -> None:
        color = STATUS_COLORS.get(status, STATUS_COLORS[""])
        text = self._status_text(status, "")
        if status in (settings.STATUS_AUTH, settings.STATUS_FAILED) and message:
            text = f"{text}: {message}"
        elif status == settings.STATUS_OK and message:
            text = f"{text} ({message})"
        if not status:
            text = self.tr("Not tested yet.") if self._url_of(portal) else self.tr("Set its URL to test it.")
        self.test_result.setText(f"<span style='color:{color}'>●</span> {_html(text)}")

    # -- connection test ---------------------------------------------------------------------------------
    def portal_as_chosen(self, portal: Portal) -> Portal:
        """The portal with the URL chosen in the dialog (not saved yet)."""
        url = self._url_of(portal)
        if url == portal.url:
            return portal
        return replace(portal, url=url)

    def test_selected(self) -> Optional[ConnectionTestTask]:
        """Test the selected portal's connection in a QgsTask; the result shows when it ends."""
        portal = self.selected_portal()
        return self.test_connection(portal.id) if portal is not None else None

    def test_connection(self, portal_id: str) -> Optional[ConnectionTestTask]:
        """Start the connection test of a portal (with the account chosen in the dialog) and return its task."""
        portal = self.portal_as_chosen(self.catalog.portal(portal_id))
        if not portal.url or portal_id in self._tasks:
            return None
        owner_id = accounts.account_portal_id(portal)
        authcfg = self._authcfg.get(portal_id) or self._authcfg.get(owner_id, "")
        owner = portal
        if not self._authcfg.get(portal_id) and owner_id in self.catalog.portals:
            owner = self.portal_as_chosen(self.catalog.portals[owner_id])
        credentials = accounts.credentials_for(portal, authcfg) if authcfg else None
        task = ConnectionTestTask(portal, credentials, _http_settings(),
                                  self.tr("EO Portals: testing {title}").format(title=portal.title), owner)
        task.done.connect(self._test_done)
        self._tasks[portal_id] = task
        self._status[portal_id] = ("testing", "")
        self._refresh_row(self._row_of(portal_id))
        if self.selected_portal() is not None and self.selected_portal().id == portal_id:
            self.test_button.setEnabled(False)
            self.test_result.setText(self.tr("Testing…"))
        QgsApplication.taskManager().addTask(task)
        return task

    def _test_done(self, portal_id: str, status: str, text: str, body: bytes) -> None:
        task = self._tasks.pop(portal_id, None)
        portal = self.catalog.portals.get(portal_id)
        if portal is None:
            return
        message = text
        if status == settings.STATUS_OK:
            looks_right, what, _data = read_probe(portal, body)
            if looks_right:
                message = what
                if task is not None and task.login_checked:
                    message = self.tr("{what}, account accepted").format(what=what) if what \
                        else self.tr("account accepted")
                if portal.protocol == "stac" and portal.get("_user"):
                    self._store_stac_options(portal, body)
            else:
                status = settings.STATUS_FAILED
                message = self.tr("it answered, but not as a {protocol} portal{start}").format(
                    protocol=PROTOCOL_NAMES.get(portal.protocol, portal.protocol),
                    start=self.tr(" (it said: {text})").format(text=what) if what else "")
        elif status == settings.STATUS_AUTH:
            if task is not None and task.login_refused:
                message = self.tr("the login was refused: {text}").format(text=text)
            elif task is not None and task.credentials is not None:
                message = self.tr("the account was refused: {text}").format(text=text)
            else:
                message = text or self.tr("choose an account")
        self._status[portal_id] = (status, message)
        if status in (settings.STATUS_OK, settings.STATUS_AUTH, settings.STATUS_FAILED):
            # What the dock's status dot shows until the next search.
            settings.set_portal_status(portal_id, status, message)
        log_info(self.tr("Connection test of {title}: {result}").format(
            title=portal.title, result=f"{self._status_text(status, '')} {message}".strip()))
        row = self._row_of(portal_id)
        if row >= 0:
            self._refresh_row(row)
        selected = self.selected_portal()
        if selected is not None and selected.id == portal_id:
            self._show_test_result(portal, status, message)
            self.test_button.setEnabled(True)
        self.statusChanged.emit(portal_id, status, message)

    def test_status(self, portal_id: str) -> Tuple[str, str]:
        """(status, message) shown for a portal: ok, auth, failed, testing or '' (not tested)."""
        return self._status.get(portal_id, ("", ""))

    def _store_stac_options(self, portal: Portal, landing: bytes) -> None:
        """Record what a user-added STAC API supports (filter language), from its landing page."""
        try:
            from ..core.portals import stac

            options = stac.conformance_options(landing)
        except PortalError as error:
            log_info(self.tr("{title}: {message}").format(title=portal.title, message=error.message))
            return
        except Exception:  # the STAC adapter missing or broken must not break the dialog
            log_exception(self.tr("Reading the STAC options of {title} failed").format(title=portal.title))
            return
        if all(portal.options.get(key) == value for key, value in options.items()):
            return
        try:
            entries = read_user_file(self.catalog_path) if Path(self.catalog_path).exists() else {}
            entry = dict(entries.get(portal.id, {}))
            entry["options"] = {**entry.get("options", {}), **options}
            write_user_entry(self.catalog_path, portal.id, entry)
        except (CatalogError, OSError) as error:
            log_exception(self.tr("Saving the STAC options of {title} failed").format(title=portal.title), error)
            return
        portal.options.update(options)
        self.catalogChanged.emit()

    # -- mirrors and custom endpoints ------------------------------------------------------------------------
    def open_endpoint_form(self) -> EndpointDialog:
        """Open the "Add mirror or custom endpoint" form (window-modal, does not block)."""
        self.endpoint_form = EndpointDialog(self.catalog, self)
        self.endpoint_form.accepted.connect(self._endpoint_accepted)
        self.endpoint_form.open()
        return self.endpoint_form

    def _endpoint_accepted(self) -> None:
        form = self.sender() if isinstance(self.sender(), EndpointDialog) else self.endpoint_form
        if form is None:
            return
        portal_id, entry = form.entry()
        self.add_endpoint(portal_id, entry)

    def add_endpoint(self, portal_id: str, entry: Dict[str, Any]) -> Optional[Portal]:
        """Write a new portal to the user catalog file, show it, select it and test it; None if it failed."""
        try:
            write_user_entry(self.catalog_path, portal_id, entry)
        except (CatalogError, OSError) as error:
            self.problems_label.setText(self.tr("The portal could not be saved: {error}").format(error=error))
            self.problems_label.setVisible(True)
            return None
        self.catalog = self._load_catalog()
        self.problems_label.setText("\n".join(self.catalog.problems))
        self.problems_label.setVisible(bool(self.catalog.problems))
        portal = self.catalog.portals.get(portal_id)
        if portal is None:
            return None
        self._read_choices()
        self._enabled[portal_id] = True
        settings.set_portal_enabled(portal_id, True)  # the file says so too: keep both in step
        self.catalogChanged.emit()
        self._fill_table()
        self.select_portal(portal_id)
        log_info(self.tr("Added the portal {title} ({protocol}, {url}) to {path}").format(
            title=portal.title, protocol=PROTOCOL_NAMES.get(portal.protocol, portal.protocol), url=portal.url,
            path=self.catalog_path))
        self.test_connection(portal_id)
        return portal

    # -- saving ------------------------------------------------------------------------------------------
    def save(self) -> None:
        """Store the choices: enabled portals and account ids in QgsSettings, template URLs in the catalog file."""
        for portal_id, url in self._urls.items():
            try:
                entries = read_user_file(self.catalog_path) if Path(self.catalog_path).exists() else {}
                entry = dict(entries.get(portal_id, {}))
                entry["url"] = url
                entry["enabled"] = bool(url)
                write_user_entry(self.catalog_path, portal_id, entry)
            except (CatalogError, OSError) as error:
                log_exception(self.tr("Saving the URL of {id} failed").format(id=portal_id), error)
        if self._urls:
            self.catalogChanged.emit()
        for portal_id, enabled in self._enabled.items():
            settings.set_portal_enabled(portal_id, enabled)
        for portal_id, authcfg in self._authcfg.items():
            if authcfg != settings.portal_authcfg(portal_id):
                settings.set_portal_authcfg(portal_id, authcfg)

    def accept(self) -> None:
        """OK: save, then close."""
        self.save()
        super().accept()

    def done(self, result: int) -> None:
        """Closing stops the connection tests still running."""
        for task in list(self._tasks.values()):
            try:
                task.done.disconnect(self._test_done)
                task.cancel()
            except (RuntimeError, TypeError):  # already finished and deleted by the task manager
                pass
        self._tasks.clear()
        super().done(result)


def _http_settings() -> HttpSettings:
    """QGIS's network options (proxy, timeout) for the test request."""
    try:
        from ..network import http_settings

        return http_settings()
    except Exception:  # never let a proxy setting problem stop the dialog: test without it
        log_exception(QCoreApplication.translate("PortalsDialog",
                                                 "Reading QGIS's network settings failed; testing without a proxy"))
        return HttpSettings()


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
