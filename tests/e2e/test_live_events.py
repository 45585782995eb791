"""Live updates across processes: one process follows CouchDB, another serves the event
stream, Redis carries the events between them; each supervisor hears only of their own
jurisdiction's hazards."""

from __future__ import annotations

from pathlib import Path

from backend.settings import Settings
from sync.couch import CouchClient
from sync.devserver import DevCouch
from tests.browser.harness import Served, served
from tests.e2e.sse import Listening, events, until
from tests.helpers import REDIS_URL, hazard_doc


async def _register(app: Served, token: str, grid_id: str) -> dict[str, str]:
    response = await app.call("POST", "/api/devices", token, json={"grid_id": grid_id})
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_events_cross_processes_through_redis_and_stay_in_their_jurisdiction(
    postgres_settings: Settings, dev_couch: DevCouch, tmp_path: Path
) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    async with (
        served(postgres_settings, tmp_path / "a", REDIS_URL=REDIS_URL) as follower_process,
        served(postgres_settings, tmp_path / "b", REDIS_URL=REDIS_URL, FOLLOWER="off") as api_only,
    ):
        admin = await follower_process.token(*follower_process.admin)
        people = {"ev.donghu": "donghu", "ev.xixi": "xixi"}
        for username, place in people.items():
            account = {"username": username, "role": "community_supervisor", "place_id": place,
                       "password": "events-password-1"}  # fmt: skip
            created = await follower_process.call("POST", "/api/accounts", admin, json=account)
            assert created.status_code == 201, created.text
        async with (
            Listening(events(api_only.base_url, await api_only.token(
                "ev.donghu", "events-password-1"))) as donghu_map,
            Listening(events(api_only.base_url, await api_only.token(
                "ev.xixi", "events-password-1"))) as xixi_map,
        ):  # fmt: skip
            await until(lambda: donghu_map.ready and xixi_map.ready)
            written = {}
            for grid_id in ("donghu-01", "xixi-02"):
                cred = await _register(follower_process, admin, grid_id)
                doc = hazard_doc(device_id=cred["device_id"], author=cred["username"],
                                 grid_id=grid_id, title=f"live {grid_id}")  # fmt: skip
                async with CouchClient(cred["couch_url"], cred["username"],
                                       cred["password"]) as device:  # fmt: skip
                    await device.put_doc(cred["database"], doc)
                written[grid_id] = doc["_id"]
            await until(lambda: bool(donghu_map.hazards() and xixi_map.hazards()))

    donghu, xixi = donghu_map.hazards(), xixi_map.hazards()
    assert [e["id"] for e in donghu] == [written["donghu-01"]]
    assert [e["id"] for e in xixi] == [written["xixi-02"]]
    assert donghu[0]["reason"] == "synced"
    assert donghu[0]["grid_id"] == "donghu-01"
