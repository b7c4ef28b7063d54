"""The Downloads tab and its controller in QGIS, against loopback portals (tests/support/download_servers.py).

The real Sentinel-2 product of the shared fixtures is served as a CDSE-like portal (OpenID Connect login,
redirect to another host, MD5 from the test) and downloaded from the dock's "Download" signal; the queue's
controls (pause all, resume all, cancel, retry) are clicked in the rows; accounts come from QGIS's
authentication database (configurations created in the test profile, as tests/qgis/test_accounts.py does).
"""
from __future__ import annotations

import hashlib
import json
import re
import threading
from pathlib import Path
from typing import Callable, Dict, List

import pytest
from osgeo import gdal
from qgis.core import QgsApplication, QgsProject, QgsTask

from plugin import settings
from plugin.core.download.job import State
from plugin.core.product import make_product
from plugin.core.download.queue import JobQueue
from plugin.downloads import DownloadsController
from plugin.main import attach_downloads
from plugin.layers import GROUP_NAME
from tests.qgis.test_plugin_lifecycle import qgis_window  # noqa: F401 (fixture)
from tests.support.download_servers import DownloadServer, FileContent, OidcProvider, PatternContent, basic_check
from tests.support.fixtures import fixture_path
from tests.support.rendering import rendered, shows_data
from tests.support.qt_wait import spin, wait_until as _wait_until
from tests.support.shots import DOCK_WIDTH, save_picture

S2 = "S2A_MSIL1C_20180101T105441_N0206_R051_T31TDH_20180101T124911"
S2_ZIP = f"products/{S2}.zip"
UUID = "05edf2bb-d103-49f1-a677-9e474138d84f"
TOKEN_PATH = "/auth/realms/CDSE/protocol/openid-connect/token"
CDSE_PASSWORD = "cdse-Pa55-never-shown"
DHUS_PASSWORD = "dhus-Pa55-never-shown"
TASK_NAME = "EO Portals downloads"


# ---- the Qt event loop in tests (the plugin itself never spins one) --------------------------------------
def wait_until(predicate: Callable[[], bool], timeout: float = 30.0) -> bool:
    """Spin until `predicate()` holds (tests/support/qt_wait.py), with this file's patience."""
    return _wait_until(predicate, timeout)


def our_tasks() -> List[QgsTask]:
    """The EO Portals downloads entries in QGIS's task manager that are still active."""
    return [t for t in QgsApplication.taskManager().activeTasks() if t.description() == TASK_NAME]


# ---- set-up -----------------------------------------------------------------------------------------------
GDAL_PROXY_OPTIONS = ("GDAL_HTTP_PROXY", "GDAL_HTTPS_PROXY", "GDAL_HTTP_PROXYUSERPWD", "GDAL_PROXY_AUTH")


@pytest.fixture
def no_gdal_proxy():
    """GDAL reaches the loopback portals directly. QGIS hands its proxy to GDAL (a global GDAL option, set when a
    GDAL layer is first made); a proxy left in the shared pytest-qgis profile by another test would otherwise
    send /vsicurl/ to it, as QGIS does not hand its exclusion list to GDAL."""
    before = {name: gdal.GetConfigOption(name) for name in GDAL_PROXY_OPTIONS}
    for name in GDAL_PROXY_OPTIONS:
        gdal.SetConfigOption(name, None)
    yield
    for name, value in before.items():
        gdal.SetConfigOption(name, value)


def only_portals(keep: Dict[str, dict]) -> Dict[str, dict]:
    """A catalog override: the portals in `keep` (with their overrides) and every other built-in one disabled."""
    from plugin.core.catalog import load_catalog

    entries: Dict[str, dict] = {pid: {"enabled": False} for pid in load_catalog(env={}).portals if pid not in keep}
    entries.update(keep)
    return entries


