"""An openEO index time series (``aggregate_spatial`` saved as JSON or CSV) as rows a table or a chart can take.

openeo-driver writes the result of ``aggregate_spatial`` over a time series as
- JSON: ``{"<date>": [[<value per band>] per geometry]}``;
- CSV: one row per geometry, one column per date (``<date>``, or ``<date>__01``, ``<date>__02``... with several
  bands), or, from a vector cube, ``<date>~<band name>`` columns beside an index, the geometry and the parcels'
  properties (those columns are skipped).
Geometries keep the order of the parcels sent; values that are not numbers (no valid pixel) become None. A band
is "" when there is one value per date, else its name (``~B04``) or its position from 0 (JSON, ``__01``).

    points = parse_timeseries(data, "text/csv")   # [Point(parcel=0, date="2015-07-06", band="", value=0.61), ...]
"""
from __future__ import annotations

import csv
import io
import json
import math
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional

from ..errors import QueryError

_DATE_BAND = re.compile(r"^(?P<date>\d{4}-\d{2}-\d{2}[^_~]*?)(?:__(?P<number>\d+)|~(?P<name>.+))?$")


@dataclass(frozen=True)
class Point:
    """One value of the time series: parcel (index in the parcels sent), day, band ("" for the index), value."""

    parcel: int
    date: str
    band: str
    value: Optional[float]


def _number(value: Any) -> Optional[float]:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) or math.isinf(number) else number


def parse_timeseries(content: bytes, media_type: str = "") -> List[Point]:
    """Rows of an openEO time-series result, sorted by parcel, date, band; QueryError when it is not one."""
    text = content.decode("utf-8-sig", "replace")
    kind = "json" if "json" in media_type.lower() or text.lstrip().startswith("{") else "csv"
    points: List[Point] = []
    if kind == "json":
        try:
            data = json.loads(text.replace("NaN", "null"))
        except ValueError:
            raise QueryError("The time series result is not valid JSON.") from None
        if not isinstance(data, dict):
            raise QueryError("The time series result is not a JSON object of dates.")
        for date, geometries in data.items():
            for parcel, values in enumerate(geometries or []):
                values = values if isinstance(values, list) else [values]
                for band, value in enumerate(values):
                    points.append(Point(parcel, str(date)[:10], str(band) if len(values) > 1 else "", _number(value)))
    else:
        rows = list(csv.reader(io.StringIO(text)))
        if not rows:
            raise QueryError("The time series result is empty.")
        columns = {}
        for position, name in enumerate(rows[0]):
            match = _DATE_BAND.match(name.strip())
            if match:
                band = match.group("name") or (str(int(match.group("number")) - 1) if match.group("number") else "")
                columns[position] = (match.group("date")[:10], band)
        if not columns:
            raise QueryError("The time series result has no column of dates.")
        for parcel, row in enumerate(r for r in rows[1:] if r):
            for position, (date, band) in columns.items():
                points.append(Point(parcel, date, band, _number(row[position] if position < len(row) else None)))
    return sorted(points, key=lambda p: (p.parcel, p.date, p.band))


def parcel_names(process: Dict[str, Any]) -> List[str]:
    """Names of the parcels a time-series graph sends (its aggregate_spatial features' name, id or fid), in order."""
    for node in (process.get("process_graph") or {}).values():
        if node.get("process_id") == "aggregate_spatial":
            features = (node.get("arguments", {}).get("geometries") or {}).get("features") or []
            names = []
            for number, feature in enumerate(features, 1):
                properties = feature.get("properties") or {}
                label = next((properties[key] for key in ("name", "id", "fid") if properties.get(key) not in
                              (None, "")), number)
                names.append(str(label))
            return names
    return []


def to_series_points(points: List[Point], names: List[str], index: str, backend: str) -> List[Any]:
    """The first band of each parcel and date as the local time series' points (`subset.SeriesPoint`), so the same
    chart and CSV export show an openEO result. openEO gives no pixel counts: a value counts as fully valid."""
    from ..subset import SeriesPoint

    first = min((p.band for p in points), default="")
    series = []
    for point in points:
        if point.band != first:
            continue
        name = names[point.parcel] if point.parcel < len(names) else str(point.parcel + 1)
        moment = datetime.fromisoformat(point.date).replace(tzinfo=timezone.utc)
        series.append(SeriesPoint(parcel=name, product=f"openEO {point.date}", date=moment, portal=backend,
                                  index=index, mean=point.value, valid=1 if point.value is not None else 0, total=1))
    return series
