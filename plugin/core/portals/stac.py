"""STAC API adapter: Earth Search, Planetary Computer, CDSE STAC, GEODES, THEIA and any STAC API a user adds.

Requests are ``POST {portal.url}/search`` with a JSON body; the next page is the portal's own ``rel=next`` link,
followed exactly as given (GET its href, or POST its href with its body, merged into the previous body when the
link says ``merge``). Portal quirks are data, in the catalog entry's ``options``:

``flavour``          ``"stac"`` (default) or ``"geodes"`` (GEODES body: ``page``, ``limit`` <= 80, dates and
                     filters in ``query``, ``sortBy``; pages counted with ``page`` unless a next link has a body)
``cloud_filter``     filter language for every property filter: ``"query"`` (query extension, default) or
                     ``"cql2"`` (CQL2-JSON ``filter`` + ``"filter-lang": "cql2-json"``)
``tile_property``    property holding the MGRS tile (``grid:code``, ``s2:mgrs_tile``); no tile filter without it
``tile_format``      how the tile is written there, ``{tile}`` = zero-padded 5 characters (``MGRS-{tile}``, ``T{tile}``)
``tile_operator``    ``"eq"`` (default) or ``"contains"`` (GEODES)
``tile_zone_unpadded`` also match the tile with an unpadded UTM zone (Earth Search writes ``MGRS-9VWK``)
``orbit_case``       how ``sat:orbit_state`` values are written: ``"lower"`` (default), ``"title"`` (GEODES),
                     ``"upper"``
``platform_format``  ``{platform}`` = ``S2A``, ``{mission_lower}`` = ``2a``, ``{mission_digit_letter}`` = ``2A``
                     (Sentinel only; Landsat is always ``landsat-8``); no platform filter without it
``product_type_property`` property for a collection entry's ``product_type`` (default ``product:type``)
``max_vertices``     larger areas are sent as a covering simplification (default 200)
``paging``           ``"link"`` (default) or ``"page"`` (a ``page`` counter in the body, GEODES and hydroweb.next)
``datetime_filter``  ``"datetime"`` (default, the ``datetime`` interval) or ``"query"`` (``end_datetime >= start``
                     and ``start_datetime <= end`` in ``query``)

Unknown options are ignored. A collection entry is the portal's name, a list of names, or a dict
``{"collection": "PEPS_S1_L1", "product_type": "GRD"}``.

Parsing never invents a value: a field that is missing or of the wrong type stays None. Products whose stated
tile, orbit, platform or cloud cover contradict the query are left out, because some servers silently ignore
filters they do not know.
"""
from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, Dict, Iterable, Iterator, List, Optional, Tuple

from shapely.geometry import mapping

from ..catalog import Portal, collection_traits
from ..errors import ErrorKind, PortalError
from ..naming import normalise_tile
from ..product import Asset, Product, make_product
from ..query import SearchQuery, covering_simplification, vertex_count
from .base import Page, Request, bad_answer, headers, parse_json
from .fields import clean_text, geometry_from_geojson, http_url, parse_time, record_collection

GEODES_MAX_LIMIT = 80
DEFAULT_MAX_VERTICES = 200

Filter = Tuple[str, str, Any]  # (property, operator: eq | lte | gte | contains | in, value)


# ---- requests --------------------------------------------------------------------------------------------
def build_request(portal: Portal, query: SearchQuery) -> Request:
    """The first page's request: POST {portal.url}/search with the query as a STAC (or GEODES) body."""
    options = portal.options or {}
    names, filters = _collections_and_filters(portal, query)
    filters.extend(_query_filters(options, query))
    limit = max(1, min(query.page_size or portal.page_size, portal.max_page_size, query.limit))
    intersects = _intersects(query, _int_option(options, "max_vertices", DEFAULT_MAX_VERTICES))
    flavour = options.get("flavour", "stac")
    date_filters = [("end_datetime", "gte", query.iso_start()), ("start_datetime", "lte", query.iso_end())]

    body: Dict[str, Any]
    if flavour == "geodes":
        body = {
            "page": 1,
            "limit": min(limit, GEODES_MAX_LIMIT),
            "collections": names,
            "intersects": intersects,
            "query": _as_query(date_filters + filters),
            # a fixed order, or page N+1 may repeat or skip products of page N
            "sortBy": [{"field": "start_datetime", "direction": "asc"}],
        }
    else:
        body = {"collections": names, "intersects": intersects}
        if options.get("datetime_filter") == "query":
            filters = date_filters + filters
        else:
            body["datetime"] = f"{query.iso_start()}/{query.iso_end()}"
        body["limit"] = limit
        if filters:
            if options.get("cloud_filter", "query") == "cql2":
                body["filter"] = _as_cql2(filters)
                body["filter-lang"] = "cql2-json"
            else:
                body["query"] = _as_query(filters)
        if options.get("paging") == "page":
            body["page"] = 1
    return Request("POST", f"{portal.url}/search", json_body=body)


