"""The one place that makes HTTP sessions and turns transport failures into PortalErrors.

The QGIS layer fills `HttpSettings` from QGIS's network options (proxy, SSL, timeout); the core never reads
QGIS settings itself. Every search, quicklook, token and download request goes through `make_session`.
"""
from __future__ import annotations

import html
import json
import re
import threading
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, Dict, Optional, Tuple, Union
from urllib.parse import urlsplit

import requests

from .errors import ErrorKind, PortalError
from .portals.base import Request

USER_AGENT = "EO-Portals-QGIS-plugin/0.1"
MAX_ANSWER_BYTES = 64 * 1024 * 1024  # a search answer larger than this is refused, not read into memory


@dataclass(frozen=True)
class HttpSettings:
    """Network options handed in from QGIS (or from tests and the command line)."""

    # {"http": proxy URL, "https": proxy URL}, a URL holding the proxy's user name and password when it needs
    # them: kept out of repr()
    proxies: Dict[str, str] = field(default_factory=dict, repr=False)
    no_proxy: Tuple[str, ...] = ()
    verify: Union[bool, str] = True  # True, or a CA bundle path (QGIS auth manager CAs exported to a file)
    user_agent: str = USER_AGENT
    timeout: float = 30.0  # seconds a portal may take to answer a request
    trust_env: bool = False  # True: "use system proxy" (environment variables)


def excluded(url: str, no_proxy: str) -> bool:
    """Whether `url` bypasses the proxy: an entry with a scheme is a URL prefix (QGIS's "no proxy" list),
    any other entry a host name or domain as `no_proxy` environment variables write them."""
    entries = [entry.strip() for entry in (no_proxy or "").split(",") if entry.strip()]
    lowered = url.lower()
    if any(lowered.startswith(entry.lower()) for entry in entries if "://" in entry):
        return True
    hosts = ",".join(entry for entry in entries if "://" not in entry)
    return bool(hosts) and requests.utils.should_bypass_proxies(url, no_proxy=hosts)


class _Session(requests.Session):
    """A session that honours its own `no_proxy` list (requests applies it only from the environment)."""

    def merge_environment_settings(self, url, proxies, stream, verify, cert):  # noqa: D102
        merged = super().merge_environment_settings(url, proxies, stream, verify, cert)
        no_proxy = self.proxies.get("no_proxy")
        if no_proxy and excluded(url, no_proxy):
            merged["proxies"] = {}
        if verify is None and isinstance(self.verify, str):
            # With trust_env, requests lets REQUESTS_CA_BUNDLE replace the session's bundle, which holds the
            # authorities trusted in QGIS: keep it.
            merged["verify"] = self.verify
        return merged

    def rebuild_proxies(self, prepared_request, proxies):  # noqa: D102 (redirects: the same exclusions)
        rebuilt = super().rebuild_proxies(prepared_request, proxies)
        no_proxy = self.proxies.get("no_proxy")
        if no_proxy and excluded(prepared_request.url, no_proxy):
            prepared_request.headers.pop("Proxy-Authorization", None)
            return {}
        return rebuilt


class _HostnameAdapter(requests.adapters.HTTPAdapter):
    """HTTPS with the certificate's host name checked by urllib3 once OpenSSL has verified the chain, as urllib3 1.x
    always did: a certificate for another host is then reported with the names it is for ("hostname '127.0.0.1'
    doesn't match 'portal.example.org'"), where OpenSSL's own check, used by urllib3 2, names only the host asked
    for. Both checks refuse the same certificates; nothing is sent before they pass."""

    def build_connection_pool_key_attributes(self, request, verify, cert=None):  # noqa: D102 (requests >= 2.32)
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        if host_params.get("scheme") == "https" and host_params.get("host"):
            pool_kwargs["assert_hostname"] = host_params["host"]
        return host_params, pool_kwargs


def proxy_for(session: requests.Session, url: str) -> str:
    """'host:port' of the proxy `session` sends `url` through (never its credentials), '' when direct."""
    try:
        proxies = {key: value for key, value in session.proxies.items() if key != "no_proxy"}
        no_proxy = session.proxies.get("no_proxy", "")
        if no_proxy and excluded(url, no_proxy):
            return ""
        if session.trust_env:
            proxies = {**requests.utils.get_environ_proxies(url), **proxies}
        proxy = requests.utils.select_proxy(url, proxies)
    except Exception:  # only used to word a message: never let it hide the error being reported
        return ""
    if not proxy:
        return ""
    parts = urlsplit(proxy if "://" in proxy else "http://" + proxy)
    return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname or "")


