"""Column types shared by the models, portable between SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every database."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class UTCTimestampText(TypeDecorator[str]):
    """A UTC timestamp column read as ISO 8601 text, skipping the datetime round trip
    (for bulk reads that only print it). SQLite keeps ``YYYY-MM-DD HH:MM:SS.ffffff``;
    PostgreSQL's driver hands back an aware datetime."""

    impl = String
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if isinstance(value, datetime):
            return value.astimezone(UTC).isoformat()
        return f"{str(value).replace(' ', 'T', 1)}+00:00"


def utcnow() -> datetime:
    return datetime.now(UTC)


JsonColumnType: Any = JSON().with_variant(JSON(none_as_null=True), "postgresql")
