"""Blind spots of a grid: the parts no patrol came within reach of. Pure: a grid shape
and tracks (WGS-84) in, the patrolled share and the unpatrolled parts out.

The work is done in a local plane in metres around the grid (one grid is a few
kilometres at most, where the plane's error is far below a fix's) on a lattice of
``CELL_M`` cells: each track is cut into steps of one cell, the cells those steps fall
in are marked, and the marks are dilated by a disc of ``reach``: a cell is patrolled
when its centre lies within ``reach`` of the centre of a marked cell. The unpatrolled
cells, merged into runs along each row, are united — they share edges exactly, so that
is a fast coverage union — and cut by the grid's own outline. Buffering and uniting the
tracks themselves (a week of a patrol crossing its own path all day) costs GEOS seconds
per grid; the lattice costs milliseconds, and its answer is off by at most about a cell
along the edge of what was patrolled — less than a phone fix's usual error.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from geo.geofence import metres_per_degree

DEFAULT_REACH_M = 50.0
"""How far from a walked line a worker is taken to have seen: a street's width and
the buildings along it."""
CELL_M = 2.5
"""The lattice's cell (a larger one for a grid of more than ``MAX_CELLS``): blind spots
are drawn to within about one cell."""
MAX_CELLS = 250_000
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


def patrol_coverage(
    grid: BaseGeometry, lines: Sequence[Line], reach_m: float, cell_m: float = CELL_M
) -> PatrolCoverage:
    """What of ``grid`` lies within ``reach_m`` metres of any of ``lines``."""
    lat0 = float(grid.centroid.y) if not grid.is_empty else 0.0
    scale = np.array(metres_per_degree(lat0))
    grid_m = shapely.transform(grid, lambda xy: xy * scale)
    xmin, ymin, xmax, ymax = grid_m.bounds
    cell_m = max(cell_m, math.sqrt(max(xmax - xmin, 0.0) * max(ymax - ymin, 0.0) / MAX_CELLS))
    lattice = _Lattice(grid_m.bounds, cell_m)
    points = _steps(lines, scale, cell_m, lattice.near(reach_m))
    if len(points) == 0:
        unpatrolled = grid_m
    else:
        walked = lattice.within(points, reach_m)
        unpatrolled = grid_m.intersection(lattice.shape_of(~walked))
    area = float(grid_m.area)
    back = shapely.transform(unpatrolled, lambda xy: xy / scale)
    back = shapely.set_precision(back, 10.0**-COORDINATE_DIGITS)
    return PatrolCoverage(
        area_m2=area,
        patrolled_m2=max(0.0, area - float(unpatrolled.area)),
        unpatrolled=dict(mapping(back)),
    )


def _steps(
    lines: Sequence[Line], scale: np.ndarray[Any, Any], cell_m: float,
    near: tuple[float, float, float, float],
) -> np.ndarray[Any, Any]:  # fmt: skip
    """Every track cut into steps of at most one cell (metres), only what is near."""
    walked, stood = [], []
    for line in lines:
        coords = np.asarray(line, dtype=float).reshape(-1, 2) * scale
        if len(coords) > 1:
            walked.append(shapely.linestrings(coords))
        elif len(coords) == 1:
            stood.append(coords)  # a single fix: a place the worker stood at
    parts = [np.empty((0, 2)), *stood]
    if walked:
        clipped = shapely.clip_by_rect(shapely.multilinestrings(walked), *near)
        parts.append(shapely.get_coordinates(shapely.segmentize(clipped, cell_m)))
    points = np.concatenate(parts)
    keep = (points[:, 0] >= near[0]) & (points[:, 0] <= near[2])
    keep &= (points[:, 1] >= near[1]) & (points[:, 1] <= near[3])
    return points[keep]


class _Lattice:
    """Cells of ``size`` metres over a bounding box, row by row from its south-west."""

    def __init__(self, bounds: tuple[float, float, float, float], size: float) -> None:
        self.x0, self.y0, xmax, ymax = bounds
        self.size = size
        self.nx = max(1, math.ceil((xmax - self.x0) / size))
        self.ny = max(1, math.ceil((ymax - self.y0) / size))

    def near(self, reach_m: float) -> tuple[float, float, float, float]:
        x1, y1 = self.x0 + self.nx * self.size, self.y0 + self.ny * self.size
        return (self.x0 - reach_m, self.y0 - reach_m, x1 + reach_m, y1 + reach_m)

    def within(self, points: np.ndarray[Any, Any], reach_m: float) -> np.ndarray[Any, Any]:
        """Which cells have their centre within ``reach_m`` of the centre of a cell a point
        lies in: the cells the tracks touch, dilated by a disc of ``reach_m``."""
        span = math.ceil(reach_m / self.size)
        touched = np.zeros((self.ny + 2 * span, self.nx + 2 * span), dtype=bool)
        home = np.floor((points - (self.x0, self.y0)) / self.size).astype(np.int64) + span
        inside = (home[:, 0] >= 0) & (home[:, 0] < self.nx + 2 * span)
        inside &= (home[:, 1] >= 0) & (home[:, 1] < self.ny + 2 * span)
        touched[home[inside, 1], home[inside, 0]] = True
        walked = np.zeros((self.ny, self.nx), dtype=bool)
        radius = reach_m / self.size
        for dy in range(-span, span + 1):
            for dx in range(-span, span + 1):
                if dx * dx + dy * dy <= radius * radius:
                    walked |= touched[span + dy : span + dy + self.ny,
                                      span + dx : span + dx + self.nx]  # fmt: skip
        return walked

    def shape_of(self, cells: np.ndarray[Any, Any]) -> BaseGeometry:
        """The cells marked in ``cells`` as one shape: runs along rows, united."""
        padded = np.zeros((self.ny, self.nx + 2), dtype=np.int8)
        padded[:, 1:-1] = cells
        edges = np.diff(padded, axis=1)
        rows, starts = np.nonzero(edges == 1)
        _, ends = np.nonzero(edges == -1)
        if len(rows) == 0:
            return shapely.Polygon()
        x0, y0, size = self.x0, self.y0, self.size
        runs = shapely.box(x0 + starts * size, y0 + rows * size,
                           x0 + ends * size, y0 + (rows + 1) * size)  # fmt: skip
        return shapely.coverage_union_all(runs)
