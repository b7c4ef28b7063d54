"""The plugin's lifecycle: what `initGui()` adds (action, Web menu entry, dock, Processing provider, translator)
`unload()` removes, in pytest-qgis and in the real QGIS application and qgis_process.

pytest-qgis's iface implements the plugins toolbar and the dock area as no-ops and has no Web menu, so the
`qgis_window` fixture gives it QgisApp's behaviour with real widgets (qgisapp.cpp: `addPluginToWebMenu` puts a
sub-menu named after the plugin in the "&Web" menu, `removePluginWebMenu` removes the sub-menu once empty and the
Web menu once empty). The subprocess tests at the end check the same against QGIS itself.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace
from typing import Callable, Dict, Iterator, List, Optional

import pytest
from qgis.core import QgsApplication, QgsSettings
from qgis.PyQt import sip
from qgis.PyQt.QtCore import QCoreApplication, QEvent, Qt
from qgis.PyQt.QtWidgets import QAction, QDockWidget, QMenu, QScrollArea, QStyle, QToolBar, QWidget

ROOT = Path(__file__).resolve().parents[2]
PROVIDER_ID = "eoportals"
ACTION_NAME = "eoPortalsAction"
DOCK_SOURCE = ROOT / "plugin" / "ui" / "dock.py"
PROVIDER_SOURCE = ROOT / "plugin" / "processing" / "provider.py"


def _require(source: Path) -> None:
    """Skip while another part of the plugin is not written yet (an import error in it still fails)."""
    if not source.exists():
        pytest.skip(f"{source.relative_to(ROOT)} does not exist yet")


def _flush_deletions() -> None:
    """Run the pending deleteLater() calls, as the QGIS event loop would."""
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def _submenu(menu: QMenu, title: str) -> Optional[QMenu]:
    for action in menu.actions():
        if action.menu() is not None and action.menu().title() == title:
            return action.menu()
    return None


@pytest.fixture
def qgis_window(qgis_iface, monkeypatch) -> Iterator[SimpleNamespace]:
    """pytest-qgis's iface with a real plugins toolbar, Web menu and dock area, as QgisApp has them."""
    window = qgis_iface.mainWindow()
    toolbar = QToolBar("Plugins Toolbar", window)
    toolbar.setObjectName("mPluginToolBar")
    window.addToolBar(toolbar)
    web = QMenu("&Web", window)
    web.setObjectName("mWebMenu")

    def add_plugin_to_web_menu(name: str, action: QAction) -> None:
        if web.menuAction() not in window.menuBar().actions():
            window.menuBar().addMenu(web)
        (_submenu(web, name) or web.addMenu(name)).addAction(action)

    def remove_plugin_web_menu(name: str, action: QAction) -> None:
        submenu = _submenu(web, name)
        if submenu is None:
            return
        submenu.removeAction(action)
        if not submenu.actions():
            web.removeAction(submenu.menuAction())
        if not web.actions():
            window.menuBar().removeAction(web.menuAction())

    for name, implementation in {
        "addToolBarIcon": toolbar.addAction,
        "removeToolBarIcon": toolbar.removeAction,
        "pluginToolBar": lambda: toolbar,
        "webMenu": lambda: web,
        "addPluginToWebMenu": add_plugin_to_web_menu,
        "removePluginWebMenu": remove_plugin_web_menu,
        "addDockWidget": window.addDockWidget,
        "removeDockWidget": window.removeDockWidget,
    }.items():
        monkeypatch.setattr(qgis_iface, name, implementation)
    yield SimpleNamespace(iface=qgis_iface, window=window, toolbar=toolbar, web=web)
    window.removeToolBar(toolbar)
    toolbar.deleteLater()
    web.deleteLater()
    _flush_deletions()


@pytest.fixture
def qgis_locale() -> Iterator[Callable[[str], None]]:
    """Set QGIS's ``locale/userLocale`` for one test (the plugin reads it in initGui) and restore it after."""
    settings = QgsSettings()
    had = settings.contains("locale/userLocale")
    before = settings.value("locale/userLocale")

    def set_locale(locale: str) -> None:
        QgsSettings().setValue("locale/userLocale", locale)

    yield set_locale
    if had:
        settings.setValue("locale/userLocale", before)
    else:
        settings.remove("locale/userLocale")


