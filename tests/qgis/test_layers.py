"""Products and assets as layers: what GDAL is asked to open, the true-colour style, and remote COGs read in place
through /vsicurl/ from loopback portals (Range honoured), signed with a SAS token or sent with the account's header.
"""
from __future__ import annotations

import gc
import hashlib
import re
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal, osr
from qgis.core import QgsMultiBandColorRenderer, QgsProject, QgsRectangle
from qgis.PyQt.QtCore import QCoreApplication

from plugin.core.paths import extract_zip
from plugin.core.product import Asset, make_product
from plugin import settings
from plugin.downloads import DownloadsController
from plugin.layers import (
    GROUP_NAME,
    HEADER_FOLDER,
    STYLE_DEFAULT,
    STYLE_S1,
    STYLE_S2_TRUE_COLOUR,
    NothingToShow,
    create_layer,
    layer_specs,
    specs_for_files,
)
from plugin.ui.downloads_panel import DownloadsPanel
from tests.qgis.test_downloads import (  # noqa: F401 (fixtures)
    DHUS_PASSWORD, S2, S2_ZIP, dhus_product, no_gdal_proxy, plugin_env, wait_until)
from tests.qgis.test_i18n import french, private_settings  # noqa: F401 (fixtures)
from tests.support.download_servers import (BytesContent, DownloadServer, FileContent, SasIssuer, basic_check,
                                            header_check)
from tests.support.fixtures import fixture_path
from tests.support.rendering import rendered, shows_data

GDAL_TIFF = "image/tiff; application=geotiff; profile=cloud-optimized"


# ---- downloaded products -----------------------------------------------------------------------------
EVERY_S2_BAND = ("B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B10", "B11", "B12")


def s2_variant(tmp_path: Path, name: str = S2, bands=EVERY_S2_BAND, baseline: str = "") -> Path:
    """A product built from the real one (which holds only B01): its metadata and tile metadata as they are, and
    the given band files, each a copy of the real B01 image (60 m, 1830 x 1830 pixels: in a 10 m band's place GDAL
    reads it into the top-left sixth of the tile). Optionally another processing baseline in its metadata."""
    source = zipfile.ZipFile(fixture_path(S2_ZIP))
    b01 = next(n for n in source.namelist() if n.endswith("_B01.jp2"))
    tmp_path.mkdir(parents=True, exist_ok=True)
    variant = tmp_path / f"{name}.zip"
    with zipfile.ZipFile(variant, "w") as out:
        for member in source.namelist():
            data = source.read(member)
            if member.endswith("_B01.jp2"):
                continue
            if member == "MTD_MSIL1C.xml" and baseline:
                assert b"<PROCESSING_BASELINE>02.06</PROCESSING_BASELINE>" in data
                data = data.replace(b"<PROCESSING_BASELINE>02.06</PROCESSING_BASELINE>",
                                    f"<PROCESSING_BASELINE>{baseline}</PROCESSING_BASELINE>".encode())
            out.writestr(member, data)
        for band in bands:
            out.writestr(b01.replace("_B01.jp2", f"_{band}.jp2"), source.read(b01))
    return variant


def top_left_sixth(layer) -> QgsRectangle:
    extent = layer.extent()
    return QgsRectangle(extent.xMinimum(), extent.yMaximum() - extent.height() / 6,
                        extent.xMinimum() + extent.width() / 6, extent.yMaximum())


def test_the_real_partial_sentinel2_zip_shows_its_only_band_and_names_the_missing_ones(tmp_path):
    # The real product holds only B01 (60 m). Its 10 m subdataset opens in GDAL but every tile is skipped: an
    # all-black layer. What is shown is B01 itself, in grey, and the missing bands are named.
    zip_path = tmp_path / f"{S2}.zip"
    shutil.copy(fixture_path(S2_ZIP), zip_path)  # a copy: the fixture stays as it is whatever happens here
    md5 = hashlib.md5(zip_path.read_bytes()).hexdigest()
    spec, = layer_specs(str(zip_path))
    b01 = "GRANULE/L1C_T31TDH_A013204_20180101T105435/IMG_DATA/T31TDH_20180101T105441_B01.jp2"
    assert spec.source == f"/vsizip/{zip_path}/{b01}"
    assert spec.name == f"{S2} B01"
    assert spec.note == ("bands missing from the product: B02, B03, B04, B05, B06, B07, B08, B8A, B09, B10, B11, B12; "
                         "the map shows band B01 (60 m)")
    layer = create_layer(spec)
    assert layer.isValid() and layer.crs().authid() == "EPSG:32631"
    assert shows_data(rendered(layer))
    enhancement = layer.renderer().contrastEnhancement()
    assert (enhancement.minimumValue(), enhancement.maximumValue()) == (0.0, 3000.0)  # reflectance 0 to 0.3
    # Opening and drawing it leave the downloaded product as it was: GDAL appends no .aux.xml of statistics to
    # the zip when the layer goes (its MD5 was verified).
    del layer
    gc.collect()
    assert hashlib.md5(zip_path.read_bytes()).hexdigest() == md5
    assert zipfile.ZipFile(zip_path).namelist() == zipfile.ZipFile(fixture_path(S2_ZIP)).namelist()