@pytest.fixture
def plugin_env(clean_portal_settings, make_config, tmp_path, monkeypatch, qgis_new_project):
    """Private settings, accounts in the test auth database, a download folder and a catalog file in tmp_path."""

    class Env:
        folder = tmp_path / "EO"
        queue_file = tmp_path / "profile" / "eo_portals" / "downloads.sqlite"
        catalog_file = tmp_path / "catalog.json"

        @staticmethod
        def catalog(entries: Dict[str, dict]) -> Path:
            Env.catalog_file.write_text(json.dumps(only_portals(entries)), encoding="utf-8")
            monkeypatch.setenv("EO_PORTALS_CATALOG", str(Env.catalog_file))
            return Env.catalog_file

        @staticmethod
        def account(portal_id: str, username: str, password: str) -> str:
            authcfg = make_config("Basic", f"{portal_id} account", username=username, password=password)
            settings.set_portal_authcfg(portal_id, authcfg)
            return authcfg

    settings.set_download_folder(str(Env.folder))
    return Env


@pytest.fixture
def make_dock(qgis_iface, plugin_env):
    """Docks with the Downloads tab attached, as the plugin builds them; stopped and deleted after the test."""
    from plugin.ui.dock import EOPortalsDock

    made: List[tuple] = []
    qgis_iface.messageBar().clearWidgets()

    def make():
        dock = EOPortalsDock(qgis_iface)
        dock.resize(420, 900)
        controller = attach_downloads(dock, queue_file=plugin_env.queue_file)
        made.append((dock, controller))
        return dock, controller

    yield make
    for dock, controller in made:
        controller.stop()
        dock.shutdown()
        dock.deleteLater()
    spin(50)
    qgis_iface.messageBar().clearWidgets()


def cdse_portal(catalogue: DownloadServer, zipper: DownloadServer, idp: OidcProvider, content, **route) -> str:
    """A CDSE-like download: the catalogue host redirects to the zipper host; both want the bearer token."""
    catalogue.add_token_endpoint(TOKEN_PATH, idp)
    path = f"/odata/v1/Products({UUID})/$value"
    catalogue.add_redirect(path, zipper.url + path, require=idp.check)
    zipper.add_file(path, content, require=idp.check, ranges=False, **route)
    return catalogue.url + path


def s2_product(url: str, size: int, md5: str):
    """The fixture product as the CDSE OData adapter describes it (name with .SAFE, size, MD5, online)."""
    return make_product(portal="cdse", product_id=UUID, name=S2 + ".SAFE", collection="S2_MSI_L1C",
                        download_url=url, size=size, checksums={"MD5": md5}, online=True)


def dhus_product(url: str, name: str, content: PatternContent):
    return make_product(portal="dhus", product_id=name.split("_")[5], name=name, collection="S2_MSI_L1C", download_url=url,
                        size=content.size, checksums={"MD5": content.md5()}, online=True)


def md5_of(path) -> str:
    return hashlib.md5(Path(path).read_bytes()).hexdigest()


