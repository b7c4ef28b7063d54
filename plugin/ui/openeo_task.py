"""The task every openEO call of the panel runs in (the openEO tab and the device sign-in share it)."""
from __future__ import annotations

from typing import Any, Callable, Optional

from qgis.core import QgsTask


class JobCallTask(QgsTask):
    """One openEO call off the main thread: `work()` in run(), `done(value, error)` on the main thread."""

    def __init__(self, description: str, work: Callable[[], Any], done: Callable[[Any, Optional[Exception]], None]):
        super().__init__(description, QgsTask.Flag.CanCancel)
        self.work = work
        self.done = done
        self.value: Any = None
        self.error: Optional[Exception] = None

    def run(self) -> bool:  # noqa: D102
        try:
            self.value = self.work()
        except Exception as exc:  # noqa: BLE001 - reported on the main thread, never raised in the task
            self.error = exc
        return True

    def finished(self, result: bool) -> None:  # noqa: D102
        self.done(self.value, self.error)
