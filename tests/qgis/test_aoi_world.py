"""Wide areas, the antimeridian and the edge of the world, driven as a user does: a map in a given CRS and
extent, the Rectangle button and a mouse drag on the canvas (press, move, release reach the map tool as
QgsMapMouseEvents through the canvas), or Zoom Full / a zoomed-out map and the Extent button. Each test reads
what the panel says about the area and the query a search would send.
"""
from __future__ import annotations

import re

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
from shapely.geometry import Point

from tests.qgis.test_dock import make_dock, offline, spin  # noqa: F401 (fixtures)

WGS84 = QgsCoordinateReferenceSystem("EPSG:4326")
MERCATOR = QgsCoordinateReferenceSystem("EPSG:3857")
PACIFIC_MERCATOR = QgsCoordinateReferenceSystem("EPSG:3832")  # PDC Mercator, centred on 150°E
WHOLE_EARTH_KM2 = 510_065_622  # WGS 84 ellipsoid

LABEL = re.compile(r"Area of ([\d ]+|[\d.]+) km², from (-?[\d.]+), (-?[\d.]+) to (-?[\d.]+), (-?[\d.]+) \(lon, lat\)")


@pytest.fixture
def canvas(qgis_iface):
    """The QGIS map canvas, shown (so that it has its real size), with the pan tool active."""
    canvas = qgis_iface.mapCanvas()
    qgis_iface.mainWindow().show()
    spin(20)
    pan = QgsMapToolPan(canvas)
    canvas.setMapTool(pan)
    yield canvas
    canvas.unsetMapTool(pan)
    canvas.setLayers([])


def show(canvas, crs: QgsCoordinateReferenceSystem, extent: QgsRectangle) -> None:
    canvas.setDestinationCrs(crs)
    canvas.setExtent(extent)
    canvas.refresh()
    spin(5)


def pixel(canvas, lon: float, lat: float) -> QPoint:
    """Where the point lon, lat is on the canvas (the canvas CRS is what the user sees, so the test says
    where in lon/lat and the canvas tells the pixel)."""
    transform = QgsCoordinateTransform(WGS84, canvas.mapSettings().destinationCrs(), QgsProject.instance())
    point = canvas.getCoordinateTransform().transform(transform.transform(QgsPointXY(lon, lat)))
    return QPoint(round(point.x()), round(point.y()))


def pixel_xy(canvas, x: float, y: float) -> QPoint:
    """Where the point x, y in the canvas CRS is on the canvas."""
    point = canvas.getCoordinateTransform().transform(QgsPointXY(x, y))
    return QPoint(round(point.x()), round(point.y()))


def drag_rectangle(dock, canvas, start: QPoint, end: QPoint) -> None:
    """Rectangle button, then press, move and release on the map, as a user draws."""
    viewport = canvas.viewport()
    assert viewport.rect().contains(start) and viewport.rect().contains(end), (start, end, viewport.rect())
    dock.form.rectangle_button.click()
    assert canvas.mapTool() is dock.form.aoi.rectangle_tool
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(viewport, (start + end) / 2)
    QTest.mouseMove(viewport, end)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
    assert dock.form.aoi.is_set()


def label_values(dock):
    """(area km², west, south, east, north) as the panel writes them."""
    text = dock.form.aoi_label.text()
    assert "nan" not in text.lower()
    match = LABEL.search(text)
    assert match, text
    area = float(match.group(1).replace(" ", ""))
    return (area,) + tuple(float(match.group(i)) for i in range(2, 6))


def test_rectangle_from_minus_170_to_170_on_a_lon_lat_map_is_340_degrees_wide(make_dock, canvas, qgis_iface):
    dock = make_dock()
    show(canvas, WGS84, QgsRectangle(-180, -90, 180, 90))
    degrees_per_pixel = canvas.mapUnitsPerPixel()
    drag_rectangle(dock, canvas, pixel(canvas, -170, 80), pixel(canvas, 170, -80))

    area, west, south, east, north = label_values(dock)
    assert (west, south, east, north) == pytest.approx((-170, -80, 170, 80), abs=degrees_per_pixel)
    # 340° of longitude between ±80°: 474 million km², not a 20° strip at the antimeridian
    assert area == pytest.approx(474_345_783, rel=0.01)
    query = dock.form.build_query(dock.preferences.limit)
    assert query.notes == ()  # not "crosses the antimeridian and has been split in two"
    assert len(query.parts) == 1
    assert query.bbox == pytest.approx((-170, -80, 170, 80), abs=degrees_per_pixel)
    assert query.geometry.area == pytest.approx(340 * 160, rel=0.01)
    assert query.geometry.contains(Point(0, 0)) and not query.geometry.contains(Point(180, 0))


