"""Blind spots of a grid from its tracks: checked against areas worked out by hand on a
square grid of 1 km (its corners in degrees from the same metres-per-degree rule)."""

from __future__ import annotations

import math

import pytest
from shapely.geometry import Polygon, shape

from geo.blind_spots import patrol_coverage
from geo.geofence import metres_per_degree

LAT0 = 30.0
EAST, NORTH = metres_per_degree(LAT0)


def _deg(x: float, y: float) -> list[float]:
    """A point ``x`` metres east and ``y`` metres north of (120°E, 30°N)."""
    return [120.0 + x / EAST, LAT0 + y / NORTH]


SQUARE = Polygon([_deg(0, -500), _deg(1000, -500), _deg(1000, 500), _deg(0, 500)])
"""1,000 m a side, centred on latitude 30° (the plane's scale is taken there)."""


def test_no_track_leaves_the_whole_grid_unpatrolled() -> None:
    result = patrol_coverage(SQUARE, [], 50)
    assert result.area_m2 == pytest.approx(1_000_000, rel=1e-3)
    assert result.patrolled_share == 0.0
    assert shape(result.unpatrolled).normalize().equals_exact(SQUARE.normalize(), 1e-6)


def test_a_walk_across_the_middle_sees_a_band_of_twice_the_reach() -> None:
    walk = [_deg(-30, 0), _deg(500, 0), _deg(1030, 0)]  # starts and ends beyond the edges
    result = patrol_coverage(SQUARE, [walk], 50)
    assert result.patrolled_m2 == pytest.approx(100 * 1000, rel=2e-3)
    assert result.patrolled_share == pytest.approx(0.1, rel=2e-3)
    left = shape(result.unpatrolled)
    assert left.geom_type == "MultiPolygon"
    assert len(left.geoms) == 2  # the strips north and south of the band
    assert left.area == pytest.approx(SQUARE.area * 0.9, rel=2e-3)


def test_overlapping_walks_count_once() -> None:
    walk = [_deg(-30, 0), _deg(1030, 0)]
    again = [_deg(-30, 10), _deg(1030, 10)]  # 10 m beside the first
    result = patrol_coverage(SQUARE, [walk, again, walk], 50)
    assert result.patrolled_m2 == pytest.approx(110 * 1000, rel=2e-3)


def test_a_place_stood_at_counts_as_a_circle_and_a_walk_outside_counts_nothing() -> None:
    stood = [_deg(500, 0)]
    outside = [_deg(2000, 0), _deg(3000, 0)]
    result = patrol_coverage(SQUARE, [stood, outside], 50)
    # a circle of 50 m drawn with four segments per quarter: a 16-gon, 8 sin(π/8) r²
    assert result.patrolled_m2 == pytest.approx(8 * math.sin(math.pi / 8) * 50**2, rel=1e-3)


def test_the_edge_of_reach_is_clipped_to_the_grid() -> None:
    along_the_edge = [_deg(0, -600), _deg(0, 600)]  # the west edge, beyond both ends
    result = patrol_coverage(SQUARE, [along_the_edge], 50)
    assert result.patrolled_m2 == pytest.approx(50 * 1000, rel=2e-3)
    assert result.area_m2 - result.patrolled_m2 == pytest.approx(950 * 1000, rel=2e-3)