def test_the_missing_bands_are_said_in_french_when_qgis_is_in_french(french, tmp_path):
    spec, = layer_specs(str(fixture_path(S2_ZIP)))
    assert spec.note == ("bandes absentes du produit\u00a0: B02, B03, B04, B05, B06, B07, B08, B8A, B09, B10, B11, B12"
                         "\u00a0; la carte montre la bande B01 (60 m)")
    with pytest.raises(NothingToShow, match="aucune des bandes d'image du produit n'y est"):
        layer_specs(str(s2_variant(tmp_path, bands=())))


def test_a_full_sentinel2_zip_with_files_at_its_root_opens_its_10m_subdataset_in_true_colour(tmp_path):
    zip_path = s2_variant(tmp_path)
    spec, = layer_specs(str(zip_path))
    # GDAL 3.6 finds the product through its metadata file, which this zip holds at its root (no <name>.SAFE/)
    assert spec.source == f"SENTINEL2_L1C:/vsizip/{zip_path}/MTD_MSIL1C.xml:10m:EPSG_32631"
    assert (spec.name, spec.style, spec.shift, spec.note) == (S2, STYLE_S2_TRUE_COLOUR, 0.0, "")
    layer = create_layer(spec)
    assert isinstance(layer.renderer(), QgsMultiBandColorRenderer)
    assert shows_data(rendered(layer, top_left_sixth(layer)))  # where the copied image lies


def test_without_its_red_band_a_product_shows_its_finest_band_and_says_so(tmp_path):
    bands = [band for band in EVERY_S2_BAND if band != "B04"]
    folder = tmp_path / "out"
    safe, = extract_zip(s2_variant(tmp_path, bands=bands), folder, wrap=f"{S2}.SAFE")
    spec, = layer_specs(str(safe))
    assert spec.source.endswith("_B03.jp2")  # 10 m; the first 10 m band GDAL lists after B4
    assert spec.note == "bands missing from the product: B04; the map shows band B03 (10 m)"
    layer = create_layer(spec)
    assert shows_data(rendered(layer, top_left_sixth(layer)))


def test_a_product_without_any_band_file_says_so_and_opens_nothing(tmp_path):
    with pytest.raises(NothingToShow, match="none of the product's image bands is in it .*: missing B01, B02, .*B12"):
        layer_specs(str(s2_variant(tmp_path, bands=())))


def test_an_extracted_safe_folder_is_preferred_to_its_zip(tmp_path):
    zip_path = s2_variant(tmp_path)
    safe, = extract_zip(zip_path, tmp_path, wrap=f"{S2}.SAFE")
    spec, = specs_for_files([str(zip_path), str(safe)])
    assert spec.source == f"SENTINEL2_L1C:{safe}/MTD_MSIL1C.xml:10m:EPSG_32631"
    layer = create_layer(spec)
    assert layer.isValid() and isinstance(layer.renderer(), QgsMultiBandColorRenderer)


def test_baseline_04_products_are_stretched_past_their_offset(tmp_path):
    # A variant of the real product: its metadata says processing baseline 04.00 (digital numbers + 1000); GDAL
    # reads it like the original.
    variant = s2_variant(tmp_path, name=S2.replace("N0206", "N0400"), baseline="04.00")
    spec, = layer_specs(str(variant))
    assert spec.shift == 1000.0
    layer = create_layer(spec)
    renderer = layer.renderer()
    assert (renderer.redContrastEnhancement().minimumValue(), renderer.redContrastEnhancement().maximumValue()) == \
           (1000.0, 4000.0)
    partial, = layer_specs(str(s2_variant(tmp_path / "b01", name=S2.replace("N0206", "N0400"), bands=("B01",),
                                          baseline="04.00")))
    grey = create_layer(partial)
    enhancement = grey.renderer().contrastEnhancement()
    assert (enhancement.minimumValue(), enhancement.maximumValue()) == (1000.0, 4000.0)


