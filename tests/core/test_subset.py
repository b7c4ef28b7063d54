"""Area subsets and parcel statistics (plugin/core/subset.py) on the real COGs of $EO_PORTALS_FIXTURES/cogs.

The COGs are served by a loopback server with Range support that counts requests and bytes (tests/support/
cog_server.py); products come from the scenes' real STAC items with their band hrefs pointed at it
(tests/support/cogs.py). The fixtures are single dates: multi-date series serve the same files under several
paths, one per date, and give each product that date (the pixels repeat; the reading, masking and concurrency
are what is tested). Every output is checked against an independent reading of the fixture files with GDAL and
numpy: subsets pixel for pixel in the asset's own grid, statistics within 1e-6.
"""
from __future__ import annotations

import threading
import time
import uuid

import pytest

gdal = pytest.importorskip("osgeo.gdal", reason="GDAL's Python bindings read the pixels")
np = pytest.importorskip("numpy", reason="numpy gives the independent reading")
from osgeo import osr  # noqa: E402
from shapely.geometry import MultiPolygon, Point, Polygon, box  # noqa: E402
from shapely.ops import transform as shapely_transform  # noqa: E402

from plugin.core.auth import ApiKeyAuth, SasAuth  # noqa: E402
from plugin.core.bands import SCL  # noqa: E402
from plugin.core.http import HttpSettings  # noqa: E402
from plugin.core.query import SearchQuery  # noqa: E402
from plugin.core.subset import Access, Parcel, SeriesRun, subset_product, time_series  # noqa: E402
from tests.support.cog_server import CogServer  # noqa: E402
from tests.support.cogs import (L1C_ZIP, LANDSAT, S2_CLEAR, S2_CLOUDY, fixtures_root, scene_file,  # noqa: E402
                                served_product, utc)
from tests.support.download_servers import DownloadServer, SasIssuer  # noqa: E402


@pytest.fixture
def server():
    with CogServer() as cog_server:
        yield cog_server


def prefix() -> str:
    """A path prefix of its own: GDAL caches what it read per URL for the whole process."""
    return "/" + uuid.uuid4().hex[:8]


def plain_access(_portal: str) -> Access:
    return Access(HttpSettings(timeout=10))


# ---- independent reading -----------------------------------------------------------------------------------
def to_utm(geometry, epsg: int):
    source, target = osr.SpatialReference(), osr.SpatialReference()
    source.ImportFromEPSG(4326)
    target.ImportFromEPSG(epsg)
    for srs in (source, target):
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    transform = osr.CoordinateTransformation(source, target)
    return shapely_transform(lambda x, y, z=None: tuple(zip(*[transform.TransformPoint(a, b)[:2]
                                                              for a, b in zip(x, y)])), geometry)


def to_lonlat(geometry, epsg: int):
    source, target = osr.SpatialReference(), osr.SpatialReference()
    source.ImportFromEPSG(epsg)
    target.ImportFromEPSG(4326)
    for srs in (source, target):
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    transform = osr.CoordinateTransformation(source, target)
    return shapely_transform(lambda x, y, z=None: tuple(zip(*[transform.TransformPoint(a, b)[:2]
                                                              for a, b in zip(x, y)])), geometry)


def read_all(path) -> tuple:
    dataset = gdal.Open(str(path))
    return dataset.GetRasterBand(1).ReadAsArray().astype("float64"), dataset.GetGeoTransform()


def check_subset_is_exact(output_path, band_number, source_path, utm_area):
    """The output band is the source's pixels at an integer offset, and its extent is the smallest window of
    the source grid covering the area (within the source raster)."""
    out = gdal.Open(output_path)
    ox, odx, _, oy, _, ody = out.GetGeoTransform()
    pixels = out.GetRasterBand(band_number).ReadAsArray()
    source, (sx, sdx, _, sy, _, sdy) = read_all(source_path)
    assert (odx, ody) == (sdx, sdy)
    col, row = (ox - sx) / sdx, (oy - sy) / sdy
    assert col == int(col) and row == int(row), "the subset is not on the asset's grid"
    col, row = int(col), int(row)
    assert np.array_equal(pixels, source[row:row + out.RasterYSize, col:col + out.RasterXSize])
    minx, miny, maxx, maxy = utm_area.bounds
    height, width = source.shape
    tolerance = 1e-6  # of a pixel: an area edge on a pixel edge, after two transforms, does not take the next one
    assert col == max(0, int(np.floor((minx - sx) / sdx + tolerance)))
    assert row == max(0, int(np.floor((maxy - sy) / sdy + tolerance)))
    assert col + out.RasterXSize == min(width, int(np.ceil((maxx - sx) / sdx - tolerance)))
    assert row + out.RasterYSize == min(height, int(np.ceil((miny - sy) / sdy - tolerance)))
    return col, row


