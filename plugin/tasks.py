"""QgsTasks: the portal search off the main thread, visible (and cancellable) in QGIS's task manager.

The QgsTask contract (PyQGIS cookbook): `run()` works on plain data copied in the constructor, never touches
widgets or layers and never raises; results reach the main thread through signals (queued across threads)
and `finished()`, which QGIS calls on the main thread.
"""
from __future__ import annotations

import os
import threading
import traceback
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

from qgis.core import QgsTask
from qgis.PyQt.QtCore import QCoreApplication, pyqtSignal

from .core.catalog import Portal
from .core.credentials import Credentials
from .core.http import HttpSettings
from .core.portals.base import Request
from .core.product import Product
from .core.query import SearchQuery
from .core.search import DEFAULT_BUDGET, Outcome, SearchResult, search


def _tr(text: str) -> str:
    return QCoreApplication.translate("SearchTask", text)


class SearchTask(QgsTask):
    """Search portals concurrently; each portal's outcome is emitted as soon as it ends.

    `outcome_ready(outcome, products)` is emitted from worker threads and delivered on the main thread to
    receivers living there; `search_done(result)` follows once every portal ended (or the budget ran out),
    and `search_failed(message)` reports a bug (the traceback goes to `self.error_details`).
    """

    outcome_ready = pyqtSignal(object, object)  # Outcome, List[Product]
    search_done = pyqtSignal(object)  # SearchResult
    search_failed = pyqtSignal(str)

    def __init__(
        self,
        description: str,
        portals: Sequence[Portal],
        query: SearchQuery,
        *,
        settings: Optional[HttpSettings] = None,
        credentials: Optional[Dict[str, Credentials]] = None,
        budget: float = DEFAULT_BUDGET,
        cursors: Optional[Dict[str, Optional[Request]]] = None,
    ):
        super().__init__(description, QgsTask.Flag.CanCancel)
        # Copies: the dock may change its own state while this runs.
        self.portals: List[Portal] = list(portals)
        self.query = query
        self.settings = settings or HttpSettings()
        self.credentials = dict(credentials or {})
        self.budget = float(budget)
        self.cursors = dict(cursors) if cursors is not None else None
        self.result: Optional[SearchResult] = None
        self.error_details = ""
        self._cancel = threading.Event()
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._ended = 0
        expected = self.portals if self.cursors is None else [p for p in self.portals if self.cursors.get(p.id)]
        self._expected = max(1, len(expected))

    def cancel(self) -> None:  # noqa: D102 (QgsTask override: also stop the portal requests under way)
        self._cancel.set()
        super().cancel()

    def _on_outcome(self, outcome: Outcome, products: List[Product]) -> None:
        """Called from a worker thread each time a portal ends."""
        if self._done.is_set():
            return  # a portal that ended after the budget: the task (and its signals) may be gone
        with self._lock:
            self._ended += 1
            progress = 100.0 * self._ended / self._expected
        try:
            self.setProgress(min(99.0, progress))
            self.outcome_ready.emit(outcome, list(products))
        except RuntimeError:  # the C++ task was deleted meanwhile
            pass

    def run(self) -> bool:  # noqa: D102 (runs in a worker thread)
        try:
            self.result = search(
                self.portals, self.query, settings=self.settings, credentials=self.credentials,
                budget=self.budget, cancel=self._cancel, on_outcome=self._on_outcome, cursors=self.cursors,
            )
            return True
        except Exception as exc:  # never raise from run(): keep the text for finished()
            self.error_details = traceback.format_exc()
            self.result = None
            self._failure = f"{type(exc).__name__}: {exc}"
            return False
        finally:
            self._done.set()

    def finished(self, ok: bool) -> None:  # noqa: D102 (main thread)
        if ok and self.result is not None:
            self.search_done.emit(self.result)
        elif self._cancel.is_set() or self.isCanceled():
            self.search_failed.emit(_tr("The search was cancelled."))
        else:
            self.search_failed.emit(getattr(self, "_failure", "") or _tr("The search failed."))


class WriteFileTask(QgsTask):
    """Build a text (an export, a saved search) and write it to a file, off the main thread."""

    written = pyqtSignal(str)  # the path written
    write_failed = pyqtSignal(str)  # why, for the user

    def __init__(self, description: str, path: str, make_text: Callable[[], str]):
        super().__init__(description, QgsTask.Flag.CanCancel)
        self.path = str(path)
        self.make_text = make_text
        self.message = ""

    def run(self) -> bool:  # noqa: D102 (worker thread)
        target = Path(self.path)
        tmp = target.with_name(target.name + ".part")
        try:
            text = self.make_text()
            if self.isCanceled():
                return False
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, target)
            return True
        except OSError as exc:
            self.message = exc.strerror or str(exc)
        except Exception as exc:  # never raise from run()
            self.message = f"{type(exc).__name__}: {exc}"
        try:
            tmp.unlink()
        except OSError:
            pass
        return False

    def finished(self, ok: bool) -> None:  # noqa: D102 (main thread)
        if ok:
            self.written.emit(self.path)
        else:
            self.write_failed.emit(self.message or _tr("cancelled"))
