"""A fault-injecting loopback portal, and the reliability matrix that tests/hardening and
bench/reliability_report.py both run (one definition of every case, no copies).

`FaultyServer` is the download server of tests/support/download_servers.py (cut connections, 429/5xx/403
scripts, corrupt bodies, 401 with an OIDC provider, redirects) plus what it lacks: a stall in the middle of
a body, a wrong ``Content-Length`` (shorter or longer than the body, the connection closed after it), and a
body streamed without any length (chunked, as on-the-fly zippers do)::

    with FaultyServer() as server:
        route = server.add_file("/p.zip", FileContent(path), stall_after=500_000, stall_for=3.0, stalls=1)
        route = server.add_file("/q.zip", content, length_delta=-1000, bad_lengths=1)
        route = server.add_file("/r.zip", content, chunked=True)    # no Content-Length at all

Each case of the matrix (`SEARCH_CASES`, `DOWNLOAD_CASES`, `DISK_CASES`; all in `CASES`) injects one fault
into one portal and runs the real core, as the dock and the Downloads tab do:

- search: Earth Search, Planetary Computer and GEODES replay their real recorded answers
  (tests/support/portals.py); CDSE replays the real two-page recording of
  CDSETool (``cdse_odata/paging``) from a `FaultyServer`, and the fault hits its **second** page. What must
  hold: the three finished portals' products are all there, CDSE's first page is kept, CDSE's outcome says
  what went wrong, and once the fault is gone "Load more" (offered where trying again can help) or a new
  search brings the second page without duplicates.
- download: the real Sentinel-2 product zip of the fixtures, served by a DHuS mirror (Basic account,
  Range honoured), Copernicus Data Space (OIDC, no Range) or an OIDC mirror that honours Range. The
  download folder already holds a product downloaded earlier, and, where the portal resumes, the ``.part``
  an interrupted earlier run left. What must hold: the job ends as expected with a message naming the
  portal, the earlier file is byte-identical, no partial file ever takes the final name, a ``.part`` left
  behind is a true prefix of the product (so it resumes), and "Retry" once the fault is gone ends with the
  byte-identical product.
- disk: the same download into a folder on a small tmpfs mounted for the case (root only; otherwise
  `run_case` raises `CaseUnavailable` saying why), filled by the download itself or by another program;
  before Retry the space is freed (the tmpfs enlarged, the other file deleted).

`run_case(case, folder)` returns an `Observation` (what a user sees, what was lost, what was fetched twice)
and `problems(case, observation)` lists where it differs from what the case expects.
"""
from __future__ import annotations

import email.utils
import hashlib
import json
import os
import re
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

from plugin.core.auth import Accounts
from plugin.core.catalog import load_catalog
from plugin.core.credentials import Credentials
from plugin.core.download.downloader import Downloader
from plugin.core.download.fetch import PART_SUFFIX, RetryPolicy
from plugin.core.download.job import Job, State
from plugin.core.errors import ErrorKind
from plugin.core.http import HttpSettings
from plugin.core.naming import parse_name
from plugin.core.product import make_product
from plugin.core.query import SearchQuery
from plugin.core.search import search
from tests.support.download_servers import (
    BytesContent, DownloadServer, FileContent, FileRoute, OidcProvider, PatternContent, basic_check,
)
from tests.support.fixtures import fixture_bytes, fixture_path
from tests.support.portals import ROOTS, _rewrite, _single_page, recorded_portals

# ---------------------------------------------------------------------------------------------------------
# The server


@dataclass
class FaultyRoute(FileRoute):
    """A file route with the faults a `DownloadServer` lacks (counted per answer, like `cuts`)."""

    stall_after: int = 0  # body bytes sent before the stall
    stall_for: float = 0.0  # seconds without a byte; then the connection is dropped
    stalls: int = 0  # answers that stall
    length_delta: int = 0  # added to the Content-Length announced (negative: shorter than the body)
    bad_lengths: int = 0  # answers announcing the wrong length (the connection is closed after the body)
    chunked: bool = False  # stream the file without a Content-Length (Transfer-Encoding: chunked)


class _StallingWriter:
    """The handler's output while a stall is due: writes until `after` body bytes, then falls silent."""

    def __init__(self, wfile, hit, after: int, seconds: float, release: threading.Event):
        self._wfile, self._hit, self._left, self._seconds, self._release = wfile, hit, after, seconds, release

    def write(self, data) -> int:
        if len(data) <= self._left:
            self._left -= len(data)
            return self._wfile.write(data)
        head = bytes(data[:self._left])
        if head:
            self._wfile.write(head)
            self._hit.bytes_sent += len(head)
        self._wfile.flush()
        self._release.wait(self._seconds)  # no byte for longer than the client waits
        raise ConnectionResetError("stalled, then dropped")

    def __getattr__(self, name):
        return getattr(self._wfile, name)


class _ChunkedWriter:
    """The handler's output framed as HTTP/1.1 chunks (installed once the headers of a file body are out)."""

    def __init__(self, wfile):
        self._wfile = wfile

    def write(self, data) -> int:
        if len(data):
            self._wfile.write(b"%x\r\n" % len(data) + bytes(data) + b"\r\n")
        return len(data)

    def __getattr__(self, name):
        return getattr(self._wfile, name)


