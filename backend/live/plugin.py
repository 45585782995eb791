"""The channels plugin: in memory for one process, Redis when several share the work."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterable
from typing import Any

from litestar.channels import ChannelsPlugin
from litestar.channels.backends.base import ChannelsBackend
from litestar.channels.backends.memory import MemoryChannelsBackend
from litestar.channels.backends.redis import RedisChannelsPubSubBackend
from redis.asyncio import Redis

from backend.live.events import CHANNEL

MAX_BACKLOG = 1000
"""Events a slow subscriber may fall behind by before the oldest are dropped."""


class DeploymentPubSub(RedisChannelsPubSubBackend):
    """Redis Pub/Sub with each channel under the deployment's prefix.

    Pub/Sub channel names are global to a Redis server, and Litestar's Pub/Sub backend
    uses its ``key_prefix`` for nothing: without this, every deployment sharing a Redis
    (another street office, a test run beside production) would hear the others'
    hazard events, and a supervisor's map would show hazards of places with the same
    name in another deployment."""

    @property
    def _prefix(self) -> str:
        return f"{self._key_prefix}:"

    def _names(self, channels: Iterable[str]) -> list[str]:
        return [self._prefix + channel for channel in channels]

    async def subscribe(self, channels: Iterable[str]) -> None:
        await super().subscribe(self._names(channels))

    async def unsubscribe(self, channels: Iterable[str]) -> None:
        await super().unsubscribe(self._names(channels))

    async def publish(self, data: bytes, channels: Iterable[str]) -> None:
        await super().publish(data, self._names(channels))

    async def stream_events(self) -> AsyncGenerator[tuple[str, Any], None]:
        async for channel, data in super().stream_events():
            if channel.startswith(self._prefix):
                yield channel.removeprefix(self._prefix), data


def deployment_pubsub(redis_url: str, namespace: str = "") -> DeploymentPubSub:
    """The Redis backend of the deployment whose CouchDB namespace is ``namespace``."""
    prefix = f"GRID_INSPECTION_{namespace}" if namespace else "GRID_INSPECTION"
    return DeploymentPubSub(redis=Redis.from_url(redis_url), key_prefix=prefix)


def channels_plugin(redis_url: str | None, namespace: str = "") -> ChannelsPlugin:
    backend: ChannelsBackend = (
        deployment_pubsub(redis_url, namespace) if redis_url else MemoryChannelsBackend()
    )
    return ChannelsPlugin(
        backend=backend,
        channels=[CHANNEL],
        subscriber_max_backlog=MAX_BACKLOG,
        subscriber_backlog_strategy="dropleft",
    )