def check_scl_is_nearest(output_path, band_number, col, row):
    """The clear scene's SCL (200 m) on the output's 100 m grid, whose first pixel is (col, row) of the 100 m
    bands, by nearest neighbour: each output pixel is the SCL pixel under its centre."""
    scl, _ = read_all(scene_file(S2_CLEAR, "scl"))
    out = gdal.Open(output_path)
    rows = (row + np.arange(out.RasterYSize)) // 2
    cols = (col + np.arange(out.RasterXSize)) // 2
    assert np.array_equal(out.GetRasterBand(band_number).ReadAsArray(), scl[np.ix_(rows, cols)])


# ---- subsets -----------------------------------------------------------------------------------------------
def test_subset_reads_only_the_blocks_and_writes_one_cog_pixel_exact(server, tmp_path):
    product = served_product(server, S2_CLEAR, prefix=prefix())
    utm_area = box(250040, 2750070, 253330, 2753020)  # about 3.3 x 3 km in the tile, off the pixel edges
    area = to_lonlat(utm_area, 32629)
    progress = []

    result = subset_product(product, ["B04", "B08", "SCL"], area, str(tmp_path), access_for=plain_access,
                            portal_title=lambda p: "Earth Search", progress=progress.append)

    assert result.ok, result.error
    assert [p.name for p in tmp_path.iterdir()] == [f"{product.title}_B04-B08-SCL.tif"]  # no .part left
    check_subset_is_exact(result.path, 1, scene_file(S2_CLEAR, "red"), to_utm(area, 32629))
    col, row = check_subset_is_exact(result.path, 2, scene_file(S2_CLEAR, "nir"), to_utm(area, 32629))
    check_scl_is_nearest(result.path, 3, col, row)
    out = gdal.Open(result.path)
    # what the file says about itself
    assert [out.GetRasterBand(i).GetDescription() for i in (1, 2, 3)] == ["B04", "B08", "SCL"]
    assert out.GetRasterBand(1).GetNoDataValue() == 0
    assert out.GetRasterBand(1).GetScale() == pytest.approx(0.0001) and out.GetRasterBand(1).GetOffset() == 0
    metadata = out.GetMetadata()
    assert metadata["PRODUCT"] == product.title and metadata["PORTAL"] == "Earth Search"
    assert metadata["DATETIME"].startswith("2020-02-19T11:34") and float(metadata["CLOUD_COVER"]) == pytest.approx(4.05, abs=0.01)
    assert out.GetMetadata("IMAGE_STRUCTURE").get("LAYOUT") == "COG"
    # bytes: what GDAL says it read is what the server sent, a fraction of the three files
    sent = server.bytes_sent()
    assert result.bytes_read == sent
    assert result.full_size == sum(scene_file(S2_CLEAR, k).stat().st_size for k in ("red", "nir", "scl"))
    assert result.bytes_read < result.full_size / 2
    assert progress and progress[-1] == result.bytes_read and progress == sorted(progress)
    assert result.summary().endswith("read instead of 4.8 MB")


def test_small_blocks_read_a_small_fraction(server, tmp_path):
    # 34SGA has 64 x 64 blocks: a 2 x 2 km area needs a few of them
    product = served_product(server, S2_CLOUDY, prefix=prefix())
    area = to_lonlat(box(760030, 3540030, 762030, 3542030), 32634)
    result = subset_product(product, ["ndvi"], area, str(tmp_path), access_for=plain_access)
    assert result.ok, result.error
    check_subset_is_exact(result.path, 1, scene_file(S2_CLOUDY, "B04"), to_utm(area, 32634))
    assert result.bytes_read == server.bytes_sent()
    assert result.bytes_read / result.full_size < 0.05