class FaultyServer(DownloadServer):
    """A `DownloadServer` that can also stall mid-body and announce a wrong Content-Length."""

    def __init__(self) -> None:
        super().__init__()
        self._release = threading.Event()

    def add_file(self, path: str, content, **options) -> FaultyRoute:  # type: ignore[override]
        """Serve `content` at `path` (FileRoute options, plus FaultyRoute's)."""
        route = FaultyRoute(content=content, **options)
        self.files[path] = route
        return route

    def clear_faults(self, route: FaultyRoute) -> None:
        """The portal is well again: no scripted answer, cut, stall, wrong length or corruption left."""
        with self._lock:
            route.script.clear()
            route.cuts = route.corrupt = route.stalls = route.bad_lengths = 0

    def _serve_file(self, handler, hit, route) -> None:
        delta, chunked = 0, False
        if isinstance(route, FaultyRoute):
            with self._lock:
                if route.bad_lengths > 0 and not route.script and not route.offline:
                    route.bad_lengths -= 1
                    delta = route.length_delta
                chunked = route.chunked and not route.script
        if not delta and not chunked:
            super()._serve_file(handler, hit, route)
            return
        status = {"code": 0}
        send_response, send_header, wfile = handler.send_response, handler.send_header, handler.wfile
        end_headers = handler.end_headers

        def responding(code, message=None) -> None:
            status["code"] = code
            send_response(code, message)

        def headers_sent() -> None:
            end_headers()
            if chunked and status["code"] in (200, 206):
                handler.wfile = _ChunkedWriter(wfile)

        def header(keyword: str, value: str) -> None:
            if keyword.lower() != "content-length" or status["code"] not in (200, 206):
                send_header(keyword, value)
            elif chunked:
                send_header("Transfer-Encoding", "chunked")
            else:
                send_header(keyword, str(max(0, int(value) + delta)))
                send_header("Connection", "close")  # what the announced length leaves unsaid ends with the connection

        handler.send_response, handler.send_header, handler.end_headers = responding, header, headers_sent
        try:
            super()._serve_file(handler, hit, route)
            if chunked and status["code"] in (200, 206) and hit.method != "HEAD" and not handler.close_connection:
                wfile.write(b"0\r\n\r\n")  # the last chunk (a cut or stalled body never gets it)
        finally:
            del handler.send_response, handler.send_header, handler.end_headers  # the class's methods again
            handler.wfile = wfile

    def _write_chunks(self, handler, hit, route, start, cut_at, corrupt) -> None:
        stall = None
        if isinstance(route, FaultyRoute):
            with self._lock:
                if route.stalls > 0:
                    route.stalls -= 1
                    stall = (route.stall_after, route.stall_for)
        if stall is None:
            super()._write_chunks(handler, hit, route, start, cut_at, corrupt)
            return
        wfile = handler.wfile
        handler.wfile = _StallingWriter(wfile, hit, stall[0], stall[1], self._release)
        try:
            super()._write_chunks(handler, hit, route, start, cut_at, corrupt)
        finally:
            handler.wfile = wfile

    def _send(self, handler, hit, status, headers, body) -> None:
        hit.scripted = True  # a scripted or handler answer, not the file's bytes
        super()._send(handler, hit, status, headers, body)

    def file_bytes(self, path: str) -> int:
        """Bytes of the file itself sent for `path` (not the error pages or web pages scripted before it)."""
        return sum(h.bytes_sent for h in self.hits(path) if not getattr(h, "scripted", False))

    def stop(self) -> None:
        self._release.set()  # stalled answers end now
        super().stop()


# ---------------------------------------------------------------------------------------------------------
# Shared numbers

TIMEOUT = 2.0  # seconds the client waits for a byte (QGIS's network timeout, made short for the tests)
STALL = 5.0  # seconds a stalling portal stays silent: longer than TIMEOUT
RETRY_AFTER = 30  # seconds a throttling portal asks to wait
PRODUCT = "S2A_MSIL1C_20180101T105441_N0206_R051_T31TDH_20180101T124911"
PRODUCT_ZIP = f"products/{PRODUCT}.zip"  # a real Sentinel-2 L1C product (fixtures)


def _sizes(delta: int) -> Tuple[str, str]:
    """(bytes sent, bytes announced) for a Content-Length `delta` off the real product's size, read from the
    fixture (its size is the recording's, not a number to copy here); without the fixtures those cases skip."""
    root = os.environ.get("EO_PORTALS_FIXTURES", "")
    product = Path(root, PRODUCT_ZIP) if root else None
    if product is None or not product.is_file():
        return r"\d+", r"\d+"
    size = product.stat().st_size
    return str(size + delta), str(size)


EARLIER = "S2B_MSIL1C_20171230T105439_N0206_R051_T31TDH_20171230T111516"  # downloaded before the fault
PART = 1_000_000  # bytes an interrupted earlier run left in the .part (portals that resume)
CUT = 600_000  # body bytes a dropped connection lets through
DHUS_USER = "analyst"
CDSE_TITLE = "CDSE"
DHUS_TITLE = "DHuS mirror"
OIDC_TITLE = "OIDC mirror (resumable)"
GOOD_PORTALS = ("earth_search", "planetary_computer", "geodes")
AOI = "POLYGON((3.0 47.4,3.1 47.4,3.1 47.5,3.0 47.5,3.0 47.4))"
MAINTENANCE = (b"<!DOCTYPE html><html><head><title>Scheduled maintenance</title></head><body><h1>Scheduled "
               b"maintenance</h1><p>The service is down for maintenance until 14:00 UTC.</p></body></html>")
