"""The README's screenshots: `make screenshots` writes docs/*.png from the real widgets under offscreen Qt.

What is shown is what the plugin does against portals replaying their real recorded answers on loopback
(tests/support/portals.py): the panel docked beside a map canvas in a QMainWindow, the way QGIS docks it, with
a project that has no web basemap (only the Natural Earth countries QGIS ships, when present), the area of
interest drawn by the panel and the footprints layer its search made. Two liberties, both for the picture:
GEODES's search is answered with HTTP 401 (so the panel shows how a portal that wants an account looks), and
the selected product's quicklook is a real Sentinel-2 band (B01 of the recorded T31TDH product) served on
loopback in place of the portal's preview, which the recordings do not hold.

Run it with QGIS's Python (the test venv), offscreen and with the recordings:

    QT_QPA_PLATFORM=offscreen EO_PORTALS_FIXTURES=../shared/fixtures .venv/bin/python tests/tools/screenshots.py

Writes docs/panel-empty.png, docs/panel-results.png, docs/panel-wide-area.png (a rectangle 340° wide),
docs/panel-filtered.png (the results filtered by a tile, at the default 350 px dock width), the same two with a -fr suffix (QGIS in French, through
the plugin's own translator), docs/portals-dialog.png, and docs/qgis-window.png: QGIS itself under Xvfb with
the plugin enabled in a throw-away profile (this file runs inside it through --code; --no-qgis skips it).
Settings, profiles and caches live in a temporary folder: your QGIS profile is never read nor written, and a
closed loopback proxy keeps every request on the machine.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Callable, List, Optional

# QGIS runs this file through --code, where __file__ is not set: it is told the checkout instead.
ROOT = Path(os.environ.get("EO_PORTALS_ROOT") or Path(__file__).resolve().parents[2])
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
if not os.environ.get("EO_PORTALS_SHOT_IN_QGIS"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (  # noqa: E402 (after the path set-up)
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsFillSymbol,
    QgsProject,
    QgsRectangle,
    QgsSettings,
    QgsVectorLayer,
)
from qgis.gui import QgsLayerTreeMapCanvasBridge, QgsMapCanvas, QgsMessageBar  # noqa: E402
from qgis.PyQt.QtCore import QCoreApplication, QEventLoop, QLocale, QSettings, QSize, Qt, QTimer  # noqa: E402
from qgis.PyQt.QtGui import QColor, QFont  # noqa: E402
from qgis.PyQt.QtWidgets import QMainWindow, QVBoxLayout, QWidget  # noqa: E402

WORLD_MAP = Path("/usr/share/qgis/resources/data/world_map.gpkg")
PRODUCT_ZIP = "products/S2A_MSIL1C_20180101T105441_N0206_R051_T31TDH_20180101T124911.zip"
B01 = "GRANULE/L1C_T31TDH_A013204_20180101T105435/IMG_DATA/T31TDH_20180101T105441_B01.jp2"
PORTALS = ["planetary_computer", "geodes"]  # searched; GEODES answers 401
AOI = "POLYGON((168.6 55.6,172.4 55.6,172.4 57.9,168.6 57.9,168.6 55.6))"  # Kamchatka, where the recordings are
START, END = date(2018, 12, 20), date(2019, 1, 10)
MAX_CLOUD = 60
SELECTED_TILE = "59VND"
FILTER_TEXT = "59VN"  # typed in the results filter: a few of the tiles, the selected one among them
WINDOW = QSize(1440, 960)
DOCK_WIDTH = 470
DEFAULT_DOCK_WIDTH = 350  # what QGIS gives a new dock: the states a first-time user meets are shown at it


def spin(ms: int) -> None:
    """Let Qt deliver events for `ms` milliseconds (a tool may wait; the plugin never does)."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    """Spin until `predicate()` holds; fail loudly after `timeout` seconds."""
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise SystemExit(f"screenshots: timed out waiting for {what}")
        spin(20)


def start_qgis(folder: Path) -> QgsApplication:
    """QGIS with settings and profile in `folder` (the user's own are never touched)."""
    QCoreApplication.setOrganizationName(QgsApplication.QGIS_ORGANIZATION_NAME)
    QCoreApplication.setOrganizationDomain(QgsApplication.QGIS_ORGANIZATION_DOMAIN)
    QCoreApplication.setApplicationName(QgsApplication.QGIS_APPLICATION_NAME)
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder / "settings"))
    app = QgsApplication([], True, str(folder / "profile"))
    QgsApplication.setPrefixPath("/usr", True)
    app.initQgis()
    app.setStyle("Fusion")
    app.setFont(QFont("DejaVu Sans", 9))
    settings = QgsSettings()
    # A closed loopback proxy (127.0.0.1 excluded): a link to a real host fails at once, nothing leaves the machine.
    settings.setValue("proxy/proxyEnabled", True)
    settings.setValue("proxy/proxyType", "HttpProxy")
    settings.setValue("proxy/proxyHost", "127.0.0.1")
    settings.setValue("proxy/proxyPort", "9")
    settings.setValue("proxy/noProxyUrls", ["http://127.0.0.1"])
    return app


