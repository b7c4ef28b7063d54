"""The certificate authorities QGIS trusts, as a CA bundle file `requests` verifies with.

QGIS's authentication manager holds the authorities a user imported (Settings > Options > Authentication >
Certificate Manager > Authorities: a company's TLS-inspecting gateway, a private portal's CA), the ones of the
system as Qt reads them (on Windows and macOS, the system store that `requests` does not read) and the trust
policy set on each. `requests` knows none of that: it verifies against its own bundle (certifi, or the
system's file on Linux distributions). `ca_bundle()` writes that bundle plus every CA QGIS trusts that it
lacks, minus the CAs marked untrusted in QGIS, to ``<profile>/eo_portals/ca-bundle.pem`` and returns the
path; when QGIS changes nothing it returns True (requests' own bundle, no file written).

Certificates are public: the file holds no secret. Verification is never turned off here: every path returns
True or a bundle, including when QGIS's authentication system is unusable.
"""
from __future__ import annotations

import hashlib
import os
import ssl as _stdlib_ssl
import threading
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple, Union

from qgis.core import QgsApplication, QgsAuthCertUtils

BUNDLE_NAME = "ca-bundle.pem"
_BEGIN, _END = "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----"

_lock = threading.Lock()
_default_cache: Dict[Tuple[str, float, int], List[bytes]] = {}
_written: Dict[str, str] = {}  # bundle path -> sha256 of what this process last wrote there


def default_bundle() -> str:
    """The CA bundle `requests` uses by default (certifi's, or the system's on Linux distributions)."""
    from requests import certs

    return certs.where()


def pem_to_der(text: str) -> List[bytes]:
    """The DER bytes of every certificate in PEM text (unreadable blocks are skipped)."""
    certificates: List[bytes] = []
    position = 0
    while True:
        start = text.find(_BEGIN, position)
        end = text.find(_END, start + 1) if start >= 0 else -1
        if start < 0 or end < 0:
            return certificates
        try:
            certificates.append(_stdlib_ssl.PEM_cert_to_DER_cert(text[start:end + len(_END)]))
        except ValueError:
            pass
        position = end + len(_END)


def _default_certificates(path: str) -> List[bytes]:
    """The default bundle's certificates, read once per version of the file."""
    try:
        stat = os.stat(path)
    except OSError:
        return []
    key = (path, stat.st_mtime, stat.st_size)
    with _lock:
        cached = _default_cache.get(key)
    if cached is None:
        try:
            cached = pem_to_der(Path(path).read_text(encoding="ascii", errors="ignore"))
        except OSError:
            cached = []
        with _lock:
            _default_cache.clear()
            _default_cache[key] = cached
    return cached


def _qgis_certificates() -> Tuple[List[bytes], List[bytes]]:
    """(CAs QGIS trusts, CAs the user marked untrusted) as DER bytes; both empty without an auth manager.

    The trust policy of each certificate is read one by one: QGIS 3.44's trusted CA cache keeps a CA marked
    untrusted (and its untrusted list is empty), so neither list can be taken as it is.
    """
    manager = QgsApplication.authManager()
    if manager is None or manager.isDisabled():
        return [], []
    default_policy = manager.defaultCertTrustPolicy()

    def policy(cert) -> QgsAuthCertUtils.CertTrustPolicy:
        value = manager.certTrustPolicy(cert)
        return default_policy if value == QgsAuthCertUtils.CertTrustPolicy.DefaultTrust else value

    untrusted_policy = QgsAuthCertUtils.CertTrustPolicy.Untrusted
    trusted = [bytes(cert.toDer()) for cert in manager.trustedCaCertsCache()
               if not cert.isNull() and policy(cert) != untrusted_policy]
    # untrustedCaCerts() also lists expired system roots nobody marked: only a policy set to Untrusted counts.
    untrusted = [bytes(cert.toDer()) for cert in [*manager.trustedCaCertsCache(), *manager.untrustedCaCerts()]
                 if not cert.isNull() and policy(cert) == untrusted_policy]
    return trusted, list(dict.fromkeys(untrusted))


def bundle_text(default: Iterable[bytes], trusted: Iterable[bytes], untrusted: Iterable[bytes]) -> Optional[str]:
    """The merged bundle as PEM text, or None when QGIS adds or removes nothing from the default one."""
    default = list(dict.fromkeys(default))
    known = set(default)
    refused = set(untrusted)
    added = [der for der in dict.fromkeys(trusted) if der not in known and der not in refused]
    removed = [der for der in default if der in refused]
    if not added and not removed:
        return None
    kept = [der for der in default if der not in refused] + added
    return "".join(_stdlib_ssl.DER_cert_to_PEM_cert(der) for der in kept)


def bundle_path(folder: Optional[Path] = None) -> Path:
    """Where the merged bundle is written: the plugin's folder in the QGIS profile."""
    if folder is None:
        from .settings import profile_folder

        folder = profile_folder()
    return Path(folder) / BUNDLE_NAME


def ca_bundle(folder: Optional[Path] = None) -> Union[bool, str]:
    """What `requests` should verify with: True (its own bundle) or the path of the merged bundle.

    Raises OSError when the bundle cannot be written (the caller falls back to True, which still verifies).
    """
    trusted, untrusted = _qgis_certificates()
    if not trusted and not untrusted:
        return True
    text = bundle_text(_default_certificates(default_bundle()), trusted, untrusted)
    if text is None:
        return True
    target = bundle_path(folder)
    digest = hashlib.sha256(text.encode("ascii")).hexdigest()
    with _lock:
        if _written.get(str(target)) == digest and target.exists():
            return str(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        # Written aside then renamed, so a download reading the previous bundle never sees half a file.
        partial = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        partial.write_text(text, encoding="ascii")
        os.replace(partial, target)
        _written[str(target)] = digest
    return str(target)