PORTAL_BUSY = b'{"detail": "Service temporarily unavailable: maintenance of the archive until 14:00 UTC"}'
RATE_LIMITED = b'{"detail": "Rate limit exceeded"}'
# What a DHuS answers to a fifth simultaneous download of one account (sentinelsat reads the same text from
# its cause-message header; the body is the OData error XML, as quoted in sentinelsat issue reports).
FLOWS = ('An exception occured while creating a stream: Maximum number of 4 concurrent flows achieved by the user '
         '"{user}"')


def http_date(seconds_from_now: float) -> str:
    """An HTTP date (Retry-After's other form)."""
    return email.utils.formatdate(time.time() + seconds_from_now, usegmt=True)


def redirect_loop(location: str, count: int) -> List[Tuple]:
    """Scripted answers: `count` redirects to `location` itself."""
    return [(302, {"Location": location}, b"")] * count


# ---------------------------------------------------------------------------------------------------------
# Cases


@dataclass(frozen=True)
class Case:
    """One fault against one operation, and what a user must see."""

    key: str  # "search/drop", "download/token-expiry"...
    fault: str  # what the portal does
    expected: str  # what should come of it, in words (the report's "expected" column)
    message: str  # regular expression the outcome message must match in full
    inject: Callable[["Rig"], None]  # puts the fault on the rig's faulty route
    state: str = "failed"  # download: the job's end state; search: "failed" (the faulty portal's outcome)
    load_more: bool = True  # search: "Load more" is offered to retry the failed page (else: search again)
    disk: str = ""  # download: size of the small filesystem (tmpfs) the download folder is on; "": the usual one
    streamed: bool = False  # download: the portal gives no size and streams its answers without a length
    relief: Optional[Callable[["Rig"], None]] = None  # download: what the user does before Retry (free space)
    kind: Optional[ErrorKind] = None  # the error's kind, when it matters
    portal: str = "dhus"  # download: "dhus" (Basic, resumes), "cdse" (OIDC, no Range), "oidc_mirror"
    lost: int = 0  # bytes (download) or products (search) a user loses, by design

    @property
    def operation(self) -> str:
        """'search' or 'download'."""
        return self.key.split("/", 1)[0]


@dataclass
class Observation:
    """What came of a case: what the user reads, what is left on disk, what was lost or fetched twice."""

    case: Case
    state: str  # download: the job's state; search: "ok" / "failed" for the faulty portal
    message: str  # the job's error (or its notes when done) / the faulty portal's outcome message
    kind: Optional[ErrorKind] = None
    lost: int = 0  # bytes of finished files or valid partial data destroyed / products of finished portals missing
    refetched: int = 0  # download: bytes the portal sent more than once, over the faulty run and the retry
    finished_intact: bool = True  # earlier files byte-identical / finished portals' products all there
    final_ok: Optional[bool] = None  # download: a file with the final name is the byte-identical product
    part: Optional[int] = None  # download: size of the .part the faulty run left (None: none left)
    part_valid: Optional[bool] = None  # ... a true prefix of the product, so it resumes
    recovered: bool = False  # once the fault is gone, Retry / Load more completes everything
    resumed_from: Optional[int] = None  # download: the byte the retry started from
    elapsed: float = 0.0
    details: Dict[str, Any] = field(default_factory=dict)  # per case: statuses, ranges, waits, grants...

    @property
    def observed(self) -> str:
        """The report's "observed" column."""
        if self.case.operation == "search":
            return self.message
        return f"{self.state}: {self.message}" if self.message else self.state


def problems(case: Case, seen: Observation) -> List[str]:
    """Where an observation differs from what its case expects ([] = as expected)."""
    found = []
    if seen.state != case.state:
        found.append(f"ended {seen.state}, expected {case.state}")
    if not re.fullmatch(case.message, seen.message, flags=re.S):
        found.append(f"message {seen.message!r} does not match {case.message!r}")
    if case.kind is not None and seen.kind is not case.kind:
        found.append(f"error kind {seen.kind}, expected {case.kind}")
    if not seen.finished_intact:
        found.append("finished results or files damaged")
    if seen.lost != case.lost:
        found.append(f"{seen.lost} lost, expected {case.lost}")
    if seen.final_ok is False:
        found.append("a file with the final name is not the product")
    if seen.part is not None and not seen.part_valid:
        found.append("the .part left behind is not a prefix of the product")
    if case.operation == "search" and seen.details.get("more") != case.load_more:
        found.append("Load more offered" if seen.details.get("more") else "Load more not offered")
    if not seen.recovered:
        found.append("retrying once the fault was gone did not complete")
    return found


# ---------------------------------------------------------------------------------------------------------
# A small disk


class CaseUnavailable(Exception):
    """A case this machine cannot run (its text says why): tests skip it, the report says so."""


