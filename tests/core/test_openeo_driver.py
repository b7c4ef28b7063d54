"""The openEO client and graphs against real back-end software: openeo-driver 0.136.0a4's dummy back-end on
loopback (its own venv; skipped with a reason without it). Every request is checked against the openEO API 1.2
OpenAPI document too."""
import pytest

from plugin.core.errors import ErrorKind, PortalError
from plugin.core.openeo.client import BasicBearer, OpenEOClient
from plugin.core.openeo.graph import JobSpec, build_process, parcels_geojson
from shapely.geometry import box
from tests.support.fixtures import fixture_path
from tests.support.openeo_driver import PASSWORD, USER, OpenEODriver
from tests.support.openeo_spec import ApiSpec, ValidatingSession

COLLECTION = "SENTINEL2_L2A_SENTINELHUB"  # the dummy's Sentinel-2 L2A, with an SCL band, over 2.5-6.2 E 49.5-51.5 N
BBOX = (5.0, 51.0, 5.1, 51.1)
PARCELS = parcels_geojson([(box(5.01, 51.01, 5.02, 51.02), {"id": 1})])


@pytest.fixture(scope="module")
def driver():
    with OpenEODriver() as running:
        yield running


@pytest.fixture
def client(driver):
    found = OpenEOClient.connect(driver.url, "openeo-driver", bearer=BasicBearer(USER, PASSWORD))
    session = ValidatingSession(ApiSpec(fixture_path("openeo/api/openapi.yaml")), found.url)
    found.session = session
    yield found
    assert session.problems == []


def kinds():
    return [
        JobSpec("composite", COLLECTION, BBOX, "2024-06-01", "2024-08-31", 20, ("B04", "B03", "B02"), period="month"),
        JobSpec("composite", COLLECTION, BBOX, "2024-06-01", "2024-08-31", 20, ("B04", "B08"), period="whole"),
        JobSpec("timeseries", COLLECTION, BBOX, "2024-06-01", "2024-08-31", 30, index="NDVI", parcels=PARCELS),
        JobSpec("stack", COLLECTION, BBOX, "2024-06-01", "2024-06-30", 80, ("B04", "B08"), format="GTiff"),
    ]


def test_discovers_api_1_2_and_maps_collections(client):
    assert client.url.endswith("/openeo/1.2")
    assert client.capabilities()["api_version"] == "1.2.0"
    assert client.unified_collections() == {"S2_MSI_L2A": COLLECTION, "S1_SAR_GRD": "SENTINEL1_GRD"}


@pytest.mark.parametrize("spec", kinds(), ids=lambda s: f"{s.kind}-{s.period}")
def test_the_back_end_accepts_every_kind_of_graph(client, spec):
    process = build_process(spec)
    problems = client.check(process)
    if spec.kind == "timeseries":  # the dummy offers only GTiff: the check names it, as it would for a user
        assert problems == ["openeo-driver cannot save results as CSV (it offers GTiff)"]
    else:
        assert problems == []
    assert client.validate(process) == []  # openeo-driver's own dry-run evaluation of the graph


def test_what_the_back_end_lacks_is_named(client):
    process = build_process(JobSpec("stack", "S2_FOOBAR", BBOX, "2024-06-01", "2024-06-30", None, ("B04", "B11")))
    assert client.check(process) == [
        "openeo-driver's collection S2_FOOBAR has no band B11 (it has B02, B03, B04, B08)",
        "openeo-driver's collection S2_FOOBAR has no band SCL (it has B02, B03, B04, B08)",
        "openeo-driver cannot save results as netCDF (it offers GTiff)"]
    far = build_process(JobSpec("stack", COLLECTION, (100.0, 10.0, 100.1, 10.1), "2018-01-01", "2018-06-30", None,
                                ("B04",)))
    problems = client.check(far)
    assert any("starts on 2019-01-01, after the job's dates" in p for p in problems)
    assert any("does not cover the area" in p for p in problems)


