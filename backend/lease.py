"""Exactly one follower at a time, however many app processes run.

Every process with the follower enabled asks for the lease; the one that gets it runs
the changes follower and the photo worker, the others stand by and ask again every
``retry_every`` seconds. On PostgreSQL the lease is a session advisory lock held on its
own connection: when the holder dies, its connection closes and PostgreSQL releases the
lock, so a standby takes over within one retry. The holder checks its connection every
``check_every`` seconds and stops following at once if it is gone (the lock may already
be someone else's). On SQLite (one machine) it is an exclusive lock on a file beside the
database, released by the operating system when the process dies.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import zlib
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)

Work = Callable[[], Coroutine[Any, Any, None]]
"""Runs until its stop is called."""
Start = Callable[[], tuple[Work, Callable[[], None]]]
"""Makes fresh work, and the function that stops it, for one term as leader."""


class Lease:
    state: str = "standby"
    """``leader`` while holding the lease, ``standby`` otherwise."""

    def __init__(self, retry_every: float = 1.0, check_every: float = 2.0) -> None:
        self.retry_every, self.check_every = retry_every, check_every
        self._stop = asyncio.Event()

    def stop(self) -> None:
        self._stop.set()

    async def hold(self, start: Start) -> None:
        """Until stopped: wait for the lease, then run ``start()``'s work while holding it."""
        raise NotImplementedError

    async def _pause(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), self.retry_every)

    async def _lead(self, start: Start, still_held: Callable[[], Awaitable[None]]) -> None:
        """Run one term of work; end it when stopped or when the lease is lost."""
        work, stop_work = start()
        self.state = "leader"
        log.info("follower lease taken: following")
        task = asyncio.create_task(work())
        try:
            while not task.done() and not self._stop.is_set():
                done, _ = await asyncio.wait({task}, timeout=self.check_every)
                if not done:
                    await still_held()
        except (SQLAlchemyError, OSError) as exc:
            log.warning("follower lease lost (%r): standing by", exc)
        finally:
            self.state = "standby"
            stop_work()
            await task
            log.info("follower stopped: standing by")


TRY_LOCK = text("SELECT pg_try_advisory_lock(:k)")
UNLOCK = text("SELECT pg_advisory_unlock(:k)")


class PostgresLease(Lease):
    def __init__(self, engine: AsyncEngine, name: str, **timing: float) -> None:
        super().__init__(**timing)
        self.engine = engine
        self.key = zlib.crc32(f"grid-inspection-follower:{name}".encode())

    async def hold(self, start: Start) -> None:
        while not self._stop.is_set():
            try:
                async with self.engine.connect() as conn:
                    taken = await conn.scalar(TRY_LOCK, {"k": self.key})
                    await conn.commit()
                    if taken:

                        async def still_held() -> None:
                            await conn.scalar(text("SELECT 1"))
                            await conn.commit()

                        try:
                            await self._lead(start, still_held)
                        finally:
                            with contextlib.suppress(SQLAlchemyError, OSError):
                                await conn.scalar(UNLOCK, {"k": self.key})
                                await conn.commit()
            except (SQLAlchemyError, OSError) as exc:
                log.warning("follower lease: database unavailable (%r)", exc)
            except Exception:  # the lease loop must outlive anything: following depends on it
                log.exception("follower lease: unexpected failure; asking again")
            await self._pause()


class FileLease(Lease):
    def __init__(self, path: Path, **timing: float) -> None:
        super().__init__(**timing)
        self.path = path

    async def hold(self, start: Start) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            while not self._stop.is_set():
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    await self._pause()
                    continue

                async def still_held() -> None:
                    return None  # the kernel holds it until this process ends

                try:
                    await self._lead(start, still_held)
                finally:
                    fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
