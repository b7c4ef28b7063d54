"""The plugin's graphs checked by a second, independent openEO back-end: titiler-openeo 0.19 (MIT), on loopback,
its collections from a loopback STAC API replaying Planetary Computer's recorded landing page and sentinel-2-l2a
collection. Skipped without its venv (`make venv-titiler`, optional: it is large).

What titiler-openeo shows: it has no aggregate_temporal_period, so the monthly composite is refused by name, while
the whole-period composite and the stack pass; the NDVI time series uses only processes it has but it writes no
JSON/CSV (GTiff, JPEG, PNG only), which the check says. It computes only over the items its STAC API finds; no recorded STAC API answers for our COGs exist, so no
numbers are compared here.
"""
import json
import os
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import requests
from shapely.geometry import box

from plugin.core.openeo.check import collection_bands
from plugin.core.openeo.client import BasicBearer, OpenEOClient
from plugin.core.openeo.graph import JobSpec, build_process, parcels_geojson
from tests.support.fixtures import cassette
from tests.support.replay import ReplayServer

ROOT = Path(__file__).resolve().parents[2]


def titiler_python():
    for candidate in (os.environ.get("EO_PORTALS_TITILER_VENV"), ROOT / ".venv-titiler"):
        if candidate and (Path(candidate) / "bin" / "python").exists():
            return Path(candidate) / "bin" / "python"
    pytest.skip("titiler-openeo is not installed: run `make venv-titiler` (optional)")


@pytest.fixture(scope="module")
def titiler(tmp_path_factory):
    python = titiler_python()
    recorded = {item["uri"].rstrip("/"): item["body"]
                for item in cassette("planetary_computer/cassette_landing_and_collection.yaml")}
    landing = recorded["https://planetarycomputer.microsoft.com/api/stac/v1"]
    collection = recorded["https://planetarycomputer.microsoft.com/api/stac/v1/collections/sentinel-2-l2a"]
    with ReplayServer() as stac:
        base = "https://planetarycomputer.microsoft.com/api/stac/v1"
        stac.add("GET", "/", landing.replace(base.encode(), stac.url.encode()))
        body = collection.replace(base.encode(), stac.url.encode())
        stac.add("GET", "/collections/sentinel-2-l2a", body)
        stac.add("GET", "/collections", json.dumps({"collections": [json.loads(body)], "links": []}).encode())
        folder = tmp_path_factory.mktemp("titiler")
        (folder / "store.json").write_text("{}", encoding="utf-8")
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONHOME")}
        env.update(TITILER_OPENEO_STAC_API_URL=stac.url + "/", TITILER_OPENEO_STORE_URL=str(folder / "store.json"))
        process = subprocess.Popen([str(python), "-m", "uvicorn", "titiler.openeo.main:app", "--host", "127.0.0.1",
                                    "--port", str(port)], env=env, cwd=tempfile.gettempdir(),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                try:
                    if requests.get(url + "/", timeout=2).ok:
                        break
                except requests.RequestException:
                    time.sleep(0.3)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=20)


def spec(**values):
    base = dict(kind="stack", collection="sentinel-2-l2a", bbox=(5.0, 51.2, 5.1, 51.3), start="2024-06-01",
                end="2024-06-30", max_cloud=30, bands=("B04", "B08"), scl_band="SCL", format="GTiff")
    base.update(values)
    return JobSpec(**base)


def test_titiler_openeo_checks_the_plugins_graphs(titiler):
    client = OpenEOClient.connect(titiler, "titiler-openeo", bearer=BasicBearer("test", "test"))
    assert client.capabilities()["api_version"] == "1.2.0"
    assert client.check(build_process(spec(kind="composite", period="month"))) == [
        "titiler-openeo lacks the process aggregate_temporal_period"]
    assert client.check(build_process(spec(kind="composite", period="whole"))) == []
    assert client.check(build_process(spec())) == []
    parcels = parcels_geojson([(box(5.01, 51.21, 5.02, 51.22), {"name": "north field"})])
    # the time series' processes (ndvi, aggregate_spatial, mask...) are all there; only the format is refused
    assert client.check(build_process(spec(kind="timeseries", index="NDVI", parcels=parcels, format="JSON"))) == [
        "titiler-openeo cannot save results as JSON (it offers GTiff, JPEG, PNG)"]
    # the collection's bands as titiler-openeo derives them from Planetary Computer's recorded collection
    assert {"B04", "B08", "SCL"} <= set(collection_bands(client.collection("sentinel-2-l2a")))
    assert client.check(build_process(spec(bands=("B04", "B99"))))[0].startswith(
        "titiler-openeo's collection sentinel-2-l2a has no band B99 (it has AOT, B01")
