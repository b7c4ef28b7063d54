"""Credentials in, authenticated download requests out: one `Authenticator` per account, shared by every download.

    accounts = Accounts(catalog, {"cdse": Credentials(username=..., password=...)}, http_settings)
    auth = accounts.for_portal(catalog.portal("cdse_stac"))    # same object as for "cdse" (auth_portal)
    url = auth.sign(href, collection="sentinel-2-l2a")          # SAS / THEIA signing; other kinds: unchanged
    headers = auth.headers_for(url, origin=url)                 # {"Authorization": "Bearer ..."} ...
    basic = auth.basic_for(url, origin=url)                     # ("user", "password") for DHuS, else None
    if answer.status_code in auth.refresh_statuses and auth.invalidate(sent_at): ...retry once...

Kinds (catalog `auth`):
- ``oidc`` (CDSE, CREODIAS): OpenID Connect password grant (`client_id` from the catalog, `totp` when the
  account has 2FA), then refresh grants before the access token expires; a new password login only when the
  refresh token is gone or expired. A refused login is remembered: the account is never hammered (CDSE
  locks accounts and caps sessions). The token is sent to the download host and to every host of the same
  site it redirects to (requests drops it on cross-host redirects; the download engine follows them itself).
- ``apikey`` (GEODES, hydroweb.next): the catalog's `api_key_header` (default ``X-API-Key``).
- ``sas`` (Planetary Computer): one SAS token per collection from ``{sas_url}/{collection}`` (or per
  storage account/container when the collection is unknown), cached until 60 s before ``msft:expiry`` and
  shared by every file; appended to blob hrefs only. `Credentials.api_key` is the optional subscription key.
- ``signing`` (THEIA Data Terra): ``GET {signing_url}?url=<href>`` with headers ``access-key`` and
  ``secret-key`` (`Credentials.username` / `.password`, or `.api_key` as the access key) → ``{"href": ...}``.
- ``basic`` (DHuS mirrors): HTTP Basic. ``none`` (Earth Search): nothing.

Which hosts get signed is data: catalog key `sign_hosts` (a regular expression on the host name).
Secrets (passwords, keys, tokens) never appear in exception texts, logs or `repr()`: `mask()` removes them.
Everything here is thread-safe and Qt-free.
"""
from __future__ import annotations

import ipaddress
import json
import logging
import re
import threading
import time
from datetime import datetime
from typing import Any, Callable, Dict, Mapping, Optional, Tuple
from urllib.parse import quote, urlsplit

import requests

from .catalog import Catalog, Portal
from .credentials import Credentials
from .errors import ErrorKind, PortalError
from .http import HttpSettings, error_for_exception, error_for_status, make_session, mask_url, portal_message

LOG = logging.getLogger("eo_portals.auth")
Clock = Callable[[], float]
LOGIN_REFUSED = "login refused, check the account in EO Portals settings"
NO_ACCOUNT = "an account is needed to download from this portal: add it in EO Portals settings"
SAS_MARGIN = 60.0  # seconds of validity a cached SAS token must still have (Planetary Computer SDK rule)
SIGNED_URL_TTL = 600.0  # seconds a THEIA signed URL is reused (the service signs for hours)
DEFAULT_SIGN_HOSTS = {
    "sas": r"\.blob\.core\.windows\.net$",
    "signing": r"(^|\.)meso\.umontpellier\.fr$",
}


def site_of(host: str) -> str:
    """The 'site' a host belongs to: the IP itself, or the last two labels of a DNS name."""
    host = (host or "").lower().rstrip(".")
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        return ".".join(host.split(".")[-2:])


def same_site(url: str, origin: str) -> bool:
    """Whether credentials meant for `origin` may be sent to `url` (same site, never https downgraded to http)."""
    target, source = urlsplit(url), urlsplit(origin)
    if target.scheme not in ("http", "https"):
        return False
    if source.scheme == "https" and target.scheme != "https":
        return False
    return site_of(target.hostname or "") == site_of(source.hostname or "")