def quicklook_jpeg(fixtures: Path) -> bytes:
    """B01 of the recorded Sentinel-2 product, stretched to 8 bits, as a 600 px JPEG (a portal's preview size)."""
    from osgeo import gdal

    source = f"/vsizip/{fixtures / PRODUCT_ZIP}/{B01}"
    target = "/vsimem/eo_portals_quicklook.jpg"
    gdal.Translate(target, source, format="JPEG", outputType=gdal.GDT_Byte, width=600, height=600,
                   scaleParams=[[1200, 2600, 0, 255]], creationOptions=["QUALITY=88"])
    handle = gdal.VSIFOpenL(target, "rb")
    gdal.VSIFSeekL(handle, 0, 2)
    size = gdal.VSIFTellL(handle)
    gdal.VSIFSeekL(handle, 0, 0)
    data = gdal.VSIFReadL(1, size, handle)
    gdal.VSIFCloseL(handle)
    gdal.Unlink(target)
    return bytes(data)


class Iface:
    """The part of QgisInterface the panel uses, over this window's canvas and message bar."""

    def __init__(self, window: QMainWindow, canvas: QgsMapCanvas, bar: QgsMessageBar) -> None:
        self._window, self._canvas, self._bar = window, canvas, bar

    def mainWindow(self) -> QMainWindow:  # noqa: N802 (QGIS's name)
        return self._window

    def mapCanvas(self) -> QgsMapCanvas:  # noqa: N802
        return self._canvas

    def messageBar(self) -> QgsMessageBar:  # noqa: N802
        return self._bar

    def activeLayer(self):  # noqa: N802
        return None

    def openMessageLog(self) -> None:  # noqa: N802
        pass


