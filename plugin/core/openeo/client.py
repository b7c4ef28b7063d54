"""A plain REST client for openEO API 1.2 back-ends, on `requests` (no `openeo` package).

    client = OpenEOClient.connect("https://openeo.dataspace.copernicus.eu", "CDSE openEO", bearer=bearer)
    client.capabilities(); client.collection("SENTINEL2_L2A"); client.processes()
    problems = client.check(process)                 # what the back-end lacks, in words; [] when it can run
    data = client.run_sync(process, max_bytes=...)   # POST /result: small requests
    job_id = client.create_job(process, title="...") # POST /jobs, then start_job, job, logs, cancel, delete
    job = client.wait(job_id, on_progress=..., cancel=event)   # polls until finished/error/canceled
    assets = result_assets(client.results(job_id))   # the STAC results document -> download engine assets

Sign-in (`bearer`): HTTP Basic gives ``basic//<token>`` (`BasicBearer`), OpenID Connect ``oidc/<provider>/<token>``
(`OidcBearer` over any token source with ``token()`` and ``invalidate()``: the CDSE account's `OidcAuth`, or
`DeviceTokens` from the device-code flow in `oidc`). A 401 with an expired or invalid token makes the bearer
renew its token once (refresh grant) and the request go on: a poll does not fail because the token aged.

Errors are PortalErrors naming the back-end: 401 sign-in, 402/403 credits or permissions, 5xx and unreachable
back-end, the back-end's own openEO error code and message otherwise. Secrets never appear in their texts.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple
from urllib.parse import urljoin, urlsplit

import requests

from ..auth import Authenticator, same_site
from ..errors import ErrorKind, PortalError
from ..http import HttpSettings, error_for_exception, error_for_status, make_session, mask_url
from ..portals.base import Request
from ..portals.stac import parse_multihash
from ..product import Asset
from .check import check_against, map_collections
from .graph import backend_format, collections_used
from .oidc import pause

LOG = logging.getLogger("eo_portals.openeo")
API_VERSION = "1.2"
MAX_JSON_BYTES = 64 * 1024 * 1024
SYNC_MAX_BYTES = 50 * 1024 * 1024  # a synchronous result larger than this is refused: run it as a batch job
FINAL_STATES = ("finished", "error", "canceled")

class Bearer:
    """What goes after ``Authorization: Bearer `` for a back-end; the base is anonymous."""

    def value(self, client: "OpenEOClient") -> str:
        """The bearer token (empty: send no Authorization header)."""
        return ""

    def invalidate(self, sent_at: Optional[float] = None) -> bool:
        """The back-end refused the token: forget it; True when a new one may be had without the user."""
        return False

    def secrets(self) -> Tuple[str, ...]:
        """Secret values to mask in any text."""
        return ()


class BasicBearer(Bearer):
    """HTTP Basic: ``GET /credentials/basic`` once, then ``basic//<access_token>``."""

    def __init__(self, username: str, password: str):
        self._username = username
        self._password = password
        self._token: Optional[str] = None  # none until the first sign-in
        self._obtained = 0.0
        self._lock = threading.Lock()

    def value(self, client: "OpenEOClient") -> str:
        with self._lock:
            if not self._token:
                if not (self._username and self._password):
                    raise PortalError(client.title, "an account is needed: add the user name and password of this "
                                                    "back-end in EO Portals settings", ErrorKind.AUTH)
                data = client._call("GET", "/credentials/basic", basic=(self._username, self._password),
                                    sign_in=True)
                token = data.get("access_token") if isinstance(data, dict) else None
                if not isinstance(token, str) or not token:
                    raise PortalError(client.title, "the sign-in gave no access token", ErrorKind.PARSE)
                self._token = token
                self._obtained = time.monotonic()
            return "basic//" + self._token

    def invalidate(self, sent_at: Optional[float] = None) -> bool:
        with self._lock:
            if sent_at is None or self._obtained <= sent_at:
                self._token = None
            return bool(self._username and self._password)

    def secrets(self) -> Tuple[str, ...]:
        return tuple(s for s in (self._password, self._token or "") if s)


