"""The download queue in QGIS: the controller between the core `DownloadManager` and the Downloads tab.

    controller = attach(dock)        # the Downloads tab in the dock, its "Download" button wired, queue resumed
    controller.add(products, assets=("visual",))
    controller.pause_all(); controller.resume_all(); controller.cancel(job_id); controller.retry(job_id)
    controller.open_remote(product, ["visual"])   # a remote COG on the map, without downloading it
    controller.stop()                # plugin unload: running downloads stay queued for next time

Threads. The core manager runs each download in a worker thread and calls back from there; the callbacks
only emit signals of a small bridge object living on the main thread, so Qt queues them and the controller,
the panel and the layers are only ever touched on the main thread. Every controller method returns at
once; `stop()` waits a few seconds at most (each download stops after its current 256 KiB chunk).

Accounts. Credentials are read from QGIS's authentication database on the main thread (when the queue
starts and when products are added) and handed to the core `Accounts` as plain data; tokens are obtained
by the download threads.

The queue is the SQLite file ``<profile>/eo_portals/downloads.sqlite``: a download interrupted by quitting
QGIS is queued again when the Downloads tab is next created and resumes from its ``.part`` file.

Task manager: see `DownloadsTask`.
"""
from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Set

from qgis.core import Qgis, QgsApplication, QgsProject, QgsTask
from qgis.PyQt.QtCore import (
    QT_TRANSLATE_NOOP, QCoreApplication, QObject, QStandardPaths, Qt, QThreadPool, QTimer, pyqtSignal,
)

from . import accounts, settings
from .core.auth import LOGIN_REFUSED, NO_ACCOUNT, Accounts
from .core.catalog import Catalog, Portal, load_catalog
from .core.credentials import Credentials
from .core.download.downloader import Downloader
from .core.download.job import FINAL_STATES, Job, State
from .core.download.manager import DownloadManager
from .core.download.plan import archive_of
from .core.product import Product
from .core.download.queue import JobQueue
from .layers import HeaderFiles, LayerSpec, LayerTask, ProjectPathWriter, remote_source, specs_for_files
from .log import log_exception, log_warning, mask, show_error
from .network import http_settings

# pylupdate5 and pylupdate6 read translate("Context", "text") calls
translate = QCoreApplication.translate

ACTIVE_STATES = frozenset({State.QUEUED, State.DOWNLOADING, State.VERIFYING})
HEADER_REFRESH_MS = 4 * 60 * 1000  # CDSE access tokens live 10 minutes: remote layers get a fresh one before
STOP_TIMEOUT = 5.0

# Asset keys of the usual choices, as Earth Search, Planetary Computer and CDSE STAC name them.
TRUE_COLOUR_KEYS = ("visual", "TCI_10m", "TCI", "tci")
BAND_KEYS = ("blue", "green", "red", "nir", "B02", "B03", "B04", "B08", "B02_10m", "B03_10m", "B04_10m", "B08_10m")
SCL_KEYS = ("scl", "SCL", "SCL_20m")

# Fixed phrases of core messages (English) that the Downloads tab and the message bar show translated; listed
# literally so that pylupdate puts them in the .ts file (see translate_message).
_TRANSLATABLE = (
    QT_TRANSLATE_NOOP("EOPortalsDownloads", "login refused, check the account in EO Portals settings"),
    QT_TRANSLATE_NOOP("EOPortalsDownloads", "an account is needed to download from this portal: add it in EO Portals "
                                            "settings"),
    QT_TRANSLATE_NOOP("EOPortalsDownloads", "offers no whole-product archive: choose the assets to download"),
    QT_TRANSLATE_NOOP("EOPortalsDownloads", "the product is offline (in the long-term archive): order it on the "
                                            "portal, then retry"),
    QT_TRANSLATE_NOOP("EOPortalsDownloads", "the product is offline: the portal is bringing it back from its "
                                            "long-term archive, retry later"),
)


def translate_message(text: str) -> str:
    """A core message (English, portal-named) with the fixed phrases it contains translated."""
    for phrase in _TRANSLATABLE:
        if phrase in text:
            text = text.replace(phrase, translate("EOPortalsDownloads", phrase))
    return text


def is_account_problem(text: str) -> bool:
    """Whether a job's error says the account was refused or is missing."""
    return any(marker in text for marker in (LOGIN_REFUSED, NO_ACCOUNT, "check your account", "refused the account"))