class Scene:
    """A main window with a map canvas in the middle, the project's layers on it, and the panel docked right."""

    def __init__(self) -> None:
        self.window = QMainWindow()
        self.window.setWindowTitle("QGIS")
        central = QWidget(self.window)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        # As in QGIS: the message bar above the map, where the panel's messages go.
        self.message_bar = QgsMessageBar(central)
        self.canvas = QgsMapCanvas(central)
        self.canvas.setCanvasColor(QColor("#dfeaf2"))  # sea
        layout.addWidget(self.message_bar)
        layout.addWidget(self.canvas, 1)
        self.window.setCentralWidget(central)
        self.iface = Iface(self.window, self.canvas, self.message_bar)
        self.project = QgsProject.instance()
        self.bridge = QgsLayerTreeMapCanvasBridge(self.project.layerTreeRoot(), self.canvas)
        self.dock = None
        self.window.resize(WINDOW)

    def reset_project(self) -> None:
        """A new project in Web Mercator with no web basemap: only the countries QGIS ships, in pale grey."""
        self.project.clear()
        crs = QgsCoordinateReferenceSystem("EPSG:3857")
        self.project.setCrs(crs)
        self.canvas.setDestinationCrs(crs)
        if WORLD_MAP.exists():
            countries = QgsVectorLayer(f"{WORLD_MAP}|layername=countries", "Countries", "ogr")
            if countries.isValid():
                countries.setRenderer(countries.renderer().clone())
                countries.renderer().setSymbol(QgsFillSymbol.createSimple(
                    {"color": "#f4f1ea", "outline_color": "#b9b4aa", "outline_width": "0.2"}))
                self.project.addMapLayer(countries)

    def open_dock(self, width: int = DOCK_WIDTH):
        """The panel, built and docked as the plugin does it (main.py), `width` px wide."""
        from plugin import settings as prefs
        from plugin.ui.dock import EOPortalsDock

        prefs.set_splitter_state("")  # each picture starts from the panel's own layout
        self.dock = EOPortalsDock(self.iface, parent=self.window)
        self.window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.window.resizeDocks([self.dock], [width], Qt.Orientation.Horizontal)
        self.window.show()
        spin(50)
        reveal_filters(self.dock)
        return self.dock

    def close_dock(self) -> None:
        self.message_bar.clearWidgets()
        if self.dock is not None:
            self.dock.shutdown()
            self.window.removeDockWidget(self.dock)
            self.dock.deleteLater()
            self.dock = None
            spin(20)

    def zoom_to_wgs84(self, box: QgsRectangle) -> None:
        transform = QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:4326"), self.canvas.mapSettings()
                                           .destinationCrs(), self.project.transformContext())
        extent = transform.transformBoundingBox(box)
        extent.scale(1.1)
        self.canvas.setExtent(extent)

    def render(self) -> None:
        """Redraw the canvas and wait until its image is complete."""
        done: List[bool] = []
        self.canvas.mapCanvasRefreshed.connect(lambda: done.append(True))
        self.canvas.refresh()
        wait_until(lambda: bool(done) and not self.canvas.isDrawing(), 30, "the map canvas")
        self.canvas.mapCanvasRefreshed.disconnect()
        spin(50)

    def save(self, path: Path) -> None:
        image = self.window.grab().toImage()
        if image.isNull() or not image.save(str(path)):
            raise SystemExit(f"screenshots: could not write {path}")
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} "
              f"({image.width()}x{image.height()})")


def set_up_query(dock) -> None:
    """The panel filled in as a user would: area, collection, dates, cloud cover, portals."""
    assert dock.form.aoi.set_wkt(AOI)
    assert dock.form.set_collection("S2_MSI_L2A")
    dock.form.set_dates(START, END)
    dock.form.cloud_slider.setValue(MAX_CLOUD)
    dock.portal_list.set_checked_portals(PORTALS)


def run_search(scene: Scene, quicklook_url: str) -> None:
    """Search, select one product, wait for its quicklook and show the results on the map."""
    select_after_search(scene.dock, quicklook_url)
    scene.zoom_to_wgs84(scene.dock.results.footprints.layer.extent())


def select_after_search(dock, quicklook_url: str) -> None:
    """Search, then select one product and wait for its quicklook."""
    if not dock.start_search():
        raise SystemExit("screenshots: the search did not start")
    wait_until(lambda: not dock.run.is_searching() and dock.results.pending_footprints() == 0, 60, "the search")
    from plugin.ui.results_model import PRODUCT_ROLE

    row = next((r for r in range(dock.results.proxy.rowCount())
                if (dock.results.proxy.index(r, 0).data(PRODUCT_ROLE).tile or "") == SELECTED_TILE), 0)
    product = dock.results.proxy.index(row, 0).data(PRODUCT_ROLE)
    # The recordings' preview links point at the real portal: this product's is served on loopback instead.
    product.quicklook = quicklook_url
    for source in product.sources:
        source.quicklook = quicklook_url
    shown: List[str] = []
    dock.quicklook.shown.connect(shown.append)
    dock.results.table.selectRow(row)
    dock.results.table.scrollTo(dock.results.proxy.index(row, 0))
    wait_until(lambda: quicklook_url in shown, 20, "the quicklook")
    # As a user looking at previews would: give the quicklook more room (the panel remembers it).
    sizes = dock.splitter.sizes()
    if sizes[2] < 220:
        dock.splitter.setSizes([sizes[0], sizes[1] - (220 - sizes[2]), 220])


def shoot_panel(scene: Scene, out: Path, suffix: str, quicklook_url: str) -> None:
    """The empty panel (an area drawn, nothing searched yet), then the same after a search."""
    scene.reset_project()
    dock = scene.open_dock()
    set_up_query(dock)
    from qgis.core import QgsGeometry

    scene.zoom_to_wgs84(QgsGeometry.fromWkt(AOI).boundingBox().buffered(3.0))
    scene.render()
    scene.save(out / f"panel-empty{suffix}.png")
    run_search(scene, quicklook_url)
    scene.render()
    scene.save(out / f"panel-results{suffix}.png")
    scene.close_dock()


