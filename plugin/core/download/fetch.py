"""One file to disk: `fetch_file(target, dest, ctx)`.

Streams to ``<dest>.part`` in 256 KiB chunks (memory stays flat), resumes with ``Range: bytes=N-`` when the
portal allows it (catalog ``resume``) and the server answers 206 with a matching ``Content-Range``; restarts
cleanly (truncates) when it answers 200. The checksum (MD5 or SHA-*, from the portal) is computed while
streaming, including the resumed prefix re-read from the .part. Size and checksum are checked, the .part is
fsync'ed and `os.replace`d: a file with the final name is always complete. Redirects are followed here
(bounded, http(s) only) so the account's header reaches the download host. A 401 (403 for signed URLs) makes
the account refresh its token once; 202 means offline. Full disk: a clear message, the .part kept for later.

Every retry-or-give-up decision (connection errors, cut bodies, 5xx, 429 with ``Retry-After``, a web page in
place of the file) goes through one `Retries` tally of the `RetryPolicy`. The steps of one try are methods of
`_FileFetch`: where to start (`_start`), the request (`_request`), what the answer means (`_check_answer`),
the body to disk (`_receive`), and the final check and rename (`_finish`).
"""
from __future__ import annotations

import errno
import http.client
import logging
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Optional, Tuple
from urllib.parse import urljoin, urlsplit

import requests

from ..auth import Authenticator
from ..catalog import Portal
from ..errors import ErrorKind, PortalError
from ..http import HttpSettings, error_for_exception, error_for_status, portal_message, retry_after_seconds
from .checksum import BackgroundHash, hash_file, hasher_for, unverifiable, unverifiable_names
from .job import Control
from .plan import FileTarget

LOG = logging.getLogger("eo_portals.download")
CHUNK = 256 * 1024  # a stop or progress is noticed after at most one chunk, even on slow links
PART_SUFFIX = ".part"
MAX_REDIRECTS = 10
DISK_MARGIN = 16 * 1024 * 1024  # keep this much free beyond the file itself
_REDIRECTS = (301, 302, 303, 307, 308)


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
class FileResult:
    """A file on disk, complete and verified as far as the portal allows."""

    path: Path
    size: int
    verification: str  # "MD5 verified", "not verified (BLAKE3)", "no checksum given"
    resumed_from: int = 0  # bytes kept from an earlier .part
    fetched: int = 0  # bytes received for this file in this run
    reused: bool = False  # the file was already there and verified
    algorithm: Optional[str] = None  # the checksum verified, if any
    unverified: Tuple[str, ...] = ()  # checksums given that cannot be computed here (BLAKE3)


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


class _Again(Exception):
    """End this try of a file and start the next one (from what the .part holds then)."""


class Retries:
    """The failures of one file counted against the policy: wait and try again, or give the source up."""

    def __init__(self, ctx: FetchContext):
        self.ctx = ctx
        self.failures = 0

    def failed(self, error: PortalError, retry_after: Optional[float] = None, kept_progress: bool = False) -> _Again:
        """Count a failure; raise `error` when the policy's attempts are spent (or the portal asks for too long
        a wait), else sleep and return the signal to try again (``raise retries.failed(...)``).

        `kept_progress`: bytes of this try stay in the .part for a resume, so the failure does not add up.
        """
        policy = self.ctx.policy
        self.failures = 1 if kept_progress else self.failures + 1
        if self.failures >= policy.attempts:
            raise error
        wait = retry_after if retry_after is not None else policy.delay(self.failures)
        if wait > policy.max_retry_after:
            raise PortalError(error.portal, f"the portal asks to wait {wait / 60:.0f} min (HTTP {error.status}); "
                                            "retry later", ErrorKind.THROTTLED, error.status, retry_after=wait,
                              code="long_wait", details={"minutes": round(wait / 60)})
        LOG.info("%s: %s, retrying in %.0f s", error.portal, error.message, wait)
        self.ctx.sleep(wait)
        return _Again()


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
    return _FileFetch(target, Path(dest), ctx, progress, on_verify).run()


