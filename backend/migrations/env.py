"""Alembic environment: runs on a connection handed in by :mod:`backend.migrate`."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel.sql.sqltypes import AutoString

from backend.models import metadata

connection: Connection | None = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through backend.migrate (python -m backend migrate)")


def _render_item(type_: str, obj: Any, _context: Any) -> str | Literal[False]:
    """Write SQLModel's string type as plain ``sa.String`` in new migrations."""
    if type_ == "type" and isinstance(obj, AutoString):
        return f"sa.String(length={obj.length})" if obj.length else "sa.String()"
    return False


context.configure(
    render_item=_render_item,
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
