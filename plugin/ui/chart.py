"""The time-series chart: dates on x, the index on y, one line per parcel, each point faded by its valid fraction.

Drawn with Qt's own painting (QPainter), so nothing is added to what QGIS ships. Points arrive one by one
(`add_point`, from the series' results as they come) or all at once (`set_points`); a click on a point emits
`point_selected(product title)` so the panel can select that product and show its quicklook. `export_csv` and
`export_png` write what the chart shows.

A point is anything with the attributes of `core.subset.SeriesPoint`: parcel, product, date, portal, index, mean,
median, std, valid, total, valid_fraction, error. Dates without a valid pixel have no value: they are marked
with a small cross on the x axis rather than drawn on the line.
"""
from __future__ import annotations

import csv
import math
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Tuple

from qgis.PyQt.QtCore import QCoreApplication, QPointF, QRectF, Qt, QTimer, pyqtSignal
from qgis.PyQt.QtGui import QColor, QFontMetrics, QImage, QPainter, QPainterPath, QPen
from qgis.PyQt.QtWidgets import QSizePolicy, QWidget

translate = QCoreApplication.translate

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22",
           "#7f7f7f")
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 44, 10, 10, 34
RADIUS = 4.0
REPAINT_MS = 200
CSV_COLUMNS = ("parcel", "date", "product", "portal", "index", "mean", "median", "std", "valid", "total",
               "valid_fraction")


def point_alpha(valid_fraction: float) -> int:
    """Opacity (0-255) of a point: a date seen through clouds (few valid pixels) is faint, a clear one solid."""
    return int(round(255 * (0.15 + 0.85 * max(0.0, min(1.0, valid_fraction)))))


def _timestamp(moment: Optional[datetime]) -> Optional[float]:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


