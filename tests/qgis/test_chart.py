"""The time-series chart (plugin/ui/chart.py): drawn with Qt painting, one line per parcel, points faded by their
valid fraction, a click selects the point's product, CSV and PNG exports; in French the empty chart says so in
French. Points are made by the core's time series on the real COG fixtures served on loopback (two parcels,
three dates built from the single-date files; see tests/support/cogs.py)."""
from __future__ import annotations

import csv
import uuid

import pytest
from qgis.PyQt.QtCore import QPoint, Qt
from qgis.PyQt.QtGui import QColor, QImage
from qgis.PyQt.QtTest import QTest
from shapely.geometry import box

from plugin.core.http import HttpSettings
from plugin.core.subset import Access, Parcel, SeriesPoint, time_series
from plugin.ui.chart import SeriesChart, point_alpha
from tests.core.test_subset import to_lonlat
from tests.qgis.test_i18n import french, private_settings  # noqa: F401 (fixtures)
from tests.support.cog_server import CogServer
from tests.support.cogs import S2_CLEAR, S2_CLOUDY, served_product, utc


@pytest.fixture(scope="module")
def series_points():
    parcels = [Parcel("coast field", to_lonlat(box(762035, 3596025, 763975, 3597975), 32634)),
               Parcel("inland", to_lonlat(box(765035, 3590025, 766975, 3591975), 32634)),
               Parcel("desert", to_lonlat(box(250035, 2750025, 251975, 2751975), 32629))]
    with CogServer() as server:
        base = "/" + uuid.uuid4().hex[:8]
        products = [served_product(server, S2_CLOUDY, utc(2020, 4, day), prefix=base) for day in (1, 11, 21)]
        products.append(served_product(server, S2_CLEAR, utc(2020, 4, 6), prefix=base))  # the desert parcel's
        points = list(time_series(products, parcels, "NDVI", None,
                                  access_for=lambda p: Access(HttpSettings(timeout=10))))
    assert len(points) == 7 and not any(p.error for p in points)
    return points


def rendered(chart: SeriesChart) -> QImage:
    image = QImage(chart.width(), chart.height(), QImage.Format.Format_ARGB32)
    from qgis.PyQt.QtGui import QPainter

    painter = QPainter(image)
    chart.paint(painter)
    painter.end()
    return image


def test_one_line_per_parcel_points_faded_by_valid_fraction(qgis_app, series_points):
    chart = SeriesChart()
    chart.resize(350, 220)
    for point in series_points:  # as they come
        chart.add_point(point)
    image = rendered(chart)
    colors = {chart.color_of(name).name() for name in ("coast field", "inland", "desert")}
    assert len(colors) == 3
    for point in series_points:
        where = chart.position_of(point)
        if point.mean is None:
            assert where is None
            continue
        pixel = QColor(image.pixel(int(round(where.x())), int(round(where.y()))))
        base = chart.color_of(point.parcel)
        # the point's colour over the chart's base, at the opacity of its valid fraction
        back = chart.palette().base().color()
        alpha = point_alpha(point.valid_fraction) / 255
        expected = [round(alpha * c + (1 - alpha) * b) for c, b in
                    ((base.red(), back.red()), (base.green(), back.green()), (base.blue(), back.blue()))]
        assert [pixel.red(), pixel.green(), pixel.blue()] == pytest.approx(expected, abs=3)
    fractions = {round(p.valid_fraction, 2) for p in series_points if p.mean is not None}
    assert len(fractions) >= 2  # points of different opacity were checked
    assert point_alpha(1.0) == 255 and point_alpha(0.0) < point_alpha(0.5) < 255


def test_a_click_on_a_point_selects_its_product(qgis_app, series_points):
    chart = SeriesChart()
    chart.resize(350, 220)
    chart.set_points(series_points)
    chart.show()
    rendered(chart)
    target = next(p for p in series_points if p.mean is not None)
    where = chart.position_of(target)
    chosen = []
    chart.point_selected.connect(chosen.append)
    QTest.mouseClick(chart, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(int(where.x()), int(where.y())))
    QTest.mouseClick(chart, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(2, 2))  # nothing
    assert chosen == [target.product]
    chart.hide()


def test_exports_csv_and_png(qgis_app, series_points, tmp_path):
    chart = SeriesChart()
    chart.resize(350, 220)
    chart.set_points(series_points + [SeriesPoint("x", "p", None, "", "NDVI", error="unreadable")])
    assert chart.export_csv(str(tmp_path / "series.csv")) == 7  # the error row is not a point
    with open(tmp_path / "series.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["parcel"] for r in rows} == {"coast field", "inland", "desert"}
    for row in rows:
        point = next(p for p in series_points if p.parcel == row["parcel"] and p.date.isoformat() == row["date"])
        assert row["mean"] == ("" if point.mean is None else repr(point.mean))
        assert int(row["valid"]) == point.valid and float(row["valid_fraction"]) == pytest.approx(point.valid_fraction)
    assert chart.export_png(str(tmp_path / "series.png"), 640, 320)
    image = QImage(str(tmp_path / "series.png"))
    assert (image.width(), image.height()) == (640, 320)
    assert chart.size().width() == 350  # the widget keeps its own size


def test_empty_chart_says_so_in_french(french):
    from qgis.PyQt.QtCore import QCoreApplication

    assert QCoreApplication.translate("EOPortalsChart", "No statistics yet") == "Pas encore de statistiques"
    chart = SeriesChart()
    chart.resize(300, 200)
    rendered(chart)  # draws the message without a point


def test_date_labels_never_overlap_in_a_narrow_dock(qgis_app, series_points):
    """In a 350 px dock the three x-axis dates ran into each other ("2020-03-082020-03-16"): the first and last
    dates always show, the middle one only when it fits between them."""
    chart = SeriesChart()
    chart.set_points(series_points)
    for width, expected in ((220, 2), (330, None), (800, 3)):  # (at 330 px: whatever the font lets fit)
        chart.resize(width, 220)
        labels = chart.x_labels()
        assert [label for _x, _left, label in labels][::len(labels) - 1] == ["2020-04-01", "2020-04-21"]
        assert expected is None or len(labels) == expected, (width, labels)
        metrics = chart.fontMetrics()
        spans = [(left, left + metrics.horizontalAdvance(label)) for _x, left, label in labels]
        assert all(end < next_start for (_s, end), (next_start, _e) in zip(spans, spans[1:])), (width, spans)
        assert spans[0][0] >= 0 and spans[-1][1] <= width
