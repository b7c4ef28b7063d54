"""openEO process graphs built from a search, as plain data (pure functions, no network).

Three kinds of job, from the area, dates, collection and cloud limit a user already searched with:

- ``composite``: the median of the cloud-masked observations of chosen bands, per month, season or year, or
  one median over the whole date range (``period="whole"``, the custom period);
- ``timeseries``: an index (NDVI, NDWI, NDMI: the normalised differences of bands.py) of the cloud-masked observations, averaged over each parcel
  (``aggregate_spatial``) for every date, as CSV or JSON;
- ``stack``: chosen bands over the area for every date (cloud-masked unless asked otherwise).

    spec = JobSpec(kind="composite", collection="SENTINEL2_L2A", bbox=(5.0, 51.2, 5.1, 51.3),
                   start="2024-06-01", end="2024-09-01", bands=("B04", "B03", "B02"), period="month")
    process = build_process(spec)        # {"process_graph": {...}} as POST /result and POST /jobs want it

Graphs use openEO processes 2.0 names only: ``load_collection`` (spatial extent, temporal extent with an
exclusive end, ``eo:cloud_cover`` property filter), ``reduce_dimension`` + ``array_element`` + ``eq``/``or``
for the scene-classification (SCL) mask, ``mask``, ``ndvi`` / ``normalized_difference``,
``aggregate_temporal_period`` or ``reduce_dimension`` with ``median``, ``aggregate_spatial`` with ``mean``, and
``save_result``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Dict, List, Optional, Sequence, Tuple

from ..bands import INDICES as BAND_INDICES
from ..bands import SCL, collection_bands
from ..errors import QueryError

KINDS = ("composite", "timeseries", "stack")
PERIODS = ("month", "season", "year", "whole")  # "whole": one composite of the whole date range
FORMATS = {"GTiff": "GeoTIFF", "netCDF": "netCDF", "CSV": "CSV", "JSON": "JSON"}
DEFAULT_FORMAT = {"composite": "GTiff", "timeseries": "CSV", "stack": "netCDF"}
# The formats the plugin opens for each kind: rasters as layers (GeoTIFF; netCDF one layer per variable), a time
# series in the chart and table (CSV, JSON). A time series saved as netCDF is valid but would only be downloaded.
OPENED_FORMATS = {"composite": ("GTiff", "netCDF"), "stack": ("GTiff", "netCDF"), "timeseries": ("CSV", "JSON")}


# Other spellings back-ends use for the same formats (the API leaves the names to each back-end).
FORMAT_ALIASES = {"GTiff": ("gtiff", "geotiff", "tiff", "tif", "gtif"), "netCDF": ("netcdf", "netcdf4", "nc"),
                  "CSV": ("csv",), "JSON": ("json",)}


def backend_format(offered: Any, name: str) -> Optional[str]:
    """The name under which a back-end's ``GET /file_formats`` output formats hold `name` (any case, or one of
    its other spellings: "GeoTIFF" for GTiff), None when they do not."""
    spellings = {name.lower(), *FORMAT_ALIASES.get(name, ())}
    for alias, names in FORMAT_ALIASES.items():
        if name.lower() in names:
            spellings.update((alias.lower(), *names))
    return next((str(key) for key in offered or () if str(key).lower() in spellings), None)


def writes(offered: Any, name: str) -> bool:
    """Whether a back-end's ``GET /file_formats`` output formats hold `name` (any case or spelling)."""
    return backend_format(offered, name) is not None


def formats_for(kind: str, offered: Optional[Any] = None) -> List[Tuple[str, bool]]:
    """(format, the back-end writes it) for each format of `kind` the plugin opens, the kind's default first;
    every format counts as written while the back-end's list is unknown (`offered` None)."""
    names = sorted(OPENED_FORMATS.get(kind, ()), key=lambda name: name != DEFAULT_FORMAT.get(kind))
    return [(name, offered is None or writes(offered, name)) for name in names]

# Sentinel-2 scene classification (SCL) classes masked out: the local time series' defaults (bands.SCL: no data,
# saturated/defective, cloud shadows, medium and high probability clouds, thin cirrus, snow), so that an openEO
# job and the local computation drop the same pixels.
SCL_MASKED = tuple(sorted(SCL.masked_values(None, 11)))


