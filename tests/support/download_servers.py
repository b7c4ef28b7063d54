"""Loopback servers that behave like the portals' download side: token endpoint, SAS and signing services,
files served with or without Range, redirects to another host, 429/5xx scripts, cut connections, corrupt
bodies, 401 and 202 (offline).

    oidc = OidcProvider("alice", "s3cret")
    with DownloadServer() as host_a, DownloadServer() as host_b:        # two ports = two "hosts"
        host_a.add_token_endpoint("/token", oidc)
        host_b.add_file("/dl/p.zip", BytesContent(data), require=oidc.check, ranges=False)
        host_a.add_redirect("/odata/v1/Products(1)/$value", host_b.url + "/dl/p.zip")
        ... download host_a.url + "/odata/v1/Products(1)/$value" ...
        host_b.hits("/dl/p.zip")[0].headers["Authorization"]         # what the server received
        host_b.hits("/dl/p.zip")[0].range_start, .bytes_sent         # Range asked, body bytes written

Faults on a file route: `script` (answers served first, one per request: ``[(429, {"Retry-After": "3"})]``),
`delay` (seconds before each answer),
`cut_after`/`cuts` (drop the connection after N body bytes, `cuts` times), `corrupt` (flip one byte in the
next `corrupt` bodies), `rate` (bytes per second), `offline` (202), `ranges` (honour Range or answer 200).

Run as a script it serves generated data for the benchmark in another process:
``python tests/support/download_servers.py --size 1073741824`` prints the base URL; ``/big.bin`` is the file,
``/_stats`` the hits as JSON, ``/_md5`` its MD5.
"""
from __future__ import annotations

import base64
import hashlib
import json
import random
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple, Union
from urllib.parse import parse_qsl, unquote, urlsplit

Answer = Tuple[int, Dict[str, str], bytes]
Check = Callable[[Dict[str, str], Dict[str, str]], bool]


# ---------------------------------------------------------------------------------------------------------
# What a file route serves


class BytesContent:
    """Bytes in memory."""

    def __init__(self, data: bytes):
        self.data = bytes(data)
        self.size = len(self.data)

    def read(self, offset: int, length: int) -> bytes:
        return self.data[offset:offset + length]

    def md5(self) -> str:
        return hashlib.md5(self.data).hexdigest()


class FileContent:
    """A file on disk (read per request, never loaded whole)."""

    def __init__(self, path: Union[str, Path]):
        self.path = Path(path)
        self.size = self.path.stat().st_size

    def read(self, offset: int, length: int) -> bytes:
        with open(self.path, "rb") as handle:
            handle.seek(offset)
            return handle.read(length)

    def md5(self) -> str:
        digest = hashlib.md5()
        with open(self.path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()


class PatternContent:
    """`size` bytes generated from a seeded 1 MiB random block (nothing stored; any range can be served)."""

    BLOCK = 1 << 20

    def __init__(self, size: int, seed: int = 7):
        self.size = size
        block = random.Random(seed).randbytes(self.BLOCK)
        self._double = memoryview(block + block)

    def read(self, offset: int, length: int) -> memoryview:
        length = max(0, min(length, self.BLOCK, self.size - offset))
        start = offset % self.BLOCK
        return self._double[start:start + length]

    def md5(self) -> str:
        digest = hashlib.md5()
        offset = 0
        while offset < self.size:
            chunk = self.read(offset, self.BLOCK)
            digest.update(chunk)
            offset += len(chunk)
        return digest.hexdigest()


Content = Union[BytesContent, FileContent, PatternContent]


@dataclass
class Hit:
    """A request the server received and what it answered."""

    method: str
    path: str
    query: Dict[str, str]
    headers: Dict[str, str]
    body: bytes = b""
    status: int = 0
    range_start: Optional[int] = None  # first byte asked with Range, None without Range
    bytes_sent: int = 0  # body bytes written
    started: float = 0.0  # time.monotonic() when the request arrived
    ended: float = 0.0  # ... and when the answer was complete (or cut)

    def form(self) -> Dict[str, str]:
        """The request body as a form."""
        return dict(parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True))


