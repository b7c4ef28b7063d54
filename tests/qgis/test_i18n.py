"""French: the panel shows in French when QGIS runs in French, and i18n/eo_portals_fr.ts is complete and sound.

The translator is the plugin's own: `EOPortalsPlugin._install_translator()` (what initGui() calls) with QGIS's
``locale/userLocale`` set to ``fr_FR``, reading the .qm that lrelease compiles from the committed .ts. Which
strings the code holds is asked of pylupdate5 itself (what `make translations` runs), over the plugin files git
tracks: those are what `make package` ships.
"""
from __future__ import annotations

import ast
import re
import shutil
import string
import subprocess
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Callable, Dict, Iterator, List, NamedTuple, Optional, Tuple

import pytest
from qgis.core import QgsCoordinateReferenceSystem, QgsRectangle, QgsSettings
from qgis.PyQt.QtCore import QCoreApplication, QLocale, QSettings, Qt
from qgis.PyQt.QtWidgets import QAbstractButton, QGroupBox, QLabel

import plugin.main as plugin_main
from plugin import settings as prefs
from plugin.ui.dock import EOPortalsDock
from plugin.ui.portals_dialog import PortalsDialog
from plugin.ui.results_model import Column, human_size
from tests.support.portals import recorded_portals
from tests.support.qt_wait import spin, wait_until as _wait_until

ROOT = Path(__file__).resolve().parents[2]
TS_FILE = ROOT / "i18n" / "eo_portals_fr.ts"
AOI = "POLYGON((3 47,4 47,4 48,3 48,3 47))"
# The panel and its parts (each a class of its own, so a translation context of its own)
DOCK_CONTEXTS = ("EOPortalsDock", "SearchForm", "PortalList", "SearchRun", "ResultsView", "SelectionSync",
                 "QuicklookPanel")


def wait_until(predicate: Callable[[], bool], timeout: float = 20.0) -> bool:
    """Spin until `predicate()` holds (tests/support/qt_wait.py), with this file's patience."""
    return _wait_until(predicate, timeout)


class Message(NamedTuple):
    """One entry of a .ts file."""

    context: str
    source: str
    comment: str
    translation: str
    state: str  # '' (finished), 'unfinished', 'obsolete', 'vanished'


def read_ts(path: Path) -> List[Message]:
    """The messages of a Qt Linguist .ts file."""
    messages = []
    for context in ET.parse(path).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            translation = message.find("translation")
            messages.append(Message(name, message.findtext("source") or "", message.findtext("comment") or "",
                                    (translation.text or "") if translation is not None else "",
                                    translation.get("type", "") if translation is not None else "unfinished"))
    return messages


def lrelease() -> Optional[str]:
    """The Qt 5 lrelease the Makefile uses."""
    candidate = Path("/usr/lib/qt5/bin/lrelease")
    return str(candidate) if candidate.exists() else shutil.which("lrelease")


def shipped_sources() -> List[str]:
    """The plugin's Python files outside the core that git tracks (the core has no Qt, so no texts to extract)."""
    try:
        out = subprocess.run(["git", "ls-files", "plugin"], cwd=ROOT, check=True, capture_output=True, text=True)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("git is needed to list the plugin's files")
    return sorted(p for p in out.stdout.split() if p.endswith(".py") and not p.startswith("plugin/core/"))


# ---- fixtures --------------------------------------------------------------------------------------------
@pytest.fixture
def private_settings(tmp_path) -> Iterator[QgsSettings]:
    """A settings file of this test's own (other test processes may share the default one)."""
    default_path = str(Path(QgsSettings().fileName()).parents[1])
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    settings = QgsSettings()
    assert settings.fileName().startswith(str(tmp_path))
    yield settings
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, default_path)


@pytest.fixture
def french(private_settings, tmp_path, monkeypatch) -> Iterator[plugin_main.EOPortalsPlugin]:
    """QGIS in French: the plugin's translator installed as initGui() does, QLocale's default French as QGIS sets it.

    The .qm is compiled from the committed .ts into tmp_path (so a stale build output is never what is tested).
    """
    tool = lrelease()
    if tool is None:
        pytest.skip("lrelease (Debian qttools5-dev-tools) is needed to compile the translation")
    i18n = tmp_path / "i18n"
    i18n.mkdir()
    subprocess.run([tool, "-silent", str(TS_FILE), "-qm", str(i18n / "eo_portals_fr.qm")], check=True)
    monkeypatch.setattr(plugin_main, "I18N_DIR", i18n)
    private_settings.setValue("locale/userLocale", "fr_FR")
    # A closed loopback proxy: a link to a real host (a quicklook of the recordings) fails at once.
    private_settings.setValue("proxy/proxyEnabled", True)
    private_settings.setValue("proxy/proxyType", "HttpProxy")
    private_settings.setValue("proxy/proxyHost", "127.0.0.1")
    private_settings.setValue("proxy/proxyPort", "9")
    private_settings.setValue("proxy/noProxyUrls", ["http://127.0.0.1"])
    monkeypatch.setattr(prefs, "quicklook_cache_folder", lambda: tmp_path / "quicklooks")
    previous_locale = QLocale()
    QLocale.setDefault(QLocale("fr_FR"))
    plugin = plugin_main.EOPortalsPlugin(None)
    plugin._install_translator()
    try:
        assert plugin.translator is not None, "the plugin found no translation for fr_FR"
        yield plugin
    finally:
        if plugin.translator is not None:
            QCoreApplication.removeTranslator(plugin.translator)
            plugin.translator = None
        QLocale.setDefault(previous_locale)


@pytest.fixture
def french_dock(french, qgis_iface, qgis_new_project) -> Iterator[EOPortalsDock]:
    """The panel built the way the plugin builds it, with the French translator installed."""
    qgis_iface.messageBar().clear_messages()
    canvas = qgis_iface.mapCanvas()
    canvas.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:4326"))
    canvas.setExtent(QgsRectangle(-10, 35, 20, 60))
    dock = EOPortalsDock(qgis_iface)
    dock.resize(420, 900)
    yield dock
    dock.shutdown()
    dock.deleteLater()
    spin(20)


def english_left(widget, translations: Dict[str, str]) -> List[str]:
    """Texts of buttons, labels, group boxes and tabs under `widget` still in English though French exists."""
    texts = []
    for child in widget.findChildren(QAbstractButton):
        texts.append(child.text())
    for child in widget.findChildren(QGroupBox):
        texts.append(child.title())
    for child in widget.findChildren(QLabel):
        texts.append(child.text())
    tabs = getattr(widget, "tabs", None)
    if tabs is not None:
        texts.extend(tabs.tabText(i) for i in range(tabs.count()))
    return sorted({t for t in texts if t in translations and translations[t] != t})


# ---- the panel in French ---------------------------------------------------------------------------------
def test_the_panel_shows_in_french_when_qgis_is_in_french(french_dock):
    dock = french_dock
    assert dock.tabs.tabText(0) == "Rechercher"
    assert dock.run.search_button.text() == "Rechercher"
    form = dock.form
    assert [form.aoi_box.title(), form.filters_box.title(), dock.portal_list.title(), form.advanced_box.title()] == \
        ["Zone d'intérêt", "Filtres", "Portails", "Filtres avancés"]
    assert [dock.form.polygon_button.text(), dock.form.extent_button.text(), dock.form.selection_button.text(),
            dock.form.clear_aoi_button.text()] == ["Polygone", "Emprise", "Sélection", "Effacer"]
    assert [dock.results.reduce_button.text(), dock.results.export_button.text(), dock.run.load_more_button.text(),
            dock.results.download_button.text(), dock.quicklook.show_on_map_button.text(),
            dock.portals_button.text()] == \
        ["Réduire", "Exporter", "Charger la suite", "Télécharger", "Afficher sur la carte", "Portails…"]
    assert dock.form.preset_buttons[30].text() == "30 jours"
    assert dock.form.cloud_label.text() == "Couverture nuageuse"
    assert [form.orbit_direction_label.text(), form.relative_orbit_label.text(), form.tile_label.text()] == \
        ["Sens de l'orbite", "Orbite relative", "Tuile MGRS"]
    assert dock.results.filter_edit.placeholderText() == "Filtrer les résultats…"
    assert dock.form.aoi_label.text().startswith("Pas encore de zone")
    # the collection titles come from the catalog (data) and are translated when shown
    assert dock.form.set_collection("S2_MSI_L2A")
    assert dock.form.collection_combo.currentText() == "Sentinel-2 L2A (réflectance de surface)"
    columns = (Column.DATE, Column.CLOUD, Column.TILE, Column.SIZE, Column.PORTALS, Column.TITLE)
    headers = [dock.results.table.model().headerData(c, Qt.Orientation.Horizontal) for c in columns]
    assert headers == ["Date (UTC)", "Nuages", "Tuile", "Taille", "Portails", "Produit"]
    # no visible text left in English where a French one exists
    translations = {m.source: m.translation for m in read_ts(TS_FILE) if m.context in DOCK_CONTEXTS}
    assert english_left(dock, translations) == []