def make_session(settings: Optional[HttpSettings] = None) -> requests.Session:
    """A requests session configured from `settings`; one per thread."""
    settings = settings or HttpSettings()
    session = _Session()
    session.trust_env = settings.trust_env
    session.headers["User-Agent"] = settings.user_agent
    if settings.proxies:
        session.proxies.update(settings.proxies)
    if settings.no_proxy:  # also with "use system proxy" (trust_env), where the proxy comes from the environment
        session.proxies["no_proxy"] = ",".join(settings.no_proxy)
    session.verify = settings.verify
    session.mount("https://", _HostnameAdapter())
    return session


_SECRET_PARAM = re.compile(r"(?i)([?&](?:token|access_token|apikey|api_key|key|sig|password|se|sv|sp|sr)=)[^&#\s'\"]+")


def mask_url(url: str) -> str:
    """A URL safe to log or show: secret-looking query values and user:password are masked."""
    url = re.sub(r"//[^/@\s]+:[^/@\s]+@", "//***:***@", url)
    return _SECRET_PARAM.sub(r"\1***", url)


def portal_message(body: bytes, limit: int = 300) -> str:
    """The portal's own error text from an error answer (JSON fields or the start of the text)."""
    text = body[:20000].decode("utf-8", "replace").strip()
    try:
        data: Any = json.loads(text)
    except ValueError:
        data = None
    candidates = []
    if isinstance(data, dict):
        for key in ("detail", "message", "error_description", "description", "error", "title", "msg"):
            value = data.get(key)
            if isinstance(value, dict):
                value = value.get("message") or value.get("detail") or json.dumps(value)
            if isinstance(value, list) and value:
                value = value[0].get("msg", value[0]) if isinstance(value[0], dict) else value[0]
            if value:
                candidates.append(str(value))
    if candidates:
        message = candidates[0]
    else:  # a web page (maintenance, error page): its visible text, not its head, scripts or entities
        text = re.sub(r"(?is)<(head|script|style)\b[^>]*>.*?</\1\s*>", " ", text)
        message = html.unescape(re.sub(r"<[^>]+>", " ", text))
    message = re.sub(r"\s+", " ", message).strip()
    return message[:limit]


