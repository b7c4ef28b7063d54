"""The openEO tab: a job from the current search is shown as a graph, checked and started on the back-end
(CDSE's recorded answers on loopback), followed in the Jobs list, its results downloaded, and the list is still
there after a restart."""
from __future__ import annotations

import json

import pytest
from qgis.PyQt.QtWidgets import QApplication
from shapely.geometry import box

from plugin.core.catalog import load_catalog
from plugin.core.query import SearchQuery
from tests.core.test_openeo_client import API, PASSWORD, RUNNING_ID, Backend, finished_status
from tests.qgis.test_downloads import plugin_env  # noqa: F401 (fixture)
from tests.support.download_servers import DownloadServer, FileContent
from tests.support.fixtures import fixture_json, fixture_path
from tests.support.qt_wait import wait_until
from tests.support.replay import ReplayServer
from tests.support.shots import DOCK_WIDTH, save_picture


def query():
    return SearchQuery.create(box(5.07, 51.21, 5.1, 51.23).wkt, "2024-08-01", "2024-08-31", "S2_MSI_L2A",
                              max_cloud=50)


@pytest.fixture
def recorded(plugin_env, tmp_path):
    document = fixture_json("openeo/cdse_recorded/job_results_stac.json")
    data = fixture_path("openeo/cdse_recorded/job_results_assets/openEO_0.nc")
    with ReplayServer() as server, DownloadServer() as files:
        backend = Backend(server)
        first = document["assets"]["openEO_0.nc"]
        path = "/" + first["href"].split("/", 3)[3].split("?")[0]
        files.add_file(path, FileContent(data))
        document["assets"] = {"openEO_0.nc": {**first, "href": files.url + path}}
        server.add("GET", f"{API}/jobs/{RUNNING_ID}/results", json.dumps(document).encode())
        server.add("GET", f"{API}/file_formats", json.dumps({"input": {}, "output": {"GTiff": {}, "netCDF": {}}}).encode())
        plugin_env.catalog({"local_openeo": {"protocol": "openeo", "url": server.url + API, "title": "Local openEO",
                                             "auth": "basic", "collections": {"S2_MSI_L2A": "SENTINEL2_L2A"}}})
        plugin_env.account("local_openeo", "alice", PASSWORD)
        yield backend, data


def make_panel(tmp_path, messages):
    from plugin.ui.jobs_panel import JobsPanel

    catalog = load_catalog()
    panel = JobsPanel(catalog=lambda: catalog, store_path=tmp_path / "profile" / "downloads.sqlite",
                      query_source=query, folder=lambda: str(tmp_path / "EO"))
    panel.message.connect(messages.append)
    return panel


def status(panel, row=0):
    return panel.table.item(row, 2).text()


