"""Boundaries made light enough for a tablet's offline map. Never fails: invalid shapes
are repaired first (polygonal only), and where GEOS still cannot simplify the set
together each shape is simplified on its own."""

from __future__ import annotations

import logging
from typing import Any

import shapely
from shapely.errors import GEOSException
from shapely.geometry import mapping, shape

from geo.repair import polygonal

log = logging.getLogger(__name__)

METRES_PER_DEGREE = 111_320.0


def simplify_coverage(
    boundaries: dict[str, dict[str, Any]], tolerance_m: float = 1.0
) -> dict[str, dict[str, Any]]:
    """Simplify neighbouring boundaries together: edges they share stay shared (no
    slivers or gaps appear between grids on the tablet's map)."""
    if not boundaries:
        return {}
    repaired = {i: polygonal(shape(b)) for i, b in boundaries.items()}
    # a shape with no area left once repaired (a ring collapsed to a line) is published
    # as the file gives it: there is nothing to simplify
    kept = {i: dict(boundaries[i]) for i, g in repaired.items() if g.is_empty}
    ids = sorted(set(boundaries) - set(kept))
    shapes = [repaired[i] for i in ids]
    if not ids:
        return kept
    tolerance = tolerance_m / METRES_PER_DEGREE
    try:
        light = shapely.coverage_simplify(shapes, tolerance, simplify_boundary=True)
    except GEOSException as exc:  # e.g. repaired shapes that overlap their neighbours
        log.warning("boundaries simplified one by one (shared edges may part): %s", exc)
        light = shapely.simplify(shapes, tolerance, preserve_topology=True)
    light = shapely.set_precision(light, 1e-7)
    return kept | {i: dict(mapping(g)) for i, g in zip(ids, light, strict=True)}
