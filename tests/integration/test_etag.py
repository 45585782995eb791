"""Reads revalidate by ETag whatever the encoding: a map that asked gzipped a minute ago
gets 304, not the whole street's boundaries again."""

from __future__ import annotations

import time
from unittest import mock

from backend.settings import Settings
from tests.integration.harness import running_app


async def test_a_body_has_one_etag_gzipped_or_not_and_at_any_time(
    sqlite_settings: Settings,
) -> None:
    async with running_app(sqlite_settings) as (client, _):
        url = "/api/grids/geojson"
        zipped = await client.get(url, headers={"Accept-Encoding": "gzip"})
        with mock.patch("time.time", return_value=time.time() + 61.0):  # gzip stamps its time
            later = await client.get(url, headers={"Accept-Encoding": "gzip"})
        plain = await client.get(url, headers={"Accept-Encoding": "identity"})
        asked = {"Accept-Encoding": "gzip", "If-None-Match": plain.headers["etag"]}
        revalidated = await client.get(url, headers=asked)

    assert zipped.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    assert zipped.content == plain.content
    assert zipped.headers["etag"] == later.headers["etag"] == plain.headers["etag"]
    assert plain.headers["etag"].startswith('W/"')
    assert (revalidated.status_code, revalidated.content) == (304, b"")
