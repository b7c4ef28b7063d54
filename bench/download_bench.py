#!/usr/bin/env python3
"""Benchmark of the download engine, measured in one run against baselines of the same run.

1. Throughput of a 1 GiB download (`plugin.core.download.fetch.fetch_file`: streamed to .part, fsync'ed, renamed)
   from a loopback server in another process, against ``curl`` fetching the same file to the same disk
   (ratio engine / curl, and against curl + fsync since the engine makes the file durable before renaming
   it), and with MD5 verified while streaming against ``curl`` + fsync + ``md5sum``. Best of 2 runs each.
2. Peak memory growth of this process during that download (resident set size sampled every 10 ms), and
   the peak of Python allocations traced by tracemalloc during a second full download.
3. Resume after a kill: a second process downloads the file and is SIGKILLed at about 40 %; this process
   then resumes from the ``.part``. Printed: bytes on disk at the kill, the offset of the Range request,
   bytes re-fetched (asked again although already on disk: 0 expected), bytes lost in flight (sent by the
   server but not yet written when the process died), and whether the result is byte-identical (MD5).

The data is generated (a seeded 1 MiB block repeated), never stored in the repository. Figures only, no
pass/fail; nothing goes further than 127.0.0.1. Runs in about a minute:

    .venv/bin/python bench/download_bench.py [--size-mib 1024]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from plugin.core.auth import Authenticator  # noqa: E402
from plugin.core.catalog import load_catalog  # noqa: E402
from plugin.core.download.fetch import FetchContext, fetch_file  # noqa: E402
from plugin.core.download.plan import FileTarget  # noqa: E402
from plugin.core.http import make_session  # noqa: E402

REPEATS = 2
KILLED_RUN = """
import sys
sys.path.insert(0, sys.argv[1])
from plugin.core.auth import Authenticator
from plugin.core.catalog import load_catalog
from plugin.core.download.fetch import FetchContext, fetch_file
from plugin.core.download.plan import FileTarget
from plugin.core.http import make_session
portal = load_catalog().portal("earth_search")
ctx = FetchContext(session=make_session(), portal=portal, auth=Authenticator(portal.title))
fetch_file(FileTarget("k", sys.argv[2], "", int(sys.argv[3]), {"MD5": sys.argv[4]}), sys.argv[5], ctx)
"""


def rss_bytes() -> int:
    """Resident set size of this process now."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * resource.getpagesize()


class PeakRss:
    """Samples the resident set size in a thread; `growth` = peak minus the value at start."""

    def __init__(self, interval: float = 0.01):
        self.interval = interval
        self.start = rss_bytes()
        self.peak = self.start
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, rss_bytes())

    def __enter__(self) -> "PeakRss":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_bytes())

    @property
    def growth(self) -> int:
        return self.peak - self.start


def get_json(url: str):
    with urllib.request.urlopen(url, timeout=120) as answer:
        return json.loads(answer.read())


def engine_context():
    portal = load_catalog().portal("earth_search")  # resume allowed, no account: only the engine is measured
    return FetchContext(session=make_session(), portal=portal, auth=Authenticator(portal.title))


