"""No password, key or token is written, logged or shown after a full session with every kind of account.

The session runs the real QGIS side of the plugin: the dock searches five portals (four replaying their real
recorded answers, a DHuS mirror replaying sentinelsat's recording behind HTTP Basic) through a real proxy
(tinyproxy) that wants a user and password; the Downloads tab (its controller, its SQLite queue in the profile)
downloads from a CDSE-like OIDC portal (first with a wrong password: a refused login; then the right one), from
GEODES with an API key (whose first answer echoes the key back, as some APIs do), from a DHuS mirror with Basic
and a Planetary Computer asset signed with a SAS token (subscription key sent to the token service). Accounts
and the proxy's credentials live in QGIS's authentication database, as the Portals dialog and QGIS's options
store them.

Then everything is scanned for every secret, in its raw, URL-encoded and Basic (base64 of user:password)
forms: every file of the profile folder (settings .ini, download queue, catalog file, the project saved there),
of the pytest-qgis profile (authentication database included) and of the download folder; the QGIS log
(``messageReceived``); the message bar; the records of every Python logger at DEBUG; job errors and notes,
the dock's outcome messages and status lines. Secrets are random per run, so a scan cannot pass by chance, and
the scanner is shown to find a secret planted on purpose.

urllib3 logs every URL it requests at DEBUG, SAS signatures included: those records must reach no handler the
plugin installs and never the QGIS log.
"""
from __future__ import annotations

import base64
import json
import logging
import re
import secrets as random_secrets
import sqlite3
import threading
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Tuple
from urllib.parse import quote, quote_plus

import pytest
from qgis.core import QgsApplication, QgsProject, QgsSettings

from plugin import log as eo_log
from plugin import settings as prefs
from plugin.core.download.job import FINAL_STATES, State
from plugin.core.product import Asset, make_product
from tests.support.download_servers import (
    FileContent, OidcProvider, PatternContent, SasIssuer, basic_check, header_check,
)
from tests.support.faulty_portal import PRODUCT, PRODUCT_ZIP, FaultyServer
from tests.support.fixtures import cassette, fixture_path
from tests.support.portals import recorded_portals
from tests.support.proxy import TinyProxy, set_qgis_proxy
from tests.support.qt_wait import spin, wait_until as _wait_until

AOI = "POLYGON((3.0 47.4,3.1 47.4,3.1 47.5,3.0 47.5,3.0 47.4))"
SEARCHED = ["earth_search", "cdse", "planetary_computer", "geodes", "dhus"]
APIHUB = "https://apihub.copernicus.eu/apihub"
TOKEN_PATH = "/auth/realms/CDSE/protocol/openid-connect/token"
CDSE_PATH = "/odata/v1/Products(05edf2bb)/$value"
DHUS_PATH = "/dhus/odata/v1/Products('3c1d')/$value"
GEODES_PRODUCT = "S2B_MSIL1C_20180102T105439_N0206_R051_T31TDH_20180102T111516"
DHUS_PRODUCT = "S2A_MSIL1C_20180104T105431_N0206_R051_T31TDH_20180104T111320.SAFE"
PC_ITEM = "S2A_MSIL2A_20180101T105441_R051_T31TDH_20201007T214652"
PC_PRODUCT = "S2A_MSIL2A_20180101T105441_N0206_R051_T31TDH_20180101T124911"
BLOB = (f"/sentinel2-l2/31/T/DH/2018/01/01/{PC_PRODUCT}.SAFE/GRANULE/L2A_T31TDH/IMG_DATA/R10m/"
        "T31TDH_20180101T105441_B04_10m.tif")


# ---- the scanner -------------------------------------------------------------------------------------------
def wait_until(predicate: Callable[[], bool], timeout: float = 60.0) -> bool:
    """Spin until `predicate()` holds (tests/support/qt_wait.py), with this file's patience."""
    return _wait_until(predicate, timeout, step_ms=20)