class Authenticator:
    """No authentication (Earth Search); the base of every kind."""

    kind = "none"
    refresh_statuses: Tuple[int, ...] = (401,)  # answers after which `invalidate()` and one retry may help

    def __init__(self, title: str, credentials: Optional[Credentials] = None):
        self.title = title
        self.credentials = credentials or Credentials()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.title!r})"

    def sign(self, url: str, collection: Optional[str] = None) -> str:
        """The URL to request for `url` (signed where the portal needs it)."""
        return url

    def headers_for(self, url: str, origin: str) -> Dict[str, str]:
        """Headers to send to `url`, reached from `origin` (the first URL) through redirects."""
        return {}

    def basic_for(self, url: str, origin: str) -> Optional[Tuple[str, str]]:
        """HTTP Basic credentials to send to `url`, or None."""
        return None

    def invalidate(self, sent_at: Optional[float] = None) -> bool:
        """Forget cached tokens after the server refused them; True when a retry may succeed.

        `sent_at` (time.monotonic()) is when the refused request left: a token obtained after it (another
        download already renewed it) is kept, so simultaneous refusals renew the token once, not once each.
        """
        return False

    def secrets(self) -> Tuple[str, ...]:
        """Every secret this authenticator holds (credentials and tokens), to mask them in any text."""
        return self.credentials.secrets()

    def mask(self, text: str) -> str:
        """`text` safe to show or log: secret values and secret-looking URL parameters masked."""
        text = mask_url(str(text))
        for secret in sorted(self.secrets(), key=len, reverse=True):
            if secret and len(secret) >= 3:
                text = text.replace(secret, "***")
                text = text.replace(quote(secret, safe=""), "***")
        return text

    def _require(self, *values: str) -> None:
        if not all(values):
            raise PortalError(self.title, NO_ACCOUNT, ErrorKind.AUTH, code="no_account")


class ApiKeyAuth(Authenticator):
    """An API key in a header (GEODES, hydroweb.next: ``X-API-Key``)."""

    kind = "apikey"

    def __init__(self, title: str, credentials: Optional[Credentials], header: str = "X-API-Key"):
        super().__init__(title, credentials)
        self.header = header or "X-API-Key"

    def headers_for(self, url: str, origin: str) -> Dict[str, str]:
        self._require(self.credentials.api_key)
        return {self.header: self.credentials.api_key} if same_site(url, origin) else {}


class BasicAuth(Authenticator):
    """HTTP Basic (DHuS mirrors)."""

    kind = "basic"

    def basic_for(self, url: str, origin: str) -> Optional[Tuple[str, str]]:
        self._require(self.credentials.username, self.credentials.password)
        if not same_site(url, origin):
            return None
        return self.credentials.username, self.credentials.password


class _TokenEndpoint:
    """Shared plumbing: a lock, a clock and a session for the token/signing service."""

    def __init__(self, settings: Optional[HttpSettings], clock: Optional[Clock]):
        self._settings = settings or HttpSettings()
        self._clock = clock or time.time
        self._lock = threading.RLock()
        self._session: Optional[requests.Session] = None

    def _http(self) -> requests.Session:
        if self._session is None:
            self._session = make_session(self._settings)
        return self._session

    def _timeout(self) -> Tuple[float, float]:
        return min(15.0, self._settings.timeout), self._settings.timeout

    def use_settings(self, settings: HttpSettings) -> None:
        """Network settings changed (proxy, CAs): the next token request uses them; tokens already had stay."""
        with self._lock:
            if settings != self._settings:
                self._settings = settings
                if self._session is not None:
                    self._session.close()
                self._session = None


