"""Mission product names, parsed into their fields, and the cross-portal identity built from them.

Portals name the same acquisition differently (PORTALS.md section 9): with or without ``.SAFE``, without the
processing baseline (Planetary Computer ids), with a ``-GRD_HD`` suffix (ASF), without the final CRC (Earth
Search Sentinel-1 ids). The identity keeps only what says "this acquisition" and drops what says "this
version of it", so that two portals holding the same data get the same key.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime, timezone
from typing import Optional, Tuple

# S2A_MSIL2A_20230115T105401_N0509_R051_T31TEJ_20230115T135000(.SAFE)
# The baseline is optional: Planetary Computer drops it from its ids.
_S2 = re.compile(
    r"^(?P<mission>S2[A-D])_MSI(?P<level>L1C|L2A|L1B|L2AP)_(?P<start>\d{8}T\d{6})"
    r"(?:_N(?P<baseline>\d{4}))?_R(?P<orbit>\d{3})_T(?P<tile>\d{1,2}[C-X][A-Z]{2})"
    r"_(?P<discriminator>\d{8}T\d{6})$"
)
# S1A_IW_GRDH_1SDV_20240607T000653_20240607T000718_054210_0697DA_6EE4(_COG)(.SAFE)
_S1 = re.compile(
    r"^(?P<mission>S1[A-D])_(?P<mode>IW|EW|WV|S[1-6]|EN|N[1-6]|IM)_(?P<type>RAW|SLC|GRD|OCN|ETA)(?P<res>[FHM_])"
    r"_(?P<level>[0-2])(?P<cls>[SAN])(?P<pol>SH|SV|DH|DV|HH|HV|VV|VH|_{2})"
    r"_(?P<start>\d{8}T\d{6})_(?P<stop>\d{8}T\d{6})_(?P<orbit>\d{6})_(?P<datatake>[0-9A-F]{6})"
    r"(?:_(?P<crc>[0-9A-F]{4}))?(?P<cog>_COG)?$"
)
# LC08_L2SP_033032_20231008_20231017_02_T1 ; Earth Search drops the processing date.
_LANDSAT = re.compile(
    r"^(?P<mission>L[COTEM]0[4-9])_(?P<level>L1TP|L1GT|L1GS|L2SP|L2SR)_(?P<pathrow>\d{6})_(?P<acquired>\d{8})"
    r"(?:_(?P<processed>\d{8}))?_(?P<collection>\d{2})_(?P<tier>T1|T2|RT)$"
)

_SUFFIXES = (".SAFE.zip", ".SAFE", ".zip", ".tar", ".SEN3")


def strip_suffix(name: str) -> str:
    """The product name without ``.SAFE``/``.zip`` and without ASF's ``-GRD_HD``-style suffix."""
    name = name.strip()
    for suffix in _SUFFIXES:
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    # ASF fileID: <sceneName>-GRD_HD, -SLC, -METADATA_GRD_HD ...
    if name.startswith("S1") and "-" in name:
        name = name.split("-", 1)[0]
    return name


def _utc(stamp: str) -> datetime:
    """'20230115T105401' as a UTC datetime (ValueError for an impossible date, as strptime would)."""
    return datetime(int(stamp[0:4]), int(stamp[4:6]), int(stamp[6:8]), int(stamp[9:11]), int(stamp[11:13]),
                    int(stamp[13:15]), tzinfo=timezone.utc)


def normalise_tile(tile: Optional[str]) -> Optional[str]:
    """MGRS tile in its zero-padded 5-character form: 'MGRS-9UWA', 'T31TEJ', '9uwa' -> '09UWA', '31TEJ'."""
    if not tile:
        return None
    return _normalise_tile(str(tile))


@lru_cache(maxsize=4096)  # tiles repeat from page to page
def _normalise_tile(tile: str) -> Optional[str]:
    text = tile.strip().upper()
    for prefix in ("MGRS-", "T"):
        if text.startswith(prefix) and len(text) > 4:
            text = text[len(prefix):]
    match = re.fullmatch(r"(\d{1,2})([C-HJ-NP-X])([A-HJ-NP-Z][A-HJ-NP-V])", text)  # no I or O in MGRS letters
    if not match:
        return None
    zone = int(match.group(1))
    if not 1 <= zone <= 60:
        return None
    return f"{zone:02d}{match.group(2)}{match.group(3)}"


