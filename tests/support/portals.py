"""Several portals on one loopback server, replaying their real recorded answers, plus a catalog override.

    with recorded_portals(tmp_path, ["earth_search", "cdse"], delay={"geodes": 60}, fail={"cdse": 500}) as rp:
        os.environ["EO_PORTALS_CATALOG"] = str(rp.catalog_path)   # or load_catalog(rp.catalog_path)
        ... search ...
        rp.server.received("POST", "/earth_search/v1/search")

Each portal lives under its own path prefix (``/<portal id>/...``) and answers at the path the real portal
uses. Links inside the recorded bodies that point at the real portal are rewritten to the loopback base, as
a recording proxy would, so that following a next link never leaves the machine. Recordings that hold a
single page have their "next" links removed (the next page was not recorded).

Faults, per portal: `delay` (seconds before answering: a portal that hangs), `fail` (an HTTP status with the
portal's usual JSON error), `garbage` (200 with an HTML body instead of JSON).
"""
from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, Iterable, Iterator, List, Optional

from plugin.core.naming import parse_name
from plugin.core.product import Product

from .fixtures import cassette, fixture_bytes, fixture_json
from .replay import Recorded, ReplayServer

# portal id -> (real base URL in the recordings, search root path on loopback, search method, search path)
REAL_BASES = {
    "earth_search": "https://earth-search.aws.element84.com/v1",
    "planetary_computer": "https://planetarycomputer.microsoft.com/api/stac/v1",
    "cdse": "https://catalogue.dataspace.copernicus.eu/odata/v1",
    "geodes": "https://geodes-portal.cnes.fr/api/stac",
    "cdse_stac": "https://stac.dataspace.copernicus.eu/v1",
}
ROOTS = {
    "earth_search": "/earth_search/v1",
    "planetary_computer": "/planetary_computer/api/stac/v1",
    "cdse": "/cdse/odata/v1",
    "geodes": "/geodes/api/stac",
    "cdse_stac": "/cdse_stac/v1",
}
SEARCH = {
    "earth_search": ("POST", "/search"),
    "planetary_computer": ("POST", "/search"),
    "cdse": ("GET", "/Products"),
    "geodes": ("POST", "/search"),
    "cdse_stac": ("POST", "/search"),
}
SUPPORTED = tuple(ROOTS)


@dataclass
class RecordedPortals:
    """The running server and the catalog file pointing the portals at it."""

    server: ReplayServer
    catalog_path: Path
    portals: List[str]

    def url(self, portal: str) -> str:
        """The loopback search root of a portal."""
        return self.server.url + ROOTS[portal]

    def searches(self, portal: str) -> List[Recorded]:
        """Search requests a portal received."""
        method, path = SEARCH[portal]
        return self.server.received(method, ROOTS[portal] + path)


def _rewrite(body: bytes, portal: str, base: str) -> bytes:
    return body.replace(REAL_BASES[portal].encode(), (base + ROOTS[portal]).encode())


def _single_page(body: bytes) -> bytes:
    """A recorded page whose next page was not recorded: drop its next links so paging ends there."""
    data = json.loads(body)
    data.pop("@odata.nextLink", None)
    if isinstance(data.get("links"), list):
        data["links"] = [link for link in data["links"] if link.get("rel") != "next"]
    if isinstance(data.get("context"), dict) and "returned" in data["context"]:
        data["context"]["matched"] = data["context"]["returned"]
    if "numberMatched" in data and "numberReturned" in data:
        data["numberMatched"] = data["numberReturned"]
    return json.dumps(data).encode()


