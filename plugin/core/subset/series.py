"""Index statistics over parcels, product by product: a time series read in parallel per portal, points
yielded as they come."""
from __future__ import annotations

import math
import queue
import statistics
import threading
import time
from array import array
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from ..bands import DEFAULT_RESAMPLING, Band, collection_bands, scale_offset
from ..errors import PortalError

from .access import Access, Cancelled, Raster, ReadStats, WorkDir, require_gdal
from .assets import cog_bands
from .grid import Grid, grid_of, read_on_grid, to_crs, window_of


try:  # osgeo is in every QGIS; the core-only test venv has no GDAL, and this module then cannot read pixels
    from osgeo import gdal, ogr, osr
except ImportError:  # pragma: no cover - exercised only where GDAL is missing
    gdal = ogr = osr = None


@dataclass(frozen=True)
class Parcel:
    """A polygon (shapely, EPSG:4326) with an id (a field's value, or the feature id)."""

    id: str
    geometry: Any


@dataclass
class SeriesPoint:
    """One parcel on one date: statistics of the index over its valid pixels."""

    parcel: str
    product: str
    date: Optional[datetime]
    portal: str
    index: str
    mean: Optional[float] = None
    median: Optional[float] = None
    std: Optional[float] = None
    valid: int = 0
    total: int = 0  # pixels of the parcel in the product
    error: str = ""

    @property
    def valid_fraction(self) -> float:
        return self.valid / self.total if self.total else 0.0


@dataclass
class ProductRead:
    """What reading one product cost (for the bench and the table)."""

    product: str
    portal: str
    bytes_read: int = 0
    requests: int = 0
    seconds: float = 0.0
    parcels: int = 0
    error: str = ""


def _typed(data: bytes, code: str) -> array:
    values = array(code)
    values.frombytes(data)
    return values


def _parcel_pixels(geometry, grid: Grid) -> array:
    """1 for the pixels of `grid` whose centre is inside `geometry` (OGR, grid CRS); if none, those it touches."""
    driver = gdal.GetDriverByName("MEM")
    target = driver.Create("", grid.width, grid.height, 1, gdal.GDT_Byte)
    target.SetGeoTransform(grid.geotransform)
    target.SetProjection(grid.wkt)
    source = ogr.GetDriverByName("Memory").CreateDataSource("")
    srs = osr.SpatialReference(wkt=grid.wkt)
    layer = source.CreateLayer("parcel", srs, ogr.wkbUnknown)
    feature = ogr.Feature(layer.GetLayerDefn())
    feature.SetGeometry(geometry)
    layer.CreateFeature(feature)
    gdal.RasterizeLayer(target, [1], layer, burn_values=[1])
    inside = _typed(target.GetRasterBand(1).ReadRaster(), "B")
    if not any(inside):
        gdal.RasterizeLayer(target, [1], layer, burn_values=[1], options=["ALL_TOUCHED=TRUE"])
        inside = _typed(target.GetRasterBand(1).ReadRaster(), "B")
    return inside


def parcel_statistics(values: Sequence[float]) -> Tuple[Optional[float], Optional[float], Optional[float]]:
    """Mean, median and population standard deviation; (None, None, None) without values."""
    if not values:
        return None, None, None
    mean = math.fsum(values) / len(values)
    variance = math.fsum((v - mean) ** 2 for v in values) / len(values)
    return mean, statistics.median(values), math.sqrt(variance)


