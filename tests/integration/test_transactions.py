"""One unit of work is one transaction on every database, savepoints included."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlmodel import select

from backend.database import (
    create_engine,
    ensure_sqlite_directory,
    session_factory,
    unit_of_work,
)
from backend.migrate import migrate
from backend.replication.projection import ANALYZED_TABLES, SqlChangeSink
from backend.settings import Settings
from backend.synced.models import SyncCheckpoint
from sync.contract import load_schemas
from sync.couch import CouchClient
from sync.devserver import DevCouch


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


async def test_the_follower_refreshes_the_planners_statistics_on_postgresql(
    postgres_settings: Settings, dev_couch: DevCouch
) -> None:
    """Statements prepared while the tables were empty must not keep a sequential-scan
    plan while a catch-up fills them: the sink runs ANALYZE (PostgreSQL only)."""
    engine = create_engine(postgres_settings.database_url)
    try:
        await migrate(engine)
        sessions = session_factory(engine)
        async with CouchClient.from_credentials(dev_couch.credentials) as couch:
            await SqlChangeSink(sessions, couch, load_schemas())._analyze()
        async with unit_of_work(sessions, read_only=True) as session:
            connection = await session.connection()
            analyzed = await connection.execute(text(
                "SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL"
            ))  # fmt: skip
            names = set(analyzed.scalars())
    finally:
        await engine.dispose()
    assert set(ANALYZED_TABLES) <= names
