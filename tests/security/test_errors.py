"""Bad input and odd methods never make a 5xx, a failure says nothing of its internals
(but its request id, which the log has with the traceback), the public readiness check
says only ready or not, and what the service keeps on disk is private."""

from __future__ import annotations

import logging
import re
import stat

import pytest

from backend.app import create_app
from backend.settings import Settings
from tests.integration.harness import running_app


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


async def test_no_method_on_any_route_answers_5xx(sqlite_settings: Settings) -> None:
    routes = sorted({r.path for r in create_app(sqlite_settings).routes})
    async with running_app(sqlite_settings) as (signed_in, _):
        token = signed_in.headers["Authorization"]
        answers = {}
        for path in routes:
            for method in ("OPTIONS", "HEAD"):
                for headers in ({"Authorization": ""}, {"Authorization": token}):
                    answer = await signed_in.request(method, _concrete(path), headers=headers)
                    answers[(method, path, bool(headers["Authorization"]))] = answer.status_code
    broken = {k: v for k, v in answers.items() if v >= 500}
    assert broken == {}


async def test_json_too_deep_or_too_big_is_a_client_error(sqlite_settings: Settings) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    nested = '{"a":' * 100_000 + "1" + "}" * 100_000
    async with running_app(sqlite_settings) as (client, _):
        login = await client.post("/api/auth/login", content=deep,
                                  headers={"Content-Type": "application/json"})  # fmt: skip
        ledger = await client.post("/api/hazards/x/ledger", content=nested,
                                   headers={"Content-Type": "application/json"})  # fmt: skip
        huge = await client.post("/api/sites", content=b"[" + b"1," * 6_000_000 + b"1]",
                                 headers={"Content-Type": "application/json"})  # fmt: skip
    assert login.status_code == 400
    assert ledger.status_code in {400, 404}
    assert huge.status_code == 413


async def test_a_failure_is_logged_with_its_request_id_and_tells_nothing_else(
    sqlite_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_: object) -> None:
        raise RuntimeError("internal detail: /srv/secret/path")

    monkeypatch.setattr("backend.replication.controller.health_details", broken)
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep()
    logger = logging.getLogger("backend.errors")
    logger.addHandler(handler)
    try:
        async with running_app(sqlite_settings) as (client, _):
            answer = await client.get(
                "/api/sync/health", headers={"X-Request-ID": "field-call-0001"}
            )
    finally:
        logger.removeHandler(handler)
    assert answer.status_code == 500
    assert "secret" not in answer.text
    assert answer.json()["request_id"] == "field-call-0001"
    assert answer.headers["x-request-id"] == "field-call-0001"
    logged = [r for r in records if "field-call-0001" in r.getMessage()]
    assert logged
    assert logged[0].exc_info is not None  # with its traceback


async def test_ready_tells_anonymous_callers_only_ready_or_not(sqlite_settings: Settings) -> None:
    async with running_app(sqlite_settings) as (client, _):
        public = await client.get("/ready", headers={"Authorization": ""})
        details = await client.get("/api/sync/health")
    assert public.json() == {"status": "ok"}
    assert details.json()["follower"]["enabled"] is True


async def test_what_the_service_keeps_on_disk_is_private(sqlite_settings: Settings) -> None:
    var = sqlite_settings.var_dir
    settings = sqlite_settings.with_changes(  # the embedded default: all of it under var/
        couch=None, database_url=f"sqlite+aiosqlite:///{var / 'inspection.sqlite3'}"
    )
    async with running_app(settings):
        pass
    assert stat.S_IMODE(var.stat().st_mode) == 0o700
    for name in ("couch-admin-password", "inspection.sqlite3"):
        assert stat.S_IMODE((var / name).stat().st_mode) == 0o600, name
