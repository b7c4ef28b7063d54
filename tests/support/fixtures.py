"""Access to the real recorded portal answers in ``$EO_PORTALS_FIXTURES`` (never copied into the repo).

Tests that need them call `fixture_path(...)`/`fixture_bytes(...)`; without the folder they are skipped with
a reason that says how to get it.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Dict, List

import pytest

ENV = "EO_PORTALS_FIXTURES"


def fixtures_root() -> Path:
    """The fixtures folder, or skip the calling test."""
    root = os.environ.get(ENV)
    if not root or not Path(root).is_dir():
        pytest.skip(f"recorded portal answers not available: set {ENV} to the shared fixtures folder "
                    "(the Makefile does when ../shared/fixtures exists)")
    return Path(root)


def fixture_path(relative: str) -> Path:
    """Path of one fixture file; skips when the folder or the file is missing."""
    path = fixtures_root() / relative
    if not path.exists():
        pytest.skip(f"fixture {relative} is missing from {fixtures_root()}")
    return path


def fixture_bytes(relative: str) -> bytes:
    """Raw bytes of a recorded answer, exactly as the portal sent them."""
    return fixture_path(relative).read_bytes()


def fixture_json(relative: str) -> Any:
    """A recorded JSON answer, decoded."""
    return json.loads(fixture_bytes(relative))


def cassette(relative: str) -> List[Dict[str, Any]]:
    """The interactions of a VCR cassette: [{'method', 'uri', 'request_body', 'status', 'headers', 'body'}]."""
    import yaml  # test-only dependency

    data = yaml.safe_load(fixture_path(relative).read_text(encoding="utf-8"))
    interactions = []
    for item in data["interactions"]:
        request, response = item["request"], item["response"]
        body = response.get("body", {})
        body = body.get("string", "") if isinstance(body, dict) else body
        if isinstance(body, str):
            body = body.encode("utf-8")
        interactions.append({
            "method": request["method"],
            "uri": request["uri"],
            "request_body": request.get("body"),
            "status": response["status"]["code"],
            "headers": response.get("headers", {}),
            "body": body,
        })
    return interactions
