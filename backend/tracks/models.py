"""The SQL projection of ``track`` documents: one row per document (a segment of a
patrol's track, at most 2,000 fixes), with its patrol, tablet, worker, grid and times."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel

from backend.sqltypes import JsonColumnType, UTCDateTime, utcnow


class TrackSegment(SQLModel, table=True):
    __tablename__ = "track_segment"
    __table_args__ = (Index("ix_track_segment_grid_started", "grid_id", "started_at"),)

    doc_id: str = Field(primary_key=True, max_length=200)
    db: str = Field(max_length=128)
    grid_id: str = Field(foreign_key="place.id", max_length=64)
    inspection_id: str | None = Field(default=None, max_length=200, index=True)
    """The patrol (an ``inspection`` of kind patrol) the points were recorded in."""
    device_id: str = Field(default="", max_length=64)
    author: str = Field(default="", max_length=128)
    """The tablet's CouchDB user, as the document says (checked against the writer)."""
    worker_account_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    """The grid worker who carried the tablet when the track arrived (the device's worker
    then; kept when the tablet is later handed to someone else)."""
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    points: int = 0
    length_m: float = 0.0
    outside_share: float | None = None
    """Share of the segment's length outside its grid (0–1)."""
    line: list[list[float]] = Field(
        default_factory=list, sa_column=Column(JsonColumnType, nullable=False)
    )
    """The segment simplified for maps, ``[lon, lat]`` in WGS-84."""
    valid: bool = True
    deleted: bool = False
    rev: str = Field(max_length=64)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
