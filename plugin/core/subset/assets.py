"""Which files hold a product's bands: cloud-optimised GeoTIFF assets over http(s), or files in a downloaded
archive found by name."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, List, Optional, Sequence, Tuple
from urllib.parse import urlsplit

from ..bands import Band




@dataclass
class BandFile:
    """Where one band of a product is read from."""

    band: Band
    href: str  # http(s) URL of a COG, or a GDAL path into a local file or archive
    size: Optional[int] = None  # bytes of the whole file, when the portal states it


def is_cog_asset(asset) -> bool:
    """A GeoTIFF over http(s) (STAC assets of Earth Search, Planetary Computer, USGS...)."""
    href = asset.href.lower()
    if not href.startswith(("http://", "https://")):
        return False
    media = (asset.media_type or "").lower()
    return "tiff" in media or urlsplit(href).path.endswith((".tif", ".tiff"))


def cog_bands(product, bands: Sequence[Band]) -> Tuple[Optional[Any], List[BandFile]]:
    """The first source (in the user's portal order) holding every band as a COG, and the files; else (None, [])."""
    for source in product.sources:
        files = []
        for band in bands:
            asset = next((a for key, a in source.assets.items() if band.matches(key) and is_cog_asset(a)), None)
            if asset is None:
                break
            files.append(BandFile(band, asset.href, asset.size))
        else:
            return source, files
    return None, []


def archive_bands(archive: str, bands: Sequence[Band]) -> List[BandFile]:
    """The bands' image files inside a downloaded product (zip or folder), as GDAL paths; ValueError if missing.

    Files are found by name: ``..._B04.jp2``, ``..._B04_10m.jp2`` (Sentinel-2 SAFE), ``..._SR_B4.TIF`` (Landsat).
    """
    import zipfile

    path = Path(archive)
    if path.is_dir():
        names = [p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file()]
        prefix = str(path) + "/"
    else:
        with zipfile.ZipFile(path) as handle:
            names = handle.namelist()
        prefix = f"/vsizip/{path}/"
    images = [n for n in names if n.lower().endswith((".jp2", ".tif", ".tiff"))]
    files, missing = [], []
    for band in bands:
        pattern = re.compile(rf"(^|[_/]){re.escape(band.name)}(_\d+m)?\.(jp2|tiff?)$", re.IGNORECASE)
        found = sorted((n for n in images if pattern.search(n)), key=lambda n: (_resolution_of(n), len(n)))
        if not found:
            missing.append(band.name)
        else:
            files.append(BandFile(band, prefix + found[0]))
    if missing:
        raise ValueError(f"{path.name} holds no {', '.join(missing)}")
    return files


def _resolution_of(name: str) -> int:
    match = re.search(r"_(\d+)m\.", name)
    return int(match.group(1)) if match else 0
