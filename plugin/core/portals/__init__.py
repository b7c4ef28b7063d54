"""Protocol adapters, loaded by name; an adapter that fails to import is recorded, never fatal.

Each adapter module has `build_request` and `parse` (a search), and `probe_request` and `probe_answer` (the
connection test of the Portals dialog, through `probe.probe_request(portal)` and `probe.read_probe(portal, body)`).
"""
from __future__ import annotations

import importlib
from types import ModuleType
from typing import Dict

from ..errors import CatalogError

ADAPTER_MODULES = {"stac": "stac", "odata": "odata", "dhus": "dhus", "resto": "resto"}
_loaded: Dict[str, ModuleType] = {}
broken: Dict[str, str] = {}  # protocol -> why its adapter could not be loaded


def adapter_for(protocol: str) -> ModuleType:
    """The adapter module of a protocol (with `build_request` and `parse`)."""
    if protocol in _loaded:
        return _loaded[protocol]
    module_name = ADAPTER_MODULES.get(protocol)
    if module_name is None:
        raise CatalogError(f"No adapter for protocol '{protocol}'.")
    try:
        module = importlib.import_module(f"{__name__}.{module_name}")
    except Exception as exc:  # a broken adapter must not break the others
        broken[protocol] = f"{type(exc).__name__}: {exc}"
        raise CatalogError(f"The {protocol} adapter could not be loaded ({exc}).") from exc
    _loaded[protocol] = module
    return module