class OidcBearer(Bearer):
    """OpenID Connect: ``oidc/<provider id>/<access token>`` from a token source (``token()``, ``invalidate()``),
    e.g. the CDSE account's `OidcAuth` shared with downloads, or `oidc.DeviceTokens`."""

    def __init__(self, provider_id: str, tokens: Any):
        self.provider_id = provider_id
        self.tokens = tokens

    def value(self, client: "OpenEOClient") -> str:
        return f"oidc/{self.provider_id}/{self.tokens.token()}"

    def invalidate(self, sent_at: Optional[float] = None) -> bool:
        return bool(self.tokens.invalidate(sent_at))

    def secrets(self) -> Tuple[str, ...]:
        secrets = getattr(self.tokens, "secrets", None)
        return tuple(secrets()) if callable(secrets) else ()


@dataclass
class BackendJob:
    """A batch job as the back-end describes it (``GET /jobs/{id}``)."""

    id: str
    status: str
    progress: Optional[float] = None
    title: str = ""
    created: str = ""
    updated: str = ""
    costs: Optional[float] = None
    usage: Dict[str, Any] = field(default_factory=dict)
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def done(self) -> bool:
        """Finished, failed or canceled: polling stops."""
        return self.status in FINAL_STATES

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "BackendJob":
        """From a ``GET /jobs/{id}`` body or an entry of ``GET /jobs``."""
        if not isinstance(data, dict) or not data.get("id"):
            raise ValueError("not a job")
        progress = data.get("progress")
        costs = data.get("costs")
        return cls(id=str(data["id"]), status=str(data.get("status") or "created"),
                   progress=float(progress) if isinstance(progress, (int, float)) else None,
                   title=str(data.get("title") or ""), created=str(data.get("created") or ""),
                   updated=str(data.get("updated") or ""),
                   costs=float(costs) if isinstance(costs, (int, float)) else None,
                   usage=data.get("usage") if isinstance(data.get("usage"), dict) else {}, raw=data)

    def describe(self) -> str:
        """'running, 50 %, 1.2 credits' — what a jobs list shows."""
        parts = [self.status]
        if self.progress is not None and self.status in ("queued", "running", "finished"):
            parts.append(f"{self.progress:.0f} %")
        if self.costs is not None:
            parts.append(f"{self.costs:g} credits")
        return ", ".join(parts)


class JobFailed(PortalError):
    """A batch job ended in error; `logs` holds the back-end's error log entries."""

    def __init__(self, portal: str, job_id: str, logs: List[Dict[str, Any]]):
        self.job_id = job_id
        self.logs = logs
        first = next((str(entry.get("message", "")) for entry in logs if entry.get("level") == "error"), "")
        first = first or (str(logs[0].get("message", "")) if logs else "")
        text = f"the job {job_id} failed" + (f": {first[:400]}" if first else " (the back-end gave no log)")
        super().__init__(portal, text, ErrorKind.HTTP, detail="\n".join(str(e.get("message", "")) for e in logs))


