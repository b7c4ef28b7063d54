"""Bands, band presets, spectral indices and mask classes per collection, as data.

    spec = collection_bands("S2_MSI_L2A")
    spec.preset("true_colour")                       # ("B04", "B03", "B02")
    spec.band("red")                                 # Band B04 (any alias: asset key, common name)
    spec.index_bands("NDVI")                         # {"nir": "B08", "red": "B04"}
    INDICES["NDVI"].compute({"nir": 0.4, "red": 0.1})  # 0.6
    spec.mask.is_masked(9, spec.mask.default)        # True: SCL 9 = cloud, high probability

A band is found in a product's assets by any of its aliases (the asset keys portals use: Earth Search v0
``B04``, Earth Search v1 / Planetary Computer ``red`` or ``B04``, USGS ``SR_B4.TIF``); case and a ``.tif``
suffix do not matter. Reflectance is ``digital number x scale + offset``: Sentinel-2 L2A digital numbers carry an
offset of -1000 from processing baseline 04.00 (25 January 2022) on (`scale_offset`).

Mask classes: Sentinel-2 L2A scene classification (SCL, one value per class) and Landsat Collection 2 QA_PIXEL
(one bit per condition). The defaults mask what spoils an index (no data, defects, clouds, their shadows,
cirrus, snow); every class can be switched.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable, Dict, Iterable, Mapping, Optional, Sequence, Tuple

# Resampling methods GDAL offers for bands of a coarser grid (shown to the user; "nearest" keeps real values).
RESAMPLING = ("nearest", "bilinear", "cubic", "average", "mode")
DEFAULT_RESAMPLING = "nearest"


@dataclass(frozen=True)
class Band:
    """One band: its name, the asset keys it goes by, what it is, how digital numbers become values."""

    name: str
    aliases: Tuple[str, ...]
    description: str
    resolution: float  # metres, native
    scale: float = 1.0
    offset: float = 0.0
    classes: bool = False  # a classification or bit mask (never interpolated, never scaled)
    nodata: Optional[float] = 0

    def matches(self, key: str) -> bool:
        """Whether an asset key (or a band name the user typed) names this band."""
        wanted = _normal(key)
        return wanted == _normal(self.name) or wanted in {_normal(a) for a in self.aliases}


@dataclass(frozen=True)
class MaskClass:
    """One maskable condition: SCL value(s) or a QA_PIXEL bit."""

    key: str
    label: str
    values: Tuple[int, ...] = ()  # class values (SCL)
    bit: Optional[int] = None  # bit number (QA_PIXEL)

    def hit(self, value: int) -> bool:
        """Whether a pixel of the mask band with `value` is in this class."""
        if self.bit is not None:
            return bool((int(value) >> self.bit) & 1)
        return int(value) in self.values


@dataclass(frozen=True)
class MaskSpec:
    """The mask band of a collection and its classes."""

    band: str
    kind: str  # "classes" (SCL) or "bits" (QA_PIXEL)
    classes: Tuple[MaskClass, ...]
    default: Tuple[str, ...]

    def keys(self) -> Tuple[str, ...]:
        return tuple(c.key for c in self.classes)

    def chosen(self, keys: Optional[Iterable[str]]) -> Tuple[MaskClass, ...]:
        """The classes named by `keys` (None: the defaults); an unknown key raises ValueError."""
        wanted = list(self.default if keys is None else keys)
        by_key = {c.key: c for c in self.classes}
        unknown = [k for k in wanted if k not in by_key]
        if unknown:
            raise ValueError(f"unknown mask class {', '.join(unknown)}; known: {', '.join(by_key)}")
        return tuple(by_key[k] for k in wanted)

    def masked_values(self, keys: Optional[Iterable[str]], max_value: int) -> frozenset:
        """Every mask-band value in 0..max_value that the chosen classes exclude (a lookup set)."""
        classes = self.chosen(keys)
        return frozenset(v for v in range(max_value + 1) if any(c.hit(v) for c in classes))

    def is_masked(self, value: int, keys: Optional[Iterable[str]] = None) -> bool:
        return any(c.hit(value) for c in self.chosen(keys))


@dataclass(frozen=True)
class Index:
    """A spectral index over band roles (red, nir...): its formula as text and as a function of reflectances."""

    key: str
    title: str
    roles: Tuple[str, ...]
    formula: str
    function: Callable[[Mapping[str, float]], Optional[float]] = field(compare=False)

    def compute(self, values: Mapping[str, float]) -> Optional[float]:
        """The index of one pixel from its reflectances by role; None where undefined (zero denominator)."""
        return self.function(values)


def _ratio(a: float, b: float) -> Optional[float]:
    total = a + b
    return None if total == 0 else (a - b) / total


def _evi(v: Mapping[str, float]) -> Optional[float]:
    denominator = v["nir"] + 6.0 * v["red"] - 7.5 * v["blue"] + 1.0
    return None if denominator == 0 else 2.5 * (v["nir"] - v["red"]) / denominator


INDICES: Dict[str, Index] = {
    "NDVI": Index("NDVI", "NDVI (vegetation)", ("nir", "red"), "(nir - red) / (nir + red)",
                  lambda v: _ratio(v["nir"], v["red"])),
    "NDWI": Index("NDWI", "NDWI (open water, McFeeters)", ("green", "nir"), "(green - nir) / (green + nir)",
                  lambda v: _ratio(v["green"], v["nir"])),
    "NDMI": Index("NDMI", "NDMI (moisture)", ("nir", "swir16"), "(nir - swir16) / (nir + swir16)",
                  lambda v: _ratio(v["nir"], v["swir16"])),
    "EVI": Index("EVI", "EVI (enhanced vegetation)", ("nir", "red", "blue"),
                 "2.5 (nir - red) / (nir + 6 red - 7.5 blue + 1)", _evi),
}


def band_index(band: str) -> Index:
    """The 'index' that is one band's value (reflectance, or the band's own unit)."""
    return Index(band, band, ("band",), band, lambda v: v["band"])


@dataclass(frozen=True)
class CollectionBands:
    """Bands, presets, index roles and mask of one collection."""

    collection: str
    bands: Tuple[Band, ...]
    presets: Dict[str, Tuple[str, ...]]
    roles: Dict[str, str]  # index role -> band name
    mask: Optional[MaskSpec] = None

    def band(self, name: str) -> Optional[Band]:
        """The band named `name` (band name, asset key or role such as "nir")."""
        if name in self.roles:
            name = self.roles[name]
        return next((b for b in self.bands if b.matches(name)), None)

    def preset(self, key: str) -> Tuple[str, ...]:
        return self.presets[key]

    def resolve(self, names: Sequence[str]) -> Tuple[Band, ...]:
        """Bands for a preset key or a list of band names / aliases; ValueError names what is unknown."""
        if len(names) == 1 and names[0] in self.presets:
            names = self.presets[names[0]]
        found, unknown = [], []
        for name in names:
            band = self.band(name)
            if band is None:
                unknown.append(name)
            elif band not in found:
                found.append(band)
        if unknown:
            raise ValueError(f"{self.collection} has no band {', '.join(unknown)}; "
                             f"bands: {', '.join(b.name for b in self.bands)}")
        return tuple(found)

    def index_bands(self, index: str) -> Dict[str, Band]:
        """Role -> band for an index key (NDVI...) or a band name (one-band 'index')."""
        if index.upper() in INDICES:
            roles = INDICES[index.upper()].roles
            missing = [r for r in roles if r not in self.roles]
            if missing:
                raise ValueError(f"{index} needs {', '.join(missing)}, which {self.collection} does not have")
            return {role: self.band(self.roles[role]) for role in roles}
        band = self.band(index)
        if band is None:
            raise ValueError(f"{index} is neither an index ({', '.join(INDICES)}) nor a band of {self.collection}")
        return {"band": band}

    def index(self, index: str) -> Index:
        return INDICES[index.upper()] if index.upper() in INDICES else band_index(self.band(index).name)


def _normal(key: str) -> str:
    key = key.strip().lower()
    for suffix in (".tif", ".tiff", ".jp2"):
        if key.endswith(suffix):
            key = key[: -len(suffix)]
    return key


# ---- Sentinel-2 --------------------------------------------------------------------------------------------
_S2 = (
    ("B01", ("coastal", "b1"), "Coastal aerosol (443 nm)", 60),
    ("B02", ("blue", "b2"), "Blue (490 nm)", 10),
    ("B03", ("green", "b3"), "Green (560 nm)", 10),
    ("B04", ("red", "b4"), "Red (665 nm)", 10),
    ("B05", ("rededge1", "b5"), "Red edge 1 (705 nm)", 20),
    ("B06", ("rededge2", "b6"), "Red edge 2 (740 nm)", 20),
    ("B07", ("rededge3", "b7"), "Red edge 3 (783 nm)", 20),
    ("B08", ("nir", "b8"), "Near infrared (842 nm)", 10),
    ("B8A", ("nir08", "b8a"), "Narrow near infrared (865 nm)", 20),
    ("B09", ("nir09", "b9"), "Water vapour (945 nm)", 60),
    ("B11", ("swir16", "b11"), "Short-wave infrared 1 (1610 nm)", 20),
    ("B12", ("swir22", "b12"), "Short-wave infrared 2 (2190 nm)", 20),
)
S2_SCALE = 0.0001
S2_BASELINE_OFFSET_FROM = datetime(2022, 1, 25, tzinfo=timezone.utc)  # processing baseline 04.00

SCL = MaskSpec("SCL", "classes", (
    MaskClass("no_data", "No data", (0,)),
    MaskClass("saturated", "Saturated or defective", (1,)),
    MaskClass("dark", "Dark area pixels", (2,)),
    MaskClass("cloud_shadow", "Cloud shadows", (3,)),
    MaskClass("vegetation", "Vegetation", (4,)),
    MaskClass("bare", "Not vegetated", (5,)),
    MaskClass("water", "Water", (6,)),
    MaskClass("unclassified", "Unclassified", (7,)),
    MaskClass("cloud_medium", "Clouds, medium probability", (8,)),
    MaskClass("cloud_high", "Clouds, high probability", (9,)),
    MaskClass("cirrus", "Thin cirrus", (10,)),
    MaskClass("snow", "Snow or ice", (11,)),
), default=("no_data", "saturated", "cloud_shadow", "cloud_medium", "cloud_high", "cirrus", "snow"))

QA_PIXEL = MaskSpec("QA_PIXEL", "bits", (
    MaskClass("fill", "No data (fill)", bit=0),
    MaskClass("dilated_cloud", "Dilated cloud", bit=1),
    MaskClass("cirrus", "Cirrus", bit=2),
    MaskClass("cloud", "Cloud", bit=3),
    MaskClass("cloud_shadow", "Cloud shadow", bit=4),
    MaskClass("snow", "Snow", bit=5),
    MaskClass("water", "Water", bit=7),
), default=("fill", "dilated_cloud", "cirrus", "cloud", "cloud_shadow", "snow"))

_S2_ROLES = {"blue": "B02", "green": "B03", "red": "B04", "nir": "B08", "swir16": "B11"}
_S2_PRESETS = {
    "true_colour": ("B04", "B03", "B02"),
    "false_colour": ("B08", "B04", "B03"),
    "ndvi": ("B04", "B08"),
}


def _s2_bands(level: str) -> Tuple[Band, ...]:
    bands = tuple(Band(name, aliases, description, res, S2_SCALE, 0.0) for name, aliases, description, res in _S2)
    if level == "L2A":
        bands += (Band("SCL", ("scl", "scene_classification"), "Scene classification", 20, classes=True),)
    return bands


LANDSAT_SCALE, LANDSAT_OFFSET = 0.0000275, -0.2  # Collection 2 Level-2 surface reflectance
_LANDSAT = (
    ("SR_B1", ("coastal", "b1"), "Coastal aerosol (443 nm)"),
    ("SR_B2", ("blue", "b2"), "Blue (482 nm)"),
    ("SR_B3", ("green", "b3"), "Green (561 nm)"),
    ("SR_B4", ("red", "b4"), "Red (655 nm)"),
    ("SR_B5", ("nir08", "nir", "b5"), "Near infrared (865 nm)"),
    ("SR_B6", ("swir16", "b6"), "Short-wave infrared 1 (1609 nm)"),
    ("SR_B7", ("swir22", "b7"), "Short-wave infrared 2 (2201 nm)"),
)

COLLECTIONS: Dict[str, CollectionBands] = {
    "S2_MSI_L2A": CollectionBands(
        "S2_MSI_L2A", _s2_bands("L2A"),
        {**_S2_PRESETS, "scene_classification": ("SCL",)}, _S2_ROLES, SCL),
    "S2_MSI_L1C": CollectionBands("S2_MSI_L1C", _s2_bands("L1C"), dict(_S2_PRESETS), _S2_ROLES, None),
    "LANDSAT_C2_L2": CollectionBands(
        "LANDSAT_C2_L2",
        tuple(Band(n, a, d, 30, LANDSAT_SCALE, LANDSAT_OFFSET) for n, a, d in _LANDSAT)
        + (Band("QA_PIXEL", ("qa_pixel",), "Pixel quality (bits)", 30, classes=True, nodata=1),),
        {"true_colour": ("SR_B4", "SR_B3", "SR_B2"), "false_colour": ("SR_B5", "SR_B4", "SR_B3"),
         "ndvi": ("SR_B4", "SR_B5"), "pixel_quality": ("QA_PIXEL",),
         "scene_classification": ("QA_PIXEL",)},  # the same choice as Sentinel-2's, for mixed results
        {"blue": "SR_B2", "green": "SR_B3", "red": "SR_B4", "nir": "SR_B5", "swir16": "SR_B6"},
        QA_PIXEL),
}

PRESET_TITLES = {
    "true_colour": "True colour",
    "false_colour": "False colour (near infrared)",
    "ndvi": "Bands of NDVI",
    "scene_classification": "Scene classification",
    "pixel_quality": "Pixel quality",
}


def collection_bands(collection: str) -> CollectionBands:
    """The bands of a unified collection id; ValueError when the plugin knows none for it."""
    try:
        return COLLECTIONS[collection]
    except KeyError:
        raise ValueError(f"no band list for {collection}: subsets work on "
                         f"{', '.join(COLLECTIONS)}") from None


def scale_offset(collection: str, band: Band, start: Optional[datetime],
                 baseline: Optional[str] = None, properties: Optional[Mapping] = None) -> Tuple[float, float]:
    """Scale and offset turning the band's digital numbers into reflectance for a product of this date.

    Sentinel-2 L2A and L1C from processing baseline 04.00 on carry -1000 in their digital numbers (offset -0.1);
    the baseline (``"04.00"``, from the product name ``N0400``) wins over the date when known. Earth Search says in
    ``earthsearch:boa_offset_applied`` when it already took that offset out of its COGs (then there is none).
    """
    if band.classes:
        return 1.0, 0.0
    if collection.startswith("S2_") and (properties or {}).get("earthsearch:boa_offset_applied") is True:
        return band.scale, 0.0
    if collection.startswith("S2_"):
        shifted = False
        digits = "".join(ch for ch in (baseline or "") if ch.isdigit())
        if len(digits) >= 2:
            shifted = int(digits[:2]) >= 4
        elif start is not None:
            when = start if start.tzinfo else start.replace(tzinfo=timezone.utc)
            shifted = when >= S2_BASELINE_OFFSET_FROM
        return band.scale, (-0.1 if shifted else 0.0)
    return band.scale, band.offset
