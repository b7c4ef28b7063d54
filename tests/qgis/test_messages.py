"""How failures are worded (plugin/ui/messages.py), in English and French: every error kind, said once.

Issue 10 item 8: the panel said "Earth Search: cannot be reached (cannot be reached (Connection refused))" in
its status line, message bar and tooltips, because it wrapped a message that already said it. Failures now
travel as data (kind, code, details) and are worded in one table; these tests check every entry of that table
and a real refused connection seen through the panel.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Dict, Iterator, List

import pytest
import requests
from qgis.PyQt.QtCore import QCoreApplication, QTranslator, Qt

from plugin.core.errors import ErrorKind, Failure
from plugin.core.http import error_for_exception, error_for_status, timed_out
from plugin.ui import messages
from tests.qgis.test_dock import make_dock, offline, prepare, wait_for_search  # noqa: F401 (fixtures)
from tests.support.portals import recorded_portals

ROOT = Path(__file__).resolve().parents[2]
TS_FILE = ROOT / "i18n" / "eo_portals_fr.ts"
# a distinct, plausible value for every placeholder a text may hold
SAMPLES: Dict[str, object] = {
    "status": 503, "seconds": 30, "reason": "Connection refused", "proxy": "proxy.example.org:3128",
    "service": "token service", "minutes": 20, "received": 1000, "declared": 2000, "expected": 2000,
    "sent": 900, "announced": 1200, "start": "'<html>'", "what": "no features list", "megabytes": 64,
    "assets": "visual, red", "path": "/data/eo/S2A.zip.part", "folder": "/data/eo", "needed": "3.0 MB",
    "margin": "17 MB", "free": "2.0 MB", "algorithm": "MD5", "kept": 1000,
}


def repeated_phrase(text: str, words: int = 3) -> str:
    """The first run of `words` words that appears twice in `text` ("" when none): a doubled wording."""
    tokens = re.findall(r"\w+", text.lower())
    runs = Counter(" ".join(tokens[i:i + words]) for i in range(len(tokens) - words + 1))
    return next((run for run, count in runs.items() if count > 1), "")


def placeholders(template: str) -> List[str]:
    return re.findall(r"{(\w+)}", template)


def every_case() -> Iterator[Failure]:
    """One failure per entry of the table, its details filled as the core fills them."""
    for (kind, code), (template, _portal_words) in messages.TEXTS.items():
        details = {name: SAMPLES[name] for name in placeholders(template) if name != "cause"}
        if "cause" in placeholders(template):  # a failure wrapping another: the refused connection
            details["cause"] = error_for_exception("Earth Search", requests.exceptions.ConnectionError(
                "[Errno 111] Connection refused"), 30).failure().to_dict()
        yield Failure("Earth Search", kind, code, "the core's English", details.get("status"), details,
                      "Service temporarily unavailable")


@pytest.fixture
def french():
    """The plugin's French translation, compiled from the committed .ts and installed for the test."""
    tool = shutil.which("lrelease") or "/usr/lib/qt5/bin/lrelease"
    if not Path(tool).exists():
        pytest.skip("lrelease (Debian qttools5-dev-tools) is needed to compile the translation")
    return tool


@pytest.fixture
def in_french(french, tmp_path):
    qm = tmp_path / "eo_portals_fr.qm"
    subprocess.run([french, "-silent", str(TS_FILE), "-qm", str(qm)], check=True)
    translator = QTranslator()
    assert translator.load(str(qm))
    QCoreApplication.installTranslator(translator)
    yield
    QCoreApplication.removeTranslator(translator)


def test_every_kind_of_error_has_its_wording():
    assert {kind for kind, _code in messages.TEXTS} == set(ErrorKind)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_no_wording_says_a_thing_twice_in_english_or_french(language, request):
    if language == "fr":
        request.getfixturevalue("in_french")
    problems = []
    for failure in every_case():
        text = messages.failure_text(failure)
        if repeated_phrase(text) or "{" in text or text.endswith("the core's English"):
            problems.append(f"{failure.kind.value}/{failure.code}: {text!r}")
    assert not problems, "\n".join(problems)
    if language == "fr":  # the translation is in use, not the English
        refused = messages.error_text(error_for_exception("Earth Search", requests.exceptions.ConnectionError(
            "[Errno 111] Connection refused"), 30))
        assert refused == "Earth Search\u00a0: injoignable (Connection refused)"


def test_the_doubling_check_sees_a_doubled_wording():
    assert repeated_phrase("Earth Search: cannot be reached (cannot be reached (Connection refused))")
    assert not repeated_phrase("Earth Search: cannot be reached (Connection refused)")


def test_errors_made_by_the_core_are_worded_from_their_data():
    said = [messages.error_text(error) for error in (
        error_for_exception("CDSE", requests.exceptions.ConnectionError("[Errno 111] Connection refused"), 30),
        timed_out("GEODES", 5.0),
        error_for_status("CDSE", 401, b'{"detail": "Invalid token"}'),
        error_for_status("CDSE", 429, b"", {"Retry-After": "30"}),
        error_for_status("DHuS mirror", 503, b"Service temporarily unavailable"),
    )]
    assert said == ["CDSE: cannot be reached (Connection refused)", "GEODES: timed out after 5 s",
                    "CDSE: HTTP 401, check your account", "CDSE: too many requests, try again later",
                    "DHuS mirror: server error (HTTP 503): Service temporarily unavailable"]


def test_a_refused_connection_is_said_once_in_every_place_the_panel_says_it(make_dock, tmp_path, monkeypatch,
                                                                           qgis_iface):
    refused = "http://127.0.0.1:9/v1"  # the discard port: nothing listens, the connection is refused
    with recorded_portals(tmp_path, ["cdse"], extra_catalog={"earth_search": {"url": refused, "enabled": True}}) as rp:
        monkeypatch.setenv("EO_PORTALS_CATALOG", str(rp.catalog_path))
        dock = make_dock()
        prepare(dock, ["earth_search", "cdse"])
        assert dock.start_search()
        wait_for_search(dock)
    line = "Earth Search: cannot be reached (Connection refused)"
    assert line in dock.run.status_lines()
    status = dock.run.status_list
    item = next(status.item(i) for i in range(status.count())
                if status.item(i).data(Qt.ItemDataRole.UserRole) == "earth_search")
    portals = dock.portal_list.list
    portal_item = next(portals.item(i) for i in range(portals.count())
                       if portals.item(i).data(Qt.ItemDataRole.UserRole) == "earth_search")
    bar = qgis_iface.messageBar().get_messages(1)
    places = {"status line": item.text(), "its tooltip": item.toolTip(), "message bar": " ".join(bar),
              "the portal's tooltip": portal_item.toolTip()}
    assert line in places["message bar"] and "Failed last time: " + line in places["the portal's tooltip"]
    doubled = {place: text for place, text in places.items() if "cannot be reached" in text
               and (text.count("cannot be reached") > 1 or repeated_phrase(text))}
    assert not doubled, doubled