def test_area_partly_outside_the_product_is_clipped_to_it(server, tmp_path):
    product = served_product(server, S2_CLEAR, prefix=prefix())
    # the tile's west edge is x = 199980: this area starts 5 km west of it
    utm_area = box(195000, 2700000, 203000, 2704000)
    area = to_lonlat(utm_area, 32629)
    result = subset_product(product, ["B04"], area, str(tmp_path), access_for=plain_access)
    assert result.ok and result.clipped
    col, _ = check_subset_is_exact(result.path, 1, scene_file(S2_CLEAR, "red"), to_utm(area, 32629))
    assert col == 0


def test_area_outside_the_product_is_an_error_not_a_file(server, tmp_path):
    product = served_product(server, S2_CLEAR, prefix=prefix())
    area = box(30.0, 10.0, 30.1, 10.1)
    result = subset_product(product, ["B04"], area, str(tmp_path), access_for=plain_access)
    assert not result.ok and result.error == "the area does not cover this product"
    assert list(tmp_path.iterdir()) == []


def test_area_across_the_antimeridian(server, tmp_path):
    # The fixtures are far from 180°: a copy of the 29RKH red band is relocated to UTM zone 60 north (pixels
    # unchanged, origin moved so that the tile straddles 180° at 25° N) and served like the others.
    moved = tmp_path / "moved"
    moved.mkdir()
    target = moved / "B04.tif"
    gdal.Translate(str(target), str(scene_file(S2_CLEAR, "red")), format="COG",
                   outputSRS="EPSG:32660", outputBounds=[750000, 2800020, 859800, 2690220])
    product = served_product(server, S2_CLEAR, prefix=prefix())
    url = server.add(f"/moved/{uuid.uuid4().hex[:6]}/B04.tif", target)
    product.sources[0].assets["red"].href = url
    # the query splits the area at 180°, as the dock hands it over
    query = SearchQuery.create("POLYGON((179.9 25.0,180.1 25.0,180.1 25.1,179.9 25.1,179.9 25.0))",
                               "2020-01-01", "2020-12-31", "S2_MSI_L2A")
    assert isinstance(query.geometry, MultiPolygon)
    result = subset_product(product, ["B04"], query.geometry, str(tmp_path / "out"), access_for=plain_access)
    assert result.ok, result.error
    out = gdal.Open(result.path)
    assert out.RasterXSize > 150  # both sides of 180° (about 20 km), not one of them
    utm_area = MultiPolygon([to_utm(part, 32660) for part in query.geometry.geoms])
    check_subset_is_exact(result.path, 1, target, utm_area)


def test_bands_of_another_resolution_are_resampled_with_the_chosen_method(server, tmp_path):
    product = served_product(server, S2_CLEAR, prefix=prefix())
    area = to_lonlat(box(250040, 2750070, 251330, 2751020), 32629)
    nearest = subset_product(product, ["B04", "SCL"], area, str(tmp_path / "n"), access_for=plain_access)
    bilinear = subset_product(product, ["B04", "B08"], area, str(tmp_path / "b"), access_for=plain_access,
                              resampling="bilinear")
    assert nearest.ok and bilinear.ok
    assert gdal.Open(bilinear.path).GetMetadata()["RESAMPLING"] == "bilinear"
    # SCL is a class band: never interpolated, whatever the method
    written = gdal.Open(nearest.path)  # kept: a band outliving its dataset crashes GDAL 3.6's bindings
    scl_values = set(np.unique(written.GetRasterBand(2).ReadAsArray()))
    assert scl_values <= set(range(12))
    with pytest.raises(ValueError, match="unknown resampling"):
        subset_product(product, ["B04"], area, str(tmp_path), access_for=plain_access, resampling="magic")


