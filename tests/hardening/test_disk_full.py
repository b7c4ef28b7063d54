"""A full disk during a download, on a real small filesystem made by the test (tmpfs, mounted as root).

The download folder is a tmpfs of a few megabytes holding a product downloaded earlier; the product is the
real Sentinel-2 zip of the fixtures (2.5 MB), served by a DHuS mirror on loopback that honours Range. What must
hold: the download fails with a message naming the portal, the full disk and the folder; the earlier file is
untouched; the ``.part`` is a true prefix of the product; once space is freed (the filesystem enlarged, or
another program's file deleted) Retry resumes from the ``.part`` and the product is byte-identical.

The cases are tests/support/faulty_portal.py's `DISK_CASES` (bench/reliability_report.py runs them too):
the engine checks the free space before it writes whenever the size is known (from the portal, or from the
answer's Content-Length or Content-Range) and keeps 16 MiB free beyond the file, so on a 2 MB disk a product
of known size is refused up front, with the figures; the disk fills up in the middle of a download when the
size is not known (a portal streaming its zip without a length) or when another program takes the space
meanwhile. The last test takes the Downloads tab's path: the real `DownloadManager` and its SQLite queue,
Retry being `manager.retry`.

Without the right to mount (not root, or a container without CAP_SYS_ADMIN) the tests are skipped with the
reason.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Iterator, List

import pytest

from plugin.core.auth import Accounts
from plugin.core.catalog import load_catalog
from plugin.core.credentials import Credentials
from plugin.core.download.downloader import Downloader
from plugin.core.download.fetch import RetryPolicy
from plugin.core.download.job import Job, State
from plugin.core.download.manager import DownloadManager
from plugin.core.http import HttpSettings
from plugin.core.product import make_product
from plugin.core.download.queue import JobQueue
from tests.support.download_servers import FileContent, PatternContent, basic_check
from tests.support.faulty_portal import (
    DHUS_TITLE, DISK_CASES, EARLIER, PART, PRODUCT, PRODUCT_ZIP, CaseUnavailable, FaultyServer, SmallDisk, problems,
    run_case,
)
from tests.support.fixtures import fixture_path
from tests.support.replay import wait_until

USER, PASSWORD = "analyst", "dhus-" + os.urandom(6).hex()
PATH = "/dhus/odata/v1/Products('8df46c9e')/$value"
EARLIER_PATH = "/dhus/odata/v1/Products('5c1f0a27')/$value"


@pytest.mark.parametrize("case", DISK_CASES, ids=lambda case: case.key)
def test_a_full_disk_is_said_with_the_folder_and_the_part_resumes_once_space_is_freed(case, tmp_path):
    try:
        seen = run_case(case, tmp_path)
    except CaseUnavailable as exc:
        pytest.skip(str(exc))

    assert seen.state == "failed"
    assert re.fullmatch(case.message, seen.message), seen.message
    assert seen.finished_intact and seen.final_ok is None  # the earlier product untouched, no partial final file
    assert seen.part_valid and seen.lost == 0  # what was written is a true prefix, and stays
    if case.key == "download/disk-too-small":
        assert seen.part == PART  # refused before a byte was added to the interrupted run's .part
    else:
        assert seen.part > (0 if case.streamed else PART)  # written until the disk was full
    assert seen.recovered  # space freed, Retry ends with the byte-identical product...
    assert seen.details["retry_hits"][0][:2] == (206, seen.part)  # ...resumed from the .part
    assert problems(case, seen) == []


@pytest.fixture
def small_disk(tmp_path) -> Iterator:
    """`make(size)` mounts a tmpfs of that size (e.g. "2m") and returns it; unmounted after the test."""
    disks: List[SmallDisk] = []

    def make(size: str) -> SmallDisk:
        try:
            disks.append(SmallDisk.mount(tmp_path / f"disk{len(disks)}", size))
        except CaseUnavailable as exc:
            pytest.skip(str(exc))
        return disks[-1]

    yield make
    for disk in disks:
        disk.unmount()


class Portal:
    """A DHuS mirror on loopback serving the real product and an earlier one; its catalog, account and manager."""

    def __init__(self, server: FaultyServer, folder: Path, profile: Path, chunked: bool):
        self.server = server
        self.data = fixture_path(PRODUCT_ZIP).read_bytes()
        self.route = server.add_file(PATH, FileContent(fixture_path(PRODUCT_ZIP)),
                                     require=basic_check(USER, PASSWORD), chunked=chunked)
        self.earlier = PatternContent(300_000, seed=5)
        server.add_file(EARLIER_PATH, self.earlier, require=basic_check(USER, PASSWORD), chunked=chunked)
        (profile / "catalog.json").parent.mkdir(parents=True, exist_ok=True)
        (profile / "catalog.json").write_text(json.dumps({"dhus": {"url": server.url + "/dhus", "enabled": True}}))
        catalog = load_catalog(profile / "catalog.json", env={})
        accounts = Accounts(catalog, {"dhus": Credentials(username=USER, password=PASSWORD)})
        self.downloader = Downloader(catalog, accounts, HttpSettings(timeout=5.0), RetryPolicy(sleep=lambda s: None))
        self.folder = folder
        self.queue = JobQueue(profile / "downloads.sqlite")  # the queue lives in the profile, not on the full disk
        self.manager = DownloadManager(self.downloader, store=self.queue)
        self.manager.start()

    def product(self, *, known_size: bool):
        """The product as the DHuS search gives it (no exact size, no checksum), or with OData's size."""
        return make_product(portal="dhus", product_id="8df46c9e", name=PRODUCT + ".SAFE", collection="S2_MSI_L1C",
                            download_url=self.server.url + PATH, size=len(self.data) if known_size else None)

    def download(self, product) -> Job:
        job = self.manager.add(product, str(self.folder))
        assert self.manager.wait([job.id], timeout=60)
        return self.manager.job(job.id)

    def retry(self, job: Job) -> Job:
        self.manager.retry(job.id)
        assert self.manager.wait([job.id], timeout=60)
        return self.manager.job(job.id)

    def download_earlier(self) -> Path:
        product = make_product(portal="dhus", product_id="5c1f0a27", name=EARLIER + ".SAFE", collection="S2_MSI_L1C",
                               download_url=self.server.url + EARLIER_PATH)
        job = self.download(product)
        assert job.state is State.DONE, job.error_text
        return Path(job.files[0])

    def stored(self, job_id: str) -> Job:
        """The job as the queue file holds it (an empty job while its first save is still on the way)."""
        return self.queue.get(job_id) or Job(product=self.product(known_size=False), folder="")

    def stop(self) -> None:
        self.manager.stop()
        self.queue.close()


