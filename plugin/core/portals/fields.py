"""Readers for the values portals send, shared by every adapter: lenient on form, never inventing a value.

Each returns None for what is absent or unreadable, so one odd field never costs the user a product.
"""
from __future__ import annotations

import math
import re
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any, Dict, List, Optional
from urllib.parse import urljoin, urlsplit

from shapely import wkt as shapely_wkt
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry

from ..catalog import Portal, builtin_collections
from ..errors import ErrorKind, PortalError
from ..naming import parse_name
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


def http_url(value: Any, base: Optional[str] = None) -> Optional[str]:
    """A link a client can fetch: an absolute http(s) URL with a host, or None. Every link read from an answer
    (download, quicklook, asset, DHuS ``link``) goes through here, so that text such as ``<REMOVED>`` or ``N/A``
    never becomes a link. A relative reference is resolved against `base` (the document it was read from) when
    one is given."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    head = text[:8].lower()
    if head.startswith("https://"):
        rest = text[8:]
    elif head.startswith("http://"):
        rest = text[7:]
    else:
        if not text or base is None or ":" in text.split("/", 1)[0] or text.startswith("//"):
            return None  # not a link, no base to resolve it against, another scheme (s3:, data:), or host-relative
        try:
            return http_url(urljoin(base, text))
        except ValueError:
            return None
    # the host: before the path, query or fragment, after any user info, without the port
    host = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0].rsplit("@", 1)[-1]
    if host.startswith("["):  # an IPv6 literal
        if "]" not in host:
            return None
    else:
        host = host.split(":", 1)[0]
    if not host or any(character in text for character in _NOT_IN_URLS):
        return None
    if not text.isascii():
        try:
            text.encode("utf-8")  # a lone surrogate cannot be sent
        except UnicodeError:
            return None
    return text


# characters a URL never holds unescaped (RFC 3986): their presence says the text is something else
_NOT_IN_URLS = (" ", "<", ">", '"', "{", "}", "|", "\\", "^", "`", "\n", "\r", "\t")


# Availability as portals state it: DHuS ``status`` (ONLINE / ARCHIVED), OpenSearch/resto ``status`` (CDSE:
# ONLINE / OFFLINE), PEPS ``storage.mode`` (disk, tier2 / tape, tier3, staging), GEODES and OData booleans.
_AVAILABILITY = {
    "online": True, "available": True, "disk": True, "tier2": True, "true": True,
    "offline": False, "archived": False, "lta": False, "nearline": False, "tape": False, "tier3": False,
    "staging": False, "restoring": False, "ordered": False, "false": False,
}


def availability(value: Any) -> Optional[bool]:
    """True (downloadable now), False (offline: in a long-term archive, to be ordered or being restored), or
    None when `value` says neither (absent, "unknown", "ALL")."""
    if isinstance(value, bool):
        return value
    text = clean_text(value)
    return _AVAILABILITY.get(text.lower()) if text else None


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
    if not isinstance(value, dict):
        return None
    kind = value.get("type")
    try:
        # footprints are polygons: built directly, without shape()'s generic checks (the same geometry)
        if kind == "Polygon" and isinstance(value.get("coordinates"), list) and value["coordinates"]:
            rings = value["coordinates"]
            geometry = Polygon(rings[0], rings[1:])
        elif kind == "MultiPolygon" and isinstance(value.get("coordinates"), list) and value["coordinates"] \
                and all(isinstance(part, list) and part for part in value["coordinates"]):
            geometry = MultiPolygon([(part[0], part[1:]) for part in value["coordinates"]])
        elif str(kind).lower() in _GEOJSON_TYPES:
            geometry = shape(value)
        else:
            return None
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


# ---- what a record is: its unified collection, read from the record itself ----------------------------------
def _names_of(entry: Any) -> List[str]:
    """The portal's collection names in a catalog entry (a name, a list of names, or a dict with 'collection')."""
    if isinstance(entry, dict):
        entry = entry.get("collection", entry.get("collections"))
    if isinstance(entry, str):
        return [entry] if entry else []
    if isinstance(entry, list):
        return [name for name in entry if isinstance(name, str) and name]
    return []


@lru_cache(maxsize=512)
def _name_collection(family: str, level: str, product_type: str) -> Optional[str]:
    """The unified collection a parsed product name belongs to (mission and product type), if the catalog has it."""
    wanted = {level, product_type} - {""}
    for unified, info in builtin_collections().items():  # the collections' traits, plugin/core/catalog.json
        if info.mission == family and info.product_type in wanted:
            return unified
    return None


def name_collection(name: Any) -> Optional[str]:
    """The unified collection a product's name says it belongs to ('S2A_MSIL2A_...' -> 'S2_MSI_L2A'), or None
    for a name that is no mission product name or whose product type the catalog does not list (then a label
    made of the name's mission and level, e.g. 'S2 L1B', so that it still contradicts a query for another)."""
    parsed = parse_name(name) if isinstance(name, str) else None
    if parsed is None:
        return None
    level = parsed.level
    return _name_collection(parsed.family, level, parsed.product_type or "") or f"{parsed.family} {level}"


def record_collection(portal: Portal, query: SearchQuery, *, name: Any = None, remote: Any = None,
                      type_key: str = "", product_type: Any = None) -> str:
    """The unified collection of one record, from what the record says it is.

    In order: the product's name (a mission product name says its mission and level), the record's own
    collection (a STAC item's ``collection``) mapped back through the portal's catalog entries, its product type
    mapped the same way (``type_key`` is the entry key holding it: ``productType``, ``producttype``), and only
    when the record says nothing, the query's collection. A record labelled otherwise than the query was not
    asked for: search.py leaves it out and counts it.
    """
    from_name = name_collection(name)
    if from_name is not None:
        return from_name
    if isinstance(remote, str) and remote:
        owners = [unified for unified, entry in portal.collections.items() if remote in _names_of(entry)]
        if owners:  # when several unified collections share it, the query's if it is one, else another's
            return query.collection if query.collection in owners else owners[0]
        # a collection the catalog does not map for this portal (an older name, a user's own): unknown, so it
        # cannot contradict the query; its product type or the query's collection labels it
    if type_key and isinstance(product_type, str) and product_type:
        return collection_for_type(portal, query, type_key, product_type)
    return query.collection
