"""Alembic environment: runs on a connection handed in by :mod:`backend.migrate`."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from backend.models import metadata

connection: Connection | None = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through backend.migrate (python -m backend migrate)")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
