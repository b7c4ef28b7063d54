"""One row, one truth, on the real recorded answers and on pairs built from them.

Availability and links on each protocol's real forms; labels from what each product is (an answer holding
other collections); per-portal counts; the same acquisition from two portals under different baselines,
where name, footprint, quicklook, download link and file name all come from one version.
"""
from __future__ import annotations

import copy
import json

import pytest

from plugin.core.catalog import load_catalog
from plugin.core.download.plan import archive_of
from plugin.core.portals import dhus, odata, resto, stac
from plugin.core.portals.fields import availability, http_url
from plugin.core.product import Product, merge_products
from plugin.core.query import SearchQuery
from plugin.core.search import search_portal
from tests.support.fixtures import cassette, fixture_json
from tests.support.replay import ReplayServer

PACIFIC = "POLYGON((137.7729 13.1342, 137.7729 23.8860, 153.7491 23.8860, 153.7491 13.1342, 137.7729 13.1342))"
AMAZON = "POLYGON((-66 -12, -54 -12, -54 -4, -66 -4, -66 -12))"
COLORADO = "POLYGON((-106.5 39.5,-104.5 39.5,-104.5 41,-106.5 41,-106.5 39.5))"
PEPS_ENTRY = {"title": "PEPS", "protocol": "resto", "url": "https://peps.cnes.fr/resto/api",
              "collections": {"S2_MSI_L1C": {"collection": "S2ST", "productType": "S2MSI1C"}}}


def catalog_with(tmp_path, entries):
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(entries), encoding="utf-8")
    catalog = load_catalog(path, env={})
    assert not catalog.problems
    return catalog


def as_bytes(data) -> bytes:
    return json.dumps(data).encode()


def pacific_l1c() -> SearchQuery:
    return SearchQuery.create(PACIFIC, "2020-08-08", "2020-08-16", "S2_MSI_L1C")


def dhus_feed() -> dict:
    return json.loads(cassette("dhus/cassette_s2_cloudcover.yaml")[0]["body"])


def dhus_parse(tmp_path, feed):
    catalog = catalog_with(tmp_path, {"dhus": {"url": "https://apihub.example/apihub", "enabled": True}})
    portal = catalog.portal("dhus")
    query = SearchQuery.create(AMAZON, "2018-12-12", "2018-12-28", "S2_MSI_L1C")
    return dhus.parse(portal, query, as_bytes(feed), dhus.build_request(portal, query)).products


# ---- availability --------------------------------------------------------------------------------------------
def test_dhus_archived_entries_are_offline_and_online_ones_online(tmp_path):
    feed = dhus_feed()
    entries = feed["feed"]["entry"]
    # the recording states no availability: unknown, never guessed
    assert {p.sources[0].online for p in dhus_parse(tmp_path, feed)} == {None}
    entries[0]["str"].append({"name": "status", "content": "ARCHIVED"})
    entries[1]["str"].append({"name": "status", "content": "ONLINE"})
    products = dhus_parse(tmp_path, feed)
    assert [p.sources[0].online for p in products[:3]] == [False, True, None]


def peps_products(tmp_path, features=None):
    data = fixture_json("resto/peps_s2st_search.json")
    if features is not None:
        data["features"] = features
    catalog = catalog_with(tmp_path, {"peps": PEPS_ENTRY})
    portal = catalog.portal("peps")
    return resto.parse(portal, pacific_l1c(), as_bytes(data), resto.build_request(portal, pacific_l1c())).products


def test_resto_status_is_read_in_cdse_form_as_well_as_peps_storage_mode(tmp_path):
    assert [p.sources[0].online for p in peps_products(tmp_path)] == [True, False]  # PEPS: storage.mode disk, tape
    features = fixture_json("resto/peps_s2st_search.json")["features"]
    for feature, status in zip(features, ("OFFLINE", "ONLINE")):
        del feature["properties"]["storage"]
        feature["properties"]["status"] = status  # CDSE's OpenSearch form
    assert [p.sources[0].online for p in peps_products(tmp_path, features)] == [False, True]
    assert [availability(v) for v in ("ALL", "unknown", "", None, "tape", "ARCHIVED")] == \
        [None, None, None, None, False, False]


