"""Reducers on products parsed from real recorded answers (Planetary Computer, Earth Search).

The recordings hold one acquisition per tile, so the cases with several acquisitions of a tile are derived
from real products: a copy with another date and cloud cover (said where it is done).
"""
from __future__ import annotations

import json
from datetime import timedelta
from typing import List

import pytest

from plugin.core.catalog import load_catalog
from plugin.core.portals import stac
from plugin.core.product import Product
from plugin.core.query import SearchQuery
from plugin.core.reducers import Reducer, least_cloudy_per_tile, newest_per_tile, reduce_products
from tests.support.fixtures import cassette

AOI = "POLYGON((3.0 47.4,3.1 47.4,3.1 47.5,3.0 47.5,3.0 47.4))"


def parsed(portal_id: str, relative: str, collection: str = "S2_MSI_L2A", index: int = 0) -> List[Product]:
    """The products of a recorded page, as the STAC adapter reads them."""
    portal = load_catalog(env={}).portal(portal_id)
    query = SearchQuery.create(AOI, "2019-01-01", "2023-12-31", collection)
    body = cassette(relative)[index]["body"]
    return stac.parse(portal, query, body, stac.build_request(portal, query)).products


@pytest.fixture(scope="module")
def pc() -> List[Product]:
    return parsed("planetary_computer", "planetary_computer/cassette_s2_l2a_datetime.yaml")


def variant(product: Product, days: int, cloud) -> Product:
    """A derived acquisition of the same tile: `days` later, with another cloud cover (not in the recordings)."""
    start = product.start + timedelta(days=days)
    return product.replaced(identity=f"{product.identity}+{days}", start=start, end=start, cloud_cover=cloud)


def test_recorded_page_has_one_product_per_tile_so_nothing_is_dropped(pc):
    assert len(pc) == 33 == len({p.tile for p in pc})
    assert least_cloudy_per_tile(pc) == pc
    assert newest_per_tile(pc) == pc


def test_least_cloudy_keeps_the_clearest_acquisition_of_each_tile_in_input_order(pc):
    first, second = pc[0], pc[1]
    clearer = variant(first, 5, first.cloud_cover / 2)
    cloudier = variant(second, 10, min(100.0, second.cloud_cover + 30))
    products = [first, second, clearer, cloudier] + pc[2:]
    kept = least_cloudy_per_tile(products)
    assert clearer in kept and first not in kept
    assert second in kept and cloudier not in kept
    assert len(kept) == len(pc)
    assert [p.identity for p in kept] == [p.identity for p in products if p in kept]  # input order


def test_newest_keeps_the_latest_acquisition_of_each_tile(pc):
    first = pc[0]
    later = variant(first, 20, 99.0)
    earlier = variant(first, -20, 0.0)
    kept = newest_per_tile([earlier, first, later] + pc[1:])
    assert later in kept and first not in kept and earlier not in kept
    assert reduce_products([earlier, first, later], Reducer.NEWEST_PER_TILE) == [later]


def test_ties_and_unknown_cloud_cover(pc):
    first = pc[0]
    unknown = variant(first, 30, None)
    same_cloud_newer = variant(first, 3, first.cloud_cover)
    assert least_cloudy_per_tile([unknown, first]) == [first]  # an unknown cover counts as the worst
    assert least_cloudy_per_tile([first, same_cloud_newer]) == [same_cloud_newer]  # tie: the newest
    same_day_clearer = variant(first, 0, first.cloud_cover - 1)
    assert newest_per_tile([first, same_day_clearer]) == [same_day_clearer]  # tie: the least cloudy


def test_products_without_a_tile_are_all_kept_and_collections_stay_apart(pc):
    earth_search = parsed("earth_search", "earth_search/cassette_multiple_collections.yaml")
    landsat = [p for p in earth_search if p.tile is None]
    assert landsat, "the recorded Earth Search page holds a Landsat item, which has no MGRS tile"
    twice = landsat + [landsat[0].replaced(identity=landsat[0].identity + "+copy")]
    assert least_cloudy_per_tile(twice) == twice
    other_collection = pc[0].replaced(identity=pc[0].identity + "+l1c", collection="S2_MSI_L1C",
                                      cloud_cover=0.0)  # derived: the same tile in another collection
    assert least_cloudy_per_tile([pc[0], other_collection]) == [pc[0], other_collection]


def test_inputs_are_not_modified(pc):
    before = json.dumps([p.to_dict() for p in pc], default=str)
    least_cloudy_per_tile(pc + [variant(pc[0], 1, 0.0)])
    newest_per_tile(pc)
    assert json.dumps([p.to_dict() for p in pc], default=str) == before
