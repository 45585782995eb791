"""Boundary files are imported as versions, reported on, and activated on purpose."""

from __future__ import annotations

import copy
import json
from typing import Any

from shapely.geometry import box, mapping, shape

from backend.demo import DEMO_STREET
from backend.settings import Settings
from geo.geofence import metres_per_degree
from sync.devserver import DevCouch
from tests.helpers import eventually, hazard_doc, jpeg_photo, with_photos
from tests.integration.harness import get_json, running_app, tablet

_, NORTH_PER_DEG = metres_per_degree(30.274)
NEW_EDGE = 30.2735  # the edge between donghu-01 and donghu-02 moves 55 m south


def _demo() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DEMO_STREET.read_text(encoding="utf-8"))
    return data


def _with(data: dict[str, Any], **shapes: Any) -> dict[str, Any]:
    data = copy.deepcopy(data)
    for feature in data["features"]:
        place_id = feature["properties"]["id"].replace("-", "_")
        if place_id in shapes:
            feature["geometry"] = mapping(shapes[place_id])
    return data


async def test_a_broken_file_is_reported_and_a_clean_one_activates_and_rechecks_hazards(
    sqlite_settings: Settings, dev_couch: DevCouch
) -> None:
    async with running_app(sqlite_settings) as (client, runtime):
        cred = next(c for c in runtime.issued_credentials if c.grid_id == "donghu-01")
        doc = hazard_doc(device_id=cred.device_id, author=cred.couch_user, grid_id="donghu-01")
        doc["location"] = {"lat": 30.274 - 20 / NORTH_PER_DEG, "lon": 120.155,
                           "accuracy_m": 5, "provider": "gps"}  # fmt: skip
        with_photos(doc, {"p1.jpg": jpeg_photo((200, 40, 40))})
        async with tablet(dev_couch, cred) as device:
            await device.put_doc(cred.database, doc)
            await eventually(  # the photo worker has added its result to the verdict
                lambda: device.find_doc(cred.database, f"verdict:{doc['_id']}"),
                lambda v: [p["status"] for p in (v or {}).get("photos", [])] == ["processed"],
            )
        [before] = await eventually(
            lambda: get_json(client, "/api/hazards"), lambda rows: len(rows) == 1
        )

        broken = _with(_demo(), donghu_02=box(120.150, 30.274, 120.160, 30.2775),
                       xixi_01=box(120.160, 30.270, 120.170, 30.2745))  # fmt: skip
        uploaded = await client.post("/api/boundaries?label=broken", json=broken)
        assert uploaded.status_code == 201, uploaded.text
        version = uploaded.json()
        problems = await get_json(client, f"/api/boundaries/{version['id']}/problems")
        refused = await client.post(f"/api/boundaries/{version['id']}/activate", json={})
        no_reason = await client.post(
            f"/api/boundaries/{version['id']}/activate", json={"force": True}
        )

        shifted = _with(_demo(), donghu_01=box(120.150, 30.270, 120.160, NEW_EDGE),
                        donghu_02=box(120.150, NEW_EDGE, 120.160, 30.278))  # fmt: skip
        clean = (await client.post("/api/boundaries?label=shifted", json=shifted)).json()
        activated = await client.post(f"/api/boundaries/{clean['id']}/activate", json={})
        [after] = await get_json(client, "/api/hazards")
        async with tablet(dev_couch, cred) as device:
            verdict = await device.get_doc(cred.database, f"verdict:{doc['_id']}")
        grids = await client.get("/api/grids/geojson")
        again = await client.get("/api/grids/geojson",
                                 headers={"If-None-Match": grids.headers["etag"]})  # fmt: skip
        versions = await get_json(client, "/api/boundaries")
        malformed = await client.post("/api/boundaries", json={"type": "Feature"})

    kinds = {f["properties"]["kind"] for f in problems["features"]}
    assert kinds == {"gap", "overlap"}
    assert all(f["properties"]["area_m2"] > 40_000 for f in problems["features"])
    assert version["problem_counts"] == {"invalid_geometry": 0, "gap": 1, "overlap": 1,
                                         "outside_parent": 0}  # fmt: skip
    assert refused.status_code == 409
    assert no_reason.status_code == 400
    assert activated.status_code == 200, activated.text
    assert activated.json()["recheck"] == {
        "checked": 1, "changed": 1, "now": {"outside": 1}, "verdicts_rewritten": 1
    }  # fmt: skip
    assert verdict["geofence"]["status"] == "outside"
    assert verdict["geofence"]["suggested_grid_id"] == "donghu-02"
    assert verdict["geofence"]["boundary_version"] == clean["id"]
    assert verdict["target_rev"] == before["rev"]
    # composed again from stored state: the photo worker's part is kept
    assert [(p["name"], p["status"]) for p in verdict["photos"]] == [("p1.jpg", "processed")]
    assert before["geofence_status"] == "inside"
    assert (after["geofence_status"], after["suggested_grid_id"]) == ("outside", "donghu-02")
    assert round(after["geofence_distance_m"]) == round((30.274 - NEW_EDGE) * NORTH_PER_DEG - 20)
    assert after["boundary_version"] == clean["id"]
    assert grids.json()["features"][0]["properties"]["boundary_version"] == clean["id"]
    assert again.status_code == 304
    assert [v["id"] for v in versions if v["active"]] == [clean["id"]]
    assert len(versions) == 3  # the demo's, the broken one, the shifted one
    assert malformed.status_code == 422
    assert malformed.json()["errors"] == [
        {"path": "type", "message": "expected a GeoJSON FeatureCollection"}
    ]


