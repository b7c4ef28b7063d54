#!/usr/bin/env python3
"""Benchmark of the shared search layer, measured in one run against baselines of the same run.

1. Products parsed and normalised per second by each protocol adapter over the real recorded pages in
   ``$EO_PORTALS_FIXTURES`` (``adapter.parse(portal, query, body, request)``, no network), next to a bare
   ``json.loads`` of the same bytes.
2. Wall time of a fan-out (``plugin.core.search.search``) over 6 loopback portals that answer after
   0.2, 0.4, ... 1.2 s, as a ratio to the slowest portal's delay and to that portal searched alone.
3. eodag (from ``bench/.venv-eodag``, made by ``bench/setup_eodag.sh``; never a plugin dependency) and our
   search on the same recorded pages, served by one loopback server in its own process: products per
   second of each, and ours as a ratio to eodag's.

Figures only, no pass/fail. Nothing leaves 127.0.0.1: both processes run under an audit hook that refuses
(and counts) any DNS lookup or connection to another address.

    make bench
    EO_PORTALS_FIXTURES=../shared/fixtures .venv/bin/python bench/search_bench.py [--quick] [--no-eodag]

The module top level imports the standard library only: the same file runs as the loopback server
(``--serve``) and as eodag's driver (``--eodag-driver``, under the eodag venv's Python).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
EODAG_VENV = BENCH / ".venv-eodag"
FIXTURES_ENV = "EO_PORTALS_FIXTURES"
LOOPBACK = ("127.0.0.1", "::1", "localhost")
AOI = (0.0, 40.0, 10.0, 50.0)  # sent in requests only: no adapter filters a recorded page on it
START, END = "2014-01-01", "2025-12-31"


# ---------------------------------------------------------------------------------------------------------
# Network guard: both our process and eodag's refuse any address but loopback, and count the attempts.
# ---------------------------------------------------------------------------------------------------------
class NetworkGuard:
    """An audit hook that blocks DNS lookups and connections to anything but 127.0.0.1, and counts them."""

    def __init__(self) -> None:
        self.loopback_connects = 0
        self.http_requests = 0  # urllib requests seen here; the eodag driver adds those sent through requests
        self.refused: List[str] = []

    def install(self) -> "NetworkGuard":
        sys.addaudithook(self._hook)
        return self

    def _hook(self, event: str, args: tuple) -> None:
        if event == "urllib.Request":
            self.http_requests += 1
        elif event == "socket.getaddrinfo":
            host = args[0]
            if isinstance(host, bytes):
                host = host.decode("ascii", "replace")
            if host is not None and host not in LOOPBACK:
                self.refused.append(f"DNS {host}")
                raise OSError(f"search_bench: lookup of {host} refused (loopback only)")
        elif event == "socket.connect":
            address = args[1]
            if isinstance(address, tuple):
                if address[0] not in LOOPBACK:
                    self.refused.append(f"connect {address[0]}:{address[1]}")
                    raise OSError(f"search_bench: connection to {address[0]} refused (loopback only)")
                self.loopback_connects += 1


# ---------------------------------------------------------------------------------------------------------
# The recorded pages
# ---------------------------------------------------------------------------------------------------------
@dataclass
class Case:
    """One recorded search answer and what it answers."""

    name: str  # short id, also its loopback path prefix
    portal: str  # catalog portal id
    protocol: str
    collection: str  # unified collection id of the query
    source: str  # fixture it comes from
    body: bytes  # exactly as recorded
    content_type: str = "application/json"
    eodag_provider: Optional[str] = None  # eodag provider that reads this API, None when eodag has none
    eodag_collection: Optional[str] = None
    eodag_note: str = ""
    products: int = 0  # items/entries in the page (filled by load_cases)


def fixtures_root() -> Optional[Path]:
    """The recorded answers folder: $EO_PORTALS_FIXTURES, else ../shared/fixtures next to the clone."""
    value = os.environ.get(FIXTURES_ENV)
    candidates = [Path(value)] if value else [ROOT.parent / "shared" / "fixtures"]
    return next((path for path in candidates if path.is_dir()), None)


def _cassette_bodies(path: Path) -> List[bytes]:
    import yaml  # test-only tool, available in the project's venv

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    bodies = []
    for item in data["interactions"]:
        body = item["response"].get("body", {})
        body = body.get("string", "") if isinstance(body, dict) else body
        bodies.append(body.encode("utf-8") if isinstance(body, str) else body)
    return bodies


def _count(body: bytes) -> int:
    data = json.loads(body)
    for key in ("features", "value"):
        if isinstance(data.get(key), list):
            return len(data[key])
    entries = (data.get("feed") or {}).get("entry")
    if isinstance(entries, dict):
        return 1
    return len(entries or [])


def load_cases(root: Path) -> List[Case]:
    """Every recorded search page the adapters read, with the query that fits it."""
    read = lambda rel: (root / rel).read_bytes()  # noqa: E731
    geo = "application/geo+json"
    cases = [
        Case("es_s2_l1c", "earth_search", "stac", "S2_MSI_L1C", "earth_search/items_s2_l1c.json",
             read("earth_search/items_s2_l1c.json"), geo, "earth_search", "S2_MSI_L1C"),
        Case("es_l2a_landsat", "earth_search", "stac", "S2_MSI_L2A",
             "earth_search/cassette_multiple_collections.yaml#1",
             _cassette_bodies(root / "earth_search/cassette_multiple_collections.yaml")[0], geo,
             "earth_search", "S2_MSI_L2A_COG", "eodag names Earth Search's sentinel-2-l2a S2_MSI_L2A_COG"),
        Case("pc_s2_l2a", "planetary_computer", "stac", "S2_MSI_L2A",
             "planetary_computer/cassette_s2_l2a_datetime.yaml#1",
             _cassette_bodies(root / "planetary_computer/cassette_s2_l2a_datetime.yaml")[0], geo,
             "planetary_computer", "S2_MSI_L2A"),
        Case("geodes_s2_l1c", "geodes", "stac", "S2_MSI_L1C", "geodes/search_peps_s2_l1c.json",
             read("geodes/search_peps_s2_l1c.json"), geo, "geodes", "S2_MSI_L1C",
             "eodag also POSTs /fastavailability per page (served an empty answer: none was recorded)"),
    ]
    # CDSE STAC: three recorded items, served as the FeatureCollection a search would answer
    items = [json.loads(read(f"cdse_stac/{name}")) for name in ("item_s2_l2a.json", "item_s2_l1c.json",
                                                                 "item_s1_grd_cog.json")]
    cdse_stac = json.dumps({"type": "FeatureCollection", "features": items, "links": []}).encode()
    cases.append(Case("cdse_stac_3items", "cdse_stac", "stac", "S2_MSI_L2A", "cdse_stac/item_*.json (3 items)",
                      cdse_stac, geo, "cdse_stac_generic", "sentinel-2-l2a",
                      "eodag has no CDSE STAC provider: its generic StacSearch (add_provider), which also"
                      " GETs /collections and the queryables (served minimal answers: none were recorded)"))
    cases.append(Case("cdse_odata_expand", "cdse", "odata", "S2_MSI_L1C", "cdse_odata/search_s2_l1c_expand.json",
                      read("cdse_odata/search_s2_l1c_expand.json"), "application/json", "cop_dataspace",
                      "S2_MSI_L1C"))
    for page in range(1, 6):
        rel = f"cdse_odata/paging/page_{page}.json"
        cases.append(Case(f"cdse_odata_p{page}", "cdse", "odata", "S1_SAR_GRD", rel, read(rel),
                          "application/json", "cop_dataspace", "S1_SAR_GRD"))
    cases.append(Case("dhus_s2", "dhus", "dhus", "S2_MSI_L1C", "dhus/cassette_s2_cloudcover.yaml#1",
                      _cassette_bodies(root / "dhus/cassette_s2_cloudcover.yaml")[0], "application/json",
                      None, None, "eodag has no DHuS OpenSearch provider any more"))
    cases.append(Case("resto_peps_s2", "sara", "resto", "S2_MSI_L1C", "resto/peps_s2st_search.json",
                      read("resto/peps_s2st_search.json"), "application/json", "sara", "S2_MSI_L1C",
                      "eodag's sara provider (resto) reading the PEPS page"))
    cases.append(Case("pc_s2_l2a_1000", "planetary_computer", "stac", "S2_MSI_L2A",
                      "planetary_computer/cassette_s2_l2a_datetime.yaml#1, 33 items repeated to 1,000 (distinct ids)",
                      thousand_items(cases[2].body), geo, "planetary_computer", "S2_MSI_L2A",
                      "built from the 33 recorded items: distinct ids and sensing times, else as recorded"))
    for case in cases:
        case.products = _count(case.body)
    return cases


def thousand_items(page: bytes, count: int = 1000) -> bytes:
    """A page of `count` items built from a recorded page's items: each copy gets a distinct id and product
    name (the clock of the name's sensing time set from its index, so each is an acquisition of its own),
    everything else as recorded."""
    data = json.loads(page)
    items = data["features"]
    made = []
    for index in range(count):
        item = json.loads(json.dumps(items[index % len(items)]))
        item["id"] = f"{item['id']}_{index:04d}"
        stamp = f"T{index // 3600:02d}{index // 60 % 60:02d}{index % 60:02d}"
        props = item.get("properties", {})
        name = props.get("s2:product_uri")
        if isinstance(name, str):  # S2A_MSIL2A_20190101T000001_...: the sensing time's clock from the index
            cut = name.index("T", name.index("_MSI") + 8)
            props["s2:product_uri"] = name[:cut] + stamp + name[cut + 7:]
        made.append(item)
    data["features"] = made
    if isinstance(data.get("context"), dict):
        data["context"]["returned"] = data["context"]["limit"] = count
    return json.dumps(data).encode()


def single_page(body: bytes) -> bytes:
    """A recorded page as the last page of its search: next links dropped, totals set to what it holds.

    Both clients then make exactly one request per search, whatever paging rule they follow.
    """
    data = json.loads(body)
    if "value" in data:  # OData
        data.pop("@odata.nextLink", None)
        if "@odata.count" in data:
            data["@odata.count"] = len(data["value"])
    elif "feed" in data:  # DHuS OpenSearch
        feed = data["feed"]
        links = feed.get("link")
        if isinstance(links, list):
            feed["link"] = [link for link in links if link.get("rel") != "next"]
        entries = feed.get("entry") or []
        feed["opensearch:totalResults"] = str(len(entries) if isinstance(entries, list) else 1)
    else:  # STAC and resto GeoJSON
        for holder in (data, data.get("properties") if isinstance(data.get("properties"), dict) else {}):
            if isinstance(holder.get("links"), list):
                holder["links"] = [link for link in holder["links"] if link.get("rel") != "next"]
        if isinstance(data.get("context"), dict):
            data["context"]["matched"] = len(data.get("features", []))
        if "numberMatched" in data:
            data["numberMatched"] = len(data.get("features", []))
        if isinstance(data.get("properties"), dict) and "totalResults" in data["properties"]:
            data["properties"]["totalResults"] = len(data.get("features", []))
    return json.dumps(data).encode()


# ---------------------------------------------------------------------------------------------------------
# Loopback server (in its own process for section 3, so that neither client shares a GIL with it)
# ---------------------------------------------------------------------------------------------------------
def serve(spec_line: str) -> None:
    """`--serve`: serve the routes of a JSON spec on 127.0.0.1 until stdin closes."""
    sys.path.insert(0, str(ROOT))
    from tests.support.replay import ReplayServer

    spec = json.loads(spec_line)
    root = fixtures_root()
    cases = {case.name: case for case in load_cases(root)} if root else {}
    server = ReplayServer()
    for route in spec["routes"]:
        if "case" in route:
            case = cases[route["case"]]
            body = single_page(case.body)
            content_type = case.content_type
        elif "fixture" in route:
            body, content_type = (root / route["fixture"]).read_bytes(), "application/json"
        else:
            body, content_type = route["body"].encode(), "application/json"
        for method in route.get("methods", ("GET", "POST")):
            server.add(method, route["path"], body, content_type=content_type)

    def counts() -> Dict[str, int]:
        tally: Dict[str, int] = {}
        for request in server.received():
            key = f"{request.method} {request.path}"
            tally[key] = tally.get(key, 0) + 1
        return tally

    with server:
        print(server.url, flush=True)
        for line in sys.stdin:  # "stats" asks for the requests so far; end of input stops the server
            if line.strip() == "stats":
                print(json.dumps(counts()), flush=True)
        print(json.dumps(counts()), flush=True)


class ServerProcess:
    """The `--serve` child process."""

    def __init__(self, routes: List[Dict[str, Any]]) -> None:
        self.routes = routes

    def __enter__(self) -> "ServerProcess":
        self.proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--serve"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
        self.proc.stdin.write(json.dumps({"routes": self.routes}) + "\n")
        self.proc.stdin.flush()
        self.url = self.proc.stdout.readline().strip()
        if not self.url.startswith("http://127.0.0.1:"):
            self.proc.kill()
            raise RuntimeError(f"the loopback server did not start (said {self.url!r})")
        return self

    def requests(self) -> Dict[str, int]:
        """'METHOD /path' -> how many requests the server has answered so far."""
        self.proc.stdin.write("stats\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def __exit__(self, *exc) -> None:
        try:
            self.proc.stdin.close()
            self.proc.stdout.readline()
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()


# ---------------------------------------------------------------------------------------------------------
# Output helpers
# ---------------------------------------------------------------------------------------------------------
def rate(count: float, seconds: float) -> float:
    """count / seconds, NaN for no time."""
    return count / seconds if seconds > 0 else float("nan")


def fmt_rate(value: Optional[float]) -> str:
    """1,234 / 56.7 / '-'."""
    if value is None or value != value:
        return "-"
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"


def table(headers: List[str], rows: List[List[Any]], right: Tuple[int, ...] = ()) -> str:
    """A plain-text table; columns in `right` are right-aligned."""
    cells = [headers] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        parts = [c.rjust(widths[i]) if i in right else c.ljust(widths[i]) for i, c in enumerate(row)]
        lines.append("  " + "  ".join(parts).rstrip())
        if n == 0:
            lines.append("  " + "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def timed_pair(first, second, min_seconds: float, min_runs: int = 5) -> Tuple[int, float, float, Any]:
    """Call `first()` and `second()` in turn for `min_seconds`; (runs, median seconds of each, first's last result).

    In turn, so that both meet the same machine load (a shared machine's load moves between two separate loops)."""
    durations: Tuple[List[float], List[float]] = ([], [])
    result = None
    started = time.perf_counter()
    while len(durations[0]) < min_runs or time.perf_counter() - started < min_seconds:
        before = time.perf_counter()
        result = first()
        middle = time.perf_counter()
        second()
        durations[0].append(middle - before)
        durations[1].append(time.perf_counter() - middle)
    return len(durations[0]), statistics.median(durations[0]), statistics.median(durations[1]), result


def timed_loop(call, min_seconds: float, min_runs: int = 5) -> Tuple[int, float, Any]:
    """Call `call()` for `min_seconds` and at least `min_runs` times; (runs, median seconds per call, last result).

    The median, not the mean: the machine may be shared, and a stray pause should not count against either side.
    """
    durations: List[float] = []
    result = None
    started = time.perf_counter()
    while len(durations) < min_runs or time.perf_counter() - started < min_seconds:
        before = time.perf_counter()
        result = call()
        durations.append(time.perf_counter() - before)
    return len(durations), statistics.median(durations), result


# ---------------------------------------------------------------------------------------------------------
# eodag's side (runs under bench/.venv-eodag/bin/python; imports eodag, never the plugin)
# ---------------------------------------------------------------------------------------------------------
def eodag_parse_only(dag: Any, provider: str, call: Any, page_url: str, min_seconds: float) -> Dict[str, Any]:
    """eodag's own parse + normalise of one page: json.loads of the bytes + its plugin's normalize_results.

    The raw results and arguments are captured from a real search (a spy on the plugin class's method), then
    normalised again and again from fresh copies (copies not timed).
    """
    import copy
    import urllib.request

    plugin = next(dag._plugins_manager.get_search_plugins(provider=provider))  # noqa: SLF001 (no public API)
    cls = type(plugin)
    original = cls.normalize_results
    captured: Dict[str, Any] = {}

    def spy(self, results, **kwargs):
        captured.setdefault("args", (self, copy.deepcopy(results), kwargs))
        return original(self, results, **kwargs)

    cls.normalize_results = spy
    try:
        call()
    finally:
        cls.normalize_results = original
    if "args" not in captured:
        return {"error": "could not capture eodag's normalize_results call"}
    instance, raw, kwargs = captured["args"]
    with urllib.request.urlopen(page_url) as answer:  # the page exactly as served, for the decoding part
        body = answer.read()
    durations: List[float] = []
    count = 0
    while len(durations) < 5 or sum(durations) < min_seconds:
        fresh = copy.deepcopy(raw)  # not timed
        started = time.perf_counter()
        count = len(original(instance, fresh, **kwargs))
        durations.append(time.perf_counter() - started)
    _runs, json_seconds, _ = timed_loop(lambda: json.loads(body), min_seconds / 2)
    return {"count": count, "per_pass": statistics.median(durations) + json_seconds}


def eodag_driver() -> None:
    """`--eodag-driver`: eodag's side. One JSON line per page in, one JSON line of figures out; EOF ends."""
    guard = NetworkGuard().install()
    import logging
    import warnings

    warnings.filterwarnings("ignore")
    started = time.perf_counter()
    from importlib.metadata import version

    import requests.adapters
    from eodag import EODataAccessGateway

    logging.getLogger("eodag").setLevel(logging.CRITICAL)  # GEODES availability warnings would flood the output
    dag = EODataAccessGateway()
    init_seconds = time.perf_counter() - started
    send = requests.adapters.HTTPAdapter.send

    def counting_send(self, *args, **kwargs):  # eodag sends through requests and, for some GETs, urllib
        guard.http_requests += 1
        return send(self, *args, **kwargs)

    requests.adapters.HTTPAdapter.send = counting_send
    print(json.dumps({"version": version("eodag"), "python": platform.python_version(),
                      "init_seconds": init_seconds}), flush=True)
    for line in sys.stdin:
        item = json.loads(line)
        result: Dict[str, Any] = {}
        provider = item["provider"]
        try:
            if item["generic"]:
                provider = "bench_" + item["name"]
                dag.add_provider(provider, url=item["endpoint"], priority=0)
            else:  # move the provider to this page's loopback endpoint
                dag.update_providers_config(dict_conf={provider: {"search": {"api_endpoint": item["endpoint"]}}})

            def call(provider=provider, collection=item["collection"]):
                return dag.search(collection=collection, provider=provider, geom=list(AOI), start=START, end=END,
                                  limit=50, count=False, raise_errors=True)

            call()  # warm-up: first use of a provider builds its plugin
            sent_before = guard.http_requests
            runs, per_call, found = timed_loop(call, item["min_seconds"])
            result = {"count": len(found), "runs": runs, "per_call": per_call,
                      "requests": (guard.http_requests - sent_before) / runs}
            result["parse_only"] = eodag_parse_only(dag, provider, call, item["page_url"], item["min_seconds"])
        except Exception as exc:  # reported in the table, the other pages go on
            result["error"] = f"{type(exc).__name__}: {str(exc)[:200]}"
        print(json.dumps(result), flush=True)
    print(json.dumps({"loopback_connects": guard.loopback_connects, "refused": guard.refused}), flush=True)


class EodagDriver:
    """The `--eodag-driver` child process, in eodag's venv, with every provider on loopback."""

    def __init__(self, python: Path, server_url: str, cases: List[Dict[str, Any]]) -> None:
        self.python, self.server_url, self.cases = python, server_url, cases
        self.final: Dict[str, Any] = {}

    def __enter__(self) -> "EodagDriver":
        self.folder = tempfile.TemporaryDirectory(prefix="eodag-bench-")
        config = self.folder.name
        empty = Path(config) / "ext_collections.json"
        empty.write_text("{}", encoding="utf-8")
        providers = sorted({case["provider"] for case in self.cases if not case["generic"]})
        generic = ["bench_" + case["name"] for case in self.cases if case["generic"]]
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": config, "LANG": "C.UTF-8",
            "EODAG_CFG_DIR": config,  # eodag writes its user config here, not in ~/.config/eodag
            "EODAG_STRICT_COLLECTIONS": "true",  # never fetch providers' collection lists
            "EODAG_EXT_COLLECTIONS_CFG_URI": str(empty),  # nor the external collections file (GitHub pages)
            "EODAG_PROVIDERS_WHITELIST": json.dumps(providers + generic),  # load only the providers compared
            "EODAG__COP_DATASPACE__AUTH__OIDC_CONFIG_URL":
                f"{self.server_url}/cdse_auth/.well-known/openid-configuration",
        }
        for case in self.cases:  # eodag's documented override; the driver moves it again per page
            if not case["generic"]:
                env[f"EODAG__{case['provider'].upper()}__SEARCH__API_ENDPOINT"] = case["endpoint"]
        self.proc = subprocess.Popen([str(self.python), str(Path(__file__).resolve()), "--eodag-driver"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=env)
        line = self.proc.stdout.readline()
        if not line.strip():
            error = self.proc.stderr.read().strip()[-500:]
            self.proc.wait()
            self.folder.cleanup()
            raise RuntimeError(f"the eodag driver did not start ({self.proc.returncode}): {error}")
        self.info = json.loads(line)
        return self

    def run(self, item: Dict[str, Any]) -> Dict[str, Any]:
        """eodag's figures for one page."""
        self.proc.stdin.write(json.dumps(item) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        return json.loads(line) if line.strip() else {"error": "the eodag driver stopped"}

    def __exit__(self, *exc) -> None:
        try:
            self.proc.stdin.close()
            line = self.proc.stdout.readline()
            self.final = json.loads(line) if line.strip() else {}
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()
        self.folder.cleanup()


# ---------------------------------------------------------------------------------------------------------
# Our side
# ---------------------------------------------------------------------------------------------------------
# Loopback search roots per portal, shaped like the real ones (eodag derives some URLs from them).
ROOT_SUFFIX = {"earth_search": "/v1", "planetary_computer": "/api/stac/v1", "geodes": "/api/stac",
               "cdse_stac": "/v1", "cdse": "/odata/v1", "dhus": "/dhus", "sara": "/sara.server/1.0/api"}
EODAG_SEARCH_PATH = {"earth_search": "/search", "planetary_computer": "/search", "geodes": "/search",
                     "cdse_stac_generic": "/search", "cop_dataspace": "/Products",
                     "sara": "/collections/{_collection}/search.json"}


def _core():
    """The plugin's core, imported from the clone (tests do the same)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from plugin.core import search as search_module
    from plugin.core.catalog import load_catalog
    from plugin.core.http import HttpSettings
    from plugin.core.portals import adapter_for
    from plugin.core.query import SearchQuery

    return search_module, load_catalog, HttpSettings, adapter_for, SearchQuery


def make_query(collection: str):
    """The query a case answers (its area and dates only shape the request; the recorded page is what it is)."""
    SearchQuery = _core()[4]
    west, south, east, north = AOI
    wkt = f"POLYGON(({west} {south},{east} {south},{east} {north},{west} {north},{west} {south}))"
    return SearchQuery.create(wkt, START, END, collection, limit=1000)


def case_portal(catalog, case: Case, url: Optional[str] = None):
    """The catalog's portal for a case, optionally moved to `url` (DHuS is a template without one)."""
    portal = catalog.portal(case.portal)
    if url or not portal.url:
        portal = replace(portal, url=url or "http://127.0.0.1:9/dhus", enabled=True)
    return portal


@dataclass
class ParseFigure:
    case: Case
    runs: int
    per_pass: float  # median seconds per parse of the page
    parsed: int  # products per parse
    json_per_pass: float  # median seconds per json.loads of the same bytes
    error: str = ""


def bench_parse(cases: List[Case], min_seconds: float) -> None:
    """Section 1: adapter.parse over every recorded page, against json.loads of the same bytes."""
    _search, load_catalog, _http, adapter_for, _query = _core()
    catalog = load_catalog(env={})  # the built-in portals, whatever the user's catalog file says
    print("\n1. Parse + normalise: adapter.parse(portal, query, body, request) over the recorded pages, no network")
    print("   (bytes as recorded; each page parsed repeatedly for >= %.2f s, median time per parse; 'json.loads only'"
          "\n   = decoding the same bytes, the floor any parser pays, timed in turn with the parse; goal for STAC"
          "\n   pages: parse / json.loads <= 3x. The last page is 1,000 items built from the 33 recorded Planetary"
          "\n   Computer items with distinct ids and names, the size of a full page)" % min_seconds)
    figures: List[ParseFigure] = []
    for case in cases:
        portal = case_portal(catalog, case)
        query = make_query(case.collection)
        adapter = adapter_for(case.protocol)
        request = adapter.build_request(portal, query)
        try:
            runs, per_pass, json_per_pass, page = timed_pair(
                lambda: adapter.parse(portal, query, case.body, request), lambda: json.loads(case.body), min_seconds)
            figures.append(ParseFigure(case, runs, per_pass, len(page.products), json_per_pass))
        except Exception as exc:  # an adapter bug is a figure too: say it and go on
            figures.append(ParseFigure(case, 0, 0.0, 0, 0.0, f"{type(exc).__name__}: {exc}"))
    rows = []
    for f in figures:
        if f.error:
            rows.append([f.case.protocol, f.case.portal, f.case.source, f.case.products, "ERROR", f.error, "", ""])
            continue
        rows.append([f.case.protocol, f.case.portal, f.case.source, f"{f.parsed}/{f.case.products}",
                     fmt_rate(rate(f.parsed, f.per_pass)), f"{f.per_pass / max(f.parsed, 1) * 1e6:,.0f}",
                     fmt_rate(rate(f.parsed, f.json_per_pass)), f"{f.per_pass / f.json_per_pass:,.1f}x"])
    print(table(["adapter", "portal", "recorded page", "products", "products/s", "us/product",
                 "json.loads only/s", "parse / json.loads"], rows, right=(3, 4, 5, 6, 7)))
    print("\n   Per adapter, one pass over all its pages:")
    rows = []
    for protocol in ("stac", "odata", "dhus", "resto"):
        mine = [f for f in figures if f.case.protocol == protocol and not f.error]
        if not mine:
            continue
        products = sum(f.parsed for f in mine)
        seconds = sum(f.per_pass for f in mine)
        json_seconds = sum(f.json_per_pass for f in mine)
        rows.append([protocol, len(mine), products, fmt_rate(rate(products, seconds)),
                     f"{seconds / products * 1e6:,.0f}", f"{seconds / json_seconds:,.1f}x"])
    print(table(["adapter", "pages", "products", "products/s", "us/product", "parse / json.loads"], rows,
                right=(1, 2, 3, 4, 5)))


FAN_OUT = (  # (portal, case served, delay in seconds): 6 portals, 4 protocols' worth of answers
    ("earth_search", "es_l2a_landsat", 0.2),
    ("geodes", "geodes_s2_l1c", 0.4),
    ("cdse", "cdse_odata_expand", 0.6),
    ("cdse_stac", "cdse_stac_3items", 0.8),
    ("sara", "resto_peps_s2", 1.0),
    ("planetary_computer", "pc_s2_l2a", 1.2),
)


def bench_fan_out(cases: List[Case], repeats: int) -> None:
    """Section 2: search() over 6 loopback portals answering after set delays, against the slowest alone."""
    search_module, load_catalog, HttpSettings, adapter_for, _query = _core()
    from tests.support.replay import ReplayServer

    by_name = {case.name: case for case in cases}
    query = make_query("S2_MSI_L2A")
    slowest = max(delay for _p, _c, delay in FAN_OUT)
    print(f"\n2. Fan-out: plugin.core.search.search() over {len(FAN_OUT)} loopback portals (tests/support/replay.py"
          " ReplayServer,\n   recorded pages served as single pages, each portal answering after its set delay)")
    with ReplayServer() as server, tempfile.TemporaryDirectory() as folder:
        overrides = {}
        for portal_id, case_name, delay in FAN_OUT:
            url = f"{server.url}/fan/{portal_id}{ROOT_SUFFIX[portal_id]}"
            overrides[portal_id] = {"url": url, "enabled": True}
            case = by_name[case_name]
            catalog = load_catalog(env={})
            request = adapter_for(case.protocol).build_request(case_portal(catalog, case, url), query)
            server.add(request.method, urlsplit_path(request.url), single_page(case.body),
                       content_type=case.content_type, delay=delay)
        catalog_path = Path(folder) / "catalog.json"  # the documented override form: {"<portal>": {"url": ...}}
        catalog_path.write_text(json.dumps(overrides), encoding="utf-8")
        catalog = load_catalog(catalog_path, env={})
        portals = catalog.select([p for p, _c, _d in FAN_OUT])
        settings = HttpSettings()

        def fan_out():
            started = time.perf_counter()
            result = search_module.search(portals, query, settings=settings, budget=20.0)
            return time.perf_counter() - started, result

        def alone():
            started = time.perf_counter()
            search_module.search(portals[-1:], query, settings=settings, budget=20.0)
            return time.perf_counter() - started

        fan_out()  # warm-up: first imports of the adapters, first sessions
        walls, result = [], None
        for _ in range(repeats):
            wall, result = fan_out()
            walls.append(wall)
        alone_walls = [alone() for _ in range(repeats)]
    rows = []
    for (portal_id, case_name, delay) in FAN_OUT:
        outcome = result.outcomes[portal_id]
        rows.append([portal_id, by_name[case_name].source, f"{delay:.1f}", f"{outcome.elapsed:.3f}",
                     outcome.message])
    print(table(["portal", "recorded page served", "delay s", "answered after s", "outcome (last run)"], rows,
                right=(2, 3)))
    wall = statistics.median(walls)
    alone_wall = statistics.median(alone_walls)
    total_delay = sum(delay for _p, _c, delay in FAN_OUT)
    print(f"\n   merged products: {len(result.products)} from {sum(o.count for o in result.outcomes.values())} "
          f"found; failed portals: {len(result.failed)}")
    print(f"   fan-out wall time, median of {repeats}: {wall:.3f} s  (runs: {', '.join(f'{w:.3f}' for w in walls)})")
    print(f"   slowest portal's set delay:       {slowest:.3f} s   -> ratio {wall / slowest:.3f}  (goal: close to 1.0)")
    print(f"   slowest portal searched alone:    {alone_wall:.3f} s   -> ratio {wall / alone_wall:.3f}  "
          f"(median of {repeats}, same run)")
    print(f"   the delays one after another:     {total_delay:.3f} s   -> ratio {wall / total_delay:.3f}")


def urlsplit_path(url: str) -> str:
    """The path of a URL (routes match on it)."""
    return urlsplit(url).path


# ---------------------------------------------------------------------------------------------------------
# Section 3: eodag and us on the same pages, on loopback
# ---------------------------------------------------------------------------------------------------------
def eodag_python() -> Tuple[Optional[Path], str]:
    """eodag venv's Python, making the venv with bench/setup_eodag.sh when it is missing; (path, why not)."""
    python = EODAG_VENV / "bin" / "python"
    if not python.exists():
        print("   bench/.venv-eodag is missing: running bench/setup_eodag.sh (pip install from PyPI) ...", flush=True)
        done = subprocess.run(["sh", str(BENCH / "setup_eodag.sh")], capture_output=True, text=True)
        if done.returncode != 0:
            return None, "bench/setup_eodag.sh failed: " + (done.stderr or done.stdout).strip()[-300:]
    check = subprocess.run([str(python), "-c", "import eodag"], capture_output=True, text=True)
    if check.returncode != 0:
        return None, "eodag does not import in bench/.venv-eodag: " + check.stderr.strip()[-300:]
    return python, ""


def eodag_routes(plan: List[Tuple[Case, str, Any, str]], ours_paths: Dict[str, str]) -> List[Dict[str, Any]]:
    """The loopback routes: each page at the path each client asks for, plus what eodag asks besides."""
    routes: List[Dict[str, Any]] = []
    for case, prefix, _query, eodag_path in plan:
        for path in sorted({ours_paths[case.name], eodag_path.replace("{_collection}", "S2")}):
            routes.append({"path": path, "case": case.name})
        if case.eodag_provider == "geodes":  # eodag asks GEODES for availability after each page
            routes.append({"path": f"/{case.name}/fastavailability", "body": '{"products": []}', "methods": ["POST"]})
        if case.eodag_provider in ("planetary_computer", "cdse_stac_generic"):  # eodag reads the queryables
            routes.append({"path": f"{prefix}/collections/sentinel-2-l2a/queryables",
                           "body": '{"type": "object", "properties": {}}', "methods": ["GET"]})
        if case.eodag_provider == "cdse_stac_generic":  # and, for a provider it does not know, the collections
            routes.append({"path": f"{prefix}/collections", "body": '{"collections": [], "links": []}',
                           "methods": ["GET"]})
    # eodag builds CDSE's OIDC login plugin after a search: it gets the recorded discovery document
    routes.append({"path": "/cdse_auth/.well-known/openid-configuration",
                   "fixture": "cdse_auth/openid-configuration.json", "methods": ["GET"]})
    return routes


def requests_per_case(before: Dict[str, int], after: Dict[str, int], names: List[str]) -> Dict[str, int]:
    """Requests answered between two server tallies, per page (its path prefix)."""
    tally = {name: 0 for name in names}
    for key, count in after.items():
        path = key.split(" ", 1)[1]
        name = path.split("/")[1]
        if name in tally:
            tally[name] += count - before.get(key, 0)
    return tally


def bench_eodag(cases: List[Case], min_seconds: float, guard: NetworkGuard) -> None:
    """Section 3: products/s of eodag's search and ours on the same recorded pages on one loopback server."""
    import requests

    search_module, load_catalog, HttpSettings, adapter_for, _query = _core()
    print("\n3. eodag vs EO Portals on the same recorded pages (served as single pages by one ReplayServer in its own"
          " process)")
    python, why = eodag_python()
    if python is None:
        print(f"   eodag not run: {why}")
        return
    catalog = load_catalog(env={})
    plan, ours_paths = [], {}
    for case in cases:
        if not case.eodag_provider:
            continue
        prefix = f"/{case.name}{ROOT_SUFFIX[case.portal]}"
        query = make_query(case.collection)
        request = adapter_for(case.protocol).build_request(case_portal(catalog, case, "http://127.0.0.1" + prefix), query)
        ours_paths[case.name] = urlsplit_path(request.url)
        plan.append((case, prefix, query, prefix + EODAG_SEARCH_PATH[case.eodag_provider]))
    ours: Dict[str, Dict[str, Any]] = {}
    results: Dict[str, Dict[str, Any]] = {}  # eodag's
    floor: Dict[str, float] = {}
    ours_parse: Dict[str, float] = {}  # products/s of adapter.parse on the bytes as served
    with ServerProcess(eodag_routes(plan, ours_paths)) as server:
        items = [{"name": case.name, "provider": case.eodag_provider, "collection": case.eodag_collection,
                  "generic": case.eodag_provider == "cdse_stac_generic", "endpoint": server.url + eodag_path,
                  "page_url": server.url + ours_paths[case.name], "min_seconds": min_seconds}
                 for case, _prefix, _query, eodag_path in plan]
        try:
            driver = EodagDriver(python, server.url, items).__enter__()
        except RuntimeError as exc:
            print(f"   eodag not run: {exc}")
            return
        settings = HttpSettings()
        try:
            # page by page, ours then eodag's, so that both meet the same machine load
            for (case, prefix, query, _eodag_path), item in zip(plan, items):
                portal = case_portal(catalog, case, server.url + prefix)
                request = adapter_for(case.protocol).build_request(portal, query)

                def bare(request=request):
                    with requests.Session() as session:
                        return session.request(request.method, request.url, params=list(request.params) or None,
                                               json=request.json_body).content

                _runs, per_call, _body = timed_loop(bare, min_seconds / 2)
                floor[case.name] = rate(case.products, per_call)
                served, adapter = single_page(case.body), adapter_for(case.protocol)
                _runs, per_call, page = timed_loop(lambda: adapter.parse(portal, query, served, request), min_seconds)
                ours_parse[case.name] = rate(len(page.products), per_call)
                call = lambda portal=portal, query=query: search_module.search_portal(  # noqa: E731
                    portal, query, settings=settings, budget=30.0)
                products, outcome, _next = call()  # warm-up
                if outcome.ok:
                    before = server.requests()
                    runs, per_call, (products, outcome, _next) = timed_loop(call, min_seconds)
                    sent = requests_per_case(before, server.requests(), [case.name])[case.name]
                    # records read (kept, merged or left out as another collection's): what eodag returns
                    ours[case.name] = {"count": outcome.records + outcome.other_collections, "kept": len(products),
                                       "runs": runs, "per_call": per_call, "requests": sent / runs}
                else:
                    ours[case.name] = {"error": outcome.message}
                results[case.name] = driver.run(item)
        finally:
            driver.__exit__(None, None, None)
    eodag = {**driver.info, **driver.final}
    print(f"   eodag {eodag['version']} (Python {eodag['python']}, bench/.venv-eodag) vs ours (Python "
          f"{platform.python_version()}); eodag's gateway start-up, {eodag['init_seconds']:.2f} s, is not counted")
    print("\n   3a. BOTH SEARCHING OVER HTTP ON LOOPBACK: a search = its requests + parse + normalise into the library's"
          f"\n   product objects; one warm-up search, then repeated for >= {min_seconds:.2f} s, median time per search."
          " 'HTTP floor' = a bare"
          " requests call\n   fetching the same page without parsing it: no client can beat it.")
    rows = []
    totals = {"ours": [0, 0.0], "eodag": [0, 0.0]}
    for case, _prefix, _query, _path in plan:
        mine, theirs = ours.get(case.name, {}), results.get(case.name, {})
        mine_rate = rate(mine["count"], mine["per_call"]) if "count" in mine else None
        their_rate = rate(theirs["count"], theirs["per_call"]) if "count" in theirs else None
        if mine_rate and their_rate:
            for side, figures in (("ours", mine), ("eodag", theirs)):
                totals[side][0] += figures["count"]
                totals[side][1] += figures["per_call"]
        note = theirs.get("error") or mine.get("error") or case.eodag_note
        rows.append([case.name, f"{case.eodag_provider}/{case.eodag_collection}",
                     f"{mine.get('count', '-')}/{theirs.get('count', '-')}"
                     + (f" ({mine['kept']} kept)" if mine.get("kept", mine.get("count")) != mine.get("count") else ""),
                     f"{mine['requests']:.0f}/{theirs['requests']:.0f}" if "requests" in mine and "requests" in theirs
                     else "-",
                     fmt_rate(floor.get(case.name)), fmt_rate(mine_rate), fmt_rate(their_rate),
                     f"{mine_rate / their_rate:,.1f}x" if mine_rate and their_rate else "-",
                     note if len(note) <= 110 else note[:107] + "..."])
    print("   (ours counts the records it read: those of another collection than the query's are then left out, and"
          "\n   'kept' says how many rows remained)")
    print(table(["page", "eodag provider/collection", "products ours/eodag", "requests per search ours/eodag",
                 "HTTP floor products/s", "ours products/s", "eodag products/s", "ours / eodag", "note"], rows,
                right=(2, 3, 4, 5, 6, 7)))
    print_total("3a", totals)
    print("\n   3b. PARSE + NORMALISE ONLY, NO NETWORK FOR EITHER: ours = adapter.parse(portal, query, bytes, request) on"
          "\n   the bytes as served; eodag = json.loads of the same bytes + its search plugin's normalize_results() on the"
          "\n   raw results captured from one of its searches above (each from a fresh copy).")
    rows = []
    totals = {"ours": [0, 0.0], "eodag": [0, 0.0]}
    for case, _prefix, _query, _path in plan:
        mine = ours_parse.get(case.name)
        theirs = results.get(case.name, {}).get("parse_only", {})
        their_rate = rate(theirs["count"], theirs["per_pass"]) if "count" in theirs else None
        if mine and their_rate:
            totals["ours"][0] += case.products
            totals["ours"][1] += case.products / mine
            totals["eodag"][0] += theirs["count"]
            totals["eodag"][1] += theirs["per_pass"]
        note = theirs.get("error") or results.get(case.name, {}).get("error") or (
            "eodag's normalize_results includes its POST /fastavailability round trip"
            if case.eodag_provider == "geodes" else "")
        rows.append([case.name, f"{case.products}/{theirs.get('count', '-')}", fmt_rate(mine), fmt_rate(their_rate),
                     f"{mine / their_rate:,.1f}x" if mine and their_rate else "-",
                     note if len(note) <= 110 else note[:107] + "..."])
    print(table(["page", "products ours/eodag", "ours products/s", "eodag products/s", "ours / eodag", "note"], rows,
                right=(1, 2, 3, 4)))
    print_total("3b", totals)
    print()
    for case in cases:
        if not case.eodag_provider:
            print(f"   not compared: {case.name} ({case.source}): {case.eodag_note}")
    refused = sorted(set(eodag.get("refused", [])))
    print(f"   network: eodag opened {eodag.get('loopback_connects', '?')} connections, all to 127.0.0.1; non-loopback"
          f" attempts refused: {len(eodag.get('refused', []))}{' ' + str(refused) if refused else ''}; ours refused: "
          f"{len(guard.refused)}")


def print_total(label: str, totals: Dict[str, List[float]]) -> None:
    """One pass over every page both sides read: products / summed seconds per pass, and the ratio."""
    (ours_products, ours_seconds), (their_products, their_seconds) = totals["ours"], totals["eodag"]
    if not ours_seconds or not their_seconds:
        return
    ours_rate, their_rate = rate(ours_products, ours_seconds), rate(their_products, their_seconds)
    print(f"   {label} one pass over the pages both read ({ours_products}/{their_products} products): ours "
          f"{fmt_rate(ours_rate)} products/s, eodag {fmt_rate(their_rate)} products/s -> ours / eodag = "
          f"{ours_rate / their_rate:,.1f}x  (goal: >= 10x)")


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, as text."""
    try:
        return ", ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def main() -> int:
    """Run the three sections and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="shorter timing loops (figures are noisier)")
    parser.add_argument("--no-eodag", action="store_true", help="skip the eodag comparison")
    args = parser.parse_args()
    guard = NetworkGuard().install()
    root = fixtures_root()
    print("EO Portals search benchmark  (%s, Python %s, %d CPUs)" % (time.strftime("%Y-%m-%d %H:%M"),
                                                                    platform.python_version(), os.cpu_count() or 0))
    if root is None:
        print(f"Recorded answers not found: set {FIXTURES_ENV} to the shared fixtures folder. Nothing measured.")
        return 1
    print(f"recorded pages: {root}; load average at start: {load_average()} (figures are wall-clock medians: other"
          " work on the machine moves them)")
    cases = load_cases(root)
    started = time.perf_counter()
    parse_seconds, loop_seconds, repeats = (0.1, 0.2, 2) if args.quick else (0.3, 0.6, 3)
    bench_parse(cases, parse_seconds)
    bench_fan_out(cases, repeats)
    if args.no_eodag:
        print("\n3. eodag comparison skipped (--no-eodag)")
    else:
        bench_eodag(cases, loop_seconds, guard)
    print(f"\nnon-loopback network attempts refused in this process: {len(guard.refused)}; load average at end: "
          f"{load_average()}; total bench time {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__" and "--eodag-driver" in sys.argv:
    eodag_driver()
elif __name__ == "__main__" and "--serve" in sys.argv:
    serve(sys.stdin.readline())
elif __name__ == "__main__":
    sys.exit(main())
