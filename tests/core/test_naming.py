"""Product names and the cross-portal identity (PORTALS.md section 9)."""
import pytest

from plugin.core.naming import identity_of, normalise_tile, parse_name

S2 = "S2A_MSIL2A_20190101T000001_N0212_R116_T60VUK_20201007T214652"


@pytest.mark.parametrize("name", [
    S2 + ".SAFE",  # CDSE OData Name, DHuS filename, s2:product_uri
    S2,  # CDSE STAC id, GEODES identifier
    "S2A_MSIL2A_20190101T000001_R116_T60VUK_20201007T214652",  # Planetary Computer id: no baseline
    "S2A_MSIL2A_20190101T000001_N0500_R116_T60VUK_20230101T101010.SAFE",  # a reprocessing
])
def test_every_spelling_of_one_sentinel2_acquisition_has_one_identity(name):
    assert identity_of(name, "x") == "S2A_MSIL2A_20190101T000001_R116_T60VUK"


def test_sentinel2_fields_and_version_order():
    parsed = parse_name(S2 + ".SAFE")
    assert (parsed.mission, parsed.level, parsed.tile, parsed.relative_orbit) == ("S2A", "L2A", "60VUK", 116)
    assert parsed.start.isoformat() == "2019-01-01T00:00:01+00:00"
    assert parsed.platform == "Sentinel-2A" and parsed.product_type == "S2MSI2A"
    newer = parse_name("S2A_MSIL2A_20190101T000001_N0500_R116_T60VUK_20230101T101010")
    assert newer.version > parsed.version


def test_levels_are_different_products():
    assert identity_of(S2, "a") != identity_of(S2.replace("MSIL2A", "MSIL1C"), "b")


@pytest.mark.parametrize("name", [
    "S1A_IW_GRDH_1SDV_20240607T000653_20240607T000718_054210_0697DA_6EE4.SAFE",
    "S1A_IW_GRDH_1SDV_20240607T000653_20240607T000718_054210_0697DA_1234.SAFE",  # another reprocessing CRC
    "S1A_IW_GRDH_1SDV_20240607T000653_20240607T000718_054210_0697DA",  # Earth Search id: no CRC
    "S1A_IW_GRDH_1SDV_20240607T000653_20240607T000718_054210_0697DA_6EE4-GRD_HD",  # ASF fileID
    "S1A_IW_GRDH_1SDV_20240607T000653_20240607T000718_054210_0697DA_6EE4_COG.SAFE",  # CDSE COG variant
])
def test_sentinel1_identity_ignores_the_crc_and_portal_suffixes(name):
    assert identity_of(name, "x") == "S1A_IW_GRDH_1SDV_20240607T000653_20240607T000718_054210_0697DA"


def test_sentinel1_fields():
    parsed = parse_name("S1B_IW_SLC__1SDV_20211110T032039_20211110T032104_029520_0385E6_60DB")
    assert (parsed.family, parsed.level, parsed.absolute_orbit, parsed.product_type) == ("S1", "SLC", 29520, "IW_SLC__1S")
    assert parsed.relative_orbit is None  # not in the name: taken from the portal's metadata


def test_landsat_identity_ignores_processing_date():
    assert identity_of("LC08_L2SP_033032_20231008_20231017_02_T1", "x") == identity_of("LC08_L2SP_033032_20231008_02_T1", "y")


def test_unknown_names_fall_back_to_the_portal_scoped_id():
    assert identity_of("S1A_AUX_INS_V20140406T010000_G20140409T142540.SAFE", "cdse:123") == "cdse:123"
    assert parse_name(None) is None


@pytest.mark.parametrize("raw,tile", [
    ("MGRS-9UWA", "09UWA"), ("T31TEJ", "31TEJ"), ("54pxa", "54PXA"), ("9UWA", "09UWA"),
    ("61AAA", None), ("31IAA", None), ("", None), (None, None),
])
def test_tiles_are_normalised_to_five_characters(raw, tile):
    assert normalise_tile(raw) == tile