def _collections_and_filters(portal: Portal, query: SearchQuery) -> Tuple[List[str], List[Filter]]:
    """The portal's collection names for the query's collection, and the filters its entry implies."""
    entry = portal.collection_for(query.collection)
    filters: List[Filter] = []
    if isinstance(entry, dict):
        names = entry.get("collection", entry.get("collections"))
        product_type = entry.get("product_type")
        if isinstance(product_type, str) and product_type:
            prop = (portal.options or {}).get("product_type_property", "product:type")
            filters.append((prop, "eq", product_type))
    else:
        names = entry
    if isinstance(names, str):
        names = [names]
    names = [str(name) for name in (names or []) if isinstance(name, str) and name]
    if not names:
        raise PortalError(portal.title, f"does not offer the collection {query.collection}", ErrorKind.INVALID)
    return names, filters


def _query_filters(options: Dict[str, Any], query: SearchQuery) -> List[Filter]:
    """Server-side filters for cloud cover, tile, orbit and platform, written the portal's way."""
    family = _family(query.collection)
    filters: List[Filter] = []
    if query.max_cloud is not None and family in ("S2", "LANDSAT"):
        filters.append(("eo:cloud_cover", "lte", query.max_cloud))
    tile_property = options.get("tile_property")
    if query.tile and family == "S2" and isinstance(tile_property, str) and tile_property:
        tile_format = str(options.get("tile_format") or "{tile}")
        value = tile_format.format(tile=query.tile)
        operator = "contains" if options.get("tile_operator") == "contains" else "eq"
        unpadded = tile_format.format(tile=query.tile.lstrip("0"))
        if operator == "eq" and options.get("tile_zone_unpadded") and unpadded != value:
            filters.append((tile_property, "in", [value, unpadded]))
        else:
            filters.append((tile_property, operator, value))
    if query.orbit_direction and family in ("S1", "S2"):
        case = options.get("orbit_case", "lower")
        text = query.orbit_direction.lower()
        text = text.title() if case == "title" else text.upper() if case == "upper" else text
        filters.append(("sat:orbit_state", "eq", text))
    if query.relative_orbit is not None:
        if family == "LANDSAT":  # our relative orbit of a Landsat scene is its WRS path (naming.py)
            filters.append(("landsat:wrs_path", "eq", f"{query.relative_orbit:03d}"))
        elif family in ("S1", "S2"):
            filters.append(("sat:relative_orbit", "eq", query.relative_orbit))
    platform = _platform_value(options, query.platform)
    if platform:
        filters.append(("platform", "eq", platform))
    return filters


def _family(unified: str) -> str:
    return collection_traits(unified).mission


def _platform_value(options: Dict[str, Any], platform: Optional[str]) -> Optional[str]:
    """'S2A' in the portal's spelling ('sentinel-2a', 'Sentinel-2A', 'S2A'), or None when it has no format."""
    if not platform:
        return None
    landsat = re.fullmatch(r"L[COTEM]0?(\d)", platform)
    if landsat:
        return f"landsat-{landsat.group(1)}"
    fmt = options.get("platform_format")
    sentinel = re.fullmatch(r"S(\d)([A-D])", platform)
    if not isinstance(fmt, str) or not fmt or not sentinel:
        return None
    digit, letter = sentinel.groups()
    try:
        return fmt.format(platform=platform, mission_lower=f"{digit}{letter.lower()}",
                          mission_digit_letter=f"{digit}{letter}")
    except (KeyError, IndexError, ValueError):  # a user's format with an unknown placeholder
        return None


