"""OpenID Connect device-code sign-in for openEO back-ends (CDSE), as plain functions over `requests`.

    provider = choose_provider(client._call("GET", "/credentials/oidc", auth=False), prefer="CDSE")
    config = discover(session, provider.issuer, title)           # the issuer's openid-configuration
    device = start(session, config, provider.client_id, provider.scopes, title)
    # show device.verification_uri_complete (or verification_uri + device.user_code) to the user, then:
    answer = wait(session, config, provider.client_id, device, title, cancel=event)
    tokens = DeviceTokens(title, config["token_endpoint"], provider.client_id)
    tokens.adopt(answer)                   # token() refreshes with the refresh token from now on
    bearer = OidcBearer(provider.id, tokens)

PKCE (S256) is always sent: CDSE's default openEO client requires ``device_code+pkce``. The refresh token is
what the QGIS layer keeps in the authentication database; `DeviceTokens.restore(refresh_token)` resumes from it.
The refresh grant is `auth.OidcAuth`'s, shared with CDSE downloads. When the identity server rotates refresh tokens
(Keycloak, as CDSE, answers a refresh with a new one and may refuse the old one), `on_rotated(new_refresh_token)`
is called in the thread that refreshed, so that the QGIS layer keeps the new token instead of a dead one.
"""
from __future__ import annotations

import base64
import hashlib
import json
import logging
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional, Sequence, Tuple

import requests

from ..auth import OidcAuth
from ..errors import ErrorKind, PortalError
from ..http import HttpSettings, error_for_exception, error_for_status

LOG = logging.getLogger("eo_portals.openeo")
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


@dataclass(frozen=True)
class Provider:
    """An OIDC provider a back-end accepts (``GET /credentials/oidc``) and its default client for devices."""

    id: str
    issuer: str
    title: str
    scopes: Tuple[str, ...]
    client_id: str  # "" when the back-end names no default client


@dataclass(frozen=True)
class DeviceAuthorization:
    """What the user must do: open `verification_uri` and type `user_code` (or open the complete URI)."""

    device_code: str
    user_code: str
    verification_uri: str
    verification_uri_complete: str
    interval: float
    expires_at: float  # time.monotonic() after which the code is dead
    code_verifier: str

    def __repr__(self) -> str:
        return f"DeviceAuthorization(user_code={self.user_code!r}, verification_uri={self.verification_uri!r})"


def choose_provider(document: Any, prefer: str = "") -> Provider:
    """The provider to sign in with: `prefer` (id, case-insensitive) if listed, else the first with a default
    client for the device flow, else the first."""
    providers = [p for p in (document.get("providers") or [] if isinstance(document, dict) else [])
                 if isinstance(p, dict) and p.get("id") and p.get("issuer")]
    if not providers:
        raise ValueError("the back-end lists no OpenID Connect provider")

    def device_client(provider: Dict[str, Any]) -> str:
        for client in provider.get("default_clients") or []:
            grants = client.get("grant_types") or [] if isinstance(client, dict) else []
            if any(str(g).startswith(DEVICE_GRANT) for g in grants):
                return str(client.get("id") or "")
        return ""

    chosen = next((p for p in providers if prefer and str(p["id"]).lower() == prefer.lower()), None)
    chosen = chosen or next((p for p in providers if device_client(p)), providers[0])
    return Provider(id=str(chosen["id"]), issuer=str(chosen["issuer"]).rstrip("/"),
                    title=str(chosen.get("title") or chosen["id"]),
                    scopes=tuple(str(s) for s in chosen.get("scopes") or ("openid",)),
                    client_id=device_client(chosen))


def pkce_pair() -> Tuple[str, str]:
    """(code_verifier, S256 code_challenge)."""
    verifier = base64.urlsafe_b64encode(secrets.token_bytes(48)).rstrip(b"=").decode("ascii")
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=")
    return verifier, challenge.decode("ascii")


