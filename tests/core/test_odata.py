"""CDSE OData adapter: the request a portal receives, and what a user sees from CDSE's real answers.

Answers are the real recordings in ``$EO_PORTALS_FIXTURES/cdse_odata``: eodag's S2 L1C search with
``$expand=Attributes,Assets`` and CDSETool's five-page Sentinel-1 search (47 products, ascending order).
Paging runs through `search_portal` against a loopback server, with the portal moved there by a user
catalog override, as a user with a mirror or a test server would.
"""
from __future__ import annotations

import copy
import json
import math
import re
from datetime import datetime, timezone
from typing import Any, Dict, List
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from shapely import wkt
from shapely.geometry import shape

from plugin.core.catalog import load_catalog
from plugin.core.errors import ErrorKind, PortalError
from plugin.core.naming import parse_name
from plugin.core.portals import odata
from plugin.core.portals.base import Request
from plugin.core.product import merge_products
from plugin.core.query import SearchQuery, vertex_count
from plugin.core.search import search_portal
from tests.support.fixtures import cassette, fixture_bytes, fixture_json
from tests.support.replay import Recorded, ReplayServer

CDSE = "https://catalogue.dataspace.copernicus.eu/odata/v1"
# The AOI and dates of eodag's recorded CDSE search (its next link shows them).
PACIFIC = "POLYGON((137.7729 13.1342, 137.7729 23.8860, 153.7491 23.8860, 153.7491 13.1342, 137.7729 13.1342))"
PAGES = [f"cdse_odata/paging/page_{n}.json" for n in range(1, 6)]


def cdse(overrides: Dict[str, Any] = None, tmp_path=None):
    """The built-in `cdse` portal, optionally moved or adjusted by a user catalog file."""
    if overrides is None:
        return load_catalog(env={}).portal("cdse")
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps({"cdse": overrides}), encoding="utf-8")
    catalog = load_catalog(path, env={})
    assert not catalog.problems
    return catalog.portal("cdse")


def filter_text(request: Request) -> str:
    return dict(request.params)["$filter"]


# ---- the request -----------------------------------------------------------------------------------------
def test_first_request_carries_every_filter_in_the_documented_syntax():
    query = SearchQuery.create(PACIFIC, "2020-08-08", "2020-08-16", "S2_MSI_L1C", max_cloud=40,
                               orbit_direction="descending", relative_orbit=45, tile="T54PXA", platform="S2A",
                               page_size=50)
    request = odata.build_request(cdse(), query)

    assert request.method == "GET" and request.url == f"{CDSE}/Products"
    assert [key for key, _ in request.params] == ["$filter", "$orderby", "$top", "$count", "$expand", "$expand"]
    sent = dict(request.params)
    assert sent["$orderby"] == "ContentDate/Start desc"
    assert sent["$top"] == "50" and sent["$count"] == "True"
    assert [value for key, value in request.params if key == "$expand"] == ["Attributes", "Assets"]
    assert filter_text(request) == " and ".join([
        "Collection/Name eq 'SENTINEL-2'",
        "OData.CSC.Intersects(area=geography'SRID=4326;POLYGON((137.7729 13.1342, 137.7729 23.886, "
        "153.7491 23.886, 153.7491 13.1342, 137.7729 13.1342))')",
        "ContentDate/Start ge 2020-08-08T00:00:00.000Z",
        "ContentDate/Start lt 2020-08-16T23:59:59.999Z",
        "Attributes/OData.CSC.StringAttribute/any(att:att/Name eq 'productType' "
        "and att/OData.CSC.StringAttribute/Value eq 'S2MSI1C')",
        "Attributes/OData.CSC.DoubleAttribute/any(att:att/Name eq 'cloudCover' "
        "and att/OData.CSC.DoubleAttribute/Value le 40.00)",
        "Attributes/OData.CSC.StringAttribute/any(att:att/Name eq 'orbitDirection' "
        "and att/OData.CSC.StringAttribute/Value eq 'DESCENDING')",
        "Attributes/OData.CSC.IntegerAttribute/any(att:att/Name eq 'relativeOrbitNumber' "
        "and att/OData.CSC.IntegerAttribute/Value eq 45)",
        "Attributes/OData.CSC.StringAttribute/any(att:att/Name eq 'tileId' "
        "and att/OData.CSC.StringAttribute/Value eq '54PXA')",
        "Attributes/OData.CSC.StringAttribute/any(att:att/Name eq 'platformSerialIdentifier' "
        "and att/OData.CSC.StringAttribute/Value eq 'A')",
    ])


