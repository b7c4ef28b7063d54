"""The EO Portals log: secrets never reach QgsMessageLog, failed requests are logged whole, errors reach the message bar."""
from __future__ import annotations

import base64
from typing import List, Tuple

import pytest
from qgis.core import Qgis, QgsApplication
from qgis.PyQt.QtWidgets import QApplication, QPushButton

from plugin import log
from plugin.core.catalog import load_catalog
from plugin.core.errors import PortalError
from plugin.core.http import fetch, make_session
from plugin.core.portals.base import Request
from plugin.core.query import SearchQuery
from plugin.core.search import search_portal
from tests.support.portals import recorded_portals
from tests.support.replay import ReplayServer


@pytest.fixture
def received() -> List[Tuple[str, str, int]]:
    """Every message QGIS's log receives during the test: (text, tag, level)."""
    messages: List[Tuple[str, str, int]] = []

    def collect(message, tag, level):
        messages.append((message, tag, int(level)))

    QgsApplication.messageLog().messageReceived.connect(collect)
    yield messages
    QgsApplication.messageLog().messageReceived.disconnect(collect)
    log.forget_secrets()


def eo_messages(received) -> List[str]:
    return [text for text, tag, _level in received if tag == log.LOG_TAG]


def test_a_registered_secret_never_reaches_the_log(received):
    secret = "s3cr3t/Pa55+word"
    log.register_secret(secret)
    log.log_error(f"login refused for alice with password {secret} (retry {secret})")
    log.log_warning(f"body was grant_type=password&username=alice&password={secret.replace('/', '%2F').replace('+', '%2B')}")
    log.log_info(f"Authorization: Basic {base64.b64encode(f'alice:{secret}'.encode()).decode()}")
    texts = eo_messages(received)
    assert len(texts) == 3
    for text in texts:
        assert secret not in text
        assert "s3cr3t" not in text  # nor its URL-encoded form
    assert texts[0] == "login refused for alice with password *** (retry ***)"
    assert "alice" in texts[1]
    assert base64.b64encode(f"alice:{secret}".encode()).decode() not in texts[2]


def test_basic_auth_header_of_a_registered_account_is_masked(received):
    log.register_basic_auth("bob", "hunter22")
    header = base64.b64encode(b"bob:hunter22").decode()
    # a header dump in another shape than "Authorization: Basic ...", e.g. a repr of a dict
    log.log_info(f"headers={{'X-Custom': '{header}'}}")
    assert header not in eo_messages(received)[0]


def test_urls_and_credential_headers_are_masked_without_registration(received):
    log.log_info("GET https://user:pw@example.org/blob.tif?se=2026&sig=abcDEF123&sp=r and X-API-Key: k-123456")
    text = eo_messages(received)[0]
    assert "abcDEF123" not in text and "k-123456" not in text and "user:pw" not in text
    assert "https://***:***@example.org/blob.tif?se=***&sig=***&sp=***" in text
    assert "X-API-Key: ***" in text


def test_levels_and_tag(received):
    log.log_info("i")
    log.log_warning("w")
    log.log_error("e")
    ours = [(text, level) for text, tag, level in received if tag == "EO Portals"]
    assert ours == [("i", int(Qgis.MessageLevel.Info)), ("w", int(Qgis.MessageLevel.Warning)),
                    ("e", int(Qgis.MessageLevel.Critical))]


def test_failed_portal_request_is_logged_with_method_url_status_message_and_curl(received):
    secret_token = "tok-9f8e7d"
    with ReplayServer() as server:
        server.add("GET", "/odata/v1/Products", b'{"detail": "Expired signature"}', status=403)
        request = Request("GET", server.url + "/odata/v1/Products", (("$top", "1"), ("token", secret_token)))
        with pytest.raises(PortalError) as caught:
            fetch(make_session(), request, "CDSE")
    text = log.log_request_failure(caught.value, request)
    assert eo_messages(received) == [text]
    assert secret_token not in text
    assert text.splitlines()[0] == "CDSE: HTTP 403, check your account: Expired signature"
    assert f"Request: GET {server.url}/odata/v1/Products?%24top=1&token=***" in text
    assert "HTTP status: 403" in text
    assert "The portal said: Expired signature" in text
    assert "Copy as curl: curl -sS -X GET" in text
    assert received[0][2] == int(Qgis.MessageLevel.Warning)


