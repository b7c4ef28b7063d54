"""The download engine: products to disk, streamed, resumed, verified, renamed atomically, with source fallback.

Three layers, each usable alone (everything is plain Python; callbacks run on worker threads and the QGIS
layer marshals them to the main thread):

`fetch_file(target, dest, ctx)` — one file. Streams to ``<dest>.part`` in 256 KiB chunks (memory stays flat),
resumes with ``Range: bytes=N-`` when the portal allows it (catalog ``resume``) and the server answers 206
with a matching ``Content-Range``; restarts cleanly (truncates) when it answers 200. The checksum (MD5 or
SHA-*, from the portal) is computed while streaming, including the resumed prefix re-read from the .part;
BLAKE3 has no implementation in the standard library, so a file that only has BLAKE3 ends "not verified
(BLAKE3)". Size and checksum are checked, the .part is fsync'ed and `os.replace`d: a file with the final
name is always complete. Retries with exponential back-off on connection errors, cut bodies and 5xx; 429
honours ``Retry-After``; a 401 (403 for signed URLs) makes the account refresh its token once; 202 means
offline. Redirects are followed here (bounded, http(s) only) so the account's header reaches the download
host. Full disk: a clear message, the .part kept for later.

`Downloader.run(job, control)` — one product, in the calling thread (what a Processing algorithm or a
QgsTask calls; `control.cancel()` from the feedback stops it). Picks what to download from each source
(`plan_source`): the whole product archive (`Source.download_url`, or a STAC asset with role ``archive``, or
``data`` and a zip) when no assets are chosen; the chosen asset keys otherwise (http(s) hrefs only), into a
folder named after the product. Tries the product's sources in order (the user's preference) and falls back
to the next one when a source fails; offline sources are skipped with a message. Optionally extracts zips
(paths.extract_zip, into ``<name>.SAFE`` for Sentinel products zipped without their folder). The job ends
DONE (``files``: final paths; ``notes``: "X.zip: MD5 verified"...), FAILED or OFFLINE (``error``: one
"<Portal>: <reason>" per source tried).

`DownloadManager` — the queue in memory: worker threads, a global limit and per-account limits (catalog
``max_downloads``; ``cdse`` and ``cdse_stac`` share CDSE's 4), cancel per job, pause all / resume all,
retry, remove, persistence through a store (queue.JobQueue, written by a thread of its own) so a restart
resumes. Every method returns at once (safe on the QGIS main thread) except `wait` and `stop`::

    manager = DownloadManager(Downloader(catalog, accounts, http_settings), max_downloads=4,
                              store=JobQueue(path), on_state=..., on_progress=...)
    manager.start()                       # stored jobs are loaded and announced through on_state;
                                          # interrupted ones resume from their .part
    job = manager.add(product, "/data/eo", assets=("visual",), extract=False)
    manager.pause_all(); manager.resume_all(); manager.cancel(job.id); manager.retry(job.id)
    manager.remove(job.id); manager.jobs(); manager.job(job.id)
    manager.wait([job.id]); manager.stop()   # stop(): running jobs stay queued for next time

``on_state(job)`` receives a copy of the job at each state change (and for each stored job at start);
``on_progress(job_id, done, total_or_None, bytes_per_second)`` at most every `progress_interval` seconds per
job. Both run on worker threads. Messages are English and name the portal (PortalError text, secrets
masked); the QGIS layer translates what it shows.
"""
from __future__ import annotations

import dataclasses
import enum
import errno
import hashlib
import http.client
import logging
import mimetypes
import os
import queue as stdlib_queue
import re
import shutil
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple
from urllib.parse import unquote, urljoin, urlsplit

import requests

from .auth import Accounts, Authenticator
from .catalog import Catalog, Portal
from .errors import ErrorKind, PortalError
from .http import (
    HttpSettings, error_for_exception, error_for_status, make_session, portal_message, retry_after_seconds,
)
from .naming import parse_name
from .paths import extract_zip, safe_join, safe_name
from .product import Asset, Product, Source

LOG = logging.getLogger("eo_portals.download")
CHUNK = 256 * 1024  # a stop or progress is noticed after at most one chunk, even on slow links
PART_SUFFIX = ".part"
MAX_REDIRECTS = 10
DISK_MARGIN = 16 * 1024 * 1024  # keep this much free beyond the file itself
_REDIRECTS = (301, 302, 303, 307, 308)
# algorithms in order of preference, as portals name them -> hashlib name
_HASHES = (("MD5", "md5"), ("SHA256", "sha256"), ("SHA512", "sha512"), ("SHA3256", "sha3_256"),
           ("SHA3512", "sha3_512"), ("SHA1", "sha1"))


def _body_chunks(response: requests.Response, size: int) -> Iterable[bytes]:
    """The body in chunks of at most `size`, giving every byte that arrived before a connection was cut.

    urllib3 2.x reads whole chunks and drops a partial one when the connection breaks; `read1` returns what
    has arrived instead, so a resume never fetches those bytes again. urllib3 1.26 (Debian's) has no `read1`
    and already yields partial chunks through `iter_content`.
    """
    read1 = getattr(response.raw, "read1", None)
    if read1 is None:
        yield from response.iter_content(size)
        return
    try:
        while True:
            data = read1(size, decode_content=True)
            if not data:
                return
            yield data
    except (http.client.HTTPException, OSError, ValueError) as exc:
        raise requests.exceptions.ConnectionError(exc) from None
    except Exception as exc:  # urllib3's own errors (ProtocolError, ReadTimeoutError...), whatever its version
        if type(exc).__module__.startswith("urllib3"):
            if "Timeout" in type(exc).__name__:
                raise requests.exceptions.ReadTimeout(exc) from None
            raise requests.exceptions.ConnectionError(exc) from None
        raise


class State(enum.Enum):
    """Where a download job is."""

    QUEUED = "queued"
    DOWNLOADING = "downloading"
    VERIFYING = "verifying"
    DONE = "done"
    FAILED = "failed"
    OFFLINE = "offline"
    CANCELLED = "cancelled"
    PAUSED = "paused"


