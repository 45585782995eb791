"""The accuracy-aware geofence, on the demo street's grids and on tricky shapes."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import MultiPolygon, Polygon, box

from backend.demo import DEMO_STREET
from geo.geofence import GeofencePolicy, GeofenceStatus, GridIndex, metres_per_degree
from geo.hierarchy import read_hierarchy

GRIDS = {
    p.id: p.geometry
    for p in read_hierarchy(json.loads(DEMO_STREET.read_text(encoding="utf-8")))
    if p.kind == "grid"
}
INDEX = GridIndex(GRIDS, boundary_version=1)
EAST_PER_DEG, NORTH_PER_DEG = metres_per_degree(30.272)
# donghu-01 is [120.150, 120.160] x [30.270, 30.274]; xixi-01 is east of it.


def _east_of_edge(metres: float) -> float:
    return 120.160 + metres / EAST_PER_DEG


def test_a_point_well_inside_is_inside() -> None:
    result = INDEX.classify("donghu-01", 120.155, 30.272, 8.0)
    assert result.status is GeofenceStatus.inside
    assert result.distance_m == pytest.approx(2 * NORTH_PER_DEG / 1000, rel=0.01)
    assert result.suggested_grid_id is None


def test_three_metres_outside_with_ten_metres_accuracy_is_within_accuracy() -> None:
    result = INDEX.classify("donghu-01", _east_of_edge(3), 30.272, 10.0)
    assert result.status is GeofenceStatus.outside_within_accuracy
    assert result.distance_m == pytest.approx(3, abs=0.01)
    assert result.suggested_grid_id == "xixi-01"


def test_two_hundred_metres_outside_is_outside_with_the_right_suggestion() -> None:
    result = INDEX.classify("donghu-01", _east_of_edge(200), 30.2735, 10.0)
    assert result.status is GeofenceStatus.outside
    assert result.distance_m == pytest.approx(200, rel=0.005)
    assert result.suggested_grid_id == "xixi-01"
    assert result.as_verdict()["suggested_grid_id"] == "xixi-01"


def test_inside_but_closer_to_the_edge_than_the_accuracy_is_near_edge() -> None:
    result = INDEX.classify("donghu-01", _east_of_edge(-4), 30.272, 10.0)
    assert result.status is GeofenceStatus.near_edge


def test_a_point_on_a_shared_edge_gets_the_same_answer_from_both_sides() -> None:
    west = INDEX.classify("donghu-01", 120.160, 30.272, 5.0)
    east = INDEX.classify("xixi-01", 120.160, 30.272, 5.0)
    assert west.status is east.status is GeofenceStatus.near_edge
    assert west.distance_m == east.distance_m == 0
    assert INDEX.containing([120.160], [30.272]) == [("donghu-01", "xixi-01")]


def test_a_shared_vertex_of_four_grids_is_held_by_all_four() -> None:
    [held] = INDEX.containing([120.160], [30.274])
    assert held == ("donghu-01", "donghu-02", "xixi-01", "xixi-02")


@pytest.mark.parametrize(
    ("lon", "lat", "accuracy"),
    [(None, None, 5.0), (120.155, None, 5.0), (120.155, 30.272, 500.0),
     (120.155, 30.272, float("nan"))],
)  # fmt: skip
def test_no_location_or_a_useless_one_is_no_fix(
    lon: float | None, lat: float | None, accuracy: float
) -> None:
    assert INDEX.classify("donghu-01", lon, lat, accuracy).status is GeofenceStatus.no_fix


def test_a_missing_accuracy_uses_the_policys_default_and_tiny_ones_the_floor() -> None:
    policy = GeofencePolicy(accuracy_floor_m=5, unknown_accuracy_m=30)
    index = GridIndex(GRIDS, 1, policy)
    assert index.classify("donghu-01", _east_of_edge(-20), 30.272, None).accuracy_m == 30
    assert index.classify("donghu-01", _east_of_edge(-20), 30.272, None).status == "near_edge"
    assert index.classify("donghu-01", _east_of_edge(-3), 30.272, 0.5).accuracy_m == 5


def test_an_unknown_grid_is_no_fix_not_a_crash() -> None:
    assert INDEX.classify("nowhere", 120.155, 30.272, 5.0).status is GeofenceStatus.no_fix


def test_holes_and_multipolygons() -> None:
    ring = box(120.0, 30.0, 120.01, 30.01)
    with_hole = Polygon(
        ring.exterior.coords, [box(120.004, 30.004, 120.006, 30.006).exterior.coords]
    )
    two_parts = MultiPolygon(
        [box(121.0, 30.0, 121.001, 30.001), box(121.01, 30.0, 121.011, 30.001)]
    )
    index = GridIndex({"holed": with_hole, "split": two_parts}, 2)
    assert index.classify("holed", 120.005, 30.005, 5.0).status is GeofenceStatus.outside
    assert index.classify("holed", 120.002, 30.002, 5.0).status is GeofenceStatus.inside
    assert index.classify("split", 121.0105, 30.0005, 5.0).status is GeofenceStatus.inside
    assert index.classify("split", 121.005, 30.0005, 5.0).status is GeofenceStatus.outside
    assert index.classify("split", 121.005, 30.0005, 5.0).boundary_version == 2


def _vincenty(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Geodesic distance on WGS-84 (Vincenty's inverse formula), metres."""
    a, f = 6378137.0, 1 / 298.257223563
    b = a * (1 - f)
    u1, u2 = (
        math.atan((1 - f) * math.tan(math.radians(lat1))),
        math.atan((1 - f) * math.tan(math.radians(lat2))),
    )
    big_l = lam = math.radians(lon2 - lon1)
    for _ in range(200):
        sin_l, cos_l = math.sin(lam), math.cos(lam)
        cross = math.cos(u1) * math.sin(u2) - math.sin(u1) * math.cos(u2) * cos_l
        sin_s = math.hypot(math.cos(u2) * sin_l, cross)
        cos_s = math.sin(u1) * math.sin(u2) + math.cos(u1) * math.cos(u2) * cos_l
        sigma = math.atan2(sin_s, cos_s)
        sin_a = math.cos(u1) * math.cos(u2) * sin_l / sin_s
        cos2a = 1 - sin_a**2
        cos2sm = cos_s - 2 * math.sin(u1) * math.sin(u2) / cos2a
        c = f / 16 * cos2a * (4 + f * (4 - 3 * cos2a))
        previous = lam
        lam = big_l + (1 - c) * f * sin_a * (
            sigma + c * sin_s * (cos2sm + c * cos_s * (-1 + 2 * cos2sm**2))
        )
        if abs(lam - previous) < 1e-13:
            break
    u2_ = cos2a * (a * a - b * b) / (b * b)
    big_a = 1 + u2_ / 16384 * (4096 + u2_ * (-768 + u2_ * (320 - 175 * u2_)))
    big_b = u2_ / 1024 * (256 + u2_ * (-128 + u2_ * (74 - 47 * u2_)))
    delta = big_b * sin_s * (cos2sm + big_b / 4 * (cos_s * (-1 + 2 * cos2sm**2)
            - big_b / 6 * cos2sm * (-3 + 4 * sin_s**2) * (-3 + 4 * cos2sm**2)))  # fmt: skip
    return b * big_a * (sigma - delta)


