"""Downloaded products and remote assets as map layers, in the "EO Portals downloads" group.

What is opened, and how (GDAL does the reading; see `layer_specs`):

- Sentinel-2 SAFE folder or zip, through GDAL's SENTINEL2 driver: the 10 m subdataset (bands B4, B3, B2, B8),
  shown in true colour (B4, B3, B2 as red, green, blue) with a fixed stretch from reflectance 0 to 0.3, the
  usual range for land. Fixed, not computed: no statistics over a 10980 x 10980 image are needed, and the
  offset of processing baselines 04.00 and later (digital numbers shifted by 1000) is taken into account.
  A zip is read in place through ``/vsizip/``; the metadata file is found by listing the zip, because some
  products (the eodag test product among them) have their files at the zip root, not in ``<name>.SAFE/``.
  GDAL opens a subdataset whose band files are missing (a partial product) and reads zeros for them: an
  all-black layer. So the band files each subdataset really finds (GDAL's own file list) are checked first,
  and the best view that has data is opened: true colour at 10 m, else the true-colour image (TCI), else true
  colour at 20 or 60 m (L2A), else the finest band there is, alone, in grey. The missing bands are named in a
  note (`LayerSpec.note`) the Downloads row and the message bar show; with no band at all, nothing is opened
  and the reason is given.
- Sentinel-1 SAFE folder or zip (``manifest.safe``, GDAL's SAFE driver): one grey layer.
- GeoTIFF, COG and JPEG 2000 files (STAC assets): one layer each, QGIS's default style.
- Remote COG assets, without downloading (`RemoteLayerTask`): ``/vsicurl/`` on the asset's URL, signed by the
  portal's authenticator where the portal needs it (Planetary Computer SAS token appended; the token is
  fetched in the task and shared by every asset of the collection). Portals that want a header (GEODES API
  key, a CDSE bearer token, HTTP Basic for DHuS) get it through GDAL's ``header_file`` option of the
  ``/vsicurl?url=...&header_file=...`` syntax, pointing at an in-memory ``/vsimem/`` file: GDAL 3.6 has no
  per-path ``GDAL_HTTP_HEADERS`` for /vsicurl/ (path-specific options only reach /vsis3/, /vsiaz/...; the
  global option would send the key to every host), and the secret never appears in the layer source, the
  project file or a file on disk. Signed URLs do appear in the source: `ProjectPathWriter` strips their
  signature when a project is saved.

Layers are built off the main thread (`LayerTask.run`: GDAL opens files, QGIS computes the default style of
non-Sentinel rasters), moved to the main thread, and added to the project in `finished()`, on the main thread.
"""
from __future__ import annotations

import re
import threading
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple
from urllib.parse import quote

from osgeo import gdal
from qgis.core import (
    QgsContrastEnhancement,
    QgsLayerTreeGroup,
    QgsMapLayer,
    QgsMultiBandColorRenderer,
    QgsPathResolver,
    QgsProject,
    QgsRasterLayer,
    QgsSingleBandGrayRenderer,
    QgsTask,
)
from qgis.PyQt.QtCore import QCoreApplication, pyqtSignal

from .core.auth import Authenticator
from .core.download.queue import strip_signature
from .core.errors import EOPortalsError

# pylupdate5 and pylupdate6 read translate("Context", "text") calls
translate = QCoreApplication.translate

GROUP_NAME = "EO Portals downloads"
RASTER_SUFFIXES = (".tif", ".tiff", ".jp2", ".vrt", ".img", ".nc")
S2_METADATA = re.compile(r"(^|/)MTD_MSIL(1C|2A)\.xml$", re.IGNORECASE)
S1_MANIFEST = re.compile(r"(^|/)manifest\.safe$", re.IGNORECASE)
TRUE_COLOUR_BANDS = ("B4", "B3", "B2")
TRUE_COLOUR_MAX_REFLECTANCE = 0.3  # brightest land surfaces; clouds saturate, as in every true-colour preview
HEADER_FOLDER = "/vsimem/eo_portals_headers"

