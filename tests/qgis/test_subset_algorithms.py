"""`eoportals:subset` and `eoportals:timeseries` end to end through processing.run, on footprints layers as
`eoportals:search` writes them (plugin/footprints.py) holding products made from the real STAC items of the COG
fixtures, their band files served by a loopback server that counts bytes (tests/support/cogs.py). The multi-date
series serves the same single-date files under several dates (said in tests/support/cogs.py). Results are checked
against an independent numpy reading of the fixture files (helpers of tests/core/test_subset.py).
"""
from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from osgeo import gdal
from qgis.core import QgsFeature, QgsGeometry, QgsProcessingException, QgsVectorLayer
from shapely.geometry import box

from plugin.core.bands import SCL
from plugin.core.product import make_product
from plugin.footprints import footprints_layer, products_to_features
from tests.core.test_subset import check_subset_is_exact, independent_stats, to_lonlat, to_utm
from tests.qgis.test_download_algorithm import eoportals_provider  # noqa: F401 (fixture)
from tests.qgis.test_downloads import md5_of, plugin_env  # noqa: F401 (fixture)
from tests.qgis.test_processing_search import RecordingFeedback
from tests.support.cog_server import CogServer
from tests.support.cogs import L1C_ZIP, S2_CLEAR, S2_CLOUDY, fixtures_root, scene_file, served_product, utc
from tests.support.download_servers import DownloadServer, FileContent

np = pytest.importorskip("numpy", reason="numpy gives the independent reading")


def layer_of(products) -> QgsVectorLayer:
    layer = footprints_layer("results")
    assert layer.dataProvider().addFeatures(products_to_features(products, layer.fields()))[0]
    return layer


def parcels_layer(epsg: int, polygons) -> QgsVectorLayer:
    layer = QgsVectorLayer(f"Polygon?crs=EPSG:{epsg}&field=name:string", "parcels", "memory")
    features = []
    for name, polygon in polygons:
        feature = QgsFeature(layer.fields())
        feature.setGeometry(QgsGeometry.fromWkt(polygon.wkt))
        feature.setAttributes([name])
        features.append(feature)
    assert layer.dataProvider().addFeatures(features)[0]
    return layer


def test_subset_writes_one_cog_per_product_and_a_table_of_what_was_read(eoportals_provider, plugin_env, tmp_path):
    import processing

    with CogServer() as server:
        base = "/" + uuid.uuid4().hex[:8]
        products = [served_product(server, S2_CLEAR, utc(2020, 3, 1), prefix=base),
                    served_product(server, S2_CLOUDY, utc(2020, 3, 2), prefix=base)]
        utm_area = box(250040, 2750070, 253330, 2753020)
        area = to_lonlat(utm_area, 32629)  # in 29RKH only: the 34SGA product is reported, not written
        feedback = RecordingFeedback()
        result = processing.run("eoportals:subset", {
            "INPUT": layer_of(products), "BANDS": "ndvi", "AREA": area.wkt, "FOLDER": str(tmp_path),
            "TABLE": "TEMPORARY_OUTPUT"}, feedback=feedback)
        sent = server.bytes_sent(prefix=f"{base}/{S2_CLEAR.folder}")
    assert (result["WRITTEN"], result["FAILED"]) == (1, 1)
    written = result["OUTPUT"]
    assert Path(written).parent == tmp_path and written.endswith("_B04-B08.tif")
    check_subset_is_exact(written, 1, scene_file(S2_CLEAR, "red"), to_utm(area, 32629))
    check_subset_is_exact(written, 2, scene_file(S2_CLEAR, "nir"), to_utm(area, 32629))
    rows = {f["title"]: f for f in result["TABLE"].getFeatures()}
    done = rows[products[0].title]
    assert (done["status"], done["file"], done["bands"], done["portal"]) == ("done", written, "B04,B08", "Earth Search")
    assert done["bytes_read"] == sent and done["full_size"] == sum(
        scene_file(S2_CLEAR, k).stat().st_size for k in ("red", "nir"))
    assert done["read_from"] == "COG windows" and "read instead of" in done["message"]
    failed = rows[products[1].title]
    assert failed["status"] == "failed" and failed["message"] == "the area does not cover this product"
    assert any(products[1].title in line and "does not cover" in line for line in feedback.errors)


def test_subset_without_cogs_downloads_then_clips_and_drops_the_archive(eoportals_provider, plugin_env, tmp_path):
    import processing

    archive = fixtures_root() / L1C_ZIP
    with DownloadServer() as server:
        server.add_file("/dl/product.zip", FileContent(archive), ranges=False)
        product = make_product(portal="earth_search", product_id="l1c", name=archive.stem, collection="S2_MSI_L1C",
                               download_url=server.url + "/dl/product.zip", size=archive.stat().st_size,
                               checksums={"MD5": md5_of(archive)})
        utm_area = box(430010, 4750030, 436000, 4756000)
        area = to_lonlat(utm_area, 32631)
        folder = tmp_path / "out"
        result = processing.run("eoportals:subset", {
            "INPUT": layer_of([product]), "BANDS": "B01", "AREA": area.wkt, "FOLDER": str(folder),
            "KEEP_ARCHIVE": False, "TABLE": "TEMPORARY_OUTPUT"})
    assert result["WRITTEN"] == 1
    jp2 = ("/vsizip/" + str(archive) + "/GRANULE/L1C_T31TDH_A013204_20180101T105435/IMG_DATA/"
           "T31TDH_20180101T105441_B01.jp2")
    check_subset_is_exact(result["OUTPUT"], 1, jp2, to_utm(area, 32631))
    row = next(result["TABLE"].getFeatures())
    assert row["read_from"] == "archive" and row["status"] == "done"
    assert [p.name for p in folder.iterdir()] == [Path(result["OUTPUT"]).name]  # archive not kept


