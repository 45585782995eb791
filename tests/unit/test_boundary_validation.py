"""Boundary files with blind spots, double claims and broken shapes are caught."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from shapely.geometry import box, mapping

from backend.demo import DEMO_STREET
from geo.datum import wgs84_to_gcj02
from geo.hierarchy import read_hierarchy
from geo.validation import validate_hierarchy


def _demo() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DEMO_STREET.read_text(encoding="utf-8"))
    return data


def _set(data: dict[str, Any], place_id: str, geometry: dict[str, Any]) -> None:
    for feature in data["features"]:
        if feature["properties"]["id"] == place_id:
            feature["geometry"] = geometry


def test_the_demo_street_is_clean() -> None:
    report = validate_hierarchy(read_hierarchy(_demo()))
    assert report.ok
    assert report.counts() == {"invalid_geometry": 0, "gap": 0, "overlap": 0, "outside_parent": 0}


def test_planted_gap_overlap_bow_tie_and_stray_child_are_each_named_with_area() -> None:
    data = copy.deepcopy(_demo())
    _set(data, "donghu-02", mapping(box(120.150, 30.274, 120.160, 30.2775)))  # gap below -03
    _set(data, "xixi-01", mapping(box(120.160, 30.270, 120.170, 30.2745)))  # into xixi-02
    _set(data, "xixi-03", mapping(box(120.160, 30.278, 120.171, 30.282)))  # east of xixi
    bow_tie = [[120.150, 30.278], [120.160, 30.282], [120.160, 30.278], [120.150, 30.282],
               [120.150, 30.278]]  # fmt: skip
    _set(data, "donghu-03", {"type": "Polygon", "coordinates": [bow_tie]})

    report = validate_hierarchy(read_hierarchy(data), sliver_m2=10)
    by_kind: dict[str, list[Any]] = {}
    for problem in report.problems:
        by_kind.setdefault(problem.kind, []).append(problem)

    [invalid] = by_kind["invalid_geometry"]
    assert invalid.place_ids == ("donghu-03",)
    assert "Self-intersection" in invalid.reason
    assert invalid.repair is not None
    assert (invalid.geometry.x, invalid.geometry.y) == pytest.approx((120.155, 30.280))

    [overlap] = by_kind["overlap"]
    assert overlap.place_ids == ("xixi-01", "xixi-02")
    assert overlap.area_m2 == pytest.approx(962 * 55.4, rel=0.02)

    [stray] = by_kind["outside_parent"]
    assert stray.place_ids == ("xixi-03", "xixi")
    assert stray.area_m2 == pytest.approx(96.2 * 443, rel=0.02)

    gaps = [g for g in by_kind["gap"] if g.place_ids == ("donghu",)]
    below_donghu_03 = [g for g in gaps if g.geometry.bounds[1] == pytest.approx(30.2775)]
    assert below_donghu_03, [g.geometry.bounds for g in gaps]
    # the strip, joined by the triangle the bow-tie leaves uncovered just above it
    assert below_donghu_03[0].area_m2 == pytest.approx(962 * 55.4 + 962 * 443 / 4, rel=0.02)
    assert not report.ok
    assert report.as_geojson()["features"][0]["properties"]["area_m2"] > 0


def test_slivers_below_the_threshold_are_ignored() -> None:
    data = copy.deepcopy(_demo())
    _set(data, "donghu-02", mapping(box(120.150, 30.274, 120.160, 30.2779999)))  # 1 cm strip
    assert validate_hierarchy(read_hierarchy(data), sliver_m2=50).ok
    assert not validate_hierarchy(read_hierarchy(data), sliver_m2=1).ok


def test_a_file_drawn_in_gcj02_is_converted_to_wgs84_on_import() -> None:
    data = copy.deepcopy(_demo())
    data["datum"] = "gcj02"
    for feature in data["features"]:
        ring = feature["geometry"]["coordinates"][0]
        lons, lats = wgs84_to_gcj02([p[0] for p in ring], [p[1] for p in ring])
        feature["geometry"]["coordinates"] = [[[x, y] for x, y in zip(lons, lats, strict=True)]]
    converted = {p.id: p.geometry for p in read_hierarchy(data)}
    original = {p.id: p.geometry for p in read_hierarchy(_demo())}
    for place_id, geometry in original.items():
        assert converted[place_id].hausdorff_distance(geometry) < 1e-8