def _intersects(query: SearchQuery, max_vertices: int) -> Dict[str, Any]:
    """The area as GeoJSON; an area with many vertices is replaced by a simpler one that still covers it."""
    geometry = query.geometry
    if vertex_count(geometry) > max_vertices:
        geometry = covering_simplification(geometry, max_vertices)
    return json.loads(json.dumps(mapping(geometry)))


def _as_query(filters: Iterable[Filter]) -> Dict[str, Dict[str, Any]]:
    """Filters in the query extension's form: {"eo:cloud_cover": {"lte": 20}}."""
    result: Dict[str, Dict[str, Any]] = {}
    for prop, operator, value in filters:
        result.setdefault(prop, {})[operator] = value
    return result


_CQL2_OPERATORS = {"eq": "=", "lte": "<=", "gte": ">="}


def _as_cql2(filters: List[Filter]) -> Dict[str, Any]:
    """Filters as CQL2-JSON, using only basic CQL2 (=, <=, >=, and, or) except for 'contains'."""
    clauses = []
    for prop, operator, value in filters:
        ref = {"property": prop}
        if operator == "in":
            clauses.append({"op": "or", "args": [{"op": "=", "args": [ref, item]} for item in value]})
        elif operator == "contains":
            clauses.append({"op": "like", "args": [ref, f"%{value}%"]})
        else:
            clauses.append({"op": _CQL2_OPERATORS[operator], "args": [ref, value]})
    return clauses[0] if len(clauses) == 1 else {"op": "and", "args": clauses}


def _int_option(options: Dict[str, Any], key: str, default: int) -> int:
    value = options.get(key, default)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 3 else default


def conformance_options(landing_page_bytes: bytes) -> Dict[str, str]:
    """Options derived from a STAC landing page's (or /conformance's) ``conformsTo``: {"cloud_filter": ...}.

    CQL2-JSON when the server declares the filter extension and CQL2-JSON, else the query extension.
    """
    data = parse_json("STAC catalogue", landing_page_bytes)
    classes = data.get("conformsTo") if isinstance(data, dict) else None
    if not isinstance(classes, list):
        raise PortalError("STAC catalogue", "the landing page lists no conformance classes (conformsTo)",
                          ErrorKind.PARSE)
    classes = [c for c in classes if isinstance(c, str)]
    has_filter = any(c.endswith("item-search#filter") or "ogcapi-features-3/1.0/conf/filter" in c for c in classes)
    has_cql2_json = any(c.endswith("cql2-json") for c in classes)
    return {"cloud_filter": "cql2" if has_filter and has_cql2_json else "query"}


# ---- answers ---------------------------------------------------------------------------------------------
def parse(portal: Portal, query: SearchQuery, body: bytes, request: Request) -> Page:
    """Products of one answer (a FeatureCollection, or a single Feature), its total and the next request."""
    data = parse_json(portal.title, body)
    features = _features(portal.title, data)
    products = []
    for feature in features:
        product = product_from_item(portal, query, feature)
        if product is not None:
            products.append(product)
    total = _total(data)
    next_request = _next_request(portal, data, request, len(features), total)
    return Page(products=products, next=next_request, total=total)


def _features(title: str, data: Any) -> List[Any]:
    if isinstance(data, dict) and data.get("type") == "Feature":
        return [data]
    if isinstance(data, dict) and isinstance(data.get("features"), list):
        return data["features"]
    if isinstance(data, dict):
        message = next((data[k] for k in ("description", "detail", "message") if isinstance(data.get(k), str)), "")
        what = f"not a FeatureCollection ({message[:200]})" if message else \
            f"not a FeatureCollection (type {data.get('type')!r})"
        raise bad_answer(title, what)
    raise bad_answer(title, f"not a FeatureCollection (a JSON {type(data).__name__})")


def _total(data: Any) -> Optional[int]:
    if not isinstance(data, dict):
        return None
    for value in (data.get("numberMatched"), (data.get("context") or {}).get("matched")
                  if isinstance(data.get("context"), dict) else None):
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
    return None


