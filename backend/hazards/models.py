"""The SQL projection of ``hazard`` documents."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import computed_field
from sqlalchemy import Column, Index, or_
from sqlmodel import Field, SQLModel, col

from backend.sqltypes import JsonColumnType, UTCDateTime, utcnow


class HazardBase(SQLModel):
    doc_id: str = Field(primary_key=True, max_length=200)
    grid_id: str = Field(foreign_key="place.id", index=True, max_length=64)
    device_id: str = Field(default="", max_length=64)
    author: str = Field(default="", max_length=128)
    title: str | None = Field(default=None, max_length=200)
    category: str | None = Field(default=None, max_length=32)
    sector: str | None = Field(default=None, max_length=32)
    severity: str | None = Field(default=None, max_length=16)
    lat: float | None = None
    lon: float | None = None
    reported_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    geofence_status: str | None = Field(default=None, max_length=32, index=True)
    """inside, near_edge, outside_within_accuracy, outside or no_fix."""
    geofence_distance_m: float | None = None
    suggested_grid_id: str | None = Field(default=None, max_length=64)
    boundary_version: int | None = None
    deleted: bool = False
    ledger_status: str = Field(default="reported", max_length=32, index=True)
    ledger_version: int = 0
    """Number of ledger events so far; the ETag for optimistic concurrency."""
    responsible_person: str | None = Field(default=None, max_length=200)
    responsible_unit: str | None = Field(default=None, max_length=200)
    measures: str | None = Field(default=None, max_length=2000)
    deadline: datetime | None = Field(default=None, sa_type=UTCDateTime)
    valid: bool = True
    """False when the document breaks its schema; ``errors`` says how."""
    schema_version: int | None = None
    """The version the tablet wrote; the stored ``doc`` is always the current shape
    when valid."""
    upgraded_from: int | None = None


class Hazard(HazardBase, table=True):
    __table_args__ = (
        Index("ix_hazard_lat_lon", "lat", "lon"),  # bbox queries of the map
        Index("ix_hazard_received_order", "received_at", "doc_id"),  # keyset pages
        Index("ix_hazard_updated_order", "updated_at", "doc_id"),  # live maps catching up
    )

    rev: str = Field(max_length=64)
    """Last applied CouchDB revision; an older or equal one is a no-op."""
    rev_generation: int
    doc: dict[str, Any] = Field(sa_column=Column(JsonColumnType, nullable=False))
    errors: list[dict[str, str]] = Field(
        default_factory=list, sa_column=Column(JsonColumnType, nullable=False)
    )
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class HazardRead(HazardBase):
    rev: str
    errors: list[dict[str, str]]
    received_at: datetime
    updated_at: datetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def overdue(self) -> bool:
        """Being rectified past its deadline."""
        return is_overdue(self.ledger_status, self.deadline, utcnow())


def on_the_ledger() -> Any:
    """Hazards supervisors see: every one not deleted, and a deleted one the ledger has
    acted on (a tablet's deletion never makes a decided hazard disappear; it is flagged)."""
    return or_(col(Hazard.deleted).is_(False), col(Hazard.ledger_status) != "reported")


def is_overdue(ledger_status: str, deadline: datetime | None, now: datetime) -> bool:
    return ledger_status == "rectifying" and deadline is not None and deadline < now