def test_sentinel1_is_selected_by_name_and_never_filtered_on_cloud_cover():
    query = SearchQuery.create(PACIFIC, "2020-08-08", "2020-08-16", "S1_SAR_GRD", max_cloud=10)
    text = filter_text(odata.build_request(cdse(), query))
    assert text.startswith("Collection/Name eq 'SENTINEL-1' and ")
    assert " and contains(Name,'_GRD')" in text
    assert "cloudCover" not in text


def test_area_split_at_the_antimeridian_is_one_intersects_per_part_joined_with_or():
    # drawn across 180° (longitudes beyond 180 say so; within ±180 an AOI is planar, RFC 7946)
    query = SearchQuery.create("POLYGON((170 -20, 190 -20, 190 -10, 170 -10, 170 -20))",
                               "2023-01-01", "2023-01-31", "S2_MSI_L2A")
    text = filter_text(odata.build_request(cdse(), query))
    spatial = re.search(r" and (\(OData.CSC.Intersects.*?'\)\)) and ContentDate", text).group(1)
    parts = re.findall(r"SRID=4326;(POLYGON\(\([^']+\)\))'", spatial)
    assert len(parts) == 2 and spatial.count(") or OData.CSC.Intersects(") == 1
    shapes = [wkt.loads(part) for part in parts]
    assert all(-180 <= s.bounds[0] and s.bounds[2] <= 180 for s in shapes)
    assert sorted(round(s.bounds[0]) for s in shapes) == [-180, 170]


def test_a_detailed_area_is_simplified_to_keep_the_url_short_but_still_covers_the_area():
    ring = [(3 + 0.5 * math.cos(i / 100), 47 + 0.5 * math.sin(i / 100)) for i in range(628)]
    detailed = "POLYGON((" + ", ".join(f"{x:.6f} {y:.6f}" for x, y in ring + ring[:1]) + "))"
    query = SearchQuery.create(detailed, "2023-01-01", "2023-01-31", "S2_MSI_L2A")
    text = filter_text(odata.build_request(cdse(), query))
    sent = wkt.loads(re.search(r"SRID=4326;(POLYGON\(\([^']+\)\))'", text).group(1))
    assert vertex_count(sent) <= odata.MAX_VERTICES
    assert sent.buffer(1e-6).covers(query.geometry)
    assert len(odata.build_request(cdse(), query).full_url) < 6000


@pytest.mark.parametrize("page_size, limit, expected", [(None, 100, 100), (None, 7, 7), (5000, 5000, 1000), (25, 100, 25)])
def test_top_is_the_page_size_within_the_portal_maximum_and_the_limit(page_size, limit, expected):
    query = SearchQuery.create(PACIFIC, "2020-08-08", "2020-08-16", "S2_MSI_L1C", page_size=page_size, limit=limit)
    assert dict(odata.build_request(cdse(), query).params)["$top"] == str(expected)


# ---- one answer ------------------------------------------------------------------------------------------
def s2_query() -> SearchQuery:
    return SearchQuery.create(PACIFIC, "2020-08-08", "2020-08-16", "S2_MSI_L1C")