@dataclass
class FileRoute:
    content: Content
    ranges: bool = True
    require: Optional[Check] = None
    script: List[Tuple] = field(default_factory=list)
    cut_after: Optional[int] = None
    cuts: int = 0
    corrupt: int = 0
    rate: Optional[float] = None
    offline: bool = False
    content_type: str = "application/zip"
    delay: float = 0.0  # seconds before answering each request
    on_cut: Optional[Callable[[], None]] = None  # called when the connection has been cut
    in_flight: int = 0  # bodies being sent right now
    max_in_flight: int = 0  # the most sent at once


# ---------------------------------------------------------------------------------------------------------
# Account services


class OidcProvider:
    """A Keycloak-like token endpoint: password and refresh grants, tokens with lifetimes, counters."""

    def __init__(self, username: str, password: str, client_id: str = "cdse-public", totp: Optional[str] = None,
                 expires_in: int = 600, refresh_expires_in: int = 3600):
        self.username, self.password, self.client_id, self.totp = username, password, client_id, totp
        self.expires_in, self.refresh_expires_in = expires_in, refresh_expires_in
        self.delay = 0.0  # seconds before answering (a slow identity server)
        self.logins = 0  # successful password grants
        self.refused = 0  # refused password grants
        self.refreshes = 0  # successful refresh grants
        self.grants: List[Dict[str, str]] = []  # every form received (secrets included: tests only)
        self._access: Dict[str, float] = {}
        self._refresh: Dict[str, float] = {}
        self._lock = threading.Lock()

    def issued(self) -> List[str]:
        """Every access token issued so far."""
        with self._lock:
            return list(self._access)

    def refresh_tokens(self) -> List[str]:
        """Every refresh token issued so far."""
        with self._lock:
            return list(self._refresh)

    def answer(self, form: Dict[str, str]) -> Answer:
        if self.delay:
            time.sleep(self.delay)
        with self._lock:
            self.grants.append(dict(form))
            now = time.time()
            if form.get("client_id") != self.client_id:
                return _json(401, {"error": "unauthorized_client", "error_description": "Invalid client"})
            grant = form.get("grant_type")
            if grant == "password":
                ok = form.get("username") == self.username and form.get("password") == self.password
                if self.totp is not None and form.get("totp") != self.totp:
                    ok = False
                if not ok:
                    self.refused += 1
                    return _json(401, {"error": "invalid_grant", "error_description": "Invalid user credentials"})
                self.logins += 1
            elif grant == "refresh_token":
                expiry = self._refresh.get(form.get("refresh_token", ""))
                if expiry is None or expiry < now:
                    return _json(400, {"error": "invalid_grant", "error_description": "Token is not active"})
                self.refreshes += 1
            else:
                return _json(400, {"error": "unsupported_grant_type"})
            access, refresh = "at-" + secrets.token_hex(12), "rt-" + secrets.token_hex(12)
            self._access[access] = now + self.expires_in
            self._refresh[refresh] = now + self.refresh_expires_in
            return _json(200, {"access_token": access, "expires_in": self.expires_in, "refresh_token": refresh,
                               "refresh_expires_in": self.refresh_expires_in, "token_type": "Bearer"})

    def check(self, headers: Dict[str, str], query: Dict[str, str]) -> bool:
        """Whether the request carries a valid, unexpired Bearer token."""
        value = _header(headers, "Authorization") or ""
        if not value.startswith("Bearer "):
            return False
        with self._lock:
            expiry = self._access.get(value[7:])
        return expiry is not None and expiry > time.time()

    def revoke_refresh_tokens(self) -> None:
        """Every refresh token stops working (the server ended the sessions)."""
        with self._lock:
            for token in self._refresh:
                self._refresh[token] = 0.0

    def expire_access_tokens(self) -> None:
        """Every access token expires now on the server side (the next download request gets 401)."""
        with self._lock:
            for token in self._access:
                self._access[token] = 0.0