def _next_request(portal: Portal, data: Any, request: Request, returned: int,
                  total: Optional[int]) -> Optional[Request]:
    """The portal's next link as a Request; with page counting, the same body with page + 1."""
    options = portal.options or {}
    link = _next_link(data)
    paged = options.get("flavour") == "geodes" or options.get("paging") == "page"
    if paged and not (link and isinstance(link.get("body"), dict)):
        # GEODES's next link is a GET on /collections/{id}/items that drops our filters: count pages instead
        return _next_page(request, returned, total)
    if link is None or returned == 0:
        return None
    method = str(link.get("method") or "GET").upper()
    merge = link.get("merge") is True
    link_headers = link.get("headers") if isinstance(link.get("headers"), dict) else {}
    link_headers = {str(k): str(v) for k, v in link_headers.items()}
    if merge:
        link_headers = {**dict(request.headers), **link_headers}
    href = http_url(link["href"], request.url)  # None for 'http://[' or text that is no link
    if href is None:
        return None
    if method == "POST":
        link_body = dict(link["body"]) if isinstance(link.get("body"), dict) else {}
        body = {**(request.json_body or {}), **link_body} if merge else link_body  # shallow, as above
        following = Request("POST", href, json_body=body, headers=headers(link_headers))
    else:
        following = Request("GET", href, headers=headers(link_headers))
    return None if following == request else following


def _next_link(data: Any) -> Optional[Dict[str, Any]]:
    links = data.get("links") if isinstance(data, dict) else None
    for link in links if isinstance(links, list) else []:
        if isinstance(link, dict) and link.get("rel") == "next" and isinstance(link.get("href"), str) and link["href"]:
            return link
    return None


def _next_page(request: Request, returned: int, total: Optional[int]) -> Optional[Request]:
    body = request.json_body if isinstance(request.json_body, dict) else None
    if body is None or returned == 0:
        return None
    page = body.get("page") if isinstance(body.get("page"), int) else 1
    limit = body.get("limit") if isinstance(body.get("limit"), int) else None
    if total is not None:
        seen = (page - 1) * (limit or returned) + returned
        more = seen < total
    else:
        more = limit is not None and returned >= limit
    if not more:
        return None
    following = dict(body)  # shallow: a Request's body is never changed in place, so its parts can be shared
    following["page"] = page + 1
    return Request(request.method, request.url, params=request.params, json_body=following, headers=request.headers)


# ---- one item --------------------------------------------------------------------------------------------
_NAME_KEYS = ("s2:product_uri", "s1:product_identifier", "identifier")


def product_from_item(portal: Portal, query: SearchQuery, feature: Any) -> Optional[Product]:
    """One STAC item as a Product, or None when it has neither an id nor a product name."""
    if not isinstance(feature, dict):
        return None
    props = feature.get("properties") if isinstance(feature.get("properties"), dict) else {}
    item_id = clean_text(feature.get("id"))
    # Earth Search and Planetary Computer ids are not product names (PORTALS.md sections 4, 5, 9)
    name = None
    for key in _NAME_KEYS:
        name = clean_text(props.get(key))
        if name:
            break
    name = name or item_id
    if not name:
        return None
    flavour = (portal.options or {}).get("flavour", "stac")
    raw_assets = feature.get("assets") if isinstance(feature.get("assets"), dict) else {}
    base = _SelfLink(feature)
    # Only the assets that may be the archive or the quicklook are read now; the others (a CDSE item has dozens)
    # when a download or a layer asks for them.
    candidates, online_by_key = _assets({key: raw for key, raw in raw_assets.items() if _may_be_needed(key, raw)},
                                        base)
    archive = _archive(candidates)
    assets = LazyAssets(raw_assets, base) if len(candidates) < len(raw_assets) else candidates
    start = parse_time(props.get("start_datetime")) or parse_time(props.get("datetime"))
    return make_product(
        portal=portal.id,
        product_id=item_id or name,
        name=name,
        collection=record_collection(portal, query, name=name, remote=feature.get("collection")),
        footprint=geometry_from_geojson(feature.get("geometry")),
        start=start,
        end=parse_time(props.get("end_datetime")),
        platform=_human_platform(props.get("platform")),
        cloud_cover=_percent(props.get("eo:cloud_cover")),
        tile=_tile(props),
        orbit_direction=_orbit_state(props.get("sat:orbit_state")),
        relative_orbit=_whole(props.get("sat:relative_orbit")),
        size=archive.size if archive else None,
        quicklook=_quicklook(candidates, flavour),
        download_url=archive.href if archive else None,
        checksums=dict([archive.checksum]) if archive and archive.checksum else None,
        assets=assets,
        online=online_by_key.get(archive.key) if archive else None,
        properties=props,
    )


