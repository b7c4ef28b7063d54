"""`eoportals:search` run end to end through Processing, against portals replaying their real recorded answers.

Expected numbers come from the recordings themselves (records per portal, identities by the mission naming
convention of PORTALS.md section 9), never from numbers typed here.
"""
from __future__ import annotations

import json
import time
from typing import Dict, Iterable, List, Optional

import pytest
from qgis.core import (QgsApplication, QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsPointXY,
                       QgsProcessingException, QgsProcessingFeedback, QgsProject, QgsVectorLayer, QgsWkbTypes)
from qgis.PyQt.QtCore import QDateTime, Qt, QVariant
from shapely.geometry import shape

from plugin.core.catalog import load_catalog
from plugin.footprints import FIELD_NAMES, feature_sources
from tests.support.portals import recorded_identities, recorded_portals, recorded_products

AOI = "POLYGON((3.0 47.4,3.1 47.4,3.1 47.5,3.0 47.5,3.0 47.4))"
FOUR = ["earth_search", "cdse", "planetary_computer", "geodes"]


# ---- what the recordings hold ---------------------------------------------------------------------------
def only_these_portals(portals: Iterable[str]) -> Dict[str, dict]:
    """Catalog entries disabling every other built-in portal, so that nothing can leave the machine."""
    keep = set(portals)
    return {pid: {"enabled": False} for pid in load_catalog(env={}).portals if pid not in keep}


# ---- Processing set-up ----------------------------------------------------------------------------------
class RecordingFeedback(QgsProcessingFeedback):
    """Feedback that keeps what the algorithm reported, as the Processing dialog's log would show it."""

    def __init__(self) -> None:
        super().__init__()
        self.infos: List[str] = []
        self.errors: List[str] = []
        self.progress_values: List[float] = []
        self.progressChanged.connect(self.progress_values.append)

    def pushInfo(self, info: str) -> None:  # noqa: N802
        self.infos.append(info)
        super().pushInfo(info)

    def reportError(self, error: str, fatalError: bool = False) -> None:  # noqa: N802,N803
        self.errors.append(error)
        super().reportError(error, fatalError)


@pytest.fixture(scope="module")
def eoportals_provider(qgis_app):
    """Processing initialised, with the EO Portals provider registered (as the plugin's initProcessing does)."""
    from processing.core.Processing import Processing

    from plugin.processing.provider import EOPortalsProvider

    Processing.initialize()
    registry = QgsApplication.processingRegistry()
    assert registry.providerById("eoportals") is None, "another test left the EO Portals provider registered"
    provider = EOPortalsProvider()  # the Python reference keeps the provider alive while registered
    assert registry.addProvider(provider)
    yield provider
    registry.removeProvider(provider)


def run_search(parameters: dict, feedback: Optional[QgsProcessingFeedback] = None) -> dict:
    """processing.run of eoportals:search."""
    import processing

    return processing.run("eoportals:search", parameters, feedback=feedback)


@pytest.fixture
def catalog_env(monkeypatch):
    """Point EO_PORTALS_CATALOG at a catalog file for the duration of a test."""
    def point(path) -> None:
        monkeypatch.setenv("EO_PORTALS_CATALOG", str(path))
    return point


# ---- tests ----------------------------------------------------------------------------------------------
def test_provider_offers_the_search_algorithm(eoportals_provider):
    algorithm = QgsApplication.processingRegistry().algorithmById("eoportals:search")
    assert algorithm is not None
    assert eoportals_provider.name() == "EO Portals"
    names = {p.name() for p in algorithm.parameterDefinitions()}
    assert {"AOI", "START", "END", "COLLECTION", "PORTALS", "MAX_CLOUD", "ORBIT_DIRECTION", "RELATIVE_ORBIT",
            "TILE", "PLATFORM", "LIMIT", "TIMEOUT", "OUTPUT"} <= names
    # Not FlagNoThreading: the toolbox must run the search off the main thread.
    assert not algorithm.flags() & algorithm.FlagNoThreading


