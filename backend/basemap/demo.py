"""The demo street's base map, drawn from its own geometry on first use and kept under
``var/basemap`` with the drawing's and the geometry's digest in its name (a changed
street or drawing gives a new archive; an unchanged one is never drawn twice)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from shapely.geometry import shape

from backend.settings import REPO_ROOT
from geo.basemap import STYLE_VERSION, padded_bounds, sketch_street, write_archive

DEMO_STREET = REPO_ROOT / "backend" / "demo" / "demo_street.geojson"
DEMO_BASEMAPS = REPO_ROOT / "var" / "basemap"
"""Shared by every start of the demo (tests included): drawn once per geometry."""


def demo_basemap(directory: Path = DEMO_BASEMAPS, source: Path = DEMO_STREET) -> Path:
    """The demo base map's path, drawing it first if it is not there yet."""
    raw = source.read_bytes()
    digest = hashlib.sha256(raw + STYLE_VERSION.encode()).hexdigest()[:16]
    path = directory / f"demo-street-{digest}.pmtiles"
    if path.exists():
        return path
    features = json.loads(raw)["features"]
    shapes = [(f["properties"].get("kind"), shape(f["geometry"])) for f in features]
    street = next(geom for kind, geom in shapes if kind == "street")
    grids = [geom for kind, geom in shapes if kind == "grid"]
    write_archive(path, sketch_street(street, grids), padded_bounds(street), name="Demo Street")
    return path
