"""Make the boundary files of this folder from the npm package ``us-atlas@3.0.1``.

    npm pack us-atlas@3.0.1 && tar xzf us-atlas-3.0.1.tgz
    python -m tests.corpus.real_boundaries.extract package/ 51 virginia
    python -m tests.corpus.real_boundaries.extract package/ 08 colorado

One state becomes a street, the same state a community (the one the counties belong
to), and its counties the grids. The arcs are decoded exactly as TopoJSON defines them
(delta-encoded integers times the file's scale plus its translation), nothing is
repaired or rounded: the defects are the ones the published quantised file has.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

Ring = list[list[float]]


def _arcs(topology: dict[str, Any]) -> list[Ring]:
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    decoded = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append([x * sx + tx, y * sy + ty])
        decoded.append(points)
    return decoded


def _ring(arcs: list[Ring], indexes: list[int]) -> Ring:
    points: Ring = []
    for i in indexes:
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def _geometry(arcs: list[Ring], geometry: dict[str, Any]) -> dict[str, Any]:
    if geometry["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": [_ring(arcs, r) for r in geometry["arcs"]]}
    polygons = [[_ring(arcs, r) for r in polygon] for polygon in geometry["arcs"]]
    return {"type": "MultiPolygon", "coordinates": polygons}


def _feature(
    id_: str, kind: str, parent: str | None, name: str, geometry: dict[str, Any]
) -> dict[str, Any]:
    properties = {"id": id_, "kind": kind, "parent_id": parent, "name_zh": name, "name_en": name}
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def extract(package: Path, state: str) -> dict[str, Any]:
    states = json.loads((package / "states-10m.json").read_text())
    counties = json.loads((package / "counties-10m.json").read_text())
    state_arcs, county_arcs = _arcs(states), _arcs(counties)
    (whole,) = [g for g in states["objects"]["states"]["geometries"] if g["id"] == state]
    name = whole["properties"]["name"]
    outline = _geometry(state_arcs, whole)
    features = [
        _feature(f"state-{state}", "street", None, name, outline),
        _feature(f"community-{state}", "community", f"state-{state}", name, outline),
    ]
    for county in counties["objects"]["counties"]["geometries"]:
        if county["id"].startswith(state):
            geometry = _geometry(county_arcs, county)
            name = county["properties"]["name"]
            features.append(_feature(county["id"], "grid", f"community-{state}", name, geometry))
    source = "us-atlas@3.0.1 (npm), states-10m.json and counties-10m.json"
    return {"type": "FeatureCollection", "source": source, "features": features}


if __name__ == "__main__":
    package, state, name = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    out = Path(__file__).parent / f"us_atlas_{name}.geojson"
    out.write_text(json.dumps(extract(package, state), separators=(",", ":")) + "\n")
    print(out, out.stat().st_size)