@pytest.fixture
def no_provider_left_over() -> None:
    """The lifecycle tests start with no EO Portals provider registered (another test leaking one would hide ours)."""
    assert QgsApplication.processingRegistry().providerById(PROVIDER_ID) is None, (
        "a test before this one left the eoportals provider registered")


def _web_entries(web: QMenu) -> Dict[str, List[str]]:
    """What the Web menu shows: sub-menu title -> object names of its actions."""
    return {a.menu().title(): [b.objectName() for b in a.menu().actions()] for a in web.actions() if a.menu()}


def _plugin_actions(window) -> List[QAction]:
    return [a for a in window.findChildren(QAction, ACTION_NAME) if not sip.isdeleted(a)]


def _our_docks(window) -> List[QDockWidget]:
    return [d for d in window.findChildren(QDockWidget)
            if not sip.isdeleted(d) and type(d).__name__ == "EOPortalsDock"]


@pytest.mark.usefixtures("no_provider_left_over")
def test_init_gui_adds_one_action_to_toolbar_and_web_menu_and_unload_removes_it(
        plugin_package, qgis_window, qgis_locale):
    qgis_locale("en_US")
    plugin = plugin_package.classFactory(qgis_window.iface)
    # The plugin comes from the package named like the installed folder, with relative imports only.
    assert type(plugin).__module__ == "eo_portals.plugin.main"

    plugin.initGui()
    try:
        action = plugin.action
        assert action.text() == "EO Portals"
        assert action.isCheckable() and not action.isChecked()
        assert not action.icon().isNull()
        assert action.toolTip()
        assert qgis_window.toolbar.actions() == [action]
        assert _web_entries(qgis_window.web) == {"EO Portals": [ACTION_NAME]}
        assert qgis_window.web.menuAction() in qgis_window.window.menuBar().actions()
        assert _plugin_actions(qgis_window.window) == [action]
        assert plugin.dock is None  # created only when the user first opens it
    finally:
        plugin.unload()
    _flush_deletions()

    assert qgis_window.toolbar.actions() == []
    assert _web_entries(qgis_window.web) == {}
    assert qgis_window.web.menuAction() not in qgis_window.window.menuBar().actions()
    assert _plugin_actions(qgis_window.window) == []
    assert QgsApplication.processingRegistry().providerById(PROVIDER_ID) is None
    assert plugin.action is None and plugin.provider is None and plugin.translator is None


@pytest.mark.usefixtures("no_provider_left_over")
def test_processing_provider_is_registered_by_init_gui_and_removed_by_unload(plugin_package, qgis_window):
    _require(PROVIDER_SOURCE)
    registry = QgsApplication.processingRegistry()
    plugin = plugin_package.classFactory(qgis_window.iface)
    plugin.initGui()
    try:
        provider = registry.providerById(PROVIDER_ID)
        assert provider is not None, "initGui() did not register the Processing provider (see the EO Portals log)"
        assert provider is plugin.provider
        assert registry.algorithmById(f"{PROVIDER_ID}:search") is not None
    finally:
        plugin.unload()
    assert registry.providerById(PROVIDER_ID) is None
    assert registry.algorithmById(f"{PROVIDER_ID}:search") is None


@pytest.mark.usefixtures("no_provider_left_over")
def test_reloading_the_plugin_twice_leaves_one_set_of_entries(plugin_package, qgis_window):
    """Plugin Reloader and the plugin manager unload and load again in the same QGIS session."""
    for _ in range(2):
        plugin = plugin_package.classFactory(qgis_window.iface)
        plugin.initGui()
        assert len(qgis_window.toolbar.actions()) == 1
        assert _web_entries(qgis_window.web) == {"EO Portals": [ACTION_NAME]}
        if PROVIDER_SOURCE.exists():
            assert QgsApplication.processingRegistry().providerById(PROVIDER_ID) is plugin.provider
        plugin.unload()
        _flush_deletions()
        assert qgis_window.toolbar.actions() == []
        assert _plugin_actions(qgis_window.window) == []
        assert QgsApplication.processingRegistry().providerById(PROVIDER_ID) is None


