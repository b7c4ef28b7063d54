"""What a back-end can run: its collections mapped to the unified ones, and a process graph checked against its
processes and the collections' metadata (bands, dates, area), with a message naming what it lacks. Pure."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

from .graph import processes_used

# The back-ends' own collection ids for the unified collections (CDSE, VITO/Terrascope, EODC, openeo-driver's
# dummy back-end, Sentinel Hub based back-ends). A back-end's /collections is matched against these.
KNOWN_COLLECTIONS: Dict[str, Tuple[str, ...]] = {
    "S2_MSI_L2A": ("SENTINEL2_L2A", "SENTINEL2_L2A_SENTINELHUB", "TERRASCOPE_S2_TOC_V2", "boa_sentinel_2"),
    "S2_MSI_L1C": ("SENTINEL2_L1C", "SENTINEL2_L1C_SENTINELHUB"),
    "S1_SAR_GRD": ("SENTINEL1_GRD", "SENTINEL1_GRD_SENTINELHUB"),
    "LANDSAT_C2_L2": ("LANDSAT8-9_L2", "LANDSAT8_L2", "LANDSAT_C2_L2"),
}


def map_collections(ids: Sequence[str]) -> Dict[str, str]:
    """Unified collection id -> the first back-end collection id known for it among `ids`."""
    available = list(ids)
    mapping: Dict[str, str] = {}
    for unified, names in KNOWN_COLLECTIONS.items():
        for name in names:
            if name in available:
                mapping[unified] = name
                break
    return mapping


def collection_bands(metadata: Dict[str, Any]) -> Optional[List[str]]:
    """Band names of a collection (``cube:dimensions`` bands, else ``summaries`` eo:bands); None if unknown."""
    dims = metadata.get("cube:dimensions") if isinstance(metadata, dict) else None
    if isinstance(dims, dict):
        for dim in dims.values():
            if isinstance(dim, dict) and dim.get("type") == "bands" and isinstance(dim.get("values"), list):
                return [str(v) for v in dim["values"]]
    summaries = metadata.get("summaries") if isinstance(metadata, dict) else None
    if isinstance(summaries, dict):
        bands = summaries.get("eo:bands") or summaries.get("bands")
        if isinstance(bands, list):
            return [str(b.get("name")) for b in bands if isinstance(b, dict) and b.get("name")]
    return None


def _interval(metadata: Dict[str, Any]) -> Tuple[Optional[str], Optional[str]]:
    try:
        start, end = metadata["extent"]["temporal"]["interval"][0]
    except (KeyError, IndexError, TypeError, ValueError):
        return None, None
    return (str(start)[:10] if start else None), (str(end)[:10] if end else None)


def _bbox(metadata: Dict[str, Any]) -> Optional[Sequence[float]]:
    try:
        box = metadata["extent"]["spatial"]["bbox"][0]
        return [float(v) for v in box[:4]] if len(box) == 4 else [float(box[0]), float(box[1]), float(box[3]),
                                                                   float(box[4])]
    except (KeyError, IndexError, TypeError, ValueError):
        return None


def check_against(graph: Dict[str, Any], processes: Dict[str, Dict[str, Any]],
                  collections: Dict[str, Optional[Dict[str, Any]]], title: str) -> List[str]:
    """Problems of `graph` on a back-end with these processes and collection metadata (pure)."""
    problems: List[str] = []
    missing = [pid for pid in processes_used(graph) if pid not in processes]
    if missing:
        problems.append(f"{title} lacks the process{'es' if len(missing) > 1 else ''} {', '.join(missing)}")
    for node in _all_nodes(graph):
        spec = processes.get(node["process_id"])
        if not spec or not isinstance(spec.get("parameters"), list):
            continue
        known = {p.get("name") for p in spec["parameters"] if isinstance(p, dict)}
        unknown = [name for name in node.get("arguments", {}) if name not in known]
        if unknown:
            problems.append(f"{title}'s {node['process_id']} has no parameter {', '.join(unknown)}")
    for node in graph.values():
        if node["process_id"] != "load_collection":
            continue
        arguments = node["arguments"]
        collection_id = arguments.get("id")
        metadata = collections.get(collection_id)
        if metadata is None:
            problems.append(f"{title} has no collection {collection_id}")
            continue
        bands = collection_bands(metadata)
        if bands is not None:
            lacking = [b for b in arguments.get("bands") or [] if b not in bands]
            if lacking:
                problems.append(f"{title}'s collection {collection_id} has no band {', '.join(lacking)} (it has "
                                f"{', '.join(bands)})")
        first, last = _interval(metadata)
        extent = arguments.get("temporal_extent") or [None, None]
        if first and extent[1] and str(extent[1])[:10] <= first:
            problems.append(f"{title}'s collection {collection_id} starts on {first}, after the job's dates")
        if last and extent[0] and str(extent[0])[:10] > last:
            problems.append(f"{title}'s collection {collection_id} ends on {last}, before the job's dates")
        box = _bbox(metadata)
        area = arguments.get("spatial_extent")
        if box and isinstance(area, dict) and {"west", "south", "east", "north"} <= set(area):
            if area["east"] < box[0] or area["west"] > box[2] or area["north"] < box[1] or area["south"] > box[3]:
                problems.append(f"{title}'s collection {collection_id} does not cover the area (it covers "
                                f"{box[0]:g}, {box[1]:g} to {box[2]:g}, {box[3]:g})")
    return problems


def _all_nodes(graph: Dict[str, Any]):
    for node in graph.values():
        yield node
        yield from _child_nodes(node.get("arguments", {}))


def _child_nodes(value: Any):
    if isinstance(value, dict):
        if isinstance(value.get("process_graph"), dict):
            yield from _all_nodes(value["process_graph"])
            return
        for item in value.values():
            yield from _child_nodes(item)
    elif isinstance(value, list):
        for item in value:
            yield from _child_nodes(item)