def test_a_search_reports_in_french(french_dock, tmp_path, monkeypatch):
    dock = french_dock
    portals = ["earth_search", "cdse", "geodes"]
    with recorded_portals(tmp_path, portals, fail={"geodes": 401}) as rp:
        monkeypatch.setenv("EO_PORTALS_CATALOG", str(rp.catalog_path))
        dock.reload_portals()
        assert dock.form.aoi.set_wkt(AOI)
        assert dock.form.set_collection("S2_MSI_L1C")
        dock.portal_list.set_checked_portals(portals)
        dock.form.cloud_slider.setValue(100)
        assert dock.start_search()
        assert dock.run.search_button.text() == "Annuler"
        assert wait_until(lambda: not dock.run.is_searching() and dock.results.pending_footprints() == 0, 30)
    count = dock.results.model.rowCount()
    assert count > 1
    lines = dock.run.status_lines()
    assert any(re.fullmatch(r"CDSE\u00a0: \d+ produits", line) for line in lines), lines
    # Earth Search's recording holds L2A and Landsat products: left out of this L1C search, and said so
    assert "Earth Search\u00a0: 0 produits, 2 produits d’autres collections écartés" in lines, lines
    assert "GEODES\u00a0: HTTP 401, vérifiez votre compte" in lines
    assert dock.results.count_label.text() == f"{count} produits"
    assert dock.run.search_button.text() == "Rechercher"
    # sizes (CDSE gives them) in French units, with QGIS's (here French) decimal comma
    sizes = [dock.results.proxy.index(row, Column.SIZE).data() for row in range(dock.results.proxy.rowCount())]
    sized = [size for size in sizes if size]
    assert sized and all(re.fullmatch(r"\d+(,\d)? (o|ko|Mo|Go|To)", size) for size in sized), sized
    dock.results.filter_edit.setText("no-such-product")
    assert dock.results.count_label.text() == f"Produits affichés\u00a0: 0 sur {count}"


def test_human_sizes_follow_the_language_and_qgis_number_locale(french):
    assert human_size(1_234_567_890) == "1,2 Go"
    assert human_size(224_105_657) == "224 Mo"
    assert human_size(999) == "999 o"


def test_the_portals_dialog_shows_in_french(french, qgis_parent, tmp_path):
    dialog = PortalsDialog(qgis_parent, catalog_path=str(tmp_path / "catalog.json"))
    try:
        assert dialog.windowTitle() == "EO Portals\u00a0: portails et comptes"
        headers = [dialog.table.horizontalHeaderItem(c).text() for c in range(dialog.table.columnCount())]
        assert "Portail" in headers and "Compte" in headers
        translations = {m.source: m.translation for m in read_ts(TS_FILE) if m.context == "PortalsDialog"}
        assert english_left(dialog, translations) == []
    finally:
        dialog.done(0)
        dialog.deleteLater()


# ---- the .ts file ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> List[Message]:
    """What pylupdate5 (run by `make translations`) finds in the shipped files."""
    if shutil.which("pylupdate5") is None:
        pytest.skip("pylupdate5 (Debian pyqt5-dev-tools) is needed to extract the texts")
    fresh = tmp_path_factory.mktemp("pylupdate") / "fresh.ts"
    subprocess.run(["pylupdate5", *shipped_sources(), "-ts", str(fresh)], cwd=ROOT, check=True,
                   capture_output=True)
    return read_ts(fresh)


def test_every_text_of_the_code_has_a_french_translation(extracted):
    in_code = {(m.context, m.source, m.comment) for m in extracted if m.context != "@default"}
    assert len(in_code) > 250  # the extraction found the panel, the dialogs, the log and Processing texts
    done = {(m.context, m.source, m.comment) for m in read_ts(TS_FILE) if m.state == "" and m.translation.strip()}
    missing = sorted(in_code - done)
    assert not missing, (
        f"{len(missing)} texts of the code have no finished French translation; run `make translations`, then "
        f"translate them in {TS_FILE.relative_to(ROOT)}:\n" + "\n".join(f"  [{c}] {s!r}" for c, s, _ in missing))


def test_no_text_is_extracted_without_its_context(extracted):
    """A module-level ``tr("...")`` is filed under @default, while the code translates it under another context:
    its translation would never be found. Call ``QCoreApplication.translate("Context", "...")`` instead."""
    lost = sorted({m.source for m in extracted if m.context == "@default"})
    assert not lost, "texts filed under @default:\n" + "\n".join(f"  {text!r}" for text in lost)


def _wrappers(tree: ast.Module) -> Dict[str, str]:
    """{function name: its parameter} for functions that hand a parameter to translate()/tr() as the text."""
    found = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef):
            continue
        params = {a.arg for a in node.args.args}
        for call in ast.walk(node):
            if not isinstance(call, ast.Call):
                continue
            name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
            text = call.args[1] if name == "translate" and len(call.args) > 1 else \
                call.args[0] if name == "tr" and call.args else None
            if isinstance(text, ast.Name) and text.id in params:
                found[node.name] = text.id
    return found


