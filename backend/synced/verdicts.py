"""The one place a verdict is composed, and the one path verdicts are written by.

A verdict is composed from what the server stored about the document — its registry
row (schema result, what the geofence decided) — and, for documents carrying photos,
their processing results. The follower, the photo worker and the boundary re-check all
compose through :func:`compose_verdict` and write through :class:`VerdictWriter`, so a
verdict never loses a part another writer added, and an unchanged one is not rewritten.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from backend.synced.models import SyncedDocument
from sync.contract import ErrorDetail, SchemaCheck
from sync.couch import CouchClient, JsonObject
from sync.verdicts import VERDICT_KEEP, verdict_doc

log = logging.getLogger(__name__)


def stored_schema(row: SyncedDocument) -> SchemaCheck:
    """The schema result the registry keeps for the document's applied revision."""
    errors = [ErrorDetail(path=e["path"], message=e["message"]) for e in row.errors]
    return SchemaCheck(row.doc_type, row.valid, row.schema_version, row.upgraded_from, errors)


def compose_verdict(
    *,
    doc_id: str,
    rev: str,
    doc_type: str,
    grid_id: str,
    received_at: datetime,
    schema: SchemaCheck,
    geofence: Mapping[str, Any] | None,
    names: Mapping[str, dict[str, str]],
    photos: Sequence[dict[str, Any]] | None = None,
    track: dict[str, Any] | None = None,
) -> JsonObject:
    """The verdict on one revision. ``geofence``: what the geofence decided (as stored
    with the document); ``names``: every grid's names (a suggested grid is named, since
    the tablet holds only its own grid's); ``photos``: the photo part, for a document
    carrying photos; ``track``: what a track said."""
    extras: dict[str, Any] = {}
    if geofence is not None:
        suggested = geofence.get("suggested_grid_id")
        extras["geofence"] = {
            **geofence, "suggested_grid_name": names.get(suggested) if suggested else None
        }  # fmt: skip
    if photos is not None:
        extras["photos"] = list(photos)
    if track is not None:
        extras["track"] = track
    return verdict_doc(doc_id=doc_id, rev=rev, doc_type=doc_type, grid_id=grid_id,
                       received_at=received_at.isoformat(timespec="milliseconds"),
                       schema=schema, extra=extras)  # fmt: skip


def stored_verdict(
    row: SyncedDocument,
    names: Mapping[str, dict[str, str]],
    *,
    photos: Sequence[dict[str, Any]] | None = None,
    track: dict[str, Any] | None = None,
) -> JsonObject:
    """The verdict composed from the registry row alone (and the document's photos or
    what its track said)."""
    return compose_verdict(doc_id=row.doc_id, rev=row.rev, doc_type=row.doc_type,
                           grid_id=row.grid_id, received_at=row.received_at,
                           schema=stored_schema(row), geofence=row.geofence, names=names,
                           photos=photos, track=track)  # fmt: skip


