"""Blind spots of a grid: the parts no patrol came within reach of. Pure: a grid shape
and tracks (WGS-84) in, the patrolled share and the unpatrolled parts out.

The work is done in a local plane in metres around the grid (one grid is a few
kilometres at most, where the plane's error is far below a fix's). Tracks are clipped
to the grid's surroundings first and buffered once as one multi-line (GEOS unites the
buffers of its parts itself), with four segments per quarter circle: a round cap of
``reach`` metres then falls short by under 2 % of ``reach`` between its vertices, far
less than a phone fix's usual error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry import GeometryCollection, MultiLineString, MultiPoint, mapping
from shapely.geometry.base import BaseGeometry

from geo.geofence import metres_per_degree

DEFAULT_REACH_M = 50.0
"""How far from a walked line a worker is taken to have seen: a street's width and
the buildings along it."""
QUAD_SEGS = 4
COORDINATE_DIGITS = 6
"""Decimal places of the unpatrolled parts' coordinates (about 0.1 m)."""

Line = Sequence[Sequence[float]]
"""``[[lon, lat], …]`` in WGS-84; one position is a place the worker stood."""


@dataclass(frozen=True, slots=True)
class PatrolCoverage:
    area_m2: float
    patrolled_m2: float
    unpatrolled: dict[str, Any]
    """GeoJSON geometry (WGS-84) of the grid's parts out of every track's reach."""

    @property
    def patrolled_share(self) -> float:
        return self.patrolled_m2 / self.area_m2 if self.area_m2 > 0 else 0.0


def patrol_coverage(grid: BaseGeometry, lines: Sequence[Line], reach_m: float) -> PatrolCoverage:
    """What of ``grid`` lies within ``reach_m`` metres of any of ``lines``."""
    lat0 = float(grid.centroid.y) if not grid.is_empty else 0.0
    scale = np.array(metres_per_degree(lat0))
    grid_m = shapely.transform(grid, lambda xy: xy * scale)
    walked = _reach(grid_m, lines, scale, reach_m)
    patrolled = grid_m.intersection(walked) if not walked.is_empty else None
    unpatrolled = grid_m.difference(walked) if patrolled is not None else grid_m
    unpatrolled = shapely.set_precision(
        shapely.transform(unpatrolled, lambda xy: xy / scale), 10.0**-COORDINATE_DIGITS
    )
    return PatrolCoverage(
        area_m2=float(grid_m.area),
        patrolled_m2=float(patrolled.area) if patrolled is not None else 0.0,
        unpatrolled=dict(mapping(unpatrolled)),
    )


def _reach(
    grid_m: BaseGeometry, lines: Sequence[Line], scale: np.ndarray[Any, Any], reach_m: float
) -> BaseGeometry:
    """The area within ``reach_m`` of the tracks' parts near the grid, in metres."""
    xmin, ymin, xmax, ymax = grid_m.bounds
    near = (xmin - reach_m, ymin - reach_m, xmax + reach_m, ymax + reach_m)
    walked: list[np.ndarray[Any, Any]] = []
    stood: list[np.ndarray[Any, Any]] = []
    for line in lines:
        coords = np.asarray(line, dtype=float).reshape(-1, 2) * scale
        if len(coords) > 1:
            walked.append(coords)
        else:
            stood.extend(coords)
    parts: list[BaseGeometry] = []
    if walked:
        parts.append(shapely.clip_by_rect(MultiLineString(walked), *near))
    if stood:
        at = np.asarray(stood)
        inside = (at[:, 0] >= near[0]) & (at[:, 0] <= near[2]) & (at[:, 1] >= near[1])
        inside &= at[:, 1] <= near[3]
        parts.append(MultiPoint(at[inside]))  # a single fix: a place the worker stood at
    near_parts = GeometryCollection([p for p in parts if not p.is_empty])
    if near_parts.is_empty:
        return near_parts
    return shapely.buffer(near_parts, reach_m, quad_segs=QUAD_SEGS)
