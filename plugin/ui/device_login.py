"""Sign in to an openEO back-end with OpenID Connect's device code (CDSE): the dialog shows the link and the code,
opens the browser, and waits for the confirmation in a task; the refresh token goes into QGIS's authentication
database (a Basic configuration whose password is the token), never into settings or logs.

Settings keep only what is not secret: which configuration holds the token, the provider id, the token endpoint
and the client id (``eo_portals/portals/<id>/openeo_*``). `openeo_accounts.bearer_for` then signs requests with
``oidc/<provider>/<access token>``, refreshing as needed.
"""
from __future__ import annotations

import threading
from typing import Any, Optional

from qgis.core import QgsApplication, QgsAuthMethodConfig
from qgis.PyQt.QtCore import QUrl, pyqtSignal
from qgis.PyQt.QtGui import QDesktopServices
from qgis.PyQt.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPushButton, QVBoxLayout, QWidget

from .. import settings
from ..core.catalog import Portal
from ..core.errors import EOPortalsError
from ..core.http import HttpSettings, make_session
from ..core.openeo import oidc
from ..core.openeo.client import OpenEOClient
from .openeo_task import JobCallTask

DEVICE_USER = "openeo-device-sign-in"  # the user name of the Basic configuration holding a refresh token


class DeviceLoginDialog(QDialog):
    """Link, code, 'Open the browser'; closes with accept() once the sign-in is confirmed and kept."""

    signed_in = pyqtSignal(str)  # the authcfg id holding the refresh token

    def __init__(self, backend: Portal, http: Optional[HttpSettings] = None, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.backend = backend
        self.http = http or HttpSettings()
        self.cancel_event = threading.Event()
        self.device: Optional[oidc.DeviceAuthorization] = None
        self.tasks = []
        self.setWindowTitle(self.tr("Sign in to {backend}").format(backend=backend.title))
        layout = QVBoxLayout(self)
        self.status = QLabel(self.tr("Asking {backend} how to sign in…").format(backend=backend.title), self)
        self.status.setWordWrap(True)
        self.link = QLabel(self)
        self.link.setOpenExternalLinks(True)
        self.code = QLabel(self)
        self.browser_button = QPushButton(self.tr("Open the browser"), self)
        self.browser_button.setEnabled(False)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        for widget in (self.status, self.link, self.code, self.browser_button, buttons):
            layout.addWidget(widget)
        self.browser_button.clicked.connect(self.open_browser)
        buttons.rejected.connect(self.reject)
        self._start()

    def _run(self, description: str, work, done) -> None:
        task = JobCallTask(description, work, done)
        self.tasks.append(task)
        QgsApplication.taskManager().addTask(task)

    def _start(self) -> None:
        backend, http, prefer = self.backend, self.http, str(self.backend.get("oidc_provider") or "")

        def work() -> Any:
            client = OpenEOClient.connect(backend.url, backend.title, settings=http)
            provider = oidc.choose_provider(client._call("GET", "/credentials/oidc", auth=False), prefer=prefer)
            session = make_session(http)
            config = oidc.discover(session, provider.issuer, backend.title, http.timeout)
            device = oidc.start(session, config, provider.client_id, provider.scopes, backend.title, http.timeout)
            return provider, config, device

        self._run(self.tr("openEO: sign-in to {backend}").format(backend=backend.title), work, self._started)

    def _started(self, value: Any, error: Optional[Exception]) -> None:
        if error is not None:
            self._failed(error)
            return
        provider, config, device = value
        self.device = device
        url = device.verification_uri_complete or device.verification_uri
        self.link.setText(f'<a href="{url}">{url}</a>')
        self.code.setText(self.tr("Code: {code}").format(code=device.user_code))
        self.status.setText(self.tr("Open the link, sign in with your account and confirm the code; this window "
                                    "closes by itself."))
        self.browser_button.setEnabled(True)
        backend, http, cancel = self.backend, self.http, self.cancel_event

        def work() -> Any:
            session = make_session(http)
            return oidc.wait(session, config, provider.client_id, device, backend.title, cancel=cancel,
                             timeout=http.timeout)

        self._run(self.tr("openEO: waiting for the sign-in to {backend}").format(backend=backend.title), work,
                  lambda tokens, error: self._confirmed(provider, config, tokens, error))

    def open_browser(self) -> None:
        if self.device is not None:
            QDesktopServices.openUrl(QUrl(self.device.verification_uri_complete or self.device.verification_uri))

    def _confirmed(self, provider: oidc.Provider, config: dict, tokens: Any, error: Optional[Exception]) -> None:
        if error is not None:
            self._failed(error)
            return
        refresh = str(tokens.get("refresh_token") or "")
        if not refresh:
            self._failed(EOPortalsError(self.tr("{backend} gave no refresh token: the sign-in cannot be kept.")
                                        .format(backend=self.backend.title)))
            return
        manager = QgsApplication.authManager()
        config_entry = QgsAuthMethodConfig("Basic")
        config_entry.setName(self.tr("{backend} (openEO sign-in)").format(backend=self.backend.title))
        config_entry.setConfig("username", DEVICE_USER)
        config_entry.setConfig("password", refresh)
        stored = manager.storeAuthenticationConfig(config_entry)
        if not (stored[0] if isinstance(stored, tuple) else stored):
            self._failed(EOPortalsError(self.tr("The sign-in could not be kept in QGIS's authentication database.")))
            return
        settings.set_openeo_sign_in(self.backend.id, config_entry.id(), provider.id, str(config["token_endpoint"]),
                                    provider.client_id)
        self.signed_in.emit(config_entry.id())
        self.accept()

    def _failed(self, error: Exception) -> None:
        self.status.setText(str(error) if isinstance(error, EOPortalsError) else
                            self.tr("The sign-in failed unexpectedly: {error}").format(error=error))
        self.browser_button.setEnabled(False)

    def done(self, result: int) -> None:  # noqa: D102 - closing stops the wait
        self.cancel_event.set()
        super().done(result)
