"""Footprints as QGIS features: the fields every footprints layer has and the Product -> QgsFeature conversion.

Shared by the dock's footprints layer and the Processing search output, so that a layer made by either one
has the same columns (and the download algorithm can read the `versions` of either). The flat columns are those
of the version the row shows (`sources`: its records per portal); `versions` lists every version of the
acquisition with its records, as JSON (`Product.to_dict`'s form, without footprints: the feature has its own). Geometries are
MultiPolygons in EPSG:4326; a product the portal gave no footprint for keeps a null geometry.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Tuple

from qgis.core import (
    Qgis,
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsField,
    QgsFields,
    QgsGeometry,
    QgsVectorLayer,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QDateTime, Qt, QVariant

from .core.product import Product

FOOTPRINT_CRS = "EPSG:4326"

# QGIS 3.30 moved the geometry types to Qgis.WkbType; the old names are deprecated later on.
FOOTPRINT_WKB_TYPE = Qgis.WkbType.MultiPolygon if hasattr(Qgis, "WkbType") else QgsWkbTypes.Type.MultiPolygon

_NEW_FIELD_TYPES = Qgis.QGIS_VERSION_INT >= 33800  # QgsField takes QMetaType.Type from 3.38 on


def field_type(kind: str) -> Any:
    """The field type for 'string', 'int', 'int64', 'double' or 'datetime' in the form this QGIS expects."""
    if _NEW_FIELD_TYPES:  # pragma: no cover - not the QGIS the tests run on
        from qgis.PyQt.QtCore import QMetaType

        return {
            "string": QMetaType.Type.QString,
            "int": QMetaType.Type.Int,
            "int64": QMetaType.Type.LongLong,
            "double": QMetaType.Type.Double,
            "datetime": QMetaType.Type.QDateTime,
        }[kind]
    return {
        "string": QVariant.String,
        "int": QVariant.Int,
        "int64": QVariant.LongLong,
        "double": QVariant.Double,
        "datetime": QVariant.DateTime,
    }[kind]


# (name, kind, type name for providers that need one); the order is the column order users see.
FIELDS: Tuple[Tuple[str, str, str], ...] = (
    ("identity", "string", "string"),
    ("title", "string", "string"),
    ("collection", "string", "string"),
    ("platform", "string", "string"),
    ("start", "datetime", "datetime"),
    ("end", "datetime", "datetime"),
    ("cloud_cover", "double", "double"),
    ("size_bytes", "int64", "int8"),
    ("portals", "string", "string"),
    ("tile", "string", "string"),
    ("orbit_direction", "string", "string"),
    ("relative_orbit", "int", "integer"),
    ("quicklook", "string", "string"),
    ("sources", "string", "string"),
    ("versions", "string", "string"),
)
FIELD_NAMES: Tuple[str, ...] = tuple(name for name, _kind, _type_name in FIELDS)


def footprint_fields() -> QgsFields:
    """The fields of a footprints layer (see FIELDS for names and types)."""
    fields = QgsFields()
    for name, kind, type_name in FIELDS:
        fields.append(QgsField(name, field_type(kind), type_name))
    return fields


def footprint_crs() -> QgsCoordinateReferenceSystem:
    """EPSG:4326, the CRS of every footprint."""
    return QgsCoordinateReferenceSystem(FOOTPRINT_CRS)


def qdatetime_utc(moment: Optional[datetime]) -> Optional[QDateTime]:
    """A QDateTime in UTC for an aware (or naive, taken as UTC) datetime; None stays None."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    milliseconds = int(round(moment.timestamp() * 1000))
    return QDateTime.fromMSecsSinceEpoch(milliseconds, Qt.TimeSpec.UTC)


def footprint_geometry(footprint: Any) -> Optional[QgsGeometry]:
    """A MultiPolygon QgsGeometry for a shapely footprint; None when there is none or it has no area."""
    if footprint is None or getattr(footprint, "is_empty", True):
        return None
    if footprint.geom_type not in ("Polygon", "MultiPolygon"):
        # A point or a line cannot go into a polygon layer; the product is kept without a footprint.
        return None
    geometry = QgsGeometry()
    geometry.fromWkb(footprint.wkb)
    if geometry.isNull() or geometry.isEmpty():
        return None
    geometry.convertToMultiType()
    return geometry


def product_to_feature(product: Product, fields: QgsFields) -> QgsFeature:
    """A feature for `product` with every field of FIELDS that `fields` has; null geometry without a footprint."""
    feature = QgsFeature(fields)
    values = {
        "identity": product.identity,
        "title": product.title,
        "collection": product.collection,
        "platform": product.platform,
        "start": qdatetime_utc(product.start),
        "end": qdatetime_utc(product.end),
        "cloud_cover": float(product.cloud_cover) if product.cloud_cover is not None else None,
        "size_bytes": int(product.size) if product.size is not None else None,
        "portals": ",".join(product.portals),
        "tile": product.tile,
        "orbit_direction": product.orbit_direction,
        "relative_orbit": int(product.relative_orbit) if product.relative_orbit is not None else None,
        "quicklook": product.quicklook,
        "sources": product.sources_json(),
        "versions": product.versions_json(),
    }
    for name, value in values.items():
        index = fields.indexOf(name)
        if index >= 0:
            feature.setAttribute(index, value)
    geometry = footprint_geometry(product.footprint)
    if geometry is not None:
        feature.setGeometry(geometry)
    return feature


def products_to_features(products: List[Product], fields: QgsFields) -> List[QgsFeature]:
    """Features for several products, in the same order."""
    return [product_to_feature(product, fields) for product in products]


def feature_versions(feature: QgsFeature) -> List[Dict[str, Any]]:
    """The `versions` of a footprint feature (`Product.to_dict`'s versions: every product of the acquisition with
    its records); [] when the layer has none (written before versions) or it is unreadable. JSON text or, read
    back through OGR, already decoded."""
    index = feature.fields().indexOf("versions")
    value = feature.attribute(index) if index >= 0 else None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict)]


def feature_sources(feature: QgsFeature) -> Dict[str, Dict[str, Any]]:
    """The `sources` of a footprint feature as {portal id: {id, name, download, checksum...}}; {} when unreadable.

    A memory layer holds the JSON text; a GeoJSON or GeoPackage written by QGIS may give it back already
    decoded (OGR's JSON field subtype), so both forms are accepted.
    """
    index = feature.fields().indexOf("sources")
    value = feature.attribute(index) if index >= 0 else None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    if not isinstance(value, dict):
        return {}
    return {str(portal): dict(entry) for portal, entry in value.items() if isinstance(entry, dict)}


def footprints_layer(name: str) -> QgsVectorLayer:
    """An empty memory layer with the footprint fields, MultiPolygon in EPSG:4326 (call on the main thread)."""
    layer = QgsVectorLayer(f"MultiPolygon?crs={FOOTPRINT_CRS}", name, "memory")
    layer.dataProvider().addAttributes(footprint_fields().toList())
    layer.updateFields()
    return layer
