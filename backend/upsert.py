"""Upserting a projected row from a new revision of its document."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

Row = TypeVar("Row", bound=SQLModel)


def upsert_row(
    session: AsyncSession, model: type[Row], stored: Row | None, doc_id: str, values: dict[str, Any]
) -> Row:
    """``stored`` with ``values`` set, or a new validated row first received now
    (``values["updated_at"]``)."""
    if stored is None:
        row = {"doc_id": doc_id, "received_at": values["updated_at"], **values}
        stored = model.model_validate(row)
    else:
        for key, value in values.items():
            setattr(stored, key, value)
    session.add(stored)
    return stored
