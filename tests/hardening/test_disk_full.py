"""A full disk during a download, on a real small filesystem made by the test (tmpfs, mounted as root).

The download folder is a tmpfs of a few megabytes holding a product downloaded earlier; the product is the
real Sentinel-2 zip of the fixtures (2.5 MB), served by a DHuS mirror on loopback that honours Range. The
jobs go through the real `DownloadManager` with its SQLite queue, as the Downloads tab runs them, and
"Retry" is `manager.retry`. What must hold: the job fails with a message naming the portal, the full disk
and the folder; the earlier file is untouched; the ``.part`` is a true prefix of the product; once space is
freed (the filesystem enlarged, or another file deleted) Retry resumes from the ``.part`` and the product is
byte-identical. Without the right to mount (not root, or a container without CAP_SYS_ADMIN) these tests are
skipped with the reason.

The engine checks the free space before it writes whenever the size is known (from the portal or from the
answer's Content-Length) and keeps 16 MiB free beyond the file: on a 2 MB disk every such download is
refused up front, with the figures. The disk fills up in the middle of a download when the size is not
known (a portal streaming its zip without a length) or when another program takes the space meanwhile.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Iterator, List, Optional

import pytest

from plugin.core.auth import Accounts
from plugin.core.catalog import load_catalog
from plugin.core.credentials import Credentials
from plugin.core.download import DownloadManager, Downloader, Job, RetryPolicy, State
from plugin.core.http import HttpSettings
from plugin.core.product import make_product
from plugin.core.queue import JobQueue
from tests.support.download_servers import FileContent, PatternContent, basic_check
from tests.support.faulty_portal import DHUS_TITLE, EARLIER, PRODUCT, PRODUCT_ZIP, FaultyServer
from tests.support.fixtures import fixture_path
from tests.support.replay import wait_until

USER, PASSWORD = "analyst", "dhus-" + os.urandom(6).hex()
PATH = "/dhus/odata/v1/Products('8df46c9e')/$value"
EARLIER_PATH = "/dhus/odata/v1/Products('5c1f0a27')/$value"


class SmallDisk:
    """A tmpfs of `size` mounted on `path` (root only); `resize` changes its size in place."""

    def __init__(self, path: Path, size: str):
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self._run("mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path))

    @staticmethod
    def _run(*command: str) -> None:
        done = subprocess.run(command, capture_output=True, text=True, timeout=30)
        if done.returncode != 0:
            raise OSError(done.stderr.strip() or f"{command[0]} failed ({done.returncode})")

    def resize(self, size: str) -> None:
        """Enlarge (or shrink) the filesystem, its files kept (tmpfs remount)."""
        self._run("mount", "-o", f"remount,size={size}", str(self.path))

    def free(self) -> int:
        return shutil.disk_usage(self.path).free

    def unmount(self) -> None:
        self._run("umount", str(self.path))


@pytest.fixture
def small_disk(tmp_path) -> Iterator:
    """`make(size)` mounts a tmpfs of that size (e.g. "2m") and returns it; unmounted after the test."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small filesystem needs root (tmpfs); run the tests as root, e.g. in the CI container")
    disks: List[SmallDisk] = []

    def make(size: str) -> SmallDisk:
        try:
            disk = SmallDisk(tmp_path / f"disk{len(disks)}", size)
        except OSError as exc:
            pytest.skip(f"this machine does not let the tests mount a tmpfs ({exc})")
        disks.append(disk)
        return disk

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
        self.progress: List[Optional[callable]] = [None]
        self.manager = DownloadManager(self.downloader, store=self.queue, progress_interval=0.0,
                                       on_progress=lambda job_id, done, total, speed: self._progress(done))
        self.manager.start()

    def _progress(self, done: int) -> None:
        hook = self.progress[0]
        if hook is not None:
            hook(done)

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
        assert job.state is State.DONE, job.error
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


