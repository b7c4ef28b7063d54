"""The portals as data: the built-in `catalog.json`, overridden or extended by a user catalog file.

A user file is JSON, either ``{"portals": {...}}`` or directly ``{"<portal id>": {...}}``. An entry whose id
exists is merged over the built-in one (``{"earth_search": {"url": "http://127.0.0.1:8000/v1"}}`` moves a
portal); a new id with a ``protocol`` and a ``url`` adds a portal (``{"my_stac": {"protocol": "stac",
"url": "https://example.org/stac", "title": "My catalogue"}}``). The file's path comes from the
``EO_PORTALS_CATALOG`` environment variable or the plugin's settings. A broken user file never stops the
built-in portals from working: its problems are listed in `Catalog.problems`.
"""
from __future__ import annotations

import copy
import functools
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

from .errors import CatalogError

CATALOG_ENV = "EO_PORTALS_CATALOG"
BUILTIN_PATH = Path(__file__).with_name("catalog.json")
PROTOCOLS = ("stac", "odata", "dhus", "resto", "openeo")
SEARCH_PROTOCOLS = ("stac", "odata", "dhus", "resto")  # openEO back-ends run jobs; they are not searched
AUTH_KINDS = ("none", "oidc", "apikey", "sas", "signing", "basic")


FILTERS = ("orbit_direction", "relative_orbit", "tile", "platform")  # the search filters a collection may take


@dataclass(frozen=True)
class Collection:
    """A unified collection id, what users call it, and its traits: the one place they are decided.

    `optical`: products have a cloud cover (the cloud limit applies); `filters`: which of `FILTERS` its products
    can be searched by (MGRS tiles are Sentinel-2's); `platforms`: the satellites a search may name.
    """

    id: str
    title: str
    mission: str
    optical: bool
    product_type: str = ""
    filters: Tuple[str, ...] = ()
    platforms: Tuple[str, ...] = ()


def _collections(data: Dict[str, Any]) -> Dict[str, Collection]:
    return {
        cid: Collection(
            id=cid,
            title=info["title"],
            mission=info.get("mission", ""),
            optical=bool(info.get("optical", False)),
            product_type=info.get("product_type", ""),
            filters=tuple(f for f in info.get("filters", ()) if f in FILTERS),
            platforms=tuple(info.get("platforms", ())),
        )
        for cid, info in data.items()
    }


@functools.lru_cache(maxsize=1)
def builtin_collections() -> Dict[str, Collection]:
    """The unified collections of the built-in catalog (the user's file adds portals, not collections)."""
    return _collections(json.loads(BUILTIN_PATH.read_text(encoding="utf-8"))["collections"])


def collection_traits(collection_id: str) -> Collection:
    """The traits of a unified collection; an unknown one is not optical and takes no filter."""
    return builtin_collections().get(collection_id) or Collection(collection_id, collection_id, "", False)


@dataclass
class Portal:
    """One portal's entry in the catalog."""

    id: str
    title: str  # short, as messages name the portal: "CDSE", "Earth Search"
    protocol: str
    url: str  # search root: STAC landing page, OData service root, DHuS root, resto API root
    collections: Dict[str, Any]  # unified id -> the portal's name (str), names (list) or adapter-specific dict
    auth: str = "none"
    enabled: bool = True
    template: bool = False  # a portal the user must complete (DHuS mirror: its URL)
    page_size: int = 100
    max_page_size: int = 1000
    max_downloads: int = 4
    resume: bool = True  # whether HTTP Range is honoured for downloads
    homepage: str = ""
    description: str = ""  # the long name, for tooltips and the portals dialog
    options: Dict[str, Any] = field(default_factory=dict)  # adapter quirks, as data
    extra: Dict[str, Any] = field(default_factory=dict)  # every other key of the entry (token_url, ...)

    def collection_for(self, unified: str) -> Any:
        """The portal's own collection for a unified id, or None when it does not have it."""
        return self.collections.get(unified)

    def supports(self, unified: str) -> bool:
        """Whether this portal has the unified collection."""
        return self.collection_for(unified) not in (None, "", [], {})

    def get(self, key: str, default: Any = None) -> Any:
        """A catalog key that has no attribute of its own (token_url, client_id, api_key_header...)."""
        return self.extra.get(key, default)

    @property
    def searchable(self) -> bool:
        """Whether the search fan-out queries this portal (openEO back-ends run jobs, they are not searched)."""
        return self.protocol in SEARCH_PROTOCOLS

    @property
    def usable(self) -> bool:
        """Enabled and complete (a template without a URL is not)."""
        return self.enabled and bool(self.url)


@dataclass
class Catalog:
    """Every known portal and collection, plus what went wrong reading the user's file."""

    portals: Dict[str, Portal]
    collections: Dict[str, Collection]
    problems: List[str] = field(default_factory=list)
    user_path: Optional[str] = None

    def portal(self, portal_id: str) -> Portal:
        """The portal with this id, or a CatalogError naming the known ones."""
        try:
            return self.portals[portal_id]
        except KeyError:
            known = ", ".join(sorted(self.portals))
            raise CatalogError(f"Unknown portal '{portal_id}'. Known portals: {known}.") from None

    def select(self, portal_ids: List[str]) -> List[Portal]:
        """Portals by id, in the given order."""
        return [self.portal(pid) for pid in portal_ids]

    def for_collection(self, unified: str) -> List[Portal]:
        """Usable search portals that have this collection."""
        return [p for p in self.portals.values() if p.usable and p.searchable and p.supports(unified)]

    def openeo_backends(self) -> List[Portal]:
        """The openEO back-ends (``protocol: openeo``), usable or not."""
        return [p for p in self.portals.values() if p.protocol == "openeo"]


