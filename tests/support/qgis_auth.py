"""The test profile's QGIS authentication database: one master password, configurations made and removed.

Shared by every test that needs an account (tests/qgis, tests/hardening), so they agree on the password.
"""
from __future__ import annotations

import contextlib
import sqlite3
from typing import Callable, Iterator, List

from qgis.core import QgsApplication, QgsAuthMethodConfig

TEST_MASTER_PASSWORD = "eo-portals-tests-master"


def unlock_auth_database() -> None:
    """Set the test master password; a test profile left locked by another password is wiped first."""
    manager = QgsApplication.authManager()
    if manager.masterPasswordIsSet():
        return
    if not manager.setMasterPassword(TEST_MASTER_PASSWORD, True):
        # Throwaway test profile only: its configurations are unreadable without that other password anyway.
        with sqlite3.connect(QgsApplication.qgisAuthDatabaseFilePath()) as db:
            db.execute("DELETE FROM auth_pass")
            db.execute("DELETE FROM auth_configs")
        assert manager.setMasterPassword(TEST_MASTER_PASSWORD, True)


@contextlib.contextmanager
def stored_configs() -> Iterator[Callable[..., str]]:
    """Yields `make(method, name, **values) -> authcfg id`; every configuration made is removed at the end."""
    unlock_auth_database()
    manager = QgsApplication.authManager()
    created: List[str] = []

    def make(method: str, name: str, **values: str) -> str:
        config = QgsAuthMethodConfig(method)
        config.setName(name)
        for key, value in values.items():
            config.setConfig(key, value)
        result = manager.storeAuthenticationConfig(config)
        assert (result[0] if isinstance(result, tuple) else result), "storing the configuration failed"
        created.append(config.id())
        return config.id()

    try:
        yield make
    finally:
        for authcfg in created:
            manager.removeAuthenticationConfig(authcfg)