# ---- preferences ------------------------------------------------------------------------------------------
def download_folder() -> str:
    """Where products are downloaded (``eo_portals/downloads/folder``; default: <Downloads>/EO Portals)."""
    folder = settings.get_value("downloads/folder", "")
    if folder:
        return folder
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DownloadLocation) or str(Path.home())
    return str(Path(base) / "EO Portals")


def set_download_folder(folder: str) -> None:
    """Remember the download folder."""
    settings.set_value("downloads/folder", str(folder))


def max_downloads() -> int:
    """The global limit of simultaneous downloads (``eo_portals/downloads/max_concurrent``, 4)."""
    return max(1, settings.get_value("downloads/max_concurrent", 4))


def add_to_map() -> bool:
    """Whether finished products are added to the map (``eo_portals/downloads/add_to_map``)."""
    return settings.get_value("downloads/add_to_map", True)


def extract_archives() -> bool:
    """Whether downloaded zips are extracted (``eo_portals/downloads/extract``)."""
    return settings.get_value("downloads/extract", False)


def queue_path() -> Path:
    """The download queue in the QGIS profile."""
    return settings.profile_folder() / "downloads.sqlite"


# ---- products and assets (plain data) ------------------------------------------------------------------
def needs_assets(product: Product, catalog: Catalog) -> bool:
    """True when no source of the product offers a whole-product archive (Earth Search, Planetary Computer)."""
    return not any(archive_of(product, source) is not None for source in product.sources
                   if source.portal in catalog.portals)


def http_assets(product: Product) -> Dict[str, str]:
    """{asset key: title} of the http(s) assets of every source, in source order."""
    found: Dict[str, str] = {}
    for source in product.sources:
        for key, asset in source.assets.items():
            if key not in found and asset.href.lower().startswith(("http://", "https://")):
                found[key] = asset.title or key
    return found


def preset_keys(available: Iterable[str], preset: str) -> List[str]:
    """The asset keys of a preset ("true_colour", "bands", "scl") among those available."""
    wanted = {"true_colour": TRUE_COLOUR_KEYS, "bands": BAND_KEYS, "scl": SCL_KEYS}[preset]
    keys = list(available)
    return [key for key in wanted if key in keys]


def is_cog(href: str, media_type: str = "") -> bool:
    """Whether an asset can be read in place through /vsicurl/ (GeoTIFF / COG over http)."""
    path = href.split("?", 1)[0].lower()
    return href.lower().startswith(("http://", "https://")) and (
        "tiff" in (media_type or "").lower() or path.endswith((".tif", ".tiff")))


# ---- the task manager entry -------------------------------------------------------------------------------
class DownloadsTask(QgsTask):
    """One task, "EO Portals downloads", alive while downloads are queued or running; cancel = cancel them all.

    Why one aggregated task and not one QgsTask per download: QGIS runs tasks on the global QThreadPool,
    which has QThread.idealThreadCount() threads (2 on a small machine). A task per download would hold one
    pool thread for the whole download and starve searches, quicklooks and map rendering. The downloads run
    in the core manager's own threads; this task only mirrors their progress. While it waits it hands its pool
    slot back (QThreadPool.releaseThread(), Qt's documented idiom for a pool thread that sleeps), so it costs
    the pool nothing either.
    """

    def __init__(self, description: str, on_cancel: Callable[[], None]):
        super().__init__(description, QgsTask.Flag.CanCancel)
        self._on_cancel: Optional[Callable[[], None]] = on_cancel
        self._done = threading.Event()

    def finish(self) -> None:
        """No download is active any more: end the task (any thread)."""
        self._done.set()

    def disarm(self) -> None:
        """From now on a cancel (QGIS quitting cancels every task) no longer cancels downloads."""
        self._on_cancel = None
        self._done.set()

    def cancel(self) -> None:  # noqa: D102 (QgsTask override: the task manager's cancel button)
        callback, self._on_cancel = self._on_cancel, None
        super().cancel()
        if callback is not None:
            try:
                callback()
            except Exception:  # noqa: BLE001 - the task must still end
                log_exception("Cancelling the downloads failed")

    def run(self) -> bool:  # noqa: D102 (a pool thread, which this task gives back while it waits)
        # The pool QGIS runs tasks on: the task manager's own since QGIS 3.34, the global one before.
        own_pool = getattr(QgsApplication.taskManager(), "threadPool", None)
        pool = own_pool() if callable(own_pool) else QThreadPool.globalInstance()
        pool.releaseThread()
        try:
            while not self._done.wait(0.2):
                if self.isCanceled():
                    return False
            return not self.isCanceled()
        finally:
            pool.reserveThread()