def test_a_download_larger_than_the_disk_says_disk_full_and_resumes_once_space_is_freed(small_disk, portal):
    disk = small_disk("2m")
    dhus = portal(disk.path, chunked=True)  # no length anywhere: nothing to check up front
    earlier = dhus.download_earlier()
    kept = earlier.read_bytes()
    part = dhus.folder / f"{PRODUCT}.zip.part"

    job = dhus.download(dhus.product(known_size=False))  # the DHuS search gives no exact size: no check up front

    assert job.state is State.FAILED
    assert job.error == (f"{DHUS_TITLE}: the disk is full ({dhus.folder}): free some space and retry, the partial "
                         "download is kept")
    assert not (dhus.folder / f"{PRODUCT}.zip").exists()
    assert earlier.read_bytes() == kept
    written = part.read_bytes()
    assert 1_000_000 < len(written) < len(dhus.data) and dhus.data.startswith(written)
    # what the Downloads tab shows after a restart too (the queue is written by a thread of its own)
    assert wait_until(lambda: dhus.stored(job.id).error == job.error)

    disk.resize("24m")  # room for what is left and the 16 MiB the engine keeps free
    dhus.server.clear()
    job = dhus.retry(job)

    assert job.state is State.DONE, job.error
    assert Path(job.files[0]).read_bytes() == dhus.data and not part.exists()
    hit, = dhus.server.hits(PATH)
    assert (hit.status, hit.range_start, hit.bytes_sent) == (206, len(written), len(dhus.data) - len(written))
    assert earlier.read_bytes() == kept
    assert wait_until(lambda: dhus.stored(job.id).state is State.DONE and dhus.stored(job.id).error == "")


def test_another_program_filling_the_disk_mid_download_keeps_the_part_for_later(small_disk, portal):
    disk = small_disk("24m")  # room for the product and the engine's margin when the download starts
    dhus = portal(disk.path)
    earlier = dhus.download_earlier()
    kept = earlier.read_bytes()
    part = dhus.folder / f"{PRODUCT}.zip.part"
    filler = disk.path / "someone-else.bin"
    dhus.route.rate = 2_000_000  # slow enough for the disk to fill up in the middle

    filled = threading.Event()

    def fill(done: int) -> None:
        if done > 500_000 and not filled.is_set():
            filled.set()
            with open(filler, "wb") as handle:  # all but 64 KiB of what is left
                handle.write(b"\0" * (disk.free() - 64 * 1024))

    dhus.progress[0] = fill
    job = dhus.download(dhus.product(known_size=True))
    dhus.progress[0] = None

    assert filled.is_set()
    assert job.state is State.FAILED
    assert job.error == (f"{DHUS_TITLE}: the disk is full ({dhus.folder}): free some space and retry, the partial "
                         "download is kept")
    assert not (dhus.folder / f"{PRODUCT}.zip").exists() and earlier.read_bytes() == kept
    written = part.read_bytes()
    assert len(written) > 500_000 and dhus.data.startswith(written)

    filler.unlink()  # the user frees some space
    dhus.server.clear()
    job = dhus.retry(job)

    assert job.state is State.DONE, job.error
    assert Path(job.files[0]).read_bytes() == dhus.data and not part.exists()
    assert [(h.status, h.range_start) for h in dhus.server.hits(PATH)] == [(206, len(written))]


def test_a_product_of_known_size_that_cannot_fit_is_refused_before_a_byte_is_written(small_disk, portal):
    disk = small_disk("2m")
    dhus = portal(disk.path, chunked=True)
    earlier = dhus.download_earlier()  # streamed without a length: it fits, and nothing refuses it
    dhus.route.chunked = False

    job = dhus.download(dhus.product(known_size=True))

    assert job.state is State.FAILED
    free = f"{disk.free() / 1e6:.1f} MB"  # about 1.8 MB: the disk less the earlier product
    assert job.error == (f"{DHUS_TITLE}: the disk is too full for this download ({dhus.folder}): 2.5 MB needed and "
                         f"17 MB kept free, {free} free; free some space and retry (the partial download is kept)")
    assert not (dhus.folder / f"{PRODUCT}.zip.part").exists() and not (dhus.folder / f"{PRODUCT}.zip").exists()

    disk.resize("32m")
    job = dhus.retry(job)
    assert job.state is State.DONE, job.error
    assert Path(job.files[0]).read_bytes() == dhus.data and earlier.exists()
