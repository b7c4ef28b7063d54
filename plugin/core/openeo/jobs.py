"""openEO jobs kept across restarts, in the same SQLite file as the download queue (table ``openeo_jobs``).

    store = JobStore(profile_dir / "eo_portals" / "downloads.sqlite")
    record = JobRecord(backend="cdse_openeofed", job_id="j-123", title="...", kind="composite", process=process)
    store.save(record)
    record = refresh(client, record); store.save(record)   # status, progress, costs, error logs
    store.load()                                            # every job, newest first

A record holds what the Jobs list shows and what is needed to go on after a restart: back-end portal id, job id,
title, kind, the process graph, status, progress, costs, the result folder and files, the last error. Never a
token or a password (the bearer is made again from the account at start-up).
"""
from __future__ import annotations

import json
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

from ..download.queue import open_database
from ..errors import PortalError
from .client import BackendJob, OpenEOClient


@dataclass
class JobRecord:
    """One openEO job as the plugin remembers it."""

    backend: str  # portal id of the back-end in the catalog
    job_id: str
    title: str = ""
    kind: str = ""
    status: str = "created"
    progress: Optional[float] = None
    costs: Optional[float] = None
    created: float = field(default_factory=time.time)
    updated: float = field(default_factory=time.time)
    folder: str = ""
    files: List[str] = field(default_factory=list)
    error: str = ""
    process: Dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.backend}:{self.job_id}"

    @property
    def done(self) -> bool:
        """Finished (results may still be downloaded), failed or canceled."""
        return self.status in ("finished", "error", "canceled")

    def describe(self) -> str:
        """'running, 50 %, 1.5 credits'."""
        return BackendJob(self.job_id, self.status, self.progress, costs=self.costs).describe()


class JobStore:
    """The ``openeo_jobs`` table of the download queue's SQLite file (thread-safe)."""

    def __init__(self, path: Union[str, Path]):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._db = open_database(self.path)
        with self._lock:
            self._db.execute("""
                CREATE TABLE IF NOT EXISTS openeo_jobs (
                    key TEXT PRIMARY KEY,
                    backend TEXT NOT NULL,
                    job_id TEXT NOT NULL,
                    created REAL NOT NULL,
                    data TEXT NOT NULL
                )""")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def save(self, record: JobRecord) -> None:
        """Insert or replace the record."""
        record.updated = time.time()
        data = json.dumps(asdict(record))
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO openeo_jobs (key, backend, job_id, created, data) "
                             "VALUES (?, ?, ?, ?, ?)", (record.key, record.backend, record.job_id, record.created, data))

    def load(self) -> List[JobRecord]:
        """Every stored job, newest first (rows that cannot be read are skipped)."""
        with self._lock:
            rows = self._db.execute("SELECT data FROM openeo_jobs ORDER BY created DESC").fetchall()
        records = []
        known = set(JobRecord.__dataclass_fields__)
        for (data,) in rows:
            try:
                values = json.loads(data)
                records.append(JobRecord(**{k: v for k, v in values.items() if k in known}))
            except (ValueError, TypeError):
                continue
        return records

    def get(self, backend: str, job_id: str) -> Optional[JobRecord]:
        return next((r for r in self.load() if r.backend == backend and r.job_id == job_id), None)

    def remove(self, backend: str, job_id: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM openeo_jobs WHERE key = ?", (f"{backend}:{job_id}",))


def refresh(client: OpenEOClient, record: JobRecord) -> JobRecord:
    """The record with the back-end's current status, progress and costs; a failed job gets its error log."""
    job = client.job(record.job_id)
    record.status = job.status
    record.progress = job.progress
    record.costs = job.costs if job.costs is not None else record.costs
    if job.title and not record.title:
        record.title = job.title
    if job.status == "error" and not record.error:
        try:
            logs = client.logs(record.job_id, level="error")
        except PortalError:
            logs = []
        messages = [str(entry.get("message", "")) for entry in logs if entry.get("message")]
        record.error = "; ".join(messages)[:2000] or "the job failed (the back-end gave no log)"
    return record
