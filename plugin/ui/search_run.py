"""A search under way: its task, each portal's line (what it answered), "Cancel" and "Load more"."""
from __future__ import annotations

from dataclasses import replace
from typing import Dict, List, Optional

from qgis.core import Qgis
from qgis.PyQt.QtCore import QObject, QSize, Qt, QTimer, pyqtSignal
from qgis.PyQt.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
)

from ..core.catalog import Catalog, Portal
from ..core.errors import ErrorKind
from ..core.query import SearchQuery
from ..core.search import Outcome, SearchResult
from ..network import http_settings
from ..tasks import SearchTask, TaskKeeper
from .common import icon, log_failure
from .messages import error_text, reason_text


def _search_credentials(portals: List[Portal]) -> Dict[str, object]:
    """Accounts of the portals that need one to search (DHuS mirrors), read on the main thread."""
    try:
        from .. import accounts
    except ImportError:
        return {}
    return accounts.credentials_by_portal([p for p in portals if accounts.needs_account(p, for_search=True)])


def failed_outcomes(result: SearchResult) -> List[Outcome]:
    """The portals of a search that failed (not those the user cancelled)."""
    return [o for o in result.outcomes.values()
            if not o.ok and o.error is not None and o.error.kind is not ErrorKind.CANCELLED]


class StatusList(QListWidget):
    """The portals' lines, each wrapped to the panel's width and shown whole (up to 8 lines of text)."""

    fitted = pyqtSignal()  # its height follows its lines now

    def fit(self) -> None:
        """As tall as its lines need at its width."""
        self.doItemsLayout()  # the lines wrapped at the list's width now
        line = self.fontMetrics().height() + 4
        heights = [max(self.visualItemRect(self.item(row)).height(), line) for row in range(self.count())]
        self.setFixedHeight(min(sum(heights), 8 * line) + 2 * self.frameWidth())
        self.fitted.emit()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width():
            QTimer.singleShot(0, self.fit)  # once the view has laid its items out at the new width