def test_sentinel1_safe_opens_its_manifest(tmp_path):
    name = "S1A_IW_GRDH_1SDV_20240607T000653_20240607T000718_054210_0697DA_6EE4"
    folder = tmp_path / f"{name}.SAFE"
    (folder / "measurement").mkdir(parents=True)
    (folder / "manifest.safe").write_text("<xfdu/>", encoding="utf-8")
    spec, = layer_specs(str(folder))
    assert (spec.source, spec.name, spec.style) == (str(folder / "manifest.safe"), name, STYLE_S1)
    archive = tmp_path / f"{name}.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr(f"{name}.SAFE/manifest.safe", "<xfdu/>")
        out.writestr(f"{name}.SAFE/measurement/s1a-iw-grd-vv.tiff", b"")
    spec, = layer_specs(str(archive))
    assert spec.source == f"/vsizip/{archive}/{name}.SAFE/manifest.safe" and spec.style == STYLE_S1


def make_geotiff(path: Path, bands: int = 1, size: int = 256, cog: bool = False) -> np.ndarray:
    """A small georeferenced GeoTIFF (UTM 31N), optionally cloud-optimised; returns band 1."""
    array = (np.arange(size * size, dtype=np.uint16).reshape(size, size) % 997).astype(np.uint16)
    driver = gdal.GetDriverByName("MEM")
    dataset = driver.Create("", size, size, bands, gdal.GDT_UInt16)
    dataset.SetGeoTransform([399960.0, 10.0, 0.0, 4800000.0, 0.0, -10.0])
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32631)
    dataset.SetProjection(srs.ExportToWkt())
    for band in range(1, bands + 1):
        dataset.GetRasterBand(band).WriteArray(array + band)
    gdal.Translate(str(path), dataset, format="COG" if cog else "GTiff",
                   creationOptions=["COMPRESS=DEFLATE", "BLOCKSIZE=128"] if cog else ["COMPRESS=DEFLATE"])
    return array + 1


def test_geotiff_assets_open_one_layer_each(tmp_path):
    folder = tmp_path / "S2B_MSIL2A_20230105T105339_N0509_R051_T31TCJ_20230105T113913"
    folder.mkdir()
    make_geotiff(folder / "B04.tif")
    make_geotiff(folder / "TCI.tif", bands=3)
    (folder / "thumbnail.jpg").write_bytes(b"\xff\xd8\xff")
    specs = specs_for_files([str(folder / "B04.tif"), str(folder / "TCI.tif")])
    assert [(s.name, s.style) for s in specs] == [("B04", STYLE_DEFAULT), ("TCI", STYLE_DEFAULT)]
    assert all(create_layer(s).isValid() for s in specs)
    assert [s.name for s in layer_specs(str(folder))] == ["B04", "TCI"]  # the jpg thumbnail is no layer


# ---- remote COGs ---------------------------------------------------------------------------------------
@pytest.fixture
def controller(plugin_env, qgis_iface, no_gdal_proxy):
    made = []

    def make() -> DownloadsController:
        controller = DownloadsController(qgis_iface, queue_file=plugin_env.queue_file)
        controller.start()
        made.append(controller)
        return controller

    yield make
    for controller in made:
        controller.stop()


def opened(controller: DownloadsController, task) -> list:
    added = []
    controller.layers_added.connect(lambda job_id, ids: added.append(ids))
    failed = []
    controller.layers_failed.connect(lambda job_id, message: failed.append(message))
    assert task is not None
    assert wait_until(lambda: added or failed, 30)
    assert not failed, failed
    return [QgsProject.instance().mapLayer(layer_id) for layer_id in added[0]]


def pixels(layer, size: int = 256) -> np.ndarray:
    """Band 1 of a layer, read through QGIS's provider (what the map draws)."""
    provider = layer.dataProvider()
    block = provider.block(1, layer.extent(), size, size)
    return np.frombuffer(bytes(block.data()), dtype=np.uint16).reshape(size, size)