def test_sync_result_and_batch_job_lifecycle(client):
    process = build_process(kinds()[3])
    media, data = client.run_sync(process)
    assert media.startswith("image/tiff") and data  # the dummy's placeholder bytes
    job_id = client.create_job(process, title="EO Portals stack")
    assert client.job(job_id).status == "created"
    client.start_job(job_id)
    job = client.job(job_id)
    assert job.status in ("queued", "running") and job.title == "EO Portals stack"
    assert any(j.id == job_id for j in client.jobs())
    assert isinstance(client.logs(job_id), list)
    client.cancel(job_id)
    client.delete(job_id)  # the dummy accepts both (its job registry keeps the job)
    assert {f"DELETE /jobs/{job_id}/results", f"DELETE /jobs/{job_id}"} <= set(client.session.checked)
    with pytest.raises(PortalError) as caught:
        client.job("j-no-such-job")
    assert caught.value.status == 404 and str(caught.value).startswith("openeo-driver: refused the request (HTTP 404)")


def test_sync_result_over_the_size_limit_is_refused(client):
    with pytest.raises(PortalError, match="larger than 0 MB: run it as a batch job"):
        client.run_sync(build_process(kinds()[3]), max_bytes=10)


def test_wrong_password_is_refused_by_name(driver):
    wrong = OpenEOClient.connect(driver.url, "openeo-driver", bearer=BasicBearer(USER, "not-his-password"))
    with pytest.raises(PortalError) as caught:
        wrong.jobs()
    assert caught.value.kind is ErrorKind.AUTH and "sign-in was refused" in str(caught.value)
    assert "not-his-password" not in str(caught.value)


def test_oidc_provider_and_device_client_from_the_back_end(client):
    from plugin.core.openeo.oidc import choose_provider

    document = client._call("GET", "/credentials/oidc", auth=False)
    chosen = choose_provider(document)  # the dummy's providers: only "eoidc" names a device-code client
    assert (chosen.id, chosen.client_id, chosen.issuer) == ("eoidc", "badcafef00d", "https://eoidc.test")
    assert choose_provider(document, prefer="EGI").id == "egi"


@pytest.mark.parametrize("result_format", ["CSV", "JSON"])
def test_time_series_results_written_by_the_back_end_are_read(client, result_format):
    from plugin.core.openeo.timeseries import Point, parse_timeseries

    two = parcels_geojson([(box(5.01, 51.01, 5.02, 51.02), {"id": 1}), (box(5.03, 51.03, 5.04, 51.04), {"id": 2})])
    spec = JobSpec("timeseries", COLLECTION, BBOX, "2024-06-01", "2024-08-31", 30, index="NDVI", parcels=two,
                   format=result_format)
    # openeo-driver's own writers (its vector cube for a FeatureCollection) save the dummy back-end's series: for
    # each parcel and date, its two bands (the dummy does not reduce them), 2.345 and NaN (no valid pixel) first
    media, data = client.run_sync(build_process(spec))
    bands = ("B08", "B04") if result_format == "CSV" else ("0", "1")
    values = [2.345, None, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]
    expected = [Point(parcel, date, band, values.pop(0)) for parcel in (0, 1)
                for date in ("2015-07-06", "2015-08-22") for band in bands]
    assert sorted(parse_timeseries(data, media), key=lambda p: (p.parcel, p.date, bands.index(p.band))) == expected