def test_a_job_from_the_search_runs_is_followed_and_its_results_downloaded(qgis_app, recorded, tmp_path):
    backend, data = recorded
    messages = []
    panel = make_panel(tmp_path, messages)
    assert panel.backend_combo.currentText() == "Local openEO"
    assert not panel.sign_in_button.isEnabled()  # a back-end with HTTP Basic has no device sign-in
    panel.kind_combo.setCurrentIndex(panel.kind_combo.findData("stack"))
    panel.bands_edit.setText("B02,B03,B04")
    process = panel.show_graph()
    shown = json.loads(panel.graph_text.toPlainText())
    assert shown == process and QApplication.clipboard().text() == panel.graph_text.toPlainText()
    load = shown["process_graph"]["loadcollection1"]["arguments"]
    assert load["id"] == "SENTINEL2_L2A" and load["temporal_extent"] == ["2024-08-01", "2024-09-01"]
    panel.submit()
    assert wait_until(lambda: panel.table.rowCount() == 1), messages
    assert status(panel) == "queued"
    backend.states.append(finished_status())
    panel.poll_timer.setInterval(50)  # the panel asks by itself while jobs are unfinished (every 30 s normally)
    seen = []
    panel.changed.connect(lambda: seen.append(status(panel)))
    assert wait_until(lambda: status(panel) == "finished" and not panel.tasks), (status(panel), messages)
    assert [text for text in dict.fromkeys(seen)] == ["created", "running, 50 %", "finished"]
    polls = len(backend.server.received("GET", f"{API}/jobs/{RUNNING_ID}"))
    from tests.support.qt_wait import spin
    spin(300)
    assert len(backend.server.received("GET", f"{API}/jobs/{RUNNING_ID}")) == polls  # finished: no more polling
    added = []
    panel.layers_added.connect(added.append)
    panel.table.selectRow(0)
    panel.get_results()
    assert wait_until(lambda: "1 file(s)" in status(panel) and not panel.tasks), (status(panel), messages)
    saved = tmp_path / "EO" / f"openEO_{RUNNING_ID}" / "openEO_0.nc"
    assert saved.read_bytes() == data.read_bytes()
    from qgis.core import QgsProject
    assert wait_until(lambda: added and not panel.layer_tasks), messages
    layers = [QgsProject.instance().mapLayer(layer_id) for layer_id in added[0]]
    assert sorted(layer.name() for layer in layers) == ["openEO_0 S2-L2A-B02", "openEO_0 S2-L2A-B03",
                                                        "openEO_0 S2-L2A-B04"]
    assert all(layer.isValid() and (layer.width(), layer.height()) == (30, 60) for layer in layers)
    QgsProject.instance().removeMapLayers(added[0])
    assert messages == []
    panel.shutdown()
    again = make_panel(tmp_path, messages)  # QGIS restarted: the job is still listed, with its files
    assert again.table.rowCount() == 1 and status(again) == "finished, 1 file(s)"
    assert again.records[0].files == [str(saved)]
    again.shutdown()


def test_what_is_missing_is_said(qgis_app, recorded, tmp_path):
    messages = []
    panel = make_panel(tmp_path, messages)
    panel.kind_combo.setCurrentIndex(panel.kind_combo.findData("timeseries"))
    assert panel.show_graph() is None
    assert messages == ["An index time series needs parcels: choose a layer of polygons."]
    panel.kind_combo.setCurrentIndex(panel.kind_combo.findData("stack"))
    panel.bands_edit.setText("B04,B99")
    panel.submit()
    assert wait_until(lambda: len(messages) == 2 and not panel.tasks)
    assert messages[1].startswith("Local openEO's collection SENTINEL2_L2A has no band B99")
    assert panel.table.rowCount() == 0
    panel.shutdown()