class Secrets:
    """Named secret values, and every form in which one could be written (raw, URL-encoded, HTTP Basic)."""

    def __init__(self) -> None:
        self.values: Dict[str, str] = {}
        self.basic: List[Tuple[str, str, str]] = []  # (name, user, password)

    def add(self, name: str, value: str) -> str:
        assert len(value) >= 12, "short secrets could match by chance"
        self.values[name] = value
        return value

    def add_basic(self, name: str, user: str, password: str) -> None:
        """A user and password sent as HTTP Basic: the password and the base64 of user:password are secret."""
        self.add(name, password)
        self.basic.append((name, user, password))

    def forms(self) -> Dict[str, str]:
        """{form: what it is} for every secret."""
        found: Dict[str, str] = {}
        for name, value in self.values.items():
            for form, how in ((value, "raw"), (quote(value, safe=""), "URL-encoded"),
                              (quote_plus(value), "form-encoded")):
                found.setdefault(form, f"{name} ({how})")
        for name, user, password in self.basic:
            token = base64.b64encode(f"{user}:{password}".encode()).decode()
            found[token] = f"{name} (HTTP Basic)"
        return found


def find(text, forms: Dict[str, str]) -> List[str]:
    """What secret forms occur in `text` (str or bytes)."""
    if isinstance(text, bytes):
        return sorted({what for form, what in forms.items() if form.encode() in text})
    return sorted({what for form, what in forms.items() if form in text})


def scan_files(roots: Iterable[Path], forms: Dict[str, str]) -> Dict[str, List[str]]:
    """{file: secrets it holds} for every file under `roots` (SQLite databases also read through SQLite)."""
    hits: Dict[str, List[str]] = {}
    for root in roots:
        for path in sorted(p for p in Path(root).rglob("*") if p.is_file()):
            try:
                data = path.read_bytes()
            except OSError:
                continue
            found = set(find(data, forms))
            if data.startswith(b"SQLite format 3"):
                found.update(find(_sqlite_text(path), forms))
            if found:
                hits[str(path)] = sorted(found)
    return hits


def _sqlite_text(path: Path) -> str:
    """Every text value of a SQLite database, as SQLite returns it (pages can hold values split or freed)."""
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
            parts = []
            for table in tables:
                for row in db.execute(f'SELECT * FROM "{table}"'):
                    parts.extend(str(value) for value in row if value is not None)
            return "\n".join(parts)
    except sqlite3.Error:
        return ""


def test_the_scanner_finds_each_form_of_a_planted_secret(tmp_path):
    secrets = Secrets()
    password = secrets.add("planted", "Pw+/&=" + random_secrets.token_urlsafe(16))
    secrets.add_basic("basic", "someone", "Bp+/" + random_secrets.token_urlsafe(16))
    forms = secrets.forms()
    (tmp_path / "clean").mkdir()
    (tmp_path / "clean" / "settings.ini").write_text("[eo_portals]\nportals/cdse/authcfg=abc1234\n")
    assert scan_files([tmp_path / "clean"], forms) == {}

    (tmp_path / "deep" / "er").mkdir(parents=True)
    (tmp_path / "deep" / "er" / "notes.txt").write_text(f"token={quote(password, safe='')}&x=1")
    basic = base64.b64encode(f"someone:{secrets.values['basic']}".encode()).decode()
    with sqlite3.connect(tmp_path / "deep" / "queue.sqlite") as db:
        db.execute("CREATE TABLE jobs (error TEXT)")
        db.execute("INSERT INTO jobs VALUES (?)", (f"refused: Basic {basic}",))
    hits = scan_files([tmp_path], forms)
    assert hits == {str(tmp_path / "deep" / "er" / "notes.txt"): ["planted (URL-encoded)"],
                    str(tmp_path / "deep" / "queue.sqlite"): ["basic (HTTP Basic)"]}
    assert find(f"log line with {password} in it", forms) == ["planted (raw)"]


# ---- the session -------------------------------------------------------------------------------------------
class RecordingSasIssuer(SasIssuer):
    """The Planetary Computer-like SAS service, keeping the tokens it issued (secrets to look for)."""

    def __init__(self) -> None:
        super().__init__()
        self.tokens: List[str] = []

    def answer(self, key, headers):
        status, answer_headers, body = super().answer(key, headers)
        self.tokens.append(json.loads(body)["token"])
        return status, answer_headers, body