_PORTAL_FIELDS = {
    "title", "protocol", "url", "collections", "auth", "enabled", "template", "page_size",
    "max_page_size", "max_downloads", "resume", "homepage", "description", "options",
}


def _deep_merge(base: Dict[str, Any], override: Dict[str, Any]) -> Dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict) and key != "collections":
            merged[key] = _deep_merge(merged[key], value)
        elif key == "collections" and isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _portal_from_entry(portal_id: str, entry: Dict[str, Any], protocols: Dict[str, Any]) -> Portal:
    protocol = entry.get("protocol")
    if protocol not in PROTOCOLS:
        raise CatalogError(
            f"Portal '{portal_id}': protocol must be one of {', '.join(PROTOCOLS)}, not {protocol!r}."
        )
    url = entry.get("url", "")
    if not isinstance(url, str):
        raise CatalogError(f"Portal '{portal_id}': 'url' must be text.")
    auth = entry.get("auth", "none")
    if auth not in AUTH_KINDS:
        raise CatalogError(f"Portal '{portal_id}': auth must be one of {', '.join(AUTH_KINDS)}, not {auth!r}.")
    collections = entry.get("collections")
    if collections is None:
        collections = copy.deepcopy(protocols.get(protocol, {}).get("collections", {}))
    if not isinstance(collections, dict):
        raise CatalogError(f"Portal '{portal_id}': 'collections' must map unified ids to the portal's names.")
    options = entry.get("options", {})
    if not isinstance(options, dict):
        raise CatalogError(f"Portal '{portal_id}': 'options' must be an object.")
    try:
        return Portal(
            id=portal_id,
            title=str(entry.get("title") or portal_id),
            protocol=protocol,
            url=url.rstrip("/"),
            collections=collections,
            auth=auth,
            enabled=bool(entry.get("enabled", True)),
            template=bool(entry.get("template", False)),
            page_size=int(entry.get("page_size", 100)),
            max_page_size=int(entry.get("max_page_size", 1000)),
            max_downloads=max(1, int(entry.get("max_downloads", 4))),
            resume=bool(entry.get("resume", True)),
            homepage=str(entry.get("homepage", "")),
            description=str(entry.get("description", "")),
            options=dict(options),
            extra={k: v for k, v in entry.items() if k not in _PORTAL_FIELDS},
        )
    except (TypeError, ValueError) as exc:
        raise CatalogError(f"Portal '{portal_id}': {exc}.") from None


def read_user_file(path: Union[str, Path]) -> Dict[str, Dict[str, Any]]:
    """The portal entries of a user catalog file, by id; CatalogError when it cannot be used."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogError(f"Cannot read the portal catalog file {path}: {exc.strerror or exc}.") from None
    try:
        data = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as exc:
        raise CatalogError(f"The portal catalog file {path} is not valid JSON (line {exc.lineno}: {exc.msg}).") from None
    if not isinstance(data, dict):
        raise CatalogError(f"The portal catalog file {path} must hold a JSON object.")
    entries = data.get("portals", data) if isinstance(data.get("portals"), dict) else data
    bad = [key for key, value in entries.items() if not isinstance(value, dict)]
    if bad:
        raise CatalogError(f"The portal catalog file {path}: entries {', '.join(bad)} must be objects.")
    return entries


def load_catalog(user_path: Optional[Union[str, Path]] = None, env: Optional[Dict[str, str]] = None) -> Catalog:
    """The built-in catalog with the user's file applied (argument first, then ``EO_PORTALS_CATALOG``)."""
    builtin = json.loads(BUILTIN_PATH.read_text(encoding="utf-8"))
    protocols = builtin.get("protocols", {})
    collections = _collections(builtin["collections"])
    entries: Dict[str, Dict[str, Any]] = copy.deepcopy(builtin["portals"])
    problems: List[str] = []
    env = os.environ if env is None else env
    path = str(user_path) if user_path else env.get(CATALOG_ENV) or None
    if path:
        try:
            for portal_id, override in read_user_file(path).items():
                if portal_id in entries:
                    entries[portal_id] = _deep_merge(entries[portal_id], override)
                else:
                    entries[portal_id] = copy.deepcopy(override)
                    entries[portal_id].setdefault("_user", True)
        except CatalogError as exc:
            problems.append(str(exc))
    portals: Dict[str, Portal] = {}
    for portal_id, entry in entries.items():
        try:
            portals[portal_id] = _portal_from_entry(portal_id, entry, protocols)
        except CatalogError as exc:
            problems.append(str(exc))
    return Catalog(portals=portals, collections=collections, problems=problems, user_path=path)


def write_user_entry(path: Union[str, Path], portal_id: str, entry: Dict[str, Any]) -> None:
    """Add or replace one portal entry in the user catalog file (used by the settings dialog)."""
    target = Path(path)
    entries: Dict[str, Any] = read_user_file(target) if target.exists() else {}
    entries[portal_id] = entry
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(target.suffix + ".tmp")
    tmp.write_text(json.dumps({"portals": entries}, indent=2, sort_keys=True), encoding="utf-8")
    os.replace(tmp, target)
