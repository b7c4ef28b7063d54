"""The sign-in of an openEO back-end from the accounts in QGIS's authentication database (main thread only).

A back-end with ``auth: oidc`` and ``auth_portal: cdse`` uses the CDSE account of downloads (its password grant and
refresh, tokens sent as ``oidc/<provider>/<token>``); ``auth: basic`` uses its own user name and password
(``basic//<token>``); a device-code sign-in (ui/device_login.py) comes first when one is kept; without an account the requests go unsigned (the back-end says what needs a sign-in).
"""
from __future__ import annotations

from typing import Optional

from .core.auth import make_authenticator
from .core.catalog import Catalog, Portal
from .core.http import HttpSettings
from .core.openeo.client import BasicBearer, Bearer, OidcBearer


def bearer_for(catalog: Catalog, backend: Portal, settings: Optional[HttpSettings] = None) -> Bearer:
    """The bearer for `backend`, from the account chosen for it (or for the portal whose account it shares)."""
    from . import accounts
    from .core.openeo.oidc import DeviceTokens
    from .settings import openeo_sign_in

    device = openeo_sign_in(backend.id)
    if device:  # a device-code sign-in kept for this back-end: its refresh token, from the auth database
        kept = accounts.credentials_for(backend, authcfg=device["authcfg"])
        if kept is not None and kept.password:
            tokens = DeviceTokens(backend.title, device["token_url"], device["client_id"], settings)
            tokens.restore(kept.password)
            return OidcBearer(device["provider"] or str(backend.get("oidc_provider") or "CDSE"), tokens)
    owner = catalog.portals.get(str(backend.get("auth_portal") or backend.id), backend)
    credentials = accounts.credentials_for(owner)
    if credentials is None or credentials.empty:
        return Bearer()
    if backend.auth == "basic":
        return BasicBearer(credentials.username, credentials.password)
    if backend.auth == "oidc":
        return OidcBearer(str(backend.get("oidc_provider") or "CDSE"), make_authenticator(owner, credentials, settings))
    return Bearer()