# ---- the real product, from the dock to the map ----------------------------------------------------------
def test_real_sentinel2_product_from_the_dock_is_downloaded_verified_and_opened_in_true_colour(
        make_dock, plugin_env, qgis_iface):
    zip_path = fixture_path(S2_ZIP)
    md5 = md5_of(zip_path)
    size = zip_path.stat().st_size
    idp = OidcProvider("alice", CDSE_PASSWORD)
    seen_tasks: List[str] = []
    manager = QgsApplication.taskManager()
    on_added = lambda task_id: seen_tasks.append(manager.task(task_id).description())  # noqa: E731
    manager.taskAdded.connect(on_added)
    try:
        with DownloadServer() as catalogue, DownloadServer() as zipper:
            # about two seconds at 1.2 MB/s: long enough for the row to show the speed
            url = cdse_portal(catalogue, zipper, idp, FileContent(zip_path), rate=1_200_000)
            plugin_env.catalog({"cdse": {"token_url": catalogue.url + TOKEN_PATH}})
            plugin_env.account("cdse", "alice", CDSE_PASSWORD)
            dock, controller = make_dock()
            panel = controller.panel
            assert dock.tabs.tabText(dock.tab_index(panel)) == "Downloads"
            speeds: List[str] = []
            controller.job_progress.connect(
                lambda job_id, *_: speeds.append(panel.row(job_id).state_label.text()))
            added: List[tuple] = []
            controller.layers_added.connect(lambda job_id, ids: added.append((job_id, ids)))

            dock.download_requested.emit([s2_product(url, size, md5)])
            assert dock.tabs.currentIndex() == dock.tab_index(panel)  # the user sees the download start
            assert wait_until(lambda: added, 60), [j.error_text for j in controller.jobs()]
    finally:
        manager.taskAdded.disconnect(on_added)

    job, = controller.jobs()
    assert job.state is State.DONE, job.error_text
    # the row went through each state, in order, and says what was verified
    assert panel.history[job.id] == [State.QUEUED, State.DOWNLOADING, State.VERIFYING, State.DONE]
    row = panel.row(job.id)
    assert row.title_label.full_text() == "S2A L1C · 2018-01-01 · T31TDH"  # short, for a narrow panel
    assert row.title_label.toolTip() == S2
    assert row.state_label.text().startswith("Done · 1 file(s), 2.5 MB · MD5 verified")
    assert any(re.match(r"Downloading · [\d.]+ (MB|kB)/s · [\d.]+ (MB|kB) of 2\.5 MB$", text) for text in speeds), speeds
    assert row.map_button.isVisibleTo(row) and row.folder_button.isVisibleTo(row)
    assert not row.cancel_button.isVisibleTo(row) and row.remove_button.isVisibleTo(row)
    # verified bytes on disk, one login for the whole download, the job kept in the profile's queue
    archive = plugin_env.folder / f"{S2}.zip"
    assert job.files == [str(archive)] and md5_of(archive) == md5
    assert idp.logins == 1 and idp.refused == 0
    stored, = JobQueue(plugin_env.queue_file).load()
    assert (stored.id, stored.state, stored.files) == (job.id, State.DONE, job.files)
    # in the map: valid, in the project, in the downloads group. The product is partial (it holds only band B01,
    # 60 m): its 10 m true colour would be all black, so B01 is shown, in grey, and the missing bands are named in
    # the row and the message bar (a full product opens in true colour: tests/qgis/test_layers.py).
    job_id, (layer_id,) = added[0]
    assert job_id == job.id
    layer = QgsProject.instance().mapLayer(layer_id)
    assert layer is not None and layer.isValid()
    assert layer.source() == (f"/vsizip/{archive}/GRANULE/L1C_T31TDH_A013204_20180101T105435/IMG_DATA/"
                              "T31TDH_20180101T105441_B01.jp2")
    group = QgsProject.instance().layerTreeRoot().findGroup(GROUP_NAME)
    assert group is not None and group.findLayer(layer_id) is not None
    assert shows_data(rendered(layer))
    # reflectance 0 to 0.3 (baseline 02.06: no offset, quantification 10000)
    enhancement = layer.renderer().contrastEnhancement()
    assert (enhancement.minimumValue(), enhancement.maximumValue()) == (0.0, 3000.0)
    missing = ("bands missing from the product: B02, B03, B04, B05, B06, B07, B08, B8A, B09, B10, B11, B12; "
               "the map shows band B01 (60 m)")
    assert wait_until(lambda: row.map_note_label.text() == "B" + missing[1:], 5), row.map_note_label.text()
    assert row.map_note_label.isVisibleTo(row) and row.state_label.text().startswith("Done")
    assert f"{S2}: {missing}" in [item.text() for item in qgis_iface.messageBar().items()]
    assert layer.crs().authid() == "EPSG:32631"
    # the download showed in QGIS's task manager as one entry, gone once nothing is left to download
    assert seen_tasks.count(TASK_NAME) == 1
    assert wait_until(lambda: not our_tasks(), 10)


