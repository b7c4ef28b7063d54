"""resto adapter: OpenSearch GeoJSON catalogues such as SARA (Australia), and PEPS's historical answers.

``GET {url}/collections/{collection}/search.json`` with resto's parameters (PORTALS.md 1.5, 2.1, and the SARA
note in section 8). Paging follows the answer's ``rel=next`` link. What differs between resto portals is data
in the catalog: the collection entry's keys other than ``collection`` are sent as parameters as they are
(``{"collection": "S2", "productType": "S2MSIL1C"}``), and the options ``relative_orbit_param``,
``tile_param``, ``spatial`` ("geometry" or "box"), ``sort`` ([param, order]) and ``max_vertices`` adjust the rest.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Tuple

from ..catalog import Portal
from ..naming import normalise_tile, parse_name
from ..product import Product, make_product
from ..query import SearchQuery
from .base import Page, Request, bad_answer, params, parse_json
from .fields import (
    availability, collection_entry, geometry_from_geojson, http_url, is_optical, parse_time, platform_label,
    record_collection, to_float, to_int,
)

MAX_RECORDS = 500  # resto servers (PEPS, SARA) cap maxRecords at 500
MAX_VERTICES = 80  # the AOI goes into the URL (portal option "max_vertices")

# Availability: PEPS's storage.mode (disk and tier2 can be downloaded now; tape and tier3 must be restored first,
# staging is being restored; "unknown" says nothing) or a `status` property (CDSE's OpenSearch: ONLINE / OFFLINE),
# both read by fields.availability.


# ---- request ---------------------------------------------------------------------------------------------
def max_records(portal: Portal, query: SearchQuery) -> int:
    """Products per page: within resto's 500, the portal's maximum and the query's limit."""
    wanted = query.page_size or portal.page_size
    return max(1, min(wanted, portal.max_page_size, MAX_RECORDS, query.limit))


def build_request(portal: Portal, query: SearchQuery) -> Request:
    """The first page of a resto search."""
    mapping = collection_entry(portal, query)
    options = portal.options
    pairs: List[Tuple[str, Any]] = [("startDate", query.iso_start()), ("completionDate", query.iso_end())]
    if options.get("spatial") == "box":
        west, south, east, north = query.bbox
        pairs.append(("box", ",".join(f"{value:g}" for value in (west, south, east, north))))
    else:
        pairs.append(("geometry", query.wkt(max_vertices=int(options.get("max_vertices", MAX_VERTICES)))))
    pairs += [(key, value) for key, value in mapping.items() if key != "collection" and value not in (None, "")]
    if query.max_cloud is not None and is_optical(query.collection):
        pairs.append(("cloudCover", f"[0,{query.max_cloud:g}]"))
    if query.orbit_direction:
        pairs.append(("orbitDirection", query.orbit_direction.title()))
    if query.relative_orbit is not None:
        pairs.append((options.get("relative_orbit_param", "relativeOrbitNumber"), int(query.relative_orbit)))
    if query.tile:
        pairs.append((options.get("tile_param", "tileid"), query.tile))
    if query.platform:
        pairs.append(("platform", query.platform))
    sort = options.get("sort")
    if isinstance(sort, (list, tuple)) and len(sort) == 2:
        pairs += [("sortParam", sort[0]), ("sortOrder", sort[1])]
    pairs += [("maxRecords", max_records(portal, query)), ("page", 1)]
    return Request("GET", f"{portal.url}/collections/{mapping['collection']}/search.json", params(pairs))


# ---- answer ----------------------------------------------------------------------------------------------
def _checksums(value: Any) -> Dict[str, str]:
    """'md5:ABC...', 'md5=ABC...' (SARA) or a bare MD5 (PEPS) -> {"MD5": "abc..."}."""
    if not isinstance(value, str) or not value.strip():
        return {}
    match = re.fullmatch(r"\s*(?:([A-Za-z0-9-]+)[:=])?([0-9A-Fa-f]+)\s*", value)
    if not match:
        return {}
    algorithm, digest = match.groups()
    if algorithm is None:
        if len(digest) != 32:
            return {}  # a bare digest is MD5 on these portals; another length is something we cannot name
        algorithm = "MD5"
    return {algorithm.upper(): digest.lower()}


def _size(value: Any) -> Optional[int]:
    """A byte count or a total: a whole number, never negative."""
    number = to_int(value)
    return number if number is not None and number >= 0 else None


def _relative_orbit(value: Any) -> Optional[int]:
    """A relative orbit, or None for a number that cannot be one (SARA's orbitNumber is relative per eodag's
    mapping, PEPS's is absolute: a portal option that points at the wrong field must not show 26883)."""
    number = to_int(value)
    return number if number is not None and 1 <= number <= 233 else None


