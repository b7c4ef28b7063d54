"""The plugin's preferences in QgsSettings, typed and with defaults (after Oslandia's `toolbelt/preferences.py`).

Nothing secret is ever written here: a portal account is an `authcfg` id of QGIS's authentication database,
resolved by `plugin/accounts.py` when a task is prepared. Keys live under ``eo_portals/``::

    eo_portals/search/collection          str   unified collection id        (S2_MSI_L2A)
    eo_portals/search/portals             str   checked portal ids, comma separated ("" = every usable one)
    eo_portals/search/date_preset         int   last N days (7, 30, 90) or 0 for the dates below (30)
    eo_portals/search/start_date          str   YYYY-MM-DD, used when date_preset is 0
    eo_portals/search/end_date            str   YYYY-MM-DD, used when date_preset is 0
    eo_portals/search/max_cloud           int   0..100 (30)
    eo_portals/search/orbit_direction     str   "", ASCENDING or DESCENDING
    eo_portals/search/relative_orbit      int   0 = any
    eo_portals/search/tile                str   MGRS tile or ""
    eo_portals/search/platform            str   e.g. S2A, or ""
    eo_portals/search/advanced_open       bool  the advanced filters group is expanded
    eo_portals/search/aoi_wkt             str   last area of interest, WKT in EPSG:4326
    eo_portals/search/limit               int   products wanted from each portal per page of results (100)
    eo_portals/search/budget              int   seconds a portal may take for one search (30)
    eo_portals/quicklooks/cache_mb        int   size bound of the quicklook cache (200)
    eo_portals/catalog_path               str   the user's portal catalog file (default: in the profile)
    eo_portals/ui/splitter                str   the panel's splitter sizes (Qt state, base64)
    eo_portals/ui/hidden_columns          str   results columns the user hid, comma-separated indexes
    eo_portals/downloads/folder           str   where products are downloaded (default: <Downloads>/EO Portals)
    eo_portals/downloads/max_concurrent   int   simultaneous downloads in all (4)
    eo_portals/downloads/add_to_map       bool  finished products are added to the map (true)
    eo_portals/downloads/extract          bool  downloaded zips are extracted (false)
    eo_portals/portals/<id>/enabled       bool  shown in the dock (default: the catalog's "enabled")
    eo_portals/portals/<id>/authcfg       str   QgsAuthManager configuration id ("" = no account)
    eo_portals/portals/<id>/last_status   str   ok | auth | failed | "" (never searched)
    eo_portals/portals/<id>/last_message  str   what the last search said (no secrets: core messages never hold any)
"""
from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, List, Optional

from qgis.core import QgsApplication, QgsSettings

from .core.catalog import CATALOG_ENV, Catalog, load_catalog

PREFIX = "eo_portals"


@dataclass
class SearchPreferences:
    """The search panel's last used values, with their defaults."""

    collection: str = "S2_MSI_L2A"
    portals: str = ""
    date_preset: int = 30
    start_date: str = ""
    end_date: str = ""
    max_cloud: int = 30
    orbit_direction: str = ""
    relative_orbit: int = 0
    tile: str = ""
    platform: str = ""
    advanced_open: bool = False
    aoi_wkt: str = ""
    limit: int = 100
    budget: int = 30

    @property
    def portal_ids(self) -> List[str]:
        """The checked portals as a list."""
        return [p for p in self.portals.split(",") if p]


def _typed(value: Any, default: Any) -> Any:
    """A QSettings value (often a string in INI files) converted to the type of its default."""
    if value is None:
        return default
    try:
        if isinstance(default, bool):
            if isinstance(value, str):
                return value.strip().lower() in ("true", "1", "yes")
            return bool(value)
        if isinstance(default, int):
            return int(value)
        if isinstance(default, float):
            return float(value)
        return str(value)
    except (TypeError, ValueError):
        return default


def get_value(key: str, default: Any) -> Any:
    """One preference under ``eo_portals/``, typed like its default."""
    return _typed(QgsSettings().value(f"{PREFIX}/{key}", default), default)


def set_value(key: str, value: Any) -> None:
    """Store one preference under ``eo_portals/``."""
    QgsSettings().setValue(f"{PREFIX}/{key}", value)


def load_search_preferences() -> SearchPreferences:
    """The last used search values (defaults where nothing was stored)."""
    settings = QgsSettings()
    defaults = SearchPreferences()
    values = {}
    for item in fields(SearchPreferences):
        default = getattr(defaults, item.name)
        values[item.name] = _typed(settings.value(f"{PREFIX}/search/{item.name}", default), default)
    return SearchPreferences(**values)


def save_search_preferences(preferences: SearchPreferences) -> None:
    """Remember the search values for the next session."""
    settings = QgsSettings()
    for item in fields(SearchPreferences):
        settings.setValue(f"{PREFIX}/search/{item.name}", getattr(preferences, item.name))


def quicklook_cache_bytes() -> int:
    """Size bound of the quicklook cache, in bytes."""
    return max(1, get_value("quicklooks/cache_mb", 200)) * 1024 * 1024


def hidden_columns(default: str) -> List[int]:
    """The results table's columns the user hid (`default`, comma-separated indexes, until they choose)."""
    text = str(get_value("ui/hidden_columns", default))
    return [int(part) for part in text.split(",") if part.strip().isdigit()]


def set_hidden_columns(columns: List[int]) -> None:
    """Remember the results table's columns the user hid."""
    set_value("ui/hidden_columns", ",".join(str(column) for column in sorted(columns)) or "none")


