"""Quicklooks: the pane under the results (`QuicklookPanel`); each fetched in a QgsTask (through
`plugin/network.py`, so QGIS's proxy applies), cached on disk in a size-bounded folder of the QGIS profile, shown
in the pane and, on request, placed on the map.

Placing on the map: the task writes a small GDAL VRT next to the cached image whose geotransform stretches
the image over the bounding box of the product's footprint in EPSG:4326 (``gdal.Translate`` with
``outputBounds``, i.e. ``-a_ullr``). This is an approximation: a quicklook covers the portal's whole scene
(an S2 tile) while the footprint may be only its data-covered part, and a north-up box in lon/lat does not
follow the scene's own projection. Black (0) pixels are marked as no data so the frame around the data is
transparent.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Dict, Optional, Tuple

from qgis.core import Qgis, QgsProject, QgsRasterLayer, QgsTask
from qgis.PyQt.QtCore import QCoreApplication, QEvent, Qt, pyqtSignal
from qgis.PyQt.QtGui import QImage, QPixmap
from qgis.PyQt.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from .. import settings as prefs
from ..core.catalog import Catalog, Portal
from ..core.errors import EOPortalsError
from ..core.http import HttpSettings, fetch, make_session
from ..core.portals.base import Request
from ..core.product import Product
from ..network import http_settings
from ..tasks import TaskKeeper
from .common import icon
from .footprints_layer import add_to_group
from .versions import VersionChooser

MAX_QUICKLOOK_BYTES = 20 * 1024 * 1024
_MAGIC = ((b"\xff\xd8\xff", ".jpg"), (b"\x89PNG", ".png"), (b"GIF8", ".gif"), (b"RIFF", ".webp"))


# Called as translate("Quicklooks", "literal") so that pylupdate5 finds the texts.
translate = QCoreApplication.translate


def usable_url(url: Optional[str]) -> bool:
    """Whether a quicklook link can be fetched over HTTP (s3:// links are requester-pays, not readable)."""
    return bool(url) and url.lower().startswith(("http://", "https://"))


class QuicklookCache:
    """Quicklook images on disk, named by a hash of their URL, at most `max_bytes` in total."""

    def __init__(self, folder: Path, max_bytes: int):
        self.folder = Path(folder)
        self.max_bytes = int(max_bytes)

    def _stem(self, url: str) -> str:
        # The hash keeps URLs (which may hold signed tokens) out of file names.
        return hashlib.sha256(url.encode("utf-8")).hexdigest()[:40]

    def find(self, url: str) -> Optional[Path]:
        """The cached image of `url`, if any (touched, so that it counts as recently used)."""
        stem = self._stem(url)
        for _magic, suffix in _MAGIC:
            path = self.folder / (stem + suffix)
            if path.exists():
                try:
                    os.utime(path, None)
                except OSError:
                    pass
                return path
        return None

    def store(self, url: str, data: bytes) -> Path:
        """Write an image and evict the least recently used ones beyond the size bound."""
        suffix = next((s for magic, s in _MAGIC if data.startswith(magic)), ".img")
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / (self._stem(url) + suffix)
        tmp = path.with_suffix(path.suffix + ".part")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        self.evict(keep=path)
        return path

    def evict(self, keep: Optional[Path] = None) -> None:
        """Delete the oldest files until the folder fits in `max_bytes`."""
        try:
            entries = []
            for entry in os.scandir(self.folder):
                if entry.is_file():
                    stat = entry.stat()
                    entries.append((stat.st_mtime, stat.st_size, Path(entry.path)))
        except OSError:
            return
        total = sum(size for _mtime, size, _path in entries)
        for _mtime, size, path in sorted(entries):
            if total <= self.max_bytes:
                break
            if keep is not None and path.name.startswith(keep.stem):
                continue  # the image just fetched, and its VRT
            try:
                path.unlink()
                total -= size
            except OSError:
                pass

    def total_bytes(self) -> int:
        """Bytes used by the cache."""
        try:
            return sum(entry.stat().st_size for entry in os.scandir(self.folder) if entry.is_file())
        except OSError:
            return 0


def write_georeferenced_vrt(image: Path, bounds: Tuple[float, float, float, float]) -> Optional[Path]:
    """A VRT placing `image` over `bounds` (west, south, east, north) in EPSG:4326; None when GDAL cannot."""
    from osgeo import gdal

    west, south, east, north = bounds
    if not (east > west and north > south):
        return None
    target = image.with_name(f"{image.stem}_{west:.5f}_{south:.5f}_{east:.5f}_{north:.5f}.vrt")
    if target.exists():
        return target
    options = gdal.TranslateOptions(format="VRT", outputBounds=[west, north, east, south], outputSRS="EPSG:4326",
                                    noData=0)
    dataset = gdal.Translate(str(target), str(image), options=options)
    if dataset is None:
        return None
    dataset = None  # closing writes the file
    return target if target.exists() else None


class QuicklookTask(QgsTask):
    """Fetch (or find in the cache) one quicklook, decode it, and write its georeferencing VRT."""

    loaded = pyqtSignal(str, QImage, str)  # url, image, VRT path ("" when it cannot be placed)
    failed = pyqtSignal(str, str)  # url, message for the user

    def __init__(self, url: str, cache: QuicklookCache, *, settings: Optional[HttpSettings] = None,
                 headers: Optional[Dict[str, str]] = None, bounds: Optional[Tuple[float, float, float, float]] = None,
                 portal_title: str = ""):
        flags = QgsTask.Flag.CanCancel
        if hasattr(QgsTask.Flag, "Silent"):  # QGIS >= 3.26: no "task finished" notification for each preview
            flags |= QgsTask.Flag.Silent
        super().__init__(translate("Quicklooks", "Quicklook"), flags)
        self.url = url
        self.cache = QuicklookCache(cache.folder, cache.max_bytes)
        self.settings = settings or HttpSettings()
        self.headers = dict(headers or {})
        self.bounds = bounds
        self.portal_title = portal_title or translate("Quicklooks", "The portal")
        self.image: Optional[QImage] = None
        self.vrt = ""
        self.message = ""

    def run(self) -> bool:  # noqa: D102 (worker thread: no widgets here)
        try:
            path = self.cache.find(self.url)
            if path is None:
                session = make_session(self.settings)
                try:
                    data = fetch(session, Request("GET", self.url), self.portal_title,
                                 timeout=min(self.settings.timeout, 60.0), extra_headers=self.headers,
                                 max_bytes=MAX_QUICKLOOK_BYTES)
                finally:
                    session.close()
                if self.isCanceled():
                    return False
                image = QImage()
                if not image.loadFromData(data):
                    self.message = translate("Quicklooks", "the quicklook is not an image")
                    return False
                path = self.cache.store(self.url, data)
            else:
                image = QImage(str(path))
                if image.isNull():
                    path.unlink(missing_ok=True)
                    self.message = translate("Quicklooks", "the cached quicklook could not be read")
                    return False
            self.image = image
            if self.bounds is not None:
                vrt = write_georeferenced_vrt(path, self.bounds)
                self.vrt = str(vrt) if vrt else ""
            return True
        except EOPortalsError as exc:
            self.message = str(exc)
            return False
        except Exception as exc:  # never raise from run()
            self.message = f"{type(exc).__name__}: {exc}"
            return False

    def finished(self, ok: bool) -> None:  # noqa: D102 (main thread)
        if ok and self.image is not None:
            self.loaded.emit(self.url, self.image, self.vrt)
        else:
            self.failed.emit(self.url, self.message or translate("Quicklooks", "cancelled"))


class QuicklookView(QLabel):
    """The quicklook in the panel, scaled to fit, or a line of text saying why there is none."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setMinimumHeight(120)
        # Ignored: the image must follow the panel's size, never push the panel to the image's size.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._pixmap: Optional[QPixmap] = None

    def has_image(self) -> bool:
        """Whether an image is shown."""
        return self._pixmap is not None

    def image(self) -> Optional[QImage]:
        """The full-size image shown, if any."""
        return self._pixmap.toImage() if self._pixmap is not None else None

    def show_image(self, image: QImage) -> None:
        """Show an image, scaled to the label."""
        self._pixmap = QPixmap.fromImage(image)
        self.setText("")
        self._rescale()

    def show_message(self, text: str) -> None:
        """Show a line of text instead of an image."""
        self._pixmap = None
        self.setPixmap(QPixmap())
        self.setText(text)

    def _rescale(self) -> None:
        if self._pixmap is None:
            return
        size = self.contentsRect().size()
        if size.width() < 2 or size.height() < 2:
            self.setPixmap(self._pixmap)
            return
        self.setPixmap(self._pixmap.scaled(size, Qt.AspectRatioMode.KeepAspectRatio,
                                           Qt.TransformationMode.SmoothTransformation))

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._rescale()


class ElidedLabel(QLabel):
    """A one-line label that shortens its text in the middle ("S2A_MSIL2A_2024…_T31TCJ") to fit its width."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def full_text(self) -> str:
        """The whole text, however it is shown."""
        return self._full

    def setText(self, text: str) -> None:  # noqa: N802 (Qt override)
        self._full = text or ""
        self.setToolTip(self._full)
        self._elide()

    def _elide(self) -> None:
        width = max(10, self.contentsRect().width())
        super().setText(self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideMiddle, width))

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._elide()

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:  # (bold set after the text, a new QGIS font)
            self._elide()