def test_recorded_s2_answer_gives_every_field_the_portal_states():
    portal, query = cdse(), s2_query()
    body = fixture_bytes("cdse_odata/search_s2_l1c_expand.json")
    raw = json.loads(body)["value"]
    page = odata.parse(portal, query, body, odata.build_request(portal, query))

    assert [p.title for p in page.products] == [
        "S2A_MSIL1C_20200808T010311_N0500_R045_T54PXA_20230413T212505",
        "S2A_MSIL1C_20200808T010311_N0500_R045_T55PBR_20230413T212505",
    ]
    first = page.products[0]
    source = first.sources[0]
    assert first.identity == "S2A_MSIL1C_20200808T010311_R045_T54PXA"
    assert first.collection == "S2_MSI_L1C"
    assert source.portal == "cdse" and source.product_id == "05edf2bb-d103-49f1-a677-9e474138d84f"
    assert source.name == "S2A_MSIL1C_20200808T010311_N0500_R045_T54PXA_20230413T212505.SAFE"
    assert first.start == datetime(2020, 8, 8, 1, 3, 11, 24000, tzinfo=timezone.utc) == first.end
    assert first.platform == "Sentinel-2A"
    assert first.cloud_cover == pytest.approx(95.136736479015)
    assert first.tile == "54PXA" and first.relative_orbit == 45
    assert first.orbit_direction is None  # this record states no orbit direction, and none is made up
    assert first.size == source.size == 224105657
    assert source.checksums == {"MD5": "923ac4992d90b57d41e7ace4d9d90757",
                                "BLAKE3": "2f787caed527ffeb3245594a465abd127da5ee7eaeb974f9a9ab4342f2fba7cf"}
    assert source.online is True
    assert first.quicklook == source.quicklook == \
        f"{CDSE}/Assets(385d0a62-ec57-413b-a8b8-12c0e79848f6)/$value"
    # downloads go to the download host of the catalog entry, not to the catalogue host
    assert source.download_url == \
        "https://download.dataspace.copernicus.eu/odata/v1/Products(05edf2bb-d103-49f1-a677-9e474138d84f)/$value"
    assert first.footprint.equals(shape(raw[0]["GeoFootprint"]))
    assert first.properties["S3Path"].endswith("T54PXA_20230413T212505.SAFE")
    assert page.products[1].sources[0].checksums["MD5"] == "9d22f81af1320e17fa38449195a73772"
    # eodag's recording asked for $top=2 without a count: no total, and the next link followed as given
    assert page.total is None
    assert page.next == Request("GET", json.loads(body)["@odata.nextLink"])


def test_footprint_falls_back_to_the_ewkt_footprint():
    """Variant of the real record with its GeoJSON footprint removed (the EWKT one is kept)."""
    data = fixture_json("cdse_odata/search_s2_l1c_expand.json")
    geojson = data["value"][0].pop("GeoFootprint")
    data["value"][0]["GeoFootprint"] = None
    page = odata.parse(cdse(), s2_query(), json.dumps(data).encode(), odata.build_request(cdse(), s2_query()))
    assert page.products[0].footprint.equals(shape(geojson))


def test_records_without_footprint_or_mission_name_keep_a_portal_scoped_identity():
    page = odata.parse(cdse(), s2_query(), fixture_bytes(PAGES[0]), odata.build_request(cdse(), s2_query()))
    first = page.products[0]
    assert first.title == "S1A_AUX_INS_V20140406T010000_G20140409T142540.SAFE"  # the name as the portal gives it
    assert first.identity == "cdse:67360f3a-f36b-11ef-9d3f-0050561a7772"
    assert first.footprint is None and first.cloud_cover is None
    assert first.platform == "Sentinel-1A"  # from platformShortName 'SENTINEL-1' and platformSerialIdentifier 'A'
    assert page.total == 47


