"""The "Downloads" tab: one row per product (state, progress, speed, reason of a failure) and the queue's controls.

Everything here runs on the main thread and only reads what the controller (plugin/downloads.py) tells it;
no widget waits for the network or the disk. Products from STAC portals without a product archive (Earth
Search, Planetary Computer) go through `AssetsDialog` first: the user picks files (true colour, bands, scene
classification...) to download, or opens the GeoTIFF/COG ones in the map without downloading them.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

from qgis.core import Qgis, QgsApplication
from qgis.gui import QgsFileWidget
from qgis.PyQt.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QSize, Qt, QUrl, pyqtSignal
from qgis.PyQt.QtGui import QDesktopServices, QIcon
from qgis.PyQt.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMessageBox,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .. import settings
from ..core.bands import RESAMPLING
from ..core.download.job import FINAL_STATES, Job, State
from ..core.download.plan import http_assets, is_cog, needs_assets, preset_keys
from ..core.naming import parse_name
from ..core.product import Product
from ..downloads import DownloadsController
from .common import WrappingLabel, narrow_form
from .messages import check_text, failures_text, is_account_problem, note_text
from .quicklook import ElidedLabel

# Band presets of "Area of interest only" (core/bands.py keys; Landsat products take theirs by the same keys)
SUBSET_PRESETS = (
    ("true_colour", QT_TRANSLATE_NOOP("DownloadsPanel", "True colour")),
    ("false_colour", QT_TRANSLATE_NOOP("DownloadsPanel", "False colour (near infrared)")),
    ("ndvi", QT_TRANSLATE_NOOP("DownloadsPanel", "Bands of NDVI")),
    ("scene_classification", QT_TRANSLATE_NOOP("DownloadsPanel", "Scene classification")),
)


# pylupdate5 and pylupdate6 read translate("Context", "text") calls
translate = QCoreApplication.translate


def _icon(name: str) -> QIcon:
    return QgsApplication.getThemeIcon(name)


STATE_TEXTS = {  # shown through translate(); QT_TRANSLATE_NOOP lists them for pylupdate
    State.QUEUED: QT_TRANSLATE_NOOP("DownloadsPanel", "Queued"),
    State.DOWNLOADING: QT_TRANSLATE_NOOP("DownloadsPanel", "Downloading"),
    State.VERIFYING: QT_TRANSLATE_NOOP("DownloadsPanel", "Verifying"),
    State.DONE: QT_TRANSLATE_NOOP("DownloadsPanel", "Done"),
    State.FAILED: QT_TRANSLATE_NOOP("DownloadsPanel", "Failed"),
    State.OFFLINE: QT_TRANSLATE_NOOP("DownloadsPanel", "Offline"),
    State.CANCELLED: QT_TRANSLATE_NOOP("DownloadsPanel", "Cancelled"),
    State.PAUSED: QT_TRANSLATE_NOOP("DownloadsPanel", "Paused"),
}
STATE_COLOURS = {State.FAILED: "#c0392b", State.OFFLINE: "#b9770e", State.DONE: "#1e8449"}
MAP_NOTE_COLOUR = "#b9770e"  # a warning: the product is there, but the map shows less than expected


def human_bytes(value: Optional[float]) -> str:
    """1.2 GB, 340 MB, 12 kB."""
    if value is None:
        return "?"
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if value >= size:
            return f"{value / size:.1f} {unit}" if value < 10 * size else f"{value / size:.0f} {unit}"
    return f"{int(value)} B"


def display_name(title: str) -> str:
    """A product name short enough for a narrow panel: "S2B L1C · 2023-01-15 · T31TCK" (else the name)."""
    parsed = parse_name(title)
    if parsed is None:
        return title
    parts = [f"{parsed.mission} {parsed.level}"]
    if parsed.start is not None:
        parts.append(parsed.start.strftime("%Y-%m-%d"))
    if parsed.tile:
        parts.append(f"T{parsed.tile}")
    elif parsed.relative_orbit is not None:
        parts.append(f"R{parsed.relative_orbit:03d}")
    elif parsed.absolute_orbit is not None:
        parts.append(f"#{parsed.absolute_orbit}")
    return " · ".join(parts)


ZWSP = "\u200b"


def wrappable(text: str) -> str:
    """`text` with a break opportunity after each path separator, underscore and dot of its long words (paths,
    product names): they wrap in a narrow panel instead of widening it (a zero-width space shows nothing)."""
    return re.sub(r"\S{25,}", lambda word: re.sub(r"([/\\_.])(?=\S)", "\\1" + ZWSP, word.group(0)), text)


def state_text(state: State) -> str:
    """The translated name of a state ("Downloading")."""
    return translate("DownloadsPanel", STATE_TEXTS[state])


class JobRow(QFrame):
    """One download: name, state line, progress bar and the buttons that apply to its state."""

    def __init__(self, job: Job, panel: "DownloadsPanel"):
        super().__init__()
        self.job_id = job.id
        self.panel = panel
        self.setObjectName("eoPortalsJobRow")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 0)
        layout.setSpacing(2)
        top = QHBoxLayout()
        top.setSpacing(2)
        self.title_label = ElidedLabel()
        self.title_label.setObjectName("jobTitle")
        font = self.title_label.font()
        font.setBold(True)
        self.title_label.setFont(font)
        top.addWidget(self.title_label, 1)
        self.map_button = self._button("/mActionAddRasterLayer.svg", translate("DownloadsPanel", "Add to the map"))
        self.folder_button = self._button("/mActionFileOpen.svg",
                                          translate("DownloadsPanel", "Open the folder holding the files"))
        self.retry_button = self._button("/mActionRefresh.svg", translate("DownloadsPanel", "Retry"))
        self.cancel_button = self._button(
            "/mTaskCancel.svg", translate("DownloadsPanel", "Cancel this download (its partial file is deleted)"))
        self.remove_button = self._button("/mActionDeleteSelected.svg",
                                          translate("DownloadsPanel", "Remove from the list (files stay on disk)"))
        for button in (self.map_button, self.folder_button, self.retry_button, self.cancel_button, self.remove_button):
            top.addWidget(button)
        layout.addLayout(top)
        self.progress = QProgressBar()
        self.progress.setObjectName("jobProgress")
        self.progress.setMaximumHeight(14)
        self.progress.setTextVisible(False)
        layout.addWidget(self.progress)
        self.state_label = QLabel()
        self.state_label.setObjectName("jobState")
        self.state_label.setWordWrap(True)
        # the row never asks for more width than the panel has: long texts wrap (see `wrappable`)
        self.state_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.state_label.setMinimumWidth(40)
        self.state_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.state_label)
        # what happened when the product was added to the map (bands missing from a partial product...)
        self.map_note_label = QLabel()
        self.map_note_label.setObjectName("jobMapNote")
        self.map_note_label.setWordWrap(True)
        self.map_note_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.map_note_label.setStyleSheet(f"color: {MAP_NOTE_COLOUR};")
        self.map_note_label.hide()
        layout.addWidget(self.map_note_label)
        line = QFrame()  # a line under each row: rows of several lines stay apart
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        layout.addWidget(line)
        self.map_button.clicked.connect(lambda: panel.controller.open_in_map(self.job_id))
        self.folder_button.clicked.connect(lambda: panel.open_folder(self.job_id))
        self.retry_button.clicked.connect(lambda: panel.retry(self.job_id))
        self.cancel_button.clicked.connect(lambda: panel.controller.cancel(self.job_id))
        self.remove_button.clicked.connect(lambda: panel.controller.remove(self.job_id))
        self.update_job(job)

    def set_map_note(self, text: str) -> None:
        """Say under the state line what adding the product to the map gave ('' to say nothing)."""
        self.map_note_label.setText(text)
        self.map_note_label.setVisible(bool(text))

    def _button(self, icon: str, tooltip: str) -> QToolButton:
        button = QToolButton()
        button.setIcon(_icon(icon))
        button.setToolTip(tooltip)
        button.setAutoRaise(True)
        button.setIconSize(QSize(16, 16))
        return button

    def update_job(self, job: Job) -> None:
        """Show a job's state."""
        self.title_label.setText(display_name(job.title))
        self.title_label.setToolTip(job.title)
        state = job.state
        self.map_button.setVisible(state is State.DONE)
        self.folder_button.setVisible(state is State.DONE or bool(job.files))
        self.retry_button.setVisible(state in (State.FAILED, State.OFFLINE, State.CANCELLED, State.PAUSED))
        self.cancel_button.setVisible(state not in FINAL_STATES)
        self.remove_button.setVisible(state in FINAL_STATES)
        total = job.bytes_total or job.product.size
        if state is State.DONE:
            self.progress.setRange(0, 100)
            self.progress.setValue(100)
        elif state is State.VERIFYING or (state is State.DOWNLOADING and not total):
            self.progress.setRange(0, 0)  # busy: the size is unknown, or the checksum is being computed
        else:
            self.progress.setRange(0, 100)
            self.progress.setValue(int(100 * job.bytes_done / total) if total else 0)
        self.progress.setVisible(state not in (State.FAILED, State.OFFLINE, State.CANCELLED))
        self.state_label.setText(wrappable(self.describe(job)))
        colour = STATE_COLOURS.get(state)
        self.state_label.setStyleSheet(f"color: {colour};" if colour else "")
        tips = [note_text(note) for note in job.notes]
        tips += [f"{error.portal}: {error.detail}" for error in job.errors if error.detail]  # the portal's words
        self.state_label.setToolTip("\n".join(tips))

    def describe(self, job: Job) -> str:
        """The state line: "Downloading · 3.2 MB/s · 45 MB of 120 MB", "Failed: <reason>"..."""
        state = job.state
        total = job.bytes_total or job.product.size
        if state is State.DOWNLOADING:
            parts = [state_text(state)]
            if job.speed > 0:
                parts.append(translate("DownloadsPanel", "{speed}/s").format(speed=human_bytes(job.speed)))
            if total:
                parts.append(translate("DownloadsPanel", "{done} of {total}").format(done=human_bytes(job.bytes_done),
                                                          total=human_bytes(total)))
            elif job.bytes_done:
                parts.append(human_bytes(job.bytes_done))
            return " · ".join(parts)
        if state is State.VERIFYING:
            return translate("DownloadsPanel", "Verifying the checksum")
        if state is State.DONE:
            checks = [text for text in map(check_text, job.notes) if text]
            text = state_text(state)
            saved = next((note.details for note in job.notes if note.code == "subset_saved"), None)
            if job.subset and saved:  # "18.0 MB read instead of 812.0 MB"
                return text + " · " + translate("DownloadsPanel", "{read} read instead of {full}").format(
                    read=saved.get("read", ""), full=saved.get("full", ""))
            if job.files:
                text += " · " + translate("DownloadsPanel", "{n} file(s), {size}").format(
                    n=len(job.files), size=human_bytes(job.bytes_done or total))
            if checks:
                text += " · " + checks[0]
            return text
        if state in (State.FAILED, State.OFFLINE):
            return f"{state_text(state)}: {failures_text(job.errors)}"
        if state is State.QUEUED and job.portal and job.bytes_done:
            return translate("DownloadsPanel", "Queued (resumes from {done})").format(done=human_bytes(job.bytes_done))
        if state is State.PAUSED and job.bytes_done:
            return translate("DownloadsPanel", "Paused at {done}").format(done=human_bytes(job.bytes_done))
        return state_text(state)

    def set_progress(self, job: Job) -> None:
        """Progress only (frequent): the bar and the state line."""
        self.update_job(job)


