"""Boundaries made light enough for a tablet's offline map."""

from __future__ import annotations

from typing import Any

import shapely
from shapely.geometry import mapping, shape

METRES_PER_DEGREE = 111_320.0


def simplified_boundary(
    geometry: dict[str, Any], tolerance_m: float = 1.0
) -> tuple[dict[str, Any], list[float]]:
    """The boundary simplified within ``tolerance_m`` (topology kept) and its bbox
    ``[west, south, east, north]``; coordinates rounded to 7 decimals (~1 cm)."""
    area = shape(geometry)
    light = shapely.simplify(area, tolerance_m / METRES_PER_DEGREE, preserve_topology=True)
    light = shapely.set_precision(light, 1e-7)
    west, south, east, north = light.bounds
    return dict(mapping(light)), [west, south, east, north]