def quicklook_url(product: Product) -> str:
    """The first quicklook link of a product that can be fetched over HTTP ('' when none)."""
    candidates = [product.quicklook] + [source.quicklook for source in product.sources]
    return next((url for url in candidates if usable_url(url)), "")


def quicklook_headers(portal: Optional[Portal]) -> Dict[str, str]:
    """The API-key header for a portal whose previews need it (GEODES), when the user has an account."""
    if portal is None or portal.auth != "apikey":
        return {}
    try:
        from .. import accounts
    except ImportError:
        return {}
    credentials = accounts.credentials_for(portal)
    if credentials is None or not credentials.api_key:
        return {}
    return {str(portal.get("api_key_header", "X-API-Key")): credentials.api_key}


class QuicklookPanel(QWidget):
    """The quicklook pane: the preview of the product `show_product()` was given, its title, and "Show on map".

    In: `show_product(product)`, `clear()`, `set_portals(catalog, names)`. Out: `shown(url)` once an image is
    in the pane, `message(text, level)` for the message bar, `version_chosen(product)` when the user chose another
    version of the product in the pane's chooser (versions.py; the pane then shows that version's quicklook).
    """

    shown = pyqtSignal(str)  # URL of the quicklook now in the pane
    message = pyqtSignal(str, object)  # text, Qgis.MessageLevel
    version_chosen = pyqtSignal(object)  # the Product whose shown version the user changed

    def __init__(self, tasks: TaskKeeper, project: QgsProject, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.tasks = tasks
        self.project = project
        self.catalog: Optional[Catalog] = None
        self.names: Dict[str, str] = {}
        self.cache = QuicklookCache(prefs.quicklook_cache_folder(), prefs.quicklook_cache_bytes())
        self.url = ""
        self.product: Optional[Product] = None
        self._vrt = ""
        self._closed = False

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.view = QuicklookView()
        self.view.setObjectName("quicklookView")
        layout.addWidget(self.view, 1)
        row = QHBoxLayout()
        self.title = ElidedLabel()
        self.title.setObjectName("quicklookTitle")
        row.addWidget(self.title, 1)
        self.show_on_map_button = QPushButton(icon("/mActionAddRasterLayer.svg"), self.tr("Show on map"))
        self.show_on_map_button.setToolTip(self.tr("Add the quicklook as a layer placed on the footprint's bounding "
                                                   "box (approximate)"))
        self.show_on_map_button.clicked.connect(self.show_on_map)
        row.addWidget(self.show_on_map_button)
        layout.addLayout(row)
        self.versions = VersionChooser()
        self.versions.chosen.connect(self._on_version_chosen)
        layout.addWidget(self.versions)
        self.clear()

    def set_portals(self, catalog: Catalog, names: Dict[str, str]) -> None:
        """The portals quicklooks come from (their API-key headers) and the names they go by."""
        self.catalog = catalog
        self.names = names

    def show_product(self, product: Optional[Product]) -> None:
        """Show a product's quicklook (fetched in a task, cached on disk); None empties the pane."""
        if product is None:
            self.clear()
            return
        self.product = product
        self._vrt = ""
        self.show_on_map_button.setEnabled(False)
        self.title.setText(product.title)
        self.versions.set_product(product, self.names)
        url = quicklook_url(product)
        self.url = url
        if not url:
            self.view.show_message(self.tr("No quicklook for this product."))
            return
        self.view.show_message(self.tr("Loading the quicklook…"))
        source = next((s for s in product.sources if s.quicklook == url), product.sources[0] if product.sources else None)
        portal = self.catalog.portals.get(source.portal) if source and self.catalog else None
        bounds = tuple(product.footprint.bounds) if product.footprint is not None and not product.footprint.is_empty else None
        task = QuicklookTask(url, self.cache, settings=http_settings(), headers=quicklook_headers(portal), bounds=bounds,
                             portal_title=self.names.get(portal.id, portal.title) if portal else "")
        task.loaded.connect(self._on_loaded)
        task.failed.connect(self._on_failed)
        self.tasks.start(task)

    def clear(self) -> None:
        """No product: the pane says how to get one."""
        self.url = ""
        self._vrt = ""
        self.product = None
        self.title.setText("")
        self.versions.set_product(None)
        self.show_on_map_button.setEnabled(False)
        self.view.show_message(self.tr("Select a product to see its quicklook."))

    def _on_version_chosen(self, product: Product) -> None:
        self.show_product(product)
        self.version_chosen.emit(product)

    def shutdown(self) -> None:
        """Answers of tasks still running are ignored from now on."""
        self._closed = True

    def _on_loaded(self, url: str, image: QImage, vrt: str) -> None:
        if self._closed or url != self.url:
            return  # the user moved on to another product meanwhile
        self.view.show_image(image)
        self._vrt = vrt
        self.show_on_map_button.setEnabled(bool(vrt))
        self.shown.emit(url)

    def _on_failed(self, url: str, message: str) -> None:
        if self._closed or url != self.url:
            return
        self.view.show_message(self.tr("No quicklook: {reason}").format(reason=message))

    def show_on_map(self) -> Optional[QgsRasterLayer]:
        """Add the quicklook shown as a layer placed over the product's footprint."""
        if not self._vrt or self.product is None:
            return None
        name = self.tr("Quicklook {title}").format(title=self.product.title)
        layer = QgsRasterLayer(self._vrt, name, "gdal")
        if not layer.isValid():
            self.message.emit(self.tr("The quicklook could not be placed on the map."), Qgis.MessageLevel.Warning)
            return None
        add_to_group(self.project, layer, 0)  # on top: above the footprints, whose selection is filled opaque
        return layer