def test_server_without_range_support_is_read_whole_once(server, tmp_path):
    product = served_product(server, S2_CLEAR, prefix=prefix(), ranges=False)
    area = to_lonlat(box(250040, 2750070, 253330, 2753020), 32629)
    result = subset_product(product, ["B04", "B08"], area, str(tmp_path), access_for=plain_access)
    assert result.ok, result.error
    assert result.whole_files == 2
    check_subset_is_exact(result.path, 2, scene_file(S2_CLEAR, "nir"), to_utm(area, 32629))
    whole = [r for r in server.requests() if r.method == "GET" and "Range" not in r.headers]
    assert sorted(r.path.rsplit("/", 1)[1] for r in whole) == ["B04.tif", "B08.tif"]


def test_connection_cut_mid_read_is_retried(server, tmp_path):
    product = served_product(server, S2_CLEAR, prefix=prefix(), cut_after=3000, cuts=2)
    area = to_lonlat(box(250040, 2750070, 253330, 2753020), 32629)
    result = subset_product(product, ["B04"], area, str(tmp_path), access_for=plain_access)
    assert result.ok, result.error
    assert any(0 < r.bytes_sent == 3000 for r in server.requests())  # the cuts happened
    check_subset_is_exact(result.path, 1, scene_file(S2_CLEAR, "red"), to_utm(area, 32629))


def test_api_key_goes_in_a_header_never_in_the_file(server, tmp_path):
    key = "k3y-" + uuid.uuid4().hex
    check = lambda headers, query: headers.get("X-API-Key") == key  # noqa: E731
    product = served_product(server, S2_CLEAR, prefix=prefix(), require=check)
    area = to_lonlat(box(250040, 2750070, 251330, 2751020), 32629)
    from plugin.core.credentials import Credentials
    access = Access(HttpSettings(timeout=10), ApiKeyAuth("GEODES", Credentials(api_key=key)))
    result = subset_product(product, ["B04"], area, str(tmp_path), access_for=lambda p: access)
    assert result.ok, result.error
    assert all(r.headers.get("X-API-Key") == key for r in server.requests())
    assert key.encode() not in open(result.path, "rb").read()
    # wrong key: refused, said with the portal's name and the file, and the key never in the message
    wrong = Access(HttpSettings(timeout=10), ApiKeyAuth("GEODES", Credentials(api_key="nope-" + key)))
    refused = subset_product(served_product(server, S2_CLEAR, prefix=prefix(), require=check), ["B04"], area,
                             str(tmp_path / "x"), access_for=lambda p: wrong)
    assert not refused.ok and "B04.tif" in refused.error and key not in refused.error


def test_clip_after_download_from_the_archive(tmp_path):
    # CDSE, GEODES and DHuS have no COGs: the same choice downloads the zip, then clips it (real cut-down L1C)
    archive = fixtures_root() / L1C_ZIP
    from plugin.core.product import make_product
    product = make_product(portal="cdse", product_id="x", name=archive.stem, collection="S2_MSI_L1C")
    jp2 = ("/vsizip/" + str(archive) + "/GRANULE/L1C_T31TDH_A013204_20180101T105435/IMG_DATA/"
           "T31TDH_20180101T105441_B01.jp2")
    utm_area = box(430010, 4750030, 436000, 4756000)
    area = to_lonlat(utm_area, 32631)
    result = subset_product(product, ["B01"], area, str(tmp_path), access_for=plain_access, archive=str(archive))
    assert result.ok, result.error
    check_subset_is_exact(result.path, 1, jp2, to_utm(area, 32631))
    written = gdal.Open(result.path)
    assert written.GetRasterBand(1).GetDescription() == "B01"
    missing = subset_product(product, ["B04"], area, str(tmp_path), access_for=plain_access, archive=str(archive))
    assert not missing.ok and "holds no B04" in missing.error


def test_product_without_cogs_says_so(server, tmp_path):
    product = served_product(server, S2_CLEAR, prefix=prefix())
    product.sources[0].assets = {}
    result = subset_product(product, ["B04"], box(0, 0, 1, 1), str(tmp_path), access_for=plain_access)
    assert not result.ok and "download the product to clip it" in result.error