@pytest.fixture
def portal(tmp_path):
    made: List[Portal] = []

    def make(folder: Path, chunked: bool = False) -> Portal:
        """The portal, downloading into `folder`/downloads; `chunked`: it streams files without a length."""
        made.append(Portal(server, folder / "downloads", tmp_path / "profile", chunked))
        return made[-1]

    with FaultyServer() as server:
        yield make
        for item in made:
            item.stop()


def test_the_downloads_queue_keeps_the_disk_full_message_and_retry_resumes(small_disk, portal):
    disk = small_disk("2m")
    dhus = portal(disk.path, chunked=True)  # no length anywhere: nothing to check up front
    earlier = dhus.download_earlier()
    kept = earlier.read_bytes()
    part = dhus.folder / f"{PRODUCT}.zip.part"

    job = dhus.download(dhus.product(known_size=False))  # the DHuS search gives no exact size: no check up front

    assert job.state is State.FAILED
    assert job.error_text == (f"{DHUS_TITLE}: the disk is full ({dhus.folder}): free some space and retry, the partial "
                         "download is kept")
    assert not (dhus.folder / f"{PRODUCT}.zip").exists()
    assert earlier.read_bytes() == kept
    written = part.read_bytes()
    assert 1_000_000 < len(written) < len(dhus.data) and dhus.data.startswith(written)
    # what the Downloads tab shows after a restart too (the queue is written by a thread of its own)
    assert wait_until(lambda: dhus.stored(job.id).error_text == job.error_text)

    disk.resize("24m")  # room for what is left and the 16 MiB the engine keeps free
    dhus.server.clear()
    job = dhus.retry(job)

    assert job.state is State.DONE, job.error_text
    assert Path(job.files[0]).read_bytes() == dhus.data and not part.exists()
    hit, = dhus.server.hits(PATH)
    assert (hit.status, hit.range_start, hit.bytes_sent) == (206, len(written), len(dhus.data) - len(written))
    assert earlier.read_bytes() == kept
    assert wait_until(lambda: dhus.stored(job.id).state is State.DONE and dhus.stored(job.id).error_text == "")
