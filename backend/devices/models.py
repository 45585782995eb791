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
    credential_hash: str | None = Field(default=None, max_length=200)
    """Argon2 hash of its current CouchDB password: after a revocation (its CouchDB user
    is gone) the tablet can still prove it is the one revoked, and only then erases."""


class EnrolCode(SQLModel, table=True):
    """A code in the registration's QR code, exchanged once for the tablet's credentials
    (``POST /api/field/enrol``); only its SHA-256 is kept."""

    __tablename__ = "enrol_code"

    code_hash: str = Field(primary_key=True, max_length=64)
    device_id: str = Field(foreign_key="device.id", index=True, max_length=64)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


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