@pytest.mark.usefixtures("no_provider_left_over")
def test_action_opens_and_closes_the_dock_and_unload_shuts_it_down(plugin_package, qgis_window, monkeypatch):
    _require(DOCK_SOURCE)
    from eo_portals.plugin.ui.dock import EOPortalsDock

    shutdowns = []
    original_shutdown = EOPortalsDock.shutdown

    def spy_shutdown(self, *args, **kwargs):
        shutdowns.append(self)
        return original_shutdown(self, *args, **kwargs)

    monkeypatch.setattr(EOPortalsDock, "shutdown", spy_shutdown)
    plugin = plugin_package.classFactory(qgis_window.iface)
    plugin.initGui()
    try:
        assert _our_docks(qgis_window.window) == []
        plugin.action.trigger()
        docks = _our_docks(qgis_window.window)
        assert len(docks) == 1 and docks[0] is plugin.dock
        dock = plugin.dock
        assert plugin.action.isChecked()
        assert dock.isVisibleTo(qgis_window.window)
        # Docked in the main window, not floating loose.
        assert qgis_window.window.dockWidgetArea(dock) == Qt.DockWidgetArea.RightDockWidgetArea

        dock.close()  # the dock's own close button
        assert not plugin.action.isChecked()
        assert not dock.isVisibleTo(qgis_window.window)

        plugin.action.trigger()  # opens the same dock again, not a second one
        assert plugin.dock is dock and dock.isVisibleTo(qgis_window.window) and plugin.action.isChecked()
        assert len(_our_docks(qgis_window.window)) == 1

        plugin.action.trigger()
        assert not dock.isVisibleTo(qgis_window.window) and not plugin.action.isChecked()
    finally:
        plugin.unload()
    _flush_deletions()

    assert len(shutdowns) == 1 and shutdowns[0] is dock
    assert sip.isdeleted(dock)
    assert _our_docks(qgis_window.window) == []
    assert plugin.dock is None


@pytest.mark.usefixtures("no_provider_left_over")
def test_downloads_left_unfinished_resume_after_start_up_without_opening_the_panel(
        plugin_package, qgis_window, monkeypatch, tmp_path):
    """QGIS quit during a download: at the next start the panel is built hidden and its queue takes the job up."""
    _require(DOCK_SOURCE)
    from eo_portals.plugin import main, settings
    from eo_portals.plugin.core.download.job import Job, State
    from eo_portals.plugin.core.product import make_product
    from eo_portals.plugin.core.download.queue import JobQueue

    from tests.support.qt_wait import spin, wait_until

    queue_file = tmp_path / "profile" / "downloads.sqlite"
    monkeypatch.setattr(settings, "queue_path", lambda: queue_file)
    monkeypatch.setattr(main, "RESUME_DELAY_MS", 10)

    plugin = plugin_package.classFactory(qgis_window.iface)
    plugin.initGui()
    try:  # no queue file: start-up builds nothing
        spin(200)
        assert plugin.dock is None and _our_docks(qgis_window.window) == []
    finally:
        plugin.unload()

    product = make_product(portal="dhus", product_id="x", collection="S2_MSI_L1C",
                           name="S2A_MSIL1C_20180101T105441_N0206_R051_T31TDH_20180101T124911",
                           download_url="http://127.0.0.1:9/odata/v1/Products('x')/$value")
    store = JobQueue(queue_file)
    job = Job(product, str(tmp_path / "downloads"))
    job.state = State.DOWNLOADING  # as the queue holds it when QGIS quit mid-download
    store.save(job)
    store.close()

    plugin = plugin_package.classFactory(qgis_window.iface)
    plugin.initGui()
    try:
        assert plugin.dock is None  # not during start-up itself
        assert wait_until(lambda: plugin.dock is not None and plugin.downloads is not None, timeout=10)
        assert not plugin.dock.isVisibleTo(qgis_window.window) and not plugin.action.isChecked()
        assert wait_until(lambda: any(j.id == job.id for j in plugin.downloads.jobs()), timeout=10)
    finally:
        plugin.unload()
    _flush_deletions()
    assert _our_docks(qgis_window.window) == []


