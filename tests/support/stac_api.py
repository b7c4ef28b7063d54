"""A STAC API on loopback over real items whose assets a `CogServer` serves, for openEO software that loads its
data through a STAC API search (openeo-processes-dask's `load_stac`, on pystac-client and odc-stac).

    with ReplayServer() as replay:
        api = StacApi(replay, "SENTINEL2_L2A")
        api.add(item)                  # a STAC item (dict) whose band hrefs point at the CogServer
        api.collection_url             # http://127.0.0.1:<port>/collections/SENTINEL2_L2A

It answers the landing page (a Catalog conforming to STAC API core, collections, item search and its query
extension), /conformance, /collections, /collections/{id}, /collections/{id}/items and /search (GET and POST): the
items of the asked collections whose bbox meets the asked bbox, whose datetime lies in the asked interval (closed,
as STAC API says) and whose properties pass the `query` extension's conditions (eq, neq, lt, lte, gt, gte, in).
One page: every match is answered at once.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional

from tests.support.replay import Recorded, ReplayServer

CONFORMANCE = [
    "https://api.stacspec.org/v1.0.0/core",
    "https://api.stacspec.org/v1.0.0/collections",
    "https://api.stacspec.org/v1.0.0/ogcapi-features",
    "https://api.stacspec.org/v1.0.0/item-search",
    "https://api.stacspec.org/v1.0.0/item-search#query",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
]
GEOJSON = "application/geo+json"


def _instant(text: str) -> Optional[datetime]:
    """An RFC 3339 instant (fractions of any length, 'Z' or an offset); None for '..' or ''."""
    text = text.strip()
    if text in ("", ".."):
        return None
    text = text.replace("z", "Z").replace("Z", "+00:00")
    head, _, rest = text.partition(".")
    if rest:  # 2020-03-01T00:00:00.000000000+00:00: Python takes at most 6 digits
        digits = "".join(c for c in rest if c.isdigit())
        zone = rest[len(digits):]
        text = f"{head}.{digits[:6].ljust(6, '0')}{zone}"
    found = datetime.fromisoformat(text)
    return found if found.tzinfo else found.replace(tzinfo=timezone.utc)


def _passes(value: Any, conditions: Dict[str, Any]) -> bool:
    tests = {"eq": lambda a, b: a == b, "neq": lambda a, b: a != b, "lt": lambda a, b: a < b,
             "lte": lambda a, b: a <= b, "gt": lambda a, b: a > b, "gte": lambda a, b: a >= b,
             "in": lambda a, b: a in b}
    for operator, operand in conditions.items():
        if operator not in tests:
            raise ValueError(f"unsupported query operator {operator!r}")
        if value is None or not tests[operator](value, operand):
            return False
    return True


class StacApi:
    """The routes of one STAC API collection on a `ReplayServer`."""

    def __init__(self, server: ReplayServer, collection: str, title: str = "") -> None:
        self.server = server
        self.collection = collection
        self.items: List[Dict[str, Any]] = []
        self.searches: List[Dict[str, Any]] = []  # every search's parameters, as the server read them
        root = server.url
        landing = {"type": "Catalog", "stac_version": "1.0.0", "id": "eo-portals-test", "description": "loopback",
                   "conformsTo": CONFORMANCE, "links": [
                       {"rel": "self", "href": root, "type": "application/json"},
                       {"rel": "root", "href": root, "type": "application/json"},
                       {"rel": "conformance", "href": root + "/conformance", "type": "application/json"},
                       {"rel": "data", "href": root + "/collections", "type": "application/json"},
                       {"rel": "search", "href": root + "/search", "type": GEOJSON, "method": "GET"},
                       {"rel": "search", "href": root + "/search", "type": GEOJSON, "method": "POST"},
                       {"rel": "child", "href": self.collection_url, "type": "application/json"}]}
        server.add("GET", "/", json.dumps(landing).encode())
        server.add("GET", "/conformance", json.dumps({"conformsTo": CONFORMANCE}).encode())
        server.add("GET", "/collections", handler=lambda r: self._json({"collections": [self.document()],
                                                                         "links": []}))
        server.add("GET", f"/collections/{collection}", handler=lambda r: self._json(self.document()))
        server.add("GET", f"/collections/{collection}/items",
                   handler=lambda r: self._json(self._page(self.items), GEOJSON))
        server.add("GET", "/search", handler=self._search)
        server.add("POST", "/search", handler=self._search)
        self.title = title or collection

    @property
    def collection_url(self) -> str:
        return f"{self.server.url}/collections/{self.collection}"

    def add(self, item: Dict[str, Any]) -> None:
        self.items.append(item)

    def document(self) -> Dict[str, Any]:
        """The collection, its extents those of its items."""
        boxes = [i["bbox"] for i in self.items] or [[-180, -90, 180, 90]]
        times = sorted(i["properties"]["datetime"] for i in self.items) or [None]
        root = self.server.url
        return {"type": "Collection", "stac_version": "1.0.0", "id": self.collection, "title": self.title,
                "description": "Items served on loopback", "license": "proprietary",
                "extent": {"spatial": {"bbox": [[min(b[0] for b in boxes), min(b[1] for b in boxes),
                                                 max(b[2] for b in boxes), max(b[3] for b in boxes)]]},
                           "temporal": {"interval": [[times[0], times[-1]]]}},
                "links": [{"rel": "self", "href": self.collection_url, "type": "application/json"},
                          {"rel": "root", "href": root, "type": "application/json"},
                          {"rel": "parent", "href": root, "type": "application/json"},
                          {"rel": "items", "href": self.collection_url + "/items", "type": GEOJSON}]}

    @staticmethod
    def _json(document: Dict[str, Any], media: str = "application/json"):
        return 200, {"Content-Type": media}, json.dumps(document).encode()

    def _page(self, items: List[Dict[str, Any]]) -> Dict[str, Any]:
        return {"type": "FeatureCollection", "features": items, "numberReturned": len(items),
                "numberMatched": len(items), "links": [{"rel": "root", "href": self.server.url}]}

    def _search(self, request: Recorded):
        if request.method == "POST":
            asked = request.json() or {}
        else:
            asked = dict(request.query)
            for key in ("collections", "bbox", "ids"):
                if key in asked:
                    asked[key] = asked[key].split(",")
            if "query" in asked:
                asked["query"] = json.loads(asked["query"])
        self.searches.append(asked)
        found = []
        for item in self.items:
            if asked.get("collections") and item.get("collection") not in asked["collections"]:
                continue
            if asked.get("ids") and item["id"] not in asked["ids"]:
                continue
            if asked.get("bbox"):
                west, south, east, north = (float(v) for v in asked["bbox"][:4]) if len(asked["bbox"]) == 4 else \
                    (float(v) for v in (asked["bbox"][0], asked["bbox"][1], asked["bbox"][3], asked["bbox"][4]))
                w, s, e, n = item["bbox"]
                if w > east or e < west or s > north or n < south:
                    continue
            if asked.get("datetime"):
                start, _, end = str(asked["datetime"]).partition("/")
                when = _instant(item["properties"]["datetime"])
                first, last = _instant(start), _instant(end) if end else _instant(start)
                if (first is not None and when < first) or (last is not None and when > last):
                    continue
            conditions = asked.get("query") or {}
            if not all(_passes(item["properties"].get(name), condition) for name, condition in conditions.items()):
                continue
            found.append(item)
        return self._json(self._page(found), GEOJSON)
