"""The area of interest: map tools to draw it (rectangle, polygon), the map extent, selected features.

The tools work in the canvas CRS and emit what was drawn; `AreaOfInterest` turns it into EPSG:4326 (the
core's CRS) and keeps it drawn on the map, in whatever CRS the canvas shows, until it is cleared.
"""
from __future__ import annotations

from typing import Iterable, List, Optional

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCsException,
    QgsGeometry,
    QgsPointXY,
    QgsProject,
    QgsRectangle,
    QgsVectorLayer,
)
from qgis.gui import QgsMapCanvas, QgsMapMouseEvent, QgsMapTool, QgsRubberBand
from qgis.PyQt.QtCore import QObject, Qt, pyqtSignal
from qgis.PyQt.QtGui import QColor, QKeyEvent
from shapely import wkb

from ..geometry import POLYGON_GEOMETRY, aoi_to_wgs84, clamp_extent, wgs84_to_map

WGS84 = QgsCoordinateReferenceSystem("EPSG:4326")

AOI_COLOR = QColor(215, 25, 28)
DRAWING_COLOR = QColor(44, 123, 182)


def _style(band: QgsRubberBand, color: QColor, fill_alpha: int, width: int = 2,
           dashed: bool = False) -> None:
    fill = QColor(color)
    fill.setAlpha(fill_alpha)
    band.setStrokeColor(color)
    band.setFillColor(fill)
    band.setWidth(width)
    if dashed:
        band.setLineStyle(Qt.PenStyle.DashLine)


def to_wgs84(geometry: QgsGeometry, crs: QgsCoordinateReferenceSystem,
             project: Optional[QgsProject] = None) -> QgsGeometry:
    """`geometry` from `crs` to EPSG:4326 (densified first so edges keep their shape; an area drawn across
    the antimeridian keeps continuous longitudes, 170 to 190, for the core to split).

    Raises QgsCsException when the geometry cannot be transformed (outside the CRS's area).
    """
    project = project or QgsProject.instance()
    shape = aoi_to_wgs84(geometry, crs, project.transformContext())
    result = QgsGeometry()
    if not shape.is_empty:
        result.fromWkb(shape.wkb)
    return result


class _BandTool(QgsMapTool):
    """A map tool drawing with a rubber band (`self._band`) that it resets with `_reset()`."""

    def remove(self) -> None:
        """Take the rubber band off the canvas (before the tool is dropped)."""
        self._reset()
        scene = self._band.scene()
        if scene is not None:
            scene.removeItem(self._band)


class RectangleTool(_BandTool):
    """Press, drag and release to draw a rectangle; Esc or a right click cancels."""

    drawn = pyqtSignal(QgsGeometry)  # in the canvas CRS
    cancelled = pyqtSignal()

    def __init__(self, canvas: QgsMapCanvas):
        super().__init__(canvas)
        self._start: Optional[QgsPointXY] = None
        self._band = QgsRubberBand(canvas, POLYGON_GEOMETRY)
        _style(self._band, DRAWING_COLOR, 50, dashed=True)
        self.setCursor(Qt.CursorShape.CrossCursor)

    def _reset(self) -> None:
        self._start = None
        self._band.reset(POLYGON_GEOMETRY)

    def canvasPressEvent(self, event: QgsMapMouseEvent) -> None:  # noqa: N802 (Qt override)
        if event.button() == Qt.MouseButton.LeftButton:
            self._start = self.toMapCoordinates(event.pos())
            self._band.reset(POLYGON_GEOMETRY)
        elif event.button() == Qt.MouseButton.RightButton:
            self._reset()
            self.cancelled.emit()

    def canvasMoveEvent(self, event: QgsMapMouseEvent) -> None:  # noqa: N802
        if self._start is None:
            return
        rect = QgsRectangle(self._start, self.toMapCoordinates(event.pos()))
        self._band.setToGeometry(QgsGeometry.fromRect(rect), None)

    def canvasReleaseEvent(self, event: QgsMapMouseEvent) -> None:  # noqa: N802
        if self._start is None or event.button() != Qt.MouseButton.LeftButton:
            return
        rect = QgsRectangle(self._start, self.toMapCoordinates(event.pos()))
        self._reset()
        if rect.width() <= 0 or rect.height() <= 0:
            return  # a click without a drag: keep waiting for a real rectangle
        self.drawn.emit(QgsGeometry.fromRect(rect))

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        # QgsMapCanvas's convention is backwards: a tool *ignores* an event to say it consumed it.
        if event.key() == Qt.Key.Key_Escape:
            event.ignore()
            self._cancel()

    def _canvas_key(self, event: QKeyEvent) -> None:
        # While a mouse button is down the canvas does not pass keys to the tool, only this signal:
        # that is how Esc cancels a rectangle being dragged.
        if event.key() == Qt.Key.Key_Escape and self._start is not None:
            self._cancel()

    def _cancel(self) -> None:
        self._reset()
        self.cancelled.emit()

    def activate(self) -> None:  # noqa: D102
        super().activate()
        self.canvas().keyPressed.connect(self._canvas_key)

    def deactivate(self) -> None:  # noqa: D102
        self._reset()
        try:
            self.canvas().keyPressed.disconnect(self._canvas_key)
        except (TypeError, RuntimeError):
            pass
        super().deactivate()


