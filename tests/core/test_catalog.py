"""The portal catalog and the user's override file (how users add mirrors and tests point at loopback)."""
import json

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
