"""`eoportals:search`: the shared search layer, headless: toolbox, models, batch mode and qgis_process.

    qgis_process run eoportals:search -- AOI='POLYGON((3.0 47.4,3.1 47.4,3.1 47.5,3.0 47.5,3.0 47.4))' \
        START=2023-01-01 END=2023-02-14 COLLECTION=S2_MSI_L2A PORTALS=earth_search,cdse MAX_CLOUD=50 \
        OUTPUT=/tmp/results.geojson

Processing prepares the run on the main thread (query, catalog, accounts, proxy) and runs it where it runs
algorithms (off the main thread from the toolbox; no FlagNoThreading). The algorithm's thread waits for the
core fan-out, reports each portal on that same thread as the portal ends, and stops waiting as soon as the
user cancels.
"""
from __future__ import annotations

import queue
import threading
import time
from typing import Any, Dict, List, Optional, Tuple

from qgis.core import (
    QgsFeatureSink,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputNumber,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterGeometry,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from .. import settings
from ..core.catalog import Catalog, Portal
from ..core.credentials import Credentials
from ..core.errors import CatalogError, ErrorKind, QueryError
from ..core.http import HttpSettings
from ..core.product import Product, merge_products
from ..core.query import ORBIT_DIRECTIONS, SearchQuery
from ..core.search import Outcome, SearchResult, search, sort_products
from ..footprints import FOOTPRINT_WKB_TYPE, footprint_crs, footprint_fields, product_to_feature
from ..geometry import aoi_to_wgs84
from ..log import request_failure_text
from .common import (
    FLAG_ADVANCED,
    EOPortalsAlgorithm,
    NUMBER_DOUBLE,
    NUMBER_INTEGER,
    VECTOR_POLYGON,
    credentials_for_search,
    has_value,
    http_settings,
    tag_list,
    translate,
)

DEFAULT_LIMIT = 100
DEFAULT_TIMEOUT = 60.0
_POLL = 0.1  # seconds between looks at the cancel button and the finished portals
_CANCEL_GRACE = 1.0  # seconds the portals get to stop cleanly after a cancel


class SearchAlgorithm(EOPortalsAlgorithm):
    """Search the EO portals of a collection over an area and a period; write the merged footprints."""

    AOI = "AOI"
    START = "START"
    END = "END"
    COLLECTION = "COLLECTION"
    PORTALS = "PORTALS"
    MAX_CLOUD = "MAX_CLOUD"
    ORBIT_DIRECTION = "ORBIT_DIRECTION"
    RELATIVE_ORBIT = "RELATIVE_ORBIT"
    TILE = "TILE"
    PLATFORM = "PLATFORM"
    LIMIT = "LIMIT"
    TIMEOUT = "TIMEOUT"
    OUTPUT = "OUTPUT"
    COUNT = "COUNT"
    FAILED = "FAILED"

    def __init__(self) -> None:
        super().__init__()
        # Filled by prepareAlgorithm (main thread) for processAlgorithm (a worker thread from the toolbox).
        self._query: Optional[SearchQuery] = None
        self._portals: List[Portal] = []
        self._budget = DEFAULT_TIMEOUT
        self._credentials: Dict[str, Credentials] = {}
        self._settings: Optional[HttpSettings] = None

    # ---- identity --------------------------------------------------------------------------------------
    def name(self) -> str:
        """Algorithm id within the provider."""
        return "search"

    def displayName(self) -> str:  # noqa: N802
        """Name in the toolbox."""
        return translate("EOPortals", "Search EO portals")

    def shortDescription(self) -> str:  # noqa: N802
        """Tooltip in the toolbox."""
        return translate("EOPortals", "Search several Earth-observation portals at once and write the footprints "
                                      "of what they hold.")

    def tags(self) -> List[str]:
        """Words the toolbox search matches."""
        words = translate("EOPortals", "sentinel,landsat,copernicus,stac,footprints,catalogue,search,download")
        return tag_list(words)

    def shortHelpString(self) -> str:  # noqa: N802
        """Help shown next to the parameters."""
        return translate(
            "EOPortals",
            "Searches the chosen portals (by default every enabled portal offering the collection) over the area "
            "of interest and the period, and writes one polygon per product in EPSG:4326. A product held by several "
            "portals appears once; its 'portals' field lists them and its 'sources' field holds, per portal, the "
            "product id, the download link and the checksum (JSON).\n\n"
            "A portal that fails or does not answer within the time limit is reported in the log; the products "
            "of the other portals are still written. Products without a footprint are kept with an empty "
            "geometry.\n\n"
            "Dates are YYYY-MM-DD (the end date is included) or ISO 8601 date and time, in UTC. "
            "Portals are given as a comma-separated list of portal ids, e.g. earth_search,cdse. "
            "The portal list comes from the built-in catalog, extended by the file named in the "
            "EO_PORTALS_CATALOG environment variable or in the plugin settings.") + "\n\n" + translate(
            "EOPortals",
            "When portals hold several versions of an acquisition (another processing baseline, or a product "
            "generated again), it is still one polygon: its fields are those of the newest version, and its "
            "'versions' field lists every version with, per portal, its id, links and checksums (JSON). Products "
            "of another collection than the one asked for (a portal that ignored the filter) are left out and "
            "counted in the log.")

    # ---- parameters ------------------------------------------------------------------------------------
    def initAlgorithm(self, config: Optional[Dict[str, Any]] = None) -> None:  # noqa: N802
        """Declare the parameters and outputs."""
        catalog = settings.current_catalog()
        collections = sorted(catalog.collections)
        self.addParameter(QgsProcessingParameterGeometry(
            self.AOI, translate("EOPortals", "Area of interest (WKT in EPSG:4326 unless a CRS is given)")))
        self.addParameter(QgsProcessingParameterString(
            self.START, translate("EOPortals", "Start date (YYYY-MM-DD or ISO 8601, UTC)")))
        self.addParameter(QgsProcessingParameterString(
            self.END, translate("EOPortals", "End date, included (YYYY-MM-DD or ISO 8601, UTC)")))
        collection = QgsProcessingParameterEnum(
            self.COLLECTION, translate("EOPortals", "Collection"), options=collections,
            defaultValue="S2_MSI_L2A" if "S2_MSI_L2A" in collections else None)
        # Static strings: the command line and models pass the collection id itself, not its position.
        collection.setUsesStaticStrings(True)
        self.addParameter(collection)
        portals = QgsProcessingParameterString(
            self.PORTALS,
            translate("EOPortals", "Portals (comma-separated ids; empty: every enabled portal offering the "
                                   "collection)"),
            optional=True)
        portals.setHelp(translate("EOPortals", "Known portals: {}").format(", ".join(sorted(catalog.portals))))
        self.addParameter(portals)
        self.addParameter(QgsProcessingParameterNumber(
            self.MAX_CLOUD, translate("EOPortals", "Maximum cloud cover (%)"), type=NUMBER_DOUBLE, optional=True,
            minValue=0.0, maxValue=100.0))
        direction = QgsProcessingParameterEnum(
            self.ORBIT_DIRECTION, translate("EOPortals", "Orbit direction"), options=list(ORBIT_DIRECTIONS),
            optional=True)
        direction.setUsesStaticStrings(True)
        self.addParameter(direction)
        self.addParameter(QgsProcessingParameterNumber(
            self.RELATIVE_ORBIT, translate("EOPortals", "Relative orbit"), type=NUMBER_INTEGER, optional=True,
            minValue=1, maxValue=233))
        self.addParameter(QgsProcessingParameterString(
            self.TILE, translate("EOPortals", "MGRS tile (e.g. 31TEJ)"), optional=True))
        self.addParameter(QgsProcessingParameterString(
            self.PLATFORM, translate("EOPortals", "Platform (e.g. S2A, S1A, Landsat-8)"), optional=True))
        limit = QgsProcessingParameterNumber(
            self.LIMIT, translate("EOPortals", "Most products from each portal"), type=NUMBER_INTEGER,
            defaultValue=DEFAULT_LIMIT, minValue=1)
        limit.setFlags(limit.flags() | FLAG_ADVANCED)
        self.addParameter(limit)
        timeout = QgsProcessingParameterNumber(
            self.TIMEOUT, translate("EOPortals", "Time limit per portal (seconds)"), type=NUMBER_DOUBLE,
            defaultValue=DEFAULT_TIMEOUT, minValue=1.0)
        timeout.setFlags(timeout.flags() | FLAG_ADVANCED)
        self.addParameter(timeout)
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.OUTPUT, translate("EOPortals", "Footprints"), type=VECTOR_POLYGON))
        self.addOutput(QgsProcessingOutputNumber(self.COUNT, translate("EOPortals", "Number of products")))
        self.addOutput(QgsProcessingOutputNumber(self.FAILED, translate("EOPortals", "Number of portals that failed")))

    # ---- run -------------------------------------------------------------------------------------------
    def prepareAlgorithm(self, parameters: Dict[str, Any], context: QgsProcessingContext,  # noqa: N802
                         feedback: QgsProcessingFeedback) -> bool:
        """Validate the query and read catalog, accounts and proxy (Processing calls this on the main thread)."""
        catalog = settings.current_catalog()
        for problem in catalog.problems:
            feedback.reportError(translate("EOPortals", "Portal catalog: {}").format(problem), False)
        self._query = self._query_of(parameters, context)
        self._portals = self._portals_of(parameters, context, catalog, self._query.collection)
        self._budget = (self.parameterAsDouble(parameters, self.TIMEOUT, context)
                        if has_value(parameters, self.TIMEOUT) else DEFAULT_TIMEOUT)
        self._credentials = credentials_for_search(self._portals)
        self._settings = http_settings()
        return True

    def processAlgorithm(self, parameters: Dict[str, Any], context: QgsProcessingContext,  # noqa: N802
                         feedback: QgsProcessingFeedback) -> Dict[str, Any]:
        """Search, report each portal as it ends, write the merged products."""
        query, portals, budget = self._query, self._portals, self._budget
        for note in query.notes:
            feedback.pushInfo(note)
        feedback.pushInfo(translate("EOPortals", "Searching {collection} on {portals} (at most {limit} products "
                                                 "each, {budget:g} s per portal)").format(
            collection=query.collection, portals=", ".join(p.id for p in portals), limit=query.limit, budget=budget))
        products, outcomes, cancelled = self._run_search(portals, query, budget, feedback)

        fields = footprint_fields()
        sink, dest_id = self.parameterAsSink(parameters, self.OUTPUT, context, fields, FOOTPRINT_WKB_TYPE,
                                             footprint_crs())
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))
        without_footprint = 0
        for product in products:
            feature = product_to_feature(product, fields)
            if not feature.hasGeometry():
                without_footprint += 1
            if not sink.addFeature(feature, QgsFeatureSink.Flag.FastInsert):
                raise QgsProcessingException(self.writeFeatureError(sink, parameters, self.OUTPUT))
        if without_footprint:
            feedback.pushInfo(translate("EOPortals", "{n} product(s) have no footprint; they are kept with an "
                                                     "empty geometry.").format(n=without_footprint))
        failed = [o for o in outcomes.values() if not o.ok and o.error.kind != ErrorKind.CANCELLED]
        feedback.pushInfo(translate("EOPortals", "{n} product(s) written from {ok} of {total} portal(s).").format(
            n=len(products), ok=sum(1 for o in outcomes.values() if o.ok), total=len(portals)))
        if not cancelled and portals and len(failed) == len(portals):
            # Nothing could be asked: a model or a script must see a failure, not an empty layer.
            raise QgsProcessingException(translate("EOPortals", "Every portal failed: {}").format(
                "; ".join(str(o.error) for o in failed)))
        return {self.OUTPUT: dest_id, self.COUNT: len(products), self.FAILED: len(failed)}

    def _query_of(self, parameters: Dict[str, Any], context: QgsProcessingContext) -> SearchQuery:
        """The validated SearchQuery of the parameters; QgsProcessingException when it is wrong."""
        geometry = self.parameterAsGeometry(parameters, self.AOI, context)
        if geometry is None or geometry.isNull() or geometry.isEmpty():
            raise QgsProcessingException(translate(
                "EOPortals", "An area of interest is needed (a WKT polygon, in EPSG:4326 unless written as "
                             "CRS=...;WKT)."))
        crs = self.parameterAsGeometryCrs(parameters, self.AOI, context)
        try:
            # as the panel does: densified, longitudes unwrapped only where the transform wrapped them (an area
            # across the antimeridian in EPSG:3857), cut to the world (plugin/geometry.py)
            area = aoi_to_wgs84(geometry, crs, context.transformContext())
        except Exception as exc:  # QgsCsException: the area lies outside the CRS's valid extent
            raise QgsProcessingException(translate(
                "EOPortals", "The area of interest cannot be converted from {crs} to EPSG:4326: {error}").format(
                crs=crs.authid(), error=exc)) from None
        try:
            return SearchQuery.create(
                area,
                self.parameterAsString(parameters, self.START, context),
                self.parameterAsString(parameters, self.END, context),
                self.parameterAsEnumString(parameters, self.COLLECTION, context),
                max_cloud=(self.parameterAsDouble(parameters, self.MAX_CLOUD, context)
                           if has_value(parameters, self.MAX_CLOUD) else None),
                orbit_direction=(self.parameterAsEnumString(parameters, self.ORBIT_DIRECTION, context) or None
                                 if has_value(parameters, self.ORBIT_DIRECTION) else None),
                relative_orbit=(self.parameterAsInt(parameters, self.RELATIVE_ORBIT, context)
                                if has_value(parameters, self.RELATIVE_ORBIT) else None),
                tile=self.parameterAsString(parameters, self.TILE, context).strip() or None,
                platform=self.parameterAsString(parameters, self.PLATFORM, context).strip() or None,
                limit=(self.parameterAsInt(parameters, self.LIMIT, context)
                       if has_value(parameters, self.LIMIT) else DEFAULT_LIMIT),
            )
        except QueryError as error:
            raise QgsProcessingException(
                translate("EOPortals", "The search cannot be made: {}").format(error)) from None

    def _portals_of(self, parameters: Dict[str, Any], context: QgsProcessingContext, catalog: Catalog,
                    collection: str) -> List[Portal]:
        """The portals asked for, or every usable portal of the collection."""
        text = (self.parameterAsString(parameters, self.PORTALS, context)
                if has_value(parameters, self.PORTALS) else "")
        ids = [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]
        if ids:
            try:
                return catalog.select(list(dict.fromkeys(ids)))
            except CatalogError as error:
                raise QgsProcessingException(str(error)) from None
        portals = catalog.for_collection(collection)
        if not portals:
            raise QgsProcessingException(
                translate("EOPortals", "No enabled portal offers the collection {}.").format(collection))
        return portals

    def _run_search(self, portals: List[Portal], query: SearchQuery, budget: float,
                    feedback: QgsProcessingFeedback) -> Tuple[List[Product], Dict[str, Outcome], bool]:
        """Run the core search; report outcomes on this thread; stop waiting when the user cancels.

        Returns (merged products, outcomes, cancelled); after a cancel, what the finished portals found.
        """
        cancel = threading.Event()
        finished: "queue.Queue[Tuple[Outcome, List[Product]]]" = queue.Queue()
        outcomes: Dict[str, Outcome] = {}
        arrived: Dict[str, List[Product]] = {}
        holder: Dict[str, Any] = {}
        done = threading.Event()
        http_options, credentials = self._settings, self._credentials

        def work() -> None:
            try:
                holder["result"] = search(portals, query, settings=http_options, credentials=credentials, budget=budget,
                                          cancel=cancel, on_outcome=lambda o, p: finished.put((o, p)))
            except Exception as exc:  # a bug in the core: reported on the algorithm's thread below
                holder["error"] = exc
            finally:
                done.set()

        # A socket stuck in a read cannot be interrupted: the fan-out waits in a thread of its own, so that this
        # thread stays free to report each portal as it ends (feedback is touched by this thread only) and to
        # notice the cancel button at once (a bridge from feedback.isCanceled() to the core's threading.Event).
        worker = threading.Thread(target=work, name="eo-portals-processing-search", daemon=True)
        worker.start()
        cancelled = False
        while True:
            finished_now = done.wait(_POLL)
            self._drain(finished, outcomes, arrived, len(portals), feedback)
            if finished_now:
                break
            if feedback.isCanceled():
                cancel.set()
                cancelled = True
                grace = time.monotonic() + _CANCEL_GRACE
                while not done.is_set() and time.monotonic() < grace:
                    done.wait(_POLL)
                self._drain(finished, outcomes, arrived, len(portals), feedback)
                break
        if "error" in holder:
            raise QgsProcessingException(translate("EOPortals", "The search failed: {}").format(holder["error"]))
        if cancelled:
            feedback.pushInfo(translate("EOPortals", "Search cancelled; the products found so far are kept."))
            ordered = [product for portal in portals for product in arrived.get(portal.id, [])]
            products = sort_products(merge_products(ordered, portal_order=[p.id for p in portals]))
            return products, outcomes, True
        result: SearchResult = holder["result"]
        return result.products, dict(result.outcomes), False

    @staticmethod
    def _drain(finished: "queue.Queue", outcomes: Dict[str, Outcome], arrived: Dict[str, List[Product]],
               total: int, feedback: QgsProcessingFeedback) -> None:
        """Report the portals that ended since the last look."""
        while True:
            try:
                outcome, products = finished.get_nowait()
            except queue.Empty:
                return
            outcomes[outcome.portal] = outcome
            arrived[outcome.portal] = products
            if outcome.ok:
                line = translate("EOPortals", "{portal}: {count} product(s) in {seconds:.1f} s").format(
                    portal=outcome.title, count=outcome.count, seconds=outcome.elapsed)
                if outcome.records > outcome.count:
                    line += translate("EOPortals", ", from {records} records").format(records=outcome.records)
                if outcome.more and outcome.total is not None:
                    line += translate("EOPortals", ", more pages available (the portal reports {total} in all)"
                                      ).format(total=outcome.total)
                elif outcome.more:
                    line += translate("EOPortals", ", more pages available")
                if outcome.other_collections:
                    line += translate("EOPortals", "; {n} product(s) of other collections left out").format(
                        n=outcome.other_collections)
                feedback.pushInfo(line)
            elif outcome.error.kind == ErrorKind.CANCELLED:
                feedback.pushInfo(translate("EOPortals", "{portal}: cancelled").format(portal=outcome.title))
            else:
                feedback.reportError(translate("EOPortals", "{portal} ({id}) failed: {message}").format(
                    portal=outcome.title, id=outcome.portal, message=outcome.error.message), False)
                # Method, URL, status, the portal's own words and a curl command, for the verbose log.
                feedback.pushDebugInfo(request_failure_text(outcome))
                if outcome.count:
                    feedback.pushInfo(translate("EOPortals", "{portal}: the {count} product(s) read before the "
                                                             "failure are kept.").format(
                        portal=outcome.title, count=outcome.count))
            feedback.setProgress(100.0 * len(outcomes) / max(1, total))
