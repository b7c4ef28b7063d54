"""The device-code sign-in dialog: link and code shown, the wait in a task, the refresh token kept in QGIS's
authentication database (not in settings), then openEO requests signed with oidc/<provider>/<token>. The identity
server is CDSE's recorded openid-configuration on loopback with RFC 8628 endpoints (see test_openeo_oidc.py)."""
from __future__ import annotations

import json

import pytest
from qgis.PyQt.QtWidgets import QDialog

from plugin import settings
from plugin.core.catalog import load_catalog
from plugin.core.http import HttpSettings
from plugin.core.openeo.client import OidcBearer, OpenEOClient
from tests.core.test_openeo_client import API, RUNNING_ID
from tests.core.test_openeo_oidc import CLIENT, REALM, DeviceIdp
from tests.qgis.test_downloads import plugin_env  # noqa: F401 (fixture)
from tests.support.fixtures import fixture_bytes
from tests.support.qt_wait import wait_until
from tests.support.replay import ReplayServer


def signed_in(server, plugin_env, idp):
    """The dialog's sign-in against `idp`, as a user does it: (catalog, back-end, authcfg)."""
    from plugin.ui.device_login import DeviceLoginDialog

    server.add("GET", API + "/", fixture_bytes("openeo/cdse_recorded/openeofed_capabilities.json"))
    server.add("GET", API + "/credentials/oidc", json.dumps({"providers": [{
        "id": "CDSE", "issuer": server.url + REALM, "title": "Copernicus Data Space Ecosystem",
        "scopes": ["openid"], "default_clients": [{"id": CLIENT, "grant_types": [
            "urn:ietf:params:oauth:grant-type:device_code+pkce", "refresh_token"]}]}]}).encode())
    plugin_env.catalog({"cdse_openeo": {"url": server.url + API}})
    catalog = load_catalog()
    backend = catalog.portal("cdse_openeo")
    dialog = DeviceLoginDialog(backend, HttpSettings())
    assert wait_until(lambda: dialog.result() == QDialog.DialogCode.Accepted), dialog.status.text()
    return catalog, backend, settings.openeo_sign_in("cdse_openeo")["authcfg"]


def test_a_rotated_refresh_token_is_kept_for_the_next_session(qgis_app, plugin_env):
    """Keycloak rotates refresh tokens and refuses a used one: the new token replaces the old one in the
    authentication database (written on the main thread while the call runs in a task's thread), so that the next
    session resumes; two calls at once share one refresh. No token reaches the log, the messages or the settings."""
    import logging
    import threading

    from qgis.core import QgsApplication

    from plugin import accounts, openeo_accounts
    from plugin.core.errors import ErrorKind, PortalError
    from plugin.core.openeo import oidc
    from plugin.openeo_accounts import bearer_for, forget_device_tokens

    logged = []
    on_message = lambda text, *args: logged.append(text)  # noqa: E731
    QgsApplication.messageLog().messageReceived.connect(on_message)
    records = []
    handler = logging.Handler(logging.DEBUG)
    handler.emit = lambda record: records.append(record.getMessage())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        with ReplayServer() as server:
            idp = DeviceIdp(server, confirm_after=2, interval=0.05, slow_down=False, rotate=True)
            server.add("GET", f"{API}/jobs/{RUNNING_ID}", fixture_bytes("openeo/cdse_recorded/openeofed_job_running.json"))
            catalog, backend, authcfg = signed_in(server, plugin_env, idp)
            first = accounts.credentials_for(backend, authcfg=authcfg).password
            assert first in idp.refresh_tokens
            forget_device_tokens()  # QGIS restarted: the next call resumes from the authentication database

            def jobs_in_threads(count):
                clients = [OpenEOClient(backend.url, backend.title, bearer=bearer_for(catalog, backend))
                           for _ in range(count)]  # as the panel does: one client per call, made on the main thread
                answers = []
                threads = [threading.Thread(target=lambda c=c: answers.append(c.job(RUNNING_ID).status))
                           for c in clients]
                for thread in threads:
                    thread.start()
                assert wait_until(lambda: not any(t.is_alive() for t in threads))
                return answers

            assert jobs_in_threads(3) == ["running"] * 3  # one refresh for the three, with the kept token
            assert first not in idp.refresh_tokens  # the server refuses it from now on
            (second,) = idp.refresh_tokens
            assert wait_until(lambda: accounts.credentials_for(backend, authcfg=authcfg).password == second)
            stale = oidc.DeviceTokens(backend.title, settings.openeo_sign_in("cdse_openeo")["token_url"], CLIENT)
            stale.restore(first)  # what a next session without the fix would send
            with pytest.raises(PortalError) as refused:
                stale.token()
            assert refused.value.kind is ErrorKind.AUTH
            forget_device_tokens()  # another restart: the plugin's kept token still works, and is rotated again
            assert jobs_in_threads(1) == ["running"]
            (third,) = idp.refresh_tokens
            assert third != second
            assert wait_until(lambda: accounts.credentials_for(backend, authcfg=authcfg).password == third)
            # a session whose first openEO call is a Processing run, in a worker thread that then ends; a later
            # call from another thread rotates the token again, and it is still kept
            openeo_accounts._keeper = None

            def call_in_a_thread():
                forget_device_tokens()
                answers = []
                worker = threading.Thread(target=lambda: answers.append(OpenEOClient(
                    backend.url, backend.title, bearer=bearer_for(catalog, backend)).job(RUNNING_ID).status))
                worker.start()
                assert wait_until(lambda: not worker.is_alive()) and answers == ["running"]
                (token,) = idp.refresh_tokens
                assert wait_until(lambda: accounts.credentials_for(backend, authcfg=authcfg).password == token)
                return token

            fourth = call_in_a_thread()
            fifth = call_in_a_thread()
            assert fifth != fourth
            forget_device_tokens()
            QgsApplication.authManager().removeAuthenticationConfig(authcfg)
    finally:
        QgsApplication.messageLog().messageReceived.disconnect(on_message)
        root.removeHandler(handler)
        root.setLevel(old_level)
    stored = "\n".join(str(settings.get_value(f"portals/cdse_openeo/openeo_{key}", ""))
                       for key in ("authcfg", "provider", "token_url", "client_id"))
    for token in (first, second, third, fourth, fifth):
        assert not [text for text in logged + records + [stored, str(refused.value)] if token in text]