class SmallDisk:
    """A tmpfs of a few megabytes mounted by the test (root only); `resize` changes its size in place."""

    def __init__(self, path: Path):
        self.path = path

    @classmethod
    def mount(cls, path: Path, size: str) -> "SmallDisk":
        """Mount a tmpfs of `size` ("2m") on `path`, or raise CaseUnavailable saying why it cannot be done."""
        if os.name != "posix" or os.geteuid() != 0 or shutil.which("mount") is None:
            raise CaseUnavailable("mounting a small filesystem (tmpfs) needs root on Linux; run as root, e.g. in the "
                                  "CI container")
        path.mkdir(parents=True, exist_ok=True)
        try:
            _run("mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path))
        except OSError as exc:
            raise CaseUnavailable(f"this machine does not let the tests mount a tmpfs ({exc})") from None
        return cls(path)

    def resize(self, size: str) -> None:
        """Enlarge (or shrink) the filesystem, its files kept (tmpfs remount)."""
        _run("mount", "-o", f"remount,size={size}", str(self.path))

    def free(self) -> int:
        """Bytes free."""
        return shutil.disk_usage(self.path).free

    def unmount(self) -> None:
        _run("umount", str(self.path))


def _run(*command: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=30)
    if done.returncode != 0:
        raise OSError(done.stderr.strip() or f"{command[0]} failed ({done.returncode})")


# ---------------------------------------------------------------------------------------------------------
# Search rig: three recorded portals that work, CDSE's two recorded pages on a FaultyServer


class Rig:
    """What a case's `inject` works on: the faulty server, its faulty route, and the URL of that route."""

    server: FaultyServer
    route: FaultyRoute
    url: str
    idp: Optional[OidcProvider] = None


def cdse_page_identities(page: int) -> List[str]:
    """Identities of the products in CDSETool's recorded page, read from the records, not through the adapter:
    the mission name's identity, or ``cdse:<Id>`` for names outside the naming conventions (these are AUX
    files), as product.make_product keys them."""
    data = json.loads(fixture_bytes(f"cdse_odata/paging/page_{page}.json"))
    identities = []
    for record in data["value"]:
        parsed = parse_name(record["Name"])
        identities.append(parsed.identity if parsed else f"cdse:{record['Id']}")
    return identities


def run_search_case(case: Case, folder: Path) -> Observation:
    """Search the four portals with the fault on CDSE's second page; then Load more without the fault."""
    folder = Path(folder)
    settings = HttpSettings(timeout=TIMEOUT)
    query = SearchQuery.create(AOI, "2014-04-05", "2014-04-14", "S1_SAR_GRD")
    started = time.monotonic()
    with FaultyServer() as server:
        page_1 = _rewrite(fixture_bytes("cdse_odata/paging/page_1.json"), "cdse", server.url)
        page_2 = _single_page(_rewrite(fixture_bytes("cdse_odata/paging/page_2.json"), "cdse", server.url))
        path = ROOTS["cdse"] + "/Products"
        # the first page is answered as recorded; the route's own content (the second page) carries the fault
        route = server.add_file(path, BytesContent(page_2), content_type="application/json",
                                script=[(200, {"Content-Type": "application/json"}, page_1)])
        rig = Rig()
        rig.server, rig.route, rig.url = server, route, server.url + path
        case.inject(rig)
        extra = {"cdse": {"url": server.url + ROOTS["cdse"], "enabled": True}}
        with recorded_portals(folder, GOOD_PORTALS, extra_catalog=extra) as portals:
            catalog = load_catalog(portals.catalog_path, env={})
            good = search(catalog.select(list(GOOD_PORTALS)), query, settings=settings, budget=15)
            finished = {p.identity for p in good.products} | set(cdse_page_identities(1))
            portals.server.requests.clear()
            result = search(catalog.select(list(GOOD_PORTALS) + ["cdse"]), query, settings=settings, budget=15)
            outcome = result.outcomes["cdse"]
            found = [p.identity for p in result.products]
            missing = finished - set(found)
            server.clear_faults(route)
            if result.cursors.get("cdse") is not None:  # "Load more": the failed page again, after the others
                more = search(catalog.select(list(GOOD_PORTALS) + ["cdse"]), query, settings=settings, budget=15,
                              cursors=result.cursors, previous=result.products)
            else:  # no Load more after this error: the user searches again
                server.add_file(path, BytesContent(page_2), content_type="application/json",
                                script=[(200, {"Content-Type": "application/json"}, page_1)])
                more = search(catalog.select(list(GOOD_PORTALS) + ["cdse"]), query, settings=settings, budget=15)
    everything = finished | set(cdse_page_identities(2))
    after = [p.identity for p in more.products]
    return Observation(
        case=case, state="ok" if outcome.ok else "failed", message=outcome.message,
        kind=outcome.error.kind if outcome.error else None, lost=len(missing), finished_intact=not missing,
        recovered=set(after) == everything and len(after) == len(set(after)) and more.outcomes["cdse"].ok,
        elapsed=time.monotonic() - started,
        details={"outcomes": {pid: o.message for pid, o in result.outcomes.items()}, "missing": sorted(missing),
                 "failed": sorted(o.portal for o in result.failed),
                 "cdse_kept": sorted(set(found) & set(cdse_page_identities(1))), "more": outcome.more,
                 "after_load_more": len(after), "expected_after_load_more": len(everything),
                 "hits": [(h.status, h.bytes_sent) for h in server.hits(path)]},
    )


# ---------------------------------------------------------------------------------------------------------
# Download rig: a portal serving the real product zip, an earlier download, an interrupted .part


def _md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


class DownloadRig(Rig):
    """A download portal on loopback, its account and catalog, and a folder with history (see module doc)."""

    PATHS = {
        "dhus": "/dhus/odata/v1/Products('8df46c9e-a1b2-4c3d-9e8f-0a1b2c3d4e5f')/$value",
        "cdse": "/odata/v1/Products(05edf2bb-7d3c-4a1e-9c1b-6a0f4b8c2d11)/$value",
        "oidc_mirror": "/mirror/odata/v1/Products(05edf2bb-7d3c-4a1e-9c1b-6a0f4b8c2d11)/$value",
    }

    def __init__(self, folder: Path, portal: str, server: FaultyServer, disk: Optional["SmallDisk"] = None,
                 streamed: bool = False):
        self.folder = Path(folder)
        self.portal_id = portal
        self.server = server
        self.disk = disk
        self.on_progress: Optional[Callable[[int], None]] = None  # bytes of the product on disk, during run()
        self.content = FileContent(fixture_path(PRODUCT_ZIP))
        self.data = fixture_path(PRODUCT_ZIP).read_bytes()
        self.md5 = _md5(self.data)
        self.sleeps: List[float] = []
        password = "dhus-" + hashlib.sha1(str(folder).encode()).hexdigest()[:12]
        overrides: Dict[str, Any] = {}
        credentials: Dict[str, Credentials] = {}
        require = None
        if portal == "dhus":
            overrides["dhus"] = {"url": server.url + "/dhus", "enabled": True}
            credentials["dhus"] = Credentials(username=DHUS_USER, password=password)
            require = basic_check(DHUS_USER, password)
        else:
            self.idp = OidcProvider("alice", password)
            server.add_token_endpoint("/token", self.idp)
            require = self.idp.check
            if portal == "cdse":
                overrides["cdse"] = {"token_url": server.url + "/token"}
            else:
                overrides["oidc_mirror"] = {
                    "title": OIDC_TITLE, "protocol": "odata", "url": server.url + "/mirror/odata/v1", "auth": "oidc",
                    "token_url": server.url + "/token", "client_id": "cdse-public", "resume": True,
                    "max_downloads": 4, "enabled": True,
                }
            credentials[portal] = Credentials(username="alice", password=password)
        (self.folder / "catalog.json").write_text(json.dumps(overrides), encoding="utf-8")
        self.catalog = load_catalog(self.folder / "catalog.json", env={})
        self.resumes = self.catalog.portal(portal).resume
        self.downloader = Downloader(self.catalog, Accounts(self.catalog, credentials),
                                     HttpSettings(timeout=TIMEOUT), RetryPolicy(sleep=self.sleeps.append))
        self.path = self.PATHS[portal]
        self.url = server.url + self.path
        self.route = server.add_file(self.path, self.content, require=require, ranges=self.resumes, chunked=streamed)
        self.downloads = self.folder / "downloads"
        self.dest = self.downloads / f"{PRODUCT}.zip"
        self.part_path = self.dest.with_name(self.dest.name + PART_SUFFIX)
        self.product = make_product(portal=portal, product_id="8df46c9e", name=PRODUCT + ".SAFE",
                                    collection="S2_MSI_L1C", download_url=self.url,
                                    size=None if streamed else len(self.data), checksums={"MD5": self.md5})
        # history: a product downloaded earlier, through the same portal, and (where Range works) the .part of
        # this product that an interrupted run left. On a small disk the earlier one comes without a length:
        # the engine keeps 16 MiB free beyond any file whose size it knows.
        earlier = PatternContent(350_000, seed=11)
        server.add_file(self.path.replace("$value", "earlier"), earlier, require=require, ranges=self.resumes,
                        chunked=disk is not None)
        product = make_product(portal=portal, product_id="earlier", name=EARLIER + ".SAFE", collection="S2_MSI_L1C",
                               download_url=self.url.replace("$value", "earlier"),
                               size=None if disk is not None else earlier.size, checksums={"MD5": earlier.md5()})
        job = self.downloader.run(Job(product=product, folder=str(self.downloads)))
        if job.state is not State.DONE:
            raise RuntimeError(f"the earlier download failed: {job.error_text}")
        self.earlier = {Path(p): Path(p).read_bytes() for p in job.files}
        self.prepared = PART if self.resumes and not streamed else 0  # a streamed product starts from nothing
        if self.prepared:
            self.part_path.write_bytes(self.data[:self.prepared])
        server.clear()
        self.sleeps.clear()

    def run(self) -> Job:
        """Download the product now, in this thread (as a Processing algorithm or a queued job does)."""
        hook = self.on_progress
        progress = (lambda job: hook(job.bytes_done)) if hook is not None else None
        return self.downloader.run(Job(product=self.product, folder=str(self.downloads)), on_progress=progress)

    def sent(self) -> int:
        """Bytes of the product the portal sent so far (error pages not counted)."""
        return self.server.file_bytes(self.path)

    def earlier_intact(self) -> bool:
        """Whether the files of the earlier download are byte-identical."""
        return all(path.exists() and path.read_bytes() == data for path, data in self.earlier.items())


def run_download_case(case: Case, folder: Path) -> Observation:
    """Download with the fault injected; then, the fault gone, Retry (a second run of the same job)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if not case.disk:
        return _download_case(case, folder, None)
    disk = SmallDisk.mount(folder / "disk", case.disk)
    try:
        return _download_case(case, disk.path, disk)
    finally:
        disk.unmount()


def _download_case(case: Case, folder: Path, disk: Optional["SmallDisk"]) -> Observation:
    started = time.monotonic()
    with FaultyServer() as server:
        rig = DownloadRig(folder, case.portal, server, disk=disk, streamed=case.streamed)
        case.inject(rig)
        job = rig.run()
        hits = [_hit(h) for h in server.hits(rig.path)]
        sleeps = list(rig.sleeps)
        grants = [g.get("grant_type") for g in rig.idp.grants] if rig.idp is not None else []
        intact = rig.earlier_intact()
        final_ok = rig.dest.read_bytes() == rig.data if rig.dest.exists() else None
        part = rig.part_path.stat().st_size if rig.part_path.exists() else None
        part_bytes = rig.part_path.read_bytes() if part is not None else b""
        part_valid = rig.data.startswith(part_bytes) if part is not None else None
        kept = part if (part_valid and rig.resumes) else 0
        lost = sum(len(data) for path, data in rig.earlier.items()
                   if not (path.exists() and path.read_bytes() == data))
        if job.state is not State.DONE:
            lost += max(0, rig.prepared - kept)
        elif not final_ok:
            lost += len(rig.data)
        sent_faulty = rig.sent()
        # Retry, the portal well again (and the space freed, where the disk was full)
        server.clear_faults(rig.route)
        rig.on_progress = None
        if case.relief is not None:
            case.relief(rig)
        server.clear()
        retry = rig.run()
        retry_hits = server.hits(rig.path)
        recovered = retry.state is State.DONE and rig.dest.exists() and rig.dest.read_bytes() == rig.data \
            and not rig.part_path.exists() and rig.earlier_intact()
        resumed_from = retry_hits[0].range_start if retry_hits else None
        sent_total = sent_faulty + rig.sent()
        refetched = max(0, sent_total - (len(rig.data) - rig.prepared))
    message = job.error_text if job.state is not State.DONE else "; ".join(map(str, job.notes))
    return Observation(
        case=case, state=job.state.value, message=message, lost=lost, refetched=refetched,
        finished_intact=intact, final_ok=final_ok, part=part, part_valid=part_valid, recovered=recovered,
        resumed_from=resumed_from, elapsed=time.monotonic() - started,
        details={"hits": hits, "sleeps": sleeps, "grants": grants, "retry_hits": [_hit(h) for h in retry_hits]},
    )


def _hit(hit) -> Tuple[int, Optional[int], int, str]:
    """(status, first byte asked with Range or None, body bytes sent, a digest of the Authorization sent)."""
    asked = re.match(r"bytes=(\d+)-", hit.headers.get("Range", ""))
    authorization = hit.headers.get("Authorization", "")
    digest = hashlib.sha256(authorization.encode()).hexdigest()[:12] if authorization else ""  # never the secret
    return hit.status, int(asked.group(1)) if asked else None, hit.bytes_sent, digest


def run_case(case: Case, folder: Path) -> Observation:
    """Run one case of the matrix in `folder` (a fresh, empty folder)."""
    if case.operation == "search":
        return run_search_case(case, folder)
    return run_download_case(case, folder)


# ---------------------------------------------------------------------------------------------------------
# The matrix

SERVER_ERROR = (b"<html><head><title>500 Internal Server Error</title></head>"
                b"<body><h1>Internal Server Error</h1></body></html>")


def _set(**options) -> Callable[[Rig], None]:
    """An injection that sets fault counters on the faulty route."""
    def inject(rig: Rig) -> None:
        for name, value in options.items():
            setattr(rig.route, name, value)
    return inject


def _answers(*answers: Tuple, times: int = 1) -> Callable[[Rig], None]:
    """An injection that scripts answers served before the file (each `times` times)."""
    return lambda rig: rig.route.script.extend(list(answers) * times)


def _retry_after_date(seconds: int) -> Callable[[Rig], None]:
    # the date is taken when the fault is injected, just before the request
    return lambda rig: rig.route.script.append((429, {"Retry-After": http_date(seconds)}, RATE_LIMITED))


def _redirect_loop(count: int) -> Callable[[Rig], None]:
    return lambda rig: rig.route.script.extend(redirect_loop(rig.url, count))


def _token_expires(rig: Rig) -> None:
    # the connection drops and, meanwhile, the identity server ends the access token's life
    rig.route.cut_after, rig.route.cuts = CUT, 1
    rig.route.on_cut = rig.idp.expire_access_tokens


def _flows(rig: Rig) -> None:
    cause = FLOWS.format(user=DHUS_USER)
    body = ('<?xml version="1.0" encoding="utf-8"?><error xmlns="http://schemas.microsoft.com/ado/2007/08/'
            'dataservices/metadata"><code/><message xml:lang="en">' + cause.replace('"', "&quot;")
            + "</message></error>")
    rig.route.script.append((403, {"Content-Type": "application/xml", "cause-message": cause}, body.encode()))


_CDSE = re.escape(CDSE_TITLE) + ": "
_DHUS = re.escape(DHUS_TITLE) + ": "
_DONE = re.escape(f"{PRODUCT}.zip: MD5 verified")
_PERSISTENT = 10  # answers a lasting fault gives: more than the engine's attempts

SEARCH_CASES: Tuple[Case, ...] = (
    Case("search/drop", "connection dropped mid-body (page 2)", "named as a cut connection",
         _CDSE + r"the connection was cut after \d+ of \d+ bytes", _set(cut_after=5000, cuts=1),
         kind=ErrorKind.UNREACHABLE),
    Case("search/stall", f"no byte for {STALL:.0f} s mid-body (timeout {TIMEOUT:.0f} s)", "timed out",
         _CDSE + rf"timed out after {TIMEOUT:.0f} s", _set(stall_after=5000, stall_for=STALL, stalls=1),
         kind=ErrorKind.TIMEOUT),
    Case("search/429-seconds", f"429, Retry-After: {RETRY_AFTER}", "throttled, with the wait",
         _CDSE + rf"too many requests \(HTTP 429\), retry in {RETRY_AFTER} s: Rate limit exceeded",
         _answers((429, {"Retry-After": str(RETRY_AFTER)}, RATE_LIMITED)), kind=ErrorKind.THROTTLED),
    Case("search/429-date", f"429, Retry-After as an HTTP date {RETRY_AFTER} s ahead", "throttled, with the wait",
         _CDSE + r"too many requests \(HTTP 429\), retry in (2[6-9]|30) s: Rate limit exceeded",
         _retry_after_date(RETRY_AFTER), kind=ErrorKind.THROTTLED),
    Case("search/429", "429 without Retry-After", "throttled",
         _CDSE + r"too many requests \(HTTP 429\): Rate limit exceeded",
         _answers((429, {}, RATE_LIMITED)), kind=ErrorKind.THROTTLED),
    Case("search/500", "500 with an HTML error page", "server error, the page's words",
         _CDSE + r"server error \(HTTP 500\): Internal Server Error",
         _answers((500, {"Content-Type": "text/html"}, SERVER_ERROR)), kind=ErrorKind.HTTP),
    Case("search/503", "503 with the portal's message", "server error, the portal's message",
         _CDSE + r"server error \(HTTP 503\): Service temporarily unavailable: maintenance of the archive until "
                 r"14:00 UTC", _answers((503, {}, PORTAL_BUSY)), kind=ErrorKind.HTTP),
    Case("search/redirect-loop", "redirects to itself", "too many redirects",
         _CDSE + "too many redirects", _redirect_loop(40), kind=ErrorKind.HTTP, load_more=False),
    Case("search/length-short", "Content-Length 500 bytes short", "answer unreadable (a lie no client can see)",
         _CDSE + r"the answer is not JSON \(starts with: '\{.*", _set(length_delta=-500, bad_lengths=1),
         kind=ErrorKind.PARSE, load_more=False),
    Case("search/length-long", "Content-Length 500 bytes too long", "named as a cut connection",
         _CDSE + r"the connection was cut after (\d+) of \d+ bytes", _set(length_delta=500, bad_lengths=1),
         kind=ErrorKind.UNREACHABLE),
    Case("search/html", "200 with an HTML maintenance page", "answer unreadable, the page's start shown",
         _CDSE + r"the answer is not JSON \(starts with: '<!DOCTYPE html>.*",
         _answers((200, {"Content-Type": "text/html"}, MAINTENANCE)), kind=ErrorKind.PARSE, load_more=False),
)

DOWNLOAD_CASES: Tuple[Case, ...] = (
    Case("download/drop", f"connection dropped after {CUT:,} bytes, twice (DHuS, Range)",
         "done, resumed from the .part each time", _DONE, _set(cut_after=CUT, cuts=2), state="done"),
    Case("download/drop-no-range", f"connection dropped after {CUT:,} bytes (CDSE, no Range)",
         "done, restarted from zero", _DONE, _set(cut_after=CUT, cuts=1), state="done", portal="cdse"),
    Case("download/stall", f"no byte for {STALL:.0f} s mid-body, once (timeout {TIMEOUT:.0f} s)",
         "done, resumed", _DONE, _set(stall_after=300_000, stall_for=STALL, stalls=1), state="done"),
    Case("download/stall-always", "no byte at all, every try", "failed: timed out; .part kept",
         _DHUS + rf"download interrupted: timed out after {TIMEOUT:.0f} s",
         _set(stall_after=0, stall_for=STALL, stalls=_PERSISTENT)),
    Case("download/429-seconds", f"429, Retry-After: {RETRY_AFTER}, once", f"done after waiting {RETRY_AFTER} s",
         _DONE, _answers((429, {"Retry-After": str(RETRY_AFTER)}, RATE_LIMITED)), state="done"),
    Case("download/429-date", f"429, Retry-After as an HTTP date {RETRY_AFTER} s ahead, once",
         f"done after waiting about {RETRY_AFTER} s", _DONE, _retry_after_date(RETRY_AFTER), state="done"),
    Case("download/429", "429 without Retry-After, every try", "failed after back-off; .part kept",
         _DHUS + r"too many requests \(HTTP 429\)", _answers((429, {}, RATE_LIMITED), times=_PERSISTENT)),
    Case("download/500", "500 with an HTML error page, every try", "failed after back-off; .part kept",
         _DHUS + r"server error \(HTTP 500\): Internal Server Error",
         _answers((500, {"Content-Type": "text/html"}, SERVER_ERROR), times=_PERSISTENT)),
    Case("download/503", "503 with the portal's message, every try", "failed, the portal's message; .part kept",
         _DHUS + r"server error \(HTTP 503\): Service temporarily unavailable: maintenance of the archive until "
                 r"14:00 UTC", _answers((503, {}, PORTAL_BUSY), times=_PERSISTENT)),
    Case("download/redirect-loop", "redirects to itself", "failed: too many redirects; .part kept",
         _DHUS + r"too many redirects \(more than 10\)", _redirect_loop(40)),
    Case("download/length-short", "Content-Length 500 bytes short, once (DHuS, Range)", "done, resumed", _DONE,
         _set(length_delta=-500, bad_lengths=1), state="done"),
    Case("download/length-long", "Content-Length 500 bytes too long, once (DHuS, Range)", "done", _DONE,
         _set(length_delta=500, bad_lengths=1), state="done"),
    Case("download/length-short-no-range", "Content-Length 500 bytes short (CDSE, no Range)",
         "failed: sizes named", _CDSE + r"the portal sent {} bytes where {} were announced".format(*_sizes(-500)),
         _set(length_delta=-500, bad_lengths=1), portal="cdse"),
    Case("download/length-long-no-range", "Content-Length 500 bytes too long (CDSE, no Range)",
         "failed: sizes named", _CDSE + r"the portal sent {} bytes where {} were announced".format(*_sizes(500)),
         _set(length_delta=500, bad_lengths=1), portal="cdse"),
    Case("download/checksum", "one byte flipped in every body", "failed: corrupt file deleted (with the .part)",
         _DHUS + r"checksum mismatch \(MD5\): the file is corrupt; it was deleted",
         _set(corrupt=_PERSISTENT), lost=PART),
    Case("download/token-expiry", "access token expires mid-download (OIDC, Range)",
         "done: 401, one refresh, resumed", _DONE, _token_expires, state="done", portal="oidc_mirror"),
    Case("download/403-flows", "DHuS 403: Maximum number of 4 concurrent flows", "failed: too many parallel "
         "downloads; .part kept", _DHUS + r"too many parallel downloads for this account \(HTTP 403\), retry when "
         r"others have finished: An exception occured while creating a stream: Maximum number of 4 concurrent "
         r'flows achieved by the user "analyst"', _flows),
    Case("download/html", "200 with an HTML maintenance page, every try", "failed: web page named; .part kept",
         _DHUS + r"the portal answered with a web page instead of the file: Scheduled maintenance The service is "
                 r"down for maintenance until 14:00 UTC\.", _answers((200, {"Content-Type": "text/html"},
                                                                      MAINTENANCE), times=_PERSISTENT)),
)



def _fill_the_disk_midway(rig: Rig) -> None:
    """Another program takes all but 64 KiB of the disk once 200 kB more of the product are on it."""
    def fill(on_disk: int) -> None:
        if on_disk > PART + 200_000 and not (rig.disk.path / "someone-else.bin").exists():
            with open(rig.disk.path / "someone-else.bin", "wb") as handle:
                handle.write(b"\0" * max(0, rig.disk.free() - 64 * 1024))
    rig.route.rate = 4_000_000  # a steady flow, so that the disk fills up in the middle
    rig.on_progress = fill


def _enlarge(rig: Rig) -> None:
    rig.disk.resize("24m")  # room for what is left and the 16 MiB the engine keeps free


def _delete_the_filler(rig: Rig) -> None:
    (rig.disk.path / "someone-else.bin").unlink()


_FULL = _DHUS + r"the disk is full \(.+/downloads\): free some space and retry, the partial download is kept"

DISK_CASES: Tuple[Case, ...] = (
    Case("download/disk-full", "2 MB disk, product streamed without a length", "failed: disk full, folder named; "
         ".part kept; resumes once the disk is enlarged", _FULL, lambda rig: None, disk="2m", streamed=True,
         relief=_enlarge),
    Case("download/disk-filled-midway", "24 MB disk filled by another program mid-download", "failed: disk full; "
         ".part kept; resumes once space is freed", _FULL, _fill_the_disk_midway, disk="24m",
         relief=_delete_the_filler),
    Case("download/disk-too-small", "2 MB disk, product of known size", "refused before writing, with the figures; "
         ".part kept", _DHUS + r"the disk is too full for this download \(.+/downloads\): 1\.5 MB needed and 17 MB "
         r"kept free, 0\.\d MB free; free some space and retry \(the partial download is kept\)", lambda rig: None,
         disk="2m", relief=_enlarge),
)

CASES: Tuple[Case, ...] = SEARCH_CASES + DOWNLOAD_CASES + DISK_CASES