def shoot_filtered(scene: Scene, out: Path, quicklook_url: str) -> None:
    """At the default dock width, after a search: the text filter narrows the table and the map to the tiles
    typed, and the count says how many of the products found are shown."""
    scene.reset_project()
    dock = scene.open_dock(DEFAULT_DOCK_WIDTH)
    set_up_query(dock)
    run_search(scene, quicklook_url)
    dock.results.filter_edit.setText(FILTER_TEXT)
    wait_until(lambda: dock.results.footprints.layer.featureCount() == dock.results.proxy.rowCount(), 10,
               "the map to follow the filter")
    if not 0 < dock.results.proxy.rowCount() < dock.results.model.rowCount():
        raise SystemExit(f"screenshots: the filter {FILTER_TEXT!r} shows {dock.results.proxy.rowCount()} rows")
    scene.render()
    scene.save(out / "panel-filtered.png")
    scene.close_dock()


def shoot_wide_area(scene: Scene, out: Path) -> None:
    """A lon/lat map of the world and a rectangle dragged with the panel's Rectangle tool from 170°W to 170°E
    (80°S to 80°N): the panel describes the 340° wide area, never a strip at the antimeridian."""
    from qgis.core import QgsPointXY
    from qgis.PyQt.QtCore import QPoint
    from qgis.PyQt.QtTest import QTest

    scene.reset_project()
    crs = QgsCoordinateReferenceSystem("EPSG:4326")
    scene.project.setCrs(crs)
    scene.canvas.setDestinationCrs(crs)
    dock = scene.open_dock()
    scene.canvas.setExtent(QgsRectangle(-180, -90, 180, 90))
    scene.render()

    def pixel(lon: float, lat: float) -> QPoint:
        point = scene.canvas.getCoordinateTransform().transform(QgsPointXY(lon, lat))
        return QPoint(round(point.x()), round(point.y()))

    viewport = scene.canvas.viewport()
    dock.form.rectangle_button.click()
    start, end = pixel(-170, 80), pixel(170, -80)
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(viewport, end)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
    if dock.form.aoi.geometry().boundingBox().width() < 330 or "nan" in dock.form.aoi_label.text():
        raise SystemExit(f"screenshots: the wide area reads {dock.form.aoi_label.text()!r}")
    scene.render()
    scene.save(out / "panel-wide-area.png")
    scene.close_dock()


def shoot_portals_dialog(scene: Scene, out: Path) -> None:
    """Settings > portals and accounts as the panel opens it (the built-in catalog, the statuses the searches
    left), with GEODES (which wants an API key) selected."""
    from plugin.ui.portals_dialog import PortalsDialog

    loopback = os.environ.pop("EO_PORTALS_CATALOG", None)  # the real portals' addresses, not the loopback ones
    try:
        dialog = PortalsDialog(scene.window)
    finally:
        if loopback is not None:
            os.environ["EO_PORTALS_CATALOG"] = loopback
    dialog.resize(1000, 640)
    for row in range(dialog.table.rowCount()):
        item = dialog.table.item(row, 0)
        if item is not None and item.text().startswith("GEODES"):
            dialog.table.selectRow(row)
            break
    dialog.show()
    spin(100)
    image = dialog.grab().toImage()
    path = out / "portals-dialog.png"
    if image.isNull() or not image.save(str(path)):
        raise SystemExit(f"screenshots: could not write {path}")
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} ({image.width()}x{image.height()})")
    dialog.done(0)
    dialog.deleteLater()
    spin(20)


def reveal_filters(dock) -> None:
    """As a user does once (the panel remembers it): drag the splitter so that every filter shows. On first show
    the panel gives the filters the scroll area's capped size hint, which cuts the portal list."""
    splitter = dock.splitter
    sizes = splitter.sizes()
    wanted = dock.query_scroll.widget().sizeHint().height() + dock.run.search_button.sizeHint().height() + 16
    if wanted > sizes[0]:
        splitter.setSizes([wanted, max(60, sum(sizes) - wanted - sizes[2]), sizes[2]])