def test_planetary_computer_cogs_open_in_place_with_one_sas_token(tmp_path, plugin_env, controller):
    cog = tmp_path / "B04.tif"
    expected = make_geotiff(cog, cog=True)
    data = cog.read_bytes()
    issuer = SasIssuer()
    with DownloadServer() as api, DownloadServer() as blob:
        api.add_sas("/api/sas/v1/token", issuer)
        base = f"/sentinel2-l2/31/T/DH/2018/01/01/{S2.replace('MSIL1C', 'MSIL2A')}.SAFE/GRANULE/L2A_T31TDH/IMG_DATA/R10m"
        hrefs = {key: f"{blob.url}{base}/T31TDH_20180101T105441_{key}_10m.tif" for key in ("B04", "B08")}
        for href in hrefs.values():
            blob.add_file(href[len(blob.url):], BytesContent(data), require=issuer.check, content_type="image/tiff")
        plugin_env.catalog({"planetary_computer": {"sas_url": api.url + "/api/sas/v1/token",
                                                   "sign_hosts": r"^127\.0\.0\.1$"}})
        product = make_product(portal="planetary_computer", product_id="S2A_MSIL2A_20180101T105441_R051_T31TDH_2020",
                               name=S2.replace("MSIL1C", "MSIL2A"), collection="S2_MSI_L2A",
                               assets={k: Asset(k, h, media_type=GDAL_TIFF, roles=("data",)) for k, h in hrefs.items()})
        queue = controller()
        layers = opened(queue, queue.open_remote(product, ["B04", "B08"]))
        assert [layer.name() for layer in layers] == [f"{product.title} B04", f"{product.title} B08"]
        for layer in layers:
            assert layer.isValid()
            assert layer.source().startswith("/vsicurl/" + blob.url) and "&sig=" in layer.source()
            assert (pixels(layer) == expected).all()  # read through GDAL from the portal, in place
        # one SAS token for both assets; every request to the blob host carried it; nothing was downloaded whole
        assert issuer.requests == {"sentinel-2-l2a": 1}
        file_hits = [hit for hit in blob.hits() if hit.path.endswith(".tif")]
        assert file_hits and all(issuer.check(hit.headers, hit.query) for hit in file_hits)
        assert all(hit.range_start is not None or hit.method == "HEAD" for hit in file_hits)
    group = QgsProject.instance().layerTreeRoot().findGroup(GROUP_NAME)
    assert all(group.findLayer(layer.id()) is not None for layer in layers)
    # a saved project keeps the address, not the signature
    project_file = tmp_path / "saved.qgs"
    assert QgsProject.instance().write(str(project_file))
    text = project_file.read_text(encoding="utf-8")
    assert base in text and "sig=" not in text


def test_a_portal_wanting_an_api_key_gets_it_as_a_header_kept_out_of_the_layer_source(tmp_path, plugin_env,
                                                                                      controller):
    cog = tmp_path / "visual.tif"
    make_geotiff(cog, bands=3, cog=True)
    key = "geodes-key-never-in-a-source"
    with DownloadServer() as portal:
        path = "/api/download/URN:FEATURE:DATA:gdh:0d9a:V1/files/visual.tif"
        portal.add_file(path, BytesContent(cog.read_bytes()), require=header_check("X-API-Key", key),
                        content_type="image/tiff")
        plugin_env.catalog({"geodes": {}})
        plugin_env.account("geodes", "", key)  # QGIS 3.22: the key goes in a Basic configuration's password
        product = make_product(portal="geodes", product_id="URN:FEATURE:DATA:gdh:0d9a:V1", name=S2,
                               collection="S2_MSI_L1C",
                               assets={"visual": Asset("visual", portal.url + path, media_type=GDAL_TIFF)})
        queue = controller()
        layer, = opened(queue, queue.open_remote(product, ["visual"]))
        assert layer.isValid() and layer.bandCount() == 3
        source = layer.source()
        assert re.fullmatch(r"/vsicurl\?url=[^&]+&header_file=" + re.escape(HEADER_FOLDER) + r"/[0-9a-f]{32}\.txt",
                            source), source
        assert key not in source
        assert pixels(layer).any()
        reads = [hit for hit in portal.hits(path) if hit.method == "GET"]
        assert reads and all(hit.headers.get("X-API-Key") == key for hit in reads)
        project_file = tmp_path / "saved.qgs"
        assert QgsProject.instance().write(str(project_file))
        assert key not in project_file.read_text(encoding="utf-8")
        header_file = source.split("header_file=")[1]
        assert gdal.VSIStatL(header_file) is not None
        queue.stop()  # unloading the plugin takes the secret out of GDAL's memory files
        assert gdal.VSIStatL(header_file) is None