class OidcAuth(Authenticator, _TokenEndpoint):
    """OpenID Connect password + refresh grants (CDSE, CREODIAS), one token shared by all downloads."""

    kind = "oidc"

    def __init__(self, title: str, credentials: Optional[Credentials], token_url: str, client_id: str,
                 settings: Optional[HttpSettings] = None, clock: Optional[Clock] = None):
        Authenticator.__init__(self, title, credentials)
        _TokenEndpoint.__init__(self, settings, clock)
        self.token_url = token_url
        self.client_id = client_id
        self.logins = 0  # password grants sent (each one is a new CDSE session)
        self.refreshes = 0  # refresh grants sent
        self._access = ""
        self._access_expiry = 0.0
        self._obtained = 0.0  # time.monotonic() of the current access token
        self._refresh = ""
        self._refresh_expiry = 0.0
        self._refused: Optional[PortalError] = None

    def secrets(self) -> Tuple[str, ...]:
        return super().secrets() + tuple(t for t in (self._access, self._refresh) if t)

    def token(self) -> str:
        """A valid access token: cached, refreshed, or from a new login, in that order of preference."""
        with self._lock:
            now = self._clock()
            if self._access and now < self._access_expiry:
                return self._access
            if self._refused is not None:
                raise self._refused  # do not send a refused password again (account lockout, session caps)
            if self._refresh and now < self._refresh_expiry:
                try:
                    return self._grant({"grant_type": "refresh_token", "refresh_token": self._refresh}, refresh=True)
                except PortalError as exc:
                    if exc.kind is not ErrorKind.AUTH:
                        raise
                    LOG.info("%s: refresh token refused, logging in again", self.title)
                    self._refresh = ""
            return self._login()

    def _login(self) -> str:
        self._require(self.credentials.username, self.credentials.password)
        form = {"grant_type": "password", "username": self.credentials.username,
                "password": self.credentials.password}
        if self.credentials.totp:
            form["totp"] = self.credentials.totp
        try:
            return self._grant(form, refresh=False)
        except PortalError as exc:
            if exc.kind is ErrorKind.AUTH:
                self._refused = exc
            raise

    def _grant(self, form: Dict[str, str], refresh: bool) -> str:
        form = {**form, "client_id": self.client_id}
        if refresh:
            self.refreshes += 1
        else:
            self.logins += 1
        try:
            answer = self._http().post(self.token_url, data=form, timeout=self._timeout(), allow_redirects=False)
        except requests.exceptions.RequestException as exc:
            raise PortalError(self.title, self.mask(str(error_for_exception("", exc, self._settings.timeout)
                                                      .message)), ErrorKind.UNREACHABLE) from None
        with answer:
            body = answer.content[:100000]
        if answer.status_code in (400, 401, 403):
            detail = self.mask(portal_message(body))
            if refresh:
                raise PortalError(self.title, "the session expired", ErrorKind.AUTH, answer.status_code, detail,
                                  code="session_expired")
            raise PortalError(self.title, LOGIN_REFUSED, ErrorKind.AUTH, answer.status_code, detail,
                              code="login_refused")
        if answer.status_code >= 300:
            error = error_for_status(self.title, answer.status_code, body, answer.headers)
            error.message, error.detail = self.mask(error.message), self.mask(error.detail)
            raise PortalError(self.title, "token service: " + error.message, error.kind, error.status,
                              error.detail, error.retry_after)
        try:
            data = json.loads(body)
            access = str(data["access_token"])
        except (ValueError, KeyError, TypeError):
            raise PortalError(self.title, "the token service gave an unexpected answer", ErrorKind.PARSE) from None
        self._keep(data, refresh)
        LOG.debug("%s: %s", self.title, "token refreshed" if refresh else "logged in")
        return access

    def _keep(self, data: Dict[str, Any], refresh: bool) -> None:
        """Keep a token answer's access token and, when it has one, its refresh token (a login without one
        forgets the old refresh token; a refresh without one keeps it). Under the caller's lock."""
        now = self._clock()
        lifetime = _seconds(data.get("expires_in"), 300.0)
        # refresh a little early: 10 % of the lifetime, at most a minute, so no request leaves with a dying token
        self._access = str(data["access_token"])
        self._access_expiry = now + lifetime - min(60.0, lifetime / 10.0)
        self._obtained = time.monotonic()
        if data.get("refresh_token"):
            refresh_life = _seconds(data.get("refresh_expires_in"), 0.0)
            self._refresh = str(data["refresh_token"])
            self._refresh_expiry = now + refresh_life - min(60.0, refresh_life / 10.0) if refresh_life else now + 1e9
        elif not refresh:
            self._refresh = ""

    def headers_for(self, url: str, origin: str) -> Dict[str, str]:
        if not same_site(url, origin):
            return {}
        return {"Authorization": f"Bearer {self.token()}"}

    def invalidate(self, sent_at: Optional[float] = None) -> bool:
        with self._lock:
            if self._refused is not None:
                return False
            if sent_at is None or self._obtained <= sent_at:
                self._access_expiry = 0.0  # the next request refreshes (or logs in) once for everybody
            return True


