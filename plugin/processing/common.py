"""What every EO Portals algorithm needs: translation, QGIS-version enums, catalog, credentials, network settings.

Kept apart from the algorithms so that the search and download algorithms read the catalog, the accounts
and the proxy the same way the dock does.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping

from qgis.core import (
    Qgis,
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterNumber,
)
from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtGui import QIcon

from .. import accounts, network
from ..core.catalog import Portal
from ..core.credentials import Credentials
from ..core.http import HttpSettings
from ..log import log_exception

ICON_PATH = Path(__file__).resolve().parents[2] / "resources" / "icon.svg"

# QGIS 3.36 moved the Processing enums to Qgis.*; the old names are deprecated from then on.
if hasattr(Qgis, "ProcessingSourceType"):  # pragma: no cover - not the QGIS the tests run on
    VECTOR_POLYGON = Qgis.ProcessingSourceType.VectorPolygon
    NUMBER_DOUBLE = Qgis.ProcessingNumberParameterType.Double
    NUMBER_INTEGER = Qgis.ProcessingNumberParameterType.Integer
    FLAG_ADVANCED = Qgis.ProcessingParameterFlag.Advanced
else:
    VECTOR_POLYGON = QgsProcessing.SourceType.TypeVectorPolygon
    NUMBER_DOUBLE = QgsProcessingParameterNumber.Type.Double
    NUMBER_INTEGER = QgsProcessingParameterNumber.Type.Integer
    FLAG_ADVANCED = QgsProcessingParameterDefinition.Flag.FlagAdvanced


def translate(context: str, text: str) -> str:
    """Translate a user-visible text; call it as ``translate("EOPortals", "literal")`` so pylupdate5 finds it."""
    return QCoreApplication.translate(context, text)


class EOPortalsAlgorithm(QgsProcessingAlgorithm):
    """What every EO Portals algorithm has alike: the plugin's icon, and a fresh copy of itself for each run
    (Processing may run several at once)."""

    def icon(self) -> QIcon:
        """The plugin's icon."""
        return QIcon(str(ICON_PATH))

    def createInstance(self) -> "EOPortalsAlgorithm":  # noqa: N802
        """A fresh copy for each run."""
        return type(self)()


def tag_list(words: str) -> List[str]:
    """The toolbox's search words from a translated comma-separated list, plus "EO"."""
    return [word.strip() for word in words.split(",") if word.strip()] + ["EO"]


def has_value(parameters: Mapping[str, Any], name: str) -> bool:
    """Whether an optional parameter was given (absent, None, NULL and blank text count as not given)."""
    value = parameters.get(name)
    if value is None:
        return False
    try:
        if value == None:  # noqa: E711 - QGIS's NULL QVariant compares equal to None, but is not None
            return False
    except Exception:  # some Qt objects refuse the comparison: they are values
        return True
    if isinstance(value, str) and not value.strip():
        return False
    return True



def credentials_for_search(portals: Iterable[Portal]) -> Dict[str, Credentials]:
    """Accounts of the portals that need one to search (DHuS mirrors), by portal id.

    Reads the QGIS authentication database: call it where Processing prepares (the main thread).
    """
    return accounts.credentials_by_portal([p for p in portals if accounts.needs_account(p, for_search=True)])


def http_settings() -> HttpSettings:
    """QGIS's network options (proxy, timeout) for the core; read where Processing prepares (the main thread)."""
    try:
        return network.http_settings()
    except Exception:  # a broken proxy setting must not stop the search: defaults, and say so in the log
        log_exception("QGIS's network settings could not be read; searching without a proxy")
        return HttpSettings()
