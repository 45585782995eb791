"""Ledger events in SQL (the same events are documents in the grid database)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, String
from sqlmodel import Field, SQLModel

from backend.sqltypes import JsonColumnType, UTCDateTime


class LedgerEntryBase(SQLModel):
    hazard_id: str = Field(max_length=200, index=True)
    seq: int
    """1, 2, 3… per hazard: the hazard's ledger version after this event."""
    event: str = Field(sa_type=String(32))
    status_after: str = Field(sa_type=String(32))
    at: datetime = Field(sa_type=UTCDateTime)
    actor_name: str = Field(max_length=200)
    actor_role: str = Field(max_length=32)
    note: str = Field(default="", max_length=2000)
    rectification_report_id: str | None = Field(default=None, max_length=200)
    """The worker's report a ``rectified_accepted`` event accepted."""


class LedgerEntry(LedgerEntryBase, table=True):
    __tablename__ = "ledger_entry"

    id: str = Field(primary_key=True, max_length=260)
    """The event document's id: ``ledger:<hazard id>:<seq>``."""
    actor_account_id: int | None = Field(default=None, foreign_key="account.id")
    assignment: dict[str, Any] | None = Field(
        default=None, sa_column=Column(JsonColumnType, nullable=True)
    )


class LedgerEntryRead(LedgerEntryBase):
    id: str
    assignment: dict[str, Any] | None