class SeriesChart(QWidget):
    """One line per parcel over time."""

    point_selected = pyqtSignal(str)  # product title

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.setMinimumHeight(160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(False)
        self._points: List[Any] = []
        self._colors: Dict[str, QColor] = {}
        self._range_cache: Optional[Tuple[int, Any]] = None
        # points arriving one by one are drawn together at most every REPAINT_MS: a paint of hundreds of points
        # per arriving point would hold the main thread
        self._repaint = QTimer(self)
        self._repaint.setSingleShot(True)
        self._repaint.setInterval(REPAINT_MS)
        self._repaint.timeout.connect(self.update)
        self.index_name = ""

    # -- data --------------------------------------------------------------------------------------------------
    def clear(self) -> None:
        self._points = []
        self._colors = {}
        self._range_cache = None
        self.update()

    def set_points(self, points) -> None:
        self.clear()
        for point in points:
            self._add(point)
        self.update()

    def add_point(self, point) -> None:
        """One more point (main thread), drawn with the others that arrive within REPAINT_MS."""
        self._add(point)
        if not self._repaint.isActive():
            self._repaint.start()

    def _add(self, point) -> None:
        if getattr(point, "error", ""):
            return
        self._points.append(point)
        if point.parcel not in self._colors:
            self._colors[point.parcel] = QColor(PALETTE[len(self._colors) % len(PALETTE)])
        self.index_name = self.index_name or point.index

    def points(self) -> List[Any]:
        return list(self._points)

    def color_of(self, parcel: str) -> Optional[QColor]:
        return self._colors.get(parcel)

    # -- geometry ----------------------------------------------------------------------------------------------
    def _ranges(self) -> Optional[Tuple[float, float, float, float]]:
        """Time and value ranges of the points (cached until the points change: a paint asks for each point)."""
        if self._range_cache is None or self._range_cache[0] != len(self._points):
            self._range_cache = (len(self._points), self._compute_ranges())
        return self._range_cache[1]

    def _compute_ranges(self) -> Optional[Tuple[float, float, float, float]]:
        times = [_timestamp(p.date) for p in self._points if p.date is not None]
        values = [p.mean for p in self._points if p.mean is not None]
        if not times:
            return None
        t0, t1 = min(times), max(times)
        if t1 == t0:
            t0, t1 = t0 - 43200, t1 + 43200
        v0, v1 = (min(values), max(values)) if values else (0.0, 1.0)
        if v1 == v0:
            v0, v1 = v0 - 0.05, v1 + 0.05
        pad = (v1 - v0) * 0.08
        return t0, t1, v0 - pad, v1 + pad

    def _plot_rect(self) -> QRectF:
        return QRectF(MARGIN_LEFT, MARGIN_TOP, max(10.0, self.width() - MARGIN_LEFT - MARGIN_RIGHT),
                      max(10.0, self.height() - MARGIN_TOP - MARGIN_BOTTOM))

    def position_of(self, point) -> Optional[QPointF]:
        """Where `point` is drawn (None when it has no value or no date)."""
        ranges = self._ranges()
        if ranges is None or point.date is None or point.mean is None:
            return None
        t0, t1, v0, v1 = ranges
        rect = self._plot_rect()
        x = rect.left() + (_timestamp(point.date) - t0) / (t1 - t0) * rect.width()
        y = rect.bottom() - (point.mean - v0) / (v1 - v0) * rect.height()
        return QPointF(x, y)

    def x_labels(self, metrics: Optional[QFontMetrics] = None) -> List[Tuple[float, float, str]]:
        """(tick x, text left, date) of the x axis: the first and last dates, and the middle one when it fits
        between them without touching either (a narrow dock has room for two)."""
        ranges = self._ranges()
        if ranges is None:
            return []
        metrics = metrics or self.fontMetrics()
        t0, t1 = ranges[0], ranges[1]
        rect = self._plot_rect()
        gap = metrics.horizontalAdvance("  ")
        placed: Dict[float, Tuple[float, float, str]] = {}
        for fraction in (0.0, 1.0, 0.5):
            label = datetime.fromtimestamp(t0 + (t1 - t0) * fraction, tz=timezone.utc).strftime("%Y-%m-%d")
            x = rect.left() + rect.width() * fraction
            width = metrics.horizontalAdvance(label)
            left = min(max(0.0, x - width / 2), self.width() - width)
            if fraction == 0.5 and placed:
                first_end = placed[0.0][1] + metrics.horizontalAdvance(placed[0.0][2])
                if left < first_end + gap or left + width + gap > placed[1.0][1]:
                    continue
            placed[fraction] = (x, left, label)
        return [placed[f] for f in sorted(placed)]

    # -- painting ----------------------------------------------------------------------------------------------
    def paintEvent(self, event) -> None:  # noqa: N802 (Qt)
        painter = QPainter(self)
        try:
            self.paint(painter)
        finally:
            painter.end()

    def paint(self, painter: QPainter) -> None:
        """Draw the chart with `painter` (the widget, or an image for PNG export)."""
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.fillRect(QRectF(0, 0, self.width(), self.height()), self.palette().base())
        rect = self._plot_rect()
        text_color = self.palette().text().color()
        painter.setPen(QPen(text_color, 1))
        painter.drawRect(rect)
        ranges = self._ranges()
        if ranges is None:
            painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter),
                             translate("EOPortalsChart", "No statistics yet"))
            return
        t0, t1, v0, v1 = ranges
        metrics = QFontMetrics(painter.font())
        # y ticks: 5 values
        for step in range(5):
            value = v0 + (v1 - v0) * step / 4
            y = rect.bottom() - rect.height() * step / 4
            painter.drawLine(QPointF(rect.left() - 3, y), QPointF(rect.left(), y))
            label = f"{value:.2f}"
            painter.drawText(QRectF(0, y - 8, MARGIN_LEFT - 5, 16),
                             int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), label)
        # x ticks: first, middle and last date
        for x, left, label in self.x_labels(metrics):
            painter.drawLine(QPointF(x, rect.bottom()), QPointF(x, rect.bottom() + 3))
            painter.drawText(QPointF(left, rect.bottom() + 4 + metrics.ascent()), label)
        by_parcel: Dict[str, List[Any]] = {}
        for point in self._points:
            by_parcel.setdefault(point.parcel, []).append(point)
        width, height = rect.width(), rect.height()
        left, bottom = rect.left(), rect.bottom()
        base = self.palette().base()
        for parcel, points in by_parcel.items():
            color = self._colors[parcel]
            ordered = sorted((p for p in points if p.date is not None), key=lambda p: _timestamp(p.date))
            placed = []  # (x, y or None, point), computed once per paint
            for point in ordered:
                x = left + (_timestamp(point.date) - t0) / (t1 - t0) * width
                y = None if point.mean is None else bottom - (point.mean - v0) / (v1 - v0) * height
                placed.append((x, y, point))
            path = QPainterPath()
            started = False
            for x, y, _point in placed:
                if y is None:
                    continue
                if started:
                    path.lineTo(x, y)
                else:
                    path.moveTo(x, y)
                    started = True
            line = QColor(color)
            line.setAlpha(160)
            painter.setPen(QPen(line, 1.5))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(path)
            fills: Dict[int, QColor] = {}
            for x, y, point in placed:
                if y is None:  # no valid pixel that date: a cross on the x axis
                    painter.setPen(QPen(color, 1))
                    painter.drawLine(QPointF(x - 3, bottom - 3), QPointF(x + 3, bottom + 3))
                    painter.drawLine(QPointF(x - 3, bottom + 3), QPointF(x + 3, bottom - 3))
                    continue
                alpha = point_alpha(point.valid_fraction)
                fill = fills.get(alpha)
                if fill is None:
                    fill = fills[alpha] = QColor(color)
                    fill.setAlpha(alpha)
                where = QPointF(x, y)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(base)  # the line does not show through a faded point
                painter.drawEllipse(where, RADIUS, RADIUS)
                painter.setBrush(fill)
                painter.drawEllipse(where, RADIUS, RADIUS)

    # -- interaction -------------------------------------------------------------------------------------------
    def point_at(self, x: float, y: float, tolerance: float = 8.0):
        """The drawn point nearest to (x, y) within `tolerance` pixels, or None."""
        best, best_distance = None, tolerance
        for point in self._points:  # positions at the current size (the last paint may be older)
            where = self.position_of(point)
            if where is None:
                continue
            distance = math.hypot(where.x() - x, where.y() - y)
            if distance <= best_distance:
                best, best_distance = point, distance
        return best

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt)
        position = event.pos() if hasattr(event, "pos") else event.position().toPoint()
        point = self.point_at(position.x(), position.y())
        if point is not None:
            self.point_selected.emit(point.product)
        super().mousePressEvent(event)

    # -- export --------------------------------------------------------------------------------------------------
    def export_csv(self, path: str) -> int:
        """Every point as a CSV row (UTF-8, comma-separated); returns the rows written."""
        rows = 0
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(CSV_COLUMNS)
            for p in sorted(self._points, key=lambda p: (p.parcel, _timestamp(p.date) or 0.0)):
                writer.writerow([p.parcel, p.date.isoformat() if p.date else "", p.product, p.portal, p.index,
                                 _number(p.mean), _number(p.median), _number(p.std), p.valid, p.total,
                                 f"{p.valid_fraction:.6f}"])
                rows += 1
        return rows

    def export_png(self, path: str, width: int = 800, height: int = 400) -> bool:
        """The chart drawn at `width` x `height` into a PNG file."""
        old = self.size()
        self.resize(width, height)
        image = QImage(width, height, QImage.Format.Format_ARGB32)
        painter = QPainter(image)
        try:
            self.paint(painter)
        finally:
            painter.end()
        self.resize(old)
        return image.save(path, "PNG")


def _number(value: Optional[float]) -> str:
    return "" if value is None else repr(float(value))