@dataclass(frozen=True)
class ParsedName:
    """What a mission product name says; `identity` is the cross-portal key, `version` orders versions."""

    name: str
    mission: str  # "S2A", "S1B", "LC08"
    family: str  # "S2", "S1", "LANDSAT"
    level: str  # "L2A", "GRD", "L2SP"
    start: Optional[datetime]
    identity: str
    version: Tuple[str, ...]
    tile: Optional[str] = None
    relative_orbit: Optional[int] = None
    absolute_orbit: Optional[int] = None
    stop: Optional[datetime] = None
    product_type: Optional[str] = None

    @property
    def platform(self) -> str:
        """Human platform name: 'Sentinel-2A', 'Sentinel-1B', 'Landsat 8'."""
        if self.family == "S2":
            return f"Sentinel-2{self.mission[-1]}"
        if self.family == "S1":
            return f"Sentinel-1{self.mission[-1]}"
        return f"Landsat {int(self.mission[2:])}"


def parse_name(name: Optional[str]) -> Optional[ParsedName]:
    """Parse a Sentinel-1, Sentinel-2 or Landsat product name, or return None when it is none of them."""
    if not name or not isinstance(name, str):
        return None
    return _parse_cached(name)


@lru_cache(maxsize=4096)  # a record's name is read by several steps of its reading (identity, label, version)
def _parse_cached(name: str) -> Optional[ParsedName]:
    try:
        return _parse_name(name)
    except ValueError:  # the shape of a name with an impossible date (month 13): not a product name
        return None


def _parse_name(name: str) -> Optional[ParsedName]:
    base = strip_suffix(name)
    match = _S2.match(base)
    if match:
        g = match.groupdict()
        tile = normalise_tile(g["tile"]) or g["tile"]
        level = g["level"]
        identity = f"{g['mission']}_MSI{level}_{g['start']}_R{g['orbit']}_T{tile}"
        return ParsedName(
            name=base,
            mission=g["mission"],
            family="S2",
            level=level,
            start=_utc(g["start"]),
            identity=identity,
            version=(g["baseline"] or "0000", g["discriminator"]),
            tile=tile,
            relative_orbit=int(g["orbit"]),
            product_type={"L1C": "S2MSI1C", "L2A": "S2MSI2A"}.get(level, f"S2MSI{level[1:]}"),
        )
    match = _S1.match(base)
    if match:
        g = match.groupdict()
        identity = (
            f"{g['mission']}_{g['mode']}_{g['type']}{g['res']}_{g['level']}{g['cls']}{g['pol']}"
            f"_{g['start']}_{g['stop']}_{g['orbit']}_{g['datatake']}"
        )
        absolute = int(g["orbit"])
        # The relative orbit is not in a Sentinel-1 name: adapters take it from the portal's metadata.
        return ParsedName(
            name=base,
            mission=g["mission"],
            family="S1",
            level=g["type"],
            start=_utc(g["start"]),
            stop=_utc(g["stop"]),
            identity=identity,
            version=(g["crc"] or "", "COG" if g["cog"] else ""),
            absolute_orbit=absolute,
            product_type=f"{g['mode']}_{g['type']}{g['res']}_{g['level']}{g['cls']}",
        )
    match = _LANDSAT.match(base)
    if match:
        g = match.groupdict()
        identity = f"{g['mission']}_{g['level']}_{g['pathrow']}_{g['acquired']}_{g['collection']}_{g['tier']}"
        return ParsedName(
            name=base,
            mission=g["mission"],
            family="LANDSAT",
            level=g["level"],
            start=datetime.strptime(g["acquired"], "%Y%m%d").replace(tzinfo=timezone.utc),
            identity=identity,
            version=(g["processed"] or "",),
            relative_orbit=int(g["pathrow"][:3]),
        )
    return None


def identity_of(name: Optional[str], fallback: str) -> str:
    """The cross-portal key of a product name, or `fallback` (a portal-scoped id) when the name is unknown."""
    parsed = parse_name(name)
    return parsed.identity if parsed else fallback
