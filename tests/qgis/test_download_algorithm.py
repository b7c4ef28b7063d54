"""`eoportals:download` end to end: through processing.run on the output of `eoportals:search`, and through
qgis_process.bin as a user runs it from a shell. Every portal is a loopback server.

Where the recordings cannot be downloaded as they are, the test says what it derived from them:
- CDSE: the recorded OData answer (cdse_odata/search_s2_l1c_expand.json) describes products of 224 MB whose
  MD5 we cannot produce. Its records are kept whole except name, size and checksum, which become those of the
  real Sentinel-2 product of the fixtures (served on loopback); the second record is renamed to another tile
  and is never served.
- Planetary Computer: the recorded search page (planetary_computer/cassette_s2_l2a_datetime.yaml) is parsed by
  the STAC adapter with its blob host rewritten to loopback, turned into a footprints layer by
  plugin/footprints.py and written to GeoJSON; the blobs served are small GeoTIFFs made by the test.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import threading
from pathlib import Path
from typing import List

import pytest
from qgis.core import (
    QgsApplication,
    QgsProcessingException,
    QgsProcessingFeatureSourceDefinition,
    QgsProject,
    QgsVectorFileWriter,
    QgsVectorLayer,
)

from plugin.core.catalog import load_catalog
from plugin.core.portals import stac
from plugin.core.query import SearchQuery
from plugin.footprints import footprints_layer, products_to_features
from plugin.processing.download_algorithm import product_from_feature
from tests.qgis.test_downloads import (  # noqa: F401 (fixture)
    CDSE_PASSWORD, S2, S2_ZIP, TOKEN_PATH, md5_of, only_portals, plugin_env,
)
from tests.qgis.test_layers import make_geotiff
from tests.qgis.test_processing_search import RecordingFeedback
from tests.qgis.test_qgis_process import qgis_process_env
from tests.support.download_servers import BytesContent, DownloadServer, FileContent, OidcProvider, PatternContent, SasIssuer
from tests.support.fixtures import cassette, fixture_json, fixture_path

QGIS_PROCESS = shutil.which("qgis_process.bin")
OTHER = S2.replace("T31TDH", "T31TDJ")  # the second, never served, record


@pytest.fixture(scope="module")
def eoportals_provider(qgis_app):
    """Processing initialised, with the EO Portals provider registered (as the plugin's initProcessing does)."""
    from processing.core.Processing import Processing

    from plugin.processing.provider import EOPortalsProvider

    Processing.initialize()
    registry = QgsApplication.processingRegistry()
    assert registry.providerById("eoportals") is None, "another test left the EO Portals provider registered"
    provider = EOPortalsProvider()
    assert registry.addProvider(provider)
    yield provider
    registry.removeProvider(provider)


def derived_cdse_answer(size: int, md5: str) -> bytes:
    """The recorded CDSE OData answer with the fixture product's name, size and MD5 in its first record."""
    answer = fixture_json("cdse_odata/search_s2_l1c_expand.json")
    answer.pop("@odata.nextLink", None)
    first, second = answer["value"][:2]
    first.update(Name=S2 + ".SAFE", ContentLength=size,
                 Checksum=[{"Value": md5, "Algorithm": "MD5", "ChecksumDate": "2018-01-01T13:00:00Z"}])
    second.update(Name=OTHER + ".SAFE")
    answer["value"] = [first, second]
    return json.dumps(answer).encode()


def run_search(catalog: Path) -> QgsVectorLayer:
    import processing

    result = processing.run("eoportals:search", {
        "AOI": "POLYGON((142.5 13.6,142.8 13.6,142.8 13.9,142.5 13.9,142.5 13.6))", "START": "2020-08-01",
        "END": "2020-08-15", "COLLECTION": "S2_MSI_L1C", "PORTALS": "cdse", "OUTPUT": "TEMPORARY_OUTPUT"})
    return result["OUTPUT"]


def test_search_output_selected_feature_is_downloaded_and_verified(eoportals_provider, plugin_env, tmp_path):
    import processing

    zip_path = fixture_path(S2_ZIP)
    size, md5 = zip_path.stat().st_size, md5_of(zip_path)
    idp = OidcProvider("alice", CDSE_PASSWORD)
    with DownloadServer() as catalogue, DownloadServer() as zipper:
        catalogue.add("/cdse/odata/v1/Products", lambda hit: (200, {"Content-Type": "application/json"},
                                                              derived_cdse_answer(size, md5)))
        catalogue.add_token_endpoint(TOKEN_PATH, idp)
        record_id = fixture_json("cdse_odata/search_s2_l1c_expand.json")["value"][0]["Id"]
        path = f"/odata/v1/Products({record_id})/$value"
        zipper.add_file(path, FileContent(zip_path), require=idp.check, ranges=False)
        plugin_env.catalog({"cdse": {"url": catalogue.url + "/cdse/odata/v1", "download_url": zipper.url + "/odata/v1",
                                     "token_url": catalogue.url + TOKEN_PATH}})
        plugin_env.account("cdse", "alice", CDSE_PASSWORD)
        layer = run_search(plugin_env.catalog_file)
        assert layer.featureCount() == 2
        QgsProject.instance().addMapLayer(layer)
        wanted = next(f.id() for f in layer.getFeatures() if f["title"] == S2)
        layer.selectByIds([wanted])
        feedback = RecordingFeedback()
        folder = tmp_path / "EO"
        folder.mkdir()
        result = processing.run("eoportals:download", {
            "INPUT": QgsProcessingFeatureSourceDefinition(layer.id(), True), "FOLDER": str(folder),
            "FILES": "TEMPORARY_OUTPUT"}, feedback=feedback)
        QgsProject.instance().removeMapLayer(layer.id())
    archive = folder / f"{S2}.zip"
    assert result["OUTPUT"] == str(archive)
    assert (result["DOWNLOADED"], result["FAILED"]) == (1, 0)
    assert md5_of(archive) == md5
    assert [hit.path for hit in zipper.hits()] == [path]  # the other record (not selected) was never asked for
    table = result["FILES"]
    rows = [(f["identity"], f["title"], f["status"], f["file"], f["portal"]) for f in table.getFeatures()]
    assert rows == [(layer_identity(S2), S2, "done", str(archive), "cdse")]
    assert any(f"{S2}: done from cdse ({S2}.zip: MD5 verified)" == line for line in feedback.infos), feedback.infos
    assert feedback.progress_values[-1] == 100.0
    assert idp.logins == 1


def layer_identity(name: str) -> str:
    from plugin.core.naming import parse_name

    return parse_name(name).identity


def test_cancel_from_the_feedback_stops_and_cleans_up(eoportals_provider, plugin_env, tmp_path):
    import processing

    content = PatternContent(4_000_000, seed=5)
    with DownloadServer() as server:
        path = "/files/slow.zip"
        server.add_file(path, content, rate=400_000)
        plugin_env.catalog({"earth_search": {}})
        layer = footprints_layer("footprints")
        from plugin.core.product import make_product

        # a product archive on a portal that needs no account (a made-up source: only the cancel matters here)
        product = make_product(portal="earth_search", product_id="slow", name=S2, collection="S2_MSI_L1C",
                               download_url=server.url + path, size=content.size, checksums={"MD5": content.md5()})
        layer.dataProvider().addFeatures(products_to_features([product], layer.fields()))
        feedback = RecordingFeedback()
        timer = threading.Timer(1.0, feedback.cancel)
        timer.start()
        result = processing.run("eoportals:download", {"INPUT": layer, "FOLDER": str(tmp_path)}, feedback=feedback)
        timer.join()
    assert (result["DOWNLOADED"], result["FAILED"]) == (0, 1) and result["OUTPUT"] == ""
    assert 0 < server.bytes_sent(path) < content.size
    assert not list(tmp_path.glob("*.part")) and not list(tmp_path.glob("*.zip"))
    assert "Cancelling the downloads (partial files are deleted)." in feedback.infos


def test_the_shown_version_is_downloaded_unless_versions_names_another(eoportals_provider, plugin_env, tmp_path):
    """One acquisition under two baselines on two portals (made-up archives, as above), each serving bytes that
    carry its product's name: without VERSIONS the newest is fetched from its own portal; VERSIONS names the
    older one, fetched from the portal holding it and saved under its name."""
    import processing

    from plugin.core.product import make_product, merge_products

    newer = S2.replace("N0206", "N0500").replace("20180101T124911", "20230601T101010")
    with DownloadServer() as server:
        server.add_file("/old.zip", BytesContent(S2.encode() * 100))
        server.add_file("/new.zip", BytesContent(newer.encode() * 100))
        plugin_env.catalog({"earth_search": {}, "planetary_computer": {}})
        product, = merge_products([
            make_product(portal="earth_search", product_id="old", name=S2, collection="S2_MSI_L1C",
                         download_url=server.url + "/old.zip"),
            make_product(portal="planetary_computer", product_id="new", name=newer, collection="S2_MSI_L1C",
                         download_url=server.url + "/new.zip")])
        layer = footprints_layer("footprints")
        layer.dataProvider().addFeatures(products_to_features([product], layer.fields()))
        feature = next(layer.getFeatures())
        assert feature["title"] == newer and [v["name"] for v in json.loads(feature["versions"])] == [S2, newer]
        read = product_from_feature(feature)
        assert [v.name for v in read.versions] == [S2, newer] and read.title == newer
        results = {}
        for name, parameters in (("shown", {}), ("named", {"VERSIONS": S2})):
            folder = tmp_path / name
            folder.mkdir()
            results[name] = processing.run("eoportals:download", {"INPUT": layer, "FOLDER": str(folder),
                                                                  **parameters})
        with pytest.raises(QgsProcessingException, match="No product of the layer has a version named"):
            processing.run("eoportals:download", {"INPUT": layer, "FOLDER": str(tmp_path), "VERSIONS": "S2B_nothing"})
        assert [hit.path for hit in server.hits()] == ["/new.zip", "/old.zip"]
    for name, expected in (("shown", newer), ("named", S2)):
        written = tmp_path / name / f"{expected}.zip"
        assert results[name]["OUTPUT"] == str(written)
        assert written.read_bytes()[:len(expected)] == expected.encode()


def test_a_layer_without_sources_is_refused_with_a_reason(eoportals_provider, plugin_env, tmp_path):
    import processing

    layer = QgsVectorLayer("Polygon?crs=EPSG:4326&field=name:string", "not footprints", "memory")
    from qgis.core import QgsFeature

    feature = QgsFeature(layer.fields())
    feature.setAttributes(["x"])
    layer.dataProvider().addFeatures([feature])
    with pytest.raises(QgsProcessingException, match="The layer holds no product to download."):
        processing.run("eoportals:download", {"INPUT": layer, "FOLDER": str(tmp_path)})


# ---- qgis_process --------------------------------------------------------------------------------------
PC_BLOB = "https://sentinel2l2a01.blob.core.windows.net"


def pc_footprints(path: Path, blob_base: str, count: int = 2) -> List:
    """A GeoJSON footprints file of the first recorded PC items, blob hrefs on loopback (see the module doc)."""
    catalog = load_catalog(env={})
    portal = catalog.portal("planetary_computer")
    body = cassette("planetary_computer/cassette_s2_l2a_datetime.yaml")[0]["body"]
    page = json.loads(body.replace(PC_BLOB.encode(), blob_base.encode()))
    query = SearchQuery.create("POLYGON((0 0,1 0,1 1,0 1,0 0))", "2019-01-01", "2019-01-02", "S2_MSI_L2A")
    products = [stac.product_from_item(portal, query, feature) for feature in page["features"][:count]]
    layer = footprints_layer("pc")
    layer.dataProvider().addFeatures(products_to_features(products, layer.fields()))
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GeoJSON"
    written = QgsVectorFileWriter.writeAsVectorFormatV3(layer, str(path), QgsProject.instance().transformContext(),
                                                        options)
    assert written[0] == QgsVectorFileWriter.NoError, written
    return products


@pytest.mark.skipif(QGIS_PROCESS is None, reason="qgis_process.bin is not installed (Debian package qgis)")
def test_qgis_process_downloads_chosen_assets_of_a_footprints_file_with_one_sas_token(tmp_path, qgis_app):
    tif = tmp_path / "band.tif"
    make_geotiff(tif)
    data = tif.read_bytes()
    issuer = SasIssuer()
    with DownloadServer() as api, DownloadServer() as blob:
        api.add_sas("/api/sas/v1/token", issuer)
        products = pc_footprints(tmp_path / "pc.geojson", blob.url)
        # read back as the algorithm will: the assets travel in the sources field
        read_back = [product_from_feature(f) for f in QgsVectorLayer(str(tmp_path / "pc.geojson")).getFeatures()]
        assert [p.identity for p in read_back] == [p.identity for p in products]
        hrefs = [p.sources[0].assets[key].href for p in products for key in ("B04", "SCL")]
        assert all(href.startswith(blob.url + "/sentinel2-l2/") for href in hrefs)
        for href in hrefs:
            blob.add_file(href[len(blob.url):].split("?")[0], BytesContent(data), require=issuer.check,
                          content_type="image/tiff")
        catalog = tmp_path / "catalog.json"
        catalog.write_text(json.dumps(only_portals({"planetary_computer": {
            "sas_url": api.url + "/api/sas/v1/token", "sign_hosts": r"^127\.0\.0\.1$"}})), encoding="utf-8")
        env = qgis_process_env(tmp_path, catalog)
        enabled = subprocess.run([QGIS_PROCESS, "plugins", "enable", "eo_portals"], env=env, capture_output=True,
                                 text=True, timeout=180)
        assert enabled.returncode == 0, enabled.stdout + enabled.stderr
        folder = tmp_path / "EO"
        done = subprocess.run([QGIS_PROCESS, "--json", "run", "eoportals:download", "--",
                               f"INPUT={tmp_path / 'pc.geojson'}", f"FOLDER={folder}", "ASSETS=B04,SCL",
                               f"FILES={tmp_path / 'files.csv'}"],
                              env=env, capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results = json.loads(done.stdout[done.stdout.index("{"):])["results"]
    files = results["OUTPUT"].split(";")
    expected = [str(folder / p.title / Path(p.sources[0].assets[key].href.split("?")[0]).name)
                for p in products for key in ("B04", "SCL")]
    assert files == expected
    assert all(Path(f).read_bytes() == data for f in files)
    assert (results["DOWNLOADED"], results["FAILED"]) == (2, 0)
    assert issuer.requests == {"sentinel-2-l2a": 1}  # one token for every file of the collection
    assert all(issuer.check(hit.headers, hit.query) for hit in blob.hits())
    table = (tmp_path / "files.csv").read_text(encoding="utf-8").splitlines()
    assert table[0].split(",")[:4] == ["identity", "title", "status", "file"] and len(table) == 5
