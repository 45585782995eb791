"""Coverage of a week with planted gaps names exactly the grids, communities and
high-risk sites that were missed; the scorecard and the CSV agree."""

from __future__ import annotations

import csv
import io
from typing import Any

from backend.settings import Settings
from sync.devserver import DevCouch
from tests.helpers import eventually, inspection_doc
from tests.integration.harness import get_json, running_app, sign_in_as, tablet

WEEK = "2026-W47"  # Monday 16 to Sunday 22 November, Asia/Shanghai
GAS_STATION_CODE = "91330106MA2H0B1X7Q"
SITES: list[dict[str, Any]] = [
    {"grid_id": "donghu-01", "name": "东湖综合市场", "sector": "crowded_place"},
    {
        "grid_id": "donghu-01",
        "name": "东湖加油站",
        "sector": "gas",
        "credit_code": GAS_STATION_CODE,
    },
    {"grid_id": "donghu-01", "name": "小卖部", "sector": "other"},
    {"grid_id": "xixi-01", "name": "西溪工地", "sector": "construction"},
    {"grid_id": "xixi-02", "name": "西溪学校", "sector": "school", "high_risk": True},
]


def _site(name: str, sector: str, **extra: Any) -> dict[str, Any]:
    return {"site": {"name": name, "sector": sector, **extra}}


PLANTED: list[tuple[str, str, str, dict[str, Any]]] = [
    # grid, kind, local start, extra
    ("donghu-01", "hazard_inspection", "2026-11-18T10:00:00+08:00",
     _site(" 东湖综合 市场", "crowded_place")),  # spacing differs: still the same site
    ("donghu-01", "hazard_inspection", "2026-11-17T10:00:00+08:00",
     _site("加油站（东湖路）", "gas", credit_code=GAS_STATION_CODE)),  # matched by code
    ("donghu-01", "patrol", "2026-11-19T08:00:00+08:00", {}),
    ("donghu-01", "dispute_screening", "2026-11-20T14:00:00+08:00", {"disputes_found": 1}),
    ("donghu-02", "patrol", "2026-11-16T00:30:00+08:00", {}),  # 16 Nov local, 15 Nov UTC
    ("donghu-03", "hazard_inspection", "2026-11-22T23:30:00+08:00",
     _site("某餐馆", "catering")),  # last evening of the week
    ("xixi-01", "hazard_inspection", "2026-11-15T10:00:00+08:00",
     _site("西溪工地", "construction")),  # the week before: does not count
    ("xixi-02", "patrol", "2026-11-23T00:10:00+08:00", {}),  # Monday after, local time
    ("xixi-02", "hazard_inspection", "2026-11-19T10:00:00+08:00",
     _site("西溪学校", "school")),
]  # fmt: skip


async def _replace_register(client: Any, sites: list[dict[str, Any]]) -> None:
    """Retire the demo street's sites, register these."""
    demo_sites = await get_json(client, "/api/sites")
    retired = [{**{k: s[k] for k in ("grid_id", "name", "sector")}, "retired": True}
               for s in demo_sites]  # fmt: skip
    assert (await client.post("/api/sites", json=retired)).status_code == 201
    response = await client.post("/api/sites", json=sites)
    assert response.status_code == 201, response.text


async def test_a_week_with_planted_gaps_names_exactly_what_was_missed(
    settings: Settings, dev_couch: DevCouch
) -> None:
    async with running_app(settings) as (client, runtime):
        await _replace_register(client, SITES)
        creds = {c.grid_id: c for c in runtime.issued_credentials}
        docs = []
        for grid_id, kind, started_at, extra in PLANTED:
            cred = creds[grid_id]
            docs.append(inspection_doc(device_id=cred.device_id, author=cred.couch_user,
                                       grid_id=grid_id, kind=kind, started_at=started_at,
                                       **extra))  # fmt: skip
        broken = inspection_doc(device_id=creds["xixi-03"].device_id, grid_id="xixi-03",
                                author=creds["xixi-03"].couch_user, kind="patrol",
                                started_at="2026-11-18 10:00")  # fmt: skip
        for doc in [*docs, broken]:
            cred = creds[doc["grid_id"]]
            async with tablet(dev_couch, cred) as device:
                await device.put_doc(cred.database, doc)

        async def synced() -> int:
            status = await get_json(client, "/api/sync/status")
            return sum(db["documents"] for db in status)

        await eventually(synced, lambda n: n >= len(docs) + 1, within=20)
        report = await get_json(client, f"/api/coverage?week={WEEK}")
        table = await client.get(f"/api/coverage/csv?week={WEEK}")
        scores = await get_json(client, f"/api/scorecard?week={WEEK}")
        same_days = await get_json(client, "/api/coverage?from=2026-11-16&to=2026-11-22")
        bad_week = await client.get("/api/coverage?week=2026-W60")
        half_range = await client.get("/api/coverage?from=2026-11-16")

        await sign_in_as(client, "xixi", runtime.demo_accounts["xixi"])
        xixi = await get_json(client, f"/api/coverage?week={WEEK}")

    missed = {(p["place_id"], p["kind"]) for p in report["places"] if p["met"] < p["expected"]}
    assert missed == {
        ("donghu-02", "hazard_inspection"), ("xixi-01", "hazard_inspection"),
        ("xixi-03", "hazard_inspection"),
        ("donghu-03", "patrol"), ("xixi-01", "patrol"), ("xixi-02", "patrol"),
        ("xixi-03", "patrol"),
        ("xixi", "dispute_screening"),
    }  # fmt: skip
    street = [p for p in report["places"] if p["place_id"] == "demo-street"]
    assert [(p["kind"], p["every_days"], p["met"]) for p in street] == [
        ("dispute_screening", 14, 1)
    ]
    assert [s["name"] for s in report["missed_sites"]] == ["西溪工地"]
    assert report["missed_sites"][0]["last_inspected_at"].startswith("2026-11-15T02:00:00")
    assert report["period"] == {"first": "2026-11-16", "last": "2026-11-22",
                                "time_zone": "Asia/Shanghai"}  # fmt: skip
    assert same_days == report
    assert bad_week.status_code == half_range.status_code == 400
    assert bad_week.json()["errors"][0]["path"] == "/query/week"

    raw = table.content
    assert raw.startswith("\ufeff".encode())
    assert "attachment" in table.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    csv_missed = {(r["place_id"], r["kind"]) for r in rows
                  if r["section"] == "cadence" and int(r["met"]) < int(r["expected"])}  # fmt: skip
    assert csv_missed == missed
    assert [r["name_zh"] for r in rows if r["section"] == "high_risk_site"] == ["西溪工地"]

    by_device = {s["grid_id"]: s for s in scores}
    assert by_device["donghu-01"]["inspections"] == {
        "hazard_inspection": 2, "patrol": 1, "dispute_screening": 1}  # fmt: skip
    assert by_device["donghu-01"]["windows_met"] == by_device["donghu-01"]["windows_expected"]
    assert by_device["donghu-01"]["high_risk_sites_inspected"] == 2
    assert by_device["donghu-01"]["score"] == 100.0
    assert by_device["xixi-01"]["windows_met"] == 0
    assert by_device["xixi-01"]["score"] < by_device["donghu-02"]["score"] < 100.0

    assert {p["place_id"] for p in xixi["places"]} == {"xixi", "xixi-01", "xixi-02", "xixi-03"}
    assert [s["name"] for s in xixi["missed_sites"]] == ["西溪工地"]
    assert set(xixi["grids"]) <= {"xixi-01", "xixi-02", "xixi-03"}
