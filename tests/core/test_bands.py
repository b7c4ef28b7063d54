"""Band presets, index formulas and mask classes (plugin/core/bands.py), checked against the real STAC items' asset
keys (Earth Search v1 and v0, USGS) and the published definitions of SCL and QA_PIXEL."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from plugin.core.bands import COLLECTIONS, INDICES, QA_PIXEL, SCL, collection_bands, scale_offset
from tests.support.cogs import LANDSAT, S2_CLEAR, S2_CLOUDY, scene_item


@pytest.mark.parametrize("scene, wanted", [
    (S2_CLEAR, {"B04": "red", "B08": "nir", "SCL": "scl", "B02": "blue", "B11": "swir16"}),  # Earth Search v1
    (S2_CLOUDY, {"B04": "B04", "B08": "B08", "SCL": "SCL", "B8A": "B8A"}),  # Earth Search v0
    (LANDSAT, {"SR_B4": "SR_B4.TIF", "SR_B5": "SR_B5.TIF", "QA_PIXEL": "QA_PIXEL.TIF"}),  # USGS STAC 0.7
])
def test_bands_are_found_by_the_asset_keys_of_real_items(scene, wanted):
    spec = collection_bands(scene.collection)
    keys = list(scene_item(scene)["assets"])
    for band_name, key in wanted.items():
        matching = [k for k in keys if spec.band(band_name).matches(k)]
        assert matching == [key]


def test_presets_resolve_to_bands_and_unknown_names_are_named():
    s2 = collection_bands("S2_MSI_L2A")
    assert [b.name for b in s2.resolve(["true_colour"])] == ["B04", "B03", "B02"]
    assert [b.name for b in s2.resolve(["false_colour"])] == ["B08", "B04", "B03"]
    assert [b.name for b in s2.resolve(["ndvi"])] == ["B04", "B08"]
    assert [b.name for b in s2.resolve(["red", "NIR", "b04", "scl"])] == ["B04", "B08", "SCL"]
    landsat = collection_bands("LANDSAT_C2_L2")
    assert [b.name for b in landsat.resolve(["ndvi"])] == ["SR_B4", "SR_B5"]
    with pytest.raises(ValueError, match="S2_MSI_L2A has no band B99"):
        s2.resolve(["B04", "B99"])
    with pytest.raises(ValueError, match="no band list for S1_SAR_GRD"):
        collection_bands("S1_SAR_GRD")
    assert collection_bands("S2_MSI_L1C").mask is None and "SCL" not in [b.name for b in COLLECTIONS["S2_MSI_L1C"].bands]


def test_index_formulas():
    assert INDICES["NDVI"].compute({"nir": 0.4, "red": 0.1}) == pytest.approx(0.6)
    assert INDICES["NDWI"].compute({"green": 0.3, "nir": 0.1}) == pytest.approx(0.5)
    assert INDICES["NDMI"].compute({"nir": 0.3, "swir16": 0.1}) == pytest.approx(0.5)
    assert INDICES["EVI"].compute({"nir": 0.5, "red": 0.1, "blue": 0.05}) == pytest.approx(
        2.5 * 0.4 / (0.5 + 0.6 - 0.375 + 1))
    assert INDICES["NDVI"].compute({"nir": 0.0, "red": 0.0}) is None  # undefined, not 0
    s2 = collection_bands("S2_MSI_L2A")
    assert {r: b.name for r, b in s2.index_bands("NDMI").items()} == {"nir": "B08", "swir16": "B11"}
    assert {r: b.name for r, b in s2.index_bands("B05").items()} == {"band": "B05"}
    assert s2.index("b05").compute({"band": 0.25}) == 0.25
    with pytest.raises(ValueError, match="neither an index"):
        s2.index_bands("XYZ")


def test_scl_classes_and_defaults():
    masked = SCL.masked_values(None, 255)
    assert masked == {0, 1, 3, 8, 9, 10, 11}  # no data, defects, shadows, clouds, cirrus, snow
    assert SCL.masked_values(["cloud_high"], 255) == {9}
    assert not SCL.is_masked(4) and SCL.is_masked(9)
    with pytest.raises(ValueError, match="unknown mask class haze"):
        SCL.chosen(["haze"])


def test_qa_pixel_bits():
    # USGS Landsat 8-9 C2 L2 QA_PIXEL values: 21824 clear land, 21952 clear water, 22280 high-confidence cloud,
    # 23888 cloud shadow, 1 fill, 55052 cirrus + cloud (Table 6-3 of the L2 science product guide)
    assert not QA_PIXEL.is_masked(21824)
    assert not QA_PIXEL.is_masked(21952)
    assert QA_PIXEL.is_masked(21952, ["water"])
    assert QA_PIXEL.is_masked(22280)
    assert QA_PIXEL.is_masked(23888)
    assert QA_PIXEL.is_masked(1)
    assert QA_PIXEL.is_masked(55052, ["cirrus"])


def test_reflectance_scale_and_offset():
    s2 = collection_bands("S2_MSI_L2A")
    red = s2.band("B04")
    old = datetime(2020, 2, 19, tzinfo=timezone.utc)
    new = datetime(2023, 6, 1, tzinfo=timezone.utc)
    assert scale_offset("S2_MSI_L2A", red, old) == (0.0001, 0.0)
    assert scale_offset("S2_MSI_L2A", red, new) == (0.0001, -0.1)  # baseline 04.00 on: -1000 in the numbers
    assert scale_offset("S2_MSI_L2A", red, new, baseline="0214") == (0.0001, 0.0)  # reprocessed to an old one
    assert scale_offset("S2_MSI_L2A", red, old, baseline="0400") == (0.0001, -0.1)
    assert scale_offset("S2_MSI_L2A", s2.band("SCL"), new) == (1.0, 0.0)
    # Earth Search took the offset out of its COGs where it says so (its real v1 item carries the flag)
    flagged = {"earthsearch:boa_offset_applied": True}
    assert scale_offset("S2_MSI_L2A", red, new, baseline="0509", properties=flagged) == (0.0001, 0.0)
    assert scale_offset("S2_MSI_L2A", red, new, baseline="0509", properties={}) == (0.0001, -0.1)
    landsat = collection_bands("LANDSAT_C2_L2")
    assert scale_offset("LANDSAT_C2_L2", landsat.band("red"), old) == (0.0000275, -0.2)
