"""Tablet apps fetch their contract from the server, with caching."""

from __future__ import annotations

import json

from backend.settings import Settings
from sync.contract.schemas import SCHEMA_ROOT
from tests.integration.harness import get_json, running_app


async def test_the_index_lists_every_version_and_type(sqlite_settings: Settings) -> None:
    async with running_app(sqlite_settings) as (client, _):
        index = await get_json(client, "/mobile-schema/")
    assert index["current_version"] == 1
    by_version = {v["version"]: v for v in index["versions"]}
    assert by_version[0]["types"] == ["hazard", "inspection"]
    assert "verdict" in by_version[1]["types"]
    assert "/mobile-schema/v1/hazard.json" in by_version[1]["schemas"]


async def test_a_schema_is_served_verbatim_with_an_etag(sqlite_settings: Settings) -> None:
    async with running_app(sqlite_settings) as (client, _):
        first = await client.get("/mobile-schema/v1/hazard.json")
        again = await client.get(
            "/mobile-schema/v1/hazard.json", headers={"If-None-Match": first.headers["etag"]}
        )
        missing = await client.get("/mobile-schema/v9/hazard.json")
        tricky = await client.get("/mobile-schema/v1/..%2F..%2Fpyproject.toml")
    assert first.status_code == 200
    assert first.headers["content-type"].startswith("application/schema+json")
    assert first.content == (SCHEMA_ROOT / "v1" / "hazard.json").read_bytes()
    assert json.loads(first.content)["$id"].endswith("/v1/hazard.json")
    assert again.status_code == 304
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert tricky.status_code == 404
