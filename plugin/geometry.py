"""From a QGIS geometry in any CRS to the core's EPSG:4326 shapely geometry, antimeridian included."""
from __future__ import annotations

from typing import Optional

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsCoordinateTransformContext,
    QgsGeometry,
    QgsProject,
)
from shapely import wkb

from .core.query import unwrap_longitudes

WGS84 = QgsCoordinateReferenceSystem("EPSG:4326")


def aoi_to_wgs84(
    geometry: QgsGeometry,
    crs: QgsCoordinateReferenceSystem,
    context: Optional[QgsCoordinateTransformContext] = None,
):
    """A shapely geometry in EPSG:4326 for a QGIS geometry in `crs`.

    Edges are densified first so that the transformed outline follows the shape the user drew, and a shape
    drawn across the antimeridian keeps continuous longitudes (170 ... 190) for the core to split.
    """
    copy = QgsGeometry(geometry)
    if crs.isValid() and crs != WGS84:
        box = copy.boundingBox()
        step = max(box.width(), box.height()) / 64.0
        if step > 0:
            copy = copy.densifyByDistance(step)
        transform = QgsCoordinateTransform(crs, WGS84, context or QgsProject.instance().transformContext())
        copy.transform(transform)
    shape = wkb.loads(bytes(copy.asWkb()))
    if shape.geom_type in ("Polygon", "MultiPolygon"):
        shape = unwrap_longitudes(shape)
    return shape
