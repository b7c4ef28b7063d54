"""Accounts: CDSE tokens (login, refresh, shared, refused), API keys, SAS tokens, THEIA signing, Basic; no secret leaks."""
import json
import logging
import threading

import pytest

from plugin.core.auth import (
    LOGIN_REFUSED, Accounts, ApiKeyAuth, BasicAuth, OidcAuth, SasAuth, SigningAuth, same_site,
)
from plugin.core.catalog import load_catalog
from plugin.core.credentials import Credentials
from plugin.core.errors import ErrorKind, PortalError
from tests.support.download_servers import DownloadServer, OidcProvider, SasIssuer, SigningService

PASSWORD = "Pa55-word-never-shown"
API_KEY = "k3y-never-shown-0123"


class FakeClock:
    """Wall clock the test moves by hand (token lifetimes without sleeping)."""

    def __init__(self, start: float = 1_700_000_000.0):
        self.now = start

    def __call__(self) -> float:
        return self.now


def catalog_for(tmp_path, overrides):
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(overrides), encoding="utf-8")
    return load_catalog(path)


@pytest.fixture
def idp():
    provider = OidcProvider("alice", PASSWORD, expires_in=600, refresh_expires_in=3600)
    with DownloadServer() as server:
        server.add_token_endpoint("/auth/realms/CDSE/protocol/openid-connect/token", provider)
        server.provider = provider
        server.token_url = server.url + "/auth/realms/CDSE/protocol/openid-connect/token"
        yield server


def cdse_accounts(tmp_path, idp, credentials, clock=None):
    catalog = catalog_for(tmp_path, {"cdse": {"token_url": idp.token_url}})
    return Accounts(catalog, {"cdse": credentials}, clock=clock), catalog


def test_password_grant_sends_the_catalog_client_id_and_no_totp_unless_given(tmp_path, idp):
    accounts, catalog = cdse_accounts(tmp_path, idp, Credentials(username="alice", password=PASSWORD))
    auth = accounts.for_portal(catalog.portal("cdse"))
    header = auth.headers_for("https://download.example/x", "https://download.example/x")
    assert header["Authorization"] in ["Bearer " + t for t in idp.provider.issued()]
    form = idp.provider.grants[0]
    assert form == {"grant_type": "password", "username": "alice", "password": PASSWORD, "client_id": "cdse-public"}


def test_two_factor_code_is_sent_with_the_password(tmp_path, idp):
    idp.provider.totp = "123456"
    accounts, catalog = cdse_accounts(tmp_path, idp, Credentials(username="alice", password=PASSWORD, totp="123456"))
    accounts.for_portal(catalog.portal("cdse")).token()
    assert idp.provider.grants[0]["totp"] == "123456"
    assert idp.provider.logins == 1


def test_one_login_shared_by_every_download_thread_and_by_cdse_stac(tmp_path, idp):
    accounts, catalog = cdse_accounts(tmp_path, idp, Credentials(username="alice", password=PASSWORD))
    auth = accounts.for_portal(catalog.portal("cdse"))
    assert accounts.for_portal(catalog.portal("cdse_stac")) is auth  # auth_portal: cdse
    tokens = []
    threads = [threading.Thread(target=lambda: tokens.append(auth.token())) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(tokens)) == 1
    assert idp.provider.logins == 1 and auth.logins == 1


def test_the_access_token_is_refreshed_a_little_before_it_expires_without_a_new_login(tmp_path, idp):
    clock = FakeClock()
    accounts, catalog = cdse_accounts(tmp_path, idp, Credentials(username="alice", password=PASSWORD), clock)
    auth = accounts.for_portal(catalog.portal("cdse"))
    first = auth.token()
    clock.now += 530  # 10 min token, 70 s left: still used
    assert auth.token() == first
    clock.now += 15  # 55 s left: refreshed early
    second = auth.token()
    assert second != first
    assert idp.provider.grants[-1]["grant_type"] == "refresh_token"
    assert idp.provider.grants[-1]["client_id"] == "cdse-public"
    assert (idp.provider.logins, idp.provider.refreshes) == (1, 1)


