"""The changes follower: reads every grid database's ``_changes`` and hands each
batch to the :class:`~sync.ports.ChangeSink`, which applies it together with that
database's checkpoint in one SQL transaction.

It polls all grid databases in rounds over one HTTP connection pool (no connection
per database), so new databases are picked up on the next round without restart.
Where the server has ``/_db_updates`` (Apache CouchDB), a :class:`DbUpdatesWatch` says
which databases changed: those are read at once, and a quiet one only in a slow safety
sweep (``sweep_interval``) instead of every ``max_idle`` seconds.
The next page of a database is read only after the previous one was committed:
the feed never runs ahead of SQL. A crash between reading and committing replays
the batch, which the sink applies idempotently.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field, replace
from typing import Any

from sync.couch import Change, JsonObject, NotFound, Undecodable
from sync.couch.types import ChangesPage, Seq
from sync.db_updates import DbUpdatesWatch
from sync.doctypes import NOT_SERVER_OWNED, is_server_owned
from sync.ports import ChangeSink, ChangesSource, GridDirectory

log = logging.getLogger(__name__)


@dataclass
class DatabaseStatus:
    """What the follower knows of one grid database."""

    last_seq: Seq = None
    caught_up_at: float | None = None
    last_change_at: float | None = None
    last_error: str | None = None


@dataclass
class FollowerStatus:
    started_at: float = field(default_factory=time.time)
    caught_up_at: float | None = None
    rounds: int = 0
    applied_changes: int = 0
    last_error: str | None = None
    databases: dict[str, DatabaseStatus] = field(default_factory=dict)

    def lag_seconds(self, now: float | None = None) -> float:
        """Seconds since the follower last saw every database fully applied."""
        now = time.time() if now is None else now
        reference = self.caught_up_at if self.caught_up_at is not None else self.started_at
        return max(0.0, now - reference)


def relevant(change: Change) -> bool:
    """Skip design docs and the server's own documents without decoding them."""
    return not change.id.startswith("_design/") and not is_server_owned(change.id)


