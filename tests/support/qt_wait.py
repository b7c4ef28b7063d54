"""Waiting in tests for what Qt delivers later (task results, queued signals): the tests spin an event loop,
the plugin itself never does."""
from __future__ import annotations

import time
from typing import Callable

from qgis.PyQt.QtCore import QEventLoop, QTimer


def spin(ms: int) -> None:
    """Let Qt deliver events for `ms` milliseconds."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait_until(predicate: Callable[[], bool], timeout: float = 20.0, step_ms: int = 10) -> bool:
    """Run the event loop until `predicate()` holds or `timeout` seconds passed; returns its last value."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        spin(step_ms)
    return predicate()
