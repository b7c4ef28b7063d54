"""Search fan-out: the chosen portals queried at once, each within a time budget, merged by identity.

One failing portal never hides the others: each one ends with an `Outcome` (ok with n products, or the
error naming the portal and the cause), and the products found so far are always kept.
"""
from __future__ import annotations

import base64
import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable, Dict, Iterable, List, Optional, Sequence

from .auth import Authenticator
from .catalog import Portal, collection_traits
from .credentials import Credentials, search_auth
from .errors import EOPortalsError, ErrorKind, PortalError
from .http import HttpSettings, fetch, make_session, timed_out
from .portals import adapter_for
from .portals.base import Request
from .product import Product, merge_products
from .query import QueryError, SearchQuery, normalise_platform

DEFAULT_BUDGET = 30.0


@dataclass
class Outcome:
    """How one portal's search ended."""

    portal: str
    title: str
    count: int = 0  # rows: acquisitions after this portal's records were merged
    error: Optional[PortalError] = None
    elapsed: float = 0.0
    pages: int = 0
    total: Optional[int] = None  # products the portal says match, when it says
    more: bool = False  # another page can be fetched ("Load more")
    last_request: Optional[Request] = None  # what was sent last, for the log and "copy as curl"
    records: int = 0  # records read and kept (several records of one acquisition make one row)
    other_collections: int = 0  # records of other collections than the query's, left out

    @property
    def ok(self) -> bool:
        """True when the portal answered without error."""
        return self.error is None

    @property
    def message(self) -> str:
        """'Earth Search: 37 products', 'CDSE: 113 products from 116 records, more pages available',
        'Earth Search: 1 product; 1 product of another collection left out', or the error text."""
        if self.error is not None:
            return str(self.error)
        noun = "product" if self.count == 1 else "products"
        text = f"{self.title}: {self.count} {noun}"
        if self.records > self.count:
            text += f" from {self.records} records"
        if self.more:
            text += f", more pages available ({self.total} match)" if self.total is not None else \
                ", more pages available"
        if self.other_collections:
            text += ("; 1 product of another collection left out" if self.other_collections == 1 else
                     f"; {self.other_collections} products of other collections left out")
        return text


@dataclass
class SearchResult:
    """Merged products plus every portal's outcome and where each could go on."""

    query: SearchQuery
    products: List[Product] = field(default_factory=list)
    outcomes: Dict[str, Outcome] = field(default_factory=dict)
    cursors: Dict[str, Optional[Request]] = field(default_factory=dict)  # portal id -> next page request

    @property
    def failed(self) -> List[Outcome]:
        """Outcomes that ended in error."""
        return [o for o in self.outcomes.values() if not o.ok]

    @property
    def can_load_more(self) -> bool:
        """Whether any portal has another page."""
        return any(self.cursors.values())


OutcomeCallback = Callable[[Outcome, List[Product]], None]


def search_portal(
    portal: Portal,
    query: SearchQuery,
    *,
    settings: Optional[HttpSettings] = None,
    credentials: Optional[Credentials] = None,
    budget: float = DEFAULT_BUDGET,
    cancel: Optional[threading.Event] = None,
    start: Optional[Request] = None,
    max_results: Optional[int] = None,
) -> tuple:
    """Query one portal, page after page, until `max_results`, the last page, the budget or a cancel.

    Returns (products, outcome, next_request). Never raises for portal failures: they are in the outcome,
    and the products of pages already read are kept.
    """
    started = time.monotonic()
    deadline = started + budget
    outcome = Outcome(portal=portal.id, title=portal.title)
    products: List[Product] = []
    wanted = max_results if max_results is not None else query.limit
    request: Optional[Request] = start
    settings = settings or HttpSettings()
    session = make_session(settings)
    try:
        if not portal.url:
            raise PortalError(portal.title, "no URL is set for this portal (add it in EO Portals settings)",
                              ErrorKind.INVALID)
        if not portal.searchable:
            raise PortalError(portal.title, "is an openEO back-end: it runs jobs on data, it is not searched for "
                                            "products", ErrorKind.INVALID)
        if not portal.supports(query.collection):
            raise PortalError(portal.title, f"does not offer the collection {query.collection}", ErrorKind.INVALID)
        adapter = adapter_for(portal.protocol)
        auth, extra = search_auth(portal.auth, credentials, portal.get("api_key_header", "X-API-Key"))
        if request is None:
            request = adapter.build_request(portal, query)
        while request is not None and len(products) < wanted:
            if cancel is not None and cancel.is_set():
                raise PortalError(portal.title, "cancelled", ErrorKind.CANCELLED, code="cancelled")
            if time.monotonic() >= deadline:
                raise timed_out(portal.title, budget)
            outcome.last_request = request
            body = fetch(session, request, portal.title, timeout=min(settings.timeout, budget),
                         deadline=deadline, cancel=cancel, auth=auth, extra_headers=extra)
            page = adapter.parse(portal, query, body, request)
            outcome.pages += 1
            if page.total is not None:
                outcome.total = page.total
            for product in page.products:
                if product.collection != query.collection:  # what it is, by its own word, was not asked for
                    outcome.other_collections += 1
                elif matches_query(product, query):  # a portal that ignored a filter must not show what it excludes
                    products.append(product)
            request = page.next
    except PortalError as error:
        outcome.error = _without_secrets(error, credentials)
    except EOPortalsError as error:  # e.g. its adapter could not be loaded
        outcome.error = PortalError(portal.title, str(error), ErrorKind.INVALID)
    except Exception as exc:  # a bug in an adapter: report it against the portal, keep the others going
        outcome.error = PortalError(portal.title, f"internal error while reading the answer ({type(exc).__name__}: {exc})",
                                    ErrorKind.PARSE)
    finally:
        session.close()
    # A portal may return one acquisition twice (paging windows that overlap, several baselines): one row.
    outcome.records = len(products)
    products = merge_products(products)
    outcome.count = len(products)
    outcome.elapsed = time.monotonic() - started
    # After an error the cursor stays only where trying the page again may help (a timeout, a dropped connection,
    # throttling, a server error); a refused account or an unreadable answer would fail the same way again.
    next_request = request if outcome.error is None or _worth_retrying(outcome.error) else None
    outcome.more = next_request is not None
    return products, outcome, next_request


