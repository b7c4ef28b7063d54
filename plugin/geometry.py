"""From a QGIS geometry in any CRS to the core's EPSG:4326 shapely geometry, antimeridian included.

The rule for longitudes: a shape means what its own coordinates say. In EPSG:4326 a rectangle from -170 to
170 is 340° wide (it is never a strip across the antimeridian), and one drawn from 170 to 190 (the canvas
goes past 180) crosses it. A transform to EPSG:4326 wraps longitudes into -180..180: that wrap, and only it,
is undone (the outline is densified first, so a jump of more than 180° between two neighbouring vertices
can only come from the wrap). An outline that goes all round the globe that way (a shape drawn round a pole
on a polar map) holds that pole: it is closed through it, so the area is the cap. What lies beyond the world
is brought back to it: latitudes past ±90° are cut off, and a shape that goes more than once round the globe
covers every longitude once.
"""
from __future__ import annotations

import json
import math
import re
from typing import Any, Dict, List, Optional, Tuple, Union

from qgis.core import (
    Qgis,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsCoordinateTransformContext,
    QgsCsException,
    QgsGeometry,
    QgsPointXY,
    QgsProject,
    QgsRectangle,
    QgsWkbTypes,
)
from shapely import wkb
from shapely.affinity import translate
from shapely.geometry import Polygon, box
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

# QGIS 3.30 moved geometry types to Qgis.GeometryType; QgsWkbTypes' names are deprecated from then on.
if hasattr(Qgis, "GeometryType"):  # pragma: no cover - newer QGIS than the tests run on
    POLYGON_GEOMETRY = Qgis.GeometryType.Polygon
else:
    POLYGON_GEOMETRY = QgsWkbTypes.GeometryType.PolygonGeometry

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
    original = QgsGeometry(geometry)
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
        shape = _unwrap(shape, lambda north: _holds_pole(original, crs, north, context))
    return _one_world(shape)


def _unwrap_ring(coords) -> Tuple[List[Tuple[float, float]], int]:
    """A ring's longitudes made continuous (a jump of more than 180° between neighbours is the transform's wrap);
    with the turns it makes round the globe (not 0: the ring goes round a pole)."""
    out: List[Tuple[float, float]] = []
    shift = 0.0
    for x, y in coords:
        if out:
            step = (x + shift) - out[-1][0]
            if step > 180:
                shift -= 360
            elif step < -180:
                shift += 360
        out.append((x + shift, y))
    turns = round((out[-1][0] - out[0][0]) / 360) if len(out) > 1 else 0
    return out, turns


def _holds_pole(geometry: QgsGeometry, crs: QgsCoordinateReferenceSystem, north: bool,
                context: Optional[QgsCoordinateTransformContext]) -> bool:
    """Whether `geometry` (in `crs`) holds the north (or south) pole."""
    try:
        transform = QgsCoordinateTransform(WGS84, crs, context or QgsProject.instance().transformContext())
        pole = transform.transform(QgsPointXY(0, 90 if north else -90))
    except QgsCsException:
        return False
    return math.isfinite(pole.x()) and math.isfinite(pole.y()) and geometry.contains(QgsGeometry.fromPointXY(pole))


def _unwrap(shape: BaseGeometry, holds_pole) -> BaseGeometry:
    """`shape` (just transformed to lon/lat) with continuous longitudes; a ring that goes round a pole (an area
    drawn round it on a polar map) is closed through that pole, so that the area is the cap, not a ring."""
    polygons = []
    for polygon in getattr(shape, "geoms", [shape]):
        shell, turns = _unwrap_ring(polygon.exterior.coords)
        if turns:
            ys = [y for _, y in shell]
            north = holds_pole(True) or (not holds_pole(False) and sum(ys) >= 0)
            pole = 90.0 if north else -90.0
            shell = shell + [(shell[-1][0], pole), (shell[0][0], pole), shell[0]]
        else:
            offset = 360.0 if min(x for x, _ in shell) < -180 else 0.0  # start within -180..180
            shell = [(x + offset, y) for x, y in shell]
        holes = []
        for interior in polygon.interiors:
            hole, hole_turns = _unwrap_ring(interior.coords)
            if not hole_turns:
                start = shell[0][0] - hole[0][0]
                holes.append([(x + 360 * round(start / 360), y) for x, y in hole])
        candidate = Polygon(shell, holes)
        if not candidate.is_valid:
            candidate = candidate.buffer(0)
        polygons.append(candidate)
    return unary_union(polygons) if len(polygons) > 1 else polygons[0]


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


