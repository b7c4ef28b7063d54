""""Area of interest only" through the download queue (plugin/core/download/subset_job.py): the same manager,
states, progress, persistence and cancel as whole downloads. Products are the real COG fixtures' STAC items served
on loopback (tests/support/cogs.py), and the real cut-down Sentinel-2 zip for the product without COGs; outputs are
checked pixel for pixel against the fixture files (tests/core/test_subset.py)."""
from __future__ import annotations

import sqlite3
import uuid

import pytest

pytest.importorskip("osgeo.gdal", reason="GDAL's Python bindings read the pixels")
pytest.importorskip("numpy", reason="numpy gives the independent reading")
from shapely.geometry import box  # noqa: E402

from plugin.core.catalog import load_catalog  # noqa: E402
from plugin.core.download.downloader import Downloader  # noqa: E402
from plugin.core.download.job import Job, State  # noqa: E402
from plugin.core.download.manager import DownloadManager  # noqa: E402
from plugin.core.download.queue import JobQueue  # noqa: E402
from plugin.core.product import make_product  # noqa: E402
from tests.core.test_subset import check_subset_is_exact, to_lonlat, to_utm  # noqa: E402
from tests.support.cog_server import CogServer  # noqa: E402
from tests.support.cogs import L1C_ZIP, S2_CLEAR, fixtures_root, scene_file, served_product  # noqa: E402
from tests.support.download_servers import DownloadServer, FileContent  # noqa: E402
from tests.support.replay import wait_until  # noqa: E402

AREA = to_lonlat(box(250040, 2750070, 253330, 2753020), 32629)


def run_jobs(tmp_path, *adds, store=None):
    manager = DownloadManager(Downloader(load_catalog(env={})), max_downloads=2, store=store)
    manager.start()
    try:
        ids = [manager.add(*args, **kwargs).id for args, kwargs in adds]
        assert wait_until(lambda: all(manager.job(i).state in (State.DONE, State.FAILED, State.CANCELLED)
                                      for i in ids), timeout=60)
        return [manager.job(i) for i in ids]
    finally:
        manager.stop()


def test_queued_subset_reads_the_area_and_says_what_it_saved(tmp_path):
    with CogServer() as server:
        product = served_product(server, S2_CLEAR, prefix="/" + uuid.uuid4().hex[:8])
        store = JobQueue(tmp_path / "queue.sqlite")
        (job,) = run_jobs(tmp_path, ((product, str(tmp_path / "EO")),
                                     {"subset": {"bands": ["ndvi"], "area": AREA.wkt}}), store=store)
        sent = server.bytes_sent()
    assert job.state is State.DONE, job.error_text
    assert len(job.files) == 1 and job.files[0].endswith("_B04-B08.tif")
    check_subset_is_exact(job.files[0], 2, scene_file(S2_CLEAR, "nir"), to_utm(AREA, 32629))
    assert job.bytes_done == sent and job.portal == "earth_search"
    assert any(note.endswith("read instead of 4.8 MB") for note in map(str, job.notes)), job.notes
    # the queue kept what the job was: a restart would run it again as a subset
    stored = JobQueue(tmp_path / "queue.sqlite").load()
    assert stored[0].subset == {"bands": ["ndvi"], "area": AREA.wkt} and stored[0].state is State.DONE


def test_a_queue_written_before_subsets_is_read_and_upgraded(tmp_path):
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(str(path))
    db.execute("""CREATE TABLE jobs (id TEXT PRIMARY KEY, position INTEGER NOT NULL, state TEXT NOT NULL,
                  folder TEXT NOT NULL, assets TEXT NOT NULL, extract INTEGER NOT NULL, product TEXT NOT NULL,
                  portal TEXT NOT NULL DEFAULT '', bytes_done INTEGER NOT NULL DEFAULT 0, bytes_total INTEGER,
                  error TEXT NOT NULL DEFAULT '', files TEXT NOT NULL DEFAULT '[]', notes TEXT NOT NULL DEFAULT '[]',
                  created REAL NOT NULL, updated REAL NOT NULL)""")
    db.commit()
    db.close()
    queue = JobQueue(path)
    product = make_product(portal="cdse", product_id="x", name="S2A_MSIL1C_20180101T105441_N0206_R051_T31TDH_"
                                                               "20180101T124911", collection="S2_MSI_L1C")
    queue.save(Job(product=product, folder=str(tmp_path)))
    queue.save(Job(product=product, folder=str(tmp_path), subset={"bands": ["B01"], "area": AREA.wkt}))
    jobs = JobQueue(path).load()
    assert [j.subset for j in jobs] == [None, {"bands": ["B01"], "area": AREA.wkt}]


