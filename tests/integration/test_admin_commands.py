"""The admin CLI: same services as the API, one clear line on errors."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from backend.settings import REPO_ROOT, Settings
from sync.couch import CouchClient
from sync.devserver import DevCouch
from tests.integration.harness import environment_of, running_app


async def _cli(settings: Settings, *args: str, stdin: str = "") -> tuple[int, Any, str]:
    env = environment_of(settings)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "backend", *args,
        cwd=REPO_ROOT, env=env,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate(stdin.encode())
    assert process.returncode is not None
    parsed = json.loads(out) if process.returncode == 0 else None
    return process.returncode, parsed, err.decode()


async def test_devices_are_managed_from_the_command_line(
    sqlite_settings: Settings, dev_couch: DevCouch
) -> None:
    async with running_app(sqlite_settings):
        pass  # loads the demo street, then stops
    code, creds, _ = await _cli(sqlite_settings, "devices", "register", "--grid", "xixi-03",
                                "--label", "备用平板")  # fmt: skip
    assert code == 0
    async with CouchClient(dev_couch.url, creds["couch_user"], creds["password"]) as device:
        assert (await device.db_info(creds["database"]))["db_name"] == creds["database"]

    code, listed, _ = await _cli(sqlite_settings, "devices", "list", "--grid", "xixi-03")
    assert code == 0
    assert {d["id"] for d in listed} == {"demo-xixi-03", creds["device_id"]}

    code, _, err = await _cli(sqlite_settings, "devices", "register", "--grid", "nowhere")
    assert code == 2
    assert err.strip().splitlines() == ["error: no grid 'nowhere'"]

    code, admin, _ = await _cli(sqlite_settings, "create-admin", "--username", "ops",
                                "--password-stdin", stdin="a-long-enough-password\n")  # fmt: skip
    assert code == 0
    assert admin["role"] == "admin"
