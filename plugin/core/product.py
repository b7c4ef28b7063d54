"""One product model for every portal, and the merge that turns several portals' answers into one list.

A `Product` is one acquisition: a row of the results. Portals may hold different *versions* of it: products
of the same acquisition with different full names (Sentinel-2: processing baseline and generation time;
Sentinel-1: CRC and COG; Landsat: processing date). Each `Version` keeps the records (`Source`) of every portal
that holds exactly that product: ids, footprint, quicklook, size, checksums, links, online state.

The row shows one version, its preferred one (newest baseline, then newest generation) unless the user chose
another, and every value it shows (name, footprint, quicklook, cloud cover, size, sources) comes from that one
version: records of two versions never mix. Whatever needs one product (a download, a quicklook, a layer name)
takes a version; `Product.only(name)` is the product narrowed to one version.

Records are the same acquisition when their `identity` (naming.py) is equal, and the same version when their
version keys are equal (a part a portal leaves out of its names, such as the baseline Planetary Computer ids
lack, matches the one version that has it).

`to_dict()` / `from_dict()` are the one plain-data form of a product (exports, Processing, the download queue).
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

from .naming import parse_name, strip_suffix


@dataclass
class Asset:
    """One downloadable file of a source (a STAC asset, or the whole product archive)."""

    key: str
    href: str
    title: str = ""
    media_type: str = ""
    roles: Tuple[str, ...] = ()
    size: Optional[int] = None
    checksum: Optional[Tuple[str, str]] = None  # (algorithm, hex value), e.g. ("MD5", "9a0...")

    @property
    def is_archive(self) -> bool:
        """A zip (or tar) holding the whole product."""
        media = (self.media_type or "").lower()
        path = self.href.split("?", 1)[0].lower()
        return "zip" in media or path.endswith((".zip", ".tar", ".tar.gz")) or (
            "data" in self.roles and "zip" in self.title.lower()
        )

    def to_dict(self) -> Dict[str, Any]:
        """Plain data for the `sources` field (href, and what is known of type, roles, size, checksum)."""
        data: Dict[str, Any] = {"href": self.href}
        if self.title:
            data["title"] = self.title
        if self.media_type:
            data["type"] = self.media_type
        if self.roles:
            data["roles"] = list(self.roles)
        if self.size is not None:
            data["size"] = self.size
        if self.checksum:
            data["checksum"] = list(self.checksum)
        return data


@dataclass
class Source:
    """One portal's record of one product (version): its own id, name, links, checksums and footprint."""

    portal: str  # portal id in the catalog
    product_id: str  # the portal's own id (UUID, STAC id, URN...)
    name: str  # product name as the portal gives it (may lack the baseline, may end in .SAFE)
    download_url: Optional[str] = None  # the whole product, when the portal has one
    size: Optional[int] = None
    checksums: Dict[str, str] = field(default_factory=dict)  # {"MD5": "...", "BLAKE3": "..."}
    quicklook: Optional[str] = None
    assets: Dict[str, Asset] = field(default_factory=dict)
    online: Optional[bool] = None  # False: archived/offline, must be ordered first
    version: Tuple[str, ...] = ()
    footprint: Any = None  # this record's footprint (shapely, EPSG:4326)

    def to_dict(self) -> Dict[str, Any]:
        """Plain data for the `sources` field of footprints layers and exports."""
        data: Dict[str, Any] = {"id": self.product_id, "name": self.name}
        if self.download_url:
            data["download"] = self.download_url
        if self.checksums:
            data["checksum"] = dict(self.checksums)
        if self.size is not None:
            data["size"] = self.size
        if self.online is not None:
            data["online"] = self.online
        # The http(s) assets, so that a footprints layer read back (eoportals:download) can still fetch chosen
        # files from STAC portals without a product archive (Earth Search, Planetary Computer).
        assets = {key: asset.to_dict() for key, asset in self.assets.items()
                  if asset.href.lower().startswith(("http://", "https://"))}
        if assets:
            data["assets"] = assets
        return data


# What a version shows, taken from its first record and completed by its other records (same product).
_VERSION_FIELDS = (
    "footprint", "start", "end", "platform", "cloud_cover", "tile", "orbit_direction", "relative_orbit", "size",
    "quicklook",
)
_UNKNOWN_PARTS = ("", "0000")  # version parts a portal left out of its name (naming.py)


