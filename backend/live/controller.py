"""HTTP: ``GET /api/events`` — a Server-Sent Events stream of the hazards of the
caller's jurisdiction as they are synced or decided on.

Browsers' EventSource cannot send an Authorization header, so the stream takes the
same JWT as ``access_token`` in the query. A comment every 15 s keeps proxies from
closing a quiet stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.channels import ChannelsPlugin
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException
from litestar.params import QueryParameter
from litestar.response import ServerSentEvent, ServerSentEventMessage
from litestar.security.jwt import Token

from backend.accounts.auth import account_for_token
from backend.accounts.controller import Unauthenticated
from backend.accounts.service import jurisdiction_grid_ids
from backend.database import unit_of_work
from backend.live.events import CHANNEL
from backend.runtime import Runtime

HEARTBEAT_SECONDS = 15.0


async def _stream(
    channels: ChannelsPlugin, within: set[str] | None, heartbeat: float
) -> AsyncIterator[ServerSentEventMessage]:
    async with channels.start_subscription([CHANNEL]) as subscriber:
        queue: asyncio.Queue[bytes] = asyncio.Queue()

        async def pump() -> None:
            async for item in subscriber.iter_events():
                queue.put_nowait(item)

        task = asyncio.create_task(pump())
        try:
            yield ServerSentEventMessage(event="ready", data="{}")
            while True:
                try:
                    raw = await asyncio.wait_for(queue.get(), heartbeat)
                except TimeoutError:
                    yield ServerSentEventMessage(comment="keep-alive")
                    continue
                event: dict[str, Any] = json.loads(raw)
                if within is None or event.get("grid_id") in within:
                    yield ServerSentEventMessage(event="hazard", data=json.dumps(event))
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


class EventController(Controller):
    path = "/api/events"
    tags = ("live",)

    @get("/", exclude_from_auth=True)
    async def stream(
        self,
        request: Request[Any, Any, Any],
        runtime: NamedDependency[Runtime],
        access_token: Annotated[str, QueryParameter(max_length=2000)],
    ) -> ServerSentEvent:
        """Events ``hazard`` (the marker, with ``reason`` synced or ledger) of the
        caller's jurisdiction; first a ``ready`` event."""
        secret: str = request.app.state.settings.jwt_secret
        try:
            token = Token.decode(access_token, secret, "HS256")
        except NotAuthorizedException:  # malformed, forged or expired: the same answer
            raise Unauthenticated("sign in again") from None
        account = await account_for_token(runtime, token)
        if account is None:
            raise Unauthenticated("sign in again")
        async with unit_of_work(runtime.sessions, read_only=True) as session:
            within = await jurisdiction_grid_ids(session, account)
        channels = request.app.plugins.get(ChannelsPlugin)
        return ServerSentEvent(
            _stream(channels, within, HEARTBEAT_SECONDS),
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )
