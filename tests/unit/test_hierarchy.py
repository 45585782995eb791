"""Reading the street → community → grid hierarchy from GeoJSON."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from shapely import union_all

from backend.demo import DEMO_STREET
from geo.hierarchy import HierarchyError, read_hierarchy


def _demo() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DEMO_STREET.read_text(encoding="utf-8"))
    return data


def test_the_demo_street_has_two_communities_and_six_grids_parents_first() -> None:
    places = read_hierarchy(_demo())
    kinds = [p.kind for p in places]
    assert kinds.count("street") == 1
    assert kinds.count("community") == 2
    assert kinds.count("grid") == 6
    assert kinds == sorted(kinds, key=["street", "community", "grid"].index)


def test_the_demo_grids_tile_their_communities_without_gaps_or_overlaps() -> None:
    places = read_hierarchy(_demo())
    for community in (p for p in places if p.kind == "community"):
        grids = [p.geometry for p in places if p.parent_id == community.id]
        union = union_all(grids)
        assert union.symmetric_difference(community.geometry).area == pytest.approx(0, abs=1e-12)
        assert sum(g.area for g in grids) == pytest.approx(community.geometry.area)


def _broken(path: list[Any], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(_demo())
    target: Any = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "where", "message"),
    [
        (["type"], "Feature", "type", "FeatureCollection"),
        (["features", 3, "properties", "parent_id"], "nowhere", "features[3].properties.parent_id",
         "not in the file"),
        (["features", 1, "properties", "id"], "demo-street", "features[1].properties.id",
         "duplicate"),
        (["features", 2, "properties", "kind"], "district", "features[2].properties.kind",
         "expected one of"),
        (["features", 4, "geometry"], {"type": "Point", "coordinates": [120.15, 30.27]},
         "features[4].geometry", "Polygon or MultiPolygon"),
        (["features", 4, "geometry", "coordinates"],
         [[[30.27, 120.15], [30.28, 120.16], [30.27, 120.16], [30.27, 120.15]]],
         "features[4].geometry", "out of range"),
        (["datum"], "epsg3857", "datum", "expected one of"),
        (["features", 4, "properties", "name_zh"], "  ", "features[4].properties.name_zh",
         "non-empty"),
    ],
)  # fmt: skip
def test_a_broken_file_is_refused_with_the_place_of_the_problem(
    path: list[Any], value: Any, where: str, message: str
) -> None:
    with pytest.raises(HierarchyError) as refused:
        read_hierarchy(_broken(path, value))
    assert refused.value.path == where
    assert message in refused.value.message
