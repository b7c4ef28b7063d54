"""The dock's parts on their own: QGIS's proxy settings as HttpSettings (proved on loopback), the quicklook
cache's size bound, human sizes, short portal names."""
from __future__ import annotations

import os
import time

import pytest
from qgis.core import QgsSettings
from qgis.PyQt.QtCore import QSettings

from plugin.core.catalog import load_catalog
from plugin.core.http import make_session
from plugin.network import http_settings
from plugin.ui.dock import short_names
from plugin.ui.quicklook import QuicklookCache, usable_url
from plugin.ui.results_model import human_size
from tests.support.replay import ReplayServer


@pytest.fixture
def settings(tmp_path):
    """A QGIS settings file of the test's own (other processes may share the default one)."""
    from pathlib import Path

    default_path = str(Path(QgsSettings().fileName()).parents[1])
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    yield QgsSettings()
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, default_path)


def test_no_proxy_by_default_and_the_qgis_timeout(settings):
    settings.setValue("qgis/networkAndProxy/networkTimeout", 45000)
    http = http_settings()
    assert http.proxies == {} and not http.trust_env and http.verify  # True, or a CA bundle: verifying
    assert http.timeout == 45.0
    assert http.user_agent.startswith("EO-Portals-QGIS-plugin/") and "QGIS/3" in http.user_agent


def test_http_proxy_with_credentials_and_exclusions(settings):
    settings.setValue("proxy/proxyEnabled", True)
    settings.setValue("proxy/proxyType", "HttpProxy")
    settings.setValue("proxy/proxyHost", "proxy.example.org")
    settings.setValue("proxy/proxyPort", "3128")
    settings.setValue("proxy/proxyUser", "jane doe")
    settings.setValue("proxy/proxyPassword", "p@ss:word/1")
    settings.setValue("proxy/noProxyUrls", ["https://intranet.example.org/stac", "localhost"])
    settings.setValue("proxy/proxyExcludedUrls", ["http://old.example.org"])
    http = http_settings()
    assert http.proxies == {"http": "http://jane%20doe:p%40ss%3Aword%2F1@proxy.example.org:3128",
                            "https": "http://jane%20doe:p%40ss%3Aword%2F1@proxy.example.org:3128"}
    # both of QGIS's exclusion lists reach the core (as hosts or as the URL prefixes QGIS matches)
    for excluded in ("intranet.example.org", "localhost", "old.example.org"):
        assert any(excluded in entry for entry in http.no_proxy)
    assert not http.trust_env and http.verify


def test_socks_and_system_proxies(settings):
    settings.setValue("proxy/proxyEnabled", True)
    settings.setValue("proxy/proxyType", "Socks5Proxy")
    settings.setValue("proxy/proxyHost", "socks.example.org")
    settings.setValue("proxy/proxyPort", "1080")
    assert http_settings().proxies["https"] == "socks5h://socks.example.org:1080"
    settings.setValue("proxy/proxyType", "DefaultProxy")  # "use the system's proxy"
    http = http_settings()
    assert http.trust_env and http.proxies == {}


def test_a_session_goes_through_the_qgis_proxy_except_for_excluded_hosts(settings):
    """A loopback server plays the proxy: a request for a non-excluded host reaches it as an absolute URI."""
    with ReplayServer() as proxy, ReplayServer() as portal:
        proxy.add("GET", "/v1/search", b'{"via": "proxy"}')
        portal.add("GET", "/v1/search", b'{"via": "direct"}')
        host, port = proxy.url.rsplit(":", 1)
        settings.setValue("proxy/proxyEnabled", True)
        settings.setValue("proxy/proxyType", "HttpProxy")
        settings.setValue("proxy/proxyHost", host.replace("http://", ""))
        settings.setValue("proxy/proxyPort", port)
        settings.setValue("proxy/noProxyUrls", ["http://127.0.0.1"])
        session = make_session(http_settings())
        # a name that is never resolved: the proxy gets the request, nothing leaves the machine
        assert session.get("http://portal.invalid/v1/search", timeout=5).json() == {"via": "proxy"}
        assert proxy.received("GET", "/v1/search")[0].headers["Host"] == "portal.invalid"
        assert session.get(portal.url + "/v1/search", timeout=5).json() == {"via": "direct"}
        assert len(proxy.received()) == 1


def test_quicklook_cache_keeps_within_its_bound_dropping_the_least_recently_used(tmp_path):
    cache = QuicklookCache(tmp_path / "cache", max_bytes=2500)
    jpeg = b"\xff\xd8\xff" + b"x" * 997  # 1000 bytes that start like a JPEG
    first = cache.store("https://a.example/1.jpg", jpeg)
    second = cache.store("https://a.example/2.jpg", jpeg)
    old = time.time() - 100
    os.utime(first, (old, old))
    os.utime(second, (old + 10, old + 10))
    assert cache.find("https://a.example/1.jpg") == first  # used again: now the most recent
    third = cache.store("https://a.example/3.jpg", jpeg)
    assert first.exists() and third.exists() and not second.exists()
    assert cache.total_bytes() <= 2500
    assert first.suffix == ".jpg" and "a.example" not in first.name  # URLs (maybe signed) stay out of names
    assert cache.find("https://a.example/2.jpg") is None


def test_only_http_quicklooks_are_fetched():
    assert usable_url("https://sentinel-cogs.s3.us-west-2.amazonaws.com/x/preview.jpg")
    assert not usable_url("s3://sentinel-s2-l1c/tiles/31/T/CJ/preview.jpg")  # requester-pays
    assert not usable_url(None) and not usable_url("")


@pytest.mark.parametrize("size, text", [(None, ""), (0, "0 B"), (999, "999 B"), (1000, "1.0 kB"),
                                        (224105657, "224 MB"), (1_234_567_890, "1.2 GB"),
                                        (5_000_000_000_000, "5.0 TB")])
def test_sizes_in_human_units(size, text):
    assert human_size(size) == text


def test_short_portal_names_are_distinct():
    names = short_names(load_catalog(env={}))
    assert names["cdse"] == "CDSE" and names["cdse_stac"] == "CDSE STAC"
    assert names["earth_search"] == "Earth Search" and names["planetary_computer"] == "Planetary Computer"
    assert len(set(names.values())) == len(names)
