"""The openEO REST client on the real recorded CDSE answers (fixtures/openeo/cdse_recorded), served on loopback;
every request it sends is checked against the openEO API 1.2 OpenAPI document (fixtures/openeo/api)."""
import base64
import json
import threading

import pytest

from plugin.core.catalog import load_catalog
from plugin.core.errors import ErrorKind, PortalError
from plugin.core.openeo.check import collection_bands, map_collections
from plugin.core.openeo.client import (
    BasicBearer, JobFailed, OidcBearer, OpenEOClient, multihash_checksum, result_assets,
)
from plugin.core.openeo.graph import JobSpec, build_process
from plugin.core.openeo.results import download_results, result_product
from plugin.core.auth import OidcAuth
from plugin.core.download.fetch import RetryPolicy
from plugin.core.download.job import State
from tests.support.download_servers import DownloadServer, FileContent, OidcProvider
from tests.support.fixtures import fixture_bytes, fixture_json, fixture_path
from tests.support.openeo_spec import ApiSpec, ValidatingSession
from tests.support.replay import ReplayServer

API = "/openeo/1.2"
TOKEN = "t0ken-never-shown"
PASSWORD = "pa55-never-shown"
RUNNING_ID = "agg-pj-20250619-184509"  # the recorded running job's id


class Backend:
    """A loopback back-end replaying CDSE's recorded answers; sign-in and job states scripted by the test."""

    def __init__(self, server: ReplayServer):
        self.server = server
        self.states = ["openeo/cdse_recorded/openeofed_job_created.json",
                       "openeo/cdse_recorded/openeofed_job_running.json"]
        self.expire_next_poll = False
        self.tokens = {TOKEN}
        self.logins = 0
        caps = fixture_bytes("openeo/cdse_recorded/openeofed_capabilities.json")
        server.add("GET", API + "/", caps)
        server.add("GET", API + "/collections/SENTINEL2_L2A",
                   fixture_bytes("openeo/cdse_recorded/collection_SENTINEL2_L2A.json"))
        processes = fixture_json("openeo/cdse_recorded/processes_array.json")
        server.add("GET", API + "/processes", json.dumps({"processes": processes, "links": []}).encode())
        server.add("GET", API + "/credentials/basic", handler=self.login)
        server.add("POST", API + "/jobs", handler=self.create)
        server.add("POST", f"{API}/jobs/{RUNNING_ID}/results", handler=self.guarded(lambda r: (202, {}, b"")))
        server.add("GET", f"{API}/jobs/{RUNNING_ID}", handler=self.guarded(self.status))
        server.add("DELETE", f"{API}/jobs/{RUNNING_ID}/results", handler=self.guarded(lambda r: (204, {}, b"")))
        server.add("DELETE", f"{API}/jobs/{RUNNING_ID}", handler=self.guarded(lambda r: (204, {}, b"")))

    def login(self, request):
        expected = "Basic " + base64.b64encode(f"alice:{PASSWORD}".encode()).decode()
        if request.headers.get("Authorization") != expected:
            return 401, {}, json.dumps({"code": "CredentialsInvalid", "message": "Credentials are not correct."}).encode()
        self.logins += 1
        token = TOKEN if self.logins == 1 else f"{TOKEN}-{self.logins}"
        self.tokens.add(token)
        return 200, {}, json.dumps({"access_token": token}).encode()

    def guarded(self, handler):
        def serve(request):
            if request.headers.get("Authorization", "")[len("Bearer basic//"):] not in self.tokens:
                return 401, {}, json.dumps({"code": "TokenInvalid", "message": "Authorization token has expired or is invalid. Please authenticate again."}).encode()
            return handler(request)
        return serve

    def create(self, request):
        if request.headers.get("Authorization", "")[len("Bearer basic//"):] not in self.tokens:
            return 401, {}, b'{"code": "AuthenticationRequired", "message": "Unauthorized"}'
        return 201, {"OpenEO-Identifier": RUNNING_ID, "Location": f"{self.server.url}{API}/jobs/{RUNNING_ID}"}, b""

    def status(self, request):
        if self.expire_next_poll:
            self.expire_next_poll = False
            self.tokens = set()  # the back-end forgets every token: the client must sign in again and go on
            return 401, {}, b'{"code": "TokenInvalid", "message": "Authorization token has expired"}'
        name = self.states.pop(0) if len(self.states) > 1 else self.states[0]
        return 200, {}, fixture_bytes(name) if not name.startswith("{") else name.encode()


