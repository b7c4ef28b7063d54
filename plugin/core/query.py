"""The search query shared by every portal: area, dates, collection and filters, validated once.

`SearchQuery.create(...)` accepts what users and Processing give (WKT, GeoJSON, shapely; ISO dates or
datetimes) and returns a query whose fields are clean: geometry valid, in EPSG:4326 and split at the
antimeridian; dates in UTC with end after start; filters normalised. What it repaired is listed in `notes`.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, List, Optional, Tuple

from shapely import wkt as shapely_wkt
from shapely.affinity import translate
from shapely.geometry import MultiPolygon, Polygon, box, mapping, shape
from shapely.geometry.base import BaseGeometry

from .errors import QueryError
from .naming import normalise_tile

try:  # shapely >= 1.8
    from shapely.validation import make_valid as _make_valid
except ImportError:  # pragma: no cover - shapely < 1.8 is not supported by QGIS 3.22 builds we target
    _make_valid = None

ORBIT_DIRECTIONS = ("ASCENDING", "DESCENDING")
DEFAULT_LIMIT = 100


def _polygonal(geometry: BaseGeometry) -> BaseGeometry:
    """Keep the polygons of a geometry (make_valid may return a collection with lines and points)."""
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    polygons: List[Polygon] = []
    for part in getattr(geometry, "geoms", []):
        if part.geom_type == "Polygon":
            polygons.append(part)
        elif part.geom_type == "MultiPolygon":
            polygons.extend(part.geoms)
    return MultiPolygon(polygons) if len(polygons) > 1 else (polygons[0] if polygons else Polygon())


def parse_geometry(value: Any) -> BaseGeometry:
    """A shapely geometry from shapely, WKT text, a GeoJSON mapping or GeoJSON text."""
    if isinstance(value, BaseGeometry):
        return value
    if isinstance(value, dict):
        if value.get("type") == "Feature":
            value = value.get("geometry") or {}
        try:
            return shape(value)
        except Exception as exc:
            raise QueryError(f"The area of interest is not a valid GeoJSON geometry ({exc}).") from None
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("{"):
            try:
                return parse_geometry(json.loads(text))
            except json.JSONDecodeError as exc:
                raise QueryError(f"The area of interest is not valid GeoJSON ({exc.msg}).") from None
        text = re.sub(r"^SRID=\d+;", "", text, flags=re.I)
        try:
            return shapely_wkt.loads(text)
        except Exception:
            raise QueryError("The area of interest is not valid WKT.") from None
    raise QueryError("An area of interest is needed: draw one, or give a WKT or GeoJSON geometry.")


def unwrap_longitudes(geometry: BaseGeometry) -> BaseGeometry:
    """Make each ring's longitudes continuous: a jump of more than 180° between two vertices is taken as a
    crossing of the antimeridian (170, -170 becomes 170, 190).

    Only meaningful for densified rings (the QGIS layer densifies before transforming to EPSG:4326), where
    no honest edge spans more than 180° of longitude.
    """
    def ring(coords):
        out, shift, previous = [], 0.0, None
        for x, y in coords:
            if previous is not None:
                step = (x + shift) - previous
                if step > 180:
                    shift -= 360
                elif step < -180:
                    shift += 360
            out.append((x + shift, y))
            previous = x + shift
        return out

    polygons = geometry.geoms if hasattr(geometry, "geoms") else [geometry]
    unwrapped = []
    for polygon in polygons:
        if polygon.geom_type != "Polygon":
            return geometry
        shell = ring(polygon.exterior.coords)
        offset = 0.0
        if min(x for x, _ in shell) < -180:  # keep the shell starting in [-180, 180]
            offset = 360.0
        unwrapped.append(Polygon([(x + offset, y) for x, y in shell],
                                 [[(x + offset, y) for x, y in ring(r.coords)] for r in polygon.interiors]))
    return MultiPolygon(unwrapped) if len(unwrapped) > 1 else unwrapped[0]


def _split_antimeridian(geometry: BaseGeometry) -> Tuple[BaseGeometry, bool]:
    """Split a geometry whose longitudes go past ±180 into parts within [-180, 180]; (geometry, was_split).

    Longitudes within [-180, 180] are read as planar (RFC 7946): a polygon from -100 to 100 spans Greenwich.
    """
    minx, _miny, maxx, _maxy = geometry.bounds
    if minx >= -180 and maxx <= 180:
        return geometry, False
    if maxx - minx > 360:
        raise QueryError("The area of interest is wider than the whole globe.")
    parts = []
    for offset in (-360, 0, 360):
        window = box(-180 + offset, -90, 180 + offset, 90)
        piece = geometry.intersection(window)
        if not piece.is_empty:
            parts.append(translate(piece, xoff=-offset))
    pieces: List[Polygon] = []
    for piece in parts:
        piece = _polygonal(piece)
        pieces.extend(piece.geoms if hasattr(piece, "geoms") else [piece])
    pieces = [p for p in pieces if not p.is_empty and p.area > 0]
    if not pieces:
        raise QueryError("The area of interest lies outside longitudes -180..180 and latitudes -90..90.")
    return (MultiPolygon(pieces) if len(pieces) > 1 else pieces[0]), len(pieces) > 1


def _as_utc(value: Any, *, end_of_day: bool) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time.max if end_of_day else time.min)
    elif isinstance(value, str) and value.strip():
        text = value.strip().replace("Z", "+00:00")
        try:
            if len(text) == 10:
                return _as_utc(date.fromisoformat(text), end_of_day=end_of_day)
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise QueryError(f"'{value}' is not a date (expected YYYY-MM-DD or an ISO 8601 date and time).") from None
    else:
        raise QueryError("Both a start and an end date are needed.")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def covering_simplification(geometry: BaseGeometry, max_vertices: int) -> BaseGeometry:
    """A geometry with at most `max_vertices` vertices that still covers `geometry` (for URL length limits)."""
    if vertex_count(geometry) <= max_vertices:
        return geometry
    minx, miny, maxx, maxy = geometry.bounds
    tolerance = max(maxx - minx, maxy - miny) / 1000.0
    for _ in range(12):
        candidate = geometry.buffer(tolerance, join_style=2).simplify(tolerance, preserve_topology=True)
        if vertex_count(candidate) <= max_vertices and candidate.covers(geometry):
            return candidate
        tolerance *= 2
    hull = geometry.convex_hull
    if vertex_count(hull) <= max_vertices:
        return hull
    return box(*geometry.bounds)


def vertex_count(geometry: BaseGeometry) -> int:
    """Number of vertices of a polygonal geometry's rings."""
    polygons = geometry.geoms if hasattr(geometry, "geoms") else [geometry]
    total = 0
    for polygon in polygons:
        total += len(polygon.exterior.coords) + sum(len(r.coords) for r in polygon.interiors)
    return total