QGIS_INI = """[PythonPlugins]
eo_portals=true

[core]
NewsFeed\\httpsfeedqgisorg\\disabled=true

[app]
plugin_installer\\checkOnStart=false

[qgis]
checkVersion=false
showTips=false

[locale]
overrideFlag=true
userLocale=en_US
globalLocale=en_US

[proxy]
proxyEnabled=true
proxyType=HttpProxy
proxyHost=127.0.0.1
proxyPort=9
noProxyUrls=http://127.0.0.1
"""


def shoot_qgis_window(out: Path, folder: Path, quicklook_url: str) -> None:
    """QGIS itself under Xvfb (as `make run` starts it, the plugin enabled in a profile of its own), with the
    panel open after a search: this file runs inside it through --code (see `in_qgis`)."""
    qgis, xvfb_run = shutil.which("qgis"), shutil.which("xvfb-run")
    if not qgis or not xvfb_run:
        print("screenshots: no qgis or xvfb-run program: docs/qgis-window.png not made", file=sys.stderr)
        return
    profiles = folder / "qgis_profiles"
    profile = profiles / "profiles" / "eo_portals"
    (profile / "python" / "plugins").mkdir(parents=True)
    (profile / "QGIS").mkdir()
    (profile / "python" / "plugins" / "eo_portals").symlink_to(ROOT, target_is_directory=True)
    (profile / "QGIS" / "QGIS3.ini").write_text(QGIS_INI, encoding="utf-8")
    target = out / "qgis-window.png"
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "PYTHONPATH")}
    env.update(EO_PORTALS_SHOT_IN_QGIS=str(target), EO_PORTALS_QUICKLOOK_URL=quicklook_url,
               EO_PORTALS_ROOT=str(ROOT), XDG_RUNTIME_DIR=str(folder), LANG="C.UTF-8")
    command = [xvfb_run, "-a", "-s", "-screen 0 1600x1000x24", qgis, "--nologo", "--noversioncheck",
               "--profiles-path", str(profiles), "--profile", "eo_portals",
               "--code", str(ROOT / "tests" / "tools" / "screenshots.py")]
    for _attempt in range(2):  # xvfb-run -a picks its display number racily: once more if it lost the race
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                   start_new_session=True)
        try:
            output, _ = process.communicate(timeout=240)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
        if "Xvfb failed to start" not in output:
            break
    if process.returncode != 0 or not target.exists():
        raise SystemExit(f"screenshots: QGIS did not make {target.name} (exit {process.returncode}):\n"
                         f"{output[-3000:]}")
    print(f"wrote {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")


def in_qgis(target: Path) -> None:
    """Inside QGIS (--code): a project with the countries, the panel opened from its toolbar button, the search,
    a product selected; then the main window is saved to `target` and QGIS quits."""
    from qgis.PyQt.QtWidgets import QApplication
    from qgis.utils import iface, plugins

    def shoot() -> None:
        code = 0
        try:
            window = iface.mainWindow()
            window.move(0, 0)
            window.resize(1600, 1000)  # the whole virtual screen: without a window manager there is no maximising
            project = QgsProject.instance()
            if WORLD_MAP.exists():
                countries = QgsVectorLayer(f"{WORLD_MAP}|layername=countries", "Countries", "ogr")
                countries.renderer().setSymbol(QgsFillSymbol.createSimple(
                    {"color": "#f4f1ea", "outline_color": "#b9b4aa", "outline_width": "0.2"}))
                project.addMapLayer(countries)
            iface.mapCanvas().setCanvasColor(QColor("#dfeaf2"))
            plugin = plugins["eo_portals"]
            plugin.action.trigger()
            dock = plugin.dock
            window.resizeDocks([dock], [DOCK_WIDTH], Qt.Orientation.Horizontal)
            spin(500)
            reveal_filters(dock)
            set_up_query(dock)
            select_after_search(dock, os.environ["EO_PORTALS_QUICKLOOK_URL"])
            group = project.layerTreeRoot().findGroup("EO Portals")
            if group is not None:
                group.setExpanded(True)
            iface.setActiveLayer(dock.results.footprints.layer)
            canvas = iface.mapCanvas()
            box = dock.results.footprints.layer.extent()
            transform = QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:4326"),
                                               canvas.mapSettings().destinationCrs(), project.transformContext())
            extent = transform.transformBoundingBox(box)
            extent.scale(1.1)
            canvas.setExtent(extent)
            canvas.refresh()
            wait_until(lambda: not canvas.isDrawing(), 30, "the map")
            spin(1500)
            if not window.grab().save(str(target)):
                raise RuntimeError(f"could not write {target}")
        except BaseException:  # report and quit: nobody is watching this QGIS
            import traceback

            traceback.print_exc()
            code = 1
        QTimer.singleShot(0, lambda: QApplication.instance().exit(code))

    QTimer.singleShot(3000, shoot)


