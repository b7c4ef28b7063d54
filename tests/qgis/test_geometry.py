"""AOIs drawn in any CRS reach the core in EPSG:4326, split at the antimeridian when they cross it."""
import pytest
from qgis.core import (QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsDistanceArea, QgsGeometry, QgsPointXY,
                       QgsProject, QgsRectangle)

from plugin.core.query import SearchQuery
from plugin.geometry import aoi_to_wgs84, area_km2


def test_web_mercator_rectangle_becomes_lon_lat():
    mercator = QgsCoordinateReferenceSystem("EPSG:3857")
    to_mercator = QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:4326"), mercator, QgsProject.instance())
    rect = QgsGeometry.fromRect(to_mercator.transformBoundingBox(QgsRectangle(3.0, 47.4, 3.1, 47.5)))
    shape = aoi_to_wgs84(rect, mercator)
    minx, miny, maxx, maxy = shape.bounds
    assert (minx, maxx) == pytest.approx((3.0, 3.1), abs=1e-3)
    assert (miny, maxy) == pytest.approx((47.4, 47.5), abs=1e-3)


def test_rectangle_drawn_across_the_antimeridian_in_a_pacific_crs_is_split():
    # EPSG:3832 (PDC Mercator) is centred on 150E: x from 2.2e6 to 4.4e6 m spans about 170E to 190E (-170)
    crs = QgsCoordinateReferenceSystem("EPSG:3832")
    rect = QgsGeometry.fromPolygonXY([[QgsPointXY(2226389, 1118890), QgsPointXY(4452779, 1118890),
                                       QgsPointXY(4452779, 2273030), QgsPointXY(2226389, 2273030),
                                       QgsPointXY(2226389, 1118890)]])
    query = SearchQuery.create(aoi_to_wgs84(rect, crs), "2023-01-01", "2023-01-02", "S2_MSI_L2A")
    assert len(query.parts) == 2
    west, east = sorted(query.parts, key=lambda p: p.bounds[0])
    assert west.bounds[0] == pytest.approx(-180) and west.bounds[2] == pytest.approx(-170, abs=0.01)
    assert east.bounds[0] == pytest.approx(170, abs=0.01) and east.bounds[2] == pytest.approx(180)



def measured_km2(west, south, east, north):
    """QgsDistanceArea on the WGS 84 ellipsoid, right for narrow areas (it takes edges as geodesics), summed
    over 1° wide strips so that the edges along parallels stay close to the geodesics."""
    measure = QgsDistanceArea()
    measure.setSourceCrs(QgsCoordinateReferenceSystem("EPSG:4326"), QgsProject.instance().transformContext())
    measure.setEllipsoid("EPSG:7030")
    total = 0.0
    for x in range(int(west), int(east)):
        total += measure.measureArea(QgsGeometry.fromRect(QgsRectangle(x, south, x + 1, north)))
    return total / 1e6


def test_area_of_lon_lat_rectangles_of_any_width():
    assert area_km2(QgsGeometry.fromRect(QgsRectangle(0, 0, 1, 1))) == pytest.approx(measured_km2(0, 0, 1, 1),
                                                                                      rel=1e-4)
    # the WGS 84 ellipsoid's surface (4πR² with its authalic radius 6371007.181 m)
    assert area_km2(QgsGeometry.fromRect(QgsRectangle(-180, -90, 180, 90))) == pytest.approx(
        4 * 3.141592653589793 * 6371.007181 ** 2, rel=1e-6)
    # 340° wide: not the 20° the short way round; and past 180° the same as 170..180 plus -180..-170
    assert area_km2(QgsGeometry.fromRect(QgsRectangle(-170, 10, 170, 20))) == pytest.approx(
        measured_km2(-170, 10, 170, 20), rel=1e-3)
    assert area_km2(QgsGeometry.fromRect(QgsRectangle(170, 10, 190, 20))) == pytest.approx(
        measured_km2(170, 10, 180, 20) + measured_km2(-180, 10, -170, 20), rel=1e-3)
