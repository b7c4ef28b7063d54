"""How long the QGIS main thread can stall while the dock works: a 6-portal search, then 10,000 footprints.

    EO_PORTALS_FIXTURES=../shared/fixtures QT_QPA_PLATFORM=offscreen .venv/bin/python bench/ui_bench.py

A 10 ms QTimer runs on the main thread; the longest wait between two ticks is the longest stall a user
would feel (QGIS itself ticks its event loop the same way). Everything is on loopback:

1. A search of six portals replaying their real recorded answers with delays of 0.8 to 2 s: the five of
   tests/support/portals.py plus a mirror of Earth Search (same answers: every one of its products is
   merged with Earth Search's, as for a real mirror).
2. 10,000 products made from the recorded ones (footprints shifted so that none coincide), delivered to the
   dock the way the search task delivers a portal's page (its `_on_outcome` slot), until every row is in
   the table and every footprint on the map (batched data provider `addFeatures`).
3. A filter typed over those rows a key at a time, then cleared: how long each key holds the main thread, and
   when the footprints on the map match the rows shown.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("EO_PORTALS_FIXTURES", str(ROOT.parent / "shared" / "fixtures"))

from qgis.core import QgsApplication, QgsCoordinateReferenceSystem, QgsProject, QgsRectangle  # noqa: E402
from qgis.gui import QgsMapCanvas, QgsMessageBar  # noqa: E402
from qgis.PyQt.QtCore import QCoreApplication, QEventLoop, QSettings, QTimer  # noqa: E402
from qgis.PyQt.QtWidgets import QMainWindow  # noqa: E402

DELAYS = {"earth_search": 1.0, "cdse": 1.5, "planetary_computer": 2.0, "geodes": 1.2, "cdse_stac": 0.8}


class Iface:
    """The few parts of QgisInterface the dock uses."""

    def __init__(self) -> None:
        self.window = QMainWindow()
        self.canvas = QgsMapCanvas(self.window)
        self.window.setCentralWidget(self.canvas)
        self.bar = QgsMessageBar()
        self.window.resize(1000, 700)

    def mapCanvas(self):  # noqa: N802 (QgisInterface's names)
        return self.canvas

    def messageBar(self):  # noqa: N802
        return self.bar

    def mainWindow(self):  # noqa: N802
        return self.window

    def activeLayer(self):  # noqa: N802
        return None


class Ticker:
    """A 10 ms main-thread timer recording the longest wait between ticks."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)
        self.last = time.perf_counter()
        self.longest = 0.0

    def _tick(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self.last)
        self.last = now

    def start(self) -> None:
        gc.collect()  # from a collected heap, as the test does
        self.last, self.longest = time.perf_counter(), 0.0
        self.timer.start()

    def stop(self) -> float:
        self.timer.stop()
        self._tick()
        return self.longest