@pytest.fixture
def backend():
    with ReplayServer() as server:
        yield Backend(server)


@pytest.fixture
def api_spec():
    return ApiSpec(fixture_path("openeo/api/openapi.yaml"))


def client_for(backend, api_spec, password=PASSWORD):
    session = ValidatingSession(api_spec, backend.server.url + API)
    return OpenEOClient(backend.server.url + API, "CDSE openEO", bearer=BasicBearer("alice", password),
                        session=session)


def composite():
    return build_process(JobSpec("composite", "SENTINEL2_L2A", (5.07, 51.21, 5.1, 51.23), "2024-08-01",
                                 "2024-08-31", 50, ("B02", "B03", "B04"), period="month"))


def finished_status():
    job = fixture_json("openeo/cdse_recorded/openeofed_job_running.json")
    recorded_finished = next(j for j in fixture_json("openeo/cdse_recorded/openeofed_jobs_array.json")
                             if j["status"] == "finished")
    return json.dumps({**job, **{k: recorded_finished[k] for k in ("status", "progress")}})


def test_checks_a_graph_against_cdse_processes_and_collection(backend, api_spec):
    client = client_for(backend, api_spec)
    assert client.capabilities()["api_version"] == "1.2.0"
    assert client.check(composite()) == []
    assert "SCL" in collection_bands(client.collection("SENTINEL2_L2A"))
    lacking = build_process(JobSpec("stack", "SENTINEL2_L2A", (5.07, 51.21, 5.1, 51.23), "2014-01-01",
                                    "2014-12-31", None, ("B04", "B13"), scl_band=""))
    problems = client.check(lacking)
    assert "CDSE openEO's collection SENTINEL2_L2A has no band B13" in problems[0]
    assert "starts on 2015-07-04, after the job's dates" in problems[1]
    unknown = composite()
    unknown["process_graph"]["loadcollection1"]["process_id"] = "load_collection_x"
    assert "CDSE openEO lacks the process load_collection_x" in client.check(unknown)[0]
    assert client.session.problems == []


def test_job_lifecycle_on_recorded_answers_with_an_expired_token_mid_poll(backend, api_spec):
    client = client_for(backend, api_spec)
    job_id = client.create_job(composite(), title="EO Portals composite")
    assert job_id == RUNNING_ID
    client.start_job(job_id)
    backend.states.append(finished_status())
    seen = []
    backend.expire_next_poll = True  # the first poll meets an expired token
    job = client.wait(job_id, interval=0.01, on_progress=lambda j: seen.append(j.describe()))
    assert job.status == "finished"
    assert seen == ["created", "running, 50 %", "finished, 100 %"]
    assert backend.logins == 2  # signed in again once, then went on
    created = backend.server.received("POST", API + "/jobs")[0].json()
    assert created["title"] == "EO Portals composite" and created["process"] == composite()
    assert client.session.problems == []
    assert {"POST /jobs", "POST /jobs/agg-pj-20250619-184509/results", "GET /jobs/agg-pj-20250619-184509",
            "GET /credentials/basic"} <= set(client.session.checked)


def test_cancel_and_delete(backend, api_spec):
    client = client_for(backend, api_spec)
    stop = threading.Event()
    stop.set()
    with pytest.raises(PortalError) as caught:
        client.wait(RUNNING_ID, cancel=stop)
    assert caught.value.kind is ErrorKind.CANCELLED
    assert backend.server.received("DELETE", f"{API}/jobs/{RUNNING_ID}/results")
    client.delete(RUNNING_ID)
    assert backend.server.received("DELETE", f"{API}/jobs/{RUNNING_ID}")
    assert client.session.problems == []


