"""Admin commands of the CLI: accounts and devices, on the same services as the API."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.models import Role
from backend.accounts.service import create_account
from backend.database import create_engine, ensure_sqlite_directory, session_factory, unit_of_work
from backend.devices import service as devices
from backend.lifespan import StartupError, check_couch
from backend.migrate import migrate
from backend.settings import Settings, dev_secret
from sync.couch import CouchClient, CouchCredentials
from sync.provisioning import Namespace


def couch_credentials(settings: Settings) -> CouchCredentials:
    """The configured CouchDB, or the dev CouchDB that ``make run`` is running."""
    if settings.couch is not None:
        return settings.couch
    port_file = settings.var_dir / "couch-port"
    if not port_file.exists():
        raise StartupError("no CouchDB: set COUCHDB_URL or start the service with `make run`")
    password = dev_secret(settings.var_dir / "couch-admin-password")
    return CouchCredentials(f"http://127.0.0.1:{port_file.read_text().strip()}", "admin", password)


@asynccontextmanager
async def _context(settings: Settings) -> AsyncIterator[tuple[AsyncSession, CouchClient]]:
    ensure_sqlite_directory(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        await migrate(engine)
        async with CouchClient.from_credentials(couch_credentials(settings)) as couch:
            await check_couch(couch)
            async with unit_of_work(session_factory(engine)) as session:
                yield session, couch
    finally:
        await engine.dispose()


Action = Callable[[AsyncSession, CouchClient, Namespace, argparse.Namespace], Awaitable[Any]]


async def _register(s: AsyncSession, c: CouchClient, ns: Namespace, a: argparse.Namespace) -> Any:
    return await devices.register_device(s, c, ns, a.grid, a.device_id, a.label)


async def _rotate(s: AsyncSession, c: CouchClient, _: Namespace, a: argparse.Namespace) -> Any:
    return await devices.rotate_password(s, c, a.device_id)


async def _move(s: AsyncSession, c: CouchClient, _: Namespace, a: argparse.Namespace) -> Any:
    return await devices.move_device(s, c, a.device_id, a.grid)


async def _revoke(s: AsyncSession, c: CouchClient, _: Namespace, a: argparse.Namespace) -> Any:
    return await devices.revoke_device(s, c, a.device_id)


async def _list(s: AsyncSession, _: CouchClient, __: Namespace, a: argparse.Namespace) -> Any:
    return list(await devices.list_devices(s, a.grid))


async def _create_admin(
    s: AsyncSession, _: CouchClient, __: Namespace, a: argparse.Namespace
) -> Any:
    password = sys.stdin.readline().rstrip("\n") if a.password_stdin else getpass.getpass()
    account = await create_account(s, username=a.username, password=password, role=Role.admin)
    return {"id": account.id, "username": account.username, "role": account.role}


ACTIONS: dict[str, Action] = {
    "register": _register, "rotate": _rotate, "move": _move, "revoke": _revoke, "list": _list,
    "create-admin": _create_admin,
}  # fmt: skip


async def run_admin_command(settings: Settings, args: argparse.Namespace) -> None:
    """Run one command in one transaction and print its result as JSON."""
    action = ACTIONS[args.action]
    async with _context(settings) as (session, couch):
        result = await action(session, couch, Namespace(settings.couch_namespace), args)
    print(json.dumps(_plain(result), ensure_ascii=False, default=str, indent=2))


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "model_dump"):
        return value.model_dump()
    if hasattr(value, "__dataclass_fields__"):
        return {k: getattr(value, k) for k in value.__dataclass_fields__}
    return value


def add_admin_commands(commands: Any) -> None:
    admin = commands.add_parser("create-admin", help="create an admin account")
    admin.set_defaults(action="create-admin")
    admin.add_argument("--username", required=True)
    admin.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    device = commands.add_parser("devices", help="register, list, rotate, move, revoke tablets")
    actions = device.add_subparsers(dest="action", required=True)
    register = actions.add_parser("register", help="register a tablet; prints its password once")
    register.add_argument("--grid", required=True)
    register.add_argument("--device-id", default=None)
    register.add_argument("--label", default="")
    listing = actions.add_parser("list")
    listing.add_argument("--grid", default=None)
    for name in ("rotate", "revoke"):
        actions.add_parser(name).add_argument("device_id")
    move = actions.add_parser("move")
    move.add_argument("device_id")
    move.add_argument("--grid", required=True)
