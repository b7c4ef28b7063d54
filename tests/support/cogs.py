"""The real COG fixtures (``$EO_PORTALS_FIXTURES/cogs``, see SOURCES.md) as products served on loopback.

Each scene comes with its real STAC item (Earth Search v1 / v0, USGS). `served_product` parses that item with the
plugin's own STAC adapter, then points the assets of the bands we have at a `CogServer`. The fixtures are single
dates: `served_product(..., date=...)` serves the same files again under another path and gives the product
that date, which is how the tests and the bench build a multi-date series (the pixels are the same each date).
"""
from __future__ import annotations

import copy
import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, Optional

import pytest

from plugin.core.catalog import load_catalog
from plugin.core.portals import stac
from plugin.core.query import SearchQuery


@dataclass(frozen=True)
class Scene:
    folder: str
    item: str
    collection: str
    portal: str  # catalog portal id whose adapter reads the item
    files: Dict[str, str]  # asset key in the item -> file name in the folder


S2_CLEAR = Scene("s2_l2a_29RKH_20200219", "S2A_29RKH_20200219_0_L2A.json", "S2_MSI_L2A", "earth_search",
                 {"red": "B04.tif", "nir": "B08.tif", "scl": "SCL.tif"})
S2_CLOUDY = Scene("s2_l2a_34SGA_20200318", "S2A_34SGA_20200318_0_L2A.json", "S2_MSI_L2A", "earth_search",
                  {"B04": "B04.tif", "B08": "B08.tif", "SCL": "SCL.tif"})
LANDSAT = Scene("landsat_c2l2_LC08_001062_20201031", "LC08_L2SP_001062_20201031_20201106_02_T2_SR_stac.json",
                "LANDSAT_C2_L2", "earth_search",
                {f"{band}.TIF": f"LC08_L2SP_001062_20201031_20201106_02_T2_{band}.TIF"
                 for band in ("SR_B4", "SR_B5", "QA_PIXEL")})
L1C_ZIP = "products/S2A_MSIL1C_20180101T105441_N0206_R051_T31TDH_20180101T124911.zip"


def fixtures_root() -> Path:
    """The fixtures folder, or skip the calling test with the reason."""
    root = os.environ.get("EO_PORTALS_FIXTURES")
    if not root or not (Path(root) / "cogs").is_dir():
        pytest.skip("EO_PORTALS_FIXTURES is not set to the shared fixtures (with cogs/): real COGs needed")
    return Path(root)


def scene_file(scene: Scene, key: str) -> Path:
    return fixtures_root() / "cogs" / scene.folder / scene.files[key]


def scene_item(scene: Scene) -> dict:
    return json.loads((fixtures_root() / "cogs" / scene.folder / scene.item).read_text(encoding="utf-8"))


def served_item(server, scene: Scene, date: Optional[datetime] = None, prefix: str = "", **route_options) -> dict:
    """The scene's real item with its band assets served by `server` (under a path per date) and that date."""
    feature = copy.deepcopy(scene_item(scene))
    stamp = (date or datetime(2000, 1, 1)).strftime("%Y%m%d")
    base = f"{prefix}/{scene.folder}/{stamp}"
    for key, name in scene.files.items():
        url = server.add(f"{base}/{name}", scene_file(scene, key), **route_options)
        feature["assets"][key]["href"] = url
        feature["assets"][key].pop("alternate", None)
    if scene is LANDSAT:  # USGS STAC 0.7.0: media type "image/vnd.stac.geotiff; cloud-optimized=true"
        feature["stac_version"] = "0.7.0"
    if date is not None:
        feature["id"] = f"{feature['id']}_{stamp}"
        feature["properties"]["datetime"] = date.strftime("%Y-%m-%dT%H:%M:%SZ")
        for key in ("s2:product_uri", "s1:product_identifier", "identifier"):
            feature["properties"].pop(key, None)
    return feature


def served_product(server, scene: Scene, date: Optional[datetime] = None, portal: Optional[str] = None,
                   prefix: str = "", **route_options):
    """The scene's real item as a Product whose band assets are served by `server` (under a path per date)."""
    catalog = load_catalog(env={})
    adapter_portal = catalog.portal(scene.portal)
    feature = served_item(server, scene, date, prefix, **route_options)
    query = SearchQuery.create("POLYGON((0 0,1 0,1 1,0 1,0 0))", "2000-01-01", "2030-01-01", scene.collection)
    product = stac.product_from_item(adapter_portal, query, feature)
    if portal:
        product.sources[0].portal = portal
    return product


def utc(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 10, 0, tzinfo=timezone.utc)