def _normalised_differences(collection: str = "S2_MSI_L2A") -> Dict[str, Tuple[str, str]]:
    """Index -> (x, y) bands of (x - y) / (x + y), for the indices of bands.py that are normalised differences."""
    spec = collection_bands(collection)
    found: Dict[str, Tuple[str, str]] = {}
    for key, index in BAND_INDICES.items():
        if len(index.roles) == 2 and index.formula == "({0} - {1}) / ({0} + {1})".format(*index.roles):
            bands = spec.index_bands(key)
            found[key] = (bands[index.roles[0]].name, bands[index.roles[1]].name)
    return found


# Normalised-difference indices of Sentinel-2 (band names as openEO back-ends name them: B08, B04...). EVI is
# not a normalised difference and needs reflectance scaling: not offered for openEO jobs yet.
INDICES: Dict[str, Tuple[str, str]] = _normalised_differences()


@dataclass(frozen=True)
class JobSpec:
    """What to compute, in the back-end's own names (collection id, band names)."""

    kind: str
    collection: str  # the back-end's collection id, e.g. "SENTINEL2_L2A"
    bbox: Tuple[float, float, float, float]  # west, south, east, north in EPSG:4326
    start: str  # first day, "YYYY-MM-DD"
    end: str  # last day included, "YYYY-MM-DD" (the graph's temporal extent ends the day after: openEO's end is exclusive)
    max_cloud: Optional[float] = None  # percent, on the eo:cloud_cover property
    bands: Tuple[str, ...] = ()
    index: str = ""  # "NDVI"... for the time series
    period: str = "month"
    parcels: Optional[Dict[str, Any]] = None  # GeoJSON FeatureCollection in EPSG:4326 (time series)
    format: str = ""  # save_result format; "" = the kind's default
    scl_band: str = "SCL"  # "" = no cloud masking
    masked_classes: Tuple[int, ...] = SCL_MASKED

    @property
    def output_format(self) -> str:
        """The save_result format."""
        return self.format or DEFAULT_FORMAT[self.kind]

    def index_bands(self) -> Tuple[str, str]:
        """(x, y) bands of the index, or QueryError naming the known ones."""
        try:
            return INDICES[self.index.upper()]
        except KeyError:
            raise QueryError(f"Unknown index '{self.index}'. Known indices: {', '.join(INDICES)}.") from None

    def loaded_bands(self) -> Tuple[str, ...]:
        """Bands read from the collection for the result (without the SCL band used for masking)."""
        if self.kind == "timeseries":
            return tuple(dict.fromkeys(self.index_bands()))
        return tuple(self.bands)

    def check(self) -> None:
        """Raise QueryError with a message for the user when the job cannot be built."""
        if self.kind not in KINDS:
            raise QueryError(f"Unknown kind of job '{self.kind}': choose one of {', '.join(KINDS)}.")
        if not self.collection:
            raise QueryError("No collection is chosen for the job.")
        west, south, east, north = self.bbox
        if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
            raise QueryError("The area of the job is empty or outside longitudes -180..180 and latitudes -90..90.")
        first, last = _day(self.start, "start"), _day(self.end, "end")
        if last < first:
            raise QueryError(f"The job's end date {self.end} is before its start date {self.start}.")
        if self.max_cloud is not None and not 0 <= self.max_cloud <= 100:
            raise QueryError("The cloud cover limit must be between 0 and 100 %.")
        if self.kind in ("composite", "stack") and not self.bands:
            raise QueryError("Choose at least one band for a composite or a stack.")
        if self.kind == "composite" and self.period not in PERIODS:
            raise QueryError(f"Unknown period '{self.period}': choose one of {', '.join(PERIODS)}.")
        if self.kind == "timeseries":
            self.index_bands()
            features = (self.parcels or {}).get("features") if isinstance(self.parcels, dict) else None
            if not features:
                raise QueryError("An index time series needs parcels: choose a layer of polygons.")
            if self.output_format not in ("CSV", "JSON", "netCDF"):
                raise QueryError("A time series is saved as CSV, JSON or netCDF, not " + self.output_format + ".")
        elif self.output_format not in ("GTiff", "netCDF"):
            raise QueryError("A composite or a stack is saved as GeoTIFF or netCDF, not " + self.output_format + ".")


def _day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(str(text)[:10])
    except ValueError:
        raise QueryError(f"The job's {what} date '{text}' is not a date (YYYY-MM-DD).") from None