class _Bridge(QObject):
    """Signals emitted from download threads; connected with queued connections to the main thread."""

    state = pyqtSignal(object)  # Job (a copy)
    progress = pyqtSignal(str, object, object, float)  # job id, bytes done, total or None, bytes/s


# ---- the controller ---------------------------------------------------------------------------------------
class DownloadsController(QObject):
    """Owns the DownloadManager and its SQLite queue; tells the panel and the map what happens (main thread)."""

    job_changed = pyqtSignal(object)  # Job
    job_progress = pyqtSignal(str, object, object, float)  # job id, done, total or None, bytes/s
    job_removed = pyqtSignal(str)
    layers_added = pyqtSignal(str, list)  # job id ("" for remote layers), layer ids
    layers_failed = pyqtSignal(str, str)  # job id, message
    layers_noted = pyqtSignal(str, str)  # job id, what to know about a layer added (bands missing...), translated

    def __init__(self, iface=None, catalog: Optional[Callable[[], Catalog]] = None,
                 queue_file: Optional[Path] = None, project: Optional[QgsProject] = None,
                 parent: Optional[QObject] = None):
        super().__init__(parent)
        self.iface = iface
        self._catalog_of = catalog or _catalog_from_settings
        self.catalog = self._catalog_of()
        self.queue_file = Path(queue_file) if queue_file is not None else queue_path()
        self.project = project or QgsProject.instance()
        self.manager: Optional[DownloadManager] = None
        self.downloader: Optional[Downloader] = None
        self.accounts: Optional[Accounts] = None
        self.store: Optional[JobQueue] = None
        self.task: Optional[DownloadsTask] = None
        self.header_files = HeaderFiles()
        self.panel = None  # the Downloads tab, when attached to a dock
        self._jobs: Dict[str, Job] = {}
        self._live: Set[str] = set()  # jobs seen in a non-final state in this session (they open when done)
        self._batch: Set[str] = set()  # jobs the current task's progress covers
        self._removed: Set[str] = set()
        self._credentials: Dict[str, Optional[Credentials]] = {}
        self._tasks: Set[QgsTask] = set()  # Python references keep running layer tasks alive
        self._path_writer = ProjectPathWriter()
        self._stopped = False
        self._bridge = _Bridge()
        self._bridge.state.connect(self._on_state, Qt.ConnectionType.QueuedConnection)
        self._bridge.progress.connect(self._on_progress, Qt.ConnectionType.QueuedConnection)
        self._header_timer = QTimer(self)
        self._header_timer.setInterval(HEADER_REFRESH_MS)
        self._header_timer.timeout.connect(self._refresh_headers)

    # ---- life cycle -----------------------------------------------------------------------------------
    def start(self) -> None:
        """Open the queue, read the accounts, and start the manager (stored jobs are announced and resumed)."""
        self.accounts = Accounts(self.catalog, {}, http_settings())
        self._update_accounts(self.catalog.portals.values())
        self.downloader = Downloader(self.catalog, self.accounts, http_settings())
        try:
            self.store = JobQueue(self.queue_file)
        except (sqlite3.Error, OSError) as exc:
            # An unreadable or unwritable queue file must not take the downloads down: they work for this session.
            log_warning(translate("EOPortalsDownloads", "The download queue {path} cannot be used ({error}); "
                                                         "downloads will not be resumed after QGIS restarts.")
                        .format(path=self.queue_file, error=exc))
            self.store = None
        bridge = self._bridge
        self.manager = DownloadManager(
            self.downloader, max_downloads=max_downloads(), store=self.store,
            on_state=lambda job: _emit(bridge.state, job),
            on_progress=lambda job_id, done, total, speed: _emit(bridge.progress, job_id, done, total, speed))
        self.manager.start()
        self._path_writer.install()
        self._header_timer.start()

    def stop(self) -> None:
        """Stop downloading (running jobs stay queued with their .part), end the task, forget secrets."""
        if self._stopped:
            return
        self._stopped = True
        self._header_timer.stop()
        if self.task is not None:
            self.task.disarm()  # QGIS cancels every task when it quits: that must not cancel our downloads
            self.task = None
        if self.manager is not None:
            self.manager.on_state = None
            self.manager.on_progress = None
            self.manager.stop(STOP_TIMEOUT)
        if self.store is not None:
            self.store.close()
        for task in list(self._tasks):
            try:
                task.cancel()
            except RuntimeError:
                pass
        self._tasks.clear()
        self._path_writer.remove()
        self.header_files.clear()
        try:
            self._bridge.state.disconnect()
            self._bridge.progress.disconnect()
        except (TypeError, RuntimeError):
            pass

    @property
    def running(self) -> bool:
        """Whether the queue is started and not stopped."""
        return self.manager is not None and not self._stopped

    # ---- requests (main thread) -----------------------------------------------------------------------
    def add(self, products: Sequence[Product], assets: Sequence[str] = (), folder: Optional[str] = None,
            extract: Optional[bool] = None, subset: Optional[dict] = None) -> List[Job]:
        """Queue products (with the chosen asset keys, if any; `subset`: their area of interest only, see
        core.download.job.Job.subset); returns their jobs."""
        if not self.running:
            return []
        self._refresh_catalog()
        known = self.catalog.portals
        portals = [known[s.portal] for p in products for s in p.sources if s.portal in known]
        self._update_accounts(portals)
        self.downloader.settings = settings = http_settings()
        self.accounts.use_settings(settings)  # token, SAS and signing requests follow a proxy changed meanwhile
        self.manager.max_downloads = max_downloads()
        target = folder or download_folder()
        extract = extract_archives() if extract is None else extract
        jobs = [self.manager.add(product, target, assets=tuple(assets), extract=extract, subset=subset)
                for product in products]
        return jobs

    def cancel(self, job_id: str) -> None:
        """Stop a job and delete its partial file."""
        if self.running:
            self.manager.cancel(job_id)

    def retry(self, job_id: str) -> None:
        """Queue a failed, offline, cancelled or paused job again (accounts read again first)."""
        if not self.running:
            return
        job = self._jobs.get(job_id)
        if job is not None:
            self._update_accounts([self.catalog.portals[s.portal] for s in job.product.sources
                                   if s.portal in self.catalog.portals])
        self.manager.retry(job_id)

    def remove(self, job_id: str) -> None:
        """Forget a job (its finished files stay on disk)."""
        if self.running:
            self.manager.remove(job_id)
        self._removed.add(job_id)
        self._jobs.pop(job_id, None)
        self._live.discard(job_id)
        self.job_removed.emit(job_id)
        self._update_task()

    def clear_finished(self) -> None:
        """Forget every done, failed, offline or cancelled job."""
        for job_id, job in list(self._jobs.items()):
            if job.state in FINAL_STATES:
                self.remove(job_id)

    def pause_all(self) -> None:
        """Pause every queued and running job (the partial files are kept)."""
        if self.running:
            self.manager.pause_all()

    def resume_all(self) -> None:
        """Queue every paused job again."""
        if self.running:
            self._update_accounts(self.catalog.portals.values())
            self.manager.resume_all()

    @property
    def paused(self) -> bool:
        """Whether pause all is in effect."""
        return self.manager is not None and self.manager.paused

    def jobs(self) -> List[Job]:
        """The jobs as the main thread last heard of them, in queue order."""
        return list(self._jobs.values())

    def job(self, job_id: str) -> Optional[Job]:
        """One job as last heard of."""
        return self._jobs.get(job_id)

    # ---- layers ---------------------------------------------------------------------------------------
    def open_in_map(self, job_id: str) -> Optional[LayerTask]:
        """Add a finished job's files to the map (in a task; the layers arrive through `layers_added`)."""
        job = self._jobs.get(job_id)
        if job is None or job.state is not State.DONE:
            return None
        files = list(job.files)
        title = job.title
        description = translate("EOPortalsDownloads", "EO Portals: opening {name}").format(name=title)
        task = LayerTask(description, lambda: specs_for_files(files),
                         self.project, lambda text: f"{title}: {text}")
        return self._start_layer_task(task, job_id)

    def open_remote(self, product: Product, keys: Sequence[str]) -> Optional[LayerTask]:
        """Open remote COG assets in the map without downloading them (signed in the task where needed)."""
        if not self.running:
            return None
        chosen = []
        for key in keys:
            for source in product.sources:
                asset = source.assets.get(key)
                portal = self.catalog.portals.get(source.portal)
                if asset is not None and portal is not None and is_cog(asset.href, asset.media_type):
                    chosen.append((key, asset.href, portal))
                    break
        if not chosen:
            return None
        self._update_accounts([portal for _, _, portal in chosen])
        accounts_, header_files, title = self.accounts, self.header_files, product.title

        def specs() -> List[LayerSpec]:
            made = []
            for key, href, portal in chosen:
                collection = portal.collection_for(product.collection)
                if isinstance(collection, list):
                    collection = collection[0] if collection else None
                auth = accounts_.for_portal(portal)
                source = remote_source(href, auth, collection if isinstance(collection, str) else None, header_files)
                made.append(LayerSpec(source, f"{title} {key}"))
            return made

        description = translate("EOPortalsDownloads", "EO Portals: opening {name} from the portal").format(name=title)
        task = LayerTask(description, specs, self.project,
                         lambda text: f"{title}: {mask(self.accounts.mask(text))}")
        return self._start_layer_task(task, "")

    def _start_layer_task(self, task: LayerTask, job_id: str) -> LayerTask:
        task.layers_added.connect(lambda ids, j=job_id: self.layers_added.emit(j, ids))
        task.layers_failed.connect(lambda message, j=job_id: self._layers_failed(j, message))
        task.layers_noted.connect(lambda message, j=job_id: self._layers_noted(j, message))
        self._tasks.add(task)
        task.taskCompleted.connect(lambda t=task: self._forget(t))
        task.taskTerminated.connect(lambda t=task: self._forget(t))
        QgsApplication.taskManager().addTask(task)
        return task

    def _forget(self, task: QgsTask) -> None:
        QTimer.singleShot(0, lambda: self._tasks.discard(task))

    def _layers_failed(self, job_id: str, message: str) -> None:
        text = mask(message)
        log_warning(translate("EOPortalsDownloads", "Could not add to the map: {message}").format(message=text))
        self.layers_failed.emit(job_id, text)
        self._message(translate("EOPortalsDownloads", "Could not add to the map: {message}").format(message=text),
                      Qgis.MessageLevel.Warning)

    def _layers_noted(self, job_id: str, note: str) -> None:
        """A layer was added, with something to know (a partial product: which bands are missing)."""
        job = self._jobs.get(job_id)
        text = f"{job.title}: {mask(note)}" if job is not None else mask(note)
        log_warning(text)
        self.layers_noted.emit(job_id, mask(note))
        self._message(text, Qgis.MessageLevel.Warning)

    def _refresh_headers(self) -> None:
        if self.header_files.paths():
            threading.Thread(target=self.header_files.refresh, name="eo-portals-remote-headers", daemon=True).start()

    # ---- events from the download threads (delivered on the main thread) -------------------------------
    def _on_state(self, job: Job) -> None:
        if self._stopped:
            return
        if job.id in self._removed:
            return  # a removed job announcing its end
        previous = self._jobs.get(job.id)
        self._jobs[job.id] = job
        if job.state not in FINAL_STATES and job.state is not State.PAUSED:
            self._live.add(job.id)
        self.job_changed.emit(job)
        ended = previous is None or previous.state is not job.state
        if job.id in self._live and job.state in FINAL_STATES and ended:
            self._live.discard(job.id)
            self._job_ended(job)
        self._update_task()

    def _on_progress(self, job_id: str, done, total, speed: float) -> None:
        if self._stopped:
            return
        job = self._jobs.get(job_id)
        if job is not None:
            job.bytes_done = int(done)
            job.bytes_total = total
            job.speed = float(speed)
        self.job_progress.emit(job_id, done, total, float(speed))
        self._update_task_progress()

    def _job_ended(self, job: Job) -> None:
        if job.state is State.DONE:
            if add_to_map():
                self.open_in_map(job.id)
            return
        if job.state is State.FAILED:
            text = translate_message(job.error)
            if is_account_problem(job.error):
                self._message(text, Qgis.MessageLevel.Critical)
            else:
                self._message(translate("EOPortalsDownloads", "Download failed: {reason}").format(reason=text),
                              Qgis.MessageLevel.Warning)
        elif job.state is State.OFFLINE:
            self._message(translate_message(job.error), Qgis.MessageLevel.Info)

    def _message(self, text: str, level: Qgis.MessageLevel) -> None:
        if self.iface is None:
            return
        try:
            show_error(self.iface, translate("EOPortalsDownloads", "EO Portals downloads"), text, level=level,
                       duration=0 if level == Qgis.MessageLevel.Critical else 10)
        except Exception:  # noqa: BLE001 - a message bar problem must not break the queue
            log_exception("The download message could not be shown")

    # ---- the task manager entry ----------------------------------------------------------------------
    def _update_task(self) -> None:
        active = [job for job in self._jobs.values() if job.state in ACTIVE_STATES]
        if active and self.task is None and not self._stopped:
            manager = self.manager
            task = DownloadsTask(translate("EOPortalsDownloads", "EO Portals downloads"),
                                 lambda: _cancel_active(manager))
            task.taskCompleted.connect(lambda t=task: self._task_ended(t))
            task.taskTerminated.connect(lambda t=task: self._task_ended(t))
            self.task = task
            self._batch = set()
            QgsApplication.taskManager().addTask(task)
        if self.task is not None:
            self._batch.update(job.id for job in active)
            if not active:
                self.task.finish()
            else:
                self._update_task_progress()

    def _task_ended(self, task: DownloadsTask) -> None:
        if self.task is task:
            self.task = None
            self._batch = set()
            # jobs queued while the task was ending get a new one
            QTimer.singleShot(0, self._update_task)

    def _update_task_progress(self) -> None:
        if self.task is None:
            return
        done = total = 0
        for job_id in self._batch:
            job = self._jobs.get(job_id)
            if job is None:
                continue
            size = job.bytes_total or job.product.size or 0
            if job.state is State.DONE:
                done += size or 1
                total += size or 1
            elif job.state in ACTIVE_STATES:
                done += min(job.bytes_done, size) if size else 0
                total += size or 1
        try:
            self.task.setProgress(100.0 * done / total if total else 0.0)
        except RuntimeError:  # the C++ task was deleted meanwhile
            self.task = None

    # ---- accounts -----------------------------------------------------------------------------------
    def _refresh_catalog(self) -> None:
        catalog = self._catalog_of()
        if catalog is not self.catalog:
            self.catalog = catalog
            if self.downloader is not None:
                self.downloader.catalog = catalog
            if self.accounts is not None:
                self.accounts.catalog = catalog

    def _update_accounts(self, portals: Iterable[Portal]) -> None:
        """Read the accounts of `portals` from QGIS's authentication database (main thread)."""
        if self.accounts is None:
            return
        for portal in portals:
            if not accounts.accepts_account(portal):
                continue
            owner = accounts.account_portal_id(portal)
            credentials = accounts.credentials_for(portal)
            if owner in self._credentials and self._credentials[owner] == credentials:
                continue  # unchanged: keep the account's tokens (each new CDSE login is a session)
            self._credentials[owner] = credentials
            self.accounts.set_credentials(owner, credentials)