def _number(value: Any) -> Optional[float]:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer of 400 digits
        return None
    return number if math.isfinite(number) else None  # NaN, Infinity: JSON extensions, never values


def _percent(value: Any) -> Optional[float]:
    number = _number(value)
    return number if number is not None and 0 <= number <= 100 else None


def _whole(value: Any) -> Optional[int]:
    number = _number(value)
    return int(number) if number is not None and number == int(number) and number > 0 else None


def _human_platform(value: Any) -> Optional[str]:
    return _platform_text(value) if isinstance(value, str) else None


@lru_cache(maxsize=256)  # a handful of platform names across all answers
def _platform_text(value: str) -> Optional[str]:
    """'sentinel-2a', 'S2A', 'Sentinel-2A' -> 'Sentinel-2A'; 'landsat-8' -> 'Landsat 8'; others as given."""
    text = clean_text(value)
    if text is None:
        return None
    match = re.fullmatch(r"(?:sentinel[- ]?|s)([1-6])([a-d])", text, re.I)
    if match:
        return f"Sentinel-{match.group(1)}{match.group(2).upper()}"
    match = re.fullmatch(r"(?:landsat[- _]?0?|l[cotem]0?)(\d)", text, re.I)
    if match:
        return f"Landsat {match.group(1)}"
    return text


def _tile(props: Dict[str, Any]) -> Optional[str]:
    for key in ("grid:code", "s2:mgrs_tile"):
        tile = normalise_tile(clean_text(props.get(key)))
        if tile:
            return tile
    zone, band, square = props.get("mgrs:utm_zone"), props.get("mgrs:latitude_band"), props.get("mgrs:grid_square")
    if _whole(zone) and isinstance(band, str) and isinstance(square, str):
        return normalise_tile(f"{_whole(zone)}{band}{square}")
    return None


def _orbit_state(value: Any) -> Optional[str]:
    text = clean_text(value)
    return text.upper() if text and text.upper() in ("ASCENDING", "DESCENDING") else None


# ---- assets ----------------------------------------------------------------------------------------------
_NEEDED_KEYS = frozenset(("thumbnail", "rendered_preview", "Product", "preview", "visual", "browse"))
_NEEDED_ROLES = frozenset(("archive", "overview", "thumbnail", "visual", "preview"))


def _may_be_needed(key: Any, raw: Any) -> bool:
    """Whether an asset may be the product archive or the quicklook (_archive, _quicklook): a superset of both,
    decided on the raw values without building the asset (plain loops: this runs for every asset of every item)."""
    if not isinstance(raw, dict):
        return False
    if key in _NEEDED_KEYS:
        return True
    roles = raw.get("roles")
    if not isinstance(roles, list):
        return False
    data = False
    for role in roles:
        if isinstance(role, str):
            if role in _NEEDED_ROLES:
                return True
            data = data or role == "data"
    if not data:
        return False
    # a data asset is the archive when its type or title says zip, or a link's path ends so (Asset.is_archive)
    for text in (raw.get("type"), raw.get("title")):
        if isinstance(text, str) and "zip" in text.lower():
            return True
    if _archive_path(raw.get("href")):
        return True
    alternates = raw.get("alternate")
    if isinstance(alternates, dict):
        for alternate in alternates.values():
            if isinstance(alternate, dict) and _archive_path(alternate.get("href")):
                return True
    return False


def _archive_path(href: Any) -> bool:
    """Whether a link's path ends as an archive's (.zip, .tar, .tar.gz), in any case."""
    if not isinstance(href, str):
        return False
    query = href.find("?")
    return (href if query < 0 else href[:query])[-7:].lower().endswith((".zip", ".tar", ".tar.gz"))


