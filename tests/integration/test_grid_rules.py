"""A grid database admits only its tablets, and each tablet only as itself."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from sync.couch import CouchClient, CouchError, Forbidden
from sync.devserver import DevCouch
from sync.provisioning import Namespace, provision_grid_database, security_for
from tests.helpers import hazard_doc


@dataclass
class Grid:
    db: str
    worker: CouchClient
    colleague: CouchClient
    outsider: CouchClient
    anonymous: CouchClient
    worker_name: str


@pytest.fixture
async def grid(
    dev_couch: DevCouch, couch_admin: CouchClient, namespace_prefix: str
) -> AsyncIterator[Grid]:
    ns = Namespace(namespace_prefix)
    names = {who: ns.device_user(who) for who in ("worker", "colleague", "outsider")}
    for name in names.values():
        await couch_admin.put_user(name, f"pw-{name}")
    db = ns.grid_db("rules-01")
    assert await provision_grid_database(couch_admin, db, [names["worker"], names["colleague"]])
    clients = {who: CouchClient(dev_couch.url, n, f"pw-{n}") for who, n in names.items()}
    anonymous = CouchClient(dev_couch.url)
    yield Grid(db, clients["worker"], clients["colleague"], clients["outsider"], anonymous,
               names["worker"])  # fmt: skip
    for client in [*clients.values(), anonymous]:
        await client.aclose()
    await couch_admin.delete_db(db)


def _hazard(author: str) -> dict[str, object]:
    return hazard_doc(device_id="d1", author=author, grid_id="rules-01")


async def test_provisioning_twice_changes_nothing(couch_admin: CouchClient, grid: Grid) -> None:
    before = await couch_admin.get_doc(grid.db, "_design/grid_rules")
    members = (await couch_admin.get_security(grid.db))["members"]["names"]
    assert not await provision_grid_database(couch_admin, grid.db, members)
    assert (await couch_admin.get_doc(grid.db, "_design/grid_rules"))["_rev"] == before["_rev"]
    assert await couch_admin.get_security(grid.db) == security_for(members)


async def test_a_worker_writes_own_hazards(grid: Grid) -> None:
    rev = await grid.worker.put_doc(grid.db, _hazard(grid.worker_name))
    assert rev.startswith("1-")


async def test_a_device_cannot_write_as_someone_else(grid: Grid) -> None:
    with pytest.raises(Forbidden):
        await grid.worker.put_doc(grid.db, _hazard("somebody-else"))


@pytest.mark.parametrize("server_type", ["verdict", "ledger", "grid", "form", "purge"])
async def test_a_device_cannot_write_server_documents(grid: Grid, server_type: str) -> None:
    doc = {"_id": f"{server_type}:x", "type": server_type, "author": grid.worker_name}
    with pytest.raises(Forbidden):
        await grid.worker.put_doc(grid.db, doc)


async def test_a_colleague_cannot_edit_or_delete_anothers_hazard(grid: Grid) -> None:
    doc = _hazard(grid.worker_name)
    doc["_rev"] = await grid.worker.put_doc(grid.db, doc)
    with pytest.raises(Forbidden):
        await grid.colleague.put_doc(grid.db, {**doc, "author": "colleague", "title": "mine now"})
    with pytest.raises(Forbidden):
        await grid.colleague.delete_doc(grid.db, str(doc["_id"]), str(doc["_rev"]))


async def test_other_grids_devices_and_anonymous_callers_see_nothing(grid: Grid) -> None:
    await grid.worker.put_doc(grid.db, _hazard(grid.worker_name))
    for stranger in (grid.outsider, grid.anonymous):
        for attempt in (stranger.changes(grid.db), stranger.all_docs(grid.db)):
            with pytest.raises(CouchError) as refused:
                await attempt
            assert refused.value.status in {401, 403}


async def test_replicated_edits_pass_the_same_rules(grid: Grid) -> None:
    """Tablets write with ``new_edits=false``: own edits land, forged ones are refused."""
    doc = _hazard(grid.worker_name)
    first = await grid.worker.put_doc(grid.db, doc)
    parent = first.split("-", 1)[1]
    edit = {**doc, "_rev": "2-0a1b", "title": "edited offline",
            "_revisions": {"start": 2, "ids": ["0a1b", parent]}}  # fmt: skip
    assert await grid.worker.bulk_docs(grid.db, [edit], new_edits=False) == []
    assert (await grid.worker.get_doc(grid.db, str(doc["_id"])))["title"] == "edited offline"

    forged = {**edit, "_rev": "3-0c0d", "author": "someone-else",
              "_revisions": {"start": 3, "ids": ["0c0d", "0a1b", parent]}}  # fmt: skip
    [refused] = await grid.colleague.bulk_docs(grid.db, [forged], new_edits=False)
    assert refused["error"] == "forbidden"
    assert (await grid.worker.get_doc(grid.db, str(doc["_id"])))["_rev"] == "2-0a1b"