class SasAuth(Authenticator, _TokenEndpoint):
    """Planetary Computer SAS tokens: one per collection, cached until 60 s before expiry, shared by all files."""

    kind = "sas"
    refresh_statuses = (401, 403)  # Azure answers 403 to an expired SAS

    def __init__(self, title: str, credentials: Optional[Credentials], sas_url: str,
                 settings: Optional[HttpSettings] = None, clock: Optional[Clock] = None,
                 sign_hosts: str = DEFAULT_SIGN_HOSTS["sas"]):
        Authenticator.__init__(self, title, credentials)
        _TokenEndpoint.__init__(self, settings, clock)
        self.sas_url = sas_url.rstrip("/")
        self.sign_hosts = re.compile(sign_hosts)
        self.token_requests: Dict[str, int] = {}  # per collection, for tests and logs
        self._tokens: Dict[str, Tuple[str, float]] = {}
        self._obtained: Dict[str, float] = {}

    def secrets(self) -> Tuple[str, ...]:
        return super().secrets() + tuple(token for token, _ in self._tokens.values())

    def sign(self, url: str, collection: Optional[str] = None) -> str:
        parts = urlsplit(url)
        if not self.sign_hosts.search(parts.hostname or "") or re.search(r"(^|&)sig=", parts.query):
            return url
        key = collection or "/".join([(parts.hostname or "").split(".")[0]] + parts.path.split("/")[1:2])
        return url + ("&" if parts.query else "?") + self._token(key)

    def _token(self, key: str) -> str:
        with self._lock:
            cached = self._tokens.get(key)
            if cached and cached[1] - SAS_MARGIN > self._clock():
                return cached[0]
            self.token_requests[key] = self.token_requests.get(key, 0) + 1
            headers = {}
            if self.credentials.api_key:
                headers["Ocp-Apim-Subscription-Key"] = self.credentials.api_key
            data = _get_json(self, f"{self.sas_url}/{key}", headers, "SAS token service")
            try:
                token = str(data["token"]).lstrip("?")
                expiry = _parse_time(data.get("msft:expiry"))
            except (KeyError, TypeError):
                raise PortalError(self.title, "the SAS token service gave an unexpected answer",
                                  ErrorKind.PARSE) from None
            self._tokens[key] = (token, expiry if expiry is not None else self._clock() + 600.0)
            self._obtained[key] = time.monotonic()
            return token

    def invalidate(self, sent_at: Optional[float] = None) -> bool:
        with self._lock:
            for key in list(self._tokens):
                if sent_at is None or self._obtained.get(key, 0.0) <= sent_at:
                    del self._tokens[key]
            return True


class SigningAuth(Authenticator, _TokenEndpoint):
    """THEIA Data Terra: each asset URL is signed by the signing service (headers access-key / secret-key)."""

    kind = "signing"
    refresh_statuses = (401, 403)

    def __init__(self, title: str, credentials: Optional[Credentials], signing_url: str,
                 settings: Optional[HttpSettings] = None, clock: Optional[Clock] = None,
                 sign_hosts: str = DEFAULT_SIGN_HOSTS["signing"]):
        Authenticator.__init__(self, title, credentials)
        _TokenEndpoint.__init__(self, settings, clock)
        self.signing_url = signing_url
        self.sign_hosts = re.compile(sign_hosts)
        self.sign_requests = 0
        self._signed: Dict[str, Tuple[str, float]] = {}
        self._obtained: Dict[str, float] = {}

    def secrets(self) -> Tuple[str, ...]:
        signatures = tuple(urlsplit(url).query for url, _ in self._signed.values())
        return super().secrets() + tuple(s for s in signatures if s)

    def sign(self, url: str, collection: Optional[str] = None) -> str:
        if not self.sign_hosts.search(urlsplit(url).hostname or ""):
            return url
        access = self.credentials.api_key or self.credentials.username
        secret = self.credentials.password
        self._require(access, secret)
        with self._lock:
            cached = self._signed.get(url)
            if cached and cached[1] > self._clock():
                return cached[0]
            self.sign_requests += 1
            separator = "&" if "?" in self.signing_url else "?"
            data = _get_json(self, f"{self.signing_url}{separator}url={quote(url, safe='')}",
                             {"access-key": access, "secret-key": secret}, "signing service")
            href = data.get("href") if isinstance(data, dict) else None
            if not isinstance(href, str) or not href.startswith(("http://", "https://")):
                raise PortalError(self.title, "the signing service gave an unexpected answer", ErrorKind.PARSE)
            self._signed[url] = (href, self._clock() + SIGNED_URL_TTL)
            self._obtained[url] = time.monotonic()
            return href

    def invalidate(self, sent_at: Optional[float] = None) -> bool:
        with self._lock:
            for url in list(self._signed):
                if sent_at is None or self._obtained.get(url, 0.0) <= sent_at:
                    del self._signed[url]
            return True


