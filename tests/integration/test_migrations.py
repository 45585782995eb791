"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

from backend.database import create_engine, ensure_sqlite_directory
from backend.migrate import current_revision, head_revision, migrate
from backend.models import metadata


def _differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


async def test_migrations_match_the_models_and_apply_once(database_url: str) -> None:
    ensure_sqlite_directory(database_url)
    engine = create_engine(database_url)
    try:
        await migrate(engine)
        await migrate(engine)  # a second start is a no-op
        assert await current_revision(engine) == head_revision()
        async with engine.connect() as conn:
            assert await conn.run_sync(_differences) == []
    finally:
        await engine.dispose()
