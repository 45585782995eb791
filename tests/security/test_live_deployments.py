"""Two deployments sharing one Redis (another street office, a test run beside
production): neither hears the other's hazard events, though Redis Pub/Sub channel
names are global to the server."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from backend.live.events import CHANNEL
from backend.live.plugin import DeploymentPubSub, deployment_pubsub
from tests.helpers import REDIS_URL


@asynccontextmanager
async def _deployment(namespace: str) -> AsyncIterator[DeploymentPubSub]:
    backend = deployment_pubsub(REDIS_URL, namespace)
    await backend.on_startup()
    await backend.subscribe([CHANNEL])
    for _ in range(50):  # until Redis confirms: what is published from then on is heard
        message = await backend._pub_sub.get_message(timeout=0.1)
        if message is not None and message["type"] == "subscribe":
            break
    else:
        raise AssertionError("Redis did not confirm the subscription")
    try:
        yield backend
    finally:
        await backend.unsubscribe([CHANNEL])
        await backend.on_shutdown()
        await backend._redis.aclose()


async def _heard(backend: DeploymentPubSub, within: float) -> list[tuple[str, bytes]]:
    heard: list[tuple[str, bytes]] = []

    async def listen() -> None:
        async for event in backend.stream_events():
            heard.append(event)

    listening = asyncio.create_task(listen())
    await asyncio.sleep(within)
    listening.cancel()
    await asyncio.gather(listening, return_exceptions=True)
    return heard


async def test_a_deployment_never_hears_another_deployments_events() -> None:
    ours, theirs = f"t{secrets.token_hex(4)}_", f"t{secrets.token_hex(4)}_"
    async with _deployment(ours) as our_office, _deployment(theirs) as their_office:
        await their_office.publish(b'{"id": "hazard:theirs", "place": "donghu"}', [CHANNEL])
        await our_office.publish(b'{"id": "hazard:ours", "place": "donghu"}', [CHANNEL])
        ours_heard, theirs_heard = await asyncio.gather(
            _heard(our_office, 1.0), _heard(their_office, 1.0)
        )
    assert ours_heard == [(CHANNEL, b'{"id": "hazard:ours", "place": "donghu"}')]
    assert theirs_heard == [(CHANNEL, b'{"id": "hazard:theirs", "place": "donghu"}')]