def _emit(signal, *args) -> None:
    try:
        signal.emit(*args)
    except RuntimeError:  # the bridge was deleted: QGIS is unloading the plugin
        pass


def _cancel_active(manager: Optional[DownloadManager]) -> None:
    """Cancel every queued or running job (the task manager's cancel; thread-safe)."""
    if manager is None:
        return
    for job in manager.jobs():
        if job.state in ACTIVE_STATES:
            manager.cancel(job.id)


def _catalog_from_settings() -> Catalog:
    path = settings.catalog_path()
    return load_catalog(path if path and Path(path).exists() else None, env={})


# ---- wiring into the dock -------------------------------------------------------------------------------
def attach(dock, queue_file: Optional[Path] = None) -> DownloadsController:
    """Add the Downloads tab to the dock, wire its Download button, start the queue; returns the controller.

    The caller stops it (`controller.stop()`) when the plugin unloads, before the dock goes.
    """
    from .ui.downloads_panel import DownloadsPanel

    controller = DownloadsController(dock.iface, catalog=lambda: dock.catalog, queue_file=queue_file,
                                     project=getattr(dock, "project", None), parent=dock)
    panel = DownloadsPanel(controller)
    panel.setObjectName("eoPortalsDownloadsPanel")
    form = getattr(dock, "form", None)
    if form is not None:
        panel.area = form.aoi.geometry  # "Area of interest only" takes the drawn area
    dock.add_tab(panel, translate("EOPortalsDownloads", "Downloads"))
    controller.panel = panel

    def requested(products: List[Product]) -> None:
        tabs = getattr(dock, "tabs", None)
        if tabs is not None:
            tabs.setCurrentWidget(panel)
        panel.request(products)

    dock.download_requested.connect(requested)
    controller.start()
    return controller
