"""The SQL projection of ``inspection`` documents: who visited what, when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from backend.sqltypes import UTCDateTime, utcnow


class InspectionBase(SQLModel):
    doc_id: str = Field(primary_key=True, max_length=200)
    grid_id: str = Field(foreign_key="place.id", max_length=64)
    device_id: str = Field(default="", max_length=64)
    author: str = Field(default="", max_length=128)
    kind: str | None = Field(default=None, max_length=32)
    """hazard_inspection, dispute_screening or patrol."""
    category: str | None = Field(default=None, max_length=32)
    site_name: str | None = Field(default=None, max_length=200)
    site_sector: str | None = Field(default=None, max_length=32)
    site_credit_code: str | None = Field(default=None, max_length=18)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    disputes_found: int | None = None
    hazards_reported: int = 0
    """Checklist answers that name a hazard."""
    lat: float | None = None
    lon: float | None = None
    geofence_status: str | None = Field(default=None, max_length=32)
    valid: bool = True
    deleted: bool = False


class Inspection(InspectionBase, table=True):
    __table_args__ = (Index("ix_inspection_grid_started", "grid_id", "started_at"),)

    rev: str = Field(max_length=64)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
