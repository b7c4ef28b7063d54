"""Pictures of the panel in the states the tests drive it to, for the README: `make screenshots` runs those tests
with EO_PORTALS_SCREENSHOTS set to docs/ (tests/tools/screenshots.py makes the other pictures)."""
from __future__ import annotations

import os
from pathlib import Path

DOCK_WIDTH = 350  # what QGIS gives a new dock


def save_picture(widget, name: str, scratch: Path) -> Path:
    """Grab `widget` as the user sees it, into `scratch` (and docs/ when asked); the picture must hold something.
    (In the tests' own font: QGIS sets its font before any widget exists, which a test cannot do afterwards.)"""
    image = widget.grab()
    path = Path(scratch) / name
    assert image.save(str(path), "PNG") and path.stat().st_size > 5_000, f"{name}: an empty picture"
    target = os.environ.get("EO_PORTALS_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        image.save(str(Path(target) / name), "PNG")
    return path
