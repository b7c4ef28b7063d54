"""The Portals dialog, driven like a user would: tick portals, pick accounts, test connections, add endpoints.

Portals answer from loopback servers replaying recorded answers (Planetary Computer's landing page, a DHuS
search); accounts live in the test profile's authentication database (see test_accounts.py).
"""
from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Callable, List
from urllib.parse import parse_qsl

import pytest
from qgis.core import QgsApplication, QgsSettings
from qgis.PyQt.QtCore import QCoreApplication, Qt
from qgis.PyQt.QtWidgets import QComboBox, QDialogButtonBox

from plugin import accounts, log, settings
from plugin.core.catalog import CATALOG_ENV, load_catalog
from plugin.core.credentials import Credentials
from plugin.ui.portals_dialog import COLUMN_ACCOUNT, COLUMN_PORTAL, COLUMN_STATUS, COLUMN_URL, PortalsDialog
from tests.support.fixtures import cassette
from tests.support.qgis_auth import stored_configs
from tests.support.qgis_settings import private_qgis_settings
from tests.support.replay import Recorded, ReplayServer

PC_ROOT = "/api/stac/v1"


def wait_for(predicate: Callable[[], bool], timeout: float = 15.0) -> bool:
    """Let Qt deliver queued signals (task results) until `predicate` holds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        QCoreApplication.processEvents()
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


@pytest.fixture
def private_settings(qgis_app, tmp_path):
    """QgsSettings written to a file of this test only (see tests/support/qgis_settings.py)."""
    with private_qgis_settings(tmp_path / "settings") as path:
        yield path


@pytest.fixture
def portal_settings(private_settings, monkeypatch):
    """Fresh per-portal choices in a private settings file; no catalog file from the environment."""
    monkeypatch.delenv(CATALOG_ENV, raising=False)
    yield private_settings


@pytest.fixture
def auth_configs(qgis_app):
    """Create Basic configurations in the test authentication database; removed after the test."""
    with stored_configs() as store:
        yield lambda name, username, password: store("Basic", name, username=username, password=password)
    log.forget_secrets()


@pytest.fixture
def received(qgis_app) -> List[str]:
    messages: List[str] = []

    def collect(message, tag, _level):
        if tag == log.LOG_TAG:
            messages.append(message)

    QgsApplication.messageLog().messageReceived.connect(collect)
    yield messages
    QgsApplication.messageLog().messageReceived.disconnect(collect)


@pytest.fixture
def dialog_factory(tmp_path, portal_settings, qgis_parent):
    dialogs: List[PortalsDialog] = []

    def make(catalog_path: Path = None) -> PortalsDialog:
        dialog = PortalsDialog(qgis_parent, catalog_path=str(catalog_path or tmp_path / "catalog.json"))
        dialog.show()
        dialogs.append(dialog)
        return dialog

    yield make
    for dialog in dialogs:
        dialog.done(0)
        dialog.deleteLater()


def row_of(dialog: PortalsDialog, portal_id: str) -> int:
    for row in range(dialog.table.rowCount()):
        if dialog.table.item(row, COLUMN_PORTAL).data(Qt.ItemDataRole.UserRole) == portal_id:
            return row
    raise AssertionError(f"{portal_id} is not in the table")


def cell(dialog: PortalsDialog, portal_id: str, column: int) -> str:
    return dialog.table.item(row_of(dialog, portal_id), column).text()


def is_checked(dialog: PortalsDialog, portal_id: str) -> bool:
    return dialog.table.item(row_of(dialog, portal_id), COLUMN_PORTAL).checkState() == Qt.CheckState.Checked


def set_checked(dialog: PortalsDialog, portal_id: str, checked: bool) -> None:
    item = dialog.table.item(row_of(dialog, portal_id), COLUMN_PORTAL)
    item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)


def press(dialog: PortalsDialog, button: QDialogButtonBox.StandardButton) -> None:
    dialog.buttons.button(button).click()


def choose_account(dialog: PortalsDialog, portal_id: str, authcfg: str) -> None:
    """Select the portal's row and pick the configuration in QgsAuthConfigSelect's own combo box."""
    dialog.select_portal(portal_id)
    combo = dialog.auth_select.findChild(QComboBox, "cmbConfigSelect")
    index = combo.findData(authcfg)
    assert index >= 0, "the configuration is not offered by QgsAuthConfigSelect"
    combo.setCurrentIndex(index)


def pc_landing_server() -> ReplayServer:
    """Planetary Computer's landing page as recorded, at its real path."""
    landing = cassette("planetary_computer/cassette_landing_and_collection.yaml")[0]
    assert landing["uri"] == "https://planetarycomputer.microsoft.com/api/stac/v1"
    server = ReplayServer()
    server.add("GET", PC_ROOT, landing["body"])
    return server