def test_password_login_again_only_when_the_refresh_token_is_gone(tmp_path, idp):
    clock = FakeClock()
    accounts, catalog = cdse_accounts(tmp_path, idp, Credentials(username="alice", password=PASSWORD), clock)
    auth = accounts.for_portal(catalog.portal("cdse"))
    auth.token()
    clock.now += 3700  # the refresh token (60 min) has expired too
    auth.token()
    assert (idp.provider.logins, idp.provider.refreshes) == (2, 0)
    # the server ends the session early: the refresh is refused, then one login
    idp.provider.revoke_refresh_tokens()
    clock.now += 600
    auth.token()
    assert (idp.provider.logins, idp.provider.refreshes) == (3, 0)
    assert [g["grant_type"] for g in idp.provider.grants] == ["password", "password", "refresh_token", "password"]


def test_wrong_password_is_refused_once_with_a_clear_message_and_no_secret(tmp_path, idp, caplog):
    caplog.set_level(logging.DEBUG)
    accounts, catalog = cdse_accounts(tmp_path, idp, Credentials(username="alice", password="wrong-" + PASSWORD))
    auth = accounts.for_portal(catalog.portal("cdse"))
    with pytest.raises(PortalError) as refused:
        auth.headers_for("https://a.example/x", "https://a.example/x")
    error = refused.value
    assert error.kind is ErrorKind.AUTH
    assert str(error) == f"CDSE: {LOGIN_REFUSED}"
    assert LOGIN_REFUSED == "login refused, check the account in EO Portals settings"
    assert error.detail == "Invalid user credentials"
    # the refusal is remembered: no second password is sent (CDSE would lock the account)
    with pytest.raises(PortalError):
        auth.token()
    assert idp.provider.refused == 1
    assert auth.invalidate() is False
    for text in (str(error), repr(error), error.detail, repr(auth), repr(auth.credentials), caplog.text):
        assert PASSWORD not in text


def test_no_account_means_a_message_not_a_request(tmp_path, idp):
    accounts, catalog = cdse_accounts(tmp_path, idp, Credentials())
    with pytest.raises(PortalError) as missing:
        accounts.for_portal(catalog.portal("cdse")).token()
    assert missing.value.kind is ErrorKind.AUTH
    assert "add it in EO Portals settings" in str(missing.value)
    assert idp.provider.grants == []


def test_token_service_unreachable_is_not_a_login_refusal(tmp_path):
    catalog = catalog_for(tmp_path, {"cdse": {"token_url": "http://127.0.0.1:9/token"}})
    auth = Accounts(catalog, {"cdse": Credentials(username="alice", password=PASSWORD)}).for_portal(catalog.portal("cdse"))
    with pytest.raises(PortalError) as failed:
        auth.token()
    assert failed.value.kind is ErrorKind.UNREACHABLE
    assert PASSWORD not in str(failed.value)


def test_tokens_are_masked_in_any_text(tmp_path, idp):
    accounts, catalog = cdse_accounts(tmp_path, idp, Credentials(username="alice", password=PASSWORD))
    auth = accounts.for_portal(catalog.portal("cdse"))
    token = auth.token()
    refresh = idp.provider.refresh_tokens()[0]
    text = f"GET https://x.example/a?token={token} failed with Bearer {token}, refresh {refresh}, pw {PASSWORD}"
    masked = accounts.mask(text)
    for secret in (token, refresh, PASSWORD):
        assert secret not in masked


@pytest.mark.parametrize("url, origin, same", [
    ("https://zipper.dataspace.copernicus.eu/a", "https://download.dataspace.copernicus.eu/b", True),
    ("http://127.0.0.1:8001/a", "http://127.0.0.1:8000/b", True),
    ("https://bucket.s3.amazonaws.com/a", "https://download.dataspace.copernicus.eu/b", False),
    ("http://download.dataspace.copernicus.eu/a", "https://download.dataspace.copernicus.eu/b", False),
    ("ftp://download.dataspace.copernicus.eu/a", "https://download.dataspace.copernicus.eu/b", False),
    ("https://s3.datalake.cnes.fr/a", "https://geodes-portal.cnes.fr/b", True),
])
def test_credentials_follow_redirects_within_the_site_only(url, origin, same):
    assert same_site(url, origin) is same
    bearer = OidcAuth("CDSE", Credentials(username="u", password="p"), "http://unused", "cdse-public")
    bearer._access, bearer._access_expiry = "tok", float("inf")
    assert bool(bearer.headers_for(url, origin)) is same
    assert bool(ApiKeyAuth("GEODES", Credentials(api_key=API_KEY)).headers_for(url, origin)) is same
    assert bool(BasicAuth("DHuS", Credentials(username="u", password="p")).basic_for(url, origin)) is same