class OpenEOClient:
    """One back-end at its versioned API root (``https://host/openeo/1.2``)."""

    def __init__(self, url: str, title: str, *, bearer: Optional[Bearer] = None,
                 settings: Optional[HttpSettings] = None, session: Optional[requests.Session] = None,
                 roots: Optional[Dict[str, str]] = None):
        self.url = url.rstrip("/")
        # URL given -> the API root `discover` found there, shared by the clients of one owner (the openEO tab
        # makes one per call), so that a back-end is discovered once, not at every status poll
        self.roots = roots if roots is not None else {}
        self.title = title
        self.bearer = bearer or Bearer()
        self.settings = settings or HttpSettings()
        self.session = session or make_session(self.settings)
        self._cache: Dict[str, Any] = {}
        self.sent: List[Tuple[str, str, Any]] = []  # (method, path, JSON body) of every request, for the log

    # ---- discovery ------------------------------------------------------------------------------------
    @classmethod
    def connect(cls, url: str, title: str, **kwargs: Any) -> "OpenEOClient":
        """A client on the API 1.2 root of `url` (see `discover`)."""
        client = cls(url, title, **kwargs)
        client.discover()
        return client

    def discover(self) -> str:
        """Move to the API root: the URL as given when it already is one (``…/1.2``), else the newest production
        1.x version of ``/.well-known/openeo``; a back-end without that document is taken at the URL given."""
        if self._cache.get("discovered"):
            return self.url
        given = self.url
        if given in self.roots:
            self.url = self.roots[given]
            self._cache["discovered"] = True
            return self.url
        path = urlsplit(self.url).path.rstrip("/")
        if path.split("/")[-1:] not in (["1.2"], ["1.2.0"]):
            parts = urlsplit(self.url)
            try:
                versions = self._call("GET", f"{parts.scheme}://{parts.netloc}/.well-known/openeo", absolute=True,
                                      auth=False)
            except PortalError as exc:
                if exc.status != 404:
                    raise
                versions = None
            if versions is not None:
                chosen = choose_version(versions)
                if chosen is None:
                    raise PortalError(self.title, "offers no openEO API 1.x version this plugin speaks (it needs 1.2, "
                                                  "1.1 or 1.0)", ErrorKind.INVALID)
                self.url = chosen.rstrip("/")
        self._cache["discovered"] = True
        self.roots[given] = self.url
        return self.url

    # ---- transport ------------------------------------------------------------------------------------
    def mask(self, text: str) -> str:
        """`text` without any secret of the bearer."""
        text = mask_url(str(text))
        for secret in sorted(self.bearer.secrets(), key=len, reverse=True):
            if secret and len(secret) >= 3:
                text = text.replace(secret, "***")
        return text

    def _call(self, method: str, path: str, *, body: Any = None, auth: bool = True, absolute: bool = False,
              basic: Optional[Tuple[str, str]] = None, sign_in: bool = False, raw: bool = False,
              max_bytes: int = MAX_JSON_BYTES, params: Optional[Dict[str, Any]] = None) -> Any:
        """Send one request; the decoded JSON (or (headers, bytes) with `raw`); PortalError otherwise.

        A 401 to a request sent with a token makes the bearer renew it once and the request go again.
        """
        url = path if absolute else self.url + path
        for attempt in (1, 2):
            headers = {"Accept": "application/json"} if not raw else {}
            if auth and not basic:
                token = self.bearer.value(self)
                if token:
                    headers["Authorization"] = "Bearer " + token
            sent_at = time.monotonic()
            self.sent.append((method, path, body))
            try:
                answer = self.session.request(method, url, json=body, headers=headers, params=params,
                                              auth=basic, timeout=(min(15.0, self.settings.timeout),
                                                                   self.settings.timeout), stream=True)
            except requests.exceptions.RequestException as exc:
                error = error_for_exception(self.title, exc, self.settings.timeout)
                raise PortalError(self.title, self.mask(error.message), error.kind) from None
            with answer:
                content = _read(answer, max_bytes, self.title)
                if answer.status_code == 401 and auth and not basic and attempt == 1 \
                        and "Authorization" in headers and self.bearer.invalidate(sent_at):
                    LOG.info("%s: token refused (%s), renewing it", self.title, _error_code(content))
                    continue
                if answer.status_code >= 400:
                    raise self._error(answer.status_code, content, answer.headers, sign_in)
                if raw:
                    return answer.headers, content
                if not content.strip():
                    return answer.headers
                try:
                    return json.loads(content)
                except ValueError:
                    raise PortalError(self.title, f"the answer to {method} {path if not absolute else url} is not "
                                                  "JSON", ErrorKind.PARSE) from None
        raise AssertionError("unreachable")

    def _error(self, status: int, content: bytes, headers: Any, sign_in: bool) -> PortalError:
        code, message = _openeo_error(content)
        said = self.mask(f"{code}: {message}" if code and message else message or code)
        said_suffix = f" ({said})" if said else ""
        if status == 401 or code in ("TokenInvalid", "AuthenticationRequired", "AuthenticationSchemeInvalid",
                                     "CredentialsInvalid"):
            if sign_in or code == "CredentialsInvalid":
                text = "the sign-in was refused: check the user name and password in EO Portals settings"
            else:
                text = "the sign-in expired or was refused: sign in again in EO Portals settings"
            return PortalError(self.title, text + said_suffix, ErrorKind.AUTH, status, said)
        if status == 402:
            return PortalError(self.title, "the account has no credits left for this request (HTTP 402)"
                               + said_suffix, ErrorKind.AUTH, status, said)
        if status == 403:
            return PortalError(self.title, "the back-end refused the request: not enough credits or no permission "
                                           "for it (HTTP 403)" + said_suffix, ErrorKind.AUTH, status, said)
        if status >= 500 or status == 429:
            error = error_for_status(self.title, status, content, headers)
            return PortalError(self.title, self.mask(error.message), error.kind, status, said, error.retry_after)
        return PortalError(self.title, f"refused the request (HTTP {status}){said_suffix}", ErrorKind.HTTP, status,
                           said)

    # ---- metadata -------------------------------------------------------------------------------------
    def capabilities(self) -> Dict[str, Any]:
        """``GET /``: API version, endpoints, billing."""
        if "capabilities" not in self._cache:
            data = self._call("GET", "/", auth=False)
            if not isinstance(data, dict) or "api_version" not in data:
                raise PortalError(self.title, "does not answer as an openEO back-end", ErrorKind.PARSE)
            self._cache["capabilities"] = data
        return self._cache["capabilities"]

    def supports(self, method: str, path: str) -> bool:
        """Whether the capabilities list the endpoint (``POST /jobs``...)."""
        for endpoint in self.capabilities().get("endpoints") or []:
            if endpoint.get("path") == path and method.upper() in [m.upper() for m in endpoint.get("methods", [])]:
                return True
        return False

    def collections(self) -> List[Dict[str, Any]]:
        """``GET /collections`` (every page)."""
        if "collections" not in self._cache:
            found: List[Dict[str, Any]] = []
            url: Optional[str] = self.url + "/collections"
            for _ in range(50):
                data = self._call("GET", url, absolute=True, auth=False)
                found.extend(c for c in (data.get("collections") or []) if isinstance(c, dict))
                url = _next_link(data)
                if not url:
                    break
            self._cache["collections"] = found
        return self._cache["collections"]

    def collection(self, collection_id: str) -> Dict[str, Any]:
        """``GET /collections/{id}``: the full metadata (bands, extents)."""
        key = "collection:" + collection_id
        if key not in self._cache:
            try:
                self._cache[key] = self._call("GET", f"/collections/{collection_id}", auth=False)
            except PortalError as exc:
                if exc.status == 404:
                    raise PortalError(self.title, f"has no collection {collection_id}", ErrorKind.INVALID,
                                      404) from None
                raise
        return self._cache[key]

    def processes(self) -> Dict[str, Dict[str, Any]]:
        """``GET /processes``: process id -> its description (every page)."""
        if "processes" not in self._cache:
            found: Dict[str, Dict[str, Any]] = {}
            url: Optional[str] = self.url + "/processes"
            for _ in range(50):
                data = self._call("GET", url, absolute=True, auth=False)
                for process in data.get("processes") or []:
                    if isinstance(process, dict) and process.get("id"):
                        found[process["id"]] = process
                url = _next_link(data)
                if not url:
                    break
            self._cache["processes"] = found
        return self._cache["processes"]

    def output_formats(self) -> Dict[str, Any]:
        """``GET /file_formats`` output formats (names as the back-end spells them)."""
        if "formats" not in self._cache:
            data = self._call("GET", "/file_formats", auth=False)
            self._cache["formats"] = data.get("output") or {} if isinstance(data, dict) else {}
        return self._cache["formats"]

    def unified_collections(self) -> Dict[str, str]:
        """Unified collection id -> this back-end's collection id, from its /collections."""
        return map_collections(c.get("id", "") for c in self.collections())

    # ---- checking -------------------------------------------------------------------------------------
    def check(self, process: Dict[str, Any]) -> List[str]:
        """What the back-end lacks to run `process`, in words a user reads; [] when it has everything. A
        save_result format the back-end spells otherwise ("GeoTIFF" for GTiff) is renamed in `process` to its
        spelling."""
        graph = process["process_graph"]
        problems = check_against(graph, self.processes(), self._collection_metadata(graph), self.title)
        formats = self.formats_or_none()
        if formats is not None:
            for node in graph.values():
                if node["process_id"] == "save_result":
                    wanted = str(node["arguments"].get("format", ""))
                    spelled = backend_format(formats, wanted)
                    if spelled is None:
                        problems.append(f"{self.title} cannot save results as {wanted} (it offers "
                                        f"{', '.join(sorted(formats)) or 'no output format'})")
                    else:
                        node["arguments"]["format"] = spelled
        return problems

    def formats_or_none(self) -> Optional[Dict[str, Any]]:
        """The output formats, or None when the back-end has no ``/file_formats`` (404)."""
        try:
            return self.output_formats()
        except PortalError as exc:
            if exc.status == 404:
                return None
            raise

    def _collection_metadata(self, graph: Dict[str, Any]) -> Dict[str, Optional[Dict[str, Any]]]:
        metadata: Dict[str, Optional[Dict[str, Any]]] = {}
        for collection_id in collections_used(graph):
            try:
                metadata[collection_id] = self.collection(collection_id)
            except PortalError as exc:
                if exc.status != 404:
                    raise
                metadata[collection_id] = None
        return metadata

    def validate(self, process: Dict[str, Any]) -> List[str]:
        """``POST /validation`` when the back-end offers it: the errors it finds (messages)."""
        if not self.supports("POST", "/validation"):
            return []
        data = self._call("POST", "/validation", body=process)
        return [f"{e.get('code', '')}: {e.get('message', '')}".strip(": ") for e in data.get("errors") or []]

    # ---- running --------------------------------------------------------------------------------------
    def run_sync(self, process: Dict[str, Any], max_bytes: int = SYNC_MAX_BYTES) -> Tuple[str, bytes]:
        """``POST /result``: (media type, bytes) of a small result; larger than `max_bytes` is refused."""
        try:
            headers, content = self._call("POST", "/result", body={"process": process}, raw=True,
                                          max_bytes=max_bytes)
        except PortalError as exc:
            if exc.kind is ErrorKind.PARSE and "larger than" in exc.message:
                raise PortalError(self.title, f"the result is larger than {max_bytes // (1024 * 1024)} MB: run it "
                                              "as a batch job", ErrorKind.INVALID) from None
            raise
        return headers.get("Content-Type", ""), content

    def create_job(self, process: Dict[str, Any], title: str = "", description: str = "",
                   budget: Optional[float] = None) -> str:
        """``POST /jobs``: the new job's id (from the ``OpenEO-Identifier`` header or ``Location``)."""
        body: Dict[str, Any] = {"process": process}
        if title:
            body["title"] = title
        if description:
            body["description"] = description
        if budget is not None:
            body["budget"] = budget
        headers = self._call("POST", "/jobs", body=body, raw=True)[0]
        job_id = headers.get("OpenEO-Identifier") or headers.get("Location", "").rstrip("/").rsplit("/", 1)[-1]
        if not job_id:
            raise PortalError(self.title, "created a job but did not say its id", ErrorKind.PARSE)
        return job_id

    def start_job(self, job_id: str) -> None:
        """``POST /jobs/{id}/results``: queue the job for processing."""
        self._call("POST", f"/jobs/{job_id}/results", raw=True)

    def job(self, job_id: str) -> BackendJob:
        """``GET /jobs/{id}``."""
        data = self._call("GET", f"/jobs/{job_id}")
        try:
            return BackendJob.from_json(data)
        except ValueError:
            raise PortalError(self.title, f"gave an unexpected description of the job {job_id}",
                              ErrorKind.PARSE) from None

    def jobs(self) -> List[BackendJob]:
        """``GET /jobs``: the account's jobs."""
        data = self._call("GET", "/jobs")
        jobs = []
        for entry in data.get("jobs") or []:
            try:
                jobs.append(BackendJob.from_json(entry))
            except ValueError:
                continue
        return jobs

    def logs(self, job_id: str, level: str = "") -> List[Dict[str, Any]]:
        """``GET /jobs/{id}/logs`` (every page), optionally only from `level` up."""
        entries: List[Dict[str, Any]] = []
        params = {"level": level} if level else None
        url: Optional[str] = self.url + f"/jobs/{job_id}/logs"
        for _ in range(20):
            data = self._call("GET", url, absolute=True, params=params)
            entries.extend(e for e in data.get("logs") or [] if isinstance(e, dict))
            url, params = _next_link(data), None
            if not url:
                break
        return entries

    def cancel(self, job_id: str) -> None:
        """``DELETE /jobs/{id}/results``: stop the processing."""
        self._call("DELETE", f"/jobs/{job_id}/results", raw=True)

    def delete(self, job_id: str) -> None:
        """``DELETE /jobs/{id}``: the job and its results."""
        self._call("DELETE", f"/jobs/{job_id}", raw=True)

    def results(self, job_id: str) -> Dict[str, Any]:
        """``GET /jobs/{id}/results``: the STAC document of a finished job's results."""
        try:
            return self._call("GET", f"/jobs/{job_id}/results")
        except PortalError as exc:
            if exc.status == 424:
                raise JobFailed(self.title, job_id, self._error_logs(job_id)) from None
            raise

    def _error_logs(self, job_id: str) -> List[Dict[str, Any]]:
        try:
            return self.logs(job_id, level="error")
        except PortalError:
            return []

    def wait(self, job_id: str, *, interval: float = 10.0, max_interval: float = 60.0,
             cancel: Optional[threading.Event] = None, on_progress: Optional[Callable[[BackendJob], None]] = None,
             sleep: Optional[Callable[[float], None]] = None, cancel_remote: bool = True) -> BackendJob:
        """Poll ``GET /jobs/{id}`` until it is finished (returned), failed (JobFailed with the error logs) or
        canceled. `cancel` stops the wait, and cancels the job on the back-end when `cancel_remote`. Transient
        failures of one poll (timeouts, 5xx) are retried with back-off; an expired token is renewed."""
        delay = interval
        failures = 0
        while True:
            if cancel is not None and cancel.is_set():
                if cancel_remote:
                    try:
                        self.cancel(job_id)
                    except PortalError as exc:
                        LOG.warning("%s", exc)
                raise PortalError(self.title, f"the job {job_id} was cancelled", ErrorKind.CANCELLED)
            try:
                job = self.job(job_id)
                failures = 0
            except PortalError as exc:
                if exc.kind in (ErrorKind.UNREACHABLE, ErrorKind.TIMEOUT, ErrorKind.THROTTLED) or \
                        (exc.status or 0) >= 500:
                    failures += 1
                    if failures > 5:
                        raise
                    LOG.info("%s: poll failed (%s), trying again", self.title, exc.message)
                    job = None
                else:
                    raise
            if job is not None:
                if on_progress is not None:
                    on_progress(job)
                if job.status == "finished":
                    return job
                if job.status == "error":
                    raise JobFailed(self.title, job_id, self._error_logs(job_id))
                if job.status == "canceled":
                    raise PortalError(self.title, f"the job {job_id} was canceled", ErrorKind.CANCELLED)
            pause(delay, sleep, cancel)
            delay = min(max_interval, delay * 1.5)


