"""Only the pixels you need: area subsets of cloud-optimised assets, and index statistics over parcels.

    access = Access(http_settings, authenticator)               # one per portal (signing, tokens, proxy, CAs)
    result = subset_product(product, ["B04", "B08", "SCL"], area, folder, access_for=lambda portal: access)
    result.path, result.bytes_read, result.full_size             # one COG; "1.2 MB read instead of 240 MB"

    for point in time_series(products, parcels, "NDVI", None, access_for=...):   # results as they come
        point.parcel, point.date, point.mean, point.median, point.std, point.valid, point.valid_fraction

How (GDAL does all the reading; Qt and QGIS are never imported here):

- A band's asset is found in the product's assets by the band's aliases (`bands.py`); an asset counts as a COG
  when it is a GeoTIFF over http(s). Products without COGs (CDSE and GEODES zips, DHuS) are clipped from the
  downloaded archive instead (`subset_product(..., archive=path)`, bands found by file name in the zip).
- The area (EPSG:4326, possibly in two parts across the antimeridian) is transformed into the asset's own CRS;
  its bounding box, snapped to the grid of the finest chosen band, is the window. Bands on that grid are read
  pixel for pixel (``ReadRaster`` of the window: GDAL fetches only the COG blocks it covers, through
  ``/vsicurl/``); bands of another resolution are resampled onto it (``gdal.Warp``, method changeable; class
  bands such as SCL always nearest).
- Remote reads carry the portal's signing (SAS, THEIA), headers (API key, bearer token, Basic, in a
  ``/vsimem/`` header file, never in a path) and QGIS's proxy, CA bundle and user agent as thread-local GDAL
  options, so parallel reads of different portals never mix settings. Bytes and requests are counted from
  GDAL's own ``VSICURL`` debug lines, in the reading thread only.
- Failures: a 401/403 (expired SAS or signature, token) re-signs and retries; a cut connection retries; a
  server that ignores Range is read once whole into a temporary file (and said so in the result).
- The COG is written to ``<name>.part`` and renamed when complete; the product's name, date, cloud cover and
  portal go in its metadata, each band's name, nodata, scale and offset in the band.
- Statistics: per parcel, the pixels whose centre is inside the parcel (a parcel smaller than a pixel: the
  pixels it touches), minus those the chosen mask classes exclude and those with no data, give mean, median,
  population standard deviation, valid count and valid fraction. The pixel math is plain Python over
  ``array`` buffers (a parcel window is small; `bench/subset_bench.py` measures it).
"""
from __future__ import annotations

import math
import os
import queue
import re
import statistics
import tempfile
import threading
import time
import uuid
from array import array
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple
from urllib.parse import quote, unquote, urlsplit

from .auth import Authenticator
from .bands import DEFAULT_RESAMPLING, RESAMPLING, Band, CollectionBands, collection_bands, scale_offset
from .errors import ErrorKind, PortalError
from .http import HttpSettings, excluded, make_session

try:  # osgeo is in every QGIS; the core-only test venv has no GDAL, and this module then cannot read pixels
    from osgeo import gdal, ogr, osr
except ImportError:  # pragma: no cover - exercised only where GDAL is missing
    gdal = ogr = osr = None

HEADER_FOLDER = "/vsimem/eo_portals_subset_headers"
MEMORY_LIMIT = 256 * 1024 * 1024  # bytes of a subset assembled in memory; larger ones go through a scratch file
STRIP_ROWS = 2048  # rows read at once per band
MAX_ATTEMPTS = 4  # reads of one window: first try + retries after a cut, an expired signature or a token refusal
DEFAULT_CONNECTIONS = 4  # products read at once per portal when the catalog says nothing
_DOWNLOADING = re.compile(r"Downloading (\d+)-(\d+) ")
_HTTP_STATUS = re.compile(r"(?:HTTP response code|response_code)[:=]\s*(\d{3})")
_NO_RANGES = "Range downloading not supported"
_IO_ERROR = re.compile(r"IO error|Read error|read error|TIFFRead|failed", re.IGNORECASE)
ProgressFn = Callable[[int], None]