def test_api_key_header_name_comes_from_the_catalog(tmp_path):
    catalog = catalog_for(tmp_path, {"geodes": {"api_key_header": "X-API-Key"},
                                     "hydroweb_next": {"api_key_header": "X-Hydroweb-Key"}})
    accounts = Accounts(catalog, {"geodes": Credentials(api_key=API_KEY), "hydroweb_next": Credentials(api_key="h")})
    url = "https://geodes-portal.cnes.fr/api/download/x"
    assert accounts.for_portal(catalog.portal("geodes")).headers_for(url, url) == {"X-API-Key": API_KEY}
    assert accounts.for_portal(catalog.portal("hydroweb_next")).headers_for(url, url) == {"X-Hydroweb-Key": "h"}
    assert API_KEY not in repr(accounts.for_portal(catalog.portal("geodes")))


@pytest.fixture
def sas_server():
    issuer = SasIssuer(lifetime=3600)
    with DownloadServer() as server:
        server.add_sas("/api/sas/v1/token", issuer)
        server.issuer = issuer
        yield server


def test_one_sas_token_per_collection_shared_by_every_file(tmp_path, sas_server):
    clock = FakeClock()
    sas_server.issuer.clock = clock  # the service and the plugin share the same (fake) time
    catalog = catalog_for(tmp_path, {"planetary_computer": {"sas_url": sas_server.url + "/api/sas/v1/token"}})
    auth = Accounts(catalog, {}, clock=clock).for_portal(catalog.portal("planetary_computer"))
    assert isinstance(auth, SasAuth)
    blob = "https://sentinel2l2a01.blob.core.windows.net/sentinel2-l2/60/V/UK/2019/01/01/X.SAFE/GRANULE/B0{}_10m.tif"
    signed = [auth.sign(blob.format(band), "sentinel-2-l2a") for band in range(2, 9)]
    signed += [auth.sign("https://landsateuwest.blob.core.windows.net/landsat-c2/x.tif", "landsat-c2-l2")]
    assert sas_server.issuer.requests == {"sentinel-2-l2a": 1, "landsat-c2-l2": 1}
    assert all("&sig=" in url and url.count("?") == 1 for url in signed)
    assert len({url.split("?", 1)[1] for url in signed[:7]}) == 1
    # a public API URL (rendered_preview) is not signed
    preview = "https://planetarycomputer.microsoft.com/api/data/v1/item/preview.png?collection=c&item=i"
    assert auth.sign(preview, "sentinel-2-l2a") == preview
    # near expiry (less than 60 s left): a new token, once
    clock.now += 3600 - 30
    auth.sign(blob.format(2), "sentinel-2-l2a")
    auth.sign(blob.format(3), "sentinel-2-l2a")
    assert sas_server.issuer.requests["sentinel-2-l2a"] == 2


def test_sas_without_collection_uses_the_storage_container_and_the_subscription_key(tmp_path, sas_server):
    catalog = catalog_for(tmp_path, {"planetary_computer": {"sas_url": sas_server.url + "/api/sas/v1/token"}})
    auth = Accounts(catalog, {"planetary_computer": Credentials(api_key=API_KEY)}).for_portal(
        catalog.portal("planetary_computer"))
    auth.sign("https://sentinel2l2a01.blob.core.windows.net/sentinel2-l2/a/b.tif")
    assert sas_server.issuer.requests == {"sentinel2l2a01/sentinel2-l2": 1}
    assert sas_server.issuer.headers[0]["Ocp-Apim-Subscription-Key"] == API_KEY