# ---- pure helpers ---------------------------------------------------------------------------------------
def choose_version(document: Any) -> Optional[str]:
    """The URL of the best API version in a ``/.well-known/openeo`` document: 1.2 first, then 1.1, 1.0;
    production versions before others."""
    versions = document.get("versions") if isinstance(document, dict) else None
    best: Optional[Tuple[Tuple[int, ...], bool, str]] = None
    for entry in versions or []:
        if not isinstance(entry, dict) or not isinstance(entry.get("url"), str):
            continue
        try:
            number = tuple(int(p) for p in str(entry.get("api_version", "")).split(".")[:3])
        except ValueError:
            continue
        if not number or number[0] != 1:
            continue
        key = (number, bool(entry.get("production", True)), entry["url"])
        if best is None or (key[1], key[0]) > (best[1], best[0]):
            best = key
    return best[2] if best else None


def multihash_checksum(value: Any) -> Optional[Tuple[str, str]]:
    """(algorithm, hex digest) of a STAC ``file:checksum`` multihash (the STAC adapter's reading)."""
    return parse_multihash(value)


def result_assets(document: Dict[str, Any]) -> Dict[str, Asset]:
    """The downloadable files of a results document (STAC Collection or Item; assets at the top and in
    items embedded or linked from it are not followed), as download-engine assets keyed by name."""
    assets: Dict[str, Asset] = {}
    if not isinstance(document, dict):
        return assets
    sources = [document.get("assets") or {}]
    for feature in document.get("features") or []:
        if isinstance(feature, dict):
            sources.append(feature.get("assets") or {})
    for group in sources:
        if not isinstance(group, dict):
            continue
        for key, entry in group.items():
            if not isinstance(entry, dict) or not isinstance(entry.get("href"), str):
                continue
            href = entry["href"]
            if not href.startswith(("http://", "https://")):
                continue
            size = entry.get("file:size")
            assets[str(key)] = Asset(key=str(key), href=href, title=str(entry.get("title") or key),
                                     media_type=str(entry.get("type") or ""),
                                     roles=tuple(str(r) for r in entry.get("roles") or ()),
                                     size=int(size) if isinstance(size, int) and size >= 0 else None,
                                     checksum=multihash_checksum(entry.get("file:checksum")))
    return assets


