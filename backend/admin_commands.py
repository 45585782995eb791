"""Admin commands of the CLI: accounts and devices, on the same services as the API."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TextIO

from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from shapely.geometry import shape
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.models import Role
from backend.accounts.service import create_account
from backend.audit.service import record
from backend.boundaries import service as boundaries
from backend.boundaries.models import BoundaryVersionRead
from backend.boundaries.verdicts import refresh_hazard_verdicts
from backend.database import create_engine, ensure_sqlite_directory, session_factory, unit_of_work
from backend.devices import service as devices
from backend.grids.fence import load_grid_index
from backend.hazards.models import Hazard
from backend.lifespan import StartupError, check_couch
from backend.migrate import migrate
from backend.provisioning import provision_grids_in
from backend.settings import Settings, dev_secret
from backend.synced.verdicts import VerdictWriter
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
    issued = await devices.register_device(s, c, ns, a.grid, a.device_id, a.label)
    record(s, "cli", "device.register", issued.device_id, grid_id=issued.grid_id)
    return issued


async def _rotate(s: AsyncSession, c: CouchClient, _: Namespace, a: argparse.Namespace) -> Any:
    record(s, "cli", "device.rotate", a.device_id)
    return await devices.rotate_password(s, c, a.device_id)


async def _move(s: AsyncSession, c: CouchClient, _: Namespace, a: argparse.Namespace) -> Any:
    record(s, "cli", "device.move", a.device_id, grid_id=a.grid)
    return await devices.move_device(s, c, a.device_id, a.grid)


async def _revoke(s: AsyncSession, c: CouchClient, _: Namespace, a: argparse.Namespace) -> Any:
    record(s, "cli", "device.revoke", a.device_id)
    return await devices.revoke_device(s, c, a.device_id)


async def _list(s: AsyncSession, _: CouchClient, __: Namespace, a: argparse.Namespace) -> Any:
    return list(await devices.list_devices(s, a.grid))


def _cli_actor() -> str:
    """Who ran the command: the operating-system user, as the audit trail's actor."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no name for this uid (e.g. a bare container)
        return f"cli:uid {os.getuid()}"


async def _geojson_file(path: Path) -> Any:
    """The file's JSON, or one clear error naming the file and what is wrong with it."""
    raw = await asyncio.to_thread(path.read_bytes)
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise boundaries.InvalidBoundary(f"{path}: not a GeoJSON file (not UTF-8 text)") from None
    except json.JSONDecodeError as exc:
        raise boundaries.InvalidBoundary(
            f"{path}: not a GeoJSON file (not JSON: {exc.msg} at "
            f"line {exc.lineno}, column {exc.colno})"
        ) from None


async def _import_boundaries(
    s: AsyncSession, _: CouchClient, __: Namespace, a: argparse.Namespace
) -> Any:
    collection = await _geojson_file(Path(a.file))
    version = await boundaries.import_boundaries(s, collection, a.label or Path(a.file).name,
                                                 a.sliver_m2)  # fmt: skip
    record(s, _cli_actor(), "boundary.import", f"boundary_version:{version.id}",
           label=version.label, file=str(a.file), problems=version.problem_counts)  # fmt: skip
    read = BoundaryVersionRead.model_validate(version, from_attributes=True)
    if a.json:  # the whole report on stdout, for a program
        return {**read.model_dump(mode="json"), "problems": version.problems}
    print_problems(version.problems)
    return read


async def _activate_boundaries(
    s: AsyncSession, c: CouchClient, ns: Namespace, a: argparse.Namespace
) -> Any:
    version = await boundaries.activate(s, a.version, ns, force=a.force, reason=a.reason)
    record(s, _cli_actor(), "boundary.activate", f"boundary_version:{a.version}", reason=a.reason,
           forced=version.forced)  # fmt: skip
    created = await provision_grids_in(s, c)
    index = await load_grid_index(s)
    hazards = await s.exec(select(col(Hazard.doc_id)).where(col(Hazard.lat).is_not(None)))
    total = len(hazards.all())
    with Progress(transient=True) as progress:
        progress.add_task(f"re-checking {total} hazards", total=None)
        recheck = await boundaries.recheck_hazards(s, index)
    rewritten = await refresh_hazard_verdicts(s, VerdictWriter(c), recheck.changed)
    summary = {**recheck.summary(), "verdicts_rewritten": rewritten}
    return {"version": version.id, "databases_created": created, "recheck": summary}


async def _repaired_boundaries(
    s: AsyncSession, _: CouchClient, __: Namespace, a: argparse.Namespace
) -> Any:
    return await boundaries.repaired_collection(s, a.version)


async def _list_boundaries(
    s: AsyncSession, _: CouchClient, __: Namespace, a: argparse.Namespace
) -> Any:
    versions = await boundaries.list_versions(s)
    return [BoundaryVersionRead.model_validate(v, from_attributes=True) for v in versions]


def print_problems(problems: dict[str, Any], stream: TextIO | None = None) -> None:
    """The validation report on stderr (stdout carries the JSON result): a table on a
    terminal, plain tab-separated lines (nothing cut) when piped or redirected."""
    stream = stream or sys.stderr
    rows = [(p["kind"], ", ".join(p["place_ids"]), f"{p['area_m2']:.0f}", _where(f), p["reason"])
            for f in problems["features"] for p in [f["properties"]]]  # fmt: skip
    header = ("kind", "places", "area m²", "where (lon, lat)", "reason")
    if not stream.isatty():
        for row in [header, *rows] if rows else []:
            print("\t".join(row), file=stream)
        if not rows:
            print("no problems found", file=stream)
        return
    table = Table(title="Boundary problems" if rows else "No problems found")
    for column in header:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*row)
    Console(file=stream).print(table)


def _where(feature: dict[str, Any]) -> str:
    """A point of the problem's geometry, for finding it on a map."""
    point = shape(feature["geometry"]).representative_point()
    return f"{point.x:.6f}, {point.y:.6f}"


async def _create_admin(
    s: AsyncSession, _: CouchClient, __: Namespace, a: argparse.Namespace
) -> Any:
    password = sys.stdin.readline().rstrip("\n") if a.password_stdin else getpass.getpass()
    account = await create_account(s, username=a.username, password=password, role=Role.admin)
    return {"id": account.id, "username": account.username, "role": account.role}


ACTIONS: dict[str, Action] = {
    "register": _register, "rotate": _rotate, "move": _move, "revoke": _revoke, "list": _list,
    "create-admin": _create_admin, "import": _import_boundaries,
    "activate": _activate_boundaries, "versions": _list_boundaries,
    "repaired": _repaired_boundaries,
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
    bounds = commands.add_parser("boundaries", help="import, list and activate boundary files")
    steps = bounds.add_subparsers(dest="action", required=True)
    imports = steps.add_parser("import", help="import a GeoJSON file as a new version")
    imports.add_argument("file")
    imports.add_argument("--label", default="")
    imports.add_argument("--sliver-m2", type=float, default=1.0)
    imports.add_argument(
        "--json",
        action="store_true",
        help="the whole report (GeoJSON) in the JSON result, no table",
    )
    steps.add_parser("versions", help="list boundary versions")
    repair = steps.add_parser(
        "repaired",
        help="print a version with invalid shapes repaired "
        "(GeoJSON, same ids) to import as a new version",
    )
    repair.add_argument("version", type=int)
    activation = steps.add_parser("activate", help="activate a version, re-check hazards")
    activation.add_argument("version", type=int)
    activation.add_argument("--force", action="store_true")
    activation.add_argument("--reason", default="")
