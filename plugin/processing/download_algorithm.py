"""`eoportals:download`: download the products of a footprints layer (from `eoportals:search`), headless.

    qgis_process run eoportals:download -- INPUT=/tmp/results.geojson FOLDER=/data/eo ASSETS=visual,scl

Products are read back from the layer: the `sources` field (per portal: product id, name, download link,
checksum, size, online flag, http(s) assets) and the other footprint fields; the `portals` field gives the
order of preference. All features, or only the selected ones when the input is given as "selected features
only". Downloads go through the core engine (resume, verification, per-portal limits, fallback to the next
portal) in this algorithm's thread and the engine's workers; progress and cancel go through the feedback,
touched by the algorithm's thread only. The plugin's persistent queue (the Downloads tab) is not involved.

Outputs: OUTPUT, the downloaded files separated by ";" (a string, for models and qgis_process), and FILES, a
table with one row per file (and one per product that failed, with the reason).
"""
from __future__ import annotations

import queue
import threading
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Tuple

from qgis.core import (
    QgsFeature,
    QgsFeatureSink,
    QgsFields,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFile,
    QgsProcessingParameterString,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QDateTime

from .. import accounts, settings
from ..core.auth import Accounts
from ..core.catalog import Catalog
from ..core.credentials import Credentials
from ..core.download.downloader import Downloader
from ..core.download.job import Job, State
from ..core.download.manager import DownloadManager
from ..core.http import HttpSettings
from ..core.product import Product
from ..footprints import feature_sources, feature_versions, field_type
from .common import EOPortalsAlgorithm, has_value, http_settings, tag_list, translate

try:  # QGIS >= 3.36
    from qgis.core import Qgis

    VECTOR_ANY = Qgis.ProcessingSourceType.VectorAnyGeometry
    VECTOR_TABLE = Qgis.ProcessingSourceType.Vector
    FILE_FOLDER = Qgis.ProcessingFileParameterBehavior.Folder
except AttributeError:
    from qgis.core import QgsProcessing

    VECTOR_ANY = QgsProcessing.SourceType.TypeVectorAnyGeometry
    VECTOR_TABLE = QgsProcessing.SourceType.TypeVector
    FILE_FOLDER = QgsProcessingParameterFile.Behavior.Folder

# QGIS 3.30 moved the geometry types to Qgis.WkbType; QGIS 4 keeps only that one.
NO_GEOMETRY = Qgis.WkbType.NoGeometry if hasattr(Qgis, "WkbType") else QgsWkbTypes.Type.NoGeometry

_POLL = 0.1  # seconds between looks at the cancel button and the finished downloads
SEPARATOR = ";"
DEFAULT_MAX_DOWNLOADS = settings.DEFAULT_MAX_DOWNLOADS


# ---- products from footprint features -----------------------------------------------------------------------
def _python_datetime(value: Any) -> Optional[datetime]:
    if isinstance(value, QDateTime):
        if not value.isValid():
            return None
        return datetime.fromtimestamp(value.toMSecsSinceEpoch() / 1000.0, tz=timezone.utc)
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    return None


def _value(feature: QgsFeature, name: str) -> Any:
    index = feature.fields().indexOf(name)
    if index < 0:
        return None
    value = feature.attribute(index)
    try:
        if value is None or value == None:  # noqa: E711 - QGIS's NULL QVariant equals None
            return None
    except Exception:  # noqa: BLE001 - Qt values that refuse the comparison are values
        return value
    return value


def product_from_feature(feature: QgsFeature) -> Optional[Product]:
    """The Product a footprint feature describes, with every version (None without an identity or any source).

    The feature's `versions` field is `Product.to_dict`'s versions; a layer written before versions existed has
    only `sources` (per portal) and the flat fields, read as the one version it describes.
    """
    identity = _value(feature, "identity")
    if not identity:
        return None
    versions = feature_versions(feature)
    if not versions:
        sources_data = feature_sources(feature)
        if not sources_data:
            return None
        order = [p for p in str(_value(feature, "portals") or "").split(",") if p]
        portals = [p for p in order if p in sources_data] + sorted(p for p in sources_data if p not in order)
        sources = [{"portal": portal, "product_id": data.get("id"), "name": data.get("name"),
                    "download_url": data.get("download"), "size": data.get("size"), "checksums": data.get("checksum"),
                    "online": data.get("online"), "assets": data.get("assets")}
                   for portal, data in ((p, sources_data[p]) for p in portals)]
        versions = [{"name": _value(feature, "title") or identity, "collection": _value(feature, "collection"),
                     "platform": _value(feature, "platform"), "cloud_cover": _value(feature, "cloud_cover"),
                     "tile": _value(feature, "tile"), "orbit_direction": _value(feature, "orbit_direction"),
                     "relative_orbit": _value(feature, "relative_orbit"), "size": _value(feature, "size_bytes"),
                     "quicklook": _value(feature, "quicklook"), "sources": sources}]
    try:
        product = Product.from_dict({"identity": str(identity), "versions": versions})
    except ValueError:
        return None
    if not any(version.sources for version in product.versions):
        return None
    start, end = _python_datetime(_value(feature, "start")), _python_datetime(_value(feature, "end"))
    for version in product.versions:  # dates are the acquisition's: the feature's columns hold them typed
        version.start = version.start or start
        version.end = version.end or end
    # the version the row showed (the title) is the one downloaded unless another is named
    product.choose(str(_value(feature, "title") or "") if product.version_named(_value(feature, "title")) else None)
    return product


# ---- the algorithm ------------------------------------------------------------------------------------------
FILES_FIELDS = (("identity", "string"), ("title", "string"), ("status", "string"), ("file", "string"),
                ("portal", "string"), ("message", "string"))


def files_fields() -> QgsFields:
    """The fields of the FILES table."""
    from qgis.core import QgsField

    fields = QgsFields()
    for name, kind in FILES_FIELDS:
        fields.append(QgsField(name, field_type(kind)))
    return fields


class DownloadAlgorithm(EOPortalsAlgorithm):
    """Download the products of a footprints layer into a folder."""

    INPUT = "INPUT"
    FOLDER = "FOLDER"
    ASSETS = "ASSETS"
    VERSIONS = "VERSIONS"
    EXTRACT = "EXTRACT"
    OUTPUT = "OUTPUT"
    FILES = "FILES"
    DOWNLOADED = "DOWNLOADED"
    FAILED = "FAILED"

    def __init__(self) -> None:
        super().__init__()
        # Filled by prepareAlgorithm (main thread) for processAlgorithm (a worker thread from the toolbox).
        self._catalog: Optional[Catalog] = None
        self._credentials: Dict[str, Credentials] = {}
        self._settings: Optional[HttpSettings] = None
        self._max_downloads = DEFAULT_MAX_DOWNLOADS

    def name(self) -> str:
        """Algorithm id within the provider."""
        return "download"

    def displayName(self) -> str:  # noqa: N802
        """Name in the toolbox."""
        return translate("EOPortals", "Download EO products")

    def shortDescription(self) -> str:  # noqa: N802
        """Tooltip in the toolbox."""
        return translate("EOPortals", "Download the products of a footprints layer made by 'Search EO portals'.")

    def tags(self) -> List[str]:
        """Words the toolbox search matches."""
        words = translate("EOPortals", "sentinel,landsat,copernicus,stac,download,products,footprints")
        return tag_list(words)

    def shortHelpString(self) -> str:  # noqa: N802
        """Help shown next to the parameters."""
        return translate(
            "EOPortals",
            "Downloads the products of a footprints layer written by 'Search EO portals' (all features, or the "
            "selected ones) into a folder. Each product comes from the first portal in its 'portals' field that "
            "can deliver it; when a portal fails the next one is tried. Downloads resume where an earlier run "
            "stopped when the portal allows it, and are verified against the checksum the portal gives.\n\n"
            "Without assets, the whole product archive is downloaded (a zip for Copernicus Data Space, GEODES, "
            "DHuS mirrors). Portals without a product archive (Earth Search, Planetary Computer) need asset keys, "
            "comma-separated, e.g. visual,scl or B04,B03,B02; their files go into a folder named after the "
            "product.\n\n"
            "Accounts are those chosen in the EO Portals settings (QGIS authentication database).\n\n"
            "OUTPUT lists the downloaded files separated by ';'. FILES is a table with one row per file and one "
            "per product that could not be downloaded, with the reason.") + "\n\n" + translate(
            "EOPortals",
            "When portals hold several versions of an acquisition (another processing baseline, or a product "
            "generated again), its feature lists them all and the version it shows is downloaded (the newest one, "
            "unless another was chosen); 'Versions to download' names others. A version is fetched only from the "
            "portals holding that version, and saved under its own name.")

    def initAlgorithm(self, config: Optional[Dict[str, Any]] = None) -> None:  # noqa: N802
        """Declare the parameters and outputs."""
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.INPUT, translate("EOPortals", "Footprints (from 'Search EO portals')"), [VECTOR_ANY]))
        self.addParameter(QgsProcessingParameterFile(
            self.FOLDER, translate("EOPortals", "Download folder"), behavior=FILE_FOLDER))
        self.addParameter(QgsProcessingParameterString(
            self.ASSETS, translate("EOPortals", "Assets to download (comma-separated keys; empty: the whole "
                                                "product)"), optional=True))
        self.addParameter(QgsProcessingParameterString(
            self.VERSIONS, translate("EOPortals", "Versions to download (comma-separated product names; empty: "
                                                  "each product's preferred version)"), optional=True))
        self.addParameter(QgsProcessingParameterBoolean(
            self.EXTRACT, translate("EOPortals", "Extract zip archives"), defaultValue=False, optional=True))
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.FILES, translate("EOPortals", "Downloaded files"), type=VECTOR_TABLE, optional=True,
            createByDefault=True))
        self.addOutput(QgsProcessingOutputString(self.OUTPUT, translate("EOPortals", "Files (separated by ';')")))
        self.addOutput(QgsProcessingOutputNumber(self.DOWNLOADED, translate("EOPortals", "Products downloaded")))
        self.addOutput(QgsProcessingOutputNumber(self.FAILED, translate("EOPortals", "Products not downloaded")))

    def prepareAlgorithm(self, parameters: Dict[str, Any], context: QgsProcessingContext,  # noqa: N802
                         feedback: QgsProcessingFeedback) -> bool:
        """Catalog, accounts and proxy, read on the main thread (Processing calls this there)."""
        catalog = settings.current_catalog()
        for problem in catalog.problems:
            feedback.reportError(translate("EOPortals", "Portal catalog: {}").format(problem), False)
        self._catalog = catalog
        # Every portal that takes an account: the products' portals are only known once the layer is read.
        self._credentials = accounts.credentials_by_portal(
            [p for p in catalog.portals.values() if accounts.accepts_account(p)])
        self._settings = http_settings()
        self._max_downloads = settings.max_downloads()
        return True

    def processAlgorithm(self, parameters: Dict[str, Any], context: QgsProcessingContext,  # noqa: N802
                         feedback: QgsProcessingFeedback) -> Dict[str, Any]:
        """Read the products, download them, report each one as it ends."""
        source = self.parameterAsSource(parameters, self.INPUT, context)
        if source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.INPUT))
        folder = self.parameterAsFile(parameters, self.FOLDER, context)
        if not folder:
            raise QgsProcessingException(translate("EOPortals", "A download folder is needed."))
        assets = []
        if has_value(parameters, self.ASSETS):
            text = self.parameterAsString(parameters, self.ASSETS, context)
            assets = [key.strip() for key in text.replace(";", ",").split(",") if key.strip()]
        extract = self.parameterAsBoolean(parameters, self.EXTRACT, context) if has_value(parameters, self.EXTRACT) \
            else False
        wanted: List[str] = []
        if has_value(parameters, self.VERSIONS):
            text = self.parameterAsString(parameters, self.VERSIONS, context)
            wanted = [name.strip() for name in text.replace(";", ",").split(",") if name.strip()]

        products: List[Product] = []
        unreadable = 0
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
            raise QgsProcessingException(translate("EOPortals", "The layer holds no product to download."))
        for name in wanted:  # a named version replaces its acquisition's preferred one
            holders = [product for product in products if product.version_named(name) is not None]
            if not holders:
                raise QgsProcessingException(translate("EOPortals", "No product of the layer has a version named "
                                                                    "{name}.").format(name=name))
            for product in holders:
                product.choose(name)
        feedback.pushInfo(translate("EOPortals", "Downloading {n} product(s) into {folder}{assets}").format(
            n=len(products), folder=folder,
            assets=(translate("EOPortals", " (assets: {})").format(", ".join(assets)) if assets else "")))

        jobs, cancelled = self._download(products, folder, assets, extract, feedback)

        sink, sink_id = self.parameterAsSink(parameters, self.FILES, context, files_fields(), NO_GEOMETRY)
        files: List[str] = []
        done = failed = 0
        rows: List[Tuple[Job, str, str]] = []
        for job in jobs:
            if job.state is State.DONE:
                done += 1
                files.extend(job.files)
                rows.extend((job, path, "") for path in job.files)
            else:
                failed += 1
                rows.append((job, "", job.error_text or job.state.value))
        if sink is not None:
            for job, path, message in rows:
                feature = QgsFeature(files_fields())
                feature.setAttributes([job.product.identity, job.title, job.state.value, path, job.portal, message])
                sink.addFeature(feature, QgsFeatureSink.Flag.FastInsert)
        feedback.pushInfo(translate("EOPortals", "{done} of {total} product(s) downloaded, {files} file(s).").format(
            done=done, total=len(jobs), files=len(files)))
        if not cancelled and done == 0:
            # Nothing came: a model or a script must see a failure, not an empty list.
            raise QgsProcessingException(translate("EOPortals", "No product could be downloaded: {}").format(
                "; ".join(job.error_text for job in jobs if job.errors)))
        results: Dict[str, Any] = {self.OUTPUT: SEPARATOR.join(files), self.DOWNLOADED: done, self.FAILED: failed}
        if sink is not None:
            results[self.FILES] = sink_id
        return results

    def _download(self, products: List[Product], folder: str, assets: List[str], extract: bool,
                  feedback: QgsProcessingFeedback) -> Tuple[List[Job], bool]:
        """Run the downloads; report on this thread; cancel them all when the user cancels."""
        catalog, http_options = self._catalog, self._settings or HttpSettings()
        events: "queue.Queue[Tuple[str, Any]]" = queue.Queue()
        manager = DownloadManager(
            Downloader(catalog, Accounts(catalog, self._credentials, http_options), http_options),
            max_downloads=self._max_downloads,
            on_state=lambda job: events.put(("state", job)),
            on_progress=lambda job_id, done, total, speed: events.put(("progress", (job_id, done, total))))
        manager.start()
        ids: List[str] = []
        cancelled = False
        try:
            ids = [manager.add(product, folder, assets=assets, extract=extract).id for product in products]
            progress: Dict[str, Tuple[int, Optional[int]]] = {}
            ended: Dict[str, Job] = {}
            finished = threading.Event()

            def wait_all() -> None:
                manager.wait(ids)
                finished.set()

            threading.Thread(target=wait_all, name="eo-portals-processing-download", daemon=True).start()
            while True:
                done_now = finished.wait(_POLL)
                self._drain(events, progress, ended, ids, feedback)
                if done_now:
                    break
                if feedback.isCanceled() and not cancelled:
                    cancelled = True
                    feedback.pushInfo(translate("EOPortals", "Cancelling the downloads (partial files are deleted)."))
                    for job_id in ids:
                        manager.cancel(job_id)
            self._drain(events, progress, ended, ids, feedback)
            jobs = [manager.job(job_id) for job_id in ids]
        finally:
            manager.stop()
        return [job for job in jobs if job is not None], cancelled

    @staticmethod
    def _drain(events: "queue.Queue", progress: Dict[str, Tuple[int, Optional[int]]], ended: Dict[str, Job],
               ids: List[str], feedback: QgsProcessingFeedback) -> None:
        while True:
            try:
                kind, payload = events.get_nowait()
            except queue.Empty:
                break
            if kind == "progress":
                job_id, done, total = payload
                progress[job_id] = (done, total)
                continue
            job: Job = payload
            if job.state is State.DONE and job.id not in ended:
                ended[job.id] = job
                feedback.pushInfo(translate("EOPortals", "{title}: done from {portal} ({notes})").format(
                    title=job.title, portal=job.portal, notes="; ".join(map(str, job.notes)) or "-"))
            elif job.state in (State.FAILED, State.OFFLINE) and job.id not in ended:
                ended[job.id] = job
                feedback.reportError(translate("EOPortals", "{title}: {state}: {error}").format(
                    title=job.title, state=job.state.value, error=job.error_text), False)
            elif job.state is State.CANCELLED and job.id not in ended:
                ended[job.id] = job
                feedback.pushInfo(translate("EOPortals", "{title}: cancelled").format(title=job.title))
            elif job.state is State.DOWNLOADING and job.id not in progress:
                progress[job.id] = (0, job.bytes_total)
                feedback.pushInfo(translate("EOPortals", "{title}: downloading from {portal}").format(
                    title=job.title, portal=job.portal))
        # Each product weighs the same; within a product, its bytes.
        share = 0.0
        for job_id in ids:
            if job_id in ended:
                share += 1.0
            elif job_id in progress:
                done, total = progress[job_id]
                share += min(1.0, done / total) if total else 0.0
        feedback.setProgress(100.0 * share / max(1, len(ids)))
