"""Results out of the plugin (GeoJSON, CSV, STAC ItemCollection) and saved searches in and out (JSON).

Pure functions over Products: they return text or plain data, the caller writes the file. The column names
are those of the footprints layers (``plugin/footprints.py`` FIELDS), so an export reads like the layer: the
values of the version a row shows, flat, and `versions` listing every version of the acquisition with its
records (`Product.to_dict`'s form).
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any, Dict, Iterable, List, Optional

from shapely.geometry import mapping

from .errors import QueryError
from .product import Product
from .query import SearchQuery

COLUMNS = (
    "identity", "title", "collection", "platform", "start", "end", "cloud_cover", "size_bytes", "portals",
    "tile", "orbit_direction", "relative_orbit", "quicklook", "sources", "versions",
)
STAC_VERSION = "1.0.0"
STAC_EXTENSIONS = (
    "https://stac-extensions.github.io/eo/v1.1.0/schema.json",
    "https://stac-extensions.github.io/sat/v1.0.0/schema.json",
    "https://stac-extensions.github.io/grid/v1.1.0/schema.json",
    "https://stac-extensions.github.io/file/v2.1.0/schema.json",
)
# multihash prefixes (code, length) of the checksum algorithms portals give
_MULTIHASH = {"MD5": "d50110", "SHA256": "1220", "SHA-256": "1220"}


def _iso(moment: Optional[datetime]) -> Optional[str]:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    text = moment.astimezone(timezone.utc).isoformat()
    return text.replace("+00:00", "Z")


def _geometry(product: Product) -> Optional[Dict[str, Any]]:
    footprint = product.footprint
    if footprint is None or footprint.is_empty:
        return None
    return json.loads(json.dumps(mapping(footprint)))  # tuples -> lists


def product_properties(product: Product) -> Dict[str, Any]:
    """The attributes of a product, by column name (the values a footprints layer holds)."""
    return {
        "identity": product.identity,
        "title": product.title,
        "collection": product.collection,
        "platform": product.platform,
        "start": _iso(product.start),
        "end": _iso(product.end),
        "cloud_cover": product.cloud_cover,
        "size_bytes": product.size,
        "portals": ",".join(product.portals),
        "tile": product.tile,
        "orbit_direction": product.orbit_direction,
        "relative_orbit": product.relative_orbit,
        "quicklook": product.quicklook,
        "sources": json.loads(product.sources_json()),
        "versions": product.to_dict(footprint=False)["versions"],
    }


def to_geojson(products: Iterable[Product]) -> Dict[str, Any]:
    """A GeoJSON FeatureCollection (EPSG:4326); `sources` is an object per portal."""
    features = []
    for product in products:
        features.append({"type": "Feature", "id": product.identity, "geometry": _geometry(product),
                         "properties": product_properties(product)})
    return {"type": "FeatureCollection", "features": features}


def to_csv(products: Iterable[Product]) -> str:
    """CSV text: one row per product, the footprint as WKT in the last column, `sources` as JSON text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(list(COLUMNS) + ["footprint_wkt"])
    for product in products:
        props = product_properties(product)
        props["sources"] = product.sources_json()
        props["versions"] = product.versions_json()
        row = ["" if props[name] is None else props[name] for name in COLUMNS]
        footprint = product.footprint
        row.append(footprint.wkt if footprint is not None and not footprint.is_empty else "")
        writer.writerow(row)
    return out.getvalue()


