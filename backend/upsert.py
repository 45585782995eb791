"""Upserting a projected row from a new revision of its document."""

from __future__ import annotations

from functools import cache
from typing import Any, TypeVar

from sqlalchemy import insert
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

Row = TypeVar("Row", bound=SQLModel)


def upsert_row(
    session: AsyncSession,
    model: type[Row],
    stored: Row | None,
    doc_id: str,
    values: dict[str, Any],
    new_rows: dict[str, dict[str, Any]],
) -> None:
    """``stored`` with ``values`` set; or, for a document first received now
    (``values["updated_at"]``), a plain row in ``new_rows`` — no ORM object, inserted
    with the batch's others in one statement (:func:`insert_rows`)."""
    if stored is None:
        new_rows[doc_id] = {
            **_defaults(model), "doc_id": doc_id, "received_at": values["updated_at"], **values
        }  # fmt: skip
        return
    for key, value in values.items():
        setattr(stored, key, value)
    session.add(stored)


def _defaults(model: type[SQLModel]) -> dict[str, Any]:
    """Every column with a default, at its default (factories called anew each row)."""
    fixed, factories = _default_fields(model)
    return {**fixed, **{name: factory() for name, factory in factories.items()}}


@cache
def _default_fields(model: type[SQLModel]) -> tuple[dict[str, Any], dict[str, Any]]:
    fixed, factories = {}, {}
    for name, info in model.model_fields.items():
        if info.default_factory is not None:
            factories[name] = info.default_factory
        elif not info.is_required():
            fixed[name] = info.default
    return fixed, factories


async def insert_rows(
    session: AsyncSession, model: type[SQLModel], rows: dict[str, dict[str, Any]]
) -> None:
    """The plain rows of ``model``, in one executemany statement; ``rows`` is emptied."""
    pending = list(rows.values())
    rows.clear()
    if pending:
        connection = await session.connection()
        await connection.execute(insert(model), pending)
