"""Same graph, same numbers: the plugin's NDVI time-series graph run unchanged by openeo-processes-dask (the
engine of openEO's LocalConnection and of several back-ends; its own venv, `make venv-openeo-local`; skipped with
the reason without it) equals the plugin's local time series of the same parcels on the same COGs.

Both read the real Sentinel-2 L2A COGs of tile 34SGA (89.8 % cloud, 26 % no data: the SCL mask matters) from one
loopback Range server. The engine finds them through a loopback STAC API (tests/support/stac_api.py) holding the
scene's real Earth Search item once per date, its band assets pointed at the served files and described as served
(100 m / 200 m reductions, not the 10 m / 20 m originals the recorded item describes). The scene is served under
several dates (single-date fixtures): three inside the search's dates (the first and the last day among them), and
decoys the graph must leave out: the day before the start, the day after the end, and a date inside whose item says
95 % cloud (above the search's 90 %). tests/tools/openeo_local.py runs the graph in that venv; it registers the two
back-end specific processes (load_collection on the engine's own load_stac, and save_result).

Tolerance 1e-6 on each mean. Both sides take the same pixels: centres inside the parcel (GDAL's rasterize locally;
rasterio's geometry_mask through xvec in the engine; no all-touched fall-back, every parcel holds many pixels), on
the native 100 m grid of B04/B08 (the items describe the served files, so odc-stac loads on their grid), with the
200 m SCL taken by nearest neighbour on that grid (the local reader's warp; the engine's mask() aligns the mask by
resample_cube_spatial, method near). Only the arithmetic differs: odc-stac loads the bands as float32 (the items
give no data type), so the engine's NDVI and mean are float32 (a few 1e-9 off here), the local series float64 (it
scales to reflectance first: offset 0 for this 2020 product, the NDVI is unchanged). Another mask moves the partly
masked parcels' means by more than 1e-3, swapped bands flip their sign (both checked). The engine's mean ignores the
masked (NaN) pixels; a parcel without a valid pixel is NaN there, None locally.
"""
from __future__ import annotations

import json
import os
import subprocess
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

gdal = pytest.importorskip("osgeo.gdal", reason="GDAL's Python bindings read the pixels of the local series")
np = pytest.importorskip("numpy", reason="numpy finds the cloudy spot")
from shapely.geometry import Polygon, box  # noqa: E402

from plugin.core.http import HttpSettings  # noqa: E402
from plugin.core.openeo.graph import build_process, parcels_geojson, processes_used, spec_from_query  # noqa: E402
from plugin.core.query import SearchQuery  # noqa: E402
from plugin.core.subset import Access, Parcel, time_series  # noqa: E402
from tests.support.cog_server import CogServer  # noqa: E402
from tests.support.cogs import S2_CLOUDY, scene_file, served_item, served_product  # noqa: E402
from tests.support.replay import ReplayServer  # noqa: E402
from tests.support.stac_api import StacApi  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
ENV = "EO_PORTALS_OPENEO_LOCAL_VENV"
HARNESS = ROOT / "tests" / "tools" / "openeo_local.py"
COLLECTION = "SENTINEL2_L2A"  # the STAC API's (the back-end's) collection id
START, END, MAX_CLOUD = "2020-03-01", "2020-03-31", 90
INSIDE = [datetime(2020, 3, 1, 9, 11, 33, tzinfo=timezone.utc), datetime(2020, 3, 18, 9, 11, 33, tzinfo=timezone.utc),
          datetime(2020, 3, 31, 9, 11, 33, tzinfo=timezone.utc)]
BEFORE, AFTER = INSIDE[0] - timedelta(days=1), INSIDE[-1] + timedelta(days=1)
CLOUDIER = datetime(2020, 3, 23, 9, 11, 33, tzinfo=timezone.utc)
TOLERANCE = 1e-6  # float32 arithmetic in the engine (see the module's docstring)


def engine_python() -> Path:
    for candidate in (os.environ.get(ENV), ROOT / ".venv-openeo-local"):
        if candidate and (Path(candidate) / "bin" / "python").exists():
            return Path(candidate) / "bin" / "python"
    pytest.skip(f"openeo-processes-dask is not installed: run `make venv-openeo-local` (or set {ENV} to a venv "
                "made from tests/requirements-openeo-local.txt)")