class _FileFetch:
    """The steps of `fetch_file` for one file; each try starts again from what the .part holds."""

    def __init__(self, target: FileTarget, dest: Path, ctx: FetchContext,
                 progress: Optional[Callable[[int, Optional[int]], None]],
                 on_verify: Optional[Callable[[], None]]):
        self.target = target
        self.dest = dest
        self.part = dest.with_name(dest.name + PART_SUFFIX)
        self.ctx = ctx
        self.title = ctx.portal.title
        self.progress = progress
        self.on_verify = on_verify
        self.expected = target.size  # learnt from the answer when the portal did not say
        self.retries = Retries(ctx)
        self.refreshed = False  # the account renewed its authorisation once already
        self.restarts = 0  # the .part thrown away because of inconsistent byte ranges
        self.corrupt = 0  # complete files that failed their check
        self.resumed_from = 0
        self.fetched = 0

    def run(self) -> FileResult:
        try:  # a product's own folder (files of STAC assets) is made here: a read-only disk fails here first
            self.dest.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise _disk_error(self.title, self.dest.parent, 0) from None
            raise _write_error(self.title, self.part, exc) from None
        if self.dest.exists() and not self.part.exists():
            reused = _verify_existing(self.dest, self.target, self.ctx)
            if reused is not None:
                LOG.info("%s: %s is already downloaded", self.title, self.dest.name)
                return reused
        while True:
            self.ctx.control.check()
            offset, complete = self._start()
            algorithm, wanted, hasher = hasher_for(self.target.checksums)
            try:
                if complete:
                    # an earlier run received every byte but stopped before the rename: check what is there
                    if hasher is not None:
                        hash_file(self.part, hasher, self.ctx.control)
                    size = offset
                else:
                    size = self._request(offset, hasher)
                return self._finish(size, algorithm, wanted, hasher)
            except _Again:
                continue
            finally:
                if hasher is not None:
                    hasher.close()  # a retry or an error must not leave the hashing thread behind

    def _start(self) -> Tuple[int, bool]:
        """Where this try starts (bytes kept in the .part) and whether they are already the whole file."""
        offset = self.part.stat().st_size if self.part.exists() else 0
        complete = self.expected is not None and offset == self.expected and offset > 0
        if offset and not complete and (not self.ctx.portal.resume
                                        or (self.expected is not None and offset > self.expected)):
            _truncate(self.part)
            offset = 0
        return offset, complete

    def _request(self, offset: int, hasher: Optional[BackgroundHash]) -> int:
        """Ask for the file from `offset` and write the answer; returns the bytes on disk."""
        ctx = self.ctx
        url = ctx.auth.sign(self.target.url, ctx.collection)
        try:
            response, sent_at = open_following_redirects(ctx, url, offset)
        except requests.exceptions.RequestException as exc:
            error = error_for_exception(self.title, exc, ctx.settings.timeout)
            raise self.retries.failed(error.masked(ctx.masked)) from None
        with response:
            offset, announced = self._check_answer(response, offset, sent_at)
            return self._receive(response, offset, announced, hasher)

    def _check_answer(self, response: requests.Response, offset: int, sent_at: float) -> Tuple[int, Optional[int]]:
        """What the answer holds: (the offset its body starts at, the size it announces), or retry/raise."""
        ctx, title, status = self.ctx, self.title, response.status_code
        if status == 202:
            raise PortalError(title, "the product is offline: the portal is bringing it back from its "
                                     "long-term archive, retry later", ErrorKind.OFFLINE, status, code="restoring")
        if status in ctx.auth.refresh_statuses and not self.refreshed and ctx.auth.invalidate(sent_at):
            self.refreshed = True  # once: the account gets a fresh token or signature
            LOG.info("%s: HTTP %s, renewing the authorisation", title, status)
            raise _Again()
        if status == 429 or status >= 500:
            body = response.raw.read(20000, decode_content=False) if status >= 500 else b""
            error = error_for_status(title, status, body, response.headers)
            wait = retry_after_seconds(response.headers.get("Retry-After"))
            raise self.retries.failed(error.masked(ctx.masked), retry_after=wait)
        if status == 416:
            total = parse_content_range(response.headers.get("Content-Range"))[2]
            if total is not None and total == offset and (self.expected is None or self.expected == total):
                self.expected = total
                raise _Again()  # the .part already holds everything: the next try verifies it
            raise self._restart("the portal refuses the byte range requests", "range_refused", 416)
        if status >= 400:
            body = response.raw.read(20000, decode_content=False)
            error = error_for_status(title, status, body, response.headers)
            raise error.masked(ctx.masked)
        if _web_page(response, self.target):
            # a maintenance or login page answered with 200: never written over the .part nor taken for the
            # file (a product without size or checksum would be "done" as HTML)
            page = portal_message(response.raw.read(20000, decode_content=True))
            problem = "the portal answered with a web page instead of the file" + (f": {page}" if page else "")
            raise self.retries.failed(PortalError(title, ctx.masked(problem), ErrorKind.HTTP, status,
                                                  ctx.masked(page), code="web_page"))
        length = _int(response.headers.get("Content-Length"))
        if status == 206:
            first, _, total = parse_content_range(response.headers.get("Content-Range"))
            if first != offset or (self.expected is not None and total is not None and total != self.expected):
                # a range we did not ask for, or another file: start over from zero
                raise self._restart("the portal answers inconsistent byte ranges", "range_inconsistent", None)
            announced = total if total is not None else (offset + length if length is not None else None)
        elif status == 200:
            if offset:
                LOG.info("%s: the server ignored the byte range, restarting %s", title, self.dest.name)
            offset = 0
            announced = length
        else:
            raise PortalError(title, f"unexpected answer (HTTP {status})", ErrorKind.HTTP, status, code="status")
        if self.expected is not None and announced is not None and announced != self.expected:
            raise PortalError(title, f"the portal sent {announced} bytes where {self.expected} were announced",
                              ErrorKind.HTTP, status, code="wrong_size",
                              details={"sent": announced, "announced": self.expected})
        return offset, announced

    def _restart(self, problem: str, code: str, status: Optional[int]) -> _Again:
        """Throw the .part away and start from zero, at most twice per file."""
        _truncate(self.part)
        self.restarts += 1
        if self.restarts > 2:
            raise PortalError(self.title, problem, ErrorKind.HTTP, status, code=code)
        return _Again()

    def _receive(self, response: requests.Response, offset: int, announced: Optional[int],
                 hasher: Optional[BackgroundHash]) -> int:
        """The body to the .part (after the bytes kept from earlier); returns the bytes on disk."""
        ctx, title = self.ctx, self.title
        total_size = self.expected if self.expected is not None else announced
        remaining = (total_size - offset) if total_size is not None else None
        if remaining is not None:
            free = shutil.disk_usage(self.dest.parent).free
            if free < remaining + DISK_MARGIN:
                raise _disk_error(title, self.dest.parent, offset, remaining)
        if offset:
            self.resumed_from = offset
            if hasher is not None:
                hash_file(self.part, hasher, ctx.control)
            LOG.info("%s: resuming %s from byte %d", title, self.dest.name, offset)
        received, cut = self._write_body(response, offset, total_size, hasher)
        self.fetched += received
        size = offset + received
        if cut is None and announced is not None and size < announced:
            cut = PortalError(title, f"the connection was cut after {size} of {announced} bytes",
                              ErrorKind.UNREACHABLE, code="cut_after", details={"received": size, "declared": announced})
        if cut is not None:
            # progress on disk is kept when the portal resumes, so only a try that got nothing counts fully
            cut = cut.masked(ctx.masked)
            interrupted = PortalError(title, f"download interrupted: {cut.message}", ErrorKind.UNREACHABLE,
                                      code="interrupted", details={"cause": cut.failure().to_dict()})
            raise self.retries.failed(interrupted, kept_progress=bool(ctx.portal.resume and received))
        return size

    def _write_body(self, response: requests.Response, offset: int, total_size: Optional[int],
                    hasher: Optional[BackgroundHash]) -> Tuple[int, Optional[PortalError]]:
        """(bytes written, why the body was cut or None); disk failures raise PortalError(DISK)."""
        title, part = self.title, self.part
        received = 0
        cut: Optional[PortalError] = None
        try:
            handle = _open_part(part, append=bool(offset))
        except OSError as exc:
            raise _write_error(title, part, exc) from None
        try:
            for chunk in _body_chunks(response, CHUNK):
                handle.write(chunk)
                if hasher is not None:
                    hasher.update(chunk)
                received += len(chunk)
                if self.progress is not None:
                    self.progress(offset + received, total_size)
                self.ctx.control.check()
            handle.flush()
            os.fsync(handle.fileno())
        except requests.exceptions.RequestException as exc:
            cut = error_for_exception(title, exc, self.ctx.settings.timeout)
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise _disk_error(title, self.dest.parent, offset + received) from None
            raise _write_error(title, part, exc) from None
        finally:
            try:
                handle.close()
            except OSError as exc:
                if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                    raise _disk_error(title, self.dest.parent, offset + received) from None
                raise
        return received, cut

    def _finish(self, size: int, algorithm: Optional[str], wanted: Optional[str],
                hasher: Optional[BackgroundHash]) -> FileResult:
        """Every byte is on disk: check size and checksum, then give the file its final name."""
        if self.on_verify is not None:
            self.on_verify()
        problem = code = None
        facts: dict = {}
        if self.expected is not None and size != self.expected:
            problem = f"size mismatch: {size} bytes received, {self.expected} expected"
            code, facts = "size_mismatch", {"received": size, "expected": self.expected}
        elif hasher is not None and hasher.hexdigest() != wanted:
            problem = f"checksum mismatch ({algorithm}): the file is corrupt"
            code, facts = "checksum_mismatch", {"algorithm": algorithm}
        if problem is not None:
            self.part.unlink()
            self.corrupt += 1
            if self.corrupt > 1:
                raise PortalError(self.title, f"{problem}; it was deleted", ErrorKind.CHECKSUM, code=code,
                                  details=facts)
            LOG.warning("%s: %s, downloading %s again", self.title, problem, self.dest.name)
            raise _Again()
        os.replace(self.part, self.dest)
        verification = f"{algorithm} verified" if hasher is not None else unverifiable(self.target.checksums)
        LOG.info("%s: %s done (%d bytes, %s)", self.title, self.dest.name, size, verification)
        return FileResult(self.dest, size, verification, self.resumed_from, self.fetched,
                          algorithm=algorithm if hasher is not None else None,
                          unverified=() if hasher is not None else unverifiable_names(self.target.checksums))


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
                              ErrorKind.HTTP, code="redirect_scheme")
        LOG.debug("%s: redirected to %s", ctx.portal.title, ctx.masked(current))
    raise PortalError(ctx.portal.title, f"too many redirects (more than {MAX_REDIRECTS})", ErrorKind.HTTP,
                      code="redirects", details={"limit": MAX_REDIRECTS})