class SasIssuer:
    """A Planetary Computer-like SAS token service: ``GET <prefix>/<collection>``."""

    def __init__(self, lifetime: float = 3600.0, clock: Callable[[], float] = time.time):
        self.lifetime = lifetime
        self.clock = clock
        self.requests: Dict[str, int] = {}
        self.headers: List[Dict[str, str]] = []
        self._sigs: Dict[str, float] = {}
        self._lock = threading.Lock()

    def answer(self, key: str, headers: Dict[str, str]) -> Answer:
        with self._lock:
            self.requests[key] = self.requests.get(key, 0) + 1
            self.headers.append(dict(headers))
            sig = secrets.token_urlsafe(16)
            expiry = self.clock() + self.lifetime
            self._sigs[sig] = expiry
        stamp = datetime.fromtimestamp(expiry, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        token = f"st=2024-01-01T00%3A00%3A00Z&se={stamp.replace(':', '%3A')}&sp=rl&sv=2021-06-08&sr=c&sig={sig}"
        return _json(200, {"msft:expiry": stamp, "token": token})

    def check(self, headers: Dict[str, str], query: Dict[str, str]) -> bool:
        with self._lock:
            expiry = self._sigs.get(query.get("sig", ""))
        return expiry is not None and expiry > self.clock()

    def expire_all(self) -> None:
        with self._lock:
            for sig in self._sigs:
                self._sigs[sig] = 0.0


class SigningService:
    """A THEIA-like URL signing service: ``GET <path>?url=<href>`` with headers access-key / secret-key."""

    def __init__(self, access_key: str, secret_key: str):
        self.access_key, self.secret_key = access_key, secret_key
        self.requests = 0
        self._sigs: set = set()
        self._lock = threading.Lock()

    def answer(self, headers: Dict[str, str], query: Dict[str, str]) -> Answer:
        with self._lock:
            self.requests += 1
            if _header(headers, "access-key") != self.access_key or _header(headers, "secret-key") != self.secret_key:
                return _json(403, {"detail": "Invalid credentials"})
            sig = secrets.token_hex(16)
            self._sigs.add(sig)
        url = query.get("url", "")
        separator = "&" if "?" in url else "?"
        return _json(200, {"href": f"{url}{separator}X-Amz-Expires=28800&X-Amz-Signature={sig}"})

    def check(self, headers: Dict[str, str], query: Dict[str, str]) -> bool:
        with self._lock:
            return query.get("X-Amz-Signature", "") in self._sigs


def basic_check(username: str, password: str) -> Check:
    """A check accepting only these HTTP Basic credentials."""
    expected = "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()
    return lambda headers, query: _header(headers, "Authorization") == expected


def header_check(name: str, value: str) -> Check:
    """A check accepting only requests carrying `name: value`."""
    return lambda headers, query: _header(headers, name) == value


def max_overlap(hits: List[Hit]) -> int:
    """The most requests among `hits` that were being answered at the same moment."""
    events = sorted([(h.started, 1) for h in hits] + [(h.ended, -1) for h in hits], key=lambda e: (e[0], e[1]))
    current = best = 0
    for _, step in events:
        current += step
        best = max(best, current)
    return best


def _header(headers: Dict[str, str], name: str) -> Optional[str]:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


def _json(status: int, data) -> Answer:
    return status, {"Content-Type": "application/json"}, json.dumps(data).encode()


# ---------------------------------------------------------------------------------------------------------
# The server


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        import sys

        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)  # a client going away is normal here


