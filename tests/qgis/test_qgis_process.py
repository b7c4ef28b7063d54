"""`qgis_process run eoportals:search` as a user runs it from a shell: the plugin installed in a fresh profile.

The plugin folder is a symlink named `eo_portals` (the installed name) in a temporary plugin path, the QGIS
profile is a throwaway folder, there is no display, and the portals are loopback servers replaying their
real recorded answers (EO_PORTALS_CATALOG points at them; every other built-in portal is disabled).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from qgis.core import QgsVectorLayer, QgsWkbTypes

from plugin.core.catalog import load_catalog
from plugin.footprints import feature_sources
from tests.qgis.test_processing_search import AOI, FOUR, only_these_portals, recorded_identities, recorded_products
from tests.support.portals import recorded_portals

ROOT = Path(__file__).resolve().parents[2]
QGIS_PROCESS = shutil.which("qgis_process.bin")

pytestmark = pytest.mark.skipif(
    QGIS_PROCESS is None, reason="qgis_process.bin is not installed (Debian package qgis-providers / qgis)")


def qgis_process_env(tmp_path: Path, catalog_path: Path) -> dict:
    """Environment of a headless qgis_process with the checkout installed as plugin `eo_portals`."""
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "eo_portals").symlink_to(ROOT, target_is_directory=True)
    env = {key: value for key, value in os.environ.items() if key not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update({
        "QGIS_PLUGINPATH": str(plugins),
        "QGIS_CUSTOM_CONFIG_PATH": str(tmp_path / "profile"),
        "EO_PORTALS_CATALOG": str(catalog_path),
        "QT_QPA_PLATFORM": "offscreen",
    })
    return env


def run(args: list, env: dict, timeout: float = 180) -> subprocess.CompletedProcess:
    """qgis_process.bin with `args`; its output is kept for the assertion messages."""
    return subprocess.run([QGIS_PROCESS, *args], env=env, capture_output=True, text=True, timeout=timeout)


def test_qgis_process_search_writes_geojson(tmp_path):
    output = tmp_path / "results.geojson"
    with recorded_portals(tmp_path, FOUR, extra_catalog=only_these_portals(FOUR)) as portals:
        env = qgis_process_env(tmp_path, portals.catalog_path)
        enabled = run(["plugins", "enable", "eo_portals"], env)
        assert enabled.returncode == 0, enabled.stdout + enabled.stderr
        done = run(["run", "eoportals:search", "--",
                    f"AOI={AOI}", "START=2023-01-01", "END=2023-02-14", "COLLECTION=S2_MSI_L2A",
                    "PORTALS=" + ",".join(FOUR), "LIMIT=100", "TIMEOUT=20", f"OUTPUT={output}"], env)
        assert done.returncode == 0, done.stdout + done.stderr
        for portal in FOUR:
            assert portals.searches(portal), f"{portal} was not asked"

    catalog = load_catalog(portals.catalog_path, env={})
    for portal in FOUR:  # each portal's outcome is in what the user reads on the terminal
        line = f"{catalog.portal(portal).title}: {len(recorded_products(portal, 'S2_MSI_L2A'))} product(s)"
        assert line in done.stdout, (line, done.stdout)
    # the replay serves CDSE's L1C recording to this L2A search: left out, and said so
    assert "CDSE: 0 product(s)" in done.stdout and "; 2 product(s) of other collections left out" in done.stdout

    layer = QgsVectorLayer(str(output), "results", "ogr")
    assert layer.isValid()
    assert layer.crs().authid() == "EPSG:4326"
    assert QgsWkbTypes.geometryType(layer.wkbType()) == QgsWkbTypes.PolygonGeometry

    expected = recorded_identities(FOUR, collection="S2_MSI_L2A")
    features = json.loads(output.read_text(encoding="utf-8"))["features"]
    assert len(features) == len(expected) == layer.featureCount()
    by_identity = {f["properties"]["identity"]: f for f in features}
    assert set(by_identity) == set(expected)
    with_footprint = {r.identity for p in FOUR for r in recorded_products(p, "S2_MSI_L2A") if r.has_geometry}
    for identity, holders in expected.items():
        feature = by_identity[identity]
        properties = feature["properties"]
        for name in ("title", "collection", "platform", "start", "end", "cloud_cover", "size_bytes", "portals",
                     "quicklook", "sources", "tile", "orbit_direction", "relative_orbit"):
            assert name in properties, f"field {name} is missing"
        assert sorted(properties["portals"].split(",")) == sorted(holders)
        sources = properties["sources"]
        sources = json.loads(sources) if isinstance(sources, str) else sources  # GDAL may write JSON text as an object
        assert sorted(sources) == sorted(holders)
        assert datetime.fromisoformat(properties["start"].replace("Z", "+00:00")).year >= 2015
        if identity in with_footprint:
            assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
        else:
            assert feature["geometry"] is None
    # Read back through QGIS, as the download algorithm or a user's model would: every feature names its sources.
    for feature in layer.getFeatures():
        assert sorted(feature_sources(feature)) == sorted(expected[feature["identity"]])


def test_qgis_process_openeo_job_takes_the_result_format(tmp_path):
    """FORMAT from a shell, against openeo-driver's live back-end (it writes GTiff only): a format it cannot write
    stops the dry run by name; GTiff goes into the graph's save_result; without FORMAT (models made before it
    existed) each kind keeps its default."""
    from tests.qgis.test_downloads import only_portals
    from tests.support.openeo_driver import OpenEODriver

    with OpenEODriver() as driver:
        catalog_path = tmp_path / "catalog.json"
        catalog_path.write_text(json.dumps(only_portals({"local_openeo": {
            "protocol": "openeo", "url": driver.url, "title": "Local openEO", "auth": "basic",
            "collections": {"S2_MSI_L2A": "SENTINEL2_L2A_SENTINELHUB"}}})), encoding="utf-8")
        env = qgis_process_env(tmp_path, catalog_path)
        enabled = run(["plugins", "enable", "eo_portals"], env)
        assert enabled.returncode == 0, enabled.stdout + enabled.stderr
        common = ["run", "eoportals:openeo_job", "--", "BACKEND=local_openeo",
                  "AOI=POLYGON((5.0 51.0, 5.1 51.0, 5.1 51.1, 5.0 51.1, 5.0 51.0))", "START=2024-06-01",
                  "END=2024-06-30", "COLLECTION=S2_MSI_L2A", "BANDS=B04,B08", "DRY_RUN=true"]

        def saved_as(graph: Path) -> list:
            nodes = json.loads(graph.read_text(encoding="utf-8"))["process_graph"].values()
            return [node["arguments"]["format"] for node in nodes if node["process_id"] == "save_result"]

        refused = run(common + ["KIND=stack", "FORMAT=netCDF", f"PROCESS_GRAPH={tmp_path / 'netcdf.json'}"], env)
        assert refused.returncode != 0
        assert "Local openEO cannot save results as netCDF (it offers GTiff)" in refused.stdout + refused.stderr
        assert saved_as(tmp_path / "netcdf.json") == ["netCDF"]  # the graph is written before the check
        chosen = run(common + ["KIND=stack", "FORMAT=GTiff", f"PROCESS_GRAPH={tmp_path / 'gtiff.json'}"], env)
        assert chosen.returncode == 0, chosen.stdout + chosen.stderr
        assert "Local openEO has every process, band and format the job needs." in chosen.stdout
        assert saved_as(tmp_path / "gtiff.json") == ["GTiff"]
        default = run(common + ["KIND=composite", "PERIOD=whole", f"PROCESS_GRAPH={tmp_path / 'default.json'}"], env)
        assert default.returncode == 0, default.stdout + default.stderr
        assert saved_as(tmp_path / "default.json") == ["GTiff"]
        unset = run(common + ["KIND=stack", "FORMAT=", f"PROCESS_GRAPH={tmp_path / 'unset.json'}"], env)
        assert saved_as(tmp_path / "unset.json") == ["netCDF"]  # empty: the kind's default, as in older models
