"""Per-database checkpoints, every synced worker document, and quarantined changes."""

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


class SyncedDocument(SQLModel, table=True):
    """Every worker document the follower applied, whatever its type: the last
    applied revision, its schema result and any replication conflict."""

    __tablename__ = "synced_document"

    doc_id: str = Field(primary_key=True, max_length=200)
    db: str = Field(max_length=128, index=True)
    grid_id: str = Field(foreign_key="place.id", index=True, max_length=64)
    doc_type: str = Field(max_length=32, index=True)
    rev: str = Field(max_length=80)
    rev_generation: int
    valid: bool
    errors: list[dict[str, str]] = Field(sa_column=Column(JsonColumnType, nullable=False))
    schema_version: int | None = None
    upgraded_from: int | None = None
    conflict_revs: list[str] = Field(
        default_factory=list, sa_column=Column(JsonColumnType, nullable=False)
    )
    """Losing revisions CouchDB keeps beside the winner; empty when none."""
    deleted: bool = False
    refers_to: str | None = Field(default=None, max_length=200, index=True)
    """The hazard a rectification report is about."""
    geofence: dict[str, Any] | None = Field(
        default=None, sa_column=Column(JsonColumnType, nullable=True)
    )
    """What the geofence decided about the revision's location (the verdict's part,
    without grid names); ``None`` for a document without one."""
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
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
