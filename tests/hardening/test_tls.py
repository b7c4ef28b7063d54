"""Certificate verification is always on; a private CA works once it is added in QGIS's authentication manager.

The portal is a loopback HTTPS server (tests/support/tls.py) replaying Earth Search's real recorded answers,
with certificates from a CA the test makes with openssl. The CA is imported into QGIS's authentication
manager as a user would (Certificate Manager > Authorities, trust policy), and the search runs with what
`plugin.network.http_settings()` gives, as the dock does. A refused certificate must say why and name the
portal; no request may reach the portal without a verified certificate.
"""
from __future__ import annotations

import ast
import re
import ssl
from pathlib import Path

import pytest

from plugin import settings as plugin_settings
from plugin.core.catalog import load_catalog
from plugin.core.errors import ErrorKind
from plugin.core.http import make_session
from plugin.core.query import SearchQuery
from plugin.core.search import search
from plugin.network import http_settings
from plugin.certificates import BUNDLE_NAME, ca_bundle, default_bundle, pem_to_der
from tests.support.proxy import TinyProxy, set_qgis_proxy
from tests.support.tls import HttpsReplayServer, pem_blocks, serve_recorded

PLUGIN = Path(__file__).resolve().parents[2] / "plugin"
AOI = "POLYGON((3.0 47.4,3.1 47.4,3.1 47.5,3.0 47.5,3.0 47.4))"
TITLE = "Earth Search"


def earth_search(catalog_path: Path):
    """Search Earth Search (moved to the HTTPS server by the catalog file) with QGIS's network settings."""
    catalog = load_catalog(catalog_path, env={})
    query = SearchQuery.create(AOI, "2023-10-01", "2023-10-31", "S2_MSI_L2A")
    result = search(catalog.select(["earth_search"]), query, settings=http_settings(), budget=20)
    return result.outcomes["earth_search"]


@pytest.fixture
def https_portal(private_ca, tmp_path):
    """Earth Search's recordings over HTTPS, with a certificate for 127.0.0.1 signed by the private CA."""
    with HttpsReplayServer(private_ca.issue(tmp_path / "good")) as server:
        yield server, serve_recorded(server, tmp_path / "portal")


# ---- verification is never off ----------------------------------------------------------------------------
_DISABLING = re.compile(
    r"verify\s*=\s*False|[\"']verify[\"']\s*:\s*False|CERT_NONE|check_hostname\s*=\s*False|disable_warnings"
    r"|_create_unverified_context|InsecureRequestWarning|setPeerVerifyMode|ignoreSslErrors")


def test_no_code_in_the_plugin_turns_certificate_verification_off():
    offenders = []
    for path in sorted(PLUGIN.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), 1):
            if _DISABLING.search(line):
                offenders.append(f"{path.relative_to(PLUGIN)}:{number}: {line.strip()}")
        # the same in the syntax tree, whatever the spelling: verify=<falsy constant>, x.verify = <falsy>
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.keyword) and node.arg == "verify" and isinstance(node.value, ast.Constant) \
                    and not node.value.value:
                offenders.append(f"{path.relative_to(PLUGIN)}:{node.value.lineno}: verify={node.value.value!r}")
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and not node.value.value and \
                    any(isinstance(t, ast.Attribute) and t.attr in ("verify", "check_hostname") for t in node.targets):
                offenders.append(f"{path.relative_to(PLUGIN)}:{node.lineno}: assignment of {node.value.value!r}")
    assert offenders == []
    assert len(list(PLUGIN.rglob("*.py"))) > 20  # the scan saw the plugin, not an empty folder


@pytest.mark.parametrize("proxy", [dict(enabled=False), dict(host="127.0.0.1", port=3128),
                                   dict(proxy_type="DefaultProxy"), dict(proxy_type="Socks5Proxy", host="h", port=1)])
def test_every_network_setting_verifies_certificates(qgis_settings, proxy):
    set_qgis_proxy(qgis_settings, **proxy)
    settings = http_settings()
    assert settings.verify is True or Path(settings.verify).is_file()
    assert make_session(settings).verify == settings.verify


# ---- a private CA ----------------------------------------------------------------------------------------
def test_a_private_ca_unknown_to_qgis_is_refused_with_a_clear_message(qgis_settings, https_portal):
    server, catalog = https_portal
    outcome = earth_search(catalog)

    assert outcome.error is not None and outcome.error.kind is ErrorKind.UNREACHABLE
    assert outcome.message == (
        f"{TITLE}: secure connection refused: the certificate could not be verified (self-signed certificate in "
        "certificate chain); if the portal or your network uses its own certificate authority, add it in QGIS "
        "Settings > Options > Authentication > Certificate Manager")
    assert server.requests == []  # nothing was sent over an unverified connection


def test_the_ca_added_in_qgis_authentication_manager_makes_the_portal_work(qgis_settings, https_portal, private_ca,
                                                                          trust_in_qgis):
    server, catalog = https_portal
    trust_in_qgis(private_ca.pem)

    settings = http_settings()
    bundle = Path(settings.verify)
    assert bundle == plugin_settings.profile_folder() / BUNDLE_NAME  # in the QGIS profile, not a temp folder
    blocks = pem_blocks(bundle)
    assert set(pem_to_der(private_ca.pem.read_text())) <= set(pem_to_der(bundle.read_text()))
    # the default authorities are all still there: adding a CA takes nothing away
    assert set(pem_to_der(Path(default_bundle()).read_text())) <= set(pem_to_der(bundle.read_text()))
    assert len(blocks) >= 2

    outcome = earth_search(catalog)
    assert outcome.ok, outcome.message
    assert outcome.count == 1 and len(server.requests) == 2  # two pages; their Landsat item is left out (L2A)


