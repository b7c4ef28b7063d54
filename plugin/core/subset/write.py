"""One product's area subset written as a COG (``.part`` then renamed), with what was read against what a
download would have been."""
from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, List, Optional, Sequence, Tuple

from ..bands import DEFAULT_RESAMPLING, RESAMPLING, CollectionBands, collection_bands, scale_offset
from ..errors import ErrorKind, PortalError

from .access import Access, ProgressFn, Raster, ReadStats, WorkDir, require_gdal
from .assets import BandFile, archive_bands, cog_bands
from .grid import Grid, area_envelope, grid_of, read_on_grid, window_of


try:  # osgeo is in every QGIS; the core-only test venv has no GDAL, and this module then cannot read pixels
    from osgeo import gdal
except ImportError:  # pragma: no cover - exercised only where GDAL is missing
    gdal = None


MEMORY_LIMIT = 256 * 1024 * 1024  # bytes of a subset assembled in memory; larger ones go through a scratch file
STRIP_ROWS = 2048  # rows read at once per band


@dataclass
class SubsetResult:
    """What one product's subset gave: the file, the bands, what was read against what a download would be."""

    product: str
    portal: str = ""
    path: Optional[str] = None
    bands: Tuple[str, ...] = ()
    width: int = 0
    height: int = 0
    bytes_read: int = 0
    requests: int = 0
    full_size: Optional[int] = None  # bytes of the whole files of the chosen bands
    clipped: bool = False  # part of the area is outside the product
    whole_files: int = 0  # files read whole (server without Range, or from the archive)
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.path is not None and not self.error

    def summary(self) -> str:
        """"18.0 MB read instead of 812.0 MB" (English; the QGIS layer words it for the user)."""
        if self.full_size:
            return f"{human_bytes(self.bytes_read)} read instead of {human_bytes(self.full_size)}"
        return f"{human_bytes(self.bytes_read)} read"


def human_bytes(count: Optional[int]) -> str:
    value = float(count or 0)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000.0
    return f"{value:.1f} GB"


def _output_type(types: Sequence[int]) -> int:
    result = types[0]
    for data_type in types[1:]:
        result = gdal.DataTypeUnion(result, data_type)
    return result


def safe_file_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "product"


def subset_product(product, band_names: Sequence[str], area, folder: str, *,
                   access_for: Callable[[str], Access], resampling: str = DEFAULT_RESAMPLING,
                   archive: Optional[str] = None, portal_title: Optional[Callable[[str], str]] = None,
                   progress: Optional[ProgressFn] = None, cancel: Optional[threading.Event] = None,
                   workdir: Optional[WorkDir] = None) -> SubsetResult:
    """Read the area of the chosen bands of `product` and write one COG in `folder` (never raises for a
    product-level failure: the result's `error` says it; `Cancelled` propagates)."""
    require_gdal()
    if resampling not in RESAMPLING:
        raise ValueError(f"unknown resampling {resampling}; one of {', '.join(RESAMPLING)}")
    result = SubsetResult(product.title)
    try:
        spec = collection_bands(product.collection)
        bands = spec.resolve(list(band_names))
    except ValueError as exc:
        result.error = str(exc)
        return result
    if archive:
        try:
            files = archive_bands(archive, bands)
        except (ValueError, OSError) as exc:
            result.error = str(exc)
            return result
        source_portal = product.sources[0].portal if product.sources else ""
    else:
        source, files = cog_bands(product, bands)
        if source is None:
            result.error = "no cloud-optimised GeoTIFF for these bands: download the product to clip it"
            return result
        source_portal = source.portal
    result.portal = source_portal
    access = access_for(source_portal) if source_portal else Access()
    own_workdir = workdir is None
    workdir = workdir or WorkDir()
    stats = ReadStats()
    rasters = [Raster(f.href, access, stats, workdir, cancel, progress) for f in files]
    try:
        _write_subset(product, spec, files, rasters, area, folder, resampling, result,
                      (portal_title or (lambda p: access.title or p))(source_portal))
    except PortalError as exc:
        result.error = exc.message
        result.path = None
    finally:
        for raster in rasters:
            raster.close()
        if own_workdir:
            workdir.cleanup()
        result.bytes_read, result.requests, result.whole_files = stats.bytes_read, stats.requests, stats.whole_files
        if archive:
            result.whole_files = len(files)
    return result


