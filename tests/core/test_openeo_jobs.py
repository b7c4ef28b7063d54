"""openEO jobs kept in the download queue's SQLite file across restarts, refreshed from CDSE's recorded answers."""
import json
import sqlite3

from plugin.core.download.queue import JobQueue
from plugin.core.openeo.client import BasicBearer, OpenEOClient
from plugin.core.openeo.jobs import JobRecord, JobStore, refresh
from tests.core.test_openeo_client import API, PASSWORD, RUNNING_ID, TOKEN, Backend, composite
from tests.support.replay import ReplayServer


def test_jobs_survive_a_restart_beside_the_download_queue(tmp_path):
    path = tmp_path / "eo_portals" / "downloads.sqlite"
    queue = JobQueue(path)  # the download queue made the file first, as in the plugin
    store = JobStore(path)
    store.save(JobRecord("cdse_openeofed", "j-1", title="NDVI time series", kind="timeseries", process=composite()))
    store.save(JobRecord("cdse_openeofed", "j-2", title="June composite", kind="composite", status="running",
                         progress=40.0, created=1.0))
    store.close()
    queue.close()
    again = JobStore(path)  # QGIS restarted
    records = again.load()
    assert [(r.job_id, r.title, r.status) for r in records] == [
        ("j-1", "NDVI time series", "created"), ("j-2", "June composite", "running")]
    assert records[0].process == composite() and records[1].describe() == "running, 40 %"
    again.remove("cdse_openeofed", "j-1")
    assert [r.job_id for r in again.load()] == ["j-2"]
    assert JobQueue(path).load() == []  # the download queue's own table is untouched
    with sqlite3.connect(path) as db:
        text = "\n".join(str(row) for row in db.execute("SELECT * FROM openeo_jobs"))
    assert TOKEN not in text and PASSWORD not in text


def test_refresh_from_the_back_end_and_error_logs(tmp_path):
    with ReplayServer() as server:
        backend = Backend(server)
        client = OpenEOClient(server.url + API, "CDSE openEO", bearer=BasicBearer("alice", PASSWORD))
        record = JobRecord("cdse_openeofed", RUNNING_ID)
        assert refresh(client, record).describe() == "created"
        assert refresh(client, record).describe() == "running, 50 %"
        logs = {"logs": [{"id": "1", "level": "error", "message": "OpenEOApiException: out of memory"}],
                "links": []}
        server.add("GET", f"{API}/jobs/{RUNNING_ID}/logs", json.dumps(logs).encode())
        backend.states = [json.dumps({"id": RUNNING_ID, "status": "error", "costs": 1.5})]
        refresh(client, record)
        assert (record.status, record.costs, record.error) == ("error", 1.5, "OpenEOApiException: out of memory")
        assert record.describe() == "error, 1.5 credits"