@pytest.mark.parametrize("body, why", [
    (b"<html><body>Service Unavailable</body></html>", "not JSON"),
    (b'{"detail": "Invalid filter"}', "no 'value' list"),
    (b'{"value": ["not a product"]}', "not an object"),
])
def test_an_answer_that_cannot_be_read_is_a_parse_error_naming_the_portal(body, why):
    with pytest.raises(PortalError) as caught:
        odata.parse(cdse(), s2_query(), body, odata.build_request(cdse(), s2_query()))
    assert caught.value.kind is ErrorKind.PARSE
    assert str(caught.value).startswith("CDSE: ") and why in str(caught.value)


# ---- paging through search_portal on loopback ------------------------------------------------------------
def aux_query(**kw) -> SearchQuery:
    """The window of CDSETool's recorded Sentinel-1 search (its README gives the original URLs)."""
    return SearchQuery.create(PACIFIC, "2014-04-05", "2014-04-13", "S1_SAR_GRD", **kw)


def test_five_recorded_pages_are_followed_through_their_next_links(tmp_path):
    with ReplayServer() as server:
        base = server.url + "/odata/v1"
        pages = {None: 0, "10": 1, "20": 2, "30": 3, "40": 4}
        bodies = [fixture_bytes(p).replace(CDSE.encode(), base.encode()) for p in PAGES]
        server.add("GET", "/odata/v1/Products", handler=lambda r: (200, {}, bodies[pages[r.query.get("$skip")]]))
        portal = cdse({"url": base}, tmp_path)
        query = aux_query(page_size=10, limit=1000)
        products, outcome, following = search_portal(portal, query, budget=20)

        assert outcome.ok, outcome.message
        assert len(products) == 47 and len({p.sources[0].product_id for p in products}) == 47
        assert outcome.total == 47 and outcome.pages == 5 and following is None and not outcome.more
        sent = server.received("GET", "/odata/v1/Products")
        assert [r.query.get("$skip") for r in sent] == [None, "10", "20", "30", "40"]
        first = sent[0].query
        ours = dict(odata.build_request(portal, query).params)
        assert first["$filter"] == ours["$filter"] and first["$top"] == "10" and first["$count"] == "True"
        assert first["$orderby"] == "ContentDate/Start desc"
        # the rest are the portal's own links (CDSETool's search was ascending, with its own filter), as given
        # except for the slow count that CDSE echoes into its first link
        for request, page in zip(sent[1:], PAGES[:-1]):
            link = json.loads(fixture_bytes(page))["@odata.nextLink"]
            given = dict(parse_qsl(urlsplit(link).query))
            assert request.query == {key: value for key, value in given.items() if key != "$count"}
            assert request.query["$orderby"] == "ContentDate/Start asc"
        assert "$count" in dict(parse_qsl(urlsplit(json.loads(fixture_bytes(PAGES[0]))["@odata.nextLink"]).query))


class SkipCeilingServer:
    """An OData server over CDSETool's 47 real records, with CDSE's paging rules and a tiny $skip ceiling.

    It filters on ContentDate/Start, orders by start then Id, refuses a $skip past the ceiling (HTTP 400),
    and, like CDSE since 2024-11-12, leaves out the next link once skip + top would pass the ceiling
    (`offer_beyond=True` instead offers it, as CDSE did before, so the adapter must decline it).
    """

    def __init__(self, server: ReplayServer, ceiling: int, offer_beyond: bool = False):
        self.server, self.ceiling, self.offer_beyond = server, ceiling, offer_beyond
        self.records = [record for page in PAGES for record in fixture_json(page)["value"]]
        server.add("GET", "/odata/v1/Products", handler=self.answer)

    def answer(self, request: Recorded):
        query = request.query
        skip, top = int(query.get("$skip", 0)), int(query["$top"])
        if skip > self.ceiling:
            return 400, {}, json.dumps({"detail": f"$skip must be at most {self.ceiling}"}).encode()
        rows = self.records
        for operator, moment in re.findall(r"ContentDate/Start (ge|gt|le|lt) (\S+)", query["$filter"]):
            limit = odata.parse_time(moment)
            check = {"ge": lambda t: t >= limit, "gt": lambda t: t > limit,
                     "le": lambda t: t <= limit, "lt": lambda t: t < limit}[operator]
            rows = [r for r in rows if check(odata.parse_time(r["ContentDate"]["Start"]))]
        descending = query["$orderby"].endswith("desc")
        rows = sorted(rows, key=lambda r: (odata.parse_time(r["ContentDate"]["Start"]), r["Id"]), reverse=descending)
        answer: Dict[str, Any] = {"@odata.context": "$metadata#Products(Attributes())", "value": rows[skip:skip + top]}
        if query.get("$count", "").lower() == "true":
            answer["@odata.count"] = len(rows)
        following = skip + top
        if following < len(rows) and (self.offer_beyond or following + top <= self.ceiling):
            link_query = {**query, "$skip": str(following)}
            answer["@odata.nextLink"] = f"{self.server.url}/odata/v1/Products?{urlencode(link_query)}"
        return 200, {}, json.dumps(answer).encode()


