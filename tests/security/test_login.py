"""Guessing passwords: throttled per account and per client address with growing delays
(429 with Retry-After, audited), and a guessable password cannot be chosen."""

from __future__ import annotations

import pytest

from backend.accounts.throttle import FREE_FAILURES, MAX_DELAY, LoginThrottle
from backend.settings import Settings
from tests.integration.harness import running_app


async def test_two_hundred_guesses_then_the_right_password_is_still_refused(
    sqlite_settings: Settings,
) -> None:
    username, password = sqlite_settings.bootstrap_admin or ("", "")
    now = [0.0]  # the guesses come faster than any delay runs out, on any machine
    async with running_app(sqlite_settings, sign_in=False) as (client, runtime):
        runtime.login_throttle = LoginThrottle(clock=lambda: now[0])
        answers = [
            await client.post("/api/auth/login", json={"username": username,
                                                       "password": f"guess-{i}"})
            for i in range(200)
        ]  # fmt: skip
        right = await client.post("/api/auth/login",
                                  json={"username": username, "password": password})  # fmt: skip
        other_account = await client.post("/api/auth/login",
                                          json={"username": "nobody", "password": "x"})  # fmt: skip
        now[0] += int(answers[-1].headers["retry-after"])
        right_login = {"username": username, "password": password}
        after_the_delay = await client.post("/api/auth/login", json=right_login)
    statuses = [a.status_code for a in answers]
    assert statuses[:FREE_FAILURES] == [401] * FREE_FAILURES
    assert set(statuses[FREE_FAILURES:]) == {429}
    assert after_the_delay.status_code == 201
    refused = answers[-1]
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert right.status_code == 429  # not checked at all while throttled
    assert other_account.status_code == 429  # the same client address is throttled too


async def test_throttled_and_failed_sign_ins_are_audited(sqlite_settings: Settings) -> None:
    username, password = sqlite_settings.bootstrap_admin or ("", "")
    async with running_app(sqlite_settings, sign_in=False) as (client, runtime):
        for _ in range(FREE_FAILURES + 2):
            await client.post("/api/auth/login", json={"username": username, "password": "no"})
        runtime.login_throttle = LoginThrottle()  # an admin may sign in to read the audit
        login = {"username": username, "password": password}
        signed_in = await client.post("/api/auth/login", json=login)
        token = signed_in.json()["access_token"]
        audit = await client.get("/api/audit", headers={"Authorization": f"Bearer {token}"})
    actions = [e["action"] for e in audit.json()]
    assert "auth.failed" in actions
    assert "auth.throttled" in actions


def test_delays_double_up_to_a_quarter_hour_and_a_success_clears_the_account() -> None:
    now = [1000.0]
    throttle = LoginThrottle(clock=lambda: now[0])
    keys = throttle.keys("Wang.Fang ", "10.0.0.7")
    assert keys == ["account:wang.fang", "client:10.0.0.7"]
    waits = []
    for _ in range(FREE_FAILURES + 12):
        waits.append(throttle.wait_seconds(keys))
        throttle.failed(keys)
    assert waits[:FREE_FAILURES] == [0] * FREE_FAILURES
    assert waits[FREE_FAILURES : FREE_FAILURES + 3] == [1, 2, 4]
    assert max(waits) == MAX_DELAY
    now[0] += MAX_DELAY
    assert throttle.wait_seconds(keys) == 0
    throttle.failed(keys)
    assert throttle.wait_seconds(["account:wang.fang"]) > 0
    throttle.succeeded(keys)
    assert throttle.wait_seconds(["account:wang.fang"]) == 0
    assert throttle.wait_seconds(["client:10.0.0.7"]) > 0  # the address keeps its record


@pytest.mark.parametrize(
    "password", ["aaaaaaaaaa", "password123", "qwertyuiop", "1234567890", "xixi.chen2026", "short"]
)
async def test_a_guessable_password_cannot_be_chosen(
    sqlite_settings: Settings, password: str
) -> None:
    async with running_app(sqlite_settings) as (client, _):
        answer = await client.post("/api/accounts", json={
            "username": "xixi.chen", "display_name": "陈", "role": "community_supervisor",
            "place_id": "xixi", "password": password})  # fmt: skip
    assert answer.status_code == 400, answer.text
    assert answer.json()["errors"][0]["path"].endswith("/password")
