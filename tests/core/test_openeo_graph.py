"""openEO process graphs built from a search: checked against openEO's process specifications and CDSE's
recorded process list and SENTINEL2_L2A metadata (fixtures/openeo), not against JSON typed here."""
import json

import pytest
from shapely.geometry import box

from plugin.core.errors import QueryError
from plugin.core.openeo.check import check_against
from plugin.core.openeo.graph import (
    INDICES, JobSpec, build_process, collections_used, parcels_geojson, processes_used, spec_from_query,
)
from plugin.core.query import SearchQuery
from tests.support.fixtures import fixture_json, fixture_path
from tests.support.openeo_spec import ProcessSpecs

PARCELS = parcels_geojson([(box(5.05, 51.21, 5.06, 51.22), {"name": "north field"}),
                           (box(5.07, 51.20, 5.08, 51.215), {"name": "south field"})])
BBOX = (5.0, 51.2, 5.1, 51.3)


def specs_cases():
    return [
        JobSpec("composite", "SENTINEL2_L2A", BBOX, "2024-06-01", "2024-08-31", 20, ("B04", "B03", "B02"),
                period="month"),
        JobSpec("composite", "SENTINEL2_L2A", BBOX, "2024-03-01", "2024-11-30", None, ("B08",), period="season",
                format="netCDF"),
        JobSpec("composite", "SENTINEL2_L2A", BBOX, "2024-06-01", "2024-06-20", 50, ("B04", "B08"), period="whole"),
        JobSpec("timeseries", "SENTINEL2_L2A", BBOX, "2024-06-01", "2024-08-31", 30, index="NDVI", parcels=PARCELS),
        JobSpec("timeseries", "SENTINEL2_L2A", BBOX, "2024-06-01", "2024-08-31", 30, index="NDMI", parcels=PARCELS,
                format="JSON"),
        JobSpec("stack", "SENTINEL2_L2A", BBOX, "2024-06-01", "2024-06-30", 80, ("B04", "B08")),
        JobSpec("stack", "SENTINEL2_L2A", BBOX, "2024-06-01", "2024-06-30", None, ("B02",), scl_band=""),
    ]


@pytest.fixture(scope="module")
def specs():
    cdse = fixture_json("openeo/cdse_recorded/processes_array.json")
    return ProcessSpecs(fixture_path("openeo/processes"), cdse)


@pytest.mark.parametrize("spec", specs_cases(), ids=lambda s: f"{s.kind}-{s.period or s.index}-{s.output_format}")
def test_every_graph_follows_the_process_specifications(spec, specs):
    graph = build_process(spec)["process_graph"]
    assert specs.check_graph(graph) == []
    # the standard processes the graph relies on are checked against their openeo-processes 2.0.0-rc.1 files
    for process_id in ("load_collection", "mask", "reduce_dimension", "save_result", "array_element"):
        if process_id in processes_used(graph):
            assert process_id in specs.from_files


@pytest.mark.parametrize("spec", specs_cases(), ids=lambda s: f"{s.kind}-{s.output_format}")
def test_every_graph_runs_on_cdse_by_its_recorded_processes_and_collection(spec):
    processes = {p["id"]: p for p in fixture_json("openeo/cdse_recorded/processes_array.json")}
    collection = fixture_json("openeo/cdse_recorded/collection_SENTINEL2_L2A.json")
    graph = build_process(spec)["process_graph"]
    assert check_against(graph, processes, {"SENTINEL2_L2A": collection}, "CDSE openEO") == []


def test_the_validator_catches_what_a_back_end_would_refuse(specs):
    graph = build_process(specs_cases()[0])["process_graph"]
    broken = json.loads(json.dumps(graph))
    del broken["loadcollection1"]["arguments"]["spatial_extent"]
    broken["savecollection"] = {"process_id": "save_reslt", "arguments": {}}
    broken["mask1"]["arguments"]["data"] = {"from_node": "nowhere"}
    broken["reducedimension1"]["arguments"]["reducer"]["process_graph"]["scl"]["arguments"]["data"] = \
        {"from_parameter": "x"}
    broken["aggregatetemporalperiod1"]["arguments"]["period"] = "fortnight"
    problems = "\n".join(specs.check_graph(broken))
    for expected in ("needs the argument 'spatial_extent'", "unknown process 'save_reslt'", "'nowhere' is no node",
                     "from_parameter 'x'", "\"fortnight\" matches none"):
        assert expected in problems


