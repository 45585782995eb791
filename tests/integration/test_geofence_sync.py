"""Hazards synced from tablets are geofenced against their grid; the verdict says so."""

from __future__ import annotations

from typing import Any

from backend.settings import Settings
from geo.datum import wgs84_to_gcj02
from geo.geofence import metres_per_degree
from sync.devserver import DevCouch
from tests.helpers import eventually, hazard_doc
from tests.integration.harness import get_json, running_app, tablet

EAST_PER_DEG, _ = metres_per_degree(30.272)


def _east_of_donghu_01(metres: float) -> float:
    return 120.160 + metres / EAST_PER_DEG  # donghu-01's east edge is lon 120.160


async def test_points_just_and_far_outside_the_grid_are_flagged_in_sql_and_verdicts(
    settings: Settings, dev_couch: DevCouch
) -> None:
    async with running_app(settings) as (client, runtime):
        cred = next(c for c in runtime.issued_credentials if c.grid_id == "donghu-01")

        def located(lon: float, lat: float, accuracy: float, **extra: Any) -> dict[str, Any]:
            doc = hazard_doc(device_id=cred.device_id, author=cred.couch_user,
                             grid_id=cred.grid_id)  # fmt: skip
            doc["location"] = {"lat": lat, "lon": lon, "accuracy_m": accuracy,
                               "provider": "gps", **extra}  # fmt: skip
            return doc

        gcj_lon, gcj_lat = wgs84_to_gcj02(120.155, 30.272)
        docs = {
            "just_outside": located(_east_of_donghu_01(3), 30.272, 10),
            "far_outside": located(_east_of_donghu_01(200), 30.2735, 10),
            "inside": located(120.155, 30.272, 8),
            "gcj02_inside": located(float(gcj_lon), float(gcj_lat), 8, datum="gcj02"),
        }
        async with tablet(dev_couch, cred) as device:
            for doc in docs.values():
                await device.put_doc(cred.database, doc)
            hazards = await eventually(
                lambda: get_json(client, "/api/hazards"), lambda rows: len(rows) == 4
            )
            verdict_ids = [f"verdict:{doc['_id']}" for doc in docs.values()]
            rows = await eventually(
                lambda: device.all_docs(cred.database, keys=verdict_ids, include_docs=True),
                lambda answer: all(row.get("doc") for row in answer["rows"]),
            )
            verdicts = dict(zip(docs, [row["doc"] for row in rows["rows"]], strict=True))

    by_id = {h["doc_id"]: h for h in hazards}
    fences = {name: v["geofence"] for name, v in verdicts.items()}
    assert fences["just_outside"]["status"] == "outside_within_accuracy"
    assert fences["just_outside"]["distance_m"] == 3.0
    assert fences["far_outside"]["status"] == "outside"
    assert fences["far_outside"]["suggested_grid_id"] == "xixi-01"
    assert fences["inside"]["status"] == "inside"
    assert fences["gcj02_inside"]["status"] == "inside"
    far = by_id[docs["far_outside"]["_id"]]
    assert (far["geofence_status"], far["suggested_grid_id"]) == ("outside", "xixi-01")
    assert round(far["geofence_distance_m"]) == 200
    converted = by_id[docs["gcj02_inside"]["_id"]]
    assert (round(converted["lon"], 6), round(converted["lat"], 6)) == (120.155, 30.272)
