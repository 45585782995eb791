"""Reading ``/api/events`` the way a browser's EventSource does, over a real server."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx

from tests.helpers import eventually


async def events(
    base_url: str, token: str, last_event_id: str | None = None
) -> AsyncIterator[dict[str, Any]]:
    """Each event's data with ``event`` (its name) and ``sse_id`` (its id) added."""
    headers = {"Accept-Encoding": "identity"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = last_event_id
    async with httpx.AsyncClient(base_url=base_url, timeout=httpx.Timeout(5, read=30)) as client:
        ticket = await stream_ticket(client, token)
        async with client.stream(
            "GET", "/api/events", params={"ticket": ticket}, headers=headers
        ) as response:
            async for event in _events_of(response):
                yield event


async def stream_ticket(client: httpx.AsyncClient, token: str) -> str:
    """What a page asks for before it opens a stream: a ticket (tokens never go in URLs)."""
    answer = await client.post("/api/events/ticket", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["ticket"])


async def _events_of(response: httpx.Response) -> AsyncIterator[dict[str, Any]]:
    assert response.status_code == 200, await response.aread()
    async for name, sse_id, data in parse(response.aiter_lines()):
        yield {"event": name, "sse_id": sse_id, **json.loads(data)}


async def parse(lines: AsyncIterator[str]) -> AsyncIterator[tuple[str, str | None, str]]:
    """``(event name, last event id, data)`` of each event dispatched, as the HTML
    standard's EventSource parser does: fields gathered until a blank line; comments
    (``:``) ignored; an event whose data is empty (a keep-alive) is never dispatched."""
    name, data, last_id = "", list[str](), None
    async for line in lines:
        if not line:
            if data and "\n".join(data):
                yield name or "message", last_id, "\n".join(data)
            name, data = "", []
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if field == "event":
            name = value
        elif field == "data":
            data.append(value)
        elif field == "id" and "\0" not in value:
            last_id = value


class Listening:
    """Events of one stream collected in the background until the block ends."""

    def __init__(self, stream: AsyncIterator[dict[str, Any]]) -> None:
        self.heard: list[dict[str, Any]] = []
        self._stream = stream
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Listening:
        async def collect() -> None:
            async for event in self._stream:
                self.heard.append(event)

        self._task = asyncio.create_task(collect())
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    def hazards(self) -> list[dict[str, Any]]:
        return [e for e in self.heard if e["event"] == "hazard"]

    def before_ready(self) -> list[dict[str, Any]]:
        names = [e["event"] for e in self.heard]
        return self.heard[: names.index("ready")] if "ready" in names else []

    @property
    def ready(self) -> bool:
        return any(e["event"] == "ready" for e in self.heard)


async def until(condition: Callable[[], bool], within: float = 30) -> None:
    """Wait for ``condition`` on what the listeners heard (``eventually`` of a plain check)."""

    async def check() -> bool:
        return condition()

    await eventually(check, bool, within=within, every=0.1)