# ---- the list of portals ----------------------------------------------------------------------------------
def test_every_catalog_portal_is_listed_with_protocol_url_and_account(dialog_factory):
    dialog = dialog_factory()
    catalog = load_catalog(env={})
    assert dialog.table.rowCount() == len(catalog.portals)
    assert cell(dialog, "cdse", COLUMN_PORTAL) == "CDSE"
    assert cell(dialog, "cdse", 1) == "OData"
    assert cell(dialog, "cdse", COLUMN_URL) == "https://catalogue.dataspace.copernicus.eu/odata/v1"
    assert cell(dialog, "cdse", COLUMN_ACCOUNT) == "Needed to download"
    assert cell(dialog, "earth_search", COLUMN_ACCOUNT) == "Not needed"
    assert cell(dialog, "dhus", COLUMN_ACCOUNT) == "Needed to search"
    assert cell(dialog, "earth_search", COLUMN_STATUS) == "Not tested"
    # the DHuS template has no URL: it cannot be ticked until one is set
    assert cell(dialog, "dhus", COLUMN_URL) == "(set its URL below)"
    assert not dialog.table.item(row_of(dialog, "dhus"), COLUMN_PORTAL).flags() & Qt.ItemFlag.ItemIsUserCheckable


def test_account_selector_only_for_portals_that_need_one(dialog_factory):
    dialog = dialog_factory()
    dialog.select_portal("earth_search")
    assert not dialog.auth_select.isEnabled()
    assert "No account is needed" in dialog.account_help.text()
    dialog.select_portal("geodes")
    assert dialog.auth_select.isEnabled()
    if not accounts.api_header_available():  # QGIS 3.22: the key goes in a Basic configuration's password
        assert "API key as password" in dialog.account_help.text()
    dialog.select_portal("cdse_stac")
    assert "uses the account of CDSE" in dialog.account_help.text()


def test_enabling_and_disabling_portals_persists_on_ok_only(dialog_factory):
    dialog = dialog_factory()
    assert is_checked(dialog, "earth_search") and not is_checked(dialog, "creodias")
    set_checked(dialog, "earth_search", False)
    set_checked(dialog, "creodias", True)
    press(dialog, QDialogButtonBox.StandardButton.Ok)
    assert settings.portal_enabled("earth_search") is False
    assert settings.portal_enabled("creodias", False) is True

    again = dialog_factory()
    assert not is_checked(again, "earth_search") and is_checked(again, "creodias")
    set_checked(again, "earth_search", True)
    press(again, QDialogButtonBox.StandardButton.Cancel)
    assert settings.portal_enabled("earth_search") is False
    assert not is_checked(dialog_factory(), "earth_search")


# ---- accounts ------------------------------------------------------------------------------------------------
def test_picking_an_account_saves_only_its_id(dialog_factory, auth_configs, tmp_path):
    password = "Zq8-very-secret-pw"
    authcfg = auth_configs("My CDSE login", "alice@example.org", password)
    dialog = dialog_factory()
    choose_account(dialog, "cdse", authcfg)
    assert cell(dialog, "cdse", COLUMN_ACCOUNT) == "My CDSE login"
    assert cell(dialog, "cdse_stac", COLUMN_ACCOUNT) == "My CDSE login"  # it shares the CDSE account
    assert settings.portal_authcfg("cdse") == ""  # nothing saved before OK
    press(dialog, QDialogButtonBox.StandardButton.Ok)

    assert settings.portal_authcfg("cdse") == authcfg
    cdse = load_catalog(env={}).portal("cdse")
    assert accounts.credentials_for(cdse) == Credentials(username="alice@example.org", password=password)
    # and it is still chosen when the dialog opens again
    again = dialog_factory()
    again.select_portal("cdse")
    assert again.auth_select.configId() == authcfg

    # Nothing secret in QgsSettings: neither in any key or value, nor in the file on disk.
    qs = QgsSettings()
    qs.sync()
    for key in qs.allKeys():
        assert password not in key
        assert password not in str(qs.value(key))
    assert password not in Path(qs.fileName()).read_text(encoding="utf-8", errors="replace")
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert password.encode() not in path.read_bytes()