@pytest.fixture
def signer():
    service = SigningService("AK-theia", "SK-" + PASSWORD)
    with DownloadServer() as server:
        server.add_signing("/sign", service)
        server.service = service
        yield server


def test_theia_urls_are_signed_by_the_signing_service_with_the_key_pair(tmp_path, signer):
    catalog = catalog_for(tmp_path, {"theia": {"signing_url": signer.url + "/sign"}})
    accounts = Accounts(catalog, {"theia": Credentials(username="AK-theia", password="SK-" + PASSWORD)})
    auth = accounts.for_portal(catalog.portal("theia"))
    assert isinstance(auth, SigningAuth)
    href = "https://s3-data.meso.umontpellier.fr/sentinel2-l2a-theia/T31TCJ/SENTINEL2A_X_FRE_B2.tif"
    signed = auth.sign(href)
    assert signed.startswith(href + "?X-Amz-Expires=") and "X-Amz-Signature=" in signed
    hit = signer.hits("/sign")[0]
    assert hit.query["url"] == href
    assert (hit.headers["access-key"], hit.headers["secret-key"]) == ("AK-theia", "SK-" + PASSWORD)
    assert auth.sign(href) == signed and signer.service.requests == 1  # reused, not signed per retry
    other = "https://api.datastore-mtd.theia.data-terra.org/collections"
    assert auth.sign(other) == other
    assert signed.split("?", 1)[1] not in accounts.mask(f"GET {signed}")


def test_theia_wrong_keys_are_an_account_error(tmp_path, signer):
    catalog = catalog_for(tmp_path, {"theia": {"signing_url": signer.url + "/sign"}})
    auth = Accounts(catalog, {"theia": Credentials(username="AK-theia", password="bad")}).for_portal(
        catalog.portal("theia"))
    with pytest.raises(PortalError) as refused:
        auth.sign("https://s3-data.meso.umontpellier.fr/x.tif")
    assert refused.value.kind is ErrorKind.AUTH
    assert "EO Portals settings" in str(refused.value)


def test_earth_search_needs_nothing(tmp_path):
    catalog = load_catalog(tmp_path / "none.json")
    auth = Accounts(catalog).for_portal(catalog.portal("earth_search"))
    url = "https://sentinel-cogs.s3.us-west-2.amazonaws.com/x.tif"
    assert (auth.sign(url), auth.headers_for(url, url), auth.basic_for(url, url)) == (url, {}, None)


def test_a_refusal_renews_only_a_token_older_than_the_refused_request(tmp_path, idp):
    import time

    accounts, catalog = cdse_accounts(tmp_path, idp, Credentials(username="alice", password=PASSWORD))
    auth = accounts.for_portal(catalog.portal("cdse"))
    sent_before = time.monotonic()
    first = auth.token()
    # another download renewed the token after this request left: keep it, retry with it
    assert auth.invalidate(sent_before) is True
    assert auth.token() == first and idp.provider.refreshes == 0
    # the refused request carried the current token: renew it, once
    assert auth.invalidate(time.monotonic()) is True
    second = auth.token()
    assert second != first and auth.token() == second
    assert (idp.provider.logins, idp.provider.refreshes) == (1, 1)



def test_new_network_settings_reach_token_requests_without_a_new_login(tmp_path, idp):
    """A proxy changed in QGIS after the first login: the refresh goes out with the new settings, no new login."""
    from plugin.core.http import HttpSettings

    clock = FakeClock()
    catalog = catalog_for(tmp_path, {"cdse": {"token_url": idp.token_url}})
    accounts = Accounts(catalog, {"cdse": Credentials(username="alice", password=PASSWORD)},
                        HttpSettings(user_agent="settings-before"), clock=clock)
    auth = accounts.for_portal(catalog.portal("cdse"))
    first = auth.token()
    accounts.use_settings(HttpSettings(user_agent="settings-after"))
    clock.now += 545  # close to expiry: refreshed
    assert auth.token() != first
    agents = [hit.headers.get("User-Agent") for hit in idp.hits("/auth/realms/CDSE/protocol/openid-connect/token")]
    assert agents == ["settings-before", "settings-after"]
    assert (idp.provider.logins, idp.provider.refreshes) == (1, 1)
