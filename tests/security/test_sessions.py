"""Sessions end when they should: a password reset, disabling (and enabling again) and
signing out end every earlier token at once, open event streams included; a token never
travels in a URL (the event stream takes a single-use ticket, which is no API token)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from backend.settings import Settings
from tests.e2e.sse import parse, stream_ticket
from tests.integration.harness import running_app
from tests.security.harness import served_app

SUPERVISOR = {"username": "xixi.chen", "display_name": "陈", "role": "community_supervisor",
              "place_id": "xixi", "password": "a long and unusual passphrase 42"}  # fmt: skip


async def _login(client: Any, username: str, password: str) -> str:
    answer = await client.post("/api/auth/login", json={"username": username,
                                                        "password": password})  # fmt: skip
    assert answer.status_code == 201, answer.text
    return str(answer.json()["access_token"])


async def _me(client: Any, token: str) -> int:
    answer = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    return int(answer.status_code)


async def test_reset_disable_and_sign_out_end_every_earlier_token(
    sqlite_settings: Settings,
) -> None:
    async with running_app(sqlite_settings) as (client, _):
        created = await client.post("/api/accounts", json=SUPERVISOR)
        assert created.status_code == 201, created.text
        account_id = created.json()["account"]["id"]
        password = SUPERVISOR["password"]
        before_reset = await _login(client, SUPERVISOR["username"], password)
        reset = await client.post(f"/api/accounts/{account_id}/password")
        password = reset.json()["password"]
        after_reset = await _me(client, before_reset)

        before_disable = await _login(client, SUPERVISOR["username"], password)
        await client.post(f"/api/accounts/{account_id}/disable")
        await client.post(f"/api/accounts/{account_id}/enable")
        after_enable = await _me(client, before_disable)

        session = await _login(client, SUPERVISOR["username"], password)
        still = await _me(client, session)
        signed_out = await client.post("/api/auth/logout",
                                       headers={"Authorization": f"Bearer {session}"})  # fmt: skip
        after_logout = await _me(client, session)
        fresh = await _me(client, await _login(client, SUPERVISOR["username"], password))
        audit = (await client.get("/api/audit")).text
    assert after_reset == 401
    assert after_enable == 401  # enabling again revives nothing
    assert still == 200
    assert signed_out.status_code == 204
    assert after_logout == 401
    assert fresh == 200
    assert "account.logout" in audit


async def test_a_stream_ticket_is_single_use_and_no_api_token(sqlite_settings: Settings) -> None:
    admin_name, admin_password = sqlite_settings.bootstrap_admin or ("", "")
    async with (
        served_app(sqlite_settings) as (base, _),
        httpx.AsyncClient(base_url=base, timeout=httpx.Timeout(5, read=5)) as client,
    ):
        token = await _login(client, admin_name, admin_password)
        ticket = await stream_ticket(client, token)
        as_api_token = await _me(client, ticket)
        with_token_in_url = await client.get("/api/events", params={"access_token": token})
        async with client.stream("GET", "/api/events", params={"ticket": ticket}) as first:
            first_status = first.status_code
            again = await client.get("/api/events", params={"ticket": ticket})
    assert as_api_token == 401
    assert with_token_in_url.status_code in {400, 401}
    assert first_status == 200
    assert again.status_code == 401


async def test_an_open_stream_closes_when_its_account_is_disabled(
    sqlite_settings: Settings,
) -> None:
    settings = sqlite_settings.with_changes(live_catch_up_seconds=0.5)
    admin_name, admin_password = settings.bootstrap_admin or ("", "")
    async with (
        served_app(settings) as (base, _),
        httpx.AsyncClient(base_url=base, timeout=httpx.Timeout(5, read=30)) as client,
    ):
        admin = await _login(client, admin_name, admin_password)
        headers = {"Authorization": f"Bearer {admin}"}
        created = await client.post("/api/accounts", json=SUPERVISOR, headers=headers)
        token = await _login(client, SUPERVISOR["username"], SUPERVISOR["password"])
        ticket = await stream_ticket(client, token)
        heard: list[str] = []
        ready = asyncio.Event()
        async with client.stream("GET", "/api/events", params={"ticket": ticket}) as stream:

            async def listen() -> None:
                async for name, _, _ in parse(stream.aiter_lines()):
                    heard.append(name)
                    ready.set()

            listening = asyncio.create_task(listen())
            await asyncio.wait_for(ready.wait(), timeout=10)
            disabled = await client.post(
                f"/api/accounts/{created.json()['account']['id']}/disable", headers=headers
            )
            await asyncio.wait_for(listening, timeout=10)  # the server ended the stream
    assert disabled.is_success
    assert heard == ["ready"]