def _name(props: Dict[str, Any]) -> Optional[str]:
    """The product name: title, or productIdentifier's last path part (CDSE's resto put an S3 path there)."""
    candidates = [props.get("title"), props.get("productIdentifier")]
    names = [str(c).rstrip("/").rsplit("/", 1)[-1] for c in candidates if isinstance(c, str) and c.strip()]
    for name in names:
        if parse_name(name):
            return name
    return names[0] if names else None


def _links(data: Dict[str, Any]) -> List[Any]:
    links = data.get("links")
    if not isinstance(links, list) and isinstance(data.get("properties"), dict):
        links = data["properties"].get("links")  # resto 2.x keeps them in the collection's properties
    return links if isinstance(links, list) else []


def _product(portal: Portal, query: SearchQuery, feature: Any) -> Product:
    if not isinstance(feature, dict) or not isinstance(feature.get("properties"), dict):
        raise bad_answer(portal.title, "a feature has no properties")
    props = feature["properties"]
    name = _name(props)
    product_id = feature.get("id") or props.get("id") or name
    if not product_id:
        raise bad_answer(portal.title, "a feature has neither an id nor a title")
    services = props.get("services") if isinstance(props.get("services"), dict) else {}
    download = services.get("download") if isinstance(services.get("download"), dict) else {}
    size = _size(download.get("size"))
    if size is None:
        size = _size(props.get("resourceSize"))
    checksums = _checksums(download.get("checksum")) or _checksums(props.get("resourceChecksum"))
    storage = props.get("storage") if isinstance(props.get("storage"), dict) else {}
    online = availability(storage.get("mode"))
    if online is None:
        online = availability(props.get("status"))
    relative_key = portal.options.get("relative_orbit_param", "relativeOrbitNumber")
    properties = {key: value for key, value in props.items()
                  if value is None or isinstance(value, (str, int, float, bool))}
    return make_product(
        portal=portal.id,
        product_id=str(product_id),
        name=name,
        collection=record_collection(portal, query, name=name, remote=props.get("collection"), type_key="productType",
                                     product_type=props.get("productType")),
        footprint=geometry_from_geojson(feature.get("geometry")),
        start=parse_time(props.get("startDate")),
        end=parse_time(props.get("completionDate")),
        platform=platform_label(props.get("platform")),
        cloud_cover=to_float(props.get("cloudCover")),
        tile=normalise_tile(props.get("mgrs") or props.get("tileid")),
        orbit_direction=props.get("orbitDirection") if isinstance(props.get("orbitDirection"), str) else None,
        relative_orbit=_relative_orbit(props.get(relative_key)),
        size=size,
        quicklook=http_url(props.get("quicklook")) or http_url(props.get("thumbnail")),
        download_url=http_url(download.get("url")),
        checksums=checksums,
        online=online,
        properties=properties,
    )


def parse(portal: Portal, query: SearchQuery, body: bytes, request: Request) -> Page:
    """Products of one resto page, its total, and the request behind its ``rel=next`` link."""
    data = parse_json(portal.title, body)
    if not isinstance(data, dict) or not isinstance(data.get("features"), list):
        raise bad_answer(portal.title, "no 'features' list in the resto answer")
    features = data["features"]
    products = [_product(portal, query, feature) for feature in features]
    info = data.get("properties") if isinstance(data.get("properties"), dict) else {}
    total = _size(info.get("totalResults", data.get("totalResults")))
    following: Optional[Request] = None
    if features:  # an empty page ends the search even if a next link is offered (SARA's counts are loose)
        href = next((http_url(link.get("href"), request.url) for link in _links(data)
                     if isinstance(link, dict) and link.get("rel") == "next"
                     and http_url(link.get("href"), request.url)), None)
        if href:
            following = Request("GET", href)
    return Page(products=products, next=following, total=total)


# ---- connection test ----------------------------------------------------------------------------------
def probe_request(portal: Portal) -> Request:
    """The small request that tells whether the portal answers: a one-record search in its first collection,
    or its collections list."""
    accept = (("Accept", "application/json"),)
    collection = ""
    for value in portal.collections.values():
        collection = value.get("collection", "") if isinstance(value, dict) else str(value)
        if collection:
            break
    if collection:
        return Request("GET", f"{portal.url}/collections/{collection}/search.json", (("maxRecords", "1"),),
                       headers=accept)
    return Request("GET", f"{portal.url}/collections", headers=accept)


def probe_answer(data: Dict[str, Any]) -> Tuple[bool, str]:
    """(a resto search or collections list answered, "")."""
    return "features" in data or data.get("type") == "FeatureCollection" or "collections" in data, ""
