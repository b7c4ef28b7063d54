"""TLS for tests: a certificate authority made by the test, server certificates (valid, expired, for another
host), and an HTTPS version of the loopback replay server.

    ca = CertificateAuthority.create(tmp_path / "ca")                 # ca.pem + its key, made with openssl
    good = ca.issue(tmp_path / "good")                                 # for 127.0.0.1 and localhost
    expired = ca.issue(tmp_path / "old", not_before=-30, not_after=-1)  # days from now
    elsewhere = ca.issue(tmp_path / "other", hosts=["portal.example.org"])
    with HttpsReplayServer(good) as server:                            # https://127.0.0.1:<port>
        catalog = serve_recorded(server, tmp_path, ["earth_search"])   # the real recorded answers, over TLS

Certificates come from Debian's ``openssl`` command (``make test`` installs it); without it the calling test is
skipped with the reason. Every key and certificate lives in the test's own folder; nothing is installed in the
system's trust store: the only way a client trusts the CA is being handed its file (or QGIS's auth manager).
"""
from __future__ import annotations

import json
import secrets
import shutil
import ssl
import subprocess
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterable, List, Sequence

import pytest

from .portals import ROOTS, SEARCH, _recorded_handler
from .replay import ReplayServer


def _openssl() -> str:
    path = shutil.which("openssl")
    if path is None:
        pytest.skip("the openssl command is not installed (Debian package openssl; `make test` installs it)")
    return path


def _run(*args: str, cwd: Path) -> None:
    done = subprocess.run([_openssl(), *args], cwd=str(cwd), capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise RuntimeError(f"openssl {args[0]} failed: {done.stderr.strip()[-2000:]}")


def _stamp(days: float) -> str:
    """An ASN.1 GeneralizedTime `days` from now, as `openssl ca -startdate/-enddate` reads it."""
    moment = datetime.now(timezone.utc) + timedelta(days=days)
    return moment.strftime("%Y%m%d%H%M%SZ")


@dataclass(frozen=True)
class ServerCertificate:
    """A server's certificate (PEM, leaf then CA) and its private key."""

    cert_path: Path
    key_path: Path
    hosts: Sequence[str]

    def context(self) -> ssl.SSLContext:
        """A server-side TLS context presenting this certificate."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(self.cert_path), str(self.key_path))
        return context


@dataclass(frozen=True)
class CertificateAuthority:
    """A private CA: `pem` is what a user would import into QGIS's authentication manager."""

    folder: Path
    pem: Path
    key: Path
    name: str

    @classmethod
    def create(cls, folder: Path, name: str = "") -> "CertificateAuthority":
        """A new self-signed CA (RSA 2048, valid from yesterday for 30 days) in `folder`."""
        folder = Path(folder)
        (folder / "issued").mkdir(parents=True, exist_ok=True)
        name = name or f"EO Portals test CA {secrets.token_hex(4)}"
        (folder / "index.txt").write_text("", encoding="ascii")
        (folder / "serial").write_text(f"{secrets.randbits(60):016X}\n", encoding="ascii")
        (folder / "ca.cnf").write_text(_CA_CONFIG.format(folder=folder.as_posix()), encoding="ascii")
        _run("req", "-x509", "-new", "-newkey", "rsa:2048", "-nodes", "-config", "ca.cnf", "-extensions", "ca_ext",
             "-keyout", "ca.key", "-out", "ca.pem", "-days", "30", "-subj", f"/CN={name}", cwd=folder)
        return cls(folder, folder / "ca.pem", folder / "ca.key", name)

    def issue(self, folder: Path, hosts: Iterable[str] = ("127.0.0.1", "localhost"), *, not_before: float = -1,
              not_after: float = 30) -> ServerCertificate:
        """A server certificate for `hosts` (IP addresses and DNS names), valid between the two days from now."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        hosts = list(hosts)
        names = [f"IP.{i} = {h}" if _is_ip(h) else f"DNS.{i} = {h}" for i, h in enumerate(hosts, 1)]
        extensions = folder / "leaf.cnf"
        extensions.write_text(_LEAF_EXTENSIONS + "\n".join(names) + "\n", encoding="ascii")
        _run("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", str(folder / "server.key"),
             "-out", str(folder / "server.csr"), "-subj", f"/CN={hosts[0]}", cwd=folder)
        _run("ca", "-batch", "-notext", "-config", str(self.folder / "ca.cnf"), "-cert", str(self.pem),
             "-keyfile", str(self.key), "-in", str(folder / "server.csr"), "-out", str(folder / "leaf.pem"),
             "-startdate", _stamp(not_before), "-enddate", _stamp(not_after),
             "-extfile", str(extensions), "-extensions", "leaf_ext", cwd=self.folder)
        chain = folder / "server.pem"
        chain.write_bytes((folder / "leaf.pem").read_bytes() + self.pem.read_bytes())
        return ServerCertificate(chain, folder / "server.key", tuple(hosts))


def _is_ip(host: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


_CA_CONFIG = """\
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ ca_ext ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ ca ]
default_ca = test_ca
[ test_ca ]
dir = {folder}
database = {folder}/index.txt
new_certs_dir = {folder}/issued
serial = {folder}/serial
default_md = sha256
policy = any_name
unique_subject = no
copy_extensions = none
[ any_name ]
commonName = supplied
"""

_LEAF_EXTENSIONS = """\
[ leaf_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
subjectAltName = @names
[ names ]
"""


class HttpsReplayServer(ReplayServer):
    """The replay server behind TLS with `certificate`; `url` is ``https://127.0.0.1:<port>``.

    The handshake runs in the request's thread (not in the accepting loop), so a client that refuses the
    certificate never stalls the server; such a client leaves no entry in `requests`.
    """

    def __init__(self, certificate: ServerCertificate) -> None:
        super().__init__()
        self.certificate = certificate
        self._server.socket = certificate.context().wrap_socket(
            self._server.socket, server_side=True, do_handshake_on_connect=False)
        # A refused handshake is what several tests expect: keep it out of the test output.
        self._server.handle_error = lambda request, client_address: None

    @property
    def url(self) -> str:
        """Base URL, e.g. https://127.0.0.1:40123"""
        host, port = self._server.server_address[:2]
        return f"https://{host}:{port}"


def serve_recorded(server: ReplayServer, folder: Path, portals: Iterable[str] = ("earth_search",)) -> Path:
    """Route `portals`' real recorded answers on `server` (at the paths of tests/support/portals.py) and write
    `folder/catalog.json` pointing them at it; returns the catalog path."""
    catalog = {}
    for portal in portals:
        method, path = SEARCH[portal]
        server.add(method, ROOTS[portal] + path, handler=_recorded_handler(portal, server.url))
        catalog[portal] = {"url": server.url + ROOTS[portal], "enabled": True}
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "catalog.json"
    path.write_text(json.dumps(catalog, indent=2), encoding="utf-8")
    return path


def pem_blocks(path: Path) -> List[bytes]:
    """The PEM certificate blocks of a file, as bytes (to look for a CA in a bundle)."""
    text = Path(path).read_bytes()
    blocks = []
    marker_start, marker_end = b"-----BEGIN CERTIFICATE-----", b"-----END CERTIFICATE-----"
    position = 0
    while True:
        start = text.find(marker_start, position)
        if start < 0:
            return blocks
        end = text.find(marker_end, start)
        if end < 0:
            return blocks
        blocks.append(text[start:end + len(marker_end)])
        position = end + len(marker_end)