# ---- links ---------------------------------------------------------------------------------------------------
def test_text_that_is_no_link_never_becomes_one(tmp_path):
    assert http_url("<REMOVED>") is None and http_url("s3://bucket/x.tif") is None and http_url("N/A") is None
    assert http_url("//cdn.example/x.jpg") is None and http_url("https:///nohost") is None
    assert http_url("thumb.jpg", base="https://stac.example/items/a") == "https://stac.example/items/thumb.jpg"
    assert http_url(" https://peps.cnes.fr/q.jpg ") == "https://peps.cnes.fr/q.jpg"

    features = fixture_json("resto/peps_s2st_search.json")["features"]
    features[0]["properties"]["quicklook"] = "<REMOVED>"
    features[0]["properties"]["thumbnail"] = "<REMOVED>"
    features[0]["properties"]["services"]["download"]["url"] = "<REMOVED>"
    first, second = peps_products(tmp_path, features)
    assert first.quicklook is None and first.sources[0].download_url is None
    assert second.quicklook.startswith("https://peps.cnes.fr/quicklook/")

    feed = dhus_feed()
    for link in feed["feed"]["entry"][0]["link"]:
        link["href"] = "<REMOVED>"
    product = dhus_parse(tmp_path, feed)[0]
    assert product.quicklook is None
    # the enclosure was no link: the mirror's own OData address of the product is used, as for an entry without one
    assert product.sources[0].download_url == \
        "https://apihub.example/apihub/odata/v1/Products('bf652bc4-299c-4c39-9238-ee5a3fdc0d3e')/$value"

    data = fixture_json("cdse_odata/search_s2_l1c_expand.json")
    for asset in data["value"][0]["Assets"]:
        asset["DownloadLink"] = "<REMOVED>"
    portal = load_catalog(env={}).portal("cdse")
    products = odata.parse(portal, pacific_l1c(), as_bytes(data), odata.build_request(portal, pacific_l1c())).products
    assert products[0].quicklook is None and products[1].quicklook.startswith("https://")

    item = copy.deepcopy(fixture_json("cdse_stac/item_s2_l2a.json"))
    for asset in item["assets"].values():
        asset["href"] = "<REMOVED>"
        asset.pop("alternate", None)
    product = stac.product_from_item(load_catalog(env={}).portal("cdse_stac"),
                                     SearchQuery.create(PACIFIC, "2020-01-01", "2024-12-31", "S2_MSI_L2A"), item)
    assert product.quicklook is None and product.sources[0].assets == {} and product.sources[0].download_url is None


# ---- labels from the products themselves ---------------------------------------------------------------------
def es_query(collection="S2_MSI_L2A") -> SearchQuery:
    return SearchQuery.create(COLORADO, "2023-10-01", "2023-10-10", collection)


def test_stac_items_are_labelled_by_their_own_collection():
    page = cassette("earth_search/cassette_multiple_collections.yaml")[0]["body"]
    portal = load_catalog(env={}).portal("earth_search")
    products = stac.parse(portal, es_query(), page, stac.build_request(portal, es_query())).products
    assert [(p.title, p.collection) for p in products] == [
        ("S2A_MSIL2A_20231008T175231_N0509_R141_T13TDE_20231008T233154", "S2_MSI_L2A"),
        ("LC08_L2SP_033032_20231008_02_T1", "LANDSAT_C2_L2")]  # not the query's S2_MSI_L2A
    # without a product name, the item's collection mapped back through the catalog says what it is
    items = json.loads(page)["features"]
    for item in items:
        item["properties"].pop("s2:product_uri", None)
        item["id"] = "item-" + item["collection"]
    unnamed = stac.parse(portal, es_query(), as_bytes({"type": "FeatureCollection", "features": items}),
                         stac.build_request(portal, es_query())).products
    assert [p.collection for p in unnamed] == ["S2_MSI_L2A", "LANDSAT_C2_L2"]


def test_a_catalog_mapping_several_remote_collections_shows_only_what_was_asked(tmp_path):
    """A user catalog maps Earth Search's Sentinel-1, Sentinel-2 L1C and Landsat collections under S2_MSI_L2A
    (or a server ignores the collection filter): what comes back is labelled by what it is; only the L2A
    products are shown, and the portal's line counts the others."""
    with ReplayServer() as server:
        page = json.loads(cassette("earth_search/cassette_multiple_collections.yaml")[0]["body"])
        page["links"] = []
        l1c = fixture_json("earth_search/items_s2_l1c.json")["features"][0]
        s1 = copy.deepcopy(fixture_json("cdse_stac/item_s1_grd_cog.json"))
        page["features"] += [l1c, s1]
        server.add("POST", "/v1/search", as_bytes(page))
        catalog = catalog_with(tmp_path, {"earth_search": {"url": server.url + "/v1", "collections": {
            "S2_MSI_L2A": ["sentinel-2-l2a", "landsat-c2-l2", "sentinel-2-l1c", "sentinel-1-grd"]}}})
        products, outcome, _ = search_portal(catalog.portal("earth_search"), es_query(), budget=10)
    assert outcome.ok, outcome.message
    assert [(p.title, p.collection) for p in products] == [
        ("S2A_MSIL2A_20231008T175231_N0509_R141_T13TDE_20231008T233154", "S2_MSI_L2A")]
    assert outcome.other_collections == 3
    assert outcome.message == "Earth Search: 1 product; 3 products of other collections left out"