def _verify_existing(dest: Path, target: FileTarget, ctx: FetchContext) -> Optional[FileResult]:
    """A final file already there (an earlier run finished) is reused when it matches what the portal says."""
    size = dest.stat().st_size
    if target.size is not None and size != target.size:
        return None
    algorithm, expected, hasher = hasher_for(target.checksums)
    if hasher is not None:
        try:
            hash_file(dest, hasher, ctx.control)
            if hasher.hexdigest() != expected:
                return None
        finally:
            hasher.close()
        return FileResult(dest, size, f"{algorithm} verified", reused=True, algorithm=algorithm)
    return FileResult(dest, size, unverifiable(target.checksums), reused=True,
                      unverified=unverifiable_names(target.checksums))


def parse_content_range(value: Optional[str]) -> Tuple[Optional[int], Optional[int], Optional[int]]:
    """(first byte, last byte, total) of a Content-Range header; Nones where absent or '*'."""
    match = re.match(r"\s*bytes\s+(?:(\d+)-(\d+)|\*)\s*/\s*(\d+|\*)", value or "")
    if not match:
        return None, None, None
    first, last, total = match.groups()
    as_int = lambda v: int(v) if v and v != "*" else None  # noqa: E731
    return as_int(first), as_int(last), as_int(total)


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