STYLE_DEFAULT = "default"
STYLE_S2_TRUE_COLOUR = "s2_true_colour"
STYLE_S1 = "s1"
STYLE_S2_BAND = "s2_band"  # one Sentinel-2 band file, grey, reflectance 0 to 0.3


@dataclass
class LayerSpec:
    """What to open: a GDAL data source, the layer's name and how to style it."""

    source: str
    name: str
    style: str = STYLE_DEFAULT
    shift: float = 0.0  # digital numbers added to reflectance x quantification (baseline >= 04.00: 1000)
    quantification: float = 10000.0
    note: str = ""  # what the user should know about this layer (translated): bands missing from the product


class NothingToShow(Exception):
    """A product with nothing GDAL can show (its message is translated, for the user)."""


# ---- what to open ---------------------------------------------------------------------------------------
def _shortest(names: Iterable[str], pattern: "re.Pattern[str]") -> Optional[str]:
    found = [name for name in names if pattern.search(name)]
    return min(found, key=lambda n: (n.count("/"), len(n))) if found else None


S2_BAND_FILE = re.compile(r"_(B\d{1,2}A?|TCI)(?:_\d{2}m)?\.jp2$", re.IGNORECASE)
S2_PREFERENCE = ("10m", "TCI", "20m", "60m")  # which subdataset to show, best first


def _band_label(name: str) -> str:
    """Sentinel-2 band names as users know them: 'B4' (GDAL's BANDNAME) -> 'B04', 'B8A' stays."""
    match = re.fullmatch(r"B(\d{1,2})(A?)", name.strip().upper())
    if not match:
        return name.strip().upper()
    return f"B{int(match.group(1))}A" if match.group(2) else f"B{int(match.group(1)):02d}"


@dataclass
class _Subdataset:
    source: str  # GDAL's subdataset name
    kind: str  # 10m, 20m, 60m or TCI
    bands: List[str]  # B04... in the subdataset's band order
    files: Dict[str, str]  # band (or TCI) -> the file GDAL found for it


def _s2_subdatasets(subdatasets: Dict[str, str]) -> List[_Subdataset]:
    """Each subdataset with its bands and the band files GDAL actually found (missing ones are not listed)."""
    found = []
    for key, value in sorted(subdatasets.items(), key=lambda kv: _subdataset_index(kv[0])):
        if not key.endswith("_NAME"):
            continue
        parts = value.split(":")
        kind = parts[-2] if len(parts) >= 3 else ""
        dataset = gdal.Open(value)
        if dataset is None:
            continue
        try:
            bands = [_band_label(dataset.GetRasterBand(i).GetMetadataItem("BANDNAME") or "")
                     for i in range(1, dataset.RasterCount + 1)]
            files = {}
            for path in dataset.GetFileList() or []:
                match = S2_BAND_FILE.search(path)
                if match:
                    files.setdefault(_band_label(match.group(1)), path)
        finally:
            dataset = None
        if kind == "TCI":
            bands = ["TCI"]
        found.append(_Subdataset(value, kind, bands, files))
    return found


def _resolution(kind: str) -> str:
    return kind[:-1] + " m" if kind.endswith("m") else kind