# ---- queue controls from the rows ---------------------------------------------------------------------
@pytest.fixture
def dhus(plugin_env):
    """A DHuS mirror on loopback (HTTP Basic, Range honoured) and its account in the auth database."""
    with DownloadServer() as server:
        plugin_env.catalog({"dhus": {"url": server.url + "/dhus", "enabled": True}})
        plugin_env.account("dhus", "bob", DHUS_PASSWORD)
        settings.set_add_to_map(False)  # generated bytes, not rasters
        yield server


def add_slow(server: DownloadServer, name: str, size: int = 3_000_000, rate: float = 1_000_000, seed: int = 1):
    content = PatternContent(size, seed=seed)
    path = f"/dhus/odata/v1/Products('{name.split('_')[5]}')/$value"  # the tile: one path per product
    server.add_file(path, content, require=basic_check("bob", DHUS_PASSWORD), rate=rate)
    return dhus_product(server.url + path, name, content), path, content


A = "S2B_MSIL1C_20230105T105339_N0509_R051_T31TCJ_20230105T113913"
B = "S2B_MSIL1C_20230105T105339_N0509_R051_T31TDJ_20230105T113913"


def test_pause_all_resume_all_cancel_and_retry_from_the_panel(make_dock, plugin_env, dhus):
    product_a, path_a, content_a = add_slow(dhus, A, seed=1)
    product_b, path_b, content_b = add_slow(dhus, B, seed=2)
    dock, controller = make_dock()
    panel = controller.panel
    dock.download_requested.emit([product_a, product_b])
    assert wait_until(lambda: len(controller.jobs()) == 2)
    ids = {job.title: job.id for job in controller.jobs()}
    a, b = ids[A], ids[B]
    assert wait_until(lambda: controller.job(a).bytes_done > 500_000 and controller.job(b).bytes_done > 0, 20)
    assert len(our_tasks()) == 1

    panel.pause_button.click()
    assert wait_until(lambda: {controller.job(a).state, controller.job(b).state} == {State.PAUSED})
    paused_at = controller.job(a).bytes_done
    part_a = plugin_env.folder / f"{A}.zip.part"
    assert part_a.exists() and part_a.stat().st_size >= 500_000  # the partial file is kept
    assert panel.row(a).state_label.text().startswith("Paused at ")
    assert panel.row(a).retry_button.isVisibleTo(panel.row(a))
    assert wait_until(lambda: not our_tasks(), 10)  # nothing is downloading: no task in the task manager
    assert not panel.pause_button.isEnabled() and panel.resume_button.isEnabled()

    panel.resume_button.click()
    assert wait_until(lambda: controller.job(a).state is State.DOWNLOADING and controller.job(b).state is
                      State.DOWNLOADING)
    assert wait_until(lambda: len(our_tasks()) == 1, 10)
    panel.row(b).cancel_button.click()
    assert wait_until(lambda: controller.job(b).state is State.CANCELLED)
    assert not (plugin_env.folder / f"{B}.zip.part").exists()  # a cancel deletes the partial file
    assert panel.row(b).state_label.text() == "Cancelled"
    assert panel.row(b).retry_button.isVisibleTo(panel.row(b))

    panel.row(b).retry_button.click()
    assert wait_until(lambda: controller.job(a).state is State.DONE and controller.job(b).state is State.DONE, 30), \
        [(j.title, j.state, j.error_text) for j in controller.jobs()]
    assert md5_of(plugin_env.folder / f"{A}.zip") == content_a.md5()
    assert md5_of(plugin_env.folder / f"{B}.zip") == content_b.md5()
    # A resumed from its .part with a Range request: the bytes before the pause were not fetched again
    ranges = [hit.range_start for hit in dhus.hits(path_a)]
    assert ranges[0] is None and ranges[-1] is not None and ranges[-1] >= paused_at - 300_000
    assert dhus.bytes_sent(path_a) < content_a.size + 600_000
    assert panel.history[a] == [State.QUEUED, State.DOWNLOADING, State.PAUSED, State.QUEUED, State.DOWNLOADING,
                                State.VERIFYING, State.DONE]
    assert panel.history[b][-5:] == [State.CANCELLED, State.QUEUED, State.DOWNLOADING, State.VERIFYING, State.DONE]
    assert wait_until(lambda: not our_tasks(), 10)
    assert panel.summary_label.text() == "2 done"

    panel.clear_button.click()
    assert controller.jobs() == [] and panel.rows == {}
    assert panel.empty_label.isVisibleTo(panel)
    assert wait_until(lambda: JobQueue(plugin_env.queue_file).load() == [], 5)  # forgotten in the profile too