def _get_json(auth, url: str, headers: Dict[str, str], what: str):
    """GET a JSON answer from a token/signing service (`auth`: SasAuth or SigningAuth), errors named and masked."""
    try:
        answer = auth._http().get(url, headers=headers, timeout=auth._timeout())
    except requests.exceptions.RequestException as exc:
        error = error_for_exception(auth.title, exc, auth._settings.timeout)
        raise PortalError(auth.title, f"{what}: {auth.mask(error.message)}", error.kind) from None
    with answer:
        body = answer.content[:1000000]
    if answer.status_code in (401, 403):
        raise PortalError(auth.title, f"{what} refused the account (HTTP {answer.status_code}), "
                                      "check it in EO Portals settings", ErrorKind.AUTH, answer.status_code,
                          code="account_refused", details={"service": what})
    if answer.status_code >= 300:
        error = error_for_status(auth.title, answer.status_code, body, answer.headers)
        raise PortalError(auth.title, f"{what}: {auth.mask(error.message)}", error.kind, error.status,
                          auth.mask(error.detail), error.retry_after)
    try:
        return json.loads(body)
    except ValueError:
        raise PortalError(auth.title, f"the {what} gave an unexpected answer", ErrorKind.PARSE) from None


def _seconds(value, default: float) -> float:
    try:
        return max(1.0, float(value))
    except (TypeError, ValueError):
        return default


def _parse_time(value) -> Optional[float]:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def make_authenticator(portal: Portal, credentials: Optional[Credentials], settings: Optional[HttpSettings] = None,
                       clock: Optional[Clock] = None) -> Authenticator:
    """The authenticator for a portal's `auth` kind (the portal given is the one holding the account)."""
    title = portal.title
    if portal.auth == "oidc":
        return OidcAuth(title, credentials, portal.get("token_url", ""), portal.get("client_id", ""), settings, clock)
    if portal.auth == "apikey":
        return ApiKeyAuth(title, credentials, portal.get("api_key_header", "X-API-Key"))
    if portal.auth == "basic":
        return BasicAuth(title, credentials)
    if portal.auth == "sas":
        return SasAuth(title, credentials, portal.get("sas_url", ""), settings, clock,
                       portal.get("sign_hosts", DEFAULT_SIGN_HOSTS["sas"]))
    if portal.auth == "signing":
        return SigningAuth(title, credentials, portal.get("signing_url", ""), settings, clock,
                           portal.get("sign_hosts", DEFAULT_SIGN_HOSTS["signing"]))
    return Authenticator(title, credentials)


class Accounts:
    """One authenticator per account, shared by every download and every portal using that account.

    `credentials` maps the id of the portal holding the account (``cdse``, ``geodes``...) to Credentials;
    a portal with ``auth_portal`` in the catalog (``cdse_stac`` → ``cdse``) uses that portal's account.
    """

    def __init__(self, catalog: Catalog, credentials: Optional[Mapping[str, Credentials]] = None,
                 settings: Optional[HttpSettings] = None, clock: Optional[Clock] = None):
        self.catalog = catalog
        self._credentials: Dict[str, Credentials] = dict(credentials or {})
        self._settings = settings
        self._clock = clock
        self._lock = threading.Lock()
        self._auth: Dict[str, Authenticator] = {}

    def account_id(self, portal: Portal) -> str:
        """The id of the portal whose account `portal` uses."""
        return portal.get("auth_portal") or portal.id

    def for_portal(self, portal: Portal) -> Authenticator:
        """The shared authenticator for `portal`."""
        account = self.account_id(portal)
        with self._lock:
            auth = self._auth.get(account)
            if auth is None:
                owner = self.catalog.portals.get(account, portal)
                credentials = self._credentials.get(account) or self._credentials.get(portal.id)
                auth = make_authenticator(owner, credentials, self._settings, self._clock)
                self._auth[account] = auth
            return auth

    def use_settings(self, settings: HttpSettings) -> None:
        """New network settings for every token, SAS and signing request from now on (no new login needed)."""
        with self._lock:
            self._settings = settings
            auths = list(self._auth.values())
        for auth in auths:
            if isinstance(auth, _TokenEndpoint):
                auth.use_settings(settings)

    def set_credentials(self, portal_id: str, credentials: Optional[Credentials]) -> None:
        """Replace an account's credentials (settings changed); its tokens are dropped."""
        with self._lock:
            if credentials is None:
                self._credentials.pop(portal_id, None)
            else:
                self._credentials[portal_id] = credentials
            self._auth.pop(portal_id, None)

    def mask(self, text: str) -> str:
        """`text` with every known secret of every account masked."""
        with self._lock:
            auths = list(self._auth.values())
            creds = list(self._credentials.values())
        text = mask_url(str(text))
        for auth in auths:
            text = auth.mask(text)
        for cred in creds:
            text = Authenticator("", cred).mask(text)
        return text
