"""The area of interest drawn with simulated mouse and key events on the map canvas (shown in EPSG:3857).

What the user drew, in the canvas CRS, must come out in EPSG:4326: the tests transform the AOI back to the
canvas CRS and compare it with the drawn shape, so the projection is proven both ways.
"""
from __future__ import annotations

import pytest
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsFeature,
    QgsGeometry,
    QgsPointXY,
    QgsProject,
    QgsRectangle,
    QgsVectorLayer,
)
from qgis.gui import QgsMapToolPan
from qgis.PyQt.QtCore import QPoint, Qt
from qgis.PyQt.QtTest import QTest

from tests.qgis.test_dock import make_dock, offline, spin  # noqa: F401 (fixtures)

MERCATOR = QgsCoordinateReferenceSystem("EPSG:3857")
WGS84 = QgsCoordinateReferenceSystem("EPSG:4326")
LAMBERT93 = QgsCoordinateReferenceSystem("EPSG:2154")


@pytest.fixture
def canvas(qgis_iface):
    """The canvas in Web Mercator over France, with the pan tool active (as a user would have it)."""
    canvas = qgis_iface.mapCanvas()
    canvas.setDestinationCrs(MERCATOR)
    # Shown, so that the canvas has its real size (a hidden widget gets its resize event only when shown).
    qgis_iface.mainWindow().show()
    spin(20)
    assert canvas.mapSettings().outputSize() == canvas.viewport().size()
    canvas.setExtent(QgsRectangle(-550000, 5000000, 1050000, 6600000))
    pan = QgsMapToolPan(canvas)
    canvas.setMapTool(pan)
    canvas.pan_tool = pan
    yield canvas
    canvas.unsetMapTool(pan)


def to_map(canvas, x: int, y: int) -> QgsPointXY:
    """Map coordinates (canvas CRS) of a pixel of the canvas."""
    return canvas.getCoordinateTransform().toMapCoordinates(x, y)


def back_to_canvas(geometry: QgsGeometry) -> QgsGeometry:
    copy = QgsGeometry(geometry)
    copy.transform(QgsCoordinateTransform(WGS84, MERCATOR, QgsProject.instance()))
    return copy


def same_shape(a: QgsGeometry, b: QgsGeometry, tolerance: float = 1e-6) -> bool:
    """Equal areas up to `tolerance` of the area (vertex counts may differ: the AOI is densified)."""
    return a.symDifference(b).area() <= tolerance * b.area()


def test_rectangle_drawn_with_the_mouse_is_the_aoi_in_lon_lat(make_dock, canvas):
    dock = make_dock()
    viewport = canvas.viewport()
    dock.form.rectangle_button.click()
    assert canvas.mapTool() is dock.form.aoi.rectangle_tool and dock.form.rectangle_button.isChecked()
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(100, 150))
    QTest.mouseMove(viewport, QPoint(250, 260))
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(400, 350))
    drawn = QgsGeometry.fromRect(QgsRectangle(to_map(canvas, 100, 150), to_map(canvas, 400, 350)))
    aoi = dock.form.aoi.geometry()
    assert aoi is not None
    # lon/lat bounds are the drawn corners transformed on their own
    corners = QgsCoordinateTransform(MERCATOR, WGS84, QgsProject.instance()).transformBoundingBox(drawn.boundingBox())
    box = aoi.boundingBox()
    assert (box.xMinimum(), box.yMinimum(), box.xMaximum(), box.yMaximum()) == pytest.approx(
        (corners.xMinimum(), corners.yMinimum(), corners.xMaximum(), corners.yMaximum()), abs=1e-9)
    assert same_shape(back_to_canvas(aoi), drawn)
    # the previous tool is back, the button released, the area shown on the map and described in the panel
    assert canvas.mapTool() is canvas.pan_tool and not dock.form.rectangle_button.isChecked()
    assert same_shape(dock.form.aoi.shown_geometry(), drawn, 1e-4)
    assert "km²" in dock.form.aoi_label.text()
    # the query the panel builds uses that area
    query = dock.form.build_query(dock.preferences.limit)
    assert query.bbox == pytest.approx((corners.xMinimum(), corners.yMinimum(), corners.xMaximum(),
                                        corners.yMaximum()), abs=1e-6)


def test_polygon_clicks_and_right_click_finish(make_dock, canvas):
    dock = make_dock()
    viewport = canvas.viewport()
    dock.form.polygon_button.click()
    pixels = [(120, 100), (450, 180), (380, 480), (90, 400)]
    for x, y in pixels:
        QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(x, y))
    QTest.mouseMove(viewport, QPoint(200, 300))
    assert dock.form.aoi.polygon_tool.vertex_count == 4 and not dock.form.aoi.is_set()
    QTest.mouseClick(viewport, Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier, QPoint(200, 300))
    points = [to_map(canvas, x, y) for x, y in pixels]
    drawn = QgsGeometry.fromPolygonXY([points + [points[0]]])
    aoi = dock.form.aoi.geometry()
    assert aoi is not None and aoi.isGeosValid()
    assert same_shape(back_to_canvas(aoi), drawn)
    # slanted edges were densified before the transform: they follow the Mercator shape in lon/lat
    assert len(list(aoi.vertices())) > 5
    assert canvas.mapTool() is canvas.pan_tool