def test_failed_job_reports_its_error_log(backend, api_spec):
    logs = {"logs": [{"id": "1", "level": "error", "message": "Collection SENTINEL2_L2A has no data in the area"}],
            "links": []}
    backend.server.add("GET", f"{API}/jobs/{RUNNING_ID}/logs", json.dumps(logs).encode())
    backend.states = [json.dumps({"id": RUNNING_ID, "status": "error", "process": composite()})]
    client = client_for(backend, api_spec)
    with pytest.raises(JobFailed) as caught:
        client.wait(RUNNING_ID, interval=0.01)
    assert str(caught.value) == ("CDSE openEO: the job agg-pj-20250619-184509 failed: Collection SENTINEL2_L2A "
                                 "has no data in the area")
    assert backend.server.received("GET", f"{API}/jobs/{RUNNING_ID}/logs")[0].query == {"level": "error"}
    assert client.session.problems == []


@pytest.mark.parametrize("status, body, expected", [
    (402, {"code": "PaymentRequired", "message": "Insufficient credits."}, "no credits left"),
    (403, {"code": "PermissionsInsufficient", "message": "Your credits are exhausted."}, "not enough credits"),
    (500, {"code": "Internal", "message": "Server error: Java heap space"}, "server error (HTTP 500)"),
    (503, {"code": "ServiceUnavailable", "message": "Service is under maintenance."}, "HTTP 503"),
])
def test_refusals_name_the_back_end_and_the_cause(backend, api_spec, status, body, expected):
    backend.server.add("POST", API + "/jobs", json.dumps(body).encode(), status=status)
    client = client_for(backend, api_spec)
    with pytest.raises(PortalError) as caught:
        client.create_job(composite())
    text = str(caught.value)
    assert text.startswith("CDSE openEO: ") and expected in text and body["message"] in text
    assert TOKEN not in text and PASSWORD not in text


def test_wrong_password_and_back_end_down(backend, api_spec):
    with pytest.raises(PortalError, match="sign-in was refused: check the user name and password") as caught:
        client_for(backend, api_spec, password="wrong-pw").create_job(composite())
    assert caught.value.kind is ErrorKind.AUTH
    down = OpenEOClient("http://127.0.0.1:9" + API, "CDSE openEO", bearer=BasicBearer("alice", PASSWORD))
    with pytest.raises(PortalError, match="CDSE openEO: cannot be reached") as caught:
        down.capabilities()
    assert caught.value.kind is ErrorKind.UNREACHABLE


def test_oidc_bearer_from_the_cdse_account_renews_its_token(backend, api_spec):
    provider = OidcProvider("alice", PASSWORD)
    with DownloadServer() as idp:
        idp.add_token_endpoint("/token", provider)
        tokens = OidcAuth("CDSE", None, idp.url + "/token", "cdse-public")
        from plugin.core.credentials import Credentials
        tokens.credentials = Credentials(username="alice", password=PASSWORD)
        valid = lambda r: provider.check({"Authorization": "Bearer " + r.headers.get("Authorization", "").rsplit("/", 1)[-1]}, {})
        backend.server.add("GET", f"{API}/jobs/{RUNNING_ID}", handler=lambda r: (
            (200, {}, fixture_bytes("openeo/cdse_recorded/openeofed_job_running.json")) if valid(r)
            else (401, {}, b'{"code": "TokenInvalid", "message": "expired"}')))
        session = ValidatingSession(api_spec, backend.server.url + API)
        client = OpenEOClient(backend.server.url + API, "CDSE openEO", bearer=OidcBearer("CDSE", tokens),
                              session=session)
        assert client.job(RUNNING_ID).describe() == "running, 50 %"
        provider.expire_access_tokens()
        assert client.job(RUNNING_ID).status == "running"
        sent = [r.headers["Authorization"] for r in backend.server.received("GET", f"{API}/jobs/{RUNNING_ID}")]
        assert all(value.startswith("Bearer oidc/CDSE/at-") for value in sent)
        assert provider.refreshes == 1 and provider.logins == 1
        assert session.problems == []