def test_rectangle_drawn_across_the_antimeridian_on_a_lon_lat_map_is_split(make_dock, canvas):
    # kept as it was: the map shows longitudes past 180, the user drags from 170 to 190
    dock = make_dock()
    show(canvas, WGS84, QgsRectangle(100, -60, 260, 60))
    degrees_per_pixel = canvas.mapUnitsPerPixel()
    drag_rectangle(dock, canvas, pixel_xy(canvas, 170, 20), pixel_xy(canvas, 190, 10))

    area, west, south, east, north = label_values(dock)
    assert (west, south, east, north) == pytest.approx((170, 10, 190, 20), abs=degrees_per_pixel)
    assert area == pytest.approx(2_377_104, rel=0.05)
    query = dock.form.build_query(dock.preferences.limit)
    assert [note for note in query.notes if "antimeridian" in note]
    assert sorted(round(part.bounds[0]) for part in query.parts) == [-180, 170]
    assert query.geometry.area == pytest.approx(200, rel=0.05)


@pytest.mark.parametrize("crs", [MERCATOR, PACIFIC_MERCATOR], ids=["EPSG:3857", "EPSG:3832"])
def test_rectangle_drawn_across_the_antimeridian_on_a_projected_map_is_split(make_dock, canvas, crs):
    # kept as it was: the drag goes from 170°E to 170°W the short way, over the antimeridian
    dock = make_dock()
    to_crs = QgsCoordinateTransform(WGS84, crs, QgsProject.instance())
    west_x = to_crs.transform(QgsPointXY(150, 0)).x()
    # 230°E = 130°W, past the map's edge in 3857 (where x goes beyond 20037508 m)
    span = 80 * (to_crs.transform(QgsPointXY(170, 0)).x() - to_crs.transform(QgsPointXY(160, 0)).x()) / 10
    south_y, north_y = to_crs.transform(QgsPointXY(150, -30)).y(), to_crs.transform(QgsPointXY(150, 50)).y()
    show(canvas, crs, QgsRectangle(west_x, south_y, west_x + span, north_y))
    metres_per_degree = (to_crs.transform(QgsPointXY(171, 0)).x() - to_crs.transform(QgsPointXY(170, 0)).x())
    x170 = to_crs.transform(QgsPointXY(170, 0)).x()
    y10, y20 = to_crs.transform(QgsPointXY(170, 10)).y(), to_crs.transform(QgsPointXY(170, 20)).y()
    drag_rectangle(dock, canvas, pixel_xy(canvas, x170, y20), pixel_xy(canvas, x170 + 20 * metres_per_degree, y10))

    tolerance = canvas.mapUnitsPerPixel() / metres_per_degree
    _area, west, south, east, north = label_values(dock)
    assert (west, east) == pytest.approx((170, 190), abs=tolerance)
    query = dock.form.build_query(dock.preferences.limit)
    assert [note for note in query.notes if "antimeridian" in note]
    assert sorted(round(part.bounds[0]) for part in query.parts) == [-180, 170]
    assert query.geometry.area == pytest.approx(20 * (north - south), rel=0.02)
    # the map shows the area where it was drawn (in Web Mercator, past the world's edge at 180°), not the 340°
    # between 170°W and 170°E
    drawn = QgsRectangle(canvas.getCoordinateTransform().toMapCoordinates(pixel_xy(canvas, x170, y20)),
                         canvas.getCoordinateTransform().toMapCoordinates(
                             pixel_xy(canvas, x170 + 20 * metres_per_degree, y10)))
    shown = dock.form.aoi.shown_geometry()
    assert shown.symDifference(QgsGeometry.fromRect(drawn)).area() < 0.01 * drawn.area()


def world_layer() -> QgsVectorLayer:
    layer = QgsVectorLayer("Polygon?crs=EPSG:4326", "world", "memory")
    feature = QgsFeature()
    feature.setGeometry(QgsGeometry.fromRect(QgsRectangle(-180, -90, 180, 90)))
    layer.dataProvider().addFeatures([feature])
    layer.updateExtents()
    return layer


