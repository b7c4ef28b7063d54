"""What to search for: the area of interest, the collection, the dates (or the last N days), the cloud cover and the
filters the collection's mission supports."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Dict, Iterable, List, Optional, Set

from qgis.core import Qgis, QgsGeometry, QgsProject, QgsVectorLayer
from qgis.gui import QgsCollapsibleGroupBox
from qgis.PyQt.QtCore import QDate, Qt, pyqtSignal
from qgis.PyQt.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSlider,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .. import settings as prefs
from ..core.catalog import Catalog, Portal
from ..core.errors import QueryError
from ..core.export import SavedSearch
from ..core.query import SearchQuery
from .aoi_tools import AreaOfInterest
from .common import data_text, tool_button

PRESET_DAYS = (7, 30, 90)


def _select_data(combo: QComboBox, value: str) -> None:
    index = combo.findData(value)
    combo.setCurrentIndex(index if index >= 0 else 0)


def format_area(value: float) -> str:
    """An area in km², with as many decimals as make sense."""
    if value >= 100:
        return f"{value:,.0f}".replace(",", " ")
    return f"{value:.1f}" if value >= 1 else f"{value:.3f}"


class SearchForm(QWidget):
    """The query side of the panel: boxes for the area, the filters and the advanced filters (`add_section()`
    puts another box, the portals, before the advanced filters).

    In: `set_catalog()`, `set_collection()`, `set_dates()`, `set_date_preset()`, `apply_saved_search()`,
    `restore(preferences)`. Out: `build_query()`, `saved_search()`, `save_to(preferences)`, `collection_changed(id)`,
    `message(text, level)`.
    """

    collection_changed = pyqtSignal(str)
    message = pyqtSignal(str, object)  # text, Qgis.MessageLevel

    def __init__(self, iface, project: QgsProject, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.iface = iface
        self.project = project
        self.catalog: Optional[Catalog] = None
        self.aoi = AreaOfInterest(iface.mapCanvas(), project, self)
        self._setting_dates = False
        self.date_preset = 0
        self._build()
        self._connect()
        self._update_aoi_label()

    # ---- construction -----------------------------------------------------------------------------
    def _build(self) -> None:  # noqa: PLR0915 (one place that lays the form out)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(4)

        self.aoi_box = QgsCollapsibleGroupBox(self.tr("Area of interest"))
        aoi_layout = QVBoxLayout(self.aoi_box)
        aoi_layout.setSpacing(4)
        buttons = QGridLayout()
        buttons.setSpacing(2)
        self.rectangle_button = tool_button("/mActionRectangleExtent.svg", self.tr("Rectangle"),
                                            self.tr("Draw a rectangle on the map (Esc cancels)"), True)
        self.polygon_button = tool_button("/mActionCapturePolygon.svg", self.tr("Polygon"),
                                          self.tr("Draw a polygon on the map: click to add vertices, "
                                                  "right click to finish, Backspace to undo, Esc to cancel"), True)
        self.extent_button = tool_button("/mActionSetToCanvasExtent.svg", self.tr("Extent"),
                                         self.tr("Use the extent the map shows now"))
        self.selection_button = tool_button("/mActionFromSelectedFeature.svg", self.tr("Selected features"),
                                            self.tr("Use the selected features (of the active layer, "
                                                    "else of every layer)"))
        self.clear_aoi_button = tool_button("/mIconClearItem.svg", self.tr("Clear"),
                                            self.tr("Remove the area of interest from the map"))
        # two columns: three buttons in a row made the filters wider than a 350 px dock (in French at once)
        buttons.addWidget(self.rectangle_button, 0, 0)
        buttons.addWidget(self.polygon_button, 0, 1)
        buttons.addWidget(self.selection_button, 1, 0)
        buttons.addWidget(self.extent_button, 1, 1)
        buttons.addWidget(self.clear_aoi_button, 2, 1)
        aoi_layout.addLayout(buttons)
        self.aoi_label = QLabel()
        self.aoi_label.setWordWrap(True)
        self.aoi_label.setObjectName("aoiLabel")
        aoi_layout.addWidget(self.aoi_label)
        self._layout.addWidget(self.aoi_box)

        self.filters_box = QgsCollapsibleGroupBox(self.tr("Filters"))
        form = QFormLayout(self.filters_box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setSpacing(4)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.collection_combo = QComboBox()
        self.collection_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.collection_combo.setMinimumContentsLength(10)
        self.collection_combo.setToolTip(self.tr("The kind of products to search for"))
        form.addRow(self.tr("Collection"), self.collection_combo)

        dates = QHBoxLayout()
        dates.setSpacing(4)
        self.start_edit = QDateEdit()
        self.end_edit = QDateEdit()
        for edit in (self.start_edit, self.end_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setMinimumDate(QDate(1972, 7, 23))
        self.start_edit.setToolTip(self.tr("First day of acquisition (UTC)"))
        self.end_edit.setToolTip(self.tr("Last day of acquisition (UTC), included"))
        dates.addWidget(self.start_edit, 1)
        dates.addWidget(QLabel("–"))
        dates.addWidget(self.end_edit, 1)
        form.addRow(self.tr("Dates"), dates)
        presets = QHBoxLayout()
        presets.setSpacing(2)
        self.preset_buttons: Dict[int, QToolButton] = {}
        for days in PRESET_DAYS:
            button = QToolButton()
            button.setText(self.tr("{days} days").format(days=days))
            button.setCheckable(True)
            button.setAutoRaise(False)
            button.setToolTip(self.tr("From {days} days ago until today").format(days=days))
            button.clicked.connect(lambda _checked=False, d=days: self.set_date_preset(d))
            self.preset_buttons[days] = button
            presets.addWidget(button)
        presets.addStretch(1)
        form.addRow(self.tr("Last"), presets)

        cloud = QHBoxLayout()
        self.cloud_slider = QSlider(Qt.Orientation.Horizontal)
        self.cloud_slider.setRange(0, 100)
        self.cloud_slider.setSingleStep(5)
        self.cloud_slider.setPageStep(10)
        self.cloud_slider.setToolTip(self.tr("Maximum cloud cover; at 100 % products without a cloud cover are kept too"))
        self.cloud_value = QLabel()
        self.cloud_value.setMinimumWidth(self.cloud_value.fontMetrics().horizontalAdvance("≤ 100 %") + 4)
        cloud.addWidget(self.cloud_slider, 1)
        cloud.addWidget(self.cloud_value)
        self.cloud_label = QLabel(self.tr("Cloud cover"))
        form.addRow(self.cloud_label, cloud)
        self.filters_form = form
        self._layout.addWidget(self.filters_box)

        self.advanced_box = QgsCollapsibleGroupBox(self.tr("Advanced filters"))
        advanced = QFormLayout(self.advanced_box)
        advanced.setSpacing(4)
        self.orbit_direction_combo = QComboBox()
        self.orbit_direction_combo.addItem(self.tr("Any"), "")
        self.orbit_direction_combo.addItem(self.tr("Ascending"), "ASCENDING")
        self.orbit_direction_combo.addItem(self.tr("Descending"), "DESCENDING")
        self.relative_orbit_spin = QSpinBox()
        self.relative_orbit_spin.setRange(0, 233)
        self.relative_orbit_spin.setSpecialValueText(self.tr("Any"))
        self.relative_orbit_spin.setToolTip(self.tr("Relative orbit number (Sentinel-1: 1-175, Sentinel-2: 1-143)"))
        self.tile_edit = QLineEdit()
        self.tile_edit.setPlaceholderText(self.tr("e.g. 31TCJ"))
        self.tile_edit.setMaxLength(10)
        self.tile_edit.setClearButtonEnabled(True)
        self.tile_edit.setToolTip(self.tr("Sentinel-2 MGRS tile"))
        self.platform_combo = QComboBox()
        self.orbit_direction_label = QLabel(self.tr("Orbit direction"))
        self.relative_orbit_label = QLabel(self.tr("Relative orbit"))
        self.tile_label = QLabel(self.tr("MGRS tile"))
        self.platform_label = QLabel(self.tr("Platform"))
        advanced.addRow(self.orbit_direction_label, self.orbit_direction_combo)
        advanced.addRow(self.relative_orbit_label, self.relative_orbit_spin)
        advanced.addRow(self.tile_label, self.tile_edit)
        advanced.addRow(self.platform_label, self.platform_combo)
        self._layout.addWidget(self.advanced_box)
        self._layout.addStretch(1)

    def _connect(self) -> None:
        self.rectangle_button.clicked.connect(self._draw_rectangle)
        self.polygon_button.clicked.connect(self._draw_polygon)
        self.extent_button.clicked.connect(self.aoi.use_extent)
        self.selection_button.clicked.connect(self._use_selection)
        self.clear_aoi_button.clicked.connect(self.aoi.clear)
        self.aoi.changed.connect(self._on_aoi_changed)
        self.aoi.failed.connect(lambda text: self.message.emit(text, Qgis.MessageLevel.Warning))
        self.aoi.drawing_finished.connect(self._drawing_finished)
        self.collection_combo.currentIndexChanged.connect(self._on_collection_changed)
        self.filters_box.collapsedStateChanged.connect(self._apply_filter_visibility)
        self.advanced_box.collapsedStateChanged.connect(self._apply_filter_visibility)
        self.start_edit.dateChanged.connect(self._on_dates_edited)
        self.end_edit.dateChanged.connect(self._on_dates_edited)
        self.cloud_slider.valueChanged.connect(self._update_cloud_label)

    def add_section(self, widget: QWidget) -> None:
        """Put a box of another part (the portals) before the advanced filters."""
        self._layout.insertWidget(self._layout.indexOf(self.advanced_box), widget)

    # ---- values -----------------------------------------------------------------------------------
    def set_catalog(self, catalog: Catalog, portals: Iterable[Portal]) -> None:
        """Offer the catalog's collections that one of `portals` (those the panel lists) offers."""
        self.catalog = catalog
        portals = list(portals)
        self.collection_combo.blockSignals(True)
        self.collection_combo.clear()
        for collection in catalog.collections.values():
            if any(p.supports(collection.id) for p in portals):
                self.collection_combo.addItem(data_text(collection.title), collection.id)
                index = self.collection_combo.count() - 1
                self.collection_combo.setItemData(index, collection.id, Qt.ItemDataRole.ToolTipRole)
        self.collection_combo.blockSignals(False)

    def collection(self) -> str:
        """The unified collection id chosen."""
        return self.collection_combo.currentData() or ""

    def set_collection(self, collection_id: str) -> bool:
        """Choose a collection by unified id; False when it is not offered."""
        index = self.collection_combo.findData(collection_id)
        if index < 0:
            return False
        self.collection_combo.setCurrentIndex(index)
        return True

    def set_dates(self, start: date, end: date) -> None:
        """Set the date range (clears the "last N days" preset)."""
        self._setting_dates = True
        try:
            self.start_edit.setDate(QDate(start.year, start.month, start.day))
            self.end_edit.setDate(QDate(end.year, end.month, end.day))
        finally:
            self._setting_dates = False
        self._set_preset(0)

    def set_date_preset(self, days: int) -> None:
        """Search the last `days` days, until today (UTC)."""
        today = datetime.now(timezone.utc).date()
        self._setting_dates = True
        try:
            start = today - timedelta(days=days)
            self.start_edit.setDate(QDate(start.year, start.month, start.day))
            self.end_edit.setDate(QDate(today.year, today.month, today.day))
        finally:
            self._setting_dates = False
        self._set_preset(days)

    def build_query(self, limit: int) -> SearchQuery:
        """The SearchQuery the form describes (at most `limit` products per portal and page); QueryError with a
        message for the user when it cannot."""
        if not self.aoi.is_set():
            raise QueryError(self.tr("Draw an area of interest first (or use the map extent or selected features)."))
        collection = self.collection()
        if not collection:
            raise QueryError(self.tr("Choose a collection."))
        if self.end_edit.date() < self.start_edit.date():
            raise QueryError(self.tr("The end date ({end}) is before the start date ({start}).").format(
                end=self.end_edit.date().toString("yyyy-MM-dd"), start=self.start_edit.date().toString("yyyy-MM-dd")))
        filters = self._available_filters(collection)
        optical = self._is_optical(collection)
        cloud = self.cloud_slider.value()
        return SearchQuery.create(
            self.aoi.wkt(),
            self.start_edit.date().toString("yyyy-MM-dd"),
            self.end_edit.date().toString("yyyy-MM-dd"),
            collection,
            max_cloud=float(cloud) if optical and cloud < 100 else None,
            orbit_direction=(self.orbit_direction_combo.currentData() or None) if "orbit_direction" in filters else None,
            relative_orbit=(self.relative_orbit_spin.value() or None) if "relative_orbit" in filters else None,
            tile=(self.tile_edit.text().strip() or None) if "tile" in filters else None,
            platform=(self.platform_combo.currentData() or None) if "platform" in filters else None,
            limit=max(1, limit),
        )

    def saved_search(self, portals: List[str]) -> SavedSearch:
        """The form's search, to go to `portals`, as a SavedSearch (for "Save search")."""
        query = self.build_query(limit=1)
        return SavedSearch(
            geometry_wkt=self.aoi.wkt(),
            collection=query.collection,
            start=self.start_edit.date().toString("yyyy-MM-dd"),
            end=self.end_edit.date().toString("yyyy-MM-dd"),
            last_days=self.date_preset,
            max_cloud=query.max_cloud,
            orbit_direction=query.orbit_direction or "",
            relative_orbit=query.relative_orbit,
            tile=query.tile or "",
            platform=self.platform_combo.currentData() or "",
            portals=portals,
        )

    def apply_saved_search(self, saved: SavedSearch) -> None:
        """Put a saved search's area and filters in the form (its portals are the portal list's)."""
        self.aoi.set_wkt(saved.geometry_wkt)
        if not self.set_collection(saved.collection):
            raise QueryError(self.tr("The collection {collection} is not offered by any portal shown.")
                             .format(collection=saved.collection))
        if saved.last_days:
            self.set_date_preset(int(saved.last_days))
        else:
            self.set_dates(date.fromisoformat(saved.start), date.fromisoformat(saved.end))
        self.cloud_slider.setValue(int(saved.max_cloud) if saved.max_cloud is not None else 100)
        _select_data(self.orbit_direction_combo, saved.orbit_direction or "")
        self.relative_orbit_spin.setValue(int(saved.relative_orbit or 0))
        self.tile_edit.setText(saved.tile or "")
        _select_data(self.platform_combo, saved.platform or "")

    def save_to(self, p: prefs.SearchPreferences) -> None:
        """Copy the form's values into the preferences (the caller saves them)."""
        p.collection = self.collection() or p.collection
        p.date_preset = self.date_preset
        p.start_date = self.start_edit.date().toString("yyyy-MM-dd")
        p.end_date = self.end_edit.date().toString("yyyy-MM-dd")
        p.max_cloud = self.cloud_slider.value()
        p.orbit_direction = self.orbit_direction_combo.currentData() or ""
        p.relative_orbit = self.relative_orbit_spin.value()
        p.tile = self.tile_edit.text().strip()
        p.platform = self.platform_combo.currentData() or ""
        p.advanced_open = not self.advanced_box.isCollapsed()
        p.aoi_wkt = self.aoi.wkt()

    def restore(self, p: prefs.SearchPreferences) -> None:
        """Put the values of the last session in the form."""
        if not self.set_collection(p.collection) and self.collection_combo.count():
            self.collection_combo.setCurrentIndex(0)
        self._on_collection_changed()
        if p.date_preset:
            self.set_date_preset(p.date_preset)
        else:
            try:
                self.set_dates(date.fromisoformat(p.start_date), date.fromisoformat(p.end_date))
            except ValueError:
                self.set_date_preset(30)
        self.cloud_slider.setValue(max(0, min(100, p.max_cloud)))
        self._update_cloud_label(self.cloud_slider.value())
        _select_data(self.orbit_direction_combo, p.orbit_direction)
        self.relative_orbit_spin.setValue(max(0, min(233, p.relative_orbit)))
        self.tile_edit.setText(p.tile)
        _select_data(self.platform_combo, p.platform)
        self.advanced_box.setCollapsed(not p.advanced_open)
        if p.aoi_wkt:
            self.aoi.set_wkt(p.aoi_wkt)

    def shutdown(self) -> None:
        """Map tools and rubber bands off the canvas."""
        self.aoi.shutdown()

    # ---- filters ----------------------------------------------------------------------------------
    def _is_optical(self, collection_id: str) -> bool:
        collection = self.catalog.collections.get(collection_id) if self.catalog else None
        return bool(collection and collection.optical)

    def _available_filters(self, collection_id: str) -> Set[str]:
        collection = self.catalog.collections.get(collection_id) if self.catalog else None
        return set(collection.filters if collection else ())  # its traits: plugin/core/catalog.json

    def _on_collection_changed(self) -> None:
        collection = self.collection()
        self._apply_filter_visibility()
        current_platform = self.platform_combo.currentData() or ""
        self.platform_combo.clear()
        self.platform_combo.addItem(self.tr("Any"), "")
        traits = self.catalog.collections.get(collection) if self.catalog else None
        for platform in traits.platforms if traits else ():
            self.platform_combo.addItem(platform, platform)
        _select_data(self.platform_combo, current_platform)
        self.collection_changed.emit(collection)

    def _apply_filter_visibility(self, *_args) -> None:
        """Show the filters the collection supports (again after a group box expands: it shows its children)."""
        collection = self.collection()
        optical = self._is_optical(collection)
        if not self.filters_box.isCollapsed():
            for widget in (self.cloud_label, self.cloud_slider, self.cloud_value):
                widget.setVisible(optical)
        filters = self._available_filters(collection)
        if not self.advanced_box.isCollapsed():
            for name, widgets in (
                ("orbit_direction", (self.orbit_direction_label, self.orbit_direction_combo)),
                ("relative_orbit", (self.relative_orbit_label, self.relative_orbit_spin)),
                ("tile", (self.tile_label, self.tile_edit)),
                ("platform", (self.platform_label, self.platform_combo)),
            ):
                for widget in widgets:
                    widget.setVisible(name in filters)
        self.advanced_box.setVisible(bool(filters))

    def _update_cloud_label(self, value: int) -> None:
        self.cloud_value.setText(self.tr("any") if value >= 100 else self.tr("≤ {value} %").format(value=value))

    def _on_dates_edited(self) -> None:
        if not self._setting_dates:
            self._set_preset(0)

    def _set_preset(self, days: int) -> None:
        self.date_preset = days
        for preset, button in self.preset_buttons.items():
            button.setChecked(preset == days)

    # ---- area of interest -------------------------------------------------------------------------
    def _draw_rectangle(self) -> None:
        self.polygon_button.setChecked(False)
        self.rectangle_button.setChecked(True)
        self.aoi.start_rectangle()

    def _draw_polygon(self) -> None:
        self.rectangle_button.setChecked(False)
        self.polygon_button.setChecked(True)
        self.aoi.start_polygon()

    def _drawing_finished(self) -> None:
        self.rectangle_button.setChecked(False)
        self.polygon_button.setChecked(False)

    def _use_selection(self) -> None:
        active = self.iface.activeLayer() if hasattr(self.iface, "activeLayer") else None
        if isinstance(active, QgsVectorLayer) and active.selectedFeatureCount() > 0:
            self.aoi.use_selected_features([active])
        else:
            self.aoi.use_selected_features()

    def _on_aoi_changed(self) -> None:
        self._update_aoi_label()
        prefs.set_last_aoi(self.aoi.wkt())

    def _update_aoi_label(self) -> None:
        geometry = self.aoi.geometry()
        self.clear_aoi_button.setEnabled(geometry is not None)
        if geometry is None:
            self.aoi_label.setText(self.tr("No area yet: draw one on the map, or use the map extent or the selected "
                                           "features."))
            return
        box = geometry.boundingBox()
        area_km2 = self._area_km2(geometry)
        self.aoi_label.setText(self.tr("Area of {area} km², from {west:.3f}, {south:.3f} to {east:.3f}, {north:.3f} "
                                       "(lon, lat)").format(area=format_area(area_km2), west=box.xMinimum(),
                                                            south=box.yMinimum(), east=box.xMaximum(),
                                                            north=box.yMaximum()))

    def _area_km2(self, geometry: QgsGeometry) -> float:
        from ..geometry import area_km2  # edges straight in lon/lat, right for any width (QgsDistanceArea is not)

        return area_km2(geometry)