def test_search_outcome_of_a_failing_portal_is_logged_with_its_last_request(tmp_path, received):
    with recorded_portals(tmp_path, ["earth_search"], fail={"earth_search": 401}) as portals:
        catalog = load_catalog(portals.catalog_path, env={})
        query = SearchQuery.create("POLYGON((1 43,2 43,2 44,1 44,1 43))", "2023-01-01", "2023-01-31", "S2_MSI_L2A")
        _products, outcome, _next = search_portal(catalog.portal("earth_search"), query, budget=10)
    assert outcome.error is not None and outcome.error.status == 401
    text = log.log_request_failure(outcome)
    assert f"Request: POST {portals.url('earth_search')}/search" in text
    assert "HTTP status: 401" in text
    assert "The portal said: Unauthorized" in text
    assert "curl -sS -X POST" in text and "--data" in text


def test_curl_command_masks_secrets():
    log.register_secret("key-abc-123")
    try:
        request = Request("POST", "https://example.org/search", (("apikey", "zzz999"),),
                          json_body={"note": "key-abc-123"}, headers=(("X-API-Key", "other-456"),))
        command = log.curl_command(request)
    finally:
        log.forget_secrets()
    assert command.startswith("curl -sS -X POST 'https://example.org/search?apikey=***'")
    for secret in ("key-abc-123", "zzz999", "other-456"):
        assert secret not in command
    assert log.curl_command(None) == ""


def _buttons(item) -> dict:
    return {button.text(): button for button in item.findChildren(QPushButton)}


def test_show_error_puts_plain_words_in_the_message_bar_with_details_and_curl(qgis_iface, received):
    bar = qgis_iface.messageBar()
    bar.clearWidgets()
    request = Request("GET", "https://catalogue.example.org/odata/v1/Products", (("$top", "1"),))
    item = log.show_error(qgis_iface, "EO Portals", "CDSE: HTTP 401, check your account", request=request)
    assert bar.currentItem() is item
    assert item.text() == "CDSE: HTTP 401, check your account"
    assert item.level() == Qgis.MessageLevel.Critical
    buttons = _buttons(item)
    assert set(buttons) == {"Details", "Copy as curl"}
    qgis_iface.openMessageLog.reset_mock()
    buttons["Details"].click()
    assert qgis_iface.openMessageLog.called
    buttons["Copy as curl"].click()
    assert QApplication.clipboard().text() == request.as_curl()
    # the details went to the log, in one entry
    assert any("Request: GET https://catalogue.example.org/odata/v1/Products?%24top=1" in text
               for text in eo_messages(received))
    bar.clearWidgets()


def test_an_unexpected_exception_is_logged_with_its_traceback(qgis_iface, received):
    bar = qgis_iface.messageBar()
    bar.clearWidgets()
    try:
        {}["missing"]
    except KeyError as exc:
        item = log.show_exception(qgis_iface, "Search", exc)
    assert "unexpected error" in item.text()
    assert "KeyError" in item.text()
    bug = [text for text, tag, level in received if tag == log.LOG_TAG and level == int(Qgis.MessageLevel.Critical)]
    assert any("Traceback (most recent call last)" in text and "KeyError: 'missing'" in text for text in bug)
    bar.clearWidgets()


def test_an_expected_failure_is_shown_in_its_own_words(qgis_iface, received):
    bar = qgis_iface.messageBar()
    bar.clearWidgets()
    error = PortalError("GEODES", "timed out after 30 s")
    item = log.show_exception(qgis_iface, "Search", error)
    assert item.text() == "GEODES: timed out after 30 s"
    assert not any("Traceback" in text for text in eo_messages(received))
    bar.clearWidgets()