def profile_folder() -> Path:
    """The plugin's folder in the active QGIS profile (created on demand by its users)."""
    return Path(QgsApplication.qgisSettingsDirPath()) / "eo_portals"


def quicklook_cache_folder() -> Path:
    """Where quicklooks are cached."""
    return profile_folder() / "quicklooks"


def catalog_path() -> str:
    """The user's portal catalog file: $EO_PORTALS_CATALOG, else the setting, else one in the profile."""
    return os.environ.get(CATALOG_ENV) or get_value("catalog_path", "") or str(profile_folder() / "catalog.json")


def catalog_path_chosen() -> bool:
    """Whether the user named a catalog file ($EO_PORTALS_CATALOG or the setting), rather than the default one."""
    return bool(os.environ.get(CATALOG_ENV) or get_value("catalog_path", ""))


def current_catalog(path: Optional[str] = None) -> Catalog:
    """The portal catalog the settings point to (or the file `path`): the built-in portals with the user's file.

    A file the user named ($EO_PORTALS_CATALOG, the setting, or `path`) is read even when missing, so that the
    problem is reported in `Catalog.problems`; the default file in the profile only when it exists.
    """
    chosen = path or catalog_path()
    named = bool(path) or catalog_path_chosen()
    return load_catalog(chosen if named or Path(chosen).exists() else None, env={})


def splitter_state() -> str:
    """The panel's splitter sizes as Qt saved them (base64), or ""."""
    return get_value("ui/splitter", "")


def set_splitter_state(state: str) -> None:
    """Remember the panel's splitter sizes ("" forgets them)."""
    set_value("ui/splitter", state)


def set_last_aoi(wkt: str) -> None:
    """Remember the area of interest alone (the other search values are saved with the search)."""
    set_value("search/aoi_wkt", wkt)


# ---- openEO device sign-in (the refresh token itself is in QGIS's authentication database) -----------------
_SIGN_IN_KEYS = ("authcfg", "provider", "token_url", "client_id")


def openeo_sign_in(backend_id: str) -> dict:
    """The non-secret part of a device sign-in kept for an openEO back-end ({} when there is none):
    ``eo_portals/portals/<id>/openeo_authcfg``, ``_provider``, ``_token_url``, ``_client_id``."""
    values = {key: get_value(f"portals/{backend_id}/openeo_{key}", "") for key in _SIGN_IN_KEYS}
    return values if values["authcfg"] and values["token_url"] else {}


def set_openeo_sign_in(backend_id: str, authcfg: str, provider: str, token_url: str, client_id: str) -> None:
    """Keep the non-secret part of a device sign-in (the authcfg id holds the refresh token)."""
    for key, value in zip(_SIGN_IN_KEYS, (authcfg, provider, token_url, client_id)):
        set_value(f"portals/{backend_id}/openeo_{key}", value)


# ---- downloads -------------------------------------------------------------------------------------------
DEFAULT_MAX_DOWNLOADS = 4


def download_folder() -> str:
    """Where products are downloaded (default: <Downloads>/EO Portals)."""
    folder = get_value("downloads/folder", "")
    if folder:
        return folder
    from qgis.PyQt.QtCore import QStandardPaths

    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DownloadLocation) or str(Path.home())
    return str(Path(base) / "EO Portals")


def set_download_folder(folder: str) -> None:
    """Remember the download folder."""
    set_value("downloads/folder", str(folder))


def max_downloads() -> int:
    """The global limit of simultaneous downloads."""
    return max(1, get_value("downloads/max_concurrent", DEFAULT_MAX_DOWNLOADS))


def add_to_map() -> bool:
    """Whether finished products are added to the map."""
    return get_value("downloads/add_to_map", True)


def set_add_to_map(on: bool) -> None:
    """Add finished products to the map, or not."""
    set_value("downloads/add_to_map", bool(on))


def extract_archives() -> bool:
    """Whether downloaded zips are extracted."""
    return get_value("downloads/extract", False)


def set_extract_archives(on: bool) -> None:
    """Extract downloaded zips, or not."""
    set_value("downloads/extract", bool(on))


def queue_path() -> Path:
    """The download queue in the QGIS profile."""
    return profile_folder() / "downloads.sqlite"


# ---- per portal ------------------------------------------------------------------------------------------
def portal_enabled(portal_id: str, default: bool = True) -> bool:
    """Whether the user shows this portal in the dock."""
    return get_value(f"portals/{portal_id}/enabled", default)


def set_portal_enabled(portal_id: str, enabled: bool) -> None:
    """Show or hide a portal in the dock."""
    set_value(f"portals/{portal_id}/enabled", bool(enabled))


def portal_authcfg(portal_id: str) -> str:
    """The QgsAuthManager configuration id chosen for a portal ("" when none)."""
    return get_value(f"portals/{portal_id}/authcfg", "")


def set_portal_authcfg(portal_id: str, authcfg: str) -> None:
    """Choose the authentication configuration of a portal (an id, never the secret itself)."""
    set_value(f"portals/{portal_id}/authcfg", authcfg or "")


STATUS_OK = "ok"
STATUS_AUTH = "auth"
STATUS_FAILED = "failed"


def portal_status(portal_id: str) -> tuple:
    """(status, message) of the portal's last search: status is ok, auth, failed or ""."""
    return (get_value(f"portals/{portal_id}/last_status", ""), get_value(f"portals/{portal_id}/last_message", ""))


def set_portal_status(portal_id: str, status: str, message: str = "") -> None:
    """Remember how the portal's last search ended."""
    set_value(f"portals/{portal_id}/last_status", status)
    set_value(f"portals/{portal_id}/last_message", message)