def temporal_extent(spec: JobSpec) -> List[str]:
    """[start, day after end]: openEO temporal extents are left-closed, right-open."""
    last = _day(spec.end, "end") + timedelta(days=1)
    return [_day(spec.start, "start").isoformat(), last.isoformat()]


class _Graph:
    """Nodes with readable unique ids ("load1", "mask1"...); the last node added with `result=True` ends it."""

    def __init__(self) -> None:
        self.nodes: Dict[str, Dict[str, Any]] = {}
        self._counts: Dict[str, int] = {}

    def add(self, process_id: str, arguments: Dict[str, Any], result: bool = False) -> Dict[str, str]:
        stem = process_id.replace("_", "")
        self._counts[stem] = self._counts.get(stem, 0) + 1
        node_id = f"{stem}{self._counts[stem]}"
        node: Dict[str, Any] = {"process_id": process_id, "arguments": arguments}
        if result:
            node["result"] = True
        self.nodes[node_id] = node
        return {"from_node": node_id}


def callback(*nodes: Tuple[str, str, Dict[str, Any]]) -> Dict[str, Any]:
    """A child process graph from (node id, process id, arguments) triples; the last one is the result."""
    graph = {}
    for index, (node_id, process_id, arguments) in enumerate(nodes):
        graph[node_id] = {"process_id": process_id, "arguments": arguments}
        if index == len(nodes) - 1:
            graph[node_id]["result"] = True
    return {"process_graph": graph}


def _reducer(process_id: str) -> Dict[str, Any]:
    return callback((process_id + "1", process_id, {"data": {"from_parameter": "data"}}))


def cloud_filter(max_cloud: float) -> Dict[str, Any]:
    """The load_collection `properties` condition eo:cloud_cover <= max_cloud."""
    return {"eo:cloud_cover": callback(("lte1", "lte", {"x": {"from_parameter": "value"}, "y": max_cloud}))}


def scl_mask_reducer(scl_band: str, classes: Sequence[int]) -> Dict[str, Any]:
    """Reducer over the bands dimension: true where the SCL band holds one of `classes` (pixel to drop)."""
    nodes: List[Tuple[str, str, Dict[str, Any]]] = [
        ("scl", "array_element", {"data": {"from_parameter": "data"}, "label": scl_band})]
    previous = None
    for number, value in enumerate(classes, 1):
        nodes.append((f"eq{number}", "eq", {"x": {"from_node": "scl"}, "y": value}))
        if previous is not None:
            nodes.append((f"or{number}", "or", {"x": {"from_node": previous}, "y": {"from_node": f"eq{number}"}}))
            previous = f"or{number}"
        else:
            previous = f"eq{number}"
    return callback(*nodes)


def _load(graph: _Graph, spec: JobSpec, bands: Sequence[str]) -> Dict[str, str]:
    west, south, east, north = spec.bbox
    arguments: Dict[str, Any] = {
        "id": spec.collection,
        "spatial_extent": {"west": west, "south": south, "east": east, "north": north, "crs": 4326},
        "temporal_extent": temporal_extent(spec),
        "bands": list(bands),
    }
    if spec.max_cloud is not None:
        arguments["properties"] = cloud_filter(spec.max_cloud)
    return graph.add("load_collection", arguments)


def _masked(graph: _Graph, spec: JobSpec, bands: Sequence[str]) -> Dict[str, str]:
    """The bands, with the pixels the SCL band classifies as cloud, shadow, no data... set to no data."""
    cube = _load(graph, spec, bands)
    if not spec.scl_band:
        return cube
    scl = _load(graph, spec, [spec.scl_band])
    clouds = graph.add("reduce_dimension", {"data": scl, "dimension": "bands",
                                            "reducer": scl_mask_reducer(spec.scl_band, spec.masked_classes)})
    return graph.add("mask", {"data": cube, "mask": clouds})


def _index(graph: _Graph, spec: JobSpec, cube: Dict[str, str]) -> Dict[str, str]:
    x, y = spec.index_bands()
    if spec.index.upper() == "NDVI":
        return graph.add("ndvi", {"data": cube, "nir": x, "red": y})
    reducer = callback(
        ("x", "array_element", {"data": {"from_parameter": "data"}, "label": x}),
        ("y", "array_element", {"data": {"from_parameter": "data"}, "label": y}),
        ("nd", "normalized_difference", {"x": {"from_node": "x"}, "y": {"from_node": "y"}}),
    )
    return graph.add("reduce_dimension", {"data": cube, "dimension": "bands", "reducer": reducer})


