"""The pixel grid of a subset: the window an area covers in an asset's own CRS, snapped to the finest band,
and reading any band onto that grid (pixel for pixel, or resampled)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Optional, Tuple


try:  # osgeo is in every QGIS; the core-only test venv has no GDAL, and this module then cannot read pixels
    from osgeo import gdal, ogr, osr
except ImportError:  # pragma: no cover - exercised only where GDAL is missing
    gdal = ogr = osr = None


def _ogr_geometry(geometry) -> Any:
    """A shapely geometry (EPSG:4326 lon/lat) as an OGR geometry."""
    return ogr.CreateGeometryFromWkb(bytes(geometry.wkb))


def to_crs(geometry, wkt: str) -> Any:
    """`geometry` (shapely, EPSG:4326) in the CRS `wkt`, as an OGR geometry."""
    source = osr.SpatialReference()
    source.ImportFromEPSG(4326)
    source.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    target = osr.SpatialReference()
    target.ImportFromWkt(wkt)
    target.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    ogr_geometry = _ogr_geometry(geometry)
    transformation = osr.CoordinateTransformation(source, target)
    if transformation is None:
        raise ValueError(f"no transformation to the asset's CRS {wkt[:80]!r}")
    ogr_geometry.Transform(transformation)
    return ogr_geometry


@dataclass(frozen=True)
class Grid:
    """A window of a raster grid: origin, pixel size, size in pixels, CRS."""

    x0: float
    y0: float
    dx: float
    dy: float  # negative (north up)
    width: int
    height: int
    wkt: str

    @property
    def geotransform(self) -> Tuple[float, ...]:
        return (self.x0, self.dx, 0.0, self.y0, 0.0, self.dy)

    @property
    def bounds(self) -> Tuple[float, float, float, float]:
        return (self.x0, self.y0 + self.height * self.dy, self.x0 + self.width * self.dx, self.y0)


def window_of(dataset, envelope: Tuple[float, float, float, float]) -> Optional[Tuple[int, int, int, int, bool]]:
    """(col, row, width, height, clipped) of the pixels of `dataset` the envelope (minx, maxx, miny, maxy) covers.

    Any pixel the box overlaps counts. None when the box misses the raster; `clipped` when part of it was outside.
    """
    x0, dx, _, y0, _, dy = dataset.GetGeoTransform()
    minx, maxx, miny, maxy = envelope
    eps = 1e-9
    col0 = math.floor((minx - x0) / dx + eps)
    col1 = math.ceil((maxx - x0) / dx - eps)
    row0 = math.floor((maxy - y0) / dy + eps)
    row1 = math.ceil((miny - y0) / dy - eps)
    if col1 <= col0:
        col1 = col0 + 1
    if row1 <= row0:
        row1 = row0 + 1
    c0, r0 = max(0, col0), max(0, row0)
    c1, r1 = min(dataset.RasterXSize, col1), min(dataset.RasterYSize, row1)
    if c1 <= c0 or r1 <= r0:
        return None
    clipped = (c0, r0, c1, r1) != (col0, row0, col1, row1)
    return c0, r0, c1 - c0, r1 - r0, clipped


def grid_of(dataset, window: Tuple[int, int, int, int]) -> Grid:
    x0, dx, _, y0, _, dy = dataset.GetGeoTransform()
    col, row, width, height = window[:4]
    return Grid(x0 + col * dx, y0 + row * dy, dx, dy, width, height, dataset.GetProjection())


def _same_grid(dataset, grid: Grid) -> Optional[Tuple[int, int]]:
    """(col, row) of `grid` in `dataset` when it is a window of the dataset's own grid, else None."""
    x0, dx, _, y0, _, dy = dataset.GetGeoTransform()
    if not (math.isclose(dx, grid.dx, rel_tol=1e-9) and math.isclose(dy, grid.dy, rel_tol=1e-9)):
        return None
    col, row = (grid.x0 - x0) / dx, (grid.y0 - y0) / dy
    if abs(col - round(col)) > 1e-6 or abs(row - round(row)) > 1e-6:
        return None
    col, row = int(round(col)), int(round(row))
    if col < 0 or row < 0 or col + grid.width > dataset.RasterXSize or row + grid.height > dataset.RasterYSize:
        return None
    source = osr.SpatialReference(wkt=dataset.GetProjection())
    target = osr.SpatialReference(wkt=grid.wkt)
    return (col, row) if source.IsSame(target) else None


def read_on_grid(dataset, grid: Grid, buffer_type: int, resampling: str, nodata: Optional[float]) -> Optional[bytes]:
    """Band 1 of `dataset` on `grid` as raw bytes of `buffer_type`: exact pixels when `grid` is a window of the
    dataset's own grid, else resampled with `resampling`. None when GDAL failed."""
    band = dataset.GetRasterBand(1)
    offset = _same_grid(dataset, grid)
    if offset is not None:
        return band.ReadRaster(offset[0], offset[1], grid.width, grid.height, buf_type=buffer_type)
    options = gdal.WarpOptions(format="MEM", outputBounds=grid.bounds, width=grid.width, height=grid.height,
                               dstSRS=grid.wkt, resampleAlg=resampling, outputType=buffer_type,
                               srcNodata=nodata, dstNodata=nodata, multithread=False)
    warped = gdal.Warp("", dataset, options=options)
    if warped is None:
        return None
    return warped.GetRasterBand(1).ReadRaster(0, 0, grid.width, grid.height, buf_type=buffer_type)


def area_envelope(area, wkt: str) -> Tuple[float, float, float, float]:
    """The envelope (minx, maxx, miny, maxy) of the area in the CRS `wkt`; parts (antimeridian) are merged."""
    parts = list(getattr(area, "geoms", [area]))
    envelopes = [to_crs(part, wkt).GetEnvelope() for part in parts]
    return (min(e[0] for e in envelopes), max(e[1] for e in envelopes),
            min(e[2] for e in envelopes), max(e[3] for e in envelopes))
