"""The SQL engine and the one-transaction-per-unit-of-work session."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import msgspec
from sqlalchemy import Connection, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)
from sqlmodel.ext.asyncio.session import AsyncSession

SUPPORTED_DRIVERS = {"sqlite+aiosqlite", "postgresql+asyncpg"}


class DatabaseUrlError(ValueError):
    pass


def check_database_url(url: str) -> str:
    """The driver name of a supported URL, or :class:`DatabaseUrlError` saying why not."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseUrlError(f"DATABASE_URL {url!r} is not a database URL") from None
    if parsed.drivername not in SUPPORTED_DRIVERS:
        wanted = " or ".join(sorted(SUPPORTED_DRIVERS))
        raise DatabaseUrlError(f"DATABASE_URL uses {parsed.drivername!r}; use {wanted}")
    return parsed.drivername


@dataclass(frozen=True, slots=True)
class PoolSize:
    """PostgreSQL connections per process: ``size`` kept, ``overflow`` more when busy;
    a request waits ``timeout`` seconds for one, then gets 503 (``backend.errors``)."""

    size: int = 10
    overflow: int = 5
    timeout: float = 10.0


def json_text(value: object) -> str:
    """JSON columns' text, written by msgspec: a catch-up writes several JSON values per
    document (schema errors, geofence, audit details), and the standard library's
    encoder was the largest single cost of those statements after SQLAlchemy's own."""
    return msgspec.json.encode(value).decode()


def create_engine(url: str, pool: PoolSize | None = None) -> AsyncEngine:
    driver = check_database_url(url)
    if driver.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30},
                                     json_serializer=json_text)  # fmt: skip
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    pool = pool or PoolSize()
    return create_async_engine(url, pool_pre_ping=True, pool_size=pool.size,
                               max_overflow=pool.overflow, pool_timeout=pool.timeout,
                               json_serializer=json_text)  # fmt: skip


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    # The sqlite3 driver begins transactions lazily, before the first write only; a
    # SAVEPOINT outside its transaction then starts one of its own, and RELEASE
    # commits it — per document, not per batch. We begin transactions ourselves.
    dbapi_connection.isolation_level = None  # type: ignore[attr-defined]
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


READ_ONLY = "read_only"


def _sqlite_begin(connection: Connection) -> None:
    # A writing transaction takes the write lock up front (IMMEDIATE, waiting up to
    # busy_timeout): a deferred one that reads, then writes after another writer
    # committed, fails at once with "database is locked". SQLite thus runs one writing
    # transaction at a time; readers (WAL) never wait. Production runs PostgreSQL.
    read_only = connection.get_execution_options().get(READ_ONLY, False)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


OUT_OF_REACH_SQLSTATES = ("08", "28", "3D000", "53", "55000", "57", "58")
"""PostgreSQL's codes (by class or in full) of a server that cannot be reached, refuses
this service or its database (``ALLOW_CONNECTIONS false`` is 55000), is shutting down or
short of resources — not of a statement that was wrong."""


def out_of_reach(exc: BaseException) -> bool:
    """The database failed or could not be had, as opposed to a statement (or the data
    it carried) that it refused. The first is retried as a whole; the second is the
    statement's own fault. asyncpg reports most server errors as a bare ``DBAPIError``,
    so its SQLSTATE decides; one without a code failed before any statement ran."""
    if isinstance(exc, (OperationalError, InterfaceError, PoolTimeout, OSError)):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if not isinstance(sqlstate, str):
        return type(exc) is DBAPIError
    return sqlstate.startswith(OUT_OF_REACH_SQLSTATES)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


@asynccontextmanager
async def unit_of_work(
    sessions: async_sessionmaker[AsyncSession], *, read_only: bool = False
) -> AsyncIterator[AsyncSession]:
    """One transaction: committed when the block succeeds, rolled back otherwise.

    Services take the session and never commit on their own. ``read_only`` lets SQLite
    readers run beside a writer.
    """
    async with sessions() as session, session.begin():
        if read_only:
            await session.connection(execution_options={READ_ONLY: True})
        yield session


def ensure_sqlite_directory(url: str) -> None:
    """SQLite creates the file but not its folder; the file is made private (its journal
    files take its permissions)."""
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite") and parsed.database not in (None, "", ":memory:"):
        path = Path(parsed.database)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.touch(mode=0o600, exist_ok=True)
        path.chmod(0o600)


@asynccontextmanager
async def read_only_connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection for reading only: on SQLite it never waits for the writer."""
    async with engine.connect() as conn:
        yield await conn.execution_options(**{READ_ONLY: True})
