"""The openEO tab: a job from the current search (kind, bands or index, period, parcels), its graph to copy, and
the Jobs list (status, progress, credits, logs on failure, refresh, results, cancel, delete), kept across QGIS
restarts in the download queue's SQLite file.

Every network call runs in a `JobCallTask` (a QgsTask, ui/openeo_task.py) on plain data; the panel is only touched in `finished()`
on the main thread. The account is read on the main thread when a call starts (`openeo_accounts.bearer_for`).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

from qgis.core import Qgis, QgsApplication, QgsMapLayerProxyModel
from qgis.gui import QgsMapLayerComboBox
from qgis.PyQt.QtCore import QTimer, pyqtSignal
from qgis.PyQt.QtWidgets import (
    QAbstractItemView, QApplication, QComboBox, QFormLayout, QGridLayout, QHBoxLayout, QHeaderView, QLineEdit, QPlainTextEdit,
    QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from ..core.catalog import Catalog, Portal
from ..core.errors import EOPortalsError
from ..core.http import HttpSettings
from ..core.openeo.client import OpenEOClient
from ..core.openeo.graph import FORMATS, INDICES, JobSpec, build_process, formats_for, job_title, \
    spec_from_query, to_json
from ..core.openeo.jobs import JobRecord, JobStore, refresh
from ..core.openeo.results import download_results, result_product
from ..core.query import SearchQuery
from ..geometry import parcels_of
from ..tasks import TaskKeeper
from .common import narrow, narrow_form
from .openeo_task import JobCallTask

# QGIS 3.34 moved layer filters to Qgis.LayerFilter; QgsMapLayerProxyModel's names are gone in QGIS 4.
POLYGON_LAYERS = (Qgis.LayerFilter.PolygonLayer if hasattr(Qgis, "LayerFilter")
                  else QgsMapLayerProxyModel.Filter.PolygonLayer)

COLUMN_TITLE, COLUMN_BACKEND, COLUMN_STATUS = range(3)
POLL_MS = 30000  # unfinished jobs are asked for their state this often while the tab exists


def result_layer_specs(files: List[str]):
    """Layers of result files (worker thread: reads the files): GeoTIFF as is, netCDF one layer per variable."""
    from osgeo import gdal

    from ..layers import LayerSpec, layer_specs

    specs = []
    for name in files:
        path = Path(name)
        if path.suffix.lower() == ".nc":
            dataset = gdal.Open(str(path))
            subdatasets = dataset.GetSubDatasets() if dataset is not None else []
            dataset = None
            if subdatasets:
                specs.extend(LayerSpec(source, f"{path.stem} {source.rsplit(':', 1)[-1]}") for source, _ in subdatasets)
                continue
        specs.extend(layer_specs(str(path)))
    return specs


class FormatCombo(QComboBox):
    """The result format list; opening it asks the back-end which formats it writes (once per back-end)."""

    opening = pyqtSignal()

    def showPopup(self) -> None:  # noqa: N802, D102
        self.opening.emit()
        super().showPopup()


class JobsPanel(QWidget):
    """The openEO tab. `query_source()` gives the current search (SearchQuery) or raises with a message."""

    message = pyqtSignal(str)  # a warning for the message bar
    changed = pyqtSignal()  # the jobs list was redrawn (tests wait on it)
    layers_added = pyqtSignal(list)  # ids of the result layers added to the project

    def __init__(self, catalog: Callable[[], Catalog], store_path: Path, query_source: Callable[[], SearchQuery],
                 folder: Callable[[], str], settings: Callable[[], HttpSettings] = HttpSettings,
                 parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.catalog = catalog
        self.store = JobStore(store_path)
        self.query_source = query_source
        self.folder = folder
        self.settings = settings
        self.tasks: List[JobCallTask] = []  # references to running tasks
        self.layer_tasks = TaskKeeper()  # opening result layers
        self.records: List[JobRecord] = []
        self.formats: Dict[str, Any] = {}  # back-end id -> its output formats (None: it lists none), once asked
        self.formats_asked: Dict[str, str] = {}  # back-end id -> why its formats are unknown ("" while asking)
        self.api_roots: Dict[str, str] = {}  # back-end URL -> its API root, found once (OpenEOClient.discover)
        self._build()
        self.reload()
        self.poll_timer = QTimer(self)
        self.poll_timer.setInterval(POLL_MS)
        self.poll_timer.timeout.connect(self._poll)
        self.poll_timer.start()

    def _poll(self) -> None:
        """Refresh unfinished jobs now and then (never two rounds at once)."""
        if not self.tasks and any(not record.done for record in self.records):
            self.refresh_all()

    # ---- widgets --------------------------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        form = narrow_form(QFormLayout())
        self.backend_combo = QComboBox(self)
        self.sign_in_button = QPushButton(self.tr("Sign in…"), self)
        self.sign_in_button.setToolTip(self.tr("Sign in to this back-end in the browser (OpenID Connect device code)"))
        backend_row = QHBoxLayout()
        backend_row.addWidget(self.backend_combo, 1)
        backend_row.addWidget(self.sign_in_button)
        form.addRow(self.tr("Back-end"), backend_row)
        self.kind_combo = QComboBox(self)
        for kind, title in (("composite", self.tr("Cloud-free composite")), ("timeseries", self.tr("Index time series")),
                            ("stack", self.tr("Stack of bands"))):
            self.kind_combo.addItem(title, kind)
        form.addRow(self.tr("Kind"), self.kind_combo)
        self.bands_edit = QLineEdit("B04,B03,B02", self)
        form.addRow(self.tr("Bands"), self.bands_edit)
        self.index_combo = QComboBox(self)
        self.index_combo.addItems(list(INDICES))
        form.addRow(self.tr("Index"), self.index_combo)
        self.period_combo = QComboBox(self)
        for period, title in (("month", self.tr("Month")), ("season", self.tr("Season")), ("year", self.tr("Year")),
                              ("whole", self.tr("Whole period"))):
            self.period_combo.addItem(title, period)
        form.addRow(self.tr("Period"), self.period_combo)
        self.parcels_combo = QgsMapLayerComboBox(self)
        self.parcels_combo.setFilters(POLYGON_LAYERS)
        self.parcels_combo.setAllowEmptyLayer(True)
        form.addRow(self.tr("Parcels"), self.parcels_combo)
        self.format_combo = FormatCombo(self)
        form.addRow(self.tr("Format"), self.format_combo)
        for combo in (self.backend_combo, self.kind_combo, self.index_combo, self.period_combo, self.parcels_combo,
                      self.format_combo):
            narrow(combo)
        layout.addLayout(form)
        buttons = QHBoxLayout()
        self.graph_button = QPushButton(self.tr("Show graph"), self)
        self.submit_button = QPushButton(self.tr("Run job"), self)
        buttons.addWidget(self.graph_button)
        buttons.addWidget(self.submit_button)
        layout.addLayout(buttons)
        self.graph_text = QPlainTextEdit(self)
        self.graph_text.setReadOnly(True)
        self.graph_text.setPlaceholderText(self.tr("The process graph, to copy into openEO's editor or Python"))
        self.graph_text.setMaximumHeight(120)
        layout.addWidget(self.graph_text)
        self.table = QTableWidget(0, 3, self)
        self.table.setHorizontalHeaderLabels([self.tr("Job"), self.tr("Back-end"), self.tr("Status")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(COLUMN_TITLE, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        layout.addWidget(self.table)
        from .chart import SeriesChart

        self.chart = SeriesChart(self)  # a time-series job's result, drawn as the local time series is
        self.chart.setMinimumHeight(160)
        self.chart.setVisible(False)
        layout.addWidget(self.chart)
        actions = QGridLayout()  # two by two: four buttons in a row do not fit a 350 px dock in French
        self.refresh_button = QPushButton(self.tr("Refresh"), self)
        self.results_button = QPushButton(self.tr("Get results"), self)
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        self.delete_button = QPushButton(self.tr("Delete"), self)
        for position, button in enumerate((self.refresh_button, self.results_button, self.cancel_button,
                                           self.delete_button)):
            actions.addWidget(button, position // 2, position % 2)
        layout.addLayout(actions)
        self.graph_button.clicked.connect(self.show_graph)
        self.submit_button.clicked.connect(self.submit)
        self.refresh_button.clicked.connect(self.refresh_all)
        self.results_button.clicked.connect(self.get_results)
        self.cancel_button.clicked.connect(lambda: self._on_selected("cancel"))
        self.delete_button.clicked.connect(lambda: self._on_selected("delete"))
        self.kind_combo.currentIndexChanged.connect(self._kind_changed)
        self.sign_in_button.clicked.connect(self.sign_in)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.backend_combo.currentIndexChanged.connect(self._backend_changed)
        self.format_combo.opening.connect(self.ask_formats)
        self.fill_backends()
        self._kind_changed()
        self._backend_changed()

    def fill_backends(self) -> None:
        """The usable openEO back-ends of the catalog."""
        current = self.backend_combo.currentData()
        self.backend_combo.clear()
        for portal in self.catalog().openeo_backends():
            if portal.usable:
                self.backend_combo.addItem(portal.title, portal.id)
        index = self.backend_combo.findData(current)
        if index >= 0:
            self.backend_combo.setCurrentIndex(index)

    def _backend_changed(self) -> None:
        backend = self.backend()
        self.sign_in_button.setEnabled(backend is not None and backend.auth == "oidc")
        self.fill_formats()

    def sign_in(self) -> Optional[QWidget]:
        """Open the device-code sign-in dialog for the chosen back-end (non-modal; it closes by itself)."""
        from .device_login import DeviceLoginDialog

        backend = self.backend()
        if backend is None:
            return None
        dialog = DeviceLoginDialog(backend, self.settings(), self)
        dialog.signed_in.connect(lambda _authcfg: self.message.emit(
            self.tr("Signed in to {backend}.").format(backend=backend.title)))
        dialog.show()
        return dialog

    def _kind_changed(self) -> None:
        kind = self.kind_combo.currentData()
        self.bands_edit.setEnabled(kind in ("composite", "stack"))
        self.index_combo.setEnabled(kind == "timeseries")
        self.parcels_combo.setEnabled(kind == "timeseries")
        self.period_combo.setEnabled(kind == "composite")
        self.fill_formats()

    # ---- result formats -------------------------------------------------------------------------------
    def fill_formats(self) -> None:
        """The formats the plugin opens for the kind (layers, or the chart for a time series), the kind's default
        first (as before the choice existed); those the back-end says it cannot write are greyed out. A choice
        is kept until the kind changes."""
        kind = self.kind_combo.currentData()
        backend = self.backend()
        offered = self.formats.get(backend.id) if backend is not None else None
        current = self.format_combo.currentData() if self.format_combo.property("kind") == kind else None
        self.format_combo.setProperty("kind", kind)
        self.format_combo.blockSignals(True)
        self.format_combo.clear()
        for name, written in formats_for(kind, offered):
            title = FORMATS[name]
            self.format_combo.addItem(title if written else self.tr("{format} (not offered)").format(format=title),
                                      name)
            if not written:
                self.format_combo.model().item(self.format_combo.count() - 1).setEnabled(False)
        index = self.format_combo.findData(current)
        self.format_combo.setCurrentIndex(max(index, 0))
        self.format_combo.blockSignals(False)
        self.format_combo.setToolTip(self._formats_tip(backend, offered))

    def _formats_tip(self, backend: Optional[Portal], offered: Any) -> str:
        if backend is None:
            return ""
        if backend.id in self.formats:
            if offered is None:
                return self.tr("{backend} does not list the formats it writes.").format(backend=backend.title)
            return self.tr("{backend} writes: {formats}").format(backend=backend.title,
                                                                  formats=", ".join(sorted(offered)) or "-")
        reason = self.formats_asked.get(backend.id)
        if reason:
            return self.tr("Which formats {backend} writes is not known: {error}").format(backend=backend.title,
                                                                                         error=reason)
        return self.tr("Open the list to ask {backend} which formats it writes.").format(backend=backend.title)

    def ask_formats(self) -> None:
        """Ask the back-end for the formats it writes (``GET /file_formats``, no sign-in), once, in a task."""
        backend = self.backend()
        if backend is None or backend.id in self.formats or self.formats_asked.get(backend.id) == "":
            return
        self.formats_asked[backend.id] = ""
        client = OpenEOClient(backend.url, backend.title, settings=self.settings(), roots=self.api_roots)

        def work() -> Any:
            client.discover()
            return client.formats_or_none()

        def done(offered: Any, error: Optional[Exception], backend_id: str = backend.id) -> None:
            if task in self.tasks:
                self.tasks.remove(task)
            if error is None:
                self.formats[backend_id] = offered
            else:  # said in the list's tooltip; the check before a job says it again if it matters
                self.formats_asked[backend_id] = str(error) if isinstance(error, EOPortalsError) else repr(error)
            self.fill_formats()

        task = JobCallTask(self.tr("openEO: formats of {backend}").format(backend=backend.title), work, done)
        self.tasks.append(task)
        QgsApplication.taskManager().addTask(task)

    # ---- building -------------------------------------------------------------------------------------
    def backend(self) -> Optional[Portal]:
        return self.catalog().portals.get(self.backend_combo.currentData() or "")

    def spec(self) -> JobSpec:
        """The job the form describes, over the current search; EOPortalsError/ValueError with a message."""
        backend = self.backend()
        if backend is None:
            raise EOPortalsError(self.tr("No openEO back-end is available: add one in EO Portals settings."))
        query = self.query_source()
        collection = backend.collection_for(query.collection)
        if not collection:
            raise EOPortalsError(self.tr("{backend} has no collection for {collection}.").format(
                backend=backend.title, collection=query.collection))
        kind = self.kind_combo.currentData()
        bands = tuple(b.strip() for b in self.bands_edit.text().split(",") if b.strip())
        return spec_from_query(query, kind, str(collection), bands=bands, index=self.index_combo.currentText(),
                               period=self.period_combo.currentData(),
                               parcels=self._parcels() if kind == "timeseries" else None,
                               format=self.format_combo.currentData() or "")

    def _parcels(self) -> Optional[Dict[str, Any]]:
        layer = self.parcels_combo.currentLayer()
        return None if layer is None else parcels_of(layer)

    def show_graph(self) -> Optional[Dict[str, Any]]:
        """Build the graph and show it as JSON (selected, ready to copy); None with a message when it cannot."""
        try:
            process = build_process(self.spec())
        except (EOPortalsError, ValueError) as exc:
            self.message.emit(str(exc))
            return None
        self.graph_text.setPlainText(to_json(process))
        self.graph_text.selectAll()
        QApplication.clipboard().setText(to_json(process))
        return process

    # ---- network calls in tasks -----------------------------------------------------------------------
    def _client(self, backend: Portal) -> OpenEOClient:
        from ..openeo_accounts import bearer_for

        settings = self.settings()
        return OpenEOClient(backend.url, backend.title, bearer=bearer_for(self.catalog(), backend, settings),
                            settings=settings, roots=self.api_roots)

    def _start(self, description: str, work: Callable[[], Any], done: Callable[[Any, Optional[Exception]], None]):
        task = JobCallTask(description, work, lambda value, error: self._finished(task, done, value, error))
        self.tasks.append(task)
        QgsApplication.taskManager().addTask(task)
        return task

    def _finished(self, task: JobCallTask, done, value, error) -> None:
        if task in self.tasks:
            self.tasks.remove(task)
        if error is not None:
            self._warn(str(error) if isinstance(error, EOPortalsError) else
                       self.tr("openEO call failed unexpectedly: {error}").format(error=error))
        done(value, error)

    def _warn(self, text: str) -> None:
        self.message.emit(text)

    def submit(self) -> None:
        """Check the graph on the back-end, create and start the job, remember it."""
        process = self.show_graph()
        backend = self.backend()
        if process is None or backend is None:
            return
        spec = self.spec()
        client = self._client(backend)
        title = job_title(spec)

        def work() -> JobRecord:
            client.discover()
            problems = client.check(process)
            if problems:
                raise EOPortalsError("; ".join(problems))
            job_id = client.create_job(process, title=title)
            client.start_job(job_id)
            return JobRecord(backend.id, job_id, title=title, kind=spec.kind, status="queued", process=process)

        def done(record: Optional[JobRecord], error) -> None:
            if record is not None:
                self.store.save(record)
                self.reload()

        self._start(self.tr("openEO: starting a job on {backend}").format(backend=backend.title), work, done)

    def refresh_all(self) -> None:
        """Ask each back-end for the state of every unfinished job."""
        for record in [r for r in self.records if not r.done or r.status == "finished" and not r.files]:
            backend = self.catalog().portals.get(record.backend)
            if backend is None:
                continue
            client = self._client(backend)

            def work(client=client, record=record) -> JobRecord:
                client.discover()
                return refresh(client, record)

            self._start(self.tr("openEO: status of {job}").format(job=record.job_id), work, self._saved)

    def _saved(self, record: Optional[JobRecord], error) -> None:
        if record is not None:
            self.store.save(record)
        self.reload()

    def get_results(self) -> None:
        """Download the result files of the selected finished jobs into the download folder."""
        for record in self.selected():
            backend = self.catalog().portals.get(record.backend)
            if backend is None or record.status != "finished":
                continue
            client = self._client(backend)
            catalog = self.catalog()
            folder = self.folder()
            settings = self.settings()

            def work(record=record, backend=backend, client=client) -> JobRecord:
                client.discover()
                product = result_product(backend, record.job_id, client.results(record.job_id),
                                         title=f"openEO_{record.job_id}")
                job = download_results(catalog, backend, client, product, folder, settings=settings)
                if job.files:
                    record.files = list(job.files)
                    record.folder = folder
                if job.errors:
                    record.error = job.error_text
                return record

            self._start(self.tr("openEO: results of {job}").format(job=record.job_id), work, self._results_in)

    def _results_in(self, record: Optional[JobRecord], error) -> None:
        self._saved(record, error)
        if record is None or not record.files:
            return
        if record.kind == "timeseries":
            self.show_series(record)
        else:
            self.open_layers(record.files)

    def show_series(self, record: JobRecord) -> int:
        """Draw a time-series job's result (CSV or JSON files) in the same chart as the local time series."""
        from ..core.openeo.timeseries import parcel_names, parse_timeseries, to_series_points

        points = []
        for name in record.files:
            if not name.lower().endswith((".csv", ".json")):
                continue
            try:
                rows = parse_timeseries(Path(name).read_bytes(), "application/json" if name.lower().endswith(
                    ".json") else "text/csv")
            except (OSError, EOPortalsError) as exc:
                self._warn(self.tr("The time series {path} could not be read: {error}").format(path=name, error=exc))
                continue
            index = self._index_of(record)
            points.extend(to_series_points(rows, parcel_names(record.process), index, record.backend))
        self.chart.set_points(points)
        self.chart.setVisible(bool(points))
        return len(points)

    @staticmethod
    def _index_of(record: JobRecord) -> str:
        for node in (record.process.get("process_graph") or {}).values():
            if node.get("process_id") == "ndvi":
                return "NDVI"
        for key in INDICES:
            if key in record.title:
                return key
        return "index"

    def open_layers(self, files: List[str]) -> None:
        """Open the raster result files (GeoTIFF; netCDF: one layer per variable) as layers, off the main thread."""
        from ..layers import LayerTask

        task = LayerTask(self.tr("openEO: opening the results"), lambda: result_layer_specs(files))
        task.layers_added.connect(self.layers_added)
        task.layers_failed.connect(lambda text: self._warn(self.tr("The results could not be opened: {error}")
                                                           .format(error=text)))
        self.layer_tasks.start(task)

    def _on_selected(self, action: str) -> None:
        for record in self.selected():
            backend = self.catalog().portals.get(record.backend)
            if backend is None:
                self.store.remove(record.backend, record.job_id)
                continue
            client = self._client(backend)
            if action == "cancel":
                def work(record=record, client=client) -> JobRecord:
                    client.discover()
                    client.cancel(record.job_id)
                    return refresh(client, record)

                self._start(self.tr("openEO: cancelling {job}").format(job=record.job_id), work, self._saved)
            else:
                def work(record=record, client=client) -> JobRecord:
                    client.discover()
                    client.delete(record.job_id)
                    return record

                def gone(value, error, record=record) -> None:
                    if error is None:
                        self.store.remove(record.backend, record.job_id)
                    self.reload()

                self._start(self.tr("openEO: deleting {job}").format(job=record.job_id), work, gone)

    def _selection_changed(self) -> None:
        chosen = self.selected()
        if len(chosen) == 1 and chosen[0].kind == "timeseries" and chosen[0].files:
            self.show_series(chosen[0])

    # ---- list -----------------------------------------------------------------------------------------
    def selected(self) -> List[JobRecord]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.records[row] for row in rows if row < len(self.records)]

    def reload(self) -> None:
        """Redraw the list from the store."""
        self.records = self.store.load()
        self.table.setRowCount(len(self.records))
        titles = {p.id: p.title for p in self.catalog().portals.values()}
        for row, record in enumerate(self.records):
            title = QTableWidgetItem(record.title or record.job_id)
            title.setToolTip(record.job_id)
            self.table.setItem(row, COLUMN_TITLE, title)
            self.table.setItem(row, COLUMN_BACKEND, QTableWidgetItem(titles.get(record.backend, record.backend)))
            status = QTableWidgetItem(self._status_text(record))
            if record.error:
                status.setToolTip(record.error)
            elif record.files:
                status.setToolTip("\n".join(record.files))
            self.table.setItem(row, COLUMN_STATUS, status)
        self.changed.emit()

    def _status_text(self, record: JobRecord) -> str:
        names = {"created": self.tr("created"), "queued": self.tr("queued"), "running": self.tr("running"),
                 "finished": self.tr("finished"), "error": self.tr("failed"), "canceled": self.tr("cancelled")}
        parts = [names.get(record.status, record.status)]
        if record.progress is not None and record.status in ("queued", "running"):
            parts.append(f"{record.progress:.0f} %")
        if record.costs is not None:
            parts.append(self.tr("{credits:g} credits").format(credits=record.costs))
        if record.files:
            parts.append(self.tr("{n} file(s)").format(n=len(record.files)))
        return ", ".join(parts)

    def shutdown(self) -> None:
        """Stop waiting for running calls (their results are dropped) and close the store."""
        self.poll_timer.stop()
        for task in list(self.tasks):
            task.done = lambda value, error: None
            task.cancel()
        self.tasks.clear()
        self.layer_tasks.shutdown()
        self.store.close()
