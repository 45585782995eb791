"""Blind spots of a grid from its tracks: checked against areas worked out by hand on a
square grid of 1 km (its corners in degrees from the same metres-per-degree rule), to
within one lattice cell along each edge of what was patrolled."""

from __future__ import annotations

import math
import random

import pytest
import shapely
from shapely.geometry import LineString, Polygon, shape

from geo.blind_spots import CELL_M, patrol_coverage
from geo.geofence import metres_per_degree

LAT0 = 30.0
EAST, NORTH = metres_per_degree(LAT0)


def _deg(x: float, y: float) -> list[float]:
    """A point ``x`` metres east and ``y`` metres north of (120°E, 30°N)."""
    return [120.0 + x / EAST, LAT0 + y / NORTH]


SQUARE = Polygon([_deg(0, -500), _deg(1000, -500), _deg(1000, 500), _deg(0, 500)])
"""1,000 m a side, centred on latitude 30° (the plane's scale is taken there)."""


def _cells_along(edge_m: float) -> float:
    """The area of one lattice cell's width along ``edge_m`` metres (and a hair more)."""
    return 1.001 * CELL_M * edge_m


def test_no_track_leaves_the_whole_grid_unpatrolled() -> None:
    result = patrol_coverage(SQUARE, [], 50)
    assert result.area_m2 == pytest.approx(1_000_000, rel=1e-3)
    assert result.patrolled_share == 0.0
    assert shape(result.unpatrolled).normalize().equals_exact(SQUARE.normalize(), 1e-6)


def test_a_walk_across_the_middle_sees_a_band_of_twice_the_reach() -> None:
    walk = [_deg(-30, 0), _deg(500, 0), _deg(1030, 0)]  # starts and ends beyond the edges
    result = patrol_coverage(SQUARE, [walk], 50)
    assert result.patrolled_m2 == pytest.approx(100 * 1000, abs=_cells_along(1000))
    assert result.patrolled_share == pytest.approx(0.1, abs=_cells_along(1000) / 1e6)
    left = shape(result.unpatrolled)
    assert left.geom_type == "MultiPolygon"
    assert len(left.geoms) == 2  # the strips north and south of the band
    assert left.area == pytest.approx(SQUARE.area * 0.9, rel=0.003)


def test_overlapping_walks_count_once() -> None:
    walk = [_deg(-30, 0), _deg(1030, 0)]
    again = [_deg(-30, 10), _deg(1030, 10)]  # 10 m beside the first
    result = patrol_coverage(SQUARE, [walk, again, walk], 50)
    assert result.patrolled_m2 == pytest.approx(110 * 1000, abs=_cells_along(1000))


def test_a_place_stood_at_counts_as_a_circle_and_a_walk_outside_counts_nothing() -> None:
    stood = [_deg(500, 0)]
    outside = [_deg(2000, 0), _deg(3000, 0)]
    result = patrol_coverage(SQUARE, [stood, outside], 50)
    assert result.patrolled_m2 == pytest.approx(math.pi * 50**2, abs=_cells_along(2 * math.pi * 50))


def test_the_edge_of_reach_is_clipped_to_the_grid() -> None:
    along_the_edge = [_deg(0, -600), _deg(0, 600)]  # the west edge, beyond both ends
    result = patrol_coverage(SQUARE, [along_the_edge], 50)
    assert result.patrolled_m2 == pytest.approx(50 * 1000, abs=_cells_along(1000))
    assert result.area_m2 - result.patrolled_m2 == pytest.approx(950 * 1000, abs=_cells_along(1000))


def test_the_answer_agrees_with_buffering_the_tracks_exactly() -> None:
    """Against shapely's own buffer, union and difference on a winding walk."""
    rng = random.Random(3)
    walk = [_deg(500, 0)]
    for _ in range(300):
        x, y = (walk[-1][0] - 120.0) * EAST, (walk[-1][1] - LAT0) * NORTH
        walk.append(_deg(min(1100, max(-100, x + rng.uniform(-40, 40))),
                         min(600, max(-600, y + rng.uniform(-40, 40)))))  # fmt: skip
    result = patrol_coverage(SQUARE, [walk], 50)
    metres = shapely.transform(SQUARE, lambda xy: (xy - (120.0, LAT0)) * (EAST, NORTH))
    line = LineString([((x - 120.0) * EAST, (y - LAT0) * NORTH) for x, y in walk])
    exact = metres.intersection(line.buffer(50, quad_segs=32)).area
    edge = metres.intersection(line.buffer(50)).boundary.length
    assert result.patrolled_m2 == pytest.approx(exact, abs=_cells_along(edge))
