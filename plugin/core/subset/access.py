"""Reading remote and local rasters through GDAL: a portal's access (signing, headers, proxy, CAs) as
thread-local GDAL options, what was read (bytes, requests from GDAL's own debug lines), retries after a cut or
an expired signature, and failures as portal errors with a kind."""
from __future__ import annotations

import re
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Optional
from urllib.parse import quote, unquote, urlsplit

from ..auth import Authenticator
from ..errors import ErrorKind, PortalError
from ..http import HttpSettings, excluded, make_session


try:  # osgeo is in every QGIS; the core-only test venv has no GDAL, and this module then cannot read pixels
    from osgeo import gdal
except ImportError:  # pragma: no cover - exercised only where GDAL is missing
    gdal = None


HEADER_FOLDER = "/vsimem/eo_portals_subset_headers"
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
