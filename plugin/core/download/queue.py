"""The download queue on disk: one SQLite file (the QGIS layer puts it in the profile folder).

    queue = JobQueue(profile_dir / "eo_portals" / "downloads.sqlite")
    manager = DownloadManager(downloader, store=queue)   # the manager saves every change through it
    manager.start()                                      # recover() + load(): interrupted jobs are queued again

Each job is a row: the product as plain JSON (`Product.to_dict`: its identity and the version to download, with
its values, footprint as WKT, and per source its ids, links, sizes, checksums and assets), the chosen assets, the
folder, the state, bytes done, its errors as data (kind, code, details: JSON), its notes (as data), the files
produced. A job that was DOWNLOADING or VERIFYING when the process died goes
back to QUEUED at start-up and resumes from its ``.part`` file.

No secret is ever written: credentials and tokens are not part of a job, hrefs are stored without their
signature parameters (SAS ``sig``, ``X-Amz-Signature``, ``token``... they are signed again at download
time), and error messages arrive already masked by the engine.
"""
from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from pathlib import Path
from typing import List, Optional, Union
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ..errors import ErrorKind, Failure
from ..product import Product
from .job import Job, Note, State

LOG = logging.getLogger("eo_portals.queue")
SCHEMA_VERSION = 2  # 2: the error column holds a JSON list of errors.Failure (1: one English text)
_ALWAYS_SECRET = {"token", "access_token", "apikey", "api_key", "key", "password", "sig", "signature",
                  "x-amz-signature", "x-amz-credential", "x-amz-security-token", "skoid", "sktid", "sks", "skv",
                  "skt", "ske"}
_SAS_PARTS = {"st", "se", "sp", "sv", "sr", "spr", "sip", "srt", "ss"}


def strip_signature(url: Optional[str]) -> Optional[str]:
    """`url` without signature/credential query parameters (a signed href is signed again when downloaded)."""
    if not url or "?" not in url:
        return url
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    names = {name.lower() for name, _ in pairs}
    signed_sas = "sig" in names
    signed_s3 = "x-amz-signature" in names
    kept = [(k, v) for k, v in pairs
            if k.lower() not in _ALWAYS_SECRET
            and not (signed_sas and k.lower() in _SAS_PARTS)
            and not (signed_s3 and k.lower().startswith("x-amz-"))]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(kept), parts.fragment))


def _failures(text: str) -> List[Failure]:
    """The errors of a stored job: JSON data, or the English text a queue of schema 1 kept."""
    if not text:
        return []
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, list):
        return [Failure.from_dict(item) for item in data if isinstance(item, dict)]
    return [Failure("", ErrorKind.INTERNAL, "", text)]  # no kind was kept: shown as it was written