@pytest.mark.parametrize("offer_beyond", [False, True], ids=["link-left-out", "link-beyond-ceiling"])
def test_skip_ceiling_starts_a_narrower_window_and_loses_nothing(tmp_path, offer_beyond):
    with ReplayServer() as server:
        fake = SkipCeilingServer(server, ceiling=30, offer_beyond=offer_beyond)
        portal = cdse({"url": server.url + "/odata/v1", "options": {"max_skip": 30}}, tmp_path)
        products, outcome, _ = search_portal(portal, aux_query(page_size=10, limit=1000), budget=20)

        assert outcome.ok, outcome.message
        ids = {p.sources[0].product_id for p in products}
        assert ids == {r["Id"] for r in fake.records}, "every recorded product is found"
        assert len(merge_products(products)) == 47, "products read twice at the window boundary merge into one"
        assert outcome.total == 47
        sent = [r.query for r in server.received("GET", "/odata/v1/Products")]
        assert all(int(q.get("$skip", 0)) + int(q["$top"]) <= 30 for q in sent), "no page past the ceiling"
        assert [q.get("$skip") for q in sent] == [None, "10", "20", None, "10", "20"]
        restart = sent[3]
        newest_first = sorted(fake.records, key=lambda r: (r["ContentDate"]["Start"], r["Id"]), reverse=True)
        boundary = newest_first[29]["ContentDate"]["Start"]
        assert f"ContentDate/Start le {boundary}" in restart["$filter"]
        assert "ContentDate/Start lt " not in restart["$filter"]
        assert "$count" not in restart, "the total is asked once, on the very first page"


def test_a_window_full_of_one_start_time_ends_paging_instead_of_looping(tmp_path):
    """22 recorded products share 2014-04-06T13:30:00: with a ceiling of 20 no window can step past them."""
    with ReplayServer() as server:
        SkipCeilingServer(server, ceiling=20)
        portal = cdse({"url": server.url + "/odata/v1", "options": {"max_skip": 20}}, tmp_path)
        products, outcome, following = search_portal(portal, aux_query(page_size=10, limit=1000), budget=20)
        assert outcome.ok and following is None and outcome.total == 47
        sent = [r.query for r in server.received("GET", "/odata/v1/Products")]
        # two windows step down to the tied start time; the third would be the same window again: stop there
        assert [q.get("$skip") for q in sent] == [None, "10", None, "10", None, "10"]
        boundary = "ContentDate/Start le 2014-04-06T13:30:00.000000Z"
        assert boundary in sent[4]["$filter"] and boundary in sent[5]["$filter"]
        found = {p.sources[0].product_id for p in products}
        assert len(found) == 43  # the 4 oldest lie behind the tied group; the first page's total (47) shows it


