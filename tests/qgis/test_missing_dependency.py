"""Without shapely (Debian's QGIS packages do not pull it in) the plugin loads, says once what is missing and how
to install it, offers no search, and works as soon as shapely is there, without restarting QGIS.

shapely is hidden the way a machine without it behaves: a meta-path finder that refuses to import it, in this
process (the GUI test) or, through a `sitecustomize` module, in a real `qgis_process`.
"""
from __future__ import annotations

import importlib.abc
import shutil
import subprocess
import sys
import textwrap
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, List

import pytest
from qgis.core import QgsApplication

from tests.qgis.test_plugin_lifecycle import (  # noqa: F401 (fixtures)
    ACTION_NAME, PROVIDER_ID, _clean_env, _flush_deletions, _our_docks, _run, no_provider_left_over, qgis_window)

REFUSE_SHAPELY = textwrap.dedent('''
    import sys

    class RefuseShapely:
        """Behave as a Python without shapely."""

        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] == "shapely":
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, RefuseShapely())
''')


class RefuseShapely(importlib.abc.MetaPathFinder):
    """Behave as a Python without shapely."""

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "shapely":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


@pytest.fixture
def shapely_hidden() -> Iterator[Callable[[], None]]:
    """shapely cannot be imported until the test calls the returned function (the user installs it)."""
    saved = {name: module for name, module in sys.modules.items() if name.split(".")[0] == "shapely"}
    for name in saved:
        del sys.modules[name]
    finder = RefuseShapely()
    sys.meta_path.insert(0, finder)

    def install() -> None:
        if finder in sys.meta_path:
            sys.meta_path.remove(finder)
        sys.modules.update(saved)

    try:
        with pytest.raises(ImportError):
            import shapely  # noqa: F401
        yield install
    finally:
        install()


@contextmanager
def eo_portals_log() -> Iterator[List[str]]:
    """The texts written to the EO Portals log tab while the block runs."""
    logged: List[str] = []

    def collect(text, tag, level):
        if tag == "EO Portals":
            logged.append(text)

    QgsApplication.messageLog().messageReceived.connect(collect)
    try:
        yield logged
    finally:
        QgsApplication.messageLog().messageReceived.disconnect(collect)


@pytest.mark.usefixtures("no_provider_left_over")
def test_without_shapely_the_plugin_loads_says_so_once_and_searches_once_it_is_installed(
        plugin_package, qgis_window, shapely_hidden):
    registry = QgsApplication.processingRegistry()
    bar = qgis_window.iface.messageBar()
    bar.clearWidgets()
    plugin = plugin_package.classFactory(qgis_window.iface)
    with eo_portals_log() as logged:
        try:
            plugin.initGui()
            # Loaded: the action is there, the message says what is missing and how to install it, once.
            assert qgis_window.toolbar.actions() == [plugin.action]
            assert registry.providerById(PROVIDER_ID) is None
            shown = [item.text() for item in bar.items()]
            assert len(shown) == 1 and "shapely" in shown[0] and "python3-shapely" in shown[0], shown
            assert logged == shown, logged
            assert not any("Traceback" in text for text in logged)

            # Asking for the panel: no panel, the message again in the bar, not a second log entry.
            plugin.action.trigger()
            assert plugin.dock is None and not plugin.action.isChecked()
            assert _our_docks(qgis_window.window) == []
            assert [item.text() for item in bar.items()] == shown * 2
            assert len(logged) == 1

            # The user installs shapely and opens the panel again: the search and the algorithms are there.
            shapely_hidden()
            plugin.action.trigger()
            assert plugin.dock is not None and plugin.action.isChecked()
            assert _our_docks(qgis_window.window) == [plugin.dock]
            assert registry.providerById(PROVIDER_ID) is plugin.provider is not None
            assert registry.algorithmById(f"{PROVIDER_ID}:search") is not None
            assert len(logged) == 1, logged
        finally:
            plugin.unload()
            bar.clearWidgets()
            _flush_deletions()
    assert registry.providerById(PROVIDER_ID) is None


@pytest.mark.parametrize("platform, command", [
    ("win32", "python3-shapely"),
    ("linux", "sudo apt install python3-shapely"),
    ("darwin", "-m pip install shapely"),
])
def test_the_message_names_the_package_and_how_to_install_it_on_each_platform(qgis_app, platform, command):
    from plugin import dependencies

    text = dependencies.missing_message(["shapely"], platform)
    assert "EO Portals needs the Python package shapely" in text
    assert "unavailable until it is installed" in text
    assert command in text


def test_qgis_process_without_shapely_says_what_is_missing_instead_of_a_traceback(tmp_path, plugins_dir):
    qgis_process = shutil.which("qgis_process.bin") or shutil.which("qgis_process")
    if qgis_process is None:
        pytest.skip("needs qgis_process (`make test` installs QGIS)")
    hide = tmp_path / "no_shapely"
    hide.mkdir()
    (hide / "sitecustomize.py").write_text(REFUSE_SHAPELY, encoding="utf-8")
    env = _clean_env(QGIS_PLUGINPATH=str(plugins_dir), QGIS_CUSTOM_CONFIG_PATH=str(tmp_path / "config"),
                     QT_QPA_PLATFORM="offscreen", XDG_RUNTIME_DIR=str(tmp_path), PYTHONPATH=str(hide))
    enabled = _run([qgis_process, "plugins", "enable", "eo_portals"], env, timeout=120)
    assert enabled.returncode == 0, enabled.stdout

    listed = _run([qgis_process, "list"], env, timeout=120)
    assert listed.returncode == 0, listed.stdout
    assert listed.stdout.count("EO Portals needs the Python package shapely") == 1, listed.stdout
    assert "sudo apt install python3-shapely" in listed.stdout
    assert "Traceback" not in listed.stdout and "ModuleNotFoundError" not in listed.stdout, listed.stdout
    assert f"{PROVIDER_ID}:search" not in listed.stdout


def test_loading_the_plugin_needs_no_shapely(plugins_dir):
    """What QGIS imports to load the plugin (classFactory, plugin.main, the check) needs no shapely."""
    code = REFUSE_SHAPELY + textwrap.dedent('''
        import importlib
        sys.path.insert(0, sys.argv[1])
        importlib.import_module("eo_portals").classFactory(None)
        from eo_portals.plugin import dependencies
        print(dependencies.missing())
    ''')
    result = subprocess.run([sys.executable, "-c", code, str(plugins_dir)], capture_output=True, text=True,
                            timeout=120, env=_clean_env(QT_QPA_PLATFORM="offscreen"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['shapely']"
