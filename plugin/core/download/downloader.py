"""One product to disk: `Downloader.run(job, control)`, in the calling thread.

What a Processing algorithm or a manager's worker calls (`control.cancel()` from the feedback stops it). Plans
each source (`plan.plan_source`): the whole product archive when no assets are chosen, the chosen asset keys
otherwise. Tries the product's sources in order (the user's preference) and falls back to the next one when a
source fails; offline sources are skipped with a message; a full disk stops at once (another source would fill
the same disk). Optionally extracts zips (paths.extract_zip, into ``<name>.SAFE`` for Sentinel products zipped
without their folder). The job ends DONE (``files``: final paths; ``notes``: "X.zip: MD5 verified"...), FAILED
or OFFLINE (``error``: one "<Portal>: <reason>" per source tried). Messages are English and name the portal
(PortalError text, secrets masked); the QGIS layer translates what it shows.
"""
from __future__ import annotations

import logging
import shutil
import threading
from pathlib import Path
from typing import Callable, List, Optional, Tuple

import requests

from ..auth import Accounts
from ..catalog import Catalog, Portal
from ..errors import ErrorKind, Failure, PortalError
from ..http import HttpSettings, make_session
from ..naming import parse_name
from ..paths import UnsafePathError, extract_zip, safe_join, safe_name
from .fetch import PART_SUFFIX, FetchContext, FileResult, RetryPolicy, fetch_file
from .job import Control, Job, Note, State
from .plan import SourcePlan, plan_source

LOG = logging.getLogger("eo_portals.download")
SlotSwitch = Callable[[str, Control], None]


