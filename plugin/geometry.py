"""From a QGIS geometry in any CRS to the core's EPSG:4326 shapely geometry, antimeridian included.

The rule for longitudes: a shape means what its own coordinates say. In EPSG:4326 a rectangle from -170 to
170 is 340° wide (it is never a strip across the antimeridian), and one drawn from 170 to 190 (the canvas
goes past 180) crosses it. A transform to EPSG:4326 wraps longitudes into -180..180: that wrap, and only it,
is undone (the outline is densified first, so a jump of more than 180° between two neighbouring vertices
can only come from the wrap). What lies beyond the world is brought back to it: latitudes past ±90° are cut
off, and a shape that goes more than once round the globe covers every longitude once.
"""
from __future__ import annotations

import math
import re
from typing import Optional, Union

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsCoordinateTransformContext,
    QgsCsException,
    QgsGeometry,
    QgsProject,
    QgsRectangle,
)
from shapely import wkb
from shapely.affinity import translate
from shapely.geometry import Polygon, box
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from .core.query import unwrap_longitudes

WGS84 = QgsCoordinateReferenceSystem("EPSG:4326")

# WGS 84 ellipsoid, for areas
_A = 6378137.0
_F = 1 / 298.257223563
_E2 = _F * (2 - _F)
_E = math.sqrt(_E2)
_B2 = _A * _A * (1 - _E2)


def _is_geographic(crs: QgsCoordinateReferenceSystem) -> bool:
    return not crs.isValid() or crs.isGeographic()


def aoi_to_wgs84(
    geometry: QgsGeometry,
    crs: QgsCoordinateReferenceSystem,
    context: Optional[QgsCoordinateTransformContext] = None,
) -> BaseGeometry:
    """A shapely geometry in EPSG:4326 for a QGIS geometry in `crs` (empty when it lies wholly beyond the poles).

    Edges are densified first so that the transformed outline follows the shape the user drew, and a shape
    drawn across the antimeridian keeps continuous longitudes (170 ... 190) for the core to split.
    Raises QgsCsException when the geometry cannot be transformed (outside the CRS's area).
    """
    copy = QgsGeometry(geometry)
    if _is_geographic(crs):
        # latitudes beyond the poles are off the world (a geographic canvas zoomed out shows them)
        bounds = copy.boundingBox()
        if bounds.yMinimum() < -90 or bounds.yMaximum() > 90:
            band = QgsGeometry.fromRect(QgsRectangle(bounds.xMinimum() - 1, -90, bounds.xMaximum() + 1, 90))
            copy = copy.intersection(band)
    transformed = crs.isValid() and crs != WGS84
    if transformed and not copy.isEmpty():
        box_ = copy.boundingBox()
        step = max(box_.width(), box_.height()) / 64.0
        if step > 0:
            copy = copy.densifyByDistance(step)
        transform = QgsCoordinateTransform(crs, WGS84, context or QgsProject.instance().transformContext())
        copy.transform(transform)
    if copy.isNull() or copy.isEmpty():
        return Polygon()
    shape = wkb.loads(bytes(copy.asWkb()))
    if not all(math.isfinite(value) for value in shape.bounds):
        raise QgsCsException("non-finite coordinates")
    if transformed and shape.geom_type in ("Polygon", "MultiPolygon"):
        shape = unwrap_longitudes(shape)
    return _one_world(shape)


def _one_world(shape: BaseGeometry) -> BaseGeometry:
    """`shape` with the middle of its longitudes in (-180, 180]; folded onto one world when wider than 360°."""
    minx, _miny, maxx, _maxy = shape.bounds
    centre = (minx + maxx) / 2
    turns = math.ceil((centre - 180) / 360)  # the centre ends in (-180, 180]
    if turns:
        shape = translate(shape, xoff=-360 * turns)
        minx, maxx = minx - 360 * turns, maxx - 360 * turns
    if maxx - minx < 360:
        return shape
    pieces = []
    for k in range(math.floor((minx + 180) / 360), math.ceil((maxx - 180) / 360) + 1):
        piece = shape.intersection(box(-180 + 360 * k, -90, 180 + 360 * k, 90))
        if not piece.is_empty:
            pieces.append(translate(piece, xoff=-360 * k))
    folded = unary_union(pieces)
    if folded.geom_type == "GeometryCollection":
        polygons = [part for part in folded.geoms if part.geom_type in ("Polygon", "MultiPolygon")]
        folded = unary_union(polygons) if polygons else folded
    return folded


def world_extent(crs: QgsCoordinateReferenceSystem,
                 context: Optional[QgsCoordinateTransformContext] = None) -> Optional[QgsRectangle]:
    """The whole world in `crs`'s own coordinates, when the CRS is made for the whole world (else None).

    Geographic CRSs: -180..180, -90..90. Projected CRSs whose area of use goes all round the globe (Web
    Mercator...): that area of use, projected (for EPSG:3857 the familiar square, latitudes ±85.06°).
    """
    if _is_geographic(crs):
        return QgsRectangle(-180, -90, 180, 90)
    area = crs.bounds()
    if area.isEmpty() or area.width() < 359.9:
        return None
    try:
        transform = QgsCoordinateTransform(WGS84, crs, context or QgsProject.instance().transformContext())
        world = transform.transformBoundingBox(area)
    except QgsCsException:
        return None
    if world.isEmpty() or not all(math.isfinite(v) for v in (world.xMinimum(), world.yMinimum(),
                                                              world.xMaximum(), world.yMaximum())):
        return None
    return world