def test_zoom_full_then_extent_on_a_lon_lat_map_is_the_whole_world(make_dock, canvas, qgis_iface):
    dock = make_dock()
    layer = world_layer()
    QgsProject.instance().addMapLayer(layer)
    canvas.setDestinationCrs(WGS84)
    canvas.setLayers([layer])
    canvas.zoomToFullExtent()
    spin(5)
    shown = canvas.extent()
    assert shown.yMinimum() < -90 or shown.yMaximum() > 90 or shown.xMinimum() < -180  # the map shows more
    qgis_iface.messageBar().clear_messages()
    dock.form.extent_button.click()

    area, west, south, east, north = label_values(dock)
    assert (west, south, east, north) == pytest.approx((-180, -90, 180, 90))
    assert area == pytest.approx(WHOLE_EARTH_KM2, rel=1e-4)
    query = dock.form.build_query(dock.preferences.limit)  # no "latitudes exceed ±90°"
    assert query.bbox == pytest.approx((-180, -90, 180, 90))
    assert len(query.parts) == 1 and query.notes == ()
    assert query.geometry.area == pytest.approx(360 * 180)
    assert qgis_iface.messageBar().get_messages(1) == []
    QgsProject.instance().removeMapLayer(layer.id())


def test_extent_of_a_web_mercator_map_zoomed_out_beyond_the_world(make_dock, canvas, qgis_iface):
    dock = make_dock()
    show(canvas, MERCATOR, QgsRectangle(-60e6, -40e6, 60e6, 40e6))  # three worlds wide
    qgis_iface.messageBar().clear_messages()
    dock.form.extent_button.click()

    # Web Mercator's world: every longitude, latitudes to ±85.06°
    area, west, south, east, north = label_values(dock)
    assert (west, south, east, north) == pytest.approx((-180, -85.06, 180, 85.06), abs=1e-3)
    assert area == pytest.approx(WHOLE_EARTH_KM2 * 0.9963, rel=2e-3)  # all but the caps beyond 85.06°
    query = dock.form.build_query(dock.preferences.limit)  # no "longitudes exceed ±180°"
    assert query.bbox == pytest.approx((-180, -85.06, 180, 85.06), abs=1e-3)
    assert len(query.parts) == 1 and query.notes == ()
    assert qgis_iface.messageBar().get_messages(1) == []


def test_a_rectangle_drawn_beyond_the_pole_is_refused_with_a_reason(make_dock, canvas, qgis_iface):
    dock = make_dock()
    show(canvas, WGS84, QgsRectangle(-180, -90, 180, 90))
    assert canvas.extent().yMaximum() > 100  # the map shows the void above the north pole
    dock.form.aoi.set_wkt("POLYGON((2 46,3 46,3 47,2 47,2 46))")
    qgis_iface.messageBar().clear_messages()
    drag_rectangle(dock, canvas, pixel_xy(canvas, -20, canvas.extent().yMaximum() - 1), pixel_xy(canvas, 20, 95))
    assert "beyond the poles" in qgis_iface.messageBar().get_messages(1)[-1]
    assert dock.form.aoi.geometry().boundingBox().xMinimum() == pytest.approx(2)  # the previous area is kept


def test_a_rectangle_drawn_round_the_north_pole_on_a_polar_map_is_the_cap(make_dock, canvas):
    # NSIDC polar stereographic north: a 2000 km square centred on the pole. Its outline goes round the pole
    # (every longitude); the area is the cap inside it, up to 90°N, not the ring of latitudes its edges cross.
    dock = make_dock()
    polar = QgsCoordinateReferenceSystem("EPSG:3413")
    show(canvas, polar, QgsRectangle(-3e6, -3e6, 3e6, 3e6))
    drag_rectangle(dock, canvas, pixel_xy(canvas, -1e6, 1e6), pixel_xy(canvas, 1e6, -1e6))
    drawn = QgsRectangle(canvas.getCoordinateTransform().toMapCoordinates(pixel_xy(canvas, -1e6, 1e6)),
                         canvas.getCoordinateTransform().toMapCoordinates(pixel_xy(canvas, 1e6, -1e6)))

    area, west, south, east, north = label_values(dock)
    assert (west, east, north) == pytest.approx((-180, 180, 90))
    assert 76 < south < 78  # the square's corners, about 1414 km from the pole
    # the map's scale is 0.97 near the pole (true at 70°N): the ground area is the drawn one / 0.97²
    assert area == pytest.approx(drawn.area() / 1e6 / 0.97 ** 2, rel=0.03)
    query = dock.form.build_query(dock.preferences.limit)
    assert len(query.parts) == 1 and query.notes == ()
    # the map's central meridian 45°W points down; 45°E and 135°E point at the middle of its sides, 0° at a corner
    assert query.geometry.contains(Point(0, 89.9)) and query.geometry.contains(Point(135, 82))
    assert query.geometry.contains(Point(0, 78)) and not query.geometry.contains(Point(45, 78))
    shown = dock.form.aoi.shown_geometry()  # on the map: the square drawn
    assert shown.symDifference(QgsGeometry.fromRect(drawn)).area() < 0.01 * drawn.area()
