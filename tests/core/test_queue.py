"""The queue on disk: products as plain JSON, interrupted jobs resumed after the process dies, no secrets written;
the real Sentinel-2 product downloaded through queue and manager."""
import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from shapely.geometry import shape

from plugin.core.auth import Accounts
from plugin.core.catalog import load_catalog
from plugin.core.credentials import Credentials
from plugin.core.download.downloader import Downloader
from plugin.core.download.job import Job, Note, State
from plugin.core.download.manager import DownloadManager
from plugin.core.download.queue import JobQueue, strip_signature
from plugin.core.errors import ErrorKind, Failure
from plugin.core.product import Asset, Product, make_product, merge_products
from tests.support.download_servers import (
    DownloadServer, FileContent, OidcProvider, PatternContent, SasIssuer, basic_check,
)
from tests.support.fixtures import fixture_json, fixture_path
from tests.support.replay import wait_until

ROOT = Path(__file__).resolve().parents[2]
S2_ZIP = "products/S2A_MSIL1C_20180101T105441_N0206_R051_T31TDH_20180101T124911.zip"
S2 = "S2A_MSIL1C_20180101T105441_N0206_R051_T31TDH_20180101T124911"
PASSWORD = "queue-Pa55-never-written"


def recorded_cdse_product(download_base="https://download.dataspace.copernicus.eu/odata/v1"):
    """A product built from the first record of CDSE's recorded OData answer (its own fields, unchanged)."""
    record = fixture_json("cdse_odata/search_s2_l1c_expand.json")["value"][0]
    return make_product(
        portal="cdse", product_id=record["Id"], name=record["Name"], collection="S2_MSI_L1C",
        footprint=shape(record["GeoFootprint"]), size=record["ContentLength"], online=record["Online"],
        download_url=f"{download_base}/Products({record['Id']})/$value",
        checksums={c["Algorithm"]: c["Value"] for c in record["Checksum"]},
    )


def test_products_survive_the_round_trip_through_plain_json():
    cdse = recorded_cdse_product()
    blob = "https://sentinel2l2a01.blob.core.windows.net/sentinel2-l2/54/P/XA/2020/08/08/x.SAFE/B04_10m.tif"
    pc = make_product(portal="planetary_computer", product_id="S2A_MSIL1C_20200808T010311_R045_T54PXA_20230413",
                      name=cdse.sources[0].name, collection="S2_MSI_L1C",
                      assets={"B04": Asset("B04", blob, media_type="image/tiff", roles=("data",), size=10,
                                           checksum=("MD5", "ab"))})
    product, = merge_products([cdse, pc])
    data = json.loads(json.dumps(product.to_dict(href=strip_signature)))  # what the database holds: plain JSON
    back = Product.from_dict(data)
    assert (back.identity, back.title, back.collection, back.start, back.tile) == \
        (product.identity, product.title, product.collection, product.start, product.tile)
    assert back.footprint.equals(product.footprint)
    assert [s.portal for s in back.sources] == ["cdse", "planetary_computer"]
    source = back.sources[0]
    assert source.download_url == product.sources[0].download_url
    assert source.checksums == {"MD5": "923ac4992d90b57d41e7ace4d9d90757",
                                "BLAKE3": "2f787caed527ffeb3245594a465abd127da5ee7eaeb974f9a9ab4342f2fba7cf"}
    assert (source.size, source.online) == (224105657, True)
    assert back.sources[1].assets["B04"] == product.sources[1].assets["B04"]


