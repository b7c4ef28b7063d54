"""The fault matrix: a portal that drops, stalls, throttles, fails, loops, lies about lengths, corrupts, lets a
token expire, caps parallel streams or answers a maintenance page, against the real search and downloads.

Every case is defined once in tests/support/faulty_portal.py (bench/reliability_report.py runs the same ones)
and runs the real core over loopback portals replaying real recorded answers and the real Sentinel-2 zip of
the fixtures. Each test checks what a user reads (the outcome message, word for word where the message is
ours) and that nothing finished is damaged: the other portals' products and the faulty portal's first page
stay in the results; the earlier download stays byte-identical, no partial file takes the final name, a
``.part`` left behind is a true prefix of the product and the retry resumes from it.
"""
from __future__ import annotations

import re
from typing import Callable, Dict

import pytest

from plugin.core.errors import ErrorKind
from plugin.core.http import error_for_status
from tests.support.faulty_portal import (
    CUT, DOWNLOAD_CASES, PART, RETRY_AFTER, SEARCH_CASES, Observation, cdse_page_identities, problems, run_case,
)

BACK_OFF = [2.0, 4.0, 8.0, 16.0]  # the engine's waits between its five tries (RetryPolicy defaults)
CHUNK = 256 * 1024


@pytest.mark.parametrize("case", SEARCH_CASES, ids=lambda case: case.key)
def test_search_fault_is_named_and_finished_results_are_kept(case, tmp_path):
    seen = run_case(case, tmp_path)

    assert re.fullmatch(case.message, seen.message, flags=re.S), seen.message
    assert seen.kind is case.kind
    # the three portals that answered are complete, and so is the page CDSE gave before the fault
    assert seen.details["failed"] == ["cdse"], seen.details["outcomes"]
    assert seen.details["missing"] == [] and seen.lost == 0
    assert seen.details["cdse_kept"] == sorted(cdse_page_identities(1))
    # "Load more" is offered where trying the page again can help; once the portal is well, it (or, where it is
    # not offered, a new search) brings the rest, without duplicates
    assert seen.details["more"] is case.load_more
    assert seen.recovered, seen.details
    assert problems(case, seen) == []


def _resumed_after_each_cut(seen: Observation) -> None:
    assert [(status, start) for status, start, _, _ in seen.details["hits"]] == [
        (206, PART), (206, PART + CUT), (206, PART + 2 * CUT)]
    assert seen.refetched == 0 and seen.details["sleeps"] == [2.0, 2.0]


def _restarted_from_zero(seen: Observation) -> None:
    assert [(status, start, sent) for status, start, sent, _ in seen.details["hits"]][0] == (200, None, CUT)
    assert [(status, start) for status, start, _, _ in seen.details["hits"]][1:] == [(200, None)]
    assert seen.refetched == CUT  # the portal cannot resume: what came before the cut comes again


def _resumed_after_the_stall(seen: Observation) -> None:
    first, second = seen.details["hits"]
    assert first[:2] == (206, PART) and second[0] == 206 and PART < second[1] <= PART + 300_000
    # urllib3 1.26 drops the part of a 256 KiB read that was under way when the timeout struck
    assert seen.refetched < CHUNK


def _failed_with_back_off(seen: Observation) -> None:
    assert seen.details["sleeps"] == BACK_OFF and len(seen.details["hits"]) == 5


def _waited_as_told(seen: Observation) -> None:
    assert seen.details["sleeps"] == [float(RETRY_AFTER)]


def _waited_until_the_date(seen: Observation) -> None:
    wait, = seen.details["sleeps"]
    assert RETRY_AFTER - 4 <= wait <= RETRY_AFTER  # an HTTP date has whole seconds; the request took a moment


def _gave_up_at_the_redirect_limit(seen: Observation) -> None:
    assert len(seen.details["hits"]) == 11 and seen.details["sleeps"] == []


