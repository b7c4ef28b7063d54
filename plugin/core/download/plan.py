"""What to fetch from one source of a product: its whole-product archive, or the asset files the user chose.

The archive is `Source.download_url`, or a STAC asset with role ``archive`` (or ``data`` and a zip); chosen
assets are fetched over http(s) only, into a folder named after the product. Names are made safe for every
file system (`paths.safe_name`). Also the plain product questions the Downloads tab asks: does a product need
its files chosen (`needs_assets`), which files it offers (`http_assets`, `preset_keys`), which can be read in
place (`is_cog`).
"""
from __future__ import annotations

import mimetypes
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Sequence, Tuple
from urllib.parse import unquote, urlsplit

from ..catalog import Catalog, Portal
from ..errors import ErrorKind, PortalError
from ..paths import safe_name
from ..product import Asset, Product, Source


@dataclass
class FileTarget:
    """One file to fetch: where from, where to (relative to the download folder), what to expect."""

    key: str
    url: str
    relative: str
    size: Optional[int] = None
    checksums: Dict[str, str] = field(default_factory=dict)


@dataclass
class SourcePlan:
    """What one source offers for a job: its portal and the files to fetch."""

    source: Source
    portal: Portal
    files: List[FileTarget]
    missing: List[str] = field(default_factory=list)  # chosen asset keys this source lacks


def _extension(url: str, media_type: str = "", default: str = "") -> str:
    path = urlsplit(url).path.lower()
    for ext in (".tar.gz", ".zip", ".tar", ".tif", ".tiff", ".jp2", ".nc", ".json", ".xml", ".jpg", ".png"):
        if path.endswith(ext):
            return ext
    guessed = mimetypes.guess_extension((media_type or "").split(";")[0].strip()) if media_type else None
    if guessed:
        return ".tif" if guessed in (".tiff",) else guessed
    return default


def _asset_checksums(asset: Asset, source: Source, whole: bool) -> Dict[str, str]:
    if asset.checksum:
        return {asset.checksum[0].upper(): asset.checksum[1]}
    return dict(source.checksums) if whole else {}


def archive_of(product: Product, source: Source) -> Optional[FileTarget]:
    """The whole-product archive a source offers, if any."""
    base = safe_name(product.title, fallback="product")
    if source.download_url:
        ext = _extension(source.download_url, default=".zip")
        return FileTarget("product", source.download_url, base + ext, source.size, dict(source.checksums))
    for key, asset in source.assets.items():
        if "archive" in asset.roles or ("data" in asset.roles and asset.is_archive):
            ext = _extension(asset.href, asset.media_type, ".zip")
            size = asset.size if asset.size is not None else source.size
            return FileTarget(key, asset.href, base + ext, size, _asset_checksums(asset, source, True))
    return None


def asset_targets(product: Product, source: Source, keys: Sequence[str]) -> Tuple[List[FileTarget], List[str]]:
    """Files for the chosen asset keys (in a folder named after the product) and the keys the source lacks."""
    folder = safe_name(product.title, fallback="product")
    targets: List[FileTarget] = []
    missing: List[str] = []
    used = set()
    for key in keys:
        asset = source.assets.get(key)
        if asset is None or not asset.href.startswith(("http://", "https://")):
            missing.append(key)
            continue
        name = unquote(urlsplit(asset.href).path.rsplit("/", 1)[-1])
        if "." not in name:
            name = key + _extension(asset.href, asset.media_type, "")
        name = safe_name(name, fallback=safe_name(key))
        if name.lower() in used:
            name = safe_name(f"{key}_{name}")
        used.add(name.lower())
        checksums = _asset_checksums(asset, source, False)
        targets.append(FileTarget(key, asset.href, f"{folder}/{name}", asset.size, checksums))
    return targets, missing


def plan_source(product: Product, source: Source, portal: Portal, assets: Sequence[str] = ()) -> SourcePlan:
    """What to fetch from `source`; PortalError(INVALID) when it has nothing matching the request."""
    if assets:
        files, missing = asset_targets(product, source, assets)
        if not files:
            raise PortalError(portal.title, f"has none of the chosen assets over HTTP ({', '.join(assets)})",
                              ErrorKind.INVALID, code="no_assets", details={"assets": ", ".join(assets)})
        return SourcePlan(source, portal, files, missing)
    archive = archive_of(product, source)
    if archive is None:
        raise PortalError(portal.title, "offers no whole-product archive: choose the assets to download",
                          ErrorKind.INVALID, code="no_archive")
    return SourcePlan(source, portal, [archive])


# Asset keys of the usual choices, as Earth Search, Planetary Computer and CDSE STAC name them.
TRUE_COLOUR_KEYS = ("visual", "TCI_10m", "TCI", "tci")
BAND_KEYS = ("blue", "green", "red", "nir", "B02", "B03", "B04", "B08", "B02_10m", "B03_10m", "B04_10m", "B08_10m")
SCL_KEYS = ("scl", "SCL", "SCL_20m")


def needs_assets(product: Product, catalog: Catalog) -> bool:
    """True when no source of the product offers a whole-product archive (Earth Search, Planetary Computer)."""
    return not any(archive_of(product, source) is not None for source in product.sources
                   if source.portal in catalog.portals)


def http_assets(product: Product) -> Dict[str, str]:
    """{asset key: title} of the http(s) assets of every source, in source order."""
    found: Dict[str, str] = {}
    for source in product.sources:
        for key, asset in source.assets.items():
            if key not in found and asset.href.lower().startswith(("http://", "https://")):
                found[key] = asset.title or key
    return found


def preset_keys(available: Iterable[str], preset: str) -> List[str]:
    """The asset keys of a preset ("true_colour", "bands", "scl") among those available."""
    wanted = {"true_colour": TRUE_COLOUR_KEYS, "bands": BAND_KEYS, "scl": SCL_KEYS}[preset]
    keys = list(available)
    return [key for key in wanted if key in keys]


def is_cog(href: str, media_type: str = "") -> bool:
    """Whether an asset can be read in place through /vsicurl/ (GeoTIFF / COG over http)."""
    path = href.split("?", 1)[0].lower()
    return href.lower().startswith(("http://", "https://")) and (
        "tiff" in (media_type or "").lower() or path.endswith((".tif", ".tiff")))