class Follower:
    """Polls every grid database in rounds, each at its own pace: a database with
    changes is read again at once, a quiet one less and less often (up to
    ``max_idle``), one that fails backs off (up to ``max_backoff``) without holding up
    the others."""

    def __init__(
        self,
        couch: ChangesSource,
        directory: GridDirectory,
        sink: ChangeSink,
        *,
        batch_size: int = 200,
        idle_interval: float = 0.5,
        max_idle: float = 2.0,
        max_backoff: float = 30.0,
        updates: DbUpdatesWatch | None = None,
        sweep_interval: float = 300.0,
    ) -> None:
        self.couch = couch
        self.directory = directory
        self.sink = sink
        self.batch_size = batch_size
        self.idle_interval = idle_interval
        self.max_idle = max(max_idle, idle_interval)
        self.max_backoff = max_backoff
        self.status = FollowerStatus()
        self._checkpoints: dict[str, Seq] | None = None
        self._due: dict[str, float] = {}
        self._prefetched: dict[str, asyncio.Task[ChangesPage]] = {}
        """The next page of a database, being read while the current one is applied;
        dropped whenever that apply fails, so it always starts at the checkpoint."""
        self._interval: dict[str, float] = {}
        self._stop = asyncio.Event()
        self.updates = updates
        self.sweep_interval = max(sweep_interval, self.max_idle)
        self._wake = asyncio.Event()
        self._jitter = random.Random()
        self._known: set[str] = set()
        self._failing: set[str] = set()
        self._named: set[str] = set()
        """Databases the updates feed named since their last read began."""
        self._listed: list[str] = []
        self._list_due = 0.0
        """When the list of grid databases is read from SQL again (rounds follow one
        another at once while a database is busy: one listing per ``idle_interval``
        serves them all)."""

    def stop(self) -> None:
        self._stop.set()
        if self.updates is not None:
            self.updates.stop()

    async def run(self) -> None:
        """Follow until :meth:`stop`; no failure ends the loop."""
        watching = None
        if self.updates is not None:
            watching = asyncio.create_task(self.updates.run(self.changed), name="db-updates")
        try:
            await self._loop()
        finally:
            if self.updates is not None and watching is not None:
                self.updates.stop()
                await watching
            for db in list(self._prefetched):
                self._drop_prefetch(db)

    def changed(self, databases: frozenset[str] | None) -> None:
        """The updates feed named these databases (``None``: any may have changed)."""
        known = self._known - self._failing  # a failing one keeps its back-off
        named = known if databases is None else databases & known
        for db in named:
            self._due[db] = 0.0
        self._named |= named
        new = databases is not None and any(
            not db.startswith("_") and db not in self._known for db in databases
        )  # perhaps a grid database created since the last round: list them again
        if new:
            self._list_due = 0.0
        if named or new:
            self._wake.set()

    def _quiet_interval(self, previous: float) -> float:
        """How long a quiet database waits. While the updates feed answers: until it names
        the database, or the safety sweep (spread over its second half, so that a thousand
        databases are not swept in one burst). Otherwise less and less often, up to
        ``max_idle``."""
        if self.updates is not None and self.updates.healthy:
            return self.sweep_interval * (0.5 + self._jitter.random() / 2)
        return min(max(previous * 2, self.idle_interval), self.max_idle)

    async def _loop(self) -> None:
        backoff = self.idle_interval
        while not self._stop.is_set():
            try:
                await self.run_round()
            except Exception as exc:  # e.g. SQL down while listing databases
                self.status.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("follower round failed, retrying in %.1fs: %s", backoff, exc)
                await self._sleep(backoff)
                backoff = min(backoff * 2, self.max_backoff)
                continue
            backoff = self.idle_interval
            self.status.last_error = None
            # at least every max_idle a round lists the grid databases: a new one is read
            # at once, whatever the others wait for
            wait = min([*self._due.values(), time.monotonic() + self.max_idle])
            await self._sleep(max(0.0, wait - time.monotonic()), wake=True)

    async def run_round(self) -> bool:
        """Read one page from every database that is due; ``True`` when all are current."""
        if self._checkpoints is None:
            self._checkpoints = dict(await self.sink.checkpoints())
        databases = await self._grid_databases()
        self._known = set(databases)
        for gone in set(self._due) - set(databases):
            del self._due[gone]
            self._failing.discard(gone)
            self._named.discard(gone)
            self._drop_prefetch(gone)
        caught_up = True
        for db in databases:
            if self._stop.is_set():
                return False
            if self._due.get(db, 0.0) > time.monotonic():
                continue
            self._named.discard(db)
            try:
                done, changed = await self._follow_once(db)
            except Exception as exc:  # this database only; the others go on
                log.warning("following %s failed: %r", db, exc)
                self._schedule(db, backoff=True)
                caught_up = False
                continue
            self._schedule(db, busy=not done, changed=changed)
            caught_up = caught_up and done
        self.status.rounds += 1
        if caught_up and not any(s.last_error for s in self.status.databases.values()):
            self.status.caught_up_at = time.time()
        return caught_up

    async def _grid_databases(self) -> list[str]:
        if time.monotonic() >= self._list_due:
            self._listed = list(await self.directory.grid_databases())
            self._list_due = time.monotonic() + self.idle_interval
        return self._listed

    def _schedule(
        self, db: str, *, busy: bool = False, changed: bool = False, backoff: bool = False
    ) -> None:
        previous = self._interval.get(db, 0.0)
        if busy:
            interval = 0.0
        elif backoff:  # from idle_interval at the first failure, doubling while it fails
            start = previous * 2 if db in self._failing else 0.0
            interval = min(max(start, self.idle_interval), self.max_backoff)
        elif changed:
            interval = self.idle_interval
        else:
            interval = self._quiet_interval(previous)
        self._interval[db] = interval
        (self._failing.add if backoff else self._failing.discard)(db)
        named_meanwhile = db in self._named and not backoff
        self._due[db] = time.monotonic() + (0.0 if named_meanwhile else interval)

    async def _follow_once(self, db: str) -> tuple[bool, bool]:
        """Apply one page of ``db``; (caught up, anything changed)."""
        assert self._checkpoints is not None
        state = self.status.databases.setdefault(db, DatabaseStatus())
        since = self._checkpoints.get(db)
        try:
            page = await self._page(db, since)
            # a page of nothing but the server's own documents is filtered to none, but
            # its checkpoint still moves on: they are not scanned again
            moved_on = not page.results and page.last_seq not in (None, since)
            if page.results or moved_on:
                if len(page.results) >= self.batch_size:
                    # read the next page while this one is applied: reading stays one
                    # page ahead of SQL, never more
                    self._prefetch(db, page.last_seq)
                try:
                    relevant_changes = [c for c in page.results if relevant(c)]
                    await self.sink.apply(db, relevant_changes, page.last_seq)
                except BaseException:
                    self._drop_prefetch(db)
                    raise
        except NotFound:
            state.last_error = "database missing in CouchDB"
            log.warning("grid database %s is listed but missing in CouchDB", db)
            return True, False
        except Exception as exc:
            state.last_error = f"{type(exc).__name__}: {exc}"
            raise
        now = time.time()
        state.last_error = None
        if page.results or moved_on:
            self._checkpoints[db] = state.last_seq = page.last_seq
        else:
            state.last_seq = since
        if page.results:
            state.last_change_at = now
            self.status.applied_changes += len(page.results)
        done = not page.results or (page.pending == 0 and len(page.results) < self.batch_size)
        if done:
            state.caught_up_at = now
        return done, bool(page.results)

    async def _page(self, db: str, since: Seq) -> ChangesPage:
        prefetched = self._prefetched.pop(db, None)
        try:
            if prefetched is not None:
                return await prefetched
            return await self._read(db, since)
        except Undecodable:
            return await self._page_doc_by_doc(db, since)

    async def _page_doc_by_doc(self, db: str, since: Seq) -> ChangesPage:
        """The same page, each document read on its own: one that cannot be decoded
        is handed on marked ``_undecodable`` (to be quarantined), not left to block
        the whole database."""
        log.warning("a page of %s cannot be decoded; reading it document by document", db)
        page = await self.couch.changes(db, since=since, limit=self.batch_size,
                                        selector=NOT_SERVER_OWNED)  # fmt: skip
        changes = []
        for change in page.results:
            doc: JsonObject | None = None
            if not change.deleted:
                try:
                    doc = await self.couch.find_doc(db, change.id, conflicts=True)
                except Undecodable as exc:
                    rev = change.revs[0] if change.revs else ""
                    doc = {"_id": change.id, "_rev": rev, "_undecodable": exc.reason}
            changes.append(replace(change, doc=doc))
        return replace(page, results=changes)

    def _prefetch(self, db: str, since: Seq) -> None:
        self._drop_prefetch(db)
        self._prefetched[db] = asyncio.create_task(self._read(db, since))

    def _read(self, db: str, since: Seq) -> Coroutine[Any, Any, ChangesPage]:
        """One page of what devices wrote: the server leaves its own documents out."""
        return self.couch.changes(db, since=since, limit=self.batch_size, include_docs=True,
                                  conflicts=True, selector=NOT_SERVER_OWNED)  # fmt: skip

    def _drop_prefetch(self, db: str) -> None:
        prefetched = self._prefetched.pop(db, None)
        if prefetched is not None:
            prefetched.cancel()

    async def _sleep(self, seconds: float, *, wake: bool = False) -> None:
        """Until ``seconds`` passed or :meth:`stop`; with ``wake``, also until the updates
        feed names a database."""
        waits = [asyncio.ensure_future(self._stop.wait())]
        if wake:
            waits.append(asyncio.ensure_future(self._wake.wait()))
        try:
            await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()
        self._wake.clear()