def clamp_extent(extent: QgsRectangle, crs: QgsCoordinateReferenceSystem,
                 context: Optional[QgsCoordinateTransformContext] = None) -> QgsRectangle:
    """A map extent in `crs` cut to the world: latitudes (y) within the world, and the whole world's width
    when the map shows more than it (a narrower view across the antimeridian is kept as it is)."""
    world = world_extent(crs, context)
    if world is None:
        return QgsRectangle(extent)
    x_min, x_max = extent.xMinimum(), extent.xMaximum()
    if x_max - x_min >= world.width():
        x_min, x_max = world.xMinimum(), world.xMaximum()
    y_min = max(extent.yMinimum(), world.yMinimum())
    y_max = min(extent.yMaximum(), world.yMaximum())
    if y_max <= y_min:
        return QgsRectangle()
    return QgsRectangle(x_min, y_min, x_max, y_max)


def _zone_area(latitude: float) -> float:
    """Area (m²) between the equator and `latitude` (degrees) per radian of longitude, on WGS 84."""
    s = math.sin(math.radians(max(-90.0, min(90.0, latitude))))
    return _B2 / 2 * (s / (1 - _E2 * s * s) + math.log((1 + _E * s) / (1 - _E * s)) / (2 * _E))


def _ring_area(coords) -> float:
    total = 0.0
    points = list(coords)
    for (x1, y1), (x2, y2) in zip(points, points[1:]):
        if x1 == x2:
            continue
        steps = max(1, int(math.ceil(abs(y2 - y1) / 0.05)))
        dx = math.radians(x2 - x1) / steps
        for i in range(steps):
            total += _zone_area(y1 + (y2 - y1) * (i + 0.5) / steps) * dx
    return abs(total)


def area_km2(geometry: Union[BaseGeometry, QgsGeometry]) -> float:
    """Area in km² on the WGS 84 ellipsoid of a lon/lat geometry whose edges are straight in lon/lat (as the
    portals read them), whatever its width: a rectangle of 340° of longitude, the whole world, or one with
    longitudes past 180 (QgsDistanceArea takes edges as geodesics and gets such areas wrong, or nan)."""
    if isinstance(geometry, QgsGeometry):
        if geometry.isNull() or geometry.isEmpty():
            return 0.0
        geometry = wkb.loads(bytes(geometry.asWkb()))
    polygons = getattr(geometry, "geoms", [geometry])
    total = 0.0
    for polygon in polygons:
        if polygon.geom_type != "Polygon" or polygon.is_empty:
            continue
        total += _ring_area(polygon.exterior.coords) - sum(_ring_area(r.coords) for r in polygon.interiors)
    return total / 1e6


def _central_meridian(crs: QgsCoordinateReferenceSystem) -> float:
    """The longitude at the middle of `crs`'s map (its +lon_0, 0 when it has none)."""
    match = re.search(r"\+lon_0=(-?[\d.]+)", crs.toProj() or "")
    try:
        return float(match.group(1)) if match else 0.0
    except ValueError:
        return 0.0


def wgs84_to_map(shape: BaseGeometry, crs: QgsCoordinateReferenceSystem,
                 context: Optional[QgsCoordinateTransformContext] = None) -> QgsGeometry:
    """A lon/lat area as a map in `crs` shows it: cut where that map's world ends (the meridian opposite its
    centre: 180° for Web Mercator, 30°W for a Pacific map centred on 150°E), each piece drawn on the world's
    side it belongs to, edges following lon/lat lines. Raises QgsCsException when it cannot be shown."""
    if shape.is_empty:
        return QgsGeometry()
    if _is_geographic(crs) and (not crs.isValid() or crs == WGS84):
        result = QgsGeometry()
        result.fromWkb(shape.wkb)
        return result
    pieces = [shape]
    if not _is_geographic(crs):
        edge = _central_meridian(crs) + 180  # the map's world is edge - 360 .. edge
        minx, _miny, maxx, _maxy = shape.bounds
        south, north = -90.0, 90.0
        area = crs.bounds()
        if not area.isEmpty() and area.width() >= 359.9:  # a world map: its latitudes (±85.06° in Web Mercator)
            south, north = area.yMinimum(), area.yMaximum()
        pieces = []
        for k in range(math.floor((minx - edge) / 360) + 1, math.ceil((maxx - edge) / 360) + 1):
            window = box(edge - 360 + 360 * k, south, edge + 360 * k, north)
            piece = shape.intersection(window)
            if not piece.is_empty:
                pieces.append(translate(piece, xoff=-360 * k))
    result = QgsGeometry()
    result.fromWkb(unary_union(pieces).wkb if len(pieces) > 1 else pieces[0].wkb)
    result = result.densifyByDistance(1.0)
    result.transform(QgsCoordinateTransform(WGS84, crs, context or QgsProject.instance().transformContext()))
    return result