def spin_until(predicate: Callable[[], bool], timeout: float) -> bool:
    """Run the event loop (this is a benchmark, not the plugin) until `predicate` holds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end and not predicate():
        loop = QEventLoop()
        QTimer.singleShot(10, loop.quit)
        loop.exec()
    return predicate()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--footprints", type=int, default=10000, help="products for the second measure")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="eo_portals_ui_bench_"))
    QCoreApplication.setOrganizationName("QGIS")
    QCoreApplication.setApplicationName("QGIS3")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(work / "settings"))
    app = QgsApplication([], True)
    app.initQgis()

    from plugin import settings as prefs
    from plugin.core.search import Outcome
    from plugin.ui.dock import EOPortalsDock
    from tests.support.portals import SUPPORTED, many_products, recorded_portals

    prefs.quicklook_cache_folder = lambda: work / "quicklooks"  # keep the user's profile out of it
    iface = Iface()
    iface.canvas.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:4326"))
    iface.canvas.setExtent(QgsRectangle(-180, -90, 180, 90))
    iface.window.show()

    portals = list(SUPPORTED)
    with recorded_portals(work / "portals", portals, delay=DELAYS) as rp:
        catalog = json.loads(rp.catalog_path.read_text())
        catalog["earth_search_mirror"] = {"title": "Earth Search mirror", "protocol": "stac",
                                          "url": rp.url("earth_search"),
                                          "collections": {"S2_MSI_L2A": ["sentinel-2-l2a", "sentinel-2-c1-l2a"]},
                                          "options": {"cloud_filter": "query", "tile_property": "grid:code",
                                                      "tile_format": "MGRS-{tile}"}}
        path = work / "catalog.json"
        path.write_text(json.dumps(catalog))
        os.environ["EO_PORTALS_CATALOG"] = str(path)
        dock = EOPortalsDock(iface)
        dock.resize(420, 900)
        dock.show()
        dock.form.aoi.set_wkt("POLYGON((3 47,4 47,4 48,3 48,3 47))")
        dock.form.set_collection("S2_MSI_L2A")
        six = portals + ["earth_search_mirror"]
        dock.portal_list.set_checked_portals(six)
        dock.form.cloud_slider.setValue(100)
        spin_until(lambda: False, 0.2)

        ticker = Ticker()
        ticker.start()
        started = time.perf_counter()
        dock.run.search_button.click()
        done = spin_until(lambda: not dock.run.is_searching() and dock.results.pending_footprints() == 0, 60)
        elapsed = time.perf_counter() - started
        stall = ticker.stop()
        print(f"6-portal search ({', '.join(six)}), delays {min(DELAYS.values())}-{max(DELAYS.values())} s:")
        for line in dock.run.status_lines():
            print(f"    {line}")
        print(f"    {dock.results.model.rowCount()} rows, {dock.results.footprints.layer.featureCount()} footprints, "
              f"{elapsed:.2f} s{'' if done else ' (NOT FINISHED)'}")
        print(f"    longest main-thread stall: {stall * 1000:.1f} ms")

    recorded = [p for p in dock.results.products() if p.footprint is not None]
    many = many_products(recorded, args.footprints)
    before = dock.results.footprints.layer.featureCount()
    ticker.start()
    started = time.perf_counter()
    dock.run._on_outcome(Outcome("planetary_computer", "Planetary Computer", count=len(many)), many)
    done = spin_until(lambda: dock.results.pending_footprints() == 0, 120)
    elapsed = time.perf_counter() - started
    stall = ticker.stop()
    added = dock.results.footprints.layer.featureCount() - before
    print(f"{len(many)} products turned into rows and footprints:")
    print(f"    {added} footprints added, {dock.results.model.rowCount()} rows, {elapsed:.2f} s"
          f"{'' if done else ' (NOT FINISHED)'}")
    print(f"    longest main-thread stall: {stall * 1000:.1f} ms")

    # 3. the user types a filter over those rows, a key at a time, then clears it: the table and the map follow
    table = dock.results
    print(f"typing a filter over {table.model.rowCount()} rows (the table at once, the map after a pause):")
    keys = []
    for text in ("5", "59", "59V", "59VN", ""):
        ticker.start()
        started = time.perf_counter()
        table.filter_edit.setText(text)
        key = time.perf_counter() - started
        done = spin_until(lambda: table.footprints.layer.featureCount() == table.proxy.rowCount(), 30)
        elapsed = time.perf_counter() - started
        stall = ticker.stop()
        keys.append(key)
        print(f"    {text!r:8} {table.proxy.rowCount():6} rows shown, key {key * 1000:6.1f} ms, map follows in "
              f"{elapsed * 1000:6.0f} ms{'' if done else ' (NOT FINISHED)'}, longest stall {stall * 1000:.1f} ms")
    print(f"    later keys vs the first (which reads every row's text once): "
          f"{max(keys[1:-1]) / max(keys[0], 1e-9):.2f}x")

    dock.shutdown()
    dock.deleteLater()
    spin_until(lambda: QgsApplication.taskManager().countActiveTasks() == 0, 10)
    # Widgets and layers go before QGIS does: destroyed after exitQgis() they crash the interpreter's exit.
    dock = recorded = many = None
    QgsProject.instance().removeAllMapLayers()
    iface.window.close()
    iface.window.deleteLater()
    spin_until(lambda: False, 0.2)
    iface = None
    gc.collect()
    app.exitQgis()
    return 0


if __name__ == "__main__":
    sys.exit(main())
