"""DHuS adapter: the query a mirror receives, and what a user sees from a real DHuS answer.

The answer is sentinelsat's recording of a SciHub search (``dhus/cassette_s2_cloudcover.yaml``, test data
only): 5 Sentinel-2 products over the Amazon, 12-28 December 2018, cloud cover 0-10 %. Its recorded request
URI shows the query syntax a DHuS understands.
"""
from __future__ import annotations

import base64
import json
import re
from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlsplit

import pytest
from shapely import wkt

from plugin.core.catalog import load_catalog
from plugin.core.credentials import Credentials
from plugin.core.errors import ErrorKind, PortalError
from plugin.core.portals import dhus
from plugin.core.query import SearchQuery
from plugin.core.search import search_portal
from tests.support.fixtures import cassette
from tests.support.replay import ReplayServer

RECORDED = "dhus/cassette_s2_cloudcover.yaml"
APIHUB = "https://apihub.copernicus.eu/apihub"
AMAZON = "POLYGON((-66.2695 -8.0592,-66.2695 0.7031,-57.3047 0.7031,-57.3047 -8.0592,-66.2695 -8.0592))"


def recorded():
    return cassette(RECORDED)[0]


def mirror(tmp_path, url: str = APIHUB):
    """The `dhus` template completed by the user: a URL, enabled."""
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps({"dhus": {"url": url, "enabled": True, "title": "Test mirror"}}), encoding="utf-8")
    catalog = load_catalog(path, env={})
    assert not catalog.problems
    return catalog.portal("dhus")


def amazon_query(**kw) -> SearchQuery:
    kw.setdefault("max_cloud", 10)
    return SearchQuery.create(AMAZON, "2018-12-12", "2018-12-28", "S2_MSI_L1C", **kw)


def recorded_feed() -> dict:
    return json.loads(recorded()["body"])


# ---- the request -----------------------------------------------------------------------------------------
def test_query_uses_the_syntax_of_the_recorded_dhus_request(tmp_path):
    request = dhus.build_request(mirror(tmp_path), amazon_query())
    sent = dict(request.params)
    original = dict(parse_qsl(urlsplit(recorded()["uri"]).query))

    assert request.method == "GET" and request.url == f"{APIHUB}/search"
    assert (sent["start"], sent["rows"], sent["format"]) == ("0", "100", "json") == \
        (original["start"], original["rows"], original["format"])
    assert sent["orderby"] == "beginposition desc"
    # the same footprint clause sentinelsat sent (it wrapped the polygon in a GEOMETRYCOLLECTION)
    recorded_polygon = re.search(r"GEOMETRYCOLLECTION\((POLYGON\(\(.+?\)\))\)", original["q"]).group(1)
    assert f'footprint:"Intersects({recorded_polygon})"' in sent["q"]
    assert 'platformname:"Sentinel-2"' in original["q"] and 'platformname:"Sentinel-2"' in sent["q"]
    assert sent["q"] == " AND ".join([
        'platformname:"Sentinel-2"',
        "producttype:S2MSI1C",
        'beginposition:["2018-12-12T00:00:00.000Z" TO "2018-12-28T23:59:59.999Z"]',
        f'footprint:"Intersects({recorded_polygon})"',
        "cloudcoverpercentage:[0 TO 10]",
    ])


def test_every_filter_becomes_a_clause(tmp_path):
    query = amazon_query(orbit_direction="asc", relative_orbit=10, tile="T20MPS", platform="S2B")
    q = dict(dhus.build_request(mirror(tmp_path), query).params)["q"]
    for clause in ("orbitdirection:ASCENDING", "relativeorbitnumber:10", "tileid:20MPS",
                   'platformserialidentifier:"Sentinel-2B"'):
        assert f" AND {clause}" in q