def require_gdal() -> None:
    """Raise a clear error where GDAL's Python bindings are missing (they ship with every QGIS)."""
    if gdal is None:
        raise RuntimeError("GDAL's Python bindings (osgeo) are needed to read pixels")


class Cancelled(Exception):
    """The user cancelled: nothing half-written is left behind."""


# ---- access: signing, headers, proxy, CAs ----------------------------------------------------------------
class Access:
    """How GDAL reaches one portal's assets: its authenticator and QGIS's network settings."""

    def __init__(self, settings: Optional[HttpSettings] = None, auth: Optional[Authenticator] = None,
                 collection: Optional[str] = None, connections: int = DEFAULT_CONNECTIONS):
        self.settings = settings or HttpSettings()
        self.auth = auth or Authenticator("")
        self.collection = collection
        self.connections = max(1, int(connections))

    @property
    def title(self) -> str:
        return self.auth.title

    def gdal_options(self, url: str) -> Dict[str, str]:
        """Thread-local GDAL options for reading `url`: proxy (unless excluded), CA bundle, user agent, timeouts."""
        settings = self.settings
        options = {
            "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",  # no listing of the "folder" of a signed URL
            "GDAL_HTTP_USERAGENT": settings.user_agent,
            "GDAL_HTTP_TIMEOUT": str(max(1, int(settings.timeout))),
            "GDAL_HTTP_CONNECTTIMEOUT": str(max(1, int(min(15.0, settings.timeout)))),
            "GDAL_HTTP_MAX_RETRY": "3",  # 429 and 5xx, honouring GDAL's back-off
            "GDAL_HTTP_RETRY_DELAY": "1",
            "CPL_DEBUG": "ON",  # the VSICURL lines count bytes and requests; read by this thread's handler only
        }
        if url.lower().startswith(("http://", "https://")):
            proxy = "" if excluded(url, ",".join(settings.no_proxy)) else \
                settings.proxies.get(urlsplit(url).scheme.lower(), "")
            if proxy:
                parts = urlsplit(proxy if "://" in proxy else "http://" + proxy)
                netloc = parts.hostname or ""
                if parts.port:
                    netloc += f":{parts.port}"
                options["GDAL_HTTP_PROXY"] = f"{parts.scheme or 'http'}://{netloc}"
                if parts.username:
                    options["GDAL_HTTP_PROXYUSERPWD"] = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
            if isinstance(settings.verify, str) and settings.verify:
                options["CURL_CA_BUNDLE"] = settings.verify
                options["GDAL_CURL_CA_BUNDLE"] = settings.verify
            elif settings.verify is False:
                options["GDAL_HTTP_UNSAFESSL"] = "YES"
        return options

    def headers(self, url: str) -> Dict[str, str]:
        """The account's headers for `url` (API key, bearer token, Basic)."""
        import base64

        headers = dict(self.auth.headers_for(url, url))
        basic = self.auth.basic_for(url, url)
        if basic is not None:
            token = base64.b64encode(f"{basic[0]}:{basic[1]}".encode("utf-8")).decode("ascii")
            headers["Authorization"] = f"Basic {token}"
        return headers

    def mask(self, text: str) -> str:
        return self.auth.mask(text)


# ---- counting what GDAL reads ----------------------------------------------------------------------------
@dataclass
class ReadStats:
    """Bytes and requests GDAL sent for one reading (summed over its assets)."""

    bytes_read: int = 0
    requests: int = 0
    whole_files: int = 0  # assets read whole because their server ignores Range
    retries: int = 0

    def add(self, other: "ReadStats") -> None:
        self.bytes_read += other.bytes_read
        self.requests += other.requests
        self.whole_files += other.whole_files
        self.retries += other.retries


