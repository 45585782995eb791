"""The follower's scheduling and isolation, with fake ports (pure logic)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from sync.couch import (
    BadRequest,
    Change,
    ChangesPage,
    CouchError,
    CouchUnavailable,
    DbUpdates,
    JsonObject,
)
from sync.couch.types import Seq
from sync.db_updates import DbUpdatesWatch
from sync.doctypes import is_server_owned
from sync.follower import Follower


class FakeCouch:
    """Databases as lists of changes; ``since`` is an index into the list."""

    def __init__(self, changes: dict[str, list[Change]]) -> None:
        self.changes_by_db = changes
        self.reads: Counter[str] = Counter()

    async def changes(
        self,
        db: str,
        *,
        since: Seq = None,
        limit: int | None = None,
        include_docs: bool = False,
        conflicts: bool = False,
        selector: JsonObject | None = None,
    ) -> ChangesPage:
        """With a selector (always the follower's), the server's own documents are left
        out as CouchDB's ``_selector`` filter does: ``last_seq`` still moves past them."""
        self.reads[db] += 1
        start, limit = int(since or 0), limit or 1000
        everything = self.changes_by_db[db]
        if selector is None:
            rows = everything[start : start + limit]
            end = start + len(rows)
        else:  # up to ``limit`` matching rows, scanning as far as it takes
            rows, end = [], len(everything)
            for i, row in enumerate(everything[start:], start):
                if not row.id.startswith("_design/") and not is_server_owned(row.id):
                    rows.append(row)
                    if len(rows) == limit:
                        end = i + 1
                        break
        return ChangesPage(rows, end, len(everything) - end)

    async def find_doc(self, db: str, doc_id: str, **params: Any) -> JsonObject | None:
        return next((c.doc for c in self.changes_by_db[db] if c.id == doc_id), None)


class FakeSink:
    def __init__(self, databases: list[str], poisoned: frozenset[str] = frozenset()) -> None:
        self.databases = databases
        self.poisoned = poisoned
        self.applied: dict[str, list[str]] = {db: [] for db in databases}
        self.saved: dict[str, Seq] = {}
        self.listings = 0

    async def grid_databases(self) -> Sequence[str]:
        self.listings += 1
        return list(self.databases)

    async def checkpoints(self) -> dict[str, Seq]:
        return dict(self.saved)

    async def apply(self, db: str, changes: Sequence[Change], last_seq: Seq) -> None:
        if db in self.poisoned:
            raise RuntimeError("this batch cannot be applied")
        self.applied[db] += [c.id for c in changes]
        self.saved[db] = last_seq


def _changes(n: int, prefix: str = "hazard:d1:") -> list[Change]:
    return [Change(id=f"{prefix}{i:04d}", seq=i + 1, revs=("1-a",)) for i in range(n)]


async def test_pages_are_applied_in_order_and_checkpointed() -> None:
    couch = FakeCouch({"g1": _changes(25)})
    sink = FakeSink(["g1"])
    follower = Follower(couch, sink, sink, batch_size=10, idle_interval=0)
    while not await follower.run_round():
        pass
    assert sink.applied["g1"] == [f"hazard:d1:{i:04d}" for i in range(25)]
    assert sink.saved["g1"] == 25
    assert follower.status.applied_changes == 25


async def test_a_database_that_fails_does_not_hold_up_the_others() -> None:
    couch = FakeCouch({"bad": _changes(3), "good": _changes(3)})
    sink = FakeSink(["bad", "good"], poisoned=frozenset({"bad"}))
    follower = Follower(couch, sink, sink, idle_interval=0.01, max_backoff=60)
    assert not await follower.run_round()
    assert sink.applied["good"] == [c.id for c in _changes(3)]
    assert (
        follower.status.databases["bad"].last_error == "RuntimeError: this batch cannot be applied"
    )
    assert follower.status.caught_up_at is None


async def test_server_documents_and_design_docs_are_skipped() -> None:
    rows = [*_changes(2), Change("verdict:hazard:d1:0000", 3, ("1-b",)),
            Change("_design/grid_rules", 4, ("1-c",))]  # fmt: skip
    couch = FakeCouch({"g1": rows})
    sink = FakeSink(["g1"])
    await Follower(couch, sink, sink).run_round()
    assert sink.applied["g1"] == ["hazard:d1:0000", "hazard:d1:0001"]
    assert sink.saved["g1"] == 4  # the checkpoint still moves past them


async def test_a_tail_of_our_own_writes_is_passed_once_not_scanned_again() -> None:
    """The server filters its own verdicts out of the feed; a page that is nothing but
    them comes back empty with a later ``last_seq``, and the checkpoint moves there —
    before, an empty page kept the old checkpoint, so every poll scanned them again."""
    verdicts = [Change(f"verdict:hazard:d1:{i:04d}", i + 3, ("1-b",)) for i in range(30)]
    couch = FakeCouch({"g1": [*_changes(2), *verdicts]})
    sink = FakeSink(["g1"])
    follower = Follower(couch, sink, sink, batch_size=10, idle_interval=0)
    while not await follower.run_round():
        pass
    assert sink.applied["g1"] == ["hazard:d1:0000", "hazard:d1:0001"]
    assert sink.saved["g1"] == 32
    reads = couch.reads["g1"]
    await follower.run_round()  # quiet now: one read from the end, nothing applied
    assert couch.reads["g1"] == reads + 1
    assert sink.saved["g1"] == 32


async def test_quiet_databases_are_polled_less_and_less_often() -> None:
    couch = FakeCouch({"quiet": []})
    sink = FakeSink(["quiet"])
    follower = Follower(couch, sink, sink, idle_interval=0.5, max_idle=2.0)
    for _ in range(5):
        await follower.run_round()
        follower._due["quiet"] = 0.0  # let the next round poll regardless of the clock
    assert follower._interval["quiet"] == 2.0
    follower._due["quiet"] = float("inf")
    await follower.run_round()
    assert couch.reads["quiet"] == 5  # not due: not read


class FlakySink(FakeSink):
    """Fails the second batch once, as a database hiccup would."""

    def __init__(self, databases: list[str]) -> None:
        super().__init__(databases)
        self.calls = 0

    async def apply(self, db: str, changes: Sequence[Change], last_seq: Seq) -> None:
        self.calls += 1
        if self.calls == 2:
            raise RuntimeError("hiccup")
        await super().apply(db, changes, last_seq)


async def test_a_failed_batch_is_read_again_from_its_checkpoint_despite_read_ahead() -> None:
    couch = FakeCouch({"g1": _changes(35)})
    sink = FlakySink(["g1"])
    follower = Follower(couch, sink, sink, batch_size=10, idle_interval=0)
    for _ in range(10):
        follower._due["g1"] = 0.0
        if await follower.run_round():
            break
    assert sink.applied["g1"] == [f"hazard:d1:{i:04d}" for i in range(35)]
    assert sink.saved["g1"] == 35


class FakeUpdates:
    """``/_db_updates`` answered from a queue: a list of names, or an error to raise."""

    def __init__(self) -> None:
        self.answers: asyncio.Queue[frozenset[str] | CouchError] = asyncio.Queue()
        self.seq = 0

    async def db_updates(self, *, since: Seq = "now", wait_ms: int = 25_000) -> DbUpdates:
        answer = await self.answers.get()
        if isinstance(answer, CouchError):
            raise answer
        self.seq += 1
        return DbUpdates(databases=answer, last_seq=self.seq)


async def _until(condition: Callable[[], bool], within: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached"
        await asyncio.sleep(0.01)


async def test_with_the_updates_feed_quiet_ones_wait_for_the_sweep_named_ones_are_read() -> None:
    couch = FakeCouch({"quiet": [], "busy": []})
    sink = FakeSink(["quiet", "busy"])
    updates = FakeUpdates()
    watch = DbUpdatesWatch(updates)
    follower = Follower(couch, sink, sink, idle_interval=0.01, max_idle=0.02, updates=watch,
                        sweep_interval=60.0)  # fmt: skip
    running = asyncio.create_task(follower.run())
    try:
        updates.answers.put_nowait(frozenset())  # the feed answers: healthy
        await _until(lambda: watch.healthy)
        await asyncio.sleep(0.5)  # polling alone would read each database ~25 times here
        quiet_reads = couch.reads["quiet"]
        couch.changes_by_db["busy"].extend(_changes(3))
        updates.answers.put_nowait(frozenset({"busy", "not-a-grid"}))
        await _until(lambda: len(sink.applied["busy"]) == 3, within=1.0)
        lost_at = couch.reads["quiet"]
        updates.answers.put_nowait(CouchUnavailable("unavailable", "gone"))
        await _until(lambda: not watch.healthy)
        await _until(lambda: couch.reads["quiet"] >= lost_at + 5, within=2.0)  # polling again
    finally:
        follower.stop()
        await running
    assert quiet_reads < 12  # growing from 10 ms towards the sweep, not every 20 ms
    assert follower._interval["busy"] <= 0.02  # it changed: read again soon after
    assert sink.applied["busy"] == [f"hazard:d1:{i:04d}" for i in range(3)]


async def test_a_database_named_while_it_is_being_read_is_read_again() -> None:
    couch = FakeCouch({"g1": []})
    sink = FakeSink(["g1"])
    watch = DbUpdatesWatch(FakeUpdates())
    watch.healthy = True
    follower = Follower(couch, sink, sink, updates=watch, sweep_interval=60.0)
    reading = couch.changes

    async def changes_then_named(db: str, **params: Any) -> ChangesPage:
        page = await reading(db, **params)
        follower.changed(frozenset({db}))  # a tablet wrote just after this read
        return page

    couch.changes = changes_then_named  # type: ignore[method-assign]
    await follower.run_round()
    assert follower._due["g1"] <= time.monotonic()


async def test_without_the_feed_the_follower_polls_as_before() -> None:
    updates = FakeUpdates()
    updates.answers.put_nowait(BadRequest("bad_request", "no _db_updates here"))
    watch = DbUpdatesWatch(updates)
    couch = FakeCouch({"quiet": []})
    sink = FakeSink(["quiet"])
    follower = Follower(couch, sink, sink, idle_interval=0.01, max_idle=0.02, updates=watch)
    running = asyncio.create_task(follower.run())
    try:
        await _until(lambda: watch.available is False)
        await _until(lambda: couch.reads["quiet"] >= 10, within=2.0)
    finally:
        follower.stop()
        await running
    assert not watch.healthy


async def test_a_quiet_database_that_starts_failing_is_retried_soon_not_after_the_sweep() -> None:
    couch = FakeCouch({"g1": []})
    sink = FakeSink(["g1"])
    watch = DbUpdatesWatch(FakeUpdates())
    watch.healthy = True
    follower = Follower(couch, sink, sink, idle_interval=0.5, max_backoff=30.0, updates=watch,
                        sweep_interval=300.0)  # fmt: skip
    await follower.run_round()  # quiet: waits for the sweep
    assert follower._interval["g1"] >= 150.0
    sink.poisoned = frozenset({"g1"})
    couch.changes_by_db["g1"].extend(_changes(1))
    follower.changed(frozenset({"g1"}))
    await follower.run_round()  # the feed named it; applying fails
    assert follower._interval["g1"] == 0.5  # the first retry soon, then doubling
    follower._due["g1"] = 0.0
    await follower.run_round()
    assert follower._interval["g1"] == 1.0


async def test_a_busy_database_does_not_list_the_grid_databases_every_round() -> None:
    couch = FakeCouch({"g1": _changes(50), "g2": []})
    sink = FakeSink(["g1"])
    follower = Follower(couch, sink, sink, batch_size=10, idle_interval=60.0)
    while not await follower.run_round():
        pass
    assert sink.applied["g1"] == [c.id for c in _changes(50)]
    assert sink.listings == 1  # six rounds, one listing
    sink.databases.append("g2")  # a grid created meanwhile, and the updates feed names it
    follower.changed(frozenset({"g2"}))
    await follower.run_round()
    assert sink.listings == 2
    assert couch.reads["g2"] == 1  # read in the very next round
