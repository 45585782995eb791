"""Shared fixtures: the real dev CouchDB, real SQLite and real PostgreSQL."""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from backend.settings import Settings
from sync.couch import CouchClient
from sync.devserver import DevCouch, managed_dev_couch
from tests.couch_servers import ExternalCouch, external_couch

POSTGRES_ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/test"
TEST_ADMIN = ("test-admin", "test-admin-password")

logging.getLogger("httpx").setLevel(logging.WARNING)  # the follower polls many times a second


@pytest.fixture(scope="session")
def dev_couch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevCouch | ExternalCouch]:
    """One CouchDB for the whole run (the managed dev server, or ``COUCHDB_TEST_URL``);
    tests separate by namespace."""
    external = external_couch()
    if external is not None:
        yield external
        return
    with managed_dev_couch(tmp_path_factory.mktemp("couch")) as server:
        yield server


@pytest.fixture
async def couch_admin(dev_couch: DevCouch) -> AsyncIterator[CouchClient]:
    async with CouchClient.from_credentials(dev_couch.credentials) as client:
        yield client


@pytest.fixture
def namespace_prefix() -> str:
    """A fresh prefix for this test's grid databases and device users."""
    return f"t{secrets.token_hex(4)}_"


async def create_postgres_database() -> str:
    name = f"gi_test_{secrets.token_hex(6)}"
    conn = await asyncpg.connect(POSTGRES_ADMIN_DSN)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return name


async def drop_postgres_database(name: str) -> None:
    conn = await asyncpg.connect(POSTGRES_ADMIN_DSN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture
async def postgres_settings(
    tmp_path: Path, dev_couch: DevCouch, namespace_prefix: str
) -> AsyncIterator[Settings]:
    """Settings on a new PostgreSQL database: for several app processes at once."""
    name = await create_postgres_database()
    try:
        url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
        yield make_settings(tmp_path, url, dev_couch, namespace_prefix)
    finally:
        await drop_postgres_database(name)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A new, empty database of each kind; PostgreSQL's is dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'inspection.sqlite3'}"
        return
    name = await create_postgres_database()
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    finally:
        await drop_postgres_database(name)


@pytest.fixture
def settings(
    tmp_path: Path, database_url: str, dev_couch: DevCouch, namespace_prefix: str
) -> Settings:
    """Settings for the app on each kind of database."""
    return make_settings(tmp_path, database_url, dev_couch, namespace_prefix)


@pytest.fixture
def sqlite_settings(tmp_path: Path, dev_couch: DevCouch, namespace_prefix: str) -> Settings:
    """Settings for tests whose subject does not depend on the database."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'inspection.sqlite3'}"
    return make_settings(tmp_path, url, dev_couch, namespace_prefix)


def make_settings(tmp_path: Path, database_url: str, dev_couch: DevCouch, prefix: str) -> Settings:
    return Settings(
        env="test",
        var_dir=tmp_path / "var",
        database_url=database_url,
        couch=dev_couch.credentials,
        couch_namespace=prefix,
        jwt_secret=secrets.token_urlsafe(32),
        demo=True,
        follower_idle_interval=0.05,
        follower_max_idle=0.2,
        bootstrap_admin=TEST_ADMIN,
    )