@dataclass(eq=False)
class Version:
    """One distinct product of an acquisition (its full name) and the record of each portal holding it."""

    name: str  # full product name without .SAFE
    key: Tuple[str, ...]  # orders versions: newest baseline, then newest generation (naming.py)
    collection: str  # unified collection id, e.g. "S2_MSI_L2A"
    footprint: Any = None  # shapely geometry in EPSG:4326, or None when the portal gives none
    start: Optional[datetime] = None
    end: Optional[datetime] = None
    platform: Optional[str] = None  # "Sentinel-2A"
    cloud_cover: Optional[float] = None
    tile: Optional[str] = None  # MGRS, zero-padded 5 characters
    orbit_direction: Optional[str] = None  # "ASCENDING" / "DESCENDING"
    relative_orbit: Optional[int] = None
    size: Optional[int] = None  # bytes of the whole product, when known
    quicklook: Optional[str] = None
    sources: List[Source] = field(default_factory=list)
    properties: Dict[str, Any] = field(default_factory=dict)  # raw properties of the first record

    @property
    def portals(self) -> List[str]:
        """Portal ids holding this version, each once, in source order."""
        return list(dict.fromkeys(source.portal for source in self.sources))

    def copy(self) -> "Version":
        """A copy whose source list can change without touching this one (shallow otherwise: merges of thousands
        of rows copy often, and dataclasses.replace would run __init__ each time)."""
        version = object.__new__(Version)
        version.__dict__.update(self.__dict__)
        version.sources = list(self.sources)
        return version

    def matches(self, key: Tuple[str, ...]) -> bool:
        """Whether a record with version `key` is this product: equal parts, or a part one side does not know."""
        if key == self.key:
            return True
        if len(key) != len(self.key):
            return False
        return all(a == b or a in _UNKNOWN_PARTS or b in _UNKNOWN_PARTS for a, b in zip(key, self.key))

    def absorb(self, other: "Version") -> None:
        """Add `other`'s records (the same product from other portals); fill what this version does not know."""
        for source in other.sources:
            if not any(s.portal == source.portal and s.product_id == source.product_id for s in self.sources):
                self.sources.append(source)
        for name in _VERSION_FIELDS:
            if getattr(self, name) is None:
                theirs = getattr(other, name)
                if theirs is not None:
                    setattr(self, name, theirs)
        known = sum(part not in _UNKNOWN_PARTS for part in self.key)
        if sum(part not in _UNKNOWN_PARTS for part in other.key) > known:  # the fuller name of the same product
            self.name, self.key = other.name, other.key

    def to_dict(self, href: Callable[[Optional[str]], Optional[str]] = lambda url: url,
                footprint: bool = True) -> Dict[str, Any]:
        """Plain data: the version's values and its records (`href` rewrites links, e.g. without signatures)."""
        data: Dict[str, Any] = {
            "name": self.name,
            "key": list(self.key),
            "collection": self.collection,
            "start": _iso(self.start),
            "end": _iso(self.end),
            "platform": self.platform,
            "cloud_cover": self.cloud_cover,
            "tile": self.tile,
            "orbit_direction": self.orbit_direction,
            "relative_orbit": self.relative_orbit,
            "size": self.size,
            "quicklook": href(self.quicklook),
            "portals": self.portals,
            "sources": [_source_dict(source, href, footprint) for source in self.sources],
        }
        if footprint:
            data["footprint"] = _wkt(self.footprint)
        return data

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "Version":
        """The Version back from `to_dict` (a missing value stays unknown)."""
        sources = [_source_from_dict(item) for item in data.get("sources") or [] if isinstance(item, dict)]
        name = str(data.get("name") or (sources[0].name if sources else ""))
        return cls(
            name=name, key=tuple(str(part) for part in data.get("key") or ()),
            collection=str(data.get("collection") or ""), footprint=_from_wkt(data.get("footprint")),
            start=_from_iso(data.get("start")), end=_from_iso(data.get("end")),
            platform=_text(data.get("platform")), cloud_cover=_float(data.get("cloud_cover")),
            tile=_text(data.get("tile")), orbit_direction=_text(data.get("orbit_direction")),
            relative_orbit=_int(data.get("relative_orbit")), size=_int(data.get("size")),
            quicklook=_text(data.get("quicklook")), sources=sources,
        )


