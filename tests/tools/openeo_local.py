"""Run an openEO process graph with openeo-processes-dask (the engine of openEO's LocalConnection and of several
back-ends) over a STAC API, and print what save_result received as JSON. Runs in `.venv-openeo-local` only
(tests/requirements-openeo-local.txt); the plugin never imports it.

    .venv-openeo-local/bin/python tests/tools/openeo_local.py STAC_API_URL < process.json > result.json

The graph runs unchanged through openeo-pg-parser-networkx and the registry the openEO Python client's
LocalConnection builds (openeo.local.processing: every process openeo-processes-dask implements). Two processes are
back-end specific and registered here, as every back-end does:

- load_collection(id, spatial_extent, temporal_extent, bands, properties): openeo-processes-dask's own `load_stac`
  on STAC_API_URL/collections/<id> (pystac-client search, odc-stac load, then its filter_bbox). `properties`
  callbacks are turned into the STAC API query extension's conditions the way openeo-python-driver's
  `extract_literal_match` does (one comparison of the property `value` with a constant). load_stac first validates
  the STAC documents with stac-validator, which fetches JSON schemas from the internet: here that check is replaced
  by reading the document's `type` (no test reaches the internet).
- save_result(data, format, options): prints the vector cube aggregate_spatial made as JSON
  {"format", "dims", "dtype", "times", "geometries", "values"} (NaN as null), the writer being outside this test.
"""
from __future__ import annotations

import json
import logging
import math
import sys

import numpy as np
import requests

import openeo_processes_dask.specs as specs
from openeo.local.processing import PROCESS_REGISTRY
from openeo_pg_parser_networkx.graph import OpenEOProcessGraph
from openeo_pg_parser_networkx.process_registry import Process
from openeo_processes_dask.process_implementations.cubes import load as engine_load

COMPARISONS = {"eq", "neq", "lt", "lte", "gt", "gte"}


def _validate_stac(url):
    """stac-validator's answer for a valid document (its type), without fetching JSON schemas from the internet."""
    document = requests.get(url, timeout=30).json()
    kind = str(document.get("type", "")).upper()
    if kind == "FEATURE":
        kind = "ITEM"
    if kind not in ("CATALOG", "COLLECTION", "ITEM"):
        raise Exception(f"{url} is not a STAC catalog, collection or item")
    return kind


def _plain(value):
    """pg-parser's models (ParameterReference...) back to JSON."""
    if hasattr(value, "model_dump"):
        return value.model_dump(exclude_none=True)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def literal_match(callback) -> dict:
    """{"lte": 90} from the callback {"process_graph": {"n": {"process_id": "lte", "arguments": {"x":
    {"from_parameter": "value"}, "y": 90}}}} (either argument order); ValueError for anything else."""
    graph = _plain(callback).get("process_graph", {})
    if len(graph) != 1:
        raise ValueError(f"property filter not supported: {graph}")
    node = next(iter(graph.values()))
    arguments = node.get("arguments", {})
    operator = node.get("process_id")
    x, y = arguments.get("x"), arguments.get("y")
    flipped = {"lt": "gt", "lte": "gte", "gt": "lt", "gte": "lte", "eq": "eq", "neq": "neq"}
    if operator in COMPARISONS and x == {"from_parameter": "value"} and not isinstance(y, dict):
        return {operator: y}
    if operator in COMPARISONS and y == {"from_parameter": "value"} and not isinstance(x, dict):
        return {flipped[operator]: x}
    raise ValueError(f"property filter not supported: {node}")


def make_load_collection(stac_api: str):
    def load_collection(id, spatial_extent=None, temporal_extent=None, bands=None, properties=None, **kwargs):
        query = {name: literal_match(callback) for name, callback in (properties or {}).items()} or None
        return engine_load.load_stac(f"{stac_api.rstrip('/')}/collections/{id}", spatial_extent=spatial_extent,
                                     temporal_extent=temporal_extent, bands=bands, properties=query)

    return load_collection


def _number(value):
    value = float(value)
    return None if math.isnan(value) else value


def save_result(data, format="", options=None, **kwargs):
    computed = data.compute()
    dims = [str(d) for d in computed.dims]
    temporal = [d for d in dims if np.issubdtype(computed[d].dtype, np.datetime64)]
    times = [str(np.datetime_as_string(t, unit="s")) for t in computed[temporal[0]].values] if temporal else []
    geometries = [g.wkt for g in computed[dims[0]].values] if dims and hasattr(computed[dims[0]].values[0], "wkt") \
        else []
    values = np.vectorize(_number, otypes=[object])(computed.values).tolist()
    json.dump({"format": format, "dims": dims, "dtype": str(computed.dtype), "times": times,
               "geometries": geometries, "values": values}, sys.stdout)
    return True


def main() -> int:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    stac_api = sys.argv[1]
    process = json.load(sys.stdin)
    engine_load._validate_stac = _validate_stac
    PROCESS_REGISTRY["load_collection"] = Process(spec=specs.load_collection,
                                                  implementation=make_load_collection(stac_api))
    PROCESS_REGISTRY["save_result"] = Process(spec=specs.save_result, implementation=save_result)
    OpenEOProcessGraph(process).to_callable(PROCESS_REGISTRY)()
    return 0


if __name__ == "__main__":
    sys.exit(main())
