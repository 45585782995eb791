"""The admin CLI: same services as the API, one clear line on errors."""

from __future__ import annotations

import json
from pathlib import Path

from shapely.geometry import box, mapping

from backend.demo import DEMO_STREET
from backend.settings import Settings
from sync.couch import CouchClient
from sync.devserver import DevCouch
from tests.integration.harness import get_json, run_cli, running_app


async def test_devices_are_managed_from_the_command_line(
    sqlite_settings: Settings, dev_couch: DevCouch
) -> None:
    async with running_app(sqlite_settings):
        pass  # loads the demo street, then stops
    code, creds, _ = await run_cli(sqlite_settings, "devices", "register", "--grid", "xixi-03",
                                "--label", "备用平板")  # fmt: skip
    assert code == 0
    async with CouchClient(dev_couch.url, creds["couch_user"], creds["password"]) as device:
        assert (await device.db_info(creds["database"]))["db_name"] == creds["database"]

    code, listed, _ = await run_cli(sqlite_settings, "devices", "list", "--grid", "xixi-03")
    assert code == 0
    assert {d["id"] for d in listed} == {"demo-xixi-03", creds["device_id"]}

    code, _, err = await run_cli(sqlite_settings, "devices", "register", "--grid", "nowhere")
    assert code == 2
    assert err.strip().splitlines() == ["error: no grid 'nowhere'"]

    code, admin, _ = await run_cli(sqlite_settings, "create-admin", "--username", "ops",
                                "--password-stdin", stdin="a-long-enough-password\n")  # fmt: skip
    assert code == 0
    assert admin["role"] == "admin"


async def test_boundary_files_are_imported_and_activated_from_the_command_line(
    sqlite_settings: Settings, dev_couch: DevCouch, tmp_path: Path
) -> None:
    async with running_app(sqlite_settings):
        pass  # the demo street is version 1
    data = json.loads(DEMO_STREET.read_text(encoding="utf-8"))
    for feature in data["features"]:
        if feature["properties"]["id"] == "xixi-03":
            feature["geometry"] = mapping(box(120.160, 30.278, 120.171, 30.282))
    broken = tmp_path / "xixi-redrawn.geojson"
    broken.write_text(json.dumps(data), encoding="utf-8")

    code, version, err = await run_cli(sqlite_settings, "boundaries", "import", str(broken))
    assert code == 0
    assert version["problem_counts"]["outside_parent"] == 1
    assert "outside_parent" in err
    assert "xixi-03, xixi" in err

    assert "\t120.1" in err  # piped: plain lines with where each problem is, nothing cut
    code, report, err = await run_cli(
        sqlite_settings, "boundaries", "import", str(broken), "--json"
    )
    assert code == 0
    assert err == ""
    assert report["problems"]["features"][0]["properties"]["kind"] == "outside_parent"

    code, _, err = await run_cli(sqlite_settings, "boundaries", "activate", str(version["id"]))
    assert code == 2
    assert err.strip().endswith("fix the file, or activate with force and a reason")

    reason = "survey pending; street office approved"
    code, result, _ = await run_cli(
        sqlite_settings, "boundaries", "activate", str(version["id"]), "--force", "--reason", reason
    )
    assert code == 0
    assert result["version"] == version["id"]
    code, versions, _ = await run_cli(sqlite_settings, "boundaries", "versions")
    [active] = [v for v in versions if v["active"]]
    assert (active["forced"], active["force_reason"]) == (
        True,
        "survey pending; street office approved",
    )


async def test_a_file_that_is_not_geojson_gets_one_line_and_imports_are_audited(
    sqlite_settings: Settings, dev_couch: DevCouch, tmp_path: Path
) -> None:
    not_json = tmp_path / "boundaries.geojson"
    not_json.write_text('{"type": "FeatureCollection", "features": [}', encoding="utf-8")
    binary = tmp_path / "boundaries.shp"
    binary.write_bytes(b"\x00\x00\x27\x0a\xff\xfe\x80 a shapefile, not GeoJSON")
    clean = tmp_path / "street.geojson"
    clean.write_text(DEMO_STREET.read_text(encoding="utf-8"), encoding="utf-8")
    async with running_app(sqlite_settings):
        pass  # the demo street is version 1
    answers = [await run_cli(sqlite_settings, "boundaries", "import", str(path))
               for path in (not_json, binary, tmp_path / "missing.geojson")]  # fmt: skip
    code, version, _ = await run_cli(sqlite_settings, "boundaries", "import", str(clean))
    assert code == 0
    activated, _, _ = await run_cli(sqlite_settings, "boundaries", "activate", str(version["id"]))
    async with running_app(sqlite_settings) as (client, _runtime):
        target = f"boundary_version:{version['id']}"
        trail = await get_json(client, f"/api/audit?target={target}")
    for (code, _, err), path in zip(answers, (not_json, binary, "missing.geojson"), strict=True):
        assert code == 2, err
        [line] = err.strip().splitlines()  # one line, no traceback
        assert line.startswith("error: ")
        assert str(path) in line
    assert "not a GeoJSON file (not JSON" in answers[0][2]
    assert "not a GeoJSON file (not UTF-8" in answers[1][2]
    assert activated == 0
    assert {(e["action"], e["actor"].startswith("cli:")) for e in trail} == {
        ("boundary.import", True), ("boundary.activate", True)}  # fmt: skip