class PolygonTool(_BandTool):
    """Left clicks add vertices, a right click finishes (3 vertices at least), Backspace undoes, Esc cancels."""

    drawn = pyqtSignal(QgsGeometry)  # in the canvas CRS
    cancelled = pyqtSignal()

    def __init__(self, canvas: QgsMapCanvas):
        super().__init__(canvas)
        self._points: List[QgsPointXY] = []
        self._band = QgsRubberBand(canvas, POLYGON_GEOMETRY)
        _style(self._band, DRAWING_COLOR, 50, dashed=True)
        self.setCursor(Qt.CursorShape.CrossCursor)

    @property
    def vertex_count(self) -> int:
        """Vertices placed so far."""
        return len(self._points)

    def _reset(self) -> None:
        self._points = []
        self._band.reset(POLYGON_GEOMETRY)

    def _show(self, floating: Optional[QgsPointXY] = None) -> None:
        points = self._points + ([floating] if floating is not None else [])
        self._band.reset(POLYGON_GEOMETRY)
        for index, point in enumerate(points):
            self._band.addPoint(point, index == len(points) - 1)

    def canvasReleaseEvent(self, event: QgsMapMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            self._points.append(self.toMapCoordinates(event.pos()))
            self._show()
        elif event.button() == Qt.MouseButton.RightButton:
            self._finish()

    def canvasMoveEvent(self, event: QgsMapMouseEvent) -> None:  # noqa: N802
        if self._points:
            self._show(self.toMapCoordinates(event.pos()))

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        # QgsMapCanvas's convention is backwards: a tool *ignores* an event to say it consumed it.
        if event.key() == Qt.Key.Key_Escape:
            event.ignore()
            self._reset()
            self.cancelled.emit()
        elif event.key() in (Qt.Key.Key_Backspace, Qt.Key.Key_Delete) and self._points:
            event.ignore()
            self._points.pop()
            self._show()

    def _finish(self) -> None:
        points = self._points
        self._reset()
        if len(points) < 3:
            self.cancelled.emit()  # a right click before three vertices: nothing to search in
            return
        polygon = QgsGeometry.fromPolygonXY([points + [points[0]]])
        if not polygon.isGeosValid():
            repaired = polygon.makeValid()
            polygon = repaired if not repaired.isEmpty() else polygon
        self.drawn.emit(polygon)

    def deactivate(self) -> None:  # noqa: D102
        self._reset()
        super().deactivate()


class AreaOfInterest(QObject):
    """The area to search, in EPSG:4326, drawn on the canvas until cleared."""

    changed = pyqtSignal()  # set, replaced or cleared
    drawing_finished = pyqtSignal()  # a map tool ended (drawn or cancelled); the previous tool is back
    failed = pyqtSignal(str)  # why an area could not be taken (already translated)

    def __init__(self, canvas: QgsMapCanvas, project: Optional[QgsProject] = None, parent: Optional[QObject] = None):
        super().__init__(parent)
        self.canvas = canvas
        self.project = project or QgsProject.instance()
        self._geometry: Optional[QgsGeometry] = None
        self._band = QgsRubberBand(canvas, POLYGON_GEOMETRY)
        _style(self._band, AOI_COLOR, 35)
        self.rectangle_tool = RectangleTool(canvas)
        self.polygon_tool = PolygonTool(canvas)
        self._previous_tool: Optional[QgsMapTool] = None
        for tool in (self.rectangle_tool, self.polygon_tool):
            tool.drawn.connect(self._on_drawn)
            tool.cancelled.connect(self._end_drawing)
        canvas.destinationCrsChanged.connect(self._redraw)

    # ---- state ----------------------------------------------------------------------------------------
    def geometry(self) -> Optional[QgsGeometry]:
        """The area in EPSG:4326, or None."""
        return QgsGeometry(self._geometry) if self._geometry is not None else None

    def wkt(self) -> str:
        """The area as WKT in EPSG:4326 ('' when there is none)."""
        return self._geometry.asWkt(7) if self._geometry is not None else ""

    def shown_geometry(self) -> QgsGeometry:
        """What the map shows of the area (in the canvas CRS; empty when nothing is drawn)."""
        return self._band.asGeometry()

    def is_set(self) -> bool:
        """Whether there is an area."""
        return self._geometry is not None

    def set_geometry(self, geometry: QgsGeometry, crs: QgsCoordinateReferenceSystem) -> bool:
        """Use `geometry` (in `crs`) as the area; False (and `failed`) when it cannot be used."""
        if geometry is None or geometry.isNull() or geometry.isEmpty():
            self.failed.emit(self.tr("The area is empty."))
            return False
        try:
            wgs84 = to_wgs84(geometry, crs, self.project)
        except QgsCsException:
            self.failed.emit(self.tr("The area cannot be converted to longitude/latitude (EPSG:4326) from {crs}.")
                             .format(crs=crs.authid() or crs.description()))
            return False
        if wgs84.isNull() or wgs84.isEmpty():
            self.failed.emit(self.tr("The area lies beyond the poles (latitudes past ±90°): there is nothing there "
                                     "to search."))
            return False
        self._geometry = wgs84
        self._redraw()
        self.changed.emit()
        return True

    def set_wkt(self, wkt: str) -> bool:
        """Use a WKT geometry in EPSG:4326 as the area (restored settings, saved searches)."""
        geometry = QgsGeometry.fromWkt(wkt or "")
        if geometry is None or geometry.isNull():
            return False
        return self.set_geometry(geometry, WGS84)

    def clear(self) -> None:
        """Forget the area and take it off the map."""
        had = self._geometry is not None
        self._geometry = None
        self._band.reset(POLYGON_GEOMETRY)
        if had:
            self.changed.emit()

    def _redraw(self) -> None:
        self._band.reset(POLYGON_GEOMETRY)
        if self._geometry is None:
            return
        destination = self.canvas.mapSettings().destinationCrs()
        try:
            # cut where the map's world ends: an area across the antimeridian shows at both edges of a Web
            # Mercator map, not as the whole world between them
            shown = wgs84_to_map(wkb.loads(bytes(self._geometry.asWkb())), destination,
                                 self.project.transformContext())
        except QgsCsException:
            return  # the canvas CRS cannot show this area; it is still used for searching
        self._band.setToGeometry(shown, None)

    # ---- ways to set it -------------------------------------------------------------------------------
    def start_rectangle(self) -> None:
        """Let the user draw a rectangle on the map."""
        self._start_tool(self.rectangle_tool)

    def start_polygon(self) -> None:
        """Let the user draw a polygon on the map."""
        self._start_tool(self.polygon_tool)

    def _start_tool(self, tool: QgsMapTool) -> None:
        current = self.canvas.mapTool()
        if current not in (self.rectangle_tool, self.polygon_tool):
            self._previous_tool = current
        self.canvas.setMapTool(tool)

    def _on_drawn(self, geometry: QgsGeometry) -> None:
        self.set_geometry(geometry, self.canvas.mapSettings().destinationCrs())
        self._end_drawing()

    def _end_drawing(self) -> None:
        """Give the canvas back to the tool the user had before drawing."""
        tool = self.canvas.mapTool()
        if tool in (self.rectangle_tool, self.polygon_tool):
            if self._previous_tool is not None:
                self.canvas.setMapTool(self._previous_tool)
            else:
                self.canvas.unsetMapTool(tool)
        self._previous_tool = None
        self.drawing_finished.emit()

    def use_extent(self) -> bool:
        """Use the visible map extent."""
        extent = self.canvas.extent()
        if extent.isEmpty():
            self.failed.emit(self.tr("The map shows nothing yet: there is no extent to use."))
            return False
        crs = self.canvas.mapSettings().destinationCrs()
        # zoomed out, the map shows more than the world (latitudes past ±90°, the globe more than once)
        extent = clamp_extent(extent, crs, self.project.transformContext())
        if extent.isEmpty():
            self.failed.emit(self.tr("The map shows only what lies beyond the poles: there is nothing there to "
                                     "search."))
            return False
        return self.set_geometry(QgsGeometry.fromRect(extent), crs)

    def use_selected_features(self, layers: Optional[Iterable[QgsVectorLayer]] = None) -> int:
        """Use the union of the selected features (the given layers, else every vector layer); returns how many."""
        if layers is None:
            layers = [layer for layer in self.project.mapLayers().values() if isinstance(layer, QgsVectorLayer)]
        parts: List[QgsGeometry] = []
        count = 0
        for layer in layers:
            if layer is None or not isinstance(layer, QgsVectorLayer) or layer.selectedFeatureCount() == 0:
                continue
            for feature in layer.getSelectedFeatures():
                geometry = feature.geometry()
                if geometry is None or geometry.isNull() or geometry.isEmpty():
                    continue
                try:
                    parts.append(to_wgs84(geometry, layer.crs(), self.project))
                except QgsCsException:
                    continue
                count += 1
        if not parts:
            self.failed.emit(self.tr("No feature with a geometry is selected: select one in any layer first."))
            return 0
        union = QgsGeometry.unaryUnion(parts) if len(parts) > 1 else parts[0]
        if not self.set_geometry(union, WGS84):
            return 0
        return count

    def shutdown(self) -> None:
        """Remove the rubber bands and the tools from the canvas."""
        try:
            self.canvas.destinationCrsChanged.disconnect(self._redraw)
        except (TypeError, RuntimeError):
            pass
        for tool in (self.rectangle_tool, self.polygon_tool):
            if self.canvas.mapTool() is tool:
                self.canvas.unsetMapTool(tool)
            tool.remove()
        self._band.reset(POLYGON_GEOMETRY)
        scene = self._band.scene()
        if scene is not None:
            scene.removeItem(self._band)