@pytest.mark.parametrize("result_format", ["CSV", "JSON"])
def test_a_time_series_result_is_drawn_in_the_series_chart(qgis_app, recorded, tmp_path, result_format):
    from qgis.core import QgsFeature, QgsGeometry, QgsProject, QgsVectorLayer

    from tests.support.openeo_driver import write_polygon_result

    backend, _ = recorded
    name = "timeseries." + result_format.lower()
    result_file = tmp_path / name
    write_polygon_result({"2024-08-05T00:00:00Z": [[0.61], [0.35]], "2024-08-15T00:00:00Z": [[0.72], [float("nan")]]},
                         result_file, result_format)  # what CDSE's back-end software writes for aggregate_spatial
    media = "text/csv" if result_format == "CSV" else "application/json"
    with DownloadServer() as files:
        files.add_file("/results/" + name, FileContent(result_file))
        document = {"type": "Collection", "stac_version": "1.0.0", "id": RUNNING_ID, "links": [], "assets": {
            name: {"href": files.url + "/results/" + name, "type": media, "roles": ["data"]}}}
        backend.server.add("GET", f"{API}/jobs/{RUNNING_ID}/results", json.dumps(document).encode())
        backend.server.add("GET", f"{API}/file_formats", json.dumps(
            {"input": {}, "output": {"GTiff": {}, "netCDF": {}, "CSV": {}, "JSON": {}}}).encode())
        layer = QgsVectorLayer("Polygon?crs=EPSG:4326&field=name:string", "parcels", "memory")
        for name, wkt in (("north field", "POLYGON((5.08 51.215, 5.085 51.215, 5.085 51.22, 5.08 51.22, 5.08 51.215))"),
                          ("south field", "POLYGON((5.09 51.215, 5.095 51.215, 5.095 51.22, 5.09 51.22, 5.09 51.215))")):
            feature = QgsFeature(layer.fields())
            feature.setGeometry(QgsGeometry.fromWkt(wkt))
            feature["name"] = name
            layer.dataProvider().addFeatures([feature])
        QgsProject.instance().addMapLayer(layer)
        messages = []
        panel = make_panel(tmp_path, messages)
        panel.kind_combo.setCurrentIndex(panel.kind_combo.findData("timeseries"))
        assert [panel.format_combo.itemText(i) for i in range(panel.format_combo.count())] == ["CSV", "JSON"]
        panel.format_combo.setCurrentIndex(panel.format_combo.findData(result_format))
        panel.parcels_combo.setLayer(layer)
        panel.submit()
        sent = json.loads(panel.graph_text.toPlainText())["process_graph"]
        assert [n["arguments"]["format"] for n in sent.values() if n["process_id"] == "save_result"] == [result_format]
        assert wait_until(lambda: panel.table.rowCount() == 1 and not panel.tasks), messages
        backend.states = [finished_status()]
        panel.refresh_all()
        assert wait_until(lambda: status(panel) == "finished" and not panel.tasks), (status(panel), messages)
        panel.table.selectRow(0)
        panel.get_results()
        assert wait_until(lambda: panel.chart.isVisibleTo(panel) and not panel.tasks), messages
        QgsProject.instance().removeMapLayer(layer.id())
    drawn = sorted((p.parcel, p.date.date().isoformat(), p.mean) for p in panel.chart.points())
    assert drawn == [("north field", "2024-08-05", 0.61), ("north field", "2024-08-15", 0.72),
                     ("south field", "2024-08-05", 0.35), ("south field", "2024-08-15", None)]
    assert panel.chart.index_name == "NDVI" and messages == []
    if result_format == "CSV":
        panel.resize(DOCK_WIDTH, 900)
        panel.show()
        save_picture(panel, "openeo-tab.png", tmp_path)
        panel.hide()
    panel.shutdown()


def test_a_back_end_added_by_its_root_url_is_found_and_runs_the_job(qgis_app, plugin_env, tmp_path, monkeypatch):
    """openeo-driver's dummy back-end at its root URL: the panel finds API 1.2 through /.well-known/openeo, once
    (not again at each call, although each call has a client of its own)."""
    import requests

    from tests.support.openeo_driver import PASSWORD as DRIVER_PASSWORD
    from tests.support.openeo_driver import USER, OpenEODriver

    asked = []
    real_request = requests.Session.request

    def request(session, method, url, *args, **kwargs):
        asked.append(url)
        return real_request(session, method, url, *args, **kwargs)

    monkeypatch.setattr(requests.Session, "request", request)

    with OpenEODriver() as driver:
        asked.clear()  # (the driver's start-up was waited for by asking /.well-known/openeo)
        plugin_env.catalog({"local_openeo": {"protocol": "openeo", "url": driver.url, "title": "Local openEO",
                                             "auth": "basic", "collections": {"S2_MSI_L2A": "SENTINEL2_L2A_SENTINELHUB"}}})
        plugin_env.account("local_openeo", USER, DRIVER_PASSWORD)
        messages = []
        from plugin.ui.jobs_panel import JobsPanel

        catalog = load_catalog()
        panel = JobsPanel(catalog=lambda: catalog, store_path=tmp_path / "profile" / "downloads.sqlite",
                          query_source=lambda: SearchQuery.create(box(5.0, 51.0, 5.1, 51.1).wkt, "2024-06-01",
                                                                  "2024-06-30", "S2_MSI_L2A"),
                          folder=lambda: str(tmp_path / "EO"))
        panel.message.connect(messages.append)
        panel.kind_combo.setCurrentIndex(panel.kind_combo.findData("composite"))
        panel.period_combo.setCurrentIndex(panel.period_combo.findData("whole"))  # saved as GeoTIFF, the dummy's format
        panel.bands_edit.setText("B04,B08")
        panel.submit()
        assert wait_until(lambda: panel.table.rowCount() == 1 and not panel.tasks), messages
        panel.refresh_all()
        assert wait_until(lambda: not panel.tasks and status(panel) in ("queued", "running")), (status(panel), messages)
        panel.refresh_all()
        assert wait_until(lambda: not panel.tasks), messages
        assert messages == []
        assert [url for url in asked if url.endswith("/.well-known/openeo")] == [driver.url + "/.well-known/openeo"]
        panel.shutdown()