def _write_subset(product, spec: CollectionBands, files: List[BandFile], rasters: List[Raster], area, folder: str,
                  resampling: str, result: SubsetResult, portal_title: str) -> None:
    # Open every band first (headers only), to find the finest grid and the data types.
    infos = []
    for raster in rasters:
        infos.append(raster.read(lambda ds: (ds.GetGeoTransform(), ds.RasterXSize, ds.RasterYSize,
                                             ds.GetRasterBand(1).DataType, ds.GetRasterBand(1).GetNoDataValue(),
                                             ds.GetProjection())))
    finest = min(range(len(infos)), key=lambda i: (abs(infos[i][0][1]), i))
    wkt = infos[finest][5]
    envelope = area_envelope(area, wkt)
    window = rasters[finest].read(lambda ds: window_of(ds, envelope) or False)
    if window is False:
        raise PortalError(portal_title, "the area does not cover this product", ErrorKind.INVALID)
    grid = rasters[finest].read(lambda ds: grid_of(ds, window))
    result.clipped = bool(window[4])
    out_type = _output_type([info[3] for info in infos])
    nodata = next((info[4] for info in infos if info[4] is not None), None)
    os.makedirs(folder, exist_ok=True)
    name = f"{safe_file_name(product.title)}_{'-'.join(f.band.name for f in files)}.tif"
    final = Path(folder) / name
    part = final.with_name(final.name + ".part")
    # A large area is assembled in a tiled GeoTIFF beside the result instead of memory, and read in strips
    size = grid.width * grid.height * len(files) * gdal.GetDataTypeSize(out_type) // 8
    scratch = final.with_name(final.name + ".scratch.tif") if size > MEMORY_LIMIT else None
    if scratch is None:
        memory = gdal.GetDriverByName("MEM").Create("", grid.width, grid.height, len(files), out_type)
    else:
        memory = gdal.GetDriverByName("GTiff").Create(str(scratch), grid.width, grid.height, len(files), out_type,
                                                      options=["TILED=YES", "BIGTIFF=IF_SAFER", "SPARSE_OK=TRUE"])
        if memory is None:
            raise PortalError(portal_title, f"could not write {scratch.name}: {gdal.GetLastErrorMsg()}",
                              ErrorKind.DISK)
    try:
        _fill(memory, grid, files, rasters, spec, product, resampling, nodata, out_type)
        sizes = [band_file.size or raster.size() for band_file, raster in zip(files, rasters)]
        result.full_size = sum(sizes) if all(sizes) else None
        memory.SetMetadata({
            "PRODUCT": product.title,
            "DATETIME": product.start.isoformat() if product.start else "",
            "CLOUD_COVER": "" if product.cloud_cover is None else f"{product.cloud_cover:g}",
            "PORTAL": portal_title,
            "COLLECTION": product.collection,
            "BANDS": ",".join(f.band.name for f in files),
            "RESAMPLING": resampling,
        })
        written = gdal.Translate(str(part), memory, format="COG",
                                 creationOptions=["COMPRESS=DEFLATE", "PREDICTOR=2", "BLOCKSIZE=256",
                                                  "OVERVIEWS=AUTO", "NUM_THREADS=1", "BIGTIFF=IF_SAFER"])
    finally:
        memory = None
        if scratch is not None and scratch.exists():
            gdal.GetDriverByName("GTiff").Delete(str(scratch))
    if written is None:
        try:
            part.unlink()
        except OSError:
            pass
        raise PortalError(portal_title, f"could not write {name}: {gdal.GetLastErrorMsg()}", ErrorKind.DISK)
    written = None
    os.replace(part, final)
    result.path = str(final)
    result.bands = tuple(f.band.name for f in files)
    result.width, result.height = grid.width, grid.height


def _fill(target_dataset, grid: Grid, files: List[BandFile], rasters: List[Raster], spec: CollectionBands, product,
          resampling: str, nodata, out_type: int) -> None:
    """Each band's pixels on `grid`, in strips of STRIP_ROWS rows (a large area never sits whole in memory)."""
    target_dataset.SetGeoTransform(grid.geotransform)
    target_dataset.SetProjection(grid.wkt)
    baseline = product.version[0] if getattr(product, "version", ()) else None
    for number, (band_file, raster) in enumerate(zip(files, rasters), start=1):
        band = band_file.band
        method = "near" if band.classes or resampling == "nearest" else resampling
        target = target_dataset.GetRasterBand(number)
        for row in range(0, grid.height, STRIP_ROWS):
            rows = min(STRIP_ROWS, grid.height - row)
            strip = Grid(grid.x0, grid.y0 + row * grid.dy, grid.dx, grid.dy, grid.width, rows, grid.wkt)
            data = raster.read(lambda ds: read_on_grid(ds, strip, out_type, method, nodata))
            target.WriteRaster(0, row, grid.width, rows, data, buf_type=out_type)
        target.SetDescription(band.name)
        target.SetMetadataItem("DESCRIPTION", band.description)
        if nodata is not None:
            target.SetNoDataValue(nodata)
        scale, offset = scale_offset(spec.collection, band, product.start,
                                     baseline if baseline and baseline != "0000" else None,
                                     getattr(product, "properties", None))
        if not band.classes:
            target.SetScale(scale)
            target.SetOffset(offset)


# ---- statistics over parcels ----------------------------------------------------------------------------
