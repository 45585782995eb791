"""Verdicts go to CouchDB while SQL writes the batch: both run at once, both always
finish, and a failure comes out as it was raised (the follower decides on its type)."""

from __future__ import annotations

import asyncio

import pytest

from backend.replication.page_writes import alongside


async def test_both_run_at_once() -> None:
    started: list[str] = []
    both = asyncio.Event()

    async def side(name: str) -> None:
        started.append(name)
        if len(started) == 2:
            both.set()
        await asyncio.wait_for(both.wait(), timeout=2)

    await alongside(side("couch"), side("sql"))
    assert sorted(started) == ["couch", "sql"]


async def test_a_failure_is_raised_as_it_is_and_the_other_side_still_finishes() -> None:
    finished = asyncio.Event()

    async def couch() -> None:
        raise ConnectionError("CouchDB went away")

    async def sql() -> None:
        await asyncio.sleep(0.05)  # a flush is never cut off half way
        finished.set()

    with pytest.raises(ConnectionError, match="CouchDB went away"):
        await alongside(couch(), sql())
    assert finished.is_set()