# ---- statistics ------------------------------------------------------------------------------------------
def independent_stats(scene, red_key, nir_key, mask_key, utm_polygon, masked_codes=None, bits=None,
                      scale=0.0001, offset=0.0):
    """NDVI statistics over the pixels whose centre is in the polygon, from the files, with numpy."""
    red, (x0, dx, _, y0, _, dy) = read_all(scene_file(scene, red_key))
    nir, _ = read_all(scene_file(scene, nir_key))
    mask, (mx0, mdx, _, my0, _, mdy) = read_all(scene_file(scene, mask_key))
    rows, cols = np.mgrid[0:red.shape[0], 0:red.shape[1]]
    xs, ys = x0 + (cols + 0.5) * dx, y0 + (rows + 0.5) * dy
    minx, miny, maxx, maxy = utm_polygon.bounds
    near = (xs >= minx - dx) & (xs <= maxx + dx) & (ys >= miny + dy) & (ys <= maxy - dy)
    inside = np.zeros(red.shape, bool)
    for r, c in zip(*np.nonzero(near)):
        inside[r, c] = utm_polygon.contains(Point(xs[r, c], ys[r, c]))
    if not inside.any():  # smaller than a pixel: the pixels it touches
        for r, c in zip(*np.nonzero(near)):
            inside[r, c] = utm_polygon.intersects(box(x0 + c * dx, y0 + (r + 1) * dy, x0 + (c + 1) * dx, y0 + r * dy))
    mask_rows = np.floor(((ys - my0) / mdy)).astype(int)
    mask_cols = np.floor(((xs - mx0) / mdx)).astype(int)
    codes = mask[np.clip(mask_rows, 0, mask.shape[0] - 1), np.clip(mask_cols, 0, mask.shape[1] - 1)].astype(int)
    if bits is not None:
        excluded = np.zeros(red.shape, bool)
        for bit in bits:
            excluded |= (codes >> bit) & 1 == 1
    else:
        excluded = np.isin(codes, list(masked_codes))
    valid = inside & ~excluded & (red != 0) & (nir != 0)
    r, n = red[valid] * scale + offset, nir[valid] * scale + offset
    ndvi = (n - r) / (n + r)
    return ndvi, int(inside.sum()), codes[inside]


def parcels_in(epsg: int, boxes, name: str = "p"):
    return [Parcel(f"{name}{i}", to_lonlat(b, epsg)) for i, b in enumerate(boxes)]


def test_statistics_match_an_independent_reading_with_scl_masking(server):
    product = served_product(server, S2_CLOUDY, prefix=prefix())
    polygons = [Polygon([(760020, 3540030), (762480, 3540100), (761900, 3542470), (760100, 3541800)]),
                box(720000, 3580000, 723000, 3583000), box(740050, 3560050, 741950, 3561950)]
    points = list(time_series([product], parcels_in(32634, polygons), "NDVI", None, access_for=plain_access))
    assert [p.parcel for p in sorted(points, key=lambda p: p.parcel)] == ["p0", "p1", "p2"]
    checked_masking = False
    for point in points:
        utm = to_utm(next(p.geometry for p in parcels_in(32634, polygons) if p.id == point.parcel), 32634)
        ndvi, total, codes = independent_stats(S2_CLOUDY, "B04", "B08", "SCL", utm,
                                               masked_codes=SCL.masked_values(None, 255))
        assert point.total == total
        assert point.valid == len(ndvi)
        assert point.valid_fraction == pytest.approx(len(ndvi) / total)
        if len(ndvi):
            assert point.mean == pytest.approx(float(ndvi.mean()), abs=1e-6)
            assert point.median == pytest.approx(float(np.median(ndvi)), abs=1e-6)
            assert point.std == pytest.approx(float(ndvi.std()), abs=1e-6)
        checked_masking |= bool(np.isin(codes, [8, 9, 10]).any())
        assert point.date == product.start and point.index == "NDVI"
    assert checked_masking, "no parcel had a cloudy pixel: the masking was not exercised"


