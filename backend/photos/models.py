"""Processed photos (by content) and the photos each hazard names."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, String
from sqlmodel import Field, SQLModel

from backend.sqltypes import JsonColumnType, UTCDateTime, utcnow


class PhotoStatus(StrEnum):
    pending = "pending"
    """Named by the hazard; the attachment has not arrived or not been processed yet."""
    processed = "processed"
    rejected = "rejected"


class Photo(SQLModel, table=True):
    """One picture, by content: processed once however many hazards carry it."""

    sha256: str = Field(primary_key=True, max_length=64)
    format: str = Field(default="", max_length=8)
    width: int = 0
    height: int = 0
    taken_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    exif_lat: float | None = None
    exif_lon: float | None = None
    exif_gps: str = Field(default="absent", max_length=16)
    dhash: str = Field(default="", max_length=16, index=True)
    rejected_reason: str | None = Field(default=None, max_length=300)
    processed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class HazardPhotoBase(SQLModel):
    hazard_id: str = Field(primary_key=True, max_length=200)
    name: str = Field(primary_key=True, max_length=128)
    declared_sha256: str = Field(default="", max_length=64)
    sha256: str | None = Field(default=None, max_length=64, index=True)
    status: PhotoStatus = Field(default=PhotoStatus.pending, sa_type=String(16), index=True)
    reason: str | None = Field(default=None, max_length=300)
    distance_m: float | None = None
    """From the photo's GPS to the hazard's reported point."""
    time_difference_s: float | None = None
    flags: list[str] = Field(default_factory=list, sa_column=Column(JsonColumnType, nullable=False))
    reused_from: str | None = Field(default=None, max_length=200)
    """Another hazard carrying the same (or a near-identical) picture."""


class HazardPhoto(HazardPhotoBase, table=True):
    __tablename__ = "hazard_photo"

    db: str = Field(max_length=128)
    couch_digest: str | None = Field(default=None, max_length=100)
    """CouchDB's digest of the attachment; unchanged digest → not processed again."""
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class HazardPhotoRead(HazardPhotoBase):
    thumbnail_url: str | None = None
    screen_url: str | None = None
    exif_lat: float | None = None
    """Where the camera says the photo was taken (WGS-84), when it says."""
    exif_lon: float | None = None
    taken_at: datetime | None = None