def utm_to_lonlat(geometry):
    from osgeo import osr
    from shapely.ops import transform

    source, target = osr.SpatialReference(), osr.SpatialReference()
    source.ImportFromEPSG(32634)
    target.ImportFromEPSG(4326)
    for srs in (source, target):
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    change = osr.CoordinateTransformation(source, target)
    return transform(lambda xs, ys, z=None: tuple(zip(*[change.TransformPoint(x, y)[:2] for x, y in zip(xs, ys)])),
                     geometry)


def cloudy_square():
    """A 600 m square of the real SCL that is all cloud (classes 8-10): a parcel without any valid pixel."""
    dataset = gdal.Open(str(scene_file(S2_CLOUDY, "SCL")))
    scl = dataset.GetRasterBand(1).ReadAsArray()
    x0, dx, _, y0, _, dy = dataset.GetGeoTransform()
    cloudy = np.isin(scl, [8, 9, 10])
    r, c = next((r, c) for r in range(100, scl.shape[0] - 4, 2) for c in range(100, scl.shape[1] - 4, 2)
                if cloudy[r:r + 4, c:c + 4].all())
    return box(x0 + (c + 0.55) * dx, y0 + (r + 3.45) * dy, x0 + (c + 3.45) * dx, y0 + (r + 0.55) * dy)


def parcels_utm():
    """Parcels of tile 34SGA (EPSG:32634): partly masked ones (sea under cirrus; land under clouds), a clear one
    (sea), and one under cloud only."""
    return [Polygon([(758020, 3594030), (764480, 3594100), (763900, 3597970), (758100, 3597300)]),
            box(792030, 3596030, 794970, 3598970),
            box(730030, 3542030, 736970, 3545970),
            cloudy_square()]


def as_served(item: dict, scene_files: dict) -> dict:
    """The item as the STAC API serves it: its collection, only the served band assets, each described with the
    grid of the served file (proj:epsg/shape/transform read from it; the recorded item describes the 10 m
    originals), no links to the original's catalogue."""
    item = dict(item, collection=COLLECTION, links=[], stac_version="1.0.0")
    item["stac_extensions"] = ["https://stac-extensions.github.io/projection/v1.1.0/schema.json",
                               "https://stac-extensions.github.io/eo/v1.1.0/schema.json"]
    assets = {}
    for key in scene_files:
        asset = dict(item["assets"][key])
        dataset = gdal.Open(str(scene_file(S2_CLOUDY, key)))
        x0, dx, _, y0, _, dy = dataset.GetGeoTransform()
        asset.update({"proj:epsg": 32634, "proj:shape": [dataset.RasterYSize, dataset.RasterXSize],
                      "proj:transform": [dx, 0, x0, 0, dy, y0, 0, 0, 1], "roles": ["data"]})
        assets[key] = asset
    item["assets"] = assets
    return item


def run_engine(python: Path, stac_url: str, process: dict) -> dict:
    loopback = "127.0.0.1,localhost"
    env = dict(os.environ, NO_PROXY=loopback, no_proxy=loopback)  # curl (GDAL in rasterio) and requests go direct
    done = subprocess.run([str(python), str(HARNESS), stac_url], input=json.dumps(process).encode(),
                          capture_output=True, timeout=600, cwd=str(ROOT), env=env)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-4000:]
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def compared():
    """(parcels, local points, the engine's result, the graph, the STAC API's searches)."""
    python = engine_python()
    with CogServer() as cogs, ReplayServer() as replay:
        api = StacApi(replay, COLLECTION)
        prefix = "/" + uuid.uuid4().hex[:8]
        products = []
        for when in sorted(INSIDE + [BEFORE, AFTER, CLOUDIER]):
            item = as_served(served_item(cogs, S2_CLOUDY, when, prefix=prefix), S2_CLOUDY.files)
            if when == CLOUDIER:  # a decoy: the real item says 89.84 %
                item["properties"]["eo:cloud_cover"] = 95.0
            api.add(item)
            if when in INSIDE:  # what the plugin's search returns for these dates and 90 % cloud
                products.append(served_product(cogs, S2_CLOUDY, when, prefix=prefix))
        parcels_lonlat = [utm_to_lonlat(p) for p in parcels_utm()]
        parcels = [Parcel(f"p{i}", g) for i, g in enumerate(parcels_lonlat)]
        # the search area: the parcels' bounds and ~1 km around
        west = min(g.bounds[0] for g in parcels_lonlat) - 0.01
        south = min(g.bounds[1] for g in parcels_lonlat) - 0.01
        east = max(g.bounds[2] for g in parcels_lonlat) + 0.01
        north = max(g.bounds[3] for g in parcels_lonlat) + 0.01
        area = box(west, south, east, north)
        query = SearchQuery.create(area.wkt, START, END, "S2_MSI_L2A", max_cloud=MAX_CLOUD)
        spec = spec_from_query(query, "timeseries", COLLECTION, index="NDVI",
                               parcels=parcels_geojson([(p.geometry, {"id": p.id}) for p in parcels]))
        process = build_process(spec)
        local = list(time_series(products, parcels, "NDVI", None,
                                 access_for=lambda _portal: Access(HttpSettings(timeout=10))))
        result = run_engine(python, replay.url, process)
        yield parcels, local, result, process, api.searches