def test_no_literal_text_hides_behind_a_translation_wrapper():
    """``_tr("Queued")`` with ``def _tr(text): return translate("X", text)`` translates at run time, but
    pylupdate5 never sees the literal, so it can never be translated: call translate("X", "...") directly."""
    hidden = []
    for path in shipped_sources():
        tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
        wrappers = _wrappers(tree)
        for call in ast.walk(tree):
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in wrappers \
                    and call.args and isinstance(call.args[0], (ast.Constant, ast.JoinedStr)):
                hidden.append((path, call.lineno, call.func.id))
    hidden.sort()
    lines = [f"  {path}:{line} {name}(...)" for path, line, name in hidden]
    assert not hidden, f"{len(hidden)} texts pylupdate5 cannot extract:\n" + "\n".join(lines)


def test_every_literal_text_is_translated_under_a_literal_context():
    """``translate(CONTEXT, "Time series")`` works at run time, but pylupdate5 cannot resolve the variable: `make
    translations` marked the text obsolete and the French tab title went back to English."""
    unresolved = []
    for path in shipped_sources():
        tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
        for call in ast.walk(tree):
            if not isinstance(call, ast.Call) or len(call.args) < 2:
                continue
            name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
            if name in ("translate", "QT_TRANSLATE_NOOP") and isinstance(call.args[1], ast.Constant) \
                    and isinstance(call.args[1].value, str) \
                    and not isinstance(call.args[0], ast.Constant):
                unresolved.append(f"  {path}:{call.lineno} {call.args[1].value!r}")
    assert not unresolved, "texts whose context pylupdate5 cannot read:\n" + "\n".join(sorted(unresolved))


def placeholders(text: str) -> Counter:
    """{name}, {name:spec}, {} (str.format), %1 (Qt) and %s/%d (printf) placeholders, counted."""
    found: Counter = Counter()
    for _literal, field, spec, conversion in string.Formatter().parse(text):
        if field is not None:
            found[("format", field, spec or "", conversion or "")] += 1
    for match in re.finditer(r"%(\d+|[sd]|\(\w+\)[sd])", text.replace("%%", "")):
        found[("percent", match.group(1))] += 1
    return found


def test_translations_keep_placeholders_tags_and_edge_spaces():
    messages = [m for m in read_ts(TS_FILE) if m.state == "" and m.translation]
    assert messages
    problems = []
    for m in messages:
        if placeholders(m.source) != placeholders(m.translation):
            problems.append(f"[{m.context}] {m.source!r}: placeholders differ in {m.translation!r}")
        if sorted(re.findall(r"</?\w+>", m.source)) != sorted(re.findall(r"</?\w+>", m.translation)):
            problems.append(f"[{m.context}] {m.source!r}: HTML tags differ in {m.translation!r}")
        # texts glued to others (" (it said: …)") keep their leading space
        if m.source[:1].isspace() != m.translation[:1].isspace() or \
                m.source[-1:].isspace() != m.translation[-1:].isspace():
            problems.append(f"[{m.context}] {m.source!r}: leading or trailing space lost in {m.translation!r}")
    assert not problems, "\n".join(problems)


def test_placeholder_check_sees_a_lost_or_renamed_field():
    assert placeholders("{name}: {count} products") != placeholders("{name} : produits")
    assert placeholders("{seconds:.1f} s") != placeholders("{seconds} s")
    assert placeholders("Known portals: {}") == placeholders("Portails connus : {}")
    assert placeholders("%1 of %2") != placeholders("%1 sur %1")


def test_texts_the_panel_translates_as_data_are_the_cores_own():
    """The panel lists core texts (collection titles, notes, QueryError messages) for pylupdate: they must match."""
    tree = ast.parse((ROOT / "plugin" / "ui" / "common.py").read_text(encoding="utf-8"))
    listed = [node.args[1].value for node in ast.walk(tree)
              if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "QT_TRANSLATE_NOOP"]
    assert len(listed) >= 7
    core = "\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "plugin" / "core").rglob("*.py")))
    core += (ROOT / "plugin" / "core" / "catalog.json").read_text(encoding="utf-8")
    assert [text for text in listed if text not in core] == []


def test_the_ts_file_is_french():
    root = ET.parse(TS_FILE).getroot()
    assert root.get("language") == "fr_FR"
    by_source: Dict[Tuple[str, str], str] = {(m.context, m.source): m.translation for m in read_ts(TS_FILE)}
    assert by_source[("SearchForm", "Area of interest")] == "Zone d'intérêt"
    assert by_source[("QuicklookPanel", "Show on map")] == "Afficher sur la carte"