def item_links(document: Dict[str, Any]) -> List[str]:
    """Links to result items (``rel: item``) of a results document, for back-ends that do not embed assets."""
    links = []
    for link in document.get("links") or [] if isinstance(document, dict) else []:
        if isinstance(link, dict) and link.get("rel") == "item" and isinstance(link.get("href"), str):
            links.append(link["href"])
    return links


class BearerAuth(Authenticator):
    """The download engine's view of a back-end's sign-in: the bearer on result downloads of the same site
    (signed result URLs need none, and the engine never sends it to another site)."""

    def __init__(self, client: OpenEOClient):
        super().__init__(client.title)
        self.client = client

    def headers_for(self, url: str, origin: str) -> Dict[str, str]:
        if not same_site(url, origin) or not same_site(url, self.client.url):
            return {}
        token = self.client.bearer.value(self.client)
        return {"Authorization": "Bearer " + token} if token else {}

    def invalidate(self, sent_at: Optional[float] = None) -> bool:
        return self.client.bearer.invalidate(sent_at)

    def secrets(self) -> Tuple[str, ...]:
        return self.client.bearer.secrets()


def _read(answer: requests.Response, max_bytes: int, title: str) -> bytes:
    declared = answer.headers.get("Content-Length", "")
    too_large = PortalError(title, f"the answer is larger than {max_bytes // (1024 * 1024)} MB", ErrorKind.PARSE)
    if declared.strip().isdigit() and int(declared) > max_bytes:
        raise too_large
    chunks, size = [], 0
    try:
        for chunk in answer.iter_content(65536):
            size += len(chunk)
            if size > max_bytes:
                raise too_large
            chunks.append(chunk)
    except requests.exceptions.RequestException as exc:
        raise error_for_exception(title, exc, 0) from None
    return b"".join(chunks)