# ---- connection tests ----------------------------------------------------------------------------------------
def test_test_connection_reaches_a_stac_portal_off_the_main_thread(dialog_factory, tmp_path):
    with pc_landing_server() as server:
        catalog_file = tmp_path / "catalog.json"
        catalog_file.write_text(json.dumps({"planetary_computer": {"url": server.url + PC_ROOT}}), encoding="utf-8")
        dialog = dialog_factory(catalog_file)
        dialog.select_portal("planetary_computer")
        dialog.test_button.click()
        # the click returns at once: the request runs in a QgsTask
        assert dialog.test_status("planetary_computer")[0] == "testing"
        assert cell(dialog, "planetary_computer", COLUMN_STATUS) == "Testing…"
        assert wait_for(lambda: dialog.test_status("planetary_computer")[0] != "testing")
        assert [r.path for r in server.received("GET")] == [PC_ROOT]
    assert dialog.test_status("planetary_computer") == ("ok", "Microsoft Planetary Computer STAC API")
    assert cell(dialog, "planetary_computer", COLUMN_STATUS) == "Reachable"
    assert "Reachable (Microsoft Planetary Computer STAC API)" in dialog.test_result.text()
    assert dialog.test_button.isEnabled()
    # the dock's status dot shows it until the next search
    assert settings.portal_status("planetary_computer")[0] == settings.STATUS_OK


def test_a_portal_that_answers_something_else_is_not_reachable(dialog_factory, tmp_path):
    with ReplayServer() as server:
        # a captive portal / maintenance page where the STAC landing page should be
        server.add("GET", PC_ROOT, b"<html><body>Maintenance in progress</body></html>", content_type="text/html")
        catalog_file = tmp_path / "catalog.json"
        catalog_file.write_text(json.dumps({"planetary_computer": {"url": server.url + PC_ROOT}}), encoding="utf-8")
        dialog = dialog_factory(catalog_file)
        dialog.test_connection("planetary_computer")
        assert wait_for(lambda: dialog.test_status("planetary_computer")[0] != "testing")
    status, message = dialog.test_status("planetary_computer")
    assert status == "failed"
    assert "not as a STAC portal" in message and "Maintenance" in message


def dhus_server(user: str, password: str) -> ReplayServer:
    """A DHuS mirror that answers searches only with the right Basic credentials.

    The recordings hold no 401 answer: its body and WWW-Authenticate header are typed here (RFC 7617);
    the search answer is the recorded SciHub one.
    """
    answer = cassette("dhus/cassette_s2_cloudcover.yaml")[0]["body"]
    expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

    def handler(request: Recorded):
        if request.headers.get("Authorization") != expected:
            return 401, {"Content-Type": "application/json", "WWW-Authenticate": 'Basic realm="DHuS"'}, \
                json.dumps({"error": {"code": None, "message": "Full authentication is required"}}).encode()
        return 200, {"Content-Type": "application/json"}, answer

    server = ReplayServer()
    server.add("GET", "/dhus/search", handler=handler)
    return server


def test_dhus_mirror_url_enables_it_and_needs_an_account(dialog_factory, auth_configs, tmp_path, received):
    password = "dhus-Pw-4242"
    authcfg = auth_configs("Mirror login", "eve", password)
    with dhus_server("eve", password) as server:
        dialog = dialog_factory()
        dialog.set_portal_url("dhus", "https://eve:" + password + "@mirror.example.org/dhus")
        assert "Remove the user name and password" in dialog.test_result.text()
        assert not is_checked(dialog, "dhus")
        dialog.set_portal_url("dhus", server.url + "/dhus")
        assert is_checked(dialog, "dhus")  # setting its URL enables the template
        assert cell(dialog, "dhus", COLUMN_URL) == server.url + "/dhus"

        dialog.test_button.click()
        assert wait_for(lambda: dialog.test_status("dhus")[0] != "testing")
        status, message = dialog.test_status("dhus")
        assert status == "auth"
        assert message == "Full authentication is required (HTTP 401)"
        assert "Needs an account: Full authentication is required (HTTP 401)" in dialog.test_result.text()
        assert cell(dialog, "dhus", COLUMN_STATUS) == "Needs an account"

        choose_account(dialog, "dhus", authcfg)
        dialog.test_button.click()
        assert wait_for(lambda: dialog.test_status("dhus")[0] != "testing")
        assert dialog.test_status("dhus")[0] == "ok"
        searches = server.received("GET", "/dhus/search")
        assert searches[0].query == {"q": "*", "rows": "0", "format": "json"}
        assert "Authorization" not in searches[0].headers
        assert searches[-1].headers["Authorization"].startswith("Basic ")
        press(dialog, QDialogButtonBox.StandardButton.Ok)

    saved = json.loads((tmp_path / "catalog.json").read_text(encoding="utf-8"))
    assert saved["portals"]["dhus"] == {"url": server.url + "/dhus", "enabled": True}
    assert load_catalog(tmp_path / "catalog.json", env={}).portal("dhus").usable
    assert settings.portal_enabled("dhus", False) is True
    assert settings.portal_authcfg("dhus") == authcfg
    assert any("Full authentication is required" in text for text in received)  # the failure was logged
    assert all(password not in text for text in received)


