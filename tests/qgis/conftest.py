"""Tests that need QGIS (pytest-qgis, offscreen Qt); the core-only run of `make test` does not collect them."""
from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType
from typing import Callable, Iterator

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "eo_portals"


@pytest.fixture(scope="session")
def plugin_package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The checkout imported as package ``eo_portals``, the name of the installed folder (as QGIS imports it)."""
    plugins_dir = tmp_path_factory.mktemp("python_plugins")
    (plugins_dir / PACKAGE).symlink_to(ROOT, target_is_directory=True)
    sys.path.insert(0, str(plugins_dir))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(plugins_dir))


@pytest.fixture(scope="session")
def plugins_dir(plugin_package: ModuleType) -> Path:
    """A folder holding only the ``eo_portals`` link, for QGIS_PLUGINPATH and plugin folders of profiles."""
    return Path(plugin_package.__file__).parents[1]


@pytest.fixture
def clean_portal_settings(qgis_app, tmp_path):
    """QgsSettings written to a file of this test only (see tests/support/qgis_settings.py)."""
    from tests.support.qgis_settings import private_qgis_settings

    with private_qgis_settings(tmp_path / "settings") as path:
        yield path


@pytest.fixture
def make_config(qgis_app) -> Iterator[Callable[..., str]]:
    """Store an authentication configuration in the test database; returns its id. Removed after the test."""
    from plugin import log
    from tests.support.qgis_auth import stored_configs

    with stored_configs() as make:
        yield make
    log.forget_secrets()
