"""Which grid databases changed, from the server's own ``/_db_updates`` feed (Apache
CouchDB; the dev server has none). One long-poll for the whole server replaces reading
every quiet database every few seconds: the follower reads a database when this feed
names it, and otherwise only in a slow safety sweep.

The feed is followed from ``now`` when the follower starts (its first round reads every
database anyway) and from its last ``seq`` after an outage, so nothing between is missed.
While the feed is down the follower polls as before: :attr:`DbUpdatesWatch.healthy`
turns ``False`` and every database is made due at once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Protocol

from sync.couch import BadRequest, DbUpdates, NotFound
from sync.couch.types import Seq

log = logging.getLogger(__name__)

EVERY_DATABASE = None
"""Passed to the listener when the feed cannot say which databases changed."""

Listener = Callable[[frozenset[str] | None], None]


class DbUpdatesSource(Protocol):
    async def db_updates(self, *, since: Seq = "now", wait_ms: int = 25_000) -> DbUpdates: ...


class DbUpdatesWatch:
    """Follows ``/_db_updates`` until :meth:`stop`, telling ``listener`` which databases
    changed; ``None`` (:data:`EVERY_DATABASE`) when the feed was lost and anything may
    have changed unseen."""

    def __init__(self, couch: DbUpdatesSource, *, wait_ms: int = 25_000,
                 max_backoff: float = 30.0) -> None:  # fmt: skip
        self.couch = couch
        self.wait_ms = wait_ms
        self.max_backoff = max_backoff
        self.available: bool | None = None
        """``None`` until the server answered once; ``False`` where it has no such feed."""
        self.healthy = False
        """Whether the feed answers now, so quiet databases may wait for the sweep."""
        self.last_error: str | None = None
        self._stop = asyncio.Event()

    def stop(self) -> None:
        self._stop.set()

    async def run(self, listener: Listener) -> None:
        since: Seq = "now"
        backoff = 0.5
        while not self._stop.is_set():
            try:
                # the first answer at once (the feed's "now"), the later ones long-polled
                answer = await self._next(since, 1 if since == "now" else self.wait_ms)
            except (NotFound, BadRequest) as exc:
                log.info("CouchDB has no _db_updates feed (%s): polling every database", exc)
                self.available, self.healthy = False, False
                return
            except Exception as exc:  # CouchDB down, or an answer we cannot read
                if self.healthy:
                    log.warning("_db_updates lost, polling every database meanwhile: %s", exc)
                    listener(EVERY_DATABASE)
                self.healthy, self.last_error = False, f"{type(exc).__name__}: {exc}"
                await self._sleep(backoff)
                backoff = min(backoff * 2, self.max_backoff)
                continue
            if answer is None:  # stopped
                return
            self.available, self.last_error, backoff = True, None, 0.5
            if not self.healthy:
                self.healthy = True
                listener(EVERY_DATABASE)  # whatever happened before this answer
            since = answer.last_seq
            if answer.databases:
                listener(answer.databases)

    async def _next(self, since: Seq, wait_ms: int) -> DbUpdates | None:
        """The next answer, or ``None`` once :meth:`stop` was called."""
        poll = asyncio.ensure_future(self.couch.db_updates(since=since, wait_ms=wait_ms))
        stopped = asyncio.ensure_future(self._stop.wait())
        done, _ = await asyncio.wait({poll, stopped}, return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
        if poll not in done:
            poll.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await poll
            return None
        return poll.result()

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), timeout=seconds)
