"""One audited action."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from backend.sqltypes import JsonColumnType, UTCDateTime, utcnow


class AuditEntryBase(SQLModel):
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    actor: str = Field(max_length=200)
    """``account:<username>``, ``cli`` or ``system``."""
    action: str = Field(max_length=64, index=True)
    target: str = Field(max_length=300, index=True)
    reason: str = Field(default="", max_length=500)


class AuditEntry(AuditEntryBase, table=True):
    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    details: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JsonColumnType, nullable=False)
    )


class AuditEntryRead(AuditEntryBase):
    id: int
    details: dict[str, Any]
