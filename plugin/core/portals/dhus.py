"""DHuS adapter: national Sentinel mirrors that kept the SciHub software (PORTALS.md section 8).

``GET {url}/search?q=<Solr query>&start=&rows=&format=json&orderby=beginposition desc``; the user gives the
mirror's URL and account (search.py sends HTTP Basic from the credentials). The JSON answer is the Atom feed
turned into JSON, with its quirks: one entry comes as an object instead of a list, no entry means no
``entry`` key, and every typed field (``str``, ``int``, ``date``, ``double``) may be a list or an object.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Tuple

from ..catalog import Portal
from ..naming import normalise_tile
from ..product import Product, make_product
from ..query import SearchQuery
from .base import Page, Request, bad_answer, params, parse_json, request_params
from .fields import (
    availability, clean_text, geometry_from_wkt, http_url, is_optical, parse_time, platform_label, record_collection,
    to_float, to_int, wkt_polygons,
)

MAX_ROWS = 100  # DHuS refuses more rows per page
MAX_VERTICES = 80  # the AOI goes into the URL (portal option "max_vertices")
ORDER_BY = "beginposition desc"


# ---- request ---------------------------------------------------------------------------------------------
def _mapping(portal: Portal, query: SearchQuery) -> Dict[str, Any]:
    entry = portal.collection_for(query.collection)
    if isinstance(entry, dict):
        return entry
    if isinstance(entry, str) and entry:
        return {"producttype": entry}
    return {}


def _term(value: Any) -> str:
    """A Solr term, quoted (as sentinelsat does) unless it is only letters, digits and '_'."""
    text = str(value)
    return text if re.fullmatch(r"[A-Za-z0-9_]+", text) else '"' + text.replace('"', '\\"') + '"'


def solr_query(portal: Portal, query: SearchQuery) -> str:
    """The ``q`` parameter: every filter as a Solr clause, joined with AND."""
    mapping = _mapping(portal, query)
    clauses: List[str] = []
    for key in ("platformname", "producttype"):
        if mapping.get(key):
            clauses.append(f"{key}:{_term(mapping[key])}")
    clauses.append(f'beginposition:["{query.iso_start()}" TO "{query.iso_end()}"]')
    polygons = wkt_polygons(query, int(portal.options.get("max_vertices", MAX_VERTICES)))
    footprints = [f'footprint:"Intersects({polygon})"' for polygon in polygons]
    # An AOI split at the antimeridian: one Intersects per part, any part may match.
    clauses.append(footprints[0] if len(footprints) == 1 else "(" + " OR ".join(footprints) + ")")
    if query.max_cloud is not None and is_optical(query.collection):
        clauses.append(f"cloudcoverpercentage:[0 TO {query.max_cloud:g}]")
    if query.orbit_direction:
        clauses.append(f"orbitdirection:{query.orbit_direction}")
    if query.relative_orbit is not None:
        clauses.append(f"relativeorbitnumber:{int(query.relative_orbit)}")
    if query.tile:
        clauses.append(f"tileid:{query.tile}")
    label = platform_label(query.platform)
    if label:
        clauses.append(f"platformserialidentifier:{_term(label)}")
    return " AND ".join(clauses)


def rows(portal: Portal, query: SearchQuery) -> int:
    """Products per page: within DHuS's 100, the portal's maximum and the query's limit."""
    wanted = query.page_size or portal.page_size
    return max(1, min(wanted, portal.max_page_size, MAX_ROWS, query.limit))


def build_request(portal: Portal, query: SearchQuery) -> Request:
    """The first page of a DHuS search."""
    return _page(portal, query, 0, rows(portal, query))


def _page(portal: Portal, query: SearchQuery, start: int, count: int) -> Request:
    pairs = [
        ("q", solr_query(portal, query)),
        ("start", start),
        ("rows", count),
        ("format", "json"),
        ("orderby", ORDER_BY),
    ]
    return Request("GET", f"{portal.url}/search", params(pairs))


