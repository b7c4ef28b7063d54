"""Merging several portals' records of one acquisition into one product with every source."""
import json
from datetime import datetime, timezone

from shapely.geometry import box

from plugin.core.product import Asset, Product, make_product, merge_products

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


def test_merge_keeps_every_version_and_shows_the_newest_with_its_own_values_only():
    old = record("earth_search", NAME + ".SAFE", cloud_cover=12.5, footprint=box(0, 0, 1, 1),
                 quicklook="https://es/old.jpg")
    newer_name = NAME.replace("N0212", "N0500").replace("20201007T214652", "20230101T000000")
    new = record("cdse", newer_name + ".SAFE", size=123, download_url="https://dl/1", checksums={"MD5": "ab"},
                 footprint=box(0, 0, 2, 2))
    pc = record("planetary_computer", "S2A_MSIL2A_20190101T000001_R116_T60VUK_20201007T214652")  # no baseline
    merged = merge_products([old, new, pc])
    assert len(merged) == 1
    product = merged[0]
    assert [v.name for v in product.versions] == [NAME, newer_name]
    # Planetary Computer's id lacks the baseline, its generation time says which product it is: the old one
    assert product.versions[0].portals == ["earth_search", "planetary_computer"]
    assert product.all_portals == ["earth_search", "planetary_computer", "cdse"]
    # the row shows the newest version, and nothing of the other one: no cloud cover, no quicklook borrowed
    assert product.title == newer_name and product.portals == ["cdse"]
    assert product.cloud_cover is None and product.quicklook is None and product.size == 123
    assert product.footprint.equals(box(0, 0, 2, 2))
    sources = json.loads(product.sources_json())
    assert sources == {"cdse": {"id": "cdse-id", "name": newer_name + ".SAFE", "download": "https://dl/1",
                                "checksum": {"MD5": "ab"}, "size": 123}}
    # choosing the other version shows it, whole
    assert product.choose(NAME)
    assert (product.title, product.cloud_cover, product.quicklook, product.size) == (NAME, 12.5, "https://es/old.jpg",
                                                                                   None)
    assert product.footprint.equals(box(0, 0, 1, 1)) and product.portals == ["earth_search", "planetary_computer"]
    assert not product.choose("S2A_MSIL2A_nothing")
    # inputs are untouched
    assert old.portals == ["earth_search"] and len(old.versions) == 1


def test_the_order_records_arrive_in_does_not_change_what_the_row_shows():
    newer_name = NAME.replace("N0212", "N0500")
    a = record("earth_search", NAME, cloud_cover=12.5, footprint=box(0, 0, 1, 1))
    b = record("cdse", newer_name, cloud_cover=3.0, footprint=box(0, 0, 2, 2))
    for order in ([a, b], [b, a]):
        product, = merge_products(order)
        assert (product.title, product.cloud_cover, product.portals) == (newer_name, 3.0, ["cdse"])
        assert product.footprint.equals(box(0, 0, 2, 2))


def test_two_generations_of_one_baseline_stay_two_products():
    """Same mission, level, datatake, orbit, tile and baseline, generated twice: both are seen and can be chosen."""
    second = NAME.replace("20201007T214652", "20201008T101010")
    first = record("cdse", NAME, size=800, cloud_cover=10.0)
    again = make_product(portal="cdse", product_id="cdse-id-2", name=second, collection="S2_MSI_L2A", size=900,
                         cloud_cover=11.0)
    product, = merge_products([first, again])
    assert [v.name for v in product.versions] == [NAME, second]
    assert (product.title, product.size, product.cloud_cover) == (second, 900, 11.0)  # the newest generation
    assert product.choose(NAME) and (product.size, product.cloud_cover) == (800, 10.0)
    assert product.portals == ["cdse"]  # two records of one portal: listed once


def test_two_records_of_one_portal_and_version_list_the_portal_once():
    a = make_product(portal="earth_search", product_id="S2A_60VUK_20190101_0_L2A", name=NAME, collection="S2_MSI_L2A")
    b = make_product(portal="earth_search", product_id="S2A_T60VUK_20190101T000001_L2A", name=NAME,
                     collection="S2_MSI_L2A")
    product, = merge_products([a, b])
    assert len(product.versions) == 1 and len(product.sources) == 2
    assert product.portals == ["earth_search"]


def test_one_version_of_a_product_is_what_a_download_takes():
    newer_name = NAME.replace("N0212", "N0500")
    product, = merge_products([record("earth_search", NAME, download_url="https://es/old.zip"),
                               record("cdse", newer_name, download_url="https://cdse/new.zip")])
    only = product.only()
    assert [v.name for v in only.versions] == [newer_name] and [s.download_url for s in only.sources] == \
        ["https://cdse/new.zip"]
    older = product.only(NAME + ".SAFE")
    assert older.title == NAME and [s.download_url for s in older.sources] == ["https://es/old.zip"]
    assert len(product.versions) == 2  # the row keeps both


def test_the_plain_data_form_keeps_every_version_and_the_choice():
    newer_name = NAME.replace("N0212", "N0500")
    product, = merge_products([record("earth_search", NAME, footprint=box(0, 0, 1, 1), cloud_cover=1.5,
                                      assets={"B04": Asset("B04", "https://es/B04.tif", roles=("data",), size=3)}),
                               record("cdse", newer_name, download_url="https://cdse/new.zip", online=False)])
    product.choose(NAME)
    back = Product.from_dict(json.loads(json.dumps(product.to_dict())))
    assert back.identity == product.identity and back.chosen == NAME and back.title == NAME
    assert [v.name for v in back.versions] == [NAME, newer_name]
    assert back.footprint.equals(box(0, 0, 1, 1)) and back.cloud_cover == 1.5
    assert back.sources[0].assets["B04"] == product.sources[0].assets["B04"]
    newest = back.preferred.sources[0]
    assert newest.online is False and newest.download_url == "https://cdse/new.zip"
    assert back.start == product.start and back.versions[0].key == product.versions[0].key


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


def test_a_queue_row_written_before_versions_is_read_as_one_version():
    """The download queue's rows of the previous form (flat values, a 'sources' list) still load after an update."""
    old_row = {"identity": "S2A_MSIL2A_20190101T000001_R116_T60VUK", "title": NAME, "collection": "S2_MSI_L2A",
               "footprint": "POLYGON ((0 0, 1 0, 1 1, 0 1, 0 0))", "start": "2019-01-01T00:00:01+00:00",
               "end": None, "platform": "Sentinel-2A", "cloud_cover": 3.5, "tile": "60VUK", "orbit_direction": None,
               "relative_orbit": 116, "size": 10, "quicklook": None,
               "sources": [{"portal": "cdse", "product_id": "u-1", "name": NAME + ".SAFE",
                            "download_url": "https://dl/1", "size": 10, "checksums": {"MD5": "ab"},
                            "quicklook": None, "online": True, "version": ["0212", "20201007T214652"],
                            "assets": {}}]}
    product = Product.from_dict(json.loads(json.dumps(old_row)))
    assert product.identity == old_row["identity"] and product.title == NAME and len(product.versions) == 1
    assert (product.cloud_cover, product.size, product.tile) == (3.5, 10, "60VUK")
    assert product.footprint.equals(box(0, 0, 1, 1))
    assert [(s.portal, s.download_url, s.checksums) for s in product.sources] == \
        [("cdse", "https://dl/1", {"MD5": "ab"})]
