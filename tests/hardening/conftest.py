"""Shared set-up of the hardening tests: QGIS settings of the test's own, a clean proxy environment, the test
profile's authentication database unlocked, and a private CA trusted in QGIS's authentication manager."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy",
                   "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


@pytest.fixture
def clean_environment(monkeypatch) -> None:
    """No proxy or CA variable from the machine running the tests: each test sets what it needs."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def qgis_settings(qgis_app, tmp_path, clean_environment):
    """QgsSettings written to a file of this test only, as QGIS's Options dialog would write them; restored
    afterwards. Yields a QgsSettings on that file."""
    from qgis.core import QgsSettings

    from tests.support.qgis_settings import private_qgis_settings

    with private_qgis_settings(tmp_path / "settings"):
        yield QgsSettings()


@pytest.fixture
def auth_config(qgis_app):
    """Store QGIS authentication configurations (test master password); removed after the test."""
    from tests.support.qgis_auth import stored_configs

    with stored_configs() as make:
        yield make


@pytest.fixture
def private_ca(tmp_path):
    """A CA made by the test with openssl, trusted nowhere yet."""
    from tests.support.tls import CertificateAuthority

    return CertificateAuthority.create(tmp_path / "ca")


@pytest.fixture
def trust_in_qgis(qgis_app, tmp_path) -> Iterator:
    """`trust(ca_pem_path)` imports a CA into QGIS's authentication manager as a user would (Certificate
    Manager > Authorities > Import, trust policy Trusted); every CA imported is removed afterwards."""
    from qgis.core import QgsApplication, QgsAuthCertUtils
    from qgis.PyQt.QtNetwork import QSslCertificate

    manager = QgsApplication.authManager()
    imported = []

    def trust(pem: Path, policy=QgsAuthCertUtils.CertTrustPolicy.Trusted):
        certificates = QSslCertificate.fromPath(str(pem))
        assert certificates, f"no certificate in {pem}"
        certificate = certificates[0]
        assert manager.storeCertAuthority(certificate)
        assert manager.storeCertTrustPolicy(certificate, policy)
        imported.append(certificate)
        # what the Certificate Manager does after an import or a policy change
        assert manager.rebuildCaCertsCache() and manager.rebuildCertTrustCache()
        assert manager.rebuildTrustedCaCertsCache()
        return certificate

    yield trust
    for certificate in imported:
        manager.removeCertTrustPolicy(certificate)
        manager.removeCertAuthority(certificate)
    manager.rebuildCaCertsCache()
    manager.rebuildCertTrustCache()
    manager.rebuildTrustedCaCertsCache()
