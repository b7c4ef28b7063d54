"""OData v4 adapter: the Copernicus Data Space catalogue and CREODIAS (PORTALS.md section 1.1).

One GET on ``{url}/Products`` with a ``$filter``, newest first. Paging follows ``@odata.nextLink`` as the
portal gives it (less the slow ``$count``), except at the portal's ``$skip`` ceiling (10000): there the
search starts again with a first-page request whose date window ends at the last product read (inclusive),
so nothing is lost; the products read twice at that boundary are merged later by identity.

"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qsl, quote, unquote_plus, urlsplit

from shapely.geometry.base import BaseGeometry

from ..catalog import Portal
from ..naming import normalise_tile
from ..product import Product, make_product
from ..query import SearchQuery
from .base import Page, Request, bad_answer, params, parse_json, request_params
from .fields import (
    availability, clean_text, collection_entry, geometry_from_geojson, geometry_from_wkt, http_url, is_optical,
    parse_time, platform_label, record_collection, to_float, to_int, wkt_polygons,
)

MAX_SKIP = 10000  # CDSE refuses $skip beyond this; a portal option "max_skip" overrides it (tests lower it)
MAX_VERTICES = 80  # the AOI goes into the URL: keep it short (portal option "max_vertices")
ORDER_BY = "ContentDate/Start desc"

# Attribute value types as the OData filter names them (PORTALS.md 1.1: the same Type in both places).
_STRING, _INTEGER, _DOUBLE = "String", "Integer", "Double"


# ---- request ---------------------------------------------------------------------------------------------
def build_request(portal: Portal, query: SearchQuery) -> Request:
    """The first page of a search: every filter, newest first, with the total count."""
    return _first_page(portal, query, count=True)


def _literal(value: Any) -> str:
    """An OData string literal (single quotes doubled inside)."""
    return "'" + str(value).replace("'", "''") + "'"


def _attribute(name: str, kind: str, operator: str, value: Any) -> str:
    """An Attributes clause, typed the same on both sides as the CDSE documentation writes it."""
    literal = _literal(value) if kind == _STRING else value
    return (
        f"Attributes/OData.CSC.{kind}Attribute/any(att:att/Name eq {_literal(name)} "
        f"and att/OData.CSC.{kind}Attribute/Value {operator} {literal})"
    )


def _spatial(portal: Portal, query: SearchQuery) -> str:
    max_vertices = int(portal.options.get("max_vertices", MAX_VERTICES))
    polygons = wkt_polygons(query, max_vertices, separator=", ")
    clauses = [f"OData.CSC.Intersects(area=geography'SRID=4326;{polygon}')" for polygon in polygons]
    # An AOI split at the antimeridian is one Intersects per part: any part may match.
    return clauses[0] if len(clauses) == 1 else "(" + " or ".join(clauses) + ")"


def _first_page(
    portal: Portal,
    query: SearchQuery,
    *,
    count: bool,
    order: str = ORDER_BY,
    since: Optional[str] = None,
    until: Optional[str] = None,
) -> Request:
    """A first-page request; `until`/`since` (portal time strings, inclusive) narrow the window on restarts."""
    mapping = collection_entry(portal, query)
    clauses: List[str] = [f"Collection/Name eq {_literal(mapping['collection'])}", _spatial(portal, query)]
    clauses.append(f"ContentDate/Start ge {since}" if since else f"ContentDate/Start ge {query.iso_start()}")
    clauses.append(f"ContentDate/Start le {until}" if until else f"ContentDate/Start lt {query.iso_end()}")
    if mapping.get("productType"):
        clauses.append(_attribute("productType", _STRING, "eq", mapping["productType"]))
    if mapping.get("nameContains"):
        clauses.append(f"contains(Name,{_literal(mapping['nameContains'])})")
    if query.max_cloud is not None and is_optical(query.collection):
        clauses.append(_attribute("cloudCover", _DOUBLE, "le", f"{query.max_cloud:.2f}"))
    if query.orbit_direction:
        clauses.append(_attribute("orbitDirection", _STRING, "eq", query.orbit_direction))
    if query.relative_orbit is not None:
        clauses.append(_attribute("relativeOrbitNumber", _INTEGER, "eq", int(query.relative_orbit)))
    if query.tile:
        clauses.append(_attribute("tileId", _STRING, "eq", query.tile))
    serial = _serial_letter(query.platform)
    if serial:
        clauses.append(_attribute("platformSerialIdentifier", _STRING, "eq", serial))
    top = page_size(portal, query)
    pairs: List[Tuple[str, Any]] = [
        ("$filter", " and ".join(clauses)),
        ("$orderby", order),
        ("$top", top),
    ]
    if count:
        pairs.append(("$count", "True"))  # slow on CDSE: first page only, as CDSETool does
    pairs += [("$expand", "Attributes"), ("$expand", "Assets")]
    return Request("GET", f"{portal.url}/Products", params(pairs))


def page_size(portal: Portal, query: SearchQuery) -> int:
    """Products per page: the query's or the portal's size, within the portal's maximum and the query's limit."""
    wanted = query.page_size or portal.page_size
    return max(1, min(wanted, portal.max_page_size, query.limit))


def _serial_letter(platform: Optional[str]) -> Optional[str]:
    """'S2A' -> 'A' (CDSE's platformSerialIdentifier); Landsat platforms are implied by the collection."""
    match = re.fullmatch(r"S[1-6]([A-D])", platform or "")
    return match.group(1) if match else None


# ---- answer ----------------------------------------------------------------------------------------------
def parse(portal: Portal, query: SearchQuery, body: bytes, request: Request) -> Page:
    """Products of one OData answer, its total (first page) and the request for the next page."""
    data = parse_json(portal.title, body)
    if not isinstance(data, dict) or not isinstance(data.get("value"), list):
        raise bad_answer(portal.title, "no 'value' list in the OData answer")
    records = data["value"]
    products = [_product(portal, query, record) for record in records]
    total = data.get("@odata.count")
    page = Page(products=products, total=total if _count(total) else None)
    page.next = _next_request(portal, query, data, request)
    return page


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _list(value: Any) -> List[Any]:
    """A list field of a record, or nothing when the portal put something else there."""
    return value if isinstance(value, list) else []


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _next_request(portal: Portal, query: SearchQuery, data: Dict[str, Any], request: Request) -> Optional[Request]:
    records = data["value"]
    if not records:
        return None
    sent = request_params(request)
    top = _int(sent.get("$top"), len(records))
    skip = _int(sent.get("$skip"), 0)
    ceiling = _int(portal.options.get("max_skip"), MAX_SKIP)
    link = http_url(data.get("@odata.nextLink"), request.url)
    if link:
        following = dict(parse_qsl(urlsplit(link).query, keep_blank_values=True))
        next_skip = _int(following.get("$skip"), skip + len(records))
        next_top = _int(following.get("$top"), top)
        if next_skip + next_top <= ceiling:
            return Request("GET", _without_count(link))  # the portal's own paging, as given
    elif len(records) < top or skip + top < ceiling:
        return None  # the last page
    return _restart(portal, query, records, sent)


def _without_count(link: str) -> str:
    """The next link without ``$count``: CDSE echoes it into every link, and counting is slow (CDSETool drops
    it too). Every other byte of the link stays as the portal wrote it."""
    base, separator, query = link.partition("?")
    if not separator:
        return link
    kept = [part for part in query.split("&") if unquote_plus(part.split("=", 1)[0]) != "$count"]
    return base + "?" + "&".join(kept) if kept else base


def _restart(portal: Portal, query: SearchQuery, records: List[Any], sent: Dict[str, str]) -> Optional[Request]:
    """At the skip ceiling: a new first page whose window ends (or starts) at the last product read."""
    last = records[-1].get("ContentDate", {}) if isinstance(records[-1], dict) else {}
    last_start = last.get("Start") if isinstance(last, dict) else None
    if not isinstance(last_start, str) or parse_time(last_start) is None:
        return None
    order = sent.get("$orderby") or ORDER_BY
    ascending = "asc" in order.lower() and "desc" not in order.lower()
    current = sent.get("$filter", "")
    bound = f"ContentDate/Start {'ge' if ascending else 'le'} {last_start}"
    if bound in current:
        # Every product of this window shares one start time beyond the ceiling: a narrower window cannot be
        # expressed, so paging stops here. The first page's total still shows the user how many were missed.
        return None
    if ascending:
        return _first_page(portal, query, count=False, order=order, since=last_start)
    return _first_page(portal, query, count=False, order=order, until=last_start)


def _attributes(record: Dict[str, Any]) -> Dict[str, Any]:
    values: Dict[str, Any] = {}
    for attribute in _list(record.get("Attributes")):
        if isinstance(attribute, dict) and isinstance(attribute.get("Name"), str):
            values.setdefault(attribute["Name"], attribute.get("Value"))
    return values


def _footprint(record: Dict[str, Any]) -> Optional[BaseGeometry]:
    return geometry_from_geojson(record.get("GeoFootprint")) or geometry_from_wkt(record.get("Footprint"))


def _product(portal: Portal, query: SearchQuery, record: Any) -> Product:
    if not isinstance(record, dict):
        raise bad_answer(portal.title, "a product of the OData answer is not an object")
    product_id = record.get("Id")
    name = clean_text(record.get("Name"))
    if not product_id and not name:
        raise bad_answer(portal.title, "a product has neither 'Id' nor 'Name'")
    product_id = str(product_id or name)
    attributes = _attributes(record)
    dates = record.get("ContentDate") if isinstance(record.get("ContentDate"), dict) else {}
    checksums = {
        str(item["Algorithm"]).upper(): str(item["Value"])
        for item in _list(record.get("Checksum"))
        if isinstance(item, dict) and item.get("Algorithm") and item.get("Value")
    }
    quicklook = next(
        (http_url(asset.get("DownloadLink")) for asset in _list(record.get("Assets"))
         if isinstance(asset, dict) and asset.get("Type") == "QUICKLOOK" and http_url(asset.get("DownloadLink"))),
        None,
    )
    download_root = str(portal.get("download_url") or portal.url).rstrip("/")
    size = record.get("ContentLength")
    online = record.get("Online")
    properties = {key: value for key, value in attributes.items() if _scalar(value)}
    properties.update({key: value for key, value in record.items()
                       if key not in ("Footprint", "GeoFootprint") and _scalar(value)})
    return make_product(
        portal=portal.id,
        product_id=product_id,
        name=name,
        collection=record_collection(portal, query, name=name, type_key="productType",
                                     product_type=attributes.get("productType")),
        footprint=_footprint(record),
        start=parse_time(dates.get("Start")),
        end=parse_time(dates.get("End")),
        platform=platform_label(attributes.get("platformShortName"), attributes.get("platformSerialIdentifier")),
        cloud_cover=to_float(attributes.get("cloudCover")),
        tile=normalise_tile(attributes.get("tileId")),
        orbit_direction=clean_text(attributes.get("orbitDirection")),
        relative_orbit=to_int(attributes.get("relativeOrbitNumber")),
        size=size if _count(size) else None,
        quicklook=quicklook,
        download_url=http_url(f"{download_root}/Products({quote(product_id, safe='-._~')})/$value")
        if record.get("Id") else None,
        checksums=checksums,
        online=availability(online) if isinstance(online, bool) else None,
        properties=properties,
    )


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


# ---- connection test ----------------------------------------------------------------------------------
def probe_request(portal: Portal) -> Request:
    """The small request that tells whether the portal answers: its OData service document."""
    return Request("GET", portal.url, headers=(("Accept", "application/json"),))


def probe_answer(data: Dict[str, Any]) -> Tuple[bool, str]:
    """(an OData service answered, "") for the service document's JSON."""
    return "value" in data or "@odata.context" in data or "d" in data, ""