def test_sentinel1_gets_no_cloud_clause_and_its_own_product_type(tmp_path):
    query = SearchQuery.create(AMAZON, "2018-12-12", "2018-12-28", "S1_SAR_GRD", max_cloud=10)
    q = dict(dhus.build_request(mirror(tmp_path), query).params)["q"]
    assert q.startswith('platformname:"Sentinel-1" AND producttype:GRD AND ')
    assert "cloudcoverpercentage" not in q


def test_area_split_at_the_antimeridian_is_one_footprint_clause_per_part(tmp_path):
    # drawn across 180° (longitudes beyond 180 say so; within ±180 an AOI is planar, RFC 7946)
    query = SearchQuery.create("POLYGON((170 -20, 190 -20, 190 -10, 170 -10, 170 -20))",
                               "2018-12-12", "2018-12-28", "S2_MSI_L1C")
    q = dict(dhus.build_request(mirror(tmp_path), query).params)["q"]
    group = re.search(r'\((footprint:"Intersects\(POLYGON.+?\)" OR footprint:"Intersects\(POLYGON.+?\)")\)', q)
    assert group is not None
    parts = [wkt.loads(p) for p in re.findall(r"Intersects\((POLYGON\(\(.+?\)\))\)", group.group(1))]
    assert len(parts) == 2 and all(-180 <= p.bounds[0] and p.bounds[2] <= 180 for p in parts)


@pytest.mark.parametrize("page_size, limit, expected", [(None, 1000, 100), (500, 1000, 100), (20, 1000, 20), (None, 7, 7)])
def test_rows_never_exceed_what_dhus_accepts(tmp_path, page_size, limit, expected):
    request = dhus.build_request(mirror(tmp_path), amazon_query(page_size=page_size, limit=limit))
    assert dict(request.params)["rows"] == str(expected)


# ---- the answer, replayed on loopback --------------------------------------------------------------------
def test_recorded_answer_through_search_with_basic_auth(tmp_path):
    with ReplayServer() as server:
        base = server.url + "/apihub"
        body = recorded()["body"].replace(APIHUB.encode(), base.encode())
        server.add("GET", "/apihub/search", body)
        portal = mirror(tmp_path, base)
        products, outcome, following = search_portal(
            portal, amazon_query(), credentials=Credentials(username="alice", password="s3cret"), budget=20)

        assert outcome.ok, outcome.message
        # the recorded answer holds one L2A product besides four L1C ones: asked for L1C, the L2A one is left out
        # and counted (it used to be shown, labelled S2_MSI_L2A, in an L1C search)
        assert outcome.total == 5 and len(products) == 4 and following is None and not outcome.more
        assert {p.collection for p in products} == {"S2_MSI_L1C"} and outcome.other_collections == 1
        assert outcome.message == "Test mirror: 4 products; 1 product of another collection left out"
        sent = server.received("GET", "/apihub/search")
        assert len(sent) == 1
        assert sent[0].headers["Authorization"] == "Basic " + base64.b64encode(b"alice:s3cret").decode()
        assert sent[0].query["q"] == dict(dhus.build_request(portal, amazon_query()).params)["q"]

    first = products[0]
    source = first.sources[0]
    assert first.title == "S2B_MSIL1C_20181219T142029_N0207_R010_T20MPS_20181219T160056"
    assert first.identity == "S2B_MSIL1C_20181219T142029_R010_T20MPS"
    assert source.product_id == "bf652bc4-299c-4c39-9238-ee5a3fdc0d3e"
    assert source.name == "S2B_MSIL1C_20181219T142029_N0207_R010_T20MPS_20181219T160056.SAFE"
    assert first.start == datetime(2018, 12, 19, 14, 20, 29, 24000, tzinfo=timezone.utc) == first.end
    assert first.platform == "Sentinel-2B"
    assert first.cloud_cover == pytest.approx(3.6476)  # 'double' came as one object, not a list
    assert first.tile == "20MPS" and first.orbit_direction == "DESCENDING" and first.relative_orbit == 10
    assert source.download_url == f"{base}/odata/v1/Products('bf652bc4-299c-4c39-9238-ee5a3fdc0d3e')/$value"
    assert first.quicklook == \
        f"{base}/odata/v1/Products('bf652bc4-299c-4c39-9238-ee5a3fdc0d3e')/Products('Quicklook')/$value"
    assert first.footprint.geom_type == "MultiPolygon"
    assert first.footprint.bounds == pytest.approx((-61.331024, -8.226809262314482, -61.09546, -7.233321357004069))
    # "110.44 MB" is shown as a size, but is not an exact byte count a download could be checked against
    assert first.size == pytest.approx(110.44 * 1024 ** 2, abs=1024)
    assert source.size is None and source.checksums == {}
    assert source.online is None  # a DHuS search does not say; its OData does

    # the recording asked for no product type: each entry is labelled by what it is (the search then left the
    # L2A one out of this L1C search, above)
    parsed = dhus.parse(portal, amazon_query(), body, dhus.build_request(portal, amazon_query())).products
    by_title = {p.title: p for p in parsed}
    l2a = by_title["S2A_MSIL2A_20181217T142741_N0211_R053_T20MRV_20181217T164546"]
    assert l2a.collection == "S2_MSI_L2A"
    assert l2a.cloud_cover == 0.0
    assert {p.collection for p in parsed if p is not l2a} == {"S2_MSI_L1C"}


