"""What the panel's parts share: theme icons, the log, and the texts that reach the panel as
data (translated when shown)."""
from __future__ import annotations

from qgis.core import Qgis, QgsApplication, QgsMessageLog
from qgis.PyQt.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QSize, Qt
from qgis.PyQt.QtGui import QColor, QIcon, QPainter, QPixmap
from qgis.PyQt.QtWidgets import QComboBox, QFormLayout, QLabel, QMenu, QSizePolicy, QToolButton

from ..core.search import Outcome
from ..log import message_lead

LOG_TAG = "EO Portals"
DATA_CONTEXT = "EOPortalsDock"

# Texts that reach the panel as data (catalog collection titles, the core's notes on the area): listed here
# so that pylupdate puts them in the .ts file; the panel translates them with data_text() when it shows them.
_DATA_TEXTS = (
    QT_TRANSLATE_NOOP("EOPortalsDock", "Sentinel-2 L1C (top-of-atmosphere reflectance)"),
    QT_TRANSLATE_NOOP("EOPortalsDock", "Sentinel-2 L2A (surface reflectance)"),
    QT_TRANSLATE_NOOP("EOPortalsDock", "Sentinel-1 GRD (ground range detected)"),
    QT_TRANSLATE_NOOP("EOPortalsDock", "Sentinel-1 SLC (single look complex)"),
    QT_TRANSLATE_NOOP("EOPortalsDock", "Landsat 8-9 Collection 2 Level-2 (surface reflectance)"),
    QT_TRANSLATE_NOOP("EOPortalsDock", "The area of interest was self-intersecting and has been repaired."),
    QT_TRANSLATE_NOOP("EOPortalsDock", "The area of interest crosses the antimeridian and has been split in two."),
    # The core's fixed QueryError messages (query.py, export.py) the panel shows; those with a value in them
    # stay English.
    QT_TRANSLATE_NOOP("EOPortalsDock", "The area of interest is not valid WKT."),
    QT_TRANSLATE_NOOP("EOPortalsDock", "An area of interest is needed: draw one, or give a WKT or GeoJSON geometry."),
    QT_TRANSLATE_NOOP("EOPortalsDock", "The area of interest is wider than the whole globe."),
    QT_TRANSLATE_NOOP("EOPortalsDock", "The area of interest lies outside longitudes -180..180 and latitudes -90..90."),
    QT_TRANSLATE_NOOP("EOPortalsDock", "Both a start and an end date are needed."),
    QT_TRANSLATE_NOOP("EOPortalsDock", "The area of interest is empty."),
    QT_TRANSLATE_NOOP("EOPortalsDock", "The area of interest is an invalid polygon that could not be repaired."),
    QT_TRANSLATE_NOOP("EOPortalsDock", "The area of interest has no area."),
    QT_TRANSLATE_NOOP("EOPortalsDock",
                      "The area of interest is not in longitude/latitude (EPSG:4326): latitudes exceed ±90°."),
    QT_TRANSLATE_NOOP("EOPortalsDock",
                      "The area of interest is not in longitude/latitude (EPSG:4326): longitudes exceed ±180°."),
    QT_TRANSLATE_NOOP("EOPortalsDock", "This file is not an EO Portals saved search."),
    QT_TRANSLATE_NOOP("EOPortalsDock", "This saved search was written by a newer version of EO Portals."),
    QT_TRANSLATE_NOOP("EOPortalsDock", "The saved search has no area of interest or no collection."),
    QT_TRANSLATE_NOOP("EOPortalsDock", "The saved search's portals must be a list."),
)


def data_text(text: str) -> str:
    """A text that came as data (a collection title, a note or message of the core), in the user's language when
    it is one of those listed above, else as it came."""
    return QCoreApplication.translate(DATA_CONTEXT, text)


def push_message(bar, title: str, text: str, level: Qgis.MessageLevel, duration: int) -> None:
    """A message in QGIS's message bar, which shows one line: a longer text shows its lead there, and the whole
    of it behind the bar's "Show more"."""
    lead = message_lead(bar, title, text)
    if lead:
        bar.pushMessage(title, lead, text, level, duration)
    else:
        bar.pushMessage(title, text, level=level, duration=duration)


class WrappingLabel(QLabel):
    """A word-wrapped label that keeps the height of all its lines as its minimum height, and does not report a
    height-for-width to its layout: a tab's scroll area then sized the whole tab by height-for-width (every list
    at its full length) and pushed the last rows out of sight."""

    def __init__(self, text: str = "", parent=None):
        super().__init__(text, parent)
        self.setWordWrap(True)

    def setText(self, text: str) -> None:  # noqa: N802 (Qt override)
        super().setText(text)
        self._fit()

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt override)
        return False

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        if self.width() > 0:
            needed = self.heightForWidth(self.width())
            if needed > 0 and needed != self.minimumHeight():
                self.setMinimumHeight(needed)


def narrow(combo: QComboBox, characters: int = 8) -> QComboBox:
    """A combo box that may be narrower than its longest item (its list still shows them whole), so a long item,
    or a longer French one, never widens the panel past QGIS's 350 px dock."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(characters)
    return combo


def narrow_form(form: QFormLayout) -> QFormLayout:
    """A form whose long rows put their field under the label rather than widen the panel."""
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
    return form


def icon(name: str) -> QIcon:
    """One of QGIS's theme icons ("/search.svg")."""
    return QgsApplication.getThemeIcon(name)


def dot(color: QColor, size: int = 12) -> QIcon:
    """A round status dot."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(color)
    painter.setPen(color.darker(130))
    painter.drawEllipse(1, 1, size - 2, size - 2)
    painter.end()
    return QIcon(pixmap)


def menu_button(icon_name: str, text: str, tooltip: str) -> QToolButton:
    """A tool button that opens its (empty) menu when clicked."""
    button = QToolButton()
    button.setIcon(icon(icon_name))
    button.setText(text)
    button.setToolTip(tooltip)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
    button.setMenu(QMenu(button))
    return button


def tool_button(icon_name: str, text: str, tooltip: str, checkable: bool = False) -> QToolButton:
    """A flat tool button with its text beside its icon, sharing the row's width."""
    button = QToolButton()
    button.setIcon(icon(icon_name))
    button.setText(text)
    button.setToolTip(tooltip)
    button.setCheckable(checkable)
    button.setAutoRaise(True)
    button.setIconSize(QSize(18, 18))
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    return button


def log_warning(text: str) -> None:
    """A warning in the log tab."""
    try:
        from .. import log as eo_log
    except ImportError:
        QgsMessageLog.logMessage(text, LOG_TAG, Qgis.MessageLevel.Warning)
    else:
        eo_log.log_warning(text)


def log_failure(outcome: Outcome) -> None:
    """A portal's failed answer in the log tab."""
    try:
        from .. import log as eo_log
    except ImportError:
        QgsMessageLog.logMessage(outcome.message, LOG_TAG, Qgis.MessageLevel.Warning)
    else:
        eo_log.log_request_failure(outcome)