def test_backspace_removes_the_last_vertex(make_dock, canvas):
    dock = make_dock()
    viewport = canvas.viewport()
    dock.form.polygon_button.click()
    for x, y in [(100, 100), (300, 100), (500, 500), (100, 300)]:
        QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(x, y))
    QTest.keyClick(canvas, Qt.Key.Key_Backspace)
    assert dock.form.aoi.polygon_tool.vertex_count == 3
    QTest.mouseClick(viewport, Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier, QPoint(1, 1))
    points = [to_map(canvas, x, y) for x, y in [(100, 100), (300, 100), (500, 500)]]
    assert same_shape(back_to_canvas(dock.form.aoi.geometry()), QgsGeometry.fromPolygonXY([points + [points[0]]]))


def test_escape_cancels_a_rectangle_being_dragged(make_dock, canvas):
    dock = make_dock()
    viewport = canvas.viewport()
    dock.form.rectangle_button.click()
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(100, 100))
    QTest.mouseMove(viewport, QPoint(300, 300))
    QTest.keyClick(canvas, Qt.Key.Key_Escape)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(300, 300))
    assert not dock.form.aoi.is_set()
    assert canvas.mapTool() is canvas.pan_tool and not dock.form.rectangle_button.isChecked()
    assert dock.form.aoi.shown_geometry().isEmpty()


def test_escape_cancels_a_polygon_and_keeps_the_previous_area(make_dock, canvas):
    dock = make_dock()
    viewport = canvas.viewport()
    dock.form.aoi.set_wkt("POLYGON((2 46,3 46,3 47,2 47,2 46))")
    before = dock.form.aoi.geometry()
    dock.form.polygon_button.click()
    for x, y in [(100, 100), (300, 100)]:
        QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(x, y))
    QTest.keyClick(canvas, Qt.Key.Key_Escape)
    assert dock.form.aoi.geometry().equals(before)
    assert canvas.mapTool() is canvas.pan_tool
    assert dock.form.aoi.polygon_tool.vertex_count == 0


def test_map_extent_as_the_area(make_dock, canvas):
    dock = make_dock()
    dock.form.extent_button.click()
    expected = QgsCoordinateTransform(MERCATOR, WGS84, QgsProject.instance()).transformBoundingBox(canvas.extent())
    box = dock.form.aoi.geometry().boundingBox()
    assert (box.xMinimum(), box.yMinimum(), box.xMaximum(), box.yMaximum()) == pytest.approx(
        (expected.xMinimum(), expected.yMinimum(), expected.xMaximum(), expected.yMaximum()), abs=1e-9)


def test_selected_features_of_a_layer_in_another_crs(make_dock, canvas, qgis_iface):
    dock = make_dock()
    layer = QgsVectorLayer("Polygon?crs=EPSG:2154", "parcels", "memory")
    shapes = ["POLYGON((650000 6860000, 660000 6860000, 660000 6870000, 650000 6870000, 650000 6860000))",
              "POLYGON((700000 6600000, 720000 6600000, 710000 6620000, 700000 6600000))",
              "POLYGON((800000 6500000, 801000 6500000, 801000 6501000, 800000 6500000))"]
    features = []
    for wkt in shapes:
        feature = QgsFeature()
        feature.setGeometry(QgsGeometry.fromWkt(wkt))
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    QgsProject.instance().addMapLayer(layer)
    ids = [f.id() for f in layer.getFeatures()]
    layer.selectByIds(ids[:2])
    qgis_iface.setActiveLayer(layer)
    dock.form.selection_button.click()
    # back in the layer's CRS, the area is the union of the two selected parcels
    selected = QgsGeometry.unaryUnion([QgsGeometry.fromWkt(wkt) for wkt in shapes[:2]])
    aoi = dock.form.aoi.geometry()
    aoi.transform(QgsCoordinateTransform(WGS84, LAMBERT93, QgsProject.instance()))
    assert same_shape(aoi, selected)
    QgsProject.instance().removeMapLayer(layer.id())


def test_no_selection_says_so(make_dock, canvas, qgis_iface):
    dock = make_dock()
    qgis_iface.messageBar().clear_messages()
    dock.form.selection_button.click()
    assert not dock.form.aoi.is_set()
    assert "select" in qgis_iface.messageBar().get_messages(1)[-1].lower()


def test_the_area_stays_drawn_follows_the_canvas_crs_and_clears(make_dock, canvas):
    dock = make_dock()
    dock.form.aoi.set_wkt("POLYGON((2 46,3 46,3 47,2 47,2 46))")
    shown = dock.form.aoi.shown_geometry().boundingBox()
    assert shown.xMinimum() == pytest.approx(222638.98, abs=1)  # 2°E in Web Mercator
    canvas.setDestinationCrs(LAMBERT93)
    shown = dock.form.aoi.shown_geometry().boundingBox()
    assert 500000 < shown.xMinimum() < 700000 and 6500000 < shown.yMinimum() < 6700000
    # a new area replaces the old one
    dock.form.aoi.set_wkt("POLYGON((5 45,6 45,6 46,5 46,5 45))")
    assert dock.form.aoi.geometry().boundingBox().xMinimum() == pytest.approx(5)
    dock.form.clear_aoi_button.click()
    assert not dock.form.aoi.is_set() and dock.form.aoi.shown_geometry().isEmpty()
    assert not dock.form.clear_aoi_button.isEnabled()