def _stac_item(product: Product) -> Dict[str, Any]:
    geometry = _geometry(product)
    properties: Dict[str, Any] = {"datetime": _iso(product.start)}
    if product.start is not None:
        properties["start_datetime"] = _iso(product.start)
        properties["end_datetime"] = _iso(product.end or product.start)
    if product.platform:
        properties["platform"] = product.platform.lower()
    if product.cloud_cover is not None:
        properties["eo:cloud_cover"] = product.cloud_cover
    if product.tile:
        properties["grid:code"] = f"MGRS-{product.tile}"
    if product.orbit_direction:
        properties["sat:orbit_state"] = product.orbit_direction.lower()
    if product.relative_orbit is not None:
        properties["sat:relative_orbit"] = product.relative_orbit
    properties["eoportals:identity"] = product.identity
    properties["eoportals:portals"] = product.portals
    # every product of the acquisition (this item is the one the row shows), each with its portals' records
    properties["eoportals:versions"] = [
        {"name": version.name, "collection": version.collection, "portals": version.portals,
         "cloud_cover": version.cloud_cover, "size": version.size,
         "sources": [{"portal": s.portal, "id": s.product_id, "download": s.download_url} for s in version.sources]}
        for version in product.versions]
    assets: Dict[str, Any] = {}
    for source in product.sources:
        if source.download_url:
            asset: Dict[str, Any] = {"href": source.download_url, "roles": ["data"],
                                     "title": f"{source.name} ({source.portal})"}
            if source.size is not None:
                asset["file:size"] = source.size
            for algorithm, value in source.checksums.items():
                prefix = _MULTIHASH.get(algorithm.upper())
                if prefix:
                    asset["file:checksum"] = prefix + value.lower()
                    break
            assets[f"{source.portal}:product"] = asset
    if product.quicklook:
        assets["thumbnail"] = {"href": product.quicklook, "roles": ["thumbnail"], "title": "Quicklook"}
    item: Dict[str, Any] = {
        "type": "Feature",
        "stac_version": STAC_VERSION,
        "stac_extensions": list(STAC_EXTENSIONS),
        "id": product.title,
        "collection": product.collection,
        "geometry": geometry,
        "properties": properties,
        "assets": assets,
        "links": [],
    }
    if geometry is not None:
        item["bbox"] = list(product.footprint.bounds)
    return item


def to_stac_item_collection(products: Iterable[Product]) -> Dict[str, Any]:
    """A STAC ItemCollection (what a STAC API /search returns), one Item per product."""
    return {"type": "FeatureCollection", "features": [_stac_item(p) for p in products], "links": []}


def dumps(data: Any) -> str:
    """JSON text as the exports write it."""
    return json.dumps(data, indent=1, ensure_ascii=False)


# ---- saved searches ------------------------------------------------------------------------------------
SAVED_SEARCH_VERSION = 1


@dataclass
class SavedSearch:
    """What it takes to run a search again: area, collection, dates (or "last N days"), filters, portals."""

    geometry_wkt: str
    collection: str
    start: str = ""  # YYYY-MM-DD, used when last_days is 0
    end: str = ""
    last_days: int = 0  # e.g. 30: "the last 30 days" from the day it is run again
    max_cloud: Optional[float] = None
    orbit_direction: str = ""
    relative_orbit: Optional[int] = None
    tile: str = ""
    platform: str = ""
    portals: List[str] = field(default_factory=list)
    name: str = ""

    def to_json(self) -> str:
        """The saved search as JSON text."""
        return json.dumps({"eo_portals_saved_search": SAVED_SEARCH_VERSION, **asdict(self)}, indent=1,
                          ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "SavedSearch":
        """Read a saved search; QueryError with a readable reason when the text is not one."""
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise QueryError(f"This file is not a saved search (not JSON: {exc}).") from None
        if not isinstance(data, dict) or "eo_portals_saved_search" not in data:
            raise QueryError("This file is not an EO Portals saved search.")
        if int(data.get("eo_portals_saved_search") or 0) > SAVED_SEARCH_VERSION:
            raise QueryError("This saved search was written by a newer version of EO Portals.")
        if not data.get("geometry_wkt") or not data.get("collection"):
            raise QueryError("The saved search has no area of interest or no collection.")
        known = {name for name in cls.__dataclass_fields__}
        values = {key: value for key, value in data.items() if key in known}
        portals = values.get("portals") or []
        if not isinstance(portals, list):
            raise QueryError("The saved search's portals must be a list.")
        values["portals"] = [str(p) for p in portals]
        return cls(**values)

    def to_query(self, now: Optional[datetime] = None, limit: int = 100) -> SearchQuery:
        """The SearchQuery to run now (a "last N days" search ends today)."""
        if self.last_days:
            from .query import last_days as _last_days

            start, end = _last_days(self.last_days, now)
        else:
            start, end = self.start, self.end
        return SearchQuery.create(
            self.geometry_wkt, start, end, self.collection, max_cloud=self.max_cloud,
            orbit_direction=self.orbit_direction or None, relative_orbit=self.relative_orbit,
            tile=self.tile or None, platform=self.platform or None, limit=limit,
        )
