"""The field app's shell is served gzipped and small enough to load once over 2G; the
service worker caches exactly what the page loads."""

from __future__ import annotations

import re

from backend.settings import Settings
from tests.integration.harness import running_app

SHELL_BUDGET = 200_000
"""Bytes on the wire for the whole shell: under a minute at 2G's ~40 kbit/s."""


async def test_the_shell_loads_gzipped_within_its_budget(sqlite_settings: Settings) -> None:
    async with running_app(sqlite_settings, sign_in=False) as (client, _):
        page = await client.get("/field/", headers={"Accept-Encoding": "gzip"})
        worker = (await client.get("/field/sw.js")).text
        listed = re.findall(r'"(/(?:field|static)/[^"]*)"', worker)
        wire, imported = 0, set()
        for path in listed:
            answer = await client.get(path, headers={"Accept-Encoding": "gzip"})
            assert answer.status_code == 200, path
            wire += int(answer.headers.get("content-length") or len(answer.content))
            if path.startswith("/field/") and path.endswith(".js"):  # the app's modules
                imported |= {f"/field/{m}" for m in re.findall(r'from "\./([\w-]+\.js)"',
                                                                 answer.text)}  # fmt: skip
        html = page.text

    assert page.headers["content-encoding"] == "gzip"
    loaded = set(re.findall(r'(?:src|href)="(/[^"]+)"', html))
    assert loaded <= {*listed, "/field/manifest.webmanifest"}, loaded - set(listed)
    assert wire < SHELL_BUDGET, wire
    assert imported, "the field app's modules import each other"
    assert imported <= set(listed), imported - set(listed)  # offline, every module is there