def test_search_four_portals_writes_one_footprint_per_merged_product(eoportals_provider, catalog_env, tmp_path):
    with recorded_portals(tmp_path, FOUR, extra_catalog=only_these_portals(FOUR)) as portals:
        catalog_env(portals.catalog_path)
        catalog = load_catalog(portals.catalog_path, env={})
        feedback = RecordingFeedback()
        results = run_search({
            "AOI": AOI, "START": "2023-01-01", "END": "2023-02-14", "COLLECTION": "S2_MSI_L2A",
            "LIMIT": 100, "TIMEOUT": 20, "OUTPUT": "TEMPORARY_OUTPUT",
        }, feedback)  # no PORTALS: every usable portal of the collection, i.e. the four recorded ones
        for portal in FOUR:
            assert portals.searches(portal), f"{portal} was not asked"

    layer = results["OUTPUT"]
    assert isinstance(layer, QgsVectorLayer) and layer.isValid()
    assert layer.crs().authid() == "EPSG:4326"
    assert QgsWkbTypes.geometryType(layer.wkbType()) == QgsWkbTypes.PolygonGeometry
    fields = layer.fields()
    for name in ("identity", "title", "collection", "platform", "start", "end", "cloud_cover", "size_bytes",
                 "portals", "quicklook", "sources", "tile", "orbit_direction", "relative_orbit"):
        assert fields.indexOf(name) >= 0, f"field {name} is missing"
    assert list(fields.names()) == list(FIELD_NAMES)
    assert fields.field("start").typeName().lower().startswith("datetime")
    assert fields.field("size_bytes").type() == QVariant.LongLong

    # the replay serves each portal's recording whatever is asked: CDSE's and GEODES's are L1C products, left out
    # of this L2A search and counted in their lines
    expected = recorded_identities(FOUR, collection="S2_MSI_L2A")
    features = list(layer.getFeatures())
    assert len(features) == len(expected) == results["COUNT"]
    assert results["FAILED"] == 0
    by_identity = {f["identity"]: f for f in features}
    assert set(by_identity) == set(expected)
    for identity, holders in expected.items():
        feature = by_identity[identity]
        assert sorted(feature["portals"].split(",")) == sorted(holders)
        sources = json.loads(feature["sources"])
        assert sorted(sources) == sorted(holders), "sources names each portal holding the product"
        assert feature_sources(feature) == sources
        assert all(sources[p].get("id") for p in holders)
        start = feature["start"]
        assert isinstance(start, QDateTime) and start.isValid() and start.timeSpec() == Qt.TimeSpec.UTC
        assert feature["collection"] in catalog.collections

    all_records = [r for p in FOUR for r in recorded_products(p, "S2_MSI_L2A")]
    with_footprint = {r.identity for r in all_records if r.has_geometry}
    assert {f["identity"] for f in features if f.hasGeometry()} == with_footprint

    for portal in FOUR:  # one line per portal, with its own count and what it left out, in the algorithm's log
        count = len(recorded_products(portal, "S2_MSI_L2A"))
        others = len(recorded_products(portal)) - count
        line = f"{catalog.portal(portal).title}: {count} product(s)"
        found = [info for info in feedback.infos if info.startswith(line)]
        assert found, (line, feedback.infos)
        assert found[0].endswith(f"; {others} product(s) of other collections left out") == bool(others), found
    assert not feedback.errors
    assert feedback.progress_values and max(feedback.progress_values) == 100


def test_what_cdse_says_about_size_checksum_and_versions_reaches_the_layer(eoportals_provider, catalog_env, tmp_path):
    with recorded_portals(tmp_path, ["cdse"], extra_catalog=only_these_portals(["cdse"])) as portals:
        catalog_env(portals.catalog_path)
        results = run_search({"AOI": AOI, "START": "2023-01-01", "END": "2023-02-14", "COLLECTION": "S2_MSI_L1C",
                              "PORTALS": "cdse", "OUTPUT": "TEMPORARY_OUTPUT"}, RecordingFeedback())
    by_identity = {f["identity"]: f for f in results["OUTPUT"].getFeatures()}
    assert set(by_identity) == set(recorded_identities(["cdse"], collection="S2_MSI_L1C"))
    for record in recorded_products("cdse"):
        feature = by_identity[record.identity]
        name = record.name[:-len(".SAFE")]
        assert feature["size_bytes"] == record.size and feature["title"] == name
        assert json.loads(feature["sources"])["cdse"]["checksum"]["MD5"] == record.md5
        versions = json.loads(feature["versions"])  # every version listed, the shown one flat
        assert [v["name"] for v in versions] == [name]
        assert versions[0]["sources"][0]["checksums"]["MD5"] == record.md5