@pytest.mark.usefixtures("no_provider_left_over")
def test_a_panel_that_cannot_be_built_is_reported_and_leaves_the_action_unchecked(
        plugin_package, qgis_window, monkeypatch):
    _require(DOCK_SOURCE)
    from eo_portals.plugin.ui.dock import EOPortalsDock

    def broken_init(self, *args, **kwargs):
        raise RuntimeError("panel construction failed (injected by the test)")

    monkeypatch.setattr(EOPortalsDock, "__init__", broken_init)
    logged = []

    def collect(text, tag, level):
        if tag == "EO Portals":
            logged.append(text)

    QgsApplication.messageLog().messageReceived.connect(collect)
    bar = qgis_window.iface.messageBar()
    bar.clearWidgets()
    plugin = plugin_package.classFactory(qgis_window.iface)
    plugin.initGui()
    try:
        plugin.action.trigger()
        assert plugin.dock is None
        assert not plugin.action.isChecked()
        assert _our_docks(qgis_window.window) == []
        assert [item.text() for item in bar.items()] == ["The panel could not be opened; details are in the log."]
        assert any("The EO Portals panel could not be opened" in text and "injected by the test" in text
                   for text in logged), logged
    finally:
        QgsApplication.messageLog().messageReceived.disconnect(collect)
        plugin.unload()
        bar.clearWidgets()
    assert qgis_window.toolbar.actions() == []


def _translated_message(ts_file: Path) -> Optional[Dict[str, str]]:
    """One finished translation that differs from its source text, from a .ts file."""
    for context in ET.parse(ts_file).getroot().iter("context"):
        name = context.findtext("name")
        for message in context.iter("message"):
            translation = message.find("translation")
            if translation is None or translation.get("type") in ("unfinished", "obsolete", "vanished"):
                continue
            source = message.findtext("source") or ""
            if translation.text and translation.text != source and message.get("numerus") != "yes":
                return {"context": name, "source": source, "translation": translation.text}
    return None


@pytest.mark.usefixtures("no_provider_left_over")
def test_french_translation_is_installed_with_the_gui_and_removed_by_unload(plugin_package, qgis_window, qgis_locale):
    ts_file, qm_file = ROOT / "i18n" / "eo_portals_fr.ts", ROOT / "i18n" / "eo_portals_fr.qm"
    if not ts_file.exists():
        pytest.skip("i18n/eo_portals_fr.ts does not exist yet")
    if not qm_file.exists() or qm_file.stat().st_mtime < ts_file.stat().st_mtime:
        pytest.skip("i18n/eo_portals_fr.qm is missing or older than the .ts: `make test` compiles it")
    message = _translated_message(ts_file)
    if message is None:
        pytest.skip("i18n/eo_portals_fr.ts has no finished translation yet")
    english = QCoreApplication.translate(message["context"], message["source"])
    assert english == message["source"]

    qgis_locale("fr_FR")  # QTranslator falls back from fr_FR to eo_portals_fr.qm
    plugin = plugin_package.classFactory(qgis_window.iface)
    plugin.initGui()
    try:
        assert plugin.translator is not None
        assert QCoreApplication.translate(message["context"], message["source"]) == message["translation"]
        assert plugin.action.text() == QCoreApplication.translate("EOPortals", "EO Portals")
    finally:
        plugin.unload()
    assert plugin.translator is None
    assert QCoreApplication.translate(message["context"], message["source"]) == message["source"]


@pytest.mark.usefixtures("no_provider_left_over")
def test_no_translator_for_a_language_without_translation(plugin_package, qgis_window, qgis_locale):
    qgis_locale("xx_YY")
    plugin = plugin_package.classFactory(qgis_window.iface)
    plugin.initGui()
    try:
        assert plugin.translator is None
        assert plugin.action.text() == "EO Portals"
    finally:
        plugin.unload()


# --- The real thing: QGIS's own application and qgis_process, in subprocesses -------------------------------

