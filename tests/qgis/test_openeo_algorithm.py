"""`eoportals:openeo_job` run with processing.run: against openeo-driver's dummy back-end on loopback (dry run,
synchronous run, batch job cancelled from the toolbox) and, for a job that finishes, against CDSE's recorded
job answers and results document served on loopback."""
from __future__ import annotations

import json

import pytest
from qgis.core import QgsFeature, QgsGeometry, QgsProcessingFeedback, QgsProject, QgsVectorLayer

from tests.core.test_openeo_client import API, PASSWORD as RECORDED_PASSWORD, RUNNING_ID, Backend, finished_status
from tests.qgis.test_download_algorithm import eoportals_provider  # noqa: F401 (fixture)
from tests.qgis.test_downloads import plugin_env  # noqa: F401 (fixture)
from tests.support.download_servers import DownloadServer, FileContent
from tests.support.fixtures import fixture_json, fixture_path
from tests.support.openeo_driver import PASSWORD, USER, OpenEODriver
from tests.support.openeo_spec import ProcessSpecs
from tests.support.replay import ReplayServer

AOI = "POLYGON((5.0 51.0, 5.1 51.0, 5.1 51.1, 5.0 51.1, 5.0 51.0))"


@pytest.fixture(scope="module")
def driver():
    with OpenEODriver() as running:
        yield running


def use_backend(plugin_env, url, username, password, collection="SENTINEL2_L2A_SENTINELHUB"):
    plugin_env.catalog({"local_openeo": {"protocol": "openeo", "url": url, "title": "Local openEO", "auth": "basic",
                                         "collections": {"S2_MSI_L2A": collection}}})
    plugin_env.account("local_openeo", username, password)


def parcels_layer():
    layer = QgsVectorLayer("Polygon?crs=EPSG:4326&field=name:string", "parcels", "memory")
    feature = QgsFeature(layer.fields())
    feature.setGeometry(QgsGeometry.fromWkt("POLYGON((5.01 51.01, 5.02 51.01, 5.02 51.02, 5.01 51.02, 5.01 51.01))"))
    feature["name"] = "north field"
    layer.dataProvider().addFeatures([feature])
    return layer


def test_dry_run_writes_a_valid_graph_and_checks_it_on_the_back_end(eoportals_provider, plugin_env, driver,
                                                                    tmp_path):
    import processing

    use_backend(plugin_env, driver.url, USER, PASSWORD)
    layer = parcels_layer()
    QgsProject.instance().addMapLayer(layer)
    graph_file = tmp_path / "graph.json"
    parameters = {
        "BACKEND": "local_openeo", "AOI": AOI, "START": "2024-06-01", "END": "2024-08-31", "COLLECTION": "S2_MSI_L2A",
        "MAX_CLOUD": 30, "KIND": "timeseries", "INDEX": "NDVI", "PARCELS": layer.id(), "FORMAT": "CSV",
        "PROCESS_GRAPH": str(graph_file), "DRY_RUN": True, "OUTPUT": str(tmp_path / "out")}
    from qgis.core import QgsProcessingException
    with pytest.raises(QgsProcessingException, match=r"^Local openEO cannot save results as CSV \(it offers GTiff\)$"):
        processing.run("eoportals:openeo_job", parameters)  # the dummy back-end only writes GeoTIFF
    result = processing.run("eoportals:openeo_job", {**parameters, "KIND": "stack", "BANDS": "B04,B08",
                                                     "FORMAT": "GTiff", "PROCESS_GRAPH": str(tmp_path / "stack.json")})
    assert result["FILES"] == [] and result["JOB_ID"] == ""
    assert json.loads((tmp_path / "stack.json").read_text(encoding="utf-8"))["process_graph"]
    QgsProject.instance().removeMapLayer(layer.id())
    process = json.loads(graph_file.read_text(encoding="utf-8"))
    specs = ProcessSpecs(fixture_path("openeo/processes"), fixture_json("openeo/cdse_recorded/processes_array.json"))
    assert specs.check_graph(process["process_graph"]) == []
    aggregate = next(n for n in process["process_graph"].values() if n["process_id"] == "aggregate_spatial")
    assert aggregate["arguments"]["geometries"]["features"][0]["properties"]["name"] == "north field"


