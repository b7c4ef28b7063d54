"""One product model for every portal, and the merge that turns several portals' answers into one list.

A `Product` is an acquisition; each portal that holds it is a `Source` with its own ids, links and
checksums. Two portals' records are the same product when their `identity` (naming.py) is equal.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, Iterable, List, Optional, Tuple

from .naming import parse_name


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
    """What one portal says about a product: its own id, name, links and checksums."""

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


@dataclass
class Product:
    """An acquisition, as merged from one or more portals."""

    identity: str
    title: str  # product name without .SAFE, of the newest version found
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
    properties: Dict[str, Any] = field(default_factory=dict)  # raw properties of the first source

    @property
    def portals(self) -> List[str]:
        """Portal ids holding this product, in source order."""
        return [source.portal for source in self.sources]

    @property
    def version(self) -> Tuple[str, ...]:
        """The best version among the sources (Sentinel-2: highest baseline, then newest generation)."""
        return max((source.version for source in self.sources), default=())

    def source(self, portal: str) -> Optional[Source]:
        """The source from `portal`, if that portal holds the product."""
        for source in self.sources:
            if source.portal == portal:
                return source
        return None

    def sources_json(self) -> str:
        """The `sources` field: per portal, its product id, download link and checksum, as JSON text."""
        return json.dumps({source.portal: source.to_dict() for source in self.sources}, sort_keys=True)


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
    """Build a one-source Product; adapters call this so that identity and name-derived fields are uniform.

    What the portal states wins; the product name fills only what the portal left empty.
    """
    parsed = parse_name(name)
    clean_name = parsed.name if parsed else (name or product_id)
    identity = parsed.identity if parsed else f"{portal}:{product_id}"
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
        checksums=dict(checksums or {}),
        quicklook=quicklook,
        assets=dict(assets or {}),
        online=online,
        version=parsed.version if parsed else (),
    )
    return Product(
        identity=identity,
        title=clean_name,
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
        properties=dict(properties or {}),
    )


_FILLABLE = (
    "footprint", "start", "end", "platform", "cloud_cover", "tile",
    "orbit_direction", "relative_orbit", "size", "quicklook",
)


def _absorb(target: Product, other: Product) -> None:
    """Add `other`'s sources to `target`; take its metadata when it is a newer version."""
    newer = other.version > target.version
    for source in other.sources:
        if not any(s.portal == source.portal and s.product_id == source.product_id for s in target.sources):
            target.sources.append(source)
    if newer:
        target.title = other.title
    for name in _FILLABLE:
        mine, theirs = getattr(target, name), getattr(other, name)
        if theirs is not None and (mine is None or (newer and name not in ("footprint", "quicklook"))):
            setattr(target, name, theirs)


def merge_products(products: Iterable[Product], portal_order: Optional[List[str]] = None) -> List[Product]:
    """Merge products with the same identity into one, keeping every source; order of first appearance.

    Sources are ordered by `portal_order` (the user's preference, used for download fallback) when given.
    Inputs are not modified.
    """
    merged: Dict[str, Product] = {}
    for product in products:
        existing = merged.get(product.identity)
        if existing is None:
            copy = Product(**{**product.__dict__, "sources": list(product.sources)})
            merged[product.identity] = copy
        else:
            _absorb(existing, product)
    result = list(merged.values())
    if portal_order:
        rank = {portal: index for index, portal in enumerate(portal_order)}
        for product in result:
            product.sources.sort(key=lambda s: rank.get(s.portal, len(rank)))
    return result