# ---- counts --------------------------------------------------------------------------------------------------
def test_a_portal_line_says_rows_records_and_whether_more_pages_exist(tmp_path):
    data = fixture_json("cdse_odata/search_s2_l1c_expand.json")
    twice = copy.deepcopy(data["value"][0])
    twice["Id"] = "11111111-2222-3333-4444-555555555555"  # the same product listed again (overlapping pages)
    data["value"].append(twice)
    data["@odata.count"] = 40
    with ReplayServer() as server:
        with_next = copy.deepcopy(data)
        with_next["@odata.nextLink"] = server.url + "/odata/v1/Products?$skip=3&$top=3"
        del data["@odata.nextLink"]  # one page holds them all
        data["@odata.count"] = 3
        server.add("GET", "/odata/v1/Products", as_bytes(data))
        portal = catalog_with(tmp_path, {"cdse": {"url": server.url + "/odata/v1"}}).portal("cdse")
        products, outcome, following = search_portal(portal, pacific_l1c(), budget=10)
        assert (outcome.records, outcome.count, outcome.more) == (3, 2, False)
        assert outcome.message == "CDSE: 2 products from 3 records"  # not "2 of 3 products": nothing is missing

        server.add("GET", "/odata/v1/Products", as_bytes(with_next))
        query = SearchQuery.create(PACIFIC, "2020-08-08", "2020-08-16", "S2_MSI_L1C", limit=3)
        products, outcome, following = search_portal(portal, query, budget=10)
    assert outcome.more and following is not None
    assert outcome.message == "CDSE: 2 products from 3 records, more pages available (40 match)"


# ---- one acquisition, two portals, two baselines: everything from one version --------------------------------
def paired(order=("cdse", "geodes")):
    """The real CDSE record (baseline 05.00) and GEODES's real record renamed to the same acquisition under the
    original baseline 02.09, as GEODES holds the original archive: two products of one acquisition."""
    catalog = load_catalog(env={})
    query = pacific_l1c()
    cdse_portal = catalog.portal("cdse")
    cdse_data = fixture_json("cdse_odata/search_s2_l1c_expand.json")
    cdse_data["value"] = cdse_data["value"][:1]
    [cdse] = odata.parse(cdse_portal, query, as_bytes(cdse_data), odata.build_request(cdse_portal, query)).products
    old_name = "S2A_MSIL1C_20200808T010311_N0209_R045_T54PXA_20200808T031405"
    assert cdse.identity == "S2A_MSIL1C_20200808T010311_R045_T54PXA" and "_N0500_" in cdse.title
    feature = fixture_json("geodes/search_peps_s2_l1c.json")["features"][0]
    feature["properties"]["identifier"] = old_name
    geodes_portal = catalog.portal("geodes")
    [geodes] = stac.parse(geodes_portal, query, as_bytes({"type": "FeatureCollection", "features": [feature]}),
                          stac.build_request(geodes_portal, query)).products
    records = {"cdse": cdse, "geodes": geodes}
    [product] = merge_products([records[name] for name in order])
    return product, cdse, geodes


@pytest.mark.parametrize("order", [("cdse", "geodes"), ("geodes", "cdse")])
def test_a_row_of_two_baselines_takes_every_value_from_one_version(order):
    product, cdse, geodes = paired(order)
    assert len(product.versions) == 2
    for shown, record in ((None, cdse), (geodes.title, geodes)):
        product.choose(shown)
        assert product.title == record.title
        assert product.footprint is record.footprint and product.quicklook == record.quicklook
        assert product.cloud_cover == record.cloud_cover and product.size == record.size
        assert [s.download_url for s in product.sources] == [record.sources[0].download_url]
        job_product = product.only()
        target = archive_of(job_product, job_product.sources[0])
        assert target.url == record.sources[0].download_url
        assert target.relative == record.title + ".zip"
    assert geodes.quicklook and cdse.quicklook and geodes.quicklook != cdse.quicklook
    assert not geodes.footprint.equals(cdse.footprint)  # two real footprints: which one shows matters


def test_the_plain_data_of_a_paired_row_keeps_both_versions_apart():
    product, cdse, geodes = paired()
    back = Product.from_dict(json.loads(json.dumps(product.to_dict())))
    assert [v.name for v in back.versions] == [v.name for v in product.versions]
    assert [s.portal for s in back.version_named(geodes.title).sources] == ["geodes"]
    assert back.title == cdse.title and back.footprint.equals(cdse.footprint)