def test_layers_are_built_off_the_main_thread_and_handed_to_it(tmp_path, plugin_env, controller, monkeypatch):
    from plugin.core.download.job import Job, State

    tif = tmp_path / "B04.tif"
    make_geotiff(tif)
    queue = controller()
    product = make_product(portal="earth_search", product_id="x", name=S2, collection="S2_MSI_L1C")
    job = Job(product=product, folder=str(tmp_path), state=State.DONE, files=[str(tif)])
    queue._jobs[job.id] = job  # a finished job as the manager announces it
    threads = []
    import plugin.layers as layers_module
    from qgis.PyQt.QtCore import QThread

    original = layers_module.create_layer

    def spy(spec):
        threads.append(QThread.currentThread())
        return original(spec)

    monkeypatch.setattr(layers_module, "create_layer", spy)
    layer, = opened(queue, queue.open_in_map(job.id))
    main = QCoreApplication.instance().thread()
    assert threads and threads[0] is not main
    assert layer.thread() is main and layer.isValid()


def test_header_files_follow_a_refreshed_token_and_go_away_on_clear():
    from plugin.core.auth import Authenticator
    from plugin.layers import HeaderFiles, remote_source

    class Rotating(Authenticator):
        """A bearer token that changes at each call, as a CDSE token does every ten minutes."""

        kind = "oidc"
        calls = 0

        def headers_for(self, url, origin):
            Rotating.calls += 1
            return {"Authorization": f"Bearer token-{Rotating.calls}"}

    files = HeaderFiles()
    source = remote_source("http://127.0.0.1:9/a.tif", Rotating("CDSE"), None, files)
    path = source.split("header_file=")[1]

    def text() -> str:
        handle = gdal.VSIFOpenL(path, "rb")
        try:
            return gdal.VSIFReadL(1, 1000, handle).decode()
        finally:
            gdal.VSIFCloseL(handle)

    assert text() == "Authorization: Bearer token-1\r\n" and "token" not in source
    files.refresh()  # what the controller's timer runs in a worker thread
    assert text() == "Authorization: Bearer token-2\r\n"
    files.clear()
    assert gdal.VSIStatL(path) is None and files.paths() == []


def test_a_downloaded_product_without_any_band_says_why_in_its_row_and_the_message_bar(tmp_path, plugin_env,
                                                                                       qgis_iface):
    archive = s2_variant(tmp_path / "made", bands=())  # metadata only: a download cut short by the portal
    content = FileContent(archive)
    with DownloadServer() as server:
        plugin_env.catalog({"dhus": {"url": server.url + "/dhus", "enabled": True}})
        plugin_env.account("dhus", "bob", DHUS_PASSWORD)
        settings.set_value("downloads/add_to_map", True)
        path = "/dhus/odata/v1/Products('T31TDH')/$value"
        server.add_file(path, content, require=basic_check("bob", DHUS_PASSWORD))
        controller = DownloadsController(qgis_iface, queue_file=plugin_env.queue_file)
        panel = DownloadsPanel(controller)
        controller.start()
        try:
            failed = []
            controller.layers_failed.connect(lambda job_id, message: failed.append(message))
            qgis_iface.messageBar().clearWidgets()
            controller.add([dhus_product(server.url + path, S2, content)])
            assert wait_until(lambda: failed, 30), [(j.state, j.error_text) for j in controller.jobs()]
            job, = controller.jobs()
            row = panel.row(job.id)
            assert row.state_label.text().startswith("Done")  # the download itself is complete
            expected = ("none of the product's image bands is in it (a partial download?): missing B01, B02, B03, "
                        "B04, B05, B06, B07, B08, B8A, B09, B10, B11, B12")
            assert row.map_note_label.text() == f"Could not add to the map: {expected}"
            assert row.map_note_label.isVisibleTo(row)
            assert [item.text() for item in qgis_iface.messageBar().items()] == [
                f"Could not add to the map: {S2}: {expected}"]
            assert QgsProject.instance().layerTreeRoot().findGroup(GROUP_NAME) is None or not \
                QgsProject.instance().layerTreeRoot().findGroup(GROUP_NAME).findLayers()
        finally:
            controller.stop()
            panel.deleteLater()