FINAL_STATES = frozenset({State.DONE, State.FAILED, State.OFFLINE, State.CANCELLED})
RETRYABLE_STATES = frozenset({State.FAILED, State.OFFLINE, State.CANCELLED, State.PAUSED})


class Stopped(Exception):
    """The job was asked to stop (cancel, pause, shutdown); `state` is where it goes."""

    def __init__(self, state: State):
        super().__init__(state.value)
        self.state = state


class Control:
    """Stop requests for one running job, set from any thread, checked between chunks."""

    def __init__(self) -> None:
        self._wake = threading.Event()
        self._stop: Optional[State] = None

    def stop(self, state: State) -> None:
        """Ask the job to stop and end in `state` (CANCELLED, PAUSED, or QUEUED for a shutdown)."""
        if self._stop is None or state is State.CANCELLED:
            self._stop = state
        self._wake.set()

    def cancel(self) -> None:
        """Stop and drop the partial files."""
        self.stop(State.CANCELLED)

    @property
    def requested(self) -> Optional[State]:
        """The state asked for, or None."""
        return self._stop

    def check(self) -> None:
        """Raise Stopped when a stop was asked."""
        if self._stop is not None:
            raise Stopped(self._stop)

    def wait(self, seconds: float) -> None:
        """Sleep up to `seconds`, waking up (and raising Stopped) as soon as a stop is asked."""
        if seconds > 0:
            self._wake.wait(seconds)
        self.check()


@dataclass
class RetryPolicy:
    """How hard one file is tried before its source is given up."""

    attempts: int = 5  # failures (connection, cut body, 5xx, 429) tolerated per file
    backoff: float = 2.0  # first wait in seconds, then multiplied by `factor`
    factor: float = 2.0
    max_delay: float = 60.0
    max_retry_after: float = 900.0  # a longer Retry-After fails the source instead of waiting
    sleep: Optional[Callable[[float], None]] = None  # tests inject one; default: an interruptible wait

    def delay(self, failures: int) -> float:
        """Back-off before the next try after `failures` consecutive failures."""
        return min(self.max_delay, self.backoff * self.factor ** max(0, failures - 1))


@dataclass
class FileTarget:
    """One file to fetch: where from, where to (relative to the download folder), what to expect."""

    key: str
    url: str
    relative: str
    size: Optional[int] = None
    checksums: Dict[str, str] = field(default_factory=dict)


@dataclass
class FileResult:
    """A file on disk, complete and verified as far as the portal allows."""

    path: Path
    size: int
    verification: str  # "MD5 verified", "not verified (BLAKE3)", "no checksum given"
    resumed_from: int = 0  # bytes kept from an earlier .part
    fetched: int = 0  # bytes received for this file in this run
    reused: bool = False  # the file was already there and verified


@dataclass
class SourcePlan:
    """What one source offers for a job: its portal and the files to fetch."""

    source: Source
    portal: Portal
    files: List[FileTarget]
    missing: List[str] = field(default_factory=list)  # chosen asset keys this source lacks


@dataclass
class Job:
    """One product to download, as the queue and the Downloads tab see it."""

    product: Product
    folder: str  # the download folder chosen by the user
    assets: Tuple[str, ...] = ()  # chosen asset keys; empty: the whole product archive
    extract: bool = False
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    state: State = State.QUEUED
    bytes_done: int = 0
    bytes_total: Optional[int] = None
    error: str = ""
    portal: str = ""  # source being (or last) downloaded from
    files: List[str] = field(default_factory=list)  # final paths when DONE
    notes: List[str] = field(default_factory=list)  # per-file verification, fallbacks, missing assets
    created: float = field(default_factory=time.time)
    speed: float = 0.0  # bytes/s, not stored

    @property
    def title(self) -> str:
        """The product name shown to the user."""
        return self.product.title

    def snapshot(self) -> "Job":
        """A copy safe to hand to another thread."""
        return dataclasses.replace(self, assets=tuple(self.assets), files=list(self.files), notes=list(self.notes))


# --------------------------------------------------------------------------------------------------------
# What to download from a source


def _extension(url: str, media_type: str = "", default: str = "") -> str:
    path = urlsplit(url).path.lower()
    for ext in (".tar.gz", ".zip", ".tar", ".tif", ".tiff", ".jp2", ".nc", ".json", ".xml", ".jpg", ".png"):
        if path.endswith(ext):
            return ext
    guessed = mimetypes.guess_extension((media_type or "").split(";")[0].strip()) if media_type else None
    if guessed:
        return ".tif" if guessed in (".tiff",) else guessed
    return default


def _asset_checksums(asset: Asset, source: Source, whole: bool) -> Dict[str, str]:
    if asset.checksum:
        return {asset.checksum[0].upper(): asset.checksum[1]}
    return dict(source.checksums) if whole else {}


def archive_of(product: Product, source: Source) -> Optional[FileTarget]:
    """The whole-product archive a source offers, if any."""
    base = safe_name(product.title, fallback="product")
    if source.download_url:
        ext = _extension(source.download_url, default=".zip")
        return FileTarget("product", source.download_url, base + ext, source.size, dict(source.checksums))
    for key, asset in source.assets.items():
        if "archive" in asset.roles or ("data" in asset.roles and asset.is_archive):
            ext = _extension(asset.href, asset.media_type, ".zip")
            size = asset.size if asset.size is not None else source.size
            return FileTarget(key, asset.href, base + ext, size, _asset_checksums(asset, source, True))
    return None


def asset_targets(product: Product, source: Source, keys: Sequence[str]) -> Tuple[List[FileTarget], List[str]]:
    """Files for the chosen asset keys (in a folder named after the product) and the keys the source lacks."""
    folder = safe_name(product.title, fallback="product")
    targets: List[FileTarget] = []
    missing: List[str] = []
    used = set()
    for key in keys:
        asset = source.assets.get(key)
        if asset is None or not asset.href.startswith(("http://", "https://")):
            missing.append(key)
            continue
        name = unquote(urlsplit(asset.href).path.rsplit("/", 1)[-1])
        if "." not in name:
            name = key + _extension(asset.href, asset.media_type, "")
        name = safe_name(name, fallback=safe_name(key))
        if name.lower() in used:
            name = safe_name(f"{key}_{name}")
        used.add(name.lower())
        checksums = _asset_checksums(asset, source, False)
        targets.append(FileTarget(key, asset.href, f"{folder}/{name}", asset.size, checksums))
    return targets, missing