def _recorded_handler(portal: str, base: str) -> Callable[[Recorded], tuple]:
    """The replay of a portal's recorded search answers."""
    geo = {"Content-Type": "application/geo+json"}
    if portal == "earth_search":
        pages = [i for i in cassette("earth_search/cassette_multiple_collections.yaml")]

        def handler(request: Recorded) -> tuple:
            # page 2 is what the portal answered to the body carrying its "next" token
            body = request.json() or {}
            page = pages[1] if "next" in body else pages[0]
            return 200, geo, _rewrite(page["body"], portal, base)
        return handler
    if portal == "planetary_computer":
        page = cassette("planetary_computer/cassette_s2_l2a_datetime.yaml")[0]["body"]
        return lambda request: (200, geo, _single_page(_rewrite(page, portal, base)))
    if portal == "cdse":
        page = fixture_bytes("cdse_odata/search_s2_l1c_expand.json")
        return lambda request: (200, {"Content-Type": "application/json"}, _single_page(_rewrite(page, portal, base)))
    if portal == "geodes":
        page = fixture_bytes("geodes/search_peps_s2_l1c.json")
        return lambda request: (200, geo, _single_page(_rewrite(page, portal, base)))
    if portal == "cdse_stac":
        item = json.loads(fixture_bytes("cdse_stac/item_s2_l2a.json"))
        collection = json.dumps({"type": "FeatureCollection", "features": [item], "links": []}).encode()
        return lambda request: (200, geo, _rewrite(collection, portal, base))
    raise ValueError(f"no recordings for portal {portal}; supported: {', '.join(SUPPORTED)}")


def _fault_handler(status: Optional[int], garbage: bool) -> Callable[[Recorded], tuple]:
    if garbage:
        return lambda request: (200, {"Content-Type": "text/html"}, b"<html><body>Maintenance in progress</body></html>")
    message = json.dumps({"detail": f"Internal error {status}" if status and status >= 500 else "Unauthorized"}).encode()
    return lambda request: (status or 500, {"Content-Type": "application/json"}, message)


@contextlib.contextmanager
def recorded_portals(
    folder: Path,
    portals: Iterable[str] = ("earth_search", "cdse", "planetary_computer", "geodes"),
    *,
    delay: Optional[Dict[str, float]] = None,
    fail: Optional[Dict[str, int]] = None,
    garbage: Iterable[str] = (),
    extra_catalog: Optional[Dict[str, dict]] = None,
) -> Iterator[RecordedPortals]:
    """Start the portals on loopback and write `folder/catalog.json` pointing them there."""
    portals = list(portals)
    delay, fail, garbage = dict(delay or {}), dict(fail or {}), set(garbage)
    server = ReplayServer()
    catalog: Dict[str, dict] = {}
    for portal in portals:
        method, path = SEARCH[portal]
        if portal in fail or portal in garbage:
            handler = _fault_handler(fail.get(portal), portal in garbage)
        else:
            handler = _recorded_handler(portal, server.url)
        server.add(method, ROOTS[portal] + path, handler=handler, delay=delay.get(portal, 0.0))
        catalog[portal] = {"url": server.url + ROOTS[portal], "enabled": True}
    catalog.update(extra_catalog or {})
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    catalog_path = folder / "catalog.json"
    catalog_path.write_text(json.dumps(catalog, indent=2), encoding="utf-8")
    with server:
        yield RecordedPortals(server=server, catalog_path=catalog_path, portals=portals)


# ---- what the recordings hold: the expectations of the end-to-end tests -----------------------------------
@dataclass
class Record:
    """One product as a portal's recorded answer gives it."""

    portal: str
    name: str  # the name the identity is built from (PORTALS.md section 9)
    has_geometry: bool
    cloud: Optional[float] = None
    size: Optional[int] = None
    md5: Optional[str] = None
    collection: str = ""  # what the product is (its name's mission and level, else its STAC collection)

    @property
    def identity(self) -> str:
        parsed = parse_name(self.name)
        return parsed.identity if parsed else f"{self.portal}:{self.name}"


_STAC_COLLECTIONS = {"sentinel-2-l2a": "S2_MSI_L2A", "landsat-c2-l2": "LANDSAT_C2_L2", "sentinel-2-l1c": "S2_MSI_L1C"}