def _flat(name: str) -> property:
    """A Product attribute that reads (and writes) the shown version's value."""
    def get(self: "Product") -> Any:
        return getattr(self.shown, name)

    def put(self: "Product", value: Any) -> None:
        setattr(self.shown, name, value)

    return property(get, put, doc=f"The shown version's {name}.")


class Product:
    """An acquisition, as merged from one or more portals: one row, holding one or more versions."""

    __slots__ = ("identity", "versions", "chosen", "_shown")

    def __init__(self, identity: str, versions: List[Version], chosen: Optional[str] = None):
        if not versions:
            raise ValueError("a product has at least one version")
        self.identity = identity
        self.versions = versions
        self.chosen = chosen  # the name of the version the user chose, None: the preferred one
        self._shown: Optional[Version] = None

    def __repr__(self) -> str:
        return f"Product({self.identity!r}, versions={[v.name for v in self.versions]!r}, chosen={self.chosen!r})"

    # ---- versions ----
    @property
    def preferred(self) -> Version:
        """The newest version: highest baseline, then newest generation (the first one found among equals)."""
        best = self.versions[0]
        for version in self.versions[1:]:
            if version.key > best.key:
                best = version
        return best

    @property
    def shown(self) -> Version:
        """The version the row shows: the one the user chose, else the preferred one."""
        shown = self._shown
        if shown is None or not any(version is shown for version in self.versions):
            shown = self.version_named(self.chosen) if self.chosen else None
            shown = shown or self.preferred
            self._shown = shown
        return shown

    def version_named(self, name: Optional[str]) -> Optional[Version]:
        """The version with this name (with or without .SAFE), or None."""
        if not name:
            return None
        wanted = strip_suffix(str(name))
        return next((v for v in self.versions if v.name == wanted), None)

    def choose(self, name: Optional[str]) -> bool:
        """Show the version named `name` (None: the preferred one); False when the product has no such version."""
        if name is not None and self.version_named(name) is None:
            return False
        self.chosen = None if name is None or self.version_named(name) is self.preferred else \
            self.version_named(name).name  # type: ignore[union-attr]
        self._shown = None
        return True

    def only(self, name: Optional[str] = None) -> "Product":
        """This acquisition narrowed to one version (`name`, else the shown one): what a download takes, so that
        it fetches that product from that product's sources only and saves it under that product's name."""
        version = self.version_named(name) if name else self.shown
        if version is None:
            raise KeyError(name)
        return Product(self.identity, [version.copy()])

    def copy(self) -> "Product":
        """A copy whose versions and sources can change (merge) without touching this one."""
        return Product(self.identity, [version.copy() for version in self.versions], self.chosen)

    def replaced(self, identity: Optional[str] = None, **values: Any) -> "Product":
        """A copy with another identity and/or other values of the shown version (``title`` renames it)."""
        product = self.copy()
        version = product.shown
        if "title" in values:
            version.name = values.pop("title")
        for name, value in values.items():
            if name not in _VERSION_FIELDS + ("collection", "properties"):
                raise TypeError(f"a product has no value {name!r}")
            setattr(version, name, value)
        if identity is not None:
            product.identity = identity
        return product

    # ---- the shown version's values, flat (the table, the layer, the filters read these) ----
    title = property(lambda self: self.shown.name, doc="The shown version's product name (without .SAFE).")
    collection = _flat("collection")
    footprint = _flat("footprint")
    start = _flat("start")
    end = _flat("end")
    platform = _flat("platform")
    cloud_cover = _flat("cloud_cover")
    tile = _flat("tile")
    orbit_direction = _flat("orbit_direction")
    relative_orbit = _flat("relative_orbit")
    size = _flat("size")
    quicklook = _flat("quicklook")
    properties = _flat("properties")

    @property
    def sources(self) -> List[Source]:
        """The shown version's records (a download's sources, in the user's portal order)."""
        return self.shown.sources

    @property
    def portals(self) -> List[str]:
        """Portal ids holding the shown version, each once, in source order."""
        return self.shown.portals

    @property
    def all_portals(self) -> List[str]:
        """Portal ids holding any version of this acquisition, each once."""
        return list(dict.fromkeys(s.portal for v in self.versions for s in v.sources))

    @property
    def version(self) -> Tuple[str, ...]:
        """The shown version's key."""
        return self.shown.key

    def source(self, portal: str) -> Optional[Source]:
        """The shown version's record from `portal`, if that portal holds it."""
        for source in self.sources:
            if source.portal == portal:
                return source
        return None

    def sources_json(self) -> str:
        """The `sources` field: per portal, its product id, download link and checksum, as JSON text."""
        data: Dict[str, Any] = {}
        for source in self.sources:
            data.setdefault(source.portal, source.to_dict())
        return json.dumps(data, sort_keys=True)

    def versions_json(self) -> str:
        """The `versions` field: every version with its records, as JSON text (no footprints: the feature's)."""
        return json.dumps(self.to_dict(footprint=False)["versions"], sort_keys=True)

    # ---- plain data ----
    def to_dict(self, href: Callable[[Optional[str]], Optional[str]] = lambda url: url,
                footprint: bool = True) -> Dict[str, Any]:
        """The product as plain JSON-able data: identity, the chosen version, and every version with its records."""
        return {
            "identity": self.identity,
            "title": self.title,
            "chosen": self.chosen,
            "versions": [version.to_dict(href, footprint) for version in self.versions],
        }

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "Product":
        """The Product back from `to_dict`; ValueError when `data` holds no version."""
        if not isinstance(data, dict):
            raise ValueError("a product is a JSON object")
        if "versions" not in data and isinstance(data.get("sources"), list):  # a queue row written before versions
            data = {"identity": data.get("identity"), "versions": [{**data, "name": data.get("title")}]}
        versions = [Version.from_dict(item) for item in data.get("versions") or [] if isinstance(item, dict)]
        versions = [version for version in versions if version.name or version.sources]
        if not versions:
            raise ValueError("the product has no version")
        identity = str(data.get("identity") or versions[0].name)
        chosen = data.get("chosen") if isinstance(data.get("chosen"), str) else None
        product = cls(identity, versions)
        product.choose(chosen if product.version_named(chosen) else None)
        return product


