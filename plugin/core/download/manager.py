"""The download queue in memory: `DownloadManager`.

Worker threads over a list of jobs, a global limit and per-account limits (catalog ``max_downloads``; ``cdse``
and ``cdse_stac`` share CDSE's 4), cancel per job, pause all / resume all, retry, remove, persistence through a
store (queue.JobQueue, written by a thread of its own) so a restart resumes. Every method returns at once (safe
on the QGIS main thread) except `wait` and `stop`.

``on_state(job)`` receives a copy of the job at each state change (and for each stored job at start);
``on_progress(job_id, done, total_or_None, bytes_per_second)`` at most every `progress_interval` seconds per
job. Both run on worker threads.
"""
from __future__ import annotations

import logging
import queue as stdlib_queue
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

from ..errors import ErrorKind, Failure
from ..product import Product
from .downloader import Downloader, remove_file
from .job import FINAL_STATES, RETRYABLE_STATES, Control, Job, State, Stopped

LOG = logging.getLogger("eo_portals.download")

class DownloadManager:
    """Worker threads over a list of jobs, with a global limit and per-account limits; see the module doc."""

    def __init__(self, downloader: Downloader, *, max_downloads: int = 4, store=None,
                 on_state: Optional[Callable[[Job], None]] = None,
                 on_progress: Optional[Callable[[str, int, Optional[int], float], None]] = None,
                 progress_interval: float = 0.5):
        self.downloader = downloader
        self.max_downloads = max(1, int(max_downloads))
        self.store = store  # queue.JobQueue or anything with save(job), save_progress(job), delete(id), load()
        self.on_state = on_state
        self.on_progress = on_progress
        self.progress_interval = progress_interval
        self._jobs: Dict[str, Job] = {}
        self._controls: Dict[str, Control] = {}
        self._threads: Dict[str, threading.Thread] = {}
        self._active: Dict[Optional[str], int] = {}
        self._active_total = 0
        self._paused = False
        self._closing = False
        self._cond = threading.Condition(threading.RLock())
        self._dispatcher: Optional[threading.Thread] = None
        self._last_progress: Dict[str, Tuple[float, int]] = {}
        self._last_saved: Dict[str, float] = {}
        self._removing: set = set()
        self._loaded = threading.Event()
        # the store is written by one thread of its own: callers (the QGIS main thread) never wait for the disk
        self._writes: "stdlib_queue.Queue[Optional[Tuple[str, object]]]" = stdlib_queue.Queue()
        self._writer: Optional[threading.Thread] = None

    # -- life cycle ------------------------------------------------------------------------------------------
    def start(self) -> None:
        """Start dispatching; the stored jobs are loaded on the worker side (interrupted ones queued again)
        and each is announced through `on_state`. Returns at once."""
        self._writer = threading.Thread(target=self._write_loop, name="eo-download-queue-writer", daemon=True)
        self._writer.start()
        self._dispatcher = threading.Thread(target=self._dispatch, name="eo-download-dispatcher", daemon=True)
        self._dispatcher.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop dispatching; running downloads stop and stay queued (their .part is kept for next time).

        Waits up to `timeout` for the workers to stop (at most one chunk each) and the store to be written.
        """
        with self._cond:
            self._closing = True
            for control in self._controls.values():
                control.stop(State.QUEUED)
            threads = list(self._threads.values())
            self._cond.notify_all()
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        if self._dispatcher is not None:
            self._dispatcher.join(max(0.0, deadline - time.monotonic()))
        if self._writer is not None:
            self._writes.put(None)
            self._writer.join(max(0.0, deadline - time.monotonic()))

    # -- requests from the user --------------------------------------------------------------------------------
    def add(self, product: Product, folder: str, assets: Iterable[str] = (), extract: bool = False,
            version: Optional[str] = None, subset: Optional[Dict[str, Any]] = None) -> Job:
        """Queue one version of a product (`version`, a product name; else the one its row shows); returns a copy
        of its job. The job holds that version only: it is fetched from that version's sources and saved under
        that version's name, and a failing portal falls back to another source of the same version only.
        `subset`: its area of interest only (see Job.subset)."""
        job = Job(product=product.only(version), folder=str(folder), assets=tuple(assets), extract=extract,
                  subset=dict(subset) if subset else None)
        with self._cond:
            if self._paused:
                job.state = State.PAUSED
            self._jobs[job.id] = job
            self._changed(job)
            self._cond.notify_all()
            return job.snapshot()

    def jobs(self) -> List[Job]:
        """Copies of every job, in queue order."""
        with self._cond:
            return [job.snapshot() for job in self._jobs.values()]

    def job(self, job_id: str) -> Optional[Job]:
        """A copy of one job."""
        with self._cond:
            job = self._jobs.get(job_id)
            return job.snapshot() if job is not None else None

    def cancel(self, job_id: str) -> None:
        """Stop a job and delete its partial files."""
        with self._cond:
            job = self._jobs.get(job_id)
            if job is None or job.state in FINAL_STATES:
                return
            control = self._controls.get(job_id)
            if control is not None:
                control.cancel()
                return
            job.state = State.CANCELLED
            self._discard_parts(job)
            self._changed(job)

    def retry(self, job_id: str, folder: Optional[str] = None, partial: str = "keep") -> None:
        """Queue a failed, offline, cancelled or paused job again.

        `folder`: the download folder now chosen. A job that has written nothing goes there; one with partial
        files (`partial_files`) stays where they are (``partial="keep"``), takes them along (``"move"``), or
        drops them and starts over there (``"restart"``).
        """
        with self._cond:
            job = self._jobs.get(job_id)
            if job is None or job.state not in RETRYABLE_STATES or job_id in self._threads:
                return
            if folder and str(folder) != job.folder:
                parts = self.downloader.partial_files(job)
                if not parts or partial == "restart":
                    self._discard_parts(job)
                    job.folder, job.bytes_done = str(folder), 0
                elif partial == "move":
                    moved = self.downloader.move_partial_files(job, str(folder))
                    job.folder = str(folder) if moved else job.folder
            job.state = State.QUEUED
            job.errors = []
            self._changed(job)
            self._cond.notify_all()

    def partial_files(self, job_id: str) -> List[Path]:
        """The partial files a job has written and kept on disk (for a resume)."""
        with self._cond:
            job = self._jobs.get(job_id)
        return self.downloader.partial_files(job) if job is not None else []

    def remove(self, job_id: str) -> None:
        """Forget a job (a running one is cancelled and forgotten once stopped); complete files stay on disk."""
        with self._cond:
            if job_id in self._threads:
                self._removing.add(job_id)
                self._controls[job_id].cancel()
                return
            job = self._jobs.pop(job_id, None)
            if job is not None and job.state not in FINAL_STATES:
                self._discard_parts(job)
            self._write("delete", job_id)

    def pause_all(self) -> None:
        """Pause every queued and running job (running ones keep their .part)."""
        with self._cond:
            self._paused = True
            for job in self._jobs.values():
                if job.id in self._controls:
                    self._controls[job.id].stop(State.PAUSED)
                elif job.state is State.QUEUED:
                    job.state = State.PAUSED
                    self._changed(job)

    def resume_all(self) -> None:
        """Queue every paused job again."""
        with self._cond:
            self._paused = False
            for job in self._jobs.values():
                if job.state is State.PAUSED and job.id not in self._threads:
                    job.state = State.QUEUED
                    self._changed(job)
            self._cond.notify_all()

    @property
    def paused(self) -> bool:
        """Whether pause all is in effect."""
        return self._paused

    def wait(self, job_ids: Optional[Iterable[str]] = None, timeout: Optional[float] = None) -> bool:
        """Block (never on the QGIS main thread) until the jobs are finished or paused; False on timeout."""
        ids = list(job_ids) if job_ids is not None else None
        deadline = None if timeout is None else time.monotonic() + timeout

        if not self._loaded.wait(timeout):
            return False

        def settled() -> bool:
            jobs = [self._jobs[i] for i in ids if i in self._jobs] if ids is not None else list(self._jobs.values())
            return all((j.state in FINAL_STATES or j.state is State.PAUSED) and j.id not in self._threads
                       for j in jobs)

        with self._cond:
            while not settled():
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._cond.wait(0.5 if left is None else min(0.5, left))
            return True

    # -- internals ------------------------------------------------------------------------------------------
    def _write(self, operation: str, payload: object) -> None:
        if self.store is not None:
            self._writes.put((operation, payload))

    def _write_loop(self) -> None:
        while True:
            item = self._writes.get()
            if item is None:
                return
            operation, payload = item
            try:
                getattr(self.store, operation)(payload)
            except Exception:  # noqa: BLE001 - a broken queue file must not stop downloads
                LOG.exception("could not save the download queue")

    def _load(self) -> None:
        """Read the stored jobs (dispatcher thread); interrupted ones go back to the queue."""
        try:
            if self.store is not None:
                self.store.recover()
                stored = self.store.load()
                with self._cond:
                    for job in stored:
                        if job.id not in self._jobs:
                            if self._paused and job.state is State.QUEUED:
                                job.state = State.PAUSED
                            self._jobs[job.id] = job
                            self._announce(job)
        except Exception:  # noqa: BLE001
            LOG.exception("could not read the download queue")
        finally:
            self._loaded.set()

    def _changed(self, job: Job) -> None:
        """Persist and announce a state change (called with the lock held or from the job's thread)."""
        self._write("save", job.snapshot())
        self._announce(job)

    def _announce(self, job: Job) -> None:
        if self.on_state is not None:
            try:
                self.on_state(job.snapshot())
            except Exception:  # noqa: BLE001
                LOG.exception("download state callback failed")

    def _progress(self, job: Job) -> None:
        now = time.monotonic()
        last = self._last_progress.get(job.id)
        if last is not None and now - last[0] < self.progress_interval and job.bytes_done != job.bytes_total:
            return
        if last is not None and now > last[0]:
            instant = max(0.0, (job.bytes_done - last[1]) / (now - last[0]))
            job.speed = instant if job.speed == 0 else 0.7 * job.speed + 0.3 * instant
        self._last_progress[job.id] = (now, job.bytes_done)
        if self.store is not None and now - self._last_saved.get(job.id, 0.0) > 2.0:
            self._last_saved[job.id] = now
            self._write("save_progress", job.snapshot())
        if self.on_progress is not None:
            try:
                self.on_progress(job.id, job.bytes_done, job.bytes_total, job.speed)
            except Exception:  # noqa: BLE001
                LOG.exception("download progress callback failed")

    def _try_acquire(self, key: Optional[str]) -> bool:
        if self._active_total >= self.max_downloads:
            return False
        if key is not None and self._active.get(key, 0) >= self.downloader.limit(key):
            return False
        self._active_total += 1
        self._active[key] = self._active.get(key, 0) + 1
        return True

    def _release(self, key: Optional[str]) -> None:
        with self._cond:
            self._active_total -= 1
            self._active[key] = self._active.get(key, 1) - 1
            self._cond.notify_all()

    def _dispatch(self) -> None:
        self._load()
        with self._cond:
            while not self._closing:
                if not self._paused:
                    for job in list(self._jobs.values()):
                        if job.state is not State.QUEUED or job.id in self._threads:
                            continue
                        key = self.downloader.first_key(job)
                        if not self._try_acquire(key):
                            if self._active_total >= self.max_downloads:
                                break
                            continue
                        control = Control()
                        thread = threading.Thread(target=self._work, args=(job, control, key),
                                                  name=f"eo-download-{job.id[:8]}", daemon=True)
                        self._controls[job.id] = control
                        self._threads[job.id] = thread
                        thread.start()
                self._cond.wait(1.0)

    def _work(self, job: Job, control: Control, key: Optional[str]) -> None:
        held = [key]

        def switch(new_key: str, ctl: Control) -> None:
            if new_key == held[0]:
                return
            self._release(held[0])
            held[0] = "\0released"
            with self._cond:
                while not self._try_acquire(new_key):
                    self._cond.wait(0.25)
                    ctl.check()
            held[0] = new_key

        def state(changed: Job) -> None:
            with self._cond:
                self._changed(changed)

        ended = None
        try:
            self.downloader.run(job, control, self._progress, state, switch)  # announces its own end state
        except Stopped as stop:
            ended = stop.state
            if stop.state is State.CANCELLED:
                self._discard_parts(job)
        except Exception as exc:  # noqa: BLE001 - a bug must end the job, not the worker silently
            LOG.exception("download of %s failed unexpectedly", job.title)
            ended = State.FAILED
            reason = self.downloader.accounts.mask(str(exc))
            job.errors = [Failure(job.title, ErrorKind.INTERNAL, "unexpected", f"unexpected error ({reason})",
                                  details={"reason": reason})]
        finally:
            if held[0] != "\0released":
                self._release(held[0])
            with self._cond:
                self._controls.pop(job.id, None)
                self._threads.pop(job.id, None)
                self._last_progress.pop(job.id, None)
                job.speed = 0.0
                if ended is not None:
                    job.state = ended
                    self._changed(job)
                if job.id in self._removing:
                    self._removing.discard(job.id)
                    self._jobs.pop(job.id, None)
                    self._write("delete", job.id)
                self._cond.notify_all()

    def _discard_parts(self, job: Job) -> None:
        for path in self.downloader.part_files(job):
            remove_file(path)
