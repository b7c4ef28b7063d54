"""The search fan-out when portals misbehave: a hang, a 500 with the portal's own message, garbage, a closed port.

Every portal is on loopback. The good portals replay their real recorded answers; the faulty ones are the
test server's fault modes. What a user must see: each failing portal named with its cause, the good portals'
products all there, and the whole search back within about its time budget.
"""
from __future__ import annotations

import json
import socket
import threading
import time
from typing import List

import pytest
import requests

from plugin.core.catalog import load_catalog
from plugin.core.errors import ErrorKind
from plugin.core.naming import parse_name
from plugin.core.query import SearchQuery
from plugin.core.search import search
from tests.support.fixtures import cassette
from tests.support.portals import recorded_portals

BUDGET = 3.0
HANG = 60.0  # far beyond the budget: only the budget can end it
AOI = "POLYGON((3.0 47.4,3.1 47.4,3.1 47.5,3.0 47.5,3.0 47.4))"


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def planetary_computer_identities() -> List[str]:
    """Identities of the products in the recorded Planetary Computer answer (from s2:product_uri, PORTALS.md §9)."""
    page = json.loads(cassette("planetary_computer/cassette_s2_l2a_datetime.yaml")[0]["body"])
    return [parse_name(feature["properties"]["s2:product_uri"]).identity for feature in page["features"]]


@pytest.fixture
def faulty_portals(tmp_path):
    """PC replays its recording; GEODES hangs, CDSE answers 500, CDSE STAC answers HTML, a fifth portal is closed."""
    port = closed_port()
    closed = {
        "closed_stac": {
            "title": "Closed STAC", "protocol": "stac", "url": f"http://127.0.0.1:{port}/v1",
            "collections": {"S2_MSI_L2A": "sentinel-2-l2a"},
        }
    }
    with recorded_portals(tmp_path, ["planetary_computer", "geodes", "cdse", "cdse_stac"],
                          delay={"geodes": HANG}, fail={"cdse": 500}, garbage=["cdse_stac"],
                          extra_catalog=closed) as portals:
        yield portals


def test_failing_portals_are_named_with_their_cause_and_never_hide_the_others(faulty_portals):
    catalog = load_catalog(faulty_portals.catalog_path, env={})
    assert not catalog.problems
    chosen = catalog.select(["planetary_computer", "geodes", "cdse", "cdse_stac", "closed_stac"])
    query = SearchQuery.create(AOI, "2019-01-01", "2019-01-02", "S2_MSI_L2A")
    # What the failing CDSE server itself says, read from its answer rather than assumed.
    served = requests.get(faulty_portals.url("cdse") + "/Products", timeout=5)
    assert served.status_code == 500
    own_message = served.json()["detail"]

    reported: List[str] = []
    started = time.monotonic()
    result = search(chosen, query, budget=BUDGET, on_outcome=lambda outcome, products: reported.append(outcome.portal))
    elapsed = time.monotonic() - started

    assert elapsed < BUDGET + 3.0, f"a hanging portal held the search for {elapsed:.1f} s (budget {BUDGET} s)"
    assert sorted(reported) == sorted(p.id for p in chosen), "every portal reports exactly once"
    outcomes = result.outcomes

    good = outcomes["planetary_computer"]
    assert good.ok, good.message
    expected = planetary_computer_identities()
    assert good.count == len(expected)
    assert sorted(p.identity for p in result.products) == sorted(set(expected))
    assert all(p.portals == ["planetary_computer"] for p in result.products)

    hang = outcomes["geodes"]
    assert hang.error is not None and hang.error.kind == ErrorKind.TIMEOUT
    assert str(hang.error).startswith(catalog.portal("geodes").title)
    assert "timed out" in hang.message

    server_error = outcomes["cdse"]
    assert server_error.error is not None and server_error.error.status == 500
    assert str(server_error.error).startswith(catalog.portal("cdse").title)
    assert own_message in server_error.message, server_error.message

    garbage = outcomes["cdse_stac"]
    assert garbage.error is not None and garbage.error.kind == ErrorKind.PARSE
    assert str(garbage.error).startswith(catalog.portal("cdse_stac").title)
    assert "not JSON" in garbage.message

    refused = outcomes["closed_stac"]
    assert refused.error is not None and refused.error.kind == ErrorKind.UNREACHABLE
    assert str(refused.error).startswith("Closed STAC")
    assert "refused" in refused.message.lower(), refused.message

    assert {o.portal for o in result.failed} == {"geodes", "cdse", "cdse_stac", "closed_stac"}



def test_cancel_returns_at_once_and_keeps_what_was_found(tmp_path):
    """A user who cancels while one portal hangs gets the finished portals' products back straight away."""
    with recorded_portals(tmp_path, ["planetary_computer", "earth_search"], delay={"earth_search": 30}) as rp:
        catalog = load_catalog(rp.catalog_path, env={})
        query = SearchQuery.create(AOI, "2019-01-01", "2019-01-02", "S2_MSI_L2A")
        cancel = threading.Event()

        def cancel_when_pc_is_done(outcome, products):
            if outcome.portal == "planetary_computer":
                cancel.set()

        started = time.monotonic()
        result = search(catalog.select(["planetary_computer", "earth_search"]), query, budget=25, cancel=cancel,
                        on_outcome=cancel_when_pc_is_done)
        elapsed = time.monotonic() - started
    assert elapsed < 5
    assert result.outcomes["planetary_computer"].ok and result.outcomes["planetary_computer"].count > 0
    assert result.outcomes["earth_search"].message.endswith("cancelled")
    assert len(result.products) == result.outcomes["planetary_computer"].count


def test_load_more_is_offered_again_only_where_a_retry_can_help(tmp_path):
    """A hung or failing server can be asked again ("Load more"); a refused account or garbage cannot."""
    with recorded_portals(tmp_path, ["planetary_computer", "earth_search", "cdse", "geodes"],
                          fail={"earth_search": 503, "cdse": 401}, garbage=["geodes"]) as rp:
        catalog = load_catalog(rp.catalog_path, env={})
        query = SearchQuery.create(AOI, "2019-01-01", "2019-01-02", "S2_MSI_L2A")
        result = search(catalog.select(["planetary_computer", "earth_search", "cdse", "geodes"]), query, budget=BUDGET)
    assert result.outcomes["planetary_computer"].ok and result.cursors["planetary_computer"] is None  # last page read
    assert result.cursors["earth_search"] is not None and result.outcomes["earth_search"].more
    assert result.cursors["cdse"] is None and "check your account" in result.outcomes["cdse"].message
    assert result.cursors["geodes"] is None and not result.outcomes["geodes"].more
