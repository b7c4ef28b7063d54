"""Every HTTP call follows QGIS's proxy settings, proved through a real proxy (Debian's tinyproxy) on loopback.

Settings are written exactly as Settings > Options > Network saves them (QGIS 3.22 qgsoptions.cpp), read by
`plugin.network.http_settings()` as the dock and Processing do, and used by the real search
(`plugin.core.search.search`) against the portals' recorded answers (tests/support/portals.py). That the
traffic went through the proxy is proved twice: tinyproxy's log has one line per request it received, and the
portal server sees the proxy's Via header on every request it forwarded. Proxy and portals are loopback
servers; the sessions never read proxy variables from the environment unless "use system proxy" says so, so
nothing here bypasses the proxy because the target is 127.0.0.1.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import List

import pytest

from plugin.core.auth import Accounts
from plugin.core.catalog import load_catalog
from plugin.core.credentials import Credentials
from plugin.core.download.downloader import Downloader
from plugin.core.download.job import Job, State
from plugin.core.errors import ErrorKind
from plugin.core.product import make_product
from plugin.core.query import SearchQuery
from plugin.core.search import search
from plugin.network import http_settings
from tests.support.download_servers import DownloadServer, FileContent, OidcProvider, SasIssuer
from tests.support.fixtures import fixture_path
from tests.support.portals import recorded_portals
from tests.support.proxy import TinyProxy, free_port, set_qgis_proxy

AOI = "POLYGON((3.0 47.4,3.1 47.4,3.1 47.5,3.0 47.5,3.0 47.4))"
USER, PASSWORD = "analyst", "Pr0xy-Pa55.word"
PORTALS = ["earth_search", "planetary_computer"]
# what the two recordings hold for this L2A query (Earth Search's also holds a Landsat item, left out)
EXPECTED = {"earth_search": 1, "planetary_computer": 33}
S2_ZIP = "products/S2A_MSIL1C_20180101T105441_N0206_R051_T31TDH_20180101T124911.zip"


def l2a_query() -> SearchQuery:
    return SearchQuery.create(AOI, "2023-10-01", "2023-10-31", "S2_MSI_L2A")


@pytest.fixture
def proxy(tmp_path):
    with TinyProxy(tmp_path / "proxy") as running:
        yield running


@pytest.fixture
def auth_proxy(tmp_path):
    with TinyProxy(tmp_path / "auth-proxy", user=USER, password=PASSWORD) as running:
        yield running


@pytest.fixture
def portals(tmp_path):
    with recorded_portals(tmp_path / "portals", PORTALS) as running:
        yield running


def run_search(catalog_path: Path, portal_ids: List[str], query: SearchQuery = None):
    """The search as the dock's task runs it: QGIS's network settings read now, then the fan-out."""
    catalog = load_catalog(catalog_path, env={})
    return search(catalog.select(portal_ids), query or l2a_query(), settings=http_settings(), budget=20)


def forwarded_by(proxy: TinyProxy, recorded) -> bool:
    return proxy.via in recorded.headers.get("Via", "")


# ---- search through an HTTP proxy ---------------------------------------------------------------------------
def test_search_goes_through_the_http_proxy_of_qgis_options(qgis_settings, proxy, portals):
    set_qgis_proxy(qgis_settings, host=proxy.host, port=proxy.port)
    result = run_search(portals.catalog_path, PORTALS)

    assert {pid: (o.ok, o.count) for pid, o in result.outcomes.items()} == \
        {pid: (True, n) for pid, n in EXPECTED.items()}, [o.message for o in result.outcomes.values()]
    received = portals.server.requests
    assert len(received) == 3  # Earth Search's two pages and Planetary Computer's one
    # every request the portals received was forwarded by the proxy, and the proxy logged each one
    assert all(forwarded_by(proxy, r) for r in received), [r.headers for r in received]
    assert sorted(proxy.requests_to(portals.server.url)) == sorted(
        ("POST", portals.server.url + r.path) for r in received)


def test_proxy_user_and_password_of_the_options_page(qgis_settings, auth_proxy, portals):
    set_qgis_proxy(qgis_settings, host=auth_proxy.host, port=auth_proxy.port, user=USER, password=PASSWORD)
    result = run_search(portals.catalog_path, PORTALS)

    assert all(o.ok for o in result.outcomes.values()), [o.message for o in result.outcomes.values()]
    assert len(result.products) == sum(EXPECTED.values())
    assert len(portals.server.requests) == 3 and all(forwarded_by(auth_proxy, r) for r in portals.server.requests)
    assert len(auth_proxy.requests_to(portals.server.url)) == 3
    assert len(auth_proxy.connections()) == 3  # it let each request through to the portal


def test_proxy_credentials_from_an_authentication_configuration(qgis_settings, auth_config, auth_proxy, portals):
    # What the Options page stores when the proxy's credentials are kept in the authentication database
    authcfg = auth_config("Basic", "Office proxy", username=USER, password=PASSWORD)
    set_qgis_proxy(qgis_settings, host=auth_proxy.host, port=auth_proxy.port, authcfg=authcfg)
    result = run_search(portals.catalog_path, PORTALS)

    assert all(o.ok for o in result.outcomes.values()), [o.message for o in result.outcomes.values()]
    assert len(portals.server.requests) == 3 and all(forwarded_by(auth_proxy, r) for r in portals.server.requests)


def test_a_wrong_proxy_password_names_the_portal_and_the_proxy(qgis_settings, auth_proxy, portals):
    set_qgis_proxy(qgis_settings, host=auth_proxy.host, port=auth_proxy.port, user=USER, password="wrong-one")
    result = run_search(portals.catalog_path, ["earth_search"])

    outcome = result.outcomes["earth_search"]
    assert not outcome.ok and outcome.error.kind is ErrorKind.AUTH
    message = outcome.message
    assert message.startswith("Earth Search: ")
    assert f"proxy {auth_proxy.address}" in message and "Options > Network" in message, message
    assert "wrong-one" not in message
    # the proxy received the request and refused it: nothing reached the portal
    assert len(auth_proxy.requests_to(portals.server.url)) == 1
    assert auth_proxy.connections() == [] and portals.server.requests == []


def test_a_proxy_asking_for_credentials_none_were_given_for(qgis_settings, auth_proxy, portals):
    set_qgis_proxy(qgis_settings, host=auth_proxy.host, port=auth_proxy.port)
    result = run_search(portals.catalog_path, ["planetary_computer"])

    outcome = result.outcomes["planetary_computer"]
    assert outcome.error is not None and outcome.error.kind is ErrorKind.AUTH and outcome.error.status == 407
    assert outcome.message == (f"Planetary Computer: the proxy {auth_proxy.address} wants a valid user "
                               "name and password (HTTP 407): check them in QGIS Settings > Options > Network")
    assert portals.server.requests == []


def test_a_proxy_that_is_down_is_named(qgis_settings, portals):
    port = free_port()
    set_qgis_proxy(qgis_settings, host="127.0.0.1", port=port)
    result = run_search(portals.catalog_path, ["earth_search"])

    assert result.outcomes["earth_search"].message == \
        f"Earth Search: cannot reach the proxy 127.0.0.1:{port} (Connection refused)"
    assert portals.server.requests == []


def test_a_portal_the_proxy_cannot_reach_is_reported_as_such(qgis_settings, proxy, tmp_path):
    closed = free_port()
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps({"earth_search": {"url": f"http://127.0.0.1:{closed}/v1"}}), encoding="utf-8")
    set_qgis_proxy(qgis_settings, host=proxy.host, port=proxy.port)
    outcome = run_search(catalog, ["earth_search"]).outcomes["earth_search"]

    assert not outcome.ok
    assert outcome.message.startswith(f"Earth Search: the proxy {proxy.address} answered HTTP 500")
    assert proxy.requests() == [("POST", f"http://127.0.0.1:{closed}/v1/search")]


# ---- exclusions and the system proxy -------------------------------------------------------------------
def test_excluded_urls_go_direct_and_the_others_through_the_proxy(qgis_settings, proxy, tmp_path):
    with recorded_portals(tmp_path / "a", ["earth_search"]) as direct, \
            recorded_portals(tmp_path / "b", ["planetary_computer"]) as proxied:
        catalog = tmp_path / "catalog.json"
        catalog.write_text(json.dumps({
            "earth_search": {"url": direct.url("earth_search")},
            "planetary_computer": {"url": proxied.url("planetary_computer")},
        }), encoding="utf-8")
        # QGIS matches exclusions as URL prefixes: the same host on another port still uses the proxy
        set_qgis_proxy(qgis_settings, host=proxy.host, port=proxy.port, no_proxy_urls=[direct.server.url + "/"])
        result = run_search(catalog, PORTALS)

        assert {pid: o.count for pid, o in result.outcomes.items()} == EXPECTED
        assert len(direct.server.requests) == 2 and not any(forwarded_by(proxy, r) for r in direct.server.requests)
        assert proxy.requests_to(direct.server.url) == []
        assert len(proxied.server.requests) == 1 and forwarded_by(proxy, proxied.server.requests[0])
        assert len(proxy.requests_to(proxied.server.url)) == 1


def test_use_system_proxy_follows_the_environment(qgis_settings, proxy, portals, monkeypatch):
    # "Default proxy" in the Options page: QGIS asks the system, on Linux the proxy variables
    set_qgis_proxy(qgis_settings, proxy_type="DefaultProxy")
    monkeypatch.setenv("http_proxy", proxy.url)
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    result = run_search(portals.catalog_path, ["earth_search"])
    assert result.outcomes["earth_search"].count == EXPECTED["earth_search"]
    assert len(proxy.requests_to(portals.server.url)) == 2
    assert all(forwarded_by(proxy, r) for r in portals.server.requests)

    # the system's own exclusions apply too
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    proxy.mark()
    before = len(portals.server.requests)
    result = run_search(portals.catalog_path, ["earth_search"])
    assert result.outcomes["earth_search"].count == EXPECTED["earth_search"]
    assert proxy.requests() == []
    assert not any(forwarded_by(proxy, r) for r in portals.server.requests[before:])


def test_qgis_exclusions_apply_to_the_system_proxy_too(qgis_settings, proxy, portals, monkeypatch):
    set_qgis_proxy(qgis_settings, proxy_type="DefaultProxy", no_proxy_urls=[portals.server.url])
    monkeypatch.setenv("http_proxy", proxy.url)
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    result = run_search(portals.catalog_path, ["earth_search"])

    assert result.outcomes["earth_search"].count == EXPECTED["earth_search"]
    assert proxy.requests() == []
    assert not any(forwarded_by(proxy, r) for r in portals.server.requests)


def test_no_proxy_in_qgis_means_direct_whatever_the_environment_says(qgis_settings, proxy, portals, monkeypatch):
    set_qgis_proxy(qgis_settings, enabled=False, host=proxy.host, port=proxy.port)
    monkeypatch.setenv("http_proxy", proxy.url)
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    result = run_search(portals.catalog_path, ["earth_search"])

    assert result.outcomes["earth_search"].count == EXPECTED["earth_search"]
    assert proxy.requests() == [] and not any(forwarded_by(proxy, r) for r in portals.server.requests)


# ---- quicklooks, tokens and downloads -------------------------------------------------------------------
def _png() -> bytes:
    from qgis.PyQt.QtCore import QBuffer, QByteArray, QIODevice
    from qgis.PyQt.QtGui import QColor, QImage

    image = QImage(16, 16, QImage.Format.Format_RGB32)
    image.fill(QColor(30, 120, 60))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    assert image.save(buffer, "PNG")
    return bytes(data)


def test_quicklooks_are_fetched_through_the_proxy(qgis_settings, auth_proxy, tmp_path):
    from plugin.ui.quicklook import QuicklookCache, QuicklookTask

    png = _png()
    set_qgis_proxy(qgis_settings, host=auth_proxy.host, port=auth_proxy.port, user=USER, password=PASSWORD)
    with DownloadServer() as server:
        server.add("/thumbnails/S2B_T31TDH.png", lambda hit: (200, {"Content-Type": "image/png"}, png))
        url = server.url + "/thumbnails/S2B_T31TDH.png"
        # what the dock does for the selected product (dock.quicklook.show_product), run in this thread
        task = QuicklookTask(url, QuicklookCache(tmp_path / "quicklooks", 10_000_000), settings=http_settings(),
                             portal_title="Earth Search")
        assert task.run(), task.message
        assert not task.image.isNull() and task.image.width() == 16
        assert auth_proxy.requests_to(server.url) == [("GET", url)]
        assert auth_proxy.via in server.hits("/thumbnails/S2B_T31TDH.png")[0].headers.get("Via", "")


def test_token_and_signing_requests_go_through_the_proxy(qgis_settings, auth_proxy, tmp_path):
    set_qgis_proxy(qgis_settings, host=auth_proxy.host, port=auth_proxy.port, user=USER, password=PASSWORD)
    oidc = OidcProvider("alice", "cdse-secret")
    with DownloadServer() as server:
        server.add_token_endpoint("/token", oidc)
        server.add_sas("/sas/token", SasIssuer())
        path = tmp_path / "catalog.json"
        path.write_text(json.dumps({"cdse": {"token_url": server.url + "/token"},
                                    "planetary_computer": {"sas_url": server.url + "/sas/token"}}), encoding="utf-8")
        catalog = load_catalog(path, env={})
        accounts = Accounts(catalog, {"cdse": Credentials(username="alice", password="cdse-secret")}, http_settings())

        token = accounts.for_portal(catalog.portal("cdse")).token()
        signed = accounts.for_portal(catalog.portal("planetary_computer")).sign(
            "https://sentinel2l2a01.blob.core.windows.net/sentinel2-l2/T31TDH/B04.tif", collection="sentinel-2-l2a")

        assert token in oidc.issued() and "sig=" in signed  # nothing went to windows.net: only signed
        assert auth_proxy.requests_to(server.url) == [
            ("POST", server.url + "/token"), ("GET", server.url + "/sas/token/sentinel-2-l2a")]
        assert all(auth_proxy.via in hit.headers.get("Via", "") for hit in server.hits())


def test_a_download_goes_through_the_proxy(qgis_settings, auth_proxy, tmp_path):
    zip_path = fixture_path(S2_ZIP)
    set_qgis_proxy(qgis_settings, host=auth_proxy.host, port=auth_proxy.port, user=USER, password=PASSWORD)
    with DownloadServer() as server:
        server.add_file("/download/S2.zip", FileContent(zip_path))
        catalog = load_catalog(env={})
        product = make_product(portal="earth_search", product_id="S2-item", name=zip_path.stem,
                               collection="S2_MSI_L1C", download_url=server.url + "/download/S2.zip",
                               checksums={"MD5": hashlib.md5(zip_path.read_bytes()).hexdigest()})
        settings = http_settings()
        downloader = Downloader(catalog, Accounts(catalog, {}, settings), settings)
        job = downloader.run(Job(product=product, folder=str(tmp_path / "downloads")))

        assert job.state is State.DONE, job.error_text
        assert Path(job.files[0]).read_bytes() == zip_path.read_bytes()
        assert auth_proxy.requests_to(server.url) and \
            all(target == server.url + "/download/S2.zip" for _m, target in auth_proxy.requests_to(server.url))
        assert all(auth_proxy.via in hit.headers.get("Via", "") for hit in server.hits("/download/S2.zip"))
