"""The download queue in QGIS: the controller between the core `DownloadManager` and the Downloads tab.

    controller = DownloadsController(iface, catalog=lambda: dock.catalog)   # main.py wires it to the dock
    controller.start()               # the queue is opened and resumed
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

Task manager: see `DownloadsTask`. The controller builds no view and words no message: the Downloads tab
(ui/downloads_panel.py) listens to its signals and says what happened (ui/messages.py); main.py puts them
together. Preferences are read through settings.py; product questions are answered by the core
(core/download/plan.py).
"""
from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Set

from qgis.core import Qgis, QgsApplication, QgsProject, QgsTask
from qgis.PyQt.QtCore import QCoreApplication, QObject, Qt, QThreadPool, QTimer, pyqtSignal

from . import accounts, settings
from .core.auth import Accounts
from .core.catalog import Catalog, Portal
from .core.credentials import Credentials
from .core.download.downloader import Downloader
from .core.download.job import FINAL_STATES, Job, State
from .core.download.manager import DownloadManager
from .core.download.plan import is_cog
from .core.product import Product
from .core.download.queue import JobQueue
from .layers import HeaderFiles, LayerSpec, LayerTask, ProjectPathWriter, remote_source, specs_for_files
from .log import log_exception, log_warning, mask, show_error
from .network import http_settings
from .tasks import TaskKeeper

# pylupdate5 and pylupdate6 read translate("Context", "text") calls
translate = QCoreApplication.translate

ACTIVE_STATES = frozenset({State.QUEUED, State.DOWNLOADING, State.VERIFYING})
HEADER_REFRESH_MS = 4 * 60 * 1000  # CDSE access tokens live 10 minutes: remote layers get a fresh one before
STOP_TIMEOUT = 5.0

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
    job_ended = pyqtSignal(object)  # Job that ended FAILED or OFFLINE in this session (the tab says why)
    layers_added = pyqtSignal(str, list)  # job id ("" for remote layers), layer ids
    layers_failed = pyqtSignal(str, str)  # job id, message
    layers_noted = pyqtSignal(str, str)  # job id, what to know about a layer added (bands missing...), translated

    def __init__(self, iface=None, catalog: Optional[Callable[[], Catalog]] = None,
                 queue_file: Optional[Path] = None, project: Optional[QgsProject] = None,
                 parent: Optional[QObject] = None):
        super().__init__(parent)
        self.iface = iface
        self._catalog_of = catalog or settings.current_catalog
        self.catalog = self._catalog_of()
        self.queue_file = Path(queue_file) if queue_file is not None else settings.queue_path()
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
        self._tasks = TaskKeeper()  # the layer tasks; cancelled on shutdown
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
            self.downloader, max_downloads=settings.max_downloads(), store=self.store,
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
        self._tasks.shutdown()
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
        self.downloader.settings = options = http_settings()
        self.accounts.use_settings(options)  # token, SAS and signing requests follow a proxy changed meanwhile
        self.manager.max_downloads = settings.max_downloads()
        target = folder or settings.download_folder()
        extract = settings.extract_archives() if extract is None else extract
        jobs = [self.manager.add(product, target, assets=tuple(assets), extract=extract, subset=subset)
                for product in products]
        return jobs

    def cancel(self, job_id: str) -> None:
        """Stop a job and delete its partial file."""
        if self.running:
            self.manager.cancel(job_id)

    def retry(self, job_id: str, folder: Optional[str] = None, partial: str = "keep") -> None:
        """Queue a failed, offline, cancelled or paused job again (accounts read again first).

        `folder`: the download folder now chosen; a job that has written nothing goes there, one with partial
        files keeps them where they are, moves them, or restarts there (`partial`: keep, move, restart).
        """
        if not self.running:
            return
        job = self._jobs.get(job_id)
        if job is not None:
            self._update_accounts([self.catalog.portals[s.portal] for s in job.product.sources
                                   if s.portal in self.catalog.portals])
        self.manager.retry(job_id, folder, partial)

    def partial_files(self, job_id: str) -> List[Path]:
        """The partial files a job keeps on disk for a resume."""
        return self.manager.partial_files(job_id) if self.running else []

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
        self._tasks.start(task)
        return task

    def _layers_failed(self, job_id: str, message: str) -> None:
        text = mask(message)
        log_warning(translate("EOPortalsDownloads", "Could not add to the map: {message}").format(message=text))
        self.layers_failed.emit(job_id, text)
        self.message(translate("EOPortalsDownloads", "Could not add to the map: {message}").format(message=text),
                      Qgis.MessageLevel.Warning)

    def _layers_noted(self, job_id: str, note: str) -> None:
        """A layer was added, with something to know (a partial product: which bands are missing)."""
        job = self._jobs.get(job_id)
        text = f"{job.title}: {mask(note)}" if job is not None else mask(note)
        log_warning(text)
        self.layers_noted.emit(job_id, mask(note))
        self.message(text, Qgis.MessageLevel.Warning)

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
            if settings.add_to_map():
                self.open_in_map(job.id)
            return
        if job.state in (State.FAILED, State.OFFLINE):
            self.job_ended.emit(job)

    def message(self, text: str, level: Qgis.MessageLevel) -> None:
        """Say something in QGIS's message bar, under "EO Portals downloads" (a critical one stays)."""
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
