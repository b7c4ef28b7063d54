"""A queued "area of interest only" job: the chosen bands over the area, one COG (core/subset.py), through the
same queue, states, progress, cancel, retry and restart as whole downloads.

Where the product has the bands as COGs (Earth Search, Planetary Computer), only their blocks over the area are
read, with the portal's account and QGIS's network settings; progress is the bytes read. Where it has none (CDSE,
GEODES and DHuS zips), the whole product is downloaded as an ordinary job would, then clipped; the archive is kept
or deleted as the job says. The job's notes say what was saved (a `Note` "subset_saved": "94.0 kB read instead of 3.7 MB").
"""
from __future__ import annotations

import dataclasses
import os
import threading
from typing import Callable, Optional

from ..bands import collection_bands
from ..errors import ErrorKind, Failure
from ..subset import Access, Cancelled, cog_bands, human_bytes, subset_product
from .job import Control, Job, Note, State, Stopped


def _area(job: Job):
    from shapely import wkt

    return wkt.loads(job.subset["area"])


def run_subset(downloader, job: Job, control: Control, on_progress: Optional[Callable[[Job], None]],
               notify: Callable[[Job], None], switch_slot=None) -> Job:
    """Run `job` (which has `subset`) in this thread; ends DONE or FAILED (Stopped propagates)."""
    options = job.subset or {}
    bands = list(options.get("bands") or ())
    job.notes = []
    try:
        area = _area(job)
        spec_bands = collection_bands(job.product.collection).resolve(bands)
    except Exception as exc:  # noqa: BLE001 - a wrong area or band list is the job's error, said plainly
        job.state = State.FAILED
        job.errors = [Failure(job.title, ErrorKind.INVALID, "subset_request", str(exc), details={"reason": str(exc)})]
        notify(job)
        return job
    source, _files = cog_bands(job.product, spec_bands)
    archive = None
    if source is None:  # no COGs: the whole product first, then the clip
        whole = dataclasses.replace(job, subset=None, assets=(), extract=False, files=[], notes=[])
        def mirror(inner: Job) -> None:  # the row shows the download's progress until the clip
            if inner.state in (State.DOWNLOADING, State.VERIFYING):
                job.state, job.portal = inner.state, inner.portal
                notify(job)

        whole = downloader.run(whole, control, on_progress, on_state=mirror, switch_slot=switch_slot)
        job.portal, job.bytes_done, job.bytes_total = whole.portal, whole.bytes_done, whole.bytes_total
        if whole.state is not State.DONE or not whole.files:
            job.state, job.errors = whole.state, list(whole.errors)
            notify(job)
            return job
        archive = whole.files[0]
    portal_id = source.portal if source is not None else job.portal
    portal = downloader.catalog.portals.get(portal_id)
    if portal is not None and switch_slot is not None and source is not None:
        switch_slot(downloader.limit_key(portal), control)
    control.check()
    collection = portal.collection_for(job.product.collection) if portal is not None else None
    if isinstance(collection, list):
        collection = collection[0] if collection else None
    access = Access(downloader.settings, downloader.accounts.for_portal(portal) if portal is not None else None,
                    collection=collection if isinstance(collection, str) else None)
    cancel = threading.Event()
    job.portal = portal_id
    job.state, job.errors = State.DOWNLOADING, []
    if source is not None:
        job.bytes_done, job.bytes_total = 0, None
    notify(job)

    def progress(read: int) -> None:
        if control.requested is not None:
            cancel.set()
        if source is not None:
            job.bytes_done = read
            if on_progress is not None:
                on_progress(job)

    try:
        result = subset_product(job.product, bands, area, job.folder, access_for=lambda _p: access,
                                resampling=options.get("resampling") or "nearest", archive=archive,
                                portal_title=lambda p: portal.title if portal is not None else p,
                                progress=progress, cancel=cancel)
    except Cancelled:
        raise Stopped(control.requested or State.CANCELLED) from None
    if not result.ok:
        job.state = State.FAILED
        reason = downloader.accounts.mask(result.error)
        job.errors = [Failure(portal.title if portal is not None else portal_id, ErrorKind.HTTP, "subset_read", reason,
                              details={"reason": reason})]
        notify(job)
        return job
    job.files = [result.path]
    if archive is not None:
        if options.get("keep_archive", True):
            job.files.append(archive)
            job.notes.append(Note("clipped_kept", {"file": os.path.basename(archive)}))
        else:
            try:
                os.remove(archive)
            except OSError:
                pass
            job.notes.append(Note("clipped_deleted", {"file": os.path.basename(archive)}))
    else:
        job.bytes_done, job.bytes_total = result.bytes_read, result.bytes_read
        read = {"read": human_bytes(result.bytes_read), "full": human_bytes(result.full_size)}
        job.notes.append(Note("subset_saved", read) if result.full_size else Note("subset_read", read))
    if result.clipped:
        job.notes.append(Note("partly_outside"))
    job.state, job.errors = State.DONE, []
    notify(job)
    return job
