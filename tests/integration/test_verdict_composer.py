"""One verdict composer: a page applied while the photo worker finishes a photo of the
same hazard never leaves the tablet a stale "pending" photo status. On PostgreSQL (on
SQLite the single writer happens to keep the two apart)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Collection
from typing import Any

import pytest

from backend.photos import processing
from backend.photos import worker as photo_worker
from backend.replication.batch import ProjectionBatch
from backend.settings import Settings
from sync.devserver import DevCouch
from tests.helpers import eventually, hazard_doc, jpeg_photo, with_photos
from tests.integration.harness import get_json, running_app, tablet


async def test_a_page_applied_while_a_photo_is_finished_keeps_the_photo_result(
    postgres_settings: Settings, dev_couch: DevCouch, monkeypatch: pytest.MonkeyPatch
) -> None:
    decoding = threading.Event()
    original_decode = processing.process_photo

    def held_decode(data: bytes, limits: Any = None) -> Any:
        decoding.wait(30)  # until the follower has loaded the hazard's edited revision
        return original_decode(data, limits)

    monkeypatch.setattr(photo_worker, "process_photo", held_decode)
    edited_id: list[str] = []
    original_load = ProjectionBatch.load

    async def load_then_dawdle(session: Any, doc_ids: Collection[str]) -> ProjectionBatch:
        batch = await original_load(session, doc_ids)
        if edited_id and edited_id[0] in doc_ids and not decoding.is_set():
            # the page holds the photo row as "pending"; the photo worker now finishes
            # and would store and announce "processed" while this page is still applied
            decoding.set()
            await asyncio.sleep(1.5)
        return batch

    monkeypatch.setattr(ProjectionBatch, "load", load_then_dawdle)
    async with running_app(postgres_settings) as (client, runtime):
        cred = next(c for c in runtime.issued_credentials if c.grid_id == "donghu-01")
        doc = hazard_doc(device_id=cred.device_id, author=cred.couch_user, grid_id="donghu-01")
        with_photos(doc, {"p1.jpg": jpeg_photo((20, 160, 60))})
        async with tablet(dev_couch, cred) as device:
            doc["_rev"] = await device.put_doc(cred.database, doc)
            await eventually(  # applied; the photo worker is decoding (held)
                lambda: device.find_doc(cred.database, f"verdict:{doc['_id']}"),
                lambda v: [p["status"] for p in (v or {}).get("photos", [])] == ["pending"],
            )
            edited = await device.get_doc(cred.database, doc["_id"])
            edited["title"] = "消防通道堵塞（已拍照）"
            edited_id.append(doc["_id"])
            edited["_rev"] = await device.put_doc(cred.database, edited)
            await eventually(
                lambda: get_json(client, f"/api/hazards/{doc['_id']}/photos"),
                lambda rows: [r["status"] for r in rows] == ["processed"],
            )
            await asyncio.sleep(3)  # whatever else was going to be written, has been
            verdict = await device.get_doc(cred.database, f"verdict:{doc['_id']}")

    assert decoding.is_set(), "the follower never loaded the edited revision"
    assert verdict["target_rev"] == edited["_rev"]
    assert [(p["name"], p["status"]) for p in verdict["photos"]] == [("p1.jpg", "processed")]