class _GdalScope:
    """Thread-local GDAL options and an error handler for this thread: counts bytes, keeps the last failure."""

    def __init__(self, options: Dict[str, str], stats: ReadStats, progress: Optional[ProgressFn]):
        self.options = options
        self.stats = stats
        self.progress = progress
        self.failure = ""
        self.broken = ""
        self._saved: Dict[str, Optional[str]] = {}

    def handler(self, level, number, message) -> None:
        text = str(message)
        if level == gdal.CE_Debug:
            match = _DOWNLOADING.search(text)
            if match:
                first, last = int(match.group(1)), int(match.group(2))
                self.stats.bytes_read += last - first + 1
                self.stats.requests += 1
                if self.progress is not None:
                    self.progress(self.stats.bytes_read)
            elif "GetFileSize(" in text:
                self.stats.requests += 1
            return
        if level >= gdal.CE_Failure:
            self.failure = text
        elif _NO_RANGES in text:
            self.failure = text
        elif _IO_ERROR.search(text):
            # a cut answer: the TIFF opens "fine" with tags missing (no georeferencing), so it is a failure too
            self.failure = self.broken = text

    def __enter__(self) -> "_GdalScope":
        for key, value in self.options.items():
            self._saved[key] = gdal.GetThreadLocalConfigOption(key, None)
            gdal.SetThreadLocalConfigOption(key, value)
        gdal.PushErrorHandler(self.handler)
        return self

    def __exit__(self, *exc) -> None:
        gdal.PopErrorHandler()
        for key, value in self._saved.items():
            gdal.SetThreadLocalConfigOption(key, value)