def test_a_refused_login_is_said_in_the_row_and_the_message_bar(make_dock, plugin_env, qgis_iface):
    idp = OidcProvider("alice", CDSE_PASSWORD)
    with DownloadServer() as catalogue, DownloadServer() as zipper:
        content = PatternContent(100_000)
        url = cdse_portal(catalogue, zipper, idp, content)
        plugin_env.catalog({"cdse": {"token_url": catalogue.url + TOKEN_PATH}})
        plugin_env.account("cdse", "alice", "a-wrong-password")
        dock, controller = make_dock()
        dock.download_requested.emit([s2_product(url, content.size, content.md5())])
        assert wait_until(lambda: controller.jobs() and controller.jobs()[0].state is State.FAILED)
    job = controller.jobs()[0]
    expected = "CDSE: login refused, check the account in EO Portals settings"
    assert job.error_text == expected
    row = controller.panel.row(job.id)
    assert row.state_label.text() == "Failed: " + expected
    assert controller.panel.account_problem(job.id)
    assert [item.text() for item in qgis_iface.messageBar().items()] == [expected]
    assert idp.refused == 1 and idp.logins == 0  # one try: a refused password is not sent again
    assert zipper.hits() == []
    # the password appears nowhere the user or a file could see it
    assert "a-wrong-password" not in row.state_label.text() + job.error_text
    assert b"a-wrong-password" not in plugin_env.queue_file.read_bytes()


def test_the_task_manager_entry_cancels_every_download(make_dock, plugin_env, dhus):
    product_a, _, _ = add_slow(dhus, A, seed=1, rate=300_000)
    product_b, _, _ = add_slow(dhus, B, seed=2, rate=300_000)
    _dock, controller = make_dock()
    controller.add([product_a, product_b])
    assert wait_until(lambda: len(our_tasks()) == 1 and all(j.state is State.DOWNLOADING for j in controller.jobs()))
    task, = our_tasks()
    task.cancel()  # the task manager's cancel button
    assert wait_until(lambda: [j.state for j in controller.jobs()] == [State.CANCELLED, State.CANCELLED])
    assert wait_until(lambda: not our_tasks(), 10)
    assert not list(plugin_env.folder.glob("*.part"))


def test_the_downloads_task_leaves_the_task_pool_to_searches_and_quicklooks(make_dock, plugin_env, dhus):
    """QGIS runs tasks on the global pool of QThread.idealThreadCount() threads (2 here): with the downloads entry
    in the task manager, two other tasks must still run side by side."""
    from qgis.PyQt.QtCore import QThreadPool

    if QThreadPool.globalInstance().maxThreadCount() != 2:
        pytest.skip("the proof needs a task pool of two threads (set by this machine's cores)")
    product_a, _, _ = add_slow(dhus, A, seed=1, rate=200_000)
    _dock, controller = make_dock()
    controller.add([product_a])
    assert wait_until(lambda: len(our_tasks()) == 1 and controller.jobs()[0].state is State.DOWNLOADING)
    barrier = threading.Barrier(2, timeout=10)
    results: Dict[str, bool] = {}

    class Meet(QgsTask):
        """Succeeds only if the other Meet task runs at the same time."""

        def run(self) -> bool:
            try:
                barrier.wait()
                return True
            except threading.BrokenBarrierError:
                return False

        def finished(self, ok: bool) -> None:
            results[self.description()] = ok

    slots = QgsApplication.taskManager()
    tasks = [Meet(f"meet {i}") for i in range(2)]
    for task in tasks:
        slots.addTask(task)
    assert wait_until(lambda: len(results) == 2, 20)
    assert results == {"meet 0": True, "meet 1": True}
    assert controller.jobs()[0].state is State.DOWNLOADING and len(our_tasks()) == 1
    controller.cancel(controller.jobs()[0].id)