def _worth_retrying(error: PortalError) -> bool:
    if error.kind in (ErrorKind.TIMEOUT, ErrorKind.UNREACHABLE, ErrorKind.THROTTLED, ErrorKind.CANCELLED):
        return True
    return error.kind == ErrorKind.HTTP and (error.status or 0) >= 500


def _without_secrets(error: PortalError, credentials: Optional[Credentials]) -> PortalError:
    """`error` with the account's secrets masked: a portal may echo them back, and outcomes are shown and kept."""
    if credentials is None or credentials.empty:
        return error
    mask = Authenticator(error.portal, credentials).mask
    basic = base64.b64encode(f"{credentials.username}:{credentials.password}".encode("utf-8")).decode("ascii")

    def clean(text: str) -> str:
        return mask(text).replace(basic, "***") if text else text

    cleaned = error.masked(clean)
    if (cleaned.message, cleaned.detail, cleaned.details) == (error.message, error.detail, error.details):
        return error
    return cleaned


def search(
    portals: Sequence[Portal],
    query: SearchQuery,
    *,
    settings: Optional[HttpSettings] = None,
    credentials: Optional[Dict[str, Credentials]] = None,
    budget: float = DEFAULT_BUDGET,
    cancel: Optional[threading.Event] = None,
    on_outcome: Optional[OutcomeCallback] = None,
    cursors: Optional[Dict[str, Optional[Request]]] = None,
    previous: Optional[Iterable[Product]] = None,
) -> SearchResult:
    """Search `portals` concurrently and merge what they find.

    With `cursors` (from a previous SearchResult) each portal continues from its next page ("Load more"),
    and `previous` products are merged in first. `on_outcome` is called from worker threads as each portal
    ends. The whole call returns within about `budget` seconds even when a portal hangs.
    """
    credentials = credentials or {}
    result = SearchResult(query=query)
    portals = list(portals)
    if cursors is not None:
        portals = [p for p in portals if cursors.get(p.id)]
    found: Dict[str, List[Product]] = {}
    lock = threading.Lock()

    def run(portal: Portal) -> None:
        products, outcome, next_request = search_portal(
            portal, query, settings=settings, credentials=credentials.get(portal.id), budget=budget,
            cancel=cancel, start=(cursors or {}).get(portal.id),
        )
        with lock:
            found[portal.id] = products
            result.outcomes[portal.id] = outcome
            result.cursors[portal.id] = next_request
        if on_outcome is not None:
            on_outcome(outcome, products)

    if portals:
        executor = ThreadPoolExecutor(max_workers=len(portals), thread_name_prefix="eo-portals-search")
        futures = {executor.submit(run, portal): portal for portal in portals}
        give_up = time.monotonic() + budget + 5.0
        pending = set(futures)
        # Wait in short steps so that a cancel returns at once, even while a portal's socket is stuck.
        while pending and time.monotonic() < give_up and not (cancel is not None and cancel.is_set()):
            _done, pending = wait(pending, timeout=0.1)
        executor.shutdown(wait=False)
        cancelled = cancel is not None and cancel.is_set()
        with lock:
            for future, portal in futures.items():
                if portal.id not in result.outcomes:
                    error = (PortalError(portal.title, "cancelled", ErrorKind.CANCELLED, code="cancelled")
                             if cancelled else timed_out(portal.title, budget))
                    outcome = Outcome(portal.id, portal.title, elapsed=budget, error=error)
                    result.outcomes[portal.id] = outcome
                    result.cursors[portal.id] = None
                    if on_outcome is not None:
                        on_outcome(outcome, [])
    ordered: List[Product] = list(previous or [])
    with lock:
        for portal in portals:
            ordered.extend(found.get(portal.id, []))
    result.products = sort_products(merge_products(ordered, portal_order=[p.id for p in portals]))
    return result


def matches_query(product: Product, query: SearchQuery) -> bool:
    """False when the portal states a value the query excludes (a server that ignored a filter).

    What the portal did not state (None) never excludes a product.
    """
    traits = collection_traits(query.collection)
    if query.max_cloud is not None and traits.optical and product.cloud_cover is not None:
        if product.cloud_cover > query.max_cloud:
            return False
    if query.tile and "tile" in traits.filters and product.tile and product.tile != query.tile:
        return False
    if query.orbit_direction and product.orbit_direction in ("ASCENDING", "DESCENDING"):
        if product.orbit_direction != query.orbit_direction:
            return False
    if query.relative_orbit is not None and product.relative_orbit is not None:
        if product.relative_orbit != query.relative_orbit:
            return False
    if query.platform and product.platform:
        try:
            stated = normalise_platform(product.platform)
        except QueryError:  # a platform name we do not know: cannot contradict the query
            stated = None
        if stated is not None and stated != query.platform:
            return False
    return True


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def sort_products(products: List[Product], newest_first: bool = True) -> List[Product]:
    """Products by acquisition start (newest first by default), then title."""
    return sorted(products, key=lambda p: (p.start or _EPOCH, p.title), reverse=newest_first)
