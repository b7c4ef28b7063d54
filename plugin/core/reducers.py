"""Reducers: keep one product per MGRS tile out of a result list ("least cloudy", "newest").

Products are grouped by (collection, tile). Products without a tile (Sentinel-1, Landsat) cannot be grouped
this way and are all kept. The kept products stay in their input order, so the table does not jump.
"""
from __future__ import annotations

import enum
from datetime import datetime, timezone
from typing import Callable, Dict, Hashable, List, Sequence, Tuple

from .product import Product

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class Reducer(enum.Enum):
    """The reducers the dock offers."""

    LEAST_CLOUDY_PER_TILE = "least_cloudy_per_tile"
    NEWEST_PER_TILE = "newest_per_tile"


def _tile_key(product: Product) -> Hashable:
    return (product.collection, product.tile) if product.tile else None


def _keep_best(products: Sequence[Product], score: Callable[[Product], Tuple]) -> List[Product]:
    """The product with the lowest score per tile, in input order; untiled products all kept."""
    best: Dict[Hashable, int] = {}
    for index, product in enumerate(products):
        key = _tile_key(product)
        if key is None:
            continue
        current = best.get(key)
        if current is None or score(product) < score(products[current]):
            best[key] = index
    kept = set(best.values())
    return [p for i, p in enumerate(products) if _tile_key(p) is None or i in kept]


def _newest_first(product: Product) -> Tuple:
    moment = product.start or _EPOCH
    return (-moment.timestamp(),)


def least_cloudy_per_tile(products: Sequence[Product]) -> List[Product]:
    """Per tile, the product with the lowest cloud cover (unknown cover counts as worst; ties: newest)."""
    def score(product: Product) -> Tuple:
        cloud = product.cloud_cover
        return (cloud is None, cloud if cloud is not None else 0.0) + _newest_first(product)
    return _keep_best(products, score)


def newest_per_tile(products: Sequence[Product]) -> List[Product]:
    """Per tile, the most recent acquisition (ties: least cloudy)."""
    def score(product: Product) -> Tuple:
        cloud = product.cloud_cover
        return _newest_first(product) + (cloud is None, cloud if cloud is not None else 0.0)
    return _keep_best(products, score)


def reduce_products(products: Sequence[Product], reducer: Reducer) -> List[Product]:
    """Apply one of the named reducers."""
    if reducer is Reducer.LEAST_CLOUDY_PER_TILE:
        return least_cloudy_per_tile(products)
    if reducer is Reducer.NEWEST_PER_TILE:
        return newest_per_tile(products)
    raise ValueError(f"unknown reducer {reducer!r}")
