#!/usr/bin/env python3
"""Benchmark of area subsets and parcel time series (plugin/core/subset.py), figures only, one run.

1. Bytes read / full asset size for a 10 km² area (goal <= 5 %), subset of B04 + B08 + SCL of one product:
   a. the real 34SGA fixture COGs as they are (1098 px at 100 m, 64 px blocks);
   b. the real 29RKH fixture COGs as they are (1098 px at 100 m, 512 px blocks: one block is a quarter of the
      tile, so a small area costs a large share of these reduced files);
   c. the layout of Earth Search's real Sentinel-2 L2A COGs (10980 px at 10 m, 1024 px blocks, DEFLATE,
      overviews), made here from the 29RKH pixels upsampled (nearest) to that size (not stored anywhere).
2. Time series, 50 dates x 20 parcels of about 1 ha to 25 ha in tile 29RKH: the fixture files served under 50
   dates (the fixtures are single dates) by a loopback server that waits `--latency` seconds before each answer,
   as a remote object store does. Wall time of the concurrent run (`--connections` products at once) against
   the sum of the same products read one at a time; requests and bytes per parcel-date; the pixel math alone
   (the same series without latency, one product at a time) per parcel-date.
3. The longest gap of a 5 ms ticker on the main thread while the series runs in its worker threads (GIL
   contention alone, no Qt).
4. The same series as the panel runs it: `SeriesTask` (ui/series_panel.py) in QGIS's task manager, each point
   drawn by the chart on the main thread as it arrives, and a 5 ms QTimer on the main thread: the longest wait
   between two ticks is the longest stall a user would feel (goal <= 50 ms). Skipped with --no-qgis.

Nothing goes further than 127.0.0.1. About a minute:

    EO_PORTALS_FIXTURES=../shared/fixtures .venv/bin/python bench/subset_bench.py [--quick]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("EO_PORTALS_FIXTURES", str(ROOT.parent / "shared" / "fixtures"))

from osgeo import gdal, osr  # noqa: E402
from shapely.geometry import box  # noqa: E402
from shapely.ops import transform as shapely_transform  # noqa: E402

from plugin.core.http import HttpSettings  # noqa: E402
from plugin.core.subset import Access, Parcel, SeriesRun, human_bytes, subset_product  # noqa: E402
from tests.support.cog_server import CogServer  # noqa: E402
from tests.support.cogs import S2_CLEAR, S2_CLOUDY, served_product, utc  # noqa: E402


def lonlat(geometry, epsg: int):
    source, target = osr.SpatialReference(), osr.SpatialReference()
    source.ImportFromEPSG(epsg)
    target.ImportFromEPSG(4326)
    for srs in (source, target):
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    transform = osr.CoordinateTransformation(source, target)
    return shapely_transform(lambda x, y, z=None: tuple(zip(*[transform.TransformPoint(a, b)[:2]
                                                              for a, b in zip(x, y)])), geometry)


def access(connections: int = 4):
    settings = HttpSettings(timeout=30)
    return lambda _portal: Access(settings, connections=connections)


def section_1(workdir: Path, quick: bool) -> None:
    print("1. Bytes read / full asset size, 10 km² area (3162 m x 3162 m), bands B04 + B08 + SCL")
    side = 3162.0
    cases = [("34SGA fixtures (64 px blocks)", S2_CLOUDY, 32634, (760030.0, 3540030.0), None),
             ("29RKH fixtures (512 px blocks)", S2_CLEAR, 32629, (250030.0, 2750030.0), None)]
    if not quick:
        cases.append(("Earth Search layout (10980 px, 1024 px blocks)", S2_CLEAR, 32629, (250030.0, 2750030.0),
                      make_full_size(workdir)))
    print(f"   {'case':<50} {'read':>10} {'full':>10} {'share':>7} {'requests':>8} {'seconds':>7}")
    for label, scene, epsg, (x, y), replacement in cases:
        with CogServer() as server:
            product = served_product(server, scene, prefix=f"/s1/{len(label)}")
            if replacement is not None:
                for key, path in replacement.items():
                    product.sources[0].assets[key].href = server.add(f"/full/{path.name}", path)
            area = lonlat(box(x, y, x + side, y + side), epsg)
            started = time.perf_counter()
            result = subset_product(product, ["B04", "B08", "SCL"], area, str(workdir / "out"),
                                    access_for=access())
            seconds = time.perf_counter() - started
            assert result.ok, result.error
            assert result.bytes_read == server.bytes_sent()
        share = result.bytes_read / result.full_size
        print(f"   {label:<50} {human_bytes(result.bytes_read):>10} {human_bytes(result.full_size):>10} "
              f"{share:>7.1%} {result.requests:>8} {seconds:>7.2f}")
    print("   (bytes read: GDAL's own count of the ranges it fetched, equal to what the server sent)")


def make_full_size(workdir: Path):
    """B04 and B08 at 10980 x 10980 px, 10 m, SCL at 5490 px, 20 m; 1024 px blocks, DEFLATE, overviews."""
    from tests.support.cogs import scene_file

    made = {}
    for key, size in (("red", 10980), ("nir", 10980), ("scl", 5490)):
        target = workdir / f"full_{key}.tif"
        gdal.Translate(str(target), str(scene_file(S2_CLEAR, key)), format="COG", width=size, height=size,
                       resampleAlg="near", creationOptions=["BLOCKSIZE=1024", "COMPRESS=DEFLATE", "NUM_THREADS=2"])
        made[key] = target
    return made


def series_products(server, dates: int, prefix: str):
    return [served_product(server, S2_CLEAR, utc(2020, 1, 1) + timedelta(days=5 * d), prefix=prefix)
            for d in range(dates)]


def parcels(count: int):
    found = []
    for i in range(count):
        x = 230000 + (i % 5) * 9000
        y = 2720000 + (i // 5) * 9000
        size = 100 + 100 * (i % 5)  # 1 ha to 25 ha
        found.append(Parcel(f"parcel{i:02d}", lonlat(box(x + 7, y + 7, x + 7 + size, y + 7 + size), 32629)))
    return found


def section_2_and_3(dates: int, count: int, latency: float, connections: int) -> None:
    print(f"\n2. Time series: {dates} dates x {count} parcels (NDVI, SCL mask), server latency {latency * 1000:.0f} ms "
          f"per answer, {connections} products at once")
    the_parcels = parcels(count)
    with CogServer() as server:
        # one at a time: the sum of single reads
        products = series_products(server, dates, "/single")
        for route in server.routes.values():
            route.delay = latency
        started = time.perf_counter()
        sequential = SeriesRun(products, the_parcels, "NDVI", None, access_for=access(1))
        points_single = list(sequential)
        single_wall = time.perf_counter() - started
        single_sum = sum(r.seconds for r in sequential.reads)
        # concurrent, on fresh paths (GDAL caches what it read per URL)
        products = series_products(server, dates, "/parallel")
        for route in server.routes.values():
            route.delay = latency
        server.clear()
        gaps = []
        stop = threading.Event()
        started = time.perf_counter()
        run = SeriesRun(products, the_parcels, "NDVI", None, access_for=access(connections))
        collected = []

        def consume():
            collected.extend(run)
            stop.set()

        worker = threading.Thread(target=consume)
        worker.start()
        last = time.perf_counter()
        while not stop.is_set():  # the main thread: a 5 ms ticker, as an event loop would tick
            time.sleep(0.005)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now
        worker.join()
        wall = time.perf_counter() - started
        requests = len(server.requests())
        sent = server.bytes_sent()
    cells = dates * count
    assert len(points_single) == len(collected) == cells, (len(points_single), len(collected))
    assert not any(p.error for p in collected)
    print(f"   sum of single reads (one product at a time): {single_sum:6.2f} s (wall {single_wall:.2f} s)")
    print(f"   concurrent run:                              {wall:6.2f} s   -> {single_sum / wall:.1f}x faster")
    print(f"   requests per parcel-date: {requests / cells:.2f}   bytes per parcel-date: {human_bytes(sent // cells)}"
          f"   (total {requests} requests, {human_bytes(sent)})")
    with CogServer() as server:  # the same series one product at a time, no latency: reading + pixel math
        local = series_products(server, dates, "/nolatency")
        started = time.perf_counter()
        list(SeriesRun(local, the_parcels, "NDVI", None, access_for=access(1)))
        local_seconds = time.perf_counter() - started
    print(f"   no latency, one product at a time: {local_seconds:.2f} s = {1000 * local_seconds / cells:.2f} ms per "
          f"parcel-date (loopback reading + masking + statistics; parcels of 1 to 25 ha)")
    gaps.sort()
    print(f"\n3. Main thread while the series runs: longest gap of a 5 ms ticker {1000 * gaps[-1]:.1f} ms "
          f"(median {1000 * gaps[len(gaps) // 2]:.1f} ms, {len(gaps)} ticks; goal <= 50 ms)")


def section_4(dates: int, count: int, latency: float, connections: int) -> None:
    from qgis.core import QgsApplication
    from qgis.PyQt.QtCore import QEventLoop, QTimer

    app = QgsApplication([], False)
    app.initQgis()
    from plugin.ui.chart import SeriesChart
    from plugin.ui.series_panel import SeriesTask

    print(f"\n4. QGIS: SeriesTask in the task manager, chart drawing each point, {dates} dates x {count} parcels")
    with CogServer() as server:
        products = series_products(server, dates, "/qgis")
        for route in server.routes.values():
            route.delay = latency
        chart = SeriesChart()
        chart.resize(340, 220)
        chart.show()
        task = SeriesTask(products, parcels(count), "NDVI", None, access(connections), lambda p: p)
        task.point_ready.connect(chart.add_point)
        gaps, last = [], [time.perf_counter()]

        def tick():
            now = time.perf_counter()
            gaps.append(now - last[0])
            last[0] = now

        timer = QTimer()
        timer.setInterval(5)
        timer.timeout.connect(tick)
        loop = QEventLoop()
        task.series_done.connect(lambda ok, message: loop.quit())
        timer.start()
        started = time.perf_counter()
        QgsApplication.taskManager().addTask(task)
        loop.exec()
        wall = time.perf_counter() - started
        timer.stop()
        points = len(chart.points())
        chart.close()
        chart = None
    gaps.sort()
    print(f"   {points} points in {wall:.2f} s; longest main-thread stall {1000 * gaps[-1]:.1f} ms "
          f"(99th percentile {1000 * gaps[int(len(gaps) * 0.99)]:.1f} ms, {len(gaps)} ticks of 5 ms; goal <= 50 ms)")
    app.exitQgis()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the full-size layout; 20 dates")
    parser.add_argument("--latency", type=float, default=0.03)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--no-qgis", action="store_true", help="skip section 4 (QGIS's task manager)")
    args = parser.parse_args()
    print(f"GDAL {gdal.__version__}; load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory(prefix="eo_subset_bench_") as folder:
        section_1(Path(folder), args.quick)
    section_2_and_3(20 if args.quick else 50, 20, args.latency, args.connections)
    if not args.no_qgis:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        section_4(20 if args.quick else 50, 20, args.latency, args.connections)
    print(f"\nload average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
