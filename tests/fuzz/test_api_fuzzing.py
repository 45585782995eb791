"""Schemathesis against the OpenAPI document, over a real server: generated requests to
every operation (valid and invalid), signed in as an admin. No answer may be a 5xx, and
every answer must match the status codes, content types and schemas the document
declares. Counts are printed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
)

from backend.settings import Settings
from sync.devserver import DevCouch
from tests.browser.harness import served_in_background

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
EXAMPLES = 25
"""Requests per operation; the whole run stays under a minute or two."""
SKIP = {
    ("POST", "/api/devices/{device_id}/revoke"),  # would revoke the demo tablets mid-run
    ("POST", "/api/accounts/{account_id}/disable"),  # could disable the fuzzer's own admin
}


def test_no_request_the_api_documents_gets_a_server_error(
    sqlite_settings: Settings, dev_couch: DevCouch, tmp_path: Path
) -> None:
    tried: dict[str, int] = {}
    failures: list[str] = []
    with served_in_background(sqlite_settings, tmp_path) as app:
        login = httpx.post(f"{app.base_url}/api/auth/login",
                           json={"username": app.admin[0], "password": app.admin[1]})  # fmt: skip
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        document = httpx.get(f"{app.base_url}/schema/openapi.json", timeout=30).json()
        schema = schemathesis.openapi.from_dict(document)
        for result in schema.get_all_operations():
            operation = result.ok()  # type: ignore[union-attr]
            key = (operation.method.upper(), operation.path)
            if key in SKIP or operation.path == "/api/events":  # an endless stream
                continue

            @given(case=operation.as_strategy())
            @settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                      suppress_health_check=list(HealthCheck))  # fmt: skip
            def run(case: Any) -> None:
                name = f"{case.method} {case.path}"
                response = case.call(base_url=app.base_url, headers=headers, timeout=30)
                tried[name] = tried.get(name, 0) + 1
                try:
                    case.validate_response(response, checks=CHECKS)
                except (Exception, BaseExceptionGroup) as exc:  # collect them all, then report
                    failures.append(f"{name}: {exc}"[:600])
                    raise

            try:
                run()
            except (Exception, BaseExceptionGroup) as exc:  # recorded (here if it never ran)
                name = f"{operation.method.upper()} {operation.path}"
                if not any(f.startswith(f"{name}:") for f in failures):
                    failures.append(f"{name}: {exc!r}"[:600])
    print(
        f"\nAPI fuzzing: {sum(tried.values())} requests to {len(tried)} operations, "
        f"{len(failures)} failing operations"
    )
    for failure in failures:
        print(" ", " ".join(failure.split())[:160])
    assert failures == []
    assert len(tried) > 40
