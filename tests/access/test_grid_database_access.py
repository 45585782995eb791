"""Every grid database × every kind of caller × every operation, against the expected
matrix: the own tablet reads and writes its worker documents; it never writes design
documents, security or server documents; another grid's tablet, a revoked tablet and
an anonymous caller get nothing at all. 100 % of the cases must match."""

from __future__ import annotations

import base64
from typing import Any

import httpx

from backend.settings import Settings
from sync.devserver import DevCouch
from tests.helpers import hazard_doc
from tests.integration.harness import running_app

DENIED = {401, 403}
OPERATIONS = ("info", "read", "write", "changes", "all_docs", "attachment", "design",
              "security_write", "server_doc", "delete_db")  # fmt: skip
OWN = {"info": {200}, "read": {200}, "write": {201}, "changes": {200}, "all_docs": {200},
       "attachment": {200}, "design": DENIED, "security_write": DENIED,
       "server_doc": DENIED, "delete_db": DENIED}  # fmt: skip
"""An own tablet; every other caller is DENIED for every operation."""
PICTURE = b"\xff\xd8\xff\xe0 a picture \xff\xd9"


def _auth(user: str | None, password: str | None) -> dict[str, str]:
    if user is None or password is None:
        return {}
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


async def _try(client: httpx.AsyncClient, db: str, doc_id: str, op: str, actor: Any) -> int:
    headers = _auth(actor.user, actor.password)
    fresh = hazard_doc(device_id=actor.device_id or "nobody", author=actor.user or "nobody",
                       grid_id=actor.grid_id or "x")  # fmt: skip
    requests: dict[str, tuple[str, str, Any]] = {
        "info": ("GET", f"/{db}", None),
        "read": ("GET", f"/{db}/{doc_id}", None),
        "write": ("PUT", f"/{db}/{fresh['_id']}", fresh),
        "changes": ("GET", f"/{db}/_changes?limit=3", None),
        "all_docs": ("GET", f"/{db}/_all_docs?limit=3", None),
        "attachment": ("GET", f"/{db}/{doc_id}/p.jpg", None),
        "design": ("PUT", f"/{db}/_design/mine", {"views": {}}),
        "security_write": ("PUT", f"/{db}/_security", {"members": {"names": [actor.user]}}),
        "server_doc": ("PUT", f"/{db}/verdict:{doc_id}", {"type": "verdict", "schema_version": 1}),
        "delete_db": ("DELETE", f"/{db}", None),
    }
    method, path, body = requests[op]
    try:
        response = await client.request(method, path, json=body, headers=headers)
    except httpx.TransportError as exc:
        raise AssertionError(f"CouchDB stopped answering after {actor.kind} {op} {path}") from exc
    return response.status_code


class Actor:
    def __init__(self, kind: str, user: str | None = None, password: str | None = None,
                 device_id: str | None = None, grid_id: str | None = None) -> None:  # fmt: skip
        self.kind, self.user, self.password = kind, user, password
        self.device_id, self.grid_id = device_id, grid_id


async def test_every_database_every_caller_every_operation_matches_the_matrix(
    sqlite_settings: Settings, dev_couch: DevCouch
) -> None:
    async with running_app(sqlite_settings) as (client, runtime):
        tablets = runtime.issued_credentials
        extra = (await client.post("/api/devices", json={"grid_id": "donghu-01"})).json()
        assert (await client.post(f"/api/devices/{extra['device_id']}/revoke")).status_code == 200
        actors = [
            Actor("tablet", c.couch_user, c.password, c.device_id, c.grid_id) for c in tablets
        ]
        actors += [Actor("revoked", extra["username"], extra["password"], extra["device_id"],
                         "donghu-01"), Actor("anonymous")]  # fmt: skip
        seeded: dict[str, str] = {}
        async with httpx.AsyncClient(base_url=dev_couch.url, timeout=30) as couch:
            for cred in tablets:  # one document with a picture in every grid database
                doc = hazard_doc(device_id=cred.device_id, author=cred.couch_user,
                                 grid_id=cred.grid_id)  # fmt: skip
                picture = {"content_type": "image/jpeg", "data": base64.b64encode(PICTURE).decode()}
                doc["_attachments"] = {"p.jpg": picture}
                answer = await couch.put(f"/{cred.database}/{doc['_id']}", json=doc,
                                         headers=_auth(cred.couch_user, cred.password))  # fmt: skip
                assert answer.status_code == 201, answer.text
                seeded[cred.database] = doc["_id"]
            mismatches, cases = [], 0
            for cred in tablets:
                for actor in actors:
                    own = actor.kind == "tablet" and actor.grid_id == cred.grid_id
                    for op in OPERATIONS:
                        status = await _try(couch, cred.database, seeded[cred.database], op, actor)
                        expected = OWN[op] if own else DENIED
                        cases += 1
                        if status not in expected:
                            mismatches.append((cred.grid_id, actor.kind, actor.grid_id, op, status))
    print(f"\ngrid database access: {cases} cases, {cases - len(mismatches)} as expected")
    assert mismatches == []
    assert cases == len(tablets) * len(actors) * len(OPERATIONS)