def mb(n: float) -> str:
    return f"{n / 1e6:,.1f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024, help="size of the file (default 1024 MiB)")
    args = parser.parse_args()
    size = args.size_mib * 1024 * 1024
    work = Path(tempfile.mkdtemp(prefix="eo-download-bench-"))
    server = subprocess.Popen([sys.executable, str(ROOT / "tests" / "support" / "download_servers.py"),
                               "--size", str(size)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        base = server.stdout.readline().strip()
        url = base + "/big.bin"
        md5 = get_json(base + "/_md5")["md5"]
        print(f"EO Portals download bench: {args.size_mib} MiB of generated data from {base} (server in its own "
              f"process), files in {work}; {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")
        print()

        # 1. throughput against curl, same file, same disk; best of REPEATS runs (the machine may be busy)
        curl = shutil.which("curl")
        md5sum = shutil.which("md5sum")
        figures: dict = {}

        def keep(label: str, seconds: float) -> None:
            figures[label] = min(seconds, figures.get(label, float("inf")))

        dest = work / "engine.bin"
        memory = None
        for _ in range(REPEATS):
            if curl:
                target = work / "curl.bin"
                started = time.monotonic()
                subprocess.run([curl, "-sS", "--fail", "-o", str(target), url], check=True)
                keep("curl", time.monotonic() - started)
                descriptor = os.open(target, os.O_RDONLY)
                os.fsync(descriptor)
                os.close(descriptor)
                keep("curl + fsync", time.monotonic() - started)
                if md5sum:
                    subprocess.run([md5sum, str(target)], check=True, stdout=subprocess.DEVNULL)
                    keep("curl + fsync + md5sum", time.monotonic() - started)
                target.unlink()
                os.sync()
            started = time.monotonic()
            fetch_file(FileTarget("k", url, "", size, {}), dest, engine_context())
            keep("engine, no checksum", time.monotonic() - started)
            dest.unlink()
            os.sync()
            with PeakRss() as sampled:
                started = time.monotonic()
                result = fetch_file(FileTarget("k", url, "", size, {"MD5": md5}), dest, engine_context())
                keep("engine, MD5 verified", time.monotonic() - started)
            memory = sampled if memory is None or sampled.growth > memory.growth else memory
            dest.unlink()
            os.sync()
        print(f"1. Throughput (one request over loopback, written to the same disk; best of {REPEATS} runs each;")
        print("   the engine fsyncs before renaming, hence the curl + fsync baseline)")
        for label, seconds in figures.items():
            print(f"   {label:<24} {size / seconds / 1e6:8.1f} MB/s  ({seconds:.2f} s)")
        if curl:
            ratio = figures["curl"] / figures["engine, no checksum"]
            durable = figures["curl + fsync"] / figures["engine, no checksum"]
            print(f"   {'engine / curl':<24} {ratio:8.2f}")
            print(f"   {'engine / curl + fsync':<24} {durable:8.2f}  (the same work: fetch, write, make durable)")
        if curl and md5sum:
            verified = figures["curl + fsync + md5sum"] / figures["engine, MD5 verified"]
            print(f"   {'engine MD5 / curl + fsync + md5sum':<24} {verified:.2f}  (the same work plus the hash; "
                  f"{result.verification})")
        if not curl:
            print("   curl is not installed: no baseline")
        print()

        # 2. memory
        get_json(base + "/_clear")
        tracemalloc.start()
        fetch_file(FileTarget("k", url, "", size, {"MD5": md5}), dest, engine_context())
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        dest.unlink()
        print("2. Memory during the 1 GiB download (MD5 verified)")
        print(f"   resident set growth (peak)  {mb(memory.growth)}  (start {mb(memory.start)}, peak {mb(memory.peak)})")
        print(f"   Python allocations (peak, tracemalloc, another full run)  {mb(traced_peak)}")
        print()

        # 3. resume after SIGKILL
        get_json(base + "/_clear")
        dest = work / "resumed.bin"
        part = work / "resumed.bin.part"
        killed = subprocess.Popen([sys.executable, "-c", KILLED_RUN, str(ROOT), url, str(size), md5, str(dest)])
        while killed.poll() is None and not (part.exists() and part.stat().st_size >= size * 0.4):
            time.sleep(0.005)
        killed.send_signal(signal.SIGKILL)
        killed.wait()
        on_disk = part.stat().st_size
        first_sent = sum(hit["bytes_sent"] for hit in get_json(base + "/_stats"))
        get_json(base + "/_clear")
        started = time.monotonic()
        result = fetch_file(FileTarget("k", url, "", size, {"MD5": md5}), dest, engine_context())
        resume_time = time.monotonic() - started
        hits = get_json(base + "/_stats")
        offset = hits[0]["range_start"] or 0
        print("3. Resume after the downloading process was SIGKILLed")
        print(f"   on disk at the kill         {mb(on_disk)} ({on_disk / size:.0%})")
        print(f"   Range asked on resume       bytes={offset}-  (status {hits[0]['status']})")
        print(f"   bytes re-fetched            {max(0, on_disk - offset):,} (already on disk, asked again)")
        print(f"   bytes lost in flight        {max(0, first_sent - on_disk):,} (sent before the kill, not yet "
              "written)")
        print(f"   bytes served after resume   {sum(h['bytes_sent'] for h in hits):,} = size - on disk: "
              f"{sum(h['bytes_sent'] for h in hits) == size - on_disk}")
        print(f"   resumed part                {resume_time:.2f} s; result {result.verification}, "
              f"byte-identical: {result.verification == 'MD5 verified'}")
        dest.unlink()
    finally:
        if server.stdin:
            server.stdin.close()
        server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
