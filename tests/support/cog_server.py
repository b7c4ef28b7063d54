"""A loopback static-file server for cloud-optimised GeoTIFFs, as S3 / Azure blob storage serves them to GDAL.

    with CogServer() as server:
        url = server.add("/s2/29RKH/2020-02-19/B04.tif", Path(".../B04.tif"))
        ... gdal.Open("/vsicurl/" + url) ...
        server.requests("/s2/29RKH/2020-02-19/B04.tif"), server.bytes_sent()     # what GDAL asked for

It honours ``Range: bytes=a-b`` (also ``a-`` and several ranges, answered as multipart/byteranges), counts
every request and every body byte, and can misbehave the ways object stores and proxies do:

- ``ranges=False``: Range ignored, the whole file answered with 200 (a plain web server).
- ``require``: a check ``(headers, query) -> bool``; a refused request gets 403 (Azure's answer to an expired
  SAS) -- e.g. `SasIssuer.check` from download_servers, whose signatures can be expired mid-series.
- ``cut_after`` / ``cuts``: the next `cuts` bodies are cut after `cut_after` bytes (connection dropped).

Files are read from disk per request (the fixtures are a few MB). Serving one file under several paths (one per
"date") is how the tests build a multi-date series out of single-date fixtures.
"""
from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple
from urllib.parse import parse_qsl, unquote, urlsplit

Check = Callable[[Dict[str, str], Dict[str, str]], bool]


@dataclass
class Request:
    """One request received: path, query, Range asked, status and body bytes sent."""

    method: str
    path: str
    query: Dict[str, str]
    headers: Dict[str, str]
    ranges: List[Tuple[int, int]] = field(default_factory=list)
    status: int = 0
    bytes_sent: int = 0
    started: float = 0.0
    ended: float = 0.0


@dataclass
class Route:
    path: Path
    ranges: bool = True
    require: Optional[Check] = None
    cut_after: Optional[int] = None
    cuts: int = 0
    delay: float = 0.0  # seconds before each answer (latency of a far object store)


def _parse_ranges(header: str, size: int) -> List[Tuple[int, int]]:
    """``bytes=0-99,200-`` -> [(0, 99), (200, size - 1)] (inclusive ends, clipped to the file)."""
    if not header or not header.startswith("bytes="):
        return []
    spans = []
    for part in header[6:].split(","):
        first, _, last = part.strip().partition("-")
        if first == "":  # suffix range: the last N bytes
            count = int(last)
            spans.append((max(0, size - count), size - 1))
        else:
            start = int(first)
            end = min(int(last), size - 1) if last else size - 1
            spans.append((start, end))
    return spans


class CogServer:
    """Threaded HTTP/1.1 server on 127.0.0.1 (ephemeral port)."""

    def __init__(self) -> None:
        self.routes: Dict[str, Route] = {}
        self.in_flight = 0
        self.max_in_flight = 0
        self._requests: List[Request] = []
        self._lock = threading.Lock()
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _serve(self):
                parts = urlsplit(self.path)
                request = Request(self.command, unquote(parts.path),
                                  dict(parse_qsl(parts.query, keep_blank_values=True)), dict(self.headers.items()))
                request.started = time.monotonic()
                with server._lock:
                    server._requests.append(request)
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                try:
                    server._answer(self, request)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True
                finally:
                    request.ended = time.monotonic()
                    with server._lock:
                        server.in_flight -= 1

            do_GET = do_HEAD = _serve

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="cog-server", daemon=True)

    # -- routes --------------------------------------------------------------------------------------------
    def add(self, url_path: str, file: Path, **options) -> str:
        """Serve `file` at `url_path`; returns its full URL."""
        self.routes[url_path] = Route(Path(file), **options)
        return self.url + url_path

    # -- what happened -------------------------------------------------------------------------------------
    def requests(self, path: Optional[str] = None, prefix: Optional[str] = None) -> List[Request]:
        """Requests received (for one path, or for paths under a prefix)."""
        with self._lock:
            found = list(self._requests)
        if path is not None:
            found = [r for r in found if r.path == path]
        if prefix is not None:
            found = [r for r in found if r.path.startswith(prefix)]
        return found

    def bytes_sent(self, path: Optional[str] = None, prefix: Optional[str] = None) -> int:
        """Body bytes written (for one path, or under a prefix)."""
        return sum(r.bytes_sent for r in self.requests(path, prefix))

    def clear(self) -> None:
        with self._lock:
            self._requests.clear()

    # -- serving -------------------------------------------------------------------------------------------
    def _send_head(self, handler, request: Request, status: int, headers: Dict[str, str]) -> None:
        request.status = status
        handler.send_response(status)
        for key, value in headers.items():
            handler.send_header(key, value)
        handler.end_headers()

    def _answer(self, handler, request: Request) -> None:
        route = self.routes.get(request.path)
        if route is None:
            body = b"NoSuchKey"
            self._send_head(handler, request, 404, {"Content-Length": str(len(body)), "Content-Type": "text/plain"})
            if request.method != "HEAD":
                handler.wfile.write(body)
            return
        if route.delay:
            time.sleep(route.delay)
        if route.require is not None and not route.require(request.headers, request.query):
            body = b"AuthenticationFailed: Signature not valid in the specified time frame"
            self._send_head(handler, request, 403, {"Content-Length": str(len(body)), "Content-Type": "text/plain"})
            if request.method != "HEAD":
                handler.wfile.write(body)
            return
        data = route.path.read_bytes()
        size = len(data)
        spans = _parse_ranges(request.headers.get("Range", ""), size) if route.ranges else []
        request.ranges = spans
        with self._lock:
            cut = route.cut_after if route.cut_after is not None and route.cuts > 0 and request.method != "HEAD" \
                else None
            if cut is not None:
                route.cuts -= 1
        common = {"Content-Type": "image/tiff", "Accept-Ranges": "bytes" if route.ranges else "none"}
        if not spans:
            body = data
            self._send_head(handler, request, 200, {**common, "Content-Length": str(size)})
        elif len(spans) == 1:
            start, end = spans[0]
            if start >= size:
                self._send_head(handler, request, 416, {"Content-Range": f"bytes */{size}", "Content-Length": "0"})
                return
            body = data[start:end + 1]
            self._send_head(handler, request, 206, {**common, "Content-Length": str(len(body)),
                                                    "Content-Range": f"bytes {start}-{end}/{size}"})
        else:
            boundary = "cogserverboundary"
            pieces = []
            for start, end in spans:
                pieces.append(f"--{boundary}\r\nContent-Type: image/tiff\r\nContent-Range: bytes {start}-{end}/{size}"
                              f"\r\n\r\n".encode() + data[start:end + 1] + b"\r\n")
            body = b"".join(pieces) + f"--{boundary}--\r\n".encode()
            self._send_head(handler, request, 206, {"Content-Type": f"multipart/byteranges; boundary={boundary}",
                                                    "Content-Length": str(len(body))})
        if request.method == "HEAD":
            return
        if cut is not None and cut < len(body):
            handler.wfile.write(body[:cut])
            request.bytes_sent = cut
            handler.wfile.flush()
            handler.connection.shutdown(socket.SHUT_RDWR)
            handler.close_connection = True
            return
        handler.wfile.write(body)
        request.bytes_sent = len(body)

    # -- life cycle ----------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "CogServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "CogServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
