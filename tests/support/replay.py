"""A loopback HTTP server for tests: serves recorded answers at the portals' paths and records requests.

    with ReplayServer() as server:
        server.add("POST", "/v1/search", fixture_bytes("earth_search/..."), content_type="application/geo+json")
        server.add("GET", "/slow", b"{}", delay=5)           # a portal that hangs
        server.add("GET", "/boom", b"oops", status=500)      # a portal that fails
        server.add("GET", "/dyn", handler=lambda req: (200, {"X": "1"}, b"..."))
        catalog_override = {"earth_search": {"url": server.url + "/v1"}}

Routes match on method and path (the query string is ignored unless `query` is given); the last added
route for a path wins. Unknown paths answer 404 with a JSON message. Only 127.0.0.1 is ever bound.
"""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Dict, List, Optional, Tuple
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Recorded:
    """A request the server received."""

    method: str
    path: str
    query: Dict[str, str]
    headers: Dict[str, str]
    body: bytes

    def json(self):
        """The request body decoded as JSON."""
        return json.loads(self.body or b"null")


Handler = Callable[[Recorded], Tuple[int, Dict[str, str], bytes]]


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    headers: Dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    handler: Optional[Handler] = None
    query: Optional[Dict[str, str]] = None


class ReplayServer:
    """Threaded HTTP server on 127.0.0.1 with an ephemeral port."""

    def __init__(self) -> None:
        self.routes: Dict[Tuple[str, str], List[Route]] = {}
        self.requests: List[Recorded] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out as two writes: no 40 ms delayed-ACK stall

            def log_message(self, *args):  # keep test output clean
                pass

            def _serve(self):
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                recorded = Recorded(self.command, parts.path, dict(parse_qsl(parts.query, keep_blank_values=True)),
                                    {k: v for k, v in self.headers.items()}, body)
                with server._lock:
                    server.requests.append(recorded)
                route = server._match(recorded)
                if route is None:
                    status, headers, payload = 404, {"Content-Type": "application/json"}, json.dumps(
                        {"detail": f"no route for {self.command} {parts.path}"}).encode()
                else:
                    if route.delay:
                        server._stop.wait(route.delay)
                    if route.handler is not None:
                        status, headers, payload = route.handler(recorded)
                    else:
                        status, headers, payload = route.status, dict(route.headers), route.body
                try:
                    self.send_response(status)
                    headers = dict(headers)
                    headers.setdefault("Content-Type", "application/json")
                    if "Content-Length" not in headers:
                        headers["Content-Length"] = str(len(payload))
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = _serve

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="replay-server", daemon=True)

    # -- routes ------------------------------------------------------------------------------------------
    def add(self, method: str, path: str, body: bytes = b"", *, status: int = 200,
            content_type: str = "application/json", headers: Optional[Dict[str, str]] = None,
            delay: float = 0.0, handler: Optional[Handler] = None, query: Optional[Dict[str, str]] = None) -> None:
        """Serve `body` (or `handler`'s answer) for `method path`; `query` narrows the match."""
        all_headers = {"Content-Type": content_type, **(headers or {})}
        route = Route(status, body, all_headers, delay, handler, query)
        with self._lock:
            self.routes.setdefault((method.upper(), path.rstrip("/") or "/"), []).insert(0, route)

    def _match(self, recorded: Recorded) -> Optional[Route]:
        with self._lock:
            candidates = self.routes.get((recorded.method, recorded.path.rstrip("/") or "/"), [])
            for route in candidates:
                if route.query is None or all(recorded.query.get(k) == v for k, v in route.query.items()):
                    return route
        return None

    def received(self, method: Optional[str] = None, path: Optional[str] = None) -> List[Recorded]:
        """Requests received, optionally filtered."""
        with self._lock:
            return [r for r in self.requests
                    if (method is None or r.method == method) and (path is None or r.path == path)]

    # -- life cycle --------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:40123"""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "ReplayServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()  # releases handlers sleeping on a delay
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "ReplayServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0, step: float = 0.02) -> bool:
    """Poll `predicate` until true or `timeout`; returns its last value."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(step)
    return predicate()