@given(st.floats(1, 3000), st.floats(30.2702, 30.2738))
def test_distances_are_within_half_a_percent_of_the_geodesic(metres: float, lat: float) -> None:
    lon = _east_of_edge(metres)
    result = INDEX.classify("donghu-01", lon, lat, 5.0)
    assert result.distance_m is not None
    assert result.distance_m == pytest.approx(_vincenty(120.160, lat, lon, lat), rel=0.005)


points = st.tuples(st.floats(120.1495, 120.1705), st.floats(30.2695, 30.2825),
                   st.one_of(st.none(), st.floats(0, 150)))  # fmt: skip


@given(st.lists(points, min_size=1, max_size=40), st.sampled_from(sorted(GRIDS)))
def test_the_batch_path_agrees_with_one_at_a_time_and_with_its_own_rules(
    pts: list[tuple[float, float, float | None]], grid_id: str
) -> None:
    batch = INDEX.classify_many([grid_id] * len(pts), [p[0] for p in pts],
                                [p[1] for p in pts], [p[2] for p in pts])  # fmt: skip
    for (lon, lat, accuracy), result in zip(pts, batch, strict=True):
        assert result == INDEX.classify(grid_id, lon, lat, accuracy)
        if result.status is GeofenceStatus.no_fix:
            assert accuracy is not None
            assert accuracy > 100
            continue
        assert result.distance_m is not None
        assert result.accuracy_m is not None
        held = grid_id in INDEX.containing([lon], [lat])[0]
        if held:
            assert result.status in {GeofenceStatus.inside, GeofenceStatus.near_edge}
        else:
            assert result.status in {GeofenceStatus.outside, GeofenceStatus.outside_within_accuracy}
            assert (result.status is GeofenceStatus.outside) == (
                result.distance_m > result.accuracy_m
            )


@given(st.lists(points, min_size=1, max_size=60))
def test_the_fast_status_path_gives_the_same_statuses_as_exact_distances(
    pts: list[tuple[float, float, float | None]],
) -> None:
    grid = np.arange(len(pts)) % len(INDEX.ids)
    lon = np.array([p[0] for p in pts])
    lat = np.array([p[1] for p in pts])
    acc = np.array([np.nan if p[2] is None else p[2] for p in pts])
    exact = INDEX.classify_arrays(grid, lon, lat, acc)
    fast = INDEX.classify_arrays(grid, lon, lat, acc, exact_distances=False)
    assert fast.statuses() == exact.statuses()
    known = ~np.isnan(fast.distance)
    assert np.allclose(fast.distance[known], exact.distance[known])


@given(
    st.floats(-180, 180), st.floats(-90, 90),
    st.one_of(st.none(), st.floats(0, 1e9), st.just(float("inf"))),
)  # fmt: skip
def test_any_coordinate_on_earth_gets_an_answer_never_an_error(
    lon: float, lat: float, accuracy: float | None
) -> None:
    result = INDEX.classify("xixi-02", lon, lat, accuracy)
    assert result.status in set(GeofenceStatus)
    far_away = abs(lon - 120.16) > 0.1 or abs(lat - 30.276) > 0.1
    if far_away and result.status is not GeofenceStatus.no_fix:
        assert result.status is GeofenceStatus.outside
        assert result.suggested_grid_id is None
