"""A real HTTP proxy for tests: Debian's tinyproxy, on 127.0.0.1 only, with a config and a log of its own.

    with TinyProxy(tmp_path / "proxy", user="alice", password="Pr0xy-pass") as proxy:
        proxy.host, proxy.port          # 127.0.0.1, a free port
        proxy.requests()                # [("GET", "http://127.0.0.1:41000/earth_search/v1/search"), ...]
        proxy.requests_to(server.url)   # the same, for one server (plain HTTP by URL, HTTPS by CONNECT host:port)
        proxy.via                       # the name it writes in the Via header of what it forwards

The log is what proves traffic went through the proxy: tinyproxy writes one ``Request`` line per request it
receives, before any authentication check, and one ``Established connection`` line per connection it opens to
a server. Forwarded requests and answers carry ``Via: 1.1 <via> (tinyproxy/...)``, so a test server sees it too.
Without tinyproxy the calling test is skipped with the reason (``make test`` installs the Debian package).

tinyproxy 1.11.1 (Debian 12) refuses a wrong user name or password with ``401`` (not ``407``; fixed upstream
in tinyproxy PR 549), and a missing one with ``407 Proxy Authentication Required``.
"""
from __future__ import annotations

import re
import secrets
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Iterable, List, Optional, Tuple
from urllib.parse import urlsplit

import pytest

_REQUEST = re.compile(r"Request \(file descriptor \d+\): (\S+) (\S+) HTTP/\d\.\d")
_ESTABLISHED = re.compile(r'Established connection to host "([^"]+)"')
# tinyproxy's config grammar takes only these characters in BasicAuth (conf.c: ALNUM)
_CONFIG_WORD = re.compile(r"[-A-Za-z0-9._]+")


def tinyproxy_binary() -> str:
    """tinyproxy's path, or skip the calling test."""
    for candidate in (shutil.which("tinyproxy"), "/usr/bin/tinyproxy", "/usr/sbin/tinyproxy"):
        if candidate and Path(candidate).exists():
            return candidate
    pytest.skip("tinyproxy is not installed (Debian package tinyproxy; `make test` installs it)")
    raise AssertionError("unreachable")


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TinyProxy:
    """tinyproxy in the foreground (``-d``) on 127.0.0.1, allowing only 127.0.0.1, optionally with BasicAuth."""

    def __init__(self, folder: Path, user: str = "", password: str = "") -> None:
        for word in (user, password):
            if word and not _CONFIG_WORD.fullmatch(word):
                raise ValueError(f"tinyproxy's config cannot hold {word!r}: use letters, digits, '-', '.', '_'")
        if bool(user) != bool(password):
            raise ValueError("give both a user and a password, or neither")
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.user, self.password = user, password
        self.host = "127.0.0.1"
        self.port = 0
        self.via = f"eo-test-proxy-{secrets.token_hex(4)}"
        self.log_path = self.folder / "tinyproxy.log"
        self._process: Optional[subprocess.Popen] = None
        self._offset = 0

    # -- life cycle --------------------------------------------------------------------------------------
    def start(self) -> "TinyProxy":
        """Start on a free port; retried on another port if that one was taken in between."""
        binary = tinyproxy_binary()
        last_error = ""
        for _attempt in range(5):
            self.port = free_port()
            config = self.folder / "tinyproxy.conf"
            lines = [
                f"Port {self.port}",
                "Listen 127.0.0.1",
                "Timeout 60",
                f'LogFile "{self.log_path}"',
                "LogLevel Info",
                "MaxClients 100",
                "Allow 127.0.0.1",
                f'ViaProxyName "{self.via}"',
            ]
            if self.user:
                lines.append(f"BasicAuth {self.user} {self.password}")
            config.write_text("\n".join(lines) + "\n", encoding="utf-8")
            stderr = open(self.folder / "stderr.txt", "wb")
            self._process = subprocess.Popen([binary, "-d", "-c", str(config)], stdout=stderr,
                                             stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            stderr.close()
            if self._wait_listening():
                self._offset = 0
                return self
            last_error = (self.folder / "stderr.txt").read_text(errors="replace")[-1000:]
            self.stop()
        raise RuntimeError(f"tinyproxy did not start: {last_error}")

    def _wait_listening(self, timeout: float = 10.0) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self._process is None or self._process.poll() is not None:
                return False
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5):
                    return True
            except OSError:
                time.sleep(0.05)
        return False

    def stop(self) -> None:
        """Stop the process this object started (and only it)."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)

    def __enter__(self) -> "TinyProxy":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- where it is -------------------------------------------------------------------------------------
    @property
    def address(self) -> str:
        """'127.0.0.1:<port>', as messages name the proxy."""
        return f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        """http://127.0.0.1:<port>, without credentials."""
        return f"http://{self.address}"

    # -- what went through it ----------------------------------------------------------------------------
    def log_text(self) -> str:
        """The log written since start (or since the last `mark()`)."""
        try:
            data = self.log_path.read_bytes()
        except FileNotFoundError:
            return ""
        return data[self._offset:].decode("utf-8", "replace")

    def mark(self) -> None:
        """Forget what was logged so far: later calls only see what comes after."""
        try:
            self._offset = self.log_path.stat().st_size
        except FileNotFoundError:
            self._offset = 0

    def requests(self, settle: float = 0.3) -> List[Tuple[str, str]]:
        """(method, target) of every request the proxy received: a URL for plain HTTP, host:port for CONNECT.

        Waits up to `settle` seconds for lines still being written after the client got its answer.
        """
        end = time.monotonic() + settle
        previous = None
        while True:
            found = _REQUEST.findall(self.log_text())
            if found == previous or time.monotonic() >= end:
                return found
            previous = found
            time.sleep(0.05)

    def requests_to(self, base_url: str) -> List[Tuple[str, str]]:
        """The requests for one server: plain-HTTP URLs under `base_url`, or CONNECTs to its host:port."""
        parts = urlsplit(base_url)
        authority = f"{parts.hostname}:{parts.port or (443 if parts.scheme == 'https' else 80)}"
        return [(method, target) for method, target in self.requests()
                if target.startswith(base_url.rstrip("/") + "/") or target == base_url
                or (method == "CONNECT" and target == authority)]

    def connections(self) -> List[str]:
        """Hosts the proxy opened a connection to (after authentication passed)."""
        return _ESTABLISHED.findall(self.log_text())


def set_qgis_proxy(settings, *, enabled: bool = True, proxy_type: str = "HttpProxy", host: str = "",
                   port: object = "", user: str = "", password: str = "", authcfg: str = "",
                   no_proxy_urls: Iterable[str] = ()) -> None:
    """Write the proxy keys exactly as QGIS 3.22's Settings > Options > Network saves them (qgsoptions.cpp:
    port as the text of its field, the exclusion list as a string list, the type as the combo box text)."""
    settings.setValue("proxy/authcfg", authcfg)
    settings.setValue("proxy/proxyEnabled", enabled)
    settings.setValue("proxy/proxyHost", host)
    settings.setValue("proxy/proxyPort", str(port))
    settings.setValue("proxy/proxyUser", user)
    settings.setValue("proxy/proxyPassword", password)
    settings.setValue("proxy/proxyType", proxy_type)
    settings.setValue("proxy/noProxyUrls", list(no_proxy_urls))
    settings.sync()
