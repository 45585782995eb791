"""The channels plugin: in memory for one process, Redis when several share the work."""

from __future__ import annotations

from litestar.channels import ChannelsPlugin
from litestar.channels.backends.base import ChannelsBackend
from litestar.channels.backends.memory import MemoryChannelsBackend
from litestar.channels.backends.redis import RedisChannelsPubSubBackend
from redis.asyncio import Redis

from backend.live.events import CHANNEL

MAX_BACKLOG = 1000
"""Events a slow subscriber may fall behind by before the oldest are dropped."""


def channels_plugin(redis_url: str | None, namespace: str = "") -> ChannelsPlugin:
    backend: ChannelsBackend
    if redis_url:
        prefix = f"GRID_INSPECTION_{namespace}" if namespace else "GRID_INSPECTION"
        backend = RedisChannelsPubSubBackend(redis=Redis.from_url(redis_url), key_prefix=prefix)
    else:
        backend = MemoryChannelsBackend()
    return ChannelsPlugin(
        backend=backend,
        channels=[CHANNEL],
        subscriber_max_backlog=MAX_BACKLOG,
        subscriber_backlog_strategy="dropleft",
    )