def test_device_sign_in_is_kept_and_signs_openeo_requests(qgis_app, plugin_env):
    from plugin.openeo_accounts import bearer_for
    from plugin.ui.device_login import DEVICE_USER, DeviceLoginDialog

    with ReplayServer() as server:
        idp = DeviceIdp(server, confirm_after=2, interval=0.05, slow_down=False)
        server.add("GET", API + "/", fixture_bytes("openeo/cdse_recorded/openeofed_capabilities.json"))
        # no recording of GET /credentials/oidc exists: its documented shape, naming this loopback issuer
        server.add("GET", API + "/credentials/oidc", json.dumps({"providers": [{
            "id": "CDSE", "issuer": server.url + REALM, "title": "Copernicus Data Space Ecosystem",
            "scopes": ["openid"], "default_clients": [{"id": CLIENT, "grant_types": [
                "urn:ietf:params:oauth:grant-type:device_code+pkce", "refresh_token"]}]}]}).encode())
        seen = []
        server.add("GET", f"{API}/jobs/{RUNNING_ID}", handler=lambda r: (
            seen.append(r.headers.get("Authorization", "")) or
            (200, {}, fixture_bytes("openeo/cdse_recorded/openeofed_job_running.json"))))
        plugin_env.catalog({"cdse_openeo": {"url": server.url + API}})
        catalog = load_catalog()
        backend = catalog.portal("cdse_openeo")
        dialog = DeviceLoginDialog(backend, HttpSettings())
        assert wait_until(lambda: dialog.device is not None), dialog.status.text()
        assert dialog.code.text() == "Code: ABCD-EFGH"
        assert server.url + "/device?user_code=ABCD-EFGH" in dialog.link.text()
        assert wait_until(lambda: dialog.result() == QDialog.DialogCode.Accepted), dialog.status.text()
        kept = settings.openeo_sign_in("cdse_openeo")
        authcfg = kept.get("authcfg", "")
        assert authcfg and kept["client_id"] == CLIENT
        refresh = next(iter(idp.refresh_tokens))
        stored = "\n".join(str(settings.get_value(f"portals/cdse_openeo/openeo_{key}", ""))
                           for key in ("authcfg", "provider", "token_url", "client_id"))
        assert refresh not in stored  # the token is only in the authentication database
        from plugin import accounts
        kept = accounts.credentials_for(backend, authcfg=authcfg)
        assert (kept.username, kept.password) == (DEVICE_USER, refresh)
        bearer = bearer_for(catalog, backend)  # as after a restart: from the kept refresh token
        assert isinstance(bearer, OidcBearer)
        client = OpenEOClient(backend.url, backend.title, bearer=bearer)
        assert client.job(RUNNING_ID).status == "running"
        assert seen[-1].startswith("Bearer oidc/CDSE/at-")
        from qgis.core import QgsApplication
        QgsApplication.authManager().removeAuthenticationConfig(authcfg)


def test_a_proxy_set_during_the_session_carries_the_next_refresh(qgis_app, plugin_env, tmp_path):
    """The device sign-in's tokens are shared for the session: a proxy the user sets afterwards in QGIS's network
    options must carry their next refresh (it went straight to the identity server until QGIS restarted)."""
    from qgis.core import QgsApplication

    from plugin.openeo_accounts import bearer_for, forget_device_tokens
    from tests.support.proxy import TinyProxy

    with ReplayServer() as server, TinyProxy(tmp_path / "proxy") as proxy:
        idp = DeviceIdp(server, confirm_after=2, interval=0.05, slow_down=False)
        catalog, backend, authcfg = signed_in(server, plugin_env, idp)
        forget_device_tokens()
        try:
            direct = bearer_for(catalog, backend, HttpSettings())
            assert direct.value(None).startswith("oidc/CDSE/at-")  # a refresh, straight to the server
            proxy.mark()
            proxied = bearer_for(catalog, backend, HttpSettings(proxies={"http": proxy.url, "https": proxy.url}))
            assert proxied.invalidate(None)  # the back-end said the token expired: the next call refreshes
            assert proxied.value(None).startswith("oidc/CDSE/at-")
            assert ("POST", server.url + REALM + "/protocol/openid-connect/token") in proxy.requests_to(server.url)
        finally:
            forget_device_tokens()
            QgsApplication.authManager().removeAuthenticationConfig(authcfg)