def _s2_spec(metadata_path: str, name: str) -> Optional[LayerSpec]:
    """The spec of a Sentinel-2 product whose MTD_MSIL*.xml GDAL reads at `metadata_path`: the best view that
    has data (see the module's docstring); NothingToShow when none of its band files is there."""
    dataset = gdal.Open(metadata_path)
    if dataset is None:
        return None
    try:
        metadata = dataset.GetMetadata() or {}
        subdatasets = dataset.GetMetadata("SUBDATASETS") or {}
    finally:
        dataset = None
    available = _s2_subdatasets(subdatasets)
    if not any(sub.kind == "10m" for sub in available):
        return None
    try:
        baseline = float(metadata.get("PROCESSING_BASELINE", "0"))
    except ValueError:
        baseline = 0.0
    try:
        quantification = float(metadata.get("QUANTIFICATION_VALUE") or metadata.get("BOA_QUANTIFICATION_VALUE")
                               or 10000.0)
    except ValueError:
        quantification = 10000.0
    # Processing baseline 04.00 (January 2022) added RADIO_ADD_OFFSET / BOA_ADD_OFFSET = -1000 to every band.
    shift = 1000.0 if baseline >= 4.0 else 0.0

    every_band, present = [], {}
    for sub in available:
        if sub.kind != "TCI":
            every_band.extend(band for band in sub.bands if band not in every_band)
        present.update(sub.files)
    missing = [band for band in sorted(every_band, key=_band_order) if band not in present]
    ranked = sorted(available, key=lambda sub: S2_PREFERENCE.index(sub.kind) if sub.kind in S2_PREFERENCE else 9)

    spec, shown = None, ""
    for sub in ranked:
        if sub.kind == "TCI":
            if "TCI" in sub.files:
                spec = LayerSpec(sub.source, name, STYLE_DEFAULT)
                shown = translate("EOPortalsLayers", "the true-colour image (TCI)")
                break
        elif all(band in sub.files for band in ("B04", "B03", "B02")):
            spec = LayerSpec(sub.source, name, STYLE_S2_TRUE_COLOUR, shift, quantification)
            shown = translate("EOPortalsLayers", "true colour ({resolution})").format(
                resolution=_resolution(sub.kind))
            break
    if spec is None:  # no true colour anywhere: the finest band there is, alone
        for sub in ranked:
            band = next((b for b in sub.bands if b in sub.files and b != "TCI"), None)
            if band is not None:
                spec = LayerSpec(sub.files[band], f"{name} {band}", STYLE_S2_BAND, shift, quantification)
                shown = translate("EOPortalsLayers", "band {band} ({resolution})").format(
                    band=band, resolution=_resolution(sub.kind))
                break
    if spec is None:
        raise NothingToShow(translate("EOPortalsLayers", "none of the product's image bands is in it (a partial "
                                                          "download?): missing {bands}").format(bands=", ".join(missing)))
    if missing:
        spec.note = translate("EOPortalsLayers", "bands missing from the product: {bands}; the map shows "
                                                  "{shown}").format(bands=", ".join(missing), shown=shown)
    return spec


def _band_order(band: str) -> Tuple[int, str]:
    match = re.fullmatch(r"B(\d+)(A?)", band)
    return (int(match.group(1)), match.group(2)) if match else (99, band)


def _subdataset_index(key: str) -> int:
    match = re.search(r"SUBDATASET_(\d+)_", key)
    return int(match.group(1)) if match else 0


def _product_name(path: Path) -> str:
    name = path.name
    for suffix in (".zip", ".SAFE", ".safe"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


def layer_specs(path: str) -> List[LayerSpec]:
    """The layers a downloaded file or folder gives (reads the disk: call it off the main thread)."""
    target = Path(path)
    name = _product_name(target)
    if target.is_file() and target.suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(target) as archive:
                members = archive.namelist()
        except (OSError, zipfile.BadZipFile):
            return []
        inside = "/vsizip/" + str(target)
        mtd = _shortest(members, S2_METADATA)
        if mtd is not None:
            spec = _s2_spec(f"{inside}/{mtd}", name)
            return [spec] if spec else []
        manifest = _shortest(members, S1_MANIFEST)
        if manifest is not None:
            return [LayerSpec(f"{inside}/{manifest}", name, STYLE_S1)]
        return [LayerSpec(f"{inside}/{member}", Path(member).stem) for member in members
                if member.lower().endswith(RASTER_SUFFIXES)]
    if target.is_dir():
        names = [p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()]
        mtd = _shortest(names, S2_METADATA)
        if mtd is not None:
            spec = _s2_spec(str(target / mtd), name)
            return [spec] if spec else []
        manifest = _shortest(names, S1_MANIFEST)
        if manifest is not None:
            return [LayerSpec(str(target / manifest), name, STYLE_S1)]
        return [LayerSpec(str(target / n), Path(n).stem) for n in sorted(names) if n.lower().endswith(RASTER_SUFFIXES)]
    if target.is_file() and target.suffix.lower() in RASTER_SUFFIXES:
        return [LayerSpec(str(target), target.stem)]
    return []


def specs_for_files(files: Sequence[str]) -> List[LayerSpec]:
    """Layers for a finished job's files: an extracted SAFE folder is preferred to the zip it came from."""
    paths = [Path(f) for f in files]
    folders = {p.name[: -len(".SAFE")] for p in paths if p.is_dir() and p.name.endswith(".SAFE")}
    specs: List[LayerSpec] = []
    for path in paths:
        if path.suffix.lower() == ".zip" and path.stem in folders:
            continue
        specs.extend(layer_specs(str(path)))
    return specs


# ---- styles -----------------------------------------------------------------------------------------------
def _band_index(layer: QgsRasterLayer, band_name: str, fallback: int) -> int:
    """The raster band whose GDAL BANDNAME is `band_name` (B4...), else `fallback`."""
    dataset = gdal.Open(layer.source())
    if dataset is not None:
        try:
            for index in range(1, dataset.RasterCount + 1):
                if (dataset.GetRasterBand(index).GetMetadataItem("BANDNAME") or "") == band_name:
                    return index
        finally:
            dataset = None
    return fallback


def _stretch(data_type, low: float, high: float) -> QgsContrastEnhancement:
    enhancement = QgsContrastEnhancement(data_type)
    enhancement.setContrastEnhancementAlgorithm(
        QgsContrastEnhancement.ContrastEnhancementAlgorithm.StretchToMinimumMaximum)
    enhancement.setMinimumValue(low)
    enhancement.setMaximumValue(high)
    return enhancement


def style_true_colour(layer: QgsRasterLayer, spec: LayerSpec) -> None:
    """B4, B3, B2 as red, green, blue, stretched from reflectance 0 to 0.3."""
    provider = layer.dataProvider()
    red, green, blue = (_band_index(layer, band, index) for index, band in enumerate(TRUE_COLOUR_BANDS, start=1))
    renderer = QgsMultiBandColorRenderer(provider, red, green, blue)
    low = spec.shift
    high = spec.shift + TRUE_COLOUR_MAX_REFLECTANCE * spec.quantification
    renderer.setRedContrastEnhancement(_stretch(provider.dataType(red), low, high))
    renderer.setGreenContrastEnhancement(_stretch(provider.dataType(green), low, high))
    renderer.setBlueContrastEnhancement(_stretch(provider.dataType(blue), low, high))
    layer.setRenderer(renderer)


def style_reflectance_grey(layer: QgsRasterLayer, spec: LayerSpec) -> None:
    """Band 1 in grey, stretched from reflectance 0 to 0.3 (one Sentinel-2 band)."""
    provider = layer.dataProvider()
    renderer = QgsSingleBandGrayRenderer(provider, 1)
    renderer.setContrastEnhancement(_stretch(provider.dataType(1), spec.shift,
                                             spec.shift + TRUE_COLOUR_MAX_REFLECTANCE * spec.quantification))
    layer.setRenderer(renderer)


def style_grey(layer: QgsRasterLayer) -> None:
    """Band 1 in grey, stretched on the 2-98 % cumulative cut QGIS estimates (SAR amplitudes)."""
    provider = layer.dataProvider()
    renderer = QgsSingleBandGrayRenderer(provider, 1)
    layer.setRenderer(renderer)
    layer.setDefaultContrastEnhancement()


def create_layer(spec: LayerSpec) -> QgsRasterLayer:
    """The styled raster layer of `spec` (any thread; the caller moves it to the main thread).

    GDAL keeps the statistics QGIS computes for a default style in a ``.aux.xml`` file beside the image, written
    when the dataset closes: for an image inside a downloaded zip, GDAL appends that file to the zip, and the
    verified product on disk changes (its MD5 no longer matches). So GDAL's auxiliary files are off while the
    layer's datasets open (a thread-local option: other layers keep them; the datasets opened keep it off).
    """
    previous = gdal.GetThreadLocalConfigOption("GDAL_PAM_ENABLED", None)
    gdal.SetThreadLocalConfigOption("GDAL_PAM_ENABLED", "NO")
    try:
        layer = QgsRasterLayer(spec.source, spec.name, "gdal")
        if layer.isValid():
            if spec.style == STYLE_S2_TRUE_COLOUR and layer.bandCount() >= 3:
                style_true_colour(layer, spec)
            elif spec.style == STYLE_S2_BAND:
                style_reflectance_grey(layer, spec)
            elif spec.style == STYLE_S1:
                style_grey(layer)
    finally:
        gdal.SetThreadLocalConfigOption("GDAL_PAM_ENABLED", previous)
    return layer


# ---- the group ------------------------------------------------------------------------------------------
def downloads_group(project: QgsProject) -> QgsLayerTreeGroup:
    """The "EO Portals downloads" group at the top of the layer tree (created when missing)."""
    root = project.layerTreeRoot()
    group = root.findGroup(GROUP_NAME)
    if group is None:
        group = root.insertGroup(0, GROUP_NAME)
    return group


def add_layers(project: QgsProject, layers: Sequence[QgsMapLayer]) -> List[str]:
    """Add layers to the project inside the downloads group (main thread); returns their ids."""
    group = downloads_group(project)
    ids = []
    for layer in layers:
        project.addMapLayer(layer, False)
        group.insertLayer(0, layer)
        ids.append(layer.id())
    return ids


# ---- remote assets ----------------------------------------------------------------------------------------
class HeaderFiles:
    """In-memory (``/vsimem/``) header files for /vsicurl/ layers, one per layer, removed by `clear()`.

    GDAL reads the file at each request, so a header that changes (a CDSE token refreshed every few minutes)
    is rewritten in place by `refresh()` and the layers keep working.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._files: Dict[str, Tuple[Authenticator, str]] = {}

    def create(self, headers: Dict[str, str], auth: Authenticator, url: str) -> str:
        """A new header file holding `headers`; returns its /vsimem/ path (never a secret)."""
        path = f"{HEADER_FOLDER}/{uuid.uuid4().hex}.txt"
        self._write(path, headers)
        with self._lock:
            self._files[path] = (auth, url)
        return path

    @staticmethod
    def _write(path: str, headers: Dict[str, str]) -> None:
        text = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        gdal.FileFromMemBuffer(path, text.encode("utf-8"))

    def refresh(self) -> None:
        """Write the current headers of every file again (a worker thread: a token may need a refresh grant)."""
        with self._lock:
            entries = list(self._files.items())
        for path, (auth, url) in entries:
            try:
                headers = headers_for(auth, url)
            except EOPortalsError:  # a refused refresh leaves the old header; the layer says why
                continue
            with self._lock:
                if path in self._files:
                    self._write(path, headers)

    def paths(self) -> List[str]:
        """The header files alive."""
        with self._lock:
            return list(self._files)

    def clear(self) -> None:
        """Remove every header file (plugin unloaded): the secrets leave the process memory GDAL holds."""
        with self._lock:
            paths, self._files = list(self._files), {}
        for path in paths:
            gdal.Unlink(path)


def headers_for(auth: Authenticator, url: str) -> Dict[str, str]:
    """The headers the account sends to `url`: its own (API key, bearer token) and HTTP Basic as a header."""
    import base64

    headers = dict(auth.headers_for(url, url))
    basic = auth.basic_for(url, url)
    if basic is not None:
        token = base64.b64encode(f"{basic[0]}:{basic[1]}".encode("utf-8")).decode("ascii")
        headers["Authorization"] = f"Basic {token}"
    return headers


def remote_source(href: str, auth: Authenticator, collection: Optional[str], header_files: HeaderFiles) -> str:
    """The GDAL source of a remote asset, signed / with its headers (network: call it off the main thread)."""
    url = auth.sign(href, collection)
    headers = headers_for(auth, url)
    if not headers:
        return "/vsicurl/" + url
    path = header_files.create(headers, auth, url)
    # url first: GDAL looks for sibling files in the "folder" of the whole string, which must keep its url=
    return f"/vsicurl?url={quote(url, safe='')}&header_file={path}"


def is_signed_vsicurl(path: str) -> bool:
    """Whether a layer source is a /vsicurl/ URL carrying signature parameters."""
    return path.startswith("/vsicurl/") and strip_signature(path[len("/vsicurl/"):]) != path[len("/vsicurl/"):]


class ProjectPathWriter:
    """Strips signatures (SAS ``sig``, ``X-Amz-Signature``...) from /vsicurl/ layer sources in saved projects."""

    def __init__(self) -> None:
        self._id: Optional[str] = None

    @staticmethod
    def write(path: str) -> str:
        """The path as it goes into a project file."""
        if path.startswith("/vsicurl/"):
            return "/vsicurl/" + (strip_signature(path[len("/vsicurl/"):]) or "")
        return path

    def install(self) -> None:
        """Register with QGIS's path resolver (once)."""
        if self._id is None:
            self._id = QgsPathResolver.setPathWriter(self.write)

    def remove(self) -> None:
        """Unregister (plugin unload)."""
        if self._id is not None:
            QgsPathResolver.removePathWriter(self._id)
            self._id = None


# ---- tasks -------------------------------------------------------------------------------------------------
def _to_main_thread(layer: QgsMapLayer) -> None:
    layer.moveToThread(QCoreApplication.instance().thread())


class LayerTask(QgsTask):
    """Open layers off the main thread and add them to the downloads group when done.

    `make_specs()` runs in the task (it may read the disk or the network); `layers_added(ids)` and
    `layers_failed(message)` are emitted on the main thread.
    """

    layers_added = pyqtSignal(list)  # layer ids
    layers_failed = pyqtSignal(str)
    layers_noted = pyqtSignal(str)  # what the user should know about a layer added (bands missing...)

    def __init__(self, description: str, make_specs: Callable[[], List[LayerSpec]],
                 project: Optional[QgsProject] = None, describe_failure: Optional[Callable[[str], str]] = None):
        super().__init__(description, QgsTask.Flag.CanCancel)
        self.make_specs = make_specs
        self.project = project or QgsProject.instance()
        self.describe_failure = describe_failure or (lambda text: text)
        self.layers: List[QgsRasterLayer] = []
        self.message = ""
        self.notes: List[str] = []

    def run(self) -> bool:  # noqa: D102 (worker thread; never raises)
        try:
            specs = self.make_specs()
        except Exception as exc:  # noqa: BLE001 - reported on the main thread
            self.message = self.describe_failure(str(exc))
            return False
        broken = []
        for spec in specs:
            if self.isCanceled():
                return False
            layer = create_layer(spec)
            if layer.isValid():
                _to_main_thread(layer)
                self.layers.append(layer)
                if spec.note:
                    self.notes.append(spec.note)
            else:
                broken.append(spec.name)
        if broken:
            self.message = self.describe_failure(
                translate("EOPortalsLayers", "GDAL could not open {names}").format(names=", ".join(broken)))
        elif not specs:
            self.message = self.describe_failure(translate("EOPortalsLayers", "nothing in it can be shown on the map"))
        return bool(self.layers)

    def finished(self, ok: bool) -> None:  # noqa: D102 (main thread)
        if self.layers:
            self.layers_added.emit(add_layers(self.project, self.layers))
            for note in self.notes:
                self.layers_noted.emit(note)
        if self.message or not ok:
            self.layers_failed.emit(self.message or translate("EOPortalsLayers", "cancelled"))