def _ring(*corners: tuple[float, float]) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [[*map(list, corners), list(corners[0])]]}


async def test_a_version_with_invalid_shapes_activates_when_forced_with_usable_repairs(
    sqlite_settings: Settings, dev_couch: DevCouch
) -> None:
    """The shapes real boundary sets break in: a bow-tie, a ring collapsed to a line, a
    zero-width spike. Forced with a reason, the version activates (no 500); the offered
    repairs are polygons; tablets get valid grid shapes."""
    data = _demo()
    broken = {
        "donghu-02": _ring((120.150, 30.274), (120.160, 30.278), (120.160, 30.274),
                           (120.150, 30.278)),  # a bow-tie
        "xixi-01": _ring((120.160, 30.270), (120.170, 30.270), (120.160, 30.270)),
        "xixi-02": _ring((120.160, 30.274), (120.170, 30.274), (120.170, 30.278),
                         (120.165, 30.278), (120.165, 30.282), (120.165, 30.278),
                         (120.160, 30.278)),  # a spike of no width
    }  # fmt: skip
    for feature in data["features"]:
        if feature["properties"]["id"] in broken:
            feature["geometry"] = broken[feature["properties"]["id"]]
    async with running_app(sqlite_settings) as (client, runtime):
        uploaded = await client.post("/api/boundaries?label=real-world", json=data)
        assert uploaded.status_code == 201, uploaded.text
        version = uploaded.json()
        problems = await get_json(client, f"/api/boundaries/{version['id']}/problems")
        activated = await client.post(f"/api/boundaries/{version['id']}/activate",
                                      json={"force": True, "reason": "survey pending"})  # fmt: skip
        grids = await client.get("/api/grids/geojson")
        cred = next(c for c in runtime.issued_credentials if c.grid_id == "xixi-02")
        async with tablet(dev_couch, cred) as device:
            published = await device.get_doc(cred.database, "grid:xixi-02")
        repaired = await get_json(client, f"/api/boundaries/{version['id']}/repaired")
        reimported = await client.post("/api/boundaries?label=repaired", json=repaired)
    invalid = [f for f in problems["features"] if f["properties"]["kind"] == "invalid_geometry"]
    assert sorted(f["properties"]["place_ids"][0] for f in invalid) == sorted(broken)
    assert {f["properties"]["repair"]["type"] for f in invalid} <= {"Polygon", "MultiPolygon"}
    assert activated.status_code == 200, activated.text
    assert grids.status_code == 200
    assert sorted(repaired["repaired"]) == ["donghu-02", "xixi-02"]
    assert [r["id"] for r in repaired["not_repaired"]] == ["xixi-01"]  # a line: redraw it
    assert reimported.status_code == 201, reimported.text
    assert reimported.json()["problem_counts"]["invalid_geometry"] == 0
    shown = shape(published["boundary"])
    assert shown.is_valid
    assert shown.geom_type in {"Polygon", "MultiPolygon"}
    assert shown.area > 0
