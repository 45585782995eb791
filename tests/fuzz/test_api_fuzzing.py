"""Schemathesis against the OpenAPI document, over a real server: generated requests to
every operation (valid and invalid), signed in as an admin. No answer may be a 5xx, and
every answer must match the status codes, content types and schemas the document
declares. Counts are printed."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
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
    ("POST", "/api/accounts/{account_id}/password"),  # likewise: a reset ends its tokens
    ("POST", "/api/auth/logout"),  # ends the fuzzer's own session (tests/security)
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


BAD_TOKENS = ("missing", "malformed", "expired", "revoked", "ticket")
PUBLIC = {"/api/auth/login", "/api/field/device", "/api/field/enrol", "/api/events"}


def _bad_tokens(app: Any, secret: str) -> dict[str, dict[str, str]]:
    """A request's Authorization for each way a token can be wrong."""
    login = {"username": app.admin[0], "password": app.admin[1]}
    admin = httpx.post(f"{app.base_url}/api/auth/login", json=login).json()["access_token"]
    bearer = {"Authorization": f"Bearer {admin}"}
    account = {
        "username": "fuzz.revoked",
        "display_name": "x",
        "role": "street_supervisor",
        "place_id": "demo-street",
        "password": "a long and unusual passphrase 42",
    }
    created = httpx.post(f"{app.base_url}/api/accounts", json=account, headers=bearer)
    assert created.status_code == 201, created.text
    revoked = httpx.post(
        f"{app.base_url}/api/auth/login",
        json={"username": account["username"], "password": account["password"]},
    ).json()["access_token"]
    disabled = httpx.post(
        f"{app.base_url}/api/accounts/{created.json()['account']['id']}/disable", headers=bearer
    )
    assert disabled.is_success, disabled.text
    ticket = httpx.post(f"{app.base_url}/api/events/ticket", headers=bearer).json()["ticket"]
    past = datetime.now(UTC) - timedelta(hours=1)
    expired = jwt.encode({"sub": "1", "iat": past, "exp": past + timedelta(minutes=5), "ver": 0},
                         secret, algorithm="HS256")  # fmt: skip
    return {"missing": {}, "malformed": {"Authorization": "Bearer x.y.z"},
            "expired": {"Authorization": f"Bearer {expired}"},
            "revoked": {"Authorization": f"Bearer {revoked}"},
            "ticket": {"Authorization": f"Bearer {ticket}"}}  # fmt: skip


def test_every_method_and_every_bad_token_gets_a_clear_answer(
    sqlite_settings: Settings, dev_couch: DevCouch, tmp_path: Path
) -> None:
    """Every path of the document, with every method (OPTIONS and HEAD too) and every kind
    of bad token: never a 5xx, and a protected operation is a 401."""
    answers: dict[str, int] = {}
    with served_in_background(sqlite_settings, tmp_path) as app:
        document = httpx.get(f"{app.base_url}/schema/openapi.json", timeout=30).json()
        tokens = _bad_tokens(app, sqlite_settings.jwt_secret)
        with httpx.Client(base_url=app.base_url, timeout=30) as client:
            for path, item in document["paths"].items():
                concrete = re.sub(r"\{[^}]+\}", "1", path)
                if path == "/api/events" or not path.startswith("/api/"):
                    continue
                for method in ("GET", "POST", "PUT", "DELETE", "OPTIONS", "HEAD"):
                    for kind, headers in tokens.items():
                        response = client.request(method, concrete, headers=headers, json={})
                        answers[f"{method} {path} {kind}"] = response.status_code
                        documented = method.lower() in item
                        if documented and path not in PUBLIC and method not in {"OPTIONS"}:
                            assert response.status_code == 401, (method, path, kind)
    server_errors = {k: v for k, v in answers.items() if v >= 500}
    print(f"\nbad tokens and methods: {len(answers)} requests, {len(server_errors)} server errors")
    assert server_errors == {}
    assert len(answers) > 300
