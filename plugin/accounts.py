"""Portal accounts: QGIS authentication configurations resolved into the core's plain `Credentials`.

The only thing EO Portals stores about an account is the id of a QGIS authentication configuration
(``eo_portals/portals/<portal id>/authcfg``, see settings.py). The secret stays in QGIS's encrypted
authentication database; it is read here, on the main thread, when a task is prepared, handed to the task
as plain data, and registered with the log so that it is masked wherever it could appear.

How a configuration maps to credentials (also shown in the Portals dialog):

- **Basic** (user name and password): ``username``/``password``, for OpenID Connect portals (Copernicus
  Data Space: your login), Basic-auth portals (DHuS mirrors) and URL-signing portals (THEIA: access key as
  user name, secret key as password). For an API-key portal (GEODES) and for Planetary Computer's optional
  subscription key, the **password field holds the key** (the user name is not used): QGIS 3.22 has no
  "API Header" method.
- **API Header** (QGIS 3.26 and later): the value of the header the portal expects (``X-API-Key`` for
  GEODES, ``Ocp-Apim-Subscription-Key`` for Planetary Computer), or the configuration's only header value;
  for THEIA the ``access-key`` and ``secret-key`` headers.
- Other methods (OAuth2, PKI, ESRI token) cannot be used by the portals and resolve to nothing.
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, Optional

from qgis.core import QgsApplication, QgsAuthMethodConfig
from qgis.PyQt.QtCore import QCoreApplication

from . import settings
from .core.catalog import Portal
from .core.credentials import Credentials
from .log import log_warning, register_basic_auth, register_secret

BASIC_METHOD = "Basic"
API_HEADER_METHOD = "APIHeader"  # QgsAuthApiHeaderMethod, QGIS >= 3.26
ACCOUNT_KINDS = ("oidc", "apikey", "basic", "signing")  # an account is needed to download
OPTIONAL_ACCOUNT_KINDS = ("sas",)  # an account helps (Planetary Computer: fewer rate limits) but is not needed
SEARCH_ACCOUNT_KINDS = ("basic",)  # DHuS mirrors answer searches only with an account
KEY_KINDS = ("apikey", "sas")  # accounts that are one key
KEY_HEADERS = {"sas": "Ocp-Apim-Subscription-Key"}  # the header of a key when the catalog names none


# Called as translate("EOPortals", "literal") so that pylupdate5 finds the texts.
translate = QCoreApplication.translate


def needs_account(portal: Portal, for_search: bool = False) -> bool:
    """Whether the portal needs an account: to download (oidc, apikey, basic) or, with `for_search`, to search."""
    kinds = SEARCH_ACCOUNT_KINDS if for_search else ACCOUNT_KINDS
    return portal.auth in kinds


def accepts_account(portal: Portal) -> bool:
    """Whether an account can be chosen for the portal (needed, or optional as for Planetary Computer)."""
    return portal.auth in ACCOUNT_KINDS + OPTIONAL_ACCOUNT_KINDS


def account_portal_id(portal: Portal) -> str:
    """The portal whose account this one uses (CDSE STAC uses the CDSE account: ``auth_portal``)."""
    return str(portal.get("auth_portal") or portal.id)


def authcfg_for(portal: Portal) -> str:
    """The authentication configuration id chosen for the portal, else the one of its ``auth_portal``."""
    own = settings.portal_authcfg(portal.id)
    if own:
        return own
    shared = account_portal_id(portal)
    return settings.portal_authcfg(shared) if shared != portal.id else ""


def api_header_available() -> bool:
    """Whether this QGIS offers the "API Header" authentication method (3.26 and later)."""
    manager = QgsApplication.authManager()
    return manager is not None and API_HEADER_METHOD in manager.authMethodsKeys()


def credentials_from_config(portal: Portal, config: QgsAuthMethodConfig) -> Optional[Credentials]:
    """Map a loaded authentication configuration onto the portal's credentials (None if it cannot be used)."""
    method = config.method()
    values = {str(k): str(v) for k, v in dict(config.configMap()).items()}
    if method == BASIC_METHOD:
        username, password = values.get("username", ""), values.get("password", "")
        if portal.auth in KEY_KINDS:
            credentials = Credentials(api_key=password or username)
        else:
            credentials = Credentials(username=username, password=password)
    elif method == API_HEADER_METHOD:
        headers = {name.lower(): value for name, value in values.items() if name}
        if portal.auth == "signing" and "secret-key" in headers:
            credentials = Credentials(username=headers.get("access-key", ""), password=headers["secret-key"])
        else:
            wanted = str(portal.get("api_key_header", KEY_HEADERS.get(portal.auth, "X-API-Key"))).lower()
            api_key = headers.get(wanted) or (next(iter(headers.values())) if headers else "")
            credentials = Credentials(api_key=api_key)
    else:
        return None
    return None if credentials.empty else credentials


def credentials_for(portal: Portal, authcfg: Optional[str] = None) -> Optional[Credentials]:
    """The portal's credentials from QGIS's authentication database, or None. Main thread only.

    `authcfg` overrides the saved choice (the Portals dialog tests a choice before it is saved). Loading may
    ask the user for QGIS's master password, as any QGIS authentication does.
    """
    authcfg = authcfg if authcfg is not None else authcfg_for(portal)
    if not authcfg:
        return None
    manager = QgsApplication.authManager()
    if manager is None or manager.isDisabled():
        log_warning(translate("EOPortals", "{title}: the QGIS authentication system is not available, the account is "
                                           "not used.").format(title=portal.title))
        return None
    config = QgsAuthMethodConfig()
    if not _loaded(manager.loadAuthenticationConfig(authcfg, config, True)):
        log_warning(translate("EOPortals", "{title}: the authentication configuration {authcfg} could not be read "
                                           "(removed, or the master password was not given).")
                    .format(title=portal.title, authcfg=authcfg))
        return None
    credentials = credentials_from_config(portal, config)
    if credentials is None:
        if config.method() not in (BASIC_METHOD, API_HEADER_METHOD):
            log_warning(translate("EOPortals", "{title}: the authentication configuration '{name}' uses the method "
                                               "{method}, which EO Portals cannot use; choose a Basic configuration.")
                        .format(title=portal.title, name=config.name(), method=config.method()))
        return None
    register_basic_auth(credentials.username, credentials.password)
    for secret in credentials.secrets():
        register_secret(secret)
    return credentials


def _loaded(result: Any) -> bool:
    """Whether loadAuthenticationConfig succeeded: PyQGIS 3.22 returns (bool, config), a tuple always true."""
    return bool(result[0]) if isinstance(result, tuple) else bool(result)


def credentials_by_portal(portals: Iterable[Portal]) -> Dict[str, Credentials]:
    """{portal id: credentials} for the portals that have an account, to hand to a search or download task."""
    found: Dict[str, Credentials] = {}
    for portal in portals:
        credentials = credentials_for(portal)
        if credentials is not None:
            found[portal.id] = credentials
    return found