class _ProductSeries:
    """Reads one product for every parcel: index bands and mask band, one window per parcel."""

    def __init__(self, product, parcels: Sequence[Parcel], index_key: str, mask_keys, access_for, resampling: str,
                 cancel: threading.Event, workdir: WorkDir, portal_title: Callable[[str], str]):
        self.product = product
        self.parcels = parcels
        self.index_key = index_key
        self.mask_keys = mask_keys
        self.access_for = access_for
        self.resampling = resampling
        self.cancel = cancel
        self.workdir = workdir
        self.portal_title = portal_title
        self.stats = ReadStats()

    def run(self, emit: Callable[[SeriesPoint], None]) -> ProductRead:
        started = time.monotonic()
        product = self.product
        record = ProductRead(product.title, "")
        rasters: List[Raster] = []
        try:
            spec = collection_bands(product.collection)
            roles = spec.index_bands(self.index_key)
            index = spec.index(self.index_key)
            mask_spec = spec.mask if self.mask_keys != () else None
            bands = list(roles.values()) + ([spec.band(mask_spec.band)] if mask_spec else [])
            source, files = cog_bands(product, bands)
            if source is None:
                raise ValueError("no cloud-optimised GeoTIFF for these bands (statistics need COGs)")
            record.portal = source.portal
            access = self.access_for(source.portal)
            title = self.portal_title(source.portal)
            rasters = [Raster(f.href, access, self.stats, self.workdir, self.cancel) for f in files]
            infos = [r.read(lambda ds: (abs(ds.GetGeoTransform()[1]), ds.GetProjection(),
                                        ds.GetRasterBand(1).GetNoDataValue())) for r in rasters]
            finest = min(range(len(roles)), key=lambda i: infos[i][0])
            wkt = infos[finest][1]
            baseline = product.version[0] if product.version and product.version[0] != "0000" else None
            scales = [scale_offset(spec.collection, f.band, product.start, baseline,
                                   getattr(product, "properties", None)) for f in files]
            mask_classes = mask_spec.chosen(self.mask_keys) if mask_spec else ()
            masked: Dict[int, bool] = {}
            role_names = list(roles)
            for parcel in self.parcels:
                if self.cancel.is_set():
                    raise Cancelled()
                point = SeriesPoint(parcel.id, product.title, product.start, title, index.key)
                geometry = to_crs(parcel.geometry, wkt)
                minx, maxx, miny, maxy = geometry.GetEnvelope()
                window = rasters[finest].read(lambda ds: window_of(ds, (minx, maxx, miny, maxy)) or False)
                if window is False:
                    continue  # the parcel is outside this product
                grid = rasters[finest].read(lambda ds: grid_of(ds, window))
                inside = _parcel_pixels(geometry, grid)
                columns = []
                for number, raster in enumerate(rasters):
                    band = files[number].band
                    method = "near" if band.classes or self.resampling == "nearest" else self.resampling
                    data = raster.read(lambda ds: read_on_grid(ds, grid, gdal.GDT_Float64, method, infos[number][2]))
                    columns.append(_typed(data, "d"))
                values = []
                nodatas = [info[2] for info in infos]
                mask_column = columns[len(role_names)] if mask_spec else None
                total = 0
                for pixel, flag in enumerate(inside):
                    if not flag:
                        continue
                    total += 1
                    if mask_column is not None:
                        code = int(mask_column[pixel])
                        hit = masked.get(code)
                        if hit is None:
                            hit = masked[code] = any(c.hit(code) for c in mask_classes)
                        if hit:
                            continue
                    reflectances = {}
                    for position, role in enumerate(role_names):
                        raw = columns[position][pixel]
                        if nodatas[position] is not None and raw == nodatas[position]:
                            break
                        scale, offset = scales[position]
                        reflectances[role] = raw * scale + offset
                    else:
                        value = index.compute(reflectances)
                        if value is not None and math.isfinite(value):
                            values.append(value)
                point.mean, point.median, point.std = parcel_statistics(values)
                point.valid, point.total = len(values), total
                record.parcels += 1
                emit(point)
        except Cancelled:
            raise
        except (PortalError, ValueError) as exc:
            record.error = exc.message if isinstance(exc, PortalError) else str(exc)
            for parcel in self.parcels:
                emit(SeriesPoint(parcel.id, product.title, product.start,
                                 self.portal_title(record.portal) if record.portal else "", self.index_key,
                                 error=record.error))
        finally:
            for raster in rasters:
                raster.close()
            record.bytes_read, record.requests = self.stats.bytes_read, self.stats.requests
            record.seconds = time.monotonic() - started
        return record


def _portal_of(product, band_names_for: Callable[[Any], List[Band]]) -> str:
    try:
        source, _ = cog_bands(product, band_names_for(product))
    except ValueError:
        source = None
    return source.portal if source is not None else (product.sources[0].portal if product.sources else "")


