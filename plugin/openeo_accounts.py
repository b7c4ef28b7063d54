"""The sign-in of an openEO back-end from the accounts in QGIS's authentication database (main thread only).

A back-end with ``auth: oidc`` and ``auth_portal: cdse`` uses the CDSE account of downloads (its password grant and
refresh, tokens sent as ``oidc/<provider>/<token>``); ``auth: basic`` uses its own user name and password
(``basic//<token>``); a device-code sign-in (ui/device_login.py) comes first when one is kept; without an account the
requests go unsigned (the back-end says what needs a sign-in).

A device sign-in's tokens are one `DeviceTokens` per back-end and sign-in, shared by every call of the session: the
identity server may rotate refresh tokens (Keycloak answers a refresh with a new one and refuses the old one), so
two calls must not each refresh with the same kept token. A rotated refresh token goes back into the same
authentication configuration, on the main thread, so that the next QGIS session resumes from a live one.
"""
from __future__ import annotations

import threading
from typing import Dict, Optional, Tuple

from qgis.core import QgsApplication, QgsAuthMethodConfig
from qgis.PyQt.QtCore import QCoreApplication, QObject, pyqtSignal, pyqtSlot

from .core.auth import make_authenticator
from .core.catalog import Catalog, Portal
from .core.http import HttpSettings
from .core.openeo.client import BasicBearer, Bearer, OidcBearer
from .core.openeo.oidc import DeviceTokens
from .log import log_warning, register_secret

translate = QCoreApplication.translate

_device_tokens: Dict[Tuple[str, str, str, str], DeviceTokens] = {}
_lock = threading.Lock()


class _TokenKeeper(QObject):
    """Writes rotated refresh tokens into the authentication database on the main thread (it lives there: a
    signal emitted by a task's thread is queued to it)."""

    rotated = pyqtSignal(str, str, str)  # authcfg, back-end title, new refresh token

    def __init__(self) -> None:
        super().__init__()
        self.rotated.connect(self.keep)

    @pyqtSlot(str, str, str)
    def keep(self, authcfg: str, title: str, refresh_token: str) -> None:
        """Runs on the main thread (the keeper's thread)."""
        keep_refresh_token(authcfg, title, refresh_token)


_keeper: Optional[_TokenKeeper] = None


def keep_refresh_token(authcfg: str, title: str, refresh_token: str) -> bool:
    """Store `refresh_token` as the password of the sign-in's authentication configuration. Main thread only."""
    register_secret(refresh_token)
    manager = QgsApplication.authManager()
    config = QgsAuthMethodConfig()
    result = manager.loadAuthenticationConfig(authcfg, config, True) if manager is not None and \
        not manager.isDisabled() else False
    if not (result[0] if isinstance(result, tuple) else result):
        log_warning(translate("EOPortals", "{title}: the renewed sign-in could not be kept (the authentication "
                                           "configuration {authcfg} could not be read); sign in again next time.")
                    .format(title=title, authcfg=authcfg))
        return False
    config.setConfig("password", refresh_token)
    if not manager.updateAuthenticationConfig(config):
        log_warning(translate("EOPortals", "{title}: the renewed sign-in could not be written to QGIS's "
                                           "authentication database; sign in again next time.").format(title=title))
        return False
    return True


def _token_keeper() -> _TokenKeeper:
    """The one keeper, living on the main thread whichever thread first asks (a Processing run asks from a
    worker thread, which has no event loop to run the queued writes)."""
    global _keeper
    with _lock:
        if _keeper is None:
            _keeper = _TokenKeeper()
            app = QCoreApplication.instance()
            if app is not None and _keeper.thread() is not app.thread():
                _keeper.moveToThread(app.thread())
        return _keeper


def _device_bearer(backend: Portal, device: dict, refresh_token: str, settings: Optional[HttpSettings]) -> Bearer:
    """The shared tokens of a kept device sign-in (made on first use, from the kept refresh token)."""
    keeper, authcfg, title = _token_keeper(), device["authcfg"], backend.title

    def rotated(new_token: str) -> None:  # in the thread that refreshed
        register_secret(new_token)
        keeper.rotated.emit(authcfg, title, new_token)

    key = (backend.id, authcfg, device["token_url"], device["client_id"])
    with _lock:
        tokens = _device_tokens.get(key)
        if tokens is None:
            tokens = DeviceTokens(title, device["token_url"], device["client_id"], settings, on_rotated=rotated)
            tokens.restore(refresh_token)
            _device_tokens[key] = tokens
        elif settings is not None:
            tokens.use_settings(settings)  # a proxy or CAs changed since: the next refresh goes their way
    return OidcBearer(device["provider"] or str(backend.get("oidc_provider") or "CDSE"), tokens)


def forget_device_tokens() -> None:
    """Drop the session's device-sign-in tokens (as a restart does: the next call resumes from the database)."""
    with _lock:
        _device_tokens.clear()


def bearer_for(catalog: Catalog, backend: Portal, settings: Optional[HttpSettings] = None) -> Bearer:
    """The bearer for `backend`, from the account chosen for it (or for the portal whose account it shares)."""
    from . import accounts
    from .settings import openeo_sign_in

    device = openeo_sign_in(backend.id)
    if device:  # a device-code sign-in kept for this back-end: its refresh token, from the auth database
        kept = accounts.credentials_for(backend, authcfg=device["authcfg"])
        if kept is not None and kept.password:
            return _device_bearer(backend, device, kept.password, settings)
    owner = catalog.portals.get(str(backend.get("auth_portal") or backend.id), backend)
    credentials = accounts.credentials_for(owner)
    if credentials is None or credentials.empty:
        return Bearer()
    if backend.auth == "basic":
        return BasicBearer(credentials.username, credentials.password)
    if backend.auth == "oidc":
        return OidcBearer(str(backend.get("oidc_provider") or "CDSE"), make_authenticator(owner, credentials, settings))
    return Bearer()