def _openeo_error(content: bytes) -> Tuple[str, str]:
    """(code, message) of an openEO error body; ('', start of the text) otherwise."""
    try:
        data = json.loads(content[:200000])
    except ValueError:
        data = None
    if isinstance(data, dict) and (data.get("code") or data.get("message")):
        return str(data.get("code") or ""), str(data.get("message") or "")[:500]
    text = content[:300].decode("utf-8", "replace").strip()
    return "", " ".join(text.split()) if text and not text.startswith("<") else ""


def _error_code(content: bytes) -> str:
    return _openeo_error(content)[0] or "no code"


def _next_link(data: Any) -> Optional[str]:
    for link in (data.get("links") or []) if isinstance(data, dict) else []:
        if isinstance(link, dict) and link.get("rel") == "next" and isinstance(link.get("href"), str):
            return link["href"]
    return None


def absolute(base: str, href: str) -> str:
    """`href` resolved against `base`."""
    return urljoin(base + "/", href)


# ---- connection test (the Portals dialog, through core/portals/probe.py) ---------------------------------------
def probe_request(portal) -> Request:
    """The small request that tells whether an openEO back-end answers: its capabilities at the API root."""
    return Request("GET", portal.url, headers=(("Accept", "application/json"),))


def probe_answer(data: Dict[str, Any]) -> Tuple[bool, str]:
    """(an openEO capabilities document answered, its title)."""
    return "api_version" in data and "endpoints" in data, str(data.get("title") or "")