def plan_source(product: Product, source: Source, portal: Portal, assets: Sequence[str] = ()) -> SourcePlan:
    """What to fetch from `source`; PortalError(INVALID) when it has nothing matching the request."""
    if assets:
        files, missing = asset_targets(product, source, assets)
        if not files:
            raise PortalError(portal.title, f"has none of the chosen assets over HTTP ({', '.join(assets)})",
                              ErrorKind.INVALID)
        return SourcePlan(source, portal, files, missing)
    archive = archive_of(product, source)
    if archive is None:
        raise PortalError(portal.title, "offers no whole-product archive: choose the assets to download",
                          ErrorKind.INVALID)
    return SourcePlan(source, portal, [archive])


# --------------------------------------------------------------------------------------------------------
# One file


@dataclass
class FetchContext:
    """Everything `fetch_file` needs besides the file: session, portal, account, policy, stop control."""

    session: requests.Session
    portal: Portal
    auth: Authenticator
    settings: HttpSettings = field(default_factory=HttpSettings)
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    control: Control = field(default_factory=Control)
    collection: Optional[str] = None  # the portal's collection name (SAS tokens are per collection)
    mask: Optional[Callable[[str], str]] = None

    def masked(self, text: str) -> str:
        """`text` with every secret hidden."""
        return (self.mask or self.auth.mask)(text)

    def sleep(self, seconds: float) -> None:
        """Wait before a retry (the injected sleep, or a wait that a stop interrupts)."""
        if self.policy.sleep is not None:
            self.policy.sleep(seconds)
            self.control.check()
        else:
            self.control.wait(seconds)