def test_a_download_stopped_with_qgis_resumes_when_the_queue_starts_again(make_dock, plugin_env, dhus):
    product_a, path_a, content_a = add_slow(dhus, A, seed=1, rate=1_000_000)
    _dock, controller = make_dock()
    controller.add([product_a])
    assert wait_until(lambda: controller.jobs() and controller.jobs()[0].bytes_done > 800_000)
    controller.stop()  # what unloading the plugin or quitting QGIS does
    stored, = JobQueue(plugin_env.queue_file).load()
    assert stored.state is State.QUEUED and stored.bytes_done > 0  # stopped mid-way, queued for the next start
    kept = (plugin_env.folder / f"{A}.zip.part").stat().st_size
    assert kept >= 800_000
    dhus.clear()

    _dock2, again = make_dock()
    assert wait_until(lambda: again.jobs() and again.jobs()[0].state is State.DONE, 30)
    job, = again.jobs()
    assert job.id == stored.id
    assert md5_of(job.files[0]) == content_a.md5()
    hit, = dhus.hits(path_a)
    assert hit.range_start == kept and hit.bytes_sent == content_a.size - kept
    assert again.panel.history[job.id][0] is State.QUEUED


# ---- products without a product archive: choosing their files ----------------------------------------------
ES_HOST = "https://sentinel-cogs.s3.us-west-2.amazonaws.com"


def earth_search_product(base: str):
    """The first recorded Earth Search L2A item (pystac-client cassette), its COG host rewritten to `base`."""
    from plugin.core.catalog import load_catalog
    from plugin.core.portals import stac
    from plugin.core.query import SearchQuery
    from tests.support.fixtures import cassette

    body = cassette("earth_search/cassette_multiple_collections.yaml")[0]["body"]
    feature = json.loads(body.replace(ES_HOST.encode(), base.encode()))["features"][0]
    query = SearchQuery.create("POLYGON((0 0,1 0,1 1,0 1,0 0))", "2023-10-01", "2023-10-10", "S2_MSI_L2A")
    return stac.product_from_item(load_catalog(env={}).portal("earth_search"), query, feature)


