"""An imported boundary set, and the shape of each place in it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from backend.sqltypes import JsonColumnType, UTCDateTime, utcnow


class BoundaryVersionBase(SQLModel):
    label: str = Field(max_length=200)
    datum: str = Field(max_length=8)
    """The datum the file was drawn in; shapes are stored converted to WGS-84."""
    active: bool = Field(default=False, index=True)
    forced: bool = False
    """Activated despite problems; ``force_reason`` says why."""
    force_reason: str = Field(default="", max_length=500)


class BoundaryVersion(BoundaryVersionBase, table=True):
    __tablename__ = "boundary_version"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    activated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    problem_counts: dict[str, int] = Field(sa_column=Column(JsonColumnType, nullable=False))
    problems: dict[str, Any] = Field(sa_column=Column(JsonColumnType, nullable=False))
    """The validation report as a GeoJSON FeatureCollection."""


class BoundaryVersionRead(BoundaryVersionBase):
    id: int
    created_at: datetime
    activated_at: datetime | None
    problem_counts: dict[str, int]


class PlaceBoundary(SQLModel, table=True):
    __tablename__ = "place_boundary"

    version_id: int = Field(foreign_key="boundary_version.id", primary_key=True)
    place_id: str = Field(primary_key=True, max_length=64)
    kind: str = Field(max_length=16)
    parent_id: str | None = Field(default=None, max_length=64)
    name_zh: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    geometry: dict[str, Any] = Field(sa_column=Column(JsonColumnType, nullable=False))
