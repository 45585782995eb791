"""Another community's supervisor learns nothing of this community's hazards, photos,
ledger or grids, on every route the API has (a new route must join this matrix)."""

from __future__ import annotations

import base64
import io
from typing import Any

from PIL import Image

from backend.app import create_app
from backend.photos.processing import sha256_of
from backend.settings import Settings
from backend.sqltypes import utcnow
from sync.devserver import DevCouch
from tests.helpers import eventually, hazard_doc, inspection_doc
from tests.integration.harness import get_json, running_app, sign_in_as, tablet

PUBLIC = {("GET", "/health"), ("GET", "/ready"), ("POST", "/api/auth/login"), ("GET", "/map"),
          ("GET", "/static/{file_path:path}"), ("GET", "/field/{file_path:path}"),
          ("GET", "/field"), ("GET", "/devices"),
          ("GET", "/basemap/info"), ("GET", "/basemap/archive.pmtiles")}  # fmt: skip
"""Sign-in, pages, probes, and the base map (a street map, tests/integration/test_basemap.py)."""
COUCH_PROXY = {(m, "/couch/{path:path}") for m in ("GET", "POST", "PUT", "DELETE")}
"""CouchDB's own security decides there (tests/integration/test_couch_proxy.py)."""
OWN = {("GET", "/api/auth/me"), ("POST", "/api/auth/logout"), ("POST", "/api/events/ticket")}
"""About the caller only (tests/security/test_sessions.py)."""


def _routes(settings: Settings) -> set[tuple[str, str]]:
    app = create_app(settings)
    return {
        (method, route.path)
        for route in app.routes
        for method in getattr(route, "methods", ())
        if method not in {"HEAD", "OPTIONS"} and not route.path.startswith("/schema")
        and not route.path.startswith("/mobile-schema")
    }  # fmt: skip