def _iso(value: Optional[datetime]) -> Optional[str]:
    return value.isoformat() if value is not None else None


def _from_iso(value: Any) -> Optional[datetime]:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _wkt(geometry: Any) -> Optional[str]:
    try:
        return geometry.wkt if geometry is not None else None
    except Exception:  # noqa: BLE001 - a footprint that cannot be written is simply not kept
        return None


def _from_wkt(text: Any) -> Any:
    if not isinstance(text, str) or not text:
        return None
    try:
        from shapely import wkt  # imported late: plain data without footprints needs no GEOS

        return wkt.loads(text)
    except Exception:  # noqa: BLE001
        return None


def _text(value: Any) -> Optional[str]:
    return str(value) if isinstance(value, (str, int, float)) and not isinstance(value, bool) and str(value) else None


def _int(value: Any) -> Optional[int]:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return None


def _float(value: Any) -> Optional[float]:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        return None


def _source_dict(source: Source, href: Callable[[Optional[str]], Optional[str]], footprint: bool) -> Dict[str, Any]:
    data: Dict[str, Any] = {
        "portal": source.portal,
        "product_id": source.product_id,
        "name": source.name,
        "download_url": href(source.download_url),
        "size": source.size,
        "checksums": dict(source.checksums),
        "quicklook": href(source.quicklook),
        "online": source.online,
        "version": list(source.version),
        "assets": {
            key: {"href": href(a.href), "title": a.title, "media_type": a.media_type, "roles": list(a.roles),
                  "size": a.size, "checksum": list(a.checksum) if a.checksum else None}
            for key, a in source.assets.items()
        },
    }
    if footprint and source.footprint is not None:
        data["footprint"] = _wkt(source.footprint)
    return data


def _source_from_dict(data: Dict[str, Any]) -> Source:
    assets: Dict[str, Asset] = {}
    raw_assets = data.get("assets") if isinstance(data.get("assets"), dict) else {}
    for key, raw in raw_assets.items():
        if isinstance(raw, str):
            raw = {"href": raw}
        if not isinstance(raw, dict) or not isinstance(raw.get("href"), str):
            continue
        checksum = raw.get("checksum")
        roles = raw.get("roles") if isinstance(raw.get("roles"), (list, tuple)) else ()
        assets[str(key)] = Asset(
            key=str(key), href=raw["href"], title=str(raw.get("title") or ""),
            media_type=str(raw.get("media_type") or raw.get("type") or ""),
            roles=tuple(str(role) for role in roles), size=_int(raw.get("size")),
            checksum=(str(checksum[0]), str(checksum[1])) if isinstance(checksum, (list, tuple)) and len(checksum) == 2
            else None)
    checksums = data.get("checksums") if isinstance(data.get("checksums"), dict) else {}
    online = data.get("online")
    return Source(
        portal=str(data.get("portal") or ""), product_id=str(data.get("product_id") or ""),
        name=str(data.get("name") or ""), download_url=_text(data.get("download_url")), size=_int(data.get("size")),
        checksums={str(k): str(v) for k, v in checksums.items()}, quicklook=_text(data.get("quicklook")),
        assets=assets, online=online if isinstance(online, bool) else None,
        version=tuple(str(part) for part in data.get("version") or ()), footprint=_from_wkt(data.get("footprint")),
    )