def test_files_of_a_product_without_archive_are_chosen_then_downloaded_or_opened_in_place(
        make_dock, plugin_env, tmp_path, no_gdal_proxy):
    from tests.qgis.test_layers import make_geotiff

    make_geotiff(tmp_path / "TCI.tif", bands=3, cog=True)
    make_geotiff(tmp_path / "SCL.tif", cog=True)
    with DownloadServer() as cogs:
        product = earth_search_product(cogs.url)
        source = product.sources[0]
        for key, name in (("visual", "TCI.tif"), ("scl", "SCL.tif")):
            href = source.assets[key].href
            assert href.startswith(cogs.url) and href.endswith("/" + name)
            cogs.add_file(href[len(cogs.url):], FileContent(tmp_path / name), content_type="image/tiff")
        plugin_env.catalog({"earth_search": {}})
        dock, controller = make_dock()
        panel = controller.panel
        added: List[list] = []
        controller.layers_added.connect(lambda job_id, ids: added.append(ids))

        dock.download_requested.emit([product])
        dialog = panel.assets_dialog
        assert dialog is not None and dialog.isVisible() and controller.jobs() == []
        assert dialog.chosen() == ["visual"]  # true colour is offered first
        assert dialog.preset_buttons["bands"].toolTip() == "blue, green, red, nir"
        dialog.preset_buttons["scl"].click()
        assert dialog.chosen() == ["scl"]
        assert all(key in dialog.available for key in ("visual", "scl", "blue"))
        assert "visual-jp2" not in dialog.available  # s3:// only: not downloadable over HTTP
        dialog.set_chosen(["visual", "scl"])
        assert dialog.chosen() == ["scl", "visual"]  # in the portal's order of assets
        assert dialog.open_button.isEnabled()
        dialog.download_button.click()
        assert wait_until(lambda: len(added) == 1, 30), [(j.state, j.error_text) for j in controller.jobs()]
        job, = controller.jobs()
        folder = plugin_env.folder / product.title
        assert job.state is State.DONE and job.files == [str(folder / "SCL.tif"), str(folder / "TCI.tif")]
        layers = [QgsProject.instance().mapLayer(i) for i in added[0]]
        assert [(layer.name(), layer.isValid(), layer.bandCount()) for layer in layers] == [("SCL", True, 1),
                                                                                              ("TCI", True, 3)]

        # the same product again, this time read in place
        cogs.clear()
        dock.download_requested.emit([product])
        dialog = panel.assets_dialog
        dialog.set_chosen(["visual"])
        dialog.open_button.click()
        assert wait_until(lambda: len(added) == 2, 30)
        remote, = [QgsProject.instance().mapLayer(i) for i in added[1]]
        assert remote.isValid() and remote.name() == f"{product.title} visual"
        assert remote.source() == "/vsicurl/" + source.assets["visual"].href
        assert len(controller.jobs()) == 1  # nothing new was downloaded
        assert all(hit.range_start is not None for hit in cogs.hits() if hit.method == "GET" and
                   hit.path.endswith("TCI.tif"))


# ---- the plugin's life cycle -----------------------------------------------------------------------------
def test_unloading_the_plugin_stops_the_queue_and_leaves_nothing_running(plugin_package, qgis_window, plugin_env,
                                                                         dhus, monkeypatch):
    import importlib

    # the plugin as QGIS imports it (package eo_portals), its queue in this test's folder, not the shared profile
    monkeypatch.setattr(importlib.import_module("eo_portals.plugin.settings"), "queue_path",
                        lambda: plugin_env.queue_file)
    product_a, _, _ = add_slow(dhus, A, rate=300_000)
    plugin = plugin_package.classFactory(qgis_window.iface)
    plugin.initGui()
    try:
        plugin.action.trigger()
        dock, controller = plugin.dock, plugin.downloads
        titles = [dock.tabs.tabText(i) for i in range(dock.tabs.count())]
        assert controller is not None and titles[0] == "Search" and "Downloads" in titles
        assert titles[-1] == "openEO"  # the openEO tab comes last
        controller.add([product_a])
        # (the plugin's own State enum: the package eo_portals is a second copy of the modules)
        assert wait_until(lambda: controller.jobs() and controller.jobs()[0].state.value == "downloading")
        assert len(our_tasks()) == 1
    finally:
        plugin.unload()
    spin(100)
    assert plugin.downloads is None
    assert not [t for t in threading.enumerate() if t.name.startswith(("eo-download", "eo-portals"))]
    assert wait_until(lambda: not our_tasks(), 10)
    assert controller._path_writer._id is None and controller.header_files.paths() == []
    stored, = JobQueue(plugin_env.queue_file).load()
    assert stored.state is State.QUEUED and stored.bytes_done > 0  # kept for the next session


