"""AOIs drawn in any CRS reach the core in EPSG:4326, split at the antimeridian when they cross it."""
import pytest
from qgis.core import (QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsGeometry, QgsPointXY, QgsProject,
                       QgsRectangle)

from plugin.core.query import SearchQuery
from plugin.geometry import aoi_to_wgs84


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
