"""Start-up and shutdown of everything the app runs on, in order.

SQL (migrations applied) → CouchDB (managed dev server when no URL is set) →
demo street (when asked) → grid databases provisioned → changes follower.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
from litestar import Litestar
from litestar.channels import ChannelsPlugin
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.models import Role
from backend.accounts.service import create_account, find_account
from backend.basemap.archive import BaseMapError, archive_facts
from backend.basemap.demo import DEMO_BASEMAPS, demo_basemap
from backend.couch_proxy.upstream import upstream_client
from backend.database import (
    create_engine,
    ensure_sqlite_directory,
    session_factory,
    unit_of_work,
)
from backend.demo import DemoCredentials, load_demo_street
from backend.lease import FileLease, Lease, PostgresLease
from backend.live.events import CHANNEL
from backend.migrate import migrate
from backend.photos.storage import MediaStore
from backend.photos.worker import PhotoWorker
from backend.provisioning import provision_grids
from backend.replication.projection import SqlChangeSink
from backend.runtime import Runtime
from backend.settings import Settings, dev_secret, private_directory
from backend.synced.verdicts import VerdictWriter
from backend.tracks.retention import TrackRetention
from sync.contract import load_schemas
from sync.couch import CouchClient, CouchCredentials, CouchError
from sync.db_updates import DbUpdatesWatch
from sync.devserver import DevCouch, Supervision, supervise
from sync.follower import Follower
from sync.provisioning import Namespace, ensure_system_databases

log = logging.getLogger(__name__)


class StartupError(RuntimeError):
    """The service cannot start; the message is one line saying why."""


@asynccontextmanager
async def runtime(app: Litestar) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    async with AsyncExitStack() as stack:
        private_directory(settings.var_dir)
        ensure_sqlite_directory(settings.database_url)
        engine = create_engine(settings.database_url, settings.database_pool)
        stack.push_async_callback(engine.dispose)
        await migrate(engine)
        credentials, supervision = settings.couch, None
        if credentials is None:
            supervision = Supervision()
            credentials = await _start_dev_couch(settings, stack, supervision)
        couch = CouchClient.from_credentials(credentials)
        stack.push_async_callback(couch.aclose)
        await check_couch(couch)
        for created in await ensure_system_databases(couch):
            log.info("created CouchDB's system database %s", created)
        run = Runtime(
            engine,
            session_factory(engine),
            couch,
            Namespace(settings.couch_namespace),
            couch_public_url=settings.couch_public_url or credentials.url,
            time_zone=settings.time_zone,
            coverage_rules=settings.coverage_rules,
            patrol_reach_m=settings.patrol_reach_m,
            dev_couch=supervision,
        )
        if settings.bootstrap_admin:
            await ensure_admin(run.sessions, *settings.bootstrap_admin)
        if settings.demo:
            demo = await load_demo_street(run.sessions, couch, run.namespace)
            run.issued_credentials, run.demo_accounts = demo.tablets, demo.accounts
            print_credentials(settings.couch_public_url or credentials.url, demo)
        await provision_grids(run.sessions, couch)
        run.basemap = await _basemap(settings)
        run.media = MediaStore(settings.media_root)
        run.couch_proxy = upstream_client(couch.url)
        stack.push_async_callback(run.couch_proxy.aclose)
        if settings.follower_enabled:
            channels = app.plugins.get(ChannelsPlugin)
            await _start_following(run, settings, stack, lambda events: _publish(channels, events))
        app.state.runtime = run
        yield


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _start_dev_couch(
    settings: Settings, stack: AsyncExitStack, seen: Supervision
) -> CouchCredentials:
    server = DevCouch(
        settings.var_dir / "couch",
        admin_password=dev_secret(settings.var_dir / "couch-admin-password"),
        port_file=settings.var_dir / "couch-port",
    )
    await asyncio.to_thread(server.start)
    stack.push_async_callback(asyncio.to_thread, server.stop)
    supervisor = asyncio.create_task(supervise(server, seen), name="dev-couch-supervisor")
    stack.push_async_callback(_cancel, supervisor)
    log.info("dev CouchDB running at %s (data in %s)", server.url, server.data_dir)
    return server.credentials


async def check_couch(couch: CouchClient) -> None:
    try:
        await couch.server_info()
        await couch.all_dbs()  # proves the admin credentials, too
    except CouchError as exc:
        raise StartupError(f"CouchDB at {couch.url} is not usable: {exc}") from None


def _publish(channels: ChannelsPlugin, events: list[dict[str, Any]]) -> None:
    for event in events:
        channels.publish(event, CHANNEL)


async def _start_following(
    run: Runtime,
    settings: Settings,
    stack: AsyncExitStack,
    publish: Callable[[list[dict[str, Any]]], None],
) -> None:
    """The follower and the photo worker, in whichever process holds the lease."""
    lease = _lease(run, settings)
    assert run.media is not None
    media = run.media

    def start() -> tuple[Callable[[], Coroutine[Any, Any, None]], Callable[[], None]]:
        verdicts = VerdictWriter(run.couch)  # one lock per database for both writers
        sink = SqlChangeSink(run.sessions, run.couch, load_schemas(), publish=publish,
                             device_prefix=run.namespace.device_user(""),
                             verdicts=verdicts)  # fmt: skip
        follower = Follower(
            run.couch,
            sink,
            sink,
            batch_size=settings.follower_batch_size,
            idle_interval=settings.follower_idle_interval,
            max_idle=settings.follower_max_idle,
            updates=DbUpdatesWatch(run.couch),
            sweep_interval=settings.follower_sweep_seconds,
        )
        worker = PhotoWorker(run.sessions, run.couch, media, time_zone=settings.time_zone,
                             verdicts=verdicts)  # fmt: skip
        retention = TrackRetention(run.sessions, run.couch, settings.track_retention_days)
        run.follower = follower

        async def work() -> None:
            try:
                await asyncio.gather(follower.run(), worker.run(), retention.run())
            finally:
                await sink.close()  # verdicts still queued: written, for a while

        def stop() -> None:
            follower.stop()
            worker.stop()
            retention.stop()

        return work, stop

    task = asyncio.create_task(lease.hold(start), name="follower-lease")
    run.lease, run.follower_task = lease, task

    async def stop() -> None:
        lease.stop()
        await task

    stack.push_async_callback(stop)


def _lease(run: Runtime, settings: Settings) -> Lease:
    url = make_url(settings.database_url)
    if url.get_backend_name() == "postgresql":
        return PostgresLease(run.engine, settings.couch_namespace)
    return FileLease(Path(f"{url.database}.follower-lock"))


async def ensure_admin(
    sessions: async_sessionmaker[AsyncSession], username: str, password: str
) -> None:
    """Create the bootstrap admin unless an account of that name exists."""
    async with unit_of_work(sessions) as session:
        if await find_account(session, username) is None:
            await create_account(session, username=username, password=password, role=Role.admin)


async def _basemap(settings: Settings) -> Path | None:
    if settings.basemap_path is not None:
        try:
            archive_facts(settings.basemap_path)  # refuses a file the maps cannot draw
        except BaseMapError as exc:
            raise StartupError(str(exc)) from None
        return settings.basemap_path
    if settings.demo:
        return await anyio.to_thread.run_sync(demo_basemap, DEMO_BASEMAPS)
    return None


def print_credentials(couch_url: str, demo: DemoCredentials) -> None:
    """Shown once: only hashes of these passwords are kept."""
    lines = []
    if demo.accounts:
        lines += ["", "Demo accounts (sign in at /api/auth/login) — shown only this once:"]
        lines += [f"  {user:<8} password {password}" for user, password in demo.accounts.items()]
    if demo.tablets:
        lines += ["", "Demo tablets — these passwords are shown only this once:"]
        lines += [
            f"  grid {c.grid_id:<12} {couch_url}/{c.database}  user {c.couch_user}  "
            f"password {c.password}"
            for c in demo.tablets
        ]
    if lines:
        print("\n".join(lines), flush=True)
