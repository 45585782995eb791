"""Two PouchDB tablets on two grids work offline, then sync through the service."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.devices.service import IssuedCredentials
from backend.settings import Settings
from sync.contract import load_schemas
from sync.devserver import DevCouch
from tests.helpers import eventually
from tests.integration.harness import get_json, running_app
from tests.simulator import Tablet

HAZARDS, INSPECTIONS = 150, 50


def _tablet(tmp_path: Path, dev_couch: DevCouch, cred: IssuedCredentials, db: str) -> Tablet:
    return Tablet(
        tmp_path / f"{cred.device_id}-{db}",
        remote=f"{dev_couch.url}/{db}",
        user=cred.couch_user,
        password=cred.password,
        device_id=cred.device_id,
        grid_id=cred.grid_id,
    )


async def test_two_tablets_sync_every_document_once_and_see_only_their_grid(
    settings: Settings, dev_couch: DevCouch, tmp_path: Path
) -> None:
    async with running_app(settings) as (client, runtime):
        creds = {c.grid_id: c for c in runtime.issued_credentials}
        a_cred, b_cred = creds["donghu-01"], creds["xixi-02"]
        a = _tablet(tmp_path, dev_couch, a_cred, a_cred.database)
        b = _tablet(tmp_path, dev_couch, b_cred, b_cred.database)
        a_ids = set(await a.create(hazards=HAZARDS, inspections=INSPECTIONS, photos=1))
        b_ids = set(await b.create(hazards=HAZARDS, inspections=INSPECTIONS, photos=1))
        for tablet in (a, b):
            result = await tablet.sync()
            assert result["ok"], result
            assert result["push"]["docs_written"] == HAZARDS + INSPECTIONS

        status = await eventually(
            lambda: get_json(client, "/api/sync/status"),
            lambda rows: all(
                r["documents"] == HAZARDS + INSPECTIONS
                for r in rows
                if r["database"] in {a_cred.database, b_cred.database}
            ),
            within=60,
        )
        hazards = await get_json(client, "/api/hazards?limit=500")
        # the verdicts were written after the tablets pushed: pull them now
        for tablet in (a, b):
            assert (await tablet.sync("pull"))["ok"]
        a_verdicts, b_verdicts = await a.docs("verdict"), await b.docs("verdict")
        a_grids, b_forms = await a.docs("grid"), await b.docs("form")

        # neither tablet can reach the other grid's database
        for intruder, cred in ((a, b_cred), (b, a_cred)):
            stranger = _tablet(tmp_path / "intrusion", dev_couch, _as(intruder), cred.database)
            attempt = await stranger.sync()
            assert not attempt["ok"]
            assert attempt["pull"]["status"] in {401, 403}
            assert attempt["push"]["status"] in {401, 403} or attempt["push"]["errors"]

    by_db = {r["database"]: r for r in status}
    for cred in (a_cred, b_cred):
        row = by_db[cred.database]
        assert (row["invalid"], row["quarantined"], row["conflicted"]) == (0, 0, 0)
    assert len(hazards) == 2 * HAZARDS
    assert {h["doc_id"] for h in hazards} <= a_ids | b_ids
    assert {v["target_id"] for v in a_verdicts} == a_ids
    assert {v["target_id"] for v in b_verdicts} == b_ids
    assert all(v["schema"]["valid"] for v in a_verdicts + b_verdicts)
    [grid_doc] = a_grids
    assert grid_doc["grid_id"] == "donghu-01"
    assert load_schemas().errors(grid_doc, 1, "grid") == []
    assert {f["form_id"] for f in b_forms} >= {"fire-crowded-place"}
    for form in b_forms:
        assert load_schemas().errors(form, 1, "form") == []


def _as(tablet: Tablet) -> IssuedCredentials:
    return IssuedCredentials(tablet.device_id, tablet.grid_id, tablet.user, tablet.password, "")


@pytest.fixture(autouse=True)
def _node_available() -> None:
    import shutil  # noqa: PLC0415

    assert shutil.which("node"), "the tablet simulator needs Node.js"