def test_subset_needs_an_area(eoportals_provider, plugin_env, tmp_path):
    import processing

    with CogServer() as server:
        layer = layer_of([served_product(server, S2_CLEAR, prefix="/" + uuid.uuid4().hex[:8])])
        with pytest.raises(QgsProcessingException, match="An area is needed"):
            processing.run("eoportals:subset", {"INPUT": layer, "BANDS": "B04", "FOLDER": str(tmp_path)})


def test_timeseries_table_per_parcel_and_date_matches_an_independent_reading(eoportals_provider, plugin_env):
    import processing

    # edges 25 m from pixel centres: the parcels go through EPSG:4326 and back, which moves edges by millimetres
    polygons = [("coast field", box(762035, 3596025, 763975, 3597975)),  # partly clear in the real SCL
                ("small plot", box(740035, 3560025, 740635, 3560625))]  # all cloud
    with CogServer() as server:
        base = "/" + uuid.uuid4().hex[:8]
        dates = [utc(2020, 4, day) for day in (1, 11, 21)]
        products = [served_product(server, S2_CLOUDY, date, prefix=base) for date in dates]
        feedback = RecordingFeedback()
        result = processing.run("eoportals:timeseries", {
            "INPUT": layer_of(products), "PARCELS": parcels_layer(32634, polygons), "ID_FIELD": "name",
            "INDEX": "NDVI", "OUTPUT": "TEMPORARY_OUTPUT"}, feedback=feedback)
        requests = len(server.requests())
    rows = list(result["OUTPUT"].getFeatures())
    assert result["POINTS"] == len(rows) == 6
    assert sorted({r["parcel"] for r in rows}) == ["coast field", "small plot"]
    assert sorted({r["date"].toString("yyyy-MM-dd") for r in rows}) == ["2020-04-01", "2020-04-11", "2020-04-21"]
    for name, polygon in polygons:
        ndvi, total, _ = independent_stats(S2_CLOUDY, "B04", "B08", "SCL", polygon,
                                           masked_codes=SCL.masked_values(None, 255))
        for row in (r for r in rows if r["parcel"] == name):
            assert (row["valid"], row["total"]) == (len(ndvi), total)
            assert row["valid_fraction"] == pytest.approx(len(ndvi) / total)
            if not len(ndvi):  # all cloud on that date: kept, with 0 valid and no statistics
                assert row["mean"] == None and row["std"] == None  # noqa: E711 (QGIS NULL)
                continue
            assert row["mean"] == pytest.approx(float(ndvi.mean()), abs=1e-6)
            assert row["median"] == pytest.approx(float(np.median(ndvi)), abs=1e-6)
            assert row["std"] == pytest.approx(float(ndvi.std()), abs=1e-6)
            assert row["index"] == "NDVI" and row["portal"] == "Earth Search" and not row["message"]
    assert {r["valid"] > 0 for r in rows} == {True, False}  # one parcel with values, one all cloud
    assert requests < 3 * 3 * 12  # a dozen requests per band file at most: windows, not files
    assert any("6 row(s)" in line for line in feedback.infos)


def test_timeseries_mask_none_and_wrong_names(eoportals_provider, plugin_env):
    import processing

    polygons = [("p", box(760020, 3540030, 762480, 3542470))]
    with CogServer() as server:
        layer = layer_of([served_product(server, S2_CLOUDY, prefix="/" + uuid.uuid4().hex[:8])])
        masked = processing.run("eoportals:timeseries", {"INPUT": layer, "PARCELS": parcels_layer(32634, polygons),
                                                         "OUTPUT": "TEMPORARY_OUTPUT"})
        unmasked = processing.run("eoportals:timeseries", {
            "INPUT": layer, "PARCELS": parcels_layer(32634, polygons), "MASK": "none", "OUTPUT": "TEMPORARY_OUTPUT"})
        with pytest.raises(QgsProcessingException, match="unknown mask class haze"):
            processing.run("eoportals:timeseries", {"INPUT": layer, "PARCELS": parcels_layer(32634, polygons),
                                                    "MASK": "haze", "OUTPUT": "TEMPORARY_OUTPUT"})
        with pytest.raises(QgsProcessingException, match="neither an index"):
            processing.run("eoportals:timeseries", {"INPUT": layer, "PARCELS": parcels_layer(32634, polygons),
                                                    "INDEX": "XYZ", "OUTPUT": "TEMPORARY_OUTPUT"})
    first, second = next(masked["OUTPUT"].getFeatures()), next(unmasked["OUTPUT"].getFeatures())
    assert second["valid"] > first["valid"] and second["total"] == first["total"]