def test_explicit_portals_cloud_limit_and_an_area_in_another_crs(eoportals_provider, catalog_env, tmp_path):
    """PORTALS limits the search, MAX_CLOUD applies, an AOI given as CRS=EPSG:3857;WKT reaches the portal in lon/lat."""
    mercator = ("CRS=EPSG:3857;POLYGON((333958 6011000,345090 6011000,345090 6027000,333958 6027000,"
                "333958 6011000))")
    with recorded_portals(tmp_path, FOUR, extra_catalog=only_these_portals(FOUR)) as portals:
        catalog_env(portals.catalog_path)
        results = run_search({"AOI": mercator, "START": "2023-01-01", "END": "2023-02-14",
                              "COLLECTION": "S2_MSI_L2A", "PORTALS": "earth_search, geodes", "MAX_CLOUD": 50,
                              "OUTPUT": "TEMPORARY_OUTPUT"}, RecordingFeedback())
        assert not portals.searches("cdse") and not portals.searches("planetary_computer")
        body = portals.searches("earth_search")[0].json()
    ring = body["intersects"]["coordinates"][0]
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    assert 2.99 < min(lons) < max(lons) < 3.11 and 47.3 < min(lats) < max(lats) < 47.6
    assert "eo:cloud_cover" in json.dumps(body)
    expected = recorded_identities(["earth_search", "geodes"], max_cloud=50, collection="S2_MSI_L2A")
    assert set(expected) != set(recorded_identities(["earth_search", "geodes"])), "the recordings hold cloudier ones"
    layer = results["OUTPUT"]
    assert {f["identity"] for f in layer.getFeatures()} == set(expected)
    assert all(f["cloud_cover"] is None or f["cloud_cover"] <= 50 for f in layer.getFeatures())


def test_an_area_drawn_across_the_antimeridian_in_web_mercator_is_split_not_turned_into_340_degrees(
        eoportals_provider, catalog_env, tmp_path):
    """As in the panel: from 170°E to 190°E (x past the Web Mercator world's edge) between 10°N and 20°N is two
    pieces, one each side of 180°, not the 340° between 170°W and 170°E."""
    to_mercator = QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:4326"),
                                         QgsCoordinateReferenceSystem("EPSG:3857"), QgsProject.instance())
    x170, y10 = (lambda p: (p.x(), p.y()))(to_mercator.transform(QgsPointXY(170, 10)))
    y20 = to_mercator.transform(QgsPointXY(170, 20)).y()
    x190 = x170 + 2 * (20037508.342789244 - x170)  # 10° past the edge at 180°
    aoi = f"CRS=EPSG:3857;POLYGON(({x170} {y10},{x190} {y10},{x190} {y20},{x170} {y20},{x170} {y10}))"
    with recorded_portals(tmp_path, ["earth_search"], extra_catalog=only_these_portals(["earth_search"])) as portals:
        catalog_env(portals.catalog_path)
        run_search({"AOI": aoi, "START": "2023-01-01", "END": "2023-02-14", "COLLECTION": "S2_MSI_L2A",
                    "PORTALS": "earth_search", "OUTPUT": "TEMPORARY_OUTPUT"}, RecordingFeedback())
        body = portals.searches("earth_search")[0].json()
    area = shape(body["intersects"])
    assert area.geom_type == "MultiPolygon"
    west, east = sorted(area.geoms, key=lambda part: part.bounds[0])
    # the adapter sends a covering outline with few vertices, a little larger than the area
    assert west.bounds == pytest.approx((-180, 10, -170, 20), abs=0.5)
    assert east.bounds == pytest.approx((170, 10, 180, 20), abs=0.5)


def test_failing_portals_are_reported_and_the_others_still_arrive(eoportals_provider, catalog_env, tmp_path):
    timeout = 3.0
    with recorded_portals(tmp_path, FOUR, delay={"geodes": 60}, fail={"cdse": 500}, garbage=["planetary_computer"],
                          extra_catalog=only_these_portals(FOUR)) as portals:
        catalog_env(portals.catalog_path)
        catalog = load_catalog(portals.catalog_path, env={})
        feedback = RecordingFeedback()
        started = time.monotonic()
        results = run_search({"AOI": AOI, "START": "2023-01-01", "END": "2023-02-14", "COLLECTION": "S2_MSI_L2A",
                              "PORTALS": ",".join(FOUR), "TIMEOUT": timeout, "OUTPUT": "TEMPORARY_OUTPUT"}, feedback)
        elapsed = time.monotonic() - started

    assert elapsed < timeout + 4, f"the hanging portal held the algorithm {elapsed:.1f} s (TIMEOUT {timeout} s)"
    layer = results["OUTPUT"]
    assert {f["identity"] for f in layer.getFeatures()} == set(
        recorded_identities(["earth_search"], collection="S2_MSI_L2A"))
    assert results["FAILED"] == 3

    def error_for(portal: str) -> str:
        title = catalog.portal(portal).title
        found = [e for e in feedback.errors if e.startswith(title)]
        assert len(found) == 1, (portal, feedback.errors)
        return found[0]

    assert "timed out" in error_for("geodes")
    assert "500" in error_for("cdse")
    assert "not JSON" in error_for("planetary_computer")
    assert not any(e.startswith(catalog.portal("earth_search").title) for e in feedback.errors)