def test_mask_classes_are_changeable_and_really_excluded(server):
    product = served_product(server, S2_CLOUDY, prefix=prefix())
    polygon = box(760020, 3540030, 762480, 3542470)
    parcels = parcels_in(32634, [polygon])
    default = next(iter(time_series([product], parcels, "NDVI", None, access_for=plain_access)))
    only_nodata = next(iter(time_series([product], parcels, "NDVI", ["no_data"], access_for=plain_access)))
    assert only_nodata.valid > default.valid
    ndvi, _, _ = independent_stats(S2_CLOUDY, "B04", "B08", "SCL", to_utm(parcels[0].geometry, 32634),
                                   masked_codes={0})
    assert only_nodata.valid == len(ndvi) and only_nodata.mean == pytest.approx(float(ndvi.mean()), abs=1e-6)


def test_a_date_without_any_valid_pixel_is_kept_with_zero_valid(server):
    product = served_product(server, S2_CLOUDY, prefix=prefix())
    # find, in the real SCL, a 600 m square that is all cloud (classes 8-10) to put a parcel on
    scl, (x0, dx, _, y0, _, dy) = read_all(scene_file(S2_CLOUDY, "SCL"))
    cloudy = np.isin(scl, [8, 9, 10])
    spot = next((r, c) for r in range(0, scl.shape[0] - 4, 2) for c in range(0, scl.shape[1] - 4, 2)
                if cloudy[r:r + 4, c:c + 4].all())
    r, c = spot
    polygon = box(x0 + (c + 0.5) * dx, y0 + (r + 3.5) * dy, x0 + (c + 3.5) * dx, y0 + (r + 0.5) * dy)
    point = next(iter(time_series([product], parcels_in(32634, [polygon]), "NDVI", None, access_for=plain_access)))
    assert point.total > 0 and point.valid == 0 and point.valid_fraction == 0
    assert point.mean is None and point.median is None and point.std is None and not point.error


def test_a_parcel_smaller_than_a_pixel_gives_that_pixel(server):
    product = served_product(server, S2_CLEAR, prefix=prefix())
    polygon = box(250010, 2749950, 250030, 2749970)  # 20 m square inside one 100 m pixel (249980.., 2750020..)
    point = next(iter(time_series([product], parcels_in(32629, [polygon]), "NDVI", None, access_for=plain_access)))
    ndvi, total, _ = independent_stats(S2_CLEAR, "red", "nir", "scl", to_utm(parcels_in(32629, [polygon])[0].geometry,
                                                                               32629),
                                       masked_codes=SCL.masked_values(None, 255))
    assert total == 1 and point.total == 1 and point.valid == len(ndvi) == 1
    assert point.mean == pytest.approx(float(ndvi[0]), abs=1e-6) and point.std == 0


def test_landsat_statistics_with_qa_pixel_bits(server):
    product = served_product(server, LANDSAT, prefix=prefix())
    qa, (x0, dx, _, y0, _, dy) = read_all(scene_file(LANDSAT, "QA_PIXEL.TIF"))
    polygons = [box(x0 + 50 * dx, y0 + 250 * dy, x0 + 300 * dx, y0 + 50 * dy)]
    parcels = parcels_in(32620, polygons)
    for classes, bits in ((None, [0, 1, 2, 3, 4, 5]), (["fill"], [0])):
        point = next(iter(time_series([product], parcels, "NDVI", classes, access_for=plain_access)))
        ndvi, total, _ = independent_stats(LANDSAT, "SR_B4.TIF", "SR_B5.TIF", "QA_PIXEL.TIF",
                                           to_utm(parcels[0].geometry, 32620), bits=bits, scale=0.0000275,
                                           offset=-0.2)
        assert point.total == total and point.valid == len(ndvi)
        if len(ndvi):
            assert point.mean == pytest.approx(float(ndvi.mean()), abs=1e-6)
            assert point.median == pytest.approx(float(np.median(ndvi)), abs=1e-6)
            assert point.std == pytest.approx(float(ndvi.std()), abs=1e-6)
    assert point.valid > 0  # with only 'fill' masked, the cloudy scene has values