def _world_width(crs: QgsCoordinateReferenceSystem, transform: QgsCoordinateTransform) -> float:
    """How far x goes for 360° of longitude at the equator of a projected map (0 when it cannot be told)."""
    centre = _central_meridian(crs)
    try:
        east = transform.transform(QgsPointXY(centre + 179.999, 0)).x()
        west = transform.transform(QgsPointXY(centre - 179.999, 0)).x()
        half = abs(transform.transform(QgsPointXY(centre + 90, 0)).x()
                   - transform.transform(QgsPointXY(centre - 90, 0)).x())
    except QgsCsException:
        return 0.0
    width = (east - west) * 360 / 359.998
    # only where x grows with longitude all along the equator (cylindrical maps and the like), not round a pole
    return width if math.isfinite(width) and width > 1.9 * half > 0 else 0.0


def wgs84_to_map(shape: BaseGeometry, crs: QgsCoordinateReferenceSystem,
                 context: Optional[QgsCoordinateTransformContext] = None) -> QgsGeometry:
    """A lon/lat area as a map in `crs` shows it, edges following lon/lat lines, in one piece as it was drawn.

    A projection wraps longitudes into its own world (for Web Mercator -180..180; for a Pacific map centred on
    150°E, 30°W..330°E): an area that goes past that world's edge (170 to 190 in Web Mercator) is cut there, and
    the part beyond is drawn beyond the edge, where the user dragged it, rather than wrapped to the far side
    (which would draw the 340° in between). Raises QgsCsException when it cannot be shown.
    """
    if shape.is_empty:
        return QgsGeometry()
    if _is_geographic(crs) and (not crs.isValid() or crs == WGS84):
        result = QgsGeometry()
        result.fromWkb(shape.wkb)
        return result
    transform = QgsCoordinateTransform(WGS84, crs, context or QgsProject.instance().transformContext())
    pieces = [(0, shape)]
    if not _is_geographic(crs):
        edge = _central_meridian(crs) + 180  # the map's world is edge - 360 .. edge
        minx, _miny, maxx, _maxy = shape.bounds
        south, north = -90.0, 90.0
        area = crs.bounds()
        if not area.isEmpty() and area.width() >= 359.9:  # a world map: its latitudes (±85.06° in Web Mercator)
            south, north = area.yMinimum(), area.yMaximum()
        pieces = []
        for k in range(math.floor((minx - edge) / 360) + 1, math.ceil((maxx - edge) / 360) + 1):
            piece = shape.intersection(box(edge - 360 + 360 * k, south, edge + 360 * k, north))
            if not piece.is_empty:
                pieces.append((k, translate(piece, xoff=-360 * k)))
    width = _world_width(crs, transform) if any(k for k, _ in pieces) else 0.0
    parts = []
    for k, piece in pieces:
        part = QgsGeometry()
        part.fromWkb(piece.wkb)
        part = part.densifyByDistance(1.0)
        part.transform(transform)
        if k and width:
            part.translate(k * width, 0)
        parts.append(part)
    return parts[0] if len(parts) == 1 else QgsGeometry.unaryUnion(parts)


def _plain(value: Any) -> Any:
    """A field value as JSON data (QVariant NULL, dates and other Qt values as text)."""
    if value is None or (hasattr(value, "isNull") and value.isNull()):
        return None
    if isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "toString"):
        return value.toString()
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return str(value)


def parcels_of(source: Any) -> Dict[str, Any]:
    """The polygons of a layer or a Processing source as openEO parcels: GeoJSON in EPSG:4326, each with its
    attributes as JSON values and its feature id (the openEO tab and eoportals:openeo_job alike)."""
    from .core.openeo.graph import parcels_geojson

    transform = QgsCoordinateTransform(source.sourceCrs(), WGS84, QgsProject.instance())
    features = []
    for feature in source.getFeatures():
        geometry = feature.geometry()
        if geometry is None or geometry.isEmpty() or geometry.type() != POLYGON_GEOMETRY:
            continue
        geometry.transform(transform)
        properties = {name: _plain(feature[name]) for name in source.fields().names()}
        properties.setdefault("fid", feature.id())
        features.append((wkb.loads(bytes(geometry.asWkb())), properties))
    return parcels_geojson(features)
