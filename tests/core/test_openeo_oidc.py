"""CDSE's OpenID Connect device-code sign-in for openEO: CDSE's recorded openid-configuration (its endpoints moved
to loopback) and a loopback identity server that follows RFC 8628 with PKCE (no recording of a device flow
exists); the tokens then sign openEO requests and are refreshed. The provider choice is tested against
openeo-driver's real /credentials/oidc in test_openeo_driver.py."""
import base64
import hashlib
import json
import secrets

import pytest
import requests

from plugin.core.errors import ErrorKind, PortalError
from plugin.core.openeo import oidc
from plugin.core.openeo.client import OidcBearer
from tests.support.fixtures import fixture_bytes
from tests.support.replay import ReplayServer

REALM = "/auth/realms/CDSE"
CLIENT = "sh-b1c3a958-52d4-40fe-a333-153595d1c71e"


class DeviceIdp:
    """Device authorization + token endpoints: pending, slow_down, then tokens once the user 'confirmed'."""

    def __init__(self, server: ReplayServer, confirm_after: int = 2, interval: float = 5, slow_down: bool = True,
                 rotate: bool = False):
        self.server = server
        self.rotate = rotate  # Keycloak's "revoke refresh token": each refresh gives a new one, the old one is dead
        self.interval = interval
        self.slow_down = slow_down
        self.confirm_after = confirm_after
        self.polls = 0
        self.challenge = ""
        self.refresh_tokens = set()
        recorded = fixture_bytes("cdse_auth/openid-configuration.json").decode()
        server.add("GET", REALM + "/.well-known/openid-configuration",
                   recorded.replace("https://identity.dataspace.copernicus.eu", server.url).encode())
        server.add("POST", REALM + "/protocol/openid-connect/auth/device", handler=self.device)
        server.add("POST", REALM + "/protocol/openid-connect/token", handler=self.token)

    def device(self, request):
        form = dict(p.split("=", 1) for p in request.body.decode().split("&"))
        assert form["client_id"] == CLIENT and form["code_challenge_method"] == "S256"
        self.challenge = form["code_challenge"]
        return 200, {}, json.dumps({"device_code": "dev-123", "user_code": "ABCD-EFGH",
                                    "verification_uri": self.server.url + "/device",
                                    "verification_uri_complete": self.server.url + "/device?user_code=ABCD-EFGH",
                                    "expires_in": 600, "interval": self.interval}).encode()

    def tokens(self):
        refresh = "rt-" + secrets.token_hex(8)
        self.refresh_tokens.add(refresh)
        return 200, {}, json.dumps({"access_token": "at-" + secrets.token_hex(8), "expires_in": 300,
                                    "refresh_token": refresh, "refresh_expires_in": 3600}).encode()

    def token(self, request):
        from urllib.parse import parse_qsl
        form = dict(parse_qsl(request.body.decode()))
        if form["grant_type"] == "refresh_token":
            if form.get("refresh_token") not in self.refresh_tokens:
                return 400, {}, b'{"error": "invalid_grant", "error_description": "Token is not active"}'
            if self.rotate:
                self.refresh_tokens.discard(form["refresh_token"])
            return self.tokens()
        assert form["grant_type"] == oidc.DEVICE_GRANT and form["device_code"] == "dev-123"
        digest = hashlib.sha256(form["code_verifier"].encode()).digest()
        if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != self.challenge:
            return 400, {}, b'{"error": "invalid_grant", "error_description": "PKCE verification failed"}'
        self.polls += 1
        if self.polls == 1:
            return 400, {}, b'{"error": "authorization_pending"}'
        if self.polls == 2 and self.slow_down:
            return 400, {}, b'{"error": "slow_down"}'
        if self.polls <= self.confirm_after:
            return 400, {}, b'{"error": "authorization_pending"}'
        return self.tokens()


def test_device_flow_signs_in_and_tokens_sign_openeo_requests_and_refresh():
    with ReplayServer() as server:
        idp = DeviceIdp(server, confirm_after=3)
        session = requests.Session()
        config = oidc.discover(session, server.url + REALM, "CDSE openEO")
        device = oidc.start(session, config, CLIENT, ("openid",), "CDSE openEO")
        assert (device.user_code, device.verification_uri_complete) == (
            "ABCD-EFGH", server.url + "/device?user_code=ABCD-EFGH")
        waits = []
        answer = oidc.wait(session, config, CLIENT, device, "CDSE openEO", sleep=waits.append)
        assert waits == [5, 10, 10]  # interval, then +5 s after slow_down (RFC 8628)
        tokens = oidc.DeviceTokens("CDSE openEO", config["token_endpoint"], CLIENT)
        tokens.adopt(answer)
        bearer = OidcBearer("CDSE", tokens)
        first = bearer.value(None)
        assert first == "oidc/CDSE/" + answer["access_token"]
        assert bearer.invalidate(None)  # the back-end said the token expired: the refresh token renews it
        second = bearer.value(None)
        assert second.startswith("oidc/CDSE/at-") and second != first and tokens.refreshes == 1
        kept = tokens.refresh_token
        restored = oidc.DeviceTokens("CDSE openEO", config["token_endpoint"], CLIENT)
        restored.restore(kept)  # a new QGIS session resumes from the refresh token kept in the auth database
        assert restored.token().startswith("at-")