def open_database(path: Union[str, Path]) -> sqlite3.Connection:
    """The queue's SQLite file (its folder made if needed), shared by threads behind the caller's lock, each
    statement committed at once."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return sqlite3.connect(str(path), timeout=10.0, check_same_thread=False, isolation_level=None)


class JobQueue:
    """Download jobs persisted in SQLite; thread-safe (one connection behind a lock)."""

    def __init__(self, path: Union[str, Path]):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._db = open_database(self.path)
        with self._lock:
            self._db.execute("""
                CREATE TABLE IF NOT EXISTS jobs (
                    id TEXT PRIMARY KEY,
                    position INTEGER NOT NULL,
                    state TEXT NOT NULL,
                    folder TEXT NOT NULL,
                    assets TEXT NOT NULL,
                    extract INTEGER NOT NULL,
                    product TEXT NOT NULL,
                    portal TEXT NOT NULL DEFAULT '',
                    bytes_done INTEGER NOT NULL DEFAULT 0,
                    bytes_total INTEGER,
                    error TEXT NOT NULL DEFAULT '',
                    files TEXT NOT NULL DEFAULT '[]',
                    notes TEXT NOT NULL DEFAULT '[]',
                    created REAL NOT NULL,
                    updated REAL NOT NULL)""")
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(jobs)")}
            if "subset" not in columns:  # queues written before subsets existed
                self._db.execute("ALTER TABLE jobs ADD COLUMN subset TEXT NOT NULL DEFAULT ''")
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()

    def save(self, job: Job) -> None:
        """Insert or update a job (everything but its speed)."""
        row = (job.state.value, job.folder, json.dumps(list(job.assets)), int(job.extract),
               json.dumps(job.product.to_dict(href=strip_signature)), job.portal, int(job.bytes_done), job.bytes_total,
               json.dumps([error.to_dict() for error in job.errors]), json.dumps(job.files),
               json.dumps([note.to_dict() for note in job.notes]), json.dumps(job.subset) if job.subset else "",
               time.time())
        with self._lock:
            updated = self._db.execute(
                "UPDATE jobs SET state=?, folder=?, assets=?, extract=?, product=?, portal=?, bytes_done=?, "
                "bytes_total=?, error=?, files=?, notes=?, subset=?, updated=? WHERE id=?", row + (job.id,)).rowcount
            if not updated:
                self._db.execute(
                    "INSERT INTO jobs (state, folder, assets, extract, product, portal, bytes_done, bytes_total, "
                    "error, files, notes, subset, updated, id, position, created) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?, (SELECT COALESCE(MAX(position), 0) + 1 FROM jobs), ?)",
                    row + (job.id, job.created))

    def save_progress(self, job: Job) -> None:
        """Only the byte counters (frequent, cheap)."""
        with self._lock:
            self._db.execute("UPDATE jobs SET bytes_done=?, bytes_total=?, updated=? WHERE id=?",
                             (int(job.bytes_done), job.bytes_total, time.time(), job.id))

    def delete(self, job_id: str) -> None:
        """Forget a job."""
        with self._lock:
            self._db.execute("DELETE FROM jobs WHERE id=?", (job_id,))

    def recover(self) -> int:
        """Jobs interrupted mid-download (the process quit or died) go back to the queue; returns how many."""
        with self._lock:
            return self._db.execute(
                "UPDATE jobs SET state=? WHERE state IN (?, ?)",
                (State.QUEUED.value, State.DOWNLOADING.value, State.VERIFYING.value)).rowcount

    def load(self) -> List[Job]:
        """Every job, in queue order; a row that cannot be read is skipped and logged."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, state, folder, assets, extract, product, portal, bytes_done, bytes_total, error, files, "
                "notes, created, subset FROM jobs ORDER BY position").fetchall()
        jobs = []
        for row in rows:
            try:
                jobs.append(Job(
                    id=row[0], state=State(row[1]), folder=row[2], assets=tuple(json.loads(row[3])),
                    extract=bool(row[4]), product=Product.from_dict(json.loads(row[5])), portal=row[6],
                    bytes_done=row[7], bytes_total=row[8], errors=_failures(row[9]), files=list(json.loads(row[10])),
                    notes=[Note.from_dict(note) for note in json.loads(row[11])], created=row[12],
                    subset=json.loads(row[13]) if row[13] else None))
            except (ValueError, KeyError, TypeError) as exc:
                LOG.warning("download queue: job %s cannot be read (%s); skipped", row[0], exc)
        return jobs

    def get(self, job_id: str) -> Optional[Job]:
        """One job by id."""
        for job in self.load():
            if job.id == job_id:
                return job
        return None


def pending_count(path: Union[str, Path]) -> int:
    """Jobs in the queue file at `path` that wait or were interrupted (0 without a readable file); read-only."""
    target = Path(path)
    if not target.is_file():
        return 0
    try:
        db = sqlite3.connect(f"{target.as_uri()}?mode=ro", uri=True, timeout=1.0)
        try:
            row = db.execute("SELECT COUNT(*) FROM jobs WHERE state IN (?, ?, ?)",
                             (State.QUEUED.value, State.DOWNLOADING.value, State.VERIFYING.value)).fetchone()
        finally:
            db.close()
    except sqlite3.Error:  # not a queue (yet): nothing to resume
        return 0
    return int(row[0]) if row else 0