_PLATFORM = re.compile(r"^(?:SENTINEL-?|S)([12356])([A-D])$")


def normalise_platform(value: Optional[str]) -> Optional[str]:
    """'Sentinel-2A', 'sentinel-2a', 'S2A' -> 'S2A'; Landsat 'landsat-8', 'LC08' -> 'LC08'."""
    if not value:
        return None
    text = value.strip().upper().replace(" ", "")
    match = _PLATFORM.match(text)
    if match:
        return f"S{match.group(1)}{match.group(2)}"
    match = re.match(r"^(?:LANDSAT-?|L[COTEM]0?)(\d)$", text)
    if match:
        return f"LC0{match.group(1)}"
    raise QueryError(f"Unknown platform '{value}' (expected e.g. S2A, S2B, S1A, Landsat-8).")


@dataclass(frozen=True)
class SearchQuery:
    """A validated search; build it with `SearchQuery.create`."""

    geometry: BaseGeometry
    start: datetime
    end: datetime
    collection: str
    max_cloud: Optional[float] = None
    orbit_direction: Optional[str] = None
    relative_orbit: Optional[int] = None
    tile: Optional[str] = None
    platform: Optional[str] = None
    limit: int = DEFAULT_LIMIT  # most products wanted from each portal
    page_size: Optional[int] = None  # None: each portal's own default
    notes: Tuple[str, ...] = field(default=(), compare=False)  # what validation repaired, for the user

    @classmethod
    def create(
        cls,
        geometry: Any,
        start: Any,
        end: Any,
        collection: str,
        *,
        max_cloud: Optional[float] = None,
        orbit_direction: Optional[str] = None,
        relative_orbit: Optional[int] = None,
        tile: Optional[str] = None,
        platform: Optional[str] = None,
        limit: int = DEFAULT_LIMIT,
        page_size: Optional[int] = None,
    ) -> "SearchQuery":
        """Validate and normalise; raise QueryError with a message for the user when it cannot."""
        notes: List[str] = []
        geom = parse_geometry(geometry)
        if geom.is_empty:
            raise QueryError("The area of interest is empty.")
        if geom.geom_type in ("Point", "MultiPoint", "LineString", "MultiLineString"):
            geom = geom.buffer(1e-5, join_style=2)  # a click or a line: search a tiny area around it
        if geom.has_z:
            geom = shapely_wkt.loads(shapely_wkt.dumps(geom, output_dimension=2))
        if not geom.is_valid:
            repaired = _make_valid(geom) if _make_valid else geom.buffer(0)
            repaired = _polygonal(repaired)
            if repaired.is_empty or not repaired.is_valid:
                repaired = _polygonal(geom.buffer(0))
            if repaired.is_empty or not repaired.is_valid or repaired.area == 0:
                raise QueryError("The area of interest is an invalid polygon that could not be repaired.")
            notes.append("The area of interest was self-intersecting and has been repaired.")
            geom = repaired
        geom = _polygonal(geom)
        if geom.is_empty or geom.area == 0:
            raise QueryError("The area of interest has no area.")
        minx, miny, maxx, maxy = geom.bounds
        if miny < -90 or maxy > 90:
            raise QueryError("The area of interest is not in longitude/latitude (EPSG:4326): latitudes exceed ±90°.")
        if minx < -540 or maxx > 540:
            raise QueryError("The area of interest is not in longitude/latitude (EPSG:4326): longitudes exceed ±180°.")
        geom, split = _split_antimeridian(geom)
        if split:
            notes.append("The area of interest crosses the antimeridian and has been split in two.")

        start_utc = _as_utc(start, end_of_day=False)
        end_utc = _as_utc(end, end_of_day=True)
        if end_utc < start_utc:
            raise QueryError(
                f"The end date ({end_utc:%Y-%m-%d}) is before the start date ({start_utc:%Y-%m-%d})."
            )
        if not collection:
            raise QueryError("Choose a collection.")
        if max_cloud is not None:
            max_cloud = float(max_cloud)
            if not 0 <= max_cloud <= 100:
                raise QueryError(f"Maximum cloud cover must be between 0 and 100 %, not {max_cloud:g}.")
        direction = None
        if orbit_direction:
            text = orbit_direction.strip().upper()
            direction = next((d for d in ORBIT_DIRECTIONS if d.startswith(text[:3]) or d[0] == text), None)
            if direction is None:
                raise QueryError(f"Orbit direction must be ascending or descending, not '{orbit_direction}'.")
        if relative_orbit is not None and relative_orbit != "":
            try:
                relative_orbit = int(relative_orbit)
            except (TypeError, ValueError):
                raise QueryError(f"Relative orbit must be a whole number, not '{relative_orbit}'.") from None
            if not 1 <= relative_orbit <= 233:
                raise QueryError(f"Relative orbit {relative_orbit} is out of range (1 to 233).")
        else:
            relative_orbit = None
        clean_tile = None
        if tile:
            clean_tile = normalise_tile(tile)
            if clean_tile is None:
                raise QueryError(f"'{tile}' is not an MGRS tile (expected e.g. 31TEJ).")
        limit = int(limit)
        if limit < 1:
            raise QueryError("The number of results must be at least 1.")
        if page_size is not None and int(page_size) < 1:
            raise QueryError("The page size must be at least 1.")
        return cls(
            geometry=geom,
            start=start_utc,
            end=end_utc,
            collection=collection,
            max_cloud=max_cloud,
            orbit_direction=direction,
            relative_orbit=relative_orbit,
            tile=clean_tile,
            platform=normalise_platform(platform),
            limit=limit,
            page_size=int(page_size) if page_size else None,
            notes=tuple(notes),
        )

    # ---- views adapters use -------------------------------------------------------------------------
    @property
    def parts(self) -> List[Polygon]:
        """The polygons of the area (two or more when it was split at the antimeridian)."""
        return list(self.geometry.geoms) if hasattr(self.geometry, "geoms") else [self.geometry]

    @property
    def bbox(self) -> Tuple[float, float, float, float]:
        """(west, south, east, north) of the area."""
        return tuple(self.geometry.bounds)  # type: ignore[return-value]

    def geojson(self) -> dict:
        """The area as a GeoJSON geometry mapping (lists, not tuples, so it serialises as any client sends it)."""
        return json.loads(json.dumps(mapping(self.geometry)))

    def wkt(self, max_vertices: Optional[int] = None, precision: int = 6) -> str:
        """The area as WKT, simplified to at most `max_vertices` while still covering the original."""
        geom = covering_simplification(self.geometry, max_vertices) if max_vertices else self.geometry
        return shapely_wkt.dumps(geom, rounding_precision=precision, trim=True)

    def with_dates(self, start: datetime, end: datetime) -> "SearchQuery":
        """The same query over another time window (used to split long searches)."""
        return replace(self, start=start, end=end)

    def iso_start(self) -> str:
        """Start as 'YYYY-MM-DDTHH:MM:SS.mmmZ'."""
        return _iso(self.start)

    def iso_end(self) -> str:
        """End as 'YYYY-MM-DDTHH:MM:SS.mmmZ'."""
        return _iso(self.end)


def _iso(moment: datetime) -> str:
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def last_days(days: int, now: Optional[datetime] = None) -> Tuple[datetime, datetime]:
    """(start, end) of the last `days` days, for the dock's presets."""
    now = now or datetime.now(timezone.utc)
    return now - timedelta(days=days), now
