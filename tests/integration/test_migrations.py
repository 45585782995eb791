"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from backend.database import create_engine, ensure_sqlite_directory
from backend.migrate import alembic_config, current_revision, head_revision, migrate
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


def _upgrade_to(revision: str) -> Callable[[Connection], None]:
    return lambda connection: command.upgrade(alembic_config(connection), revision)


async def test_documents_applied_before_0019_keep_their_hazards_geofence(database_url: str) -> None:
    """The registry's geofence (0019) is filled from what each hazard row said."""
    ensure_sqlite_directory(database_url)
    engine = create_engine(database_url)
    now = datetime.now(UTC)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_upgrade_to("0018"))
            await conn.execute(insert(metadata.tables["place"]).values(
                id="g1", kind="grid", name_zh="一", name_en="One", boundary={}, created_at=now
            ))  # fmt: skip
            fenced = {"doc_id": "hazard:a", "grid_id": "g1", "rev": "1-a", "rev_generation": 1,
                      "doc": {}, "errors": [], "geofence_status": "outside",
                      "geofence_distance_m": 41.26, "suggested_grid_id": "g2",
                      "boundary_version": 3}  # fmt: skip
            unfenced = {**fenced, "doc_id": "hazard:b", "geofence_status": None,
                        "geofence_distance_m": None, "suggested_grid_id": None,
                        "boundary_version": None}  # fmt: skip
            await conn.execute(insert(metadata.tables["hazard"]), [fenced, unfenced])
            registry = metadata.tables["synced_document"]
            await conn.execute(insert(registry), [
                {"doc_id": d, "db": "grid_g1", "grid_id": "g1", "doc_type": "hazard",
                 "rev": "1-a", "rev_generation": 1, "valid": True, "errors": [],
                 "conflict_revs": [], "deleted": False, "received_at": now, "updated_at": now}
                for d in ("hazard:a", "hazard:b")
            ])  # fmt: skip
        await migrate(engine)
        async with engine.connect() as conn:
            rows = (await conn.execute(
                select(registry.c.doc_id, registry.c.geofence).order_by(registry.c.doc_id)
            )).all()  # fmt: skip
    finally:
        await engine.dispose()
    assert rows == [
        ("hazard:a", {"status": "outside", "boundary_version": 3, "distance_m": 41.3,
                      "accuracy_m": None, "suggested_grid_id": "g2", "containing_grids": []}),
        ("hazard:b", None),
    ]  # fmt: skip