class BackgroundHash:
    """A hashlib hash fed from another thread: hashing overlaps with receiving and writing.

    hashlib releases the GIL on large buffers, so MD5 no longer caps the download speed on a multi-core
    machine; at most `depth` chunks wait in the queue, so memory stays flat.
    """

    def __init__(self, name: str, depth: int = 8):
        self._hash = hashlib.new(name)
        self._queue: "stdlib_queue.Queue[Optional[bytes]]" = stdlib_queue.Queue(depth)
        self._thread = threading.Thread(target=self._run, name="eo-download-hash", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            block = self._queue.get()
            if block is None:
                return
            self._hash.update(block)

    def update(self, block: bytes) -> None:
        """Queue `block` for hashing (blocks when the hasher is `depth` chunks behind)."""
        self._queue.put(block)

    def hexdigest(self) -> str:
        """The digest of everything queued; ends the thread."""
        self.close()
        return self._hash.hexdigest()

    def close(self) -> None:
        """Stop the thread (after it has hashed what is queued)."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()


def hasher_for(checksums: Dict[str, str]) -> Tuple[Optional[str], Optional[str], Optional[BackgroundHash]]:
    """(algorithm, expected hex, hasher) for the best checksum we can compute, or Nones."""
    normal = {re.sub(r"[^A-Z0-9]", "", k.upper()): str(v).strip().lower() for k, v in (checksums or {}).items() if v}
    for name, hashlib_name in _HASHES:
        if name in normal:
            return name, normal[name], BackgroundHash(hashlib_name)
    return None, None, None


def unverifiable(checksums: Dict[str, str]) -> str:
    """The note for a file whose checksums we cannot compute ("not verified (BLAKE3)")."""
    names = sorted(k.upper() for k, v in (checksums or {}).items() if v)
    return f"not verified ({', '.join(names)})" if names else "no checksum given"


def parse_content_range(value: Optional[str]) -> Tuple[Optional[int], Optional[int], Optional[int]]:
    """(first byte, last byte, total) of a Content-Range header; Nones where absent or '*'."""
    match = re.match(r"\s*bytes\s+(?:(\d+)-(\d+)|\*)\s*/\s*(\d+|\*)", value or "")
    if not match:
        return None, None, None
    first, last, total = match.groups()
    as_int = lambda v: int(v) if v and v != "*" else None  # noqa: E731
    return as_int(first), as_int(last), as_int(total)


def _open_part(path: Path, append: bool):
    """The .part file handle (a seam for tests that simulate a full disk)."""
    return open(path, "ab" if append else "wb")


def _truncate(part: Path) -> None:
    if part.exists():
        with open(part, "wb"):
            pass


def _hash_prefix(part: Path, hasher, control: Control) -> None:
    with open(part, "rb") as handle:
        while True:
            control.check()
            block = handle.read(CHUNK)
            if not block:
                return
            hasher.update(block)


def _megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size < 9.95e6 else f"{size / 1e6:.0f} MB"


def _disk_error(title: str, folder: Path, needed: Optional[int] = None) -> PortalError:
    if needed is not None:
        free = shutil.disk_usage(folder).free
        # the margin is part of what is missing: "0 MB needed, 2 MB free" left the user wondering why
        message = (f"the disk is too full for this download ({folder}): {_megabytes(needed)} needed and "
                   f"{_megabytes(DISK_MARGIN)} kept free, {_megabytes(free)} free; free some space and retry "
                   "(the partial download is kept)")
    else:
        message = f"the disk is full ({folder}): free some space and retry, the partial download is kept"
    return PortalError(title, message, ErrorKind.DISK)


def open_following_redirects(ctx: FetchContext, url: str, offset: int) -> Tuple[requests.Response, float]:
    """GET `url` (from byte `offset`), following redirects ourselves so the account's credentials are re-sent
    to the hosts of the same site (requests drops them on cross-host redirects).

    Returns the final answer (streaming) and when its request left (time.monotonic(), for `invalidate`).
    """
    origin = current = url
    timeout = (min(15.0, ctx.settings.timeout), ctx.settings.timeout)
    for _ in range(MAX_REDIRECTS + 1):
        headers = {"Accept-Encoding": "identity"}  # byte ranges and sizes refer to the bytes on the wire
        headers.update(ctx.auth.headers_for(current, origin))
        if offset:
            headers["Range"] = f"bytes={offset}-"
        basic = ctx.auth.basic_for(current, origin)
        sent_at = time.monotonic()
        response = ctx.session.get(current, headers=headers, auth=basic, stream=True, allow_redirects=False,
                                   timeout=timeout)
        location = response.headers.get("Location")
        if response.status_code not in _REDIRECTS or not location:
            return response, sent_at
        response.close()
        current = urljoin(current, location)
        if urlsplit(current).scheme not in ("http", "https"):
            raise PortalError(ctx.portal.title, "the download was redirected to an unsupported address",
                              ErrorKind.HTTP)
        LOG.debug("%s: redirected to %s", ctx.portal.title, ctx.masked(current))
    raise PortalError(ctx.portal.title, f"too many redirects (more than {MAX_REDIRECTS})", ErrorKind.HTTP)


def _verify_existing(dest: Path, target: FileTarget, ctx: FetchContext) -> Optional[FileResult]:
    """A final file already there (an earlier run finished) is reused when it matches what the portal says."""
    size = dest.stat().st_size
    if target.size is not None and size != target.size:
        return None
    algorithm, expected, hasher = hasher_for(target.checksums)
    if hasher is not None:
        try:
            _hash_prefix(dest, hasher, ctx.control)
            if hasher.hexdigest() != expected:
                return None
        finally:
            hasher.close()
        return FileResult(dest, size, f"{algorithm} verified", reused=True)
    return FileResult(dest, size, unverifiable(target.checksums), reused=True)


def fetch_file(
    target: FileTarget,
    dest: Path,
    ctx: FetchContext,
    progress: Optional[Callable[[int, Optional[int]], None]] = None,
    on_verify: Optional[Callable[[], None]] = None,
) -> FileResult:
    """Download `target` to `dest` (resume, retry, verify, atomic rename) or raise PortalError / Stopped.

    `progress(bytes_on_disk, total_or_None)` is called after each chunk; `on_verify()` before the final check.
    """
    title = ctx.portal.title
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + PART_SUFFIX)
    if dest.exists() and not part.exists():
        reused = _verify_existing(dest, target, ctx)
        if reused is not None:
            LOG.info("%s: %s is already downloaded", title, dest.name)
            return reused
    expected = target.size
    failures = 0
    refreshed = False
    restarts = 0
    corrupt = 0
    resumed_from = 0
    fetched = 0
    while True:
        ctx.control.check()
        offset = part.stat().st_size if part.exists() else 0
        complete = expected is not None and offset == expected and offset > 0
        if offset and not complete and (not ctx.portal.resume or (expected is not None and offset > expected)):
            _truncate(part)
            offset = 0
        algorithm, wanted, hasher = hasher_for(target.checksums)
        try:
            if complete:
                # an earlier run received every byte but stopped before the rename: check what is there
                if hasher is not None:
                    _hash_prefix(part, hasher, ctx.control)
                size = offset
            else:
                url = ctx.auth.sign(target.url, ctx.collection)
                try:
                    response, sent_at = open_following_redirects(ctx, url, offset)
                except requests.exceptions.RequestException as exc:
                    failures += 1
                    error = error_for_exception(title, exc, ctx.settings.timeout)
                    if failures >= ctx.policy.attempts:
                        raise PortalError(title, ctx.masked(error.message), error.kind) from None
                    LOG.info("%s: %s, retrying", title, ctx.masked(error.message))
                    ctx.sleep(ctx.policy.delay(failures))
                    continue
                with response:
                    status = response.status_code
                    if status == 202:
                        raise PortalError(title, "the product is offline: the portal is bringing it back from its "
                                                 "long-term archive, retry later", ErrorKind.OFFLINE, status)
                    if status in ctx.auth.refresh_statuses and not refreshed and ctx.auth.invalidate(sent_at):
                        refreshed = True  # once: the account gets a fresh token or signature
                        LOG.info("%s: HTTP %s, renewing the authorisation", title, status)
                        continue
                    if status == 429 or status >= 500:
                        failures += 1
                        body = response.raw.read(20000, decode_content=False) if status >= 500 else b""
                        error = error_for_status(title, status, body, response.headers)
                        wait = retry_after_seconds(response.headers.get("Retry-After"))
                        if wait is None:
                            wait = ctx.policy.delay(failures)
                        if failures >= ctx.policy.attempts:
                            raise PortalError(title, ctx.masked(error.message), error.kind, status)
                        if wait > ctx.policy.max_retry_after:
                            raise PortalError(title, f"the portal asks to wait {wait / 60:.0f} min (HTTP {status}); "
                                                     "retry later", ErrorKind.THROTTLED, status, retry_after=wait)
                        LOG.info("%s: HTTP %s, retrying in %.0f s", title, status, wait)
                        ctx.sleep(wait)
                        continue
                    if status == 416:
                        total = parse_content_range(response.headers.get("Content-Range"))[2]
                        if total is not None and total == offset and (expected is None or expected == total):
                            expected = total
                            continue  # the .part already holds everything: the next turn verifies it
                        _truncate(part)
                        restarts += 1
                        if restarts > 2:
                            raise PortalError(title, "the portal refuses the byte range requests", ErrorKind.HTTP, 416)
                        continue
                    if status >= 400:
                        body = response.raw.read(20000, decode_content=False)
                        error = error_for_status(title, status, body, response.headers)
                        raise PortalError(title, ctx.masked(error.message), error.kind, status, ctx.masked(error.detail))
                    if _web_page(response, target):
                        # a maintenance or login page answered with 200: never written over the .part nor taken
                        # for the file (a product without size or checksum would be "done" as HTML)
                        failures += 1
                        page = portal_message(response.raw.read(20000, decode_content=True))
                        problem = "the portal answered with a web page instead of the file"
                        problem += f": {page}" if page else ""
                        if failures >= ctx.policy.attempts:
                            raise PortalError(title, ctx.masked(problem), ErrorKind.HTTP, status)
                        LOG.info("%s: %s, retrying", title, ctx.masked(problem))
                        ctx.sleep(ctx.policy.delay(failures))
                        continue
                    length = _int(response.headers.get("Content-Length"))
                    if status == 206:
                        first, _, total = parse_content_range(response.headers.get("Content-Range"))
                        if first != offset or (expected is not None and total is not None and total != expected):
                            # a range we did not ask for, or another file: start over from zero
                            _truncate(part)
                            restarts += 1
                            if restarts > 2:
                                raise PortalError(title, "the portal answers inconsistent byte ranges", ErrorKind.HTTP)
                            continue
                        announced = total if total is not None else (offset + length if length is not None else None)
                    elif status == 200:
                        if offset:
                            LOG.info("%s: the server ignored the byte range, restarting %s", title, dest.name)
                        offset = 0
                        announced = length
                    else:
                        raise PortalError(title, f"unexpected answer (HTTP {status})", ErrorKind.HTTP, status)
                    if expected is not None and announced is not None and announced != expected:
                        raise PortalError(title, f"the portal sent {announced} bytes where {expected} were announced",
                                          ErrorKind.HTTP, status)
                    total_size = expected if expected is not None else announced
                    remaining = (total_size - offset) if total_size is not None else None
                    if remaining is not None:
                        free = shutil.disk_usage(dest.parent).free
                        if free < remaining + DISK_MARGIN:
                            raise _disk_error(title, dest.parent, remaining)
                    if offset:
                        resumed_from = offset
                        if hasher is not None:
                            _hash_prefix(part, hasher, ctx.control)
                        LOG.info("%s: resuming %s from byte %d", title, dest.name, offset)
                    received = 0
                    cut: Optional[str] = None
                    try:
                        handle = _open_part(part, append=bool(offset))
                    except OSError as exc:
                        raise PortalError(title, f"cannot write {part}: {exc.strerror or exc}", ErrorKind.DISK) from None
                    try:
                        for chunk in _body_chunks(response, CHUNK):
                            handle.write(chunk)
                            if hasher is not None:
                                hasher.update(chunk)
                            received += len(chunk)
                            if progress is not None:
                                progress(offset + received, total_size)
                            ctx.control.check()
                        handle.flush()
                        os.fsync(handle.fileno())
                    except requests.exceptions.RequestException as exc:
                        cut = error_for_exception(title, exc, ctx.settings.timeout).message
                    except OSError as exc:
                        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                            raise _disk_error(title, dest.parent) from None
                        raise PortalError(title, f"cannot write {part}: {exc.strerror or exc}", ErrorKind.DISK) from None
                    finally:
                        try:
                            handle.close()
                        except OSError as exc:
                            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                                raise _disk_error(title, dest.parent) from None
                            raise
                    fetched += received
                    size = offset + received
                    if cut is None and announced is not None and size < announced:
                        cut = f"the connection was cut after {size} of {announced} bytes"
                    if cut is not None:
                        # progress on disk is kept when the portal resumes, so only a try that got nothing counts fully
                        failures = 1 if (ctx.portal.resume and received) else failures + 1
                        if failures >= ctx.policy.attempts:
                            raise PortalError(title, f"download interrupted: {ctx.masked(cut)}", ErrorKind.UNREACHABLE)
                        LOG.info("%s: download of %s interrupted (%s), retrying", title, dest.name, ctx.masked(cut))
                        ctx.sleep(ctx.policy.delay(failures))
                        continue
            # every byte is on disk: check it before the file gets its final name
            if on_verify is not None:
                on_verify()
            problem = None
            if expected is not None and size != expected:
                problem = f"size mismatch: {size} bytes received, {expected} expected"
            elif hasher is not None and hasher.hexdigest() != wanted:
                problem = f"checksum mismatch ({algorithm}): the file is corrupt"
            if problem is not None:
                part.unlink()
                corrupt += 1
                if corrupt > 1:
                    raise PortalError(title, f"{problem}; it was deleted", ErrorKind.CHECKSUM)
                LOG.warning("%s: %s, downloading %s again", title, problem, dest.name)
                continue
            os.replace(part, dest)
            verification = f"{algorithm} verified" if hasher is not None else unverifiable(target.checksums)
            LOG.info("%s: %s done (%d bytes, %s)", title, dest.name, size, verification)
            return FileResult(dest, size, verification, resumed_from, fetched)
        finally:
            if hasher is not None:
                hasher.close()  # a retry or an error must not leave the hashing thread behind


def _web_page(response: requests.Response, target: FileTarget) -> bool:
    """Whether the answer is an HTML page where a data file was expected."""
    media = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if media not in ("text/html", "application/xhtml+xml"):
        return False
    names = (urlsplit(target.url).path.lower(), target.relative.lower())
    return not any(name.endswith((".html", ".htm")) for name in names)


def _int(value: Optional[str]) -> Optional[int]:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


# --------------------------------------------------------------------------------------------------------
# One product, with fallback between sources

SlotSwitch = Callable[[str, Control], None]


class Downloader:
    """Runs jobs: plans each source, fetches its files, falls back to the next source on failure."""

    def __init__(self, catalog: Catalog, accounts: Optional[Accounts] = None,
                 settings: Optional[HttpSettings] = None, policy: Optional[RetryPolicy] = None,
                 session_factory: Callable[[HttpSettings], requests.Session] = make_session):
        self.catalog = catalog
        self.settings = settings or HttpSettings()
        self.accounts = accounts or Accounts(catalog, {}, self.settings)
        self.policy = policy or RetryPolicy()
        self.session_factory = session_factory

    def limit_key(self, portal: Portal) -> str:
        """Downloads count against the account's portal (cdse_stac and cdse share CDSE's limit)."""
        return self.accounts.account_id(portal)

    def limit(self, key: str) -> int:
        """Concurrent downloads allowed for a limit key (catalog ``max_downloads``)."""
        portal = self.catalog.portals.get(key)
        return portal.max_downloads if portal is not None else 4

    def plans(self, job: Job) -> Tuple[List[SourcePlan], List[PortalError]]:
        """Per source in preference order, what to fetch; and why the other sources cannot serve the job."""
        plans: List[SourcePlan] = []
        skipped: List[PortalError] = []
        for source in job.product.sources:
            portal = self.catalog.portals.get(source.portal)
            if portal is None:
                skipped.append(PortalError(source.portal, "this portal is not in the catalog", ErrorKind.INVALID))
                continue
            try:
                plans.append(plan_source(job.product, source, portal, job.assets))
            except PortalError as exc:
                skipped.append(exc)
        return plans, skipped

    def first_key(self, job: Job) -> Optional[str]:
        """The limit key of the source a job would start with (None: it has no usable source)."""
        plans, _ = self.plans(job)
        return self.limit_key(plans[0].portal) if plans else None

    def run(self, job: Job, control: Optional[Control] = None,
            on_progress: Optional[Callable[[Job], None]] = None,
            on_state: Optional[Callable[[Job], None]] = None,
            switch_slot: Optional[SlotSwitch] = None) -> Job:
        """Download `job` now, in this thread; the job ends DONE, FAILED or OFFLINE (Stopped propagates)."""
        control = control or Control()
        notify = on_state or (lambda _job: None)
        plans, skipped = self.plans(job)
        errors: List[PortalError] = []
        job.notes = []
        root = Path(job.folder)
        for plan in plans:
            portal, source = plan.portal, plan.source
            if switch_slot is not None:
                switch_slot(self.limit_key(portal), control)
            control.check()
            if source.online is False:
                errors.append(PortalError(portal.title, "the product is offline (in the long-term archive): "
                                                        "order it on the portal, then retry", ErrorKind.OFFLINE))
                continue
            targets = [(t, safe_join(root, t.relative)) for t in plan.files]
            if job.portal and job.portal != source.portal:
                for _, dest in targets:  # bytes from another portal's file must not be resumed here
                    _remove(dest.with_name(dest.name + PART_SUFFIX))
            job.portal = source.portal
            job.state = State.DOWNLOADING
            job.error = ""
            notify(job)
            try:
                results = self._fetch_all(job, plan, targets, control, on_progress, notify)
            except PortalError as exc:
                exc = PortalError(exc.portal, self.accounts.mask(exc.message), exc.kind, exc.status,
                                  self.accounts.mask(exc.detail), exc.retry_after)
                errors.append(exc)
                LOG.warning("%s", exc)
                if exc.kind is ErrorKind.DISK:
                    break  # another source would fill the same disk
                continue
            job.files = [str(result.path) for result in results]
            job.notes = [f"{result.path.name}: {result.verification}" for result in results]
            job.notes += [f"{portal.title} has no asset {key}" for key in plan.missing]
            if errors:
                job.notes.append("fell back to " + portal.title + " after: " + "; ".join(str(e) for e in errors))
            if job.extract:
                try:
                    self._extract(job, results, control)
                except Exception as exc:  # noqa: BLE001 - any extraction failure is reported, not raised
                    job.state = State.FAILED
                    job.error = f"{job.title}: downloaded, but the extraction failed ({exc})"
                    notify(job)
                    return job
            job.state = State.DONE
            job.error = ""
            notify(job)
            return job
        job.state = State.OFFLINE if errors and all(e.kind is ErrorKind.OFFLINE for e in errors) else State.FAILED
        job.error = "; ".join(dict.fromkeys(str(e) for e in errors + skipped)) or f"{job.title}: no source to download from"
        notify(job)
        return job

    def _fetch_all(self, job: Job, plan: SourcePlan, targets, control: Control,
                   on_progress: Optional[Callable[[Job], None]], notify: Callable[[Job], None]) -> List[FileResult]:
        sizes: List[Optional[int]] = [t.size for t, _ in targets]
        done = [0] * len(targets)
        job.bytes_total = sum(sizes) if all(s is not None for s in sizes) else None  # type: ignore[arg-type]
        job.bytes_done = 0
        collection = plan.portal.collection_for(job.product.collection)
        if isinstance(collection, list):
            collection = collection[0] if collection else None
        ctx = FetchContext(
            session=self.session_factory(self.settings), portal=plan.portal,
            auth=self.accounts.for_portal(plan.portal), settings=self.settings, policy=self.policy,
            control=control, collection=collection if isinstance(collection, str) else None,
            mask=self.accounts.mask,
        )
        results: List[FileResult] = []
        try:
            for index, (target, dest) in enumerate(targets):
                def progress(on_disk: int, total: Optional[int], index: int = index) -> None:
                    done[index] = on_disk
                    if total is not None and sizes[index] is None:
                        sizes[index] = total
                        if all(s is not None for s in sizes):
                            job.bytes_total = sum(sizes)  # type: ignore[arg-type]
                    job.bytes_done = sum(done)
                    if on_progress is not None:
                        on_progress(job)

                def verifying() -> None:
                    job.state = State.VERIFYING
                    notify(job)

                result = fetch_file(target, dest, ctx, progress, verifying)
                done[index] = result.size
                results.append(result)
                if job.state is State.VERIFYING and index + 1 < len(targets):
                    job.state = State.DOWNLOADING
                    notify(job)
        finally:
            ctx.session.close()
        job.bytes_done = sum(done)
        return results

    def _extract(self, job: Job, results: List[FileResult], control: Control) -> None:
        extracted: List[str] = []
        for result in results:
            if result.path.suffix.lower() == ".zip":
                cancel = threading.Event()
                if control.requested is State.CANCELLED:
                    cancel.set()
                parsed = parse_name(job.title)
                # GDAL and SNAP expect Sentinel products in a <name>.SAFE folder
                wrap = safe_name(job.title) + (".SAFE" if parsed and parsed.family in ("S1", "S2") else "")
                for path in extract_zip(result.path, result.path.parent, overwrite=True, cancel=cancel, wrap=wrap):
                    extracted.append(str(path))
        if extracted:
            job.files = job.files + extracted
            job.notes.append("extracted: " + ", ".join(Path(p).name for p in extracted))

    def part_files(self, job: Job) -> List[Path]:
        """The .part files a job may have left (to delete them when it is cancelled)."""
        plans, _ = self.plans(job)
        paths = []
        for plan in plans:
            for target in plan.files:
                try:
                    dest = safe_join(job.folder, target.relative)
                except Exception:  # noqa: BLE001
                    continue
                paths.append(dest.with_name(dest.name + PART_SUFFIX))
        return paths


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


# --------------------------------------------------------------------------------------------------------
# The scheduler


class DownloadManager:
    """Worker threads over a list of jobs, with a global limit and per-account limits; see the module doc."""

    def __init__(self, downloader: Downloader, *, max_downloads: int = 4, store=None,
                 on_state: Optional[Callable[[Job], None]] = None,
                 on_progress: Optional[Callable[[str, int, Optional[int], float], None]] = None,
                 progress_interval: float = 0.5):
        self.downloader = downloader
        self.max_downloads = max(1, int(max_downloads))
        self.store = store  # queue.JobQueue or anything with save(job), save_progress(job), delete(id), load()
        self.on_state = on_state
        self.on_progress = on_progress
        self.progress_interval = progress_interval
        self._jobs: Dict[str, Job] = {}
        self._controls: Dict[str, Control] = {}
        self._threads: Dict[str, threading.Thread] = {}
        self._active: Dict[Optional[str], int] = {}
        self._active_total = 0
        self._paused = False
        self._closing = False
        self._cond = threading.Condition(threading.RLock())
        self._dispatcher: Optional[threading.Thread] = None
        self._last_progress: Dict[str, Tuple[float, int]] = {}
        self._last_saved: Dict[str, float] = {}
        self._removing: set = set()
        self._loaded = threading.Event()
        # the store is written by one thread of its own: callers (the QGIS main thread) never wait for the disk
        self._writes: "stdlib_queue.Queue[Optional[Tuple[str, object]]]" = stdlib_queue.Queue()
        self._writer: Optional[threading.Thread] = None

    # -- life cycle ------------------------------------------------------------------------------------------
    def start(self) -> None:
        """Start dispatching; the stored jobs are loaded on the worker side (interrupted ones queued again)
        and each is announced through `on_state`. Returns at once."""
        self._writer = threading.Thread(target=self._write_loop, name="eo-download-queue-writer", daemon=True)
        self._writer.start()
        self._dispatcher = threading.Thread(target=self._dispatch, name="eo-download-dispatcher", daemon=True)
        self._dispatcher.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop dispatching; running downloads stop and stay queued (their .part is kept for next time).

        Waits up to `timeout` for the workers to stop (at most one chunk each) and the store to be written.
        """
        with self._cond:
            self._closing = True
            for control in self._controls.values():
                control.stop(State.QUEUED)
            threads = list(self._threads.values())
            self._cond.notify_all()
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        if self._dispatcher is not None:
            self._dispatcher.join(max(0.0, deadline - time.monotonic()))
        if self._writer is not None:
            self._writes.put(None)
            self._writer.join(max(0.0, deadline - time.monotonic()))

    # -- requests from the user --------------------------------------------------------------------------------
    def add(self, product: Product, folder: str, assets: Iterable[str] = (), extract: bool = False,
            version: Optional[str] = None) -> Job:
        """Queue one version of a product (`version`, a product name; else the one its row shows); returns a copy
        of its job. The job holds that version only: it is fetched from that version's sources and saved under
        that version's name, and a failing portal falls back to another source of the same version only."""
        job = Job(product=product.only(version), folder=str(folder), assets=tuple(assets), extract=extract)
        with self._cond:
            if self._paused:
                job.state = State.PAUSED
            self._jobs[job.id] = job
            self._changed(job)
            self._cond.notify_all()
            return job.snapshot()

    def jobs(self) -> List[Job]:
        """Copies of every job, in queue order."""
        with self._cond:
            return [job.snapshot() for job in self._jobs.values()]

    def job(self, job_id: str) -> Optional[Job]:
        """A copy of one job."""
        with self._cond:
            job = self._jobs.get(job_id)
            return job.snapshot() if job is not None else None

    def cancel(self, job_id: str) -> None:
        """Stop a job and delete its partial files."""
        with self._cond:
            job = self._jobs.get(job_id)
            if job is None or job.state in FINAL_STATES:
                return
            control = self._controls.get(job_id)
            if control is not None:
                control.cancel()
                return
            job.state = State.CANCELLED
            self._discard_parts(job)
            self._changed(job)

    def retry(self, job_id: str) -> None:
        """Queue a failed, offline, cancelled or paused job again."""
        with self._cond:
            job = self._jobs.get(job_id)
            if job is None or job.state not in RETRYABLE_STATES or job_id in self._threads:
                return
            job.state = State.QUEUED
            job.error = ""
            self._changed(job)
            self._cond.notify_all()

    def remove(self, job_id: str) -> None:
        """Forget a job (a running one is cancelled and forgotten once stopped); complete files stay on disk."""
        with self._cond:
            if job_id in self._threads:
                self._removing.add(job_id)
                self._controls[job_id].cancel()
                return
            job = self._jobs.pop(job_id, None)
            if job is not None and job.state not in FINAL_STATES:
                self._discard_parts(job)
            self._write("delete", job_id)

    def pause_all(self) -> None:
        """Pause every queued and running job (running ones keep their .part)."""
        with self._cond:
            self._paused = True
            for job in self._jobs.values():
                if job.id in self._controls:
                    self._controls[job.id].stop(State.PAUSED)
                elif job.state is State.QUEUED:
                    job.state = State.PAUSED
                    self._changed(job)

    def resume_all(self) -> None:
        """Queue every paused job again."""
        with self._cond:
            self._paused = False
            for job in self._jobs.values():
                if job.state is State.PAUSED and job.id not in self._threads:
                    job.state = State.QUEUED
                    self._changed(job)
            self._cond.notify_all()

    @property
    def paused(self) -> bool:
        """Whether pause all is in effect."""
        return self._paused

    def wait(self, job_ids: Optional[Iterable[str]] = None, timeout: Optional[float] = None) -> bool:
        """Block (never on the QGIS main thread) until the jobs are finished or paused; False on timeout."""
        ids = list(job_ids) if job_ids is not None else None
        deadline = None if timeout is None else time.monotonic() + timeout

        if not self._loaded.wait(timeout):
            return False

        def settled() -> bool:
            jobs = [self._jobs[i] for i in ids if i in self._jobs] if ids is not None else list(self._jobs.values())
            return all((j.state in FINAL_STATES or j.state is State.PAUSED) and j.id not in self._threads
                       for j in jobs)

        with self._cond:
            while not settled():
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._cond.wait(0.5 if left is None else min(0.5, left))
            return True

    # -- internals ------------------------------------------------------------------------------------------
    def _write(self, operation: str, payload: object) -> None:
        if self.store is not None:
            self._writes.put((operation, payload))

    def _write_loop(self) -> None:
        while True:
            item = self._writes.get()
            if item is None:
                return
            operation, payload = item
            try:
                getattr(self.store, operation)(payload)
            except Exception:  # noqa: BLE001 - a broken queue file must not stop downloads
                LOG.exception("could not save the download queue")

    def _load(self) -> None:
        """Read the stored jobs (dispatcher thread); interrupted ones go back to the queue."""
        try:
            if self.store is not None:
                self.store.recover()
                stored = self.store.load()
                with self._cond:
                    for job in stored:
                        if job.id not in self._jobs:
                            if self._paused and job.state is State.QUEUED:
                                job.state = State.PAUSED
                            self._jobs[job.id] = job
                            self._announce(job)
        except Exception:  # noqa: BLE001
            LOG.exception("could not read the download queue")
        finally:
            self._loaded.set()

    def _changed(self, job: Job) -> None:
        """Persist and announce a state change (called with the lock held or from the job's thread)."""
        self._write("save", job.snapshot())
        self._announce(job)

    def _announce(self, job: Job) -> None:
        if self.on_state is not None:
            try:
                self.on_state(job.snapshot())
            except Exception:  # noqa: BLE001
                LOG.exception("download state callback failed")

    def _progress(self, job: Job) -> None:
        now = time.monotonic()
        last = self._last_progress.get(job.id)
        if last is not None and now - last[0] < self.progress_interval and job.bytes_done != job.bytes_total:
            return
        if last is not None and now > last[0]:
            instant = max(0.0, (job.bytes_done - last[1]) / (now - last[0]))
            job.speed = instant if job.speed == 0 else 0.7 * job.speed + 0.3 * instant
        self._last_progress[job.id] = (now, job.bytes_done)
        if self.store is not None and now - self._last_saved.get(job.id, 0.0) > 2.0:
            self._last_saved[job.id] = now
            self._write("save_progress", job.snapshot())
        if self.on_progress is not None:
            try:
                self.on_progress(job.id, job.bytes_done, job.bytes_total, job.speed)
            except Exception:  # noqa: BLE001
                LOG.exception("download progress callback failed")

    def _try_acquire(self, key: Optional[str]) -> bool:
        if self._active_total >= self.max_downloads:
            return False
        if key is not None and self._active.get(key, 0) >= self.downloader.limit(key):
            return False
        self._active_total += 1
        self._active[key] = self._active.get(key, 0) + 1
        return True

    def _release(self, key: Optional[str]) -> None:
        with self._cond:
            self._active_total -= 1
            self._active[key] = self._active.get(key, 1) - 1
            self._cond.notify_all()

    def _dispatch(self) -> None:
        self._load()
        with self._cond:
            while not self._closing:
                if not self._paused:
                    for job in list(self._jobs.values()):
                        if job.state is not State.QUEUED or job.id in self._threads:
                            continue
                        key = self.downloader.first_key(job)
                        if not self._try_acquire(key):
                            if self._active_total >= self.max_downloads:
                                break
                            continue
                        control = Control()
                        thread = threading.Thread(target=self._work, args=(job, control, key),
                                                  name=f"eo-download-{job.id[:8]}", daemon=True)
                        self._controls[job.id] = control
                        self._threads[job.id] = thread
                        thread.start()
                self._cond.wait(1.0)

    def _work(self, job: Job, control: Control, key: Optional[str]) -> None:
        held = [key]

        def switch(new_key: str, ctl: Control) -> None:
            if new_key == held[0]:
                return
            self._release(held[0])
            held[0] = "\0released"
            with self._cond:
                while not self._try_acquire(new_key):
                    self._cond.wait(0.25)
                    ctl.check()
            held[0] = new_key

        def state(changed: Job) -> None:
            with self._cond:
                self._changed(changed)

        ended = None
        try:
            self.downloader.run(job, control, self._progress, state, switch)  # announces its own end state
        except Stopped as stop:
            ended = stop.state
            if stop.state is State.CANCELLED:
                self._discard_parts(job)
        except Exception as exc:  # noqa: BLE001 - a bug must end the job, not the worker silently
            LOG.exception("download of %s failed unexpectedly", job.title)
            ended = State.FAILED
            job.error = f"{job.title}: unexpected error ({self.downloader.accounts.mask(str(exc))})"
        finally:
            if held[0] != "\0released":
                self._release(held[0])
            with self._cond:
                self._controls.pop(job.id, None)
                self._threads.pop(job.id, None)
                self._last_progress.pop(job.id, None)
                job.speed = 0.0
                if ended is not None:
                    job.state = ended
                    self._changed(job)
                if job.id in self._removing:
                    self._removing.discard(job.id)
                    self._jobs.pop(job.id, None)
                    self._write("delete", job.id)
                self._cond.notify_all()

    def _discard_parts(self, job: Job) -> None:
        for path in self.downloader.part_files(job):
            _remove(path)