class Downloader:
    """Runs jobs: plans each source, fetches its files, falls back to the next source on failure."""

    def __init__(self, catalog: Catalog, accounts: Optional[Accounts] = None,
                 settings: Optional[HttpSettings] = None, policy: Optional[RetryPolicy] = None,
                 session_factory: Callable[[HttpSettings], requests.Session] = make_session):
        self.catalog = catalog
        self.settings = settings or HttpSettings()
        self.accounts = accounts or Accounts(catalog, {}, self.settings)
        self.policy = policy or RetryPolicy()
        self.session_factory = session_factory

    def limit_key(self, portal: Portal) -> str:
        """Downloads count against the account's portal (cdse_stac and cdse share CDSE's limit)."""
        return self.accounts.account_id(portal)

    def limit(self, key: str) -> int:
        """Concurrent downloads allowed for a limit key (catalog ``max_downloads``)."""
        portal = self.catalog.portals.get(key)
        return portal.max_downloads if portal is not None else 4

    def plans(self, job: Job) -> Tuple[List[SourcePlan], List[PortalError]]:
        """Per source in preference order, what to fetch; and why the other sources cannot serve the job."""
        plans: List[SourcePlan] = []
        skipped: List[PortalError] = []
        for source in job.product.sources:
            portal = self.catalog.portals.get(source.portal)
            if portal is None:
                skipped.append(PortalError(source.portal, "this portal is not in the catalog", ErrorKind.INVALID,
                                           code="not_in_catalog"))
                continue
            try:
                plans.append(plan_source(job.product, source, portal, job.assets))
            except PortalError as exc:
                skipped.append(exc)
        return plans, skipped

    def first_key(self, job: Job) -> Optional[str]:
        """The limit key of the source a job would start with (None: it has no usable source)."""
        plans, _ = self.plans(job)
        return self.limit_key(plans[0].portal) if plans else None

    def run(self, job: Job, control: Optional[Control] = None,
            on_progress: Optional[Callable[[Job], None]] = None,
            on_state: Optional[Callable[[Job], None]] = None,
            switch_slot: Optional[SlotSwitch] = None) -> Job:
        """Download `job` now, in this thread; the job ends DONE, FAILED or OFFLINE (Stopped propagates)."""
        control = control or Control()
        notify = on_state or (lambda _job: None)
        if job.subset:
            from .subset_job import run_subset  # area of interest only: core/subset/

            return run_subset(self, job, control, on_progress, notify, switch_slot)
        plans, skipped = self.plans(job)
        errors: List[PortalError] = []
        job.notes = []
        root = Path(job.folder)
        for plan in plans:
            portal, source = plan.portal, plan.source
            if switch_slot is not None:
                switch_slot(self.limit_key(portal), control)
            control.check()
            if source.online is False:
                errors.append(PortalError(portal.title, "the product is offline (in the long-term archive): "
                                                        "order it on the portal, then retry", ErrorKind.OFFLINE,
                                          code="archived"))
                continue
            targets = [(t, safe_join(root, t.relative)) for t in plan.files]
            if job.portal and job.portal != source.portal:
                for _, dest in targets:  # bytes from another portal's file must not be resumed here
                    remove_file(dest.with_name(dest.name + PART_SUFFIX))
            job.portal = source.portal
            job.state = State.DOWNLOADING
            job.errors = []
            notify(job)
            try:
                results = self._fetch_all(job, plan, targets, control, on_progress, notify)
            except PortalError as exc:
                exc = exc.masked(self.accounts.mask)
                errors.append(exc)
                LOG.warning("%s", exc)
                if exc.kind is ErrorKind.DISK:
                    break  # another source would fill the same disk
                continue
            job.files = [str(result.path) for result in results]
            job.notes = [_verification(result) for result in results]
            job.notes += [Note("missing_asset", {"portal": portal.title, "key": key}) for key in plan.missing]
            if errors:
                job.notes.append(Note("fell_back", {"portal": portal.title, "reasons": "; ".join(str(e) for e in errors),
                                                    "after": [e.failure().to_dict() for e in errors]}))
            if job.extract:
                try:
                    self._extract(job, results, control)
                except Exception as exc:  # noqa: BLE001 - any extraction failure is reported, not raised
                    job.state = State.FAILED
                    job.errors = [Failure(job.title, ErrorKind.DISK, "extraction",
                                          f"downloaded, but the extraction failed ({exc})", details={"reason": str(exc)})]
                    notify(job)
                    return job
            job.state = State.DONE
            job.errors = []
            notify(job)
            return job
        job.state = State.OFFLINE if errors and all(e.kind is ErrorKind.OFFLINE for e in errors) else State.FAILED
        failures = list({str(e): e.failure() for e in errors + skipped}.values())
        job.errors = failures or [Failure(job.title, ErrorKind.INVALID, "no_source", "no source to download from")]
        notify(job)
        return job

    def _fetch_all(self, job: Job, plan: SourcePlan, targets, control: Control,
                   on_progress: Optional[Callable[[Job], None]], notify: Callable[[Job], None]) -> List[FileResult]:
        sizes: List[Optional[int]] = [t.size for t, _ in targets]
        done = [0] * len(targets)
        job.bytes_total = sum(sizes) if all(s is not None for s in sizes) else None  # type: ignore[arg-type]
        job.bytes_done = 0
        collection = plan.portal.collection_for(job.product.collection)
        if isinstance(collection, list):
            collection = collection[0] if collection else None
        ctx = FetchContext(
            session=self.session_factory(self.settings), portal=plan.portal,
            auth=self.accounts.for_portal(plan.portal), settings=self.settings, policy=self.policy,
            control=control, collection=collection if isinstance(collection, str) else None,
            mask=self.accounts.mask,
        )
        results: List[FileResult] = []
        try:
            for index, (target, dest) in enumerate(targets):
                def progress(on_disk: int, total: Optional[int], index: int = index) -> None:
                    done[index] = on_disk
                    if total is not None and sizes[index] is None:
                        sizes[index] = total
                        if all(s is not None for s in sizes):
                            job.bytes_total = sum(sizes)  # type: ignore[arg-type]
                    job.bytes_done = sum(done)
                    if on_progress is not None:
                        on_progress(job)

                def verifying() -> None:
                    job.state = State.VERIFYING
                    notify(job)

                result = fetch_file(target, dest, ctx, progress, verifying)
                done[index] = result.size
                results.append(result)
                if job.state is State.VERIFYING and index + 1 < len(targets):
                    job.state = State.DOWNLOADING
                    notify(job)
        finally:
            ctx.session.close()
        job.bytes_done = sum(done)
        return results

    def _extract(self, job: Job, results: List[FileResult], control: Control) -> None:
        extracted: List[str] = []
        for result in results:
            if result.path.suffix.lower() == ".zip":
                cancel = threading.Event()
                if control.requested is State.CANCELLED:
                    cancel.set()
                parsed = parse_name(job.title)
                # GDAL and SNAP expect Sentinel products in a <name>.SAFE folder
                wrap = safe_name(job.title) + (".SAFE" if parsed and parsed.family in ("S1", "S2") else "")
                for path in extract_zip(result.path, result.path.parent, overwrite=True, cancel=cancel, wrap=wrap):
                    extracted.append(str(path))
        if extracted:
            job.files = job.files + extracted
            job.notes.append(Note("extracted", {"files": ", ".join(Path(p).name for p in extracted)}))

    def partial_files(self, job: Job) -> List[Path]:
        """The .part files of a job that hold bytes (what a resume would keep)."""
        found = []
        for path in dict.fromkeys(self.part_files(job)):
            try:
                if path.stat().st_size > 0:
                    found.append(path)
            except OSError:
                continue
        return found

    def move_partial_files(self, job: Job, folder: str) -> bool:
        """Move a job's partial files to the same places under `folder`; False (nothing moved) when one cannot go."""
        moves = []
        for path in self.partial_files(job):
            relative = path.relative_to(Path(job.folder))
            moves.append((path, safe_join(folder, str(relative))))
        try:
            for source, dest in moves:
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(str(source), str(dest))
        except OSError as exc:
            LOG.warning("%s: the partial download could not be moved to %s (%s)", job.title, folder, exc)
            return False
        return True

    def part_files(self, job: Job) -> List[Path]:
        """The .part files a job may have left (to delete them when it is cancelled)."""
        plans, _ = self.plans(job)
        paths = []
        for plan in plans:
            for target in plan.files:
                try:
                    dest = safe_join(job.folder, target.relative)
                except UnsafePathError:  # never written, so no .part to delete
                    continue
                paths.append(dest.with_name(dest.name + PART_SUFFIX))
        return paths


def _verification(result: FileResult) -> Note:
    """How a file was checked, as a note."""
    name = result.path.name
    if result.algorithm:
        return Note("verified", {"file": name, "algorithm": result.algorithm})
    if result.unverified:
        return Note("unverifiable", {"file": name, "algorithms": ", ".join(result.unverified)})
    return Note("no_checksum", {"file": name})


def remove_file(path: Path) -> None:
    """Delete a file if it is there."""
    try:
        path.unlink()
    except FileNotFoundError:
        pass