async def test_a_supervisor_of_xixi_gets_nothing_of_donghu_on_any_route(
    sqlite_settings: Settings, dev_couch: DevCouch
) -> None:
    async with running_app(sqlite_settings) as (client, runtime):
        cred = next(c for c in runtime.issued_credentials if c.grid_id == "donghu-01")
        picture = io.BytesIO()
        Image.new("RGB", (64, 48), (90, 20, 20)).save(picture, "JPEG")
        data = picture.getvalue()
        doc = hazard_doc(device_id=cred.device_id, author=cred.couch_user, grid_id="donghu-01")
        doc["photos"] = [{"name": "p.jpg", "sha256": sha256_of(data)}]
        doc["_attachments"] = {"p.jpg": {"content_type": "image/jpeg",
                                         "data": base64.b64encode(data).decode()}}  # fmt: skip
        visit = inspection_doc(device_id=cred.device_id, author=cred.couch_user,
                               grid_id="donghu-01", kind="hazard_inspection",
                               started_at=utcnow().isoformat(), site={
                                   "name": "donghu market", "sector": "crowded_place"})  # fmt: skip
        async with tablet(dev_couch, cred) as device:
            await device.put_doc(cred.database, doc)
            await device.put_doc(cred.database, visit)

        async def processed() -> Any:
            response = await client.get(f"/api/hazards/{doc['_id']}/photos")
            return response.json() if response.status_code == 200 else []

        [photo] = await eventually(
            processed, lambda rows: bool(rows) and rows[0]["status"] == "processed", within=20
        )
        versions = await get_json(client, "/api/boundaries")
        site = [{"grid_id": "donghu-01", "name": "donghu market", "sector": "crowded_place"}]
        assert (await client.post("/api/sites", json=site)).status_code == 201
        decision = await client.post(f"/api/hazards/{doc['_id']}/ledger", json={
            "event": "reviewed"}, headers={"If-Match": '"ledger-0"'})  # fmt: skip
        assert decision.status_code == 201

        def visited(report: Any) -> bool:
            rows = [p for p in report["places"] if p["place_id"] == "donghu-01"]
            return any(p["kind"] == "hazard_inspection" and p["inspections"] for p in rows)

        await eventually(lambda: get_json(client, "/api/coverage"), visited)
        hazard, sha, version = doc["_id"], photo["sha256"], versions[0]["id"]

        accounts = await get_json(client, "/api/accounts")
        donghu_id = next(a["id"] for a in accounts if a["username"] == "donghu")
        await sign_in_as(client, "xixi", runtime.demo_accounts["xixi"])
        expected: dict[tuple[str, str], tuple[str, str, Any, set[int]]] = {
            # route: (method, concrete path, body, statuses that reveal nothing)
            ("GET", "/api/grids"): ("GET", "/api/grids", None, {200}),
            ("GET", "/api/grids/geojson"): ("GET", "/api/grids/geojson", None, {200}),
            ("GET", "/api/hazards"): ("GET", "/api/hazards?grid_id=donghu-01", None, {200}),
            ("GET", "/api/hazards/geojson"):
                ("GET", "/api/hazards/geojson?community_id=donghu", None, {200}),
            ("GET", "/api/hazards/{hazard_id:str}/photos"):
                ("GET", f"/api/hazards/{hazard}/photos", None, {404}),
            ("GET", "/api/hazards/{hazard_id:str}/ledger"):
                ("GET", f"/api/hazards/{hazard}/ledger", None, {404}),
            ("POST", "/api/hazards/{hazard_id:str}/ledger"):
                ("POST", f"/api/hazards/{hazard}/ledger", {"event": "reviewed"}, {404}),
            ("GET", "/api/photos/{sha256:str}/{kind:str}"):
                ("GET", f"/api/photos/{sha}/thumbnail", None, {404}),
            ("GET", "/api/boundaries"): ("GET", "/api/boundaries", None, {403}),
            ("GET", "/api/boundaries/{version_id:int}/problems"):
                ("GET", f"/api/boundaries/{version}/problems", None, {403}),
            ("GET", "/api/boundaries/{version_id:int}/repaired"):
                ("GET", f"/api/boundaries/{version}/repaired", None, {403}),
            ("POST", "/api/boundaries"): ("POST", "/api/boundaries", {}, {403}),
            ("POST", "/api/boundaries/{version_id:int}/activate"):
                ("POST", f"/api/boundaries/{version}/activate", {}, {403}),
            ("GET", "/api/devices"): ("GET", "/api/devices", None, {403}),
            ("POST", "/api/devices"): ("POST", "/api/devices", {"grid_id": "donghu-01"}, {403}),
            ("POST", "/api/devices/{device_id:str}/move"):
                ("POST", f"/api/devices/{cred.device_id}/move", {"grid_id": "xixi-01"}, {403}),
            ("POST", "/api/devices/{device_id:str}/revoke"):
                ("POST", f"/api/devices/{cred.device_id}/revoke", None, {403}),
            ("POST", "/api/devices/{device_id:str}/rotate"):
                ("POST", f"/api/devices/{cred.device_id}/rotate", None, {403}),
            ("POST", "/api/devices/{device_id:str}/worker"):
                ("POST", f"/api/devices/{cred.device_id}/worker", None, {403}),
            ("GET", "/api/sync/status"): ("GET", "/api/sync/status", None, {403}),
            ("GET", "/api/sync/health"): ("GET", "/api/sync/health", None, {403}),
            ("GET", "/api/audit"): ("GET", "/api/audit", None, {403}),
            ("GET", "/api/sync/conflicts"): ("GET", "/api/sync/conflicts", None, {403}),
            ("GET", "/api/sync/quarantine"): ("GET", "/api/sync/quarantine", None, {403}),
            ("GET", "/api/hazards/{hazard_id:str}"):
                ("GET", f"/api/hazards/{hazard}", None, {404}),
            ("GET", "/api/accounts"): ("GET", "/api/accounts", None, {200}),
            ("POST", "/api/accounts"): ("POST", "/api/accounts", {"username": "intruder",
                "role": "grid_worker", "place_id": "donghu-01"}, {400}),
            ("POST", "/api/accounts/{account_id:int}/disable"):
                ("POST", f"/api/accounts/{donghu_id}/disable", None, {404}),
            ("POST", "/api/accounts/{account_id:int}/enable"):
                ("POST", f"/api/accounts/{donghu_id}/enable", None, {404}),
            ("POST", "/api/accounts/{account_id:int}/password"):
                ("POST", f"/api/accounts/{donghu_id}/password", None, {404}),
            ("GET", "/api/map/config"): ("GET", "/api/map/config", None, {200}),
            ("GET", "/api/map/grid-status"): ("GET", "/api/map/grid-status", None, {200}),
            ("GET", "/api/map/clusters"):
                ("GET", "/api/map/clusters?bbox=120.1,30.2,120.2,30.3", None, {200}),
            # the live stream is endless (tested over a real server in tests/browser);
            # here: without a valid token of its own it says nothing
            ("GET", "/api/events"): ("GET", "/api/events?ticket=x.y.z", None, {401}),
            ("GET", "/api/sites"): ("GET", "/api/sites?grid_id=donghu-01", None, {200}),
            # a supervisor's token is no tablet's credentials
            ("GET", "/api/field/device"):
                ("GET", "/api/field/device?device_id=demo-donghu-01", None, {401}),
            # a set-up code is the only key; a supervisor's token opens nothing there
            ("POST", "/api/field/enrol"):
                ("POST", "/api/field/enrol", {"code": "x" * 32}, {410}),
            ("POST", "/api/sites"): ("POST", "/api/sites", [{"grid_id": "donghu-01",
                                     "name": "x", "sector": "gas"}], {404}),
            ("GET", "/api/coverage"): ("GET", "/api/coverage", None, {200}),
            ("GET", "/api/coverage/csv"): ("GET", "/api/coverage/csv", None, {200}),
            ("GET", "/api/tracks/geojson"):
                ("GET", "/api/tracks/geojson?device=demo-donghu-01", None, {200}),
            ("GET", "/api/coverage/blind-spots"):
                ("GET", "/api/coverage/blind-spots?device=demo-donghu-01", None, {200}),
            ("GET", "/api/scorecard"): ("GET", "/api/scorecard", None, {200}),
            ("GET", "/api/scorecard/csv"): ("GET", "/api/scorecard/csv", None, {200}),
            ("GET", "/api/exports/hazards.csv"):
                ("GET", "/api/exports/hazards.csv?grid_id=donghu-01", None, {200}),
            ("GET", "/api/exports/hazards.geojson"):
                ("GET", "/api/exports/hazards.geojson", None, {200}),
            ("GET", "/api/exports/ledger.csv"): ("GET", "/api/exports/ledger.csv", None, {200}),
            ("GET", "/api/exports/ledger.geojson"):
                ("GET", "/api/exports/ledger.geojson", None, {200}),
        }  # fmt: skip
        answers = {}
        for route, (method, path, body, _) in expected.items():
            response = await client.request(method, path, json=body)
            answers[route] = (response.status_code, response.text)

    assert set(expected) | PUBLIC | OWN | COUCH_PROXY == _routes(sqlite_settings), "unchecked route"
    for route, (_, _, _, allowed) in expected.items():
        status, text = answers[route]
        assert status in allowed, f"{route}: {status} {text[:200]}"
        # a 404 may repeat the id the caller sent; it answers the same for ids that never existed
        beyond_the_request = text.replace(hazard, "")
        assert "donghu" not in beyond_the_request, f"{route} leaked: {text[:200]}"
    # numbers can leak where names do not: xixi has no hazards and only its own grids
    assert '"total":0' in answers[("GET", "/api/map/clusters")][1]
    assert "xixi-01" in answers[("GET", "/api/map/grid-status")][1]
    assert "xixi-01" in answers[("GET", "/api/coverage/blind-spots")][1]