def _clean_env(**extra: str) -> Dict[str, str]:
    """The environment for a QGIS subprocess, without what pytest-qgis set for this process."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("QGIS_CUSTOM_CONFIG_PATH", "QGIS_OPTIONS_PATH", "QT_QPA_PLATFORM", "PYTHONPATH")}
    env.update(extra)
    return env


def _run(command: List[str], env: Dict[str, str], timeout: float) -> subprocess.CompletedProcess:
    """Run a QGIS command; on timeout kill its whole process group (xvfb-run leaves Xvfb behind otherwise)."""
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        pytest.fail(f"{' '.join(command[:3])} did not finish within {timeout}s:\n{output[-3000:]}")
    return subprocess.CompletedProcess(command, process.returncode, output, "")


QGIS_SCRIPT = textwrap.dedent('''
    import json, os, traceback
    from qgis.core import QgsApplication
    from qgis.PyQt.QtCore import QCoreApplication, QEvent, QTimer
    from qgis.PyQt.QtWidgets import QAction, QApplication, QDockWidget
    from qgis.utils import active_plugins, iface, plugins, unloadPlugin

    def state():
        window = iface.mainWindow()
        return {
            "active": "eo_portals" in active_plugins,
            "toolbar": [a.objectName() for a in iface.pluginToolBar().actions()],
            "web": {a.menu().title(): [b.objectName() for b in a.menu().actions()]
                    for a in iface.webMenu().actions() if a.menu()},
            "provider": QgsApplication.processingRegistry().providerById("eoportals") is not None,
            "actions": len(window.findChildren(QAction, "eoPortalsAction")),
            "docks": [d.objectName() for d in window.findChildren(QDockWidget)
                      if type(d).__name__ == "EOPortalsDock" and d.isVisible()],
        }

    report = {"log": []}
    QgsApplication.messageLog().messageReceived.connect(
        lambda text, tag, level: report["log"].append(text) if tag == "EO Portals" else None)
    try:
        report["loaded"] = state()
        if os.environ["EO_PORTALS_OPEN_DOCK"] == "1":
            plugins["eo_portals"].action.trigger()
            report["dock_open"] = state()
        report["unload"] = unloadPlugin("eo_portals")
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        report["unloaded"] = state()
    except Exception:
        report["error"] = traceback.format_exc()
    finally:
        with open(os.environ["EO_PORTALS_REPORT"], "w") as handle:
            json.dump(report, handle)
        QTimer.singleShot(0, lambda: QApplication.instance().exit(0))
''')


def test_real_qgis_loads_the_plugin_from_a_profile_and_unloads_it_cleanly(tmp_path):
    """What `make run` does: the plugin linked into a profile, enabled in its QGIS3.ini, QGIS started."""
    qgis, xvfb_run = shutil.which("qgis"), shutil.which("xvfb-run")
    if not qgis or not xvfb_run:
        pytest.skip("needs the qgis and xvfb-run programs (`make test` installs them)")
    profile = tmp_path / "profiles" / "profiles" / "test"
    (profile / "python" / "plugins").mkdir(parents=True)
    (profile / "QGIS").mkdir()
    (profile / "python" / "plugins" / "eo_portals").symlink_to(ROOT, target_is_directory=True)
    # The news feed is the one thing QGIS fetches from the internet at start-up: tests stay offline.
    (profile / "QGIS" / "QGIS3.ini").write_text(
        "[PythonPlugins]\neo_portals=true\n\n[core]\nNewsFeed\\httpsfeedqgisorg\\disabled=true\n", encoding="utf-8")
    script, report_file = tmp_path / "check.py", tmp_path / "report.json"
    script.write_text(QGIS_SCRIPT, encoding="utf-8")
    open_dock = DOCK_SOURCE.exists()
    env = _clean_env(EO_PORTALS_REPORT=str(report_file), EO_PORTALS_OPEN_DOCK="1" if open_dock else "0",
                     XDG_RUNTIME_DIR=str(tmp_path))
    # QGIS's GUI crashes under Qt's offscreen platform: it needs an X server, a virtual one here.
    command = [xvfb_run, "-a", qgis, "--nologo", "--noversioncheck", "--profiles-path", str(tmp_path / "profiles"),
               "--profile", "test", "--code", str(script)]
    result = _run(command, env, timeout=180)
    if not report_file.exists() and "Xvfb failed to start" in result.stdout:
        # xvfb-run -a picks a display number racily when other X servers start at the same time: once more.
        result = _run(command, env, timeout=180)
    assert report_file.exists(), f"QGIS exited ({result.returncode}) without running the check:\n{result.stdout[-3000:]}"
    report = json.loads(report_file.read_text(encoding="utf-8"))
    assert "error" not in report, report["error"]

    loaded = report["loaded"]
    assert loaded["active"]
    assert loaded["toolbar"].count(ACTION_NAME) == 1
    assert loaded["web"].get("EO Portals") == [ACTION_NAME]
    assert loaded["actions"] == 1
    assert loaded["provider"] == PROVIDER_SOURCE.exists()
    if open_dock:
        assert len(report["dock_open"]["docks"]) == 1, "\n".join(report["log"])

    assert report["unload"] is True
    unloaded = report["unloaded"]
    assert not unloaded["active"]
    assert ACTION_NAME not in unloaded["toolbar"]
    assert "EO Portals" not in unloaded["web"]
    assert unloaded["actions"] == 0
    assert unloaded["provider"] is False
    assert unloaded["docks"] == []


def test_qgis_process_enables_the_plugin_and_lists_its_algorithms(tmp_path, plugins_dir):
    """Headless use: Debian's `qgis_process` wrapper passes a flag 3.22 rejects, so call qgis_process.bin."""
    qgis_process = shutil.which("qgis_process.bin") or shutil.which("qgis_process")
    if not qgis_process:
        pytest.skip("needs qgis_process (`make test` installs QGIS)")
    env = _clean_env(QGIS_PLUGINPATH=str(plugins_dir), QGIS_CUSTOM_CONFIG_PATH=str(tmp_path / "config"),
                     QT_QPA_PLATFORM="offscreen", XDG_RUNTIME_DIR=str(tmp_path))
    enabled = _run([qgis_process, "plugins", "enable", "eo_portals"], env, timeout=120)
    assert enabled.returncode == 0, enabled.stdout
    assert "Enabled eo_portals (EO Portals)" in enabled.stdout

    listed = _run([qgis_process, "plugins"], env, timeout=120)
    assert listed.returncode == 0, listed.stdout
    assert "* eo_portals" in listed.stdout.splitlines()

    if PROVIDER_SOURCE.exists():
        algorithms = _run([qgis_process, "list"], env, timeout=120)
        assert algorithms.returncode == 0, algorithms.stdout
        assert f"\t{PROVIDER_ID}:search\t" in algorithms.stdout