def test_the_graph_runs_unchanged_through_the_engine(compared):
    _, _, result, process, searches = compared
    assert processes_used(process["process_graph"]) == [
        "load_collection", "lte", "reduce_dimension", "array_element", "eq", "or", "mask", "ndvi",
        "aggregate_spatial", "mean", "save_result"]
    assert result["format"] == "CSV"
    # both load_collection nodes searched with the graph's area, dates (end exclusive: the day after END) and cloud
    assert len(searches) == 2
    for search in searches:
        assert search["collections"] == [COLLECTION]
        assert search["query"] == {"eo:cloud_cover": {"lte": MAX_CLOUD}}
        assert search["datetime"].startswith("2020-03-01T00:00:00") and "/2020-04-01T00:00:00" in search["datetime"]


def test_same_dates(compared):
    _, local, result, _, _ = compared
    local_dates = sorted({p.date.date().isoformat() for p in local})
    assert local_dates == ["2020-03-01", "2020-03-18", "2020-03-31"]
    assert [t[:10] for t in result["times"]] == local_dates  # no decoy: not the day before, after, nor the cloudier


def engine_value(result, parcels, point):
    row = result["values"][[p.id for p in parcels].index(point.parcel)]
    return row[[t[:10] for t in result["times"]].index(point.date.date().isoformat())]


def test_same_numbers_per_parcel_and_date(compared):
    parcels, local, result, _, _ = compared
    assert result["dims"][0] == "geometry" and len(result["values"]) == len(parcels)
    assert len(local) == len(parcels) * len(result["times"])
    assert result["dtype"] == "float32"  # the tolerance's reason: the engine computes in float32
    checked_values = checked_empty = 0
    for point in local:
        assert not point.error
        value = engine_value(result, parcels, point)
        if point.valid == 0:
            assert value is None, f"{point.parcel} {point.date}: no valid pixel locally, {value} by the engine"
            checked_empty += 1
        else:
            assert value == pytest.approx(point.mean, abs=TOLERANCE), f"{point.parcel} {point.date}"
            checked_values += 1
    assert checked_values == 3 * 3 and checked_empty == 3


def test_another_mask_or_index_would_be_seen(compared):
    """The comparison can fail: with only SCL's no-data class masked, the partly masked parcels' means move by far
    more than the tolerance, and every mean is far enough from 0 that swapped bands (the sign) would show."""
    parcels, local, result, _, _ = compared
    partly = {p.parcel for p in local if 0 < p.valid < p.total}
    clear = {p.parcel for p in local if p.valid == p.total}
    assert partly == {"p0", "p2"} and clear == {"p1"}
    with CogServer() as cogs:
        product = served_product(cogs, S2_CLOUDY, INSIDE[0], prefix="/" + uuid.uuid4().hex[:8])
        nodata_only = list(time_series([product], parcels, "NDVI", ["no_data"],
                                       access_for=lambda _portal: Access(HttpSettings(timeout=10))))
    for point in nodata_only:
        if point.parcel in partly:
            assert abs(point.mean - engine_value(result, parcels, point)) > 1000 * TOLERANCE
    assert all(abs(p.mean) > 1000 * TOLERANCE for p in local if p.valid)