def test_every_portal_failing_is_an_error(eoportals_provider, catalog_env, tmp_path):
    with recorded_portals(tmp_path, ["cdse"], fail={"cdse": 500},
                          extra_catalog=only_these_portals(["cdse"])) as portals:
        catalog_env(portals.catalog_path)
        with pytest.raises(QgsProcessingException, match="Every portal failed"):
            run_search({"AOI": AOI, "START": "2023-01-01", "END": "2023-02-14", "COLLECTION": "S2_MSI_L2A",
                        "PORTALS": "cdse", "OUTPUT": "TEMPORARY_OUTPUT"}, RecordingFeedback())


@pytest.mark.parametrize("parameters, message", [
    ({"START": "2023-03-01", "END": "2023-02-14"}, "before the start date"),
    ({"PORTALS": "no_such_portal"}, "Unknown portal 'no_such_portal'"),
    ({"TILE": "XYZ"}, "is not an MGRS tile"),
])
def test_a_wrong_query_says_why_and_asks_no_portal(eoportals_provider, catalog_env, tmp_path, parameters, message):
    with recorded_portals(tmp_path, FOUR, extra_catalog=only_these_portals(FOUR)) as portals:
        catalog_env(portals.catalog_path)
        feedback = RecordingFeedback()
        base = {"AOI": AOI, "START": "2023-01-01", "END": "2023-02-14", "COLLECTION": "S2_MSI_L2A",
                "OUTPUT": "TEMPORARY_OUTPUT"}
        with pytest.raises(QgsProcessingException):
            run_search({**base, **parameters}, feedback)
        assert not portals.server.received()
    assert any(message in error for error in feedback.errors), feedback.errors


def test_a_product_without_footprint_is_kept_with_a_null_geometry(eoportals_provider, catalog_env, tmp_path):
    """Derived from the real GEODES recording with its item's geometry removed (the recordings all have one)."""
    from tests.support.fixtures import fixture_bytes

    page = json.loads(fixture_bytes("geodes/search_peps_s2_l1c.json"))
    for feature in page["features"]:
        feature["geometry"] = None
        feature.pop("bbox", None)
    page["links"] = [link for link in page["links"] if link.get("rel") != "next"]  # its next page is not recorded
    page["context"]["matched"] = page["context"]["returned"]
    with recorded_portals(tmp_path, ["geodes"], extra_catalog=only_these_portals(["geodes"])) as portals:
        portals.server.add("POST", "/geodes/api/stac/search", json.dumps(page).encode(),
                           content_type="application/geo+json")
        catalog_env(portals.catalog_path)
        feedback = RecordingFeedback()
        results = run_search({"AOI": AOI, "START": "2023-01-01", "END": "2023-02-14", "COLLECTION": "S2_MSI_L1C",
                              "PORTALS": "geodes", "OUTPUT": "TEMPORARY_OUTPUT"}, feedback)
    features = list(results["OUTPUT"].getFeatures())
    assert {f["identity"] for f in features} == set(recorded_identities(["geodes"]))
    assert all(not f.hasGeometry() for f in features)
    assert any("no footprint" in info for info in feedback.infos), feedback.infos


def test_cancel_stops_waiting_for_a_hanging_portal_and_keeps_what_arrived(eoportals_provider, catalog_env, tmp_path):
    import threading

    timeout = 30.0
    with recorded_portals(tmp_path, ["earth_search", "geodes"], delay={"geodes": 60},
                          extra_catalog=only_these_portals(["earth_search", "geodes"])) as portals:
        catalog_env(portals.catalog_path)
        feedback = RecordingFeedback()
        timer = threading.Timer(1.5, feedback.cancel)  # the user presses Cancel while GEODES hangs
        timer.start()
        started = time.monotonic()
        try:
            results = run_search({"AOI": AOI, "START": "2023-01-01", "END": "2023-02-14",
                                  "COLLECTION": "S2_MSI_L2A", "PORTALS": "earth_search,geodes",
                                  "TIMEOUT": timeout, "OUTPUT": "TEMPORARY_OUTPUT"}, feedback)
        finally:
            timer.cancel()
        elapsed = time.monotonic() - started
    assert elapsed < 6, f"cancelling took {elapsed:.1f} s"
    assert {f["identity"] for f in results["OUTPUT"].getFeatures()} == set(
        recorded_identities(["earth_search"], collection="S2_MSI_L2A"))
    assert any("cancelled" in info.lower() for info in feedback.infos), feedback.infos