def test_a_single_entry_comes_as_an_object(tmp_path):
    """Variant of the real answer holding one entry, written as DHuS writes it: an object, not a list."""
    data = recorded_feed()
    data["feed"]["entry"] = data["feed"]["entry"][4]
    data["feed"]["opensearch:totalResults"] = "1"
    portal = mirror(tmp_path)
    page = dhus.parse(portal, amazon_query(), json.dumps(data).encode(), dhus.build_request(portal, amazon_query()))
    assert [p.title for p in page.products] == ["S2B_MSIL1C_20181215T143749_N0207_R096_T20MLB_20181215T162124"]
    assert page.total == 1 and page.next is None


def test_no_entry_at_all_is_an_empty_page(tmp_path):
    """Variant of the real answer with no results: DHuS leaves the 'entry' key out."""
    data = recorded_feed()
    del data["feed"]["entry"]
    data["feed"]["opensearch:totalResults"] = "0"
    portal = mirror(tmp_path)
    page = dhus.parse(portal, amazon_query(), json.dumps(data).encode(), dhus.build_request(portal, amazon_query()))
    assert page.products == [] and page.total == 0 and page.next is None


def test_next_page_is_start_plus_rows_while_below_the_total(tmp_path):
    """Variant of the real answer claiming 250 results: pages at 0, 100, 200, then none."""
    data = recorded_feed()
    data["feed"]["opensearch:totalResults"] = "250"
    body = json.dumps(data).encode()
    portal, query = mirror(tmp_path), amazon_query()
    request = dhus.build_request(portal, query)
    starts = []
    while request is not None:
        starts.append(dict(request.params)["start"])
        page = dhus.parse(portal, query, body, request)
        assert page.total == 250
        if page.next is not None:
            assert dict(page.next.params)["q"] == dict(request.params)["q"]
            assert dict(page.next.params)["rows"] == "100"
        request = page.next
    assert starts == ["0", "100", "200"]


@pytest.mark.parametrize("body", [b"<html>Maintenance</html>", b'{"error": {"message": "Invalid query"}}'])
def test_an_answer_that_cannot_be_read_is_a_parse_error(tmp_path, body):
    portal = mirror(tmp_path)
    with pytest.raises(PortalError) as caught:
        dhus.parse(portal, amazon_query(), body, dhus.build_request(portal, amazon_query()))
    assert caught.value.kind is ErrorKind.PARSE and str(caught.value).startswith("Test mirror: ")


@pytest.mark.parametrize("text, expected", [("110.44 MB", 115804733), ("1.09 GB", 1170378588), ("820 KB", 839680),
                                            ("unknown", None), ("", None)])
def test_display_sizes_are_read_approximately(text, expected):
    assert dhus.approximate_size(text) == expected
