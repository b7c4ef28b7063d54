"""`eoportals:openeo_job`: an openEO job from a search's area, dates, collection and cloud limit, headless.

    qgis_process run eoportals:openeo_job -- BACKEND=cdse_openeofed \
        AOI='POLYGON((5.0 51.2,5.1 51.2,5.1 51.3,5.0 51.3,5.0 51.2))' START=2024-06-01 END=2024-08-31 \
        COLLECTION=S2_MSI_L2A MAX_CLOUD=30 KIND=composite BANDS=B04,B03,B02 PERIOD=month \
        PROCESS_GRAPH=/tmp/graph.json OUTPUT=/data/openeo

Or INPUT = a footprints layer of `eoportals:search`: its extent, first and last dates, collection and highest
cloud cover replace AOI/START/END/COLLECTION/MAX_CLOUD. The graph is always written to PROCESS_GRAPH when
given, and checked against the back-end's processes and collection metadata; DRY_RUN stops there. Otherwise the
job runs: SYNC small requests through ``POST /result``, the rest as a batch job polled with progress until it
finishes (the toolbox's Cancel cancels it on the back-end), and its result files are downloaded through the
download engine into OUTPUT.
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Dict, List, Optional

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputMultipleLayers,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterGeometry,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsProject,
)

from ..core.catalog import Catalog, Portal
from ..core.errors import EOPortalsError, ErrorKind, PortalError
from ..core.openeo.client import Bearer, OpenEOClient, SYNC_MAX_BYTES
from ..core.openeo.graph import INDICES, KINDS, PERIODS, JobSpec, build_process, job_title, to_json
from ..core.openeo.results import download_results, result_product
from ..core.download.job import Control, State
from ..core.paths import safe_name
from ..geometry import parcels_of
from ..settings import current_catalog
from .common import (
    FLAG_ADVANCED, NUMBER_DOUBLE, EOPortalsAlgorithm, VECTOR_POLYGON, has_value, http_settings, tag_list, translate,
)

FORMATS = ("", "GTiff", "netCDF", "CSV", "JSON")
EPSG4326 = QgsCoordinateReferenceSystem("EPSG:4326")


class OpenEOJobAlgorithm(EOPortalsAlgorithm):
    """Build an openEO process graph from a search, check it on the back-end, run it and fetch the results."""

    BACKEND = "BACKEND"
    INPUT = "INPUT"
    AOI = "AOI"
    START = "START"
    END = "END"
    COLLECTION = "COLLECTION"
    MAX_CLOUD = "MAX_CLOUD"
    KIND = "KIND"
    BANDS = "BANDS"
    INDEX = "INDEX"
    PERIOD = "PERIOD"
    PARCELS = "PARCELS"
    FORMAT = "FORMAT"
    PROCESS_GRAPH = "PROCESS_GRAPH"
    DRY_RUN = "DRY_RUN"
    SYNC = "SYNC"
    POLL = "POLL"
    OUTPUT = "OUTPUT"
    FILES = "FILES"
    JOB_ID = "JOB_ID"

    def __init__(self) -> None:
        super().__init__()
        self._catalog: Optional[Catalog] = None
        self._collections: List[str] = []
        self._bearer: Optional[Bearer] = None
        self._settings = None

    def name(self) -> str:
        return "openeo_job"

    def displayName(self) -> str:  # noqa: N802
        return translate("EOPortals", "Run an openEO job")

    def shortDescription(self) -> str:  # noqa: N802
        return translate("EOPortals", "Composite, index time series or band stack computed by an openEO back-end")

    def tags(self) -> List[str]:
        """Words the toolbox search matches."""
        return tag_list(translate("EOPortals", "openeo,composite,ndvi,time series,sentinel,copernicus,cdse"))

    def shortHelpString(self) -> str:  # noqa: N802
        return translate(
            "EOPortals",
            "Builds an openEO process graph from a search (area, dates, collection, cloud limit, or the footprints "
            "of 'Search EO portals' as INPUT): a cloud-free composite (median of the cloud-masked observations per "
            "month, season, year or the whole period) of chosen bands, an index time series averaged over parcels, "
            "or a stack of chosen bands for every date. The graph is written to the process graph file and checked "
            "against the back-end's processes and collection; with 'Only build and check' nothing runs. Otherwise "
            "the job runs on the back-end (synchronously if asked, else as a batch job followed until it ends; "
            "Cancel cancels it there) and its result files are downloaded into the output folder. The result format "
            "(advanced) must be one the back-end writes (its file formats): GTiff or netCDF for a composite or a "
            "stack, CSV or JSON for a time series (netCDF too, which EO Portals does not chart); left empty, a "
            "composite is GTiff, a stack netCDF and a time series CSV.")

    def initAlgorithm(self, config: Optional[Dict[str, Any]] = None) -> None:  # noqa: N802
        from ..core.catalog import load_catalog

        catalog = load_catalog(env={})
        self._collections = list(catalog.collections)
        self.addParameter(QgsProcessingParameterString(
            self.BACKEND, translate("EOPortals", "openEO back-end (portal id)"), defaultValue="cdse_openeofed"))
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.INPUT, translate("EOPortals", "Footprints of a search (instead of area, dates and collection)"),
            [VECTOR_POLYGON], optional=True))
        self.addParameter(QgsProcessingParameterGeometry(
            self.AOI, translate("EOPortals", "Area of interest"), optional=True))
        self.addParameter(QgsProcessingParameterString(self.START, translate("EOPortals", "Start date (YYYY-MM-DD)"),
                                                       optional=True))
        self.addParameter(QgsProcessingParameterString(self.END, translate("EOPortals", "End date (YYYY-MM-DD)"),
                                                       optional=True))
        self.addParameter(QgsProcessingParameterEnum(self.COLLECTION, translate("EOPortals", "Collection"),
                                                     self._collections, defaultValue="S2_MSI_L2A",
                                                     usesStaticStrings=True, optional=True))
        self.addParameter(QgsProcessingParameterNumber(self.MAX_CLOUD, translate("EOPortals", "Maximum cloud cover (%)"),
                                                       NUMBER_DOUBLE, optional=True, minValue=0, maxValue=100))
        self.addParameter(QgsProcessingParameterEnum(self.KIND, translate("EOPortals", "Kind of job"), list(KINDS),
                                                     defaultValue="composite", usesStaticStrings=True))
        self.addParameter(QgsProcessingParameterString(
            self.BANDS, translate("EOPortals", "Bands (comma-separated, composite and stack)"),
            defaultValue="B04,B03,B02", optional=True))
        self.addParameter(QgsProcessingParameterEnum(self.INDEX, translate("EOPortals", "Index (time series)"),
                                                     list(INDICES), defaultValue="NDVI", usesStaticStrings=True))
        self.addParameter(QgsProcessingParameterEnum(self.PERIOD, translate("EOPortals", "Composite period"),
                                                     list(PERIODS), defaultValue="month", usesStaticStrings=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.PARCELS, translate("EOPortals", "Parcels (time series)"), [VECTOR_POLYGON], optional=True))
        result_format = QgsProcessingParameterEnum(self.FORMAT, translate("EOPortals", "Result format"), list(FORMATS),
                                                   defaultValue="", usesStaticStrings=True, optional=True)
        result_format.setFlags(result_format.flags() | FLAG_ADVANCED)
        self.addParameter(result_format)
        self.addParameter(QgsProcessingParameterFileDestination(
            self.PROCESS_GRAPH, translate("EOPortals", "Process graph (JSON)"), "JSON (*.json)", optional=True,
            createByDefault=False))
        self.addParameter(QgsProcessingParameterBoolean(
            self.DRY_RUN, translate("EOPortals", "Only build and check the graph (do not run it)"), defaultValue=False))
        self.addParameter(QgsProcessingParameterBoolean(
            self.SYNC, translate("EOPortals", "Run synchronously (small requests)"), defaultValue=False))
        poll = QgsProcessingParameterNumber(self.POLL, translate("EOPortals", "Seconds between status checks"),
                                            NUMBER_DOUBLE, defaultValue=10.0, minValue=0.01)
        poll.setFlags(poll.flags() | FLAG_ADVANCED)
        self.addParameter(poll)
        self.addParameter(QgsProcessingParameterFolderDestination(
            self.OUTPUT, translate("EOPortals", "Result folder"), optional=True))
        self.addOutput(QgsProcessingOutputMultipleLayers(self.FILES, translate("EOPortals", "Result files")))
        self.addOutput(QgsProcessingOutputString(self.JOB_ID, translate("EOPortals", "openEO job id")))

    # ---- main thread: catalog, account, network ---------------------------------------------------------
    def prepareAlgorithm(self, parameters: Dict[str, Any], context: QgsProcessingContext,  # noqa: N802
                         feedback: QgsProcessingFeedback) -> bool:
        """Catalog, account and proxy, read on the main thread (Processing calls this there)."""
        from ..openeo_accounts import bearer_for

        self._catalog = current_catalog()
        self._settings = http_settings()
        self._bearer = bearer_for(self._catalog, self._backend(parameters, context), self._settings)
        return True

    def _prepared_catalog(self) -> Catalog:
        """The catalog prepareAlgorithm read (an algorithm run without it is a bug, said as one)."""
        if self._catalog is None:
            raise QgsProcessingException("eoportals:openeo_job ran without prepareAlgorithm")
        return self._catalog

    def _backend(self, parameters: Dict[str, Any], context: QgsProcessingContext) -> Portal:
        portal_id = self.parameterAsString(parameters, self.BACKEND, context).strip()
        try:
            portal = self._prepared_catalog().portal(portal_id)
        except EOPortalsError as exc:
            raise QgsProcessingException(str(exc)) from None
        if portal.protocol != "openeo":
            backends = ", ".join(p.id for p in self._prepared_catalog().openeo_backends())
            raise QgsProcessingException(translate("EOPortals", "{portal} is not an openEO back-end (openEO back-ends: "
                                                   "{backends}).").format(portal=portal_id, backends=backends))
        return portal

    # ---- worker thread ----------------------------------------------------------------------------------
    def processAlgorithm(self, parameters: Dict[str, Any], context: QgsProcessingContext,  # noqa: N802
                         feedback: QgsProcessingFeedback) -> Dict[str, Any]:
        backend = self._backend(parameters, context)
        spec = self._spec(parameters, context, backend)
        try:
            process = build_process(spec)
        except EOPortalsError as exc:
            raise QgsProcessingException(str(exc)) from None
        graph_path = self.parameterAsFileOutput(parameters, self.PROCESS_GRAPH, context) \
            if has_value(parameters, self.PROCESS_GRAPH) else ""
        if graph_path:
            Path(graph_path).parent.mkdir(parents=True, exist_ok=True)
            Path(graph_path).write_text(to_json(process), encoding="utf-8")
            feedback.pushInfo(translate("EOPortals", "Process graph written to {path}").format(path=graph_path))
        outputs: Dict[str, Any] = {self.PROCESS_GRAPH: graph_path, self.FILES: [], self.JOB_ID: ""}
        try:
            client = OpenEOClient.connect(backend.url, backend.title, bearer=self._bearer, settings=self._settings)
            feedback.pushInfo(translate("EOPortals", "Checking the graph on {backend}").format(backend=backend.title))
            problems = client.check(process)
        except EOPortalsError as exc:
            raise QgsProcessingException(str(exc)) from None
        if problems:
            raise QgsProcessingException("; ".join(problems))
        feedback.pushInfo(translate("EOPortals", "{backend} has every process, band and format the job needs.")
                          .format(backend=backend.title))
        if self.parameterAsBoolean(parameters, self.DRY_RUN, context):
            return outputs
        folder = Path(self.parameterAsString(parameters, self.OUTPUT, context) or ".")
        folder.mkdir(parents=True, exist_ok=True)
        try:
            if self.parameterAsBoolean(parameters, self.SYNC, context):
                outputs[self.FILES] = [self._run_sync(client, process, spec, folder, feedback)]
            else:
                job_id, files = self._run_batch(client, backend, process, spec, folder, parameters, context, feedback)
                outputs[self.JOB_ID], outputs[self.FILES] = job_id, files
        except EOPortalsError as exc:
            raise QgsProcessingException(str(exc)) from None
        for path in outputs[self.FILES]:
            feedback.pushInfo(translate("EOPortals", "Result: {path}").format(path=path))
        return outputs

    def _spec(self, parameters: Dict[str, Any], context: QgsProcessingContext, backend: Portal) -> JobSpec:
        kind = self.parameterAsEnumString(parameters, self.KIND, context)
        bands = tuple(b.strip() for b in self.parameterAsString(parameters, self.BANDS, context).split(",") if b.strip())
        max_cloud = self.parameterAsDouble(parameters, self.MAX_CLOUD, context) \
            if has_value(parameters, self.MAX_CLOUD) else None
        if has_value(parameters, self.INPUT):
            bbox, start, end, collection, input_cloud = self._from_footprints(parameters, context)
            max_cloud = max_cloud if max_cloud is not None else input_cloud
        else:
            geometry = self.parameterAsGeometry(parameters, self.AOI, context)
            if geometry is None or geometry.isEmpty():
                raise QgsProcessingException(translate("EOPortals", "Give an area of interest, or the footprints of a "
                                                                    "search as input."))
            crs = self.parameterAsGeometryCrs(parameters, self.AOI, context)
            if crs.isValid() and crs != EPSG4326:
                geometry.transform(QgsCoordinateTransform(crs, EPSG4326, QgsProject.instance()))
            box = geometry.boundingBox()
            bbox = (box.xMinimum(), box.yMinimum(), box.xMaximum(), box.yMaximum())
            start = self.parameterAsString(parameters, self.START, context).strip()
            end = self.parameterAsString(parameters, self.END, context).strip()
            collection = self.parameterAsEnumString(parameters, self.COLLECTION, context) or "S2_MSI_L2A"
        backend_collection = backend.collection_for(collection)
        if not backend_collection:
            raise QgsProcessingException(translate("EOPortals", "{backend} has no collection for {collection}.")
                                         .format(backend=backend.title, collection=collection))
        parcels = None
        if kind == "timeseries" and has_value(parameters, self.PARCELS):
            parcels = self._parcels(parameters, context)
        fmt = self.parameterAsEnumString(parameters, self.FORMAT, context) if has_value(parameters, self.FORMAT) else ""
        return JobSpec(kind=kind, collection=str(backend_collection), bbox=bbox, start=start, end=end,
                       max_cloud=max_cloud, bands=bands, index=self.parameterAsEnumString(parameters, self.INDEX, context),
                       period=self.parameterAsEnumString(parameters, self.PERIOD, context), parcels=parcels,
                       format=fmt or "")

    def _from_footprints(self, parameters: Dict[str, Any], context: QgsProcessingContext):
        source = self.parameterAsSource(parameters, self.INPUT, context)
        if source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.INPUT))
        transform = QgsCoordinateTransform(source.sourceCrs(), EPSG4326, QgsProject.instance())
        box = None
        starts, ends, collections, clouds = [], [], [], []
        names = source.fields().names()
        for feature in source.getFeatures():
            geometry = feature.geometry()
            if geometry is not None and not geometry.isEmpty():
                geometry.transform(transform)
                box = geometry.boundingBox() if box is None else box.combineExtentWith(geometry.boundingBox()) or box
            for name, found in (("start", starts), ("end", ends)):
                if name in names and feature[name]:
                    value = feature[name]
                    text = value.toString("yyyy-MM-dd") if hasattr(value, "toString") else str(value)[:10]
                    found.append(text)
            if "collection" in names and feature["collection"]:
                collections.append(str(feature["collection"]))
            if "cloud_cover" in names and feature["cloud_cover"] not in (None, ""):
                try:
                    clouds.append(float(feature["cloud_cover"]))
                except (TypeError, ValueError):
                    pass
        if box is None or not starts:
            raise QgsProcessingException(translate("EOPortals", "The input layer has no footprints with dates: use "
                                                                "the output of 'Search EO portals'."))
        bbox = (box.xMinimum(), box.yMinimum(), box.xMaximum(), box.yMaximum())
        cloud = max(clouds) if clouds else None
        return bbox, min(starts), max(ends or starts), (collections[0] if collections else "S2_MSI_L2A"), cloud

    def _parcels(self, parameters: Dict[str, Any], context: QgsProcessingContext) -> Dict[str, Any]:
        source = self.parameterAsSource(parameters, self.PARCELS, context)
        if source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.PARCELS))
        return parcels_of(source)

    def _run_sync(self, client: OpenEOClient, process: Dict[str, Any], spec: JobSpec, folder: Path,
                  feedback: QgsProcessingFeedback) -> str:
        feedback.pushInfo(translate("EOPortals", "Running the graph synchronously on {backend}")
                          .format(backend=client.title))
        media, data = client.run_sync(process, SYNC_MAX_BYTES)
        extension = {"GTiff": ".tif", "netCDF": ".nc", "CSV": ".csv", "JSON": ".json"}[spec.output_format]
        path = folder / (safe_name(f"openEO_{spec.kind}_{spec.start}_{spec.end}", fallback="openEO") + extension)
        tmp = path.with_name(path.name + ".part")
        tmp.write_bytes(data)
        tmp.replace(path)
        feedback.setProgress(100)
        return str(path)

    def _run_batch(self, client: OpenEOClient, backend: Portal, process: Dict[str, Any], spec: JobSpec,
                   folder: Path, parameters: Dict[str, Any], context: QgsProcessingContext,
                   feedback: QgsProcessingFeedback):
        title = job_title(spec)
        job_id = client.create_job(process, title=title)
        feedback.pushInfo(translate("EOPortals", "Job {job} created on {backend}").format(job=job_id,
                                                                                         backend=backend.title))
        client.start_job(job_id)
        cancel = threading.Event()
        feedback.canceled.connect(cancel.set)
        if feedback.isCanceled():
            cancel.set()

        def progress(job) -> None:
            feedback.setProgressText(translate("EOPortals", "Job {job}: {state}").format(job=job_id,
                                                                                       state=job.describe()))
            if job.progress is not None:
                feedback.setProgress(min(90.0, job.progress * 0.9))

        poll = self.parameterAsDouble(parameters, self.POLL, context)
        try:
            client.wait(job_id, interval=poll, max_interval=max(poll, 60.0), cancel=cancel, on_progress=progress)
        except PortalError as exc:
            if exc.kind is ErrorKind.CANCELLED:
                feedback.reportError(str(exc))
                return job_id, []
            raise
        product = result_product(backend, job_id, client.results(job_id), title=f"openEO_{job_id}")
        control = Control()
        feedback.canceled.connect(control.cancel)
        job = download_results(self._catalog, backend, client, product, str(folder), settings=self._settings,
                               control=control,
                               on_progress=lambda j: feedback.setProgress(
                                   90.0 + 10.0 * j.bytes_done / j.bytes_total) if j.bytes_total else None)
        if job.state is not State.DONE:
            raise PortalError(backend.title, job.error_text or "the result files could not be downloaded")
        feedback.setProgress(100)
        return job_id, list(job.files)


