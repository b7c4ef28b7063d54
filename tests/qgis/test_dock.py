"""The dock panel driven through its real widgets, against portals replaying their real recorded answers.

Expected rows come from the recordings themselves (records per portal, identities by the mission naming
convention), never from numbers typed here. Nothing leaves the machine: besides the loopback portals, QGIS's
proxy is set to a closed loopback port (with 127.0.0.1 excluded), so a link to a real host (a quicklook of
the recordings) fails at once instead of reaching out.
"""
from __future__ import annotations

import json
from pathlib import Path
from contextlib import contextmanager
from typing import Callable, Iterator, List, Sequence

import pytest
from qgis.core import (
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsGeometry,
    QgsProject,
    QgsRasterLayer,
    QgsRectangle,
    QgsSettings,
)
from qgis.PyQt.QtCore import QBuffer, QByteArray, QIODevice, QSettings, Qt
from qgis.PyQt.QtGui import QColor, QImage
from shapely.geometry import shape

from plugin import settings as prefs
from plugin.footprints import FIELD_NAMES
from plugin.ui.dock import EOPortalsDock
from plugin.ui.footprints_layer import GROUP_NAME
from plugin.ui.results_model import Column, PRODUCT_ROLE
from tests.support.fixtures import fixture_bytes
from tests.support.portals import recorded_identities as expected_products, recorded_portals
from tests.support.portals import recorded_products as recorded
from tests.support.qt_wait import spin, wait_until as _wait_until

FOUR = ["earth_search", "cdse", "planetary_computer", "geodes"]
AOI = "POLYGON((3 47,4 47,4 48,3 48,3 47))"
NAMES = {"earth_search": "Earth Search", "cdse": "CDSE", "planetary_computer": "Planetary Computer",
         "geodes": "GEODES"}


# ---- helpers: the Qt event loop in tests (the plugin itself never spins one) ----------------------------
def wait_until(predicate: Callable[[], bool], timeout: float = 20.0) -> bool:
    """Spin until `predicate()` holds (tests/support/qt_wait.py), with this file's patience."""
    return _wait_until(predicate, timeout)


def wait_for_search(dock: EOPortalsDock, timeout: float = 30.0) -> None:
    """Until the search ended and every footprint is on the map."""
    assert wait_until(lambda: not dock.run.is_searching() and dock.results.pending_footprints() == 0, timeout), \
        "the search did not end in time"