class DownloadServer:
    """A threaded HTTP/1.1 server on 127.0.0.1 (ephemeral port) with download-portal behaviours."""

    def __init__(self) -> None:
        self.files: Dict[str, FileRoute] = {}
        self.handlers: Dict[str, Callable[[Hit], Answer]] = {}
        self.prefixes: List[Tuple[str, Callable[[Hit], Answer]]] = []
        self.in_flight = 0  # file bodies being sent right now, all routes together
        self.max_in_flight = 0
        self._hits: List[Hit] = []
        self._lock = threading.Lock()
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output clean
                pass

            def _serve(self):
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                hit = Hit(self.command, unquote(parts.path), dict(parse_qsl(parts.query, keep_blank_values=True)),
                          {k: v for k, v in self.headers.items()}, self.rfile.read(length) if length else b"")
                hit.started = time.monotonic()
                with server._lock:
                    server._hits.append(hit)
                try:
                    route = server.files.get(hit.path)
                    if route is not None:
                        server._serve_file(self, hit, route)
                        return
                    handler = server.handlers.get(hit.path)
                    for prefix, candidate in server.prefixes:
                        if handler is None and hit.path.startswith(prefix):
                            handler = candidate
                    if handler is None:
                        answer = _json(404, {"detail": f"no route for {hit.path}"})
                    else:
                        answer = handler(hit)
                    server._send(self, hit, *answer)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True
                finally:
                    hit.ended = hit.ended or time.monotonic()

            do_GET = do_POST = do_HEAD = _serve

        self._server = _QuietServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="download-server", daemon=True)

    # -- routes ----------------------------------------------------------------------------------------------
    def add_file(self, path: str, content: Content, **options) -> FileRoute:
        """Serve `content` at `path` (see FileRoute for the options)."""
        route = FileRoute(content=content, **options)
        self.files[path] = route
        return route

    def add(self, path: str, handler: Callable[[Hit], Answer]) -> None:
        """Answer requests to `path` with `handler(hit) -> (status, headers, body)`."""
        self.handlers[path] = handler

    def add_redirect(self, path: str, location: str, status: int = 302,
                     require: Optional[Check] = None) -> None:
        """Redirect `path` to `location` (another server = another host); `require` guards it (401)."""
        def handler(hit: Hit) -> Answer:
            if require is not None and not require(hit.headers, hit.query):
                return _json(401, {"detail": "Unauthorized"})
            return status, {"Location": location}, b""
        self.handlers[path] = handler

    def add_token_endpoint(self, path: str, provider: OidcProvider) -> None:
        """An OpenID Connect token endpoint (POST, form-encoded)."""
        self.handlers[path] = lambda hit: provider.answer(hit.form())

    def add_sas(self, prefix: str, issuer: SasIssuer) -> None:
        """SAS token service: ``GET <prefix>/<collection>`` (also ``<prefix>/<account>/<container>``)."""
        prefix = prefix.rstrip("/") + "/"
        self.prefixes.append((prefix, lambda hit: issuer.answer(hit.path[len(prefix):], hit.headers)))

    def add_signing(self, path: str, service: SigningService) -> None:
        """URL signing service (THEIA): ``GET <path>?url=...``."""
        self.handlers[path] = lambda hit: service.answer(hit.headers, hit.query)

    # -- what happened ---------------------------------------------------------------------------------------
    def hits(self, path: Optional[str] = None, method: Optional[str] = None) -> List[Hit]:
        """Requests received (optionally for one path / method)."""
        with self._lock:
            return [h for h in self._hits if (path is None or h.path == path) and (method is None or h.method == method)]

    def bytes_sent(self, path: str) -> int:
        """Body bytes written for `path` over every request."""
        return sum(h.bytes_sent for h in self.hits(path))

    def clear(self) -> None:
        """Forget the hits so far."""
        with self._lock:
            self._hits.clear()

    # -- serving ---------------------------------------------------------------------------------------------
    def _send(self, handler: BaseHTTPRequestHandler, hit: Hit, status: int, headers: Dict[str, str],
              body: bytes) -> None:
        hit.status = status
        handler.send_response(status)
        headers = dict(headers)
        headers.setdefault("Content-Type", "application/json")
        headers.setdefault("Content-Length", str(len(body)))
        for key, value in headers.items():
            handler.send_header(key, value)
        handler.end_headers()
        if hit.method != "HEAD" and body:
            handler.wfile.write(body)
            hit.bytes_sent = len(body)

    def _serve_file(self, handler: BaseHTTPRequestHandler, hit: Hit, route: FileRoute) -> None:
        if route.delay:
            time.sleep(route.delay)
        with self._lock:
            scripted = route.script.pop(0) if route.script else None
        if scripted is not None:
            status, headers = scripted[0], dict(scripted[1]) if len(scripted) > 1 else {}
            body = scripted[2] if len(scripted) > 2 else json.dumps({"detail": f"HTTP {status}"}).encode()
            self._send(handler, hit, status, headers, body)
            return
        if route.require is not None and not route.require(hit.headers, hit.query):
            self._send(handler, hit, 401, {"WWW-Authenticate": "Bearer"}, b'{"detail": "Unauthorized"}')
            return
        if route.offline:
            self._send(handler, hit, 202, {}, b'{"detail": "Product retrieval from the LTA started"}')
            return
        size = route.content.size
        start = 0
        range_header = hit.headers.get("Range")
        if range_header and range_header.startswith("bytes="):
            try:
                hit.range_start = int(range_header[6:].split("-", 1)[0])
            except ValueError:
                hit.range_start = None
        status, headers = 200, {"Content-Type": route.content_type, "Accept-Ranges": "bytes" if route.ranges else "none"}
        if route.ranges and hit.range_start is not None:
            if hit.range_start >= size:
                self._send(handler, hit, 416, {"Content-Range": f"bytes */{size}"}, b"")
                return
            start = hit.range_start
            status = 206
            headers["Content-Range"] = f"bytes {start}-{size - 1}/{size}"
        headers["Content-Length"] = str(size - start)
        hit.status = status
        handler.send_response(status)
        for key, value in headers.items():
            handler.send_header(key, value)
        handler.end_headers()
        if hit.method == "HEAD":
            return
        with self._lock:
            cut_at = route.cut_after if (route.cut_after is not None and route.cuts > 0) else None
            if cut_at is not None:
                route.cuts -= 1
            corrupt = route.corrupt > 0
            if corrupt:
                route.corrupt -= 1
        with self._lock:
            route.in_flight += 1
            route.max_in_flight = max(route.max_in_flight, route.in_flight)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            self._write_body(handler, hit, route, start, cut_at, corrupt)
        finally:
            with self._lock:
                route.in_flight -= 1
                self.in_flight -= 1

    def _write_body(self, handler: BaseHTTPRequestHandler, hit: Hit, route: FileRoute, start: int,
                    cut_at: Optional[int], corrupt: bool) -> None:
        try:
            self._write_chunks(handler, hit, route, start, cut_at, corrupt)
        finally:
            hit.ended = time.monotonic()

    def _write_chunks(self, handler: BaseHTTPRequestHandler, hit: Hit, route: FileRoute, start: int,
                      cut_at: Optional[int], corrupt: bool) -> None:
        size = route.content.size
        flip_at = size // 2
        block = 64 * 1024 if route.rate else PatternContent.BLOCK
        offset, began = start, time.monotonic()
        while offset < size:
            length = min(block, size - offset)
            if cut_at is not None:
                length = min(length, cut_at - hit.bytes_sent)
                if length <= 0:
                    # drop the connection mid-body, as a proxy or an overloaded portal does
                    handler.wfile.flush()
                    handler.connection.shutdown(socket.SHUT_RDWR)
                    handler.close_connection = True
                    if route.on_cut is not None:
                        route.on_cut()
                    return
            data = route.content.read(offset, length)
            if corrupt and offset <= flip_at < offset + len(data):
                buffer = bytearray(data)
                buffer[flip_at - offset] ^= 0xFF
                data = bytes(buffer)
            handler.wfile.write(data)
            offset += len(data)
            hit.bytes_sent += len(data)
            if route.rate and offset < size:
                ahead = hit.bytes_sent / route.rate - (time.monotonic() - began)
                if ahead > 0:
                    time.sleep(ahead)

    # -- life cycle ------------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:40123"""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "DownloadServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "DownloadServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _main() -> None:
    """Serve generated data for bench/download_bench.py in a separate process."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1 << 30)
    args = parser.parse_args()
    content = PatternContent(args.size)
    server = DownloadServer()
    server.add_file("/big.bin", content, content_type="application/octet-stream")
    md5_cache: List[str] = []

    def md5(hit: Hit) -> Answer:
        if not md5_cache:
            md5_cache.append(content.md5())
        return _json(200, {"md5": md5_cache[0], "size": content.size})

    def stats(hit: Hit) -> Answer:
        hits = [{"path": h.path, "status": h.status, "range_start": h.range_start, "bytes_sent": h.bytes_sent}
                for h in server.hits("/big.bin")]
        return _json(200, hits)

    def clear(hit: Hit) -> Answer:
        server.clear()
        return _json(200, {})

    server.add("/_md5", md5)
    server.add("/_stats", stats)
    server.add("/_clear", clear)
    server.start()
    print(server.url, flush=True)
    try:
        sys.stdin.read()  # serve until the parent closes our stdin
    finally:
        server.stop()


if __name__ == "__main__":
    _main()