# ---- the same acquisition on several portals -------------------------------------------------------------
def test_cdse_and_stac_portals_naming_the_same_acquisition_get_one_identity():
    """The CDSE record as recorded; the Planetary Computer and Earth Search items are their real recorded items
    with only their naming fields renamed to that acquisition (an older processing baseline, as these
    portals often hold), then read by the STAC adapter."""
    from plugin.core.portals import stac

    catalog = load_catalog(env={})
    query = s2_query()
    cdse_product = odata.parse(catalog.portal("cdse"), query, fixture_bytes("cdse_odata/search_s2_l1c_expand.json"),
                               odata.build_request(catalog.portal("cdse"), query)).products[0]

    pc_item = copy.deepcopy(json.loads(cassette("planetary_computer/cassette_s2_l2a_datetime.yaml")[0]["body"])["features"][0])
    pc_item["id"] = "S2A_MSIL1C_20200808T010311_R045_T54PXA_20200808T031405"  # PC ids drop the baseline
    pc_item["properties"]["s2:product_uri"] = "S2A_MSIL1C_20200808T010311_N0209_R045_T54PXA_20200808T031405.SAFE"
    pc_item["properties"]["s2:mgrs_tile"] = "54PXA"
    es_items = fixture_json("earth_search/items_s2_l1c.json")["features"]
    es_item = copy.deepcopy(es_items[0])
    es_item["id"] = "S2A_54PXA_20200808_0_L1C"
    es_item["properties"]["s2:product_uri"] = "S2A_MSIL1C_20200808T010311_N0209_R045_T54PXA_20200808T031405.SAFE"
    es_item["properties"]["grid:code"] = "MGRS-54PXA"
    untouched = es_items[0]  # a different acquisition (T27VWK, 2024): must stay apart

    others = [stac.product_from_item(catalog.portal(pid), query, item) for pid, item in
              (("planetary_computer", pc_item), ("earth_search", es_item), ("earth_search", untouched))]
    assert {p.identity for p in [cdse_product] + others[:2]} == {"S2A_MSIL1C_20200808T010311_R045_T54PXA"}
    merged = merge_products([cdse_product] + others)
    assert len(merged) == 2
    product = next(p for p in merged if p.identity == cdse_product.identity)
    assert product.all_portals == ["cdse", "planetary_computer", "earth_search"]
    # two products of one acquisition: CDSE's reprocessing (baseline 05.00) and the original one both STAC
    # portals hold; the row shows the newest, with CDSE's values only
    assert [v.name for v in product.versions] == ["S2A_MSIL1C_20200808T010311_N0500_R045_T54PXA_20230413T212505",
                                                  "S2A_MSIL1C_20200808T010311_N0209_R045_T54PXA_20200808T031405"]
    assert product.title == "S2A_MSIL1C_20200808T010311_N0500_R045_T54PXA_20230413T212505"
    assert parse_name(product.title).version == ("0500", "20230413T212505")
    assert product.portals == ["cdse"]
    assert product.footprint is cdse_product.footprint and product.quicklook == cdse_product.quicklook
    older = product.versions[1]
    assert older.portals == ["planetary_computer", "earth_search"]
    assert older.footprint is others[0].footprint and older.quicklook == others[0].quicklook


def test_a_portal_that_ignored_the_cloud_filter_does_not_show_cloudy_products():
    """The recorded CDSE answer holds products far above 50 % cloud: the search drops them, whatever the server did."""
    from plugin.core.search import matches_query

    catalog = load_catalog(env={})
    portal = catalog.portal("cdse")
    body = fixture_bytes("cdse_odata/search_s2_l1c_expand.json")
    query = SearchQuery.create(PACIFIC, "2020-08-08", "2020-08-16", "S2_MSI_L1C", max_cloud=50)
    products = odata.parse(portal, query, body, odata.build_request(portal, query)).products
    clouds = [p.cloud_cover for p in products]
    assert any(c > 50 for c in clouds)  # the recording really contains cloudy products
    kept = [p for p in products if matches_query(p, query)]
    assert [p.cloud_cover for p in kept] == [c for c in clouds if c <= 50]