# ---- what the recordings hold ---------------------------------------------------------------------------
def jpeg_bytes(image: QImage) -> bytes:
    """An image encoded as JPEG by Qt."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    assert image.save(buffer, "JPEG", 95)
    buffer.close()
    return bytes(data)


# ---- fixtures -------------------------------------------------------------------------------------------
@pytest.fixture
def offline(tmp_path, monkeypatch):
    """Clean plugin settings, a quicklook cache in tmp_path, and a proxy that goes nowhere except loopback."""
    # A settings file of this test's own: other test processes may share the default one.
    default_path = str(Path(QgsSettings().fileName()).parents[1])
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    settings = QgsSettings()
    assert settings.fileName().startswith(str(tmp_path))
    settings.setValue("proxy/proxyEnabled", True)
    settings.setValue("proxy/proxyType", "HttpProxy")
    settings.setValue("proxy/proxyHost", "127.0.0.1")
    settings.setValue("proxy/proxyPort", "9")  # discard port: nothing listens, the connection is refused
    settings.setValue("proxy/noProxyUrls", ["http://127.0.0.1"])
    monkeypatch.setattr(prefs, "quicklook_cache_folder", lambda: tmp_path / "quicklooks")
    yield tmp_path
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, default_path)


@pytest.fixture
def make_dock(qgis_iface, qgis_new_project, offline):
    """Build docks the way the plugin does; each is shut down at the end of the test."""
    docks: List[EOPortalsDock] = []
    qgis_iface.messageBar().clear_messages()
    canvas = qgis_iface.mapCanvas()
    canvas.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:4326"))
    canvas.setExtent(QgsRectangle(-10, 35, 20, 60))

    def make() -> EOPortalsDock:
        dock = EOPortalsDock(qgis_iface)
        dock.resize(420, 900)
        docks.append(dock)
        return dock

    yield make
    for dock in docks:
        dock.shutdown()
        dock.deleteLater()
    spin(20)


def prepare(dock: EOPortalsDock, portals: List[str], collection: str = "S2_MSI_L2A", cloud: int = 100) -> None:
    """An area, a collection, the portals and no cloud limit, as a user would set them."""
    assert dock.form.aoi.set_wkt(AOI)
    assert dock.form.set_collection(collection)
    dock.portal_list.set_checked_portals(portals)
    dock.form.cloud_slider.setValue(cloud)


@contextmanager
def searched(make: Callable[[], EOPortalsDock], tmp_path: Path, monkeypatch,
             portals: Sequence[str] = ("planetary_computer",)) -> Iterator[EOPortalsDock]:
    """A dock made by `make` that searched these recorded portals (still served inside the block)."""
    with recorded_portals(tmp_path, list(portals)) as rp:
        monkeypatch.setenv("EO_PORTALS_CATALOG", str(rp.catalog_path))
        dock = make()
        prepare(dock, list(portals))
        assert dock.start_search()
        wait_for_search(dock)
        yield dock


def searched_once(make: Callable[[], EOPortalsDock], tmp_path: Path, monkeypatch,
                  portals: Sequence[str] = ("planetary_computer",)) -> EOPortalsDock:
    """The same, the recorded portals gone once the search ended."""
    with searched(make, tmp_path, monkeypatch, portals) as dock:
        return dock


def row_products(dock: EOPortalsDock) -> List:
    return [dock.results.proxy.index(row, 0).data(PRODUCT_ROLE) for row in range(dock.results.proxy.rowCount())]


# ---- tests ----------------------------------------------------------------------------------------------
def test_search_shows_merged_products_outcomes_and_footprints(make_dock, tmp_path, monkeypatch, qgis_iface):
    with recorded_portals(tmp_path, FOUR) as rp:
        monkeypatch.setenv("EO_PORTALS_CATALOG", str(rp.catalog_path))
        dock = make_dock()
        prepare(dock, FOUR)
        started = []
        dock.search_started.connect(lambda: started.append(True))
        dock.run.search_button.click()
        assert started and dock.run.is_searching()
        assert dock.run.search_button.text() == "Cancel"
        wait_for_search(dock)
        # the search was sent to each portal, on loopback
        for portal in FOUR:
            assert rp.searches(portal), f"{portal} was not searched"

    # the replay serves each portal's recording whatever is asked: CDSE's and GEODES's hold L1C products, which
    # this L2A search leaves out and counts
    expected = expected_products(FOUR, collection="S2_MSI_L2A")
    products = row_products(dock)
    assert len(products) == len(expected) == dock.results.model.rowCount()
    assert {p.identity: sorted(p.portals) for p in products} == {k: sorted(v) for k, v in expected.items()}
    # one line per portal, as each ended, with the number it found and what it left out
    lines = dock.run.status_lines()
    assert len(lines) == 4
    for portal in FOUR:
        count = len(recorded(portal, "S2_MSI_L2A"))
        others = len(recorded(portal)) - count
        line = next(text for text in lines if text.startswith(NAMES[portal] + ":"))
        assert line.startswith(f"{NAMES[portal]}: {count}") and "product" in line
        assert line.endswith("left out") == bool(others), line
    assert "CDSE: 0 products; 2 products of other collections left out" in lines
    assert dock.results.count_label.text() == f"{len(expected)} products"
    assert dock.run.search_button.text() == "Search"
    # the table shows readable values: dates, cloud in percent, portal names
    pc = next(p for p in products if "planetary_computer" in p.portals)
    row = dock.results.proxy.mapFromSource(dock.results.model.index(dock.results.model.row_of(pc.identity), 0)).row()
    assert dock.results.proxy.index(row, Column.DATE).data() == pc.start.strftime("%Y-%m-%d %H:%M")
    assert dock.results.proxy.index(row, Column.PORTALS).data() == "Planetary Computer"
    # footprints: one layer in the plugin's group, the shared fields, one feature per product with a footprint
    layer = dock.results.footprints.layer
    assert [field.name() for field in layer.fields()] == list(FIELD_NAMES)
    group = QgsProject.instance().layerTreeRoot().findGroup(GROUP_NAME)
    assert group is not None and group.findLayer(layer.id()) is not None
    with_footprint = [p for p in products if p.footprint is not None]
    recorded_with_geometry = {r.identity for portal in FOUR for r in recorded(portal, "S2_MSI_L2A") if r.has_geometry}
    assert layer.featureCount() == len(with_footprint) == len(recorded_with_geometry)
    by_identity = {f["identity"]: f for f in layer.getFeatures()}
    assert set(by_identity) == {p.identity for p in with_footprint}
    sample = with_footprint[0]
    assert by_identity[sample.identity]["portals"] == ",".join(sample.portals)
    assert json.loads(by_identity[sample.identity]["sources"]).keys() == set(sample.portals)
    # no error for a search that went well
    assert qgis_iface.messageBar().get_messages(1) == []


def test_a_failing_portal_shows_its_message_while_the_others_results_appear(make_dock, tmp_path, monkeypatch,
                                                                              qgis_iface):
    with recorded_portals(tmp_path, FOUR, fail={"cdse": 401}, garbage=["geodes"]) as rp:
        monkeypatch.setenv("EO_PORTALS_CATALOG", str(rp.catalog_path))
        dock = make_dock()
        prepare(dock, FOUR)
        assert dock.start_search()
        wait_for_search(dock)
    lines = dock.run.status_lines()
    assert "CDSE: HTTP 401, check your account" in lines
    assert any(line.startswith("GEODES: the answer could not be read") for line in lines)
    expected = expected_products(["earth_search", "planetary_computer"], collection="S2_MSI_L2A")
    assert {p.identity for p in row_products(dock)} == set(expected)
    warnings = qgis_iface.messageBar().get_messages(1)
    assert len(warnings) == 1 and "CDSE: HTTP 401, check your account" in warnings[0] and "GEODES" in warnings[0]
    # the status dots remember it for the next session
    assert prefs.portal_status("cdse")[0] == prefs.STATUS_AUTH
    assert prefs.portal_status("geodes")[0] == prefs.STATUS_FAILED
    assert prefs.portal_status("earth_search")[0] == prefs.STATUS_OK
    assert dock.portal_list.portal_status_text("cdse").startswith("Needs an account")
    assert dock.portal_list.portal_status_text("geodes").startswith("Failed last time")
    assert dock.portal_list.portal_status_text("earth_search").startswith("Reachable")


def test_a_portal_that_hangs_times_out_and_the_others_are_shown_meanwhile(make_dock, tmp_path, monkeypatch):
    QgsSettings().setValue("eo_portals/search/budget", 5)
    with recorded_portals(tmp_path, ["earth_search", "geodes"], delay={"geodes": 30}) as rp:
        monkeypatch.setenv("EO_PORTALS_CATALOG", str(rp.catalog_path))
        dock = make_dock()
        prepare(dock, ["earth_search", "geodes"])
        assert dock.start_search()
        # Earth Search's rows appear while GEODES still hangs
        assert wait_until(lambda: dock.results.model.rowCount() == len(expected_products(["earth_search"],
                                                                                 collection="S2_MSI_L2A")), 4)
        assert dock.run.is_searching()
        wait_for_search(dock, timeout=20)
    assert "GEODES: timed out after 5 s" in dock.run.status_lines()


def test_cancel_keeps_what_was_found(make_dock, tmp_path, monkeypatch):
    with recorded_portals(tmp_path, ["earth_search", "geodes"], delay={"geodes": 30}) as rp:
        monkeypatch.setenv("EO_PORTALS_CATALOG", str(rp.catalog_path))
        dock = make_dock()
        prepare(dock, ["earth_search", "geodes"])
        assert dock.start_search()
        assert wait_until(lambda: dock.results.model.rowCount() > 0, 5)
        dock.run.search_button.click()  # now reads "Cancel"
        wait_for_search(dock, timeout=10)
    assert "GEODES: cancelled" in dock.run.status_lines()
    assert dock.results.model.rowCount() == len(expected_products(["earth_search"], collection="S2_MSI_L2A"))


def test_cloud_limit_reaches_the_portals_and_the_rows(make_dock, tmp_path, monkeypatch):
    with recorded_portals(tmp_path, ["planetary_computer"]) as rp:
        monkeypatch.setenv("EO_PORTALS_CATALOG", str(rp.catalog_path))
        dock = make_dock()
        prepare(dock, ["planetary_computer"], cloud=40)
        assert dock.form.cloud_value.text() == "≤ 40 %"
        assert dock.start_search()
        wait_for_search(dock)
        body = rp.searches("planetary_computer")[0].json()
    assert body["query"]["eo:cloud_cover"] == {"lte": 40.0}
    expected = expected_products(["planetary_computer"], max_cloud=40)
    assert 0 < len(expected) < len(recorded("planetary_computer"))
    assert {p.identity for p in row_products(dock)} == set(expected)
    assert all(p.cloud_cover <= 40 for p in row_products(dock))


def test_cloud_slider_only_for_optical_collections(make_dock, tmp_path, monkeypatch):
    dock = make_dock()
    dock.show()
    dock.form.advanced_box.setCollapsed(False)
    assert dock.form.set_collection("S2_MSI_L2A")
    assert dock.form.cloud_slider.isVisible() and dock.form.tile_edit.isVisible()
    assert dock.form.set_collection("S1_SAR_GRD")
    assert not dock.form.cloud_slider.isVisible()
    assert not dock.form.tile_edit.isVisible()  # MGRS tiles are Sentinel-2's
    assert dock.form.orbit_direction_combo.isVisible() and dock.form.relative_orbit_spin.isVisible()
    # folding and unfolding the groups does not bring the filters that do not apply back
    for box in (dock.form.advanced_box, dock.form.filters_box):
        box.setCollapsed(True)
        box.setCollapsed(False)
    assert not dock.form.tile_edit.isVisible() and not dock.form.cloud_slider.isVisible()
    dock.form.advanced_box.setCollapsed(True)
    assert dock.form.set_collection("S2_MSI_L1C")
    dock.form.advanced_box.setCollapsed(False)
    assert dock.form.tile_edit.isVisible() and dock.form.cloud_slider.isVisible()
    assert dock.form.set_collection("LANDSAT_C2_L2")  # Earth Search and Planetary Computer offer it
    assert dock.form.platform_combo.isVisible() and not dock.form.orbit_direction_combo.isVisible()
    assert dock.form.cloud_slider.isVisible()
    assert dock.form.set_collection("S1_SAR_GRD")
    platforms = dock.form.platform_combo
    assert [platforms.itemData(i) for i in range(platforms.count())] == ["", "S1A", "S1B", "S1C"]
    query_area = dock.form.aoi.set_wkt(AOI)
    assert query_area
    dock.form.cloud_slider.setValue(10)
    assert dock.form.build_query(dock.preferences.limit).max_cloud is None  # a radar search has no cloud filter


def test_selection_follows_between_table_and_map(make_dock, tmp_path, monkeypatch, qgis_iface):
    with recorded_portals(tmp_path, FOUR) as rp:
        monkeypatch.setenv("EO_PORTALS_CATALOG", str(rp.catalog_path))
        dock = make_dock()
        prepare(dock, FOUR)
        assert dock.start_search()
        wait_for_search(dock)
    layer = dock.results.footprints.layer
    # table -> map: select two rows
    dock.results.table.selectRow(0)
    selection = dock.results.table.selectionModel()
    selection.select(dock.results.proxy.index(2, 0), selection.SelectionFlag.Select | selection.SelectionFlag.Rows)
    chosen = {dock.results.proxy.index(r, 0).data(PRODUCT_ROLE).identity for r in (0, 2)}
    assert {f["identity"] for f in layer.getSelectedFeatures()} == chosen
    assert {p.identity for p in dock.results.selected_products()} == chosen
    assert dock.results.download_button.isEnabled()
    # map -> table: select features on the layer (as the select tool does)
    wanted = [f for f in layer.getFeatures()][3:6]
    layer.selectByIds([f.id() for f in wanted])
    assert {p.identity for p in dock.results.selected_products()} == {f["identity"] for f in wanted}
    layer.removeSelection()
    assert dock.results.selected_products() == []
    assert not dock.results.download_button.isEnabled()
    # double click zooms the map to the footprint
    canvas = qgis_iface.mapCanvas()
    index = dock.results.proxy.index(1, Column.DATE)
    product = index.data(PRODUCT_ROLE)
    canvas.setExtent(QgsRectangle(-170, -80, -160, -70))
    dock.results.table.doubleClicked.emit(index)
    west, south, east, north = product.footprint.bounds
    extent = canvas.extent()
    assert extent.contains(QgsRectangle(west, south, east, north))
    assert extent.width() < 1.3 * (east - west) or extent.height() < 1.3 * (north - south)


def test_filter_text_and_sorting(make_dock, tmp_path, monkeypatch):
    with recorded_portals(tmp_path, ["planetary_computer", "earth_search"]) as rp:
        monkeypatch.setenv("EO_PORTALS_CATALOG", str(rp.catalog_path))
        dock = make_dock()
        prepare(dock, ["planetary_computer", "earth_search"])
        assert dock.start_search()
        wait_for_search(dock)
    total = dock.results.model.rowCount()
    dock.results.filter_edit.setText("59v")
    tiles = [dock.results.proxy.index(r, Column.TILE).data() for r in range(dock.results.proxy.rowCount())]
    expected = [p for p in dock.results.products() if p.tile and p.tile.lower().startswith("59v")]
    assert len(tiles) == len(expected) > 0 and all(t.startswith("59V") for t in tiles)
    assert dock.results.count_label.text() == f"{len(expected)} of {total} products shown"
    dock.results.filter_edit.setText("13tde")
    earth_search = [p for p in dock.results.products() if "13TDE" in p.title]
    assert len(earth_search) == 1 and row_products(dock) == earth_search  # the recorded S2 item of Earth Search
    dock.results.filter_edit.clear()
    dock.results.table.sortByColumn(Column.CLOUD, Qt.SortOrder.AscendingOrder)
    clouds = [p.cloud_cover for p in row_products(dock) if p.cloud_cover is not None]
    assert clouds == sorted(clouds) and len(clouds) == total
    dock.results.table.sortByColumn(Column.DATE, Qt.SortOrder.DescendingOrder)
    starts = [p.start for p in row_products(dock)]
    assert starts == sorted(starts, reverse=True)


def test_load_more_continues_from_the_cursors(make_dock, tmp_path, monkeypatch):
    """CDSE's recorded paging (5 pages of 10, 10, 10, 10, 7 records) served by $skip as a loopback OData portal."""
    base_real = "https://catalogue.dataspace.copernicus.eu/odata/v1"
    pages = [fixture_bytes(f"cdse_odata/paging/page_{n}.json") for n in range(1, 6)]
    with recorded_portals(tmp_path, ["earth_search"]) as rp:
        root = rp.server.url + "/paged/odata/v1"

        def answer(request):
            page = pages[int(request.query.get("$skip", "0")) // 10]
            return 200, {"Content-Type": "application/json"}, page.replace(base_real.encode(), root.encode())

        rp.server.add("GET", "/paged/odata/v1/Products", handler=answer)
        catalog = json.loads(rp.catalog_path.read_text())
        catalog["paged"] = {"title": "Paged OData", "protocol": "odata", "url": root,
                            "collections": {"S1_SAR_GRD": {"collection": "SENTINEL-1"}}}
        path = tmp_path / "paged_catalog.json"
        path.write_text(json.dumps(catalog))
        monkeypatch.setenv("EO_PORTALS_CATALOG", str(path))
        QgsSettings().setValue("eo_portals/search/limit", 10)
        dock = make_dock()
        prepare(dock, ["paged"], collection="S1_SAR_GRD")
        assert dock.start_search()
        wait_for_search(dock)
        first = [len(json.loads(p)["value"]) for p in pages]
        assert dock.results.model.rowCount() == first[0]
        assert not dock.run.load_more_button.isHidden() and dock.run.load_more_button.isEnabled()
        dock.run.load_more_button.click()
        wait_for_search(dock)
        assert dock.results.model.rowCount() == first[0] + first[1]
        skips = [r.query.get("$skip", "0") for r in rp.server.received("GET", "/paged/odata/v1/Products")]
        assert skips == ["0", "10"]


def test_values_come_back_in_a_new_panel(make_dock, tmp_path, monkeypatch):
    with recorded_portals(tmp_path, FOUR) as rp:
        monkeypatch.setenv("EO_PORTALS_CATALOG", str(rp.catalog_path))
        first = make_dock()
        assert first.form.set_collection("S2_MSI_L1C")
        first.portal_list.set_checked_portals(["earth_search", "geodes"])
        first.form.set_date_preset(7)
        first.form.cloud_slider.setValue(35)
        first.form.orbit_direction_combo.setCurrentIndex(first.form.orbit_direction_combo.findData("DESCENDING"))
        first.form.relative_orbit_spin.setValue(51)
        first.form.tile_edit.setText("31TCJ")
        first.form.platform_combo.setCurrentIndex(first.form.platform_combo.findData("S2B"))
        first.form.advanced_box.setCollapsed(False)
        first.form.aoi.set_wkt(AOI)
        first.shutdown()  # what the plugin calls when QGIS closes or the plugin unloads

        second = make_dock()
    assert second.form.collection() == "S2_MSI_L1C"
    assert second.portal_list.checked_portals() == ["earth_search", "geodes"]
    assert second.form.preset_buttons[7].isChecked()
    assert second.form.end_edit.date().daysTo(second.form.start_edit.date()) == -7
    assert second.form.cloud_slider.value() == 35
    assert second.form.orbit_direction_combo.currentData() == "DESCENDING"
    assert second.form.relative_orbit_spin.value() == 51
    assert second.form.tile_edit.text() == "31TCJ"
    assert second.form.platform_combo.currentData() == "S2B"
    assert not second.form.advanced_box.isCollapsed()
    assert second.form.aoi.is_set() and second.form.aoi.geometry().equals(first.form.aoi.geometry())
    query = second.form.build_query(second.preferences.limit)
    assert (query.collection, query.max_cloud, query.orbit_direction, query.relative_orbit, query.tile,
            query.platform) == ("S2_MSI_L1C", 35.0, "DESCENDING", 51, "31TCJ", "S2B")


def test_custom_dates_come_back_as_dates(make_dock):
    from datetime import date

    first = make_dock()
    first.form.set_dates(date(2023, 10, 1), date(2023, 10, 31))
    assert not any(button.isChecked() for button in first.form.preset_buttons.values())
    first.save_preferences()
    second = make_dock()
    assert second.form.start_edit.date().toString("yyyy-MM-dd") == "2023-10-01"
    assert second.form.end_edit.date().toString("yyyy-MM-dd") == "2023-10-31"


def test_quicklook_from_a_served_jpeg_in_the_panel_and_on_the_map(make_dock, tmp_path, monkeypatch):
    image = QImage(120, 80, QImage.Format.Format_RGB32)
    image.fill(QColor(200, 30, 30))
    for x in range(60, 120):
        for y in range(80):
            image.setPixelColor(x, y, QColor(30, 30, 200))
    served = jpeg_bytes(image)
    with recorded_portals(tmp_path, ["planetary_computer"]) as rp:
        rp.server.add("GET", "/previews/quicklook.jpg", served, content_type="image/jpeg")
        monkeypatch.setenv("EO_PORTALS_CATALOG", str(rp.catalog_path))
        dock = make_dock()
        prepare(dock, ["planetary_computer"])
        assert dock.start_search()
        wait_for_search(dock)
        row = 0
        product = dock.results.proxy.index(row, 0).data(PRODUCT_ROLE)
        # The recording's preview links point at the real portal: rewrite this product's to the loopback one.
        url = rp.server.url + "/previews/quicklook.jpg"
        product.quicklook = url
        for source in product.sources:
            source.quicklook = url
        shown = []
        dock.quicklook.shown.connect(shown.append)
        dock.results.table.selectRow(row)
        assert wait_until(lambda: shown == [url], 10), dock.quicklook.view.text()
        got = dock.quicklook.view.image()
        assert (got.width(), got.height()) == (120, 80)
        left, right = got.pixelColor(20, 40), got.pixelColor(100, 40)
        assert left.red() > 150 and left.blue() < 90 and right.blue() > 150 and right.red() < 90
        assert dock.quicklook.title.full_text() == product.title
        cached = list((tmp_path / "quicklooks").glob("*.jpg"))
        assert len(cached) == 1 and cached[0].read_bytes() == served
        # "Show on map": the image placed on the footprint's bounding box, in EPSG:4326
        assert dock.quicklook.show_on_map_button.isEnabled()
        layer = dock.quicklook.show_on_map()
        assert isinstance(layer, QgsRasterLayer) and layer.isValid()
        assert layer.crs().authid() == "EPSG:4326"
        west, south, east, north = product.footprint.bounds
        extent = layer.extent()
        assert (extent.xMinimum(), extent.yMinimum(), extent.xMaximum(), extent.yMaximum()) == pytest.approx(
            (west, south, east, north), abs=1e-6)
        group = QgsProject.instance().layerTreeRoot().findGroup(GROUP_NAME)
        assert group.findLayer(layer.id()) is not None
        # another product, then back: the second time it comes from the disk cache
        dock.results.table.selectRow(1)
        assert wait_until(lambda: dock.quicklook.url != url, 2)
        dock.results.table.selectRow(row)
        assert wait_until(lambda: shown == [url, url], 10)
        assert len(rp.server.received("GET", "/previews/quicklook.jpg")) == 1


def test_a_quicklook_that_fails_says_why(make_dock, tmp_path, monkeypatch):
    with recorded_portals(tmp_path, ["planetary_computer"]) as rp:
        rp.server.add("GET", "/previews/missing.jpg", b'{"detail": "no such preview"}', status=404)
        monkeypatch.setenv("EO_PORTALS_CATALOG", str(rp.catalog_path))
        dock = make_dock()
        prepare(dock, ["planetary_computer"])
        assert dock.start_search()
        wait_for_search(dock)
        product = dock.results.proxy.index(0, 0).data(PRODUCT_ROLE)
        product.quicklook = rp.server.url + "/previews/missing.jpg"  # rewritten to a loopback URL that fails
        for source in product.sources:
            source.quicklook = product.quicklook
        dock.results.table.selectRow(0)
        assert wait_until(lambda: "404" in dock.quicklook.view.text(), 10), dock.quicklook.view.text()
    assert "no such preview" in dock.quicklook.view.text()
    assert not dock.quicklook.view.has_image() and not dock.quicklook.show_on_map_button.isEnabled()


def test_reducers_keep_one_product_per_tile_on_table_and_map(make_dock, tmp_path, monkeypatch):
    with recorded_portals(tmp_path, FOUR) as rp:
        monkeypatch.setenv("EO_PORTALS_CATALOG", str(rp.catalog_path))
        dock = make_dock()
        prepare(dock, FOUR)
        assert dock.start_search()
        wait_for_search(dock)
    everything = dock.results.products()
    tiles = {(p.collection, p.tile) for p in everything if p.tile}
    untiled = [p for p in everything if not p.tile]
    dock.results.least_cloudy_action.trigger()
    reduced = dock.results.products()
    assert len(reduced) == len(tiles) + len(untiled)
    for product in reduced:
        if product.tile:
            same_tile = [p.cloud_cover for p in everything
                         if (p.collection, p.tile) == (product.collection, product.tile)]
            assert product.cloud_cover == min(c for c in same_tile if c is not None)
    assert dock.results.footprints.layer.featureCount() == sum(1 for p in reduced if p.footprint is not None)
    assert dock.results.all_results_action.isEnabled()
    dock.results.all_results_action.trigger()
    assert {p.identity for p in dock.results.products()} == {p.identity for p in everything}
    assert dock.results.footprints.layer.featureCount() == sum(1 for p in everything if p.footprint is not None)


def test_exports_write_the_rows_shown(make_dock, tmp_path, monkeypatch):
    with recorded_portals(tmp_path, ["planetary_computer", "earth_search"]) as rp:
        monkeypatch.setenv("EO_PORTALS_CATALOG", str(rp.catalog_path))
        dock = make_dock()
        prepare(dock, ["planetary_computer", "earth_search"])
        assert dock.start_search()
        wait_for_search(dock)
    dock.results.filter_edit.setText("60V")
    shown = {p.identity for p in row_products(dock)}
    assert shown
    written = {}
    for kind, name in (("geojson", "out.geojson"), ("csv", "out.csv"), ("stac", "out.json")):
        task = dock.results.export(kind, str(tmp_path / name))
        task.written.connect(lambda path, k=kind: written.__setitem__(k, path))
    assert wait_until(lambda: len(written) == 3, 10)
    geojson = json.loads((tmp_path / "out.geojson").read_text())
    assert {f["properties"]["identity"] for f in geojson["features"]} == shown
    rows = (tmp_path / "out.csv").read_text().splitlines()
    assert len(rows) == len(shown) + 1 and rows[0].startswith("identity,title")
    stac = json.loads((tmp_path / "out.json").read_text())
    assert {f["properties"]["eoportals:identity"] for f in stac["features"]} == shown


def test_saved_search_round_trip(make_dock, tmp_path):
    first = make_dock()
    first.form.aoi.set_wkt(AOI)
    assert first.form.set_collection("S1_SAR_GRD")
    first.form.set_date_preset(90)
    first.form.orbit_direction_combo.setCurrentIndex(first.form.orbit_direction_combo.findData("ASCENDING"))
    first.form.relative_orbit_spin.setValue(88)
    first.portal_list.set_checked_portals(["earth_search"])
    path = tmp_path / "saved.json"
    path.write_text(first.saved_search().to_json())
    second = make_dock()
    assert second.open_saved_search(str(path), run=False)
    assert second.form.collection() == "S1_SAR_GRD"
    assert second.form.preset_buttons[90].isChecked()
    assert second.form.orbit_direction_combo.currentData() == "ASCENDING"
    assert second.form.relative_orbit_spin.value() == 88
    assert second.portal_list.checked_portals() == ["earth_search"]
    assert second.form.aoi.geometry().equals(first.form.aoi.geometry())
    (tmp_path / "bad.json").write_text('{"something": "else"}')
    assert not second.open_saved_search(str(tmp_path / "bad.json"), run=False)


def test_download_button_emits_the_selected_products(make_dock, tmp_path, monkeypatch):
    dock = searched_once(make_dock, tmp_path, monkeypatch)
    asked = []
    dock.download_requested.connect(asked.append)
    assert not dock.results.download_button.isEnabled()
    dock.results.table.selectRow(3)
    dock.results.download_button.click()
    assert [[p.identity for p in products] for products in asked] == \
        [[dock.results.proxy.index(3, 0).data(PRODUCT_ROLE).identity]]


def test_other_parts_add_tabs(make_dock):
    from qgis.PyQt.QtWidgets import QLabel

    dock = make_dock()
    index = dock.add_tab(QLabel("downloads"), "Downloads")
    assert dock.tabs.count() == 2 and dock.tabs.tabText(0) == "Search" and dock.tabs.tabText(index) == "Downloads"


def test_nothing_to_search_in_says_so(make_dock, qgis_iface):
    from datetime import date

    dock = make_dock()
    dock.form.aoi.clear()
    assert not dock.start_search()
    assert "area of interest" in qgis_iface.messageBar().get_messages(1)[-1]
    dock.form.aoi.set_wkt(AOI)
    dock.portal_list.set_checked_portals([])
    assert not dock.start_search()
    assert "portal" in qgis_iface.messageBar().get_messages(1)[-1]
    dock.portal_list.set_checked_portals(["earth_search"])
    dock.form.set_dates(date(2024, 5, 1), date(2024, 4, 1))
    assert not dock.start_search()
    assert qgis_iface.messageBar().get_messages(1)[-1].endswith(
        "The end date (2024-04-01) is before the start date (2024-05-01).")


def test_shutdown_stops_the_search_and_leaves_nothing_on_the_canvas(make_dock, tmp_path, monkeypatch, qgis_iface):
    canvas = qgis_iface.mapCanvas()
    items_before = len(canvas.scene().items())
    with recorded_portals(tmp_path, ["geodes"], delay={"geodes": 30}) as rp:
        monkeypatch.setenv("EO_PORTALS_CATALOG", str(rp.catalog_path))
        dock = make_dock()
        prepare(dock, ["geodes"])
        dock.form.polygon_button.click()
        assert canvas.mapTool() is dock.form.aoi.polygon_tool
        assert dock.start_search()
        task = dock.run.task
        dock.shutdown()
        assert task.isCanceled()
        assert canvas.mapTool() is not dock.form.aoi.polygon_tool
        assert len(canvas.scene().items()) == items_before
        assert wait_until(lambda: QgsApplication.taskManager().countActiveTasks() == 0, 15)


def test_exports_have_the_columns_of_the_footprints_layers():
    from plugin.core.export import COLUMNS

    assert list(COLUMNS) == list(FIELD_NAMES)


def test_a_row_of_two_versions_says_so_and_the_chosen_one_drives_everything(make_dock, tmp_path, monkeypatch):
    """CDSE's real record (baseline 05.00) and GEODES's real record renamed to the same acquisition under the
    original baseline 02.09: one row, "2 versions"; choosing the older one in the quicklook pane changes the
    row, the footprint on the map, the quicklook and what a download fetches, all to that version."""
    old_name = "S2A_MSIL1C_20200808T010311_N0209_R045_T54PXA_20200808T031405"
    page = json.loads(fixture_bytes("geodes/search_peps_s2_l1c.json"))
    page["features"][0]["properties"]["identifier"] = old_name
    page["links"] = [link for link in page["links"] if link.get("rel") != "next"]
    page["context"]["matched"] = page["context"]["returned"]
    geodes_geometry = page["features"][0]["geometry"]
    with recorded_portals(tmp_path, ["cdse", "geodes"]) as rp:
        rp.server.add("POST", "/geodes/api/stac/search", json.dumps(page).encode(),
                      content_type="application/geo+json")
        monkeypatch.setenv("EO_PORTALS_CATALOG", str(rp.catalog_path))
        dock = make_dock()
        prepare(dock, ["cdse", "geodes"], collection="S2_MSI_L1C")
        assert dock.start_search()
        wait_for_search(dock)
    results = dock.results
    row = results.model.row_of("S2A_MSIL1C_20200808T010311_R045_T54PXA")
    product = results.model.product(row)
    newest = product.title
    assert "_N0500_" in newest and {v.name for v in product.versions} == {newest, old_name}
    assert results.model.index(row, Column.PORTALS).data() == "CDSE · 2 versions"
    assert results.model.index(row, Column.TITLE).data() == newest
    results.select_products([product.identity])
    chooser = dock.quicklook.versions
    assert not chooser.isHidden() and chooser.combo.count() == 2 and chooser.label.text() == "2 versions"
    assert dock.quicklook.title.text() == newest and dock.quicklook.url == product.preferred.quicklook

    assert chooser.choose(old_name)
    assert results.model.index(row, Column.TITLE).data() == old_name
    assert results.model.index(row, Column.PORTALS).data() == "GEODES · 2 versions"
    older = product.version_named(old_name)
    assert dock.quicklook.title.text() == old_name and dock.quicklook.url == older.quicklook != product.preferred.quicklook
    feature = next(f for f in results.footprints.layer.getFeatures() if f["identity"] == product.identity)
    assert feature["title"] == old_name and json.loads(feature["sources"]).keys() == {"geodes"}
    shown = QgsGeometry.fromWkt(older.footprint.wkt)
    assert feature.geometry().equals(shown) or feature.geometry().difference(shown).area() < 1e-9
    assert older.footprint.equals(shape(geodes_geometry))
    requested = []
    results.download_requested.connect(requested.append)
    results._download_clicked()  # what the Download button does with the selected row
    job_product = requested[0][0].only()
    assert job_product.title == old_name and [s.portal for s in job_product.sources] == ["geodes"]