def install_french(folder: Path):
    """QGIS in French: the plugin's translator, installed as initGui() does, and QLocale's default (as QGIS sets it)."""
    import plugin.main as plugin_main

    qm = ROOT / "i18n" / "eo_portals_fr.qm"
    ts = ROOT / "i18n" / "eo_portals_fr.ts"
    if not qm.exists() or qm.stat().st_mtime < ts.stat().st_mtime:
        # `make screenshots` compiles it first; run alone, compile a fresh copy aside.
        lrelease = next((p for p in ("/usr/lib/qt5/bin/lrelease", shutil.which("lrelease")) if p and Path(p).exists()),
                        None)
        if lrelease is None:
            raise SystemExit("screenshots: lrelease is needed for the French pictures (make translations)")
        (folder / "i18n").mkdir(exist_ok=True)
        subprocess.run([lrelease, "-silent", str(ts), "-qm", str(folder / "i18n" / "eo_portals_fr.qm")], check=True)
        plugin_main.I18N_DIR = folder / "i18n"
    QgsSettings().setValue("locale/userLocale", "fr_FR")
    QLocale.setDefault(QLocale("fr_FR"))
    plugin = plugin_main.EOPortalsPlugin(None)
    plugin._install_translator()
    if plugin.translator is None:
        raise SystemExit("screenshots: the plugin found no French translation")
    return plugin


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="folder for the PNG files (docs/)")
    parser.add_argument("--no-qgis", action="store_true", help="skip the picture of QGIS itself (Xvfb)")
    args = parser.parse_args(argv)
    fixtures = Path(os.environ.get("EO_PORTALS_FIXTURES", ""))
    if not os.environ.get("EO_PORTALS_FIXTURES") or not (fixtures / PRODUCT_ZIP).exists():
        print("screenshots: set EO_PORTALS_FIXTURES to the recorded portal answers (../shared/fixtures)",
              file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="eo_portals_screenshots_") as tmp:
        folder = Path(tmp)
        app = start_qgis(folder)
        from plugin import settings as prefs
        from tests.support.portals import recorded_portals

        prefs.quicklook_cache_folder = lambda: folder / "quicklooks"
        scene = Scene()
        with recorded_portals(folder / "portals", PORTALS, fail={"geodes": 401}) as rp:
            rp.server.add("GET", "/previews/T31TDH_B01.jpg", quicklook_jpeg(fixtures), content_type="image/jpeg")
            quicklook_url = rp.server.url + "/previews/T31TDH_B01.jpg"
            os.environ["EO_PORTALS_CATALOG"] = str(rp.catalog_path)
            shoot_panel(scene, args.out, "", quicklook_url)
            shoot_wide_area(scene, args.out)
            shoot_filtered(scene, args.out, quicklook_url)
            shoot_portals_dialog(scene, args.out)
            if not args.no_qgis:
                shoot_qgis_window(args.out, folder, quicklook_url)
            translator = install_french(folder)
            shoot_panel(scene, args.out, "-fr", quicklook_url)
            QCoreApplication.removeTranslator(translator.translator)
        scene.window.close()
        QgsProject.instance().clear()
        del scene
        app.exitQgis()
    return 0


if os.environ.get("EO_PORTALS_SHOT_IN_QGIS"):
    in_qgis(Path(os.environ["EO_PORTALS_SHOT_IN_QGIS"]))  # QGIS runs this file with --code
elif __name__ == "__main__":
    sys.exit(main())