def test_what_the_back_end_lacks_stops_the_run_with_its_name(eoportals_provider, plugin_env, driver, tmp_path):
    import processing
    from qgis.core import QgsProcessingException

    use_backend(plugin_env, driver.url, USER, PASSWORD, collection="S2_FOOBAR")
    with pytest.raises(QgsProcessingException, match="Local openEO's collection S2_FOOBAR has no band SCL"):
        processing.run("eoportals:openeo_job", {
            "BACKEND": "local_openeo", "AOI": AOI, "START": "2024-06-01", "END": "2024-06-30",
            "KIND": "composite", "BANDS": "B04,B08", "PERIOD": "whole", "FORMAT": "GTiff", "DRY_RUN": True})


def test_sync_run_saves_the_result_file(eoportals_provider, plugin_env, driver, tmp_path):
    import processing

    use_backend(plugin_env, driver.url, USER, PASSWORD)
    result = processing.run("eoportals:openeo_job", {
        "BACKEND": "local_openeo", "AOI": AOI, "START": "2024-06-01", "END": "2024-06-30", "KIND": "stack",
        "BANDS": "B04,B08", "FORMAT": "GTiff", "SYNC": True, "OUTPUT": str(tmp_path / "out")})
    [path] = result["FILES"]
    assert path == str(tmp_path / "out" / "openEO_stack_2024-06-01_2024-06-30.tif")
    assert open(path, "rb").read().startswith(b"GTiff:save_result(")  # the dummy back-end's placeholder result


class CancelOnFirstStatus(QgsProcessingFeedback):
    def __init__(self):
        super().__init__()
        self.texts = []

    def setProgressText(self, text):  # noqa: N802
        self.texts.append(text)
        self.cancel()


def test_batch_job_is_cancelled_on_the_back_end_from_the_toolbox(eoportals_provider, plugin_env, driver, tmp_path):
    import processing
    import requests

    use_backend(plugin_env, driver.url, USER, PASSWORD)
    feedback = CancelOnFirstStatus()
    result = processing.run("eoportals:openeo_job", {
        "BACKEND": "local_openeo", "AOI": AOI, "START": "2024-06-01", "END": "2024-06-30", "KIND": "stack",
        "BANDS": "B04", "FORMAT": "GTiff", "POLL": 0.05, "OUTPUT": str(tmp_path / "out")}, feedback=feedback)
    assert result["FILES"] == [] and result["JOB_ID"]
    assert feedback.texts[0].startswith(f"Job {result['JOB_ID']}: ")
    token = requests.get(driver.url + "/openeo/1.2/credentials/basic", auth=(USER, PASSWORD)).json()["access_token"]
    listed = requests.get(driver.url + "/openeo/1.2/jobs", headers={"Authorization": "Bearer basic//" + token}).json()
    assert any(job["id"] == result["JOB_ID"] for job in listed["jobs"])


