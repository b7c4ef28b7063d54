"""A refused certificate is explained in the same words whatever Python, OpenSSL and urllib3 word it.

The texts are those requests raised for a certificate made for portal.example.org served at 127.0.0.1
(tests/hardening/test_tls.py does it for real): urllib3 1.26 on Python 3.11 (Debian 12), urllib3 2.8 on
Python 3.14 with OpenSSL's own host check (Debian sid).
"""
from __future__ import annotations

import pytest
import requests

from plugin.core.errors import ErrorKind
from plugin.core.http import error_for_exception

URLLIB3_1 = ("HTTPSConnectionPool(host='127.0.0.1', port=36079): Max retries exceeded with url: / (Caused by "
             "SSLError(CertificateError(\"hostname '127.0.0.1' doesn't match 'portal.example.org'\")))")
OPENSSL_3 = ("HTTPSConnectionPool(host='127.0.0.1', port=36079): Max retries exceeded with url: / (Caused by "
             "SSLError(SSLCertVerificationError(1, \"[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: IP "
             "address mismatch, certificate is not valid for '127.0.0.1'. (_ssl.c:1130)\")))")
HOSTNAME_3 = OPENSSL_3.replace("IP address mismatch", "Hostname mismatch").replace("127.0.0.1'.", "portal.test'.")


@pytest.mark.parametrize("text, expected", [
    (URLLIB3_1, "it is for portal.example.org, not 127.0.0.1"),
    (OPENSSL_3, "it is not valid for 127.0.0.1"),
    (HOSTNAME_3, "it is not valid for portal.test"),
])
def test_a_certificate_for_another_host_names_the_host(text, expected):
    error = error_for_exception("Earth Search", requests.exceptions.SSLError(text), 30)
    assert error.kind is ErrorKind.UNREACHABLE
    assert str(error) == f"Earth Search: secure connection refused: the certificate could not be verified ({expected})"


def test_an_expired_certificate_keeps_openssl_words():
    text = ("HTTPSConnectionPool(host='127.0.0.1', port=1): Max retries exceeded with url: / (Caused by SSLError("
            "SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate "
            "has expired (_ssl.c:1006)')))")
    error = error_for_exception("Earth Search", requests.exceptions.SSLError(text), 30)
    assert str(error).endswith("the certificate could not be verified (certificate has expired)")