class LazyAssets(Mapping):
    """A STAC item's assets, read from its raw JSON on first use (the mapping `_assets` would return)."""

    __slots__ = ("_raw", "_base", "_built")

    def __init__(self, raw: Dict[str, Any], base: Optional[str]):
        self._raw, self._base = raw, base
        self._built: Optional[Dict[str, Asset]] = None

    def _assets(self) -> Dict[str, Asset]:
        built = self._built
        if built is None:  # two threads may both build it: the same result, the last one kept
            built = self._built = _assets(self._raw, self._base)[0]
            self._raw, self._base = {}, None
        return built

    def __getitem__(self, key: str) -> Asset:
        return self._assets()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._assets())

    def __len__(self) -> int:
        return len(self._assets())

    def __repr__(self) -> str:
        return repr(self._assets())


class _SelfLink:
    """The item's own address (relative asset hrefs are relative to it), looked for only when an href is relative."""

    __slots__ = ("_feature",)

    def __init__(self, feature: Dict[str, Any]):
        self._feature = feature

    def __call__(self) -> Optional[str]:
        links = self._feature.get("links")
        for link in links if isinstance(links, list) else ():
            if isinstance(link, dict) and link.get("rel") == "self":
                return http_url(link.get("href"))
        return None


def _assets(raw_assets: Any, base: Optional["_SelfLink"] = None) -> Tuple[Dict[str, Asset], Dict[str, bool]]:
    """The item's assets reachable over http(s) (https preferred over s3:// alternates; relative hrefs resolved
    against the item's own link, `base`), and the online flag GEODES states per asset."""
    assets: Dict[str, Asset] = {}
    online: Dict[str, bool] = {}
    if not isinstance(raw_assets, dict):
        return assets, online
    for key, raw in raw_assets.items():
        if not isinstance(raw, dict):
            continue
        href = _best_href(raw, base)
        if not href:
            continue
        size = _size(raw.get("file:size"))
        checksum = parse_multihash(raw.get("file:checksum"))
        described = _described(raw.get("description"))
        if size is None:
            size = described.get("size")
        if checksum is None:
            checksum = described.get("checksum")
        if "online" in described:
            online[str(key)] = described["online"]
        roles = raw.get("roles") if isinstance(raw.get("roles"), list) else []
        assets[str(key)] = Asset(
            key=str(key),
            href=href,
            title=clean_text(raw.get("title")) or "",
            media_type=clean_text(raw.get("type")) or "",
            roles=tuple(role for role in roles if isinstance(role, str)),
            size=size,
            checksum=checksum,
        )
    return assets, online


def _is_http(href: Optional[str]) -> bool:
    return isinstance(href, str) and href.lower().startswith(("https://", "http://"))


def _best_href(raw: Dict[str, Any], base: Optional["_SelfLink"] = None) -> Optional[str]:
    """The asset's http(s) link: its href, else an http(s) alternate; a relative one resolved against the item's
    own link."""
    candidates = [raw.get("href")]
    alternates = raw.get("alternate") if isinstance(raw.get("alternate"), dict) else {}
    candidates += [alternates.get("https")] + [value for key, value in alternates.items() if key != "https"]
    relative = []
    for candidate in candidates:
        href = candidate.get("href") if isinstance(candidate, dict) else candidate
        url = http_url(href)
        if url:
            return url
        if isinstance(href, str) and href.strip() and ":" not in href.split("/", 1)[0]:
            relative.append(href)
    address = base() if relative and base is not None else None
    for href in relative if address else ():
        url = http_url(href, address)
        if url:
            return url
    return None


def _size(value: Any) -> Optional[int]:
    number = _number(value)
    return int(number) if number is not None and number >= 0 and number == int(number) else None


_DESCRIBED_SIZE = re.compile(r"File size:\s*(\d+)\s*bytes?\b", re.I)
_DESCRIBED_ONLINE = re.compile(r"Is online:\s*(true|false)\b", re.I)
_DESCRIBED_MD5 = re.compile(r"Checksum MD5:\s*([0-9a-fA-F]{32})\b")