# ---- one raster asset, remote or local --------------------------------------------------------------------
class Raster:
    """One band's file: opened through /vsicurl/ (signed, with headers) or locally; re-opened after failures.

    `read(fn)` runs ``fn(dataset)`` inside this thread's GDAL scope and retries it: a 401/403 re-signs (the
    authenticator forgets its token or signature first), a cut or refused read clears GDAL's cache of the URL,
    a server without Range support is read once whole into `workdir`.
    """

    def __init__(self, href: str, access: Optional[Access], stats: ReadStats, workdir: "WorkDir",
                 cancel: Optional[threading.Event] = None, progress: Optional[ProgressFn] = None):
        self.href = href
        self.access = access or Access()
        self.stats = stats
        self.workdir = workdir
        self.cancel = cancel
        self.progress = progress
        self.remote = href.lower().startswith(("http://", "https://"))
        self._dataset = None
        self._path = ""
        self._url = ""
        self._header_file: Optional[str] = None
        self._local: Optional[str] = None
        self._signed_at = 0.0

    # -- paths
    def _gdal_path(self) -> str:
        if not self.remote:
            return self.href
        if self._local:
            return self._local
        self._signed_at = time.monotonic()
        self._url = self.access.auth.sign(self.href, self.access.collection)
        headers = self.access.headers(self._url)
        self._drop_header_file()
        if not headers:
            return "/vsicurl/" + self._url
        self._header_file = f"{HEADER_FOLDER}/{uuid.uuid4().hex}.txt"
        gdal.FileFromMemBuffer(self._header_file,
                               "".join(f"{k}: {v}\r\n" for k, v in headers.items()).encode("utf-8"))
        return f"/vsicurl?url={quote(self._url, safe='')}&header_file={self._header_file}"

    def _drop_header_file(self) -> None:
        if self._header_file:
            gdal.Unlink(self._header_file)
            self._header_file = None

    def _scope(self) -> _GdalScope:
        options = self.access.gdal_options(self._url or self.href) if self.remote and not self._local else {}
        return _GdalScope(options, self.stats, self.progress)

    def _describe(self, failure: str) -> str:
        name = Path(urlsplit(self.href).path).name or self.href
        failure = self.access.mask(failure or "GDAL could not read it")
        failure = failure.replace(self._url, name) if self._url else failure
        return f"{name}: {failure}"

    # -- reading
    def read(self, fn: Callable[[Any], Any]) -> Any:
        """``fn(dataset)`` with retries; raises PortalError naming the portal and the file when it cannot."""
        require_gdal()
        failure = ""
        for attempt in range(MAX_ATTEMPTS):
            if self.cancel is not None and self.cancel.is_set():
                raise Cancelled()
            if attempt:
                self.stats.retries += 1
            if self._dataset is None:
                self._path = self._gdal_path()
            with self._scope() as scope:
                try:
                    if self._dataset is None:
                        self._dataset = gdal.Open(self._path)
                    result = fn(self._dataset) if self._dataset is not None else None
                except Cancelled:
                    raise
                except Exception as exc:  # noqa: BLE001 - GDAL errors raised when the caller set UseExceptions
                    scope.failure = scope.failure or str(exc)
                    result = None
            if result is not None and not scope.broken:
                return result
            failure = scope.failure
            self._recover(failure)
        raise PortalError(self.access.title or "GDAL", self._describe(failure), _kind(failure),
                          _status(failure))

    def _recover(self, failure: str) -> None:
        """Prepare the next attempt after `failure`."""
        self._dataset = None
        if not self.remote:
            return
        if self._path.startswith("/vsicurl"):
            gdal.VSICurlPartialClearCache(self._path)  # a cut answer may have left a short block in the cache
        status = _status(failure)
        if _NO_RANGES in failure and not self._local:
            self._local = self._fetch_whole()
            return
        if status in self.access.auth.refresh_statuses:
            self.access.auth.invalidate(self._signed_at)

    def _fetch_whole(self) -> str:
        """The whole asset in a temporary file (its server ignores Range): read once, shared by every window."""
        cached = self.workdir.whole_file(self.href)
        if cached:
            return cached
        url = self.access.auth.sign(self.href, self.access.collection)
        target = self.workdir.new_path(Path(urlsplit(self.href).path).suffix or ".tif")
        session = make_session(self.access.settings)
        try:
            with session.get(url, headers=self.access.headers(url), stream=True,
                             timeout=(min(15.0, self.access.settings.timeout), self.access.settings.timeout)) as answer:
                if answer.status_code >= 300:
                    raise PortalError(self.access.title, self._describe(f"HTTP {answer.status_code}"),
                                      ErrorKind.HTTP, answer.status_code)
                with open(target, "wb") as handle:
                    for chunk in answer.iter_content(1 << 20):
                        if self.cancel is not None and self.cancel.is_set():
                            raise Cancelled()
                        handle.write(chunk)
                        self.stats.bytes_read += len(chunk)
                        if self.progress is not None:
                            self.progress(self.stats.bytes_read)
        except OSError as exc:
            if isinstance(exc, PortalError):
                raise
            raise PortalError(self.access.title, self._describe(self.access.mask(str(exc))),
                              ErrorKind.UNREACHABLE) from None
        finally:
            session.close()
        self.stats.requests += 1
        self.stats.whole_files += 1
        self.workdir.remember(self.href, str(target))
        return str(target)

    def size(self) -> Optional[int]:
        """Size of the whole file, as GDAL learnt it (no extra request once opened)."""
        path = self._local or self._path
        if not path:
            return None
        with self._scope():
            stat = gdal.VSIStatL(path)
        return stat.size if stat is not None else None

    def close(self) -> None:
        self._dataset = None
        self._drop_header_file()


def _status(failure: str) -> Optional[int]:
    match = _HTTP_STATUS.search(failure or "")
    return int(match.group(1)) if match else None


def _kind(failure: str) -> ErrorKind:
    status = _status(failure)
    if status in (401, 403):
        return ErrorKind.AUTH
    if status == 429:
        return ErrorKind.THROTTLED
    if status is not None:
        return ErrorKind.HTTP
    return ErrorKind.UNREACHABLE


class WorkDir:
    """Temporary files of one run (whole assets from servers without Range), removed by `cleanup()`."""

    def __init__(self) -> None:
        self._folder: Optional[str] = None
        self._whole: Dict[str, str] = {}
        self._lock = threading.Lock()

    def new_path(self, suffix: str) -> Path:
        with self._lock:
            if self._folder is None:
                self._folder = tempfile.mkdtemp(prefix="eo_portals_subset_")
        return Path(self._folder) / f"{uuid.uuid4().hex}{suffix}"

    def whole_file(self, href: str) -> Optional[str]:
        with self._lock:
            return self._whole.get(href)

    def remember(self, href: str, path: str) -> None:
        with self._lock:
            self._whole[href] = path

    def cleanup(self) -> None:
        import shutil

        with self._lock:
            folder, self._folder, self._whole = self._folder, None, {}
        if folder:
            shutil.rmtree(folder, ignore_errors=True)