def test_a_rotated_refresh_token_is_handed_over_and_the_old_one_is_dead():
    with ReplayServer() as server:
        idp = DeviceIdp(server, rotate=True)
        config = oidc.discover(requests.Session(), server.url + REALM, "CDSE openEO")
        kept = ["rt-first"]
        idp.refresh_tokens.add("rt-first")
        tokens = oidc.DeviceTokens("CDSE openEO", config["token_endpoint"], CLIENT, on_rotated=kept.append)
        tokens.restore("rt-first")  # a new QGIS session, from the token kept last time
        assert tokens.token().startswith("at-")
        assert len(kept) == 2 and kept[1] == tokens.refresh_token and kept[1] in idp.refresh_tokens
        assert tokens.invalidate(None) and tokens.token().startswith("at-")  # a second refresh, with the new one
        assert len(kept) == 3 and kept[2] == tokens.refresh_token and kept[1] not in idp.refresh_tokens
        stale = oidc.DeviceTokens("CDSE openEO", config["token_endpoint"], CLIENT)
        stale.restore(kept[1])  # what the next session would have used had the new token not been kept
        with pytest.raises(PortalError) as caught:
            stale.token()
        assert caught.value.kind is ErrorKind.AUTH and "sign in again" in str(caught.value)
        resumed = oidc.DeviceTokens("CDSE openEO", config["token_endpoint"], CLIENT)
        resumed.restore(kept[-1])
        assert resumed.token().startswith("at-")
        unchanged = []  # a server that does not rotate: nothing to keep
        idp.rotate = False
        same = oidc.DeviceTokens("CDSE openEO", config["token_endpoint"], CLIENT, on_rotated=unchanged.append)
        server.add("POST", REALM + "/protocol/openid-connect/token", json.dumps(
            {"access_token": "at-same", "expires_in": 300}).encode())
        same.restore(resumed.refresh_token)
        assert same.token() == "at-same" and unchanged == [] and same.refresh_token == resumed.refresh_token


def test_device_flow_refusals_are_said():
    with ReplayServer() as server:
        DeviceIdp(server)
        session = requests.Session()
        config = oidc.discover(session, server.url + REALM, "CDSE openEO")
        device = oidc.start(session, config, CLIENT, ("openid",), "CDSE openEO")
        server.add("POST", REALM + "/protocol/openid-connect/token", b'{"error": "access_denied"}', status=400)
        with pytest.raises(PortalError, match="CDSE openEO: the sign-in was refused in the browser"):
            oidc.wait(session, config, CLIENT, device, "CDSE openEO", sleep=lambda s: None)
        server.add("POST", REALM + "/protocol/openid-connect/token", b'{"error": "expired_token"}', status=400)
        with pytest.raises(PortalError, match="the sign-in code expired before it was confirmed"):
            oidc.wait(session, config, CLIENT, device, "CDSE openEO", sleep=lambda s: None)
        tokens = oidc.DeviceTokens("CDSE openEO", config["token_endpoint"], CLIENT)
        tokens.restore("rt-revoked")
        with pytest.raises(PortalError) as caught:
            tokens.token()
        assert caught.value.kind is ErrorKind.AUTH and "sign in again" in str(caught.value)
        assert "rt-revoked" not in str(caught.value)


def test_provider_choice():
    document = {"providers": [
        {"id": "egi", "issuer": "https://aai.egi.eu/auth/realms/egi/", "scopes": ["openid"], "title": "EGI"},
        {"id": "CDSE", "issuer": "https://identity.dataspace.copernicus.eu/auth/realms/CDSE", "title": "CDSE",
         "scopes": ["openid"], "default_clients": [
             {"id": CLIENT, "grant_types": ["urn:ietf:params:oauth:grant-type:device_code+pkce", "refresh_token"]}]}]}
    chosen = oidc.choose_provider(document, prefer="cdse")
    assert (chosen.id, chosen.client_id, chosen.issuer) == (
        "CDSE", CLIENT, "https://identity.dataspace.copernicus.eu/auth/realms/CDSE")
    assert oidc.choose_provider(document).id == "CDSE"  # the one with a device client
    with pytest.raises(ValueError):
        oidc.choose_provider({"providers": []})
