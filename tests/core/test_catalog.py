"""The portal catalog and the user's override file (how users add mirrors and tests point at loopback)."""
import json
from pathlib import Path

import pytest

from plugin.core.catalog import CATALOG_ENV, load_catalog, write_user_entry
from plugin.core.errors import CatalogError


def write(tmp_path, data, name="catalog.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
    return path


def test_builtin_catalog_has_the_portals_of_the_issue():
    catalog = load_catalog(env={})
    for portal_id in ("earth_search", "planetary_computer", "cdse_stac", "geodes", "theia", "hydroweb_next",
                      "cdse", "creodias", "dhus", "sara"):
        assert portal_id in catalog.portals
    assert catalog.problems == []
    assert {"S2_MSI_L1C", "S2_MSI_L2A", "S1_SAR_GRD", "S1_SAR_SLC", "LANDSAT_C2_L2"} <= set(catalog.collections)
    assert catalog.portal("cdse").max_downloads == 4
    assert catalog.portal("geodes").max_page_size == 80
    assert not catalog.portal("dhus").usable  # a template until the user gives its URL


def test_moving_a_portal_keeps_everything_else(tmp_path):
    path = write(tmp_path, {"earth_search": {"url": "http://127.0.0.1:8000/v1"}})
    catalog = load_catalog(path, env={})
    portal = catalog.portal("earth_search")
    assert portal.url == "http://127.0.0.1:8000/v1"
    assert portal.protocol == "stac" and portal.supports("S2_MSI_L2A")
    assert portal.options == load_catalog(env={}).portal("earth_search").options


def test_adding_a_stac_portal_uses_the_protocol_common_collection_names(tmp_path):
    path = write(tmp_path, {"my_stac": {"protocol": "stac", "url": "https://example.org/stac/", "title": "My catalogue"}})
    portal = load_catalog(path, env={}).portal("my_stac")
    assert (portal.title, portal.url) == ("My catalogue", "https://example.org/stac")
    assert portal.collection_for("S2_MSI_L1C") == "sentinel-2-l1c"
    assert portal.collection_for("LANDSAT_C2_L2") == "landsat-c2-l2"
    assert portal.usable


def test_environment_variable_names_the_user_file(tmp_path):
    path = write(tmp_path, {"portals": {"dhus": {"url": "https://colhub.example/dhus"}}})
    catalog = load_catalog(env={CATALOG_ENV: str(path)})
    assert catalog.portal("dhus").url == "https://colhub.example/dhus"
    assert catalog.portal("dhus").usable is False  # still disabled until the user enables it
    assert catalog.user_path == str(path)


@pytest.mark.parametrize("content,message", [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "must hold a JSON object"),
    ({"earth_search": "http://x"}, "must be objects"),
])
def test_a_broken_user_file_is_reported_and_the_builtin_portals_still_work(tmp_path, content, message):
    path = write(tmp_path, content)
    catalog = load_catalog(path, env={})
    assert any(message in problem for problem in catalog.problems)
    assert catalog.portal("earth_search").url.startswith("https://earth-search")


def test_a_bad_entry_is_reported_without_dropping_the_others(tmp_path):
    path = write(tmp_path, {"odd": {"protocol": "ftp", "url": "ftp://x"}, "ok": {"protocol": "dhus", "url": "https://m.example"}})
    catalog = load_catalog(path, env={})
    assert "odd" not in catalog.portals and "ok" in catalog.portals
    assert any("Portal 'odd'" in p and "protocol" in p for p in catalog.problems)


def test_missing_user_file_is_a_problem_not_a_crash(tmp_path):
    catalog = load_catalog(tmp_path / "absent.json", env={})
    assert catalog.problems and "Cannot read" in catalog.problems[0]


def test_unknown_portal_lists_the_known_ones():
    with pytest.raises(CatalogError, match="Known portals: .*earth_search"):
        load_catalog(env={}).portal("scihub")


def test_write_user_entry_round_trips(tmp_path):
    path = tmp_path / "sub" / "user.json"
    write_user_entry(path, "mirror", {"protocol": "dhus", "url": "https://mirror.example", "title": "Mirror"})
    write_user_entry(path, "earth_search", {"enabled": False})
    catalog = load_catalog(path, env={})
    assert catalog.portal("mirror").title == "Mirror"
    assert catalog.portal("earth_search").enabled is False


# ---- collection traits: decided once, on the catalog's collection entries --------------------------------
def test_collection_traits_live_on_the_catalog_entries():
    from plugin.core.catalog import FILTERS, collection_traits

    catalog = load_catalog(env={})
    builtin = json.loads((Path(__file__).resolve().parents[2] / "plugin" / "core" / "catalog.json").read_text())
    for cid, entry in builtin["collections"].items():
        collection = catalog.collections[cid]
        assert collection == collection_traits(cid)
        assert (collection.optical, collection.filters, collection.platforms) == (
            entry["optical"], tuple(entry["filters"]), tuple(entry["platforms"]))
        assert set(collection.filters) <= set(FILTERS)
    assert "tile" in catalog.collections["S2_MSI_L2A"].filters and "tile" not in catalog.collections["S1_SAR_GRD"].filters
    assert not collection_traits("NOT_A_COLLECTION").optical and collection_traits("NOT_A_COLLECTION").filters == ()


def test_the_searchs_safety_net_follows_the_traits():
    """A portal that ignored a filter: the cloud limit only excludes optical products, the tile only S2's."""
    from plugin.core.product import make_product
    from plugin.core.query import SearchQuery
    from plugin.core.search import matches_query

    area = "POLYGON((3 47,4 47,4 48,3 48,3 47))"

    def product(collection: str, **values):
        return make_product(portal="x", product_id="1", name=None, collection=collection, **values)

    s2 = SearchQuery.create(area, "2024-06-01", "2024-06-30", "S2_MSI_L2A", max_cloud=20, tile="31TCJ")
    s1 = SearchQuery.create(area, "2024-06-01", "2024-06-30", "S1_SAR_GRD", max_cloud=20)
    assert not matches_query(product("S2_MSI_L2A", cloud_cover=50.0), s2)
    assert not matches_query(product("S2_MSI_L2A", cloud_cover=5.0, tile="31TDJ"), s2)
    assert matches_query(product("S2_MSI_L2A", cloud_cover=5.0, tile="31TCJ"), s2)
    assert matches_query(product("S1_SAR_GRD", cloud_cover=50.0), s1)  # radar: a stated cloud cover is no reason
