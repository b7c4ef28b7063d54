"""Exports (GeoJSON, CSV, STAC ItemCollection) and saved searches, on products parsed from real recordings.

Planetary Computer's page gives footprints, cloud cover and tiles; CDSE's OData answer gives sizes, MD5
checksums and download links; both are merged as the dock shows them.
"""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timezone

import pytest
from shapely import wkt as shapely_wkt
from shapely.geometry import shape

from plugin.core.catalog import load_catalog
from plugin.core.errors import QueryError
from plugin.core.export import (
    COLUMNS,
    SavedSearch,
    dumps,
    product_properties,
    to_csv,
    to_geojson,
    to_stac_item_collection,
)
from plugin.core.portals import odata, stac
from plugin.core.product import merge_products
from plugin.core.query import SearchQuery
from tests.support.fixtures import cassette, fixture_bytes, fixture_json

AOI = "POLYGON((3.0 47.4,3.1 47.4,3.1 47.5,3.0 47.5,3.0 47.4))"


@pytest.fixture(scope="module")
def products():
    catalog = load_catalog(env={})
    query = SearchQuery.create(AOI, "2019-01-01", "2023-12-31", "S2_MSI_L2A")
    pc = catalog.portal("planetary_computer")
    body = cassette("planetary_computer/cassette_s2_l2a_datetime.yaml")[0]["body"]
    found = stac.parse(pc, query, body, stac.build_request(pc, query)).products
    cdse = catalog.portal("cdse")
    l1c = SearchQuery.create(AOI, "2019-01-01", "2023-12-31", "S2_MSI_L1C")
    found += odata.parse(cdse, l1c, fixture_bytes("cdse_odata/search_s2_l1c_expand.json"),
                         odata.build_request(cdse, l1c)).products
    return merge_products(found)


@pytest.fixture(scope="module")
def cdse_records():
    return {value["Name"].replace(".SAFE", ""): value
            for value in fixture_json("cdse_odata/search_s2_l1c_expand.json")["value"]}


def test_geojson_holds_every_product_with_its_footprint_and_fields(products):
    collection = json.loads(dumps(to_geojson(products)))
    assert collection["type"] == "FeatureCollection"
    recorded = (len(json.loads(cassette("planetary_computer/cassette_s2_l2a_datetime.yaml")[0]["body"])["features"])
                + len(fixture_json("cdse_odata/search_s2_l1c_expand.json")["value"]))
    assert len(collection["features"]) == len(products) == recorded  # no acquisition in common
    for feature, product in zip(collection["features"], products):
        assert list(feature["properties"]) == list(COLUMNS)
        assert feature["properties"]["identity"] == product.identity
        assert shape(feature["geometry"]).equals(product.footprint)
        assert feature["properties"]["cloud_cover"] == product.cloud_cover
        assert set(feature["properties"]["sources"]) == set(product.portals)
        assert feature["properties"]["start"].endswith("Z")


def test_csv_one_row_per_product_footprint_as_wkt(products, cdse_records):
    rows = list(csv.DictReader(io.StringIO(to_csv(products))))
    assert len(rows) == len(products)
    assert list(rows[0]) == list(COLUMNS) + ["footprint_wkt"]
    for row, product in zip(rows, products):
        assert row["identity"] == product.identity
        assert shapely_wkt.loads(row["footprint_wkt"]).equals_exact(product.footprint, 1e-9)
        assert json.loads(row["sources"]).keys() == set(product.portals)
    cdse_rows = [row for row in rows if row["portals"] == "cdse"]
    assert {row["title"] for row in cdse_rows} == set(cdse_records)
    for row in cdse_rows:
        assert int(row["size_bytes"]) == cdse_records[row["title"]]["ContentLength"]


def test_stac_item_collection_gives_items_with_datetime_extensions_and_assets(products, cdse_records):
    collection = to_stac_item_collection(products)
    assert collection["type"] == "FeatureCollection" and len(collection["features"]) == len(products)
    for item, product in zip(collection["features"], products):
        assert item["stac_version"] == "1.0.0" and item["id"] == product.title
        assert item["properties"]["datetime"] == product.start.astimezone(timezone.utc).isoformat().replace(
            "+00:00", "Z")
        assert item["bbox"] == list(product.footprint.bounds)
        assert shape(item["geometry"]).equals(product.footprint)
        if product.tile:
            assert item["properties"]["grid:code"] == f"MGRS-{product.tile}"
    cdse_items = [item for item in collection["features"] if item["id"] in cdse_records]
    assert len(cdse_items) == len(cdse_records) == 2
    for item in cdse_items:
        record = cdse_records[item["id"]]
        md5 = next(c["Value"] for c in record["Checksum"] if c["Algorithm"] == "MD5")
        asset = item["assets"]["cdse:product"]
        assert asset["file:size"] == record["ContentLength"]
        assert asset["file:checksum"] == "d50110" + md5.lower()
        assert record["Id"] in asset["href"]
        assert item["properties"]["eo:cloud_cover"] == pytest.approx(
            next(a["Value"] for a in record["Attributes"] if a["Name"] == "cloudCover"))


