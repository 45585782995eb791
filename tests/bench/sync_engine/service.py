"""The service as a real process, the CouchDB and SQL it runs on, and how the
benchmark watches what reached SQL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any, Protocol

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from backend.database import create_engine, read_only_connection
from backend.settings import REPO_ROOT
from backend.synced.models import SyncedDocument
from sync.couch import CouchCredentials
from sync.devserver import free_port, managed_dev_couch
from tests.conftest import create_postgres_database, drop_postgres_database
from tests.couch_servers import ApacheCouch
from tests.helpers import eventually


class Couch(Protocol):
    @property
    def url(self) -> str: ...
    @property
    def credentials(self) -> CouchCredentials: ...


class Service:
    """``python -m backend serve`` on a free port; ``profile``: a file its cProfile
    statistics go to when it stops."""

    def __init__(self, couch: Couch, work: Path, database_url: str, profile: str = "") -> None:
        self.port = free_port()
        self.profile = profile
        creds = couch.credentials
        self.env = {
            **os.environ, "COUCHDB_URL": couch.url, "COUCHDB_USER": creds.user,
            "COUCHDB_PASSWORD": creds.password, "VAR_DIR": str(work / "var"),
            "DATABASE_URL": database_url, "DEMO": "1",
        }  # fmt: skip
        self.log = work / "service.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            profile = ["-m", "cProfile", "-o", self.profile] if self.profile else []
            self.process = subprocess.Popen(
                [sys.executable, *profile, "-m", "backend", "serve", "--port", str(self.port)],
                cwd=REPO_ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/ready", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        raise RuntimeError(self.log.read_text()[-2000:])

    def stop(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        self.process.wait(60)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def cli(self, *args: str) -> Any:
        out = subprocess.run(
            [sys.executable, "-m", "backend", *args], cwd=REPO_ROOT, env=self.env,
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        return json.loads(out.stdout)


class CpuUse:
    """The whole machine's CPU time (all processes, from ``/proc/stat``) between
    :meth:`start` and :meth:`stop`: ``busy`` CPU-seconds out of ``wall`` seconds."""

    def __init__(self) -> None:
        self.busy = self.wall = 0.0
        self._start = (0.0, 0.0)

    @staticmethod
    def _now() -> tuple[float, float]:
        with open("/proc/stat") as stat:
            ticks = [int(t) for t in stat.readline().split()[1:]]
        idle = ticks[3] + ticks[4]  # idle and iowait
        return (sum(ticks) - idle) / os.sysconf("SC_CLK_TCK"), time.perf_counter()

    def start(self) -> None:
        self._start = self._now()

    def stop(self) -> None:
        busy, wall = self._now()
        self.busy, self.wall = busy - self._start[0], wall - self._start[1]

    def __str__(self) -> str:
        cores = self.busy / self.wall if self.wall else 0.0
        return f"{self.busy:.1f} CPU-s, {cores:.2f} of {os.cpu_count()} cores busy"


async def sql_count(engine: AsyncEngine, db: str) -> int:
    async with read_only_connection(engine) as conn:
        query = select(func.count()).select_from(SyncedDocument).where(col(SyncedDocument.db) == db)
        count: int = (await conn.execute(query)).scalar_one()
        return count


async def until_in_sql(engine: AsyncEngine, db: str, count: int) -> None:
    await eventually(lambda: sql_count(engine, db), lambda n: n >= count, within=3600, every=0.05)


@contextmanager
def couch_server(work: Path, apache_home: str | None) -> Iterator[Couch]:
    """The managed dev server, or Apache CouchDB built in ``apache_home``."""
    if not apache_home:
        with managed_dev_couch(work / "couch") as dev:
            yield dev
        return
    apache = ApacheCouch(Path(apache_home).resolve(), work / "apache")
    apache.start()
    try:
        yield apache
    finally:
        apache.stop()


@asynccontextmanager
async def postgres_database() -> AsyncIterator[str]:
    """A new database on the local PostgreSQL, dropped afterwards."""
    name = await create_postgres_database()
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    finally:
        await drop_postgres_database(name)


@asynccontextmanager
async def scratch_engine(engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    """An empty database of ``engine``'s kind."""
    if engine.dialect.name != "postgresql":
        with tempfile.TemporaryDirectory() as tmp:
            scratch = create_engine(f"sqlite+aiosqlite:///{tmp}/scratch.sqlite3")
            try:
                yield scratch
            finally:
                await scratch.dispose()
        return
    async with postgres_database() as url:
        scratch = create_engine(url)
        try:
            yield scratch
        finally:
            await scratch.dispose()
