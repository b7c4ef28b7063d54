"""The connection test of a portal: a small request its adapter shapes, and whether the answer is its protocol.

Plain data in and out (the Portals dialog runs it in a task): `probe_request(portal)` and
`read_probe(portal, body)`; each adapter says what its request and a right answer look like (`probe_request`,
`probe_answer`).
"""
from __future__ import annotations

import json
from typing import Any, Tuple

from ..catalog import Portal
from ..http import portal_message
from . import adapter_for
from .base import Request


def _prober(protocol: str):
    """The module that shapes a protocol's probe: its search adapter, or the openEO client (no search adapter)."""
    if protocol == "openeo":
        from ..openeo import client

        return client
    return adapter_for(protocol)


def probe_request(portal: Portal) -> Request:
    """The small request that tells whether a portal answers (landing page, service document, tiny search)."""
    return _prober(portal.protocol).probe_request(portal)


def read_probe(portal: Portal, body: bytes) -> Tuple[bool, str, Any]:
    """(looks right, what it is, decoded JSON) for a probe answer: is it the protocol we expect?"""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return False, portal_message(body, limit=80), None  # an HTML page: its words, without the tags
    if not isinstance(data, dict):
        return False, "", data
    ok, what = _prober(portal.protocol).probe_answer(data)
    return ok, what, data
