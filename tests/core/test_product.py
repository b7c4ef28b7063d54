"""Merging several portals' records of one acquisition into one product with every source."""
import json
from datetime import datetime, timezone

from shapely.geometry import box

from plugin.core.product import Asset, make_product, merge_products

NAME = "S2A_MSIL2A_20190101T000001_N0212_R116_T60VUK_20201007T214652"


def record(portal, name, **kw):
    return make_product(portal=portal, product_id=f"{portal}-id", name=name, collection="S2_MSI_L2A", **kw)


def test_fields_come_from_the_name_when_the_portal_gives_none():
    product = record("cdse", NAME + ".SAFE")
    assert product.title == NAME
    assert product.platform == "Sentinel-2A" and product.tile == "60VUK" and product.relative_orbit == 116
    assert product.start == datetime(2019, 1, 1, 0, 0, 1, tzinfo=timezone.utc)
    assert product.cloud_cover is None  # never invented


def test_what_the_portal_states_wins_over_the_name():
    product = record("pc", NAME, platform="Sentinel-2A (PC)", tile="60VUK", relative_orbit=7)
    assert product.platform == "Sentinel-2A (PC)" and product.relative_orbit == 7


def test_merge_keeps_every_source_and_the_newest_version_title():
    old = record("earth_search", NAME + ".SAFE", cloud_cover=12.5, footprint=box(0, 0, 1, 1))
    newer_name = NAME.replace("N0212", "N0500").replace("20201007T214652", "20230101T000000")
    new = record("cdse", newer_name + ".SAFE", size=123, download_url="https://dl/1", checksums={"MD5": "ab"})
    pc = record("planetary_computer", "S2A_MSIL2A_20190101T000001_R116_T60VUK_20201007T214652")
    merged = merge_products([old, new, pc])
    assert len(merged) == 1
    product = merged[0]
    assert product.portals == ["earth_search", "cdse", "planetary_computer"]
    assert product.title == newer_name
    assert product.cloud_cover == 12.5 and product.size == 123 and product.footprint.equals(box(0, 0, 1, 1))
    sources = json.loads(product.sources_json())
    assert sources["cdse"] == {"id": "cdse-id", "name": newer_name + ".SAFE", "download": "https://dl/1",
                               "checksum": {"MD5": "ab"}, "size": 123}
    # inputs are untouched
    assert old.portals == ["earth_search"]


def test_merge_orders_sources_by_user_preference():
    merged = merge_products([record("a", NAME), record("b", NAME), record("c", NAME)], portal_order=["c", "a"])
    assert merged[0].portals == ["c", "a", "b"]


def test_unknown_names_are_never_merged_across_portals():
    merged = merge_products([record("a", "mystery"), record("b", "mystery")])
    assert len(merged) == 2


def test_archive_assets_are_recognised():
    assert Asset("p", "https://x/Products(1)/$value", media_type="application/zip").is_archive
    assert Asset("f.zip", "https://x/files/abc", roles=("data",), title="S2.zip").is_archive
    assert not Asset("B04", "https://x/B04.tif", media_type="image/tiff; application=geotiff").is_archive
