"""What every EO Portals algorithm needs: translation, QGIS-version enums, catalog, credentials, network settings.

Kept apart from the algorithms so that the search and download algorithms read the catalog, the accounts
and the proxy the same way the dock does.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, Iterable, Mapping, Optional

from qgis.core import (
    Qgis,
    QgsApplication,
    QgsAuthMethodConfig,
    QgsProcessing,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterNumber,
    QgsSettings,
)
from qgis.PyQt.QtCore import QCoreApplication

from ..core.catalog import CATALOG_ENV, Catalog, Portal, load_catalog
from ..core.credentials import Credentials
from ..core.http import HttpSettings

ICON_PATH = Path(__file__).resolve().parents[2] / "resources" / "icon.svg"
SETTINGS_PREFIX = "eo_portals"
CATALOG_PATH_KEY = f"{SETTINGS_PREFIX}/catalog_path"

# QGIS 3.36 moved the Processing enums to Qgis.*; the old names are deprecated from then on.
if hasattr(Qgis, "ProcessingSourceType"):  # pragma: no cover - not the QGIS the tests run on
    VECTOR_POLYGON = Qgis.ProcessingSourceType.VectorPolygon
    NUMBER_DOUBLE = Qgis.ProcessingNumberParameterType.Double
    NUMBER_INTEGER = Qgis.ProcessingNumberParameterType.Integer
    FLAG_ADVANCED = Qgis.ProcessingParameterFlag.Advanced
else:
    VECTOR_POLYGON = QgsProcessing.TypeVectorPolygon
    NUMBER_DOUBLE = QgsProcessingParameterNumber.Double
    NUMBER_INTEGER = QgsProcessingParameterNumber.Integer
    FLAG_ADVANCED = QgsProcessingParameterDefinition.FlagAdvanced


def tr(text: str) -> str:
    """Translate a user-visible text of the Processing algorithms."""
    return QCoreApplication.translate("EOPortals", text)


def has_value(parameters: Mapping[str, Any], name: str) -> bool:
    """Whether an optional parameter was given (absent, None, NULL and blank text count as not given)."""
    value = parameters.get(name)
    if value is None:
        return False
    try:
        if value == None:  # noqa: E711 - QGIS's NULL QVariant compares equal to None, but is not None
            return False
    except Exception:  # some Qt objects refuse the comparison: they are values
        return True
    if isinstance(value, str) and not value.strip():
        return False
    return True


def catalog_from_settings(env: Optional[Mapping[str, str]] = None) -> Catalog:
    """The portal catalog: ``EO_PORTALS_CATALOG`` when set, else the plugin's ``eo_portals/catalog_path`` setting."""
    env = os.environ if env is None else env
    if env.get(CATALOG_ENV):
        return load_catalog(env=dict(env))
    path = QgsSettings().value(CATALOG_PATH_KEY, "", type=str) or None
    return load_catalog(path, env={})


def authcfg_key(portal_id: str) -> str:
    """The QgsSettings key holding the authcfg id chosen for a portal (an id, never a secret)."""
    return f"{SETTINGS_PREFIX}/portals/{portal_id}/authcfg"


def credentials_for(portal: Portal) -> Optional[Credentials]:
    """The account of a portal, read from the QGIS authentication database; None when none is set or readable."""
    authcfg = QgsSettings().value(authcfg_key(portal.id), "", type=str)
    if not authcfg:
        return None
    config = QgsAuthMethodConfig()
    manager = QgsApplication.authManager()
    loaded = manager.loadAuthenticationConfig(authcfg, config, True)
    if isinstance(loaded, tuple):  # some PyQGIS builds return (ok, config)
        loaded, config = loaded[0], loaded[-1]
    if not loaded or not config.isValid():
        return None
    username = config.config("username", "")
    password = config.config("password", "")
    api_key = config.config("apikey", "") or config.config("key", "") or config.config("token", "")
    if portal.auth == "apikey" and not api_key and password and not username:
        api_key = password  # a Basic config holding only the key in its password field
    return Credentials(username=username, password=password, api_key=api_key)


def credentials_for_portals(portals: Iterable[Portal]) -> Dict[str, Credentials]:
    """Accounts of the portals that need one to search (basic auth, API keys), by portal id."""
    found: Dict[str, Credentials] = {}
    for portal in portals:
        if portal.auth not in ("basic", "apikey"):
            continue
        credentials = credentials_for(portal)
        if credentials is not None and not credentials.empty:
            found[portal.id] = credentials
    return found


def http_settings(timeout: float) -> HttpSettings:
    """Network settings (QGIS proxy when the plugin's network helper is there) with a request timeout."""
    base = HttpSettings()
    try:
        from .. import network  # the plugin's helper that reads QGIS's proxy settings
    except ImportError:
        network = None
    if network is not None:
        for name in ("http_settings", "qgis_http_settings", "settings_from_qgis"):
            builder = getattr(network, name, None)
            if callable(builder):
                try:
                    base = builder()
                except Exception:  # a broken proxy setting must not stop the search: use defaults
                    base = HttpSettings()
                break
    return HttpSettings(
        proxies=dict(base.proxies),
        no_proxy=tuple(base.no_proxy),
        verify=base.verify,
        user_agent=base.user_agent,
        timeout=float(timeout),
        trust_env=base.trust_env,
    )
