"""Per-database checkpoints and quarantined changes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.sqltypes import JsonColumnType, UTCDateTime, utcnow


class SyncCheckpoint(SQLModel, table=True):
    __tablename__ = "sync_checkpoint"

    db: str = Field(primary_key=True, max_length=128)
    seq: Any = Field(sa_column=Column(JsonColumnType, nullable=True))
    """Stored verbatim as JSON: an integer or an opaque string, never compared."""
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class QuarantinedChange(SQLModel, table=True):
    __tablename__ = "quarantined_change"
    __table_args__ = (UniqueConstraint("db", "doc_id", "rev"),)

    id: int | None = Field(default=None, primary_key=True)
    db: str = Field(max_length=128, index=True)
    doc_id: str = Field(max_length=500)
    rev: str = Field(max_length=64)
    reason: str = Field(max_length=500)
    errors: list[dict[str, str]] = Field(sa_column=Column(JsonColumnType, nullable=False))
    quarantined_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
