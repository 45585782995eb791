"""The validation report of a boundary set: what would leave blind spots or double
responsibility on the ground.

- ``invalid_geometry``: self-intersections and the like, with GEOS's reason, where it
  is, and an offered repair (``make_valid``) that is never applied silently;
- ``gap``: part of a parent that no child grid covers (a blind spot);
- ``overlap``: part claimed by two siblings;
- ``outside_parent``: part of a child beyond its parent.

Areas are in square metres; pieces smaller than ``sliver_m2`` are ignored (digitizing
noise along shared edges).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

import shapely
from shapely.geometry import Point, mapping
from shapely.geometry.base import BaseGeometry

from geo.geofence import metres_per_degree
from geo.hierarchy import PlaceFeature
from geo.repair import polygonal

KINDS = ("invalid_geometry", "gap", "overlap", "outside_parent")
_LOCATION = re.compile(r"\[(-?[\d.eE+-]+) (-?[\d.eE+-]+)\]")


@dataclass(frozen=True, slots=True)
class Problem:
    kind: str
    place_ids: tuple[str, ...]
    area_m2: float
    geometry: BaseGeometry
    reason: str = ""
    repair: BaseGeometry | None = None

    def as_feature(self) -> dict[str, Any]:
        properties: dict[str, Any] = {
            "kind": self.kind,
            "place_ids": list(self.place_ids),
            "area_m2": round(self.area_m2, 1),
            "reason": self.reason,
        }
        if self.repair is not None:
            properties["repair"] = mapping(self.repair)
        return {"type": "Feature", "properties": properties, "geometry": mapping(self.geometry)}


@dataclass(frozen=True, slots=True)
class ValidationReport:
    problems: list[Problem] = field(default_factory=list)
    sliver_m2: float = 1.0

    @property
    def ok(self) -> bool:
        return not self.problems

    def counts(self) -> dict[str, int]:
        return {kind: sum(p.kind == kind for p in self.problems) for kind in KINDS}

    def as_geojson(self) -> dict[str, Any]:
        return {"type": "FeatureCollection", "features": [p.as_feature() for p in self.problems]}


def area_m2(geometry: BaseGeometry) -> float:
    """Area in square metres, in a local plane at the geometry's latitude."""
    if geometry.is_empty:
        return 0.0
    east, north = metres_per_degree(geometry.centroid.y)
    return float(geometry.area * east * north)


def _pieces(geometry: BaseGeometry, sliver_m2: float) -> list[BaseGeometry]:
    polygons = shapely.get_parts(shapely.get_parts(geometry))
    return [p for p in polygons if p.geom_type == "Polygon" and area_m2(p) >= sliver_m2]


def _invalid(place: PlaceFeature) -> tuple[Problem, BaseGeometry]:
    reason = shapely.is_valid_reason(place.geometry)
    match = _LOCATION.search(reason)
    where = Point(float(match[1]), float(match[2])) if match else place.geometry.centroid
    repaired = polygonal(place.geometry)
    problem = Problem("invalid_geometry", (place.id,), area_m2(repaired), where, reason, repaired)
    return problem, repaired


def validate_hierarchy(places: Sequence[PlaceFeature], sliver_m2: float = 1.0) -> ValidationReport:
    problems: list[Problem] = []
    shapes: dict[str, BaseGeometry] = {}
    repaired: set[str] = set()
    for place in places:
        if shapely.is_valid(place.geometry):
            shapes[place.id] = place.geometry
        else:
            problem, shapes[place.id] = _invalid(place)
            problems.append(problem)
            repaired.add(place.id)
    children: dict[str, list[str]] = defaultdict(list)
    for place in places:
        if place.parent_id is not None:
            children[place.parent_id].append(place.id)
    for parent_id, kids in sorted(children.items()):
        parent = shapes[parent_id]
        covered = shapely.union_all([shapes[k] for k in kids])
        problems += [
            Problem("gap", (parent_id,), area_m2(piece), piece, "not covered by any child")
            for piece in _pieces(parent.difference(covered), sliver_m2)
        ]
        for kid in sorted(kids):
            whose = f"the repair of {kid}" if kid in repaired else kid
            problems += [
                Problem("outside_parent", (kid, parent_id), area_m2(piece), piece,
                        f"part of {whose} lies outside {parent_id}")
                for piece in _pieces(shapes[kid].difference(parent), sliver_m2)
            ]  # fmt: skip
        problems += _overlaps(sorted(kids), shapes, sliver_m2, repaired)
    return ValidationReport(problems, sliver_m2)


def _overlaps(
    siblings: list[str],
    shapes: dict[str, BaseGeometry],
    sliver_m2: float,
    repaired: Collection[str] = (),
) -> list[Problem]:
    """Pieces claimed by two siblings. Where one of them is only the repair of an invalid
    shape (a lobe of a bow-tie, say), that shape is named first as the one to redraw."""
    geometries = [shapes[s] for s in siblings]
    tree = shapely.STRtree(geometries)
    left, right = tree.query(geometries, predicate="intersects")
    found = []
    for a, b in zip(left.tolist(), right.tolist(), strict=True):
        if a < b:
            shared = geometries[a].intersection(geometries[b])
            first, second = siblings[a], siblings[b]
            if second in repaired and first not in repaired:
                first, second = second, first
            reason = f"claimed by both {first} and {second}"
            if first in repaired and second in repaired:
                reason = f"the repairs of {first} and {second} would overlap: redraw both"
            elif first in repaired:
                reason = f"the repair of {first} would overlap {second}: redraw {first}"
            found += [
                Problem("overlap", (first, second), area_m2(piece), piece, reason)
                for piece in _pieces(shared, sliver_m2)
            ]  # fmt: skip
    return found
