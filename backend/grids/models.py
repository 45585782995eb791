"""Places of the hierarchy: a street, its communities/villages and their grids."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, String
from sqlmodel import Field, SQLModel

from backend.sqltypes import JsonColumnType, UTCDateTime, utcnow


class PlaceKind(StrEnum):
    street = "street"
    community = "community"
    grid = "grid"


class PlaceBase(SQLModel):
    id: str = Field(primary_key=True, max_length=64)
    kind: PlaceKind = Field(sa_type=String(16), index=True)
    parent_id: str | None = Field(default=None, foreign_key="place.id", index=True, max_length=64)
    name_zh: str = Field(max_length=200)
    name_en: str = Field(max_length=200)


class Place(PlaceBase, table=True):
    boundary: dict[str, Any] = Field(sa_column=Column(JsonColumnType, nullable=False))
    """GeoJSON geometry in WGS-84."""
    couch_db: str | None = Field(default=None, unique=True, max_length=128)
    """The grid's CouchDB database (grids only)."""
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class GridRead(PlaceBase):
    couch_db: str | None
