"""One unit of work is one transaction on every database, savepoints included."""

from __future__ import annotations

import pytest
from sqlmodel import select

from backend.database import (
    create_engine,
    ensure_sqlite_directory,
    session_factory,
    unit_of_work,
)
from backend.migrate import migrate
from backend.replication.models import SyncCheckpoint


async def test_a_failed_unit_of_work_leaves_nothing_even_after_savepoints(
    database_url: str,
) -> None:
    ensure_sqlite_directory(database_url)
    engine = create_engine(database_url)
    try:
        await migrate(engine)
        sessions = session_factory(engine)

        async def three_savepoints_then_a_failure() -> None:
            async with unit_of_work(sessions) as session:
                for i in range(3):
                    async with session.begin_nested():
                        session.add(SyncCheckpoint(db=f"db{i}", seq=i))
                raise RuntimeError("later failure")

        with pytest.raises(RuntimeError, match="later failure"):
            await three_savepoints_then_a_failure()
        async with unit_of_work(sessions) as session:
            assert (await session.exec(select(SyncCheckpoint))).all() == []
    finally:
        await engine.dispose()