def _open_part(path: Path, append: bool):
    """The .part file handle (a seam for tests that simulate a full disk)."""
    return open(path, "ab" if append else "wb")


def _truncate(part: Path) -> None:
    if part.exists():
        with open(part, "wb"):
            pass


def _megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size < 9.95e6 else f"{size / 1e6:.0f} MB"


def _disk_error(title: str, folder: Path, kept: int, needed: Optional[int] = None) -> PortalError:
    """The full-disk error; it says the partial download is kept only when `kept` bytes of it are on disk."""
    if needed is not None:
        free = shutil.disk_usage(folder).free
        # the margin is part of what is missing: "0 MB needed, 2 MB free" left the user wondering why
        message = (f"the disk is too full for this download ({folder}): {_megabytes(needed)} needed and "
                   f"{_megabytes(DISK_MARGIN)} kept free, {_megabytes(free)} free; free some space and retry"
                   + (" (the partial download is kept)" if kept else ""))
        return PortalError(title, message, ErrorKind.DISK, code="too_full",
                           details={"folder": str(folder), "needed": _megabytes(needed),
                                    "margin": _megabytes(DISK_MARGIN), "free": _megabytes(free), "kept": kept})
    message = (f"the disk is full ({folder}): free some space and retry"
               + (", the partial download is kept" if kept else ""))
    return PortalError(title, message, ErrorKind.DISK, code="disk_full", details={"folder": str(folder), "kept": kept})


def _write_error(title: str, part: Path, exc: OSError) -> PortalError:
    """The file cannot be written (read-only folder, no permission...)."""
    reason = exc.strerror or str(exc)
    return PortalError(title, f"cannot write {part}: {reason}", ErrorKind.DISK, code="cannot_write",
                       details={"path": str(part), "folder": str(part.parent), "reason": reason})


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
