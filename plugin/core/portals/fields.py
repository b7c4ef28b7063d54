"""Readers for the values portals send, shared by every adapter: lenient on form, never inventing a value.

Each returns None for what is absent or unreadable, so one odd field never costs the user a product.
"""
from __future__ import annotations

import math
import re
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional
from urllib.parse import urlsplit

from shapely import wkt as shapely_wkt
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from ..catalog import Portal, builtin_collections
from ..errors import ErrorKind, PortalError
from ..query import SearchQuery, covering_simplification


def clean_text(value: Any) -> Optional[str]:
    """Stripped text, or None for anything else or blank."""
    return value.strip() if isinstance(value, str) and value.strip() else None


def url_text(value: Any) -> Optional[str]:
    """A link as the portal wrote it, or None when it is not one a client could request (not text, or
    malformed: ``http://[``, characters that cannot be sent)."""
    text = clean_text(value)
    if text is None:
        return None
    try:
        text.encode("utf-8")
        urlsplit(text)
    except (UnicodeError, ValueError):
        return None
    return text


def collection_entry(portal: Portal, query: SearchQuery) -> Dict[str, Any]:
    """The portal's collection entry as a dict ({"collection": ..., ...}), or a PortalError when it has none."""
    entry = portal.collection_for(query.collection)
    if isinstance(entry, str) and entry:
        return {"collection": entry}
    if isinstance(entry, dict) and entry.get("collection"):
        return entry
    raise PortalError(portal.title, f"does not offer the collection {query.collection}", ErrorKind.INVALID)


_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|z|[+-]\d{2}:?\d{2})?"
)


def parse_time(value: Any) -> Optional[datetime]:
    """A UTC datetime from RFC 3339 / ISO 8601 text (any fraction digits; no zone = UTC; a date alone = midnight)."""
    if not isinstance(value, str):
        return None
    match = _ISO.fullmatch(value.strip())
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        moment = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
                          int((fraction or "0")[:6].ljust(6, "0")), tzinfo=timezone.utc)
        if zone and zone not in ("Z", "z"):
            sign = 1 if zone[0] == "+" else -1
            digits = zone[1:].replace(":", "")
            moment -= sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    except (ValueError, OverflowError):  # day 45, or a zone moving year 1 or 9999 out of range
        return None
    return moment


def to_float(value: Any) -> Optional[float]:
    """A finite number from a JSON number or numeric text, else None (NaN and infinities are not values)."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an integer of 400 digits
        return None
    return number if math.isfinite(number) else None


def to_int(value: Any) -> Optional[int]:
    """A whole number from a JSON number or numeric text, else None."""
    number = to_float(value)
    return int(number) if number is not None and number.is_integer() else None


# shapely's shape() reads these (in any case); anything else would only raise
_GEOJSON_TYPES = ("point", "multipoint", "linestring", "multilinestring", "polygon", "multipolygon",
                  "geometrycollection")


def geometry_from_geojson(value: Any) -> Optional[BaseGeometry]:
    """A shapely geometry from a GeoJSON mapping, or None when there is none or it cannot be read."""
    if not isinstance(value, dict) or str(value.get("type")).lower() not in _GEOJSON_TYPES:
        return None
    try:
        geometry = shape(value)
    except Exception:  # malformed coordinates: the product stays, without a footprint
        return None
    return None if geometry.is_empty else geometry


def geometry_from_wkt(value: Any) -> Optional[BaseGeometry]:
    """A shapely geometry from WKT or CDSE's EWKT (``geography'SRID=4326;POLYGON (...)'``), or None."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    match = re.match(r"^geography'(.*)'$", text, re.S)
    if match:
        text = match.group(1)
    text = re.sub(r"^SRID=\d+;", "", text, flags=re.I)
    if not text.isascii():  # WKT is ASCII; GEOS would only fail on it (and its error text then too)
        return None
    try:
        geometry = shapely_wkt.loads(text)
    except Exception:
        return None
    return None if geometry.is_empty else geometry


def _number(value: float, precision: int) -> str:
    text = f"{value:.{precision}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def wkt_polygons(query: SearchQuery, max_vertices: int, separator: str = ",", precision: int = 6) -> List[str]:
    """The AOI as one ``POLYGON((x y,...))`` per part, simplified (still covering it) to `max_vertices`."""
    geometry = covering_simplification(query.geometry, max_vertices) if max_vertices else query.geometry
    parts = list(geometry.geoms) if hasattr(geometry, "geoms") else [geometry]
    texts = []
    for polygon in parts:
        rings = [polygon.exterior, *polygon.interiors]
        body = ",".join(
            "(" + separator.join(f"{_number(x, precision)} {_number(y, precision)}" for x, y, *_ in ring.coords) + ")"
            for ring in rings
        )
        texts.append(f"POLYGON({body})")
    return texts


_SENTINEL = re.compile(r"^(?:SENTINEL-?|S)([1-6])([A-D])?$", re.I)


def platform_label(short_name: Any, serial: Any = None) -> Optional[str]:
    """'SENTINEL-2' + 'A', 'S2A', 'Sentinel-2A' -> 'Sentinel-2A'; None when the portal does not say which unit."""
    text = (clean_text(short_name) or "").replace(" ", "").upper()
    letter = (clean_text(serial) or "").upper()
    match = _SENTINEL.match(text)
    if match:
        letter = match.group(2) or (letter if re.fullmatch(r"[A-D]", letter) else "")
        return f"Sentinel-{match.group(1)}{letter}" if letter else None
    match = re.match(r"^LANDSAT-?(\d)$", text)
    if match:
        return f"Landsat {match.group(1)}"
    return None


def is_optical(unified: str) -> bool:
    """Whether a cloud-cover filter means something for this unified collection (its catalog traits; unknown
    ones: yes, the portal knows better than to drop it)."""
    collection = builtin_collections().get(unified)
    return collection.optical if collection is not None else True


def collection_for_type(portal: Portal, query: SearchQuery, key: str, product_type: Any) -> str:
    """The unified collection a record belongs to: the one the portal maps to the record's own product
    type when that differs from the query's (a portal may answer with neighbours), else the query's."""
    if isinstance(product_type, str) and product_type:
        mine = portal.collection_for(query.collection)
        if isinstance(mine, dict) and mine.get(key) == product_type:
            return query.collection
        for unified, entry in portal.collections.items():
            if isinstance(entry, dict) and entry.get(key) == product_type:
                return unified
    return query.collection