@pytest.mark.parametrize("keep", [True, False])
def test_product_without_cogs_is_downloaded_then_clipped(tmp_path, keep):
    archive = fixtures_root() / L1C_ZIP
    area = to_lonlat(box(430010, 4750030, 436000, 4756000), 32631)
    with DownloadServer() as server:
        server.add_file("/dl/p.zip", FileContent(archive), ranges=False)
        product = make_product(portal="earth_search", product_id="l1c", name=archive.stem, collection="S2_MSI_L1C",
                               download_url=server.url + "/dl/p.zip", size=archive.stat().st_size)
        (job,) = run_jobs(tmp_path, ((product, str(tmp_path / "EO")),
                                     {"subset": {"bands": ["B01"], "area": area.wkt, "keep_archive": keep}}))
    assert job.state is State.DONE, job.error_text
    jp2 = ("/vsizip/" + str(archive) + "/GRANULE/L1C_T31TDH_A013204_20180101T105435/IMG_DATA/"
           "T31TDH_20180101T105441_B01.jp2")
    check_subset_is_exact(job.files[0], 1, jp2, to_utm(area, 32631))
    kept = (tmp_path / "EO" / archive.name).exists()
    assert kept is keep and len(job.files) == (2 if keep else 1)
    assert any(note.startswith(f"clipped from {archive.name}") for note in map(str, job.notes))


def test_a_subset_that_cannot_be_made_fails_with_the_reason(tmp_path):
    with CogServer() as server:
        product = served_product(server, S2_CLEAR, prefix="/" + uuid.uuid4().hex[:8])
        (outside, unknown) = run_jobs(
            tmp_path,
            ((product, str(tmp_path)), {"subset": {"bands": ["B04"], "area": box(30, 10, 30.1, 10.1).wkt}}),
            ((product, str(tmp_path)), {"subset": {"bands": ["B99"], "area": AREA.wkt}}))
    assert outside.state is State.FAILED and outside.error_text.endswith("the area does not cover this product")
    assert unknown.state is State.FAILED and "has no band B99" in unknown.error_text


def test_cancelled_subset_leaves_no_file(tmp_path):
    with CogServer() as server:
        product = served_product(server, S2_CLEAR, prefix="/" + uuid.uuid4().hex[:8], delay=0.5)
        manager = DownloadManager(Downloader(load_catalog(env={})), max_downloads=1)
        manager.start()
        try:
            job = manager.add(product, str(tmp_path / "EO"), subset={"bands": ["B04", "B08"], "area": AREA.wkt})
            assert wait_until(lambda: manager.job(job.id).state is State.DOWNLOADING, timeout=20)
            manager.cancel(job.id)
            assert wait_until(lambda: manager.job(job.id).state is State.CANCELLED, timeout=30)
        finally:
            manager.stop()
    folder = tmp_path / "EO"
    assert not folder.exists() or list(folder.iterdir()) == []


def test_a_failed_subset_is_retried_once_the_files_are_back(tmp_path):
    with CogServer() as server:
        product = served_product(server, S2_CLEAR, prefix="/" + uuid.uuid4().hex[:8])
        routes = dict(server.routes)
        server.routes.clear()  # the object store answers 404 for a while
        manager = DownloadManager(Downloader(load_catalog(env={})), max_downloads=1)
        manager.start()
        try:
            job = manager.add(product, str(tmp_path / "EO"), subset={"bands": ["B04"], "area": AREA.wkt})
            assert wait_until(lambda: manager.job(job.id).state is State.FAILED, timeout=60)
            failed = manager.job(job.id)
            # the failure is data: the portal that could not be read, and why (the row names the product already)
            assert [(e.portal, e.code) for e in failed.errors] == [("Earth Search", "subset_read")]
            assert failed.error_text.startswith("Earth Search: ") and "B04.tif" in failed.error_text
            server.routes.update(routes)
            manager.retry(job.id)
            assert wait_until(lambda: manager.job(job.id).state is State.DONE, timeout=60)
            done = manager.job(job.id)
        finally:
            manager.stop()
    check_subset_is_exact(done.files[0], 1, scene_file(S2_CLEAR, "red"), to_utm(AREA, 32629))


def test_an_expired_signature_never_shows_in_the_reason(tmp_path):
    from plugin.core.auth import SasAuth
    from plugin.core.http import HttpSettings
    from plugin.core.subset import Access, subset_product
    from tests.support.download_servers import SasIssuer

    issuer = SasIssuer(lifetime=3600)
    with DownloadServer() as sas_service, CogServer() as server:
        sas_service.add_sas("/sas", issuer)
        refuse = lambda headers, query: False  # noqa: E731 - every signature refused (an account without access)
        product = served_product(server, S2_CLEAR, prefix="/" + uuid.uuid4().hex[:8], require=refuse)
        auth = SasAuth("Planetary Computer", None, sas_service.url + "/sas", sign_hosts=r"^127\.0\.0\.1$")
        access = Access(HttpSettings(timeout=10), auth, collection="sentinel-2-l2a")
        result = subset_product(product, ["B04"], AREA, str(tmp_path), access_for=lambda p: access)
    assert not result.ok and "B04.tif" in result.error and "403" in result.error
    signatures = [r.query.get("sig") for r in server.requests()]
    assert signatures and all(sig and sig not in result.error for sig in signatures)
    assert issuer.requests["sentinel-2-l2a"] >= 2  # signed again after the refusal, then given up