@pytest.mark.parametrize("bands", [1, 2])
def test_time_series_csv_of_openeo_drivers_polygon_writer_is_read(tmp_path, bands):
    """AggregatePolygonResult.to_csv (openeo-driver's writer of a time series over a GeometryCollection), run in
    its own venv: one row per parcel, a column per date (and per band: <date>__01, __02)."""
    import json
    import subprocess

    from plugin.core.openeo.timeseries import Point, parse_timeseries
    from tests.support.openeo_driver import venv_python

    python = venv_python()
    if python is None:
        pytest.skip("openeo-driver is not installed: run `make venv-openeo`")
    series = {"2024-06-05T00:00:00Z": [[0.61, 0.2][:bands], [float("nan"), 0.3][:bands]],
              "2024-06-10T00:00:00Z": [[0.72, 0.4][:bands], [0.55, 0.5][:bands]]}
    script = (
        "import json, sys\n"
        "from shapely.geometry import GeometryCollection, box\n"
        "from openeo_driver.save_result import AggregatePolygonResult\n"
        "series = json.loads(sys.argv[1])\n"
        "regions = GeometryCollection([box(5.01, 51.01, 5.02, 51.02), box(5.03, 51.03, 5.04, 51.04)])\n"
        "AggregatePolygonResult(series, regions).to_csv(sys.argv[2])\n")
    target = tmp_path / "timeseries.csv"
    subprocess.run([str(python), "-c", script, json.dumps(series), str(target)], check=True,
                   timeout=120, cwd=str(tmp_path), capture_output=True)
    points = parse_timeseries(target.read_bytes(), "text/csv")
    names = ["0", "1"] if bands == 2 else [""]
    expected = []
    for parcel in (0, 1):
        for date, key in (("2024-06-05", "2024-06-05T00:00:00Z"), ("2024-06-10", "2024-06-10T00:00:00Z")):
            for band, name in enumerate(names):
                value = series[key][parcel][band]
                expected.append(Point(parcel, date, name, None if value != value else value))
    assert points == expected


def test_time_series_result_becomes_the_local_series_points(client):
    from plugin.core.openeo.timeseries import parcel_names, parse_timeseries, to_series_points

    named = parcels_geojson([(box(5.01, 51.01, 5.02, 51.02), {"name": "north field"}),
                             (box(5.03, 51.03, 5.04, 51.04), {"name": ""})])
    process = build_process(JobSpec("timeseries", COLLECTION, BBOX, "2024-06-01", "2024-08-31", 30, index="NDVI",
                                    parcels=named, format="JSON"))
    assert parcel_names(process) == ["north field", "2"]
    media, data = client.run_sync(process)
    points = to_series_points(parse_timeseries(data, media), parcel_names(process), "NDVI", "openeo-driver")
    assert [(p.parcel, p.date.date().isoformat(), p.mean, p.valid_fraction) for p in points] == [
        ("north field", "2015-07-06", 2.345, 1.0), ("north field", "2015-08-22", 2.0, 1.0),
        ("2", "2015-07-06", 4.0, 1.0), ("2", "2015-08-22", 6.0, 1.0)]
    assert {p.index for p in points} == {"NDVI"}


def test_formats_offered_for_each_kind_follow_the_back_ends_file_formats(client):
    """GET /file_formats of openeo-driver (GTiff only): for each kind, the formats the plugin opens, the kind's
    default first, and whether this back-end writes them; unknown (None) counts as written."""
    from plugin.core.openeo.graph import formats_for, writes

    offered = client.formats_or_none()
    assert writes(offered, "gtiff") and not writes(offered, "netCDF")
    assert formats_for("composite", offered) == [("GTiff", True), ("netCDF", False)]
    assert formats_for("stack", offered) == [("netCDF", False), ("GTiff", True)]
    assert formats_for("timeseries", offered) == [("CSV", False), ("JSON", False)]
    assert formats_for("timeseries", None) == [("CSV", True), ("JSON", True)]


def test_a_format_the_back_end_spells_otherwise_is_sent_under_its_spelling(client):
    """The API leaves format names to each back-end: "GeoTIFF" (or "geotiff") asked of a back-end that lists "GTiff"
    is the same format, checked as written and sent under the back-end's own name; a format it lacks is named."""
    from plugin.core.openeo.graph import backend_format, writes

    offered = client.formats_or_none()
    assert backend_format(offered, "GeoTIFF") == backend_format(offered, "tif") == "GTiff"
    assert writes(offered, "GTiff") and not writes(offered, "netCDF4")
    process = build_process(JobSpec("composite", COLLECTION, BBOX, "2024-06-01", "2024-08-31", 30,
                                    bands=("B04", "B03", "B02"), period="month"))
    (save,) = [node for node in process["process_graph"].values() if node["process_id"] == "save_result"]
    save["arguments"]["format"] = "GeoTIFF"
    assert client.check(process) == []
    assert save["arguments"]["format"] == "GTiff"
    save["arguments"]["format"] = "netCDF"
    assert [p for p in client.check(process) if "netCDF" in p] == [
        f"{client.title} cannot save results as netCDF (it offers GTiff)"]
