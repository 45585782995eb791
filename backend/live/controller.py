"""HTTP: ``GET /api/events`` — a Server-Sent Events stream of the hazards of the
caller's jurisdiction as they are synced or decided on.

Browsers' EventSource cannot send an Authorization header, and a token in a URL ends up
in access logs; so the page first asks ``POST /api/events/ticket`` (with its token) for a
ticket that opens one stream within a minute, once. The stream closes as soon as the
account's sessions end (sign-out, password reset, disabled). A comment every 15 s keeps proxies from
closing a quiet stream. Each event's id is the newest change the stream has told; a
browser reconnecting sends it back as ``Last-Event-ID`` and first hears what it missed
(:mod:`backend.live.catch_up`), and an open stream looks in SQL for missed changes every
``LIVE_CATCH_UP_SECONDS``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.channels import ChannelsPlugin
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException
from litestar.params import QueryParameter
from litestar.response import ServerSentEvent, ServerSentEventMessage
from litestar.security.jwt import Token
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.auth import EVENTS_PURPOSE, account_for_token, sign_token
from backend.accounts.controller import Unauthenticated
from backend.accounts.models import Account
from backend.accounts.service import jurisdiction_grid_ids
from backend.database import unit_of_work
from backend.live.catch_up import Watermark, look
from backend.live.events import CHANNEL
from backend.runtime import Runtime
from backend.settings import Settings
from backend.sqltypes import utcnow

HEARTBEAT_SECONDS = 15.0
TICKET_LIFETIME = timedelta(minutes=1)
OLDEST_REPLAY = timedelta(days=1)
"""A map away longer than this reloads anyway; older ids replay from here."""


@dataclass(frozen=True, slots=True)
class Listener:
    within: set[str] | None
    since: datetime | None
    """From ``Last-Event-ID``: replay the changes after it first."""
    catch_up_every: float
    still_signed_in: Callable[[], Awaitable[bool]]


def _last_event(header: str | None) -> datetime | None:
    try:
        at = datetime.fromisoformat(header or "")
    except ValueError:
        return None  # not one of ours: live from now on
    if at.tzinfo is None:
        return None
    return max(at, utcnow() - OLDEST_REPLAY)


async def _stream(
    channels: ChannelsPlugin, sessions: async_sessionmaker[AsyncSession], listener: Listener
) -> AsyncIterator[ServerSentEventMessage]:
    async with channels.start_subscription([CHANNEL]) as subscriber:
        queue: asyncio.Queue[bytes] = asyncio.Queue()

        async def pump() -> None:
            async for item in subscriber.iter_events():
                queue.put_nowait(item)

        async def missed() -> list[dict[str, Any]]:
            """What changed that this stream has not told (admitted into ``mark``)."""
            async with unit_of_work(sessions, read_only=True) as session:
                return await look(session, listener.within, mark)

        def told(event: dict[str, Any], at: str | None = None) -> ServerSentEventMessage:
            """A live event's id is the newest change told so far; one found in SQL
            (oldest first) carries its own time, so a cut in the middle resumes there."""
            return ServerSentEventMessage(event="hazard", data=json.dumps(event),
                                          id=at or mark.latest.isoformat())  # fmt: skip

        task = asyncio.create_task(pump())
        loop = asyncio.get_running_loop()
        mark = Watermark(listener.since or utcnow())
        try:
            if listener.since is not None:
                for replayed in await missed():
                    yield told(replayed, replayed["updated_at"])
            yield ServerSentEventMessage(event="ready", data="{}")
            next_look = loop.time() + listener.catch_up_every
            while True:
                wait = min(HEARTBEAT_SECONDS, max(0.0, next_look - loop.time()))
                try:
                    event: dict[str, Any] = json.loads(await asyncio.wait_for(queue.get(), wait))
                except TimeoutError:
                    if not await listener.still_signed_in():
                        return  # the account's sessions ended: so does this stream
                    found = []
                    if loop.time() >= next_look:
                        found = await missed()
                        next_look = loop.time() + listener.catch_up_every
                    for missed_event in found:
                        yield told(missed_event, missed_event["updated_at"])
                    if not found:
                        yield ServerSentEventMessage(comment="keep-alive")
                    continue
                inside = listener.within is None or event.get("grid_id") in listener.within
                if inside and mark.admit(event):
                    yield told(event)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


class Ticket(BaseModel):
    ticket: str
    expires_in: int


class EventController(Controller):
    path = "/api/events"
    tags = ("live",)

    @post("/ticket")
    async def ticket(self, request: Request[Account, Token, Any]) -> Ticket:
        """A ticket for ``GET /api/events?ticket=…``: one stream, opened within a minute."""
        auth = request.app.state.jwt_auth
        ticket = sign_token(auth, request.user, purpose=EVENTS_PURPOSE, lifetime=TICKET_LIFETIME,
                            unique_id=secrets.token_urlsafe(16))  # fmt: skip
        return Ticket(ticket=ticket, expires_in=int(TICKET_LIFETIME.total_seconds()))

    @get("/", exclude_from_auth=True)
    async def stream(
        self,
        request: Request[Any, Any, Any],
        runtime: NamedDependency[Runtime],
        ticket: Annotated[str, QueryParameter(max_length=2000)],
        last_event_id: Annotated[str | None, QueryParameter(max_length=64)] = None,
    ) -> ServerSentEvent:
        """Events ``hazard`` (the marker, with ``reason`` synced, ledger or changed) of the
        caller's jurisdiction; first a ``ready`` event (after what a ``Last-Event-ID``
        header, or ``last_event_id`` when a page opens a new stream itself, missed)."""
        settings: Settings = request.app.state.settings
        try:
            token = Token.decode(ticket, settings.jwt_secret, "HS256")
        except NotAuthorizedException:  # malformed, forged or expired: the same answer
            raise Unauthenticated("ask for a new ticket") from None
        account = await account_for_token(runtime, token, EVENTS_PURPOSE)
        ticket_id = token.jti if isinstance(token.jti, str) else None
        if account is None or not runtime.used_tickets.use(ticket_id, token.exp):
            raise Unauthenticated("ask for a new ticket")
        async with unit_of_work(runtime.sessions, read_only=True) as session:
            within = await jurisdiction_grid_ids(session, account)
        channels = request.app.plugins.get(ChannelsPlugin)
        since = _last_event(request.headers.get("last-event-id") or last_event_id)

        async def still_signed_in() -> bool:
            return await account_for_token(runtime, token, EVENTS_PURPOSE) is not None

        listener = Listener(within, since, settings.live_catch_up_seconds, still_signed_in)
        return ServerSentEvent(
            _stream(channels, runtime.sessions, listener),
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )
