"""`eoportals:subset` and `eoportals:timeseries`: only the pixels you need, headless.

    qgis_process run eoportals:subset -- INPUT=/tmp/results.geojson BANDS=ndvi \\
        AREA='POLYGON((-9.9 24.8,-9.85 24.8,-9.85 24.85,-9.9 24.85,-9.9 24.8))' FOLDER=/data/eo
    qgis_process run eoportals:timeseries -- INPUT=/tmp/results.geojson PARCELS=/data/fields.gpkg \\
        ID_FIELD=name INDEX=NDVI OUTPUT=/tmp/ndvi.csv

Products are read back from a footprints layer of `eoportals:search` (as `eoportals:download` does). Subsets read
only the blocks of the chosen bands' cloud-optimised GeoTIFFs that cover the area and write one COG per product
(plugin/core/subset.py); products without COGs (zips of CDSE, GEODES, DHuS) are downloaded, then clipped from
the archive, which is kept or deleted as asked. The time series reads the COG windows of each parcel, several
products at once (at most the portal's download limit), and writes one row per parcel and date as they come.
Accounts, proxy and CAs are those of the plugin, read in prepareAlgorithm on the main thread.
"""
from __future__ import annotations

import os
import threading
from typing import Any, Dict, List, Optional, Tuple

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsFeatureSink,
    QgsField,
    QgsFields,
    QgsGeometry,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterGeometry,
    QgsProcessingParameterString,
)
from shapely.ops import unary_union

from .. import accounts, settings
from ..core.auth import Accounts
from ..core.bands import INDICES, RESAMPLING, collection_bands
from ..core.catalog import Catalog
from ..core.credentials import Credentials
from ..core.http import HttpSettings
from ..core.product import Product
from ..core.subset import Access, Cancelled, Parcel, SeriesRun, cog_bands, subset_product
from ..footprints import field_type, qdatetime_utc
from ..geometry import aoi_to_wgs84
from .common import VECTOR_POLYGON, EOPortalsAlgorithm, has_value, http_settings, tag_list, translate
from .download_algorithm import (DEFAULT_MAX_DOWNLOADS, FILE_FOLDER, NO_GEOMETRY, SEPARATOR, VECTOR_ANY,
                                 VECTOR_TABLE, DownloadAlgorithm, product_from_feature)


class _PixelsAlgorithm(EOPortalsAlgorithm):
    """What both algorithms share: accounts and settings from the main thread, products from the input layer."""

    INPUT = "INPUT"
    _drain = staticmethod(DownloadAlgorithm._drain)  # DownloadAlgorithm._download reports through it

    def __init__(self) -> None:
        super().__init__()
        self._catalog: Optional[Catalog] = None
        self._credentials: Dict[str, Credentials] = {}
        self._settings: Optional[HttpSettings] = None
        self._max_downloads = DEFAULT_MAX_DOWNLOADS
        self._accounts: Optional[Accounts] = None
        self._access: Dict[str, Access] = {}
        self._lock = threading.Lock()

    def prepareAlgorithm(self, parameters: Dict[str, Any], context: QgsProcessingContext,  # noqa: N802
                         feedback: QgsProcessingFeedback) -> bool:
        """Catalog, accounts and proxy, read on the main thread (Processing calls this there)."""
        catalog = settings.current_catalog()
        for problem in catalog.problems:
            feedback.reportError(translate("EOPortals", "Portal catalog: {}").format(problem), False)
        self._catalog = catalog
        self._credentials = accounts.credentials_by_portal(
            [p for p in catalog.portals.values() if accounts.accepts_account(p)])
        self._settings = http_settings()
        self._max_downloads = settings.max_downloads()
        return True

    def access_for(self, portal_id: str) -> Access:
        """One Access per portal (its shared authenticator, QGIS's network settings, its connection limit)."""
        with self._lock:
            access = self._access.get(portal_id)
            if access is None:
                catalog, options = self._catalog, self._settings or HttpSettings()
                if self._accounts is None:
                    self._accounts = Accounts(catalog, self._credentials, options)
                portal = catalog.portals.get(portal_id) if catalog else None
                if portal is None:
                    access = Access(options)
                else:
                    limit = portal.get("max_downloads", DEFAULT_MAX_DOWNLOADS) or DEFAULT_MAX_DOWNLOADS
                    access = Access(options, self._accounts.for_portal(portal),
                                    connections=min(int(limit), self._max_downloads))
                self._access[portal_id] = access
            return access

    def portal_title(self, portal_id: str) -> str:
        portal = self._catalog.portals.get(portal_id) if self._catalog else None
        return portal.title if portal is not None else portal_id

    def read_products(self, parameters, context, feedback) -> List[Product]:
        source = self.parameterAsSource(parameters, self.INPUT, context)
        if source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.INPUT))
        products, unreadable = [], 0
        for feature in source.getFeatures():
            product = product_from_feature(feature)
            if product is None:
                unreadable += 1
            else:
                products.append(product)
        if unreadable:
            feedback.reportError(translate("EOPortals", "{n} feature(s) have no readable 'sources' field and are "
                                                        "skipped; is this a layer from 'Search EO portals'?")
                                 .format(n=unreadable), False)
        if not products:
            raise QgsProcessingException(translate("EOPortals", "The layer holds no product."))
        return products


def _fields(spec: Tuple[Tuple[str, str], ...]) -> QgsFields:
    fields = QgsFields()
    for name, kind in spec:
        fields.append(QgsField(name, field_type(kind)))
    return fields


def _layer_geometries(source, context) -> List[Tuple[Any, QgsGeometry]]:
    """(feature, geometry in EPSG:4326 as shapely) for every feature with a geometry."""
    crs = source.sourceCrs()
    found = []
    for feature in source.getFeatures():
        if not feature.hasGeometry():
            continue
        shape = aoi_to_wgs84(QgsGeometry(feature.geometry()), crs, context.transformContext())
        if not shape.is_empty:
            found.append((feature, shape))
    return found


# ---- eoportals:subset ---------------------------------------------------------------------------------------
SUBSET_FIELDS = (("identity", "string"), ("title", "string"), ("portal", "string"), ("status", "string"),
                 ("file", "string"), ("bands", "string"), ("width", "int"), ("height", "int"),
                 ("bytes_read", "int64"), ("full_size", "int64"), ("requests", "int"), ("read_from", "string"),
                 ("message", "string"))


class SubsetAlgorithm(_PixelsAlgorithm):
    """Area-of-interest and band subsets of the products of a footprints layer, one COG each."""

    BANDS = "BANDS"
    AREA = "AREA"
    AREA_LAYER = "AREA_LAYER"
    FOLDER = "FOLDER"
    RESAMPLING = "RESAMPLING"
    KEEP_ARCHIVE = "KEEP_ARCHIVE"
    OUTPUT = "OUTPUT"
    TABLE = "TABLE"
    WRITTEN = "WRITTEN"
    FAILED = "FAILED"

    def name(self) -> str:
        """Algorithm id within the provider."""
        return "subset"

    def displayName(self) -> str:  # noqa: N802
        """Name in the toolbox."""
        return translate("EOPortals", "Subset EO products (area and bands)")

    def shortDescription(self) -> str:  # noqa: N802
        """Tooltip in the toolbox."""
        return translate("EOPortals", "Only the pixels you need: chosen bands over an area, one GeoTIFF per product.")

    def tags(self) -> List[str]:
        """Words the toolbox search matches."""
        words = translate("EOPortals", "sentinel,landsat,cog,subset,clip,bands,area,download")
        return tag_list(words)

    def shortHelpString(self) -> str:  # noqa: N802
        """Help shown next to the parameters."""
        return translate(
            "EOPortals",
            "For each product of a footprints layer written by 'Search EO portals', reads only the chosen bands "
            "over the area from the portal's cloud-optimised GeoTIFFs (Earth Search, Planetary Computer) and "
            "writes one cloud-optimised GeoTIFF per product, in the bands' own grid and projection. Bands of a "
            "coarser resolution are resampled to the finest one (method below; class bands such as SCL always "
            "nearest).\n\n"
            "Bands: a preset (true_colour, false_colour, ndvi, scene_classification, pixel_quality) or band names "
            "separated by commas (B04,B08,SCL; red,nir; SR_B4,SR_B5,QA_PIXEL).\n\n"
            "Portals without cloud-optimised files (Copernicus Data Space, GEODES, DHuS mirrors): the product is "
            "downloaded, then clipped; the archive is kept unless unticked.\n\n"
            "TABLE has one row per product: the file written, the bytes read against the size of the whole "
            "files, or why it failed.")

    def initAlgorithm(self, config: Optional[Dict[str, Any]] = None) -> None:  # noqa: N802
        """Declare the parameters and outputs."""
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.INPUT, translate("EOPortals", "Footprints (from 'Search EO portals')"), [VECTOR_ANY]))
        self.addParameter(QgsProcessingParameterString(
            self.BANDS, translate("EOPortals", "Bands (a preset or names separated by commas)"),
            defaultValue="true_colour"))
        self.addParameter(QgsProcessingParameterGeometry(
            self.AREA, translate("EOPortals", "Area (WKT in EPSG:4326 unless a CRS is given)"), optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.AREA_LAYER, translate("EOPortals", "Area from a polygon layer (all its features)"),
            [VECTOR_POLYGON], optional=True))
        self.addParameter(QgsProcessingParameterFile(
            self.FOLDER, translate("EOPortals", "Output folder"), behavior=FILE_FOLDER))
        self.addParameter(QgsProcessingParameterEnum(
            self.RESAMPLING, translate("EOPortals", "Resampling of coarser bands"), options=list(RESAMPLING),
            defaultValue=0))
        self.addParameter(QgsProcessingParameterBoolean(
            self.KEEP_ARCHIVE, translate("EOPortals", "Keep downloaded archives (products without COGs)"),
            defaultValue=True, optional=True))
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.TABLE, translate("EOPortals", "What was read"), type=VECTOR_TABLE, optional=True,
            createByDefault=True))
        self.addOutput(QgsProcessingOutputString(self.OUTPUT, translate("EOPortals", "Files (separated by ';')")))
        self.addOutput(QgsProcessingOutputNumber(self.WRITTEN, translate("EOPortals", "Products written")))
        self.addOutput(QgsProcessingOutputNumber(self.FAILED, translate("EOPortals", "Products not written")))

    def _area(self, parameters, context):
        parts = []
        if has_value(parameters, self.AREA):
            geometry = self.parameterAsGeometry(parameters, self.AREA, context)
            if geometry is not None and not geometry.isNull() and not geometry.isEmpty():
                crs = self.parameterAsGeometryCrs(parameters, self.AREA, context)
                parts.append(aoi_to_wgs84(geometry, crs if crs.isValid() else QgsCoordinateReferenceSystem(
                    "EPSG:4326"), context.transformContext()))
        if has_value(parameters, self.AREA_LAYER):
            source = self.parameterAsSource(parameters, self.AREA_LAYER, context)
            if source is not None:
                parts.extend(shape for _, shape in _layer_geometries(source, context))
        parts = [p for p in parts if not p.is_empty]
        if not parts:
            raise QgsProcessingException(translate(
                "EOPortals", "An area is needed: a WKT polygon or a polygon layer."))
        return unary_union(parts) if len(parts) > 1 else parts[0]

    def processAlgorithm(self, parameters: Dict[str, Any], context: QgsProcessingContext,  # noqa: N802
                         feedback: QgsProcessingFeedback) -> Dict[str, Any]:
        """Read each product's window, write its COG, report each one as it ends."""
        products = self.read_products(parameters, context, feedback)
        area = self._area(parameters, context)
        folder = self.parameterAsFile(parameters, self.FOLDER, context)
        if not folder:
            raise QgsProcessingException(translate("EOPortals", "An output folder is needed."))
        bands = [b.strip() for b in self.parameterAsString(parameters, self.BANDS, context).replace(";", ",")
                 .split(",") if b.strip()]
        resampling = RESAMPLING[self.parameterAsEnum(parameters, self.RESAMPLING, context)]
        keep = self.parameterAsBoolean(parameters, self.KEEP_ARCHIVE, context) \
            if has_value(parameters, self.KEEP_ARCHIVE) else True
        sink, sink_id = self.parameterAsSink(parameters, self.TABLE, context, _fields(SUBSET_FIELDS), NO_GEOMETRY)
        cancel = threading.Event()

        def progress(_bytes: int) -> None:
            if feedback.isCanceled():
                cancel.set()

        files: List[str] = []
        failed = 0
        for number, product in enumerate(products):
            if feedback.isCanceled():
                break
            archive, read_from, downloaded_message = None, "COG windows", ""
            try:
                spec_bands = collection_bands(product.collection).resolve(bands)
                has_cogs = cog_bands(product, spec_bands)[0] is not None
            except ValueError:
                has_cogs = True  # subset_product words the problem
            if not has_cogs:
                archive, downloaded_message = self._download_archive(product, folder, feedback)
                read_from = "archive"
            if not has_cogs and archive is None:
                result = None
                message = downloaded_message
            else:
                try:
                    result = subset_product(product, bands, area, folder, access_for=self.access_for,
                                            resampling=resampling, archive=archive, portal_title=self.portal_title,
                                            progress=progress, cancel=cancel)
                except Cancelled:
                    break
                message = result.error or result.summary()
                if archive and not keep and result.ok:
                    try:
                        os.remove(archive)
                    except OSError:
                        pass
            ok = result is not None and result.ok
            if ok:
                files.append(result.path)
                feedback.pushInfo(translate("EOPortals", "{title}: {file} ({message})").format(
                    title=product.title, file=os.path.basename(result.path), message=message))
            else:
                failed += 1
                feedback.reportError(translate("EOPortals", "{title}: {message}").format(
                    title=product.title, message=message), False)
            if sink is not None:
                feature = QgsFeature(_fields(SUBSET_FIELDS))
                feature.setAttributes([
                    product.identity, product.title, self.portal_title(result.portal) if result and result.portal
                    else "", "done" if ok else "failed", result.path if ok else "",
                    ",".join(result.bands) if ok else "", result.width if ok else None,
                    result.height if ok else None, result.bytes_read if result else None,
                    result.full_size if result else None, result.requests if result else None, read_from, message])
                sink.addFeature(feature, QgsFeatureSink.Flag.FastInsert)
            feedback.setProgress(100.0 * (number + 1) / len(products))
        if not files and not feedback.isCanceled():
            raise QgsProcessingException(translate("EOPortals", "No product could be subset; see the log."))
        results: Dict[str, Any] = {self.OUTPUT: SEPARATOR.join(files), self.WRITTEN: len(files),
                                   self.FAILED: failed}
        if sink is not None:
            results[self.TABLE] = sink_id
        return results

    def _download_archive(self, product: Product, folder: str,
                          feedback: QgsProcessingFeedback) -> Tuple[Optional[str], str]:
        """Download the whole product (no COGs) with the plugin's engine; (archive path or None, message)."""
        feedback.pushInfo(translate("EOPortals", "{title}: no cloud-optimised files, downloading the product to "
                                                 "clip it").format(title=product.title))
        jobs, _cancelled = DownloadAlgorithm._download(self, [product], folder, [], False, feedback)
        job = jobs[0] if jobs else None
        if job is None or not job.files:
            return None, (job.error_text if job is not None and job.errors else translate("EOPortals", "download failed"))
        return job.files[0], ""


# ---- eoportals:timeseries -----------------------------------------------------------------------------------
SERIES_FIELDS = (("parcel", "string"), ("date", "datetime"), ("product", "string"), ("portal", "string"),
                 ("index", "string"), ("mean", "double"), ("median", "double"), ("std", "double"),
                 ("valid", "int"), ("total", "int"), ("valid_fraction", "double"), ("message", "string"))


class TimeSeriesAlgorithm(_PixelsAlgorithm):
    """Statistics of an index over parcels for every product of a footprints layer, from COG windows only."""

    PARCELS = "PARCELS"
    ID_FIELD = "ID_FIELD"
    INDEX = "INDEX"
    MASK = "MASK"
    OUTPUT = "OUTPUT"
    POINTS = "POINTS"

    def name(self) -> str:
        """Algorithm id within the provider."""
        return "timeseries"

    def displayName(self) -> str:  # noqa: N802
        """Name in the toolbox."""
        return translate("EOPortals", "Parcel time series (index statistics)")

    def shortDescription(self) -> str:  # noqa: N802
        """Tooltip in the toolbox."""
        return translate("EOPortals", "Mean, median and spread of NDVI (or another index) per parcel and date, "
                                      "without downloading.")

    def tags(self) -> List[str]:
        """Words the toolbox search matches."""
        words = translate("EOPortals", "sentinel,landsat,ndvi,ndwi,evi,time series,parcels,statistics,cog")
        return tag_list(words)

    def shortHelpString(self) -> str:  # noqa: N802
        """Help shown next to the parameters."""
        return translate(
            "EOPortals",
            "For each parcel and each product of a footprints layer written by 'Search EO portals', reads the "
            "parcel's window of the bands the index needs (and of the mask band) from the cloud-optimised "
            "GeoTIFFs, without downloading the products, and writes mean, median, standard deviation, the "
            "count of valid pixels and the valid fraction. Several products are read at once.\n\n"
            "Index: NDVI, NDWI, NDMI, EVI, or a band name (B04, SR_B5...).\n\n"
            "Mask: the classes to leave out, separated by commas; empty for the usual ones (Sentinel-2 scene "
            "classification: no_data, saturated, cloud_shadow, cloud_medium, cloud_high, cirrus, snow; Landsat "
            "QA_PIXEL: fill, dilated_cloud, cirrus, cloud, cloud_shadow, snow), 'none' for no mask.\n\n"
            "A date where every pixel is masked is kept, with 0 valid pixels.")

    def initAlgorithm(self, config: Optional[Dict[str, Any]] = None) -> None:  # noqa: N802
        """Declare the parameters and outputs."""
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.INPUT, translate("EOPortals", "Footprints (from 'Search EO portals')"), [VECTOR_ANY]))
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.PARCELS, translate("EOPortals", "Parcels"), [VECTOR_POLYGON]))
        self.addParameter(QgsProcessingParameterField(
            self.ID_FIELD, translate("EOPortals", "Parcel id field (empty: the feature id)"),
            parentLayerParameterName=self.PARCELS, optional=True))
        self.addParameter(QgsProcessingParameterString(
            self.INDEX, translate("EOPortals", "Index (NDVI, NDWI, NDMI, EVI or a band name)"), defaultValue="NDVI"))
        self.addParameter(QgsProcessingParameterString(
            self.MASK, translate("EOPortals", "Mask classes (comma-separated; empty: the usual ones; none)"),
            optional=True))
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.OUTPUT, translate("EOPortals", "Time series"), type=VECTOR_TABLE, createByDefault=True))
        self.addOutput(QgsProcessingOutputNumber(self.POINTS, translate("EOPortals", "Rows written")))

    def processAlgorithm(self, parameters: Dict[str, Any], context: QgsProcessingContext,  # noqa: N802
                         feedback: QgsProcessingFeedback) -> Dict[str, Any]:
        """Read the parcels' windows of every product, several at once; one row per parcel and date."""
        products = self.read_products(parameters, context, feedback)
        source = self.parameterAsSource(parameters, self.PARCELS, context)
        if source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.PARCELS))
        id_field = self.parameterAsString(parameters, self.ID_FIELD, context) if has_value(
            parameters, self.ID_FIELD) else ""
        parcels = []
        for feature, shape in _layer_geometries(source, context):
            value = feature[id_field] if id_field else feature.id()
            parcels.append(Parcel(str(value), shape))
        if not parcels:
            raise QgsProcessingException(translate("EOPortals", "The parcels layer holds no polygon."))
        index = self.parameterAsString(parameters, self.INDEX, context).strip() or "NDVI"
        mask_text = self.parameterAsString(parameters, self.MASK, context).strip() if has_value(
            parameters, self.MASK) else ""
        mask: Optional[Tuple[str, ...]] = None
        if mask_text.lower() == "none":
            mask = ()
        elif mask_text:
            mask = tuple(k.strip() for k in mask_text.split(",") if k.strip())
        try:  # wrong index or class names: said before anything is read
            for collection in {p.collection for p in products}:
                spec = collection_bands(collection)
                spec.index_bands(index)
                if mask and spec.mask is not None:
                    spec.mask.chosen(mask)
        except ValueError as exc:
            raise QgsProcessingException(str(exc)) from None
        sink, sink_id = self.parameterAsSink(parameters, self.OUTPUT, context, _fields(SERIES_FIELDS), NO_GEOMETRY)
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))
        feedback.pushInfo(translate("EOPortals", "{index} over {parcels} parcel(s) in {products} product(s)")
                          .format(index=index.upper() if index.upper() in INDICES else index,
                                  parcels=len(parcels), products=len(products)))
        run = SeriesRun(products, parcels, index, mask, access_for=self.access_for, portal_title=self.portal_title,
                        stop_when=feedback.isCanceled)
        expected = max(1, len(products) * len(parcels))
        rows = 0
        for point in run:
            feature = QgsFeature(_fields(SERIES_FIELDS))
            feature.setAttributes([
                point.parcel, qdatetime_utc(point.date), point.product, point.portal, point.index, point.mean,
                point.median, point.std, point.valid, point.total,
                point.valid_fraction if not point.error else None, point.error])
            sink.addFeature(feature, QgsFeatureSink.Flag.FastInsert)
            rows += 1
            feedback.setProgress(min(99.0, 100.0 * rows / expected))
        for read in run.reads:
            if read.error:
                feedback.reportError(translate("EOPortals", "{title}: {message}").format(
                    title=read.product, message=read.error), False)
        feedback.pushInfo(translate("EOPortals", "{rows} row(s); {size} read in {requests} request(s)").format(
            rows=rows, size=_human(run.bytes_read), requests=run.requests))
        feedback.setProgress(100.0)
        return {self.OUTPUT: sink_id, self.POINTS: rows}


def _human(count: int) -> str:
    from ..core.subset import human_bytes

    return human_bytes(count)
