#!/usr/bin/env python3
"""Reliability report: the fault matrix of tests/hardening, run once and printed as a table.

Every case comes from tests/support/faulty_portal.py, the same definitions the tests use (no copies): a
portal that drops the connection mid-body, stalls, answers 429 (Retry-After in seconds, as an HTTP date, or
none), 500, 503 with its own message, loops on redirects, announces a wrong Content-Length, sends corrupt
bytes, lets an access token expire mid-download, refuses a fifth parallel stream (DHuS 403) or answers a
maintenance page; then a full disk (a tmpfs of a few megabytes, when this machine lets us mount one). The
search cases run the real fan-out over four loopback portals replaying real recorded answers; the download
cases the real engine on the real Sentinel-2 zip of the fixtures, with an earlier download and an
interrupted ``.part`` in the folder.

Columns: the case; what should come of it; what a user saw (the portal's outcome message, or the job's
state and message); data lost (bytes of finished files or of a valid ``.part`` destroyed, or products of
finished portals missing from the results); bytes the portal had to send more than once, over the faulty
run and the Retry that follows it; whether it went as expected. The closing line gives the totals. Figures,
not pass/fail (the exit status is 0 whatever they say); nothing goes further than 127.0.0.1. About 30 s:

    EO_PORTALS_FIXTURES=../shared/fixtures .venv/bin/python bench/reliability_report.py [--markdown] [-k search]
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import List, Optional, Tuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
if not os.environ.get("EO_PORTALS_FIXTURES") and (ROOT.parent / "shared" / "fixtures").is_dir():
    os.environ["EO_PORTALS_FIXTURES"] = str(ROOT.parent / "shared" / "fixtures")

from tests.support.faulty_portal import CASES, Case, CaseUnavailable, Observation, problems, run_case  # noqa: E402

Row = Tuple[Case, Optional[Observation], List[str], str]  # case, what was seen, problems, why it did not run


def lost_text(case: Case, seen: Observation) -> str:
    """'0 B', '1,000,000 B' or '2 products'."""
    if case.operation == "search":
        return f"{seen.lost} product" + ("" if seen.lost == 1 else "s")
    return f"{seen.lost:,} B"


def run(cases) -> List[Row]:
    """Run each case in a folder of its own."""
    rows: List[Row] = []
    for case in cases:
        with tempfile.TemporaryDirectory(prefix="eo-reliability-") as folder:
            try:
                seen = run_case(case, Path(folder))
            except CaseUnavailable as exc:
                rows.append((case, None, [], str(exc)))
                print(f"  {case.key}: not run ({exc})", file=sys.stderr)
                continue
        found = problems(case, seen)
        rows.append((case, seen, found, ""))
        print(f"  {case.key}: {seen.elapsed:.1f} s{'' if not found else ' - NOT as expected'}", file=sys.stderr)
    return rows


def _cell(value: str) -> str:
    """A table cell: pipes and angle brackets (a quoted web page) escaped."""
    return value.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def markdown(rows: List[Row]) -> str:
    """The table as Markdown (for the README)."""
    lines = ["| case | fault | expected | observed | data lost | sent twice | as expected |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for case, seen, found, skipped in rows:
        if seen is None:
            lines.append(f"| `{case.key}` | {_cell(case.fault)} | {_cell(case.expected)} | not run: {_cell(skipped)}"
                         " | | | |")
            continue
        verdict = "yes" if not found else "**no**: " + _cell("; ".join(found))
        lines.append(f"| `{case.key}` | {_cell(case.fault)} | {_cell(case.expected)} | {_cell(seen.observed)} | "
                     f"{lost_text(case, seen)} | {seen.refetched:,} B | {verdict} |")
    return "\n".join(lines)


def text(rows: List[Row], width: int = 70) -> str:
    """The table as aligned text, long messages wrapped."""
    out = [f"{'case':32} {'expected':44} {'observed':{width}} {'lost':>12} {'sent twice':>12}  as expected"]
    for case, seen, found, skipped in rows:
        expected = textwrap.wrap(case.expected, 44) or [""]
        if seen is None:
            observed, lost, twice, verdict = textwrap.wrap("not run: " + skipped, width), "", "", ""
        else:
            observed = textwrap.wrap(seen.observed, width) or [""]
            lost, twice = lost_text(case, seen), f"{seen.refetched:,} B"
            verdict = "yes" if not found else "NO: " + "; ".join(found)
        for index in range(max(len(expected), len(observed))):
            first = index == 0
            out.append(f"{case.key if first else '':32} {expected[index] if index < len(expected) else '':44} "
                       f"{observed[index] if index < len(observed) else '':{width}} {lost if first else '':>12} "
                       f"{twice if first else '':>12}  {verdict if first else ''}")
    return "\n".join(out)


def totals(rows: List[Row], elapsed: float) -> str:
    """The closing line."""
    ran = [(case, seen, found) for case, seen, found, _ in rows if seen is not None]
    lost_bytes = sum(seen.lost for case, seen, _ in ran if case.operation == "download")
    lost_products = sum(seen.lost for case, seen, _ in ran if case.operation == "search")
    twice = sum(seen.refetched for _, seen, _ in ran)
    line = (f"reliability: {len(ran)} cases, {sum(1 for *_, found in ran if not found)} as expected, "
            f"{lost_bytes:,} bytes lost, {lost_products} products lost, {twice:,} bytes sent twice")
    not_run = len(rows) - len(ran)
    return line + (f", {not_run} not run" if not_run else "") + f" ({elapsed:.0f} s)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("-k", dest="only", default="", help="run only the cases whose key contains this text")
    args = parser.parse_args()
    # the engine's own log lines (retries, warnings) are what the table sums up
    logging.getLogger("eo_portals").addHandler(logging.NullHandler())
    logging.getLogger("eo_portals").propagate = False
    cases = [case for case in CASES if args.only in case.key]
    started = time.monotonic()
    try:
        rows = run(cases)
    except BaseException as exc:  # pytest.skip() from tests/support/fixtures.py when the recordings are missing
        if type(exc).__name__ == "Skipped":
            sys.exit(f"reliability: not run: {exc}")
        raise
    print(markdown(rows) if args.markdown else text(rows))
    print()
    print(totals(rows, time.monotonic() - started))


if __name__ == "__main__":
    main()
