"""resto adapter: SARA's request, and PEPS's historical answer (``resto/peps_s2st_search.json``, recorded by eodag).

PEPS is retired; its answer stands for the resto format SARA also speaks. It is read through a user-added
resto portal (catalog override), as a user would add a resto catalogue.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlsplit

import pytest
from shapely.geometry import shape

from plugin.core.catalog import load_catalog
from plugin.core.errors import ErrorKind, PortalError
from plugin.core.portals import resto
from plugin.core.portals.base import Request
from plugin.core.query import SearchQuery
from plugin.core.search import search_portal
from tests.support.fixtures import fixture_bytes, fixture_json
from tests.support.replay import ReplayServer

RECORDED = "resto/peps_s2st_search.json"
PEPS = "https://peps.cnes.fr/resto"
# the AOI and dates of the recorded search (its self link shows them)
PACIFIC = "POLYGON((137.7729 13.1342, 137.7729 23.8860, 153.7491 23.8860, 153.7491 13.1342, 137.7729 13.1342))"
PEPS_ENTRY = {
    "title": "PEPS (historical)", "protocol": "resto", "url": f"{PEPS}/api",
    "collections": {"S2_MSI_L1C": {"collection": "S2ST", "productType": "S2MSI1C"}},
}


def portals(tmp_path, **entries):
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps({"peps": PEPS_ENTRY, **entries}), encoding="utf-8")
    catalog = load_catalog(path, env={})
    assert not catalog.problems
    return catalog


def pacific(**kw) -> SearchQuery:
    return SearchQuery.create(PACIFIC, "2020-08-08", "2020-08-16", "S2_MSI_L1C", **kw)


# ---- the request -----------------------------------------------------------------------------------------
def test_sara_request_carries_every_filter(tmp_path):
    sara = load_catalog(env={}).portal("sara")
    query = pacific(max_cloud=30, orbit_direction="descending", relative_orbit=2, tile="55PDR", platform="S2A")
    request = resto.build_request(sara, query)
    assert request.method == "GET"
    assert request.url == "https://copernicus.nci.org.au/sara.server/1.0/api/collections/S2/search.json"
    assert list(request.params) == [
        ("startDate", "2020-08-08T00:00:00.000Z"),
        ("completionDate", "2020-08-16T23:59:59.999Z"),
        ("geometry", "POLYGON ((137.7729 13.1342, 137.7729 23.886, 153.7491 23.886, 153.7491 13.1342, 137.7729 13.1342))"),
        ("productType", "S2MSIL1C"),
        ("cloudCover", "[0,30]"),
        ("orbitDirection", "Descending"),
        ("orbitNumber", "2"),  # SARA's relative orbit parameter (eodag's mapping), set in the catalog
        ("tileid", "55PDR"),
        ("platform", "S2A"),
        ("sortParam", "startDate"),
        ("sortOrder", "desc"),
        ("maxRecords", "100"),
        ("page", "1"),
    ]


def test_peps_style_portal_and_sentinel1_without_cloud_filter(tmp_path):
    catalog = portals(tmp_path)
    query = SearchQuery.create(PACIFIC, "2020-08-08", "2020-08-16", "S1_SAR_GRD", max_cloud=10, relative_orbit=2)
    sara = catalog.portal("sara")
    sent = dict(resto.build_request(sara, query).params)
    assert sent["productType"] == "GRD" and "cloudCover" not in sent
    peps = dict(resto.build_request(catalog.portal("peps"), pacific(relative_orbit=2)).params)
    assert peps["relativeOrbitNumber"] == "2" and "orbitNumber" not in peps


def test_box_instead_of_geometry_when_the_portal_wants_it(tmp_path):
    catalog = portals(tmp_path, boxy={**PEPS_ENTRY, "options": {"spatial": "box"}})
    sent = dict(resto.build_request(catalog.portal("boxy"), pacific()).params)
    assert sent["box"] == "137.773,13.1342,153.749,23.886" and "geometry" not in sent


@pytest.mark.parametrize("page_size, limit, expected", [(None, 1000, 100), (2000, 2000, 500), (None, 3, 3)])
def test_max_records_stay_within_500(page_size, limit, expected):
    sara = load_catalog(env={}).portal("sara")
    assert dict(resto.build_request(sara, pacific(page_size=page_size, limit=limit)).params)["maxRecords"] == str(expected)


# ---- the recorded answer ---------------------------------------------------------------------------------
def test_recorded_peps_answer_gives_every_field_the_portal_states(tmp_path):
    peps = portals(tmp_path).portal("peps")
    body = fixture_bytes(RECORDED)
    raw = json.loads(body)
    page = resto.parse(peps, pacific(), body, resto.build_request(peps, pacific()))

    assert page.total == 47
    assert [p.title for p in page.products] == [
        "S2A_MSIL1C_20200815T005251_N0209_R002_T55PDR_20200815T023440",
        "S2A_MSIL1C_20200815T005251_N0209_R002_T55PCR_20200815T023440",
    ]
    first, second = page.products
    source = first.sources[0]
    assert first.identity == "S2A_MSIL1C_20200815T005251_R002_T55PDR"
    assert first.collection == "S2_MSI_L1C"
    assert source.portal == "peps" and source.product_id == "01f888ef-3368-59ff-a639-52242d159d7c"
    assert first.start == datetime(2020, 8, 15, 0, 52, 51, 24000, tzinfo=timezone.utc) == first.end
    assert first.platform == "Sentinel-2A"
    assert first.cloud_cover == pytest.approx(20.5218)
    assert first.tile == "55PDR" and first.orbit_direction == "DESCENDING" and first.relative_orbit == 2
    assert first.size == source.size == 781865648
    assert source.checksums == {"MD5": "64ffca4b9cd13d094ed05554e010db5a"}
    assert source.download_url == f"{PEPS}/collections/S2ST/01f888ef-3368-59ff-a639-52242d159d7c/download"
    assert first.quicklook == ("https://peps.cnes.fr/quicklook/2020/08/15/S2A/"
                               "S2A_MSIL1C_20200815T005251_N0209_R002_T55PDR_20200815T023440_quicklook.jpg")
    assert first.footprint.equals(shape(raw["features"][0]["geometry"]))
    # storage.mode: 'disk' can be downloaded now, 'tape' must be restored first
    assert source.online is True and second.sources[0].online is False
    assert page.next == Request("GET", next(l["href"] for l in raw["properties"]["links"] if l["rel"] == "next"))


def test_sara_checksums_with_an_algorithm_prefix(tmp_path):
    """Variant of the real record with SARA's 'md5:<hex>' checksum form (auscophub's saraclient reads it so)."""
    data = fixture_json(RECORDED)
    download = data["features"][0]["properties"]["services"]["download"]
    download["checksum"] = "md5:" + download["checksum"]
    del data["features"][0]["properties"]["resourceChecksum"]
    peps = portals(tmp_path).portal("peps")
    page = resto.parse(peps, pacific(), json.dumps(data).encode(), resto.build_request(peps, pacific()))
    assert page.products[0].sources[0].checksums == {"MD5": "64ffca4b9cd13d094ed05554e010db5a"}


def test_an_absolute_orbit_is_never_shown_as_the_relative_orbit(tmp_path):
    """Read through SARA's entry (relative orbit in 'orbitNumber'): PEPS's orbitNumber 26883 is absolute."""
    sara = load_catalog(env={}).portal("sara")
    page = resto.parse(sara, pacific(), fixture_bytes(RECORDED), resto.build_request(sara, pacific()))
    assert [p.relative_orbit for p in page.products] == [2, 2]  # from the product names' R002


def test_an_empty_page_ends_the_search_even_with_a_next_link(tmp_path):
    """Variant of the real answer with its features removed but its next link kept."""
    data = fixture_json(RECORDED)
    data["features"] = []
    peps = portals(tmp_path).portal("peps")
    page = resto.parse(peps, pacific(), json.dumps(data).encode(), resto.build_request(peps, pacific()))
    assert page.products == [] and page.next is None


def test_next_link_is_followed_as_given_through_search(tmp_path):
    with ReplayServer() as server:
        base = server.url + "/peps/resto"
        body = fixture_bytes(RECORDED).replace(PEPS.encode(), base.encode())
        # only page 1 was recorded: the server answers it again for page 2 (the products merge by identity later)
        server.add("GET", "/peps/resto/api/collections/S2ST/search.json", body)
        catalog = portals(tmp_path, peps={**PEPS_ENTRY, "url": base + "/api"})
        products, outcome, following = search_portal(catalog.portal("peps"), pacific(limit=4), budget=20)

        assert outcome.ok, outcome.message
        sent = server.received("GET", "/peps/resto/api/collections/S2ST/search.json")
        assert [r.query["page"] for r in sent] == ["1", "2"]
        assert sent[0].query["maxRecords"] == "4" and sent[0].query["productType"] == "S2MSI1C"
        link = next(l["href"] for l in json.loads(body)["properties"]["links"] if l["rel"] == "next")
        assert sent[1].query == dict(parse_qsl(urlsplit(link).query))  # the portal's link, not rebuilt
        # page 1 answered twice: its two products are counted once
        assert len(products) == outcome.count == 2 and outcome.total == 47 and outcome.more


@pytest.mark.parametrize("body", [b"<html>Service down</html>", b'{"ErrorMessage": "Not Found", "ErrorCode": 404}',
                                  b'{"type": "FeatureCollection", "features": [{"id": "x"}]}'])
def test_an_answer_that_cannot_be_read_is_a_parse_error(tmp_path, body):
    peps = portals(tmp_path).portal("peps")
    with pytest.raises(PortalError) as caught:
        resto.parse(peps, pacific(), body, resto.build_request(peps, pacific()))
    assert caught.value.kind is ErrorKind.PARSE and str(caught.value).startswith("PEPS (historical): ")