def _described(description: Any) -> Dict[str, Any]:
    """What GEODES writes in an asset's description: size, online flag, MD5."""
    found: Dict[str, Any] = {}
    if not isinstance(description, str) or ":" not in description:
        return found
    match = _DESCRIBED_SIZE.search(description)
    if match:
        found["size"] = int(match.group(1))
    match = _DESCRIBED_ONLINE.search(description)
    if match:
        found["online"] = match.group(1).lower() == "true"
    match = _DESCRIBED_MD5.search(description)
    if match:
        found["checksum"] = ("MD5", match.group(1).lower())
    return found


# multicodec code -> (name, digest length in bytes); other lengths are truncated digests we cannot verify
_MULTIHASH = {0xD5: ("MD5", 16), 0x1E: ("BLAKE3", 32), 0x12: ("SHA256", 32), 0x13: ("SHA512", 64),
              0x16: ("SHA3-256", 32), 0x14: ("SHA3-512", 64), 0x11: ("SHA1", 20)}


def parse_multihash(value: Any) -> Optional[Tuple[str, str]]:
    """A ``file:checksum`` multihash as (algorithm, hex digest): 'd50110' + 32 hex = MD5, '1e20' + 64 = BLAKE3."""
    text = clean_text(value)
    if text is None or len(text) % 2 or " " in text:
        return None
    try:
        data = bytes.fromhex(text)
    except ValueError:  # not hexadecimal
        return None
    code, position = _varint(data, 0)
    length, position = _varint(data, position) if code is not None else (None, position)
    if code not in _MULTIHASH or length is None:
        return None
    name, expected = _MULTIHASH[code]
    digest = data[position:]
    if length != expected or len(digest) != length:
        return None
    return name, digest.hex()


def _varint(data: bytes, position: int) -> Tuple[Optional[int], int]:
    value, shift = 0, 0
    while position < len(data) and shift < 63:
        byte = data[position]
        position += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, position
        shift += 7
    return None, position


def _archive(assets: Dict[str, Asset]) -> Optional[Asset]:
    """The asset holding the whole product (CDSE STAC 'Product', GEODES data zip), if reachable over HTTP."""
    reachable = [asset for asset in assets.values() if _is_http(asset.href)]
    for candidate in (
        [a for a in reachable if "archive" in a.roles],
        [a for a in reachable if a.key == "Product"],
        [a for a in reachable if "data" in a.roles and a.is_archive],
    ):
        if candidate:
            return candidate[0]
    return None


_IMAGE_TYPES = ("image/jpeg", "image/jpg", "image/png", "image/webp", "image/gif")


def _quicklook(assets: Dict[str, Asset], flavour: str) -> Optional[str]:
    """PORTALS.md section 13: thumbnail, PC rendered_preview, overview, thumbnail role, small previews; never s3://."""
    def usable(asset: Optional[Asset]) -> bool:
        return asset is not None and _is_http(asset.href)

    def small_image(asset: Asset) -> bool:
        return (asset.media_type or "").split(";")[0].strip().lower() in _IMAGE_TYPES

    chain: List[Optional[Asset]] = [assets.get("thumbnail"), assets.get("rendered_preview")]
    chain += [a for a in assets.values() if "overview" in a.roles and (small_image(a) or not a.media_type)]
    chain += [a for a in assets.values() if "thumbnail" in a.roles and (small_image(a) or not a.media_type)]
    chain += [a for a in assets.values()
              if (a.key in ("preview", "visual", "browse") or {"visual", "preview"} & set(a.roles)) and small_image(a)]
    for asset in chain:
        if usable(asset):
            href = asset.href
            if flavour == "geodes" and "/api/quicklook/" in href and "scope=" not in href:
                href += ("&" if "?" in href else "?") + "scope=gdh"  # GEODES answers 4xx without it (eodag)
            return href
    return None


# ---- connection test ----------------------------------------------------------------------------------
def probe_request(portal: Portal) -> Request:
    """The small request that tells whether the portal answers: its STAC landing page."""
    return Request("GET", portal.url, headers=(("Accept", "application/json"),))


def probe_answer(data: Dict[str, Any]) -> Tuple[bool, str]:
    """(a STAC catalog answered, its title) for the landing page's JSON."""
    ok = "conformsTo" in data or "links" in data or data.get("type") in ("Catalog", "Collection")
    return ok, str(data.get("title") or data.get("id") or "")
