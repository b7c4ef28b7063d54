"""The Time series tab (plugin/ui/series_panel.py) in a real dock: parcels from the drawn area or from the selected
polygons of the active layer, the results' products read off the main thread, points drawn as they come, a point
clicked selects its product in the results table. Products are made from the real COG fixtures' STAC items and
served on loopback under several dates (tests/support/cogs.py); the values are checked against the core's own
series (itself checked against numpy in tests/core/test_subset.py).
"""
from __future__ import annotations

import uuid

import pytest
from qgis.core import QgsFeature, QgsGeometry, QgsProject, QgsVectorLayer
from qgis.PyQt.QtCore import QPoint, Qt
from qgis.PyQt.QtTest import QTest
from shapely.geometry import box

from plugin.core.http import HttpSettings
from plugin.core.subset import Access, time_series
from plugin.ui.series_panel import attach
from tests.core.test_subset import to_lonlat
from tests.qgis.test_dock import make_dock, offline  # noqa: F401 (fixtures)
from tests.support.cog_server import CogServer
from tests.support.cogs import S2_CLEAR, served_product, utc
from tests.support.qt_wait import spin, wait_until
from tests.support.shots import DOCK_WIDTH, save_picture


@pytest.fixture
def served():
    with CogServer() as server:
        base = "/" + uuid.uuid4().hex[:8]
        yield [served_product(server, S2_CLEAR, utc(2020, 3, day), prefix=base) for day in (1, 6, 11, 16)]


def test_series_of_the_drawn_area_over_the_results(qgis_iface, make_dock, served, tmp_path):
    dock = make_dock()
    panel = attach(dock, qgis_iface)
    assert dock.tabs.tabText(dock.tab_index(panel)) == "Time series"
    dock.results.add(served)
    assert wait_until(lambda: len(dock.results.products()) == 4)
    area = to_lonlat(box(250035, 2750025, 251975, 2751975), 32629)
    assert dock.form.aoi.set_wkt(area.wkt)
    assert [panel.mask_list.item(i).checkState() == Qt.CheckState.Checked
            for i in range(panel.mask_list.count())].count(True) == 7  # SCL defaults ticked
    task = panel.start()
    assert task is not None and panel.run_button.text() == "Cancel"
    assert wait_until(lambda: panel.task is None, timeout=60)
    points = panel.chart.points()
    expected = list(time_series(served, [p for p in panel.parcels()], "NDVI", panel.mask_keys(),
                                access_for=lambda _p: Access(HttpSettings(timeout=10))))
    assert sorted((p.date, p.mean, p.valid) for p in points) == sorted((p.date, p.mean, p.valid) for p in expected)
    assert len(points) == 4 and "4 point(s)" in panel.status.text()
    assert panel.csv_button.isEnabled() and panel.run_button.text() == "Run"
    # a point clicked selects its product in the results table
    panel.chart.resize(340, 220)
    target = sorted(points, key=lambda p: p.date)[2]
    where = panel.chart.position_of(target)
    QTest.mouseClick(panel.chart, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(int(where.x()), int(where.y())))
    assert [p.title for p in dock.results.selected_products()] == [target.product]
    dock.tabs.setCurrentWidget(dock.tabs.widget(dock.tab_index(panel)))
    dock.resize(DOCK_WIDTH, 700)
    dock.show()
    spin(200)  # the layout settles
    save_picture(dock, "time-series-tab.png", tmp_path)
    dock.hide()


def test_series_of_selected_polygons_and_what_is_missing(qgis_iface, make_dock, served):
    dock = make_dock()
    panel = attach(dock, qgis_iface)
    panel.start()
    assert "Search first" in panel.status.text()
    dock.results.add(served[:2])
    assert wait_until(lambda: len(dock.results.products()) == 2)
    panel.parcels_combo.setCurrentIndex(panel.parcels_combo.findData("selection"))
    panel.start()
    assert "Choose parcels" in panel.status.text()
    layer = QgsVectorLayer("Polygon?crs=EPSG:32629&field=name:string", "fields", "memory")
    features = []
    for name, polygon in (("west", box(250035, 2750025, 250975, 2750975)), ("east", box(255035, 2750025, 255975,
                                                                                       2750975))):
        feature = QgsFeature(layer.fields())
        feature.setGeometry(QgsGeometry.fromWkt(polygon.wkt))
        feature.setAttributes([name])
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    QgsProject.instance().addMapLayer(layer)
    layer.selectAll()
    qgis_iface.setActiveLayer(layer)
    try:
        panel.start()
        assert wait_until(lambda: panel.task is None, timeout=60)
        assert sorted({p.parcel for p in panel.chart.points()}) == ["east", "west"]
        assert len(panel.chart.points()) == 4
    finally:
        QgsProject.instance().removeMapLayer(layer.id())


def test_closing_the_panel_mid_series_stops_every_reader(qgis_iface, make_dock):
    import threading

    dock = make_dock()
    panel = attach(dock, qgis_iface)
    with CogServer() as server:
        base = "/" + uuid.uuid4().hex[:8]
        slow = [served_product(server, S2_CLEAR, utc(2020, 5, day), prefix=base, delay=0.3) for day in range(1, 13)]
        dock.results.add(slow)
        assert wait_until(lambda: len(dock.results.products()) == 12)
        assert dock.form.aoi.set_wkt(to_lonlat(box(250035, 2750025, 251975, 2751975), 32629).wkt)
        task = panel.start()
        assert wait_until(lambda: len(panel.chart.points()) >= 1, timeout=30)
        dock.shutdown()  # what unloading the plugin does
        assert wait_until(lambda: not [t for t in threading.enumerate() if t.name.startswith("eo-portals-series")],
                          timeout=20)
        assert wait_until(lambda: panel.task is None, timeout=20)
    assert len(panel.chart.points()) < 12 and task is not None
