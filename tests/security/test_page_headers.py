"""Every page runs only this origin's code: a strict CSP, nosniff, no referrer, never
framed; the API reference works offline (vendored viewer, no CDN)."""

from __future__ import annotations

import re

import pytest

from backend.settings import Settings
from tests.integration.harness import running_app

PAGES = ["/map", "/devices", "/field", "/field/", "/schema", "/static/map.js", "/api/grids"]


@pytest.mark.parametrize("production", [False, True])
async def test_every_page_carries_a_strict_policy(sqlite_settings: Settings,
                                                  production: bool) -> None:  # fmt: skip
    settings = sqlite_settings.with_changes(env="production" if production else "test")
    async with running_app(settings) as (client, _):
        answers = {path: await client.get(path) for path in PAGES}
    for path, answer in answers.items():
        assert answer.status_code == 200, path
        policy = answer.headers["content-security-policy"]
        scripts = re.search(r"script-src ([^;]+)", policy)
        assert scripts is not None, path
        assert "'unsafe-inline'" not in policy, path
        assert "http" not in policy, path  # nothing from another host
        assert "object-src 'none'" in policy
        assert "frame-ancestors 'none'" in policy
        assert "style-src 'self'" in policy
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "no-referrer"
        assert ("strict-transport-security" in answer.headers) is production
        if not path.startswith("/field"):
            assert scripts.group(1).strip() == "'self'", path
    for path in ("/map", "/devices", "/schema"):
        assert answers[path].headers["content-type"].count("charset") <= 1, path
    schema_page = answers["/schema"].text
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in schema_page
    assert not re.search(r"https?://", schema_page)
    assert "<script>" not in schema_page  # no inline script
