"""openeo-driver's dummy back-end (real openEO back-end software, the Flask front-end CDSE's back-end is built
on) started on a free loopback port from its own venv (`make venv-openeo` builds ``.venv-openeo``).

    with OpenEODriver() as driver:   # skips the calling test when the venv is absent
        driver.url                   # http://127.0.0.1:<port> (discovery at /.well-known/openeo)

Its basic login is alice:alice123; its batch jobs never finish over HTTP and POST /result returns placeholder
bytes (what its DummyDataCube prints), so tests use it for the protocol, not for computed numbers.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
ENV = "EO_PORTALS_OPENEO_VENV"
USER, PASSWORD = "alice", "alice123"


def venv_python() -> Optional[Path]:
    """The Python of the openeo-driver venv, or None."""
    for candidate in (os.environ.get(ENV), ROOT / ".venv-openeo"):
        if candidate:
            python = Path(candidate) / "bin" / "python"
            if python.exists():
                return python
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OpenEODriver:
    """The dummy back-end as a child process, stopped on exit."""

    def __init__(self) -> None:
        python = venv_python()
        if python is None:
            pytest.skip(f"openeo-driver is not installed: run `make venv-openeo` (or set {ENV} to a venv with "
                        "openeo-driver 0.136.0a4)")
        self.python = python
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: Optional[subprocess.Popen] = None
        self.log = ""

    def __enter__(self) -> "OpenEODriver":
        code = ("import openeo_driver, os, sys; "
                "print(os.path.join(os.path.dirname(openeo_driver.__file__), 'dummy', 'dummy_config.py'))")
        config = subprocess.run([str(self.python), "-c", code], capture_output=True, text=True, timeout=120,
                                check=True).stdout.strip()
        env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONHOME")}
        env.update(OPENEO_BACKEND_CONFIG=config, FLASK_DEBUG="0")
        self.process = subprocess.Popen(
            [str(self.python), "-m", "flask", "--app", "openeo_driver.dummy.local_app:create_app", "run",
             "--host", "127.0.0.1", "--port", str(self.port)],
            env=env, cwd=tempfile.gettempdir(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log = self.process.stdout.read().decode("utf-8", "replace")
                raise RuntimeError("openeo-driver stopped at start:\n" + self.log[-3000:])
            try:
                if requests.get(self.url + "/.well-known/openeo", timeout=2).ok:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.3)
        self.__exit__()
        raise RuntimeError("openeo-driver did not answer within 120 s")

    def __exit__(self, *exc) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self.process is not None and self.process.stdout:
            self.process.stdout.close()


def write_polygon_csv(series, path: Path) -> None:
    """Write `series` ({date: [[band values] per parcel]}) as openeo-driver's AggregatePolygonResult.to_csv does,
    with that code in its venv (skips the calling test without it)."""
    write_polygon_result(series, path, "CSV")


def write_polygon_result(series, path: Path, result_format: str) -> None:
    """Write `series` as openeo-driver's AggregatePolygonResult saves it as CSV (`to_csv`) or JSON (its
    `write_assets`: `json.dump(prepare_for_json())`), with that code in its venv (skips without it)."""
    import json

    python = venv_python()
    if python is None:
        pytest.skip(f"openeo-driver is not installed: run `make venv-openeo` (or set {ENV})")
    script = (
        "import json, sys\n"
        "from shapely.geometry import GeometryCollection, box\n"
        "from openeo_driver.save_result import AggregatePolygonResult\n"
        "series = json.loads(sys.argv[1])\n"
        "regions = GeometryCollection([box(0, 0, 1, 1)] * len(next(iter(series.values()))))\n"
        "result = AggregatePolygonResult(series, regions)\n"
        "if sys.argv[3] == 'CSV':\n"
        "    result.to_csv(sys.argv[2])\n"
        "else:\n"
        "    with open(sys.argv[2], 'w') as f:\n"
        "        json.dump(result.prepare_for_json(), f)\n")
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONHOME")}
    subprocess.run([str(python), "-c", script, json.dumps(series), str(path), result_format], check=True,
                   timeout=120, cwd=tempfile.gettempdir(), env=env, capture_output=True)
