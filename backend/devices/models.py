"""A registered device: one CouchDB user bound to one grid database."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from backend.sqltypes import UTCDateTime, utcnow


class Device(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=64)
    grid_id: str = Field(foreign_key="place.id", index=True, max_length=64)
    couch_user: str = Field(unique=True, max_length=128)
    label: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    worker_account_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    """The grid worker who carries it (an account bound to the same grid): the scorecard
    counts the tablet's work as theirs."""


class DeviceRead(SQLModel):
    id: str
    grid_id: str
    couch_user: str
    label: str
    created_at: datetime
    revoked_at: datetime | None
    worker_account_id: int | None = None
    worker_name: str | None = None
    last_report_at: datetime | None = None
    """When its last hazard or inspection reached the server (None: never)."""