def build_graph(spec: JobSpec) -> Dict[str, Dict[str, Any]]:
    """The flat process graph (node id -> node) for `spec`; QueryError when the spec cannot be built."""
    spec.check()
    graph = _Graph()
    cube = _masked(graph, spec, spec.loaded_bands())
    if spec.kind == "composite":
        if spec.period == "whole":
            cube = graph.add("reduce_dimension", {"data": cube, "dimension": "t", "reducer": _reducer("median")})
        else:
            cube = graph.add("aggregate_temporal_period", {"data": cube, "period": spec.period,
                                                           "reducer": _reducer("median")})
    elif spec.kind == "timeseries":
        cube = _index(graph, spec, cube)
        cube = graph.add("aggregate_spatial", {"data": cube, "geometries": spec.parcels,
                                               "reducer": _reducer("mean")})
    graph.add("save_result", {"data": cube, "format": spec.output_format, "options": {}}, result=True)
    return graph.nodes


def build_process(spec: JobSpec, title: str = "", description: str = "") -> Dict[str, Any]:
    """{"process_graph": ...} (with title/description when given), the body part openEO's endpoints take."""
    process: Dict[str, Any] = {"process_graph": build_graph(spec)}
    if title:
        process["title"] = title
    if description:
        process["description"] = description
    return process


def job_title(spec: JobSpec) -> str:
    """A short job title a user recognises in the back-end's job list."""
    what = {"composite": f"{spec.period} composite of {', '.join(spec.bands)}",
            "timeseries": f"{spec.index.upper()} time series over parcels",
            "stack": f"stack of {', '.join(spec.bands)}"}[spec.kind]
    return f"EO Portals: {what}, {spec.collection}, {spec.start} to {spec.end}"


def processes_used(graph: Dict[str, Dict[str, Any]]) -> List[str]:
    """Every process id of a graph, child graphs (reducers, property filters) included, in first-use order."""
    found: Dict[str, None] = {}

    def walk(nodes: Dict[str, Any]) -> None:
        for node in nodes.values():
            found[node["process_id"]] = None
            _walk_arguments(node.get("arguments", {}), walk)

    walk(graph)
    return list(found)


def _walk_arguments(value: Any, walk) -> None:
    if isinstance(value, dict):
        if isinstance(value.get("process_graph"), dict):
            walk(value["process_graph"])
        for item in value.values():
            if isinstance(item, (dict, list)) and item is not value.get("process_graph"):
                _walk_arguments(item, walk)
    elif isinstance(value, list):
        for item in value:
            _walk_arguments(item, walk)


def collections_used(graph: Dict[str, Dict[str, Any]]) -> Dict[str, List[str]]:
    """Collection id -> bands read by load_collection nodes."""
    used: Dict[str, List[str]] = {}
    for node in graph.values():
        if node["process_id"] == "load_collection":
            bands = used.setdefault(node["arguments"]["id"], [])
            bands.extend(b for b in node["arguments"].get("bands") or [] if b not in bands)
    return used


def to_json(process: Dict[str, Any]) -> str:
    """The graph as users copy it into openEO's web editor or Python client (indented, stable order)."""
    return json.dumps(process, indent=2, sort_keys=False)


def parcels_geojson(features: Sequence[Tuple[Any, Dict[str, Any]]]) -> Dict[str, Any]:
    """A FeatureCollection from (shapely geometry in EPSG:4326, properties) pairs, for aggregate_spatial."""
    from shapely.geometry import mapping

    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": mapping(geometry), "properties": dict(properties or {})}
        for geometry, properties in features]}


def spec_from_query(query: Any, kind: str, collection: str, **options: Any) -> JobSpec:
    """A JobSpec from a SearchQuery (area, dates, cloud limit) and the back-end's collection id."""
    west, south, east, north = query.geometry.bounds
    start, end = query.start, query.end
    return JobSpec(kind=kind, collection=collection, bbox=(west, south, east, north),
                   start=_iso_day(start), end=_iso_day(end), max_cloud=query.max_cloud, **options)


def _iso_day(value: Any) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)[:10]