class VerdictWriter:
    """Writes verdicts to their grid database, skipping those already as composed.

    :meth:`holding` is the database's lock: whoever changes what a verdict is composed
    from (the follower applying a page, the photo worker storing a result) holds it from
    reading that state until the verdict is queued, so a verdict composed from older
    state never overwrites one composed from newer.

    Each database has one queue, written in order by a task of its own: :meth:`send`
    queues and returns at once (the follower goes on with its next page while CouchDB
    takes this one's verdicts), :meth:`write` queues and waits until written. Whatever
    is queued when the task comes round goes out together, the newest verdict of each
    document only. A failed write is retried, with a growing pause, until it succeeds;
    :meth:`failing` says why meanwhile."""

    def __init__(self, couch: CouchClient, *, ahead: int = 2) -> None:
        self.couch = couch
        self.ahead = ahead
        """Batches a database's queue holds before :meth:`room` makes a sender wait."""
        self._locks: dict[str, asyncio.Lock] = {}
        self._lanes: dict[str, _Lane] = {}

    def holding(self, db: str) -> asyncio.Lock:
        return self._locks.setdefault(db, asyncio.Lock())

    def pending(self, db: str) -> bool:
        """Whether verdicts of this database are queued or being written."""
        lane = self._lanes.get(db)
        return lane is not None and bool(lane.queue)

    def failing(self, db: str) -> str | None:
        """Why this database's verdicts are not being written, while they are not."""
        lane = self._lanes.get(db)
        return None if lane is None else lane.failing

    async def room(self, db: str) -> None:
        """Wait until the database's queue holds fewer than ``ahead`` batches."""
        lane = self._lane(db)
        while len(lane.queue) >= self.ahead:
            lane.moved.clear()
            await lane.moved.wait()

    def send(
        self,
        db: str,
        verdicts: list[JsonObject],
        *,
        probably_new: Collection[str] = (),
        then: Callable[[list[str]], None] | None = None,
        failed: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Queue verdicts; ``then`` is told the ids written once they (and everything
        queued before them) are stored, ``failed`` of each failed attempt."""
        lane = self._lane(db)
        lane.queue.append(_Sending(verdicts, probably_new, then, failed))
        if lane.task is None or lane.task.done():
            lane.task = asyncio.create_task(self._drain(db, lane), name=f"verdicts-{db}")

    async def write(
        self, db: str, verdicts: list[JsonObject], *, probably_new: Collection[str] = ()
    ) -> list[str]:
        """Ids of the verdicts written (the others were stored as they are); raises the
        first failure (the verdicts stay queued and are written once the server takes
        them)."""
        if not verdicts and not self.pending(db):
            return []
        done: asyncio.Future[list[str]] = asyncio.get_running_loop().create_future()

        def succeeded(ids: list[str]) -> None:
            if not done.done():
                done.set_result(ids)

        def failed(exc: BaseException) -> None:
            if not done.done():
                done.set_exception(exc)

        self.send(db, verdicts, probably_new=probably_new, then=succeeded, failed=failed)
        return await done

    async def close(self, within: float = 10.0) -> None:
        """Let the queues drain for at most ``within`` seconds, then stop. What is left
        unwritten is written again from stored state after a restart (see
        :class:`~backend.replication.projection.SqlChangeSink`)."""
        tasks = [lane.task for lane in self._lanes.values() if lane.task is not None]
        if not tasks:
            return
        _, late = await asyncio.wait(tasks, timeout=within)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)

    def _lane(self, db: str) -> _Lane:
        return self._lanes.setdefault(db, _Lane())

    async def _drain(self, db: str, lane: _Lane) -> None:
        pause = RETRY_FIRST
        while lane.queue:
            group = list(lane.queue)
            newest = {v["_id"]: v for item in group for v in item.verdicts}
            fresh = {i for item in group for i in item.probably_new}
            try:
                written = set(await self._store(db, list(newest.values()), fresh))
            except Exception as exc:
                lane.failing = f"{type(exc).__name__}: {exc}"
                log.warning("verdicts of %s not written, retrying in %.1fs: %r", db, pause, exc)
                for item in group:
                    if item.failed is not None:
                        item.failed(exc)
                await asyncio.sleep(pause)
                pause = min(pause * 2, RETRY_MAX)
                continue
            lane.failing, pause = None, RETRY_FIRST
            for item in group:
                lane.queue.popleft()
                if item.then is not None:
                    item.then([v["_id"] for v in item.verdicts if v["_id"] in written])
            lane.moved.set()

    async def _store(self, db: str, verdicts: list[JsonObject], fresh: set[str]) -> list[str]:
        if not verdicts:
            return []
        return await self.couch.ensure_docs(db, verdicts, keep=VERDICT_KEEP,
                                            probably_new=fresh)  # fmt: skip


RETRY_FIRST = 0.5
RETRY_MAX = 30.0


@dataclass(slots=True)
class _Sending:
    verdicts: list[JsonObject]
    probably_new: Collection[str]
    then: Callable[[list[str]], None] | None
    failed: Callable[[BaseException], None] | None


@dataclass
class _Lane:
    queue: deque[_Sending] = field(default_factory=deque)
    task: asyncio.Task[None] | None = None
    failing: str | None = None
    moved: asyncio.Event = field(default_factory=asyncio.Event)
    """Set whenever queued batches were written."""