def retry_after_seconds(value: Optional[str]) -> Optional[float]:
    """Seconds to wait from a Retry-After header (a number or an HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


PROXY_SETTINGS = "QGIS Settings > Options > Network"
CA_SETTINGS = "QGIS Settings > Options > Authentication > Certificate Manager"


def _proxy_refused(title: str, proxy: str, status: int) -> PortalError:
    where = f"the proxy {proxy}" if proxy else "the proxy"
    return PortalError(title, f"{where} wants a valid user name and password (HTTP {status}): check them in "
                              f"{PROXY_SETTINGS}", ErrorKind.AUTH, status, code="proxy_auth", details={"proxy": proxy})


def _forwarded(headers: Any) -> bool:
    """Whether an answer passed through a proxy from the server (proxies add Via to what they forward; an
    answer the proxy wrote itself, like its own refusal, has none)."""
    return any(str(key).lower() == "via" for key in (headers or {}))


# "Maximum number of 4 concurrent flows achieved by the user ..." (DHuS, sentinelsat's test for the same case)
_CONCURRENCY_CAP = re.compile(r"(?i)concurrent flows")


def error_for_status(title: str, status: int, body: bytes, headers: Any = None, proxy: str = "") -> PortalError:
    """The PortalError a user should read for an HTTP error status (`proxy`: 'host:port' the request went through)."""
    message = portal_message(body)
    suffix = f": {message}" if message else ""
    if status == 407:
        return _proxy_refused(title, proxy, status)
    if proxy and status == 401 and not _forwarded(headers):
        # Some proxies (tinyproxy up to 1.11.1) refuse wrong proxy credentials with 401, not 407.
        return PortalError(title, f"HTTP 401 from the proxy {proxy} or the portal: check the proxy's user name and "
                                  f"password ({PROXY_SETTINGS}) and your account", ErrorKind.AUTH, status, message,
                           code="proxy_or_account", details={"proxy": proxy})
    if status == 403 and _CONCURRENCY_CAP.search(message):
        # DHuS refuses a download beyond the account's parallel streams with 403, not 429: the account is fine
        return PortalError(title, f"too many parallel downloads for this account (HTTP 403), retry when others have "
                                  f"finished{suffix}", ErrorKind.THROTTLED, status, message,
                           code="parallel_downloads")
    if status in (401, 403):
        return PortalError(title, f"HTTP {status}, check your account{suffix}", ErrorKind.AUTH, status, message,
                           code="account")
    if status == 429:
        wait = retry_after_seconds((headers or {}).get("Retry-After"))
        hint = f", retry in {wait:.0f} s" if wait is not None else ""
        return PortalError(title, f"too many requests (HTTP 429){hint}{suffix}", ErrorKind.THROTTLED, status,
                           message, retry_after=wait, code="too_many_requests",
                           details={"seconds": round(wait) if wait is not None else None})
    if proxy and status in (500, 502, 503, 504) and not _forwarded(headers):
        return PortalError(title, f"the proxy {proxy} answered HTTP {status}{suffix}", ErrorKind.UNREACHABLE, status,
                           message, code="proxy_status", details={"proxy": proxy})
    if status >= 500:
        return PortalError(title, f"server error (HTTP {status}){suffix}", ErrorKind.HTTP, status, message,
                           code="server_error")
    return PortalError(title, f"HTTP {status}{suffix}", ErrorKind.HTTP, status, message, code="status")


def error_for_exception(title: str, exc: Exception, timeout: float, proxy: str = "") -> PortalError:
    """The PortalError for a transport failure (timeout, refused connection, TLS, proxy...)."""
    if isinstance(exc, requests.exceptions.ProxyError):
        where = f"the proxy {proxy}" if proxy else "the proxy"
        tunnel = re.search(r"Tunnel connection failed: (\d{3})\s*([^'\")]*)", str(exc))
        if tunnel and tunnel.group(1) in ("401", "407"):
            return _proxy_refused(title, proxy, int(tunnel.group(1)))
        if tunnel:
            return PortalError(title, f"{where} could not open a connection to the portal (HTTP {tunnel.group(1)} "
                                      f"{tunnel.group(2).strip()})".replace(" )", ")"), ErrorKind.UNREACHABLE,
                               int(tunnel.group(1)), code="proxy_tunnel", details={"proxy": proxy})
        return PortalError(title, f"cannot reach {where} ({_short(exc)})", ErrorKind.UNREACHABLE,
                           code="proxy_unreachable", details={"proxy": proxy, "reason": _short(exc)})
    if isinstance(exc, requests.exceptions.SSLError):
        reason = _certificate_problem(str(exc))
        hint = ""
        if any(text in reason for text in ("self-signed", "self signed", "local issuer", "unknown ca")):
            hint = f"; if the portal or your network uses its own certificate authority, add it in {CA_SETTINGS}"
        return PortalError(title, f"secure connection refused: the certificate could not be verified ({reason}){hint}",
                           ErrorKind.UNREACHABLE, code="certificate", details={"reason": reason, "own_ca": bool(hint)})
    if isinstance(exc, requests.exceptions.Timeout) or _read_timeout(exc):
        # requests reports a portal that stops sending in the middle of a body as a ConnectionError
        return timed_out(title, timeout)
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return PortalError(title, "the connection was cut in the middle of the answer", ErrorKind.UNREACHABLE,
                           code="cut")
    if isinstance(exc, requests.exceptions.ConnectionError):
        return PortalError(title, f"cannot be reached ({_short(exc)})", ErrorKind.UNREACHABLE, code="unreachable",
                           details={"reason": _short(exc)})
    if isinstance(exc, requests.exceptions.TooManyRedirects):
        return PortalError(title, "too many redirects", ErrorKind.HTTP, code="redirects")
    return PortalError(title, f"request failed ({_short(exc)})", ErrorKind.UNREACHABLE, code="request_failed",
                       details={"reason": _short(exc)})


def timed_out(title: str, seconds: float) -> PortalError:
    """The PortalError of a portal that took longer than `seconds`."""
    return PortalError(title, f"timed out after {seconds:.0f} s", ErrorKind.TIMEOUT, code="timeout",
                       details={"seconds": round(seconds)})


def _read_timeout(exc: Exception) -> bool:
    """Whether a ConnectionError is urllib3's read timeout raised while a body was streamed."""
    if not isinstance(exc, requests.exceptions.ConnectionError):
        return False
    return any("ReadTimeout" in type(arg).__name__ for arg in exc.args) or "Read timed out" in str(exc)