class SeriesRun:
    """A time series being read: iterate it for points as they come; `cancel()` from any thread; `reads` after.

        run = SeriesRun(products, parcels, "NDVI", None, access_for=...)
        for point in run: ...
    """

    def __init__(self, products: Sequence[Any], parcels: Sequence[Parcel], index: str = "NDVI",
                 mask: Optional[Iterable[str]] = None, *, access_for: Callable[[str], Access],
                 resampling: str = DEFAULT_RESAMPLING, cancel: Optional[threading.Event] = None,
                 portal_title: Optional[Callable[[str], str]] = None,
                 stop_when: Optional[Callable[[], bool]] = None):
        require_gdal()
        self.stop_when = stop_when  # polled by the iterating thread (a Processing feedback's isCanceled)
        self.products = list(products)
        self.parcels = list(parcels)
        self.index = index
        self.mask = None if mask is None else tuple(mask)
        self.access_for = access_for
        self.resampling = resampling
        self.cancelled = cancel or threading.Event()
        self.portal_title = portal_title or (lambda p: access_for(p).title or p)
        self.reads: List[ProductRead] = []
        self.max_concurrent: Dict[str, int] = {}
        self._queue: "queue.Queue" = queue.Queue()
        self._threads: List[threading.Thread] = []
        self._workdir = WorkDir()

    def cancel(self) -> None:
        self.cancelled.set()

    def _bands_for(self, product) -> List[Band]:
        spec = collection_bands(product.collection)
        bands = list(spec.index_bands(self.index).values())
        if spec.mask is not None and self.mask != ():
            bands.append(spec.band(spec.mask.band))
        return bands

    def _start(self) -> None:
        by_portal: Dict[str, List[Any]] = {}
        for product in self.products:
            by_portal.setdefault(_portal_of(product, self._bands_for), []).append(product)
        self._pending = 0
        lock = threading.Lock()
        active: Dict[str, int] = {}
        for portal, products in by_portal.items():
            work: "queue.Queue" = queue.Queue()
            for product in products:
                work.put(product)
            workers = min(len(products), self.access_for(portal).connections if portal else 1)
            for _ in range(workers):
                self._pending += 1
                thread = threading.Thread(target=self._worker, args=(portal, work, lock, active), daemon=True,
                                          name=f"eo-portals-series-{portal}")
                self._threads.append(thread)
                thread.start()

    def _worker(self, portal: str, work: "queue.Queue", lock: threading.Lock, active: Dict[str, int]) -> None:
        try:
            while not self.cancelled.is_set():
                try:
                    product = work.get_nowait()
                except queue.Empty:
                    break
                with lock:
                    active[portal] = active.get(portal, 0) + 1
                    self.max_concurrent[portal] = max(self.max_concurrent.get(portal, 0), active[portal])
                try:
                    reader = _ProductSeries(product, self.parcels, self.index, self.mask, self.access_for,
                                            self.resampling, self.cancelled, self._workdir, self.portal_title)
                    record = reader.run(lambda point: self._queue.put(("point", point)))
                    self._queue.put(("read", record))
                except Cancelled:
                    break
                except Exception as exc:  # noqa: BLE001 - a bug in one product must not hang the series
                    message = f"unexpected error: {exc}"
                    for parcel in self.parcels:
                        self._queue.put(("point", SeriesPoint(parcel.id, product.title, product.start, portal,
                                                              self.index, error=message)))
                    self._queue.put(("read", ProductRead(product.title, portal, error=message)))
                finally:
                    with lock:
                        active[portal] -= 1
        finally:
            self._queue.put(("done", None))

    def __iter__(self) -> Iterator[SeriesPoint]:
        self._start()
        remaining = self._pending
        try:
            while remaining:
                if self.stop_when is not None and self.stop_when():
                    self.cancelled.set()
                try:
                    kind, item = self._queue.get(timeout=0.1)
                except queue.Empty:
                    continue
                if kind == "done":
                    remaining -= 1
                elif kind == "read":
                    self.reads.append(item)
                elif not self.cancelled.is_set():
                    yield item
        finally:
            self.cancelled.set() if remaining else None
            for thread in self._threads:
                thread.join(timeout=60)
            self._workdir.cleanup()

    @property
    def bytes_read(self) -> int:
        return sum(r.bytes_read for r in self.reads)

    @property
    def requests(self) -> int:
        return sum(r.requests for r in self.reads)


def time_series(products: Sequence[Any], parcels: Sequence[Parcel], index: str = "NDVI",
                mask: Optional[Iterable[str]] = None, **options) -> Iterator[SeriesPoint]:
    """Points (parcel, date, statistics) as they come; see `SeriesRun` for the options."""
    return iter(SeriesRun(products, parcels, index, mask, **options))