def test_composite_reads_masks_and_reduces_as_asked():
    spec = specs_cases()[0]
    graph = build_process(spec)["process_graph"]
    loads = [n["arguments"] for n in graph.values() if n["process_id"] == "load_collection"]
    assert [a["bands"] for a in loads] == [["B04", "B03", "B02"], ["SCL"]]
    for arguments in loads:
        assert arguments["spatial_extent"] == {"west": 5.0, "south": 51.2, "east": 5.1, "north": 51.3, "crs": 4326}
        assert arguments["temporal_extent"] == ["2024-06-01", "2024-09-01"]  # end day included: exclusive end + 1
        lte = arguments["properties"]["eo:cloud_cover"]["process_graph"]["lte1"]
        assert lte["process_id"] == "lte" and lte["arguments"]["y"] == 20
    reducer = next(n for n in graph.values() if n["process_id"] == "reduce_dimension")["arguments"]
    assert reducer["dimension"] == "bands"
    masked = {n["arguments"]["y"] for n in reducer["reducer"]["process_graph"].values() if n["process_id"] == "eq"}
    assert masked == {0, 1, 3, 8, 9, 10, 11}  # the local time series defaults: no data, defective, shadows, clouds, cirrus, snow
    period = next(n for n in graph.values() if n["process_id"] == "aggregate_temporal_period")["arguments"]
    assert period["period"] == "month"
    assert period["reducer"]["process_graph"]["median1"]["process_id"] == "median"
    save = [n for n in graph.values() if n.get("result")]
    assert len(save) == 1 and save[0]["process_id"] == "save_result" and save[0]["arguments"]["format"] == "GTiff"


def test_time_series_averages_the_index_over_each_parcel():
    ndvi = build_process(specs_cases()[3])["process_graph"]
    index = next(n for n in ndvi.values() if n["process_id"] == "ndvi")["arguments"]
    assert (index["nir"], index["red"]) == ("B08", "B04")
    aggregate = next(n for n in ndvi.values() if n["process_id"] == "aggregate_spatial")["arguments"]
    assert aggregate["geometries"] == PARCELS
    assert aggregate["reducer"]["process_graph"]["mean1"]["process_id"] == "mean"
    assert collections_used(ndvi) == {"SENTINEL2_L2A": ["B08", "B04", "SCL"]}
    ndmi = build_process(specs_cases()[4])["process_graph"]
    assert "normalized_difference" in processes_used(ndmi) and "ndvi" not in processes_used(ndmi)
    assert collections_used(ndmi)["SENTINEL2_L2A"][:2] == list(INDICES["NDMI"])


def test_unmasked_stack_reads_no_scl():
    graph = build_process(specs_cases()[-1])["process_graph"]
    assert processes_used(graph) == ["load_collection", "save_result"]
    assert collections_used(graph) == {"SENTINEL2_L2A": ["B02"]}


def test_spec_from_a_search_query_keeps_its_area_dates_and_cloud_limit():
    query = SearchQuery.create(box(5.0, 51.2, 5.1, 51.3).wkt, "2024-06-01", "2024-06-30", "S2_MSI_L2A",
                               max_cloud=35)
    spec = spec_from_query(query, "stack", "SENTINEL2_L2A", bands=("B04",))
    assert spec.bbox == pytest.approx(BBOX)
    assert (spec.start, spec.end, spec.max_cloud) == ("2024-06-01", "2024-06-30", 35)


@pytest.mark.parametrize("change, message", [
    (dict(kind="mosaic"), "Unknown kind"),
    (dict(bands=()), "at least one band"),
    (dict(start="2024-09-01"), "before its start date"),
    (dict(period="fortnight"), "Unknown period"),
    (dict(max_cloud=140), "between 0 and 100"),
    (dict(bbox=(5.1, 51.2, 5.0, 51.3)), "area of the job is empty"),
    (dict(kind="timeseries", index="NDVI"), "needs parcels"),
    (dict(kind="timeseries", index="XYZ", parcels=PARCELS), "Unknown index 'XYZ'"),
    (dict(format="CSV"), "GeoTIFF or netCDF"),
])
def test_bad_requests_say_what_is_wrong(change, message):
    base = dict(kind="composite", collection="SENTINEL2_L2A", bbox=BBOX, start="2024-06-01", end="2024-08-31",
                bands=("B04",))
    base.update(change)
    with pytest.raises(QueryError, match=message):
        build_process(JobSpec(**base))