def make_product(
    *,
    portal: str,
    product_id: str,
    name: Optional[str],
    collection: str,
    footprint: Any = None,
    start: Optional[datetime] = None,
    end: Optional[datetime] = None,
    platform: Optional[str] = None,
    cloud_cover: Optional[float] = None,
    tile: Optional[str] = None,
    orbit_direction: Optional[str] = None,
    relative_orbit: Optional[int] = None,
    size: Optional[int] = None,
    quicklook: Optional[str] = None,
    download_url: Optional[str] = None,
    checksums: Optional[Dict[str, str]] = None,
    assets: Optional[Dict[str, Asset]] = None,
    online: Optional[bool] = None,
    properties: Optional[Dict[str, Any]] = None,
) -> Product:
    """Build a one-record Product; adapters call this so that identity and name-derived fields are uniform.

    What the portal states wins; the product name fills only what the portal left empty.
    """
    parsed = parse_name(name)
    clean_name = parsed.name if parsed else (name or product_id)
    identity = parsed.identity if parsed else f"{portal}:{product_id}"
    key = parsed.version if parsed else ()
    if parsed:
        start = start or parsed.start
        end = end or parsed.stop
        platform = platform or parsed.platform
        tile = tile or parsed.tile
        relative_orbit = relative_orbit if relative_orbit is not None else parsed.relative_orbit
    source = Source(
        portal=portal,
        product_id=product_id,
        name=name or clean_name,
        download_url=download_url,
        size=size,
        checksums=dict(checksums) if checksums else {},
        quicklook=quicklook,
        assets=assets if isinstance(assets, Mapping) and not isinstance(assets, dict) else dict(assets or {}),
        online=online,
        version=key,
        footprint=footprint,
    )
    version = Version(
        name=clean_name,
        key=key,
        collection=collection,
        footprint=footprint,
        start=start,
        end=end or start,
        platform=platform,
        cloud_cover=cloud_cover,
        tile=tile,
        orbit_direction=orbit_direction.upper() if orbit_direction else None,
        relative_orbit=relative_orbit,
        size=size,
        quicklook=quicklook,
        sources=[source],
        properties=properties if properties is not None else {},
    )
    return Product(identity, [version])


def _absorb(target: Product, other: Product) -> None:
    """Add `other`'s versions to `target`: a record joins the version it is (never another one)."""
    for version in other.versions:
        matching = [mine for mine in target.versions if mine.matches(version.key)]
        exact = [mine for mine in matching if mine.key == version.key]
        if exact or len(matching) == 1:
            (exact or matching)[0].absorb(version)
        else:  # a new product of this acquisition, or a name too incomplete to say which one it is
            target.versions.append(version.copy())
    if target.chosen is None and other.chosen is not None:
        target.chosen = other.chosen
    target._shown = None  # noqa: SLF001 - the cache of this module's own class


def merge_products(products: Iterable[Product], portal_order: Optional[List[str]] = None) -> List[Product]:
    """Merge products with the same identity into one, keeping every version and record; order of first appearance.

    Records are ordered by `portal_order` (the user's preference, used for download fallback) when given.
    Inputs are not modified.
    """
    merged: Dict[str, Product] = {}
    for product in products:
        existing = merged.get(product.identity)
        if existing is None:
            merged[product.identity] = product.copy()
        else:
            _absorb(existing, product)
    result = list(merged.values())
    if portal_order:
        rank = {portal: index for index, portal in enumerate(portal_order)}
        for product in result:
            for version in product.versions:
                version.sources.sort(key=lambda s: rank.get(s.portal, len(rank)))
    return result