def test_removing_the_ca_from_qgis_refuses_the_portal_again(qgis_settings, https_portal, private_ca):
    from qgis.core import QgsApplication
    from qgis.PyQt.QtNetwork import QSslCertificate

    server, catalog = https_portal
    manager = QgsApplication.authManager()
    certificate = QSslCertificate.fromPath(str(private_ca.pem))[0]
    assert manager.storeCertAuthority(certificate)
    manager.rebuildCaCertsCache()
    manager.rebuildTrustedCaCertsCache()
    try:
        assert earth_search(catalog).ok
    finally:
        manager.removeCertTrustPolicy(certificate)
        manager.removeCertAuthority(certificate)
        manager.rebuildCaCertsCache()
        manager.rebuildCertTrustCache()
        manager.rebuildTrustedCaCertsCache()
    assert http_settings().verify is True
    outcome = earth_search(catalog)
    assert not outcome.ok and "the certificate could not be verified" in outcome.message


def test_a_ca_marked_untrusted_in_qgis_is_not_used(qgis_settings, https_portal, private_ca, trust_in_qgis):
    from qgis.core import QgsAuthCertUtils

    server, catalog = https_portal
    trust_in_qgis(private_ca.pem, QgsAuthCertUtils.CertTrustPolicy.Untrusted)
    outcome = earth_search(catalog)
    assert not outcome.ok and "the certificate could not be verified" in outcome.message
    assert server.requests == []


def test_a_system_authority_marked_untrusted_in_qgis_leaves_the_bundle(qgis_settings, trust_in_qgis, tmp_path):
    from qgis.core import QgsAuthCertUtils

    defaults = pem_blocks(Path(default_bundle()))
    assert defaults, "the default CA bundle holds no certificate"
    distrusted = tmp_path / "distrusted.pem"
    distrusted.write_bytes(defaults[0])
    trust_in_qgis(distrusted, QgsAuthCertUtils.CertTrustPolicy.Untrusted)

    bundle = ca_bundle()
    assert isinstance(bundle, str)
    kept = set(pem_to_der(Path(bundle).read_text()))
    assert ssl.PEM_cert_to_DER_cert(defaults[0].decode()) not in kept
    assert len(kept) >= len(set(pem_to_der(Path(default_bundle()).read_text()))) - 1


def test_qgis_authorities_win_over_a_ca_bundle_variable_with_the_system_proxy(qgis_settings, https_portal, private_ca,
                                                                           trust_in_qgis, monkeypatch):
    # "use system proxy" reads the environment, where REQUESTS_CA_BUNDLE may name a bundle without the CA
    server, catalog = https_portal
    trust_in_qgis(private_ca.pem)
    set_qgis_proxy(qgis_settings, proxy_type="DefaultProxy")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", default_bundle())
    outcome = earth_search(catalog)
    assert outcome.ok, outcome.message


# ---- invalid certificates -----------------------------------------------------------------------------------
def test_an_expired_certificate_is_refused_and_says_so(qgis_settings, private_ca, trust_in_qgis, tmp_path):
    trust_in_qgis(private_ca.pem)
    with HttpsReplayServer(private_ca.issue(tmp_path / "old", not_before=-60, not_after=-1)) as server:
        outcome = earth_search(serve_recorded(server, tmp_path / "portal"))
        assert outcome.message == (f"{TITLE}: secure connection refused: the certificate could not be verified "
                                   "(certificate has expired)")
        assert server.requests == []


def test_a_certificate_for_another_host_is_refused_and_says_so(qgis_settings, private_ca, trust_in_qgis, tmp_path):
    trust_in_qgis(private_ca.pem)
    with HttpsReplayServer(private_ca.issue(tmp_path / "other", hosts=["portal.example.org"])) as server:
        outcome = earth_search(serve_recorded(server, tmp_path / "portal"))
        assert outcome.error is not None and outcome.error.kind is ErrorKind.UNREACHABLE
        assert outcome.message.startswith(f"{TITLE}: secure connection refused: the certificate could not be "
                                          "verified (")
        assert "portal.example.org" in outcome.message and "127.0.0.1" in outcome.message
        assert server.requests == []


# ---- TLS through the proxy ----------------------------------------------------------------------------------
def test_https_portal_through_the_proxy_with_the_ca_from_qgis(qgis_settings, https_portal, private_ca,
                                                              trust_in_qgis, tmp_path):
    server, catalog = https_portal
    trust_in_qgis(private_ca.pem)
    with TinyProxy(tmp_path / "proxy", user="analyst", password="Pr0xy-Pa55.word") as proxy:
        set_qgis_proxy(qgis_settings, host=proxy.host, port=proxy.port, user="analyst", password="Pr0xy-Pa55.word")
        outcome = earth_search(catalog)
        assert outcome.ok and outcome.count == 1, outcome.message  # the Landsat item is left out (L2A search)
        # a tunnel per connection: the proxy saw only CONNECT, never the encrypted requests
        tunnels = proxy.requests_to(server.url)
        assert tunnels and all(request == ("CONNECT", server.url.split("//")[1]) for request in tunnels)
        assert len(server.requests) == 2