def test_results_document_to_assets_and_resumed_download(tmp_path, backend, api_spec):
    document = fixture_json("openeo/cdse_recorded/job_results_stac.json")
    assets = result_assets(document)
    assert sorted(assets)[:2] == ["openEO_0.nc", "openEO_1.nc"]
    first = assets["openEO_0.nc"]
    assert first.media_type == "application/x-netcdf" and first.href.startswith(
        "https://openeo.dataspace.copernicus.eu/openeo/1.2/jobs/j-24081385f06743a2a733b128b4f614ef/results/assets/")
    data = fixture_path("openeo/cdse_recorded/job_results_assets/openEO_0.nc")
    with DownloadServer() as files:
        # the recorded document, with its (expired) signed URLs moved to this loopback host; only openEO_0.nc
        # exists as a real file, so only it is kept
        path = "/" + first.href.split("/", 3)[3].split("?")[0]
        route = files.add_file(path, FileContent(data), cut_after=20000, cuts=1)
        document["assets"] = {"openEO_0.nc": {**document["assets"]["openEO_0.nc"],
                                              "href": files.url + path + "?expires=1724142870"}}
        catalog = load_catalog(env={})
        portal = catalog.portal("cdse_openeo")
        product = result_product(portal, "j-24081385f06743a2a733b128b4f614ef", document, "S2_MSI_L2A")
        client = client_for(backend, api_spec)
        job = download_results(catalog, portal, client, product, str(tmp_path),
                               policy=RetryPolicy(sleep=lambda s: None))
        assert job.state is State.DONE, job.error_text
        saved = tmp_path / "openEO_j-24081385f06743a2a733b128b4f614ef" / "openEO_0.nc"
        assert job.files == [str(saved)] and saved.read_bytes() == data.read_bytes()
        hits = files.hits(path)
        assert len(hits) == 2 and hits[1].range_start == 20000  # resumed where the cut left it
        # result files of the back-end's own site get its openEO bearer (not the download account's form)
        assert hits[0].headers["Authorization"] == "Bearer basic//" + TOKEN


def test_collection_mapping_and_checksums():
    assert map_collections(["SENTINEL1_GRD", "SENTINEL2_L2A", "S2_FOOBAR"]) == {
        "S2_MSI_L2A": "SENTINEL2_L2A", "S1_SAR_GRD": "SENTINEL1_GRD"}
    assert map_collections(["SENTINEL2_L2A_SENTINELHUB"]) == {"S2_MSI_L2A": "SENTINEL2_L2A_SENTINELHUB"}
    sha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert multihash_checksum("1220" + sha) == ("SHA256", sha)
    assert multihash_checksum("d50110" + "d41d8cd98f00b204e9800998ecf8427e") == ("MD5", "d41d8cd98f00b204e9800998ecf8427e")
    assert multihash_checksum("12" + sha) is None


def test_openeo_portals_are_in_the_catalog_and_never_searched():
    catalog = load_catalog(env={})
    backends = {p.id: p for p in catalog.openeo_backends()}
    assert backends["cdse_openeofed"].url == "https://openeofed.dataspace.copernicus.eu/openeo/1.2"
    assert backends["cdse_openeo"].url == "https://openeo.dataspace.copernicus.eu/openeo/1.2"
    assert all(p.get("auth_portal") == "cdse" for p in backends.values())
    assert not any(p.protocol == "openeo" for p in catalog.for_collection("S2_MSI_L2A"))
    from shapely.geometry import box
    from plugin.core.query import SearchQuery
    from plugin.core.search import search_portal
    query = SearchQuery.create(box(5, 51, 5.1, 51.1).wkt, "2024-06-01", "2024-06-30", "S2_MSI_L2A")
    products, outcome, _ = search_portal(backends["cdse_openeo"], query, budget=2)
    assert products == [] and "openEO back-end" in str(outcome.error)