def test_finished_job_results_are_downloaded_into_the_output_folder(eoportals_provider, plugin_env, tmp_path):
    import processing

    document = fixture_json("openeo/cdse_recorded/job_results_stac.json")
    data = fixture_path("openeo/cdse_recorded/job_results_assets/openEO_0.nc")
    with ReplayServer() as server, DownloadServer() as files:
        backend = Backend(server)
        backend.states.append(finished_status())
        first = document["assets"]["openEO_0.nc"]
        path = "/" + first["href"].split("/", 3)[3].split("?")[0]
        files.add_file(path, FileContent(data), cut_after=30000, cuts=1)
        document["assets"] = {"openEO_0.nc": {**first, "href": files.url + path + "?expires=1724142870"}}
        server.add("GET", f"{API}/jobs/{RUNNING_ID}/results", json.dumps(document).encode())
        server.add("GET", f"{API}/file_formats", json.dumps({"input": {}, "output": {"GTiff": {}, "netCDF": {}}}).encode())
        use_backend(plugin_env, server.url + API, "alice", RECORDED_PASSWORD, collection="SENTINEL2_L2A")
        result = processing.run("eoportals:openeo_job", {
            "BACKEND": "local_openeo", "AOI": AOI, "START": "2024-08-01", "END": "2024-08-31", "KIND": "stack",
            "BANDS": "B02,B03,B04", "FORMAT": "netCDF", "POLL": 0.01, "OUTPUT": str(tmp_path / "out")})
    assert result["JOB_ID"] == RUNNING_ID
    saved = tmp_path / "out" / f"openEO_{RUNNING_ID}" / "openEO_0.nc"
    assert result["FILES"] == [str(saved)]
    assert saved.read_bytes() == data.read_bytes()
    assert files.hits(path)[-1].range_start == 30000  # the cut download was resumed


def test_search_footprints_as_input_give_the_area_dates_and_collection(eoportals_provider, plugin_env, driver,
                                                                        tmp_path):
    import processing
    from qgis.core import QgsProcessingException

    from plugin.core.catalog import load_catalog
    from plugin.core.portals import stac
    from plugin.core.query import SearchQuery
    from plugin.footprints import footprints_layer, products_to_features
    from tests.support.fixtures import fixture_bytes

    catalog = load_catalog(env={})
    portal = catalog.portal("earth_search")
    query = SearchQuery.create("POLYGON((-180 -90, 180 -90, 180 90, -180 90, -180 -90))", "2015-01-01", "2030-01-01",
                               "S2_MSI_L1C")
    page = stac.parse(portal, query, fixture_bytes("earth_search/items_s2_l1c.json"),
                      stac.build_request(portal, query))  # Earth Search's recorded answer
    layer = footprints_layer("footprints")
    layer.dataProvider().addFeatures(products_to_features(page.products, layer.fields()))
    use_backend(plugin_env, driver.url, USER, PASSWORD)
    plugin_env.catalog({"local_openeo": {"protocol": "openeo", "url": driver.url, "title": "Local openEO",
                                         "auth": "basic", "collections": {"S2_MSI_L1C": "SENTINEL2_L2A_SENTINELHUB"}}})
    graph_file = tmp_path / "graph.json"
    with pytest.raises(QgsProcessingException, match="Local openEO's collection SENTINEL2_L2A_SENTINELHUB does not "
                                                     "cover the area"):
        processing.run("eoportals:openeo_job", {
            "BACKEND": "local_openeo", "INPUT": layer, "KIND": "stack", "BANDS": "B04", "FORMAT": "GTiff",
            "PROCESS_GRAPH": str(graph_file), "DRY_RUN": True})
    load = json.loads(graph_file.read_text(encoding="utf-8"))["process_graph"]["loadcollection1"]["arguments"]
    west, south, east, north = (min(p.footprint.bounds[0] for p in page.products),
                                min(p.footprint.bounds[1] for p in page.products),
                                max(p.footprint.bounds[2] for p in page.products),
                                max(p.footprint.bounds[3] for p in page.products))
    extent = load["spatial_extent"]
    assert [extent["west"], extent["south"], extent["east"], extent["north"]] == pytest.approx(
        [west, south, east, north], abs=1e-6)
    days = sorted(p.start.date().isoformat() for p in page.products)
    assert load["temporal_extent"][0] == days[0]
    assert load["id"] == "SENTINEL2_L2A_SENTINELHUB"
    clouds = [p.cloud_cover for p in page.products if p.cloud_cover is not None]
    assert load["properties"]["eo:cloud_cover"]["process_graph"]["lte1"]["arguments"]["y"] == pytest.approx(max(clouds))