def _post_form(session: requests.Session, url: str, form: Dict[str, str], title: str,
               timeout: float) -> Tuple[int, Dict[str, Any]]:
    try:
        answer = session.post(url, data=form, timeout=(min(15.0, timeout), timeout), allow_redirects=False)
    except requests.exceptions.RequestException as exc:
        raise PortalError(title, "sign-in service: " + error_for_exception("", exc, timeout).message,
                          ErrorKind.UNREACHABLE) from None
    with answer:
        body = answer.content[:100000]
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        if answer.status_code >= 300:
            error = error_for_status(title, answer.status_code, body, answer.headers)
            raise PortalError(title, "sign-in service: " + error.message, error.kind, error.status)
        raise PortalError(title, "the sign-in service gave an unexpected answer", ErrorKind.PARSE)
    return answer.status_code, data


def discover(session: requests.Session, issuer: str, title: str, timeout: float = 30.0) -> Dict[str, Any]:
    """The issuer's ``/.well-known/openid-configuration`` (endpoints of device authorization and tokens)."""
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        answer = session.get(url, timeout=(min(15.0, timeout), timeout))
    except requests.exceptions.RequestException as exc:
        raise PortalError(title, "sign-in service: " + error_for_exception("", exc, timeout).message,
                          ErrorKind.UNREACHABLE) from None
    with answer:
        body = answer.content[:1000000]
    if answer.status_code >= 300:
        error = error_for_status(title, answer.status_code, body, answer.headers)
        raise PortalError(title, "sign-in service: " + error.message, error.kind, error.status)
    try:
        config = json.loads(body)
        str(config["token_endpoint"])
    except (ValueError, KeyError, TypeError):
        raise PortalError(title, "the sign-in service's configuration is not usable", ErrorKind.PARSE) from None
    return config


def start(session: requests.Session, config: Dict[str, Any], client_id: str, scopes: Sequence[str], title: str,
          timeout: float = 30.0, clock: Callable[[], float] = time.monotonic) -> DeviceAuthorization:
    """Ask for a device code (RFC 8628 with PKCE)."""
    endpoint = config.get("device_authorization_endpoint")
    if not endpoint:
        raise PortalError(title, "the sign-in service offers no device sign-in", ErrorKind.INVALID)
    if not client_id:
        raise PortalError(title, "the back-end names no client for the device sign-in", ErrorKind.INVALID)
    verifier, challenge = pkce_pair()
    form = {"client_id": client_id, "scope": " ".join(scopes or ("openid",)), "code_challenge": challenge,
            "code_challenge_method": "S256"}
    status, data = _post_form(session, endpoint, form, title, timeout)
    if status >= 300 or not data.get("device_code"):
        raise PortalError(title, "the sign-in service refused the device sign-in: "
                          + str(data.get("error_description") or data.get("error") or f"HTTP {status}"),
                          ErrorKind.AUTH, status)
    uri = str(data.get("verification_uri") or data.get("verification_url") or "")
    return DeviceAuthorization(
        device_code=str(data["device_code"]), user_code=str(data.get("user_code") or ""),
        verification_uri=uri, verification_uri_complete=str(data.get("verification_uri_complete") or uri),
        interval=float(data.get("interval") or 5), expires_at=clock() + float(data.get("expires_in") or 300),
        code_verifier=verifier)