def _refreshed_once_and_resumed(seen: Observation) -> None:
    hits = seen.details["hits"]
    assert [(status, start) for status, start, _, _ in hits] == [(206, PART), (401, PART + CUT), (206, PART + CUT)]
    assert seen.details["grants"] == ["password", "refresh_token"]  # one login, one refresh, no second login
    assert hits[1][3] == hits[0][3] != hits[2][3]  # the refused token, then the new one
    assert seen.refetched == 0


def _not_retried(seen: Observation) -> None:
    assert len(seen.details["hits"]) == 1 and seen.details["sleeps"] == []


def _deleted_and_fetched_once_more(seen: Observation) -> None:
    assert [(status, start) for status, start, _, _ in seen.details["hits"]] == [(206, PART), (200, None)]


SPECIFIC: Dict[str, Callable[[Observation], None]] = {
    "download/drop": _resumed_after_each_cut,
    "download/drop-no-range": _restarted_from_zero,
    "download/stall": _resumed_after_the_stall,
    "download/stall-always": _failed_with_back_off,
    "download/429-seconds": _waited_as_told,
    "download/429-date": _waited_until_the_date,
    "download/429": _failed_with_back_off,
    "download/500": _failed_with_back_off,
    "download/503": _failed_with_back_off,
    "download/redirect-loop": _gave_up_at_the_redirect_limit,
    "download/token-expiry": _refreshed_once_and_resumed,
    "download/403-flows": _not_retried,
    "download/html": _failed_with_back_off,
    "download/checksum": _deleted_and_fetched_once_more,
}


@pytest.mark.parametrize("case", DOWNLOAD_CASES, ids=lambda case: case.key)
def test_download_fault_is_named_and_finished_files_are_intact(case, tmp_path):
    seen = run_case(case, tmp_path)

    assert seen.state == case.state, seen.message
    assert re.fullmatch(case.message, seen.message, flags=re.S), seen.message
    assert seen.finished_intact  # the product downloaded earlier is byte-identical
    # a file with the product's final name exists only when it is the whole, verified product
    assert seen.final_ok is (True if case.state == "done" else None)
    resumes = case.portal in ("dhus", "oidc_mirror")
    if case.state == "failed" and resumes and case.lost == 0:
        # the interrupted run's .part is untouched and still a true prefix: Retry resumes from it
        assert (seen.part, seen.part_valid) == (PART, True)
        assert seen.details["retry_hits"][0][:2] == (206, PART)
    assert seen.lost == case.lost
    assert seen.recovered, seen.details  # Retry, once the portal is well, ends with the byte-identical product
    check = SPECIFIC.get(case.key)
    if check is not None:
        check(seen)
    assert problems(case, seen) == []


def test_every_case_of_the_matrix_has_its_test():
    keys = [case.key for case in SEARCH_CASES + DOWNLOAD_CASES]
    assert len(keys) == len(set(keys))
    assert set(SPECIFIC) <= set(keys)


# ---- the DHuS concurrency refusal -----------------------------------------------------------------------------
FLOWS_BODY = (b'<?xml version="1.0" encoding="utf-8"?><error xmlns="http://schemas.microsoft.com/ado/2007/08/'
              b'dataservices/metadata"><code/><message xml:lang="en">An exception occured while creating a stream: '
              b'Maximum number of 4 concurrent flows achieved by the user &quot;analyst&quot;</message></error>')


def test_the_dhus_parallel_streams_refusal_is_throttling_not_an_account_problem():
    error = error_for_status("DHuS mirror", 403, FLOWS_BODY)
    assert error.kind is ErrorKind.THROTTLED and error.status == 403
    assert str(error) == ('DHuS mirror: too many parallel downloads for this account (HTTP 403), retry when others '
                          'have finished: An exception occured while creating a stream: Maximum number of 4 '
                          'concurrent flows achieved by the user "analyst"')
    assert "check your account" not in str(error)


def test_any_other_403_still_points_at_the_account():
    error = error_for_status("GEODES", 403, b'{"detail": "Invalid API key"}')
    assert error.kind is ErrorKind.AUTH
    assert str(error) == "GEODES: HTTP 403, check your account: Invalid API key"
