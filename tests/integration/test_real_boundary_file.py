"""A real published boundary file with quantisation defects (``tests/corpus/
real_boundaries``), taken through the command line as an office would: imported with
its report, activated on purpose, its repair printed and imported again."""

from __future__ import annotations

import json
from pathlib import Path

from shapely.geometry import shape

from backend.settings import Settings
from sync.couch import CouchClient
from sync.devserver import DevCouch
from tests.corpus.test_real_boundaries import HERE, INVALID
from tests.integration.harness import get_json, run_cli, running_app


async def test_a_real_quantised_file_imports_activates_and_its_repair_reimports(
    sqlite_settings: Settings, dev_couch: DevCouch, tmp_path: Path
) -> None:
    """Before: `error: … A linearring requires at least 4 coordinates` and nothing
    imported. After: the report names the six collapsed rings, a forced activation
    publishes the 64 counties, and the printed repair imports with no invalid shape."""
    source = HERE / "us_atlas_colorado.geojson"
    async with running_app(sqlite_settings):
        pass  # the demo street is version 1
    code, report, err = await run_cli(
        sqlite_settings, "boundaries", "import", str(source), "--json"
    )
    assert code == 0, err
    invalid = [f["properties"] for f in report["problems"]["features"]
               if f["properties"]["kind"] == "invalid_geometry"]  # fmt: skip
    assert sorted(p["place_ids"][0] for p in invalid) == sorted(INVALID["colorado"])
    version = report

    reason = "county file as published; collapsed enclaves to be redrawn"
    activating = ("boundaries", "activate", str(version["id"]), "--force", "--reason", reason)
    code, activated, err = await run_cli(sqlite_settings, *activating)
    assert code == 0, err
    assert activated["version"] == version["id"]

    code, repaired, err = await run_cli(
        sqlite_settings, "boundaries", "repaired", str(version["id"])
    )
    assert code == 0, err
    assert sorted(repaired["repaired"]) == sorted(INVALID["colorado"])
    assert repaired["not_repaired"] == []
    fixed = tmp_path / "colorado-repaired.geojson"
    fixed.write_text(json.dumps(repaired), encoding="utf-8")
    code, again, err = await run_cli(sqlite_settings, "boundaries", "import", str(fixed), "--json")
    assert code == 0, err
    assert again["problem_counts"]["invalid_geometry"] == 0

    async with running_app(sqlite_settings) as (client, _):
        grids = await get_json(client, "/api/grids")
    databases = {g["id"]: g["couch_db"] for g in grids if g["id"].startswith("08")}
    assert len(databases) == 64
    async with CouchClient.from_credentials(dev_couch.credentials) as couch:
        for grid_id in INVALID["colorado"]:  # what tablets get is the repair, made light
            published = await couch.get_doc(databases[grid_id], f"grid:{grid_id}")
            assert shape(published["boundary"]).is_valid, grid_id
            assert shape(published["boundary"]).area > 0, grid_id