def poll(session: requests.Session, config: Dict[str, Any], client_id: str, device: DeviceAuthorization,
         title: str, timeout: float = 30.0) -> Tuple[str, Optional[Dict[str, Any]]]:
    """One poll of the token endpoint: ("ok", tokens), ("pending", None) or ("slow_down", None);
    PortalError when the user refused or the code expired."""
    form = {"grant_type": DEVICE_GRANT, "device_code": device.device_code, "client_id": client_id,
            "code_verifier": device.code_verifier}
    status, data = _post_form(session, config["token_endpoint"], form, title, timeout)
    if status < 300 and data.get("access_token"):
        return "ok", data
    error = str(data.get("error") or "")
    if error in ("authorization_pending", "slow_down"):
        return error.replace("authorization_", ""), None
    if error == "expired_token":
        raise PortalError(title, "the sign-in code expired before it was confirmed: start again", ErrorKind.AUTH,
                          status)
    if error == "access_denied":
        raise PortalError(title, "the sign-in was refused in the browser", ErrorKind.AUTH, status)
    raise PortalError(title, "the sign-in failed: " + str(data.get("error_description") or error or f"HTTP {status}"),
                      ErrorKind.AUTH, status)


def pause(seconds: float, sleep: Optional[Callable[[float], None]] = None,
          cancel: Optional[threading.Event] = None) -> None:
    """Wait between two polls: with the caller's `sleep` (tests), else until `cancel` is set, else plainly."""
    if sleep is not None:
        sleep(seconds)
    elif cancel is not None:
        cancel.wait(seconds)
    else:
        time.sleep(seconds)


def wait(session: requests.Session, config: Dict[str, Any], client_id: str, device: DeviceAuthorization,
         title: str, *, cancel: Optional[threading.Event] = None, sleep: Optional[Callable[[float], None]] = None,
         clock: Callable[[], float] = time.monotonic, timeout: float = 30.0) -> Dict[str, Any]:
    """Poll until the user confirmed in the browser (the token answer), refused, the code expired or `cancel`."""
    interval = device.interval
    while True:
        if cancel is not None and cancel.is_set():
            raise PortalError(title, "the sign-in was cancelled", ErrorKind.CANCELLED)
        if clock() > device.expires_at:
            raise PortalError(title, "the sign-in code expired before it was confirmed: start again", ErrorKind.AUTH)
        state, tokens = poll(session, config, client_id, device, title, timeout)
        if state == "ok" and tokens is not None:
            return tokens
        if state == "slow_down":
            interval += 5  # RFC 8628 3.5
        pause(interval, sleep, cancel)


class DeviceTokens(OidcAuth):
    """Tokens from the device flow, refreshed with the refresh grant of `OidcAuth` (no password is held:
    when the refresh token is refused too, the user must sign in again)."""

    def __init__(self, title: str, token_url: str, client_id: str, settings: Optional[HttpSettings] = None,
                 clock: Optional[Callable[[], float]] = None,
                 on_rotated: Optional[Callable[[str], None]] = None):
        super().__init__(title, None, token_url, client_id, settings, clock)
        self.on_rotated = on_rotated  # called with the new refresh token when a refresh answer rotates it

    def _grant(self, form: Dict[str, str], refresh: bool) -> str:
        before = self._refresh
        access = super()._grant(form, refresh)
        if refresh and self._refresh and self._refresh != before and self.on_rotated is not None:
            try:
                self.on_rotated(self._refresh)
            except Exception as exc:  # noqa: BLE001 - keeping the token must not fail the request that refreshed
                LOG.warning("%s: the renewed sign-in could not be kept (%s)", self.title, type(exc).__name__)
        return access

    def adopt(self, answer: Dict[str, Any]) -> None:
        """Keep the tokens of a token answer (device flow or refresh)."""
        with self._lock:
            self._keep(answer, refresh=True)  # (an answer without a refresh token keeps the one held)

    def restore(self, refresh_token: str) -> None:
        """Resume from a kept refresh token: the next `token()` refreshes."""
        with self._lock:
            self._refresh = refresh_token
            self._refresh_expiry = self._clock() + 1e9
            self._access_expiry = 0.0

    @property
    def refresh_token(self) -> str:
        """The current refresh token (to keep in QGIS's authentication database, never elsewhere)."""
        return self._refresh

    def _login(self) -> str:
        raise PortalError(self.title, "the openEO sign-in expired: sign in again (EO Portals settings)",
                          ErrorKind.AUTH)