def _collection(name: str, remote: Optional[str] = None) -> str:
    parsed = parse_name(name)
    if parsed is not None:
        return {("S2", "L1C"): "S2_MSI_L1C", ("S2", "L2A"): "S2_MSI_L2A", ("LANDSAT", "L2SP"): "LANDSAT_C2_L2",
                ("S1", "GRD"): "S1_SAR_GRD"}.get((parsed.family, parsed.level), f"{parsed.family} {parsed.level}")
    return _STAC_COLLECTIONS.get(remote or "", remote or "")


def _stac_records(portal: str, features: Iterable[dict]) -> List[Record]:
    records = []
    for f in features:
        name = f["properties"].get("s2:product_uri") or f["properties"].get("identifier") or f["id"]
        records.append(Record(portal, name, f.get("geometry") is not None, f["properties"].get("eo:cloud_cover"),
                              collection=_collection(name, f.get("collection"))))
    return records


def recorded_products(portal: str, collection: Optional[str] = None) -> List[Record]:
    """The products the loopback `portal` serves, read from its recording as tests/support/portals.py replays it;
    with `collection`, only those of that collection (a search shows no other: the replay serves the same
    recording whatever the query asks for, as a server ignoring the collection filter would)."""
    records = _recorded_products(portal)
    return records if collection is None else [r for r in records if r.collection == collection]


def _recorded_products(portal: str) -> List[Record]:
    if portal == "earth_search":  # two recorded pages: the second answers the first one's next link
        pages = [json.loads(i["body"]) for i in cassette("earth_search/cassette_multiple_collections.yaml")]
        return [r for page in pages for r in _stac_records(portal, page["features"])]
    if portal == "planetary_computer":
        page = json.loads(cassette("planetary_computer/cassette_s2_l2a_datetime.yaml")[0]["body"])
        return _stac_records(portal, page["features"])
    if portal == "geodes":
        return _stac_records(portal, fixture_json("geodes/search_peps_s2_l1c.json")["features"])
    if portal == "cdse":
        records = []
        for value in fixture_json("cdse_odata/search_s2_l1c_expand.json")["value"]:
            md5 = next((c["Value"] for c in value.get("Checksum", []) if c.get("Algorithm") == "MD5"), None)
            records.append(Record(portal, value["Name"], bool(value.get("GeoFootprint") or value.get("Footprint")),
                                  size=value.get("ContentLength"), md5=md5, collection=_collection(value["Name"])))
        return records
    raise ValueError(portal)


def recorded_identities(portals: Iterable[str], max_cloud: Optional[float] = None,
                        collection: Optional[str] = None) -> Dict[str, List[str]]:
    """{identity: portals holding it} over the recordings of `portals` (cloudier than `max_cloud` left out; with
    `collection`, only the products of that collection, as a search for it shows)."""
    holders: Dict[str, List[str]] = {}
    for portal in portals:
        for record in recorded_products(portal, collection):
            if max_cloud is not None and record.cloud is not None and record.cloud > max_cloud:
                continue
            holders.setdefault(record.identity, [])
            if portal not in holders[record.identity]:
                holders[record.identity].append(portal)
    return holders


def many_products(products: List[Product], count: int) -> List[Product]:
    """`count` distinct products made from recorded ones, footprints shifted so that none coincide (for load
    tests and benches: 10,000 footprints from a few dozen recorded ones)."""
    from shapely.affinity import translate

    made: List[Product] = []
    index = 0
    while len(made) < count:
        for product in products:
            if len(made) == count:
                break
            index += 1
            shifted = translate(product.footprint, xoff=(index % 100) * 0.01, yoff=(index // 100) * 0.01)
            made.append(product.replaced(identity=f"{product.identity}#{index}", title=f"{product.title}#{index}",
                                         footprint=shifted))
    return made
