"""Boundaries made light enough for a tablet's offline map."""

from __future__ import annotations

from typing import Any

import shapely
from shapely.geometry import mapping, shape

METRES_PER_DEGREE = 111_320.0


def simplify_coverage(
    boundaries: dict[str, dict[str, Any]], tolerance_m: float = 1.0
) -> dict[str, dict[str, Any]]:
    """Simplify neighbouring boundaries together: edges they share stay shared (no
    slivers or gaps appear between grids on the tablet's map)."""
    if not boundaries:
        return {}
    ids = sorted(boundaries)
    shapes = [shape(boundaries[i]) for i in ids]
    tolerance = tolerance_m / METRES_PER_DEGREE
    light = shapely.coverage_simplify(shapes, tolerance, simplify_boundary=True)
    light = shapely.set_precision(light, 1e-7)
    return {i: dict(mapping(g)) for i, g in zip(ids, light, strict=True)}
