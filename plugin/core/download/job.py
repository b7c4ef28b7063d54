"""A download job as the queue and the Downloads tab see it: its state, what it produced, why it failed (as
`errors.Failure` data: kind, code, details), how to stop it.

``on_state`` callbacks receive copies (`Job.snapshot`); `Control` carries stop requests (cancel, pause,
shutdown) from any thread to the worker, which checks them between chunks.
"""
from __future__ import annotations

import dataclasses
import enum
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from ..errors import Failure
from ..product import Product


class State(enum.Enum):
    """Where a download job is."""

    QUEUED = "queued"
    DOWNLOADING = "downloading"
    VERIFYING = "verifying"
    DONE = "done"
    FAILED = "failed"
    OFFLINE = "offline"
    CANCELLED = "cancelled"
    PAUSED = "paused"


FINAL_STATES = frozenset({State.DONE, State.FAILED, State.OFFLINE, State.CANCELLED})
RETRYABLE_STATES = frozenset({State.FAILED, State.OFFLINE, State.CANCELLED, State.PAUSED})


class Stopped(Exception):
    """The job was asked to stop (cancel, pause, shutdown); `state` is where it goes."""

    def __init__(self, state: State):
        super().__init__(state.value)
        self.state = state


class Control:
    """Stop requests for one running job, set from any thread, checked between chunks."""

    def __init__(self) -> None:
        self._wake = threading.Event()
        self._stop: Optional[State] = None

    def stop(self, state: State) -> None:
        """Ask the job to stop and end in `state` (CANCELLED, PAUSED, or QUEUED for a shutdown)."""
        if self._stop is None or state is State.CANCELLED:
            self._stop = state
        self._wake.set()

    def cancel(self) -> None:
        """Stop and drop the partial files."""
        self.stop(State.CANCELLED)

    @property
    def requested(self) -> Optional[State]:
        """The state asked for, or None."""
        return self._stop

    def check(self) -> None:
        """Raise Stopped when a stop was asked."""
        if self._stop is not None:
            raise Stopped(self._stop)

    def wait(self, seconds: float) -> None:
        """Sleep up to `seconds`, waking up (and raising Stopped) as soon as a stop is asked."""
        if seconds > 0:
            self._wake.wait(seconds)
        self.check()


_NOTE_TEXTS = {
    "verified": "{file}: {algorithm} verified",
    "unverifiable": "{file}: not verified ({algorithms})",
    "no_checksum": "{file}: no checksum given",
    "missing_asset": "{portal} has no asset {key}",
    "fell_back": "fell back to {portal} after: {reasons}",
    "extracted": "extracted: {files}",
    "clipped_kept": "clipped from {file} (kept)",
    "clipped_deleted": "clipped from {file} (deleted)",
    "subset_saved": "{read} read instead of {full}",
    "subset_read": "{read} read",
    "partly_outside": "part of the area is outside the product",
    "text": "{text}",
}


@dataclass(frozen=True)
class Note:
    """One fact about a finished job as data: `code` (a key of the texts above) and its `details`.

    ``str(note)`` is its English wording (logs, Processing); the Downloads tab words it from code and details.
    """

    code: str
    details: Dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        try:
            return _NOTE_TEXTS[self.code].format(**self.details)
        except (KeyError, IndexError, ValueError):
            return str(self.details.get("text", self.code))

    def to_dict(self) -> Dict[str, Any]:
        """Plain JSON data."""
        return {"code": self.code, "details": dict(self.details)}

    @classmethod
    def from_dict(cls, data: Any) -> "Note":
        """The Note back from `to_dict` (a plain string: the English note of a queue of schema 1)."""
        if isinstance(data, dict):
            return cls(str(data.get("code") or "text"), dict(data.get("details") or {}))
        return cls("text", {"text": str(data)})


@dataclass
class Job:
    """One product to download, as the queue and the Downloads tab see it."""

    product: Product
    folder: str  # the download folder chosen by the user
    assets: Tuple[str, ...] = ()  # chosen asset keys; empty: the whole product archive
    extract: bool = False
    # area of interest only (core/subset/): {"bands": [...], "area": WKT in EPSG:4326, "resampling": "nearest",
    # "keep_archive": True}; None: the files themselves
    subset: Optional[Dict[str, Any]] = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    state: State = State.QUEUED
    bytes_done: int = 0
    bytes_total: Optional[int] = None
    errors: List[Failure] = field(default_factory=list)  # why it failed: one per source tried, as data
    portal: str = ""  # source being (or last) downloaded from
    files: List[str] = field(default_factory=list)  # final paths when DONE
    notes: List["Note"] = field(default_factory=list)  # per-file verification, fallbacks, missing assets
    created: float = field(default_factory=time.time)
    speed: float = 0.0  # bytes/s, not stored

    @property
    def title(self) -> str:
        """The product name shown to the user."""
        return self.product.title

    @property
    def error_text(self) -> str:
        """Why it failed, in English ("<Portal>: <reason>; ..."): for logs and headless use."""
        return "; ".join(dict.fromkeys(str(error) for error in self.errors))

    def snapshot(self) -> "Job":
        """A copy safe to hand to another thread."""
        return dataclasses.replace(self, assets=tuple(self.assets), files=list(self.files), notes=list(self.notes),
                                   errors=list(self.errors), subset=dict(self.subset) if self.subset else None)