def series_products(server, dates_clear=6, dates_cloudy=3, **route_options):
    base = prefix()
    products = [served_product(server, S2_CLEAR, utc(2020, 3, d + 1), prefix=base, **route_options)
                for d in range(dates_clear)]
    products += [served_product(server, S2_CLOUDY, utc(2020, 4, d + 1), prefix=base, **route_options)
                 for d in range(dates_cloudy)]
    return products


def series_parcels():
    return (parcels_in(32629, [box(250000 + i * 500, 2750000, 250300 + i * 500, 2750300) for i in range(3)], "RKH")
            + parcels_in(32634, [box(760000 + i * 500, 3540000, 760300 + i * 500, 3540300) for i in range(3)], "SGA"))


def test_multi_date_series_reads_products_in_parallel_bounded_per_portal(server):
    products = series_products(server)  # one file set served under 6 + 3 dates
    access = Access(HttpSettings(timeout=10), connections=2)
    run = SeriesRun(products, series_parcels(), "NDVI", None, access_for=lambda p: access)
    points = list(run)
    # each parcel lies in one of the two tiles: 3 parcels x 6 dates + 3 parcels x 3 dates
    assert len(points) == 27 and not any(p.error for p in points)
    assert {p.date for p in points} == {p.start for p in products}
    assert run.max_concurrent == {"earth_search": 2}
    assert len(run.reads) == 9 and run.bytes_read == server.bytes_sent()
    # the same pixels every date: the same statistics every date
    by_parcel = {}
    for point in points:
        by_parcel.setdefault(point.parcel, set()).add((point.mean, point.valid))
    assert all(len(values) == 1 for values in by_parcel.values()), by_parcel


def test_points_arrive_as_they_come_and_cancel_stops_the_rest(server):
    products = series_products(server, dates_clear=2, dates_cloudy=0)
    slow = series_products(server, dates_clear=4, dates_cloudy=0, delay=0.3)
    access = Access(HttpSettings(timeout=10), connections=1)
    run = SeriesRun(products + slow, series_parcels()[:3], "NDVI", None, access_for=lambda p: access)
    started = time.monotonic()
    iterator = iter(run)
    first = next(iterator)
    first_after = time.monotonic() - started
    assert first.error == "" and first_after < 3.0
    run.cancel()
    rest = list(iterator)
    assert len(rest) + 1 < 18  # six products x three parcels were asked
    assert len(run.reads) < 6
    assert not [t for t in threading.enumerate() if t.name.startswith("eo-portals-series")]


def test_series_without_range_support_and_across_cuts(server):
    products = series_products(server, dates_clear=2, dates_cloudy=1, ranges=False)
    products += series_products(server, dates_clear=1, dates_cloudy=1, cut_after=2000, cuts=1)
    points = list(time_series(products, series_parcels(), "NDVI", None, access_for=plain_access))
    assert len(points) == 15 and not any(p.error for p in points), points
    assert len({(p.parcel, p.mean) for p in points}) == 6  # the same values whatever the server did


def test_signed_urls_expiring_mid_series_are_signed_again(server):
    issuer = SasIssuer(lifetime=3600)
    with DownloadServer() as sas_service:
        sas_service.add_sas("/api/sas/v1/token", issuer)
        products = series_products(server, dates_clear=4, dates_cloudy=2, require=issuer.check)
        auth = SasAuth("Planetary Computer", None, sas_service.url + "/api/sas/v1/token",
                       sign_hosts=r"^127\.0\.0\.1$")
        access = Access(HttpSettings(timeout=10), auth, collection="sentinel-2-l2a", connections=1)
        run = SeriesRun(products, series_parcels(), "NDVI", None, access_for=lambda p: access)
        points = []
        for point in run:
            points.append(point)
            if len(points) == 3:
                issuer.expire_all()  # every signature handed out so far stops working
        assert len(points) == 4 * 3 + 2 * 3 and not any(p.error for p in points)
        assert issuer.requests["sentinel-2-l2a"] >= 2
        assert any(r.status == 403 for r in server.requests())
        assert all("sig" in r.query for r in server.requests())