@pytest.mark.parametrize("url, stored", [
    ("https://a.blob.core.windows.net/c/x.tif?st=2024&se=2024&sp=rl&sv=2021&sr=c&sig=SECRET",
     "https://a.blob.core.windows.net/c/x.tif"),
    ("https://s3.example/x.tif?X-Amz-Algorithm=AWS4&X-Amz-Credential=AK%2F1&X-Amz-Signature=SECRET&part=1",
     "https://s3.example/x.tif?part=1"),
    ("https://x.example/dl?token=SECRET&format=zip", "https://x.example/dl?format=zip"),
    ("https://planetarycomputer.microsoft.com/api/data/v1/item/preview.png?collection=c&item=i",
     "https://planetarycomputer.microsoft.com/api/data/v1/item/preview.png?collection=c&item=i"),
    ("https://catalogue.dataspace.copernicus.eu/odata/v1/Products(1)/$value",
     "https://catalogue.dataspace.copernicus.eu/odata/v1/Products(1)/$value"),
])
def test_signed_hrefs_are_stored_without_their_signature(url, stored):
    assert strip_signature(url) == stored


def test_jobs_are_kept_in_order_and_interrupted_ones_go_back_to_the_queue(tmp_path):
    queue = JobQueue(tmp_path / "profile" / "downloads.sqlite")
    product = recorded_cdse_product()
    jobs = [Job(product=product, folder=str(tmp_path / f"f{i}"), assets=("B04",) if i else ()) for i in range(4)]
    for job, state in zip(jobs, [State.DONE, State.DOWNLOADING, State.VERIFYING, State.PAUSED]):
        job.state, job.bytes_done = state, 1000
        queue.save(job)
    jobs[0].notes = [Note("verified", {"file": "p.zip", "algorithm": "MD5"})]
    queue.save(jobs[0])  # an update keeps the position
    queue.close()
    queue = JobQueue(tmp_path / "profile" / "downloads.sqlite")  # a new session of QGIS
    assert queue.recover() == 2
    loaded = queue.load()
    assert [j.id for j in loaded] == [j.id for j in jobs]
    assert [j.state for j in loaded] == [State.DONE, State.QUEUED, State.QUEUED, State.PAUSED]
    assert list(map(str, loaded[0].notes)) == ["p.zip: MD5 verified"] and loaded[1].assets == ("B04",)
    assert loaded[1].product.sources[0].checksums["MD5"] == "923ac4992d90b57d41e7ace4d9d90757"
    queue.delete(jobs[3].id)
    assert [j.id for j in queue.load()] == [j.id for j in jobs[:3]]


def test_an_unreadable_row_is_skipped_not_fatal(tmp_path):
    queue = JobQueue(tmp_path / "q.sqlite")
    good = Job(product=recorded_cdse_product(), folder=str(tmp_path))
    bad = Job(product=recorded_cdse_product(), folder=str(tmp_path))
    queue.save(good)
    queue.save(bad)
    with sqlite3.connect(tmp_path / "q.sqlite") as db:
        db.execute("UPDATE jobs SET product='{not json' WHERE id=?", (bad.id,))
    assert [j.id for j in queue.load()] == [good.id]


# ---------------------------------------------------------------------------------------------------------
# The real Sentinel-2 product, through the queue and the manager