def test_the_result_format_is_chosen_among_those_the_back_end_writes(qgis_app, plugin_env, tmp_path):
    """openeo-driver's live GET /file_formats (it writes GTiff only): opening the Format list asks it once; formats
    it cannot write are greyed out, the kind's default stays chosen (as before this choice existed), and running
    with one the back-end cannot write is refused by name before any job is made; GeoTIFF for a stack runs."""
    from qgis.PyQt.QtCore import Qt

    from tests.support.openeo_driver import PASSWORD as DRIVER_PASSWORD
    from tests.support.openeo_driver import USER, OpenEODriver

    def shown(panel):
        model = panel.format_combo.model()
        return [(panel.format_combo.itemText(i), bool(model.item(i).flags() & Qt.ItemFlag.ItemIsEnabled))
                for i in range(panel.format_combo.count())]

    with OpenEODriver() as driver:
        plugin_env.catalog({"local_openeo": {"protocol": "openeo", "url": driver.url, "title": "openeo-driver",
                                             "auth": "basic", "collections": {"S2_MSI_L2A": "SENTINEL2_L2A_SENTINELHUB"}}})
        plugin_env.account("local_openeo", USER, DRIVER_PASSWORD)
        messages = []
        panel = make_panel(tmp_path, messages)
        panel.kind_combo.setCurrentIndex(panel.kind_combo.findData("stack"))
        panel.bands_edit.setText("B04,B08")
        assert shown(panel) == [("netCDF", True), ("GeoTIFF", True)]  # not asked yet: today's default first
        assert panel.format_combo.toolTip() == "Open the list to ask openeo-driver which formats it writes."
        panel.format_combo.showPopup()  # the user opens the list
        assert wait_until(lambda: "local_openeo" in panel.formats and not panel.tasks), messages
        panel.format_combo.hidePopup()
        assert shown(panel) == [("netCDF (not offered)", False), ("GeoTIFF", True)]
        assert panel.format_combo.currentData() == "netCDF"
        assert panel.format_combo.toolTip() == "openeo-driver writes: GTiff"
        panel.submit()
        assert wait_until(lambda: messages and not panel.tasks)
        assert messages == ["openeo-driver cannot save results as netCDF (it offers GTiff)"]
        assert panel.table.rowCount() == 0
        panel.format_combo.setCurrentIndex(panel.format_combo.findData("GTiff"))
        panel.submit()
        assert wait_until(lambda: panel.table.rowCount() == 1 and not panel.tasks), messages
        graph = panel.records[0].process["process_graph"]
        assert [n["arguments"]["format"] for n in graph.values() if n["process_id"] == "save_result"] == ["GTiff"]
        assert len(messages) == 1
        panel.kind_combo.setCurrentIndex(panel.kind_combo.findData("timeseries"))
        assert shown(panel) == [("CSV (not offered)", False), ("JSON (not offered)", False)]
        panel.kind_combo.setCurrentIndex(panel.kind_combo.findData("composite"))
        assert shown(panel) == [("GeoTIFF", True), ("netCDF (not offered)", False)]
        assert panel.format_combo.currentData() == "GTiff"
        panel.format_combo.showPopup()  # asked once per back-end
        panel.format_combo.hidePopup()
        assert not panel.tasks
        panel.shutdown()
