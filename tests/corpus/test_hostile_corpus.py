"""Every hostile input gets a clear answer and nothing else is lost: refused at the door
(a 4xx from CouchDB or the API), recorded as invalid with its errors, or quarantined
with its reason — and a good document sent after them all still arrives. The counts of
tried and handled cases are printed."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
from sqlmodel import col, select

from backend.database import create_engine, read_only_connection
from backend.photos.models import HazardPhoto
from backend.settings import Settings
from backend.synced.models import QuarantinedChange, SyncedDocument
from sync.devserver import DevCouch
from sync.ids import new_ulid
from tests.corpus.hostile import boundary_files, documents
from tests.helpers import eventually
from tests.integration.harness import hazard_for, running_app


async def _send(
    couch: httpx.AsyncClient, db: str, name: str, payload: Any, new_id: Any
) -> tuple[str | None, int]:
    """Write one case as the tablet; the stored id (or None) and CouchDB's status."""
    if isinstance(payload, tuple) and payload[0] == "deep":
        depth = payload[1]
        body = ('{"type":"hazard","x":' + '{"a":' * depth + "1" + "}" * depth + "}").encode()
        doc_id = new_id("hazard")
    elif isinstance(payload, tuple):
        body, doc_id = payload[1], new_id("hazard")
    else:
        body, doc_id = None, str(payload["_id"])
    try:
        answer = await couch.put(f"/{db}/{quote(doc_id, safe='')}", content=body,
                                 json=None if body is not None else payload,
                                 headers={"Content-Type": "application/json"})  # fmt: skip
    except httpx.TransportError as exc:
        raise AssertionError(f"CouchDB stopped answering after {name}") from exc
    return (doc_id if answer.status_code == 201 else None), answer.status_code


async def test_every_hostile_document_and_picture_is_handled_and_the_feed_goes_on(
    sqlite_settings: Settings, dev_couch: DevCouch
) -> None:
    async with running_app(sqlite_settings) as (client, runtime):
        cred = next(c for c in runtime.issued_credentials if c.grid_id == "donghu-01")
        base = {k: v for k, v in hazard_for(cred).items() if k != "_id"}

        def new_id(doc_type: str) -> str:
            return f"{doc_type}:{cred.device_id}:{new_ulid()}"

        cases = list(documents(base, new_id))
        stored: dict[str, str] = {}
        refused = 0
        async with httpx.AsyncClient(base_url=dev_couch.url, auth=(cred.couch_user, cred.password),
                                     timeout=120) as couch:  # fmt: skip
            for name, payload in cases:
                doc_id, status = await _send(couch, cred.database, name, payload, new_id)
                if doc_id is None:
                    assert 400 <= status < 600, (name, status)
                    refused += 1
                else:
                    stored[doc_id] = name
            canary = hazard_for(cred, title="after the corpus")
            assert (
                await couch.put(f"/{cred.database}/{canary['_id']}", json=canary)
            ).status_code == 201

        async def canary_state() -> Any:
            response = await client.get(f"/api/hazards/{canary['_id']}")
            return response.json() if response.status_code == 200 else None

        await eventually(canary_state, lambda h: h is not None and h["valid"], within=90)
        ready = (await client.get("/ready")).json()

        engine = create_engine(sqlite_settings.database_url)
        try:

            async def photos_settled() -> list[Any]:
                query = select(col(HazardPhoto.status), col(HazardPhoto.reason)).where(
                    col(HazardPhoto.hazard_id).in_(list(stored))
                )
                async with read_only_connection(engine) as conn:
                    return list((await conn.execute(query)).all())

            photos = await eventually(
                photos_settled, lambda rows: all(r[0] != "pending" for r in rows), within=60
            )
            async with read_only_connection(engine) as conn:
                synced = select(col(SyncedDocument.doc_id), col(SyncedDocument.valid))
                registered = {row[0]: row[1] for row in (await conn.execute(synced)).all()}
                held = select(col(QuarantinedChange.doc_id))
                quarantined = set((await conn.execute(held)).scalars())
        finally:
            await engine.dispose()

    recorded = {i for i in stored if i in registered}
    unhandled = {name for i, name in stored.items() if i not in registered and i not in quarantined}
    print(
        f"\nhostile documents: {len(cases)} tried — {refused} refused by CouchDB, "
        f"{len(recorded)} recorded ({sum(not registered[i] for i in recorded)} invalid), "
        f"{len(stored.keys() & quarantined)} quarantined; {len(cases) - len(unhandled)} handled"
    )
    assert unhandled == set()
    wrong_clock = {i for i, name in stored.items() if name in {"far future", "year zero"}}
    assert {registered.get(i) for i in wrong_clock} == {False}, "recorded invalid, at once"
    assert ready["status"] == "ok"
    assert photos
    assert all(reason for status, reason in photos if status == "rejected")


async def test_every_hostile_boundary_file_gets_an_answer_not_a_crash(
    sqlite_settings: Settings, dev_couch: DevCouch
) -> None:
    answers: dict[str, tuple[int, Any]] = {}
    async with running_app(sqlite_settings) as (client, _):
        for name, body in boundary_files():
            response = await client.post("/api/boundaries?label=hostile", json=body)
            answers[name] = (response.status_code, response.json())
        ready = (await client.get("/ready")).status_code
    clear = {
        name for name, (status, body) in answers.items()
        if (status in {400, 422} and (body.get("errors") or body.get("detail")))
        or (status == 201 and "problem_counts" in body)
    }  # fmt: skip
    print(
        f"\nhostile boundary files: {len(answers)} tried, {len(clear)} answered clearly "
        f"({sum(s in {400, 422} for s, _ in answers.values())} refused, "
        f"{sum(s == 201 for s, _ in answers.values())} imported with a problem report)"
    )
    assert clear == set(answers), {n: a for n, a in answers.items() if n not in clear}
    assert ready == 200