# ---- answer ----------------------------------------------------------------------------------------------
def _as_list(value: Any) -> List[Any]:
    """DHuS writes a one-element list as the element itself."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _typed(entry: Dict[str, Any]) -> Dict[str, Any]:
    """The typed fields of an entry (str, int, date, double, bool arrays) as one name -> content dict."""
    values: Dict[str, Any] = {}
    for kind in ("str", "int", "long", "date", "double", "bool"):
        for item in _as_list(entry.get(kind)):
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                values.setdefault(item["name"], item.get("content"))
    return values


_UNITS = {"B": 1, "KB": 1024, "MB": 1024 ** 2, "GB": 1024 ** 3, "TB": 1024 ** 4}


def approximate_size(text: Any) -> Optional[int]:
    """Bytes from DHuS's rounded display size ('110.44 MB'), read with binary units (whether DHuS divides by
    1000 or 1024 is unverified; the figure is for display only either way)."""
    match = re.fullmatch(r"\s*([\d.]+)\s*([KMGT]?B)\s*", str(text or ""), re.I)
    if not match:
        return None
    try:
        return int(float(match.group(1)) * _UNITS[match.group(2).upper()])
    except (ValueError, OverflowError):  # "1.2.3 MB", or 400 digits: infinity
        return None


def _links(entry: Dict[str, Any]) -> Dict[str, str]:
    links: Dict[str, str] = {}
    for link in _as_list(entry.get("link")):
        href = http_url(link.get("href")) if isinstance(link, dict) else None
        if href:
            rel = link.get("rel")
            links.setdefault(rel if isinstance(rel, str) and rel else "enclosure", href)
    return links


# Where DHuS versions state availability: ONLINE, or ARCHIVED (in the long-term archive: to be ordered first).
_STATUS_KEYS = ("status", "productstatus", "product_status", "availability", "online")


def _online(entry: Dict[str, Any], fields: Dict[str, Any]) -> Optional[bool]:
    for key in _STATUS_KEYS:
        for value in (fields.get(key), entry.get(key)):
            state = availability(value)
            if state is not None:
                return state
    return None


def _product(portal: Portal, query: SearchQuery, entry: Any) -> Product:
    if not isinstance(entry, dict):
        raise bad_answer(portal.title, "a feed entry is not an object")
    fields = _typed(entry)
    uuid = entry.get("id") or fields.get("uuid")
    name = clean_text(fields.get("filename")) or clean_text(fields.get("identifier")) or clean_text(entry.get("title"))
    if not uuid and not name:
        raise bad_answer(portal.title, "a feed entry has neither an id nor a name")
    uuid = str(uuid or name)
    links = _links(entry)
    download = links.get("enclosure")
    if not download and entry.get("id"):
        download = f"{portal.url}/odata/v1/Products('{uuid}')/$value"
    properties = {key: value for key, value in fields.items() if key not in ("footprint", "gmlfootprint")}
    properties.update({key: entry[key] for key in ("id", "title", "summary", "ondemand") if key in entry})
    product = make_product(
        portal=portal.id,
        product_id=uuid,
        name=name,
        collection=record_collection(portal, query, name=name, type_key="producttype",
                                     product_type=fields.get("producttype")),
        footprint=geometry_from_wkt(fields.get("footprint")),
        start=parse_time(fields.get("beginposition")),
        end=parse_time(fields.get("endposition")),
        platform=platform_label(fields.get("platformserialidentifier")),
        cloud_cover=to_float(fields.get("cloudcoverpercentage")),
        tile=normalise_tile(fields.get("tileid")),
        orbit_direction=fields.get("orbitdirection") if isinstance(fields.get("orbitdirection"), str) else None,
        relative_orbit=to_int(fields.get("relativeorbitnumber")),
        size=approximate_size(fields.get("size")),
        quicklook=links.get("icon"),
        download_url=http_url(download),
        online=_online(entry, fields),
        properties=properties,
    )
    # "110.44 MB" is rounded: good for showing, wrong for verifying a download, which must compare exact
    # bytes. The exact ContentLength and MD5 come from the mirror's OData (Products('<uuid>')), not the search.
    for source in product.sources:
        source.size = None
    return product


def parse(portal: Portal, query: SearchQuery, body: bytes, request: Request) -> Page:
    """Products of one DHuS page, the total, and the next page while start + rows < total."""
    data = parse_json(portal.title, body)
    feed = data.get("feed") if isinstance(data, dict) else None
    if not isinstance(feed, dict):
        raise bad_answer(portal.title, "no 'feed' in the DHuS answer")
    entries = _as_list(feed.get("entry"))
    products = [_product(portal, query, entry) for entry in entries]
    total = to_int(feed.get("opensearch:totalResults"))
    total = total if total is not None and total >= 0 else None
    sent = request_params(request)
    start = to_int(sent.get("start")) or 0
    count = to_int(sent.get("rows")) or len(entries)
    following: Optional[Request] = None
    if entries and total is not None and start + count < total:
        following = _page(portal, query, start + count, count)
    return Page(products=products, next=following, total=total)


# ---- connection test ----------------------------------------------------------------------------------
def probe_request(portal: Portal) -> Request:
    """The small request that tells whether the portal answers: a search for no rows."""
    return Request("GET", f"{portal.url}/search", (("q", "*"), ("rows", "0"), ("format", "json")),
                   headers=(("Accept", "application/json"),))


def probe_answer(data: Dict[str, Any]) -> Tuple[bool, str]:
    """(a DHuS OpenSearch feed answered, "")."""
    return "feed" in data, ""