class Captured(logging.Handler):
    """Every record of every logger, formatted as a handler would write it (with tracebacks)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: List[Tuple[str, str]] = []
        self._lock_records = threading.Lock()
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        text = self.format(record)
        with self._lock_records:
            self.records.append((record.name, text))


def every_handler() -> List[Tuple[str, logging.Handler]]:
    """(logger name, handler) of every logger in the process."""
    loggers = [("root", logging.getLogger())]
    loggers += [(name, logger) for name, logger in logging.Logger.manager.loggerDict.items()
                if isinstance(logger, logging.Logger)]
    return [(name, handler) for name, logger in loggers for handler in logger.handlers]


@pytest.fixture
def profile(tmp_path, monkeypatch, clean_environment, qgis_app):
    """A profile folder of this test's own: QGIS settings (.ini) and the plugin's folder (queue, catalog)."""
    from tests.support.qgis_settings import private_qgis_settings

    folder = tmp_path / "profile"
    monkeypatch.setattr(prefs, "profile_folder", lambda: folder / "eo_portals")
    with private_qgis_settings(folder):
        yield folder
    eo_log.forget_secrets()


def snapshot(folder: Path) -> Dict[str, bytes]:
    """The bytes of every file under `folder` now."""
    return {str(path): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def dhus_search(expected_basic: str, base: str):
    """sentinelsat's recorded SciHub answer, for requests that bring the right Basic credentials."""
    body = cassette("dhus/cassette_s2_cloudcover.yaml")[0]["body"].replace(APIHUB.encode(), base.encode())

    def handler(request):
        if request.headers.get("Authorization") != expected_basic:
            return 401, {"Content-Type": "text/html"}, b"<html><body>HTTP Status 401 - Bad credentials</body></html>"
        return 200, {"Content-Type": "application/json"}, body
    return handler


def test_no_secret_is_written_logged_or_shown_after_a_full_session(profile, tmp_path, monkeypatch, auth_config,
                                                                   qgis_iface, qgis_new_project):
    from plugin.main import attach_downloads
    from plugin.ui.dock import EOPortalsDock

    secrets = Secrets()
    token = random_secrets.token_urlsafe
    # passwords with the characters URL and form encodings change; the proxy's: what tinyproxy's config takes
    cdse_user, dhus_user, proxy_user = "alice-" + token(4), "bob-" + token(4), "analyst"
    cdse_password = secrets.add("CDSE password", "Cd+/&=" + token(18))
    wrong_password = secrets.add("CDSE mistyped password", "Cd+/&=" + token(18))
    geodes_key = secrets.add("GEODES API key", "gk-" + token(24))
    pc_key = secrets.add("Planetary Computer subscription key", "pc-" + token(24))
    dhus_password = "Dh+/&=%" + token(18)
    secrets.add_basic("DHuS password", dhus_user, dhus_password)
    dhus_wrong = "Dh+/&=%" + token(18)
    secrets.add_basic("DHuS mistyped password", dhus_user, dhus_wrong)
    proxy_password = "px-" + random_secrets.token_hex(16)
    secrets.add_basic("proxy password", proxy_user, proxy_password)

    captured = Captured()
    root = logging.getLogger()
    handlers_before = {id(handler) for _, handler in every_handler()}
    old_level = root.level
    root.addHandler(captured)
    root.setLevel(logging.DEBUG)  # urllib3 included: it logs every URL it requests, query strings and all
    qgis_log: List[str] = []
    log_lock = threading.Lock()

    def on_message(message, tag, level):
        with log_lock:
            qgis_log.append(f"[{tag}] {message}")

    QgsApplication.messageLog().messageReceived.connect(on_message)
    shown: List[str] = []
    bar = qgis_iface.messageBar()

    def spy(push):
        def pushed(item, *args, **kwargs):
            # the line on the bar, and the whole text behind its "Show more" (the item's tooltip)
            shown.append(f"{item.title()}: {item.text()}")
            if item.toolTip():
                shown.append(f"{item.title()}: {item.toolTip()}")
            return push(item, *args, **kwargs)
        return pushed

    monkeypatch.setattr(bar, "pushWidget", spy(bar.pushWidget))
    monkeypatch.setattr(bar, "pushItem", spy(bar.pushItem))

    idp = OidcProvider(cdse_user, cdse_password)
    issuer = RecordingSasIssuer()
    downloads = tmp_path / "EO"
    try:
        with TinyProxy(tmp_path / "proxy", user=proxy_user, password=proxy_password) as proxy, \
                recorded_portals(tmp_path / "portals", SEARCHED[:4]) as rp, FaultyServer() as host:
            # ---- portals: search on the replay server, downloads on the faulty portal's host ----
            basic = "Basic " + base64.b64encode(f"{dhus_user}:{dhus_password}".encode()).decode()
            rp.server.add("GET", "/dhus/search", handler=dhus_search(basic, rp.server.url + "/dhus"))
            host.add_token_endpoint(TOKEN_PATH, idp)
            zip_path = fixture_path(PRODUCT_ZIP)
            host.add_file(CDSE_PATH, FileContent(zip_path), require=idp.check, ranges=False)
            geodes_file = PatternContent(200_000, seed=21)
            urn = "URN:FEATURE:DATA:gdh:25416e3f-1a7f-379a-9b65-a6539b1fd95b:V1"
            geodes_path = f"/api/download/{urn}/files/{geodes_file.md5()}"
            # the first answer echoes the key back, as some APIs' refusals do
            echo = json.dumps({"detail": f"API key {geodes_key} may not download from this collection yet"})
            host.add_file(geodes_path, geodes_file, require=header_check("X-API-Key", geodes_key),
                          script=[(403, {}, echo.encode())])
            dhus_file = PatternContent(150_000, seed=22)
            host.add_file(DHUS_PATH, dhus_file, require=basic_check(dhus_user, dhus_password))
            host.add_sas("/api/sas/v1/token", issuer)
            host.add_file(BLOB, PatternContent(120_000, seed=23), require=issuer.check, content_type="image/tiff")

            catalog = {pid: {"enabled": False} for pid in ("creodias", "cdse_stac", "theia", "hydroweb_next", "sara")}
            catalog.update(json.loads(rp.catalog_path.read_text()))
            catalog["cdse"]["token_url"] = host.url + TOKEN_PATH
            catalog["planetary_computer"].update({"sas_url": host.url + "/api/sas/v1/token",
                                                  "sign_hosts": r"^127\.0\.0\.1$"})
            catalog["dhus"] = {"url": rp.server.url + "/dhus", "enabled": True}
            catalog_file = profile / "eo_portals" / "catalog.json"  # the user catalog file, in the profile
            catalog_file.parent.mkdir(parents=True, exist_ok=True)
            catalog_file.write_text(json.dumps(catalog, indent=2), encoding="utf-8")
            monkeypatch.setenv("EO_PORTALS_CATALOG", str(catalog_file))

            # ---- accounts and proxy, in QGIS's authentication database ----
            settings = QgsSettings()
            proxy_cfg = auth_config("Basic", "Office proxy", username=proxy_user, password=proxy_password)
            set_qgis_proxy(settings, host=proxy.host, port=proxy.port, authcfg=proxy_cfg)
            prefs.set_portal_authcfg("cdse", auth_config("Basic", "CDSE", username=cdse_user, password=wrong_password))
            prefs.set_portal_authcfg("geodes", auth_config("Basic", "GEODES key", username="", password=geodes_key))
            prefs.set_portal_authcfg("dhus", auth_config("Basic", "DHuS", username=dhus_user, password=dhus_wrong))
            prefs.set_portal_authcfg("planetary_computer",
                                     auth_config("Basic", "PC key", username="", password=pc_key))
            prefs.set_download_folder(str(downloads))
            prefs.set_add_to_map(False)

            dock = EOPortalsDock(qgis_iface)
            controller = attach_downloads(dock)  # the queue where the plugin keeps it: <profile>/eo_portals/downloads.sqlite
            try:
                # ---- searches: the DHuS password mistyped (a refused search, logged), then corrected ----
                assert dock.form.aoi.set_wkt(AOI)
                assert dock.form.set_collection("S2_MSI_L2A")
                dock.portal_list.set_checked_portals(SEARCHED)
                dock.form.cloud_slider.setValue(100)

                def search() -> Dict[str, object]:
                    dock.run.search_button.click()
                    assert wait_until(lambda: not dock.run.is_searching() and dock.results.pending_footprints() == 0)
                    return dict(dock.run.outcomes)

                outcomes = search()
                texts = [o.message for o in outcomes.values()] + dock.run.status_lines()
                assert outcomes["dhus"].error is not None and outcomes["dhus"].error.status == 401
                snapshots = [snapshot(profile)]  # the refused search's status is overwritten by the next one
                prefs.set_portal_authcfg("dhus", auth_config("Basic", "DHuS", username=dhus_user,
                                                             password=dhus_password))
                outcomes = search()
                assert sorted(outcomes) == sorted(SEARCHED)
                # every portal answered with products (the replays hold L1C ones too: left out of this L2A search)
                assert all(o.ok and o.count + o.other_collections > 0 for o in outcomes.values()), \
                    [o.message for o in outcomes.values()]
                assert rp.server.received("GET", "/dhus/search")[-1].headers["Authorization"] == basic
                assert len(proxy.requests_to(rp.server.url)) == len(rp.server.requests)  # all through the proxy

                # ---- downloads: a refused login, then the right password; an echoing portal; Basic; SAS ----
                cdse = make_product(portal="cdse", product_id="05edf2bb", name=PRODUCT + ".SAFE",
                                    collection="S2_MSI_L1C", download_url=host.url + CDSE_PATH,
                                    size=zip_path.stat().st_size, checksums={"MD5": FileContent(zip_path).md5()})
                geodes = make_product(portal="geodes", product_id=urn, name=GEODES_PRODUCT, collection="S2_MSI_L1C",
                                      assets={"data.zip": Asset("data.zip", host.url + geodes_path,
                                                                media_type="application/zip", roles=("data",),
                                                                size=geodes_file.size,
                                                                checksum=("MD5", geodes_file.md5()))})
                dhus = make_product(portal="dhus", product_id="3c1d", name=DHUS_PRODUCT, collection="S2_MSI_L1C",
                                    download_url=host.url + DHUS_PATH, size=dhus_file.size,
                                    checksums={"MD5": dhus_file.md5()})
                pc = make_product(portal="planetary_computer", product_id=PC_ITEM, name=PC_PRODUCT,
                                  collection="S2_MSI_L2A", assets={"B04": Asset(
                                      "B04", host.url + BLOB, media_type="image/tiff; application=geotiff",
                                      roles=("data",))})
                jobs = controller.add([cdse, geodes, dhus])
                jobs += controller.add([pc], assets=("B04",))

                def settled() -> bool:
                    states = [controller.job(job.id) for job in jobs]
                    return all(j is not None and j.state in FINAL_STATES for j in states)

                assert wait_until(settled)
                first = {job.product.title: controller.job(job.id) for job in jobs}
                refused = first[cdse.title]
                assert refused.state is State.FAILED and "login refused" in refused.error_text, refused.error_text
                echoed = first[geodes.title]
                assert echoed.state is State.FAILED and "may not download" in echoed.error_text, echoed.error_text
                assert first[dhus.title].state is State.DONE and first[pc.title].state is State.DONE
                assert issuer.headers[0].get("Ocp-Apim-Subscription-Key") == pc_key and issuer.tokens
                # what the profile holds while two jobs stand failed (the retries rewrite their rows later)
                spin(200)  # the queue is written by a thread of its own
                snapshots.append(snapshot(profile))
                # the user corrects the password, and retries both
                prefs.set_portal_authcfg("cdse", auth_config("Basic", "CDSE", username=cdse_user,
                                                             password=cdse_password))
                controller.retry(refused.id)
                controller.retry(echoed.id)
                assert wait_until(lambda: settled() and all(controller.job(j.id).state is State.DONE for j in jobs)), \
                    [controller.job(j.id).error_text for j in jobs]
                assert idp.refused == 1 and idp.logins == 1
                final = [controller.job(job.id) for job in jobs]
                assert Path(final[0].files[0]).read_bytes() == zip_path.read_bytes()
                texts += [o.message for o in outcomes.values()] + dock.run.status_lines()
                texts += [text for job in first.values() for text in [job.error_text] + list(map(str, job.notes))]
                texts += [text for job in final for text in [job.error_text] + list(map(str, job.notes)) + job.files]
            finally:
                controller.stop()
                dock.shutdown()
                dock.deleteLater()
                spin(50)
            QgsProject.instance().write(str(profile / "session.qgz"))  # the project, as the user would save it
    finally:
        QgsApplication.messageLog().messageReceived.disconnect(on_message)
        root.removeHandler(captured)
        root.setLevel(old_level)

    # every token the portals issued is a secret too
    for number, value in enumerate(idp.issued() + idp.refresh_tokens()):
        secrets.add(f"CDSE token {number}", value)
    for number, value in enumerate(issuer.tokens):
        secrets.add(f"SAS signature {number}", re.search(r"sig=([^&]+)", value).group(1))
    forms = secrets.forms()
    for files in snapshots:
        assert {path: find(data, forms) for path, data in files.items() if find(data, forms)} == {}
    # 6 given + an access and a refresh token + a SAS signature
    assert len(secrets.values) >= 9, sorted(secrets.values)

    # ---- files: the profile, the pytest-qgis profile (authentication database included), the downloads ----
    roots = [profile, Path(QgsApplication.qgisSettingsDirPath()), downloads]
    assert (profile / "eo_portals" / "downloads.sqlite").exists() and list(profile.rglob("*.ini"))
    assert scan_files(roots, forms) == {}
    # the scan would have seen one: plant a secret in a file of the profile and look again
    planted = profile / "eo_portals" / "planted.txt"
    planted.write_text(f"leaked: {geodes_key}")
    hits = scan_files([profile], forms)
    assert list(hits) == [str(planted)] and all(what.startswith("GEODES API key") for what in hits[str(planted)])
    planted.unlink()

    # ---- what the user reads: outcome messages, job errors and notes, the message bar, the QGIS log ----
    assert texts and all(find(text, forms) == [] for text in texts), [t for t in texts if find(t, forms)]
    assert any("may not download" in line for line in shown)  # the echoing portal's refusal reached the bar...
    assert [line for line in shown if find(line, forms)] == []  # ...without its key
    assert any(line.startswith("[EO Portals]") and "HTTP status: 401" in line for line in qgis_log), qgis_log
    assert [line for line in qgis_log if find(line, forms)] == []

    # ---- Python logging: the plugin's own loggers say nothing secret; urllib3's URLs hold SAS signatures,
    # which must reach no handler of the plugin (there is none) and never the QGIS log (checked above) ----
    ours = [text for name, text in captured.records if name.startswith("eo_portals")]
    theirs = [text for name, text in captured.records if not name.startswith("eo_portals")]
    assert ours and [text for text in ours if find(text, forms)] == []
    sas_only = {f"SAS signature {n} (raw)" for n in range(len(issuer.tokens))}
    leaked = {what for text in theirs for what in find(text, forms)}
    assert leaked <= sas_only, leaked
    assert leaked, "urllib3's DEBUG records were expected to show the signed URL (is the capture working?)"
    added = [(name, handler) for name, handler in every_handler() if id(handler) not in handlers_before]
    assert added == [], f"handlers installed during the session: {added}"
    # a handler of the plugin on urllib3's way up (urllib3.connectionpool, urllib3, root) would get the signed URLs
    on_the_way = {"root", "urllib3", "urllib3.connectionpool"}
    plugin_handlers = [(name, handler) for name, handler in every_handler() if name in on_the_way
                       and type(handler).__module__.split(".")[0] in ("plugin", "eo_portals")]
    assert plugin_handlers == [], f"logging handlers of the plugin that receive urllib3's records: {plugin_handlers}"


