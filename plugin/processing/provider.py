"""The EO Portals Processing provider: `eoportals:*` algorithms in the toolbox, models and qgis_process."""
from __future__ import annotations

from typing import List, Type

from qgis.core import QgsProcessingAlgorithm, QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from .common import ICON_PATH, translate
from .download_algorithm import DownloadAlgorithm
from .openeo_algorithm import OpenEOJobAlgorithm
from .search_algorithm import SearchAlgorithm
from .subset_algorithms import SubsetAlgorithm, TimeSeriesAlgorithm

# One line per algorithm: the provider builds a fresh instance of each when Processing asks.
ALGORITHMS: List[Type[QgsProcessingAlgorithm]] = [
    SearchAlgorithm,
    DownloadAlgorithm,
    SubsetAlgorithm,
    TimeSeriesAlgorithm,
    OpenEOJobAlgorithm,
]


class EOPortalsProvider(QgsProcessingProvider):
    """Provider `eoportals`, named "EO Portals"."""

    def id(self) -> str:
        """Prefix of the algorithm ids (`eoportals:search`)."""
        return "eoportals"

    def name(self) -> str:
        """Name in the toolbox."""
        return translate("EOPortals", "EO Portals")

    def longName(self) -> str:  # noqa: N802
        """Name with a hint of what it does."""
        return translate("EOPortals", "EO Portals (search and download Earth-observation products)")

    def icon(self) -> QIcon:
        """The plugin's icon."""
        return QIcon(str(ICON_PATH))

    def svgIconPath(self) -> str:  # noqa: N802
        """Path of the icon, for the toolbox and the model designer."""
        return str(ICON_PATH)

    def loadAlgorithms(self) -> None:  # noqa: N802
        """Add one instance of each algorithm."""
        for algorithm in ALGORITHMS:
            self.addAlgorithm(algorithm())
