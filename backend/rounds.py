"""Background work in rounds: the photo worker and track retention each do a bounded
round of work, then go on at once when there is more, or wait for the next interval (or
for the stop) when there is not. A failed round is logged and waited out: the loop
outlives any one failure."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


async def run_rounds(
    one_round: Callable[[], Awaitable[bool]], stop: asyncio.Event, interval: float, name: str
) -> None:
    """Call ``one_round`` until ``stop`` is set; it answers whether more work waits."""
    while not stop.is_set():
        try:
            more = await one_round()
        except Exception:  # the loop must outlive any one failure
            log.exception("%s round failed", name)
            more = False
        if not more:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)