# ---- a portal that echoes the credentials back ---------------------------------------------------------------
def test_a_portal_echoing_the_account_back_in_a_search_error_does_not_put_it_in_the_outcome(tmp_path):
    from plugin.core.catalog import load_catalog
    from plugin.core.credentials import Credentials
    from plugin.core.query import SearchQuery
    from plugin.core.search import search_portal
    from tests.support.replay import ReplayServer

    secrets = Secrets()
    user, password = "bob-" + random_secrets.token_urlsafe(4), "Dh+/&=%" + random_secrets.token_urlsafe(18)
    secrets.add_basic("DHuS password", user, password)

    def echo(request):  # what a careless gateway answers: the credentials it was given, in its refusal
        return 500, {"Content-Type": "application/json"}, json.dumps(
            {"detail": f"cannot check {request.headers.get('Authorization')} (password {password})"}).encode()

    with ReplayServer() as server:
        server.add("GET", "/dhus/search", handler=echo)
        path = tmp_path / "catalog.json"
        path.write_text(json.dumps({"dhus": {"url": server.url + "/dhus", "enabled": True}}), encoding="utf-8")
        portal = load_catalog(path, env={}).portal("dhus")
        query = SearchQuery.create(AOI, "2018-12-12", "2018-12-28", "S2_MSI_L1C")
        _, outcome, _ = search_portal(portal, query, credentials=Credentials(username=user, password=password))

    assert server.received("GET", "/dhus/search")[0].headers["Authorization"].startswith("Basic ")
    assert outcome.error is not None and outcome.error.status == 500
    assert outcome.message.startswith("DHuS mirror: server error (HTTP 500): cannot check Basic ***"), outcome.message
    assert find(outcome.message, secrets.forms()) == [] and find(outcome.error.detail, secrets.forms()) == []
