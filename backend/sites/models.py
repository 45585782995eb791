"""A site in a grid that grid workers inspect: a business, a building site, a school."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.sqltypes import UTCDateTime, utcnow

HIGH_RISK_SECTORS = frozenset(
    {"hazardous_chemicals", "construction", "special_equipment", "crowded_place", "gas"}
)
"""Sectors whose sites are high-risk unless the register says otherwise."""


class SiteBase(SQLModel):
    grid_id: str = Field(foreign_key="place.id", index=True, max_length=64)
    name: str = Field(max_length=200)
    sector: str = Field(max_length=32)
    credit_code: str | None = Field(default=None, max_length=18, index=True)
    """Unified social credit code; matches inspections whatever name they typed."""
    address: str = Field(default="", max_length=300)
    high_risk: bool = False
    retired: bool = False
    """Closed or moved away: kept for history, no longer expected to be inspected."""


class Site(SiteBase, table=True):
    __table_args__ = (UniqueConstraint("grid_id", "name", name="uq_site_grid_name"),)

    id: int | None = Field(default=None, primary_key=True)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SiteRead(SiteBase):
    id: int
    updated_at: datetime