def test_gdal_options_carry_the_proxy_ca_bundle_and_user_agent():
    settings = HttpSettings(proxies={"https": "http://alice:p%40ss@proxy.example:3128"},
                            no_proxy=("internal.example",), verify="/etc/qgis-cas.pem", user_agent="EO-test",
                            timeout=12)
    access = Access(settings)
    options = access.gdal_options("https://sentinel-cogs.s3.us-west-2.amazonaws.com/B04.tif")
    assert options["GDAL_HTTP_PROXY"] == "http://proxy.example:3128"
    assert options["GDAL_HTTP_PROXYUSERPWD"] == "alice:p@ss"
    assert options["CURL_CA_BUNDLE"] == "/etc/qgis-cas.pem" and options["GDAL_HTTP_USERAGENT"] == "EO-test"
    assert options["GDAL_HTTP_TIMEOUT"] == "12"
    assert "GDAL_HTTP_PROXY" not in access.gdal_options("https://data.internal.example/B04.tif")
    assert Access(HttpSettings(verify=False)).gdal_options("https://x.example/a.tif")["GDAL_HTTP_UNSAFESSL"] == "YES"


def test_cancel_during_a_subset_leaves_no_file(server, tmp_path):
    from plugin.core.subset import Cancelled

    product = served_product(server, S2_CLEAR, prefix=prefix())
    area = to_lonlat(box(250040, 2750070, 253330, 2753020), 32629)
    cancel = threading.Event()
    with pytest.raises(Cancelled):
        subset_product(product, ["B04", "B08", "SCL"], area, str(tmp_path), access_for=plain_access,
                       progress=lambda read: cancel.set(), cancel=cancel)
    assert list(tmp_path.iterdir()) == []
    assert {r.path.rsplit("/", 1)[1] for r in server.requests()} == {"B04.tif"}  # stopped before the next band


def test_reads_go_through_the_proxy_of_the_settings_and_excluded_hosts_go_direct(server, tmp_path):
    from tests.support.proxy import TinyProxy

    area = to_lonlat(box(250040, 2750070, 251330, 2751020), 32629)
    with TinyProxy(tmp_path / "proxy", user="alice", password="Pr0xy-pass") as proxy:
        settings = HttpSettings(proxies={"http": f"http://alice:Pr0xy-pass@{proxy.address}"}, timeout=10)
        product = served_product(server, S2_CLEAR, prefix=prefix())
        result = subset_product(product, ["B04"], area, str(tmp_path / "a"), access_for=lambda p: Access(settings))
        assert result.ok, result.error
        through = proxy.requests_to(server.url)
        assert len(through) == len(server.requests()) > 0
        assert all(proxy.via in r.headers.get("Via", "") for r in server.requests())
        check_subset_is_exact(result.path, 1, scene_file(S2_CLEAR, "red"), to_utm(area, 32629))
        # the same server excluded from the proxy (QGIS's "no proxy" list): direct
        excluded = HttpSettings(proxies=settings.proxies, no_proxy=(server.url,), timeout=10)
        proxy.mark()
        server.clear()
        product = served_product(server, S2_CLEAR, prefix=prefix())
        direct = subset_product(product, ["B04"], area, str(tmp_path / "b"), access_for=lambda p: Access(excluded))
        assert direct.ok and proxy.requests_to(server.url) == [] and server.requests()


def test_a_large_area_goes_through_a_scratch_file_in_strips(server, tmp_path, monkeypatch):
    import plugin.core.subset.write as subset_module

    monkeypatch.setattr(subset_module, "MEMORY_LIMIT", 0)  # every area counts as large
    monkeypatch.setattr(subset_module, "STRIP_ROWS", 7)  # strips that do not fall on block edges
    product = served_product(server, S2_CLEAR, prefix=prefix())
    area = to_lonlat(box(250040, 2750070, 253330, 2753050), 32629)
    result = subset_product(product, ["B04", "SCL"], area, str(tmp_path), access_for=plain_access)
    assert result.ok, result.error
    assert [p.name for p in tmp_path.iterdir()] == [f"{product.title}_B04-SCL.tif"]  # no scratch, no .part
    col, row = check_subset_is_exact(result.path, 1, scene_file(S2_CLEAR, "red"), to_utm(area, 32629))
    check_scl_is_nearest(result.path, 2, col, row)
