"""SearchQuery validation: what a user typing or drawing a bad search gets told."""
from datetime import datetime, timezone

import pytest
from shapely import wkt
from shapely.geometry import Point, Polygon, box

from plugin.core.errors import QueryError
from plugin.core.query import SearchQuery, covering_simplification, unwrap_longitudes, vertex_count

SQUARE = "POLYGON((3.0 47.4,3.1 47.4,3.1 47.5,3.0 47.5,3.0 47.4))"


def make(geometry=SQUARE, start="2023-01-01", end="2023-02-14", **kw):
    return SearchQuery.create(geometry, start, end, "S2_MSI_L2A", **kw)


def test_dates_are_utc_and_end_date_covers_the_whole_day():
    query = make()
    assert query.start == datetime(2023, 1, 1, tzinfo=timezone.utc)
    assert query.end.date().isoformat() == "2023-02-14" and query.end.hour == 23
    assert query.iso_start() == "2023-01-01T00:00:00.000Z"
    assert query.iso_end() == "2023-02-14T23:59:59.999Z"


def test_end_before_start_is_refused_with_both_dates_named():
    with pytest.raises(QueryError, match=r"end date \(2023-01-01\) is before the start date \(2023-02-14\)"):
        make(start="2023-02-14", end="2023-01-01")


def test_timezone_aware_dates_are_converted_to_utc():
    query = make(start="2023-01-01T02:00:00+02:00", end="2023-01-02T00:00:00Z")
    assert query.start == datetime(2023, 1, 1, 0, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("bad", ["2023-13-01", "yesterday", ""])
def test_unreadable_dates_are_named(bad):
    with pytest.raises(QueryError):
        make(start=bad)


@pytest.mark.parametrize("cloud", [-1, 100.5])
def test_cloud_cover_outside_0_100_is_refused(cloud):
    with pytest.raises(QueryError, match="between 0 and 100"):
        make(max_cloud=cloud)


def test_self_intersecting_polygon_is_repaired_and_the_user_told():
    bowtie = "POLYGON((0 0, 1 1, 1 0, 0 1, 0 0))"
    query = make(bowtie)
    assert query.geometry.is_valid
    assert query.geometry.area == pytest.approx(0.5)
    assert any("repaired" in note for note in query.notes)


def test_polygon_that_cannot_be_repaired_is_refused():
    with pytest.raises(QueryError, match="no area|could not be repaired"):
        make("POLYGON((0 0, 1 1, 2 2, 0 0))")


@pytest.mark.parametrize("text,message", [
    ("POLYGON((0 0, 1 1", "not valid WKT"),
    ("{\"type\": \"Polygon\"", "not valid GeoJSON"),
    ("POLYGON((0 0, 1 0, 1 1, 0 1, 0 0))", None),
])
def test_geometry_text_forms(text, message):
    if message:
        with pytest.raises(QueryError, match=message):
            make(text)
    else:
        assert make(text).geometry.area == pytest.approx(1)


def test_geojson_feature_and_ewkt_are_accepted():
    feature = {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [[[3, 47], [4, 47], [4, 48], [3, 47]]]}}
    assert make(feature).geometry.area == pytest.approx(0.5)
    assert make("SRID=4326;" + SQUARE).bbox == pytest.approx((3.0, 47.4, 3.1, 47.5))


def test_projected_coordinates_are_refused_not_searched():
    with pytest.raises(QueryError, match="EPSG:4326"):
        make("POLYGON((500000 5200000, 510000 5200000, 510000 5210000, 500000 5200000))")


def test_aoi_crossing_the_antimeridian_is_split_in_two():
    # continuous longitudes past 180, as the QGIS layer hands over an AOI drawn across the antimeridian
    query = make("POLYGON((170 10, 190 10, 190 20, 170 20, 170 10))")
    assert len(query.parts) == 2
    west, east = sorted(query.parts, key=lambda p: p.bounds[0])
    assert west.bounds == pytest.approx((-180, 10, -170, 20))
    assert east.bounds == pytest.approx((170, 10, 180, 20))
    assert query.geometry.area == pytest.approx(200)
    assert any("antimeridian" in note for note in query.notes)


def test_wrapped_densified_ring_is_unwrapped_then_split():
    # a densified rectangle from 170 to -170 after a transform that wrapped its longitudes
    xs = [170 + i for i in range(21)]
    ring = [((x + 180) % 360 - 180, 10) for x in xs] + [((x + 180) % 360 - 180, 20) for x in reversed(xs)]
    wrapped = Polygon(ring + [ring[0]])
    query = make(unwrap_longitudes(wrapped))
    assert sorted(round(p.bounds[0]) for p in query.parts) == [-180, 170]
    assert query.geometry.area == pytest.approx(200)


def test_wide_polygons_within_180_are_planar_not_wrapped():
    assert make("POLYGON((-100 -10, 100 -10, 100 10, -100 10, -100 -10))").geometry.area == pytest.approx(4000)
    assert make("POLYGON((-180 -90, 180 -90, 180 90, -180 90, -180 -90))").geometry.area == pytest.approx(64800)


def test_point_aoi_becomes_a_tiny_polygon():
    query = make("POINT(3 47)")
    assert query.geometry.geom_type == "Polygon"
    assert query.geometry.contains(Point(3, 47))


def test_many_vertices_are_simplified_for_urls_but_still_cover_the_aoi():
    circle = Point(3, 47).buffer(0.5, 512)
    query = make(circle)
    text = query.wkt(max_vertices=40)
    simplified = wkt.loads(text)
    assert vertex_count(simplified) <= 40
    assert simplified.covers(circle)
    assert len(text) < len(query.wkt()) / 5


def test_covering_simplification_keeps_small_geometries_untouched():
    square = box(0, 0, 1, 1)
    assert covering_simplification(square, 10) is square


def test_filters_are_normalised():
    query = make(tile="T31TEJ", platform="sentinel-2a", orbit_direction="desc", relative_orbit="51")
    assert (query.tile, query.platform, query.orbit_direction, query.relative_orbit) == ("31TEJ", "S2A", "DESCENDING", 51)
    assert make(tile="MGRS-9UWA").tile == "09UWA"


@pytest.mark.parametrize("kw,message", [
    ({"tile": "31TEJX"}, "not an MGRS tile"),
    ({"orbit_direction": "sideways"}, "ascending or descending"),
    ({"relative_orbit": 0}, "out of range"),
    ({"relative_orbit": "abc"}, "whole number"),
    ({"platform": "Sentinel-9Z"}, "Unknown platform"),
    ({"limit": 0}, "at least 1"),
])
def test_bad_filters_get_clear_messages(kw, message):
    with pytest.raises(QueryError, match=message):
        make(**kw)