class SearchRun(QObject):
    """Runs searches (a SearchTask) and says how each portal answered.

    Its widgets, placed by the panel: `search_button` (Search / Cancel), `status_list` (one line per portal),
    `load_more_button`. In: `start(portals, query)`, `load_more()`, `cancel()`, `reset()`. Out: `search_clicked`
    (the user wants a new search), `started(new)`, `products_found(products)`, `portal_answered(outcome, text)`,
    `finished(result)`, `searching_changed(searching)`, `message(text, level)`.
    """

    search_clicked = pyqtSignal()
    started = pyqtSignal(bool)  # True for a new search, False for "Load more"
    products_found = pyqtSignal(list)  # Products of one portal's page
    portal_answered = pyqtSignal(object, str)  # Outcome, what the panel says of it
    finished = pyqtSignal(object)  # SearchResult
    searching_changed = pyqtSignal(bool)
    message = pyqtSignal(str, object)  # text, Qgis.MessageLevel

    def __init__(self, tasks: TaskKeeper, parent: Optional[QObject] = None):
        super().__init__(parent)
        self.tasks = tasks
        self.catalog: Optional[Catalog] = None
        self.names: Dict[str, str] = {}
        self.budget = 60.0
        self.task: Optional[SearchTask] = None
        self.query: Optional[SearchQuery] = None
        self.cursors: Dict[str, object] = {}
        self.outcomes: Dict[str, Outcome] = {}  # how each portal answered (all its pages so far)
        self._lines: Dict[str, str] = {}  # what each portal's line says
        self._pages: Dict[str, Outcome] = {}  # each portal's pages that came, as one outcome
        self._paging = False  # the task running fetches next pages ("Load more")
        self._closed = False

        self.search_button = QPushButton()
        self.search_button.setObjectName("searchButton")
        self.search_button.setDefault(True)
        self.status_list = StatusList()
        self.status_list.setObjectName("statusList")
        self.status_list.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        # a long line (an error, a page that failed) takes two lines at the default width, never cut
        self.status_list.setWordWrap(True)
        self.status_list.setResizeMode(QListView.ResizeMode.Adjust)
        self.status_list.setUniformItemSizes(False)
        self.status_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.status_list.setFrameShape(QFrame.Shape.NoFrame)
        self.status_list.setIconSize(QSize(14, 14))
        self.status_list.setSpacing(0)
        self.status_list.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.status_list.setVisible(False)
        self.load_more_button = QPushButton(icon("/mActionRefresh.svg"), self.tr("Load more"))
        self.load_more_button.setToolTip(self.tr("Fetch the next page of results from the portals that have more, "
                                                  "and ask again the portals that failed"))
        self.load_more_button.clicked.connect(self.load_more)
        self._set_searching(False)

    def set_portals(self, catalog: Catalog, names: Dict[str, str]) -> None:
        """The portals searches go to, and the names they go by."""
        self.catalog = catalog
        self.names = names

    # ---- public API -------------------------------------------------------------------------------
    def start(self, portals: List[Portal], query: SearchQuery, budget: float) -> None:
        """Search these portals, giving up on any after `budget` seconds (the panel has checked that no search
        runs)."""
        self.reset()
        self.query = query
        self.budget = float(max(5, budget))
        self._run(portals, cursors=None)

    def load_more(self) -> bool:
        """Fetch the next page from every portal that has one."""
        if self.task is not None or self.query is None or not self.has_more() or self.catalog is None:
            return False
        portals = [self.catalog.portals[pid] for pid, cursor in self.cursors.items()
                   if cursor is not None and pid in self.catalog.portals]
        self._run(portals, cursors=dict(self.cursors))
        return True

    def cancel(self) -> None:
        """Stop the search under way (the products found so far stay)."""
        if self.task is not None:
            self.task.cancel()

    def is_searching(self) -> bool:
        """Whether a search runs."""
        return self.task is not None

    def has_more(self) -> bool:
        """Whether a portal has a next page."""
        return any(self.cursors.values())

    def reset(self) -> None:
        """Forget the last search's lines and pages."""
        self.cursors = {}
        self.outcomes = {}
        self._lines = {}
        self._pages = {}
        self.status_list.clear()
        self._update_load_more()

    def shutdown(self) -> None:
        """Answers of the task still running are ignored from now on."""
        self._closed = True
        self.task = None

    def status_lines(self) -> List[str]:
        """The per-portal lines shown above the results."""
        return [self.status_list.item(row).text() for row in range(self.status_list.count())]

    def outcome_text(self, outcome: Outcome) -> str:
        """What the panel says about one portal's outcome, e.g. "Earth Search: 37 products"."""
        name = self.names.get(outcome.portal, outcome.title)
        if outcome.ok:
            # rows, the records they come from, whether more pages exist, and what was left out
            if outcome.count == 1:
                text = self.tr("{name}: 1 product").format(name=name)
            else:
                text = self.tr("{name}: {count} products").format(name=name, count=outcome.count)
            if outcome.records > outcome.count:
                text += self.tr(" from {records} records").format(records=outcome.records)
            if outcome.more and outcome.total is not None:
                text += self.tr(", more pages available ({total} match)").format(total=outcome.total)
            elif outcome.more:
                text += self.tr(", more pages available")
            if outcome.other_collections == 1:
                text += self.tr("; 1 product of another collection left out")
            elif outcome.other_collections:
                text += self.tr("; {n} products of other collections left out").format(n=outcome.other_collections)
            return text
        return error_text(outcome.error, name)  # worded from its kind, code and details (ui/messages.py)

    # ---- the task ---------------------------------------------------------------------------------
    def _run(self, portals: List[Portal], cursors: Optional[Dict[str, object]]) -> None:
        description = self.tr("EO Portals: searching {count} portals").format(count=len(portals))
        task = SearchTask(description, portals, self.query, settings=http_settings(),
                          credentials=_search_credentials(portals), budget=self.budget, cursors=cursors)
        task.outcome_ready.connect(self._on_outcome)
        task.search_done.connect(self._on_search_done)
        task.search_failed.connect(self._on_search_failed)
        self.task = task
        self._paging = cursors is not None
        for portal in portals:
            self._set_status(portal.id, None)
        self.status_list.setVisible(True)
        self._fit_status_list()
        self._set_searching(True)
        self.tasks.start(task)
        self.started.emit(cursors is None)

    def _on_outcome(self, outcome: Outcome, products: list) -> None:
        if self._closed:
            return
        earlier = self._pages.get(outcome.portal) if self._paging else None
        if earlier is not None and outcome.ok:
            # "Load more": the line counts everything the portal returned so far
            outcome = replace(outcome, count=earlier.count + outcome.count, pages=earlier.pages + outcome.pages,
                              records=earlier.records + outcome.records,
                              other_collections=earlier.other_collections + outcome.other_collections,
                              elapsed=earlier.elapsed + outcome.elapsed,
                              total=outcome.total if outcome.total is not None else earlier.total)
        if earlier is not None and earlier.count and not outcome.ok:
            # a later page failed: the line keeps counting the pages that came, and says the next one failed
            # "more pages available" only while Load more can try that page again (the core keeps its cursor
            # where trying again may help: a timeout, a dropped connection, a server error)
            line = self.tr("{line}; the next page failed ({reason}), the earlier pages are kept").format(
                line=self.outcome_text(replace(earlier, more=outcome.more)), reason=self._reason(outcome))
            shown = replace(earlier, error=outcome.error)
        else:
            shown, line = outcome, self.outcome_text(outcome)
            if outcome.ok:
                self._pages[outcome.portal] = outcome
        self.outcomes[outcome.portal] = shown
        self._lines[outcome.portal] = line
        self._set_status(outcome.portal, shown, line)
        self.portal_answered.emit(shown, line)
        if not outcome.ok and outcome.error is not None and outcome.error.kind is not ErrorKind.CANCELLED:
            log_failure(outcome)
        if products:
            self.products_found.emit(products)

    def _on_search_done(self, result: SearchResult) -> None:
        if self._closed:
            return
        self.task = None
        for portal_id, cursor in result.cursors.items():
            self.cursors[portal_id] = cursor
        self._set_searching(False)
        failed = failed_outcomes(result)
        if failed:
            lines = "; ".join(self._lines.get(o.portal) or self.outcome_text(o) for o in failed)
            self.message.emit(self.tr("Some portals failed: {lines}").format(lines=lines), Qgis.MessageLevel.Warning)
        self.finished.emit(result)

    def _on_search_failed(self, message: str) -> None:
        if self._closed:
            return
        self.task = None
        self._set_searching(False)
        self.message.emit(self.tr("The search stopped: {reason}").format(reason=message), Qgis.MessageLevel.Critical)

    def _set_searching(self, searching: bool) -> None:
        try:
            self.search_button.clicked.disconnect()
        except TypeError:
            pass
        if searching:
            self.search_button.setText(self.tr("Cancel"))
            self.search_button.setIcon(icon("/mTaskCancel.svg"))
            self.search_button.setToolTip(self.tr("Stop the search; the products found so far stay"))
            self.search_button.clicked.connect(self.cancel)
        else:
            self.search_button.setText(self.tr("Search"))
            self.search_button.setIcon(icon("/search.svg"))
            self.search_button.setToolTip(self.tr("Search the checked portals (runs in the background)"))
            self.search_button.clicked.connect(self.search_clicked)
        self._update_load_more()
        self.searching_changed.emit(searching)

    def _update_load_more(self) -> None:
        self.load_more_button.setVisible(self.has_more())
        self.load_more_button.setEnabled(self.task is None and self.has_more())

    # ---- per-portal lines -------------------------------------------------------------------------
    def _reason(self, outcome: Outcome) -> str:
        """What the portal's line says of a failed outcome, without the portal's name."""
        return reason_text(outcome.error.failure()) if outcome.error is not None else ""

    def _set_status(self, portal_id: str, outcome: Optional[Outcome], line: str = "") -> None:
        item = None
        for row in range(self.status_list.count()):
            if self.status_list.item(row).data(Qt.ItemDataRole.UserRole) == portal_id:
                item = self.status_list.item(row)
                break
        if item is None:
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, portal_id)
            self.status_list.addItem(item)
        name = self.names.get(portal_id, portal_id)
        if outcome is None:
            item.setText(self.tr("{name}: searching…").format(name=name))
            item.setIcon(icon("/mTaskRunning.svg"))
            item.setToolTip("")
        else:
            item.setText(line or self.outcome_text(outcome))
            if outcome.ok:
                item.setIcon(icon("/mIconSuccess.svg"))
            elif outcome.error.kind in (ErrorKind.CANCELLED, ErrorKind.AUTH, ErrorKind.THROTTLED):
                item.setIcon(icon("/mIconWarning.svg"))
            else:
                item.setIcon(icon("/mIconCritical.svg"))
            # what the line does not say already: the portal's own words on an error, the time, the pages
            tip = self.tr("{seconds:.1f} s, {pages} page(s)").format(seconds=outcome.elapsed, pages=outcome.pages)
            if outcome.error is not None and outcome.error.detail:
                tip = outcome.error.detail + "\n" + tip
            item.setToolTip(tip)
        self._fit_status_list()

    def _fit_status_list(self) -> None:
        self.status_list.fit()