def keycloak_server(user: str, password: str) -> ReplayServer:
    """Planetary Computer's recorded landing page standing in for CDSE STAC, and a token service.

    The recordings hold no token answers: both are typed here in Keycloak's shape (RFC 6749 section 5).
    """
    server = pc_landing_server()

    def token(request: Recorded):
        form = dict(parse_qsl(request.body.decode()))
        if form.get("grant_type") == "password" and form.get("username") == user and form.get("password") == password \
                and form.get("client_id") == "cdse-public":
            return 200, {}, json.dumps({"access_token": "eyJ-access", "expires_in": 600, "refresh_token": "eyJ-refresh",
                                        "refresh_expires_in": 3600, "token_type": "Bearer"}).encode()
        return 401, {}, json.dumps({"error": "invalid_grant", "error_description": "Invalid user credentials"}).encode()

    server.add("POST", "/token", handler=token)
    return server


def test_test_connection_logs_in_to_an_openid_portal_with_the_chosen_account(dialog_factory, auth_configs,
                                                                              tmp_path, received):
    good = auth_configs("CDSE login", "alice@example.org", "right-Pw-1")
    bad = auth_configs("CDSE old login", "alice@example.org", "wrong-Pw-2")
    with keycloak_server("alice@example.org", "right-Pw-1") as server:
        catalog_file = tmp_path / "catalog.json"
        catalog_file.write_text(json.dumps({
            "cdse_stac": {"url": server.url + PC_ROOT},
            "cdse": {"token_url": server.url + "/token"},
        }), encoding="utf-8")
        dialog = dialog_factory(catalog_file)
        choose_account(dialog, "cdse", bad)  # CDSE STAC uses the CDSE account
        dialog.test_connection("cdse_stac")
        assert wait_for(lambda: dialog.test_status("cdse_stac")[0] != "testing")
        assert dialog.test_status("cdse_stac") == (
            "auth", "the login was refused: Invalid user credentials (HTTP 401)")

        choose_account(dialog, "cdse", good)
        dialog.test_connection("cdse_stac")
        assert wait_for(lambda: dialog.test_status("cdse_stac")[0] != "testing")
        assert dialog.test_status("cdse_stac") == ("ok", "Microsoft Planetary Computer STAC API, account accepted")
        logins = server.received("POST", "/token")
    assert len(logins) == 2
    assert all("wrong-Pw-2" not in text and "right-Pw-1" not in text for text in received)


