"""Layers drawn as the map draws them, for tests that check what the user sees (an image, not a black tile)."""
from __future__ import annotations

from typing import Optional

import numpy as np
from qgis.core import QgsMapRendererSequentialJob, QgsMapSettings, QgsRectangle
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor, QImage


def rendered(layer, extent: Optional[QgsRectangle] = None, size: int = 200) -> np.ndarray:
    """The layer drawn as the map draws it (RGBA pixels) over `extent` (its whole extent by default)."""
    settings = QgsMapSettings()
    settings.setLayers([layer])
    settings.setDestinationCrs(layer.crs())
    settings.setExtent(extent or layer.extent())
    settings.setOutputSize(QSize(size, size))
    settings.setBackgroundColor(QColor(255, 255, 255, 0))
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage().convertToFormat(QImage.Format.Format_RGBA8888)
    return np.frombuffer(bytes(image.constBits().asstring(image.sizeInBytes())), dtype=np.uint8).reshape(
        size, size, 4)


def shows_data(pixels: np.ndarray) -> bool:
    """Whether drawn pixels hold an image: opaque and not all black."""
    opaque = pixels[..., 3] > 0
    return bool(opaque.any()) and bool((pixels[..., :3][opaque] > 0).mean() > 0.5)