# ---- what the tab looks like ---------------------------------------------------------------------------------
def test_downloads_tab_screenshot_with_rows_in_several_states(make_dock, plugin_env, dhus, tmp_path):
    done, _, _ = add_slow(dhus, "S2A_MSIL1C_20230110T105421_N0509_R051_T31TCJ_20230110T113927", size=400_000,
                          rate=10_000_000, seed=3)
    missing = dhus_product(dhus.url + "/dhus/odata/v1/Products('gone')/$value",
                           "S2A_MSIL1C_20230110T105421_N0509_R051_T31TDJ_20230110T113927", PatternContent(1000))
    offline_content = PatternContent(1000)
    dhus.add_file("/dhus/odata/v1/Products('lta')/$value", offline_content, offline=True,
                  require=basic_check("bob", DHUS_PASSWORD))
    offline = dhus_product(dhus.url + "/dhus/odata/v1/Products('lta')/$value",
                           "S2B_MSIL1C_20230112T104329_N0509_R008_T31TCH_20230112T112458", offline_content)
    slow = [add_slow(dhus, f"S2B_MSIL1C_20230115T105339_N0509_R051_T31T{tile}_20230115T113913", size=8_000_000,
                     rate=250_000, seed=4 + i)[0] for i, tile in enumerate(("CK", "DK", "EK"))]
    dock, controller = make_dock()
    panel = controller.panel
    controller.add([done, missing, offline])
    assert wait_until(lambda: len(controller.jobs()) == 3 and all(j.state in (State.DONE, State.FAILED, State.OFFLINE)
                                                                   for j in controller.jobs()))
    controller.add(slow)  # DHuS mirrors allow 2 at once: the third waits
    assert wait_until(lambda: sum(1 for j in controller.jobs() if j.state is State.DOWNLOADING and j.speed > 0) == 2
                      and any(j.state is State.QUEUED for j in controller.jobs()), 20)
    spin(600)
    texts = {job.title[-22:-16]: panel.row(job.id).state_label.text().replace("\u200b", "") for job in controller.jobs()}
    assert texts["T31TCJ"].startswith("Done · 1 file(s), 400 kB · MD5 verified")
    assert texts["T31TDJ"] == "Failed: DHuS mirror: HTTP 404: no route for /dhus/odata/v1/Products('gone')/$value"
    assert texts["T31TCH"] == ("Offline: DHuS mirror: the product is offline: the portal is bringing it back from its "
                               "long-term archive, retry later")
    assert sum(1 for t in texts.values() if re.match(r"Downloading · [\d.]+ kB/s · [\d.]+ (kB|MB) of 8\.0 MB", t)) == 2
    assert sum(1 for t in texts.values() if t == "Queued") == 1
    assert panel.summary_label.text() == "2 downloading · 1 queued · 1 done · 1 failed · 1 offline"
    dock.tabs.setCurrentWidget(dock.tabs.widget(dock.tab_index(panel)))
    dock.resize(DOCK_WIDTH, 760)
    dock.show()
    spin(100)
    # at the default width the summary wraps, and every line of it shows (a row layout gave it one line)
    summary = panel.summary_label
    assert summary.height() >= summary.heightForWidth(summary.width()) > summary.fontMetrics().height()
    assert summary.visibleRegion().boundingRect().height() == summary.height()
    save_picture(dock, "downloads-tab.png", tmp_path)
    dock.hide()
    for job in controller.jobs():
        controller.cancel(job.id)


def test_an_unusable_queue_file_leaves_downloads_working_for_the_session(plugin_env, dhus, qgis_iface, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the profile folder should be", encoding="utf-8")
    product_a, _, content_a = add_slow(dhus, A, rate=20_000_000)
    controller = DownloadsController(qgis_iface, queue_file=blocked / "eo_portals" / "downloads.sqlite")
    logged: List[str] = []

    def collect(text, _tag, _level):
        logged.append(text)

    QgsApplication.messageLog().messageReceived.connect(collect)
    controller.start()
    try:
        assert controller.store is None
        assert any("cannot be used" in text and "will not be resumed" in text for text in logged), logged
        controller.add([product_a])
        assert wait_until(lambda: controller.jobs() and controller.jobs()[0].state is State.DONE)
        assert md5_of(controller.jobs()[0].files[0]) == content_a.md5()
    finally:
        QgsApplication.messageLog().messageReceived.disconnect(collect)
        controller.stop()