def test_the_real_sentinel2_product_is_downloaded_verified_and_extracted_through_the_queue(tmp_path):
    zip_path = fixture_path(S2_ZIP)
    md5 = hashlib.md5(zip_path.read_bytes()).hexdigest()
    idp = OidcProvider("alice", PASSWORD)
    with DownloadServer() as catalogue, DownloadServer() as zipper:
        catalogue.add_token_endpoint("/auth/realms/CDSE/protocol/openid-connect/token", idp)
        uuid = "05edf2bb-d103-49f1-a677-9e474138d84f"
        catalogue.add_redirect(f"/odata/v1/Products({uuid})/$value", zipper.url + f"/odata/v1/Products({uuid})/$value",
                               require=idp.check)
        zipper.add_file(f"/odata/v1/Products({uuid})/$value", FileContent(zip_path), require=idp.check, ranges=False)
        catalog_file = tmp_path / "catalog.json"
        catalog_file.write_text(json.dumps({"cdse": {
            "token_url": catalogue.url + "/auth/realms/CDSE/protocol/openid-connect/token"}}))
        catalog = load_catalog(catalog_file)
        product = make_product(portal="cdse", product_id=uuid, name=S2 + ".SAFE", collection="S2_MSI_L1C",
                               download_url=catalogue.url + f"/odata/v1/Products({uuid})/$value",
                               size=zip_path.stat().st_size, online=True,
                               checksums={"MD5": md5, "BLAKE3": "not-computable-here"})
        queue = JobQueue(tmp_path / "profile" / "downloads.sqlite")
        accounts = Accounts(catalog, {"cdse": Credentials(username="alice", password=PASSWORD)})
        manager = DownloadManager(Downloader(catalog, accounts), store=queue)
        manager.start()
        try:
            job = manager.add(product, str(tmp_path / "EO"), extract=True)
            assert manager.wait([job.id], timeout=60)
        finally:
            manager.stop()
        done = manager.job(job.id)
    assert done.state is State.DONE, done.error_text
    archive = tmp_path / "EO" / f"{S2}.zip"
    safe = tmp_path / "EO" / f"{S2}.SAFE"
    assert done.files == [str(archive), str(safe)]
    assert list(map(str, done.notes)) == [f"{S2}.zip: MD5 verified", f"extracted: {S2}.SAFE"]
    assert hashlib.md5(archive.read_bytes()).hexdigest() == md5
    assert zipfile.ZipFile(archive).testzip() is None
    assert (safe / "MTD_MSIL1C.xml").is_file()
    stored, = JobQueue(tmp_path / "profile" / "downloads.sqlite").load()
    assert (stored.state, stored.files, stored.bytes_done) == (State.DONE, done.files, zip_path.stat().st_size)
    assert idp.logins == 1


# ---------------------------------------------------------------------------------------------------------
# No secret in the database


def test_no_secret_reaches_the_database(tmp_path):
    idp = OidcProvider("alice", PASSWORD)
    issuer = SasIssuer()
    with DownloadServer() as server:
        server.add_token_endpoint("/token", idp)
        server.add_sas("/sas", issuer)
        server.add_file("/dl/p.zip", PatternContent(100_000), require=lambda h, q: False)  # always 401
        catalog_file = tmp_path / "catalog.json"
        catalog_file.write_text(json.dumps({"cdse": {"token_url": server.url + "/token"},
                                            "planetary_computer": {"sas_url": server.url + "/sas"}}))
        catalog = load_catalog(catalog_file)
        product = make_product(portal="cdse", product_id="1", name=S2 + ".SAFE", collection="S2_MSI_L1C",
                               download_url=server.url + "/dl/p.zip?token=LEAKED-IN-HREF", size=100_000,
                               quicklook=server.url + "/ql.jpg?se=2030&sig=LEAKED-SIG")
        queue = JobQueue(tmp_path / "downloads.sqlite")
        accounts = Accounts(catalog, {"cdse": Credentials(username="alice", password=PASSWORD)})
        manager = DownloadManager(Downloader(catalog, accounts), store=queue)
        manager.start()
        try:
            job = manager.add(product, str(tmp_path / "EO"))
            assert manager.wait([job.id], timeout=30)
        finally:
            manager.stop()
        queue.close()
    assert manager.job(job.id).state is State.FAILED
    raw = (tmp_path / "downloads.sqlite").read_bytes()
    assert b"HTTP 401, check your account" in raw  # the error is there...
    for secret in [PASSWORD, "LEAKED-IN-HREF", "LEAKED-SIG"] + idp.issued() + idp.refresh_tokens():
        assert secret.encode() not in raw  # ...no secret is


# ---------------------------------------------------------------------------------------------------------
# Killed mid-download: the process, not a thread

RUN_QUEUE = """
import os, sys
sys.path.insert(0, sys.argv[1])
from plugin.core.auth import Accounts
from plugin.core.catalog import load_catalog
from plugin.core.credentials import Credentials
from plugin.core.download.downloader import Downloader
from plugin.core.download.manager import DownloadManager
from plugin.core.download.queue import JobQueue
catalog = load_catalog(sys.argv[3])
accounts = Accounts(catalog, {"dhus": Credentials(username=os.environ["EO_USER"], password=os.environ["EO_PASS"])})
manager = DownloadManager(Downloader(catalog, accounts), store=JobQueue(sys.argv[2]))
manager.start()  # what the plugin does when QGIS starts: stored jobs are resumed
manager.wait(timeout=120)
manager.stop()
"""


