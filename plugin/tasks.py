"""The search and export QgsTasks: the portal search and the writing of exports off the main thread, visible
(and cancellable) in QGIS's task manager; and `TaskKeeper`, which holds any owner's running tasks.

The other tasks live next to their job: `LayerTask` in layers.py, `DownloadsTask` in downloads.py,
`QuicklookTask` in ui/quicklook.py, `ConnectionTestTask` in ui/portals_dialog.py (docs/ARCHITECTURE.md).

The QgsTask contract (PyQGIS cookbook): `run()` works on plain data copied in the constructor, never touches
widgets or layers and never raises; results reach the main thread through signals (queued across threads)
and `finished()`, which QGIS calls on the main thread.
"""
from __future__ import annotations

import os
import threading
import traceback
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Set

from qgis.core import QgsApplication, QgsTask
from qgis.PyQt.QtCore import QCoreApplication, QTimer, pyqtSignal

from .core.catalog import Portal
from .core.credentials import Credentials
from .core.http import HttpSettings
from .core.portals.base import Request
from .core.product import Product
from .core.query import SearchQuery
from .core.errors import ErrorKind, PortalError
from .core.product import merge_products
from .core.search import DEFAULT_BUDGET, Outcome, SearchResult, search, sort_products


# Called as translate("SearchTask", "literal") so that pylupdate5 finds the texts.
translate = QCoreApplication.translate


class TaskKeeper:
    """Running QgsTasks of one owner (the panel, the downloads, the openEO tab): a Python reference keeps each
    alive until QGIS is done with it; shutdown() disconnects the named signals and cancels them all (the plugin
    is unloading)."""

    def __init__(self, signals: Sequence[str] = ()) -> None:
        self.signals = tuple(signals)
        self._tasks: Set[QgsTask] = set()

    def __len__(self) -> int:
        return len(self._tasks)

    def start(self, task: QgsTask) -> QgsTask:
        """Hand a task to QGIS's task manager."""
        self._tasks.add(task)
        task.taskCompleted.connect(lambda t=task: self._forget(t))
        task.taskTerminated.connect(lambda t=task: self._forget(t))
        QgsApplication.taskManager().addTask(task)
        return task

    def _forget(self, task: QgsTask) -> None:
        # Deferred: QGIS deletes the C++ task after these signals; drop our reference afterwards.
        QTimer.singleShot(0, lambda: self._tasks.discard(task))

    def shutdown(self) -> None:
        """Disconnect and cancel every task still running."""
        for task in list(self._tasks):
            for name in self.signals:
                signal = getattr(task, name, None)
                if signal is None:
                    continue
                try:
                    signal.disconnect()
                except (TypeError, RuntimeError):
                    pass
            try:
                task.cancel()
            except RuntimeError:
                pass
        self._tasks.clear()


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
        self._received: Dict[str, tuple] = {}
        self._failure = ""
        expected = self.portals if self.cursors is None else [p for p in self.portals if self.cursors.get(p.id)]
        self._expected = max(1, len(expected))

    def cancel(self) -> None:  # noqa: D102 (QgsTask override: also stop the portal requests under way)
        self._cancel.set()
        super().cancel()

    def _on_outcome(self, outcome: Outcome, products: List[Product]) -> None:
        """Called from a worker thread each time a portal ends."""
        if self._done.is_set():
            return  # a portal that ended after the task did: the task (and its signals) may be gone
        with self._lock:
            if outcome.portal in self._received:
                return
            self._received[outcome.portal] = (outcome, list(products))
            progress = 100.0 * len(self._received) / self._expected
        try:
            self.setProgress(min(99.0, progress))
            self.outcome_ready.emit(outcome, list(products))
        except RuntimeError:  # the C++ task was deleted meanwhile
            pass

    def _search(self) -> None:
        try:
            self.result = search(
                self.portals, self.query, settings=self.settings, credentials=self.credentials,
                budget=self.budget, cancel=self._cancel, on_outcome=self._on_outcome, cursors=self.cursors,
            )
        except Exception as exc:  # kept for run(), which reports it
            self.error_details = traceback.format_exc()
            self._failure = f"{type(exc).__name__}: {exc}"

    def run(self) -> bool:  # noqa: D102 (runs in a worker thread)
        # The fan-out runs in its own thread so that a cancel ends the task at once, even while a portal
        # is still waiting for an answer (its request stops at its own timeout, in the background).
        worker = threading.Thread(target=self._search, name="eo-portals-search-task", daemon=True)
        worker.start()
        while worker.is_alive():
            worker.join(0.05)
            if self._cancel.is_set() or self.isCanceled():
                self._cancel.set()
                self._finish_cancelled()
                break
        self._done.set()
        if self.result is None:
            return False
        return True

    def _finish_cancelled(self) -> None:
        """A result from the portals that ended before the cancel; the others are reported as cancelled."""
        with self._lock:
            received = dict(self._received)
        searched = self.portals if self.cursors is None else [p for p in self.portals if self.cursors.get(p.id)]
        result = SearchResult(query=self.query)
        found: List[Product] = []
        for portal in searched:
            if portal.id in received:
                outcome, products = received[portal.id]
                found.extend(products)
            else:
                outcome = Outcome(portal.id, portal.title,
                                  error=PortalError(portal.title, "cancelled", ErrorKind.CANCELLED))
                self._on_outcome(outcome, [])
            result.outcomes[portal.id] = outcome
            result.cursors[portal.id] = None  # where a cancelled portal stopped is not known
        result.products = sort_products(merge_products(found, portal_order=[p.id for p in searched]))
        self.result = result

    def finished(self, ok: bool) -> None:  # noqa: D102 (main thread)
        if ok and self.result is not None:
            self.search_done.emit(self.result)
        elif self._cancel.is_set() or self.isCanceled():
            self.search_failed.emit(translate("SearchTask", "The search was cancelled."))
        else:
            self.search_failed.emit(self._failure or translate("SearchTask", "The search failed."))


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
            self.write_failed.emit(self.message or translate("SearchTask", "cancelled"))
