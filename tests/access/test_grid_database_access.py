"""Every grid database × every kind of caller × every operation, against the expected
matrix: the own tablet reads and writes its worker documents; it never writes design
documents, security or server documents; another grid's tablet, a revoked tablet and
an anonymous caller get nothing at all. 100 % of the cases must match.

What the product promises is the same on the dev server and on Apache CouchDB (one node
or a cluster): a read that is not allowed is 401 or 403; a write that is not allowed is
refused (4xx, or a cluster's ``500 no_majority`` when every shard refused a member's
``_security``) and — checked afterwards as admin — left no trace."""

from __future__ import annotations

import base64
from typing import Any

import httpx

from backend.settings import Settings
from sync.devserver import DevCouch
from tests.helpers import hazard_doc
from tests.integration.harness import running_app

DENIED = {401, 403}
WRITES = {"write", "design", "security_write", "server_doc", "delete_db"}
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


PROBE = "verdict:probe"
"""A server document the admin wrote; callers try to overwrite it with its current rev, so
that only the database's rules (not a conflict) can refuse them."""


def _refused(op: str, status: int) -> bool:
    if op in WRITES:
        return 400 <= status < 500 or (op == "security_write" and status == 500)
    return status in DENIED


async def _try(
    client: httpx.AsyncClient, db: str, doc_id: str, probe_rev: str, op: str, actor: Any
) -> int:
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
        "server_doc": (
            "PUT",
            f"/{db}/{PROBE}",
            {"_rev": probe_rev, "type": "verdict", "schema_version": 1, "hazard": "forged"},
        ),
        "delete_db": ("DELETE", f"/{db}", None),
    }
    method, path, body = requests[op]
    try:
        response = await client.request(method, path, json=body, headers=headers)
    except httpx.TransportError as exc:
        raise AssertionError(f"CouchDB stopped answering after {actor.kind} {op} {path}") from exc
    return response.status_code


async def _traces(couch: httpx.AsyncClient, admin: tuple[str, str], db: str,
                  probes: dict[str, str], securities: dict[str, Any]) -> list[str]:  # fmt: skip
    """What a refused write left behind in ``db``, read as admin (nothing, if refused)."""
    if (await couch.get(f"/{db}", auth=admin)).status_code != 200:
        return [f"{db} deleted"]
    traces = []
    if (await couch.get(f"/{db}/_security", auth=admin)).json() != securities[db]:
        traces.append(f"{db}/_security changed")
    if (await couch.get(f"/{db}/_design/mine", auth=admin)).status_code != 404:
        traces.append(f"{db}/_design/mine written")
    if (await couch.get(f"/{db}/{PROBE}", auth=admin)).json().get("_rev") != probes[db]:
        traces.append(f"{db}/{PROBE} overwritten")
    return traces


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
        probes: dict[str, str] = {}
        securities: dict[str, Any] = {}
        admin = (dev_couch.credentials.user, dev_couch.credentials.password)

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
                probe = await couch.put(f"/{cred.database}/{PROBE}", json={"type": "verdict"},
                                        auth=admin)  # fmt: skip
                assert probe.status_code in {201, 202}, probe.text
                probes[cred.database] = probe.json()["rev"]
                securities[cred.database] = (await couch.get(f"/{cred.database}/_security",
                                                             auth=admin)).json()  # fmt: skip
            mismatches, cases = [], 0
            for cred in tablets:
                for actor in actors:
                    own = actor.kind == "tablet" and actor.grid_id == cred.grid_id
                    for op in OPERATIONS:
                        status = await _try(couch, cred.database, seeded[cred.database],
                                            probes[cred.database], op, actor)  # fmt: skip
                        allowed = OWN[op] - DENIED
                        ok = status in allowed if own and allowed else _refused(op, status)
                        cases += 1
                        if not ok:
                            mismatches.append((cred.grid_id, actor.kind, actor.grid_id, op, status))
            traces = [trace for cred in tablets for trace in
                      await _traces(couch, admin, cred.database, probes, securities)]  # fmt: skip
    print(f"\ngrid database access: {cases} cases, {cases - len(mismatches)} as expected")
    assert mismatches == []
    assert traces == []
    assert cases == len(tablets) * len(actors) * len(OPERATIONS)