def test_a_killed_process_resumes_from_its_part_without_fetching_twice(tmp_path):
    size = 8_000_000
    content = PatternContent(size, seed=11)
    md5 = content.md5()
    path = "/dhus/odata/v1/Products('a1b2c3')/$value"
    with DownloadServer() as server:
        route = server.add_file(path, content, rate=2_000_000, require=basic_check("bob", PASSWORD))
        catalog_file = tmp_path / "catalog.json"
        catalog_file.write_text(json.dumps({"dhus": {"url": server.url + "/dhus", "enabled": True}}))
        product = make_product(portal="dhus", product_id="a1b2c3", name=S2 + ".SAFE", collection="S2_MSI_L1C",
                               download_url=server.url + path, size=size, checksums={"MD5": md5})
        db = tmp_path / "profile" / "downloads.sqlite"
        queue = JobQueue(db)
        job = Job(product=product, folder=str(tmp_path / "EO"))
        queue.save(job)
        queue.close()
        part = tmp_path / "EO" / f"{S2}.zip.part"
        env = {**os.environ, "EO_USER": "bob", "EO_PASS": PASSWORD}
        command = [sys.executable, "-c", RUN_QUEUE, str(ROOT), str(db), str(catalog_file)]

        first = subprocess.Popen(command, env=env, cwd=tmp_path)
        try:
            assert wait_until(lambda: part.exists() and part.stat().st_size > 1_500_000, timeout=30)
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
        finally:
            if first.poll() is None:
                first.kill()
        assert first.returncode == -signal.SIGKILL
        kept = part.stat().st_size
        assert 1_500_000 < kept < size
        assert JobQueue(db).load()[0].state is State.DOWNLOADING  # the dead process never said otherwise
        before = len(server.hits(path))

        route.rate = None
        second = subprocess.run(command, env=env, cwd=tmp_path, timeout=120)
        assert second.returncode == 0
        resumed = server.hits(path)[before:]

    assert [(h.status, h.range_start, h.bytes_sent) for h in resumed] == [(206, kept, size - kept)]
    final = tmp_path / "EO" / f"{S2}.zip"
    assert hashlib.md5(final.read_bytes()).hexdigest() == md5
    assert not part.exists()
    stored, = JobQueue(db).load()
    assert (stored.state, list(map(str, stored.notes))) == (State.DONE, [f"{S2}.zip: MD5 verified"])


def test_a_restart_announces_the_stored_jobs_and_remove_forgets_them(tmp_path):
    db = tmp_path / "downloads.sqlite"
    queue = JobQueue(db)
    done = Job(product=recorded_cdse_product(), folder=str(tmp_path), state=State.DONE, files=[str(tmp_path / "a.zip")])
    failed = Job(product=recorded_cdse_product(), folder=str(tmp_path), state=State.FAILED,
                 errors=[Failure("CDSE", ErrorKind.HTTP, "status", "HTTP 404: Product not found", 404,
                                 detail="Product not found")])
    for job in (done, failed):
        queue.save(job)
    queue.close()
    announced = []
    catalog = load_catalog(tmp_path / "none.json")
    manager = DownloadManager(Downloader(catalog), store=JobQueue(db), on_state=announced.append)
    manager.start()  # returns at once; the rows arrive through on_state, as they will in the Downloads tab
    try:
        assert manager.wait(timeout=10)
        # the error comes back as data: its kind, code, status and the portal's words, not only a text
        assert [(j.id, j.state, j.errors) for j in announced] == [(done.id, State.DONE, []),
                                                                  (failed.id, State.FAILED, failed.errors)]
        assert announced[1].error_text == "CDSE: HTTP 404: Product not found"
        manager.remove(done.id)
    finally:
        manager.stop()
    assert [j.id for j in JobQueue(db).load()] == [failed.id]