def test_products_without_footprint_export_null_geometries(products):
    
    bare = products[0].replaced(footprint=None)  # derived: the recordings all have footprints
    assert to_geojson([bare])["features"][0]["geometry"] is None
    item = to_stac_item_collection([bare])["features"][0]
    assert item["geometry"] is None and "bbox" not in item
    assert to_csv([bare]).splitlines()[1].endswith(",")
    assert product_properties(bare)["identity"] == bare.identity


# ---- saved searches ------------------------------------------------------------------------------------
def test_saved_search_round_trip_and_query():
    saved = SavedSearch(geometry_wkt=AOI, collection="S1_SAR_GRD", start="2024-06-01", end="2024-06-30",
                        orbit_direction="ASCENDING", relative_orbit=88, portals=["cdse", "earth_search"])
    again = SavedSearch.from_json(saved.to_json())
    assert again == saved
    query = again.to_query()
    assert query == SearchQuery.create(AOI, "2024-06-01", "2024-06-30", "S1_SAR_GRD", orbit_direction="ASCENDING",
                                       relative_orbit=88)


def test_saved_search_for_the_last_days_ends_when_it_is_run():
    saved = SavedSearch(geometry_wkt=AOI, collection="S2_MSI_L2A", last_days=30, max_cloud=20.0)
    now = datetime(2025, 3, 15, 12, 0, tzinfo=timezone.utc)
    query = SavedSearch.from_json(saved.to_json()).to_query(now=now)
    assert query.end == now and (query.end - query.start).days == 30 and query.max_cloud == 20.0


@pytest.mark.parametrize("text, words", [
    ("not json", "not JSON"),
    ('{"type": "FeatureCollection"}', "not an EO Portals saved search"),
    ('{"eo_portals_saved_search": 99, "geometry_wkt": "POINT(1 2)", "collection": "S2_MSI_L2A"}', "newer version"),
    ('{"eo_portals_saved_search": 1, "collection": "S2_MSI_L2A"}', "no area of interest"),
    ('{"eo_portals_saved_search": 1, "geometry_wkt": "POINT(1 2)", "collection": "x", "portals": "cdse"}',
     "must be a list"),
])
def test_files_that_are_not_saved_searches_are_refused_with_a_reason(text, words):
    with pytest.raises(QueryError, match=words):
        SavedSearch.from_json(text)


def test_exports_carry_every_version_and_the_shown_one_flat():
    """CDSE's real record (baseline 05.00) and a real Planetary Computer item renamed to the same acquisition under
    baseline 02.09 (derived: PC holds the original processing): every export lists both versions, and its flat
    fields, links and checksums are those of the version the row shows."""
    catalog = load_catalog(env={})
    query = SearchQuery.create(AOI, "2019-01-01", "2023-12-31", "S2_MSI_L1C")
    cdse = odata.parse(catalog.portal("cdse"), query, fixture_bytes("cdse_odata/search_s2_l1c_expand.json"),
                       odata.build_request(catalog.portal("cdse"), query)).products[0]
    old_name = "S2A_MSIL1C_20200808T010311_N0209_R045_T54PXA_20200808T031405"
    item = json.loads(cassette("planetary_computer/cassette_s2_l2a_datetime.yaml")[0]["body"])["features"][0]
    item["properties"]["s2:product_uri"] = old_name + ".SAFE"
    pc = stac.product_from_item(catalog.portal("planetary_computer"), query, item)
    product, = merge_products([pc, cdse])
    assert product.title == cdse.title and len(product.versions) == 2
    for chosen, record in ((None, cdse), (old_name, pc)):
        product.choose(chosen)
        feature = to_geojson([product])["features"][0]
        props = feature["properties"]
        assert props["title"] == record.title and props["portals"] == record.portals[0]
        assert props["cloud_cover"] == record.cloud_cover and props["size_bytes"] == record.size
        assert list(props["sources"]) == record.portals
        assert [v["name"] for v in props["versions"]] == [old_name, cdse.title]
        assert shape(feature["geometry"]).equals(record.footprint)
        row = next(csv.DictReader(io.StringIO(to_csv([product]))))
        assert row["title"] == record.title and len(json.loads(row["versions"])) == 2
        assert shapely_wkt.loads(row["footprint_wkt"]).equals(record.footprint)
        stac_item = to_stac_item_collection([product])["features"][0]
        assert stac_item["id"] == record.title
        assert [v["name"] for v in stac_item["properties"]["eoportals:versions"]] == [old_name, cdse.title]
        data_assets = [a["href"] for key, a in stac_item["assets"].items() if key.endswith(":product")]
        assert data_assets == [s.download_url for s in record.sources if s.download_url]