# ---- mirrors and custom endpoints ------------------------------------------------------------------------------
def test_adding_a_custom_stac_endpoint_writes_the_user_catalog_and_tests_it(dialog_factory, tmp_path):
    catalog_file = tmp_path / "profile" / "eo_portals" / "catalog.json"
    with pc_landing_server() as server:
        dialog = dialog_factory(catalog_file)
        dialog.add_button.click()
        form = dialog.endpoint_form
        assert form is not None and form.isVisible()
        assert not form.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
        form.title_edit.setText("Institute STAC")
        assert form.id_edit.text() == "institute_stac"
        form.url_edit.setText("ftp://wrong")
        assert form.problem_label.text() == "The URL must start with https:// or http://."
        form.url_edit.setText("https://me:hunter2@stac.example.org/")
        assert "Remove the user name and password from the URL" in form.problem_label.text()
        assert not form.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
        form.url_edit.setText(server.url + PC_ROOT + "/")
        assert form.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
        form.buttons.button(QDialogButtonBox.StandardButton.Ok).click()

        # written at once, and listed, selected and tested
        written = json.loads(catalog_file.read_text(encoding="utf-8"))["portals"]["institute_stac"]
        assert written["protocol"] == "stac" and written["url"] == server.url + PC_ROOT
        assert written["title"] == "Institute STAC" and written["auth"] == "none"
        assert dialog.selected_portal().id == "institute_stac"
        assert is_checked(dialog, "institute_stac")
        assert wait_for(lambda: dialog.test_status("institute_stac")[0] not in ("testing", ""))
    assert dialog.test_status("institute_stac")[0] == "ok"
    # The landing page declares the filter extension and CQL2-JSON: the endpoint is searched with CQL2.
    written = json.loads(catalog_file.read_text(encoding="utf-8"))["portals"]["institute_stac"]
    assert written["options"] == {"cloud_filter": "cql2"}
    portal = load_catalog(catalog_file, env={}).portal("institute_stac")
    assert portal.protocol == "stac" and portal.url == server.url + PC_ROOT and portal.usable
    assert portal.options["cloud_filter"] == "cql2"
    assert settings.portal_enabled("institute_stac", False) is True


def test_a_mirror_copies_its_base_portal(dialog_factory, tmp_path):
    dialog = dialog_factory()
    form = dialog.open_endpoint_form()
    form.base_combo.setCurrentIndex(form.base_combo.findData("cdse"))
    assert not form.protocol_combo.isEnabled()
    assert form.title_edit.text() == "CDSE (mirror)"
    form.id_edit.setText("cdse")
    assert "exists already" in form.problem_label.text()
    form.id_edit.setText("cdse_mirror")
    form.url_edit.setText("https://mirror.example.org/odata/v1")
    form.accept()
    portal = load_catalog(tmp_path / "catalog.json", env={}).portal("cdse_mirror")
    cdse = load_catalog(env={}).portal("cdse")
    assert portal.protocol == "odata" and portal.auth == "oidc"
    assert portal.collections == cdse.collections
    assert portal.get("token_url") == cdse.get("token_url")
    assert portal.get("mirror_of") == "cdse"
    assert cell(dialog, "cdse_mirror", COLUMN_ACCOUNT) == "Needed to download"


def test_screenshot(dialog_factory, tmp_path):
    dialog = dialog_factory()
    dialog.select_portal("geodes")
    image = dialog.grab()
    assert not image.isNull() and image.width() >= 900
    assert image.save(str(tmp_path / "portals_dialog.png"))


def test_a_slow_portal_never_blocks_the_dialog_and_closing_stops_the_test(dialog_factory, tmp_path):
    with ReplayServer() as server:
        server.add("GET", PC_ROOT, b"{}", delay=5)  # a portal that hangs
        catalog_file = tmp_path / "catalog.json"
        catalog_file.write_text(json.dumps({"planetary_computer": {"url": server.url + PC_ROOT}}), encoding="utf-8")
        dialog = dialog_factory(catalog_file)
        dialog.select_portal("planetary_computer")
        started = time.monotonic()
        task = dialog.test_selected()
        assert time.monotonic() - started < 0.5
        assert task is not None and not dialog.test_button.isEnabled()
        assert wait_for(lambda: len(server.received("GET", PC_ROOT)) == 1, timeout=5)
        dialog.reject()  # the user closes the dialog while the portal still hangs
        assert wait_for(lambda: task.isCanceled(), timeout=2)
        assert dialog.test_status("planetary_computer")[0] == "testing"  # no result arrives after closing


def test_adding_an_endpoint_or_a_url_announces_a_catalog_change(dialog_factory, tmp_path):
    dialog = dialog_factory()
    changes = []
    dialog.catalogChanged.connect(lambda: changes.append(True))
    dialog.add_endpoint("my_dhus", {"protocol": "dhus", "title": "My DHuS", "url": "http://127.0.0.1:9/dhus",
                                     "auth": "basic", "enabled": True})
    assert changes == [True]
    dialog.set_portal_url("dhus", "http://127.0.0.1:9/other")
    press(dialog, QDialogButtonBox.StandardButton.Ok)
    assert changes == [True, True]
    catalog = load_catalog(tmp_path / "catalog.json", env={})
    assert catalog.portal("my_dhus").title == "My DHuS" and catalog.portal("dhus").url == "http://127.0.0.1:9/other"