# ---- which files hold the bands -------------------------------------------------------------------------
@dataclass
class BandFile:
    """Where one band of a product is read from."""

    band: Band
    href: str  # http(s) URL of a COG, or a GDAL path into a local file or archive
    size: Optional[int] = None  # bytes of the whole file, when the portal states it


def is_cog_asset(asset) -> bool:
    """A GeoTIFF over http(s) (STAC assets of Earth Search, Planetary Computer, USGS...)."""
    href = asset.href.lower()
    if not href.startswith(("http://", "https://")):
        return False
    media = (asset.media_type or "").lower()
    return "tiff" in media or urlsplit(href).path.endswith((".tif", ".tiff"))


def cog_bands(product, bands: Sequence[Band]) -> Tuple[Optional[Any], List[BandFile]]:
    """The first source (in the user's portal order) holding every band as a COG, and the files; else (None, [])."""
    for source in product.sources:
        files = []
        for band in bands:
            asset = next((a for key, a in source.assets.items() if band.matches(key) and is_cog_asset(a)), None)
            if asset is None:
                break
            files.append(BandFile(band, asset.href, asset.size))
        else:
            return source, files
    return None, []


def archive_bands(archive: str, bands: Sequence[Band]) -> List[BandFile]:
    """The bands' image files inside a downloaded product (zip or folder), as GDAL paths; ValueError if missing.

    Files are found by name: ``..._B04.jp2``, ``..._B04_10m.jp2`` (Sentinel-2 SAFE), ``..._SR_B4.TIF`` (Landsat).
    """
    import zipfile

    path = Path(archive)
    if path.is_dir():
        names = [p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file()]
        prefix = str(path) + "/"
    else:
        with zipfile.ZipFile(path) as handle:
            names = handle.namelist()
        prefix = f"/vsizip/{path}/"
    images = [n for n in names if n.lower().endswith((".jp2", ".tif", ".tiff"))]
    files, missing = [], []
    for band in bands:
        pattern = re.compile(rf"(^|[_/]){re.escape(band.name)}(_\d+m)?\.(jp2|tiff?)$", re.IGNORECASE)
        found = sorted((n for n in images if pattern.search(n)), key=lambda n: (_resolution_of(n), len(n)))
        if not found:
            missing.append(band.name)
        else:
            files.append(BandFile(band, prefix + found[0]))
    if missing:
        raise ValueError(f"{path.name} holds no {', '.join(missing)}")
    return files


def _resolution_of(name: str) -> int:
    match = re.search(r"_(\d+)m\.", name)
    return int(match.group(1)) if match else 0


# ---- geometry ----------------------------------------------------------------------------------------------
def _ogr_geometry(geometry) -> Any:
    """A shapely geometry (EPSG:4326 lon/lat) as an OGR geometry."""
    return ogr.CreateGeometryFromWkb(bytes(geometry.wkb))


def _to_crs(geometry, wkt: str) -> Any:
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


def _area_envelope(area, wkt: str) -> Tuple[float, float, float, float]:
    """The envelope (minx, maxx, miny, maxy) of the area in the CRS `wkt`; parts (antimeridian) are merged."""
    parts = list(getattr(area, "geoms", [area]))
    envelopes = [_to_crs(part, wkt).GetEnvelope() for part in parts]
    return (min(e[0] for e in envelopes), max(e[1] for e in envelopes),
            min(e[2] for e in envelopes), max(e[3] for e in envelopes))


# ---- subsets ---------------------------------------------------------------------------------------------
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
    envelope = _area_envelope(area, wkt)
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
                geometry = _to_crs(parcel.geometry, wkt)
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