def _certificate_problem(text: str) -> str:
    """'certificate has expired', 'it is for portal.example.org, not 127.0.0.1'... from an SSLError's text."""
    text = mask_url(text)
    # OpenSSL 3's own host check (urllib3 2 without the adapter above): "IP address mismatch, certificate is not
    # valid for '127.0.0.1'. (_ssl.c:1130)", the host asked for in quotes
    match = re.search(r"certificate verify failed: ((?:IP address|Hostname) mismatch, [^'\"]*'([^']+)')", text)
    if match:
        return f"it is not valid for {match.group(2)}"
    match = re.search(r"certificate verify failed: (.+?)(?: \(_ssl\.c:\d+\))?['\")\]]", text)
    if match:
        return match.group(1).strip()
    match = re.search(r"hostname '([^']+)' doesn't match (.+?)\)*$", text)
    if match:
        return f"it is for {match.group(2).strip(chr(34) + chr(39) + ')')}, not {match.group(1)}"
    return _short(Exception(text))


def _short(exc: Exception) -> str:
    text = mask_url(str(exc))
    # urllib3 1.x quotes the OS error with ' and urllib3 2.x with ": stop at either.
    match = re.search(r"\[Errno -?\d+\] ([^'\")\]]+)|(Connection refused|Name or service not known"
                      r"|certificate verify failed[^'\")\]]*)", text)
    if match:
        return (match.group(1) or match.group(2)).strip()
    return text[:160]


def fetch(
    session: requests.Session,
    request: Request,
    title: str,
    *,
    timeout: float = 30.0,
    deadline: Optional[float] = None,
    cancel: Optional[threading.Event] = None,
    auth: Any = None,
    extra_headers: Optional[Dict[str, str]] = None,
    max_bytes: int = MAX_ANSWER_BYTES,
) -> bytes:
    """Send `request` and return the body of a 2xx answer, or raise a PortalError that names `title`.

    `deadline` (a time.monotonic() value) bounds the whole exchange, including a server that drips bytes.
    """
    headers = dict(request.headers)
    if extra_headers:
        headers.update(extra_headers)
    started = time.monotonic()
    budget = timeout if deadline is None else max(0.1, min(timeout, deadline - started))
    try:
        response = session.request(
            request.method,
            request.url,
            params=list(request.params) or None,
            json=request.json_body,
            headers=headers,
            timeout=(min(budget, 15.0), budget),
            stream=True,
            auth=auth,
        )
    except requests.exceptions.RequestException as exc:
        raise error_for_exception(title, exc, budget, proxy_for(session, request.url)) from None
    with response:
        chunks = []
        size = 0
        too_large = PortalError(title, f"the answer is larger than {max_bytes // (1024 * 1024)} MB", ErrorKind.PARSE,
                                code="too_large", details={"megabytes": max_bytes // (1024 * 1024)})
        declared = response.headers.get("Content-Length", "")
        if declared.strip().isdigit() and int(declared) > max_bytes:
            raise too_large  # said so up front: not a byte of it is read
        try:
            for chunk in response.iter_content(65536):
                if cancel is not None and cancel.is_set():
                    raise PortalError(title, "cancelled", ErrorKind.CANCELLED, code="cancelled")
                if time.monotonic() - started > budget:
                    raise timed_out(title, budget)
                size += len(chunk)
                if size > max_bytes:
                    raise too_large
                chunks.append(chunk)
        except requests.exceptions.RequestException as exc:
            if response.status_code >= 400:
                # A refusal that closes at once (a proxy not reading a POST body) breaks the body: the
                # status already says what went wrong.
                raise error_for_status(title, response.status_code, b"".join(chunks), response.headers,
                                       proxy_for(session, request.url)) from None
            received = _wire_bytes(response)
            if isinstance(exc, requests.exceptions.ChunkedEncodingError) and declared.strip().isdigit() \
                    and received is not None:
                raise _cut(title, received, int(declared)) from None  # urllib3 2: the body ended early
            raise error_for_exception(title, exc, budget, proxy_for(session, request.url)) from None
        body = b"".join(chunks)
        if response.status_code >= 400:
            raise error_for_status(title, response.status_code, body, response.headers,
                                   proxy_for(session, request.url))
        received = _wire_bytes(response)
        if declared.strip().isdigit() and received is not None and received < int(declared):
            # urllib3 1.26 ends a body cut short without an error: say so, rather than "not JSON"
            raise _cut(title, received, int(declared))
        return body


def _cut(title: str, received: int, declared: int) -> PortalError:
    return PortalError(title, f"the connection was cut after {received} of {declared} bytes", ErrorKind.UNREACHABLE,
                       code="cut_after", details={"received": received, "declared": declared})


def _wire_bytes(response: requests.Response) -> Optional[int]:
    """Body bytes read from the connection (before any decompression), when the transport says."""
    try:
        value = response.raw.tell()
    except Exception:  # noqa: BLE001 - a transport that cannot say is simply not checked
        return None
    return value if isinstance(value, int) else None