def _widest(widget, limit: int = 300) -> str:
    """The innermost widgets asking for more than `limit` px, with their text: what to shorten or wrap."""
    found = []

    def visit(w, depth):
        wide = [c for c in w.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly)
                if not c.isWindow() and c.minimumSizeHint().width() > limit]
        if not wide:
            text = getattr(w, "text", lambda: "")() if callable(getattr(w, "text", None)) else ""
            found.append(f"{type(w).__name__}({text!r}) {w.minimumSizeHint().width()} px")
        for child in wide:
            visit(child, depth + 1)

    visit(widget, 0)
    return ", ".join(found)


@pytest.mark.usefixtures("no_provider_left_over")
@pytest.mark.parametrize("locale", ["en", "fr"])
def test_every_tab_of_the_panel_fits_the_default_350_px_dock(plugin_package, qgis_window, qgis_locale, locale):
    """QGIS opens a dock at 350 px: the panel must not ask for more (the dock would be forced wider than the user
    set it), in English or in French, and no tab's content makes the user scroll sideways."""
    qgis_locale(locale)
    plugin = plugin_package.classFactory(qgis_window.iface)
    plugin.initGui()
    try:
        plugin.action.trigger()
        dock = plugin.dock
        assert dock.tabs.count() >= 3
        assert dock.minimumSizeHint().width() <= 350, f"the panel asks for {dock.minimumSizeHint().width()} px"
        pages = {dock.tabs.tabText(i): dock.tabs.widget(i) for i in range(dock.tabs.count())}
        contents = {title: (page.widget() if isinstance(page, QScrollArea) else page) for title, page in pages.items()}
        too_wide = {title: widget.minimumSizeHint().width() for title, widget in contents.items()
                    if widget.minimumSizeHint().width() > 350}
        assert too_wide == {}, f"tabs whose content needs more than 350 px: {too_wide}: " + "; ".join(
            _widest(contents[title]) for title in too_wide)
        # the Search tab's filters scroll up and down only: they must fit beside the scroll bar
        form = dock.query_scroll.widget()
        room = 350 - dock.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent) - 8
        assert form.minimumSizeHint().width() <= room, f"the filters need {form.minimumSizeHint().width()} px: " \
            + _widest(form, room - 40)
        # every tab's title in sight (shortened if need be), none behind scroll arrows
        dock.setFloating(True)
        dock.resize(350, 700)
        dock.show()
        bar = dock.tabs.tabBar()
        assert all(bar.rect().contains(bar.tabRect(i)) for i in range(bar.count())), \
            [(bar.tabText(i), bar.tabRect(i)) for i in range(bar.count())]
    finally:
        plugin.unload()
    _flush_deletions()