class DownloadsPanel(QWidget):
    """The Downloads tab of the EO Portals dock."""

    def __init__(self, controller: DownloadsController, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.controller = controller
        self.rows: Dict[str, JobRow] = {}
        self.history: Dict[str, List[State]] = {}  # the states each row has shown, in order
        self.assets_dialog: Optional["AssetsDialog"] = None
        self.area: Optional[Callable[[], object]] = None  # the drawn area of interest (EPSG:4326), set by attach
        self._build()
        controller.job_changed.connect(self._on_job)
        controller.job_progress.connect(self._on_progress)
        controller.job_removed.connect(self._on_removed)
        controller.job_ended.connect(self._on_ended)
        self.retry_choice: Optional[QMessageBox] = None
        controller.layers_added.connect(lambda job_id, _ids: self._map_note(job_id, ""))
        controller.layers_noted.connect(self._map_note)
        controller.layers_failed.connect(
            lambda job_id, text: self._map_note(job_id, translate(
                "EOPortalsDownloads", "Could not add to the map: {message}").format(message=text)))

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        folder_row = QHBoxLayout()
        folder_row.addWidget(QLabel(translate("DownloadsPanel", "Folder")))
        self.folder_widget = QgsFileWidget()
        self.folder_widget.setObjectName("downloadFolder")
        self.folder_widget.setStorageMode(QgsFileWidget.StorageMode.GetDirectory)
        self.folder_widget.setFilePath(settings.download_folder())
        self.folder_widget.setToolTip(translate("DownloadsPanel", "Where products are downloaded"))
        self.folder_widget.fileChanged.connect(self._folder_changed)
        folder_row.addWidget(self.folder_widget, 1)
        layout.addLayout(folder_row)

        options = QVBoxLayout()  # one under the other: side by side they are wider than a 350 px dock
        options.setSpacing(0)
        self.add_to_map_check = QCheckBox(translate("DownloadsPanel", "Add to the map when done"))
        self.add_to_map_check.setChecked(settings.add_to_map())
        self.add_to_map_check.toggled.connect(settings.set_add_to_map)
        self.extract_check = QCheckBox(translate("DownloadsPanel", "Extract archives"))
        self.extract_check.setToolTip(translate(
            "DownloadsPanel", "Unzip downloaded products next to the zip (into <name>.SAFE for Sentinel products)"))
        self.extract_check.setChecked(settings.extract_archives())
        self.extract_check.toggled.connect(settings.set_extract_archives)
        options.addWidget(self.add_to_map_check)
        options.addWidget(self.extract_check)
        layout.addLayout(options)

        # "Area of interest only": the chosen bands over the drawn area, one COG per product (core/subset/); its
        # choices (bands, resampling, archives) show under it, one per line, when it is ticked
        self.area_only_check = QCheckBox(translate("DownloadsPanel", "Area of interest only"))
        self.area_only_check.setObjectName("areaOnly")
        self.area_only_check.setToolTip(translate(
            "DownloadsPanel", "Only the chosen bands over the drawn area, read from the portal's cloud-optimised "
                              "files (products without them are downloaded, then clipped)"))
        self.bands_combo = QComboBox()
        self.bands_combo.setObjectName("subsetBands")
        # a long preset name must not widen the panel past a 350 px dock: the combo shrinks, its list does not
        self.bands_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.bands_combo.setMinimumContentsLength(4)
        for key, title in SUBSET_PRESETS:
            self.bands_combo.addItem(translate("DownloadsPanel", title), key)
        self.bands_combo.setEnabled(False)
        layout.addWidget(self.area_only_check)
        self.subset_options = QWidget()  # shown with "Area of interest only"
        options_form = narrow_form(QFormLayout(self.subset_options))
        options_form.setContentsMargins(0, 0, 0, 0)
        options_form.addRow(translate("DownloadsPanel", "Bands"), self.bands_combo)
        self.resampling_combo = QComboBox()
        self.resampling_combo.setObjectName("subsetResampling")
        self.resampling_combo.setToolTip(translate(
            "DownloadsPanel", "How bands of a coarser resolution are brought to the finest chosen one (class bands "
                              "such as SCL: always nearest)"))
        for method in RESAMPLING:
            self.resampling_combo.addItem(method, method)
        options_form.addRow(translate("DownloadsPanel", "Resampling"), self.resampling_combo)
        self.keep_archive_check = QCheckBox(translate("DownloadsPanel", "Keep archives"))
        self.keep_archive_check.setToolTip(translate(
            "DownloadsPanel", "Products without cloud-optimised files are downloaded, then clipped: keep the archive "
                              "too"))
        self.keep_archive_check.setChecked(True)
        options_form.addRow(self.keep_archive_check)
        self.subset_options.setVisible(False)
        layout.addWidget(self.subset_options)
        self.area_only_check.toggled.connect(self.bands_combo.setEnabled)
        self.area_only_check.toggled.connect(self.subset_options.setVisible)

        buttons = QHBoxLayout()
        self.pause_button = QPushButton(_icon("/mActionPause.svg"), translate("DownloadsPanel", "Pause all"))
        self.pause_button.setObjectName("pauseAll")
        self.pause_button.setToolTip(translate("DownloadsPanel", "Pause every download; partial files are kept"))
        self.resume_button = QPushButton(_icon("/mActionPlay.svg"), translate("DownloadsPanel", "Resume all"))
        self.resume_button.setObjectName("resumeAll")
        self.clear_button = QPushButton(_icon("/mActionDeleteSelected.svg"),
                                        translate("DownloadsPanel", "Clear finished"))
        self.clear_button.setToolTip(translate(
            "DownloadsPanel", "Remove finished, failed and cancelled downloads from the list (files stay on disk)"))
        for button in (self.pause_button, self.resume_button):
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            buttons.addWidget(button)
        self.pause_button.clicked.connect(self._pause_all)
        self.resume_button.clicked.connect(self._resume_all)
        self.clear_button.clicked.connect(self.controller.clear_finished)
        layout.addLayout(buttons)

        # Rows in a scroll area (not a list view): rows of wrapped text get their real height from the layout.
        self.list = QScrollArea()
        self.list.setObjectName("downloadsList")
        self.list.setWidgetResizable(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        container = QWidget()
        container.setObjectName("downloadsRows")
        self.rows_layout = QVBoxLayout(container)
        self.rows_layout.setContentsMargins(0, 0, 0, 0)
        self.rows_layout.setSpacing(0)
        self.rows_layout.addStretch(1)
        self.list.setWidget(container)
        layout.addWidget(self.list, 1)
        self.empty_label = WrappingLabel(translate("DownloadsPanel", "No downloads yet. Select products in the "
                                                                     "Search tab and click Download."))
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setStyleSheet("color: gray;")
        layout.addWidget(self.empty_label)
        self.summary_label = WrappingLabel()
        self.summary_label.setObjectName("downloadsSummary")
        layout.addWidget(self.summary_label)  # the whole width: beside a button it wrapped on four lines
        bottom = QHBoxLayout()  # "Clear finished" under the list: three buttons in a row do not fit a 350 px dock
        bottom.addStretch(1)
        bottom.addWidget(self.clear_button)
        layout.addLayout(bottom)
        self._update_summary()

    # ---- requests ---------------------------------------------------------------------------------------
    def request(self, products: Sequence[Product]) -> None:
        """Download products: those with a product archive at once, the others after choosing their files;
        with "Area of interest only", the chosen bands over the drawn area for every product."""
        if self.area_only_check.isChecked():
            self.request_subset(products)
            return
        catalog = self.controller.catalog
        whole = [p for p in products if not needs_assets(p, catalog)]
        by_assets = [p for p in products if needs_assets(p, catalog)]
        if whole:
            self.controller.add(whole, folder=self.folder_widget.filePath() or None)
        if by_assets:
            self.choose_assets(by_assets)

    def request_subset(self, products: Sequence[Product]) -> List[Job]:
        """Queue the area of interest of `products` (bands of the preset chosen); [] without a drawn area."""
        geometry = self.area() if self.area is not None else None
        if geometry is None or geometry.isEmpty():
            self.summary_label.setText(translate("DownloadsPanel", "Draw an area of interest first (Search tab)."))
            return []
        subset = {"bands": [self.bands_combo.currentData()], "area": geometry.asWkt(8),
                  "resampling": self.resampling_combo.currentData(),
                  "keep_archive": self.keep_archive_check.isChecked()}
        return self.controller.add(products, folder=self.folder_widget.filePath() or None, subset=subset,
                                   extract=False)

    def choose_assets(self, products: Sequence[Product]) -> "AssetsDialog":
        """Open the file chooser for products without a product archive (window-modal, no local event loop)."""
        if self.assets_dialog is not None:
            self.assets_dialog.close()
        dialog = AssetsDialog(list(products), self)
        dialog.download_chosen.connect(self._download_assets)
        dialog.open_chosen.connect(self._open_assets)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda *_: setattr(self, "assets_dialog", None))
        self.assets_dialog = dialog
        dialog.open()
        return dialog

    def _download_assets(self, products: List[Product], keys: List[str]) -> None:
        self.controller.add(products, assets=keys, folder=self.folder_widget.filePath() or None)

    def _open_assets(self, products: List[Product], keys: List[str]) -> None:
        for product in products:
            self.controller.open_remote(product, keys)

    def open_folder(self, job_id: str) -> bool:
        """Show the folder holding a job's files in the system's file manager."""
        job = self.controller.job(job_id)
        if job is None:
            return False
        folder = Path(job.files[0]).parent if job.files else Path(job.folder)
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    def _folder_changed(self, path: str) -> None:
        if path:
            settings.set_download_folder(path)

    def retry(self, job_id: str) -> Optional[QMessageBox]:
        """Retry a job in the folder now chosen: at once when it has written nothing; when it keeps a partial
        file elsewhere, ask whether to resume it there, move it to the new folder, or restart in the new folder
        (window-modal, no local event loop); returns that question."""
        job = self.controller.job(job_id)
        folder = self.folder_widget.filePath() or None
        if job is None:
            return None
        parts = self.controller.partial_files(job_id) if folder and folder != job.folder else []
        if not parts:
            self.controller.retry(job_id, folder)
            return None
        if self.retry_choice is not None:
            self.retry_choice.close()
        box = QMessageBox(QMessageBox.Icon.Question, translate("DownloadsPanel", "Retry"),
                          translate("DownloadsPanel", "{name}: the partial download is kept in {old}. The download "
                                                       "folder is now {new}.").format(
                              name=display_name(job.title), old=str(parts[0].parent), new=folder), parent=self)
        box.setInformativeText(wrappable(str(parts[0])))
        resume = box.addButton(translate("DownloadsPanel", "Resume where it is"), QMessageBox.ButtonRole.AcceptRole)
        move = box.addButton(translate("DownloadsPanel", "Move it and resume"), QMessageBox.ButtonRole.AcceptRole)
        restart = box.addButton(translate("DownloadsPanel", "Restart in the new folder"),
                                QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        choices = {resume: "keep", move: "move", restart: "restart"}
        box.setObjectName("eoPortalsRetryChoice")
        box.buttonClicked.connect(
            lambda button: button in choices and self.controller.retry(job_id, folder, choices[button]))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.destroyed.connect(lambda *_: setattr(self, "retry_choice", None))
        self.retry_choice = box
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.open()
        return box

    def _on_ended(self, job: Job) -> None:
        """A download failed or is offline: say why in the message bar (an account problem stays)."""
        text = failures_text(job.errors)
        if job.state is State.OFFLINE:
            self.controller.message(text, Qgis.MessageLevel.Info)
        elif is_account_problem(job.errors):
            self.controller.message(text, Qgis.MessageLevel.Critical)
        else:
            self.controller.message(translate("EOPortalsDownloads", "Download failed: {reason}").format(reason=text),
                                    Qgis.MessageLevel.Warning)

    def _pause_all(self) -> None:
        self.controller.pause_all()
        self._update_summary()

    def _resume_all(self) -> None:
        self.controller.resume_all()
        self._update_summary()

    # ---- rows -------------------------------------------------------------------------------------------
    def row(self, job_id: str) -> Optional[JobRow]:
        """The row of a job."""
        return self.rows.get(job_id)

    def _on_job(self, job: Job) -> None:
        row = self.rows.get(job.id)
        if row is None:
            row = JobRow(job, self)
            self.rows_layout.insertWidget(0, row)  # newest first
            self.rows[job.id] = row
        else:
            row.update_job(job)
        shown = self.history.setdefault(job.id, [])
        if not shown or shown[-1] is not job.state:
            shown.append(job.state)
        self._update_summary()

    def _map_note(self, job_id: str, text: str) -> None:
        row = self.rows.get(job_id)
        job = self.controller.job(job_id)
        if row is not None:
            if job is not None:  # the row shows the product already
                text = text.replace(f"{job.title}: ", "", 1)
            row.set_map_note(text[:1].upper() + text[1:])  # a sentence of its own under the state line

    def _on_progress(self, job_id: str, _done, _total, _speed: float) -> None:
        row = self.rows.get(job_id)
        job = self.controller.job(job_id)
        if row is not None and job is not None:
            row.set_progress(job)

    def _on_removed(self, job_id: str) -> None:
        row = self.rows.pop(job_id, None)
        if row is not None:
            self.rows_layout.removeWidget(row)
            row.hide()
            row.deleteLater()
        self._update_summary()

    def _update_summary(self) -> None:
        jobs = self.controller.jobs()
        self.empty_label.setVisible(not jobs)
        self.list.setVisible(bool(jobs))
        counts: Dict[State, int] = {}
        for job in jobs:
            counts[job.state] = counts.get(job.state, 0) + 1
        active = counts.get(State.DOWNLOADING, 0) + counts.get(State.VERIFYING, 0)
        parts = []
        if active:
            parts.append(translate("DownloadsPanel", "{n} downloading").format(n=active))
        if counts.get(State.QUEUED):
            parts.append(translate("DownloadsPanel", "{n} queued").format(n=counts[State.QUEUED]))
        if counts.get(State.PAUSED):
            parts.append(translate("DownloadsPanel", "{n} paused").format(n=counts[State.PAUSED]))
        if counts.get(State.DONE):
            parts.append(translate("DownloadsPanel", "{n} done").format(n=counts[State.DONE]))
        if counts.get(State.FAILED):
            parts.append(translate("DownloadsPanel", "{n} failed").format(n=counts[State.FAILED]))
        if counts.get(State.OFFLINE):
            parts.append(translate("DownloadsPanel", "{n} offline").format(n=counts[State.OFFLINE]))
        self.summary_label.setText(" · ".join(parts))
        paused = self.controller.paused
        self.pause_button.setEnabled(not paused and any(j.state not in FINAL_STATES and j.state is not State.PAUSED
                                                          for j in jobs))
        self.resume_button.setEnabled(paused or bool(counts.get(State.PAUSED)))
        self.clear_button.setEnabled(any(j.state in FINAL_STATES for j in jobs))

    def account_problem(self, job_id: str) -> bool:
        """Whether a job failed because its account was refused or is missing."""
        job = self.controller.job(job_id)
        return job is not None and job.state is State.FAILED and is_account_problem(job.errors)


# ---- choosing files of products without a product archive ---------------------------------------------
class AssetsDialog(QDialog):
    """Pick the files of STAC products that have no product archive; download them or open them remotely."""

    download_chosen = pyqtSignal(list, list)  # products, asset keys
    open_chosen = pyqtSignal(list, list)

    PRESETS = (("true_colour", QT_TRANSLATE_NOOP("AssetsDialog", "True colour")),
               ("bands", QT_TRANSLATE_NOOP("AssetsDialog", "Bands (10 m)")),
               ("scl", QT_TRANSLATE_NOOP("AssetsDialog", "Scene classification")))

    def __init__(self, products: List[Product], parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.products = products
        self.setObjectName("eoPortalsAssetsDialog")
        self.setWindowTitle(self.tr("Files to download"))
        layout = QVBoxLayout(self)
        names = ", ".join(display_name(p.title) for p in products[:3]) + ("…" if len(products) > 3 else "")
        intro = QLabel(self.tr("{n} product(s) have no single archive to download ({names}). Choose the files:")
                       .format(n=len(products), names=names))
        intro.setWordWrap(True)
        intro.setToolTip("\n".join(p.title for p in products))
        layout.addWidget(intro)
        presets = QHBoxLayout()
        self.available: Dict[str, str] = {}
        self.cog: Dict[str, bool] = {}
        for product in products:
            for key, title in http_assets(product).items():
                self.available.setdefault(key, title)
                asset = next((s.assets[key] for s in product.sources if key in s.assets), None)
                if asset is not None:
                    self.cog[key] = self.cog.get(key, True) and is_cog(asset.href, asset.media_type)
        self.preset_buttons: Dict[str, QPushButton] = {}
        for preset, label in self.PRESETS:
            button = QPushButton(translate("AssetsDialog", label))
            keys = preset_keys(self.available, preset)
            button.setEnabled(bool(keys))
            button.setToolTip(", ".join(keys) if keys else self.tr("Not offered by these products"))
            button.clicked.connect(lambda _checked=False, p=preset: self.apply_preset(p))
            presets.addWidget(button)
            self.preset_buttons[preset] = button
        layout.addLayout(presets)
        self.list = QListWidget()
        self.list.setObjectName("assetList")
        for key, title in self.available.items():
            item = QListWidgetItem(key if title == key else f"{key} — {title}")
            item.setData(Qt.ItemDataRole.UserRole, key)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.list.addItem(item)
        self.list.itemChanged.connect(self._update_buttons)
        layout.addWidget(self.list, 1)
        self.buttons = QDialogButtonBox()
        self.download_button = self.buttons.addButton(self.tr("Download"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.open_button = self.buttons.addButton(self.tr("Open in map without downloading"),
                                                  QDialogButtonBox.ButtonRole.ActionRole)
        self.open_button.setToolTip(self.tr("Read the chosen GeoTIFF / COG files from the portal as layers"))
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.download_button.clicked.connect(self._download)
        self.open_button.clicked.connect(self._open)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        if preset_keys(self.available, "true_colour"):
            self.apply_preset("true_colour")
        self._update_buttons()
        self.resize(420, 420)

    def chosen(self) -> List[str]:
        """The checked asset keys, in list order."""
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())
                if self.list.item(i).checkState() == Qt.CheckState.Checked]

    def set_chosen(self, keys: Sequence[str]) -> None:
        """Check exactly these asset keys."""
        wanted = set(keys)
        for i in range(self.list.count()):
            item = self.list.item(i)
            item.setCheckState(Qt.CheckState.Checked if item.data(Qt.ItemDataRole.UserRole) in wanted
                               else Qt.CheckState.Unchecked)

    def apply_preset(self, preset: str) -> None:
        """Check the files of a preset (true colour, bands, scene classification) and show the first one."""
        self.set_chosen(preset_keys(self.available, preset))
        for i in range(self.list.count()):
            if self.list.item(i).checkState() == Qt.CheckState.Checked:
                self.list.scrollToItem(self.list.item(i))
                break

    def _update_buttons(self, *_args) -> None:
        keys = self.chosen()
        self.download_button.setEnabled(bool(keys))
        self.open_button.setEnabled(bool(keys) and all(self.cog.get(key, False) for key in keys))

    def _download(self) -> None:
        keys = self.chosen()
        if keys:
            self.download_chosen.emit(self.products, keys)
            self.accept()

    def _open(self) -> None:
        keys = self.chosen()
        if keys:
            self.open_chosen.emit(self.products, keys)
            self.accept()
